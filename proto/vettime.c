/*
 * vettime.c: strict date and number parsing, and formatting, in UTC.
 * Trusts nothing about its input: every field is range-checked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vettime.h"

static int
is_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(long y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* days_from_civil: days since 1970-01-01 (Howard Hinnant's algorithm). */
static int64_t
days_from_civil(long y, int m, int d)
{
	y -= m <= 2;
	const long era = (y >= 0 ? y : y - 399) / 400;
	const long yoe = y - era * 400;
	const long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, long *y, int *m, int *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const long doe = (long)(z - era * 146097);
	const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const long mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (long)(yoe + era * 400) + (*m <= 2);
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
vettime_valid(int64_t t)
{
	return t >= VETTIME_MIN && t <= VETTIME_MAX;
}

int
vettime_parse(const char *s, int64_t *out)
{
	long y, mo, d, h = 0, mi = 0, se = 0;
	size_t len = strlen(s);

	if (len != 10 && len != 20)
		return -1;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d))
		return -1;
	if (len == 20) {
		if (s[10] != 'T' || digits(s + 11, 2, &h) || s[13] != ':' ||
		    digits(s + 14, 2, &mi) || s[16] != ':' ||
		    digits(s + 17, 2, &se) || s[19] != 'Z')
			return -1;
		if (h > 23 || mi > 59 || se > 59)
			return -1;
	}
	if (y < 1970 || y > 2200 || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, (int)mo))
		return -1;
	int64_t t = days_from_civil(y, (int)mo, (int)d) * 86400 + h * 3600 +
	    mi * 60 + se;
	if (!vettime_valid(t)) {
		/* 1970-01-01 as a date means midnight: round up to 1 s. */
		if (t != 0)
			return -1;
		t = VETTIME_MIN;
	}
	*out = t;
	return 0;
}

void
vettime_format_date(int64_t t, char *buf, unsigned long size)
{
	long y;
	int m, d;
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;

	civil_from_days(days, &y, &m, &d);
	snprintf(buf, size, "%04ld-%02d-%02d", y, m, d);
}

void
vettime_format(int64_t t, char *buf, unsigned long size)
{
	long y;
	int m, d;
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	int64_t secs = t - days * 86400;

	civil_from_days(days, &y, &m, &d);
	snprintf(buf, size, "%04ld-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
	    (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

int
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
