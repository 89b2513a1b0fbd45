/*
 * audit_diff.c: what a write did to a person, as the compact text an audit
 * entry holds: "field: before -> after; ..." for the fields that changed.
 * Works on records that passed validation and the store's decoder, so
 * every string is valid UTF-8 within its field; free text is quoted (with
 * \" and \\ escaped) so that "; " and " -> " inside it cannot be mistaken
 * for the separators. Bounded: the text is cut with "…".
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "vettime.h"

#define CUT_MARK	"\xe2\x80\xa6"		/* "…", U+2026 */
#define CUT_MARK_LEN	3
#define VALUE_MAX	(REASON_MAX * 2 + 3)	/* a quoted, escaped text */

/* utf8_boundary: the largest n' <= n where s may be cut. */
static size_t
utf8_boundary(const char *s, size_t n)
{
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

static int
is_cut(const char *out, size_t len)
{
	return len >= CUT_MARK_LEN &&
	    memcmp(out + len - CUT_MARK_LEN, CUT_MARK, CUT_MARK_LEN) == 0;
}

void
audit_text_add(char *out, size_t size, const char *sep, const char *fmt, ...)
{
	size_t len = strnlen(out, size), room, n;
	char piece[AUDIT_CHANGE_MAX + 1];
	va_list ap;
	int w;

	if (len >= size || is_cut(out, len))
		return;
	va_start(ap, fmt);
	w = vsnprintf(piece, sizeof(piece), fmt, ap);
	va_end(ap);
	if (w < 0)
		return;
	n = (size_t)w < sizeof(piece) ? (size_t)w : sizeof(piece) - 1;
	if (len > 0 && sep != NULL) {
		size_t slen = strlen(sep);
		if (len + slen < size) {
			memcpy(out + len, sep, slen + 1);
			len += slen;
		}
	}
	room = size - 1 - len;
	if (n <= room && (size_t)w < sizeof(piece)) {
		memcpy(out + len, piece, n + 1);
		return;
	}
	/* Cut, keeping room for the mark. */
	if (room < CUT_MARK_LEN) {
		len = utf8_boundary(out, len - (CUT_MARK_LEN - room));
		room = CUT_MARK_LEN;
		n = 0;
	} else
		n = utf8_boundary(piece, room - CUT_MARK_LEN < n ?
		    room - CUT_MARK_LEN : n);
	memcpy(out + len, piece, n);
	memcpy(out + len + n, CUT_MARK, CUT_MARK_LEN + 1);
}

/* quote writes s in double quotes, escaping " and \. */
static const char *
quote(const char *s, char *buf, size_t size)
{
	size_t o = 0;

	buf[o++] = '"';
	for (; *s != '\0' && o + 3 < size; s++) {
		if (*s == '"' || *s == '\\')
			buf[o++] = '\\';
		buf[o++] = *s;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

/* when: "-" for 0, a date at midnight, else the full time. */
static const char *
when(vtime t, char *buf, size_t size)
{
	if (t == 0)
		return "-";
	if (t % 86400 == 0)
		vettime_format_date(t, buf, size);
	else
		vettime_format(t, buf, size);
	return buf;
}

static const char *
person_status_text(enum person_status s)
{
	switch (s) {
	case PERSON_ACTIVE:
		return "ACTIVE";
	case PERSON_SUSPENDED:
		return "SUSPENDED";
	case PERSON_LEAVER:
		return "LEAVER";
	}
	return "-";
}

static const char *
clearance_status_text(enum clearance_status s)
{
	switch (s) {
	case CLEARANCE_GRANTED:
		return "GRANTED";
	case CLEARANCE_SUSPENDED:
		return "SUSPENDED";
	case CLEARANCE_WITHDRAWN:
		return "WITHDRAWN";
	case CLEARANCE_LAPSED:
		return "LAPSED";
	}
	return "-";
}

static const char *
source_text(enum person_source s)
{
	return s == SOURCE_DIRECTORY ? "directory" :
	    s == SOURCE_MANUAL ? "manual" : "-";
}

/*
 * A group ("clearance nsv", or the person's own fields) collects
 * "field before -> after" items. For a new record or sub-record only the
 * values set are listed: "field value".
 */
struct group {
	char	*out;
	size_t	size;
	const char *title;	/* "clearance nsv: ", or "" */
	const char *join;	/* between the group's items */
	const char *fsep;	/* between a field's name and its values */
	int	created;	/* list values, not changes */
	int	items;
};

static void
item(struct group *g, const char *field, const char *before,
    const char *after)
{
	if (g->created) {
		if (strcmp(after, "-") == 0 || strcmp(after, "\"\"") == 0)
			return;
		audit_text_add(g->out, g->size, g->items ? g->join : "; ",
		    "%s%s%s%s", g->items ? "" : g->title, field, g->fsep,
		    after);
	} else {
		if (strcmp(before, after) == 0)
			return;
		audit_text_add(g->out, g->size, g->items ? g->join : "; ",
		    "%s%s%s%s -> %s", g->items ? "" : g->title, field, g->fsep,
		    before, after);
	}
	g->items++;
}

static void
text_item(struct group *g, const char *field, const char *before,
    const char *after)
{
	char b[VALUE_MAX], a[VALUE_MAX];

	item(g, field, quote(before, b, sizeof(b)), quote(after, a,
	    sizeof(a)));
}

static void
time_item(struct group *g, const char *field, vtime before, vtime after)
{
	char b[32], a[32];

	item(g, field, when(before, b, sizeof(b)), when(after, a, sizeof(a)));
}

static void
clearance_diff(char *out, size_t size, const struct clearance *b,
    const struct clearance *a)
{
	static const struct clearance none;
	char title[SCHEME_MAX + 16];
	struct group g = { out, size, title, ", ", " ", b == NULL, 0 };

	snprintf(title, sizeof(title), "clearance %s: %s", a->scheme,
	    b == NULL ? "new, " : "");
	if (b == NULL)
		b = &none;
	item(&g, "level", b->level[0] ? b->level : "-", a->level);
	item(&g, "status", clearance_status_text(b->status),
	    clearance_status_text(a->status));
	time_item(&g, "granted_at", b->granted_at, a->granted_at);
	time_item(&g, "review_due", b->review_due, a->review_due);
	text_item(&g, "authority", b->authority, a->authority);
	text_item(&g, "reference", b->reference, a->reference);
}

static void
briefing_diff(char *out, size_t size, const struct briefing *b,
    const struct briefing *a)
{
	static const struct briefing none;
	char title[CAVEAT_MAX + 16];
	struct group g = { out, size, title, ", ", " ", b == NULL, 0 };

	snprintf(title, sizeof(title), "briefing %s: %s", a->compartment,
	    b == NULL ? "new, " : "");
	if (b == NULL)
		b = &none;
	time_item(&g, "briefed_at", b->briefed_at, a->briefed_at);
	time_item(&g, "expires_at", b->expires_at, a->expires_at);
	time_item(&g, "debriefed_at", b->debriefed_at, a->debriefed_at);
}

void
audit_person_diff(const struct person *before, const struct person *after,
    char *out, size_t size)
{
	static const struct person none;
	const struct person *b = before != NULL ? before : &none;
	struct group g = { out, size, "", "; ", ": ", before == NULL, 0 };
	size_t i, k;

	out[0] = '\0';
	if (before == NULL)
		audit_text_add(out, size, NULL, "created");
	text_item(&g, "display_name", b->display_name, after->display_name);
	text_item(&g, "email", b->email, after->email);
	text_item(&g, "org_unit", b->org_unit, after->org_unit);
	item(&g, "nationality", b->nationality[0] ? b->nationality : "-",
	    after->nationality[0] ? after->nationality : "-");
	item(&g, "status", person_status_text(b->status),
	    person_status_text(after->status));
	item(&g, "source", source_text(b->source), source_text(after->source));

	for (i = 0; i < after->n_clearances; i++) {
		const struct clearance *old = NULL;
		for (k = 0; k < b->n_clearances; k++)
			if (strcmp(b->clearances[k].scheme,
			    after->clearances[i].scheme) == 0)
				old = &b->clearances[k];
		clearance_diff(out, size, old, &after->clearances[i]);
	}
	for (k = 0; k < b->n_clearances; k++) {
		for (i = 0; i < after->n_clearances; i++)
			if (strcmp(b->clearances[k].scheme,
			    after->clearances[i].scheme) == 0)
				break;
		if (i == after->n_clearances)
			audit_text_add(out, size, "; ", "clearance %s: removed",
			    b->clearances[k].scheme);
	}
	for (i = 0; i < after->n_briefings; i++) {
		const struct briefing *old = NULL;
		for (k = 0; k < b->n_briefings; k++)
			if (strcmp(b->briefings[k].compartment,
			    after->briefings[i].compartment) == 0)
				old = &b->briefings[k];
		briefing_diff(out, size, old, &after->briefings[i]);
	}
	for (k = 0; k < b->n_briefings; k++) {
		for (i = 0; i < after->n_briefings; i++)
			if (strcmp(b->briefings[k].compartment,
			    after->briefings[i].compartment) == 0)
				break;
		if (i == after->n_briefings)
			audit_text_add(out, size, "; ", "briefing %s: removed",
			    b->briefings[k].compartment);
	}
	if (out[0] == '\0')
		audit_text_add(out, size, NULL, "no change");
}
