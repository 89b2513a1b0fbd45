/*
 * libvet_sp.c: nng's SP wire protocol on plain sockets (libvet_sp.h), for
 * libvet's direct transport: parsing vetd's ipc:// or tcp:// URL, dialing
 * with the 8-byte SP connection header both ways (we are REQ0, vetd must
 * be REP0), and sends and receives that poll() until one deadline. Trusts
 * nothing the peer sends: a header that is not SP, or not REP, ends the
 * dial.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vettime.h"
#include "vet/vet.h"
#include "libvet_internal.h"
#include "libvet_sp.h"

#define SP_RETRY_MIN_MS	10	/* redial after 10, 20, 40... ms */
#define SP_RETRY_MAX_MS	100

enum dial_result {
	DIAL_OK,
	DIAL_BUSY,	/* vetd's listen queue is full: try again */
	DIAL_RETRY,	/* nothing answering yet: worth another try */
	DIAL_FAIL,
};

int64_t
sp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* sp_wait polls fd for events until deadline: 1 ready, 0 timed out. */
static int
sp_wait(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int64_t left;
	int rv;

	for (;;) {
		left = deadline - sp_now_ms();
		if (left <= 0)
			return 0;
		rv = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (rv > 0)
			return 1;
		if (rv < 0 && errno != EINTR)
			return -1;
	}
}

int
sp_send_all(int fd, const uint8_t *p, size_t len, int64_t deadline,
    size_t *sent)
{
	ssize_t n;
	int w;

	*sent = 0;
	while (*sent < len) {
		n = send(fd, p + *sent, len - *sent, MSG_NOSIGNAL);
		if (n > 0) {
			*sent += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if ((w = sp_wait(fd, POLLOUT, deadline)) <= 0)
			return w == 0 ? 1 : -1;
	}
	return 0;
}

ssize_t
sp_recv_some(int fd, uint8_t *p, size_t len, int64_t deadline)
{
	ssize_t n;
	int w;

	for (;;) {
		if ((w = sp_wait(fd, POLLIN, deadline)) <= 0)
			return w == 0 ? -2 : -1;
		n = recv(fd, p, len, 0);
		if (n >= 0)
			return n;
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
	}
}

/*
 * sp_hello exchanges the SP connection headers: ours says REQ0, vetd's
 * must say REP0 (nng closes a connection whose peer is not REQ0).
 */
static enum dial_result
sp_hello(const struct sp_addr *a, int fd, int64_t deadline, int timeout_ms,
    vet_status *st)
{
	uint8_t hello[SP_HELLO_LEN] = { 0, 'S', 'P', 0, 0, SP_REQ0, 0, 0 };
	uint8_t got[SP_HELLO_LEN];
	size_t have = 0, sent;
	ssize_t n = 0;
	int rv;

	if ((rv = sp_send_all(fd, hello, sizeof(hello), deadline, &sent)) != 0)
		goto lost;
	while (have < sizeof(got)) {
		n = sp_recv_some(fd, got + have, sizeof(got) - have, deadline);
		if (n <= 0) {
			rv = n == -2 ? 1 : n;
			goto lost;
		}
		have += (size_t)n;
	}
	if (got[0] != 0 || got[1] != 'S' || got[2] != 'P' || got[3] != 0 ||
	    got[6] != 0 || got[7] != 0) {
		status_set(st, VET_UNAVAILABLE, 0, "cannot reach vetd at %s: "
		    "the server does not speak nng's SP protocol", a->url);
		return DIAL_FAIL;
	}
	if (got[4] != 0 || got[5] != SP_REP0) {
		status_set(st, VET_UNAVAILABLE, 0, "cannot reach vetd at %s: "
		    "the server is SP protocol 0x%02x%02x, not REP (0x%02x)",
		    a->url, got[4], got[5], SP_REP0);
		return DIAL_FAIL;
	}
	return DIAL_OK;
lost:
	if (rv == 1)
		status_set(st, VET_UNAVAILABLE, 0, "cannot reach vetd at %s: "
		    "no SP handshake within %d ms", a->url, timeout_ms);
	else
		status_set(st, VET_UNAVAILABLE, 0, "cannot reach vetd at %s: "
		    "the connection closed during the SP handshake%s%s",
		    a->url, rv < 0 ? ": " : "", rv < 0 ? strerror(errno) : "");
	return DIAL_RETRY;
}

/* connect_fd connects a non-blocking socket before deadline. */
static int
connect_fd(int fd, const struct sockaddr *sa, socklen_t len, int64_t deadline)
{
	socklen_t elen = sizeof(int);
	int err = 0, w;

	if (connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EINTR)
		return -1;
	if ((w = sp_wait(fd, POLLOUT, deadline)) <= 0) {
		if (w == 0)
			errno = ETIMEDOUT;
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
		return -1;
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

/* dial_retryable: errors a vetd that is (re)starting gives. */
static int
dial_retryable(int err)
{
	return err == ECONNREFUSED || err == ENOENT || err == ETIMEDOUT ||
	    err == EHOSTUNREACH || err == ENETUNREACH || err == ECONNRESET;
}

static enum dial_result
dial_once(const struct sp_addr *a, int64_t deadline, int timeout_ms,
    int *out, vet_status *st)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_NUMERICSERV };
	struct addrinfo *ai = NULL, *p;
	enum dial_result res;
	int fd = -1, err = 0, rv, one = 1;

	if (a->ipc) {
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) < 0 || connect_fd(fd,
		    (const struct sockaddr *)&a->sun, sizeof(a->sun),
		    deadline) != 0)
			err = errno;
	} else if ((rv = getaddrinfo(a->host, a->port, &hints, &ai)) != 0) {
		status_set(st, VET_UNAVAILABLE, 0, "cannot reach vetd at %s: "
		    "%s: %s", a->url, a->host, rv == EAI_SYSTEM ?
		    strerror(errno) : gai_strerror(rv));
		return rv == EAI_AGAIN ? DIAL_RETRY : DIAL_FAIL;
	} else {
		for (p = ai; p != NULL; p = p->ai_next) {
			fd = socket(p->ai_family, p->ai_socktype |
			    SOCK_NONBLOCK | SOCK_CLOEXEC, p->ai_protocol);
			if (fd >= 0 && connect_fd(fd, p->ai_addr,
			    p->ai_addrlen, deadline) == 0) {
				err = 0;
				break;
			}
			err = errno;
			if (fd >= 0)
				close(fd);
			fd = -1;
		}
		freeaddrinfo(ai);
		/* As nng does: a request goes out at once, not after 40 ms. */
		if (fd >= 0)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
	}
	if (fd < 0 || err != 0) {
		if (err == 0)
			err = errno;
		if (fd >= 0)
			close(fd);
		status_set(st, VET_UNAVAILABLE, 0,
		    "cannot reach vetd at %s: %s", a->url, strerror(err));
		if (err == EAGAIN)
			return DIAL_BUSY;
		return dial_retryable(err) ? DIAL_RETRY : DIAL_FAIL;
	}
	if ((res = sp_hello(a, fd, deadline, timeout_ms, st)) != DIAL_OK) {
		close(fd);
		return res;
	}
	*out = fd;
	return DIAL_OK;
}

