/*
 * batch_reply_both.h: what the tests of libvet's BatchCheck reply reader
 * (test_batch_reply.c, test_batch_reply_bytes.c) share: the checks asked,
 * both ways of reading a reply, and their outcomes.
 */
#ifndef VET_TEST_BATCH_REPLY_BOTH_H
#define VET_TEST_BATCH_REPLY_BOTH_H

#include <stddef.h>
#include <stdint.h>

#include "vet/vet.h"

#define RID	"0123456789abcdef0123456789abcdef"	/* the call's id */
#define MAXN	1000
#define BUFSZ	(1 << 20)

extern vet_check_request reqs[MAXN + 2];
extern vet_decision fast[MAXN + 2], slow[MAXN + 2];
extern vet_status sf, ss;	/* the fast reader's status, protobuf-c's */
extern uint8_t reply[BUFSZ];	/* a reply to read */

uint64_t rnd64(void);
uint32_t rnd(uint32_t n);
/* reqs_make: n checks for p0000000..., every 13th with no person id. */
void	reqs_make(size_t n);
/*
 * both reads data (len bytes) as the reply to n checks both ways: ss and
 * slow[] get protobuf-c's outcome, sf and fast[] the reader's. Returns 1
 * when the reader took the reply, having asserted the two the same, 0
 * when it declined.
 */
int	both(const uint8_t *data, size_t len, size_t n);
/* assert_denied: the reader's first n decisions all fail closed. */
void	assert_denied(size_t n);

#endif /* VET_TEST_BATCH_REPLY_BOTH_H */
