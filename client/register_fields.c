/*
 * register_fields.c: one register row's fields, checked and converted.
 * The bytes come straight from an untrusted file: every field is checked
 * for UTF-8, control characters and length before any of it is echoed in
 * a message, and echoed values are cut short. The limits are vetd's own
 * (README.md "Input rules"), so a row that passes here fails in vetd only
 * for what only vetd knows: its schemes and levels, and who is a leaver.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "register_csv.h"

#define ID_MAX		128
#define NAME_MAX_BYTES	256
#define ORG_UNIT_MAX	128
#define SCHEME_MAX	32
#define LEVEL_MAX	32
#define AUTHORITY_MAX	128
#define REFERENCE_MAX	128
#define ECHO_MAX	48	/* bytes of a bad value shown in a message */

#define TIME_MIN	1			/* 1970-01-01T00:00:01Z */
#define TIME_MAX	7289654399LL		/* 2200-12-31T23:59:59Z */

const char *const register_column_names[REGISTER_COLUMNS] = {
	"id", "name", "email", "org unit", "nationality", "scheme", "level",
	"granted", "review due", "authority", "reference",
};

/* The longest each column may be, in bytes. */
static const size_t column_max[REGISTER_COLUMNS] = {
	ID_MAX, NAME_MAX_BYTES, NAME_MAX_BYTES, ORG_UNIT_MAX, 2, SCHEME_MAX,
	LEVEL_MAX, 32, 32, AUTHORITY_MAX, REFERENCE_MAX,
};

int
register_formula_start(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@';
}

int
register_utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
		} else
			return 0;
		if (len - i <= n)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* No overlong forms, surrogates, or values past U+10FFFF. */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/*
 * Dates.
 */

static int
is_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(long y, long m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* days_from_civil: days since 1970-01-01 (Howard Hinnant's algorithm). */
static int64_t
days_from_civil(long y, long m, long d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + doe - 719468;
}

/* digits reads exactly n decimal digits. */
static int
digits(const char *s, int n, long *out)
{
	long v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
register_date_parse(const char *s, int64_t *out)
{
	long y, mo, d, h = 0, mi = 0, se = 0, oh = 0, om = 0;
	int64_t t, offset = 0;
	const char *p;

	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -1;
	p = s + 10;
	if (*p != '\0') {
		if ((*p != 'T' && *p != 't' && *p != ' ') ||
		    digits(p + 1, 2, &h) || p[3] != ':' ||
		    digits(p + 4, 2, &mi) || p[6] != ':' ||
		    digits(p + 7, 2, &se))
			return -1;
		if (h > 23 || mi > 59 || se > 60)
			return -1;
		if (se == 60)
			se = 59;	/* a leap second */
		p += 9;
		if (*p == '.') {
			if (p[1] < '0' || p[1] > '9')
				return -1;
			for (p++; *p >= '0' && *p <= '9'; p++)
				;
		}
		if (*p == 'Z' || *p == 'z')
			p++;
		else if (*p == '+' || *p == '-') {
			if (digits(p + 1, 2, &oh) || p[3] != ':' ||
			    digits(p + 4, 2, &om) || oh > 23 || om > 59)
				return -1;
			offset = (oh * 3600 + om * 60) * (*p == '+' ? 1 : -1);
			p += 6;
		} else
			return -1;
		if (*p != '\0')
			return -1;
	}
	/* y is at most 9999 here, so none of this overflows. */
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se -
	    offset;
	if (t == 0)
		t = TIME_MIN;	/* 1970-01-01: vetd's 0 means "not set" */
	if (t < TIME_MIN || t > TIME_MAX)
		return -2;
	*out = t;
	return 0;
}

void
register_date_format(int64_t t, char *buf, size_t size)
{
	int64_t z = (t >= 0 ? t : t - 86399) / 86400, era, secs;
	long doe, yoe, doy, mp, y, m, d;

	secs = t - z * 86400;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (long)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = (long)(yoe + era * 400) + (m <= 2);
	if (secs == 0)
		snprintf(buf, size, "%04ld-%02ld-%02ld", y, m, d);
	else
		snprintf(buf, size, "%04ld-%02ld-%02ldT%02d:%02d:%02dZ", y, m,
		    d, (int)(secs / 3600), (int)(secs / 60 % 60),
		    (int)(secs % 60));
}

/*
 * Checks.
 */

struct check {
	struct register_fields *f;
	register_error_fn *on_error;
	void	*arg;
	int	 problems;
};

static void
problem(struct check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
problem(struct check *c, const char *fmt, ...)
{
	char msg[512];
	int n;
	va_list ap;

	n = snprintf(msg, sizeof(msg), "line %llu: ",
	    (unsigned long long)c->f->line);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	c->problems++;
	c->on_error(c->f->line, msg, 0, c->arg);
}

/* echo: field k cut to ECHO_MAX bytes at a UTF-8 boundary (the field is
 * known to be valid UTF-8 without control characters). */
static const char *
echo(struct check *c, enum register_column k, char *buf, size_t size)
{
	size_t len = c->f->len[k];

	if (len < size && len <= ECHO_MAX)
		return c->f->field[k];
	len = ECHO_MAX < size - 4 ? ECHO_MAX : size - 4;
	while (len > 0 && ((unsigned char)c->f->field[k][len] & 0xc0) == 0x80)
		len--;
	memcpy(buf, c->f->field[k], len);
	memcpy(buf + len, "...", 4);
	return buf;
}

/* text_ok: valid UTF-8, no control characters, not too long; reports. */
static int
text_ok(struct check *c, enum register_column k, int required)
{
	const unsigned char *s = (const unsigned char *)c->f->field[k];
	size_t len = c->f->len[k];

	if (!register_utf8_valid(s, len)) {
		problem(c, "%s is not valid UTF-8", register_column_names[k]);
		return 0;
	}
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] == 0x7f) {
			problem(c, "%s holds a control character",
			    register_column_names[k]);
			return 0;
		}
	if (len > column_max[k]) {
		problem(c, "%s is longer than %zu bytes",
		    register_column_names[k], column_max[k]);
		return 0;
	}
	if (required && len == 0) {
		problem(c, "%s is empty", register_column_names[k]);
		return 0;
	}
	return 1;
}

static void
check_id(struct check *c)
{
	const char *s = c->f->field[REGISTER_ID];
	char buf[ECHO_MAX + 4];

	if (!text_ok(c, REGISTER_ID, 1))
		return;
	for (size_t i = 0; i < c->f->len[REGISTER_ID]; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		    ch == '@' || ch == ':' || ch == '-')) {
			problem(c, "id \"%s\" is not a valid id (1 to %d "
			    "characters of A-Z a-z 0-9 . _ @ : -)",
			    echo(c, REGISTER_ID, buf, sizeof(buf)), ID_MAX);
			return;
		}
	}
}

