/*
 * retention.h: when a person's vetting record falls due for deletion
 * under the retention schedule (config retention_years, default 15:
 * UKSV's period). Pure: the caller supplies the time.
 *
 * A record's vetting ended at the latest of: each clearance's end (the
 * time it was withdrawn or lapsed, or its review date once that has
 * passed) and, for a leaver, the day they left. It has not ended while
 * any clearance is in force (granted or suspended, review date still
 * ahead), nor for a person who is not a leaver and never held a
 * clearance (HR's record, not a vetting record). It is due once that end
 * is at or before the cutoff: now less retention_years calendar years.
 */
#ifndef VETD_RETENTION_H
#define VETD_RETENTION_H

#include "model.h"

struct retention_end {
	vtime	ended_at;		/* 0: not ended */
	const char *how;		/* "withdrawn", "lapsed", "expired", "left" */
};

/* retention_ended: when p's vetting ended, as of now. */
struct retention_end retention_ended(const struct person *p, vtime now);

/* retention_cutoff: now less years calendar years (29 February becomes
 * 1 March), UTC. */
vtime retention_cutoff(vtime now, unsigned years);

/* retention_due: p has ended at or before cutoff; *end says when. */
int retention_due(const struct person *p, vtime now, vtime cutoff,
    struct retention_end *end);

#endif /* VETD_RETENTION_H */
