/*
 * batch_wire.h: BatchCheck's bytes, by hand. The request (a
 * BatchCheckRequest) is written as protobuf-c 1.4 packs it
 * (batch_pack.c; tests/test_batch_pack.c compares the bytes). The
 * reply (an RpcResponse carrying a BatchCheckResponse) is read in one
 * pass straight into the caller's vet_decision[], without protobuf-c or
 * an allocation per decision (batch_reply.c); the reader takes only the
 * plain shape vetd writes (server/rpc.c, server/decision_encode.c) and
 * declines anything else, which libvet then reads with protobuf-c as
 * before (batch_reply_finish). Either way the caller gets the same
 * status and decisions (tests/test_batch_reply.c, and the fuzz target
 * tests/fuzz/fuzz_batch_reply.c). Not installed.
 */
#ifndef LIBVET_BATCH_WIRE_H
#define LIBVET_BATCH_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "vetting.pb-c.h"
#include "vet/vet.h"

/*
 * batch_request_pack checks the n requests as vet_check does (a missing
 * caveat list or caveat: VET_INVALID_ARGUMENT in st) and packs their
 * BatchCheckRequest into *out (allocated: the caller frees it), *len
 * bytes.
 */
int	batch_request_pack(const vet_check_request *reqs, size_t n,
	    uint8_t **out, size_t *len, vet_status *st);

/*
 * batch_reply_read reads the reply (len bytes at data) to the
 * BatchCheck of the n requests reqs sent with request_id. Returns 1
 * when it took the reply: st holds the call's status and out[0..n-1]
 * the decisions (a fail-closed DENY where there is none). Returns 0 for
 * a reply not of the plain shape: st and out are then to be
 * overwritten (client_reply_decode, batch_reply_finish).
 */
int	batch_reply_read(const uint8_t *data, size_t len,
	    const char *request_id, const vet_check_request *reqs, size_t n,
	    vet_decision *out, vet_status *st);
/*
 * batch_reply_finish fills out[0..n-1] from the reply protobuf-c decoded
 * (resp, NULL if none), beside the status st client_reply_decode set,
 * which it may turn to VET_INTERNAL.
 */
void	batch_reply_finish(const Vet__V1__BatchCheckResponse *resp,
	    const vet_check_request *reqs, size_t n, vet_decision *out,
	    vet_status *st);
/* batch_reply_declines: replies this process's batch_reply_read left to
 * protobuf-c (tests prove vetd's own replies take the short way). */
unsigned long batch_reply_declines(void);

#endif /* LIBVET_BATCH_WIRE_H */
