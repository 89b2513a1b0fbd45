/*
 * vetctl_report_output.c: what the report commands (vetctl_report.c)
 * share: the choice of form, cells, and a grid of owned cells printed as
 * an aligned table or as CSV (every field quoted by libcsv's csv_fwrite,
 * as RFC 4180 allows; records end in CRLF, as it asks). What vetd sent
 * is untrusted: the table goes through output_safe, JSON strings that
 * are not UTF-8 have their non-ASCII bytes replaced, CSV fields are only
 * ever quoted.
 */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vettime.h"
#include "vetctl_report.h"

/* form_of: --json (here or global) or --csv; both is a usage error. */
int
report_form(struct ctl *ctl, const struct command *cmd, const struct flag *f,
    enum form *out)
{
	int json = ctl->json || flag_value(f, "json") != NULL;
	int csv = flag_value(f, "csv") != NULL;

	if (json && csv)
		return usage_error(cmd, "--json and --csv do not go together");
	*out = csv ? FORM_CSV : json ? FORM_JSON : FORM_TABLE;
	return 0;
}

/*
 * Cells.
 */

/* day: "YYYY-MM-DD", or "-" for 0. */
const char *
report_day(int64_t t, char *buf, size_t size)
{
	if (t == 0)
		return "-";
	vettime_format_date(t, buf, size);
	return buf;
}

/* when: a CSV date: "" for 0, "YYYY-MM-DD" at midnight UTC, else the
 * full "YYYY-MM-DDTHH:MM:SSZ". */
const char *
report_when(int64_t t, char *buf, size_t size)
{
	if (t == 0)
		return "";
	if (t % 86400 == 0)
		vettime_format_date(t, buf, size);
	else
		vettime_format(t, buf, size);
	return buf;
}

/* text: a JSON string, with non-ASCII bytes replaced if not UTF-8. */
json_t *
report_text(const char *s)
{
	json_t *v;
	char *copy;

	if ((v = json_string(s != NULL ? s : "")) != NULL)
		return v;
	if ((copy = strdup(s)) == NULL)
		return NULL;
	for (char *p = copy; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	v = json_string(copy);
	free(copy);
	return v;
}

json_t *
report_json_when(int64_t t)
{
	char buf[32];

	if (t == 0)
		return json_null();
	vettime_format(t, buf, sizeof(buf));
	return json_string(buf);
}

/* csv_row writes n fields as one record; 0, or -1 on a write error. */
static int
csv_row(const char *const *cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *s = cells[i] != NULL ? cells[i] : "";

		if (csv_fwrite(stdout, s, strlen(s)) != 0 ||
		    fputs(i + 1 < n ? "," : "\r\n", stdout) == EOF)
			return -1;
	}
	return 0;
}

int
report_write_failed(void)
{
	perror("vetctl: cannot write the report");
	return EXIT_SERVER;
}

/*
 * The grid.
 */

int
grid_row(struct grid *g, const char *const *vals)
{
	char **grown;

	if (g->nrows == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 64;

		if ((grown = realloc(g->cell, cap * g->ncol *
		    sizeof(*grown))) == NULL)
			return -1;
		g->cell = grown;
		g->cap = cap;
	}
	for (size_t i = 0; i < g->ncol; i++) {
		const char *v = vals[i] != NULL ? vals[i] : "";

		if (g->form == FORM_TABLE && *v == '\0')
			v = "-";
		if ((g->cell[g->nrows * g->ncol + i] = strdup(v)) == NULL) {
			while (i-- > 0)
				free(g->cell[g->nrows * g->ncol + i]);
			return -1;
		}
	}
	g->nrows++;
	return 0;
}

void
grid_free(struct grid *g)
{
	for (size_t i = 0; i < g->nrows * g->ncol; i++)
		free(g->cell[i]);
	free(g->cell);
	g->cell = NULL;
	g->nrows = g->cap = 0;
}

/* grid_print: an exit code. */
int
grid_print(const struct grid *g)
{
	if (g->form == FORM_TABLE) {
		output_table(stdout, g->ncol, (const char *const *)g->cell,
		    g->nrows);
		return EXIT_OK;
	}
	for (size_t r = 0; r < g->nrows; r++)
		if (csv_row((const char *const *)g->cell + r * g->ncol,
		    g->ncol) != 0)
			return report_write_failed();
	return EXIT_OK;
}

/* date_cell: a date for the grid's form. */
const char *
report_date_cell(const struct grid *g, int64_t t, char *buf, size_t size)
{
	if (t == 0)
		return "";
	return g->form == FORM_CSV ? report_when(t, buf, size) :
	    report_day(t, buf, size);
}

/* as_of prints the table's closing line's "(as of DATE)". */
void
report_as_of(int64_t t)
{
	char buf[32];

	printf(" (as of %s)\n", report_day(t, buf, sizeof(buf)));
}

