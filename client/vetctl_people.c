/*
 * vetctl_people.c: the commands of HR and of applications: health,
 * person put/show/list/suspend/reinstate, leaver, check. Each parses its
 * arguments completely before it connects.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vettime.h"
#include "vetctl.h"

#define LIST_PAGE_MAX	1000		/* ListPeople's largest page */

int
cmd_health(struct ctl *ctl, const struct command *cmd, int argc, char **argv)
{
	vet_health_info h;
	vet_status st;
	char **pos;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, NULL, &pos, &npos)) != 0 ||
	    (rv = ctl_connect(ctl)) != 0)
		return rv;
	if (vet_health(ctl->client, &h, &st) != VET_OK)
		return server_error(&st);
	if (ctl->json)
		rv = output_json(json_health(&h));
	else
		print_health(stdout, &h);
	if (rv == EXIT_OK && strcmp(h.status, "SERVING") != 0) {
		fprintf(stderr, "vetctl: vetd is not serving\n");
		rv = EXIT_SERVER;
	}
	return rv;
}

int
cmd_person_put(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	struct flag f[] = { { "name", 1, 1, NULL }, { "email", 1, 0, NULL },
	    { "org-unit", 1, 0, NULL }, { "nationality", 1, 0, NULL },
	    { NULL, 0, 0, NULL } };
	vet_person_spec spec = { 0 };
	vet_person *p = NULL;
	vet_status st;
	char **pos;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, f, &pos, &npos)) != 0 ||
	    (rv = ctl_connect(ctl)) != 0)
		return rv;
	spec.id = pos[0];
	spec.display_name = flag_value(f, "name");
	spec.email = flag_value(f, "email");
	spec.org_unit = flag_value(f, "org-unit");
	spec.nationality = flag_value(f, "nationality");
	spec.source = VET_SOURCE_MANUAL;
	if (vet_person_put(ctl->client, &spec, &p, &st) != VET_OK)
		return server_error(&st);
	return show_person(ctl, "saved person", p, &st);
}

int
cmd_person_show(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	vet_person *p = NULL;
	vet_status st;
	char **pos;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, NULL, &pos, &npos)) != 0 ||
	    (rv = ctl_connect(ctl)) != 0)
		return rv;
	if (vet_person_get(ctl->client, pos[0], &p, &st) != VET_OK)
		return server_error(&st);
	return show_person(ctl, NULL, p, &st);
}

static int
person_status_parse(const struct command *cmd, const char *s,
    vet_person_status *out)
{
	*out = VET_PERSON_ANY;
	if (s == NULL)
		return 0;
	if (strcasecmp(s, "active") == 0)
		*out = VET_PERSON_ACTIVE;
	else if (strcasecmp(s, "suspended") == 0)
		*out = VET_PERSON_SUSPENDED;
	else if (strcasecmp(s, "leaver") == 0)
		*out = VET_PERSON_LEAVER;
	else
		return usage_error(cmd, "bad --status '%s' (want active, "
		    "suspended or leaver)", s);
	return 0;
}

/* cmd_person_list pages through every person, or the first --limit. */
int
cmd_person_list(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	struct flag f[] = { { "status", 1, 0, NULL }, { "limit", 1, 0, NULL },
	    { NULL, 0, 0, NULL } };
	vet_person_status status;
	vet_person_page *page = NULL;
	vet_status st = { 0 };
	json_t *out = NULL, *people = NULL;
	char *token = NULL, *next;
	uint64_t limit = 0, left, count = 0;
	unsigned size;
	size_t n;
	char **pos;
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, f, &pos, &npos)) != 0 ||
	    (rv = person_status_parse(cmd, flag_value(f, "status"),
	    &status)) != 0)
		return rv;
	if (flag_value(f, "limit") != NULL && parse_u64(flag_value(f,
	    "limit"), 1, UINT32_MAX, &limit) != 0)
		return usage_error(cmd, "bad --limit '%s' (want a number "
		    "from 1)", flag_value(f, "limit"));
	if ((rv = ctl_connect(ctl)) != 0)
		return rv;
	if (ctl->json && ((out = json_object()) == NULL ||
	    (people = json_array()) == NULL)) {
		json_decref(out);
		return out_of_memory();
	}
	do {
		left = limit > 0 ? limit - count : LIST_PAGE_MAX;
		size = left < LIST_PAGE_MAX ? (unsigned)left : LIST_PAGE_MAX;
		if (vet_person_list(ctl->client, status, size, token, &page,
		    &st) != VET_OK) {
			rv = server_error(&st);
			goto done;
		}
		n = page->n_people < left ? page->n_people : (size_t)left;
		for (size_t i = 0; i < n && ctl->json; i++)
			json_append(people, json_person(&page->people[i]));
		if (!ctl->json && (count == 0 || n > 0))
			print_people(stdout, page->people, n, count == 0);
		count += n;
		next = page->next_page_token;
		if (*next != '\0' && token != NULL && strcmp(next,
		    token) == 0) {
			fprintf(stderr, "vetctl: vetd sent the same page "
			    "twice; stopping\n");
			rv = EXIT_SERVER;
			goto done;
		}
		free(token);
		token = NULL;
		if (*next != '\0' && (token = strdup(next)) == NULL) {
			rv = out_of_memory();
			goto done;
		}
		vet_person_page_free(page);
		page = NULL;
	} while (token != NULL && (limit == 0 || count < limit));

	if (ctl->json) {
		json_set(out, "people", people);
		people = NULL;
		json_set(out, "revision", json_integer((json_int_t)
		    st.revision));
		rv = output_json(out);
		out = NULL;
	} else
		printf("(%" PRIu64 " %s)\n", count, count == 1 ? "person" :
		    "people");
