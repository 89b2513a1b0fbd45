/*
 * batch_reply_both.c: both ways of reading a BatchCheck reply, for the
 * reply reader's tests (batch_reply_both.h): client_reply_decode then
 * batch_reply_finish (protobuf-c, as vet_batch_check did before), and
 * batch_reply_read.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libvet_internal.h"
#include "batch_wire.h"
#include "batch_reply_both.h"

vet_check_request reqs[MAXN + 2];
vet_decision fast[MAXN + 2], slow[MAXN + 2];
vet_status sf, ss;
uint8_t reply[BUFSZ];
static char ids[MAXN + 2][16];
static uint64_t rng = 0x9e3779b97f4a7c15u;

uint64_t
rnd64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

uint32_t
rnd(uint32_t n)
{
	return (uint32_t)(rnd64() % n);
}

void
reqs_make(size_t n)
{
	for (size_t i = 0; i < n; i++) {
		snprintf(ids[i], sizeof(ids[i]), "p%07zu", i);
		reqs[i] = (vet_check_request){ .person_id = i % 13 == 12 ?
		    NULL : ids[i], .marking = "SECRET" };
	}
}

static int
is_no_answer(const vet_decision *d)
{
	return strcmp(d->reason_name, "NO_ANSWER") == 0;
}

int
both(const uint8_t *data, size_t len, size_t n)
{
	const ProtobufCMethodDescriptor *md =
	    protobuf_c_service_descriptor_get_method_by_name(
	    &vet__v1__vetting__descriptor, "BatchCheck");
	ProtobufCMessage *m = NULL;
	int64_t t0, t1;
	int took;

	memset(&ss, 0x5a, sizeof(ss));
	memset(&sf, 0xa5, sizeof(sf));
	memset(slow, 0x3c, n * sizeof(*slow));
	memset(fast, 0xc3, n * sizeof(*fast));
	t0 = (int64_t)time(NULL);
	client_reply_decode(md, data, len, RID, &m, 0, NULL, &ss);
	batch_reply_finish((Vet__V1__BatchCheckResponse *)m, reqs, n, slow,
	    &ss);
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	took = batch_reply_read(data, len, RID, reqs, n, fast, &sf);
	t1 = (int64_t)time(NULL);
	if (!took)
		return 0;
	cr_assert_eq(sf.code, ss.code, "%d/%d %s/%s", sf.code, ss.code,
	    sf.message, ss.message);
	cr_assert_eq(sf.revision, ss.revision);
	cr_assert_str_eq(sf.message, ss.message);
	for (size_t i = 0; i < n; i++) {
		vet_decision a = fast[i], b = slow[i];

		cr_assert_eq(is_no_answer(&a), is_no_answer(&b), "decision "
		    "%zu: %s/%s", i, a.reason_name, b.reason_name);
		if (is_no_answer(&a)) {
			cr_assert(a.decided_at >= t0 && a.decided_at <= t1);
			cr_assert(b.decided_at >= t0 && b.decided_at <= t1);
			a.decided_at = b.decided_at = 0;
		}
		cr_assert(memcmp(&a, &b, sizeof(a)) == 0, "decision %zu: "
		    "%d/%d %s/%s %s/%s", i, a.effect, b.effect, a.reason_name,
		    b.reason_name, a.explanation, b.explanation);
	}
	return 1;
}

void
assert_denied(size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(fast[i].effect, VET_DENY);
		cr_assert_str_eq(fast[i].reason_name, "NO_ANSWER");
	}
}

