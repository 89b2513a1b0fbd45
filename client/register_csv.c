/*
 * register_csv.c: the streaming register reader. libcsv's push parser
 * (strict mode) does the quoting; this file feeds it the file in pieces
 * that each end at a line break, which gives every row the physical line
 * it starts on, and caps what it holds: a row of more than
 * REGISTER_ROW_MAX bytes is refused unread, so memory does not depend on
 * the file's length (a 2 GB file, or one without a single line break,
 * is read through in constant memory). A UTF-8 byte-order mark and CR LF
 * line ends are accepted; lines holding only blanks are skipped. The
 * first row must name the columns (register_column_names; any order,
 * any case, spaces, '_' and '-' ignored). Every problem is reported with
 * its line and reading goes on at the next line, except for the few
 * that leave nothing sensible to read (a bad header, a UTF-16 file, a
 * file too large for the duplicate set).
 */
#include <csv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "register_csv.h"

#define HEADER_MAX	32	/* columns of a header we look at */
#define HEADER_NAME_MAX	40	/* bytes of a header name we keep */
#define FIELD_BUF	(REGISTER_ROW_MAX + REGISTER_COLUMNS)

enum reader_state {
	READER_START,		/* maybe a byte-order mark to come */
	READER_HEADER,		/* the first row is the header */
	READER_ROWS,
	READER_STOPPED,		/* a fatal problem: nothing more is read */
};

struct register_reader {
	struct csv_parser parser;
	register_record_fn *on_record;
	register_error_fn *on_error;
	void	*arg;
	enum reader_state state;
	unsigned char start[3];	/* bytes held while looking for a BOM */
	size_t	 n_start;

	/* Lines. */
	uint64_t line;		/* the line being fed, from 1 */
	int	 after_cr;	/* the last piece ended with CR */
	int	 partial_line;	/* the last piece did not end a line */
	int	 line_start;	/* the next piece starts a line */
	int	 skipping;	/* drop the rest of this line (after an error) */
	uint64_t row_line;	/* the line the current row started on */
	size_t	 row_bytes;	/* bytes fed for the current row */
	int	 row_bad;	/* the row was reported already */

	/* The current row's fields, in file column order. */
	size_t	 n_fields;	/* fields seen so far */
	size_t	 n_columns;	/* the header's columns */
	int	 map[HEADER_MAX];	/* file column -> enum column */
	size_t	 used;
	char	*field[REGISTER_COLUMNS];
	size_t	 len[REGISTER_COLUMNS];
	char	 buf[FIELD_BUF];
	char	 header[HEADER_MAX][HEADER_NAME_MAX + 1];

	struct register_set *set;
	struct register_stats stats;
};

static void
report(struct register_reader *r, uint64_t line, int fatal, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

/* report formats one problem as "line N: ..." and hands it on. */
static void
report(struct register_reader *r, uint64_t line, int fatal, const char *fmt,
    ...)
{
	char msg[512];
	int n = 0;
	va_list ap;

	if (line > 0)
		n = snprintf(msg, sizeof(msg), "line %llu: ",
		    (unsigned long long)line);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	r->stats.errors++;
	if (fatal)
		r->state = READER_STOPPED;
	r->on_error(line, msg, fatal, r->arg);
}

/* errors from register_fields_check pass through here to be counted */
static void
count_error(uint64_t line, const char *msg, int fatal, void *arg)
{
	struct register_reader *r = arg;

	r->stats.errors++;
	r->on_error(line, msg, fatal, r->arg);
}

int
register_reader_new(struct register_reader **out,
    register_record_fn *on_record, register_error_fn *on_error, void *arg)
{
	struct register_reader *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	if (csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI) != 0 ||
	    register_set_new(&r->set) != 0) {
		free(r);
		return -1;
	}
	/* Grow the field buffer in 4 KiB steps, not libcsv's 128 bytes. */
	csv_set_blk_size(&r->parser, 4096);
	r->on_record = on_record;
	r->on_error = on_error;
	r->arg = arg;
	r->line = 1;
	r->row_line = 1;
	r->line_start = 1;
	*out = r;
	return 0;
}

void
register_reader_free(struct register_reader *r)
{
	if (r == NULL)
		return;
	csv_free(&r->parser);
	register_set_free(r->set);
	free(r);
}

