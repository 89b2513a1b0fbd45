/*
 * test_clock.c: vetd under a wall clock that steps (tests/clockstep, an
 * LD_PRELOAD of time() and clock_gettime()), as an NTP step or an
 * operator's `date -s` would. Decisions follow the rule at the clock's
 * current reading, forwards and backwards (a review date or a briefing's
 * expiry passes, then "un-passes"); writes keep working; the revision
 * only grows; the audit chain verifies though entry times go backwards.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_helpers.h"

#define DAY	86400

static char clock_file[400];

static void
step(long long seconds)
{
	FILE *f = fopen(clock_file, "w");

	cr_assert_not_null(f);
	fprintf(f, "%lld\n", seconds);
	fclose(f);
}

/* under_clockstep restarts vetd with the shim and the clock unstepped. */
static void
under_clockstep(void)
{
	const char *lib = getenv("CLOCKSTEP_LIB");

	if (lib == NULL || *lib == '\0') {
		teardown();	/* a skip does not run the suite's .fini */
		cr_skip_test("CLOCKSTEP_LIB is not set: the clock shim is "
		    "built in the gcc build only (ASan intercepts time())");
	}
	snprintf(clock_file, sizeof(clock_file), "%s/clock", vetd.dir);
	step(0);
	vet_client_close(&client);
	cr_assert_eq(fixture_stop(&vetd), 0);
	setenv("LD_PRELOAD", lib, 1);
	setenv("CLOCKSTEP_FILE", clock_file, 1);
	cr_assert_eq(fixture_restart(&vetd, NULL), 0);
	unsetenv("LD_PRELOAD");
	connect_client();
}

static void
date_in(int days, char *buf, size_t size)
{
	time_t t = time(NULL) + (time_t)days * DAY;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d", &tm);
}

/* expect_check runs vetctl check and compares its first line. */
static void
expect_check(const char *caveat, int exit_code, const char *line)
{
	int rv = caveat != NULL ? vetctl("check", "p1", "SECRET", caveat) :
	    vetctl("check", "p1", "SECRET");

	cr_assert_eq(rv, exit_code, "%s%s", out, err);
	cr_assert(strncmp(out, line, strlen(line)) == 0, "want '%s', got "
	    "'%s'", line, out);
}

TestSuite(clock, .init = setup, .fini = teardown, .timeout = 120);

Test(clock, decisions_follow_the_clock_forwards_and_back)
{
	char review[16], expires[16];

	under_clockstep();
	date_in(10, review, sizeof(review));
	date_in(5, expires, sizeof(expires));
	cr_assert_eq(vetctl("person", "put", "p1", "--name", "P One"), 0,
	    "%s", err);
	cr_assert_eq(vetctl("clearance", "grant", "p1", "nsv", "SC",
	    "--review-due", review), 0, "%s", err);
	cr_assert_eq(vetctl("caveat", "define", "TALON", "--compartment"), 0,
	    "%s", err);
	cr_assert_eq(vetctl("brief", "p1", "TALON", "--expires", expires), 0,
	    "%s", err);
	expect_check(NULL, 0, "ALLOW");
	expect_check("TALON", 0, "ALLOW");

	step(6 * DAY);				/* past the briefing */
	expect_check(NULL, 0, "ALLOW");
	expect_check("TALON", 1, "DENY BRIEFING_EXPIRED");
	step(12 * DAY);				/* past the review date */
	expect_check(NULL, 1, "DENY CLEARANCE_EXPIRED");
	step(0);				/* and back */
	expect_check(NULL, 0, "ALLOW");
	expect_check("TALON", 0, "ALLOW");
}

Test(clock, writes_and_the_chain_survive_a_backward_step)
{
	vet_health_info h1, h2;
	vet_audit_page *log;
	vet_status st;
	char review[16];

	under_clockstep();
	date_in(400, review, sizeof(review));
	cr_assert_eq(vetctl("person", "put", "p1", "--name", "P One"), 0);
	cr_assert_eq(vet_health(client, &h1, &st), VET_OK);
	step(-3 * DAY);
	cr_assert_eq(vetctl("person", "put", "p2", "--name", "P Two"), 0,
	    "%s", err);
	cr_assert_eq(vetctl("clearance", "grant", "p2", "nsv", "SC",
	    "--review-due", review), 0, "%s", err);
	step(5 * DAY);
	cr_assert_eq(vetctl("person", "put", "p3", "--name", "P Three"), 0,
	    "%s", err);
	cr_assert_eq(vet_health(client, &h2, &st), VET_OK);
	cr_assert_eq(h2.revision, h1.revision + 3);

	log = log_from(0, NULL);
	cr_assert_eq(log->n_entries, 4);
	cr_assert_lt(log->entries[1].time, log->entries[0].time,
	    "the step back shows in the entries' times");
	cr_assert_gt(log->entries[3].time, log->entries[0].time + 4 * DAY);
	vet_audit_page_free(log);
	expect_verified(4);
	step(0);
	cr_assert_eq(vetctl("check", "p2", "SECRET"), 0, "%s", out);
}
