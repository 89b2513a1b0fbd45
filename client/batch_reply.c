/*
 * batch_reply.c: BatchCheck's reply read by hand. One pass over the
 * RpcResponse finds its fields; a second over the payload (the
 * BatchCheckResponse) reads each Decision and writes it straight into
 * the caller's vet_decision, with no message, string copy or allocation
 * per decision.
 *
 * It takes only the plain shape, which vetd always sends: every field
 * known, with its own wire type, present once at most (a Decision's in
 * number order); a one-byte key; varints of at most ten bytes; length
 * prefixes of at most four. On that shape protobuf-c 1.4 decodes what
 * this reads: a varint's low 64 bits (an int32 field its low 32), a
 * string up to its first NUL when read as a C string (here: cut there
 * too), a field left out as zero or "". Anything else (an unknown or
 * repeated field, a wrong wire type, a truncated or overlong varint,
 * bytes that run out) is declined, for client_reply_decode and
 * batch_reply_finish to read as they always have: where protobuf-c's
 * rules get subtle (the last of repeated fields wins, repeated
 * submessages merge, unknown fields are kept) this reader does not try
 * to follow them.
 *
 * What the caller gets is then decided as before: the status from the
 * envelope (VET_UNKNOWN for a code libvet does not know), the request id
 * checked, and each decision taken only when it is an ALLOW or DENY for
 * the person asked about (no ALLOW beside an error), else the whole
 * batch, or beside an error status that check alone, fails closed.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "libvet_internal.h"
#include "batch_wire.h"

#define WIRE_VARINT	0
#define WIRE_LEN	2
#define KEY(num, wire)	((uint8_t)((num) << 3 | (wire)))
#define VARINT_MAX	10	/* bytes: protobuf-c refuses longer */
#define LEN_PREFIX_MAX	4	/* bytes: up to 256 MB, past any reply */

#define EFFECT_ALLOW	VET__V1__EFFECT__EFFECT_ALLOW
#define EFFECT_DENY	VET__V1__EFFECT__EFFECT_DENY

static atomic_ulong declines;

/* Bytes in the reply: a string field's, or a message's. */
struct span {
	const uint8_t	*p;
	size_t		 len;
};

/* get_varint reads a varint at *pp (before end) as protobuf-c does: its
 * low 64 bits. -1: it runs past end or past VARINT_MAX bytes. */
static inline int
get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t x = 0;

	if (p < end && *p < 0x80) {
		*v = *p;
		*pp = p + 1;
		return 0;
	}
	if ((size_t)(end - p) >= VARINT_MAX) {
		/* Room for the longest: no need to look for the end. */
		for (unsigned i = 0; i < VARINT_MAX; i++) {
			x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
			if (p[i] < 0x80) {
				*pp = p + i + 1;
				*v = x;
				return 0;
			}
		}
		return -1;
	}
	for (unsigned shift = 0; shift < 7 * VARINT_MAX; shift += 7) {
		if (p == end)
			return -1;
		x |= (uint64_t)(*p & 0x7f) << shift;
		if (*p++ < 0x80) {
			*pp = p;
			*v = x;
			return 0;
		}
	}
	return -1;
}

/* get_span reads a length prefix at *pp and the bytes it counts, which
 * must all be before end; *pp moves past them. */
static inline int
get_span(const uint8_t **pp, const uint8_t *end, struct span *s)
{
	const uint8_t *p = *pp;
	size_t len = 0;

	for (unsigned i = 0; i < LEN_PREFIX_MAX; i++) {
		if (p == end)
			return -1;
		len |= (size_t)(*p & 0x7f) << (7 * i);
		if (*p++ < 0x80) {
			if (len > (size_t)(end - p))
				return -1;
			s->p = p;
			s->len = len;
			*pp = p + len;
			return 0;
		}
	}
	return -1;
}

/* cstr_len: the length of s read as a C string, as protobuf-c's
 * NUL-terminated copy of it would be read: up to its first NUL. */
static inline size_t
cstr_len(const uint8_t *p, size_t len)
{
	const uint8_t *z;

	if (len == 0)
		return 0;
	z = memchr(p, '\0', len);
	return z != NULL ? (size_t)(z - p) : len;
}

