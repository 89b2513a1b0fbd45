/*
 * store_tables.c: the caveat and reply tables (people are in
 * store_people.c). Values are encoded
 * and checked by record.c; nothing here sees a protobuf-c message. Trusts
 * its callers (handlers validate ids); trusts the files less, so every
 * stored record is decoded defensively.
 */
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "status.h"
#include "store_internal.h"

#define AGE_KEY_TIME		8	/* reply_age key: time, then id */

/* Caveats. */

static int
caveat_from(const MDB_val *k, const MDB_val *v, struct caveat *cv)
{
	int rv;

	if ((rv = record_caveat_decode(v->mv_data, v->mv_size, cv)) != 0)
		return rv;
	if (strlen(cv->name) != k->mv_size ||
	    memcmp(cv->name, k->mv_data, k->mv_size) != 0)
		return STATUS_DATA_LOSS;
	return STATUS_OK;
}

int
store_caveat_get(struct store_txn *t, const char *name, struct caveat *out)
{
	MDB_val k, v;
	int rv;

	if ((rv = store_key_of(name, t->s->key_max, &k)) != STATUS_OK)
		return rv;
	if ((rv = store_txn_get(t, t->s->caveats, &k, &v)) != STATUS_OK)
		return rv;
	return caveat_from(&k, &v, out);
}

int
store_caveat_put(struct store_txn *t, const struct caveat *cv)
{
	MDB_val k, v;
	uint8_t *buf = NULL;
	size_t len;
	int rv;

	if (!t->write)
		return STATUS_INTERNAL;
	if ((rv = record_caveat_encode(cv, &buf, &len)) != STATUS_OK)
		return rv;
	if ((rv = store_key_of(cv->name, t->s->key_max, &k)) != STATUS_OK)
		goto done;
	v.mv_data = buf;
	v.mv_size = len;
	rv = store_txn_put(t, t->s->caveats, &k, &v);
done:
	free(buf);
	return rv;
}

int
store_caveat_list(struct store_txn *t,
    int (*fn)(const struct caveat *c, void *arg), void *arg)
{
	MDB_cursor *c = NULL;
	MDB_val k, v;
	struct caveat cv;
	int rc, rv;

	if ((rc = mdb_cursor_open(t->txn, t->s->caveats, &c)) != 0) {
		c = NULL;
		rv = store_txn_result(t, rc);
		goto done;
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if ((rv = caveat_from(&k, &v, &cv)) != STATUS_OK)
			goto done;
		if ((rv = fn(&cv, arg)) != 0)
			goto done;
	}
	rv = rc == MDB_NOTFOUND ? STATUS_OK : store_txn_result(t, rc);
done:
	if (c != NULL)
		mdb_cursor_close(c);
	return rv;
}

/* Stored replies. */

/*
 * age_key: created_at big-endian with the sign bit flipped, so byte order
 * is time order for every int64, then the request id.
 */
static void
age_key(uint8_t *b, vtime at, const MDB_val *id, MDB_val *k)
{
	uint64_t u = (uint64_t)at ^ (UINT64_C(1) << 63);
	size_t i;

	for (i = 0; i < AGE_KEY_TIME; i++)
		b[i] = (uint8_t)(u >> (56 - 8 * i));
	memcpy(b + AGE_KEY_TIME, id->mv_data, id->mv_size);
	k->mv_data = b;
	k->mv_size = AGE_KEY_TIME + id->mv_size;
}

static vtime
age_time(const uint8_t *b)
{
	uint64_t u = 0;
	size_t i;

	for (i = 0; i < AGE_KEY_TIME; i++)
		u = (u << 8) | b[i];
	return (vtime)(u ^ (UINT64_C(1) << 63));
}

int
store_reply_get(struct store_txn *t, const char *request_id,
    struct stored_reply *out)
{
	MDB_val k, v;
	int rv;

	if ((rv = store_key_of(request_id, t->s->key_max - AGE_KEY_TIME, &k)) != 0)
		return rv;
	if ((rv = store_txn_get(t, t->s->replies, &k, &v)) != STATUS_OK)
		return rv;
	return record_reply_decode(v.mv_data, v.mv_size, out);
}

int
store_reply_put(struct store_txn *t, const char *request_id,
    const struct stored_reply *r)
{
	struct stored_reply old;
	uint8_t akey[STORE_KEY_MAX], *buf = NULL;
	MDB_val k, ak, v, none = { 0, NULL };
	size_t len;
	int rv;

	if (!t->write)
		return STATUS_INTERNAL;
	if ((rv = store_key_of(request_id, t->s->key_max - AGE_KEY_TIME, &k)) != 0)
		return rv;
	if ((rv = record_reply_encode(r, &buf, &len)) != STATUS_OK)
		return rv;

	/* A replaced reply must not leave its old age entry behind. */
	rv = store_txn_get(t, t->s->replies, &k, &v);
	if (rv == STATUS_OK) {
		if ((rv = record_reply_decode(v.mv_data, v.mv_size,
		    &old)) != STATUS_OK)
			goto done;
		free(old.reply);
		age_key(akey, old.created_at, &k, &ak);
		if ((rv = store_txn_del(t, t->s->reply_age, &ak)) != STATUS_OK &&
		    rv != STATUS_NOT_FOUND)
			goto done;
	} else if (rv != STATUS_NOT_FOUND)
		goto done;

	v.mv_data = buf;
	v.mv_size = len;
	if ((rv = store_txn_put(t, t->s->replies, &k, &v)) != STATUS_OK)
		goto done;
	age_key(akey, r->created_at, &k, &ak);
	rv = store_txn_put(t, t->s->reply_age, &ak, &none);
done:
	free(buf);
	return rv;
}

int
store_reply_prune(struct store_txn *t, vtime cutoff, size_t max)
{
	MDB_cursor *c = NULL;
	MDB_val k, v, id;
	uint8_t akey[STORE_KEY_MAX];
	size_t n;
	int rc = MDB_SUCCESS, rv;

	if (!t->write)
		return STATUS_INTERNAL;
	if ((rc = mdb_cursor_open(t->txn, t->s->reply_age, &c)) != 0) {
		c = NULL;
		rv = store_txn_result(t, rc);
		goto done;
	}
	/* Oldest first; each delete makes the next oldest the first. */
	for (n = 0; n < max; n++) {
		if ((rc = mdb_cursor_get(c, &k, &v, MDB_FIRST)) != 0)
			break;
		if (k.mv_size <= AGE_KEY_TIME || k.mv_size > sizeof(akey)) {
			rv = STATUS_DATA_LOSS;
			goto done;
		}
		if (age_time(k.mv_data) >= cutoff)
			break;
		memcpy(akey, k.mv_data, k.mv_size);
		id.mv_data = akey + AGE_KEY_TIME;
		id.mv_size = k.mv_size - AGE_KEY_TIME;
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			break;
		if ((rv = store_txn_del(t, t->s->replies, &id)) != STATUS_OK &&
		    rv != STATUS_NOT_FOUND)
			goto done;
	}
	rv = rc == MDB_SUCCESS || rc == MDB_NOTFOUND ? STATUS_OK :
	    store_txn_result(t, rc);
done:
	if (c != NULL)
		mdb_cursor_close(c);
	return rv;
}
