/*
 * test_batch_check.c: BatchCheck end to end against a real vetd over ipc,
 * loaded with the benchmarks' population (vet-dataset through
 * ImportPeople). vetd now writes BatchCheck's reply by hand
 * (server/decision_encode.c) and reads people with a hand-written decoder
 * (server/record_decode.c); libvet packs the request and reads the reply
 * by hand too (client/batch_pack.c, client/batch_reply.c), and every
 * reply vetd sends here, errors included, must be read that way, none
 * left to protobuf-c (batch_reply_declines). Each decision of a batch
 * must be exactly the decision a single Check gives for the same request
 * (effect, reason, explanation, valid_until, revision, policy digest,
 * time), over the dataset's dozen reasons, invalid requests, unknown
 * markings and caveats, and checks at past times; and a batch of 1,000
 * decisions with the longest ids (once too large for the first chunk of
 * libvet's arena) must come back whole. The error replies: an empty batch vetd refuses,
 * and a vetd that does not know the caller's token, whose refusal every
 * check of the batch fails closed with, in vet_check's words.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <vet/vet.h>

#include "auth_fixture.h"
#include "batch_wire.h"
#include "fixture.h"
#include "gen.h"

#define PEOPLE	2000
#define N	1000

/* vet.v1.Reason values (vet_decision.reason). */
#define R_GRANTED		1
#define R_UNKNOWN_MARKING	13
#define R_UNKNOWN_CAVEAT	14
#define R_INVALID_REQUEST	15

static struct vetd_proc vetd;
static vet_client *client;

static void
setup(void)
{
	const char *dataset = getenv("VET_DATASET_BIN");
	char people[16];
	vet_status st;
	pid_t pid;
	int status;

	cr_assert_not_null(dataset, "VET_DATASET_BIN is not set");
	cr_assert_eq(fixture_start(&vetd, NULL), 0, "vetd did not start");
	snprintf(people, sizeof(people), "%d", PEOPLE);
	cr_assert_neq(pid = fork(), -1);
	if (pid == 0) {
		execl(dataset, dataset, "--people", people, "--url", vetd.url,
		    (char *)NULL);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "vet-dataset failed (%d)", status);
	cr_assert_eq(vet_client_open(&client, vetd.url, NULL, &st), VET_OK,
	    "%s", st.message);
}

static void
teardown(void)
{
	vet_client_close(&client);
	fixture_cleanup(&vetd);
}

TestSuite(batch_check, .init = setup, .fini = teardown, .timeout = 120);

static struct gen_query qs[N];
static vet_check_request reqs[N];
static vet_decision batch[N], single[N];
static const char *odd_caveats[] = { "NO SUCH CAVEAT" };

/* requests fills reqs: the load generator's mix, with odd ones among. */
static void
requests(int64_t now)
{
	uint64_t rng = 42;

	for (size_t i = 0; i < N; i++) {
		gen_query(&rng, 1, PEOPLE, now, &qs[i]);
		reqs[i] = (vet_check_request){ .person_id = qs[i].person_id,
		    .marking = qs[i].marking, .n_caveats = qs[i].n_caveats,
		    .caveats = qs[i].caveats };
		switch (i % 50) {
		case 7: reqs[i].person_id = "bad id!"; break;
		case 11: reqs[i].marking = "SEKRET"; break;
		case 13:
			reqs[i].n_caveats = 1;
			reqs[i].caveats = odd_caveats;
			break;
		case 17: reqs[i].at = 1500000000; break;	/* 2017 */
		case 19: reqs[i].at = 1700000000; break;	/* 2023 */
		case 23: reqs[i].person_id = "p9999999"; break;
		default: break;
		}
	}
}

/* run_once checks all N both ways; 0 when every pair was decided in the
 * same second (else the caller runs it again). */
static int
run_once(size_t *reasons)
{
	vet_status st;
	int64_t batch_at;

	cr_assert_eq(vet_batch_check(client, reqs, N, batch, &st), VET_OK,
	    "%s", st.message);
	cr_assert_eq(batch_reply_declines(), 0, "a reply left to protobuf-c");
	batch_at = batch[0].decided_at;
	for (size_t i = 0; i < N; i++) {
		vet_check(client, &reqs[i], &single[i], &st);
		if (single[i].decided_at != batch_at)
			return -1;
	}
	for (size_t i = 0; i < N; i++) {
		const vet_decision *b = &batch[i], *s = &single[i];

		cr_assert_eq(b->effect, s->effect, "check %zu", i);
		cr_assert_eq(b->reason, s->reason, "check %zu", i);
		cr_assert_str_eq(b->reason_name, s->reason_name);
		cr_assert_str_eq(b->explanation, s->explanation,
		    "check %zu", i);
		cr_assert_eq(b->valid_until, s->valid_until, "check %zu", i);
		cr_assert_eq(b->revision, s->revision);
		cr_assert_str_eq(b->policy_digest, s->policy_digest);
		cr_assert_eq(strlen(b->policy_digest), 64);
		cr_assert_eq(b->decided_at, batch_at);
		cr_assert_eq(b->at, reqs[i].at != 0 &&
		    b->reason != R_INVALID_REQUEST ?
		    reqs[i].at : batch_at, "check %zu", i);
		cr_assert_eq(b->at, s->at);
		if (b->reason >= 0 && b->reason < 16)
			reasons[b->reason]++;
	}
	return 0;
}

