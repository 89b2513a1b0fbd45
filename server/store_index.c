/*
 * store_index.c: the secondary indexes of store_index.h, kept from the
 * (old, new) pair of each person write and rebuilt whole when missing;
 * and the cover helpers the reports share. The scans are in
 * store_index_scan.c. Trusts the records it is given (record.c has
 * checked them); trusts stored index keys less: one that does not parse
 * is STATUS_DATA_LOSS, never a crash.
 */
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "status.h"
#include "store_index.h"
#include "store_internal.h"

#define PFX_DUE		INDEX_PFX_DUE
#define PFX_HOLDER	INDEX_PFX_HOLDER
#define PFX_UNVETTED	INDEX_PFX_UNVETTED
#define PFX_ACTIVITY	INDEX_PFX_ACTIVITY
#define PFX_PERSON	INDEX_PFX_PERSON
#define PFX_COUNTER	INDEX_PFX_COUNTER
#define COUNTER_PERSON	INDEX_COUNTER_PERSON
#define COUNTER_CLEARANCE INDEX_COUNTER_CLEARANCE

#define IKEY_MAX	208	/* 'h' + compartment + NUL + id is the longest */
#define IKEYS_MAX	(PERSON_MAX_CLEARANCES + PERSON_MAX_BRIEFINGS + 3)
#define ICOUNTERS_MAX	(2 * (PERSON_MAX_CLEARANCES + 2))
#define TIME_LEN	INDEX_TIME_LEN

struct ikey {
	size_t	len;
	uint8_t	b[IKEY_MAX];
};

struct keyset {
	size_t	n;
	struct ikey k[IKEYS_MAX];
};

struct counterset {
	size_t	n;
	struct ikey k[ICOUNTERS_MAX];
	int64_t	delta[ICOUNTERS_MAX];
};

/* Keys. */

void
store_index_time_put(uint8_t *b, vtime t)
{
	uint64_t u = (uint64_t)t ^ (UINT64_C(1) << 63);

	for (size_t i = 0; i < TIME_LEN; i++)
		b[i] = (uint8_t)(u >> (56 - 8 * i));
}

/* key_add appends n bytes; the builders never pass IKEY_MAX (model.h
 * caps every part), but a broken invariant must not write past it. */
static void
key_add(struct ikey *k, const void *p, size_t n)
{
	if (k->len + n > IKEY_MAX) {
		k->len = IKEY_MAX + 1;	/* refused by key_ok */
		return;
	}
	memcpy(k->b + k->len, p, n);
	k->len += n;
}

static void
key_str(struct ikey *k, const char *s, size_t max)
{
	key_add(k, s, strnlen(s, max));
}

static void
key_byte(struct ikey *k, uint8_t c)
{
	key_add(k, &c, 1);
}

static void
key_time(struct ikey *k, vtime t)
{
	uint8_t b[TIME_LEN];

	store_index_time_put(b, t);
	key_add(k, b, TIME_LEN);
}

static int
key_ok(const struct store_txn *t, const struct ikey *k)
{
	return k->len <= IKEY_MAX && k->len <= t->s->key_max;
}

static struct ikey *
set_next(struct keyset *ks)
{
	struct ikey *k;

	if (ks->n == IKEYS_MAX)
		return NULL;
	k = &ks->k[ks->n++];
	k->len = 0;
	return k;
}

static int
set_has(const struct keyset *ks, const struct ikey *k)
{
	for (size_t i = 0; i < ks->n; i++)
		if (ks->k[i].len == k->len &&
		    memcmp(ks->k[i].b, k->b, k->len) == 0)
			return 1;
	return 0;
}

/* activity_keys fills a (by time) and p (by person) for one event. */
static void
activity_keys(struct ikey *a, struct ikey *p, vtime at, uint8_t kind,
    const char *id, const char *scheme)
{
	a->len = p->len = 0;
	key_byte(a, PFX_ACTIVITY);
	key_time(a, at);
	key_byte(a, kind);
	key_str(a, id, ID_MAX);
	key_byte(a, 0);
	key_str(a, scheme, SCHEME_MAX);
	key_byte(p, PFX_PERSON);
	key_str(p, id, ID_MAX);
	key_byte(p, 0);
	key_time(p, at);
	key_byte(p, kind);
	key_str(p, scheme, SCHEME_MAX);
}

