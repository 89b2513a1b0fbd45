/*
 * test_sync_people.c: SyncPeople end to end against a real vetd over its
 * real socket: created / updated / unchanged counts, directory fields
 * only (clearances and a leaver's status survive), all or nothing when
 * one item is bad (at validation or, for a hand-entered person, while
 * writing), duplicate ids, the size caps, the roles and the sync rule,
 * and one audit entry per changed person exactly as PutPerson writes it.
 * Requests libvet refuses before sending go as raw frames.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vet/vet.h>

#include "auth_fixture.h"
#include "vetting.pb-c.h"

static struct vetd_proc vetd;
static vet_client *admin;		/* the ipc owner: local-admin */

static void
setup(void)
{
	vet_status st;

	cr_assert_eq(fixture_start(&vetd, NULL), 0, "vetd did not start");
	cr_assert_eq(vet_client_open(&admin, vetd.url, NULL, &st), VET_OK,
	    "%s", st.message);
}

static void
teardown(void)
{
	vet_client_close(&admin);
	fixture_cleanup(&vetd);
}

TestSuite(sync_people, .init = setup, .fini = teardown, .timeout = 60);

#define DIR	VET_SOURCE_DIRECTORY

static uint64_t
revision(void)
{
	vet_health_info h;
	vet_status st;

	cr_assert_eq(vet_health(admin, &h, &st), VET_OK, "%s", st.message);
	return h.revision;
}

/* as_role opens a client with a new token holding roles only. */
static vet_client *
as_role(const char *name, unsigned roles)
{
	vet_options o = { 0 };
	vet_client *c = NULL;
	vet_status st;
	char *token = NULL;

	cr_assert_eq(vet_token_create(admin, name, roles, &token, NULL, &st),
	    VET_OK, "%s", st.message);
	o.token = token;
	cr_assert_eq(vet_client_open(&c, vetd.url, &o, &st), VET_OK, "%s",
	    st.message);
	vet_token_free(token);
	return c;
}

static void
expect_counts(vet_client *c, const vet_person_spec *p, size_t n,
    unsigned created, unsigned updated, unsigned unchanged)
{
	vet_sync_result r = { 99, 99, 99 };
	vet_status st;

	cr_assert_eq(vet_sync_people(c, p, n, &r, &st), VET_OK, "%s",
	    st.message);
	cr_assert_eq(r.created, created, "created %u", r.created);
	cr_assert_eq(r.updated, updated, "updated %u", r.updated);
	cr_assert_eq(r.unchanged, unchanged, "unchanged %u", r.unchanged);
}

static vet_person *
get(const char *id)
{
	vet_person *p = NULL;
	vet_status st;

	cr_assert_eq(vet_person_get(admin, id, &p, &st), VET_OK, "%s: %s", id,
	    st.message);
	return p;
}

static void
expect_absent(const char *id)
{
	vet_person *p = NULL;
	vet_status st;

	cr_assert_eq(vet_person_get(admin, id, &p, &st), VET_NOT_FOUND,
	    "%s was stored", id);
}

Test(sync_people, counts_created_updated_unchanged)
{
	vet_person_spec p[3] = {
		{ "d1", "Dora One", "d1@example.org", "Team 1", "gb", DIR },
		{ "d2", "Dan Two", "", "", "", DIR },
		{ "d3", "Di Three", "d3@example.org", "Team 3", "FR", DIR },
	};
	vet_person *got;

	expect_counts(admin, p, 3, 3, 0, 0);
	got = get("d1");
	cr_assert_str_eq(got->display_name, "Dora One");
	cr_assert_str_eq(got->email, "d1@example.org");
	cr_assert_str_eq(got->org_unit, "Team 1");
	cr_assert_str_eq(got->nationality, "GB");
	cr_assert_eq(got->status, VET_PERSON_ACTIVE);
	cr_assert_eq(got->source, VET_SOURCE_DIRECTORY);
	vet_person_free(got);

	/* The same again changes no person. */
	expect_counts(admin, p, 3, 0, 0, 3);

	/* One changed, one new, two unchanged. */
	p[1].org_unit = "Team 2";
	vet_person_spec more[4] = { p[0], p[1], p[2],
		{ "d4", "Dee Four", NULL, NULL, NULL, DIR } };
	expect_counts(admin, more, 4, 1, 1, 2);
	got = get("d2");
	cr_assert_str_eq(got->org_unit, "Team 2");
	vet_person_free(got);
	got = get("d4");
	cr_assert_str_eq(got->email, "");
	vet_person_free(got);
}

