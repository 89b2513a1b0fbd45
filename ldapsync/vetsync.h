/*
 * vetsync.h: what vetsync's own files share, grouped by file. vetsync
 * reads a directory with libldap and pushes joiners, changes and leavers
 * to vetd through libvet; it never opens LMDB. Everything from the
 * directory is untrusted: the parsers in syncrepl.c and mapping.c check
 * sizes and syntax before anything reaches vetd.
 */
#ifndef VETSYNC_H
#define VETSYNC_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <lber.h>
#include <ldap.h>

#include <vet/vet.h>

/* Exit statuses (documented in docs/LDAP.md). */
#define EXIT_SYNC_OK		0
#define EXIT_SYNC_FAILED	1	/* directory or vetd unreachable, incomplete read */
#define EXIT_SYNC_USAGE		2	/* bad arguments or configuration */
#define EXIT_SYNC_REFUSED	3	/* the mass-leaver guard refused a refresh */

#define REASON_REMOVED		"removed from directory"
#define REASON_DISABLED		"account disabled in directory"

#define SYNC_ID_MAX		128
#define SYNC_NAME_MAX		256	/* vetd's display name and email */
#define SYNC_ORG_UNIT_MAX	128
#define SYNC_COOKIE_MAX		1024	/* longer cookies are refused */
#define SYNC_UUID_LEN		16
#define SYNC_UUID_STR		37	/* 8-4-4-4-12 plus NUL */

/* Results of a refresh or a session, and of apply calls. */
enum sync_result {
	SYNC_DONE = 0,		/* complete and applied */
	SYNC_STOPPED,		/* a signal asked us to stop */
	SYNC_DIRECTORY_DOWN,	/* connect, bind or read failed: retry */
	SYNC_INCOMPLETE,	/* size/time limit: nothing removed */
	SYNC_VETD_DOWN,		/* vetd did not take the changes: retry */
	SYNC_REFUSED,		/* the guard refused the refresh */
	SYNC_FATAL,		/* configuration the directory rejects */
};

enum sync_mode {
	MODE_AUTO = 0,
	MODE_SYNCREPL,
	MODE_PAGED,
};

enum bind_kind {
	BIND_SIMPLE = 0,
	BIND_SASL_EXTERNAL,
	BIND_ANONYMOUS,
};

/* config.c */
struct sync_config {
	char	*path;			/* the file read */
	/* [directory] */
	char	*uri;
	int	 starttls;
	char	*ca_file;
	enum bind_kind bind;
	char	*bind_dn;
	char	*password_file;
	char	*base;
	int	 scope;			/* LDAP_SCOPE_* */
	char	*filter;
	enum sync_mode mode;
	uint64_t interval;		/* paged mode: seconds between reads */
	uint64_t page_size;
	uint64_t timeout;		/* seconds: network and each operation */
	uint64_t retry_min;		/* seconds: first backoff */
	uint64_t retry_max;		/* seconds: backoff cap */
	uint64_t full_refresh_interval;	/* seconds: drop the cookie; 0 never */
	/* [map] */
	char	*attr_id;
	char	*attr_name;
	char	*attr_mail;
	char	*attr_org_unit;
	char	*attr_nationality;	/* "" none */
	char	*disabled_attr;		/* "" none */
	char	*disabled_value;	/* "" attribute present is enough */
	uint64_t disabled_mask;		/* 0: not a bit rule */
	/* [vetd] */
	char	*vetd_url;
	char	*token_file;
	char	*vetd_ca_file;
	char	*vetd_cert_key_file;
	char	*vetd_server_name;
	uint64_t vetd_timeout_ms;
	uint64_t vetd_retry_limit;	/* --once: seconds before giving up */
	uint64_t vetd_concurrency;	/* calls in flight in a large refresh */
	/* [sync] */
	char	*state_dir;
	uint64_t max_leavers;
	uint64_t max_leaver_percent;
	char	*metrics_file;		/* "" none */
	int	 log_level;
};

/*
 * config_load reads path into a new config. On failure returns -1 and
 * writes "FILE:LINE: what is wrong" (or "FILE: ...") into err. The caller
 * frees *out with config_free.
 */
