/*
 * index_helpers.h: what test_store_index.c and test_report_index.c share
 * (index_helpers.c). Times are days around T0, the tests' "now".
 */
#ifndef VET_TEST_INDEX_HELPERS_H
#define VET_TEST_INDEX_HELPERS_H

#include <sys/stat.h>

#include <ftw.h>
#include <stddef.h>

#include "report.h"
#include "status.h"
#include "store.h"
#include "store_index.h"

#define DAY	86400
#define T0	1893456000		/* 2030-01-01 */

extern char tmpdir[64];			/* from mkdtemp */
extern char dir[128];			/* tmpdir/data */
extern struct store *s;

/* The suite's init and fini: a temp directory, removed with the store. */
void	ix_setup(void);
void	ix_teardown(void);
int	rm_one(const char *path, const struct stat *st, int flag,
	    struct FTW *ftw);
void	open_store(void);

/* People: made ACTIVE, written at `written`; put stamps updated_at. */
struct person *person(const char *id, vtime written);
struct clearance *grant(struct person *p, const char *scheme,
	    const char *level, vtime granted, vtime review_due);
struct clearance *clearance_of(struct person *p, const char *scheme);
void	brief(struct person *p, const char *compartment, vtime at,
	    vtime expires);
void	put(struct person *p, vtime at);

/* A report as one line: "id/scheme@days" and the like. */
struct rows {
	char	text[8192];
	size_t	n;
};
void	add(struct rows *r, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	due_row(const struct report_due_row *row, void *arg);
int	holder_row(const struct report_holder_row *row, void *arg);
enum which { DUE, HOLDERS, UNVETTED, COUNTERS };
/* run: one report at now (due: until now + within); its stats. */
struct report_stats run(enum which w, vtime now, vtime within,
	    const char *compartment, struct rows *r);
/* expect: the report's line must be want (due: a year ahead). */
void	expect(enum which w, vtime now, const char *compartment,
	    const char *want);

/* The raw index table, with the store closed: every key=value as hex
 * lines (caller frees); forget drops the format mark (and the table). */
char	*dump(void);
void	forget(int drop);

/* A small population written through the updates, and its reports. */
void	seed(void);
void	expect_seeded(void);

#endif /* VET_TEST_INDEX_HELPERS_H */
