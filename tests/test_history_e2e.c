/*
 * test_history_e2e.c: a person's history end to end, through libvet
 * against a real vetd: checks at a time T (before a grant, on the review
 * date, between a suspension and its reinstatement), leavers and
 * suspensions scheduled for a later time (before and after they take
 * effect, with no further call), renewal keeping the earlier term, and
 * every refusal with its exact status. Times are relative to the clock:
 * vetd stamps what it records with its own.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vet/vet.h>

#include "fixture.h"

#define DAY	((int64_t)86400)

static struct vetd_proc vetd;
static vet_client *client;

static void
setup(void)
{
	vet_status st;

	cr_assert_eq(fixture_start(&vetd, NULL), 0, "vetd did not start");
	cr_assert_eq(vet_client_open(&client, vetd.url, NULL, &st), VET_OK,
	    "%s", st.message);
}

static void
teardown(void)
{
	vet_client_close(&client);
	fixture_cleanup(&vetd);
}

TestSuite(history, .init = setup, .fini = teardown, .timeout = 60);

static int64_t
now(void)
{
	return (int64_t)time(NULL);
}

static void
put_person(const char *id)
{
	vet_person_spec spec = { .id = id, .display_name = "Test Person",
	    .nationality = "GB" };
	vet_status st;

	cr_assert_eq(vet_person_put(client, &spec, NULL, &st), VET_OK, "%s",
	    st.message);
}

static void
grant(const char *id, const char *level, int64_t granted, int64_t due)
{
	vet_grant_spec g = { .person_id = id, .scheme = "nsv",
	    .level = level, .granted_at = granted, .review_due = due,
	    .authority = "UKSV", .reference = "REF-1" };
	vet_status st;

	cr_assert_eq(vet_clearance_grant(client, &g, NULL, &st), VET_OK, "%s",
	    st.message);
}

/* expect: the decision for id and marking at time at (0: now). */
static void
expect(const char *id, const char *marking, int64_t at, vet_effect effect,
    const char *reason)
{
	vet_check_request req = { .person_id = id, .marking = marking,
	    .at = at };
	vet_decision d;
	vet_status st;

	cr_assert_eq(vet_check(client, &req, &d, &st), VET_OK, "%s",
	    st.message);
	cr_assert_eq(d.effect, effect, "%s %s at %lld: %s %s", id, marking,
	    (long long)at, d.effect == VET_ALLOW ? "ALLOW" : "DENY",
	    d.explanation);
	cr_assert_str_eq(d.reason_name, reason, "%s %s at %lld: %s", id,
	    marking, (long long)at, d.explanation);
	if (at != 0)
		cr_assert_eq(d.at, at, "the decision says when it was for");
}

/* wait_past waits, with a bound, until the clock has passed t. */
static void
wait_past(int64_t t)
{
	for (int i = 0; i < 300 && now() <= t; i++)
		usleep(10000);
	cr_assert_gt(now(), t, "the clock did not move past %lld",
	    (long long)t);
}

Test(history, before_the_grant_and_on_the_review_date)
{
	int64_t g = now() - 400 * DAY, due = now() + 300 * DAY;

	put_person("alice");
	grant("alice", "SC", g, due);
	expect("alice", "SECRET", g - 1, VET_DENY, "NO_CLEARANCE");
	expect("alice", "SECRET", g, VET_ALLOW, "GRANTED");
	expect("alice", "SECRET", due - 1, VET_ALLOW, "GRANTED");
	expect("alice", "SECRET", due, VET_DENY, "CLEARANCE_EXPIRED");
	expect("alice", "TOP SECRET", g + DAY, VET_DENY,
	    "INSUFFICIENT_LEVEL");
	expect("alice", "SECRET", 0, VET_ALLOW, "GRANTED");
	/* A grant dated ahead: not held until then. */
	put_person("ahead");
	grant("ahead", "DV", now() + 10 * DAY, now() + 900 * DAY);
	expect("ahead", "TOP SECRET", 0, VET_DENY, "NO_CLEARANCE");
	expect("ahead", "TOP SECRET", now() + 11 * DAY, VET_ALLOW, "GRANTED");
}

