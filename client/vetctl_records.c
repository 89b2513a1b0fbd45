/*
 * vetctl_records.c: the records manager's commands. `sar ID` writes
 * everything vetd holds about one person as one JSON document (jansson):
 * the record with its history, then every audit entry naming them up to
 * the entry that records this export. `retention due` lists the records
 * the retention schedule says to delete; `retention purge --confirm`
 * deletes them, a page at a time, each re-checked by vetd. What vetd
 * sends is untrusted: libvet has checked each audit entry's hash.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vet_config.h"
#include "vettime.h"
#include "vetctl.h"

#define SAR_TIMEOUT_MS		(10 * 60 * 1000)
#define AUDIT_PAGE		1000
#define DUE_PAGE		100

static json_t *
json_when(int64_t t)
{
	char when[32];

	if (t == 0)
		return json_null();
	vettime_format(t, when, sizeof(when));
	return json_string(when);
}

/* sar_audit adds the entries naming id, up to seq last, to a. */
static int
sar_audit(struct ctl *ctl, const char *id, uint64_t last, json_t *a)
{
	vet_audit_query q = { 0 };
	vet_audit_page *page = NULL;
	vet_status st = { 0 };
	int rv = EXIT_OK;

	q.person_id = id;
	q.limit = AUDIT_PAGE;
	for (;;) {
		if (vet_audit_list(ctl->client, &q, &page, &st) != VET_OK)
			return server_error(&st);
		for (size_t i = 0; i < page->n_entries; i++) {
			const vet_audit_entry *e = &page->entries[i];

			if (e->seq > last)
				goto done;
			if (strcmp(e->person_id, id) != 0) {
				fprintf(stderr, "vetctl: vetd listed audit "
				    "entry %" PRIu64 " about someone else; "
				    "stopping\n", e->seq);
				rv = EXIT_SERVER;
				goto done;
			}
			json_append(a, json_audit_entry(e, 0));
		}
		if (page->next_after_seq == 0)
			break;
		if (page->next_after_seq <= q.after_seq) {
			fprintf(stderr, "vetctl: vetd sent the same page "
			    "twice; stopping\n");
			rv = EXIT_SERVER;
			goto done;
		}
		q.after_seq = page->next_after_seq;
		vet_audit_page_free(page);
		page = NULL;
	}
done:
	vet_audit_page_free(page);
	return rv;
}

/* sar_open creates path for the export (0600, never over a file) before
 * vetd is asked, so that a refused file costs no audited export. */
static int
sar_open(const char *path, FILE **out)
{
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0) {
		fprintf(stderr, "vetctl: cannot create %s: %s\n", path,
		    strerror(errno));
		return EXIT_USAGE;
	}
	if ((*out = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(path);
		return out_of_memory();
	}
	return EXIT_OK;
}

/* sar_write writes doc (taking its reference) to f, or stdout when f is
 * NULL; a file that cannot be written whole is removed. */
static int
sar_write(const char *path, FILE *f, json_t *doc)
{
	int rv = EXIT_OK;

	if (f == NULL)
		return output_json(doc);
	if (doc == NULL || json_dumpf(doc, f, JSON_INDENT(2) |
	    JSON_PRESERVE_ORDER) != 0 || fputc('\n', f) == EOF ||
	    fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fprintf(stderr, "vetctl: cannot write %s: %s\n", path,
		    strerror(errno));
		rv = EXIT_SERVER;
	}
	if (fclose(f) != 0 && rv == EXIT_OK) {
		fprintf(stderr, "vetctl: cannot write %s\n", path);
		rv = EXIT_SERVER;
	}
	if (rv != EXIT_OK)
		unlink(path);
	json_decref(doc);
	return rv;
}

