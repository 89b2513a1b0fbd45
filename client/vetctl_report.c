/*
 * vetctl_report.c: the reports: report due, report holders, report
 * summary, report unvetted (docs/REPORTS.md). Each parses its arguments
 * completely before it connects, reads every page, then prints one of
 * three forms (vetctl_report_output.c): an aligned table (the default),
 * one JSON document (--json, here or before the command) or CSV (--csv).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vettime.h"
#include "vetctl_report.h"

#define REPORT_PAGE		1000	/* the largest page vetd gives */
#define WITHIN_DAYS_MAX		36525	/* 100 years */
#define SCHEME_LEVEL_MAX	80	/* "nsv SC" */

/* within_parse reads "90d" or "12w" into seconds. */
static int
within_parse(const struct command *cmd, const char *s, int64_t *out)
{
	char num[16];
	size_t n = strlen(s);
	uint64_t v, unit;

	if (n < 2 || n >= sizeof(num))
		goto bad;
	if (s[n - 1] == 'd')
		unit = 1;
	else if (s[n - 1] == 'w')
		unit = 7;
	else
		goto bad;
	memcpy(num, s, n - 1);
	num[n - 1] = '\0';
	if (parse_u64(num, 1, WITHIN_DAYS_MAX / unit, &v) != 0)
		goto bad;
	*out = (int64_t)(v * unit * 86400);
	return 0;
bad:
	return usage_error(cmd, "bad --within '%s' (want days or weeks, "
	    "such as 90d or 12w, up to 100 years)", s);
}

/*
 * report due
 */

static json_t *
json_due(const vet_due_row *d)
{
	json_t *e;

	if ((e = json_object()) == NULL)
		return NULL;
	json_set(e, "person_id", report_text(d->person_id));
	json_set(e, "display_name", report_text(d->display_name));
	json_set(e, "org_unit", report_text(d->org_unit));
	json_set(e, "scheme", report_text(d->scheme));
	json_set(e, "level", report_text(d->level));
	json_set(e, "status", json_string(vet_clearance_status_name(
	    d->status)));
	json_set(e, "granted_at", report_json_when(d->granted_at));
	json_set(e, "review_due", report_json_when(d->review_due));
	json_set(e, "overdue", json_boolean(d->overdue));
	return e;
}

static int
grid_due(struct grid *g, const vet_due_row *d)
{
	char due[32], granted[32];
	const char *table[] = { report_date_cell(g, d->review_due, due, sizeof(due)),
	    d->overdue ? "overdue" : "due", d->person_id, d->display_name,
	    d->org_unit, d->scheme, d->level,
	    vet_clearance_status_name(d->status) };
	const char *csv[] = { table[0], d->overdue ? "yes" : "no",
	    d->person_id, d->display_name, d->org_unit, d->scheme, d->level,
	    table[7], report_date_cell(g, d->granted_at, granted, sizeof(granted)) };

	return grid_row(g, g->form == FORM_CSV ? csv : table);
}

