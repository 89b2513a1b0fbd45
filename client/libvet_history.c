/*
 * libvet_history.c: what a person's history adds to libvet: the
 * future-dated status changes and leavers, clearance renewal, and the
 * events vetd sends with GetPerson. Replies are untrusted: every string
 * is copied, nothing points into protobuf-c memory.
 */
#include <stdlib.h>
#include <string.h>

#include "libvet_internal.h"

static const char *const event_kind_names[] = {
	"UNKNOWN", "PERSON_SUSPENDED", "PERSON_REINSTATED", "LEAVER",
	"CLEARANCE_GRANTED", "CLEARANCE_RENEWED", "CLEARANCE_SUSPENDED",
	"CLEARANCE_REINSTATED", "CLEARANCE_WITHDRAWN", "BRIEFED", "DEBRIEFED",
	"CLEARANCE_LAPSED",
};

const char *
vet_event_kind_name(vet_event_kind k)
{
	if ((int)k < 1 || (size_t)k >= sizeof(event_kind_names) /
	    sizeof(event_kind_names[0]))
		return "UNKNOWN";
	return event_kind_names[k];
}

static void
event_clear(vet_event *e)
{
	free(e->scheme);
	free(e->level);
	free(e->authority);
	free(e->reference);
	free(e->compartment);
	free(e->reason);
	memset(e, 0, sizeof(*e));
}

void
history_clear(vet_person *p)
{
	for (size_t i = 0; i < p->n_history; i++)
		event_clear(&p->history[i]);
	free(p->history);
	p->history = NULL;
	p->n_history = 0;
}

static int
event_from_wire(const Vet__V1__Event *w, vet_event *e)
{
	e->kind = (vet_event_kind)w->kind;
	e->at = w->at;
	e->recorded_at = w->recorded_at;
	e->scheduled = w->scheduled ? 1 : 0;
	e->scheme = str_dup(w->scheme);
	e->level = str_dup(w->level);
	e->review_due = w->review_due;
	e->authority = str_dup(w->authority);
	e->reference = str_dup(w->reference);
	e->compartment = str_dup(w->compartment);
	e->expires_at = w->expires_at;
	e->reason = str_dup(w->reason);
	if (e->scheme == NULL || e->level == NULL || e->authority == NULL ||
	    e->reference == NULL || e->compartment == NULL ||
	    e->reason == NULL) {
		event_clear(e);
		return -1;
	}
	return 0;
}

int
history_from_wire(const Vet__V1__Person *w, vet_person *p)
{
	if (w->n_history == 0)
		return 0;
	if ((p->history = calloc(w->n_history, sizeof(*p->history))) == NULL)
		return -1;
	for (; p->n_history < w->n_history; p->n_history++)
		if (w->history[p->n_history] == NULL ||
		    event_from_wire(w->history[p->n_history],
		    &p->history[p->n_history]) != 0) {
			history_clear(p);
			return -1;
		}
	return 0;
}

int
vet_person_set_status_at(vet_client *c, const char *id, vet_action action,
    const char *reason, int64_t effective_at, vet_person **out,
    vet_status *st)
{
	Vet__V1__SetPersonStatusRequest req =
	    VET__V1__SET_PERSON_STATUS_REQUEST__INIT;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (action != VET_ACTION_SUSPEND && action != VET_ACTION_REINSTATE)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "a person can only be suspended or reinstated");
	req.person_id = str_or_empty(id);
	req.action = (Vet__V1__StatusAction)action;
	req.reason = str_or_empty(reason);
	req.effective_at = effective_at;
	return person_call(c, "SetPersonStatus", &req.base, out, st);
}

int
vet_leaver_at(vet_client *c, const char *id, const char *reason,
    int64_t effective_at, vet_person **out, vet_status *st)
{
	Vet__V1__RecordLeaverRequest req = VET__V1__RECORD_LEAVER_REQUEST__INIT;
	vet_status local;

	if (st == NULL)
		st = &local;
	req.person_id = str_or_empty(id);
	req.reason = str_or_empty(reason);
	req.effective_at = effective_at;
	return person_call(c, "RecordLeaver", &req.base, out, st);
}

int
vet_clearance_renew(vet_client *c, const char *id, const char *scheme,
    int64_t review_due, const char *reference, vet_person **out,
    vet_status *st)
{
	Vet__V1__RenewClearanceRequest req =
	    VET__V1__RENEW_CLEARANCE_REQUEST__INIT;
	vet_status local;

	if (st == NULL)
		st = &local;
	req.person_id = str_or_empty(id);
	req.scheme = str_or_empty(scheme);
	req.review_due = review_due;
	req.reference = str_or_empty(reference);
	return person_call(c, "RenewClearance", &req.base, out, st);
}
