/*
 * test_batch_wire.c: BatchCheck's two ways in vetd, end to end over a raw
 * nng socket against a real vetd loaded with the benchmarks' population.
 * A payload in the shape clients send is read straight from the wire
 * (server/batch_request.c); the same checks in shapes that reader
 * declines (an unknown field in each entry, or a two-byte key) go through
 * protobuf-c as before. Both must give byte-identical reply frames, over
 * the load generator's mix and over invalid entries, which must get
 * convert_check's exact DENY / INVALID_REQUEST explanations; and payloads
 * the reader declines keep the generic way's exact refusals.
 */
#include <criterion/criterion.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "batch_request.h"
#include "fixture.h"
#include "gen.h"
#include "rpc.pb-c.h"
#include "vetting.pb-c.h"

#define PEOPLE		500
#define N		400
#define EFFECT_DENY	2
#define R_INVALID	15
#define PAYLOAD_CAP	(1024 * 1024)

static struct vetd_proc vetd;
static nng_socket sock;

static void
setup(void)
{
	const char *dataset = getenv("VET_DATASET_BIN");
	char people[16];
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
	cr_assert_eq(nng_req0_open(&sock), 0);
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, 10000);
	nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, 10000);
	cr_assert_eq(nng_dial(sock, vetd.url, NULL, 0), 0);
}

static void
teardown(void)
{
	nng_close(sock);
	fixture_cleanup(&vetd);
}

TestSuite(batch_wire, .init = setup, .fini = teardown, .timeout = 120);

/* call sends BatchCheck with payload; the reply frame, malloc'd. */
static uint8_t *
call(const uint8_t *payload, size_t len, size_t *reply_len)
{
	Vet__V1__RpcRequest req = VET__V1__RPC_REQUEST__INIT;
	nng_msg *msg;
	uint8_t *buf;
	size_t n;

	req.method = "/vet.v1.Vetting/BatchCheck";
	req.request_id = "wire-1";
	req.payload.data = (uint8_t *)payload;
	req.payload.len = len;
	cr_assert_not_null(buf = malloc(
	    vet__v1__rpc_request__get_packed_size(&req)));
	n = vet__v1__rpc_request__pack(&req, buf);
	cr_assert_eq(nng_msg_alloc(&msg, 0), 0);
	cr_assert_eq(nng_msg_append(msg, buf, n), 0);
	free(buf);
	cr_assert_eq(nng_sendmsg(sock, msg, 0), 0);
	cr_assert_eq(nng_recvmsg(sock, &msg, 0), 0, "no reply");
	*reply_len = nng_msg_len(msg);
	cr_assert_not_null(buf = malloc(*reply_len + 1));
	memcpy(buf, nng_msg_body(msg), *reply_len);
	nng_msg_free(msg);
	return buf;
}

enum shape { FAST, UNKNOWN_FIELD, LONG_KEY };

/* put_entry appends one CheckRequest (packed by protobuf-c) in the given
 * shape as an element of checks. */
static size_t
put_entry(uint8_t *out, const Vet__V1__CheckRequest *c, enum shape sh)
{
	uint8_t body[8192];
	size_t n = vet__v1__check_request__pack(c, body), k = 0;

	cr_assert_lt(n, sizeof(body) - 64);
	if (sh == UNKNOWN_FIELD) {
		body[n++] = 0x30;	/* field 6, varint: unknown */
		body[n++] = 0x01;
	} else if (sh == LONG_KEY) {
		/* The marking again under a two-byte key: protobuf-c reads
		 * it as field 2, and the last one wins, so nothing changes. */
		size_t m = strlen(c->marking);
		body[n++] = 0x92;
		body[n++] = 0x00;
		cr_assert_lt(m, 128);
		body[n++] = (uint8_t)m;
		memcpy(body + n, c->marking, m);
		n += m;
	}
	out[k++] = 0x0a;
	for (size_t v = n; ; v >>= 7) {
		out[k++] = (uint8_t)(v >= 0x80 ? (v & 0x7f) | 0x80 : v);
		if (v < 0x80)
			break;
	}
	memcpy(out + k, body, n);
	return k + n;
}

