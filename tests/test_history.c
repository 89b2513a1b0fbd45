/*
 * test_history.c: the state a person's dated events add up to at a time
 * T, the events derived from two states (history_diff.c), scheduled events
 * coming due, and the events rebuilt from a schema-1 record for the
 * migration.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
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
	/* A leaver always fits: the record's length never stops one. */
	e.kind = EVENT_LEAVER;
	for (int i = 0; i < HISTORY_LEAVER_RESERVE; i++)
		cr_assert_eq(history_add(&h, &e), 0);
	cr_assert_eq(history_add(&h, &e), -2);
	cr_assert_eq(h.n, HISTORY_STORED_MAX);
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

/* history_derive: the events between two states (history_diff.c). */

static struct person *
person_new(void)
{
	struct person *p = calloc(1, sizeof(*p));

	cr_assert_not_null(p);
	*p = base;
	p->status = PERSON_ACTIVE;
	return p;
}

static void
set_clearance(struct person *p, size_t i, const char *scheme,
    const char *level, vtime granted, vtime due, enum clearance_status st,
    vtime changed, const char *reason)
{
	struct clearance *c = &p->clearances[i];

	memset(c, 0, sizeof(*c));
	strcpy(c->scheme, scheme);
	strcpy(c->level, level);
	c->granted_at = granted;
	c->review_due = due;
	strcpy(c->authority, "UKSV");
	strcpy(c->reference, "R1");
	c->status = st;
	c->status_changed_at = changed;
	strcpy(c->status_reason, reason);
	if (p->n_clearances <= i)
		p->n_clearances = i + 1;
}

static void
assert_event(size_t i, enum event_kind kind, vtime at, const char *what)
{
	cr_assert_lt(i, h.n, "no event %zu (%s): only %zu", i, what, h.n);
	cr_assert_eq(h.events[i].kind, kind, "event %zu is %s, not %s (%s)", i,
	    event_kind_name(h.events[i].kind), event_kind_name(kind), what);
	cr_assert_eq(h.events[i].at, at, "event %zu at %lld, not %lld (%s)",
	    i, (long long)h.events[i].at, (long long)at, what);
	cr_assert_eq(h.events[i].recorded_at, T0 + 99 * DAY);
	cr_assert_eq(h.events[i].scheduled, 0);
}

#define NOW (T0 + 99 * DAY)

Test(history, derive_a_new_person_with_a_grant_and_a_briefing)
{
	struct person *p = person_new();

	set_clearance(p, 0, "nsv", "SC", T0, T0 + 900 * DAY,
	    CLEARANCE_GRANTED, T0, "");
	p->n_briefings = 1;
	strcpy(p->briefings[0].compartment, "ATOMAL");
	p->briefings[0].briefed_at = T0 + DAY;
	p->briefings[0].expires_at = T0 + 300 * DAY;
	cr_assert_eq(history_derive(NULL, p, NOW, &h), 0);
	cr_assert_eq(h.n, 2);
	assert_event(0, EVENT_CLEARANCE_GRANTED, T0, "the grant");
	cr_assert_str_eq(h.events[0].level, "SC");
	cr_assert_eq(h.events[0].review_due, T0 + 900 * DAY);
	cr_assert_str_eq(h.events[0].authority, "UKSV");
	assert_event(1, EVENT_BRIEFED, T0 + DAY, "the briefing");
	cr_assert_eq(h.events[1].expires_at, T0 + 300 * DAY);
	free(p);
}

Test(history, derive_nothing_for_attribute_changes)
{
	struct person *a = person_new(), *b = person_new();

	set_clearance(a, 0, "nsv", "SC", T0, T0 + 900 * DAY,
	    CLEARANCE_GRANTED, T0, "");
	*b = *a;
	strcpy(b->display_name, "Someone Else");
	strcpy(b->nationality, "FR");
	b->updated_at = NOW;
	cr_assert_eq(history_derive(a, b, NOW, &h), 0);
	cr_assert_eq(h.n, 0, "names are not events: got %zu", h.n);
	free(a);
	free(b);
}

