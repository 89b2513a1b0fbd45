/*
 * methods.c: the method table (see methods.h).
 */
#include <string.h>

#include "methods.h"

static const struct method method_table[] = {
	{ "Health",		METHOD_READ },
	{ "PutPerson",		METHOD_WRITE },
	{ "GetPerson",		METHOD_READ },
	{ "ListPeople",		METHOD_READ },
	{ "GrantClearance",	METHOD_WRITE },
	{ "SetClearanceStatus",	METHOD_WRITE },
	{ "DefineCaveat",	METHOD_WRITE },
	{ "ListCaveats",	METHOD_READ },
	{ "Brief",		METHOD_WRITE },
	{ "Debrief",		METHOD_WRITE },
	{ "SetPersonStatus",	METHOD_WRITE },
	{ "RecordLeaver",	METHOD_WRITE },
	{ "Check",		METHOD_READ },
	{ "BatchCheck",		METHOD_READ },
	{ "CreateToken",	METHOD_WRITE },
	{ "ListTokens",		METHOD_READ },
	{ "RevokeToken",	METHOD_WRITE },
	{ "ListAudit",		METHOD_READ },
	{ "VerifyAudit",	METHOD_READ },
	{ "ImportPeople",	METHOD_WRITE },
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
