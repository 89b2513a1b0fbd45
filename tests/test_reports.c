/*
 * test_reports.c: the four reports end to end through libvet against a
 * real vetd over ipc, on the dataset of report_seed.c (people, grants
 * with review dates either side of now, suspensions, withdrawals, a grant
 * after a withdrawal, briefings, a debriefing, an expired briefing, a
 * suspended person, a leaver): each report's exact rows in order, pages
 * that chain, the same answers after a restart, who may ask (hr and
 * reader may not), every bad argument with its exact status, and a leaver
 * scheduled for a later second leaving the reports on that second.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_seed.h"

TestSuite(reports, .init = rs_setup, .fini = rs_teardown, .timeout = 120);

static long
days(int64_t t)
{
	return (long)((t - today) / DAY);
}

/* due: "id/scheme/level/status@days[!]" for every row, page by page. */
static void
due(int64_t within, unsigned page, char *out, size_t size)
{
	vet_due_page *p;
	vet_status st;
	char *token = strdup("");

	out[0] = '\0';
	do {
		cr_assert_eq(vet_report_due(client, within, page, token, &p,
		    &st), VET_OK, "%s", st.message);
		cr_assert_leq(p->n_rows, page ? page : 100);
		for (size_t i = 0; i < p->n_rows; i++) {
			const vet_due_row *r = &p->rows[i];
			add(out, size, "%s/%s/%s/%s@%ld%s", r->person_id,
			    r->scheme, r->level,
			    vet_clearance_status_name(r->status),
			    days(r->review_due), r->overdue ? "!" : "");
		}
		free(token);
		token = strdup(p->next_page_token);
		vet_due_page_free(p);
	} while (*token != '\0');
	free(token);
}

static void
holders(const char *caveat, char *out, size_t size)
{
	vet_holders_page *p;
	vet_status st;

	out[0] = '\0';
	cr_assert_eq(vet_report_holders(client, caveat, 0, NULL, &p, &st),
	    VET_OK, "%s", st.message);
	cr_assert_str_eq(p->next_page_token, "");
	for (size_t i = 0; i < p->n_rows; i++)
		add(out, size, "%s/%s/%s", p->rows[i].person_id,
		    p->rows[i].org_unit,
		    vet_holder_state_name(p->rows[i].state));
	vet_holders_page_free(p);
}

static void
unvetted(unsigned page, char *out, size_t size)
{
	vet_unvetted_page *p;
	vet_status st;
	char *token = strdup("");

	out[0] = '\0';
	do {
		cr_assert_eq(vet_report_unvetted(client, page, token, &p, &st),
		    VET_OK, "%s", st.message);
		for (size_t i = 0; i < p->n_rows; i++) {
			const vet_unvetted_row *r = &p->rows[i];
			add(out, size, "%s/%s", r->person_id,
			    vet_reason_name(r->reason));
			if (r->since == 0)
				add(out, size, "never");
			else if (r->since >= seeded_from &&
			    r->since <= seeded_to)
				add(out, size, "seeding");
			else
				add(out, size, "%ld", days(r->since));
		}
		free(token);
		token = strdup(p->next_page_token);
		vet_unvetted_page_free(p);
	} while (*token != '\0');
	free(token);
}

static void
summary(int64_t from, int64_t to, char *out, size_t size)
{
	vet_summary *s;
	vet_status st;

	out[0] = '\0';
	cr_assert_eq(vet_report_summary(client, from, to, &s, &st), VET_OK,
	    "%s", st.message);
	for (size_t i = 0; i < s->n_people; i++)
		add(out, size, "%s=%llu",
		    vet_person_status_name(s->people[i].status),
		    (unsigned long long)s->people[i].count);
	for (size_t i = 0; i < s->n_clearances; i++)
		add(out, size, "%s/%s/%s=%llu", s->clearances[i].scheme,
		    s->clearances[i].level,
		    vet_clearance_status_name(s->clearances[i].status),
		    (unsigned long long)s->clearances[i].count);
	add(out, size, "joiners=%llu leavers=%llu withdrawals=%llu",
	    (unsigned long long)s->joiners, (unsigned long long)s->leavers,
	    (unsigned long long)s->withdrawals);
	vet_summary_free(s);
}

#define DUE_90 "jon/nsv/SC/GRANTED@-100! ben/nsv/DV/GRANTED@-5! " \
	"ann/nsv/SC/GRANTED@10 cat/nsv/SC/SUSPENDED@60 ivy/nsv/SC/GRANTED@85"
#define HOLDERS_ATOMAL "ann/CID/ACTIVE gus/Ops/ACTIVE kim/CID/EXPIRED"
#define UNVETTED "eve/NO_CLEARANCE never jon/CLEARANCE_EXPIRED -100 " \
	"cat/CLEARANCE_SUSPENDED seeding dan/CLEARANCE_WITHDRAWN seeding"
