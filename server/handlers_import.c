/*
 * handlers_import.c: ImportPeople, the bulk path (register import,
 * benchmarks). Input is untrusted wire data. Every record of the call is
 * validated first, completely and without writing (ids, texts, enums,
 * dates, caps, schemes and levels against the policy, compartments against
 * the defined caveats, duplicate ids); the first bad one fails the call
 * with INVALID_ARGUMENT naming its index. Then every record is written in
 * the one write transaction of the call, so either all are stored or, on
 * any failure, none; their report index entries are written together at
 * the end, in key order (store_index_batch_begin). A record equal to the
 * stored one is counted unchanged and not written.
 *
 * Defaults for values an import may leave out, chosen so that importing
 * the same register twice changes nothing: status UNSPECIFIED is ACTIVE,
 * source UNSPECIFIED is MANUAL, clearance status UNSPECIFIED is GRANTED;
 * created_at 0 keeps the stored value (now for a new person);
 * status_changed_at 0 is created_at for the person and granted_at for a
 * clearance. updated_at is vetd's own and is not taken from the import.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "handlers.h"
#include "policy.h"
#include "rpc.h"
#include "status.h"
#include "store.h"
#include "store_index.h"
#include "validate.h"

#define IMPORT_MAX	1000	/* people per call, as in vetting.proto */

/* import_fail records INVALID_ARGUMENT for record i. */
static int
import_fail(struct rpc_call *call, size_t i, const char *id, const char *what)
{
	char shown[ID_MAX + 1];
	char err[256];

	/* Echo the id only when it is a valid one: never reflect junk. */
	if (id != NULL && validate_id("id", id, err, sizeof(err)) == 0)
		copy_string(shown, sizeof(shown), id);
	else
		shown[0] = '\0';
	rpc_fail(call, STATUS_INVALID_ARGUMENT, "people[%zu]%s%s%s: %s", i,
	    shown[0] ? " (id " : "", shown, shown[0] ? ")" : "", what);
	return -1;
}

/* compartment_find resolves a briefing's compartment to its canonical
 * name; 0, 1 when unknown or not a compartment, or a store status. */
static int
compartment_find(struct rpc_call *call, const char *name,
    char canon[CAVEAT_MAX + 1])
{
	struct caveat c;
	char upper[CAVEAT_MAX + 1];
	size_t k;
	int rv;

	if (policy_builtin_caveat(call->vd->policy, name) != NULL)
		return 1;	/* built-ins are national caveats */
	for (k = 0; name[k] != '\0' && k < CAVEAT_MAX; k++)
		upper[k] = (char)toupper((unsigned char)name[k]);
	upper[k] = '\0';
	rv = store_caveat_get(call->txn, upper, &c);
	if (rv == STATUS_NOT_FOUND)
		return 1;
	if (rv != STATUS_OK)
		return rv;
	if (c.kind != CAVEAT_COMPARTMENT)
		return 1;
	copy_string(canon, CAVEAT_MAX + 1, c.name);
	return 0;
}

