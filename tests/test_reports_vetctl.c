/*
 * test_reports_vetctl.c: the reports through vetctl against a real vetd
 * on the dataset of report_seed.c: the exact --csv (RFC 4180 quoting,
 * CRLF), --json after the command and before it, the table, and usage
 * and server errors with their exit codes.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_seed.h"
#include "vettime.h"

TestSuite(reports_vetctl, .init = rs_setup, .fini = rs_teardown,
    .timeout = 120);

static int
vetctl(char *out, size_t outsz, char *err, size_t errsz, ...)
{
	const char *argv[16] = { test_bin("VETCTL_BIN"), "-s", vetd.url };
	size_t n = 3;
	va_list ap;

	va_start(ap, errsz);
	while (n < 15 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return run_cmd(argv, out, outsz, err, errsz);
}

static char *
date(int d)
{
	static char buf[16][16];
	static int next;
	char *b = buf[next++ % 16];

	vettime_format_date(today + (int64_t)d * DAY, b, 16);
	return b;
}

Test(reports_vetctl, csv_json_and_table)
{
	char out[16384], err[4096], want[4096];
	json_t *doc, *people;
	json_error_t jerr;

	seed();
	cr_assert_eq(vetctl(out, sizeof(out), err, sizeof(err), "report",
	    "due", "--within", "90d", "--csv", NULL), 0, "%s", err);
	snprintf(want, sizeof(want),
	    "\"review_due\",\"overdue\",\"person_id\",\"display_name\","
	    "\"org_unit\",\"scheme\",\"level\",\"status\",\"granted_at\"\r\n"
	    "\"%s\",\"yes\",\"jon\",\"Jon Jones\",\"Ops\",\"nsv\",\"SC\","
	    "\"GRANTED\",\"%s\"\r\n"
	    "\"%s\",\"yes\",\"ben\",\"Ben \"\"Benny\"\" Bell, Jr\",\"Ops\","
	    "\"nsv\",\"DV\",\"GRANTED\",\"%s\"\r\n"
	    "\"%s\",\"no\",\"ann\",\"Ann Archer\",\"CID\",\"nsv\",\"SC\","
	    "\"GRANTED\",\"%s\"\r\n"
	    "\"%s\",\"no\",\"cat\",\"Cat Cole\",\"CID\",\"nsv\",\"SC\","
	    "\"SUSPENDED\",\"%s\"\r\n"
	    "\"%s\",\"no\",\"ivy\",\"Ivy Ives\",\"CID\",\"nsv\",\"SC\","
	    "\"GRANTED\",\"%s\"\r\n",
	    date(-100), date(-1400), date(-5), date(-2000), date(10),
	    date(-1000), date(60), date(-700), date(85), date(-1));
	cr_assert_str_eq(out, want);

	/* --json, after the command or before it. */
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(i == 0 ? vetctl(out, sizeof(out), err, sizeof(err),
		    "report", "unvetted", "--json", NULL) : vetctl(out,
		    sizeof(out), err, sizeof(err), "--json", "report",
		    "unvetted", NULL), 0, "%s", err);
		cr_assert_not_null(doc = json_loads(out, 0, &jerr), "%s: %s",
		    jerr.text, out);
		cr_assert(json_is_string(json_object_get(doc, "as_of")));
		people = json_object_get(doc, "people");
		cr_assert_eq(json_array_size(people), 4, "%s", out);
		static const char *const ids[] = { "eve", "jon", "cat", "dan" };
		static const char *const why[] = { "NO_CLEARANCE",
		    "CLEARANCE_EXPIRED", "CLEARANCE_SUSPENDED",
		    "CLEARANCE_WITHDRAWN" };
		for (size_t k = 0; k < 4; k++) {
			json_t *p = json_array_get(people, k);
			cr_assert_str_eq(json_string_value(json_object_get(p,
			    "person_id")), ids[k]);
			cr_assert_str_eq(json_string_value(json_object_get(p,
			    "reason")), why[k]);
		}
		cr_assert(json_is_null(json_object_get(json_array_get(people,
		    0), "since")));
		snprintf(want, sizeof(want), "%sT00:00:00Z", date(-100));
		cr_assert_str_eq(json_string_value(json_object_get(
		    json_array_get(people, 1), "since")), want);
		cr_assert_str_eq(json_string_value(json_object_get(
		    json_array_get(people, 1), "scheme")), "nsv");
		json_decref(doc);
	}

	/* The table. */
	cr_assert_eq(vetctl(out, sizeof(out), err, sizeof(err), "report",
	    "holders", "atomal", NULL), 0, "%s", err);
	snprintf(want, sizeof(want),
	    "ID   NAME        ORG UNIT  PERSON  BRIEFED     EXPIRES     STATE\n"
	    "ann  Ann Archer  CID       ACTIVE  %s  -           ACTIVE\n"
	    "gus  Gus Gray    Ops       ACTIVE  %s  %s  ACTIVE\n"
	    "kim  Kim Lee     CID       ACTIVE  %s  %s  EXPIRED\n"
	    "3 people briefed into ATOMAL (as of ",
	    date(0), date(0), date(100), date(-400), date(-10));
	cr_assert(strncmp(out, want, strlen(want)) == 0, "got:\n%s\nwanted:\n"
	    "%s", out, want);

	cr_assert_eq(vetctl(out, sizeof(out), err, sizeof(err), "report",
	    "summary", "--csv", NULL), 0, "%s", err);
	cr_assert_str_eq(out,
	    "\"what\",\"scheme\",\"level\",\"status\",\"count\"\r\n"
	    "\"people\",\"\",\"\",\"ACTIVE\",\"9\"\r\n"
	    "\"people\",\"\",\"\",\"SUSPENDED\",\"1\"\r\n"
	    "\"people\",\"\",\"\",\"LEAVER\",\"1\"\r\n"
	    "\"clearances\",\"nsv\",\"BPSS\",\"WITHDRAWN\",\"1\"\r\n"
	    "\"clearances\",\"nsv\",\"DV\",\"GRANTED\",\"2\"\r\n"
	    "\"clearances\",\"nsv\",\"SC\",\"GRANTED\",\"4\"\r\n"
	    "\"clearances\",\"nsv\",\"SC\",\"SUSPENDED\",\"1\"\r\n"
	    "\"clearances\",\"nsv\",\"SC\",\"LAPSED\",\"1\"\r\n"
	    "\"clearances\",\"police\",\"NPPV3\",\"GRANTED\",\"1\"\r\n"
	    "\"joiners\",\"\",\"\",\"\",\"11\"\r\n"
	    "\"leavers\",\"\",\"\",\"\",\"1\"\r\n"
	    "\"withdrawals\",\"\",\"\",\"\",\"2\"\r\n");
	cr_assert_eq(vetctl(out, sizeof(out), err, sizeof(err), "report",
	    "summary", NULL), 0, "%s", err);
	snprintf(want, sizeof(want), " through %s:\n  joiners      11\n"
	    "  leavers      1\n  withdrawals  2\n", date(0));
	cr_assert(strstr(out, want) != NULL, "%s", out);
	cr_assert(strncmp(out, "PEOPLE     COUNT\nACTIVE     9\n", 30) == 0,
	    "%s", out);
	cr_assert_eq(vetctl(out, sizeof(out), err, sizeof(err), "report",
	    "due", "--within", "2w", NULL), 0, "%s", err);
	cr_assert(strstr(out, "3 clearances due for review by ") != NULL,
	    "%s", out);
}

