/*
 * auth_tokens.c: API tokens' randomness and hashing, the in-memory
 * last-used times and their trips to the store, and the first admin
 * token (vetd --init-admin). A new token leaves this file only in the
 * caller's buffer; only its SHA-256 reaches the store.
 */
#include <errno.h>
#include <mbedtls/sha256.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "audit.h"
#include "auth_internal.h"
#include "roles.h"
#include "status.h"

#define TOKEN_RANDOM	32

_Static_assert(AUTH_TOKEN_LEN == sizeof(AUTH_TOKEN_PREFIX) - 1 +
    (TOKEN_RANDOM * 4 + 2) / 3, "token length");

/*
 * Tokens.
 */

static void
base64url(const uint8_t *in, size_t n, char *out)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = abc[v >> 18];
		out[o++] = abc[(v >> 12) & 63];
		out[o++] = abc[(v >> 6) & 63];
		out[o++] = abc[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = abc[v >> 18];
		out[o++] = abc[(v >> 12) & 63];
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = abc[v >> 18];
		out[o++] = abc[(v >> 12) & 63];
		out[o++] = abc[(v >> 6) & 63];
	}
	out[o] = '\0';
}

int
auth_token_new(char token[AUTH_TOKEN_LEN + 1], uint8_t hash[32])
{
	uint8_t r[TOKEN_RANDOM];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(r)) {
		if ((n = getrandom(r + got, sizeof(r) - got, 0)) < 0) {
			if (errno == EINTR)
				continue;
			explicit_bzero(r, sizeof(r));
			return -1;
		}
		got += (size_t)n;
	}
	memcpy(token, AUTH_TOKEN_PREFIX, sizeof(AUTH_TOKEN_PREFIX) - 1);
	base64url(r, sizeof(r), token + sizeof(AUTH_TOKEN_PREFIX) - 1);
	explicit_bzero(r, sizeof(r));
	mbedtls_sha256_ret((const uint8_t *)token, AUTH_TOKEN_LEN, hash, 0);
	return 0;
}

/*
 * Last-used times: an open-addressed table keyed by the token hash (its
 * bytes are uniform, so the first four pick the slot).
 */

static struct use *
use_find(struct auth *a, const uint8_t hash[TOKEN_HASH_LEN], int add)
{
	uint32_t h = (uint32_t)hash[0] | (uint32_t)hash[1] << 8 |
	    (uint32_t)hash[2] << 16 | (uint32_t)hash[3] << 24;
	struct use *gone = NULL;

	for (size_t i = 0; i < USE_SLOTS; i++) {
		struct use *u = &a->uses[(h + i) % USE_SLOTS];
		if (u->state == USE_EMPTY) {
			if (!add)
				return NULL;
			if (gone != NULL)
				u = gone;
			else if (a->n_uses >= USE_FILL)
				return NULL;	/* full: not tracked */
			else
				a->n_uses++;
			memcpy(u->hash, hash, TOKEN_HASH_LEN);
			u->state = USE_LIVE;
			u->last_used = 0;
			u->persisted = 0;
			return u;
		}
		if (u->state == USE_GONE) {
			if (gone == NULL)
				gone = u;
			continue;
		}
		if (memcmp(u->hash, hash, TOKEN_HASH_LEN) == 0)
			return u;
	}
	return NULL;
}

void
auth_use_note(struct auth *a, const uint8_t hash[TOKEN_HASH_LEN], vtime now)
{
	struct use *u;

	pthread_mutex_lock(&a->use_lock);
	if ((u = use_find(a, hash, 1)) != NULL && u->last_used < now)
		u->last_used = now;
	pthread_mutex_unlock(&a->use_lock);
}

vtime
auth_last_used(struct auth *a, const uint8_t hash[32])
{
	struct use *u;
	vtime t = 0;

	if (a == NULL)
		return 0;
	pthread_mutex_lock(&a->use_lock);
	if ((u = use_find(a, hash, 0)) != NULL)
		t = u->last_used;
	pthread_mutex_unlock(&a->use_lock);
	return t;
}

void
auth_forget(struct auth *a, const uint8_t hash[32])
{
	struct use *u;

	if (a == NULL)
		return;
	pthread_mutex_lock(&a->use_lock);
	if ((u = use_find(a, hash, 0)) != NULL)
		u->state = USE_GONE;
	pthread_mutex_unlock(&a->use_lock);
}

/*
 * auth_persist may run again from the start if the transaction is retried
 * (store_write), so it only records what it wrote in a->pending; nothing
 * counts as persisted, nor is the next persist put off, until
 * auth_persist_committed.
 */
