/*
 * audit.c: audit entries (see audit.h): their canonical bytes, hashing,
 * appending in a write transaction, and the walk that verifies the chain.
 *
 * Canonical bytes: protobuf-c packs the fields of a message in the order
 * of its descriptor, which protoc-c sorts by field number, and leaves out
 * proto3 fields holding their default (0, "", empty bytes). AuditEntry has
 * no maps, no repeated fields and no oneofs, and an entry built here has
 * no unknown fields, so one entry has exactly one encoding. audit_decode
 * enforces it (it re-encodes and compares), and test_audit_log.c holds a
 * golden encoding. The hash field is always empty in the stored bytes.
 *
 * Trusts its callers for the entry's text (validated requests); trusts
 * stored bytes not at all.
 */
#include <mbedtls/sha256.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "audit_seal.h"
#include "methods.h"
#include "rpc.h"
#include "status.h"
#include "store.h"
#include "vetting.pb-c.h"

static void
to_wire(const struct audit_entry *e, Vet__V1__AuditEntry *w)
{
	vet__v1__audit_entry__init(w);
	w->seq = e->seq;
	w->time = e->time;
	w->principal = (char *)e->principal;
	w->method = (char *)e->method;
	w->request_id = (char *)e->request_id;
	w->person_id = (char *)e->person_id;
	w->change = (char *)e->change;
	w->reason = (char *)e->reason;
	w->prev_hash.data = (uint8_t *)e->prev_hash;
	w->prev_hash.len = AUDIT_HASH_SIZE;
	w->subject = (char *)e->subject;
	w->revision = e->revision;
	if (e->sealed) {
		w->content_digest.data = (uint8_t *)e->content_digest;
		w->content_digest.len = AUDIT_HASH_SIZE;
	}
	w->redacted = e->redacted != 0;
	w->redactions = e->redactions;
}

int
audit_encode(const struct audit_entry *e, uint8_t **buf, size_t *len)
{
	Vet__V1__AuditEntry w;
	uint8_t *b;
	size_t n;

	to_wire(e, &w);
	n = vet__v1__audit_entry__get_packed_size(&w);
	if ((b = malloc(n > 0 ? n : 1)) == NULL)
		return STATUS_RESOURCE_EXHAUSTED;
	*len = vet__v1__audit_entry__pack(&w, b);
	*buf = b;
	return STATUS_OK;
}

/* fit copies a decoded string (NULL is "") that must fit size bytes. */
static int
fit(char *dst, size_t size, const char *src)
{
	size_t n;

	if (src == NULL)
		src = "";
	if ((n = strlen(src)) >= size)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

int
audit_decode(const uint8_t *buf, size_t len, struct audit_entry *out)
{
	Vet__V1__AuditEntry *w;
	struct audit_entry *e = NULL;
	uint8_t *again = NULL;
	size_t again_len;
	int rv = STATUS_DATA_LOSS;

	if (len > AUDIT_ENTRY_MAX)
		return STATUS_DATA_LOSS;
	if ((w = vet__v1__audit_entry__unpack(NULL, len, buf)) == NULL)
		return STATUS_DATA_LOSS;
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		rv = STATUS_RESOURCE_EXHAUSTED;
		goto done;
	}
	if (w->prev_hash.len != AUDIT_HASH_SIZE || w->hash.len != 0 ||
	    (w->content_digest.len != 0 &&
	    w->content_digest.len != AUDIT_HASH_SIZE) ||
	    fit(e->principal, sizeof(e->principal), w->principal) ||
	    fit(e->method, sizeof(e->method), w->method) ||
	    fit(e->request_id, sizeof(e->request_id), w->request_id) ||
	    fit(e->person_id, sizeof(e->person_id), w->person_id) ||
	    fit(e->subject, sizeof(e->subject), w->subject) ||
	    fit(e->change, sizeof(e->change), w->change) ||
	    fit(e->reason, sizeof(e->reason), w->reason))
		goto done;
	e->seq = w->seq;
	e->time = w->time;
	e->revision = w->revision;
	memcpy(e->prev_hash, w->prev_hash.data, AUDIT_HASH_SIZE);
	if ((e->sealed = w->content_digest.len == AUDIT_HASH_SIZE))
		memcpy(e->content_digest, w->content_digest.data,
		    AUDIT_HASH_SIZE);
	e->redacted = w->redacted;
	e->redactions = w->redactions;
	/* One entry, one encoding: anything else was not written by vetd. */
	if ((rv = audit_encode(e, &again, &again_len)) != STATUS_OK)
		goto done;
	if (again_len != len || memcmp(again, buf, len) != 0) {
		rv = STATUS_DATA_LOSS;
		goto done;
	}
	*out = *e;
	rv = STATUS_OK;
done:
	free(again);
	free(e);
	vet__v1__audit_entry__free_unpacked(w, NULL);
	return rv;
}

