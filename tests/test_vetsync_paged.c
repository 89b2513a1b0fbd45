/*
 * test_vetsync_paged.c: vetsync against a slapd without syncprov, where
 * it reads everything with the Simple Paged Results control and diffs
 * against what vetd holds; and the same script of directory changes run
 * against a syncprov slapd and a plain one, which must leave the two
 * vetds in the same state.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vet/vet.h>

#include "fixture.h"
#include "ldap_fixture.h"

#define WAIT_MS	20000

static struct vetd_proc vetd;
static struct slapd_proc slapd;
static struct vetsync_proc vs;
/* The syncrepl side of the comparison, cleaned up by teardown too. */
static struct slapd_proc slapd2;
static struct vetd_proc vetd2;
static struct vetsync_proc vs2;
static LDAP *admin;
static vet_client *vc;
static char out[1 << 16], err[1 << 16];

static void
setup(void)
{
	vet_status st;

	cr_assert_eq(slapd_start(&slapd, 0), 0, "slapd did not start");
	cr_assert_eq(fixture_start(&vetd, NULL), 0, "vetd did not start");
	cr_assert_not_null(admin = slapd_admin(&slapd));
	cr_assert_eq(vet_client_open(&vc, vetd.url, NULL, &st), VET_OK);
	cr_assert_eq(vetsync_setup(&vs, &slapd, vetd.url,
	    "[directory]\npage_size = 50\n"), 0);
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
	vetsync_cleanup(&vs2);
	fixture_cleanup(&vetd2);
	slapd_cleanup(&slapd2);
}

TestSuite(vetsync_paged, .init = setup, .fini = teardown, .timeout = 90);

#define vetsync_once(...) \
	vetsync_run(&vs, (const char *[]){ __VA_ARGS__, NULL }, out, \
	    sizeof(out), err, sizeof(err))