Test(batch_check, every_decision_is_the_single_checks)
{
	size_t reasons[16] = { 0 }, distinct = 0;
	int tries = 0;

	requests((int64_t)time(NULL));
	while (run_once(reasons) != 0)
		cr_assert_lt(++tries, 5, "the clock kept ticking mid-run");
	for (size_t r = 0; r < 16; r++)
		distinct += reasons[r] > 0;
	/* The mix really is mixed: allows, the dataset's denials, and the
	 * odd requests' INVALID_REQUEST, UNKNOWN_MARKING, UNKNOWN_CAVEAT. */
	cr_assert_gt(reasons[R_GRANTED], N / 2);
	cr_assert_eq(reasons[R_INVALID_REQUEST], N / 50);
	cr_assert_geq(reasons[R_UNKNOWN_MARKING], N / 50);
	cr_assert_geq(reasons[R_UNKNOWN_CAVEAT], N / 50);
	cr_assert_geq(distinct, 10, "only %zu reasons", distinct);
}

Test(batch_check, a_reply_larger_than_the_first_chunk_comes_back_whole)
{
	static char ids[N][129];
	static const char *marks[] = { "SECRET", "TOP SECRET" };
	vet_status st;

	/* Unknown people with the longest ids: each decision carries a
	 * 128-byte id back, past what the arena's first chunk expects. */
	for (size_t i = 0; i < N; i++) {
		memset(ids[i], 'a' + (int)(i % 26), 128);
		snprintf(ids[i], 8, "%07zu", i);
		ids[i][7] = 'x';
		ids[i][128] = '\0';
		reqs[i] = (vet_check_request){ .person_id = ids[i],
		    .marking = marks[i % 2] };
	}
	cr_assert_eq(vet_batch_check(client, reqs, N, batch, &st), VET_OK,
	    "%s", st.message);
	cr_assert_eq(batch_reply_declines(), 0, "a reply left to protobuf-c");
	for (size_t i = 0; i < N; i++) {
		cr_assert_eq(batch[i].effect, VET_DENY);
		cr_assert_str_eq(batch[i].reason_name, "UNKNOWN_PERSON",
		    "check %zu", i);
		cr_assert_gt(strlen(batch[i].explanation), 0);
		cr_assert_eq(batch[i].valid_until, 0);
		vet_check(client, &reqs[i], &single[i], &st);
		cr_assert_str_eq(batch[i].explanation, single[i].explanation);
		cr_assert_str_eq(batch[i].policy_digest,
		    single[i].policy_digest);
	}
}

Test(batch_check, an_empty_batch_is_refused_by_vetd)
{
	vet_health_info h;
	vet_status st;

	cr_assert_eq(vet_health(client, &h, &st), VET_OK, "%s", st.message);
	cr_assert_eq(vet_batch_check(client, reqs, 0, NULL, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_str_eq(st.message, "a batch holds 1 to 1000 checks, not 0");
	cr_assert_eq(st.revision, h.revision);
	cr_assert_gt(st.revision, 0);
	cr_assert_eq(batch_reply_declines(), 0, "a reply left to protobuf-c");
}

/* This vetd trusts no uid on its socket: every caller needs a token it
 * knows. */
static struct vetd_proc authd;

static void
authd_stop(void)
{
	fixture_cleanup(&authd);
}

TestSuite(batch_errors, .fini = authd_stop, .timeout = 60);

Test(batch_errors, an_unknown_token_fails_every_check_closed)
{
	static const char unknown[] =
	    "vetd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	vet_options o = { .token = unknown };
	vet_client *c;
	vet_decision one;
	vet_status st, st1;
	char admin[TOKEN_SIZE], want[600];

	ta_start(&authd, "ipc_owner_admin = false\n", "root", admin, NULL);
	cr_assert_eq(vet_client_open(&c, authd.url, &o, &st), VET_OK, "%s",
	    st.message);
	for (size_t i = 0; i < 5; i++)
		reqs[i] = (vet_check_request){ .person_id = "p0000001",
		    .marking = "SECRET" };
	memset(batch, 0xa5, 5 * sizeof(batch[0]));
	cr_assert_eq(vet_batch_check(c, reqs, 5, batch, &st),
	    VET_UNAUTHENTICATED, "%s", st.message);
	cr_assert_eq(vet_check(c, &reqs[0], &one, &st1), VET_UNAUTHENTICATED);
	cr_assert_str_eq(st.message, st1.message);
	cr_assert_gt(strlen(st.message), 0);
	cr_assert_eq(st.revision, st1.revision);
	snprintf(want, sizeof(want), "no decision from vetd (UNAUTHENTICATED: "
	    "%s)", st.message);
	for (size_t i = 0; i < 5; i++) {
		cr_assert_eq(batch[i].effect, VET_DENY);
		cr_assert_eq(batch[i].reason, 0);
		cr_assert_str_eq(batch[i].reason_name, "NO_ANSWER");
		cr_assert_str_eq(batch[i].explanation, want);
		cr_assert_str_eq(batch[i].explanation, one.explanation);
		cr_assert_eq(batch[i].revision, st.revision);
		cr_assert_eq(batch[i].valid_until, 0);
		cr_assert_str_eq(batch[i].policy_digest, "");
	}
	cr_assert_eq(batch_reply_declines(), 0, "a reply left to protobuf-c");
	vet_client_close(&c);
}
