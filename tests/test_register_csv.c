/*
 * test_register_csv.c: the register's CSV reader on its own (client/
 * register_csv.c, register_fields.c, register_set.c): the header, every
 * kind of bad row with its exact message and line, byte-order marks and
 * CR LF, quoting, dates, the duplicate set, and streaming: the same
 * records and problems however the bytes are split, and memory that does
 * not grow with the file (200,000 rows from a file; 64 MiB without a
 * line break pushed in chunks, standing in for the 2 GB file, which would
 * take too long here).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "register_csv.h"

#define HEADER	"id,name,email,org unit,nationality,scheme,level,granted," \
		"review due,authority,reference\n"
#define ROW(id)	id ",Alice Smith,a@x.example,CID,GB,nsv,SC,2020-01-01," \
		"2030-01-01,UKSV,SC-1\n"

struct seen {
	size_t	 n_records;
	char	 ids[64][32];
	uint64_t lines[64];
	char	 first[512];		/* the first record, as text */
	size_t	 n_problems;
	char	 problems[64][512];
	int	 fatal;
};

static void
on_record(const struct register_record *rec, void *arg)
{
	struct seen *s = arg;

	if (s->n_records == 0)
		snprintf(s->first, sizeof(s->first), "%s|%s|%s|%s|%s|%s|%s|"
		    "%lld|%lld|%s|%s", rec->id, rec->name, rec->email,
		    rec->org_unit, rec->nationality, rec->scheme, rec->level,
		    (long long)rec->granted, (long long)rec->review_due,
		    rec->authority, rec->reference);
	if (s->n_records < 64) {
		snprintf(s->ids[s->n_records], 32, "%s", rec->id);
		s->lines[s->n_records] = rec->line;
	}
	s->n_records++;
}

static void
on_error(uint64_t line, const char *message, int fatal, void *arg)
{
	struct seen *s = arg;

	if (s->n_problems < 64)
		snprintf(s->problems[s->n_problems], 512, "%s", message);
	s->n_problems++;
	s->fatal |= fatal;
	(void)line;
}

/* read_text feeds text in pieces of step bytes (0: all at once). */
static int
read_text(const char *text, size_t len, size_t step, struct seen *s)
{
	struct register_reader *r;
	int rv = 0;

	memset(s, 0, sizeof(*s));
	cr_assert_eq(register_reader_new(&r, on_record, on_error, s), 0);
	for (size_t at = 0; at < len && rv == 0;) {
		size_t n = step == 0 || len - at < step ? len - at : step;

		rv = register_reader_push(r, text + at, n);
		at += n;
	}
	if (rv == 0)
		rv = register_reader_finish(r);
	register_reader_free(r);
	return rv;
}

static int
read_str(const char *text, struct seen *s)
{
	return read_text(text, strlen(text), 0, s);
}

static void
expect_problems(const struct seen *s, const char *const *want)
{
	size_t n = 0;

	for (; want[n] != NULL; n++) {
		cr_assert(n < s->n_problems, "missing problem \"%s\"", want[n]);
		cr_assert_str_eq(s->problems[n], want[n]);
	}
	cr_assert_eq(s->n_problems, n, "%zu problems, the extra one: %s",
	    s->n_problems, s->problems[n]);
}

#define PROBLEMS(s, ...) expect_problems(s, (const char *[]){ __VA_ARGS__, \
	NULL })

Test(register_csv, reads_rows_in_canonical_form)
{
	struct seen s;

	cr_assert_eq(read_str(HEADER
	    "alice,Alice Smith,a@x.example,Major Crime,gb,NSV,sc,2020-01-01,"
	    "2030-06-30T12:00:00Z,UKSV,SC-1\n"
	    "bob,\"Jones, Bob \"\"BJ\"\"\",,,,police,NPPV3,2021-02-03,"
	    "2031-02-03,,\n", &s), 0);
	cr_assert_eq(s.n_problems, 0, "%s", s.problems[0]);
	cr_assert_eq(s.n_records, 2);
	cr_assert_str_eq(s.first, "alice|Alice Smith|a@x.example|Major Crime|"
	    "GB|nsv|sc|1577836800|1909051200|UKSV|SC-1");
	cr_assert_str_eq(s.ids[1], "bob");
	cr_assert_eq(s.lines[0], 2);
	cr_assert_eq(s.lines[1], 3);
}