static int
import_clearance(struct rpc_call *call, size_t i, const char *id,
    const Vet__V1__Clearance *in, struct person *p)
{
	const struct policy *pol = call->vd->policy;
	struct clearance *c;
	char err[256], what[320];
	int s, rank;

	if (in == NULL)
		return import_fail(call, i, id, "an empty clearance");
	if (validate_name("scheme", in->scheme, SCHEME_MAX, err,
	    sizeof(err)) != 0 || validate_name("level", in->level, LEVEL_MAX,
	    err, sizeof(err)) != 0)
		return import_fail(call, i, id, err);
	if ((s = policy_scheme_index(pol, in->scheme)) < 0) {
		snprintf(what, sizeof(what), "unknown scheme \"%s\"",
		    in->scheme);
		return import_fail(call, i, id, what);
	}
	if ((rank = policy_level_rank(pol, s, in->level)) < 0) {
		snprintf(what, sizeof(what), "unknown level \"%s\" in scheme "
		    "%s", in->level, pol->schemes[s].name);
		return import_fail(call, i, id, what);
	}
	for (size_t k = 0; k < p->n_clearances; k++) {
		if (strcmp(p->clearances[k].scheme, pol->schemes[s].name) ==
		    0) {
			snprintf(what, sizeof(what), "two clearances in scheme "
			    "%s", pol->schemes[s].name);
			return import_fail(call, i, id, what);
		}
	}
	if (validate_time("granted_at", in->granted_at, 1, err,
	    sizeof(err)) ||
	    validate_time("review_due", in->review_due, 1, err,
	    sizeof(err)) ||
	    validate_time("status_changed_at", in->status_changed_at, 0, err,
	    sizeof(err)) ||
	    validate_text("authority", in->authority, AUTHORITY_MAX, 0, err,
	    sizeof(err)) ||
	    validate_text("reference", in->reference, REFERENCE_MAX, 0, err,
	    sizeof(err)) ||
	    validate_text("status_reason", in->status_reason, REASON_MAX, 0,
	    err, sizeof(err)))
		return import_fail(call, i, id, err);
	if (in->review_due <= in->granted_at)
		return import_fail(call, i, id, "a clearance's review date "
		    "must be after its grant date");
	if (in->status > VET__V1__CLEARANCE_STATUS__CLEARANCE_LAPSED)
		return import_fail(call, i, id, "clearance status must be "
		    "GRANTED, SUSPENDED, WITHDRAWN or LAPSED");

	c = &p->clearances[p->n_clearances++];
	copy_string(c->scheme, sizeof(c->scheme), pol->schemes[s].name);
	copy_string(c->level, sizeof(c->level), pol->schemes[s].levels[rank]);
	c->granted_at = in->granted_at;
	c->review_due = in->review_due;
	copy_string(c->authority, sizeof(c->authority), in->authority);
	copy_string(c->reference, sizeof(c->reference), in->reference);
	c->status = in->status == 0 ? CLEARANCE_GRANTED :
	    (enum clearance_status)in->status;
	copy_string(c->status_reason, sizeof(c->status_reason),
	    in->status_reason);
	c->status_changed_at = in->status_changed_at != 0 ?
	    in->status_changed_at : in->granted_at;
	return 0;
}

static int
import_briefing(struct rpc_call *call, size_t i, const char *id,
    const Vet__V1__Briefing *in, struct person *p)
{
	struct briefing *b;
	char canon[CAVEAT_MAX + 1], err[256], what[320];
	int rv;

	if (in == NULL)
		return import_fail(call, i, id, "an empty briefing");
	if (validate_name("compartment", in->compartment, CAVEAT_MAX, err,
	    sizeof(err)) != 0)
		return import_fail(call, i, id, err);
	if ((rv = compartment_find(call, in->compartment, canon)) > 1) {
		rpc_fail(call, rv, "cannot read caveat %s", in->compartment);
		return -1;
	}
	if (rv == 1) {
		snprintf(what, sizeof(what), "\"%s\" is not a defined "
		    "compartment", in->compartment);
		return import_fail(call, i, id, what);
	}
	for (size_t k = 0; k < p->n_briefings; k++) {
		if (strcmp(p->briefings[k].compartment, canon) == 0) {
			snprintf(what, sizeof(what), "two briefings into %s",
			    canon);
			return import_fail(call, i, id, what);
		}
	}
	if (validate_time("briefed_at", in->briefed_at, 1, err,
	    sizeof(err)) ||
	    validate_time("expires_at", in->expires_at, 0, err,
	    sizeof(err)) ||
	    validate_time("debriefed_at", in->debriefed_at, 0, err,
	    sizeof(err)) ||
	    validate_text("debrief_reason", in->debrief_reason, REASON_MAX, 0,
	    err, sizeof(err)))
		return import_fail(call, i, id, err);
	if (in->expires_at != 0 && in->expires_at <= in->briefed_at)
		return import_fail(call, i, id, "a briefing must expire after "
		    "it was given");
	if (in->debriefed_at != 0 && in->debriefed_at < in->briefed_at)
		return import_fail(call, i, id, "a debriefing cannot come "
		    "before its briefing");

	b = &p->briefings[p->n_briefings++];
	copy_string(b->compartment, sizeof(b->compartment), canon);
	b->briefed_at = in->briefed_at;
	b->expires_at = in->expires_at;
	b->debriefed_at = in->debriefed_at;
	copy_string(b->debrief_reason, sizeof(b->debrief_reason),
	    in->debrief_reason);
	return 0;
}

/*
 * import_convert validates wire record i into *p (zeroed first, so a
 * record that matches the stored one compares equal with memcmp).
 * created_at 0 stays 0 here: import_one fills it. Returns 0, or -1 with
 * the call's status set.
 */
