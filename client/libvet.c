/*
 * libvet.c: the C client library for vetd (<vet/vet.h>).
 *
 * Every method goes through client_call: encode the method's request, wrap
 * it in a vet.v1.RpcRequest with a fresh random request id, send it on a
 * new nng context of the client's REQ socket, and decode the
 * vet.v1.RpcResponse. Replies are untrusted: nng caps their size, protobuf-c
 * decodes them, and the converters below copy them into the structs of
 * vet.h, so no protobuf-c type crosses the public API. nng's REQ resend is
 * disabled, so a request is sent at most once.
 *
 * The client holds only what vet_client_open set up and never changes it
 * afterwards; nng sockets are thread-safe and each call has its own context
 * and aio, so many threads may call at once on one client.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>
#include <nng/supplemental/util/platform.h>

#include "rpc.pb-c.h"
#include "status.h"
#include "vetting.pb-c.h"
#include "vet/vet.h"

#define CLIENT_TIMEOUT_MS	5000
#define CLIENT_REPLY_MAX	(16 * 1024 * 1024)	/* NNG_OPT_RECVMAXSZ */
#define CLIENT_BATCH_MAX	1000
#define REQUEST_ID_BYTES	16

struct vet_client {
	nng_socket	 sock;
	int		 sock_open;
	nng_tls_config	*tls;
	char		*url;
	int		 timeout_ms;
	uint8_t		*token;		/* secret: zeroed on close */
	size_t		 token_len;
};

static const char *const reason_names[] = {
	"UNSPECIFIED", "GRANTED", "UNKNOWN_PERSON", "LEAVER", "SUSPENDED",
	"NO_CLEARANCE", "CLEARANCE_EXPIRED", "CLEARANCE_SUSPENDED",
	"CLEARANCE_WITHDRAWN", "INSUFFICIENT_LEVEL", "NOT_BRIEFED",
	"BRIEFING_EXPIRED", "NATIONALITY", "UNKNOWN_MARKING", "UNKNOWN_CAVEAT",
	"INVALID_REQUEST",
};

static int status_set(vet_status *, int, uint64_t, const char *, ...)
    __attribute__((format(printf, 4, 5)));

/* status_set fills *st and returns code, so callers can return it. */
static int
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

static int
status_oom(vet_status *st)
{
	return status_set(st, VET_RESOURCE_EXHAUSTED, st->revision,
	    "out of memory in libvet");
}

static char *
str_or_empty(const char *s)
{
	/* protobuf-c takes char * but never writes through it when packing. */
	return (char *)(s != NULL ? s : "");
}

static char *
str_dup(const char *s)
{
	return strdup(s != NULL ? s : "");
}

static void
str_copy(char *dst, size_t size, const char *s)
{
	snprintf(dst, size, "%s", s != NULL ? s : "");
}

/*
 * Opening and closing.
 */

/* client_tls builds the TLS configuration for a tls+tcp:// dialer. */
static int
client_tls(vet_client *c, nng_dialer d, const vet_options *opts,
    vet_status *st)
{
	nng_url *u = NULL;
	const char *name;
	int rv;

	if ((rv = nng_tls_config_alloc(&c->tls, NNG_TLS_MODE_CLIENT)) != 0) {
		c->tls = NULL;
		status_set(st, VET_INTERNAL, 0, "cannot set up TLS: %s",
		    nng_strerror(rv));
		goto done;
	}
	if ((rv = nng_tls_config_auth_mode(c->tls,
	    NNG_TLS_AUTH_MODE_REQUIRED)) != 0) {
		status_set(st, VET_INTERNAL, 0, "cannot set up TLS: %s",
		    nng_strerror(rv));
		goto done;
	}
	if ((rv = nng_tls_config_ca_file(c->tls, opts->tls_ca_file)) != 0) {
		status_set(st, VET_INVALID_ARGUMENT, 0,
		    "cannot use CA file %s: %s", opts->tls_ca_file,
		    nng_strerror(rv));
		goto done;
	}
	if (opts->tls_cert_key_file != NULL &&
	    (rv = nng_tls_config_cert_key_file(c->tls, opts->tls_cert_key_file,
	    NULL)) != 0) {
		status_set(st, VET_INVALID_ARGUMENT, 0,
		    "cannot use certificate and key file %s: %s",
		    opts->tls_cert_key_file, nng_strerror(rv));
		goto done;
	}
	name = opts->tls_server_name;
	if (name == NULL) {
		if ((rv = nng_url_parse(&u, c->url)) != 0 ||
		    u->u_hostname == NULL || *u->u_hostname == '\0') {
			status_set(st, VET_INVALID_ARGUMENT, 0,
			    "no host name in vetd URL %s", c->url);
			goto done;
		}
		name = u->u_hostname;
	}
	if ((rv = nng_tls_config_server_name(c->tls, name)) != 0) {
		status_set(st, VET_INVALID_ARGUMENT, 0,
		    "cannot use TLS server name %s: %s", name,
		    nng_strerror(rv));
		goto done;
	}
	if ((rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, c->tls)) != 0) {
		status_set(st, VET_INTERNAL, 0, "cannot set up TLS: %s",
		    nng_strerror(rv));
		goto done;
	}
	status_set(st, VET_OK, 0, "%s", "");
