/*
 * vettime.h: the one place dates and numbers are parsed from text and
 * formatted back. Dates are UTC; the accepted range is 1970-01-01 (exclusive
 * of the epoch itself, which means "not set") to 2200-12-31.
 */
#ifndef VET_VETTIME_H
#define VET_VETTIME_H

#include <stdint.h>

#define VETTIME_MIN 1			/* 1970-01-01T00:00:01Z */
#define VETTIME_MAX 7289654399LL	/* 2200-12-31T23:59:59Z */

/*
 * vettime_parse accepts "YYYY-MM-DD" (midnight UTC) or
 * "YYYY-MM-DDTHH:MM:SSZ", a real calendar date within range. Returns 0 and
 * writes *out, or -1.
 */
int vettime_parse(const char *s, int64_t *out);

/* vettime_valid: t is within [VETTIME_MIN, VETTIME_MAX]. */
int vettime_valid(int64_t t);

/* vettime_format_date writes "YYYY-MM-DD" (buf of at least 11). */
void vettime_format_date(int64_t t, char *buf, unsigned long size);

/* vettime_format writes "YYYY-MM-DDTHH:MM:SSZ" (buf of at least 21). */
void vettime_format(int64_t t, char *buf, unsigned long size);

/*
 * parse_u64 parses a decimal number in [min, max] with nothing after it.
 * Returns 0 and writes *out, or -1. Never use atoi.
 */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif /* VET_VETTIME_H */
