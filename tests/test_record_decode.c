/*
 * test_record_decode.c: the check path's hand-written person decoder
 * (server/record_decode.c) against protobuf-c's generic one
 * (record_person_decode_meta, whole = 0). Over a corpus of records made
 * by record.c's own encoder, every truncation, every one-byte change and
 * random damage of them, and hand-built wire forms (unknown fields,
 * repeated fields, odd keys and varints, wrong wire types, embedded NULs,
 * too many entries), both must answer the same status and, on success,
 * the same values in every field the rule reads with the other strings
 * empty (person_rule_view.h), the entries past the used ones untouched,
 * and the same meta; on failure neither may write anything.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "model.h"
#include "record.h"
#include "record_decode.h"
#include "status.h"
#include "person_rule_view.h"
#include "wire_build.h"

#define FILL	0xa5

static struct person *ga, *gb, *gfill;
static size_t n_ok, n_refused;

static void
setup(void)
{
	cr_assert_not_null(ga = malloc(sizeof(*ga)));
	cr_assert_not_null(gb = malloc(sizeof(*gb)));
	cr_assert_not_null(gfill = malloc(sizeof(*gfill)));
	memset(gfill, FILL, sizeof(*gfill));
}

static void
teardown(void)
{
	free(ga);
	free(gb);
	free(gfill);
}

TestSuite(record_decode, .init = setup, .fini = teardown);

/* same: both decoders agree on buf; returns the status. */
static int
same(const uint8_t *buf, size_t len)
{
	struct person_meta ma, mb;
	int ra, rb;

	memset(ga, FILL, sizeof(*ga));
	memset(gb, FILL, sizeof(*gb));
	memset(&ma, FILL, sizeof(ma));
	memset(&mb, FILL, sizeof(mb));
	ra = record_person_decode_meta(buf, len, 0, ga, &ma);
	rb = record_decode_person_rule(buf, len, gb, &mb);
	cr_assert_eq(rb, ra, "status %d, protobuf-c %d (%zu bytes)", rb, ra,
	    len);
	cr_assert(ra == STATUS_OK || ra == STATUS_DATA_LOSS, "status %d", ra);
	if (ra == STATUS_OK) {
		const char *diff = person_rule_view_diff(ga, gb);

		cr_assert_null(diff, "the people differ in %s (%zu bytes)",
		    diff, len);
		/* Entries past the used ones are left as they were. */
		cr_assert_eq(memcmp(gb->clearances + gb->n_clearances,
		    gfill->clearances + gb->n_clearances,
		    (PERSON_MAX_CLEARANCES - gb->n_clearances) *
		    sizeof(gb->clearances[0])), 0, "unused clearances written");
		cr_assert_eq(memcmp(gb->briefings + gb->n_briefings,
		    gfill->briefings + gb->n_briefings,
		    (PERSON_MAX_BRIEFINGS - gb->n_briefings) *
		    sizeof(gb->briefings[0])), 0, "unused briefings written");
	}
	cr_assert_eq(memcmp(&ma, &mb, sizeof(ma)), 0, "the meta differs");
	if (ra == STATUS_OK)
		n_ok++;
	else {
		/* Nothing written on failure. */
		cr_assert_eq(memcmp(gb, gfill, sizeof(*gb)), 0,
		    "written on failure");
		n_refused++;
	}
	return ra;
}

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n == 0 ? 0 : (uint32_t)(rng % n);
}

/* rstr writes a string of 0 to max bytes (sometimes exactly max). */
static void
rstr(char *dst, size_t max, int nonempty)
{
	size_t n = rnd(4) == 0 ? max : rnd((uint32_t)max + 1);

	if (nonempty && n == 0)
		n = 1;
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)('!' + rnd(94));
	dst[n] = '\0';
}

static vtime
rtime(void)
{
	switch (rnd(4)) {
	case 0: return 0;
	case 1: return -(vtime)rnd(1000000);
	case 2: return (vtime)1700000000 + rnd(100000000);
	default: return INT64_MAX - rnd(10);
	}
}

