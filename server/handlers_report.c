/*
 * handlers_report.c: the reports (ReportDue, ReportHolders,
 * ReportSummary, ReportUnvetted) for the vetting unit and auditors. Reads
 * only: each runs on the call's read snapshot at call->now through
 * report.c, which answers from the secondary indexes. The request is
 * untrusted wire data, page tokens included: a token is the hex of an
 * index position and is checked like any other field.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "convert.h"
#include "handlers.h"
#include "policy.h"
#include "report.h"
#include "rpc.h"
#include "status.h"
#include "store.h"
#include "validate.h"

#define PAGE_DEFAULT		100
#define PAGE_MAX		1000
#define WITHIN_MAX		((int64_t)100 * 36525 * 864)	/* 100 years */
#define COUNTERS_MAX		1024	/* rows of each kind of count */
#define DAY			86400

/* page_size validates a requested page size; 0, or -1 with status. */
static int
page_size(struct rpc_call *call, uint32_t asked, size_t *out)
{
	if (asked > PAGE_MAX) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "page_size may be at "
		    "most %d", PAGE_MAX);
		return -1;
	}
	*out = asked != 0 ? asked : PAGE_DEFAULT;
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* token_in reads a page token ("" for the first page); 0, or -1. */
static int
token_in(struct rpc_call *call, const char *token, struct index_pos *pos)
{
	size_t n = strnlen(token, 2 * STORE_INDEX_POS_MAX + 1);

	pos->len = 0;
	if (n == 0)
		return 0;
	if (n > 2 * STORE_INDEX_POS_MAX || n % 2 != 0)
		goto bad;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval((unsigned char)token[i]);
		int lo = hexval((unsigned char)token[i + 1]);
		if (hi < 0 || lo < 0)
			goto bad;
		pos->key[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	pos->len = n / 2;
	return 0;
bad:
	rpc_fail(call, STATUS_INVALID_ARGUMENT, "page_token is not one this "
	    "report gave out");
	return -1;
}

/* token_out: the next page's token, or "" on the last page. */
static char *
token_out(struct rpc_call *call, const struct report *r)
{
	static const char digits[] = "0123456789abcdef";
	char *t;

	if (!r->more || r->last.len == 0)
		return (char *)"";
	if ((t = rpc_alloc(call, 2 * r->last.len + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < r->last.len; i++) {
		t[2 * i] = digits[r->last.key[i] >> 4];
		t[2 * i + 1] = digits[r->last.key[i] & 15];
	}
	return t;
}

/* report_failed records a failed report's status; a bad page token
 * shows up as an index position outside the report's range. */
static void
report_failed(struct rpc_call *call, int rv, const char *what)
{
	if (rv == STATUS_INVALID_ARGUMENT)
		rpc_fail(call, rv, "page_token is not one this report gave "
		    "out");
	else if (rv == STATUS_FAILED_PRECONDITION)
		rpc_fail(call, rv, "this store has no report indexes (a "
		    "read-only copy); open it with vetd to build them");
	else if (rv == STATUS_RESOURCE_EXHAUSTED)
		rpc_fail(call, rv, "out of memory");
	else
		rpc_fail(call, rv, "cannot read the %s report from the store",
		    what);
}

static int
report_start(struct rpc_call *call, struct report *r, size_t limit)
{
	if (report_init(r, call->txn, call->now, limit) != 0) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return -1;
	}
	return 0;
}

/* Due. */

struct due_page {
	struct rpc_call *call;
	Vet__V1__ReportDueResponse *resp;
};

static int
due_row(const struct report_due_row *row, void *arg)
{
	struct due_page *pg = arg;
	Vet__V1__DueClearance *w;

	if ((w = rpc_alloc(pg->call, sizeof(*w))) == NULL)
		return STATUS_RESOURCE_EXHAUSTED;
	vet__v1__due_clearance__init(w);
	if ((w->person_id = rpc_strdup(pg->call, row->person->id)) == NULL ||
	    (w->display_name = rpc_strdup(pg->call,
	    row->person->display_name)) == NULL ||
	    (w->org_unit = rpc_strdup(pg->call, row->person->org_unit)) ==
	    NULL ||
	    (w->scheme = rpc_strdup(pg->call, row->clearance->scheme)) ==
	    NULL ||
	    (w->level = rpc_strdup(pg->call, row->clearance->level)) == NULL)
		return STATUS_RESOURCE_EXHAUSTED;
	w->status = (Vet__V1__ClearanceStatus)row->clearance->status;
	w->granted_at = row->clearance->granted_at;
	w->review_due = row->clearance->review_due;
	w->overdue = row->overdue;
	pg->resp->clearances[pg->resp->n_clearances++] = w;
	return 0;
}

HANDLER(report_due, ReportDueRequest, ReportDueResponse)
{
	struct rpc_call *call = closure_data;
	Vet__V1__ReportDueResponse resp = VET__V1__REPORT_DUE_RESPONSE__INIT;
	struct due_page pg = { .call = call, .resp = &resp };
	struct report r = { 0 };
	struct index_pos after;
	size_t limit;
	int rv;

	if (input->within <= 0 || input->within > WITHIN_MAX) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "within must be 1 "
		    "second to 100 years, not %lld",
		    (long long)input->within);
		goto fail;
	}
	if (page_size(call, input->page_size, &limit) != 0 ||
	    token_in(call, input->page_token, &after) != 0 ||
	    report_start(call, &r, limit) != 0)
		goto fail;
	if ((resp.clearances = rpc_alloc(call, limit *
	    sizeof(*resp.clearances))) == NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	resp.as_of = call->now;
	resp.until = call->now + input->within;
	if ((rv = report_due(&r, &after, resp.until, due_row, &pg)) !=
	    STATUS_OK) {
		report_failed(call, rv, "due");
		goto fail;
	}
	if ((resp.next_page_token = token_out(call, &r)) == NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	report_fini(&r);
	closure(&resp, call);
	return;
fail:
	report_fini(&r);
	closure(NULL, call);
}

/* Holders. */

/*
 * compartment_of finds caveat name (any case) and refuses anything but a
 * defined compartment: unknown is NOT_FOUND, a national caveat
 * INVALID_ARGUMENT. 0, or -1 with status.
 */
static int
compartment_of(struct rpc_call *call, const char *name, struct caveat *out)
{
	char err[256], upper[CAVEAT_MAX + 1];
	size_t i;
	int rv;

	if (validate_name("caveat", name, CAVEAT_MAX, err, sizeof(err)) != 0) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s", err);
		return -1;
	}
	for (i = 0; name[i] != '\0'; i++)
		upper[i] = (char)toupper((unsigned char)name[i]);
	upper[i] = '\0';
	if (policy_builtin_caveat(call->vd->policy, upper) != NULL) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s is a national "
		    "caveat: only a compartment has people briefed into it",
		    upper);
		return -1;
	}
	rv = store_caveat_get(call->txn, upper, out);
	if (rv == STATUS_NOT_FOUND) {
		rpc_fail(call, STATUS_NOT_FOUND, "no caveat %s is defined",
		    upper);
		return -1;
	}
	if (rv != STATUS_OK) {
		rpc_fail(call, rv, "cannot read caveat %s", upper);
		return -1;
	}
	if (out->kind != CAVEAT_COMPARTMENT) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s is a national "
		    "caveat: only a compartment has people briefed into it",
		    upper);
		return -1;
	}
	return 0;
}