Test(history, between_a_suspension_and_its_reinstatement)
{
	vet_person *p = NULL;
	vet_status st;
	int64_t suspended, reinstated;

	put_person("bob");
	grant("bob", "SC", now() - DAY, now() + 300 * DAY);
	cr_assert_eq(vet_clearance_set_status(client, "bob", "nsv",
	    VET_ACTION_SUSPEND, "aftercare review", &p, &st), VET_OK, "%s",
	    st.message);
	suspended = p->clearances[0].status_changed_at;
	vet_person_free(p);
	wait_past(suspended);
	cr_assert_eq(vet_clearance_set_status(client, "bob", "nsv",
	    VET_ACTION_REINSTATE, "review complete", &p, &st), VET_OK, "%s",
	    st.message);
	reinstated = p->clearances[0].status_changed_at;
	vet_person_free(p);
	cr_assert_gt(reinstated, suspended);
	expect("bob", "SECRET", suspended - 1, VET_ALLOW, "GRANTED");
	expect("bob", "SECRET", suspended, VET_DENY, "CLEARANCE_SUSPENDED");
	expect("bob", "SECRET", reinstated - 1, VET_DENY,
	    "CLEARANCE_SUSPENDED");
	expect("bob", "SECRET", reinstated, VET_ALLOW, "GRANTED");
	expect("bob", "SECRET", 0, VET_ALLOW, "GRANTED");
}

Test(history, a_person_suspension_and_reinstatement_scheduled_ahead)
{
	vet_person *p = NULL;
	vet_status st;
	int64_t from = now() + 10 * DAY, to = now() + 20 * DAY;

	put_person("carol");
	grant("carol", "SC", now() - DAY, now() + 300 * DAY);
	cr_assert_eq(vet_person_set_status_at(client, "carol",
	    VET_ACTION_SUSPEND, "disciplinary", from, &p, &st), VET_OK, "%s",
	    st.message);
	cr_assert_eq(p->status, VET_PERSON_ACTIVE, "not suspended yet");
	vet_person_free(p);
	cr_assert_eq(vet_person_set_status_at(client, "carol",
	    VET_ACTION_REINSTATE, "cleared", to, NULL, &st), VET_OK, "%s",
	    st.message);
	expect("carol", "SECRET", 0, VET_ALLOW, "GRANTED");
	expect("carol", "SECRET", from - 1, VET_ALLOW, "GRANTED");
	expect("carol", "SECRET", from, VET_DENY, "SUSPENDED");
	expect("carol", "SECRET", to - 1, VET_DENY, "SUSPENDED");
	expect("carol", "SECRET", to, VET_ALLOW, "GRANTED");

	/* Each must fit the record as it will be then. */
	cr_assert_eq(vet_person_set_status_at(client, "carol",
	    VET_ACTION_SUSPEND, "again", from + DAY, NULL, &st),
	    VET_FAILED_PRECONDITION);
	cr_assert_not_null(strstr(st.message, "already be suspended"), "%s",
	    st.message);
	cr_assert_eq(vet_person_set_status_at(client, "carol",
	    VET_ACTION_REINSTATE, "early", from - DAY, NULL, &st),
	    VET_FAILED_PRECONDITION);
	cr_assert_not_null(strstr(st.message, "not be suspended"), "%s",
	    st.message);
}

Test(history, a_scheduled_suspension_is_undone_by_a_reinstatement_then)
{
	vet_status st;
	int64_t at = now() + 5 * DAY;

	put_person("cy");
	grant("cy", "SC", now() - DAY, now() + 300 * DAY);
	cr_assert_eq(vet_person_set_status_at(client, "cy", VET_ACTION_SUSPEND,
	    "planned", at, NULL, &st), VET_OK, "%s", st.message);
	expect("cy", "SECRET", at, VET_DENY, "SUSPENDED");
	cr_assert_eq(vet_person_set_status_at(client, "cy",
	    VET_ACTION_REINSTATE, "plans changed", at, NULL, &st), VET_OK,
	    "%s", st.message);
	expect("cy", "SECRET", at, VET_ALLOW, "GRANTED");
	expect("cy", "SECRET", at + DAY, VET_ALLOW, "GRANTED");
}

