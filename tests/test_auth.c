/*
 * test_auth.c: who may call what, end to end against a real vetd whose
 * ipc socket trusts no uid (ipc_owner_admin = false), so every caller
 * needs a token: every method of the service with every role, with no
 * token, an unknown one and a revoked one, each with its exact code; the
 * role table in docs/SECURITY.md against the same expectations; tokens
 * created, used, listed, revoked and replayed; CreateToken's reply never
 * kept; stored replies scoped by principal; the sync role's narrower
 * rules; --init-admin beside a running vetd; last-used times kept across
 * a restart; and no token in vetd's log or data file.
 */
#include <criterion/criterion.h>
#include <mbedtls/sha256.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vet/vet.h>

#include "auth_fixture.h"
#include "vetting.pb-c.h"

#define R(role)	VET_ROLE_BIT(VET_ROLE_##role)
#define ALL	(R(READER) | R(VETTING) | R(HR) | R(SYNC) | R(AUDITOR) | \
		 R(ADMIN))

/* The table, written out again here so the code cannot grade
 * itself: a method the test does not know fails the test. */
static const struct expect {
	const char *method;
	unsigned roles;
} expected[] = {
	{ "Health", ALL },
	{ "Check", R(READER) | R(VETTING) | R(AUDITOR) | R(ADMIN) },
	{ "BatchCheck", R(READER) | R(VETTING) | R(AUDITOR) | R(ADMIN) },
	{ "GetPerson", R(VETTING) | R(HR) | R(SYNC) | R(AUDITOR) | R(ADMIN) },
	{ "ListPeople", R(VETTING) | R(HR) | R(SYNC) | R(AUDITOR) | R(ADMIN) },
	{ "PutPerson", R(HR) | R(SYNC) | R(ADMIN) },
	{ "SetPersonStatus", R(HR) | R(ADMIN) },
	{ "RecordLeaver", R(HR) | R(SYNC) | R(ADMIN) },
	{ "GrantClearance", R(VETTING) | R(ADMIN) },
	{ "SetClearanceStatus", R(VETTING) | R(ADMIN) },
	{ "RenewClearance", R(VETTING) | R(ADMIN) },
	{ "DefineCaveat", R(VETTING) | R(ADMIN) },
	{ "Brief", R(VETTING) | R(ADMIN) },
	{ "Debrief", R(VETTING) | R(ADMIN) },
	{ "ListCaveats", R(READER) | R(VETTING) | R(HR) | R(AUDITOR) |
	    R(ADMIN) },
	{ "ImportPeople", R(VETTING) | R(ADMIN) },
	{ "ImportClearances", R(VETTING) | R(ADMIN) },
	{ "SyncPeople", R(HR) | R(SYNC) | R(ADMIN) },
	{ "CreateToken", R(ADMIN) },
	{ "ListTokens", R(ADMIN) },
	{ "RevokeToken", R(ADMIN) },
	{ "ListAudit", R(AUDITOR) | R(ADMIN) },
	{ "VerifyAudit", R(AUDITOR) | R(ADMIN) },
	{ "Backup", R(ADMIN) },
	{ "SubjectAccess", R(AUDITOR) | R(ADMIN) },
	{ "RetentionDue", R(AUDITOR) | R(ADMIN) },
	{ "RetentionPurge", R(ADMIN) },
	{ "ReportDue", R(VETTING) | R(AUDITOR) | R(ADMIN) },
	{ "ReportHolders", R(VETTING) | R(AUDITOR) | R(ADMIN) },
	{ "ReportSummary", R(VETTING) | R(AUDITOR) | R(ADMIN) },
	{ "ReportUnvetted", R(VETTING) | R(AUDITOR) | R(ADMIN) },
};
#define N_EXPECTED	(sizeof(expected) / sizeof(expected[0]))

static struct vetd_proc vetd;
static char admin[TOKEN_SIZE];
static nng_socket sock;
static vet_client *client;		/* as the first admin */
static char out[65536], err[65536];

