/*
 * sp_server.c: the direct listener's threads (see sp_server.h). Each
 * connection is in the epoll set with EPOLLONESHOT, so exactly one thread
 * owns it from the event until it re-arms it: its buffers need no lock.
 * The list of connections (for the sweeper and for stop) has one.
 *
 * Of the pool's threads only "slots" (twice the CPUs vetd may run on) wait
 * in epoll and answer reads at any one time: more would only be woken to
 * take turns on the same CPUs. A thread whose request is a write gives
 * its slot to another before it waits for the writer's group commit, so
 * up to the whole pool's writes can be waiting for one commit.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "metrics.h"
#include "rpc.h"
#include "sp_bind.h"
#include "sp_conn.h"
#include "sp_server.h"

#define SWEEP_EVERY_MS	100	/* deadlines are kept to about this */

struct sp_listen {
	enum sp_kind	kind;		/* SP_KIND_LISTEN; first */
	struct sp_bound	bound;
	atomic_int	paused;		/* out of fds: the sweeper re-arms */
};

struct sp_worker {
	struct sp_server *srv;
	pthread_t	thread;
	int		started;
	sem_t		done;		/* the writer has answered a write */
	struct rpc_call	call;
};

struct sp_server {
	struct vetd	*vd;
	size_t		max_frame;
	int		epfd;
	int		stopfd;		/* eventfd, level-triggered */
	enum sp_kind	stop_tag;
	atomic_int	stopping;

	struct sp_listen listens[CONFIG_MAX_LISTEN];
	size_t		n_listens;

	struct sp_worker *workers;
	size_t		n_workers;
	sem_t		slots;		/* threads that may poll (see above) */
	int		slots_made;

	pthread_mutex_t	lock;		/* conns, and the sweeper's sleep */
	pthread_cond_t	wake;
	struct sp_conn	*conns;
	pthread_t	sweeper;
	int		sweeper_started;
};

static int
arm(struct sp_server *s, struct sp_conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events | EPOLLONESHOT,
	    .data.ptr = c };

	return epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void
conn_close(struct sp_server *s, struct sp_conn *c)
{
	pthread_mutex_lock(&s->lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&s->lock);
	close(c->fd);
	sp_conn_free_buffers(c);
	free(c);
}

static void
worker_done(struct rpc_call *call)
{
	struct sp_worker *w = call->owner;

	sem_post(&w->done);
}

/*
 * serve_frame answers one request frame. Returns 0, or -1 when the
 * connection must be closed (a frame without a REQ0 request id, or a
 * socket that failed). *gave_slot is set when it was a write, for which
 * this thread gave up its slot.
 */
