/*
 * vet.h: libvet, the C client library for vetd.
 *
 * Open a client on a vetd URL (ipc://, tcp://, tls+tcp://), then call one
 * function per method. Every call returns a status code (gRPC's canonical
 * numbers, VET_OK on success) and fills a vet_status with the code, a
 * message a user can act on, and the store revision the server reported.
 * A vet_client is safe for many threads calling at once.
 *
 * Writes are never done twice: each call carries a fresh random request id
 * that vetd uses as an idempotency key, and a request is never resent by
 * libvet, whichever transport carries it (docs/TRANSPORT.md).
 *
 * Ownership: results returned through pointer-to-pointer out-parameters
 * are allocated by libvet and freed with the matching *_free function,
 * which accepts NULL. Out-parameters are written only on success.
 */
#ifndef VET_VET_H
#define VET_VET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define VET_API __attribute__((visibility("default")))
#else
#define VET_API
#endif

/* Status codes: gRPC's canonical codes. */
enum {
	VET_OK = 0,
	VET_CANCELLED = 1,
	VET_UNKNOWN = 2,
	VET_INVALID_ARGUMENT = 3,
	VET_DEADLINE_EXCEEDED = 4,
	VET_NOT_FOUND = 5,
	VET_ALREADY_EXISTS = 6,
	VET_PERMISSION_DENIED = 7,
	VET_RESOURCE_EXHAUSTED = 8,
	VET_FAILED_PRECONDITION = 9,
	VET_ABORTED = 10,
	VET_OUT_OF_RANGE = 11,
	VET_UNIMPLEMENTED = 12,
	VET_INTERNAL = 13,
	VET_UNAVAILABLE = 14,
	VET_DATA_LOSS = 15,
	VET_UNAUTHENTICATED = 16,
};

typedef struct vet_status {
	int	code;
	char	message[512];
	uint64_t revision;	/* the store's revision after the call */
} vet_status;

typedef enum vet_person_status {
	VET_PERSON_ANY = 0,
	VET_PERSON_ACTIVE = 1,
	VET_PERSON_SUSPENDED = 2,
	VET_PERSON_LEAVER = 3,
} vet_person_status;

typedef enum vet_person_source {
	VET_SOURCE_MANUAL = 1,
	VET_SOURCE_DIRECTORY = 2,
} vet_person_source;

typedef enum vet_clearance_status {
	VET_CLEARANCE_GRANTED = 1,
	VET_CLEARANCE_SUSPENDED = 2,
	VET_CLEARANCE_WITHDRAWN = 3,
	VET_CLEARANCE_LAPSED = 4,
} vet_clearance_status;

typedef enum vet_action {
	VET_ACTION_SUSPEND = 1,
	VET_ACTION_REINSTATE = 2,
	VET_ACTION_WITHDRAW = 3,	/* clearances only */
} vet_action;

typedef enum vet_caveat_kind {
	VET_CAVEAT_COMPARTMENT = 1,
	VET_CAVEAT_NATIONAL = 2,
} vet_caveat_kind;

typedef enum vet_effect {
	VET_ALLOW = 1,
	VET_DENY = 2,
} vet_effect;

/* Times are seconds since the Unix epoch (UTC); 0 means "not set". */

typedef struct vet_clearance {
	char	*scheme;
	char	*level;
	int64_t	granted_at;
	int64_t	review_due;
	char	*authority;
	char	*reference;
	vet_clearance_status status;
	char	*status_reason;
	int64_t	status_changed_at;
} vet_clearance;

typedef struct vet_briefing {
	char	*compartment;
	int64_t	briefed_at;
	int64_t	expires_at;	/* 0: does not expire */
	int64_t	debriefed_at;	/* 0: still briefed */
	char	*debrief_reason;
} vet_briefing;

/*
 * A person's history (docs/HISTORY.md): every clearance, briefing and
 * status change as a dated event, never overwritten. vet_person_get gives
 * it; the other calls leave n_history 0.
 */
