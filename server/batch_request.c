/*
 * batch_request.c: BatchCheck's request read straight from the wire (see
 * batch_request.h). The scan checks the shape of everything once; the
 * per-entry read after it trusts what the scan saw, splits the fields,
 * copies the strings into the check_request and classes their bytes on
 * the way, which is all convert_check's rules need.
 */
#include <string.h>

#include "batch_request.h"
#include "vettime.h"

#define KEY_CHECKS	0x0a	/* BatchCheckRequest.checks, length-delimited */
#define KEY_PERSON_ID	0x0a	/* CheckRequest.person_id */
#define KEY_MARKING	0x12	/* CheckRequest.marking */
#define KEY_CAVEATS	0x1a	/* CheckRequest.caveats */
#define KEY_MIN_REV	0x20	/* CheckRequest.min_revision, varint */
#define KEY_AT		0x28	/* CheckRequest.at, varint */

/*
 * length_prefix reads a length of at most 5 bytes (protobuf-c's limit
 * for length prefixes) that fits in what is left: bytes used, or 0.
 */
static size_t
length_prefix(const uint8_t *p, size_t left, size_t *out)
{
	size_t v = 0;

	for (size_t i = 0; i < left && i < 5; i++) {
		v |= (size_t)(p[i] & 0x7f) << (7 * i);
		if ((p[i] & 0x80) == 0) {
			if (v > left - i - 1)
				return 0;
			*out = v;
			return i + 1;
		}
	}
	return 0;
}

/* varint_len: the bytes of a varint of at most 10 bytes, or 0. */
static size_t
varint_len(const uint8_t *p, size_t left)
{
	for (size_t i = 0; i < left && i < 10; i++)
		if ((p[i] & 0x80) == 0)
			return i + 1;
	return 0;
}

/* varint_value: a varint varint_len measured, as protobuf-c reads it
 * (the bits past 64 of a 10th byte are dropped). */
static uint64_t
varint_value(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
	return v;
}

/*
 * plain: 1 when every byte is 0x01..0x7f (no NUL; ASCII is UTF-8). Eight
 * bytes at a time: a byte with its top bit set, or a zero byte (whose
 * v - 1 borrows into its top bit while ~v keeps it), sets a top bit.
 */
static int
plain(const uint8_t *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101u;
	const uint64_t tops = 0x8080808080808080u;
	uint64_t v, bad = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&v, p + i, 8);
		bad |= v | ((v - ones) & ~v);
	}
	for (; i < n; i++)
		bad |= (uint8_t)(p[i] | (uint8_t)(p[i] - 1));
	return (bad & tops) == 0;
}

/* string_clean: a string field of at most max plain bytes at p[*pos]. */
static int
string_clean(const uint8_t *p, size_t len, size_t *pos, size_t max)
{
	size_t n, used;

	if ((used = length_prefix(p + *pos, len - *pos, &n)) == 0 ||
	    n > max || !plain(p + *pos + used, n))
		return 0;
	*pos += used + n;
	return 1;
}

/* entry_clean: 1 when one CheckRequest has the shape the read takes. */
static int
entry_clean(const uint8_t *p, size_t len)
{
	size_t pos = 0, caveats = 0, used;

	while (pos < len) {
		switch (p[pos++]) {
		case KEY_PERSON_ID:
			if (!string_clean(p, len, &pos, ID_MAX))
				return 0;
			break;
		case KEY_CAVEATS:
			if (++caveats > CHECK_MAX_CAVEATS)
				return 0;
			/* FALLTHROUGH */
		case KEY_MARKING:
			if (!string_clean(p, len, &pos, CAVEAT_MAX))
				return 0;
			break;
		case KEY_MIN_REV:
		case KEY_AT:
			if ((used = varint_len(p + pos, len - pos)) == 0)
				return 0;
			pos += used;
			break;
		default:
			return 0;
		}
	}
	return 1;
}

int
batch_request_scan(struct batch_request *br, const uint8_t *buf, size_t len)
{
	size_t pos = 0, n = 0, elen, used;

	while (pos < len) {
		if (buf[pos++] != KEY_CHECKS)
			return 0;
		if ((used = length_prefix(buf + pos, len - pos, &elen)) == 0)
			return 0;
		pos += used;
		if (!entry_clean(buf + pos, elen) || ++n > BATCH_CHECK_MAX)
			return 0;
		pos += elen;
	}
	if (n == 0)
		return 0;
	br->buf = buf;
	br->len = len;
	br->n = n;
	br->pos = 0;
	return 1;
}

