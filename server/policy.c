/*
 * policy.c: the policy (scheme ladders, marking minimums, built-in caveats)
 * and the decision rule of DOMAIN.md.
 *
 * The configuration functions trust their callers for NUL termination only;
 * every name is checked for length and every level against its ladder.
 * policy_decide trusts that its structs have passed validate.c, but still
 * fails closed on anything it does not recognise (a level that is not in
 * its ladder, a caveat kind it does not know, a status out of range). It
 * does no I/O, reads no clock and allocates nothing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <mbedtls/sha256.h>

#include "vettime.h"
#include "policy.h"

#define POLICY_DIGEST_VERSION	"vetd-policy 1"

static const struct {
	const char	*name;
	size_t		 n_levels;
	const char	*levels[5];
} policy_default_schemes[] = {
	{ "nsv", 5, { "BPSS", "CTC", "SC", "DV", "eDV" } },
	{ "police", 5, { "NPPV1", "NPPV2", "RV", "NPPV3", "MV" } },
};

/* NULL: the scheme does not satisfy the marking. */
static const struct {
	const char	*name;
	const char	*nsv;
	const char	*police;
} policy_default_markings[] = {
	{ "OFFICIAL",		"BPSS",	"NPPV1" },
	{ "OFFICIAL-SENSITIVE",	"BPSS",	"NPPV2" },
	{ "SECRET",		"SC",	"NPPV3" },
	{ "TOP SECRET",		"DV",	NULL },
	/* Pre-2014 GPMS markings still found on old material. */
	{ "PROTECT",		"BPSS",	"NPPV1" },
	{ "RESTRICTED",		"BPSS",	"NPPV2" },
	{ "CONFIDENTIAL",	"SC",	"NPPV3" },
};

/* policy_copy copies src into dst[size]; -1 when it does not fit. */
static int
policy_copy(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);

	if (len >= size)
		return -1;
	memcpy(dst, src, len + 1);
	return 0;
}

/* policy_case copies with ASCII case folding; names are UTF-8, so only
 * ASCII letters change, whatever the locale. */
