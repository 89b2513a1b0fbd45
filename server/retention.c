/*
 * retention.c: the retention schedule's rule (see retention.h). Pure.
 */
#define _DEFAULT_SOURCE		/* timegm */
#include <time.h>

#include "retention.h"

static void
later(struct retention_end *e, vtime at, const char *how)
{
	if (at > e->ended_at) {
		e->ended_at = at;
		e->how = how;
	}
}

struct retention_end
retention_ended(const struct person *p, vtime now)
{
	struct retention_end e = { 0, "" };

	for (size_t i = 0; i < p->n_clearances; i++) {
		const struct clearance *c = &p->clearances[i];

		switch (c->status) {
		case CLEARANCE_GRANTED:
		case CLEARANCE_SUSPENDED:
			if (c->review_due == 0 || c->review_due > now)
				return (struct retention_end){ 0, "" };
			later(&e, c->review_due, "expired");
			break;
		case CLEARANCE_WITHDRAWN:
			later(&e, c->status_changed_at, "withdrawn");
			break;
		case CLEARANCE_LAPSED:
			later(&e, c->status_changed_at, "lapsed");
			break;
		}
	}
	/* Leaving lapses every clearance at that moment: say "left". */
	if (p->status == PERSON_LEAVER && p->status_changed_at != 0 &&
	    p->status_changed_at >= e.ended_at) {
		e.ended_at = p->status_changed_at;
		e.how = "left";
	}
	return e;
}

vtime
retention_cutoff(vtime now, unsigned years)
{
	time_t t = (time_t)now;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return 0;
	tm.tm_year -= (int)years;
	return (vtime)timegm(&tm);
}

int
retention_due(const struct person *p, vtime now, vtime cutoff,
    struct retention_end *end)
{
	*end = retention_ended(p, now);
	return end->ended_at != 0 && end->ended_at <= cutoff;
}
