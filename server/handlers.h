/*
 * handlers.h: one function per method of vet.v1.Vetting, named
 * vetting_<method> so that VET__V1__VETTING__INIT(vetting_) in rpc.c wires
 * them into the service: adding a method to the .proto without a handler
 * does not compile. Each handler validates its input, works on
 * call->txn (a read snapshot or the write transaction) and answers through
 * the closure, or records a status with rpc_fail and passes NULL.
 */
#ifndef VETD_HANDLERS_H
#define VETD_HANDLERS_H

#include "history.h"
#include "vetting.pb-c.h"

struct rpc_call;

#define HANDLER(name, in, out)						\
	void vetting_##name(Vet__V1__Vetting_Service *service,		\
	    const Vet__V1__##in *input, Vet__V1__##out##_Closure closure,	\
	    void *closure_data)

HANDLER(health, HealthRequest, HealthResponse);
HANDLER(put_person, PutPersonRequest, PersonResponse);
HANDLER(get_person, GetPersonRequest, PersonResponse);
HANDLER(list_people, ListPeopleRequest, ListPeopleResponse);
HANDLER(set_person_status, SetPersonStatusRequest, PersonResponse);
HANDLER(record_leaver, RecordLeaverRequest, PersonResponse);
HANDLER(grant_clearance, GrantClearanceRequest, PersonResponse);
HANDLER(set_clearance_status, SetClearanceStatusRequest, PersonResponse);
HANDLER(renew_clearance, RenewClearanceRequest, PersonResponse);
HANDLER(define_caveat, DefineCaveatRequest, CaveatResponse);
HANDLER(list_caveats, ListCaveatsRequest, ListCaveatsResponse);
HANDLER(brief, BriefRequest, PersonResponse);
HANDLER(debrief, DebriefRequest, PersonResponse);
HANDLER(check, CheckRequest, Decision);
HANDLER(batch_check, BatchCheckRequest, BatchCheckResponse);
HANDLER(create_token, CreateTokenRequest, CreateTokenResponse);
HANDLER(list_tokens, ListTokensRequest, ListTokensResponse);
HANDLER(revoke_token, RevokeTokenRequest, RevokeTokenResponse);
HANDLER(list_audit, ListAuditRequest, ListAuditResponse);
HANDLER(verify_audit, VerifyAuditRequest, VerifyAuditResponse);
HANDLER(import_people, ImportPeopleRequest, ImportPeopleResponse);
HANDLER(import_clearances, ImportClearancesRequest, ImportClearancesResponse);
HANDLER(sync_people, SyncPeopleRequest, SyncPeopleResponse);
HANDLER(backup, BackupRequest, BackupResponse);
HANDLER(subject_access, SubjectAccessRequest, SubjectAccessResponse);
HANDLER(retention_due, RetentionDueRequest, RetentionDueResponse);
HANDLER(retention_purge, RetentionPurgeRequest, RetentionPurgeResponse);
HANDLER(report_due, ReportDueRequest, ReportDueResponse);
HANDLER(report_holders, ReportHoldersRequest, ReportHoldersResponse);
HANDLER(report_summary, ReportSummaryRequest, ReportSummaryResponse);
HANDLER(report_unvetted, ReportUnvettedRequest, ReportUnvettedResponse);

/* Shared by the handler files. */

/* handler_load_person validates id and reads the person into
 * call->scratch; on failure records NOT_FOUND/INVALID_ARGUMENT/... */
int handler_load_person(struct rpc_call *call, const char *field,
    const char *id);
/* handler_load_active_person also refuses a leaver (FAILED_PRECONDITION). */
int handler_load_active_person(struct rpc_call *call, const char *field,
    const char *id);
/* handler_save_person writes call->scratch (updated_at = now). */
int handler_save_person(struct rpc_call *call);
/* handler_reply_person answers with call->scratch. */
void handler_reply_person(struct rpc_call *call,
    Vet__V1__PersonResponse_Closure closure);
/* handler_reason validates a required free-text reason. */
int handler_reason(struct rpc_call *call, const char *reason);

/* handlers_history.c. handler_effective validates a request's
 * effective_at: *out 0 for now (0, or the request's own second), the time
 * for a later one; -1 with INVALID_ARGUMENT for a bad or past time. */
int handler_effective(struct rpc_call *call, int64_t effective_at,
    vtime *out);
/* handler_schedule records kind (LEAVER, PERSON_SUSPENDED or
 * PERSON_REINSTATED) for call->scratch at `at`, after checking it fits
 * the state then (FAILED_PRECONDITION otherwise); saves and audits. */
int handler_schedule(struct rpc_call *call, enum event_kind kind, vtime at,
    const char *reason);
/* handler_reply_person_history answers with call->scratch and its
 * history (GetPerson). */
void handler_reply_person_history(struct rpc_call *call,
    Vet__V1__PersonResponse_Closure closure);
/*
 * PutPerson's steps, shared with SyncPeople. handler_put_check validates
 * one item without the store (fields, source, and that a sync-only
 * principal puts only DIRECTORY people): STATUS_OK, or
 * INVALID_ARGUMENT / PERMISSION_DENIED with err set; nationality gets
 * the canonical code. handler_put_apply reads in->id into call->scratch
 * (a new ACTIVE person when there is none, *created 1; else the stored
 * one is noted for the audit diff), refuses a hand-entered person to a
 * sync-only principal (PERMISSION_DENIED), and sets the directory fields
 * and the source; it writes nothing.
 */
int handler_put_check(const struct rpc_call *call,
    const Vet__V1__PutPersonRequest *in, char nationality[3], char *err,
    size_t errsz);
int handler_put_apply(struct rpc_call *call,
    const Vet__V1__PutPersonRequest *in, const char nationality[3],
    int *created, char *err, size_t errsz);

#endif /* VETD_HANDLERS_H */