done:
	nng_url_free(u);
	return st->code;
}

/* client_dial_error explains a failed first dial. */
static int
client_dial_error(vet_client *c, int tls, const vet_options *opts, int rv,
    vet_status *st)
{
	const char *hint = "";

	if (rv == NNG_EADDRINVAL || rv == NNG_ENOTSUP)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "bad vetd URL %s: %s", c->url, nng_strerror(rv));
	if (tls && (rv == NNG_ECRYPTO || rv == NNG_EPEERAUTH))
		hint = opts->tls_server_name == NULL ?
		    " (check the CA file, and that the URL host is a DNS name"
		    " in vetd's certificate or set the TLS server name)" :
		    " (check the CA file and the TLS server name)";
	else if (tls && rv == NNG_ECONNSHUT)
		hint = " (vetd may want a client certificate)";
	return status_set(st, VET_UNAVAILABLE, 0,
	    "cannot reach vetd at %s: %s%s", c->url, nng_strerror(rv), hint);
}

int
vet_client_open(vet_client **out, const char *url, const vet_options *opts,
    vet_status *st)
{
	static const vet_options defaults;
	vet_status local;
	vet_client *c = NULL;
	nng_dialer d;
	int tls, rv;

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

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->url = strdup(url)) == NULL) {
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

	if ((rv = nng_req0_open(&c->sock)) != 0) {
		status_set(st, VET_INTERNAL, 0, "cannot open a REQ socket: %s",
		    nng_strerror(rv));
		goto fail;
	}
	c->sock_open = 1;
	/*
	 * Writes must never be sent twice. In nng 1.5.2 a resend time of
	 * NNG_DURATION_INFINITE (-1) disables resend: a request joins the
	 * retry queue only when the time is > 0, and when the connection
	 * drops a pending receive fails with NNG_ECONNRESET instead of the
	 * request going out again on the new connection. Checked against
	 * the installed libnng 1.5.2: with -1 one copy reached a silent REP
	 * in 3 s and none after the REP restarted; with the default (60 s)
	 * the request was resent after the reconnect, with 300 ms 12 copies
	 * arrived in 3 s. New contexts inherit the socket's value; -2 is
	 * rejected with NNG_EINVAL.
	 */
	if ((rv = nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME,
	    NNG_DURATION_INFINITE)) != 0 ||
	    (rv = nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ,
	    CLIENT_REPLY_MAX)) != 0) {
		status_set(st, VET_INTERNAL, 0, "cannot set socket options: %s",
		    nng_strerror(rv));
		goto fail;
	}
	if ((rv = nng_dialer_create(&d, c->sock, url)) != 0) {
		status_set(st, VET_INVALID_ARGUMENT, 0, "bad vetd URL %s: %s",
		    url, nng_strerror(rv));
		goto fail;
	}
	if (tls && client_tls(c, d, opts, st) != VET_OK)
		goto fail;
	/* Synchronous: a vetd that is down fails here, at once. */
	if ((rv = nng_dialer_start(d, 0)) != 0) {
		client_dial_error(c, tls, opts, rv, st);
		goto fail;
	}
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
	if (c->sock_open)
		nng_close(c->sock);
	if (c->tls != NULL)
		nng_tls_config_free(c->tls);
	if (c->token != NULL) {
		explicit_bzero(c->token, c->token_len);
		free(c->token);
	}
	free(c->url);
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

/* client_encode packs the envelope for in straight into an nng message. */
static int
client_encode(vet_client *c, const ProtobufCMethodDescriptor *md,
    const ProtobufCMessage *in, const char *request_id, nng_msg **out)
{
	Vet__V1__RpcRequest env = VET__V1__RPC_REQUEST__INIT;
	const char *service = vet__v1__vetting__descriptor.name;
	char method[128];
	uint8_t *payload = NULL;
	size_t len;
	nng_msg *msg = NULL;
	int rv = -1;

	snprintf(method, sizeof(method), "/%s/%s", service, md->name);
	len = protobuf_c_message_get_packed_size(in);
	if ((payload = malloc(len > 0 ? len : 1)) == NULL)
		goto done;
	protobuf_c_message_pack(in, payload);

	env.method = method;
	env.request_id = (char *)request_id;
	env.timeout_ms = (uint32_t)c->timeout_ms;
	env.token.data = c->token;
	env.token.len = c->token_len;
	env.payload.data = payload;
	env.payload.len = len;
	len = vet__v1__rpc_request__get_packed_size(&env);
	if (nng_msg_alloc(&msg, len) != 0) {
		msg = NULL;
		goto done;
	}
	vet__v1__rpc_request__pack(&env, nng_msg_body(msg));
	*out = msg;
	msg = NULL;
	rv = 0;
done:
	nng_msg_free(msg);
	free(payload);
	return rv;
}

