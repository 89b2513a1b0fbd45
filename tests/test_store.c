/*
 * test_store.c: the LMDB store (store.c) and the stored record format
 * (record.c). Each test gets a fresh directory under /tmp, removed by the
 * suite's .fini: persistence, revisions, aborted and unchanged writes,
 * paging, caveats, replies, the schema check, file modes, map growth under
 * concurrent readers, and damaged records, which must fail with
 * STATUS_DATA_LOSS and never crash.
 */
#include <sys/stat.h>

#include <ftw.h>
#include <lmdb.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "record.pb-c.h"
#include "status.h"
#include "record.h"
#include "store.h"

static char tmpdir[64];		/* from mkdtemp */
static char shmdir[64];		/* from mkdtemp on /dev/shm, if used */
static char dir[128];		/* tmpdir/data: store_open creates it */
static struct store *s;

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vetd-store-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp");
	snprintf(dir, sizeof(dir), "%s/data", tmpdir);
}

static void
teardown(void)
{
	store_close(&s);
	if (tmpdir[0] != '\0')
		nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	if (shmdir[0] != '\0')
		nftw(shmdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* use_tmpfs moves this test's data directory to /dev/shm if it can. */
static void
use_tmpfs(void)
{
	snprintf(shmdir, sizeof(shmdir), "/dev/shm/vetd-store-XXXXXX");
	if (mkdtemp(shmdir) == NULL) {
		shmdir[0] = '\0';
		return;
	}
	snprintf(dir, sizeof(dir), "%s/data", shmdir);
}

TestSuite(store, .init = setup, .fini = teardown);
TestSuite(record);

/* Helpers. */

static void
open_store(size_t map_size)
{
	struct store_options o = { .dir = dir, .map_size = map_size };
	char err[512] = "";
	int rv;

	rv = store_open(&o, &s, err, sizeof(err));
	cr_assert_eq(rv, STATUS_OK, "store_open: %s (%s)", err,
	    status_name(rv));
}

static void
fill(char *buf, size_t size, char c)
{
	memset(buf, c, size - 1);
	buf[size - 1] = '\0';
}

#define FILL(f, c)	fill((f), sizeof(f), (c))

static struct person *
new_person(const char *id, enum person_status status)
{
	struct person *p;

	cr_assert_not_null(p = calloc(1, sizeof(*p)));
	snprintf(p->id, sizeof(p->id), "%s", id);
	snprintf(p->display_name, sizeof(p->display_name), "Person %s", id);
	snprintf(p->email, sizeof(p->email), "%s@example.org", id);
	snprintf(p->nationality, sizeof(p->nationality), "GB");
	p->status = status;
	p->source = SOURCE_MANUAL;
	p->created_at = 1700000000;
	p->updated_at = 1700000001;
	return p;
}

/* max_person: every string full, every array full, extreme times. */
static struct person *
max_person(void)
{
	struct person *p;
	size_t i;

	cr_assert_not_null(p = calloc(1, sizeof(*p)));
	FILL(p->id, 'i');
	FILL(p->display_name, 'd');
	FILL(p->email, 'e');
	FILL(p->org_unit, 'o');
	FILL(p->nationality, 'G');
	FILL(p->status_reason, 'r');
	p->status = PERSON_LEAVER;
	p->source = SOURCE_DIRECTORY;
	p->created_at = INT64_MIN;
	p->updated_at = INT64_MAX;
	p->status_changed_at = -1;
	p->n_clearances = PERSON_MAX_CLEARANCES;
	for (i = 0; i < PERSON_MAX_CLEARANCES; i++) {
		struct clearance *c = &p->clearances[i];

		FILL(c->scheme, (char)('a' + i));
		FILL(c->level, (char)('b' + i));
		FILL(c->authority, (char)('c' + i));
		FILL(c->reference, (char)('d' + i));
		FILL(c->status_reason, (char)('e' + i));
		c->granted_at = (vtime)i - 5;
		c->review_due = INT64_MAX - (vtime)i;
		c->status = CLEARANCE_LAPSED;
		c->status_changed_at = INT64_MIN + (vtime)i;
	}
	p->n_briefings = PERSON_MAX_BRIEFINGS;
	for (i = 0; i < PERSON_MAX_BRIEFINGS; i++) {
		struct briefing *b = &p->briefings[i];

		FILL(b->compartment, (char)('A' + i % 26));
		FILL(b->debrief_reason, (char)('a' + i % 26));
		b->compartment[0] = (char)('0' + i % 10);
		b->briefed_at = (vtime)i;
		b->expires_at = INT64_MAX;
		b->debriefed_at = INT64_MIN;
	}
	return p;
}

static void
assert_person_eq(const struct person *a, const struct person *b)
{
	size_t i;

	cr_assert_str_eq(a->id, b->id);
	cr_assert_str_eq(a->display_name, b->display_name);
	cr_assert_str_eq(a->email, b->email);
	cr_assert_str_eq(a->org_unit, b->org_unit);
	cr_assert_str_eq(a->nationality, b->nationality);
	cr_assert_eq(a->status, b->status);
	cr_assert_eq(a->source, b->source);
	cr_assert_str_eq(a->status_reason, b->status_reason);
	cr_assert_eq(a->created_at, b->created_at);
	cr_assert_eq(a->updated_at, b->updated_at);
	cr_assert_eq(a->status_changed_at, b->status_changed_at);
	cr_assert_eq(a->n_clearances, b->n_clearances);
	for (i = 0; i < a->n_clearances; i++) {
		const struct clearance *x = &a->clearances[i];
		const struct clearance *y = &b->clearances[i];

		cr_assert_str_eq(x->scheme, y->scheme);
		cr_assert_str_eq(x->level, y->level);
		cr_assert_eq(x->granted_at, y->granted_at);
		cr_assert_eq(x->review_due, y->review_due);
		cr_assert_str_eq(x->authority, y->authority);
		cr_assert_str_eq(x->reference, y->reference);
		cr_assert_eq(x->status, y->status);
		cr_assert_str_eq(x->status_reason, y->status_reason);
		cr_assert_eq(x->status_changed_at, y->status_changed_at);
	}
	cr_assert_eq(a->n_briefings, b->n_briefings);
	for (i = 0; i < a->n_briefings; i++) {
		const struct briefing *x = &a->briefings[i];
		const struct briefing *y = &b->briefings[i];

		cr_assert_str_eq(x->compartment, y->compartment);
		cr_assert_eq(x->briefed_at, y->briefed_at);
		cr_assert_eq(x->expires_at, y->expires_at);
		cr_assert_eq(x->debriefed_at, y->debriefed_at);
		cr_assert_str_eq(x->debrief_reason, y->debrief_reason);
	}
}

struct put_arg {
	const struct person *p;
	int	 after;		/* what fn returns after the put */
	int	 unchanged;	/* call store_txn_mark_unchanged */
	uint64_t txn_revision;	/* store_txn_revision seen inside fn */
};

static int
put_fn(struct store_txn *t, void *arg)
{
	struct put_arg *a = arg;
	int rv;

	a->txn_revision = store_txn_revision(t);
	if ((rv = store_person_put(t, a->p)) != STATUS_OK)
		return rv;
	if (a->unchanged)
		store_txn_mark_unchanged(t);
	return a->after;
}

static uint64_t
put_person(const struct person *p)
{
	struct put_arg a = { .p = p };
	uint64_t rev = 0;
	int rv;

	rv = store_write(s, put_fn, &a, &rev);
	cr_assert_eq(rv, STATUS_OK, "store_write: %s", status_name(rv));
	return rev;
}

static int
get_person(const char *id, struct person *out)
{
	struct store_txn *t;
	int rv;

	cr_assert_eq(store_read_begin(s, &t), STATUS_OK);
	rv = store_person_get(t, id, out);
	store_read_end(t);
	return rv;
}

static uint64_t
snapshot_revision(void)
{
	struct store_txn *t;
	uint64_t rev;

	cr_assert_eq(store_read_begin(s, &t), STATUS_OK);
	rev = store_txn_revision(t);
	store_read_end(t);
	return rev;
}

/* raw_put writes straight into a named database, bypassing the store. */
static void
raw_put(const char *db, const void *key, size_t klen, const void *val,
    size_t vlen)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { klen, (void *)key }, v = { vlen, (void *)val };

	cr_assert_eq(mdb_env_create(&env), 0);
	cr_assert_eq(mdb_env_set_maxdbs(env, 16), 0);
	cr_assert_eq(mdb_env_open(env, dir, MDB_NOTLS, 0600), 0);
	cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	cr_assert_eq(mdb_dbi_open(txn, db, 0, &dbi), 0);
	cr_assert_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
	cr_assert_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

/* Opening, persistence, files. */

Test(store, reopen_keeps_data_and_revision)
{
	struct person *p = new_person("alice", PERSON_ACTIVE);
	struct person *got = calloc(1, sizeof(*got));

	open_store(0);
	cr_assert_eq(store_revision(s), 0);
	cr_assert_eq(snapshot_revision(), 0);
	cr_assert_eq(store_map_size(s), STORE_DEFAULT_MAP_SIZE);
	cr_assert_eq(put_person(p), 1);
	store_close(&s);
	cr_assert_null(s);
	store_close(&s);	/* NULL is fine */

	open_store(0);
	cr_assert_eq(store_revision(s), 1);
	cr_assert_eq(snapshot_revision(), 1);
	cr_assert_eq(get_person("alice", got), STATUS_OK);
	assert_person_eq(p, got);
	cr_assert_eq(put_person(p), 2);
	free(p);
	free(got);
}

Test(store, dir_is_0700_and_files_0600)
{
	char path[256];
	struct stat st;

	open_store(0);
	cr_assert_eq(stat(dir, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0700, "dir mode %o",
	    st.st_mode & 07777);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600, "data.mdb mode %o",
	    st.st_mode & 07777);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600, "lock.mdb mode %o",
	    st.st_mode & 07777);
}

Test(store, open_fails_with_a_sentence)
{
	struct store_options o = { .dir = "/nonexistent-vetd/x/y" };
	char err[512] = "";

	cr_assert_eq(store_open(&o, &s, err, sizeof(err)),
	    STATUS_FAILED_PRECONDITION);
	cr_assert_null(s);
	cr_assert_not_null(strstr(err, "/nonexistent-vetd/x/y"), "%s", err);
	cr_assert_not_null(strstr(err, "No such file"), "%s", err);
}

Test(store, schema_mismatch_refused)
{
	const uint8_t three[4] = { 3, 0, 0, 0 };
	struct store_options o = { .dir = dir };
	char err[512] = "", want[512];

	open_store(0);
	store_close(&s);
	raw_put("meta", "schema", 6, three, sizeof(three));
	cr_assert_eq(store_open(&o, &s, err, sizeof(err)),
	    STATUS_FAILED_PRECONDITION);
	cr_assert_null(s);
	snprintf(want, sizeof(want), "data directory %s has schema version 3; "
	    "this vetd understands 2", dir);
	cr_assert_str_eq(err, want);
}

/* People. */

Test(store, person_round_trip_max_size)
{
	struct person *p = max_person();
	struct person *got = calloc(1, sizeof(*got));

	open_store(0);
	put_person(p);
	cr_assert_eq(get_person(p->id, got), STATUS_OK);
	assert_person_eq(p, got);
	cr_assert_eq(got->n_clearances, 8);
	cr_assert_eq(got->n_briefings, 64);
	free(p);
	free(got);
}

Test(store, get_missing_is_not_found)
{
	struct person *got = calloc(1, sizeof(*got));
	char longid[600];

	open_store(0);
	cr_assert_eq(get_person("nobody", got), STATUS_NOT_FOUND);
	cr_assert_eq(get_person("", got), STATUS_INVALID_ARGUMENT);
	memset(longid, 'x', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	cr_assert_eq(get_person(longid, got), STATUS_INVALID_ARGUMENT);
	free(got);
}

Test(store, failed_fn_writes_nothing)
{
	struct person *p = new_person("bob", PERSON_ACTIVE);
	struct person *got = calloc(1, sizeof(*got));
	struct put_arg a = { .p = p, .after = STATUS_FAILED_PRECONDITION };
	uint64_t rev = 777;

	open_store(0);
	cr_assert_eq(store_write(s, put_fn, &a, &rev),
	    STATUS_FAILED_PRECONDITION);
	cr_assert_eq(rev, 777, "*revision written on failure");
	cr_assert_eq(store_revision(s), 0);
	cr_assert_eq(snapshot_revision(), 0);
	cr_assert_eq(get_person("bob", got), STATUS_NOT_FOUND);
	free(p);
	free(got);
}

Test(store, mark_unchanged_keeps_revision)
{
	struct person *p = new_person("carol", PERSON_ACTIVE);
	struct person *q = new_person("dave", PERSON_ACTIVE);
	struct person *got = calloc(1, sizeof(*got));
	struct put_arg a = { .p = q, .unchanged = 1 };
	uint64_t rev = 0;

	open_store(0);
	cr_assert_eq(put_person(p), 1);
	cr_assert_eq(store_write(s, put_fn, &a, &rev), STATUS_OK);
	cr_assert_eq(rev, 1);
	cr_assert_eq(store_revision(s), 1);
	cr_assert_eq(snapshot_revision(), 1);
	cr_assert_eq(get_person("dave", got), STATUS_NOT_FOUND);
	cr_assert_eq(get_person("carol", got), STATUS_OK);
	free(p);
	free(q);
	free(got);
}

Test(store, revision_counts_commits)
{
	struct person *p = new_person("erin", PERSON_ACTIVE);
	struct put_arg a = { .p = p };
	uint64_t i, rev;

	open_store(0);
	for (i = 1; i <= 10; i++) {
		cr_assert_eq(store_write(s, put_fn, &a, &rev), STATUS_OK);
		cr_assert_eq(rev, i);
		cr_assert_eq(a.txn_revision, i, "a write txn sees current+1");
		cr_assert_eq(store_revision(s), i);
	}
	cr_assert_eq(snapshot_revision(), 10);
	cr_assert_eq(store_write(s, put_fn, &a, NULL), STATUS_OK);
	cr_assert_eq(store_revision(s), 11);
	free(p);
}

Test(store, put_refuses_bad_person_and_read_txn)
{
	struct person *p = new_person("frank", PERSON_ACTIVE);
	struct put_arg a = { .p = p };
	struct store_txn *t;

	open_store(0);
	p->status = 0;
	cr_assert_eq(store_write(s, put_fn, &a, NULL),
	    STATUS_INVALID_ARGUMENT);
	p->status = PERSON_ACTIVE;
	p->n_briefings = PERSON_MAX_BRIEFINGS + 1;
	cr_assert_eq(store_write(s, put_fn, &a, NULL),
	    STATUS_INVALID_ARGUMENT);
	p->n_briefings = 0;
	cr_assert_eq(store_revision(s), 0);

	cr_assert_eq(store_read_begin(s, &t), STATUS_OK);
	cr_assert_eq(store_person_put(t, p), STATUS_INTERNAL);
	store_read_end(t);
	free(p);
}

/* A snapshot begun before a write (on another thread) does not see it. */
static void *
writer_thread(void *arg)
{
	put_person(arg);
	return NULL;
}

Test(store, read_snapshot_is_stable)
{
	struct person *p = new_person("gina", PERSON_ACTIVE);
	struct person *got = calloc(1, sizeof(*got));
	struct store_txn *t;
	pthread_t th;

	open_store(0);
	cr_assert_eq(store_read_begin(s, &t), STATUS_OK);
	cr_assert_eq(pthread_create(&th, NULL, writer_thread, p), 0);
	cr_assert_eq(pthread_join(th, NULL), 0);
	cr_assert_eq(store_revision(s), 1);
	cr_assert_eq(store_txn_revision(t), 0);
	cr_assert_eq(store_person_get(t, "gina", got), STATUS_NOT_FOUND);
	store_read_end(t);
	cr_assert_eq(snapshot_revision(), 1);
	cr_assert_eq(get_person("gina", got), STATUS_OK);
	free(p);
	free(got);
}

/* Paging. */

struct collect {
	char	ids[64][ID_MAX + 1];
	size_t	n;
	size_t	stop_after;	/* 0: never */
};

static int
collect_fn(const struct person *p, void *arg)
{
	struct collect *c = arg;

	if (c->n < 64)
		snprintf(c->ids[c->n], sizeof(c->ids[0]), "%s", p->id);
	c->n++;
	if (c->stop_after > 0 && c->n == c->stop_after)
		return STATUS_CANCELLED;
	return 0;
}

static int
list_people(const char *after, enum person_status status, size_t limit,
    struct collect *c, int *more)
{
	struct store_txn *t;
	int rv;

	memset(c->ids, 0, sizeof(c->ids));
	c->n = 0;
	cr_assert_eq(store_read_begin(s, &t), STATUS_OK);
	rv = store_person_list(t, after, status, limit, collect_fn, c, more);
	store_read_end(t);
	return rv;
}

static int
put_many_fn(struct store_txn *t, void *arg)
{
	struct person *p = arg;
	int i, rv;

	for (i = 0; i < 25; i++) {
		snprintf(p->id, sizeof(p->id), "p%02d", i);
		p->status = i % 2 == 0 ? PERSON_ACTIVE : PERSON_LEAVER;
		if ((rv = store_person_put(t, p)) != STATUS_OK)
			return rv;
	}
	return STATUS_OK;
}

Test(store, list_pages_with_filter_and_more)
{
	struct person *p = new_person("x", PERSON_ACTIVE);
	struct collect c = { .n = 0 };
	int more = -1;

	open_store(0);
	cr_assert_eq(store_write(s, put_many_fn, p, NULL), STATUS_OK);
	cr_assert_eq(store_revision(s), 1, "one write, one revision");

	cr_assert_eq(list_people("", PERSON_ACTIVE, 5, &c, &more), STATUS_OK);
	cr_assert_eq(c.n, 5);
	cr_assert_str_eq(c.ids[0], "p00");
	cr_assert_str_eq(c.ids[4], "p08");
	cr_assert_eq(more, 1);

	cr_assert_eq(list_people("p08", PERSON_ACTIVE, 5, &c, &more),
	    STATUS_OK);
	cr_assert_eq(c.n, 5);
	cr_assert_str_eq(c.ids[0], "p10");
	cr_assert_str_eq(c.ids[4], "p18");
	cr_assert_eq(more, 1);

	/* Exactly the last matching people: no more. */
	cr_assert_eq(list_people("p14", PERSON_ACTIVE, 5, &c, &more),
	    STATUS_OK);
	cr_assert_eq(c.n, 5);
	cr_assert_str_eq(c.ids[0], "p16");
	cr_assert_str_eq(c.ids[4], "p24");
	cr_assert_eq(more, 0);

	/* after need not exist; p23 is a leaver, the next active p24. */
	cr_assert_eq(list_people("p225", PERSON_ACTIVE, 5, &c, &more),
	    STATUS_OK);
	cr_assert_eq(c.n, 1);
	cr_assert_str_eq(c.ids[0], "p24");
	cr_assert_eq(more, 0);

	cr_assert_eq(list_people("", PERSON_LEAVER, 100, &c, &more),
	    STATUS_OK);
	cr_assert_eq(c.n, 12);
	cr_assert_str_eq(c.ids[0], "p01");
	cr_assert_eq(more, 0);

	cr_assert_eq(list_people(NULL, 0, 100, &c, &more), STATUS_OK);
	cr_assert_eq(c.n, 25);
	cr_assert_eq(more, 0);

	cr_assert_eq(list_people("", 0, 0, &c, &more), STATUS_OK);
	cr_assert_eq(c.n, 0);
	cr_assert_eq(more, 1);

	cr_assert_eq(list_people("p24", 0, 10, &c, &more), STATUS_OK);
	cr_assert_eq(c.n, 0);
	cr_assert_eq(more, 0);

	/* fn stops the listing; its value comes back, *more untouched. */
	more = -1;
	c.stop_after = 3;
	cr_assert_eq(list_people("", 0, 10, &c, &more), STATUS_CANCELLED);
	cr_assert_eq(c.n, 3);
	cr_assert_eq(more, -1);
	free(p);
}

/* Caveats. */

static int
caveat_put_fn(struct store_txn *t, void *arg)
{
	const struct caveat *cv = arg;
	int i, rv;

	for (i = 0; i < 3; i++)
		if ((rv = store_caveat_put(t, &cv[i])) != STATUS_OK)
			return rv;
	return STATUS_OK;
}

struct names {
	char	names[8][CAVEAT_MAX + 1];
	size_t	n;
};

static int
caveat_collect(const struct caveat *cv, void *arg)
{
	struct names *n = arg;

	cr_assert_eq(cv->builtin, 0);
	if (n->n < 8)
		snprintf(n->names[n->n], sizeof(n->names[0]), "%s", cv->name);
	n->n++;
	return 0;
}

Test(store, caveat_put_get_list)
{
	struct caveat cv[3], got;
	struct names n = { .n = 0 };
	struct store_txn *t;

	memset(cv, 0, sizeof(cv));
	snprintf(cv[0].name, sizeof(cv[0].name), "ZEBRA");
	cv[0].kind = CAVEAT_COMPARTMENT;
	snprintf(cv[0].min_scheme, sizeof(cv[0].min_scheme), "nsv");
	snprintf(cv[0].min_level, sizeof(cv[0].min_level), "dv");
	snprintf(cv[1].name, sizeof(cv[1].name), "ALPHA");
	cv[1].kind = CAVEAT_COMPARTMENT;
	cv[1].builtin = 1;
	snprintf(cv[2].name, sizeof(cv[2].name), "UK EYES ONLY");
	cv[2].kind = CAVEAT_NATIONAL;
	cv[2].n_nationalities = CAVEAT_MAX_NATIONALITIES;
	for (size_t i = 0; i < CAVEAT_MAX_NATIONALITIES; i++)
		snprintf(cv[2].nationalities[i], 3, "%c%c",
		    (char)('A' + i % 26), (char)('A' + i / 26));

	open_store(0);
	cr_assert_eq(store_write(s, caveat_put_fn, cv, NULL), STATUS_OK);

	cr_assert_eq(store_read_begin(s, &t), STATUS_OK);
	cr_assert_eq(store_caveat_get(t, "UK EYES ONLY", &got), STATUS_OK);
	cr_assert_str_eq(got.name, "UK EYES ONLY");
	cr_assert_eq(got.kind, CAVEAT_NATIONAL);
	cr_assert_eq(got.n_nationalities, CAVEAT_MAX_NATIONALITIES);
	for (size_t i = 0; i < CAVEAT_MAX_NATIONALITIES; i++)
		cr_assert_str_eq(got.nationalities[i], cv[2].nationalities[i]);
	cr_assert_eq(store_caveat_get(t, "ZEBRA", &got), STATUS_OK);
	cr_assert_str_eq(got.min_scheme, "nsv");
	cr_assert_str_eq(got.min_level, "dv");
	cr_assert_eq(got.n_nationalities, 0);
	cr_assert_eq(store_caveat_get(t, "ALPHA", &got), STATUS_OK);
	cr_assert_eq(got.builtin, 0, "builtin is never stored");
	cr_assert_eq(store_caveat_get(t, "NOPE", &got), STATUS_NOT_FOUND);
	cr_assert_eq(store_caveat_list(t, caveat_collect, &n), STATUS_OK);
	store_read_end(t);
	cr_assert_eq(n.n, 3);
	cr_assert_str_eq(n.names[0], "ALPHA");
	cr_assert_str_eq(n.names[1], "UK EYES ONLY");
	cr_assert_str_eq(n.names[2], "ZEBRA");
}

/* Replies. */

struct reply_arg {
	const char *id;
	vtime	at;
	vtime	cutoff;
	size_t	max;
	int	prune;
};

static int
reply_fn(struct store_txn *t, void *arg)
{
	const struct reply_arg *a = arg;
	struct stored_reply r;
	uint8_t body[100];
	size_t i;

	if (a->prune)
		return store_reply_prune(t, a->cutoff, a->max);
	memset(&r, 0, sizeof(r));
	snprintf(r.method, sizeof(r.method), "/vet.v1.Vetting/PutPerson");
	for (i = 0; i < sizeof(r.payload_digest); i++)
		r.payload_digest[i] = (uint8_t)(i + (size_t)a->at);
	for (i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)(255 - i);
	r.created_at = a->at;
	r.reply = body;
	r.reply_len = sizeof(body);
	return store_reply_put(t, a->id, &r);
}

static void
reply_put(const char *id, vtime at)
{
	struct reply_arg a = { .id = id, .at = at };

	cr_assert_eq(store_write(s, reply_fn, &a, NULL), STATUS_OK);
}

static void
reply_prune(vtime cutoff, size_t max)
{
	struct reply_arg a = { .prune = 1, .cutoff = cutoff, .max = max };

	cr_assert_eq(store_write(s, reply_fn, &a, NULL), STATUS_OK);
}

static int
reply_get(const char *id, struct stored_reply *out)
{
	struct store_txn *t;
	int rv;

	cr_assert_eq(store_read_begin(s, &t), STATUS_OK);
	rv = store_reply_get(t, id, out);
	store_read_end(t);
	return rv;
}

Test(store, reply_put_get_prune)
{
	struct stored_reply r;
	char id[16];
	int i;

	open_store(0);
	reply_put("r1", 100);
	reply_put("r2", 200);
	reply_put("r0", -50);

	cr_assert_eq(reply_get("r1", &r), STATUS_OK);
	cr_assert_str_eq(r.method, "/vet.v1.Vetting/PutPerson");
	cr_assert_eq(r.created_at, 100);
	cr_assert_eq(r.payload_digest[0], 100);
	cr_assert_eq(r.payload_digest[31], 131);
	cr_assert_eq(r.reply_len, 100);
	cr_assert_not_null(r.reply);
	cr_assert_eq(r.reply[0], 255);
	cr_assert_eq(r.reply[99], 156);
	free(r.reply);
	cr_assert_eq(reply_get("nope", &r), STATUS_NOT_FOUND);

	reply_prune(150, 10);
	cr_assert_eq(reply_get("r0", &r), STATUS_NOT_FOUND);
	cr_assert_eq(reply_get("r1", &r), STATUS_NOT_FOUND);
	cr_assert_eq(reply_get("r2", &r), STATUS_OK);
	free(r.reply);

	/* max bounds one prune. */
	for (i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "old%d", i);
		reply_put(id, 10 + i);
	}
	reply_prune(150, 2);
	cr_assert_eq(reply_get("old0", &r), STATUS_NOT_FOUND);
	cr_assert_eq(reply_get("old1", &r), STATUS_NOT_FOUND);
	cr_assert_eq(reply_get("old2", &r), STATUS_OK);
	free(r.reply);
	reply_prune(150, 100);
	cr_assert_eq(reply_get("old4", &r), STATUS_NOT_FOUND);
	cr_assert_eq(reply_get("r2", &r), STATUS_OK);
	free(r.reply);
	reply_prune(150, 0);
}

Test(store, reply_replaced_moves_its_age)
{
	struct stored_reply r;

	open_store(0);
	reply_put("r1", 100);
	reply_put("r1", 300);
	reply_prune(200, 10);
	cr_assert_eq(reply_get("r1", &r), STATUS_OK);
	cr_assert_eq(r.created_at, 300);
	free(r.reply);
	reply_prune(400, 10);
	cr_assert_eq(reply_get("r1", &r), STATUS_NOT_FOUND);
}

/* Damaged records. */

Test(store, damaged_record_is_data_loss)
{
	static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 0x0f, 0x12 };
	struct person *p = new_person("alice", PERSON_ACTIVE);
	struct person *got = calloc(1, sizeof(*got));
	struct collect c;
	uint8_t *buf;
	size_t len;
	int more;

	open_store(0);
	store_close(&s);
	raw_put("people", "bad", 3, junk, sizeof(junk));
	cr_assert_eq(record_person_encode(p, &buf, &len), STATUS_OK);
	raw_put("people", "mallory", 7, buf, len);	/* alice's record */
	free(buf);
	open_store(0);
	cr_assert_eq(get_person("bad", got), STATUS_DATA_LOSS);
	cr_assert_eq(get_person("mallory", got), STATUS_DATA_LOSS);
	cr_assert_eq(list_people("", 0, 10, &c, &more), STATUS_DATA_LOSS);
	free(p);
	free(got);
}

