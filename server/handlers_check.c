/*
 * handlers_check.c: Check and BatchCheck, the applications' hot path.
 * Each check reads one person record and any defined caveats it names
 * from one read snapshot, then applies the pure rule in policy.c. Anything
 * unknown or failed is DENY; an unknown marking or caveat is also an
 * INVALID_ARGUMENT status on a single Check.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "convert.h"
#include "handlers.h"
#include "policy.h"
#include "rpc.h"
#include "status.h"
#include "store.h"

/*
 * decide resolves the request's caveats and person in call->txn and runs
 * the rule. Returns STATUS_OK with *d filled, or a store failure.
 */
static int
decide(struct rpc_call *call, const struct check_request *req,
    struct decision *d)
{
	const struct policy *pol = call->vd->policy;
	const struct caveat *resolved[CHECK_MAX_CAVEATS];
	struct caveat defined[CHECK_MAX_CAVEATS];
	const struct person *person = &call->scratch;
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
		rv = store_caveat_get(call->txn, upper, &defined[i]);
		if (rv == STATUS_OK)
			resolved[i] = &defined[i];
		else if (rv != STATUS_NOT_FOUND)
			return rv;
	}
	rv = store_person_get(call->txn, req->person_id, &call->scratch);
	if (rv == STATUS_NOT_FOUND)
		person = NULL;
	else if (rv != STATUS_OK)
		return rv;
	policy_decide(pol, person, req, resolved, call->now, d);
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
	struct check_request req;
	struct decision d;
	Vet__V1__Decision *w;
	char err[256];
	int rv;

	if (convert_check(input, &req, err, sizeof(err)) != 0) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s", err);
		deny_invalid(&d, err);
	} else if (input->min_revision > call->revision) {
		rpc_fail(call, STATUS_FAILED_PRECONDITION, "revision %llu is "
		    "not reached yet (vetd is at %llu)",
		    (unsigned long long)input->min_revision,
		    (unsigned long long)call->revision);
		deny_invalid(&d, call->message);
	} else if ((rv = decide(call, &req, &d)) != STATUS_OK) {
		rpc_fail(call, rv, "cannot read the store to decide");
		closure(NULL, call);
		return;
	} else if (d.reason == REASON_UNKNOWN_MARKING ||
	    d.reason == REASON_UNKNOWN_CAVEAT) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s", d.explanation);
	}
	/* Echo the id only when it was valid: never reflect junk. */
	if ((w = convert_decision(call, &d, d.reason == REASON_INVALID_REQUEST ?
	    "" : input->person_id, call->revision)) == NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		closure(NULL, call);
		return;
	}
	closure(w, call);
}

HANDLER(batch_check, BatchCheckRequest, BatchCheckResponse)
{
	struct rpc_call *call = closure_data;
	Vet__V1__BatchCheckResponse resp = VET__V1__BATCH_CHECK_RESPONSE__INIT;
	struct check_request req;
	struct decision d;
	char err[256];
	int rv;

	if (input->n_checks == 0 || input->n_checks > BATCH_CHECK_MAX) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "a batch holds 1 to %d "
		    "checks, not %zu", BATCH_CHECK_MAX, input->n_checks);
		goto fail;
	}
	if ((resp.decisions = rpc_alloc(call,
	    input->n_checks * sizeof(*resp.decisions))) == NULL)
		goto oom;
	for (size_t i = 0; i < input->n_checks; i++) {
		const Vet__V1__CheckRequest *in = input->checks[i];

		if (convert_check(in, &req, err, sizeof(err)) != 0) {
			deny_invalid(&d, err);
		} else if (in->min_revision > call->revision) {
			deny_invalid(&d, "the requested revision is not "
			    "reached yet");
		} else if ((rv = decide(call, &req, &d)) != STATUS_OK) {
			rpc_fail(call, rv, "cannot read the store to decide");
			goto fail;
		}
		resp.decisions[i] = convert_decision(call, &d,
		    d.reason == REASON_INVALID_REQUEST ? "" : in->person_id,
		    call->revision);
		if (resp.decisions[i] == NULL)
			goto oom;
		resp.n_decisions++;
	}
	closure(&resp, call);
	return;
oom:
	rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
fail:
	closure(NULL, call);
}
