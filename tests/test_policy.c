/*
 * test_policy.c: the decision rule of DOMAIN.md, row by row, and the policy
 * configuration it reads. Pure unit tests: no store, no transport, no
 * clock. Each table row names itself in every failure message.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy.h"

#define DAY	86400LL
#define NOW	1704067200LL		/* 2024-01-01T00:00:00Z */
#define GRANT	(NOW - 365 * DAY)	/* 2023-01-01 */
#define REVIEW	(NOW + 366 * DAY)	/* 2025-01-01 */

#define NSV(l)		{ "nsv", l, GRANT, REVIEW, CLEARANCE_GRANTED }
#define POLICE(l)	{ "police", l, GRANT, REVIEW, CLEARANCE_GRANTED }
#define BRIEF(c)	{ c, GRANT, 0, 0 }

struct tc_clearance {
	const char	*scheme;
	const char	*level;
	vtime		 granted_at;
	vtime		 review_due;
	enum clearance_status status;
};

struct tc_briefing {
	const char	*compartment;
	vtime		 briefed_at;
	vtime		 expires_at;
	vtime		 debriefed_at;
};

struct rule_row {
	const char	*name;
	int		 unknown_person;
	enum person_status status;	/* 0: ACTIVE */
	const char	*nationality;	/* NULL: "GB" */
	struct tc_clearance cl[3];
	struct tc_briefing br[3];
	const char	*marking;
	const char	*caveats[3];
	vtime		 now;		/* 0: NOW */
	enum decision_effect effect;
	enum reason	 reason;
	vtime		 valid_until;
	const char	*explain;	/* expected substring, or NULL */
};

/* Caveats the tests define besides the policy's built-in ones. */
static const struct caveat test_caveats[] = {
	{ .name = "CODEWORD-X", .kind = CAVEAT_COMPARTMENT,
	    .min_scheme = "nsv", .min_level = "DV" },
	{ .name = "PROJECT-Y", .kind = CAVEAT_COMPARTMENT },
	{ .name = "BROKEN-LEVEL", .kind = CAVEAT_COMPARTMENT,
	    .min_scheme = "nsv", .min_level = "COSMIC" },
	{ .name = "BROKEN-SCHEME", .kind = CAVEAT_COMPARTMENT,
	    .min_scheme = "army", .min_level = "OF" },
	{ .name = "FIVE EYES", .kind = CAVEAT_NATIONAL, .n_nationalities = 5,
	    .nationalities = { "AU", "CA", "GB", "NZ", "US" } },
	{ .name = "NOBODY", .kind = CAVEAT_NATIONAL },
};

