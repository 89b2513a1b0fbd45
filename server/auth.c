/*
 * auth.c: authentication and authorisation of each request (see auth.h),
 * the ipc uid map and its reload, and the coalesced count of rejected
 * attempts. Trusts the config and the store; trusts nothing in the
 * envelope: a token is only ever hashed and looked up, and any token that
 * is not on file is "not valid", never more. Tokens themselves, their
 * last-used times and the first admin are in auth_tokens.c.
 */
#include <mbedtls/sha256.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth_internal.h"
#include "log.h"
#include "methods.h"
#include "roles.h"
#include "rpc.h"
#include "status.h"

_Static_assert(sizeof(((struct rpc_call *)0)->principal) == AUTH_NAME_MAX + 1,
    "principal names fit rpc_call");
_Static_assert(TOKEN_NAME_MAX == AUTH_NAME_MAX, "token names are principals");

int
auth_create(struct auth **out)
{
	struct auth *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return -1;
	a->owner_uid = geteuid();
	a->owner_admin = 1;
	pthread_mutex_init(&a->map_lock, NULL);
	pthread_mutex_init(&a->lock, NULL);
	pthread_mutex_init(&a->use_lock, NULL);
	*out = a;
	return 0;
}

void
auth_free(struct auth **ap)
{
	struct auth *a = *ap;

	if (a == NULL)
		return;
	pthread_mutex_destroy(&a->map_lock);
	pthread_mutex_destroy(&a->lock);
	pthread_mutex_destroy(&a->use_lock);
	free(a);
	*ap = NULL;
}

int
auth_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > AUTH_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char ch = name[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		    ch == '-'))
			return 0;
	}
	return 1;
}

int
auth_name_taken(struct auth *a, const char *name)
{
	int taken = strcmp(name, AUTH_LOCAL_ADMIN) == 0;

	if (a == NULL || taken)
		return taken;
	pthread_mutex_lock(&a->map_lock);
	for (size_t i = 0; i < a->n_principals && !taken; i++)
		taken = strcmp(a->principals[i].name, name) == 0;
	pthread_mutex_unlock(&a->map_lock);
	return taken;
}

void
auth_configure(struct auth *a, const struct config *c)
{
	pthread_mutex_lock(&a->map_lock);
	a->owner_admin = c->ipc_owner_admin;
	a->n_principals = c->n_principals;
	memcpy(a->principals, c->principals,
	    c->n_principals * sizeof(c->principals[0]));
	pthread_mutex_unlock(&a->map_lock);
}

static int
principal_same(const struct config_principal *x,
    const struct config_principal *y)
{
	return strcmp(x->name, y->name) == 0 && x->uid == y->uid &&
	    x->roles == y->roles;
}

/* reload_principals logs each [principal] added, changed or removed. */
static int
reload_principals(const struct config *live, const struct config *fresh)
{
	char roles[80];
	int changed = 0;

	for (size_t i = 0; i < fresh->n_principals; i++) {
		const struct config_principal *p = &fresh->principals[i], *old;
		if ((old = config_principal_by_uid(live, p->uid)) != NULL &&
		    principal_same(old, p))
			continue;
		roles_format(p->roles, roles, sizeof(roles));
		log_warnx("reload: ipc uid %llu is now principal %s with roles "
		    "%s", (unsigned long long)p->uid, p->name, roles);
		changed++;
	}
	for (size_t i = 0; i < live->n_principals; i++) {
		const struct config_principal *p = &live->principals[i];
		if (config_principal_by_uid(fresh, p->uid) == NULL) {
			log_warnx("reload: ipc uid %llu (principal %s) is no "
			    "longer mapped", (unsigned long long)p->uid,
			    p->name);
			changed++;
		}
	}
	return changed;
}

static int
restart_needed(const char *key, int differs)
{
	if (!differs)
		return 0;
	log_warnx("reload: %s changed; restart vetd to apply it (the "
	    "listeners keep the old value)", key);
	return 1;
}

