/*
 * store_audit.c: the audit tables (see store.h). Entries are opaque bytes
 * here: audit.c encodes, decodes and hashes them. The log is append-only:
 * an entry is put with MDB_APPEND, so a seq at or below a stored one is
 * refused rather than overwriting history. Trusts its callers for the
 * person id (handlers validate ids); trusts the files less: a head of the
 * wrong size is reported as damaged.
 */
#include <lmdb.h>
#include <string.h>

#include "status.h"
#include "store_internal.h"

#define HEAD_KEY	"audit_head"
#define HEAD_SIZE	(8 + STORE_AUDIT_HASH)
#define SEQ_SIZE	8

static void
seq_key(uint8_t b[SEQ_SIZE], uint64_t seq)
{
	for (size_t i = 0; i < SEQ_SIZE; i++)
		b[i] = (uint8_t)(seq >> (56 - 8 * i));
}

static uint64_t
seq_of(const uint8_t *b)
{
	uint64_t v = 0;

	for (size_t i = 0; i < SEQ_SIZE; i++)
		v = (v << 8) | b[i];
	return v;
}

/* person_key: id, NUL, seq big-endian; the NUL keeps one id's keys
 * together, since ids hold no NUL and every id byte sorts above it. */
static int
person_key(struct store_txn *t, const char *id, uint64_t seq,
    uint8_t *b, MDB_val *k)
{
	size_t n = strnlen(id, ID_MAX + 1);

	if (n == 0 || n > ID_MAX || n + 1 + SEQ_SIZE > t->s->key_max)
		return STATUS_INVALID_ARGUMENT;
	memcpy(b, id, n);
	b[n] = '\0';
	seq_key(b + n + 1, seq);
	k->mv_data = b;
	k->mv_size = n + 1 + SEQ_SIZE;
	return STATUS_OK;
}

int
store_audit_head(struct store_txn *t, uint64_t *seq,
    uint8_t hash[STORE_AUDIT_HASH])
{
	MDB_val k = { strlen(HEAD_KEY), (void *)HEAD_KEY }, v;
	int rv;

	rv = store_txn_get(t, t->s->meta, &k, &v);
	if (rv == STATUS_NOT_FOUND) {
		*seq = 0;
		memset(hash, 0, STORE_AUDIT_HASH);
		return STATUS_OK;
	}
	if (rv != STATUS_OK)
		return rv;
	if (v.mv_size != HEAD_SIZE)
		return STATUS_DATA_LOSS;
	*seq = store_le_get(v.mv_data, 8);
	memcpy(hash, (const uint8_t *)v.mv_data + 8, STORE_AUDIT_HASH);
	return STATUS_OK;
}

int
store_audit_put(struct store_txn *t, uint64_t seq, const char *person_id,
    const uint8_t *buf, size_t len, const uint8_t hash[STORE_AUDIT_HASH])
{
	uint8_t kb[SEQ_SIZE], pb[ID_MAX + 1 + SEQ_SIZE], head[HEAD_SIZE];
	MDB_val k = { SEQ_SIZE, kb }, v = { len, (void *)buf };
	MDB_val hk = { strlen(HEAD_KEY), (void *)HEAD_KEY };
	MDB_val hv = { HEAD_SIZE, head }, none = { 0, NULL };
	int rc, rv;

	if (!t->write || seq == 0)
		return STATUS_INTERNAL;
	seq_key(kb, seq);
	rc = mdb_put(t->txn, t->s->audit, &k, &v, MDB_APPEND);
	if (rc == MDB_KEYEXIST)
		return STATUS_INTERNAL;	/* not above the stored entries */
	if ((rv = store_txn_result(t, rc)) != STATUS_OK)
		return rv;
	if (person_id != NULL && person_id[0] != '\0') {
		if ((rv = person_key(t, person_id, seq, pb, &k)) != STATUS_OK)
			return rv;
		if ((rv = store_txn_put(t, t->s->audit_person, &k,
		    &none)) != STATUS_OK)
			return rv;
	}
	store_le_put(head, seq, 8);
	memcpy(head + 8, hash, STORE_AUDIT_HASH);
	return store_txn_put(t, t->s->meta, &hk, &hv);
}

