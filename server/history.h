/*
 * history.h: a person's record as dated events, never overwritten, so the
 * rule can be evaluated at any time T. The state at T (struct person: the
 * clearances, briefings and status in force) is a fold of the events
 * effective at or before T over the person's attributes. Pure functions:
 * no I/O, no clock.
 */
#ifndef VETD_HISTORY_H
#define VETD_HISTORY_H

#include <stddef.h>

#include "model.h"

#define HISTORY_MAX_EVENTS 1024	/* per person; more is RESOURCE_EXHAUSTED */

enum event_kind {
	EVENT_PERSON_SUSPENDED = 1,
	EVENT_PERSON_REINSTATED = 2,
	EVENT_LEAVER = 3,		/* every clearance lapses, briefing ends */
	EVENT_CLEARANCE_GRANTED = 4,	/* replaces any clearance in scheme */
	EVENT_CLEARANCE_RENEWED = 5,	/* new review date (and reference) */
	EVENT_CLEARANCE_SUSPENDED = 6,
	EVENT_CLEARANCE_REINSTATED = 7,
	EVENT_CLEARANCE_WITHDRAWN = 8,
	EVENT_BRIEFED = 9,
	EVENT_DEBRIEFED = 10,
};
#define EVENT_KIND_MAX EVENT_DEBRIEFED

struct event {
	enum event_kind kind;
	vtime	at;			/* effective from */
	vtime	recorded_at;		/* when vetd recorded it */
	char	scheme[SCHEME_MAX + 1];		/* clearance events */
	char	level[LEVEL_MAX + 1];		/* GRANTED */
	vtime	review_due;			/* GRANTED, RENEWED */
	char	authority[AUTHORITY_MAX + 1];	/* GRANTED */
	char	reference[REFERENCE_MAX + 1];	/* GRANTED, RENEWED */
	char	compartment[CAVEAT_MAX + 1];	/* BRIEFED, DEBRIEFED */
	vtime	expires_at;			/* BRIEFED; 0: never */
	char	reason[REASON_MAX + 1];
};

/* A person's events, ordered by (at, order recorded). */
struct history {
	size_t	n;
	size_t	cap;
	struct event *events;		/* malloc'd */
};

void history_init(struct history *h);
void history_free(struct history *h);	/* accepts a zeroed history */
/* history_copy: dst is initialised; 0, or -1 out of memory. */
int history_copy(struct history *dst, const struct history *src);

/*
 * history_add inserts e after every event with at <= e->at, so events
 * recorded at the same effective time keep their order. Returns 0, -1 out
 * of memory, or -2 when the person already has HISTORY_MAX_EVENTS.
 */
int history_add(struct history *h, const struct event *e);

/*
 * history_state_at folds the events effective at or before t over the
 * attributes of base (id, names, nationality, source, created_at; its
 * clearances, briefings and status are ignored) into *out.
 */
void history_state_at(const struct person *base, const struct history *h,
    vtime t, struct person *out);

/* history_next_after: the earliest event time strictly after t, or 0. */
vtime history_next_after(const struct history *h, vtime t);

/*
 * history_from_state builds the events that lead to a state written by
 * schema 1 (current state only): grants, suspensions, withdrawals,
 * briefings, debriefings and a leaver, each at the time the state recorded.
 * Used by the schema migration. 0, or -1 out of memory.
 */
int history_from_state(const struct person *state, struct history *out);

/* event_kind_name: "CLEARANCE_GRANTED", ...; "UNKNOWN" out of range. */
const char *event_kind_name(enum event_kind k);

#endif /* VETD_HISTORY_H */