/* read_status reads a vet.v1.Status. */
static int
read_status(struct span s, int32_t *code, struct span *msg)
{
	const uint8_t *p = s.p, *end = s.p + s.len;
	unsigned seen = 0;
	uint64_t v;

	while (p < end) {
		switch (*p++) {
		case KEY(1, WIRE_VARINT):
			if ((seen & 1) || get_varint(&p, end, &v) != 0)
				return -1;
			*code = (int32_t)(uint32_t)v;
			seen |= 1;
			break;
		case KEY(2, WIRE_LEN):
			if ((seen & 2) || get_span(&p, end, msg) != 0)
				return -1;
			seen |= 2;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

/* text_put copies s into the zeroed dst as decision_from_wire does:
 * read as a C string, cut to size - 1 bytes. */
static inline void
text_put(char *dst, size_t size, const uint8_t *p, size_t len)
{
	size_t n = cstr_len(p, len < size - 1 ? len : size - 1);

	if (n > 0)
		memcpy(dst, p, n);
}

/* next_is: the next byte before end is key (then passed over). */
static inline int
next_is(const uint8_t **pp, const uint8_t *end, uint8_t key)
{
	if (*pp < end && **pp == key) {
		(*pp)++;
		return 1;
	}
	return 0;
}

/*
 * read_decision reads a vet.v1.Decision (s) into d as protobuf-c and
 * decision_from_wire would fill it, and gives what usable needs: the
 * wire's effect and person id. Its fields must come in number order,
 * each once, as vetd and protobuf-c write them: anything left over is
 * an unknown, repeated, mistyped or misplaced field.
 */
static int
read_decision(struct span s, vet_decision *d, int32_t *effect,
    struct span *person_id)
{
	const uint8_t *p = s.p, *end = s.p + s.len;
	const char *name;
	struct span t;
	uint64_t v;

	memset(d, 0, sizeof(*d));
	*effect = 0;
	person_id->p = NULL;
	person_id->len = 0;
	if (next_is(&p, end, KEY(1, WIRE_VARINT))) {
		if (get_varint(&p, end, &v) != 0)
			return -1;
		*effect = (int32_t)(uint32_t)v;
	}
	if (next_is(&p, end, KEY(2, WIRE_VARINT))) {
		if (get_varint(&p, end, &v) != 0)
			return -1;
		d->reason = (int32_t)(uint32_t)v;
	}
	if (next_is(&p, end, KEY(3, WIRE_LEN))) {
		if (get_span(&p, end, &t) != 0)
			return -1;
		text_put(d->explanation, sizeof(d->explanation), t.p, t.len);
	}
	if (next_is(&p, end, KEY(4, WIRE_VARINT))) {
		if (get_varint(&p, end, &v) != 0)
			return -1;
		d->valid_until = (int64_t)v;
	}
	if (next_is(&p, end, KEY(5, WIRE_VARINT)) &&
	    get_varint(&p, end, &d->revision) != 0)
		return -1;
	if (next_is(&p, end, KEY(6, WIRE_LEN))) {
		if (get_span(&p, end, &t) != 0)
			return -1;
		text_put(d->policy_digest, sizeof(d->policy_digest), t.p,
		    t.len);
	}
	if (next_is(&p, end, KEY(7, WIRE_VARINT))) {
		if (get_varint(&p, end, &v) != 0)
			return -1;
		d->decided_at = (int64_t)v;
	}
	if (next_is(&p, end, KEY(8, WIRE_LEN)) &&
	    get_span(&p, end, person_id) != 0)
		return -1;
	if (next_is(&p, end, KEY(9, WIRE_VARINT))) {
		if (get_varint(&p, end, &v) != 0)
			return -1;
		d->at = (int64_t)v;
	}
	if (p != end)
		return -1;
	/* Anything but an explicit ALLOW is a DENY. */
	d->effect = *effect == EFFECT_ALLOW ? VET_ALLOW : VET_DENY;
	name = vet_reason_name(d->reason);
	memcpy(d->reason_name, name, strnlen(name, sizeof(d->reason_name) - 1));
	if (d->at == 0)
		d->at = d->decided_at;
	return 0;
}

/* usable is decision_usable on the wire's effect and person id. */
static int
usable(int32_t effect, struct span id, const char *person_id, int code)
{
	size_t n;

	if (effect != EFFECT_ALLOW && effect != EFFECT_DENY)
		return 0;
	n = cstr_len(id.p, id.len);
	if (person_id == NULL)
		person_id = "";
	/* The id is for person_id: the same n bytes, then its end. */
	if (n > 0 && (strncmp((const char *)id.p, person_id, n) != 0 ||
	    person_id[n] != '\0'))
		return 0;
	/* An ALLOW beside an error status is contradictory: fail closed. */
	if (code != VET_OK && effect == EFFECT_ALLOW)
		return 0;
	return 1;
}

/* read_envelope finds the RpcResponse's fields. */
static int
read_envelope(const uint8_t *p, const uint8_t *end, struct span *rid,
    int32_t *code, struct span *msg, struct span *payload,
    uint64_t *revision)
{
	struct span status;
	unsigned seen = 0, bit;
	uint8_t key;
	int rv;

	while (p < end) {
		key = *p++;
		switch (key) {
		case KEY(1, WIRE_LEN):
			rv = get_span(&p, end, rid);
			break;
		case KEY(2, WIRE_LEN):
			rv = get_span(&p, end, &status);
			if (rv == 0)
				rv = read_status(status, code, msg);
			break;
		case KEY(3, WIRE_LEN):
			rv = get_span(&p, end, payload);
			break;
		case KEY(4, WIRE_VARINT):
			rv = get_varint(&p, end, revision);
			break;
		default:
			return -1;
		}
		bit = 1u << (key >> 3);
		if (rv != 0 || (seen & bit))
			return -1;
		seen |= bit;
	}
	return 0;
}

int
batch_reply_read(const uint8_t *data, size_t len, const char *request_id,
    const vet_check_request *reqs, size_t n, vet_decision *out,
    vet_status *st)
{
	struct span rid = { NULL, 0 }, msg = { NULL, 0 };
	struct span payload = { NULL, 0 }, e, id;
	vet_decision spare;
	const uint8_t *p, *end;
	const char *text;
	uint64_t revision = 0;
	int32_t code = VET_OK, effect;
	size_t k, bad = SIZE_MAX, idl = strlen(request_id);

	if (data == NULL || read_envelope(data, data + len, &rid, &code, &msg,
	    &payload, &revision) != 0)
		goto decline;
	if (cstr_len(rid.p, rid.len) != idl ||
	    (idl > 0 && memcmp(rid.p, request_id, idl) != 0)) {
		status_set(st, VET_INTERNAL, 0,
		    "vetd's answer carries another request's id");
		goto deny;
	}
	/* "%.*s" stops at a NUL as "%s" on protobuf-c's copy would. */
	text = msg.len > 0 ? (const char *)msg.p : "";
	if (code < VET_OK || code > VET_UNAUTHENTICATED)
		status_set(st, VET_UNKNOWN, revision,
		    "vetd sent status code %d: %.*s", (int)code, (int)msg.len,
		    text);
	else
		status_set(st, code, revision, "%.*s", (int)msg.len, text);
	if (payload.len == 0 && st->code != VET_OK)
		goto deny;

	p = payload.p;
	end = payload.len > 0 ? payload.p + payload.len : payload.p;
	for (k = 0; p < end; k++) {
		/* Too many: read them all the same, into spare. */
		if (*p++ != KEY(1, WIRE_LEN) || get_span(&p, end, &e) != 0 ||
		    read_decision(e, k < n ? &out[k] : &spare, &effect,
		    &id) != 0)
			goto decline;
		if (k >= n || usable(effect, id, reqs[k].person_id, st->code))
			continue;
		if (st->code != VET_OK)
			decision_deny(&out[k], st);
		else if (bad == SIZE_MAX)
			bad = k;
	}
	if (k != n) {
		if (st->code == VET_OK)
			status_set(st, VET_INTERNAL, st->revision,
			    "vetd sent %zu decisions for %zu checks", k, n);
		goto deny;
	}
	if (bad != SIZE_MAX) {
		status_set(st, VET_INTERNAL, st->revision,
		    "vetd sent decision %zu without an effect or for another "
		    "person", bad);
		goto deny;
	}
	return 1;
deny:
	for (k = 0; k < n; k++)
		decision_deny(&out[k], st);
	return 1;
decline:
	atomic_fetch_add_explicit(&declines, 1, memory_order_relaxed);
	return 0;
}

void
batch_reply_finish(const Vet__V1__BatchCheckResponse *resp,
    const vet_check_request *reqs, size_t n, vet_decision *out,
    vet_status *st)
{
	if (resp == NULL)
		goto deny;
	if (resp->n_decisions != n) {
		if (st->code == VET_OK)
			status_set(st, VET_INTERNAL, st->revision,
			    "vetd sent %zu decisions for %zu checks",
			    resp->n_decisions, n);
		goto deny;
	}
	for (size_t i = 0; i < n; i++) {
		if (decision_usable(resp->decisions[i], reqs[i].person_id,
		    st->code))
			decision_from_wire(resp->decisions[i], &out[i]);
		else if (st->code == VET_OK) {
			status_set(st, VET_INTERNAL, st->revision,
			    "vetd sent decision %zu without an effect or for "
			    "another person", i);
			goto deny;
		} else
			decision_deny(&out[i], st);
	}
	return;
deny:
	for (size_t i = 0; i < n; i++)
		decision_deny(&out[i], st);
}

unsigned long
batch_reply_declines(void)
{
	return atomic_load_explicit(&declines, memory_order_relaxed);
}
