/*
 * store_people.c: the people table, each person's history and the
 * scheduled-event index. Tables:
 *   people    person id -> PersonRecord: the state as last written, with
 *             the time it was materialised at and its next scheduled event
 *   history   person id -> HistoryRecord: every dated event, never
 *             overwritten (history.h)
 *   pending   time||person id -> "" for each person with a scheduled event
 *             still to come (time: its next_event_at, big-endian with the
 *             sign bit flipped, so byte order is time order)
 * Every write of a person goes through store_person_put, which derives the
 * events from the old and new state (history_derive): handlers only write
 * state. A read catches the stored state up with the scheduled events that
 * have come due (history_apply_scheduled), so a leaver recorded for a
 * future time is one from that second on; store_scheduled_due writes the
 * caught-up state back. A check at "now" decodes only the person record
 * unless a scheduled event is due. Trusts its callers (handlers validate
 * ids); decodes every stored record defensively.
 */
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history.h"
#include "record.h"
#include "record_decode.h"
#include "status.h"
#include "store_index.h"
#include "store_internal.h"

#define PENDING_TIME	8	/* pending key: time, then id */

vtime
store_txn_now(struct store_txn *t)
{
	if (t->now == 0)
		t->now = (vtime)time(NULL);
	return t->now;
}

void
store_txn_set_now(struct store_txn *t, vtime now)
{
	t->now = now;
}

vtime
store_next_scheduled(struct store *s)
{
	return atomic_load(&s->next_scheduled);
}

/* hint_lower: a scheduled event at `at` is stored (or about to be). */
static void
hint_lower(struct store *s, vtime at)
{
	vtime cur = atomic_load(&s->next_scheduled);

	while (at != 0 && (cur == 0 || at < cur) &&
	    !atomic_compare_exchange_weak(&s->next_scheduled, &cur, at))
		;
}

static void
pending_key(uint8_t *b, vtime at, const MDB_val *id, MDB_val *k)
{
	uint64_t u = (uint64_t)at ^ (UINT64_C(1) << 63);

	for (size_t i = 0; i < PENDING_TIME; i++)
		b[i] = (uint8_t)(u >> (56 - 8 * i));
	memcpy(b + PENDING_TIME, id->mv_data, id->mv_size);
	k->mv_data = b;
	k->mv_size = PENDING_TIME + id->mv_size;
}

static vtime
pending_time(const uint8_t *b)
{
	uint64_t u = 0;

	for (size_t i = 0; i < PENDING_TIME; i++)
		u = (u << 8) | b[i];
	return (vtime)(u ^ (UINT64_C(1) << 63));
}

/* id_key: a person id as a key, leaving room for the pending prefix. */
static int
id_key(struct store_txn *t, const char *id, MDB_val *k)
{
	return store_key_of(id, t->s->key_max - PENDING_TIME, k);
}

/* person_decode decodes v, and refuses a record filed under another id. */
static int
person_decode(const MDB_val *k, const MDB_val *v, int whole, struct person *p,
    struct person_meta *m)
{
	int rv;

	/* The check path (whole = 0) takes the hand-written decoder, which
	 * fills only what the rule reads. */
	rv = whole ? record_person_decode_meta(v->mv_data, v->mv_size, 1, p,
	    m) : record_decode_person_rule(v->mv_data, v->mv_size, p, m);
	if (rv != STATUS_OK)
		return rv;
	if (strlen(p->id) != k->mv_size ||
	    memcmp(p->id, k->mv_data, k->mv_size) != 0)
		return STATUS_DATA_LOSS;
	return STATUS_OK;
}

/* history_read fills h (initialised) with the events filed under k. */
static int
history_read(struct store_txn *t, const MDB_val *k, const char *id,
    struct history *h)
{
	MDB_val key = *k, v;
	int rv;

	if (t->s->history_absent)
		return STATUS_OK;
	rv = store_txn_get(t, t->s->history, &key, &v);
	if (rv == STATUS_NOT_FOUND)
		return STATUS_OK;
	if (rv != STATUS_OK)
		return rv;
	return record_history_decode(v.mv_data, v.mv_size, id, h);
}

/*
 * catch_up applies to p the scheduled events effective after
 * m->materialised_at and at or before until, reading the history only when
 * one is due, and moves m on. h, when not NULL, receives the history
 * (read here or already held).
 */
