/*
 * rpc.c: the envelope and dispatch. Parses untrusted frames: every field
 * is bounded and checked before use, and nothing a peer sends can reach
 * abort(). Reads run here on a read snapshot; writes are queued for the
 * writer thread and run in one store transaction together with the stored
 * reply that makes them idempotent.
 */
#include <mbedtls/sha256.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "audit.h"
#include "batch_request.h"
#include "handlers.h"
#include "log.h"
#include "methods.h"
#include "rpc.pb-c.h"
#include "rpc.h"
#include "status.h"
#include "store.h"
#include "validate.h"
#include "vetting.pb-c.h"
#include "writer.h"

#define REQUEST_ID_MAX		64
#define METHOD_PREFIX		"/vet.v1.Vetting/"
#define REPLY_KEEP_SECONDS	(24 * 3600)
#define REPLY_PRUNE_BATCH	16
#define REPLY_KEY_MAX		(2 + 64 + 1 + REQUEST_ID_MAX + 1)

static Vet__V1__Vetting_Service vetting_service =
    VET__V1__VETTING__INIT(vetting_);

static void *
pb_alloc(void *data, size_t size)
{
	return arena_alloc(data, size);
}

static void
pb_free(void *data, void *p)
{
	/* Arena memory is released all at once after the reply. */
}

ProtobufCAllocator *
rpc_allocator(struct rpc_call *call)
{
	return &call->pb_allocator;
}

void *
rpc_alloc(struct rpc_call *call, size_t size)
{
	void *p = arena_alloc(&call->arena, size);
	if (p != NULL)
		memset(p, 0, size);
	return p;
}

char *
rpc_strdup(struct rpc_call *call, const char *s)
{
	size_t len = strlen(s) + 1;
	char *p = arena_alloc(&call->arena, len);
	if (p != NULL)
		memcpy(p, s, len);
	return p;
}

int
rpc_call_init(struct rpc_call *call, struct vetd *vd)
{
	memset(call, 0, sizeof(*call));
	call->vd = vd;
	if (arena_init(&call->arena) != 0)
		return -1;
	call->pb_allocator.alloc = pb_alloc;
	call->pb_allocator.free = pb_free;
	call->pb_allocator.allocator_data = &call->arena;
	return 0;
}

/* rpc_call_release: the reply has been sent (rpc.h). */
void
rpc_call_release(struct rpc_call *call)
{
	arena_release(&call->arena);
}

void
rpc_call_fini(struct rpc_call *call)
{
	arena_fini(&call->arena);
}

void
rpc_fail(struct rpc_call *call, int code, const char *fmt, ...)
{
	va_list ap;

	call->code = code;
	va_start(ap, fmt);
	vsnprintf(call->message, sizeof(call->message), fmt, ap);
	va_end(ap);
}