/* client_exchange sends msg on a new context and waits for the reply. */
static int
client_exchange(vet_client *c, nng_msg *msg, nng_msg **reply, vet_status *st)
{
	nng_ctx ctx;
	nng_aio *aio = NULL;
	nng_time now, deadline = nng_clock() + (nng_time)c->timeout_ms;
	int ctx_open = 0, rv;

	if ((rv = nng_ctx_open(&ctx, c->sock)) == 0) {
		ctx_open = 1;
		/* Inherited from the socket; said again to be sure. */
		if ((rv = nng_ctx_set_ms(ctx, NNG_OPT_REQ_RESENDTIME,
		    NNG_DURATION_INFINITE)) == 0 &&
		    (rv = nng_ctx_set_ms(ctx, NNG_OPT_SENDTIMEO,
		    c->timeout_ms)) == 0 &&
		    (rv = nng_ctx_set_ms(ctx, NNG_OPT_RECVTIMEO,
		    c->timeout_ms)) == 0 &&
		    (rv = nng_aio_alloc(&aio, NULL, NULL)) != 0)
			aio = NULL;
	}
	if (rv != 0) {
		status_set(st, VET_INTERNAL, 0, "cannot set up a call: %s",
		    nng_strerror(rv));
		goto done;
	}

	nng_aio_set_timeout(aio, c->timeout_ms);
	nng_aio_set_msg(aio, msg);
	msg = NULL;
	nng_ctx_send(ctx, aio);
	nng_aio_wait(aio);
	if ((rv = nng_aio_result(aio)) != 0) {
		/* On failure the message is still the caller's. */
		nng_msg_free(nng_aio_get_msg(aio));
		nng_aio_set_msg(aio, NULL);
		if (rv == NNG_ETIMEDOUT)
			status_set(st, VET_UNAVAILABLE, 0,
			    "cannot reach vetd at %s: not connected within "
			    "%d ms (the request was not sent)", c->url,
			    c->timeout_ms);
		else
			status_set(st, VET_UNAVAILABLE, 0,
			    "cannot send to vetd at %s: %s", c->url,
			    nng_strerror(rv));
		goto done;
	}

	/* The send and the receive share one deadline. */
	now = nng_clock();
	nng_aio_set_timeout(aio, deadline > now ?
	    (nng_duration)(deadline - now) : 1);
	nng_ctx_recv(ctx, aio);
	nng_aio_wait(aio);
	if ((rv = nng_aio_result(aio)) != 0) {
		if (rv == NNG_ETIMEDOUT)
			status_set(st, VET_DEADLINE_EXCEEDED, 0,
			    "no answer from vetd within %d ms", c->timeout_ms);
		else if (rv == NNG_ECONNRESET || rv == NNG_ECONNSHUT)
			status_set(st, VET_UNAVAILABLE, 0,
			    "the connection to vetd at %s was lost before the "
			    "answer came; the request may have been done",
			    c->url);
		else
			status_set(st, VET_UNAVAILABLE, 0,
			    "no answer from vetd at %s: %s", c->url,
			    nng_strerror(rv));
		goto done;
	}
	*reply = nng_aio_get_msg(aio);
	nng_aio_set_msg(aio, NULL);
	status_set(st, VET_OK, 0, "%s", "");
done:
	nng_msg_free(msg);
	if (aio != NULL)
		nng_aio_free(aio);
	if (ctx_open)
		nng_ctx_close(ctx);
	return st->code;
}

/*
 * client_call does one RPC. On return st holds the status; *out holds the
 * decoded response payload if there was one, even with an error status
 * (Check answers INVALID_ARGUMENT with a DENY decision). The caller frees
 * *out with protobuf_c_message_free_unpacked.
 */
static int
client_call(vet_client *c, const char *name, const ProtobufCMessage *in,
    ProtobufCMessage **out, vet_status *st)
{
	const ProtobufCMethodDescriptor *md;
	Vet__V1__RpcResponse *resp = NULL;
	ProtobufCMessage *payload = NULL;
	nng_msg *msg = NULL, *reply = NULL;
	char request_id[2 * REQUEST_ID_BYTES + 1];
	int code;

	*out = NULL;
	if (c == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no client (vet_client_open first)");
	md = protobuf_c_service_descriptor_get_method_by_name(
	    &vet__v1__vetting__descriptor, name);
	if (md == NULL || in->descriptor != md->input)
		return status_set(st, VET_INTERNAL, 0,
		    "libvet has no method %s", name);
	if (request_id_make(request_id, sizeof(request_id)) != 0)
		return status_set(st, VET_INTERNAL, 0,
		    "cannot make a request id: %s", strerror(errno));
	if (client_encode(c, md, in, request_id, &msg) != 0)
		return status_oom(st);
	if (client_exchange(c, msg, &reply, st) != VET_OK)
		return st->code;

	resp = vet__v1__rpc_response__unpack(NULL, nng_msg_len(reply),
	    nng_msg_body(reply));
	if (resp == NULL) {
		status_set(st, VET_INTERNAL, 0,
		    "vetd sent a reply that does not decode (%zu bytes)",
		    nng_msg_len(reply));
		goto done;
	}
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
		payload = protobuf_c_message_unpack(md->output, NULL,
		    resp->payload.len, resp->payload.data);
		if (payload == NULL && st->code == VET_OK)
			status_set(st, VET_INTERNAL, resp->revision,
			    "vetd sent a %s answer that does not decode",
			    md->name);
	}
	*out = payload;
done:
	if (resp != NULL)
		vet__v1__rpc_response__free_unpacked(resp, NULL);
	nng_msg_free(reply);
	return st->code;
}