int
cmd_report_due(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	static const char *const table_hdr[] = { "REVIEW DUE", "STATE", "ID",
	    "NAME", "ORG UNIT", "SCHEME", "LEVEL", "STATUS" };
	static const char *const csv_hdr[] = { "review_due", "overdue",
	    "person_id", "display_name", "org_unit", "scheme", "level",
	    "status", "granted_at" };
	struct flag f[] = { { "within", 1, 0, NULL }, { "json", 0, 0, NULL },
	    { "csv", 0, 0, NULL }, { NULL, 0, 0, NULL } };
	struct grid g = { 0 };
	vet_due_page *p = NULL;
	vet_status st;
	json_t *o = NULL, *rows = NULL;
	int64_t within = 90 * 86400, first_as_of = 0, until = 0;
	char *token = NULL, buf[32];
	size_t total = 0;
	char **pos;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, f, &pos, &npos)) != 0 ||
	    (rv = report_form(ctl, cmd, f, &g.form)) != 0)
		return rv;
	if (flag_value(f, "within") != NULL &&
	    (rv = within_parse(cmd, flag_value(f, "within"), &within)) != 0)
		return rv;
	if ((rv = ctl_connect(ctl)) != 0)
		return rv;
	g.ncol = g.form == FORM_CSV ? 9 : 8;
	if (g.form == FORM_JSON ? (o = json_object()) == NULL ||
	    (rows = json_array()) == NULL :
	    grid_row(&g, g.form == FORM_CSV ? csv_hdr : table_hdr) != 0)
		goto oom;
	do {
		if (vet_report_due(ctl->client, within, REPORT_PAGE, token, &p,
		    &st) != VET_OK) {
			rv = server_error(&st);
			goto done;
		}
		if (token == NULL) {
			first_as_of = p->as_of;
			until = p->until;
		}
		for (size_t i = 0; i < p->n_rows; i++, total++)
			if (g.form == FORM_JSON)
				json_append(rows, json_due(&p->rows[i]));
			else if (grid_due(&g, &p->rows[i]) != 0)
				goto oom;
		free(token);
		if ((token = strdup(p->next_page_token)) == NULL)
			goto oom;
		vet_due_page_free(p);
		p = NULL;
	} while (*token != '\0');
	if (g.form == FORM_JSON) {
		json_set(o, "as_of", report_json_when(first_as_of));
		json_set(o, "until", report_json_when(until));
		json_set(o, "clearances", rows);
		rows = NULL;
		rv = output_json(o);
		o = NULL;
		goto done;
	}
	if ((rv = grid_print(&g)) == EXIT_OK && g.form == FORM_TABLE) {
		printf("%zu clearance%s due for review by %s", total,
		    total == 1 ? "" : "s", report_day(until, buf, sizeof(buf)));
		report_as_of(first_as_of);
	}
	goto done;
oom:
	rv = out_of_memory();
done:
	vet_due_page_free(p);
	free(token);
	json_decref(rows);
	json_decref(o);
	grid_free(&g);
	return rv;
}

/*
 * report holders
 */

static json_t *
json_holder(const vet_holder_row *h)
{
	json_t *x;

	if ((x = json_object()) == NULL)
		return NULL;
	json_set(x, "person_id", report_text(h->person_id));
	json_set(x, "display_name", report_text(h->display_name));
	json_set(x, "org_unit", report_text(h->org_unit));
	json_set(x, "person_status", json_string(vet_person_status_name(
	    h->person_status)));
	json_set(x, "briefed_at", report_json_when(h->briefed_at));
	json_set(x, "expires_at", report_json_when(h->expires_at));
	json_set(x, "state", json_string(vet_holder_state_name(h->state)));
	return x;
}

static int
grid_holder(struct grid *g, const vet_holder_row *h)
{
	char b[32], e[32];
	const char *c[] = { h->person_id, h->display_name, h->org_unit,
	    vet_person_status_name(h->person_status),
	    report_date_cell(g, h->briefed_at, b, sizeof(b)),
	    report_date_cell(g, h->expires_at, e, sizeof(e)),
	    vet_holder_state_name(h->state) };

	return grid_row(g, c);
}

