/*
 * handlers_clearance.c: the vetting unit's methods: clearances
 * (GrantClearance, SetClearanceStatus), caveats (DefineCaveat,
 * ListCaveats) and briefings (Brief, Debrief). Names of schemes, levels
 * and caveats are checked against the policy and stored in their
 * canonical spelling.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "convert.h"
#include "handlers.h"
#include "policy.h"
#include "rpc.h"
#include "status.h"
#include "store.h"
#include "validate.h"

/* find_clearance returns the person's clearance in scheme, or NULL. */
static struct clearance *
find_clearance(struct person *p, const char *scheme)
{
	for (size_t i = 0; i < p->n_clearances; i++)
		if (strcasecmp(p->clearances[i].scheme, scheme) == 0)
			return &p->clearances[i];
	return NULL;
}

static struct briefing *
find_briefing(struct person *p, const char *compartment)
{
	for (size_t i = 0; i < p->n_briefings; i++)
		if (strcasecmp(p->briefings[i].compartment, compartment) == 0)
			return &p->briefings[i];
	return NULL;
}

/* scheme_level resolves scheme and level names against the policy. */
static int
scheme_level(struct rpc_call *call, const char *scheme, const char *level,
    int *scheme_index, int *rank)
{
	const struct policy *pol = call->vd->policy;

	if ((*scheme_index = policy_scheme_index(pol, scheme)) < 0) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "unknown scheme \"%.*s\"",
		    SCHEME_MAX, scheme);
		return -1;
	}
	if ((*rank = policy_level_rank(pol, *scheme_index, level)) < 0) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "unknown level \"%.*s\" "
		    "in scheme %s", LEVEL_MAX, level,
		    pol->schemes[*scheme_index].name);
		return -1;
	}
	return 0;
}

/* lookup_caveat finds a built-in or defined caveat; 0, or -1 with status. */
static int
lookup_caveat(struct rpc_call *call, const char *name, struct caveat *out)
{
	const struct caveat *builtin;
	char err[256];
	int rv;

	if (validate_name("caveat", name, CAVEAT_MAX, err, sizeof(err)) != 0) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s", err);
		return -1;
	}
	if ((builtin = policy_builtin_caveat(call->vd->policy, name)) != NULL) {
		*out = *builtin;
		return 0;
	}
	char upper[CAVEAT_MAX + 1];
	size_t i;
	for (i = 0; name[i] != '\0'; i++)
		upper[i] = (char)toupper((unsigned char)name[i]);
	upper[i] = '\0';
	rv = store_caveat_get(call->txn, upper, out);
	if (rv == STATUS_NOT_FOUND) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "unknown caveat \"%s\"",
		    name);
		return -1;
	}
	if (rv != STATUS_OK) {
		rpc_fail(call, rv, "cannot read caveat %s", name);
		return -1;
	}
	return 0;
}

HANDLER(grant_clearance, GrantClearanceRequest, PersonResponse)
{
	struct rpc_call *call = closure_data;
	struct person *p = &call->scratch;
	const struct policy *pol = call->vd->policy;
	struct clearance *c;
	vtime granted = input->granted_at ? input->granted_at : call->now;
	char err[256];
	int scheme, rank;

	if (handler_load_active_person(call, "person_id", input->person_id) ||
	    scheme_level(call, input->scheme, input->level, &scheme, &rank))
		goto fail;
	if (validate_time("granted_at", granted, 1, err, sizeof(err)) ||
	    validate_time("review_due", input->review_due, 1, err,
	    sizeof(err)) ||
	    validate_text("authority", input->authority, AUTHORITY_MAX, 0, err,
	    sizeof(err)) ||
	    validate_text("reference", input->reference, REFERENCE_MAX, 0, err,
	    sizeof(err))) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s", err);
		goto fail;
	}
	if (input->review_due <= granted) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "the review date must "
		    "be after the grant date");
		goto fail;
	}
	if ((c = find_clearance(p, pol->schemes[scheme].name)) == NULL) {
		if (p->n_clearances >= PERSON_MAX_CLEARANCES) {
			rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "person %s "
			    "already holds %d clearances", p->id,
			    PERSON_MAX_CLEARANCES);
			goto fail;
		}
		c = &p->clearances[p->n_clearances++];
	}
	memset(c, 0, sizeof(*c));
	copy_string(c->scheme, sizeof(c->scheme), pol->schemes[scheme].name);
	copy_string(c->level, sizeof(c->level),
	    pol->schemes[scheme].levels[rank]);
	c->granted_at = granted;
	c->review_due = input->review_due;
	copy_string(c->authority, sizeof(c->authority), input->authority);
	copy_string(c->reference, sizeof(c->reference), input->reference);
	c->status = CLEARANCE_GRANTED;
	c->status_changed_at = call->now;
	if (handler_save_person(call) != 0)
		goto fail;
	handler_reply_person(call, closure);
	return;
