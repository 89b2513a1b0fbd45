/*
 * test_audit_events.c: the audit entries vetd writes on its own, end to
 * end against real vetd processes: decision_log all, deny and off record
 * exactly the expected checks, in batches that come without any write
 * and are flushed at a clean stop; rejected attempts are recorded,
 * coalesced; and a vetd killed with SIGKILL during a stream of writes
 * leaves no change without its entry and no entry without its change.
 */
#include <criterion/criterion.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit_helpers.h"

TestSuite(audit, .init = setup, .fini = teardown, .timeout = 120);

/*
 * The decision log.
 */

static void
start_with(const char *decision_log)
{
	char path[128];
	FILE *f;

	snprintf(conf_dir, sizeof(conf_dir), "/tmp/vetd-conf-XXXXXX");
	cr_assert_not_null(mkdtemp(conf_dir));
	snprintf(path, sizeof(path), "%s/vetd.conf", conf_dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fprintf(f, "decision_log = %s\n", decision_log);
	fclose(f);
	chmod(path, 0600);
	vet_client_close(&client);
	fixture_cleanup(&vetd);
	cr_assert_eq(fixture_start(&vetd, (const char *[]){ "-c", path,
	    NULL }), 0, "vetd did not start with decision_log = %s",
	    decision_log);
	connect_client();
}

static void
check_one(const char *id, const char *marking, const char *caveat)
{
	const char *caveats[1] = { caveat };
	vet_check_request req = { .person_id = id, .marking = marking,
	    .n_caveats = caveat != NULL, .caveats = caveats };
	vet_decision d;
	vet_status st;

	vet_check(client, &req, &d, &st);
	cr_assert(st.code == VET_OK || st.code == VET_INVALID_ARGUMENT, "%s",
	    st.message);
}

/* checks makes 7 decisions: 3 ALLOW, 4 DENY. Returns the revision. */
static uint64_t
checks(void)
{
	vet_person_spec spec = { .id = "d1", .display_name = "D",
	    .nationality = "GB" };
	vet_grant_spec g = { .person_id = "d1", .scheme = "nsv",
	    .level = "SC", .review_due = date("2040-01-01") };
	const char *eyes[1] = { "UK EYES ONLY" };
	vet_check_request batch[2] = {
		{ .person_id = "d1", .marking = "OFFICIAL" },
		{ .person_id = "d1", .marking = "SECRET", .n_caveats = 1,
		    .caveats = eyes },
	};
	vet_decision d[2];
	vet_health_info h;
	vet_status st;

	cr_assert_eq(vet_person_put(client, &spec, NULL, &st), VET_OK);
	cr_assert_eq(vet_clearance_grant(client, &g, NULL, &st), VET_OK);
	check_one("d1", "SECRET", NULL);		/* ALLOW */
	check_one("d1", "TOP SECRET", NULL);		/* DENY */
	check_one("nobody", "SECRET", NULL);		/* DENY */
	check_one("d1", "SEKRET", NULL);		/* DENY, status 3 */
	check_one("d1", "SECRET", "NO-SUCH");		/* DENY, status 3 */
	cr_assert_eq(vet_batch_check(client, batch, 2, d, &st), VET_OK);
	cr_assert_eq(vet_health(client, &h, &st), VET_OK);
	return h.revision;
}

static const char *const all_decisions[] = {
	"d1 SECRET: ALLOW GRANTED",
	"d1 TOP SECRET: DENY INSUFFICIENT_LEVEL",
	"nobody SECRET: DENY UNKNOWN_PERSON",
	"d1 SEKRET: DENY UNKNOWN_MARKING",
	"d1 SECRET with NO-SUCH: DENY UNKNOWN_CAVEAT",
	"d1 OFFICIAL: ALLOW GRANTED",
	"d1 SECRET with UK EYES ONLY: ALLOW GRANTED",
};

/* expect_decisions: the Check entries are exactly want[0..n). */
static void
expect_decisions(const char *const *want, size_t n, uint64_t revision)
{
	vet_audit_page *p = log_from(0, NULL);
	char got[512];
	size_t k = 0;

	for (size_t i = 0; i < p->n_entries; i++) {
		const vet_audit_entry *e = &p->entries[i];

		if (strcmp(e->method, "Check") != 0)
			continue;
		cr_assert_lt(k, n, "more Check entries than expected: %s",
		    e->change);
		snprintf(got, sizeof(got), "%s %s", e->person_id, e->change);
		cr_assert_str_eq(got, want[k]);
		cr_assert_eq(e->revision, revision);
		cr_assert_eq(strlen(e->request_id), 32, "%s", e->request_id);
		k++;
	}
	cr_assert_eq(k, n, "%zu Check entries, wanted %zu", k, n);
	vet_audit_page_free(p);
}

/* wait_checks waits, with a bound, until n Check entries are there. */
static void
wait_checks(size_t n)
{
	int64_t deadline = now_ms() + WAIT_MS;

	while (count_method("Check", 0) < n) {
		cr_assert_lt(now_ms(), deadline, "the batch never came");
		tick();
	}
}

TestSuite(decisions, .fini = teardown, .timeout = 120);

Test(decisions, all_records_every_check_in_batches)
{
	vet_health_info h;
	vet_status st;
	char path[128];
	uint64_t rev;

	start_with("all");
	rev = checks();
	wait_checks(7);		/* the batch came without any write */
	expect_decisions(all_decisions, 7, rev);
	/* Audit-only commits leave the revision alone. */
	cr_assert_eq(vet_health(client, &h, &st), VET_OK);
	cr_assert_eq(h.revision, rev);
	expect_verified(2 + 7);

	/* Decisions still queued at a clean stop are written first. */
	check_one("d1", "SECRET", NULL);
	vet_client_close(&client);
	cr_assert_eq(fixture_stop(&vetd), 0);
	snprintf(path, sizeof(path), "%s/vetd.conf", conf_dir);
	cr_assert_eq(fixture_restart(&vetd, (const char *[]){ "-c", path,
	    NULL }), 0);
	connect_client();
	cr_assert_eq(count_method("Check", 0), 8);
	expect_verified(2 + 8);
}

Test(decisions, deny_records_denials_only)
{
	const char *const want[] = { all_decisions[1], all_decisions[2],
	    all_decisions[3], all_decisions[4] };
	uint64_t rev;

	start_with("deny");
	rev = checks();
	wait_checks(4);
	expect_decisions(want, 4, rev);
}

Test(decisions, a_check_at_a_time_records_that_time)
{
	vet_person_spec spec = { .id = "d1", .display_name = "D",
	    .nationality = "GB" };
	vet_grant_spec g = { .person_id = "d1", .scheme = "nsv",
	    .level = "SC", .review_due = date("2040-01-01") };
	vet_check_request req = { .person_id = "d1", .marking = "SECRET",
	    .at = date("2031-06-01") };
	const char *const want[] = {
		"d1 SECRET as at 2031-06-01T00:00:00Z: ALLOW GRANTED",
		"d1 SECRET: ALLOW GRANTED",
	};
	vet_health_info h;
	vet_decision d;
	vet_status st;

	start_with("all");
	cr_assert_eq(vet_person_put(client, &spec, NULL, &st), VET_OK);
	cr_assert_eq(vet_clearance_grant(client, &g, NULL, &st), VET_OK);
	cr_assert_eq(vet_check(client, &req, &d, &st), VET_OK, "%s",
	    st.message);
	cr_assert_eq(d.effect, VET_ALLOW);
	check_one("d1", "SECRET", NULL);		/* now: no "as at" */
	cr_assert_eq(vet_health(client, &h, &st), VET_OK);
	wait_checks(2);
	expect_decisions(want, 2, h.revision);
}

Test(decisions, off_records_none)
{
	char path[128];

	start_with("off");
	checks();
	/* A clean stop commits whatever was queued: here, nothing. */
	vet_client_close(&client);
	cr_assert_eq(fixture_stop(&vetd), 0);
	snprintf(path, sizeof(path), "%s/vetd.conf", conf_dir);
	cr_assert_eq(fixture_restart(&vetd, (const char *[]){ "-c", path,
	    NULL }), 0);
	connect_client();
	cr_assert_eq(count_method("Check", 0), 0);
	expect_verified(2);
}

/*
 * Rejected attempts: counted by auth.c, written by the writer, coalesced.
 */

/* failures sums the counts in AuthFailure entries matching pattern. */
static unsigned
failures(const char *principal, const char *pattern)
{
	vet_audit_page *p = log_from(0, NULL);
	unsigned n = 0, c;

	for (size_t i = 0; i < p->n_entries; i++) {
		const vet_audit_entry *e = &p->entries[i];

		if (strcmp(e->method, "AuthFailure") != 0 ||
		    strcmp(e->principal, principal) != 0 ||
		    !glob(pattern, e->change))
			continue;
		if (sscanf(e->change, "%u attempt", &c) == 1)
			n += c;
		cr_assert_eq(e->revision, 0);
	}
	vet_audit_page_free(p);
	return n;
}

Test(audit, rejected_attempts_are_recorded_coalesced)
{
	Vet__V1__HealthRequest h = VET__V1__HEALTH_REQUEST__INIT;
	vet_options opts = { .timeout_ms = 5000 };
	vet_person_spec spec = { .id = "z", .display_name = "Z" };
	vet_client *reader = NULL;
	vet_status st;
	char *token = NULL, bogus[64];
	int64_t deadline;

	/* 25 requests with a token vetd never issued. */
	raw_open();
	memset(bogus, 'A', sizeof(bogus));
	memcpy(bogus, "vetd_", 5);
	bogus[48] = '\0';
	for (int i = 0; i < 25; i++) {
		Vet__V1__RpcResponse *resp = frame_call(sock, "Health", "",
		    &h.base, bogus);
		cr_assert_not_null(resp);
		cr_assert_eq(resp->status->code, 16, "%s",
		    resp->status->message);
		vet__v1__rpc_response__free_unpacked(resp, NULL);
	}
	/* A reader token calling a write it may not make. */
	cr_assert_eq(vet_token_create(client, "app-reader",
	    VET_ROLE_BIT(VET_ROLE_READER), &token, NULL, &st), VET_OK, "%s",
	    st.message);
	opts.token = token;
	cr_assert_eq(vet_client_open(&reader, vetd.url, &opts, &st), VET_OK);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(vet_person_put(reader, &spec, NULL, &st),
		    VET_PERMISSION_DENIED, "%s", st.message);
	vet_client_close(&reader);
	vet_token_free(token);

	deadline = now_ms() + WAIT_MS;
	while (failures("", "* UNAUTHENTICATED on Health *") < 25 ||
	    failures("app-reader", "* PERMISSION_DENIED on PutPerson *") < 3) {
		cr_assert_lt(now_ms(), deadline, "the attempts were not "
		    "recorded");
		tick();
	}
	cr_assert_eq(failures("", "* UNAUTHENTICATED on Health *"), 25);
	cr_assert_eq(failures("app-reader", "*"), 3, "%s", dump());
	/* Coalesced: far fewer entries than attempts. */
	cr_assert_leq(count_method("AuthFailure", 0), 4);
	cr_assert_eq(count_method("PutPerson", 0), 0);
	expect_verified(head());
}

/*
 * Crash consistency: SIGKILL during a stream of writes.
 */

#define CRASH_THREADS	4
#define CRASH_WRITES	2000
#define CRASH_KILL_AT	60	/* acknowledged writes before the kill */

struct crash_writer {
	pthread_t thread;
	int	id;
	int	acked[CRASH_WRITES];
	int	n_acked;
};

static atomic_int crash_total;

static void *
crash_write(void *arg)
{
	struct crash_writer *w = arg;
	Vet__V1__PutPersonRequest put = VET__V1__PUT_PERSON_REQUEST__INIT;
	Vet__V1__RpcResponse *resp;
	char id[32], rid[32], name[32];
	nng_socket s;

	if (nng_req0_open(&s) != 0)
		return NULL;
	nng_socket_set_ms(s, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 3000);
	nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, 3000);
	if (nng_dial(s, vetd.url, NULL, 0) != 0) {
		nng_close(s);
		return NULL;
	}
	put.id = id;
	put.display_name = name;
	for (int i = 0; i < CRASH_WRITES; i++) {
		snprintf(id, sizeof(id), "k%d-%d", w->id, i);
		snprintf(rid, sizeof(rid), "crash-%d-%d", w->id, i);
		snprintf(name, sizeof(name), "Name %d-%d", w->id, i);
		if ((resp = frame_call(s, "PutPerson", rid, &put.base,
		    NULL)) == NULL)
			break;		/* vetd is gone */
		int ok = resp->status != NULL && resp->status->code == 0;
		vet__v1__rpc_response__free_unpacked(resp, NULL);
		if (!ok)
			break;
		w->acked[w->n_acked++] = i;
		atomic_fetch_add(&crash_total, 1);
	}
	nng_close(s);
	return NULL;
}