typedef enum vet_event_kind {
	VET_EVENT_PERSON_SUSPENDED = 1,
	VET_EVENT_PERSON_REINSTATED = 2,
	VET_EVENT_LEAVER = 3,
	VET_EVENT_CLEARANCE_GRANTED = 4,
	VET_EVENT_CLEARANCE_RENEWED = 5,
	VET_EVENT_CLEARANCE_SUSPENDED = 6,
	VET_EVENT_CLEARANCE_REINSTATED = 7,
	VET_EVENT_CLEARANCE_WITHDRAWN = 8,
	VET_EVENT_BRIEFED = 9,
	VET_EVENT_DEBRIEFED = 10,
	VET_EVENT_CLEARANCE_LAPSED = 11,
} vet_event_kind;

typedef struct vet_event {
	vet_event_kind kind;
	int64_t	at;			/* effective from */
	int64_t	recorded_at;		/* 0: not known (upgraded data) */
	int	scheduled;		/* recorded ahead of its time */
	char	*scheme;		/* clearance events */
	char	*level;			/* granted */
	int64_t	review_due;		/* granted, renewed */
	char	*authority;		/* granted */
	char	*reference;		/* granted, renewed */
	char	*compartment;		/* briefed, debriefed */
	int64_t	expires_at;		/* briefed; 0: does not expire */
	char	*reason;
} vet_event;

typedef struct vet_person {
	char	*id;
	char	*display_name;
	char	*email;
	char	*org_unit;
	char	*nationality;	/* ISO 3166 alpha-2, "" unknown */
	vet_person_status status;
	vet_person_source source;
	char	*status_reason;
	int64_t	created_at;
	int64_t	updated_at;
	int64_t	status_changed_at;
	size_t	n_clearances;
	vet_clearance *clearances;
	size_t	n_briefings;
	vet_briefing *briefings;
	size_t	n_history;		/* vet_person_get only */
	vet_event *history;		/* in time order */
} vet_person;

typedef struct vet_person_page {
	size_t	n_people;
	vet_person *people;
	char	*next_page_token;	/* "" on the last page */
} vet_person_page;

typedef struct vet_caveat {
	char	*name;
	vet_caveat_kind kind;
	char	*min_scheme;		/* compartment: "" for none */
	char	*min_level;
	size_t	n_nationalities;	/* national caveat: the release set */
	char	**nationalities;
	int	builtin;
} vet_caveat;

typedef struct vet_caveat_list {
	size_t	n_caveats;
	vet_caveat *caveats;
} vet_caveat_list;

/* Input to vet_person_put. NULL strings are sent as "". */
typedef struct vet_person_spec {
	const char *id;
	const char *display_name;
	const char *email;
	const char *org_unit;
	const char *nationality;
	vet_person_source source;	/* 0 means manual */
} vet_person_spec;

/* Input to vet_clearance_grant. granted_at 0 means now. */
typedef struct vet_grant_spec {
	const char *person_id;
	const char *scheme;
	const char *level;
	int64_t	granted_at;
	int64_t	review_due;
	const char *authority;
	const char *reference;
} vet_grant_spec;

/* Input to vet_caveat_define. */
typedef struct vet_caveat_spec {
	const char *name;
	vet_caveat_kind kind;
	const char *min_scheme;		/* compartment: optional minimum */
	const char *min_level;
	size_t	n_nationalities;	/* national caveat: the release set */
	const char *const *nationalities;
} vet_caveat_spec;

typedef struct vet_check_request {
	const char *person_id;
	const char *marking;		/* "SECRET", "TOP SECRET", ... */
	size_t	n_caveats;
	const char *const *caveats;	/* "UK EYES ONLY", compartments */
	uint64_t min_revision;		/* 0: any */
	int64_t	at;			/* 0: now; else the answer at this
					 * time from the person's history */
} vet_check_request;