static size_t
payload(uint8_t *out, Vet__V1__CheckRequest *const *c, size_t n,
    enum shape sh)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		len += put_entry(out + len, c[i], sh);
		cr_assert_lt(len, PAYLOAD_CAP - 16384);
	}
	return len;
}

static int64_t
decided_at(const uint8_t *frame, size_t len)
{
	Vet__V1__RpcResponse *r = vet__v1__rpc_response__unpack(NULL, len,
	    frame);
	Vet__V1__BatchCheckResponse *b;
	int64_t t;

	cr_assert_not_null(r);
	cr_assert_eq(r->status->code, 0, "%s", r->status->message);
	cr_assert_not_null(b = vet__v1__batch_check_response__unpack(NULL,
	    r->payload.len, r->payload.data));
	cr_assert_gt(b->n_decisions, 0);
	t = b->decisions[0]->decided_at;
	vet__v1__batch_check_response__free_unpacked(b, NULL);
	vet__v1__rpc_response__free_unpacked(r, NULL);
	return t;
}

static uint8_t pay[3][PAYLOAD_CAP];

/*
 * both sends the checks in each shape, asserts the fast one is the
 * reader's and the others are not, and that all replies are the same
 * bytes (asked again when the clock ticked in between). Returns the
 * decoded decisions.
 */
static Vet__V1__BatchCheckResponse *
both(Vet__V1__CheckRequest *const *c, size_t n)
{
	Vet__V1__BatchCheckResponse *b;
	Vet__V1__RpcResponse *r;
	struct batch_request br;
	uint8_t *rep[3];
	size_t len[3], rlen[3];
	int tries = 0;

	for (int s = FAST; s <= LONG_KEY; s++) {
		len[s] = payload(pay[s], c, n, (enum shape)s);
		cr_assert_eq(batch_request_scan(&br, pay[s], len[s]),
		    s == FAST, "shape %d", s);
	}
	for (;;) {
		for (int s = FAST; s <= LONG_KEY; s++)
			rep[s] = call(pay[s], len[s], &rlen[s]);
		if (decided_at(rep[FAST], rlen[FAST]) ==
		    decided_at(rep[UNKNOWN_FIELD], rlen[UNKNOWN_FIELD]) &&
		    decided_at(rep[FAST], rlen[FAST]) ==
		    decided_at(rep[LONG_KEY], rlen[LONG_KEY]))
			break;
		for (int s = FAST; s <= LONG_KEY; s++)
			free(rep[s]);
		cr_assert_lt(++tries, 5, "the clock kept ticking");
	}
	for (int s = UNKNOWN_FIELD; s <= LONG_KEY; s++) {
		cr_assert_eq(rlen[s], rlen[FAST], "shape %d", s);
		cr_assert_eq(memcmp(rep[s], rep[FAST], rlen[FAST]), 0,
		    "shape %d: the reply differs", s);
		free(rep[s]);
	}
	cr_assert_not_null(r = vet__v1__rpc_response__unpack(NULL,
	    rlen[FAST], rep[FAST]));
	cr_assert_not_null(b = vet__v1__batch_check_response__unpack(NULL,
	    r->payload.len, r->payload.data));
	cr_assert_eq(b->n_decisions, n);
	vet__v1__rpc_response__free_unpacked(r, NULL);
	free(rep[FAST]);
	return b;
}

static Vet__V1__CheckRequest checks[N + 1];
static Vet__V1__CheckRequest *ptrs[N + 1];
static struct gen_query qs[N];