static int
import_convert(struct rpc_call *call, size_t i, const Vet__V1__Person *in,
    struct person *p)
{
	char err[256], nationality[3] = { 0 };	/* "" leaves [1], [2] */

	memset(p, 0, sizeof(*p));
	if (in == NULL)
		return import_fail(call, i, NULL, "an empty record");
	if (validate_id("id", in->id, err, sizeof(err)) ||
	    validate_text("display_name", in->display_name, NAME_MAX_BYTES, 1,
	    err, sizeof(err)) ||
	    validate_text("email", in->email, NAME_MAX_BYTES, 0, err,
	    sizeof(err)) ||
	    validate_text("org_unit", in->org_unit, ORG_UNIT_MAX, 0, err,
	    sizeof(err)) ||
	    validate_nationality(in->nationality, nationality, err,
	    sizeof(err)) ||
	    validate_text("status_reason", in->status_reason, REASON_MAX, 0,
	    err, sizeof(err)) ||
	    validate_time("created_at", in->created_at, 0, err, sizeof(err)) ||
	    validate_time("status_changed_at", in->status_changed_at, 0, err,
	    sizeof(err)))
		return import_fail(call, i, in->id, err);
	if (in->status > VET__V1__PERSON_STATUS__PERSON_LEAVER)
		return import_fail(call, i, in->id, "status must be ACTIVE, "
		    "SUSPENDED or LEAVER");
	if (in->source > VET__V1__PERSON_SOURCE__SOURCE_DIRECTORY)
		return import_fail(call, i, in->id, "source must be MANUAL or "
		    "DIRECTORY");
	if (in->n_clearances > PERSON_MAX_CLEARANCES ||
	    in->n_briefings > PERSON_MAX_BRIEFINGS) {
		snprintf(err, sizeof(err), "at most %d clearances and %d "
		    "briefings per person", PERSON_MAX_CLEARANCES,
		    PERSON_MAX_BRIEFINGS);
		return import_fail(call, i, in->id, err);
	}

	copy_string(p->id, sizeof(p->id), in->id);
	copy_string(p->display_name, sizeof(p->display_name),
	    in->display_name);
	copy_string(p->email, sizeof(p->email), in->email);
	copy_string(p->org_unit, sizeof(p->org_unit), in->org_unit);
	memcpy(p->nationality, nationality, sizeof(nationality));
	p->status = in->status == 0 ? PERSON_ACTIVE :
	    (enum person_status)in->status;
	p->source = in->source == VET__V1__PERSON_SOURCE__SOURCE_DIRECTORY ?
	    SOURCE_DIRECTORY : SOURCE_MANUAL;
	copy_string(p->status_reason, sizeof(p->status_reason),
	    in->status_reason);
	p->created_at = in->created_at;
	p->status_changed_at = in->status_changed_at;

	for (size_t k = 0; k < in->n_clearances; k++)
		if (import_clearance(call, i, in->id, in->clearances[k], p))
			return -1;
	for (size_t k = 0; k < in->n_briefings; k++)
		if (import_briefing(call, i, in->id, in->briefings[k], p))
			return -1;

	/* A leaver holds nothing: the state RecordLeaver leaves behind. */
	if (p->status == PERSON_LEAVER) {
		for (size_t k = 0; k < p->n_clearances; k++)
			if (p->clearances[k].status == CLEARANCE_GRANTED ||
			    p->clearances[k].status == CLEARANCE_SUSPENDED)
				return import_fail(call, i, in->id, "a leaver "
				    "cannot hold a granted or suspended "
				    "clearance");
		for (size_t k = 0; k < p->n_briefings; k++)
			if (p->briefings[k].debriefed_at == 0)
				return import_fail(call, i, in->id, "a leaver "
				    "cannot be briefed");
	}
	return 0;
}

static int
id_order(const void *a, const void *b)
{
	const Vet__V1__Person *const *x = a, *const *y = b;

	return strcmp((*x)->id, (*y)->id);
}