Test(history, derive_renewal_regrant_and_status_changes)
{
	struct person *a = person_new(), *b = person_new();

	set_clearance(a, 0, "nsv", "SC", T0, T0 + 900 * DAY,
	    CLEARANCE_GRANTED, T0, "");
	set_clearance(a, 1, "police", "NPPV2", T0, T0 + 900 * DAY,
	    CLEARANCE_GRANTED, T0, "");
	*b = *a;
	b->clearances[0].review_due = T0 + 4000 * DAY;	/* renewed */
	strcpy(b->clearances[0].reference, "R2");
	b->clearances[1].status = CLEARANCE_SUSPENDED;	/* suspended */
	b->clearances[1].status_changed_at = NOW;
	strcpy(b->clearances[1].status_reason, "aftercare");
	cr_assert_eq(history_derive(a, b, NOW, &h), 0);
	cr_assert_eq(h.n, 2, "got %zu", h.n);
	assert_event(0, EVENT_CLEARANCE_RENEWED, NOW, "the renewal");
	cr_assert_str_eq(h.events[0].scheme, "nsv");
	cr_assert_eq(h.events[0].review_due, T0 + 4000 * DAY);
	cr_assert_str_eq(h.events[0].reference, "R2");
	assert_event(1, EVENT_CLEARANCE_SUSPENDED, NOW, "the suspension");
	cr_assert_str_eq(h.events[1].reason, "aftercare");

	/* A new level is a new grant, not a renewal. */
	h.n = 0;
	*a = *b;
	strcpy(b->clearances[0].level, "DV");
	b->clearances[0].granted_at = NOW;
	cr_assert_eq(history_derive(a, b, NOW, &h), 0);
	cr_assert_eq(h.n, 1);
	assert_event(0, EVENT_CLEARANCE_GRANTED, NOW, "the re-grant");
	cr_assert_str_eq(h.events[0].level, "DV");

	/* Reinstated, then withdrawn, then lapsed: one event each. */
	static const enum clearance_status to[] = { CLEARANCE_GRANTED,
	    CLEARANCE_WITHDRAWN, CLEARANCE_LAPSED };
	static const enum event_kind kinds[] = { EVENT_CLEARANCE_REINSTATED,
	    EVENT_CLEARANCE_WITHDRAWN, EVENT_CLEARANCE_LAPSED };
	for (size_t i = 0; i < 3; i++) {
		h.n = 0;
		*a = *b;
		b->clearances[1].status = to[i];
		b->clearances[1].status_changed_at = NOW + (vtime)i;
		cr_assert_eq(history_derive(a, b, NOW, &h), 0);
		cr_assert_eq(h.n, 1);
		assert_event(0, kinds[i], NOW + (vtime)i, "a status change");
	}
	free(a);
	free(b);
}

Test(history, derive_a_leaver_once_and_removals)
{
	struct person *a = person_new(), *b = person_new();

	set_clearance(a, 0, "nsv", "SC", T0, T0 + 900 * DAY,
	    CLEARANCE_GRANTED, T0, "");
	a->n_briefings = 1;
	strcpy(a->briefings[0].compartment, "ATOMAL");
	a->briefings[0].briefed_at = T0;
	*b = *a;
	b->status = PERSON_LEAVER;
	b->status_changed_at = NOW;
	strcpy(b->status_reason, "resigned");
	b->clearances[0].status = CLEARANCE_LAPSED;
	b->clearances[0].status_changed_at = NOW;
	strcpy(b->clearances[0].status_reason, "leaver: resigned");
	b->briefings[0].debriefed_at = NOW;
	strcpy(b->briefings[0].debrief_reason, "leaver: resigned");
	cr_assert_eq(history_derive(a, b, NOW, &h), 0);
	cr_assert_eq(h.n, 1, "the LEAVER carries the lapse and debriefing: "
	    "got %zu events", h.n);
	assert_event(0, EVENT_LEAVER, NOW, "the leaver");
	cr_assert_str_eq(h.events[0].reason, "resigned");

	/* An import that drops a clearance and a briefing. */
	h.n = 0;
	b->n_clearances = 0;
	b->n_briefings = 0;
	b->status = PERSON_ACTIVE;
	cr_assert_eq(history_derive(a, b, NOW, &h), 0);
	cr_assert_eq(h.n, 2);
	assert_event(0, EVENT_CLEARANCE_LAPSED, NOW, "a removed clearance");
	cr_assert_str_eq(h.events[0].reason, "removed from the record");
	assert_event(1, EVENT_DEBRIEFED, NOW, "a removed briefing");
	free(a);
	free(b);
}

Test(history, derive_person_suspension_and_reinstatement)
{
	struct person *a = person_new(), *b = person_new();

	b->status = PERSON_SUSPENDED;
	b->status_changed_at = NOW;
	strcpy(b->status_reason, "disciplinary");
	cr_assert_eq(history_derive(a, b, NOW, &h), 0);
	cr_assert_eq(h.n, 1);
	assert_event(0, EVENT_PERSON_SUSPENDED, NOW, "the suspension");
	h.n = 0;
	*a = *b;
	b->status = PERSON_ACTIVE;
	b->status_changed_at = NOW + 5;
	cr_assert_eq(history_derive(a, b, NOW, &h), 0);
	cr_assert_eq(h.n, 1);
	assert_event(0, EVENT_PERSON_REINSTATED, NOW + 5, "the reinstatement");
	free(a);
	free(b);
}

