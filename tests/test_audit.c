/*
 * test_audit.c: the audit log end to end, against real vetd processes
 * over real sockets: every write method makes exactly one entry (method,
 * person, request id, change, reason); a failed or replayed write makes
 * none; vetctl lists, filters and verifies; an entry changed, removed or
 * given another prev_hash in the LMDB files while vetd is down is named
 * by `vetctl audit verify` at its sequence number; and exports chain to
 * each other, each line's hash being the SHA-256 of its canonical bytes.
 * Writes that must name their request id go as raw frames.
 * test_audit_events.c has the decision log, rejected attempts and
 * SIGKILL.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <lmdb.h>
#include <mbedtls/sha256.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_helpers.h"
#include "vettime.h"

TestSuite(audit, .init = setup, .fini = teardown, .timeout = 120);

struct expect {
	const char *method, *rid, *person, *subject, *change, *reason;
};

/* expect_entry: the write was OK and made exactly entry seq, as e. */
static void
expect_entry(int code, uint64_t seq, const struct expect *e)
{
	vet_audit_page *p;
	const vet_audit_entry *a;

	cr_assert_eq(code, 0, "%s %s: status %d", e->method, e->rid, code);
	p = log_from(seq - 1, NULL);
	cr_assert_eq(p->n_entries, 1, "%s: %zu entries after %llu",
	    e->method, p->n_entries, (unsigned long long)seq - 1);
	a = &p->entries[0];
	cr_assert_eq(a->seq, seq);
	cr_assert_str_eq(a->method, e->method);
	cr_assert_str_eq(a->request_id, e->rid);
	cr_assert_str_eq(a->person_id, e->person);
	cr_assert_str_eq(a->subject, e->subject);
	cr_assert(glob(e->change, a->change), "%s: change \"%s\", wanted "
	    "\"%s\"", e->method, a->change, e->change);
	cr_assert_str_eq(a->reason, e->reason);
	cr_assert(a->time >= (int64_t)time(NULL) - 60 &&
	    a->time <= (int64_t)time(NULL));
	cr_assert_neq(a->revision, 0);
	vet_audit_page_free(p);
}

