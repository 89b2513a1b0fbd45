/*
 * test_libvet.c: end to end through libvet against a real vetd over ipc
 * (and tcp): the vetting unit's and HR's writes, the checks applications
 * make, every failure path with its exact status, and durability across a
 * restart.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <vet/vet.h>

#include "fixture.h"

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

TestSuite(libvet, .init = setup, .fini = teardown, .timeout = 60);

static int64_t
days_from_now(int days)
{
	return (int64_t)time(NULL) + (int64_t)days * 86400;
}

static void
put_person(const char *id, const char *nationality)
{
	vet_person_spec spec = { .id = id, .display_name = "Test Person",
	    .email = "t@example.org", .org_unit = "Ops",
	    .nationality = nationality };
	vet_status st;
	cr_assert_eq(vet_person_put(client, &spec, NULL, &st), VET_OK, "%s",
	    st.message);
}

static void
grant(const char *id, const char *scheme, const char *level)
{
	vet_grant_spec g = { .person_id = id, .scheme = scheme, .level = level,
	    .review_due = days_from_now(3650), .authority = "UKSV",
	    .reference = "REF-1" };
	vet_status st;
	cr_assert_eq(vet_clearance_grant(client, &g, NULL, &st), VET_OK, "%s",
	    st.message);
}

/* expect_check asserts the decision for (id, marking, caveat or NULL). */
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
	cr_assert_eq(d.effect, effect, "%s %s %s: effect %d (%s: %s)", id,
	    marking, caveat ? caveat : "", d.effect, d.reason_name,
	    d.explanation);
	cr_assert_str_eq(d.reason_name, reason, "%s %s: %s", id, marking,
	    d.explanation);
}

Test(libvet, done_when_walkthrough)
{
	vet_status st;
	vet_person *p = NULL;

	put_person("alice", "GB");
	grant("alice", "nsv", "SC");
	expect_check("alice", "SECRET", NULL, VET_ALLOW, "GRANTED");
	expect_check("alice", "TOP SECRET", NULL, VET_DENY,
	    "INSUFFICIENT_LEVEL");
	expect_check("alice", "SECRET", "UK EYES ONLY", VET_ALLOW, "GRANTED");

	put_person("bob", "FR");
	grant("bob", "nsv", "SC");
	expect_check("bob", "SECRET", "UK EYES ONLY", VET_DENY, "NATIONALITY");

	cr_assert_eq(vet_leaver(client, "alice", "left the force", &p, &st),
	    VET_OK, "%s", st.message);
	cr_assert_eq(p->status, VET_PERSON_LEAVER);
	cr_assert_eq(p->clearances[0].status, VET_CLEARANCE_LAPSED);
	vet_person_free(p);
	expect_check("alice", "SECRET", NULL, VET_DENY, "LEAVER");

	/* Stop with SIGTERM, start again: everything is still there. */
	vet_client_close(&client);
	cr_assert_eq(fixture_stop(&vetd), 0, "vetd did not exit 0");
	cr_assert_eq(fixture_restart(&vetd, NULL), 0);
	cr_assert_eq(vet_client_open(&client, vetd.url, NULL, &st), VET_OK);
	expect_check("alice", "SECRET", NULL, VET_DENY, "LEAVER");
	expect_check("bob", "SECRET", NULL, VET_ALLOW, "GRANTED");
	cr_assert_eq(vet_person_get(client, "bob", &p, &st), VET_OK);
	cr_assert_str_eq(p->nationality, "FR");
	cr_assert_eq(p->n_clearances, 1);
	cr_assert_str_eq(p->clearances[0].level, "SC");
	vet_person_free(p);
}

