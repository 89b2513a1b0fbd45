/*
 * test_records.c: subject access and retention end to end against a real
 * vetd. A SAR holds the person's record and every audit entry naming
 * them, and nothing about anyone else; the export is itself audited.
 * Retention lists exactly the records whose vetting ended before the
 * cutoff; a purge deletes them, leaves no personal data in the store (a
 * compacted backup of it is searched byte by byte), keeps the audit chain
 * verifying, and refuses records that are not due.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit_helpers.h"

TestSuite(sar, .init = setup, .fini = teardown, .timeout = 120);
TestSuite(retention, .init = setup, .fini = teardown, .timeout = 120);

#define YEAR	(365 * 86400)

static void
put(const char *id, const char *name, const char *email)
{
	vet_person_spec spec = { .id = id, .display_name = name,
	    .email = email, .nationality = "GB" };
	vet_status st;

	cr_assert_eq(vet_person_put(client, &spec, NULL, &st), VET_OK, "%s",
	    st.message);
}

static json_t *
load_json(const char *path)
{
	json_error_t jerr;
	json_t *o = json_load_file(path, 0, &jerr);

	cr_assert_not_null(o, "%s: %s", path, jerr.text);
	return o;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	cr_assert_not_null(f, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	cr_assert_not_null(buf = malloc((size_t)n + 1));
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

Test(sar, holds_everything_about_the_person_and_nobody_else)
{
	char path[400];
	struct stat sb;
	json_t *doc, *audit, *e;
	size_t i, len, about_alice;
	char *text;

	put("alice", "Alice Archer", "alice@example.org");
	put("bob", "Bob Bowman", "bob@example.org");
	put("alice", "Alice Archer-Smith", "alice@example.org");
	cr_assert_eq(vetctl("clearance", "grant", "alice", "nsv", "SC",
	    "--review-due", "2031-01-01", "--authority", "UKSV"), 0, "%s",
	    err);
	cr_assert_eq(vetctl("clearance", "grant", "bob", "nsv", "DV",
	    "--review-due", "2031-01-01", "--authority", "UKSV"), 0, "%s",
	    err);
	cr_assert_eq(vetctl("person", "suspend", "alice", "--reason", "under "
	    "investigation"), 0, "%s", err);

	snprintf(path, sizeof(path), "%s/alice-sar.json", vetd.dir);
	cr_assert_eq(vetctl("sar", "alice", "--output", path), 0, "%s", err);
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0600);
	/* Never over an existing file. */
	cr_assert_eq(vetctl("sar", "alice", "--output", path), 2);
	cr_assert(strstr(err, "File exists") != NULL, "%s", err);

	doc = load_json(path);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    doc, "export"), "person_id")), "alice");
	cr_assert_not_null(json_string_value(json_object_get(
	    json_object_get(doc, "export"), "exported_at")));
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    doc, "person"), "display_name")), "Alice Archer-Smith");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    doc, "person"), "status")), "SUSPENDED");
	/* The full history: granted, then suspended. */
	{
		json_t *h = json_object_get(json_object_get(doc, "person"),
		    "history");
		cr_assert_eq(json_array_size(h), 2, "%zu events",
		    json_array_size(h));
		cr_assert_str_eq(json_string_value(json_object_get(
		    json_array_get(h, 0), "kind")), "CLEARANCE_GRANTED");
		cr_assert_str_eq(json_string_value(json_object_get(
		    json_array_get(h, 1), "kind")), "PERSON_SUSPENDED");
	}
	audit = json_object_get(doc, "audit");
	/* put, put, grant, suspend: four writes, then the export itself. */
	about_alice = json_array_size(audit);
	cr_assert_eq(about_alice, 5, "%zu entries", about_alice);
	json_array_foreach(audit, i, e)
		cr_assert_str_eq(json_string_value(json_object_get(e,
		    "person_id")), "alice");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    audit, 4), "method")), "SubjectAccess");
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(audit,
	    4), "seq")), json_integer_value(json_object_get(json_object_get(
	    doc, "export"), "audit_seq")));
	json_decref(doc);

	text = slurp(path, &len);
	cr_assert(strstr(text, "bob") == NULL && strstr(text, "Bob") == NULL
	    && strstr(text, "DV") == NULL, "the export names someone else");
	cr_assert(strstr(text, "Alice Archer") != NULL);
	free(text);

	/* The export is in the log, and the chain holds. */
	cr_assert_eq(count_method("SubjectAccess", 0), 1);
	cr_assert_eq(vetctl("audit", "verify"), 0, "%s", out);
}