void
rpc_audit_change(struct rpc_call *call, const char *fmt, ...)
{
	size_t len = strlen(call->audit_change);
	va_list ap;

	if (len > 0 && len + 2 < sizeof(call->audit_change)) {
		memcpy(call->audit_change + len, "; ", 3);
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(call->audit_change + len, sizeof(call->audit_change) - len,
	    fmt, ap);
	va_end(ap);
}

int
rpc_methods_check(void)
{
	const ProtobufCServiceDescriptor *sd = &vet__v1__vetting__descriptor;

	for (unsigned i = 0; i < sd->n_methods; i++) {
		if (methods_find(sd->methods[i].name) == NULL) {
			log_warnx("method %s has no entry in the method table",
			    sd->methods[i].name);
			return -1;
		}
	}
	return 0;
}

static int64_t
monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* rpc_closure packs a handler's output message into the arena. */
static void
rpc_closure(const ProtobufCMessage *out, void *data)
{
	struct rpc_call *call = data;

	if (out == NULL)
		return;
	size_t size = protobuf_c_message_get_packed_size(out);
	uint8_t *buf = arena_alloc(&call->arena, size ? size : 1);
	if (buf == NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	call->out_len = protobuf_c_message_pack(out, buf);
	call->out = buf;
	call->out_set = 1;
}

/* finish_reply encodes the RpcResponse for the call's outcome. */
static void
finish_reply(struct rpc_call *call)
{
	Vet__V1__RpcResponse resp = VET__V1__RPC_RESPONSE__INIT;
	Vet__V1__Status status = VET__V1__STATUS__INIT;

	if (call->code == STATUS_OK && !call->out_set)
		rpc_fail(call, STATUS_INTERNAL, "the handler gave no answer");
	if (call->out_set)
		arena_trim(&call->arena, call->out, call->out_len);
	status.code = call->code;
	status.message = call->message;
	resp.request_id = call->request_id;
	resp.status = &status;
	resp.revision = call->revision;
	if (call->out_set) {
		resp.payload.data = call->out;
		resp.payload.len = call->out_len;
	}
	size_t size = vet__v1__rpc_response__get_packed_size(&resp);
	call->reply = arena_alloc(&call->arena, size ? size : 1);
	if (call->reply == NULL) {
		/* Cannot even say so: send an empty frame, which the client
		 * reports as a malformed reply. */
		call->reply_len = 0;
		return;
	}
	call->reply_len = vet__v1__rpc_response__pack(&resp, call->reply);
}

/* store_status_message explains a store failure to the caller. */
static void
fail_from_store(struct rpc_call *call, int rv, int writing)
{
	const char *what = writing ? "; the change was not applied" : "";

	switch (rv) {
	case STATUS_RESOURCE_EXHAUSTED:
		rpc_fail(call, rv, "the store has no space left%s", what);
		break;
	case STATUS_DATA_LOSS:
		rpc_fail(call, rv, "a stored record is damaged%s; see vetd's "
		    "log", what);
		break;
	default:
		rpc_fail(call, STATUS_INTERNAL, "the store failed%s; see "
		    "vetd's log", what);
		break;
	}
}

static int
request_id_valid(const char *id)
{
	size_t len = strlen(id);

	if (len > REQUEST_ID_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char ch = id[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return 0;
	}
	return 1;
}

static void
invoke_handler(struct rpc_call *call, struct batch_request *batch)
{
	const ProtobufCServiceDescriptor *sd = &vet__v1__vetting__descriptor;
	unsigned index = (unsigned)(call->md - sd->methods);

	call->code = STATUS_OK;
	call->message[0] = '\0';
	call->out_set = 0;
	if (batch != NULL)	/* BatchCheck read from the wire */
		batch_check_wire(call, batch);
	else
		vetting_service.base.invoke(&vetting_service.base, index,
		    call->input, rpc_closure, call);
}

static void
reset_call(struct rpc_call *call)
{
	arena_reset(&call->arena);
	call->md = NULL;
	call->method = NULL;
	call->input = NULL;
	call->request_id[0] = '\0';
	call->principal[0] = '\0';
	call->roles = 0;
	call->via_token = 0;
	call->token_in_frame = 0;
	call->secret_reply = 0;
	call->audit_subject[0] = '\0';
	call->audit_person[0] = '\0';
	call->audit_change[0] = '\0';
	call->audit_reason[0] = '\0';
	call->timeout_ms = 0;
	call->txn = NULL;
	call->code = STATUS_OK;
	call->message[0] = '\0';
	call->out = NULL;
	call->out_len = 0;
	call->out_set = 0;
	call->revision = 0;
	call->reply = NULL;
	call->reply_len = 0;
	call->next = NULL;
}

int
rpc_handle(struct rpc_call *call, const uint8_t *buf, size_t len)
{
	Vet__V1__RpcRequest *req;
	struct batch_request batch, *wire = NULL;
	char err[256];

	reset_call(call);
	call->now = (vtime)time(NULL);
	call->received_ms = monotonic_ms();
	call->revision = store_revision(call->vd->store);

	req = vet__v1__rpc_request__unpack(rpc_allocator(call), len, buf);
	if (req == NULL) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "malformed frame: not "
		    "a vet.v1.RpcRequest");
		goto reply;
	}
	/* protobuf-c cuts a string at a NUL: "/vet.v1.Vetting/Health\0X"
	 * would otherwise be taken for Health (tests/test_hostile.c). */
	if (validate_wire_strings(&vet__v1__rpc_request__descriptor, buf, len,
	    err, sizeof(err)) != 0) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "malformed frame: %s",
		    err);
		goto reply;
	}
	if (!request_id_valid(req->request_id)) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "request_id must be at "
		    "most %d characters of A-Z a-z 0-9 - _", REQUEST_ID_MAX);
		goto reply;
	}
	snprintf(call->request_id, sizeof(call->request_id), "%s",
	    req->request_id);
	call->timeout_ms = req->timeout_ms;

	if (strncmp(req->method, METHOD_PREFIX, strlen(METHOD_PREFIX)) != 0 ||
	    (call->md = protobuf_c_service_descriptor_get_method_by_name(
	    &vet__v1__vetting__descriptor,
	    req->method + strlen(METHOD_PREFIX))) == NULL) {
		if (validate_name("method", req->method, 100, err,
		    sizeof(err)) == 0)
			rpc_fail(call, STATUS_UNIMPLEMENTED, "unknown method "
			    "\"%s\"", req->method);
		else
			rpc_fail(call, STATUS_UNIMPLEMENTED, "unknown method");
		goto reply;
	}
	call->method = methods_find(call->md->name);
	if (call->method == NULL) {
		rpc_fail(call, STATUS_UNIMPLEMENTED, "method %s is not served",
		    call->md->name);
		goto reply;
	}
	if (atomic_load(&call->vd->draining)) {
		rpc_fail(call, STATUS_UNAVAILABLE, "vetd is shutting down; "
		    "retry shortly");
		goto reply;
	}
	/* Once per request, before the payload is looked at. May leave a
	 * read snapshot in call->txn, which a read then uses. */
	call->token_in_frame = req->token.len > 0;
	if (auth_request(call, req->token.data, req->token.len) != 0)
		goto reply;
	/* BatchCheck in the shape clients send skips protobuf-c; any other
	 * payload goes the generic way (batch_request.h). */
	if (call->md->input == &vet__v1__batch_check_request__descriptor &&
	    batch_request_scan(&batch, req->payload.data, req->payload.len))
		wire = &batch;
	else if (validate_wire_strings(call->md->input, req->payload.data,
	    req->payload.len, err, sizeof(err)) != 0) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s", err);
		goto reply;
	} else if ((call->input = protobuf_c_message_unpack(call->md->input,
	    rpc_allocator(call), req->payload.len, req->payload.data)) ==
	    NULL) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "payload is not a "
		    "valid %s", call->md->input->name);
		goto reply;
	}

	if (call->method->kind == METHOD_WRITE &&
	    !methods_checks_only(call->method, call->input)) {
		mbedtls_sha256_ret(req->payload.data, req->payload.len,
		    call->payload_digest, 0);
		store_read_end(call->txn);	/* never held into the writer */
		call->txn = NULL;
		writer_submit(call->vd->writer, call);
		return 0;
	}

	int rv = call->txn != NULL ? STATUS_OK :
	    store_read_begin(call->vd->store, &call->txn);
	if (rv != STATUS_OK) {
		fail_from_store(call, rv, 0);
		goto reply;
	}
	call->revision = store_txn_revision(call->txn);
	store_txn_set_now(call->txn, call->now);	/* as the rule's */
	invoke_handler(call, wire);
	store_read_end(call->txn);
	call->txn = NULL;