#define SUMMARY "ACTIVE=9 SUSPENDED=1 LEAVER=1 " \
	"nsv/BPSS/WITHDRAWN=1 nsv/DV/GRANTED=2 nsv/SC/GRANTED=4 " \
	"nsv/SC/SUSPENDED=1 nsv/SC/LAPSED=1 police/NPPV3/GRANTED=1 " \
	"joiners=11 leavers=1 withdrawals=2"

static void
expect_all(void)
{
	char got[4096];

	due(90 * DAY, 0, got, sizeof(got));
	cr_assert_str_eq(got, DUE_90);
	due(365 * DAY, 0, got, sizeof(got));
	cr_assert_str_eq(got, DUE_90 " ben/police/NPPV3/GRANTED@200");
	due(DAY, 0, got, sizeof(got));
	cr_assert_str_eq(got, "jon/nsv/SC/GRANTED@-100! "
	    "ben/nsv/DV/GRANTED@-5!");
	holders("atomal", got, sizeof(got));
	cr_assert_str_eq(got, HOLDERS_ATOMAL);
	holders("UMBRA", got, sizeof(got));
	cr_assert_str_eq(got, "");
	unvetted(0, got, sizeof(got));
	cr_assert_str_eq(got, UNVETTED);
	summary(0, 0, got, sizeof(got));
	cr_assert_str_eq(got, SUMMARY);
}

Test(reports, exact_rows_of_each_report)
{
	char got[4096];

	seed();
	expect_all();
	/* The same through pages of one and of two. */
	due(90 * DAY, 1, got, sizeof(got));
	cr_assert_str_eq(got, DUE_90);
	due(90 * DAY, 2, got, sizeof(got));
	cr_assert_str_eq(got, DUE_90);
	unvetted(1, got, sizeof(got));
	cr_assert_str_eq(got, UNVETTED);
	/* A period before anything happened. */
	summary(today - 3000 * DAY, today - 2000 * DAY, got, sizeof(got));
	cr_assert(strstr(got, "joiners=0 leavers=0 withdrawals=0") != NULL,
	    "%s", got);
	cr_assert(strncmp(got, "ACTIVE=9 ", 9) == 0, "counts are as of now: "
	    "%s", got);
}

Test(reports, the_same_after_a_restart)
{
	seed();
	vet_client_close(&client);
	cr_assert_eq(fixture_stop(&vetd), 0);
	cr_assert_eq(fixture_restart(&vetd, NULL), 0);
	OK(vet_client_open(&client, vetd.url, NULL, &st_));
	expect_all();
}

/* vetctl runs vetctl on this vetd; its exit status, stdout in out. */