int
cmd_report_holders(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	static const char *const table_hdr[] = { "ID", "NAME", "ORG UNIT",
	    "PERSON", "BRIEFED", "EXPIRES", "STATE" };
	static const char *const csv_hdr[] = { "person_id", "display_name",
	    "org_unit", "person_status", "briefed_at", "expires_at",
	    "state" };
	struct flag f[] = { { "json", 0, 0, NULL }, { "csv", 0, 0, NULL },
	    { NULL, 0, 0, NULL } };
	struct grid g = { .ncol = 7 };
	vet_holders_page *p = NULL;
	vet_status st;
	json_t *o = NULL, *rows = NULL;
	int64_t first_as_of = 0;
	char *token = NULL, *compartment = NULL;
	size_t total = 0;
	char **pos;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, f, &pos, &npos)) != 0 ||
	    (rv = report_form(ctl, cmd, f, &g.form)) != 0)
		return rv;
	if ((rv = ctl_connect(ctl)) != 0)
		return rv;
	if (g.form == FORM_JSON ? (o = json_object()) == NULL ||
	    (rows = json_array()) == NULL :
	    grid_row(&g, g.form == FORM_CSV ? csv_hdr : table_hdr) != 0)
		goto oom;
	do {
		if (vet_report_holders(ctl->client, pos[0], REPORT_PAGE, token,
		    &p, &st) != VET_OK) {
			rv = server_error(&st);
			goto done;
		}
		if (token == NULL) {
			first_as_of = p->as_of;
			if ((compartment = strdup(p->compartment)) == NULL)
				goto oom;
		}
		for (size_t i = 0; i < p->n_rows; i++, total++)
			if (g.form == FORM_JSON)
				json_append(rows, json_holder(&p->rows[i]));
			else if (grid_holder(&g, &p->rows[i]) != 0)
				goto oom;
		free(token);
		if ((token = strdup(p->next_page_token)) == NULL)
			goto oom;
		vet_holders_page_free(p);
		p = NULL;
	} while (*token != '\0');
	if (g.form == FORM_JSON) {
		json_set(o, "compartment", report_text(compartment));
		json_set(o, "as_of", report_json_when(first_as_of));
		json_set(o, "holders", rows);
		rows = NULL;
		rv = output_json(o);
		o = NULL;
		goto done;
	}
	if ((rv = grid_print(&g)) == EXIT_OK && g.form == FORM_TABLE) {
		printf("%zu %s briefed into ", total, total == 1 ? "person" :
		    "people");
		output_safe(stdout, compartment);
		report_as_of(first_as_of);
	}
	goto done;
oom:
	rv = out_of_memory();
done:
	vet_holders_page_free(p);
	free(token);
	free(compartment);
	json_decref(rows);
	json_decref(o);
	grid_free(&g);
	return rv;
}

/*
 * report unvetted
 */

static json_t *
json_unvetted(const vet_unvetted_row *u)
{
	json_t *x;

	if ((x = json_object()) == NULL)
		return NULL;
	json_set(x, "person_id", report_text(u->person_id));
	json_set(x, "display_name", report_text(u->display_name));
	json_set(x, "org_unit", report_text(u->org_unit));
	json_set(x, "reason", json_string(vet_reason_name(u->reason)));
	json_set(x, "since", report_json_when(u->since));
	json_set(x, "scheme", report_text(u->scheme));
	json_set(x, "level", report_text(u->level));
	return x;
}

static int
grid_unvetted(struct grid *g, const vet_unvetted_row *u)
{
	char since[32], last[SCHEME_LEVEL_MAX];
	const char *table[] = { u->person_id, u->display_name, u->org_unit,
	    vet_reason_name(u->reason), u->since != 0 ? report_date_cell(g, u->since,
	    since, sizeof(since)) : "never", last };
	const char *csv[] = { u->person_id, u->display_name, u->org_unit,
	    table[3], report_date_cell(g, u->since, since, sizeof(since)), u->scheme,
	    u->level };

	snprintf(last, sizeof(last), "%s%s%s", u->scheme,
	    *u->scheme != '\0' ? " " : "", u->level);
	return grid_row(g, g->form == FORM_CSV ? csv : table);
}

