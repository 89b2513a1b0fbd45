/*
 * libvet_nngreq.c: libvet's nng transport: one nng REQ socket per client,
 * a new context and aio per call. Used for tls+tcp:// (the TLS is
 * mbedtls inside nng) and, with VET_TRANSPORT=nng, for every URL. nng's
 * REQ resend is disabled, so a request is sent at most once. Replies are
 * capped by NNG_OPT_RECVMAXSZ and otherwise untrusted (libvet.c decodes
 * them). nng sockets are thread-safe and each call has its own context
 * and aio, so many threads may call at once.
 */
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>
#include <nng/supplemental/util/platform.h>

#include "vet/vet.h"
#include "libvet_internal.h"
#include "libvet_transport.h"

struct nngreq {
	nng_socket	 sock;
	int		 sock_open;
	nng_tls_config	*tls;
	char		*url;
};

/* nngreq_tls builds the TLS configuration for a tls+tcp:// dialer. */
static int
nngreq_tls(struct nngreq *n, nng_dialer d, const vet_options *opts,
    vet_status *st)
{
	nng_url *u = NULL;
	const char *name;
	int rv;

	if ((rv = nng_tls_config_alloc(&n->tls, NNG_TLS_MODE_CLIENT)) != 0) {
		n->tls = NULL;
		status_set(st, VET_INTERNAL, 0, "cannot set up TLS: %s",
		    nng_strerror(rv));
		goto done;
	}
	if ((rv = nng_tls_config_auth_mode(n->tls,
	    NNG_TLS_AUTH_MODE_REQUIRED)) != 0) {
		status_set(st, VET_INTERNAL, 0, "cannot set up TLS: %s",
		    nng_strerror(rv));
		goto done;
	}
	if ((rv = nng_tls_config_ca_file(n->tls, opts->tls_ca_file)) != 0) {
		status_set(st, VET_INVALID_ARGUMENT, 0,
		    "cannot use CA file %s: %s", opts->tls_ca_file,
		    nng_strerror(rv));
		goto done;
	}
	if (opts->tls_cert_key_file != NULL &&
	    (rv = nng_tls_config_cert_key_file(n->tls, opts->tls_cert_key_file,
	    NULL)) != 0) {
		status_set(st, VET_INVALID_ARGUMENT, 0,
		    "cannot use certificate and key file %s: %s",
		    opts->tls_cert_key_file, nng_strerror(rv));
		goto done;
	}
	name = opts->tls_server_name;
	if (name == NULL) {
		if ((rv = nng_url_parse(&u, n->url)) != 0 ||
		    u->u_hostname == NULL || *u->u_hostname == '\0') {
			status_set(st, VET_INVALID_ARGUMENT, 0,
			    "no host name in vetd URL %s", n->url);
			goto done;
		}
		name = u->u_hostname;
	}
	if ((rv = nng_tls_config_server_name(n->tls, name)) != 0) {
		status_set(st, VET_INVALID_ARGUMENT, 0,
		    "cannot use TLS server name %s: %s", name,
		    nng_strerror(rv));
		goto done;
	}
	if ((rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, n->tls)) != 0) {
		status_set(st, VET_INTERNAL, 0, "cannot set up TLS: %s",
		    nng_strerror(rv));
		goto done;
	}
	status_set(st, VET_OK, 0, "%s", "");
done:
	nng_url_free(u);
	return st->code;
}

/* nngreq_dial_error explains a failed first dial. */
static int
nngreq_dial_error(struct nngreq *n, int tls, const vet_options *opts, int rv,
    vet_status *st)
{
	const char *hint = "";

	if (rv == NNG_EADDRINVAL || rv == NNG_ENOTSUP)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "bad vetd URL %s: %s", n->url, nng_strerror(rv));
	if (tls && (rv == NNG_ECRYPTO || rv == NNG_EPEERAUTH))
		hint = opts->tls_server_name == NULL ?
		    " (check the CA file, and that the URL host is a DNS name"
		    " in vetd's certificate or set the TLS server name)" :
		    " (check the CA file and the TLS server name)";
	else if (tls && rv == NNG_ECONNSHUT)
		hint = " (vetd may want a client certificate)";
	return status_set(st, VET_UNAVAILABLE, 0,
	    "cannot reach vetd at %s: %s%s", n->url, nng_strerror(rv), hint);
}

