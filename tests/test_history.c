/*
 * test_history.c: the state a person's dated events add up to at a time
 * T, and the events rebuilt from a schema-1 record for the migration.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "history.h"

#define DAY 86400
#define T0 1700000000

static struct person base;
static struct history h;

static void
setup(void)
{
	memset(&base, 0, sizeof(base));
	strcpy(base.id, "p1");
	strcpy(base.display_name, "P One");
	strcpy(base.nationality, "GB");
	base.created_at = T0;
	history_init(&h);
}

static void
teardown(void)
{
	history_free(&h);
}

TestSuite(history, .init = setup, .fini = teardown);

static void
add(enum event_kind kind, vtime at, const char *scheme, const char *level,
    vtime review_due, const char *compartment, const char *reason)
{
	struct event e;

	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.at = at;
	e.recorded_at = T0;
	strcpy(e.scheme, scheme ? scheme : "");
	strcpy(e.level, level ? level : "");
	e.review_due = review_due;
	strcpy(e.compartment, compartment ? compartment : "");
	strcpy(e.reason, reason ? reason : "");
	cr_assert_eq(history_add(&h, &e), 0);
}

Test(history, no_events_is_an_active_person_without_clearance)
{
	struct person s;

	history_state_at(&base, &h, T0, &s);
	cr_assert_eq(s.status, PERSON_ACTIVE);
	cr_assert_eq(s.n_clearances, 0);
	cr_assert_str_eq(s.id, "p1");
	cr_assert_str_eq(s.nationality, "GB");
	cr_assert_eq(history_next_after(&h, T0), 0);
}

Test(history, point_in_time_states)
{
	struct person s;

	add(EVENT_CLEARANCE_GRANTED, T0 + 10 * DAY, "nsv", "SC",
	    T0 + 100 * DAY, NULL, NULL);
	add(EVENT_CLEARANCE_SUSPENDED, T0 + 20 * DAY, "nsv", NULL, 0, NULL,
	    "review");
	add(EVENT_CLEARANCE_REINSTATED, T0 + 30 * DAY, "nsv", NULL, 0, NULL,
	    "ok");
	add(EVENT_CLEARANCE_RENEWED, T0 + 90 * DAY, "nsv", NULL,
	    T0 + 400 * DAY, NULL, NULL);

	history_state_at(&base, &h, T0 + 10 * DAY - 1, &s);
	cr_assert_eq(s.n_clearances, 0, "before the grant");
	history_state_at(&base, &h, T0 + 10 * DAY, &s);
	cr_assert_eq(s.n_clearances, 1);
	cr_assert_eq(s.clearances[0].status, CLEARANCE_GRANTED);
	cr_assert_eq(s.clearances[0].granted_at, T0 + 10 * DAY);
	cr_assert_eq(s.clearances[0].review_due, T0 + 100 * DAY);
	history_state_at(&base, &h, T0 + 25 * DAY, &s);
	cr_assert_eq(s.clearances[0].status, CLEARANCE_SUSPENDED);
	cr_assert_str_eq(s.clearances[0].status_reason, "review");
	history_state_at(&base, &h, T0 + 30 * DAY, &s);
	cr_assert_eq(s.clearances[0].status, CLEARANCE_GRANTED);
	history_state_at(&base, &h, T0 + 95 * DAY, &s);
	cr_assert_eq(s.clearances[0].review_due, T0 + 400 * DAY);
	cr_assert_eq(s.clearances[0].granted_at, T0 + 10 * DAY,
	    "renewal keeps the grant date");
	cr_assert_eq(history_next_after(&h, T0 + 20 * DAY), T0 + 30 * DAY);
	cr_assert_eq(history_next_after(&h, T0 + 90 * DAY), 0);
}

Test(history, future_leaver_takes_effect_at_its_time)
{
	struct person s;

	add(EVENT_CLEARANCE_GRANTED, T0, "nsv", "DV", T0 + 900 * DAY, NULL,
	    NULL);
	add(EVENT_BRIEFED, T0 + DAY, NULL, NULL, 0, "ZIRCON", NULL);
	add(EVENT_LEAVER, T0 + 50 * DAY, NULL, NULL, 0, NULL, "retiring");
	history_state_at(&base, &h, T0 + 50 * DAY - 1, &s);
	cr_assert_eq(s.status, PERSON_ACTIVE);
	cr_assert_eq(s.briefings[0].debriefed_at, 0);
	history_state_at(&base, &h, T0 + 50 * DAY, &s);
	cr_assert_eq(s.status, PERSON_LEAVER);
	cr_assert_str_eq(s.status_reason, "retiring");
	cr_assert_eq(s.clearances[0].status, CLEARANCE_LAPSED);
	cr_assert_eq(s.briefings[0].debriefed_at, T0 + 50 * DAY);
	cr_assert_str_eq(s.briefings[0].debrief_reason, "leaver: retiring");
}

Test(history, events_at_one_time_keep_their_order_and_backdating_sorts)
{
	add(EVENT_CLEARANCE_GRANTED, T0 + 5, "nsv", "SC", T0 + DAY, NULL,
	    NULL);
	add(EVENT_CLEARANCE_SUSPENDED, T0 + 5, "nsv", NULL, 0, NULL, "a");
	add(EVENT_BRIEFED, T0 + 1, NULL, NULL, 0, "X", NULL);
	cr_assert_eq(h.events[0].kind, EVENT_BRIEFED);
	cr_assert_eq(h.events[1].kind, EVENT_CLEARANCE_GRANTED);
	cr_assert_eq(h.events[2].kind, EVENT_CLEARANCE_SUSPENDED);
}

Test(history, the_cap_is_enforced)
{
	struct event e = { .kind = EVENT_BRIEFED, .at = T0 };
	strcpy(e.compartment, "X");
	for (int i = 0; i < HISTORY_MAX_EVENTS; i++)
		cr_assert_eq(history_add(&h, &e), 0);
	cr_assert_eq(history_add(&h, &e), -2);
}

Test(history, rebuilt_from_a_schema1_state)
{
	struct person s, back;
	struct history rebuilt;

	memcpy(&s, &base, sizeof(s));
	s.status = PERSON_LEAVER;
	strcpy(s.status_reason, "resigned");
	s.status_changed_at = T0 + 60 * DAY;
	s.n_clearances = 2;
	strcpy(s.clearances[0].scheme, "nsv");
	strcpy(s.clearances[0].level, "DV");
	s.clearances[0].granted_at = T0;
	s.clearances[0].review_due = T0 + 900 * DAY;
	strcpy(s.clearances[0].authority, "UKSV");
	s.clearances[0].status = CLEARANCE_LAPSED;
	strcpy(s.clearances[0].status_reason, "leaver: resigned");
	s.clearances[0].status_changed_at = T0 + 60 * DAY;
	strcpy(s.clearances[1].scheme, "police");
	strcpy(s.clearances[1].level, "NPPV3");
	s.clearances[1].granted_at = T0 + DAY;
	s.clearances[1].review_due = T0 + 90 * DAY;
	s.clearances[1].status = CLEARANCE_WITHDRAWN;
	strcpy(s.clearances[1].status_reason, "appeal lost");
	s.clearances[1].status_changed_at = T0 + 30 * DAY;
	s.n_briefings = 2;
	strcpy(s.briefings[0].compartment, "ATOMAL");
	s.briefings[0].briefed_at = T0 + 2 * DAY;
	s.briefings[0].debriefed_at = T0 + 10 * DAY;
	strcpy(s.briefings[0].debrief_reason, "moved");
	strcpy(s.briefings[1].compartment, "ZIRCON");
	s.briefings[1].briefed_at = T0 + 3 * DAY;
	s.briefings[1].expires_at = T0 + 300 * DAY;
	s.briefings[1].debriefed_at = T0 + 60 * DAY;
	strcpy(s.briefings[1].debrief_reason, "leaver: resigned");

	history_init(&rebuilt);
	cr_assert_eq(history_from_state(&s, &rebuilt), 0);
	cr_assert_eq(rebuilt.n, 7, "2 grants, 1 withdrawal, 2 briefings, "
	    "1 debriefing, no leaver debriefing, 1 leaver: got %zu",
	    rebuilt.n);
	history_state_at(&s, &rebuilt, T0 + 61 * DAY, &back);
	cr_assert_eq(back.status, PERSON_LEAVER);
	cr_assert_eq(back.n_clearances, 2);
	cr_assert_eq(back.clearances[0].status, CLEARANCE_LAPSED);
	cr_assert_eq(back.clearances[1].status, CLEARANCE_WITHDRAWN);
	cr_assert_str_eq(back.clearances[1].status_reason, "appeal lost");
	cr_assert_eq(back.briefings[0].debriefed_at, T0 + 10 * DAY);
	cr_assert_str_eq(back.briefings[0].debrief_reason, "moved");
	cr_assert_eq(back.briefings[1].debriefed_at, T0 + 60 * DAY);
	cr_assert_eq(back.briefings[1].expires_at, T0 + 300 * DAY);
	/* And in the past, before the withdrawal. */
	history_state_at(&s, &rebuilt, T0 + 5 * DAY, &back);
	cr_assert_eq(back.status, PERSON_ACTIVE);
	cr_assert_eq(back.clearances[1].status, CLEARANCE_GRANTED);
	history_free(&rebuilt);
}