fail:
	closure(NULL, call);
}

HANDLER(set_clearance_status, SetClearanceStatusRequest, PersonResponse)
{
	struct rpc_call *call = closure_data;
	struct person *p = &call->scratch;
	const struct policy *pol = call->vd->policy;
	struct clearance *c;
	int scheme;

	if (handler_load_active_person(call, "person_id", input->person_id) ||
	    handler_reason(call, input->reason))
		goto fail;
	if ((scheme = policy_scheme_index(pol, input->scheme)) < 0) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "unknown scheme \"%.*s\"",
		    SCHEME_MAX, input->scheme);
		goto fail;
	}
	if ((c = find_clearance(p, pol->schemes[scheme].name)) == NULL) {
		rpc_fail(call, STATUS_NOT_FOUND, "person %s holds no %s "
		    "clearance", p->id, pol->schemes[scheme].name);
		goto fail;
	}
	switch (input->action) {
	case VET__V1__STATUS_ACTION__ACTION_SUSPEND:
		if (c->status != CLEARANCE_GRANTED)
			goto wrong_state;
		c->status = CLEARANCE_SUSPENDED;
		break;
	case VET__V1__STATUS_ACTION__ACTION_REINSTATE:
		if (c->status != CLEARANCE_SUSPENDED)
			goto wrong_state;
		c->status = CLEARANCE_GRANTED;
		break;
	case VET__V1__STATUS_ACTION__ACTION_WITHDRAW:
		if (c->status != CLEARANCE_GRANTED &&
		    c->status != CLEARANCE_SUSPENDED)
			goto wrong_state;
		c->status = CLEARANCE_WITHDRAWN;
		break;
	default:
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "action must be "
		    "SUSPEND, REINSTATE or WITHDRAW");
		goto fail;
	}
	copy_string(c->status_reason, sizeof(c->status_reason), input->reason);
	copy_string(call->audit_reason, sizeof(call->audit_reason),
	    input->reason);
	c->status_changed_at = call->now;
	if (handler_save_person(call) != 0)
		goto fail;
	handler_reply_person(call, closure);
	return;
wrong_state:
	rpc_fail(call, STATUS_FAILED_PRECONDITION, "the %s clearance of person "
	    "%s is %s; cannot %s it", c->scheme, p->id,
	    c->status == CLEARANCE_GRANTED ? "granted" :
	    c->status == CLEARANCE_SUSPENDED ? "suspended" :
	    c->status == CLEARANCE_WITHDRAWN ? "withdrawn" : "lapsed",
	    input->action == VET__V1__STATUS_ACTION__ACTION_SUSPEND ? "suspend" :
	    input->action == VET__V1__STATUS_ACTION__ACTION_REINSTATE ?
	    "reinstate" : "withdraw");
fail:
	closure(NULL, call);
}

/* caveat_from_wire validates a caveat definition into *c. */
static int
caveat_from_wire(struct rpc_call *call, const Vet__V1__Caveat *in,
    struct caveat *c)
{
	const struct policy *pol = call->vd->policy;
	char err[256];
	size_t i;

