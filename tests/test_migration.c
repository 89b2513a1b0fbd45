/*
 * test_migration.c: the current vetd on a data directory the previous
 * version wrote (tests/data/schema1, store schema 1; its README says what
 * it holds). The test copies it to a temporary directory, never touching
 * the original, starts vetd on the copy, and expects the upgrade in place:
 * the same answers and records as before, each person's history rebuilt
 * from their record, writes working, and no second upgrade on restart.
 */
#include <sys/stat.h>

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vet/vet.h>

#include "fixture.h"

#define WRITTEN_AT	1795486879	/* 2026-11-24T02:21:19Z */
#define JAN_2022	1640995200
#define GRANTED_2020	1593475200	/* 2020-06-30 */
#define DUE_2030	1909008000	/* 2030-06-30 */
#define EXPIRES_2029	1861920000	/* 2029-01-01 */
#define DUE_2040	2224972800LL	/* 2040-07-04 */

static struct vetd_proc vetd;
static vet_client *client;

static void
copy_file(const char *src, const char *dst)
{
	char buf[8192];
	ssize_t n;
	int in, out;

	cr_assert_geq(in = open(src, O_RDONLY), 0, "cannot open %s", src);
	cr_assert_geq(out = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0600), 0,
	    "cannot create %s", dst);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		cr_assert_eq(write(out, buf, (size_t)n), n);
	cr_assert_eq(n, 0);
	close(in);
	cr_assert_eq(close(out), 0);
}

static void
setup(void)
{
	const char *root = getenv("VET_SOURCE_ROOT");
	char src[512], dst[512];
	vet_status st;

	cr_assert_not_null(root, "VET_SOURCE_ROOT is not set");
	cr_assert_eq(fixture_prepare(&vetd), 0);
	cr_assert_eq(mkdir(vetd.data_dir, 0700), 0);
	snprintf(src, sizeof(src), "%s/tests/data/schema1/data.mdb", root);
	snprintf(dst, sizeof(dst), "%s/data.mdb", vetd.data_dir);
	copy_file(src, dst);
	cr_assert_eq(fixture_launch(&vetd, NULL, NULL), 0, "vetd did not "
	    "start on the schema-1 copy");
	cr_assert_eq(vet_client_open(&client, vetd.url, NULL, &st), VET_OK,
	    "%s", st.message);
}

static void
teardown(void)
{
	vet_client_close(&client);
	fixture_cleanup(&vetd);
}

TestSuite(migration, .init = setup, .fini = teardown, .timeout = 60);

static void
expect(const char *id, const char *marking, const char *caveat, int64_t at,
    vet_effect effect, const char *reason)
{
	const char *caveats[1] = { caveat };
	vet_check_request req = { .person_id = id, .marking = marking,
	    .n_caveats = caveat != NULL, .caveats = caveats, .at = at };
	vet_decision d;
	vet_status st;

	cr_assert_eq(vet_check(client, &req, &d, &st), VET_OK, "%s",
	    st.message);
	cr_assert_eq(d.effect, effect, "%s %s: %s", id, marking,
	    d.explanation);
	cr_assert_str_eq(d.reason_name, reason, "%s %s: %s", id, marking,
	    d.explanation);
}

/* log_count: how many lines of vetd's log hold text. */
static int
log_count(const char *text)
{
	char line[1024];
	FILE *f = fopen(vetd.log_path, "r");
	int n = 0;

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, text) != NULL;
	fclose(f);
	return n;
}

Test(migration, the_answers_are_the_same)
{
	/* As the README says vetd 0.1.0 answered. */
	expect("alice", "SECRET", "ATOMAL", 0, VET_ALLOW, "GRANTED");
	expect("bob", "SECRET", NULL, 0, VET_DENY, "CLEARANCE_SUSPENDED");
	expect("carol", "SECRET", NULL, 0, VET_DENY, "LEAVER");
	expect("dave", "OFFICIAL", NULL, 0, VET_DENY, "SUSPENDED");
	expect("alice", "TOP SECRET", NULL, 0, VET_DENY, "INSUFFICIENT_LEVEL");
	cr_assert_eq(log_count("upgraded data directory"), 1);
	cr_assert_eq(log_count("from schema 1 to 2 in place (4 people)"), 1);
}

