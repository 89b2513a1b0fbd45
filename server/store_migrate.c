/*
 * store_migrate.c: in-place upgrades of a data directory written by an
 * older vetd, run by store_open before anything else uses the store.
 *
 * Schema 1 -> 2: schema 1 kept each person's current state only. Schema
 * 2 adds the history and pending tables (open_dbis has created them);
 * each person gets the events that lead to their stored state
 * (history_from_state), dated as the state records them, with
 * recorded_at 0 ("not known"). The person records are left as they are:
 * a schema-1 record reads as a schema-2 one with nothing scheduled. All
 * of it is one write transaction, so a crash leaves schema 1 whole and the
 * next start does it again. Trusts the records no more than any read
 * does: one that does not decode stops the upgrade (DATA_LOSS) and
 * vetd does not start on a half-understood directory.
 */
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "record.h"
#include "status.h"
#include "store_internal.h"

struct migration {
	uint64_t people;
	char	bad_id[ID_MAX + 1];
};

/* migrate_1_to_2 writes every person's history in txn; an LMDB rc, or -1
 * with m->bad_id naming the record that does not decode. */
static int
migrate_1_to_2(struct store *s, MDB_txn *txn, struct migration *m)
{
	MDB_cursor *c = NULL;
	MDB_val k, v;
	struct person *p = NULL;
	struct history h;
	uint8_t *buf = NULL;
	size_t len;
	int rc;

	history_init(&h);
	m->people = 0;
	if ((p = malloc(sizeof(*p))) == NULL)
		return ENOMEM;
	if ((rc = mdb_cursor_open(txn, s->people, &c)) != MDB_SUCCESS)
		goto done;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (record_person_decode(v.mv_data, v.mv_size, p) !=
		    STATUS_OK || strlen(p->id) != k.mv_size ||
		    memcmp(p->id, k.mv_data, k.mv_size) != 0) {
			snprintf(m->bad_id, sizeof(m->bad_id), "%.*s",
			    (int)(k.mv_size < ID_MAX ? k.mv_size : ID_MAX),
			    (const char *)k.mv_data);
			rc = -1;
			goto done;
		}
		h.n = 0;
		if (history_from_state(p, &h) != 0) {
			rc = ENOMEM;
			goto done;
		}
		m->people++;
		if (h.n == 0)
			continue;
		if (record_history_encode(p->id, &h, &buf, &len) !=
		    STATUS_OK) {
			rc = ENOMEM;
			goto done;
		}
		MDB_val hk = { k.mv_size, p->id }, hv = { len, buf };
		rc = mdb_put(txn, s->history, &hk, &hv, 0);
		free(buf);
		buf = NULL;
		if (rc != MDB_SUCCESS)
			goto done;
	}
	if (rc == MDB_NOTFOUND)
		rc = meta_put(txn, s->meta, "schema", 4, 2);
done:
	if (c != NULL)
		mdb_cursor_close(c);
	history_free(&h);
	free(p);
	return rc;
}

unsigned
store_schema(struct store *s)
{
	return s->schema;
}

unsigned
store_migration(struct store *s, uint64_t *people)
{
	if (people != NULL)
		*people = s->migrated_people;
	return s->migrated_from;
}

int
store_migrate_run(struct store *s, const char *dir, char *err, size_t errsz)
{
	struct migration m;
	MDB_txn *txn;
	int rc, rv, tries;

	if (s->schema != STORE_SCHEMA_UPGRADABLE) {
		snprintf(err, errsz, "data directory %s: no upgrade from "
		    "schema %u", dir, s->schema);
		return STATUS_FAILED_PRECONDITION;
	}
	for (tries = 0; tries < STORE_GROW_TRIES; tries++) {
		memset(&m, 0, sizeof(m));
		if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) !=
		    MDB_SUCCESS)
			break;
		if ((rc = migrate_1_to_2(s, txn, &m)) == MDB_SUCCESS)
			rc = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
		if (rc != MDB_MAP_FULL)
			break;
		/* No txn is open and nobody else uses the store yet. */
		if ((rv = store_grow(s)) != STATUS_OK) {
			snprintf(err, errsz, "data directory %s: cannot grow "
			    "the map to upgrade the store", dir);
			return rv;
		}
	}
	if (rc == -1) {
		snprintf(err, errsz, "data directory %s: cannot upgrade the "
		    "store from schema %u: the record of person %s is damaged",
		    dir, s->schema, m.bad_id);
		return STATUS_DATA_LOSS;
	}
	if (rc != MDB_SUCCESS) {
		snprintf(err, errsz, "data directory %s: cannot upgrade the "
		    "store from schema %u: %s", dir, s->schema,
		    mdb_strerror(rc));
		return store_status_of(rc);
	}
	s->migrated_from = s->schema;
	s->migrated_people = m.people;
	s->schema = STORE_SCHEMA_VERSION;
	return STATUS_OK;
}
