/*
 * record_decode.h: a hand-written decoder for the stored person record
 * (record.proto's PersonRecord), for the check path. It accepts exactly
 * the bytes record_person_decode_meta(whole = 0) accepts and writes
 * exactly the same bytes of *out, without protobuf-c's generic unpack or
 * any allocation. tests/test_record_decode.c holds it to that.
 */
#ifndef VETD_RECORD_DECODE_H
#define VETD_RECORD_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "record.h"

/*
 * record_decode_person_used is record_person_decode_meta(buf, len, 0, out,
 * m): STATUS_OK with the person's own fields and its used clearance and
 * briefing entries written (entries past them left as they were), and *m
 * (when not NULL) filled; STATUS_DATA_LOSS for bytes the generic decoder
 * refuses. Nothing is written unless it returns STATUS_OK. It never
 * allocates, so it never answers STATUS_RESOURCE_EXHAUSTED.
 */
int	record_decode_person_used(const uint8_t *buf, size_t len,
	    struct person *out, struct person_meta *m);

#endif /* VETD_RECORD_DECODE_H */
