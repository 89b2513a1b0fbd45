/*
 * store_index_scan.c: the range scans over the indexes of store_index.h,
 * for the reports. Read-only; the stored keys are checked as they are
 * parsed (one that does not parse is STATUS_DATA_LOSS), never trusted.
 */
#include <lmdb.h>
#include <string.h>

#include "status.h"
#include "store_index.h"
#include "store_internal.h"

#define TIME_LEN	INDEX_TIME_LEN
#define SCAN_END	STORE_INDEX_STOP	/* past the range: no error */

static vtime
time_get(const uint8_t *b)
{
	uint64_t u = 0;

	for (size_t i = 0; i < TIME_LEN; i++)
		u = (u << 8) | b[i];
	return (vtime)(u ^ (UINT64_C(1) << 63));
}

struct scan {
	uint8_t	prefix[1 + CAVEAT_MAX + 1];	/* every key in range starts so */
	size_t	prefix_len;
	int	(*each)(const MDB_val *k, struct scan *sc);
	vtime	until;
	int	(*due_fn)(const struct index_due *, void *);
	int	(*holder_fn)(const struct index_holder *, void *);
	int	(*unvetted_fn)(const struct index_unvetted *, void *);
	int	(*activity_fn)(const struct index_activity *, void *);
	void	*arg;
};

/*
 * scan_from walks keys >= lo (> lo if skip_equal) that start with
 * sc->prefix, calling sc->each; SCAN_END from each ends the walk cleanly.
 */
static int
scan_from(struct store_txn *t, const uint8_t *lo, size_t lolen,
    int skip_equal, struct scan *sc)
{
	MDB_cursor *c = NULL;
	MDB_val k, v;
	int rc, rv = STATUS_OK;

	if (t->s->indexes_absent)
		return STATUS_FAILED_PRECONDITION;
	if ((rc = mdb_cursor_open(t->txn, t->s->indexes, &c)) != 0)
		return store_txn_result(t, rc);
	k.mv_data = (void *)lo;
	k.mv_size = lolen;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc == MDB_SUCCESS && skip_equal && k.mv_size == lolen &&
	    memcmp(k.mv_data, lo, lolen) == 0)
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	for (; rc == MDB_SUCCESS; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size < sc->prefix_len ||
		    memcmp(k.mv_data, sc->prefix, sc->prefix_len) != 0)
			break;
		if ((rv = sc->each(&k, sc)) != 0)
			break;
	}
	if (rv == 0 && rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
		rv = store_txn_result(t, rc);
	mdb_cursor_close(c);
	return rv == SCAN_END ? STATUS_OK : rv;
}

/* scan_start: the prefix byte, then after's bytes (if any). */
static int
scan_start(struct store_txn *t, struct scan *sc, const struct index_pos *after)
{
	uint8_t lo[1 + STORE_INDEX_POS_MAX];
	size_t n = 0;

	memcpy(lo, sc->prefix, sc->prefix_len);
	if (after != NULL && after->len > 0) {
		if (after->len > STORE_INDEX_POS_MAX)
			return STATUS_INVALID_ARGUMENT;
		memcpy(lo + 1, after->key, after->len);
		n = 1 + after->len;
		/* A position outside this range is not one of its pages. */
		if (n < sc->prefix_len ||
		    memcmp(lo, sc->prefix, sc->prefix_len) != 0)
			return STATUS_INVALID_ARGUMENT;
		return scan_from(t, lo, n, 1, sc);
	}
	return scan_from(t, lo, sc->prefix_len, 0, sc);
}

static void
pos_of(const MDB_val *k, struct index_pos *pos)
{
	pos->len = k->mv_size - 1;
	memcpy(pos->key, (const uint8_t *)k->mv_data + 1, pos->len);
}

/* take_str copies bytes [*at, NUL or end) into out (1..max bytes). */
static int
take_str(const uint8_t *b, size_t len, size_t *at, char *out, size_t max,
    int to_nul)
{
	const uint8_t *nul;
	size_t n;

	if (to_nul) {
		if ((nul = memchr(b + *at, 0, len - *at)) == NULL)
			return -1;
		n = (size_t)(nul - (b + *at));
	} else
		n = len - *at;
	if (n == 0 || n > max)
		return -1;
	memcpy(out, b + *at, n);
	out[n] = '\0';
	*at += n + (to_nul ? 1 : 0);
	return 0;
}

