/*
 * test_faults.c: vetd under resource faults, end to end.
 *
 * disk_full: vetd's data directory on a 2 MiB tmpfs with a 64 MiB map.
 * A filler file takes the rest of the space; writes then fail with
 * RESOURCE_EXHAUSTED and vetd's message, checks keep answering as before,
 * the failed writes leave nothing, and once the filler goes writes work
 * again; after a restart the store and its audit chain are intact. Needs
 * root (mount); skipped with a message otherwise.
 *
 * idle_and_half_open_clients, clients_that_never_read_replies: hundreds
 * of raw TCP connections that send nothing, half an SP handshake, half a
 * frame, or requests whose replies they never read, against a vetd with
 * a pool of only 8 contexts. A well-behaved
 * client must still get every answer within its timeout, vetd's file
 * descriptors and memory must stay bounded while they are connected (the
 * figures are printed), and both return once they leave.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "fixture.h"
#include "rpc.pb-c.h"
#include "vetting.pb-c.h"

static struct vetd_proc vetd;
static int mounted;
static char filler[400];

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
tick(void)
{
	struct timespec ts = { 0, 20 * 1000000 };
	nanosleep(&ts, NULL);
}

static void
teardown(void)
{
	if (vetd.pid > 0)
		fixture_kill(&vetd);
	if (mounted && umount(vetd.data_dir) != 0)
		fprintf(stderr, "umount %s: %s\n", vetd.data_dir,
		    strerror(errno));
	mounted = 0;
	fixture_cleanup(&vetd);
}

TestSuite(faults, .fini = teardown, .timeout = 240);

static nng_socket
dial(const char *url)
{
	nng_socket s;

	cr_assert_eq(nng_req0_open(&s), 0);
	nng_socket_set_ms(s, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 5000);
	nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, 5000);
	cr_assert_eq(nng_dial(s, url, NULL, 0), 0, "dial %s", url);
	return s;
}

/* call sends one request; returns the response or NULL (no answer). */
static Vet__V1__RpcResponse *
call(nng_socket s, const char *method, const ProtobufCMessage *m)
{
	Vet__V1__RpcRequest req = VET__V1__RPC_REQUEST__INIT;
	char name[96];
	uint8_t payload[8192], frame[9000];
	nng_msg *msg;
	Vet__V1__RpcResponse *resp;

	snprintf(name, sizeof(name), "/vet.v1.Vetting/%s", method);
	req.method = name;
	req.payload.data = payload;
	req.payload.len = m != NULL ? protobuf_c_message_pack(m, payload) : 0;
	size_t n = vet__v1__rpc_request__pack(&req, frame);
	cr_assert_eq(nng_msg_alloc(&msg, 0), 0);
	nng_msg_append(msg, frame, n);
	if (nng_sendmsg(s, msg, 0) != 0) {
		nng_msg_free(msg);
		return NULL;
	}
	if (nng_recvmsg(s, &msg, 0) != 0)
		return NULL;
	resp = vet__v1__rpc_response__unpack(NULL, nng_msg_len(msg),
	    nng_msg_body(msg));
	nng_msg_free(msg);
	return resp;
}

static int
code_of(Vet__V1__RpcResponse *r, char *msg, size_t msgsz)
{
	int code;

	cr_assert_not_null(r, "no answer");
	code = r->status->code;
	if (msg != NULL)
		snprintf(msg, msgsz, "%s", r->status->message);
	vet__v1__rpc_response__free_unpacked(r, NULL);
	return code;
}

static int
put_person(nng_socket s, const char *id, size_t name_len, char *msg,
    size_t msgsz)
{
	Vet__V1__PutPersonRequest p = VET__V1__PUT_PERSON_REQUEST__INIT;
	char name[2048];

	memset(name, 'n', name_len);
	name[name_len] = '\0';
	p.id = (char *)id;
	p.display_name = name;
	return code_of(call(s, "PutPerson", &p.base), msg, msgsz);
}

