/*
 * test_report_index.c: the reports over the indexes (server/report.c,
 * store_index_scan.c): pages that chain and end, a position from another
 * report refused, the cost (a report reads as many records as it has
 * rows, with 50 people or 20,000), a damaged index key reported as
 * DATA_LOSS, and a schema-1 data directory given its indexes at open.
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

#include "index_helpers.h"

TestSuite(index, .init = ix_setup, .fini = ix_teardown, .timeout = 120);

Test(index, pages_chain_and_end)
{
	struct store_txn *t;
	struct report rep;
	struct index_pos after = { 0 };
	struct rows r = { 0 };
	char all[16384] = "";
	int pages = 0;

	open_store();
	for (int i = 0; i < 5; i++) {
		char id[16];
		struct person *p;

		snprintf(id, sizeof(id), "q%d", i);
		p = person(id, T0 - DAY);
		grant(p, "nsv", "SC", T0 - DAY, T0 + (5 - i) * DAY);
		put(p, T0 - DAY);
		free(p);
	}
	do {
		cr_assert_eq(store_read_begin(s, &t), STATUS_OK);
		cr_assert_eq(report_init(&rep, t, T0, 2), 0);
		memset(&r, 0, sizeof(r));
		cr_assert_eq(report_due(&rep, &after, T0 + 30 * DAY, due_row,
		    &r), STATUS_OK);
		store_read_end(t);
		cr_assert_leq(r.n, 2);
		cr_assert_leq(rep.stats.records_read, 2);
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s%s",
		    *all != '\0' ? " " : "", r.text);
		after = rep.last;
		pages++;
		report_fini(&rep);
	} while (rep.more);
	cr_assert_eq(pages, 3);
	cr_assert_str_eq(all, "q4/nsv@1 q3/nsv@2 q2/nsv@3 q1/nsv@4 q0/nsv@5");

	/* A position from another compartment is not a page of this one. */
	struct index_pos bogus = { .len = 3, .key = "ZZ" };
	cr_assert_eq(store_read_begin(s, &t), STATUS_OK);
	cr_assert_eq(report_init(&rep, t, T0, 2), 0);
	cr_assert_eq(report_holders(&rep, "ATOMAL", &bogus, holder_row, &r),
	    STATUS_INVALID_ARGUMENT);
	store_read_end(t);
	report_fini(&rep);
}


struct bulk {
	size_t	n;
	size_t	due, unvetted, holders;
};

/* bulk_fn writes n people: due of them due within 90 days, unvetted of
 * them without a clearance, holders briefed into ATOMAL; the rest hold a
 * clearance due in five years. */
static int
bulk_fn(struct store_txn *t, void *arg)
{
	const struct bulk *b = arg;
	struct person *p = person("x", T0 - DAY);
	int rv = STATUS_OK;

	for (size_t i = 0; i < b->n && rv == STATUS_OK; i++) {
		snprintf(p->id, sizeof(p->id), "bulk%06zu", i);
		p->n_clearances = 0;
		p->n_briefings = 0;
		if (i >= b->unvetted)
			grant(p, "nsv", "SC", T0 - DAY, i < b->unvetted + b->due ?
			    T0 + (vtime)(i % 80 + 1) * DAY : T0 + 5 * 365 * DAY);
		if (i % (b->n / b->holders) == 0)
			brief(p, "ATOMAL", T0 - DAY, 0);
		rv = store_person_put(t, p);
	}
	free(p);
	return rv;
}