static int
catch_up(struct store_txn *t, const MDB_val *k, struct person *p,
    struct person_meta *m, vtime until, struct history *h)
{
	struct history local;
	int rv;

	if (m->next_event_at == 0 || m->next_event_at > until ||
	    until <= m->materialised_at)
		return STATUS_OK;
	if (h == NULL)
		history_init(h = &local);
	if (h->n == 0 && (rv = history_read(t, k, p->id, h)) != STATUS_OK)
		goto done;
	history_apply_scheduled(p, h, m->materialised_at, until);
	m->materialised_at = until;
	m->next_event_at = p->status == PERSON_LEAVER ? 0 :
	    history_next_scheduled(h, until);
	rv = STATUS_OK;
done:
	if (h == &local)
		history_free(&local);
	return rv;
}

/* person_read reads and decodes the record under k. */
static int
person_read(struct store_txn *t, const MDB_val *k, int whole,
    struct person *p, struct person_meta *m)
{
	MDB_val key = *k, v;
	int rv;

	if ((rv = store_txn_get(t, t->s->people, &key, &v)) != STATUS_OK)
		return rv;
	return person_decode(&key, &v, whole, p, m);
}

static int
person_get_now(struct store_txn *t, const char *id, int whole,
    struct person *out, vtime *next)
{
	struct person_meta m;
	MDB_val k;
	int rv;

	if ((rv = id_key(t, id, &k)) != STATUS_OK ||
	    (rv = person_read(t, &k, whole, out, &m)) != STATUS_OK ||
	    (rv = catch_up(t, &k, out, &m, store_txn_now(t), NULL)) !=
	    STATUS_OK)
		return rv;
	if (next != NULL)
		*next = m.next_event_at;
	return STATUS_OK;
}

int
store_person_get(struct store_txn *t, const char *id, struct person *out)
{
	return person_get_now(t, id, 1, out, NULL);
}

int
store_person_get_rule(struct store_txn *t, const char *id, struct person *out)
{
	return person_get_now(t, id, 0, out, NULL);
}

int
store_person_at(struct store_txn *t, const char *id, vtime at,
    struct person *out, vtime *next_event)
{
	struct person *base = NULL;
	struct person_meta m;
	struct history h;
	MDB_val k;
	int rv;

	if (at == 0)
		return person_get_now(t, id, 0, out, next_event);
	history_init(&h);
	if ((rv = id_key(t, id, &k)) != STATUS_OK)
		goto done;
	if ((base = malloc(sizeof(*base))) == NULL) {
		rv = STATUS_RESOURCE_EXHAUSTED;
		goto done;
	}
	if ((rv = person_read(t, &k, 0, base, &m)) != STATUS_OK ||
	    (rv = history_read(t, &k, id, &h)) != STATUS_OK)
		goto done;
	history_state_at(base, &h, at, out);
	if (next_event != NULL)
		*next_event = history_next_after(&h, at);
done:
	history_free(&h);
	free(base);
	return rv;
}

int
store_person_history(struct store_txn *t, const char *id, struct history *out)
{
	MDB_val k;
	int rv;

	if ((rv = id_key(t, id, &k)) != STATUS_OK)
		return rv;
	return history_read(t, &k, id, out);
}

/*
 * person_write files new (with m) under k, the history h when write_history
 * is set, and moves the person's pending entry from old_next to
 * m->next_event_at, and brings the report indexes from old to new
 * (store_index.h; into the batch ib, if not NULL). old is the state as
 * stored before (NULL for a new person), not as caught up: the indexes
 * hold what is stored. Every write of a person, the scheduled ones
 * included, comes through here.
 */
