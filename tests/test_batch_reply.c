/*
 * test_batch_reply.c: libvet's hand-written reader of BatchCheck replies
 * (client/batch_reply.c) against the protobuf-c path it stands in for
 * (client_reply_decode, then batch_reply_finish, which is what
 * vet_batch_check did before), through batch_reply_both.c: for every
 * reply the reader either declines it or gives exactly the protobuf-c
 * path's status (code, revision, message) and decisions (every byte of
 * each vet_decision; a fail-closed DENY's decided_at, time(NULL), within
 * the test's clock). Replies protobuf-c packs (1, 100 and 1,000
 * decisions, every field set, empty strings, extreme values, error
 * statuses with and without a payload) must be taken, with the exact
 * outcomes of the refusals (wrong request id, wrong count, a decision
 * without an effect or for another person, an ALLOW beside an error,
 * unknown codes); truncated, mutated and random bytes never make the two
 * differ. Hand-written bytes: test_batch_reply_bytes.c.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libvet_internal.h"
#include "batch_wire.h"
#include "rpc.pb-c.h"
#include "vetting.pb-c.h"
#include "batch_reply_both.h"

static Vet__V1__Decision decs[MAXN + 2];
static char texts[MAXN + 2][3][320];
static uint8_t payload[BUFSZ];

static void
rtext(char *s, size_t max)
{
	size_t len = rnd(4) == 0 ? 0 : rnd((uint32_t)max);

	for (size_t i = 0; i < len; i++)
		s[i] = (char)(' ' + rnd(95));
	s[len] = '\0';
}

static int64_t
rtime(void)
{
	switch (rnd(5)) {
	case 0: return 0;
	case 1: return -(int64_t)rnd(100000);
	case 2: return rnd(2) ? INT64_MIN : INT64_MAX;
	case 3: return (int64_t)rnd64();
	default: return 1700000000 + rnd(1000000);
	}
}

/* decs_make: k decisions for reqs, every field set or zero at random;
 * clean ones are ALLOW or DENY for the person asked about. */
static void
decs_make(size_t k, int clean)
{
	for (size_t i = 0; i < k; i++) {
		Vet__V1__Decision *d = &decs[i];

		vet__v1__decision__init(d);
		d->effect = (Vet__V1__Effect)(1 + rnd(2));
		if (!clean && rnd(4) == 0)
			d->effect = (Vet__V1__Effect)(rnd(2) ? 0 : -1 -
			    (int)rnd(3));
		d->reason = (Vet__V1__Reason)(rnd(8) == 0 ? -(int)rnd(50) :
		    (int)rnd(20));
		rtext(texts[i][0], 300);
		d->explanation = texts[i][0];
		d->valid_until = rtime();
		d->revision = rnd(3) == 0 ? rnd64() : rnd(1000);
		rtext(texts[i][1], rnd(3) == 0 ? 100 : 65);
		d->policy_digest = texts[i][1];
		d->decided_at = rtime();
		d->at = rtime();
		d->person_id = i < MAXN && reqs[i].person_id != NULL &&
		    rnd(5) != 0 ? (char *)reqs[i].person_id : "";
		if (!clean && rnd(6) == 0) {
			rtext(texts[i][2], 20);
			d->person_id = texts[i][2];
		}
	}
}

/* pack_payload: the k decisions as a BatchCheckResponse. */
static size_t
pack_payload(size_t k)
{
	Vet__V1__BatchCheckResponse r = VET__V1__BATCH_CHECK_RESPONSE__INIT;
	Vet__V1__Decision *dp[MAXN + 2];

	for (size_t i = 0; i < k; i++)
		dp[i] = &decs[i];
	r.n_decisions = k;
	r.decisions = dp;
	cr_assert_leq(vet__v1__batch_check_response__get_packed_size(&r),
	    sizeof(payload));
	return vet__v1__batch_check_response__pack(&r, payload);
}

/* pack_reply: an RpcResponse as vetd's rpc.c packs it (status NULL: left
 * out; plen 0: no payload). */
static size_t
pack_reply(const char *rid, const Vet__V1__Status *status, size_t plen,
    uint64_t revision)
{
	Vet__V1__RpcResponse r = VET__V1__RPC_RESPONSE__INIT;

	r.request_id = (char *)rid;
	r.status = (Vet__V1__Status *)status;
	r.payload.data = payload;
	r.payload.len = plen;
	r.revision = revision;
	cr_assert_leq(vet__v1__rpc_response__get_packed_size(&r),
	    sizeof(reply));
	return vet__v1__rpc_response__pack(&r, reply);
}

