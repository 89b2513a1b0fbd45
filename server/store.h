/*
 * store.h: vetd's LMDB store. One environment, named databases:
 *   meta      "schema" (u32) and "revision" (u64, the commit counter),
 *             both little-endian
 *   people    person id -> person record (clearances and briefings inside)
 *   history, pending  each person's dated events and the index of
 *             scheduled ones (store_people.c)
 *   caveats   caveat name -> caveat definition
 *   replies   request id -> stored reply (idempotent writes)
 *   reply_age time||request id -> "" (prunes old replies); time is
 *             created_at big-endian with the sign bit flipped
 *   audit, audit_person  the audit log (below)
 * A check is one mdb_get. A write is one transaction. Every function that
 * can fail returns a status_code (status.h): STATUS_OK, STATUS_NOT_FOUND,
 * STATUS_INVALID_ARGUMENT (a bad key or record), STATUS_DATA_LOSS (a stored
 * record that does not decode), STATUS_RESOURCE_EXHAUSTED (disk, map or
 * reader slots full), STATUS_INTERNAL (any other LMDB error).
 * Values are encoded by record.c; the store never sees a protobuf-c
 * message.
 *
 * Threads: any thread may read or write, and a txn may end on another
 * thread than the one that began it (MDB_NOTLS). To grow the map the
 * writer waits until no read txn is live, so a thread must never hold two
 * read txns at once, nor call store_write while it holds one: either
 * deadlocks as soon as the map has to grow. Nor may fn call store_write.
 */
#ifndef VETD_STORE_H
#define VETD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define STORE_SCHEMA_VERSION 2	/* 2: histories (store_people.c) */
#define STORE_SCHEMA_UPGRADABLE 1	/* upgraded in place at open */
#define STORE_DEFAULT_MAP_SIZE	((size_t)64 * 1024 * 1024)
#define STORE_DEFAULT_MAX_READERS 256

struct store;
struct store_txn;

struct store_options {
	const char *dir;		/* created 0700 if missing */
	size_t	map_size;		/* initial map size; 0: 64 MiB */
	unsigned max_readers;		/* 0: 256 */
	int	read_only;		/* an existing environment, opened
					 * MDB_RDONLY|MDB_NOLOCK: nothing is
					 * written, no lock file made (backups,
					 * store_backup.c) */
};

/*
 * store_open opens (creating if needed) the environment under opts->dir;
 * the files are created 0600. The parent of opts->dir must exist. On
 * failure err gets a sentence naming the directory; a data directory of
 * another schema version gives STATUS_FAILED_PRECONDITION and "data
 * directory X has schema version N; this vetd understands 1".
 */
int store_open(const struct store_options *opts, struct store **out,
    char *err, size_t errsz);
/* store_close closes the environment and sets *s to NULL; s may be NULL
 * or point to NULL. No txn may be live. */
void store_close(struct store **s);

/*
 * Backups (store_backup.c). store_backup_copy writes a compacted copy of
 * the environment to dir/data.mdb (created 0600, must not exist) and
 * syncs it, while readers and the writer carry on; the caller must hold a
 * read txn of s for the whole call (so the map is not resized under the
 * copy). store_people_count: how many person records t sees.
 */
#define STORE_DATA_FILE		"data.mdb"
int store_backup_copy(struct store *s, const char *dir, char *err,
    size_t errsz);
int store_people_count(struct store_txn *t, uint64_t *out);

/* store_revision returns the last committed revision (no txn needed). */
uint64_t store_revision(struct store *s);
/* store_map_size returns the current map size in bytes. */
size_t store_map_size(struct store *s);

/*
 * Reads. store_read_begin gives a read-only snapshot; release it with
 * store_read_end (which accepts NULL). Safe from any thread, many at once,
 * but at most one per thread (see Threads above). Keep them short: a map
 * growth waits for every live one to end.
 */
int store_read_begin(struct store *s, struct store_txn **out);
void store_read_end(struct store_txn *t);

