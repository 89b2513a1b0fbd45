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
HANDLER(backup, BackupRequest, BackupResponse);

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

#endif /* VETD_HANDLERS_H */
