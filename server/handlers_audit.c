/*
 * handlers_audit.c: the auditors' methods. ListAudit pages through the
 * log, by person through the audit_person index so that its cost follows
 * the answer; VerifyAudit walks the whole chain (audit_verify_*), in
 * chunks of read snapshots so that a long log never holds one snapshot
 * for long. The request is untrusted wire data; stored entries are
 * untrusted too: one that does not decode is listed as damaged, not
 * skipped, and every entry's hash is computed here from its stored bytes
 * (proto/audit_seal.h).
 */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "audit_seal.h"
#include "handlers.h"
#include "rpc.h"
#include "status.h"
#include "store.h"
#include "validate.h"

#define LIST_DEFAULT		100
#define LIST_MAX		1000
#define LIST_MAX_BYTES		(512 * 1024)
#define SINCE_SLACK		60	/* s an entry may be older than the one before */
#define VERIFY_CHUNK		10000	/* entries per read snapshot */
#define CHUNK_DONE		(-1)

struct list_state {
	struct rpc_call *call;
	Vet__V1__ListAuditResponse *resp;
	size_t	limit;
	vtime	since;
	size_t	bytes;
	uint64_t last;			/* seq of the last entry listed */
	int	more;
};

/* unpack_entry decodes stored bytes into the call's arena, or NULL. */
static Vet__V1__AuditEntry *
unpack_entry(struct rpc_call *call, uint64_t seq, const uint8_t *buf,
    size_t len)
{
	Vet__V1__AuditEntry *w;

	if (len > AUDIT_ENTRY_MAX)
		return NULL;
	w = vet__v1__audit_entry__unpack(rpc_allocator(call), len, buf);
	if (w == NULL || w->seq != seq ||
	    w->prev_hash.len != AUDIT_HASH_SIZE || w->hash.len != 0)
		return NULL;
	return w;
}

/* list_add adds entry seq to the page; 1 when the page is full. */
static int
list_add(struct list_state *ls, uint64_t seq, const uint8_t *buf, size_t len)
{
	struct rpc_call *call = ls->call;
	Vet__V1__AuditEntry *w;
	uint8_t *hash;

	if (ls->resp->n_entries == ls->limit || ls->bytes >= LIST_MAX_BYTES) {
		ls->more = 1;
		return 1;
	}
	if ((w = unpack_entry(call, seq, buf, len)) == NULL) {
		/* Listed, so the gap shows; verify says more. */
		if ((w = rpc_alloc(call, sizeof(*w))) == NULL)
			return STATUS_RESOURCE_EXHAUSTED;
		vet__v1__audit_entry__init(w);
		w->seq = seq;
		w->change = (char *)"(this entry is damaged and cannot be read; run "
		    "audit verify)";
	} else if (w->time < ls->since)
		return 0;
	if ((hash = rpc_alloc(call, AUDIT_HASH_SIZE)) == NULL)
		return STATUS_RESOURCE_EXHAUSTED;
	/* An entry whose text no longer matches its seal gets the hash of
	 * its raw bytes, which libvet will not accept: verify says more. */
	if (w->prev_hash.len != AUDIT_HASH_SIZE ||
	    audit_seal_hash(w, hash) != AUDIT_SEAL_OK)
		audit_hash(buf, len, hash);
	w->hash.data = hash;
	w->hash.len = AUDIT_HASH_SIZE;
	ls->resp->entries[ls->resp->n_entries++] = w;
	ls->bytes += len + 2 * AUDIT_HASH_SIZE;
	ls->last = seq;
	return 0;
}

static int
list_one(uint64_t seq, const uint8_t *buf, size_t len, void *arg)
{
	return list_add(arg, seq, buf, len);
}

static int
list_person_one(uint64_t seq, void *arg)
{
	struct list_state *ls = arg;
	const uint8_t *buf;
	size_t len;
	int rv;

	if ((rv = store_audit_get(ls->call->txn, seq, &buf, &len)) ==
	    STATUS_NOT_FOUND)
		return 0;	/* an index entry without its entry: verify */
	if (rv != STATUS_OK)
		return rv;
	return list_add(ls, seq, buf, len);
}

/*
 * first_since: the seq after which entries may be at or after since.
 * Entries are appended in time order, but a decision waits up to a
 * second for its batch and the clock may be stepped, so the search aims
 * SINCE_SLACK seconds early and list_add filters exactly.
 */