static void
open_client(void)
{
	vet_options o = { .token = admin };
	vet_status st;

	cr_assert_eq(vet_client_open(&client, vetd.url, &o, &st), VET_OK,
	    "%s", st.message);
}

static void
setup(void)
{
	ta_start(&vetd, "ipc_owner_admin = false\n", "root", admin, NULL);
	ta_dial(&sock, vetd.url);
	open_client();
}

static void
teardown(void)
{
	vet_client_close(&client);
	nng_close(sock);
	fixture_cleanup(&vetd);
}

TestSuite(auth, .init = setup, .fini = teardown, .timeout = 120);

static unsigned
expected_roles(const char *method)
{
	for (size_t i = 0; i < N_EXPECTED; i++)
		if (strcmp(expected[i].method, method) == 0)
			return expected[i].roles;
	cr_assert_fail("method %s is not in test_auth.c's table: say who may "
	    "call it (here, in methods.c and in docs/SECURITY.md)", method);
	return 0;
}

/* needs_text: "hr, sync, admin", as vetd words it. */
static void
needs_text(unsigned roles, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int r = VET_ROLE_READER; r <= VET_ROLE_ADMIN; r++)
		if (roles & VET_ROLE_BIT(r))
			used += (size_t)snprintf(buf + used, size - used,
			    "%s%s", used ? ", " : "", vet_role_name(r));
}

static void
new_token(const char *name, unsigned roles, char token[TOKEN_SIZE])
{
	vet_status st;
	char *t = NULL;

	cr_assert_eq(vet_token_create(client, name, roles, &t, NULL, &st),
	    VET_OK, "create %s: %s", name, st.message);
	cr_assert_eq(strlen(t), 48, "token %s", t);
	cr_assert(strncmp(t, "vetd_", 5) == 0);
	snprintf(token, TOKEN_SIZE, "%s", t);
	vet_token_free(t);
}

static void
assert_not_logged(const char *token)
{
	cr_assert_not(ta_file_has(vetd.log_path, token),
	    "a token is in vetd's log");
}

Test(auth, every_method_every_role)
{
	const ProtobufCServiceDescriptor *sd = &vet__v1__vetting__descriptor;
	static const char unknown[] =
	    "vetd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	char tokens[VET_ROLE_ADMIN + 1][TOKEN_SIZE], gone[TOKEN_SIZE];
	char name[32], msg[512], want[512], needs[80];
	vet_status st;
	int code;

	for (int r = VET_ROLE_READER; r <= VET_ROLE_ADMIN; r++) {
		snprintf(name, sizeof(name), "t-%s", vet_role_name(r));
		new_token(name, VET_ROLE_BIT(r), tokens[r]);
	}
	new_token("t-gone", ALL, gone);
	cr_assert_eq(vet_token_revoke(client, "t-gone", NULL, &st), VET_OK);

	for (unsigned i = 0; i < sd->n_methods; i++) {
		const char *m = sd->methods[i].name;
		unsigned allow = expected_roles(m);

		for (int r = VET_ROLE_READER; r <= VET_ROLE_ADMIN; r++) {
			code = ta_code(sock, m, tokens[r], NULL, msg,
			    sizeof(msg));
			if (allow & VET_ROLE_BIT(r)) {
				cr_assert(code != VET_PERMISSION_DENIED &&
				    code != VET_UNAUTHENTICATED, "%s as %s: "
				    "%d %s", m, vet_role_name(r), code, msg);
				continue;
			}
			needs_text(allow, needs, sizeof(needs));
			snprintf(want, sizeof(want), "principal t-%s may not "
			    "call %s; it needs one of: %s", vet_role_name(r),
			    m, needs);
			cr_assert_eq(code, VET_PERMISSION_DENIED, "%s as %s: "
			    "%d %s", m, vet_role_name(r), code, msg);
			cr_assert_str_eq(msg, want);
		}
		code = ta_code(sock, m, NULL, NULL, msg, sizeof(msg));
		cr_assert_eq(code, VET_UNAUTHENTICATED, "%s, no token: %d", m,
		    code);
		cr_assert_str_eq(msg, "a token is required");
		code = ta_code(sock, m, unknown, NULL, msg, sizeof(msg));
		cr_assert_eq(code, VET_UNAUTHENTICATED, "%s, unknown", m);
		cr_assert_str_eq(msg, "the token is not valid");
		code = ta_code(sock, m, gone, NULL, msg, sizeof(msg));
		cr_assert_eq(code, VET_UNAUTHENTICATED, "%s, revoked", m);
		cr_assert_str_eq(msg, "the token is not valid");
	}
	for (int r = VET_ROLE_READER; r <= VET_ROLE_ADMIN; r++)
		assert_not_logged(tokens[r]);
	assert_not_logged(gone);
	cr_assert(ta_file_has(vetd.log_path, "auth: refused"));
}