static const struct rule_row rule_rows[] = {
	/* 3 and 4: clearances, their dates and their statuses. */
	{ .name = "SC sees SECRET", .cl = { NSV("SC") },
	    .marking = "SECRET", .effect = DECISION_ALLOW,
	    .reason = REASON_GRANTED, .valid_until = REVIEW,
	    .explain = "person p-1 may see SECRET" },
	{ .name = "review date equal to now is expired",
	    .cl = { { "nsv", "SC", GRANT, NOW, CLEARANCE_GRANTED } },
	    .marking = "SECRET", .effect = DECISION_DENY,
	    .reason = REASON_CLEARANCE_EXPIRED, .valid_until = 0,
	    .explain = "due for review on 2024-01-01" },
	{ .name = "one second before the review date",
	    .cl = { { "nsv", "SC", GRANT, NOW + 1, CLEARANCE_GRANTED } },
	    .marking = "SECRET", .effect = DECISION_ALLOW,
	    .reason = REASON_GRANTED, .valid_until = NOW + 1 },
	{ .name = "granted in the future",
	    .cl = { { "nsv", "SC", NOW + DAY, REVIEW, CLEARANCE_GRANTED } },
	    .marking = "SECRET", .effect = DECISION_DENY,
	    .reason = REASON_NO_CLEARANCE, .valid_until = NOW + DAY },
	{ .name = "granted exactly now",
	    .cl = { { "nsv", "SC", NOW, REVIEW, CLEARANCE_GRANTED } },
	    .marking = "SECRET", .effect = DECISION_ALLOW,
	    .reason = REASON_GRANTED, .valid_until = REVIEW },
	{ .name = "no clearance at all", .marking = "OFFICIAL",
	    .effect = DECISION_DENY, .reason = REASON_NO_CLEARANCE,
	    .valid_until = 0, .explain = "holds no current clearance" },
	{ .name = "lapsed clearance",
	    .cl = { { "nsv", "SC", GRANT, REVIEW, CLEARANCE_LAPSED } },
	    .marking = "SECRET", .effect = DECISION_DENY,
	    .reason = REASON_NO_CLEARANCE, .valid_until = REVIEW },
	{ .name = "withdrawn clearance",
	    .cl = { { "nsv", "SC", GRANT, REVIEW, CLEARANCE_WITHDRAWN } },
	    .marking = "SECRET", .effect = DECISION_DENY,
	    .reason = REASON_CLEARANCE_WITHDRAWN, .valid_until = REVIEW,
	    .explain = "nsv SC clearance is withdrawn" },
	{ .name = "suspended clearance, active person",
	    .cl = { { "nsv", "SC", GRANT, REVIEW, CLEARANCE_SUSPENDED } },
	    .marking = "SECRET", .effect = DECISION_DENY,
	    .reason = REASON_CLEARANCE_SUSPENDED, .valid_until = REVIEW,
	    .explain = "nsv SC clearance is suspended" },
	{ .name = "suspended person, valid clearance",
	    .status = PERSON_SUSPENDED, .cl = { NSV("SC") },
	    .marking = "SECRET", .effect = DECISION_DENY,
	    .reason = REASON_SUSPENDED, .valid_until = REVIEW,
	    .explain = "person p-1 is suspended" },
	{ .name = "suspended person and suspended clearance",
	    .status = PERSON_SUSPENDED,
	    .cl = { { "nsv", "SC", GRANT, REVIEW, CLEARANCE_SUSPENDED } },
	    .marking = "SECRET", .effect = DECISION_DENY,
	    .reason = REASON_SUSPENDED, .valid_until = REVIEW },
	{ .name = "leaver", .status = PERSON_LEAVER,
	    .cl = { { "nsv", "SC", GRANT, REVIEW, CLEARANCE_LAPSED } },
	    .br = { { "PROJECT-Y", GRANT, 0, NOW - DAY } },
	    .marking = "OFFICIAL", .effect = DECISION_DENY,
	    .reason = REASON_LEAVER, .valid_until = REVIEW,
	    .explain = "person p-1 is a leaver" },
	{ .name = "unknown person", .unknown_person = 1,
	    .marking = "OFFICIAL", .effect = DECISION_DENY,
	    .reason = REASON_UNKNOWN_PERSON, .valid_until = 0,
	    .explain = "person p-1 is unknown" },
	{ .name = "suspended clearance beats expired one",
	    .cl = { { "police", "NPPV3", GRANT, NOW, CLEARANCE_GRANTED },
	    { "nsv", "SC", GRANT, REVIEW, CLEARANCE_SUSPENDED } },
	    .marking = "SECRET", .effect = DECISION_DENY,
	    .reason = REASON_CLEARANCE_SUSPENDED, .valid_until = REVIEW },
	{ .name = "expired clearance beats withdrawn one",
	    .cl = { { "nsv", "SC", GRANT, REVIEW, CLEARANCE_WITHDRAWN },
	    { "police", "NPPV3", GRANT, NOW - DAY, CLEARANCE_GRANTED } },
	    .marking = "SECRET", .effect = DECISION_DENY,
	    .reason = REASON_CLEARANCE_EXPIRED, .valid_until = REVIEW,
	    .explain = "police NPPV3 clearance was due for review on "
	    "2023-12-31" },
	{ .name = "police NPPV3 sees SECRET", .cl = { POLICE("NPPV3") },
	    .marking = "SECRET", .effect = DECISION_ALLOW,
	    .reason = REASON_GRANTED, .valid_until = REVIEW },
	{ .name = "police NPPV3 does not satisfy TOP SECRET",
	    .cl = { POLICE("NPPV3") }, .marking = "TOP SECRET",
	    .effect = DECISION_DENY, .reason = REASON_NO_CLEARANCE,
	    .valid_until = REVIEW, .explain = "TOP SECRET; it needs nsv DV" },
	{ .name = "police MV sees CONFIDENTIAL", .cl = { POLICE("MV") },
	    .marking = "CONFIDENTIAL", .effect = DECISION_ALLOW,
	    .reason = REASON_GRANTED, .valid_until = REVIEW },
	{ .name = "police NPPV2 for SECRET", .cl = { POLICE("NPPV2") },
	    .marking = "SECRET", .effect = DECISION_DENY,
	    .reason = REASON_INSUFFICIENT_LEVEL, .valid_until = REVIEW,
	    .explain = "person p-1 holds police NPPV2; SECRET needs nsv SC "
	    "or police NPPV3" },
	{ .name = "SC for TOP SECRET", .cl = { NSV("SC") },
	    .marking = "TOP SECRET", .effect = DECISION_DENY,
	    .reason = REASON_INSUFFICIENT_LEVEL, .valid_until = REVIEW,
	    .explain = "person p-1 holds nsv SC; TOP SECRET needs nsv DV" },
	{ .name = "CTC for SECRET", .cl = { NSV("CTC") },
	    .marking = "SECRET", .effect = DECISION_DENY,
	    .reason = REASON_INSUFFICIENT_LEVEL, .valid_until = REVIEW },
	{ .name = "CTC sees OFFICIAL", .cl = { NSV("CTC") },
	    .marking = "OFFICIAL", .effect = DECISION_ALLOW,
	    .reason = REASON_GRANTED, .valid_until = REVIEW },
	{ .name = "eDV sees TOP SECRET", .cl = { NSV("eDV") },
	    .marking = "TOP SECRET", .effect = DECISION_ALLOW,
	    .reason = REASON_GRANTED, .valid_until = REVIEW },
	{ .name = "BPSS sees OFFICIAL-SENSITIVE", .cl = { NSV("BPSS") },
	    .marking = "OFFICIAL-SENSITIVE", .effect = DECISION_ALLOW,
	    .reason = REASON_GRANTED, .valid_until = REVIEW },
	{ .name = "police NPPV1 for OFFICIAL-SENSITIVE",
	    .cl = { POLICE("NPPV1") }, .marking = "OFFICIAL-SENSITIVE",
	    .effect = DECISION_DENY, .reason = REASON_INSUFFICIENT_LEVEL,
	    .valid_until = REVIEW },
	{ .name = "BPSS sees GPMS RESTRICTED", .cl = { NSV("BPSS") },
	    .marking = "RESTRICTED", .effect = DECISION_ALLOW,
	    .reason = REASON_GRANTED, .valid_until = REVIEW },
	{ .name = "CTC for GPMS CONFIDENTIAL", .cl = { NSV("CTC") },
	    .marking = "CONFIDENTIAL", .effect = DECISION_DENY,
	    .reason = REASON_INSUFFICIENT_LEVEL, .valid_until = REVIEW },
	{ .name = "higher valid clearance counts, earliest review wins",
	    .cl = { { "police", "NPPV1", GRANT, NOW + 10 * DAY,
	    CLEARANCE_GRANTED }, NSV("DV") },
	    .marking = "TOP SECRET", .effect = DECISION_ALLOW,
	    .reason = REASON_GRANTED, .valid_until = NOW + 10 * DAY },
	{ .name = "two nsv clearances, higher one second",
	    .cl = { NSV("SC"), NSV("DV") }, .marking = "TOP SECRET",
	    .effect = DECISION_ALLOW, .reason = REASON_GRANTED,
	    .valid_until = REVIEW },
	{ .name = "expired DV does not count, valid SC does",
	    .cl = { { "nsv", "DV", GRANT, NOW - 1, CLEARANCE_GRANTED },
	    NSV("SC") }, .marking = "TOP SECRET", .effect = DECISION_DENY,
	    .reason = REASON_INSUFFICIENT_LEVEL, .valid_until = REVIEW,
	    .explain = "holds nsv SC" },
	{ .name = "valid NPPV3 counts when nsv DV has expired",
	    .cl = { { "nsv", "DV", GRANT, NOW - 1, CLEARANCE_GRANTED },
	    POLICE("NPPV3") }, .marking = "SECRET",
	    .effect = DECISION_ALLOW, .reason = REASON_GRANTED,
	    .valid_until = REVIEW },
	{ .name = "marking is case-insensitive", .cl = { NSV("DV") },
	    .marking = "top Secret", .effect = DECISION_ALLOW,
	    .reason = REASON_GRANTED, .valid_until = REVIEW },
	{ .name = "level not in its ladder fails closed",
	    .cl = { NSV("COSMIC") }, .marking = "OFFICIAL",
	    .effect = DECISION_DENY, .reason = REASON_INSUFFICIENT_LEVEL,
	    .valid_until = REVIEW },
	{ .name = "clearance in a scheme the policy does not know",
	    .cl = { { "army", "OF", GRANT, REVIEW, CLEARANCE_GRANTED } },
	    .marking = "OFFICIAL", .effect = DECISION_DENY,
	    .reason = REASON_NO_CLEARANCE, .valid_until = REVIEW },

	/* 1: everything named must be defined. */
	{ .name = "unknown marking", .cl = { NSV("eDV") },
	    .marking = "SEKRET", .effect = DECISION_DENY,
	    .reason = REASON_UNKNOWN_MARKING, .valid_until = 0,
	    .explain = "unknown marking \"SEKRET\"" },
	{ .name = "unknown marking beats unknown person",
	    .unknown_person = 1, .marking = "SEKRET",
	    .effect = DECISION_DENY, .reason = REASON_UNKNOWN_MARKING,
	    .valid_until = 0 },
	{ .name = "unknown caveat", .cl = { NSV("eDV") },
	    .marking = "SECRET", .caveats = { "NOSUCH" },
	    .effect = DECISION_DENY, .reason = REASON_UNKNOWN_CAVEAT,
	    .valid_until = 0, .explain = "unknown caveat \"NOSUCH\"" },
	{ .name = "unknown caveat after a known one", .cl = { NSV("eDV") },
	    .marking = "SECRET", .caveats = { "UK EYES ONLY", "NOSUCH" },
	    .effect = DECISION_DENY, .reason = REASON_UNKNOWN_CAVEAT,
	    .valid_until = 0, .explain = "NOSUCH" },
	{ .name = "unknown caveat beats leaver", .status = PERSON_LEAVER,
	    .marking = "SECRET", .caveats = { "NOSUCH" },
	    .effect = DECISION_DENY, .reason = REASON_UNKNOWN_CAVEAT,
	    .valid_until = 0 },
	{ .name = "compartment minimum level not in the policy",
	    .cl = { NSV("eDV") }, .br = { BRIEF("BROKEN-LEVEL") },
	    .marking = "SECRET", .caveats = { "BROKEN-LEVEL" },
	    .effect = DECISION_DENY, .reason = REASON_UNKNOWN_CAVEAT,
	    .valid_until = 0, .explain = "BROKEN-LEVEL" },
	{ .name = "compartment minimum scheme not in the policy",
	    .cl = { NSV("eDV") }, .br = { BRIEF("BROKEN-SCHEME") },
	    .marking = "SECRET", .caveats = { "BROKEN-SCHEME" },
	    .effect = DECISION_DENY, .reason = REASON_UNKNOWN_CAVEAT,
	    .valid_until = 0 },

	/* 5: compartments. */
	{ .name = "DV briefed into CODEWORD-X", .cl = { NSV("DV") },
	    .br = { BRIEF("CODEWORD-X") }, .marking = "TOP SECRET",
	    .caveats = { "CODEWORD-X" }, .effect = DECISION_ALLOW,
	    .reason = REASON_GRANTED, .valid_until = REVIEW },
	{ .name = "not briefed", .cl = { NSV("DV") },
	    .marking = "TOP SECRET", .caveats = { "CODEWORD-X" },
	    .effect = DECISION_DENY, .reason = REASON_NOT_BRIEFED,
	    .valid_until = REVIEW,
	    .explain = "person p-1 is not briefed into CODEWORD-X" },
	{ .name = "briefed into another compartment only",
	    .cl = { NSV("DV") }, .br = { BRIEF("PROJECT-Y") },
	    .marking = "TOP SECRET", .caveats = { "CODEWORD-X" },
	    .effect = DECISION_DENY, .reason = REASON_NOT_BRIEFED,
	    .valid_until = REVIEW },
	{ .name = "debriefed", .cl = { NSV("DV") },
	    .br = { { "CODEWORD-X", GRANT, 0, NOW - DAY } },
	    .marking = "TOP SECRET", .caveats = { "CODEWORD-X" },
	    .effect = DECISION_DENY, .reason = REASON_NOT_BRIEFED,
	    .valid_until = REVIEW },
	{ .name = "debriefed exactly now", .cl = { NSV("DV") },
	    .br = { { "CODEWORD-X", GRANT, 0, NOW } },
	    .marking = "TOP SECRET", .caveats = { "CODEWORD-X" },
	    .effect = DECISION_DENY, .reason = REASON_NOT_BRIEFED,
	    .valid_until = REVIEW },
	{ .name = "debrief recorded for tomorrow", .cl = { NSV("DV") },
	    .br = { { "CODEWORD-X", GRANT, 0, NOW + DAY } },
	    .marking = "TOP SECRET", .caveats = { "CODEWORD-X" },
	    .effect = DECISION_ALLOW, .reason = REASON_GRANTED,
	    .valid_until = NOW + DAY },
	{ .name = "briefing expiry equal to now", .cl = { NSV("DV") },
	    .br = { { "CODEWORD-X", GRANT, NOW, 0 } },
	    .marking = "TOP SECRET", .caveats = { "CODEWORD-X" },
	    .effect = DECISION_DENY, .reason = REASON_BRIEFING_EXPIRED,
	    .valid_until = REVIEW,
	    .explain = "briefing into CODEWORD-X expired on 2024-01-01" },
	{ .name = "briefing expires one second after now",
	    .cl = { NSV("DV") }, .br = { { "CODEWORD-X", GRANT, NOW + 1, 0 } },
	    .marking = "TOP SECRET", .caveats = { "CODEWORD-X" },
	    .effect = DECISION_ALLOW, .reason = REASON_GRANTED,
	    .valid_until = NOW + 1 },
	{ .name = "expired, then debriefed", .cl = { NSV("DV") },
	    .br = { { "CODEWORD-X", GRANT, NOW - 2 * DAY, NOW - DAY } },
	    .marking = "TOP SECRET", .caveats = { "CODEWORD-X" },
	    .effect = DECISION_DENY, .reason = REASON_NOT_BRIEFED,
	    .valid_until = REVIEW },
	{ .name = "briefed in the future", .cl = { NSV("DV") },
	    .br = { { "CODEWORD-X", NOW + 2 * DAY, 0, 0 } },
	    .marking = "TOP SECRET", .caveats = { "CODEWORD-X" },
	    .effect = DECISION_DENY, .reason = REASON_NOT_BRIEFED,
	    .valid_until = NOW + 2 * DAY },
	{ .name = "compartment name is case-insensitive",
	    .cl = { NSV("DV") }, .br = { BRIEF("codeword-x") },
	    .marking = "TOP SECRET", .caveats = { "Codeword-X" },
	    .effect = DECISION_ALLOW, .reason = REASON_GRANTED,
	    .valid_until = REVIEW },
	{ .name = "compartment needs DV, SC person briefed",
	    .cl = { NSV("SC") }, .br = { BRIEF("CODEWORD-X") },
	    .marking = "SECRET", .caveats = { "CODEWORD-X" },
	    .effect = DECISION_DENY, .reason = REASON_INSUFFICIENT_LEVEL,
	    .valid_until = REVIEW,
	    .explain = "CODEWORD-X needs nsv DV; person p-1 holds nsv SC" },
	{ .name = "compartment needs nsv DV, person holds only police",
	    .cl = { POLICE("MV") }, .br = { BRIEF("CODEWORD-X") },
	    .marking = "SECRET", .caveats = { "CODEWORD-X" },
	    .effect = DECISION_DENY, .reason = REASON_INSUFFICIENT_LEVEL,
	    .valid_until = REVIEW,
	    .explain = "holds no current nsv clearance" },
	{ .name = "compartment needs DV, DV expired, SC valid",
	    .cl = { { "nsv", "DV", GRANT, NOW, CLEARANCE_GRANTED },
	    NSV("SC") }, .br = { BRIEF("CODEWORD-X") },
	    .marking = "SECRET", .caveats = { "CODEWORD-X" },
	    .effect = DECISION_DENY, .reason = REASON_INSUFFICIENT_LEVEL,
	    .valid_until = REVIEW },
	{ .name = "compartment without a minimum", .cl = { NSV("SC") },
	    .br = { BRIEF("PROJECT-Y") }, .marking = "SECRET",
	    .caveats = { "PROJECT-Y" }, .effect = DECISION_ALLOW,
	    .reason = REASON_GRANTED, .valid_until = REVIEW },
	{ .name = "first compartment in request order is reported",
	    .cl = { NSV("DV") }, .marking = "SECRET",
	    .caveats = { "PROJECT-Y", "CODEWORD-X" },
	    .effect = DECISION_DENY, .reason = REASON_NOT_BRIEFED,
	    .valid_until = REVIEW, .explain = "not briefed into PROJECT-Y" },
	{ .name = "marking level checked before compartments",
	    .cl = { NSV("SC") }, .marking = "TOP SECRET",
	    .caveats = { "CODEWORD-X" }, .effect = DECISION_DENY,
	    .reason = REASON_INSUFFICIENT_LEVEL, .valid_until = REVIEW,
	    .explain = "TOP SECRET needs nsv DV" },

	/* 6: national caveats. */
	{ .name = "GB under UK EYES ONLY", .nationality = "GB",
	    .cl = { NSV("SC") }, .marking = "SECRET",
	    .caveats = { "UK EYES ONLY" }, .effect = DECISION_ALLOW,
	    .reason = REASON_GRANTED, .valid_until = REVIEW },
	{ .name = "FR under UK EYES ONLY", .nationality = "FR",
	    .cl = { NSV("SC") }, .marking = "SECRET",
	    .caveats = { "UK EYES ONLY" }, .effect = DECISION_DENY,
	    .reason = REASON_NATIONALITY, .valid_until = REVIEW,
	    .explain = "UK EYES ONLY releases only to GB; person p-1's "
	    "nationality is not among them" },
	{ .name = "unknown nationality under UK EYES ONLY",
	    .nationality = "", .cl = { NSV("SC") }, .marking = "SECRET",
	    .caveats = { "uk eyes only" }, .effect = DECISION_DENY,
	    .reason = REASON_NATIONALITY, .valid_until = REVIEW,
	    .explain = "UK EYES ONLY releases only to GB; person p-1's "
	    "nationality is unknown" },
	{ .name = "nationality is case-insensitive", .nationality = "gb",
	    .cl = { NSV("SC") }, .marking = "SECRET",
	    .caveats = { "UK EYES ONLY" }, .effect = DECISION_ALLOW,
	    .reason = REASON_GRANTED, .valid_until = REVIEW },
	{ .name = "US under FIVE EYES", .nationality = "US",
	    .cl = { NSV("SC") }, .marking = "SECRET",
	    .caveats = { "FIVE EYES" }, .effect = DECISION_ALLOW,
	    .reason = REASON_GRANTED, .valid_until = REVIEW },
	{ .name = "FR under FIVE EYES", .nationality = "FR",
	    .cl = { NSV("SC") }, .marking = "SECRET",
	    .caveats = { "FIVE EYES" }, .effect = DECISION_DENY,
	    .reason = REASON_NATIONALITY, .valid_until = REVIEW,
	    .explain = "releases only to AU, CA, GB, NZ, US" },
	{ .name = "national caveat with no release set",
	    .cl = { NSV("SC") }, .marking = "SECRET",
	    .caveats = { "NOBODY" }, .effect = DECISION_DENY,
	    .reason = REASON_NATIONALITY, .valid_until = REVIEW,
	    .explain = "releases only to no one" },
	{ .name = "compartments checked before nationality",
	    .nationality = "FR", .cl = { NSV("SC") }, .marking = "SECRET",
	    .caveats = { "UK EYES ONLY", "PROJECT-Y" },
	    .effect = DECISION_DENY, .reason = REASON_NOT_BRIEFED,
	    .valid_until = REVIEW },
	{ .name = "all caveats satisfied", .nationality = "GB",
	    .cl = { NSV("DV") }, .br = { BRIEF("PROJECT-Y"),
	    { "CODEWORD-X", GRANT, NOW + 30 * DAY, 0 } },
	    .marking = "TOP SECRET",
	    .caveats = { "CODEWORD-X", "UK EYES ONLY", "PROJECT-Y" },
	    .effect = DECISION_ALLOW, .reason = REASON_GRANTED,
	    .valid_until = NOW + 30 * DAY },
};

