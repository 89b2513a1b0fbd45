/*
 * dataset.c: vet-dataset, the benchmarks' deterministic population (gen.c)
 * written three ways: loaded into vetd through ImportPeople (several calls
 * in flight from several threads, the fast bulk path), as LDIF for slapd,
 * and as redis protocol for `redis-cli --pipe`. The same --people and
 * --seed give the same people everywhere.
 *
 *   vet-dataset --people N --seed S --url URL [--token-file F]
 *               [--clients K] [--batch B]
 *   vet-dataset --people N --seed S --ldif FILE --resp FILE
 *
 * Trusts its arguments only after parsing them strictly.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vet/vet.h>

#include "gen.h"
#include "util.h"

#define BATCH_MAX	1000

struct loader {
	const char	*url;
	vet_options	 opts;
	uint64_t	 seed;
	uint32_t	 people;
	uint32_t	 batch;
	atomic_uint	 next;		/* next batch start */
	atomic_uint	 created, updated, unchanged;
	atomic_int	 failed;
};

/* A batch of people as libvet takes them, pointing into gen_person. */
struct batch {
	struct gen_person gp[BATCH_MAX];
	vet_person	 vp[BATCH_MAX];
	vet_clearance	 vc[BATCH_MAX][2];
	vet_briefing	 vb[BATCH_MAX][GEN_COMPARTMENTS];
};

static void
to_vet(const struct gen_person *g, vet_person *p, vet_clearance *c,
    vet_briefing *b)
{
	memset(p, 0, sizeof(*p));
	p->id = (char *)g->id;
	p->display_name = (char *)g->display_name;
	p->email = (char *)g->email;
	p->org_unit = (char *)g->org_unit;
	p->nationality = (char *)g->nationality;
	p->status = (vet_person_status)g->status;
	p->status_reason = g->status == GEN_LEAVER ? "left the force" :
	    g->status == GEN_SUSPENDED ? "under investigation" : "";
	p->source = VET_SOURCE_DIRECTORY;
	p->created_at = g->created_at;
	for (size_t i = 0; i < g->n_clearances; i++) {
		const struct gen_clearance *gc = &g->clearances[i];
		memset(&c[i], 0, sizeof(c[i]));
		c[i].scheme = (char *)gc->scheme;
		c[i].level = (char *)gc->level;
		c[i].granted_at = gc->granted_at;
		c[i].review_due = gc->review_due;
		c[i].authority = strcmp(gc->scheme, "nsv") == 0 ? "UKSV" :
		    "Force Vetting Unit";
		c[i].reference = (char *)gc->reference;
		c[i].status = (vet_clearance_status)gc->status;
		c[i].status_reason = gc->status == GEN_GRANTED ? "" :
		    gc->status == GEN_LAPSED ? "leaver" : "aftercare review";
	}
	p->n_clearances = g->n_clearances;
	p->clearances = c;
	for (size_t i = 0; i < g->n_briefings; i++) {
		const struct gen_briefing *gb = &g->briefings[i];
		memset(&b[i], 0, sizeof(b[i]));
		b[i].compartment = (char *)gen_compartment_names[gb->compartment];
		b[i].briefed_at = gb->briefed_at;
		b[i].expires_at = gb->expires_at;
		b[i].debriefed_at = gb->debriefed_at;
		b[i].debrief_reason = gb->debriefed_at ? "leaver" : "";
	}
	p->n_briefings = g->n_briefings;
	p->briefings = b;
}