Test(sync_people, directory_fields_only)
{
	vet_grant_spec g = { .person_id = "c1", .scheme = "nsv", .level = "SC",
	    .review_due = (int64_t)time(NULL) + 86400 * 365 };
	vet_person_spec p[2] = {
		{ "c1", "Cleared One", "c1@example.org", "Ops", "GB", DIR },
		{ "l1", "Leaver One", "l1@example.org", "Ops", "GB", DIR },
	};
	vet_person *got;
	vet_status st;

	expect_counts(admin, p, 2, 2, 0, 0);
	cr_assert_eq(vet_clearance_grant(admin, &g, NULL, &st), VET_OK, "%s",
	    st.message);
	cr_assert_eq(vet_leaver(admin, "l1", "left", NULL, &st), VET_OK, "%s",
	    st.message);

	p[0].display_name = "Cleared Renamed";
	p[1].display_name = "Leaver Renamed";
	expect_counts(admin, p, 2, 0, 2, 0);
	got = get("c1");
	cr_assert_str_eq(got->display_name, "Cleared Renamed");
	cr_assert_eq(got->n_clearances, 1);
	cr_assert_str_eq(got->clearances[0].level, "SC");
	cr_assert_eq(got->clearances[0].status, VET_CLEARANCE_GRANTED);
	cr_assert_eq(got->status, VET_PERSON_ACTIVE);
	vet_person_free(got);
	got = get("l1");
	cr_assert_str_eq(got->display_name, "Leaver Renamed");
	cr_assert_eq(got->status, VET_PERSON_LEAVER);
	cr_assert_str_eq(got->status_reason, "left");
	vet_person_free(got);
}