void
register_reader_stats(const struct register_reader *r,
    struct register_stats *out)
{
	*out = r->stats;
	out->lines = r->line - 1 + (uint64_t)r->partial_line;
	out->set_bytes = register_set_bytes(r->set);
}

struct register_set *
register_reader_set(struct register_reader *r)
{
	return r->set;
}

static void
note_peak(struct register_reader *r)
{
	size_t held = csv_get_buffer_size(&r->parser) + r->used;

	if (held > r->stats.peak_buffer)
		r->stats.peak_buffer = held;
}

/* row_reset forgets the current row's fields. */
static void
row_reset(struct register_reader *r)
{
	r->n_fields = 0;
	r->used = 0;
	r->row_bad = 0;
}

/* parser_reset drops what libcsv holds of a broken row. */
static void
parser_reset(struct register_reader *r)
{
	csv_set_opts(&r->parser, CSV_STRICT);	/* no error from fini */
	csv_fini(&r->parser, NULL, NULL, NULL);
	csv_set_opts(&r->parser, CSV_STRICT | CSV_STRICT_FINI);
	row_reset(r);
}

/*
 * The header.
 */

/* header_key: lower case without spaces, '_' and '-' ("Review_Due" and
 * "review due" are both "reviewdue"). */
static void
header_key(const char *s, char *out, size_t size)
{
	size_t n = 0;

	for (; *s != '\0' && n + 1 < size; s++) {
		if (*s == ' ' || *s == '_' || *s == '-' || *s == '\t')
			continue;
		out[n++] = *s >= 'A' && *s <= 'Z' ? (char)(*s + ('a' - 'A')) :
		    *s;
	}
	out[n] = '\0';
}

static int
header_column(const char *name)
{
	char key[HEADER_NAME_MAX + 1], want[HEADER_NAME_MAX + 1];

	header_key(name, key, sizeof(key));
	for (int k = 0; k < REGISTER_COLUMNS; k++) {
		header_key(register_column_names[k], want, sizeof(want));
		if (strcmp(key, want) == 0)
			return k;
	}
	return -1;
}

/* header_end checks the header row; any problem stops the reader. */
static void
header_end(struct register_reader *r)
{
	int seen[REGISTER_COLUMNS], known = 0, bad = 0;
	size_t n = r->n_fields < HEADER_MAX ? r->n_fields : HEADER_MAX;

	for (int k = 0; k < REGISTER_COLUMNS; k++)
		seen[k] = -1;
	for (size_t i = 0; i < n; i++)
		if (header_column(r->header[i]) >= 0)
			known++;
	if (known == 0) {
		report(r, r->row_line, 1, "the first row must name the "
		    "columns: id, name, email, org unit, nationality, scheme, "
		    "level, granted, review due, authority, reference");
		return;
	}
	if (r->n_fields > HEADER_MAX) {
		report(r, r->row_line, 1, "%zu columns in the header; the "
		    "register has %d", r->n_fields, REGISTER_COLUMNS);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int k = header_column(r->header[i]);

		if (k < 0) {
			report(r, r->row_line, 0, "unknown column \"%s\"",
			    r->header[i]);
			bad++;
		} else if (seen[k] >= 0) {
			report(r, r->row_line, 0, "column \"%s\" appears "
			    "twice (columns %d and %zu)",
			    register_column_names[k], seen[k] + 1, i + 1);
			bad++;
		} else {
			seen[k] = (int)i;
			r->map[i] = k;
		}
	}
	for (int k = 0; k < REGISTER_COLUMNS; k++)
		if (seen[k] < 0) {
			report(r, r->row_line, 0, "no column \"%s\"",
			    register_column_names[k]);
			bad++;
		}
	if (bad > 0) {
		report(r, 0, 1, "the header is wrong: no row was read");
		return;
	}
	r->n_columns = n;
	r->state = READER_ROWS;
}

/*
 * libcsv's callbacks.
 */