/*
 * Map growth: a 1 MiB map, 20,000 commits, four readers hammering the
 * store all along. Every write succeeds, every reader keeps going, the
 * map grows, nothing deadlocks. The data directory is on /dev/shm when
 * there is one: what is tested is growth under readers, not fsync, and on
 * a busy shared disk 20,000 durable commits took 34 s even with no reader
 * (600 commits/s), too close to the timeout; on tmpfs the test takes ~1 s.
 */
#define GROW_PEOPLE	20000
#define GROW_READERS	4

struct reader {
	pthread_t	 th;
	atomic_ulong	 reads;
	atomic_int	 errors;
	unsigned	 seed;
};

static atomic_int stop_readers;

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	struct person *p = malloc(sizeof(*p));
	struct store_txn *t;
	char id[32];
	int rv;

	while (p != NULL && !atomic_load(&stop_readers)) {
		if (store_read_begin(s, &t) != STATUS_OK) {
			atomic_fetch_add(&r->errors, 1);
			break;
		}
		r->seed = r->seed * 1103515245u + 12345u;
		snprintf(id, sizeof(id), "p%05u", (r->seed >> 8) % GROW_PEOPLE);
		rv = store_person_get(t, id, p);
		if ((rv != STATUS_OK && rv != STATUS_NOT_FOUND) ||
		    (rv == STATUS_OK && strcmp(p->id, id) != 0))
			atomic_fetch_add(&r->errors, 1);
		store_read_end(t);
		atomic_fetch_add(&r->reads, 1);
	}
	free(p);
	return NULL;
}

