/*
 * libvet_register.c: vet_import_clearances, the clearance register (see
 * <vet/vet.h>). Points the wire rows at the caller's strings (protobuf-c
 * only reads them when packing), so a call allocates two arrays and no
 * strings. vetd does the checking; this file refuses only what cannot be
 * sent. The reply is untrusted: each row error is copied (cut to fit)
 * and one naming a row that was not sent makes the reply malformed.
 */
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "libvet_internal.h"

#define REGISTER_ROWS_MAX	1000

static void
row_to_wire(const vet_clearance_row *r, Vet__V1__ClearanceRow *w)
{
	vet__v1__clearance_row__init(w);
	w->person_id = str_or_empty(r->person_id);
	w->display_name = str_or_empty(r->display_name);
	w->email = str_or_empty(r->email);
	w->org_unit = str_or_empty(r->org_unit);
	w->nationality = str_or_empty(r->nationality);
	w->scheme = str_or_empty(r->scheme);
	w->level = str_or_empty(r->level);
	w->granted_at = r->granted_at;
	w->review_due = r->review_due;
	w->authority = str_or_empty(r->authority);
	w->reference = str_or_empty(r->reference);
}

/* errors_from_wire copies the row errors; a status on failure. */
static int
errors_from_wire(const Vet__V1__ImportClearancesResponse *resp, size_t n,
    vet_register_result *out, vet_status *st)
{
	if (resp->n_errors == 0)
		return VET_OK;
	if (resp->n_errors > n)
		return status_set(st, VET_INTERNAL, st->revision, "vetd sent "
		    "%zu row errors for %zu rows", resp->n_errors, n);
	if ((out->errors = calloc(resp->n_errors, sizeof(*out->errors))) ==
	    NULL)
		return status_oom(st);
	for (size_t i = 0; i < resp->n_errors; i++) {
		const Vet__V1__RowError *e = resp->errors[i];

		if (e == NULL || e->index >= n) {
			free(out->errors);
			out->errors = NULL;
			return status_set(st, VET_INTERNAL, st->revision, "vetd "
			    "sent an error for a row that was not sent");
		}
		out->errors[i].index = e->index;
		str_copy(out->errors[i].message,
		    sizeof(out->errors[i].message), e->message);
	}
	out->n_errors = resp->n_errors;
	return VET_OK;
}

int
vet_import_clearances(vet_client *c, const vet_clearance_row *rows, size_t n,
    int validate_only, vet_register_result *out, vet_status *st)
{
	Vet__V1__ImportClearancesRequest req =
	    VET__V1__IMPORT_CLEARANCES_REQUEST__INIT;
	Vet__V1__ImportClearancesResponse *resp;
	Vet__V1__ClearanceRow *items = NULL, **ptrs = NULL;
	vet_register_result result = { 0 };
	ProtobufCMessage *m = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (n == 0 || n > REGISTER_ROWS_MAX)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "an import holds 1 to %d rows, not %zu", REGISTER_ROWS_MAX,
		    n);
	if (rows == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0, "no rows given");
	if ((items = calloc(n, sizeof(*items))) == NULL ||
	    (ptrs = calloc(n, sizeof(*ptrs))) == NULL) {
		status_oom(st);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		row_to_wire(&rows[i], &items[i]);
		ptrs[i] = &items[i];
	}
	req.n_rows = n;
	req.rows = ptrs;
	req.validate_only = validate_only != 0;
	client_call(c, "ImportClearances", &req.base, &m, st);
	if (m == NULL || (st->code != VET_OK &&
	    st->code != VET_INVALID_ARGUMENT))
		goto done;
	resp = (Vet__V1__ImportClearancesResponse *)m;
	result.created = resp->created;
	result.updated = resp->updated;
	result.unchanged = resp->unchanged;
	result.people_created = resp->people_created;
	if (errors_from_wire(resp, n, &result, st) != VET_OK)
		goto done;
	if (out != NULL)
		*out = result;
	else
		free(result.errors);
done:
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	free(items);
	free(ptrs);
	return st->code;
}

void
vet_register_result_clear(vet_register_result *r)
{
	if (r == NULL)
		return;
	free(r->errors);
	memset(r, 0, sizeof(*r));
}
