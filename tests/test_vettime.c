/*
 * test_vettime.c: strict date parsing and formatting in UTC, and parse_u64,
 * the one way numbers are read from text. Table-driven; each row names
 * itself in failure messages.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "vettime.h"

#define SENTINEL	((int64_t)-42)

static const struct {
	const char	*text;
	int64_t		 want;
} parse_ok[] = {
	{ "2024-01-01", 1704067200 },
	{ "2024-01-01T00:00:00Z", 1704067200 },
	{ "2024-01-01T13:14:15Z", 1704067200 + 13 * 3600 + 14 * 60 + 15 },
	{ "2024-02-29", 1709164800 },			/* leap day */
	{ "2000-02-29", 951782400 },			/* 400-year leap */
	{ "2023-12-31T23:59:59Z", 1704067199 },
	{ "2200-12-31", 7289568000LL },
	{ "2200-12-31T23:59:59Z", VETTIME_MAX },
	{ "1970-01-01T00:00:01Z", VETTIME_MIN },
	/* The epoch means "not set": as a date it rounds up to 1 s. */
	{ "1970-01-01", VETTIME_MIN },
	{ "1970-01-02", 86400 },
};

static const char *const parse_bad[] = {
	"",
	"garbage",
	"2023-02-29",			/* not a leap year */
	"2100-02-29",			/* century, not a leap year */
	"2201-01-01",			/* after the range */
	"2201-01-01T00:00:00Z",
	"1969-12-31",			/* before the range */
	"1969-12-31T23:59:59Z",
	"2024-13-01",			/* 13th month */
	"2024-00-10",
	"2024-04-31",
	"2024-01-00",
	"2024-01-32",
	"2024-1-01",
	"2024/01/01",
	"2024-01-01 ",			/* trailing characters */
	"2024-01-01x",
	"2024-01-01T",
	"2024-01-01T00:00:00",
	"2024-01-01T00:00:00Zx",
	"2024-01-01T00:00:00+00:00",
	"2024-01-01t00:00:00z",
	"2024-01-01 00:00:00Z",
	" 2024-01-01",
	"+024-01-01",
	"2024-01-01T24:00:00Z",
	"2024-01-01T23:60:00Z",
	"2024-01-01T23:59:60Z",
	"2024-01-01T-1:00:00Z",
	"20240101",
	"１０２４-01-01",
};

Test(vettime, parse_valid)
{
	size_t i;
	int64_t t;

	for (i = 0; i < sizeof(parse_ok) / sizeof(parse_ok[0]); i++) {
		t = SENTINEL;
		cr_expect_eq(vettime_parse(parse_ok[i].text, &t), 0,
		    "\"%s\" rejected", parse_ok[i].text);
		cr_expect_eq(t, parse_ok[i].want, "\"%s\": %lld, want %lld",
		    parse_ok[i].text, (long long)t,
		    (long long)parse_ok[i].want);
	}
}

Test(vettime, parse_invalid)
{
	size_t i;
	int64_t t;

	for (i = 0; i < sizeof(parse_bad) / sizeof(parse_bad[0]); i++) {
		t = SENTINEL;
		cr_expect_eq(vettime_parse(parse_bad[i], &t), -1,
		    "\"%s\" accepted", parse_bad[i]);
		cr_expect_eq(t, SENTINEL, "\"%s\": out written on failure",
		    parse_bad[i]);
	}
}

Test(vettime, valid_bounds)
{
	cr_assert(!vettime_valid(0));
	cr_assert(!vettime_valid(-1));
	cr_assert(vettime_valid(VETTIME_MIN));
	cr_assert(vettime_valid(VETTIME_MAX));
	cr_assert(!vettime_valid(VETTIME_MAX + 1));
	cr_assert(!vettime_valid(INT64_MIN));
	cr_assert(!vettime_valid(INT64_MAX));
}

