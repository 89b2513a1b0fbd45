/*
 * libvet_sp.h: nng's SP wire protocol on plain sockets, for libvet's
 * direct transport (libvet_direct.c): vetd's address, dialing with the SP
 * connection header, and sends and receives bounded by a deadline. The
 * format is in docs/TRANSPORT.md. Not installed.
 */
#ifndef LIBVET_SP_H
#define LIBVET_SP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>

#include "sp_wire.h"
#include "vet/vet.h"

/* Where vetd is: ipc://PATH or tcp://HOST:PORT. */
struct sp_addr {
	int		 ipc;
	size_t		 frame_hdr;	/* 1 + 8 (ipc) or 8 (tcp) */
	struct sockaddr_un sun;		/* ipc */
	char		*host;		/* tcp */
	char		 port[8];
	char		*url;
};

int64_t sp_now_ms(void);

/* sp_addr_parse fills a zeroed a from url (ipc:// or tcp://). */
int sp_addr_parse(struct sp_addr *a, const char *url, vet_status *st);
void sp_addr_clear(struct sp_addr *a);

/*
 * sp_dial connects and exchanges SP headers before deadline; *fd is a
 * non-blocking socket. With retry, a vetd that is not answering yet
 * (restarting) is tried again until the deadline, as nng's dialer does.
 */
int sp_dial(const struct sp_addr *a, int64_t deadline, int timeout_ms,
    int retry, int *fd, vet_status *st);

/*
 * sp_send_all sends len bytes before deadline; *sent says how many went.
 * Returns 0, 1 on timeout, or -1 with errno (EPIPE for a closed peer:
 * MSG_NOSIGNAL, never SIGPIPE).
 */
int sp_send_all(int fd, const uint8_t *p, size_t len, int64_t deadline,
    size_t *sent);
/*
 * sp_recv_some reads at most len bytes once fd is readable before
 * deadline: the count, 0 at end of stream, -1 with errno, -2 on timeout.
 */
ssize_t sp_recv_some(int fd, uint8_t *p, size_t len, int64_t deadline);

#endif /* LIBVET_SP_H */
