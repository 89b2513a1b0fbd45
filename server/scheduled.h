/*
 * scheduled.h: scheduled events coming due. A leaver or suspension
 * recorded for a later time (effective_at) is part of the person's state
 * from that second on for every read (store_person_get catches up); the
 * writer thread also writes the caught-up state back, within a second, so
 * that listings and the report indexes hold it too, each with an audit
 * entry by principal "vetd".
 */
#ifndef VETD_SCHEDULED_H
#define VETD_SCHEDULED_H

#include "model.h"

struct vetd;

#define SCHEDULED_PRINCIPAL	"vetd"
#define SCHEDULED_METHOD	"ScheduledEvent"

/* scheduled_run writes back every state whose scheduled event is due by
 * the clock now; cheap when none is (one atomic load). Writer thread
 * only. */
void scheduled_run(struct vetd *vd);

#endif /* VETD_SCHEDULED_H */