Test(sync_people, one_bad_item_writes_nothing)
{
	vet_person_spec p[3] = {
		{ "ok1", "Fine One", NULL, NULL, NULL, DIR },
		{ "bad2", "", NULL, NULL, NULL, DIR },	/* no display name */
		{ "ok3", "Fine Three", NULL, NULL, NULL, DIR },
	};
	vet_status st;
	uint64_t rev = revision();

	cr_assert_eq(vet_sync_people(admin, p, 3, NULL, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert(strstr(st.message, "people[1] (id bad2): ") != NULL, "%s",
	    st.message);
	cr_assert(strstr(st.message, "display_name") != NULL, "%s",
	    st.message);
	p[1].display_name = "Fine Two";
	p[2].nationality = "Narnia";
	cr_assert_eq(vet_sync_people(admin, p, 3, NULL, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert(strstr(st.message, "people[2] (id ok3): ") != NULL, "%s",
	    st.message);
	p[2].nationality = NULL;
	p[0].id = "not an id!";
	cr_assert_eq(vet_sync_people(admin, p, 3, NULL, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert(strncmp(st.message, "people[0]: ", 11) == 0, "%s",
	    st.message);
	cr_assert_eq(revision(), rev, "a refused call changed the store");
	expect_absent("ok1");
	expect_absent("bad2");
	expect_absent("ok3");
}

Test(sync_people, duplicate_ids_are_refused)
{
	vet_person_spec p[3] = {
		{ "dup", "First", NULL, NULL, NULL, DIR },
		{ "other", "Other", NULL, NULL, NULL, DIR },
		{ "dup", "Second", NULL, NULL, NULL, DIR },
	};
	vet_status st;
	uint64_t rev = revision();

	cr_assert_eq(vet_sync_people(admin, p, 3, NULL, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_str_eq(st.message, "people[2] (id dup): the same id appears "
	    "twice in this call");
	cr_assert_eq(revision(), rev);
	expect_absent("dup");
	expect_absent("other");
}

/* raw_code sends a SyncPeople request as it is (ta_call's buffer is too
 * small for 1001 items) and returns the status code, message in msg. */
static int
raw_code(const Vet__V1__SyncPeopleRequest *in, char *msg, size_t msgsz)
{
	Vet__V1__RpcRequest req = VET__V1__RPC_REQUEST__INIT;
	Vet__V1__RpcResponse *resp;
	nng_socket s;
	nng_msg *m;
	uint8_t *payload;
	int code;

	cr_assert_not_null(payload = malloc(
	    protobuf_c_message_get_packed_size(&in->base) + 1));
	req.method = "/vet.v1.Vetting/SyncPeople";
	req.request_id = "";
	req.payload.data = payload;
	req.payload.len = protobuf_c_message_pack(&in->base, payload);
	ta_dial(&s, vetd.url);
	cr_assert_eq(nng_msg_alloc(&m,
	    vet__v1__rpc_request__get_packed_size(&req)), 0);
	vet__v1__rpc_request__pack(&req, nng_msg_body(m));
	cr_assert_eq(nng_sendmsg(s, m, 0), 0);
	cr_assert_eq(nng_recvmsg(s, &m, 0), 0, "no answer");
	resp = vet__v1__rpc_response__unpack(NULL, nng_msg_len(m),
	    nng_msg_body(m));
	nng_msg_free(m);
	nng_close(s);
	free(payload);
	cr_assert_not_null(resp);
	cr_assert_not_null(resp->status);
	code = resp->status->code;
	snprintf(msg, msgsz, "%s", resp->status->message);
	vet__v1__rpc_response__free_unpacked(resp, NULL);
	return code;
}

Test(sync_people, size_caps)
{
	Vet__V1__SyncPeopleRequest req = VET__V1__SYNC_PEOPLE_REQUEST__INIT;
	Vet__V1__PutPersonRequest *items, **ptrs;
	vet_person_spec *specs;
	char (*ids)[16], msg[512];
	vet_status st;
	uint64_t rev = revision();
	size_t n = 1001;

	cr_assert_not_null(items = calloc(n, sizeof(*items)));
	cr_assert_not_null(ptrs = calloc(n, sizeof(*ptrs)));
	cr_assert_not_null(specs = calloc(n, sizeof(*specs)));
	cr_assert_not_null(ids = calloc(n, sizeof(*ids)));
	for (size_t i = 0; i < n; i++) {
		snprintf(ids[i], sizeof(ids[i]), "cap%04zu", i);
		vet__v1__put_person_request__init(&items[i]);
		items[i].id = ids[i];
		items[i].display_name = "Capped";
		items[i].source = VET__V1__PERSON_SOURCE__SOURCE_DIRECTORY;
		ptrs[i] = &items[i];
		specs[i] = (vet_person_spec){ ids[i], "Capped", NULL, NULL,
		    NULL, DIR };
	}
	/* 1001 items and none: vetd refuses both (libvet would not send). */
	req.n_people = n;
	req.people = ptrs;
	cr_assert_eq(raw_code(&req, msg, sizeof(msg)), VET_INVALID_ARGUMENT,
	    "%s", msg);
	cr_assert_str_eq(msg, "SyncPeople takes 1 to 1000 people, not 1001");
	req.n_people = 0;
	cr_assert_eq(raw_code(&req, msg, sizeof(msg)), VET_INVALID_ARGUMENT,
	    "%s", msg);
	cr_assert_str_eq(msg, "SyncPeople takes 1 to 1000 people, not 0");
	cr_assert_eq(vet_sync_people(admin, specs, n, NULL, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_eq(revision(), rev);
	expect_absent("cap0000");

	/* 1000 is the cap, not past it. */
	expect_counts(admin, specs, 1000, 1000, 0, 0);
	free(items);
	free(ptrs);
	free(specs);
	free(ids);
}

Test(sync_people, roles_and_the_sync_rule)
{
	vet_person_spec p[2] = {
		{ "r1", "Role One", NULL, NULL, NULL, DIR },
		{ "r2", "Role Two", NULL, NULL, NULL, DIR },
	};
	vet_person_spec hand = { "manual1", "By Hand", NULL, NULL, NULL,
	    VET_SOURCE_MANUAL };
	vet_client *reader = as_role("app", VET_ROLE_BIT(VET_ROLE_READER));
	vet_client *vetting = as_role("vu", VET_ROLE_BIT(VET_ROLE_VETTING));
	vet_client *sync = as_role("dirsync", VET_ROLE_BIT(VET_ROLE_SYNC));
	vet_client *hr = as_role("hr1", VET_ROLE_BIT(VET_ROLE_HR));
	vet_status st;
	uint64_t rev = revision();

	cr_assert_eq(vet_sync_people(reader, p, 2, NULL, &st),
	    VET_PERMISSION_DENIED);
	cr_assert_str_eq(st.message, "principal app may not call SyncPeople; "
	    "it needs one of: hr, sync, admin");
	cr_assert_eq(vet_sync_people(vetting, p, 2, NULL, &st),
	    VET_PERMISSION_DENIED);
	/* sync alone: DIRECTORY people only. */
	vet_person_spec mixed[2] = { p[0], hand };
	cr_assert_eq(vet_sync_people(sync, mixed, 2, NULL, &st),
	    VET_PERMISSION_DENIED);
	cr_assert_str_eq(st.message, "people[1] (id manual1): principal "
	    "dirsync holds SyncPeople through the sync role alone: it may "
	    "put only people with source DIRECTORY");
	cr_assert_eq(revision(), rev);
	expect_absent("r1");

	/* hr may put a hand-entered person; sync may then not touch them,
	 * and the refusal comes while writing: r1 and r2 stay unwritten. */
	expect_counts(hr, &hand, 1, 1, 0, 0);
	rev = revision();
	vet_person_spec over[3] = { p[0], p[1],
		{ "manual1", "Taken Over", NULL, NULL, NULL, DIR } };
	cr_assert_eq(vet_sync_people(sync, over, 3, NULL, &st),
	    VET_PERMISSION_DENIED);
	cr_assert_str_eq(st.message, "people[2] (id manual1): principal "
	    "dirsync holds SyncPeople through the sync role alone: person "
	    "manual1 was entered by hand, and only hr or admin may change "
	    "them");
	cr_assert_eq(revision(), rev);
	expect_absent("r1");
	expect_absent("r2");
	vet_person *got = get("manual1");
	cr_assert_str_eq(got->display_name, "By Hand");
	cr_assert_eq(got->source, VET_SOURCE_MANUAL);
	vet_person_free(got);

	expect_counts(sync, p, 2, 2, 0, 0);
	/* hr may take a hand-entered person over for the directory. */
	expect_counts(hr, &over[2], 1, 0, 1, 0);
	vet_client_close(&reader);
	vet_client_close(&vetting);
	vet_client_close(&sync);
	vet_client_close(&hr);
}

/* entries lists the audit log after seq. */
static vet_audit_page *
entries_after(uint64_t seq)
{
	vet_audit_query q = { .after_seq = seq, .limit = 100 };
	vet_audit_page *page = NULL;
	vet_status st;

	cr_assert_eq(vet_audit_list(admin, &q, &page, &st), VET_OK, "%s",
	    st.message);
	return page;
}

static uint64_t
audit_head(void)
{
	vet_audit_page *page = entries_after(0);
	uint64_t head = page->last_seq;

	vet_audit_page_free(page);
	return head;
}

Test(sync_people, one_audit_entry_per_changed_person)
{
	vet_person_spec put = { "via-put", "Ann Audit", "ann@example.org",
	    "Ops", "GB", DIR };
	vet_person_spec p[3] = {
		{ "a1", "Ann Audit", "ann@example.org", "Ops", "GB", DIR },
		{ "a2", "Bob Audit", NULL, NULL, NULL, DIR },
		{ "a3", "Cy Audit", NULL, NULL, NULL, DIR },
	};
	vet_audit_verify_result v;
	vet_audit_page *page;
	vet_status st;
	uint64_t seq;
	char *put_change;

	/* What PutPerson writes, to compare with. */
	seq = audit_head();
	cr_assert_eq(vet_person_put(admin, &put, NULL, &st), VET_OK);
	page = entries_after(seq);
	cr_assert_eq(page->n_entries, 1);
	put_change = strdup(page->entries[0].change);
	vet_audit_page_free(page);

	expect_counts(admin, p, 2, 2, 0, 0);
	/* a1 unchanged, a2 renamed, a3 new. */
	p[1].display_name = "Bob Renamed";
	seq = audit_head();
	expect_counts(admin, p, 3, 1, 1, 1);
	page = entries_after(seq);
	cr_assert_eq(page->n_entries, 3, "%zu entries", page->n_entries);
	cr_assert_str_eq(page->entries[0].method, "SyncPeople");
	cr_assert_str_eq(page->entries[0].person_id, "a2");
	cr_assert_str_eq(page->entries[0].change,
	    "display_name: \"Bob Audit\" -> \"Bob Renamed\"");
	cr_assert_str_eq(page->entries[0].principal, "local-admin");
	cr_assert_str_eq(page->entries[1].person_id, "a3");
	cr_assert(strncmp(page->entries[1].change, "created; ", 9) == 0, "%s",
	    page->entries[1].change);
	/* The call's own entry: counts, no person. */
	cr_assert_str_eq(page->entries[2].method, "SyncPeople");
	cr_assert_str_eq(page->entries[2].person_id, "");
	cr_assert_str_eq(page->entries[2].change,
	    "sync: 1 created, 1 updated, 1 unchanged");
	vet_audit_page_free(page);

	/* A new person's entry is PutPerson's, word for word. */
	seq = audit_head();
	vet_person_spec twin = { "a4", put.display_name, put.email,
	    put.org_unit, put.nationality, DIR };
	expect_counts(admin, &twin, 1, 1, 0, 0);
	page = entries_after(seq);
	cr_assert_eq(page->n_entries, 2);
	cr_assert_str_eq(page->entries[0].person_id, "a4");
	cr_assert_str_eq(page->entries[0].change, put_change);
	vet_audit_page_free(page);
	free(put_change);

	/* An all-unchanged call: no person entry. */
	seq = audit_head();
	expect_counts(admin, p, 3, 0, 0, 3);
	page = entries_after(seq);
	cr_assert_eq(page->n_entries, 1);
	cr_assert_str_eq(page->entries[0].person_id, "");
	vet_audit_page_free(page);

	cr_assert_eq(vet_audit_verify(admin, &v, &st), VET_OK);
	cr_assert(v.ok, "the chain is broken at %llu",
	    (unsigned long long)v.first_bad_seq);
}