static int
person_write(struct store_txn *t, const MDB_val *k, const struct person *old,
    const struct person *new, const struct person_meta *m, vtime old_next,
    const struct history *h, int write_history, struct index_batch *ib)
{
	uint8_t pkey[STORE_KEY_MAX], *buf = NULL;
	MDB_val key = *k, v, pk, none = { 0, NULL };
	size_t len;
	int rv;

	if ((rv = record_person_encode_meta(new, m, &buf, &len)) != STATUS_OK)
		return rv;
	if (!t->s->indexes_absent &&
	    (rv = store_index_person_batch(t, ib, old, new)) != STATUS_OK)
		return rv;
	v.mv_data = buf;
	v.mv_size = len;
	rv = store_txn_put(t, t->s->people, &key, &v);
	free(buf);
	buf = NULL;
	if (rv != STATUS_OK)
		return rv;
	if (write_history) {
		if ((rv = record_history_encode(new->id, h, &buf, &len)) !=
		    STATUS_OK)
			return rv;
		v.mv_data = buf;
		v.mv_size = len;
		key = *k;
		rv = store_txn_put(t, t->s->history, &key, &v);
		free(buf);
		if (rv != STATUS_OK)
			return rv;
	}
	if (old_next == m->next_event_at)
		return STATUS_OK;
	if (old_next != 0) {
		pending_key(pkey, old_next, k, &pk);
		if ((rv = store_txn_del(t, t->s->pending, &pk)) != STATUS_OK &&
		    rv != STATUS_NOT_FOUND)
			return rv;
	}
	if (m->next_event_at != 0) {
		pending_key(pkey, m->next_event_at, k, &pk);
		if ((rv = store_txn_put(t, t->s->pending, &pk, &none)) !=
		    STATUS_OK)
			return rv;
		hint_lower(t->s, m->next_event_at);
	}
	return STATUS_OK;
}

/*
 * person_put: store_person_put, adding the scheduled event e if any. The
 * stored history is read only when it changes or a scheduled event is due,
 * so a write that adds no event (a name, an unchanged import) costs one
 * record, as before histories.
 */
static int
person_put(struct store_txn *t, const struct person *p,
    const struct event *scheduled, struct index_batch *ib)
{
	struct person *old = NULL, *stored = NULL;
	struct person_meta m = { 0 }, om = { 0 };
	struct history h, added;
	struct event e;
	vtime now = store_txn_now(t), old_next = 0;
	MDB_val k;
	int have_h = 0, rv;

	history_init(&h);
	history_init(&added);
	if (!t->write)
		return STATUS_INTERNAL;
	if (t->s->history_absent)
		return STATUS_FAILED_PRECONDITION;
	if (scheduled != NULL && scheduled->at <= now)
		return STATUS_INVALID_ARGUMENT;
	/* The diff below walks p's arrays: refuse what record.c would. */
	if (p->n_clearances > PERSON_MAX_CLEARANCES ||
	    p->n_briefings > PERSON_MAX_BRIEFINGS)
		return STATUS_INVALID_ARGUMENT;
	if ((rv = id_key(t, p->id, &k)) != STATUS_OK)
		return rv;
	if ((old = malloc(sizeof(*old))) == NULL)
		return STATUS_RESOURCE_EXHAUSTED;
	rv = person_read(t, &k, 1, old, &om);
	if (rv == STATUS_NOT_FOUND) {
		free(old);
		old = NULL;
	} else if (rv != STATUS_OK)
		goto done;
	else if ((old_next = om.next_event_at) != 0 && old_next <= now &&
	    now > om.materialised_at) {
		/* The diff starts from the caught-up state (as the handler
		 * read it); the indexes from the stored one. */
		if ((stored = malloc(sizeof(*stored))) == NULL) {
			rv = STATUS_RESOURCE_EXHAUSTED;
			goto done;
		}
		*stored = *old;
		if ((rv = history_read(t, &k, p->id, &h)) != STATUS_OK ||
		    (rv = catch_up(t, &k, old, &om, now, &h)) != STATUS_OK)
			goto done;
		have_h = 1;
	}
	if (history_derive(old, p, now, &added) != 0) {
		rv = STATUS_RESOURCE_EXHAUSTED;
		goto done;
	}
	if (scheduled != NULL) {
		e = *scheduled;
		e.scheduled = 1;
		e.recorded_at = now;
		if (history_add(&added, &e) != 0) {
			rv = STATUS_RESOURCE_EXHAUSTED;
			goto done;
		}
	}
	if (added.n > 0 && !have_h && old != NULL &&
	    (rv = history_read(t, &k, p->id, &h)) != STATUS_OK)
		goto done;
	for (size_t i = 0; i < added.n; i++)
		if (history_add(&h, &added.events[i]) != 0) {
			rv = STATUS_RESOURCE_EXHAUSTED;	/* memory, cap */
			goto done;
		}
	m.materialised_at = old != NULL && om.materialised_at > now ?
	    om.materialised_at : now;
	/* Unread, the history holds no scheduled event the record does not
	 * already name. */
	if (p->status == PERSON_LEAVER)
		m.next_event_at = 0;
	else if (added.n > 0 || have_h)
		m.next_event_at = history_next_scheduled(&h, m.materialised_at);
	else
		m.next_event_at = om.next_event_at;
	rv = person_write(t, &k, stored != NULL ? stored : old, p, &m,
	    old_next, &h, added.n > 0, ib);
done:
	history_free(&added);
	history_free(&h);
	free(stored);
	free(old);
	return rv;
}

