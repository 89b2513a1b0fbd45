/*
 * policy.h: the policy (scheme ladders, marking minimums, built-in caveats)
 * and the decision rule of DOMAIN.md. The rule is a pure function of
 * (person, policy, request, resolved caveats, now): no I/O, no clock, no
 * allocation. Anything unknown is DENY.
 */
#ifndef VETD_POLICY_H
#define VETD_POLICY_H

#include "model.h"

#define POLICY_MAX_SCHEMES	8
#define POLICY_MAX_LEVELS	16
#define POLICY_MAX_MARKINGS	32
#define POLICY_MAX_BUILTIN_CAVEATS 8
#define POLICY_DIGEST_HEX	65	/* 64 hex digits + NUL */

struct policy_scheme {
	char	name[SCHEME_MAX + 1];			/* lower case */
	size_t	n_levels;
	char	levels[POLICY_MAX_LEVELS][LEVEL_MAX + 1];	/* lowest first */
};

struct policy_marking {
	char	name[CAVEAT_MAX + 1];			/* upper case */
	/* min_rank[s]: index into schemes[s].levels, or -1: scheme s does
	 * not satisfy this marking. */
	int	min_rank[POLICY_MAX_SCHEMES];
	char	needs[160];	/* "nsv SC or police NPPV3", made by each change */
};

struct policy {
	size_t	n_schemes;
	struct policy_scheme schemes[POLICY_MAX_SCHEMES];
	size_t	n_markings;
	struct policy_marking markings[POLICY_MAX_MARKINGS];
	size_t	n_builtin_caveats;
	struct caveat builtin_caveats[POLICY_MAX_BUILTIN_CAVEATS];
	char	digest[POLICY_DIGEST_HEX];	/* set by policy_finish */
};

/* policy_init_default fills *p with the UK default policy and finishes it. */
void policy_init_default(struct policy *p);

/*
 * Overrides from the config file, applied to a default policy, then
 * policy_finish. Each returns 0 or -1 with a message in err (a sentence).
 * policy_set_scheme replaces or adds a ladder (levels lowest first);
 * policy_set_marking replaces or adds a marking's minimum in one scheme
 * (level "" or NULL: the scheme no longer satisfies the marking).
 */
int policy_set_scheme(struct policy *p, const char *name,
    const char *const *levels, size_t n_levels, char *err, size_t errsz);
int policy_set_marking(struct policy *p, const char *marking,
    const char *scheme, const char *level, char *err, size_t errsz);

/* policy_finish computes the digest (SHA-256 of a canonical text form). */
void policy_finish(struct policy *p);

/*
 * Look-ups, all case-insensitive. Each returns an index (>= 0) or -1 for an
 * unknown name. policy_level_rank also needs a known scheme index.
 */
int policy_scheme_index(const struct policy *p, const char *scheme);
int policy_level_rank(const struct policy *p, int scheme, const char *level);
int policy_marking_index(const struct policy *p, const char *marking);
const struct caveat *policy_builtin_caveat(const struct policy *p,
    const char *name);

/*
 * policy_decide evaluates the rule for req at time now. person is NULL when
 * the person is unknown. caveats[i] is the definition of req->caveats[i], or
 * NULL when it is not defined. Writes *out; never fails.
 */
void policy_decide(const struct policy *p, const struct person *person,
    const struct check_request *req, const struct caveat *const *caveats,
    vtime now, struct decision *out);

/* reason_name returns "LEAVER", "INSUFFICIENT_LEVEL", ... */
const char *reason_name(enum reason r);

#endif /* VETD_POLICY_H */