/* Cover: when a clearance is valid. */

vtime
clearance_cover_end(const struct clearance *c)
{
	if (c->status == CLEARANCE_GRANTED || c->status_changed_at == 0 ||
	    c->status_changed_at > c->review_due)
		return c->review_due;
	return c->status_changed_at;
}

vtime
person_cover_end(const struct person *p, vtime from)
{
	vtime end = from, e;
	int grew = 1;

	while (grew) {
		grew = 0;
		for (size_t i = 0; i < p->n_clearances; i++) {
			const struct clearance *c = &p->clearances[i];

			e = clearance_cover_end(c);
			if (c->granted_at <= end && end < e) {
				end = e;
				grew = 1;
			}
		}
	}
	return end;
}

vtime
person_cover_ended(const struct person *p, vtime from)
{
	vtime last = 0, e;

	for (size_t i = 0; i < p->n_clearances; i++) {
		const struct clearance *c = &p->clearances[i];

		e = clearance_cover_end(c);
		if (c->granted_at < e && e <= from && e > last)
			last = e;
	}
	return last;
}

/* written_at: when the record was written, the time "not yet" is from. */
static vtime
written_at(const struct person *p)
{
	return p->updated_at != 0 ? p->updated_at : p->created_at;
}

static int
clearance_live(const struct clearance *c, vtime w)
{
	return c->status == CLEARANCE_GRANTED ||
	    c->status == CLEARANCE_SUSPENDED || c->status_changed_at > w;
}

/*
 * person_keys: every index key p's record holds but the withdrawals (which
 * are events, not state: see withdrawals_add), and its counters with
 * delta sign. 0, or -1 for a record too big for the sets (model.h makes
 * that impossible).
 */
static int
person_keys(const struct person *p, struct keyset *ks, struct counterset *cs,
    int sign)
{
	vtime w = written_at(p), since;
	struct ikey *k, *k2;
	int gone = p->status == PERSON_LEAVER && p->status_changed_at <= w;

	if (!gone) {
		for (size_t i = 0; i < p->n_clearances; i++) {
			const struct clearance *c = &p->clearances[i];

			if (!clearance_live(c, w))
				continue;
			if ((k = set_next(ks)) == NULL)
				return -1;
			key_byte(k, PFX_DUE);
			key_time(k, c->review_due);
			key_str(k, p->id, ID_MAX);
			key_byte(k, 0);
			key_str(k, c->scheme, SCHEME_MAX);
		}
		for (size_t i = 0; i < p->n_briefings; i++) {
			const struct briefing *b = &p->briefings[i];

			if (b->debriefed_at != 0 && b->debriefed_at <= w)
				continue;
			if ((k = set_next(ks)) == NULL)
				return -1;
			key_byte(k, PFX_HOLDER);
			key_str(k, b->compartment, CAVEAT_MAX);
			key_byte(k, 0);
			key_str(k, p->id, ID_MAX);
		}
		since = person_cover_end(p, w);
		if (since == w)
			since = person_cover_ended(p, w);
		if ((k = set_next(ks)) == NULL)
			return -1;
		key_byte(k, PFX_UNVETTED);
		key_time(k, since);
		key_str(k, p->id, ID_MAX);
	}
	if (p->status == PERSON_LEAVER) {
		if ((k = set_next(ks)) == NULL || (k2 = set_next(ks)) == NULL)
			return -1;
		activity_keys(k, k2, p->status_changed_at, INDEX_LEAVER,
		    p->id, "");
	}

	/* Counters: joiners that day, the person's status, each clearance. */
	for (size_t i = 0; i <= p->n_clearances + 1; i++) {
		if (cs->n == ICOUNTERS_MAX)
			return -1;
		k = &cs->k[cs->n];
		k->len = 0;
		key_byte(k, PFX_COUNTER);
		if (i == 0) {
			key_byte(k, INDEX_COUNTER_JOINERS);
			key_time(k, p->created_at - p->created_at % INDEX_DAY);
		} else if (i == 1) {
			key_byte(k, COUNTER_PERSON);
			key_byte(k, (uint8_t)p->status);
		} else {
			const struct clearance *c = &p->clearances[i - 2];

			key_byte(k, COUNTER_CLEARANCE);
			key_str(k, c->scheme, SCHEME_MAX);
			key_byte(k, 0);
			key_str(k, c->level, LEVEL_MAX);
			key_byte(k, 0);
			key_byte(k, (uint8_t)c->status);
		}
		cs->delta[cs->n++] = sign;
	}
	return 0;
}

