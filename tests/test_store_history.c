/*
 * test_store_history.c: histories in the store (store_people.c) and the
 * schema-1 upgrade (store_migrate.c), against real LMDB in a fresh
 * directory per test. Events derived by store_person_put, scheduled events
 * caught up on read and written back by store_scheduled_due, the pending
 * index, the point-in-time read, damaged histories (DATA_LOSS, never a
 * crash, and never in the way of a check at "now"), and the upgrade of a
 * copy of tests/data/schema1 (a directory the previous vetd wrote).
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <ftw.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "history.h"
#include "record.h"
#include "status.h"
#include "store.h"

#define DAY	((vtime)86400)
#define N0	((vtime)1900000000)	/* "now" here: 2030-03-17 */

static char tmpdir[64];
static char dir[128];
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
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vetd-hist-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp");
	snprintf(dir, sizeof(dir), "%s/data", tmpdir);
}

static void
teardown(void)
{
	store_close(&s);
	if (tmpdir[0] != '\0')
		nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(store_history, .init = setup, .fini = teardown);

static void
open_store(void)
{
	struct store_options o = { .dir = dir };
	char err[512] = "";
	int rv;

	rv = store_open(&o, &s, err, sizeof(err));
	cr_assert_eq(rv, STATUS_OK, "store_open: %s (%s)", err,
	    status_name(rv));
}

static struct person *
new_person(const char *id)
{
	struct person *p = calloc(1, sizeof(*p));

	cr_assert_not_null(p);
	snprintf(p->id, sizeof(p->id), "%s", id);
	snprintf(p->display_name, sizeof(p->display_name), "Person %s", id);
	snprintf(p->nationality, sizeof(p->nationality), "GB");
	p->status = PERSON_ACTIVE;
	p->source = SOURCE_MANUAL;
	p->created_at = N0 - 100 * DAY;
	p->status_changed_at = p->created_at;
	return p;
}

static void
grant(struct person *p, vtime granted, vtime due)
{
	struct clearance *c = &p->clearances[p->n_clearances++];

	memset(c, 0, sizeof(*c));
	strcpy(c->scheme, "nsv");
	strcpy(c->level, "SC");
	c->granted_at = granted;
	c->review_due = due;
	c->status = CLEARANCE_GRANTED;
	c->status_changed_at = granted;
}

/* A write at a chosen "now": a put, or a put with a scheduled event. */
struct write {
	const struct person *p;
	const struct event *scheduled;
	vtime	now;
};

static int
write_fn(struct store_txn *t, void *arg)
{
	struct write *w = arg;

	store_txn_set_now(t, w->now);
	if (w->scheduled != NULL)
		return store_person_put_scheduled(t, w->p, w->scheduled);
	return store_person_put(t, w->p);
}

static int
put_at(const struct person *p, vtime now)
{
	struct write w = { .p = p, .now = now };

	return store_write(s, write_fn, &w, NULL);
}

static int
schedule_at(const struct person *p, enum event_kind kind, vtime at,
    vtime now)
{
	struct event e;
	struct write w = { .p = p, .scheduled = &e, .now = now };

	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.at = at;
	strcpy(e.reason, "notice given");
	return store_write(s, write_fn, &w, NULL);
}

/* get_at reads the person as store_person_get does at now. */
static int
get_at(const char *id, vtime now, struct person *out)
{
	struct store_txn *t;
	int rv;

	cr_assert_eq(store_read_begin(s, &t), STATUS_OK);
	store_txn_set_now(t, now);
	rv = store_person_get(t, id, out);
	store_read_end(t);
	return rv;
}

static int
check_read(const char *id, vtime now, vtime at, struct person *out,
    vtime *next)
{
	struct store_txn *t;
	int rv;

	cr_assert_eq(store_read_begin(s, &t), STATUS_OK);
	store_txn_set_now(t, now);
	rv = store_person_at(t, id, at, out, next);
	store_read_end(t);
	return rv;
}

static int
history_of(const char *id, struct history *h)
{
	struct store_txn *t;
	int rv;

	cr_assert_eq(store_read_begin(s, &t), STATUS_OK);
	rv = store_person_history(t, id, h);
	store_read_end(t);
	return rv;
}

/* Scheduled write-back, as the writer thread runs it. */
struct due {
	vtime	now;
	size_t	done;
	vtime	next;
	int	seen_before;
	int	seen_after;
};

static int
due_seen(const struct person *before, const struct person *after, void *arg)
{
	struct due *d = arg;

	d->seen_before = before->status;
	d->seen_after = after->status;
	return 0;
}

static int
due_fn(struct store_txn *t, void *arg)
{
	struct due *d = arg;

	store_txn_set_now(t, d->now);
	return store_scheduled_due(t, d->now, 100, due_seen, d, &d->done,
	    &d->next);
}

static void
run_due(struct due *d, vtime now)
{
	memset(d, 0, sizeof(*d));
	d->now = now;
	cr_assert_eq(store_write(s, due_fn, d, NULL), STATUS_OK);
	store_scheduled_hint(s, d->next);
}

static int
count_one(const struct person *p, void *arg)
{
	(void)p;
	(*(int *)arg)++;
	return 0;
}

/* count_status: people with status in the stored states (a listing). */
static int
count_status(enum person_status status)
{
	struct store_txn *t;
	int n = 0;

	cr_assert_eq(store_read_begin(s, &t), STATUS_OK);
	cr_assert_eq(store_person_list(t, NULL, status, 1000, count_one, &n,
	    NULL), STATUS_OK);
	store_read_end(t);
	return n;
}

Test(store_history, a_put_derives_events_and_keeps_them)
{
	struct person *p = new_person("alice");
	struct history h;

	grant(p, N0 - 50 * DAY, N0 + 300 * DAY);
	open_store();
	cr_assert_eq(put_at(p, N0), STATUS_OK);
	p->clearances[0].review_due = N0 + 3000 * DAY;	/* renewed */
	cr_assert_eq(put_at(p, N0 + 10), STATUS_OK);
	store_close(&s);
	open_store();
	history_init(&h);
	cr_assert_eq(history_of("alice", &h), STATUS_OK);
	cr_assert_eq(h.n, 2);
	cr_assert_eq(h.events[0].kind, EVENT_CLEARANCE_GRANTED);
	cr_assert_eq(h.events[0].at, N0 - 50 * DAY);
	cr_assert_eq(h.events[0].recorded_at, N0);
	cr_assert_eq(h.events[0].review_due, N0 + 300 * DAY,
	    "the earlier term is kept");
	cr_assert_eq(h.events[1].kind, EVENT_CLEARANCE_RENEWED);
	cr_assert_eq(h.events[1].at, N0 + 10);
	cr_assert_eq(h.events[1].review_due, N0 + 3000 * DAY);
	/* Unknown people have no history; the id is still checked. */
	h.n = 0;
	cr_assert_eq(history_of("nobody", &h), STATUS_OK);
	cr_assert_eq(h.n, 0);
	cr_assert_eq(history_of("", &h), STATUS_INVALID_ARGUMENT);
	history_free(&h);
	free(p);
}

Test(store_history, the_point_in_time_read_folds_the_history)
{
	struct person *p = new_person("bob"), *got = calloc(1, sizeof(*got));
	vtime next = -1;

	grant(p, N0, N0 + 300 * DAY);
	open_store();
	cr_assert_eq(put_at(p, N0), STATUS_OK);
	p->clearances[0].status = CLEARANCE_SUSPENDED;
	p->clearances[0].status_changed_at = N0 + 100;
	cr_assert_eq(put_at(p, N0 + 100), STATUS_OK);

	cr_assert_eq(check_read("bob", N0 + 200, N0 - 1, got, &next),
	    STATUS_OK);
	cr_assert_eq(got->n_clearances, 0, "before the grant");
	cr_assert_eq(next, N0);
	cr_assert_eq(check_read("bob", N0 + 200, N0 + 99, got, &next),
	    STATUS_OK);
	cr_assert_eq(got->clearances[0].status, CLEARANCE_GRANTED);
	cr_assert_eq(next, N0 + 100);
	cr_assert_eq(check_read("bob", N0 + 200, N0 + 100, got, &next),
	    STATUS_OK);
	cr_assert_eq(got->clearances[0].status, CLEARANCE_SUSPENDED);
	cr_assert_eq(next, 0);
	/* at 0: the stored state, nothing scheduled. */
	cr_assert_eq(check_read("bob", N0 + 200, 0, got, &next), STATUS_OK);
	cr_assert_eq(got->clearances[0].status, CLEARANCE_SUSPENDED);
	cr_assert_eq(next, 0);
	cr_assert_eq(check_read("nobody", N0, N0, got, &next),
	    STATUS_NOT_FOUND);
	free(p);
	free(got);
}

Test(store_history, a_scheduled_leaver_comes_due_on_read_then_is_written)
{
	struct person *p = new_person("carol"), *got = calloc(1, sizeof(*got));
	struct history h;
	struct due d;
	vtime next = 0;

	grant(p, N0 - DAY, N0 + 300 * DAY);
	open_store();
	cr_assert_eq(put_at(p, N0), STATUS_OK);
	cr_assert_eq(store_next_scheduled(s), 0);
	cr_assert_eq(schedule_at(p, EVENT_LEAVER, N0 + 100, N0 + 1),
	    STATUS_OK);
	cr_assert_eq(store_next_scheduled(s), N0 + 100);

	cr_assert_eq(get_at("carol", N0 + 99, got), STATUS_OK);
	cr_assert_eq(got->status, PERSON_ACTIVE, "not yet");
	cr_assert_eq(check_read("carol", N0 + 99, 0, got, &next), STATUS_OK);
	cr_assert_eq(got->status, PERSON_ACTIVE);
	cr_assert_eq(next, N0 + 100, "the check's answer holds until then");
	cr_assert_eq(get_at("carol", N0 + 100, got), STATUS_OK);
	cr_assert_eq(got->status, PERSON_LEAVER, "from that second on");
	cr_assert_str_eq(got->status_reason, "notice given");
	cr_assert_eq(got->clearances[0].status, CLEARANCE_LAPSED);
	cr_assert_eq(check_read("carol", N0 + 100, 0, got, &next), STATUS_OK);
	cr_assert_eq(got->status, PERSON_LEAVER);
	cr_assert_eq(next, 0);
	cr_assert_eq(count_status(PERSON_LEAVER), 0, "the listing holds the "
	    "stored state until it is written back");

	run_due(&d, N0 + 99);
	cr_assert_eq(d.done, 0);
	cr_assert_eq(d.next, N0 + 100);
	run_due(&d, N0 + 101);
	cr_assert_eq(d.done, 1);
	cr_assert_eq(d.seen_before, PERSON_ACTIVE);
	cr_assert_eq(d.seen_after, PERSON_LEAVER);
	cr_assert_eq(d.next, 0);
	cr_assert_eq(store_next_scheduled(s), 0);
	cr_assert_eq(count_status(PERSON_LEAVER), 1);
	run_due(&d, N0 + 200);
	cr_assert_eq(d.done, 0, "written once");

	history_init(&h);
	cr_assert_eq(history_of("carol", &h), STATUS_OK);
	cr_assert_eq(h.n, 2, "the grant and the one LEAVER: got %zu", h.n);
	cr_assert_eq(h.events[1].kind, EVENT_LEAVER);
	cr_assert_eq(h.events[1].scheduled, 1);
	cr_assert_eq(h.events[1].recorded_at, N0 + 1);
	history_free(&h);
	free(p);
	free(got);
}

Test(store_history, a_write_after_the_due_time_adds_no_second_event)
{
	struct person *p = new_person("dave"), *got = calloc(1, sizeof(*got));
	struct history h;
	struct due d;

	open_store();
	cr_assert_eq(put_at(p, N0), STATUS_OK);
	cr_assert_eq(schedule_at(p, EVENT_PERSON_SUSPENDED, N0 + 10, N0),
	    STATUS_OK);
	/* A handler reads the caught-up state and writes it back. */
	cr_assert_eq(get_at("dave", N0 + 20, got), STATUS_OK);
	cr_assert_eq(got->status, PERSON_SUSPENDED);
	strcpy(got->display_name, "Dave Renamed");
	cr_assert_eq(put_at(got, N0 + 20), STATUS_OK);
	history_init(&h);
	cr_assert_eq(history_of("dave", &h), STATUS_OK);
	cr_assert_eq(h.n, 1, "only the scheduled suspension: got %zu", h.n);
	run_due(&d, N0 + 30);
	cr_assert_eq(d.done, 0, "nothing left pending");
	cr_assert_eq(count_status(PERSON_SUSPENDED), 1);
	history_free(&h);
	free(p);
	free(got);
}

Test(store_history, an_earlier_leaver_makes_a_later_one_moot)
{
	struct person *p = new_person("erin"), *got = calloc(1, sizeof(*got));
	struct due d;

	open_store();
	cr_assert_eq(put_at(p, N0), STATUS_OK);
	cr_assert_eq(schedule_at(p, EVENT_LEAVER, N0 + 1000, N0), STATUS_OK);
	p->status = PERSON_LEAVER;
	p->status_changed_at = N0 + 5;
	strcpy(p->status_reason, "dismissed");
	cr_assert_eq(put_at(p, N0 + 5), STATUS_OK);
	run_due(&d, N0 + 2000);
	cr_assert_eq(d.done, 0, "the pending entry went with the leaver");
	cr_assert_eq(check_read("erin", N0, N0 + 3000, got, NULL), STATUS_OK);
	cr_assert_eq(got->status, PERSON_LEAVER);
	cr_assert_str_eq(got->status_reason, "dismissed", "a leaver is final");
	cr_assert_eq(got->status_changed_at, N0 + 5);
	free(p);
	free(got);
}

Test(store_history, a_scheduled_event_must_be_later_than_now)
{
	struct person *p = new_person("fay");
	uint64_t rev;

	open_store();
	cr_assert_eq(put_at(p, N0), STATUS_OK);
	rev = store_revision(s);
	cr_assert_eq(schedule_at(p, EVENT_LEAVER, N0, N0),
	    STATUS_INVALID_ARGUMENT);
	cr_assert_eq(schedule_at(p, EVENT_LEAVER, N0 - 1, N0),
	    STATUS_INVALID_ARGUMENT);
	cr_assert_eq(store_revision(s), rev, "nothing written");
	cr_assert_eq(store_next_scheduled(s), 0);
	free(p);
}

/* Raw LMDB, as a damaged disk or an older vetd would leave it. */
static void
raw_env(MDB_env **env, MDB_txn **txn)
{
	cr_assert_eq(mdb_env_create(env), 0);
	cr_assert_eq(mdb_env_set_maxdbs(*env, 32), 0);
	cr_assert_eq(mdb_env_open(*env, dir, MDB_NOTLS, 0600), 0);
	cr_assert_eq(mdb_txn_begin(*env, NULL, 0, txn), 0);
}

static void
raw_put(const char *db, const char *key, const void *val, size_t vlen)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { strlen(key), (void *)key }, v = { vlen, (void *)val };

	raw_env(&env, &txn);
	cr_assert_eq(mdb_dbi_open(txn, db, 0, &dbi), 0);
	cr_assert_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
	cr_assert_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

Test(store_history, a_damaged_history_is_data_loss_but_not_for_now)
{
	struct person *p = new_person("gil"), *got = calloc(1, sizeof(*got));
	struct history h;
	const uint8_t junk[] = { 0x0a, 0x03, 'g', 'i', 'l', 0x12, 0xff, 0xff };
	const uint8_t other[] = { 0x0a, 0x03, 'h', 'a', 'l' };

	grant(p, N0, N0 + DAY);
	open_store();
	cr_assert_eq(put_at(p, N0), STATUS_OK);
	store_close(&s);
	raw_put("history", "gil", junk, sizeof(junk));
	open_store();
	history_init(&h);
	cr_assert_eq(history_of("gil", &h), STATUS_DATA_LOSS);
	cr_assert_eq(check_read("gil", N0, N0 + 1, got, NULL),
	    STATUS_DATA_LOSS);
	cr_assert_eq(check_read("gil", N0, 0, got, NULL), STATUS_OK,
	    "a check at now reads no history");
	cr_assert_eq(got->n_clearances, 1);
	store_close(&s);
	raw_put("history", "gil", other, sizeof(other));
	open_store();
	cr_assert_eq(history_of("gil", &h), STATUS_DATA_LOSS,
	    "a history filed under another id");
	history_free(&h);
	free(p);
	free(got);
}

static void
raw_del(const char *db, const char *key)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { strlen(key), (void *)key };

	raw_env(&env, &txn);
	cr_assert_eq(mdb_dbi_open(txn, db, 0, &dbi), 0);
	cr_assert_eq(mdb_del(txn, dbi, &k, NULL), 0);
	cr_assert_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

Test(store_history, a_pending_entry_that_cannot_be_acted_on_is_dropped)
{
	struct person *p = new_person("ida"), *q = new_person("jan");
	struct person *got = calloc(1, sizeof(*got));
	const uint8_t junk[] = { 0x0a, 0x03, 'j', 'a', 'n', 0x12, 0xff };
	struct due d;

	open_store();
	cr_assert_eq(put_at(p, N0), STATUS_OK);
	cr_assert_eq(put_at(q, N0), STATUS_OK);
	cr_assert_eq(schedule_at(p, EVENT_LEAVER, N0 + 10, N0), STATUS_OK);
	cr_assert_eq(schedule_at(q, EVENT_LEAVER, N0 + 20, N0), STATUS_OK);
	store_close(&s);
	raw_del("people", "ida");	/* deleted, index left behind */
	raw_put("history", "jan", junk, sizeof(junk));	/* damaged */
	open_store();
	cr_assert_eq(store_next_scheduled(s), N0 + 10);
	run_due(&d, N0 + 30);
	cr_assert_eq(d.done, 0);
	cr_assert_eq(d.next, 0, "both entries dropped, not retried");
	cr_assert_eq(get_at("jan", N0 + 30, got), STATUS_DATA_LOSS,
	    "a read of the damaged one fails closed");
	free(p);
	free(q);
	free(got);
}

Test(store_history, a_full_history_refuses_a_change_but_never_a_leaver)
{
	struct person *p = new_person("kay");
	struct history h;
	struct event e;
	uint8_t *buf = NULL;
	size_t len;

	open_store();
	cr_assert_eq(put_at(p, N0), STATUS_OK);
	store_close(&s);
	history_init(&h);
	memset(&e, 0, sizeof(e));
	e.kind = EVENT_BRIEFED;
	strcpy(e.compartment, "X");
	for (int i = 0; i < HISTORY_MAX_EVENTS; i++) {
		e.at = N0 - 2000 + i;
		cr_assert_eq(history_add(&h, &e), 0);
	}
	cr_assert_eq(record_history_encode("kay", &h, &buf, &len), STATUS_OK);
	raw_put("history", "kay", buf, len);
	free(buf);
	open_store();
	p->status = PERSON_SUSPENDED;
	p->status_changed_at = N0 + 1;
	cr_assert_eq(put_at(p, N0 + 1), STATUS_RESOURCE_EXHAUSTED);
	p->status = PERSON_LEAVER;
	strcpy(p->status_reason, "left");
	cr_assert_eq(put_at(p, N0 + 1), STATUS_OK);
	h.n = 0;
	cr_assert_eq(history_of("kay", &h), STATUS_OK);
	cr_assert_eq(h.n, HISTORY_MAX_EVENTS + 1);
	cr_assert_eq(h.events[h.n - 1].kind, EVENT_LEAVER);
	history_free(&h);
	free(p);
}

static int
delete_fn(struct store_txn *t, void *arg)
{
	return store_person_delete(t, arg);
}

Test(store_history, a_purged_person_leaves_no_history_behind)
{
	struct person *p = new_person("lee");
	struct history h;
	struct due d;

	grant(p, N0, N0 + DAY);
	open_store();
	cr_assert_eq(put_at(p, N0), STATUS_OK);
	cr_assert_eq(schedule_at(p, EVENT_LEAVER, N0 + 10, N0), STATUS_OK);
	cr_assert_eq(store_write(s, delete_fn, "lee", NULL), STATUS_OK);
	history_init(&h);
	cr_assert_eq(history_of("lee", &h), STATUS_OK);
	cr_assert_eq(h.n, 0, "the events went with the record");
	run_due(&d, N0 + 20);
	cr_assert_eq(d.done, 0);
	cr_assert_eq(d.next, 0, "and so did the scheduled entry");
	cr_assert_eq(store_write(s, delete_fn, "lee", NULL),
	    STATUS_NOT_FOUND);
	history_free(&h);
	free(p);
}

/* The upgrade from schema 1. */

static void
copy_schema1(void)
{
	const char *root = getenv("VET_SOURCE_ROOT");
	char src[512], dst[256], buf[8192];
	ssize_t n;
	int in, out;

	cr_assert_not_null(root, "VET_SOURCE_ROOT is not set");
	snprintf(src, sizeof(src), "%s/tests/data/schema1/data.mdb", root);
	snprintf(dst, sizeof(dst), "%s/data.mdb", dir);
	cr_assert_eq(mkdir(dir, 0700), 0);
	cr_assert_geq(in = open(src, O_RDONLY), 0, "cannot open %s", src);
	cr_assert_geq(out = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0600), 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		cr_assert_eq(write(out, buf, (size_t)n), n);
	cr_assert_eq(n, 0);
	close(in);
	close(out);
}

static uint64_t
raw_schema(void)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { 6, "schema" }, v;
	uint64_t schema = 0;

	raw_env(&env, &txn);
	cr_assert_eq(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	cr_assert_eq(mdb_get(txn, dbi, &k, &v), 0);
	for (size_t i = 0; i < v.mv_size; i++)
		schema |= (uint64_t)((uint8_t *)v.mv_data)[i] << (8 * i);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return schema;
}

static void
assert_kinds(const char *id, size_t n, const enum event_kind *kinds)
{
	struct history h;

	history_init(&h);
	cr_assert_eq(history_of(id, &h), STATUS_OK);
	cr_assert_eq(h.n, n, "%s: %zu events, not %zu", id, h.n, n);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(h.events[i].kind, kinds[i], "%s event %zu: %s",
		    id, i, event_kind_name(h.events[i].kind));
		cr_assert_eq(h.events[i].recorded_at, 0, "not known");
	}
	history_free(&h);
}

