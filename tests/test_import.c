/*
 * test_import.c: ImportPeople end to end against a real vetd: whole
 * records stored and read back in canonical form, created / updated /
 * unchanged counts, every kind of bad record refused with
 * INVALID_ARGUMENT naming its index and nothing written, the caps, a
 * leaver's record left alone, and the checks the imported records drive.
 */
#include <criterion/criterion.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vet/vet.h>

#include "fixture.h"
#include "rpc.pb-c.h"
#include "vetting.pb-c.h"

static struct vetd_proc vetd;
static vet_client *client;

static void
setup(void)
{
	vet_status st;

	cr_assert_eq(fixture_start(&vetd, NULL), 0, "vetd did not start");
	cr_assert_eq(vet_client_open(&client, vetd.url, NULL, &st), VET_OK,
	    "%s", st.message);
}

static void
teardown(void)
{
	vet_client_close(&client);
	fixture_cleanup(&vetd);
}

TestSuite(import, .init = setup, .fini = teardown, .timeout = 60);

#define DAY	86400
#define T0	((int64_t)1600000000)	/* 2020-09-13 */

static int64_t
future(int days)
{
	return (int64_t)time(NULL) + (int64_t)days * DAY;
}

/* person fills p with a valid active person holding nsv SC. */
static void
person(vet_person *p, vet_clearance *c, const char *id)
{
	memset(p, 0, sizeof(*p));
	memset(c, 0, sizeof(*c));
	p->id = (char *)id;
	p->display_name = "Imported Person";
	p->email = "imp@example.org";
	p->org_unit = "Records";
	p->nationality = "gb";
	c->scheme = "NSV";
	c->level = "sc";
	c->granted_at = T0;
	c->review_due = future(3650);
	c->authority = "UKSV";
	c->reference = "SC-1";
	p->n_clearances = 1;
	p->clearances = c;
}

static void
define_compartment(const char *name)
{
	vet_caveat_spec spec = { .name = name, .kind = VET_CAVEAT_COMPARTMENT };
	vet_status st;

	cr_assert_eq(vet_caveat_define(client, &spec, NULL, &st), VET_OK,
	    "%s", st.message);
}

static void
expect_check(const char *id, const char *marking, const char *caveat,
    vet_effect effect, const char *reason)
{
	const char *caveats[1] = { caveat };
	vet_check_request req = { .person_id = id, .marking = marking,
	    .n_caveats = caveat ? 1 : 0, .caveats = caveats };
	vet_decision d;
	vet_status st;

	vet_check(client, &req, &d, &st);
	cr_assert_eq(d.effect, effect, "%s %s: effect %d (%s: %s)", id,
	    marking, d.effect, d.reason_name, d.explanation);
	cr_assert_str_eq(d.reason_name, reason, "%s %s: %s", id, marking,
	    d.explanation);
}

static void
expect_absent(const char *id)
{
	vet_person *got = NULL;
	vet_status st;

	cr_assert_eq(vet_person_get(client, id, &got, &st), VET_NOT_FOUND,
	    "%s was stored: %s", id, st.message);
}

Test(import, stores_whole_records_in_canonical_form)
{
	vet_person p[2];
	vet_clearance c[2];
	vet_briefing b = { .compartment = "atomal", .briefed_at = T0,
	    .expires_at = future(365) };
	vet_import_result r;
	vet_person *got = NULL;
	vet_status st;

	define_compartment("ATOMAL");
	person(&p[0], &c[0], "imp-1");
	person(&p[1], &c[1], "imp-2");
	p[0].n_briefings = 1;
	p[0].briefings = &b;
	p[1].source = VET_SOURCE_DIRECTORY;
	cr_assert_eq(vet_import_people(client, p, 2, &r, &st), VET_OK, "%s",
	    st.message);
	cr_assert_eq(r.created, 2);
	cr_assert_eq(r.updated, 0);
	cr_assert_eq(r.unchanged, 0);

	cr_assert_eq(vet_person_get(client, "imp-1", &got, &st), VET_OK);
	cr_assert_str_eq(got->nationality, "GB");
	cr_assert_eq(got->status, VET_PERSON_ACTIVE);
	cr_assert_eq(got->source, VET_SOURCE_MANUAL);
	cr_assert_eq(got->n_clearances, 1);
	cr_assert_str_eq(got->clearances[0].scheme, "nsv");
	cr_assert_str_eq(got->clearances[0].level, "SC");
	cr_assert_eq(got->clearances[0].status, VET_CLEARANCE_GRANTED);
	cr_assert_eq(got->clearances[0].status_changed_at, T0);
	cr_assert_eq(got->n_briefings, 1);
	cr_assert_str_eq(got->briefings[0].compartment, "ATOMAL");
	cr_assert_neq(got->created_at, 0);
	cr_assert_eq(got->status_changed_at, got->created_at);
	vet_person_free(got);

	expect_check("imp-1", "SECRET", "ATOMAL", VET_ALLOW, "GRANTED");
	expect_check("imp-2", "SECRET", "ATOMAL", VET_DENY, "NOT_BRIEFED");
	expect_check("imp-2", "TOP SECRET", NULL, VET_DENY,
	    "INSUFFICIENT_LEVEL");
}

