/*
 * report_seed.c: what the report end-to-end tests share
 * (report_seed.h): a real vetd per test, a libvet client as the local
 * admin, and the dataset every test reads, seeded through libvet.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_seed.h"

struct vetd_proc vetd;
vet_client *client;
int64_t today;
int64_t seeded_from, seeded_to;

void
rs_setup(void)
{
	vet_status st;

	cr_assert_eq(fixture_start(&vetd, NULL), 0, "vetd did not start");
	cr_assert_eq(vet_client_open(&client, vetd.url, NULL, &st), VET_OK,
	    "%s", st.message);
}

void
rs_teardown(void)
{
	vet_client_close(&client);
	fixture_cleanup(&vetd);
}

void
person(const char *id, const char *name, const char *unit)
{
	vet_person_spec p = { .id = id, .display_name = name,
	    .org_unit = unit, .nationality = "GB" };
	vet_status st;

	cr_assert_eq(vet_person_put(client, &p, NULL, &st), VET_OK, "%s: %s",
	    id, st.message);
}

void
grant(const char *id, const char *scheme, const char *level, int granted,
    int due)
{
	vet_grant_spec g = { .person_id = id, .scheme = scheme,
	    .level = level, .granted_at = today + granted * DAY,
	    .review_due = today + due * DAY, .authority = "UKSV",
	    .reference = "R" };
	vet_status st;

	cr_assert_eq(vet_clearance_grant(client, &g, NULL, &st), VET_OK,
	    "%s: %s", id, st.message);
}

void
clearance(const char *id, const char *scheme, vet_action a)
{
	vet_status st;

	cr_assert_eq(vet_clearance_set_status(client, id, scheme, a, "test",
	    NULL, &st), VET_OK, "%s: %s", id, st.message);
}

/*
 * seed: the dataset every test reads. Review dates are days from today
 * (midnight UTC), so they print as dates:
 *   ann  CID  nsv SC +10, briefed ATOMAL
 *   ben  Ops  nsv DV -5 (overdue), police NPPV3 +200
 *   cat  CID  nsv SC +60, suspended
 *   dan  Ops  nsv BPSS +30, withdrawn (after cat's suspension)
 *   eve  Ops  nothing
 *   fay  CID  nsv SC +20, briefed ATOMAL, then a leaver
 *   gus  Ops  nsv DV +400, briefed ATOMAL (expires +100), UMBRA then
 *             debriefed
 *   hal  HR   suspended by HR, nothing held
 *   ivy  CID  nsv SC +80, withdrawn, granted again SC +85
 *   jon  Ops  nsv SC -100 (long overdue)
 *   kim  CID  imported: nsv SC +700, ATOMAL expired -10
 */
void
seed(void)
{
	const char *atomal = "ATOMAL", *umbra = "UMBRA";
	vet_caveat_spec cv = { .kind = VET_CAVEAT_COMPARTMENT };
	vet_clearance kc = { .scheme = "nsv", .level = "SC",
	    .authority = "UKSV", .reference = "K" };
	vet_briefing kb = { .compartment = "ATOMAL" };
	vet_person kim = { .id = "kim", .display_name = "Kim Lee",
	    .email = "", .org_unit = "CID", .nationality = "GB",
	    .status_reason = "", .n_clearances = 1, .clearances = &kc,
	    .n_briefings = 1, .briefings = &kb };
	vet_import_result ir;
	vet_status st;

	seeded_from = time(NULL);
	today = seeded_from - seeded_from % DAY;
	cv.name = atomal;
	OK(vet_caveat_define(client, &cv, NULL, &st_));
	cv.name = umbra;
	OK(vet_caveat_define(client, &cv, NULL, &st_));

	person("ann", "Ann Archer", "CID");
	grant("ann", "nsv", "SC", -1000, 10);
	OK(vet_brief(client, "ann", atomal, 0, NULL, &st_));
	person("ben", "Ben \"Benny\" Bell, Jr", "Ops");
	grant("ben", "nsv", "DV", -2000, -5);
	grant("ben", "police", "NPPV3", -300, 200);
	person("cat", "Cat Cole", "CID");
	grant("cat", "nsv", "SC", -700, 60);
	clearance("cat", "nsv", VET_ACTION_SUSPEND);
	person("dan", "Dan Dale", "Ops");
	grant("dan", "nsv", "BPSS", -400, 30);
	clearance("dan", "nsv", VET_ACTION_WITHDRAW);
	person("eve", "Eve Ede", "Ops");
	person("fay", "Fay Fox", "CID");
	grant("fay", "nsv", "SC", -600, 20);
	OK(vet_brief(client, "fay", atomal, 0, NULL, &st_));
	OK(vet_leaver(client, "fay", "resigned", NULL, &st_));
	person("gus", "Gus Gray", "Ops");
	grant("gus", "nsv", "DV", -500, 400);
	OK(vet_brief(client, "gus", atomal, today + 100 * DAY, NULL, &st_));
	OK(vet_brief(client, "gus", umbra, 0, NULL, &st_));
	OK(vet_debrief(client, "gus", umbra, "moved", NULL, &st_));
	person("hal", "Hal Hunt", "HR");
	OK(vet_person_set_status(client, "hal", VET_ACTION_SUSPEND, "inquiry",
	    NULL, &st_));
	person("ivy", "Ivy Ives", "CID");
	grant("ivy", "nsv", "SC", -100, 80);
	clearance("ivy", "nsv", VET_ACTION_WITHDRAW);
	grant("ivy", "nsv", "SC", -1, 85);
	person("jon", "Jon Jones", "Ops");
	grant("jon", "nsv", "SC", -1400, -100);
	kc.granted_at = today - 400 * DAY;
	kc.review_due = today + 700 * DAY;
	kc.status = VET_CLEARANCE_GRANTED;
	kb.briefed_at = today - 400 * DAY;
	kb.expires_at = today - 10 * DAY;
	cr_assert_eq(vet_import_people(client, &kim, 1, &ir, &st), VET_OK,
	    "%s", st.message);
	seeded_to = time(NULL);
}

void
add(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used > 0 && used < size - 1)
		buf[used++] = ' ', buf[used] = '\0';
	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

