/*
 * spclient.c: a bare blocking SP REQ0 client (spclient.h) for
 * vet-loadgen's echo-direct target: the wire protocol libvet's direct
 * transport speaks to vetd (docs/TRANSPORT.md), with nothing but the
 * round trip, so that the echo floor can be measured with the same kind
 * of client as vetd. Benchmark code: a reply is checked for its length
 * and id, nothing more.
 */
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "spclient.h"

static int
io_full(int fd, uint8_t *p, size_t n, int out)
{
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		r = out ? send(fd, p + done, n - done, MSG_NOSIGNAL) :
		    recv(fd, p + done, n - done, 0);
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

int
spclient_dial(struct spclient *c, const char *url, char *err, size_t errsz)
{
	static const uint8_t hello[8] = { 0, 'S', 'P', 0, 0, 0x30, 0, 0 };
	uint8_t got[8];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char host[256], *colon;
	int one = 1;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->id = 0x80000001u;
	if (strncmp(url, "ipc://", 6) == 0) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		c->ipc = 1;
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", url + 6);
		if ((c->fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
		    connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
			goto fail;
	} else if (strncmp(url, "tcp://", 6) == 0) {
		snprintf(host, sizeof(host), "%s", url + 6);
		if ((colon = strrchr(host, ':')) == NULL)
			goto fail;
		*colon = '\0';
		if (getaddrinfo(host, colon + 1, &hints, &ai) != 0 ||
		    (c->fd = socket(ai->ai_family, SOCK_STREAM, 0)) < 0 ||
		    connect(c->fd, ai->ai_addr, ai->ai_addrlen) != 0)
			goto fail;
		freeaddrinfo(ai);
		ai = NULL;
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	} else
		goto fail;
	if (io_full(c->fd, (uint8_t *)hello, sizeof(hello), 1) != 0 ||
	    io_full(c->fd, got, sizeof(got), 0) != 0 || got[1] != 'S' ||
	    got[5] != 0x31)
		goto fail;
	return 0;
fail:
	snprintf(err, errsz, "echo-direct %s: cannot connect or not SP REP",
	    url);
	if (ai != NULL)
		freeaddrinfo(ai);
	spclient_close(c);
	return -1;
}

int
spclient_roundtrip(struct spclient *c, size_t size)
{
	uint8_t *p = c->buf + (c->ipc ? 0 : 1);
	size_t hdr = c->ipc ? 9 : 8, got = 0, want;
	uint64_t len;
	ssize_t n;

	if (size > sizeof(c->buf) - 13)
		return -1;
	c->buf[0] = 1;
	len = size + 4;
	for (int i = 0; i < 8; i++)
		c->buf[1 + i] = (uint8_t)(len >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		c->buf[9 + i] = (uint8_t)(c->id >> (24 - 8 * i));
	memset(c->buf + 13, 'x', size);
	if (io_full(c->fd, p, (size_t)(c->buf + 13 - p) + size, 1) != 0)
		return -1;
	/* One read, as a rule: the reply comes whole. */
	want = hdr;
	while (got < want) {
		n = recv(c->fd, c->buf + got, sizeof(c->buf) - got, 0);
		if (n <= 0)
			return -1;
		got += (size_t)n;
		if (want == hdr && got >= hdr) {
			len = 0;
			for (int i = 0; i < 8; i++)
				len = len << 8 | c->buf[hdr - 8 + i];
			if (len != size + 4 || hdr + len > sizeof(c->buf))
				return -1;
			want = hdr + (size_t)len;
		}
	}
	if (((uint32_t)c->buf[hdr] << 24 | (uint32_t)c->buf[hdr + 1] << 16 |
	    (uint32_t)c->buf[hdr + 2] << 8 | c->buf[hdr + 3]) != c->id)
		return -1;
	c->id = (c->id + 1) | 0x80000000u;
	return 0;
}

void
spclient_close(struct spclient *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
