/*
 * sp_fake.c: the misbehaving SP server of test_transport.c (sp_fake.h).
 * It trusts its one client (the test's own libvet) only as far as the
 * frame lengths it checks; every socket read is bounded by a 5 s
 * SO_RCVTIMEO, so a test cannot hang on it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "rpc.pb-c.h"
#include "sp_fake.h"
#include "sp_wire.h"

#define HELD_MAX	16

static int held[HELD_MAX];
static int n_held;
static struct sp_fake *running;	/* started and not yet stopped */

static int
read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = recv(fd, (uint8_t *)buf + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static int
write_full(int fd, const void *buf, size_t n)
{
	size_t put = 0;
	ssize_t w;

	while (put < n) {
		w = send(fd, (const uint8_t *)buf + put, n - put,
		    MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		put += (size_t)w;
	}
	return 0;
}

static void
hold(int fd)
{
	if (n_held < HELD_MAX)
		held[n_held++] = fd;
	else
		close(fd);
}

/* read_request reads one request frame; *msg (id + envelope) is
 * allocated. */
static int
read_request(struct sp_fake *f, int fd, uint8_t **msg, size_t *len)
{
	uint8_t h[9];
	size_t hl = f->ipc ? 9 : 8;
	uint64_t n;

	if (read_full(fd, h, hl) != 0 || (f->ipc && h[0] != 1))
		return -1;
	n = sp_get_be64(h + (f->ipc ? 1 : 0));
	if (n < 4 || n > (1 << 20) || (*msg = malloc(n)) == NULL)
		return -1;
	if (read_full(fd, *msg, n) != 0) {
		free(*msg);
		return -1;
	}
	*len = n;
	atomic_fetch_add(&f->requests, 1);
	return 0;
}

/*
 * answer sends an RpcResponse for the request whose SP message is exactly
 * f->reply_len bytes: the status message is padded to fit (and a revision
 * of 1 added where a length's varint would otherwise skip the size).
 */
static int
answer(struct sp_fake *f, int fd, const uint8_t *msg, size_t len)
{
	Vet__V1__RpcRequest *req;
	Vet__V1__RpcResponse resp = VET__V1__RPC_RESPONSE__INIT;
	Vet__V1__Status status = VET__V1__STATUS__INIT;
	size_t want = f->reply_len - 4, body, base, start;
	size_t hl = f->ipc ? 9 : 8;
	uint8_t *frame;
	char *text;
	int rv = -1, found = 0;

	if ((req = vet__v1__rpc_request__unpack(NULL, len - 4, msg + 4)) ==
	    NULL || (text = malloc(want + 1)) == NULL)
		return -1;
	memset(text, 'x', want);
	text[0] = '\0';
	resp.request_id = req->request_id;
	resp.status = &status;
	status.message = text;
	base = vet__v1__rpc_response__get_packed_size(&resp);
	start = want > base ? want - base : 0;
	text[0] = 'x';
	for (uint64_t rev = 0; rev <= 1 && !found; rev++) {
		resp.revision = rev;
		for (size_t m = start; m + 16 > start && m > 0; m--) {
			text[m] = '\0';
			if (vet__v1__rpc_response__get_packed_size(&resp) ==
			    want) {
				found = 1;
				break;
			}
			text[m] = 'x';
		}
	}
	if (!found || (frame = malloc(hl + 4 + want)) == NULL)
		goto done;
	frame[0] = 1;
	sp_put_be64(frame + (f->ipc ? 1 : 0), f->reply_len);
	memcpy(frame + hl, msg, 4);
	body = vet__v1__rpc_response__pack(&resp, frame + hl + 4);
	if (body == want)
		rv = write_full(fd, frame, hl + 4 + want);
	free(frame);
done:
	free(text);
	vet__v1__rpc_request__free_unpacked(req, NULL);
	return rv;
}

static void
serve(struct sp_fake *f, int fd)
{
	static const uint8_t rep[SP_HELLO_LEN] = { 0, 'S', 'P', 0, 0,
	    SP_REP0, 0, 0 };
	uint8_t hello[8], head[9 + 4];
	uint8_t *msg = NULL;
	size_t len, hl = f->ipc ? 9 : 8;

	if (f->mode == SP_FAKE_SILENT) {
		hold(fd);
		return;
	}
	if (write_full(fd, rep, sizeof(rep)) != 0 ||
	    read_full(fd, hello, sizeof(hello)) != 0 ||
	    read_request(f, fd, &msg, &len) != 0) {
		close(fd);
		return;
	}
	switch (f->mode) {
	case SP_FAKE_HANG_UP:
		close(fd);
		fd = -1;
		break;
	case SP_FAKE_HUGE_HEADER:
		/* The header and the id; the body never comes. */
		head[0] = 1;
		sp_put_be64(head + (f->ipc ? 1 : 0), f->reply_len);
		memcpy(head + hl, msg, 4);
		write_full(fd, head, hl + 4);
		break;
	case SP_FAKE_ANSWER:
		cr_assert_eq(answer(f, fd, msg, len), 0, "the fake cannot "
		    "answer with %zu bytes", f->reply_len);
		break;
	default:
		break;
	}
	free(msg);
	if (fd >= 0)
		hold(fd);
}

static void *
fake_main(void *arg)
{
	struct sp_fake *f = arg;
	struct timeval tv = { 5, 0 };
	int fd;

	for (;;) {
		struct pollfd p[2] = { { f->lfd, POLLIN, 0 },
		    { f->stop[0], POLLIN, 0 } };
		if (poll(p, 2, -1) < 0 && errno == EINTR)
			continue;
		if (p[1].revents != 0)
			break;
		if ((fd = accept(f->lfd, NULL, NULL)) < 0)
			continue;
		atomic_fetch_add(&f->accepted, 1);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		serve(f, fd);
	}
	return NULL;
}

void
sp_fake_start(struct sp_fake *f, enum sp_fake_mode mode, int ipc,
    size_t reply_len)
{
	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->ipc = ipc;
	f->reply_len = reply_len;
	n_held = 0;
	cr_assert_eq(pipe(f->stop), 0);
	if (ipc) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		snprintf(f->dir, sizeof(f->dir), "/tmp/vet-spfake-XXXXXX");
		cr_assert_not_null(mkdtemp(f->dir));
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/s.sock",
		    f->dir);
		cr_assert((f->lfd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
		cr_assert_eq(bind(f->lfd, (struct sockaddr *)&sun,
		    sizeof(sun)), 0);
		snprintf(f->url, sizeof(f->url), "ipc://%s", sun.sun_path);
	} else {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		socklen_t sl = sizeof(sa);
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		cr_assert((f->lfd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
		cr_assert_eq(bind(f->lfd, (struct sockaddr *)&sa,
		    sizeof(sa)), 0);
		cr_assert_eq(getsockname(f->lfd, (struct sockaddr *)&sa, &sl),
		    0);
		snprintf(f->url, sizeof(f->url), "tcp://127.0.0.1:%u",
		    (unsigned)ntohs(sa.sin_port));
	}
	cr_assert_eq(listen(f->lfd, 16), 0);
	cr_assert_eq(pthread_create(&f->thread, NULL, fake_main, f), 0);
	running = f;
}

/* count_frames counts whole request frames in what fd holds now. */
static int
count_frames(struct sp_fake *f, int fd, int hello)
{
	uint8_t buf[65536];
	size_t have = 0, at, hl = f->ipc ? 9 : 8;
	ssize_t n;
	int frames = 0;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (have < sizeof(buf) && (n = recv(fd, buf + have,
	    sizeof(buf) - have, 0)) > 0)
		have += (size_t)n;
	at = hello ? 8 : 0;
	while (at + hl <= have) {
		uint64_t len = sp_get_be64(buf + at + (f->ipc ? 1 : 0));
		if (len > have - at - hl)
			break;
		frames++;
		at += hl + (size_t)len;
	}
	return frames;
}

void
sp_fake_stop(struct sp_fake *f)
{
	char cmd[128];
	int fd;

	running = NULL;
	cr_assert_eq(write(f->stop[1], "x", 1), 1);
	pthread_join(f->thread, NULL);
	/* What the client sent and the thread did not get to read. */
	for (int i = 0; i < n_held; i++) {
		/* A silent fake never read the client's SP header. */
		atomic_fetch_add(&f->requests, count_frames(f, held[i],
		    f->mode == SP_FAKE_SILENT));
		close(held[i]);
	}
	n_held = 0;
	fcntl(f->lfd, F_SETFL, fcntl(f->lfd, F_GETFL) | O_NONBLOCK);
	while ((fd = accept(f->lfd, NULL, NULL)) >= 0) {
		atomic_fetch_add(&f->accepted, 1);
		atomic_fetch_add(&f->requests, count_frames(f, fd, 1));
		close(fd);
	}
	close(f->lfd);
	close(f->stop[0]);
	close(f->stop[1]);
	if (f->ipc) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "sp_fake: cannot remove %s\n", f->dir);
	}
}

void
sp_fake_cleanup(void)
{
	if (running != NULL)
		sp_fake_stop(running);
}