static int
due_each(const MDB_val *k, struct scan *sc)
{
	const uint8_t *b = k->mv_data;
	struct index_due e;
	size_t at = 1 + TIME_LEN;

	if (k->mv_size <= at || k->mv_size > 1 + STORE_INDEX_POS_MAX ||
	    take_str(b, k->mv_size, &at, e.id, ID_MAX, 1) != 0 ||
	    take_str(b, k->mv_size, &at, e.scheme, SCHEME_MAX, 0) != 0)
		return STATUS_DATA_LOSS;
	e.review_due = time_get(b + 1);
	if (e.review_due > sc->until)
		return SCAN_END;
	pos_of(k, &e.pos);
	return sc->due_fn(&e, sc->arg);
}

int
store_index_due_scan(struct store_txn *t, const struct index_pos *after,
    vtime until, int (*fn)(const struct index_due *e, void *arg), void *arg)
{
	struct scan sc = { .prefix = { INDEX_PFX_DUE }, .prefix_len = 1,
	    .each = due_each, .until = until, .due_fn = fn, .arg = arg };

	return scan_start(t, &sc, after);
}

static int
holder_each(const MDB_val *k, struct scan *sc)
{
	const uint8_t *b = k->mv_data;
	struct index_holder e;
	size_t at = sc->prefix_len;

	if (k->mv_size > 1 + STORE_INDEX_POS_MAX ||
	    take_str(b, k->mv_size, &at, e.id, ID_MAX, 0) != 0)
		return STATUS_DATA_LOSS;
	pos_of(k, &e.pos);
	return sc->holder_fn(&e, sc->arg);
}

int
store_index_holders_scan(struct store_txn *t, const char *compartment,
    const struct index_pos *after,
    int (*fn)(const struct index_holder *e, void *arg), void *arg)
{
	struct scan sc = { .prefix = { INDEX_PFX_HOLDER }, .each = holder_each,
	    .holder_fn = fn, .arg = arg };
	size_t n = strnlen(compartment, CAVEAT_MAX + 1);

	if (n == 0 || n > CAVEAT_MAX)
		return STATUS_INVALID_ARGUMENT;
	memcpy(sc.prefix + 1, compartment, n);
	sc.prefix[1 + n] = 0;
	sc.prefix_len = n + 2;
	return scan_start(t, &sc, after);
}

static int
unvetted_each(const MDB_val *k, struct scan *sc)
{
	const uint8_t *b = k->mv_data;
	struct index_unvetted e;
	size_t at = 1 + TIME_LEN;

	if (k->mv_size <= at || k->mv_size > 1 + STORE_INDEX_POS_MAX ||
	    take_str(b, k->mv_size, &at, e.id, ID_MAX, 0) != 0)
		return STATUS_DATA_LOSS;
	e.since = time_get(b + 1);
	if (e.since > sc->until)
		return SCAN_END;
	pos_of(k, &e.pos);
	return sc->unvetted_fn(&e, sc->arg);
}

int
store_index_unvetted_scan(struct store_txn *t, const struct index_pos *after,
    vtime until, int (*fn)(const struct index_unvetted *e, void *arg),
    void *arg)
{
	struct scan sc = { .prefix = { INDEX_PFX_UNVETTED }, .prefix_len = 1,
	    .each = unvetted_each, .until = until, .unvetted_fn = fn,
	    .arg = arg };

	return scan_start(t, &sc, after);
}

static int
activity_each(const MDB_val *k, struct scan *sc)
{
	const uint8_t *b = k->mv_data;
	struct index_activity e;
	size_t at = 1 + TIME_LEN + 1;

	if (k->mv_size <= at ||
	    take_str(b, k->mv_size, &at, e.id, ID_MAX, 1) != 0)
		return STATUS_DATA_LOSS;
	e.scheme[0] = '\0';
	if (at < k->mv_size &&
	    take_str(b, k->mv_size, &at, e.scheme, SCHEME_MAX, 0) != 0)
		return STATUS_DATA_LOSS;
	e.at = time_get(b + 1);
	e.kind = (enum index_activity_kind)b[1 + TIME_LEN];
	if (e.at >= sc->until)
		return SCAN_END;
	if (e.kind != INDEX_LEAVER && e.kind != INDEX_WITHDRAWAL)
		return STATUS_DATA_LOSS;
	return sc->activity_fn(&e, sc->arg);
}