Test(store_history, a_schema1_directory_is_upgraded_in_place)
{
	static const enum event_kind alice[] = { EVENT_CLEARANCE_GRANTED,
	    EVENT_BRIEFED };
	static const enum event_kind bob[] = { EVENT_CLEARANCE_GRANTED,
	    EVENT_CLEARANCE_SUSPENDED };
	static const enum event_kind carol[] = { EVENT_CLEARANCE_GRANTED,
	    EVENT_LEAVER };
	static const enum event_kind dave[] = { EVENT_PERSON_SUSPENDED };
	struct person *got = calloc(1, sizeof(*got));
	uint64_t people = 0;

	copy_schema1();
	cr_assert_eq(raw_schema(), 1);
	open_store();
	cr_assert_eq(store_migration(s, &people), 1);
	cr_assert_eq(people, 4);
	cr_assert_eq(store_schema(s), STORE_SCHEMA_VERSION);
	cr_assert_eq(store_revision(s), 12, "the upgrade is not a change "
	    "of any record");
	assert_kinds("alice", 2, alice);
	assert_kinds("bob", 2, bob);
	assert_kinds("carol", 2, carol);
	assert_kinds("dave", 1, dave);
	/* The records read as before. */
	cr_assert_eq(get_at("bob", N0, got), STATUS_OK);
	cr_assert_eq(got->clearances[0].status, CLEARANCE_SUSPENDED);
	cr_assert_str_eq(got->clearances[0].status_reason, "aftercare review");
	cr_assert_eq(get_at("carol", N0, got), STATUS_OK);
	cr_assert_eq(got->status, PERSON_LEAVER);
	/* And the history answers for the past: bob before his suspension. */
	cr_assert_eq(check_read("bob", N0, 1640995200, got, NULL), STATUS_OK);
	cr_assert_eq(got->clearances[0].status, CLEARANCE_GRANTED);
	store_close(&s);
	cr_assert_eq(raw_schema(), STORE_SCHEMA_VERSION);
	open_store();
	cr_assert_eq(store_migration(s, NULL), 0, "once only");
	assert_kinds("bob", 2, bob);
	free(got);
}