static const struct caveat *
test_resolve(const struct policy *p, const char *name)
{
	const struct caveat *c;
	size_t i;

	if ((c = policy_builtin_caveat(p, name)) != NULL)
		return c;
	for (i = 0; i < sizeof(test_caveats) / sizeof(test_caveats[0]); i++)
		if (strcasecmp(test_caveats[i].name, name) == 0)
			return &test_caveats[i];
	return NULL;
}

static void
test_build(const struct rule_row *row, struct person *pe,
    struct check_request *req)
{
	size_t i;

	memset(pe, 0, sizeof(*pe));
	strcpy(pe->id, "p-1");
	pe->status = row->status == 0 ? PERSON_ACTIVE : row->status;
	strcpy(pe->nationality, row->nationality == NULL ? "GB" :
	    row->nationality);
	for (i = 0; i < 3 && row->cl[i].scheme != NULL; i++) {
		struct clearance *c = &pe->clearances[pe->n_clearances++];

		strcpy(c->scheme, row->cl[i].scheme);
		strcpy(c->level, row->cl[i].level);
		c->granted_at = row->cl[i].granted_at;
		c->review_due = row->cl[i].review_due;
		c->status = row->cl[i].status;
	}
	for (i = 0; i < 3 && row->br[i].compartment != NULL; i++) {
		struct briefing *b = &pe->briefings[pe->n_briefings++];

		strcpy(b->compartment, row->br[i].compartment);
		b->briefed_at = row->br[i].briefed_at;
		b->expires_at = row->br[i].expires_at;
		b->debriefed_at = row->br[i].debriefed_at;
	}