void
audit_hash(const uint8_t *buf, size_t len, uint8_t out[AUDIT_HASH_SIZE])
{
	mbedtls_sha256_ret(buf, len, out, 0);
}

int
audit_entry_hash(const struct audit_entry *e, uint8_t out[AUDIT_HASH_SIZE])
{
	Vet__V1__AuditEntry w;

	to_wire(e, &w);
	switch (audit_seal_hash(&w, out)) {
	case AUDIT_SEAL_OK:
		return STATUS_OK;
	case AUDIT_SEAL_NO_MEMORY:
		return STATUS_RESOURCE_EXHAUSTED;
	default:
		return STATUS_DATA_LOSS;
	}
}

int
audit_append_entry(struct store_txn *t, struct audit_entry *e)
{
	uint8_t hash[AUDIT_HASH_SIZE], *buf = NULL;
	uint64_t head;
	size_t len;
	int rv;

	if ((rv = store_audit_head(t, &head, e->prev_hash)) != STATUS_OK)
		return rv;
	e->seq = head + 1;
	e->sealed = 1;
	e->redacted = 0;
	audit_content_digest(e->change, e->reason, e->content_digest);
	if ((rv = audit_entry_hash(e, hash)) != STATUS_OK)
		return rv;
	if ((rv = audit_encode(e, &buf, &len)) != STATUS_OK)
		return rv;
	rv = store_audit_put(t, e->seq, e->person_id, buf, len, hash);
	free(buf);
	return rv;
}

int
audit_redact(struct store_txn *t, uint64_t seq, int *erased)
{
	struct audit_entry *e;
	const uint8_t *stored;
	uint8_t *buf = NULL;
	size_t len;
	int rv;

	*erased = 0;
	if ((rv = store_audit_get(t, seq, &stored, &len)) != STATUS_OK)
		return rv;
	if ((e = malloc(sizeof(*e))) == NULL)
		return STATUS_RESOURCE_EXHAUSTED;
	if ((rv = audit_decode(stored, len, e)) != STATUS_OK)
		goto done;
	if (!e->sealed) {
		rv = STATUS_FAILED_PRECONDITION;
		goto done;
	}
	if (e->redacted)
		goto done;
	e->change[0] = '\0';
	e->reason[0] = '\0';
	e->redacted = 1;
	if ((rv = audit_encode(e, &buf, &len)) != STATUS_OK)
		goto done;
	if ((rv = store_audit_replace(t, seq, buf, len)) == STATUS_OK)
		*erased = 1;
done:
	free(buf);
	free(e);
	return rv;
}

void
audit_note_before(struct rpc_call *call)
{
	if (call->have_before || call->method == NULL ||
	    call->method->kind != METHOD_WRITE)
		return;
	call->before = call->scratch;
	call->have_before = 1;
}

int
audit_append(struct rpc_call *call)
{
	struct audit_entry *e;

	if ((e = rpc_alloc(call, sizeof(*e))) == NULL)
		return STATUS_RESOURCE_EXHAUSTED;
	e->time = call->now;
	e->revision = store_txn_revision(call->txn);
	snprintf(e->principal, sizeof(e->principal), "%s", call->principal);
	snprintf(e->method, sizeof(e->method), "%s", call->md->name);
	snprintf(e->request_id, sizeof(e->request_id), "%s",
	    call->request_id);
	snprintf(e->subject, sizeof(e->subject), "%s", call->audit_subject);
	snprintf(e->reason, sizeof(e->reason), "%s", call->audit_reason);
	if (call->saved_person) {
		snprintf(e->person_id, sizeof(e->person_id), "%s",
		    call->scratch.id);
		audit_person_diff(call->have_before &&
		    strcmp(call->before.id, call->scratch.id) == 0 ?
		    &call->before : NULL, &call->scratch, e->change,
		    sizeof(e->change));
	} else if (call->audit_person[0] != '\0')
		snprintf(e->person_id, sizeof(e->person_id), "%s",
		    call->audit_person);
	if (call->audit_change[0] != '\0')
		audit_text_add(e->change, sizeof(e->change), "; ", "%s",
		    call->audit_change);
	return audit_append_entry(call->txn, e);
}

/*
 * Verifying the chain.
 */

void
audit_verify_init(struct audit_verify *v)
{
	memset(v, 0, sizeof(*v));
	v->next = 1;
}

