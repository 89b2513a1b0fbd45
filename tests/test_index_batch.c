/*
 * test_index_batch.c: the bulk path of the report indexes
 * (server/store_index_batch.c), on real LMDB stores: a batch leaves the
 * index table byte for byte as writing the same people one at a time
 * does (new people, then updates that move, remove and count entries,
 * into an empty table and into a full one); the entries are written at
 * the batch's end, not before; a write that fails drops its batch and
 * leaves nothing behind, and the next batch writes what one-at-a-time
 * writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "index_helpers.h"

TestSuite(index_batch, .init = ix_setup, .fini = ix_teardown,
    .timeout = 120);

#define NPEOPLE	400

static const char *compartments[] = { "ATOMAL", "ZIRCON", "UMBRA" };

static struct clearance *
find(struct person *p, const char *scheme)
{
	for (size_t i = 0; i < p->n_clearances; i++)
		if (strcmp(p->clearances[i].scheme, scheme) == 0)
			return &p->clearances[i];
	return NULL;
}

/* population: person i as round r writes it (r 0: new; r 1: changed),
 * written at `at`. Review dates scatter, as a register's do. */
static struct person *
population(size_t i, int r, vtime at)
{
	char id[32];
	struct person *p;
	struct clearance *c;
	vtime created = T0 - (vtime)(1000 + i % 700) * DAY;

	snprintf(id, sizeof(id), "p%05zu", (i * 7919) % 100000);
	p = person(id, created);
	if (i % 5 != 0) {
		c = grant(p, "nsv", i % 3 ? "SC" : "DV", created,
		    T0 + (vtime)((i * 37) % 900) * DAY - 300 * DAY);
		if (i % 11 == 0)
			c->status = CLEARANCE_SUSPENDED;
	}
	if (i % 4 == 0)
		grant(p, "fv", "MV", created, T0 + (vtime)(i % 400) * DAY);
	if (i % 3 == 0)
		brief(p, compartments[i % 3 == 0 ? (i / 3) % 3 : 0],
		    created + DAY, i % 6 == 0 ? T0 + 30 * DAY : 0);
	if (r == 1) {
		if (i % 7 == 0 && (c = find(p, "nsv")) != NULL) {
			c->status = CLEARANCE_WITHDRAWN;
			c->status_changed_at = at - DAY;
		}
		if (i % 9 == 0 && (c = find(p, "fv")) != NULL)
			c->review_due += 100 * DAY;
		if (i % 13 == 0) {
			for (size_t k = 0; k < p->n_clearances; k++)
				if (p->clearances[k].status ==
				    CLEARANCE_GRANTED ||
				    p->clearances[k].status ==
				    CLEARANCE_SUSPENDED) {
					p->clearances[k].status =
					    CLEARANCE_LAPSED;
					p->clearances[k].status_changed_at =
					    at - DAY;
				}
			for (size_t k = 0; k < p->n_briefings; k++)
				p->briefings[k].debriefed_at = at - DAY;
			p->status = PERSON_LEAVER;
			p->status_changed_at = at - DAY;
		}
	}
	p->updated_at = at;
	return p;
}

struct round {
	int	r;
	vtime	at;
	size_t	from, to;
	int	batch;			/* 1: begin, all, end */
	int	fail;			/* drop the batch, INVALID_ARGUMENT */
};

static int
round_fn(struct store_txn *t, void *arg)
{
	const struct round *rd = arg;
	struct index_batch *b = NULL;
	struct person *p;
	int rv;

	if (rd->batch && (rv = store_index_batch_begin(t, &b)) != STATUS_OK)
		return rv;
	for (size_t i = rd->from; i < rd->to; i++) {
		p = population(i, rd->r, rd->at);
		rv = rd->batch ? store_person_put_batch(t, p, b) :
		    store_person_put(t, p);
		free(p);
		if (rv != STATUS_OK) {
			store_index_batch_free(&b);
			return rv;
		}
	}
	if (rd->fail) {
		store_index_batch_free(&b);
		cr_assert_null(b);
		return STATUS_INVALID_ARGUMENT;
	}
	return rd->batch ? store_index_batch_end(t, &b) : STATUS_OK;
}

/* write_round: people [from, to) of round r, in one write txn or (batch
 * 0) one txn each. */
static void
write_round(int r, vtime at, size_t from, size_t to, int batch)
{
	struct round rd = { r, at, from, to, batch, 0 };

	if (batch) {
		cr_assert_eq(store_write(s, round_fn, &rd, NULL), STATUS_OK);
		return;
	}
	for (size_t i = from; i < to; i++) {
		rd.from = i;
		rd.to = i + 1;
		cr_assert_eq(store_write(s, round_fn, &rd, NULL), STATUS_OK,
		    "person %zu", i);
	}
}

