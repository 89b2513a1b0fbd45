/*
 * roles.c: role names and lists (see roles.h). Pure functions; the lists
 * come from the config file and from CreateToken, so they are parsed
 * strictly.
 */
#include <stdio.h>
#include <string.h>

#include "roles.h"
#include "vetting.pb-c.h"

_Static_assert((int)ROLE_READER == (int)VET__V1__ROLE__ROLE_READER &&
    (int)ROLE_VETTING == (int)VET__V1__ROLE__ROLE_VETTING &&
    (int)ROLE_HR == (int)VET__V1__ROLE__ROLE_HR &&
    (int)ROLE_SYNC == (int)VET__V1__ROLE__ROLE_SYNC &&
    (int)ROLE_AUDITOR == (int)VET__V1__ROLE__ROLE_AUDITOR &&
    (int)ROLE_ADMIN == (int)VET__V1__ROLE__ROLE_ADMIN,
    "enum role must match vet.v1.Role");

static const char *const role_names[] = {
	[ROLE_READER] = "reader",
	[ROLE_VETTING] = "vetting",
	[ROLE_HR] = "hr",
	[ROLE_SYNC] = "sync",
	[ROLE_AUDITOR] = "auditor",
	[ROLE_ADMIN] = "admin",
};

const char *
role_name(int role)
{
	if (role < ROLE_FIRST || role > ROLE_LAST)
		return NULL;
	return role_names[role];
}

int
role_parse(const char *name)
{
	for (int r = ROLE_FIRST; r <= ROLE_LAST; r++)
		if (strcmp(role_names[r], name) == 0)
			return r;
	return -1;
}

int
roles_parse(const char *list, unsigned *out, char *err, size_t errsz)
{
	unsigned roles = 0;
	const char *p = list;

	while (*p != '\0') {
		char word[16];
		size_t len;
		int r;

		while (*p == ' ' || *p == '\t')
			p++;
		len = strcspn(p, ", \t");
		if (len == 0 && *p == ',') {
			snprintf(err, errsz, "empty role in \"%s\"", list);
			return -1;
		}
		if (len >= sizeof(word)) {
			snprintf(err, errsz, "unknown role \"%.*s\" (roles: "
			    "reader, vetting, hr, sync, auditor, admin)",
			    len > 32 ? 32 : (int)len, p);
			return -1;
		}
		memcpy(word, p, len);
		word[len] = '\0';
		p += len;
		if (len > 0) {
			if ((r = role_parse(word)) < 0) {
				snprintf(err, errsz, "unknown role \"%s\" "
				    "(roles: reader, vetting, hr, sync, "
				    "auditor, admin)", word);
				return -1;
			}
			roles |= ROLE_BIT(r);
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == ',') {
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '\0') {
				snprintf(err, errsz, "empty role at the end of "
				    "\"%s\"", list);
				return -1;
			}
		} else if (*p != '\0') {
			snprintf(err, errsz, "roles must be separated by "
			    "commas: \"%s\"", list);
			return -1;
		}
	}
	if (roles == 0) {
		snprintf(err, errsz, "no role given (roles: reader, vetting, "
		    "hr, sync, auditor, admin)");
		return -1;
	}
	*out = roles;
	return 0;
}

void
roles_format(unsigned roles, char *buf, size_t size)
{
	size_t used = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (int r = ROLE_FIRST; r <= ROLE_LAST; r++) {
		if ((roles & ROLE_BIT(r)) == 0)
			continue;
		int n = snprintf(buf + used, size - used, "%s%s",
		    used > 0 ? ", " : "", role_names[r]);
		if (n < 0 || (size_t)n >= size - used)
			return;		/* truncated, still terminated */
		used += (size_t)n;
	}
	if (used == 0)
		snprintf(buf, size, "none");
}
