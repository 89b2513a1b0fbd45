/*
 * libvet.c: the C client library for vetd (<vet/vet.h>).
 *
 * Every method goes through client_call: encode the method's request, wrap
 * it in a vet.v1.RpcRequest with a fresh random request id, hand the frame
 * to the client's transport, and decode the vet.v1.RpcResponse. Replies
 * are untrusted: the transport caps their size, protobuf-c decodes them,
 * and the converters in libvet_convert.c copy them into the structs of
 * vet.h, so no protobuf-c type crosses the public API. The methods
 * themselves are in libvet_methods.c. BatchCheck packs its request and
 * reads its reply by hand (libvet_batch.c, client_call_packed), leaving
 * to client_reply_decode any reply its reader declines.
 *
 * Transports (libvet_transport.h, docs/TRANSPORT.md): ipc:// and tcp://
 * go direct (libvet_direct.c: blocking sockets speaking nng's SP protocol
 * to vetd, no thread hop); tls+tcp:// goes through nng's REQ socket
 * (libvet_nngreq.c), as does every URL when the environment says
 * VET_TRANSPORT=nng. Either sends a request at most once.
 *
 * The client holds only what vet_client_open set up and never changes it
 * afterwards; both transports let many threads call at once on one client.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "rpc.pb-c.h"
#include "status.h"
#include "vetting.pb-c.h"
#include "vet/vet.h"
#include "libvet_internal.h"
#include "libvet_transport.h"

#define CLIENT_TIMEOUT_MS	5000
#define REQUEST_ID_BYTES	16
/* Frames up to this size are built on the stack. */
#define CLIENT_STACK_FRAME	2048

struct vet_client {
	struct direct	*direct;	/* ipc://, tcp:// */
	struct nngreq	*nng;		/* tls+tcp://, or VET_TRANSPORT=nng */
	int		 timeout_ms;
	uint8_t		*token;		/* secret: zeroed on close */
	size_t		 token_len;
};



/* status_set fills *st and returns code, so callers can return it. */
int
status_set(vet_status *st, int code, uint64_t revision, const char *fmt, ...)
{
	va_list ap;

	st->code = code;
	st->revision = revision;
	va_start(ap, fmt);
	vsnprintf(st->message, sizeof(st->message), fmt, ap);
	va_end(ap);
	return code;
}

int
status_oom(vet_status *st)
{
	return status_set(st, VET_RESOURCE_EXHAUSTED, st->revision,
	    "out of memory in libvet");
}

char *
str_or_empty(const char *s)
{
	/* protobuf-c takes char * but never writes through it when packing. */
	return (char *)(s != NULL ? s : "");
}

char *
str_dup(const char *s)
{
	return strdup(s != NULL ? s : "");
}

void
str_copy(char *dst, size_t size, const char *s)
{
	snprintf(dst, size, "%s", s != NULL ? s : "");
}

/*
 * Opening and closing.
 */

/*
 * client_use_nng reads VET_TRANSPORT: unset, empty or "direct" takes the
 * direct transport where it applies; "nng" takes nng's REQ socket for
 * every URL (to compare the two, or to step around the direct one).
 */
static int
client_use_nng(int *use_nng, vet_status *st)
{
	const char *t = secure_getenv("VET_TRANSPORT");

	*use_nng = 0;
	if (t == NULL || *t == '\0' || strcmp(t, "direct") == 0)
		return VET_OK;
	if (strcmp(t, "nng") == 0) {
		*use_nng = 1;
		return VET_OK;
	}
	return status_set(st, VET_INVALID_ARGUMENT, 0,
	    "VET_TRANSPORT=%.64s: want direct or nng", t);
}

int
vet_client_open(vet_client **out, const char *url, const vet_options *opts,
    vet_status *st)
{
	static const vet_options defaults;
	vet_status local;
	vet_client *c = NULL;
	int tls, use_nng;

	if (st == NULL)
		st = &local;
	if (opts == NULL)
		opts = &defaults;
	if (out == NULL || url == NULL || *url == '\0')
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no vetd URL given");
	if (opts->timeout_ms < 0)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "timeout %d ms is negative", opts->timeout_ms);
	tls = strncmp(url, "tls+tcp://", 10) == 0;
	if (!tls && (opts->tls_ca_file != NULL ||
	    opts->tls_cert_key_file != NULL || opts->tls_server_name != NULL))
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "TLS options need a tls+tcp:// URL, not %s", url);
	if (tls && opts->tls_ca_file == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "%s needs a CA file to verify vetd's certificate", url);
	if (client_use_nng(&use_nng, st) != VET_OK)
		return st->code;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		status_oom(st);
		goto fail;
	}
	c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms :
	    CLIENT_TIMEOUT_MS;
	if (opts->token != NULL) {
		c->token_len = strlen(opts->token);
		if ((c->token = malloc(c->token_len + 1)) == NULL) {
			status_oom(st);
			goto fail;
		}
		memcpy(c->token, opts->token, c->token_len + 1);
	}
	/* Either dials at once: a vetd that is down fails here. */
	if (!use_nng && direct_wants(url)) {
		if (direct_open(&c->direct, url, c->timeout_ms, st) != VET_OK)
			goto fail;
	} else if (nngreq_open(&c->nng, url, opts, st) != VET_OK)
		goto fail;
	*out = c;
	return status_set(st, VET_OK, 0, "%s", "");
