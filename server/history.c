/*
 * history.c: dated events and the state they add up to at a time T (see
 * history.h). Pure: the caller supplies T. Events are trusted to have been
 * validated by the handler or the record decoder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "history.h"

static const char *const event_names[] = {
	"UNKNOWN", "PERSON_SUSPENDED", "PERSON_REINSTATED", "LEAVER",
	"CLEARANCE_GRANTED", "CLEARANCE_RENEWED", "CLEARANCE_SUSPENDED",
	"CLEARANCE_REINSTATED", "CLEARANCE_WITHDRAWN", "BRIEFED", "DEBRIEFED",
	"CLEARANCE_LAPSED",
};

const char *
event_kind_name(enum event_kind k)
{
	if ((int)k < 1 || k > EVENT_KIND_MAX)
		return "UNKNOWN";
	return event_names[k];
}

void
history_init(struct history *h)
{
	memset(h, 0, sizeof(*h));
}

void
history_free(struct history *h)
{
	if (h == NULL)
		return;
	free(h->events);
	memset(h, 0, sizeof(*h));
}

static int
history_reserve(struct history *h, size_t n)
{
	struct event *grown;
	size_t cap;

	if (n <= h->cap)
		return 0;
	cap = h->cap ? h->cap : 8;
	while (cap < n)
		cap *= 2;
	if ((grown = realloc(h->events, cap * sizeof(*grown))) == NULL)
		return -1;
	h->events = grown;
	h->cap = cap;
	return 0;
}

int
history_copy(struct history *dst, const struct history *src)
{
	dst->n = 0;
	if (history_reserve(dst, src->n) != 0)
		return -1;
	if (src->n > 0)
		memcpy(dst->events, src->events, src->n * sizeof(*src->events));
	dst->n = src->n;
	return 0;
}

static int
add_capped(struct history *h, const struct event *e, size_t cap)
{
	size_t pos;

	if (h->n >= cap)
		return -2;
	if (history_reserve(h, h->n + 1) != 0)
		return -1;
	for (pos = h->n; pos > 0 && h->events[pos - 1].at > e->at; pos--)
		;
	memmove(&h->events[pos + 1], &h->events[pos],
	    (h->n - pos) * sizeof(*e));
	h->events[pos] = *e;
	h->n++;
	return 0;
}

int
history_add(struct history *h, const struct event *e)
{
	return add_capped(h, e, e->kind == EVENT_LEAVER ? HISTORY_STORED_MAX :
	    HISTORY_MAX_EVENTS);
}

int
history_add_stored(struct history *h, const struct event *e)
{
	return add_capped(h, e, HISTORY_STORED_MAX);
}

static struct clearance *
state_clearance(struct person *p, const char *scheme, int create)
{
	for (size_t i = 0; i < p->n_clearances; i++)
		if (strcasecmp(p->clearances[i].scheme, scheme) == 0)
			return &p->clearances[i];
	if (!create || p->n_clearances >= PERSON_MAX_CLEARANCES)
		return NULL;
	struct clearance *c = &p->clearances[p->n_clearances++];
	memset(c, 0, sizeof(*c));
	snprintf(c->scheme, sizeof(c->scheme), "%s", scheme);
	return c;
}

static struct briefing *
state_briefing(struct person *p, const char *compartment, int create)
{
	for (size_t i = 0; i < p->n_briefings; i++)
		if (strcasecmp(p->briefings[i].compartment, compartment) == 0)
			return &p->briefings[i];
	if (!create || p->n_briefings >= PERSON_MAX_BRIEFINGS)
		return NULL;
	struct briefing *b = &p->briefings[p->n_briefings++];
	memset(b, 0, sizeof(*b));
	snprintf(b->compartment, sizeof(b->compartment), "%s", compartment);
	return b;
}

static void
clearance_status(struct clearance *c, enum clearance_status s,
    const struct event *e)
{
	c->status = s;
	snprintf(c->status_reason, sizeof(c->status_reason), "%s", e->reason);
	c->status_changed_at = e->at;
}

static void
apply_leaver(struct person *p, const struct event *e)
{
	char why[REASON_MAX + 1];

	snprintf(why, sizeof(why), "leaver: %.*s", REASON_MAX - 8, e->reason);
	p->status = PERSON_LEAVER;
	snprintf(p->status_reason, sizeof(p->status_reason), "%s", e->reason);
	p->status_changed_at = e->at;
	for (size_t i = 0; i < p->n_clearances; i++) {
		struct clearance *c = &p->clearances[i];
		if (c->status == CLEARANCE_GRANTED ||
		    c->status == CLEARANCE_SUSPENDED) {
			c->status = CLEARANCE_LAPSED;
			snprintf(c->status_reason, sizeof(c->status_reason),
			    "%s", why);
			c->status_changed_at = e->at;
		}
	}
	for (size_t i = 0; i < p->n_briefings; i++) {
		struct briefing *b = &p->briefings[i];
		if (b->debriefed_at == 0) {
			b->debriefed_at = e->at;
			snprintf(b->debrief_reason, sizeof(b->debrief_reason),
			    "%s", why);
		}
	}
}

/* apply folds one event into the state. */
static void
apply(struct person *p, const struct event *e)
{
	struct clearance *c;
	struct briefing *b;

	if (p->status == PERSON_LEAVER)
		return;			/* a leaver is final */
	switch (e->kind) {
	case EVENT_PERSON_SUSPENDED:
	case EVENT_PERSON_REINSTATED:
		if (p->status == (e->kind == EVENT_PERSON_SUSPENDED ?
		    PERSON_SUSPENDED : PERSON_ACTIVE))
			break;		/* already so: nothing changes */
		p->status = e->kind == EVENT_PERSON_SUSPENDED ?
		    PERSON_SUSPENDED : PERSON_ACTIVE;
		snprintf(p->status_reason, sizeof(p->status_reason), "%s",
		    e->reason);
		p->status_changed_at = e->at;
		break;
	case EVENT_LEAVER:
		apply_leaver(p, e);
		break;
	case EVENT_CLEARANCE_GRANTED:
		if ((c = state_clearance(p, e->scheme, 1)) == NULL)
			break;
		snprintf(c->level, sizeof(c->level), "%s", e->level);
		c->granted_at = e->at;
		c->review_due = e->review_due;
		snprintf(c->authority, sizeof(c->authority), "%s",
		    e->authority);
		snprintf(c->reference, sizeof(c->reference), "%s",
		    e->reference);
		clearance_status(c, CLEARANCE_GRANTED, e);
		break;
	case EVENT_CLEARANCE_RENEWED:
		if ((c = state_clearance(p, e->scheme, 0)) == NULL)
			break;
		c->review_due = e->review_due;
		if (e->reference[0] != '\0')
			snprintf(c->reference, sizeof(c->reference), "%s",
			    e->reference);
		break;
	case EVENT_CLEARANCE_SUSPENDED:
	case EVENT_CLEARANCE_REINSTATED:
	case EVENT_CLEARANCE_WITHDRAWN:
	case EVENT_CLEARANCE_LAPSED:
		if ((c = state_clearance(p, e->scheme, 0)) == NULL)
			break;
		clearance_status(c,
		    e->kind == EVENT_CLEARANCE_SUSPENDED ? CLEARANCE_SUSPENDED :
		    e->kind == EVENT_CLEARANCE_REINSTATED ? CLEARANCE_GRANTED :
		    e->kind == EVENT_CLEARANCE_WITHDRAWN ? CLEARANCE_WITHDRAWN :
		    CLEARANCE_LAPSED, e);
		break;
	case EVENT_BRIEFED:
		if ((b = state_briefing(p, e->compartment, 1)) == NULL)
			break;
		b->briefed_at = e->at;
		b->expires_at = e->expires_at;
		b->debriefed_at = 0;
		b->debrief_reason[0] = '\0';
		break;
	case EVENT_DEBRIEFED:
		if ((b = state_briefing(p, e->compartment, 0)) == NULL ||
		    b->debriefed_at != 0)
			break;
		b->debriefed_at = e->at;
		snprintf(b->debrief_reason, sizeof(b->debrief_reason), "%s",
		    e->reason);
		break;
	}
}

