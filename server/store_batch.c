/*
 * store_batch.c: group commit (see store_write_batch in store.h). Durable
 * writes are bound by the disk's fsyncs, not by LMDB: running every queued
 * write in its own nested transaction under one outer transaction, and
 * committing that once, turns n fsyncs into one while keeping each
 * write's all-or-nothing and its own revision. Trusts its callers (the
 * writer thread); holds s->writer throughout, like store_write.
 */
#include <errno.h>
#include <lmdb.h>
#include <string.h>

#include "status.h"
#include "store_internal.h"

/* batch_outcome: what one nested write did. */
enum batch_outcome {
	BATCH_DONE,		/* results[i] is final for this attempt */
	BATCH_GROW,		/* the map is full: grow and start again */
};

/*
 * batch_one runs fn in a nested transaction of outer. On success the
 * child is committed into outer and *rev advanced (unless the write kept
 * the revision or changed nothing).
 */
static enum batch_outcome
batch_one(struct store *s, MDB_txn *outer, store_write_fn fn, void *arg,
    uint64_t *rev, int *result, uint64_t *revision)
{
	struct store_txn t;
	int rc, rv;

	memset(&t, 0, sizeof(t));
	t.s = s;
	t.write = 1;
	if ((rc = mdb_txn_begin(s->env, outer, 0, &t.txn)) != MDB_SUCCESS) {
		if (rc == MDB_MAP_FULL)
			return BATCH_GROW;
		*result = store_status_of(rc);
		*revision = *rev;
		return BATCH_DONE;
	}
	t.revision = *rev + 1;
	t.have_revision = 1;

	rv = fn(&t, arg);
	if (rv == STATUS_OK && !t.unchanged && !t.keep_revision &&
	    t.err == MDB_SUCCESS)
		store_txn_result(&t, meta_put(t.txn, s->meta, "revision", 8,
		    *rev + 1));
	if (t.err != MDB_SUCCESS || rv != STATUS_OK || t.unchanged) {
		mdb_txn_abort(t.txn);
		if (t.err == MDB_MAP_FULL)
			return BATCH_GROW;
		*result = t.err != MDB_SUCCESS ? store_status_of(t.err) : rv;
		*revision = *rev;
		return BATCH_DONE;
	}
	/* A failed commit frees the child; the outer txn stays usable. */
	if ((rc = mdb_txn_commit(t.txn)) != MDB_SUCCESS) {
		if (rc == MDB_MAP_FULL)
			return BATCH_GROW;
		*result = store_status_of(rc);
		*revision = *rev;
		return BATCH_DONE;
	}
	if (!t.keep_revision)
		(*rev)++;
	*result = STATUS_OK;
	*revision = *rev;
	return BATCH_DONE;
}

int
store_write_batch(struct store *s, store_write_fn const *fns,
    void *const *args, size_t n, int *results, uint64_t *revisions)
{
	MDB_txn *outer;
	uint64_t cur = 0, rev;
	size_t i;
	int rc, rv, tries, grow;

	pthread_mutex_lock(&s->writer);
	for (tries = 0;; tries++) {
		if (s->broken) {
			rv = STATUS_INTERNAL;
			break;
		}
		if (tries == STORE_GROW_TRIES) {
			rv = STATUS_RESOURCE_EXHAUSTED;
			break;
		}
		rc = mdb_txn_begin(s->env, NULL, 0, &outer);
		if (rc == MDB_MAP_RESIZED) {
			if ((rv = store_resize(s, 0)) != STATUS_OK)
				break;
			continue;
		}
		if (rc != MDB_SUCCESS) {
			rv = store_status_of(rc);
			break;
		}
		if ((rc = meta_get(outer, s->meta, "revision", 8, &cur)) != 0) {
			mdb_txn_abort(outer);
			rv = rc == MDB_NOTFOUND ? STATUS_DATA_LOSS :
			    store_status_of(rc);
			break;
		}
		rev = cur;
		grow = 0;
		for (i = 0; i < n && !grow; i++)
			grow = batch_one(s, outer, fns[i], args[i], &rev,
			    &results[i], &revisions[i]) == BATCH_GROW;
		if (grow) {
			mdb_txn_abort(outer);
			if ((rv = store_grow(s)) != STATUS_OK)
				break;
			continue;
		}
		/* One commit, one fsync, for every write that succeeded. */
		rc = mdb_txn_commit(outer);
		if (rc == MDB_MAP_FULL) {
			if ((rv = store_grow(s)) != STATUS_OK)
				break;
			continue;
		}
		if (rc != MDB_SUCCESS) {
			rv = store_status_of(rc);
			break;
		}
		atomic_store(&s->revision, rev);
		pthread_mutex_unlock(&s->writer);
		return STATUS_OK;
	}
	/* Nothing was committed: every write fails with the batch. */
	for (i = 0; i < n; i++) {
		results[i] = rv;
		revisions[i] = atomic_load(&s->revision);
	}
	pthread_mutex_unlock(&s->writer);
	return rv;
}
