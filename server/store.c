/*
 * store.c: vetd's LMDB environment. Opens it and checks the schema, hands
 * out read snapshots from a pool of reset transactions, and runs the
 * single writer (growing the map when it fills). The tables live in
 * store_tables.c. Trusts its callers (handlers validate ids).
 */
#include <sys/stat.h>

#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "record.h"
#include "store_index.h"
#include "store_internal.h"



int
store_status_of(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return STATUS_OK;
	case MDB_NOTFOUND:
		return STATUS_NOT_FOUND;
	case MDB_MAP_FULL:
	case MDB_TXN_FULL:
	case MDB_READERS_FULL:
	case ENOSPC:
	case EDQUOT:
	case ENOMEM:
		return STATUS_RESOURCE_EXHAUSTED;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
		return STATUS_DATA_LOSS;
	default:
		return STATUS_INTERNAL;
	}
}

/*
 * store_txn_result keeps the first real LMDB error of a write txn: after one,
 * LMDB refuses the rest of the txn, and store_write must know a MAP_FULL
 * happened whatever status fn chose to return.
 */
int
store_txn_result(struct store_txn *t, int rc)
{
	if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND && t->write &&
	    t->err == MDB_SUCCESS)
		t->err = rc;
	return store_status_of(rc);
}

int
store_txn_get(struct store_txn *t, MDB_dbi dbi, MDB_val *k, MDB_val *v)
{
	return store_txn_result(t, mdb_get(t->txn, dbi, k, v));
}

int
store_txn_put(struct store_txn *t, MDB_dbi dbi, MDB_val *k, MDB_val *v)
{
	if (!t->write)
		return STATUS_INTERNAL;
	return store_txn_result(t, mdb_put(t->txn, dbi, k, v, 0));
}

int
store_txn_del(struct store_txn *t, MDB_dbi dbi, MDB_val *k)
{
	if (!t->write)
		return STATUS_INTERNAL;
	return store_txn_result(t, mdb_del(t->txn, dbi, k, NULL));
}

/* store_key_of: a string key without its NUL, 1..max bytes. */
int
store_key_of(const char *str, size_t max, MDB_val *k)
{
	size_t n;

	if (str == NULL || (n = strnlen(str, max + 1)) == 0 || n > max)
		return STATUS_INVALID_ARGUMENT;
	k->mv_data = (void *)str;
	k->mv_size = n;
	return STATUS_OK;
}

