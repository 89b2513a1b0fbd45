/*
 * listener.c: vetd's listeners (see listener.h): ipc:// and tcp:// go to
 * the direct listener (sp_server.c) unless transport = nng; tls+tcp://
 * (and, with transport = nng, every URL) to nng's REP socket and the
 * context pool here. Frames arrive untrusted; they are passed whole to
 * rpc_handle.
 */
#include <errno.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/transport/ipc/ipc.h>
#include <nng/transport/tcp/tcp.h>
#include <nng/supplemental/tls/tls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include "config.h"
#include "listener.h"
#include "log.h"
#include "metrics.h"
#include "rpc.h"
#include "sp_server.h"

enum worker_state {
	WORKER_RECV,
	WORKER_SEND,
};

/*
 * A reply that cannot be sent for this long means the client is not
 * reading its replies: its connection is closed. Without this, nng's REP
 * context waits for the pipe for ever, and a few clients that pipeline
 * requests and never read take every context of the pool
 * (tests/test_faults.c slow_clients).
 */
#define SEND_TIMEOUT_MS	2000

struct worker {
	enum worker_state state;
	nng_aio		*aio;
	nng_ctx		ctx;
	nng_msg		*msg;
	int64_t		received_ns;	/* monotonic, for the metrics */
	struct listener	*listener;
	/* The last pipe's transport (peer_note): asking nng costs a
	 * getsockopt each time, several microseconds. */
	uint32_t	peer_pipe;	/* nng_pipe_id; 0: nothing cached */
	unsigned long	peer_epoch;	/* pipes_removed when cached */
	int		peer_ipc;
	uint64_t	peer_uid;
	nng_pipe	reply_pipe;	/* where the reply being sent goes */
	struct rpc_call	call;
};

struct listener {
	struct sp_server *direct;	/* ipc://, tcp:// (sp_server.h) */
	int		nng_open;	/* sock is open */
	nng_socket	sock;
	size_t		n_workers;
	struct worker	*workers;
	struct vetd	*vd;
	atomic_ulong	pipes_removed;	/* peer caches are valid while equal */
};

static void
worker_send(struct rpc_call *call)
{
	struct worker *w = call->owner;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	metrics_request(call, (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec -
	    w->received_ns);
	/* The request frame held a token: rpc_handle is done with it. */
	if (call->token_in_frame)
		explicit_bzero(nng_msg_body(w->msg), nng_msg_len(w->msg));
	nng_msg_clear(w->msg);
	if (nng_msg_append(w->msg, call->reply, call->reply_len) != 0)
		log_warnx("cannot build a reply of %zu bytes", call->reply_len);
	if (call->secret_reply) {
		/* CreateToken: our copies go; nng frees its own once sent. */
		explicit_bzero(call->reply, call->reply_len);
		if (call->out != NULL)
			explicit_bzero(call->out, call->out_len);
	}
	w->state = WORKER_SEND;
	w->reply_pipe = nng_msg_get_pipe(w->msg);
	nng_aio_set_msg(w->aio, w->msg);
	w->msg = NULL;
	nng_aio_set_timeout(w->aio, SEND_TIMEOUT_MS);
	nng_ctx_send(w->ctx, w->aio);
}

/*
 * peer_note tells rpc_handle which transport the frame came on: an ipc
 * pipe has a peer uid (the kernel's word, SO_PEERCRED); tcp and tls pipes
 * answer NNG_ENOTSUP. The answer is cached per worker for its last pipe:
 * a pipe id names one connection until that pipe is removed, and any
 * removal (pipe_removed) makes every worker ask again, so a reused id can
 * never inherit another connection's uid.
 */
static void
peer_note(struct worker *w, nng_msg *msg)
{
	nng_pipe p = nng_msg_get_pipe(msg);
	unsigned long epoch = atomic_load(&w->listener->pipes_removed);
	uint32_t id = (uint32_t)nng_pipe_id(p);
	uint64_t uid = 0;

	if (id == 0 || id != w->peer_pipe || epoch != w->peer_epoch) {
		w->peer_ipc = nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_UID,
		    &uid) == 0;
		w->peer_uid = w->peer_ipc ? uid : 0;
		w->peer_pipe = id;
		w->peer_epoch = epoch;
	}
	w->call.peer_ipc = w->peer_ipc;
	w->call.peer_uid = w->peer_uid;
}

static void
pipe_removed(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct listener *l = arg;

	(void)p;
	(void)ev;
	atomic_fetch_add(&l->pipes_removed, 1);
}

