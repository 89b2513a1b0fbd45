/*
 * convert.c: wire <-> model (see convert.h).
 */
#include <stdio.h>
#include <string.h>

#include "convert.h"
#include "history.h"
#include "policy.h"
#include "rpc.h"
#include "validate.h"

void
copy_string(char *dst, size_t size, const char *src)
{
	/* snprintf(dst, size, "%s", src) without printf (the check path
	 * copies every person id, marking and caveat through here). */
	size_t n;

	if (size == 0)
		return;
	n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static Vet__V1__Clearance *
convert_clearance(struct rpc_call *call, const struct clearance *c)
{
	Vet__V1__Clearance *w = rpc_alloc(call, sizeof(*w));

	if (w == NULL)
		return NULL;
	vet__v1__clearance__init(w);
	w->scheme = rpc_strdup(call, c->scheme);
	w->level = rpc_strdup(call, c->level);
	w->granted_at = c->granted_at;
	w->review_due = c->review_due;
	w->authority = rpc_strdup(call, c->authority);
	w->reference = rpc_strdup(call, c->reference);
	w->status = (Vet__V1__ClearanceStatus)c->status;
	w->status_reason = rpc_strdup(call, c->status_reason);
	w->status_changed_at = c->status_changed_at;
	if (!w->scheme || !w->level || !w->authority || !w->reference ||
	    !w->status_reason)
		return NULL;
	return w;
}

static Vet__V1__Briefing *
convert_briefing(struct rpc_call *call, const struct briefing *b)
{
	Vet__V1__Briefing *w = rpc_alloc(call, sizeof(*w));

	if (w == NULL)
		return NULL;
	vet__v1__briefing__init(w);
	w->compartment = rpc_strdup(call, b->compartment);
	w->briefed_at = b->briefed_at;
	w->expires_at = b->expires_at;
	w->debriefed_at = b->debriefed_at;
	w->debrief_reason = rpc_strdup(call, b->debrief_reason);
	if (!w->compartment || !w->debrief_reason)
		return NULL;
	return w;
}

Vet__V1__Person *
convert_person(struct rpc_call *call, const struct person *p)
{
	Vet__V1__Person *w = rpc_alloc(call, sizeof(*w));

	if (w == NULL)
		return NULL;
	vet__v1__person__init(w);
	w->id = rpc_strdup(call, p->id);
	w->display_name = rpc_strdup(call, p->display_name);
	w->email = rpc_strdup(call, p->email);
	w->org_unit = rpc_strdup(call, p->org_unit);
	w->nationality = rpc_strdup(call, p->nationality);
	w->status = (Vet__V1__PersonStatus)p->status;
	w->source = (Vet__V1__PersonSource)p->source;
	w->status_reason = rpc_strdup(call, p->status_reason);
	w->created_at = p->created_at;
	w->updated_at = p->updated_at;
	w->status_changed_at = p->status_changed_at;
	if (!w->id || !w->display_name || !w->email || !w->org_unit ||
	    !w->nationality || !w->status_reason)
		return NULL;
	if (p->n_clearances > 0) {
		w->clearances = rpc_alloc(call,
		    p->n_clearances * sizeof(*w->clearances));
		if (w->clearances == NULL)
			return NULL;
		for (size_t i = 0; i < p->n_clearances; i++)
			if ((w->clearances[i] = convert_clearance(call,
			    &p->clearances[i])) == NULL)
				return NULL;
		w->n_clearances = p->n_clearances;
	}
	if (p->n_briefings > 0) {
		w->briefings = rpc_alloc(call,
		    p->n_briefings * sizeof(*w->briefings));
		if (w->briefings == NULL)
			return NULL;
		for (size_t i = 0; i < p->n_briefings; i++)
			if ((w->briefings[i] = convert_briefing(call,
			    &p->briefings[i])) == NULL)
				return NULL;
		w->n_briefings = p->n_briefings;
	}
	return w;
}

static Vet__V1__Event *
convert_event(struct rpc_call *call, const struct event *e)
{
	Vet__V1__Event *w = rpc_alloc(call, sizeof(*w));

	if (w == NULL)
		return NULL;
	vet__v1__event__init(w);
	w->kind = (Vet__V1__EventKind)e->kind;
	w->at = e->at;
	w->recorded_at = e->recorded_at;
	w->scheduled = e->scheduled != 0;
	w->scheme = rpc_strdup(call, e->scheme);
	w->level = rpc_strdup(call, e->level);
	w->review_due = e->review_due;
	w->authority = rpc_strdup(call, e->authority);
	w->reference = rpc_strdup(call, e->reference);
	w->compartment = rpc_strdup(call, e->compartment);
	w->expires_at = e->expires_at;
	w->reason = rpc_strdup(call, e->reason);
	if (!w->scheme || !w->level || !w->authority || !w->reference ||
	    !w->compartment || !w->reason)
		return NULL;
	return w;
}

int
convert_history(struct rpc_call *call, const struct history *h,
    Vet__V1__Person *w)
{
	if (h->n == 0)
		return 0;
	if ((w->history = rpc_alloc(call, h->n * sizeof(*w->history))) ==
	    NULL)
		return -1;
	for (size_t i = 0; i < h->n; i++)
		if ((w->history[i] = convert_event(call, &h->events[i])) ==
		    NULL)
			return -1;
	w->n_history = h->n;
	return 0;
}

Vet__V1__Caveat *
convert_caveat(struct rpc_call *call, const struct caveat *c)
{
	Vet__V1__Caveat *w = rpc_alloc(call, sizeof(*w));

	if (w == NULL)
		return NULL;
	vet__v1__caveat__init(w);
	w->name = rpc_strdup(call, c->name);
	w->kind = (Vet__V1__CaveatKind)c->kind;
	w->min_scheme = rpc_strdup(call, c->min_scheme);
	w->min_level = rpc_strdup(call, c->min_level);
	w->builtin = c->builtin != 0;
	if (!w->name || !w->min_scheme || !w->min_level)
		return NULL;
	if (c->n_nationalities > 0) {
		w->nationalities = rpc_alloc(call,
		    c->n_nationalities * sizeof(char *));
		if (w->nationalities == NULL)
			return NULL;
		for (size_t i = 0; i < c->n_nationalities; i++)
			if ((w->nationalities[i] = rpc_strdup(call,
			    c->nationalities[i])) == NULL)
				return NULL;
		w->n_nationalities = c->n_nationalities;
	}
	return w;
}

Vet__V1__Decision *
convert_decision(struct rpc_call *call, const struct decision *d,
    const char *person_id, uint64_t revision)
{
	Vet__V1__Decision *w = rpc_alloc(call, sizeof(*w));

	if (w == NULL)
		return NULL;
	vet__v1__decision__init(w);
	w->effect = (Vet__V1__Effect)d->effect;
	w->reason = (Vet__V1__Reason)d->reason;
	w->explanation = rpc_strdup(call, d->explanation);
	w->valid_until = d->valid_until;
	w->revision = revision;
	w->policy_digest = (char *)call->vd->policy->digest;
	w->decided_at = call->now;
	w->at = call->now;		/* the caller sets a check's own at */
	w->person_id = rpc_strdup(call, person_id);
	if (!w->explanation || !w->person_id)
		return NULL;
	return w;
}

int
convert_check(const Vet__V1__CheckRequest *in, struct check_request *out,
    char *err, size_t errsz)
{
	if (validate_id("person_id", in->person_id, err, errsz) != 0)
		return -1;
	if (validate_name("marking", in->marking, CAVEAT_MAX, err, errsz))
		return -1;
	if (in->n_caveats > CHECK_MAX_CAVEATS) {
		snprintf(err, errsz, "at most %d caveats in one check",
		    CHECK_MAX_CAVEATS);
		return -1;
	}
	for (size_t i = 0; i < in->n_caveats; i++)
		if (validate_name("caveat", in->caveats[i], CAVEAT_MAX, err,
		    errsz) != 0)
			return -1;
	if (in->at != 0 && validate_time("at", in->at, 1, err, errsz) != 0)
		return -1;
	out->at = in->at;
	copy_string(out->person_id, sizeof(out->person_id), in->person_id);
	copy_string(out->marking, sizeof(out->marking), in->marking);
	out->n_caveats = in->n_caveats;
	for (size_t i = 0; i < in->n_caveats; i++)
		copy_string(out->caveats[i], sizeof(out->caveats[i]),
		    in->caveats[i]);
	return 0;
}
