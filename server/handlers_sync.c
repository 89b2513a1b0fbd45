/*
 * handlers_sync.c: SyncPeople, PutPerson for many people in one call
 * (vetsync's refreshes: a first sync of a large directory would otherwise
 * pay one round trip per person). Input is untrusted wire data.
 *
 * Each item means exactly what PutPerson means for it, through the same
 * code (handler_put_check, handler_put_apply in handlers_people.c): the
 * directory fields and the source are upserted, clearances, briefings and
 * status are never touched, and a principal holding the method through
 * the sync role alone may put only DIRECTORY people and may not change a
 * person entered by hand. Every item is validated first, without reading
 * or writing the store, and duplicate ids are refused (INVALID_ARGUMENT
 * naming the index and id); then the items are applied in the call's one
 * write transaction, so a failure on any of them (a hand-entered person:
 * PERMISSION_DENIED) leaves nothing written. An item that changes nothing
 * is counted unchanged and not written; every other gets the audit entry
 * PutPerson would write (the person's diff), and the call ends with one
 * entry of counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "convert.h"
#include "handlers.h"
#include "rpc.h"
#include "status.h"
#include "validate.h"

#define SYNC_PEOPLE_MAX	1000	/* items per call, as in vetting.proto */

/* sync_fail records code for item i, naming its id once it is valid. */
static void
sync_fail(struct rpc_call *call, int code, size_t i, const char *id,
    const char *what)
{
	char err[256];

	if (id != NULL && validate_id("id", id, err, sizeof(err)) == 0)
		rpc_fail(call, code, "people[%zu] (id %s): %s", i, id, what);
	else
		rpc_fail(call, code, "people[%zu]: %s", i, what);
}

static int
id_order(const void *a, const void *b)
{
	const Vet__V1__PutPersonRequest *const *x = a, *const *y = b;

	return strcmp((*x)->id, (*y)->id);
}

/* sync_duplicates refuses one id twice in a call (all ids are valid). */
static int
sync_duplicates(struct rpc_call *call, const Vet__V1__SyncPeopleRequest *in)
{
	const Vet__V1__PutPersonRequest **sorted;

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
		/* Name the later of the two, as the caller numbered them. */
		for (size_t k = in->n_people; k-- > 0;)
			if (in->people[k] == sorted[i] ||
			    in->people[k] == sorted[i - 1]) {
				sync_fail(call, STATUS_INVALID_ARGUMENT, k,
				    sorted[i]->id, "the same id appears twice "
				    "in this call");
				return -1;
			}
	}
	return 0;
}

/* same_fields: a put leaves the person as it was. */
static int
same_fields(const struct person *a, const struct person *b)
{
	return strcmp(a->display_name, b->display_name) == 0 &&
	    strcmp(a->email, b->email) == 0 &&
	    strcmp(a->org_unit, b->org_unit) == 0 &&
	    strcmp(a->nationality, b->nationality) == 0 &&
	    a->source == b->source;
}

HANDLER(sync_people, SyncPeopleRequest, SyncPeopleResponse)
{
	struct rpc_call *call = closure_data;
	Vet__V1__SyncPeopleResponse resp = VET__V1__SYNC_PEOPLE_RESPONSE__INIT;
	char (*nat)[3], err[512];
	size_t i;
	int created, rv;

	if (input->n_people == 0 || input->n_people > SYNC_PEOPLE_MAX) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "SyncPeople takes 1 to "
		    "%d people, not %zu", SYNC_PEOPLE_MAX, input->n_people);
		goto fail;
	}
	if ((nat = rpc_alloc(call, input->n_people * sizeof(*nat))) == NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	/* First every item, without reading or writing the store. */
	for (i = 0; i < input->n_people; i++) {
		const Vet__V1__PutPersonRequest *in = input->people[i];
		if ((rv = handler_put_check(call, in, nat[i], err,
		    sizeof(err))) != STATUS_OK) {
			sync_fail(call, rv, i, in->id, err);
			goto fail;
		}
	}
	if (sync_duplicates(call, input) != 0)
		goto fail;
	/* Then all of them, in this one transaction. */
	for (i = 0; i < input->n_people; i++) {
		const Vet__V1__PutPersonRequest *in = input->people[i];

		call->have_before = 0;
		call->saved_person = 0;
		if ((rv = handler_put_apply(call, in, nat[i], &created, err,
		    sizeof(err))) != STATUS_OK) {
			sync_fail(call, rv, i, in->id, err);
			goto fail;
		}
		if (!created && same_fields(&call->before, &call->scratch)) {
			resp.unchanged++;
			continue;
		}
		/* PutPerson's write and its audit entry, for this person. */
		if (handler_save_person(call) != 0)
			goto fail;
		if ((rv = audit_append(call)) != STATUS_OK) {
			rpc_fail(call, rv, "cannot append to the audit log");
			goto fail;
		}
		if (created)
			resp.created++;
		else
			resp.updated++;
	}
	/* The call's own entry (rpc.c) holds the counts, no person. */
	call->have_before = 0;
	call->saved_person = 0;
	rpc_audit_change(call, "sync: %u created, %u updated, %u unchanged",
	    resp.created, resp.updated, resp.unchanged);
	closure(&resp, call);
	return;
fail:
	call->have_before = 0;
	call->saved_person = 0;
	closure(NULL, call);
}