/*
 * Conversion from wire messages to the structs of vet.h. Each *_from_wire
 * fills a zeroed struct and returns 0, or -1 on allocation failure having
 * freed what it allocated.
 */

static void
clearance_clear(vet_clearance *c)
{
	free(c->scheme);
	free(c->level);
	free(c->authority);
	free(c->reference);
	free(c->status_reason);
	memset(c, 0, sizeof(*c));
}

static int
clearance_from_wire(const Vet__V1__Clearance *w, vet_clearance *c)
{
	c->scheme = str_dup(w->scheme);
	c->level = str_dup(w->level);
	c->granted_at = w->granted_at;
	c->review_due = w->review_due;
	c->authority = str_dup(w->authority);
	c->reference = str_dup(w->reference);
	c->status = (vet_clearance_status)w->status;
	c->status_reason = str_dup(w->status_reason);
	c->status_changed_at = w->status_changed_at;
	if (c->scheme == NULL || c->level == NULL || c->authority == NULL ||
	    c->reference == NULL || c->status_reason == NULL) {
		clearance_clear(c);
		return -1;
	}
	return 0;
}

static void
briefing_clear(vet_briefing *b)
{
	free(b->compartment);
	free(b->debrief_reason);
	memset(b, 0, sizeof(*b));
}

static int
briefing_from_wire(const Vet__V1__Briefing *w, vet_briefing *b)
{
	b->compartment = str_dup(w->compartment);
	b->briefed_at = w->briefed_at;
	b->expires_at = w->expires_at;
	b->debriefed_at = w->debriefed_at;
	b->debrief_reason = str_dup(w->debrief_reason);
	if (b->compartment == NULL || b->debrief_reason == NULL) {
		briefing_clear(b);
		return -1;
	}
	return 0;
}

static void
person_clear(vet_person *p)
{
	free(p->id);
	free(p->display_name);
	free(p->email);
	free(p->org_unit);
	free(p->nationality);
	free(p->status_reason);
	for (size_t i = 0; i < p->n_clearances; i++)
		clearance_clear(&p->clearances[i]);
	free(p->clearances);
	for (size_t i = 0; i < p->n_briefings; i++)
		briefing_clear(&p->briefings[i]);
	free(p->briefings);
	memset(p, 0, sizeof(*p));
}

static int
person_from_wire(const Vet__V1__Person *w, vet_person *p)
{
	p->id = str_dup(w->id);
	p->display_name = str_dup(w->display_name);
	p->email = str_dup(w->email);
	p->org_unit = str_dup(w->org_unit);
	p->nationality = str_dup(w->nationality);
	p->status = (vet_person_status)w->status;
	p->source = w->source == VET__V1__PERSON_SOURCE__SOURCE_DIRECTORY ?
	    VET_SOURCE_DIRECTORY : VET_SOURCE_MANUAL;
	p->status_reason = str_dup(w->status_reason);
	p->created_at = w->created_at;
	p->updated_at = w->updated_at;
	p->status_changed_at = w->status_changed_at;
	if (p->id == NULL || p->display_name == NULL || p->email == NULL ||
	    p->org_unit == NULL || p->nationality == NULL ||
	    p->status_reason == NULL)
		goto fail;
	if (w->n_clearances > 0) {
		p->clearances = calloc(w->n_clearances, sizeof(*p->clearances));
		if (p->clearances == NULL)
			goto fail;
		for (; p->n_clearances < w->n_clearances; p->n_clearances++)
			if (clearance_from_wire(w->clearances[p->n_clearances],
			    &p->clearances[p->n_clearances]) != 0)
				goto fail;
	}
	if (w->n_briefings > 0) {
		p->briefings = calloc(w->n_briefings, sizeof(*p->briefings));
		if (p->briefings == NULL)
			goto fail;
		for (; p->n_briefings < w->n_briefings; p->n_briefings++)
			if (briefing_from_wire(w->briefings[p->n_briefings],
			    &p->briefings[p->n_briefings]) != 0)
				goto fail;
	}
	return 0;
fail:
	person_clear(p);
	return -1;
}

static void
caveat_clear(vet_caveat *c)
{
	free(c->name);
	free(c->min_scheme);
	free(c->min_level);
	for (size_t i = 0; i < c->n_nationalities; i++)
		free(c->nationalities[i]);
	free(c->nationalities);
	memset(c, 0, sizeof(*c));
}