/*
 * Writes. store_write runs fn inside one write transaction and commits it,
 * which adds one to the revision. Writers are serialized. fn returns a
 * status_code: anything but STATUS_OK aborts the transaction and
 * store_write returns it. If the map fills, the transaction is aborted,
 * the map doubled, and fn run again from the start (up to 20 times), so
 * fn must take all its state from the transaction and arg, and must not
 * have effects outside it. If fn calls store_txn_mark_unchanged, the
 * transaction is aborted, nothing fn wrote is kept and the revision
 * stays. After an LMDB error inside fn (e.g. a put failed), the
 * transaction is aborted and store_write returns that error's status
 * whatever fn returned. On STATUS_OK, *revision (if not NULL) gets the
 * revision after the call.
 */
typedef int (*store_write_fn)(struct store_txn *t, void *arg);
int store_write(struct store *s, store_write_fn fn, void *arg,
    uint64_t *revision);
/*
 * store_write_batch is group commit: it runs fns[i](t, args[i]) for i in
 * 0..n-1, each in its own LMDB nested transaction inside one outer write
 * transaction, and commits the outer one once (one fsync for all). A
 * write that fails, or marks itself unchanged, aborts only its own nested
 * transaction; the others go on. Each write that changes something gets
 * its own revision, in order, exactly as if store_write had run them one
 * after another. results[i] gets write i's status (STATUS_OK when it
 * committed or was unchanged) and revisions[i] the revision after it.
 * On MAP_FULL anywhere the whole batch is aborted, the map doubled and
 * every fn run again from the start, as store_write does; if the outer
 * commit fails every write that had succeeded gets that failure. Returns
 * STATUS_OK, or the status that failed the whole batch.
 */
int store_write_batch(struct store *s, store_write_fn const *fns,
    void *const *args, size_t n, int *results, uint64_t *revisions);
/* store_txn_mark_unchanged: fn found nothing to change; do not commit.
 * No effect on a read txn. */
void store_txn_mark_unchanged(struct store_txn *t);
/* store_txn_keep_revision: commit what fn wrote without advancing the
 * revision, which counts changes to records: for commits that only append
 * to the audit log (decision batches, rejected attempts). */
void store_txn_keep_revision(struct store_txn *t);

/* store_txn_revision: the revision this snapshot sees; in a write, the
 * revision the commit will have (current + 1). */
uint64_t store_txn_revision(struct store_txn *t);

/*
 * Time. A txn's "now" is the time its reads catch the stored state up to
 * and its writes stamp events with: the clock when first needed, unless
 * set (rpc.c sets the request's receipt time, as the rule uses).
 */
vtime store_txn_now(struct store_txn *t);
void store_txn_set_now(struct store_txn *t, vtime now);

/*
 * People (store_people.c). Each person has a state (struct person) and a
 * history: dated events, never overwritten (history.h).
 *
 * store_person_get fills *out with the state at the txn's now: the stored
 * state with any scheduled event (a leaver or suspension recorded for a
 * later time) that has come due applied. STATUS_NOT_FOUND, or
 * STATUS_DATA_LOSS if a stored record does not decode or names another id.
 * store_person_get_rule is the same for the check path, filling only what
 * the rule (policy_rule.c) reads: the id, nationality, status and times,
 * each clearance's scheme, level, times and status, each briefing's
 * compartment and times; the other strings are left empty, and entries
 * past n_clearances and n_briefings as they were.
 *
 * store_person_put replaces any person with the same id, and appends to
 * their history the events that lead from the state it replaces (as
 * store_person_get gives it) to p (history_derive): handlers write state
 * only. STATUS_INVALID_ARGUMENT for a person record.c would not store (see
 * record.h), STATUS_RESOURCE_EXHAUSTED when the history would pass
 * HISTORY_MAX_EVENTS. store_person_put_scheduled also adds e, a LEAVER,
 * PERSON_SUSPENDED or PERSON_REINSTATED effective after the txn's now
 * (STATUS_INVALID_ARGUMENT otherwise), as a scheduled event: the state
 * takes it on when e->at comes, with no further write (store_person_get
 * at once; the stored record within a second, store_scheduled_due). The
 * puts need a write txn (STATUS_INTERNAL otherwise).
 */
int store_person_get(struct store_txn *t, const char *id, struct person *out);
int store_person_get_rule(struct store_txn *t, const char *id,
    struct person *out);
int store_person_put(struct store_txn *t, const struct person *p);
struct event;
int store_person_put_scheduled(struct store_txn *t, const struct person *p,
    const struct event *e);

