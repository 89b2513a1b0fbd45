/*
 * index_helpers.c: what the report index tests share (index_helpers.h):
 * a store in a temp directory, people written through store_person_put,
 * the reports run at a chosen "now" into one line of text, and the raw
 * index table read or damaged with the store closed.
 */
#include <sys/stat.h>

#include <ftw.h>
#include <lmdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "index_helpers.h"

char tmpdir[64];
char dir[128];
struct store *s;

int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
ix_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vetd-index-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	snprintf(dir, sizeof(dir), "%s/data", tmpdir);
}

void
ix_teardown(void)
{
	store_close(&s);
	nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

void
open_store(void)
{
	struct store_options o = { .dir = dir };
	char err[512] = "";
	int rv;

	rv = store_open(&o, &s, err, sizeof(err));
	cr_assert_eq(rv, STATUS_OK, "store_open: %s (%s)", err,
	    status_name(rv));
}

/* Writing people. */

struct person *
person(const char *id, vtime written)
{
	struct person *p;

	cr_assert_not_null(p = calloc(1, sizeof(*p)));
	snprintf(p->id, sizeof(p->id), "%s", id);
	snprintf(p->display_name, sizeof(p->display_name), "Person %s", id);
	snprintf(p->org_unit, sizeof(p->org_unit), "Unit %c", id[0]);
	p->status = PERSON_ACTIVE;
	p->source = SOURCE_MANUAL;
	p->created_at = written;
	p->updated_at = written;
	p->status_changed_at = written;
	return p;
}

struct clearance *
grant(struct person *p, const char *scheme, const char *level,
    vtime granted, vtime review_due)
{
	struct clearance *c = NULL;

	for (size_t i = 0; i < p->n_clearances; i++)
		if (strcmp(p->clearances[i].scheme, scheme) == 0)
			c = &p->clearances[i];
	if (c == NULL)
		c = &p->clearances[p->n_clearances++];
	memset(c, 0, sizeof(*c));
	snprintf(c->scheme, sizeof(c->scheme), "%s", scheme);
	snprintf(c->level, sizeof(c->level), "%s", level);
	c->granted_at = granted;
	c->review_due = review_due;
	c->status = CLEARANCE_GRANTED;
	c->status_changed_at = granted;
	return c;
}

void
brief(struct person *p, const char *compartment, vtime at, vtime expires)
{
	struct briefing *b = &p->briefings[p->n_briefings++];

	memset(b, 0, sizeof(*b));
	snprintf(b->compartment, sizeof(b->compartment), "%s", compartment);
	b->briefed_at = at;
	b->expires_at = expires;
}

static int
put_fn(struct store_txn *t, void *arg)
{
	return store_person_put(t, arg);
}

void
put(struct person *p, vtime at)
{
	p->updated_at = at;
	cr_assert_eq(store_write(s, put_fn, p, NULL), STATUS_OK, "put %s",
	    p->id);
}

/* Reading the reports into "id/scheme@date" strings. */

void
add(struct rows *r, const char *fmt, ...)
{
	size_t used = strlen(r->text);
	va_list ap;

	if (used > 0)
		used += (size_t)snprintf(r->text + used, sizeof(r->text) - used,
		    " ");
	va_start(ap, fmt);
	vsnprintf(r->text + used, sizeof(r->text) - used, fmt, ap);
	va_end(ap);
	r->n++;
}

int
due_row(const struct report_due_row *row, void *arg)
{
	add(arg, "%s/%s@%lld%s%s", row->person->id, row->clearance->scheme,
	    (long long)((row->clearance->review_due - T0) / DAY),
	    row->clearance->status == CLEARANCE_SUSPENDED ? "S" : "",
	    row->overdue ? "!" : "");
	return 0;
}

int
holder_row(const struct report_holder_row *row, void *arg)
{
	add(arg, "%s%s", row->person->id, row->state == HOLDER_EXPIRED ?
	    "(expired)" : row->state == HOLDER_PENDING ? "(pending)" : "");
	return 0;
}

static int
unvetted_row(const struct report_unvetted_row *row, void *arg)
{
	const char *why = row->reason == REASON_NO_CLEARANCE ? "none" :
	    row->reason == REASON_CLEARANCE_EXPIRED ? "expired" :
	    row->reason == REASON_CLEARANCE_SUSPENDED ? "suspended" :
	    row->reason == REASON_CLEARANCE_WITHDRAWN ? "withdrawn" : "?";

	if (row->since == 0)
		add(arg, "%s:%s", row->person->id, why);
	else
		add(arg, "%s:%s@%lld", row->person->id, why,
		    (long long)((row->since - T0) / DAY));
	return 0;
}

static int
counter_row(const struct index_counter *c, void *arg)
{
	if (c->clearance)
		add(arg, "%s/%s/%d=%llu", c->scheme, c->level,
		    (int)c->clearance_status, (unsigned long long)c->count);
	else
		add(arg, "P%d=%llu", (int)c->person_status,
		    (unsigned long long)c->count);
	return 0;
}

/* run: one report at now (due: until now + within), pages of 1000. */
struct report_stats
run(enum which w, vtime now, vtime within, const char *compartment,
    struct rows *r)
{
	struct store_txn *t;
	struct report rep;
	struct report_activity a;
	int rv = STATUS_OK;

	memset(r, 0, sizeof(*r));
	cr_assert_eq(store_read_begin(s, &t), STATUS_OK);
	cr_assert_eq(report_init(&rep, t, now, 1000), 0);
	switch (w) {
	case DUE:
		rv = report_due(&rep, NULL, now + within, due_row, r);
		break;
	case HOLDERS:
		rv = report_holders(&rep, compartment, NULL, holder_row, r);
		break;
	case UNVETTED:
		rv = report_unvetted(&rep, NULL, unvetted_row, r);
		break;
	case COUNTERS:
		rv = report_summary(&rep, 1, now + 1, counter_row, r, &a);
		add(r, "J%llu L%llu W%llu", (unsigned long long)a.joiners,
		    (unsigned long long)a.leavers,
		    (unsigned long long)a.withdrawals);
		break;
	}
	cr_assert_eq(rv, STATUS_OK, "report %d: %s", (int)w, status_name(rv));
	cr_assert_eq(rep.more, 0);
	store_read_end(t);
	report_fini(&rep);
	return rep.stats;
}

void
expect(enum which w, vtime now, const char *compartment, const char *want)
{
	struct rows r;

	run(w, now, 365 * DAY, compartment, &r);
	cr_assert_str_eq(r.text, want, "report %d at %+lld days: \"%s\", "
	    "wanted \"%s\"", (int)w, (long long)((now - T0) / DAY), r.text,
	    want);
}

/* dump reads the whole index table's keys and values, with the store
 * closed, as hex lines. */
char *
dump(void)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_cursor *c;
	MDB_val k, v;
	char *out = NULL;
	size_t size = 0;
	FILE *f;

	store_close(&s);
	cr_assert_not_null(f = open_memstream(&out, &size));
	cr_assert_eq(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	cr_assert_eq(mdb_env_open(env, dir, MDB_RDONLY, 0600), 0);
	cr_assert_eq(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	cr_assert_eq(mdb_dbi_open(txn, "indexes", 0, &dbi), 0);
	cr_assert_eq(mdb_cursor_open(txn, dbi, &c), 0);
	while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0) {
		for (size_t i = 0; i < k.mv_size; i++)
			fprintf(f, "%02x", ((uint8_t *)k.mv_data)[i]);
		fputc('=', f);
		for (size_t i = 0; i < v.mv_size; i++)
			fprintf(f, "%02x", ((uint8_t *)v.mv_data)[i]);
		fputc('\n', f);
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	fclose(f);
	return out;
}

/* forget removes the index format mark, and with drop the table too, as
 * a store written before the indexes would be. */
void
forget(int drop)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi, meta;
	MDB_val k = { 12, "index_format" };

	store_close(&s);
	cr_assert_eq(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	cr_assert_eq(mdb_env_open(env, dir, 0, 0600), 0);
	cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	cr_assert_eq(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	cr_assert_eq(mdb_del(txn, meta, &k, NULL), 0);
	if (drop) {
		cr_assert_eq(mdb_dbi_open(txn, "indexes", 0, &dbi), 0);
		cr_assert_eq(mdb_drop(txn, dbi, 1), 0);
	}
	cr_assert_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

/* clearance_of finds p's clearance in scheme. */
struct clearance *
clearance_of(struct person *p, const char *scheme)
{
	for (size_t i = 0; i < p->n_clearances; i++)
		if (strcmp(p->clearances[i].scheme, scheme) == 0)
			return &p->clearances[i];
	cr_assert_fail("%s holds no %s clearance", p->id, scheme);
	return NULL;
}


void
seed(void)
{
	struct person *p;

	p = person("p1", T0 - 400 * DAY);
	grant(p, "nsv", "SC", T0 - 300 * DAY, T0 + 20 * DAY);
	grant(p, "police", "NPPV3", T0 - 300 * DAY, T0 - 3 * DAY);
	brief(p, "ATOMAL", T0 - 200 * DAY, 0);
	put(p, T0 - 200 * DAY);
	free(p);
	p = person("p2", T0 - 300 * DAY);
	put(p, T0 - 300 * DAY);
	grant(p, "nsv", "DV", T0 - 250 * DAY, T0 + 900 * DAY);
	put(p, T0 - 250 * DAY);
	p->clearances[0].status = CLEARANCE_WITHDRAWN;
	p->clearances[0].status_changed_at = T0 - 100 * DAY;
	put(p, T0 - 100 * DAY);
	free(p);
	p = person("p3", T0 - 200 * DAY);
	grant(p, "nsv", "BPSS", T0 - 200 * DAY, T0 + 60 * DAY);
	brief(p, "ATOMAL", T0 - 150 * DAY, T0 + 100 * DAY);
	put(p, T0 - 150 * DAY);
	p->status = PERSON_LEAVER;
	p->status_changed_at = T0 - 20 * DAY;
	p->clearances[0].status = CLEARANCE_LAPSED;
	p->clearances[0].status_changed_at = T0 - 20 * DAY;
	p->briefings[0].debriefed_at = T0 - 20 * DAY;
	put(p, T0 - 20 * DAY);
	free(p);
	p = person("p4", T0 - 10 * DAY);
	p->status = PERSON_SUSPENDED;
	put(p, T0 - 10 * DAY);
	free(p);
	p = person("p5", T0 - 90 * DAY);
	grant(p, "nsv", "SC", T0 - 80 * DAY, T0 + 500 * DAY);
	put(p, T0 - 80 * DAY);
	p->clearances[0].status = CLEARANCE_WITHDRAWN;
	p->clearances[0].status_changed_at = T0 - 60 * DAY;
	put(p, T0 - 60 * DAY);
	grant(p, "nsv", "SC", T0 - 50 * DAY, T0 + 400 * DAY);
	put(p, T0 - 50 * DAY);
	free(p);
}

void
expect_seeded(void)
{
	expect(DUE, T0, NULL, "p1/police@-3! p1/nsv@20");
	expect(HOLDERS, T0, "ATOMAL", "p1");
	/* p4 is suspended, so not "active people" (the index keeps her). */
	expect(UNVETTED, T0, NULL, "p2:withdrawn@-100");
	/* p5's withdrawal counts though she holds a clearance again. */
	expect(COUNTERS, T0, NULL, "P1=3 P2=1 P3=1 nsv/BPSS/4=1 nsv/DV/3=1 "
	    "nsv/SC/1=2 police/NPPV3/1=1 J5 L1 W2");
}

