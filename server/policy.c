/*
 * policy.c: the policy (scheme ladders, marking minimums, built-in caveats):
 * the UK default, the config's overrides, its digest, and the look-ups the
 * rule (policy_rule.c) uses. Each change compiles what the rule would
 * otherwise work out per check (a marking's "needs" text).
 *
 * The configuration functions trust their callers for NUL termination only;
 * every name is checked for length and every level against its ladder.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <mbedtls/sha256.h>

#include "vettime.h"
#include "policy.h"

#define POLICY_DIGEST_VERSION	"vetd-policy 1"

/* policy_same_name: case-insensitive equality (ASCII), with a first-byte
 * test that turns most mismatches away before strcasecmp is called. */
static inline int
policy_same_name(const char *a, const char *b)
{
	return ((a[0] ^ b[0]) & ~0x20) == 0 && strcasecmp(a, b) == 0;
}

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

/*
 * policy_compile writes each marking's needs text, "nsv SC or police
 * NPPV3": what satisfies it, which every ALLOW and most DENY explanations
 * quote. Run after every change, so it is never stale.
 */
static void
policy_compile(struct policy *p)
{
	for (size_t m = 0; m < p->n_markings && m < POLICY_MAX_MARKINGS; m++) {
		struct policy_marking *mk = &p->markings[m];
		size_t len = 0;

		mk->needs[0] = '\0';
		for (size_t s = 0; s < p->n_schemes && s < POLICY_MAX_SCHEMES;
		    s++) {
			int r = mk->min_rank[s], w;

			if (r < 0 || (size_t)r >= p->schemes[s].n_levels ||
			    len >= sizeof(mk->needs))
				continue;
			w = snprintf(mk->needs + len, sizeof(mk->needs) - len,
			    "%s%s %s", len > 0 ? " or " : "",
			    p->schemes[s].name, p->schemes[s].levels[r]);
			if (w > 0)
				len += (size_t)w;
		}
		if (mk->needs[0] == '\0')
			snprintf(mk->needs, sizeof(mk->needs), "a scheme the "
			    "policy does not define");
	}
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
	policy_compile(p);
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
	policy_compile(p);
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

	policy_compile(p);

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
		if (policy_same_name(p->schemes[i].name, scheme))
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
		if (policy_same_name(sc->levels[i], level))
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
		if (policy_same_name(p->markings[i].name, marking))
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
		if (policy_same_name(p->builtin_caveats[i].name, name))
			return &p->builtin_caveats[i];
	return NULL;
}
