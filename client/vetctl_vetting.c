/*
 * vetctl_vetting.c: the vetting unit's commands: clearance
 * grant/suspend/reinstate/withdraw, caveat define/list, brief, debrief.
 * Each parses its arguments completely before it connects.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vettime.h"
#include "vetctl.h"

int
cmd_clearance_grant(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	struct flag f[] = { { "review-due", 1, 1, NULL },
	    { "granted", 1, 0, NULL }, { "authority", 1, 0, NULL },
	    { "reference", 1, 0, NULL }, { NULL, 0, 0, NULL } };
	vet_grant_spec spec = { 0 };
	vet_person *p = NULL;
	vet_status st;
	char **pos;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, f, &pos, &npos)) != 0 ||
	    (rv = date_parse(cmd, "review-due", flag_value(f, "review-due"),
	    &spec.review_due)) != 0 ||
	    (rv = date_parse(cmd, "granted", flag_value(f, "granted"),
	    &spec.granted_at)) != 0 ||
	    (rv = ctl_connect(ctl)) != 0)
		return rv;
	spec.person_id = pos[0];
	spec.scheme = pos[1];
	spec.level = pos[2];
	spec.authority = flag_value(f, "authority");
	spec.reference = flag_value(f, "reference");
	if (vet_clearance_grant(ctl->client, &spec, &p, &st) != VET_OK)
		return server_error(&st);
	return show_person(ctl, "granted a clearance to", p, &st);
}

int
cmd_clearance_status(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	struct flag f[] = { { "reason", 1, 1, NULL }, { NULL, 0, 0, NULL } };
	const char *verb = strchr(cmd->name, ' ') + 1;
	vet_action action;
	vet_person *p = NULL;
	vet_status st;
	char **pos, done[64];
	int npos, rv;

	if (strcmp(verb, "suspend") == 0)
		action = VET_ACTION_SUSPEND;
	else if (strcmp(verb, "reinstate") == 0)
		action = VET_ACTION_REINSTATE;
	else
		action = VET_ACTION_WITHDRAW;
	if ((rv = args_parse(cmd, argc, argv, f, &pos, &npos)) != 0 ||
	    (rv = ctl_connect(ctl)) != 0)
		return rv;
	if (vet_clearance_set_status(ctl->client, pos[0], pos[1], action,
	    flag_value(f, "reason"), &p, &st) != VET_OK)
		return server_error(&st);
	snprintf(done, sizeof(done), "%s clearance of", action ==
	    VET_ACTION_SUSPEND ? "suspended" : action == VET_ACTION_REINSTATE ?
	    "reinstated" : "withdrew");
	return show_person(ctl, done, p, &st);
}

/* nationalities_split splits "GB,US" in place; *out points into s. */
static int
nationalities_split(const struct command *cmd, char *s, const char ***out,
    size_t *n)
{
	const char **list;
	size_t count = 1;
	char *p, *tok;

	for (p = s; *p != '\0'; p++)
		if (*p == ',')
			count++;
	if ((list = calloc(count, sizeof(*list))) == NULL)
		return out_of_memory();
	*n = 0;
	for (p = s; (tok = strsep(&p, ",")) != NULL; ) {
		if (*tok == '\0') {
			free(list);
			return usage_error(cmd, "empty country code in "
			    "--national");
		}
		list[(*n)++] = tok;
	}
	*out = list;
	return 0;
}