Test(batch_reply, vetd_shaped_replies_are_taken_and_agree)
{
	static const size_t sizes[] = { 1, 100, 1000 };
	Vet__V1__Status ok = VET__V1__STATUS__INIT;

	reqs_make(MAXN);
	for (size_t s = 0; s < 3; s++) {
		for (int round = 0; round < 20; round++) {
			size_t n = sizes[s], plen;

			decs_make(n, 1);
			plen = pack_payload(n);
			cr_assert(both(reply, pack_reply(RID, round % 3 ? &ok :
			    NULL, plen, rnd64()), n));
			cr_assert_eq(sf.code, VET_OK, "%s", sf.message);
			for (size_t i = 0; i < n; i++) {
				cr_assert_eq(fast[i].effect, decs[i].effect ==
				    1 ? VET_ALLOW : VET_DENY);
				cr_assert_eq(fast[i].valid_until,
				    decs[i].valid_until);
				cr_assert_eq(strncmp(fast[i].explanation,
				    decs[i].explanation, 255), 0);
			}
		}
	}
	/* Every field at its largest, and every field empty. */
	decs_make(2, 1);
	decs[0].reason = (Vet__V1__Reason)INT32_MIN;
	decs[0].revision = UINT64_MAX;
	decs[0].valid_until = decs[0].decided_at = INT64_MIN;
	decs[0].at = -1;
	memset(texts[0][0], 'x', 300);
	texts[0][0][300] = '\0';
	vet__v1__decision__init(&decs[1]);
	decs[1].effect = VET__V1__EFFECT__EFFECT_DENY;
	cr_assert(both(reply, pack_reply(RID, &ok, pack_payload(2), UINT64_MAX),
	    2));
	cr_assert_eq(sf.revision, UINT64_MAX);
	cr_assert_eq(strlen(fast[0].explanation), 255);
	cr_assert_str_eq(fast[0].reason_name, "UNKNOWN");
	cr_assert_eq(fast[0].at, -1);
	cr_assert_eq(fast[1].at, 0);
	cr_assert_str_eq(fast[1].explanation, "");
}

Test(batch_reply, error_statuses_with_and_without_payload)
{
	static const int32_t codes[] = { 1, 3, 5, 7, 8, 13, 14, 16, -1, 17,
	    1000, INT32_MIN, INT32_MAX };
	Vet__V1__Status st = VET__V1__STATUS__INIT;
	char want[600];

	reqs_make(10);
	for (size_t c = 0; c < sizeof(codes) / sizeof(codes[0]); c++) {
		int known = codes[c] >= 0 && codes[c] <= 16;

		st.code = codes[c];
		st.message = "the store is busy";
		if (known)
			snprintf(want, sizeof(want), "%s", st.message);
		else
			snprintf(want, sizeof(want), "vetd sent status code %d: "
			    "%s", codes[c], st.message);
		/* No payload: every check fails closed. */
		cr_assert(both(reply, pack_reply(RID, &st, 0, 42), 10));
		cr_assert_eq(sf.code, known ? codes[c] : VET_UNKNOWN);
		cr_assert_str_eq(sf.message, want);
		cr_assert_eq(sf.revision, 42);
		assert_denied(10);
		/* DENY decisions beside the error are kept; an ALLOW is not. */
		decs_make(10, 1);
		for (size_t i = 0; i < 10; i++)
			decs[i].effect = VET__V1__EFFECT__EFFECT_DENY;
		decs[4].effect = VET__V1__EFFECT__EFFECT_ALLOW;
		cr_assert(both(reply, pack_reply(RID, &st, pack_payload(10),
		    42), 10));
		cr_assert_eq(sf.code, known ? codes[c] : VET_UNKNOWN);
		cr_assert_str_eq(fast[3].reason_name,
		    vet_reason_name(decs[3].reason));
		cr_assert_str_eq(fast[4].reason_name, "NO_ANSWER");
		/* The wrong count beside an error: all fail closed, the
		 * status stays. */
		cr_assert(both(reply, pack_reply(RID, &st, pack_payload(9),
		    42), 10));
		cr_assert_str_eq(sf.message, want);
		assert_denied(10);
	}
}

