/*
 * vetctl_register_export.c: vetctl export clearances [FILE], the register
 * out of vetd in the format import reads (docs/REGISTER.md): a header,
 * then one row per GRANTED clearance of every person who is not a leaver,
 * in id order and then scheme order, every field quoted by libcsv's csv_fwrite, lines ending in
 * LF, dates as YYYY-MM-DD (or YYYY-MM-DDTHH:MM:SSZ when not midnight
 * UTC), and a ' before a field that starts with = + - or @ so that a
 * spreadsheet does not run a name from the directory as a formula. Suspended, withdrawn and lapsed clearances and leavers are left
 * out: the register has no status column, and importing such a row would
 * grant what vetd had taken away. Pages of 1000 people are read one at a
 * time, so memory does not grow with vetd. FILE is written as a 0600
 * temporary file next to it and renamed into place once complete, so a
 * failed export leaves no partial FILE. What vetd sends is untrusted but
 * only quoted into the file, never interpreted.
 */
#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "register_csv.h"
#include "vetctl.h"

#define EXPORT_PAGE	1000
#define EXPORT_TIMEOUT_MS	60000

/* put_field writes one quoted field and the separator after it; a field
 * a spreadsheet would run as a formula gets a ' in front, which import
 * takes away. */
static int
put_field(FILE *f, const char *s, int last)
{
	char buf[1024];
	size_t len;

	if (s == NULL)
		s = "";
	len = strlen(s);
	if (register_formula_start(s[0]) && len + 1 < sizeof(buf)) {
		buf[0] = '\'';
		memcpy(buf + 1, s, len + 1);
		s = buf;
		len++;
	}
	if (csv_fwrite(f, s, len) != 0)
		return -1;
	return fputc(last ? '\n' : ',', f) == EOF ? -1 : 0;
}

static int
put_row(FILE *f, const vet_person *p, const vet_clearance *c)
{
	char granted[32], review[32];

	register_date_format(c->granted_at, granted, sizeof(granted));
	register_date_format(c->review_due, review, sizeof(review));
	if (put_field(f, p->id, 0) || put_field(f, p->display_name, 0) ||
	    put_field(f, p->email, 0) || put_field(f, p->org_unit, 0) ||
	    put_field(f, p->nationality, 0) || put_field(f, c->scheme, 0) ||
	    put_field(f, c->level, 0) || put_field(f, granted, 0) ||
	    put_field(f, review, 0) || put_field(f, c->authority, 0) ||
	    put_field(f, c->reference, 1))
		return -1;
	return 0;
}

/* export_all pages through vetd writing rows; an exit code. */
/*
 * next_by_scheme: p's clearance with the least scheme after last (NULL:
 * from the first), or NULL. A person's rows go out in scheme order, so
 * that an export does not depend on the order vetd recorded the
 * clearances in (an import's batches in flight may record them either
 * way).
 */
static const vet_clearance *
next_by_scheme(const vet_person *p, const char *last)
{
	const vet_clearance *next = NULL;

	for (size_t k = 0; k < p->n_clearances; k++) {
		const vet_clearance *c = &p->clearances[k];

		if (last != NULL && strcmp(c->scheme, last) <= 0)
			continue;
		if (next == NULL || strcmp(c->scheme, next->scheme) < 0)
			next = c;
	}
	return next;
}

static int
export_all(struct ctl *ctl, FILE *f, const char *name, unsigned long *rows)
{
	vet_person_page *page = NULL;
	vet_status st = { 0 };
	char *token = NULL;
	int rv = EXIT_OK;

	for (int k = 0; k < REGISTER_COLUMNS; k++)
		if (put_field(f, register_column_names[k],
		    k == REGISTER_COLUMNS - 1) != 0)
			goto write_error;
	do {
		if (vet_person_list(ctl->client, VET_PERSON_ANY, EXPORT_PAGE,
		    token, &page, &st) != VET_OK) {
			rv = server_error(&st);
			goto done;
		}
		for (size_t i = 0; i < page->n_people; i++) {
			const vet_person *p = &page->people[i];

			if (p->status == VET_PERSON_LEAVER)
				continue;
			const char *last = NULL;
			const vet_clearance *c;

			while ((c = next_by_scheme(p, last)) != NULL) {
				last = c->scheme;
				if (c->status != VET_CLEARANCE_GRANTED)
					continue;
				if (put_row(f, p, c) != 0)
					goto write_error;
				(*rows)++;
			}
		}
		if (page->next_page_token[0] != '\0' && token != NULL &&
		    strcmp(page->next_page_token, token) == 0) {
			fprintf(stderr, "vetctl: vetd sent the same page "
			    "twice; stopping\n");
			rv = EXIT_SERVER;
			goto done;
		}
		free(token);
		token = NULL;
		if (page->next_page_token[0] != '\0' &&
		    (token = strdup(page->next_page_token)) == NULL) {
			rv = out_of_memory();
			goto done;
		}
		vet_person_page_free(page);
		page = NULL;
	} while (token != NULL);
	if (fflush(f) == EOF)
		goto write_error;
	goto done;
write_error:
	fprintf(stderr, "vetctl: cannot write %s: %s\n", name,
	    strerror(errno));
	rv = EXIT_USAGE;
done:
	vet_person_page_free(page);
	free(token);
	return rv;
}

int
cmd_export_clearances(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	char tmp[4096];
	unsigned long rows = 0;
	FILE *f = NULL;
	char **pos;
	int npos, rv, fd = -1;

	if ((rv = args_parse(cmd, argc, argv, NULL, &pos, &npos)) != 0)
		return rv;
	if (npos > 1)
		return usage_error(cmd, "unexpected argument '%s'", pos[1]);
	if (ctl->opts.timeout_ms == 0)
		ctl->opts.timeout_ms = EXPORT_TIMEOUT_MS;
	if ((rv = ctl_connect(ctl)) != 0)
		return rv;
	if (npos == 0)
		return export_all(ctl, stdout, "the output", &rows);

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", pos[0]) >=
	    (int)sizeof(tmp))
		return usage_error(cmd, "file name too long");
	if ((fd = mkstemp(tmp)) < 0 || (f = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "vetctl: cannot create %s: %s\n", tmp,
		    strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return EXIT_USAGE;
	}
	rv = export_all(ctl, f, pos[0], &rows);
	if (rv == EXIT_OK && fsync(fileno(f)) != 0) {
		fprintf(stderr, "vetctl: cannot write %s: %s\n", pos[0],
		    strerror(errno));
		rv = EXIT_USAGE;
	}
	if (fclose(f) != 0 && rv == EXIT_OK) {
		fprintf(stderr, "vetctl: cannot write %s: %s\n", pos[0],
		    strerror(errno));
		rv = EXIT_USAGE;
	}
	if (rv == EXIT_OK && rename(tmp, pos[0]) != 0) {
		fprintf(stderr, "vetctl: cannot rename %s to %s: %s\n", tmp,
		    pos[0], strerror(errno));
		rv = EXIT_USAGE;
	}
	if (rv != EXIT_OK) {
		unlink(tmp);
		return rv;
	}
	if (ctl->json) {
		json_t *o = json_object();

		if (o == NULL)
			return out_of_memory();
		json_set(o, "file", json_string(pos[0]));
		json_set(o, "rows", json_integer((json_int_t)rows));
		return output_json(o);
	}
	printf("exported %lu clearances to ", rows);
	output_safe(stdout, pos[0]);
	putchar('\n');
	return EXIT_OK;
}