/* Writes: at once, or into the batch of store_index_person_batch. */
static _Thread_local struct index_batch *batching;

static int
ikey_put(struct store_txn *t, const struct ikey *k)
{
	MDB_val kv = { k->len, (void *)k->b }, none = { 0, NULL };

	if (!key_ok(t, k))
		return STATUS_INVALID_ARGUMENT;
	if (batching != NULL)
		return index_batch_add(batching, INDEX_OP_PUT, k->b, k->len, 0);
	return store_txn_put(t, t->s->indexes, &kv, &none);
}

static int
ikey_del(struct store_txn *t, const struct ikey *k)
{
	MDB_val kv = { k->len, (void *)k->b };
	int rv;

	if (!key_ok(t, k))
		return STATUS_INVALID_ARGUMENT;
	if (batching != NULL)
		return index_batch_add(batching, INDEX_OP_DEL, k->b, k->len, 0);
	rv = store_txn_del(t, t->s->indexes, &kv);
	return rv == STATUS_NOT_FOUND ? STATUS_OK : rv;
}

/* counter_add adds delta to one counter; a counter at 0 is removed. A
 * counter that would go below 0 (a damaged index) stays at 0. */
static int
counter_add(struct store_txn *t, const struct ikey *k, int64_t delta)
{
	MDB_val kv = { k->len, (void *)k->b }, v;
	uint8_t b[8];
	uint64_t n = 0;
	int rv;

	if (!key_ok(t, k))
		return STATUS_INVALID_ARGUMENT;
	if (batching != NULL)
		return index_batch_add(batching, INDEX_OP_COUNT, k->b, k->len,
		    delta);
	rv = store_txn_get(t, t->s->indexes, &kv, &v);
	if (rv == STATUS_OK && v.mv_size == 8)
		n = store_le_get(v.mv_data, 8);
	else if (rv != STATUS_OK && rv != STATUS_NOT_FOUND)
		return rv;
	if (delta < 0 && n < (uint64_t)-delta)
		n = 0;
	else
		n += (uint64_t)delta;
	if (n == 0) {
		rv = store_txn_del(t, t->s->indexes, &kv);
		return rv == STATUS_NOT_FOUND ? STATUS_OK : rv;
	}
	store_le_put(b, n, 8);
	v.mv_data = b;
	v.mv_size = 8;
	return store_txn_put(t, t->s->indexes, &kv, &v);
}

/* counters_apply merges equal keys (a change that moves nothing writes
 * nothing) and applies the net deltas. */
static int
counters_apply(struct store_txn *t, struct counterset *cs)
{
	int rv;

	for (size_t i = 0; i < cs->n; i++) {
		for (size_t j = i + 1; j < cs->n; j++)
			if (cs->delta[j] != 0 && cs->k[j].len == cs->k[i].len &&
			    memcmp(cs->k[j].b, cs->k[i].b, cs->k[i].len) == 0) {
				cs->delta[i] += cs->delta[j];
				cs->delta[j] = 0;
			}
		if (cs->delta[i] != 0 &&
		    (rv = counter_add(t, &cs->k[i], cs->delta[i])) != STATUS_OK)
			return rv;
	}
	return STATUS_OK;
}