reply:
	store_read_end(call->txn);	/* accepts NULL */
	call->txn = NULL;
	finish_reply(call);
	return 1;
}

/*
 * reply_key scopes a stored reply to the principal that caused it, so one
 * caller can never read another's reply by sending its request id: "t:"
 * for a token's name, "u:" for an ipc principal, then "/" and the id.
 */
static void
reply_key(const struct rpc_call *call, char *buf, size_t size)
{
	snprintf(buf, size, "%c:%s/%s", call->via_token ? 't' : 'u',
	    call->principal, call->request_id);
}

/* replay_stored answers a write whose request id was seen before. */
static int
replay_stored(struct rpc_call *call, struct store_txn *t, int *hit)
{
	struct stored_reply stored;
	char key[REPLY_KEY_MAX];
	int rv;

	*hit = 0;
	reply_key(call, key, sizeof(key));
	rv = store_reply_get(t, key, &stored);
	if (rv == STATUS_NOT_FOUND)
		return STATUS_OK;
	if (rv != STATUS_OK)
		return rv;
	if (strcmp(stored.method, call->md->name) != 0 ||
	    memcmp(stored.payload_digest, call->payload_digest, 32) != 0) {
		free(stored.reply);
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "request id %s was "
		    "already used for a different request", call->request_id);
		return STATUS_INVALID_ARGUMENT;
	}
	call->reply = arena_alloc(&call->arena, stored.reply_len + 1);
	if (call->reply == NULL) {
		free(stored.reply);
		return STATUS_RESOURCE_EXHAUSTED;
	}
	memcpy(call->reply, stored.reply, stored.reply_len);
	call->reply_len = stored.reply_len;
	free(stored.reply);
	*hit = 1;
	return STATUS_OK;
}

struct write_state {
	struct rpc_call *call;
	int	replayed;
};

