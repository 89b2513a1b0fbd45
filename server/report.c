/*
 * report.c: the reports of report.h. Walks an index range, re-reads each
 * hit's person record from the same snapshot and keeps it only if it
 * belongs in the answer at r->now. Trusts the store's records (record.c
 * checked them) and its own callers (handlers_report.c validated the
 * arguments).
 */
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "status.h"
#include "store.h"

#define REPORT_STOP	STORE_INDEX_STOP	/* the page is full */

int
report_init(struct report *r, struct store_txn *txn, vtime now, size_t limit)
{
	memset(r, 0, sizeof(*r));
	r->txn = txn;
	r->now = now;
	/* Each hit is re-read as it stands at now: the stored state caught
	 * up with the scheduled events (a future-dated leaver) due by then. */
	store_txn_set_now(txn, now);
	r->limit = limit > 0 ? limit : 1;
	if ((r->person = malloc(sizeof(*r->person))) == NULL)
		return -1;
	return 0;
}

void
report_fini(struct report *r)
{
	if (r == NULL)
		return;
	free(r->person);
	r->person = NULL;
}

/*
 * candidate counts an index hit; when the page is already full it says
 * so instead (REPORT_STOP), so a page reads at most limit + 0 records.
 */
static int
candidate(struct report *r, size_t rows)
{
	r->stats.index_entries++;
	if (rows >= r->limit) {
		r->more = 1;
		return REPORT_STOP;
	}
	return 0;
}

/*
 * load reads person id into r->person as it stands at r->now (the
 * stored state, caught up with the scheduled events due by then). 1 when
 * there is no such record (an index entry whose person is gone is not
 * an answer), 0, or a status.
 */
static int
load(struct report *r, const char *id)
{
	int rv;

	r->stats.records_read++;
	rv = store_person_get(r->txn, id, r->person);
	if (rv == STATUS_NOT_FOUND)
		return 1;
	if (rv != STATUS_OK)
		return rv;
	return 0;
}

/* left: p is a leaver at now. */
static int
left(const struct person *p, vtime now)
{
	return p->status == PERSON_LEAVER && p->status_changed_at <= now;
}

static int
page_end(struct report *r, int rv)
{
	return rv == REPORT_STOP ? STATUS_OK : rv;
}

/* Due. */

struct due_walk {
	struct report *r;
	size_t	rows;
	int	(*row)(const struct report_due_row *, void *);
	void	*arg;
};

static int
due_one(const struct index_due *e, void *arg)
{
	struct due_walk *w = arg;
	struct report *r = w->r;
	struct report_due_row row;
	const struct clearance *c = NULL;
	int rv;

	if ((rv = candidate(r, w->rows)) != 0)
		return rv;
	if ((rv = load(r, e->id)) != 0)
		return rv == 1 ? 0 : rv;
	if (left(r->person, r->now))
		return 0;
	for (size_t i = 0; i < r->person->n_clearances; i++)
		if (strcmp(r->person->clearances[i].scheme, e->scheme) == 0)
			c = &r->person->clearances[i];
	if (c == NULL || c->review_due != e->review_due ||
	    (c->status != CLEARANCE_GRANTED &&
	    c->status != CLEARANCE_SUSPENDED))
		return 0;
	row.person = r->person;
	row.clearance = c;
	row.overdue = c->review_due <= r->now;
	if ((rv = w->row(&row, w->arg)) != 0)
		return rv;
	w->rows++;
	r->last = e->pos;
	return 0;
}

int
report_due(struct report *r, const struct index_pos *after, vtime until,
    int (*row)(const struct report_due_row *, void *), void *arg)
{
	struct due_walk w = { .r = r, .row = row, .arg = arg };

	return page_end(r, store_index_due_scan(r->txn, after, until, due_one,
	    &w));
}

/* Holders. */

struct holder_walk {
	struct report *r;
	size_t	rows;
	const char *compartment;
	int	(*row)(const struct report_holder_row *, void *);
	void	*arg;
};

