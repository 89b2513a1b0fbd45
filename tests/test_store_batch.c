/*
 * test_store_batch.c: group commit (store_write_batch) on real LMDB
 * files: each write gets its own revision in order; a failed or unchanged
 * write aborts only its own nested transaction and the others commit;
 * a later write sees an earlier one of the same batch; a full map is
 * grown and the whole batch run again; everything survives a reopen; and
 * the check path's partial decode reads what the full one reads.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "status.h"
#include "store.h"

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
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vetd-batch-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	snprintf(dir, sizeof(dir), "%s/data", tmpdir);
}

static void
teardown(void)
{
	store_close(&s);
	nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(batch, .init = setup, .fini = teardown, .timeout = 60);

static void
open_store(size_t map_size)
{
	struct store_options o = { .dir = dir, .map_size = map_size };
	char err[256];

	cr_assert_eq(store_open(&o, &s, err, sizeof(err)), STATUS_OK, "%s",
	    err);
}

/* What one write of a batch does. */
struct job {
	const char *id;
	const char *name;
	int	fail;		/* return this status after writing */
	int	unchanged;	/* mark the txn unchanged */
	const char *needs;	/* must already exist (earlier in the batch) */
	size_t	bulk;		/* write this many extra people (map growth) */
	uint64_t seen_revision;
	int	runs;
};

static struct person scratch;

static int
job_fn(struct store_txn *t, void *arg)
{
	struct job *j = arg;
	int rv;

	j->runs++;
	j->seen_revision = store_txn_revision(t);
	if (j->needs != NULL &&
	    (rv = store_person_get(t, j->needs, &scratch)) != STATUS_OK)
		return rv;
	memset(&scratch, 0, sizeof(scratch));
	snprintf(scratch.id, sizeof(scratch.id), "%s", j->id);
	snprintf(scratch.display_name, sizeof(scratch.display_name), "%s",
	    j->name);
	scratch.status = PERSON_ACTIVE;
	scratch.source = SOURCE_MANUAL;
	if ((rv = store_person_put(t, &scratch)) != STATUS_OK)
		return rv;
	for (size_t i = 0; i < j->bulk; i++) {
		snprintf(scratch.id, sizeof(scratch.id), "%s-%05zu", j->id, i);
		memset(scratch.status_reason, 'x', 400);
		if ((rv = store_person_put(t, &scratch)) != STATUS_OK)
			return rv;
	}
	if (j->unchanged)
		store_txn_mark_unchanged(t);
	return j->fail;
}

static int
run_batch(struct job *jobs, size_t n, int *results, uint64_t *revisions)
{
	store_write_fn fns[16];
	void *args[16];

	cr_assert(n <= 16);
	for (size_t i = 0; i < n; i++) {
		fns[i] = job_fn;
		args[i] = &jobs[i];
	}
	return store_write_batch(s, fns, args, n, results, revisions);
}

static int
exists(const char *id)
{
	struct store_txn *t;
	int rv;

	cr_assert_eq(store_read_begin(s, &t), STATUS_OK);
	rv = store_person_get(t, id, &scratch);
	store_read_end(t);
	cr_assert(rv == STATUS_OK || rv == STATUS_NOT_FOUND, "status %d", rv);
	return rv == STATUS_OK;
}

Test(batch, each_write_its_own_revision_in_order)
{
	struct job jobs[3] = {
		{ .id = "a", .name = "A" },
		{ .id = "b", .name = "B", .needs = "a" },
		{ .id = "c", .name = "C", .needs = "b" },
	};
	int results[3];
	uint64_t revs[3];

	open_store(0);
	cr_assert_eq(store_revision(s), 0);
	cr_assert_eq(run_batch(jobs, 3, results, revs), STATUS_OK);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(results[i], STATUS_OK, "write %d: %d", i,
		    results[i]);
		cr_assert_eq(revs[i], (uint64_t)i + 1);
		cr_assert_eq(jobs[i].seen_revision, (uint64_t)i + 1);
	}
	cr_assert_eq(store_revision(s), 3);
	cr_assert(exists("a") && exists("b") && exists("c"));

	/* Durable: a reopen finds all three and the revision. */
	store_close(&s);
	open_store(0);
	cr_assert_eq(store_revision(s), 3);
	cr_assert(exists("a") && exists("b") && exists("c"));
}

