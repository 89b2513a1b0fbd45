/*
 * test_batch_request.c: BatchCheck's wire reader (server/batch_request.c)
 * against the generic way rpc.c takes otherwise: validate_wire_strings,
 * protobuf-c's unpack, and the handler's count check. On every payload
 * the reader either declines, or takes it and then gives the same
 * entries as protobuf-c (person_id, marking, caveats, min_revision, at)
 * and so the same convert_check outcome, error text included; and its
 * "valid" is exactly convert_check's yes, with the same strings, caveats
 * and time as convert_check writes. Payloads:
 * batches packed by protobuf-c (1, 100, 1000 entries), every truncation
 * and one-byte change of them, random damage and junk, and hand-built
 * forms (NULs, non-ASCII, invalid UTF-8, unknown fields, wrong wire
 * types, repeated fields, odd varints, 0 and 1001 entries, long strings,
 * too many caveats).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "batch_request.h"
#include "convert.h"
#include "model.h"
#include "validate.h"
#include "vetting.pb-c.h"
#include "vettime.h"
#include "wire_build.h"

static size_t n_taken, n_declined, n_valid;

/* generic: rpc.c's way; NULL when it refuses the payload. */
static Vet__V1__BatchCheckRequest *
generic(const uint8_t *buf, size_t len)
{
	char err[256];

	if (validate_wire_strings(&vet__v1__batch_check_request__descriptor,
	    buf, len, err, sizeof(err)) != 0)
		return NULL;
	return vet__v1__batch_check_request__unpack(NULL, len, buf);
}

static void
same_check(const Vet__V1__CheckRequest *g, const struct batch_entry *e,
    size_t i)
{
	const Vet__V1__CheckRequest *f = &e->msg;
	struct check_request rg, rf;
	char eg[256], ef[256];
	int vg, vf;

	cr_assert_str_eq(f->person_id, g->person_id, "entry %zu", i);
	cr_assert_str_eq(f->marking, g->marking, "entry %zu", i);
	cr_assert_eq(f->n_caveats, g->n_caveats, "entry %zu", i);
	for (size_t k = 0; k < g->n_caveats; k++)
		cr_assert_str_eq(f->caveats[k], g->caveats[k], "entry %zu", i);
	cr_assert_eq(f->min_revision, g->min_revision, "entry %zu", i);
	cr_assert_eq(f->at, g->at, "entry %zu", i);
	memset(&rg, 0x5a, sizeof(rg));
	memset(&rf, 0x5a, sizeof(rf));
	memset(eg, 0x5a, sizeof(eg));
	memset(ef, 0x5a, sizeof(ef));
	vg = convert_check(g, &rg, eg, sizeof(eg));
	vf = convert_check(f, &rf, ef, sizeof(ef));
	cr_assert_eq(vf, vg, "entry %zu", i);
	if (vg != 0)
		cr_assert_str_eq(ef, eg, "entry %zu", i);
	else
		cr_assert_eq(memcmp(&rf, &rg, sizeof(rg)), 0, "entry %zu", i);
	/* valid is convert_check's yes, and req what it writes. */
	cr_assert_eq(e->valid, vg == 0, "entry %zu: valid %d, convert_check "
	    "%d (%s)", i, e->valid, vg, vg ? eg : "");
	if (!e->valid)
		return;
	n_valid++;
	cr_assert_str_eq(e->req.person_id, rg.person_id, "entry %zu", i);
	cr_assert_str_eq(e->req.marking, rg.marking, "entry %zu", i);
	cr_assert_eq(e->req.n_caveats, rg.n_caveats, "entry %zu", i);
	for (size_t k = 0; k < rg.n_caveats; k++)
		cr_assert_str_eq(e->req.caveats[k], rg.caveats[k]);
	cr_assert_eq(e->req.at, rg.at, "entry %zu", i);
}

/* same: the reader declines buf, or agrees with protobuf-c on all of it.
 * Returns 1 when the reader took it. */
