/*
 * register_csv.h: the clearance register as a CSV file, read as a stream
 * (vetctl import clearances) and written back (vetctl export clearances).
 * Grouped by file:
 *   register_csv.c     the streaming reader: libcsv's push parser fed in
 *                      pieces, line numbers, byte-order mark, the header
 *   register_fields.c  one row's fields checked and converted (UTF-8,
 *                      ids, names, dates as YYYY-MM-DD or RFC 3339)
 *   register_set.c     the bounded set that finds duplicate rows
 * Everything here reads untrusted bytes and trusts none of them; nothing
 * here talks to vetd. The reader holds at most one read chunk, one row
 * and the duplicate set in memory, never the file: see REGISTER_* below.
 */
#ifndef VET_REGISTER_CSV_H
#define VET_REGISTER_CSV_H

#include <stddef.h>
#include <stdint.h>

/* The columns, in the order export writes them. */
enum register_column {
	REGISTER_ID,
	REGISTER_NAME,
	REGISTER_EMAIL,
	REGISTER_ORG_UNIT,
	REGISTER_NATIONALITY,
	REGISTER_SCHEME,
	REGISTER_LEVEL,
	REGISTER_GRANTED,
	REGISTER_REVIEW_DUE,
	REGISTER_AUTHORITY,
	REGISTER_REFERENCE,
	REGISTER_COLUMNS
};
/* "id", "name", "email", "org unit", ... as the documentation names them */
extern const char *const register_column_names[REGISTER_COLUMNS];

#define REGISTER_CHUNK		(64 * 1024)	/* bytes read at a time */
#define REGISTER_ROW_MAX	(64 * 1024)	/* bytes of one row, quotes and
						 * line ends included */
#define REGISTER_SET_MAX_SLOTS	((size_t)1 << 25)	/* 512 MiB at most */
/* Rows (more exactly, distinct id and scheme pairs) one file may hold. */
#define REGISTER_SET_MAX_ENTRIES (REGISTER_SET_MAX_SLOTS / 4 * 3)
#define REGISTER_SCHEMES_MAX	255	/* different schemes in one file */

/*
 * A row that passed every local check, in canonical form: nationality
 * upper case or "", scheme lower case; times in seconds since the epoch,
 * UTC. The strings live in the reader and are valid only during the
 * callback that receives the record.
 */
struct register_record {
	uint64_t	 line;		/* the physical line the row starts on */
	const char	*id;
	const char	*name;
	const char	*email;
	const char	*org_unit;
	const char	*nationality;
	const char	*scheme;
	const char	*level;
	int64_t		 granted;
	int64_t		 review_due;
	const char	*authority;
	const char	*reference;
};

/* Called for each good row, in file order. */
typedef void register_record_fn(const struct register_record *rec,
    void *arg);
/*
 * Called for each problem, in file order: line is the row's first line
 * (0 for a problem of the whole file), message a sentence starting
 * "line N: " (or not, for line 0). fatal is set when reading stopped:
 * nothing after that point was looked at.
 */
typedef void register_error_fn(uint64_t line, const char *message,
    int fatal, void *arg);

struct register_stats {
	uint64_t	lines;		/* physical lines seen */
	uint64_t	rows;		/* data rows (the header not counted) */
	uint64_t	good_rows;	/* rows passed to the record callback */
	uint64_t	errors;		/* problems reported */
	size_t		peak_buffer;	/* most bytes ever held for parsing:
					 * libcsv's field buffer and the row */
	size_t		set_bytes;	/* the duplicate set's table now */
};

/* register_csv.c */
struct register_reader;

/* register_reader_new: 0, or -1 when out of memory. The callbacks are
 * called from register_reader_push and register_reader_finish. */
int	register_reader_new(struct register_reader **out,
	    register_record_fn *on_record, register_error_fn *on_error,
	    void *arg);
/*
 * register_reader_push feeds the next len bytes of the file, in pieces of
 * any size. Returns 0, or -1 once reading has stopped on a fatal problem
 * (already reported): feeding more then does nothing.
 */