done:
	vet_person_page_free(page);
	free(token);
	json_decref(people);
	json_decref(out);
	return rv;
}

/* scheduled_text: "scheduled a leaver on 2027-01-01T00:00:00Z for". */
static void
scheduled_text(char *buf, size_t size, const char *what, int64_t at)
{
	char when[32];

	vettime_format(at, when, sizeof(when));
	snprintf(buf, size, "scheduled %s on %s for", what, when);
}

int
cmd_person_status(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	struct flag f[] = { { "reason", 1, 1, NULL },
	    { "effective", 1, 0, NULL }, { NULL, 0, 0, NULL } };
	int suspend = strcmp(cmd->name, "person suspend") == 0;
	vet_person *p = NULL;
	vet_status st;
	int64_t effective;
	char **pos, done[96];
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, f, &pos, &npos)) != 0 ||
	    (rv = date_parse(cmd, "effective", flag_value(f, "effective"),
	    &effective)) != 0 ||
	    (rv = ctl_connect(ctl)) != 0)
		return rv;
	if (vet_person_set_status_at(ctl->client, pos[0], suspend ?
	    VET_ACTION_SUSPEND : VET_ACTION_REINSTATE, flag_value(f, "reason"),
	    effective, &p, &st) != VET_OK)
		return server_error(&st);
	if (effective != 0)
		scheduled_text(done, sizeof(done), suspend ? "a suspension" :
		    "a reinstatement", effective);
	return show_person(ctl, effective != 0 ? done : suspend ?
	    "suspended person" : "reinstated person", p, &st);
}


int
cmd_leaver(struct ctl *ctl, const struct command *cmd, int argc, char **argv)
{
	struct flag f[] = { { "reason", 1, 1, NULL },
	    { "effective", 1, 0, NULL }, { NULL, 0, 0, NULL } };
	vet_person *p = NULL;
	vet_status st;
	int64_t effective;
	char **pos, done[96];
	int npos, rv;

	if ((rv = args_parse(cmd, argc, argv, f, &pos, &npos)) != 0 ||
	    (rv = date_parse(cmd, "effective", flag_value(f, "effective"),
	    &effective)) != 0 ||
	    (rv = ctl_connect(ctl)) != 0)
		return rv;
	if (vet_leaver_at(ctl->client, pos[0], flag_value(f, "reason"),
	    effective, &p, &st) != VET_OK)
		return server_error(&st);
	if (effective != 0)
		scheduled_text(done, sizeof(done), "a leaver", effective);
	return show_person(ctl, effective != 0 ? done :
	    "recorded as a leaver:", p, &st);
}

/*
 * cmd_check: exit 0 for ALLOW, 1 for DENY (also when vetd sent a DENY
 * beside an error status), 3 when no decision came at all.
 */
int
cmd_check(struct ctl *ctl, const struct command *cmd, int argc, char **argv)
{
	struct flag f[] = { { "at", 1, 0, NULL }, { NULL, 0, 0, NULL } };
	vet_check_request req = { 0 };
	vet_decision d;
	vet_status st;
	char **pos;
	int npos, rv, code;

	if ((rv = args_parse(cmd, argc, argv, f, &pos, &npos)) != 0 ||
	    (rv = date_parse(cmd, "at", flag_value(f, "at"), &req.at)) != 0)
		return rv;
	if ((rv = ctl_connect(ctl)) != 0)
		return rv;
	req.person_id = pos[0];
	req.marking = pos[1];
	req.n_caveats = (size_t)(npos - 2);
	req.caveats = (const char *const *)(pos + 2);
	code = vet_check(ctl->client, &req, &d, &st);
	/* libvet marks a fail-closed DENY made without a decision. */
	if (code != VET_OK && strcmp(d.reason_name, "NO_ANSWER") == 0)
		return server_error(&st);
	if (ctl->json)
		rv = output_json(json_decision(&d));
	else
		print_decision(stdout, &d);
	if (code != VET_OK)
		output_error(&st);
	if (rv != EXIT_OK)
		return rv;
	return code == VET_OK && d.effect == VET_ALLOW ? EXIT_OK : EXIT_DENY;
}
