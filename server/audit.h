/*
 * audit.h: the tamper-evident audit log. Every write appends one entry in
 * its own LMDB transaction (rpc.c calls audit_append); the writer thread
 * also appends, in transactions of their own, the coalesced counts of
 * rejected attempts (auth.c) and, when decision_log asks for it, the
 * decisions of checks in batches (audit_queue.c).
 *
 * An entry's canonical bytes are the protobuf-c encoding of
 * vet.v1.AuditEntry with the hash field empty; they are what is stored,
 * and the entry's hash is their SHA-256 (mbedtls). Each entry holds the
 * hash of the one before (32 zero bytes for seq 1), and the store keeps
 * the head (last seq and its hash), so a changed, removed or reordered
 * entry breaks the chain where audit_verify_* finds it.
 */
#ifndef VETD_AUDIT_H
#define VETD_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct rpc_call;
struct store_txn;
struct vetd;
struct check_request;
struct decision;

#define AUDIT_HASH_SIZE		32
#define AUDIT_PRINCIPAL_MAX	64
#define AUDIT_METHOD_MAX	63
#define AUDIT_REQUEST_ID_MAX	64
#define AUDIT_SUBJECT_MAX	CAVEAT_MAX
#define AUDIT_CHANGE_MAX	2048	/* bytes; longer text is cut with "…" */
#define AUDIT_ENTRY_MAX		8192	/* canonical bytes: larger is damage */

struct audit_entry {
	uint64_t seq;
	vtime	time;
	char	principal[AUDIT_PRINCIPAL_MAX + 1];
	char	method[AUDIT_METHOD_MAX + 1];
	char	request_id[AUDIT_REQUEST_ID_MAX + 1];
	char	person_id[ID_MAX + 1];
	char	subject[AUDIT_SUBJECT_MAX + 1];
	char	change[AUDIT_CHANGE_MAX + 1];
	char	reason[REASON_MAX + 1];
	uint64_t revision;
	uint8_t	prev_hash[AUDIT_HASH_SIZE];
	/* See proto/audit_seal.h. audit_append_entry seals every new entry. */
	int	sealed;				/* content_digest is set */
	uint8_t	content_digest[AUDIT_HASH_SIZE];
	int	redacted;			/* change and reason erased */
	uint32_t redactions;			/* a purge: entries it erased */
};

/* audit.c */

/*
 * audit_encode writes e's canonical bytes: STATUS_OK with *buf malloc'd
 * (the caller frees it), STATUS_RESOURCE_EXHAUSTED without memory.
 * audit_decode reads canonical bytes into *out; STATUS_DATA_LOSS when they
 * do not parse, a string does not fit, prev_hash is not 32 bytes, the hash
 * field is set, or the bytes are not the canonical encoding of what they
 * hold. *out is written only on STATUS_OK.
 */
int	audit_encode(const struct audit_entry *e, uint8_t **buf, size_t *len);
int	audit_decode(const uint8_t *buf, size_t len, struct audit_entry *out);
/* audit_hash: the SHA-256 of canonical bytes. */
void	audit_hash(const uint8_t *buf, size_t len,
	    uint8_t out[AUDIT_HASH_SIZE]);
/*
 * audit_entry_hash: the chain hash of e (proto/audit_seal.h): STATUS_OK,
 * STATUS_DATA_LOSS when a sealed entry's text does not match its digest
 * or a redacted entry still holds text, STATUS_RESOURCE_EXHAUSTED.
 */
int	audit_entry_hash(const struct audit_entry *e,
	    uint8_t out[AUDIT_HASH_SIZE]);
/*
 * audit_redact erases the change and reason of stored entry seq, in the
 * write txn t, leaving its hash and the chain as they were. STATUS_OK;
 * STATUS_FAILED_PRECONDITION for a legacy (unsealed) entry, which cannot
 * be erased without breaking the chain; STATUS_NOT_FOUND; a store status.
 * *erased is 1 when the entry held text before, 0 when it was already
 * redacted.
 */
int	audit_redact(struct store_txn *t, uint64_t seq, int *erased);

/*
 * audit_append_entry appends e in the write txn t: e->seq and
 * e->prev_hash are set from the head first. Returns a store status.
 */
