/*
 * libvet_direct.c: libvet's direct transport for ipc:// and tcp://:
 * nng's SP wire protocol (a REQ0 peer of vetd's REP0 socket, through
 * libvet_sp.c) on plain non-blocking sockets, so that a call is one
 * send() and one recv() on the calling thread, with no hand-off to nng's
 * threads. The wire format, checked against vetd and nng 1.5.2, is in
 * docs/TRANSPORT.md.
 *
 * A connection carries one request at a time. The client keeps a pool of
 * idle connections, so each thread calling at once has its own; a call
 * takes one (or dials a new one), and gives it back after the reply, or
 * closes it after any failure. A request goes out at most once: a pooled
 * connection found dead before a byte of the request was sent is
 * replaced by a new one (nothing was delivered), and nothing is sent
 * again once any of it was. Timeouts are poll() on one deadline per
 * call. Replies are untrusted: the length is capped before anything is
 * allocated for it, the SP request id must be ours, and libvet.c decodes
 * the rest.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vet/vet.h"
#include "libvet_internal.h"
#include "libvet_sp.h"
#include "libvet_transport.h"

#define DIRECT_IDLE_MAX		64	/* idle connections kept */
#define DIRECT_BUF_START	4096	/* a connection's reply buffer */
#define DIRECT_BUF_KEEP		(64 * 1024)	/* larger is freed after use */

struct direct_conn {
	int		 fd;
	uint32_t	 next_id;
	int		 broken;	/* close instead of pooling */
	uint8_t		*buf;
	size_t		 cap;
	struct direct_conn *next;	/* in the idle list */
};

struct direct {
	pthread_mutex_t	 mu;
	struct direct_conn *idle;	/* most recently used first */
	unsigned	 n_idle;
	struct sp_addr	 addr;
};

static void
conn_free(struct direct_conn *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c);
}

static struct direct_conn *
conn_new(int fd)
{
	struct direct_conn *c;
	uint32_t r = 0;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->buf = malloc(DIRECT_BUF_START)) == NULL) {
		free(c);
		return NULL;
	}
	c->cap = DIRECT_BUF_START;
	c->fd = fd;
	/* Like nng, request ids start at a random point; any will do. */
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (uint32_t)sp_now_ms();
	c->next_id = r | SP_ID_LAST;
	return c;
}

/* dial makes a connection (see sp_dial). */
static int
dial(struct direct *d, int64_t deadline, int timeout_ms, int retry,
    struct direct_conn **out, vet_status *st)
{
	int fd;

	if (sp_dial(&d->addr, deadline, timeout_ms, retry, &fd, st) != VET_OK)
		return st->code;
	if ((*out = conn_new(fd)) == NULL) {
		close(fd);
		return status_oom(st);
	}
	return VET_OK;
}

static struct direct_conn *
pool_get(struct direct *d)
{
	struct direct_conn *c;

	pthread_mutex_lock(&d->mu);
	if ((c = d->idle) != NULL) {
		d->idle = c->next;
		d->n_idle--;
		c->next = NULL;
	}
	pthread_mutex_unlock(&d->mu);
	return c;
}

static void
pool_put(struct direct *d, struct direct_conn *c)
{
	pthread_mutex_lock(&d->mu);
	if (d->n_idle < DIRECT_IDLE_MAX) {
		c->next = d->idle;
		d->idle = c;
		d->n_idle++;
		c = NULL;
	}
	pthread_mutex_unlock(&d->mu);
	conn_free(c);
}

/*
 * idle_ok: an idle connection must have nothing to read. End of stream
 * (vetd stopped or restarted) or stray bytes mean it cannot be used; it
 * is found before the request is sent, so a new connection may carry it.
 * Over ipc the same shows as EPIPE on the first send, so the check is
 * left to that and costs nothing.
 */
static int
idle_ok(const struct direct *d, const struct direct_conn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN | POLLRDHUP };

	if (d->addr.ipc)
		return 1;
	return poll(&pfd, 1, 0) == 0;
}

