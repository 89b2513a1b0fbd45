/*
 * apply.c: what a refresh means for vetd: the plan (puts and leavers)
 * from the directory's entries and what vetd holds, the mass-leaver
 * guard, and, once the plan has been carried out (push.c, through libvet
 * only), what vetsync then knows and its counts.
 *
 * Only directory-sourced people are ever changed or made leavers: a
 * person entered by hand in vetd under an id the directory also has is
 * reported and left alone. A leaver is final here: an account enabled
 * again in the directory is reported, never reinstated (HR decides). The
 * client, retries and the snapshot of vetd are in vetd.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vetsync.h"

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
	enum sync_result result = SYNC_DONE;

	if (en->dry_run) {
		plan_print(p);
		totals_add(en, p);
		return SYNC_DONE;
	}
	if (p->n > 0)
		result = push_plan(en, p);
	if (result == SYNC_DONE)
		plan_account(en, p);
	return result;
}