int
sp_dial(const struct sp_addr *a, int64_t deadline, int timeout_ms,
    int retry, int *out, vet_status *st)
{
	int delay = SP_RETRY_MIN_MS;
	enum dial_result res;
	struct timespec ts;
	int64_t left;
	char why[sizeof(st->message)];

	for (;;) {
		if ((res = dial_once(a, deadline, timeout_ms, out, st)) ==
		    DIAL_OK)
			return status_set(st, VET_OK, 0, "%s", "");
		/* Without retry, only a full listen queue is tried again:
		 * vetd is there. */
		if (res == DIAL_FAIL || (!retry && res != DIAL_BUSY))
			return st->code;
		left = deadline - sp_now_ms();
		if (left <= delay) {
			snprintf(why, sizeof(why), "%s", st->message);
			return status_set(st, VET_UNAVAILABLE, 0, "%s; not "
			    "connected within %d ms (the request was not sent)",
			    why, timeout_ms);
		}
		ts.tv_sec = 0;
		ts.tv_nsec = (long)delay * 1000000;
		nanosleep(&ts, NULL);
		delay = delay * 2 > SP_RETRY_MAX_MS ? SP_RETRY_MAX_MS :
		    delay * 2;
	}
}

/* sp_addr_parse: ipc://PATH, tcp://HOST:PORT, tcp://[V6]:PORT (a "/"
 * may follow, as nng allows). */
int
sp_addr_parse(struct sp_addr *a, const char *url, vet_status *st)
{
	const char *rest = url + 6, *colon, *end;
	char port[16];
	uint64_t pn;
	size_t hlen;

	if ((a->url = strdup(url)) == NULL)
		return status_oom(st);
	if (strncmp(url, "ipc://", 6) == 0) {
		a->ipc = 1;
		a->frame_hdr = 1 + 8;
		a->sun.sun_family = AF_UNIX;
		if (*rest == '\0' || strlen(rest) >= sizeof(a->sun.sun_path))
			return status_set(st, VET_INVALID_ARGUMENT, 0,
			    "bad vetd URL %s: %s", url, *rest == '\0' ?
			    "no socket path" : "the socket path is too long");
		memcpy(a->sun.sun_path, rest, strlen(rest) + 1);
		return VET_OK;
	}
	a->frame_hdr = 8;
	if (*rest == '[') {
		if ((end = strchr(rest, ']')) == NULL || end[1] != ':')
			goto bad;
		rest++;
		colon = end + 1;
	} else {
		if ((colon = strrchr(rest, ':')) == NULL)
			goto bad;
		end = colon;
	}
	hlen = (size_t)(end - rest);
	if (hlen == 0 || memchr(rest, '/', hlen) != NULL ||
	    memchr(rest, '@', hlen) != NULL)
		goto bad;
	snprintf(port, sizeof(port), "%s", colon + 1);
	if (strlen(colon + 1) < sizeof(port) && port[0] != '\0' &&
	    port[strlen(port) - 1] == '/')
		port[strlen(port) - 1] = '\0';
	if (strlen(colon + 1) >= sizeof(port) ||
	    parse_u64(port, 1, 65535, &pn) != 0)
		goto bad;
	snprintf(a->port, sizeof(a->port), "%u", (unsigned)pn);
	if ((a->host = strndup(rest, hlen)) == NULL)
		return status_oom(st);
	return VET_OK;
bad:
	return status_set(st, VET_INVALID_ARGUMENT, 0, "bad vetd URL %s: "
	    "want tcp://HOST:PORT", url);
}

void
sp_addr_clear(struct sp_addr *a)
{
	free(a->host);
	free(a->url);
	memset(a, 0, sizeof(*a));
}
