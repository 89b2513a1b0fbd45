/*
 * wire_build.h: hand-built protobuf wire bytes for the tests that hold a
 * hand-written reader or writer to protobuf-c (record-decode,
 * batch-request, batch-reply): a buffer and the pieces of the encoding,
 * written exactly as given so that odd forms can be made too. Include
 * after criterion.h.
 */
#ifndef VETD_TEST_WIRE_BUILD_H
#define VETD_TEST_WIRE_BUILD_H

#include <stddef.h>
#include <stdint.h>

struct wbuf {
	uint8_t	b[32768];
	size_t	n;
};

static inline void
w_byte(struct wbuf *w, uint8_t c)
{
	cr_assert_lt(w->n, sizeof(w->b));
	w->b[w->n++] = c;
}

static inline void
w_varint(struct wbuf *w, uint64_t v)
{
	while (v >= 0x80) {
		w_byte(w, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	w_byte(w, (uint8_t)v);
}

/* w_raw: n bytes as they are. */
static inline void
w_raw(struct wbuf *w, const void *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		w_byte(w, ((const uint8_t *)s)[i]);
}

static inline void
w_key(struct wbuf *w, uint32_t num, int wire)
{
	w_varint(w, (uint64_t)num << 3 | (uint64_t)wire);
}

/* w_str: field num, length-delimited (a string, bytes or a message). */
static inline void
w_str(struct wbuf *w, uint32_t num, const void *s, size_t n)
{
	w_key(w, num, 2);
	w_varint(w, n);
	w_raw(w, s, n);
}

/* w_int: field num, a varint. */
static inline void
w_int(struct wbuf *w, uint32_t num, uint64_t v)
{
	w_key(w, num, 0);
	w_varint(w, v);
}

#endif /* VETD_TEST_WIRE_BUILD_H */
