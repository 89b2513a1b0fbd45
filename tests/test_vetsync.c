/*
 * test_vetsync.c: vetsync end to end in RFC 4533 mode: a real slapd with
 * syncprov (tests/ldap_fixture.c), a real vetd (tests/fixture.c), vetsync
 * run as a child process the way an operator runs it, and vetctl to ask
 * vetd. Every wait is bounded and waits on the event itself.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vet/vet.h>

#include "fixture.h"
#include "ldap_fixture.h"

#define WAIT_MS	15000

static struct vetd_proc vetd;
static struct slapd_proc slapd;
static struct vetsync_proc vs;
static struct slapd_proc tls;	/* a second slapd, for the TLS test */
static LDAP *admin;
static vet_client *vc;
static char out[1 << 16], err[1 << 16];

static void
setup(void)
{
	vet_status st;

	cr_assert_eq(slapd_start(&slapd, 1), 0, "slapd did not start");
	cr_assert_eq(fixture_start(&vetd, NULL), 0, "vetd did not start");
	cr_assert_not_null(admin = slapd_admin(&slapd));
	cr_assert_eq(vet_client_open(&vc, vetd.url, NULL, &st), VET_OK);
	cr_assert_eq(vetsync_setup(&vs, &slapd, vetd.url, NULL), 0);
}

static void
teardown(void)
{
	vetsync_cleanup(&vs);
	vet_client_close(&vc);
	if (admin != NULL)
		ldap_unbind_ext_s(admin, NULL, NULL);
	admin = NULL;
	fixture_cleanup(&vetd);
	slapd_cleanup(&slapd);
	slapd_cleanup(&tls);
}

TestSuite(vetsync, .init = setup, .fini = teardown, .timeout = 90);

#define vetsync_once(...) \
	vetsync_run(&vs, (const char *[]){ __VA_ARGS__, NULL }, out, \
	    sizeof(out), err, sizeof(err))

/* count_people counts directory-sourced people in vetd with status. */
static int
count_people(vet_person_status status)
{
	vet_person_page *page = NULL;
	char token[256] = "";
	vet_status st;
	int n = 0;

	do {
		if (vet_person_list(vc, status, 1000, token, &page, &st) !=
		    VET_OK)
			return -1;
		for (size_t i = 0; i < page->n_people; i++)
			if (page->people[i].source == VET_SOURCE_DIRECTORY)
				n++;
		snprintf(token, sizeof(token), "%s", page->next_page_token);
		vet_person_page_free(page);
	} while (token[0] != '\0');
	return n;
}

struct want_count {
	vet_person_status status;
	int	 n;
};

static int
has_count(void *arg)
{
	struct want_count *w = arg;

	return count_people(w->status) == w->n;
}

static void
wait_count(vet_person_status status, int n)
{
	struct want_count w = { status, n };

	cr_assert(wait_until(has_count, &w, WAIT_MS), "vetd never held %d "
	    "people with status %d (has %d); vetsync log in %s", n, status,
	    count_people(status), vs.log_path);
}

static void
uuid_of(const char *cn, char out_uuid[37])
{
	char dn[256];

	snprintf(dn, sizeof(dn), "cn=%s," SLAPD_PEOPLE, cn);
	cr_assert_eq(dir_person_uuid(admin, dn, out_uuid), 0, "no %s", dn);
}

/* person_is: vetd holds id with this status, name and (optional) mail. */
struct want_person {
	const char *id;
	vet_person_status status;
	const char *name;
	const char *mail;
	const char *reason;
};

static int
person_is(void *arg)
{
	struct want_person *w = arg;
	vet_person *p = NULL;
	vet_status st;
	int ok;

	if (vet_person_get(vc, w->id, &p, &st) != VET_OK)
		return 0;
	ok = p->status == w->status && p->source == VET_SOURCE_DIRECTORY &&
	    (w->name == NULL || strcmp(p->display_name, w->name) == 0) &&
	    (w->mail == NULL || strcmp(p->email, w->mail) == 0) &&
	    (w->reason == NULL || strcmp(p->status_reason, w->reason) == 0);
	vet_person_free(p);
	return ok;
}