void
history_state_at(const struct person *base, const struct history *h,
    vtime t, struct person *out)
{
	memcpy(out, base, offsetof(struct person, n_clearances));
	out->status = PERSON_ACTIVE;
	out->status_reason[0] = '\0';
	out->status_changed_at = base->created_at;
	out->n_clearances = 0;
	out->n_briefings = 0;
	for (size_t i = 0; i < h->n && h->events[i].at <= t; i++)
		apply(out, &h->events[i]);
}

vtime
history_next_after(const struct history *h, vtime t)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->events[i].at > t)
			return h->events[i].at;
	return 0;
}

void
history_apply_scheduled(struct person *state, const struct history *h,
    vtime after, vtime until)
{
	for (size_t i = 0; i < h->n && h->events[i].at <= until; i++)
		if (h->events[i].scheduled && h->events[i].at > after)
			apply(state, &h->events[i]);
}

vtime
history_next_scheduled(const struct history *h, vtime t)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->events[i].scheduled && h->events[i].at > t)
			return h->events[i].at;
	return 0;
}

static int
add_state_event(struct history *out, enum event_kind kind, vtime at,
    const char *reason, struct event *e)
{
	e->kind = kind;
	e->at = at;
	e->recorded_at = 0;		/* schema 1 did not keep it */
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
	return history_add(out, e) == 0 ? 0 : -1;
}