Test(import, counts_created_updated_unchanged)
{
	vet_person p[4];
	vet_clearance c[4];
	vet_briefing b = { .compartment = "ATOMAL", .briefed_at = T0,
	    .debriefed_at = T0 + DAY, .debrief_reason = "left" };
	vet_import_result r;
	vet_status st;

	define_compartment("ATOMAL");
	person(&p[0], &c[0], "a");
	person(&p[1], &c[1], "b");
	/* Unknown nationality, and a leaver with a debriefing: the same
	 * record imported again must still compare equal. */
	person(&p[3], &c[3], "gone-again");
	p[3].nationality = "";
	p[3].status = VET_PERSON_LEAVER;
	p[3].status_reason = "left";
	c[3].status = VET_CLEARANCE_LAPSED;
	c[3].status_reason = "leaver";
	p[3].briefings = &b;
	p[3].n_briefings = 1;
	cr_assert_eq(vet_import_people(client, p, 2, &r, &st), VET_OK, "%s",
	    st.message);
	cr_assert_eq(r.created, 2);
	cr_assert_eq(vet_import_people(client, &p[3], 1, &r, &st), VET_OK,
	    "%s", st.message);
	cr_assert_eq(r.created, 1);

	/* The same register again changes nothing. */
	cr_assert_eq(vet_import_people(client, p, 2, &r, &st), VET_OK, "%s",
	    st.message);
	cr_assert_eq(r.created, 0);
	cr_assert_eq(r.updated, 0);
	cr_assert_eq(r.unchanged, 2);
	cr_assert_eq(vet_import_people(client, &p[3], 1, &r, &st), VET_OK,
	    "%s (a stored leaver imported unchanged is no change)", st.message);
	cr_assert_eq(r.unchanged, 1);

	/* One changed, one new, one the same. */
	p[1].org_unit = "Another Unit";
	person(&p[2], &c[2], "c");
	cr_assert_eq(vet_import_people(client, p, 3, &r, &st), VET_OK, "%s",
	    st.message);
	cr_assert_eq(r.created, 1);
	cr_assert_eq(r.updated, 1);
	cr_assert_eq(r.unchanged, 1);
}

Test(import, leavers_suspensions_and_lapsed_clearances)
{
	vet_person p[2];
	vet_clearance c[2];
	vet_import_result r;
	vet_status st;

	person(&p[0], &c[0], "gone");
	p[0].status = VET_PERSON_LEAVER;
	p[0].status_reason = "resigned";
	c[0].status = VET_CLEARANCE_LAPSED;
	person(&p[1], &c[1], "paused");
	c[1].status = VET_CLEARANCE_SUSPENDED;
	c[1].status_reason = "aftercare";
	cr_assert_eq(vet_import_people(client, p, 2, &r, &st), VET_OK, "%s",
	    st.message);
	expect_check("gone", "SECRET", NULL, VET_DENY, "LEAVER");
	expect_check("paused", "SECRET", NULL, VET_DENY,
	    "CLEARANCE_SUSPENDED");

	/* A stored leaver cannot be brought back by an import. */
	p[0].status = VET_PERSON_ACTIVE;
	c[0].status = VET_CLEARANCE_GRANTED;
	cr_assert_eq(vet_import_people(client, p, 2, &r, &st),
	    VET_FAILED_PRECONDITION, "%s", st.message);
	cr_assert(strstr(st.message, "people[0]") != NULL, "%s", st.message);
	expect_check("gone", "SECRET", NULL, VET_DENY, "LEAVER");
}