static int
count_people(vet_client *c, vet_person_status status)
{
	vet_person_page *page = NULL;
	char token[256] = "";
	vet_status st;
	int n = 0;

	do {
		if (vet_person_list(c, status, 1000, token, &page, &st) !=
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

Test(vetsync_paged, once_reads_in_pages_and_diffs)
{
	char name[32];

	cr_assert_eq(dir_people_add(admin, 0, 300), LDAP_SUCCESS);
	cr_assert_eq(vetsync_once("--once"), 0, "%s%s", out, err);
	cr_assert_str_eq(out, "added 300 updated 0 leavers 0 skipped 0 "
	    "unchanged 0 entries 300 reenabled 0\n");
	cr_assert(strstr(err, "paged read done (6 pages)") != NULL, "%s", err);

	cr_assert_eq(dir_person_delete(admin, "User 0010"), LDAP_SUCCESS);
	cr_assert_eq(dir_person_rename(admin, "User 0011", "User 0011",
	    "ou=former," SLAPD_BASE), LDAP_SUCCESS);
	cr_assert_eq(dir_person_set(admin, "User 0012", "employeeType",
	    "leaver"), LDAP_SUCCESS);
	cr_assert_eq(dir_person_set(admin, "User 0013", "ou", "Moved Team"),
	    LDAP_SUCCESS);
	cr_assert_eq(vetsync_once("--once"), 0, "%s%s", out, err);
	cr_assert_str_eq(out, "added 0 updated 1 leavers 3 skipped 0 "
	    "unchanged 296 entries 298 reenabled 0\n");
	cr_assert_eq(count_people(vc, VET_PERSON_LEAVER), 3);
	cr_assert(file_contains(vs.metrics, "vetsync_mode{mode=\"paged\"} 1"));

	/* The guard holds in paged mode too. */
	for (int i = 100; i < 120; i++) {
		snprintf(name, sizeof(name), "User %04d", i);
		cr_assert_eq(dir_person_delete(admin, name), LDAP_SUCCESS);
	}
	cr_assert_eq(vetsync_once("--once"), 3, "%s%s", out, err);
	cr_assert_eq(count_people(vc, VET_PERSON_LEAVER), 3);
}

Test(vetsync_paged, an_incomplete_read_never_produces_a_leaver)
{
	cr_assert_eq(dir_people_add(admin, 0, 600), LDAP_SUCCESS);
	cr_assert_eq(vetsync_once("--once"), 0, "%s%s", out, err);
	cr_assert_eq(count_people(vc, VET_PERSON_ACTIVE), 600);
	cr_assert_eq(vetsync_rewrite(&vs, &slapd, vetd.url,
	    "[directory]\nbind = anonymous\npage_size = 50\n"), 0);
	cr_assert_eq(vetsync_once("--once"), 1, "%s%s", out, err);
	cr_assert(strstr(err, "Size limit exceeded") != NULL, "%s", err);
	cr_assert_eq(count_people(vc, VET_PERSON_LEAVER), 0);
}

Test(vetsync_paged, syncrepl_mode_needs_syncprov)
{
	cr_assert_eq(dir_people_add(admin, 0, 3), LDAP_SUCCESS);
	cr_assert_eq(vetsync_rewrite(&vs, &slapd, vetd.url,
	    "[directory]\nmode = syncrepl\n"), 0);
	cr_assert_eq(vetsync_once("--once"), 1, "%s%s", out, err);
	cr_assert(strstr(err, "does not offer RFC 4533") != NULL, "%s", err);
	cr_assert_eq(count_people(vc, VET_PERSON_ANY), 0);
}

/*
 * The same script against both kinds of directory. Ids differ (each
 * slapd makes its own entryUUIDs), so the end states are compared as
 * sorted lines of name, mail, org unit, status and reason.
 */
struct side {
	struct slapd_proc *slapd;
	struct vetd_proc *vetd;
	struct vetsync_proc *vs;
	LDAP	*admin;
	vet_client *vc;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* end_state writes the sorted state of vetd into buf. */
static int
end_state(vet_client *c, char *buf, size_t size)
{
	vet_person_page *page = NULL;
	char *lines[512], token[256] = "";
	size_t n = 0, len = 0;
	vet_status st;

	buf[0] = '\0';
	do {
		if (vet_person_list(c, VET_PERSON_ANY, 1000, token, &page,
		    &st) != VET_OK)
			return -1;
		for (size_t i = 0; i < page->n_people && n < 512; i++) {
			const vet_person *p = &page->people[i];
			if (asprintf(&lines[n], "%s|%s|%s|%s|%s", p->display_name,
			    p->email, p->org_unit,
			    vet_person_status_name(p->status),
			    p->status_reason) < 0)
				return -1;
			n++;
		}
		snprintf(token, sizeof(token), "%s", page->next_page_token);
		vet_person_page_free(page);
	} while (token[0] != '\0');
	qsort(lines, n, sizeof(lines[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0,
		    "%s\n", lines[i]);
		free(lines[i]);
	}
	return 0;
}

static void
script(LDAP *ld)
{
	cr_assert_eq(dir_person_add(ld, "New Joiner", "new@example.org",
	    "Team 1", NULL), LDAP_SUCCESS);
	cr_assert_eq(dir_person_set(ld, "User 0001", "mail",
	    "changed@example.org"), LDAP_SUCCESS);
	cr_assert_eq(dir_person_rename(ld, "User 0002", "Renamed Person",
	    NULL), LDAP_SUCCESS);
	cr_assert_eq(dir_person_delete(ld, "User 0003"), LDAP_SUCCESS);
	cr_assert_eq(dir_person_set(ld, "User 0004", "employeeType", "leaver"),
	    LDAP_SUCCESS);
	cr_assert_eq(dir_person_rename(ld, "User 0005", "User 0005",
	    "ou=former," SLAPD_BASE), LDAP_SUCCESS);
}

static char state_a[1 << 16], state_b[1 << 16];
static vet_client *cmp_a, *cmp_b;

static int
states_match(void *arg)
{
	(void)arg;
	return end_state(cmp_a, state_a, sizeof(state_a)) == 0 &&
	    end_state(cmp_b, state_b, sizeof(state_b)) == 0 &&
	    strcmp(state_a, state_b) == 0 &&
	    strstr(state_a, "User 0004|user0004@example.org|Team 4|LEAVER|"
	    "account disabled in directory\n") != NULL &&
	    strstr(state_a, "New Joiner|new@example.org|Team 1|ACTIVE|\n") !=
	    NULL;
}

static int
holds_100(void *arg)
{
	return count_people(arg, VET_PERSON_ACTIVE) == 100;
}

Test(vetsync_paged, reaches_the_same_end_state_as_syncrepl)
{
	LDAP *admin2 = NULL;
	vet_client *vc2 = NULL;
	vet_status st;

	cr_assert_eq(slapd_start(&slapd2, 1), 0);
	cr_assert_eq(fixture_start(&vetd2, NULL), 0);
	cr_assert_not_null(admin2 = slapd_admin(&slapd2));
	cr_assert_eq(vet_client_open(&vc2, vetd2.url, NULL, &st), VET_OK);
	cr_assert_eq(vetsync_setup(&vs2, &slapd2, vetd2.url, NULL), 0);

	cr_assert_eq(dir_people_add(admin, 0, 100), LDAP_SUCCESS);
	cr_assert_eq(dir_people_add(admin2, 0, 100), LDAP_SUCCESS);
	cr_assert_eq(vetsync_start(&vs, NULL), 0);
	cr_assert_eq(vetsync_start(&vs2, NULL), 0);
	/* Both hold everyone first, so a disabled account is a leaver
	 * (a disabled account that never joined is skipped). */
	cmp_a = vc;
	cr_assert(wait_until(holds_100, vc, WAIT_MS));
	cr_assert(wait_until(holds_100, vc2, WAIT_MS));
	script(admin);
	script(admin2);

	cmp_a = vc;
	cmp_b = vc2;
	cr_assert(wait_until(states_match, NULL, WAIT_MS), "paged:\n%s\n"
	    "syncrepl:\n%s", state_a, state_b);
	cr_assert_eq(count_people(vc, VET_PERSON_LEAVER), 3);
	cr_assert(file_contains(vs2.log_path, "refresh and persist"));
	cr_assert(file_contains(vs.log_path, "paged read done"));

	cr_assert_eq(vetsync_stop(&vs2), 0);
	vet_client_close(&vc2);
	ldap_unbind_ext_s(admin2, NULL, NULL);
}
