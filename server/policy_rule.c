/*
 * policy_rule.c: the decision rule of DOMAIN.md over a finished policy.
 *
 * policy_decide trusts that its structs have passed validate.c, but still
 * fails closed on anything it does not recognise (a level that is not in
 * its ladder, a caveat kind it does not know, a status out of range). It
 * does no I/O, reads no clock and allocates nothing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "vettime.h"
#include "policy.h"

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
	const char *needs = m->needs;
	char date[16];
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
	policy_cat(out->explanation, sizeof(out->explanation), &len,
	    m->needs);
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