typedef struct vet_decision {
	vet_effect effect;
	int	reason;			/* vet.v1.Reason value */
	char	reason_name[32];	/* "LEAVER", "INSUFFICIENT_LEVEL", ... */
	char	explanation[256];
	int64_t	valid_until;		/* 0: not by the clock alone */
	uint64_t revision;
	char	policy_digest[65];
	int64_t	decided_at;
	int64_t	at;			/* the time it was decided for */
} vet_decision;

typedef struct vet_health_info {
	char	status[16];		/* "SERVING" */
	char	version[32];
	uint64_t revision;
	char	policy_digest[65];
} vet_health_info;

typedef struct vet_options {
	int	timeout_ms;		/* per call; 0: 5000 */
	const char *token;		/* API token; NULL: none */
	const char *tls_ca_file;	/* tls+tcp://: CA to verify vetd */
	const char *tls_cert_key_file;	/* tls+tcp://: client cert + key PEM */
	const char *tls_server_name;	/* tls+tcp://: name in vetd's cert */
} vet_options;

typedef struct vet_client vet_client;

/* vet_client_open connects to url; opts may be NULL. */
VET_API int vet_client_open(vet_client **out, const char *url,
    const vet_options *opts, vet_status *st);
/* vet_client_close closes the client and sets *c to NULL. */
VET_API void vet_client_close(vet_client **c);

VET_API int vet_health(vet_client *c, vet_health_info *out, vet_status *st);

/* People. out may be NULL when the caller does not want the record. */
VET_API int vet_person_put(vet_client *c, const vet_person_spec *spec,
    vet_person **out, vet_status *st);
VET_API int vet_person_get(vet_client *c, const char *id, vet_person **out,
    vet_status *st);
VET_API int vet_person_list(vet_client *c, vet_person_status status,
    unsigned page_size, const char *page_token, vet_person_page **out,
    vet_status *st);
VET_API int vet_person_set_status(vet_client *c, const char *id,
    vet_action action, const char *reason, vet_person **out, vet_status *st);
VET_API int vet_leaver(vet_client *c, const char *id, const char *reason,
    vet_person **out, vet_status *st);
/*
 * The same with a time the change takes effect: 0 is now; a later time
 * schedules it (the answer is the record as it stands now; from that
 * second on the person is suspended, reinstated or a leaver, with no
 * further call). A time in the past is VET_INVALID_ARGUMENT.
 */
VET_API int vet_person_set_status_at(vet_client *c, const char *id,
    vet_action action, const char *reason, int64_t effective_at,
    vet_person **out, vet_status *st);
VET_API int vet_leaver_at(vet_client *c, const char *id, const char *reason,
    int64_t effective_at, vet_person **out, vet_status *st);

/* Clearances. */
VET_API int vet_clearance_grant(vet_client *c, const vet_grant_spec *spec,
    vet_person **out, vet_status *st);
VET_API int vet_clearance_set_status(vet_client *c, const char *id,
    const char *scheme, vet_action action, const char *reason,
    vet_person **out, vet_status *st);
/*
 * vet_clearance_renew gives the person's clearance in scheme a new review
 * date (after now) and, unless reference is NULL or "", a new reference;
 * the earlier term stays in the history. VET_NOT_FOUND without such a
 * clearance, VET_FAILED_PRECONDITION for a withdrawn or lapsed one or a
 * leaver.
 */
VET_API int vet_clearance_renew(vet_client *c, const char *id,
    const char *scheme, int64_t review_due, const char *reference,
    vet_person **out, vet_status *st);

/* Caveats and briefings. */
VET_API int vet_caveat_define(vet_client *c, const vet_caveat_spec *spec,
    vet_caveat_list **out, vet_status *st);
VET_API int vet_caveat_list_get(vet_client *c, vet_caveat_list **out,
    vet_status *st);
VET_API int vet_brief(vet_client *c, const char *id, const char *caveat,
    int64_t expires_at, vet_person **out, vet_status *st);
VET_API int vet_debrief(vet_client *c, const char *id, const char *caveat,
    const char *reason, vet_person **out, vet_status *st);