Test(reports, bad_arguments_get_their_status)
{
	vet_due_page *d = NULL;
	vet_holders_page *h = NULL;
	vet_unvetted_page *u = NULL;
	vet_summary *s = NULL;
	vet_status st;
	vet_health_info hi;
	uint64_t rev;

	seed();
	OK(vet_health(client, &hi, &st_));
	rev = hi.revision;
	cr_assert_eq(vet_report_due(client, 0, 0, NULL, &d, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_str_eq(st.message, "within must be 1 second to 100 years, "
	    "not 0");
	cr_assert_eq(vet_report_due(client, -DAY, 0, NULL, &d, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_eq(vet_report_due(client, 101LL * 366 * DAY, 0, NULL, &d,
	    &st), VET_INVALID_ARGUMENT);
	cr_assert_eq(vet_report_due(client, DAY, 1001, NULL, &d, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_str_eq(st.message, "page_size may be at most 1000");
	cr_assert_eq(vet_report_due(client, DAY, 0, "zz", &d, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_str_eq(st.message, "page_token is not one this report "
	    "gave out");
	cr_assert_eq(vet_report_unvetted(client, 0, "abc", &u, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_eq(vet_report_holders(client, "NOPE", 0, NULL, &h, &st),
	    VET_NOT_FOUND);
	cr_assert_str_eq(st.message, "no caveat NOPE is defined");
	cr_assert_eq(vet_report_holders(client, "uk eyes only", 0, NULL, &h,
	    &st), VET_INVALID_ARGUMENT);
	cr_assert_str_eq(st.message, "UK EYES ONLY is a national caveat: "
	    "only a compartment has people briefed into it");
	cr_assert_eq(vet_report_holders(client, "", 0, NULL, &h, &st),
	    VET_INVALID_ARGUMENT);
	/* A page of one report is not a page of another. */
	cr_assert_eq(vet_report_due(client, 365 * DAY, 1, NULL, &d, &st),
	    VET_OK);
	cr_assert_neq(d->next_page_token[0], '\0');
	cr_assert_eq(vet_report_holders(client, "ATOMAL", 0,
	    d->next_page_token, &h, &st), VET_INVALID_ARGUMENT);
	vet_due_page_free(d);
	d = NULL;
	cr_assert_eq(vet_report_summary(client, today, today, &s, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_str_eq(st.message, "from must be before to");
	cr_assert_eq(vet_report_summary(client, -1, 0, &s, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_null(d);
	cr_assert_null(h);
	cr_assert_null(u);
	cr_assert_null(s);
	/* Reports are reads: nothing moved. */
	OK(vet_health(client, &hi, &st_));
	cr_assert_eq(hi.revision, rev);
}

Test(reports, only_vetting_auditor_and_admin_may_ask)
{
	static const struct {
		const char *name;
		int role;
		int allowed;
	} who[] = {
		{ "r-reader", VET_ROLE_READER, 0 },
		{ "r-vetting", VET_ROLE_VETTING, 1 },
		{ "r-hr", VET_ROLE_HR, 0 },
		{ "r-sync", VET_ROLE_SYNC, 0 },
		{ "r-auditor", VET_ROLE_AUDITOR, 1 },
		{ "r-admin", VET_ROLE_ADMIN, 1 },
	};

	seed();
	for (size_t i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
		vet_options o = { 0 };
		vet_client *c;
		vet_due_page *d = NULL;
		vet_holders_page *h = NULL;
		vet_unvetted_page *u = NULL;
		vet_summary *s = NULL;
		vet_status st;
		char *token = NULL;
		int want = who[i].allowed ? VET_OK : VET_PERMISSION_DENIED;

		OK(vet_token_create(client, who[i].name,
		    VET_ROLE_BIT(who[i].role), &token, NULL, &st_));
		o.token = token;
		OK(vet_client_open(&c, vetd.url, &o, &st_));
		cr_assert_eq(vet_report_due(c, DAY, 0, NULL, &d, &st), want,
		    "%s: %s", who[i].name, st.message);
		if (!who[i].allowed)
			cr_assert(strstr(st.message, "may not call ReportDue; "
			    "it needs one of: vetting, auditor, admin") != NULL,
			    "%s", st.message);
		cr_assert_eq(vet_report_holders(c, "ATOMAL", 0, NULL, &h, &st),
		    want, "%s", who[i].name);
		cr_assert_eq(vet_report_unvetted(c, 0, NULL, &u, &st), want,
		    "%s", who[i].name);
		cr_assert_eq(vet_report_summary(c, 0, 0, &s, &st), want, "%s",
		    who[i].name);
		cr_assert_eq(d != NULL, who[i].allowed);
		vet_due_page_free(d);
		vet_holders_page_free(h);
		vet_unvetted_page_free(u);
		vet_summary_free(s);
		vet_client_close(&c);
		vet_token_free(token);
	}
}

/* due_ids: the person ids of the due report (a year ahead); its as_of. */
static int64_t
due_ids(char *out, size_t size)
{
	vet_due_page *p;
	vet_status st;
	int64_t as_of;

	out[0] = '\0';
	cr_assert_eq(vet_report_due(client, 365 * DAY, 0, NULL, &p, &st),
	    VET_OK, "%s", st.message);
	for (size_t i = 0; i < p->n_rows; i++)
		add(out, size, "%s", p->rows[i].person_id);
	as_of = p->as_of;
	vet_due_page_free(p);
	return as_of;
}

/*
 * A leaver recorded for three seconds ahead is in the reports until then
 * and out of them from that second, with no further call: polled, with
 * a bound, never slept on.
 */
Test(reports, a_scheduled_leaver_leaves_on_the_second)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	char got[1024];
	int64_t effective, gone = 0;
	vet_summary *s;
	vet_status st;

	today = time(NULL) - time(NULL) % DAY;
	person("lou", "Lou Lamb", "Ops");
	grant("lou", "nsv", "SC", -10, 50);
	person("max", "Max Moss", "Ops");
	grant("max", "nsv", "SC", -10, 40);
	effective = time(NULL) + 3;
	OK(vet_leaver_at(client, "lou", "notice served", effective, NULL,
	    &st_));
	for (int i = 0; i < 300; i++) {
		int64_t as_of = due_ids(got, sizeof(got));

		if (as_of < effective)
			cr_assert_str_eq(got, "max lou", "at %lld, %lld s "
			    "before the leaver", (long long)as_of,
			    (long long)(effective - as_of));
		else {
			cr_assert_str_eq(got, "max");
			gone = as_of;
			break;
		}
		nanosleep(&tick, NULL);
	}
	cr_assert_neq(gone, 0, "lou is still due 15 s on: %s", got);
	/* vetd writes the record back within a second: then the counts. */
	for (int i = 0; i < 200; i++) {
		cr_assert_eq(vet_report_summary(client, 0, 0, &s, &st), VET_OK);
		int done = s->leavers == 1;
		vet_summary_free(s);
		if (done)
			break;
		cr_assert_lt(i, 199, "the leaver was never counted");
		nanosleep(&tick, NULL);
	}
	summary(0, 0, got, sizeof(got));
	cr_assert_str_eq(got, "ACTIVE=1 LEAVER=1 nsv/SC/GRANTED=1 "
	    "nsv/SC/LAPSED=1 joiners=2 leavers=1 withdrawals=0");
}