/*
 * The classes of a byte, for convert_check's rules: C_ID, one of an id's
 * A-Z a-z 0-9 . _ @ : - (validate_id); C_NAME, printable ASCII, 0x20..0x7e
 * (validate_name; printable below checks it eight bytes at a time).
 */
#define C_ID	1
#define C_NAME	2
static const uint8_t byte_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 2,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 3,
	2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 0,
	/* 0x80..0xff: none (and the scan lets none through) */
};

/* printable: no byte below 0x20 nor 0x7f, of bytes the scan kept to
 * 0x01..0x7f (so the borrows below stay within each byte's top bit). */
static int
printable(const uint8_t *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101u;
	const uint64_t tops = 0x8080808080808080u;
	uint64_t v, w, bad = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&v, p + i, 8);
		w = v ^ (0x7f * ones);
		bad |= ((v - 0x20 * ones) & ~v) | ((w - ones) & ~w);
	}
	for (; i < n; i++)
		bad |= p[i] < 0x20 || p[i] == 0x7f ? tops : 0;
	return (bad & tops) == 0;
}

/*
 * take copies the string at p (its prefix and bytes checked by the scan)
 * to dst with a NUL; returns the bytes it took. *ok: 1 when the string
 * passes validate_id (want C_ID) or validate_name (C_NAME) as it stands.
 */
static size_t
take(const uint8_t *p, const uint8_t *end, char *dst, unsigned want,
    int *ok)
{
	size_t n = 0, used = length_prefix(p, (size_t)(end - p), &n);
	unsigned cls = C_ID;

	p += used;
	memcpy(dst, p, n);
	dst[n] = '\0';
	if (want == C_ID) {
		for (size_t i = 0; i < n; i++)
			cls &= byte_class[p[i]];
		*ok = n > 0 && cls != 0;
	} else
		*ok = n > 0 && printable(p, n) && p[0] != ' ' &&
		    p[n - 1] != ' ';
	return used + n;
}

int
batch_request_next(struct batch_request *br, struct batch_entry *e)
{
	struct check_request *r = &e->req;
	const uint8_t *p, *end;
	size_t elen = 0, used;
	int id_ok = 0, marking_ok = 0, caveats_ok = 1, ok;

	if (br->pos >= br->len)
		return 0;
	p = br->buf + br->pos + 1;
	used = length_prefix(p, br->len - br->pos - 1, &elen);
	p += used;
	end = p + elen;
	br->pos = (size_t)(end - br->buf);

	vet__v1__check_request__init(&e->msg);
	r->person_id[0] = '\0';	/* absent: protobuf-c's "" */
	r->marking[0] = '\0';
	r->n_caveats = 0;
	r->at = 0;
	while (p < end) {
		uint8_t key = *p++;

		switch (key) {
		case KEY_PERSON_ID:
			p += take(p, end, r->person_id, C_ID, &id_ok);
			break;
		case KEY_MARKING:
			p += take(p, end, r->marking, C_NAME, &marking_ok);
			break;
		case KEY_CAVEATS:
			p += take(p, end, r->caveats[r->n_caveats], C_NAME, &ok);
			e->caveat_ptrs[r->n_caveats] = r->caveats[r->n_caveats];
			r->n_caveats++;
			caveats_ok &= ok;
			break;
		default:	/* KEY_MIN_REV, KEY_AT */
			used = varint_len(p, (size_t)(end - p));
			if (key == KEY_MIN_REV)
				e->msg.min_revision = varint_value(p, used);
			else
				r->at = (int64_t)varint_value(p, used);
			p += used;
			break;
		}
	}
	e->msg.person_id = r->person_id;
	e->msg.marking = r->marking;
	e->msg.n_caveats = r->n_caveats;
	e->msg.caveats = e->caveat_ptrs;
	e->msg.at = r->at;
	/* convert_check's order of rules does not matter for a yes. */
	e->valid = id_ok && marking_ok && caveats_ok &&
	    (r->at == 0 || vettime_valid(r->at));
	return 1;
}
