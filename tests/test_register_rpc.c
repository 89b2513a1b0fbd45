/*
 * test_register_rpc.c: ImportClearances through libvet against a real
 * vetd: every bad row of a call reported with its index and message and
 * nothing written, rows of one person in one call, validate_only writing
 * nothing, the size limits; and who may import: only vetting and admin
 * (PERMISSION_DENIED for anyone else, through vetctl too).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vet/vet.h>

#include "auth_fixture.h"
#include "fixture.h"
#include "register_helpers.h"

static struct vetd_proc vetd;

static void
setup(void)
{
	vet_status st;

	cr_assert_eq(fixture_start(&vetd, NULL), 0, "vetd did not start");
	cr_assert_eq(vet_client_open(&client, vetd.url, NULL, &st), VET_OK,
	    "%s", st.message);
	snprintf(workdir, sizeof(workdir), "%s", vetd.dir);
}

static void
teardown(void)
{
	vet_client_close(&client);
	fixture_cleanup(&vetd);
}

TestSuite(register_rpc, .init = setup, .fini = teardown, .timeout = 120);

static vet_clearance_row
row(const char *id, const char *scheme, const char *level)
{
	return (vet_clearance_row){ .person_id = id, .display_name = "Row",
	    .scheme = scheme, .level = level, .granted_at = 1577836800,
	    .review_due = 1893456000 };
}

Test(register_rpc, every_bad_row_reported)
{
	vet_clearance_row rows[4] = { row("r1", "nsv", "XX"),
	    row("r2", "nsv", "SC"), row("r3", "nope", "SC"),
	    row("r2", "nsv", "DV") };
	vet_register_result res;
	vet_status st;
	struct state before = state_now();

	cr_assert_eq(vet_import_clearances(client, rows, 4, 0, &res, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_str_eq(st.message, "3 of 4 rows are bad; nothing was "
	    "written");
	cr_assert_eq(res.n_errors, 3);
	cr_assert_eq(res.errors[0].index, 0);
	cr_assert_str_eq(res.errors[0].message, "unknown level \"XX\" in "
	    "scheme nsv (BPSS, CTC, SC, DV, eDV)");
	cr_assert_eq(res.errors[1].index, 2);
	cr_assert_eq(res.errors[2].index, 3);
	cr_assert_str_eq(res.errors[2].message, "duplicate id r2 (also "
	    "rows[1] of this call)");
	vet_register_result_clear(&res);
	expect_same_state(before);

	rows[0].level = "SC";
	rows[2].scheme = "police";
	rows[2].level = "NPPV1";
	rows[3].scheme = "police";
	rows[3].level = "NPPV2";
	rows[3].display_name = "Other";
	cr_assert_eq(vet_import_clearances(client, rows, 4, 0, &res, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_eq(res.n_errors, 1);
	cr_assert_str_eq(res.errors[0].message, "name, email, org unit or "
	    "nationality of r2 differ from rows[1] of this call");
	vet_register_result_clear(&res);

	rows[3].display_name = "Row";
	cr_assert_eq(vet_import_clearances(client, rows, 4, 1, &res, &st),
	    VET_OK, "%s", st.message);
	cr_assert_eq(res.created, 4);
	cr_assert_eq(res.people_created, 3);
	expect_same_state(before);
	cr_assert_eq(vet_import_clearances(client, rows, 4, 0, &res, &st),
	    VET_OK, "%s", st.message);
	cr_assert_eq(res.created, 4);
	cr_assert_gt(state_now().revision, before.revision);
}

Test(register_rpc, size_limits)
{
	vet_clearance_row *rows = calloc(1001, sizeof(*rows));
	vet_status st;

	for (int i = 0; i < 1001; i++)
		rows[i] = row("x", "nsv", "SC");
	cr_assert_eq(vet_import_clearances(client, rows, 1001, 0, NULL, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_eq(vet_import_clearances(client, rows, 0, 0, NULL, &st),
	    VET_INVALID_ARGUMENT);
	free(rows);
}

/*
 * Roles: only vetting and admin may import.
 */

static struct vetd_proc avetd;

static void
auth_setup(void)
{
	static char admin[TOKEN_SIZE];

	ta_start(&avetd, "ipc_owner_admin = false\n", "root", admin, NULL);
	snprintf(workdir, sizeof(workdir), "%s", avetd.dir);
	cr_assert_eq(setenv("REGISTER_ADMIN", admin, 1), 0);
}

static void
auth_teardown(void)
{
	fixture_cleanup(&avetd);
}

TestSuite(register_roles, .init = auth_setup, .fini = auth_teardown,
    .timeout = 120);

static void
token_file(const char *name, unsigned roles, char *path, size_t size)
{
	vet_options o = { .token = getenv("REGISTER_ADMIN") };
	vet_client *c;
	vet_status st;
	char *t = NULL;

	cr_assert_eq(vet_client_open(&c, avetd.url, &o, &st), VET_OK);
	cr_assert_eq(vet_token_create(c, name, roles, &t, NULL, &st), VET_OK,
	    "%s", st.message);
	snprintf(path, size, "%s/%s.token", avetd.dir, name);
	ta_write(path, t, 0600);
	vet_token_free(t);
	vet_client_close(&c);
}

Test(register_roles, only_vetting_and_admin_may_import)
{
	const char *in = write_file("good.csv", good);
	char hr[512], vetting[512];

	token_file("hr", VET_ROLE_BIT(VET_ROLE_HR), hr, sizeof(hr));
	token_file("unit", VET_ROLE_BIT(VET_ROLE_VETTING), vetting,
	    sizeof(vetting));
	cr_assert_eq(vetctl_on(avetd.url, "--token-file", hr, "import",
	    "clearances", in), 3);
	starts_with(err, "vetctl: PERMISSION_DENIED: principal hr may not call "
	    "ImportClearances; it needs one of: vetting, admin\n");
	cr_assert_eq(vetctl_on(avetd.url, "--token-file", vetting, "import",
	    "clearances", in), 0, "%s", err);
	cr_assert(strstr(out, ": 3 created") != NULL, "%s", out);
	cr_assert_eq(vetctl_on(avetd.url, "--token-file", vetting, "export",
	    "clearances"), 0, "%s", err);
	cr_assert_str_eq(out, good_exported);
}