/*
 * Checks. vet_check fills *out with the decision. When vetd answers with
 * an error status (e.g. INVALID_ARGUMENT for an unknown marking) *out is
 * still a DENY, so a caller that ignores the status fails closed.
 * vet_batch_check answers n (at most 1000) checks from one snapshot into
 * out[0..n-1].
 */
VET_API int vet_check(vet_client *c, const vet_check_request *req,
    vet_decision *out, vet_status *st);
VET_API int vet_batch_check(vet_client *c, const vet_check_request *reqs,
    size_t n, vet_decision *out, vet_status *st);

/*
 * Bulk load. vet_import_people stores n (1 to 1000) whole records,
 * clearances and briefings included, in one transaction: vetd validates
 * every record first and refuses the whole call (INVALID_ARGUMENT naming
 * the index, e.g. "people[12] (id x): unknown level ...") if any is bad,
 * so either all are stored or none. Only people[i]'s input fields are
 * read (updated_at is ignored); status 0 means ACTIVE, source 0 MANUAL, a
 * clearance status 0 GRANTED; created_at 0 keeps the stored value (now for
 * a new person); status_changed_at 0 means created_at (person) or
 * granted_at (clearance). A record equal to the stored one is counted
 * unchanged. Several calls in flight from several threads load fastest.
 */
typedef struct vet_import_result {
	unsigned created;
	unsigned updated;
	unsigned unchanged;
} vet_import_result;

VET_API int vet_import_people(vet_client *c, const vet_person *people,
    size_t n, vet_import_result *out, vet_status *st);

/*
 * The clearance register (vetting, admin; docs/REGISTER.md). Each row is
 * one person's details and one clearance. vet_import_clearances sends n
 * (1 to 1000) rows: vetd checks every row (its schemes and levels, dates,
 * leavers, ...) and, if any is bad, answers VET_INVALID_ARGUMENT with
 * EVERY bad row's index and message in out->errors, writing nothing.
 * Otherwise it applies all rows in one transaction, or none when
 * validate_only is set (the counts then say what would happen). A row
 * that matches what vetd holds writes nothing. Unlike other calls, out is
 * always written (zeroed first, then filled on VET_OK and, with the row
 * errors, on VET_INVALID_ARGUMENT): free it with vet_register_result_clear.
 */
typedef struct vet_clearance_row {
	const char *person_id;
	const char *display_name;
	const char *email;		/* NULL or "": keep vetd's */
	const char *org_unit;		/* NULL or "": keep vetd's */
	const char *nationality;	/* NULL or "": keep vetd's */
	const char *scheme;
	const char *level;
	int64_t	granted_at;
	int64_t	review_due;
	const char *authority;
	const char *reference;
} vet_clearance_row;

typedef struct vet_row_error {
	size_t	index;			/* into the rows sent */
	char	message[320];
} vet_row_error;

typedef struct vet_register_result {
	unsigned created;		/* rows giving a clearance not held */
	unsigned updated;		/* rows changing a clearance or details */
	unsigned unchanged;		/* rows matching what vetd holds */
	unsigned people_created;
	size_t	n_errors;
	vet_row_error *errors;		/* in index order */
} vet_register_result;

VET_API int vet_import_clearances(vet_client *c, const vet_clearance_row *rows,
    size_t n, int validate_only, vet_register_result *out, vet_status *st);
VET_API void vet_register_result_clear(vet_register_result *r);

/*
 * Directory sync (hr, sync, admin). vet_sync_people does what
 * vet_person_put does for each of people[0..n-1] (n 1 to 1000, each id
 * once), in one transaction: only the directory fields and the source
 * are set, never clearances, briefings or status. vetd validates every
 * item first and refuses the whole call if any is bad (INVALID_ARGUMENT
 * naming it, e.g. "people[12] (id x): ..."; PERMISSION_DENIED for a
 * hand-entered person when the caller holds only the sync role), so
 * either all are stored or none. A person the call would not change is
 * counted unchanged and not written, so a repeated call is harmless.
 */
typedef struct vet_sync_result {
	unsigned created;
	unsigned updated;
	unsigned unchanged;
} vet_sync_result;

