/*
 * libvet_report.c: the reports (ReportDue, ReportHolders,
 * ReportSummary, ReportUnvetted). Replies are untrusted: every string is
 * copied, counts come from the decoded message, and an enum outside its
 * range is passed on as the number vetd sent (the printers name it
 * "UNKNOWN").
 */
#include <stdlib.h>
#include <string.h>

#include "libvet_internal.h"

/* Each *_from_wire fills a zeroed row; -1 when out of memory. */

static void
due_row_clear(vet_due_row *r)
{
	free(r->person_id);
	free(r->display_name);
	free(r->org_unit);
	free(r->scheme);
	free(r->level);
}

static int
due_row_from_wire(const Vet__V1__DueClearance *w, vet_due_row *r)
{
	r->person_id = str_dup(w->person_id);
	r->display_name = str_dup(w->display_name);
	r->org_unit = str_dup(w->org_unit);
	r->scheme = str_dup(w->scheme);
	r->level = str_dup(w->level);
	r->status = (vet_clearance_status)w->status;
	r->granted_at = w->granted_at;
	r->review_due = w->review_due;
	r->overdue = w->overdue ? 1 : 0;
	if (r->person_id == NULL || r->display_name == NULL ||
	    r->org_unit == NULL || r->scheme == NULL || r->level == NULL) {
		due_row_clear(r);
		return -1;
	}
	return 0;
}

void
vet_due_page_free(vet_due_page *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n_rows; i++)
		due_row_clear(&p->rows[i]);
	free(p->rows);
	free(p->next_page_token);
	free(p);
}

int
vet_report_due(vet_client *c, int64_t within, unsigned page_size,
    const char *page_token, vet_due_page **out, vet_status *st)
{
	Vet__V1__ReportDueRequest req = VET__V1__REPORT_DUE_REQUEST__INIT;
	Vet__V1__ReportDueResponse *resp;
	ProtobufCMessage *m = NULL;
	vet_due_page *page = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (out == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no place for the answer");
	req.within = within;
	req.page_size = page_size;
	req.page_token = str_or_empty(page_token);
	if (client_call(c, "ReportDue", &req.base, &m, st) != VET_OK)
		goto done;
	resp = (Vet__V1__ReportDueResponse *)m;
	if ((page = calloc(1, sizeof(*page))) == NULL ||
	    (page->next_page_token = str_dup(resp->next_page_token)) == NULL)
		goto oom;
	page->as_of = resp->as_of;
	page->until = resp->until;
	if (resp->n_clearances > 0 && (page->rows = calloc(resp->n_clearances,
	    sizeof(*page->rows))) == NULL)
		goto oom;
	for (; page->n_rows < resp->n_clearances; page->n_rows++)
		if (due_row_from_wire(resp->clearances[page->n_rows],
		    &page->rows[page->n_rows]) != 0)
			goto oom;
	*out = page;
	page = NULL;
	goto done;
oom:
	status_oom(st);
done:
	vet_due_page_free(page);
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}

/* Holders. */

static void
holder_row_clear(vet_holder_row *r)
{
	free(r->person_id);
	free(r->display_name);
	free(r->org_unit);
}

void
vet_holders_page_free(vet_holders_page *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n_rows; i++)
		holder_row_clear(&p->rows[i]);
	free(p->rows);
	free(p->compartment);
	free(p->next_page_token);
	free(p);
}

int
vet_report_holders(vet_client *c, const char *caveat, unsigned page_size,
    const char *page_token, vet_holders_page **out, vet_status *st)
{
	Vet__V1__ReportHoldersRequest req =
	    VET__V1__REPORT_HOLDERS_REQUEST__INIT;
	Vet__V1__ReportHoldersResponse *resp;
	ProtobufCMessage *m = NULL;
	vet_holders_page *page = NULL;
	vet_holder_row *r;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (out == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no place for the answer");
	req.caveat = str_or_empty(caveat);
	req.page_size = page_size;
	req.page_token = str_or_empty(page_token);
	if (client_call(c, "ReportHolders", &req.base, &m, st) != VET_OK)
		goto done;
	resp = (Vet__V1__ReportHoldersResponse *)m;
	if ((page = calloc(1, sizeof(*page))) == NULL ||
	    (page->compartment = str_dup(resp->compartment)) == NULL ||
	    (page->next_page_token = str_dup(resp->next_page_token)) == NULL)
		goto oom;
	page->as_of = resp->as_of;
	if (resp->n_holders > 0 && (page->rows = calloc(resp->n_holders,
	    sizeof(*page->rows))) == NULL)
		goto oom;
	for (; page->n_rows < resp->n_holders; page->n_rows++) {
		const Vet__V1__Holder *w = resp->holders[page->n_rows];

		r = &page->rows[page->n_rows];
		r->person_id = str_dup(w->person_id);
		r->display_name = str_dup(w->display_name);
		r->org_unit = str_dup(w->org_unit);
		r->person_status = (vet_person_status)w->person_status;
		r->briefed_at = w->briefed_at;
		r->expires_at = w->expires_at;
		r->state = (vet_holder_state)w->state;
		if (r->person_id == NULL || r->display_name == NULL ||
		    r->org_unit == NULL) {
			holder_row_clear(r);
			goto oom;
		}
	}
	*out = page;
	page = NULL;
	goto done;
oom:
	status_oom(st);
done:
	vet_holders_page_free(page);
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}

const char *
vet_holder_state_name(vet_holder_state s)
{
	switch (s) {
	case VET_HOLDER_ACTIVE:
		return "ACTIVE";
	case VET_HOLDER_EXPIRED:
		return "EXPIRED";
	case VET_HOLDER_PENDING:
		return "PENDING";
	}
	return "UNKNOWN";
}

/* Unvetted. */

static void
unvetted_row_clear(vet_unvetted_row *r)
{
	free(r->person_id);
	free(r->display_name);
	free(r->org_unit);
	free(r->scheme);
	free(r->level);
}

void
vet_unvetted_page_free(vet_unvetted_page *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n_rows; i++)
		unvetted_row_clear(&p->rows[i]);
	free(p->rows);
	free(p->next_page_token);
	free(p);
}