/* Fixed-width integers in meta are little-endian. */
void
store_le_put(uint8_t *b, uint64_t v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

uint64_t
store_le_get(const uint8_t *b, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

int
meta_get(MDB_txn *txn, MDB_dbi dbi, const char *name, size_t n,
    uint64_t *out)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	int rc;

	if ((rc = mdb_get(txn, dbi, &k, &v)) != MDB_SUCCESS)
		return rc;
	if (v.mv_size != n)
		return MDB_CORRUPTED;
	*out = store_le_get(v.mv_data, n);
	return MDB_SUCCESS;
}

int
meta_put(MDB_txn *txn, MDB_dbi dbi, const char *name, size_t n,
    uint64_t val)
{
	uint8_t b[8];
	MDB_val k = { strlen(name), (void *)name }, v = { n, b };

	store_le_put(b, val, n);
	return mdb_put(txn, dbi, &k, &v, 0);
}

static void
map_size_refresh(struct store *s)
{
	MDB_envinfo info;

	if (mdb_env_info(s->env, &info) == MDB_SUCCESS)
		atomic_store(&s->map_size, info.me_mapsize);
}

/*
 * store_resize sets the map size (0: adopt the size another process set).
 * LMDB only allows this with no transaction open in this process and does
 * not notice live readers, so the caller holds s->writer (no write txn)
 * and the gate is closed until every read txn has ended.
 */
int
store_resize(struct store *s, size_t size)
{
	int rc;

	pthread_mutex_lock(&s->gate);
	s->resizing = 1;
	while (s->readers > 0)
		pthread_cond_wait(&s->gate_empty, &s->gate);
	rc = mdb_env_set_mapsize(s->env, size);
	if (rc == MDB_SUCCESS)
		map_size_refresh(s);
	else
		s->broken = 1;
	s->resizing = 0;
	pthread_cond_broadcast(&s->gate_open);
	pthread_mutex_unlock(&s->gate);
	return store_status_of(rc);
}

/* store_grow doubles the map; the writer then reruns its transaction. */
int
store_grow(struct store *s)
{
	size_t cur = atomic_load(&s->map_size);

	if (cur > SIZE_MAX / 2)
		return STATUS_RESOURCE_EXHAUSTED;
	return store_resize(s, cur * 2);
}

static void
txn_free(struct store_txn *t)
{
	if (t == NULL)
		return;
	if (t->txn != NULL)
		mdb_txn_abort(t->txn);
	free(t);
}

/* open_status: the status for an error while opening the store. */
static int
open_status(int rc)
{
	switch (rc) {
	case ENOENT:
	case ENOTDIR:
	case EACCES:
	case EROFS:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
		return STATUS_FAILED_PRECONDITION;
	case MDB_NOTFOUND:		/* meta without a revision */
	case MDB_CORRUPTED:
		return STATUS_DATA_LOSS;
	default:
		return rc == MDB_SUCCESS ? STATUS_INTERNAL : store_status_of(rc);
	}
}

/* open_fail writes a sentence naming the directory; returns the status. */
static int
open_fail(char *err, size_t errsz, const char *dir, const char *what,
    int rc)
{
	if (err != NULL && errsz > 0)
		snprintf(err, errsz, "data directory %s: %s: %s", dir, what,
		    mdb_strerror(rc));
	return open_status(rc);
}

/*
 * open_dbis opens the named databases in one write txn and checks or
 * writes the schema version. Committed before any other thread uses them.
 * The schema is checked before anything is created, so a data directory
 * of another version is left as it was.
 */
static int
open_dbis(struct store *s, const char *dir, int read_only, char *err,
    size_t errsz)
{
	MDB_txn *txn = NULL;
	uint64_t schema, rev = 0;
	int rc, rv;

	if ((rc = mdb_txn_begin(s->env, NULL, read_only ? MDB_RDONLY : 0,
	    &txn)) != MDB_SUCCESS) {
		rv = open_fail(err, errsz, dir, "cannot begin a transaction",
		    rc);
		goto fail;
	}
	if ((rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &s->meta)) != 0) {
		rv = open_fail(err, errsz, dir, "cannot open database meta",
		    rc);
		goto fail;
	}
	rc = meta_get(txn, s->meta, "schema", 4, &schema);
	if (rc == MDB_NOTFOUND && read_only) {
		if (err != NULL && errsz > 0)
			snprintf(err, errsz, "%s holds no vetd store (no schema "
			    "version)", dir);
		rv = STATUS_FAILED_PRECONDITION;
		goto fail;
	} else if (rc == MDB_NOTFOUND) {
		schema = STORE_SCHEMA_VERSION;
		if ((rc = meta_put(txn, s->meta, "schema", 4,
		    STORE_SCHEMA_VERSION)) != 0 ||
		    (rc = meta_put(txn, s->meta, "revision", 8, 0)) != 0) {
			rv = open_fail(err, errsz, dir, "cannot write meta",
			    rc);
			goto fail;
		}
	} else if (rc != MDB_SUCCESS) {
		rv = open_fail(err, errsz, dir,
		    "cannot read the schema version", rc);
		goto fail;
	} else if (schema != STORE_SCHEMA_VERSION &&
	    schema != STORE_SCHEMA_UPGRADABLE) {
		if (err != NULL && errsz > 0)
			snprintf(err, errsz, "data directory %s has schema "
			    "version %llu; this vetd understands %d", dir,
			    (unsigned long long)schema, STORE_SCHEMA_VERSION);
		rv = STATUS_FAILED_PRECONDITION;
		goto fail;
	}
	/* An older schema is upgraded by store_migrate_run once the tables
	 * are open (a read-only copy is read as it is). */
	s->schema = (unsigned)schema;
	if ((rc = meta_get(txn, s->meta, "revision", 8, &rev)) != 0) {
		rv = open_fail(err, errsz, dir, "cannot read the revision",
		    rc);
		goto fail;
	}
	if ((rc = mdb_dbi_open(txn, "people", MDB_CREATE, &s->people)) != 0 ||
	    (rc = mdb_dbi_open(txn, "caveats", MDB_CREATE,
	    &s->caveats)) != 0 ||
	    (rc = mdb_dbi_open(txn, "replies", MDB_CREATE,
	    &s->replies)) != 0 ||
	    (rc = mdb_dbi_open(txn, "reply_age", MDB_CREATE,
	    &s->reply_age)) != 0 ||
	    (rc = mdb_dbi_open(txn, "audit", MDB_CREATE, &s->audit)) != 0 ||
	    (rc = mdb_dbi_open(txn, "audit_person", MDB_CREATE,
	    &s->audit_person)) != 0) {
		rv = open_fail(err, errsz, dir, "cannot open the databases",
		    rc);
		goto fail;
	}
	if ((rc = mdb_dbi_open(txn, "tokens", MDB_CREATE, &s->tokens)) != 0 ||
	    (rc = mdb_dbi_open(txn, "token_names", MDB_CREATE,
	    &s->token_names)) != 0) {
		rv = open_fail(err, errsz, dir, "cannot open the token tables",
		    rc);
		goto fail;
	}
	/* Report indexes (store_index.c); a read-only copy may lack them. */
	rc = mdb_dbi_open(txn, "indexes", read_only ? 0 : MDB_CREATE,
	    &s->indexes);
	if (rc == MDB_NOTFOUND && read_only)
		s->indexes_absent = 1;
	else if (rc != MDB_SUCCESS) {
		rv = open_fail(err, errsz, dir, "cannot open the index table",
		    rc);
		goto fail;
	}
	/* Histories and scheduled events (store_people.c); a read-only
	 * schema-1 copy lacks them. */
	if ((rc = mdb_dbi_open(txn, "history", read_only ? 0 : MDB_CREATE,
	    &s->history)) == MDB_SUCCESS)
		rc = mdb_dbi_open(txn, "pending", read_only ? 0 : MDB_CREATE,
		    &s->pending);
	if (rc == MDB_NOTFOUND && read_only &&
	    s->schema < STORE_SCHEMA_VERSION)
		s->history_absent = 1;
	else if (rc != MDB_SUCCESS) {
		rv = open_fail(err, errsz, dir, "cannot open the history "
		    "tables", rc);
		goto fail;
	} else {
		struct store_txn first = { .s = s, .txn = txn };
		vtime next;

		if ((rv = store_scheduled_first(&first, &next)) != STATUS_OK) {
			open_fail(err, errsz, dir, "cannot read the scheduled "
			    "events", MDB_CORRUPTED);
			goto fail;
		}
		atomic_store(&s->next_scheduled, next);
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != MDB_SUCCESS) {
		rv = open_fail(err, errsz, dir, "cannot commit", rc);
		goto fail;
	}
	atomic_store(&s->revision, rev);
	return STATUS_OK;
fail:
	if (txn != NULL)
		mdb_txn_abort(txn);
	return rv;
}