/* wait_reads waits, bounded, until every reader passed min reads. */
static int
wait_reads(struct reader *r, const unsigned long *min)
{
	time_t deadline = time(NULL) + 20;
	int i;

	for (i = 0; i < GROW_READERS; i++)
		while (atomic_load(&r[i].reads) <= min[i]) {
			if (time(NULL) > deadline)
				return 0;
			sched_yield();
		}
	return 1;
}

Test(store, map_grows_under_readers, .timeout = 60)
{
	struct reader r[GROW_READERS];
	struct person *p = new_person("x", PERSON_ACTIVE);
	struct collect c;
	unsigned long before[GROW_READERS], mid[GROW_READERS] = { 0 };
	uint64_t rev;
	int i, more, failed = 0;

	use_tmpfs();
	open_store(1024 * 1024);
	cr_assert_eq(store_map_size(s), 1024 * 1024);
	snprintf(p->org_unit, sizeof(p->org_unit), "%s", "Directorate of "
	    "Personnel Security, Vetting Unit, Aftercare Section");
	atomic_store(&stop_readers, 0);
	for (i = 0; i < GROW_READERS; i++) {
		atomic_init(&r[i].reads, 0);
		atomic_init(&r[i].errors, 0);
		r[i].seed = (unsigned)i * 7919u + 1;
		before[i] = 0;
		cr_assert_eq(pthread_create(&r[i].th, NULL, reader_main, &r[i]),
		    0);
	}
	cr_assert(wait_reads(r, before), "readers did not start");
	for (i = 0; i < GROW_READERS; i++)
		before[i] = atomic_load(&r[i].reads);

	for (i = 0; i < GROW_PEOPLE; i++) {
		snprintf(p->id, sizeof(p->id), "p%05d", i);
		snprintf(p->display_name, sizeof(p->display_name),
		    "Person number %d of the map growth test", i);
		if (store_write(s, put_fn, &(struct put_arg){ .p = p },
		    &rev) != STATUS_OK || rev != (uint64_t)i + 1) {
			failed = 1;
			break;
		}
		if (i == GROW_PEOPLE / 2)
			for (int j = 0; j < GROW_READERS; j++)
				mid[j] = atomic_load(&r[j].reads);
	}
	/* Readers must still be alive after the last growth. */
	int alive = wait_reads(r, before) && wait_reads(r, mid);
	unsigned long after[GROW_READERS];
	for (i = 0; i < GROW_READERS; i++)
		after[i] = atomic_load(&r[i].reads);
	int alive_after = wait_reads(r, after);
	atomic_store(&stop_readers, 1);
	for (i = 0; i < GROW_READERS; i++)
		pthread_join(r[i].th, NULL);

	cr_assert_not(failed, "write %d failed", i);
	cr_assert(alive && alive_after, "a reader stalled");
	for (i = 0; i < GROW_READERS; i++) {
		cr_assert_eq(atomic_load(&r[i].errors), 0, "reader %d", i);
		cr_assert_gt(mid[i], before[i], "reader %d made no progress "
		    "during the first half of the writes", i);
	}
	cr_assert_gt(store_map_size(s), 1024 * 1024);
	cr_assert_eq(store_revision(s), GROW_PEOPLE);
	cr_log_info("map grew to %zu bytes", store_map_size(s));

	/* Everything is there, and survives a reopen at the tiny size. */
	store_close(&s);
	open_store(1024 * 1024);
	cr_assert_gt(store_map_size(s), 1024 * 1024);
	cr_assert_eq(list_people("p19990", 0, 100, &c, &more), STATUS_OK);
	cr_assert_eq(c.n, 9);
	cr_assert_str_eq(c.ids[8], "p19999");
	cr_assert_eq(get_person("p00000", p), STATUS_OK);
	cr_assert_str_eq(p->display_name,
	    "Person number 0 of the map growth test");
	free(p);
}

