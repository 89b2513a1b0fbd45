/*
 * status.h: gRPC's canonical status codes, with their numbers, as used in
 * vet.v1.Status on the wire and as the return value of every vetd function
 * that can fail. Shared by vetd, libvet, vetctl and vetsync.
 */
#ifndef VET_STATUS_H
#define VET_STATUS_H

enum status_code {
	STATUS_OK = 0,
	STATUS_CANCELLED = 1,
	STATUS_UNKNOWN = 2,
	STATUS_INVALID_ARGUMENT = 3,
	STATUS_DEADLINE_EXCEEDED = 4,
	STATUS_NOT_FOUND = 5,
	STATUS_ALREADY_EXISTS = 6,
	STATUS_PERMISSION_DENIED = 7,
	STATUS_RESOURCE_EXHAUSTED = 8,
	STATUS_FAILED_PRECONDITION = 9,
	STATUS_ABORTED = 10,
	STATUS_OUT_OF_RANGE = 11,
	STATUS_UNIMPLEMENTED = 12,
	STATUS_INTERNAL = 13,
	STATUS_UNAVAILABLE = 14,
	STATUS_DATA_LOSS = 15,
	STATUS_UNAUTHENTICATED = 16,
};

/* status_name returns "INVALID_ARGUMENT" etc., or "UNKNOWN" out of range. */
const char *status_name(int code);

/* status_from_name returns the code for a name, or -1. */
int status_from_name(const char *name);

#endif /* VET_STATUS_H */
