/*
 * libvet_import.c: vet_import_people, the bulk load (see <vet/vet.h>).
 * Points wire messages at the caller's strings (protobuf-c only reads them
 * when packing), so a call of 1000 people allocates four arrays and no
 * strings. vetd does the validation; this file only refuses what cannot
 * be sent (NULL arrays, counts out of range).
 */
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "libvet_internal.h"

#define IMPORT_MAX	1000

struct import_wire {
	Vet__V1__Person *people;
	Vet__V1__Person **people_p;
	Vet__V1__Clearance *clearances;
	Vet__V1__Clearance **clearances_p;
	Vet__V1__Briefing *briefings;
	Vet__V1__Briefing **briefings_p;
};

static void
import_wire_free(struct import_wire *w)
{
	free(w->people);
	free(w->people_p);
	free(w->clearances);
	free(w->clearances_p);
	free(w->briefings);
	free(w->briefings_p);
}

static void
clearance_to_wire(const vet_clearance *c, Vet__V1__Clearance *w)
{
	vet__v1__clearance__init(w);
	w->scheme = str_or_empty(c->scheme);
	w->level = str_or_empty(c->level);
	w->granted_at = c->granted_at;
	w->review_due = c->review_due;
	w->authority = str_or_empty(c->authority);
	w->reference = str_or_empty(c->reference);
	w->status = (Vet__V1__ClearanceStatus)c->status;
	w->status_reason = str_or_empty(c->status_reason);
	w->status_changed_at = c->status_changed_at;
}

static void
briefing_to_wire(const vet_briefing *b, Vet__V1__Briefing *w)
{
	vet__v1__briefing__init(w);
	w->compartment = str_or_empty(b->compartment);
	w->briefed_at = b->briefed_at;
	w->expires_at = b->expires_at;
	w->debriefed_at = b->debriefed_at;
	w->debrief_reason = str_or_empty(b->debrief_reason);
}

static void
person_to_wire(const vet_person *p, Vet__V1__Person *w)
{
	vet__v1__person__init(w);
	w->id = str_or_empty(p->id);
	w->display_name = str_or_empty(p->display_name);
	w->email = str_or_empty(p->email);
	w->org_unit = str_or_empty(p->org_unit);
	w->nationality = str_or_empty(p->nationality);
	w->status = (Vet__V1__PersonStatus)p->status;
	w->source = (Vet__V1__PersonSource)p->source;
	w->status_reason = str_or_empty(p->status_reason);
	w->created_at = p->created_at;
	w->status_changed_at = p->status_changed_at;
}

/* import_wire_build fills w from people; VET_OK or a status. */
static int
import_wire_build(const vet_person *people, size_t n, struct import_wire *w,
    vet_status *st)
{
	size_t nc = 0, nb = 0, ic = 0, ib = 0;

	for (size_t i = 0; i < n; i++) {
		if ((people[i].n_clearances > 0 &&
		    people[i].clearances == NULL) ||
		    (people[i].n_briefings > 0 && people[i].briefings == NULL))
			return status_set(st, VET_INVALID_ARGUMENT, 0,
			    "people[%zu]: counts without arrays", i);
		nc += people[i].n_clearances;
		nb += people[i].n_briefings;
	}
	if ((w->people = calloc(n, sizeof(*w->people))) == NULL ||
	    (w->people_p = calloc(n, sizeof(*w->people_p))) == NULL ||
	    (nc > 0 && ((w->clearances = calloc(nc,
	    sizeof(*w->clearances))) == NULL ||
	    (w->clearances_p = calloc(nc,
	    sizeof(*w->clearances_p))) == NULL)) ||
	    (nb > 0 && ((w->briefings = calloc(nb,
	    sizeof(*w->briefings))) == NULL ||
	    (w->briefings_p = calloc(nb, sizeof(*w->briefings_p))) == NULL)))
		return status_oom(st);
	for (size_t i = 0; i < n; i++) {
		const vet_person *p = &people[i];
		Vet__V1__Person *pw = &w->people[i];

		person_to_wire(p, pw);
		w->people_p[i] = pw;
		pw->n_clearances = p->n_clearances;
		pw->clearances = p->n_clearances > 0 ?
		    &w->clearances_p[ic] : NULL;
		for (size_t k = 0; k < p->n_clearances; k++, ic++) {
			clearance_to_wire(&p->clearances[k],
			    &w->clearances[ic]);
			w->clearances_p[ic] = &w->clearances[ic];
		}
		pw->n_briefings = p->n_briefings;
		pw->briefings = p->n_briefings > 0 ? &w->briefings_p[ib] : NULL;
		for (size_t k = 0; k < p->n_briefings; k++, ib++) {
			briefing_to_wire(&p->briefings[k], &w->briefings[ib]);
			w->briefings_p[ib] = &w->briefings[ib];
		}
	}
	return VET_OK;
}

int
vet_import_people(vet_client *c, const vet_person *people, size_t n,
    vet_import_result *out, vet_status *st)
{
	Vet__V1__ImportPeopleRequest req = VET__V1__IMPORT_PEOPLE_REQUEST__INIT;
	Vet__V1__ImportPeopleResponse *resp;
	struct import_wire w = { 0 };
	ProtobufCMessage *m = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (n == 0 || n > IMPORT_MAX)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "an import holds 1 to %d people, not %zu", IMPORT_MAX, n);
	if (people == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no people given");
	if (import_wire_build(people, n, &w, st) != VET_OK)
		goto done;
	req.n_people = n;
	req.people = w.people_p;
	if (client_call(c, "ImportPeople", &req.base, &m, st) != VET_OK)
		goto done;
	resp = (Vet__V1__ImportPeopleResponse *)m;
	if (out != NULL) {
		out->created = resp->created;
		out->updated = resp->updated;
		out->unchanged = resp->unchanged;
	}
done:
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	import_wire_free(&w);
	return st->code;
}
