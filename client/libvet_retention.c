/*
 * libvet_retention.c: subject access and retention (see <vet/vet.h>).
 * vetd decides what is due and what a person's record holds; this file
 * converts the answers, trusting nothing in them beyond their types.
 */
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "libvet_internal.h"

int
vet_subject_access(vet_client *c, const char *person_id,
    vet_sar *out, vet_status *st)
{
	Vet__V1__SubjectAccessRequest req =
	    VET__V1__SUBJECT_ACCESS_REQUEST__INIT;
	Vet__V1__SubjectAccessResponse *resp;
	ProtobufCMessage *m = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (person_id == NULL || out == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "vet_subject_access needs a person id and a place for "
		    "the answer");
	memset(out, 0, sizeof(*out));
	req.person_id = (char *)person_id;
	if (client_call(c, "SubjectAccess", &req.base, &m, st) == VET_OK) {
		resp = (Vet__V1__SubjectAccessResponse *)m;
		out->audit_seq = resp->audit_seq;
		out->exported_at = resp->exported_at;
		if (resp->person != NULL) {
			if ((out->person = calloc(1, sizeof(*out->person))) ==
			    NULL || person_from_wire(resp->person,
			    out->person) != 0) {
				free(out->person);
				out->person = NULL;
				status_oom(st);
			}
		}
	}
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}

void
vet_sar_clear(vet_sar *s)
{
	if (s == NULL)
		return;
	vet_person_free(s->person);
	memset(s, 0, sizeof(*s));
}

void
vet_retention_page_free(vet_retention_page *p)
{
	if (p == NULL)
		return;
	free(p->records);
	free(p);
}

/* page_from_wire converts n records; NULL without memory. */
static vet_retention_page *
page_from_wire(Vet__V1__RetentionRecord *const *w, size_t n)
{
	vet_retention_page *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if (n > 0 && (p->records = calloc(n, sizeof(*p->records))) == NULL) {
		free(p);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		vet_retention_record *r = &p->records[i];

		str_copy(r->person_id, sizeof(r->person_id), w[i]->person_id);
		r->status = (vet_person_status)w[i]->status;
		r->created_at = w[i]->created_at;
		r->ended_at = w[i]->ended_at;
		str_copy(r->ended_how, sizeof(r->ended_how), w[i]->ended_how);
	}
	p->n = n;
	return p;
}

int
vet_retention_due(vet_client *c, const char *page_token, unsigned page_size,
    vet_retention_page **out, vet_status *st)
{
	Vet__V1__RetentionDueRequest req = VET__V1__RETENTION_DUE_REQUEST__INIT;
	Vet__V1__RetentionDueResponse *resp;
	ProtobufCMessage *m = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (out == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "vet_retention_due needs a place for the answer");
	*out = NULL;
	req.page_token = (char *)(page_token != NULL ? page_token : "");
	req.page_size = page_size;
	if (client_call(c, "RetentionDue", &req.base, &m, st) == VET_OK) {
		resp = (Vet__V1__RetentionDueResponse *)m;
		if ((*out = page_from_wire(resp->due, resp->n_due)) == NULL)
			status_oom(st);
		else {
			str_copy((*out)->next_page_token,
			    sizeof((*out)->next_page_token),
			    resp->next_page_token);
			(*out)->cutoff = resp->cutoff;
			(*out)->retention_years = resp->retention_years;
		}
	}
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}

int
vet_retention_purge(vet_client *c, const char *const *ids, size_t n,
    vet_retention_page **out, vet_status *st)
{
	Vet__V1__RetentionPurgeRequest req =
	    VET__V1__RETENTION_PURGE_REQUEST__INIT;
	Vet__V1__RetentionPurgeResponse *resp;
	ProtobufCMessage *m = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (out == NULL || (ids == NULL && n > 0))
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "vet_retention_purge needs ids and a place for the "
		    "answer");
	*out = NULL;
	req.person_ids = (char **)ids;
	req.n_person_ids = n;
	if (client_call(c, "RetentionPurge", &req.base, &m, st) == VET_OK) {
		resp = (Vet__V1__RetentionPurgeResponse *)m;
		if ((*out = page_from_wire(resp->purged,
		    resp->n_purged)) == NULL)
			status_oom(st);
		else {
			(*out)->audit_entries_erased =
			    resp->audit_entries_erased;
			(*out)->legacy_entries_kept = resp->legacy_entries_kept;
			(*out)->replies_forgotten = resp->replies_forgotten;
		}
	}
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}