Test(sar, refuses_the_unknown_and_the_unentitled)
{
	vet_sar sa;
	vet_status st;

	cr_assert_eq(vetctl("sar", "nobody"), 3);
	cr_assert(strstr(err, "NOT_FOUND") != NULL, "%s", err);
	cr_assert(strstr(err, "vetd holds nothing about person nobody") !=
	    NULL, "%s", err);
	cr_assert_eq(vet_subject_access(client, "bad id!", &sa, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_eq(count_method("SubjectAccess", 0), 0);
}

/*
 * Retention. Records from long ago come in through ImportPeople, which
 * takes whole records with their dates.
 */

static void
import_old(const char *id, const char *name, vet_person_status status,
    int64_t left, vet_clearance_status cs, int64_t granted, int64_t review,
    int64_t changed)
{
	vet_clearance c = { .scheme = "nsv", .level = "SC",
	    .granted_at = granted, .review_due = review, .authority = "UKSV",
	    .reference = "R-1", .status = cs, .status_changed_at = changed,
	    .status_reason = cs == VET_CLEARANCE_WITHDRAWN ? "withdrawn" :
	    cs == VET_CLEARANCE_LAPSED ? "left" : "" };
	vet_person p = { .id = (char *)id, .display_name = (char *)name,
	    .email = "old@example.org", .org_unit = "Archive",
	    .nationality = "GB", .status = status, .created_at = granted,
	    .status_changed_at = left, .status_reason = left ? "resigned" :
	    "", .n_clearances = granted ? 1 : 0, .clearances = &c };
	vet_import_result r;
	vet_status st;

	cr_assert_eq(vet_import_people(client, &p, 1, &r, &st), VET_OK,
	    "%s: %s", id, st.message);
}

static int64_t
years_ago(int y)
{
	return (int64_t)time(NULL) - (int64_t)y * YEAR - 30 * 86400;
}

static void
seed_retention(void)
{
	int64_t now = time(NULL);

	/* Left 20 years ago, clearance lapsed then. */
	import_old("old-leaver", "Olive Oldfield", VET_PERSON_LEAVER,
	    years_ago(20), VET_CLEARANCE_LAPSED, years_ago(25),
	    years_ago(18), years_ago(20));
	/* Still on the books; clearance expired 16 years ago. */
	import_old("old-expired", "Edgar Expired", VET_PERSON_ACTIVE, 0,
	    VET_CLEARANCE_GRANTED, years_ago(26), years_ago(16), 0);
	/* Withdrawn 10 years ago: within the 15 years. */
	import_old("recent", "Rita Recent", VET_PERSON_LEAVER, years_ago(10),
	    VET_CLEARANCE_WITHDRAWN, years_ago(12), now + YEAR,
	    years_ago(10));
	/* Cleared and in date. */
	import_old("current", "Cora Current", VET_PERSON_ACTIVE, 0,
	    VET_CLEARANCE_GRANTED, years_ago(1), now + 5 * YEAR, 0);
	/* Never vetted, still employed: HR's record, never due. */
	import_old("unvetted", "Una Vetted", VET_PERSON_ACTIVE, 0, 0, 0, 0, 0);
	/* Audit entries that carry personal data about old-leaver. */
	put("old-leaver-2", "Someone Else", "else@example.org");
}

Test(retention, lists_exactly_the_records_past_the_period)
{
	vet_retention_page *page = NULL;
	vet_status st;

	seed_retention();
	cr_assert_eq(vet_retention_due(client, "", 0, &page, &st), VET_OK,
	    "%s", st.message);
	cr_assert_eq(page->retention_years, 15);
	cr_assert_eq(page->n, 2, "%zu due", page->n);
	cr_assert_str_eq(page->records[0].person_id, "old-expired");
	cr_assert_str_eq(page->records[0].ended_how, "expired");
	cr_assert_eq(page->records[0].ended_at, years_ago(16));
	cr_assert_str_eq(page->records[1].person_id, "old-leaver");
	cr_assert_str_eq(page->records[1].ended_how, "left");
	cr_assert_eq(page->records[1].ended_at, years_ago(20));
	cr_assert_str_eq(page->next_page_token, "");
	vet_retention_page_free(page);

	cr_assert_eq(vetctl("retention", "due"), 0, "%s", err);
	cr_assert(glob("ID\tSTATUS\tCREATED\tENDED\tHOW\nold-expired\tACTIVE\t"
	    "*\texpired\nold-leaver\tLEAVER\t*\tleft\n2 records due for "
	    "deletion (vetting ended on or before *; retention 15 years)\n",
	    out), "%s", out);
	/* No personal data in the listing. */
	cr_assert(strstr(out, "Olive") == NULL);
}

Test(retention, purge_needs_confirm_and_refuses_what_is_not_due)
{
	const char *ids[] = { "old-leaver", "recent" };
	const char *dup[] = { "old-leaver", "old-leaver" };
	vet_retention_page *done = NULL;
	vet_person *p = NULL;
	vet_status st;

	seed_retention();
	cr_assert_eq(vetctl("retention", "purge"), 2);
	cr_assert(strstr(err, "--confirm") != NULL, "%s", err);
	cr_assert_eq(vet_retention_purge(client, ids, 2, &done, &st),
	    VET_FAILED_PRECONDITION);
	cr_assert_str_eq(st.message, "person recent is not due for deletion: "
	    "their vetting ended within the retention period");
	ids[1] = "current";
	cr_assert_eq(vet_retention_purge(client, ids, 2, &done, &st),
	    VET_FAILED_PRECONDITION);
	cr_assert_str_eq(st.message, "person current is not due for "
	    "deletion: their vetting has not ended");
	ids[1] = "ghost";
	cr_assert_eq(vet_retention_purge(client, ids, 2, &done, &st),
	    VET_NOT_FOUND);
	cr_assert_eq(vet_retention_purge(client, dup, 2, &done, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_eq(vet_retention_purge(client, ids, 0, &done, &st),
	    VET_INVALID_ARGUMENT);
	/* Nothing was deleted by any of them. */
	cr_assert_eq(vet_person_get(client, "old-leaver", &p, &st), VET_OK);
	vet_person_free(p);
	cr_assert_eq(count_method("RetentionPurge", 0), 0);
}

Test(retention, purge_leaves_no_personal_data_and_the_chain_verifies)
{
	char backup[400], mdb[440];
	vet_person *p = NULL;
	vet_status st;
	vet_audit_page *page;
	size_t len;
	char *bytes;

	seed_retention();
	/* Entries naming old-leaver with their personal data. */
	put("old-leaver", "Olive Oldfield-Jones", "olive.jones@example.org");
	/* The report indexes count them before. */
	cr_assert_eq(vetctl("report", "summary"), 0, "%s", err);
	cr_assert(glob("PEOPLE  COUNT\nACTIVE  4\nLEAVER  2\n*", out), "%s",
	    out);
	cr_assert_eq(vetctl("retention", "purge", "--confirm"), 0, "%s", err);
	cr_assert(glob("deleted:\nID\tSTATUS\tCREATED\tENDED\tHOW\n"
	    "old-expired\tACTIVE\t*\nold-leaver\tLEAVER\t*\n2 records deleted "
	    "*\n1 audit entries erased, 0 written before sealing kept\n", out),
	    "%s", out);
	cr_assert_eq(vet_person_get(client, "old-leaver", &p, &st),
	    VET_NOT_FOUND);
	cr_assert_eq(vet_person_get(client, "old-expired", &p, &st),
	    VET_NOT_FOUND);
	cr_assert_eq(vet_person_get(client, "recent", &p, &st), VET_OK);
	vet_person_free(p);
	cr_assert_eq(vetctl("audit", "verify"), 0, "%s", out);

	/* What the log still says about old-leaver: the erased update and
	 * the purge, with ids and dates only. */
	page = log_from(0, "old-leaver");
	cr_assert_eq(page->n_entries, 2, "%s", dump());
	cr_assert(page->entries[0].redacted);
	cr_assert_str_eq(page->entries[0].change, "");
	cr_assert_str_eq(page->entries[1].method, "RetentionPurge");
	cr_assert_eq(page->entries[1].redactions, 1);
	cr_assert(strstr(page->entries[1].change, "Olive") == NULL);
	vet_audit_page_free(page);
	/* Someone else's entries are untouched. */
	page = log_from(0, "old-leaver-2");
	cr_assert_eq(page->n_entries, 1);
	cr_assert(strstr(page->entries[0].change, "Someone Else") != NULL);
	vet_audit_page_free(page);

	/* A SAR now finds the entries, and no record. */
	cr_assert_eq(vetctl("sar", "old-leaver"), 0, "%s", err);
	cr_assert(strstr(out, "\"person\": null") != NULL, "%s", out);
	cr_assert(strstr(out, "Olive") == NULL, "%s", out);

	/* Byte by byte: a compacted copy of the store holds none of it. */
	snprintf(backup, sizeof(backup), "%s/backup", vetd.dir);
	cr_assert_eq(vetctl("backup", backup), 0, "%s", err);
	snprintf(mdb, sizeof(mdb), "%s/data.mdb", backup);
	bytes = slurp(mdb, &len);
	cr_assert_null(memmem(bytes, len, "Olive", 5));
	cr_assert_null(memmem(bytes, len, "olive.jones", 11));
	cr_assert_null(memmem(bytes, len, "Edgar", 5));
	cr_assert_not_null(memmem(bytes, len, "Rita Recent", 11));
	free(bytes);
	/* The indexes forgot them too. */
	cr_assert_eq(vetctl("report", "summary"), 0, "%s", err);
	cr_assert(glob("PEOPLE  COUNT\nACTIVE  3\nLEAVER  1\n*", out), "%s",
	    out);
	/* Nothing more is due. */
	cr_assert_eq(vetctl("retention", "due"), 0);
	cr_assert(glob("0 records due for deletion*", out), "%s", out);
}

Test(retention, the_period_comes_from_the_config)
{
	char path[128];
	vet_retention_page *page = NULL;
	vet_status st;
	FILE *f;

	seed_retention();
	snprintf(conf_dir, sizeof(conf_dir), "/tmp/vetd-conf-XXXXXX");
	cr_assert_not_null(mkdtemp(conf_dir));
	snprintf(path, sizeof(path), "%s/vetd.conf", conf_dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fprintf(f, "retention_years = 5\n");
	fclose(f);
	chmod(path, 0600);
	vet_client_close(&client);
	cr_assert_eq(fixture_stop(&vetd), 0);
	cr_assert_eq(fixture_restart(&vetd, (const char *[]){ "-c", path,
	    NULL }), 0);
	connect_client();
	cr_assert_eq(vet_retention_due(client, "", 0, &page, &st), VET_OK);
	cr_assert_eq(page->retention_years, 5);
	cr_assert_eq(page->n, 3);
	cr_assert_str_eq(page->records[2].person_id, "recent");
	/* Withdrawn the day they left: leaving is what is recorded. */
	cr_assert_str_eq(page->records[2].ended_how, "left");
	vet_retention_page_free(page);
}