int
auth_reload(struct auth *a, struct config *live, const struct config *fresh)
{
	int changed = reload_principals(live, fresh);

	if (live->ipc_owner_admin != fresh->ipc_owner_admin) {
		log_warnx("reload: ipc_owner_admin changed from %s to %s",
		    live->ipc_owner_admin ? "true" : "false",
		    fresh->ipc_owner_admin ? "true" : "false");
		changed++;
	}
	if (changed > 0) {
		auth_configure(a, fresh);
		/* Only auth reads these, and only from its own copy. */
		live->ipc_owner_admin = fresh->ipc_owner_admin;
		live->n_principals = fresh->n_principals;
		memcpy(live->principals, fresh->principals,
		    sizeof(live->principals));
	}
	changed += restart_needed("tls_cert_key_file",
	    strcmp(live->tls_cert_key_file, fresh->tls_cert_key_file) != 0);
	changed += restart_needed("tls_ca_file",
	    strcmp(live->tls_ca_file, fresh->tls_ca_file) != 0);
	changed += restart_needed("socket_group",
	    strcmp(live->socket_group, fresh->socket_group) != 0);
	changed += restart_needed("require_client_cert",
	    live->require_client_cert != fresh->require_client_cert);
	changed += restart_needed("allow_plaintext",
	    live->allow_plaintext != fresh->allow_plaintext);
	return changed;
}

/*
 * Rejected attempts.
 */

int
auth_failure_note(struct auth *a, int code, const char *principal,
    const char *method, vtime now)
{
	struct auth_failure *f = NULL;
	int first = 0;

	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->n_failures; i++) {
		struct auth_failure *s = &a->failures[i];
		if (s->code == code && strcmp(s->principal, principal) == 0 &&
		    strcmp(s->method, method) == 0) {
			f = s;
			break;
		}
	}
	if (f == NULL && a->n_failures < AUTH_FAILURE_SLOTS) {
		f = &a->failures[a->n_failures++];
		f->count = 0;	/* the slot may hold a drained count */
		f->code = code;
		snprintf(f->principal, sizeof(f->principal), "%s", principal);
		snprintf(f->method, sizeof(f->method), "%s", method);
		f->first_at = now;
		first = 1;
	} else if (f == NULL) {
		/* Full: count it in the last slot, marked as mixed. */
		f = &a->failures[AUTH_FAILURE_SLOTS - 1];
		snprintf(f->principal, sizeof(f->principal), "*");
	}
	f->count++;
	f->last_at = now;
	pthread_mutex_unlock(&a->lock);
	return first;
}

size_t
auth_failures_drain(struct auth *a, struct auth_failure *out, size_t max)
{
	size_t n;

	pthread_mutex_lock(&a->lock);
	n = a->n_failures < max ? a->n_failures : max;
	memcpy(out, a->failures, n * sizeof(*out));
	memmove(a->failures, a->failures + n,
	    (a->n_failures - n) * sizeof(*out));
	a->n_failures -= n;
	pthread_mutex_unlock(&a->lock);
	return n;
}

/*
 * The per-request check.
 */

/* from_where describes the transport for a log line (no secrets). */
static void
from_where(const struct rpc_call *call, char *buf, size_t size)
{
	if (call->peer_ipc)
		snprintf(buf, size, "ipc uid %llu",
		    (unsigned long long)call->peer_uid);
	else
		snprintf(buf, size, "the network");
}

static int
refuse_unauthenticated(struct rpc_call *call, const char *why)
{
	char where[64];

	rpc_fail(call, STATUS_UNAUTHENTICATED, "%s", why);
	if (auth_failure_note(call->vd->auth, STATUS_UNAUTHENTICATED, "",
	    call->md->name, call->now)) {
		from_where(call, where, sizeof(where));
		log_warnx("auth: refused %s from %s: %s (repeats are counted "
		    "for the audit log, not logged)", call->md->name, where,
		    why);
	}
	return -1;
}