int
vet_report_unvetted(vet_client *c, unsigned page_size, const char *page_token,
    vet_unvetted_page **out, vet_status *st)
{
	Vet__V1__ReportUnvettedRequest req =
	    VET__V1__REPORT_UNVETTED_REQUEST__INIT;
	Vet__V1__ReportUnvettedResponse *resp;
	ProtobufCMessage *m = NULL;
	vet_unvetted_page *page = NULL;
	vet_unvetted_row *r;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (out == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no place for the answer");
	req.page_size = page_size;
	req.page_token = str_or_empty(page_token);
	if (client_call(c, "ReportUnvetted", &req.base, &m, st) != VET_OK)
		goto done;
	resp = (Vet__V1__ReportUnvettedResponse *)m;
	if ((page = calloc(1, sizeof(*page))) == NULL ||
	    (page->next_page_token = str_dup(resp->next_page_token)) == NULL)
		goto oom;
	page->as_of = resp->as_of;
	if (resp->n_people > 0 && (page->rows = calloc(resp->n_people,
	    sizeof(*page->rows))) == NULL)
		goto oom;
	for (; page->n_rows < resp->n_people; page->n_rows++) {
		const Vet__V1__UnvettedPerson *w = resp->people[page->n_rows];

		r = &page->rows[page->n_rows];
		r->person_id = str_dup(w->person_id);
		r->display_name = str_dup(w->display_name);
		r->org_unit = str_dup(w->org_unit);
		r->scheme = str_dup(w->scheme);
		r->level = str_dup(w->level);
		r->reason = (int)w->reason;
		r->since = w->since;
		if (r->person_id == NULL || r->display_name == NULL ||
		    r->org_unit == NULL || r->scheme == NULL ||
		    r->level == NULL) {
			unvetted_row_clear(r);
			goto oom;
		}
	}
	*out = page;
	page = NULL;
	goto done;
oom:
	status_oom(st);
done:
	vet_unvetted_page_free(page);
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}

/* Summary. */

void
vet_summary_free(vet_summary *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n_clearances; i++) {
		free(s->clearances[i].scheme);
		free(s->clearances[i].level);
	}
	free(s->clearances);
	free(s->people);
	free(s);
}

int
vet_report_summary(vet_client *c, int64_t from, int64_t to,
    vet_summary **out, vet_status *st)
{
	Vet__V1__ReportSummaryRequest req =
	    VET__V1__REPORT_SUMMARY_REQUEST__INIT;
	Vet__V1__ReportSummaryResponse *resp;
	ProtobufCMessage *m = NULL;
	vet_summary *s = NULL;
	vet_clearance_count *cc;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (out == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no place for the answer");
	req.from = from;
	req.to = to;
	if (client_call(c, "ReportSummary", &req.base, &m, st) != VET_OK)
		goto done;
	resp = (Vet__V1__ReportSummaryResponse *)m;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto oom;
	s->from = resp->from;
	s->to = resp->to;
	s->joiners = resp->joiners;
	s->leavers = resp->leavers;
	s->withdrawals = resp->withdrawals;
	s->as_of = resp->as_of;
	if (resp->n_people > 0 && (s->people = calloc(resp->n_people,
	    sizeof(*s->people))) == NULL)
		goto oom;
	for (; s->n_people < resp->n_people; s->n_people++) {
		s->people[s->n_people].status =
		    (vet_person_status)resp->people[s->n_people]->status;
		s->people[s->n_people].count =
		    resp->people[s->n_people]->count;
	}
	if (resp->n_clearances > 0 && (s->clearances =
	    calloc(resp->n_clearances, sizeof(*s->clearances))) == NULL)
		goto oom;
	for (; s->n_clearances < resp->n_clearances; s->n_clearances++) {
		const Vet__V1__ClearanceCount *w =
		    resp->clearances[s->n_clearances];

		cc = &s->clearances[s->n_clearances];
		cc->scheme = str_dup(w->scheme);
		cc->level = str_dup(w->level);
		cc->status = (vet_clearance_status)w->status;
		cc->count = w->count;
		if (cc->scheme == NULL || cc->level == NULL) {
			free(cc->scheme);
			free(cc->level);
			goto oom;
		}
	}
	*out = s;
	s = NULL;
	goto done;
oom:
	status_oom(st);
done:
	vet_summary_free(s);
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}
