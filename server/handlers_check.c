/*
 * handlers_check.c: Check and BatchCheck, the applications' hot path.
 * Each check reads one person record and any defined caveats it names
 * from one read snapshot, then applies the pure rule in policy.c; a check
 * with a time (at) reads the person's history instead and applies the rule
 * at that time (docs/HISTORY.md). Anything
 * unknown or failed is DENY; an unknown marking or caveat is also an
 * INVALID_ARGUMENT status on a single Check.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "convert.h"
#include "decision_encode.h"
#include "handlers.h"
#include "metrics.h"
#include "policy.h"
#include "rpc.h"
#include "status.h"
#include "store.h"

/*
 * A BatchCheck names the same few caveats again and again: each distinct
 * name is read from the store (and decoded) once per request, and found
 * or not found is remembered for the rest of it. One snapshot serves the
 * whole request, so the answer cannot change in between.
 */
#define CAVEAT_CACHE	8
#define REASON_COUNT	(REASON_INVALID_REQUEST + 1)

struct caveat_cache {
	size_t	n;
	struct {
		char	upper[CAVEAT_MAX + 1];
		int	found;
		struct caveat def;
	} e[CAVEAT_CACHE];
};

/* resolve_caveat finds a defined caveat by its upper-case name: 0 with
 * *out (NULL when not defined), or a store failure. */
static int
resolve_caveat(struct rpc_call *call, struct caveat_cache *cache,
    const char *upper, struct caveat *scratch, const struct caveat **out)
{
	size_t k;
	int rv;

	for (k = 0; k < cache->n; k++) {
		if (strcmp(cache->e[k].upper, upper) == 0) {
			*out = cache->e[k].found ? &cache->e[k].def : NULL;
			return STATUS_OK;
		}
	}
	if (cache->n < CAVEAT_CACHE) {
		k = cache->n;
		scratch = &cache->e[k].def;
	}
	rv = store_caveat_get(call->txn, upper, scratch);
	if (rv != STATUS_OK && rv != STATUS_NOT_FOUND)
		return rv;
	*out = rv == STATUS_OK ? scratch : NULL;
	if (cache->n < CAVEAT_CACHE) {
		copy_string(cache->e[k].upper, sizeof(cache->e[k].upper), upper);
		cache->e[k].found = rv == STATUS_OK;
		cache->n++;
	}
	return STATUS_OK;
}

/*
 * decide resolves the request's caveats and person in call->txn and runs
 * the rule. Returns STATUS_OK with *d filled, or a store failure.
 */
static int
decide(struct rpc_call *call, struct caveat_cache *cache,
    const struct check_request *req, struct decision *d)
{
	const struct policy *pol = call->vd->policy;
	const struct caveat *resolved[CHECK_MAX_CAVEATS];
	struct caveat defined[CHECK_MAX_CAVEATS];
	const struct person *person = &call->scratch;
	vtime at, next = 0;
	int rv;

	for (size_t i = 0; i < req->n_caveats; i++) {
		char upper[CAVEAT_MAX + 1];
		size_t k;

		if ((resolved[i] = policy_builtin_caveat(pol,
		    req->caveats[i])) != NULL)
			continue;
		for (k = 0; req->caveats[i][k] != '\0'; k++)
			upper[k] = (char)toupper((unsigned char)
			    req->caveats[i][k]);
		upper[k] = '\0';
		if ((rv = resolve_caveat(call, cache, upper, &defined[i],
		    &resolved[i])) != STATUS_OK)
			return rv;
	}
	/* At now: the stored record, plus any scheduled event come due. At
	 * a given time: the person's history folded at that time. */
	rv = store_person_at(call->txn, req->person_id, req->at,
	    &call->scratch, &next);
	if (rv == STATUS_NOT_FOUND)
		person = NULL;
	else if (rv != STATUS_OK)
		return rv;
	at = req->at != 0 ? req->at : call->now;
	policy_decide(pol, person, req, resolved, at, d);
	/* The next event may change the answer by the clock alone too. */
	if (person != NULL && next > at &&
	    d->reason != REASON_UNKNOWN_MARKING &&
	    d->reason != REASON_UNKNOWN_CAVEAT &&
	    (d->valid_until == 0 || next < d->valid_until))
		d->valid_until = next;
	return STATUS_OK;
}

static void
deny_invalid(struct decision *d, const char *why)
{
	d->effect = DECISION_DENY;
	d->reason = REASON_INVALID_REQUEST;
	d->valid_until = 0;
	copy_string(d->explanation, sizeof(d->explanation), why);
}