int
auth_persist(struct auth *a, struct store_txn *t, vtime now, int force)
{
	int rv;

	if (a == NULL)
		return STATUS_OK;
	a->n_pending = 0;
	a->persist_ran = 0;
	pthread_mutex_lock(&a->use_lock);
	if (!force && now - a->last_persist < AUTH_PERSIST_SECONDS) {
		pthread_mutex_unlock(&a->use_lock);
		return STATUS_OK;
	}
	for (size_t i = 0; i < USE_SLOTS; i++) {
		struct use *u = &a->uses[i];
		if (u->state == USE_LIVE && u->last_used > u->persisted) {
			struct pending *p = &a->pending[a->n_pending++];
			memcpy(p->hash, u->hash, TOKEN_HASH_LEN);
			p->value = u->last_used;
		}
	}
	pthread_mutex_unlock(&a->use_lock);
	a->persist_ran = 1;
	a->persist_at = now;
	for (size_t i = 0; i < a->n_pending; i++)
		if ((rv = store_token_touch(t, a->pending[i].hash,
		    a->pending[i].value)) != STATUS_OK)
			return rv;
	return STATUS_OK;
}

void
auth_persist_committed(struct auth *a)
{
	struct use *u;

	if (a == NULL || !a->persist_ran)
		return;
	pthread_mutex_lock(&a->use_lock);
	for (size_t i = 0; i < a->n_pending; i++)
		if ((u = use_find(a, a->pending[i].hash, 0)) != NULL &&
		    u->persisted < a->pending[i].value)
			u->persisted = a->pending[i].value;
	if (a->last_persist < a->persist_at)
		a->last_persist = a->persist_at;
	pthread_mutex_unlock(&a->use_lock);
	a->n_pending = 0;
	a->persist_ran = 0;
}

struct flush_state {
	struct auth *a;
	vtime	now;
};

static int
flush_txn(struct store_txn *t, void *arg)
{
	struct flush_state *fs = arg;
	int rv;

	if ((rv = auth_persist(fs->a, t, fs->now, 1)) != STATUS_OK)
		return rv;
	if (fs->a->n_pending == 0)
		store_txn_mark_unchanged(t);	/* nothing to write */
	else
		store_txn_keep_revision(t);	/* no record changed */
	return STATUS_OK;
}

int
auth_flush(struct auth *a, struct store *s, vtime now)
{
	struct flush_state fs = { .a = a, .now = now };
	int rv;

	if (a == NULL)
		return STATUS_OK;
	if ((rv = store_write(s, flush_txn, &fs, NULL)) == STATUS_OK)
		auth_persist_committed(a);
	return rv;
}

/*
 * First run.
 */

struct init_state {
	const uint8_t *hash;
	const struct token_record *r;
};

/* init_txn files the token and its audit entry in one transaction, as
 * CreateToken does through the API. */
static int
init_txn(struct store_txn *t, void *arg)
{
	struct init_state *is = arg;
	struct audit_entry e;
	int rv;

	if ((rv = store_token_create(t, is->hash, is->r)) != STATUS_OK)
		return rv;
	memset(&e, 0, sizeof(e));
	e.time = is->r->created_at;
	e.revision = store_txn_revision(t);
	snprintf(e.principal, sizeof(e.principal), "vetd --init-admin (uid "
	    "%lu)", (unsigned long)getuid());
	snprintf(e.method, sizeof(e.method), "CreateToken");
	snprintf(e.subject, sizeof(e.subject), "%s", is->r->name);
	snprintf(e.change, sizeof(e.change), "token created with roles admin "
	    "(first run, on vetd's host)");
	return audit_append_entry(t, &e);
}

int
auth_init_admin(struct store *s, const char *name, vtime now,
    char token[AUTH_TOKEN_LEN + 1], char *err, size_t errsz)
{
	struct token_record r = { .roles = ROLE_BIT(ROLE_ADMIN),
	    .created_at = now };
	uint8_t hash[TOKEN_HASH_LEN];
	struct init_state is = { .hash = hash, .r = &r };
	int rv;

	if (!auth_name_valid(name)) {
		snprintf(err, errsz, "token name \"%.64s\" must be 1 to %d "
		    "characters of A-Z a-z 0-9 . _ -", name, AUTH_NAME_MAX);
		return STATUS_INVALID_ARGUMENT;
	}
	if (auth_name_taken(NULL, name)) {
		snprintf(err, errsz, "%s is the name of the uid vetd runs as; "
		    "choose another", name);
		return STATUS_INVALID_ARGUMENT;
	}
	snprintf(r.name, sizeof(r.name), "%s", name);
	snprintf(r.created_by, sizeof(r.created_by), "vetd --init-admin");
	if (auth_token_new(token, hash) != 0) {
		snprintf(err, errsz, "no randomness from the kernel: %s",
		    strerror(errno));
		return STATUS_INTERNAL;
	}
	rv = store_write(s, init_txn, &is, NULL);
	if (rv == STATUS_OK)
		return STATUS_OK;
	explicit_bzero(token, AUTH_TOKEN_LEN + 1);
	if (rv == STATUS_ALREADY_EXISTS)
		snprintf(err, errsz, "a token named %s already exists; choose "
		    "another name, or revoke it first", name);
	else
		snprintf(err, errsz, "cannot store the token: %s",
		    status_name(rv));
	return rv;
}