static int
caveat_from_wire(const Vet__V1__Caveat *w, vet_caveat *c)
{
	c->name = str_dup(w->name);
	c->kind = (vet_caveat_kind)w->kind;
	c->min_scheme = str_dup(w->min_scheme);
	c->min_level = str_dup(w->min_level);
	c->builtin = w->builtin ? 1 : 0;
	if (c->name == NULL || c->min_scheme == NULL || c->min_level == NULL)
		goto fail;
	if (w->n_nationalities > 0) {
		c->nationalities = calloc(w->n_nationalities,
		    sizeof(*c->nationalities));
		if (c->nationalities == NULL)
			goto fail;
		for (; c->n_nationalities < w->n_nationalities;
		    c->n_nationalities++) {
			c->nationalities[c->n_nationalities] =
			    str_dup(w->nationalities[c->n_nationalities]);
			if (c->nationalities[c->n_nationalities] == NULL)
				goto fail;
		}
	}
	return 0;
fail:
	caveat_clear(c);
	return -1;
}

static int
caveat_list_from_wire(Vet__V1__Caveat *const *w, size_t n,
    vet_caveat_list **out)
{
	vet_caveat_list *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return -1;
	if (n > 0 && (l->caveats = calloc(n, sizeof(*l->caveats))) == NULL)
		goto fail;
	for (; l->n_caveats < n; l->n_caveats++)
		if (w[l->n_caveats] == NULL || caveat_from_wire(w[l->n_caveats],
		    &l->caveats[l->n_caveats]) != 0)
			goto fail;
	*out = l;
	return 0;
fail:
	vet_caveat_list_free(l);
	return -1;
}

static void
decision_from_wire(const Vet__V1__Decision *w, vet_decision *d)
{
	memset(d, 0, sizeof(*d));
	/* Anything but an explicit ALLOW is a DENY. */
	d->effect = w->effect == VET__V1__EFFECT__EFFECT_ALLOW ? VET_ALLOW :
	    VET_DENY;
	d->reason = (int)w->reason;
	str_copy(d->reason_name, sizeof(d->reason_name),
	    vet_reason_name(d->reason));
	str_copy(d->explanation, sizeof(d->explanation), w->explanation);
	d->valid_until = w->valid_until;
	d->revision = w->revision;
	str_copy(d->policy_digest, sizeof(d->policy_digest),
	    w->policy_digest);
	d->decided_at = w->decided_at;
}

/* decision_deny fills a fail-closed DENY for a check that got no decision. */
static void
decision_deny(vet_decision *d, const vet_status *st)
{
	memset(d, 0, sizeof(*d));
	d->effect = VET_DENY;
	d->reason = VET__V1__REASON__REASON_UNSPECIFIED;
	str_copy(d->reason_name, sizeof(d->reason_name), "NO_ANSWER");
	snprintf(d->explanation, sizeof(d->explanation),
	    "no decision from vetd (%s: %.200s)", vet_status_name(st->code),
	    st->message);
	d->revision = st->revision;
	d->decided_at = (int64_t)time(NULL);
}

/*
 * decision_usable: w is an ALLOW or DENY for person_id that may be copied
 * beside status code.
 */
static int
decision_usable(const Vet__V1__Decision *w, const char *person_id, int code)
{
	if (w == NULL || (w->effect != VET__V1__EFFECT__EFFECT_ALLOW &&
	    w->effect != VET__V1__EFFECT__EFFECT_DENY))
		return 0;
	if (*w->person_id != '\0' && strcmp(w->person_id,
	    person_id != NULL ? person_id : "") != 0)
		return 0;
	/* An ALLOW beside an error status is contradictory: fail closed. */
	if (code != VET_OK && w->effect == VET__V1__EFFECT__EFFECT_ALLOW)
		return 0;
	return 1;
}

/*
 * Methods.
 */

/* person_call does a call whose answer is a PersonResponse. */
static int
person_call(vet_client *c, const char *name, const ProtobufCMessage *in,
    vet_person **out, vet_status *st)
{
	ProtobufCMessage *m = NULL;
	Vet__V1__PersonResponse *resp;
	vet_person *p = NULL;

	if (client_call(c, name, in, &m, st) != VET_OK)
		goto done;
	resp = (Vet__V1__PersonResponse *)m;
	if (out == NULL)
		goto done;
	if (resp->person == NULL) {
		status_set(st, VET_INTERNAL, st->revision,
		    "vetd sent no person in its %s answer", name);
		goto done;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    person_from_wire(resp->person, p) != 0) {
		free(p);
		status_oom(st);
		goto done;
	}
	*out = p;
done:
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}

