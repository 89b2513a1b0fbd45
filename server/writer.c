/*
 * writer.c: the writer thread and its queue (see writer.h). The queue is
 * bounded by the number of contexts (requests served at once), each with
 * at most one request in flight. Writes are taken from the queue all at once and
 * run as one group commit (rpc_execute_writes, store_write_batch): one
 * fsync for every write waiting, replies sent after it, but at most one
 * full ImportPeople per commit (call_people). Between writes, and at
 * least once a second, the writer also commits the audit entries nobody's
 * write carries: queued decisions (audit_queue.c) and coalesced rejected
 * attempts (auth.c), and writes back the states whose scheduled events
 * have come due (scheduled.c). Once the queue drains after writes, it
 * returns freed memory to the system (trim_when_idle).
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "methods.h"
#include "rpc.h"
#include "scheduled.h"
#include "vetting.pb-c.h"
#include "writer.h"

#define DRAIN_EVERY_MS	1000	/* rejected attempts reach the log */
#define TRIM_EVERY_MS	1000	/* malloc_trim after writes, when idle */
#define PEOPLE_PER_COMMIT 1000	/* imported people per group commit */

struct writer {
	struct vetd	*vd;
	pthread_t	thread;
	pthread_mutex_t	lock;
	pthread_cond_t	wake;		/* CLOCK_MONOTONIC */
	struct rpc_call	*head;
	struct rpc_call	*tail;
	int		poked;		/* writer_wake: audit work waits */
	int		stopping;
	int64_t		next_trim_ms;	/* trim_when_idle */
	int		trim_pending;	/* writes since the last trim */
};

/*
 * call_people: the people a queued write imports (ImportPeople's records;
 * 0 for any other write). A group commit takes at most PEOPLE_PER_COMMIT
 * of them, one full import (and always one call): LMDB keeps the largest
 * transaction's dirty pages malloc'd for the life of the process (its
 * me_dpages list), and an import's entries scatter over the report
 * indexes, about two pages per person on a large store. Bounded so,
 * vetd's memory after a bulk load does not grow with the number of
 * imports in flight (docs/BENCHMARKS.md).
 */
static size_t
call_people(const struct rpc_call *c)
{
	const Vet__V1__ImportPeopleRequest *in;

	if (c->method == NULL || c->input == NULL ||
	    strcmp(c->method->name, "ImportPeople") != 0)
		return 0;
	in = (const Vet__V1__ImportPeopleRequest *)c->input;
	return in->n_people > 0 ? in->n_people : 1;
}

static int64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* wait_until waits on w->wake (lock held) until the monotonic ms at. */
static void
wait_until(struct writer *w, int64_t at)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(at / 1000);
	ts.tv_nsec = (long)(at % 1000) * 1000000;
	pthread_cond_timedwait(&w->wake, &w->lock, &ts);
}

/*
 * trim_when_idle returns the memory of large write transactions to the
 * system once the queue has drained: LMDB's dirty pages of a bulk
 * import are malloc'd, and glibc would otherwise keep them (tens of MB
 * after 100,000 people). At most once a second.
 */
static void
trim_when_idle(struct writer *w, int64_t now)
{
	int idle;

	pthread_mutex_lock(&w->lock);
	idle = w->head == NULL;
	pthread_mutex_unlock(&w->lock);
	if (!idle || now < w->next_trim_ms)
		return;
	malloc_trim(0);
	w->trim_pending = 0;
	w->next_trim_ms = now + TRIM_EVERY_MS;
}

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	struct vetd *vd = w->vd;
	int64_t next_drain = monotonic_ms() + DRAIN_EVERY_MS, due, now;

	for (;;) {
		pthread_mutex_lock(&w->lock);
		while (w->head == NULL && !w->stopping && !w->poked) {
			due = audit_due_ms(vd->audit);
			if (due > next_drain)
				due = next_drain;
			if (monotonic_ms() >= due)
				break;
			wait_until(w, due);
		}
		/* Group commit: take every queued write (up to a batch). */
		struct rpc_call *call = w->head, *batch[RPC_WRITE_BATCH_MAX];
		size_t n = 0, people = 0;
		int stop = call == NULL && w->stopping;
		while (w->head != NULL && n < RPC_WRITE_BATCH_MAX) {
			people += call_people(w->head);
			if (n > 0 && people > PEOPLE_PER_COMMIT)
				break;	/* the rest: the next commit */
			batch[n++] = w->head;
			w->head = w->head->next;
		}
		if (w->head == NULL)
			w->tail = NULL;
		w->poked = 0;
		pthread_mutex_unlock(&w->lock);

		if (n > 0) {
			for (size_t i = 0; i < n; i++)
				batch[i]->next = NULL;
			rpc_execute_writes(batch, n);
			/* Replies only now: the one commit is durable. */
			for (size_t i = 0; i < n; i++)
				batch[i]->done(batch[i]);
		}
		now = monotonic_ms();
		if (call != NULL || now >= next_drain || stop) {
			audit_record_auth_failures(vd);
			next_drain = now + DRAIN_EVERY_MS;
		}
		audit_flush_decisions(vd, stop);
		scheduled_run(vd);	/* leavers, suspensions come due */
		if (n > 0)
			w->trim_pending = 1;
		if (w->trim_pending)
			trim_when_idle(w, now);
		if (stop)
			return NULL;
	}
}

int
writer_start(struct vetd *vd, struct writer **out)
{
	struct writer *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;

	if (w == NULL)
		return -1;
	w->vd = vd;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->wake);
		free(w);
		return -1;
	}
	*out = w;
	return 0;
}

void
writer_submit(struct writer *w, struct rpc_call *call)
{
	call->next = NULL;
	pthread_mutex_lock(&w->lock);
	if (w->tail != NULL)
		w->tail->next = call;
	else
		w->head = call;
	w->tail = call;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

void
writer_wake(struct writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->poked = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

void
writer_stop(struct writer **wp)
{
	struct writer *w = *wp;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w);
	*wp = NULL;
}
