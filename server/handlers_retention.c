/*
 * handlers_retention.c: the records manager's methods. SubjectAccess
 * answers a Data Protection Act request for one person and is audited;
 * RetentionDue lists the records the retention schedule says to delete
 * (retention.h); RetentionPurge deletes named records that are still due,
 * erases the text of the audit entries naming them (audit_redact keeps
 * the chain), forgets stored replies that held them, and audits each
 * deletion with the id and dates only. Requests are untrusted wire data.
 */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "config.h"
#include "convert.h"
#include "handlers.h"
#include "history.h"
#include "retention.h"
#include "rpc.h"
#include "status.h"
#include "store.h"
#include "validate.h"
#include "vettime.h"

#define DUE_DEFAULT_PAGE	100
#define DUE_MAX_PAGE		1000
#define DUE_SCAN_MAX		100000	/* people looked at per call */
#define PURGE_MAX		100

static int
any_audit_entry(uint64_t seq, void *arg)
{
	*(uint64_t *)arg = seq;
	return 1;
}

/* person_with_history converts call->scratch with its whole history. */
static int
person_with_history(struct rpc_call *call, Vet__V1__Person **out)
{
	struct history h;
	int rv;

	history_init(&h);
	if ((rv = store_person_history(call->txn, call->scratch.id, &h)) !=
	    STATUS_OK)
		rpc_fail(call, rv, "cannot read the history of person %s",
		    call->scratch.id);
	else if ((*out = convert_person(call, &call->scratch)) == NULL ||
	    convert_history(call, &h, *out) != 0) {
		rv = STATUS_RESOURCE_EXHAUSTED;
		rpc_fail(call, rv, "out of memory");
	}
	history_free(&h);
	return rv;
}

HANDLER(subject_access, SubjectAccessRequest, SubjectAccessResponse)
{
	struct rpc_call *call = closure_data;
	Vet__V1__SubjectAccessResponse resp =
	    VET__V1__SUBJECT_ACCESS_RESPONSE__INIT;
	uint8_t head_hash[AUDIT_HASH_SIZE];
	uint64_t head, named = 0;
	char err[256];
	int rv;

	if (validate_id("person_id", input->person_id, err,
	    sizeof(err)) != 0) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s", err);
		goto fail;
	}
	rv = store_person_get(call->txn, input->person_id, &call->scratch);
	if (rv == STATUS_NOT_FOUND) {
		rv = store_audit_person_scan(call->txn, input->person_id, 0,
		    any_audit_entry, &named);
		if (rv != STATUS_OK && rv != 1) {
			rpc_fail(call, rv, "cannot read the audit log");
			goto fail;
		}
		if (named == 0) {
			rpc_fail(call, STATUS_NOT_FOUND, "vetd holds nothing "
			    "about person %s", input->person_id);
			goto fail;
		}
	} else if (rv != STATUS_OK) {
		rpc_fail(call, rv, "cannot read person %s from the store",
		    input->person_id);
		goto fail;
	} else if ((rv = person_with_history(call, &resp.person)) !=
	    STATUS_OK)
		goto fail;
	if ((rv = store_audit_head(call->txn, &head, head_hash)) !=
	    STATUS_OK) {
		rpc_fail(call, rv, "cannot read the audit log");
		goto fail;
	}
	/* This write's own entry comes next, in the same transaction. */
	resp.audit_seq = head + 1;
	resp.exported_at = call->now;
	snprintf(call->audit_person, sizeof(call->audit_person), "%s",
	    input->person_id);
	rpc_audit_change(call, "subject access export%s",
	    resp.person == NULL ? " (no record: audit entries only)" : "");
	closure(&resp, call);
	return;
fail:
	closure(NULL, call);
}

static Vet__V1__RetentionRecord *
retention_record(struct rpc_call *call, const struct person *p,
    const struct retention_end *end)
{
	Vet__V1__RetentionRecord *r;

	if ((r = rpc_alloc(call, sizeof(*r))) == NULL)
		return NULL;
	vet__v1__retention_record__init(r);
	if ((r->person_id = rpc_strdup(call, p->id)) == NULL)
		return NULL;
	r->status = (Vet__V1__PersonStatus)p->status;
	r->created_at = p->created_at;
	r->ended_at = end->ended_at;
	r->ended_how = (char *)end->how;
	return r;
}

