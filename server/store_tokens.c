/*
 * store_tokens.c: the API token tables (see store.h, "Tokens"):
 *   tokens       SHA-256 of the token (32 bytes) -> TokenRecord
 *   token_names  name -> SHA-256 of the token
 * The token itself is never stored. The record codec lives here rather
 * than in record.c because nothing else uses TokenRecord; like record.c
 * it decodes into a bump arena on the stack (this is the per-request
 * look-up) and checks every field of what it reads. Trusts its callers to
 * validate names; trusts the files less.
 */
#include <lmdb.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "record.pb-c.h"
#include "roles.h"
#include "status.h"
#include "store_internal.h"

#define TOKEN_RECORD_MAX	1024	/* encoded; far above any real one */

/* A bump allocator over a small stack buffer; free is a no-op. */
struct stack_arena {
	alignas(max_align_t) uint8_t buf[2048];
	size_t	used;
};

static void *
stack_alloc(void *data, size_t size)
{
	struct stack_arena *a = data;
	size_t need = (size + alignof(max_align_t) - 1) &
	    ~(alignof(max_align_t) - 1);

	if (need > sizeof(a->buf) - a->used)
		return NULL;
	a->used += need;
	return a->buf + a->used - need;
}

static void
stack_free(void *data, void *p)
{
	(void)data;
	(void)p;
}

/* fits: s (NULL means "") fits a field of size bytes, NUL included. */
static int
fits(const char *s, size_t size)
{
	return s == NULL || strnlen(s, size) < size;
}

static int
token_decode(const MDB_val *v, struct token_record *out)
{
	struct stack_arena a = { .used = 0 };
	ProtobufCAllocator alloc = { .alloc = stack_alloc,
	    .free = stack_free, .allocator_data = &a };
	Vet__Store__V1__TokenRecord *r;

	if (v->mv_size > TOKEN_RECORD_MAX)
		return STATUS_DATA_LOSS;
	r = vet__store__v1__token_record__unpack(&alloc, v->mv_size,
	    v->mv_data);
	if (r == NULL || r->name == NULL || r->name[0] == '\0' ||
	    !fits(r->name, sizeof(out->name)) ||
	    !fits(r->created_by, sizeof(out->created_by)) ||
	    r->roles == 0 || (r->roles & ~ROLES_VALID) != 0)
		return STATUS_DATA_LOSS;
	memset(out, 0, sizeof(*out));
	memcpy(out->name, r->name, strlen(r->name));
	if (r->created_by != NULL)
		memcpy(out->created_by, r->created_by, strlen(r->created_by));
	out->roles = r->roles;
	out->created_at = r->created_at;
	out->last_used_at = r->last_used_at;
	return STATUS_OK;
}

/* token_put encodes r and files it under hash. */
static int
token_put(struct store_txn *t, const uint8_t *hash,
    const struct token_record *tr)
{
	Vet__Store__V1__TokenRecord r = VET__STORE__V1__TOKEN_RECORD__INIT;
	uint8_t buf[TOKEN_RECORD_MAX];
	MDB_val k = { TOKEN_HASH_LEN, (void *)hash }, v;

	if (tr->name[0] == '\0' || !fits(tr->name, sizeof(tr->name)) ||
	    !fits(tr->created_by, sizeof(tr->created_by)) ||
	    tr->roles == 0 || (tr->roles & ~ROLES_VALID) != 0)
		return STATUS_INVALID_ARGUMENT;
	r.name = (char *)tr->name;
	r.roles = tr->roles;
	r.created_at = tr->created_at;
	r.created_by = (char *)tr->created_by;
	r.last_used_at = tr->last_used_at;
	if (vet__store__v1__token_record__get_packed_size(&r) > sizeof(buf))
		return STATUS_INVALID_ARGUMENT;
	v.mv_size = vet__store__v1__token_record__pack(&r, buf);
	v.mv_data = buf;
	return store_txn_put(t, t->s->tokens, &k, &v);
}

int
store_token_get(struct store_txn *t, const uint8_t hash[TOKEN_HASH_LEN],
    struct token_record *out)
{
	MDB_val k = { TOKEN_HASH_LEN, (void *)hash }, v;
	int rv;

	if ((rv = store_txn_get(t, t->s->tokens, &k, &v)) != STATUS_OK)
		return rv;
	return token_decode(&v, out);
}

/* name_hash reads name -> hash into hash. */
static int
name_hash(struct store_txn *t, const char *name, uint8_t *hash)
{
	MDB_val k, v;
	int rv;

	if ((rv = store_key_of(name, TOKEN_NAME_MAX, &k)) != STATUS_OK)
		return rv;
	if ((rv = store_txn_get(t, t->s->token_names, &k, &v)) != STATUS_OK)
		return rv;
	if (v.mv_size != TOKEN_HASH_LEN)
		return STATUS_DATA_LOSS;
	memcpy(hash, v.mv_data, TOKEN_HASH_LEN);
	return STATUS_OK;
}

