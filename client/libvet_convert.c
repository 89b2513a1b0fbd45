/*
 * libvet_convert.c: wire messages to the structs of <vet/vet.h>, their
 * free functions, and the names of codes. Replies are untrusted: every
 * string is copied, nothing points into protobuf-c memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "status.h"
#include "libvet_internal.h"


static const char *const reason_names[] = {
	"UNSPECIFIED", "GRANTED", "UNKNOWN_PERSON", "LEAVER", "SUSPENDED",
	"NO_CLEARANCE", "CLEARANCE_EXPIRED", "CLEARANCE_SUSPENDED",
	"CLEARANCE_WITHDRAWN", "INSUFFICIENT_LEVEL", "NOT_BRIEFED",
	"BRIEFING_EXPIRED", "NATIONALITY", "UNKNOWN_MARKING", "UNKNOWN_CAVEAT",
	"INVALID_REQUEST",
};

/*
 * Conversion from wire messages to the structs of vet.h. Each *_from_wire
 * fills a zeroed struct and returns 0, or -1 on allocation failure having
 * freed what it allocated.
 */

static void
clearance_clear(vet_clearance *c)
{
	free(c->scheme);
	free(c->level);
	free(c->authority);
	free(c->reference);
	free(c->status_reason);
	memset(c, 0, sizeof(*c));
}

static int
clearance_from_wire(const Vet__V1__Clearance *w, vet_clearance *c)
{
	c->scheme = str_dup(w->scheme);
	c->level = str_dup(w->level);
	c->granted_at = w->granted_at;
	c->review_due = w->review_due;
	c->authority = str_dup(w->authority);
	c->reference = str_dup(w->reference);
	c->status = (vet_clearance_status)w->status;
	c->status_reason = str_dup(w->status_reason);
	c->status_changed_at = w->status_changed_at;
	if (c->scheme == NULL || c->level == NULL || c->authority == NULL ||
	    c->reference == NULL || c->status_reason == NULL) {
		clearance_clear(c);
		return -1;
	}
	return 0;
}

static void
briefing_clear(vet_briefing *b)
{
	free(b->compartment);
	free(b->debrief_reason);
	memset(b, 0, sizeof(*b));
}

static int
briefing_from_wire(const Vet__V1__Briefing *w, vet_briefing *b)
{
	b->compartment = str_dup(w->compartment);
	b->briefed_at = w->briefed_at;
	b->expires_at = w->expires_at;
	b->debriefed_at = w->debriefed_at;
	b->debrief_reason = str_dup(w->debrief_reason);
	if (b->compartment == NULL || b->debrief_reason == NULL) {
		briefing_clear(b);
		return -1;
	}
	return 0;
}

static void
person_clear(vet_person *p)
{
	free(p->id);
	free(p->display_name);
	free(p->email);
	free(p->org_unit);
	free(p->nationality);
	free(p->status_reason);
	for (size_t i = 0; i < p->n_clearances; i++)
		clearance_clear(&p->clearances[i]);
	free(p->clearances);
	for (size_t i = 0; i < p->n_briefings; i++)
		briefing_clear(&p->briefings[i]);
	free(p->briefings);
	history_clear(p);
	memset(p, 0, sizeof(*p));
}

int
person_from_wire(const Vet__V1__Person *w, vet_person *p)
{
	p->id = str_dup(w->id);
	p->display_name = str_dup(w->display_name);
	p->email = str_dup(w->email);
	p->org_unit = str_dup(w->org_unit);
	p->nationality = str_dup(w->nationality);
	p->status = (vet_person_status)w->status;
	p->source = w->source == VET__V1__PERSON_SOURCE__SOURCE_DIRECTORY ?
	    VET_SOURCE_DIRECTORY : VET_SOURCE_MANUAL;
	p->status_reason = str_dup(w->status_reason);
	p->created_at = w->created_at;
	p->updated_at = w->updated_at;
	p->status_changed_at = w->status_changed_at;
	if (p->id == NULL || p->display_name == NULL || p->email == NULL ||
	    p->org_unit == NULL || p->nationality == NULL ||
	    p->status_reason == NULL)
		goto fail;
	if (w->n_clearances > 0) {
		p->clearances = calloc(w->n_clearances, sizeof(*p->clearances));
		if (p->clearances == NULL)
			goto fail;
		for (; p->n_clearances < w->n_clearances; p->n_clearances++)
			if (clearance_from_wire(w->clearances[p->n_clearances],
			    &p->clearances[p->n_clearances]) != 0)
				goto fail;
	}
	if (w->n_briefings > 0) {
		p->briefings = calloc(w->n_briefings, sizeof(*p->briefings));
		if (p->briefings == NULL)
			goto fail;
		for (; p->n_briefings < w->n_briefings; p->n_briefings++)
			if (briefing_from_wire(w->briefings[p->n_briefings],
			    &p->briefings[p->n_briefings]) != 0)
				goto fail;
	}
	if (history_from_wire(w, p) != 0)
		goto fail;
	return 0;
fail:
	person_clear(p);
	return -1;
}

static void
caveat_clear(vet_caveat *c)
{
	free(c->name);
	free(c->min_scheme);
	free(c->min_level);
	for (size_t i = 0; i < c->n_nationalities; i++)
		free(c->nationalities[i]);
	free(c->nationalities);
	memset(c, 0, sizeof(*c));
}

