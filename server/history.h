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
/* ...except that a LEAVER always fits: recording a leaver must never fail
 * because the record is long. Stored histories hold at most this many. */
#define HISTORY_LEAVER_RESERVE	16
#define HISTORY_STORED_MAX	(HISTORY_MAX_EVENTS + HISTORY_LEAVER_RESERVE)

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
	EVENT_CLEARANCE_LAPSED = 11,	/* no longer required; removed */
};
#define EVENT_KIND_MAX EVENT_CLEARANCE_LAPSED

struct event {
	enum event_kind kind;
	vtime	at;			/* effective from */
	vtime	recorded_at;		/* when vetd recorded it; 0: not
					 * known (migrated from schema 1) */
	int	scheduled;		/* recorded ahead of at (a leaver or
					 * suspension with an effective time):
					 * applied to the stored state when at
					 * comes (history_apply_scheduled) */
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
 * of memory, or -2 when the person already has HISTORY_MAX_EVENTS (a
 * LEAVER: HISTORY_STORED_MAX). history_add_stored is the same with the
 * cap HISTORY_STORED_MAX for every kind: for reading back what was stored.
 */
int history_add(struct history *h, const struct event *e);
int history_add_stored(struct history *h, const struct event *e);

/*
 * history_state_at folds the events effective at or before t over the
 * attributes of base (id, names, nationality, source, created_at; its
 * clearances, briefings and status are ignored) into *out. A leaver is
 * final: once the fold reaches a LEAVER event, later events change
 * nothing. A suspension of a suspended person, or a reinstatement of an
 * active one, changes nothing either. Entries of out past n_clearances
 * and n_briefings are left as they were.
 */
void history_state_at(const struct person *base, const struct history *h,
    vtime t, struct person *out);

/* history_next_after: the earliest event time strictly after t, or 0. */
vtime history_next_after(const struct history *h, vtime t);

/*
 * history_apply_scheduled applies to state, in order, the scheduled events
 * effective after `after` and at or before `until`: how a stored state
 * (which reflects every other event when it was written) catches up with
 * the leavers and suspensions that have come due since.
 */
void history_apply_scheduled(struct person *state, const struct history *h,
    vtime after, vtime until);
/* history_next_scheduled: the earliest scheduled event time strictly
 * after t, or 0. */
vtime history_next_scheduled(const struct history *h, vtime t);

/*
 * history_derive appends to h the events that turn old into new (old NULL:
 * a new person), each at the date the state records for it: a grant at
 * granted_at, a status change at status_changed_at, a briefing at
 * briefed_at, a debriefing at debriefed_at; a renewal (same scheme,
 * level, grant date and authority, new review date or reference) and a
 * clearance or briefing that disappears at now. Every event gets
 * recorded_at = now. The lapses and debriefings a new leaver brings are
 * the LEAVER event's and are not repeated. Attribute changes (names,
 * nationality) are not events. Returns 0, -1 out of memory, or -2 when h
 * would pass HISTORY_MAX_EVENTS (h may then hold some of the events).
 * history_diff.c.
 */
int history_derive(const struct person *old, const struct person *new,
    vtime now, struct history *h);

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