/* A ' before = + - or @ (export's guard against spreadsheet formulas)
 * is taken away; any other ' stays. */
Test(register_csv, formula_guard_removed)
{
	struct seen s;

	cr_assert_eq(read_str(HEADER
	    "'-x1,'=1+2,'@mail,'+Unit,gb,nsv,SC,2020-01-01,2030-01-01,"
	    "'O'Neill,'x\n", &s), 0);
	cr_assert_eq(s.n_problems, 0, "%s", s.problems[0]);
	cr_assert_str_eq(s.first, "-x1|=1+2|@mail|+Unit|GB|nsv|SC|1577836800|"
	    "1893456000|'O'Neill|'x");
}

Test(register_csv, header_any_order_case_and_spelling)
{
	struct seen s;

	cr_assert_eq(read_str("Reference,Review_Due,GRANTED,Level,Scheme,"
	    "Nationality,OrgUnit,E-mail,Name,ID,Authority\n"
	    "R-1,2030-01-01,2020-01-01,SC,nsv,GB,CID,a@x.example,Alice,a1,"
	    "UKSV\n", &s), 0);
	cr_assert_eq(s.n_problems, 0, "%s", s.problems[0]);
	cr_assert_str_eq(s.first, "a1|Alice|a@x.example|CID|GB|nsv|SC|"
	    "1577836800|1893456000|UKSV|R-1");
}

Test(register_csv, bom_and_crlf_accepted)
{
	struct seen s, plain;
	const char *crlf = "\xef\xbb\xbfid,name,email,org unit,nationality,"
	    "scheme,level,granted,review due,authority,reference\r\n"
	    ROW("a1") "\r\n" "a2,Alice Smith,a@x.example,CID,GB,nsv,SC,"
	    "2020-01-01,2030-01-01,UKSV,SC-1\r\n"
	    "a3,\"two\r\nlines\",,,,nsv,SC,2020-01-01,2030-01-01,,\r\n"
	    "a4,Bad,,,,nsv,SC,2020-01-01,2020-01-01,,\r\n";

	/* ROW ends in LF: that line ends in LF CR LF, a blank line. */
	cr_assert_eq(read_str(crlf, &s), 0);
	PROBLEMS(&s, "line 5: name holds a control character",
	    "line 7: review due 2020-01-01 is not after granted 2020-01-01");
	cr_assert_eq(s.n_records, 2);
	cr_assert_eq(s.lines[0], 2);
	cr_assert_eq(s.lines[1], 4);
	/* The same bytes split everywhere give the same result. */
	for (size_t step = 1; step <= 7; step++) {
		cr_assert_eq(read_text(crlf, strlen(crlf), step, &plain), 0);
		cr_assert_eq(plain.n_records, 2, "step %zu", step);
		cr_assert_eq(plain.lines[1], 4, "step %zu", step);
		cr_assert_eq(plain.n_problems, 2, "step %zu", step);
		cr_assert_str_eq(plain.problems[1], s.problems[1]);
	}
}