static int
grant(nng_socket s, const char *id)
{
	Vet__V1__GrantClearanceRequest g =
	    VET__V1__GRANT_CLEARANCE_REQUEST__INIT;

	g.person_id = (char *)id;
	g.scheme = "nsv";
	g.level = "SC";
	g.review_due = 4102444800;	/* 2100 */
	return code_of(call(s, "GrantClearance", &g.base), NULL, 0);
}

/* check_reason: Check(id, SECRET)'s reason. */
static int
check_reason(nng_socket s, const char *id)
{
	Vet__V1__CheckRequest c = VET__V1__CHECK_REQUEST__INIT;
	Vet__V1__RpcResponse *r;
	Vet__V1__Decision *d;
	int reason;

	c.person_id = (char *)id;
	c.marking = "SECRET";
	cr_assert_not_null(r = call(s, "Check", &c.base), "Check: no answer");
	cr_assert_eq(r->status->code, 0, "Check: %s", r->status->message);
	cr_assert_not_null(d = vet__v1__decision__unpack(NULL,
	    r->payload.len, r->payload.data));
	reason = d->reason;
	vet__v1__decision__free_unpacked(d, NULL);
	vet__v1__rpc_response__free_unpacked(r, NULL);
	return reason;
}

static uint64_t
revision(nng_socket s)
{
	Vet__V1__RpcResponse *r = call(s, "Health", NULL);
	uint64_t rev;

	cr_assert_not_null(r, "Health: no answer");
	cr_assert_eq(r->status->code, 0);
	rev = r->revision;
	vet__v1__rpc_response__free_unpacked(r, NULL);
	return rev;
}

static void
verify_audit(nng_socket s)
{
	Vet__V1__VerifyAuditRequest v = VET__V1__VERIFY_AUDIT_REQUEST__INIT;
	Vet__V1__RpcResponse *r = call(s, "VerifyAudit", &v.base);
	Vet__V1__VerifyAuditResponse *a;

	cr_assert_not_null(r);
	cr_assert_eq(r->status->code, 0, "%s", r->status->message);
	a = vet__v1__verify_audit_response__unpack(NULL, r->payload.len,
	    r->payload.data);
	cr_assert_not_null(a);
	cr_assert(a->ok, "audit chain broken at %llu: %s",
	    (unsigned long long)a->first_bad_seq, a->problem);
	vet__v1__verify_audit_response__free_unpacked(a, NULL);
	vet__v1__rpc_response__free_unpacked(r, NULL);
}

/* fill writes the filler file until the filesystem is full. */
static void
fill(const char *path)
{
	static char block[4096];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n;

	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	memset(block, 'f', sizeof(block));
	do
		n = write(fd, block, sizeof(block));
	while (n > 0);
	cr_assert_eq(errno, ENOSPC, "filling: %s", strerror(errno));
	/* The last partial block too. */
	while (write(fd, block, 1) == 1)
		;
	close(fd);
}