/* check_name: scheme and level are printable ASCII, spaces inside only. */
static void
check_name(struct check *c, enum register_column k)
{
	const char *s = c->f->field[k];
	size_t len = c->f->len[k];
	char buf[ECHO_MAX + 4];

	if (!text_ok(c, k, 1))
		return;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e) {
			problem(c, "%s \"%s\" holds a character other than "
			    "printable ASCII", register_column_names[k],
			    echo(c, k, buf, sizeof(buf)));
			return;
		}
}

static void
check_nationality(struct check *c)
{
	char *s = c->f->field[REGISTER_NATIONALITY];
	size_t len = c->f->len[REGISTER_NATIONALITY];
	char buf[ECHO_MAX + 4];

	if (!register_utf8_valid((const unsigned char *)s, len)) {
		problem(c, "nationality is not valid UTF-8");
		return;
	}
	if (len == 0)
		return;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			problem(c, "nationality holds a control character");
			return;
		}
	if (len != 2 || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' &&
	    s[0] <= 'z')) || !((s[1] >= 'A' && s[1] <= 'Z') ||
	    (s[1] >= 'a' && s[1] <= 'z'))) {
		problem(c, "nationality \"%s\" is not a two-letter ISO 3166 "
		    "code (GB), or empty when unknown",
		    echo(c, REGISTER_NATIONALITY, buf, sizeof(buf)));
		return;
	}
	s[0] &= ~0x20;		/* upper case */
	s[1] &= ~0x20;
}

static int
check_date(struct check *c, enum register_column k, int64_t *out)
{
	char buf[ECHO_MAX + 4];
	int rv;

	if (!text_ok(c, k, 0))
		return 0;
	if (c->f->len[k] == 0) {
		problem(c, "%s is empty", register_column_names[k]);
		return 0;
	}
	if ((rv = register_date_parse(c->f->field[k], out)) == 0)
		return 1;
	if (rv == -2)
		problem(c, "%s %s is outside 1970 to 2200",
		    register_column_names[k], echo(c, k, buf, sizeof(buf)));
	else
		problem(c, "%s %s is not a date", register_column_names[k],
		    echo(c, k, buf, sizeof(buf)));
	return 0;
}

int
register_fields_check(struct register_fields *f, struct register_record *rec,
    register_error_fn *on_error, void *arg)
{
	struct check c = { .f = f, .on_error = on_error, .arg = arg };
	char g[ECHO_MAX + 4], r[ECHO_MAX + 4];
	int have_granted, have_review;

	/* Export writes '=x for a field starting with = + - or @, so that
	 * a spreadsheet shows it rather than runs it as a formula. */
	for (int k = 0; k < REGISTER_COLUMNS; k++)
		if (f->len[k] >= 2 && f->field[k][0] == '\'' &&
		    register_formula_start(f->field[k][1])) {
			f->field[k]++;
			f->len[k]--;
		}
	check_id(&c);
	text_ok(&c, REGISTER_NAME, 1);
	text_ok(&c, REGISTER_EMAIL, 0);
	text_ok(&c, REGISTER_ORG_UNIT, 0);
	check_nationality(&c);
	check_name(&c, REGISTER_SCHEME);
	check_name(&c, REGISTER_LEVEL);
	have_granted = check_date(&c, REGISTER_GRANTED, &rec->granted);
	have_review = check_date(&c, REGISTER_REVIEW_DUE, &rec->review_due);
	if (have_granted && have_review && rec->review_due <= rec->granted)
		problem(&c, "review due %s is not after granted %s",
		    echo(&c, REGISTER_REVIEW_DUE, r, sizeof(r)),
		    echo(&c, REGISTER_GRANTED, g, sizeof(g)));
	text_ok(&c, REGISTER_AUTHORITY, 0);
	text_ok(&c, REGISTER_REFERENCE, 0);
	if (c.problems > 0)
		return c.problems;

	/* Schemes are matched without regard to case: canonical is lower. */
	for (char *s = f->field[REGISTER_SCHEME]; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s + ('a' - 'A'));
	rec->line = f->line;
	rec->id = f->field[REGISTER_ID];
	rec->name = f->field[REGISTER_NAME];
	rec->email = f->field[REGISTER_EMAIL];
	rec->org_unit = f->field[REGISTER_ORG_UNIT];
	rec->nationality = f->field[REGISTER_NATIONALITY];
	rec->scheme = f->field[REGISTER_SCHEME];
	rec->level = f->field[REGISTER_LEVEL];
	rec->authority = f->field[REGISTER_AUTHORITY];
	rec->reference = f->field[REGISTER_REFERENCE];
	return 0;
}