Test(register_csv, every_bad_row_with_its_line)
{
	struct seen s;

	cr_assert_eq(read_str(HEADER
	    ROW("ok1")
	    "d1,D One,,,,nsv,SC,2020-01-01,2025-02-30,,\n"
	    "d2,D Two,,,,nsv,SC,1969-12-31,2030-01-01,,\n"
	    "d3,D Three,,,,nsv,SC,01/02/2020,2030-01-01,,\n"
	    "d4,D Four,,,,nsv,SC,2020-01-01\n"
	    "d5,D Five,,,,nsv,SC,2020-01-01,2030-01-01,,,extra\n"
	    "d6,D \xc3\x28 Six,,,,nsv,SC,2020-01-01,2030-01-01,,\n"
	    "d 7,,,,GBR,,SC,,2030-01-01,,\n"
	    "\n"
	    "   \n"
	    ROW("ok1")
	    "ok1,Alice Smith,a@x.example,CID,GB,police,NPPV3,2020-01-01,"
	    "2030-01-01,,\n"
	    "ok1,Alice Smyth,a@x.example,CID,GB,custom,L1,2020-01-01,"
	    "2030-01-01,,\n"
	    "d8,\"bad \"quote,,,,nsv,SC,2020-01-01,2030-01-01,,\n"
	    ROW("ok2"), &s), 0);
	PROBLEMS(&s,
	    "line 3: review due 2025-02-30 is not a date",
	    "line 4: granted 1969-12-31 is outside 1970 to 2200",
	    "line 5: granted 01/02/2020 is not a date",
	    "line 6: 8 columns, expected 11",
	    "line 7: 12 columns, expected 11",
	    "line 8: name is not valid UTF-8",
	    "line 9: id \"d 7\" is not a valid id (1 to 128 characters of "
	    "A-Z a-z 0-9 . _ @ : -)",
	    "line 9: name is empty",
	    "line 9: nationality \"GBR\" is not a two-letter ISO 3166 code "
	    "(GB), or empty when unknown",
	    "line 9: scheme is empty",
	    "line 9: granted is empty",
	    "line 12: duplicate id ok1 (also on line 2)",
	    "line 14: name, email, org unit or nationality of ok1 differ "
	    "from line 2 (one person's rows must agree)",
	    "line 15: bad quoting: a quote inside a field that does not "
	    "start with one, or text after a closing quote");
	cr_assert_eq(s.n_records, 3);	/* ok1 nsv, ok1 police, ok2 */
	cr_assert_eq(s.lines[2], 16, "reading went on after the bad quote");
	cr_assert_eq(s.fatal, 0);
}

Test(register_csv, lengths_and_control_characters)
{
	char text[4096];
	struct seen s;
	char name[300];

	memset(name, 'n', 257);
	name[257] = '\0';
	snprintf(text, sizeof(text), HEADER
	    "x1,%s,,,,nsv,SC,2020-01-01,2030-01-01,,\n"
	    "x2,\"tab\there\",,,,nsv,SC,2020-01-01,2030-01-01,,\n"
	    "x3,N,,,,n\xc3\xa9v,SC,2020-01-01,2030-01-01,,\n", name);
	cr_assert_eq(read_str(text, &s), 0);
	PROBLEMS(&s, "line 2: name is longer than 256 bytes",
	    "line 3: name holds a control character",
	    "line 4: scheme \"n\xc3\xa9v\" holds a character other than "
	    "printable ASCII");
}

Test(register_csv, header_problems_stop_reading)
{
	struct seen s;

	cr_assert_eq(read_str("id,name,email,org unit,nationality,scheme,"
	    "level,granted,review due,authority,reference,notes,Level\n"
	    ROW("a1"), &s), -1);
	PROBLEMS(&s, "line 1: unknown column \"notes\"",
	    "line 1: column \"level\" appears twice (columns 7 and 13)",
	    "the header is wrong: no row was read");
	cr_assert_eq(s.n_records, 0);
	cr_assert(s.fatal);

	cr_assert_eq(read_str("\n\nid,name\n" ROW("a1"), &s), -1);
	cr_assert_str_eq(s.problems[0], "line 3: no column \"email\"");
	cr_assert_eq(s.n_problems, 10);

	/* Found by fuzz_register_csv: a known name past the 11th column. */
	cr_assert_eq(read_str("a,b,c,d,e,f,g,h,i,j,k,id\n" ROW("a1"), &s), -1);
	cr_assert_str_eq(s.problems[0], "line 1: unknown column \"a\"");
	cr_assert_str_eq(s.problems[11], "line 1: no column \"name\"");

	cr_assert_eq(read_str(ROW("a1"), &s), -1);
	PROBLEMS(&s, "line 1: the first row must name the columns: id, name, "
	    "email, org unit, nationality, scheme, level, granted, review "
	    "due, authority, reference");
}