VET_API int vet_sync_people(vet_client *c, const vet_person_spec *people,
    size_t n, vet_sync_result *out, vet_status *st);

/*
 * Backup (admin). vet_backup asks vetd to write a consistent, compacted
 * copy of its store and a MANIFEST.json into dir, an absolute path on
 * vetd's own machine that must not exist or be empty; vetd keeps serving
 * meanwhile. The copy takes seconds for a large store: open the client
 * with a timeout_ms to match. Restore with vetd --restore (vetd(8)).
 */
typedef struct vet_backup_info {
	uint64_t revision;		/* the revision the copy holds */
	uint64_t people;		/* person records in the copy */
	uint64_t audit_seq;		/* the audit chain's head; 0: empty */
	char	audit_last_hash[65];	/* hex SHA-256 of entry audit_seq */
	int64_t	created_at;
	char	sha256[65];		/* hex SHA-256 of dir/data.mdb */
	uint64_t size;			/* bytes of dir/data.mdb */
	uint32_t schema;		/* the store's schema version */
} vet_backup_info;

VET_API int vet_backup(vet_client *c, const char *dir, vet_backup_info *out,
    vet_status *st);

/*
 * Subject access (auditor, admin). vet_subject_access asks vetd for
 * everything it holds about one person (docs/RETENTION.md): the record
 * with its history, and the seq of the audit entry that records this
 * export; the audit entries naming the person up to that seq complete it
 * (vet_audit_list with person_id). person is NULL when the record was
 * purged and only audit entries remain; NOT_FOUND when vetd holds
 * nothing. Free with vet_sar_clear.
 */
typedef struct vet_sar {
	vet_person *person;
	uint64_t audit_seq;
	int64_t	exported_at;
} vet_sar;

VET_API int vet_subject_access(vet_client *c, const char *person_id,
    vet_sar *out, vet_status *st);
VET_API void vet_sar_clear(vet_sar *s);

/*
 * Retention (docs/RETENTION.md). vet_retention_due lists, a page at a
 * time, the records whose vetting ended longer ago than vetd's
 * retention_years (auditor, admin): ids and dates only. A page may be
 * short or empty and still have a next_page_token: vetd looks at a
 * bounded number of people per call. vet_retention_purge (admin) deletes
 * the named records (1 to 100), each of which must still be due
 * (FAILED_PRECONDITION, nothing deleted, otherwise), erasing the text of
 * the audit entries naming them; the chain still verifies.
 */
typedef struct vet_retention_record {
	char	person_id[129];
	vet_person_status status;
	int64_t	created_at;
	int64_t	ended_at;		/* when their vetting ended */
	char	ended_how[16];		/* withdrawn, lapsed, expired, left */
} vet_retention_record;

typedef struct vet_retention_page {
	size_t	n;
	vet_retention_record *records;
	char	next_page_token[129];	/* "": every person looked at */
	int64_t	cutoff;			/* ended at or before: due */
	unsigned retention_years;
	/* vet_retention_purge only: */
	unsigned audit_entries_erased;
	unsigned legacy_entries_kept;	/* written before sealing */
	unsigned replies_forgotten;
} vet_retention_page;

VET_API int vet_retention_due(vet_client *c, const char *page_token,
    unsigned page_size, vet_retention_page **out, vet_status *st);
VET_API int vet_retention_purge(vet_client *c, const char *const *ids,
    size_t n, vet_retention_page **out, vet_status *st);
VET_API void vet_retention_page_free(vet_retention_page *p);

/*
 * The audit log (auditors). Every write, and when vetd's decision_log asks
 * for it every check, has one entry; each entry holds the SHA-256 of the
 * one before, so a changed or missing entry breaks the chain. hash is the
 * SHA-256 of canonical, the entry as protobuf bytes with hash empty:
 * libvet rebuilds canonical from what vetd sent and checks hash against
 * it, so an archive can check every exported entry with sha256 alone.
 */
#define VET_HASH_SIZE	32

