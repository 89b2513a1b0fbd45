/*
 * vetctl_report.h: what vetctl_report.c and vetctl_report_output.c
 * share. Not installed.
 */
#ifndef VETCTL_REPORT_H
#define VETCTL_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "vetctl.h"

enum form { FORM_TABLE, FORM_JSON, FORM_CSV };

/* form_of: --json (here or global) or --csv, from f; both is a usage
 * error (its exit code is returned). */
int	 report_form(struct ctl *ctl, const struct command *cmd,
	    const struct flag *f, enum form *out);

/* day: "YYYY-MM-DD", or "-" for 0. when: a CSV date: "" for 0,
 * "YYYY-MM-DD" at midnight UTC, else "YYYY-MM-DDTHH:MM:SSZ". Both
 * write into buf (at least 32 bytes) and return it or a constant. */
const char *report_day(int64_t t, char *buf, size_t size);
const char *report_when(int64_t t, char *buf, size_t size);
/* text: a JSON string (non-ASCII bytes replaced if not UTF-8);
 * json_when: "YYYY-MM-DDTHH:MM:SSZ", or null for 0. New references. */
json_t	*report_text(const char *s);
json_t	*report_json_when(int64_t t);
/* as_of ends a table's last line with " (as of DATE)". */
void	 report_as_of(int64_t t);
int	 report_write_failed(void);

/*
 * A grid of owned cells, row 0 the header, printed as a table or as CSV.
 * Cells are made for the form: the table shows "-" for nothing and dates
 * as YYYY-MM-DD (date_cell); CSV keeps nothing empty and the time of day.
 */
struct grid {
	enum form form;
	size_t	ncol;
	size_t	nrows;
	size_t	cap;
	char	**cell;
};

/* grid_row copies ncol cells (NULL: ""); 0, or -1 out of memory. */
int	 grid_row(struct grid *g, const char *const *vals);
void	 grid_free(struct grid *g);
/* grid_print: an exit code. */
int	 grid_print(const struct grid *g);
const char *report_date_cell(const struct grid *g, int64_t t, char *buf,
	    size_t size);

#endif /* VETCTL_REPORT_H */