Test(audit, every_write_method_makes_one_entry)
{
	Vet__V1__PutPersonRequest put = VET__V1__PUT_PERSON_REQUEST__INIT;
	Vet__V1__GrantClearanceRequest grant =
	    VET__V1__GRANT_CLEARANCE_REQUEST__INIT;
	Vet__V1__DefineCaveatRequest def = VET__V1__DEFINE_CAVEAT_REQUEST__INIT;
	Vet__V1__Caveat cav = VET__V1__CAVEAT__INIT;
	Vet__V1__BriefRequest brief = VET__V1__BRIEF_REQUEST__INIT;
	Vet__V1__DebriefRequest debrief = VET__V1__DEBRIEF_REQUEST__INIT;
	Vet__V1__SetClearanceStatusRequest cs =
	    VET__V1__SET_CLEARANCE_STATUS_REQUEST__INIT;
	Vet__V1__SetPersonStatusRequest ps =
	    VET__V1__SET_PERSON_STATUS_REQUEST__INIT;
	Vet__V1__RecordLeaverRequest leaver =
	    VET__V1__RECORD_LEAVER_REQUEST__INIT;
	Vet__V1__ImportPeopleRequest imp = VET__V1__IMPORT_PEOPLE_REQUEST__INIT;
	Vet__V1__Person bob = VET__V1__PERSON__INIT, *people[1] = { &bob };
	Vet__V1__CreateTokenRequest ct = VET__V1__CREATE_TOKEN_REQUEST__INIT;
	Vet__V1__RevokeTokenRequest rt = VET__V1__REVOKE_TOKEN_REQUEST__INIT;
	Vet__V1__Role roles[1] = { VET__V1__ROLE__ROLE_AUDITOR };
	Vet__V1__RpcResponse *resp;
	Vet__V1__CreateTokenResponse *made;
	vet_audit_page *all;
	char secret[256];
	uint64_t seq = head();

	cr_assert_eq(seq, 0);
	put.id = "alice";
	put.display_name = "Alice Smith";
	put.email = "a@x.org";
	put.nationality = "GB";
	expect_entry(raw("PutPerson", "w-put-1", &put.base), ++seq,
	    &(struct expect){ "PutPerson", "w-put-1", "alice", "",
	    "created; display_name: \"Alice Smith\"; email: \"a@x.org\"; "
	    "nationality: GB; status: ACTIVE; source: manual", "" });

	put.org_unit = "CID";
	expect_entry(raw("PutPerson", "w-put-2", &put.base), ++seq,
	    &(struct expect){ "PutPerson", "w-put-2", "alice", "",
	    "org_unit: \"\" -> \"CID\"", "" });

	grant.person_id = "alice";
	grant.scheme = "nsv";
	grant.level = "sc";		/* stored canonically: SC */
	grant.granted_at = date("2020-01-01");
	grant.review_due = date("2030-06-30");
	grant.authority = "UKSV";
	grant.reference = "R-1";
	expect_entry(raw("GrantClearance", "w-grant", &grant.base), ++seq,
	    &(struct expect){ "GrantClearance", "w-grant", "alice", "",
	    "clearance nsv: new, level SC, status GRANTED, granted_at "
	    "2020-01-01, review_due 2030-06-30, authority \"UKSV\", "
	    "reference \"R-1\"", "" });

	cav.name = "atomal";
	cav.kind = VET__V1__CAVEAT_KIND__CAVEAT_COMPARTMENT;
	cav.min_scheme = "nsv";
	cav.min_level = "SC";
	def.caveat = &cav;
	expect_entry(raw("DefineCaveat", "w-def", &def.base), ++seq,
	    &(struct expect){ "DefineCaveat", "w-def", "", "ATOMAL",
	    "defined: compartment, minimum nsv SC", "" });
	/* The same definition again commits a revision: still an entry. */
	expect_entry(raw("DefineCaveat", "w-def-2", &def.base), ++seq,
	    &(struct expect){ "DefineCaveat", "w-def-2", "", "ATOMAL",
	    "already defined the same way; no change", "" });

	brief.person_id = "alice";
	brief.caveat = "ATOMAL";
	brief.expires_at = date("2029-01-01");
	expect_entry(raw("Brief", "w-brief", &brief.base), ++seq,
	    &(struct expect){ "Brief", "w-brief", "alice", "",
	    "briefing ATOMAL: new, briefed_at *Z, expires_at 2029-01-01",
	    "" });

	debrief.person_id = "alice";
	debrief.caveat = "ATOMAL";
	debrief.reason = "moved team";
	expect_entry(raw("Debrief", "w-debrief", &debrief.base), ++seq,
	    &(struct expect){ "Debrief", "w-debrief", "alice", "",
	    "briefing ATOMAL: debriefed_at - -> *Z", "moved team" });

	cs.person_id = "alice";
	cs.scheme = "NSV";
	cs.action = VET__V1__STATUS_ACTION__ACTION_SUSPEND;
	cs.reason = "aftercare";
	expect_entry(raw("SetClearanceStatus", "w-cs", &cs.base), ++seq,
	    &(struct expect){ "SetClearanceStatus", "w-cs", "alice", "",
	    "clearance nsv: status GRANTED -> SUSPENDED", "aftercare" });

	ps.person_id = "alice";
	ps.action = VET__V1__STATUS_ACTION__ACTION_SUSPEND;
	ps.reason = "hr case 12";
	expect_entry(raw("SetPersonStatus", "w-ps-1", &ps.base), ++seq,
	    &(struct expect){ "SetPersonStatus", "w-ps-1", "alice", "",
	    "status: ACTIVE -> SUSPENDED", "hr case 12" });
	ps.action = VET__V1__STATUS_ACTION__ACTION_REINSTATE;
	ps.reason = "cleared";
	expect_entry(raw("SetPersonStatus", "w-ps-2", &ps.base), ++seq,
	    &(struct expect){ "SetPersonStatus", "w-ps-2", "alice", "",
	    "status: SUSPENDED -> ACTIVE", "cleared" });

	leaver.person_id = "alice";
	leaver.reason = "resigned";
	expect_entry(raw("RecordLeaver", "w-leaver", &leaver.base), ++seq,
	    &(struct expect){ "RecordLeaver", "w-leaver", "alice", "",
	    "status: ACTIVE -> LEAVER; clearance nsv: status SUSPENDED -> "
	    "LAPSED", "resigned" });

	bob.id = "bob";
	bob.display_name = "Bob";
	imp.n_people = 1;
	imp.people = people;
	expect_entry(raw("ImportPeople", "w-import", &imp.base), ++seq,
	    &(struct expect){ "ImportPeople", "w-import", "", "",
	    "import: 1 created, 0 updated, 0 unchanged", "" });

	/* Tokens: the name and roles are recorded, never the secret. */
	ct.name = "auditor-1";
	ct.n_roles = 1;
	ct.roles = roles;
	raw_open();
	cr_assert_not_null(resp = frame_call(sock, "CreateToken", "w-ct",
	    &ct.base, NULL));
	cr_assert_eq(resp->status->code, 0, "%s", resp->status->message);
	made = vet__v1__create_token_response__unpack(NULL,
	    resp->payload.len, resp->payload.data);
	cr_assert_not_null(made);
	snprintf(secret, sizeof(secret), "%s", made->token);
	cr_assert_gt(strlen(secret), 20);
	vet__v1__create_token_response__free_unpacked(made, NULL);
	vet__v1__rpc_response__free_unpacked(resp, NULL);
	expect_entry(0, ++seq, &(struct expect){ "CreateToken", "w-ct", "",
	    "auditor-1", "*created*auditor*", "" });
	rt.name = "auditor-1";
	expect_entry(raw("RevokeToken", "w-rt", &rt.base), ++seq,
	    &(struct expect){ "RevokeToken", "w-rt", "", "auditor-1",
	    "*revoked*", "" });

	all = log_from(0, NULL);
	cr_assert_eq(all->n_entries, seq);
	for (size_t i = 0; i < all->n_entries; i++) {
		const vet_audit_entry *e = &all->entries[i];
		cr_assert(memmem(e->canonical, e->canonical_len, secret,
		    strlen(secret)) == NULL, "entry %llu holds the token",
		    (unsigned long long)e->seq);
	}
	vet_audit_page_free(all);
	expect_verified(seq);
}