/* docs/SECURITY.md's role table says what the code does. */
Test(auth, docs_role_table_matches)
{
	const ProtobufCServiceDescriptor *sd = &vet__v1__vetting__descriptor;
	char path[1024], line[1024];
	unsigned seen[64] = { 0 };
	FILE *f;

	snprintf(path, sizeof(path), "%s/docs/SECURITY.md",
	    test_bin("VET_SOURCE_ROOT"));
	cr_assert_not_null(f = fopen(path, "r"), "cannot read %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *cell[8], *save = NULL, *p;
		int n = 0;

		if (line[0] != '|')
			continue;
		for (p = strtok_r(line, "|\n", &save); p != NULL && n < 8;
		    p = strtok_r(NULL, "|\n", &save))
			cell[n++] = p;
		if (n != 7)
			continue;
		char method[64];
		if (sscanf(cell[0], " `%63[A-Za-z]`", method) != 1)
			continue;
		unsigned roles = 0;
		for (int r = 1; r <= 6; r++)
			if (strstr(cell[r], "yes") != NULL)
				roles |= VET_ROLE_BIT(r);
		for (unsigned i = 0; i < sd->n_methods; i++)
			if (strcmp(sd->methods[i].name, method) == 0)
				seen[i] = 1;
		cr_assert_eq(roles, expected_roles(method), "docs/SECURITY.md "
		    "gives %s roles 0x%x, the code 0x%x", method, roles,
		    expected_roles(method));
	}
	fclose(f);
	for (unsigned i = 0; i < sd->n_methods; i++)
		cr_assert(seen[i], "docs/SECURITY.md's role table lacks %s",
		    sd->methods[i].name);
}

/* Refusals come before the payload is read, and say nothing of it. */
Test(auth, refusal_reveals_nothing)
{
	Vet__V1__GetPersonRequest get = VET__V1__GET_PERSON_REQUEST__INIT;
	vet_person_spec alice = { .id = "alice", .display_name = "Alice" };
	char reader[TOKEN_SIZE], m1[512], m2[512];
	Vet__V1__RpcResponse *resp;
	vet_status st;

	cr_assert_eq(vet_person_put(client, &alice, NULL, &st), VET_OK);
	new_token("r", R(READER), reader);
	get.id = "alice";
	cr_assert_eq(ta_code(sock, "GetPerson", reader, &get.base, m1,
	    sizeof(m1)), VET_PERMISSION_DENIED);
	get.id = "nobody";
	cr_assert_eq(ta_code(sock, "GetPerson", reader, &get.base, m2,
	    sizeof(m2)), VET_PERMISSION_DENIED);
	cr_assert_str_eq(m1, m2);
	get.id = "alice";
	resp = ta_call(sock, "GetPerson", NULL, reader, &get.base);
	cr_assert_eq(resp->payload.len, 0, "a refusal carried a payload");
	vet__v1__rpc_response__free_unpacked(resp, NULL);
	resp = ta_call(sock, "GetPerson", NULL, NULL, &get.base);
	cr_assert_eq(resp->status->code, VET_UNAUTHENTICATED);
	cr_assert_eq(resp->payload.len, 0);
	vet__v1__rpc_response__free_unpacked(resp, NULL);

	/* A malformed token of any size, even with NUL bytes, is simply
	 * not valid; vetd keeps serving. */
	char junk[2000];
	memset(junk, 'x', sizeof(junk) - 1);
	junk[sizeof(junk) - 1] = '\0';
	cr_assert_eq(ta_code(sock, "Health", junk, NULL, NULL, 0),
	    VET_UNAUTHENTICATED);
	cr_assert_eq(ta_code(sock, "Health", "vetd_", NULL, NULL, 0),
	    VET_UNAUTHENTICATED);
	cr_assert_eq(ta_code(sock, "Health", admin, NULL, NULL, 0), VET_OK);
}