/* A read txn may end on another thread; growth must still go through. */
static void *
end_thread(void *arg)
{
	store_read_end(arg);
	return NULL;
}

static int
put_big_fn(struct store_txn *t, void *arg)
{
	struct person *p = arg;
	int i, rv;

	/* ~3 MB in one txn: more than a 1 MiB map can hold. */
	for (i = 0; i < 2500; i++) {
		snprintf(p->id, sizeof(p->id), "big%04d", i);
		if ((rv = store_person_put(t, p)) != STATUS_OK)
			return rv;
	}
	return STATUS_OK;
}

Test(store, read_txn_ends_on_another_thread, .timeout = 30)
{
	struct person *p = max_person();
	struct store_txn *t;
	pthread_t th;
	int i;

	p->n_clearances = 0;
	p->n_briefings = 0;
	open_store(1024 * 1024);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(store_read_begin(s, &t), STATUS_OK);
		cr_assert_eq(pthread_create(&th, NULL, end_thread, t), 0);
		cr_assert_eq(pthread_join(th, NULL), 0);
	}
	cr_assert_eq(store_write(s, put_big_fn, p, NULL), STATUS_OK);
	cr_assert_gt(store_map_size(s), 2 * 1024 * 1024);
	cr_assert_eq(store_revision(s), 1);
	free(p);
}

