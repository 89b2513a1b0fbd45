/*
 * apply.c: vetsync's only way to change anything, through libvet: what
 * vetd holds (a snapshot of every person, by id), the plan for a refresh
 * (puts and leavers), the mass-leaver guard, and carrying the plan out.
 *
 * Only directory-sourced people are ever changed or made leavers: a
 * person entered by hand in vetd under an id the directory also has is
 * reported and left alone. A leaver is final here: an account enabled
 * again in the directory is reported, never reinstated (HR decides). vetd being unreachable is retried with
 * backoff, forever when following and for [vetd] retry_limit seconds with
 * --once; a retried RecordLeaver that finds the person already a leaver
 * (FAILED_PRECONDITION) is done, so a lost reply never records twice.
 * Ops for one person id always run in order, on one worker; different
 * ids run on [vetd] concurrency workers at once, so a large refresh keeps
 * that many calls in flight and vetd's writer commits them in groups
 * (one fsync for all the writes waiting) instead of one round trip and
 * one fsync at a time. The client, retries and the snapshot of
 * vetd are in vetd.c.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vetsync.h"

#define APPLY_PARALLEL	64	/* plans this long use the workers */

void
plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
}

void
plan_clear(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		sync_entry_clear(&p->ops[i].e);
	free(p->ops);
	table_free(p->gone, NULL);
	memset(p, 0, sizeof(*p));
}

/* plan_add moves e's strings into a new op. */
static int
plan_add(struct plan *p, enum op_kind kind, struct sync_entry *e,
    const char *reason)
{
	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 256;
		struct op *ops = realloc(p->ops, ncap * sizeof(*ops));
		if (ops == NULL)
			return -1;
		p->ops = ops;
		p->cap = ncap;
	}
	if (kind == OP_LEAVER) {
		if (p->gone == NULL && (p->gone = table_new()) == NULL)
			return -1;
		if (table_put(p->gone, e->id, (void *)reason, NULL) != 0)
			return -1;
	}
	p->ops[p->n].kind = kind;
	p->ops[p->n].e = *e;
	p->ops[p->n].reason = reason;
	p->ops[p->n].result = VET_OK;
	p->n++;
	memset(e, 0, sizeof(*e));
	return 0;
}

static int
plan_leaver(struct plan *p, const char *id, const char *reason)
{
	struct sync_entry e = { 0 };

	if (p->gone != NULL && table_get(p->gone, id) != NULL)
		return 0;
	if ((e.id = strdup(id)) == NULL)
		return -1;
	if (plan_add(p, OP_LEAVER, &e, reason) != 0) {
		sync_entry_clear(&e);
		return -1;
	}
	p->c.leavers++;
	return 0;
}

static int
same(const struct known *k, const struct sync_entry *e)
{
	return k->source == VET_SOURCE_DIRECTORY &&
	    strcmp(k->name, e->name) == 0 && strcmp(k->mail, e->mail) == 0 &&
	    strcmp(k->org_unit, e->org_unit) == 0 &&
	    strcmp(k->nationality, e->nationality) == 0;
}

int
engine_entry(struct engine *en, struct plan *p, struct sync_entry *e)
{
	struct known *k = table_get(en->known, e->id);

	p->c.entries++;
	if (e->disabled) {
		if (k != NULL && k->status != VET_PERSON_LEAVER &&
		    k->source == VET_SOURCE_DIRECTORY)
			return plan_leaver(p, e->id, REASON_DISABLED);
		if (k != NULL && k->status == VET_PERSON_LEAVER &&
		    k->source == VET_SOURCE_DIRECTORY)
			p->c.unchanged++;
		else {
			log_debug("%s: disabled in the directory and not an "
			    "active directory person in vetd: skipped", e->id);
			p->c.skipped++;
		}
		return 0;
	}
	if (k != NULL && k->status == VET_PERSON_LEAVER &&
	    k->source == VET_SOURCE_DIRECTORY) {
		if (!k->reported)
			log_warnx("%s: enabled in the directory but a leaver "
			    "in vetd: not reinstated (HR decides)", e->id);
		k->reported = 1;
		p->c.reenabled++;
		return 0;
	}
	if (k != NULL && k->source != VET_SOURCE_DIRECTORY) {
		/* Entered by hand: HR's record, not the directory's. */
		if (!k->reported)
			log_warnx("%s: in the directory but entered by hand in "
			    "vetd: not changed", e->id);
		k->reported = 1;
		p->c.skipped++;
		return 0;
	}
	if (k != NULL && same(k, e)) {
		p->c.unchanged++;
		return 0;
	}
	if (plan_add(p, k == NULL ? OP_PUT_NEW : OP_PUT_CHANGED, e, NULL) != 0)
		return -1;
	if (k == NULL)
		p->c.added++;
	else
		p->c.updated++;
	return 0;
}