/* bad_record imports [good, bad] and expects INVALID_ARGUMENT naming
 * people[1] and needle, with neither person stored. */
static void
expect_refused(vet_person *bad, const char *needle)
{
	vet_person p[2];
	vet_clearance c;
	vet_import_result r = { 7, 7, 7 };
	vet_status st;

	person(&p[0], &c, "good-one");
	p[1] = *bad;
	cr_assert_eq(vet_import_people(client, p, 2, &r, &st),
	    VET_INVALID_ARGUMENT, "%s: code %d (%s)", needle, st.code,
	    st.message);
	cr_assert(strstr(st.message, "people[1]") != NULL, "%s", st.message);
	cr_assert(strstr(st.message, needle) != NULL, "\"%s\" lacks \"%s\"",
	    st.message, needle);
	cr_assert_eq(r.created, 7, "the result was written on failure");
	expect_absent("good-one");
}

Test(import, every_bad_record_is_refused_whole)
{
	vet_person p;
	vet_clearance c, c2[2];
	vet_briefing b;

	define_compartment("ATOMAL");

	person(&p, &c, "bad id!");
	expect_refused(&p, "may hold only");
	person(&p, &c, "x");
	p.display_name = "";
	expect_refused(&p, "display_name is required");
	person(&p, &c, "x");
	p.email = "bad\x01mail";
	expect_refused(&p, "control characters");
	person(&p, &c, "x");
	p.nationality = "GBR";
	expect_refused(&p, "ISO 3166");
	person(&p, &c, "x");
	p.status = (vet_person_status)9;
	expect_refused(&p, "status must be");
	person(&p, &c, "x");
	p.source = (vet_person_source)5;
	expect_refused(&p, "source must be");
	person(&p, &c, "x");
	p.created_at = (int64_t)99999999999;
	expect_refused(&p, "created_at");
	person(&p, &c, "x");
	c.scheme = "army";
	expect_refused(&p, "unknown scheme");
	person(&p, &c, "x");
	c.level = "ULTRA";
	expect_refused(&p, "unknown level");
	person(&p, &c, "x");
	c.review_due = T0;
	expect_refused(&p, "review date");
	person(&p, &c, "x");
	c.granted_at = 0;
	expect_refused(&p, "granted_at is required");
	person(&p, &c, "x");
	c.status = (vet_clearance_status)7;
	expect_refused(&p, "clearance status");
	person(&p, &c, "x");
	c2[0] = c;
	c2[1] = c;
	c2[1].level = "DV";
	p.clearances = c2;
	p.n_clearances = 2;
	expect_refused(&p, "two clearances in scheme nsv");
	person(&p, &c, "x");
	p.status = VET_PERSON_LEAVER;
	expect_refused(&p, "leaver cannot hold");

	memset(&b, 0, sizeof(b));
	b.compartment = "NOSUCH";
	b.briefed_at = T0;
	person(&p, &c, "x");
	p.briefings = &b;
	p.n_briefings = 1;
	expect_refused(&p, "not a defined compartment");
	b.compartment = "UK EYES ONLY";
	expect_refused(&p, "not a defined compartment");
	b.compartment = "atomal";
	b.briefed_at = 0;
	expect_refused(&p, "briefed_at is required");
	b.briefed_at = T0;
	b.expires_at = T0 - DAY;
	expect_refused(&p, "expire after");
	b.expires_at = 0;
	b.debriefed_at = T0 - DAY;
	expect_refused(&p, "before its briefing");
	b.debriefed_at = 0;
	p.status = VET_PERSON_LEAVER;
	c.status = VET_CLEARANCE_LAPSED;
	expect_refused(&p, "leaver cannot be briefed");

	person(&p, &c, "good-one");
	expect_refused(&p, "same id appears twice");

	/* And vetd still takes a good import. */
	person(&p, &c, "fine");
	vet_status st;
	cr_assert_eq(vet_import_people(client, &p, 1, NULL, &st), VET_OK, "%s",
	    st.message);
}