Test(history, a_future_leaver_takes_effect_at_its_time)
{
	vet_check_request req = { .person_id = "dave", .marking = "SECRET" };
	vet_decision d;
	vet_person *p = NULL;
	vet_status st;
	int64_t effective, seen = 0, asked;

	put_person("dave");
	grant("dave", "SC", now() - DAY, now() + 300 * DAY);
	effective = now() + 2;
	cr_assert_eq(vet_leaver_at(client, "dave", "end of contract",
	    effective, &p, &st), VET_OK, "%s", st.message);
	cr_assert_eq(p->status, VET_PERSON_ACTIVE);
	vet_person_free(p);
	/* The answer now says until when it holds: the leaver's time. */
	cr_assert_eq(vet_check(client, &req, &d, &st), VET_OK);
	if (now() < effective) {
		cr_assert_eq(d.effect, VET_ALLOW, "%s", d.explanation);
		cr_assert_eq(d.valid_until, effective);
	}
	expect("dave", "SECRET", effective - 1, VET_ALLOW, "GRANTED");
	expect("dave", "SECRET", effective, VET_DENY, "LEAVER");
	expect("dave", "SECRET", now() + 365 * DAY, VET_DENY, "LEAVER");

	/* No further call: poll, with a bound, until it is denied. */
	for (int i = 0; i < 1000; i++) {
		asked = now();
		cr_assert_eq(vet_check(client, &req, &d, &st), VET_OK);
		if (d.effect == VET_DENY) {
			seen = now();
			break;
		}
		cr_assert_lt(asked, effective, "still allowed at or after "
		    "the leaver's time");
		usleep(10000);
	}
	cr_assert_geq(seen, effective, "denied before the leaver's time");
	cr_assert_str_eq(d.reason_name, "LEAVER");
	cr_assert_eq(vet_person_get(client, "dave", &p, &st), VET_OK);
	cr_assert_eq(p->status, VET_PERSON_LEAVER);
	cr_assert_str_eq(p->status_reason, "end of contract");
	cr_assert_eq(p->clearances[0].status, VET_CLEARANCE_LAPSED);
	cr_assert_eq(p->n_history, 2);
	cr_assert_eq(p->history[1].kind, VET_EVENT_LEAVER);
	cr_assert_eq(p->history[1].at, effective);
	cr_assert_eq(p->history[1].scheduled, 1);
	vet_person_free(p);
}

/* The stored state follows within a second: listings and the audit. */
Test(history, a_due_leaver_is_written_back_and_audited)
{
	vet_person_page *page = NULL;
	vet_audit_query q = { .person_id = "erin" };
	vet_audit_page *a = NULL;
	vet_status st;
	int64_t effective;
	size_t n = 0;

	put_person("erin");
	effective = now() + 2;
	cr_assert_eq(vet_leaver_at(client, "erin", "retired", effective,
	    NULL, &st), VET_OK, "%s", st.message);
	for (int i = 0; i < 500 && n == 0; i++) {
		cr_assert_eq(vet_person_list(client, VET_PERSON_LEAVER, 10,
		    NULL, &page, &st), VET_OK, "%s", st.message);
		n = page->n_people;
		vet_person_page_free(page);
		if (n == 0)
			usleep(10000);
	}
	cr_assert_eq(n, 1, "the leaver never reached the listing");
	cr_assert_geq(now(), effective);
	cr_assert_eq(vet_audit_list(client, &q, &a, &st), VET_OK, "%s",
	    st.message);
	cr_assert_geq(a->n_entries, 3);
	cr_assert_str_eq(a->entries[1].method, "RecordLeaver");
	cr_assert_not_null(strstr(a->entries[1].change, "scheduled: LEAVER"),
	    "%s", a->entries[1].change);
	cr_assert_str_eq(a->entries[2].principal, "vetd");
	cr_assert_str_eq(a->entries[2].method, "ScheduledEvent");
	cr_assert_not_null(strstr(a->entries[2].change,
	    "status: ACTIVE -> LEAVER"), "%s", a->entries[2].change);
	cr_assert_str_eq(a->entries[2].reason, "retired");
	vet_audit_page_free(a);
}

