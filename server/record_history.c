/*
 * record_history.c: a person's history to and from the HistoryRecord of
 * record.proto, the bytes of the history table. Off the check path (read
 * only for a check with a time, a due scheduled event, GetPerson and the
 * writes), so it uses protobuf-c's own allocator. Trusts nothing it reads:
 * every string, kind and count is checked, and the events must be in the
 * order history_add keeps, before anything reaches the caller.
 */
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "record.h"
#include "record.pb-c.h"
#include "status.h"

#define FIELD_SIZE(type, f)	sizeof(((type *)0)->f)

static int
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static int
fits(const char *s, size_t size)
{
	return s == NULL || strnlen(s, size) < size;
}

static void
copy(char *dst, const char *s)
{
	if (s == NULL)
		dst[0] = '\0';
	else
		memcpy(dst, s, strlen(s) + 1);
}

static int
event_valid(const struct event *e)
{
	return (int)e->kind >= 1 && e->kind <= EVENT_KIND_MAX &&
	    terminated(e->scheme, sizeof(e->scheme)) &&
	    terminated(e->level, sizeof(e->level)) &&
	    terminated(e->authority, sizeof(e->authority)) &&
	    terminated(e->reference, sizeof(e->reference)) &&
	    terminated(e->compartment, sizeof(e->compartment)) &&
	    terminated(e->reason, sizeof(e->reason));
}

int
record_history_encode(const char *id, const struct history *h, uint8_t **buf,
    size_t *len)
{
	Vet__Store__V1__HistoryRecord r = VET__STORE__V1__HISTORY_RECORD__INIT;
	Vet__Store__V1__EventRecord *er = NULL, **erp = NULL;
	uint8_t *b;
	size_t n;
	int rv;

	if (id == NULL || id[0] == '\0' || h->n > HISTORY_STORED_MAX)
		return STATUS_INVALID_ARGUMENT;
	for (size_t i = 0; i < h->n; i++)
		if (!event_valid(&h->events[i]))
			return STATUS_INVALID_ARGUMENT;
	if (h->n > 0 && ((er = calloc(h->n, sizeof(*er))) == NULL ||
	    (erp = calloc(h->n, sizeof(*erp))) == NULL)) {
		rv = STATUS_RESOURCE_EXHAUSTED;
		goto done;
	}
	/* The record borrows the events' strings; pack only reads them. */
	for (size_t i = 0; i < h->n; i++) {
		const struct event *e = &h->events[i];

		vet__store__v1__event_record__init(&er[i]);
		er[i].kind = (uint32_t)e->kind;
		er[i].at = e->at;
		er[i].recorded_at = e->recorded_at;
		er[i].scheduled = e->scheduled != 0;
		er[i].scheme = (char *)e->scheme;
		er[i].level = (char *)e->level;
		er[i].review_due = e->review_due;
		er[i].authority = (char *)e->authority;
		er[i].reference = (char *)e->reference;
		er[i].compartment = (char *)e->compartment;
		er[i].expires_at = e->expires_at;
		er[i].reason = (char *)e->reason;
		erp[i] = &er[i];
	}
	r.id = (char *)id;
	r.n_events = h->n;
	r.events = erp;
	n = vet__store__v1__history_record__get_packed_size(&r);
	if ((b = malloc(n > 0 ? n : 1)) == NULL) {
		rv = STATUS_RESOURCE_EXHAUSTED;
		goto done;
	}
	*len = vet__store__v1__history_record__pack(&r, b);
	*buf = b;
	rv = STATUS_OK;
done:
	free(erp);
	free(er);
	return rv;
}

static int
event_record_valid(const Vet__Store__V1__EventRecord *r)
{
	return r != NULL && r->kind >= 1 && r->kind <= EVENT_KIND_MAX &&
	    fits(r->scheme, FIELD_SIZE(struct event, scheme)) &&
	    fits(r->level, FIELD_SIZE(struct event, level)) &&
	    fits(r->authority, FIELD_SIZE(struct event, authority)) &&
	    fits(r->reference, FIELD_SIZE(struct event, reference)) &&
	    fits(r->compartment, FIELD_SIZE(struct event, compartment)) &&
	    fits(r->reason, FIELD_SIZE(struct event, reason));
}

int
record_history_decode(const uint8_t *buf, size_t len, const char *id,
    struct history *out)
{
	Vet__Store__V1__HistoryRecord *r;
	struct history h;
	struct event e;
	size_t i;
	int rv = STATUS_DATA_LOSS;

	history_init(&h);
	if (len > RECORD_HISTORY_DECODE_MAX)
		return STATUS_DATA_LOSS;
	if ((r = vet__store__v1__history_record__unpack(NULL, len,
	    buf)) == NULL)
		return STATUS_DATA_LOSS;	/* or no memory: fail closed */
	if (r->id == NULL || strcmp(r->id, id) != 0 ||
	    r->n_events > HISTORY_STORED_MAX)
		goto done;
	for (i = 0; i < r->n_events; i++) {
		const Vet__Store__V1__EventRecord *er = r->events[i];

		if (!event_record_valid(er) || (i > 0 &&
		    er->at < r->events[i - 1]->at))
			goto done;
		memset(&e, 0, sizeof(e));
		e.kind = (enum event_kind)er->kind;
		e.at = er->at;
		e.recorded_at = er->recorded_at;
		e.scheduled = er->scheduled ? 1 : 0;
		copy(e.scheme, er->scheme);
		copy(e.level, er->level);
		e.review_due = er->review_due;
		copy(e.authority, er->authority);
		copy(e.reference, er->reference);
		copy(e.compartment, er->compartment);
		e.expires_at = er->expires_at;
		copy(e.reason, er->reason);
		if (history_add_stored(&h, &e) != 0) {
			rv = STATUS_RESOURCE_EXHAUSTED;
			goto done;
		}
	}
	history_free(out);
	*out = h;
	history_init(&h);
	rv = STATUS_OK;
done:
	history_free(&h);
	vet__store__v1__history_record__free_unpacked(r, NULL);
	return rv;
}
