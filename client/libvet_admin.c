/*
 * libvet_admin.c: API token management (vet_token_*, see <vet/vet.h>).
 * The token vetd returns from CreateToken is a secret: libvet copies it
 * once into memory it hands to the caller, zeroes the decoded reply's copy
 * before freeing it, and vet_token_free zeroes the caller's. Answers are
 * untrusted: roles outside the known set are dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "status.h"
#include "libvet_internal.h"

#define TOKEN_FILE_MAX	1024		/* bytes in a token file */
#define ROLE_FIRST	VET_ROLE_READER
#define ROLE_LAST	VET_ROLE_ADMIN
#define ROLES_VALID	(VET_ROLE_BIT(VET_ROLE_READER) | \
			 VET_ROLE_BIT(VET_ROLE_VETTING) | \
			 VET_ROLE_BIT(VET_ROLE_HR) | \
			 VET_ROLE_BIT(VET_ROLE_SYNC) | \
			 VET_ROLE_BIT(VET_ROLE_AUDITOR) | \
			 VET_ROLE_BIT(VET_ROLE_ADMIN))

static const char *const role_names[] = {
	[VET_ROLE_READER] = "reader",
	[VET_ROLE_VETTING] = "vetting",
	[VET_ROLE_HR] = "hr",
	[VET_ROLE_SYNC] = "sync",
	[VET_ROLE_AUDITOR] = "auditor",
	[VET_ROLE_ADMIN] = "admin",
};

const char *
vet_role_name(int role)
{
	if (role < ROLE_FIRST || role > ROLE_LAST)
		return NULL;
	return role_names[role];
}

int
vet_roles_parse(const char *list, unsigned *out)
{
	unsigned roles = 0;
	const char *p = list;

	if (list == NULL || out == NULL)
		return -1;
	for (;;) {
		size_t len = strcspn(p, ",");
		int found = 0;

		for (int r = ROLE_FIRST; r <= ROLE_LAST; r++)
			if (strlen(role_names[r]) == len &&
			    strncmp(role_names[r], p, len) == 0) {
				roles |= VET_ROLE_BIT(r);
				found = 1;
			}
		if (!found)
			return -1;	/* unknown, or empty */
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	*out = roles;
	return 0;
}

static void
info_clear(vet_token_info *t)
{
	free(t->name);
	free(t->created_by);
	memset(t, 0, sizeof(*t));
}

void
vet_token_info_free(vet_token_info *t)
{
	if (t == NULL)
		return;
	info_clear(t);
	free(t);
}

void
vet_token_list_free(vet_token_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n_tokens; i++)
		info_clear(&l->tokens[i]);
	free(l->tokens);
	free(l);
}

void
vet_token_free(char *token)
{
	if (token == NULL)
		return;
	explicit_bzero(token, strlen(token));
	free(token);
}

/* info_from_wire fills a zeroed *t; -1 on allocation failure. */
static int
info_from_wire(const Vet__V1__TokenInfo *w, vet_token_info *t)
{
	if ((t->name = str_dup(w->name)) == NULL ||
	    (t->created_by = str_dup(w->created_by)) == NULL) {
		info_clear(t);
		return -1;
	}
	for (size_t i = 0; i < w->n_roles; i++)
		if ((int)w->roles[i] >= ROLE_FIRST &&
		    (int)w->roles[i] <= ROLE_LAST)
			t->roles |= VET_ROLE_BIT(w->roles[i]);
	t->created_at = w->created_at;
	t->last_used_at = w->last_used_at;
	return 0;
}

/* info_give converts w into a new *out (if out is wanted). */
static int
info_give(const Vet__V1__TokenInfo *w, const char *method,
    vet_token_info **out, vet_status *st)
{
	vet_token_info *t;

	if (out == NULL)
		return VET_OK;
	if (w == NULL)
		return status_set(st, VET_INTERNAL, st->revision,
		    "vetd sent no token in its %s answer", method);
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    info_from_wire(w, t) != 0) {
		free(t);
		return status_oom(st);
	}
	*out = t;
	return VET_OK;
}

int
vet_token_create(vet_client *c, const char *name, unsigned roles,
    char **token_out, vet_token_info **info_out, vet_status *st)
{
	Vet__V1__CreateTokenRequest req = VET__V1__CREATE_TOKEN_REQUEST__INIT;
	Vet__V1__CreateTokenResponse *resp;
	Vet__V1__Role list[ROLE_LAST];
	ProtobufCMessage *m = NULL;
	vet_token_info *info = NULL;
	char *token = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (token_out == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no place for the token");
	if (roles == 0 || (roles & ~ROLES_VALID) != 0)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "roles must be a non-empty set of VET_ROLE_BIT values");
	req.name = str_or_empty(name);
	for (int r = ROLE_FIRST; r <= ROLE_LAST; r++)
		if (roles & VET_ROLE_BIT(r))
			list[req.n_roles++] = (Vet__V1__Role)r;
	req.roles = list;
	if (client_call_flags(c, "CreateToken", &req.base, &m,
	    CLIENT_SECRET_REPLY, st) != VET_OK)
		goto done;
	resp = (Vet__V1__CreateTokenResponse *)m;
	if (resp->token == NULL || resp->token[0] == '\0') {
		status_set(st, VET_INTERNAL, st->revision,
		    "vetd sent no token in its CreateToken answer");
		goto done;
	}
	if ((token = strdup(resp->token)) == NULL) {
		status_oom(st);
		goto done;
	}
	if (info_give(resp->info, "CreateToken", info_out != NULL ? &info :
	    NULL, st) != VET_OK)
		goto done;
	*token_out = token;
	token = NULL;
	if (info_out != NULL)
		*info_out = info;
	info = NULL;
done:
	if (m != NULL) {
		resp = (Vet__V1__CreateTokenResponse *)m;
		if (resp->token != NULL)
			explicit_bzero(resp->token, strlen(resp->token));
		protobuf_c_message_free_unpacked(m, NULL);
	}
	vet_token_free(token);
	vet_token_info_free(info);
	return st->code;
}

