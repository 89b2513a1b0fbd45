/*
 * store_index_batch.c: the bulk path of the report indexes (see
 * store_index_batch_begin in store_index.h). store_index_person_batch
 * collects a person's index puts, deletes and counter deltas here
 * instead of writing them; store_index_batch_end sorts them and writes
 * them through one cursor in key order, each counter once with its summed
 * delta, and with MDB_APPEND past the table's last key. Entries are keyed
 * by person id, so no two people's operations touch the same entry but a
 * counter; operations on equal keys keep their order.
 */
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "store_index.h"
#include "store_internal.h"

struct index_op {
	uint64_t head;			/* the key's first 8 bytes, big-endian,
					 * 0-padded: most compares end here */
	size_t	off;			/* into bytes */
	size_t	len;
	size_t	seq;			/* order of arrival */
	int64_t	delta;			/* INDEX_OP_COUNT */
	int	op;
};

struct index_batch {
	struct index_op *ops;
	size_t	n, cap;
	uint8_t	*bytes;
	size_t	used, size;
};

void
store_index_batch_free(struct index_batch **b)
{
	if (*b == NULL)
		return;
	free((*b)->ops);
	free((*b)->bytes);
	free(*b);
	*b = NULL;
}

int
store_index_batch_begin(struct store_txn *t, struct index_batch **out)
{
	*out = NULL;
	if (!t->write)
		return STATUS_INTERNAL;
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return STATUS_RESOURCE_EXHAUSTED;
	return STATUS_OK;
}

int
index_batch_add(struct index_batch *b, int op, const uint8_t *key, size_t len,
    int64_t delta)
{
	struct index_op *o;
	void *p;
	size_t cap;

	if (b->n == b->cap) {
		cap = b->cap == 0 ? 4096 : 2 * b->cap;
		if ((p = realloc(b->ops, cap * sizeof(*b->ops))) == NULL)
			return STATUS_RESOURCE_EXHAUSTED;
		b->ops = p;
		b->cap = cap;
	}
	if (b->size - b->used < len) {
		cap = b->size == 0 ? 65536 : 2 * b->size;
		while (cap - b->used < len)
			cap *= 2;
		if ((p = realloc(b->bytes, cap)) == NULL)
			return STATUS_RESOURCE_EXHAUSTED;
		b->bytes = p;
		b->size = cap;
	}
	memcpy(b->bytes + b->used, key, len);
	o = &b->ops[b->n];
	o->head = 0;
	for (size_t i = 0; i < 8; i++)
		o->head = o->head << 8 | (i < len ? key[i] : 0);
	o->off = b->used;
	o->len = len;
	o->seq = b->n++;
	o->delta = delta;
	o->op = op;
	b->used += len;
	return STATUS_OK;
}

/* key_cmp: LMDB's default order (bytes, then the shorter first). */
static int
key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static _Thread_local const uint8_t *sort_base;	/* for op_cmp */

static int
op_cmp(const void *x, const void *y)
{
	const struct index_op *a = x, *b = y;
	int c;

	if (a->head != b->head)
		return a->head < b->head ? -1 : 1;
	c = key_cmp(sort_base + a->off, a->len, sort_base + b->off, b->len);
	if (c != 0)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* counter_write sets the counter under k to its value plus delta, through
 * c (0 removes it; below 0, a damaged index, stays at 0). */
static int
counter_write(MDB_cursor *c, MDB_val *k, int64_t delta)
{
	MDB_val key = *k, v;
	uint64_t n = 0;
	uint8_t b[8];
	int rc, found;

	rc = mdb_cursor_get(c, &key, &v, MDB_SET_KEY);
	if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
		return rc;
	found = rc == MDB_SUCCESS;
	if (found && v.mv_size == 8)
		n = store_le_get(v.mv_data, 8);
	if (delta < 0 && n < (uint64_t)-delta)
		n = 0;
	else
		n += (uint64_t)delta;
	if (n == 0)
		return found ? mdb_cursor_del(c, 0) : MDB_SUCCESS;
	store_le_put(b, n, 8);
	v.mv_data = b;
	v.mv_size = 8;
	return mdb_cursor_put(c, k, &v, 0);
}

/* batch_write applies b's operations, sorted, through one cursor. */
static int
batch_write(struct store_txn *t, struct index_batch *b)
{
	MDB_cursor *c = NULL;
	MDB_val k, v, none = { 0, NULL };
	uint8_t last[STORE_KEY_MAX];
	size_t lastlen = 0, i, j;
	int64_t sum;
	int rc, have_last, append;

	sort_base = b->bytes;
	qsort(b->ops, b->n, sizeof(*b->ops), op_cmp);
	sort_base = NULL;
	if ((rc = mdb_cursor_open(t->txn, t->s->indexes, &c)) != 0)
		return rc;
	rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
		goto done;
	have_last = rc == MDB_SUCCESS && k.mv_size <= sizeof(last);
	if (have_last) {
		memcpy(last, k.mv_data, k.mv_size);
		lastlen = k.mv_size;
	} else if (rc == MDB_SUCCESS) {
		rc = MDB_CORRUPTED;	/* longer than any key LMDB takes */
		goto done;
	}
	append = rc == MDB_NOTFOUND;
	rc = MDB_SUCCESS;
	for (i = 0; i < b->n && rc == MDB_SUCCESS; i = j) {
		const struct index_op *o = &b->ops[i];

		k.mv_data = b->bytes + o->off;
		k.mv_size = o->len;
		j = i + 1;
		if (!append && o->op != INDEX_OP_DEL &&
		    key_cmp(k.mv_data, k.mv_size, last, lastlen) > 0)
			append = 1;	/* and so is every key after it */
		switch (o->op) {
		case INDEX_OP_PUT:
			rc = mdb_cursor_put(c, &k, &none, append ?
			    MDB_APPEND : 0);
			if (rc == MDB_KEYEXIST)	/* put twice: once is enough */
				rc = mdb_cursor_put(c, &k, &none, 0);
			break;
		case INDEX_OP_DEL:
			rc = mdb_cursor_get(c, &k, &v, MDB_SET);
			if (rc == MDB_SUCCESS)
				rc = mdb_cursor_del(c, 0);
			else if (rc == MDB_NOTFOUND)
				rc = MDB_SUCCESS;
			break;
		default:	/* INDEX_OP_COUNT: the run of equal keys */
			sum = o->delta;
			while (j < b->n && b->ops[j].op == INDEX_OP_COUNT &&
			    key_cmp(b->bytes + b->ops[j].off, b->ops[j].len,
			    k.mv_data, k.mv_size) == 0)
				sum += b->ops[j++].delta;
			if (sum != 0)
				rc = counter_write(c, &k, sum);
			break;
		}
	}
done:
	mdb_cursor_close(c);
	return rc;
}

int
store_index_batch_flush(struct store_txn *t, struct index_batch *b)
{
	int rc;

	if (b->n == 0)
		return STATUS_OK;
	rc = batch_write(t, b);
	b->n = b->used = 0;
	if (rc != MDB_SUCCESS)
		return store_txn_result(t, rc);
	return STATUS_OK;
}

int
store_index_batch_end(struct store_txn *t, struct index_batch **b)
{
	int rv;

	if (*b == NULL)
		return STATUS_INTERNAL;
	rv = store_index_batch_flush(t, *b);
	store_index_batch_free(b);
	return rv;
}