static int
verify_bad(struct audit_verify *v, uint64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
verify_bad(struct audit_verify *v, uint64_t seq, const char *fmt, ...)
{
	va_list ap;

	v->broken = 1;
	v->ok = 0;
	v->first_bad = seq;
	v->verified = seq > 0 ? seq - 1 : 0;
	va_start(ap, fmt);
	vsnprintf(v->problem, sizeof(v->problem), fmt, ap);
	va_end(ap);
	return 1;
}

/*
 * verify_resolve decides which of entries s-1 and s was altered, where s
 * is the suspect whose prev_hash disagreed with entry s-1's hash. If what
 * follows s (the next entry's prev_hash, or the head) still vouches for
 * s's hash, s is as written and s-1 was changed; else s was.
 */
static int
verify_resolve(struct audit_verify *v, int vouched)
{
	unsigned long long s = v->suspect;

	if (vouched && s > 1)
		return verify_bad(v, s - 1, "entry %llu was changed: its hash "
		    "no longer matches the prev_hash entry %llu holds", s - 1,
		    s);
	if (s == 1)
		return verify_bad(v, 1, "entry 1 was changed: its prev_hash "
		    "is not 32 zero bytes");
	return verify_bad(v, s, "entry %llu was changed: its prev_hash "
	    "does not match entry %llu", s, s - 1);
}

int
audit_verify_entry(struct audit_verify *v, uint64_t seq, const uint8_t *buf,
    size_t len)
{
	struct audit_entry *e;
	uint8_t hash[AUDIT_HASH_SIZE];
	int rv;

	if (v->broken)
		return 1;
	if (seq != v->next) {
		if (v->suspect)
			return verify_resolve(v, 0);
		return verify_bad(v, v->next, "entry %llu is missing",
		    (unsigned long long)v->next);
	}
	if ((e = malloc(sizeof(*e))) == NULL)
		return verify_bad(v, seq, "out of memory while reading entry "
		    "%llu", (unsigned long long)seq);
	rv = audit_decode(buf, len, e);
	if (rv == STATUS_OK && e->seq != seq)
		rv = STATUS_FAILED_PRECONDITION;
	if (rv != STATUS_OK) {
		uint64_t held = rv == STATUS_FAILED_PRECONDITION ?
		    e->seq : 0;
		free(e);
		if (v->suspect)
			return verify_resolve(v, 0);
		if (rv == STATUS_FAILED_PRECONDITION)
			return verify_bad(v, seq, "entry %llu was changed: it "
			    "holds sequence number %llu",
			    (unsigned long long)seq, (unsigned long long)held);
		if (rv == STATUS_RESOURCE_EXHAUSTED)
			return verify_bad(v, seq, "out of memory while "
			    "reading entry %llu", (unsigned long long)seq);
		return verify_bad(v, seq, "entry %llu was changed: its bytes "
		    "are not an audit entry as vetd writes them",
		    (unsigned long long)seq);
	}
	if ((rv = audit_entry_hash(e, hash)) != STATUS_OK) {
		free(e);
		if (v->suspect)
			return verify_resolve(v, 0);
		return verify_bad(v, seq, rv == STATUS_RESOURCE_EXHAUSTED ?
		    "out of memory while reading entry %llu" : "entry %llu "
		    "was changed: its text does not match its content digest",
		    (unsigned long long)seq);
	}
	if (e->redacted && v->redacted++ == 0)
		v->first_redacted = seq;
	v->redactions += e->redactions;
	if (v->suspect) {
		int vouched = memcmp(e->prev_hash, v->hash,
		    AUDIT_HASH_SIZE) == 0;
		free(e);
		return verify_resolve(v, vouched);
	}
	if (memcmp(e->prev_hash, v->hash, AUDIT_HASH_SIZE) != 0)
		v->suspect = seq;
	free(e);
	memcpy(v->hash, hash, AUDIT_HASH_SIZE);
	v->next = seq + 1;
	return 0;
}

void
audit_verify_finish(struct audit_verify *v, uint64_t head_seq,
    const uint8_t head_hash[AUDIT_HASH_SIZE])
{
	unsigned long long last = v->next - 1, head = head_seq;

	if (v->broken)
		return;
	if (v->suspect) {
		verify_resolve(v, last == head &&
		    memcmp(head_hash, v->hash, AUDIT_HASH_SIZE) == 0);
		return;
	}
	if (last < head) {
		verify_bad(v, last + 1, "entry %llu is missing (the log's head "
		    "is entry %llu)", last + 1, head);
		return;
	}
	if (last > head) {
		verify_bad(v, head + 1, "entry %llu is beyond the log's "
		    "recorded head (entry %llu)", head + 1, head);
		return;
	}
	if (memcmp(head_hash, v->hash, AUDIT_HASH_SIZE) != 0) {
		if (last == 0)
			verify_bad(v, 0, "the log is empty but its head "
			    "holds a hash");
		else
			verify_bad(v, last, "entry %llu was changed: its hash "
			    "does not match the log's head", last);
		return;
	}
	if (v->redacted > v->redactions) {
		verify_bad(v, v->first_redacted, "%llu entries have had their "
		    "text erased (the first is entry %llu) but retention purges "
		    "account for %llu", (unsigned long long)v->redacted,
		    (unsigned long long)v->first_redacted,
		    (unsigned long long)v->redactions);
		return;
	}
	v->ok = 1;
	v->verified = last;
}