int
store_person_put(struct store_txn *t, const struct person *p)
{
	return person_put(t, p, NULL, NULL);
}

int
store_person_put_batch(struct store_txn *t, const struct person *p,
    struct index_batch *b)
{
	return person_put(t, p, NULL, b);
}

int
store_person_put_scheduled(struct store_txn *t, const struct person *p,
    const struct event *e)
{
	return person_put(t, p, e, NULL);
}

/*
 * store_scheduled_due catches up, and writes back, the people whose next
 * scheduled event is due by now, up to max of them, calling fn(before,
 * after, arg) for each (for the audit entry); a non-zero return from fn
 * stops it and is returned. *next gets the earliest scheduled time still
 * pending after the call (0: none).
 */
int
store_scheduled_due(struct store_txn *t, vtime now, size_t max,
    int (*fn)(const struct person *before, const struct person *after,
    void *arg), void *arg, size_t *done, vtime *next)
{
	MDB_cursor *c = NULL;
	MDB_val k, v, id;
	struct person *before = NULL, *after = NULL;
	struct person_meta m;
	struct history h;
	uint8_t idbuf[STORE_KEY_MAX], pkey[STORE_KEY_MAX];
	size_t n = 0;
	vtime old_next;
	int rc, rv;

	history_init(&h);
	*done = 0;
	*next = 0;
	if (!t->write)
		return STATUS_INTERNAL;
	if (t->s->history_absent)
		return STATUS_OK;
	if ((before = malloc(sizeof(*before))) == NULL ||
	    (after = malloc(sizeof(*after))) == NULL) {
		rv = STATUS_RESOURCE_EXHAUSTED;
		goto out;
	}
	for (;;) {
		/* Each write moves the entry, so always take the first. */
		if ((rc = mdb_cursor_open(t->txn, t->s->pending, &c)) != 0) {
			c = NULL;
			rv = store_txn_result(t, rc);
			goto out;
		}
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
		mdb_cursor_close(c);
		c = NULL;
		if (rc == MDB_NOTFOUND)
			break;
		if (rc != MDB_SUCCESS) {
			rv = store_txn_result(t, rc);
			goto out;
		}
		if (k.mv_size <= PENDING_TIME || k.mv_size > sizeof(idbuf)) {
			rv = STATUS_DATA_LOSS;
			goto out;
		}
		old_next = pending_time(k.mv_data);
		if (old_next > now || n == max) {
			*next = old_next;
			break;
		}
		memcpy(idbuf, (uint8_t *)k.mv_data + PENDING_TIME,
		    k.mv_size - PENDING_TIME);
		id.mv_data = idbuf;
		id.mv_size = k.mv_size - PENDING_TIME;
		/*
		 * An entry that cannot be acted on (its person deleted, the
		 * record naming another time, a history that does not decode)
		 * is dropped rather than retried every second: reads of that
		 * person still catch up, or fail closed, on their own.
		 */
		rv = person_read(t, &id, 1, before, &m);
		if (rv == STATUS_OK && m.next_event_at == old_next) {
			*after = *before;
			h.n = 0;
			if ((rv = history_read(t, &id, before->id, &h)) ==
			    STATUS_OK)
				rv = catch_up(t, &id, after, &m, now, &h);
		}
		if (rv == STATUS_RESOURCE_EXHAUSTED || t->err != MDB_SUCCESS)
			goto out;	/* the store's failure: retried */
		if (rv != STATUS_OK || m.next_event_at == old_next) {
			pending_key(pkey, old_next, &id, &k);
			if ((rv = store_txn_del(t, t->s->pending, &k)) !=
			    STATUS_OK)
				goto out;
			continue;
		}
		after->updated_at = now;
		if ((rv = person_write(t, &id, before, after, &m, old_next,
		    &h, 0, NULL)) != STATUS_OK)
			goto out;
		n++;
		if (fn != NULL && (rv = fn(before, after, arg)) != 0)
			goto out;
	}
	*done = n;
	rv = STATUS_OK;
out:
	history_free(&h);
	free(after);
	free(before);
	return rv;
}