int
store_token_get_name(struct store_txn *t, const char *name,
    struct token_record *out, uint8_t hash[TOKEN_HASH_LEN])
{
	struct token_record r;
	uint8_t h[TOKEN_HASH_LEN];
	int rv;

	if ((rv = name_hash(t, name, h)) != STATUS_OK)
		return rv;
	rv = store_token_get(t, h, &r);
	if (rv == STATUS_NOT_FOUND)
		return STATUS_DATA_LOSS;	/* a name without its token */
	if (rv != STATUS_OK)
		return rv;
	if (strcmp(r.name, name) != 0)
		return STATUS_DATA_LOSS;
	*out = r;
	memcpy(hash, h, TOKEN_HASH_LEN);
	return STATUS_OK;
}

int
store_token_create(struct store_txn *t, const uint8_t hash[TOKEN_HASH_LEN],
    const struct token_record *r)
{
	struct token_record old;
	uint8_t h[TOKEN_HASH_LEN];
	MDB_val k, v;
	int rv;

	if (!t->write)
		return STATUS_INTERNAL;
	if ((rv = store_key_of(r->name, TOKEN_NAME_MAX, &k)) != STATUS_OK)
		return rv;
	rv = name_hash(t, r->name, h);
	if (rv == STATUS_OK)
		return STATUS_ALREADY_EXISTS;
	if (rv != STATUS_NOT_FOUND)
		return rv;
	rv = store_token_get(t, hash, &old);
	if (rv == STATUS_OK)
		return STATUS_ALREADY_EXISTS;
	if (rv != STATUS_NOT_FOUND && rv != STATUS_DATA_LOSS)
		return rv;
	if ((rv = token_put(t, hash, r)) != STATUS_OK)
		return rv;
	v.mv_data = (void *)hash;
	v.mv_size = TOKEN_HASH_LEN;
	return store_txn_put(t, t->s->token_names, &k, &v);
}

int
store_token_touch(struct store_txn *t, const uint8_t hash[TOKEN_HASH_LEN],
    vtime at)
{
	struct token_record r;
	int rv;

	if (!t->write)
		return STATUS_INTERNAL;
	rv = store_token_get(t, hash, &r);
	if (rv == STATUS_NOT_FOUND)
		return STATUS_OK;		/* revoked meanwhile */
	if (rv != STATUS_OK)
		return rv;
	if (r.last_used_at >= at)
		return STATUS_OK;
	r.last_used_at = at;
	return token_put(t, hash, &r);
}

int
store_token_delete(struct store_txn *t, const char *name)
{
	uint8_t h[TOKEN_HASH_LEN];
	MDB_val k, hk = { TOKEN_HASH_LEN, h };
	int rv;

	if (!t->write)
		return STATUS_INTERNAL;
	if ((rv = store_key_of(name, TOKEN_NAME_MAX, &k)) != STATUS_OK)
		return rv;
	if ((rv = name_hash(t, name, h)) != STATUS_OK)
		return rv;
	if ((rv = store_txn_del(t, t->s->tokens, &hk)) != STATUS_OK &&
	    rv != STATUS_NOT_FOUND)
		return rv;
	return store_txn_del(t, t->s->token_names, &k);
}

int
store_token_list(struct store_txn *t,
    int (*fn)(const struct token_record *r, const uint8_t *hash, void *arg),
    void *arg)
{
	MDB_cursor *c = NULL;
	MDB_val k, v;
	struct token_record r;
	uint8_t h[TOKEN_HASH_LEN];
	int rc, rv;

	if ((rc = mdb_cursor_open(t->txn, t->s->token_names, &c)) != 0) {
		c = NULL;
		rv = store_txn_result(t, rc);
		goto done;
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (v.mv_size != TOKEN_HASH_LEN) {
			rv = STATUS_DATA_LOSS;
			goto done;
		}
		memcpy(h, v.mv_data, TOKEN_HASH_LEN);
		if ((rv = store_token_get(t, h, &r)) != STATUS_OK) {
			if (rv == STATUS_NOT_FOUND)
				rv = STATUS_DATA_LOSS;
			goto done;
		}
		if (strlen(r.name) != k.mv_size ||
		    memcmp(r.name, k.mv_data, k.mv_size) != 0) {
			rv = STATUS_DATA_LOSS;
			goto done;
		}
		if ((rv = fn(&r, h, arg)) != 0)
			goto done;
	}
	rv = rc == MDB_NOTFOUND ? STATUS_OK : store_txn_result(t, rc);
done:
	if (c != NULL)
		mdb_cursor_close(c);
	return rv;
}