	memset(req, 0, sizeof(*req));
	strcpy(req->person_id, "p-1");
	strcpy(req->marking, row->marking);
	for (i = 0; i < 3 && row->caveats[i] != NULL; i++)
		strcpy(req->caveats[req->n_caveats++], row->caveats[i]);
}

Test(policy_rule, table)
{
	static struct person pe;
	struct policy p;
	struct check_request req;
	struct decision d;
	const struct caveat *cv[CHECK_MAX_CAVEATS] = { NULL };
	size_t r, i;

	policy_init_default(&p);
	for (r = 0; r < sizeof(rule_rows) / sizeof(rule_rows[0]); r++) {
		const struct rule_row *row = &rule_rows[r];

		test_build(row, &pe, &req);
		for (i = 0; i < req.n_caveats; i++)
			cv[i] = test_resolve(&p, req.caveats[i]);
		memset(&d, 0xa5, sizeof(d));
		policy_decide(&p, row->unknown_person ? NULL : &pe, &req, cv,
		    row->now == 0 ? NOW : row->now, &d);

		cr_expect_eq(d.reason, row->reason,
		    "%s: reason %s, want %s (%s)", row->name,
		    reason_name(d.reason), reason_name(row->reason),
		    d.explanation);
		cr_expect_eq(d.effect, row->effect, "%s: effect %d, want %d",
		    row->name, d.effect, row->effect);
		cr_expect_eq(d.valid_until, row->valid_until,
		    "%s: valid_until %lld, want %lld", row->name,
		    (long long)d.valid_until, (long long)row->valid_until);
		cr_expect_lt(strlen(d.explanation), sizeof(d.explanation),
		    "%s: explanation not terminated", row->name);
		cr_expect_gt(strlen(d.explanation), 0,
		    "%s: empty explanation", row->name);
		if (row->explain != NULL)
			cr_expect_not_null(strstr(d.explanation, row->explain),
			    "%s: explanation \"%s\" lacks \"%s\"", row->name,
			    d.explanation, row->explain);
	}
}

