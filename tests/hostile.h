/*
 * hostile.h: shared by the hostile-input tests (test_hostile.c,
 * test_hostile_envelope.c, hostile_common.c): one real vetd per test with
 * a person p1 (GB, nsv SC until 2030), the compartment ATOMAL and the
 * token t1, a raw nng REQ socket to it, and a valid request for every
 * method of the service.
 */
#ifndef VET_TEST_HOSTILE_H
#define VET_TEST_HOSTILE_H

#include <nng/nng.h>
#include <stddef.h>
#include <stdint.h>

#include "fixture.h"
#include "rpc.pb-c.h"
#include "vetting.pb-c.h"

#define FRAME_CAP	(1024 * 1024)	/* vetd's default max_frame */

extern struct vetd_proc vetd;
extern nng_socket sock;

void	open_sock(void);
/* exchange sends raw bytes; the decoded reply, or NULL (none came). */
Vet__V1__RpcResponse *exchange(const void *buf, size_t len);
/* call_raw wraps payload in an envelope for method and exchanges it. */
Vet__V1__RpcResponse *call_raw(const char *method, const char *rid,
	    const uint8_t *payload, size_t len);
/* expect checks resp's code and (needle != NULL) message, and frees it. */
void	expect(Vet__V1__RpcResponse *resp, int code, const char *needle,
	    const char *what);
/* revision: the store's revision, from Health. */
uint64_t revision(void);
/* pack_base packs method name's valid request into buf (8 KiB). */
size_t	pack_base(const char *name, uint8_t *buf);
/* The methods in an order in which each base request succeeds. */
extern const char *const valid_order[];
extern const size_t n_valid_order;

#endif /* VET_TEST_HOSTILE_H */