/*
 * The gate, deterministically: while a read txn is live the writer may not
 * remap (it would pull the map from under the reader), and once it waits,
 * new readers queue behind it (writer preference, or a steady stream of
 * readers starves the resize, as glibc's default rwlock did).
 */
struct gate_writer {
	pthread_t	th;
	struct person	*p;
	atomic_int	fn_runs;
	atomic_int	done;
	int		rv;
};

static int
gate_fn(struct store_txn *t, void *arg)
{
	struct gate_writer *w = arg;
	int rv;

	rv = put_big_fn(t, w->p);
	atomic_fetch_add(&w->fn_runs, 1);
	return rv;
}

static void *
gate_writer_main(void *arg)
{
	struct gate_writer *w = arg;

	w->rv = store_write(s, gate_fn, w, NULL);
	atomic_store(&w->done, 1);
	return NULL;
}

struct gate_reader {
	pthread_t	th;
	atomic_ulong	reads;
	atomic_int	stop;
	atomic_int	errors;
};

static void *
gate_reader_main(void *arg)
{
	struct gate_reader *r = arg;
	struct caveat cv;
	struct store_txn *t;
	int rv;

	while (!atomic_load(&r->stop)) {
		if (store_read_begin(s, &t) != STATUS_OK) {
			atomic_fetch_add(&r->errors, 1);
			break;
		}
		rv = store_caveat_get(t, "NONE", &cv);
		if (rv != STATUS_NOT_FOUND)
			atomic_fetch_add(&r->errors, 1);
		store_read_end(t);
		atomic_fetch_add(&r->reads, 1);
	}
	return NULL;
}