Test(history, renewal_keeps_the_earlier_term)
{
	vet_person *p = NULL;
	vet_status st;
	int64_t g = now() - 400 * DAY, old_due = now() - 10 * DAY;
	int64_t new_due = now() + 3650 * DAY;

	put_person("fred");
	grant("fred", "SC", g, old_due);
	expect("fred", "SECRET", 0, VET_DENY, "CLEARANCE_EXPIRED");
	cr_assert_eq(vet_clearance_renew(client, "fred", "NSV", new_due,
	    "REF-2", &p, &st), VET_OK, "%s", st.message);
	cr_assert_eq(p->clearances[0].review_due, new_due);
	cr_assert_str_eq(p->clearances[0].reference, "REF-2");
	cr_assert_eq(p->clearances[0].granted_at, g, "the grant date stays");
	vet_person_free(p);
	expect("fred", "SECRET", 0, VET_ALLOW, "GRANTED");
	expect("fred", "SECRET", old_due - 1, VET_ALLOW, "GRANTED");
	expect("fred", "SECRET", old_due + DAY, VET_DENY,
	    "CLEARANCE_EXPIRED");
	expect("fred", "SECRET", new_due - 1, VET_ALLOW, "GRANTED");
	cr_assert_eq(vet_person_get(client, "fred", &p, &st), VET_OK);
	cr_assert_eq(p->n_history, 2);
	cr_assert_eq(p->history[0].kind, VET_EVENT_CLEARANCE_GRANTED);
	cr_assert_eq(p->history[0].review_due, old_due);
	cr_assert_str_eq(p->history[0].reference, "REF-1");
	cr_assert_eq(p->history[1].kind, VET_EVENT_CLEARANCE_RENEWED);
	cr_assert_eq(p->history[1].review_due, new_due);
	cr_assert_str_eq(p->history[1].reference, "REF-2");
	cr_assert_str_eq(vet_event_kind_name(p->history[1].kind),
	    "CLEARANCE_RENEWED");
	vet_person_free(p);
	/* Audited like any write, the change in words. */
	{
		vet_audit_query q = { .person_id = "fred" };
		vet_audit_page *a = NULL;
		const vet_audit_entry *e;

		cr_assert_eq(vet_audit_list(client, &q, &a, &st), VET_OK);
		e = &a->entries[a->n_entries - 1];
		cr_assert_str_eq(e->method, "RenewClearance");
		cr_assert_not_null(strstr(e->change, "clearance nsv: "
		    "review_due "), "%s", e->change);
		cr_assert_not_null(strstr(e->change, "reference \"REF-1\" "
		    "-> \"REF-2\""), "%s", e->change);
		vet_audit_page_free(a);
	}
	/* No reference: the current one stays. */
	cr_assert_eq(vet_clearance_renew(client, "fred", "nsv", new_due + DAY,
	    NULL, &p, &st), VET_OK, "%s", st.message);
	cr_assert_str_eq(p->clearances[0].reference, "REF-2");
	vet_person_free(p);
}

