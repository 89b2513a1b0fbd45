/*
 * history_diff.c: the dated events that turn one stored state of a
 * person into the next (history_derive in history.h). The store calls it
 * for every write of a person, so handlers only ever write state and the
 * history follows. Pure: the caller supplies now. Trusts both states to
 * have passed record.c's checks.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "history.h"

#define REMOVED_REASON	"removed from the record"

struct derive {
	struct history *h;
	vtime	now;
	int	rv;		/* first failure of history_add */
};

static struct event *
event_new(struct event *e, enum event_kind kind, vtime at, vtime now)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->at = at != 0 ? at : now;
	e->recorded_at = now;
	return e;
}

static void
emit(struct derive *d, const struct event *e)
{
	int rv;

	if (d->rv == 0 && (rv = history_add(d->h, e)) != 0)
		d->rv = rv;
}

static const struct clearance *
old_clearance(const struct person *p, const char *scheme)
{
	if (p == NULL)
		return NULL;
	for (size_t i = 0; i < p->n_clearances; i++)
		if (strcasecmp(p->clearances[i].scheme, scheme) == 0)
			return &p->clearances[i];
	return NULL;
}

static const struct briefing *
old_briefing(const struct person *p, const char *compartment)
{
	if (p == NULL)
		return NULL;
	for (size_t i = 0; i < p->n_briefings; i++)
		if (strcasecmp(p->briefings[i].compartment, compartment) == 0)
			return &p->briefings[i];
	return NULL;
}

/* status_kind: the event that moves a clearance into status s. */
static enum event_kind
status_kind(enum clearance_status s)
{
	switch (s) {
	case CLEARANCE_SUSPENDED:
		return EVENT_CLEARANCE_SUSPENDED;
	case CLEARANCE_WITHDRAWN:
		return EVENT_CLEARANCE_WITHDRAWN;
	case CLEARANCE_LAPSED:
		return EVENT_CLEARANCE_LAPSED;
	default:
		return EVENT_CLEARANCE_REINSTATED;
	}
}

/* clearance_status_event: never before not_before (a grant's date), so
 * the fold meets the grant first. */
static void
clearance_status_event(struct derive *d, const struct clearance *c,
    vtime not_before)
{
	struct event e;

	event_new(&e, status_kind(c->status), c->status_changed_at, d->now);
	if (e.at < not_before)
		e.at = not_before;
	snprintf(e.scheme, sizeof(e.scheme), "%s", c->scheme);
	snprintf(e.reason, sizeof(e.reason), "%s", c->status_reason);
	emit(d, &e);
}

/*
 * derive_clearances: a grant when the clearance is new or granted anew
 * (level, grant date or authority differ), a renewal when only the review
 * date or reference moved, a status event when the status changed;
 * leaver_at (0: not a new leaver) marks the lapses the LEAVER carries.
 */
static void
derive_clearances(struct derive *d, const struct person *old,
    const struct person *new, vtime leaver_at)
{
	struct event e;

	for (size_t i = 0; i < new->n_clearances; i++) {
		const struct clearance *nc = &new->clearances[i];
		const struct clearance *oc = old_clearance(old, nc->scheme);
		int granted = oc == NULL || strcmp(oc->level, nc->level) != 0 ||
		    oc->granted_at != nc->granted_at ||
		    strcmp(oc->authority, nc->authority) != 0;
		int leaver_lapse = leaver_at != 0 &&
		    nc->status == CLEARANCE_LAPSED &&
		    nc->status_changed_at == leaver_at &&
		    (granted || oc->status == CLEARANCE_GRANTED ||
		    oc->status == CLEARANCE_SUSPENDED);

		if (granted) {
			event_new(&e, EVENT_CLEARANCE_GRANTED, nc->granted_at,
			    d->now);
			snprintf(e.scheme, sizeof(e.scheme), "%s", nc->scheme);
			snprintf(e.level, sizeof(e.level), "%s", nc->level);
			e.review_due = nc->review_due;
			snprintf(e.authority, sizeof(e.authority), "%s",
			    nc->authority);
			snprintf(e.reference, sizeof(e.reference), "%s",
			    nc->reference);
			emit(d, &e);
			if (nc->status != CLEARANCE_GRANTED && !leaver_lapse)
				clearance_status_event(d, nc, nc->granted_at);
			continue;
		}
		if (oc->review_due != nc->review_due ||
		    strcmp(oc->reference, nc->reference) != 0) {
			event_new(&e, EVENT_CLEARANCE_RENEWED, d->now, d->now);
			snprintf(e.scheme, sizeof(e.scheme), "%s", nc->scheme);
			e.review_due = nc->review_due;
			snprintf(e.reference, sizeof(e.reference), "%s",
			    nc->reference);
			emit(d, &e);
		}
		if (oc->status != nc->status && !leaver_lapse)
			clearance_status_event(d, nc, 0);
	}
	for (size_t i = 0; old != NULL && i < old->n_clearances; i++) {
		const struct clearance *oc = &old->clearances[i];

		if (old_clearance(new, oc->scheme) != NULL ||
		    oc->status == CLEARANCE_LAPSED)
			continue;
		event_new(&e, EVENT_CLEARANCE_LAPSED, d->now, d->now);
		snprintf(e.scheme, sizeof(e.scheme), "%s", oc->scheme);
		snprintf(e.reason, sizeof(e.reason), "%s", REMOVED_REASON);
		emit(d, &e);
	}
}

