/*
 * batch_request.h: BatchCheck's request read straight from the wire, for
 * the shape clients send, instead of validate_wire_strings, protobuf-c's
 * generic unpack and (mostly) convert_check. batch_request_scan first
 * reads the whole payload and takes it only when it is "clean": entries
 * under key 0x0a alone; in each only fields 1..5 with one-byte keys and
 * their own wire types; strings of bytes 0x01..0x7f (no NUL, so valid
 * UTF-8) no longer than the model allows (person_id ID_MAX, marking and
 * caveats CAVEAT_MAX); at most CHECK_MAX_CAVEATS caveats; varints of at
 * most 10 bytes; 1..BATCH_CHECK_MAX entries. Anything else is "not mine"
 * and goes the generic way (rpc.c), whose answer, refusals included,
 * stays the only one. On a clean payload batch_request_next gives each
 * entry as protobuf-c would have unpacked it (a repeated string or
 * scalar: the last one wins; at: the varint cast to int64), and says
 * whether it certainly passes convert_check; when it may not, the handler
 * runs convert_check itself, so every refusal and its text are
 * convert_check's. tests/test_batch_request.c and
 * tests/fuzz/fuzz_batch_request.c hold both to protobuf-c and
 * convert_check.
 */
#ifndef VETD_BATCH_REQUEST_H
#define VETD_BATCH_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "vetting.pb-c.h"

struct batch_request {
	const uint8_t	*buf;	/* the payload, not copied */
	size_t		len;
	size_t		n;	/* entries: 1..BATCH_CHECK_MAX */
	size_t		pos;	/* batch_request_next's cursor */
};

/*
 * One entry. msg is the wire view (as protobuf-c's unpack would give it);
 * its strings point into req's, NUL-terminated. valid 1: convert_check
 * would accept msg and write exactly req's strings, n_caveats and at
 * (nothing past each string's NUL is promised); valid 0: it may not, and
 * the caller runs convert_check on msg.
 */
struct batch_entry {
	Vet__V1__CheckRequest msg;
	char	*caveat_ptrs[CHECK_MAX_CAVEATS];
	struct check_request req;
	int	valid;
};

/* batch_request_scan: 1 with *br ready for batch_request_next when the
 * payload buf[0..len) has the clean shape; 0 when it is not mine. */
int	batch_request_scan(struct batch_request *br, const uint8_t *buf,
	    size_t len);
/* batch_request_next: 1 with the next entry in *e, 0 after the last. */
int	batch_request_next(struct batch_request *br, struct batch_entry *e);

/* handlers_check.c: BatchCheck over a payload batch_request_scan took,
 * answering exactly as the handler would over protobuf-c's unpack. */
struct rpc_call;
void	batch_check_wire(struct rpc_call *call, struct batch_request *br);

#endif /* VETD_BATCH_REQUEST_H */