/* import_duplicates refuses one id twice in a call (all ids are valid). */
static int
import_duplicates(struct rpc_call *call, const Vet__V1__ImportPeopleRequest *in)
{
	const Vet__V1__Person **sorted;

	if ((sorted = rpc_alloc(call, in->n_people * sizeof(*sorted))) ==
	    NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return -1;
	}
	memcpy(sorted, in->people, in->n_people * sizeof(*sorted));
	qsort(sorted, in->n_people, sizeof(*sorted), id_order);
	for (size_t i = 1; i < in->n_people; i++) {
		if (strcmp(sorted[i - 1]->id, sorted[i]->id) != 0)
			continue;
		for (size_t k = in->n_people; k-- > 0;)
			if (in->people[k] == sorted[i] ||
			    in->people[k] == sorted[i - 1])
				return import_fail(call, k, sorted[i]->id,
				    "the same id appears twice in this import");
	}
	return 0;
}

enum import_outcome {
	IMPORT_CREATED,
	IMPORT_UPDATED,
	IMPORT_UNCHANGED,
};

/* import_one writes record i (already validated), its index changes into
 * ib; -1 with status set. */
static int
import_one(struct rpc_call *call, size_t i, const Vet__V1__Person *in,
    struct person *p, struct person *stored, struct index_batch *ib,
    enum import_outcome *out)
{
	int rv;

	if (import_convert(call, i, in, p) != 0)
		return -1;
	rv = store_person_get(call->txn, p->id, stored);
	if (rv == STATUS_NOT_FOUND) {
		if (p->created_at == 0)
			p->created_at = call->now;
		*out = IMPORT_CREATED;
	} else if (rv != STATUS_OK) {
		rpc_fail(call, rv, "cannot read person %s from the store",
		    p->id);
		return -1;
	} else {
		if (p->created_at == 0)
			p->created_at = stored->created_at;
		*out = IMPORT_UPDATED;
	}
	if (p->status_changed_at == 0)
		p->status_changed_at = p->created_at;
	if (*out == IMPORT_UPDATED) {
		p->updated_at = stored->updated_at;
		if (memcmp(p, stored, sizeof(*p)) == 0) {
			*out = IMPORT_UNCHANGED;
			return 0;
		}
		if (stored->status == PERSON_LEAVER) {
			rpc_fail(call, STATUS_FAILED_PRECONDITION, "people[%zu]"
			    " (id %s): person %s is a leaver; their record "
			    "can no longer change", i, p->id, p->id);
			return -1;
		}
	}
	p->updated_at = call->now;
	if ((rv = store_person_put_batch(call->txn, p, ib)) != STATUS_OK) {
		rpc_fail(call, rv, "cannot write person %s to the store",
		    p->id);
		return -1;
	}
	return 0;
}

HANDLER(import_people, ImportPeopleRequest, ImportPeopleResponse)
{
	struct rpc_call *call = closure_data;
	Vet__V1__ImportPeopleResponse resp =
	    VET__V1__IMPORT_PEOPLE_RESPONSE__INIT;
	struct person *stored;
	struct index_batch *ib = NULL;
	enum import_outcome outcome;
	size_t i;
	int rv;

	if (input->n_people == 0 || input->n_people > IMPORT_MAX) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "an import holds 1 to "
		    "%d people, not %zu", IMPORT_MAX, input->n_people);
		goto fail;
	}
	if ((stored = rpc_alloc(call, sizeof(*stored))) == NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	/* First every record, without writing anything. */
	for (i = 0; i < input->n_people; i++)
		if (import_convert(call, i, input->people[i],
		    &call->scratch) != 0)
			goto fail;
	if (import_duplicates(call, input) != 0)
		goto fail;
	/* Then all of them, in this one transaction, their index entries
	 * written together, sorted, at the end (store_index_batch.c). */
	if ((rv = store_index_batch_begin(call->txn, &ib)) != STATUS_OK) {
		rpc_fail(call, rv, "cannot start the index batch");
		goto fail;
	}
	for (i = 0; i < input->n_people; i++) {
		if (import_one(call, i, input->people[i], &call->scratch,
		    stored, ib, &outcome) != 0) {
			store_index_batch_free(&ib);
			goto fail;
		}
		if (outcome == IMPORT_CREATED)
			resp.created++;
		else if (outcome == IMPORT_UPDATED)
			resp.updated++;
		else
			resp.unchanged++;
	}
	if ((rv = store_index_batch_end(call->txn, &ib)) != STATUS_OK) {
		rpc_fail(call, rv, "cannot write the report indexes");
		goto fail;
	}
	rpc_audit_change(call, "import: %u created, %u updated, %u unchanged",
	    resp.created, resp.updated, resp.unchanged);
	closure(&resp, call);
	return;
fail:
	closure(NULL, call);
}
