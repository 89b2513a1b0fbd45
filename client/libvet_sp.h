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

#include "vet/vet.h"

#define SP_REQ0		0x30	/* NNG_REQ0_SELF: what we say we are */
#define SP_REP0		0x31	/* NNG_REP0_SELF: what vetd must be */
#define SP_HELLO_LEN	8	/* 0, 'S', 'P', 0, protocol (16 bits), 0, 0 */
#define SP_ID_LEN	4	/* the REQ0 request id before the body */
#define SP_ID_LAST	0x80000000u	/* set on the last id of a backtrace */
#define SP_IPC_TYPE	1	/* an ipc frame: this byte, then the length */

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

static inline void
sp_put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline void
sp_put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t
sp_get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static inline uint32_t
sp_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

#endif /* LIBVET_SP_H */