/* person_make: a random valid person, its sizes chosen by shape. */
static void
person_make(struct person *p, int shape)
{
	memset(p, 0, sizeof(*p));
	rstr(p->id, ID_MAX, 1);
	rstr(p->display_name, NAME_MAX_BYTES, 0);
	rstr(p->email, NAME_MAX_BYTES, 0);
	rstr(p->org_unit, ORG_UNIT_MAX, 0);
	rstr(p->nationality, 2, 0);
	p->status = (enum person_status)(PERSON_ACTIVE + rnd(3));
	p->source = (enum person_source)(SOURCE_MANUAL + rnd(2));
	if (rnd(3) == 0)
		rstr(p->status_reason, REASON_MAX, 0);
	p->created_at = rtime();
	p->updated_at = rtime();
	p->status_changed_at = rtime();
	p->n_clearances = shape == 0 ? 0 : shape == 1 ?
	    PERSON_MAX_CLEARANCES : rnd(4);
	for (size_t i = 0; i < p->n_clearances; i++) {
		struct clearance *c = &p->clearances[i];

		rstr(c->scheme, SCHEME_MAX, 0);
		rstr(c->level, LEVEL_MAX, 0);
		c->granted_at = rtime();
		c->review_due = rtime();
		rstr(c->authority, rnd(2) ? 8 : AUTHORITY_MAX, 0);
		rstr(c->reference, rnd(2) ? 8 : REFERENCE_MAX, 0);
		c->status = (enum clearance_status)(CLEARANCE_GRANTED +
		    rnd(4));
		if (rnd(4) == 0)
			rstr(c->status_reason, REASON_MAX, 0);
		c->status_changed_at = rtime();
	}
	p->n_briefings = shape == 0 ? 0 : shape == 1 ? PERSON_MAX_BRIEFINGS :
	    rnd(5);
	for (size_t i = 0; i < p->n_briefings; i++) {
		struct briefing *b = &p->briefings[i];

		rstr(b->compartment, rnd(2) ? 8 : CAVEAT_MAX, 0);
		b->briefed_at = rtime();
		b->expires_at = rtime();
		b->debriefed_at = rtime();
		if (rnd(4) == 0)
			rstr(b->debrief_reason, REASON_MAX, 0);
	}
}

/* corpus_record: record k of the corpus, malloc'd. */
static uint8_t *
corpus_record(int k, size_t *len)
{
	struct person *p = malloc(sizeof(*p));
	struct person_meta m = { 0, 0 };
	uint8_t *buf;

	cr_assert_not_null(p);
	person_make(p, k % 7);
	if (k % 2) {
		m.materialised_at = rtime();
		m.next_event_at = rtime();
	}
	cr_assert_eq(record_person_encode_meta(p, &m, &buf, len), STATUS_OK);
	free(p);
	return buf;
}

Test(record_decode, agrees_on_every_corpus_record)
{
	n_ok = n_refused = 0;
	for (int k = 0; k < 300; k++) {
		size_t len;
		uint8_t *buf = corpus_record(k, &len);

		cr_assert_eq(same(buf, len), STATUS_OK, "record %d", k);
		free(buf);
	}
	cr_assert_eq(n_ok, 300);
}

Test(record_decode, agrees_on_every_truncation)
{
	n_ok = n_refused = 0;
	for (int k = 0; k < 40; k++) {
		size_t len;
		uint8_t *buf = corpus_record(k, &len);

		/* The largest shape (k % 7 == 1, about 40 KB) every 7th
		 * length, the others at every length. */
		for (size_t n = 0; n < len; n += k % 7 == 1 ? 7 : 1)
			same(buf, n);
		free(buf);
	}
	/* Cutting at a field boundary leaves a valid record sometimes,
	 * mid-field never. */
	cr_assert_gt(n_ok, 0);
	cr_assert_gt(n_refused, 1000);
}