int	audit_append_entry(struct store_txn *t, struct audit_entry *e);

/*
 * audit_append appends the entry for a write call that succeeded, in its
 * transaction (call->txn): method, principal, request id, time and
 * revision from the call; the person diff when the handler saved
 * call->scratch (from call->before, or "created" without one), else
 * call->audit_subject; then call->audit_change; call->audit_reason.
 */
int	audit_append(struct rpc_call *call);

/* audit_note_before keeps call->scratch as call->before the first time a
 * write reads a person; handlers call it right after the read. */
void	audit_note_before(struct rpc_call *call);

/*
 * Verifying. Feed every stored entry in seq order (audit_verify_entry
 * returns 1 once the chain is known broken: stop feeding), then
 * audit_verify_finish with the head. A changed entry K is named K, not
 * K+1: when entry K+1's prev_hash disagrees with entry K, the entry after
 * K+1 (or the head) decides which of the two was altered.
 */
struct audit_verify {
	uint64_t next;			/* the seq expected next */
	uint64_t suspect;		/* its prev_hash disagreed; 0: none */
	uint8_t	hash[AUDIT_HASH_SIZE];	/* of entry next - 1 */
	int	broken;
	uint64_t redacted;		/* entries whose text was erased */
	uint64_t first_redacted;
	uint64_t redactions;		/* erasures purges account for */
	int	ok;			/* after finish: the chain is intact */
	uint64_t verified;		/* entries found intact */
	uint64_t first_bad;
	char	problem[256];
};
void	audit_verify_init(struct audit_verify *v);
int	audit_verify_entry(struct audit_verify *v, uint64_t seq,
	    const uint8_t *buf, size_t len);
void	audit_verify_finish(struct audit_verify *v, uint64_t head_seq,
	    const uint8_t head_hash[AUDIT_HASH_SIZE]);

/* audit_diff.c */

/*
 * audit_person_diff writes "field: before -> after; ..." for the fields
 * that differ (status, names, nationality, source, each clearance's level,
 * status, dates, authority and reference, each briefing's dates), or
 * "created; ..." against an empty record when before is NULL, or
 * "no change". Reasons are left out: the entry's reason holds them. The
 * text is cut at size - 1 bytes with a "…" marker.
 */
void	audit_person_diff(const struct person *before,
	    const struct person *after, char *out, size_t size);

/*
 * audit_text_add appends formatted text to the NUL-terminated out (of
 * size bytes, at least 8), separated by sep when out is not empty. Text
 * that does not fit is cut at a UTF-8 boundary and ends in "…"; once cut,
 * out takes nothing more.
 */
void	audit_text_add(char *out, size_t size, const char *sep,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* audit_queue.c: the decision log and the writer's own entries. */

struct audit_log;

/* audit_log_open makes the decision queue. Returns 0 or -1. */
int	audit_log_open(struct audit_log **out);
/* audit_log_close frees it (NULL accepted) and sets *l to NULL. */
void	audit_log_close(struct audit_log **l);

/*
 * audit_decision_note queues a check's decision when the config's
 * decision_log asks for it (all; deny: DENY only). req is NULL for a
 * request that did not validate. Never allocates: the queue is a fixed
 * ring; when it is full the caller waits up to 1 s for the writer, then
 * the entry is dropped and counted (an AuditDropped entry says how many).
 */
void	audit_decision_note(struct rpc_call *call,
	    const struct check_request *req, const struct decision *d);

/* audit_due_ms: the monotonic ms at which queued decisions must be
 * committed (INT64_MAX when none are queued). */
int64_t	audit_due_ms(struct audit_log *l);

/*
 * audit_flush_decisions commits queued decisions, up to 1000 per
 * transaction, while a full batch is waiting, or the oldest has waited
 * 200 ms, or force is set (then all of them). Writer thread only.
 */
void	audit_flush_decisions(struct vetd *vd, int force);

/* audit_record_auth_failures drains auth.c's coalesced counts into
 * "AuthFailure" entries, in one transaction. Writer thread only. */
void	audit_record_auth_failures(struct vetd *vd);

#endif /* VETD_AUDIT_H */
