/*
 * libvet_internal.h: what libvet's own files share: status helpers, the
 * one RPC function every method goes through, and the converters from
 * wire messages to the structs of <vet/vet.h>. Not installed.
 */
#ifndef LIBVET_INTERNAL_H
#define LIBVET_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "rpc.pb-c.h"
#include "vetting.pb-c.h"
#include "vet/vet.h"

#define CLIENT_BATCH_MAX	1000

/* libvet.c */
/* status_set fills *st and returns code, so callers can return it. */
int status_set(vet_status *st, int code, uint64_t revision, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int status_oom(vet_status *st);
char *str_or_empty(const char *s);
char *str_dup(const char *s);
void str_copy(char *dst, size_t size, const char *s);
/*
 * client_call does one RPC of method name. On return st holds the status;
 * *out holds the decoded response payload if there was one, even with an
 * error status. The caller frees *out with
 * protobuf_c_message_free_unpacked.
 */
int client_call(vet_client *c, const char *name, const ProtobufCMessage *in,
    ProtobufCMessage **out, vet_status *st);
/* client_call_flags is client_call with CLIENT_* flags. */
#define CLIENT_SECRET_REPLY	0x1	/* zero the reply's bytes when done */
int client_call_flags(vet_client *c, const char *name,
    const ProtobufCMessage *in, ProtobufCMessage **out, int flags,
    vet_status *st);
/* client_call_alloc is client_call_flags decoding the reply with alloc
 * (NULL: malloc); the caller frees *out with the same allocator. */
int client_call_alloc(vet_client *c, const char *name,
    const ProtobufCMessage *in, ProtobufCMessage **out, int flags,
    ProtobufCAllocator *alloc, vet_status *st);
/*
 * A method's own reader of its reply's bytes (the whole RpcResponse):
 * returns 1 when it took the reply (st and the method's outputs filled,
 * exactly as client_reply_decode and the method would have), 0 to leave
 * the reply to client_reply_decode.
 */
typedef int client_reader(void *arg, const uint8_t *data, size_t len,
    const char *request_id, vet_status *st);
/*
 * client_call_packed is client_call_alloc for a payload the method
 * packed itself (plen bytes), its reply read by rd (with rarg) first.
 * *out is set only when rd declined.
 */
int client_call_packed(vet_client *c, const char *name,
    const uint8_t *payload, size_t plen, client_reader *rd, void *rarg,
    ProtobufCMessage **out, ProtobufCAllocator *alloc, vet_status *st);
/*
 * client_reply_decode reads a reply to method md whose request carried
 * request_id, with protobuf-c: st gets the status, *out the decoded
 * payload if there was one (freed by the caller with alloc).
 */
int client_reply_decode(const ProtobufCMethodDescriptor *md,
    const uint8_t *data, size_t len, const char *request_id,
    ProtobufCMessage **out, int flags, ProtobufCAllocator *alloc,
    vet_status *st);

/* libvet_convert.c: each *_from_wire fills a zeroed struct and returns 0,
 * or -1 on allocation failure having freed what it allocated. */
int person_from_wire(const Vet__V1__Person *w, vet_person *p);
/* libvet_history.c: the events of a person (freed by history_clear). */
int history_from_wire(const Vet__V1__Person *w, vet_person *p);
void history_clear(vet_person *p);
/* libvet_methods.c: a call answered with a PersonResponse. */
int person_call(vet_client *c, const char *name, const ProtobufCMessage *in,
    vet_person **out, vet_status *st);
int caveat_list_from_wire(Vet__V1__Caveat *const *w, size_t n,
    vet_caveat_list **out);
void decision_from_wire(const Vet__V1__Decision *w, vet_decision *d);
/* decision_deny fills a fail-closed DENY saying why no decision came. */
void decision_deny(vet_decision *d, const vet_status *st);
/* decision_usable: w is a decision vetd may be taken at its word on. */
int decision_usable(const Vet__V1__Decision *w, const char *person_id,
    int code);

#endif /* LIBVET_INTERNAL_H */
