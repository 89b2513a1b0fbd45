/*
 * push.c: carrying a plan out against vetd, through libvet only.
 *
 * Puts go to vetd in batches of up to SYNC_BATCH people per SyncPeople
 * call (one transaction each, all or nothing), so a first sync of a large
 * directory pays one round trip per batch instead of one per person; a
 * lone put (a persist-phase change) stays one PutPerson. Leavers are one
 * RecordLeaver each, as before. Ops for one person id always keep their
 * order: the plan is cut into stages in which no id appears twice, and a
 * stage ends before the next one starts; within a stage the batches run
 * on a few workers and the leavers on [vetd] concurrency workers, so
 * vetd's writer commits several calls per fsync.
 *
 * vetd being unreachable is retried with backoff (vetd.c), forever when
 * following and for [vetd] retry_limit seconds with --once; a batch is
 * retried whole, which is harmless (a person already put is unchanged).
 * A batch vetd refuses outright (one bad or hand-entered person, which
 * fails the whole call) is put again one person at a time, so only that
 * person is skipped and logged, exactly as without batches. A retried
 * RecordLeaver that finds the person already a leaver
 * (FAILED_PRECONDITION) is done, so a lost reply never records twice.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vetsync.h"

#define APPLY_PARALLEL	64	/* this many single calls use the workers */
#define BATCH_FLIGHT	4	/* SyncPeople calls in flight at once */

/* op_run does one op against vetd, retrying transient failures. */
static enum sync_result
op_run(struct engine *en, struct op *op)
{
	vet_person_spec spec = { 0 };
	struct retry r;
	vet_status st;
	int rv;

	retry_init(en, &r);
	for (;;) {
		if (*en->stop)
			return SYNC_STOPPED;
		if ((rv = engine_client(en, &st)) == VET_OK) {
			if (op->kind == OP_LEAVER)
				rv = vet_leaver(en->vc, op->e.id, op->reason,
				    NULL, &st);
			else {
				spec.id = op->e.id;
				spec.display_name = op->e.name;
				spec.email = op->e.mail;
				spec.org_unit = op->e.org_unit;
				spec.nationality = op->e.nationality;
				spec.source = VET_SOURCE_DIRECTORY;
				rv = vet_person_put(en->vc, &spec, NULL, &st);
			}
		}
		if (!vetd_transient(rv))
			break;
		enum sync_result w = retry_wait(en, &r, op->e.id, &st);
		if (w != SYNC_DONE)
			return w;
	}
	op->result = rv;
	if (rv == VET_OK)
		return SYNC_DONE;
	if (op->kind == OP_LEAVER && (rv == VET_FAILED_PRECONDITION ||
	    rv == VET_NOT_FOUND)) {
		log_debug("%s: already a leaver or gone in vetd (%s)",
		    op->e.id, vet_status_name(rv));
		return SYNC_DONE;
	}
	log_warnx("%s: vetd refused the %s: %s %s (skipped)", op->e.id,
	    op->kind == OP_LEAVER ? "leaver" : "person",
	    vet_status_name(rv), st.message);
	return SYNC_DONE;
}

/* batch_run puts n (2 to SYNC_BATCH) people in one SyncPeople call. */
static enum sync_result
batch_run(struct engine *en, struct op **ops, size_t n)
{
	vet_person_spec spec[SYNC_BATCH];
	vet_sync_result res;
	enum sync_result r = SYNC_DONE;
	struct retry rt;
	vet_status st;
	char what[64];
	int rv;

	memset(spec, 0, n * sizeof(spec[0]));
	for (size_t i = 0; i < n; i++) {
		spec[i].id = ops[i]->e.id;
		spec[i].display_name = ops[i]->e.name;
		spec[i].email = ops[i]->e.mail;
		spec[i].org_unit = ops[i]->e.org_unit;
		spec[i].nationality = ops[i]->e.nationality;
		spec[i].source = VET_SOURCE_DIRECTORY;
	}
	snprintf(what, sizeof(what), "a batch of %zu people from %s", n,
	    ops[0]->e.id);
	retry_init(en, &rt);
	for (;;) {
		if (*en->stop)
			return SYNC_STOPPED;
		if ((rv = engine_client(en, &st)) == VET_OK)
			rv = vet_sync_people(en->vc, spec, n, &res, &st);
		if (!vetd_transient(rv))
			break;
		if ((r = retry_wait(en, &rt, what, &st)) != SYNC_DONE)
			return r;
	}
	if (rv == VET_OK) {
		__atomic_add_fetch(&en->batch_calls, 1, __ATOMIC_RELAXED);
		log_debug("%s: created %u updated %u unchanged %u", what,
		    res.created, res.updated, res.unchanged);
		for (size_t i = 0; i < n; i++)
			ops[i]->result = VET_OK;
		return SYNC_DONE;
	}
	/* One person spoilt the call (or an older vetd does not know
	 * SyncPeople: UNIMPLEMENTED): put them one at a time. */
	log_warnx("%s: vetd refused it: %s %s; putting them one at a time",
	    what, vet_status_name(rv), st.message);
	for (size_t i = 0; i < n && r == SYNC_DONE; i++)
		r = op_run(en, ops[i]);
	return r;
}