static void
policy_case(char *dst, const char *src, int upper)
{
	for (; *src != '\0'; src++, dst++) {
		char c = *src;

		if (upper && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (!upper && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		*dst = c;
	}
	*dst = '\0';
}

static void
policy_error(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
policy_error(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

void
policy_init_default(struct policy *p)
{
	size_t i, j, s;

	memset(p, 0, sizeof(*p));

	for (i = 0; i < sizeof(policy_default_schemes) /
	    sizeof(policy_default_schemes[0]); i++) {
		struct policy_scheme *sc = &p->schemes[p->n_schemes++];

		policy_copy(sc->name, sizeof(sc->name),
		    policy_default_schemes[i].name);
		sc->n_levels = policy_default_schemes[i].n_levels;
		for (j = 0; j < sc->n_levels; j++)
			policy_copy(sc->levels[j], sizeof(sc->levels[j]),
			    policy_default_schemes[i].levels[j]);
	}

	for (i = 0; i < sizeof(policy_default_markings) /
	    sizeof(policy_default_markings[0]); i++) {
		struct policy_marking *m = &p->markings[p->n_markings++];
		const char *nsv = policy_default_markings[i].nsv;
		const char *police = policy_default_markings[i].police;

		policy_copy(m->name, sizeof(m->name),
		    policy_default_markings[i].name);
		for (s = 0; s < POLICY_MAX_SCHEMES; s++)
			m->min_rank[s] = -1;
		s = (size_t)policy_scheme_index(p, "nsv");
		m->min_rank[s] = policy_level_rank(p, (int)s, nsv);
		if (police != NULL) {
			s = (size_t)policy_scheme_index(p, "police");
			m->min_rank[s] = policy_level_rank(p, (int)s, police);
		}
	}

	{
		struct caveat *c = &p->builtin_caveats[p->n_builtin_caveats++];

		policy_copy(c->name, sizeof(c->name), "UK EYES ONLY");
		c->kind = CAVEAT_NATIONAL;
		c->n_nationalities = 1;
		policy_copy(c->nationalities[0], sizeof(c->nationalities[0]),
		    "GB");
		c->builtin = 1;
	}

	policy_finish(p);
}

/*
 * policy_set_scheme replaces a ladder or adds a scheme. Nothing changes
 * unless every argument is valid.
 *
 * Replacing a ladder remaps every marking's minimum in that scheme by level
 * NAME (case-insensitive), not by rank: a marking whose minimum was "SC"
 * keeps "SC" at its new position, and a marking whose minimum level is not
 * in the new ladder gets -1 (the scheme no longer satisfies it) until the
 * config states it again. Keeping the rank number would silently change
 * what the config author wrote (rank 2 may now be a lower level); dropping
 * an unmatched minimum can only deny more, never allow more.
 */
int
policy_set_scheme(struct policy *p, const char *name,
    const char *const *levels, size_t n_levels, char *err, size_t errsz)
{
	struct policy_scheme next;
	size_t i, j, m;
	int s, old;

	if (name == NULL || name[0] == '\0') {
		policy_error(err, errsz, "scheme name is empty");
		return -1;
	}
	if (strlen(name) > SCHEME_MAX) {
		policy_error(err, errsz,
		    "scheme name \"%.40s...\" is longer than %d bytes",
		    name, SCHEME_MAX);
		return -1;
	}
	if (n_levels == 0 || levels == NULL) {
		policy_error(err, errsz, "scheme %s has an empty ladder", name);
		return -1;
	}
	if (n_levels > POLICY_MAX_LEVELS) {
		policy_error(err, errsz,
		    "scheme %s has %zu levels; at most %d are allowed",
		    name, n_levels, POLICY_MAX_LEVELS);
		return -1;
	}

	memset(&next, 0, sizeof(next));
	policy_case(next.name, name, 0);
	next.n_levels = n_levels;
	for (i = 0; i < n_levels; i++) {
		if (levels[i] == NULL || levels[i][0] == '\0') {
			policy_error(err, errsz,
			    "scheme %s has an empty level name", name);
			return -1;
		}
		if (policy_copy(next.levels[i], sizeof(next.levels[i]),
		    levels[i]) == -1) {
			policy_error(err, errsz, "level \"%.40s...\" in "
			    "scheme %s is longer than %d bytes",
			    levels[i], name, LEVEL_MAX);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (strcasecmp(next.levels[j], levels[i]) == 0) {
				policy_error(err, errsz,
				    "scheme %s lists level %s twice",
				    name, levels[i]);
				return -1;
			}
		}
	}

	s = policy_scheme_index(p, name);
	if (s == -1) {
		if (p->n_schemes >= POLICY_MAX_SCHEMES) {
			policy_error(err, errsz, "too many schemes; at most "
			    "%d are allowed", POLICY_MAX_SCHEMES);
			return -1;
		}
		s = (int)p->n_schemes++;
		p->schemes[s] = next;
		for (m = 0; m < p->n_markings; m++)
			p->markings[m].min_rank[s] = -1;
		return 0;
	}

	for (m = 0; m < p->n_markings; m++) {
		int *rank = &p->markings[m].min_rank[s];

		old = *rank;
		*rank = -1;
		if (old < 0 || (size_t)old >= p->schemes[s].n_levels)
			continue;
		for (i = 0; i < next.n_levels; i++) {
			if (strcasecmp(next.levels[i],
			    p->schemes[s].levels[old]) == 0) {
				*rank = (int)i;
				break;
			}
		}
	}
	p->schemes[s] = next;
	return 0;
}

int
policy_set_marking(struct policy *p, const char *marking,
    const char *scheme, const char *level, char *err, size_t errsz)
{
	struct policy_marking *mk;
	size_t i;
	int m, s, rank = -1;

	if (marking == NULL || marking[0] == '\0') {
		policy_error(err, errsz, "marking name is empty");
		return -1;
	}
	if (strlen(marking) > CAVEAT_MAX) {
		policy_error(err, errsz,
		    "marking name \"%.40s...\" is longer than %d bytes",
		    marking, CAVEAT_MAX);
		return -1;
	}
	if (scheme == NULL || (s = policy_scheme_index(p, scheme)) == -1) {
		policy_error(err, errsz, "marking %s names unknown scheme "
		    "\"%.40s\"", marking, scheme == NULL ? "" : scheme);
		return -1;
	}
	if (level != NULL && level[0] != '\0' &&
	    (rank = policy_level_rank(p, s, level)) == -1) {
		policy_error(err, errsz, "marking %s names level \"%.40s\", "
		    "which is not in the %s ladder", marking, level,
		    p->schemes[s].name);
		return -1;
	}

	m = policy_marking_index(p, marking);
	if (m == -1) {
		if (p->n_markings >= POLICY_MAX_MARKINGS) {
			policy_error(err, errsz, "too many markings; at most "
			    "%d are allowed", POLICY_MAX_MARKINGS);
			return -1;
		}
		m = (int)p->n_markings++;
		mk = &p->markings[m];
		memset(mk, 0, sizeof(*mk));
		policy_case(mk->name, marking, 1);
		for (i = 0; i < POLICY_MAX_SCHEMES; i++)
			mk->min_rank[i] = -1;
	}
	p->markings[m].min_rank[s] = rank;
	return 0;
}

/* policy_sort_names orders idx[0..n) by the names they index, so the
 * digest does not depend on the order the config stated things in. */
static void
policy_sort_names(size_t *idx, size_t n, const char *base, size_t stride)
{
	size_t i, j, t;

	for (i = 0; i < n; i++)
		idx[i] = i;
	for (i = 1; i < n; i++) {
		t = idx[i];
		for (j = i; j > 0 && strcmp(base + idx[j - 1] * stride,
		    base + t * stride) > 0; j--)
			idx[j] = idx[j - 1];
		idx[j] = t;
	}
}

/* policy_hash_field feeds "<length>:<bytes>," so that names containing
 * spaces or separators cannot make two policies hash alike. */
static void
policy_hash_field(mbedtls_sha256_context *ctx, const char *s)
{
	char len[24];
	int n;

	n = snprintf(len, sizeof(len), "%zu:", strlen(s));
	mbedtls_sha256_update_ret(ctx, (const unsigned char *)len, (size_t)n);
	mbedtls_sha256_update_ret(ctx, (const unsigned char *)s, strlen(s));
	mbedtls_sha256_update_ret(ctx, (const unsigned char *)",", 1);
}

static void
policy_hash_end(mbedtls_sha256_context *ctx)
{
	mbedtls_sha256_update_ret(ctx, (const unsigned char *)"\n", 1);
}

/*
 * policy_finish hashes a canonical text form: a version line, then one line
 * per scheme (name, levels lowest first), per marking (name, then each
 * satisfying scheme and its minimum level) and per built-in caveat (name,
 * kind, minimum, nationalities). Schemes, markings and caveats are sorted
 * by name and minimums name their level, so two configs that say the same
 * thing in a different order share a digest. The text is streamed into the
 * hash rather than built in a buffer.
 */
void
policy_finish(struct policy *p)
{
	static const char hex[] = "0123456789abcdef";
	mbedtls_sha256_context ctx;
	unsigned char sum[32];
	size_t sidx[POLICY_MAX_SCHEMES], midx[POLICY_MAX_MARKINGS];
	size_t cidx[POLICY_MAX_BUILTIN_CAVEATS];
	size_t i, j, n_schemes, n_markings, n_caveats;
	char num[24];

	n_schemes = p->n_schemes < POLICY_MAX_SCHEMES ?
	    p->n_schemes : POLICY_MAX_SCHEMES;
	n_markings = p->n_markings < POLICY_MAX_MARKINGS ?
	    p->n_markings : POLICY_MAX_MARKINGS;
	n_caveats = p->n_builtin_caveats < POLICY_MAX_BUILTIN_CAVEATS ?
	    p->n_builtin_caveats : POLICY_MAX_BUILTIN_CAVEATS;
	policy_sort_names(sidx, n_schemes, p->schemes[0].name,
	    sizeof(p->schemes[0]));
	policy_sort_names(midx, n_markings, p->markings[0].name,
	    sizeof(p->markings[0]));
	policy_sort_names(cidx, n_caveats, p->builtin_caveats[0].name,
	    sizeof(p->builtin_caveats[0]));

	mbedtls_sha256_init(&ctx);
	mbedtls_sha256_starts_ret(&ctx, 0);
	policy_hash_field(&ctx, POLICY_DIGEST_VERSION);
	policy_hash_end(&ctx);

	for (i = 0; i < n_schemes; i++) {
		const struct policy_scheme *sc = &p->schemes[sidx[i]];

		policy_hash_field(&ctx, "scheme");
		policy_hash_field(&ctx, sc->name);
		for (j = 0; j < sc->n_levels && j < POLICY_MAX_LEVELS; j++)
			policy_hash_field(&ctx, sc->levels[j]);
		policy_hash_end(&ctx);
	}

	for (i = 0; i < n_markings; i++) {
		const struct policy_marking *m = &p->markings[midx[i]];

		policy_hash_field(&ctx, "marking");
		policy_hash_field(&ctx, m->name);
		for (j = 0; j < n_schemes; j++) {
			const struct policy_scheme *sc = &p->schemes[sidx[j]];
			int r = m->min_rank[sidx[j]];

			if (r < 0 || (size_t)r >= sc->n_levels)
				continue;
			policy_hash_field(&ctx, sc->name);
			policy_hash_field(&ctx, sc->levels[r]);
		}
		policy_hash_end(&ctx);
	}

	for (i = 0; i < n_caveats; i++) {
		const struct caveat *c = &p->builtin_caveats[cidx[i]];

		policy_hash_field(&ctx, "caveat");
		policy_hash_field(&ctx, c->name);
		snprintf(num, sizeof(num), "%d", (int)c->kind);
		policy_hash_field(&ctx, num);
		policy_hash_field(&ctx, c->min_scheme);
		policy_hash_field(&ctx, c->min_level);
		for (j = 0; j < c->n_nationalities &&
		    j < CAVEAT_MAX_NATIONALITIES; j++)
			policy_hash_field(&ctx, c->nationalities[j]);
		policy_hash_end(&ctx);
	}

	mbedtls_sha256_finish_ret(&ctx, sum);
	mbedtls_sha256_free(&ctx);

	for (i = 0; i < sizeof(sum); i++) {
		p->digest[2 * i] = hex[sum[i] >> 4];
		p->digest[2 * i + 1] = hex[sum[i] & 0xf];
	}
	p->digest[2 * sizeof(sum)] = '\0';
}

int
policy_scheme_index(const struct policy *p, const char *scheme)
{
	size_t i;

	if (scheme == NULL)
		return -1;
	for (i = 0; i < p->n_schemes && i < POLICY_MAX_SCHEMES; i++)
		if (strcasecmp(p->schemes[i].name, scheme) == 0)
			return (int)i;
	return -1;
}

int
policy_level_rank(const struct policy *p, int scheme, const char *level)
{
	const struct policy_scheme *sc;
	size_t i;

	if (level == NULL || scheme < 0 || (size_t)scheme >= p->n_schemes ||
	    scheme >= POLICY_MAX_SCHEMES)
		return -1;
	sc = &p->schemes[scheme];
	for (i = 0; i < sc->n_levels && i < POLICY_MAX_LEVELS; i++)
		if (strcasecmp(sc->levels[i], level) == 0)
			return (int)i;
	return -1;
}

int
policy_marking_index(const struct policy *p, const char *marking)
{
	size_t i;

	if (marking == NULL)
		return -1;
	for (i = 0; i < p->n_markings && i < POLICY_MAX_MARKINGS; i++)
		if (strcasecmp(p->markings[i].name, marking) == 0)
			return (int)i;
	return -1;
}

const struct caveat *
policy_builtin_caveat(const struct policy *p, const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < p->n_builtin_caveats &&
	    i < POLICY_MAX_BUILTIN_CAVEATS; i++)
		if (strcasecmp(p->builtin_caveats[i].name, name) == 0)
			return &p->builtin_caveats[i];
	return NULL;
}

/* The rule. */

static void
policy_explain(struct decision *out, enum reason reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
policy_explain(struct decision *out, enum reason reason, const char *fmt, ...)
{
	va_list ap;

	out->effect = reason == REASON_GRANTED ? DECISION_ALLOW :
	    DECISION_DENY;
	out->reason = reason;
	va_start(ap, fmt);
	vsnprintf(out->explanation, sizeof(out->explanation), fmt, ap);
	va_end(ap);
}

/* policy_clearance_valid: granted, in force at now, not due for review. */
static int
policy_clearance_valid(const struct clearance *c, vtime now)
{
	return c->status == CLEARANCE_GRANTED && c->granted_at <= now &&
	    now < c->review_due;
}

/* policy_briefing_current: briefed at or before now and not debriefed as
 * of now; expiry is judged by the caller, which tells the two apart. */
static int
policy_briefing_current(const struct briefing *b, vtime now)
{
	return b->briefed_at <= now &&
	    (b->debriefed_at == 0 || b->debriefed_at > now);
}

/*
 * policy_valid_until is the earliest recorded time strictly after now at
 * which a clearance or briefing boundary falls: the answer cannot change by
 * the clock alone before then. Conservative: any boundary counts, even one
 * that would not change this particular answer.
 */
static vtime
policy_valid_until(const struct person *person, vtime now)
{
	vtime t[3], best = 0;
	size_t i, j, n;

	n = person->n_clearances < PERSON_MAX_CLEARANCES ?
	    person->n_clearances : PERSON_MAX_CLEARANCES;
	for (i = 0; i < n; i++) {
		t[0] = person->clearances[i].granted_at;
		t[1] = person->clearances[i].review_due;
		for (j = 0; j < 2; j++)
			if (t[j] != 0 && t[j] > now &&
			    (best == 0 || t[j] < best))
				best = t[j];
	}
	n = person->n_briefings < PERSON_MAX_BRIEFINGS ?
	    person->n_briefings : PERSON_MAX_BRIEFINGS;
	for (i = 0; i < n; i++) {
		t[0] = person->briefings[i].briefed_at;
		t[1] = person->briefings[i].expires_at;
		t[2] = person->briefings[i].debriefed_at;
		for (j = 0; j < 3; j++)
			if (t[j] != 0 && t[j] > now &&
			    (best == 0 || t[j] < best))
				best = t[j];
	}
	return best;
}

/*
 * policy_cat appends s to buf[size] at *len, truncating; buf stays
 * NUL-terminated. The ALLOW path builds its sentence with this rather
 * than printf: formatting was a tenth of a check's CPU time.
 */
static void
policy_cat(char *buf, size_t size, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len + 1 >= size)
		return;
	if (n > size - 1 - *len)
		n = size - 1 - *len;
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = '\0';
}

/* policy_needs writes "nsv SC or police NPPV3": what satisfies marking m. */
static void
policy_needs(const struct policy *p, const struct policy_marking *m,
    char *buf, size_t size)
{
	size_t s, len = 0;
	int r;

	buf[0] = '\0';
	for (s = 0; s < p->n_schemes && s < POLICY_MAX_SCHEMES; s++) {
		r = m->min_rank[s];
		if (r < 0 || (size_t)r >= p->schemes[s].n_levels)
			continue;
		if (len > 0)
			policy_cat(buf, size, &len, " or ");
		policy_cat(buf, size, &len, p->schemes[s].name);
		policy_cat(buf, size, &len, " ");
		policy_cat(buf, size, &len, p->schemes[s].levels[r]);
	}
	if (len == 0)
		policy_cat(buf, size, &len, "a scheme the policy does not "
		    "define");
}

/*
 * policy_best_valid finds the person's valid clearance in scheme s with the
 * highest rank; *rank is that rank (-1 if its level is not in the ladder).
 * Returns NULL when the person holds no valid clearance in s.
 */
static const struct clearance *
policy_best_valid(const struct policy *p, const struct person *person,
    int s, vtime now, int *rank)
{
	const struct clearance *best = NULL, *c;
	size_t i;
	int r;

	for (i = 0; i < person->n_clearances &&
	    i < PERSON_MAX_CLEARANCES; i++) {
		c = &person->clearances[i];
		if (policy_scheme_index(p, c->scheme) != s ||
		    !policy_clearance_valid(c, now))
			continue;
		r = policy_level_rank(p, s, c->level);
		if (best == NULL || r > *rank) {
			best = c;
			*rank = r;
		}
	}
	return best;
}

/* policy_check_caveats: step 1 for caveats; 0 when all are defined. */
static int
policy_check_caveats(const struct policy *p, const struct check_request *req,
    const struct caveat *const *caveats, struct decision *out)
{
	const struct caveat *c;
	size_t i;
	int s;

	for (i = 0; i < req->n_caveats; i++) {
		c = caveats == NULL ? NULL : caveats[i];
		if (c == NULL) {
			policy_explain(out, REASON_UNKNOWN_CAVEAT,
			    "unknown caveat \"%s\"", req->caveats[i]);
			return -1;
		}
		if (c->kind == CAVEAT_NATIONAL)
			continue;
		if (c->kind != CAVEAT_COMPARTMENT) {
			policy_explain(out, REASON_UNKNOWN_CAVEAT,
			    "caveat %s is of an unknown kind", c->name);
			return -1;
		}
		if (c->min_scheme[0] == '\0' && c->min_level[0] == '\0')
			continue;
		s = policy_scheme_index(p, c->min_scheme);
		if (s == -1 || policy_level_rank(p, s, c->min_level) == -1) {
			policy_explain(out, REASON_UNKNOWN_CAVEAT,
			    "caveat %s needs %s %s, which the policy does not "
			    "define", c->name, c->min_scheme, c->min_level);
			return -1;
		}
	}
	return 0;
}

/* policy_check_person: step 2; 0 when the person may be considered. */
static int
policy_check_person(const struct person *person, struct decision *out)
{
	switch (person->status) {
	case PERSON_ACTIVE:
		return 0;
	case PERSON_LEAVER:
		policy_explain(out, REASON_LEAVER, "person %s is a leaver",
		    person->id);
		return -1;
	case PERSON_SUSPENDED:
		policy_explain(out, REASON_SUSPENDED, "person %s is suspended",
		    person->id);
		return -1;
	}
	/* A status out of range is corrupt data: fail closed. */
	policy_explain(out, REASON_SUSPENDED,
	    "person %s has an unrecognised status", person->id);
	return -1;
}

/* policy_check_clearance: steps 3 and 4 for marking m. */
static int
policy_check_clearance(const struct policy *p, const struct person *person,
    const struct policy_marking *m, vtime now, struct decision *out)
{
	const struct clearance *c, *susp = NULL, *exp = NULL, *wd = NULL;
	const struct clearance *held = NULL;
	char needs[160], date[16];
	size_t i;
	int s, r, margin = 0, held_margin = 0;

	for (i = 0; i < person->n_clearances &&
	    i < PERSON_MAX_CLEARANCES; i++) {
		c = &person->clearances[i];
		s = policy_scheme_index(p, c->scheme);
		if (s == -1 || m->min_rank[s] < 0)
			continue;
		if (!policy_clearance_valid(c, now)) {
			if (c->status == CLEARANCE_SUSPENDED && susp == NULL)
				susp = c;
			else if (c->status == CLEARANCE_GRANTED &&
			    c->review_due <= now && exp == NULL)
				exp = c;
			else if (c->status == CLEARANCE_WITHDRAWN &&
			    wd == NULL)
				wd = c;
			continue;
		}
		r = policy_level_rank(p, s, c->level);
		/* A level not in its ladder ranks below everything. */
		margin = r < 0 ? -(POLICY_MAX_LEVELS + 1) : r - m->min_rank[s];
		if (held == NULL || margin > held_margin) {
			held = c;
			held_margin = margin;
		}
	}

	if (held == NULL || held_margin < 0)
		policy_needs(p, m, needs, sizeof(needs));
	if (held == NULL) {
		if (susp != NULL) {
			policy_explain(out, REASON_CLEARANCE_SUSPENDED,
			    "person %s's %s %s clearance is suspended; %s "
			    "needs %s", person->id, susp->scheme, susp->level,
			    m->name, needs);
		} else if (exp != NULL) {
			vettime_format_date(exp->review_due, date,
			    sizeof(date));
			policy_explain(out, REASON_CLEARANCE_EXPIRED,
			    "person %s's %s %s clearance was due for review "
			    "on %s", person->id, exp->scheme, exp->level,
			    date);
		} else if (wd != NULL) {
			policy_explain(out, REASON_CLEARANCE_WITHDRAWN,
			    "person %s's %s %s clearance is withdrawn; %s "
			    "needs %s", person->id, wd->scheme, wd->level,
			    m->name, needs);
		} else {
			policy_explain(out, REASON_NO_CLEARANCE,
			    "person %s holds no current clearance that "
			    "satisfies %s; it needs %s", person->id, m->name,
			    needs);
		}
		return -1;
	}
	if (held_margin < 0) {
		policy_explain(out, REASON_INSUFFICIENT_LEVEL,
		    "person %s holds %s %s; %s needs %s", person->id,
		    held->scheme, held->level, m->name, needs);
		return -1;
	}
	return 0;
}

/* policy_check_compartment: step 5 for one compartment caveat. */
static int
policy_check_compartment(const struct policy *p, const struct person *person,
    const struct caveat *cv, vtime now, struct decision *out)
{
	const struct briefing *b, *expired = NULL;
	const struct clearance *c;
	char date[16];
	size_t i;
	int active = 0, s, need, rank = -1;

	for (i = 0; i < person->n_briefings && i < PERSON_MAX_BRIEFINGS; i++) {
		b = &person->briefings[i];
		if (strcasecmp(b->compartment, cv->name) != 0 ||
		    !policy_briefing_current(b, now))
			continue;
		if (b->expires_at == 0 || now < b->expires_at) {
			active = 1;
			break;
		}
		if (expired == NULL)
			expired = b;
	}
	if (!active && expired != NULL) {
		vettime_format_date(expired->expires_at, date, sizeof(date));
		policy_explain(out, REASON_BRIEFING_EXPIRED,
		    "person %s's briefing into %s expired on %s", person->id,
		    cv->name, date);
		return -1;
	}
	if (!active) {
		policy_explain(out, REASON_NOT_BRIEFED,
		    "person %s is not briefed into %s", person->id, cv->name);
		return -1;
	}

	if (cv->min_scheme[0] == '\0')
		return 0;
	/* policy_check_caveats has made sure both are defined. */
	s = policy_scheme_index(p, cv->min_scheme);
	need = policy_level_rank(p, s, cv->min_level);
	c = policy_best_valid(p, person, s, now, &rank);
	if (c == NULL) {
		policy_explain(out, REASON_INSUFFICIENT_LEVEL,
		    "%s needs %s %s; person %s holds no current %s clearance",
		    cv->name, p->schemes[s].name, p->schemes[s].levels[need],
		    person->id, p->schemes[s].name);
		return -1;
	}
	if (rank < need) {
		policy_explain(out, REASON_INSUFFICIENT_LEVEL,
		    "%s needs %s %s; person %s holds %s %s", cv->name,
		    p->schemes[s].name, p->schemes[s].levels[need],
		    person->id, c->scheme, c->level);
		return -1;
	}
	return 0;
}

/* policy_check_national: step 6 for one national caveat. */
static int
policy_check_national(const struct person *person, const struct caveat *cv,
    struct decision *out)
{
	char list[CAVEAT_MAX_NATIONALITIES * 4 + 1];
	size_t i, n, len = 0;

	n = cv->n_nationalities < CAVEAT_MAX_NATIONALITIES ?
	    cv->n_nationalities : CAVEAT_MAX_NATIONALITIES;
	if (person->nationality[0] != '\0') {
		for (i = 0; i < n; i++)
			if (strcasecmp(cv->nationalities[i],
			    person->nationality) == 0)
				return 0;
	}

	list[0] = '\0';
	for (i = 0; i < n; i++) {
		int w = snprintf(list + len, sizeof(list) - len, "%s%s",
		    i == 0 ? "" : ", ", cv->nationalities[i]);

		if (w < 0 || (size_t)w >= sizeof(list) - len)
			break;
		len += (size_t)w;
	}
	/* The explanation names no nationality of the person's: it is
	 * personal data and the list already says what was needed. */
	policy_explain(out, REASON_NATIONALITY,
	    "%s releases only to %s; person %s's nationality is %s", cv->name,
	    n == 0 ? "no one" : list, person->id,
	    person->nationality[0] == '\0' ? "unknown" : "not among them");
	return -1;
}

void
policy_decide(const struct policy *p, const struct person *person,
    const struct check_request *req, const struct caveat *const *caveats,
    vtime now, struct decision *out)
{
	const struct policy_marking *m;
	char needs[160];
	size_t i, len;
	int mi;

	memset(out, 0, sizeof(*out));

	if (p == NULL || req == NULL || req->n_caveats > CHECK_MAX_CAVEATS) {
		policy_explain(out, REASON_INVALID_REQUEST,
		    "the check request is malformed");
		return;
	}

	/* 1: everything named must be defined. */
	if ((mi = policy_marking_index(p, req->marking)) == -1) {
		policy_explain(out, REASON_UNKNOWN_MARKING,
		    "unknown marking \"%s\"", req->marking);
		return;
	}
	m = &p->markings[mi];
	if (policy_check_caveats(p, req, caveats, out) == -1)
		return;

	/* 2: the person. */
	if (person == NULL) {
		policy_explain(out, REASON_UNKNOWN_PERSON,
		    "person %s is unknown", req->person_id);
		return;
	}
	out->valid_until = policy_valid_until(person, now);
	if (policy_check_person(person, out) == -1)
		return;

	/* 3 and 4: a valid clearance at or above the marking's minimum. */
	if (policy_check_clearance(p, person, m, now, out) == -1)
		return;

	/* 5: compartments, in request order. */
	for (i = 0; i < req->n_caveats; i++)
		if (caveats[i]->kind == CAVEAT_COMPARTMENT &&
		    policy_check_compartment(p, person, caveats[i], now,
		    out) == -1)
			return;

	/* 6: national caveats, in request order. */
	for (i = 0; i < req->n_caveats; i++)
		if (caveats[i]->kind == CAVEAT_NATIONAL &&
		    policy_check_national(person, caveats[i], out) == -1)
			return;

	policy_needs(p, m, needs, sizeof(needs));
	out->effect = DECISION_ALLOW;
	out->reason = REASON_GRANTED;
	len = 0;
	out->explanation[0] = '\0';
	policy_cat(out->explanation, sizeof(out->explanation), &len, "person ");
	policy_cat(out->explanation, sizeof(out->explanation), &len,
	    person->id);
	policy_cat(out->explanation, sizeof(out->explanation), &len,
	    " may see ");
	policy_cat(out->explanation, sizeof(out->explanation), &len, m->name);
	policy_cat(out->explanation, sizeof(out->explanation), &len,
	    ", which needs ");
	policy_cat(out->explanation, sizeof(out->explanation), &len, needs);
}

const char *
reason_name(enum reason r)
{
	switch (r) {
	case REASON_GRANTED:
		return "GRANTED";
	case REASON_UNKNOWN_PERSON:
		return "UNKNOWN_PERSON";
	case REASON_LEAVER:
		return "LEAVER";
	case REASON_SUSPENDED:
		return "SUSPENDED";
	case REASON_NO_CLEARANCE:
		return "NO_CLEARANCE";
	case REASON_CLEARANCE_EXPIRED:
		return "CLEARANCE_EXPIRED";
	case REASON_CLEARANCE_SUSPENDED:
		return "CLEARANCE_SUSPENDED";
	case REASON_CLEARANCE_WITHDRAWN:
		return "CLEARANCE_WITHDRAWN";
	case REASON_INSUFFICIENT_LEVEL:
		return "INSUFFICIENT_LEVEL";
	case REASON_NOT_BRIEFED:
		return "NOT_BRIEFED";
	case REASON_BRIEFING_EXPIRED:
		return "BRIEFING_EXPIRED";
	case REASON_NATIONALITY:
		return "NATIONALITY";
	case REASON_UNKNOWN_MARKING:
		return "UNKNOWN_MARKING";
	case REASON_UNKNOWN_CAVEAT:
		return "UNKNOWN_CAVEAT";
	case REASON_INVALID_REQUEST:
		return "INVALID_REQUEST";
	}
	return "UNSPECIFIED";
}