int
cmd_report_unvetted(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	static const char *const table_hdr[] = { "ID", "NAME", "ORG UNIT",
	    "REASON", "SINCE", "LAST CLEARANCE" };
	static const char *const csv_hdr[] = { "person_id", "display_name",
	    "org_unit", "reason", "since", "scheme", "level" };
	struct flag f[] = { { "json", 0, 0, NULL }, { "csv", 0, 0, NULL },
	    { NULL, 0, 0, NULL } };
	struct grid g = { 0 };
	vet_unvetted_page *p = NULL;
	vet_status st;
	json_t *o = NULL, *rows = NULL;
	int64_t first_as_of = 0;
	char *token = NULL;
	size_t total = 0;
	char **pos;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, f, &pos, &npos)) != 0 ||
	    (rv = report_form(ctl, cmd, f, &g.form)) != 0)
		return rv;
	if ((rv = ctl_connect(ctl)) != 0)
		return rv;
	g.ncol = g.form == FORM_CSV ? 7 : 6;
	if (g.form == FORM_JSON ? (o = json_object()) == NULL ||
	    (rows = json_array()) == NULL :
	    grid_row(&g, g.form == FORM_CSV ? csv_hdr : table_hdr) != 0)
		goto oom;
	do {
		if (vet_report_unvetted(ctl->client, REPORT_PAGE, token, &p,
		    &st) != VET_OK) {
			rv = server_error(&st);
			goto done;
		}
		if (token == NULL)
			first_as_of = p->as_of;
		for (size_t i = 0; i < p->n_rows; i++, total++)
			if (g.form == FORM_JSON)
				json_append(rows, json_unvetted(&p->rows[i]));
			else if (grid_unvetted(&g, &p->rows[i]) != 0)
				goto oom;
		free(token);
		if ((token = strdup(p->next_page_token)) == NULL)
			goto oom;
		vet_unvetted_page_free(p);
		p = NULL;
	} while (*token != '\0');
	if (g.form == FORM_JSON) {
		json_set(o, "as_of", report_json_when(first_as_of));
		json_set(o, "people", rows);
		rows = NULL;
		rv = output_json(o);
		o = NULL;
		goto done;
	}
	if ((rv = grid_print(&g)) == EXIT_OK && g.form == FORM_TABLE) {
		printf("%zu active %s without a valid clearance", total,
		    total == 1 ? "person" : "people");
		report_as_of(first_as_of);
	}
	goto done;
oom:
	rv = out_of_memory();
done:
	vet_unvetted_page_free(p);
	free(token);
	json_decref(rows);
	json_decref(o);
	grid_free(&g);
	return rv;
}

/*
 * report summary
 */

static json_t *
json_summary(const vet_summary *s)
{
	json_t *o, *people, *clearances, *x;

	if ((o = json_object()) == NULL)
		return NULL;
	json_set(o, "as_of", report_json_when(s->as_of));
	json_set(o, "from", report_json_when(s->from));
	json_set(o, "to", report_json_when(s->to));
	people = json_array();
	for (size_t i = 0; i < s->n_people && people != NULL; i++) {
		if ((x = json_object()) != NULL) {
			json_set(x, "status", json_string(
			    vet_person_status_name(s->people[i].status)));
			json_set(x, "count", json_integer((json_int_t)
			    s->people[i].count));
		}
		json_append(people, x);
	}
	json_set(o, "people", people);
	clearances = json_array();
	for (size_t i = 0; i < s->n_clearances && clearances != NULL; i++) {
		const vet_clearance_count *c = &s->clearances[i];

		if ((x = json_object()) != NULL) {
			json_set(x, "scheme", report_text(c->scheme));
			json_set(x, "level", report_text(c->level));
			json_set(x, "status", json_string(
			    vet_clearance_status_name(c->status)));
			json_set(x, "count", json_integer((json_int_t)
			    c->count));
		}
		json_append(clearances, x);
	}
	json_set(o, "clearances", clearances);
	json_set(o, "joiners", json_integer((json_int_t)s->joiners));
	json_set(o, "leavers", json_integer((json_int_t)s->leavers));
	json_set(o, "withdrawals", json_integer((json_int_t)s->withdrawals));
	return o;
}

/* grid_summary: one row per count: what, scheme, level, status, count
 * (CSV); the table prints three grids, people, clearances, period. */
