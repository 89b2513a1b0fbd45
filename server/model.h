/*
 * model.h: vetd's own picture of people, clearances, briefings, caveats and
 * decisions. Wire messages (protobuf-c) are converted to and from these
 * structs at the edge (convert.c); policy and store only ever see these.
 * Strings are fixed-size, NUL-terminated and always valid UTF-8 once they
 * have passed validate.c, so a struct can be copied with `=`.
 */
#ifndef VETD_MODEL_H
#define VETD_MODEL_H

#include <stddef.h>
#include <stdint.h>

#define ID_MAX		128	/* person ids: 1..128 bytes of [A-Za-z0-9._@:-] */
#define NAME_MAX_BYTES	256	/* display name, email: UTF-8 bytes */
#define ORG_UNIT_MAX	128
#define REASON_MAX	512	/* free-text reasons */
#define SCHEME_MAX	32
#define LEVEL_MAX	32
#define CAVEAT_MAX	64	/* caveat and compartment names */
#define AUTHORITY_MAX	128
#define REFERENCE_MAX	128

#define PERSON_MAX_CLEARANCES	8	/* one per scheme */
#define PERSON_MAX_BRIEFINGS	64	/* one per compartment */
#define CAVEAT_MAX_NATIONALITIES 32
#define CHECK_MAX_CAVEATS	16
#define BATCH_CHECK_MAX		1000

/* Times are seconds since the Unix epoch, UTC. 0 means "not set". */
typedef int64_t vtime;

enum person_status {
	PERSON_ACTIVE = 1,
	PERSON_SUSPENDED = 2,
	PERSON_LEAVER = 3,
};

enum person_source {
	SOURCE_MANUAL = 1,
	SOURCE_DIRECTORY = 2,
};

enum clearance_status {
	CLEARANCE_GRANTED = 1,
	CLEARANCE_SUSPENDED = 2,
	CLEARANCE_WITHDRAWN = 3,
	CLEARANCE_LAPSED = 4,
};

enum caveat_kind {
	CAVEAT_COMPARTMENT = 1,
	CAVEAT_NATIONAL = 2,
};

/* Values match vet.v1.Effect and vet.v1.Reason on the wire. */
enum decision_effect {
	DECISION_ALLOW = 1,
	DECISION_DENY = 2,
};

enum reason {
	REASON_GRANTED = 1,
	REASON_UNKNOWN_PERSON = 2,
	REASON_LEAVER = 3,
	REASON_SUSPENDED = 4,
	REASON_NO_CLEARANCE = 5,
	REASON_CLEARANCE_EXPIRED = 6,
	REASON_CLEARANCE_SUSPENDED = 7,
	REASON_CLEARANCE_WITHDRAWN = 8,
	REASON_INSUFFICIENT_LEVEL = 9,
	REASON_NOT_BRIEFED = 10,
	REASON_BRIEFING_EXPIRED = 11,
	REASON_NATIONALITY = 12,
	REASON_UNKNOWN_MARKING = 13,
	REASON_UNKNOWN_CAVEAT = 14,
	REASON_INVALID_REQUEST = 15,
};

struct clearance {
	char	scheme[SCHEME_MAX + 1];		/* canonical: lower case */
	char	level[LEVEL_MAX + 1];		/* canonical: as in the ladder */
	vtime	granted_at;
	vtime	review_due;
	char	authority[AUTHORITY_MAX + 1];
	char	reference[REFERENCE_MAX + 1];
	enum clearance_status status;
	char	status_reason[REASON_MAX + 1];
	vtime	status_changed_at;
};

struct briefing {
	char	compartment[CAVEAT_MAX + 1];	/* canonical: upper case */
	vtime	briefed_at;
	vtime	expires_at;			/* 0: does not expire */
	vtime	debriefed_at;			/* 0: still briefed */
	char	debrief_reason[REASON_MAX + 1];
};

struct person {
	char	id[ID_MAX + 1];
	char	display_name[NAME_MAX_BYTES + 1];
	char	email[NAME_MAX_BYTES + 1];
	char	org_unit[ORG_UNIT_MAX + 1];
	char	nationality[3];			/* ISO 3166 alpha-2, "" unknown */
	enum person_status status;
	enum person_source source;
	char	status_reason[REASON_MAX + 1];
	vtime	created_at;
	vtime	updated_at;
	vtime	status_changed_at;
	size_t	n_clearances;
	struct clearance clearances[PERSON_MAX_CLEARANCES];
	size_t	n_briefings;
	struct briefing briefings[PERSON_MAX_BRIEFINGS];
};

struct caveat {
	char	name[CAVEAT_MAX + 1];		/* canonical: upper case */
	enum caveat_kind kind;
	char	min_scheme[SCHEME_MAX + 1];	/* compartment: "" for none */
	char	min_level[LEVEL_MAX + 1];
	size_t	n_nationalities;
	char	nationalities[CAVEAT_MAX_NATIONALITIES][3];
	int	builtin;
};

/* A check as the rule sees it: already validated for length and syntax. */
struct check_request {
	char	person_id[ID_MAX + 1];
	char	marking[CAVEAT_MAX + 1];
	size_t	n_caveats;
	char	caveats[CHECK_MAX_CAVEATS][CAVEAT_MAX + 1];
	vtime	at;				/* 0: now; else the history
						 * at this time */
};

struct decision {
	enum decision_effect effect;
	enum reason reason;
	char	explanation[256];
	vtime	valid_until;			/* 0: not by the clock alone */
};

#endif /* VETD_MODEL_H */
