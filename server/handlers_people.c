/*
 * handlers_people.c: HR's methods (PutPerson, GetPerson, ListPeople,
 * SetPersonStatus, RecordLeaver), Health, and the helpers every handler
 * file shares. Input is untrusted wire data: validated here, then copied
 * into struct person.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "auth.h"
#include "convert.h"
#include "handlers.h"
#include "policy.h"
#include "rpc.h"
#include "status.h"
#include "store.h"
#include "validate.h"
#include "vet_config.h"

#define LIST_DEFAULT_PAGE	100
#define LIST_MAX_PAGE		1000
#define LIST_MAX_BYTES		(512 * 1024)

int
handler_load_person(struct rpc_call *call, const char *field, const char *id)
{
	char err[256];
	int rv;

	if (validate_id(field, id, err, sizeof(err)) != 0) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s", err);
		return -1;
	}
	rv = store_person_get(call->txn, id, &call->scratch);
	if (rv == STATUS_NOT_FOUND) {
		rpc_fail(call, STATUS_NOT_FOUND, "no person with id %s", id);
		return -1;
	}
	if (rv != STATUS_OK) {
		rpc_fail(call, rv, "cannot read person %s from the store", id);
		return -1;
	}
	audit_note_before(call);
	return 0;
}

int
handler_load_active_person(struct rpc_call *call, const char *field,
    const char *id)
{
	if (handler_load_person(call, field, id) != 0)
		return -1;
	if (call->scratch.status == PERSON_LEAVER) {
		rpc_fail(call, STATUS_FAILED_PRECONDITION, "person %s is a "
		    "leaver; their record can no longer change", id);
		return -1;
	}
	return 0;
}

int
handler_save_person(struct rpc_call *call)
{
	int rv;

	call->scratch.updated_at = call->now;
	if ((rv = store_person_put(call->txn, &call->scratch)) != STATUS_OK) {
		rpc_fail(call, rv, "cannot write person %s to the store",
		    call->scratch.id);
		return -1;
	}
	call->saved_person = 1;		/* audit_append diffs it */
	return 0;
}

void
handler_reply_person(struct rpc_call *call,
    Vet__V1__PersonResponse_Closure closure)
{
	Vet__V1__PersonResponse resp = VET__V1__PERSON_RESPONSE__INIT;

	if ((resp.person = convert_person(call, &call->scratch)) == NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		closure(NULL, call);
		return;
	}
	closure(&resp, call);
}

int
handler_reason(struct rpc_call *call, const char *reason)
{
	char err[256];

	if (validate_text("reason", reason, REASON_MAX, 1, err,
	    sizeof(err)) != 0) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s", err);
		return -1;
	}
	return 0;
}

HANDLER(health, HealthRequest, HealthResponse)
{
	struct rpc_call *call = closure_data;
	Vet__V1__HealthResponse resp = VET__V1__HEALTH_RESPONSE__INIT;

	resp.status = atomic_load(&call->vd->draining) ? "DRAINING" : "SERVING";
	resp.version = VET_VERSION;
	resp.revision = call->revision;
	resp.policy_digest = (char *)call->vd->policy->digest;
	closure(&resp, call);
}

int
handler_put_check(const struct rpc_call *call,
    const Vet__V1__PutPersonRequest *in, char nationality[3], char *err,
    size_t errsz)
{
	if (validate_id("id", in->id, err, errsz) ||
	    validate_text("display_name", in->display_name, NAME_MAX_BYTES, 1,
	    err, errsz) ||
	    validate_text("email", in->email, NAME_MAX_BYTES, 0, err, errsz) ||
	    validate_text("org_unit", in->org_unit, ORG_UNIT_MAX, 0, err,
	    errsz) ||
	    validate_nationality(in->nationality, nationality, err, errsz))
		return STATUS_INVALID_ARGUMENT;
	if (in->source != VET__V1__PERSON_SOURCE__SOURCE_UNSPECIFIED &&
	    in->source != VET__V1__PERSON_SOURCE__SOURCE_MANUAL &&
	    in->source != VET__V1__PERSON_SOURCE__SOURCE_DIRECTORY) {
		snprintf(err, errsz, "source %d is not MANUAL or DIRECTORY",
		    (int)in->source);
		return STATUS_INVALID_ARGUMENT;
	}
	if (auth_only_via(call, ROLE_SYNC) &&
	    in->source != VET__V1__PERSON_SOURCE__SOURCE_DIRECTORY) {
		snprintf(err, errsz, "principal %s holds %s through the sync "
		    "role alone: it may put only people with source DIRECTORY",
		    call->principal, call->md->name);
		return STATUS_PERMISSION_DENIED;
	}
	return STATUS_OK;
}