static int
caveat_from_wire(const Vet__V1__Caveat *w, vet_caveat *c)
{
	c->name = str_dup(w->name);
	c->kind = (vet_caveat_kind)w->kind;
	c->min_scheme = str_dup(w->min_scheme);
	c->min_level = str_dup(w->min_level);
	c->builtin = w->builtin ? 1 : 0;
	if (c->name == NULL || c->min_scheme == NULL || c->min_level == NULL)
		goto fail;
	if (w->n_nationalities > 0) {
		c->nationalities = calloc(w->n_nationalities,
		    sizeof(*c->nationalities));
		if (c->nationalities == NULL)
			goto fail;
		for (; c->n_nationalities < w->n_nationalities;
		    c->n_nationalities++) {
			c->nationalities[c->n_nationalities] =
			    str_dup(w->nationalities[c->n_nationalities]);
			if (c->nationalities[c->n_nationalities] == NULL)
				goto fail;
		}
	}
	return 0;
fail:
	caveat_clear(c);
	return -1;
}

int
caveat_list_from_wire(Vet__V1__Caveat *const *w, size_t n,
    vet_caveat_list **out)
{
	vet_caveat_list *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return -1;
	if (n > 0 && (l->caveats = calloc(n, sizeof(*l->caveats))) == NULL)
		goto fail;
	for (; l->n_caveats < n; l->n_caveats++)
		if (w[l->n_caveats] == NULL || caveat_from_wire(w[l->n_caveats],
		    &l->caveats[l->n_caveats]) != 0)
			goto fail;
	*out = l;
	return 0;
fail:
	vet_caveat_list_free(l);
	return -1;
}

/* text_copy is str_copy without printf, for the hundreds of decisions
 * of a BatchCheck: s (NULL: "") cut to size - 1 bytes, NUL-terminated. */
static void
text_copy(char *dst, size_t size, const char *s)
{
	size_t n;

	if (s == NULL)
		s = "";
	n = strnlen(s, size - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
}

void
decision_from_wire(const Vet__V1__Decision *w, vet_decision *d)
{
	memset(d, 0, sizeof(*d));
	/* Anything but an explicit ALLOW is a DENY. */
	d->effect = w->effect == VET__V1__EFFECT__EFFECT_ALLOW ? VET_ALLOW :
	    VET_DENY;
	d->reason = (int)w->reason;
	text_copy(d->reason_name, sizeof(d->reason_name),
	    vet_reason_name(d->reason));
	text_copy(d->explanation, sizeof(d->explanation), w->explanation);
	d->valid_until = w->valid_until;
	d->revision = w->revision;
	text_copy(d->policy_digest, sizeof(d->policy_digest),
	    w->policy_digest);
	d->decided_at = w->decided_at;
	d->at = w->at != 0 ? w->at : w->decided_at;
}

/* decision_deny fills a fail-closed DENY for a check that got no decision. */
void
decision_deny(vet_decision *d, const vet_status *st)
{
	memset(d, 0, sizeof(*d));
	d->effect = VET_DENY;
	d->reason = VET__V1__REASON__REASON_UNSPECIFIED;
	str_copy(d->reason_name, sizeof(d->reason_name), "NO_ANSWER");
	snprintf(d->explanation, sizeof(d->explanation),
	    "no decision from vetd (%s: %.200s)", vet_status_name(st->code),
	    st->message);
	d->revision = st->revision;
	d->decided_at = (int64_t)time(NULL);
}

/*
 * decision_usable: w is an ALLOW or DENY for person_id that may be copied
 * beside status code.
 */
int
decision_usable(const Vet__V1__Decision *w, const char *person_id, int code)
{
	if (w == NULL || (w->effect != VET__V1__EFFECT__EFFECT_ALLOW &&
	    w->effect != VET__V1__EFFECT__EFFECT_DENY))
		return 0;
	if (*w->person_id != '\0' && strcmp(w->person_id,
	    person_id != NULL ? person_id : "") != 0)
		return 0;
	/* An ALLOW beside an error status is contradictory: fail closed. */
	if (code != VET_OK && w->effect == VET__V1__EFFECT__EFFECT_ALLOW)
		return 0;
	return 1;
}

void
vet_person_free(vet_person *p)
{
	if (p == NULL)
		return;
	person_clear(p);
	free(p);
}

void
vet_person_page_free(vet_person_page *page)
{
	if (page == NULL)
		return;
	for (size_t i = 0; i < page->n_people; i++)
		person_clear(&page->people[i]);
	free(page->people);
	free(page->next_page_token);
	free(page);
}

void
vet_caveat_list_free(vet_caveat_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n_caveats; i++)
		caveat_clear(&l->caveats[i]);
	free(l->caveats);
	free(l);
}

const char *
vet_status_name(int code)
{
	return status_name(code);
}

const char *
vet_reason_name(int reason)
{
	if (reason < 0 ||
	    (size_t)reason >= sizeof(reason_names) / sizeof(reason_names[0]))
		return "UNKNOWN";
	return reason_names[reason];
}

const char *
vet_person_status_name(vet_person_status s)
{
	switch (s) {
	case VET_PERSON_ANY:
		return "UNSPECIFIED";
	case VET_PERSON_ACTIVE:
		return "ACTIVE";
	case VET_PERSON_SUSPENDED:
		return "SUSPENDED";
	case VET_PERSON_LEAVER:
		return "LEAVER";
	}
	return "UNKNOWN";
}

const char *
vet_clearance_status_name(vet_clearance_status s)
{
	switch (s) {
	case VET_CLEARANCE_GRANTED:
		return "GRANTED";
	case VET_CLEARANCE_SUSPENDED:
		return "SUSPENDED";
	case VET_CLEARANCE_WITHDRAWN:
		return "WITHDRAWN";
	case VET_CLEARANCE_LAPSED:
		return "LAPSED";
	}
	return "UNKNOWN";
}