struct holder_page {
	struct rpc_call *call;
	Vet__V1__ReportHoldersResponse *resp;
};

static int
holder_row(const struct report_holder_row *row, void *arg)
{
	struct holder_page *pg = arg;
	Vet__V1__Holder *w;

	if ((w = rpc_alloc(pg->call, sizeof(*w))) == NULL)
		return STATUS_RESOURCE_EXHAUSTED;
	vet__v1__holder__init(w);
	if ((w->person_id = rpc_strdup(pg->call, row->person->id)) == NULL ||
	    (w->display_name = rpc_strdup(pg->call,
	    row->person->display_name)) == NULL ||
	    (w->org_unit = rpc_strdup(pg->call, row->person->org_unit)) ==
	    NULL)
		return STATUS_RESOURCE_EXHAUSTED;
	w->person_status = (Vet__V1__PersonStatus)row->person->status;
	w->briefed_at = row->briefing->briefed_at;
	w->expires_at = row->briefing->expires_at;
	w->state = (Vet__V1__HolderState)row->state;
	pg->resp->holders[pg->resp->n_holders++] = w;
	return 0;
}

HANDLER(report_holders, ReportHoldersRequest, ReportHoldersResponse)
{
	struct rpc_call *call = closure_data;
	Vet__V1__ReportHoldersResponse resp =
	    VET__V1__REPORT_HOLDERS_RESPONSE__INIT;
	struct holder_page pg = { .call = call, .resp = &resp };
	struct report r = { 0 };
	struct index_pos after;
	struct caveat cv;
	size_t limit;
	int rv;

	if (page_size(call, input->page_size, &limit) != 0 ||
	    token_in(call, input->page_token, &after) != 0 ||
	    compartment_of(call, input->caveat, &cv) != 0 ||
	    report_start(call, &r, limit) != 0)
		goto fail;
	if ((resp.holders = rpc_alloc(call, limit * sizeof(*resp.holders))) ==
	    NULL || (resp.compartment = rpc_strdup(call, cv.name)) == NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	resp.as_of = call->now;
	if ((rv = report_holders(&r, cv.name, &after, holder_row, &pg)) !=
	    STATUS_OK) {
		report_failed(call, rv, "holders");
		goto fail;
	}
	if ((resp.next_page_token = token_out(call, &r)) == NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	report_fini(&r);
	closure(&resp, call);
	return;
fail:
	report_fini(&r);
	closure(NULL, call);
}

/* Summary. */

struct summary_page {
	struct rpc_call *call;
	Vet__V1__ReportSummaryResponse *resp;
};

static int
summary_counter(const struct index_counter *c, void *arg)
{
	struct summary_page *pg = arg;
	Vet__V1__ReportSummaryResponse *resp = pg->resp;

	if (!c->clearance) {
		Vet__V1__PersonCount *w;

		if (resp->n_people == COUNTERS_MAX ||
		    (w = rpc_alloc(pg->call, sizeof(*w))) == NULL)
			return STATUS_RESOURCE_EXHAUSTED;
		vet__v1__person_count__init(w);
		w->status = (Vet__V1__PersonStatus)c->person_status;
		w->count = c->count;
		resp->people[resp->n_people++] = w;
		return 0;
	}
	Vet__V1__ClearanceCount *w;

	if (resp->n_clearances == COUNTERS_MAX ||
	    (w = rpc_alloc(pg->call, sizeof(*w))) == NULL)
		return STATUS_RESOURCE_EXHAUSTED;
	vet__v1__clearance_count__init(w);
	if ((w->scheme = rpc_strdup(pg->call, c->scheme)) == NULL ||
	    (w->level = rpc_strdup(pg->call, c->level)) == NULL)
		return STATUS_RESOURCE_EXHAUSTED;
	w->status = (Vet__V1__ClearanceStatus)c->clearance_status;
	w->count = c->count;
	resp->clearances[resp->n_clearances++] = w;
	return 0;
}

/* year_before: the same date and time a calendar year earlier (29
 * February goes to 1 March). */
static vtime
year_before(vtime t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		return t - 365 * 86400;
	tm.tm_year--;
	return (vtime)timegm(&tm);
}

HANDLER(report_summary, ReportSummaryRequest, ReportSummaryResponse)
{
	struct rpc_call *call = closure_data;
	Vet__V1__ReportSummaryResponse resp =
	    VET__V1__REPORT_SUMMARY_RESPONSE__INIT;
	struct summary_page pg = { .call = call, .resp = &resp };
	struct report r = { 0 };
	struct report_activity a;
	char err[256];
	int rv;

	if (validate_time("from", input->from, 0, err, sizeof(err)) != 0 ||
	    validate_time("to", input->to, 0, err, sizeof(err)) != 0) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "%s", err);
		goto fail;
	}
	if (input->from != 0 && input->to != 0 && input->from >= input->to) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "from must be before "
		    "to");
		goto fail;
	}
	/* Whole UTC days: from back to its midnight, to on to the next (by
	 * default the period ends with today). */
	resp.to = input->to != 0 ? input->to : call->now;
	if (resp.to % DAY != 0)
		resp.to += DAY - resp.to % DAY;
	resp.from = input->from != 0 ? input->from - input->from % DAY :
	    year_before(resp.to);
	if (report_start(call, &r, 1) != 0)
		goto fail;
	if ((resp.people = rpc_alloc(call, COUNTERS_MAX *
	    sizeof(*resp.people))) == NULL || (resp.clearances =
	    rpc_alloc(call, COUNTERS_MAX * sizeof(*resp.clearances))) ==
	    NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	resp.as_of = call->now;
	if ((rv = report_summary(&r, resp.from, resp.to, summary_counter, &pg,
	    &a)) != STATUS_OK) {
		report_failed(call, rv, "summary");
		goto fail;
	}
	resp.joiners = a.joiners;
	resp.leavers = a.leavers;
	resp.withdrawals = a.withdrawals;
	report_fini(&r);
	closure(&resp, call);
	return;
fail:
	report_fini(&r);
	closure(NULL, call);
}

