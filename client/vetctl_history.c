/*
 * vetctl_history.c: what a person's history adds to vetctl: clearance
 * renew, and the history in person show (human and JSON). The other
 * history options (check --at, leaver and person suspend/reinstate
 * --effective) live with their commands. Strings from vetd are untrusted:
 * printed through output_safe, put in JSON through hist_text.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vettime.h"
#include "vetctl.h"

int
cmd_clearance_renew(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	struct flag f[] = { { "review-due", 1, 1, NULL },
	    { "reference", 1, 0, NULL }, { NULL, 0, 0, NULL } };
	vet_person *p = NULL;
	vet_status st;
	int64_t review_due;
	char **pos;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, f, &pos, &npos)) != 0 ||
	    (rv = date_parse(cmd, "review-due", flag_value(f, "review-due"),
	    &review_due)) != 0 ||
	    (rv = ctl_connect(ctl)) != 0)
		return rv;
	if (vet_clearance_renew(ctl->client, pos[0], pos[1], review_due,
	    flag_value(f, "reference"), &p, &st) != VET_OK)
		return server_error(&st);
	return show_person(ctl, "renewed a clearance of", p, &st);
}

/* hist_text: a JSON string, with bytes that are not UTF-8 replaced. */
static json_t *
hist_text(const char *s)
{
	json_t *v;
	char *copy;

	if (s == NULL)
		s = "";
	if ((v = json_string(s)) != NULL)
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

static json_t *
hist_time(int64_t t)
{
	char buf[32];

	if (t == 0)
		return json_null();
	vettime_format(t, buf, sizeof(buf));
	return json_string(buf);
}

json_t *
json_history(const vet_person *p)
{
	json_t *a, *o;

	if ((a = json_array()) == NULL)
		return NULL;
	for (size_t i = 0; i < p->n_history; i++) {
		const vet_event *e = &p->history[i];

		if ((o = json_object()) == NULL) {
			json_decref(a);
			return NULL;
		}
		json_set(o, "kind", json_string(vet_event_kind_name(e->kind)));
		json_set(o, "at", hist_time(e->at));
		json_set(o, "recorded_at", hist_time(e->recorded_at));
		json_set(o, "scheduled", json_boolean(e->scheduled));
		if (*e->scheme != '\0')
			json_set(o, "scheme", hist_text(e->scheme));
		if (*e->level != '\0')
			json_set(o, "level", hist_text(e->level));
		if (e->review_due != 0)
			json_set(o, "review_due", hist_time(e->review_due));
		if (*e->authority != '\0')
			json_set(o, "authority", hist_text(e->authority));
		if (*e->reference != '\0')
			json_set(o, "reference", hist_text(e->reference));
		if (*e->compartment != '\0')
			json_set(o, "compartment", hist_text(e->compartment));
		if (e->expires_at != 0)
			json_set(o, "expires_at", hist_time(e->expires_at));
		if (*e->reason != '\0')
			json_set(o, "reason", hist_text(e->reason));
		json_append(a, o);
	}
	return a;
}

/* print_event_detail: what the event says, after its kind. */
static void
print_event_detail(FILE *f, const vet_event *e)
{
	char date[24];

	if (*e->scheme != '\0') {
		fputc(' ', f);
		output_safe(f, e->scheme);
	}
	if (*e->level != '\0') {
		fputc(' ', f);
		output_safe(f, e->level);
	}
	if (*e->compartment != '\0') {
		fputc(' ', f);
		output_safe(f, e->compartment);
	}
	if (e->review_due != 0) {
		vettime_format_date(e->review_due, date, sizeof(date));
		fprintf(f, ", review due %s", date);
	}
	if (e->expires_at != 0) {
		vettime_format_date(e->expires_at, date, sizeof(date));
		fprintf(f, ", expires %s", date);
	}
	if (*e->authority != '\0') {
		fputs(", authority ", f);
		output_safe(f, e->authority);
	}
	if (*e->reference != '\0') {
		fputs(", reference ", f);
		output_safe(f, e->reference);
	}
	if (*e->reason != '\0') {
		fputs(": ", f);
		output_safe(f, e->reason);
	}
}

void
print_history(FILE *f, const vet_person *p)
{
	char at[32], rec[32];

	if (p->n_history == 0) {
		fputs("history:     none\n", f);
		return;
	}
	fputs("history:\n", f);
	for (size_t i = 0; i < p->n_history; i++) {
		const vet_event *e = &p->history[i];

		vettime_format(e->at, at, sizeof(at));
		fprintf(f, "  %s  %s", at, vet_event_kind_name(e->kind));
		print_event_detail(f, e);
		if (e->scheduled) {
			vettime_format(e->recorded_at, rec, sizeof(rec));
			fprintf(f, " (scheduled on %s)", rec);
		} else if (e->recorded_at != 0 && e->recorded_at != e->at) {
			vettime_format(e->recorded_at, rec, sizeof(rec));
			fprintf(f, " (recorded %s)", rec);
		}
		fputc('\n', f);
	}
}
