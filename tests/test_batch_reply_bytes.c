/*
 * test_batch_reply_bytes.c: libvet's BatchCheck reply reader on replies
 * written byte by byte (batch_reply_both.h): NULs inside strings are cut
 * as protobuf-c's C strings are; odd shapes (unknown, repeated, mistyped
 * or misplaced fields, two-byte keys, groups, overlong varints and
 * length prefixes) are declined, and protobuf-c's outcome for each is
 * the expected one; non-minimal and ten-byte varints are taken.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "batch_reply_both.h"
#include "wire_build.h"

/* w_reply: an envelope around one decision (whose bytes are d), with a
 * status message of mlen bytes; extra (elen bytes) goes at the end of
 * the envelope. */
static size_t
w_reply(const struct wbuf *d, const char *msg, size_t mlen,
    const void *extra, size_t elen)
{
	struct wbuf st = { .n = 0 }, pl = { .n = 0 }, env = { .n = 0 };

	w_int(&st, 1, 0);
	w_str(&st, 2, msg, mlen);
	w_str(&pl, 1, d->b, d->n);
	w_str(&env, 1, RID, strlen(RID));
	w_str(&env, 2, st.b, st.n);
	w_str(&env, 3, pl.b, pl.n);
	w_int(&env, 4, 99);
	cr_assert_leq(env.n + elen, sizeof(env.b));
	if (elen > 0)
		memcpy(env.b + env.n, extra, elen);
	memcpy(reply, env.b, env.n + elen);
	return env.n + elen;
}

/* w_decision: a plain DENY for p0000000 with the given explanation. */
static void
w_decision(struct wbuf *d, const char *expl, size_t elen, const char *id,
    size_t idlen)
{
	d->n = 0;
	w_int(d, 1, 2);
	w_int(d, 2, 5);
	w_str(d, 3, expl, elen);
	w_int(d, 4, 1234);
	w_int(d, 5, 77);
	w_str(d, 6, "abc\0def", 7);
	w_int(d, 7, 1700000000);
	w_str(d, 8, id, idlen);
}

Test(batch_reply, nul_bytes_in_strings_are_cut_as_protobuf_c_cuts_them)
{
	struct wbuf d;

	reqs_make(1);
	w_decision(&d, "Denied\0hidden", 13, "p0000000\0tail", 13);
	cr_assert(both(reply, w_reply(&d, "", 0, NULL, 0), 1));
	cr_assert_eq(sf.code, VET_OK);
	cr_assert_str_eq(fast[0].explanation, "Denied");
	cr_assert_str_eq(fast[0].policy_digest, "abc");
	cr_assert_str_eq(fast[0].reason_name, "NO_CLEARANCE");
	cr_assert_eq(fast[0].at, 1700000000);
	/* An id cut to "" names nobody: usable. */
	w_decision(&d, "x", 1, "\0p9", 3);
	cr_assert(both(reply, w_reply(&d, "fine\0junk", 9, NULL, 0), 1));
	cr_assert_eq(sf.code, VET_OK);
	cr_assert_str_eq(sf.message, "fine");
	/* Cut to another person's id, or longer than the check's. */
	w_decision(&d, "x", 1, "p000000\0", 8);
	cr_assert(both(reply, w_reply(&d, "", 0, NULL, 0), 1));
	cr_assert_eq(sf.code, VET_INTERNAL);
	w_decision(&d, "x", 1, "p00000001", 9);
	cr_assert(both(reply, w_reply(&d, "", 0, NULL, 0), 1));
	cr_assert_eq(sf.code, VET_INTERNAL);
}

/* Each odd shape: bytes added to the decision or to the envelope, and
 * the code the protobuf-c path gives the reply. */
