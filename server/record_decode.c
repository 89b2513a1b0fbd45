/*
 * record_decode.c: the check path's decoder for a stored person record
 * (record.proto's PersonRecord), written by hand instead of protobuf-c's
 * generic unpack, which scans the record twice and allocates every
 * string and sub-message. One pass notes where each field lies in buf (a
 * view on the stack, no copies), then, only if the whole record would
 * pass record.c's checks, the fields the rule reads are copied into *out
 * as person_fill(whole = 0) copies them; the strings the rule never reads
 * (names, e-mail, unit, authorities, references, reasons) are checked but
 * left empty, which saves the check path a tenth of its work.
 *
 * It must refuse exactly what protobuf-c 1.4 plus record.c refuse, so it
 * follows protobuf-c's reading rules to the letter: a key of one byte
 * below 8 (field 0) is refused, but a longer key is read as a varint of
 * at most 5 bytes; varints are at most 10 bytes; a length prefix is at
 * most 5 bytes and at most INT_MAX; wire types 3, 4, 6 and 7 are refused
 * anywhere; a known field with the wrong wire type is refused, an unknown
 * one skipped; the last of repeated scalar fields wins; a string is cut
 * at its first NUL (the copy protobuf-c makes is read as a C string).
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "status.h"
#include "record_decode.h"

#define WIRE_VARINT	0
#define WIRE_64BIT	1
#define WIRE_LEN	2
#define WIRE_32BIT	5

/* A string in buf, up to its first NUL. */
struct span {
	const uint8_t	*p;
	size_t		 n;
};

struct clearance_view {
	struct span	scheme, level, authority, reference, status_reason;
	uint64_t	granted_at, review_due, status_changed_at;
	uint32_t	status;
};

struct briefing_view {
	struct span	compartment, debrief_reason;
	uint64_t	briefed_at, expires_at, debriefed_at;
};

struct person_view {
	struct span	id, display_name, email, org_unit, nationality;
	struct span	status_reason;
	uint32_t	status, source;
	uint64_t	created_at, updated_at, status_changed_at;
	uint64_t	materialised_at, next_event_at;
	size_t		n_clearances, n_briefings;
	struct clearance_view clearances[PERSON_MAX_CLEARANCES];
	struct briefing_view briefings[PERSON_MAX_BRIEFINGS];
};

/* One field as read: its number, wire type, and value or bytes. */
struct field {
	uint32_t	 num;
	int		 wire;
	uint64_t	 v;		/* WIRE_VARINT */
	const uint8_t	*p;		/* WIRE_LEN */
	size_t		 n;
};

/*
 * next_field reads the field at *at (before end) into *f and moves *at
 * past it: 1, or 0 when the bytes do not parse.
 */
static inline int
next_field(const uint8_t **at, const uint8_t *end, struct field *f)
{
	const uint8_t *d = *at;
	size_t rem = (size_t)(end - d), max, i;
	uint64_t v;
	unsigned shift;

	/* The key: protobuf-c refuses field 0 only in a one-byte key. */
	if ((d[0] & 0xf8) == 0)
		return 0;
	if (d[0] < 0x80) {
		/* One byte, and for a string a one-byte length: most fields
		 * of a record. */
		f->num = d[0] >> 3;
		f->wire = d[0] & 7;
		if (f->wire == WIRE_LEN && rem >= 2 && d[1] < 0x80) {
			if ((size_t)d[1] > rem - 2)
				return 0;
			f->p = d + 2;
			f->n = d[1];
			*at = f->p + f->n;
			return 1;
		}
	}
	max = rem < 5 ? rem : 5;
	v = 0;
	for (i = 0, shift = 0; i < max; i++, shift += 7) {
		v |= (uint64_t)(d[i] & 0x7f) << shift;
		if ((d[i] & 0x80) == 0)
			break;
	}
	if (i == max)
		return 0;
	f->num = (uint32_t)(v >> 3);
	f->wire = d[0] & 7;
	d += i + 1;
	rem -= i + 1;

	switch (f->wire) {
	case WIRE_VARINT:
		max = rem < 10 ? rem : 10;
		v = 0;
		for (i = 0, shift = 0; i < max; i++, shift += 7) {
			v |= (uint64_t)(d[i] & 0x7f) << shift;
			if ((d[i] & 0x80) == 0)
				break;
		}
		if (i == max)
			return 0;
		f->v = v;
		d += i + 1;
		break;
	case WIRE_64BIT:
		if (rem < 8)
			return 0;
		d += 8;
		break;
	case WIRE_32BIT:
		if (rem < 4)
			return 0;
		d += 4;
		break;
	case WIRE_LEN:
		max = rem < 5 ? rem : 5;
		v = 0;
		for (i = 0, shift = 0; i < max; i++, shift += 7) {
			v |= (uint64_t)(d[i] & 0x7f) << shift;
			if ((d[i] & 0x80) == 0)
				break;
		}
		if (i == max || v > INT_MAX || v > rem - (i + 1))
			return 0;
		f->p = d + i + 1;
		f->n = (size_t)v;
		d = f->p + f->n;
		break;
	default:
		return 0;
	}
	*at = d;
	return 1;
}