Test(policy_rule, every_reason_covered)
{
	int seen[REASON_INVALID_REQUEST + 1] = { 0 };
	size_t r;
	int i;

	for (r = 0; r < sizeof(rule_rows) / sizeof(rule_rows[0]); r++)
		seen[rule_rows[r].reason] = 1;
	/* INVALID_REQUEST has its own test below. */
	for (i = REASON_GRANTED; i < REASON_INVALID_REQUEST; i++)
		cr_expect(seen[i], "no table row for %s",
		    reason_name((enum reason)i));
}

Test(policy_rule, invalid_request)
{
	struct policy p;
	struct check_request req;
	struct decision d;
	const struct caveat *cv[CHECK_MAX_CAVEATS] = { NULL };

	policy_init_default(&p);
	memset(&req, 0, sizeof(req));
	strcpy(req.person_id, "p-1");
	strcpy(req.marking, "OFFICIAL");
	req.n_caveats = CHECK_MAX_CAVEATS + 1;
	policy_decide(&p, NULL, &req, cv, NOW, &d);
	cr_assert_eq(d.effect, DECISION_DENY);
	cr_assert_eq(d.reason, REASON_INVALID_REQUEST);
	cr_assert_eq(d.valid_until, 0);

	policy_decide(&p, NULL, NULL, cv, NOW, &d);
	cr_assert_eq(d.reason, REASON_INVALID_REQUEST);
}

Test(policy_rule, caveat_array_missing_is_unknown)
{
	struct policy p;
	struct check_request req;
	struct decision d;

	policy_init_default(&p);
	memset(&req, 0, sizeof(req));
	strcpy(req.person_id, "p-1");
	strcpy(req.marking, "OFFICIAL");
	strcpy(req.caveats[0], "UK EYES ONLY");
	req.n_caveats = 1;
	policy_decide(&p, NULL, &req, NULL, NOW, &d);
	cr_assert_eq(d.effect, DECISION_DENY);
	cr_assert_eq(d.reason, REASON_UNKNOWN_CAVEAT);
}