int config_load(const char *path, struct sync_config **out, char *err,
    size_t errsz);
void config_free(struct sync_config *c);
/*
 * config_read_secret reads a password or token file: refused when it is
 * readable or writable by group or others, or empty. Trailing newlines
 * are dropped. *out is malloc'd; free it with secret_free.
 */
int config_read_secret(const char *path, char **out, char *err,
    size_t errsz);
void secret_free(char *s);

/* log.c: as server/log.h, tagged "vetsync". */
enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN = 1,
	LOG_LEVEL_INFO = 2,
	LOG_LEVEL_DEBUG = 3,
};
void log_init(enum log_level level);
int log_level_parse(const char *s);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* table.c: a string-keyed hash table; values are owned by the caller. */
struct table;
struct table *table_new(void);
/* table_free frees the table and its keys, calling fn on each value. */
void table_free(struct table *t, void (*fn)(void *));
void *table_get(const struct table *t, const char *key);
/* table_put copies key; replaces (and returns through *old) any value. */
int table_put(struct table *t, const char *key, void *value, void **old);
void *table_del(struct table *t, const char *key);
size_t table_count(const struct table *t);
/* table_each calls fn for every entry until it returns non-zero. */
int table_each(const struct table *t, int (*fn)(const char *key,
    void *value, void *arg), void *arg);

/* mapping.c */
struct sync_entry {
	char	*id;
	char	*name;
	char	*mail;
	char	*org_unit;
	char	 nationality[3];
	int	 disabled;
};
/* mapping_get returns the values of attr (NULL: none); not freed by the
 * caller of mapping_entry, which only reads them. */
typedef struct berval **(*mapping_get_fn)(void *arg, const char *attr);
/*
 * mapping_entry turns one directory entry into a person. uuid, when not
 * NULL, is the entry's 16-byte syncUUID, used as the id when the id
 * attribute is entryUUID and the entry does not carry it. Returns 0, or
 * -1 with a reason in why (the entry is skipped); then out->id is still
 * set when the id itself could be read, so the entry counts as seen.
 */
int mapping_entry(const struct sync_config *c, mapping_get_fn get,
    void *arg, const uint8_t *uuid, struct sync_entry *out, char *why,
    size_t whysz);
void sync_entry_clear(struct sync_entry *e);
/* mapping_uuid_format writes the 8-4-4-4-12 lower-case hex form. */
void mapping_uuid_format(const uint8_t uuid[SYNC_UUID_LEN],
    char out[SYNC_UUID_STR]);
/* mapping_guid_format: Active Directory's objectGUID byte order. */
void mapping_guid_format(const uint8_t guid[SYNC_UUID_LEN],
    char out[SYNC_UUID_STR]);
/* mapping_attrs lists the attributes to request (NULL-terminated). */
void mapping_attrs(const struct sync_config *c, char *attrs[8]);
/* mapping_id_is_uuid: the person id is the entry's entryUUID. */
int mapping_id_is_uuid(const struct sync_config *c);
int mapping_valid_id(const char *id);

/* syncrepl.c: RFC 4533 values as bytes, so a fuzz target can call them. */
enum sync_state_kind {
	SYNC_STATE_PRESENT = 0,
	SYNC_STATE_ADD = 1,
	SYNC_STATE_MODIFY = 2,
	SYNC_STATE_DELETE = 3,
};
enum sync_info_kind {
	SYNC_INFO_NEW_COOKIE = 0,
	SYNC_INFO_REFRESH_DELETE,
	SYNC_INFO_REFRESH_PRESENT,
	SYNC_INFO_ID_SET,
};
struct sync_state {
	enum sync_state_kind state;
	uint8_t	 uuid[SYNC_UUID_LEN];
	int	 has_cookie;
	struct berval cookie;		/* malloc'd */
};
struct sync_info {
	enum sync_info_kind kind;
	int	 has_cookie;
	struct berval cookie;		/* malloc'd */
	int	 refresh_done;
	int	 refresh_deletes;
	size_t	 n_uuids;
	uint8_t	(*uuids)[SYNC_UUID_LEN];	/* malloc'd */
};
struct sync_done {
	int	 has_cookie;
	struct berval cookie;		/* malloc'd */
	int	 refresh_deletes;
};
/* syncrepl_request encodes the Sync Request control value into *out
 * (free with ber_memfree(out->bv_val)). cookie may be NULL. */