typedef struct vet_audit_entry {
	uint64_t seq;
	int64_t	time;
	char	*principal;		/* who; "" before authentication */
	char	*method;		/* "RecordLeaver", "Check", "AuthFailure" */
	char	*request_id;
	char	*person_id;		/* "" when not about a person */
	char	*subject;		/* else what: a caveat, a token */
	char	*change;		/* "field: before -> after; ..." */
	char	*reason;
	uint64_t revision;		/* the revision written or decided at */
	uint8_t	prev_hash[VET_HASH_SIZE];
	uint8_t	hash[VET_HASH_SIZE];
	uint8_t	*canonical;		/* the bytes hash is the SHA-256 of:
					 * the entry's encoding with hash
					 * empty; sealed, with change and
					 * reason empty and redacted false */
	size_t	canonical_len;
	/*
	 * Sealed entries (vetd 0.2 on) hash their text through
	 * content_digest, so that a retention purge can erase it (redacted)
	 * without breaking the chain: see docs/AUDIT.md. libvet has checked
	 * hash, and the text against content_digest, before returning.
	 */
	int	sealed;
	uint8_t	content_digest[VET_HASH_SIZE];
	int	redacted;		/* change and reason were erased */
	uint32_t redactions;		/* a RetentionPurge: entries it erased */
	int	altered;		/* the text does not match
					 * content_digest: changed since vetd
					 * wrote it (verify names it) */
	int	damaged;		/* vetd cannot read the stored entry:
					 * only seq, change and hash are set,
					 * canonical is NULL */
} vet_audit_entry;

/* Input to vet_audit_list. */
typedef struct vet_audit_query {
	const char *person_id;		/* NULL or "": every entry */
	int64_t	since;			/* 0: from the start */
	uint64_t after_seq;		/* entries with seq > after_seq */
	unsigned limit;			/* per page; 0: 100; at most 1000 */
} vet_audit_query;

typedef struct vet_audit_page {
	size_t	n_entries;
	vet_audit_entry *entries;	/* in seq order */
	uint64_t next_after_seq;	/* the next page's after_seq; 0: last */
	uint64_t last_seq;		/* the chain's head; 0: empty */
	uint8_t	last_hash[VET_HASH_SIZE];
} vet_audit_page;

typedef struct vet_audit_verify_result {
	int	ok;			/* the whole chain is intact */
	uint64_t verified;		/* entries found intact */
	uint64_t first_bad_seq;		/* 0 when ok */
	char	problem[256];
	uint64_t last_seq;
	uint8_t	last_hash[VET_HASH_SIZE];
} vet_audit_verify_result;

/*
 * vet_audit_list gets one page of entries matching q; page through with
 * q->after_seq = (*out)->next_after_seq until it is 0. VET_INTERNAL if an
 * entry's hash does not match its canonical bytes (a faulty reply).
 * vet_audit_verify has vetd walk the whole chain: a broken chain is an
 * OK call with out->ok 0. A long log takes a while: open the client with
 * a timeout_ms to match.
 */
VET_API int vet_audit_list(vet_client *c, const vet_audit_query *q,
    vet_audit_page **out, vet_status *st);
VET_API int vet_audit_verify(vet_client *c, vet_audit_verify_result *out,
    vet_status *st);
VET_API void vet_audit_page_free(vet_audit_page *p);

/*
 * API tokens (admin only). A principal holds one or more roles; a set of
 * roles is a bitmask of VET_ROLE_BIT(role).
 */
typedef enum vet_role {
	VET_ROLE_READER = 1,	/* Check, BatchCheck, Health */
	VET_ROLE_VETTING = 2,	/* clearances, caveats, briefings; read people */
	VET_ROLE_HR = 3,	/* people, person status, leavers */
	VET_ROLE_SYNC = 4,	/* directory-sourced people and leavers only */
	VET_ROLE_AUDITOR = 5,	/* read everything: people, audit, reports */
	VET_ROLE_ADMIN = 6,	/* tokens and everything else */
} vet_role;
#define VET_ROLE_BIT(role)	(1u << (role))