int
cmd_caveat_define(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	struct flag f[] = { { "compartment", 0, 0, NULL },
	    { "min-level", 1, 0, NULL }, { "national", 1, 0, NULL },
	    { NULL, 0, 0, NULL } };
	vet_caveat_spec spec = { 0 };
	vet_caveat_list *l = NULL;
	const char **nat = NULL, *min;
	char *scheme = NULL, *level, *national = NULL;
	vet_status st;
	char **pos;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, f, &pos, &npos)) != 0)
		return rv;
	min = flag_value(f, "min-level");
	if ((flag_value(f, "compartment") != NULL) ==
	    (flag_value(f, "national") != NULL))
		return usage_error(cmd, "give one of --compartment and "
		    "--national");
	if (min != NULL && flag_value(f, "compartment") == NULL)
		return usage_error(cmd, "--min-level goes with --compartment");
	spec.name = pos[0];
	if (flag_value(f, "compartment") != NULL) {
		spec.kind = VET_CAVEAT_COMPARTMENT;
		if (min != NULL) {
			if ((scheme = strdup(min)) == NULL) {
				rv = out_of_memory();
				goto done;
			}
			level = strchr(scheme, ':');
			if (level == NULL || level == scheme ||
			    level[1] == '\0') {
				rv = usage_error(cmd, "bad --min-level '%s' "
				    "(want SCHEME:LEVEL, e.g. nsv:SC)", min);
				goto done;
			}
			*level++ = '\0';
			spec.min_scheme = scheme;
			spec.min_level = level;
		}
	} else {
		spec.kind = VET_CAVEAT_NATIONAL;
		if ((national = strdup(flag_value(f, "national"))) == NULL) {
			rv = out_of_memory();
			goto done;
		}
		if ((rv = nationalities_split(cmd, national, &nat,
		    &spec.n_nationalities)) != 0)
			goto done;
		spec.nationalities = nat;
	}
	if ((rv = ctl_connect(ctl)) != 0)
		goto done;
	if (vet_caveat_define(ctl->client, &spec, &l, &st) != VET_OK) {
		rv = server_error(&st);
		goto done;
	}
	if (ctl->json) {
		json_t *o = l->n_caveats > 0 ? json_caveat(&l->caveats[0]) :
		    json_object();

		if (o != NULL)
			json_set(o, "revision", json_integer((json_int_t)
			    st.revision));
		rv = output_json(o);
	} else {
		fputs("defined caveat ", stdout);
		output_safe(stdout, pos[0]);
		printf(" (revision %" PRIu64 ")\n\n", st.revision);
		print_caveats(stdout, l->caveats, l->n_caveats);
	}
done:
	vet_caveat_list_free(l);
	free(nat);
	free(national);
	free(scheme);
	return rv;
}

int
cmd_caveat_list(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	vet_caveat_list *l = NULL;
	vet_status st;
	json_t *o, *a;
	char **pos;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, NULL, &pos, &npos)) != 0 ||
	    (rv = ctl_connect(ctl)) != 0)
		return rv;
	if (vet_caveat_list_get(ctl->client, &l, &st) != VET_OK)
		return server_error(&st);
	if (ctl->json) {
		if ((o = json_object()) != NULL) {
			if ((a = json_array()) != NULL)
				for (size_t i = 0; i < l->n_caveats; i++)
					json_append(a, json_caveat(
					    &l->caveats[i]));
			json_set(o, "caveats", a);
			json_set(o, "revision", json_integer((json_int_t)
			    st.revision));
		}
		rv = output_json(o);
	} else
		print_caveats(stdout, l->caveats, l->n_caveats);
	vet_caveat_list_free(l);
	return rv;
}

int
cmd_brief(struct ctl *ctl, const struct command *cmd, int argc, char **argv)
{
	struct flag f[] = { { "expires", 1, 0, NULL }, { NULL, 0, 0, NULL } };
	vet_person *p = NULL;
	vet_status st;
	int64_t expires;
	char **pos;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, f, &pos, &npos)) != 0 ||
	    (rv = date_parse(cmd, "expires", flag_value(f, "expires"),
	    &expires)) != 0 ||
	    (rv = ctl_connect(ctl)) != 0)
		return rv;
	if (vet_brief(ctl->client, pos[0], pos[1], expires, &p, &st) !=
	    VET_OK)
		return server_error(&st);
	return show_person(ctl, "briefed", p, &st);
}

int
cmd_debrief(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	struct flag f[] = { { "reason", 1, 1, NULL }, { NULL, 0, 0, NULL } };
	vet_person *p = NULL;
	vet_status st;
	char **pos;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, f, &pos, &npos)) != 0 ||
	    (rv = ctl_connect(ctl)) != 0)
		return rv;
	if (vet_debrief(ctl->client, pos[0], pos[1], flag_value(f, "reason"),
	    &p, &st) != VET_OK)
		return server_error(&st);
	return show_person(ctl, "debriefed", p, &st);
}
