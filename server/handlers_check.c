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
#include "batch_request.h"
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
 * rpc_closure would hand it (call->out, in the call's arena). The entries
 * come from protobuf-c's unpack (the handler) or straight from the wire
 * (batch_check_wire, batch_request.c); either way each goes through
 * batch_one, so both answer alike.
 */
struct batch {
	struct caveat_cache cache;
	uint32_t reasons[REASON_COUNT];
	uint8_t	*out;
	size_t	len;
	size_t	i;
};

/* batch_begin: the reply's room for n (1..BATCH_CHECK_MAX) entries. */
static int
batch_begin(struct rpc_call *call, struct batch *b, size_t n)
{
	ProtobufCAllocator *alloc = rpc_allocator(call);

	memset(b->reasons, 0, sizeof(b->reasons));
	b->cache.n = 0;
	b->len = 0;
	b->i = 0;
	if ((b->out = alloc->alloc(alloc->allocator_data, n * ENTRY_MAX)) ==
	    NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * batch_one decides one entry and appends its decision; -1 with the call
 * failed (rpc_fail) when the store cannot be read. valid: NULL, or what
 * convert_check is known to make of in (batch_request_next's valid).
 */
static int
batch_one(struct rpc_call *call, struct batch *b,
    const Vet__V1__CheckRequest *in, const struct check_request *valid)
{
	Vet__V1__Decision w = VET__V1__DECISION__INIT;
	const struct check_request *req = valid;
	struct check_request own;
	struct decision d;
	size_t body;
	char err[256];
	int rv;

	if (req == NULL && convert_check(in, &own, err, sizeof(err)) == 0)
		req = &own;
	if (req == NULL) {
		deny_invalid(&d, err);
	} else if (in->min_revision > call->revision) {
		deny_invalid(&d, "the requested revision is not reached yet");
	} else if ((rv = decide(call, &b->cache, req, &d)) != STATUS_OK) {
		rpc_fail(call, rv, "cannot read the store to decide");
		return -1;
	}
	audit_decision_note(call, d.reason == REASON_INVALID_REQUEST ?
	    NULL : req, &d);
	if (d.reason > 0 && d.reason < REASON_COUNT)
		b->reasons[d.reason]++;
	/* As convert_decision. Echo the id only when it was valid. */
	w.effect = (Vet__V1__Effect)d.effect;
	w.reason = (Vet__V1__Reason)d.reason;
	w.explanation = d.explanation;
	w.valid_until = d.valid_until;
	w.revision = call->revision;
	w.policy_digest = (char *)call->vd->policy->digest;
	w.decided_at = call->now;
	w.at = d.reason != REASON_INVALID_REQUEST && req->at != 0 ?
	    req->at : call->now;
	w.person_id = d.reason == REASON_INVALID_REQUEST ? "" :
	    in->person_id;
	if ((body = decision_body_size(&w)) > ENTRY_MAX - DECISION_ENTRY_HEAD) {
		rpc_fail(call, STATUS_INTERNAL, "decision %zu does not fit "
		    "its reply", b->i);
		return -1;
	}
	b->len += decision_entry_encode_sized(&w, body, b->out + b->len);
	b->i++;
	return 0;
}

/* batch_end counts the decisions and hands the reply to rpc.c. */
static void
batch_end(struct rpc_call *call, struct batch *b)
{
	for (size_t r = 1; r < REASON_COUNT; r++)
		if (b->reasons[r] > 0)
			metrics_decisions((enum reason)r, b->reasons[r]);
	call->out = b->out;
	call->out_len = b->len;
	call->out_set = 1;
}

HANDLER(batch_check, BatchCheckRequest, BatchCheckResponse)
{
	struct rpc_call *call = closure_data;
	struct batch b;

	if (input->n_checks == 0 || input->n_checks > BATCH_CHECK_MAX) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "a batch holds 1 to %d "
		    "checks, not %zu", BATCH_CHECK_MAX, input->n_checks);
		goto fail;
	}
	if (batch_begin(call, &b, input->n_checks) != 0)
		goto fail;
	for (size_t i = 0; i < input->n_checks; i++)
		if (batch_one(call, &b, input->checks[i], NULL) != 0)
			goto fail;
	batch_end(call, &b);
	return;
fail:
	closure(NULL, call);
}

/* A failure needs no closure(NULL) here: rpc_closure ignores NULL. */
void
batch_check_wire(struct rpc_call *call, struct batch_request *br)
{
	struct batch_entry e;
	struct batch b;

	if (batch_begin(call, &b, br->n) != 0)
		return;
	while (batch_request_next(br, &e))
		if (batch_one(call, &b, &e.msg, e.valid ? &e.req : NULL) != 0)
			return;
	batch_end(call, &b);
}
