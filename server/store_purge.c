/*
 * store_purge.c: removing a person's personal data from the store, for a
 * retention purge (handlers_retention.c): the person record with its
 * history and index entries, and the stored replies that hold it. The audit entries naming the person are
 * erased by audit_redact (audit.c), which keeps the chain. Trusts its
 * callers for the id; decodes stored replies defensively.
 */
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "rpc.pb-c.h"
#include "status.h"
#include "store_index.h"
#include "store_internal.h"
#include "vetting.pb-c.h"

/*
 * store_person_delete removes a person record, its history and scheduled
 * entry, and its entries in every report index (from the record as
 * stored, which is what the indexes were built from).
 */
int
store_person_delete(struct store_txn *t, const char *id)
{
	struct person_meta m;
	struct person *old;
	MDB_val k, v;
	int rv;

	if (!t->write)
		return STATUS_INTERNAL;
	if ((rv = store_key_of(id, t->s->key_max, &k)) != STATUS_OK)
		return rv;
	if ((rv = store_txn_get(t, t->s->people, &k, &v)) != STATUS_OK)
		return rv;
	if ((old = malloc(sizeof(*old))) == NULL)
		return STATUS_RESOURCE_EXHAUSTED;
	if ((rv = record_person_decode_meta(v.mv_data, v.mv_size, 1, old,
	    &m)) == STATUS_OK &&
	    (rv = store_index_person(t, old, NULL)) == STATUS_OK &&
	    (rv = store_person_history_delete(t, id)) == STATUS_OK)
		rv = store_txn_del(t, t->s->people, &k);
	free(old);
	return rv;
}

/*
 * reply_names_person: does a stored reply carry one of the n ids? Only the
 * replies of methods that answer with a person do (PersonResponse,
 * SubjectAccessResponse): decoded, and the id compared exactly, so that
 * no other request loses the reply that keeps its resend from being done
 * twice. A reply that does not decode is left alone (the prune ages it
 * out within a day).
 */
static int
reply_names_person(const struct stored_reply *r, const char *const *ids,
    size_t n)
{
	Vet__V1__RpcResponse *env;
	Vet__V1__PersonResponse *pr = NULL;
	Vet__V1__SubjectAccessResponse *sar = NULL;
	const Vet__V1__Person *p = NULL;
	int named = 0;

	if ((env = vet__v1__rpc_response__unpack(NULL, r->reply_len,
	    r->reply)) == NULL)
		return 0;
	if (strcmp(r->method, "SubjectAccess") == 0) {
		sar = vet__v1__subject_access_response__unpack(NULL,
		    env->payload.len, env->payload.data);
		p = sar != NULL ? sar->person : NULL;
	} else {
		pr = vet__v1__person_response__unpack(NULL, env->payload.len,
		    env->payload.data);
		p = pr != NULL ? pr->person : NULL;
	}
	for (size_t i = 0; p != NULL && p->id != NULL && i < n && !named; i++)
		named = strcmp(p->id, ids[i]) == 0;
	if (pr != NULL)
		vet__v1__person_response__free_unpacked(pr, NULL);
	if (sar != NULL)
		vet__v1__subject_access_response__free_unpacked(sar, NULL);
	vet__v1__rpc_response__free_unpacked(env, NULL);
	return named;
}

int
store_reply_forget_people(struct store_txn *t, const char *const *ids,
    size_t n, size_t *deleted)
{
	MDB_cursor *c = NULL;
	MDB_val k, v;
	struct stored_reply r;
	int rc, rv = STATUS_OK;

	*deleted = 0;
	if (!t->write)
		return STATUS_INTERNAL;
	if ((rc = mdb_cursor_open(t->txn, t->s->replies, &c)) != 0)
		return store_txn_result(t, rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		int named;

		if (record_reply_decode(v.mv_data, v.mv_size, &r) != STATUS_OK)
			continue;
		named = reply_names_person(&r, ids, n);
		free(r.reply);
		if (!named)
			continue;
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			break;
		(*deleted)++;
	}
	if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
		rv = store_txn_result(t, rc);
	mdb_cursor_close(c);
	return rv;
}
