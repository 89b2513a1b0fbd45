/*
 * libvet_methods.c: one function per vetd method, each a thin wrapper that
 * fills the request message and converts the answer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "libvet_internal.h"

/*
 * Methods.
 */

/* person_call does a call whose answer is a PersonResponse. */
int
person_call(vet_client *c, const char *name, const ProtobufCMessage *in,
    vet_person **out, vet_status *st)
{
	ProtobufCMessage *m = NULL;
	Vet__V1__PersonResponse *resp;
	vet_person *p = NULL;

	if (client_call(c, name, in, &m, st) != VET_OK)
		goto done;
	resp = (Vet__V1__PersonResponse *)m;
	if (out == NULL)
		goto done;
	if (resp->person == NULL) {
		status_set(st, VET_INTERNAL, st->revision,
		    "vetd sent no person in its %s answer", name);
		goto done;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    person_from_wire(resp->person, p) != 0) {
		free(p);
		status_oom(st);
		goto done;
	}
	*out = p;
done:
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}

int
vet_health(vet_client *c, vet_health_info *out, vet_status *st)
{
	Vet__V1__HealthRequest req = VET__V1__HEALTH_REQUEST__INIT;
	Vet__V1__HealthResponse *resp;
	ProtobufCMessage *m = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (out == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no place for the answer");
	if (client_call(c, "Health", &req.base, &m, st) == VET_OK) {
		resp = (Vet__V1__HealthResponse *)m;
		memset(out, 0, sizeof(*out));
		str_copy(out->status, sizeof(out->status), resp->status);
		str_copy(out->version, sizeof(out->version), resp->version);
		out->revision = resp->revision;
		str_copy(out->policy_digest, sizeof(out->policy_digest),
		    resp->policy_digest);
	}
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}

int
vet_person_put(vet_client *c, const vet_person_spec *spec, vet_person **out,
    vet_status *st)
{
	Vet__V1__PutPersonRequest req = VET__V1__PUT_PERSON_REQUEST__INIT;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (spec == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no person given");
	req.id = str_or_empty(spec->id);
	req.display_name = str_or_empty(spec->display_name);
	req.email = str_or_empty(spec->email);
	req.org_unit = str_or_empty(spec->org_unit);
	req.nationality = str_or_empty(spec->nationality);
	req.source = spec->source == VET_SOURCE_DIRECTORY ?
	    VET__V1__PERSON_SOURCE__SOURCE_DIRECTORY :
	    VET__V1__PERSON_SOURCE__SOURCE_MANUAL;
	if (spec->source != 0 && spec->source != VET_SOURCE_MANUAL &&
	    spec->source != VET_SOURCE_DIRECTORY)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "unknown person source %d", (int)spec->source);
	return person_call(c, "PutPerson", &req.base, out, st);
}

int
vet_person_get(vet_client *c, const char *id, vet_person **out,
    vet_status *st)
{
	Vet__V1__GetPersonRequest req = VET__V1__GET_PERSON_REQUEST__INIT;
	vet_status local;

	if (st == NULL)
		st = &local;
	req.id = str_or_empty(id);
	return person_call(c, "GetPerson", &req.base, out, st);
}

int
vet_person_list(vet_client *c, vet_person_status status, unsigned page_size,
    const char *page_token, vet_person_page **out, vet_status *st)
{
	Vet__V1__ListPeopleRequest req = VET__V1__LIST_PEOPLE_REQUEST__INIT;
	Vet__V1__ListPeopleResponse *resp;
	ProtobufCMessage *m = NULL;
	vet_person_page *page = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (out == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no place for the answer");
	if (status < VET_PERSON_ANY || status > VET_PERSON_LEAVER)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "unknown person status %d", (int)status);
	req.status = (Vet__V1__PersonStatus)status;
	req.page_size = page_size;
	req.page_token = str_or_empty(page_token);
	if (client_call(c, "ListPeople", &req.base, &m, st) != VET_OK)
		goto done;
	resp = (Vet__V1__ListPeopleResponse *)m;
	if ((page = calloc(1, sizeof(*page))) == NULL ||
	    (page->next_page_token = str_dup(resp->next_page_token)) == NULL)
		goto oom;
	if (resp->n_people > 0 && (page->people = calloc(resp->n_people,
	    sizeof(*page->people))) == NULL)
		goto oom;
	for (; page->n_people < resp->n_people; page->n_people++)
		if (person_from_wire(resp->people[page->n_people],
		    &page->people[page->n_people]) != 0)
			goto oom;
	*out = page;
	page = NULL;
	goto done;
oom:
	status_oom(st);
done:
	vet_person_page_free(page);
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}

int
vet_person_set_status(vet_client *c, const char *id, vet_action action,
    const char *reason, vet_person **out, vet_status *st)
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
	return person_call(c, "SetPersonStatus", &req.base, out, st);
}

