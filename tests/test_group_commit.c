/*
 * test_group_commit.c: durable writes end to end while many arrive at
 * once, so the writer commits them in groups: every acknowledged write is
 * there after kill -9 and a restart, each took its own revision, a write
 * that fails inside a group fails alone with its own status, and the
 * revisions the callers saw are all different.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vet/vet.h>

#include "fixture.h"

#define WRITERS		16
#define EACH		25

static struct vetd_proc vetd;

static void
setup(void)
{
	cr_assert_eq(fixture_start(&vetd, NULL), 0, "vetd did not start");
}

static void
teardown(void)
{
	fixture_cleanup(&vetd);
}

TestSuite(group_commit, .init = setup, .fini = teardown, .timeout = 120);

struct writer {
	vet_client *client;
	int	index;
	int	ok;
	int	failed_as_expected;
	uint64_t revisions[EACH];
	char	error[600];
};

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	char id[32], name[32];
	vet_person_spec spec = { .id = id, .display_name = name };
	vet_status st;

	for (int i = 0; i < EACH; i++) {
		snprintf(id, sizeof(id), "gc-%02d-%02d", w->index, i);
		snprintf(name, sizeof(name), "Writer %d/%d", w->index, i);
		if (vet_person_put(w->client, &spec, NULL, &st) != VET_OK) {
			snprintf(w->error, sizeof(w->error), "%s: %s", id,
			    st.message);
			return NULL;
		}
		w->revisions[i] = st.revision;
		w->ok++;
		/* A write that must fail, in the middle of the others. */
		if (vet_leaver(w->client, "gc-nobody", "gone", NULL, &st) ==
		    VET_NOT_FOUND)
			w->failed_as_expected++;
	}
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

Test(group_commit, every_acknowledged_write_survives_kill_9)
{
	static struct writer w[WRITERS];
	static uint64_t all[WRITERS * EACH];
	pthread_t th[WRITERS];
	vet_client *c = NULL;
	vet_health_info h;
	vet_status st;
	uint64_t start;

	cr_assert_eq(vet_client_open(&c, vetd.url, NULL, &st), VET_OK);
	cr_assert_eq(vet_health(c, &h, &st), VET_OK);
	start = h.revision;
	for (int i = 0; i < WRITERS; i++) {
		w[i].client = c;	/* one client, many threads */
		w[i].index = i;
		cr_assert_eq(pthread_create(&th[i], NULL, writer_main, &w[i]),
		    0);
	}
	for (int i = 0; i < WRITERS; i++) {
		pthread_join(th[i], NULL);
		cr_assert_eq(w[i].ok, EACH, "writer %d: %s", i, w[i].error);
		cr_assert_eq(w[i].failed_as_expected, EACH,
		    "writer %d: a failing write did not fail alone", i);
		memcpy(all + i * EACH, w[i].revisions, sizeof(w[i].revisions));
	}
	vet_client_close(&c);

	/* Each acknowledged write had its own revision. */
	qsort(all, WRITERS * EACH, sizeof(all[0]), cmp_u64);
	for (size_t i = 0; i < WRITERS * EACH; i++)
		cr_assert_eq(all[i], start + 1 + i, "revision %zu is %llu", i,
		    (unsigned long long)all[i]);

	/* kill -9, restart: every one is there, and the revision too. */
	fixture_kill(&vetd);
	cr_assert_eq(fixture_restart(&vetd, NULL), 0);
	cr_assert_eq(vet_client_open(&c, vetd.url, NULL, &st), VET_OK);
	cr_assert_eq(vet_health(c, &h, &st), VET_OK);
	cr_assert_eq(h.revision, start + WRITERS * EACH);
	for (int i = 0; i < WRITERS; i++) {
		for (int k = 0; k < EACH; k++) {
			char id[32];
			vet_person *p = NULL;
			snprintf(id, sizeof(id), "gc-%02d-%02d", i, k);
			cr_assert_eq(vet_person_get(c, id, &p, &st), VET_OK,
			    "%s lost after kill -9: %s", id, st.message);
			vet_person_free(p);
		}
	}
	vet_client_close(&c);
}