struct due_state {
	struct rpc_call *call;
	Vet__V1__RetentionDueResponse *resp;
	size_t	page;
	size_t	scanned;
	vtime	cutoff;
	char	last[ID_MAX + 1];	/* the last id looked at */
	int	failed;
};

static int
due_one(const struct person *p, void *arg)
{
	struct due_state *ds = arg;
	struct retention_end end;
	Vet__V1__RetentionRecord *r;

	snprintf(ds->last, sizeof(ds->last), "%s", p->id);
	ds->scanned++;
	if (retention_due(p, ds->call->now, ds->cutoff, &end)) {
		if ((r = retention_record(ds->call, p, &end)) == NULL) {
			ds->failed = 1;
			return 1;
		}
		ds->resp->due[ds->resp->n_due++] = r;
	}
	return ds->resp->n_due == ds->page || ds->scanned >= DUE_SCAN_MAX;
}

HANDLER(retention_due, RetentionDueRequest, RetentionDueResponse)
{
	struct rpc_call *call = closure_data;
	Vet__V1__RetentionDueResponse resp =
	    VET__V1__RETENTION_DUE_RESPONSE__INIT;
	unsigned years = call->vd->config->retention_years;
	struct due_state ds = { .call = call, .resp = &resp };
	char err[256];
	int rv;

	ds.page = input->page_size ? input->page_size : DUE_DEFAULT_PAGE;
	if (ds.page > DUE_MAX_PAGE) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "page_size may be at "
		    "most %d", DUE_MAX_PAGE);
		goto fail;
	}
	if (input->page_token[0] != '\0' && validate_id("page_token",
	    input->page_token, err, sizeof(err)) != 0) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s", err);
		goto fail;
	}
	if ((resp.due = rpc_alloc(call, ds.page * sizeof(*resp.due))) ==
	    NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	ds.cutoff = retention_cutoff(call->now, years);
	rv = store_person_list(call->txn, input->page_token, 0, SIZE_MAX,
	    due_one, &ds, NULL);
	if (ds.failed) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	if (rv != STATUS_OK && rv != 1) {
		rpc_fail(call, rv, "cannot list people");
		goto fail;
	}
	/* Stopped early: the next page starts after the last one seen. */
	if (rv == 1 && (resp.next_page_token = rpc_strdup(call,
	    ds.last)) == NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	resp.cutoff = ds.cutoff;
	resp.retention_years = years;
	closure(&resp, call);
	return;
fail:
	closure(NULL, call);
}

/* Erasing the audit entries that name one person. */
struct erase_state {
	struct store_txn *txn;
	uint32_t erased;
	uint32_t legacy;
	int	rv;
};

static int
erase_one(uint64_t seq, void *arg)
{
	struct erase_state *es = arg;
	int erased, rv;

	rv = audit_redact(es->txn, seq, &erased);
	if (rv == STATUS_FAILED_PRECONDITION) {
		es->legacy++;
		return 0;
	}
	if (rv != STATUS_OK) {
		es->rv = rv;
		return 1;
	}
	es->erased += (uint32_t)erased;
	return 0;
}

/* purge_one deletes person id (already checked due) and audits it. */
static int
purge_one(struct rpc_call *call, const struct person *p,
    const struct retention_end *end, Vet__V1__RetentionPurgeResponse *resp)
{
	struct erase_state es = { .txn = call->txn };
	struct audit_entry *e;
	char created[32], ended[32];
	int rv;

	rv = store_audit_person_scan(call->txn, p->id, 0, erase_one, &es);
	if (es.rv != STATUS_OK)
		return es.rv;
	if (rv != STATUS_OK)
		return rv;
	if ((rv = store_person_delete(call->txn, p->id)) != STATUS_OK)
		return rv;
	if ((e = rpc_alloc(call, sizeof(*e))) == NULL)
		return STATUS_RESOURCE_EXHAUSTED;
	vettime_format(p->created_at, created, sizeof(created));
	vettime_format(end->ended_at, ended, sizeof(ended));
	e->time = call->now;
	e->revision = store_txn_revision(call->txn);
	e->redactions = es.erased;
	snprintf(e->principal, sizeof(e->principal), "%s", call->principal);
	snprintf(e->method, sizeof(e->method), "RetentionPurge");
	snprintf(e->request_id, sizeof(e->request_id), "%s",
	    call->request_id);
	snprintf(e->person_id, sizeof(e->person_id), "%s", p->id);
	snprintf(e->change, sizeof(e->change), "record deleted under the "
	    "retention schedule (%u years): created %s, vetting ended %s "
	    "(%s); %u audit entries erased, %u kept (written before "
	    "sealing)", call->vd->config->retention_years, created, ended,
	    end->how, es.erased, es.legacy);
	if ((rv = audit_append_entry(call->txn, e)) != STATUS_OK)
		return rv;
	resp->audit_entries_erased += es.erased;
	resp->legacy_entries_kept += es.legacy;
	return STATUS_OK;
}

HANDLER(retention_purge, RetentionPurgeRequest, RetentionPurgeResponse)
{
	struct rpc_call *call = closure_data;
	Vet__V1__RetentionPurgeResponse resp =
	    VET__V1__RETENTION_PURGE_RESPONSE__INIT;
	struct retention_end end;
	struct person *p = &call->scratch;
	size_t forgotten;
	vtime cutoff;
	char err[256];
	int rv;

	if (input->n_person_ids == 0 || input->n_person_ids > PURGE_MAX) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "person_ids must name "
		    "1 to %d people", PURGE_MAX);
		goto fail;
	}
	for (size_t i = 0; i < input->n_person_ids; i++) {
		if (validate_id("person_ids", input->person_ids[i], err,
		    sizeof(err)) != 0) {
			rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s", err);
			goto fail;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(input->person_ids[i],
			    input->person_ids[j]) == 0) {
				rpc_fail(call, STATUS_INVALID_ARGUMENT,
				    "person %s is named twice",
				    input->person_ids[i]);
				goto fail;
			}
	}
	if ((resp.purged = rpc_alloc(call, input->n_person_ids *
	    sizeof(*resp.purged))) == NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	cutoff = retention_cutoff(call->now, call->vd->config->retention_years);
	for (size_t i = 0; i < input->n_person_ids; i++) {
		const char *id = input->person_ids[i];

		rv = store_person_get(call->txn, id, p);
		if (rv == STATUS_NOT_FOUND) {
			rpc_fail(call, rv, "no person with id %s", id);
			goto fail;
		}
		if (rv != STATUS_OK) {
			rpc_fail(call, rv, "cannot read person %s", id);
			goto fail;
		}
		if (!retention_due(p, call->now, cutoff, &end)) {
			rpc_fail(call, STATUS_FAILED_PRECONDITION, "person %s "
			    "is not due for deletion: %s", id, end.ended_at ==
			    0 ? "their vetting has not ended" : "their "
			    "vetting ended within the retention period");
			goto fail;
		}
		if ((resp.purged[resp.n_purged] = retention_record(call, p,
		    &end)) == NULL) {
			rpc_fail(call, STATUS_RESOURCE_EXHAUSTED,
			    "out of memory");
			goto fail;
		}
		resp.n_purged++;
		if ((rv = purge_one(call, p, &end, &resp)) != STATUS_OK) {
			rpc_fail(call, rv, "cannot delete person %s", id);
			goto fail;
		}
	}
	rv = store_reply_forget_people(call->txn,
	    (const char *const *)input->person_ids, input->n_person_ids,
	    &forgotten);
	if (rv != STATUS_OK) {
		rpc_fail(call, rv, "cannot forget stored replies");
		goto fail;
	}
	resp.replies_forgotten = (uint32_t)forgotten;
	rpc_audit_change(call, "retention purge: %zu records deleted, %u "
	    "audit entries erased", resp.n_purged, resp.audit_entries_erased);
	closure(&resp, call);
	return;
fail:
	closure(NULL, call);
}
