/*
 * test_store_index.c: the report indexes (server/store_index.c) kept
 * right on a real LMDB store: across updates (grant, withdraw, grant
 * again; suspend; brief, debrief, expiry; leaver), across a reopen,
 * rebuilt when missing or of another format to the very bytes the
 * updates wrote, and a leaver scheduled for a later date leaving the
 * reports on the day. The reports' "now" is chosen by each test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "history.h"
#include "index_helpers.h"

TestSuite(index, .init = ix_setup, .fini = ix_teardown, .timeout = 120);

Test(index, grant_withdraw_and_grant_again)
{
	struct person *a = person("alice", T0 - 100 * DAY);
	struct clearance *c;

	open_store();
	put(a, T0 - 100 * DAY);
	expect(UNVETTED, T0, NULL, "alice:none");
	expect(DUE, T0, NULL, "");
	expect(COUNTERS, T0, NULL, "P1=1 J1 L0 W0");

	grant(a, "nsv", "SC", T0 - 90 * DAY, T0 + 30 * DAY);
	put(a, T0 - 90 * DAY);
	expect(DUE, T0, NULL, "alice/nsv@30");
	expect(UNVETTED, T0, NULL, "");
	expect(COUNTERS, T0, NULL, "P1=1 nsv/SC/1=1 J1 L0 W0");
	/* The clock alone makes it overdue, and her unvetted. */
	expect(DUE, T0 + 30 * DAY, NULL, "alice/nsv@30!");
	expect(UNVETTED, T0 + 30 * DAY - 1, NULL, "");
	expect(UNVETTED, T0 + 30 * DAY, NULL, "alice:expired@30");

	c = clearance_of(a, "nsv");
	c->status = CLEARANCE_WITHDRAWN;
	c->status_changed_at = T0 - 10 * DAY;
	put(a, T0 - 10 * DAY);
	expect(DUE, T0, NULL, "");
	expect(UNVETTED, T0, NULL, "alice:withdrawn@-10");
	expect(COUNTERS, T0, NULL, "P1=1 nsv/SC/3=1 J1 L0 W1");

	grant(a, "nsv", "DV", T0 - 5 * DAY, T0 + 200 * DAY);
	put(a, T0 - 5 * DAY);
	expect(DUE, T0, NULL, "alice/nsv@200");
	expect(UNVETTED, T0, NULL, "");
	/* The withdrawal happened: granting again does not undo it. */
	expect(COUNTERS, T0, NULL, "P1=1 nsv/DV/1=1 J1 L0 W1");

	/* Suspended: still due for review, and she is unvetted. */
	c = clearance_of(a, "nsv");
	c->status = CLEARANCE_SUSPENDED;
	c->status_changed_at = T0 - DAY;
	put(a, T0 - DAY);
	expect(DUE, T0, NULL, "alice/nsv@200S");
	expect(UNVETTED, T0, NULL, "alice:suspended@-1");
	expect(COUNTERS, T0, NULL, "P1=1 nsv/DV/2=1 J1 L0 W1");
	free(a);
}

Test(index, brief_debrief_and_expiry)
{
	struct person *b = person("bob", T0 - 50 * DAY);
	struct person *c = person("carol", T0 - 50 * DAY);

	open_store();
	brief(b, "ATOMAL", T0 - 10 * DAY, T0 + 10 * DAY);
	put(b, T0 - 10 * DAY);
	brief(c, "ZIRCON", T0 - 9 * DAY, 0);
	brief(c, "ATOMAL", T0 - 8 * DAY, 0);
	put(c, T0 - 8 * DAY);
	expect(HOLDERS, T0, "ATOMAL", "bob carol");
	expect(HOLDERS, T0, "ZIRCON", "carol");
	expect(HOLDERS, T0, "UMBRA", "");
	expect(HOLDERS, T0 + 10 * DAY, "ATOMAL", "bob(expired) carol");
	expect(HOLDERS, T0 - 9 * DAY, "ATOMAL", "bob carol(pending)");

	b->briefings[0].debriefed_at = T0 - DAY;
	snprintf(b->briefings[0].debrief_reason,
	    sizeof(b->briefings[0].debrief_reason), "moved");
	put(b, T0 - DAY);
	expect(HOLDERS, T0, "ATOMAL", "carol");

	b->briefings[0].briefed_at = T0 - DAY / 2;
	b->briefings[0].debriefed_at = 0;
	b->briefings[0].expires_at = 0;
	put(b, T0 - DAY / 2);
	expect(HOLDERS, T0, "ATOMAL", "bob carol");
	free(b);
	free(c);
}