static void *
loader_main(void *arg)
{
	struct loader *l = arg;
	struct batch *bt = NULL;
	vet_client *c = NULL;
	vet_import_result r;
	vet_status st;

	if ((bt = malloc(sizeof(*bt))) == NULL) {
		fprintf(stderr, "vet-dataset: out of memory\n");
		atomic_store(&l->failed, 1);
		return NULL;
	}
	if (vet_client_open(&c, l->url, &l->opts, &st) != VET_OK) {
		fprintf(stderr, "vet-dataset: %s\n", st.message);
		atomic_store(&l->failed, 1);
		free(bt);
		return NULL;
	}
	for (;;) {
		unsigned start = atomic_fetch_add(&l->next, l->batch);
		if (start >= l->people || atomic_load(&l->failed))
			break;
		unsigned n = l->people - start < l->batch ?
		    l->people - start : l->batch;
		for (unsigned i = 0; i < n; i++) {
			gen_person(l->seed, start + i, &bt->gp[i]);
			to_vet(&bt->gp[i], &bt->vp[i], bt->vc[i], bt->vb[i]);
		}
		if (vet_import_people(c, bt->vp, n, &r, &st) != VET_OK) {
			fprintf(stderr, "vet-dataset: import at %u: %s: %s\n",
			    start, vet_status_name(st.code), st.message);
			atomic_store(&l->failed, 1);
			break;
		}
		atomic_fetch_add(&l->created, r.created);
		atomic_fetch_add(&l->updated, r.updated);
		atomic_fetch_add(&l->unchanged, r.unchanged);
	}
	vet_client_close(&c);
	free(bt);
	return NULL;
}

/* define_compartments defines the dataset's compartments (again is OK). */
static int
define_compartments(const char *url, const vet_options *opts)
{
	vet_client *c = NULL;
	vet_status st;
	int rv = 0;

	if (vet_client_open(&c, url, opts, &st) != VET_OK) {
		fprintf(stderr, "vet-dataset: %s\n", st.message);
		return -1;
	}
	for (int k = 0; k < GEN_COMPARTMENTS; k++) {
		char scheme[16] = "", level[16] = "";
		const char *min = gen_compartment_min[k];
		if (*min != '\0')
			sscanf(min, "%15[^:]:%15s", scheme, level);
		vet_caveat_spec spec = { .name = gen_compartment_names[k],
		    .kind = VET_CAVEAT_COMPARTMENT,
		    .min_scheme = scheme, .min_level = level };
		if (vet_caveat_define(c, &spec, NULL, &st) != VET_OK) {
			fprintf(stderr, "vet-dataset: define %s: %s: %s\n",
			    spec.name, vet_status_name(st.code), st.message);
			rv = -1;
			break;
		}
	}
	vet_client_close(&c);
	return rv;
}

static int
load_vetd(struct loader *l, unsigned clients)
{
	pthread_t threads[64];
	int64_t t0, t1;

	if (define_compartments(l->url, &l->opts) != 0)
		return -1;
	t0 = now_ns();
	for (unsigned i = 0; i < clients; i++)
		if (pthread_create(&threads[i], NULL, loader_main, l) != 0) {
			fprintf(stderr, "vet-dataset: cannot start a thread\n");
			exit(1);
		}
	for (unsigned i = 0; i < clients; i++)
		pthread_join(threads[i], NULL);
	t1 = now_ns();
	if (atomic_load(&l->failed))
		return -1;
	double s = (double)(t1 - t0) / 1e9;
	printf("loaded %u people into vetd in %.3f s (%.0f people/s; %u "
	    "created, %u updated, %u unchanged; %u clients, batch %u)\n",
	    l->people, s, l->people / s, atomic_load(&l->created),
	    atomic_load(&l->updated), atomic_load(&l->unchanged), clients,
	    l->batch);
	return 0;
}

/* clearance_value: "nsv:SC", the value slapd and redis hold. */
static const char *
clearance_value(const struct gen_person *p, char *buf, size_t size)
{
	const struct gen_clearance *c = gen_nsv(p);

	if (c == NULL)
		snprintf(buf, size, "none");
	else
		snprintf(buf, size, "nsv:%s", c->level);
	return buf;
}

