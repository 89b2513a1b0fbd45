/*
 * sp_conn.h: one connection of vetd's direct listener (sp_server.h), in
 * nng's SP wire protocol as docs/TRANSPORT.md sets it out: the 8-byte
 * connection header, then frames of a 64-bit big-endian length (after a
 * type byte 01 on ipc) whose bytes start with the REQ0 backtrace. This
 * file only moves bytes: it reads frames into bounded buffers, refuses a
 * bad header or an oversized frame before reading it, and sends replies,
 * keeping what the socket would not take.
 */
#ifndef VETD_SP_CONN_H
#define VETD_SP_CONN_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* What an epoll event's data.ptr points at: the first member says. */
enum sp_kind {
	SP_KIND_CONN = 1,
	SP_KIND_LISTEN,
	SP_KIND_STOP,
};

/* Why a connection has a deadline (the server's sweeper enforces it). */
enum sp_deadline {
	SP_DEADLINE_HANDSHAKE = 1,	/* its SP header has not arrived */
	SP_DEADLINE_SEND,		/* its client is not reading a reply */
};

#define SP_HANDSHAKE_TIMEOUT_MS	10000	/* as nng gives a handshake */
/*
 * A reply that cannot be sent for this long means the client is not
 * reading its replies: its connection is closed, so that clients which
 * pipeline requests and never read cannot hold vetd's memory or threads
 * (tests/test_faults.c clients_that_never_read_replies).
 */
#define SP_SEND_TIMEOUT_MS	2000
#define SP_CONN_INBUF		4096	/* frames up to this arrive here */
#define SP_BACKTRACE_MAX	8	/* REQ0 hops, as nng allows */

struct sp_conn {
	enum sp_kind	kind;		/* SP_KIND_CONN; first */
	int		fd;
	int		ipc;		/* ipc framing; peer_uid is the kernel's */
	uint64_t	peer_uid;
	int		shook;		/* the peer's header has been checked */
	atomic_llong	deadline_ms;	/* monotonic ms; 0: none */
	atomic_int	deadline_why;	/* enum sp_deadline */

	/* Input: the small buffer, or a large frame's own as it arrives
	 * (grown as bytes come, up to the length the header gave). */
	uint8_t		in[SP_CONN_INBUF];
	size_t		in_len;
	size_t		frame_end;	/* bytes of in[] the current frame uses */
	uint8_t		*big;
	size_t		big_cap, big_len, big_need;

	/* A reply the socket would not take whole: the rest of it. */
	uint8_t		*out;
	size_t		out_len, out_off;
	int		out_secret;	/* scrub once sent */

	struct sp_conn	*prev, *next;	/* the server's list */
};

/* sp_conn_greet sends vetd's REP0 header on a new connection: 0 or -1. */
int sp_conn_greet(int fd);

/*
 * sp_conn_frame finds the next whole frame in what has been read. Returns
 * 1 with *frame and *len set (valid until sp_conn_consume), 0 when more
 * bytes are needed, -1 when the connection must be closed: a header that
 * is not a REQ0 peer's, an ipc type byte other than 01, a frame shorter
 * than a request id or longer than max_frame (refused from its length,
 * unread). why is set on -1.
 */
int sp_conn_frame(struct sp_conn *c, size_t max_frame, uint8_t **frame,
    size_t *len, const char **why);
/* sp_conn_consume drops the frame sp_conn_frame returned. */
void sp_conn_consume(struct sp_conn *c);
/*
 * sp_conn_read reads what the socket holds, at most up to the end of the
 * buffer or of the large frame being read. Returns 1 when bytes came, 0
 * when none are waiting, -1 at end of stream or on an error.
 */
int sp_conn_read(struct sp_conn *c);

/*
 * sp_conn_reply sends the backtrace and the body as one frame. What the
 * socket does not take now is kept (c->out) with a send deadline, to go
 * with sp_conn_flush. Returns 0, or -1 when the connection is broken.
 */
int sp_conn_reply(struct sp_conn *c, const uint8_t *backtrace,
    size_t bt_len, const uint8_t *body, size_t body_len, int secret);
/* sp_conn_flush sends more of c->out: 1 all sent, 0 not yet, -1 broken. */
int sp_conn_flush(struct sp_conn *c);

/* sp_conn_free_buffers scrubs and frees the buffers (not the fd, not c). */
void sp_conn_free_buffers(struct sp_conn *c);

int64_t sp_monotonic_ms(void);

#endif /* VETD_SP_CONN_H */
