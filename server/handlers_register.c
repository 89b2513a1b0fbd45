/*
 * handlers_register.c: ImportClearances, the clearance register (vetctl
 * import clearances). Input is untrusted wire data: up to 1000 rows, each
 * one person's details and one clearance. Every row is checked first,
 * against vetd's rules and policy and against the store (known scheme and
 * level, review due after granted, not a leaver, ...), and EVERY bad row
 * is reported: INVALID_ARGUMENT with the rows' indexes and messages in the
 * reply, nothing written. Otherwise all rows are applied in the call's one
 * transaction, or, with validate_only, none (the counts say what would
 * happen).
 *
 * What a row does, person by person (rows of one id are applied together,
 * in row order):
 * - a person not in vetd is created (source MANUAL, ACTIVE) with the
 *   row's name, email, org unit and nationality;
 * - a person entered by hand takes the row's name, and its email, org unit
 *   and nationality when they are not empty (an empty cell keeps what vetd
 *   has); a person from the directory keeps the directory's details, which
 *   vetsync would otherwise put back;
 * - the clearance in the row's scheme is set (level, granted, review due,
 *   authority, reference; GRANTED); the person's other clearances,
 *   briefings and status are kept;
 * - a clearance that vetd holds SUSPENDED, WITHDRAWN or LAPSED is left as
 *   it is when the row describes the same grant, replaced only by a later
 *   grant, and any other row for it is an error: the register has no
 *   status column and cannot reinstate;
 * - a leaver's row is an error ("is a leaver"): nothing is written.
 * A row that matches what is stored writes nothing; a call that changes
 * nothing commits nothing (no revision, no audit entry). Each person
 * changed gets an audit entry with what changed; events and indexes
 * follow from store_person_put.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "convert.h"
#include "handlers.h"
#include "policy.h"
#include "rpc.h"
#include "status.h"
#include "store.h"
#include "validate.h"
#include "vettime.h"

#define REGISTER_ROWS_MAX	1000	/* rows per call, as in vetting.proto */

struct reg_row {
	const Vet__V1__ClearanceRow *in;
	uint32_t index;
	int	scheme;			/* in the policy */
	int	rank;			/* level in the scheme's ladder */
	char	nationality[3];
	int	bad;			/* reported already */
};

struct reg {
	struct rpc_call	*call;
	const Vet__V1__ImportClearancesRequest *in;
	struct reg_row	*rows;
	struct reg_row	**order;	/* good rows by id, then index */
	size_t		 n_order;
	Vet__V1__RowError **errors;
	size_t		 n_errors;
	Vet__V1__ImportClearancesResponse resp;
	struct person	*before;	/* a person as stored, for the audit */
	struct audit_entry *entry;
	int		 changed;	/* a person was (or would be) written */
};