/* str takes a length-delimited field as a string: 1, or 0 if it is not
 * one. */
static int
str(const struct field *f, struct span *s)
{
	const uint8_t *nul;

	if (f->wire != WIRE_LEN)
		return 0;
	s->p = f->p;
	nul = f->n > 0 ? memchr(f->p, '\0', f->n) : NULL;
	s->n = nul != NULL ? (size_t)(nul - f->p) : f->n;
	return 1;
}

/* skipped takes a length-delimited field as a string the rule does not
 * read: its bytes are noted, and its first NUL looked for only if its
 * length is ever in question (fits). */
static int
skipped(const struct field *f, struct span *s)
{
	if (f->wire != WIRE_LEN)
		return 0;
	s->p = f->p;
	s->n = f->n;
	return 1;
}

/* fits: a string noted by skipped, cut at its first NUL as str cuts it,
 * is at most max bytes. */
static int
fits(const struct span *s, size_t max)
{
	const uint8_t *nul;

	if (s->n <= max)
		return 1;
	nul = memchr(s->p, '\0', s->n);
	return nul != NULL && (size_t)(nul - s->p) <= max;
}

/* u64 takes a varint field: 1, or 0 if it is not one. */
static int
u64(const struct field *f, uint64_t *v)
{
	if (f->wire != WIRE_VARINT)
		return 0;
	*v = f->v;
	return 1;
}

static int
u32(const struct field *f, uint32_t *v)
{
	if (f->wire != WIRE_VARINT)
		return 0;
	*v = (uint32_t)f->v;
	return 1;
}

static const struct span empty = { NULL, 0 };

static int
clearance_read(const uint8_t *at, const uint8_t *end, struct clearance_view *c)
{
	struct field f = { 0 };
	int ok;

	c->scheme = c->level = c->authority = c->reference =
	    c->status_reason = empty;
	c->granted_at = c->review_due = c->status_changed_at = 0;
	c->status = 0;
	while (at < end) {
		if (!next_field(&at, end, &f))
			return 0;
		switch (f.num) {
		case 1: ok = str(&f, &c->scheme); break;
		case 2: ok = str(&f, &c->level); break;
		case 3: ok = u64(&f, &c->granted_at); break;
		case 4: ok = u64(&f, &c->review_due); break;
		case 5: ok = skipped(&f, &c->authority); break;
		case 6: ok = skipped(&f, &c->reference); break;
		case 7: ok = u32(&f, &c->status); break;
		case 8: ok = skipped(&f, &c->status_reason); break;
		case 9: ok = u64(&f, &c->status_changed_at); break;
		default: ok = 1; break;
		}
		if (!ok)
			return 0;
	}
	return c->scheme.n <= SCHEME_MAX && c->level.n <= LEVEL_MAX &&
	    fits(&c->authority, AUTHORITY_MAX) &&
	    fits(&c->reference, REFERENCE_MAX) &&
	    fits(&c->status_reason, REASON_MAX) &&
	    c->status >= CLEARANCE_GRANTED && c->status <= CLEARANCE_LAPSED;
}

static int
briefing_read(const uint8_t *at, const uint8_t *end, struct briefing_view *b)
{
	struct field f = { 0 };
	int ok;

	b->compartment = b->debrief_reason = empty;
	b->briefed_at = b->expires_at = b->debriefed_at = 0;
	while (at < end) {
		if (!next_field(&at, end, &f))
			return 0;
		switch (f.num) {
		case 1: ok = str(&f, &b->compartment); break;
		case 2: ok = u64(&f, &b->briefed_at); break;
		case 3: ok = u64(&f, &b->expires_at); break;
		case 4: ok = u64(&f, &b->debriefed_at); break;
		case 5: ok = skipped(&f, &b->debrief_reason); break;
		default: ok = 1; break;
		}
		if (!ok)
			return 0;
	}
	return b->compartment.n <= CAVEAT_MAX &&
	    fits(&b->debrief_reason, REASON_MAX);
}

