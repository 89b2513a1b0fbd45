/*
 * sp_conn.c: framing of one direct-listener connection (see sp_conn.h).
 * Nothing here trusts the peer: every length is checked before a byte of
 * what it announces is read or a buffer is sized for it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "sp_conn.h"
#include "sp_wire.h"

#define BIG_FIRST	65536	/* a large frame's buffer starts here */

int64_t
sp_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
set_deadline(struct sp_conn *c, enum sp_deadline why, int64_t at)
{
	atomic_store(&c->deadline_why, (int)why);
	atomic_store(&c->deadline_ms, at);
}

int
sp_conn_greet(int fd)
{
	static const uint8_t header[SP_HELLO_LEN] = { 0, 'S', 'P', 0, 0,
	    SP_REP0, 0, 0 };

	return send(fd, header, sizeof(header), MSG_NOSIGNAL | MSG_DONTWAIT) ==
	    (ssize_t)sizeof(header) ? 0 : -1;
}

/* handshake checks the peer's 8 bytes as nng does: "\0SP\0", REQ0, 0 0. */
static int
handshake(struct sp_conn *c, const char **why)
{
	const uint8_t *h = c->in;

	if (c->in_len < 8)
		return 0;
	if (h[0] != 0 || h[1] != 'S' || h[2] != 'P' || h[3] != 0 ||
	    h[6] != 0 || h[7] != 0) {
		*why = "not an SP connection header";
		return -1;
	}
	if (h[4] != 0 || h[5] != SP_REQ0) {
		*why = "the peer is not a REQ socket";
		return -1;
	}
	memmove(c->in, c->in + 8, c->in_len - 8);
	c->in_len -= 8;
	c->shook = 1;
	set_deadline(c, 0, 0);
	return 1;
}

int
sp_conn_frame(struct sp_conn *c, size_t max_frame, uint8_t **frame,
    size_t *len, const char **why)
{
	size_t hdr = c->ipc ? 9 : 8;
	uint64_t n;
	int rv;

	if (c->big != NULL) {
		if (c->big_len < c->big_need)
			return 0;
		*frame = c->big;
		*len = c->big_need;
		return 1;
	}
	if (!c->shook && (rv = handshake(c, why)) <= 0)
		return rv;
	if (c->in_len < hdr)
		return 0;
	if (c->ipc && c->in[0] != 1) {
		*why = "an ipc frame whose type is not 1";
		return -1;
	}
	n = sp_get_be64(c->in + hdr - 8);
	if (n < 4 || n > max_frame) {
		*why = n < 4 ? "a frame too short to hold a request id" :
		    "a frame larger than max_frame";
		return -1;
	}
	if (hdr + n <= sizeof(c->in)) {
		if (c->in_len < hdr + n)
			return 0;
		*frame = c->in + hdr;
		*len = (size_t)n;
		c->frame_end = hdr + (size_t)n;
		return 1;
	}
	/* Larger than the small buffer: everything read after the length
	 * belongs to this frame, and the rest is read into its own. */
	c->big_need = (size_t)n;
	c->big_cap = c->big_need < BIG_FIRST ? c->big_need : BIG_FIRST;
	if ((c->big = malloc(c->big_cap)) == NULL) {
		*why = "out of memory for a frame";
		return -1;
	}
	c->big_len = c->in_len - hdr;
	memcpy(c->big, c->in + hdr, c->big_len);
	explicit_bzero(c->in, c->in_len);
	c->in_len = 0;
	return 0;
}

void
sp_conn_consume(struct sp_conn *c)
{
	if (c->big != NULL) {
		explicit_bzero(c->big, c->big_len);
		free(c->big);
		c->big = NULL;
		c->big_cap = c->big_len = c->big_need = 0;
		return;
	}
	memmove(c->in, c->in + c->frame_end, c->in_len - c->frame_end);
	c->in_len -= c->frame_end;
	c->frame_end = 0;
}

/* grow_big makes room for more of a large frame: 0, or -1 out of memory. */
static int
grow_big(struct sp_conn *c)
{
	size_t cap = c->big_cap * 2;
	uint8_t *p;

	if (c->big_len < c->big_cap)
		return 0;
	if (cap > c->big_need)
		cap = c->big_need;
	/* A copy rather than realloc, so that a token in the frame is not
	 * left behind in freed memory. */
	if ((p = malloc(cap)) == NULL)
		return -1;
	memcpy(p, c->big, c->big_len);
	explicit_bzero(c->big, c->big_len);
	free(c->big);
	c->big = p;
	c->big_cap = cap;
	return 0;
}

int
sp_conn_read(struct sp_conn *c)
{
	uint8_t *to;
	size_t room;
	ssize_t n;

	if (c->big != NULL) {
		if (grow_big(c) != 0)
			return -1;
		to = c->big + c->big_len;
		room = c->big_cap - c->big_len;
	} else {
		to = c->in + c->in_len;
		room = sizeof(c->in) - c->in_len;
	}
	if (room == 0)
		return -1;	/* cannot happen: a whole frame was waiting */
	do
		n = recv(c->fd, to, room, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	if (n == 0)
		return -1;
	if (c->big != NULL)
		c->big_len += (size_t)n;
	else
		c->in_len += (size_t)n;
	return 1;
}

/* keep_rest stores the unsent tail of iov (after sent bytes). */
static int
keep_rest(struct sp_conn *c, const struct iovec *iov, int iovcnt,
    size_t sent, int secret)
{
	size_t total = 0, off = 0;

	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	if ((c->out = malloc(total - sent)) == NULL)
		return -1;
	for (int i = 0; i < iovcnt; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t n = iov[i].iov_len;
		if (sent >= n) {
			sent -= n;
			continue;
		}
		memcpy(c->out + off, p + sent, n - sent);
		off += n - sent;
		sent = 0;
	}
	c->out_len = off;
	c->out_off = 0;
	c->out_secret = secret;
	set_deadline(c, SP_DEADLINE_SEND, sp_monotonic_ms() +
	    SP_SEND_TIMEOUT_MS);
	return 0;
}

int
sp_conn_reply(struct sp_conn *c, const uint8_t *backtrace, size_t bt_len,
    const uint8_t *body, size_t body_len, int secret)
{
	uint8_t head[9 + 4 * SP_BACKTRACE_MAX];
	size_t hdr = c->ipc ? 9 : 8;
	struct iovec iov[2];
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n;

	head[0] = 1;
	sp_put_be64(head + hdr - 8, bt_len + body_len);
	memcpy(head + hdr, backtrace, bt_len);
	iov[0].iov_base = head;
	iov[0].iov_len = hdr + bt_len;
	iov[1].iov_base = (void *)body;
	iov[1].iov_len = body_len;
	do
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		n = 0;
	}
	if ((size_t)n == iov[0].iov_len + iov[1].iov_len)
		return 0;
	return keep_rest(c, iov, 2, (size_t)n, secret);
}

int
sp_conn_flush(struct sp_conn *c)
{
	ssize_t n;

	do
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	c->out_off += (size_t)n;
	if (c->out_off < c->out_len)
		return 0;
	if (c->out_secret)
		explicit_bzero(c->out, c->out_len);
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	set_deadline(c, 0, 0);
	return 1;
}

void
sp_conn_free_buffers(struct sp_conn *c)
{
	explicit_bzero(c->in, sizeof(c->in));
	if (c->big != NULL) {
		explicit_bzero(c->big, c->big_len);
		free(c->big);
		c->big = NULL;
	}
	if (c->out != NULL) {
		if (c->out_secret)
			explicit_bzero(c->out, c->out_len);
		free(c->out);
		c->out = NULL;
	}
}