	memset(c, 0, sizeof(*c));
	if (validate_name("caveat name", in->name, CAVEAT_MAX, err,
	    sizeof(err)) != 0) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s", err);
		return -1;
	}
	for (i = 0; in->name[i] != '\0'; i++)
		c->name[i] = (char)toupper((unsigned char)in->name[i]);
	c->name[i] = '\0';
	if (policy_marking_index(pol, c->name) >= 0) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s is a marking, not a "
		    "caveat", c->name);
		return -1;
	}
	switch (in->kind) {
	case VET__V1__CAVEAT_KIND__CAVEAT_COMPARTMENT:
		c->kind = CAVEAT_COMPARTMENT;
		if (in->n_nationalities > 0) {
			rpc_fail(call, STATUS_INVALID_ARGUMENT, "a compartment "
			    "has no nationalities");
			return -1;
		}
		if ((in->min_scheme[0] != '\0') != (in->min_level[0] != '\0')) {
			rpc_fail(call, STATUS_INVALID_ARGUMENT, "a minimum "
			    "level needs both scheme and level");
			return -1;
		}
		if (in->min_scheme[0] != '\0') {
			int scheme, rank;
			if (scheme_level(call, in->min_scheme, in->min_level,
			    &scheme, &rank) != 0)
				return -1;
			copy_string(c->min_scheme, sizeof(c->min_scheme),
			    pol->schemes[scheme].name);
			copy_string(c->min_level, sizeof(c->min_level),
			    pol->schemes[scheme].levels[rank]);
		}
		break;
	case VET__V1__CAVEAT_KIND__CAVEAT_NATIONAL:
		c->kind = CAVEAT_NATIONAL;
		if (in->min_scheme[0] != '\0' || in->min_level[0] != '\0') {
			rpc_fail(call, STATUS_INVALID_ARGUMENT, "a national "
			    "caveat has no minimum level");
			return -1;
		}
		if (in->n_nationalities == 0 ||
		    in->n_nationalities > CAVEAT_MAX_NATIONALITIES) {
			rpc_fail(call, STATUS_INVALID_ARGUMENT, "a national "
			    "caveat needs 1 to %d nationalities",
			    CAVEAT_MAX_NATIONALITIES);
			return -1;
		}
		for (i = 0; i < in->n_nationalities; i++) {
			if (validate_nationality(in->nationalities[i],
			    c->nationalities[i], err, sizeof(err)) != 0 ||
			    c->nationalities[i][0] == '\0') {
				rpc_fail(call, STATUS_INVALID_ARGUMENT,
				    "nationality %zu must be an ISO 3166 "
				    "alpha-2 code such as GB", i + 1);
				return -1;
			}
		}
		c->n_nationalities = in->n_nationalities;
		break;
	default:
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "kind must be "
		    "COMPARTMENT or NATIONAL");
		return -1;
	}
	return 0;
}

static int
caveat_equal(const struct caveat *a, const struct caveat *b)
{
	if (strcmp(a->name, b->name) != 0 || a->kind != b->kind ||
	    strcmp(a->min_scheme, b->min_scheme) != 0 ||
	    strcmp(a->min_level, b->min_level) != 0 ||
	    a->n_nationalities != b->n_nationalities)
		return 0;
	for (size_t i = 0; i < a->n_nationalities; i++)
		if (strcmp(a->nationalities[i], b->nationalities[i]) != 0)
			return 0;
	return 1;
}

/* caveat_audit says in the audit entry what a new caveat is. */
static void
caveat_audit(struct rpc_call *call, const struct caveat *c)
{
	char to[CAVEAT_MAX_NATIONALITIES * 3 + 1];
	size_t n = 0;

	if (c->kind == CAVEAT_COMPARTMENT) {
		if (c->min_scheme[0] != '\0')
			rpc_audit_change(call, "defined: compartment, minimum "
			    "%s %s", c->min_scheme, c->min_level);
		else
			rpc_audit_change(call, "defined: compartment");
		return;
	}
	to[0] = '\0';
	for (size_t i = 0; i < c->n_nationalities; i++)
		n += (size_t)snprintf(to + n, sizeof(to) - n, "%s%s",
		    i == 0 ? "" : ",", c->nationalities[i]);
	rpc_audit_change(call, "defined: national, releasable to %s", to);
}

HANDLER(define_caveat, DefineCaveatRequest, CaveatResponse)
{
	struct rpc_call *call = closure_data;
	Vet__V1__CaveatResponse resp = VET__V1__CAVEAT_RESPONSE__INIT;
	struct caveat c, existing;
	int rv;

	if (input->caveat == NULL) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "caveat is required");
		goto fail;
	}
	if (caveat_from_wire(call, input->caveat, &c) != 0)
		goto fail;
	if (policy_builtin_caveat(call->vd->policy, c.name) != NULL) {
		rpc_fail(call, STATUS_ALREADY_EXISTS, "%s is built in and "
		    "cannot be redefined", c.name);
		goto fail;
	}
	rv = store_caveat_get(call->txn, c.name, &existing);
	if (rv == STATUS_OK && !caveat_equal(&c, &existing)) {
		rpc_fail(call, STATUS_ALREADY_EXISTS, "caveat %s is already "
		    "defined differently", c.name);
		goto fail;
	}
	if (rv != STATUS_OK && rv != STATUS_NOT_FOUND) {
		rpc_fail(call, rv, "cannot read caveat %s", c.name);
		goto fail;
	}
	copy_string(call->audit_subject, sizeof(call->audit_subject), c.name);
	if (rv == STATUS_NOT_FOUND) {
		if ((rv = store_caveat_put(call->txn, &c)) != STATUS_OK) {
			rpc_fail(call, rv, "cannot write caveat %s", c.name);
			goto fail;
		}
		caveat_audit(call, &c);
	} else
		rpc_audit_change(call, "already defined the same way; no "
		    "change");
	if ((resp.caveat = convert_caveat(call, &c)) == NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	closure(&resp, call);
	return;
fail:
	closure(NULL, call);
}