static int
same(const uint8_t *buf, size_t len)
{
	static struct batch_entry e;
	struct batch_request br;
	Vet__V1__BatchCheckRequest *g;
	size_t i = 0;

	if (!batch_request_scan(&br, buf, len)) {
		n_declined++;
		return 0;
	}
	n_taken++;
	g = generic(buf, len);
	cr_assert_not_null(g, "taken, but protobuf-c refuses it (%zu bytes)",
	    len);
	/* The handler refuses 0 or more than BATCH_CHECK_MAX entries. */
	cr_assert(g->n_checks >= 1 && g->n_checks <= BATCH_CHECK_MAX,
	    "taken with %zu entries", g->n_checks);
	cr_assert_eq(br.n, g->n_checks);
	while (batch_request_next(&br, &e)) {
		cr_assert_lt(i, g->n_checks);
		same_check(g->checks[i], &e, i);
		i++;
	}
	cr_assert_eq(i, g->n_checks);
	vet__v1__batch_check_request__free_unpacked(g, NULL);
	return 1;
}

static uint64_t rng = 0x2545f4914f6cdd1du;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n == 0 ? 0 : (uint32_t)(rng % n);
}

static char strs[1000][3 + CHECK_MAX_CAVEATS][80];
static char *cavs[1000][CHECK_MAX_CAVEATS];
static Vet__V1__CheckRequest checks[1000];
static Vet__V1__CheckRequest *check_ptrs[1000];

static char *
rname(char *dst, size_t max)
{
	size_t n = rnd((uint32_t)max + 1);

	for (size_t i = 0; i < n; i++)
		dst[i] = (char)(' ' + rnd(95));
	dst[n] = '\0';
	return dst;
}

/* packed: a batch of n entries packed by protobuf-c, malloc'd. */
static uint8_t *
packed(size_t n, size_t *len)
{
	Vet__V1__BatchCheckRequest m = VET__V1__BATCH_CHECK_REQUEST__INIT;
	uint8_t *buf;

	for (size_t i = 0; i < n; i++) {
		Vet__V1__CheckRequest *c = &checks[i];

		vet__v1__check_request__init(c);
		snprintf(strs[i][0], 80, "p%06zu", i);
		c->person_id = rnd(9) ? strs[i][0] : rname(strs[i][0], 70);
		c->marking = rnd(3) ? "SECRET" : rname(strs[i][1], CAVEAT_MAX);
		c->n_caveats = rnd(4) ? rnd(3) : rnd(CHECK_MAX_CAVEATS + 1);
		c->caveats = cavs[i];
		for (size_t k = 0; k < c->n_caveats; k++)
			cavs[i][k] = rname(strs[i][3 + k], CAVEAT_MAX);
		switch (rnd(4)) {
		case 0: c->at = 1700000000 + rnd(1000000); break;
		case 1: c->at = -(int64_t)rnd(100000) - 1; break;
		case 2: c->at = VETTIME_MAX - 1 + rnd(3); break;
		default: break;
		}
		if (rnd(3) == 0)
			c->min_revision = rnd(2) ? rnd(100) : UINT64_MAX - rnd(9);
		check_ptrs[i] = c;
	}
	m.n_checks = n;
	m.checks = check_ptrs;
	*len = vet__v1__batch_check_request__get_packed_size(&m);
	cr_assert_not_null(buf = malloc(*len + 1));
	cr_assert_eq(vet__v1__batch_check_request__pack(&m, buf), *len);
	return buf;
}

Test(batch_request, takes_every_batch_protobuf_c_packs)
{
	static const size_t sizes[] = { 1, 2, 7, 100, 999, 1000 };

	n_taken = n_declined = n_valid = 0;
	for (int round = 0; round < 20; round++) {
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			size_t len;
			uint8_t *buf = packed(sizes[s], &len);

			cr_assert_eq(same(buf, len), 1, "%zu entries",
			    sizes[s]);
			free(buf);
		}
	}
	cr_assert_eq(n_declined, 0);
	cr_assert_gt(n_valid, 10000);
}