HANDLER(check, CheckRequest, Decision)
{
	struct rpc_call *call = closure_data;
	struct caveat_cache cache;
	struct check_request req;
	struct decision d;
	Vet__V1__Decision *w;
	char err[256];
	int rv;

	cache.n = 0;
	if (convert_check(input, &req, err, sizeof(err)) != 0) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s", err);
		deny_invalid(&d, err);
	} else if (input->min_revision > call->revision) {
		rpc_fail(call, STATUS_FAILED_PRECONDITION, "revision %llu is "
		    "not reached yet (vetd is at %llu)",
		    (unsigned long long)input->min_revision,
		    (unsigned long long)call->revision);
		deny_invalid(&d, call->message);
	} else if ((rv = decide(call, &cache, &req, &d)) != STATUS_OK) {
		rpc_fail(call, rv, "cannot read the store to decide");
		closure(NULL, call);
		return;
	} else if (d.reason == REASON_UNKNOWN_MARKING ||
	    d.reason == REASON_UNKNOWN_CAVEAT) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s", d.explanation);
	}
	audit_decision_note(call, d.reason == REASON_INVALID_REQUEST ? NULL :
	    &req, &d);
	metrics_decision(d.reason);
	/* Echo the id only when it was valid: never reflect junk. */
	if ((w = convert_decision(call, &d, d.reason == REASON_INVALID_REQUEST ?
	    "" : input->person_id, call->revision)) == NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		closure(NULL, call);
		return;
	}
	if (d.reason != REASON_INVALID_REQUEST && req.at != 0)
		w->at = req.at;
	closure(w, call);
}

/*
 * The most bytes one BatchCheck entry takes: key and length, two enums
 * (ten bytes each if negative), four times and the revision, the
 * explanation, the policy digest and a person id.
 */
#define ENTRY_MAX	(1 + 3 + 2 * 11 + 5 * 11 + \
	    (1 + 2 + sizeof(((struct decision *)0)->explanation)) + \
	    (1 + 2 + POLICY_DIGEST_HEX) + (1 + 2 + ID_MAX))

/*
 * BatchCheck writes its reply itself (decision_encode.c): each decision
 * goes straight into the payload, the fields convert_decision would set
 * pointing at the request's and the decision's own strings, with no
 * message or string copy per decision. The payload is handed to rpc.c as
 * rpc_closure would hand it (call->out, in the call's arena).
 */
HANDLER(batch_check, BatchCheckRequest, BatchCheckResponse)
{
	struct rpc_call *call = closure_data;
	struct caveat_cache cache;
	uint32_t reasons[REASON_COUNT] = { 0 };
	ProtobufCAllocator *alloc = rpc_allocator(call);
	struct check_request req;
	struct decision d;
	uint8_t *out;
	size_t len = 0, body;
	char err[256];
	int rv;

	cache.n = 0;
	if (input->n_checks == 0 || input->n_checks > BATCH_CHECK_MAX) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "a batch holds 1 to %d "
		    "checks, not %zu", BATCH_CHECK_MAX, input->n_checks);
		goto fail;
	}
	if ((out = alloc->alloc(alloc->allocator_data,
	    input->n_checks * ENTRY_MAX)) == NULL)
		goto oom;
	for (size_t i = 0; i < input->n_checks; i++) {
		const Vet__V1__CheckRequest *in = input->checks[i];
		Vet__V1__Decision w = VET__V1__DECISION__INIT;

		if (convert_check(in, &req, err, sizeof(err)) != 0) {
			deny_invalid(&d, err);
		} else if (in->min_revision > call->revision) {
			deny_invalid(&d, "the requested revision is not "
			    "reached yet");
		} else if ((rv = decide(call, &cache, &req, &d)) !=
		    STATUS_OK) {
			rpc_fail(call, rv, "cannot read the store to decide");
			goto fail;
		}
		audit_decision_note(call, d.reason == REASON_INVALID_REQUEST ?
		    NULL : &req, &d);
		if (d.reason > 0 && d.reason < REASON_COUNT)
			reasons[d.reason]++;
		/* As convert_decision. Echo the id only when it was valid. */
		w.effect = (Vet__V1__Effect)d.effect;
		w.reason = (Vet__V1__Reason)d.reason;
		w.explanation = d.explanation;
		w.valid_until = d.valid_until;
		w.revision = call->revision;
		w.policy_digest = (char *)call->vd->policy->digest;
		w.decided_at = call->now;
		w.at = d.reason != REASON_INVALID_REQUEST && req.at != 0 ?
		    req.at : call->now;
		w.person_id = d.reason == REASON_INVALID_REQUEST ? "" :
		    in->person_id;
		if ((body = decision_body_size(&w)) >
		    ENTRY_MAX - DECISION_ENTRY_HEAD) {
			rpc_fail(call, STATUS_INTERNAL, "decision %zu does not "
			    "fit its reply", i);
			goto fail;
		}
		len += decision_entry_encode_sized(&w, body, out + len);
	}
	for (size_t r = 1; r < REASON_COUNT; r++)
		if (reasons[r] > 0)
			metrics_decisions((enum reason)r, reasons[r]);
	call->out = out;
	call->out_len = len;
	call->out_set = 1;
	return;
oom:
	rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
fail:
	closure(NULL, call);
}