Test(policy_rule, long_names_truncate_explanation)
{
	static struct person pe;
	struct policy p;
	struct check_request req;
	struct {
		struct decision d;
		char canary[16];
	} o;
	const struct caveat *cv[CHECK_MAX_CAVEATS] = { NULL };
	static struct caveat comp;

	policy_init_default(&p);
	memset(&pe, 0, sizeof(pe));
	memset(pe.id, 'p', ID_MAX);
	pe.status = PERSON_ACTIVE;
	pe.n_clearances = 1;
	strcpy(pe.clearances[0].scheme, "police");
	memset(pe.clearances[0].level, 'L', LEVEL_MAX);
	pe.clearances[0].granted_at = GRANT;
	pe.clearances[0].review_due = REVIEW;
	pe.clearances[0].status = CLEARANCE_GRANTED;
	memset(&req, 0, sizeof(req));
	memcpy(req.person_id, pe.id, ID_MAX);
	memset(req.marking, 'M', CAVEAT_MAX);
	cr_assert_eq(policy_set_marking(&p, req.marking, "police", "NPPV3",
	    NULL, 0), 0);
	policy_finish(&p);

	memset(&o, 0, sizeof(o));
	policy_decide(&p, &pe, &req, cv, NOW, &o.d);
	cr_assert_eq(o.d.reason, REASON_INSUFFICIENT_LEVEL);
	cr_assert_eq(strlen(o.d.explanation), sizeof(o.d.explanation) - 1);
	for (size_t i = 0; i < sizeof(o.canary); i++)
		cr_assert_eq(o.canary[i], 0);

	memset(req.marking, 'Q', CAVEAT_MAX);
	policy_decide(&p, &pe, &req, cv, NOW, &o.d);
	cr_assert_eq(o.d.reason, REASON_UNKNOWN_MARKING);

	strcpy(req.marking, "SECRET");
	pe.clearances[0] = (struct clearance){ .scheme = "nsv",
	    .level = "SC", .granted_at = GRANT, .review_due = REVIEW,
	    .status = CLEARANCE_GRANTED };
	memset(&comp, 0, sizeof(comp));
	memset(comp.name, 'C', CAVEAT_MAX);
	comp.kind = CAVEAT_COMPARTMENT;
	strcpy(comp.min_scheme, "nsv");
	strcpy(comp.min_level, "SC");
	memcpy(req.caveats[0], comp.name, CAVEAT_MAX);
	req.n_caveats = 1;
	cv[0] = &comp;
	policy_decide(&p, &pe, &req, cv, NOW, &o.d);
	cr_assert_eq(o.d.reason, REASON_NOT_BRIEFED);
	cr_assert_lt(strlen(o.d.explanation), sizeof(o.d.explanation));
	for (size_t i = 0; i < sizeof(o.canary); i++)
		cr_assert_eq(o.canary[i], 0);
}

Test(policy_rule, deterministic)
{
	static struct person pe;
	struct policy p;
	struct check_request req;
	struct decision a, b;
	const struct caveat *cv[CHECK_MAX_CAVEATS] = { NULL };

	policy_init_default(&p);
	test_build(&rule_rows[0], &pe, &req);
	memset(&a, 0x00, sizeof(a));
	memset(&b, 0xff, sizeof(b));
	policy_decide(&p, &pe, &req, cv, NOW, &a);
	policy_decide(&p, &pe, &req, cv, NOW, &b);
	cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0);
}

/* The default policy, as DOMAIN.md states it. */

Test(policy_config, default_ladders_and_markings)
{
	static const char *const nsv[] = { "BPSS", "CTC", "SC", "DV", "eDV" };
	static const char *const police[] = { "NPPV1", "NPPV2", "RV",
	    "NPPV3", "MV" };
	static const struct {
		const char *marking;
		int nsv, police;
	} want[] = {
		{ "OFFICIAL", 0, 0 },
		{ "OFFICIAL-SENSITIVE", 0, 1 },
		{ "SECRET", 2, 3 },
		{ "TOP SECRET", 3, -1 },
		{ "PROTECT", 0, 0 },
		{ "RESTRICTED", 0, 1 },
		{ "CONFIDENTIAL", 2, 3 },
	};
	struct policy p;
	const struct caveat *c;
	int n, s, m;
	size_t i;

	policy_init_default(&p);
	cr_assert_eq(p.n_schemes, 2);
	n = policy_scheme_index(&p, "nsv");
	s = policy_scheme_index(&p, "POLICE");
	cr_assert_eq(n, 0);
	cr_assert_eq(s, 1);
	cr_assert_eq(p.schemes[n].n_levels, 5);
	cr_assert_eq(p.schemes[s].n_levels, 5);
	for (i = 0; i < 5; i++) {
		cr_assert_str_eq(p.schemes[n].levels[i], nsv[i]);
		cr_assert_str_eq(p.schemes[s].levels[i], police[i]);
	}
	cr_assert_eq(policy_level_rank(&p, n, "edv"), 4);
	cr_assert_eq(policy_level_rank(&p, n, "NPPV1"), -1);
	cr_assert_eq(policy_level_rank(&p, -1, "SC"), -1);
	cr_assert_eq(policy_level_rank(&p, 2, "SC"), -1);
	cr_assert_eq(policy_level_rank(&p, POLICY_MAX_SCHEMES, "SC"), -1);
	cr_assert_eq(policy_scheme_index(&p, "army"), -1);

	cr_assert_eq(p.n_markings, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		m = policy_marking_index(&p, want[i].marking);
		cr_assert_geq(m, 0, "%s missing", want[i].marking);
		cr_assert_str_eq(p.markings[m].name, want[i].marking);
		cr_assert_eq(p.markings[m].min_rank[n], want[i].nsv,
		    "%s nsv", want[i].marking);
		cr_assert_eq(p.markings[m].min_rank[s], want[i].police,
		    "%s police", want[i].marking);
	}
	cr_assert_eq(policy_marking_index(&p, "official-sensitive"),
	    policy_marking_index(&p, "OFFICIAL-SENSITIVE"));
	cr_assert_eq(policy_marking_index(&p, "UNCLASSIFIED"), -1);

	c = policy_builtin_caveat(&p, "uk eyes only");
	cr_assert_not_null(c);
	cr_assert_str_eq(c->name, "UK EYES ONLY");
	cr_assert_eq(c->kind, CAVEAT_NATIONAL);
	cr_assert_eq(c->builtin, 1);
	cr_assert_eq(c->n_nationalities, 1);
	cr_assert_str_eq(c->nationalities[0], "GB");
	cr_assert_null(policy_builtin_caveat(&p, "FIVE EYES"));
}

static int
test_is_digest(const char *d)
{
	size_t i;

	if (strlen(d) != 64)
		return 0;
	for (i = 0; i < 64; i++)
		if (!isdigit((unsigned char)d[i]) && (d[i] < 'a' || d[i] > 'f'))
			return 0;
	return 1;
}