typedef struct vet_token_info {
	char	*name;
	unsigned roles;			/* VET_ROLE_BIT(role) per role */
	int64_t	created_at;
	int64_t	last_used_at;		/* 0: never used */
	char	*created_by;		/* the principal that created it */
} vet_token_info;

typedef struct vet_token_list {
	size_t	n_tokens;
	vet_token_info *tokens;		/* in name order */
} vet_token_list;

/*
 * vet_token_create makes a token named name (1..64 of A-Z a-z 0-9 . _ -)
 * holding roles (a non-zero mask). *token_out gets the secret, shown only
 * this once: free it with vet_token_free, which zeroes it. info_out may be
 * NULL. A name in use is VET_ALREADY_EXISTS; so is a resent create, since
 * vetd never keeps a reply holding a token.
 * vet_token_revoke removes a token at once (the next request made with it
 * is VET_UNAUTHENTICATED); an unknown name is VET_NOT_FOUND. out may be
 * NULL. vet_token_list_get lists every token, never the secrets.
 */
VET_API int vet_token_create(vet_client *c, const char *name, unsigned roles,
    char **token_out, vet_token_info **info_out, vet_status *st);
VET_API int vet_token_list_get(vet_client *c, vet_token_list **out,
    vet_status *st);
VET_API int vet_token_revoke(vet_client *c, const char *name,
    vet_token_info **out, vet_status *st);
VET_API void vet_token_free(char *token);
/*
 * vet_token_load finds the caller's token as vetctl does: from file if
 * not NULL, else from the file named by $VET_TOKEN_FILE, else $VET_TOKEN.
 * A file must be a regular file that neither group nor others can read,
 * holding the token on one line: anything else is VET_INVALID_ARGUMENT
 * saying why (a file open to others names its mode and the chmod to
 * run). *out is the token (free it with vet_token_free), or NULL when
 * none was given at all.
 */
VET_API int vet_token_load(const char *file, char **out, vet_status *st);
VET_API void vet_token_info_free(vet_token_info *t);
VET_API void vet_token_list_free(vet_token_list *l);
/* vet_role_name: "reader" ... "admin", or NULL. vet_roles_parse reads
 * "hr,sync" into a mask: 0, or -1 for an empty list or an unknown name. */
VET_API const char *vet_role_name(int role);
VET_API int vet_roles_parse(const char *list, unsigned *out);

/*
 * Reports (vetting, auditor, admin; docs/REPORTS.md), answered by vetd
 * from its secondary indexes at its own clock (as_of). The paged ones
 * take page_size (0: 100; at most 1000) and the page_token of the page
 * before ("" or NULL: the first); a page's next_page_token is "" on the
 * last page, and a last page may be empty. Free each page with its
 * *_free (which accepts NULL).
 *
 * vet_report_due: GRANTED or SUSPENDED clearances of people who are not
 * leavers, due for review within `within` seconds (1 s to 100 years) or
 * overdue, by review date, then person, then scheme.
 * vet_report_holders: everyone briefed into a compartment and not
 * debriefed (unknown caveat: VET_NOT_FOUND; a national caveat:
 * VET_INVALID_ARGUMENT), by person id.
 * vet_report_unvetted: ACTIVE people without a valid clearance, longest
 * without one first (never cleared first), then by id.
 * vet_report_summary: people by status and clearances by scheme, level
 * and status, as recorded; joiners, leavers and withdrawals with
 * from <= time < to (0, 0: the 12 months to now; to 0: now).
 */
typedef struct vet_due_row {
	char	*person_id;
	char	*display_name;
	char	*org_unit;
	char	*scheme;
	char	*level;
	vet_clearance_status status;	/* GRANTED or SUSPENDED */
	int64_t	granted_at;
	int64_t	review_due;
	int	overdue;		/* review_due at or before as_of */
} vet_due_row;

typedef struct vet_due_page {
	size_t	n_rows;
	vet_due_row *rows;
	char	*next_page_token;
	int64_t	as_of;
	int64_t	until;			/* as_of + within */
} vet_due_page;