Test(import, caps_on_the_client_and_the_server)
{
	vet_person p;
	vet_clearance c;
	vet_status st;

	person(&p, &c, "x");
	cr_assert_eq(vet_import_people(client, &p, 0, NULL, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_eq(vet_import_people(client, &p, 1001, NULL, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_eq(vet_import_people(client, NULL, 1, NULL, &st),
	    VET_INVALID_ARGUMENT);

	/* The server's own caps, past libvet: 0 and 1001 people. */
	size_t n = 1001;
	Vet__V1__Person *w = calloc(n, sizeof(*w));
	Vet__V1__Person **wp = calloc(n, sizeof(*wp));
	char (*ids)[16] = calloc(n, sizeof(*ids));
	cr_assert(w && wp && ids);
	for (size_t i = 0; i < n; i++) {
		vet__v1__person__init(&w[i]);
		snprintf(ids[i], sizeof(ids[i]), "cap-%zu", i);
		w[i].id = ids[i];
		w[i].display_name = "Cap";
		wp[i] = &w[i];
	}
	for (int round = 0; round < 2; round++) {
		Vet__V1__ImportPeopleRequest req =
		    VET__V1__IMPORT_PEOPLE_REQUEST__INIT;
		Vet__V1__RpcRequest env = VET__V1__RPC_REQUEST__INIT;
		Vet__V1__RpcResponse *resp;
		nng_socket sock;
		nng_msg *msg;
		uint8_t *payload;
		size_t len;

		req.n_people = round == 0 ? 0 : n;
		req.people = wp;
		len = vet__v1__import_people_request__get_packed_size(&req);
		payload = malloc(len + 1);
		vet__v1__import_people_request__pack(&req, payload);
		env.method = "/vet.v1.Vetting/ImportPeople";
		env.request_id = round == 0 ? "cap-zero" : "cap-over";
		env.payload.data = payload;
		env.payload.len = len;
		cr_assert_eq(nng_req0_open(&sock), 0);
		nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, 5000);
		cr_assert_eq(nng_dial(sock, vetd.url, NULL, 0), 0);
		len = vet__v1__rpc_request__get_packed_size(&env);
		cr_assert_eq(nng_msg_alloc(&msg, len), 0);
		vet__v1__rpc_request__pack(&env, nng_msg_body(msg));
		cr_assert_eq(nng_sendmsg(sock, msg, 0), 0);
		cr_assert_eq(nng_recvmsg(sock, &msg, 0), 0);
		resp = vet__v1__rpc_response__unpack(NULL, nng_msg_len(msg),
		    nng_msg_body(msg));
		cr_assert_not_null(resp);
		cr_assert_eq(resp->status->code, VET_INVALID_ARGUMENT, "%s",
		    resp->status->message);
		cr_assert(strstr(resp->status->message, "1 to 1000") != NULL,
		    "%s", resp->status->message);
		vet__v1__rpc_response__free_unpacked(resp, NULL);
		nng_msg_free(msg);
		nng_close(sock);
		free(payload);
	}
	free(w);
	free(wp);
	free(ids);
	expect_absent("cap-0");

	/* Exactly 1000 is fine. */
	vet_person *many = calloc(1000, sizeof(*many));
	char (*mids)[16] = calloc(1000, sizeof(*mids));
	cr_assert(many && mids);
	for (size_t i = 0; i < 1000; i++) {
		snprintf(mids[i], sizeof(mids[i]), "bulk-%04zu", i);
		many[i].id = mids[i];
		many[i].display_name = "Bulk";
	}
	vet_import_result r;
	cr_assert_eq(vet_import_people(client, many, 1000, &r, &st), VET_OK,
	    "%s", st.message);
	cr_assert_eq(r.created, 1000);
	free(many);
	free(mids);
	expect_check("bulk-0999", "OFFICIAL", NULL, VET_DENY, "NO_CLEARANCE");
}