/*
 * store_person_at is the check path's read. at 0: as store_person_get_rule,
 * with *next_event (if not NULL) the next scheduled event's time (0:
 * none). Otherwise the state at time at folded from the history alone
 * (history_state_at: the attributes are today's), with *next_event the
 * first event of any kind after at (0: none). Entries past n_clearances
 * and n_briefings are left as they were.
 */
int store_person_at(struct store_txn *t, const char *id, vtime at,
    struct person *out, vtime *next_event);

/*
 * store_person_history fills h (initialised by the caller; replaced on
 * STATUS_OK) with the person's events in time order; none for a person
 * never written since schema 2 began, or unknown (the caller checks that
 * the person exists). store_person_history_delete removes the history
 * and any scheduled entry of a person (STATUS_OK when there were none);
 * store_person_delete calls it.
 */
struct history;
int store_person_history(struct store_txn *t, const char *id,
    struct history *h);
int store_person_history_delete(struct store_txn *t, const char *id);

/*
 * Scheduled events. store_next_scheduled: the earliest time at which a
 * stored state may have a scheduled event come due (0: none); a hint that
 * is never later than the truth. store_scheduled_due (writer thread)
 * writes back, up to max people whose scheduled events are due by now,
 * their caught-up state (updated_at = now; no event derived: the events
 * are already in the history), calling fn(before, after, arg) for each
 * (the audit entry); a non-zero return from fn stops it and is returned.
 * *done gets how many were written, *next the earliest scheduled time
 * still pending (0: none), which the caller gives store_scheduled_hint
 * once the txn has committed.
 */
vtime store_next_scheduled(struct store *s);
int store_scheduled_due(struct store_txn *t, vtime now, size_t max,
    int (*fn)(const struct person *before, const struct person *after,
    void *arg), void *arg, size_t *done, vtime *next);
void store_scheduled_hint(struct store *s, vtime next);

/*
 * Schema. store_schema: the schema of the store as opened (older only for
 * a read-only copy, which is read as it is). store_migration: whether
 * store_open upgraded the data directory in place, from which schema and
 * how many people; 0 when it did not.
 */
unsigned store_schema(struct store *s);
unsigned store_migration(struct store *s, uint64_t *people);
/*
 * For a retention purge (store_purge.c): store_person_delete removes a
 * person record, with their history and any scheduled event
 * (STATUS_NOT_FOUND when absent); store_reply_forget_people
 * deletes the stored replies that carry any of the n people (those of
 * methods answering with a person), counting them in *deleted.
 */
int store_person_delete(struct store_txn *t, const char *id);
int store_reply_forget_people(struct store_txn *t, const char *const *ids,
    size_t n, size_t *deleted);

/*
 * store_person_list calls fn for each person with id > after (after may be
 * "" or NULL for the start), in id order, whose status matches (0: any),
 * until limit people were passed. It gives the states as stored (what the
 * report indexes hold), which a due scheduled event reaches within a
 * second (store_scheduled_due). If fn returns non-zero the listing stops
 * and store_person_list returns that value (so fn may return a status)
 * without writing *more. On STATUS_OK *more (if not NULL) is 1 when a
 * matching person remains after the last one passed, else 0.
 */
int store_person_list(struct store_txn *t, const char *after,
    enum person_status status, size_t limit,
    int (*fn)(const struct person *p, void *arg), void *arg, int *more);

/*
 * Caveats defined at run time (built-ins live in the policy; a stored
 * caveat reads back with builtin = 0). store_caveat_list calls fn for
 * each in name order; a non-zero return from fn stops it and is returned.
 */
int store_caveat_get(struct store_txn *t, const char *name, struct caveat *out);
int store_caveat_put(struct store_txn *t, const struct caveat *c);
int store_caveat_list(struct store_txn *t,
    int (*fn)(const struct caveat *c, void *arg), void *arg);

/*
 * Stored replies for idempotent writes. method and payload_digest (SHA-256
 * of the request payload) identify the request; reply holds the encoded
 * RpcResponse. Request ids are 1..503 bytes. store_reply_get returns
 * STATUS_NOT_FOUND when absent; on OK out->reply is malloc'd (never NULL)
 * and owned by the caller. store_reply_put replaces a reply stored under
 * the same request id; r->reply is only read.
 */
struct stored_reply {
	char	method[128];
	uint8_t	payload_digest[32];
	vtime	created_at;
	uint8_t	*reply;
	size_t	reply_len;
};
int store_reply_get(struct store_txn *t, const char *request_id,
    struct stored_reply *out);