static int
holder_one(const struct index_holder *e, void *arg)
{
	struct holder_walk *w = arg;
	struct report *r = w->r;
	struct report_holder_row row;
	const struct briefing *b = NULL;
	int rv;

	if ((rv = candidate(r, w->rows)) != 0)
		return rv;
	if ((rv = load(r, e->id)) != 0)
		return rv == 1 ? 0 : rv;
	if (left(r->person, r->now))
		return 0;
	for (size_t i = 0; i < r->person->n_briefings; i++)
		if (strcmp(r->person->briefings[i].compartment,
		    w->compartment) == 0)
			b = &r->person->briefings[i];
	if (b == NULL || (b->debriefed_at != 0 && b->debriefed_at <= r->now))
		return 0;
	row.person = r->person;
	row.briefing = b;
	if (b->briefed_at > r->now)
		row.state = HOLDER_PENDING;
	else if (b->expires_at != 0 && b->expires_at <= r->now)
		row.state = HOLDER_EXPIRED;
	else
		row.state = HOLDER_ACTIVE;
	if ((rv = w->row(&row, w->arg)) != 0)
		return rv;
	w->rows++;
	r->last = e->pos;
	return 0;
}

int
report_holders(struct report *r, const char *compartment,
    const struct index_pos *after,
    int (*row)(const struct report_holder_row *, void *), void *arg)
{
	struct holder_walk w = { .r = r, .compartment = compartment,
	    .row = row, .arg = arg };

	return page_end(r, store_index_holders_scan(r->txn, compartment, after,
	    holder_one, &w));
}

/* Unvetted. */

struct unvetted_walk {
	struct report *r;
	size_t	rows;
	int	(*row)(const struct report_unvetted_row *, void *);
	void	*arg;
};

/* why_unvetted: the clearance whose cover ended at since, and the reason
 * a check would give for it. */
static enum reason
why_unvetted(const struct person *p, vtime since,
    const struct clearance **last)
{
	*last = NULL;
	if (since == 0)
		return REASON_NO_CLEARANCE;
	for (size_t i = 0; i < p->n_clearances; i++) {
		const struct clearance *c = &p->clearances[i];
		if (clearance_cover_end(c) != since)
			continue;
		*last = c;
		switch (c->status) {
		case CLEARANCE_GRANTED:
			return REASON_CLEARANCE_EXPIRED;
		case CLEARANCE_SUSPENDED:
			return REASON_CLEARANCE_SUSPENDED;
		case CLEARANCE_WITHDRAWN:
			return REASON_CLEARANCE_WITHDRAWN;
		default:
			return REASON_NO_CLEARANCE;	/* lapsed */
		}
	}
	return REASON_NO_CLEARANCE;
}

static int
unvetted_one(const struct index_unvetted *e, void *arg)
{
	struct unvetted_walk *w = arg;
	struct report *r = w->r;
	struct report_unvetted_row row;
	int rv;

	if ((rv = candidate(r, w->rows)) != 0)
		return rv;
	if ((rv = load(r, e->id)) != 0)
		return rv == 1 ? 0 : rv;
	if (r->person->status != PERSON_ACTIVE ||
	    person_cover_end(r->person, r->now) > r->now)
		return 0;
	row.person = r->person;
	row.since = person_cover_ended(r->person, r->now);
	row.reason = why_unvetted(r->person, row.since, &row.last);
	if ((rv = w->row(&row, w->arg)) != 0)
		return rv;
	w->rows++;
	r->last = e->pos;
	return 0;
}

int
report_unvetted(struct report *r, const struct index_pos *after,
    int (*row)(const struct report_unvetted_row *, void *), void *arg)
{
	struct unvetted_walk w = { .r = r, .row = row, .arg = arg };

	return page_end(r, store_index_unvetted_scan(r->txn, after, r->now,
	    unvetted_one, &w));
}

/* Summary. */

static int
activity_one(const struct index_activity *e, void *arg)
{
	struct report_activity *a = arg;

	switch (e->kind) {
	case INDEX_LEAVER:
		a->leavers++;
		break;
	case INDEX_WITHDRAWAL:
		a->withdrawals++;
		break;
	}
	return 0;
}

int
report_summary(struct report *r, vtime from, vtime to,
    int (*counter)(const struct index_counter *, void *), void *arg,
    struct report_activity *out)
{
	struct report_activity a = { 0 };
	int rv;

	if ((rv = store_index_counters(r->txn, counter, arg)) != STATUS_OK ||
	    (rv = store_index_joiners(r->txn, from, to, &a.joiners)) !=
	    STATUS_OK)
		return rv;
	if (to > r->now)
		to = r->now + 1;	/* what has not happened is not counted */
	if ((rv = store_index_activity_scan(r->txn, from, to, activity_one,
	    &a)) != STATUS_OK)
		return rv;
	*out = a;
	return STATUS_OK;
}
