/*
 * vetctl_output.c: vetctl's output, human text or JSON (jansson only).
 *
 * Everything printed here came from vetd and is treated as untrusted: text
 * for a terminal has its control characters replaced, so a record cannot
 * move the cursor or retitle the window; JSON strings that are not valid
 * UTF-8 have their non-ASCII bytes replaced, since jansson refuses them.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vettime.h"
#include "vetctl.h"

#define TABLE_COLS_MAX	8

static int json_failed;		/* a jansson allocation failed */

/* ctrl_len: bytes of the control character at s, or 0. */
static size_t
ctrl_len(const unsigned char *s)
{
	if (*s < 0x20 || *s == 0x7f)
		return 1;
	/* C1 controls, U+0080..U+009F, which some terminals obey. */
	if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
		return 2;
	return 0;
}

void
output_safe(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t n;

	while (*p != '\0') {
		if ((n = ctrl_len(p)) > 0) {
			fputc('?', f);
			p += n;
		} else
			fputc(*p++, f);
	}
}

/* text_width: characters (not bytes) output_safe prints for s. */
static size_t
text_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0, n;

	while (*p != '\0') {
		if ((n = ctrl_len(p)) > 0)
			p += n;
		else if ((*p++ & 0xc0) == 0x80)
			continue;
		w++;
	}
	return w;
}

static void
output_pad(FILE *f, const char *s, size_t width)
{
	output_safe(f, s);
	for (size_t w = text_width(s); w < width; w++)
		fputc(' ', f);
}

static const char *
or_dash(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
}

/* date_text writes "YYYY-MM-DD", or "-" for 0. */
static const char *
date_text(int64_t t, char *buf, size_t size)
{
	if (t == 0)
		return "-";
	vettime_format_date(t, buf, size);
	return buf;
}

/*
 * table_print prints rows of ncol cells (row 0 the header) as aligned
 * columns; the last column is not padded.
 */
static void
table_print(FILE *f, const char *indent, size_t ncol,
    const char *const *cells, size_t nrows)
{
	size_t width[TABLE_COLS_MAX] = { 0 }, w;

	for (size_t r = 0; r < nrows; r++)
		for (size_t i = 0; i < ncol && i < TABLE_COLS_MAX; i++)
			if ((w = text_width(cells[r * ncol + i])) > width[i])
				width[i] = w;
	for (size_t r = 0; r < nrows; r++) {
		fputs(indent, f);
		for (size_t i = 0; i < ncol && i < TABLE_COLS_MAX; i++) {
			if (i + 1 < ncol) {
				output_pad(f, cells[r * ncol + i], width[i]);
				fputs("  ", f);
			} else
				output_safe(f, cells[r * ncol + i]);
		}
		fputc('\n', f);
	}
}

void
output_table(FILE *f, size_t ncol, const char *const *cells, size_t nrows)
{
	table_print(f, "", ncol, cells, nrows);
}

void
output_error(const vet_status *st)
{
	fprintf(stderr, "vetctl: %s: ", vet_status_name(st->code));
	output_safe(stderr, st->message);
	fputc('\n', stderr);
}

/*
 * Human output.
 */

static void
print_field(FILE *f, const char *label, const char *value)
{
	fprintf(f, "%-13s", label);
	output_safe(f, or_dash(value));
	fputc('\n', f);
}

static void
print_clearances(FILE *f, const vet_person *p)
{
	static const char *const hdr[] = { "SCHEME", "LEVEL", "STATUS",
	    "GRANTED", "REVIEW DUE", "AUTHORITY", "REFERENCE" };
	const size_t ncol = sizeof(hdr) / sizeof(hdr[0]);
	const char **cells;
	char (*dates)[2][24];
	char when[24];

	if (p->n_clearances == 0) {
		fputs("clearances:  none\n", f);
		return;
	}
	cells = calloc((p->n_clearances + 1) * ncol, sizeof(*cells));
	dates = calloc(p->n_clearances, sizeof(*dates));
	if (cells == NULL || dates == NULL) {
		fputs("clearances:  (out of memory)\n", f);
		goto done;
	}
	memcpy(cells, hdr, sizeof(hdr));
	for (size_t i = 0; i < p->n_clearances; i++) {
		const vet_clearance *c = &p->clearances[i];
		const char **row = cells + (i + 1) * ncol;

		row[0] = or_dash(c->scheme);
		row[1] = or_dash(c->level);
		row[2] = vet_clearance_status_name(c->status);
		row[3] = date_text(c->granted_at, dates[i][0],
		    sizeof(dates[i][0]));
		row[4] = date_text(c->review_due, dates[i][1],
		    sizeof(dates[i][1]));
		row[5] = or_dash(c->authority);
		row[6] = or_dash(c->reference);
	}
	fputs("clearances:\n", f);
	table_print(f, "  ", ncol, cells, p->n_clearances + 1);
	for (size_t i = 0; i < p->n_clearances; i++) {
		const vet_clearance *c = &p->clearances[i];

		if (*c->status_reason == '\0')
			continue;
		fputs("  ", f);
		output_safe(f, c->scheme);
		fprintf(f, " %s since %s: ",
		    vet_clearance_status_name(c->status),
		    date_text(c->status_changed_at, when, sizeof(when)));
		output_safe(f, c->status_reason);
		fputc('\n', f);
	}
done:
	free(dates);
	free(cells);
}