int
vet_leaver(vet_client *c, const char *id, const char *reason,
    vet_person **out, vet_status *st)
{
	Vet__V1__RecordLeaverRequest req = VET__V1__RECORD_LEAVER_REQUEST__INIT;
	vet_status local;

	if (st == NULL)
		st = &local;
	req.person_id = str_or_empty(id);
	req.reason = str_or_empty(reason);
	return person_call(c, "RecordLeaver", &req.base, out, st);
}

int
vet_clearance_grant(vet_client *c, const vet_grant_spec *spec,
    vet_person **out, vet_status *st)
{
	Vet__V1__GrantClearanceRequest req =
	    VET__V1__GRANT_CLEARANCE_REQUEST__INIT;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (spec == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no clearance given");
	req.person_id = str_or_empty(spec->person_id);
	req.scheme = str_or_empty(spec->scheme);
	req.level = str_or_empty(spec->level);
	req.granted_at = spec->granted_at;
	req.review_due = spec->review_due;
	req.authority = str_or_empty(spec->authority);
	req.reference = str_or_empty(spec->reference);
	return person_call(c, "GrantClearance", &req.base, out, st);
}

int
vet_clearance_set_status(vet_client *c, const char *id, const char *scheme,
    vet_action action, const char *reason, vet_person **out, vet_status *st)
{
	Vet__V1__SetClearanceStatusRequest req =
	    VET__V1__SET_CLEARANCE_STATUS_REQUEST__INIT;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (action != VET_ACTION_SUSPEND && action != VET_ACTION_REINSTATE &&
	    action != VET_ACTION_WITHDRAW)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "unknown clearance action %d", (int)action);
	req.person_id = str_or_empty(id);
	req.scheme = str_or_empty(scheme);
	req.action = (Vet__V1__StatusAction)action;
	req.reason = str_or_empty(reason);
	return person_call(c, "SetClearanceStatus", &req.base, out, st);
}

