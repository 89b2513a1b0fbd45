/*
 * fuzz_register_csv.c: libFuzzer target for the clearance register's
 * CSV reader (client/register_csv.c, register_fields.c, register_set.c),
 * which reads files a user hands vetctl. Each input is read twice: in
 * one piece, and split into pieces whose sizes come from the input
 * itself. Neither may crash, and both must see the same records and the
 * same problems, in the same order (the reader promises results that do
 * not depend on how the bytes arrive). Every record must also hold what
 * the checks promise: canonical case, dates in range, review after
 * granted.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "register_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	uint64_t digest;	/* of every record and problem, in order */
	size_t	 records;
	size_t	 problems;
};

static uint64_t
mix(uint64_t h, const char *s)
{
	do {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	} while (*s++ != '\0');
	return h;
}

static void
on_record(const struct register_record *rec, void *arg)
{
	struct seen *s = arg;
	char when[32];

	if (rec->granted < 1 || rec->review_due <= rec->granted ||
	    rec->review_due > 7289654399LL || rec->id[0] == '\0' ||
	    rec->name[0] == '\0' || rec->scheme[0] == '\0' ||
	    rec->level[0] == '\0' || (rec->nationality[0] != '\0' &&
	    (strlen(rec->nationality) != 2 || rec->nationality[0] < 'A' ||
	    rec->nationality[0] > 'Z')))
		abort();
	for (const char *p = rec->scheme; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			abort();
	register_date_format(rec->granted, when, sizeof(when));
	s->digest = mix(s->digest, rec->id);
	s->digest = mix(s->digest, rec->name);
	s->digest = mix(s->digest, rec->email);
	s->digest = mix(s->digest, rec->org_unit);
	s->digest = mix(s->digest, rec->nationality);
	s->digest = mix(s->digest, rec->scheme);
	s->digest = mix(s->digest, rec->level);
	s->digest = mix(s->digest, rec->authority);
	s->digest = mix(s->digest, rec->reference);
	s->digest = mix(s->digest, when);
	s->digest ^= (uint64_t)rec->review_due + rec->line;
	s->records++;
}

static void
on_error(uint64_t line, const char *message, int fatal, void *arg)
{
	struct seen *s = arg;

	s->digest = mix(s->digest, message);
	s->digest ^= line + (uint64_t)fatal;
	s->problems++;
}

static void
read_all(const uint8_t *data, size_t size, int split, struct seen *s)
{
	struct register_reader *r;
	size_t at = 0, k = 0;

	memset(s, 0, sizeof(*s));
	if (register_reader_new(&r, on_record, on_error, s) != 0)
		abort();
	while (at < size) {
		/* Piece sizes 1..64 from the input's own bytes. */
		size_t n = split ? 1 + data[k++ % size] % 64 : size;

		if (n > size - at)
			n = size - at;
		if (register_reader_push(r, data + at, n) != 0)
			break;
		at += n;
	}
	if (at == size)
		register_reader_finish(r);
	register_reader_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen whole, pieces;
	char date[40];
	int64_t t;

	read_all(data, size, 0, &whole);
	read_all(data, size, 1, &pieces);
	if (whole.digest != pieces.digest || whole.records != pieces.records ||
	    whole.problems != pieces.problems)
		abort();

	/* The date parser alone, on the first line of the input. */
	if (size < sizeof(date)) {
		memcpy(date, data, size);
		date[size] = '\0';
		if (register_date_parse(date, &t) == 0) {
			char back[32];
			int64_t again;

			register_date_format(t, back, sizeof(back));
			if (register_date_parse(back, &again) != 0 ||
			    again != t)
				abort();
		}
	}
	return 0;
}