int
cmd_sar(struct ctl *ctl, const struct command *cmd, int argc, char **argv)
{
	struct flag f[] = { { "output", 1, 0, NULL }, { NULL, 0, 0, NULL } };
	vet_sar sa = { 0 };
	vet_status st = { 0 };
	json_t *doc = NULL, *hdr, *audit = NULL;
	const char *id, *path;
	FILE *file = NULL;
	char **pos;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, f, &pos, &npos)) != 0)
		return rv;
	id = pos[0];
	path = flag_value(f, "output");
	if (ctl->opts.timeout_ms == 0)
		ctl->opts.timeout_ms = SAR_TIMEOUT_MS;
	if ((rv = ctl_connect(ctl)) != 0)
		return rv;
	if (path != NULL && (rv = sar_open(path, &file)) != EXIT_OK)
		return rv;
	if (vet_subject_access(ctl->client, id, &sa, &st) != VET_OK) {
		rv = server_error(&st);
		goto done;
	}
	if ((doc = json_object()) == NULL || (audit = json_array()) == NULL ||
	    (hdr = json_object()) == NULL) {
		rv = out_of_memory();
		goto done;
	}
	json_set(hdr, "kind", json_string("subject access export"));
	json_set(hdr, "person_id", json_string(id));
	json_set(hdr, "exported_at", json_when(sa.exported_at));
	json_set(hdr, "audit_seq", json_integer((json_int_t)sa.audit_seq));
	json_set(hdr, "vetctl_version", json_string(VET_VERSION));
	json_set(doc, "export", hdr);
	json_set(doc, "person", sa.person != NULL ? json_person(sa.person) :
	    json_null());
	if ((rv = sar_audit(ctl, id, sa.audit_seq, audit)) != EXIT_OK)
		goto done;
	json_set(doc, "audit", audit);
	audit = NULL;
	rv = sar_write(path, file, doc);
	doc = NULL;
	file = NULL;
	if (rv == EXIT_OK && path != NULL && !ctl->json)
		fprintf(stderr, "subject access export for %s written to %s\n",
		    id, path);
done:
	if (file != NULL) {
		fclose(file);
		unlink(path);
	}
	json_decref(audit);
	json_decref(doc);
	vet_sar_clear(&sa);
	return rv;
}

static json_t *
json_retention(const vet_retention_record *r)
{
	return json_pack("{s:s, s:s, s:o, s:o, s:s}", "person_id",
	    r->person_id, "status", vet_person_status_name(r->status),
	    "created_at", json_when(r->created_at), "ended_at",
	    json_when(r->ended_at), "ended_how", r->ended_how);
}

static void
print_retention(const vet_retention_record *r)
{
	char created[32], ended[32];

	vettime_format(r->created_at, created, sizeof(created));
	vettime_format(r->ended_at, ended, sizeof(ended));
	output_safe(stdout, r->person_id);
	printf("\t%s\t%s\t%s\t%s\n", vet_person_status_name(r->status),
	    created, ended, r->ended_how);
}

/*
 * each_due calls fn with every due page, from the start, until the last
 * page or an error; fn may delete what it is given (the next page starts
 * after the last id looked at, so nothing is skipped).
 */
static int
each_due(struct ctl *ctl, int (*fn)(struct ctl *, vet_retention_page *,
    void *), void *arg)
{
	vet_retention_page *page = NULL;
	vet_status st = { 0 };
	char token[129] = "";
	int rv;

	for (;;) {
		if (vet_retention_due(ctl->client, token, DUE_PAGE, &page,
		    &st) != VET_OK)
			return server_error(&st);
		if ((rv = fn(ctl, page, arg)) != EXIT_OK)
			break;
		if (page->next_page_token[0] == '\0')
			break;
		if (strcmp(page->next_page_token, token) <= 0) {
			fprintf(stderr, "vetctl: vetd sent the same page "
			    "twice; stopping\n");
			rv = EXIT_SERVER;
			break;
		}
		snprintf(token, sizeof(token), "%s", page->next_page_token);
		vet_retention_page_free(page);
		page = NULL;
	}
	vet_retention_page_free(page);
	return rv;
}

struct due_out {
	json_t	*list;
	size_t	n;
	int64_t	cutoff;
	unsigned years;
	/* purge */
	unsigned erased, legacy, replies;
};

static int
due_one_page(struct ctl *ctl, vet_retention_page *page, void *arg)
{
	struct due_out *o = arg;

	o->cutoff = page->cutoff;
	o->years = page->retention_years;
	for (size_t i = 0; i < page->n; i++) {
		if (ctl->json)
			json_append(o->list, json_retention(&page->records[i]));
		else {
			if (o->n == 0)
				printf("ID\tSTATUS\tCREATED\tENDED\tHOW\n");
			print_retention(&page->records[i]);
		}
		o->n++;
	}
	return EXIT_OK;
}