Test(batch_request, agrees_on_every_truncation_and_byte_change)
{
	static const uint8_t to[] = { 0x00, 0x01, 0x0a, 0x12, 0x1a, 0x20,
	    0x28, 0x30, 0x7f, 0x80, 0xc3, 0xff };

	n_taken = n_declined = 0;
	for (int k = 0; k < 12; k++) {
		size_t len;
		uint8_t *buf = packed(1 + (size_t)k % 4, &len);

		for (size_t n = 0; n <= len; n++)
			same(buf, n);
		for (size_t i = 0; i < len; i++) {
			uint8_t was = buf[i];

			for (size_t j = 0; j < sizeof(to); j++) {
				buf[i] = to[j];
				same(buf, len);
			}
			buf[i] = was ^ 0x80;
			same(buf, len);
			buf[i] = was;
		}
		free(buf);
	}
	cr_assert_gt(n_taken, 1000);
	cr_assert_gt(n_declined, 1000);
}

Test(batch_request, agrees_on_random_damage_and_junk)
{
	n_taken = n_declined = 0;
	for (int k = 0; k < 5000; k++) {
		size_t len;
		uint8_t *buf = packed(1 + rnd(5), &len);
		size_t n = 1 + rnd(4);

		for (size_t i = 0; i < n; i++)
			buf[rnd((uint32_t)len)] = (uint8_t)rnd(256);
		if (rnd(2)) {
			size_t at = rnd((uint32_t)len), cut = rnd(8);

			if (at + cut > len)
				cut = len - at;
			memmove(buf + at, buf + at + cut, len - at - cut);
			len -= cut;
		}
		same(buf, len);
		free(buf);
	}
	for (int k = 0; k < 20000; k++) {
		uint8_t junk[48];
		size_t len = rnd(sizeof(junk) + 1);

		/* Mostly the bytes that matter here: keys and lengths. */
		static const uint8_t likely[] = { 0x0a, 0x12, 0x1a, 0x20,
		    0x28, 0x01, 0x05, 0x80, 0x41 };

		for (size_t i = 0; i < len; i++)
			junk[i] = rnd(3) ? likely[rnd(sizeof(likely))] :
			    (uint8_t)rnd(256);
		same(junk, len);
	}
	cr_assert_gt(n_taken, 500);
	cr_assert_gt(n_declined, 5000);
}

/* Hand-built wire forms. */

/* w_entry wraps the entry e as one element of checks. */
static void
w_entry(struct wbuf *w, const struct wbuf *e)
{
	w_str(w, 1, e->b, e->n);
}

static struct wbuf w, e;

/* one: the payload of the single entry e; same() on it. */
static int
one(void)
{
	w.n = 0;
	w_entry(&w, &e);
	return same(w.b, w.n);
}

/* base: a valid entry without caveats. */
static void
base(void)
{
	e.n = 0;
	w_str(&e, 1, "p1", 2);
	w_str(&e, 2, "SECRET", 6);
}

/* taken_entry: the reader's one entry of w. */
static const Vet__V1__CheckRequest *
taken_entry(void)
{
	static struct batch_entry be;
	struct batch_request br;

	cr_assert_eq(batch_request_scan(&br, w.b, w.n), 1);
	cr_assert_eq(batch_request_next(&br, &be), 1);
	return &be.msg;
}

