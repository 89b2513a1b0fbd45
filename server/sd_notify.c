/*
 * sd_notify.c: the service manager's notification datagram (see
 * sd_notify.h). Trusts $NOTIFY_SOCKET as systemd set it: a path, or an
 * abstract socket name starting with '@'. Sends nothing else.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sd_notify.h"

int
sd_notify_send(const char *state)
{
	struct sockaddr_un sun;
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len, slen;
	socklen_t alen;
	ssize_t n;
	int fd, saved;

	if (path == NULL || path[0] == '\0')
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sun.sun_path)) {
		errno = EINVAL;
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, len);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';		/* abstract namespace */
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
	    (path[0] == '@' ? 0 : 1));

	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	slen = strlen(state);
	do {
		n = sendto(fd, state, slen, MSG_NOSIGNAL,
		    (struct sockaddr *)&sun, alen);
	} while (n == -1 && errno == EINTR);
	saved = errno;
	close(fd);
	if (n != (ssize_t)slen) {
		errno = n == -1 ? saved : EMSGSIZE;
		return -1;
	}
	return 1;
}

int
sd_notify_sendf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		errno = EMSGSIZE;
		return -1;
	}
	return sd_notify_send(buf);
}