int
handler_put_apply(struct rpc_call *call, const Vet__V1__PutPersonRequest *in,
    const char nationality[3], int *created, char *err, size_t errsz)
{
	struct person *p = &call->scratch;
	int rv;

	rv = store_person_get(call->txn, in->id, p);
	if (rv == STATUS_NOT_FOUND) {
		memset(p, 0, offsetof(struct person, clearances));
		p->n_briefings = 0;
		copy_string(p->id, sizeof(p->id), in->id);
		p->status = PERSON_ACTIVE;
		p->created_at = call->now;
		p->status_changed_at = call->now;
	} else if (rv != STATUS_OK) {
		snprintf(err, errsz, "cannot read person %s from the store",
		    in->id);
		return rv;
	} else
		audit_note_before(call);
	*created = rv == STATUS_NOT_FOUND;
	if (!*created && auth_only_via(call, ROLE_SYNC) &&
	    p->source != SOURCE_DIRECTORY) {
		snprintf(err, errsz, "principal %s holds %s through the sync "
		    "role alone: person %s was entered by hand, and only hr or "
		    "admin may change them", call->principal, call->md->name,
		    p->id);
		return STATUS_PERMISSION_DENIED;
	}
	copy_string(p->display_name, sizeof(p->display_name),
	    in->display_name);
	copy_string(p->email, sizeof(p->email), in->email);
	copy_string(p->org_unit, sizeof(p->org_unit), in->org_unit);
	memcpy(p->nationality, nationality, 3);
	p->source = in->source == VET__V1__PERSON_SOURCE__SOURCE_DIRECTORY ?
	    SOURCE_DIRECTORY : SOURCE_MANUAL;
	return STATUS_OK;
}

HANDLER(put_person, PutPersonRequest, PersonResponse)
{
	struct rpc_call *call = closure_data;
	char err[512], nationality[3];
	int created, rv;

	if ((rv = handler_put_check(call, input, nationality, err,
	    sizeof(err))) != STATUS_OK ||
	    (rv = handler_put_apply(call, input, nationality, &created, err,
	    sizeof(err))) != STATUS_OK) {
		rpc_fail(call, rv, "%s", err);
		goto fail;
	}
	if (handler_save_person(call) != 0)
		goto fail;
	handler_reply_person(call, closure);
	return;
fail:
	closure(NULL, call);
}

HANDLER(get_person, GetPersonRequest, PersonResponse)
{
	struct rpc_call *call = closure_data;

	if (handler_load_person(call, "id", input->id) != 0) {
		closure(NULL, call);
		return;
	}
	handler_reply_person_history(call, closure);
}

struct list_state {
	struct rpc_call *call;
	Vet__V1__ListPeopleResponse *resp;
	size_t	bytes;
	int	failed;
};

static int
list_one(const struct person *p, void *arg)
{
	struct list_state *ls = arg;
	Vet__V1__Person *w = convert_person(ls->call, p);

	if (w == NULL) {
		ls->failed = 1;
		return 1;
	}
	ls->resp->people[ls->resp->n_people++] = w;
	ls->bytes += protobuf_c_message_get_packed_size(&w->base) + 8;
	return ls->bytes >= LIST_MAX_BYTES;	/* stop: the page is full */
}

HANDLER(list_people, ListPeopleRequest, ListPeopleResponse)
{
	struct rpc_call *call = closure_data;
	Vet__V1__ListPeopleResponse resp = VET__V1__LIST_PEOPLE_RESPONSE__INIT;
	struct list_state ls = { .call = call, .resp = &resp };
	size_t page = input->page_size ? input->page_size : LIST_DEFAULT_PAGE;
	char err[256];
	int more = 0, rv;

	if (input->status > VET__V1__PERSON_STATUS__PERSON_LEAVER) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "status %d is not a "
		    "person status", (int)input->status);
		goto fail;
	}
	if (page > LIST_MAX_PAGE) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "page_size may be at "
		    "most %d", LIST_MAX_PAGE);
		goto fail;
	}
	if (input->page_token[0] != '\0' && validate_id("page_token",
	    input->page_token, err, sizeof(err)) != 0) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s", err);
		goto fail;
	}
	if ((resp.people = rpc_alloc(call, page * sizeof(*resp.people))) ==
	    NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	rv = store_person_list(call->txn, input->page_token,
	    (enum person_status)input->status, page, list_one, &ls, &more);
	if (ls.failed) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	if (rv != STATUS_OK) {
		rpc_fail(call, rv, "cannot list people");
		goto fail;
	}
	if ((more || ls.bytes >= LIST_MAX_BYTES) && resp.n_people > 0)
		resp.next_page_token = resp.people[resp.n_people - 1]->id;
	closure(&resp, call);
	return;
fail:
	closure(NULL, call);
}