static uint64_t
first_since(struct rpc_call *call, uint64_t head, vtime since)
{
	uint64_t lo = 1, hi = head + 1, mid;
	Vet__V1__AuditEntry *w;
	const uint8_t *buf;
	size_t len;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (store_audit_get(call->txn, mid, &buf, &len) == STATUS_OK &&
		    (w = unpack_entry(call, mid, buf, len)) != NULL &&
		    w->time < since - SINCE_SLACK)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

HANDLER(list_audit, ListAuditRequest, ListAuditResponse)
{
	struct rpc_call *call = closure_data;
	Vet__V1__ListAuditResponse resp = VET__V1__LIST_AUDIT_RESPONSE__INIT;
	struct list_state ls = { .call = call, .resp = &resp };
	uint8_t *head_hash;
	uint64_t head, after = input->after_seq;
	char err[256];
	int rv;

	ls.limit = input->limit ? input->limit : LIST_DEFAULT;
	ls.since = input->since;
	if (ls.limit > LIST_MAX) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "limit may be at most "
		    "%d", LIST_MAX);
		goto fail;
	}
	if (input->since < 0 || (input->since != 0 && validate_time("since",
	    input->since, 0, err, sizeof(err)) != 0)) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "since must be a time "
		    "from 1970 to 2200");
		goto fail;
	}
	if (input->person_id[0] != '\0' && validate_id("person_id",
	    input->person_id, err, sizeof(err)) != 0) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s", err);
		goto fail;
	}
	if ((resp.entries = rpc_alloc(call, ls.limit *
	    sizeof(*resp.entries))) == NULL ||
	    (head_hash = rpc_alloc(call, AUDIT_HASH_SIZE)) == NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	if ((rv = store_audit_head(call->txn, &head, head_hash)) != STATUS_OK) {
		rpc_fail(call, rv, "cannot read the audit log's head%s",
		    rv == STATUS_DATA_LOSS ? ": it is damaged" : "");
		goto fail;
	}
	if (input->person_id[0] != '\0')
		rv = store_audit_person_scan(call->txn, input->person_id,
		    after, list_person_one, &ls);
	else {
		if (ls.since > 0) {
			uint64_t from = first_since(call, head, ls.since);
			if (from > after)
				after = from;
		}
		rv = store_audit_scan(call->txn, after, list_one, &ls);
	}
	if (rv != STATUS_OK && rv != 1) {
		rpc_fail(call, rv, "cannot read the audit log");
		goto fail;
	}
	resp.next_after_seq = ls.more ? ls.last : 0;
	resp.last_seq = head;
	resp.last_hash.data = head_hash;
	resp.last_hash.len = AUDIT_HASH_SIZE;
	closure(&resp, call);
	return;
fail:
	closure(NULL, call);
}

struct verify_state {
	struct audit_verify v;
	size_t	chunk;			/* entries fed in this snapshot */
};

static int
verify_one(uint64_t seq, const uint8_t *buf, size_t len, void *arg)
{
	struct verify_state *vs = arg;

	if (vs->chunk == VERIFY_CHUNK)
		return CHUNK_DONE;
	vs->chunk++;
	return audit_verify_entry(&vs->v, seq, buf, len);
}

HANDLER(verify_audit, VerifyAuditRequest, VerifyAuditResponse)
{
	struct rpc_call *call = closure_data;
	Vet__V1__VerifyAuditResponse resp =
	    VET__V1__VERIFY_AUDIT_RESPONSE__INIT;
	struct verify_state *vs;
	uint8_t *head_hash;
	uint64_t head = 0;
	int rv;

	if ((vs = rpc_alloc(call, sizeof(*vs))) == NULL ||
	    (head_hash = rpc_alloc(call, AUDIT_HASH_SIZE)) == NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	audit_verify_init(&vs->v);
	for (;;) {
		vs->chunk = 0;
		rv = store_audit_scan(call->txn, vs->v.next - 1, verify_one,
		    vs);
		if (rv != CHUNK_DONE)
			break;
		/* A fresh snapshot: the log only grows, so the walk goes on
		 * where it stopped. */
		store_read_end(call->txn);
		call->txn = NULL;
		if ((rv = store_read_begin(call->vd->store, &call->txn)) !=
		    STATUS_OK)
			break;
	}
	if (rv != STATUS_OK && rv != 1) {
		rpc_fail(call, rv, "cannot read the audit log");
		goto fail;
	}
	rv = store_audit_head(call->txn, &head, head_hash);
	if (rv == STATUS_DATA_LOSS && !vs->v.broken) {
		vs->v.broken = 1;
		vs->v.verified = 0;
		snprintf(vs->v.problem, sizeof(vs->v.problem), "the log's head "
		    "record (last sequence number and hash) is damaged");
	} else if (rv != STATUS_OK && rv != STATUS_DATA_LOSS) {
		rpc_fail(call, rv, "cannot read the audit log's head");
		goto fail;
	}
	audit_verify_finish(&vs->v, head, head_hash);
	resp.ok = vs->v.ok;
	resp.verified = vs->v.verified;
	resp.first_bad_seq = vs->v.ok ? 0 : vs->v.first_bad;
	resp.problem = vs->v.ok ? "" : vs->v.problem;
	resp.last_seq = head;
	resp.last_hash.data = head_hash;
	resp.last_hash.len = AUDIT_HASH_SIZE;
	closure(&resp, call);
	return;
fail:
	closure(NULL, call);
}
