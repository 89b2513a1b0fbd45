/*
 * report.h: the vetting unit's and auditors' reports, answered from the
 * secondary indexes (store_index.h) on one read snapshot at one "now".
 * Each index hit is a candidate: its person's record is read again and
 * judged at now (a record may have moved on with time since it was
 * written), so a report reads about as many records as it has rows.
 * No protobuf-c here: handlers_report.c converts the rows.
 */
#ifndef VETD_REPORT_H
#define VETD_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "store_index.h"

struct store_txn;

/* What a report cost: index entries visited, person records read. */
struct report_stats {
	uint64_t index_entries;
	uint64_t records_read;
};

struct report {
	struct store_txn *txn;
	vtime	now;
	size_t	limit;			/* rows per page, >= 1 */
	struct report_stats stats;
	/* Out, for paging: more is 1 when the index holds candidates past
	 * the page (the next page may still turn out empty); last is the
	 * position of the page's last row. */
	int	more;
	struct index_pos last;
	struct person *person;		/* the record being judged */
};

/* report_init: 0, or -1 out of memory; report_fini accepts a zeroed
 * struct and frees what init took. */
int report_init(struct report *r, struct store_txn *txn, vtime now,
    size_t limit);
void report_fini(struct report *r);

/*
 * Row callbacks return 0 to go on, or a status to fail the report. The
 * pointers in a row are valid during the call only.
 */

/* report_due: GRANTED or SUSPENDED clearances of people who are not
 * leavers at now, with review dates at or before until (so overdue ones
 * too), by review date, then person id, then scheme. */
struct report_due_row {
	const struct person *person;
	const struct clearance *clearance;
	int	overdue;		/* review date at or before now */
};
int report_due(struct report *r, const struct index_pos *after, vtime until,
    int (*row)(const struct report_due_row *, void *), void *arg);

/* report_holders: everyone briefed into compartment (canonical) and not
 * debriefed at now, by person id. */
enum holder_state {
	HOLDER_ACTIVE = 1,
	HOLDER_EXPIRED = 2,		/* expires_at at or before now */
	HOLDER_PENDING = 3,		/* briefed_at after now */
};
struct report_holder_row {
	const struct person *person;
	const struct briefing *briefing;
	enum holder_state state;
};
int report_holders(struct report *r, const char *compartment,
    const struct index_pos *after,
    int (*row)(const struct report_holder_row *, void *), void *arg);

/* report_unvetted: people ACTIVE at now with no valid clearance at now,
 * longest without one first (never cleared first), then by id. */
struct report_unvetted_row {
	const struct person *person;
	enum reason reason;		/* NO_CLEARANCE, CLEARANCE_EXPIRED,
					 * _SUSPENDED or _WITHDRAWN */
	vtime	since;			/* when cover last ended; 0: never */
	const struct clearance *last;	/* the clearance that ended then;
					 * NULL with NO_CLEARANCE */
};
int report_unvetted(struct report *r, const struct index_pos *after,
    int (*row)(const struct report_unvetted_row *, void *), void *arg);

/* report_summary: the counters (people by status, clearances by scheme,
 * level and status, as recorded) through counter, and the joiners,
 * leavers and withdrawals with from <= time < to (and time <= now);
 * joiners are counted by whole UTC days, so from and to should be
 * midnights. */
struct report_activity {
	uint64_t joiners;
	uint64_t leavers;
	uint64_t withdrawals;
};
int report_summary(struct report *r, vtime from, vtime to,
    int (*counter)(const struct index_counter *, void *), void *arg,
    struct report_activity *out);

#endif /* VETD_REPORT_H */