Test(migration, the_records_are_the_same_and_have_a_history)
{
	vet_person *p = NULL;
	vet_status st;

	cr_assert_eq(vet_person_get(client, "alice", &p, &st), VET_OK, "%s",
	    st.message);
	cr_assert_str_eq(p->display_name, "Alice Smith");
	cr_assert_str_eq(p->email, "alice@force.example");
	cr_assert_str_eq(p->org_unit, "CID");
	cr_assert_str_eq(p->nationality, "GB");
	cr_assert_eq(p->status, VET_PERSON_ACTIVE);
	cr_assert_eq(p->n_clearances, 1);
	cr_assert_str_eq(p->clearances[0].scheme, "nsv");
	cr_assert_str_eq(p->clearances[0].level, "SC");
	cr_assert_eq(p->clearances[0].granted_at, GRANTED_2020);
	cr_assert_eq(p->clearances[0].review_due, DUE_2030);
	cr_assert_str_eq(p->clearances[0].authority, "UKSV");
	cr_assert_str_eq(p->clearances[0].reference, "SC-1");
	cr_assert_eq(p->n_briefings, 1);
	cr_assert_str_eq(p->briefings[0].compartment, "ATOMAL");
	cr_assert_eq(p->briefings[0].expires_at, EXPIRES_2029);
	cr_assert_eq(p->n_history, 2);
	cr_assert_eq(p->history[0].kind, VET_EVENT_CLEARANCE_GRANTED);
	cr_assert_eq(p->history[0].at, GRANTED_2020);
	cr_assert_eq(p->history[0].recorded_at, 0, "not known from schema 1");
	cr_assert_eq(p->history[1].kind, VET_EVENT_BRIEFED);
	cr_assert_eq(p->history[1].at, WRITTEN_AT);
	vet_person_free(p);

	cr_assert_eq(vet_person_get(client, "bob", &p, &st), VET_OK);
	cr_assert_str_eq(p->nationality, "FR");
	cr_assert_eq(p->clearances[0].status, VET_CLEARANCE_SUSPENDED);
	cr_assert_str_eq(p->clearances[0].status_reason, "aftercare review");
	cr_assert_eq(p->n_history, 2);
	cr_assert_eq(p->history[1].kind, VET_EVENT_CLEARANCE_SUSPENDED);
	cr_assert_eq(p->history[1].at, WRITTEN_AT);
	vet_person_free(p);

	cr_assert_eq(vet_person_get(client, "carol", &p, &st), VET_OK);
	cr_assert_eq(p->status, VET_PERSON_LEAVER);
	cr_assert_str_eq(p->status_reason, "resigned");
	cr_assert_eq(p->clearances[0].status, VET_CLEARANCE_LAPSED);
	cr_assert_str_eq(p->clearances[0].status_reason, "leaver: resigned");
	cr_assert_eq(p->n_history, 2);
	cr_assert_eq(p->history[1].kind, VET_EVENT_LEAVER);
	vet_person_free(p);

	cr_assert_eq(vet_person_get(client, "dave", &p, &st), VET_OK);
	cr_assert_eq(p->status, VET_PERSON_SUSPENDED);
	cr_assert_str_eq(p->status_reason, "disciplinary");
	cr_assert_str_eq(p->nationality, "");
	cr_assert_eq(p->n_history, 1);
	cr_assert_eq(p->history[0].kind, VET_EVENT_PERSON_SUSPENDED);
	vet_person_free(p);
}

Test(migration, the_rebuilt_history_answers_for_the_past)
{
	/* Before the data was written: suspended and leaver stamps are
	 * 2026-11-24; the grants are dated. */
	expect("bob", "SECRET", NULL, JAN_2022, VET_ALLOW, "GRANTED");
	expect("bob", "SECRET", NULL, WRITTEN_AT, VET_DENY,
	    "CLEARANCE_SUSPENDED");
	expect("carol", "TOP SECRET", NULL, JAN_2022, VET_ALLOW, "GRANTED");
	expect("carol", "TOP SECRET", NULL, WRITTEN_AT, VET_DENY, "LEAVER");
	expect("alice", "SECRET", NULL, GRANTED_2020 - 1, VET_DENY,
	    "NO_CLEARANCE");
	expect("dave", "OFFICIAL", NULL, WRITTEN_AT - 1, VET_DENY,
	    "NO_CLEARANCE");
}

Test(migration, writes_work_and_the_upgrade_is_done_once)
{
	vet_person *p = NULL;
	vet_status st;

	cr_assert_eq(vet_clearance_renew(client, "alice", "nsv", DUE_2040,
	    "SC-2", NULL, &st), VET_OK, "%s", st.message);
	cr_assert_eq(st.revision, 13, "the schema-1 directory was at 12");
	vet_client_close(&client);
	cr_assert_eq(fixture_stop(&vetd), 0);
	cr_assert_eq(fixture_restart(&vetd, NULL), 0);
	cr_assert_eq(vet_client_open(&client, vetd.url, NULL, &st), VET_OK);
	cr_assert_eq(log_count("upgraded data directory"), 1, "not again");
	cr_assert_eq(vet_person_get(client, "alice", &p, &st), VET_OK);
	cr_assert_eq(p->n_history, 3);
	cr_assert_eq(p->history[2].kind, VET_EVENT_CLEARANCE_RENEWED);
	cr_assert_eq(p->clearances[0].review_due, DUE_2040);
	vet_person_free(p);
	expect("alice", "SECRET", "ATOMAL", 0, VET_ALLOW, "GRANTED");
	expect("carol", "SECRET", NULL, 0, VET_DENY, "LEAVER");
}
