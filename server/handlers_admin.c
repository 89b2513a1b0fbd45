/*
 * handlers_admin.c: the token methods (CreateToken, ListTokens,
 * RevokeToken), admin only (methods.c). Input is untrusted wire data:
 * names and roles are validated here. A new token exists in this file
 * only long enough to be answered: it is in no log, no error and no audit
 * entry, CreateToken's reply is never kept for replay (methods.c,
 * METHOD_SECRET_REPLY), and every buffer that held it is zeroed.
 */
#include <string.h>

#include "auth.h"
#include "convert.h"
#include "handlers.h"
#include "roles.h"
#include "rpc.h"
#include "status.h"
#include "store.h"

/* token_info converts a stored token for the wire; last_used is the
 * latest use vetd has seen in memory (0: none). NULL: arena exhausted. */
static Vet__V1__TokenInfo *
token_info(struct rpc_call *call, const struct token_record *r,
    vtime last_used)
{
	Vet__V1__TokenInfo *ti;
	size_t n = 0;

	if ((ti = rpc_alloc(call, sizeof(*ti))) == NULL)
		return NULL;
	vet__v1__token_info__init(ti);
	ti->name = rpc_strdup(call, r->name);
	ti->created_by = rpc_strdup(call, r->created_by);
	ti->roles = rpc_alloc(call, (ROLE_LAST + 1) * sizeof(*ti->roles));
	if (ti->name == NULL || ti->created_by == NULL || ti->roles == NULL)
		return NULL;
	for (int role = ROLE_FIRST; role <= ROLE_LAST; role++)
		if (r->roles & ROLE_BIT(role))
			ti->roles[n++] = (Vet__V1__Role)role;
	ti->n_roles = n;
	ti->created_at = r->created_at;
	ti->last_used_at = r->last_used_at > last_used ? r->last_used_at :
	    last_used;
	return ti;
}

/* token_name checks a name from the wire (not echoed: it may be junk). */
static int
token_name(struct rpc_call *call, const char *name)
{
	if (!auth_name_valid(name)) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "name must be 1 to %d "
		    "characters of A-Z a-z 0-9 . _ -", AUTH_NAME_MAX);
		return -1;
	}
	return 0;
}

HANDLER(create_token, CreateTokenRequest, CreateTokenResponse)
{
	struct rpc_call *call = closure_data;
	Vet__V1__CreateTokenResponse resp =
	    VET__V1__CREATE_TOKEN_RESPONSE__INIT;
	struct token_record r;
	char token[AUTH_TOKEN_LEN + 1], roles[80];
	uint8_t hash[TOKEN_HASH_LEN];
	int rv;

	memset(&r, 0, sizeof(r));
	token[0] = '\0';
	if (token_name(call, input->name) != 0)
		goto fail;
	if (input->n_roles == 0) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "roles: give at least "
		    "one of reader, vetting, hr, sync, auditor, admin");
		goto fail;
	}
	if (input->n_roles > ROLE_LAST) {	/* tests/test_hostile.c */
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "roles: give at most "
		    "%d, not %zu", ROLE_LAST, input->n_roles);
		goto fail;
	}
	for (size_t i = 0; i < input->n_roles; i++) {
		if (role_name((int)input->roles[i]) == NULL) {
			rpc_fail(call, STATUS_INVALID_ARGUMENT, "roles: %d is "
			    "not a role (reader 1 ... admin 6)",
			    (int)input->roles[i]);
			goto fail;
		}
		r.roles |= ROLE_BIT(input->roles[i]);
	}
	if (auth_name_taken(call->vd->auth, input->name)) {
		rpc_fail(call, STATUS_ALREADY_EXISTS, "%s already names a "
		    "principal of vetd's own (local-admin, or a [principal] "
		    "in its config); choose another name", input->name);
		goto fail;
	}
	copy_string(r.name, sizeof(r.name), input->name);
	copy_string(r.created_by, sizeof(r.created_by), call->principal);
	r.created_at = call->now;
	if (auth_token_new(token, hash) != 0) {
		rpc_fail(call, STATUS_INTERNAL, "cannot make a token: no "
		    "randomness from the kernel");
		goto fail;
	}
	rv = store_token_create(call->txn, hash, &r);
	if (rv == STATUS_ALREADY_EXISTS) {
		rpc_fail(call, rv, "a token named %s already exists; choose "
		    "another name, or revoke it first", r.name);
		goto fail;
	}
	if (rv != STATUS_OK) {
		rpc_fail(call, rv, "cannot store token %s", r.name);
		goto fail;
	}
	call->secret_reply = 1;		/* the listener scrubs it */
	copy_string(call->audit_subject, sizeof(call->audit_subject), r.name);
	roles_format(r.roles, roles, sizeof(roles));
	rpc_audit_change(call, "token created with roles %s", roles);
	if ((resp.info = token_info(call, &r, 0)) == NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	resp.token = token;
	closure(&resp, call);
	explicit_bzero(token, sizeof(token));
	return;
fail:
	explicit_bzero(token, sizeof(token));
	closure(NULL, call);
}

