/*
 * auth.c: authentication and authorisation of each request (see auth.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"

struct auth {
	pthread_mutex_t	lock;		/* guards failures */
	size_t		n_failures;
	struct auth_failure failures[AUTH_FAILURE_SLOTS];
};

int
auth_create(struct auth **out)
{
	struct auth *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return -1;
	pthread_mutex_init(&a->lock, NULL);
	*out = a;
	return 0;
}

void
auth_free(struct auth **ap)
{
	struct auth *a = *ap;

	if (a == NULL)
		return;
	pthread_mutex_destroy(&a->lock);
	free(a);
	*ap = NULL;
}

void
auth_failure_note(struct auth *a, int code, const char *principal,
    const char *method, vtime now)
{
	struct auth_failure *f = NULL;

	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->n_failures; i++) {
		struct auth_failure *s = &a->failures[i];
		if (s->code == code && strcmp(s->principal, principal) == 0 &&
		    strcmp(s->method, method) == 0) {
			f = s;
			break;
		}
	}
	if (f == NULL && a->n_failures < AUTH_FAILURE_SLOTS) {
		f = &a->failures[a->n_failures++];
		f->code = code;
		snprintf(f->principal, sizeof(f->principal), "%s", principal);
		snprintf(f->method, sizeof(f->method), "%s", method);
		f->first_at = now;
	} else if (f == NULL) {
		/* Full: count it in the last slot, marked as mixed. */
		f = &a->failures[AUTH_FAILURE_SLOTS - 1];
		snprintf(f->principal, sizeof(f->principal), "*");
	}
	f->count++;
	f->last_at = now;
	pthread_mutex_unlock(&a->lock);
}

size_t
auth_failures_drain(struct auth *a, struct auth_failure *out, size_t max)
{
	size_t n;

	pthread_mutex_lock(&a->lock);
	n = a->n_failures < max ? a->n_failures : max;
	memcpy(out, a->failures, n * sizeof(*out));
	memmove(a->failures, a->failures + n,
	    (a->n_failures - n) * sizeof(*out));
	a->n_failures -= n;
	pthread_mutex_unlock(&a->lock);
	return n;
}