Test(audit, failed_and_replayed_writes_make_no_entry)
{
	Vet__V1__PutPersonRequest put = VET__V1__PUT_PERSON_REQUEST__INIT;
	Vet__V1__RecordLeaverRequest leaver =
	    VET__V1__RECORD_LEAVER_REQUEST__INIT;
	Vet__V1__DebriefRequest debrief = VET__V1__DEBRIEF_REQUEST__INIT;
	Vet__V1__DefineCaveatRequest def = VET__V1__DEFINE_CAVEAT_REQUEST__INIT;
	Vet__V1__Caveat cav = VET__V1__CAVEAT__INIT;

	put.id = "p1";
	put.display_name = "P One";
	cr_assert_eq(raw("PutPerson", "same-id", &put.base), 0);
	cr_assert_eq(head(), 1);

	/* Replayed, here and after a restart: the stored reply, no entry. */
	cr_assert_eq(raw("PutPerson", "same-id", &put.base), 0);
	cr_assert_eq(head(), 1);
	nng_close(sock);
	sock_open = 0;
	cr_assert_eq(fixture_stop(&vetd), 0);
	cr_assert_eq(fixture_restart(&vetd, NULL), 0);
	cr_assert_eq(raw("PutPerson", "same-id", &put.base), 0);
	cr_assert_eq(head(), 1);

	/* Failures, each with its status: nothing is written. */
	leaver.person_id = "nobody";
	leaver.reason = "gone";
	cr_assert_eq(raw("RecordLeaver", "f-1", &leaver.base), 5);
	leaver.person_id = "p1";
	leaver.reason = "";
	cr_assert_eq(raw("RecordLeaver", "f-2", &leaver.base), 3);
	put.id = "bad id!";
	cr_assert_eq(raw("PutPerson", "f-3", &put.base), 3);
	debrief.person_id = "p1";
	debrief.caveat = "NOPE";
	debrief.reason = "x";
	cr_assert_eq(raw("Debrief", "f-4", &debrief.base), 3);
	cav.name = "UK EYES ONLY";
	cav.kind = VET__V1__CAVEAT_KIND__CAVEAT_COMPARTMENT;
	def.caveat = &cav;
	cr_assert_eq(raw("DefineCaveat", "f-5", &def.base), 6);
	leaver.reason = "left";
	cr_assert_eq(raw("RecordLeaver", "f-6", &leaver.base), 0);
	cr_assert_eq(raw("RecordLeaver", "f-7", &leaver.base), 9);
	cr_assert_eq(head(), 2, "only the one leaver that worked");
	expect_verified(2);
}