static void
on_field(void *data, size_t len, void *arg)
{
	struct register_reader *r = arg;
	size_t i = r->n_fields++;

	if (r->state == READER_HEADER) {
		if (i < HEADER_MAX) {
			size_t n = len < HEADER_NAME_MAX ? len : HEADER_NAME_MAX;

			memcpy(r->header[i], data, n);
			r->header[i][n] = '\0';
			/* Keep names printable: they are echoed. */
			for (size_t k = 0; k < n; k++)
				if ((unsigned char)r->header[i][k] < 0x20 ||
				    (unsigned char)r->header[i][k] >= 0x7f)
					r->header[i][k] = '?';
		}
		return;
	}
	if (i >= r->n_columns || r->row_bad)
		return;		/* counted; the row will be refused */
	if (r->used + len + 1 > sizeof(r->buf)) {	/* cannot happen: */
		report(r, r->row_line, 0, "a row longer than %d bytes",
		    REGISTER_ROW_MAX);		/* row_bytes bounds it */
		r->stats.rows++;
		r->row_bad = 1;
		return;
	}
	r->field[i] = r->buf + r->used;
	r->len[i] = len;
	memcpy(r->field[i], data, len);
	r->field[i][len] = '\0';
	r->used += len + 1;
	note_peak(r);
}

static void
row_end(struct register_reader *r)
{
	struct register_fields f;
	struct register_record rec;
	uint64_t other;

	r->stats.rows++;
	if (r->n_fields != r->n_columns) {
		report(r, r->row_line, 0, "%zu column%s, expected %zu",
		    r->n_fields, r->n_fields == 1 ? "" : "s", r->n_columns);
		return;
	}
	f.line = r->row_line;
	for (size_t i = 0; i < r->n_columns; i++) {
		f.field[r->map[i]] = r->field[i];
		f.len[r->map[i]] = r->len[i];
	}
	if (register_fields_check(&f, &rec, count_error, r) != 0)
		return;
	switch (register_set_add(r->set, &rec, &other)) {
	case REGISTER_SET_NEW:
		r->stats.good_rows++;
		r->on_record(&rec, r->arg);
		break;
	case REGISTER_SET_DUPLICATE:
		report(r, r->row_line, 0, "duplicate id %s (also on line "
		    "%llu)", rec.id, (unsigned long long)other);
		break;
	case REGISTER_SET_PERSON_DIFFERS:
		report(r, r->row_line, 0, "name, email, org unit or "
		    "nationality of %s differ from line %llu (one person's "
		    "rows must agree)", rec.id, (unsigned long long)other);
		break;
	case REGISTER_SET_SCHEMES:
		report(r, r->row_line, 0, "more than %d different schemes in "
		    "one file", REGISTER_SCHEMES_MAX);
		break;
	case REGISTER_SET_FULL:
		report(r, r->row_line, 1, "more than %zu rows: split the file",
		    register_set_capacity(r->set));
		break;
	case REGISTER_SET_NOMEM:
		report(r, r->row_line, 1, "out of memory for the duplicate "
		    "check after %llu rows",
		    (unsigned long long)r->stats.rows);
		break;
	}
}

static void
on_row(int c, void *arg)
{
	struct register_reader *r = arg;

	(void)c;
	if (r->state == READER_HEADER)
		header_end(r);
	else if (r->state == READER_ROWS && !r->row_bad)
		row_end(r);
	row_reset(r);
}

/*
 * Feeding.
 */

/* line_done counts the line break that ends a piece (CR LF is one). */
static void
line_done(struct register_reader *r, const unsigned char *s, size_t n)
{
	if (n == 0)
		return;
	r->partial_line = 0;
	r->line_start = s[n - 1] == '\r' || s[n - 1] == '\n';
	if (s[n - 1] == '\r') {
		r->line++;
		r->after_cr = 1;
	} else if (s[n - 1] == '\n') {
		if (!(n == 1 && r->after_cr))
			r->line++;
		r->after_cr = 0;
	} else {
		r->after_cr = 0;
		r->partial_line = 1;
	}
}

/*
 * feed_piece gives libcsv s[0..n), which ends at a line break or at the
 * end of what was pushed. libcsv never sees more than REGISTER_ROW_MAX
 * bytes of a row: of a piece that would go past, only the bytes up to
 * the limit, then the row is refused. So what is read, and every
 * message, is the same however the file's bytes arrive.
 */
