/*
 * libvet_audit.c: the audit methods (ListAudit, VerifyAudit). Replies are
 * untrusted: every string is copied, hashes must be 32 bytes, and each
 * entry's canonical bytes are rebuilt here (the protobuf encoding with the
 * hash field empty, which is unique for AuditEntry: see server/audit.c)
 * and its chain hash (proto/audit_seal.h, which also checks the text
 * against its content digest) checked against the hash vetd sent.
 */
#include <mbedtls/sha256.h>
#include <stdlib.h>
#include <string.h>

#include "audit_seal.h"
#include "libvet_internal.h"

static void
entry_clear(vet_audit_entry *e)
{
	free(e->principal);
	free(e->method);
	free(e->request_id);
	free(e->person_id);
	free(e->subject);
	free(e->change);
	free(e->reason);
	free(e->canonical);
	memset(e, 0, sizeof(*e));
}

void
vet_audit_page_free(vet_audit_page *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n_entries; i++)
		entry_clear(&p->entries[i]);
	free(p->entries);
	free(p);
}

/* entry_from_wire: 0, -1 without memory, -2 for a faulty entry. */
static int
entry_from_wire(Vet__V1__AuditEntry *w, vet_audit_entry *e)
{
	ProtobufCBinaryData hash = w->hash;
	uint8_t digest[VET_HASH_SIZE];
	int rv;

	if (hash.len != VET_HASH_SIZE)
		return -2;
	if (w->prev_hash.len == 0 && w->method[0] == '\0') {
		/* vetd could not read it: only what it says so. */
		e->damaged = 1;
		e->seq = w->seq;
		memcpy(e->hash, hash.data, VET_HASH_SIZE);
		e->principal = str_dup("");
		e->method = str_dup("");
		e->request_id = str_dup("");
		e->person_id = str_dup("");
		e->subject = str_dup("");
		e->change = str_dup(w->change);
		e->reason = str_dup("");
		if (e->principal == NULL || e->method == NULL ||
		    e->request_id == NULL || e->person_id == NULL ||
		    e->subject == NULL || e->change == NULL ||
		    e->reason == NULL) {
			entry_clear(e);
			return -1;
		}
		return 0;
	}
	if (w->prev_hash.len != VET_HASH_SIZE)
		return -2;
	e->seq = w->seq;
	e->time = w->time;
	e->revision = w->revision;
	memcpy(e->prev_hash, w->prev_hash.data, VET_HASH_SIZE);
	memcpy(e->hash, hash.data, VET_HASH_SIZE);
	e->principal = str_dup(w->principal);
	e->method = str_dup(w->method);
	e->request_id = str_dup(w->request_id);
	e->person_id = str_dup(w->person_id);
	e->subject = str_dup(w->subject);
	e->change = str_dup(w->change);
	e->reason = str_dup(w->reason);
	if ((e->sealed = w->content_digest.len == VET_HASH_SIZE))
		memcpy(e->content_digest, w->content_digest.data,
		    VET_HASH_SIZE);
	e->redacted = w->redacted;
	e->redactions = w->redactions;
	/*
	 * The bytes the hash is the SHA-256 of (proto/audit_seal.h). For an
	 * entry whose text no longer matches its seal, vetd sends the hash
	 * of its plain encoding, so it lists, altered, and breaks the chain
	 * where the next entry's prev_hash disagrees.
	 */
	rv = audit_seal_bytes(w, &e->canonical, &e->canonical_len);
	if (rv == AUDIT_SEAL_TEXT_ALTERED) {
		e->altered = 1;
		w->hash.len = 0;
		w->hash.data = NULL;
		e->canonical_len = vet__v1__audit_entry__get_packed_size(w);
		if ((e->canonical = malloc(e->canonical_len > 0 ?
		    e->canonical_len : 1)) != NULL) {
			e->canonical_len = vet__v1__audit_entry__pack(w,
			    e->canonical);
			rv = AUDIT_SEAL_OK;
		} else
			rv = AUDIT_SEAL_NO_MEMORY;
		w->hash = hash;
	}
	if (rv == AUDIT_SEAL_NO_MEMORY || e->principal == NULL ||
	    e->method == NULL || e->request_id == NULL ||
	    e->person_id == NULL || e->subject == NULL || e->change == NULL ||
	    e->reason == NULL) {
		entry_clear(e);
		return -1;
	}
	if (rv != AUDIT_SEAL_OK) {
		entry_clear(e);
		return -2;
	}
	mbedtls_sha256_ret(e->canonical, e->canonical_len, digest, 0);
	if (memcmp(digest, e->hash, VET_HASH_SIZE) != 0) {
		entry_clear(e);
		return -2;
	}
	return 0;
}

