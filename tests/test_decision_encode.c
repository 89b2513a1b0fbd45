/*
 * test_decision_encode.c: BatchCheck's hand-written reply encoder
 * (server/decision_encode.c) against protobuf-c's packer: random
 * decisions (every field zero or not, negative enums and times, empty,
 * NULL and long strings) packed as a BatchCheckResponse by
 * protobuf_c_message_pack must be byte for byte the entries
 * decision_entry_encode writes, and decision_entry_size must be exact.
 * The reply must also unpack to the same decisions.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "decision_encode.h"
#include "vetting.pb-c.h"

#define N	200

static uint64_t rng = 0x2545f4914f6cdd1du;

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

static int
renum(void)
{
	switch (rnd(5)) {
	case 0: return 0;
	case 1: return -(int)rnd(3) - 1;
	case 2: return INT32_MIN;
	default: return (int)rnd(200);
	}
}

static int64_t
rtime(void)
{
	switch (rnd(5)) {
	case 0: return 0;
	case 1: return -(int64_t)rnd(100000);
	case 2: return INT64_MIN;
	case 3: return (int64_t)rnd64();
	default: return 1700000000 + rnd(1000000);
	}
}

static char strings[N][3][400];

static char *
rstr(char *buf)
{
	size_t n;

	switch (rnd(4)) {
	case 0: return NULL;
	case 1: return (char *)"";
	default:
		n = rnd(2) ? 1 + rnd(126) : 1 + rnd(390);
		for (size_t i = 0; i < n; i++)
			buf[i] = (char)(1 + rnd(255));
		buf[n] = '\0';
		return buf;
	}
}

Test(decision_encode, matches_protobuf_c_byte_for_byte)
{
	Vet__V1__BatchCheckResponse resp = VET__V1__BATCH_CHECK_RESPONSE__INIT;
	Vet__V1__BatchCheckResponse *back;
	Vet__V1__Decision d[N], *dp[N];
	static uint8_t one[2048];
	uint8_t *want, *got;
	size_t want_len, got_len = 0;

	for (int round = 0; round < 20; round++) {
		for (size_t i = 0; i < N; i++) {
			vet__v1__decision__init(&d[i]);
			d[i].effect = (Vet__V1__Effect)renum();
			d[i].reason = (Vet__V1__Reason)renum();
			d[i].explanation = rstr(strings[i][0]);
			d[i].valid_until = rtime();
			d[i].revision = rnd(3) == 0 ? 0 : rnd(2) ? rnd64() :
			    rnd(1000);
			d[i].policy_digest = rstr(strings[i][1]);
			d[i].decided_at = rtime();
			d[i].person_id = rstr(strings[i][2]);
			d[i].at = rtime();
			dp[i] = &d[i];
		}
		resp.n_decisions = N;
		resp.decisions = dp;
		want_len = protobuf_c_message_get_packed_size(&resp.base);
		cr_assert_not_null(want = malloc(want_len));
		cr_assert_eq(protobuf_c_message_pack(&resp.base, want),
		    want_len);
		cr_assert_not_null(got = malloc(want_len + 1));
		got_len = 0;
		for (size_t i = 0; i < N; i++) {
			size_t size = decision_entry_size(&d[i]);

			cr_assert_leq(got_len + size, want_len);
			cr_assert_eq(decision_entry_encode(&d[i],
			    got + got_len), size, "entry %zu", i);
			/* The two-step form writes the same. */
			cr_assert_leq(size - decision_body_size(&d[i]),
			    DECISION_ENTRY_HEAD);
			cr_assert_eq(decision_entry_encode_sized(&d[i],
			    decision_body_size(&d[i]), one), size);
			cr_assert_eq(memcmp(one, got + got_len, size), 0);
			got_len += size;
		}
		cr_assert_eq(got_len, want_len);
		cr_assert_eq(memcmp(got, want, want_len), 0, "round %d", round);

		back = vet__v1__batch_check_response__unpack(NULL, got_len,
		    got);
		cr_assert_not_null(back);
		cr_assert_eq(back->n_decisions, N);
		for (size_t i = 0; i < N; i++) {
			cr_assert_eq((int)back->decisions[i]->effect,
			    (int)d[i].effect);
			cr_assert_eq(back->decisions[i]->at, d[i].at);
			cr_assert_str_eq(back->decisions[i]->person_id,
			    d[i].person_id != NULL ? d[i].person_id : "");
		}
		vet__v1__batch_check_response__free_unpacked(back, NULL);
		free(want);
		free(got);
	}
}

Test(decision_encode, an_all_zero_decision_is_an_empty_entry)
{
	Vet__V1__Decision d = VET__V1__DECISION__INIT;
	uint8_t out[8];

	cr_assert_eq(decision_entry_size(&d), 2);
	cr_assert_eq(decision_entry_encode(&d, out), 2);
	cr_assert_eq(out[0], 0x0a);
	cr_assert_eq(out[1], 0x00);
}
