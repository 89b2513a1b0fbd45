/*
 * audit_queue.c: the audit entries the writer thread makes on its own, in
 * transactions of their own that do not advance the revision: decisions
 * of checks (decision_log = deny or all) and coalesced rejected attempts.
 *
 * Checks run on many threads and must not wait for the disk, so a
 * decision is copied into a fixed ring (no allocation per check) and the
 * writer commits the ring in batches: up to BATCH_MAX per transaction, as
 * soon as a full batch waits or the oldest has waited BATCH_WAIT_MS. When
 * the ring is full a check waits up to FULL_WAIT_MS for room, then its
 * entry is dropped and counted, and the next batch records how many in an
 * "AuditDropped" entry, so the log says where it has a gap. Trusts its
 * callers (validated requests; writer-only functions on the writer).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "auth.h"
#include "config.h"
#include "log.h"
#include "policy.h"
#include "rpc.h"
#include "status.h"
#include "store.h"
#include "vettime.h"
#include "writer.h"

#define QUEUE_SIZE	4096	/* decisions waiting for the writer */
#define BATCH_MAX	1000	/* decisions per transaction */
#define BATCH_WAIT_MS	200	/* the longest a decision waits, idle */
#define FULL_WAIT_MS	1000	/* a check waits this long for room */
#define FLUSH_ROUNDS	4	/* batches per flush, so writes still run */
#define CAVEATS_TEXT	256

struct audit_decision {
	vtime	time;
	uint64_t revision;
	int	valid;			/* the request validated */
	enum decision_effect effect;
	enum reason reason;
	char	principal[AUDIT_PRINCIPAL_MAX + 1];
	char	request_id[AUDIT_REQUEST_ID_MAX + 1];
	char	person_id[ID_MAX + 1];
	char	marking[CAVEAT_MAX + 1];
	char	caveats[CAVEATS_TEXT];
	vtime	at;			/* a check at a time (history); 0 now */
};

struct audit_log {
	pthread_mutex_t	lock;
	pthread_cond_t	not_full;	/* CLOCK_MONOTONIC */
	size_t		head;		/* ring[head] is the oldest */
	size_t		count;
	int64_t		oldest_ms;	/* when the oldest was queued */
	uint64_t	dropped;	/* since the last batch */
	int64_t		retry_ms;	/* after a failed commit, not before */
	struct audit_decision ring[QUEUE_SIZE];
	/* The writer's own: the batch being committed, an entry. */
	struct audit_decision batch[BATCH_MAX];
	struct audit_entry entry;
};

static int64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
audit_log_open(struct audit_log **out)
{
	struct audit_log *l;
	pthread_condattr_t ca;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return -1;
	pthread_mutex_init(&l->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->not_full, &ca);
	pthread_condattr_destroy(&ca);
	*out = l;
	return 0;
}

void
audit_log_close(struct audit_log **lp)
{
	struct audit_log *l = *lp;

	if (l == NULL)
		return;
	pthread_cond_destroy(&l->not_full);
	pthread_mutex_destroy(&l->lock);
	free(l);
	*lp = NULL;
}