Test(batch_request, hand_built_forms)
{
	char big[600];

	memset(big, 'x', sizeof(big));
	base();
	cr_assert_eq(one(), 1);

	/* An empty entry: all defaults, taken (convert_check refuses it). */
	e.n = 0;
	cr_assert_eq(one(), 1);
	cr_assert_str_eq(taken_entry()->person_id, "");

	/* Repeated scalars and strings: the last one wins, as protobuf-c. */
	base();
	w_str(&e, 1, "p2", 2);
	w_int(&e, 4, 7);
	w_int(&e, 4, 9);
	w_int(&e, 5, 1700000000);
	w_int(&e, 5, 1600000000);
	w_str(&e, 2, "TOP SECRET", 10);
	cr_assert_eq(one(), 1);
	cr_assert_str_eq(taken_entry()->person_id, "p2");
	cr_assert_str_eq(taken_entry()->marking, "TOP SECRET");
	cr_assert_eq(taken_entry()->min_revision, 9);
	cr_assert_eq(taken_entry()->at, 1600000000);

	/* A negative at: a 10-byte varint, cast. */
	base();
	w_int(&e, 5, (uint64_t)(int64_t)-86400);
	cr_assert_eq(one(), 1);
	cr_assert_eq(taken_entry()->at, -86400);
	/* A 10th byte with more than 64 bits: protobuf-c keeps the low. */
	base();
	w_byte(&e, 0x28);
	for (int i = 0; i < 9; i++)
		w_byte(&e, 0xff);
	w_byte(&e, 0x7f);
	cr_assert_eq(one(), 1);
	cr_assert_eq(taken_entry()->at, -1);
	/* An 11-byte varint: declined (protobuf-c refuses it). */
	base();
	w_byte(&e, 0x20);
	for (int i = 0; i < 10; i++)
		w_byte(&e, 0x80);
	w_byte(&e, 0x00);
	cr_assert_eq(one(), 0);

	/* Non-minimal length prefixes of up to 5 bytes are read, longer
	 * ones are declined (protobuf-c's limit). */
	base();
	w.n = 0;
	w_byte(&w, 0x0a);
	w_byte(&w, (uint8_t)(0x80 | e.n));
	w_byte(&w, 0x00);
	w_raw(&w, e.b, e.n);
	cr_assert_eq(same(w.b, w.n), 1);
	w.n = 0;
	w_byte(&w, 0x0a);
	w_byte(&w, (uint8_t)(0x80 | e.n));
	for (int i = 0; i < 4; i++)
		w_byte(&w, 0x80);
	w_byte(&w, 0x00);
	w_raw(&w, e.b, e.n);
	cr_assert_eq(same(w.b, w.n), 0);
	e.n = 0;
	w_raw(&e, "\x0a\x82\x80\x80\x80\x00p1", 8);
	cr_assert_eq(one(), 1);
	cr_assert_str_eq(taken_entry()->person_id, "p1");

	/* Strings: NUL, non-ASCII (valid or not), DEL, spaces. */
	static const char *odd[] = { "p\0" "1", "caf\xc3\xa9", "\xff",
	    "\xc3", "\x7f", " p1 ", "p\x01" };
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		for (uint32_t f = 1; f <= 3; f++) {
			size_t n = strlen(odd[i]) + (i == 0 ? 2 : 0);
			int want = i >= 4;	/* ASCII: taken */

			base();
			w_str(&e, f, odd[i], n);
			cr_assert_eq(one(), want, "string %zu field %u", i, f);
		}
	}

	/* Lengths: up to what the model holds taken, past it declined (the
	 * generic way says it is too long). */
	for (size_t n = 0; n <= ID_MAX + 2; n++) {
		for (uint32_t f = 1; f <= 3; f++) {
			base();
			w_str(&e, f, big, n);
			cr_assert_eq(one(), n <= (f == 1 ? ID_MAX : CAVEAT_MAX),
			    "field %u, %zu bytes", f, n);
		}
	}

	/* Caveats: CHECK_MAX_CAVEATS taken, one more declined. */
	base();
	for (int i = 0; i < CHECK_MAX_CAVEATS; i++)
		w_str(&e, 3, "UK EYES ONLY", 12);
	cr_assert_eq(one(), 1);
	cr_assert_eq(taken_entry()->n_caveats, CHECK_MAX_CAVEATS);
	w_str(&e, 3, "X", 1);
	cr_assert_eq(one(), 0);

	/* Unknown fields and wrong wire types: declined, whatever
	 * protobuf-c makes of them. */
	for (int key = 0; key < 256; key++) {
		if (key == 0x0a || key == 0x12 || key == 0x1a ||
		    key == 0x20 || key == 0x28)
			continue;
		for (int tail = 0; tail < 3; tail++) {
			base();
			w_byte(&e, (uint8_t)key);
			if (tail > 0)
				w_byte(&e, 0x01);
			if (tail > 1)
				w_byte(&e, 'a');
			cr_assert_eq(one(), 0, "key 0x%02x", key);
		}
	}
	/* A two-byte key for a known field: declined. */
	base();
	w_raw(&e, "\xa0\x00\x05", 3);
	cr_assert_eq(one(), 0);
	/* A top-level key other than 0x0a. */
	base();
	w.n = 0;
	w_entry(&w, &e);
	w_int(&w, 2, 1);
	cr_assert_eq(same(w.b, w.n), 0);
	w.n = 0;
	w_str(&w, 2, e.b, e.n);
	cr_assert_eq(same(w.b, w.n), 0);
	/* An entry longer than the payload. */
	w.n = 0;
	w_byte(&w, 0x0a);
	w_byte(&w, 0x10);
	w_raw(&w, e.b, e.n);
	cr_assert_eq(same(w.b, w.n), 0);
}

