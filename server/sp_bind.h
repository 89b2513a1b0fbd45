/*
 * sp_bind.h: binding the direct listener's sockets (sp_server.h).
 */
#ifndef VETD_SP_BIND_H
#define VETD_SP_BIND_H

#include <stddef.h>
#include <sys/un.h>

struct sp_bound {
	int	fd;
	int	ipc;
	char	path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int	port;			/* tcp: the port bound (for port 0) */
};

/*
 * sp_bind creates a non-blocking listening socket for an ipc:// or tcp://
 * URL. Returns the fd (also in b->fd), or -1 with the reason in err.
 */
int sp_bind(const char *url, struct sp_bound *b, char *err, size_t errsz);

#endif /* VETD_SP_BIND_H */