Test(batch_reply, refusals_are_the_same)
{
	Vet__V1__Status ok = VET__V1__STATUS__INIT;
	size_t plen;

	reqs_make(100);
	decs_make(101, 1);
	plen = pack_payload(100);
	cr_assert(both(reply, pack_reply("0123456789abcdef0123456789abcdeF",
	    &ok, plen, 7), 100));
	cr_assert_eq(sf.code, VET_INTERNAL);
	cr_assert_eq(sf.revision, 0);
	cr_assert_str_eq(sf.message,
	    "vetd's answer carries another request's id");
	assert_denied(100);
	cr_assert(both(reply, pack_reply("", &ok, plen, 7), 100));
	cr_assert_eq(sf.code, VET_INTERNAL);

	cr_assert(both(reply, pack_reply(RID, &ok, pack_payload(99), 7), 100));
	cr_assert_str_eq(sf.message, "vetd sent 99 decisions for 100 checks");
	cr_assert_eq(sf.revision, 7);
	assert_denied(100);
	cr_assert(both(reply, pack_reply(RID, &ok, pack_payload(101), 7),
	    100));
	cr_assert_str_eq(sf.message, "vetd sent 101 decisions for 100 checks");
	cr_assert(both(reply, pack_reply(RID, &ok, 0, 7), 3));
	cr_assert_str_eq(sf.message, "vetd sent 0 decisions for 3 checks");
	cr_assert(both(reply, pack_reply(RID, &ok, 0, 7), 0));
	cr_assert_eq(sf.code, VET_OK);

	decs[5].effect = VET__V1__EFFECT__EFFECT_UNSPECIFIED;
	decs[9].person_id = "someone else";
	cr_assert(both(reply, pack_reply(RID, &ok, pack_payload(100), 7),
	    100));
	cr_assert_eq(sf.code, VET_INTERNAL);
	cr_assert_str_eq(sf.message, "vetd sent decision 5 without an effect "
	    "or for another person");
	assert_denied(100);
	decs[5].effect = (Vet__V1__Effect)3;
	cr_assert(both(reply, pack_reply(RID, &ok, pack_payload(100), 7),
	    100));
	cr_assert_str_eq(sf.message, "vetd sent decision 5 without an effect "
	    "or for another person");
	decs[5].effect = VET__V1__EFFECT__EFFECT_ALLOW;
	cr_assert(both(reply, pack_reply(RID, &ok, pack_payload(100), 7),
	    100));
	cr_assert_str_eq(sf.message, "vetd sent decision 9 without an effect "
	    "or for another person");
	/* A decision for someone, where the check named nobody (NULL). */
	decs[9].person_id = "p0000009";
	decs[12].person_id = "p0000012";
	cr_assert_null(reqs[12].person_id);
	cr_assert(both(reply, pack_reply(RID, &ok, pack_payload(100), 7),
	    100));
	cr_assert_str_eq(sf.message, "vetd sent decision 12 without an effect "
	    "or for another person");
	/* Random decisions, many of them unusable. */
	for (int round = 0; round < 300; round++) {
		decs_make(100, 0);
		cr_assert(both(reply, pack_reply(RID, round % 2 ? &ok : NULL,
		    pack_payload(100), rnd64()), 100));
	}
}

/* seed_reply: a plain reply of k decisions for the first k checks. */
static size_t
seed_reply(size_t k)
{
	Vet__V1__Status ok = VET__V1__STATUS__INIT;

	reqs_make(k);
	decs_make(k, 1);
	return pack_reply(RID, &ok, pack_payload(k), 12345);
}

Test(batch_reply, truncated_replies)
{
	static uint8_t whole[BUFSZ];
	size_t len, taken = 0;

	len = seed_reply(3);
	memcpy(whole, reply, len);
	for (size_t cut = 0; cut <= len; cut++)
		taken += (size_t)both(whole, cut, 3);
	cr_assert_gt(taken, 0);
	len = seed_reply(100);
	memcpy(whole, reply, len);
	for (size_t cut = 0; cut <= len; cut += 1 + cut / 50)
		both(whole, cut, 100);
}

Test(batch_reply, mutated_replies)
{
	static uint8_t whole[BUFSZ], m[BUFSZ];
	size_t len, taken = 0, declined = 0, mlen;

	len = seed_reply(5);
	memcpy(whole, reply, len);
	for (int round = 0; round < 30000; round++) {
		memcpy(m, whole, len);
		mlen = len;
		for (uint32_t k = 1 + rnd(4); k > 0; k--) {
			size_t at = rnd((uint32_t)mlen);

			switch (rnd(4)) {
			case 0: m[at] = (uint8_t)rnd64(); break;
			case 1: m[at] ^= (uint8_t)(1u << rnd(8)); break;
			case 2: m[at] = (uint8_t)(rnd(3) == 0 ? 0 : 0x80); break;
			default:	/* delete a byte */
				memmove(m + at, m + at + 1, mlen - at - 1);
				mlen--;
				break;
			}
		}
		if (both(m, mlen, 5))
			taken++;
		else
			declined++;
	}
	cr_assert_gt(taken, 1000);
	cr_assert_gt(declined, 1000);
}

Test(batch_reply, random_bytes)
{
	static uint8_t m[512];
	size_t len;

	reqs_make(4);
	for (int round = 0; round < 30000; round++) {
		len = rnd(sizeof(m));
		for (size_t i = 0; i < len; i++)
			m[i] = (uint8_t)rnd64();
		/* Half start like an envelope. */
		if (round % 2 && len > 40) {
			m[0] = 0x0a;
			m[1] = 32;
			memcpy(m + 2, RID, 32);
		}
		both(m, len, rnd(5));
	}
}