void
audit_decision_note(struct rpc_call *call, const struct check_request *req,
    const struct decision *d)
{
	struct audit_log *l = call->vd->audit;
	int mode = call->vd->config->decision_log;
	struct audit_decision r;
	struct timespec until;
	int wake, first_drop = 0;

	if (l == NULL || mode == DECISION_LOG_OFF ||
	    (mode == DECISION_LOG_DENY && d->effect != DECISION_DENY))
		return;
	memset(&r, 0, sizeof(r));
	r.time = call->now;
	r.revision = call->revision;
	r.effect = d->effect;
	r.reason = d->reason;
	snprintf(r.principal, sizeof(r.principal), "%s", call->principal);
	snprintf(r.request_id, sizeof(r.request_id), "%s", call->request_id);
	if (req != NULL && d->reason != REASON_INVALID_REQUEST) {
		r.valid = 1;
		snprintf(r.person_id, sizeof(r.person_id), "%s",
		    req->person_id);
		snprintf(r.marking, sizeof(r.marking), "%s", req->marking);
		r.at = req->at;
		for (size_t i = 0; i < req->n_caveats; i++)
			audit_text_add(r.caveats, sizeof(r.caveats), ", ",
			    "%s", req->caveats[i]);
	}

	pthread_mutex_lock(&l->lock);
	if (l->count == QUEUE_SIZE) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += FULL_WAIT_MS / 1000;
		while (l->count == QUEUE_SIZE &&
		    pthread_cond_timedwait(&l->not_full, &l->lock,
		    &until) != ETIMEDOUT)
			;
		if (l->count == QUEUE_SIZE) {
			first_drop = l->dropped++ == 0;
			pthread_mutex_unlock(&l->lock);
			if (first_drop)
				log_warnx("decision log: the queue of %d has "
				    "been full for %d ms; dropping decision "
				    "entries (an AuditDropped entry will count "
				    "them)", QUEUE_SIZE, FULL_WAIT_MS);
			return;
		}
	}
	l->ring[(l->head + l->count) % QUEUE_SIZE] = r;
	if (l->count++ == 0)
		l->oldest_ms = monotonic_ms();
	wake = l->count == BATCH_MAX;
	pthread_mutex_unlock(&l->lock);
	if (wake)
		writer_wake(call->vd->writer);
}

int64_t
audit_due_ms(struct audit_log *l)
{
	int64_t due = INT64_MAX;

	if (l == NULL)
		return due;
	pthread_mutex_lock(&l->lock);
	if (l->count >= BATCH_MAX || (l->count == 0 && l->dropped > 0))
		due = 0;
	else if (l->count > 0)
		due = l->oldest_ms + BATCH_WAIT_MS;
	if (due < l->retry_ms)
		due = l->retry_ms;
	pthread_mutex_unlock(&l->lock);
	return due;
}

/* decision_entry makes the audit entry for one queued decision. */
static void
decision_entry(const struct audit_decision *r, struct audit_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->time = r->time;
	e->revision = r->revision;
	snprintf(e->method, sizeof(e->method), "Check");
	snprintf(e->principal, sizeof(e->principal), "%s", r->principal);
	snprintf(e->request_id, sizeof(e->request_id), "%s", r->request_id);
	snprintf(e->person_id, sizeof(e->person_id), "%s", r->person_id);
	if (!r->valid)
		snprintf(e->change, sizeof(e->change), "invalid request: "
		    "DENY INVALID_REQUEST");
	else {
		/* A point-in-time check says which time it answered for. */
		char at[48] = "";
		if (r->at != 0) {
			char t[32];
			vettime_format(r->at, t, sizeof(t));
			snprintf(at, sizeof(at), " as at %s", t);
		}
		snprintf(e->change, sizeof(e->change), "%s%s%s%s: %s %s",
		    r->marking, r->caveats[0] ? " with " : "", r->caveats, at,
		    r->effect == DECISION_ALLOW ? "ALLOW" : "DENY",
		    reason_name(r->reason));
	}
}

struct batch {
	struct audit_log *log;
	size_t	n;
	uint64_t dropped;
	vtime	now;
};

static int
batch_txn(struct store_txn *t, void *arg)
{
	struct batch *b = arg;
	struct audit_entry *e = &b->log->entry;
	int rv;

	for (size_t i = 0; i < b->n; i++) {
		decision_entry(&b->log->batch[i], e);
		if ((rv = audit_append_entry(t, e)) != STATUS_OK)
			return rv;
	}
	if (b->dropped > 0) {
		memset(e, 0, sizeof(*e));
		e->time = b->now;
		snprintf(e->method, sizeof(e->method), "AuditDropped");
		snprintf(e->change, sizeof(e->change), "%llu decision entries "
		    "were not recorded: the decision log queue was full or "
		    "the store failed", (unsigned long long)b->dropped);
		if ((rv = audit_append_entry(t, e)) != STATUS_OK)
			return rv;
	}
	store_txn_keep_revision(t);
	return STATUS_OK;
}