Test(batch_wire, both_ways_give_the_same_bytes_over_the_mix)
{
	static char *odd_caveat[] = { "NO SUCH CAVEAT" };
	uint64_t rng = 7;
	size_t reasons[16] = { 0 }, distinct = 0;
	Vet__V1__BatchCheckResponse *b;

	for (size_t i = 0; i < N; i++) {
		Vet__V1__CheckRequest *c = &checks[i];

		gen_query(&rng, 1, PEOPLE, (int64_t)time(NULL), &qs[i]);
		vet__v1__check_request__init(c);
		c->person_id = qs[i].person_id;
		c->marking = (char *)qs[i].marking;
		c->n_caveats = qs[i].n_caveats;
		c->caveats = (char **)qs[i].caveats;
		switch (i % 40) {
		case 3: c->person_id = "bad id!"; break;
		case 5: c->marking = "SEKRET"; break;
		case 7: c->n_caveats = 1; c->caveats = odd_caveat; break;
		case 9: c->at = 1500000000; break;
		case 11: c->at = 1700000000; break;
		case 13: c->min_revision = 1; break;
		case 15: c->min_revision = UINT64_MAX; break;
		default: break;
		}
		ptrs[i] = c;
	}
	b = both(ptrs, N);
	for (size_t i = 0; i < N; i++)
		if (b->decisions[i]->reason < 16)
			reasons[b->decisions[i]->reason]++;
	for (size_t r = 0; r < 16; r++)
		distinct += reasons[r] > 0;
	/* Two invalid entries in forty: the bad id and the revision. */
	cr_assert_eq(reasons[R_INVALID], N / 40 * 2);
	cr_assert_geq(distinct, 8, "only %zu reasons", distinct);
	vet__v1__batch_check_response__free_unpacked(b, NULL);
}

Test(batch_wire, invalid_entries_get_convert_checks_explanations)
{
	static const struct {
		const char *person_id, *marking, *caveat;
		int64_t at;
		uint64_t min_revision;
		const char *why;
	} bad[] = {
		{ "bad id!", "SECRET", NULL, 0, 0, "person_id may hold only "
		    "letters, digits and . _ @ : - (found byte 0x20 at "
		    "position 4)" },
		{ "", "SECRET", NULL, 0, 0, "person_id is required" },
		{ "p1", "", NULL, 0, 0, "marking is required" },
		{ "p1", " SECRET", NULL, 0, 0, "marking may not start or end "
		    "with a space" },
		{ "p1", "SECRET\x7f", NULL, 0, 0, "marking may hold only "
		    "printable ASCII" },
		{ "p1", "SECRET", "", 0, 0, "caveat is required" },
		{ "p1", "SECRET", "UK EYES ONLY ", 0, 0, "caveat may not start "
		    "or end with a space" },
		{ "p1", "SECRET", NULL, -5, 0, "at must be a date between 1970 "
		    "and 2200" },
		{ "p1", "SECRET", NULL, 7289654400, 0, "at must be a date "
		    "between 1970 and 2200" },
		{ "p1", "SECRET", NULL, 0, UINT64_MAX, "the requested revision "
		    "is not reached yet" },
	};
	static char *cav[sizeof(bad) / sizeof(bad[0])][1];
	size_t n = sizeof(bad) / sizeof(bad[0]);
	Vet__V1__BatchCheckResponse *b;

	for (size_t i = 0; i < n; i++) {
		vet__v1__check_request__init(&checks[i]);
		checks[i].person_id = (char *)bad[i].person_id;
		checks[i].marking = (char *)bad[i].marking;
		if (bad[i].caveat != NULL) {
			cav[i][0] = (char *)bad[i].caveat;
			checks[i].caveats = cav[i];
			checks[i].n_caveats = 1;
		}
		checks[i].at = bad[i].at;
		checks[i].min_revision = bad[i].min_revision;
		ptrs[i] = &checks[i];
	}
	b = both(ptrs, n);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(b->decisions[i]->effect, EFFECT_DENY, "%zu", i);
		cr_assert_eq(b->decisions[i]->reason, R_INVALID, "%zu", i);
		cr_assert_str_eq(b->decisions[i]->explanation, bad[i].why);
		cr_assert_str_eq(b->decisions[i]->person_id, "");
		cr_assert_eq(b->decisions[i]->valid_until, 0);
	}
	vet__v1__batch_check_response__free_unpacked(b, NULL);
}

