/*
 * register_helpers.c: see register_helpers.h.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "register_helpers.h"

char workdir[256];
vet_client *client;
char out[256 * 1024], err[2 * 1024 * 1024];

int
vetctl_argv(const char *url, const char **args)
{
	const char *argv[32];
	size_t n = 0;

	argv[n++] = test_bin("VETCTL_BIN");
	argv[n++] = "-s";
	argv[n++] = url;
	for (size_t i = 0; args[i] != NULL && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return run_cmd(argv, out, sizeof(out), err, sizeof(err));
}

/* path_of: a file in vetd's temporary directory (removed with it). */
const char *
path_of(const char *name)
{
	static char paths[8][512];
	static int next;
	char *p = paths[next++ % 8];

	snprintf(p, 512, "%s/%s", workdir, name);
	return p;
}

/* starts_with: text begins with want (the rest is vetctl's summary). */
void
starts_with(const char *text, const char *want)
{
	cr_assert(strncmp(text, want, strlen(want)) == 0, "got:\n%s\nwant:\n%s",
	    text, want);
}

const char *
write_file(const char *name, const char *text)
{
	const char *path = path_of(name);
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	cr_assert_eq(fclose(f), 0);
	return path;
}

char *
read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	cr_assert_not_null(f, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

struct state
state_now(void)
{
	vet_audit_query q = { .limit = 1 };
	vet_audit_page *page = NULL;
	vet_health_info h;
	vet_status st;
	struct state s;

	cr_assert_eq(vet_health(client, &h, &st), VET_OK, "%s", st.message);
	cr_assert_eq(vet_audit_list(client, &q, &page, &st), VET_OK, "%s",
	    st.message);
	s.revision = h.revision;
	s.audit_seq = page->last_seq;
	vet_audit_page_free(page);
	return s;
}

void
expect_same_state(struct state before)
{
	struct state now = state_now();

	cr_assert_eq(now.revision, before.revision, "revision %llu -> %llu: "
	    "something was written", (unsigned long long)before.revision,
	    (unsigned long long)now.revision);
	cr_assert_eq(now.audit_seq, before.audit_seq, "audit %llu -> %llu",
	    (unsigned long long)before.audit_seq,
	    (unsigned long long)now.audit_seq);
}

vet_person *
get(const char *id)
{
	vet_person *p = NULL;
	vet_status st;

	cr_assert_eq(vet_person_get(client, id, &p, &st), VET_OK, "%s: %s", id,
	    st.message);
	return p;
}

const vet_clearance *
clearance_of(const vet_person *p, const char *scheme)
{
	for (size_t i = 0; i < p->n_clearances; i++)
		if (strcmp(p->clearances[i].scheme, scheme) == 0)
			return &p->clearances[i];
	return NULL;
}

const char *const good =
    "\xef\xbb\xbf" "ID,Name,E-mail,Org_Unit,NATIONALITY,Scheme,Level,Granted,"
    "Review Due,Authority,Reference\r\n"
    "alice,Alice Smith,alice@force.example,Major Crime,gb,nsv,sc,"
    "2020-01-01,2030-06-30,UKSV,SC-2020-0411\r\n"
    "alice,Alice Smith,alice@force.example,Major Crime,gb,POLICE,NPPV3,"
    "2021-03-04T10:00:00+01:00,2031-03-04,Force Vetting Unit,FV-1\r\n"
    "\r\n"
    "bob,\"Jones, Bob \"\"BJ\"\"\",,,,nsv,DV,2022-05-06,2029-05-06,"
    "UKSV,\r\n";

const char *const good_exported =
    "\"id\",\"name\",\"email\",\"org unit\",\"nationality\",\"scheme\","
    "\"level\",\"granted\",\"review due\",\"authority\",\"reference\"\n"
    "\"alice\",\"Alice Smith\",\"alice@force.example\",\"Major Crime\","
    "\"GB\",\"nsv\",\"SC\",\"2020-01-01\",\"2030-06-30\",\"UKSV\","
    "\"SC-2020-0411\"\n"
    "\"alice\",\"Alice Smith\",\"alice@force.example\",\"Major Crime\","
    "\"GB\",\"police\",\"NPPV3\",\"2021-03-04T09:00:00Z\",\"2031-03-04\","
    "\"Force Vetting Unit\",\"FV-1\"\n"
    "\"bob\",\"Jones, Bob \"\"BJ\"\"\",\"\",\"\",\"\",\"nsv\",\"DV\","
    "\"2022-05-06\",\"2029-05-06\",\"UKSV\",\"\"\n";