/* Unvetted. */

struct unvetted_page {
	struct rpc_call *call;
	Vet__V1__ReportUnvettedResponse *resp;
};

static int
unvetted_row(const struct report_unvetted_row *row, void *arg)
{
	struct unvetted_page *pg = arg;
	Vet__V1__UnvettedPerson *w;

	if ((w = rpc_alloc(pg->call, sizeof(*w))) == NULL)
		return STATUS_RESOURCE_EXHAUSTED;
	vet__v1__unvetted_person__init(w);
	if ((w->person_id = rpc_strdup(pg->call, row->person->id)) == NULL ||
	    (w->display_name = rpc_strdup(pg->call,
	    row->person->display_name)) == NULL ||
	    (w->org_unit = rpc_strdup(pg->call, row->person->org_unit)) ==
	    NULL ||
	    (w->scheme = rpc_strdup(pg->call, row->last != NULL ?
	    row->last->scheme : "")) == NULL ||
	    (w->level = rpc_strdup(pg->call, row->last != NULL ?
	    row->last->level : "")) == NULL)
		return STATUS_RESOURCE_EXHAUSTED;
	w->reason = (Vet__V1__Reason)row->reason;
	w->since = row->since;
	pg->resp->people[pg->resp->n_people++] = w;
	return 0;
}

HANDLER(report_unvetted, ReportUnvettedRequest, ReportUnvettedResponse)
{
	struct rpc_call *call = closure_data;
	Vet__V1__ReportUnvettedResponse resp =
	    VET__V1__REPORT_UNVETTED_RESPONSE__INIT;
	struct unvetted_page pg = { .call = call, .resp = &resp };
	struct report r = { 0 };
	struct index_pos after;
	size_t limit;
	int rv;

	if (page_size(call, input->page_size, &limit) != 0 ||
	    token_in(call, input->page_token, &after) != 0 ||
	    report_start(call, &r, limit) != 0)
		goto fail;
	if ((resp.people = rpc_alloc(call, limit * sizeof(*resp.people))) ==
	    NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	resp.as_of = call->now;
	if ((rv = report_unvetted(&r, &after, unvetted_row, &pg)) !=
	    STATUS_OK) {
		report_failed(call, rv, "unvetted");
		goto fail;
	}
	if ((resp.next_page_token = token_out(call, &r)) == NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	report_fini(&r);
	closure(&resp, call);
	return;
fail:
	report_fini(&r);
	closure(NULL, call);
}
