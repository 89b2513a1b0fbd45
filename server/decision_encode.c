/*
 * decision_encode.c: one vet.v1.Decision as an entry of
 * BatchCheckResponse.decisions, written the way protobuf-c 1.4 packs it:
 * fields in number order, a proto3 field left out when it is zero (a
 * string when NULL or empty), an enum as an int32 (a negative one
 * sign-extended to ten bytes), int64 and uint64 as plain varints.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decision_encode.h"
#include "pb_write.h"

/* An enum travels as an int32: negative ones as their 64-bit form. */
static uint64_t
enum_bits(int v)
{
	return (uint64_t)(int64_t)v;
}

static size_t
int_size(uint64_t v)
{
	return v == 0 ? 0 : 1 + varint_size(v);
}

static size_t
str_size(const char *s)
{
	size_t n;

	if (s == NULL || *s == '\0')
		return 0;
	n = strlen(s);
	return 1 + varint_size(n) + n;
}

static uint8_t *
put_str(uint8_t *p, unsigned num, const char *s)
{
	size_t n;

	if (s == NULL || *s == '\0')
		return p;
	n = strlen(s);
	*p++ = KEY(num, WIRE_LEN);
	p = put_varint(p, n);
	memcpy(p, s, n);
	return p + n;
}

static size_t
body_size(const Vet__V1__Decision *w)
{
	return int_size(enum_bits((int)w->effect)) +
	    int_size(enum_bits((int)w->reason)) +
	    str_size(w->explanation) +
	    int_size((uint64_t)w->valid_until) +
	    int_size(w->revision) +
	    str_size(w->policy_digest) +
	    int_size((uint64_t)w->decided_at) +
	    str_size(w->person_id) +
	    int_size((uint64_t)w->at);
}

size_t
decision_body_size(const Vet__V1__Decision *w)
{
	return body_size(w);
}

size_t
decision_entry_size(const Vet__V1__Decision *w)
{
	size_t n = body_size(w);

	return 1 + varint_size(n) + n;
}

size_t
decision_entry_encode(const Vet__V1__Decision *w, uint8_t *out)
{
	return decision_entry_encode_sized(w, body_size(w), out);
}

size_t
decision_entry_encode_sized(const Vet__V1__Decision *w, size_t body,
    uint8_t *out)
{
	uint8_t *p = out;

	*p++ = KEY(1, WIRE_LEN);
	p = put_varint(p, body);
	p = put_int(p, 1, enum_bits((int)w->effect));
	p = put_int(p, 2, enum_bits((int)w->reason));
	p = put_str(p, 3, w->explanation);
	p = put_int(p, 4, (uint64_t)w->valid_until);
	p = put_int(p, 5, w->revision);
	p = put_str(p, 6, w->policy_digest);
	p = put_int(p, 7, (uint64_t)w->decided_at);
	p = put_str(p, 8, w->person_id);
	p = put_int(p, 9, (uint64_t)w->at);
	return (size_t)(p - out);
}
