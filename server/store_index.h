/*
 * store_index.h: secondary indexes over the people table, so that a
 * report (and the retention sweep) costs in proportion to its answer, not
 * to the number of people. They live in one LMDB table, "indexes", whose
 * keys start with a byte naming the index; times are 8 bytes big-endian
 * with the sign bit flipped, so byte order is time order:
 *
 *   'd' review_due, id, NUL, scheme       clearances that may fall due:
 *                                         GRANTED or SUSPENDED ones of
 *                                         people not (yet) leavers
 *   'h' compartment, NUL, id              briefings not (yet) debriefed
 *   'u' since, id                         every person not (yet) a
 *                                         leaver; since is when their
 *                                         cover by a valid clearance ends
 *                                         (or ended; 0: never had one), so
 *                                         "no valid clearance at T" is the
 *                                         range since <= T
 *   'a' at, kind, id, NUL, scheme         activity: leavers (leaving
 *                                         date) and withdrawals (the
 *                                         withdrawal's date; kept when
 *                                         the clearance is granted again,
 *                                         and rebuilt from the history)
 *   'p' id, NUL, at, kind, scheme         the same, by person (a purge
 *                                         removes them all)
 *   'c' 'J' day                           -> u64 LE: joiners that UTC day
 *                                         (created_at); a counter, not an
 *                                         entry per person, because every
 *                                         person has one: a bulk load
 *                                         writes a few hot pages, not one
 *                                         random page per person
 *   'c' 'P' status                        -> u64 LE: people by status
 *   'c' 'S' scheme, NUL, level, NUL, status -> u64 LE: clearances
 *
 * "Not yet": a change recorded with a later effective date than the
 * write (a future-dated leaver, debriefing or lapse) keeps the entry, so
 * an index is a superset of its answer at any time after the write: the
 * reports re-read each hit's record and judge it at their own "now".
 *
 * Every entry is a function of one person's record (withdrawals: of
 * their history), maintained by store_person_put in the write's own
 * transaction. meta "index_format" (u32 LE) says which
 * layout the table holds; store_open rebuilds the table whole, in one
 * write transaction, when it is missing or another format.
 */
#ifndef VETD_STORE_INDEX_H
#define VETD_STORE_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define STORE_INDEX_FORMAT	1
#define STORE_INDEX_POS_MAX	256	/* a scan position: a key, less its
					 * first byte */
#define STORE_INDEX_STOP	(-1)	/* from a scan's fn: stop, no error */

/* The layout above, for store_index*.c only. */
#define INDEX_PFX_DUE		'd'
#define INDEX_PFX_HOLDER	'h'
#define INDEX_PFX_UNVETTED	'u'
#define INDEX_PFX_ACTIVITY	'a'
#define INDEX_PFX_PERSON	'p'
#define INDEX_PFX_COUNTER	'c'
#define INDEX_COUNTER_JOINERS	'J'
#define INDEX_COUNTER_PERSON	'P'
#define INDEX_COUNTER_CLEARANCE	'S'
#define INDEX_TIME_LEN		8
#define INDEX_DAY		86400
/* store_index_time_put writes t as 8 bytes in time order. */
void store_index_time_put(uint8_t *b, vtime t);

struct store;
struct store_txn;

/* Activity kinds, as stored. */
enum index_activity_kind {
	INDEX_LEAVER = 'L',
	INDEX_WITHDRAWAL = 'W',
};

/* Where a scan stopped: pass it back to go on after that entry. */
struct index_pos {
	size_t	len;			/* 0: from the start */
	uint8_t	key[STORE_INDEX_POS_MAX];
};

/*
 * store_index_person brings the indexes from old's record to new's, in
 * t (a write txn). old is the stored record new replaces (NULL: a new
 * person); new NULL removes the person from every index, activity
 * included (the retention purge). store_person_put calls it; nothing
 * else needs to. STATUS_OK or the store's error.
 */
int store_index_person(struct store_txn *t, const struct person *old,
    const struct person *new_p);

/*
 * The bulk path (store_index_batch.c), for a write that puts many people
 * (ImportPeople): store_person_put_batch collects each person's index
 * changes in b instead of writing them, and store_index_batch_end writes
 * them all in key order through one cursor, each counter once with its
 * summed delta, MDB_APPEND past the table's last key: each index page is
 * visited once per batch instead of once per key. Until _end the txn's
 * indexes lack the batch's changes, so the write that began it must end
 * it, in the same txn, before it reads them (a scan) or commits; a write
 * that fails instead frees it (store_index_batch_free). STATUS_OK,
 * RESOURCE_EXHAUSTED, or the store's error (t's sticky one: a full map
 * grows and retries).
 */