/* vetctl as an admin runs it: create, use, list, revoke, replay. */
#define vetctl(tokfile, ...) \
	vetctl_argv(tokfile, (const char *[]){ __VA_ARGS__, NULL })

static int
vetctl_argv(const char *token_file, const char **args)
{
	const char *argv[32];
	size_t n = 0;

	argv[n++] = test_bin("VETCTL_BIN");
	argv[n++] = "-s";
	argv[n++] = vetd.url;
	if (token_file != NULL) {
		argv[n++] = "--token-file";
		argv[n++] = token_file;
	}
	for (size_t i = 0; args[i] != NULL && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return run_cmd(argv, out, sizeof(out), err, sizeof(err));
}

static void
token_file(const char *name, const char *token, char *path, size_t size)
{
	char text[TOKEN_SIZE + 1];

	snprintf(path, size, "%s/%s.token", vetd.dir, name);
	snprintf(text, sizeof(text), "%s\n", token);
	ta_write(path, text, 0600);
}

Test(auth, token_lifecycle_with_vetctl)
{
	char adm[400], app[400], tok[TOKEN_SIZE], json_tok[TOKEN_SIZE], *p;
	char line[256];

	token_file("root", admin, adm, sizeof(adm));
	cr_assert_eq(vetctl(adm, "token", "create", "app", "--role",
	    "reader,vetting"), 0, "%s", err);
	cr_assert_eq(strlen(out), 49, "stdout is the token alone: %s", out);
	snprintf(tok, sizeof(tok), "%.48s", out);
	cr_assert(strstr(err, "created token app with roles reader,vetting")
	    != NULL, "%s", err);

	token_file("app", tok, app, sizeof(app));
	cr_assert_eq(vetctl(app, "check", "nobody", "SECRET"), 1, "%s", err);
	cr_assert(strncmp(out, "DENY UNKNOWN_PERSON", 19) == 0, "%s", out);
	cr_assert_eq(vetctl(app, "person", "put", "x", "--name", "X"), 3);
	cr_assert(strstr(err, "PERMISSION_DENIED: principal app may not call "
	    "PutPerson; it needs one of: hr, sync, admin") != NULL, "%s", err);
	cr_assert_eq(vetctl(app, "token", "list"), 3);
	cr_assert(strstr(err, "PERMISSION_DENIED") != NULL, "%s", err);

	cr_assert_eq(vetctl(adm, "token", "list"), 0, "%s", err);
	cr_assert(strstr(out, "reader,vetting") != NULL, "%s", out);
	cr_assert(strstr(out, "vetd --init-admin") != NULL, "%s", out);
	cr_assert((p = strstr(out, "\napp ")) != NULL, "%s", out);
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(p + 1, "\n"),
	    p + 1);
	cr_assert(strstr(line, "never") == NULL, "app was used: %s", line);
	cr_assert(strstr(out, "vetd_") == NULL, "a token was listed");
	cr_assert_eq(vetctl(adm, "--json", "token", "list"), 0);
	cr_assert(strstr(out, "\"name\": \"app\"") != NULL, "%s", out);

	cr_assert_eq(vetctl(adm, "token", "create", "app", "--role", "hr"),
	    3);
	cr_assert(strstr(err, "ALREADY_EXISTS") != NULL, "%s", err);
	cr_assert_eq(vetctl(adm, "token", "create", "w", "--role", "wizard"),
	    2);
	cr_assert_eq(vetctl(adm, "token", "create", "w"), 2);

	cr_assert_eq(vetctl(adm, "token", "revoke", "app"), 0, "%s", err);
	cr_assert(strstr(out, "revoked token app") != NULL, "%s", out);
	/* The revoked token replayed, at once. */
	cr_assert_eq(vetctl(app, "check", "nobody", "SECRET"), 3);
	cr_assert(strstr(err, "UNAUTHENTICATED: the token is not valid") !=
	    NULL, "%s", err);
	cr_assert_eq(vetctl(adm, "token", "revoke", "app"), 3);
	cr_assert(strstr(err, "NOT_FOUND") != NULL, "%s", err);

	cr_assert_eq(vetctl(adm, "--json", "token", "create", "j", "--role",
	    "hr"), 0, "%s", err);
	cr_assert((p = strstr(out, "\"token\": \"")) != NULL, "%s", out);
	snprintf(json_tok, sizeof(json_tok), "%.48s", p + 10);
	cr_assert(strstr(out, "\"roles\": [") != NULL, "%s", out);
	token_file("j", json_tok, app, sizeof(app));
	cr_assert_eq(vetctl(app, "person", "put", "y", "--name", "Y"), 0,
	    "%s", err);

	assert_not_logged(tok);
	assert_not_logged(json_tok);
	assert_not_logged(admin);
}

