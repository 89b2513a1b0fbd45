/*
 * libvet_sync.c: vet_sync_people, PutPerson for many people in one call
 * (see <vet/vet.h>; vetsync's refreshes). Points the wire messages at the
 * caller's strings (protobuf-c only reads them when packing), so a call
 * allocates two arrays and no strings. vetd does the validation; this
 * file only refuses what cannot be sent (no array, a count out of range,
 * an unknown source).
 */
#include <stdlib.h>

#include "status.h"
#include "libvet_internal.h"

#define SYNC_PEOPLE_MAX	1000

int
vet_sync_people(vet_client *c, const vet_person_spec *people, size_t n,
    vet_sync_result *out, vet_status *st)
{
	Vet__V1__SyncPeopleRequest req = VET__V1__SYNC_PEOPLE_REQUEST__INIT;
	Vet__V1__SyncPeopleResponse *resp;
	Vet__V1__PutPersonRequest *items = NULL, **ptrs = NULL;
	ProtobufCMessage *m = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (n == 0 || n > SYNC_PEOPLE_MAX)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "SyncPeople takes 1 to %d people, not %zu",
		    SYNC_PEOPLE_MAX, n);
	if (people == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no people given");
	for (size_t i = 0; i < n; i++)
		if (people[i].source != 0 &&
		    people[i].source != VET_SOURCE_MANUAL &&
		    people[i].source != VET_SOURCE_DIRECTORY)
			return status_set(st, VET_INVALID_ARGUMENT, 0,
			    "people[%zu]: unknown person source %d", i,
			    (int)people[i].source);
	if ((items = calloc(n, sizeof(*items))) == NULL ||
	    (ptrs = calloc(n, sizeof(*ptrs))) == NULL) {
		status_oom(st);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const vet_person_spec *p = &people[i];
		Vet__V1__PutPersonRequest *w = &items[i];

		vet__v1__put_person_request__init(w);
		w->id = str_or_empty(p->id);
		w->display_name = str_or_empty(p->display_name);
		w->email = str_or_empty(p->email);
		w->org_unit = str_or_empty(p->org_unit);
		w->nationality = str_or_empty(p->nationality);
		w->source = p->source == VET_SOURCE_DIRECTORY ?
		    VET__V1__PERSON_SOURCE__SOURCE_DIRECTORY :
		    VET__V1__PERSON_SOURCE__SOURCE_MANUAL;
		ptrs[i] = w;
	}
	req.n_people = n;
	req.people = ptrs;
	if (client_call(c, "SyncPeople", &req.base, &m, st) != VET_OK)
		goto done;
	resp = (Vet__V1__SyncPeopleResponse *)m;
	if (out != NULL) {
		out->created = resp->created;
		out->updated = resp->updated;
		out->unchanged = resp->unchanged;
	}
done:
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	free(items);
	free(ptrs);
	return st->code;
}
