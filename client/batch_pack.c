/*
 * batch_pack.c: a BatchCheckRequest written by hand, byte for byte
 * what protobuf_c_message_pack (1.4) writes for the messages vet_check's
 * check_request_fill would build: each CheckRequest an entry of field 1
 * (key, length, body); in the body, fields in number order, a string
 * left out when empty (a NULL one is ""), every caveat written (an empty
 * one too), min_revision and at as plain varints left out when zero (a
 * negative at in ten bytes). Walking protobuf-c's descriptors to size
 * and pack a hundred small messages cost more than the rest of a
 * BatchCheck's client side together.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libvet_internal.h"
#include "batch_wire.h"
#include "pb_write.h"

static size_t
int_size(uint64_t v)
{
	return v == 0 ? 0 : 1 + varint_size(v);
}

/* A string field of len bytes, written even when empty. */
static size_t
bytes_size(size_t len)
{
	return 1 + varint_size(len) + len;
}

static uint8_t *
put_bytes(uint8_t *p, unsigned num, const char *s, size_t len)
{
	*p++ = KEY(num, WIRE_LEN);
	p = put_varint(p, len);
	memcpy(p, s, len);
	return p + len;
}

/* PACK_GUESS: bytes a check takes, to size the first buffer (a
 * person id, a marking, a caveat); a larger batch grows it. */
#define PACK_GUESS	48

int
batch_request_pack(const vet_check_request *reqs, size_t n, uint8_t **out,
    size_t *len, vet_status *st)
{
	size_t cap = 16 + n * PACK_GUESS, used = 0, body, need, il, ml;
	uint8_t *b, *nb, *p;

	if ((b = malloc(cap)) == NULL)
		return status_oom(st);
	for (size_t k = 0; k < n; k++) {
		const vet_check_request *r = &reqs[k];
		const char *id = r->person_id != NULL ? r->person_id : "";
		const char *mark = r->marking != NULL ? r->marking : "";

		/* As check_request_fill says it. */
		if (r->n_caveats > 0 && r->caveats == NULL) {
			free(b);
			return status_set(st, VET_INVALID_ARGUMENT, 0,
			    "no caveats given");
		}
		il = strlen(id);
		ml = strlen(mark);
		body = (il > 0 ? bytes_size(il) : 0) +
		    (ml > 0 ? bytes_size(ml) : 0) +
		    int_size(r->min_revision) + int_size((uint64_t)r->at);
		for (size_t i = 0; i < r->n_caveats; i++) {
			if (r->caveats[i] == NULL) {
				free(b);
				return status_set(st, VET_INVALID_ARGUMENT, 0,
				    "caveat %zu is missing", i);
			}
			body += bytes_size(strlen(r->caveats[i]));
		}
		need = 1 + varint_size(body) + body;
		if (need > cap - used) {
			cap = cap * 2 > used + need ? cap * 2 : used + need;
			if ((nb = realloc(b, cap)) == NULL) {
				free(b);
				return status_oom(st);
			}
			b = nb;
		}
		p = b + used;
		*p++ = KEY(1, WIRE_LEN);
		p = put_varint(p, body);
		if (il > 0)
			p = put_bytes(p, 1, id, il);
		if (ml > 0)
			p = put_bytes(p, 2, mark, ml);
		for (size_t i = 0; i < r->n_caveats; i++)
			p = put_bytes(p, 3, r->caveats[i],
			    strlen(r->caveats[i]));
		p = put_int(p, 4, r->min_revision);
		p = put_int(p, 5, (uint64_t)r->at);
		used = (size_t)(p - b);
	}
	*out = b;
	*len = used;
	return VET_OK;
}