/* person_read fills *v from buf: 1, or 0 if record.c would refuse it. */
static int
person_read(const uint8_t *at, const uint8_t *end, struct person_view *v)
{
	struct field f = { 0 };
	int ok;

	v->id = v->display_name = v->email = v->org_unit = v->nationality =
	    v->status_reason = empty;
	v->status = v->source = 0;
	v->created_at = v->updated_at = v->status_changed_at = 0;
	v->materialised_at = v->next_event_at = 0;
	v->n_clearances = v->n_briefings = 0;
	while (at < end) {
		if (!next_field(&at, end, &f))
			return 0;
		switch (f.num) {
		case 1: ok = str(&f, &v->id); break;
		case 2: ok = skipped(&f, &v->display_name); break;
		case 3: ok = skipped(&f, &v->email); break;
		case 4: ok = skipped(&f, &v->org_unit); break;
		case 5: ok = str(&f, &v->nationality); break;
		case 6: ok = u32(&f, &v->status); break;
		case 7: ok = u32(&f, &v->source); break;
		case 8: ok = skipped(&f, &v->status_reason); break;
		case 9: ok = u64(&f, &v->created_at); break;
		case 10: ok = u64(&f, &v->updated_at); break;
		case 11: ok = u64(&f, &v->status_changed_at); break;
		case 12:
			ok = f.wire == WIRE_LEN &&
			    v->n_clearances < PERSON_MAX_CLEARANCES &&
			    clearance_read(f.p, f.p + f.n,
			    &v->clearances[v->n_clearances++]);
			break;
		case 13:
			ok = f.wire == WIRE_LEN &&
			    v->n_briefings < PERSON_MAX_BRIEFINGS &&
			    briefing_read(f.p, f.p + f.n,
			    &v->briefings[v->n_briefings++]);
			break;
		case 14: ok = u64(&f, &v->materialised_at); break;
		case 15: ok = u64(&f, &v->next_event_at); break;
		default: ok = 1; break;
		}
		if (!ok)
			return 0;
	}
	return v->id.n > 0 && v->id.n <= ID_MAX &&
	    fits(&v->display_name, NAME_MAX_BYTES) &&
	    fits(&v->email, NAME_MAX_BYTES) &&
	    fits(&v->org_unit, ORG_UNIT_MAX) &&
	    v->nationality.n < sizeof(((struct person *)0)->nationality) &&
	    fits(&v->status_reason, REASON_MAX) &&
	    v->status >= PERSON_ACTIVE && v->status <= PERSON_LEAVER &&
	    v->source >= SOURCE_MANUAL && v->source <= SOURCE_DIRECTORY;
}

/* put writes a span that fits into its (zeroed) field. */
static void
put(char *dst, const struct span *s)
{
	if (s->n > 0)
		memcpy(dst, s->p, s->n);
	dst[s->n] = '\0';
}

int
record_decode_person_rule(const uint8_t *buf, size_t len, struct person *p,
    struct person_meta *m)
{
	struct person_view v;
	size_t i;

	if (len > RECORD_DECODE_MAX ||
	    !person_read(buf, buf + len, &v))
		return STATUS_DATA_LOSS;

	/* As record.c's person_fill(whole = 0) for what the rule reads. */
	put(p->id, &v.id);
	p->display_name[0] = p->email[0] = p->org_unit[0] = '\0';
	put(p->nationality, &v.nationality);
	p->status = (enum person_status)v.status;
	p->source = (enum person_source)v.source;
	p->status_reason[0] = '\0';
	p->created_at = (vtime)v.created_at;
	p->updated_at = (vtime)v.updated_at;
	p->status_changed_at = (vtime)v.status_changed_at;

	p->n_clearances = v.n_clearances;
	for (i = 0; i < v.n_clearances; i++) {
		const struct clearance_view *cv = &v.clearances[i];
		struct clearance *c = &p->clearances[i];

		put(c->scheme, &cv->scheme);
		put(c->level, &cv->level);
		c->granted_at = (vtime)cv->granted_at;
		c->review_due = (vtime)cv->review_due;
		c->authority[0] = c->reference[0] = '\0';
		c->status = (enum clearance_status)cv->status;
		c->status_reason[0] = '\0';
		c->status_changed_at = (vtime)cv->status_changed_at;
	}

	p->n_briefings = v.n_briefings;
	for (i = 0; i < v.n_briefings; i++) {
		const struct briefing_view *bv = &v.briefings[i];
		struct briefing *b = &p->briefings[i];

		put(b->compartment, &bv->compartment);
		b->briefed_at = (vtime)bv->briefed_at;
		b->expires_at = (vtime)bv->expires_at;
		b->debriefed_at = (vtime)bv->debriefed_at;
		b->debrief_reason[0] = '\0';
	}
	if (m != NULL) {
		m->materialised_at = (vtime)v.materialised_at;
		m->next_event_at = (vtime)v.next_event_at;
	}
	return STATUS_OK;
}