void
store_scheduled_hint(struct store *s, vtime next)
{
	atomic_store(&s->next_scheduled, next);
}

int
store_person_history_delete(struct store_txn *t, const char *id)
{
	struct person_meta m;
	struct person *p = NULL;
	uint8_t pkey[STORE_KEY_MAX];
	MDB_val k, pk;
	int rv;

	if (!t->write)
		return STATUS_INTERNAL;
	if (t->s->history_absent)
		return STATUS_OK;
	if ((rv = id_key(t, id, &k)) != STATUS_OK)
		return rv;
	if ((p = malloc(sizeof(*p))) == NULL)
		return STATUS_RESOURCE_EXHAUSTED;
	rv = person_read(t, &k, 0, p, &m);
	free(p);
	if (rv == STATUS_OK && m.next_event_at != 0) {
		pending_key(pkey, m.next_event_at, &k, &pk);
		if ((rv = store_txn_del(t, t->s->pending, &pk)) != STATUS_OK &&
		    rv != STATUS_NOT_FOUND)
			return rv;
	} else if (rv != STATUS_OK && rv != STATUS_NOT_FOUND)
		return rv;
	rv = store_txn_del(t, t->s->history, &k);
	return rv == STATUS_NOT_FOUND ? STATUS_OK : rv;
}

/* store_scheduled_first: the earliest time in the pending index, or 0. */
int
store_scheduled_first(struct store_txn *t, vtime *out)
{
	MDB_cursor *c = NULL;
	MDB_val k, v;
	int rc;

	*out = 0;
	if (t->s->history_absent)
		return STATUS_OK;
	if ((rc = mdb_cursor_open(t->txn, t->s->pending, &c)) != 0)
		return store_txn_result(t, rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND)
		return STATUS_OK;
	if (rc != MDB_SUCCESS)
		return store_txn_result(t, rc);
	if (k.mv_size <= PENDING_TIME)
		return STATUS_DATA_LOSS;
	*out = pending_time(k.mv_data);
	return STATUS_OK;
}

int
store_person_list(struct store_txn *t, const char *after,
    enum person_status status, size_t limit,
    int (*fn)(const struct person *p, void *arg), void *arg, int *more)
{
	MDB_cursor *c = NULL;
	MDB_val k, v;
	struct person *p = NULL;
	struct person_meta m;
	size_t alen, passed = 0;
	int found_more = 0, rc, rv;

	if (after == NULL)
		after = "";
	if ((alen = strnlen(after, t->s->key_max + 1)) > t->s->key_max)
		return STATUS_INVALID_ARGUMENT;
	if ((p = malloc(sizeof(*p))) == NULL)
		return STATUS_RESOURCE_EXHAUSTED;
	if ((rc = mdb_cursor_open(t->txn, t->s->people, &c)) != 0) {
		c = NULL;
		rv = store_txn_result(t, rc);
		goto done;
	}
	if (alen == 0)
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	else {
		k.mv_data = (void *)after;
		k.mv_size = alen;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (rc == MDB_SUCCESS && k.mv_size == alen &&
		    memcmp(k.mv_data, after, alen) == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	for (; rc == MDB_SUCCESS; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if ((rv = person_decode(&k, &v, 1, p, &m)) != STATUS_OK)
			goto done;
		if (status != 0 && p->status != status)
			continue;
		if (passed == limit) {
			found_more = 1;
			break;
		}
		if ((rv = fn(p, arg)) != 0)
			goto done;
		passed++;
	}
	if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
		rv = store_txn_result(t, rc);
		goto done;
	}
	if (more != NULL)
		*more = found_more;
	rv = STATUS_OK;
done:
	if (c != NULL)
		mdb_cursor_close(c);
	free(p);
	return rv;
}