fail:
	vet_client_close(&c);
	return st->code;
}

void
vet_client_close(vet_client **cp)
{
	vet_client *c;

	if (cp == NULL || (c = *cp) == NULL)
		return;
	direct_close(&c->direct);
	nngreq_close(&c->nng);
	if (c->token != NULL) {
		explicit_bzero(c->token, c->token_len);
		free(c->token);
	}
	free(c);
	*cp = NULL;
}

/*
 * The call.
 */

static int
request_id_make(char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t r[REQUEST_ID_BYTES];
	size_t got = 0;
	ssize_t n;

	if (size < 2 * sizeof(r) + 1)
		return -1;
	while (got < sizeof(r)) {
		n = getrandom(r + got, sizeof(r) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(r); i++) {
		buf[2 * i] = hex[r[i] >> 4];
		buf[2 * i + 1] = hex[r[i] & 0xf];
	}
	buf[2 * sizeof(r)] = '\0';
	return 0;
}

/*
 * client_encode wraps the packed payload (plen bytes) in the envelope,
 * into *frame (buf when it fits, else allocated: the caller frees *frame
 * if it is not buf), after TRANSPORT_HEADROOM bytes left for the
 * transport; *len is the envelope's length.
 */
static int
client_encode(vet_client *c, const ProtobufCMethodDescriptor *md,
    const uint8_t *payload, size_t plen, const char *request_id,
    uint8_t *buf, size_t bufsz, uint8_t **frame, size_t *len)
{
	Vet__V1__RpcRequest env = VET__V1__RPC_REQUEST__INIT;
	const char *service = vet__v1__vetting__descriptor.name;
	char method[128];
	uint8_t *f;
	size_t n;

	snprintf(method, sizeof(method), "/%s/%s", service, md->name);
	env.method = method;
	env.request_id = (char *)request_id;
	env.timeout_ms = (uint32_t)c->timeout_ms;
	env.token.data = c->token;
	env.token.len = c->token_len;
	/* protobuf-c packs but never writes through it. */
	env.payload.data = (uint8_t *)payload;
	env.payload.len = plen;
	n = vet__v1__rpc_request__get_packed_size(&env);
	f = TRANSPORT_HEADROOM + n <= bufsz ? buf :
	    malloc(TRANSPORT_HEADROOM + n);
	if (f == NULL)
		return -1;
	vet__v1__rpc_request__pack(&env, f + TRANSPORT_HEADROOM);
	*frame = f;
	*len = n;
	return 0;
}

/* client_exchange sends the frame on the client's transport. */
static int
client_exchange(vet_client *c, uint8_t *frame, size_t len,
    struct transport_reply *r, vet_status *st)
{
	if (c->direct != NULL)
		return direct_call(c->direct, frame, len, c->timeout_ms, r, st);
	return nngreq_call(c->nng, frame + TRANSPORT_HEADROOM, len,
	    c->timeout_ms, r, st);
}

static void
client_reply_done(vet_client *c, struct transport_reply *r)
{
	if (c->direct != NULL)
		direct_reply_done(c->direct, r);
	else
		nngreq_reply_done(r);
}

/*
 * client_call_md sends the packed payload and reads the reply: with rd
 * first, if there is one, else (or if rd declines) as
 * client_reply_decode does.
 */
static int
client_call_md(vet_client *c, const ProtobufCMethodDescriptor *md,
    const uint8_t *payload, size_t plen, client_reader *rd, void *rarg,
    ProtobufCMessage **out, int flags, ProtobufCAllocator *alloc,
    vet_status *st)
{
	struct transport_reply reply = { NULL, 0, NULL };
	uint8_t buf[CLIENT_STACK_FRAME], *frame = NULL;
	size_t len;
	char request_id[2 * REQUEST_ID_BYTES + 1];
	int sent;

	if (request_id_make(request_id, sizeof(request_id)) != 0)
		return status_set(st, VET_INTERNAL, 0,
		    "cannot make a request id: %s", strerror(errno));
	if (client_encode(c, md, payload, plen, request_id, buf, sizeof(buf),
	    &frame, &len) != 0)
		return status_oom(st);
	sent = client_exchange(c, frame, len, &reply, st) == VET_OK;
	/* The frame held the token. */
	if (c->token_len > 0)
		explicit_bzero(frame + TRANSPORT_HEADROOM, len);
	if (frame != buf)
		free(frame);
	if (!sent)
		return st->code;
	if (rd == NULL || !rd(rarg, reply.data, reply.len, request_id, st))
		client_reply_decode(md, reply.data, reply.len, request_id, out,
		    flags, alloc, st);
	/* The caller zeroes *out; client_reply_decode its own copies. */
	if (flags & CLIENT_SECRET_REPLY)
		explicit_bzero(reply.data, reply.len);
	client_reply_done(c, &reply);
	return st->code;
}

/*
 * client_call does one RPC. On return st holds the status; *out holds the
 * decoded response payload if there was one, even with an error status
 * (Check answers INVALID_ARGUMENT with a DENY decision). The caller frees
 * *out with protobuf_c_message_free_unpacked.
 */
int
client_call(vet_client *c, const char *name, const ProtobufCMessage *in,
    ProtobufCMessage **out, vet_status *st)
{
	return client_call_flags(c, name, in, out, 0, st);
}

int
client_call_flags(vet_client *c, const char *name, const ProtobufCMessage *in,
    ProtobufCMessage **out, int flags, vet_status *st)
{
	return client_call_alloc(c, name, in, out, flags, NULL, st);
}

int
client_call_alloc(vet_client *c, const char *name, const ProtobufCMessage *in,
    ProtobufCMessage **out, int flags, ProtobufCAllocator *alloc,
    vet_status *st)
{
	const ProtobufCMethodDescriptor *md;
	uint8_t pbuf[CLIENT_STACK_FRAME / 2], *payload;
	size_t plen;

	*out = NULL;
	if (c == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no client (vet_client_open first)");
	md = protobuf_c_service_descriptor_get_method_by_name(
	    &vet__v1__vetting__descriptor, name);
	if (md == NULL || in->descriptor != md->input)
		return status_set(st, VET_INTERNAL, 0,
		    "libvet has no method %s", name);
	plen = protobuf_c_message_get_packed_size(in);
	payload = plen <= sizeof(pbuf) ? pbuf : malloc(plen);
	if (payload == NULL)
		return status_oom(st);
	protobuf_c_message_pack(in, payload);
	client_call_md(c, md, payload, plen, NULL, NULL, out, flags, alloc, st);
	if (payload != pbuf)
		free(payload);
	return st->code;
}

int
client_call_packed(vet_client *c, const char *name, const uint8_t *payload,
    size_t plen, client_reader *rd, void *rarg, ProtobufCMessage **out,
    ProtobufCAllocator *alloc, vet_status *st)
{
	const ProtobufCMethodDescriptor *md;

	*out = NULL;
	if (c == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no client (vet_client_open first)");
	md = protobuf_c_service_descriptor_get_method_by_name(
	    &vet__v1__vetting__descriptor, name);
	if (md == NULL)
		return status_set(st, VET_INTERNAL, 0,
		    "libvet has no method %s", name);
	return client_call_md(c, md, payload, plen, rd, rarg, out, 0, alloc,
	    st);
}

int
client_reply_decode(const ProtobufCMethodDescriptor *md, const uint8_t *data,
    size_t len, const char *request_id, ProtobufCMessage **out, int flags,
    ProtobufCAllocator *alloc, vet_status *st)
{
	Vet__V1__RpcResponse *resp;
	ProtobufCMessage *payload = NULL;
	int code;

	*out = NULL;
	resp = vet__v1__rpc_response__unpack(alloc, len, data);
	if (resp == NULL)
		return status_set(st, VET_INTERNAL, 0,
		    "vetd sent a reply that does not decode (%zu bytes)", len);
	if (strcmp(resp->request_id, request_id) != 0) {
		status_set(st, VET_INTERNAL, 0,
		    "vetd's answer carries another request's id");
		goto done;
	}
	code = resp->status != NULL ? resp->status->code : VET_OK;
	if (code < VET_OK || code > VET_UNAUTHENTICATED)
		status_set(st, VET_UNKNOWN, resp->revision,
		    "vetd sent status code %d: %s", code,
		    resp->status->message);
	else
		status_set(st, code, resp->revision, "%s",
		    resp->status != NULL ? resp->status->message : "");
	if (resp->payload.len > 0 || st->code == VET_OK) {
		payload = protobuf_c_message_unpack(md->output, alloc,
		    resp->payload.len, resp->payload.data);
		if (payload == NULL && st->code == VET_OK)
			status_set(st, VET_INTERNAL, resp->revision,
			    "vetd sent a %s answer that does not decode",
			    md->name);
	}
	*out = payload;
done:
	/* The caller zeroes *out and the reply; this copy goes here. */
	if ((flags & CLIENT_SECRET_REPLY) && resp->payload.len > 0)
		explicit_bzero(resp->payload.data, resp->payload.len);
	vet__v1__rpc_response__free_unpacked(resp, alloc);
	return st->code;
}
