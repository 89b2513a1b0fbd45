/*
 * handlers_history.c: what the person's history adds to the methods:
 * RenewClearance, the future-dated (scheduled) forms of SetPersonStatus
 * and RecordLeaver, and the history in GetPerson's answer. Input is
 * untrusted wire data, validated here; the events themselves are derived
 * or scheduled by the store (store_people.c), never built from the wire.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "convert.h"
#include "handlers.h"
#include "history.h"
#include "policy.h"
#include "rpc.h"
#include "status.h"
#include "store.h"
#include "validate.h"
#include "vettime.h"

int
handler_effective(struct rpc_call *call, int64_t effective_at, vtime *out)
{
	char err[256];

	*out = 0;
	if (effective_at == 0)
		return 0;
	if (validate_time("effective_at", effective_at, 1, err,
	    sizeof(err)) != 0) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s", err);
		return -1;
	}
	if (effective_at < call->now) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "effective_at is in "
		    "the past: a change takes effect now (give 0) or at a "
		    "later time, never earlier");
		return -1;
	}
	if (effective_at > call->now)
		*out = effective_at;
	return 0;
}

/*
 * projected reads the person's state as it will be at `at` from what is
 * recorded now: call->scratch (the state now) with the scheduled events
 * up to `at` applied. 0, or -1 with the call's status set.
 */
static int
projected(struct rpc_call *call, vtime at, struct person **out)
{
	struct person *p;
	struct history h;
	int rv;

	if ((p = rpc_alloc(call, sizeof(*p))) == NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return -1;
	}
	*p = call->scratch;
	history_init(&h);
	if ((rv = store_person_history(call->txn, p->id, &h)) != STATUS_OK) {
		rpc_fail(call, rv, "cannot read the history of person %s",
		    p->id);
		return -1;
	}
	history_apply_scheduled(p, &h, call->now, at);
	history_free(&h);
	*out = p;
	return 0;
}

/* when_text: "2026-01-01T00:00:00Z" for an audit entry or message. */
static const char *
when_text(vtime t, char *buf, size_t size)
{
	vettime_format(t, buf, size);
	return buf;
}

int
handler_schedule(struct rpc_call *call, enum event_kind kind, vtime at,
    const char *reason)
{
	const char *verb = kind == EVENT_LEAVER ? "leave" :
	    kind == EVENT_PERSON_SUSPENDED ? "be suspended" :
	    "be reinstated";
	struct person *then;
	struct event e;
	char when[32], thenwhen[32];
	int rv;

	if (projected(call, at, &then) != 0)
		return -1;
	vettime_format(at, when, sizeof(when));
	if (then->status == PERSON_LEAVER) {
		rpc_fail(call, STATUS_FAILED_PRECONDITION, "person %s is "
		    "already due to leave on %s; they cannot %s on %s",
		    then->id, when_text(then->status_changed_at, thenwhen,
		    sizeof(thenwhen)), verb, when);
		return -1;
	}
	if ((kind == EVENT_PERSON_SUSPENDED &&
	    then->status == PERSON_SUSPENDED) ||
	    (kind == EVENT_PERSON_REINSTATED &&
	    then->status != PERSON_SUSPENDED)) {
		rpc_fail(call, STATUS_FAILED_PRECONDITION, "person %s will %s "
		    "on %s", then->id, then->status == PERSON_SUSPENDED ?
		    "already be suspended" : "not be suspended", when);
		return -1;
	}
	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.at = at;
	copy_string(e.reason, sizeof(e.reason), reason);
	copy_string(call->audit_reason, sizeof(call->audit_reason), reason);
	call->scratch.updated_at = call->now;
	if ((rv = store_person_put_scheduled(call->txn, &call->scratch,
	    &e)) != STATUS_OK) {
		rpc_fail(call, rv, "cannot write person %s to the store",
		    call->scratch.id);
		return -1;
	}
	call->saved_person = 1;		/* audit_append diffs it */
	rpc_audit_change(call, "scheduled: %s effective %s",
	    event_kind_name(kind), when);
	return 0;
}

void
handler_reply_person_history(struct rpc_call *call,
    Vet__V1__PersonResponse_Closure closure)
{
	Vet__V1__PersonResponse resp = VET__V1__PERSON_RESPONSE__INIT;
	struct history h;
	int rv;

	history_init(&h);
	if ((rv = store_person_history(call->txn, call->scratch.id, &h)) !=
	    STATUS_OK) {
		rpc_fail(call, rv, "cannot read the history of person %s",
		    call->scratch.id);
		goto fail;
	}
	if ((resp.person = convert_person(call, &call->scratch)) == NULL ||
	    convert_history(call, &h, resp.person) != 0) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	history_free(&h);
	closure(&resp, call);
	return;
fail:
	history_free(&h);
	closure(NULL, call);
}

HANDLER(renew_clearance, RenewClearanceRequest, PersonResponse)
{
	struct rpc_call *call = closure_data;
	struct person *p = &call->scratch;
	const struct policy *pol = call->vd->policy;
	struct clearance *c = NULL;
	char err[256];
	int scheme;

	if (handler_load_active_person(call, "person_id", input->person_id))
		goto fail;
	if ((scheme = policy_scheme_index(pol, input->scheme)) < 0) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "unknown scheme "
		    "\"%.*s\"", SCHEME_MAX, input->scheme);
		goto fail;
	}
	if (validate_time("review_due", input->review_due, 1, err,
	    sizeof(err)) ||
	    validate_text("reference", input->reference, REFERENCE_MAX, 0, err,
	    sizeof(err))) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s", err);
		goto fail;
	}
	if (input->review_due <= call->now) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "the new review date "
		    "must be after now");
		goto fail;
	}
	for (size_t i = 0; i < p->n_clearances && c == NULL; i++)
		if (strcasecmp(p->clearances[i].scheme,
		    pol->schemes[scheme].name) == 0)
			c = &p->clearances[i];
	if (c == NULL) {
		rpc_fail(call, STATUS_NOT_FOUND, "person %s holds no %s "
		    "clearance", p->id, pol->schemes[scheme].name);
		goto fail;
	}
	if (c->status == CLEARANCE_WITHDRAWN || c->status == CLEARANCE_LAPSED) {
		rpc_fail(call, STATUS_FAILED_PRECONDITION, "the %s clearance "
		    "of person %s is %s; it cannot be renewed (grant a new "
		    "one)", c->scheme, p->id, c->status == CLEARANCE_WITHDRAWN ?
		    "withdrawn" : "lapsed");
		goto fail;
	}
	c->review_due = input->review_due;
	if (input->reference[0] != '\0')
		copy_string(c->reference, sizeof(c->reference),
		    input->reference);
	if (handler_save_person(call) != 0)
		goto fail;
	handler_reply_person(call, closure);
	return;
fail:
	closure(NULL, call);
}