int
vet_health(vet_client *c, vet_health_info *out, vet_status *st)
{
	Vet__V1__HealthRequest req = VET__V1__HEALTH_REQUEST__INIT;
	Vet__V1__HealthResponse *resp;
	ProtobufCMessage *m = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (out == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no place for the answer");
	if (client_call(c, "Health", &req.base, &m, st) == VET_OK) {
		resp = (Vet__V1__HealthResponse *)m;
		memset(out, 0, sizeof(*out));
		str_copy(out->status, sizeof(out->status), resp->status);
		str_copy(out->version, sizeof(out->version), resp->version);
		out->revision = resp->revision;
		str_copy(out->policy_digest, sizeof(out->policy_digest),
		    resp->policy_digest);
	}
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}

int
vet_person_put(vet_client *c, const vet_person_spec *spec, vet_person **out,
    vet_status *st)
{
	Vet__V1__PutPersonRequest req = VET__V1__PUT_PERSON_REQUEST__INIT;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (spec == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no person given");
	req.id = str_or_empty(spec->id);
	req.display_name = str_or_empty(spec->display_name);
	req.email = str_or_empty(spec->email);
	req.org_unit = str_or_empty(spec->org_unit);
	req.nationality = str_or_empty(spec->nationality);
	req.source = spec->source == VET_SOURCE_DIRECTORY ?
	    VET__V1__PERSON_SOURCE__SOURCE_DIRECTORY :
	    VET__V1__PERSON_SOURCE__SOURCE_MANUAL;
	if (spec->source != 0 && spec->source != VET_SOURCE_MANUAL &&
	    spec->source != VET_SOURCE_DIRECTORY)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "unknown person source %d", (int)spec->source);
	return person_call(c, "PutPerson", &req.base, out, st);
}

int
vet_person_get(vet_client *c, const char *id, vet_person **out,
    vet_status *st)
{
	Vet__V1__GetPersonRequest req = VET__V1__GET_PERSON_REQUEST__INIT;
	vet_status local;

	if (st == NULL)
		st = &local;
	req.id = str_or_empty(id);
	return person_call(c, "GetPerson", &req.base, out, st);
}

int
vet_person_list(vet_client *c, vet_person_status status, unsigned page_size,
    const char *page_token, vet_person_page **out, vet_status *st)
{
	Vet__V1__ListPeopleRequest req = VET__V1__LIST_PEOPLE_REQUEST__INIT;
	Vet__V1__ListPeopleResponse *resp;
	ProtobufCMessage *m = NULL;
	vet_person_page *page = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (out == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no place for the answer");
	if (status < VET_PERSON_ANY || status > VET_PERSON_LEAVER)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "unknown person status %d", (int)status);
	req.status = (Vet__V1__PersonStatus)status;
	req.page_size = page_size;
	req.page_token = str_or_empty(page_token);
	if (client_call(c, "ListPeople", &req.base, &m, st) != VET_OK)
		goto done;
	resp = (Vet__V1__ListPeopleResponse *)m;
	if ((page = calloc(1, sizeof(*page))) == NULL ||
	    (page->next_page_token = str_dup(resp->next_page_token)) == NULL)
		goto oom;
	if (resp->n_people > 0 && (page->people = calloc(resp->n_people,
	    sizeof(*page->people))) == NULL)
		goto oom;
	for (; page->n_people < resp->n_people; page->n_people++)
		if (person_from_wire(resp->people[page->n_people],
		    &page->people[page->n_people]) != 0)
			goto oom;
	*out = page;
	page = NULL;
	goto done;
oom:
	status_oom(st);
done:
	vet_person_page_free(page);
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}

int
vet_person_set_status(vet_client *c, const char *id, vet_action action,
    const char *reason, vet_person **out, vet_status *st)
{
	Vet__V1__SetPersonStatusRequest req =
	    VET__V1__SET_PERSON_STATUS_REQUEST__INIT;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (action != VET_ACTION_SUSPEND && action != VET_ACTION_REINSTATE)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "a person can only be suspended or reinstated");
	req.person_id = str_or_empty(id);
	req.action = (Vet__V1__StatusAction)action;
	req.reason = str_or_empty(reason);
	return person_call(c, "SetPersonStatus", &req.base, out, st);
}

int
vet_leaver(vet_client *c, const char *id, const char *reason,
    vet_person **out, vet_status *st)
{
	Vet__V1__RecordLeaverRequest req = VET__V1__RECORD_LEAVER_REQUEST__INIT;
	vet_status local;

	if (st == NULL)
		st = &local;
	req.person_id = str_or_empty(id);
	req.reason = str_or_empty(reason);
	return person_call(c, "RecordLeaver", &req.base, out, st);
}

int
vet_clearance_grant(vet_client *c, const vet_grant_spec *spec,
    vet_person **out, vet_status *st)
{
	Vet__V1__GrantClearanceRequest req =
	    VET__V1__GRANT_CLEARANCE_REQUEST__INIT;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (spec == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no clearance given");
	req.person_id = str_or_empty(spec->person_id);
	req.scheme = str_or_empty(spec->scheme);
	req.level = str_or_empty(spec->level);
	req.granted_at = spec->granted_at;
	req.review_due = spec->review_due;
	req.authority = str_or_empty(spec->authority);
	req.reference = str_or_empty(spec->reference);
	return person_call(c, "GrantClearance", &req.base, out, st);
}

int
vet_clearance_set_status(vet_client *c, const char *id, const char *scheme,
    vet_action action, const char *reason, vet_person **out, vet_status *st)
{
	Vet__V1__SetClearanceStatusRequest req =
	    VET__V1__SET_CLEARANCE_STATUS_REQUEST__INIT;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (action != VET_ACTION_SUSPEND && action != VET_ACTION_REINSTATE &&
	    action != VET_ACTION_WITHDRAW)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "unknown clearance action %d", (int)action);
	req.person_id = str_or_empty(id);
	req.scheme = str_or_empty(scheme);
	req.action = (Vet__V1__StatusAction)action;
	req.reason = str_or_empty(reason);
	return person_call(c, "SetClearanceStatus", &req.base, out, st);
}