int store_reply_put(struct store_txn *t, const char *request_id,
    const struct stored_reply *r);
/* store_reply_prune deletes at most max replies created before cutoff,
 * oldest first. */
int store_reply_prune(struct store_txn *t, vtime cutoff, size_t max);

/*
 * The audit log (store_audit.c), opaque bytes here; audit.c builds,
 * encodes and hashes the entries. Tables:
 *   audit         seq (u64 big-endian) -> the entry's canonical bytes
 *   audit_person  person id, NUL, seq (u64 big-endian) -> ""
 *   meta "audit_head"  seq (u64 little-endian) and the SHA-256 of that
 *                 entry's canonical bytes: 40 bytes; absent when empty
 * store_audit_head gives seq 0 and 32 zero bytes for an empty log, and
 * STATUS_DATA_LOSS for a damaged head. store_audit_put appends entry seq
 * (which must be above every stored one: STATUS_INTERNAL otherwise), its
 * person index entry when person_id is not "", and the new head.
 * store_audit_get points *buf into the txn's memory (valid until it
 * ends). The scans call fn in seq order for seq > after_seq until fn
 * returns non-zero, which they then return; the person scan passes only
 * the seq.
 */
#define STORE_AUDIT_HASH	32
int store_audit_head(struct store_txn *t, uint64_t *seq,
    uint8_t hash[STORE_AUDIT_HASH]);
int store_audit_put(struct store_txn *t, uint64_t seq, const char *person_id,
    const uint8_t *buf, size_t len, const uint8_t hash[STORE_AUDIT_HASH]);
int store_audit_replace(struct store_txn *t, uint64_t seq,
    const uint8_t *buf, size_t len);
int store_audit_get(struct store_txn *t, uint64_t seq, const uint8_t **buf,
    size_t *len);
int store_audit_scan(struct store_txn *t, uint64_t after_seq,
    int (*fn)(uint64_t seq, const uint8_t *buf, size_t len, void *arg),
    void *arg);
int store_audit_person_scan(struct store_txn *t, const char *person_id,
    uint64_t after_seq, int (*fn)(uint64_t seq, void *arg), void *arg);

/*
 * Tokens (store_tokens.c). An API token is filed under the SHA-256 of the
 * whole token string (tokens: hash -> record); token_names maps the name
 * to that hash. The token itself is never stored. Names are 1..64 bytes
 * of [A-Za-z0-9._-] (the caller validates them).
 */
#define TOKEN_NAME_MAX		64
#define TOKEN_HASH_LEN		32

struct token_record {
	char	name[TOKEN_NAME_MAX + 1];
	unsigned roles;			/* bit (1 << ROLE_x), never 0 */
	vtime	created_at;
	char	created_by[TOKEN_NAME_MAX + 1];
	vtime	last_used_at;		/* as last persisted; 0: never */
};

/* store_token_get finds a token by hash; STATUS_NOT_FOUND if absent
 * (never issued, or revoked). One mdb_get: the per-request look-up. */
int store_token_get(struct store_txn *t, const uint8_t hash[TOKEN_HASH_LEN],
    struct token_record *out);
/* store_token_get_name finds a token by name and gives its hash too. */
int store_token_get_name(struct store_txn *t, const char *name,
    struct token_record *out, uint8_t hash[TOKEN_HASH_LEN]);
/* store_token_create files a new token; STATUS_ALREADY_EXISTS when the
 * name (or, impossibly, the hash) is taken. */
int store_token_create(struct store_txn *t, const uint8_t hash[TOKEN_HASH_LEN],
    const struct token_record *r);
/* store_token_touch raises a token's stored last_used_at to at (no-op if
 * already later, or if the token is gone). */
int store_token_touch(struct store_txn *t, const uint8_t hash[TOKEN_HASH_LEN],
    vtime at);
/* store_token_delete removes a token by name; STATUS_NOT_FOUND if none. */
int store_token_delete(struct store_txn *t, const char *name);
/* store_token_list calls fn for each token in name order; a non-zero
 * return from fn stops the listing and is returned. */
int store_token_list(struct store_txn *t,
    int (*fn)(const struct token_record *r, const uint8_t *hash, void *arg),
    void *arg);

#endif /* VETD_STORE_H */