static void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* wait_stable: r->reads stops moving for 100 ms, within 10 s. */
static int
wait_stable(struct gate_reader *r)
{
	unsigned long last = atomic_load(&r->reads), cur;
	int i, still = 0;

	for (i = 0; i < 1000 && still < 10; i++) {
		pause_ms(10);
		cur = atomic_load(&r->reads);
		still = cur == last ? still + 1 : 0;
		last = cur;
	}
	return still >= 10;
}

Test(store, resize_waits_for_readers_and_queues_new_ones, .timeout = 60)
{
	struct gate_writer w;
	struct gate_reader r;
	struct person *p = max_person(), *got = calloc(1, sizeof(*got));
	struct person *held = new_person("held", PERSON_ACTIVE);
	struct store_txn *t;
	unsigned long blocked_at;
	int i;

	p->n_clearances = 0;
	p->n_briefings = 0;
	memset(&w, 0, sizeof(w));
	memset(&r, 0, sizeof(r));
	w.p = p;
	open_store(1024 * 1024);
	put_person(held);
	free(held);

	/* A read txn, live across everything below. */
	cr_assert_eq(store_read_begin(s, &t), STATUS_OK);
	cr_assert_eq(pthread_create(&w.th, NULL, gate_writer_main, &w), 0);
	for (i = 0; i < 1000 && atomic_load(&w.fn_runs) == 0; i++)
		pause_ms(10);
	cr_assert_eq(atomic_load(&w.fn_runs), 1, "fn never filled the map");

	/* A stream of new readers: it must stop behind the resizer. */
	cr_assert_eq(pthread_create(&r.th, NULL, gate_reader_main, &r), 0);
	cr_assert(wait_stable(&r), "new readers overtook a waiting resize");
	blocked_at = atomic_load(&r.reads);

	/* And the resizer must still be waiting for our txn. */
	cr_assert_eq(atomic_load(&w.fn_runs), 1, "fn rerun: map resized "
	    "under a live read txn");
	cr_assert_eq(atomic_load(&w.done), 0);
	cr_assert_eq(store_map_size(s), 1024 * 1024);
	cr_assert_eq(store_person_get(t, "held", got), STATUS_OK);
	cr_assert_str_eq(got->id, "held");
	store_read_end(t);

	cr_assert_eq(pthread_join(w.th, NULL), 0);
	cr_assert_eq(w.rv, STATUS_OK, "%s", status_name(w.rv));
	cr_assert_geq(atomic_load(&w.fn_runs), 2);
	cr_assert_gt(store_map_size(s), 1024 * 1024);
	for (i = 0; i < 1000 && atomic_load(&r.reads) == blocked_at; i++)
		pause_ms(10);
	atomic_store(&r.stop, 1);
	cr_assert_eq(pthread_join(r.th, NULL), 0);
	cr_assert_gt(atomic_load(&r.reads), blocked_at, "readers stuck");
	cr_assert_eq(atomic_load(&r.errors), 0);
	free(p);
	free(got);
}

