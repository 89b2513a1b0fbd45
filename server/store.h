/*
 * store.h: vetd's LMDB store. One environment, named databases:
 *   meta      schema version, revision (commit counter)
 *   people    person id -> person record (clearances and briefings inside)
 *   caveats   caveat name -> caveat definition
 *   replies   request id -> stored reply (idempotent writes)
 *   reply_age time||request id -> "" (prunes old replies)
 * A check is one mdb_get. A write is one transaction. Every function that
 * can fail returns a status_code (status.h): STATUS_OK, STATUS_NOT_FOUND,
 * STATUS_RESOURCE_EXHAUSTED (disk full), STATUS_INTERNAL, ...
 * The store never sees a protobuf-c message outside record.c.
 */
#ifndef VETD_STORE_H
#define VETD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define STORE_SCHEMA_VERSION 1

struct store;
struct store_txn;

struct store_options {
	const char *dir;		/* created 0700 if missing */
	size_t	map_size;		/* initial map size in bytes; 0: 64 MiB */
	unsigned max_readers;		/* 0: 256 */
};

/* store_open opens (creating if needed) the environment under opts->dir. */
int store_open(const struct store_options *opts, struct store **out,
    char *err, size_t errsz);
/* store_close closes the environment and sets *s to NULL. */
void store_close(struct store **s);

/* store_revision returns the last committed revision. */
uint64_t store_revision(struct store *s);
/* store_map_size returns the current map size in bytes. */
size_t store_map_size(struct store *s);

/*
 * Reads. store_read_begin gives a read-only snapshot; release it with
 * store_read_end. Safe from any thread; many at once.
 */
int store_read_begin(struct store *s, struct store_txn **out);
void store_read_end(struct store_txn *t);

/*
 * Writes. store_write runs fn inside one write transaction and commits it,
 * which adds one to the revision. fn returns a status_code: anything but
 * STATUS_OK aborts the transaction and store_write returns it. If the map
 * fills, the transaction is aborted, the map grown, and fn run again from
 * the start, so fn must take all its state from the transaction and arg.
 * If fn sets *changed (via store_txn_mark_unchanged) to nothing, the
 * transaction is aborted and the revision stays. *revision gets the
 * revision after the call on STATUS_OK.
 */
typedef int (*store_write_fn)(struct store_txn *t, void *arg);
int store_write(struct store *s, store_write_fn fn, void *arg,
    uint64_t *revision);
/* store_txn_mark_unchanged: fn found nothing to change; do not commit. */
void store_txn_mark_unchanged(struct store_txn *t);

/* store_txn_revision: the revision this snapshot sees; in a write, the
 * revision the commit will have. */
uint64_t store_txn_revision(struct store_txn *t);

/* People. store_person_get fills *out, or returns STATUS_NOT_FOUND. */
int store_person_get(struct store_txn *t, const char *id, struct person *out);
int store_person_put(struct store_txn *t, const struct person *p);

/*
 * store_person_list calls fn for each person with id > after (after may be
 * "" for the start), in id order, whose status matches (0: any), until
 * limit people were passed or fn returns non-zero. *more is set to 1 when
 * people remain after the last one passed.
 */
int store_person_list(struct store_txn *t, const char *after,
    enum person_status status, size_t limit,
    int (*fn)(const struct person *p, void *arg), void *arg, int *more);

/* Caveats defined at run time (built-ins live in the policy). */
int store_caveat_get(struct store_txn *t, const char *name, struct caveat *out);
int store_caveat_put(struct store_txn *t, const struct caveat *c);
int store_caveat_list(struct store_txn *t,
    int (*fn)(const struct caveat *c, void *arg), void *arg);

/*
 * Stored replies for idempotent writes. method and payload_digest (SHA-256
 * of the request payload) identify the request; reply holds the encoded
 * RpcResponse. store_reply_get returns STATUS_NOT_FOUND when absent; on OK
 * *reply is malloc'd and owned by the caller.
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
/* store_reply_prune deletes at most max replies created before cutoff. */
int store_reply_prune(struct store_txn *t, vtime cutoff, size_t max);

#endif /* VETD_STORE_H */
