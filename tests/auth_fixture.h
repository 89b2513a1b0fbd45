/*
 * auth_fixture.h: what the authentication tests share on top of
 * fixture.h: vetd started with a config file and a first admin token,
 * raw envelopes that carry a token, and looking for text in files (a
 * token must never be in vetd's log or its data file).
 */
#ifndef VET_TEST_AUTH_FIXTURE_H
#define VET_TEST_AUTH_FIXTURE_H

#include <nng/nng.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

#include "fixture.h"
#include "rpc.pb-c.h"

#define TOKEN_SIZE	64	/* "vetd_" + 43, with room to spare */

/*
 * ta_start prepares v, writes config (NULL: none) to v->dir/vetd.conf
 * (mode 0600) and passes it with -c, runs vetd --init-admin NAME into
 * admin (NULL: skip), and launches vetd with extra arguments, waiting on
 * Health sent with admin. Asserts on failure.
 */
void ta_start(struct vetd_proc *v, const char *config, const char *admin_name,
    char admin[TOKEN_SIZE], const char *const *extra);
/* ta_init_admin runs vetd --init-admin name on v's data dir; returns its
 * exit status, the token (stdout, newline cut) in token, stderr in err. */
int ta_init_admin(const struct vetd_proc *v, const char *name,
    char token[TOKEN_SIZE], char *err, size_t errsz);
/* ta_write writes text to path with mode. Asserts on failure. */
void ta_write(const char *path, const char *text, int mode);
/* ta_file_has: 1 when the file holds the text (or the n bytes), else 0. */
int ta_file_has(const char *path, const char *needle);
int ta_file_has_bytes(const char *path, const void *needle, size_t n);
/* ta_port finds "listening on PREFIX... (port N)" in v's log; 0 if none. */
int ta_port(const struct vetd_proc *v, const char *prefix);

/* A raw REQ socket on url (resend off, 5 s timeouts). */
void ta_dial(nng_socket *s, const char *url);
/*
 * ta_call sends method (short name: "Check") with token (NULL: none) and
 * the packed payload (NULL: empty), request id rid (NULL: ""), and returns
 * the decoded response (free with vet__v1__rpc_response__free_unpacked).
 * Asserts that an answer came.
 */
Vet__V1__RpcResponse *ta_call(nng_socket s, const char *method,
    const char *rid, const char *token, const ProtobufCMessage *payload);
/* ta_code: ta_call's status code, freeing the response; msg (if not NULL,
 * size msgsz) gets the message. */
int ta_code(nng_socket s, const char *method, const char *token,
    const ProtobufCMessage *payload, char *msg, size_t msgsz);

#endif /* VET_TEST_AUTH_FIXTURE_H */