static void
print_briefings(FILE *f, const vet_person *p)
{
	char when[24];

	if (p->n_briefings == 0) {
		fputs("briefings:   none\n", f);
		return;
	}
	fputs("briefings:\n", f);
	for (size_t i = 0; i < p->n_briefings; i++) {
		const vet_briefing *b = &p->briefings[i];

		fputs("  ", f);
		output_safe(f, b->compartment);
		fprintf(f, ": briefed %s", date_text(b->briefed_at, when,
		    sizeof(when)));
		if (b->debriefed_at != 0) {
			fprintf(f, ", debriefed %s", date_text(b->debriefed_at,
			    when, sizeof(when)));
			if (*b->debrief_reason != '\0') {
				fputs(": ", f);
				output_safe(f, b->debrief_reason);
			}
		} else if (b->expires_at != 0)
			fprintf(f, ", expires %s", date_text(b->expires_at,
			    when, sizeof(when)));
		fputc('\n', f);
	}
}

void
print_person(FILE *f, const vet_person *p)
{
	char when[24];

	print_field(f, "id:", p->id);
	print_field(f, "name:", p->display_name);
	print_field(f, "email:", p->email);
	print_field(f, "org unit:", p->org_unit);
	print_field(f, "nationality:", p->nationality);
	fprintf(f, "%-13s%s", "status:", vet_person_status_name(p->status));
	if (p->status_changed_at != 0 && p->status != VET_PERSON_ACTIVE)
		fprintf(f, " since %s", date_text(p->status_changed_at, when,
		    sizeof(when)));
	if (*p->status_reason != '\0') {
		fputs(": ", f);
		output_safe(f, p->status_reason);
	}
	fputc('\n', f);
	fprintf(f, "%-13s%s\n", "source:",
	    p->source == VET_SOURCE_DIRECTORY ? "directory" : "manual");
	print_clearances(f, p);
	print_briefings(f, p);
	if (p->n_history > 0)
		print_history(f, p);	/* vetctl_history.c */
}

