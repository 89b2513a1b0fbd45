/*
 * roles.h: the roles a principal may hold. The values are those of
 * vet.v1.Role (vetting.proto), so a role travels as itself on the wire
 * and a set of roles is a bitmask of ROLE_BIT(role).
 */
#ifndef VETD_ROLES_H
#define VETD_ROLES_H

#include <stddef.h>

enum role {
	ROLE_READER = 1,	/* Check, BatchCheck, Health */
	ROLE_VETTING = 2,	/* clearances, caveats, briefings; read people */
	ROLE_HR = 3,		/* people, person status, leavers */
	ROLE_SYNC = 4,		/* directory-sourced people and leavers only */
	ROLE_AUDITOR = 5,	/* read everything: people, audit, reports */
	ROLE_ADMIN = 6,		/* tokens and everything else */
};

#define ROLE_FIRST	ROLE_READER
#define ROLE_LAST	ROLE_ADMIN
#define ROLE_BIT(r)	(1u << (r))
#define ROLES_VALID	(ROLE_BIT(ROLE_READER) | ROLE_BIT(ROLE_VETTING) | \
			 ROLE_BIT(ROLE_HR) | ROLE_BIT(ROLE_SYNC) | \
			 ROLE_BIT(ROLE_AUDITOR) | ROLE_BIT(ROLE_ADMIN))

/* role_name: "reader" ... "admin"; NULL for a value that is no role. */
const char *role_name(int role);
/* role_parse: the role named (lower case, exactly), or -1. */
int role_parse(const char *name);
/*
 * roles_parse reads a list such as "hr, sync" (commas, optional blanks)
 * into a bitmask. Returns 0, or -1 with a sentence in err for an empty
 * list or an unknown role (named).
 */
int roles_parse(const char *list, unsigned *out, char *err, size_t errsz);
/* roles_format writes "hr, sync" (role order; "none" for 0) into buf. */
void roles_format(unsigned roles, char *buf, size_t size);

#endif /* VETD_ROLES_H */
