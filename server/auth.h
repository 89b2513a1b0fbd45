/*
 * auth.h: who is calling and what they may do. Authenticates each request
 * once (API token in the envelope, or the ipc peer's uid), then checks the
 * method's roles (methods.c). Rejected attempts are counted here and
 * coalesced, so a flood cannot fill the audit log; the writer drains the
 * counts into audit entries.
 */
#ifndef VETD_AUTH_H
#define VETD_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct auth;

/* One coalesced kind of rejected attempt since the last drain. */
struct auth_failure {
	int	code;			/* STATUS_UNAUTHENTICATED / _PERMISSION_DENIED */
	char	principal[65];		/* "" when unauthenticated */
	char	method[64];
	uint64_t count;
	vtime	first_at;
	vtime	last_at;
};

#define AUTH_FAILURE_SLOTS 64

int auth_create(struct auth **out);
void auth_free(struct auth **a);

/*
 * auth_failure_note counts one rejected attempt. Slots are keyed by (code,
 * principal, method); when every slot is taken the attempt is counted in
 * the last slot under principal "*".
 */
void auth_failure_note(struct auth *a, int code, const char *principal,
    const char *method, vtime now);

/* auth_failures_drain moves up to max coalesced counts into out and
 * resets them; returns how many. */
size_t auth_failures_drain(struct auth *a, struct auth_failure *out,
    size_t max);

#endif /* VETD_AUTH_H */