Test(store_history, a_damaged_schema1_record_stops_the_upgrade)
{
	struct store_options o = { .dir = dir };
	const uint8_t junk[] = { 0x0a, 0x05, 'a', 'l', 'i' };
	char err[512] = "";

	copy_schema1();
	raw_put("people", "bob", junk, sizeof(junk));
	cr_assert_eq(store_open(&o, &s, err, sizeof(err)), STATUS_DATA_LOSS);
	cr_assert_null(s);
	cr_assert_not_null(strstr(err, "person bob is damaged"), "%s", err);
	cr_assert_not_null(strstr(err, dir), "%s", err);
	cr_assert_eq(raw_schema(), 1, "left as it was");
}

Test(store_history, a_read_only_schema1_copy_opens_as_it_is)
{
	struct store_options ro = { .dir = dir, .read_only = 1 };
	struct person *p = new_person("hal"), *got = calloc(1, sizeof(*got));
	struct history h;
	char err[512] = "";
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	uint8_t one[4] = { 1, 0, 0, 0 };
	MDB_val k = { 6, "schema" }, v = { 4, one };

	/* A schema-1 store with every table but the history ones. */
	grant(p, N0, N0 + DAY);
	open_store();
	cr_assert_eq(put_at(p, N0), STATUS_OK);
	store_close(&s);
	raw_env(&env, &txn);
	cr_assert_eq(mdb_dbi_open(txn, "history", 0, &dbi), 0);
	cr_assert_eq(mdb_drop(txn, dbi, 1), 0);
	cr_assert_eq(mdb_dbi_open(txn, "pending", 0, &dbi), 0);
	cr_assert_eq(mdb_drop(txn, dbi, 1), 0);
	cr_assert_eq(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	cr_assert_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
	cr_assert_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);

	cr_assert_eq(store_open(&ro, &s, err, sizeof(err)), STATUS_OK, "%s",
	    err);
	cr_assert_eq(store_schema(s), 1);
	cr_assert_eq(store_migration(s, NULL), 0);
	cr_assert_eq(get_at("hal", N0, got), STATUS_OK);
	history_init(&h);
	cr_assert_eq(history_of("hal", &h), STATUS_OK);
	cr_assert_eq(h.n, 0);
	store_close(&s);
	open_store();
	cr_assert_eq(store_migration(s, NULL), 1, "upgraded when opened to "
	    "write");
	cr_assert_eq(history_of("hal", &h), STATUS_OK);
	cr_assert_eq(h.n, 1);
	cr_assert_eq(h.events[0].kind, EVENT_CLEARANCE_GRANTED);
	history_free(&h);
	free(p);
	free(got);
}
