/*
 * listener.c: the socket, listeners and context pool (see listener.h).
 * Frames arrive here untrusted; they are passed whole to rpc_handle.
 */
#include <errno.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/transport/ipc/ipc.h>
#include <nng/transport/tcp/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "listener.h"
#include "log.h"
#include "rpc.h"

enum worker_state {
	WORKER_RECV,
	WORKER_SEND,
};

struct worker {
	enum worker_state state;
	nng_aio		*aio;
	nng_ctx		ctx;
	nng_msg		*msg;
	struct rpc_call	call;
};

struct listener {
	nng_socket	sock;
	size_t		n_workers;
	struct worker	*workers;
	struct vetd	*vd;
};

static void
worker_send(struct rpc_call *call)
{
	struct worker *w = call->owner;

	nng_msg_clear(w->msg);
	if (nng_msg_append(w->msg, call->reply, call->reply_len) != 0)
		log_warnx("cannot build a reply of %zu bytes", call->reply_len);
	w->state = WORKER_SEND;
	nng_aio_set_msg(w->aio, w->msg);
	w->msg = NULL;
	nng_ctx_send(w->ctx, w->aio);
}

static void
worker_cb(void *arg)
{
	struct worker *w = arg;
	struct vetd *vd = w->call.vd;
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
		atomic_fetch_add(&vd->in_flight, 1);
		if (rpc_handle(&w->call, nng_msg_body(w->msg),
		    nng_msg_len(w->msg)))
			worker_send(&w->call);
		break;
	case WORKER_SEND:
		if (nng_aio_result(w->aio) != 0)
			nng_msg_free(nng_aio_get_msg(w->aio));
		atomic_fetch_sub(&vd->in_flight, 1);
		w->state = WORKER_RECV;
		nng_ctx_recv(w->ctx, w->aio);
		break;
	}
}

/* ipc_prepare creates the socket's directory (0700) when it is missing. */
static int
ipc_prepare(const char *url, char *err, size_t errsz)
{
	char dir[512];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", url + strlen("ipc://"));
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errsz, "cannot create %s for %s: %s", dir, url,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
listen_one(struct listener *l, const char *url, char *err, size_t errsz)
{
	nng_listener nl;
	int rv;

	if (strncmp(url, "ipc://", 6) == 0 && ipc_prepare(url, err, errsz))
		return -1;
	if ((rv = nng_listener_create(&nl, l->sock, url)) != 0)
		goto fail;
	if (strncmp(url, "ipc://", 6) == 0 &&
	    (rv = nng_listener_set_int(nl, NNG_OPT_IPC_PERMISSIONS, 0600)) != 0)
		goto fail;
	if ((rv = nng_listener_start(nl, 0)) != 0)
		goto fail;
	if (strncmp(url, "tcp://", 6) == 0) {
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

int
listener_start(struct vetd *vd, const struct config *c,
    struct listener **out, char *err, size_t errsz)
{
	struct listener *l;
	int rv;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	l->vd = vd;
	if ((rv = nng_rep0_open(&l->sock)) != 0) {
		snprintf(err, errsz, "cannot open socket: %s",
		    nng_strerror(rv));
		free(l);
		return -1;
	}
	nng_socket_set_size(l->sock, NNG_OPT_RECVMAXSZ, c->max_frame);
	if ((l->workers = calloc(c->contexts, sizeof(*l->workers))) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < c->contexts; i++) {
		struct worker *w = &l->workers[i];
		if (rpc_call_init(&w->call, vd) != 0 ||
		    nng_aio_alloc(&w->aio, worker_cb, w) != 0 ||
		    nng_ctx_open(&w->ctx, l->sock) != 0) {
			snprintf(err, errsz, "cannot set up context %zu", i);
			l->n_workers = i + 1;
			goto fail;
		}
		w->call.owner = w;
		w->call.done = worker_send;
		l->n_workers = i + 1;
	}
	for (size_t i = 0; i < c->n_listen; i++)
		if (listen_one(l, c->listen[i], err, errsz) != 0)
			goto fail;
	for (size_t i = 0; i < l->n_workers; i++) {
		l->workers[i].state = WORKER_RECV;
		nng_ctx_recv(l->workers[i].ctx, l->workers[i].aio);
	}
	*out = l;
	return 0;
fail:
	listener_stop(&l);
	return -1;
}

void
listener_stop(struct listener **lp)
{
	struct listener *l = *lp;

	if (l == NULL)
		return;
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
