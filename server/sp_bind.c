/*
 * sp_bind.c: the listening sockets of the direct listener (sp_bind.h):
 * an ipc:// URL is a Unix stream socket created 0600 (its mode set on the
 * socket before bind, so it is never reachable by others even for an
 * instant), a tcp:// URL a TCP socket with SO_REUSEADDR, as nng makes
 * them.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sp_bind.h"

#define BACKLOG	4096

/*
 * stale_socket: something is at path; if it is a socket nobody answers
 * on (a vetd that died), it may be replaced, as nng does.
 */
static int
stale_socket(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rv;

	if (lstat(sa->sun_path, &st) != 0 || !S_ISSOCK(st.st_mode))
		return 0;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	rv = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	rv = rv != 0 && errno == ECONNREFUSED;
	close(fd);
	return rv;
}

static int
bind_ipc(const char *path, char *err, size_t errsz)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (*path == '\0' || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errsz, "ipc path must be 1 to %zu bytes",
		    sizeof(sa.sun_path) - 1);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0) {
		snprintf(err, errsz, "socket: %s", strerror(errno));
		return -1;
	}
	/* Linux creates the socket file with the socket's own mode. */
	if (fchmod(fd, 0600) != 0) {
		snprintf(err, errsz, "fchmod: %s", strerror(errno));
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (errno != EADDRINUSE || !stale_socket(&sa) ||
		    unlink(path) != 0 ||
		    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			snprintf(err, errsz, "%s", errno == EADDRINUSE ?
			    "address in use (is another vetd running?)" :
			    strerror(errno));
			goto fail;
		}
	}
	if (chmod(path, 0600) != 0 || listen(fd, BACKLOG) != 0) {
		snprintf(err, errsz, "%s", strerror(errno));
		unlink(path);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/*
 * split_host_port parses "HOST:PORT", "[V6]:PORT" or ":PORT"/"*:PORT"
 * (every address). host is "" for every address.
 */
static int
split_host_port(const char *hp, char *host, size_t hostsz, char *port,
    size_t portsz)
{
	const char *colon;
	size_t hl;

	if (*hp == '[') {
		const char *end = strchr(hp, ']');
		if (end == NULL || end[1] != ':')
			return -1;
		hl = (size_t)(end - hp - 1);
		hp++;
		colon = end + 1;
	} else {
		if ((colon = strrchr(hp, ':')) == NULL)
			return -1;
		hl = (size_t)(colon - hp);
	}
	if (hl >= hostsz || strlen(colon + 1) >= portsz || colon[1] == '\0')
		return -1;
	memcpy(host, hp, hl);
	host[hl] = '\0';
	if (strcmp(host, "*") == 0)
		host[0] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

static int
bind_tcp(const char *hp, int *bound_port, char *err, size_t errsz)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
	    .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *res, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[256], port[16];
	int fd = -1, one = 1, rv;

	if (split_host_port(hp, host, sizeof(host), port, sizeof(port))) {
		snprintf(err, errsz, "want tcp://HOST:PORT");
		return -1;
	}
	if ((rv = getaddrinfo(host[0] ? host : NULL, port, &hints, &res))) {
		snprintf(err, errsz, "%s", gai_strerror(rv));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, BACKLOG) == 0)
			break;
		snprintf(err, errsz, "%s", strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return -1;
	*bound_port = 0;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		*bound_port = ss.ss_family == AF_INET6 ?
		    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
		    ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

int
sp_bind(const char *url, struct sp_bound *b, char *err, size_t errsz)
{
	memset(b, 0, sizeof(*b));
	if (strncmp(url, "ipc://", 6) == 0) {
		b->ipc = 1;
		snprintf(b->path, sizeof(b->path), "%s", url + 6);
		return b->fd = bind_ipc(url + 6, err, errsz);
	}
	if (strncmp(url, "tcp://", 6) == 0)
		return b->fd = bind_tcp(url + 6, &b->port, err, errsz);
	snprintf(err, errsz, "not an ipc:// or tcp:// URL");
	return b->fd = -1;
}
