/*
 * methods.c: the method table (see methods.h).
 */
#include <string.h>

#include "methods.h"
#include "vetting.pb-c.h"

#define R(role)		ROLE_BIT(ROLE_##role)
#define CHECKERS	(R(READER) | R(VETTING) | R(AUDITOR) | R(ADMIN))
#define PEOPLE_READERS	(R(VETTING) | R(HR) | R(SYNC) | R(AUDITOR) | R(ADMIN))
#define VETTING_UNIT	(R(VETTING) | R(ADMIN))
#define REPORT_READERS	(R(VETTING) | R(AUDITOR) | R(ADMIN))

static const struct method method_table[] = {
	{ "Health",		METHOD_READ,	ROLES_VALID, 0 },
	{ "PutPerson",		METHOD_WRITE,	R(HR) | R(SYNC) | R(ADMIN), 0 },
	{ "GetPerson",		METHOD_READ,	PEOPLE_READERS, 0 },
	{ "ListPeople",		METHOD_READ,	PEOPLE_READERS, 0 },
	{ "GrantClearance",	METHOD_WRITE,	VETTING_UNIT, 0 },
	{ "SetClearanceStatus",	METHOD_WRITE,	VETTING_UNIT, 0 },
	{ "RenewClearance",	METHOD_WRITE,	VETTING_UNIT, 0 },
	{ "DefineCaveat",	METHOD_WRITE,	VETTING_UNIT, 0 },
	{ "ListCaveats",	METHOD_READ,	R(READER) | R(VETTING) | R(HR) |
						R(AUDITOR) | R(ADMIN), 0 },
	{ "Brief",		METHOD_WRITE,	VETTING_UNIT, 0 },
	{ "Debrief",		METHOD_WRITE,	VETTING_UNIT, 0 },
	{ "SetPersonStatus",	METHOD_WRITE,	R(HR) | R(ADMIN), 0 },
	{ "RecordLeaver",	METHOD_WRITE,	R(HR) | R(SYNC) | R(ADMIN), 0 },
	{ "Check",		METHOD_READ,	CHECKERS, 0 },
	{ "BatchCheck",		METHOD_READ,	CHECKERS, 0 },
	{ "CreateToken",	METHOD_WRITE,	R(ADMIN), METHOD_SECRET_REPLY },
	{ "ListTokens",		METHOD_READ,	R(ADMIN), 0 },
	{ "RevokeToken",	METHOD_WRITE,	R(ADMIN), 0 },
	{ "ListAudit",		METHOD_READ,	R(AUDITOR) | R(ADMIN), 0 },
	{ "VerifyAudit",	METHOD_READ,	R(AUDITOR) | R(ADMIN), 0 },
	{ "ImportPeople",	METHOD_WRITE,	VETTING_UNIT, 0 },
	{ "ImportClearances",	METHOD_WRITE,	VETTING_UNIT,
				METHOD_MAY_CHECK_ONLY },
	{ "SyncPeople",		METHOD_WRITE,	R(HR) | R(SYNC) | R(ADMIN), 0 },
	/* Reads the store (a copy on vetd's disk); changes nothing in it. */
	{ "Backup",		METHOD_READ,	R(ADMIN), 0 },
	/* A write: the export is audited in the same transaction. */
	{ "SubjectAccess",	METHOD_WRITE,	R(AUDITOR) | R(ADMIN), 0 },
	{ "RetentionDue",	METHOD_READ,	R(AUDITOR) | R(ADMIN), 0 },
	{ "RetentionPurge",	METHOD_WRITE,	R(ADMIN), 0 },
	{ "ReportDue",		METHOD_READ,	REPORT_READERS, 0 },
	{ "ReportHolders",	METHOD_READ,	REPORT_READERS, 0 },
	{ "ReportSummary",	METHOD_READ,	REPORT_READERS, 0 },
	{ "ReportUnvetted",	METHOD_READ,	REPORT_READERS, 0 },
};

const struct method *
methods_find(const char *name)
{
	for (size_t i = 0; i < sizeof(method_table) / sizeof(method_table[0]);
	    i++)
		if (strcmp(method_table[i].name, name) == 0)
			return &method_table[i];
	return NULL;
}

int
methods_checks_only(const struct method *m, const void *input)
{
	if ((m->flags & METHOD_MAY_CHECK_ONLY) == 0 || input == NULL)
		return 0;
	if (strcmp(m->name, "ImportClearances") == 0)
		return ((const Vet__V1__ImportClearancesRequest *)input)->
		    validate_only;
	return 0;
}
