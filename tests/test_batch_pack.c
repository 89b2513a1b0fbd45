/*
 * test_batch_pack.c: libvet's hand-written BatchCheckRequest
 * (client/batch_pack.c) against protobuf_c_message_pack of the messages
 * vet_check's check_request_fill builds (written out again here): for
 * random batches (NULL, empty, long and 128-byte strings, no caveats or
 * many, empty caveats, zero, large and negative times and revisions,
 * 0 to 1000 checks, past the first buffer's guess) the bytes must be
 * identical; and the checks vet_check refuses are refused with its
 * words.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libvet_internal.h"
#include "batch_wire.h"
#include "vetting.pb-c.h"

#define MAXN	1000
#define MAXCAV	6

static vet_check_request reqs[MAXN];
static char strs[MAXN][2 + MAXCAV][300];
static const char *cavs[MAXN][MAXCAV];
static Vet__V1__CheckRequest w[MAXN];
static Vet__V1__CheckRequest *wp[MAXN];
static uint8_t theirs[1 << 22];
static uint64_t rng = 0x853c49e6748fea9bu;

static uint64_t
rnd64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint32_t
rnd(uint32_t n)
{
	return (uint32_t)(rnd64() % n);
}

/* rstr: NULL, "", short, 127, 128 or up to 299 bytes. */
static const char *
rstr(char *s)
{
	size_t len;

	switch (rnd(8)) {
	case 0: return NULL;
	case 1: return "";
	case 2: len = 127; break;
	case 3: len = 128; break;
	case 4: len = rnd(300); break;
	default: len = 1 + rnd(12); break;
	}
	for (size_t i = 0; i < len; i++)
		s[i] = (char)('!' + rnd(94));
	s[len] = '\0';
	return s;
}

static void
make(size_t n)
{
	for (size_t i = 0; i < n; i++) {
		vet_check_request *r = &reqs[i];
		size_t nc = rnd(4) == 0 ? rnd(MAXCAV + 1) : rnd(2);

		r->person_id = rstr(strs[i][0]);
		r->marking = rstr(strs[i][1]);
		for (size_t c = 0; c < nc; c++) {
			cavs[i][c] = rstr(strs[i][2 + c]);
			if (cavs[i][c] == NULL)
				cavs[i][c] = "";
		}
		r->n_caveats = nc;
		r->caveats = nc > 0 || rnd(2) ? cavs[i] : NULL;
		switch (rnd(4)) {
		case 0: r->min_revision = 0; break;
		case 1: r->min_revision = rnd64(); break;
		default: r->min_revision = rnd(300); break;
		}
		switch (rnd(5)) {
		case 0: r->at = 0; break;
		case 1: r->at = -(int64_t)rnd(1000) - 1; break;
		case 2: r->at = rnd(2) ? INT64_MIN : INT64_MAX; break;
		case 3: r->at = (int64_t)rnd64(); break;
		default: r->at = 1700000000 + rnd(100000); break;
		}
	}
}

/* As check_request_fill in client/libvet_methods.c. */
static size_t
pack_protobuf_c(size_t n)
{
	Vet__V1__BatchCheckRequest req = VET__V1__BATCH_CHECK_REQUEST__INIT;

	for (size_t i = 0; i < n; i++) {
		vet__v1__check_request__init(&w[i]);
		w[i].person_id = str_or_empty(reqs[i].person_id);
		w[i].marking = str_or_empty(reqs[i].marking);
		w[i].n_caveats = reqs[i].n_caveats;
		w[i].caveats = (char **)reqs[i].caveats;
		w[i].min_revision = reqs[i].min_revision;
		w[i].at = reqs[i].at;
		wp[i] = &w[i];
	}
	req.n_checks = n;
	req.checks = wp;
	cr_assert_leq(protobuf_c_message_get_packed_size(&req.base),
	    sizeof(theirs));
	return protobuf_c_message_pack(&req.base, theirs);
}

static void
same(size_t n)
{
	vet_status st;
	uint8_t *mine = NULL;
	size_t a, b;

	cr_assert_eq(batch_request_pack(reqs, n, &mine, &a, &st), VET_OK);
	b = pack_protobuf_c(n);
	cr_assert_eq(a, b, "%zu checks: %zu bytes, protobuf-c %zu", n, a, b);
	cr_assert(memcmp(mine, theirs, a) == 0, "%zu checks differ", n);
	free(mine);
}

Test(batch_pack, the_bytes_are_protobuf_cs)
{
	static const size_t sizes[] = { 0, 1, 2, 7, 100, 1000 };

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		for (int round = 0; round < 40; round++) {
			make(sizes[s]);
			same(sizes[s]);
		}
	for (int round = 0; round < 2000; round++) {
		size_t n = 1 + rnd(20);

		make(n);
		same(n);
	}
}

Test(batch_pack, a_check_with_everything_empty_is_an_empty_entry)
{
	vet_status st;
	uint8_t *mine;
	size_t len;

	reqs[0] = (vet_check_request){ 0 };
	reqs[1] = (vet_check_request){ .person_id = "", .marking = "" };
	cr_assert_eq(batch_request_pack(reqs, 2, &mine, &len, &st), VET_OK);
	cr_assert_eq(len, 4);
	cr_assert(memcmp(mine, "\x0a\x00\x0a\x00", 4) == 0);
	free(mine);
	same(2);
}

Test(batch_pack, missing_caveats_are_refused_as_vet_check_refuses_them)
{
	static const char *three[] = { "A", "B", NULL };
	vet_status st;
	uint8_t *mine = NULL;
	size_t len = 77;

	make(10);
	reqs[4].n_caveats = 2;
	reqs[4].caveats = NULL;
	cr_assert_eq(batch_request_pack(reqs, 10, &mine, &len, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_eq(st.code, VET_INVALID_ARGUMENT);
	cr_assert_str_eq(st.message, "no caveats given");
	cr_assert_eq(st.revision, 0);
	cr_assert_null(mine);
	cr_assert_eq(len, 77);
	reqs[4].n_caveats = 3;
	reqs[4].caveats = three;
	cr_assert_eq(batch_request_pack(reqs, 10, &mine, &len, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_str_eq(st.message, "caveat 2 is missing");
	cr_assert_null(mine);
	/* The first bad check is the one named. */
	reqs[2].n_caveats = 1;
	reqs[2].caveats = NULL;
	cr_assert_eq(batch_request_pack(reqs, 10, &mine, &len, &st),
	    VET_INVALID_ARGUMENT);
	cr_assert_str_eq(st.message, "no caveats given");
}