Test(register_csv, empty_files)
{
	struct seen s;

	cr_assert_eq(read_str("", &s), -1);
	PROBLEMS(&s, "the file is empty: it needs a header row naming the "
	    "columns");
	cr_assert_eq(read_str("\xef\xbb\xbf\r\n \r\n", &s), -1);
	cr_assert_eq(s.n_problems, 1);
	cr_assert_eq(read_str("\xef\xbb", &s), -1);	/* not a header */
	cr_assert_eq(read_str(HEADER, &s), 0);		/* no rows: fine */
	cr_assert_eq(s.n_problems + s.n_records, 0);
	cr_assert_eq(read_str("\xff\xfei\0d\0", &s), -1);
	PROBLEMS(&s, "the file is UTF-16: save it as CSV in UTF-8");
}

Test(register_csv, open_quote_at_the_end)
{
	struct seen s;

	cr_assert_eq(read_str(HEADER ROW("a1")
	    "a2,\"Alice,,,,nsv,SC,2020-01-01,2030-01-01,,\n", &s), 0);
	PROBLEMS(&s, "line 3: the file ends inside a quoted field");
	cr_assert_eq(s.n_records, 1);
}

/* A quote left open swallows what follows: the row cap stops it, and
 * reading goes on at the next line. */
Test(register_csv, long_row_refused_and_reading_goes_on)
{
	size_t len = strlen(HEADER) + 200000;
	char *text = malloc(len + 256), *p;
	struct seen s;

	p = text + sprintf(text, HEADER "a1,\"open");
	for (int i = 0; i < 4000; i++)
		p += sprintf(p, "%s", "filler text without commas\n");
	sprintf(p, ROW("a2"));
	cr_assert_eq(read_str(text, &s), 0);
	cr_assert_str_eq(s.problems[0], "line 2: a row longer than 65536 "
	    "bytes (a quote left open?)");
	/* 35 + 27 * 2426 bytes: the piece ending line 2428 is one too
	 * many; the filler lines after it (to 4001) are rows of their own. */
	cr_assert_str_eq(s.problems[1], "line 2429: 1 column, expected 11");
	cr_assert_eq(s.n_problems, 1 + 4001 - 2428);
	cr_assert_eq(s.n_records, 1);
	cr_assert_str_eq(s.ids[0], "a2");
	free(text);
}

Test(register_csv, too_many_schemes)
{
	char *text = malloc(300 * 100 + 256), *p;
	struct seen s;

	p = text + sprintf(text, HEADER);
	for (int i = 0; i < 256; i++)
		p += sprintf(p, "p%d,N,,,,s%d,L,2020-01-01,2030-01-01,,\n", i, i);
	cr_assert_eq(read_str(text, &s), 0);
	PROBLEMS(&s, "line 257: more than 255 different schemes in one file");
	cr_assert_eq(s.n_records, 255);
	free(text);
}

Test(register_csv, duplicate_set_full_stops_reading)
{
	struct register_reader *r;
	struct seen s = { 0 };
	char row[128];
	int rv = 0, i;

	cr_assert_eq(register_reader_new(&r, on_record, on_error, &s), 0);
	register_set_limit(register_reader_set(r), 8192);
	cr_assert_eq(register_reader_push(r, HEADER, strlen(HEADER)), 0);
	for (i = 0; i < 10000 && rv == 0; i++) {
		snprintf(row, sizeof(row), ROW("p%d"), i);
		rv = register_reader_push(r, row, strlen(row));
	}
	cr_assert_eq(rv, -1);
	cr_assert_eq(register_reader_push(r, row, strlen(row)), -1);
	cr_assert_eq(s.n_records, 6143);
	PROBLEMS(&s, "line 6145: more than 6143 rows: split the file");
	cr_assert(s.fatal);
	register_reader_free(r);
}