Test(batch, a_failed_write_aborts_only_itself)
{
	struct job jobs[4] = {
		{ .id = "ok1", .name = "One" },
		{ .id = "bad", .name = "Bad", .fail = STATUS_FAILED_PRECONDITION },
		{ .id = "ok2", .name = "Two" },
		{ .id = "orphan", .name = "Orphan", .needs = "bad" },
	};
	int results[4];
	uint64_t revs[4];

	open_store(0);
	cr_assert_eq(run_batch(jobs, 4, results, revs), STATUS_OK);
	cr_assert_eq(results[0], STATUS_OK);
	cr_assert_eq(results[1], STATUS_FAILED_PRECONDITION);
	cr_assert_eq(results[2], STATUS_OK);
	cr_assert_eq(results[3], STATUS_NOT_FOUND,
	    "a write saw another's aborted change");
	cr_assert_eq(revs[0], 1);
	cr_assert_eq(revs[1], 1, "a failed write takes no revision");
	cr_assert_eq(revs[2], 2);
	cr_assert_eq(revs[3], 2);
	cr_assert_eq(store_revision(s), 2);
	cr_assert(exists("ok1"));
	cr_assert(!exists("bad"), "the failed write was kept");
	cr_assert(exists("ok2"));
	cr_assert(!exists("orphan"));
}

Test(batch, unchanged_writes_keep_the_revision)
{
	struct job jobs[3] = {
		{ .id = "same", .name = "Same", .unchanged = 1 },
		{ .id = "new", .name = "New" },
		{ .id = "same2", .name = "Same", .unchanged = 1 },
	};
	int results[3];
	uint64_t revs[3];

	open_store(0);
	cr_assert_eq(run_batch(jobs, 3, results, revs), STATUS_OK);
	cr_assert_eq(results[0], STATUS_OK);
	cr_assert_eq(revs[0], 0);
	cr_assert_eq(revs[1], 1);
	cr_assert_eq(revs[2], 1);
	cr_assert_eq(store_revision(s), 1);
	cr_assert(!exists("same"), "an unchanged write was committed");
	cr_assert(exists("new"));

	/* A batch where nothing changes leaves the revision alone. */
	jobs[1].unchanged = 1;
	jobs[1].id = "new-again";
	cr_assert_eq(run_batch(jobs, 3, results, revs), STATUS_OK);
	cr_assert_eq(store_revision(s), 1);
	cr_assert(!exists("new-again"));
}

Test(batch, a_full_map_grows_and_runs_every_write_again)
{
	struct job jobs[3] = {
		{ .id = "g1", .name = "G1", .bulk = 1500 },
		{ .id = "g2", .name = "G2", .bulk = 1500 },
		{ .id = "g3", .name = "G3", .needs = "g2" },
	};
	int results[3];
	uint64_t revs[3];

	open_store(1024 * 1024);
	cr_assert_eq(store_map_size(s), 1024 * 1024);
	cr_assert_eq(run_batch(jobs, 3, results, revs), STATUS_OK);
	cr_assert_gt(store_map_size(s), 1024 * 1024, "the map did not grow");
	cr_assert_gt(jobs[0].runs, 1, "the batch was not run again");
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(results[i], STATUS_OK, "write %d: %d", i,
		    results[i]);
		cr_assert_eq(revs[i], (uint64_t)i + 1);
	}
	cr_assert(exists("g1-01499") && exists("g2-01499") && exists("g3"));
	cr_assert_eq(store_revision(s), 3);
}

Test(batch, partial_decode_reads_what_the_full_one_reads)
{
	struct job job = { .id = "p", .name = "Partial Person" };
	struct person *full = calloc(1, sizeof(*full));
	struct person *used = malloc(sizeof(*used));
	struct store_txn *t;
	int result;
	uint64_t rev;

	cr_assert(full != NULL && used != NULL);
	open_store(0);
	cr_assert_eq(run_batch(&job, 1, &result, &rev), STATUS_OK);
	/* Garbage where the unused entries are: left alone, and never read. */
	memset(used, 0xa5, sizeof(*used));
	cr_assert_eq(store_read_begin(s, &t), STATUS_OK);
	cr_assert_eq(store_person_get(t, "p", full), STATUS_OK);
	cr_assert_eq(store_person_get_rule(t, "p", used), STATUS_OK);
	cr_assert_eq(store_person_get_rule(t, "nobody", used),
	    STATUS_NOT_FOUND);
	store_read_end(t);
	/* What the rule reads, as the whole decode has it; the rest empty. */
	cr_assert_str_eq(used->id, full->id);
	cr_assert_str_eq(used->nationality, full->nationality);
	cr_assert_eq(used->status, full->status);
	cr_assert_eq(used->updated_at, full->updated_at);
	cr_assert_eq(used->n_clearances, 0);
	cr_assert_eq(used->n_briefings, 0);
	cr_assert_str_eq(full->display_name, "Partial Person");
	cr_assert_str_eq(used->display_name, "");
	free(full);
	free(used);
}
