/*
 * test_vetctl.c: vetctl as a user runs it, against a real vetd: the
 * output and exit status of each command (0 ok/ALLOW, 1 DENY, 2 usage,
 * 3 no answer or server error).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

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

TestSuite(vetctl, .init = setup, .fini = teardown, .timeout = 60);

/* vetctl runs vetctl -s URL args... and returns its exit status. */
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

Test(vetctl, done_when_walkthrough)
{
	cr_assert_eq(vetctl("person", "put", "alice", "--name", "Alice Smith",
	    "--email", "alice@example.org", "--org-unit", "CID",
	    "--nationality", "GB"), 0, "%s", err);
	cr_assert_eq(vetctl("clearance", "grant", "alice", "nsv", "SC",
	    "--review-due", "2031-01-31", "--authority", "UKSV",
	    "--reference", "SC-1"), 0, "%s", err);

	cr_assert_eq(vetctl("check", "alice", "SECRET"), 0, "%s%s", out, err);
	cr_assert_str_eq(out, "ALLOW\n");
	cr_assert_eq(vetctl("check", "alice", "TOP SECRET"), 1);
	cr_assert(strncmp(out, "DENY INSUFFICIENT_LEVEL: ", 25) == 0, "%s",
	    out);
	cr_assert_eq(vetctl("check", "alice", "SECRET", "UK EYES ONLY"), 0,
	    "%s", out);
	cr_assert_str_eq(out, "ALLOW\n");

	cr_assert_eq(vetctl("person", "put", "bob", "--name", "Bob",
	    "--nationality", "IE"), 0);
	cr_assert_eq(vetctl("clearance", "grant", "bob", "nsv", "SC",
	    "--review-due", "2031-01-31"), 0);
	cr_assert_eq(vetctl("check", "bob", "SECRET", "UK EYES ONLY"), 1);
	cr_assert(strncmp(out, "DENY NATIONALITY: ", 18) == 0, "%s", out);

	cr_assert_eq(vetctl("leaver", "alice", "--reason", "resigned"), 0,
	    "%s", err);
	cr_assert_eq(vetctl("check", "alice", "SECRET"), 1);
	cr_assert(strncmp(out, "DENY LEAVER: ", 13) == 0, "%s", out);

	/* Ctrl-C (SIGINT here via SIGTERM's twin), restart, still there. */
	cr_assert_eq(fixture_stop(&vetd), 0);
	cr_assert_eq(fixture_restart(&vetd, NULL), 0);
	cr_assert_eq(vetctl("check", "alice", "SECRET"), 1);
	cr_assert(strncmp(out, "DENY LEAVER: ", 13) == 0, "%s", out);
	cr_assert_eq(vetctl("person", "show", "bob"), 0);
	cr_assert(strstr(out, "bob") != NULL && strstr(out, "SC") != NULL &&
	    strstr(out, "2031-01-31") != NULL, "%s", out);
}

Test(vetctl, json_output)
{
	cr_assert_eq(vetctl("person", "put", "j1", "--name", "J"), 0);
	cr_assert_eq(vetctl("--json", "check", "j1", "OFFICIAL"), 1);
	cr_assert(strstr(out, "\"effect\"") != NULL &&
	    strstr(out, "\"DENY\"") != NULL &&
	    strstr(out, "\"NO_CLEARANCE\"") != NULL, "%s", out);
	cr_assert_eq(vetctl("--json", "person", "show", "j1"), 0);
	cr_assert(strstr(out, "\"id\"") != NULL && strstr(out, "\"j1\"") !=
	    NULL, "%s", out);
}