int
direct_wants(const char *url)
{
	return strncmp(url, "ipc://", 6) == 0 || strncmp(url, "tcp://", 6) == 0;
}

int
direct_open(struct direct **out, const char *url, int timeout_ms,
    vet_status *st)
{
	struct direct *d;
	struct direct_conn *c = NULL;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return status_oom(st);
	if (pthread_mutex_init(&d->mu, NULL) != 0) {
		free(d);
		return status_set(st, VET_INTERNAL, 0, "cannot make a mutex");
	}
	if (sp_addr_parse(&d->addr, url, st) != VET_OK)
		goto fail;
	/* At once, as nng's synchronous dial: a vetd that is down fails
	 * here. */
	if (dial(d, sp_now_ms() + timeout_ms, timeout_ms, 0, &c, st) != VET_OK)
		goto fail;
	pool_put(d, c);
	*out = d;
	return status_set(st, VET_OK, 0, "%s", "");
fail:
	direct_close(&d);
	return st->code;
}

void
direct_close(struct direct **dp)
{
	struct direct *d;
	struct direct_conn *c;

	if (dp == NULL || (d = *dp) == NULL)
		return;
	while ((c = d->idle) != NULL) {
		d->idle = c->next;
		conn_free(c);
	}
	pthread_mutex_destroy(&d->mu);
	sp_addr_clear(&d->addr);
	free(d);
	*dp = NULL;
}

/*
 * direct_send puts the SP framing in the headroom in front of the
 * envelope and sends the frame on a pooled or new connection.
 */
static int
direct_send(struct direct *d, uint8_t *frame, size_t len, int64_t deadline,
    int timeout_ms, struct direct_conn **out, uint32_t *idp, vet_status *st)
{
	struct direct_conn *c;
	uint8_t *start = frame + TRANSPORT_HEADROOM - SP_ID_LEN - 8;
	size_t n, sent;
	int pooled, rv, err;

	if (d->addr.ipc)
		*--start = SP_IPC_TYPE;
	n = (size_t)(frame + TRANSPORT_HEADROOM - start) + len;
	sp_put_be64(start + (d->addr.ipc ? 1 : 0), (uint64_t)len + SP_ID_LEN);
	for (;;) {
		if ((c = pool_get(d)) != NULL && !idle_ok(d, c)) {
			conn_free(c);
			continue;
		}
		pooled = c != NULL;
		if (c == NULL && dial(d, deadline, timeout_ms, 1, &c, st) !=
		    VET_OK)
			return st->code;
		*idp = c->next_id;
		c->next_id = (c->next_id + 1) | SP_ID_LAST;
		sp_put_be32(frame + TRANSPORT_HEADROOM - SP_ID_LEN, *idp);
		if ((rv = sp_send_all(c->fd, start, n, deadline, &sent)) == 0) {
			*out = c;
			return VET_OK;	/* st is filled from the answer */
		}
		err = errno;
		conn_free(c);
		/* A pooled connection vetd had closed: nothing went out. */
		if (rv < 0 && sent == 0 && pooled && (err == EPIPE ||
		    err == ECONNRESET || err == ENOTCONN))
			continue;
		/* vetd acts on a whole frame only, and this one was not. */
		if (rv > 0)
			return status_set(st, VET_UNAVAILABLE, 0,
			    "cannot send to vetd at %s: not taken within %d "
			    "ms (the request was not sent whole, so not done)",
			    d->addr.url, timeout_ms);
		return status_set(st, VET_UNAVAILABLE, 0, "cannot send to vetd "
		    "at %s: %s (the request was not sent whole, so not done)",
		    d->addr.url, strerror(err));
	}
}