Test(record_decode, agrees_on_every_one_byte_change)
{
	static const uint8_t to[] = { 0x00, 0x01, 0x07, 0x08, 0x7f, 0x80,
	    0xff };

	n_ok = n_refused = 0;
	for (int k = 0; k < 20; k++) {
		size_t len;
		uint8_t *buf = corpus_record(k, &len);

		/* The largest shape at every 7th byte, the others at all. */
		for (size_t i = 0; i < len; i += k % 7 == 1 ? 7 : 1) {
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
	cr_assert_gt(n_ok, 1000);
	cr_assert_gt(n_refused, 1000);
}

Test(record_decode, agrees_on_random_damage)
{
	n_ok = n_refused = 0;
	for (int k = 0; k < 20000; k++) {
		size_t len, n;
		uint8_t *buf = corpus_record(k % 50, &len);

		n = 1 + rnd(8);
		for (size_t i = 0; i < n; i++)
			buf[rnd((uint32_t)len)] = (uint8_t)rnd(256);
		if (rnd(2)) {
			/* Splice: drop a random run of bytes. */
			size_t at = rnd((uint32_t)len), cut = rnd(16);

			if (at + cut > len)
				cut = len - at;
			memmove(buf + at, buf + at + cut, len - at - cut);
			len -= cut;
		}
		same(buf, len);
		free(buf);
	}
	for (int k = 0; k < 20000; k++) {
		uint8_t junk[64];
		size_t len = rnd(sizeof(junk) + 1);

		for (size_t i = 0; i < len; i++)
			junk[i] = (uint8_t)rnd(256);
		same(junk, len);
	}
	cr_assert_gt(n_ok, 0);
	cr_assert_gt(n_refused, 10000);
}

/* Hand-built wire forms. */

/* w_base: the smallest valid person. */
static void
w_base(struct wbuf *w)
{
	w->n = 0;
	w_str(w, 1, "p1", 2);
	w_int(w, 6, PERSON_ACTIVE);
	w_int(w, 7, SOURCE_MANUAL);
}

static void
w_clearance(struct wbuf *w, uint32_t status)
{
	struct wbuf c = { .n = 0 };

	w_str(&c, 1, "nsv", 3);
	w_str(&c, 2, "SC", 2);
	w_int(&c, 7, status);
	w_str(w, 12, c.b, c.n);
}

Test(record_decode, agrees_on_hand_built_forms)
{
	struct wbuf w;
	char big[600];

	memset(big, 'x', sizeof(big));

	w_base(&w);
	cr_assert_eq(same(w.b, w.n), STATUS_OK);
	cr_assert_str_eq(gb->id, "p1");

	/* Unknown fields of every accepted wire type are skipped. */
	w_base(&w);
	w_int(&w, 99, 5);
	w_key(&w, 100, 1);
	for (int i = 0; i < 8; i++)
		w_byte(&w, 0xee);
	w_key(&w, 101, 5);
	for (int i = 0; i < 4; i++)
		w_byte(&w, 0xee);
	w_str(&w, 102, "abc", 3);
	cr_assert_eq(same(w.b, w.n), STATUS_OK);

	/* Groups and wire types 6 and 7 are refused, known or not. */
	for (int wire = 3; wire <= 7; wire++) {
		if (wire == 5)
			continue;
		w_base(&w);
		w_key(&w, 99, wire);
		w_byte(&w, 0);
		cr_assert_eq(same(w.b, w.n), STATUS_DATA_LOSS, "wire %d",
		    wire);
	}

	/* Field 0: refused in a one-byte key, taken as unknown in a
	 * longer one (protobuf-c's reading). */
	w_base(&w);
	w_byte(&w, 0x00);
	w_byte(&w, 0x01);
	cr_assert_eq(same(w.b, w.n), STATUS_DATA_LOSS);
	w_base(&w);
	w_byte(&w, 0x80);
	w_byte(&w, 0x00);
	w_byte(&w, 0x01);
	same(w.b, w.n);
	/* A non-minimal key still names its field. */
	w.n = 0;
	w_byte(&w, 0x8a);
	w_byte(&w, 0x00);
	w_varint(&w, 2);
	w_byte(&w, 'p');
	w_byte(&w, '2');
	w_int(&w, 6, PERSON_ACTIVE);
	w_int(&w, 7, SOURCE_MANUAL);
	cr_assert_eq(same(w.b, w.n), STATUS_OK);
	cr_assert_str_eq(gb->id, "p2");
	/* A key of six bytes is refused. */
	w_base(&w);
	for (int i = 0; i < 5; i++)
		w_byte(&w, 0x80 | 0x08);
	w_byte(&w, 0x00);
	w_byte(&w, 0x00);
	cr_assert_eq(same(w.b, w.n), STATUS_DATA_LOSS);

	/* The last of a repeated scalar wins, even over one too long. */
	w_base(&w);
	w_str(&w, 1, big, ID_MAX + 1);
	cr_assert_eq(same(w.b, w.n), STATUS_DATA_LOSS);
	w_str(&w, 1, "p3", 2);
	cr_assert_eq(same(w.b, w.n), STATUS_OK);
	cr_assert_str_eq(gb->id, "p3");
	w_base(&w);
	w_str(&w, 1, big, ID_MAX);
	cr_assert_eq(same(w.b, w.n), STATUS_OK);
	w_int(&w, 6, 0);
	cr_assert_eq(same(w.b, w.n), STATUS_DATA_LOSS);

	/* A NUL cuts a string, so a long one with an early NUL fits, a
	 * string the rule does not read (left empty) as well as one it
	 * does; without the NUL both are refused. */
	big[5] = '\0';
	w_base(&w);
	w_str(&w, 2, big, sizeof(big));
	cr_assert_eq(same(w.b, w.n), STATUS_OK);
	cr_assert_str_eq(ga->display_name, "xxxxx");
	cr_assert_str_eq(gb->display_name, "");
	w_base(&w);
	w_str(&w, 3, big, sizeof(big));
	cr_assert_eq(same(w.b, w.n), STATUS_OK);
	cr_assert_str_eq(ga->email, "xxxxx");
	cr_assert_str_eq(gb->email, "");
	{
		struct wbuf c = { .n = 0 };

		w_str(&c, 1, "nsv", 3);
		w_str(&c, 2, "SC", 2);
		w_str(&c, 5, big, sizeof(big));
		w_int(&c, 7, CLEARANCE_GRANTED);
		w_base(&w);
		w_str(&w, 12, c.b, c.n);
		cr_assert_eq(same(w.b, w.n), STATUS_OK);
		cr_assert_str_eq(ga->clearances[0].authority, "xxxxx");
		cr_assert_str_eq(gb->clearances[0].authority, "");
		cr_assert_str_eq(gb->clearances[0].level, "SC");
		big[5] = 'x';
		c.n = 0;
		w_str(&c, 1, "nsv", 3);
		w_str(&c, 5, big, AUTHORITY_MAX + 1);
		w_int(&c, 7, CLEARANCE_GRANTED);
		w_base(&w);
		w_str(&w, 12, c.b, c.n);
		cr_assert_eq(same(w.b, w.n), STATUS_DATA_LOSS);
		big[5] = '\0';
	}
	w_base(&w);
	w_str(&w, 1, "\0p", 2);
	cr_assert_eq(same(w.b, w.n), STATUS_DATA_LOSS);
	big[5] = 'x';

	/* Wrong wire types on known fields are refused. */
	w_base(&w);
	w_int(&w, 2, 1);
	cr_assert_eq(same(w.b, w.n), STATUS_DATA_LOSS);
	w_base(&w);
	w_str(&w, 9, "12345678", 8);
	cr_assert_eq(same(w.b, w.n), STATUS_DATA_LOSS);
	w_base(&w);
	w_int(&w, 12, 1);
	cr_assert_eq(same(w.b, w.n), STATUS_DATA_LOSS);
	w_base(&w);
	w_key(&w, 10, 1);
	for (int i = 0; i < 8; i++)
		w_byte(&w, 0);
	cr_assert_eq(same(w.b, w.n), STATUS_DATA_LOSS);

	/* Varints: 10 bytes taken (mod 2^64), 11 refused; a uint32 keeps
	 * the low 32 bits. */
	w_base(&w);
	w_key(&w, 9, 0);
	for (int i = 0; i < 9; i++)
		w_byte(&w, 0xff);
	w_byte(&w, 0x7f);
	cr_assert_eq(same(w.b, w.n), STATUS_OK);
	cr_assert_eq(gb->created_at, -1);
	w_base(&w);
	w_key(&w, 9, 0);
	for (int i = 0; i < 10; i++)
		w_byte(&w, 0xff);
	w_byte(&w, 0x01);
	cr_assert_eq(same(w.b, w.n), STATUS_DATA_LOSS);
	w_base(&w);
	w_int(&w, 6, ((uint64_t)1 << 32) | PERSON_LEAVER);
	cr_assert_eq(same(w.b, w.n), STATUS_OK);
	cr_assert_eq(gb->status, PERSON_LEAVER);

	/* Length prefixes: six bytes, past the end, or huge: refused. */
	w_base(&w);
	w_key(&w, 2, 2);
	for (int i = 0; i < 5; i++)
		w_byte(&w, 0x80);
	w_byte(&w, 0x00);
	cr_assert_eq(same(w.b, w.n), STATUS_DATA_LOSS);
	w_base(&w);
	w_key(&w, 2, 2);
	w_varint(&w, 3);
	w_byte(&w, 'a');
	cr_assert_eq(same(w.b, w.n), STATUS_DATA_LOSS);
	w_base(&w);
	w_key(&w, 99, 2);
	w_varint(&w, (uint64_t)1 << 33);
	cr_assert_eq(same(w.b, w.n), STATUS_DATA_LOSS);

	/* Entries: up to the maxima, an empty clearance (status 0)
	 * refused, one more than allowed refused. */
	w_base(&w);
	for (int i = 0; i < PERSON_MAX_CLEARANCES; i++)
		w_clearance(&w, CLEARANCE_GRANTED + (uint32_t)(i % 4));
	cr_assert_eq(same(w.b, w.n), STATUS_OK);
	cr_assert_eq(gb->n_clearances, PERSON_MAX_CLEARANCES);
	w_clearance(&w, CLEARANCE_GRANTED);
	cr_assert_eq(same(w.b, w.n), STATUS_DATA_LOSS);
	w_base(&w);
	w_str(&w, 12, "", 0);
	cr_assert_eq(same(w.b, w.n), STATUS_DATA_LOSS);
	w_base(&w);
	w_clearance(&w, CLEARANCE_LAPSED + 1);
	cr_assert_eq(same(w.b, w.n), STATUS_DATA_LOSS);
	w_base(&w);
	for (int i = 0; i < PERSON_MAX_BRIEFINGS; i++)
		w_str(&w, 13, "", 0);
	cr_assert_eq(same(w.b, w.n), STATUS_OK);
	cr_assert_eq(gb->n_briefings, PERSON_MAX_BRIEFINGS);
	w_str(&w, 13, "", 0);
	cr_assert_eq(same(w.b, w.n), STATUS_DATA_LOSS);

	/* Meta, and the whole-record size limit. */
	w_base(&w);
	w_int(&w, 14, 1234);
	w_int(&w, 15, 5678);
	cr_assert_eq(same(w.b, w.n), STATUS_OK);
	{
		uint8_t *huge = calloc(1, RECORD_DECODE_MAX + 1);

		cr_assert_not_null(huge);
		memcpy(huge, w.b, w.n);
		cr_assert_eq(same(huge, RECORD_DECODE_MAX + 1),
		    STATUS_DATA_LOSS);
		free(huge);
	}
}