Test(faults, disk_full)
{
	char msg[512], id[32];
	nng_socket s;
	uint64_t rev;
	int code = 0, i;

	if (geteuid() != 0)
		cr_skip_test("disk_full needs root to mount a tmpfs");
	cr_assert_eq(fixture_prepare(&vetd), 0);
	cr_assert_eq(mkdir(vetd.data_dir, 0700), 0);
	if (mount("tmpfs", vetd.data_dir, "tmpfs", 0, "size=2m,mode=0700")
	    != 0)
		cr_skip_test("cannot mount a tmpfs here: %s", strerror(errno));
	mounted = 1;
	cr_assert_eq(fixture_launch(&vetd, (const char *[]){ "--map-size",
	    "67108864", NULL }, NULL), 0, "vetd did not start on the tmpfs");
	s = dial(vetd.url);

	cr_assert_eq(put_person(s, "before", 20, NULL, 0), 0);
	cr_assert_eq(grant(s, "before"), 0);
	cr_assert_eq(check_reason(s, "before"),
	    VET__V1__REASON__REASON_GRANTED);

	snprintf(filler, sizeof(filler), "%s/filler", vetd.data_dir);
	fill(filler);
	/* LMDB reuses freed pages for a while: write until it needs a new
	 * one. The bound is far more than the free pages can hold. */
	rev = revision(s);
	for (i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "full-%d", i);
		code = put_person(s, id, 250, msg, sizeof(msg));
		if (code != 0)
			break;
		rev = revision(s);
	}
	cr_assert_eq(code, 8, "wanted RESOURCE_EXHAUSTED, got %d (%s) after "
	    "%d writes", code, msg, i);
	cr_assert_str_eq(msg, "the store has no space left; the change was "
	    "not applied");
	fprintf(stderr, "disk_full: %d writes fit in the last free pages; "
	    "then %d: \"%s\"\n", i, code, msg);
	/* The failed write left nothing; checks answer as before. */
	cr_assert_eq(revision(s), rev);
	cr_assert_eq(check_reason(s, "before"),
	    VET__V1__REASON__REASON_GRANTED);
	cr_assert_eq(check_reason(s, id),
	    VET__V1__REASON__REASON_UNKNOWN_PERSON);
	/* Smaller writes fail the same way while the disk stays full. */
	cr_assert_eq(put_person(s, "full-small", 10, msg, sizeof(msg)), 8,
	    "%s", msg);

	/* Space returns: writes work again, at once. */
	cr_assert_eq(unlink(filler), 0);
	cr_assert_eq(put_person(s, id, 250, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(grant(s, id), 0);
	cr_assert_eq(check_reason(s, id), VET__V1__REASON__REASON_GRANTED);
	verify_audit(s);

	/* And nothing was corrupted: a restart finds all of it. */
	nng_close(s);
	cr_assert_eq(fixture_stop(&vetd), 0);
	cr_assert_eq(fixture_restart(&vetd, (const char *[]){ "--map-size",
	    "67108864", NULL }), 0);
	s = dial(vetd.url);
	cr_assert_eq(check_reason(s, "before"),
	    VET__V1__REASON__REASON_GRANTED);
	cr_assert_eq(check_reason(s, id), VET__V1__REASON__REASON_GRANTED);
	verify_audit(s);
	nng_close(s);
}

/*
 * Slow and idle clients.
 */

static long
vetd_fds(void)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	long n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)vetd.pid);
	cr_assert_not_null(d = opendir(path));
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static long
vetd_rss_kb(void)
{
	char path[64], line[256];
	FILE *f;
	long kb = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)vetd.pid);
	cr_assert_not_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static int
tcp_connect(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0,
	    "connect: %s", strerror(errno));
	return fd;
}

/* The SP handshake of a REQ peer: "\0SP\0", protocol 0x30, reserved. */
static const uint8_t sp_req_header[8] = { 0, 'S', 'P', 0, 0, 0x30, 0, 0 };