static int
write_ldif(const char *path, uint64_t seed, uint32_t people)
{
	FILE *f = fopen(path, "w");
	struct gen_person p;
	char cv[32];
	const char *last;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	fprintf(f, "dn: dc=example,dc=org\nobjectClass: dcObject\n"
	    "objectClass: organization\ndc: example\no: Example Force\n\n"
	    "dn: ou=people,dc=example,dc=org\nobjectClass: "
	    "organizationalUnit\nou: people\n\n");
	for (uint32_t i = 0; i < people; i++) {
		gen_person(seed, i, &p);
		last = strrchr(p.display_name, ' ');
		fprintf(f, "dn: uid=%s,ou=people,dc=example,dc=org\n"
		    "objectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: %s\n"
		    "mail: %s\nou: %s\nemployeeType: %s\n", p.id, p.id,
		    p.display_name, last != NULL ? last + 1 : p.display_name,
		    p.email, p.org_unit, clearance_value(&p, cv, sizeof(cv)));
		fprintf(f, "\n");
	}
	if (fclose(f) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

static void
resp_arg(FILE *f, const char *s)
{
	fprintf(f, "$%zu\r\n%s\r\n", strlen(s), s);
}

static int
write_resp(const char *path, uint64_t seed, uint32_t people)
{
	FILE *f = fopen(path, "w");
	struct gen_person p;
	char key[32], cv[32];

	if (f == NULL) {
		perror(path);
		return -1;
	}
	for (uint32_t i = 0; i < people; i++) {
		gen_person(seed, i, &p);
		snprintf(key, sizeof(key), "person:%s", p.id);
		fprintf(f, "*12\r\n");
		resp_arg(f, "HSET");
		resp_arg(f, key);
		resp_arg(f, "name");
		resp_arg(f, p.display_name);
		resp_arg(f, "email");
		resp_arg(f, p.email);
		resp_arg(f, "nationality");
		resp_arg(f, p.nationality);
		resp_arg(f, "status");
		resp_arg(f, p.status == GEN_ACTIVE ? "ACTIVE" :
		    p.status == GEN_SUSPENDED ? "SUSPENDED" : "LEAVER");
		resp_arg(f, "clearance");
		resp_arg(f, clearance_value(&p, cv, sizeof(cv)));
	}
	if (fclose(f) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

static void
usage(void)
{
	fprintf(stderr,
"usage: vet-dataset [--people N] [--seed S] [--url URL [--token-file F]\n"
"                   [--clients K] [--batch B]] [--ldif FILE] [--resp FILE]\n"
"  --people N      people to generate (default 100000)\n"
"  --seed S        the population's seed (default 1)\n"
"  --url URL       load them into vetd through ImportPeople\n"
"  --token-file F  API token for vetd (first line of F, mode 0600)\n"
"  --clients K     import calls in flight at once (default 4)\n"
"  --batch B       people per ImportPeople call (default 1000)\n"
"  --ldif FILE     write them as LDIF for slapadd\n"
"  --resp FILE     write them as redis protocol for redis-cli --pipe\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "people", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "url", required_argument, NULL, 'u' },
		{ "token-file", required_argument, NULL, 't' },
		{ "clients", required_argument, NULL, 'c' },
		{ "batch", required_argument, NULL, 'b' },
		{ "ldif", required_argument, NULL, 'l' },
		{ "resp", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct loader l;
	static char token[512];
	const char *ldif = NULL, *resp = NULL, *token_file = NULL;
	unsigned clients = 4;
	int opt;

	l.people = 100000;
	l.seed = 1;
	l.batch = BATCH_MAX;
	l.opts.timeout_ms = 60000;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			l.people = (uint32_t)number("--people", optarg, 1,
			    9999999);
			break;
		case 's':
			l.seed = number("--seed", optarg, 0, UINT64_MAX);
			break;
		case 'u':
			l.url = optarg;
			break;
		case 't':
			token_file = optarg;
			break;
		case 'c':
			clients = (unsigned)number("--clients", optarg, 1, 64);
			break;
		case 'b':
			l.batch = (uint32_t)number("--batch", optarg, 1,
			    BATCH_MAX);
			break;
		case 'l':
			ldif = optarg;
			break;
		case 'r':
			resp = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (l.url == NULL && ldif == NULL && resp == NULL))
		usage();
	if (token_file != NULL) {
		if (token_file_read(token_file, token, sizeof(token)) != 0)
			return 1;
		l.opts.token = token;
	}
	if (ldif != NULL && write_ldif(ldif, l.seed, l.people) != 0)
		return 1;
	if (resp != NULL && write_resp(resp, l.seed, l.people) != 0)
		return 1;
	if (l.url != NULL && load_vetd(&l, clients) != 0)
		return 1;
	return 0;
}