static int
print_summary(const vet_summary *s, enum form form)
{
	struct grid g = { .form = form, .ncol = form == FORM_CSV ? 5 : 2 };
	char n[24], from[32], to[32];
	int rv = EXIT_OK;

#define ROW(...) do {							\
	const char *c_[] = { __VA_ARGS__ };				\
	if (grid_row(&g, c_) != 0)					\
		goto oom;						\
} while (0)
	if (form == FORM_CSV) {
		ROW("what", "scheme", "level", "status", "count");
		for (size_t i = 0; i < s->n_people; i++) {
			snprintf(n, sizeof(n), "%" PRIu64, s->people[i].count);
			ROW("people", "", "", vet_person_status_name(
			    s->people[i].status), n);
		}
		for (size_t i = 0; i < s->n_clearances; i++) {
			const vet_clearance_count *c = &s->clearances[i];

			snprintf(n, sizeof(n), "%" PRIu64, c->count);
			ROW("clearances", c->scheme, c->level,
			    vet_clearance_status_name(c->status), n);
		}
		snprintf(n, sizeof(n), "%" PRIu64, s->joiners);
		ROW("joiners", "", "", "", n);
		snprintf(n, sizeof(n), "%" PRIu64, s->leavers);
		ROW("leavers", "", "", "", n);
		snprintf(n, sizeof(n), "%" PRIu64, s->withdrawals);
		ROW("withdrawals", "", "", "", n);
		rv = grid_print(&g);
		goto done;
	}
	ROW("PEOPLE", "COUNT");
	for (size_t i = 0; i < s->n_people; i++) {
		snprintf(n, sizeof(n), "%" PRIu64, s->people[i].count);
		ROW(vet_person_status_name(s->people[i].status), n);
	}
	if ((rv = grid_print(&g)) != EXIT_OK)
		goto done;
	grid_free(&g);
	g.ncol = 4;
	putchar('\n');
	ROW("SCHEME", "LEVEL", "STATUS", "COUNT");
	for (size_t i = 0; i < s->n_clearances; i++) {
		const vet_clearance_count *c = &s->clearances[i];

		snprintf(n, sizeof(n), "%" PRIu64, c->count);
		ROW(c->scheme, c->level, vet_clearance_status_name(c->status),
		    n);
	}
	if ((rv = grid_print(&g)) != EXIT_OK)
		goto done;
	/* Whole days: to is the midnight after the last one. */
	printf("\nfrom %s through %s:\n", report_day(s->from, from,
	    sizeof(from)), report_day(s->to - 86400, to, sizeof(to)));
	printf("  joiners      %" PRIu64 "\n", s->joiners);
	printf("  leavers      %" PRIu64 "\n", s->leavers);
	printf("  withdrawals  %" PRIu64 "\n", s->withdrawals);
	printf("counts as recorded");
	report_as_of(s->as_of);
	goto done;
#undef ROW
oom:
	rv = out_of_memory();
done:
	grid_free(&g);
	return rv;
}

int
cmd_report_summary(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	struct flag f[] = { { "from", 1, 0, NULL }, { "to", 1, 0, NULL },
	    { "json", 0, 0, NULL }, { "csv", 0, 0, NULL },
	    { NULL, 0, 0, NULL } };
	vet_summary *s = NULL;
	vet_status st;
	enum form form;
	int64_t from, to;
	char **pos;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, f, &pos, &npos)) != 0 ||
	    (rv = report_form(ctl, cmd, f, &form)) != 0 ||
	    (rv = date_parse(cmd, "from", flag_value(f, "from"), &from)) != 0 ||
	    (rv = date_parse(cmd, "to", flag_value(f, "to"), &to)) != 0)
		return rv;
	if (from != 0 && to != 0 && from >= to)
		return usage_error(cmd, "--from must be before --to");
	if ((rv = ctl_connect(ctl)) != 0)
		return rv;
	if (vet_report_summary(ctl->client, from, to, &s, &st) != VET_OK)
		return server_error(&st);
	rv = form == FORM_JSON ? output_json(json_summary(s)) :
	    print_summary(s, form);
	vet_summary_free(s);
	return rv;
}