int
store_open(const struct store_options *opts, struct store **out,
    char *err, size_t errsz)
{
	struct store *s = NULL;
	struct stat st;
	size_t map_size;
	unsigned readers;
	int dead, maxkey, rc, rv;

	if (opts == NULL || opts->dir == NULL || opts->dir[0] == '\0') {
		if (err != NULL && errsz > 0)
			snprintf(err, errsz, "no data directory given");
		return STATUS_INVALID_ARGUMENT;
	}
	if (!opts->read_only && mkdir(opts->dir, 0700) == -1 &&
	    errno != EEXIST)
		return open_fail(err, errsz, opts->dir, "cannot create",
		    errno);
	if (stat(opts->dir, &st) == -1)
		return open_fail(err, errsz, opts->dir, "cannot use", errno);
	if (!S_ISDIR(st.st_mode))
		return open_fail(err, errsz, opts->dir, "cannot use",
		    ENOTDIR);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return open_fail(err, errsz, opts->dir, "cannot open",
		    ENOMEM);

	pthread_mutex_init(&s->writer, NULL);
	pthread_mutex_init(&s->gate, NULL);
	pthread_cond_init(&s->gate_open, NULL);
	pthread_cond_init(&s->gate_empty, NULL);

	map_size = opts->map_size > 0 ? opts->map_size :
	    STORE_DEFAULT_MAP_SIZE;
	readers = opts->max_readers > 0 ? opts->max_readers :
	    STORE_DEFAULT_MAX_READERS;
	/* Pooled reset txns keep their reader slots: leave most for use. */
	s->pool_max = readers / 4 < STORE_POOL_MAX ? readers / 4 :
	    STORE_POOL_MAX;

	if ((rc = mdb_env_create(&s->env)) != MDB_SUCCESS) {
		s->env = NULL;
		rv = open_fail(err, errsz, opts->dir,
		    "cannot create an environment", rc);
		goto fail;
	}
	if ((rc = mdb_env_set_maxdbs(s->env, STORE_MAX_DBS)) != 0 ||
	    (rc = mdb_env_set_maxreaders(s->env, readers)) != 0 ||
	    (rc = mdb_env_set_mapsize(s->env, map_size)) != 0) {
		rv = open_fail(err, errsz, opts->dir, "cannot configure", rc);
		goto fail;
	}
	if ((rc = mdb_env_open(s->env, opts->dir, MDB_NOTLS |
	    (opts->read_only ? MDB_RDONLY | MDB_NOLOCK : 0), 0600)) != 0) {
		rv = open_fail(err, errsz, opts->dir, "cannot open", rc);
		goto fail;
	}
	if (!opts->read_only &&
	    (rc = mdb_reader_check(s->env, &dead)) != MDB_SUCCESS) {
		rv = open_fail(err, errsz, opts->dir, "cannot check readers",
		    rc);
		goto fail;
	}
	maxkey = mdb_env_get_maxkeysize(s->env);
	s->key_max = maxkey > 0 && maxkey < STORE_KEY_MAX ? (size_t)maxkey :
	    STORE_KEY_MAX;
	if ((rv = open_dbis(s, opts->dir, opts->read_only, err, errsz)) !=
	    STATUS_OK)
		goto fail;
	map_size_refresh(s);
	if (!opts->read_only && s->schema < STORE_SCHEMA_VERSION &&
	    (rv = store_migrate_run(s, opts->dir, err, errsz)) != STATUS_OK)
		goto fail;
	if (!opts->read_only && (rv = store_index_ensure(s, NULL)) !=
	    STATUS_OK) {
		if (err != NULL && errsz > 0)
			snprintf(err, errsz, "data directory %s: cannot build "
			    "the report indexes: %s", opts->dir,
			    status_name(rv));
		goto fail;
	}
	*out = s;
	return STATUS_OK;
fail:
	store_close(&s);
	return rv;
}

