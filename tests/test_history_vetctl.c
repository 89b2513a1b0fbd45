/*
 * test_history_vetctl.c: the history as a user sees it through vetctl,
 * against a real vetd: check --at, leaver and person suspend --effective,
 * clearance renew, person show's history (text and --json), and the exit
 * status of each mistake (2 usage, 3 refused by vetd).
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fixture.h"

static struct vetd_proc vetd;
static char out[65536], err[65536];

static void
setup(void)
{
	cr_assert_eq(fixture_start(&vetd, NULL), 0, "vetd did not start");
}

static void
teardown(void)
{
	fixture_cleanup(&vetd);
}

TestSuite(history_vetctl, .init = setup, .fini = teardown, .timeout = 60);

#define vetctl(...) vetctl_argv((const char *[]){ __VA_ARGS__, NULL })

static int
vetctl_argv(const char **args)
{
	const char *argv[32];
	size_t n = 0;

	argv[n++] = test_bin("VETCTL_BIN");
	argv[n++] = "-s";
	argv[n++] = vetd.url;
	for (size_t i = 0; args[i] != NULL && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return run_cmd(argv, out, sizeof(out), err, sizeof(err));
}

/* date: "YYYY-MM-DDTHH:MM:SSZ" for the clock plus days. */
static const char *
date(char *buf, size_t size, int days)
{
	time_t t = time(NULL) + (time_t)days * 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static void
alice(void)
{
	cr_assert_eq(vetctl("person", "put", "alice", "--name", "Alice Smith",
	    "--nationality", "GB"), 0, "%s", err);
	cr_assert_eq(vetctl("clearance", "grant", "alice", "nsv", "SC",
	    "--granted", "2020-06-30", "--review-due", "2030-06-30",
	    "--authority", "UKSV", "--reference", "SC-1"), 0, "%s", err);
}

Test(history_vetctl, check_at_a_time)
{
	alice();
	cr_assert_eq(vetctl("check", "alice", "SECRET", "--at", "2020-06-29"),
	    1, "%s", err);
	cr_assert(strncmp(out, "DENY NO_CLEARANCE: ", 19) == 0, "%s", out);
	cr_assert_eq(vetctl("check", "--at", "2020-06-30", "alice", "SECRET"),
	    0, "%s%s", out, err);
	cr_assert_str_eq(out, "ALLOW\n");
	cr_assert_eq(vetctl("check", "alice", "SECRET", "UK EYES ONLY",
	    "--at", "2030-06-30T00:00:00Z"), 1);
	cr_assert(strncmp(out, "DENY CLEARANCE_EXPIRED: ", 24) == 0, "%s",
	    out);
	cr_assert_eq(vetctl("--json", "check", "alice", "SECRET", "--at",
	    "2025-06-01T12:00:00Z"), 0, "%s", err);
	cr_assert_not_null(strstr(out, "\"at\": \"2025-06-01T12:00:00Z\""),
	    "%s", out);
	cr_assert_not_null(strstr(out,
	    "\"valid_until\": \"2030-06-30T00:00:00Z\""), "%s", out);
	/* Mistakes: a usage error, never a request. */
	cr_assert_eq(vetctl("check", "alice", "SECRET", "--at", "yesterday"),
	    2);
	cr_assert_not_null(strstr(err, "bad date 'yesterday' for --at"), "%s",
	    err);
	cr_assert_eq(vetctl("check", "alice", "SECRET", "--at"), 2);
}

Test(history_vetctl, renew_and_show_the_history)
{
	json_t *j, *h;
	json_error_t je;

	alice();
	cr_assert_eq(vetctl("clearance", "renew", "alice", "nsv",
	    "--review-due", "2040-06-30", "--reference", "SC-2"), 0, "%s",
	    err);
	cr_assert(strncmp(out, "renewed a clearance of alice (revision ",
	    39) == 0, "%s", out);
	cr_assert_not_null(strstr(out, "2040-06-30"), "%s", out);
	cr_assert_eq(vetctl("check", "alice", "SECRET", "--at", "2035-01-01"),
	    0);
	cr_assert_eq(vetctl("person", "show", "alice"), 0, "%s", err);
	cr_assert_not_null(strstr(out, "history:\n  2020-06-30T00:00:00Z  "
	    "CLEARANCE_GRANTED nsv SC, review due 2030-06-30, authority "
	    "UKSV, reference SC-1 (recorded "), "%s", out);
	cr_assert_not_null(strstr(out, "CLEARANCE_RENEWED nsv, review due "
	    "2040-06-30, reference SC-2\n"), "%s", out);
	cr_assert_eq(vetctl("--json", "person", "show", "alice"), 0);
	cr_assert_not_null(j = json_loads(out, 0, &je), "%s", je.text);
	cr_assert(json_is_array(h = json_object_get(j, "history")));
	cr_assert_eq(json_array_size(h), 2);
	cr_assert_str_eq(json_string_value(json_object_get(
	    json_array_get(h, 0), "kind")), "CLEARANCE_GRANTED");
	cr_assert_str_eq(json_string_value(json_object_get(
	    json_array_get(h, 0), "review_due")), "2030-06-30T00:00:00Z");
	cr_assert_str_eq(json_string_value(json_object_get(
	    json_array_get(h, 1), "reference")), "SC-2");
	cr_assert(json_is_false(json_object_get(json_array_get(h, 1),
	    "scheduled")));
	json_decref(j);

	/* Refusals come back from vetd: exit 3 with the status. */
	cr_assert_eq(vetctl("clearance", "renew", "alice", "police",
	    "--review-due", "2040-06-30"), 3);
	cr_assert_str_eq(err, "vetctl: NOT_FOUND: person alice holds no police "
	    "clearance\n");
	cr_assert_eq(vetctl("clearance", "renew", "alice", "nsv",
	    "--review-due", "2001-01-01"), 3);
	cr_assert_not_null(strstr(err, "INVALID_ARGUMENT"), "%s", err);
	cr_assert_eq(vetctl("clearance", "renew", "alice", "nsv"), 2);
	cr_assert_not_null(strstr(err, "missing --review-due"), "%s", err);
}

Test(history_vetctl, leaver_and_suspension_with_an_effective_date)
{
	char when[32], later[32], want[96];

	alice();
	date(when, sizeof(when), 30);
	date(later, sizeof(later), 60);
	cr_assert_eq(vetctl("person", "suspend", "alice", "--reason",
	    "investigation", "--effective", when), 0, "%s", err);
	snprintf(want, sizeof(want), "scheduled a suspension on %s for alice "
	    "(revision ", when);
	cr_assert(strncmp(out, want, strlen(want)) == 0, "%s", out);
	cr_assert_not_null(strstr(out, "status:      ACTIVE\n"), "%s", out);
	cr_assert_eq(vetctl("leaver", "alice", "--reason", "resigned",
	    "--effective", later), 0, "%s", err);
	snprintf(want, sizeof(want), "scheduled a leaver on %s for alice",
	    later);
	cr_assert(strncmp(out, want, strlen(want)) == 0, "%s", out);

	cr_assert_eq(vetctl("check", "alice", "SECRET"), 0, "%s", out);
	cr_assert_eq(vetctl("check", "alice", "SECRET", "--at", when), 1);
	cr_assert(strncmp(out, "DENY SUSPENDED: ", 16) == 0, "%s", out);
	cr_assert_eq(vetctl("check", "alice", "SECRET", "--at", later), 1);
	cr_assert(strncmp(out, "DENY LEAVER: ", 13) == 0, "%s", out);
	cr_assert_eq(vetctl("check", "alice", "SECRET", "--at", "2100-01-01"),
	    1);
	cr_assert(strncmp(out, "DENY LEAVER: ", 13) == 0, "%s", out);

	cr_assert_eq(vetctl("person", "show", "alice"), 0);
	snprintf(want, sizeof(want), "  %s  PERSON_SUSPENDED: investigation "
	    "(scheduled on ", when);
	cr_assert_not_null(strstr(out, want), "%s", out);
	snprintf(want, sizeof(want), "  %s  LEAVER: resigned (scheduled on ",
	    later);
	cr_assert_not_null(strstr(out, want), "%s", out);

	cr_assert_eq(vetctl("leaver", "alice", "--reason", "x", "--effective",
	    "2001-01-01"), 3);
	cr_assert_not_null(strstr(err, "INVALID_ARGUMENT: effective_at is in "
	    "the past"), "%s", err);
	cr_assert_eq(vetctl("person", "reinstate", "alice", "--reason", "x",
	    "--effective", "soon"), 2);
	cr_assert_not_null(strstr(err, "bad date 'soon' for --effective"),
	    "%s", err);
}