/* record.c on its own. */

Test(record, encode_refuses_what_decode_would)
{
	struct person *p = new_person("henry", PERSON_ACTIVE);
	struct caveat cv;
	uint8_t *buf = NULL;
	size_t len = 0;

	p->source = 0;
	cr_assert_eq(record_person_encode(p, &buf, &len),
	    STATUS_INVALID_ARGUMENT);
	p->source = SOURCE_MANUAL;
	p->id[0] = '\0';
	cr_assert_eq(record_person_encode(p, &buf, &len),
	    STATUS_INVALID_ARGUMENT);
	FILL(p->id, 'x');
	p->id[ID_MAX] = 'x';	/* not terminated */
	cr_assert_eq(record_person_encode(p, &buf, &len),
	    STATUS_INVALID_ARGUMENT);
	snprintf(p->id, sizeof(p->id), "henry");
	p->n_clearances = 1;
	p->clearances[0].status = 5;
	cr_assert_eq(record_person_encode(p, &buf, &len),
	    STATUS_INVALID_ARGUMENT);
	p->clearances[0].status = CLEARANCE_GRANTED;
	p->n_clearances = PERSON_MAX_CLEARANCES + 1;
	cr_assert_eq(record_person_encode(p, &buf, &len),
	    STATUS_INVALID_ARGUMENT);
	cr_assert_null(buf, "*buf written on failure");
	free(p);

	memset(&cv, 0, sizeof(cv));
	snprintf(cv.name, sizeof(cv.name), "X");
	cv.kind = 3;
	cr_assert_eq(record_caveat_encode(&cv, &buf, &len),
	    STATUS_INVALID_ARGUMENT);
	cv.kind = CAVEAT_NATIONAL;
	cv.n_nationalities = CAVEAT_MAX_NATIONALITIES + 1;
	cr_assert_eq(record_caveat_encode(&cv, &buf, &len),
	    STATUS_INVALID_ARGUMENT);
}

Test(record, decode_is_deterministic)
{
	struct person *p = max_person();
	struct person *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	uint8_t *buf;
	size_t len;

	p->n_briefings = 3;
	cr_assert_eq(record_person_encode(p, &buf, &len), STATUS_OK);
	cr_assert_lt(len, RECORD_DECODE_MAX);
	memset(a, 0xaa, sizeof(*a));
	memset(b, 0x55, sizeof(*b));
	cr_assert_eq(record_person_decode(buf, len, a), STATUS_OK);
	cr_assert_eq(record_person_decode(buf, len, b), STATUS_OK);
	cr_assert_eq(memcmp(a, b, sizeof(*a)), 0);
	assert_person_eq(p, a);
	free(buf);
	free(p);
	free(a);
	free(b);
}

/* pack_person packs a hand-made record, bypassing encode's checks. */
static size_t
pack_person(Vet__Store__V1__PersonRecord *r, uint8_t *buf, size_t size)
{
	size_t len = vet__store__v1__person_record__get_packed_size(r);

	cr_assert_leq(len, size);
	return vet__store__v1__person_record__pack(r, buf);
}

static int
decode_crafted(Vet__Store__V1__PersonRecord *r)
{
	static uint8_t buf[8192];
	struct person *out = malloc(sizeof(*out));
	size_t len;
	int rv;

	len = pack_person(r, buf, sizeof(buf));
	memset(out, 0x5a, sizeof(*out));
	rv = record_person_decode(buf, len, out);
	if (rv != STATUS_OK)
		cr_assert_eq((unsigned char)out->id[0], 0x5a,
		    "*out written on failure");
	free(out);
	return rv;
}