Test(auth, token_errors_have_exact_codes)
{
	Vet__V1__CreateTokenRequest c = VET__V1__CREATE_TOKEN_REQUEST__INIT;
	Vet__V1__RevokeTokenRequest rv = VET__V1__REVOKE_TOKEN_REQUEST__INIT;
	Vet__V1__Role bad[] = { (Vet__V1__Role)9 };
	Vet__V1__Role ok[] = { VET__V1__ROLE__ROLE_READER };
	char long_name[80], *t = NULL;
	vet_status st;

	c.name = "fine";
	cr_assert_eq(ta_code(sock, "CreateToken", admin, &c.base, NULL, 0),
	    VET_INVALID_ARGUMENT, "no roles");
	c.n_roles = 1;
	c.roles = bad;
	cr_assert_eq(ta_code(sock, "CreateToken", admin, &c.base, NULL, 0),
	    VET_INVALID_ARGUMENT, "role 9");
	c.roles = ok;
	c.name = "has space";
	cr_assert_eq(ta_code(sock, "CreateToken", admin, &c.base, NULL, 0),
	    VET_INVALID_ARGUMENT);
	c.name = "";
	cr_assert_eq(ta_code(sock, "CreateToken", admin, &c.base, NULL, 0),
	    VET_INVALID_ARGUMENT);
	memset(long_name, 'a', 65);
	long_name[65] = '\0';
	c.name = long_name;
	cr_assert_eq(ta_code(sock, "CreateToken", admin, &c.base, NULL, 0),
	    VET_INVALID_ARGUMENT, "65 characters");
	long_name[64] = '\0';
	cr_assert_eq(ta_code(sock, "CreateToken", admin, &c.base, NULL, 0),
	    VET_OK, "64 characters");
	cr_assert_eq(ta_code(sock, "CreateToken", admin, &c.base, NULL, 0),
	    VET_ALREADY_EXISTS);
	c.name = "local-admin";		/* the uid vetd runs as */
	cr_assert_eq(ta_code(sock, "CreateToken", admin, &c.base, NULL, 0),
	    VET_ALREADY_EXISTS);
	cr_assert_eq(vet_token_create(client, "z", 0, &t, NULL, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_null(t);

	rv.name = "nobody";
	cr_assert_eq(ta_code(sock, "RevokeToken", admin, &rv.base, NULL, 0),
	    VET_NOT_FOUND);
	rv.name = "bad/name";
	cr_assert_eq(ta_code(sock, "RevokeToken", admin, &rv.base, NULL, 0),
	    VET_INVALID_ARGUMENT);
}

/* A resent CreateToken runs again; the token is kept nowhere. */
Test(auth, create_token_reply_is_not_kept)
{
	Vet__V1__CreateTokenRequest c = VET__V1__CREATE_TOKEN_REQUEST__INIT;
	Vet__V1__Role roles[] = { VET__V1__ROLE__ROLE_AUDITOR };
	Vet__V1__CreateTokenResponse *cr;
	Vet__V1__RpcResponse *resp;
	char path[400], token[TOKEN_SIZE];
	uint8_t hash[32];

	c.name = "resent";
	c.n_roles = 1;
	c.roles = roles;
	resp = ta_call(sock, "CreateToken", "rid-secret", admin, &c.base);
	cr_assert_eq(resp->status->code, VET_OK, "%s", resp->status->message);
	cr_assert_not_null(cr = vet__v1__create_token_response__unpack(NULL,
	    resp->payload.len, resp->payload.data));
	snprintf(token, sizeof(token), "%s", cr->token);
	cr_assert_str_eq(cr->info->name, "resent");
	cr_assert_eq(cr->info->n_roles, 1);
	cr_assert_eq(cr->info->roles[0], VET__V1__ROLE__ROLE_AUDITOR);
	cr_assert_str_eq(cr->info->created_by, "root");
	vet__v1__create_token_response__free_unpacked(cr, NULL);
	vet__v1__rpc_response__free_unpacked(resp, NULL);

	resp = ta_call(sock, "CreateToken", "rid-secret", admin, &c.base);
	cr_assert_eq(resp->status->code, VET_ALREADY_EXISTS);
	cr_assert_eq(resp->payload.len, 0, "the resend carried a payload");
	vet__v1__rpc_response__free_unpacked(resp, NULL);

	/* The store has its SHA-256, never the token. */
	snprintf(path, sizeof(path), "%s/data.mdb", vetd.data_dir);
	mbedtls_sha256_ret((const uint8_t *)token, strlen(token), hash, 0);
	cr_assert(ta_file_has_bytes(path, hash, sizeof(hash)),
	    "the token's hash is not on file");
	cr_assert_not(ta_file_has(path, token), "the token is on file");
	assert_not_logged(token);
	cr_assert_eq(ta_code(sock, "ListAudit", token, NULL, NULL, 0), VET_OK);
}

/* One caller can never read another's stored reply. */
Test(auth, stored_replies_are_scoped_by_principal)
{
	Vet__V1__PutPersonRequest p = VET__V1__PUT_PERSON_REQUEST__INIT;
	char a[TOKEN_SIZE], b[TOKEN_SIZE], c[TOKEN_SIZE];
	Vet__V1__RpcResponse *r1, *r2, *r3, *r4;

	new_token("hr-a", R(HR), a);
	new_token("hr-b", R(HR), b);
	new_token("hr-c", R(HR), c);
	p.id = "p1";
	p.display_name = "Person One";
	r1 = ta_call(sock, "PutPerson", "shared-id", a, &p.base);
	cr_assert_eq(r1->status->code, VET_OK, "%s", r1->status->message);
	r2 = ta_call(sock, "PutPerson", "shared-id", a, &p.base);
	cr_assert_eq(r2->status->code, VET_OK);
	cr_assert_eq(r2->revision, r1->revision, "a replay by its principal "
	    "gets the stored reply");
	r3 = ta_call(sock, "PutPerson", "shared-id", b, &p.base);
	cr_assert_eq(r3->status->code, VET_OK);
	cr_assert_gt(r3->revision, r1->revision, "another principal got the "
	    "first principal's stored reply");
	p.display_name = "Someone Else";
	r4 = ta_call(sock, "PutPerson", "shared-id", c, &p.base);
	cr_assert_eq(r4->status->code, VET_OK, "%s", r4->status->message);
	vet__v1__rpc_response__free_unpacked(r1, NULL);
	vet__v1__rpc_response__free_unpacked(r2, NULL);
	vet__v1__rpc_response__free_unpacked(r3, NULL);
	vet__v1__rpc_response__free_unpacked(r4, NULL);
}

static int
put(const char *token, const char *id, Vet__V1__PersonSource source,
    char *msg, size_t msgsz)
{
	Vet__V1__PutPersonRequest p = VET__V1__PUT_PERSON_REQUEST__INIT;

	p.id = (char *)id;
	p.display_name = "Someone";
	p.source = source;
	return ta_code(sock, "PutPerson", token, &p.base, msg, msgsz);
}

static int
leaver(const char *token, const char *id, char *msg, size_t msgsz)
{
	Vet__V1__RecordLeaverRequest l = VET__V1__RECORD_LEAVER_REQUEST__INIT;

	l.person_id = (char *)id;
	l.reason = "left";
	return ta_code(sock, "RecordLeaver", token, &l.base, msg, msgsz);
}

/* sync alone: directory-sourced people only, and never a manual one. */
Test(auth, sync_role_is_for_directory_people_only)
{
	char s[TOKEN_SIZE], sh[TOKEN_SIZE], msg[512];
	const Vet__V1__PersonSource dir =
	    VET__V1__PERSON_SOURCE__SOURCE_DIRECTORY;
	const Vet__V1__PersonSource manual =
	    VET__V1__PERSON_SOURCE__SOURCE_MANUAL;

	new_token("dirsync", R(SYNC), s);
	new_token("dirsync-hr", R(SYNC) | R(HR), sh);
	cr_assert_eq(put(admin, "m1", manual, msg, sizeof(msg)), VET_OK);
	cr_assert_eq(put(admin, "m2", manual, msg, sizeof(msg)), VET_OK);

	cr_assert_eq(put(s, "d1", dir, msg, sizeof(msg)), VET_OK, "%s", msg);
	cr_assert_eq(put(s, "d1", dir, msg, sizeof(msg)), VET_OK, "%s", msg);
	cr_assert_eq(put(s, "d2", manual, msg, sizeof(msg)),
	    VET_PERMISSION_DENIED);
	cr_assert_str_eq(msg, "principal dirsync holds PutPerson through the "
	    "sync role alone: it may put only people with source DIRECTORY");
	cr_assert_eq(put(s, "d3", VET__V1__PERSON_SOURCE__SOURCE_UNSPECIFIED,
	    msg, sizeof(msg)), VET_PERMISSION_DENIED);
	cr_assert_eq(put(s, "m1", dir, msg, sizeof(msg)),
	    VET_PERMISSION_DENIED);
	cr_assert(strstr(msg, "person m1 was entered by hand") != NULL, "%s",
	    msg);
	cr_assert_eq(leaver(s, "m1", msg, sizeof(msg)), VET_PERMISSION_DENIED);
	cr_assert(strstr(msg, "RecordLeaver through the sync role alone") !=
	    NULL, "%s", msg);
	cr_assert_eq(leaver(s, "d1", msg, sizeof(msg)), VET_OK, "%s", msg);
	cr_assert_eq(leaver(s, "nobody", msg, sizeof(msg)), VET_NOT_FOUND);

	/* With hr as well, the narrower rule does not apply. */
	cr_assert_eq(put(sh, "m3", manual, msg, sizeof(msg)), VET_OK, "%s",
	    msg);
	cr_assert_eq(put(sh, "m1", dir, msg, sizeof(msg)), VET_OK, "%s", msg);
	cr_assert_eq(leaver(sh, "m2", msg, sizeof(msg)), VET_OK, "%s", msg);
}

Test(auth, init_admin_beside_running_vetd)
{
	char second[TOKEN_SIZE], again[TOKEN_SIZE], e[1024];
	vet_token_list *l = NULL;
	vet_status st;
	int found = 0;

	cr_assert_eq(ta_init_admin(&vetd, "second", second, e, sizeof(e)), 0,
	    "%s", e);
	cr_assert(strstr(e, "shown this once") != NULL, "%s", e);
	cr_assert_eq(ta_code(sock, "ListTokens", second, NULL, NULL, 0),
	    VET_OK);
	cr_assert_eq(ta_init_admin(&vetd, "second", again, e, sizeof(e)), 1);
	cr_assert(strstr(e, "already exists") != NULL, "%s", e);
	cr_assert_str_eq(again, "");
	cr_assert_eq(ta_init_admin(&vetd, "local-admin", again, e, sizeof(e)),
	    1);
	cr_assert(strstr(e, "name of the uid vetd runs as") != NULL, "%s", e);
	cr_assert_eq(ta_init_admin(&vetd, "no way", again, e, sizeof(e)), 1);
	cr_assert(strstr(e, "must be 1 to 64 characters") != NULL, "%s", e);

	cr_assert_eq(vet_token_list_get(client, &l, &st), VET_OK);
	for (size_t i = 0; i < l->n_tokens; i++)
		if (strcmp(l->tokens[i].name, "second") == 0) {
			found = 1;
			cr_assert_eq(l->tokens[i].roles, R(ADMIN));
			cr_assert_str_eq(l->tokens[i].created_by,
			    "vetd --init-admin");
		}
	vet_token_list_free(l);
	cr_assert(found);
	assert_not_logged(second);
}

/* Last-used times are kept in memory, then written at shutdown. */
Test(auth, last_used_survives_a_restart)
{
	Vet__V1__CheckRequest chk = VET__V1__CHECK_REQUEST__INIT;
	char user[TOKEN_SIZE], conf[400];
	const char *args[] = { "-c", conf, NULL };
	vet_token_list *l = NULL;
	vet_status st;
	int64_t used = 0;

	new_token("user", R(READER), user);
	chk.person_id = "nobody";
	chk.marking = "SECRET";
	cr_assert_eq(ta_code(sock, "Check", user, &chk.base, NULL, 0), VET_OK);
	vet_client_close(&client);
	nng_close(sock);
	cr_assert_eq(fixture_stop(&vetd), 0);
	snprintf(conf, sizeof(conf), "%s/vetd.conf", vetd.dir);
	cr_assert_eq(fixture_launch(&vetd, args, admin), 0);
	ta_dial(&sock, vetd.url);
	open_client();
	cr_assert_eq(vet_token_list_get(client, &l, &st), VET_OK);
	for (size_t i = 0; i < l->n_tokens; i++)
		if (strcmp(l->tokens[i].name, "user") == 0)
			used = l->tokens[i].last_used_at;
	vet_token_list_free(l);
	cr_assert_gt(used, 0, "last use was lost over a restart");
	/* And the token still works after the restart. */
	cr_assert_eq(ta_code(sock, "Check", user, &chk.base, NULL, 0), VET_OK);
}

/* Token changes reach the audit log (the first admin's too), by name and
 * roles, never with the token itself. */
Test(auth, token_changes_are_audited_without_the_token)
{
	vet_audit_query q = { .limit = 1000 };
	vet_audit_page *page = NULL;
	char tok[TOKEN_SIZE];
	int created = 0, revoked = 0, first = 0;
	vet_status st;

	new_token("aud", R(READER) | R(AUDITOR), tok);
	cr_assert_eq(vet_token_revoke(client, "aud", NULL, &st), VET_OK);
	cr_assert_eq(vet_audit_list(client, &q, &page, &st), VET_OK, "%s",
	    st.message);
	for (size_t i = 0; i < page->n_entries; i++) {
		const vet_audit_entry *e = &page->entries[i];
		cr_assert(strstr(e->change, "vetd_") == NULL, "a token in the "
		    "audit log: %s", e->change);
		if (strcmp(e->method, "CreateToken") == 0 &&
		    strcmp(e->subject, "aud") == 0) {
			created = 1;
			cr_assert_str_eq(e->principal, "root");
			cr_assert(strstr(e->change, "roles reader, auditor") !=
			    NULL, "%s", e->change);
		}
		if (strcmp(e->method, "RevokeToken") == 0 &&
		    strcmp(e->subject, "aud") == 0)
			revoked = 1;
		if (strcmp(e->method, "CreateToken") == 0 &&
		    strcmp(e->subject, "root") == 0 &&
		    strncmp(e->principal, "vetd --init-admin", 17) == 0)
			first = 1;
	}
	vet_audit_page_free(page);
	cr_assert(created && revoked && first, "created %d revoked %d "
	    "first admin %d", created, revoked, first);
}
