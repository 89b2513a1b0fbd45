/*
 * libvet_transport.h: how libvet.c hands a request frame to a transport
 * and gets the reply back. Two transports: the direct one
 * (libvet_direct.c: blocking sockets speaking nng's SP wire protocol on
 * ipc:// and tcp://, docs/TRANSPORT.md) and nng's REQ socket
 * (libvet_nngreq.c: tls+tcp://, and anything when VET_TRANSPORT=nng).
 * Both send a request at most once. Not installed.
 */
#ifndef LIBVET_TRANSPORT_H
#define LIBVET_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "vet/vet.h"

/*
 * A request frame is built with TRANSPORT_HEADROOM free bytes in front of
 * the envelope, so that the direct transport can write its framing there
 * and send the frame with one send(): an ipc frame needs 1 + 8 + 4 bytes.
 */
#define TRANSPORT_HEADROOM	16

/* The cap on a reply (the RpcResponse plus the 4-byte SP header). */
#define TRANSPORT_REPLY_MAX	(16 * 1024 * 1024)

/*
 * A reply: data and len are the envelope's bytes, writable (libvet zeroes
 * secret replies in place). Held until transport_reply_done gives the
 * buffer, and for the direct transport its connection, back.
 */
struct transport_reply {
	uint8_t	*data;
	size_t	 len;
	void	*owner;		/* the nng_msg, or the direct connection */
};

/* libvet_direct.c */
struct direct;
/* direct_wants: 1 if url is one the direct transport speaks. */
int direct_wants(const char *url);
/*
 * direct_open parses url and makes the first connection at once (a vetd
 * that is down fails here with VET_UNAVAILABLE). timeout_ms bounds the
 * connect and the SP handshake.
 */
int direct_open(struct direct **out, const char *url, int timeout_ms,
    vet_status *st);
/* direct_close closes every idle connection; none may be in a call. */
void direct_close(struct direct **dp);
/*
 * direct_call sends the envelope at frame + TRANSPORT_HEADROOM (len
 * bytes) on an idle or new connection and waits, until timeout_ms after
 * the call began, for the reply. On VET_OK *r holds the reply and st is
 * left for the caller to fill from it.
 */
int direct_call(struct direct *d, uint8_t *frame, size_t len, int timeout_ms,
    struct transport_reply *r, vet_status *st);
/* direct_reply_done returns r's connection to the pool. */
void direct_reply_done(struct direct *d, struct transport_reply *r);

/* libvet_nngreq.c */
struct nngreq;
/* nngreq_open dials url (synchronously) with opts' TLS settings. */
int nngreq_open(struct nngreq **out, const char *url, const vet_options *opts,
    vet_status *st);
void nngreq_close(struct nngreq **np);
/* nngreq_call sends len bytes at req on a new context of the socket. */
int nngreq_call(struct nngreq *n, const uint8_t *req, size_t len,
    int timeout_ms, struct transport_reply *r, vet_status *st);
void nngreq_reply_done(struct transport_reply *r);

#endif /* LIBVET_TRANSPORT_H */
