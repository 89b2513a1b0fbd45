/*
 * libvet.c: the C client library for vetd (<vet/vet.h>).
 *
 * Every method goes through client_call: encode the method's request, wrap
 * it in a vet.v1.RpcRequest with a fresh random request id, send it on a
 * new nng context of the client's REQ socket, and decode the
 * vet.v1.RpcResponse. Replies are untrusted: nng caps their size, protobuf-c
 * decodes them, and the converters in libvet_convert.c copy them into the
 * structs of vet.h, so no protobuf-c type crosses the public API. The
 * methods themselves are in libvet_methods.c. nng's REQ resend is
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
#include "libvet_internal.h"

#define CLIENT_TIMEOUT_MS	5000
#define CLIENT_REPLY_MAX	(16 * 1024 * 1024)	/* NNG_OPT_RECVMAXSZ */
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
	if (flags & CLIENT_SECRET_REPLY) {
		/* The caller zeroes *out; these copies go here. */
		if (resp != NULL && resp->payload.len > 0)
			explicit_bzero(resp->payload.data, resp->payload.len);
		if (reply != NULL)
			explicit_bzero(nng_msg_body(reply), nng_msg_len(reply));
	}
	if (resp != NULL)
		vet__v1__rpc_response__free_unpacked(resp, NULL);
	nng_msg_free(reply);
	return st->code;
}