Test(history, renewal_refusals)
{
	vet_status st;
	uint64_t rev;
	int64_t due = now() + 900 * DAY;

	put_person("gina");
	grant("gina", "SC", now() - DAY, now() + 300 * DAY);
	put_person("hank");
	cr_assert_eq(vet_clearance_renew(client, "nobody", "nsv", due, NULL,
	    NULL, &st), VET_NOT_FOUND);
	cr_assert_eq(vet_clearance_renew(client, "hank", "nsv", due, NULL,
	    NULL, &st), VET_NOT_FOUND);
	cr_assert_str_eq(st.message, "person hank holds no nsv clearance");
	cr_assert_eq(vet_clearance_renew(client, "gina", "nope", due, NULL,
	    NULL, &st), VET_INVALID_ARGUMENT);
	cr_assert_eq(vet_clearance_renew(client, "gina", "nsv", now() - 5,
	    NULL, NULL, &st), VET_INVALID_ARGUMENT);
	cr_assert_str_eq(st.message, "the new review date must be after now");
	cr_assert_eq(vet_clearance_renew(client, "gina", "nsv", 0, NULL,
	    NULL, &st), VET_INVALID_ARGUMENT);
	cr_assert_eq(vet_clearance_renew(client, "bad id!", "nsv", due, NULL,
	    NULL, &st), VET_INVALID_ARGUMENT);
	cr_assert_eq(vet_clearance_set_status(client, "gina", "nsv",
	    VET_ACTION_WITHDRAW, "appeal lost", NULL, &st), VET_OK);
	rev = st.revision;
	cr_assert_eq(vet_clearance_renew(client, "gina", "nsv", due, NULL,
	    NULL, &st), VET_FAILED_PRECONDITION);
	cr_assert_not_null(strstr(st.message, "is withdrawn"), "%s",
	    st.message);
	cr_assert_eq(st.revision, rev, "nothing changed");
	cr_assert_eq(vet_leaver(client, "gina", "gone", NULL, &st), VET_OK);
	cr_assert_eq(vet_clearance_renew(client, "gina", "nsv", due, NULL,
	    NULL, &st), VET_FAILED_PRECONDITION);
	cr_assert_not_null(strstr(st.message, "is a leaver"), "%s",
	    st.message);
}