int syncrepl_request(int mode, const struct berval *cookie,
    struct berval *out);
/* Each parser returns 0 and fills *out, or -1 for a malformed value. */
int syncrepl_parse_state(const struct berval *value, struct sync_state *out);
int syncrepl_parse_info(const struct berval *value, struct sync_info *out);
int syncrepl_parse_done(const struct berval *value, struct sync_done *out);
void sync_state_clear(struct sync_state *s);
void sync_info_clear(struct sync_info *i);
void sync_done_clear(struct sync_done *d);

/* ldapconn.c */
struct dse_info {
	int	 syncrepl;		/* RFC 4533 supported */
	int	 paged;			/* Simple Paged Results supported */
};
/* ldapconn_open connects, starts TLS if asked, binds and reads the
 * root DSE. On failure *out is untouched and err says why. */
int ldapconn_open(const struct sync_config *c, LDAP **out,
    struct dse_info *dse, char *err, size_t errsz);
void ldapconn_close(LDAP **ld);
/* ldapconn_get adapts ldap_get_values_len for mapping_entry; the values
 * are kept in a small cache freed by ldapconn_values_free. */
struct ldap_values {
	LDAP	*ld;
	LDAPMessage *entry;
	int	 n;
	char	*names[8];
	struct berval **vals[8];
};
struct berval **ldapconn_get(void *arg, const char *attr);
void ldapconn_values_free(struct ldap_values *v);
/* ldapconn_entry: mapping_entry over a search result entry. */
int ldapconn_entry(const struct sync_config *c, LDAP *ld, LDAPMessage *msg,
    const uint8_t *uuid, struct sync_entry *out, char *why, size_t whysz);

/* The engine (vetd.c, apply.c): what vetd holds, a plan, the guard. */
struct known {
	char	*name;
	char	*mail;
	char	*org_unit;
	char	 nationality[3];
	vet_person_status status;
	vet_person_source source;
	int	 reported;		/* a re-enabled leaver or a hand-entered
					   person was already reported */
};
struct counts {
	uint64_t entries;		/* read from the directory */
	uint64_t added;
	uint64_t updated;
	uint64_t unchanged;
	uint64_t leavers;
	uint64_t skipped;
	uint64_t reenabled;		/* reported, not reinstated */
};
enum op_kind {
	OP_PUT_NEW = 0,
	OP_PUT_CHANGED,
	OP_LEAVER,
};
struct op {
	enum op_kind kind;
	struct sync_entry e;		/* OP_PUT_*: the person; OP_LEAVER: id */
	const char *reason;		/* OP_LEAVER */
	int	 result;		/* vetd's status code, once applied */
};
struct plan {
	struct op *ops;
	size_t	 n, cap;
	struct table *gone;		/* ids with a leaver planned */
	struct counts c;
};
struct engine {
	const struct sync_config *cfg;
	vet_client *vc;
	struct table *known;		/* id -> struct known, source any */
	int	 dry_run;
	int	 allow_mass;
	int	 once;
	volatile sig_atomic_t *stop;
	struct counts total;		/* applied since start */
	uint64_t guard_refusals;
	int	 guard_refused;		/* the last refresh was refused */
	uint64_t incomplete_reads;
	uint64_t directory_errors;
	uint64_t vetd_errors;
	uint64_t batch_calls;		/* SyncPeople calls vetd took */
	int64_t	 last_success;		/* time of the last applied refresh */
	int	 connected;
	const char *mode_name;
};
/* vetd.c */
int engine_open(struct engine *en, const struct sync_config *cfg,
    volatile sig_atomic_t *stop, char *err, size_t errsz);
void engine_close(struct engine *en);
/* engine_client opens the libvet client once (thread-safe). */
int engine_client(struct engine *en, vet_status *st);
/* engine_snapshot reloads what vetd holds (every person; the source is
 * kept so only directory-sourced people are ever changed or removed). */