int
vet_caveat_define(vet_client *c, const vet_caveat_spec *spec,
    vet_caveat_list **out, vet_status *st)
{
	Vet__V1__DefineCaveatRequest req = VET__V1__DEFINE_CAVEAT_REQUEST__INIT;
	Vet__V1__Caveat cav = VET__V1__CAVEAT__INIT;
	Vet__V1__CaveatResponse *resp;
	ProtobufCMessage *m = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (spec == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no caveat given");
	if (spec->kind != VET_CAVEAT_COMPARTMENT &&
	    spec->kind != VET_CAVEAT_NATIONAL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "unknown caveat kind %d", (int)spec->kind);
	if (spec->n_nationalities > 0 && spec->nationalities == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no nationalities given");
	for (size_t i = 0; i < spec->n_nationalities; i++)
		if (spec->nationalities[i] == NULL)
			return status_set(st, VET_INVALID_ARGUMENT, 0,
			    "nationality %zu is missing", i);
	cav.name = str_or_empty(spec->name);
	cav.kind = (Vet__V1__CaveatKind)spec->kind;
	cav.min_scheme = str_or_empty(spec->min_scheme);
	cav.min_level = str_or_empty(spec->min_level);
	cav.n_nationalities = spec->n_nationalities;
	cav.nationalities = (char **)spec->nationalities;
	req.caveat = &cav;
	if (client_call(c, "DefineCaveat", &req.base, &m, st) != VET_OK ||
	    out == NULL)
		goto done;
	resp = (Vet__V1__CaveatResponse *)m;
	if (resp->caveat == NULL) {
		status_set(st, VET_INTERNAL, st->revision,
		    "vetd sent no caveat in its DefineCaveat answer");
		goto done;
	}
	if (caveat_list_from_wire(&resp->caveat, 1, out) != 0)
		status_oom(st);
done:
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}

int
vet_caveat_list_get(vet_client *c, vet_caveat_list **out, vet_status *st)
{
	Vet__V1__ListCaveatsRequest req = VET__V1__LIST_CAVEATS_REQUEST__INIT;
	Vet__V1__ListCaveatsResponse *resp;
	ProtobufCMessage *m = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (out == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no place for the answer");
	if (client_call(c, "ListCaveats", &req.base, &m, st) == VET_OK) {
		resp = (Vet__V1__ListCaveatsResponse *)m;
		if (caveat_list_from_wire(resp->caveats, resp->n_caveats,
		    out) != 0)
			status_oom(st);
	}
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}

int
vet_brief(vet_client *c, const char *id, const char *caveat,
    int64_t expires_at, vet_person **out, vet_status *st)
{
	Vet__V1__BriefRequest req = VET__V1__BRIEF_REQUEST__INIT;
	vet_status local;

	if (st == NULL)
		st = &local;
	req.person_id = str_or_empty(id);
	req.caveat = str_or_empty(caveat);
	req.expires_at = expires_at;
	return person_call(c, "Brief", &req.base, out, st);
}

int
vet_debrief(vet_client *c, const char *id, const char *caveat,
    const char *reason, vet_person **out, vet_status *st)
{
	Vet__V1__DebriefRequest req = VET__V1__DEBRIEF_REQUEST__INIT;
	vet_status local;

	if (st == NULL)
		st = &local;
	req.person_id = str_or_empty(id);
	req.caveat = str_or_empty(caveat);
	req.reason = str_or_empty(reason);
	return person_call(c, "Debrief", &req.base, out, st);
}

/* check_request_fill points w at r's strings; w->caveats is r's array. */
static int
check_request_fill(const vet_check_request *r, Vet__V1__CheckRequest *w,
    vet_status *st)
{
	if (r->n_caveats > 0 && r->caveats == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no caveats given");
	for (size_t i = 0; i < r->n_caveats; i++)
		if (r->caveats[i] == NULL)
			return status_set(st, VET_INVALID_ARGUMENT, 0,
			    "caveat %zu is missing", i);
	vet__v1__check_request__init(w);
	w->person_id = str_or_empty(r->person_id);
	w->marking = str_or_empty(r->marking);
	w->n_caveats = r->n_caveats;
	w->caveats = (char **)r->caveats;
	w->min_revision = r->min_revision;
	return VET_OK;
}

int
vet_check(vet_client *c, const vet_check_request *req, vet_decision *out,
    vet_status *st)
{
	Vet__V1__CheckRequest w;
	Vet__V1__Decision *d;
	ProtobufCMessage *m = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (out == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no place for the decision");
	if (req == NULL) {
		status_set(st, VET_INVALID_ARGUMENT, 0, "no check given");
		goto deny;
	}
	if (check_request_fill(req, &w, st) != VET_OK)
		goto deny;
	client_call(c, "Check", &w.base, &m, st);
	d = (Vet__V1__Decision *)m;
	if (!decision_usable(d, req->person_id, st->code)) {
		if (d != NULL && st->code == VET_OK)
			status_set(st, VET_INTERNAL, st->revision,
			    "vetd sent a decision without an effect or for "
			    "another person");
		goto deny;
	}
	decision_from_wire(d, out);
	protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
deny:
	decision_deny(out, st);
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}

int
vet_batch_check(vet_client *c, const vet_check_request *reqs, size_t n,
    vet_decision *out, vet_status *st)
{
	Vet__V1__BatchCheckRequest req = VET__V1__BATCH_CHECK_REQUEST__INIT;
	Vet__V1__CheckRequest *w = NULL, **wp = NULL;
	Vet__V1__BatchCheckResponse *resp = NULL;
	ProtobufCMessage *m = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (n > 0 && out == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no place for the decisions");
	if (n > CLIENT_BATCH_MAX) {
		status_set(st, VET_INVALID_ARGUMENT, 0,
		    "a batch holds at most %d checks, not %zu",
		    CLIENT_BATCH_MAX, n);
		goto deny;
	}
	if (n > 0 && reqs == NULL) {
		status_set(st, VET_INVALID_ARGUMENT, 0, "no checks given");
		goto deny;
	}
	if (n > 0 && ((w = calloc(n, sizeof(*w))) == NULL ||
	    (wp = calloc(n, sizeof(*wp))) == NULL)) {
		status_oom(st);
		goto deny;
	}
	for (size_t i = 0; i < n; i++) {
		if (check_request_fill(&reqs[i], &w[i], st) != VET_OK)
			goto deny;
		wp[i] = &w[i];
	}
	req.n_checks = n;
	req.checks = wp;
	client_call(c, "BatchCheck", &req.base, &m, st);
	resp = (Vet__V1__BatchCheckResponse *)m;
	if (resp == NULL)
		goto deny;
	if (resp->n_decisions != n) {
		if (st->code == VET_OK)
			status_set(st, VET_INTERNAL, st->revision,
			    "vetd sent %zu decisions for %zu checks",
			    resp->n_decisions, n);
		goto deny;
	}
	for (size_t i = 0; i < n; i++) {
		if (decision_usable(resp->decisions[i], reqs[i].person_id,
		    st->code))
			decision_from_wire(resp->decisions[i], &out[i]);
		else if (st->code == VET_OK) {
			status_set(st, VET_INTERNAL, st->revision,
			    "vetd sent decision %zu without an effect or for "
			    "another person", i);
			goto deny;
		} else
			decision_deny(&out[i], st);
	}
	goto done;
deny:
	for (size_t i = 0; i < n; i++)
		decision_deny(&out[i], st);
done:
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	free(wp);
	free(w);
	return st->code;
}

/*
 * Freeing and names.
 */

void
vet_person_free(vet_person *p)
{
	if (p == NULL)
		return;
	person_clear(p);
	free(p);
}

void
vet_person_page_free(vet_person_page *page)
{
	if (page == NULL)
		return;
	for (size_t i = 0; i < page->n_people; i++)
		person_clear(&page->people[i]);
	free(page->people);
	free(page->next_page_token);
	free(page);
}

void
vet_caveat_list_free(vet_caveat_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n_caveats; i++)
		caveat_clear(&l->caveats[i]);
	free(l->caveats);
	free(l);
}

const char *
vet_status_name(int code)
{
	return status_name(code);
}

const char *
vet_reason_name(int reason)
{
	if (reason < 0 ||
	    (size_t)reason >= sizeof(reason_names) / sizeof(reason_names[0]))
		return "UNKNOWN";
	return reason_names[reason];
}

const char *
vet_person_status_name(vet_person_status s)
{
	switch (s) {
	case VET_PERSON_ANY:
		return "UNSPECIFIED";
	case VET_PERSON_ACTIVE:
		return "ACTIVE";
	case VET_PERSON_SUSPENDED:
		return "SUSPENDED";
	case VET_PERSON_LEAVER:
		return "LEAVER";
	}
	return "UNKNOWN";
}

const char *
vet_clearance_status_name(vet_clearance_status s)
{
	switch (s) {
	case VET_CLEARANCE_GRANTED:
		return "GRANTED";
	case VET_CLEARANCE_SUSPENDED:
		return "SUSPENDED";
	case VET_CLEARANCE_WITHDRAWN:
		return "WITHDRAWN";
	case VET_CLEARANCE_LAPSED:
		return "LAPSED";
	}
	return "UNKNOWN";
}