struct caveat_list_state {
	struct rpc_call *call;
	Vet__V1__ListCaveatsResponse *resp;
	size_t	cap;
	int	failed;
};

static int
list_caveat_one(const struct caveat *c, void *arg)
{
	struct caveat_list_state *ls = arg;
	Vet__V1__Caveat **grown;

	if (ls->resp->n_caveats == ls->cap) {
		size_t cap = ls->cap * 2;
		if ((grown = rpc_alloc(ls->call, cap * sizeof(*grown))) == NULL)
			goto fail;
		memcpy(grown, ls->resp->caveats,
		    ls->resp->n_caveats * sizeof(*grown));
		ls->resp->caveats = grown;
		ls->cap = cap;
	}
	if ((ls->resp->caveats[ls->resp->n_caveats] = convert_caveat(ls->call,
	    c)) == NULL)
		goto fail;
	ls->resp->n_caveats++;
	return 0;
fail:
	ls->failed = 1;
	return 1;
}

HANDLER(list_caveats, ListCaveatsRequest, ListCaveatsResponse)
{
	struct rpc_call *call = closure_data;
	const struct policy *pol = call->vd->policy;
	Vet__V1__ListCaveatsResponse resp = VET__V1__LIST_CAVEATS_RESPONSE__INIT;
	struct caveat_list_state ls = { .call = call, .resp = &resp,
	    .cap = 16 };
	int rv;

	if ((resp.caveats = rpc_alloc(call, ls.cap * sizeof(*resp.caveats))) ==
	    NULL)
		goto oom;
	for (size_t i = 0; i < pol->n_builtin_caveats; i++)
		if (list_caveat_one(&pol->builtin_caveats[i], &ls) != 0)
			goto oom;
	rv = store_caveat_list(call->txn, list_caveat_one, &ls);
	if (ls.failed)
		goto oom;
	if (rv != STATUS_OK) {
		rpc_fail(call, rv, "cannot list caveats");
		closure(NULL, call);
		return;
	}
	closure(&resp, call);
	return;
oom:
	rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
	closure(NULL, call);
}

HANDLER(brief, BriefRequest, PersonResponse)
{
	struct rpc_call *call = closure_data;
	struct person *p = &call->scratch;
	struct caveat c;
	struct briefing *b;
	char err[256];

	if (handler_load_active_person(call, "person_id", input->person_id) ||
	    lookup_caveat(call, input->caveat, &c))
		goto fail;
	if (c.kind != CAVEAT_COMPARTMENT) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s is a national "
		    "caveat; only compartments are briefed", c.name);
		goto fail;
	}
	if (validate_time("expires_at", input->expires_at, 0, err,
	    sizeof(err)) != 0) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s", err);
		goto fail;
	}
	if (input->expires_at != 0 && input->expires_at <= call->now) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "the briefing would "
		    "expire in the past");
		goto fail;
	}
	if ((b = find_briefing(p, c.name)) == NULL) {
		if (p->n_briefings >= PERSON_MAX_BRIEFINGS) {
			rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "person %s is "
			    "already briefed into %d compartments", p->id,
			    PERSON_MAX_BRIEFINGS);
			goto fail;
		}
		b = &p->briefings[p->n_briefings++];
	}
	memset(b, 0, sizeof(*b));
	copy_string(b->compartment, sizeof(b->compartment), c.name);
	b->briefed_at = call->now;
	b->expires_at = input->expires_at;
	if (handler_save_person(call) != 0)
		goto fail;
	handler_reply_person(call, closure);
	return;
fail:
	closure(NULL, call);
}

HANDLER(debrief, DebriefRequest, PersonResponse)
{
	struct rpc_call *call = closure_data;
	struct person *p = &call->scratch;
	struct caveat c;
	struct briefing *b;

	if (handler_load_active_person(call, "person_id", input->person_id) ||
	    handler_reason(call, input->reason) ||
	    lookup_caveat(call, input->caveat, &c))
		goto fail;
	if ((b = find_briefing(p, c.name)) == NULL) {
		rpc_fail(call, STATUS_NOT_FOUND, "person %s is not briefed "
		    "into %s", p->id, c.name);
		goto fail;
	}
	if (b->debriefed_at != 0) {
		rpc_fail(call, STATUS_FAILED_PRECONDITION, "person %s was "
		    "already debriefed from %s", p->id, c.name);
		goto fail;
	}
	b->debriefed_at = call->now;
	copy_string(b->debrief_reason, sizeof(b->debrief_reason),
	    input->reason);
	copy_string(call->audit_reason, sizeof(call->audit_reason),
	    input->reason);
	if (handler_save_person(call) != 0)
		goto fail;
	handler_reply_person(call, closure);
	return;
fail:
	closure(NULL, call);
}