static void
feed_piece(struct register_reader *r, const unsigned char *s, size_t n)
{
	int ends_line = s[n - 1] == '\r' || s[n - 1] == '\n', over = 0;
	size_t done, take = n;

	if (r->skipping) {
		r->skipping = !ends_line;
		goto done;
	}
	/* libcsv's ROW_NOT_BEGUN at the start of a line: a row may start
	 * here (blanks before it count towards its length). */
	if (r->parser.pstate == 0 && r->line_start) {
		r->row_line = r->line;
		r->row_bytes = 0;
	}
	if (r->row_bytes + n > REGISTER_ROW_MAX) {
		take = REGISTER_ROW_MAX - r->row_bytes;
		over = 1;
	}
	r->row_bytes += take;
	done = csv_parse(&r->parser, s, take, on_field, on_row, r);
	note_peak(r);
	if (done == take && over) {
		report(r, r->row_line, 0, "a row longer than %d bytes (a "
		    "quote left open?)", REGISTER_ROW_MAX);
		r->stats.rows++;
		parser_reset(r);
		r->skipping = !ends_line;
	} else if (done < take && r->state != READER_STOPPED) {
		if (csv_error(&r->parser) == CSV_EPARSE)
			report(r, r->row_line, 0, "bad quoting: a quote inside "
			    "a field that does not start with one, or text "
			    "after a closing quote");
		else
			report(r, r->row_line, 1, "out of memory");
		r->stats.rows++;
		parser_reset(r);
		r->skipping = !ends_line;
	}
done:
	line_done(r, s, n);
}

static void
feed(struct register_reader *r, const unsigned char *s, size_t len)
{
	while (len > 0 && r->state != READER_STOPPED) {
		size_t n = 0;

		while (n < len && s[n] != '\n' && s[n] != '\r')
			n++;
		if (n < len)
			n++;	/* the line break ends the piece */
		feed_piece(r, s, n);
		s += n;
		len -= n;
	}
}

/* utf16_mark: the held bytes start with a UTF-16 byte-order mark. */
static int
utf16_mark(const struct register_reader *r)
{
	return r->n_start >= 2 && ((r->start[0] == 0xff &&
	    r->start[1] == 0xfe) || (r->start[0] == 0xfe &&
	    r->start[1] == 0xff));
}

/* start holds the first three bytes to look for a byte-order mark: a
 * UTF-8 one is dropped, a UTF-16 one refused. Returns the bytes of s it
 * used up. */
static size_t
start(struct register_reader *r, const unsigned char *s, size_t len)
{
	size_t used = 0;

	while (r->n_start < 3 && used < len)
		r->start[r->n_start++] = s[used++];
	if (r->n_start < 3)
		return used;			/* undecided: need more */
	if (utf16_mark(r)) {
		report(r, 0, 1, "the file is UTF-16: save it as CSV in UTF-8");
		return used;
	}
	r->state = READER_HEADER;
	if (memcmp(r->start, "\xef\xbb\xbf", 3) != 0)
		feed(r, r->start, r->n_start);	/* not a mark: data */
	return used;
}

int
register_reader_push(struct register_reader *r, const void *buf, size_t len)
{
	const unsigned char *s = buf;
	size_t used = 0;

	if (r->state == READER_START)
		used = start(r, s, len);
	if (r->state != READER_START)
		feed(r, s + used, len - used);
	return r->state == READER_STOPPED ? -1 : 0;
}

int
register_reader_finish(struct register_reader *r)
{
	if (r->state == READER_START) {		/* fewer than 3 bytes */
		if (utf16_mark(r))
			report(r, 0, 1, "the file is UTF-16: save it as CSV "
			    "in UTF-8");
		else {
			r->state = READER_HEADER;
			feed(r, r->start, r->n_start);
		}
	}
	if (r->state == READER_STOPPED)
		return -1;
	if (!r->skipping && csv_fini(&r->parser, on_field, on_row, r) != 0) {
		report(r, r->row_line, 0, "the file ends inside a quoted "
		    "field");
		r->stats.rows++;
		parser_reset(r);
	}
	if (r->state == READER_HEADER)
		report(r, 0, 1, "the file is empty: it needs a header row "
		    "naming the columns");
	return r->state == READER_STOPPED ? -1 : 0;
}
