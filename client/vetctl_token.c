/*
 * vetctl_token.c: the admin's token commands: token create, token list,
 * token revoke. Each parses its arguments completely before it connects.
 * A new token is printed once, alone on stdout (so `> FILE` keeps it),
 * with write(2) rather than stdio so that no buffer keeps a copy; JSON
 * holding it is built with an allocator that zeroes what it frees. Text
 * from vetd is untrusted: output_safe for a terminal, checked UTF-8 for
 * JSON.
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vettime.h"
#include "vetctl.h"

#define ROLES_TEXT	64

/* roles_text writes "hr,sync" for a mask. */
static void
roles_text(unsigned roles, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int r = VET_ROLE_READER; r <= VET_ROLE_ADMIN; r++)
		if ((roles & VET_ROLE_BIT(r)) && used < size)
			used += (size_t)snprintf(buf + used, size - used,
			    "%s%s", used > 0 ? "," : "", vet_role_name(r));
}

/* text: a JSON string, with non-ASCII bytes replaced if not UTF-8. */
static json_t *
text(const char *s)
{
	json_t *v;
	char *copy;

	if ((v = json_string(s != NULL ? s : "")) != NULL)
		return v;
	if ((copy = strdup(s)) == NULL)
		return NULL;
	for (char *p = copy; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	v = json_string(copy);
	free(copy);
	return v;
}

static json_t *
json_time(int64_t t)
{
	char when[32];

	if (t == 0)
		return json_null();
	vettime_format(t, when, sizeof(when));
	return json_string(when);
}

static json_t *
json_token(const vet_token_info *t)
{
	json_t *o, *roles;

	if ((o = json_object()) == NULL)
		return NULL;
	json_set(o, "name", text(t->name));
	if ((roles = json_array()) != NULL)
		for (int r = VET_ROLE_READER; r <= VET_ROLE_ADMIN; r++)
			if (t->roles & VET_ROLE_BIT(r))
				json_append(roles, json_string(
				    vet_role_name(r)));
	json_set(o, "roles", roles);
	json_set(o, "created_at", json_time(t->created_at));
	json_set(o, "last_used_at", json_time(t->last_used_at));
	json_set(o, "created_by", text(t->created_by));
	return o;
}

/* write_all writes n bytes to fd, or returns -1. */
static int
write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* scrub_free: jansson's free while it may hold a token. */
static void
scrub_free(void *p)
{
	if (p == NULL)
		return;
	explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

/* print_new_token writes the token (or JSON holding it) on stdout. */
static int
print_new_token(struct ctl *ctl, const char *token, const vet_token_info *t,
    uint64_t revision)
{
	json_t *o;
	char *s;
	int rv;

	if (!ctl->json) {
		if (write_all(STDOUT_FILENO, token, strlen(token)) != 0 ||
		    write_all(STDOUT_FILENO, "\n", 1) != 0)
			return -1;
		return 0;
	}
	json_set_alloc_funcs(malloc, scrub_free);
	if ((o = json_token(t)) == NULL)
		return -1;
	json_set(o, "token", json_string(token));
	json_set(o, "revision", json_integer((json_int_t)revision));
	s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		return -1;
	rv = write_all(STDOUT_FILENO, s, strlen(s)) != 0 ||
	    write_all(STDOUT_FILENO, "\n", 1) != 0 ? -1 : 0;
	scrub_free(s);
	return rv;
}

int
cmd_token_create(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	struct flag f[] = { { "role", 1, 1, NULL }, { NULL, 0, 0, NULL } };
	vet_token_info *info = NULL;
	char *token = NULL, roles[ROLES_TEXT];
	unsigned mask;
	vet_status st;
	char **pos;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, f, &pos, &npos)) != 0)
		return rv;
	if (vet_roles_parse(flag_value(f, "role"), &mask) != 0)
		return usage_error(cmd, "bad --role '%s' (want one or more of "
		    "reader, vetting, hr, sync, auditor, admin, separated by "
		    "commas)", flag_value(f, "role"));
	if ((rv = ctl_connect(ctl)) != 0)
		return rv;
	if (vet_token_create(ctl->client, pos[0], mask, &token, &info, &st) !=
	    VET_OK)
		return server_error(&st);
	rv = print_new_token(ctl, token, info, st.revision);
	vet_token_free(token);
	if (rv != 0) {
		fprintf(stderr, "vetctl: token %s was created but cannot be "
		    "printed (%s); revoke it: vetctl token revoke %s\n",
		    pos[0], strerror(errno), pos[0]);
		vet_token_info_free(info);
		return EXIT_SERVER;
	}
	roles_text(info->roles, roles, sizeof(roles));
	fprintf(stderr, "vetctl: created token ");
	output_safe(stderr, info->name);
	fprintf(stderr, " with roles %s (revision %" PRIu64 "). It is shown "
	    "only this once: keep it in a file only its user can read "
	    "(chmod 600) and pass it with --token-file.\n", roles,
	    st.revision);
	vet_token_info_free(info);
	return EXIT_OK;
}

int
cmd_token_list(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	vet_token_list *l = NULL;
	char roles[ROLES_TEXT], created[32], used[32];
	vet_status st;
	json_t *a;
	char **pos;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, NULL, &pos, &npos)) != 0 ||
	    (rv = ctl_connect(ctl)) != 0)
		return rv;
	if (vet_token_list_get(ctl->client, &l, &st) != VET_OK)
		return server_error(&st);
	if (ctl->json) {
		if ((a = json_array()) != NULL)
			for (size_t i = 0; i < l->n_tokens; i++)
				json_append(a, json_token(&l->tokens[i]));
		vet_token_list_free(l);
		return output_json(a);
	}
	if (l->n_tokens == 0)
		printf("no tokens\n");
	else
		printf("%-24s %-28s %-20s  %-20s  %s\n", "NAME", "ROLES",
		    "CREATED", "LAST USED", "CREATED BY");
	for (size_t i = 0; i < l->n_tokens; i++) {
		const vet_token_info *t = &l->tokens[i];
		roles_text(t->roles, roles, sizeof(roles));
		vettime_format(t->created_at, created, sizeof(created));
		if (t->last_used_at != 0)
			vettime_format(t->last_used_at, used, sizeof(used));
		else
			snprintf(used, sizeof(used), "never");
		output_safe(stdout, t->name);
		printf("%*s %-28s %-20s  %-20s  ",
		    (int)(strlen(t->name) < 24 ? 24 - strlen(t->name) : 0), "",
		    roles, created, used);
		output_safe(stdout, t->created_by);
		putchar('\n');
	}
	vet_token_list_free(l);
	return EXIT_OK;
}

int
cmd_token_revoke(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	vet_token_info *t = NULL;
	vet_status st;
	json_t *o;
	char **pos;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, NULL, &pos, &npos)) != 0 ||
	    (rv = ctl_connect(ctl)) != 0)
		return rv;
	if (vet_token_revoke(ctl->client, pos[0], &t, &st) != VET_OK)
		return server_error(&st);
	if (ctl->json) {
		if ((o = json_token(t)) != NULL)
			json_set(o, "revision", json_integer(
			    (json_int_t)st.revision));
		vet_token_info_free(t);
		return output_json(o);
	}
	printf("revoked token ");
	output_safe(stdout, t->name);
	printf(" (revision %" PRIu64 "); requests made with it are refused "
	    "from now on\n", st.revision);
	vet_token_info_free(t);
	return EXIT_OK;
}