Test(vettime, format)
{
	char buf[32];

	vettime_format(1709164800 + 3661, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2024-02-29T01:01:01Z");
	vettime_format_date(1709164800 + 3661, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2024-02-29");
	vettime_format(VETTIME_MAX, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2200-12-31T23:59:59Z");
	vettime_format(VETTIME_MIN, buf, sizeof(buf));
	cr_assert_str_eq(buf, "1970-01-01T00:00:01Z");
	vettime_format_date(1704067199, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2023-12-31");

	/* Short buffers truncate and stay terminated. */
	memset(buf, 'x', sizeof(buf));
	vettime_format_date(1704067200, buf, 5);
	cr_assert_str_eq(buf, "2024");
	cr_assert_eq(buf[5], 'x');
	memset(buf, 'x', sizeof(buf));
	vettime_format(1704067200, buf, 11);
	cr_assert_str_eq(buf, "2024-01-01");
	cr_assert_eq(buf[11], 'x');
}

Test(vettime, round_trip)
{
	static const int64_t fixed[] = { VETTIME_MIN, 86399, 86400,
	    951782400, 1704067199, 1709164800, 4102444800LL, VETTIME_MAX };
	char buf[32];
	int64_t t, back;
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		vettime_format(fixed[i], buf, sizeof(buf));
		cr_expect_eq(vettime_parse(buf, &back), 0, "%s rejected", buf);
		cr_expect_eq(back, fixed[i], "%s: %lld, want %lld", buf,
		    (long long)back, (long long)fixed[i]);
	}

	/* Every 7919 minutes plus a little, across the whole range. */
	for (t = VETTIME_MIN; t <= VETTIME_MAX; t += 7919 * 60 + 13) {
		vettime_format(t, buf, sizeof(buf));
		back = SENTINEL;
		if (vettime_parse(buf, &back) != 0 || back != t)
			cr_assert_fail("%lld -> %s -> %lld", (long long)t, buf,
			    (long long)back);

		/* A date parses to that day's midnight. */
		vettime_format_date(t, buf, sizeof(buf));
		back = SENTINEL;
		if (vettime_parse(buf, &back) != 0 ||
		    (t >= 86400 && back != t - t % 86400))
			cr_assert_fail("%lld -> %s -> %lld (date)",
			    (long long)t, buf, (long long)back);
	}
}

static const struct {
	const char	*text;
	uint64_t	 min, max;
	int		 rv;
	uint64_t	 want;
} u64_rows[] = {
	{ "0", 0, 10, 0, 0 },
	{ "42", 1, 100, 0, 42 },
	{ "1", 1, 100, 0, 1 },			/* at min */
	{ "100", 1, 100, 0, 100 },		/* at max */
	{ "0", 1, 100, -1, 0 },			/* below min */
	{ "101", 1, 100, -1, 0 },		/* above max */
	{ "007", 0, 10, 0, 7 },
	{ "18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX },
	{ "18446744073709551616", 0, UINT64_MAX, -1, 0 },	/* overflow */
	{ "99999999999999999999999", 0, UINT64_MAX, -1, 0 },
	{ "", 0, 10, -1, 0 },
	{ "-1", 0, UINT64_MAX, -1, 0 },
	{ "-0", 0, 10, -1, 0 },
	{ "+1", 0, 10, -1, 0 },
	{ " 1", 0, 10, -1, 0 },
	{ "1 ", 0, 10, -1, 0 },
	{ "1\n", 0, 10, -1, 0 },
	{ "12a", 0, 100, -1, 0 },
	{ "0x10", 0, 100, -1, 0 },
	{ "1e3", 0, 10000, -1, 0 },
	{ "1.0", 0, 10, -1, 0 },
	{ "abc", 0, 10, -1, 0 },
};

Test(vettime, parse_u64)
{
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(u64_rows) / sizeof(u64_rows[0]); i++) {
		v = 12345;
		cr_expect_eq(parse_u64(u64_rows[i].text, u64_rows[i].min,
		    u64_rows[i].max, &v), u64_rows[i].rv,
		    "\"%s\" in [%llu, %llu]", u64_rows[i].text,
		    (unsigned long long)u64_rows[i].min,
		    (unsigned long long)u64_rows[i].max);
		cr_expect_eq(v, u64_rows[i].rv == 0 ? u64_rows[i].want : 12345,
		    "\"%s\": %llu", u64_rows[i].text, (unsigned long long)v);
	}
	v = 12345;
	cr_expect_eq(parse_u64(NULL, 0, 10, &v), -1);
	cr_expect_eq(v, 12345);
}
