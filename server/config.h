/*
 * config.h: vetd's settings, from an INI file (-c FILE, parsed with inih)
 * and then from command-line flags, which win. Every flag has a key.
 * Errors name the file and line.
 */
#ifndef VETD_CONFIG_H
#define VETD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

#define CONFIG_MAX_LISTEN	8
#define CONFIG_MAX_PRINCIPALS	64

/* [principal NAME]: an ipc peer uid and the roles it gets (config_auth.c). */
struct config_principal {
	char	name[65];
	uint64_t uid;
	int	have_uid;
	unsigned roles;			/* ROLE_BIT(r); 0 until set */
};

/* decision_log: which checks get an audit entry (audit_queue.c). */
enum decision_log {
	DECISION_LOG_OFF = 0,
	DECISION_LOG_DENY = 1,
	DECISION_LOG_ALL = 2,
};

struct config {
	char	data_dir[4096];
	size_t	n_listen;
	char	listen[CONFIG_MAX_LISTEN][512];
	unsigned contexts;		/* requests served at once */
	int	transport_nng;		/* transport = nng: ipc/tcp through nng */
	size_t	max_frame;		/* bytes; frames above are refused */
	size_t	map_size;		/* initial LMDB map size */
	int	log_level;		/* enum log_level */
	char	metrics_listen[512];	/* http://host:port, "": off */
	int	log_syslog;		/* log_target: 0 stderr, 1 syslog */
	int	decision_log;		/* enum decision_log (audit of checks) */
	unsigned retention_years;	/* records kept after clearance ends */
	struct policy policy;		/* default plus [scheme]/[marking] */

	/* Authentication and transport security (config_auth.c). */
	size_t	n_principals;
	struct config_principal principals[CONFIG_MAX_PRINCIPALS];
	int	ipc_owner_admin;	/* vetd's own uid is admin (default 1) */
	char	socket_group[64];	/* ipc socket 0660 in this group */
	int	have_socket_gid;	/* set by config_auth_check */
	unsigned socket_gid;
	char	tls_cert_key_file[4096];
	char	tls_ca_file[4096];
	int	require_client_cert;
	int	allow_plaintext;	/* tcp:// beyond loopback */
};

#define CONFIG_DEFAULT_CONTEXTS		64
#define CONFIG_DEFAULT_MAX_FRAME	(1024 * 1024)
#define CONFIG_DEFAULT_MAP_SIZE		((size_t)64 * 1024 * 1024)
#define CONFIG_DEFAULT_RETENTION_YEARS	15	/* UKSV's period */

/* config_defaults fills *c with the built-in defaults. */
void config_defaults(struct config *c);

/*
 * config_load reads path into *c (on top of what is there). Returns 0, or
 * -1 with "FILE:LINE: what is wrong" in err.
 */
int config_load(struct config *c, const char *path, char *err, size_t errsz);

/*
 * config_set applies one key = value (as from the file or a flag).
 * Returns 0, or -1 with a sentence in err.
 */
int config_set(struct config *c, const char *section, const char *key,
    const char *value, char *err, size_t errsz);

/* config_add_listen adds a listen URL; -1 with err if invalid or too many. */
int config_add_listen(struct config *c, const char *url, char *err,
    size_t errsz);

/*
 * config_auth.c: the authentication keys. config_auth_set applies a key
 * of section ("" or NULL: the main section; "principal NAME") and returns
 * 0, -1 with err, or 1 when the main-section key is not one of its own.
 * config_auth_check runs once every file and flag is read: a complete
 * [principal], TLS settings a tls+tcp:// listener can use, key files only
 * their owner can read, no plain tcp:// beyond loopback unless
 * allow_plaintext, and socket_group resolved. 0, or -1 with err.
 */
int config_auth_set(struct config *c, const char *section, const char *key,
    const char *value, char *err, size_t errsz);
int config_auth_check(struct config *c, char *err, size_t errsz);
/* config_principal_by_uid: the [principal] mapped to uid, or NULL. */
const struct config_principal *config_principal_by_uid(const struct config *c,
    uint64_t uid);

#endif /* VETD_CONFIG_H */