int engine_snapshot(struct engine *en);
int vetd_transient(int code);
struct retry {
	int64_t	 deadline;		/* ms; 0 never gives up */
	int64_t	 delay;			/* ms */
	int	 attempts;
};
void retry_init(struct engine *en, struct retry *r);
/* retry_wait logs, sleeps the backoff; SYNC_DONE to try again. */
enum sync_result retry_wait(struct engine *en, struct retry *r,
    const char *what, const vet_status *st);
void known_free(void *k);
/* known_set replaces what we know of id (takes k). */
int known_set(struct engine *en, const char *id, struct known *k);

/* apply.c */
/* engine_entry plans what one directory entry means; strings it keeps
 * are moved out of e (the caller still clears e). */
int engine_entry(struct engine *en, struct plan *p, struct sync_entry *e);
/* engine_gone plans a leaver for id if vetd holds it as an active
 * directory-sourced person. */
int engine_gone(struct engine *en, struct plan *p, const char *id,
    const char *reason);
/* engine_diff plans a leaver for every active directory-sourced person
 * in vetd whose id is not in seen. */
int engine_diff(struct engine *en, struct plan *p, const struct table *seen);
/* engine_guard: 0 to go ahead, -1 refused (logged loudly). full: the
 * refresh was a full read that found no entry at all. */
int engine_guard(struct engine *en, const struct plan *p, int full);
/* engine_apply carries out the plan (or prints it in dry-run mode),
 * retrying while vetd is unreachable. Returns SYNC_DONE, SYNC_STOPPED or
 * SYNC_VETD_DOWN (--once: gave up after vetd_retry_limit). */
enum sync_result engine_apply(struct engine *en, struct plan *p);
void plan_init(struct plan *p);
void plan_clear(struct plan *p);
/* push.c: push_plan carries out a plan's ops against vetd, puts in
 * SyncPeople batches of up to SYNC_BATCH (see engine_apply). */
#define SYNC_BATCH	500
enum sync_result push_plan(struct engine *en, struct plan *p);
uint64_t engine_directory_people(const struct engine *en);
/* guard_trips: the pure rule behind engine_guard. */
int guard_trips(uint64_t leavers, uint64_t population, uint64_t max_leavers,
    uint64_t max_percent);

/* state.c: the cookie and the syncUUID -> person id map, kept together. */
struct sync_state_file {
	char	*path;
	uint64_t fingerprint;		/* of uri, base, scope, filter, id map */
	struct berval cookie;		/* bv_len 0: none */
	struct table *uuids;		/* uuid string -> id (char *) */
	int	 dirty;
	int64_t	 saved_at;		/* time of the last write */
	int64_t	 full_at;		/* time of the last full refresh */
};
uint64_t state_fingerprint(const struct sync_config *c);
/* state_load reads the state file; a missing, corrupt or foreign file
 * gives an empty state (and a full refresh). */
int state_load(struct sync_state_file *s, const struct sync_config *c);
/* state_save writes it atomically (temporary file, fsync, rename), 0600. */
int state_save(struct sync_state_file *s);
void state_clear(struct sync_state_file *s);
int state_set_cookie(struct sync_state_file *s, const struct berval *cookie);
int state_map(struct sync_state_file *s, const char *uuid, const char *id);
/* metrics_write writes the Prometheus text file, if one is configured. */
void metrics_write(const struct engine *en);

/* paged_cookie: the cookie of a paged results response control into
 * *out (NULL on the last page; free with ber_bvfree). 0, -1 malformed,
 * -2 out of memory. Pure, so a fuzz target can call it. */
int paged_cookie(LDAP *ld, LDAPControl *c, struct berval **out);
/* session.c: one syncrepl session; paged.c: one paged round. */
enum sync_result syncrepl_session(struct engine *en,
    struct sync_state_file *st, LDAP *ld, int persist);
enum sync_result paged_round(struct engine *en, LDAP *ld,
    const struct dse_info *dse);

/* util */
int64_t now_ms(void);

#endif /* VETSYNC_H */