Test(policy_config, digest)
{
	struct policy a, b;
	char err[256], first[POLICY_DIGEST_HEX];

	policy_init_default(&a);
	policy_init_default(&b);
	cr_assert(test_is_digest(a.digest), "digest \"%s\"", a.digest);
	cr_assert_str_eq(a.digest, b.digest);
	strcpy(first, a.digest);

	/* The same statement again changes nothing. */
	cr_assert_eq(policy_set_marking(&a, "SECRET", "nsv", "SC", err,
	    sizeof(err)), 0);
	policy_finish(&a);
	cr_assert_str_eq(a.digest, first);

	cr_assert_eq(policy_set_marking(&a, "SECRET", "nsv", "DV", err,
	    sizeof(err)), 0);
	policy_finish(&a);
	cr_assert(test_is_digest(a.digest));
	cr_assert_str_neq(a.digest, first);

	cr_assert_eq(policy_set_marking(&a, "SECRET", "nsv", "SC", err,
	    sizeof(err)), 0);
	policy_finish(&a);
	cr_assert_str_eq(a.digest, first);

	cr_assert_eq(policy_set_marking(&b, "SECRET", "police", NULL, err,
	    sizeof(err)), 0);
	policy_finish(&b);
	cr_assert_str_neq(b.digest, first);
}

Test(policy_config, digest_ignores_statement_order)
{
	struct policy a, b;
	char err[256];
	static const char *const army[] = { "OR", "OF" };

	policy_init_default(&a);
	policy_init_default(&b);
	cr_assert_eq(policy_set_marking(&a, "ALPHA", "nsv", "SC", err,
	    sizeof(err)), 0);
	cr_assert_eq(policy_set_marking(&a, "BRAVO", "nsv", "DV", err,
	    sizeof(err)), 0);
	cr_assert_eq(policy_set_scheme(&a, "army", army, 2, err,
	    sizeof(err)), 0);
	cr_assert_eq(policy_set_scheme(&b, "army", army, 2, err,
	    sizeof(err)), 0);
	cr_assert_eq(policy_set_marking(&b, "BRAVO", "nsv", "DV", err,
	    sizeof(err)), 0);
	cr_assert_eq(policy_set_marking(&b, "ALPHA", "nsv", "SC", err,
	    sizeof(err)), 0);
	policy_finish(&a);
	policy_finish(&b);
	cr_assert_str_eq(a.digest, b.digest);
}