int
vet_caveat_define(vet_client *c, const vet_caveat_spec *spec,
    vet_caveat_list **out, vet_status *st)
{
	Vet__V1__DefineCaveatRequest req = VET__V1__DEFINE_CAVEAT_REQUEST__INIT;
	Vet__V1__Caveat cav = VET__V1__CAVEAT__INIT;
	Vet__V1__CaveatResponse *resp;
	ProtobufCMessage *m = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (spec == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no caveat given");
	if (spec->kind != VET_CAVEAT_COMPARTMENT &&
	    spec->kind != VET_CAVEAT_NATIONAL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "unknown caveat kind %d", (int)spec->kind);
	if (spec->n_nationalities > 0 && spec->nationalities == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no nationalities given");
	for (size_t i = 0; i < spec->n_nationalities; i++)
		if (spec->nationalities[i] == NULL)
			return status_set(st, VET_INVALID_ARGUMENT, 0,
			    "nationality %zu is missing", i);
	cav.name = str_or_empty(spec->name);
	cav.kind = (Vet__V1__CaveatKind)spec->kind;
	cav.min_scheme = str_or_empty(spec->min_scheme);
	cav.min_level = str_or_empty(spec->min_level);
	cav.n_nationalities = spec->n_nationalities;
	cav.nationalities = (char **)spec->nationalities;
	req.caveat = &cav;
	if (client_call(c, "DefineCaveat", &req.base, &m, st) != VET_OK ||
	    out == NULL)
		goto done;
	resp = (Vet__V1__CaveatResponse *)m;
	if (resp->caveat == NULL) {
		status_set(st, VET_INTERNAL, st->revision,
		    "vetd sent no caveat in its DefineCaveat answer");
		goto done;
	}
	if (caveat_list_from_wire(&resp->caveat, 1, out) != 0)
		status_oom(st);
done:
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}

int
vet_caveat_list_get(vet_client *c, vet_caveat_list **out, vet_status *st)
{
	Vet__V1__ListCaveatsRequest req = VET__V1__LIST_CAVEATS_REQUEST__INIT;
	Vet__V1__ListCaveatsResponse *resp;
	ProtobufCMessage *m = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (out == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no place for the answer");
	if (client_call(c, "ListCaveats", &req.base, &m, st) == VET_OK) {
		resp = (Vet__V1__ListCaveatsResponse *)m;
		if (caveat_list_from_wire(resp->caveats, resp->n_caveats,
		    out) != 0)
			status_oom(st);
	}
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}

int
vet_brief(vet_client *c, const char *id, const char *caveat,
    int64_t expires_at, vet_person **out, vet_status *st)
{
	Vet__V1__BriefRequest req = VET__V1__BRIEF_REQUEST__INIT;
	vet_status local;

	if (st == NULL)
		st = &local;
	req.person_id = str_or_empty(id);
	req.caveat = str_or_empty(caveat);
	req.expires_at = expires_at;
	return person_call(c, "Brief", &req.base, out, st);
}

int
vet_debrief(vet_client *c, const char *id, const char *caveat,
    const char *reason, vet_person **out, vet_status *st)
{
	Vet__V1__DebriefRequest req = VET__V1__DEBRIEF_REQUEST__INIT;
	vet_status local;

	if (st == NULL)
		st = &local;
	req.person_id = str_or_empty(id);
	req.caveat = str_or_empty(caveat);
	req.reason = str_or_empty(reason);
	return person_call(c, "Debrief", &req.base, out, st);
}

/* check_request_fill points w at r's strings; w->caveats is r's array. */
static int
check_request_fill(const vet_check_request *r, Vet__V1__CheckRequest *w,
    vet_status *st)
{
	if (r->n_caveats > 0 && r->caveats == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no caveats given");
	for (size_t i = 0; i < r->n_caveats; i++)
		if (r->caveats[i] == NULL)
			return status_set(st, VET_INVALID_ARGUMENT, 0,
			    "caveat %zu is missing", i);
	vet__v1__check_request__init(w);
	w->person_id = str_or_empty(r->person_id);
	w->marking = str_or_empty(r->marking);
	w->n_caveats = r->n_caveats;
	w->caveats = (char **)r->caveats;
	w->min_revision = r->min_revision;
	w->at = r->at;
	return VET_OK;
}

int
vet_check(vet_client *c, const vet_check_request *req, vet_decision *out,
    vet_status *st)
{
	Vet__V1__CheckRequest w;
	Vet__V1__Decision *d;
	ProtobufCMessage *m = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (out == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no place for the decision");
	if (req == NULL) {
		status_set(st, VET_INVALID_ARGUMENT, 0, "no check given");
		goto deny;
	}
	if (check_request_fill(req, &w, st) != VET_OK)
		goto deny;
	client_call(c, "Check", &w.base, &m, st);
	d = (Vet__V1__Decision *)m;
	if (!decision_usable(d, req->person_id, st->code)) {
		if (d != NULL && st->code == VET_OK)
			status_set(st, VET_INTERNAL, st->revision,
			    "vetd sent a decision without an effect or for "
			    "another person");
		goto deny;
	}
	decision_from_wire(d, out);
	protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
deny:
	decision_deny(out, st);
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}

/*
 * Freeing and names.
 */