Test(index, a_leaver_leaves_every_index)
{
	struct person *d = person("dave", T0 - 50 * DAY);

	open_store();
	grant(d, "nsv", "SC", T0 - 40 * DAY, T0 + 10 * DAY);
	brief(d, "ATOMAL", T0 - 30 * DAY, 0);
	put(d, T0 - 30 * DAY);
	expect(DUE, T0, NULL, "dave/nsv@10");
	expect(HOLDERS, T0, "ATOMAL", "dave");

	d->status = PERSON_LEAVER;
	d->status_changed_at = T0 - 2 * DAY;
	d->clearances[0].status = CLEARANCE_LAPSED;
	d->clearances[0].status_changed_at = T0 - 2 * DAY;
	d->briefings[0].debriefed_at = T0 - 2 * DAY;
	put(d, T0 - 2 * DAY);
	expect(DUE, T0, NULL, "");
	expect(HOLDERS, T0, "ATOMAL", "");
	expect(UNVETTED, T0, NULL, "");
	expect(COUNTERS, T0, NULL, "P3=1 nsv/SC/4=1 J1 L1 W0");
	free(d);
}

/* seed writes a small population through the updates. */

Test(index, reopen_and_rebuild_give_the_same_bytes)
{
	char *updated, *again;
	int rebuilt = -1;

	open_store();
	seed();
	expect_seeded();
	updated = dump();

	open_store();
	cr_assert_eq(store_index_ensure(s, &rebuilt), STATUS_OK);
	cr_assert_eq(rebuilt, 0, "a reopened store rebuilt its indexes");
	again = dump();
	cr_assert_str_eq(again, updated);
	free(again);

	forget(0);		/* an older index format */
	open_store();
	expect_seeded();
	again = dump();
	cr_assert_str_eq(again, updated, "rebuilt from the records:\n%s\n"
	    "kept by the updates:\n%s", again, updated);
	free(again);

	forget(1);		/* no index table at all */
	open_store();
	expect_seeded();
	again = dump();
	cr_assert_str_eq(again, updated);
	free(again);
	free(updated);
}


struct scheduled {
	struct person *p;
	struct event e;
};

static int
put_scheduled_fn(struct store_txn *t, void *arg)
{
	struct scheduled *sc = arg;

	return store_person_put_scheduled(t, sc->p, &sc->e);
}

static int
due_fn(struct store_txn *t, void *arg)
{
	size_t done;
	vtime next;

	store_txn_set_now(t, *(vtime *)arg);
	return store_scheduled_due(t, *(vtime *)arg, 100, NULL, NULL, &done,
	    &next);
}

/*
 * A leaver recorded for a later date: every report judges the record at
 * its own now, so the person leaves the answers when the date comes,
 * before vetd writes the caught-up record back; once it has, the indexes
 * follow (the counters and the activity only then).
 */
Test(index, a_scheduled_leaver_leaves_the_reports_on_the_day)
{
	struct person *e = person("erin", T0 - 50 * DAY);
	struct person *f = person("fred", T0 - 50 * DAY);
	struct scheduled sc = { .e = { .kind = EVENT_LEAVER,
	    .at = T0 + 5 * DAY, .reason = "notice served" } };
	vtime later = T0 + 6 * DAY;
	char *before;

	open_store();
	grant(e, "nsv", "SC", T0 - 40 * DAY, T0 + 10 * DAY);
	brief(e, "ATOMAL", T0 - 40 * DAY, 0);
	put(e, T0 - 40 * DAY);
	put(f, T0 - 40 * DAY);
	sc.p = e;
	cr_assert_eq(store_write(s, put_scheduled_fn, &sc, NULL), STATUS_OK);
	sc.p = f;
	cr_assert_eq(store_write(s, put_scheduled_fn, &sc, NULL), STATUS_OK);

	expect(DUE, T0, NULL, "erin/nsv@10");
	expect(HOLDERS, T0, "ATOMAL", "erin");
	expect(UNVETTED, T0, NULL, "fred:none");
	expect(DUE, later, NULL, "");
	expect(HOLDERS, later, "ATOMAL", "");
	expect(UNVETTED, later, NULL, "");
	expect(COUNTERS, later, NULL, "P1=2 nsv/SC/1=1 J2 L0 W0");
	before = dump();
	open_store();

	/* vetd writes the caught-up records back (scheduled.c). */
	cr_assert_eq(store_write(s, due_fn, &later, NULL), STATUS_OK);
	expect(COUNTERS, later, NULL, "P3=2 nsv/SC/4=1 J2 L2 W0");
	expect(DUE, later, NULL, "");
	expect(UNVETTED, later, NULL, "");
	char *after = dump();
	cr_assert_str_neq(after, before);
	/* Nothing of theirs is left in the review, holder or unvetted
	 * indexes: 'd' 64, 'h' 68, 'u' 75. */
	for (const char *l = after; *l != '\0'; l = strchr(l, '\n') + 1)
		cr_assert(strncmp(l, "64", 2) != 0 && strncmp(l, "68", 2) !=
		    0 && strncmp(l, "75", 2) != 0, "left: %.40s", l);
	free(before);
	free(after);
	free(e);
	free(f);
}