int
nngreq_open(struct nngreq **out, const char *url, const vet_options *opts,
    vet_status *st)
{
	struct nngreq *n;
	nng_dialer d;
	int tls = strncmp(url, "tls+tcp://", 10) == 0;
	int rv;

	if ((n = calloc(1, sizeof(*n))) == NULL ||
	    (n->url = strdup(url)) == NULL) {
		status_oom(st);
		goto fail;
	}
	if ((rv = nng_req0_open(&n->sock)) != 0) {
		status_set(st, VET_INTERNAL, 0, "cannot open a REQ socket: %s",
		    nng_strerror(rv));
		goto fail;
	}
	n->sock_open = 1;
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
	if ((rv = nng_socket_set_ms(n->sock, NNG_OPT_REQ_RESENDTIME,
	    NNG_DURATION_INFINITE)) != 0 ||
	    (rv = nng_socket_set_size(n->sock, NNG_OPT_RECVMAXSZ,
	    TRANSPORT_REPLY_MAX)) != 0) {
		status_set(st, VET_INTERNAL, 0, "cannot set socket options: %s",
		    nng_strerror(rv));
		goto fail;
	}
	if ((rv = nng_dialer_create(&d, n->sock, url)) != 0) {
		status_set(st, VET_INVALID_ARGUMENT, 0, "bad vetd URL %s: %s",
		    url, nng_strerror(rv));
		goto fail;
	}
	if (tls && nngreq_tls(n, d, opts, st) != VET_OK)
		goto fail;
	/* Synchronous: a vetd that is down fails here, at once. */
	if ((rv = nng_dialer_start(d, 0)) != 0) {
		nngreq_dial_error(n, tls, opts, rv, st);
		goto fail;
	}
	*out = n;
	return status_set(st, VET_OK, 0, "%s", "");
fail:
	nngreq_close(&n);
	return st->code;
}

void
nngreq_close(struct nngreq **np)
{
	struct nngreq *n;

	if (np == NULL || (n = *np) == NULL)
		return;
	if (n->sock_open)
		nng_close(n->sock);
	if (n->tls != NULL)
		nng_tls_config_free(n->tls);
	free(n->url);
	free(n);
	*np = NULL;
}

int
nngreq_call(struct nngreq *n, const uint8_t *req, size_t len, int timeout_ms,
    struct transport_reply *r, vet_status *st)
{
	nng_ctx ctx;
	nng_aio *aio = NULL;
	nng_msg *msg = NULL;
	nng_time now, deadline = nng_clock() + (nng_time)timeout_ms;
	int ctx_open = 0, rv;

	if ((rv = nng_msg_alloc(&msg, len)) != 0) {
		msg = NULL;
		status_oom(st);
		goto done;
	}
	memcpy(nng_msg_body(msg), req, len);
	if ((rv = nng_ctx_open(&ctx, n->sock)) == 0) {
		ctx_open = 1;
		/* Inherited from the socket; said again to be sure. */
		if ((rv = nng_ctx_set_ms(ctx, NNG_OPT_REQ_RESENDTIME,
		    NNG_DURATION_INFINITE)) == 0 &&
		    (rv = nng_ctx_set_ms(ctx, NNG_OPT_SENDTIMEO,
		    timeout_ms)) == 0 &&
		    (rv = nng_ctx_set_ms(ctx, NNG_OPT_RECVTIMEO,
		    timeout_ms)) == 0 &&
		    (rv = nng_aio_alloc(&aio, NULL, NULL)) != 0)
			aio = NULL;
	}
	if (rv != 0) {
		status_set(st, VET_INTERNAL, 0, "cannot set up a call: %s",
		    nng_strerror(rv));
		goto done;
	}

	nng_aio_set_timeout(aio, timeout_ms);
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
			    "%d ms (the request was not sent)", n->url,
			    timeout_ms);
		else
			status_set(st, VET_UNAVAILABLE, 0,
			    "cannot send to vetd at %s: %s", n->url,
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
			    "no answer from vetd within %d ms", timeout_ms);
		else if (rv == NNG_ECONNRESET || rv == NNG_ECONNSHUT)
			status_set(st, VET_UNAVAILABLE, 0,
			    "the connection to vetd at %s was lost before the "
			    "answer came; the request may have been done",
			    n->url);
		else
			status_set(st, VET_UNAVAILABLE, 0,
			    "no answer from vetd at %s: %s", n->url,
			    nng_strerror(rv));
		goto done;
	}
	msg = nng_aio_get_msg(aio);
	nng_aio_set_msg(aio, NULL);
	r->owner = msg;
	r->data = nng_msg_body(msg);
	r->len = nng_msg_len(msg);
	msg = NULL;
	status_set(st, VET_OK, 0, "%s", "");
done:
	nng_msg_free(msg);
	if (aio != NULL)
		nng_aio_free(aio);
	if (ctx_open)
		nng_ctx_close(ctx);
	return st->code;
}

void
nngreq_reply_done(struct transport_reply *r)
{
	nng_msg_free(r->owner);
	memset(r, 0, sizeof(*r));
}
