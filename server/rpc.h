/*
 * rpc.h: one request's journey. The listener hands a received frame to
 * rpc_handle, which decodes the envelope, checks it, and dispatches by
 * method through the protobuf-c service descriptor: reads run at once on a
 * read snapshot, writes go to the writer thread. Either way the reply is
 * left in call->reply and call->done(call) sends it.
 */
#ifndef VETD_RPC_H
#define VETD_RPC_H

#include <protobuf-c/protobuf-c.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>

#include "arena.h"
#include "model.h"

struct config;
struct policy;
struct store;
struct store_txn;
struct writer;
struct method;
struct auth;
struct audit_log;

/* The server as every request sees it. */
struct vetd {
	struct store	*store;
	const struct policy *policy;
	const struct config *config;
	struct writer	*writer;
	struct auth	*auth;
	struct audit_log *audit;	/* the decision-log queue (audit.h) */
	atomic_int	draining;	/* set on SIGTERM: refuse new work */
	atomic_long	in_flight;	/* requests received, not yet replied */
};

struct rpc_call {
	struct vetd	*vd;
	void		(*done)(struct rpc_call *call);	/* sends call->reply */
	void		*owner;		/* the listener's worker */
	struct rpc_call	*next;		/* writer queue link */

	/* The request, once decoded. */
	const ProtobufCMethodDescriptor *md;
	const struct method *method;
	ProtobufCMessage *input;
	char		request_id[65];
	uint32_t	timeout_ms;
	int64_t		received_ms;	/* monotonic */
	uint8_t		payload_digest[32];
	vtime		now;		/* wall clock at receipt, for the rule */

	/* The transport, set by the listener before rpc_handle. */
	int		peer_ipc;	/* came over ipc://: peer_uid is real */
	uint64_t	peer_uid;	/* NNG_OPT_IPC_PEER_UID */

	/* Who is calling, once authenticated (auth.c). */
	char		principal[65];	/* principal name, "" before auth */
	unsigned	roles;		/* bit (1 << ROLE_x) per role held */
	int		via_token;	/* by an API token, not an ipc uid */
	uint8_t		token_hash[32];	/* via_token: SHA-256 of the token */
	int		token_in_frame;	/* scrub the request frame once done */
	int		secret_reply;	/* scrub out and reply once sent */

	/* What a write records in the audit log besides the person diff
	 * (audit.c reads these; handlers fill them with rpc_audit_*). */
	char		audit_subject[CAVEAT_MAX + 1];	/* token, caveat... */
	char		audit_person[ID_MAX + 1];	/* names a person it
							 * did not save */
	char		audit_change[1024];
	char		audit_reason[REASON_MAX + 1];

	/* Handler state. */
	struct store_txn *txn;
	int		code;		/* status_code */
	char		message[512];
	uint8_t		*out;		/* packed output message (arena) */
	size_t		out_len;
	int		out_set;
	uint64_t	revision;
	struct person	scratch;	/* the handler's working record */
	/* The person as it was before this write, for the audit entry's
	 * diff (audit_note_before), and whether scratch was saved. */
	struct person	before;
	int		have_before;
	int		saved_person;

	/* The encoded RpcResponse (arena), ready to send. */
	uint8_t		*reply;
	size_t		reply_len;

	struct arena	arena;
	ProtobufCAllocator pb_allocator;	/* over the arena */
};

/* rpc_call_init/rpc_call_fini: per-worker set-up, done once. */
int rpc_call_init(struct rpc_call *call, struct vetd *vd);
void rpc_call_fini(struct rpc_call *call);
/* rpc_call_release: the reply has been sent; return a large request's
 * memory now rather than at the next request. */
void rpc_call_release(struct rpc_call *call);

/*
 * rpc_handle processes one frame (buf, len are not kept). Returns 1 when
 * call->reply is ready now, 0 when the writer thread will call
 * call->done(call) later.
 */
int rpc_handle(struct rpc_call *call, const uint8_t *buf, size_t len);

/* rpc_execute_write runs a queued write; called by the writer thread. */
void rpc_execute_write(struct rpc_call *call);
/*
 * rpc_execute_writes runs n (at most RPC_WRITE_BATCH_MAX) queued writes
 * as one group commit (store_write_batch): each all-or-nothing with its
 * own revision, one fsync for all. Every reply is ready when it returns;
 * the caller sends them (only now are the writes durable).
 */
#define RPC_WRITE_BATCH_MAX	64
void rpc_execute_writes(struct rpc_call **calls, size_t n);

/* For handlers: record a failure status with a message. */
void rpc_fail(struct rpc_call *call, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* rpc_audit_change appends "; "-separated text to call->audit_change
 * (truncating) for writes whose change is not a person diff. */
void rpc_audit_change(struct rpc_call *call, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* rpc_alloc: zeroed arena memory that lives until the reply is sent;
 * NULL only when memory is exhausted. */
void *rpc_alloc(struct rpc_call *call, size_t size);
char *rpc_strdup(struct rpc_call *call, const char *s);

/* The protobuf-c allocator over the call's arena. */
ProtobufCAllocator *rpc_allocator(struct rpc_call *call);

/* rpc_methods_check: every method of the service has a table entry. */
int rpc_methods_check(void);

#endif /* VETD_RPC_H */