static void
debriefed_event(struct derive *d, const char *compartment, vtime at,
    const char *reason)
{
	struct event e;

	event_new(&e, EVENT_DEBRIEFED, at, d->now);
	snprintf(e.compartment, sizeof(e.compartment), "%s", compartment);
	snprintf(e.reason, sizeof(e.reason), "%s", reason);
	emit(d, &e);
}

static void
derive_briefings(struct derive *d, const struct person *old,
    const struct person *new, vtime leaver_at)
{
	struct event e;

	for (size_t i = 0; i < new->n_briefings; i++) {
		const struct briefing *nb = &new->briefings[i];
		const struct briefing *ob = old_briefing(old, nb->compartment);
		int briefed = ob == NULL || ob->briefed_at != nb->briefed_at ||
		    ob->expires_at != nb->expires_at;
		int newly_debriefed = nb->debriefed_at != 0 &&
		    (briefed || ob->debriefed_at != nb->debriefed_at);

		if (briefed) {
			event_new(&e, EVENT_BRIEFED, nb->briefed_at, d->now);
			snprintf(e.compartment, sizeof(e.compartment), "%s",
			    nb->compartment);
			e.expires_at = nb->expires_at;
			emit(d, &e);
		}
		if (newly_debriefed && !(leaver_at != 0 &&
		    nb->debriefed_at == leaver_at))
			debriefed_event(d, nb->compartment, nb->debriefed_at,
			    nb->debrief_reason);
	}
	for (size_t i = 0; old != NULL && i < old->n_briefings; i++) {
		const struct briefing *ob = &old->briefings[i];

		if (old_briefing(new, ob->compartment) == NULL &&
		    ob->debriefed_at == 0)
			debriefed_event(d, ob->compartment, d->now,
			    REMOVED_REASON);
	}
}

int
history_derive(const struct person *old, const struct person *new,
    vtime now, struct history *h)
{
	struct derive d = { .h = h, .now = now };
	enum person_status was = old != NULL ? old->status : PERSON_ACTIVE;
	vtime leaver_at = 0;
	struct event e;

	if (new->status == PERSON_LEAVER && was != PERSON_LEAVER)
		leaver_at = new->status_changed_at != 0 ?
		    new->status_changed_at : now;
	derive_clearances(&d, old, new, leaver_at);
	derive_briefings(&d, old, new, leaver_at);
	/* A leaver is final: nothing moves a person back. */
	if (new->status != was && was != PERSON_LEAVER) {
		event_new(&e, new->status == PERSON_LEAVER ? EVENT_LEAVER :
		    new->status == PERSON_SUSPENDED ? EVENT_PERSON_SUSPENDED :
		    EVENT_PERSON_REINSTATED, new->status_changed_at, now);
		snprintf(e.reason, sizeof(e.reason), "%s", new->status_reason);
		emit(&d, &e);
	}
	return d.rv;
}