static const vet_audit_entry *
find_rid(const vet_audit_page *p, const char *rid)
{
	for (size_t i = 0; i < p->n_entries; i++)
		if (strcmp(p->entries[i].request_id, rid) == 0)
			return &p->entries[i];
	return NULL;
}

Test(audit, kill_during_writes_keeps_changes_and_entries_together)
{
	static struct crash_writer w[CRASH_THREADS];
	vet_audit_page *log;
	vet_person_page *page;
	vet_status st;
	char rid[32], want[64], token[160] = "";
	size_t people = 0, entries = 0;
	int64_t deadline;

	for (int t = 0; t < CRASH_THREADS; t++) {
		w[t].id = t;
		cr_assert_eq(pthread_create(&w[t].thread, NULL, crash_write,
		    &w[t]), 0);
	}
	deadline = now_ms() + 30000;
	while (atomic_load(&crash_total) < CRASH_KILL_AT) {
		cr_assert_lt(now_ms(), deadline, "the writes did not start");
		tick();
	}
	fixture_kill(&vetd);		/* writes in flight */
	for (int t = 0; t < CRASH_THREADS; t++)
		pthread_join(w[t].thread, NULL);
	vet_client_close(&client);
	cr_assert_eq(fixture_restart(&vetd, NULL), 0);
	connect_client();

	log = log_from(0, NULL);
	/* Every acknowledged write has its entry, saying what it did. */
	for (int t = 0; t < CRASH_THREADS; t++) {
		for (int k = 0; k < w[t].n_acked; k++) {
			const vet_audit_entry *e;

			snprintf(rid, sizeof(rid), "crash-%d-%d", t,
			    w[t].acked[k]);
			cr_assert_not_null(e = find_rid(log, rid),
			    "acknowledged write %s has no entry", rid);
			snprintf(want, sizeof(want), "created; display_name: "
			    "\"Name %d-%d\"*", t, w[t].acked[k]);
			cr_assert(glob(want, e->change), "%s", e->change);
		}
	}
	/* Every entry's change is in the store, and nothing else is. */
	for (size_t i = 0; i < log->n_entries; i++) {
		const vet_audit_entry *e = &log->entries[i];
		vet_person *p = NULL;

		cr_assert_str_eq(e->method, "PutPerson");
		cr_assert_eq(vet_person_get(client, e->person_id, &p, &st),
		    VET_OK, "entry %llu: person %s is missing",
		    (unsigned long long)e->seq, e->person_id);
		snprintf(want, sizeof(want), "created; display_name: \"%s\"*",
		    p->display_name);
		cr_assert(glob(want, e->change), "%s vs %s", e->change,
		    p->display_name);
		vet_person_free(p);
		entries++;
	}
	do {
		cr_assert_eq(vet_person_list(client, VET_PERSON_ANY, 1000,
		    token, &page, &st), VET_OK);
		people += page->n_people;
		snprintf(token, sizeof(token), "%s", page->next_page_token);
		vet_person_page_free(page);
	} while (token[0] != '\0');
	cr_assert_eq(people, entries, "%zu people, %zu entries", people,
	    entries);
	cr_assert_geq(entries, CRASH_KILL_AT);
	vet_audit_page_free(log);
	expect_verified(entries);
}

Test(decisions, a_bad_setting_is_refused_with_its_line)
{
	char path[128];
	FILE *f;

	snprintf(conf_dir, sizeof(conf_dir), "/tmp/vetd-conf-XXXXXX");
	cr_assert_not_null(mkdtemp(conf_dir));
	snprintf(path, sizeof(path), "%s/vetd.conf", conf_dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fprintf(f, "log_level = info\ndecision_log = some\n");
	fclose(f);
	chmod(path, 0600);
	cr_assert_eq(run_cmd((const char *[]){ test_bin("VETD_BIN"), "-n",
	    "-c", path, NULL }, out, sizeof(out), err, sizeof(err)), 2,
	    "%s%s", out, err);
	cr_assert(strstr(err, "vetd.conf:2: decision_log must be off, deny or "
	    "all, not \"some\"") != NULL, "%s", err);
}