typedef enum vet_holder_state {
	VET_HOLDER_ACTIVE = 1,
	VET_HOLDER_EXPIRED = 2,		/* past expires_at, not debriefed */
	VET_HOLDER_PENDING = 3,		/* briefed_at is after as_of */
} vet_holder_state;

typedef struct vet_holder_row {
	char	*person_id;
	char	*display_name;
	char	*org_unit;
	vet_person_status person_status;
	int64_t	briefed_at;
	int64_t	expires_at;		/* 0: does not expire */
	vet_holder_state state;
} vet_holder_row;

typedef struct vet_holders_page {
	char	*compartment;		/* canonical name */
	size_t	n_rows;
	vet_holder_row *rows;
	char	*next_page_token;
	int64_t	as_of;
} vet_holders_page;

typedef struct vet_unvetted_row {
	char	*person_id;
	char	*display_name;
	char	*org_unit;
	int	reason;			/* vet.v1.Reason: NO_CLEARANCE,
					 * CLEARANCE_EXPIRED, _SUSPENDED,
					 * _WITHDRAWN */
	int64_t	since;			/* last valid clearance ended; 0: never */
	char	*scheme;		/* that clearance; "" if none */
	char	*level;
} vet_unvetted_row;

typedef struct vet_unvetted_page {
	size_t	n_rows;
	vet_unvetted_row *rows;
	char	*next_page_token;
	int64_t	as_of;
} vet_unvetted_page;

typedef struct vet_person_count {
	vet_person_status status;
	uint64_t count;
} vet_person_count;

typedef struct vet_clearance_count {
	char	*scheme;
	char	*level;
	vet_clearance_status status;
	uint64_t count;
} vet_clearance_count;

typedef struct vet_summary {
	size_t	n_people;
	vet_person_count *people;	/* by status */
	size_t	n_clearances;
	vet_clearance_count *clearances; /* by scheme, level, status */
	int64_t	from;			/* the period: from <= t < to */
	int64_t	to;
	uint64_t joiners;
	uint64_t leavers;
	uint64_t withdrawals;
	int64_t	as_of;
} vet_summary;

VET_API int vet_report_due(vet_client *c, int64_t within, unsigned page_size,
    const char *page_token, vet_due_page **out, vet_status *st);
VET_API int vet_report_holders(vet_client *c, const char *caveat,
    unsigned page_size, const char *page_token, vet_holders_page **out,
    vet_status *st);
VET_API int vet_report_unvetted(vet_client *c, unsigned page_size,
    const char *page_token, vet_unvetted_page **out, vet_status *st);
VET_API int vet_report_summary(vet_client *c, int64_t from, int64_t to,
    vet_summary **out, vet_status *st);
VET_API void vet_due_page_free(vet_due_page *p);
VET_API void vet_holders_page_free(vet_holders_page *p);
VET_API void vet_unvetted_page_free(vet_unvetted_page *p);
VET_API void vet_summary_free(vet_summary *s);
/* vet_holder_state_name: "ACTIVE", "EXPIRED", "PENDING", or "UNKNOWN". */
VET_API const char *vet_holder_state_name(vet_holder_state s);

VET_API void vet_person_free(vet_person *p);
VET_API void vet_person_page_free(vet_person_page *p);
VET_API void vet_caveat_list_free(vet_caveat_list *l);

/* Names for codes: "INVALID_ARGUMENT", "LEAVER", "ACTIVE", "GRANTED". */
VET_API const char *vet_status_name(int code);
VET_API const char *vet_reason_name(int reason);
VET_API const char *vet_person_status_name(vet_person_status s);
VET_API const char *vet_clearance_status_name(vet_clearance_status s);
/* vet_event_kind_name: "LEAVER", "CLEARANCE_GRANTED", ..., or "UNKNOWN". */
VET_API const char *vet_event_kind_name(vet_event_kind k);

#ifdef __cplusplus
}
#endif

#endif /* VET_VET_H */