/* withdrawals_add records each withdrawal new_p holds that old did not
 * (same scheme, withdrawn at the same time). */
static int
withdrawals_add(struct store_txn *t, const struct person *old,
    const struct person *new_p)
{
	struct ikey a, p;
	int rv, seen;

	for (size_t i = 0; i < new_p->n_clearances; i++) {
		const struct clearance *c = &new_p->clearances[i];

		if (c->status != CLEARANCE_WITHDRAWN)
			continue;
		seen = 0;
		for (size_t j = 0; old != NULL && j < old->n_clearances; j++) {
			const struct clearance *o = &old->clearances[j];
			if (o->status == CLEARANCE_WITHDRAWN &&
			    o->status_changed_at == c->status_changed_at &&
			    strcmp(o->scheme, c->scheme) == 0)
				seen = 1;
		}
		if (seen)
			continue;
		activity_keys(&a, &p, c->status_changed_at, INDEX_WITHDRAWAL,
		    new_p->id, c->scheme);
		if ((rv = ikey_put(t, &a)) != STATUS_OK ||
		    (rv = ikey_put(t, &p)) != STATUS_OK)
			return rv;
	}
	return STATUS_OK;
}

/* activity_purge removes every activity entry of person id. */
static int
activity_purge(struct store_txn *t, const char *id)
{
	MDB_cursor *c = NULL;
	MDB_val k, v;
	struct ikey from, a;
	const uint8_t *kb;
	size_t idlen = strnlen(id, ID_MAX), rest;
	int rc, rv = STATUS_OK;

	/* It reads the index: a batch's changes go first. */
	if (batching != NULL &&
	    (rv = store_index_batch_flush(t, batching)) != STATUS_OK)
		return rv;
	from.len = 0;
	key_byte(&from, PFX_PERSON);
	key_str(&from, id, ID_MAX);
	key_byte(&from, 0);
	if ((rc = mdb_cursor_open(t->txn, t->s->indexes, &c)) != 0)
		return store_txn_result(t, rc);
	k.mv_data = from.b;
	k.mv_size = from.len;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == MDB_SUCCESS;
	    rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE)) {
		kb = k.mv_data;
		if (k.mv_size < from.len || memcmp(kb, from.b, from.len) != 0)
			break;
		if (k.mv_size < from.len + TIME_LEN + 1) {
			rv = STATUS_DATA_LOSS;
			goto done;
		}
		rest = k.mv_size - from.len - TIME_LEN - 1;
		a.len = 0;
		key_byte(&a, PFX_ACTIVITY);
		key_add(&a, kb + from.len, TIME_LEN);
		key_byte(&a, kb[from.len + TIME_LEN]);
		key_add(&a, id, idlen);
		key_byte(&a, 0);
		key_add(&a, kb + from.len + TIME_LEN + 1, rest);
		if ((rc = mdb_cursor_del(c, 0)) != 0) {
			rv = store_txn_result(t, rc);
			goto done;
		}
		if ((rv = ikey_del(t, &a)) != STATUS_OK)
			goto done;
		k.mv_data = from.b;
		k.mv_size = from.len;
	}
	if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
		rv = store_txn_result(t, rc);
done:
	mdb_cursor_close(c);
	return rv;
}

struct index_sets {
	struct keyset old, new_k;
	struct counterset counters;
};