#define wait_person(...) do {						\
	struct want_person w_ = { __VA_ARGS__ };			\
	cr_assert(wait_until(person_is, &w_, WAIT_MS), "person %s never " \
	    "reached the expected state; vetsync log in %s", w_.id,	\
	    vs.log_path);						\
} while (0)

/* vetctl_check runs vetctl check ID SECRET; returns the exit status. */
static int
vetctl_check(const char *id)
{
	const char *argv[] = { test_bin("VETCTL_BIN"), "-s", vetd.url, "check",
	    id, "SECRET", NULL };

	return run_cmd(argv, out, sizeof(out), err, sizeof(err));
}

static int
denied_leaver(void *arg)
{
	return vetctl_check(arg) == 1 &&
	    strncmp(out, "DENY LEAVER: ", 13) == 0;
}

static int
log_has(void *arg)
{
	return file_contains(vs.log_path, arg);
}

static void
wait_log(const char *needle)
{
	cr_assert(wait_until(log_has, (void *)needle, WAIT_MS), "vetsync log "
	    "%s never said \"%s\"", vs.log_path, needle);
}

static void
start_following(int people)
{
	cr_assert_eq(dir_people_add(admin, 0, people), LDAP_SUCCESS);
	cr_assert_eq(vetsync_start(&vs, NULL), 0);
	wait_count(VET_PERSON_ACTIVE, people);
}

