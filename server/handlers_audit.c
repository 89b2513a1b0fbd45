/*
 * handlers_audit.c: audit methods (ListAudit, VerifyAudit).
 * Not built yet: each answers UNIMPLEMENTED.
 */
#include "handlers.h"
#include "rpc.h"
#include "status.h"

HANDLER(list_audit, ListAuditRequest, ListAuditResponse)
{
	rpc_fail(closure_data, STATUS_UNIMPLEMENTED, "ListAudit is not built yet");
	closure(NULL, closure_data);
}

HANDLER(verify_audit, VerifyAuditRequest, VerifyAuditResponse)
{
	rpc_fail(closure_data, STATUS_UNIMPLEMENTED, "VerifyAudit is not built yet");
	closure(NULL, closure_data);
}