int	register_reader_push(struct register_reader *r, const void *buf,
	    size_t len);
/* register_reader_finish: the end of the file. 0, or -1 as above. */
int	register_reader_finish(struct register_reader *r);
void	register_reader_stats(const struct register_reader *r,
	    struct register_stats *out);
void	register_reader_free(struct register_reader *r);
/* register_reader_set: the reader's duplicate set (tests lower its limit). */
struct register_set *register_reader_set(struct register_reader *r);

/* register_fields.c */

/* The raw fields of one row, in enum register_column order: NUL
 * terminated, len[] without the NUL (a field may hold a NUL byte). */
struct register_fields {
	uint64_t	 line;
	char		*field[REGISTER_COLUMNS];
	size_t		 len[REGISTER_COLUMNS];
};

/*
 * register_fields_check checks every field of f and fills *rec (pointing
 * into f, whose nationality and scheme it rewrites in canonical case).
 * Each problem is reported through on_error; returns the number of
 * problems (0: *rec is good).
 */
int	register_fields_check(struct register_fields *f,
	    struct register_record *rec, register_error_fn *on_error,
	    void *arg);

/*
 * register_date_parse reads YYYY-MM-DD (midnight UTC) or an RFC 3339
 * date-time (T, t or a space between; optional fraction of a second,
 * which is dropped; Z, z or a +HH:MM / -HH:MM offset; a leap second :60
 * counts as :59). 0 and *out, or -1 when s is not such a date, -2 when
 * it is one outside 1970-01-01 .. 2200-12-31 UTC. 1970-01-01 itself is
 * taken as 00:00:01, since vetd's 0 means "not set".
 */
int	register_date_parse(const char *s, int64_t *out);
/* register_date_format writes "YYYY-MM-DD" for a midnight UTC, else
 * "YYYY-MM-DDTHH:MM:SSZ" (buf of at least 21 bytes). */
void	register_date_format(int64_t t, char *buf, size_t size);
/* register_formula_start: a field starting with c would be taken for a
 * formula by a spreadsheet (= + - @): export writes it after a ', and
 * import takes one such ' away again. */
int	register_formula_start(char c);
/* register_utf8_valid: 1 when s[0..len) is well-formed UTF-8. */
int	register_utf8_valid(const unsigned char *s, size_t len);

/* register_set.c */
struct register_set;

int	register_set_new(struct register_set **out);
/* register_set_limit lowers the table's largest size (a power of two, at
 * least 4096 slots) below REGISTER_SET_MAX_SLOTS: for tests. */
void	register_set_limit(struct register_set *s, size_t max_slots);
void	register_set_free(struct register_set *s);
/* register_set_bytes: memory the table takes now; register_set_capacity:
 * the most entries it can take. */
size_t	register_set_bytes(const struct register_set *s);
size_t	register_set_capacity(const struct register_set *s);

enum register_set_result {
	REGISTER_SET_NEW,	/* first time for (id, scheme) */
	REGISTER_SET_DUPLICATE,	/* (id, scheme) was on line *other */
	REGISTER_SET_PERSON_DIFFERS,	/* id was on line *other with other
					 * name, email, org unit or
					 * nationality */
	REGISTER_SET_FULL,	/* register_set_capacity reached */
	REGISTER_SET_SCHEMES,	/* more than REGISTER_SCHEMES_MAX schemes */
	REGISTER_SET_NOMEM,
};
/*
 * register_set_add notes the good record rec. Ids are kept as 64-bit
 * hashes, not as text: two different ids with the same hash (about one
 * chance in 10^8 among a million rows) are reported as a duplicate, and
 * the import refused; it can never let a real duplicate through. The
 * person columns are compared by a 24-bit hash.
 */
enum register_set_result register_set_add(struct register_set *s,
	    const struct register_record *rec, uint64_t *other);

#endif /* VET_REGISTER_CSV_H */
