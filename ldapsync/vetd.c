/*
 * vetd.c: vetsync's link to vetd, through libvet only: the client (opened
 * lazily, with the token read from token_file), which failures are worth
 * retrying and the backoff between tries, and the snapshot of what vetd
 * holds (every person by id, with status and source), which a refresh is
 * compared with. vetd's replies are trusted no further than libvet's
 * checks; ids from vetd key the table and are never logged with more
 * than the id.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vetsync.h"

#define SNAPSHOT_PAGE	1000

void
known_free(void *v)
{
	struct known *k = v;

	if (k == NULL)
		return;
	free(k->name);
	free(k->mail);
	free(k->org_unit);
	free(k);
}

int
engine_open(struct engine *en, const struct sync_config *cfg,
    volatile sig_atomic_t *stop, char *err, size_t errsz)
{
	memset(en, 0, sizeof(*en));
	en->cfg = cfg;
	en->stop = stop;
	if ((en->known = table_new()) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	return 0;
}

void
engine_close(struct engine *en)
{
	vet_client_close(&en->vc);
	table_free(en->known, known_free);
	en->known = NULL;
}

static pthread_mutex_t client_lock = PTHREAD_MUTEX_INITIALIZER;

/* engine_client opens the libvet client if it is not open yet. */
int
engine_client(struct engine *en, vet_status *st)
{
	const struct sync_config *c = en->cfg;
	vet_options opts = { 0 };
	char *token = NULL, err[256];
	int rv;

	pthread_mutex_lock(&client_lock);
	if (en->vc != NULL) {
		pthread_mutex_unlock(&client_lock);
		return VET_OK;
	}
	if (c->token_file != NULL &&
	    config_read_secret(c->token_file, &token, err, sizeof(err)) != 0) {
		st->code = VET_UNAUTHENTICATED;
		snprintf(st->message, sizeof(st->message), "%s", err);
		pthread_mutex_unlock(&client_lock);
		return st->code;
	}
	opts.timeout_ms = (int)c->vetd_timeout_ms;
	opts.token = token;
	opts.tls_ca_file = c->vetd_ca_file;
	opts.tls_cert_key_file = c->vetd_cert_key_file;
	opts.tls_server_name = c->vetd_server_name;
	rv = vet_client_open(&en->vc, c->vetd_url, &opts, st);
	secret_free(token);	/* libvet keeps its own copy */
	pthread_mutex_unlock(&client_lock);
	return rv;
}

/* vetd_transient: worth retrying; anything else is this op's own problem. */
int
vetd_transient(int code)
{
	switch (code) {
	case VET_UNAVAILABLE:
	case VET_DEADLINE_EXCEEDED:
	case VET_RESOURCE_EXHAUSTED:
	case VET_INTERNAL:
	case VET_ABORTED:
	case VET_UNAUTHENTICATED:	/* a token being rotated */
	case VET_UNKNOWN:
		return 1;
	default:
		return 0;
	}
}

void
retry_init(struct engine *en, struct retry *r)
{
	r->attempts = 0;
	r->delay = 100;
	r->deadline = en->once ? now_ms() +
	    (int64_t)en->cfg->vetd_retry_limit * 1000 : 0;
}

/*
 * retry_wait logs the failure and sleeps the backoff. Returns 0 to try
 * again, or SYNC_STOPPED / SYNC_VETD_DOWN.
 */
enum sync_result
retry_wait(struct engine *en, struct retry *r, const char *what,
    const vet_status *st)
{
	int64_t until, cap = (int64_t)en->cfg->retry_max * 1000;

	__atomic_add_fetch(&en->vetd_errors, 1, __ATOMIC_RELAXED);
	if (r->attempts++ == 0 || r->attempts % 10 == 0)
		log_warnx("%s: vetd: %s %s (retrying)", what,
		    vet_status_name(st->code), st->message);
	if (r->deadline != 0 && now_ms() + r->delay > r->deadline) {
		log_error("%s: vetd: gave up after %llu s: %s %s", what,
		    (unsigned long long)en->cfg->vetd_retry_limit,
		    vet_status_name(st->code), st->message);
		return SYNC_VETD_DOWN;
	}
	until = now_ms() + r->delay;
	while (now_ms() < until) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		if (*en->stop)
			return SYNC_STOPPED;
		nanosleep(&ts, NULL);
	}
	r->delay = r->delay * 2 > cap ? cap : r->delay * 2;
	return SYNC_DONE;
}

static int
known_from_person(const vet_person *p, struct known **out)
{
	struct known *k = calloc(1, sizeof(*k));

	if (k == NULL || (k->name = strdup(p->display_name)) == NULL ||
	    (k->mail = strdup(p->email)) == NULL ||
	    (k->org_unit = strdup(p->org_unit)) == NULL) {
		known_free(k);
		return -1;
	}
	snprintf(k->nationality, sizeof(k->nationality), "%s",
	    p->nationality);
	k->status = p->status;
	k->source = p->source;
	*out = k;
	return 0;
}

/* known_set replaces what we know of id, keeping the reported flag. */
int
known_set(struct engine *en, const char *id, struct known *k)
{
	void *old = NULL;

	if (table_put(en->known, id, k, &old) != 0) {
		known_free(k);
		return -1;
	}
	if (old != NULL) {
		k->reported = ((struct known *)old)->reported &&
		    (k->status == VET_PERSON_LEAVER ||
		    k->source != VET_SOURCE_DIRECTORY);
		known_free(old);
	}
	return 0;
}

static int
keep_reported(const char *id, void *v, void *arg)
{
	struct known *k = v, *o = table_get(arg, id);

	if (o != NULL && o->reported && (k->status == VET_PERSON_LEAVER ||
	    k->source != VET_SOURCE_DIRECTORY))
		k->reported = 1;
	return 0;
}

int
engine_snapshot(struct engine *en)
{
	struct table *fresh = NULL, *saved = en->known;
	vet_person_page *page = NULL;
	char token[SYNC_ID_MAX + 1] = "";
	struct retry r;
	vet_status st;
	int rv;

	retry_init(en, &r);
again:
	table_free(fresh, known_free);
	if ((fresh = table_new()) == NULL)
		return SYNC_FATAL;
	token[0] = '\0';
	en->known = fresh;
	for (;;) {
		if ((rv = engine_client(en, &st)) == VET_OK)
			rv = vet_person_list(en->vc, VET_PERSON_ANY,
			    SNAPSHOT_PAGE, token, &page, &st);
		if (rv != VET_OK) {
			en->known = saved;
			if (!vetd_transient(rv)) {
				log_error("cannot list people in vetd: %s %s",
				    vet_status_name(rv), st.message);
				table_free(fresh, known_free);
				return SYNC_VETD_DOWN;
			}
			if ((rv = retry_wait(en, &r, "listing people",
			    &st)) != SYNC_DONE) {
				table_free(fresh, known_free);
				return rv;
			}
			goto again;
		}
		for (size_t i = 0; i < page->n_people; i++) {
			struct known *k;
			if (known_from_person(&page->people[i], &k) != 0 ||
			    known_set(en, page->people[i].id, k) != 0) {
				vet_person_page_free(page);
				en->known = saved;
				table_free(fresh, known_free);
				return SYNC_FATAL;
			}
		}
		snprintf(token, sizeof(token), "%s", page->next_page_token);
		vet_person_page_free(page);
		page = NULL;
		if (token[0] == '\0')
			break;
	}
	/* Keep the "already reported" marks across snapshots. */
	if (saved != NULL) {
		table_each(fresh, keep_reported, saved);
		table_free(saved, known_free);
	}
	return SYNC_DONE;
}