static int
serve_frame(struct sp_worker *w, struct sp_conn *c, uint8_t *frame,
    size_t len, int *gave_slot)
{
	struct rpc_call *call = &w->call;
	struct vetd *vd = w->srv->vd;
	uint8_t backtrace[4 * SP_BACKTRACE_MAX];
	size_t hops = 0;
	struct timespec t0, t1;
	int rv;

	for (;;) {
		if (hops == SP_BACKTRACE_MAX || 4 * (hops + 1) > len)
			return -1;
		hops++;
		if (frame[4 * hops - 4] & 0x80)
			break;
	}
	memcpy(backtrace, frame, 4 * hops);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	atomic_fetch_add(&vd->in_flight, 1);
	call->peer_ipc = c->ipc;
	call->peer_uid = c->peer_uid;
	if (!rpc_handle(call, frame + 4 * hops, len - 4 * hops)) {
		/* Queued for the writer: another thread polls meanwhile. */
		sem_post(&w->srv->slots);
		*gave_slot = 1;
		while (sem_wait(&w->done) != 0)
			;	/* EINTR */
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	metrics_request(call, (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000000 +
	    (t1.tv_nsec - t0.tv_nsec));
	/* The request frame held a token: rpc_handle is done with it. */
	if (call->token_in_frame)
		explicit_bzero(frame, len);
	rv = sp_conn_reply(c, backtrace, 4 * hops, call->reply,
	    call->reply_len, call->secret_reply);
	if (call->secret_reply) {
		/* CreateToken: our copies go (one kept unsent is scrubbed
		 * once it has been sent). */
		explicit_bzero(call->reply, call->reply_len);
		if (call->out != NULL)
			explicit_bzero(call->out, call->out_len);
	}
	rpc_call_release(call);
	atomic_fetch_sub(&vd->in_flight, 1);
	return rv;
}

/*
 * serve_conn runs a connection's event: finish a reply the socket would
 * not take, then answer every whole frame there is, reading until the
 * socket is empty; then hand the connection back to epoll. Returns 1 when
 * the thread gave up its slot for a write (the connection is handed back
 * at once then: a thread with a slot answers what else it sent).
 */
static int
serve_conn(struct sp_worker *w, struct sp_conn *c)
{
	struct sp_server *s = w->srv;
	const char *why = NULL;
	uint8_t *frame;
	size_t len;
	int rv, gave_slot = 0;

	if (c->out != NULL) {
		if ((rv = sp_conn_flush(c)) < 0)
			goto close;
		if (rv == 0)
			goto wait_out;
	}
	for (;;) {
		int served = 0;
		while ((rv = sp_conn_frame(c, s->max_frame, &frame, &len,
		    &why)) == 1) {
			if (serve_frame(w, c, frame, len, &gave_slot) != 0)
				goto close;
			sp_conn_consume(c);
			served = 1;
			if (c->out != NULL)
				goto wait_out;
			/* Frames already here are seen by a thread with a
			 * slot: EPOLLOUT is ready at once. */
			if (gave_slot) {
				if (arm(s, c, c->in_len > 0 ? EPOLLOUT :
				    EPOLLIN) != 0)
					goto close;
				return 1;
			}
		}
		if (rv < 0) {
			log_debug("closing a connection: %s", why);
			goto close;
		}
		/* A REQ client sends its next request only after this reply:
		 * straight back to epoll (which reports it if it is already
		 * here) rather than a recv() that would find nothing. */
		if (served && c->in_len == 0 && c->big == NULL) {
			if (arm(s, c, EPOLLIN) != 0)
				goto close;
			return 0;
		}
		if ((rv = sp_conn_read(c)) == 0) {
			if (arm(s, c, EPOLLIN) != 0)
				goto close;
			return 0;
		}
		if (rv < 0)
			goto close;
	}
wait_out:
	if (arm(s, c, EPOLLOUT) == 0)
		return gave_slot;
close:
	conn_close(s, c);
	return gave_slot;
}

/* accept_one sets up one accepted socket: 0, or -1 (it is closed). */
static int
accept_one(struct sp_server *s, struct sp_listen *l, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT };
	struct sp_conn *c;
	int one = 1;

	if (!l->bound.ipc)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (sp_conn_greet(fd) != 0 || (c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return -1;
	}
	c->kind = SP_KIND_CONN;
	c->fd = fd;
	c->ipc = l->bound.ipc;
	if (c->ipc) {
		struct ucred cred;
		socklen_t cl = sizeof(cred);
		/* The kernel's word for who connected (SO_PEERCRED). */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) != 0) {
			close(fd);
			free(c);
			return -1;
		}
		c->peer_uid = cred.uid;
	}
	atomic_store(&c->deadline_why, SP_DEADLINE_HANDSHAKE);
	atomic_store(&c->deadline_ms, sp_monotonic_ms() +
	    SP_HANDSHAKE_TIMEOUT_MS);
	pthread_mutex_lock(&s->lock);
	c->next = s->conns;
	if (s->conns != NULL)
		s->conns->prev = c;
	s->conns = c;
	pthread_mutex_unlock(&s->lock);
	ev.data.ptr = c;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		conn_close(s, c);
		return -1;
	}
	return 0;
}