/* build: the store in dir named n, written as `batch` says; its dump. */
static char *
build(const char *n, int batch)
{
	snprintf(dir, sizeof(dir), "%s/%s", tmpdir, n);
	open_store();
	write_round(0, T0 - 200 * DAY, 0, NPEOPLE / 2, batch);
	/* Into a table that holds entries before and after these. */
	write_round(0, T0 - 150 * DAY, NPEOPLE / 2, NPEOPLE, batch);
	write_round(1, T0 - 100 * DAY, 0, NPEOPLE, batch);
	return dump();
}

Test(index_batch, a_batch_writes_the_bytes_one_at_a_time_does)
{
	char *one = build("one", 0), *bulk = build("bulk", 1);
	struct rows r;

	cr_assert_gt(strlen(one), 1000);
	cr_assert_str_eq(bulk, one);
	free(one);
	free(bulk);
	/* And the reports over it read. */
	open_store();
	run(DUE, T0, 365 * DAY, NULL, &r);
	cr_assert_gt(r.n, 50);
	run(UNVETTED, T0, 0, NULL, &r);
	cr_assert_gt(r.n, 50);
}

/* The due entries, in the writer's own txn, before and after the end. */
static size_t seen;

static int
count_due(const struct index_due *e, void *arg)
{
	(void)e;
	(void)arg;
	seen++;
	return 0;
}

static size_t
due_now(struct store_txn *t)
{
	seen = 0;
	cr_assert_eq(store_index_due_scan(t, NULL, T0 + (vtime)3650 * DAY,
	    count_due, NULL), STATUS_OK);
	return seen;
}

static int
end_fn(struct store_txn *t, void *arg)
{
	size_t *counts = arg;
	struct index_batch *b;
	struct person *p;
	int rv;

	cr_assert_eq(store_index_batch_begin(t, &b), STATUS_OK);
	for (size_t i = 0; i < 20; i++) {
		p = population(i * 4 + 1, 0, T0 - 10 * DAY);
		cr_assert_eq(store_person_put_batch(t, p, b), STATUS_OK);
		free(p);
	}
	counts[0] = due_now(t);
	rv = store_index_batch_end(t, &b);
	cr_assert_null(b);
	counts[1] = due_now(t);
	/* Ended: nothing left to end. */
	cr_assert_eq(store_index_batch_end(t, &b), STATUS_INTERNAL);
	return rv;
}

/* live_clearances: the due entries people [from, to) of end_fn hold. */
static size_t
live_clearances(size_t from, size_t to)
{
	struct person *p;
	size_t n = 0;

	for (size_t i = from; i < to; i++) {
		p = population(i * 4 + 1, 0, T0 - 10 * DAY);
		for (size_t k = 0; k < p->n_clearances; k++)
			n += p->clearances[k].status == CLEARANCE_GRANTED ||
			    p->clearances[k].status == CLEARANCE_SUSPENDED;
		free(p);
	}
	return n;
}

Test(index_batch, the_entries_are_written_at_the_end)
{
	size_t counts[2] = { 99, 99 }, all = live_clearances(0, 20);
	struct rows r;

	cr_assert_gt(all, 5);
	open_store();
	cr_assert_eq(store_write(s, end_fn, counts, NULL), STATUS_OK);
	cr_assert_eq(counts[0], 0);
	cr_assert_eq(counts[1], all);
	run(DUE, T0, (vtime)3650 * DAY, NULL, &r);
	cr_assert_eq(r.n, all, "%s", r.text);
}

Test(index_batch, a_failed_write_leaves_nothing_and_the_next_works)
{
	struct round bad = { 0, T0 - 200 * DAY, 0, 50, 1, 1 };
	char *empty, *after, *one;

	open_store();
	cr_assert_eq(store_write(s, round_fn, &bad, NULL),
	    STATUS_INVALID_ARGUMENT);
	empty = dump();
	cr_assert_str_eq(empty, "");
	open_store();
	write_round(0, T0 - 200 * DAY, 0, 50, 1);
	after = dump();
	snprintf(dir, sizeof(dir), "%s/one", tmpdir);
	open_store();
	write_round(0, T0 - 200 * DAY, 0, 50, 0);
	one = dump();
	cr_assert_str_eq(after, one);
	free(empty);
	free(after);
	free(one);
}