struct index_batch;
int store_index_batch_begin(struct store_txn *t, struct index_batch **out);
int store_index_batch_end(struct store_txn *t, struct index_batch **b);
void store_index_batch_free(struct index_batch **b);
/* store_person_put with the indexes through b (store_people.c). */
int store_person_put_batch(struct store_txn *t, const struct person *p,
    struct index_batch *b);
/* store_index_person into b (NULL: written at once). */
int store_index_person_batch(struct store_txn *t, struct index_batch *b,
    const struct person *old, const struct person *new_p);
/* For store_index*.c: adding one operation; writing what b holds (b
 * stays, empty). */
enum index_op_kind {
	INDEX_OP_PUT = 1,
	INDEX_OP_DEL,
	INDEX_OP_COUNT,
};
int index_batch_add(struct index_batch *b, int op, const uint8_t *key,
    size_t len, int64_t delta);
int store_index_batch_flush(struct store_txn *t, struct index_batch *b);

/* store_index_rebuild empties the indexes and fills them from every
 * person record, then records STORE_INDEX_FORMAT; t is a write txn. */
int store_index_rebuild(struct store_txn *t);

/*
 * store_index_ensure is store_open's last step: rebuild the indexes once
 * (committed without advancing the revision) when the table is missing or
 * of another format. *rebuilt (if not NULL) says whether it did.
 */
int store_index_ensure(struct store *s, int *rebuilt);

/*
 * Scans, in key order, on a read or write txn. Each calls fn for every
 * entry after `after` (NULL or len 0: from the start) in its range; fn
 * returns 0 to go on, STORE_INDEX_STOP to stop (the scan then returns
 * STATUS_OK), or a status, which stops the scan and is returned. An
 * entry that does not parse is STATUS_DATA_LOSS; a position outside the
 * range is STATUS_INVALID_ARGUMENT. The entry's pos is where to go on.
 */
struct index_due {
	vtime	review_due;
	char	id[ID_MAX + 1];
	char	scheme[SCHEME_MAX + 1];
	struct index_pos pos;
};
/* Clearances with review_due <= until. */
int store_index_due_scan(struct store_txn *t, const struct index_pos *after,
    vtime until, int (*fn)(const struct index_due *e, void *arg), void *arg);

struct index_holder {
	char	id[ID_MAX + 1];
	struct index_pos pos;
};
/* People with a briefing into compartment (canonical name). */
int store_index_holders_scan(struct store_txn *t, const char *compartment,
    const struct index_pos *after,
    int (*fn)(const struct index_holder *e, void *arg), void *arg);

struct index_unvetted {
	vtime	since;
	char	id[ID_MAX + 1];
	struct index_pos pos;
};
/* People whose cover ends (or ended) at or before until. */
int store_index_unvetted_scan(struct store_txn *t,
    const struct index_pos *after, vtime until,
    int (*fn)(const struct index_unvetted *e, void *arg), void *arg);

struct index_activity {
	vtime	at;
	enum index_activity_kind kind;
	char	id[ID_MAX + 1];
	char	scheme[SCHEME_MAX + 1];	/* withdrawals; else "" */
};
/* Activity with from <= at < to, in time order. */
int store_index_activity_scan(struct store_txn *t, vtime from, vtime to,
    int (*fn)(const struct index_activity *e, void *arg), void *arg);
/* store_index_joiners: people created on the UTC days from day(from) up
 * to, not including, day(to) (a day is counted whole), into *out. */
int store_index_joiners(struct store_txn *t, vtime from, vtime to,
    uint64_t *out);

struct index_counter {
	int	clearance;		/* 0: a person count */
	enum person_status person_status;
	char	scheme[SCHEME_MAX + 1];
	char	level[LEVEL_MAX + 1];
	enum clearance_status clearance_status;
	uint64_t count;
};
/* Every non-zero counter, fn as for the scans: people by status, then
 * clearances by scheme, level and status (in byte order of the names). */
int store_index_counters(struct store_txn *t,
    int (*fn)(const struct index_counter *c, void *arg), void *arg);

/*
 * Pure helpers the reports share with the indexes. person_cover_end is
 * the first time at or after from when p holds no valid clearance (from
 * itself if none is valid then); person_cover_ended, for a p not covered
 * at from, the latest time at or before from when a clearance stopped
 * being valid (0: none ever was). A clearance is valid from granted_at
 * until its review date or, if no longer GRANTED, until its status
 * changed, whichever is first.
 */
vtime person_cover_end(const struct person *p, vtime from);
/* clearance_cover_end: when c stops (or stopped) being valid. */
vtime clearance_cover_end(const struct clearance *c);
vtime person_cover_ended(const struct person *p, vtime from);

#endif /* VETD_STORE_INDEX_H */