/*
 * One stage: ops with distinct ids, split by kind, run in two rounds
 * (the puts, then the leavers: no id is in both). A round hands out its
 * units (a batch, or one call) to its workers through next.
 */
struct stage {
	struct engine *en;
	struct op **puts, **leavers;
	size_t	 n_puts, n_leavers;
	int	 leaver_round;
	size_t	 units;
	size_t	 next;			/* the next unit (atomic) */
	int	 failed;		/* a worker stopped: take no more */
	enum sync_result result;
};

/* stage_unit does unit u of the current round. */
static enum sync_result
stage_unit(struct stage *s, size_t u)
{
	size_t from = u * SYNC_BATCH, n = s->n_puts - from;

	if (s->leaver_round)
		return op_run(s->en, s->leavers[u]);
	if (n > SYNC_BATCH)
		n = SYNC_BATCH;
	return n == 1 ? op_run(s->en, s->puts[from]) :
	    batch_run(s->en, s->puts + from, n);
}

static void *
stage_worker(void *arg)
{
	struct stage *s = arg;
	enum sync_result r;
	size_t u;

	while (!__atomic_load_n(&s->failed, __ATOMIC_ACQUIRE)) {
		u = __atomic_fetch_add(&s->next, 1, __ATOMIC_RELAXED);
		if (u >= s->units)
			break;
		if ((r = stage_unit(s, u)) != SYNC_DONE) {
			/* The first failure is the stage's result. */
			int expected = 0;
			if (__atomic_compare_exchange_n(&s->failed, &expected,
			    1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
				s->result = r;
			break;
		}
	}
	return NULL;
}

/* stage_round runs units units on up to n threads (this one included). */
static enum sync_result
stage_round(struct stage *s, size_t units, size_t n)
{
	pthread_t *t = NULL;
	int *started = NULL;

	s->units = units;
	s->next = 0;
	if (n > units)
		n = units;
	if (n > 1 && ((t = calloc(n, sizeof(*t))) == NULL ||
	    (started = calloc(n, sizeof(*started))) == NULL))
		n = 1;		/* no memory for threads: do it here */
	for (size_t i = 1; i < n; i++)
		started[i] = pthread_create(&t[i], NULL, stage_worker, s) == 0;
	stage_worker(s);
	for (size_t i = 1; i < n; i++)
		if (started[i])
			pthread_join(t[i], NULL);
	free(t);
	free(started);
	return s->result;
}

static enum sync_result
stage_run(struct stage *s)
{
	size_t batches = (s->n_puts + SYNC_BATCH - 1) / SYNC_BATCH;

	s->result = SYNC_DONE;
	if (batches > 0 && stage_round(s, batches, BATCH_FLIGHT) != SYNC_DONE)
		return s->result;
	s->leaver_round = 1;
	if (s->n_leavers > 0)
		stage_round(s, s->n_leavers, s->n_leavers >= APPLY_PARALLEL ?
		    s->en->cfg->vetd_concurrency : 1);
	return s->result;
}

enum sync_result
push_plan(struct engine *en, struct plan *p)
{
	struct op **puts = NULL, **leavers = NULL;
	struct table *ids = NULL;
	enum sync_result r = SYNC_DONE;
	uint64_t calls = en->batch_calls;
	size_t i = 0, put_total = 0;
	vet_status st;

	if ((puts = calloc(p->n, sizeof(*puts))) == NULL ||
	    (leavers = calloc(p->n, sizeof(*leavers))) == NULL ||
	    (ids = table_new()) == NULL) {
		r = SYNC_FATAL;
		goto done;
	}
	/* Open the client once here, not racing in the workers. */
	if (engine_client(en, &st) != VET_OK)
		log_debug("vetd not reachable yet: %s", st.message);
	while (i < p->n && r == SYNC_DONE) {
		struct stage s = { .en = en, .puts = puts,
		    .leavers = leavers };
		/* Take ops until an id comes round again. */
		for (; i < p->n; i++) {
			struct op *op = &p->ops[i];
			if (table_get(ids, op->e.id) != NULL)
				break;
			if (table_put(ids, op->e.id, (void *)1, NULL) != 0) {
				r = SYNC_FATAL;
				goto done;
			}
			if (op->kind == OP_LEAVER)
				leavers[s.n_leavers++] = op;
			else
				puts[s.n_puts++] = op;
		}
		put_total += s.n_puts;
		r = stage_run(&s);
		table_free(ids, NULL);
		if ((ids = table_new()) == NULL && r == SYNC_DONE)
			r = SYNC_FATAL;
	}
	if (en->batch_calls > calls)
		log_info("sent %zu people to vetd in %llu SyncPeople call%s",
		    put_total, (unsigned long long)(en->batch_calls - calls),
		    en->batch_calls - calls == 1 ? "" : "s");
done:
	table_free(ids, NULL);
	free(puts);
	free(leavers);
	return r;
}