int
vet_audit_list(vet_client *c, const vet_audit_query *q, vet_audit_page **out,
    vet_status *st)
{
	Vet__V1__ListAuditRequest req = VET__V1__LIST_AUDIT_REQUEST__INIT;
	Vet__V1__ListAuditResponse *resp;
	ProtobufCMessage *m = NULL;
	vet_audit_page *page = NULL;
	vet_status local;
	int rv;

	if (st == NULL)
		st = &local;
	if (out == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no place for the answer");
	if (q != NULL) {
		req.person_id = str_or_empty(q->person_id);
		req.since = q->since;
		req.after_seq = q->after_seq;
		req.limit = q->limit;
	}
	if (client_call(c, "ListAudit", &req.base, &m, st) != VET_OK)
		goto done;
	resp = (Vet__V1__ListAuditResponse *)m;
	if (resp->last_hash.len != VET_HASH_SIZE) {
		status_set(st, VET_INTERNAL, st->revision, "vetd sent an audit "
		    "head hash of %zu bytes", resp->last_hash.len);
		goto done;
	}
	if ((page = calloc(1, sizeof(*page))) == NULL)
		goto oom;
	page->next_after_seq = resp->next_after_seq;
	page->last_seq = resp->last_seq;
	memcpy(page->last_hash, resp->last_hash.data, VET_HASH_SIZE);
	if (resp->n_entries > 0 && (page->entries = calloc(resp->n_entries,
	    sizeof(*page->entries))) == NULL)
		goto oom;
	for (; page->n_entries < resp->n_entries; page->n_entries++) {
		rv = entry_from_wire(resp->entries[page->n_entries],
		    &page->entries[page->n_entries]);
		if (rv == -1)
			goto oom;
		if (rv == -2) {
			status_set(st, VET_INTERNAL, st->revision, "vetd sent "
			    "audit entry %llu with a hash that does not match "
			    "its contents", (unsigned long long)
			    resp->entries[page->n_entries]->seq);
			goto done;
		}
	}
	*out = page;
	page = NULL;
	goto done;
oom:
	status_oom(st);
done:
	vet_audit_page_free(page);
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}

int
vet_audit_verify(vet_client *c, vet_audit_verify_result *out, vet_status *st)
{
	Vet__V1__VerifyAuditRequest req = VET__V1__VERIFY_AUDIT_REQUEST__INIT;
	Vet__V1__VerifyAuditResponse *resp;
	ProtobufCMessage *m = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (out == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no place for the answer");
	if (client_call(c, "VerifyAudit", &req.base, &m, st) != VET_OK)
		goto done;
	resp = (Vet__V1__VerifyAuditResponse *)m;
	if (resp->last_hash.len != VET_HASH_SIZE) {
		status_set(st, VET_INTERNAL, st->revision, "vetd sent an audit "
		    "head hash of %zu bytes", resp->last_hash.len);
		goto done;
	}
	memset(out, 0, sizeof(*out));
	out->ok = resp->ok;
	out->verified = resp->verified;
	out->first_bad_seq = resp->first_bad_seq;
	str_copy(out->problem, sizeof(out->problem), resp->problem);
	out->last_seq = resp->last_seq;
	memcpy(out->last_hash, resp->last_hash.data, VET_HASH_SIZE);
done:
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}
