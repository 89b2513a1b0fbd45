/*
 * test_vetsync_push.c: how vetsync carries a plan out (ldapsync/push.c
 * and apply.c) against a real vetd over its real socket, without a
 * directory: puts go in SyncPeople batches of up to SYNC_BATCH, a lone
 * put and every leaver one call each; ops for one id keep their order
 * across batches; a batch vetd refuses (a hand-entered person, refused to
 * a sync-only token) is put again one person at a time, so only that
 * person is skipped; a vetd that is down while a batch is sent loses
 * nothing; and the counts stay exact. The audit log says which calls
 * vetd took. Every wait is bounded and waits on the event itself.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fixture.h"
#include "vetsync.h"

static struct vetd_proc vetd;
static vet_client *admin;		/* the ipc owner: local-admin */
static struct sync_config *cfg;
static struct engine en;
static volatile sig_atomic_t stop_flag;

/* conf writes vetsync's config (token_file: NULL none) and loads it. */
static void
conf(const char *token)
{
	char path[400], tpath[400], text[2048], err[512];
	FILE *f;

	snprintf(tpath, sizeof(tpath), "%s/sync.token", vetd.dir);
	if (token != NULL) {
		cr_assert_not_null(f = fopen(tpath, "w"));
		fprintf(f, "%s\n", token);
		fclose(f);
		cr_assert_eq(chmod(tpath, 0600), 0);
	}
	snprintf(text, sizeof(text), "[directory]\nuri = ldap://127.0.0.1:1/\n"
	    "bind = anonymous\nbase = dc=example,dc=org\nretry_max = 1\n"
	    "[vetd]\nurl = %s\nretry_limit = 30\n%s%s\n"
	    "[sync]\nstate_dir = %s/state\n", vetd.url,
	    token != NULL ? "token_file = " : "", token != NULL ? tpath : "",
	    vetd.dir);
	snprintf(path, sizeof(path), "%s/vetsync.conf", vetd.dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	cr_assert_eq(chmod(path, 0600), 0);
	config_free(cfg);
	cfg = NULL;
	cr_assert_eq(config_load(path, &cfg, err, sizeof(err)), 0, "%s", err);
	engine_close(&en);
	cr_assert_eq(engine_open(&en, cfg, &stop_flag, err, sizeof(err)), 0);
	en.once = 1;
}

static void
setup(void)
{
	vet_status st;

	log_init(LOG_LEVEL_ERROR);
	cr_assert_eq(fixture_start(&vetd, NULL), 0, "vetd did not start");
	cr_assert_eq(vet_client_open(&admin, vetd.url, NULL, &st), VET_OK,
	    "%s", st.message);
	conf(NULL);
}

static void
teardown(void)
{
	engine_close(&en);
	config_free(cfg);
	cfg = NULL;
	vet_client_close(&admin);
	fixture_cleanup(&vetd);
}

TestSuite(vetsync_push, .init = setup, .fini = teardown, .timeout = 120);

/* plan_people plans puts of "ID-0000".. for n people named NAME N. */
static void
plan_people(struct plan *p, const char *prefix, const char *name, int n)
{
	char buf[64];

	cr_assert_eq(engine_snapshot(&en), SYNC_DONE);
	for (int i = 0; i < n; i++) {
		struct sync_entry e = { 0 };
		snprintf(buf, sizeof(buf), "%s-%04d", prefix, i);
		e.id = strdup(buf);
		snprintf(buf, sizeof(buf), "%s %d", name, i);
		e.name = strdup(buf);
		e.mail = strdup("");
		e.org_unit = strdup("Team");
		cr_assert_eq(engine_entry(&en, p, &e), 0);
		sync_entry_clear(&e);
	}
}

struct tally {
	unsigned put, sync_people, sync_entries, leaver, other;
};

/* tally_after counts the audit entries after seq by method. */
static struct tally
tally_after(uint64_t seq)
{
	vet_audit_query q = { .after_seq = seq, .limit = 1000 };
	struct tally t = { 0 };
	vet_audit_page *page;
	vet_status st;

	do {
		cr_assert_eq(vet_audit_list(admin, &q, &page, &st), VET_OK,
		    "%s", st.message);
		for (size_t i = 0; i < page->n_entries; i++) {
			const vet_audit_entry *a = &page->entries[i];
			if (strcmp(a->method, "PutPerson") == 0)
				t.put++;
			else if (strcmp(a->method, "SyncPeople") == 0 &&
			    a->person_id[0] == '\0')
				t.sync_people++;
			else if (strcmp(a->method, "SyncPeople") == 0)
				t.sync_entries++;
			else if (strcmp(a->method, "RecordLeaver") == 0)
				t.leaver++;
			else
				t.other++;
		}
		q.after_seq = page->next_after_seq;
		vet_audit_page_free(page);
	} while (q.after_seq != 0);
	return t;
}

static uint64_t
audit_head(void)
{
	vet_audit_query q = { .limit = 1 };
	vet_audit_page *page;
	vet_status st;
	uint64_t head;

	cr_assert_eq(vet_audit_list(admin, &q, &page, &st), VET_OK);
	head = page->last_seq;
	vet_audit_page_free(page);
	return head;
}

static vet_person *
get(const char *id)
{
	vet_person *p = NULL;
	vet_status st;

	cr_assert_eq(vet_person_get(admin, id, &p, &st), VET_OK, "%s: %s", id,
	    st.message);
	return p;
}

Test(vetsync_push, puts_go_in_batches_leavers_one_by_one)
{
	struct plan p;
	struct tally t;
	uint64_t seq;

	/* 1,201 people: batches of 500, 500 and 201. */
	plan_init(&p);
	plan_people(&p, "b", "Batch", 1201);
	seq = audit_head();
	cr_assert_eq(engine_apply(&en, &p), SYNC_DONE);
	cr_assert_eq(p.c.added, 1201);
	cr_assert_eq(p.c.skipped, 0);
	plan_clear(&p);
	t = tally_after(seq);
	cr_assert_eq(t.sync_people, 3, "%u SyncPeople calls", t.sync_people);
	cr_assert_eq(t.sync_entries, 1201);
	cr_assert_eq(t.put, 0);
	cr_assert_eq(en.batch_calls, 3);
	cr_assert_eq(en.total.added, 1201);

	/* A refresh of one change and two leavers: no batch at all. */
	plan_init(&p);
	plan_people(&p, "b", "Batch", 1);	/* b-0000 unchanged */
	struct sync_entry e = { .id = strdup("b-0001"),
	    .name = strdup("Renamed"), .mail = strdup(""),
	    .org_unit = strdup("Team") };
	cr_assert_eq(engine_entry(&en, &p, &e), 0);
	sync_entry_clear(&e);
	cr_assert_eq(engine_gone(&en, &p, "b-0002", REASON_REMOVED), 0);
	cr_assert_eq(engine_gone(&en, &p, "b-0003", REASON_REMOVED), 0);
	seq = audit_head();
	cr_assert_eq(engine_apply(&en, &p), SYNC_DONE);
	cr_assert_eq(p.c.updated, 1);
	cr_assert_eq(p.c.unchanged, 1);
	cr_assert_eq(p.c.leavers, 2);
	plan_clear(&p);
	t = tally_after(seq);
	cr_assert_eq(t.put, 1);
	cr_assert_eq(t.leaver, 2);
	cr_assert_eq(t.sync_people + t.sync_entries, 0);
	vet_person *got = get("b-0001");
	cr_assert_str_eq(got->display_name, "Renamed");
	vet_person_free(got);
	got = get("b-0002");
	cr_assert_eq(got->status, VET_PERSON_LEAVER);
	vet_person_free(got);
}

Test(vetsync_push, one_id_twice_keeps_its_order)
{
	struct plan p;
	struct tally t;
	uint64_t seq;

	/* The same id planned twice (two entries mapping to one id): the
	 * second put must land last, and never two in one call. */
	plan_init(&p);
	plan_people(&p, "o", "First", 10);
	struct sync_entry e = { .id = strdup("o-0003"),
	    .name = strdup("Second"), .mail = strdup(""),
	    .org_unit = strdup("Team") };
	cr_assert_eq(engine_entry(&en, &p, &e), 0);
	sync_entry_clear(&e);
	plan_people(&p, "x", "More", 5);
	seq = audit_head();
	cr_assert_eq(engine_apply(&en, &p), SYNC_DONE);
	cr_assert_eq(p.c.added, 16);
	plan_clear(&p);
	vet_person *got = get("o-0003");
	cr_assert_str_eq(got->display_name, "Second");
	vet_person_free(got);
	t = tally_after(seq);
	cr_assert_eq(t.sync_people, 2, "%u calls", t.sync_people);
	cr_assert_eq(t.sync_entries, 16);
}

Test(vetsync_push, a_refused_batch_is_put_one_by_one)
{
	vet_person_spec hand = { .id = "h-0002", .display_name = "By Hand" };
	char *token = NULL;
	struct plan p;
	struct tally t;
	vet_status st;
	uint64_t seq;

	cr_assert_eq(vet_token_create(admin, "vetsync",
	    VET_ROLE_BIT(VET_ROLE_SYNC), &token, NULL, &st), VET_OK, "%s",
	    st.message);
	conf(token);
	vet_token_free(token);
	/* Planned before HR enters h-0002 by hand: vetd refuses the batch
	 * (PERMISSION_DENIED for a sync-only token), then takes the rest. */
	plan_init(&p);
	plan_people(&p, "h", "Hired", 5);
	cr_assert_eq(vet_person_put(admin, &hand, NULL, &st), VET_OK);
	seq = audit_head();
	cr_assert_eq(engine_apply(&en, &p), SYNC_DONE);
	cr_assert_eq(p.c.added, 4);
	cr_assert_eq(p.c.skipped, 1);
	cr_assert_eq(p.ops[2].result, VET_PERMISSION_DENIED);
	plan_clear(&p);
	t = tally_after(seq);
	cr_assert_eq(t.sync_people + t.sync_entries, 0);
	cr_assert_eq(t.put, 4);
	vet_person *got = get("h-0002");
	cr_assert_str_eq(got->display_name, "By Hand");
	cr_assert_eq(got->source, VET_SOURCE_MANUAL);
	vet_person_free(got);
	got = get("h-0004");
	cr_assert_eq(got->source, VET_SOURCE_DIRECTORY);
	vet_person_free(got);
}

struct apply_arg {
	struct plan *p;
	enum sync_result r;
};

static void *
apply_thread(void *arg)
{
	struct apply_arg *a = arg;

	a->r = engine_apply(&en, a->p);
	return NULL;
}

static int
retrying(void *arg)
{
	(void)arg;
	return __atomic_load_n(&en.vetd_errors, __ATOMIC_RELAXED) > 0;
}

/* wait_for polls fn every 10 ms for up to ms. */
static int
wait_for(int (*fn)(void *), int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		if (fn(NULL))
			return 1;
		nanosleep(&ts, NULL);
	}
	return fn(NULL);
}