Test(vetsync, once_loads_a_few_hundred_then_resumes_from_its_cookie)
{
	char uuid[37], state[400];
	struct stat sb;

	cr_assert_eq(dir_people_add(admin, 0, 300), LDAP_SUCCESS);
	cr_assert_eq(vetsync_once("--once"), 0, "%s%s", out, err);
	cr_assert_str_eq(out, "added 300 updated 0 leavers 0 skipped 0 "
	    "unchanged 0 entries 300 reenabled 0\n");
	cr_assert_eq(count_people(VET_PERSON_ACTIVE), 300);

	/* The person id is the entry's entryUUID; the attributes map. */
	uuid_of("User 0042", uuid);
	struct want_person w = { .id = uuid, .status = VET_PERSON_ACTIVE,
	    .name = "User 0042", .mail = "user0042@example.org",
	    .reason = NULL };
	cr_assert(person_is(&w));

	/* The cookie is kept 0600 in a 0700 directory. */
	snprintf(state, sizeof(state), "%s/vetsync.state", vs.state_dir);
	cr_assert_eq(stat(state, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0600);
	cr_assert_eq(stat(vs.state_dir, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0700);

	/* Again: resumed from the cookie, nothing re-sent. */
	cr_assert_eq(vetsync_once("--once"), 0, "%s%s", out, err);
	cr_assert_str_eq(out, "added 0 updated 0 leavers 0 skipped 0 "
	    "unchanged 0 entries 0 reenabled 0\n");

	/* Offline changes: only they come back. */
	cr_assert_eq(dir_person_add(admin, "Late Joiner", "late@example.org",
	    "Team 9", NULL), LDAP_SUCCESS);
	cr_assert_eq(dir_person_set(admin, "User 0001", "mail",
	    "moved@example.org"), LDAP_SUCCESS);
	uuid_of("User 0002", uuid);
	cr_assert_eq(dir_person_delete(admin, "User 0002"), LDAP_SUCCESS);
	cr_assert_eq(vetsync_once("--once"), 0, "%s%s", out, err);
	cr_assert_str_eq(out, "added 1 updated 1 leavers 1 skipped 0 "
	    "unchanged 0 entries 2 reenabled 0\n");
	struct want_person gone = { .id = uuid, .status = VET_PERSON_LEAVER,
	    .name = "User 0002", .mail = NULL,
	    .reason = "removed from directory" };
	cr_assert(person_is(&gone));
}

/* calls_after counts vetd's audit entries after seq: PutPerson calls,
 * SyncPeople calls (their own entry, no person) and the people in them. */
static void
calls_after(uint64_t seq, unsigned *puts, unsigned *syncs, unsigned *synced)
{
	vet_audit_query q = { .after_seq = seq, .limit = 1000 };
	vet_audit_page *page;
	vet_status st;

	*puts = *syncs = *synced = 0;
	do {
		cr_assert_eq(vet_audit_list(vc, &q, &page, &st), VET_OK, "%s",
		    st.message);
		for (size_t i = 0; i < page->n_entries; i++) {
			const vet_audit_entry *a = &page->entries[i];
			if (strcmp(a->method, "PutPerson") == 0)
				(*puts)++;
			else if (strcmp(a->method, "SyncPeople") == 0)
				(*(a->person_id[0] ? synced : syncs))++;
		}
		q.after_seq = page->next_after_seq;
		vet_audit_page_free(page);
	} while (q.after_seq != 0);
}

Test(vetsync, initial_load_goes_to_vetd_in_batches)
{
	unsigned puts, syncs, synced;

	cr_assert_eq(dir_people_add(admin, 0, 1200), LDAP_SUCCESS);
	cr_assert_eq(vetsync_once("--once"), 0, "%s%s", out, err);
	cr_assert_str_eq(out, "added 1200 updated 0 leavers 0 skipped 0 "
	    "unchanged 0 entries 1200 reenabled 0\n");
	cr_assert(strstr(err, "sent 1200 people to vetd in 3 SyncPeople "
	    "calls") != NULL, "%s", err);
	cr_assert_eq(count_people(VET_PERSON_ACTIVE), 1200);
	/* vetd's side: three calls of 500, 500 and 200, no single put. */
	calls_after(0, &puts, &syncs, &synced);
	cr_assert_eq(syncs, 3, "%u SyncPeople calls", syncs);
	cr_assert_eq(synced, 1200);
	cr_assert_eq(puts, 0);
}

Test(vetsync, follows_add_modify_rename_delete_disable)
{
	char joiner[37], u1[37], u2[37], u3[37], u4[37], u5[37];

	start_following(300);
	uuid_of("User 0001", u1);
	uuid_of("User 0002", u2);
	uuid_of("User 0003", u3);
	uuid_of("User 0004", u4);
	uuid_of("User 0005", u5);

	cr_assert_eq(dir_person_add(admin, "New Joiner", "new@example.org",
	    "Team 1", NULL), LDAP_SUCCESS);
	uuid_of("New Joiner", joiner);
	wait_person(.id = joiner, .status = VET_PERSON_ACTIVE,
	    .name = "New Joiner", .mail = "new@example.org");

	cr_assert_eq(dir_person_set(admin, "User 0001", "mail",
	    "changed@example.org"), LDAP_SUCCESS);
	wait_person(.id = u1, .status = VET_PERSON_ACTIVE, .name = "User 0001",
	    .mail = "changed@example.org");

	/* MODRDN: same entryUUID, new cn; a change, not a leaver. */
	cr_assert_eq(dir_person_rename(admin, "User 0002", "Renamed Person",
	    NULL), LDAP_SUCCESS);
	wait_person(.id = u2, .status = VET_PERSON_ACTIVE,
	    .name = "Renamed Person");

	/* Delete: vetctl check answers DENY LEAVER. */
	cr_assert_eq(vetctl_check(u3), 1, "%s", out);
	cr_assert(strncmp(out, "DENY NO_CLEARANCE", 17) == 0, "%s", out);
	cr_assert_eq(dir_person_delete(admin, "User 0003"), LDAP_SUCCESS);
	cr_assert(wait_until(denied_leaver, u3, WAIT_MS), "%s", out);
	wait_person(.id = u3, .status = VET_PERSON_LEAVER, .name = NULL,
	    .mail = NULL, .reason = "removed from directory");

	/* Disabled by the rule employeeType=leaver. */
	cr_assert_eq(dir_person_set(admin, "User 0004", "employeeType",
	    "leaver"), LDAP_SUCCESS);
	wait_person(.id = u4, .status = VET_PERSON_LEAVER, .name = NULL,
	    .mail = NULL, .reason = "account disabled in directory");

	/* Moved out of the base: arrives as a delete. */
	cr_assert_eq(dir_person_rename(admin, "User 0005", "User 0005",
	    "ou=former," SLAPD_BASE), LDAP_SUCCESS);
	wait_person(.id = u5, .status = VET_PERSON_LEAVER, .name = NULL,
	    .mail = NULL, .reason = "removed from directory");

	/* Enabled again: reported, not reinstated. */
	cr_assert_eq(dir_person_set(admin, "User 0004", "employeeType", NULL),
	    LDAP_SUCCESS);
	wait_log("enabled in the directory but a leaver in vetd");
	struct want_person still = { .id = u4, .status = VET_PERSON_LEAVER,
	    .name = NULL, .mail = NULL, .reason = NULL };
	cr_assert(person_is(&still));

	cr_assert_eq(count_people(VET_PERSON_LEAVER), 3);
	cr_assert_eq(count_people(VET_PERSON_ACTIVE), 298);
	char line[128];
	snprintf(line, sizeof(line), "change: leaver %s: removed from "
	    "directory", u3);
	cr_assert(file_contains(vs.log_path, line), "%s", line);
	snprintf(line, sizeof(line), "change: updated %s", u2);
	cr_assert(file_contains(vs.log_path, line), "%s", line);
	cr_assert_eq(vetsync_stop(&vs), 0);
	cr_assert(file_contains(vs.metrics, "vetsync_leavers_total 3\n"));
	cr_assert(file_contains(vs.metrics, "vetsync_people_added_total 301\n"));
	cr_assert(file_contains(vs.metrics,
	    "vetsync_mode{mode=\"syncrepl\"} 1\n"));
}

Test(vetsync, restart_resumes_from_its_cookie)
{
	char gone[37], joiner[37];

	start_following(300);
	wait_log("refresh done (full): entries 300 added 300");
	cr_assert_eq(vetsync_stop(&vs), 0);

	uuid_of("User 0007", gone);
	cr_assert_eq(dir_person_delete(admin, "User 0007"), LDAP_SUCCESS);
	cr_assert_eq(dir_person_add(admin, "While Away", "away@example.org",
	    "Team 2", NULL), LDAP_SUCCESS);
	uuid_of("While Away", joiner);

	cr_assert_eq(vetsync_start(&vs, NULL), 0);
	wait_person(.id = joiner, .status = VET_PERSON_ACTIVE,
	    .name = "While Away");
	wait_person(.id = gone, .status = VET_PERSON_LEAVER, .name = NULL,
	    .mail = NULL, .reason = "removed from directory");
	/* Only the two changes came back, not the 300 entries. */
	wait_log("refresh done (resumed): entries 1 added 1 updated 0 "
	    "leavers 1");
}

Test(vetsync, catches_up_after_slapd_is_killed_during_persist)
{
	char gone[37], joiner[37];

	start_following(300);
	wait_log("refresh done (full)");
	uuid_of("User 0010", gone);
	slapd_kill(&slapd);
	wait_log("lost the directory");
	cr_assert_eq(slapd_restart(&slapd), 0);
	ldap_unbind_ext_s(admin, NULL, NULL);
	cr_assert_not_null(admin = slapd_admin(&slapd));
	cr_assert_eq(dir_person_delete(admin, "User 0010"), LDAP_SUCCESS);
	cr_assert_eq(dir_person_add(admin, "After Restart", "ar@example.org",
	    "Team 3", NULL), LDAP_SUCCESS);
	uuid_of("After Restart", joiner);
	cr_assert(wait_until(denied_leaver, gone, WAIT_MS), "%s", out);
	wait_person(.id = joiner, .status = VET_PERSON_ACTIVE,
	    .name = "After Restart");
	wait_log("resumed refresh and persist");
	cr_assert_eq(count_people(VET_PERSON_ACTIVE), 300);
}

Test(vetsync, vetd_down_loses_nothing_and_records_one_leaver)
{
	char gone[37];
	vet_status st;

	start_following(50);
	uuid_of("User 0020", gone);
	cr_assert_eq(fixture_stop(&vetd), 0);
	cr_assert_eq(dir_person_delete(admin, "User 0020"), LDAP_SUCCESS);
	wait_log("(retrying)");
	cr_assert_eq(fixture_restart(&vetd, NULL), 0);
	cr_assert(wait_until(denied_leaver, gone, WAIT_MS), "%s", out);
	wait_person(.id = gone, .status = VET_PERSON_LEAVER, .name = NULL,
	    .mail = NULL, .reason = "removed from directory");
	/* A second RecordLeaver would be refused: there is one record. */
	cr_assert_eq(vet_leaver(vc, gone, "again", NULL, &st),
	    VET_FAILED_PRECONDITION);
	cr_assert_eq(count_people(VET_PERSON_LEAVER), 1);
	cr_assert_eq(count_people(VET_PERSON_ACTIVE), 49);
}

Test(vetsync, mass_leaver_guard_refuses_until_overridden)
{
	char name[32];

	cr_assert_eq(dir_people_add(admin, 0, 300), LDAP_SUCCESS);
	cr_assert_eq(vetsync_once("--once"), 0, "%s%s", out, err);
	/* 20 of 300 is more than 10 people and more than 2 %. */
	for (int i = 100; i < 120; i++) {
		snprintf(name, sizeof(name), "User %04d", i);
		cr_assert_eq(dir_person_delete(admin, name), LDAP_SUCCESS);
	}
	cr_assert_eq(vetsync_once("--once"), 3, "%s%s", out, err);
	cr_assert(strstr(out, "REFUSED by the mass-leaver guard") != NULL,
	    "%s", out);
	cr_assert(strstr(err, "REFUSED: this refresh would make 20 of 300 "
	    "directory people leavers") != NULL, "%s", err);
	cr_assert_eq(count_people(VET_PERSON_LEAVER), 0);
	cr_assert(file_contains(vs.metrics, "vetsync_guard_refused 1\n"));

	/* Following: it keeps running and changes nothing. */
	cr_assert_eq(vetsync_start(&vs, NULL), 0);
	wait_log("REFUSED: this refresh would make 20 of 300");
	cr_assert_eq(kill(vs.pid, 0), 0);
	cr_assert_eq(count_people(VET_PERSON_LEAVER), 0);
	cr_assert_eq(vetsync_stop(&vs), 0);

	/* The cookie did not move: the same refusal, then the override. */
	cr_assert_eq(vetsync_once("--once"), 3, "%s%s", out, err);
	cr_assert_eq(vetsync_once("--once", "--allow-mass-leavers"), 0,
	    "%s%s", out, err);
	cr_assert_str_eq(out, "added 0 updated 0 leavers 20 skipped 0 "
	    "unchanged 0 entries 0 reenabled 0\n");
	cr_assert_eq(count_people(VET_PERSON_LEAVER), 20);
	cr_assert(file_contains(vs.metrics, "vetsync_guard_refused 0\n"));
}

Test(vetsync, a_filter_matching_nobody_revokes_nobody)
{
	cr_assert_eq(dir_people_add(admin, 0, 5), LDAP_SUCCESS);
	cr_assert_eq(vetsync_once("--once"), 0, "%s%s", out, err);
	cr_assert_eq(count_people(VET_PERSON_ACTIVE), 5);
	/* 5 leavers is under the count limit: the empty read is refused
	 * on its own. A changed filter also drops the cookie. */
	cr_assert_eq(vetsync_rewrite(&vs, &slapd, vetd.url,
	    "[directory]\nfilter = (employeeNumber=nobody)\n"), 0);
	cr_assert_eq(vetsync_once("--once"), 3, "%s%s", out, err);
	cr_assert(strstr(err, "returned no entries at all") != NULL, "%s",
	    err);
	cr_assert_eq(count_people(VET_PERSON_ACTIVE), 5);
	cr_assert_eq(count_people(VET_PERSON_LEAVER), 0);
}

Test(vetsync, an_incomplete_read_never_produces_a_leaver)
{
	cr_assert_eq(dir_people_add(admin, 0, 600), LDAP_SUCCESS);
	cr_assert_eq(vetsync_once("--once"), 0, "%s%s", out, err);
	cr_assert_eq(count_people(VET_PERSON_ACTIVE), 600);
	/* Anonymous reads stop at slapd's size limit of 500. */
	/* Without the state file the refresh is a full one, whose diff
	 * would make 100 people leavers if it were taken as complete. */
	char state[400];
	snprintf(state, sizeof(state), "%s/vetsync.state", vs.state_dir);
	cr_assert_eq(unlink(state), 0);
	cr_assert_eq(vetsync_rewrite(&vs, &slapd, vetd.url,
	    "[directory]\nbind = anonymous\n"), 0);
	cr_assert_eq(vetsync_once("--once"), 1, "%s%s", out, err);
	cr_assert(strstr(err, "Size limit exceeded") != NULL, "%s", err);
	cr_assert(strstr(err, "incomplete, nothing removed") != NULL, "%s",
	    err);
	cr_assert_eq(count_people(VET_PERSON_LEAVER), 0);
	cr_assert_eq(count_people(VET_PERSON_ACTIVE), 600);
}

Test(vetsync, dry_run_prints_and_changes_nothing)
{
	char state[400];

	cr_assert_eq(dir_people_add(admin, 0, 3), LDAP_SUCCESS);
	cr_assert_eq(vetsync_once("--once", "--dry-run"), 0, "%s%s", out, err);
	cr_assert(strstr(out, "would add ") != NULL, "%s", out);
	cr_assert(strstr(out, "(User 0002)\n") != NULL, "%s", out);
	cr_assert(strstr(out, "dry run: added 3 updated 0 leavers 0") != NULL,
	    "%s", out);
	cr_assert_eq(count_people(VET_PERSON_ANY), 0);
	snprintf(state, sizeof(state), "%s/vetsync.state", vs.state_dir);
	cr_assert_neq(access(state, F_OK), 0);
}

Test(vetsync, sasl_external_over_ldapi)
{
	char extra[1024];

	cr_assert_eq(dir_people_add(admin, 0, 5), LDAP_SUCCESS);
	snprintf(extra, sizeof(extra), "[directory]\nuri = %s\n"
	    "bind = sasl-external\n", slapd.ldapi);
	cr_assert_eq(vetsync_rewrite(&vs, &slapd, vetd.url, extra), 0);
	cr_assert_eq(vetsync_once("--once"), 0, "%s%s", out, err);
	cr_assert_str_eq(out, "added 5 updated 0 leavers 0 skipped 0 "
	    "unchanged 0 entries 5 reenabled 0\n");
}

Test(vetsync, a_failed_bind_changes_nothing)
{
	char pw[400];
	FILE *f;

	cr_assert_eq(dir_people_add(admin, 0, 3), LDAP_SUCCESS);
	snprintf(pw, sizeof(pw), "%s/password", vs.dir);
	cr_assert_not_null(f = fopen(pw, "w"));
	fputs("wrong\n", f);
	fclose(f);
	cr_assert_eq(vetsync_once("--once"), 1, "%s%s", out, err);
	cr_assert(strstr(err, "Invalid credentials") != NULL, "%s", err);
	cr_assert_eq(count_people(VET_PERSON_ANY), 0);
}

Test(vetsync, checks_its_configuration)
{
	char pw[400], path[400];

	cr_assert_eq(vetsync_once("-n"), 0, "%s%s", out, err);
	cr_assert_str_eq(out, "configuration OK\n");

	cr_assert_eq(vetsync_rewrite(&vs, &slapd, vetd.url,
	    "[map]\ncolour = blue\n"), 0);
	cr_assert_eq(vetsync_once("-n"), 2);
	cr_assert(strstr(err, "vetsync.conf:22: unknown key \"colour\" in "
	    "[map]") != NULL, "%s", err);

	cr_assert_eq(vetsync_rewrite(&vs, &slapd, vetd.url,
	    "[directory]\nuri = http://example.org/\n"), 0);
	cr_assert_eq(vetsync_once("-n"), 2);
	cr_assert(strstr(err, "uri must start with ldap://") != NULL, "%s",
	    err);

	cr_assert_eq(vetsync_rewrite(&vs, &slapd, vetd.url, NULL), 0);
	snprintf(pw, sizeof(pw), "%s/password", vs.dir);
	cr_assert_eq(chmod(pw, 0640), 0);
	cr_assert_eq(vetsync_once("-n"), 2);
	cr_assert(strstr(err, "readable or writable by group or others") !=
	    NULL, "%s", err);
	cr_assert_eq(vetsync_once("--once"), 1);
	cr_assert_eq(count_people(VET_PERSON_ANY), 0);

	cr_assert_eq(chmod(pw, 0600), 0);
	cr_assert_eq(chmod(vs.conf, 0666), 0);
	cr_assert_eq(vetsync_once("-n"), 2);
	cr_assert(strstr(err, "writable by group or others") != NULL, "%s",
	    err);

	cr_assert_eq(chmod(vs.conf, 0600), 0);
	cr_assert_eq(vetsync_once("--once", "--log-level", "loud"), 2);
	cr_assert(strstr(err, "--log-level must be") != NULL, "%s", err);
	cr_assert_eq(vetsync_once("--once", "extra-argument"), 2);

	snprintf(path, sizeof(path), "%s/missing.conf", vs.dir);
	const char *argv[] = { test_bin("VETSYNC_BIN"), "-c", path, "-n",
	    NULL };
	cr_assert_eq(run_cmd(argv, out, sizeof(out), err, sizeof(err)), 2);
	cr_assert(strstr(err, "No such file or directory") != NULL, "%s", err);
}

Test(vetsync, other_id_attribute_and_hand_entered_people)
{
	vet_person_spec manual = { .id = "user0001@example.org",
	    .display_name = "Entered By Hand" };
	vet_person *p = NULL;
	vet_status st;

	/* The person id from mail: deletes then need the UUID -> id map
	 * the state file keeps. */
	cr_assert_eq(vetsync_rewrite(&vs, &slapd, vetd.url,
	    "[map]\nid = mail\n"), 0);
	cr_assert_eq(vet_person_put(vc, &manual, NULL, &st), VET_OK);
	cr_assert_eq(dir_people_add(admin, 0, 3), LDAP_SUCCESS);
	cr_assert_eq(vetsync_once("--once"), 0, "%s%s", out, err);
	cr_assert_str_eq(out, "added 2 updated 0 leavers 0 skipped 1 "
	    "unchanged 0 entries 3 reenabled 0\n");
	cr_assert(strstr(err, "user0001@example.org: in the directory but "
	    "entered by hand in vetd: not changed") != NULL, "%s", err);
	cr_assert_eq(vet_person_get(vc, "user0001@example.org", &p, &st),
	    VET_OK);
	cr_assert_str_eq(p->display_name, "Entered By Hand");
	cr_assert_eq(p->source, VET_SOURCE_MANUAL);
	vet_person_free(p);

	cr_assert_eq(dir_person_delete(admin, "User 0002"), LDAP_SUCCESS);
	cr_assert_eq(dir_person_delete(admin, "User 0001"), LDAP_SUCCESS);
	cr_assert_eq(vetsync_once("--once"), 0, "%s%s", out, err);
	cr_assert_str_eq(out, "added 0 updated 0 leavers 1 skipped 0 "
	    "unchanged 0 entries 0 reenabled 0\n");
	struct want_person gone = { .id = "user0002@example.org",
	    .status = VET_PERSON_LEAVER, .reason = "removed from directory" };
	cr_assert(person_is(&gone));
	/* The hand-entered person is not the directory's to remove. */
	cr_assert_eq(vet_person_get(vc, "user0001@example.org", &p, &st),
	    VET_OK);
	cr_assert_eq(p->status, VET_PERSON_ACTIVE);
	vet_person_free(p);
}

Test(vetsync, sends_the_token_from_token_file)
{
	const char *create[] = { test_bin("VETCTL_BIN"), "-s", vetd.url,
	    "token", "create", "vetsync", "--role", "sync", NULL };
	const char *revoke[] = { test_bin("VETCTL_BIN"), "-s", vetd.url,
	    "token", "revoke", "vetsync", NULL };
	char path[400], extra[600];
	FILE *f;

	cr_assert_eq(run_cmd(create, out, sizeof(out), err, sizeof(err)), 0,
	    "%s%s", out, err);
	snprintf(path, sizeof(path), "%s/token", vs.dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs(out, f);
	fclose(f);
	cr_assert_eq(chmod(path, 0600), 0);
	snprintf(extra, sizeof(extra), "[vetd]\ntoken_file = %s\n"
	    "retry_limit = 1\n", path);
	cr_assert_eq(vetsync_rewrite(&vs, &slapd, vetd.url, extra), 0);
	cr_assert_eq(dir_people_add(admin, 0, 4), LDAP_SUCCESS);
	cr_assert_eq(vetsync_once("--once"), 0, "%s%s", out, err);
	cr_assert_str_eq(out, "added 4 updated 0 leavers 0 skipped 0 "
	    "unchanged 0 entries 4 reenabled 0\n");

	/* A revoked token: vetd says UNAUTHENTICATED, nothing changes. */
	cr_assert_eq(run_cmd(revoke, out, sizeof(out), err, sizeof(err)), 0,
	    "%s%s", out, err);
	cr_assert_eq(dir_person_delete(admin, "User 0000"), LDAP_SUCCESS);
	cr_assert_eq(vetsync_once("--once"), 1, "%s%s", out, err);
	cr_assert(strstr(err, "UNAUTHENTICATED") != NULL, "%s", err);
	cr_assert_eq(count_people(VET_PERSON_LEAVER), 0);

	/* A token file others can read is refused before anything runs. */
	cr_assert_eq(chmod(path, 0644), 0);
	cr_assert_eq(vetsync_once("-n"), 2);
	cr_assert(strstr(err, "token: readable or writable by group") != NULL,
	    "%s", err);
}

/* make_certs runs deploy/make-certs.sh into dir. */
static void
make_certs(const char *dir)
{
	const char *argv[] = { "/bin/sh", test_bin("MAKE_CERTS"), dir, NULL };

	cr_assert_eq(run_cmd(argv, out, sizeof(out), err, sizeof(err)), 0,
	    "%s%s", out, err);
}

Test(vetsync, starttls_verifies_the_directory_certificate)
{
	char certs[400], other[400], extra[1200];
	LDAP *ld;

	snprintf(certs, sizeof(certs), "%s/certs", vs.dir);
	snprintf(other, sizeof(other), "%s/other", vs.dir);
	make_certs(certs);
	make_certs(other);
	cr_assert_eq(slapd_start_tls(&tls, 1, certs), 0);
	cr_assert_not_null(ld = slapd_admin(&tls));
	cr_assert_eq(dir_people_add(ld, 0, 3), LDAP_SUCCESS);
	ldap_unbind_ext_s(ld, NULL, NULL);

	snprintf(extra, sizeof(extra), "[directory]\nstarttls = yes\n"
	    "ca_file = %s/ca.crt\n", certs);
	cr_assert_eq(vetsync_rewrite(&vs, &tls, vetd.url, extra), 0);
	cr_assert_eq(vetsync_once("--once"), 0, "%s%s", out, err);
	cr_assert_str_eq(out, "added 3 updated 0 leavers 0 skipped 0 "
	    "unchanged 0 entries 3 reenabled 0\n");

	/* A certificate from another CA: no connection, no change. */
	cr_assert_not_null(ld = slapd_admin(&tls));
	cr_assert_eq(dir_person_delete(ld, "User 0001"), LDAP_SUCCESS);
	ldap_unbind_ext_s(ld, NULL, NULL);
	snprintf(extra, sizeof(extra), "[directory]\nstarttls = yes\n"
	    "ca_file = %s/ca.crt\n", other);
	cr_assert_eq(vetsync_rewrite(&vs, &tls, vetd.url, extra), 0);
	cr_assert_eq(vetsync_once("--once"), 1, "%s%s", out, err);
	cr_assert(strstr(err, "StartTLS with ldap://127.0.0.1:") != NULL,
	    "%s", err);
	cr_assert_eq(count_people(VET_PERSON_LEAVER), 0);
	slapd_cleanup(&tls);
}

Test(vetsync, once_gives_up_on_an_unreachable_vetd_and_keeps_no_cookie)
{
	char state[400];

	cr_assert_eq(dir_people_add(admin, 0, 3), LDAP_SUCCESS);
	cr_assert_eq(vetsync_rewrite(&vs, &slapd, vetd.url,
	    "[vetd]\nretry_limit = 1\n"), 0);
	cr_assert_eq(fixture_stop(&vetd), 0);
	cr_assert_eq(vetsync_once("--once"), 1, "%s%s", out, err);
	cr_assert(strstr(err, "vetd: gave up after 1 s") != NULL, "%s", err);
	snprintf(state, sizeof(state), "%s/vetsync.state", vs.state_dir);
	cr_assert_neq(access(state, F_OK), 0);
	/* vetd back: the same refresh, complete. */
	cr_assert_eq(fixture_restart(&vetd, NULL), 0);
	cr_assert_eq(vetsync_once("--once"), 0, "%s%s", out, err);
	cr_assert_str_eq(out, "added 3 updated 0 leavers 0 skipped 0 "
	    "unchanged 0 entries 3 reenabled 0\n");
}
