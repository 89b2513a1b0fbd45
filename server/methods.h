/*
 * methods.h: the one table that says, for each method of vet.v1.Vetting,
 * whether it reads or writes the store and which roles may call it. A
 * method missing from the table is refused at start-up, so the table and
 * the .proto cannot drift apart; a role not listed is denied (roles 0:
 * denied to all). docs/SECURITY.md shows the same table.
 */
#ifndef VETD_METHODS_H
#define VETD_METHODS_H

#include "roles.h"

enum method_kind {
	METHOD_READ = 1,	/* runs at once on a read snapshot */
	METHOD_WRITE = 2,	/* runs on the writer thread, idempotent by id */
};

struct method {
	const char	*name;	/* as in the service: "Check" */
	enum method_kind kind;
	unsigned	roles;	/* ROLE_BIT(r) for each role that may call it */
	unsigned	flags;	/* METHOD_* below */
};

/* The reply carries a secret (CreateToken's token): it is never kept in
 * the replay store, so a resent request runs again. */
#define METHOD_SECRET_REPLY	0x1

/* A write whose request may ask only to check, writing nothing
 * (ImportClearances' validate_only): see methods_checks_only. */
#define METHOD_MAY_CHECK_ONLY	0x2

/* methods_find returns the entry for a method name, or NULL. */
const struct method *methods_find(const char *name);
/* methods_checks_only: 1 when the unpacked input of method m asks only to
 * check; the request then runs as a read, on a snapshot, beside other
 * reads, instead of waiting for the writer. */
int methods_checks_only(const struct method *m, const void *input);

#endif /* VETD_METHODS_H */