static void
serve_listen(struct sp_server *s, struct sp_listen *l)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT,
	    .data.ptr = l };
	int fd;

	for (;;) {
		fd = accept4(l->bound.fd, NULL, NULL, SOCK_NONBLOCK |
		    SOCK_CLOEXEC);
		if (fd >= 0) {
			accept_one(s, l, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			/* Out of fds: wait a sweep before accepting again,
			 * rather than spin on a socket that stays ready. */
			log_warn("cannot accept a connection");
			atomic_store(&l->paused, 1);
			return;
		}
		break;		/* EAGAIN: none left */
	}
	epoll_ctl(s->epfd, EPOLL_CTL_MOD, l->bound.fd, &ev);
}

static void *
worker_main(void *arg)
{
	struct sp_worker *w = arg;
	struct sp_server *s = w->srv;
	struct epoll_event ev;
	int n, gave_slot;

	for (;;) {
		while (sem_wait(&s->slots) != 0)
			;	/* EINTR */
		gave_slot = 0;
		while (!gave_slot) {
			if (atomic_load(&s->stopping))
				return NULL;
			n = epoll_wait(s->epfd, &ev, 1, -1);
			if (n <= 0)
				continue;	/* EINTR */
			switch (*(enum sp_kind *)ev.data.ptr) {
			case SP_KIND_CONN:
				gave_slot = serve_conn(w, ev.data.ptr);
				break;
			case SP_KIND_LISTEN:
				serve_listen(s, ev.data.ptr);
				break;
			case SP_KIND_STOP:
				return NULL;
			}
		}
	}
}

/*
 * sweep closes connections past their deadline: a handshake not done in
 * 10 s, a reply not taken in 2 s. shutdown() wakes the thread that owns
 * the connection (or the next event does), which closes it: the sweeper
 * never frees one.
 */
static void
sweep(struct sp_server *s)
{
	int64_t now = sp_monotonic_ms(), at;

	pthread_mutex_lock(&s->lock);
	for (struct sp_conn *c = s->conns; c != NULL; c = c->next) {
		if ((at = atomic_load(&c->deadline_ms)) == 0 || now < at)
			continue;
		if (atomic_load(&c->deadline_why) == SP_DEADLINE_SEND)
			log_warnx("closing a connection whose client has not "
			    "read a reply for %d ms", SP_SEND_TIMEOUT_MS);
		else
			log_debug("closing a connection that sent no SP "
			    "header in %d ms", SP_HANDSHAKE_TIMEOUT_MS);
		atomic_store(&c->deadline_ms, 0);
		shutdown(c->fd, SHUT_RDWR);
	}
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; i < s->n_listens; i++) {
		struct sp_listen *l = &s->listens[i];
		struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT,
		    .data.ptr = l };
		if (atomic_exchange(&l->paused, 0))
			epoll_ctl(s->epfd, EPOLL_CTL_MOD, l->bound.fd, &ev);
	}
}

static void *
sweeper_main(void *arg)
{
	struct sp_server *s = arg;
	struct timespec until;

	pthread_mutex_lock(&s->lock);
	while (!atomic_load(&s->stopping)) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += SWEEP_EVERY_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->wake, &s->lock, &until);
		if (atomic_load(&s->stopping))
			break;
		pthread_mutex_unlock(&s->lock);
		sweep(s);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* slot_count: twice the CPUs this process may run on, at most the pool. */
static unsigned
slot_count(unsigned contexts)
{
	cpu_set_t set;
	unsigned n = 1;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		n = (unsigned)CPU_COUNT(&set);
	n *= 2;
	return n < contexts ? n : contexts;
}