Test(policy_config, set_scheme_adds_and_remaps)
{
	static const char *const army[] = { "OR", "OF" };
	static const char *const nsv3[] = { "BPSS", "sc", "DV" };
	static const char *const other[] = { "LOW", "HIGH" };
	static struct person pe;
	struct policy p;
	struct check_request req;
	struct decision d;
	char err[256] = "";
	int a, n, sec, ts, off;

	policy_init_default(&p);
	cr_assert_eq(policy_set_scheme(&p, "Army", army, 2, err,
	    sizeof(err)), 0, "%s", err);
	a = policy_scheme_index(&p, "army");
	cr_assert_eq(a, 2);
	cr_assert_str_eq(p.schemes[a].name, "army");
	sec = policy_marking_index(&p, "SECRET");
	cr_assert_eq(p.markings[sec].min_rank[a], -1);
	cr_assert_eq(policy_set_marking(&p, "secret", "ARMY", "of", err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(p.markings[sec].min_rank[a], 1);
	policy_finish(&p);

	memset(&pe, 0, sizeof(pe));
	strcpy(pe.id, "p-2");
	pe.status = PERSON_ACTIVE;
	pe.n_clearances = 1;
	pe.clearances[0] = (struct clearance){ .scheme = "army",
	    .level = "OF", .granted_at = GRANT, .review_due = REVIEW,
	    .status = CLEARANCE_GRANTED };
	memset(&req, 0, sizeof(req));
	strcpy(req.person_id, "p-2");
	strcpy(req.marking, "SECRET");
	policy_decide(&p, &pe, &req, NULL, NOW, &d);
	cr_assert_eq(d.reason, REASON_GRANTED, "%s", d.explanation);
	strcpy(req.marking, "OFFICIAL");
	policy_decide(&p, &pe, &req, NULL, NOW, &d);
	cr_assert_eq(d.reason, REASON_NO_CLEARANCE, "%s", d.explanation);

	/* Replacing a ladder remaps minimums by level name. */
	n = policy_scheme_index(&p, "nsv");
	ts = policy_marking_index(&p, "TOP SECRET");
	off = policy_marking_index(&p, "OFFICIAL");
	cr_assert_eq(policy_set_scheme(&p, "NSV", nsv3, 3, err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(policy_scheme_index(&p, "nsv"), n);
	cr_assert_eq(p.markings[off].min_rank[n], 0);
	cr_assert_eq(p.markings[sec].min_rank[n], 1);
	cr_assert_eq(p.markings[ts].min_rank[n], 2);
	cr_assert_eq(p.markings[sec].min_rank[a], 1, "other scheme kept");

	/* No level names in common: the scheme satisfies nothing. */
	cr_assert_eq(policy_set_scheme(&p, "nsv", other, 2, err,
	    sizeof(err)), 0, "%s", err);
	for (size_t i = 0; i < p.n_markings; i++)
		cr_assert_eq(p.markings[i].min_rank[n], -1, "%s",
		    p.markings[i].name);
	cr_assert_eq(p.markings[sec].min_rank[1], 3, "police kept");
}

struct scheme_error_row {
	const char	*name;
	const char	*scheme;
	const char	*levels[POLICY_MAX_LEVELS + 1];
	size_t		 n_levels;
	const char	*err;		/* expected substring */
};

#define LONG33	"abcdefghijklmnopqrstuvwxyzabcdefg"

static const struct scheme_error_row scheme_errors[] = {
	{ "empty scheme name", "", { "A" }, 1, "scheme name is empty" },
	{ "scheme name too long", LONG33, { "A" }, 1,
	    "longer than 32 bytes" },
	{ "empty ladder", "army", { NULL }, 0, "empty ladder" },
	{ "too many levels", "army", { "1", "2", "3", "4", "5", "6", "7",
	    "8", "9", "10", "11", "12", "13", "14", "15", "16", "17" }, 17,
	    "at most 16" },
	{ "empty level name", "army", { "OR", "" }, 2, "empty level name" },
	{ "level name too long", "army", { "OR", LONG33 }, 2,
	    "longer than 32 bytes" },
	{ "duplicate level", "nsv", { "BPSS", "SC", "sc" }, 3,
	    "lists level sc twice" },
};

Test(policy_config, set_scheme_errors)
{
	static const char *const one[] = { "X" };
	struct policy p, before;
	char err[256], name[16];
	size_t r;
	int i;

	policy_init_default(&p);
	for (r = 0; r < sizeof(scheme_errors) / sizeof(scheme_errors[0]);
	    r++) {
		const struct scheme_error_row *row = &scheme_errors[r];

		before = p;
		err[0] = '\0';
		cr_expect_eq(policy_set_scheme(&p, row->scheme, row->levels,
		    row->n_levels, err, sizeof(err)), -1, "%s: accepted",
		    row->name);
		cr_expect_not_null(strstr(err, row->err),
		    "%s: error \"%s\" lacks \"%s\"", row->name, err,
		    row->err);
		cr_expect_eq(memcmp(&p, &before, sizeof(p)), 0,
		    "%s: policy changed", row->name);
	}

	/* Fill the scheme table, then one more. */
	for (i = 2; i < POLICY_MAX_SCHEMES; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		cr_assert_eq(policy_set_scheme(&p, name, one, 1, err,
		    sizeof(err)), 0, "%s", err);
	}
	before = p;
	cr_assert_eq(policy_set_scheme(&p, "extra", one, 1, err,
	    sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "too many schemes"), "%s", err);
	cr_assert_eq(memcmp(&p, &before, sizeof(p)), 0);
	/* Replacing an existing one still works when full. */
	cr_assert_eq(policy_set_scheme(&p, "s2", one, 1, err,
	    sizeof(err)), 0, "%s", err);
	/* A NULL err is allowed. */
	cr_assert_eq(policy_set_scheme(&p, "", one, 1, NULL, 0), -1);
}

struct marking_error_row {
	const char	*name;
	const char	*marking;
	const char	*scheme;
	const char	*level;
	const char	*err;
};

static const struct marking_error_row marking_errors[] = {
	{ "empty marking", "", "nsv", "SC", "marking name is empty" },
	{ "marking name too long",
	    LONG33 LONG33, "nsv", "SC", "longer than 64 bytes" },
	{ "unknown scheme", "SECRET", "army", "OF",
	    "unknown scheme \"army\"" },
	{ "NULL scheme", "SECRET", NULL, "SC", "unknown scheme" },
	{ "unknown level", "SECRET", "nsv", "NPPV3",
	    "not in the nsv ladder" },
};

Test(policy_config, set_marking)
{
	struct policy p, before;
	char err[256], name[16];
	size_t r;
	int m, i;

	policy_init_default(&p);
	for (r = 0; r < sizeof(marking_errors) / sizeof(marking_errors[0]);
	    r++) {
		const struct marking_error_row *row = &marking_errors[r];

		before = p;
		err[0] = '\0';
		cr_expect_eq(policy_set_marking(&p, row->marking, row->scheme,
		    row->level, err, sizeof(err)), -1, "%s: accepted",
		    row->name);
		cr_expect_not_null(strstr(err, row->err),
		    "%s: error \"%s\" lacks \"%s\"", row->name, err,
		    row->err);
		cr_expect_eq(memcmp(&p, &before, sizeof(p)), 0,
		    "%s: policy changed", row->name);
	}

	/* A new marking is stored upper case, satisfied by one scheme. */
	cr_assert_eq(policy_set_marking(&p, "codeword material", "nsv", "dv",
	    err, sizeof(err)), 0, "%s", err);
	m = policy_marking_index(&p, "CODEWORD MATERIAL");
	cr_assert_eq(m, 7);
	cr_assert_str_eq(p.markings[m].name, "CODEWORD MATERIAL");
	cr_assert_eq(p.markings[m].min_rank[0], 3);
	for (i = 1; i < POLICY_MAX_SCHEMES; i++)
		cr_assert_eq(p.markings[m].min_rank[i], -1);

	/* "" and NULL: the scheme no longer satisfies the marking. */
	m = policy_marking_index(&p, "SECRET");
	cr_assert_eq(policy_set_marking(&p, "SECRET", "police", "", err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(p.markings[m].min_rank[1], -1);
	cr_assert_eq(p.markings[m].min_rank[0], 2);
	cr_assert_eq(policy_set_marking(&p, "SECRET", "nsv", NULL, err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(p.markings[m].min_rank[0], -1);

	/* Fill the marking table, then one more. */
	for (i = (int)p.n_markings; i < POLICY_MAX_MARKINGS; i++) {
		snprintf(name, sizeof(name), "M%d", i);
		cr_assert_eq(policy_set_marking(&p, name, "nsv", "BPSS", err,
		    sizeof(err)), 0, "%s", err);
	}
	before = p;
	cr_assert_eq(policy_set_marking(&p, "EXTRA", "nsv", "SC", err,
	    sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "too many markings"), "%s", err);
	cr_assert_eq(memcmp(&p, &before, sizeof(p)), 0);
	cr_assert_eq(policy_set_marking(&p, "official", "nsv", "SC", err,
	    sizeof(err)), 0, "%s", err);
}

Test(policy_config, reason_names)
{
	static const struct {
		enum reason r;
		const char *name;
	} names[] = {
		{ REASON_GRANTED, "GRANTED" },
		{ REASON_UNKNOWN_PERSON, "UNKNOWN_PERSON" },
		{ REASON_LEAVER, "LEAVER" },
		{ REASON_SUSPENDED, "SUSPENDED" },
		{ REASON_NO_CLEARANCE, "NO_CLEARANCE" },
		{ REASON_CLEARANCE_EXPIRED, "CLEARANCE_EXPIRED" },
		{ REASON_CLEARANCE_SUSPENDED, "CLEARANCE_SUSPENDED" },
		{ REASON_CLEARANCE_WITHDRAWN, "CLEARANCE_WITHDRAWN" },
		{ REASON_INSUFFICIENT_LEVEL, "INSUFFICIENT_LEVEL" },
		{ REASON_NOT_BRIEFED, "NOT_BRIEFED" },
		{ REASON_BRIEFING_EXPIRED, "BRIEFING_EXPIRED" },
		{ REASON_NATIONALITY, "NATIONALITY" },
		{ REASON_UNKNOWN_MARKING, "UNKNOWN_MARKING" },
		{ REASON_UNKNOWN_CAVEAT, "UNKNOWN_CAVEAT" },
		{ REASON_INVALID_REQUEST, "INVALID_REQUEST" },
		{ (enum reason)0, "UNSPECIFIED" },
		{ (enum reason)16, "UNSPECIFIED" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_expect_str_eq(reason_name(names[i].r), names[i].name);
}