/* direct_recv reads one reply frame into c's buffer. */
static int
direct_recv(struct direct *d, struct direct_conn *c, uint32_t id,
    int64_t deadline, int timeout_ms, struct transport_reply *r,
    vet_status *st)
{
	size_t have = 0, want = d->addr.frame_hdr, total = 0;
	uint64_t len;
	uint8_t *nb;
	ssize_t n;

	for (;;) {
		while (have < want) {
			n = sp_recv_some(c->fd, c->buf + have, c->cap - have,
			    deadline);
			if (n == -2)
				return status_set(st, VET_DEADLINE_EXCEEDED, 0,
				    "no answer from vetd within %d ms",
				    timeout_ms);
			if (n <= 0)
				return status_set(st, VET_UNAVAILABLE, 0,
				    "the connection to vetd at %s was lost "
				    "before the answer came; the request may "
				    "have been done", d->addr.url);
			have += (size_t)n;
		}
		if (total != 0)
			break;
		if (d->addr.ipc && c->buf[0] != SP_IPC_TYPE)
			return status_set(st, VET_INTERNAL, 0,
			    "vetd at %s sent an ipc frame of type %u; the "
			    "request may have been done", d->addr.url,
			    c->buf[0]);
		len = sp_get_be64(c->buf + (d->addr.ipc ? 1 : 0));
		if (len < SP_ID_LEN)
			return status_set(st, VET_INTERNAL, 0,
			    "vetd at %s sent a frame of %llu bytes, too short "
			    "for an SP header; the request may have been done",
			    d->addr.url, (unsigned long long)len);
		/* Before anything is allocated or read for it. */
		if (len > TRANSPORT_REPLY_MAX)
			return status_set(st, VET_RESOURCE_EXHAUSTED, 0,
			    "vetd's answer of %llu bytes is over libvet's "
			    "limit of %d bytes; the request may have been "
			    "done", (unsigned long long)len,
			    TRANSPORT_REPLY_MAX);
		total = want = d->addr.frame_hdr + (size_t)len;
		if (total > c->cap) {
			if ((nb = realloc(c->buf, total)) == NULL)
				return status_oom(st);
			c->buf = nb;
			c->cap = total;
		}
	}
	/* One request in flight, so exactly one reply: more is a fault. */
	if (have > total)
		c->broken = 1;
	if (sp_get_be32(c->buf + d->addr.frame_hdr) != id)
		return status_set(st, VET_INTERNAL, 0, "vetd at %s answered SP "
		    "request %08x, not %08x; the request may have been done",
		    d->addr.url, sp_get_be32(c->buf + d->addr.frame_hdr), id);
	r->data = c->buf + d->addr.frame_hdr + SP_ID_LEN;
	r->len = total - d->addr.frame_hdr - SP_ID_LEN;
	r->owner = c;
	return VET_OK;
}

int
direct_call(struct direct *d, uint8_t *frame, size_t len, int timeout_ms,
    struct transport_reply *r, vet_status *st)
{
	int64_t deadline = sp_now_ms() + timeout_ms;
	struct direct_conn *c = NULL;
	uint32_t id = 0;

	if (direct_send(d, frame, len, deadline, timeout_ms, &c, &id, st) !=
	    VET_OK)
		return st->code;
	if (direct_recv(d, c, id, deadline, timeout_ms, r, st) != VET_OK) {
		/* Its state is unknown (a late answer may still come). */
		conn_free(c);
		return st->code;
	}
	return VET_OK;
}

void
direct_reply_done(struct direct *d, struct transport_reply *r)
{
	struct direct_conn *c = r->owner;
	uint8_t *nb;

	memset(r, 0, sizeof(*r));
	if (c == NULL)
		return;
	if (c->broken) {
		conn_free(c);
		return;
	}
	if (c->cap > DIRECT_BUF_KEEP) {
		if ((nb = malloc(DIRECT_BUF_START)) == NULL) {
			conn_free(c);
			return;
		}
		free(c->buf);
		c->buf = nb;
		c->cap = DIRECT_BUF_START;
	}
	pool_put(d, c);
}