/* cost runs the three paged reports on a store of b->n people. */
static void
cost(const struct bulk *b)
{
	struct report_stats st;
	struct rows r;

	open_store();
	cr_assert_eq(store_write(s, bulk_fn, (void *)b, NULL), STATUS_OK);
	st = run(DUE, T0, 90 * DAY, NULL, &r);
	cr_assert_eq(r.n, b->due);
	cr_assert_eq(st.records_read, b->due, "%zu people: due read %llu "
	    "records for %zu rows", b->n,
	    (unsigned long long)st.records_read, r.n);
	cr_assert_eq(st.index_entries, b->due);
	st = run(UNVETTED, T0, 0, NULL, &r);
	cr_assert_eq(r.n, b->unvetted);
	cr_assert_eq(st.records_read, b->unvetted);
	st = run(HOLDERS, T0, 0, "ATOMAL", &r);
	cr_assert_eq(r.n, b->holders);
	cr_assert_eq(st.records_read, b->holders);
	store_close(&s);
}

Test(index, a_report_reads_as_many_records_as_it_has_rows)
{
	struct bulk small = { .n = 50, .due = 4, .unvetted = 3, .holders = 2 };
	struct bulk big = { .n = 20000, .due = 4, .unvetted = 3,
	    .holders = 2 };

	cost(&small);
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	cost(&big);
}


Test(index, a_damaged_key_is_data_loss_not_a_crash)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { 3, "d\x01\x02" }, none = { 0, NULL };
	struct store_txn *t;
	struct report rep;
	struct rows r;

	open_store();
	seed();
	store_close(&s);
	cr_assert_eq(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 16);
	cr_assert_eq(mdb_env_open(env, dir, 0, 0600), 0);
	cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	cr_assert_eq(mdb_dbi_open(txn, "indexes", 0, &dbi), 0);
	cr_assert_eq(mdb_put(txn, dbi, &k, &none, 0), 0);
	cr_assert_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);

	open_store();
	cr_assert_eq(store_read_begin(s, &t), STATUS_OK);
	cr_assert_eq(report_init(&rep, t, T0, 100), 0);
	cr_assert_eq(report_due(&rep, NULL, T0 + 365 * DAY, due_row, &r),
	    STATUS_DATA_LOSS);
	store_read_end(t);
	report_fini(&rep);
}

/* The data directory schema 1 wrote (tests/data/schema1/README.md). */

Test(index, a_schema1_directory_gets_its_indexes)
{
	const char *root = getenv("VET_SOURCE_ROOT");
	char src[512], dst[256], buf[65536];
	int in, out;
	ssize_t n;
	vtime now = 1796083200;		/* 2026-12-01 */

	cr_assert_not_null(root, "VET_SOURCE_ROOT is not set");
	snprintf(src, sizeof(src), "%s/tests/data/schema1/data.mdb", root);
	snprintf(dst, sizeof(dst), "%s/data.mdb", dir);
	cr_assert_eq(mkdir(dir, 0700), 0);
	cr_assert_geq(in = open(src, O_RDONLY), 0, "%s", src);
	cr_assert_geq(out = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0600), 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		cr_assert_eq(write(out, buf, (size_t)n), n);
	close(in);
	close(out);

	open_store();
	struct rows r;

	/* Review dates are absolute here: print them as dates. */
	run(DUE, now, 6 * 365 * DAY, NULL, &r);
	cr_assert_eq(r.n, 2, "%s", r.text);
	cr_assert(strncmp(r.text, "alice/nsv@", 10) == 0, "%s", r.text);
	cr_assert(strstr(r.text, " bob/police@") != NULL, "%s", r.text);
	cr_assert(strstr(r.text, "S") != NULL, "bob's is suspended: %s",
	    r.text);
	expect(HOLDERS, now, "ATOMAL", "alice");
	run(UNVETTED, now, 0, NULL, &r);
	cr_assert(strncmp(r.text, "bob:suspended@", 14) == 0, "%s", r.text);
	cr_assert_eq(r.n, 1);
	run(COUNTERS, now, 0, NULL, &r);
	cr_assert_str_eq(r.text, "P1=2 P2=1 P3=1 nsv/DV/4=1 nsv/SC/1=1 "
	    "police/NPPV3/2=1 J4 L1 W0");
}