Test(libvet, revision_counts_commits_and_failed_write_changes_nothing)
{
	vet_status st;
	vet_health_info h;
	uint64_t before;

	cr_assert_eq(vet_health(client, &h, &st), VET_OK);
	cr_assert_eq(h.revision, 0);
	cr_assert_str_eq(h.status, "SERVING");
	cr_assert_eq(strlen(h.policy_digest), 64);
	put_person("p1", "GB");
	cr_assert_eq(vet_health(client, &h, &st), VET_OK);
	cr_assert_eq(h.revision, 1);
	before = h.revision;

	vet_grant_spec bad = { .person_id = "p1", .scheme = "nsv",
	    .level = "ULTRA", .review_due = days_from_now(10) };
	cr_assert_eq(vet_clearance_grant(client, &bad, NULL, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert(strstr(st.message, "ULTRA") != NULL, "%s", st.message);
	cr_assert_eq(st.revision, before);
	cr_assert_eq(vet_health(client, &h, &st), VET_OK);
	cr_assert_eq(h.revision, before);
}

Test(libvet, person_validation_statuses)
{
	vet_status st;
	char long_name[300];
	vet_person_spec spec = { .id = "ok-id", .display_name = "N" };

	spec.id = "bad id";
	cr_assert_eq(vet_person_put(client, &spec, NULL, &st),
	    VET_INVALID_ARGUMENT);
	spec.id = "";
	cr_assert_eq(vet_person_put(client, &spec, NULL, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_str_eq(st.message, "id is required");
	spec.id = "ok-id";
	spec.display_name = "";
	cr_assert_eq(vet_person_put(client, &spec, NULL, &st),
	    VET_INVALID_ARGUMENT);
	memset(long_name, 'x', 257);
	long_name[257] = '\0';
	spec.display_name = long_name;
	cr_assert_eq(vet_person_put(client, &spec, NULL, &st),
	    VET_INVALID_ARGUMENT);
	spec.display_name = "Ok";
	spec.nationality = "GBR";
	cr_assert_eq(vet_person_put(client, &spec, NULL, &st),
	    VET_INVALID_ARGUMENT);
	spec.nationality = "gb";
	vet_person *p = NULL;
	cr_assert_eq(vet_person_put(client, &spec, &p, &st), VET_OK);
	cr_assert_str_eq(p->nationality, "GB");
	cr_assert_eq(p->status, VET_PERSON_ACTIVE);
	vet_person_free(p);
	p = NULL;
	cr_assert_eq(vet_person_get(client, "nobody", &p, &st), VET_NOT_FOUND);
	cr_assert_str_eq(st.message, "no person with id nobody");
	cr_assert_eq(p, NULL);
}

Test(libvet, clearance_lifecycle_statuses)
{
	vet_status st;

	put_person("c1", "GB");
	vet_grant_spec g = { .person_id = "ghost", .scheme = "nsv",
	    .level = "SC", .review_due = days_from_now(100) };
	cr_assert_eq(vet_clearance_grant(client, &g, NULL, &st), VET_NOT_FOUND);
	g.person_id = "c1";
	g.scheme = "army";
	cr_assert_eq(vet_clearance_grant(client, &g, NULL, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert(strstr(st.message, "army") != NULL);
	g.scheme = "nsv";
	g.review_due = 0;
	cr_assert_eq(vet_clearance_grant(client, &g, NULL, &st),
	    VET_INVALID_ARGUMENT);
	g.review_due = days_from_now(-1);
	g.granted_at = days_from_now(-10);
	cr_assert_eq(vet_clearance_grant(client, &g, NULL, &st), VET_OK);
	expect_check("c1", "SECRET", NULL, VET_DENY, "CLEARANCE_EXPIRED");
	grant("c1", "nsv", "SC");
	expect_check("c1", "SECRET", NULL, VET_ALLOW, "GRANTED");

	cr_assert_eq(vet_clearance_set_status(client, "c1", "nsv",
	    VET_ACTION_SUSPEND, "", NULL, &st), VET_INVALID_ARGUMENT);
	cr_assert_eq(vet_clearance_set_status(client, "c1", "police",
	    VET_ACTION_SUSPEND, "x", NULL, &st), VET_NOT_FOUND);
	cr_assert_eq(vet_clearance_set_status(client, "c1", "nsv",
	    VET_ACTION_REINSTATE, "x", NULL, &st), VET_FAILED_PRECONDITION);
	cr_assert_eq(vet_clearance_set_status(client, "c1", "nsv",
	    VET_ACTION_SUSPEND, "pending assessment", NULL, &st), VET_OK);
	expect_check("c1", "SECRET", NULL, VET_DENY, "CLEARANCE_SUSPENDED");
	cr_assert_eq(vet_clearance_set_status(client, "c1", "nsv",
	    VET_ACTION_SUSPEND, "again", NULL, &st), VET_FAILED_PRECONDITION);
	cr_assert_eq(vet_clearance_set_status(client, "c1", "nsv",
	    VET_ACTION_REINSTATE, "cleared", NULL, &st), VET_OK);
	expect_check("c1", "SECRET", NULL, VET_ALLOW, "GRANTED");
	cr_assert_eq(vet_clearance_set_status(client, "c1", "nsv",
	    VET_ACTION_WITHDRAW, "withdrawn on appeal", NULL, &st), VET_OK);
	expect_check("c1", "SECRET", NULL, VET_DENY, "CLEARANCE_WITHDRAWN");
	cr_assert_eq(vet_clearance_set_status(client, "c1", "nsv",
	    VET_ACTION_WITHDRAW, "twice", NULL, &st), VET_FAILED_PRECONDITION);
}

Test(libvet, person_suspension_and_leaver_statuses)
{
	vet_status st;

	put_person("s1", "GB");
	grant("s1", "nsv", "DV");
	cr_assert_eq(vet_person_set_status(client, "s1", VET_ACTION_REINSTATE,
	    "x", NULL, &st), VET_FAILED_PRECONDITION);
	cr_assert_eq(vet_person_set_status(client, "s1", VET_ACTION_WITHDRAW,
	    "x", NULL, &st), VET_INVALID_ARGUMENT);
	cr_assert_eq(vet_person_set_status(client, "s1", VET_ACTION_SUSPEND,
	    "disciplinary", NULL, &st), VET_OK);
	expect_check("s1", "TOP SECRET", NULL, VET_DENY, "SUSPENDED");
	cr_assert_eq(vet_person_set_status(client, "s1", VET_ACTION_REINSTATE,
	    "cleared", NULL, &st), VET_OK);
	expect_check("s1", "TOP SECRET", NULL, VET_ALLOW, "GRANTED");

	cr_assert_eq(vet_leaver(client, "s1", "", NULL, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_eq(vet_leaver(client, "nobody", "left", NULL, &st),
	    VET_NOT_FOUND);
	cr_assert_eq(vet_leaver(client, "s1", "resigned", NULL, &st), VET_OK);
	cr_assert_eq(vet_leaver(client, "s1", "resigned", NULL, &st),
	    VET_FAILED_PRECONDITION);
	vet_grant_spec g = { .person_id = "s1", .scheme = "nsv",
	    .level = "SC", .review_due = days_from_now(100) };
	cr_assert_eq(vet_clearance_grant(client, &g, NULL, &st),
	    VET_FAILED_PRECONDITION);
	cr_assert(strstr(st.message, "leaver") != NULL);
	cr_assert_eq(vet_person_set_status(client, "s1", VET_ACTION_SUSPEND,
	    "x", NULL, &st), VET_FAILED_PRECONDITION);
	expect_check("s1", "OFFICIAL", NULL, VET_DENY, "LEAVER");
}

Test(libvet, caveats_and_briefings)
{
	vet_status st;
	vet_person *p = NULL;
	vet_caveat_list *list = NULL;
	const char *nat[] = { "GB", "US" };
	vet_caveat_spec comp = { .name = "Zircon", .kind =
	    VET_CAVEAT_COMPARTMENT, .min_scheme = "nsv", .min_level = "DV" };
	vet_caveat_spec fvey = { .name = "UK US EYES ONLY", .kind =
	    VET_CAVEAT_NATIONAL, .n_nationalities = 2, .nationalities = nat };
	vet_caveat_spec builtin = { .name = "uk eyes only", .kind =
	    VET_CAVEAT_NATIONAL, .n_nationalities = 1, .nationalities = nat };
	vet_caveat_spec marking = { .name = "SECRET", .kind =
	    VET_CAVEAT_COMPARTMENT };

	cr_assert_eq(vet_caveat_define(client, &comp, NULL, &st), VET_OK, "%s",
	    st.message);
	cr_assert_eq(vet_caveat_define(client, &comp, NULL, &st), VET_OK);
	comp.min_level = "SC";
	cr_assert_eq(vet_caveat_define(client, &comp, NULL, &st),
	    VET_ALREADY_EXISTS);
	cr_assert_eq(vet_caveat_define(client, &builtin, NULL, &st),
	    VET_ALREADY_EXISTS);
	cr_assert_eq(vet_caveat_define(client, &marking, NULL, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_eq(vet_caveat_define(client, &fvey, NULL, &st), VET_OK);
	cr_assert_eq(vet_caveat_list_get(client, &list, &st), VET_OK);
	cr_assert_eq(list->n_caveats, 3);
	cr_assert_str_eq(list->caveats[0].name, "UK EYES ONLY");
	cr_assert_eq(list->caveats[0].builtin, 1);
	cr_assert_str_eq(list->caveats[2].name, "ZIRCON");
	cr_assert_str_eq(list->caveats[2].min_level, "DV");
	vet_caveat_list_free(list);

	put_person("b1", "US");
	grant("b1", "nsv", "DV");
	expect_check("b1", "SECRET", "ZIRCON", VET_DENY, "NOT_BRIEFED");
	cr_assert_eq(vet_brief(client, "b1", "NOPE", 0, NULL, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_eq(vet_brief(client, "b1", "UK US EYES ONLY", 0, NULL, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_eq(vet_brief(client, "b1", "zircon", days_from_now(-1),
	    NULL, &st), VET_INVALID_ARGUMENT);
	cr_assert_eq(vet_debrief(client, "b1", "zircon", "x", NULL, &st),
	    VET_NOT_FOUND);
	cr_assert_eq(vet_brief(client, "b1", "zircon", days_from_now(30), &p,
	    &st), VET_OK);
	cr_assert_eq(p->n_briefings, 1);
	cr_assert_str_eq(p->briefings[0].compartment, "ZIRCON");
	vet_person_free(p);
	expect_check("b1", "SECRET", "Zircon", VET_ALLOW, "GRANTED");
	expect_check("b1", "SECRET", "UK US EYES ONLY", VET_ALLOW, "GRANTED");
	expect_check("b1", "SECRET", "UK EYES ONLY", VET_DENY, "NATIONALITY");
	cr_assert_eq(vet_debrief(client, "b1", "zircon", "", NULL, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_eq(vet_debrief(client, "b1", "zircon", "moved post", NULL,
	    &st), VET_OK);
	cr_assert_eq(vet_debrief(client, "b1", "zircon", "again", NULL, &st),
	    VET_FAILED_PRECONDITION);
	expect_check("b1", "SECRET", "ZIRCON", VET_DENY, "NOT_BRIEFED");
}

Test(libvet, unknown_marking_and_caveat_are_invalid_and_deny)
{
	vet_status st;
	vet_decision d;
	const char *cav[] = { "NO SUCH CAVEAT" };
	vet_check_request req = { .person_id = "x", .marking = "SEKRET" };

	put_person("x", "GB");
	grant("x", "nsv", "DV");
	cr_assert_eq(vet_check(client, &req, &d, &st), VET_INVALID_ARGUMENT);
	cr_assert_eq(d.effect, VET_DENY);
	cr_assert_str_eq(d.reason_name, "UNKNOWN_MARKING");
	cr_assert(strstr(st.message, "SEKRET") != NULL, "%s", st.message);
	req.marking = "SECRET";
	req.n_caveats = 1;
	req.caveats = cav;
	cr_assert_eq(vet_check(client, &req, &d, &st), VET_INVALID_ARGUMENT);
	cr_assert_str_eq(d.reason_name, "UNKNOWN_CAVEAT");
	req.n_caveats = 0;
	req.person_id = "bad id!";
	cr_assert_eq(vet_check(client, &req, &d, &st), VET_INVALID_ARGUMENT);
	cr_assert_str_eq(d.reason_name, "INVALID_REQUEST");
	req.person_id = "nobody";
	cr_assert_eq(vet_check(client, &req, &d, &st), VET_OK);
	cr_assert_str_eq(d.reason_name, "UNKNOWN_PERSON");
	cr_assert_eq(d.effect, VET_DENY);
	req.person_id = "x";
	req.min_revision = 1000;
	cr_assert_eq(vet_check(client, &req, &d, &st),
	    VET_FAILED_PRECONDITION);
	cr_assert_eq(d.effect, VET_DENY);
	req.marking = "secret";
	req.min_revision = 2;
	cr_assert_eq(vet_check(client, &req, &d, &st), VET_OK);
	cr_assert_eq(d.effect, VET_ALLOW);
	cr_assert_eq(d.revision, 2);
	cr_assert(d.valid_until > 0);
}

Test(libvet, batch_check)
{
	vet_status st;
	static vet_check_request reqs[1001];
	static vet_decision out[1001];

	put_person("a", "GB");
	grant("a", "nsv", "SC");
	for (size_t i = 0; i < 1001; i++) {
		reqs[i].person_id = i % 3 == 0 ? "a" : i % 3 == 1 ? "zz" : "a";
		reqs[i].marking = i % 3 == 2 ? "TOP SECRET" : "SECRET";
	}
	reqs[5].marking = "BOGUS";
	cr_assert_eq(vet_batch_check(client, reqs, 1000, out, &st), VET_OK,
	    "%s", st.message);
	cr_assert_eq(out[0].effect, VET_ALLOW);
	cr_assert_str_eq(out[1].reason_name, "UNKNOWN_PERSON");
	cr_assert_str_eq(out[2].reason_name, "INSUFFICIENT_LEVEL");
	cr_assert_str_eq(out[5].reason_name, "UNKNOWN_MARKING");
	cr_assert_eq(out[999].effect, VET_ALLOW);
	cr_assert_eq(vet_batch_check(client, reqs, 1001, out, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_eq(out[0].effect, VET_DENY);
}

Test(libvet, list_people_pages_and_filters)
{
	vet_status st;
	vet_person_page *page = NULL;
	char id[16];

	for (int i = 0; i < 25; i++) {
		snprintf(id, sizeof(id), "p%02d", i);
		put_person(id, "GB");
	}
	cr_assert_eq(vet_leaver(client, "p03", "left", NULL, &st), VET_OK);
	cr_assert_eq(vet_person_list(client, VET_PERSON_ANY, 10, "", &page,
	    &st), VET_OK);
	cr_assert_eq(page->n_people, 10);
	cr_assert_str_eq(page->people[0].id, "p00");
	cr_assert_str_eq(page->next_page_token, "p09");
	vet_person_page_free(page);
	cr_assert_eq(vet_person_list(client, VET_PERSON_ANY, 10, "p19", &page,
	    &st), VET_OK);
	cr_assert_eq(page->n_people, 5);
	cr_assert_str_eq(page->next_page_token, "");
	vet_person_page_free(page);
	cr_assert_eq(vet_person_list(client, VET_PERSON_LEAVER, 0, "", &page,
	    &st), VET_OK);
	cr_assert_eq(page->n_people, 1);
	cr_assert_str_eq(page->people[0].id, "p03");
	vet_person_page_free(page);
	cr_assert_eq(vet_person_list(client, VET_PERSON_ANY, 1001, "", &page,
	    &st), VET_INVALID_ARGUMENT);
}

struct hammer {
	vet_client *c;
	int allows;
	int failures;
};

static void *
hammer_checks(void *arg)
{
	struct hammer *h = arg;
	vet_check_request req = { .person_id = "t", .marking = "SECRET" };
	vet_decision d;
	vet_status st;

	for (int i = 0; i < 300; i++) {
		if (vet_check(h->c, &req, &d, &st) == VET_OK &&
		    d.effect == VET_ALLOW)
			h->allows++;
		else
			h->failures++;
	}
	return NULL;
}

Test(libvet, many_threads_share_one_client)
{
	pthread_t th[8];
	struct hammer h[8];

	put_person("t", "GB");
	grant("t", "nsv", "SC");
	for (int i = 0; i < 8; i++) {
		h[i] = (struct hammer){ .c = client };
		pthread_create(&th[i], NULL, hammer_checks, &h[i]);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		cr_assert_eq(h[i].allows, 300, "thread %d: %d failures", i,
		    h[i].failures);
	}
}

Test(libvet, tcp_listener_and_unreachable_server)
{
	vet_status st;
	vet_client *tc = NULL;
	struct vetd_proc v2;
	char url[64];
	int port = fixture_free_port();

	cr_assert_gt(port, 0);
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", port);
	const char *extra[] = { "--listen", url, NULL };
	cr_assert_eq(fixture_start(&v2, extra), 0);
	cr_assert_eq(vet_client_open(&tc, url, NULL, &st), VET_OK, "%s",
	    st.message);
	vet_health_info h;
	/* vetd answers over tcp; with no token, only to refuse the call
	 * (tcp has no peer uid: docs/SECURITY.md). */
	cr_assert_eq(vet_health(tc, &h, &st), VET_UNAUTHENTICATED, "%s",
	    st.message);
	vet_client_close(&tc);
	fixture_cleanup(&v2);

	cr_assert_eq(vet_client_open(&tc, "ipc:///tmp/vetd-test-none/x.sock",
	    NULL, &st), VET_UNAVAILABLE);
	cr_assert_eq(tc, NULL);
}