Test(record, decode_refuses_out_of_bounds)
{
	Vet__Store__V1__PersonRecord r = VET__STORE__V1__PERSON_RECORD__INIT;
	Vet__Store__V1__ClearanceRecord cr =
	    VET__STORE__V1__CLEARANCE_RECORD__INIT;
	Vet__Store__V1__ClearanceRecord *crp[PERSON_MAX_CLEARANCES + 1];
	char longname[NAME_MAX_BYTES + 2], id[] = "ivy", gbr[] = "GBR";
	size_t i;

	r.id = id;
	r.status = PERSON_ACTIVE;
	r.source = SOURCE_MANUAL;
	cr_assert_eq(decode_crafted(&r), STATUS_OK);

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	r.display_name = longname;		/* 257 bytes: one too many */
	cr_assert_eq(decode_crafted(&r), STATUS_DATA_LOSS);
	longname[NAME_MAX_BYTES] = '\0';	/* 256: fits */
	cr_assert_eq(decode_crafted(&r), STATUS_OK);

	r.nationality = gbr;
	cr_assert_eq(decode_crafted(&r), STATUS_DATA_LOSS);
	r.nationality = (char *)protobuf_c_empty_string;

	r.status = PERSON_LEAVER + 1;
	cr_assert_eq(decode_crafted(&r), STATUS_DATA_LOSS);
	r.status = 0;
	cr_assert_eq(decode_crafted(&r), STATUS_DATA_LOSS);
	r.status = PERSON_ACTIVE;
	r.source = 0;
	cr_assert_eq(decode_crafted(&r), STATUS_DATA_LOSS);
	r.source = SOURCE_DIRECTORY;

	r.id = (char *)protobuf_c_empty_string;
	cr_assert_eq(decode_crafted(&r), STATUS_DATA_LOSS);
	r.id = id;

	cr.status = CLEARANCE_GRANTED;
	for (i = 0; i <= PERSON_MAX_CLEARANCES; i++)
		crp[i] = &cr;
	r.clearances = crp;
	r.n_clearances = PERSON_MAX_CLEARANCES;
	cr_assert_eq(decode_crafted(&r), STATUS_OK);
	r.n_clearances = PERSON_MAX_CLEARANCES + 1;
	cr_assert_eq(decode_crafted(&r), STATUS_DATA_LOSS);
	r.n_clearances = 1;
	cr.status = CLEARANCE_LAPSED + 1;
	cr_assert_eq(decode_crafted(&r), STATUS_DATA_LOSS);
	cr.status = CLEARANCE_GRANTED;
	cr.scheme = longname;
	cr_assert_eq(decode_crafted(&r), STATUS_DATA_LOSS);
}

Test(record, decode_refuses_bad_caveat_and_reply)
{
	Vet__Store__V1__CaveatRecord c = VET__STORE__V1__CAVEAT_RECORD__INIT;
	Vet__Store__V1__ReplyRecord r = VET__STORE__V1__REPLY_RECORD__INIT;
	char *nat[CAVEAT_MAX_NATIONALITIES + 1], gb[] = "GB", name[] = "X";
	uint8_t buf[4096], digest[33] = { 0 };
	struct caveat cv;
	struct stored_reply sr;
	size_t i, len;

	c.name = name;
	c.kind = CAVEAT_NATIONAL;
	for (i = 0; i <= CAVEAT_MAX_NATIONALITIES; i++)
		nat[i] = gb;
	c.nationalities = nat;
	c.n_nationalities = CAVEAT_MAX_NATIONALITIES;
	len = vet__store__v1__caveat_record__pack(&c, buf);
	cr_assert_eq(record_caveat_decode(buf, len, &cv), STATUS_OK);
	c.n_nationalities = CAVEAT_MAX_NATIONALITIES + 1;
	len = vet__store__v1__caveat_record__pack(&c, buf);
	cr_assert_eq(record_caveat_decode(buf, len, &cv), STATUS_DATA_LOSS);
	c.n_nationalities = 1;
	c.kind = 0;
	len = vet__store__v1__caveat_record__pack(&c, buf);
	cr_assert_eq(record_caveat_decode(buf, len, &cv), STATUS_DATA_LOSS);

	r.method = name;
	r.payload_digest.data = digest;
	r.payload_digest.len = 32;
	len = vet__store__v1__reply_record__pack(&r, buf);
	cr_assert_eq(record_reply_decode(buf, len, &sr), STATUS_OK);
	cr_assert_not_null(sr.reply, "an empty reply is still malloc'd");
	cr_assert_eq(sr.reply_len, 0);
	free(sr.reply);
	r.payload_digest.len = 31;
	len = vet__store__v1__reply_record__pack(&r, buf);
	cr_assert_eq(record_reply_decode(buf, len, &sr), STATUS_DATA_LOSS);
	r.payload_digest.len = 33;
	len = vet__store__v1__reply_record__pack(&r, buf);
	cr_assert_eq(record_reply_decode(buf, len, &sr), STATUS_DATA_LOSS);
}

Test(record, damaged_bytes_never_crash)
{
	struct person *p = max_person();
	struct person *out = malloc(sizeof(*out));
	struct caveat cv;
	struct stored_reply sr;
	uint8_t *buf, *copy;
	size_t len, i, ok = 0;
	unsigned seed = 1;
	int rv;

	cr_assert_eq(record_person_encode(p, &buf, &len), STATUS_OK);
	cr_assert_lt(len, RECORD_DECODE_MAX);
	cr_assert_not_null(copy = malloc(len));

	/* Every prefix: parses (on a field boundary) or is DATA_LOSS. */
	for (i = 0; i < len; i++) {
		rv = record_person_decode(buf, i, out);
		cr_assert(rv == STATUS_OK || rv == STATUS_DATA_LOSS,
		    "prefix %zu: %d", i, rv);
		if (rv == STATUS_OK)
			ok++;
	}
	cr_assert_lt(ok, len / 10, "%zu of %zu prefixes parsed", ok, len);
	cr_assert_eq(record_person_decode(buf, len, out), STATUS_OK);

	/* Random byte damage, and random garbage for every decoder. */
	for (i = 0; i < 3000; i++) {
		size_t j, n = 1 + i % 8;

		memcpy(copy, buf, len);
		for (j = 0; j < n; j++) {
			seed = seed * 1103515245u + 12345u;
			copy[(seed >> 4) % len] = (uint8_t)(seed >> 20);
		}
		rv = record_person_decode(copy, len, out);
		cr_assert(rv == STATUS_OK || rv == STATUS_DATA_LOSS);
		n = (seed >> 8) % 200;
		for (j = 0; j < n; j++) {
			seed = seed * 1103515245u + 12345u;
			copy[j] = (uint8_t)(seed >> 16);
		}
		rv = record_person_decode(copy, n, out);
		cr_assert(rv == STATUS_OK || rv == STATUS_DATA_LOSS);
		rv = record_caveat_decode(copy, n, &cv);
		cr_assert(rv == STATUS_OK || rv == STATUS_DATA_LOSS);
		rv = record_reply_decode(copy, n, &sr);
		cr_assert(rv == STATUS_OK || rv == STATUS_DATA_LOSS);
		if (rv == STATUS_OK)
			free(sr.reply);
	}
	cr_assert_eq(record_person_decode(buf, RECORD_DECODE_MAX + 1, out),
	    STATUS_DATA_LOSS, "oversized input is refused unread");
	free(copy);
	free(buf);
	free(p);
	free(out);
}