void
audit_flush_decisions(struct vetd *vd, int force)
{
	struct audit_log *l = vd->audit;
	struct batch b = { .log = l };
	int rv;

	if (l == NULL)
		return;
	for (int round = 0;; round++) {
		pthread_mutex_lock(&l->lock);
		int64_t now = monotonic_ms();
		int due = l->count >= BATCH_MAX || l->dropped > 0 ||
		    (l->count > 0 && (force ||
		    now >= l->oldest_ms + BATCH_WAIT_MS));
		if (!force && now < l->retry_ms)
			due = 0;
		if (!due || (!force && round == FLUSH_ROUNDS)) {
			pthread_mutex_unlock(&l->lock);
			return;
		}
		b.n = l->count < BATCH_MAX ? l->count : BATCH_MAX;
		for (size_t i = 0; i < b.n; i++)
			l->batch[i] = l->ring[(l->head + i) % QUEUE_SIZE];
		l->head = (l->head + b.n) % QUEUE_SIZE;
		l->count -= b.n;
		b.dropped = l->dropped;
		l->dropped = 0;
		pthread_cond_broadcast(&l->not_full);
		pthread_mutex_unlock(&l->lock);

		b.now = (vtime)time(NULL);
		if ((rv = store_write(vd->store, batch_txn, &b, NULL)) !=
		    STATUS_OK) {
			log_warnx("decision log: cannot commit %zu entries: "
			    "%s; they are counted as dropped", b.n,
			    status_name(rv));
			pthread_mutex_lock(&l->lock);
			l->dropped += b.n + b.dropped;
			l->retry_ms = monotonic_ms() + FULL_WAIT_MS;
			pthread_mutex_unlock(&l->lock);
			return;		/* the next flush tries again */
		}
		if (b.dropped > 0)
			log_warnx("decision log: %llu entries were dropped; "
			    "recorded in the audit log",
			    (unsigned long long)b.dropped);
	}
}

/*
 * Rejected attempts.
 */

struct failures {
	struct auth_failure f[AUTH_FAILURE_SLOTS];
	size_t	n;
	vtime	now;
	struct audit_entry e;
};

static int
failures_txn(struct store_txn *t, void *arg)
{
	struct failures *fs = arg;
	struct audit_entry *e = &fs->e;
	char t1[32], t2[32];
	int rv;

	for (size_t i = 0; i < fs->n; i++) {
		const struct auth_failure *f = &fs->f[i];

		memset(e, 0, sizeof(*e));
		e->time = fs->now;
		snprintf(e->method, sizeof(e->method), "AuthFailure");
		snprintf(e->principal, sizeof(e->principal), "%s",
		    f->principal);
		vettime_format(f->first_at, t1, sizeof(t1));
		vettime_format(f->last_at, t2, sizeof(t2));
		if (f->count == 1)
			snprintf(e->change, sizeof(e->change), "1 attempt %s "
			    "on %s at %s", status_name(f->code), f->method,
			    t1);
		else
			snprintf(e->change, sizeof(e->change), "%llu attempts "
			    "%s on %s between %s and %s",
			    (unsigned long long)f->count,
			    status_name(f->code), f->method, t1, t2);
		if ((rv = audit_append_entry(t, e)) != STATUS_OK)
			return rv;
	}
	store_txn_keep_revision(t);
	return STATUS_OK;
}

void
audit_record_auth_failures(struct vetd *vd)
{
	struct failures fs;
	int rv;

	if (vd->auth == NULL)
		return;
	if ((fs.n = auth_failures_drain(vd->auth, fs.f,
	    AUTH_FAILURE_SLOTS)) == 0)
		return;
	fs.now = (vtime)time(NULL);
	if ((rv = store_write(vd->store, failures_txn, &fs, NULL)) !=
	    STATUS_OK)
		log_warnx("audit: cannot record %zu kinds of rejected "
		    "attempts: %s", fs.n, status_name(rv));
}
