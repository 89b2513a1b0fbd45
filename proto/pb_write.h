/*
 * pb_write.h: the pieces of protobuf's wire encoding that vetd's
 * hand-written BatchCheck reply (server/decision_encode.c) and libvet's
 * hand-packed BatchCheck request (client/batch_pack.c) write with, so
 * both write varints and keys the one way protobuf-c does.
 */
#ifndef VET_PB_WRITE_H
#define VET_PB_WRITE_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_VARINT	0
#define WIRE_LEN	2
#define KEY(num, wire)	((uint8_t)((num) << 3 | (wire)))

/* varint_size: the bytes v takes as a varint (1 to 10). */
static inline size_t
varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* put_varint writes v at p and returns the byte after it. */
static inline uint8_t *
put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* put_int writes field num as a varint, unless v is 0 (proto3 leaves
 * a zero scalar out), and returns the byte after it. */
static inline uint8_t *
put_int(uint8_t *p, unsigned num, uint64_t v)
{
	if (v == 0)
		return p;
	*p++ = KEY(num, WIRE_VARINT);
	return put_varint(p, v);
}

#endif /* VET_PB_WRITE_H */