Test(vetsync_push, vetd_down_during_a_batch_loses_nothing)
{
	struct apply_arg a;
	struct plan p;
	pthread_t t;
	vet_person_page *page;
	vet_status st;

	plan_init(&p);
	plan_people(&p, "d", "Down", 700);
	cr_assert_eq(fixture_stop(&vetd), 0);
	a = (struct apply_arg){ .p = &p, .r = SYNC_FATAL };
	cr_assert_eq(pthread_create(&t, NULL, apply_thread, &a), 0);
	cr_assert(wait_for(retrying, 10000), "vetsync never retried");
	cr_assert_eq(fixture_restart(&vetd, NULL), 0);
	pthread_join(t, NULL);
	cr_assert_eq(a.r, SYNC_DONE);
	cr_assert_eq(p.c.added, 700);
	cr_assert_eq(p.c.skipped, 0);
	plan_clear(&p);
	/* Every one of them, once. */
	vet_client_close(&admin);
	cr_assert_eq(vet_client_open(&admin, vetd.url, NULL, &st), VET_OK);
	cr_assert_eq(vet_person_list(admin, VET_PERSON_ANY, 1000, "", &page,
	    &st), VET_OK, "%s", st.message);
	cr_assert_eq(page->n_people, 700);
	vet_person_page_free(page);
}