int
history_from_state(const struct person *s, struct history *out)
{
	struct event e;

	for (size_t i = 0; i < s->n_clearances; i++) {
		const struct clearance *c = &s->clearances[i];
		memset(&e, 0, sizeof(e));
		snprintf(e.scheme, sizeof(e.scheme), "%s", c->scheme);
		snprintf(e.level, sizeof(e.level), "%s", c->level);
		e.review_due = c->review_due;
		snprintf(e.authority, sizeof(e.authority), "%s", c->authority);
		snprintf(e.reference, sizeof(e.reference), "%s", c->reference);
		if (add_state_event(out, EVENT_CLEARANCE_GRANTED, c->granted_at,
		    "", &e) != 0)
			return -1;
		/* A leaver's lapses come from the LEAVER event. */
		if (c->status == CLEARANCE_SUSPENDED ||
		    c->status == CLEARANCE_WITHDRAWN ||
		    (c->status == CLEARANCE_LAPSED &&
		    !(s->status == PERSON_LEAVER &&
		    c->status_changed_at == s->status_changed_at &&
		    strncmp(c->status_reason, "leaver: ", 8) == 0))) {
			memset(&e, 0, sizeof(e));
			snprintf(e.scheme, sizeof(e.scheme), "%s", c->scheme);
			if (add_state_event(out, c->status ==
			    CLEARANCE_SUSPENDED ? EVENT_CLEARANCE_SUSPENDED :
			    c->status == CLEARANCE_WITHDRAWN ?
			    EVENT_CLEARANCE_WITHDRAWN : EVENT_CLEARANCE_LAPSED,
			    c->status_changed_at, c->status_reason, &e) != 0)
				return -1;
		}
	}
	for (size_t i = 0; i < s->n_briefings; i++) {
		const struct briefing *b = &s->briefings[i];
		memset(&e, 0, sizeof(e));
		snprintf(e.compartment, sizeof(e.compartment), "%s",
		    b->compartment);
		e.expires_at = b->expires_at;
		if (add_state_event(out, EVENT_BRIEFED, b->briefed_at, "",
		    &e) != 0)
			return -1;
		/* A leaver's debriefings come from the LEAVER event. */
		if (b->debriefed_at != 0 && !(s->status == PERSON_LEAVER &&
		    b->debriefed_at == s->status_changed_at &&
		    strncmp(b->debrief_reason, "leaver: ", 8) == 0)) {
			memset(&e, 0, sizeof(e));
			snprintf(e.compartment, sizeof(e.compartment), "%s",
			    b->compartment);
			if (add_state_event(out, EVENT_DEBRIEFED,
			    b->debriefed_at, b->debrief_reason, &e) != 0)
				return -1;
		}
	}
	if (s->status == PERSON_SUSPENDED || s->status == PERSON_LEAVER) {
		memset(&e, 0, sizeof(e));
		if (add_state_event(out, s->status == PERSON_SUSPENDED ?
		    EVENT_PERSON_SUSPENDED : EVENT_LEAVER, s->status_changed_at,
		    s->status_reason, &e) != 0)
			return -1;
	}
	return 0;
}
