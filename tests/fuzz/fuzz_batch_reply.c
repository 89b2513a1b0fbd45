/*
 * fuzz_batch_reply.c: libFuzzer target holding libvet's hand-written
 * reader of BatchCheck replies (client/batch_reply.c) to the protobuf-c
 * path it stands in for (client_reply_decode, then batch_reply_finish).
 * The first byte says how many checks were asked (0 to 8, for fixed
 * people, one of them unnamed); the rest is the reply, answering request
 * id RID. Whenever the reader takes the reply, the status (code,
 * revision, message) and every byte of every decision must be the
 * protobuf-c path's, but for the time a fail-closed DENY was made at.
 * Any difference aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libvet_internal.h"
#include "batch_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RID	"0123456789abcdef0123456789abcdef"
#define MAXN	8

static const vet_check_request reqs[MAXN] = {
	{ .person_id = "p1" }, { .person_id = "p2" }, { .person_id = "p3" },
	{ .person_id = NULL }, { .person_id = "p0000005" },
	{ .person_id = "p6" }, { .person_id = "" }, { .person_id = "p8" },
};

static int
no_answer(const vet_decision *d)
{
	return strcmp(d->reason_name, "NO_ANSWER") == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const ProtobufCMethodDescriptor *md;
	vet_decision fast[MAXN], slow[MAXN];
	ProtobufCMessage *m = NULL;
	vet_status sf, ss;
	size_t n;
	int64_t t0, t1;

	if (size == 0)
		return 0;
	if (md == NULL)
		md = protobuf_c_service_descriptor_get_method_by_name(
		    &vet__v1__vetting__descriptor, "BatchCheck");
	n = data[0] % (MAXN + 1);
	data++;
	size--;
	memset(fast, 0xa5, sizeof(fast));
	memset(slow, 0x5a, sizeof(slow));
	t0 = (int64_t)time(NULL);
	client_reply_decode(md, data, size, RID, &m, 0, NULL, &ss);
	batch_reply_finish((Vet__V1__BatchCheckResponse *)m, reqs, n, slow,
	    &ss);
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	if (!batch_reply_read(data, size, RID, reqs, n, fast, &sf))
		return 0;
	t1 = (int64_t)time(NULL);
	if (sf.code != ss.code || sf.revision != ss.revision ||
	    strcmp(sf.message, ss.message) != 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (no_answer(&fast[i]) != no_answer(&slow[i]))
			abort();
		if (no_answer(&fast[i])) {
			if (fast[i].decided_at < t0 || fast[i].decided_at > t1 ||
			    slow[i].decided_at < t0 || slow[i].decided_at > t1)
				abort();
			fast[i].decided_at = slow[i].decided_at = 0;
		}
		if (memcmp(&fast[i], &slow[i], sizeof(fast[i])) != 0)
			abort();
	}
	return 0;
}