void
store_close(struct store **sp)
{
	struct store *s;
	size_t i;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	for (i = 0; i < s->npool; i++)
		txn_free(s->pool[i]);
	if (s->env != NULL)
		mdb_env_close(s->env);
	pthread_cond_destroy(&s->gate_open);
	pthread_cond_destroy(&s->gate_empty);
	pthread_mutex_destroy(&s->gate);
	pthread_mutex_destroy(&s->writer);
	free(s);
	*sp = NULL;
}

uint64_t
store_revision(struct store *s)
{
	return atomic_load(&s->revision);
}

size_t
store_map_size(struct store *s)
{
	return atomic_load(&s->map_size);
}

/* Reads. */

/* gate_enter counts a reader in and takes a pooled txn if there is one. */
static int
gate_enter(struct store *s, struct store_txn **pooled)
{
	pthread_mutex_lock(&s->gate);
	while (s->resizing)
		pthread_cond_wait(&s->gate_open, &s->gate);
	if (s->broken) {
		pthread_mutex_unlock(&s->gate);
		return STATUS_INTERNAL;
	}
	s->readers++;
	*pooled = s->npool > 0 ? s->pool[--s->npool] : NULL;
	pthread_mutex_unlock(&s->gate);
	return STATUS_OK;
}

/* gate_leave pools t (already reset) or frees it, and counts out. */
static void
gate_leave(struct store *s, struct store_txn *t)
{
	pthread_mutex_lock(&s->gate);
	if (t != NULL) {
		if (s->npool < s->pool_max)
			s->pool[s->npool++] = t;
		else
			txn_free(t);
	}
	if (--s->readers == 0 && s->resizing)
		pthread_cond_signal(&s->gate_empty);
	pthread_mutex_unlock(&s->gate);
}

