/*
 * decision_encode.h: BatchCheck's reply, encoded by hand. A
 * BatchCheckResponse is only its repeated Decision field, so the reply is
 * the entries one after another; decision_entry_encode writes one entry
 * (key, length, Decision) exactly as protobuf_c_message_pack would, so
 * BatchCheck need not build a protobuf-c message per decision nor walk
 * the descriptors to pack them. tests/test_decision_encode.c compares the
 * two byte for byte.
 */
#ifndef VETD_DECISION_ENCODE_H
#define VETD_DECISION_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "vetting.pb-c.h"

/* decision_entry_size: the bytes decision_entry_encode will write. */
size_t	decision_entry_size(const Vet__V1__Decision *w);
/* decision_entry_encode writes w as one entry of BatchCheckResponse's
 * decisions (field 1) at out, which has decision_entry_size(w) bytes;
 * returns that size. */
size_t	decision_entry_encode(const Vet__V1__Decision *w, uint8_t *out);
/* The same in two steps, the Decision's own size computed once:
 * decision_entry_encode_sized(w, decision_body_size(w), out) is
 * decision_entry_encode(w, out), and the entry takes at most
 * DECISION_ENTRY_HEAD more bytes than the body. */
#define DECISION_ENTRY_HEAD	11
size_t	decision_body_size(const Vet__V1__Decision *w);
size_t	decision_entry_encode_sized(const Vet__V1__Decision *w, size_t body,
	    uint8_t *out);

#endif /* VETD_DECISION_ENCODE_H */