Test(register_csv, dates)
{
	static const struct { const char *s; int rv; int64_t t; } cases[] = {
		{ "2020-01-01", 0, 1577836800 },
		{ "2020-02-29", 0, 1582934400 },
		{ "2020-01-01T10:20:30Z", 0, 1577874030 },
		{ "2020-01-01t10:20:30z", 0, 1577874030 },
		{ "2020-01-01 10:20:30Z", 0, 1577874030 },
		{ "2020-01-01T10:20:30.123456Z", 0, 1577874030 },
		{ "2020-01-01T10:20:30+01:00", 0, 1577870430 },
		{ "2020-01-01T10:20:30-00:30", 0, 1577875830 },
		{ "2016-12-31T23:59:60Z", 0, 1483228799 },
		{ "1970-01-01", 0, 1 },
		{ "2200-12-31T23:59:59Z", 0, 7289654399LL },
		{ "1969-12-31", -2, 0 },
		{ "2201-01-01", -2, 0 },
		{ "1970-01-01T00:30:00+01:00", -2, 0 },
		{ "2019-02-29", -1, 0 },
		{ "2020-13-01", -1, 0 },
		{ "2020-1-1", -1, 0 },
		{ "2020-01-01T24:00:00Z", -1, 0 },
		{ "2020-01-01T10:20:30", -1, 0 },
		{ "2020-01-01T10:20Z", -1, 0 },
		{ "2020-01-01T10:20:30.Z", -1, 0 },
		{ "2020-01-01T10:20:30+0100", -1, 0 },
		{ "2020-01-01Z", -1, 0 },
		{ "2020-01-01 ", -1, 0 },
		{ "", -1, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t t = 0;
		int rv = register_date_parse(cases[i].s, &t);

		cr_assert_eq(rv, cases[i].rv, "%s: %d", cases[i].s, rv);
		if (rv == 0)
			cr_assert_eq(t, cases[i].t, "%s: %lld", cases[i].s,
			    (long long)t);
	}
}

Test(register_csv, date_format_round_trips)
{
	char buf[32];
	int64_t t;

	register_date_format(1577836800, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2020-01-01");
	register_date_format(1577874030, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2020-01-01T10:20:30Z");
	for (int64_t x = 1; x < 7289654399LL; x += 86399 * 37) {
		register_date_format(x, buf, sizeof(buf));
		cr_assert_eq(register_date_parse(buf, &t), 0, "%s", buf);
		cr_assert_eq(t, x, "%s", buf);
	}
}

Test(register_csv, utf8)
{
	cr_assert(register_utf8_valid((const unsigned char *)"a\xc3\xa9\xe2"
	    "\x82\xac\xf0\x9f\x98\x80", 10));
	cr_assert(!register_utf8_valid((const unsigned char *)"\xc0\xaf", 2));
	cr_assert(!register_utf8_valid((const unsigned char *)"\xed\xa0\x80",
	    3));
	cr_assert(!register_utf8_valid((const unsigned char *)"\xf4\x90\x80"
	    "\x80", 4));
	cr_assert(!register_utf8_valid((const unsigned char *)"\xe2\x82", 2));
	cr_assert(!register_utf8_valid((const unsigned char *)"\xff", 1));
}

/*
 * Streaming. A file of 200,000 rows read in REGISTER_CHUNK pieces holds
 * no more than a row at a time: the peak equals that of its first 1,000
 * rows, and the duplicate set stays within its documented bound of 43
 * bytes a row.
 */
static size_t
peak_of_file(const char *path, uint64_t *rows, size_t *set_bytes)
{
	struct register_reader *r;
	struct register_stats st;
	struct seen s = { 0 };
	char *buf = malloc(REGISTER_CHUNK);
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f);
	cr_assert_eq(register_reader_new(&r, on_record, on_error, &s), 0);
	while ((n = fread(buf, 1, REGISTER_CHUNK, f)) > 0)
		cr_assert_eq(register_reader_push(r, buf, n), 0);
	cr_assert_eq(register_reader_finish(r), 0);
	cr_assert_eq(s.n_problems, 0, "%s", s.problems[0]);
	register_reader_stats(r, &st);
	*rows = st.good_rows;
	*set_bytes = st.set_bytes;
	cr_assert_eq(st.rows, st.good_rows);
	register_reader_free(r);
	fclose(f);
	free(buf);
	return st.peak_buffer;
}

static void
write_rows(const char *path, int n)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(HEADER, f);
	for (int i = 0; i < n; i++)
		fprintf(f, "E%07d,\"Person %07d, of the Force\","
		    "p%07d@force.example,Unit %02d,GB,%s,%s,2020-01-%02d,"
		    "2030-01-01T09:30:00Z,UKSV,REF-%07d\r\n", i, i, i, i % 40,
		    i % 3 ? "nsv" : "pol", i % 3 ? "SC" : "NP", 1 + i % 28, i);
	cr_assert_eq(fclose(f), 0);
}

Test(register_csv, large_file_in_bounded_memory, .timeout = 120)
{
	char small[64], large[64];
	size_t peak_small, peak_large, set_small, set_large;
	uint64_t rows;

	snprintf(small, sizeof(small), "/tmp/register-small-%d.csv",
	    (int)getpid());
	snprintf(large, sizeof(large), "/tmp/register-large-%d.csv",
	    (int)getpid());
	write_rows(small, 1000);
	write_rows(large, 200000);
	peak_small = peak_of_file(small, &rows, &set_small);
	cr_assert_eq(rows, 1000);
	peak_large = peak_of_file(large, &rows, &set_large);
	cr_assert_eq(rows, 200000);
	unlink(small);
	unlink(large);
	cr_assert_eq(peak_large, peak_small, "held %zu bytes for 200,000 rows, "
	    "%zu for 1,000", peak_large, peak_small);
	cr_assert_leq(peak_large, 8192);
	cr_assert_leq(set_large, (size_t)200000 * 43);
}

/* 64 MiB with no line break at all: one problem, and the reader never
 * holds more than a row's worth. The same holds for 2 GB; only the time
 * differs. */
Test(register_csv, endless_line_in_bounded_memory, .timeout = 120)
{
	struct register_reader *r;
	struct register_stats st;
	struct seen s = { 0 };
	char *chunk = malloc(REGISTER_CHUNK);

	memset(chunk, 'a', REGISTER_CHUNK);
	cr_assert_eq(register_reader_new(&r, on_record, on_error, &s), 0);
	cr_assert_eq(register_reader_push(r, HEADER, strlen(HEADER)), 0);
	for (int i = 0; i < 1024; i++)
		cr_assert_eq(register_reader_push(r, chunk, REGISTER_CHUNK), 0);
	cr_assert_eq(register_reader_push(r, "\n" ROW("a1"),
	    strlen(ROW("a1")) + 1), 0);
	cr_assert_eq(register_reader_finish(r), 0);
	register_reader_stats(r, &st);
	PROBLEMS(&s, "line 2: a row longer than 65536 bytes (a quote left "
	    "open?)");
	cr_assert_eq(s.n_records, 1);
	cr_assert_eq(s.lines[0], 3);
	cr_assert_eq(st.lines, 3);
	cr_assert_leq(st.peak_buffer, REGISTER_ROW_MAX + 8192,
	    "held %zu bytes", st.peak_buffer);
	register_reader_free(r);
	free(chunk);
}
