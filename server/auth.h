/*
 * auth.h: who is calling and what they may do. Authenticates each request
 * once (API token in the envelope, or the ipc peer's uid), then checks the
 * method's roles (methods.c). Rejected attempts are counted here and
 * coalesced, so a flood cannot fill the audit log; the writer drains the
 * counts into audit entries.
 *
 * Tokens: "vetd_" and 43 characters of base64url (32 random bytes). vetd
 * keeps only the SHA-256 of the whole string (store_tokens.c); a token is
 * never logged, never put in an error, and zeroed wherever vetd held it.
 */
#ifndef VETD_AUTH_H
#define VETD_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "roles.h"

struct auth;
struct config;
struct rpc_call;
struct store;
struct store_txn;

#define AUTH_TOKEN_PREFIX	"vetd_"
#define AUTH_TOKEN_LEN		48	/* prefix + 43 base64url characters */
#define AUTH_NAME_MAX		64	/* principal and token names */
#define AUTH_LOCAL_ADMIN	"local-admin"	/* the uid vetd runs as */
#define AUTH_PERSIST_SECONDS	60	/* last-used times reach the store */

/* One coalesced kind of rejected attempt since the last drain. */
struct auth_failure {
	int	code;			/* STATUS_UNAUTHENTICATED / _PERMISSION_DENIED */
	char	principal[65];		/* "" when unauthenticated */
	char	method[64];
	uint64_t count;
	vtime	first_at;
	vtime	last_at;
};

#define AUTH_FAILURE_SLOTS 64

/* auth_create notes the uid vetd runs as (for ipc_owner_admin). */
int auth_create(struct auth **out);
void auth_free(struct auth **a);
/* auth_configure copies the config's ipc uid map ([principal] sections,
 * ipc_owner_admin); the config may change afterwards. */
void auth_configure(struct auth *a, const struct config *c);
/*
 * auth_reload (SIGHUP) swaps in fresh's ipc uid map, logging each change
 * (names, uids and roles; there is no secret in it), copies it into live,
 * and logs the TLS and socket settings that need a restart. Returns how
 * many settings changed. API tokens live in the store, not the config:
 * they need no reload.
 */
int auth_reload(struct auth *a, struct config *live,
    const struct config *fresh);

/*
 * auth_request authenticates call and checks its method's roles, once per
 * request, after the method is known and before the payload is decoded.
 * If token_len > 0 the token alone decides; else an ipc peer's uid is
 * looked up in the config ([principal] sections, then ipc_owner_admin);
 * else the caller is refused. On success returns 0 with call->principal,
 * call->roles (and via_token, token_hash) set. On failure returns -1 with
 * the status in call (UNAUTHENTICATED, PERMISSION_DENIED, or a store
 * error), the attempt noted and logged (coalesced). The token bytes are
 * zeroed either way. A token look-up leaves its read snapshot in
 * call->txn for the caller to use or end.
 */
int auth_request(struct rpc_call *call, uint8_t *token, size_t token_len);

/*
 * auth_only_via: 1 when the call's roles grant its method only through
 * role (e.g. a sync-only principal calling PutPerson), so the handler must
 * apply that role's narrower rule.
 */
int auth_only_via(const struct rpc_call *call, int role);

/* auth_name_valid: 1..64 characters of [A-Za-z0-9._-]. */
int auth_name_valid(const char *name);
/* auth_name_taken: 1 when name already names a principal that is not a
 * token (local-admin, or a [principal] of the config), so that a token
 * can never pass for it in the audit log; a may be NULL. */
int auth_name_taken(struct auth *a, const char *name);

/*
 * auth_token_new makes a token from getrandom() and its SHA-256. Returns
 * 0, or -1 if the kernel gave no randomness. The caller zeroes token with
 * explicit_bzero when done.
 */
int auth_token_new(char token[AUTH_TOKEN_LEN + 1], uint8_t hash[32]);

/*
 * auth_failure_note counts one rejected attempt. Slots are keyed by (code,
 * principal, method); when every slot is taken the attempt is counted in
 * the last slot under principal "*". Returns 1 when this is the first of
 * its kind since the last drain (worth a log line), else 0.
 */
int auth_failure_note(struct auth *a, int code, const char *principal,
    const char *method, vtime now);

/* auth_failures_drain moves up to max coalesced counts into out and
 * resets them; returns how many. */
size_t auth_failures_drain(struct auth *a, struct auth_failure *out,
    size_t max);

/*
 * Last-used times. Each use is noted in memory (no write per request);
 * auth_last_used gives the latest noted time (0: none since start).
 * auth_persist, run by the writer inside a write transaction, raises the
 * stored last_used_at of every token used since the last persist, if
 * AUTH_PERSIST_SECONDS have passed (or force); after that transaction
 * commits, auth_persist_committed marks them written. auth_forget drops a
 * revoked token's entry. All accept a NULL auth.
 */
vtime auth_last_used(struct auth *a, const uint8_t hash[32]);
int auth_persist(struct auth *a, struct store_txn *t, vtime now, int force);
void auth_persist_committed(struct auth *a);
void auth_forget(struct auth *a, const uint8_t hash[32]);
/* auth_flush writes every pending last-used time in its own write (at
 * shutdown); returns a status. */
int auth_flush(struct auth *a, struct store *s, vtime now);

/*
 * auth_init_admin creates an admin token named name straight in the store
 * (vetd --init-admin; LMDB lets it run beside a serving vetd). On
 * STATUS_OK token holds the secret (the caller prints it once, then
 * zeroes it); else err says why (STATUS_ALREADY_EXISTS: the name is taken;
 * STATUS_INVALID_ARGUMENT: a bad name).
 */
int auth_init_admin(struct store *s, const char *name, vtime now,
    char token[AUTH_TOKEN_LEN + 1], char *err, size_t errsz);

#endif /* VETD_AUTH_H */