Test(history, effective_times_in_the_past_are_refused)
{
	vet_person *p = NULL;
	vet_status st;

	put_person("ivan");
	grant("ivan", "SC", now() - DAY, now() + 300 * DAY);
	cr_assert_eq(vet_leaver_at(client, "ivan", "late", now() - 60, NULL,
	    &st), VET_INVALID_ARGUMENT);
	cr_assert_not_null(strstr(st.message, "effective_at is in the past"),
	    "%s", st.message);
	cr_assert_eq(vet_person_set_status_at(client, "ivan",
	    VET_ACTION_SUSPEND, "late", now() - 60, NULL, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_eq(vet_leaver_at(client, "ivan", "far", 7289654400LL,
	    NULL, &st), VET_INVALID_ARGUMENT, "beyond 2200");
	cr_assert_eq(vet_person_get(client, "ivan", &p, &st), VET_OK);
	cr_assert_eq(p->status, VET_PERSON_ACTIVE, "nothing changed");
	cr_assert_eq(p->n_history, 1);
	vet_person_free(p);
}

Test(history, a_second_leaver_must_come_sooner)
{
	vet_status st;
	int64_t first = now() + 30 * DAY;

	put_person("jo");
	grant("jo", "SC", now() - DAY, now() + 300 * DAY);
	cr_assert_eq(vet_leaver_at(client, "jo", "notice", first, NULL, &st),
	    VET_OK, "%s", st.message);
	cr_assert_eq(vet_leaver_at(client, "jo", "later", first + DAY, NULL,
	    &st), VET_FAILED_PRECONDITION);
	cr_assert_not_null(strstr(st.message, "already due to leave"), "%s",
	    st.message);
	cr_assert_eq(vet_person_set_status_at(client, "jo",
	    VET_ACTION_SUSPEND, "after", first + DAY, NULL, &st),
	    VET_FAILED_PRECONDITION);
	/* Sooner is allowed; so is leaving now, which makes both moot. */
	cr_assert_eq(vet_leaver_at(client, "jo", "garden leave",
	    first - 10 * DAY, NULL, &st), VET_OK, "%s", st.message);
	expect("jo", "SECRET", first - 10 * DAY, VET_DENY, "LEAVER");
	cr_assert_eq(vet_leaver(client, "jo", "dismissed", NULL, &st), VET_OK,
	    "%s", st.message);
	expect("jo", "SECRET", 0, VET_DENY, "LEAVER");
	cr_assert_eq(vet_leaver_at(client, "jo", "again", first, NULL, &st),
	    VET_FAILED_PRECONDITION, "a leaver is final");
}

Test(history, batch_checks_each_at_their_own_time)
{
	int64_t g = now() - 100 * DAY, due = now() + 300 * DAY;
	vet_check_request reqs[3] = {
		{ .person_id = "kim", .marking = "SECRET", .at = g - 1 },
		{ .person_id = "kim", .marking = "SECRET", .at = 0 },
		{ .person_id = "kim", .marking = "SECRET", .at = g + DAY },
	};
	vet_decision d[3];
	vet_status st;

	put_person("kim");
	grant("kim", "SC", g, due);
	cr_assert_eq(vet_batch_check(client, reqs, 3, d, &st), VET_OK, "%s",
	    st.message);
	cr_assert_str_eq(d[0].reason_name, "NO_CLEARANCE");
	cr_assert_eq(d[0].at, g - 1);
	cr_assert_eq(d[1].effect, VET_ALLOW);
	cr_assert_eq(d[1].at, d[1].decided_at);
	cr_assert_eq(d[2].effect, VET_ALLOW);
	cr_assert_eq(d[2].at, g + DAY);
	cr_assert_eq(d[2].valid_until, due, "the review date");
}

Test(history, a_bad_time_is_invalid_argument)
{
	vet_check_request req = { .person_id = "lou", .marking = "SECRET",
	    .at = -5 };
	vet_decision d;
	vet_status st;

	put_person("lou");
	cr_assert_eq(vet_check(client, &req, &d, &st), VET_INVALID_ARGUMENT);
	cr_assert_eq(d.effect, VET_DENY);
	cr_assert_str_eq(st.message, "at must be a date between 1970 and 2200");
	req.at = 7289654400LL;
	cr_assert_eq(vet_check(client, &req, &d, &st), VET_INVALID_ARGUMENT);
	req.at = 1;
	expect("lou", "SECRET", 1, VET_DENY, "NO_CLEARANCE");
	expect("nobody", "SECRET", now() - DAY, VET_DENY, "UNKNOWN_PERSON");
}

/* Handlers write state only: the store derives the events of any write,
 * an import included. */
Test(history, an_import_is_recorded_as_events)
{
	int64_t t0 = now();
	vet_clearance c = { .scheme = "nsv", .level = "DV",
	    .granted_at = t0 - 50 * DAY, .review_due = t0 + 50 * DAY,
	    .authority = "UKSV", .reference = "R", .status =
	    VET_CLEARANCE_SUSPENDED, .status_reason = "review",
	    .status_changed_at = t0 - 5 * DAY };
	vet_person in = { .id = "max", .display_name = "Max",
	    .nationality = "GB", .n_clearances = 1, .clearances = &c };
	vet_import_result r;
	vet_person *p = NULL;
	vet_status st;

	cr_assert_eq(vet_import_people(client, &in, 1, &r, &st), VET_OK, "%s",
	    st.message);
	cr_assert_eq(vet_person_get(client, "max", &p, &st), VET_OK);
	cr_assert_eq(p->n_history, 2);
	cr_assert_eq(p->history[0].kind, VET_EVENT_CLEARANCE_GRANTED);
	cr_assert_eq(p->history[1].kind, VET_EVENT_CLEARANCE_SUSPENDED);
	cr_assert_eq(p->history[1].at, t0 - 5 * DAY);
	vet_person_free(p);
	expect("max", "TOP SECRET", t0 - 6 * DAY, VET_ALLOW, "GRANTED");
	expect("max", "TOP SECRET", t0 - 4 * DAY, VET_DENY,
	    "CLEARANCE_SUSPENDED");
}