static int
retention_summary(struct ctl *ctl, struct due_out *o, const char *what)
{
	char cutoff[32];

	vettime_format(o->cutoff, cutoff, sizeof(cutoff));
	if (ctl->json) {
		json_t *doc = json_object();

		json_set(doc, what, o->list);
		o->list = NULL;
		json_set(doc, "cutoff", json_string(cutoff));
		json_set(doc, "retention_years", json_integer(o->years));
		if (strcmp(what, "purged") == 0) {
			json_set(doc, "audit_entries_erased",
			    json_integer(o->erased));
			json_set(doc, "legacy_entries_kept",
			    json_integer(o->legacy));
			json_set(doc, "replies_forgotten",
			    json_integer(o->replies));
		}
		return output_json(doc);
	}
	printf("%zu %s %s (vetting ended on or before %s; retention %u "
	    "years)\n", o->n, o->n == 1 ? "record" : "records",
	    strcmp(what, "due") == 0 ? "due for deletion" : "deleted",
	    cutoff, o->years);
	if (strcmp(what, "purged") == 0)
		printf("%u audit entries erased, %u written before sealing "
		    "kept\n", o->erased, o->legacy);
	return EXIT_OK;
}

int
cmd_retention_due(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	struct due_out o = { 0 };
	char **pos;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, NULL, &pos, &npos)) != 0)
		return rv;
	if (ctl->opts.timeout_ms == 0)
		ctl->opts.timeout_ms = SAR_TIMEOUT_MS;
	if ((rv = ctl_connect(ctl)) != 0)
		return rv;
	if (ctl->json && (o.list = json_array()) == NULL)
		return out_of_memory();
	if ((rv = each_due(ctl, due_one_page, &o)) == EXIT_OK)
		rv = retention_summary(ctl, &o, "due");
	json_decref(o.list);
	return rv;
}

static int
purge_one_page(struct ctl *ctl, vet_retention_page *page, void *arg)
{
	struct due_out *o = arg;
	const char *ids[DUE_PAGE];
	vet_retention_page *done = NULL;
	vet_status st = { 0 };

	o->cutoff = page->cutoff;
	o->years = page->retention_years;
	if (page->n == 0)
		return EXIT_OK;
	for (size_t i = 0; i < page->n && i < DUE_PAGE; i++)
		ids[i] = page->records[i].person_id;
	if (vet_retention_purge(ctl->client, ids, page->n < DUE_PAGE ?
	    page->n : DUE_PAGE, &done, &st) != VET_OK)
		return server_error(&st);
	o->erased += done->audit_entries_erased;
	o->legacy += done->legacy_entries_kept;
	o->replies += done->replies_forgotten;
	for (size_t i = 0; i < done->n; i++) {
		if (ctl->json)
			json_append(o->list, json_retention(&done->records[i]));
		else {
			if (o->n == 0)
				printf("deleted:\nID\tSTATUS\tCREATED\tENDED\t"
				    "HOW\n");
			print_retention(&done->records[i]);
		}
		o->n++;
	}
	vet_retention_page_free(done);
	return EXIT_OK;
}

int
cmd_retention_purge(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	struct flag f[] = { { "confirm", 0, 0, NULL }, { NULL, 0, 0, NULL } };
	struct due_out o = { 0 };
	char **pos;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, f, &pos, &npos)) != 0)
		return rv;
	if (flag_value(f, "confirm") == NULL)
		return usage_error(cmd, "this deletes records for good: list "
		    "them with `vetctl retention due`, then add --confirm");
	if (ctl->opts.timeout_ms == 0)
		ctl->opts.timeout_ms = SAR_TIMEOUT_MS;
	if ((rv = ctl_connect(ctl)) != 0)
		return rv;
	if (ctl->json && (o.list = json_array()) == NULL)
		return out_of_memory();
	if ((rv = each_due(ctl, purge_one_page, &o)) == EXIT_OK)
		rv = retention_summary(ctl, &o, "purged");
	json_decref(o.list);
	return rv;
}