Test(audit, vetctl_list_verify_and_filters)
{
	vet_audit_query q = { .limit = 2 };
	vet_audit_page *p;
	vet_status st;
	char want[256];

	cr_assert_eq(vetctl("person", "put", "al", "--name", "Al"), 0);
	cr_assert_eq(vetctl("person", "put", "alice", "--name", "Alice"), 0);
	cr_assert_eq(vetctl("clearance", "grant", "alice", "nsv", "SC",
	    "--review-due", "2031-01-01"), 0, "%s", err);
	cr_assert_eq(vetctl("leaver", "al", "--reason", "retired"), 0);
	cr_assert_eq(vetctl("person", "put", "carol", "--name", "Carol"), 0);

	cr_assert_eq(vetctl("audit", "verify"), 0, "%s%s", out, err);
	cr_assert(glob("5 entries verified; chain intact, head seq 5 hash "
	    "*\n", out), "%s", out);
	cr_assert_eq(strlen(strstr(out, "hash ") + 5), 65, "%s", out);

	cr_assert_eq(vetctl("audit", "list"), 0, "%s", err);
	cr_assert(strncmp(out, "SEQ  TIME", 9) == 0, "%s", out);
	cr_assert(strstr(out, "RecordLeaver") != NULL &&
	    strstr(out, "retired") != NULL &&
	    strstr(out, "status: ACTIVE -> LEAVER") != NULL, "%s", out);
	cr_assert(strstr(out, "(5 entries; the log's head is entry 5") !=
	    NULL, "%s", out);

	/* --person uses the index: "al" is not "alice". */
	cr_assert_eq(vetctl("--json", "audit", "list", "--person", "al"), 0);
	cr_assert(strstr(out, "\"alice\"") == NULL, "%s", out);
	cr_assert(strstr(out, "\"seq\": 1,") && strstr(out, "\"seq\": 4,"),
	    "%s", out);
	cr_assert(strstr(out, "\"seq\": 2,") == NULL, "%s", out);
	cr_assert_eq(vetctl("audit", "list", "--person", "alice"), 0);
	cr_assert(strstr(out, "(2 entries;") != NULL, "%s", out);
	cr_assert_eq(vetctl("audit", "list", "--limit", "3"), 0);
	cr_assert(strstr(out, "(3 entries;") != NULL, "%s", out);

	/* --since: today holds them all, tomorrow none. */
	vettime_format_date(time(NULL) - 86400, want, sizeof(want));
	cr_assert_eq(vetctl("audit", "list", "--since", want), 0);
	cr_assert(strstr(out, "(5 entries;") != NULL, "%s", out);
	vettime_format_date(time(NULL) + 86400, want, sizeof(want));
	cr_assert_eq(vetctl("audit", "list", "--since", want), 0);
	cr_assert(strstr(out, "(0 entries;") != NULL, "%s", out);

	/* Paging through libvet. */
	cr_assert_eq(vet_audit_list(client, &q, &p, &st), VET_OK);
	cr_assert_eq(p->n_entries, 2);
	cr_assert_eq(p->next_after_seq, 2);
	cr_assert_eq(p->last_seq, 5);
	vet_audit_page_free(p);
	q.after_seq = 4;
	cr_assert_eq(vet_audit_list(client, &q, &p, &st), VET_OK);
	cr_assert_eq(p->n_entries, 1);
	cr_assert_eq(p->entries[0].seq, 5);
	cr_assert_eq(p->next_after_seq, 0);
	vet_audit_page_free(p);

	/* Bad requests, each with its exact status. */
	q.limit = 1001;
	cr_assert_eq(vet_audit_list(client, &q, &p, &st),
	    VET_INVALID_ARGUMENT);
	q.limit = 0;
	q.person_id = "no such id!";
	cr_assert_eq(vet_audit_list(client, &q, &p, &st),
	    VET_INVALID_ARGUMENT);
	q.person_id = NULL;
	q.since = -5;
	cr_assert_eq(vet_audit_list(client, &q, &p, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_eq(vetctl("audit", "list", "--limit", "0"), 2);
	cr_assert_eq(vetctl("audit", "list", "--since", "2020-02-30"), 2);
	cr_assert_eq(vetctl("audit", "verify", "extra"), 2);
	cr_assert_eq(vetctl("audit", "export", "--after-seq", "x"), 2);
	cr_assert_eq(vetctl("audit", "export", "--after-seq", "99"), 2);
	cr_assert(strstr(err, "ends at sequence 5") != NULL, "%s", err);
}

/*
 * Tampering: the files edited with liblmdb while vetd is down.
 */

enum edit { FLIP_TEXT, FLIP_PREV_HASH, DELETE };

static void
tamper(uint64_t seq, enum edit what)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;
	uint8_t kb[8], copy[8192], *p;

	vet_client_close(&client);
	cr_assert_eq(fixture_stop(&vetd), 0);
	cr_assert_eq(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 32);
	cr_assert_eq(mdb_env_open(env, vetd.data_dir, 0, 0600), 0);
	cr_assert_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	cr_assert_eq(mdb_dbi_open(txn, "audit", 0, &dbi), 0);
	for (int i = 0; i < 8; i++)
		kb[i] = (uint8_t)(seq >> (56 - 8 * i));
	k.mv_data = kb;
	k.mv_size = 8;
	cr_assert_eq(mdb_get(txn, dbi, &k, &v), 0);
	cr_assert(v.mv_size <= sizeof(copy));
	memcpy(copy, v.mv_data, v.mv_size);
	switch (what) {
	case FLIP_TEXT:
		/* One letter of the person's name in the change text. */
		cr_assert_not_null(p = memmem(copy, v.mv_size, "erson ", 6));
		p[-1] ^= 0x20;		/* "Person 4" <-> "person 4" */
		break;
	case FLIP_PREV_HASH:
		/* Field 9, 32 bytes: one bit of the hash. */
		cr_assert_not_null(p = memmem(copy, v.mv_size, "\x4a\x20", 2));
		p[2 + 17] ^= 0x01;
		break;
	case DELETE:
		break;
	}
	if (what == DELETE)
		cr_assert_eq(mdb_del(txn, dbi, &k, NULL), 0);
	else {
		v.mv_data = copy;
		cr_assert_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
	}
	cr_assert_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	cr_assert_eq(fixture_restart(&vetd, NULL), 0);
	connect_client();
}

static void
ten_people(void)
{
	char id[16], name[32];

	for (int i = 1; i <= 10; i++) {
		vet_person_spec spec = { .id = id, .display_name = name };
		vet_status st;

		snprintf(id, sizeof(id), "p%d", i);
		snprintf(name, sizeof(name), "Person %d", i);
		cr_assert_eq(vet_person_put(client, &spec, NULL, &st), VET_OK,
		    "%s", st.message);
	}
	expect_verified(10);
}

static void
expect_broken_at(const char *seq, const char *problem)
{
	char want[128];

	cr_assert_eq(vetctl("audit", "verify"), 1, "%s%s", out, err);
	snprintf(want, sizeof(want), "audit chain broken at sequence %s: %s*",
	    seq, problem);
	cr_assert(glob(want, out), "%s", out);
	cr_assert_eq(vetctl("--json", "audit", "verify"), 1);
	snprintf(want, sizeof(want), "\"first_bad_seq\": %s,", seq);
	cr_assert(strstr(out, want) != NULL, "%s", out);
	cr_assert(strstr(out, "\"ok\": false") != NULL, "%s", out);
	/* An export will not pass the break off as a chain. */
	cr_assert_eq(vetctl("audit", "export"), 3, "%s", err);
	cr_assert(strstr(err, "the export is incomplete") != NULL, "%s", err);
}

Test(audit, tamper_changed_byte_is_named)
{
	ten_people();
	tamper(4, FLIP_TEXT);
	expect_broken_at("4", "entry 4 was changed");
	/* The entry still lists, changed, and its stored hash is what a
	 * reader can check; the log still takes writes. */
	cr_assert_eq(vetctl("audit", "list", "--person", "p4"), 0);
	cr_assert(strstr(out, "\"person 4\"") != NULL, "%s", out);
	tamper(4, FLIP_TEXT);			/* put it back */
	cr_assert_eq(vetctl("audit", "verify"), 0, "%s", out);
	cr_assert_eq(vetctl("person", "put", "p11", "--name", "P"), 0);
	expect_verified(11);
}

Test(audit, tamper_last_entry_is_named)
{
	ten_people();
	tamper(10, FLIP_TEXT);
	expect_broken_at("10", "entry 10 was changed");
}

Test(audit, tamper_deleted_entry_is_named)
{
	ten_people();
	tamper(6, DELETE);
	expect_broken_at("6", "entry 6 is missing");
}

Test(audit, tamper_prev_hash_is_named)
{
	ten_people();
	tamper(7, FLIP_PREV_HASH);
	expect_broken_at("7", "entry 7 was changed");
}

/*
 * Export.
 */

/* line_field copies "key":"value" from a JSON line into buf. */
static void
line_field(json_t *o, const char *key, char *buf, size_t size)
{
	json_t *v = json_object_get(o, key);

	cr_assert(json_is_string(v), "no %s", key);
	snprintf(buf, size, "%s", json_string_value(v));
}

/*
 * check_export parses the export in out: header fields, one line per
 * entry, each line's hash the SHA-256 of its canonical bytes and each
 * prev_hash the hash before it. Returns the number of entries.
 */
static size_t
check_export(uint64_t *first, uint64_t *last, char prev[65], char last_hash[65])
{
	char *line, *save = NULL, hash[65], canon[16384], chain[65], h[65];
	uint8_t bytes[8192], digest[32];
	json_error_t jerr;
	json_t *o, *hdr;
	size_t n = 0;

	cr_assert_not_null(line = strtok_r(out, "\n", &save));
	cr_assert_not_null(o = json_loads(line, 0, &jerr), "%s", jerr.text);
	cr_assert_not_null(hdr = json_object_get(o, "export"), "%s", line);
	*first = (uint64_t)json_integer_value(json_object_get(hdr,
	    "first_seq"));
	*last = (uint64_t)json_integer_value(json_object_get(hdr,
	    "last_seq"));
	line_field(hdr, "prev_hash", prev, 65);
	line_field(hdr, "last_hash", last_hash, 65);
	json_decref(o);
	snprintf(chain, sizeof(chain), "%s", prev);
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		cr_assert_not_null(o = json_loads(line, 0, &jerr), "%s",
		    jerr.text);
		cr_assert_eq((uint64_t)json_integer_value(json_object_get(o,
		    "seq")), *first + n);
		line_field(o, "prev_hash", h, sizeof(h));
		cr_assert_str_eq(h, chain, "seq %llu",
		    (unsigned long long)(*first + n));
		line_field(o, "hash", hash, sizeof(hash));
		line_field(o, "canonical", canon, sizeof(canon));
		size_t len = strlen(canon) / 2;
		for (size_t i = 0; i < len; i++) {
			unsigned b;
			sscanf(canon + 2 * i, "%2x", &b);
			bytes[i] = (uint8_t)b;
		}
		mbedtls_sha256_ret(bytes, len, digest, 0);
		for (size_t i = 0; i < 32; i++)
			sprintf(h + 2 * i, "%02x", digest[i]);
		cr_assert_str_eq(h, hash, "seq %llu: the hash is not the "
		    "SHA-256 of the canonical bytes",
		    (unsigned long long)(*first + n));
		snprintf(chain, sizeof(chain), "%s", hash);
		json_decref(o);
		n++;
	}
	if (n > 0)
		cr_assert_str_eq(chain, last_hash);
	return n;
}