static void
worker_cb(void *arg)
{
	struct worker *w = arg;
	struct vetd *vd = w->call.vd;
	struct timespec ts;
	int rv;

	switch (w->state) {
	case WORKER_RECV:
		if ((rv = nng_aio_result(w->aio)) != 0) {
			if (rv == NNG_ECLOSED)
				return;
			nng_ctx_recv(w->ctx, w->aio);
			return;
		}
		w->msg = nng_aio_get_msg(w->aio);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		w->received_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		atomic_fetch_add(&vd->in_flight, 1);
		peer_note(w, w->msg);
		if (rpc_handle(&w->call, nng_msg_body(w->msg),
		    nng_msg_len(w->msg)))
			worker_send(&w->call);
		break;
	case WORKER_SEND:
		if ((rv = nng_aio_result(w->aio)) != 0) {
			nng_msg_free(nng_aio_get_msg(w->aio));
			if (rv == NNG_ETIMEDOUT && nng_pipe_id(w->reply_pipe) > 0) {
				log_warnx("closing a connection whose client has "
				    "not read a reply for %d ms",
				    SEND_TIMEOUT_MS);
				nng_pipe_close(w->reply_pipe);
			}
		}
		nng_aio_set_timeout(w->aio, NNG_DURATION_INFINITE);
		rpc_call_release(&w->call);
		atomic_fetch_sub(&vd->in_flight, 1);
		w->state = WORKER_RECV;
		nng_ctx_recv(w->ctx, w->aio);
		break;
	}
}

/*
 * ipc_prepare creates the socket's directory when it is missing: 0700, or
 * 0750 in socket_group so that the group can reach the socket.
 */