Test(reports_vetctl, usage_and_server_errors)
{
	char out[4096], err[4096];

	cr_assert_eq(vetctl(out, sizeof(out), err, sizeof(err), "report",
	    "due", "--within", "0d", NULL), 2);
	cr_assert(strstr(err, "bad --within '0d'") != NULL, "%s", err);
	cr_assert_eq(vetctl(out, sizeof(out), err, sizeof(err), "report",
	    "due", "--within", "12x", NULL), 2);
	cr_assert_eq(vetctl(out, sizeof(out), err, sizeof(err), "report",
	    "due", "--within", "36526d", NULL), 2);
	cr_assert_eq(vetctl(out, sizeof(out), err, sizeof(err), "report",
	    "unvetted", "--json", "--csv", NULL), 2);
	cr_assert(strstr(err, "--json and --csv") != NULL, "%s", err);
	cr_assert_eq(vetctl(out, sizeof(out), err, sizeof(err), "report",
	    "summary", "--from", "2025-02-30", NULL), 2);
	cr_assert_eq(vetctl(out, sizeof(out), err, sizeof(err), "report",
	    "summary", "--from", "2025-01-01", "--to", "2024-01-01", NULL), 2);
	cr_assert_eq(vetctl(out, sizeof(out), err, sizeof(err), "report",
	    "holders", NULL), 2);
	cr_assert_eq(vetctl(out, sizeof(out), err, sizeof(err), "report",
	    "holders", "NOPE", NULL), 3);
	cr_assert(strstr(err, "NOT_FOUND: no caveat NOPE is defined") !=
	    NULL, "%s", err);
}