Test(batch_reply, odd_shapes_are_declined_and_read_by_protobuf_c)
{
	static const struct {
		int	in_env;		/* else in the decision */
		uint8_t	bytes[16];
		size_t	len;
		int	code;
	} odd[] = {
		{ 0, { 0x50, 0x01 }, 2, VET_OK },	/* unknown field 10 */
		{ 0, { 0x5d, 1, 2, 3, 4 }, 5, VET_OK },	/* unknown 32-bit 11 */
		{ 0, { 0x51, 1, 2, 3, 4, 5, 6, 7, 8 }, 9, VET_OK }, /* 64-bit */
		{ 0, { 0x08, 0x01 }, 2, VET_OK },	/* effect again: ALLOW */
		{ 0, { 0x1a, 0x01, 'z' }, 3, VET_OK },	/* explanation again */
		{ 0, { 0x88, 0x00, 0x02 }, 3, VET_OK },	/* effect, 2-byte key */
		{ 0, { 0xd2, 0x00, 0x00 }, 3, VET_OK },	/* field 10, 2-byte key */
		{ 0, { 0x42, 0x00 }, 2, VET_OK },	/* person id again: "" */
		{ 0, { 0x0d, 1, 2, 3, 4 }, 5, VET_INTERNAL }, /* effect 32-bit */
		{ 0, { 0x0a, 0x00 }, 2, VET_INTERNAL },	/* effect as bytes */
		{ 0, { 0x18, 0x05 }, 2, VET_INTERNAL },	/* explanation as int */
		{ 0, { 0x0b }, 1, VET_INTERNAL },	/* a group */
		{ 0, { 0x0f }, 1, VET_INTERNAL },	/* wire type 7 */
		{ 0, { 0x50 }, 1, VET_INTERNAL },	/* a varint cut short */
		{ 1, { 0x20, 0x05 }, 2, VET_OK },	/* revision again */
		{ 1, { 0x12, 0x00 }, 2, VET_OK },	/* status again */
		{ 1, { 0x28, 0x05 }, 2, VET_OK },	/* unknown field 5 */
		{ 1, { 0x1a, 0x00 }, 2, VET_INTERNAL },	/* payload again: empty,
							 * so no decision */
		{ 1, { 0x08, 0x05 }, 2, VET_INTERNAL },	/* request id as int */
		{ 1, { 0x00, 0x01 }, 2, VET_INTERNAL },	/* field 0 */
	};
	struct wbuf d;
	size_t len;

	reqs_make(1);
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		w_decision(&d, "Denied", 6, "p0000000", 8);
		if (!odd[i].in_env) {
			memcpy(d.b + d.n, odd[i].bytes, odd[i].len);
			d.n += odd[i].len;
			len = w_reply(&d, "", 0, NULL, 0);
		} else
			len = w_reply(&d, "", 0, odd[i].bytes, odd[i].len);
		cr_assert_eq(both(reply, len, 1), 0, "odd shape %zu taken", i);
		cr_assert_eq(ss.code, odd[i].code, "odd shape %zu: %s", i,
		    ss.message);
	}
	/* Each field once, but out of number order: declined. */
	d.n = 0;
	w_str(&d, 8, "p0000000", 8);
	w_int(&d, 1, 2);
	cr_assert_eq(both(reply, w_reply(&d, "", 0, NULL, 0), 1), 0);
	cr_assert_eq(ss.code, VET_OK);
	cr_assert_eq(slow[0].effect, VET_DENY);
	/* A non-minimal varint, and a ten-byte one whose last byte has bits
	 * past 64: plain enough, and read as protobuf-c reads them. */
	d.n = 0;
	w_byte(&d, 0x08);
	w_byte(&d, 0x82);
	w_byte(&d, 0x00);
	memcpy(d.b + d.n, "\x28\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f",
	    11);
	d.n += 11;
	cr_assert(both(reply, w_reply(&d, "", 0, NULL, 0), 1));
	cr_assert_eq(fast[0].effect, VET_DENY);
	cr_assert_eq(fast[0].revision, UINT64_MAX);
	/* Eleven bytes: protobuf-c refuses the varint. */
	memcpy(d.b, "\x08\x82\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 12);
	d.n = 12;
	cr_assert_eq(both(reply, w_reply(&d, "", 0, NULL, 0), 1), 0);
	cr_assert_eq(ss.code, VET_INTERNAL);
	/* A five-byte length prefix (0 as five bytes): declined. */
	memcpy(reply, "\x0a\x80\x80\x80\x80\x00", 6);
	cr_assert_eq(both(reply, 6, 1), 0);
}

