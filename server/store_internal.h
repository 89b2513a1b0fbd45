/*
 * store_internal.h: what the store's own files share: the environment and
 * transaction structs and the raw LMDB helpers. Only store*.c include it;
 * everything else uses store.h.
 */
#ifndef VETD_STORE_INTERNAL_H
#define VETD_STORE_INTERNAL_H

#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "store.h"

#define STORE_MAX_DBS		16	/* room for tables and indexes */
#define STORE_POOL_MAX		64	/* reset read txns kept for reuse */
#define STORE_GROW_TRIES	20	/* map doublings per store_write */
#define STORE_KEY_MAX		511	/* LMDB's default; keys never longer */

struct store_txn {
	struct store	*s;
	MDB_txn		*txn;
	int		 write;
	int		 unchanged;	/* write: store_txn_mark_unchanged */
	int		 keep_revision;	/* write: store_txn_keep_revision */
	int		 err;		/* write: first LMDB error, sticky */
	int		 have_revision;
	uint64_t	 revision;
	vtime		 now;		/* store_txn_now; 0: not yet read */
};

/*
 * Readers pass a gate instead of holding a pthread rwlock: a read txn may
 * end on another thread than the one that began it (MDB_NOTLS), and
 * unlocking a pthread rwlock from a thread that does not hold it is
 * undefined. The gate is writer-preferring (a waiting resizer stops new
 * readers), so the resizer cannot starve, and its mutex also guards the
 * pool, so a read costs one lock round trip at each end.
 */
struct store {
	MDB_env		*env;
	MDB_dbi		 meta;
	MDB_dbi		 people;
	MDB_dbi		 caveats;
	MDB_dbi		 replies;
	MDB_dbi		 reply_age;
	MDB_dbi		 audit;		/* store_audit.c */
	MDB_dbi		 audit_person;
	MDB_dbi		 tokens;		/* store_tokens.c: hash -> token */
	MDB_dbi		 token_names;	/* store_tokens.c: name -> hash */
	MDB_dbi		 indexes;	/* store_index.c: report indexes */
	int		 indexes_absent; /* read-only store without them */
	MDB_dbi		 history;	/* store_people.c: id -> events */
	MDB_dbi		 pending;	/* store_people.c: time||id -> "" */
	int		 history_absent; /* read-only schema-1 copy */
	unsigned	 schema;	/* as found (store_schema) */
	unsigned	 migrated_from;	/* store_migrate.c; 0: no upgrade */
	uint64_t	 migrated_people;
	_Atomic vtime	 next_scheduled; /* store_next_scheduled: a hint,
					 * never later than the first
					 * pending entry */
	size_t		 key_max;

	pthread_mutex_t	 writer;	/* one write txn or resize at a time */

	pthread_mutex_t	 gate;
	pthread_cond_t	 gate_open;	/* readers wait for the resize */
	pthread_cond_t	 gate_empty;	/* the resizer waits for readers */
	unsigned	 readers;	/* live read txns */
	int		 resizing;
	int		 broken;	/* a failed remap left no map */
	struct store_txn *pool[STORE_POOL_MAX];
	size_t		 npool;
	size_t		 pool_max;

	_Atomic uint64_t revision;
	_Atomic size_t	 map_size;
};

/* store_status_of maps an LMDB or errno code to a status_code. */
int store_status_of(int rc);
/* store_txn_result keeps the first real LMDB error of a write txn (see
 * store.c) and returns its status. */
int store_txn_result(struct store_txn *t, int rc);
int store_txn_get(struct store_txn *t, MDB_dbi dbi, MDB_val *k, MDB_val *v);
int store_txn_put(struct store_txn *t, MDB_dbi dbi, MDB_val *k, MDB_val *v);
int store_txn_del(struct store_txn *t, MDB_dbi dbi, MDB_val *k);
/* store_key_of: a string key without its NUL, 1..max bytes. */
int store_key_of(const char *str, size_t max, MDB_val *k);
/* Little-endian integers of n bytes, as meta stores them. */
void store_le_put(uint8_t *b, uint64_t v, size_t n);
uint64_t store_le_get(const uint8_t *b, size_t n);

/* store.c, shared with store_batch.c: the revision and schema in meta,
 * and growing the map (the caller holds s->writer, no txn open). */
int meta_get(MDB_txn *txn, MDB_dbi dbi, const char *name, size_t n,
    uint64_t *out);
int meta_put(MDB_txn *txn, MDB_dbi dbi, const char *name, size_t n,
    uint64_t val);
int store_resize(struct store *s, size_t size);
int store_grow(struct store *s);

/* store_migrate.c: store_migrate_run upgrades the open environment from
 * s->schema to STORE_SCHEMA_VERSION in one write txn (growing the map as
 * needed), before anything else uses it; a status, err filled on failure.
 * store_people.c:
 * store_scheduled_first reads the earliest pending time (0: none). */
int store_migrate_run(struct store *s, const char *dir, char *err,
    size_t errsz);
int store_scheduled_first(struct store_txn *t, vtime *out);

#endif /* VETD_STORE_INTERNAL_H */