static int
refuse_permission(struct rpc_call *call)
{
	char needs[80], where[64];

	if (call->method->roles == 0)
		rpc_fail(call, STATUS_PERMISSION_DENIED, "principal %s may not "
		    "call %s; no role may call it", call->principal,
		    call->md->name);
	else {
		roles_format(call->method->roles, needs, sizeof(needs));
		rpc_fail(call, STATUS_PERMISSION_DENIED, "principal %s may not "
		    "call %s; it needs one of: %s", call->principal,
		    call->md->name, needs);
	}
	if (auth_failure_note(call->vd->auth, STATUS_PERMISSION_DENIED,
	    call->principal, call->md->name, call->now)) {
		from_where(call, where, sizeof(where));
		log_warnx("auth: refused %s to principal %s (%s, from %s): "
		    "%s (repeats are counted for the audit log, not logged)",
		    call->md->name, call->principal, call->via_token ?
		    "token" : "uid", where, call->message);
	}
	return -1;
}

/* by_token: the token alone decides. One hash, one mdb_get. */
static int
by_token(struct rpc_call *call, const uint8_t *token, size_t len)
{
	struct token_record r;
	uint8_t hash[TOKEN_HASH_LEN];
	int rv;

	if (len != AUTH_TOKEN_LEN || memcmp(token, AUTH_TOKEN_PREFIX,
	    sizeof(AUTH_TOKEN_PREFIX) - 1) != 0)
		return refuse_unauthenticated(call, "the token is not valid");
	mbedtls_sha256_ret(token, len, hash, 0);
	if (call->txn == NULL &&
	    (rv = store_read_begin(call->vd->store, &call->txn)) != STATUS_OK) {
		call->txn = NULL;
		rpc_fail(call, rv == STATUS_RESOURCE_EXHAUSTED ? rv :
		    STATUS_INTERNAL, "cannot check the token: the store "
		    "failed; see vetd's log");
		return -1;
	}
	rv = store_token_get(call->txn, hash, &r);
	if (rv == STATUS_NOT_FOUND)
		return refuse_unauthenticated(call, "the token is not valid");
	if (rv != STATUS_OK) {
		log_warnx("auth: cannot read a token record: %s",
		    status_name(rv));
		rpc_fail(call, rv == STATUS_DATA_LOSS ? rv : STATUS_INTERNAL,
		    "cannot check the token: the store failed; see vetd's "
		    "log");
		return -1;
	}
	snprintf(call->principal, sizeof(call->principal), "%s", r.name);
	call->roles = r.roles;
	call->via_token = 1;
	memcpy(call->token_hash, hash, sizeof(hash));
	auth_use_note(call->vd->auth, hash, call->now);
	return 0;
}

/* by_uid: an ipc peer's uid, mapped by the config; a [principal]
 * naming the uid wins over ipc_owner_admin. */
static int
by_uid(struct rpc_call *call)
{
	struct auth *a = call->vd->auth;
	int found = 0;

	pthread_mutex_lock(&a->map_lock);
	for (size_t i = 0; i < a->n_principals; i++)
		if (a->principals[i].uid == call->peer_uid) {
			memcpy(call->principal, a->principals[i].name,
			    sizeof(call->principal));
			call->roles = a->principals[i].roles;
			found = 1;
			break;
		}
	if (!found && a->owner_admin &&
	    call->peer_uid == (uint64_t)a->owner_uid) {
		snprintf(call->principal, sizeof(call->principal), "%s",
		    AUTH_LOCAL_ADMIN);
		call->roles = ROLE_BIT(ROLE_ADMIN);
		found = 1;
	}
	pthread_mutex_unlock(&a->map_lock);
	if (!found)
		return refuse_unauthenticated(call, "a token is required");
	return 0;
}

int
auth_request(struct rpc_call *call, uint8_t *token, size_t token_len)
{
	int rv;

	call->principal[0] = '\0';
	call->roles = 0;
	call->via_token = 0;
	if (token_len > 0 && token != NULL) {
		rv = by_token(call, token, token_len);
		explicit_bzero(token, token_len);
	} else if (call->peer_ipc)
		rv = by_uid(call);
	else
		rv = refuse_unauthenticated(call, "a token is required");
	if (rv != 0)
		return rv;
	if ((call->roles & call->method->roles) == 0)
		return refuse_permission(call);
	return 0;
}

int
auth_only_via(const struct rpc_call *call, int role)
{
	return (call->roles & call->method->roles) == ROLE_BIT(role);
}