int
vet_token_list_get(vet_client *c, vet_token_list **out, vet_status *st)
{
	Vet__V1__ListTokensRequest req = VET__V1__LIST_TOKENS_REQUEST__INIT;
	Vet__V1__ListTokensResponse *resp;
	ProtobufCMessage *m = NULL;
	vet_token_list *l = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	if (out == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no place for the answer");
	if (client_call(c, "ListTokens", &req.base, &m, st) != VET_OK)
		goto done;
	resp = (Vet__V1__ListTokensResponse *)m;
	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (resp->n_tokens > 0 && (l->tokens = calloc(resp->n_tokens,
	    sizeof(*l->tokens))) == NULL)) {
		status_oom(st);
		goto done;
	}
	for (; l->n_tokens < resp->n_tokens; l->n_tokens++)
		if (info_from_wire(resp->tokens[l->n_tokens],
		    &l->tokens[l->n_tokens]) != 0) {
			status_oom(st);
			goto done;
		}
	*out = l;
	l = NULL;
done:
	vet_token_list_free(l);
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}

int
vet_token_revoke(vet_client *c, const char *name, vet_token_info **out,
    vet_status *st)
{
	Vet__V1__RevokeTokenRequest req = VET__V1__REVOKE_TOKEN_REQUEST__INIT;
	ProtobufCMessage *m = NULL;
	vet_status local;

	if (st == NULL)
		st = &local;
	req.name = str_or_empty(name);
	if (client_call(c, "RevokeToken", &req.base, &m, st) == VET_OK)
		info_give(((Vet__V1__RevokeTokenResponse *)m)->info,
		    "RevokeToken", out, st);
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	return st->code;
}

/*
 * token_read reads a token file only its owner may read. O_NONBLOCK
 * keeps a FIFO from blocking the open; fstat then refuses it.
 */
static int
token_read(const char *path, char **out, vet_status *st)
{
	char buf[TOKEN_FILE_MAX + 1];
	struct stat sb;
	size_t len = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "cannot open token file %s: %s", path, strerror(errno));
	if (fstat(fd, &sb) == -1) {
		status_set(st, VET_INVALID_ARGUMENT, 0, "cannot stat token "
		    "file %s: %s", path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(sb.st_mode)) {
		status_set(st, VET_INVALID_ARGUMENT, 0, "token file %s is not "
		    "a regular file", path);
		goto done;
	}
	if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		status_set(st, VET_INVALID_ARGUMENT, 0, "token file %s is open "
		    "to group or others (mode %04o); refusing it: chmod 600 %s",
		    path, (unsigned)(sb.st_mode & 07777), path);
		goto done;
	}
	while (len < sizeof(buf)) {
		if ((n = read(fd, buf + len, sizeof(buf) - len)) == -1) {
			if (errno == EINTR)
				continue;
			status_set(st, VET_INVALID_ARGUMENT, 0, "cannot read "
			    "token file %s: %s", path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len == sizeof(buf)) {
		status_set(st, VET_INVALID_ARGUMENT, 0, "token file %s is "
		    "longer than %d bytes", path, TOKEN_FILE_MAX);
		goto done;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len == 0 || memchr(buf, '\0', len) != NULL ||
	    memchr(buf, '\n', len) != NULL) {
		status_set(st, VET_INVALID_ARGUMENT, 0, "token file %s is %s",
		    path, len == 0 ? "empty" : "not one line of text");
		goto done;
	}
	if ((*out = strndup(buf, len)) == NULL) {
		status_oom(st);
		goto done;
	}
	status_set(st, VET_OK, 0, "%s", "");
done:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return st->code;
}

int
vet_token_load(const char *file, char **out, vet_status *st)
{
	vet_status local;
	const char *env;

	if (st == NULL)
		st = &local;
	if (out == NULL)
		return status_set(st, VET_INVALID_ARGUMENT, 0,
		    "no place for the token");
	*out = NULL;
	if (file == NULL && (env = getenv("VET_TOKEN_FILE")) != NULL &&
	    *env != '\0')
		file = env;
	if (file != NULL)
		return token_read(file, out, st);
	if ((env = getenv("VET_TOKEN")) != NULL && *env != '\0' &&
	    (*out = strdup(env)) == NULL)
		return status_oom(st);
	return status_set(st, VET_OK, 0, "%s", "");
}
