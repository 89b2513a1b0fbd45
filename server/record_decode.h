/*
 * record_decode.h: a hand-written decoder for the stored person record
 * (record.proto's PersonRecord), for the check path. It accepts exactly
 * the bytes record_person_decode_meta(whole = 0) accepts and writes the
 * same values into the fields the rule reads, without protobuf-c's
 * generic unpack or any allocation. tests/test_record_decode.c and
 * fuzz_record_decode hold it to that (tests/person_rule_view.h).
 */
#ifndef VETD_RECORD_DECODE_H
#define VETD_RECORD_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "record.h"

/*
 * record_decode_person_rule is record_person_decode_meta(buf, len, 0, out,
 * m) for what the rule reads: STATUS_OK with the person's id,
 * nationality, status, source and times, and each used clearance's scheme,
 * level, times and status and each used briefing's compartment and times
 * written as the generic decoder writes them; display name, e-mail, org
 * unit, authority, reference and reasons are checked as it checks them
 * but left empty; entries past the used ones are left as they were; *m
 * (when not NULL) filled. STATUS_DATA_LOSS for bytes the generic decoder
 * refuses. Nothing is written unless it returns STATUS_OK. It never
 * allocates, so it never answers STATUS_RESOURCE_EXHAUSTED.
 */
int	record_decode_person_rule(const uint8_t *buf, size_t len,
	    struct person *out, struct person_meta *m);

#endif /* VETD_RECORD_DECODE_H */