static void
send_all(int fd, const void *buf, size_t len)
{
	cr_assert_eq(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* health_frame builds one SP-over-TCP REQ message: 8-byte length, the
 * 4-byte request id (high bit set), an RpcRequest for Health. */
static size_t
health_frame(uint8_t *buf, uint32_t id)
{
	Vet__V1__RpcRequest req = VET__V1__RPC_REQUEST__INIT;
	uint8_t body[128];
	size_t n;

	req.method = "/vet.v1.Vetting/Health";
	n = vet__v1__rpc_request__pack(&req, body);
	uint64_t len = 4 + n;
	for (int i = 0; i < 8; i++)
		buf[i] = (uint8_t)(len >> (56 - 8 * i));
	id |= 0x80000000u;
	buf[8] = (uint8_t)(id >> 24);
	buf[9] = (uint8_t)(id >> 16);
	buf[10] = (uint8_t)(id >> 8);
	buf[11] = (uint8_t)id;
	memcpy(buf + 12, body, n);
	return 12 + n;
}

#if defined(__SANITIZE_ADDRESS__)
#define RSS_BOUND_KIB	(256 * 1024)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_BOUND_KIB	(256 * 1024)
#endif
#endif
#ifndef RSS_BOUND_KIB
#define RSS_BOUND_KIB	(64 * 1024)
#endif

#define IDLE_CLIENTS	100	/* of each kind */
#define DEAF_CLIENTS	16	/* twice the context pool */

/*
 * hostile_connections opens the kinds of connections in the bit set
 * kinds (1 silent, 2 half a handshake, 4 half a frame, 8 a frame length
 * of 2^40, 16 deaf) and checks what the header says. KINDS in the
 * environment overrides it; KINDS=20 (half frames and deaf clients
 * together) reproduces the open problem in docs/RELIABILITY.md: some
 * connections are not released after their clients close them.
 */
static void
hostile_connections(int kinds)
{
	static int fds[4 * IDLE_CLIENTS + DEAF_CLIENTS];
	char url[64], ctx[] = "8";
	int port = fixture_free_port(), nfd = 0;
	long fd0, rss0, fd1, rss1, rss_max = 0, fd_max = 0;
	unsigned long deaf_requests = 0;
	uint8_t frame[256];
	nng_socket s;

	cr_assert_gt(port, 0);
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", port);
	/* vetd's own listener by default; FAULTS_TRANSPORT=nng runs the same
	 * against nng's REP socket (transport = nng). */
	const char *transport = getenv("FAULTS_TRANSPORT") != NULL ?
	    getenv("FAULTS_TRANSPORT") : "direct";
	int via_nng = strcmp(transport, "nng") == 0;
	cr_assert_eq(fixture_start(&vetd, (const char *[]){ "--listen", url,
	    "--contexts", ctx, "--transport", transport, NULL }), 0);
	s = dial(vetd.url);
	for (int i = 0; i < 200; i++)		/* warm up the pool */
		cr_assert_eq(code_of(call(s, "Health", NULL), NULL, 0), 0);
	fd0 = vetd_fds();
	rss0 = vetd_rss_kb();

	if (getenv("KINDS") != NULL)
		kinds = (int)strtol(getenv("KINDS"), NULL, 10);
	for (int i = 0; i < IDLE_CLIENTS; i++) {
		static const uint8_t half[8 + 100] = { 0, 0, 0, 0, 0, 1 };
		static const uint8_t huge[8] = { 0, 0, 1 };

		if (kinds & 1)		/* connects, says nothing */
			fds[nfd++] = tcp_connect(port);
		if (kinds & 2) {	/* half the SP handshake */
			fds[nfd] = tcp_connect(port);
			send_all(fds[nfd++], sp_req_header, 4);
		}
		if (kinds & 4) {	/* half a frame claiming 64 KiB */
			fds[nfd] = tcp_connect(port);
			send_all(fds[nfd], sp_req_header, 8);
			send_all(fds[nfd++], half, sizeof(half));
		}
		if (kinds & 8) {	/* a length of 2^40: refused unread */
			fds[nfd] = tcp_connect(port);
			send_all(fds[nfd], sp_req_header, 8);
			send_all(fds[nfd++], huge, sizeof(huge));
		}
	}
	/* Deaf clients: pipeline Health requests and never read a reply,
	 * until their socket buffers are full (send would block), bounded
	 * by 200,000 requests each. */
	for (int i = 0; i < ((kinds & 16) ? DEAF_CLIENTS : 0); i++) {
		int fd = tcp_connect(port), rcv = 4096;
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
		send_all(fd, sp_req_header, 8);
		fcntl(fd, F_SETFL, O_NONBLOCK);
		int64_t until = now_ms() + 3000;
		for (uint32_t k = 1; k <= 200000 && now_ms() < until; k++) {
			size_t n = health_frame(frame, k);
			ssize_t w = send(fd, frame, n, MSG_NOSIGNAL);
			if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				/* Full: give vetd a moment to drain what it
				 * can into our (unread) receive buffer. */
				tick();
				w = send(fd, frame, n, MSG_NOSIGNAL);
				if (w < 0)
					break;
			}
			if (w != (ssize_t)n)
				break;	/* full, or a frame cut short */
			deaf_requests++;
		}
		fds[nfd++] = fd;
	}

	/* A well-behaved client is answered, every time, within 5 s. */
	for (int i = 0; i < 200; i++) {
		int64_t t0 = now_ms();
		Vet__V1__RpcResponse *r = call(s, "Health", NULL);
		cr_assert_not_null(r, "call %d got no answer within 5 s with %d "
		    "hostile connections open", i, nfd);
		cr_assert_eq(r->status->code, 0);
		vet__v1__rpc_response__free_unpacked(r, NULL);
		cr_assert_lt(now_ms() - t0, 5000);
		if (i % 20 == 0) {
			long f = vetd_fds(), m = vetd_rss_kb();
			fd_max = f > fd_max ? f : fd_max;
			rss_max = m > rss_max ? m : rss_max;
		}
	}
	fd1 = vetd_fds();
	rss1 = vetd_rss_kb();
	fd_max = fd1 > fd_max ? fd1 : fd_max;
	rss_max = rss1 > rss_max ? rss1 : rss_max;
	fprintf(stderr, "slow_clients(%d): %d hostile connections (%lu pipelined "
	    "unread requests): vetd fds %ld -> %ld, RSS %ld -> %ld KiB "
	    "(peak %ld)\n", kinds, nfd, deaf_requests, fd0, fd_max, rss0, rss1,
	    rss_max);
	/* One fd per connection at most, and a small, bounded memory cost:
	 * 64 MiB for all of them is far above what vetd uses (about 2 MiB
	 * here); under AddressSanitizer, whose quarantine holds freed memory
	 * back, the bound is 256 MiB. */
	cr_assert_leq(fd_max, fd0 + nfd + 8);
	cr_assert_lt(rss_max - rss0, RSS_BOUND_KIB, "RSS grew by %ld KiB",
	    rss_max - rss0);

	/* They leave: vetd lets go of their connections. Through nng a pipe
	 * is read (and its close seen) only when a context is free to take a
	 * request; a loaded machine or a sanitizer build is slower still:
	 * hence the generous bound. */
	for (int i = 0; i < nfd; i++)
		close(fds[i]);
	/* vetd's listener releases every one. Through nng (open problem,
	 * docs/RELIABILITY.md) a few deaf clients' connections (11 to 13 of
	 * 16 seen) may stay open, so for nng no more than one per deaf
	 * client may stay; FAULTS_STRICT=1 demands full release of nng too. */
	long allowed = (kinds & 16) && via_nng &&
	    getenv("FAULTS_STRICT") == NULL ? DEAF_CLIENTS : 0;
	int64_t closed = now_ms(), deadline = closed + 20000;
	while (vetd_fds() > fd0 + 2 && now_ms() < deadline)
		tick();
	cr_assert_leq(vetd_fds(), fd0 + 2 + allowed, "vetd still holds %ld "
	    "fds (%ld before)", vetd_fds(), fd0);
	fprintf(stderr, "slow_clients(%d): %ld ms after the clients closed "
	    "their connections vetd held %ld fds (%ld before)\n", kinds,
	    (long)(now_ms() - closed), vetd_fds(), fd0);
	cr_assert_eq(code_of(call(s, "Health", NULL), NULL, 0), 0);
	nng_close(s);
}

Test(faults, idle_and_half_open_clients)
{
	hostile_connections(1 | 2 | 4 | 8);
}

Test(faults, clients_that_never_read_replies)
{
	hostile_connections(16);
}