/* store_audit_replace rewrites the bytes of stored entry seq: only for
 * audit_redact, which keeps the entry's chain hash as it was. */
int
store_audit_replace(struct store_txn *t, uint64_t seq, const uint8_t *buf,
    size_t len)
{
	uint8_t kb[SEQ_SIZE];
	MDB_val k = { SEQ_SIZE, kb }, v = { len, (void *)buf }, old;
	int rv;

	if (!t->write || seq == 0)
		return STATUS_INTERNAL;
	seq_key(kb, seq);
	if ((rv = store_txn_get(t, t->s->audit, &k, &old)) != STATUS_OK)
		return rv;
	return store_txn_put(t, t->s->audit, &k, &v);
}

int
store_audit_get(struct store_txn *t, uint64_t seq, const uint8_t **buf,
    size_t *len)
{
	uint8_t kb[SEQ_SIZE];
	MDB_val k = { SEQ_SIZE, kb }, v;
	int rv;

	seq_key(kb, seq);
	if ((rv = store_txn_get(t, t->s->audit, &k, &v)) != STATUS_OK)
		return rv;
	*buf = v.mv_data;
	*len = v.mv_size;
	return STATUS_OK;
}

int
store_audit_scan(struct store_txn *t, uint64_t after_seq,
    int (*fn)(uint64_t seq, const uint8_t *buf, size_t len, void *arg),
    void *arg)
{
	MDB_cursor *c = NULL;
	uint8_t kb[SEQ_SIZE];
	MDB_val k = { SEQ_SIZE, kb }, v;
	int rc, rv;

	if (after_seq == UINT64_MAX)
		return STATUS_OK;
	if ((rc = mdb_cursor_open(t->txn, t->s->audit, &c)) != 0) {
		c = NULL;
		rv = store_txn_result(t, rc);
		goto done;
	}
	seq_key(kb, after_seq + 1);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == MDB_SUCCESS;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != SEQ_SIZE) {
			rv = STATUS_DATA_LOSS;
			goto done;
		}
		if ((rv = fn(seq_of(k.mv_data), v.mv_data, v.mv_size,
		    arg)) != 0)
			goto done;
	}
	rv = rc == MDB_NOTFOUND ? STATUS_OK : store_txn_result(t, rc);
done:
	if (c != NULL)
		mdb_cursor_close(c);
	return rv;
}

int
store_audit_person_scan(struct store_txn *t, const char *person_id,
    uint64_t after_seq, int (*fn)(uint64_t seq, void *arg), void *arg)
{
	MDB_cursor *c = NULL;
	uint8_t kb[ID_MAX + 1 + SEQ_SIZE];
	MDB_val k, v;
	size_t n;
	int rc, rv;

	if (after_seq == UINT64_MAX)
		return STATUS_OK;
	if ((rv = person_key(t, person_id, after_seq + 1, kb, &k)) !=
	    STATUS_OK)
		return rv;
	n = k.mv_size - SEQ_SIZE;	/* the id and its NUL */
	if ((rc = mdb_cursor_open(t->txn, t->s->audit_person, &c)) != 0) {
		c = NULL;
		rv = store_txn_result(t, rc);
		goto done;
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == MDB_SUCCESS;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != n + SEQ_SIZE || memcmp(k.mv_data, kb, n) != 0)
			break;	/* past this person's keys */
		if ((rv = fn(seq_of((const uint8_t *)k.mv_data + n), arg)) != 0)
			goto done;
	}
	rv = rc == MDB_SUCCESS || rc == MDB_NOTFOUND ? STATUS_OK :
	    store_txn_result(t, rc);
done:
	if (c != NULL)
		mdb_cursor_close(c);
	return rv;
}