int
store_index_person(struct store_txn *t, const struct person *old,
    const struct person *new_p)
{
	struct index_sets *s;
	int rv = STATUS_OK;

	if (!t->write || t->s->indexes_absent)
		return STATUS_INTERNAL;
	if (old == NULL && new_p == NULL)
		return STATUS_OK;
	if ((s = malloc(sizeof(*s))) == NULL)
		return STATUS_RESOURCE_EXHAUSTED;
	s->old.n = s->new_k.n = s->counters.n = 0;
	if ((old != NULL && person_keys(old, &s->old, &s->counters, -1) != 0) ||
	    (new_p != NULL &&
	    person_keys(new_p, &s->new_k, &s->counters, 1) != 0)) {
		rv = STATUS_INVALID_ARGUMENT;
		goto done;
	}
	for (size_t i = 0; i < s->old.n; i++)
		if (!set_has(&s->new_k, &s->old.k[i]) &&
		    (rv = ikey_del(t, &s->old.k[i])) != STATUS_OK)
			goto done;
	for (size_t i = 0; i < s->new_k.n; i++)
		if (!set_has(&s->old, &s->new_k.k[i]) &&
		    (rv = ikey_put(t, &s->new_k.k[i])) != STATUS_OK)
			goto done;
	if ((rv = counters_apply(t, &s->counters)) != STATUS_OK)
		goto done;
	if (new_p != NULL)
		rv = withdrawals_add(t, old, new_p);
	else
		rv = activity_purge(t, old->id);
done:
	free(s);
	return rv;
}

int
store_index_person_batch(struct store_txn *t, struct index_batch *b,
    const struct person *old, const struct person *new_p)
{
	int rv;

	batching = b;
	rv = store_index_person(t, old, new_p);
	batching = NULL;
	return rv;
}

/* Rebuild. */

/*
 * rebuild_one indexes one record, and each withdrawal in its history: a
 * clearance withdrawn and granted again shows only the grant in the
 * record, but the withdrawal happened (a store migrated from schema 1
 * has only the withdrawals its records still show).
 */
static int
rebuild_one(const struct person *p, void *arg)
{
	struct store_txn *t = arg;
	struct history h;
	struct ikey a, k;
	int rv;

	if ((rv = store_index_person(t, NULL, p)) != STATUS_OK)
		return rv;
	history_init(&h);
	if ((rv = store_person_history(t, p->id, &h)) != STATUS_OK)
		goto done;
	for (size_t i = 0; i < h.n; i++) {
		if (h.events[i].kind != EVENT_CLEARANCE_WITHDRAWN)
			continue;
		activity_keys(&a, &k, h.events[i].at, INDEX_WITHDRAWAL, p->id,
		    h.events[i].scheme);
		if ((rv = ikey_put(t, &a)) != STATUS_OK ||
		    (rv = ikey_put(t, &k)) != STATUS_OK)
			goto done;
	}
done:
	history_free(&h);
	return rv;
}

int
store_index_rebuild(struct store_txn *t)
{
	int rc, rv;

	if (!t->write || t->s->indexes_absent)
		return STATUS_INTERNAL;
	if ((rc = mdb_drop(t->txn, t->s->indexes, 0)) != MDB_SUCCESS)
		return store_txn_result(t, rc);
	if ((rv = store_person_list(t, NULL, 0, SIZE_MAX, rebuild_one, t,
	    NULL)) != STATUS_OK)
		return rv;
	return store_txn_result(t, meta_put(t->txn, t->s->meta, "index_format",
	    4, STORE_INDEX_FORMAT));
}

static int
rebuild_fn(struct store_txn *t, void *arg)
{
	(void)arg;
	store_txn_keep_revision(t);
	return store_index_rebuild(t);
}

int
store_index_ensure(struct store *s, int *rebuilt)
{
	struct store_txn *t;
	uint64_t format = 0;
	int rc, rv;

	if (rebuilt != NULL)
		*rebuilt = 0;
	if (s->indexes_absent)
		return STATUS_OK;	/* read-only: reports refuse */
	if ((rv = store_read_begin(s, &t)) != STATUS_OK)
		return rv;
	rc = meta_get(t->txn, s->meta, "index_format", 4, &format);
	store_read_end(t);
	if (rc == MDB_SUCCESS && format == STORE_INDEX_FORMAT)
		return STATUS_OK;
	if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND && rc != MDB_CORRUPTED)
		return store_status_of(rc);
	if ((rv = store_write(s, rebuild_fn, NULL, NULL)) != STATUS_OK)
		return rv;
	if (rebuilt != NULL)
		*rebuilt = 1;
	return STATUS_OK;
}