Test(vetctl, usage_errors_exit_2)
{
	cr_assert_eq(vetctl("frobnicate"), 2);
	cr_assert_eq(vetctl("person", "put", "x"), 2, "--name is required");
	cr_assert_eq(vetctl("leaver", "x"), 2, "--reason is required");
	cr_assert_eq(vetctl("clearance", "grant", "x", "nsv", "SC",
	    "--review-due", "2031-02-30"), 2);
	cr_assert(strstr(err, "2031-02-30") != NULL, "%s", err);
	cr_assert_eq(vetctl("check", "x"), 2);
	cr_assert_eq(vetctl("person", "list", "--status", "sleeping"), 2);
}

Test(vetctl, server_errors_exit_3)
{
	cr_assert_eq(vetctl("person", "show", "nobody"), 3);
	cr_assert(strstr(err, "NOT_FOUND") != NULL, "%s", err);
	cr_assert_eq(vetctl("clearance", "grant", "nobody", "nsv", "XX",
	    "--review-due", "2031-01-01"), 3);
	cr_assert(strstr(err, "INVALID_ARGUMENT") != NULL ||
	    strstr(err, "NOT_FOUND") != NULL, "%s", err);
	/* An unknown marking is answered with a DENY: exit 1, not 3. */
	cr_assert_eq(vetctl("person", "put", "m", "--name", "M"), 0);
	cr_assert_eq(vetctl("check", "m", "SEKRET"), 1);
	cr_assert(strncmp(out, "DENY UNKNOWN_MARKING: ", 22) == 0, "%s", out);
	cr_assert(strstr(err, "INVALID_ARGUMENT") != NULL, "%s", err);
}

Test(vetctl, no_answer_exits_3)
{
	fixture_stop(&vetd);
	cr_assert_eq(vetctl("check", "alice", "SECRET"), 3);
	cr_assert(strstr(err, "UNAVAILABLE") != NULL, "%s", err);
	cr_assert_eq(vetctl("person", "show", "alice"), 3);
}

Test(vetctl, caveats_briefings_and_lists)
{
	cr_assert_eq(vetctl("caveat", "define", "ATOMAL", "--compartment",
	    "--min-level", "nsv:SC"), 0, "%s", err);
	cr_assert_eq(vetctl("caveat", "define", "FVEY", "--national",
	    "GB,US,CA,AU,NZ"), 0, "%s", err);
	cr_assert_eq(vetctl("caveat", "list"), 0);
	cr_assert(strstr(out, "ATOMAL") && strstr(out, "FVEY") &&
	    strstr(out, "UK EYES ONLY"), "%s", out);
	cr_assert_eq(vetctl("person", "put", "c", "--name", "C",
	    "--nationality", "CA"), 0);
	cr_assert_eq(vetctl("clearance", "grant", "c", "nsv", "SC",
	    "--review-due", "2035-01-01"), 0);
	cr_assert_eq(vetctl("check", "c", "SECRET", "ATOMAL"), 1);
	cr_assert(strncmp(out, "DENY NOT_BRIEFED: ", 18) == 0, "%s", out);
	cr_assert_eq(vetctl("brief", "c", "ATOMAL", "--expires", "2034-01-01"),
	    0, "%s", err);
	cr_assert_eq(vetctl("check", "c", "SECRET", "ATOMAL"), 0, "%s", out);
	cr_assert_eq(vetctl("check", "c", "SECRET", "FVEY"), 0, "%s", out);
	cr_assert_eq(vetctl("debrief", "c", "ATOMAL", "--reason", "moved"), 0);
	cr_assert_eq(vetctl("check", "c", "SECRET", "ATOMAL"), 1);
	cr_assert_eq(vetctl("clearance", "suspend", "c", "nsv", "--reason",
	    "review"), 0);
	cr_assert_eq(vetctl("check", "c", "SECRET"), 1);
	cr_assert(strncmp(out, "DENY CLEARANCE_SUSPENDED: ", 26) == 0, "%s",
	    out);
	cr_assert_eq(vetctl("person", "suspend", "c", "--reason", "hr"), 0);
	cr_assert_eq(vetctl("person", "list", "--status", "suspended"), 0);
	cr_assert(strstr(out, "c") != NULL, "%s", out);
}