static int
row_error(struct reg *g, struct reg_row *row, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* row_error reports row's first problem; -1 when out of memory. */
static int
row_error(struct reg *g, struct reg_row *row, const char *fmt, ...)
{
	Vet__V1__RowError *e;
	char msg[320];
	va_list ap;

	if (row->bad)
		return 0;
	row->bad = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((e = rpc_alloc(g->call, sizeof(*e))) == NULL) {
		rpc_fail(g->call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return -1;
	}
	vet__v1__row_error__init(e);
	e->index = row->index;
	if ((e->message = rpc_strdup(g->call, msg)) == NULL) {
		rpc_fail(g->call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return -1;
	}
	g->errors[g->n_errors++] = e;
	return 0;
}

/* known_names lists a scheme's levels, or the schemes, for a message. */
static void
known_names(const struct policy *pol, int scheme, char *buf, size_t size)
{
	size_t n = scheme < 0 ? pol->n_schemes :
	    pol->schemes[scheme].n_levels, used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
		    i > 0 ? ", " : "", scheme < 0 ? pol->schemes[i].name :
		    pol->schemes[scheme].levels[i]);
}

/* row_check: everything a row can be checked for without the store. */
static int
row_check(struct reg *g, struct reg_row *row)
{
	const Vet__V1__ClearanceRow *in = row->in;
	const struct policy *pol = g->call->vd->policy;
	char err[256], known[160];

	if (in == NULL)
		return row_error(g, row, "an empty row");
	if (validate_id("id", in->person_id, err, sizeof(err)) ||
	    validate_text("name", in->display_name, NAME_MAX_BYTES, 1, err,
	    sizeof(err)) ||
	    validate_text("email", in->email, NAME_MAX_BYTES, 0, err,
	    sizeof(err)) ||
	    validate_text("org unit", in->org_unit, ORG_UNIT_MAX, 0, err,
	    sizeof(err)) ||
	    validate_nationality(in->nationality, row->nationality, err,
	    sizeof(err)) ||
	    validate_name("scheme", in->scheme, SCHEME_MAX, err,
	    sizeof(err)) ||
	    validate_name("level", in->level, LEVEL_MAX, err, sizeof(err)) ||
	    validate_time("granted", in->granted_at, 1, err, sizeof(err)) ||
	    validate_time("review due", in->review_due, 1, err,
	    sizeof(err)) ||
	    validate_text("authority", in->authority, AUTHORITY_MAX, 0, err,
	    sizeof(err)) ||
	    validate_text("reference", in->reference, REFERENCE_MAX, 0, err,
	    sizeof(err)))
		return row_error(g, row, "%s", err);
	if (in->review_due <= in->granted_at)
		return row_error(g, row, "review due must be after granted");
	if ((row->scheme = policy_scheme_index(pol, in->scheme)) < 0) {
		known_names(pol, -1, known, sizeof(known));
		return row_error(g, row, "unknown scheme \"%s\" (vetd knows "
		    "%s)", in->scheme, known);
	}
	if ((row->rank = policy_level_rank(pol, row->scheme, in->level)) < 0) {
		known_names(pol, row->scheme, known, sizeof(known));
		return row_error(g, row, "unknown level \"%s\" in scheme %s "
		    "(%s)", in->level, pol->schemes[row->scheme].name, known);
	}
	return 0;
}

static int
row_order(const void *a, const void *b)
{
	const struct reg_row *const *x = a, *const *y = b;
	int c = strcmp((*x)->in->person_id, (*y)->in->person_id);

	if (c != 0)
		return c;
	return (*x)->index < (*y)->index ? -1 : (*x)->index > (*y)->index;
}

static int
error_order(const void *a, const void *b)
{
	const Vet__V1__RowError *const *x = a, *const *y = b;

	return (*x)->index < (*y)->index ? -1 : (*x)->index > (*y)->index;
}

/* same_person: two rows of one id agree on the person's details. */
static int
same_person(const struct reg_row *a, const struct reg_row *b)
{
	return strcmp(a->in->display_name, b->in->display_name) == 0 &&
	    strcmp(a->in->email, b->in->email) == 0 &&
	    strcmp(a->in->org_unit, b->in->org_unit) == 0 &&
	    strcmp(a->nationality, b->nationality) == 0;
}

/* keep_before: the first change to a stored person keeps its old state. */
static void
keep_before(struct reg *g, int created, int *touched)
{
	if (!*touched && !created)
		*g->before = g->call->scratch;
	*touched = 1;
}

/* apply_details sets the person's details from row; 1 if they changed. */
static int
apply_details(struct reg *g, const struct reg_row *row, int created,
    int *touched)
{
	struct person *p = &g->call->scratch;
	const Vet__V1__ClearanceRow *in = row->in;
	int changed = 0;

	if (p->source == SOURCE_DIRECTORY && !created)
		return 0;	/* the directory owns them */
	if (strcmp(p->display_name, in->display_name) != 0) {
		keep_before(g, created, touched);
		copy_string(p->display_name, sizeof(p->display_name),
		    in->display_name);
		changed = 1;
	}
	if ((created || in->email[0] != '\0') &&
	    strcmp(p->email, in->email) != 0) {
		keep_before(g, created, touched);
		copy_string(p->email, sizeof(p->email), in->email);
		changed = 1;
	}
	if ((created || in->org_unit[0] != '\0') &&
	    strcmp(p->org_unit, in->org_unit) != 0) {
		keep_before(g, created, touched);
		copy_string(p->org_unit, sizeof(p->org_unit), in->org_unit);
		changed = 1;
	}
	if ((created || row->nationality[0] != '\0') &&
	    strcmp(p->nationality, row->nationality) != 0) {
		keep_before(g, created, touched);
		memcpy(p->nationality, row->nationality, 3);
		changed = 1;
	}
	return changed;
}

enum outcome { ROW_CREATED, ROW_UPDATED, ROW_UNCHANGED, ROW_BAD };

/* apply_clearance sets row's clearance on call->scratch. */
static enum outcome
apply_clearance(struct reg *g, struct reg_row *row, int created,
    int *touched, int *fail)
{
	const struct policy *pol = g->call->vd->policy;
	const struct policy_scheme *sc = &pol->schemes[row->scheme];
	const Vet__V1__ClearanceRow *in = row->in;
	struct person *p = &g->call->scratch;
	struct clearance *c = NULL;
	enum outcome out = ROW_UPDATED;
	char when[16];

	for (size_t k = 0; k < p->n_clearances; k++)
		if (strcasecmp(p->clearances[k].scheme, sc->name) == 0)
			c = &p->clearances[k];
	if (c != NULL && strcmp(c->level, sc->levels[row->rank]) == 0 &&
	    c->granted_at == in->granted_at &&
	    c->review_due == in->review_due &&
	    strcmp(c->authority, in->authority) == 0 &&
	    strcmp(c->reference, in->reference) == 0)
		return ROW_UNCHANGED;	/* whatever its status */
	if (c == NULL) {
		if (p->n_clearances >= PERSON_MAX_CLEARANCES) {
			*fail = row_error(g, row, "person %s would hold more "
			    "than %d clearances", p->id,
			    PERSON_MAX_CLEARANCES);
			return ROW_BAD;
		}
		keep_before(g, created, touched);
		c = &p->clearances[p->n_clearances++];
		out = ROW_CREATED;
	} else if (c->status != CLEARANCE_GRANTED &&
	    in->granted_at <= c->granted_at) {
		vettime_format_date(c->granted_at, when, sizeof(when));
		*fail = row_error(g, row, "person %s's %s clearance is %s in "
		    "vetd: the register can replace it only with a grant "
		    "after %s", p->id, c->scheme,
		    c->status == CLEARANCE_SUSPENDED ? "SUSPENDED" :
		    c->status == CLEARANCE_WITHDRAWN ? "WITHDRAWN" : "LAPSED",
		    when);
		return ROW_BAD;
	} else
		keep_before(g, created, touched);
	memset(c, 0, sizeof(*c));
	copy_string(c->scheme, sizeof(c->scheme), sc->name);
	copy_string(c->level, sizeof(c->level), sc->levels[row->rank]);
	c->granted_at = in->granted_at;
	c->review_due = in->review_due;
	copy_string(c->authority, sizeof(c->authority), in->authority);
	copy_string(c->reference, sizeof(c->reference), in->reference);
	c->status = CLEARANCE_GRANTED;
	c->status_changed_at = g->call->now;
	return out;
}

/* audit_person appends an entry for one person the import changed. */
static int
audit_person(struct reg *g, int created)
{
	struct rpc_call *call = g->call;
	struct audit_entry *e = g->entry;

	memset(e, 0, sizeof(*e));
	e->time = call->now;
	e->revision = store_txn_revision(call->txn);
	snprintf(e->principal, sizeof(e->principal), "%s", call->principal);
	snprintf(e->method, sizeof(e->method), "%s", call->md->name);
	snprintf(e->request_id, sizeof(e->request_id), "%s",
	    call->request_id);
	snprintf(e->person_id, sizeof(e->person_id), "%s", call->scratch.id);
	audit_person_diff(created ? NULL : g->before, &call->scratch,
	    e->change, sizeof(e->change));
	return audit_append_entry(call->txn, e);
}

/*
 * group applies rows[0..n), the good rows of one id, to that person.
 * Returns 0 (problems are row errors), or -1 with the call failed.
 */
static int
group(struct reg *g, struct reg_row **rows, size_t n)
{
	struct rpc_call *call = g->call;
	struct person *p = &call->scratch;
	const char *id = rows[0]->in->person_id;
	enum outcome out[REGISTER_ROWS_MAX];
	int created, touched = 0, details, bad = 0, fail = 0, rv;

	for (size_t i = 1; i < n; i++) {
		for (size_t k = 0; k < i && !rows[i]->bad; k++)
			if (rows[k]->scheme == rows[i]->scheme &&
			    row_error(g, rows[i], "duplicate id %s (also "
			    "rows[%u] of this call)", id, rows[k]->index) != 0)
				return -1;
		if (!rows[i]->bad && !same_person(rows[0], rows[i]) &&
		    row_error(g, rows[i], "name, email, org unit or "
		    "nationality of %s differ from rows[%u] of this call", id,
		    rows[0]->index) != 0)
			return -1;
		bad |= rows[i]->bad;
	}
	rv = store_person_get(call->txn, id, p);
	if (rv != STATUS_OK && rv != STATUS_NOT_FOUND) {
		rpc_fail(call, rv, "cannot read person %s from the store", id);
		return -1;
	}
	created = rv == STATUS_NOT_FOUND;
	if (!created && p->status == PERSON_LEAVER) {
		for (size_t i = 0; i < n; i++)
			if (row_error(g, rows[i], "person %s is a leaver: the "
			    "register cannot give them a clearance", id) != 0)
				return -1;
		return 0;
	}
	if (bad)
		return 0;
	if (created) {
		memset(p, 0, offsetof(struct person, clearances));
		p->n_clearances = 0;
		p->n_briefings = 0;
		copy_string(p->id, sizeof(p->id), id);
		p->status = PERSON_ACTIVE;
		p->source = SOURCE_MANUAL;
		p->created_at = call->now;
		p->status_changed_at = call->now;
	}
	details = apply_details(g, rows[0], created, &touched);
	for (size_t i = 0; i < n; i++) {
		out[i] = apply_clearance(g, rows[i], created, &touched, &fail);
		if (fail != 0)
			return -1;
		if (out[i] == ROW_BAD)
			bad = 1;
	}
	if (bad)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (out[i] == ROW_UNCHANGED && i == 0 && details)
			out[i] = ROW_UPDATED;
		if (out[i] == ROW_CREATED)
			g->resp.created++;
		else if (out[i] == ROW_UPDATED)
			g->resp.updated++;
		else
			g->resp.unchanged++;
	}
	if (!touched && !created)
		return 0;
	g->resp.people_created += created;
	g->changed = 1;
	if (g->in->validate_only || g->n_errors > 0)
		return 0;	/* nothing is written */
	p->updated_at = call->now;
	if ((rv = store_person_put(call->txn, p)) != STATUS_OK) {
		rpc_fail(call, rv, "cannot write person %s to the store", id);
		return -1;
	}
	if ((rv = audit_person(g, created)) != STATUS_OK) {
		rpc_fail(call, rv, "cannot write the audit log");
		return -1;
	}
	return 0;
}

/* reg_setup allocates the call's working arrays in its arena. */
static int
reg_setup(struct reg *g, size_t n)
{
	struct rpc_call *call = g->call;

	if ((g->rows = rpc_alloc(call, n * sizeof(*g->rows))) == NULL ||
	    (g->order = rpc_alloc(call, n * sizeof(*g->order))) == NULL ||
	    (g->errors = rpc_alloc(call, n * sizeof(*g->errors))) == NULL ||
	    (g->before = rpc_alloc(call, sizeof(*g->before))) == NULL ||
	    (g->entry = rpc_alloc(call, sizeof(*g->entry))) == NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return -1;
	}
	return 0;
}

HANDLER(import_clearances, ImportClearancesRequest, ImportClearancesResponse)
{
	struct rpc_call *call = closure_data;
	struct reg g = { .call = call, .in = input };
	size_t i, j, n = input->n_rows;

	vet__v1__import_clearances_response__init(&g.resp);
	if (n == 0 || n > REGISTER_ROWS_MAX) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "an import holds 1 to "
		    "%d rows, not %zu", REGISTER_ROWS_MAX, n);
		goto fail;
	}
	if (reg_setup(&g, n) != 0)
		goto fail;
	for (i = 0; i < n; i++) {
		g.rows[i].in = input->rows[i];
		g.rows[i].index = (uint32_t)i;
		if (row_check(&g, &g.rows[i]) != 0)
			goto fail;
		if (!g.rows[i].bad)
			g.order[g.n_order++] = &g.rows[i];
	}
	qsort(g.order, g.n_order, sizeof(*g.order), row_order);
	for (i = 0; i < g.n_order; i = j) {
		for (j = i + 1; j < g.n_order && strcmp(g.order[j]->in->person_id,
		    g.order[i]->in->person_id) == 0; j++)
			;
		if (group(&g, g.order + i, j - i) != 0)
			goto fail;
	}
	if (g.n_errors > 0) {
		qsort(g.errors, g.n_errors, sizeof(*g.errors), error_order);
		g.resp.created = g.resp.updated = g.resp.unchanged = 0;
		g.resp.people_created = 0;
		g.resp.n_errors = g.n_errors;
		g.resp.errors = g.errors;
		/* The reply carries the errors with the failure (rpc.c sends a
		 * failing handler's payload); the transaction is aborted. */
		closure(&g.resp, call);
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%zu of %zu rows are "
		    "bad; nothing was written", g.n_errors, n);
		return;
	}
	if (input->validate_only || !g.changed)
		store_txn_mark_unchanged(call->txn);	/* commit nothing */
	else
		rpc_audit_change(call, "import clearances: %u created, %u "
		    "updated, %u unchanged, %u new people", g.resp.created,
		    g.resp.updated, g.resp.unchanged, g.resp.people_created);
	closure(&g.resp, call);
	return;
fail:
	closure(NULL, call);
}