/* refused: the reader declines payload; vetd answers code and message. */
static void
refused(const uint8_t *p, size_t len, int code, const char *message)
{
	Vet__V1__RpcResponse *r;
	struct batch_request br;
	uint8_t *rep;
	size_t rlen;

	cr_assert_eq(batch_request_scan(&br, p, len), 0);
	rep = call(p, len, &rlen);
	cr_assert_not_null(r = vet__v1__rpc_response__unpack(NULL, rlen, rep));
	cr_assert_eq(r->status->code, code, "%s", r->status->message);
	cr_assert_str_eq(r->status->message, message);
	vet__v1__rpc_response__free_unpacked(r, NULL);
	free(rep);
}

/* explained: the reader declines the one check c; vetd denies it, as
 * INVALID_REQUEST, saying why. */
static void
explained(Vet__V1__CheckRequest *c, const char *why)
{
	Vet__V1__BatchCheckResponse *b;
	Vet__V1__RpcResponse *r;
	struct batch_request br;
	size_t len = payload(pay[0], &c, 1, FAST), rlen;
	uint8_t *rep;

	cr_assert_eq(batch_request_scan(&br, pay[0], len), 0);
	rep = call(pay[0], len, &rlen);
	cr_assert_not_null(r = vet__v1__rpc_response__unpack(NULL, rlen, rep));
	cr_assert_eq(r->status->code, 0, "%s", r->status->message);
	cr_assert_not_null(b = vet__v1__batch_check_response__unpack(NULL,
	    r->payload.len, r->payload.data));
	cr_assert_eq(b->n_decisions, 1);
	cr_assert_eq(b->decisions[0]->effect, EFFECT_DENY);
	cr_assert_eq(b->decisions[0]->reason, R_INVALID);
	cr_assert_str_eq(b->decisions[0]->explanation, why);
	vet__v1__batch_check_response__free_unpacked(b, NULL);
	vet__v1__rpc_response__free_unpacked(r, NULL);
	free(rep);
}

Test(batch_wire, declined_payloads_keep_the_generic_answers)
{
	static char *many[CHECK_MAX_CAVEATS + 1];
	static char long_id[ID_MAX + 2];
	static const uint8_t nul[] = { 0x0a, 0x0c, 0x0a, 0x03, 'p', 0, '1',
	    0x12, 0x05, 'X', 'Y', 'Z', 'Z', 'Y' };
	static const uint8_t utf8[] = { 0x0a, 0x09, 0x0a, 0x02, 'p', '1',
	    0x12, 0x03, 'X', 0xc3, 'Y' };
	Vet__V1__CheckRequest c;
	size_t len = 0;

	refused(NULL, 0, 3, "a batch holds 1 to 1000 checks, not 0");
	vet__v1__check_request__init(&c);
	c.person_id = "p1";
	c.marking = "SECRET";
	for (size_t i = 0; i <= BATCH_CHECK_MAX; i++)
		len += put_entry(pay[0] + len, &c, FAST);
	refused(pay[0], len, 3, "a batch holds 1 to 1000 checks, not 1001");
	refused(nul, sizeof(nul), 3, "field person_id holds a NUL byte");
	refused(utf8, sizeof(utf8), 3, "field marking is not valid UTF-8");
	refused((const uint8_t *)"\x0a\x05\x0a\x02p1", 6, 3,
	    "payload is not a valid vet.v1.BatchCheckRequest");

	memset(long_id, 'a', ID_MAX + 1);
	c.person_id = long_id;
	explained(&c, "person_id is longer than 128 characters");
	c.person_id = "p1";
	c.marking = "CAF\xc3\x89";
	explained(&c, "marking may hold only printable ASCII");
	c.marking = "SECRET";
	for (size_t i = 0; i <= CHECK_MAX_CAVEATS; i++)
		many[i] = "UK EYES ONLY";
	c.caveats = many;
	c.n_caveats = CHECK_MAX_CAVEATS + 1;
	explained(&c, "at most 16 caveats in one check");
}