Test(batch_request, entry_counts)
{
	base();
	/* 0 entries: declined (the handler's refusal answers it). */
	cr_assert_eq(same((const uint8_t *)"", 0), 0);
	w.n = 0;
	for (int i = 0; i < BATCH_CHECK_MAX; i++)
		w_entry(&w, &e);
	cr_assert_eq(same(w.b, w.n), 1);
	w_entry(&w, &e);
	cr_assert_eq(same(w.b, w.n), 0);
	/* The reader stops after the last entry, and stays stopped. */
	{
		static struct batch_entry be;
		struct batch_request br;
		size_t n = 0;

		w.n = 0;
		for (int i = 0; i < 3; i++)
			w_entry(&w, &e);
		cr_assert_eq(batch_request_scan(&br, w.b, w.n), 1);
		cr_assert_eq(br.n, 3);
		while (batch_request_next(&br, &be))
			n++;
		cr_assert_eq(n, 3);
		cr_assert_eq(batch_request_next(&br, &be), 0);
	}
}

Test(batch_request, valid_is_convert_checks_yes_for_every_byte)
{
	static const int64_t ats[] = { 0, -1, 1, 1700000000, VETTIME_MAX,
	    VETTIME_MAX + 1, INT64_MIN, INT64_MAX };

	n_taken = n_declined = n_valid = 0;
	for (int c = 0x01; c <= 0x7f; c++) {
		for (int shape = 0; shape < 4; shape++) {
			uint8_t s[3];
			size_t n = 0;

			if (shape & 1)
				s[n++] = 'x';
			s[n++] = (uint8_t)c;
			if (shape & 2)
				s[n++] = 'x';
			for (uint32_t f = 1; f <= 3; f++) {
				base();
				w_str(&e, f, s, n);
				cr_assert_eq(one(), 1, "byte 0x%02x", c);
			}
		}
	}
	for (size_t i = 0; i < sizeof(ats) / sizeof(ats[0]); i++) {
		base();
		w_int(&e, 5, (uint64_t)ats[i]);
		cr_assert_eq(one(), 1);
		cr_assert_eq(taken_entry()->at, ats[i]);
	}
	cr_assert_eq(n_declined, 0);
	/* Of 127 bytes, 67 may be in an id and 95 in a name, which may
	 * not start or end with a space; 4 of the times are valid. */
	cr_assert_eq(n_valid, 67 * 4 + 95 * 4 * 2 - 3 * 2 + 4, "%zu valid",
	    n_valid);
}

/* The same in longer strings, which the reader checks eight bytes at a
 * time: each byte at the start, in every word position and at the end. */
Test(batch_request, valid_is_convert_checks_yes_in_long_strings)
{
	static const size_t lens[] = { 7, 8, 9, 15, 16, 17, 24, 63, 64 };
	uint8_t s[CAVEAT_MAX];

	n_taken = n_declined = n_valid = 0;
	for (int c = 0x01; c <= 0x7f; c++) {
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			for (size_t k = 0; k < lens[l]; k++) {
				memset(s, 'a' + (int)(k % 26), lens[l]);
				s[k] = (uint8_t)c;
				for (uint32_t f = 1; f <= 3; f++) {
					base();
					w_str(&e, f, s, lens[l]);
					cr_assert_eq(one(), 1);
				}
			}
		}
	}
	cr_assert_eq(n_declined, 0);
	cr_assert_gt(n_valid, 0);
}