Test(history, the_derived_events_fold_back_to_the_state)
{
	struct person *a = person_new(), *b = person_new(), *s = person_new();

	set_clearance(b, 0, "nsv", "DV", T0, T0 + 900 * DAY,
	    CLEARANCE_SUSPENDED, T0 + 5 * DAY, "review");
	cr_assert_eq(history_derive(NULL, b, NOW, &h), 0);
	history_state_at(b, &h, NOW, s);
	cr_assert_eq(s->n_clearances, 1);
	cr_assert_eq(s->clearances[0].status, CLEARANCE_SUSPENDED);
	cr_assert_eq(s->clearances[0].granted_at, T0);
	history_state_at(b, &h, T0 + 5 * DAY - 1, s);
	cr_assert_eq(s->clearances[0].status, CLEARANCE_GRANTED,
	    "before the suspension");
	free(a);
	free(b);
	free(s);
}

Test(history, scheduled_events_apply_when_due_and_a_leaver_is_final)
{
	struct person *s = person_new();
	struct event e;

	add(EVENT_CLEARANCE_GRANTED, T0, "nsv", "SC", T0 + 900 * DAY, NULL,
	    NULL);
	memset(&e, 0, sizeof(e));
	e.kind = EVENT_PERSON_SUSPENDED;
	e.at = T0 + 10 * DAY;
	e.scheduled = 1;
	strcpy(e.reason, "later");
	cr_assert_eq(history_add(&h, &e), 0);
	e.kind = EVENT_LEAVER;
	e.at = T0 + 20 * DAY;
	strcpy(e.reason, "retiring");
	cr_assert_eq(history_add(&h, &e), 0);
	e.kind = EVENT_PERSON_REINSTATED;
	e.at = T0 + 30 * DAY;
	cr_assert_eq(history_add(&h, &e), 0);

	cr_assert_eq(history_next_scheduled(&h, T0), T0 + 10 * DAY);
	cr_assert_eq(history_next_scheduled(&h, T0 + 30 * DAY), 0);
	history_state_at(&base, &h, T0 + DAY, s);
	history_apply_scheduled(s, &h, T0 + DAY, T0 + 10 * DAY - 1);
	cr_assert_eq(s->status, PERSON_ACTIVE, "not due yet");
	history_apply_scheduled(s, &h, T0 + DAY, T0 + 10 * DAY);
	cr_assert_eq(s->status, PERSON_SUSPENDED);
	cr_assert_str_eq(s->status_reason, "later");
	cr_assert_eq(s->clearances[0].status, CLEARANCE_GRANTED,
	    "the grant is not scheduled: not applied again");
	history_apply_scheduled(s, &h, T0 + 10 * DAY, T0 + 40 * DAY);
	cr_assert_eq(s->status, PERSON_LEAVER, "a later reinstatement does "
	    "not undo a leaver");
	cr_assert_eq(s->clearances[0].status, CLEARANCE_LAPSED);
	history_state_at(&base, &h, T0 + 40 * DAY, s);
	cr_assert_eq(s->status, PERSON_LEAVER);
	cr_assert_str_eq(s->status_reason, "retiring");
	free(s);
}

Test(history, a_second_suspension_changes_nothing)
{
	struct person s;

	add(EVENT_PERSON_SUSPENDED, T0 + DAY, NULL, NULL, 0, NULL, "first");
	add(EVENT_PERSON_SUSPENDED, T0 + 2 * DAY, NULL, NULL, 0, NULL,
	    "second");
	history_state_at(&base, &h, T0 + 3 * DAY, &s);
	cr_assert_eq(s.status, PERSON_SUSPENDED);
	cr_assert_str_eq(s.status_reason, "first");
	cr_assert_eq(s.status_changed_at, T0 + DAY);
}

Test(history, a_lapse_without_a_leaver_is_rebuilt)
{
	struct person *s = person_new(), *back = person_new();
	struct history rebuilt;

	set_clearance(s, 0, "nsv", "SC", T0, T0 + 900 * DAY, CLEARANCE_LAPSED,
	    T0 + 7 * DAY, "no longer required");
	history_init(&rebuilt);
	cr_assert_eq(history_from_state(s, &rebuilt), 0);
	cr_assert_eq(rebuilt.n, 2);
	cr_assert_eq(rebuilt.events[1].kind, EVENT_CLEARANCE_LAPSED);
	cr_assert_eq(rebuilt.events[1].recorded_at, 0, "not known");
	history_state_at(s, &rebuilt, T0 + 8 * DAY, back);
	cr_assert_eq(back->clearances[0].status, CLEARANCE_LAPSED);
	history_state_at(s, &rebuilt, T0 + 6 * DAY, back);
	cr_assert_eq(back->clearances[0].status, CLEARANCE_GRANTED);
	history_free(&rebuilt);
	free(s);
	free(back);
}