struct list_state {
	struct rpc_call *call;
	Vet__V1__ListTokensResponse *resp;
	size_t	max;
};

static int
count_one(const struct token_record *r, const uint8_t *hash, void *arg)
{
	struct list_state *ls = arg;

	(void)r;
	(void)hash;
	ls->max++;
	return 0;
}

static int
list_one(const struct token_record *r, const uint8_t *hash, void *arg)
{
	struct list_state *ls = arg;
	Vet__V1__TokenInfo *ti;

	if (ls->resp->n_tokens == ls->max)
		return STATUS_OK;	/* cannot happen: one snapshot */
	ti = token_info(ls->call, r, auth_last_used(ls->call->vd->auth, hash));
	if (ti == NULL)
		return STATUS_RESOURCE_EXHAUSTED;
	ls->resp->tokens[ls->resp->n_tokens++] = ti;
	return 0;
}

HANDLER(list_tokens, ListTokensRequest, ListTokensResponse)
{
	struct rpc_call *call = closure_data;
	Vet__V1__ListTokensResponse resp = VET__V1__LIST_TOKENS_RESPONSE__INIT;
	struct list_state ls = { .call = call, .resp = &resp };
	int rv;

	if ((rv = store_token_list(call->txn, count_one, &ls)) != STATUS_OK) {
		rpc_fail(call, rv, "cannot list the tokens");
		goto fail;
	}
	if (ls.max > 0 &&
	    (resp.tokens = rpc_alloc(call, ls.max * sizeof(*resp.tokens))) ==
	    NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	if ((rv = store_token_list(call->txn, list_one, &ls)) != STATUS_OK) {
		rpc_fail(call, rv, rv == STATUS_RESOURCE_EXHAUSTED ?
		    "out of memory" : "cannot list the tokens");
		goto fail;
	}
	closure(&resp, call);
	return;
fail:
	closure(NULL, call);
}

HANDLER(revoke_token, RevokeTokenRequest, RevokeTokenResponse)
{
	struct rpc_call *call = closure_data;
	Vet__V1__RevokeTokenResponse resp =
	    VET__V1__REVOKE_TOKEN_RESPONSE__INIT;
	struct token_record r;
	uint8_t hash[TOKEN_HASH_LEN];
	char roles[80];
	int rv;

	if (token_name(call, input->name) != 0)
		goto fail;
	rv = store_token_get_name(call->txn, input->name, &r, hash);
	if (rv == STATUS_NOT_FOUND) {
		rpc_fail(call, rv, "no token named %s", input->name);
		goto fail;
	}
	if (rv != STATUS_OK ||
	    (rv = store_token_delete(call->txn, input->name)) != STATUS_OK) {
		rpc_fail(call, rv, "cannot revoke token %s", input->name);
		goto fail;
	}
	if ((resp.info = token_info(call, &r,
	    auth_last_used(call->vd->auth, hash))) == NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	/* Revoked from the next request on: it is no longer on file. Its
	 * in-memory last-used entry goes too (harmless if this aborts). */
	auth_forget(call->vd->auth, hash);
	copy_string(call->audit_subject, sizeof(call->audit_subject), r.name);
	roles_format(r.roles, roles, sizeof(roles));
	rpc_audit_change(call, "token revoked (it had roles %s)", roles);
	closure(&resp, call);
	return;
fail:
	closure(NULL, call);
}