/* clearance_summary: "nsv SC, police NPPV3 (SUSPENDED)"; caller frees. */
static char *
clearance_summary(const vet_person *p)
{
	char *s = NULL;
	size_t size = 0;
	FILE *f;

	if ((f = open_memstream(&s, &size)) == NULL)
		return NULL;
	for (size_t i = 0; i < p->n_clearances; i++) {
		const vet_clearance *c = &p->clearances[i];

		fprintf(f, "%s%s %s", i > 0 ? ", " : "", c->scheme, c->level);
		if (c->status != VET_CLEARANCE_GRANTED)
			fprintf(f, " (%s)", vet_clearance_status_name(c->status));
	}
	if (p->n_clearances == 0)
		fputs("-", f);
	if (fclose(f) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

void
print_people(FILE *f, const vet_person *people, size_t n, int header)
{
	static const char *const hdr[] = { "ID", "NAME", "STATUS",
	    "CLEARANCES" };
	const size_t ncol = sizeof(hdr) / sizeof(hdr[0]);
	const char **cells;
	char **summary;
	size_t first = header ? 0 : 1;

	cells = calloc((n + 1) * ncol, sizeof(*cells));
	summary = calloc(n > 0 ? n : 1, sizeof(*summary));
	if (cells == NULL || summary == NULL) {
		fputs("(out of memory)\n", f);
		goto done;
	}
	memcpy(cells, hdr, sizeof(hdr));
	for (size_t i = 0; i < n; i++) {
		const char **row = cells + (i + 1) * ncol;

		summary[i] = clearance_summary(&people[i]);
		row[0] = or_dash(people[i].id);
		row[1] = or_dash(people[i].display_name);
		row[2] = vet_person_status_name(people[i].status);
		row[3] = summary[i] != NULL ? summary[i] : "?";
	}
	/* Widths are per page; pages after the first print no header. */
	table_print(f, "", ncol, cells + first * ncol, n + 1 - first);
done:
	if (summary != NULL)
		for (size_t i = 0; i < n; i++)
			free(summary[i]);
	free(summary);
	free(cells);
}

/* caveat_needs: what a caveat requires, in words; caller frees. */
static char *
caveat_needs(const vet_caveat *c)
{
	char *s = NULL;
	size_t size = 0;
	FILE *f;

	if ((f = open_memstream(&s, &size)) == NULL)
		return NULL;
	if (c->kind == VET_CAVEAT_COMPARTMENT) {
		fputs("a briefing", f);
		if (*c->min_scheme != '\0' || *c->min_level != '\0')
			fprintf(f, " and %s %s or above", c->min_scheme,
			    c->min_level);
	} else if (c->kind == VET_CAVEAT_NATIONAL) {
		fputs("nationality", f);
		for (size_t i = 0; i < c->n_nationalities; i++)
			fprintf(f, "%s%s", i > 0 ? ", " : " ",
			    c->nationalities[i]);
		if (c->n_nationalities == 0)
			fputs(" (none released)", f);
	} else
		fputs("?", f);
	if (fclose(f) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

static const char *
caveat_kind_name(vet_caveat_kind k)
{
	switch (k) {
	case VET_CAVEAT_COMPARTMENT:
		return "compartment";
	case VET_CAVEAT_NATIONAL:
		return "national";
	}
	return "unknown";
}

void
print_caveats(FILE *f, const vet_caveat *caveats, size_t n)
{
	static const char *const hdr[] = { "NAME", "KIND", "BUILT IN",
	    "NEEDS" };
	const size_t ncol = sizeof(hdr) / sizeof(hdr[0]);
	const char **cells;
	char **needs;

	cells = calloc((n + 1) * ncol, sizeof(*cells));
	needs = calloc(n > 0 ? n : 1, sizeof(*needs));
	if (cells == NULL || needs == NULL) {
		fputs("(out of memory)\n", f);
		goto done;
	}
	memcpy(cells, hdr, sizeof(hdr));
	for (size_t i = 0; i < n; i++) {
		const char **row = cells + (i + 1) * ncol;

		needs[i] = caveat_needs(&caveats[i]);
		row[0] = or_dash(caveats[i].name);
		row[1] = caveat_kind_name(caveats[i].kind);
		row[2] = caveats[i].builtin ? "yes" : "no";
		row[3] = needs[i] != NULL ? needs[i] : "?";
	}
	table_print(f, "", ncol, cells, n + 1);
done:
	if (needs != NULL)
		for (size_t i = 0; i < n; i++)
			free(needs[i]);
	free(needs);
	free(cells);
}

void
print_decision(FILE *f, const vet_decision *d)
{
	if (d->effect == VET_ALLOW) {
		fputs("ALLOW\n", f);
		return;
	}
	fputs("DENY ", f);
	output_safe(f, d->reason_name);
	fputs(": ", f);
	output_safe(f, d->explanation);
	fputc('\n', f);
}

void
print_health(FILE *f, const vet_health_info *h)
{
	output_safe(f, or_dash(h->status));
	fputs(": vetd ", f);
	output_safe(f, or_dash(h->version));
	fprintf(f, ", revision %" PRIu64 ", policy ", h->revision);
	output_safe(f, or_dash(h->policy_digest));
	fputc('\n', f);
}

/*
 * JSON output.
 */

void
json_set(json_t *o, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		json_failed = 1;
}

void
json_append(json_t *a, json_t *v)
{
	if (v == NULL || json_array_append_new(a, v) != 0)
		json_failed = 1;
}

/* json_text makes a JSON string, replacing bytes that are not UTF-8. */
static json_t *
json_text(const char *s)
{
	json_t *v;
	char *copy;

	if (s == NULL)
		s = "";
	if ((v = json_string(s)) != NULL)
		return v;
	if ((copy = strdup(s)) == NULL)
		return NULL;
	for (char *p = copy; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	v = json_string(copy);
	free(copy);
	return v;
}

/* json_time: "YYYY-MM-DDTHH:MM:SSZ", or null for 0 ("not set"). */
static json_t *
json_time(int64_t t)
{
	char buf[32];

	if (t == 0)
		return json_null();
	vettime_format(t, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
json_u64(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *
json_clearance(const vet_clearance *c)
{
	json_t *o;

	if ((o = json_object()) == NULL)
		return NULL;
	json_set(o, "scheme", json_text(c->scheme));
	json_set(o, "level", json_text(c->level));
	json_set(o, "status", json_string(vet_clearance_status_name(
	    c->status)));
	json_set(o, "status_reason", json_text(c->status_reason));
	json_set(o, "status_changed_at", json_time(c->status_changed_at));
	json_set(o, "granted_at", json_time(c->granted_at));
	json_set(o, "review_due", json_time(c->review_due));
	json_set(o, "authority", json_text(c->authority));
	json_set(o, "reference", json_text(c->reference));
	return o;
}

static json_t *
json_briefing(const vet_briefing *b)
{
	json_t *o;

	if ((o = json_object()) == NULL)
		return NULL;
	json_set(o, "compartment", json_text(b->compartment));
	json_set(o, "briefed_at", json_time(b->briefed_at));
	json_set(o, "expires_at", json_time(b->expires_at));
	json_set(o, "debriefed_at", json_time(b->debriefed_at));
	json_set(o, "debrief_reason", json_text(b->debrief_reason));
	return o;
}

json_t *
json_person(const vet_person *p)
{
	json_t *o, *a;

	if ((o = json_object()) == NULL)
		return NULL;
	json_set(o, "id", json_text(p->id));
	json_set(o, "display_name", json_text(p->display_name));
	json_set(o, "email", json_text(p->email));
	json_set(o, "org_unit", json_text(p->org_unit));
	json_set(o, "nationality", json_text(p->nationality));
	json_set(o, "status", json_string(vet_person_status_name(p->status)));
	json_set(o, "status_reason", json_text(p->status_reason));
	json_set(o, "status_changed_at", json_time(p->status_changed_at));
	json_set(o, "source", json_string(p->source == VET_SOURCE_DIRECTORY ?
	    "directory" : "manual"));
	json_set(o, "created_at", json_time(p->created_at));
	json_set(o, "updated_at", json_time(p->updated_at));
	if ((a = json_array()) != NULL)
		for (size_t i = 0; i < p->n_clearances; i++)
			json_append(a, json_clearance(&p->clearances[i]));
	json_set(o, "clearances", a);
	if ((a = json_array()) != NULL)
		for (size_t i = 0; i < p->n_briefings; i++)
			json_append(a, json_briefing(&p->briefings[i]));
	json_set(o, "briefings", a);
	if (p->n_history > 0)
		json_set(o, "history", json_history(p));
	return o;
}

json_t *
json_caveat(const vet_caveat *c)
{
	json_t *o, *a;

	if ((o = json_object()) == NULL)
		return NULL;
	json_set(o, "name", json_text(c->name));
	json_set(o, "kind", json_string(caveat_kind_name(c->kind)));
	json_set(o, "min_scheme", json_text(c->min_scheme));
	json_set(o, "min_level", json_text(c->min_level));
	if ((a = json_array()) != NULL)
		for (size_t i = 0; i < c->n_nationalities; i++)
			json_append(a, json_text(c->nationalities[i]));
	json_set(o, "nationalities", a);
	json_set(o, "builtin", json_boolean(c->builtin));
	return o;
}

json_t *
json_decision(const vet_decision *d)
{
	json_t *o;

	if ((o = json_object()) == NULL)
		return NULL;
	json_set(o, "effect", json_string(d->effect == VET_ALLOW ? "ALLOW" :
	    "DENY"));
	json_set(o, "reason", json_text(d->reason_name));
	json_set(o, "explanation", json_text(d->explanation));
	json_set(o, "valid_until", json_time(d->valid_until));
	json_set(o, "at", json_time(d->at));
	json_set(o, "revision", json_u64(d->revision));
	json_set(o, "policy_digest", json_text(d->policy_digest));
	return o;
}

json_t *
json_health(const vet_health_info *h)
{
	json_t *o;

	if ((o = json_object()) == NULL)
		return NULL;
	json_set(o, "status", json_text(h->status));
	json_set(o, "version", json_text(h->version));
	json_set(o, "revision", json_u64(h->revision));
	json_set(o, "policy_digest", json_text(h->policy_digest));
	return o;
}

int
output_json(json_t *o)
{
	int rv = EXIT_OK;

	if (o == NULL || json_failed) {
		fputs("vetctl: out of memory building JSON\n", stderr);
		rv = EXIT_SERVER;
	} else if (json_dumpf(o, stdout, JSON_INDENT(2) |
	    JSON_PRESERVE_ORDER) != 0 || fputc('\n', stdout) == EOF) {
		fputs("vetctl: cannot write JSON\n", stderr);
		rv = EXIT_SERVER;
	}
	json_decref(o);
	return rv;
}