Test(audit, exports_chain_to_each_other)
{
	uint64_t first, last;
	char prev[65], last1[65], last2[65], p2[65];

	cr_assert_eq(vetctl("person", "put", "e1", "--name", "E1"), 0);
	cr_assert_eq(vetctl("person", "put", "e2", "--name", "E2"), 0);
	cr_assert_eq(vetctl("person", "suspend", "e1", "--reason", "x"), 0);
	cr_assert_eq(vetctl("audit", "export"), 0, "%s", err);
	cr_assert_eq(check_export(&first, &last, prev, last1), 3);
	cr_assert_eq(first, 1);
	cr_assert_eq(last, 3);
	cr_assert_str_eq(prev, "0000000000000000000000000000000000000000"
	    "000000000000000000000000");

	cr_assert_eq(vetctl("leaver", "e2", "--reason", "y"), 0);
	cr_assert_eq(vetctl("caveat", "define", "X1", "--national", "GB"), 0);
	cr_assert_eq(vetctl("audit", "export", "--after-seq", "3"), 0, "%s",
	    err);
	cr_assert_eq(check_export(&first, &last, p2, last2), 2);
	cr_assert_eq(first, 4);
	cr_assert_eq(last, 5);
	cr_assert_str_eq(p2, last1, "the second export does not continue "
	    "the first");

	/* Nothing new: a header that still chains. */
	cr_assert_eq(vetctl("audit", "export", "--after-seq", "5"), 0);
	cr_assert_eq(check_export(&first, &last, prev, p2), 0);
	cr_assert_eq(first, 6);
	cr_assert_eq(last, 5);
	cr_assert_str_eq(prev, last2);
	cr_assert_str_eq(p2, last2);
}