int
store_read_begin(struct store *s, struct store_txn **out)
{
	struct store_txn *t;
	int rc, rv, tries;

	for (tries = 0;; tries++) {
		if ((rv = gate_enter(s, &t)) != STATUS_OK)
			return rv;
		if (t != NULL)
			rc = mdb_txn_renew(t->txn);
		else if ((t = calloc(1, sizeof(*t))) == NULL)
			rc = ENOMEM;
		else {
			t->s = s;
			rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t->txn);
		}
		if (rc == MDB_SUCCESS) {
			t->have_revision = 0;
			t->now = 0;
			*out = t;
			return STATUS_OK;
		}
		txn_free(t);
		gate_leave(s, NULL);
		if (rc != MDB_MAP_RESIZED || tries > 0)
			return store_status_of(rc);
		/* Another process grew the map: adopt its size. */
		pthread_mutex_lock(&s->writer);
		rv = store_resize(s, 0);
		pthread_mutex_unlock(&s->writer);
		if (rv != STATUS_OK)
			return rv;
	}
}

void
store_read_end(struct store_txn *t)
{
	if (t == NULL || t->write)
		return;
	mdb_txn_reset(t->txn);
	gate_leave(t->s, t);
}

/* Writes. */

int
store_write(struct store *s, store_write_fn fn, void *arg,
    uint64_t *revision)
{
	struct store_txn t;
	uint64_t cur = 0;
	int rc, rv, tries;

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
		memset(&t, 0, sizeof(t));
		t.s = s;
		t.write = 1;
		rc = mdb_txn_begin(s->env, NULL, 0, &t.txn);
		if (rc == MDB_MAP_RESIZED) {
			if ((rv = store_resize(s, 0)) != STATUS_OK)
				break;
			continue;
		}
		if (rc != MDB_SUCCESS) {
			rv = store_status_of(rc);
			break;
		}
		if ((rc = meta_get(t.txn, s->meta, "revision", 8, &cur)) != 0) {
			mdb_txn_abort(t.txn);
			rv = rc == MDB_NOTFOUND ? STATUS_DATA_LOSS :
			    store_status_of(rc);
			break;
		}
		t.revision = cur + 1;
		t.have_revision = 1;

		rv = fn(&t, arg);
		if (rv == STATUS_OK && !t.unchanged && !t.keep_revision &&
		    t.err == MDB_SUCCESS)
			store_txn_result(&t, meta_put(t.txn, s->meta, "revision", 8,
			    cur + 1));
		if (t.err != MDB_SUCCESS || rv != STATUS_OK || t.unchanged) {
			mdb_txn_abort(t.txn);
			if (t.err == MDB_MAP_FULL) {
				if ((rv = store_grow(s)) != STATUS_OK)
					break;
				continue;
			}
			if (t.err != MDB_SUCCESS)
				rv = store_status_of(t.err);
			else if (rv == STATUS_OK && revision != NULL)
				*revision = cur;	/* unchanged */
			break;
		}
		/* A failed commit frees the txn too. */
		if ((rc = mdb_txn_commit(t.txn)) == MDB_MAP_FULL) {
			if ((rv = store_grow(s)) != STATUS_OK)
				break;
			continue;
		}
		if (rc != MDB_SUCCESS) {
			rv = store_status_of(rc);
			break;
		}
		if (!t.keep_revision)		/* else audit-only */
			cur++;
		atomic_store(&s->revision, cur);
		if (revision != NULL)
			*revision = cur;
		rv = STATUS_OK;
		break;
	}
	pthread_mutex_unlock(&s->writer);
	return rv;
}

void
store_txn_mark_unchanged(struct store_txn *t)
{
	if (t->write)
		t->unchanged = 1;
}

void
store_txn_keep_revision(struct store_txn *t)
{
	if (t->write)
		t->keep_revision = 1;
}

uint64_t
store_txn_revision(struct store_txn *t)
{
	uint64_t rev;

	if (!t->have_revision) {
		if (meta_get(t->txn, t->s->meta, "revision", 8, &rev) != 0)
			return 0;
		t->revision = rev;
		t->have_revision = 1;
	}
	return t->revision;
}
