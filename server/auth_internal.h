/*
 * auth_internal.h: what auth.c (the per-request check, the uid map, the
 * rejected attempts) and auth_tokens.c (token randomness, last-used
 * times, the first admin) share: struct auth. Only those two include it.
 */
#ifndef VETD_AUTH_INTERNAL_H
#define VETD_AUTH_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "auth.h"
#include "config.h"
#include "store.h"

#define USE_SLOTS	1024		/* tokens tracked for last-used */
#define USE_FILL	768		/* at most this many in use */

enum use_state { USE_EMPTY, USE_LIVE, USE_GONE };

/* The latest use of one token, in memory until persisted. */
struct use {
	uint8_t	hash[TOKEN_HASH_LEN];
	enum use_state state;
	vtime	last_used;
	vtime	persisted;		/* what the store holds, as far as known */
};

struct pending {
	uint8_t	hash[TOKEN_HASH_LEN];
	vtime	value;
};

struct auth {
	uid_t		owner_uid;

	/* The ipc uid map, copied from the config; SIGHUP swaps it. */
	pthread_mutex_t	map_lock;
	int		owner_admin;	/* ipc_owner_admin */
	size_t		n_principals;
	struct config_principal principals[CONFIG_MAX_PRINCIPALS];

	pthread_mutex_t	lock;		/* guards failures */
	size_t		n_failures;
	struct auth_failure failures[AUTH_FAILURE_SLOTS];

	pthread_mutex_t	use_lock;	/* guards uses, n_uses, last_persist */
	struct use	uses[USE_SLOTS];
	size_t		n_uses;		/* live or gone: probe chains */
	vtime		last_persist;

	/* Written by the writer thread alone (auth_persist and
	 * auth_persist_committed run there). */
	int		persist_ran;
	vtime		persist_at;
	size_t		n_pending;
	struct pending	pending[USE_SLOTS];
};

/* auth_use_note records a use of the token with this hash (auth_tokens.c);
 * when the table is full the use is not tracked. */
void auth_use_note(struct auth *a, const uint8_t hash[TOKEN_HASH_LEN],
    vtime now);

#endif /* VETD_AUTH_INTERNAL_H */