int
engine_gone(struct engine *en, struct plan *p, const char *id,
    const char *reason)
{
	struct known *k = table_get(en->known, id);

	if (k == NULL || k->source != VET_SOURCE_DIRECTORY ||
	    k->status == VET_PERSON_LEAVER) {
		log_debug("%s: gone from the directory; not an active "
		    "directory person in vetd", id);
		return 0;
	}
	return plan_leaver(p, id, reason);
}

struct diff_arg {
	struct plan *p;
	const struct table *seen;
	int	 failed;
};

static int
diff_one(const char *id, void *v, void *arg)
{
	struct diff_arg *d = arg;
	struct known *k = v;

	if (k->source != VET_SOURCE_DIRECTORY ||
	    k->status == VET_PERSON_LEAVER || table_get(d->seen, id) != NULL)
		return 0;
	if (plan_leaver(d->p, id, REASON_REMOVED) != 0) {
		d->failed = 1;
		return 1;
	}
	return 0;
}

int
engine_diff(struct engine *en, struct plan *p, const struct table *seen)
{
	struct diff_arg d = { p, seen, 0 };

	table_each(en->known, diff_one, &d);
	return d.failed ? -1 : 0;
}

static int
count_one(const char *id, void *v, void *arg)
{
	struct known *k = v;

	(void)id;
	if (k->source == VET_SOURCE_DIRECTORY &&
	    k->status != VET_PERSON_LEAVER)
		(*(uint64_t *)arg)++;
	return 0;
}

uint64_t
engine_directory_people(const struct engine *en)
{
	uint64_t n = 0;

	table_each(en->known, count_one, &n);
	return n;
}

int
guard_trips(uint64_t leavers, uint64_t population, uint64_t max_leavers,
    uint64_t max_percent)
{
	return leavers > max_leavers && leavers * 100 > max_percent * population;
}

int
engine_guard(struct engine *en, const struct plan *p, int full)
{
	const struct sync_config *c = en->cfg;
	uint64_t population = engine_directory_people(en);
	int empty = full && p->c.entries == 0 && p->c.leavers > 0;

	en->guard_refused = 0;
	if (!empty && !guard_trips(p->c.leavers, population, c->max_leavers,
	    c->max_leaver_percent))
		return 0;
	if (en->allow_mass) {
		log_warnx("mass-leaver guard overridden (--allow-mass-leavers): "
		    "recording %llu leavers out of %llu directory people",
		    (unsigned long long)p->c.leavers,
		    (unsigned long long)population);
		return 0;
	}
	en->guard_refused = 1;
	en->guard_refusals++;
	if (empty)
		log_error("REFUSED: the directory returned no entries at all "
		    "for base \"%s\" filter %s, which would make all %llu "
		    "directory people leavers; nothing was changed. Check "
		    "the base and filter; if this is really meant, run "
		    "vetsync --once --allow-mass-leavers", c->base, c->filter,
		    (unsigned long long)p->c.leavers);
	else
		log_error("REFUSED: this refresh would make %llu of %llu "
		    "directory people leavers at once (limit: more than %llu "
		    "and more than %llu%%); nothing was changed. If this is "
		    "really meant, run vetsync --once --allow-mass-leavers",
		    (unsigned long long)p->c.leavers,
		    (unsigned long long)population,
		    (unsigned long long)c->max_leavers,
		    (unsigned long long)c->max_leaver_percent);
	return -1;
}

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

struct worker {
	pthread_t thread;
	struct engine *en;
	struct plan *p;
	unsigned index, n;
	enum sync_result result;
};