int
store_index_activity_scan(struct store_txn *t, vtime from, vtime to,
    int (*fn)(const struct index_activity *e, void *arg), void *arg)
{
	struct scan sc = { .prefix = { INDEX_PFX_ACTIVITY }, .prefix_len = 1,
	    .each = activity_each, .until = to, .activity_fn = fn,
	    .arg = arg };
	uint8_t lo[1 + TIME_LEN] = { INDEX_PFX_ACTIVITY };

	if (from >= to)
		return STATUS_OK;
	store_index_time_put(lo + 1, from);
	return scan_from(t, lo, sizeof(lo), 0, &sc);
}

int
store_index_joiners(struct store_txn *t, vtime from, vtime to, uint64_t *out)
{
	MDB_cursor *c = NULL;
	MDB_val k, v;
	uint8_t lo[2 + TIME_LEN] = { INDEX_PFX_COUNTER, INDEX_COUNTER_JOINERS };
	const uint8_t *b;
	uint64_t n = 0;
	int rc, rv = STATUS_OK;

	if (t->s->indexes_absent)
		return STATUS_FAILED_PRECONDITION;
	if (from >= to) {
		*out = 0;
		return STATUS_OK;
	}
	store_index_time_put(lo + 2, from);
	if ((rc = mdb_cursor_open(t->txn, t->s->indexes, &c)) != 0)
		return store_txn_result(t, rc);
	k.mv_data = lo;
	k.mv_size = sizeof(lo);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == MDB_SUCCESS;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		b = k.mv_data;
		if (k.mv_size < 2 || b[0] != INDEX_PFX_COUNTER ||
		    b[1] != INDEX_COUNTER_JOINERS)
			break;
		if (k.mv_size != sizeof(lo) || v.mv_size != 8) {
			rv = STATUS_DATA_LOSS;
			break;
		}
		if (time_get(b + 2) >= to)
			break;
		n += store_le_get(v.mv_data, 8);
	}
	if (rv == STATUS_OK && rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
		rv = store_txn_result(t, rc);
	mdb_cursor_close(c);
	if (rv == STATUS_OK)
		*out = n;
	return rv;
}

int
store_index_counters(struct store_txn *t,
    int (*fn)(const struct index_counter *c, void *arg), void *arg)
{
	MDB_cursor *c = NULL;
	MDB_val k, v;
	uint8_t lo[2] = { INDEX_PFX_COUNTER, INDEX_COUNTER_PERSON };
	struct index_counter ic;
	const uint8_t *b;
	size_t at, n;
	int rc, rv = STATUS_OK;

	if (t->s->indexes_absent)
		return STATUS_FAILED_PRECONDITION;
	if ((rc = mdb_cursor_open(t->txn, t->s->indexes, &c)) != 0)
		return store_txn_result(t, rc);
	k.mv_data = lo;
	k.mv_size = sizeof(lo);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == MDB_SUCCESS;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		b = k.mv_data;
		n = k.mv_size;
		if (b[0] != INDEX_PFX_COUNTER)
			break;
		memset(&ic, 0, sizeof(ic));
		at = 2;
		if (v.mv_size != 8 || n < 3) {
			rv = STATUS_DATA_LOSS;
			break;
		}
		ic.count = store_le_get(v.mv_data, 8);
		if (b[1] == INDEX_COUNTER_PERSON && n == 3)
			ic.person_status = (enum person_status)b[2];
		else if (b[1] == INDEX_COUNTER_CLEARANCE &&
		    take_str(b, n - 1, &at, ic.scheme, SCHEME_MAX, 1) == 0 &&
		    take_str(b, n - 1, &at, ic.level, LEVEL_MAX, 1) == 0 &&
		    at == n - 1) {
			ic.clearance = 1;
			ic.clearance_status = (enum clearance_status)b[n - 1];
		} else {
			rv = STATUS_DATA_LOSS;
			break;
		}
		if ((rv = fn(&ic, arg)) != 0)
			break;
	}
	if (rv == STATUS_OK && rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
		rv = store_txn_result(t, rc);
	mdb_cursor_close(c);
	return rv == STORE_INDEX_STOP ? STATUS_OK : rv;
}