static int
ipc_prepare(const char *url, const struct config *c, char *err,
    size_t errsz)
{
	char dir[512];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", url + strlen("ipc://"));
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, c->have_socket_gid ? 0750 : 0700) != 0) {
		if (errno == EEXIST)
			return 0;
		snprintf(err, errsz, "cannot create %s for %s: %s", dir, url,
		    strerror(errno));
		return -1;
	}
	if (c->have_socket_gid && (chown(dir, (uid_t)-1,
	    (gid_t)c->socket_gid) != 0 || chmod(dir, 0750) != 0)) {
		snprintf(err, errsz, "cannot give %s to group %s: %s", dir,
		    c->socket_group, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * ipc_group opens the socket to socket_group: nng made it 0600, so it is
 * given to the group before it is opened to it.
 */
static int
ipc_group(const char *url, const struct config *c, char *err, size_t errsz)
{
	const char *path = url + strlen("ipc://");

	if (!c->have_socket_gid)
		return 0;
	if (chown(path, (uid_t)-1, (gid_t)c->socket_gid) != 0 ||
	    chmod(path, 0660) != 0) {
		snprintf(err, errsz, "cannot give socket %s to group %s: %s",
		    path, c->socket_group, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * tls_setup: the server's certificate and key, and with
 * require_client_cert the CA a client's certificate must chain to (the
 * handshake fails without one). nng cannot tell us which certificate a
 * client showed, so the token still names the caller.
 */
static int
tls_setup(nng_listener nl, const struct config *c)
{
	int rv;

	if ((rv = nng_listener_set_string(nl, NNG_OPT_TLS_CERT_KEY_FILE,
	    c->tls_cert_key_file)) != 0)
		return rv;
	if (!c->require_client_cert)
		return nng_listener_set_int(nl, NNG_OPT_TLS_AUTH_MODE,
		    NNG_TLS_AUTH_MODE_NONE);
	if ((rv = nng_listener_set_string(nl, NNG_OPT_TLS_CA_FILE,
	    c->tls_ca_file)) != 0)
		return rv;
	return nng_listener_set_int(nl, NNG_OPT_TLS_AUTH_MODE,
	    NNG_TLS_AUTH_MODE_REQUIRED);
}

static int
listen_one(struct listener *l, const struct config *c, const char *url,
    char *err, size_t errsz)
{
	int ipc = strncmp(url, "ipc://", 6) == 0;
	int tls = strncmp(url, "tls+tcp://", 10) == 0;
	nng_listener nl;
	int rv;

	if (ipc && ipc_prepare(url, c, err, errsz))
		return -1;
	if ((rv = nng_listener_create(&nl, l->sock, url)) != 0)
		goto fail;
	if (ipc &&
	    (rv = nng_listener_set_int(nl, NNG_OPT_IPC_PERMISSIONS, 0600)) != 0)
		goto fail;
	if (tls && (rv = tls_setup(nl, c)) != 0) {
		snprintf(err, errsz, "cannot listen on %s: TLS settings "
		    "(tls_cert_key_file %s%s%s): %s", url, c->tls_cert_key_file,
		    c->require_client_cert ? ", tls_ca_file " : "",
		    c->require_client_cert ? c->tls_ca_file : "",
		    nng_strerror(rv));
		return -1;
	}
	if ((rv = nng_listener_start(nl, 0)) != 0)
		goto fail;
	if (ipc && ipc_group(url, c, err, errsz) != 0)
		return -1;
	if (strncmp(url, "tcp://", 6) == 0 || tls) {
		int port = 0;
		nng_listener_get_int(nl, NNG_OPT_TCP_BOUND_PORT, &port);
		log_info("listening on %s (port %d)", url, port);
	} else {
		log_info("listening on %s", url);
	}
	return 0;
fail:
	snprintf(err, errsz, "cannot listen on %s: %s", url, nng_strerror(rv));
	return -1;
}

/* via_nng: tls+tcp:// always; ipc:// and tcp:// with transport = nng. */
static int
via_nng(const struct config *c, const char *url)
{
	return c->transport_nng || strncmp(url, "tls+tcp://", 10) == 0;
}

/* start_direct: vetd's own listener for the URLs nng does not take. */
static int
start_direct(struct listener *l, const struct config *c, char *err,
    size_t errsz)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_listen; i++)
		n += !via_nng(c, c->listen[i]);
	if (n == 0)
		return 0;
	if (sp_server_open(l->vd, c, &l->direct, err, errsz) != 0)
		return -1;
	for (size_t i = 0; i < c->n_listen; i++) {
		const char *url = c->listen[i];
		int ipc = strncmp(url, "ipc://", 6) == 0;
		if (via_nng(c, url))
			continue;
		if ((ipc && ipc_prepare(url, c, err, errsz) != 0) ||
		    sp_server_listen(l->direct, url, err, errsz) != 0 ||
		    (ipc && ipc_group(url, c, err, errsz) != 0))
			return -1;
	}
	return sp_server_start(l->direct, err, errsz);
}

/* start_nng: nng's REP socket and its context pool, for via_nng URLs. */
static int
start_nng(struct listener *l, const struct config *c, char *err,
    size_t errsz)
{
	size_t n = 0;
	int rv;

	for (size_t i = 0; i < c->n_listen; i++)
		n += via_nng(c, c->listen[i]);
	if (n == 0)
		return 0;
	if ((rv = nng_rep0_open(&l->sock)) != 0) {
		snprintf(err, errsz, "cannot open socket: %s",
		    nng_strerror(rv));
		return -1;
	}
	l->nng_open = 1;
	nng_socket_set_size(l->sock, NNG_OPT_RECVMAXSZ, c->max_frame);
	if ((rv = nng_pipe_notify(l->sock, NNG_PIPE_EV_REM_POST, pipe_removed,
	    l)) != 0) {
		snprintf(err, errsz, "cannot watch connections: %s",
		    nng_strerror(rv));
		return -1;
	}
	if ((l->workers = calloc(c->contexts, sizeof(*l->workers))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < c->contexts; i++) {
		struct worker *w = &l->workers[i];
		if (rpc_call_init(&w->call, l->vd) != 0 ||
		    nng_aio_alloc(&w->aio, worker_cb, w) != 0 ||
		    nng_ctx_open(&w->ctx, l->sock) != 0) {
			snprintf(err, errsz, "cannot set up context %zu", i);
			l->n_workers = i + 1;
			return -1;
		}
		w->call.owner = w;
		w->call.done = worker_send;
		w->listener = l;
		l->n_workers = i + 1;
	}
	for (size_t i = 0; i < c->n_listen; i++)
		if (via_nng(c, c->listen[i]) &&
		    listen_one(l, c, c->listen[i], err, errsz) != 0)
			return -1;
	for (size_t i = 0; i < l->n_workers; i++) {
		l->workers[i].state = WORKER_RECV;
		nng_ctx_recv(l->workers[i].ctx, l->workers[i].aio);
	}
	return 0;
}

int
listener_start(struct vetd *vd, const struct config *c,
    struct listener **out, char *err, size_t errsz)
{
	struct listener *l;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	l->vd = vd;
	if (start_nng(l, c, err, errsz) != 0 ||
	    start_direct(l, c, err, errsz) != 0) {
		listener_stop(&l);
		return -1;
	}
	*out = l;
	return 0;
}

void
listener_stop(struct listener **lp)
{
	struct listener *l = *lp;

	if (l == NULL)
		return;
	sp_server_stop(&l->direct);
	if (l->nng_open)
		nng_close(l->sock);
	for (size_t i = 0; i < l->n_workers; i++) {
		struct worker *w = &l->workers[i];
		if (w->aio != NULL) {
			nng_aio_stop(w->aio);
			nng_aio_free(w->aio);
		}
		if (w->msg != NULL)
			nng_msg_free(w->msg);
		rpc_call_fini(&w->call);
	}
	free(l->workers);
	free(l);
	*lp = NULL;
}
