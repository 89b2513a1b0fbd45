/*
 * handlers_import.c: ImportPeople, the bulk path.
 * Not built yet: answers UNIMPLEMENTED.
 */
#include "handlers.h"
#include "rpc.h"
#include "status.h"

HANDLER(import_people, ImportPeopleRequest, ImportPeopleResponse)
{
	rpc_fail(closure_data, STATUS_UNIMPLEMENTED, "ImportPeople is not built yet");
	closure(NULL, closure_data);
}
