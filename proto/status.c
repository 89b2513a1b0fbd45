/*
 * status.c: names of gRPC's canonical status codes.
 */
#include <string.h>

#include "status.h"

static const char *const status_names[] = {
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
	"NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
	"RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
	"UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
	"UNAUTHENTICATED",
};

#define N_STATUS (sizeof(status_names) / sizeof(status_names[0]))

const char *
status_name(int code)
{
	if (code < 0 || (size_t)code >= N_STATUS)
		return "UNKNOWN";
	return status_names[code];
}

int
status_from_name(const char *name)
{
	for (size_t i = 0; i < N_STATUS; i++)
		if (strcmp(name, status_names[i]) == 0)
			return (int)i;
	return -1;
}
