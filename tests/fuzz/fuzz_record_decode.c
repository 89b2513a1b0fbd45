/*
 * fuzz_record_decode.c: libFuzzer target holding the check path's
 * hand-written person decoder (server/record_decode.c) to protobuf-c's
 * generic one (record_person_decode_meta, whole = 0): on every input both
 * must answer the same status and, on success, the same values in every
 * field the rule reads (tests/person_rule_view.h) and the same meta; on
 * failure neither may write anything. Any difference aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "record.h"
#include "record_decode.h"
#include "status.h"
#include "../person_rule_view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FILL	0xa5

static struct person a, b, fill;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct person_meta ma, mb;
	int ra, rb;

	memset(&a, FILL, sizeof(a));
	memset(&b, FILL, sizeof(b));
	memset(&fill, FILL, sizeof(fill));
	memset(&ma, FILL, sizeof(ma));
	memset(&mb, FILL, sizeof(mb));
	ra = record_person_decode_meta(data, size, 0, &a, &ma);
	rb = record_decode_person_rule(data, size, &b, &mb);
	if (ra == STATUS_RESOURCE_EXHAUSTED)
		return 0;
	if (ra != rb || memcmp(&ma, &mb, sizeof(ma)) != 0 ||
	    (rb == STATUS_OK && person_rule_view_diff(&a, &b) != NULL))
		abort();
	if (rb != STATUS_OK && memcmp(&b, &fill, sizeof(b)) != 0)
		abort();
	return 0;
}