static int
write_txn(struct store_txn *t, void *arg)
{
	struct write_state *ws = arg;
	struct rpc_call *call = ws->call;
	int rv;

	call->txn = t;
	call->reply = NULL;
	store_txn_set_now(t, call->now);	/* events stamped as the rule's */
	if (call->request_id[0] != '\0') {
		rv = replay_stored(call, t, &ws->replayed);
		if (rv != STATUS_OK || ws->replayed) {
			if (ws->replayed)
				store_txn_mark_unchanged(t);
			return rv;
		}
	}
	/* fn may run again (the map grew): start the audit record afresh. */
	call->audit_subject[0] = '\0';
	call->audit_person[0] = '\0';
	call->audit_change[0] = '\0';
	call->audit_reason[0] = '\0';
	call->have_before = 0;
	call->saved_person = 0;
	invoke_handler(call, NULL);
	if (call->code != STATUS_OK)
		return call->code;
	call->revision = store_txn_revision(t);
	/* The change and its audit entry commit together or not at all. */
	if ((rv = audit_append(call)) != STATUS_OK)
		return rv;
	finish_reply(call);
	/* A reply holding a secret (CreateToken) is never stored: resent,
	 * the request runs again (and finds the name taken). */
	if (call->request_id[0] != '\0' && call->reply_len > 0 &&
	    (call->method->flags & METHOD_SECRET_REPLY) == 0) {
		struct stored_reply r = { .created_at = call->now };
		char key[REPLY_KEY_MAX];
		snprintf(r.method, sizeof(r.method), "%s", call->md->name);
		memcpy(r.payload_digest, call->payload_digest, 32);
		r.reply = call->reply;
		r.reply_len = call->reply_len;
		reply_key(call, key, sizeof(key));
		if ((rv = store_reply_put(t, key, &r)) != STATUS_OK)
			return rv;
		rv = store_reply_prune(t, call->now - REPLY_KEEP_SECONDS,
		    REPLY_PRUNE_BATCH);
		if (rv != STATUS_OK)
			return rv;
	}
	/* Tokens' last-used times ride along, at most once a minute. */
	return auth_persist(call->vd->auth, t, call->now, 0);
}

/* write_expired answers a write that waited past its deadline. */
static int
write_expired(struct rpc_call *call)
{
	if (call->timeout_ms == 0 ||
	    monotonic_ms() - call->received_ms <= (int64_t)call->timeout_ms)
		return 0;
	rpc_fail(call, STATUS_DEADLINE_EXCEEDED, "the request waited "
	    "past its deadline of %u ms; it was not applied",
	    call->timeout_ms);
	call->out_set = 0;
	finish_reply(call);
	return 1;
}

/* write_finish settles the reply of a write once its commit is known. */
static void
write_finish(struct rpc_call *call, const struct write_state *ws, int rv)
{
	call->txn = NULL;
	if (rv == STATUS_OK && !ws->replayed)
		auth_persist_committed(call->vd->auth);
	if (ws->replayed && rv == STATUS_OK)
		return;		/* call->reply holds the stored reply */
	if (rv != STATUS_OK) {
		/* A handler that failed may answer with a payload saying why
		 * (ImportClearances' row errors); a store failure may not. */
		if (call->code == STATUS_OK) {
			fail_from_store(call, rv, 1);
			call->out_set = 0;
		}
		call->revision = store_revision(call->vd->store);
		finish_reply(call);
	}
}

void
rpc_execute_write(struct rpc_call *call)
{
	struct write_state ws = { .call = call };
	uint64_t revision;
	int rv;

	if (write_expired(call))
		return;
	rv = store_write(call->vd->store, write_txn, &ws, &revision);
	write_finish(call, &ws, rv);
}

void
rpc_execute_writes(struct rpc_call **calls, size_t n)
{
	struct write_state ws[RPC_WRITE_BATCH_MAX];
	store_write_fn fns[RPC_WRITE_BATCH_MAX];
	void *args[RPC_WRITE_BATCH_MAX];
	struct rpc_call *run[RPC_WRITE_BATCH_MAX];
	uint64_t revisions[RPC_WRITE_BATCH_MAX];
	int results[RPC_WRITE_BATCH_MAX];
	size_t i, m = 0;

	if (n == 1) {
		rpc_execute_write(calls[0]);
		return;
	}
	if (n > RPC_WRITE_BATCH_MAX) {	/* the writer never asks for more */
		rpc_execute_writes(calls, RPC_WRITE_BATCH_MAX);
		rpc_execute_writes(calls + RPC_WRITE_BATCH_MAX,
		    n - RPC_WRITE_BATCH_MAX);
		return;
	}
	for (i = 0; i < n; i++) {
		if (write_expired(calls[i]))
			continue;
		run[m] = calls[i];
		ws[m] = (struct write_state){ .call = calls[i] };
		fns[m] = write_txn;
		args[m] = &ws[m];
		m++;
	}
	if (m == 0)
		return;
	store_write_batch(run[0]->vd->store, fns, args, m, results,
	    revisions);
	for (i = 0; i < m; i++)
		write_finish(run[i], &ws[i], results[i]);
}