static uint64_t
id_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	w->result = SYNC_DONE;
	for (size_t i = 0; i < w->p->n; i++) {
		struct op *op = &w->p->ops[i];
		if (w->n > 1 && id_hash(op->e.id) % w->n != w->index)
			continue;
		if ((w->result = op_run(w->en, op)) != SYNC_DONE)
			break;
	}
	return NULL;
}

static void
plan_print(const struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct op *op = &p->ops[i];
		switch (op->kind) {
		case OP_PUT_NEW:
			printf("would add %s (%s)\n", op->e.id, op->e.name);
			break;
		case OP_PUT_CHANGED:
			printf("would update %s (%s)\n", op->e.id,
			    op->e.name);
			break;
		case OP_LEAVER:
			printf("would record leaver %s: %s\n", op->e.id,
			    op->reason);
			break;
		}
	}
	fflush(stdout);
}

static void totals_add(struct engine *, const struct plan *);

/* plan_account updates what we know and the totals from the results. */
static void
plan_account(struct engine *en, struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct op *op = &p->ops[i];
		struct known *k, *prev;
		int ok = op->result == VET_OK || (op->kind == OP_LEAVER &&
		    (op->result == VET_FAILED_PRECONDITION ||
		    op->result == VET_NOT_FOUND));

		if (!ok) {
			if (op->kind == OP_PUT_NEW)
				p->c.added--;
			else if (op->kind == OP_PUT_CHANGED)
				p->c.updated--;
			else
				p->c.leavers--;
			p->c.skipped++;
			continue;
		}
		if (op->kind == OP_LEAVER) {
			if ((k = table_get(en->known, op->e.id)) != NULL)
				k->status = VET_PERSON_LEAVER;
			continue;
		}
		if ((k = calloc(1, sizeof(*k))) == NULL)
			continue;
		k->name = op->e.name;
		k->mail = op->e.mail;
		k->org_unit = op->e.org_unit;
		op->e.name = op->e.mail = op->e.org_unit = NULL;
		memcpy(k->nationality, op->e.nationality, 3);
		/* A put changes no status: a new person is ACTIVE, a known
		 * one keeps theirs (a leaver is never put). */
		prev = table_get(en->known, op->e.id);
		k->status = prev != NULL ? prev->status : VET_PERSON_ACTIVE;
		k->source = VET_SOURCE_DIRECTORY;
		known_set(en, op->e.id, k);
	}
	totals_add(en, p);
}

static void
totals_add(struct engine *en, const struct plan *p)
{
	en->total.entries += p->c.entries;
	en->total.added += p->c.added;
	en->total.updated += p->c.updated;
	en->total.unchanged += p->c.unchanged;
	en->total.leavers += p->c.leavers;
	en->total.skipped += p->c.skipped;
	en->total.reenabled += p->c.reenabled;
}

enum sync_result
engine_apply(struct engine *en, struct plan *p)
{
	struct worker *w;
	unsigned n = p->n >= APPLY_PARALLEL ?
	    (unsigned)en->cfg->vetd_concurrency : 1;
	enum sync_result result = SYNC_DONE;
	vet_status st;

	if (en->dry_run) {
		plan_print(p);
		totals_add(en, p);
		return SYNC_DONE;
	}
	if (p->n == 0) {
		plan_account(en, p);
		return SYNC_DONE;
	}
	/* Open the client once here, not racing in the workers. */
	if (engine_client(en, &st) != VET_OK)
		log_debug("vetd not reachable yet: %s", st.message);
	if ((w = calloc(n, sizeof(*w))) == NULL)
		return SYNC_FATAL;
	for (unsigned i = 0; i < n; i++) {
		w[i] = (struct worker){ .en = en, .p = p, .index = i, .n = n };
		if (n == 1 || pthread_create(&w[i].thread, NULL, worker_main,
		    &w[i]) != 0) {
			/* One worker, or no thread: run it here. */
			w[i].n = n;
			worker_main(&w[i]);
			w[i].thread = 0;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if (w[i].thread != 0)
			pthread_join(w[i].thread, NULL);
		if (w[i].result != SYNC_DONE && result == SYNC_DONE)
			result = w[i].result;
	}
	free(w);
	if (result == SYNC_DONE)
		plan_account(en, p);
	return result;
}
