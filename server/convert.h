/*
 * convert.h: the edge between wire messages (protobuf-c) and vetd's own
 * structs. Wire-to-model conversions validate every field; model-to-wire
 * conversions copy strings into the call's arena, so the result stays
 * valid until the reply is sent.
 */
#ifndef VETD_CONVERT_H
#define VETD_CONVERT_H

#include "model.h"
#include "vetting.pb-c.h"

struct policy;
struct rpc_call;

/* Model to wire. Return NULL only when the arena is exhausted. */
Vet__V1__Person *convert_person(struct rpc_call *call, const struct person *p);
Vet__V1__Caveat *convert_caveat(struct rpc_call *call, const struct caveat *c);
Vet__V1__Decision *convert_decision(struct rpc_call *call,
    const struct decision *d, const char *person_id, uint64_t revision);
/* convert_history sets w's history to h's events (copied into the
 * arena); 0, or -1 when the arena is exhausted. */
struct history;
int convert_history(struct rpc_call *call, const struct history *h,
    Vet__V1__Person *w);

/*
 * convert_check reads a wire check into *out, validating lengths and
 * syntax (not whether names are known: that is the rule's job). Returns 0,
 * or -1 with a sentence in err.
 */
int convert_check(const Vet__V1__CheckRequest *in, struct check_request *out,
    char *err, size_t errsz);

/* copy_string: strlen(src) <= size - 1 was validated; copies with NUL. */
void copy_string(char *dst, size_t size, const char *src);

#endif /* VETD_CONVERT_H */
