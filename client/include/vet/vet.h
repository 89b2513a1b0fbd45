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
 * that vetd uses as an idempotency key, and nng's REQ resend is disabled.
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

/* Clearances. */
VET_API int vet_clearance_grant(vet_client *c, const vet_grant_spec *spec,
    vet_person **out, vet_status *st);
VET_API int vet_clearance_set_status(vet_client *c, const char *id,
    const char *scheme, vet_action action, const char *reason,
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

VET_API void vet_person_free(vet_person *p);
VET_API void vet_person_page_free(vet_person_page *p);
VET_API void vet_caveat_list_free(vet_caveat_list *l);

/* Names for codes: "INVALID_ARGUMENT", "LEAVER", "ACTIVE", "GRANTED". */
VET_API const char *vet_status_name(int code);
VET_API const char *vet_reason_name(int reason);
VET_API const char *vet_person_status_name(vet_person_status s);
VET_API const char *vet_clearance_status_name(vet_clearance_status s);

#ifdef __cplusplus
}
#endif

#endif /* VET_VET_H */