int
sp_server_open(struct vetd *vd, const struct config *c,
    struct sp_server **out, char *err, size_t errsz)
{
	struct sp_server *s;
	struct epoll_event ev = { .events = EPOLLIN };
	pthread_condattr_t ca;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	s->vd = vd;
	s->max_frame = c->max_frame;
	s->stop_tag = SP_KIND_STOP;
	s->stopfd = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &ca);
	pthread_condattr_destroy(&ca);
	*out = s;
	if ((s->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (s->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		snprintf(err, errsz, "epoll: %s", strerror(errno));
		return -1;
	}
	ev.data.ptr = &s->stop_tag;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->stopfd, &ev) != 0 ||
	    (s->workers = calloc(c->contexts, sizeof(*s->workers))) == NULL) {
		snprintf(err, errsz, "cannot set up the listener: %s",
		    strerror(errno));
		return -1;
	}
	if (sem_init(&s->slots, 0, slot_count(c->contexts)) != 0) {
		snprintf(err, errsz, "cannot set up the listener: %s",
		    strerror(errno));
		return -1;
	}
	s->slots_made = 1;
	for (size_t i = 0; i < c->contexts; i++) {
		struct sp_worker *w = &s->workers[i];
		if (rpc_call_init(&w->call, vd) != 0) {
			snprintf(err, errsz, "cannot set up thread %zu", i);
			return -1;
		}
		sem_init(&w->done, 0, 0);
		w->srv = s;
		w->call.owner = w;
		w->call.done = worker_done;
		s->n_workers = i + 1;
	}
	return 0;
}

int
sp_server_listen(struct sp_server *s, const char *url, char *err,
    size_t errsz)
{
	struct sp_listen *l = &s->listens[s->n_listens];
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT,
	    .data.ptr = l };
	char why[256];

	if (s->n_listens == CONFIG_MAX_LISTEN) {
		snprintf(err, errsz, "too many listen URLs");
		return -1;
	}
	l->kind = SP_KIND_LISTEN;
	if (sp_bind(url, &l->bound, why, sizeof(why)) < 0) {
		snprintf(err, errsz, "cannot listen on %s: %s", url, why);
		return -1;
	}
	s->n_listens++;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, l->bound.fd, &ev) != 0) {
		snprintf(err, errsz, "cannot listen on %s: %s", url,
		    strerror(errno));
		return -1;
	}
	if (l->bound.ipc)
		log_info("listening on %s", url);
	else
		log_info("listening on %s (port %d)", url, l->bound.port);
	return 0;
}

int
sp_server_start(struct sp_server *s, char *err, size_t errsz)
{
	for (size_t i = 0; i < s->n_workers; i++) {
		if (pthread_create(&s->workers[i].thread, NULL, worker_main,
		    &s->workers[i]) != 0) {
			snprintf(err, errsz, "cannot start listener threads");
			return -1;
		}
		s->workers[i].started = 1;
	}
	if (pthread_create(&s->sweeper, NULL, sweeper_main, s) != 0) {
		snprintf(err, errsz, "cannot start the listener's sweeper");
		return -1;
	}
	s->sweeper_started = 1;
	return 0;
}

void
sp_server_stop(struct sp_server **sp)
{
	struct sp_server *s = *sp;
	uint64_t one = 1;

	if (s == NULL)
		return;
	atomic_store(&s->stopping, 1);
	if (s->stopfd >= 0 && write(s->stopfd, &one, sizeof(one)) < 0)
		log_warn("cannot wake the listener threads");
	/* Threads waiting for a slot get one and see stopping. */
	for (size_t i = 0; s->slots_made && i < s->n_workers; i++)
		sem_post(&s->slots);
	for (size_t i = 0; i < s->n_workers; i++)
		if (s->workers[i].started)
			pthread_join(s->workers[i].thread, NULL);
	if (s->sweeper_started) {
		pthread_mutex_lock(&s->lock);
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->sweeper, NULL);
	}
	for (size_t i = 0; i < s->n_listens; i++) {
		close(s->listens[i].bound.fd);
		if (s->listens[i].bound.ipc)
			unlink(s->listens[i].bound.path);
	}
	while (s->conns != NULL)
		conn_close(s, s->conns);
	for (size_t i = 0; i < s->n_workers; i++) {
		rpc_call_fini(&s->workers[i].call);
		sem_destroy(&s->workers[i].done);
	}
	free(s->workers);
	if (s->slots_made)
		sem_destroy(&s->slots);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->stopfd >= 0)
		close(s->stopfd);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->wake);
	free(s);
	*sp = NULL;
}