HANDLER(set_person_status, SetPersonStatusRequest, PersonResponse)
{
	struct rpc_call *call = closure_data;
	struct person *p = &call->scratch;
	vtime effective;

	if (handler_load_active_person(call, "person_id", input->person_id) ||
	    handler_reason(call, input->reason) ||
	    handler_effective(call, input->effective_at, &effective))
		goto fail;
	if (effective != 0 && (input->action ==
	    VET__V1__STATUS_ACTION__ACTION_SUSPEND ||
	    input->action == VET__V1__STATUS_ACTION__ACTION_REINSTATE)) {
		/* Later: scheduled, checked against the state then. */
		if (handler_schedule(call, input->action ==
		    VET__V1__STATUS_ACTION__ACTION_SUSPEND ?
		    EVENT_PERSON_SUSPENDED : EVENT_PERSON_REINSTATED,
		    effective, input->reason) != 0)
			goto fail;
		handler_reply_person(call, closure);
		return;
	}
	switch (input->action) {
	case VET__V1__STATUS_ACTION__ACTION_SUSPEND:
		if (p->status != PERSON_ACTIVE) {
			rpc_fail(call, STATUS_FAILED_PRECONDITION, "person %s "
			    "is already suspended", p->id);
			goto fail;
		}
		p->status = PERSON_SUSPENDED;
		break;
	case VET__V1__STATUS_ACTION__ACTION_REINSTATE:
		if (p->status != PERSON_SUSPENDED) {
			rpc_fail(call, STATUS_FAILED_PRECONDITION, "person %s "
			    "is not suspended", p->id);
			goto fail;
		}
		p->status = PERSON_ACTIVE;
		break;
	default:
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "action must be "
		    "SUSPEND or REINSTATE for a person");
		goto fail;
	}
	copy_string(p->status_reason, sizeof(p->status_reason), input->reason);
	copy_string(call->audit_reason, sizeof(call->audit_reason),
	    input->reason);
	p->status_changed_at = call->now;
	if (handler_save_person(call) != 0)
		goto fail;
	handler_reply_person(call, closure);
	return;
fail:
	closure(NULL, call);
}

HANDLER(record_leaver, RecordLeaverRequest, PersonResponse)
{
	struct rpc_call *call = closure_data;
	struct person *p = &call->scratch;
	char why[REASON_MAX + 1];
	vtime effective;

	if (handler_load_person(call, "person_id", input->person_id) ||
	    handler_reason(call, input->reason) ||
	    handler_effective(call, input->effective_at, &effective))
		goto fail;
	if (auth_only_via(call, ROLE_SYNC) && p->source != SOURCE_DIRECTORY) {
		rpc_fail(call, STATUS_PERMISSION_DENIED, "principal %s holds "
		    "RecordLeaver through the sync role alone: person %s was "
		    "entered by hand, and only hr or admin may record them as "
		    "a leaver", call->principal, p->id);
		goto fail;
	}
	if (p->status == PERSON_LEAVER) {
		rpc_fail(call, STATUS_FAILED_PRECONDITION, "person %s is "
		    "already recorded as a leaver", p->id);
		goto fail;
	}
	if (effective != 0) {
		/* Later: scheduled; the state changes when the time comes. */
		if (handler_schedule(call, EVENT_LEAVER, effective,
		    input->reason) != 0)
			goto fail;
		handler_reply_person(call, closure);
		return;
	}
	snprintf(why, sizeof(why), "leaver: %s", input->reason);
	copy_string(call->audit_reason, sizeof(call->audit_reason),
	    input->reason);
	p->status = PERSON_LEAVER;
	copy_string(p->status_reason, sizeof(p->status_reason), input->reason);
	p->status_changed_at = call->now;
	for (size_t i = 0; i < p->n_clearances; i++) {
		struct clearance *c = &p->clearances[i];
		if (c->status == CLEARANCE_GRANTED ||
		    c->status == CLEARANCE_SUSPENDED) {
			c->status = CLEARANCE_LAPSED;
			copy_string(c->status_reason, sizeof(c->status_reason),
			    why);
			c->status_changed_at = call->now;
		}
	}
	for (size_t i = 0; i < p->n_briefings; i++) {
		struct briefing *b = &p->briefings[i];
		if (b->debriefed_at == 0) {
			b->debriefed_at = call->now;
			copy_string(b->debrief_reason,
			    sizeof(b->debrief_reason), why);
		}
	}
	if (handler_save_person(call) != 0)
		goto fail;
	handler_reply_person(call, closure);
	return;
fail:
	closure(NULL, call);
}
