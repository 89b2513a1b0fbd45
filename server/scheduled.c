/*
 * scheduled.c: the writer thread's pass over scheduled events come due
 * (scheduled.h). Each pass is one store transaction of up to
 * SCHEDULED_BATCH people: their caught-up state and one audit entry each
 * ("ScheduledEvent" by "vetd", the person diff as the change), committed
 * together like any other write. Trusts the store; reads no input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "log.h"
#include "rpc.h"
#include "scheduled.h"
#include "status.h"
#include "store.h"

#define SCHEDULED_BATCH		256	/* people per transaction */
#define SCHEDULED_ROUNDS	16	/* transactions per pass */

struct due_pass {
	struct store_txn *txn;
	struct audit_entry *entry;
	vtime	now;
	size_t	done;
	vtime	next;
};

static int
due_audit(const struct person *before, const struct person *after,
    void *arg)
{
	struct due_pass *dp = arg;
	struct audit_entry *e = dp->entry;

	memset(e, 0, sizeof(*e));
	e->time = dp->now;
	e->revision = store_txn_revision(dp->txn);
	snprintf(e->principal, sizeof(e->principal), "%s",
	    SCHEDULED_PRINCIPAL);
	snprintf(e->method, sizeof(e->method), "%s", SCHEDULED_METHOD);
	snprintf(e->person_id, sizeof(e->person_id), "%s", after->id);
	snprintf(e->reason, sizeof(e->reason), "%s", after->status_reason);
	audit_person_diff(before, after, e->change, sizeof(e->change));
	return audit_append_entry(dp->txn, e);
}

static int
due_txn(struct store_txn *t, void *arg)
{
	struct due_pass *dp = arg;
	int rv;

	dp->txn = t;
	store_txn_set_now(t, dp->now);
	rv = store_scheduled_due(t, dp->now, SCHEDULED_BATCH, due_audit, dp,
	    &dp->done, &dp->next);
	if (rv == STATUS_OK && dp->done == 0)
		store_txn_mark_unchanged(t);
	return rv;
}

void
scheduled_run(struct vetd *vd)
{
	struct due_pass dp;
	vtime hint = store_next_scheduled(vd->store);
	int rv;

	memset(&dp, 0, sizeof(dp));
	dp.now = (vtime)time(NULL);
	if (hint == 0 || hint > dp.now)
		return;
	if ((dp.entry = malloc(sizeof(*dp.entry))) == NULL) {
		log_warnx("scheduled events: out of memory; retrying");
		return;
	}
	for (int round = 0; round < SCHEDULED_ROUNDS; round++) {
		dp.done = 0;
		dp.next = 0;
		if ((rv = store_write(vd->store, due_txn, &dp, NULL)) !=
		    STATUS_OK) {
			log_warnx("scheduled events: cannot write the states "
			    "come due: %s; retrying", status_name(rv));
			break;
		}
		store_scheduled_hint(vd->store, dp.next);
		if (dp.done > 0)
			log_info("scheduled events: %zu people took on "
			    "events come due", dp.done);
		if (dp.done < SCHEDULED_BATCH)
			break;
	}
	free(dp.entry);
}
