/*
 * store.h: vetd's LMDB store. One environment, named databases:
 *   meta      "schema" (u32) and "revision" (u64, the commit counter),
 *             both little-endian
 *   people    person id -> person record (clearances and briefings inside)
 *   caveats   caveat name -> caveat definition
 *   replies   request id -> stored reply (idempotent writes)
 *   reply_age time||request id -> "" (prunes old replies); time is
 *             created_at big-endian with the sign bit flipped
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

#define STORE_SCHEMA_VERSION 1
#define STORE_DEFAULT_MAP_SIZE	((size_t)64 * 1024 * 1024)
#define STORE_DEFAULT_MAX_READERS 256

struct store;
struct store_txn;

struct store_options {
	const char *dir;		/* created 0700 if missing */
	size_t	map_size;		/* initial map size; 0: 64 MiB */
	unsigned max_readers;		/* 0: 256 */
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
/* store_txn_mark_unchanged: fn found nothing to change; do not commit.
 * No effect on a read txn. */
void store_txn_mark_unchanged(struct store_txn *t);

/* store_txn_revision: the revision this snapshot sees; in a write, the
 * revision the commit will have (current + 1). */
uint64_t store_txn_revision(struct store_txn *t);

/*
 * People. store_person_get fills *out, or returns STATUS_NOT_FOUND, or
 * STATUS_DATA_LOSS if the stored record does not decode or names another
 * id. store_person_put replaces any person with the same id; it returns
 * STATUS_INVALID_ARGUMENT for a person record.c would not store (see
 * record.h). The puts need a write txn (STATUS_INTERNAL otherwise).
 */
int store_person_get(struct store_txn *t, const char *id, struct person *out);
int store_person_put(struct store_txn *t, const struct person *p);

/*
 * store_person_list calls fn for each person with id > after (after may be
 * "" or NULL for the start), in id order, whose status matches (0: any),
 * until limit people were passed. If fn returns non-zero the listing stops
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

#endif /* VETD_STORE_H */
