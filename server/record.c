/*
 * record.c: converts people, caveats and stored replies to and from the
 * protobuf-c messages of record.proto, the bytes kept in LMDB. The only
 * file that sees those messages. Decoding is on the check path, so it
 * unpacks into a bump arena that starts on the stack (no malloc for a
 * typical person) and never calls free_unpacked; it trusts nothing it
 * reads and checks every length, count and enum before writing *out.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record.pb-c.h"
#include "status.h"
#include "store.h"
#include "record.h"

#define FIELD_SIZE(type, f)	sizeof(((type *)0)->f)

/*
 * The arena. Most allocations come from a buffer on the decoder's stack;
 * when it runs out, chunks are malloc'd and chained, and decode_arena_release
 * frees them. Free is a no-op: everything goes at once.
 */
#define ARENA_ALIGN	_Alignof(max_align_t)
#define ARENA_STACK	16384
#define ARENA_CHUNK	16384

union decode_arena_chunk {
	union decode_arena_chunk *next;
	max_align_t	align;
};

struct decode_arena {
	unsigned char	*cur;
	size_t		 avail;
	union decode_arena_chunk *chunks;
	int		 oom;
};

union decode_arena_stack {
	max_align_t	align;
	unsigned char	bytes[ARENA_STACK];
};

static void *
decode_arena_alloc(void *data, size_t size)
{
	struct decode_arena *a = data;
	union decode_arena_chunk *c;
	unsigned char *p;
	size_t need, csize;

	if (size > SIZE_MAX / 2) {
		a->oom = 1;
		return NULL;
	}
	need = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (need == 0)
		need = ARENA_ALIGN;
	if (need > a->avail) {
		csize = need > ARENA_CHUNK ? need : ARENA_CHUNK;
		if ((c = malloc(sizeof(*c) + csize)) == NULL) {
			a->oom = 1;
			return NULL;
		}
		c->next = a->chunks;
		a->chunks = c;
		a->cur = (unsigned char *)(c + 1);
		a->avail = csize;
	}
	p = a->cur;
	a->cur += need;
	a->avail -= need;
	return p;
}

static void
decode_arena_free(void *data, void *p)
{
	(void)data;
	(void)p;
}

static void
decode_arena_init(struct decode_arena *a, union decode_arena_stack *st)
{
	a->cur = st->bytes;
	a->avail = sizeof(st->bytes);
	a->chunks = NULL;
	a->oom = 0;
}

static void
decode_arena_release(struct decode_arena *a)
{
	union decode_arena_chunk *c;

	while ((c = a->chunks) != NULL) {
		a->chunks = c->next;
		free(c);
	}
}

/* Status for a failed unpack: damaged bytes, or no memory to read them. */
static int
decode_arena_status(const struct decode_arena *a)
{
	return a->oom ? STATUS_RESOURCE_EXHAUSTED : STATUS_DATA_LOSS;
}

/* terminated: the model string s ends within its field of size bytes. */
static int
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* fits: a decoded string (NULL means "") fits a field of size bytes. */
static int
fits(const char *s, size_t size)
{
	return s == NULL || strnlen(s, size) < size;
}

/* copy: writes a string that passed fits() into its field. */
static void
copy(char *dst, const char *s)
{
	if (s == NULL)
		dst[0] = '\0';
	else
		memcpy(dst, s, strlen(s) + 1);
}

static int
in_range(int v, int lo, int hi)
{
	return v >= lo && v <= hi;
}

static int
pack_out(const ProtobufCMessage *m, uint8_t **buf, size_t *len)
{
	uint8_t *b;
	size_t n;

	n = protobuf_c_message_get_packed_size(m);
	if ((b = malloc(n > 0 ? n : 1)) == NULL)
		return STATUS_RESOURCE_EXHAUSTED;
	protobuf_c_message_pack(m, b);
	*buf = b;
	*len = n;
	return STATUS_OK;
}

/* People. */

static int
clearance_valid(const struct clearance *c)
{
	return terminated(c->scheme, sizeof(c->scheme)) &&
	    terminated(c->level, sizeof(c->level)) &&
	    terminated(c->authority, sizeof(c->authority)) &&
	    terminated(c->reference, sizeof(c->reference)) &&
	    terminated(c->status_reason, sizeof(c->status_reason)) &&
	    in_range((int)c->status, CLEARANCE_GRANTED, CLEARANCE_LAPSED);
}

static int
briefing_valid(const struct briefing *b)
{
	return terminated(b->compartment, sizeof(b->compartment)) &&
	    terminated(b->debrief_reason, sizeof(b->debrief_reason));
}

static int
person_valid(const struct person *p)
{
	size_t i;

	if (!terminated(p->id, sizeof(p->id)) || p->id[0] == '\0' ||
	    !terminated(p->display_name, sizeof(p->display_name)) ||
	    !terminated(p->email, sizeof(p->email)) ||
	    !terminated(p->org_unit, sizeof(p->org_unit)) ||
	    !terminated(p->nationality, sizeof(p->nationality)) ||
	    !terminated(p->status_reason, sizeof(p->status_reason)) ||
	    !in_range((int)p->status, PERSON_ACTIVE, PERSON_LEAVER) ||
	    !in_range((int)p->source, SOURCE_MANUAL, SOURCE_DIRECTORY) ||
	    p->n_clearances > PERSON_MAX_CLEARANCES ||
	    p->n_briefings > PERSON_MAX_BRIEFINGS)
		return 0;
	for (i = 0; i < p->n_clearances; i++)
		if (!clearance_valid(&p->clearances[i]))
			return 0;
	for (i = 0; i < p->n_briefings; i++)
		if (!briefing_valid(&p->briefings[i]))
			return 0;
	return 1;
}

int
record_person_encode(const struct person *p, uint8_t **buf, size_t *len)
{
	return record_person_encode_meta(p, NULL, buf, len);
}

int
record_person_encode_meta(const struct person *p, const struct person_meta *m,
    uint8_t **buf, size_t *len)
{
	Vet__Store__V1__PersonRecord r = VET__STORE__V1__PERSON_RECORD__INIT;
	Vet__Store__V1__ClearanceRecord cr[PERSON_MAX_CLEARANCES];
	Vet__Store__V1__ClearanceRecord *crp[PERSON_MAX_CLEARANCES];
	Vet__Store__V1__BriefingRecord br[PERSON_MAX_BRIEFINGS];
	Vet__Store__V1__BriefingRecord *brp[PERSON_MAX_BRIEFINGS];
	size_t i;

	if (!person_valid(p))
		return STATUS_INVALID_ARGUMENT;

	/* The record borrows the person's strings; pack only reads them. */
	r.id = (char *)p->id;
	r.display_name = (char *)p->display_name;
	r.email = (char *)p->email;
	r.org_unit = (char *)p->org_unit;
	r.nationality = (char *)p->nationality;
	r.status = (uint32_t)p->status;
	r.source = (uint32_t)p->source;
	r.status_reason = (char *)p->status_reason;
	r.created_at = p->created_at;
	r.updated_at = p->updated_at;
	r.status_changed_at = p->status_changed_at;

	for (i = 0; i < p->n_clearances; i++) {
		const struct clearance *c = &p->clearances[i];

		vet__store__v1__clearance_record__init(&cr[i]);
		cr[i].scheme = (char *)c->scheme;
		cr[i].level = (char *)c->level;
		cr[i].granted_at = c->granted_at;
		cr[i].review_due = c->review_due;
		cr[i].authority = (char *)c->authority;
		cr[i].reference = (char *)c->reference;
		cr[i].status = (uint32_t)c->status;
		cr[i].status_reason = (char *)c->status_reason;
		cr[i].status_changed_at = c->status_changed_at;
		crp[i] = &cr[i];
	}
	r.n_clearances = p->n_clearances;
	r.clearances = p->n_clearances > 0 ? crp : NULL;

	for (i = 0; i < p->n_briefings; i++) {
		const struct briefing *b = &p->briefings[i];

		vet__store__v1__briefing_record__init(&br[i]);
		br[i].compartment = (char *)b->compartment;
		br[i].briefed_at = b->briefed_at;
		br[i].expires_at = b->expires_at;
		br[i].debriefed_at = b->debriefed_at;
		br[i].debrief_reason = (char *)b->debrief_reason;
		brp[i] = &br[i];
	}
	r.n_briefings = p->n_briefings;
	r.briefings = p->n_briefings > 0 ? brp : NULL;
	if (m != NULL) {
		r.materialised_at = m->materialised_at;
		r.next_event_at = m->next_event_at;
	}

	return pack_out(&r.base, buf, len);
}

static int
clearance_record_valid(const Vet__Store__V1__ClearanceRecord *c)
{
	return c != NULL &&
	    fits(c->scheme, FIELD_SIZE(struct clearance, scheme)) &&
	    fits(c->level, FIELD_SIZE(struct clearance, level)) &&
	    fits(c->authority, FIELD_SIZE(struct clearance, authority)) &&
	    fits(c->reference, FIELD_SIZE(struct clearance, reference)) &&
	    fits(c->status_reason,
	    FIELD_SIZE(struct clearance, status_reason)) &&
	    c->status >= CLEARANCE_GRANTED && c->status <= CLEARANCE_LAPSED;
}

static int
briefing_record_valid(const Vet__Store__V1__BriefingRecord *b)
{
	return b != NULL &&
	    fits(b->compartment, FIELD_SIZE(struct briefing, compartment)) &&
	    fits(b->debrief_reason,
	    FIELD_SIZE(struct briefing, debrief_reason));
}

static int
person_record_valid(const Vet__Store__V1__PersonRecord *r)
{
	size_t i;

	if (r->id == NULL || r->id[0] == '\0' ||
	    !fits(r->id, FIELD_SIZE(struct person, id)) ||
	    !fits(r->display_name, FIELD_SIZE(struct person, display_name)) ||
	    !fits(r->email, FIELD_SIZE(struct person, email)) ||
	    !fits(r->org_unit, FIELD_SIZE(struct person, org_unit)) ||
	    !fits(r->nationality, FIELD_SIZE(struct person, nationality)) ||
	    !fits(r->status_reason,
	    FIELD_SIZE(struct person, status_reason)) ||
	    r->status < PERSON_ACTIVE || r->status > PERSON_LEAVER ||
	    r->source < SOURCE_MANUAL || r->source > SOURCE_DIRECTORY ||
	    r->n_clearances > PERSON_MAX_CLEARANCES ||
	    r->n_briefings > PERSON_MAX_BRIEFINGS)
		return 0;
	for (i = 0; i < r->n_clearances; i++)
		if (!clearance_record_valid(r->clearances[i]))
			return 0;
	for (i = 0; i < r->n_briefings; i++)
		if (!briefing_record_valid(r->briefings[i]))
			return 0;
	return 1;
}

/*
 * person_fill writes the record into *p. With whole set every byte is
 * written (unused entries zeroed); without, only the person's own fields
 * and the used entries are, which spares the check path zeroing some 40
 * KB of empty briefing slots per look-up.
 */
static void
person_fill(const Vet__Store__V1__PersonRecord *r, struct person *p,
    int whole)
{
	size_t i;

	if (whole)
		memset(p, 0, sizeof(*p));
	else {
		memset(p, 0, offsetof(struct person, clearances));
		memset(p->clearances, 0, r->n_clearances *
		    sizeof(p->clearances[0]));
		memset(p->briefings, 0, r->n_briefings *
		    sizeof(p->briefings[0]));
	}
	copy(p->id, r->id);
	copy(p->display_name, r->display_name);
	copy(p->email, r->email);
	copy(p->org_unit, r->org_unit);
	copy(p->nationality, r->nationality);
	p->status = (enum person_status)r->status;
	p->source = (enum person_source)r->source;
	copy(p->status_reason, r->status_reason);
	p->created_at = r->created_at;
	p->updated_at = r->updated_at;
	p->status_changed_at = r->status_changed_at;

	p->n_clearances = r->n_clearances;
	for (i = 0; i < r->n_clearances; i++) {
		const Vet__Store__V1__ClearanceRecord *cr = r->clearances[i];
		struct clearance *c = &p->clearances[i];

		copy(c->scheme, cr->scheme);
		copy(c->level, cr->level);
		c->granted_at = cr->granted_at;
		c->review_due = cr->review_due;
		copy(c->authority, cr->authority);
		copy(c->reference, cr->reference);
		c->status = (enum clearance_status)cr->status;
		copy(c->status_reason, cr->status_reason);
		c->status_changed_at = cr->status_changed_at;
	}

	p->n_briefings = r->n_briefings;
	for (i = 0; i < r->n_briefings; i++) {
		const Vet__Store__V1__BriefingRecord *bre = r->briefings[i];
		struct briefing *b = &p->briefings[i];

		copy(b->compartment, bre->compartment);
		b->briefed_at = bre->briefed_at;
		b->expires_at = bre->expires_at;
		b->debriefed_at = bre->debriefed_at;
		copy(b->debrief_reason, bre->debrief_reason);
	}
}

static int
person_decode(const uint8_t *buf, size_t len, struct person *out, int whole,
    struct person_meta *m)
{
	union decode_arena_stack st;
	struct decode_arena a;
	ProtobufCAllocator alloc = {
		.alloc = decode_arena_alloc, .free = decode_arena_free, .allocator_data = &a
	};
	Vet__Store__V1__PersonRecord *r;
	int rv;

	if (len > RECORD_DECODE_MAX)
		return STATUS_DATA_LOSS;
	decode_arena_init(&a, &st);
	r = vet__store__v1__person_record__unpack(&alloc, len, buf);
	if (r == NULL) {
		rv = decode_arena_status(&a);
		goto done;
	}
	if (!person_record_valid(r)) {
		rv = STATUS_DATA_LOSS;
		goto done;
	}
	person_fill(r, out, whole);
	if (m != NULL) {
		m->materialised_at = r->materialised_at;
		m->next_event_at = r->next_event_at;
	}
	rv = STATUS_OK;
done:
	decode_arena_release(&a);
	return rv;
}

int
record_person_decode(const uint8_t *buf, size_t len, struct person *out)
{
	return person_decode(buf, len, out, 1, NULL);
}

int
record_person_decode_used(const uint8_t *buf, size_t len, struct person *out)
{
	return person_decode(buf, len, out, 0, NULL);
}

int
record_person_decode_meta(const uint8_t *buf, size_t len, int whole,
    struct person *out, struct person_meta *m)
{
	return person_decode(buf, len, out, whole, m);
}

/* Caveats. */

static int
caveat_valid(const struct caveat *c)
{
	size_t i;

	if (!terminated(c->name, sizeof(c->name)) || c->name[0] == '\0' ||
	    !terminated(c->min_scheme, sizeof(c->min_scheme)) ||
	    !terminated(c->min_level, sizeof(c->min_level)) ||
	    !in_range((int)c->kind, CAVEAT_COMPARTMENT, CAVEAT_NATIONAL) ||
	    c->n_nationalities > CAVEAT_MAX_NATIONALITIES)
		return 0;
	for (i = 0; i < c->n_nationalities; i++)
		if (!terminated(c->nationalities[i],
		    sizeof(c->nationalities[i])))
			return 0;
	return 1;
}

int
record_caveat_encode(const struct caveat *c, uint8_t **buf, size_t *len)
{
	Vet__Store__V1__CaveatRecord r = VET__STORE__V1__CAVEAT_RECORD__INIT;
	char *nat[CAVEAT_MAX_NATIONALITIES];
	size_t i;

	if (!caveat_valid(c))
		return STATUS_INVALID_ARGUMENT;
	r.name = (char *)c->name;
	r.kind = (uint32_t)c->kind;
	r.min_scheme = (char *)c->min_scheme;
	r.min_level = (char *)c->min_level;
	for (i = 0; i < c->n_nationalities; i++)
		nat[i] = (char *)c->nationalities[i];
	r.n_nationalities = c->n_nationalities;
	r.nationalities = c->n_nationalities > 0 ? nat : NULL;
	return pack_out(&r.base, buf, len);
}

static int
caveat_record_valid(const Vet__Store__V1__CaveatRecord *r)
{
	size_t i;

	if (r->name == NULL || r->name[0] == '\0' ||
	    !fits(r->name, FIELD_SIZE(struct caveat, name)) ||
	    !fits(r->min_scheme, FIELD_SIZE(struct caveat, min_scheme)) ||
	    !fits(r->min_level, FIELD_SIZE(struct caveat, min_level)) ||
	    r->kind < CAVEAT_COMPARTMENT || r->kind > CAVEAT_NATIONAL ||
	    r->n_nationalities > CAVEAT_MAX_NATIONALITIES)
		return 0;
	for (i = 0; i < r->n_nationalities; i++)
		if (!fits(r->nationalities[i],
		    FIELD_SIZE(struct caveat, nationalities[0])))
			return 0;
	return 1;
}

int
record_caveat_decode(const uint8_t *buf, size_t len, struct caveat *out)
{
	union decode_arena_stack st;
	struct decode_arena a;
	ProtobufCAllocator alloc = {
		.alloc = decode_arena_alloc, .free = decode_arena_free, .allocator_data = &a
	};
	Vet__Store__V1__CaveatRecord *r;
	size_t i;
	int rv;

	if (len > RECORD_DECODE_MAX)
		return STATUS_DATA_LOSS;
	decode_arena_init(&a, &st);
	r = vet__store__v1__caveat_record__unpack(&alloc, len, buf);
	if (r == NULL) {
		rv = decode_arena_status(&a);
		goto done;
	}
	if (!caveat_record_valid(r)) {
		rv = STATUS_DATA_LOSS;
		goto done;
	}
	memset(out, 0, sizeof(*out));
	copy(out->name, r->name);
	out->kind = (enum caveat_kind)r->kind;
	copy(out->min_scheme, r->min_scheme);
	copy(out->min_level, r->min_level);
	out->n_nationalities = r->n_nationalities;
	for (i = 0; i < r->n_nationalities; i++)
		copy(out->nationalities[i], r->nationalities[i]);
	out->builtin = 0;
	rv = STATUS_OK;
done:
	decode_arena_release(&a);
	return rv;
}

/* Stored replies. */

int
record_reply_encode(const struct stored_reply *sr, uint8_t **buf,
    size_t *len)
{
	Vet__Store__V1__ReplyRecord r = VET__STORE__V1__REPLY_RECORD__INIT;

	if (!terminated(sr->method, sizeof(sr->method)) ||
	    (sr->reply == NULL && sr->reply_len > 0))
		return STATUS_INVALID_ARGUMENT;
	r.method = (char *)sr->method;
	r.payload_digest.data = (uint8_t *)sr->payload_digest;
	r.payload_digest.len = sizeof(sr->payload_digest);
	r.created_at = sr->created_at;
	r.reply.data = sr->reply;
	r.reply.len = sr->reply_len;
	return pack_out(&r.base, buf, len);
}

/*
 * record_reply_decode copies the reply out of the arena: it is the one
 * field the caller keeps, and it may be far bigger than a person.
 */
int
record_reply_decode(const uint8_t *buf, size_t len, struct stored_reply *out)
{
	union decode_arena_stack st;
	struct decode_arena a;
	ProtobufCAllocator alloc = {
		.alloc = decode_arena_alloc, .free = decode_arena_free, .allocator_data = &a
	};
	Vet__Store__V1__ReplyRecord *r;
	uint8_t *reply;
	int rv;

	decode_arena_init(&a, &st);
	r = vet__store__v1__reply_record__unpack(&alloc, len, buf);
	if (r == NULL) {
		rv = decode_arena_status(&a);
		goto done;
	}
	if (!fits(r->method, FIELD_SIZE(struct stored_reply, method)) ||
	    r->payload_digest.len !=
	    FIELD_SIZE(struct stored_reply, payload_digest) ||
	    (r->reply.len > 0 && r->reply.data == NULL)) {
		rv = STATUS_DATA_LOSS;
		goto done;
	}
	if ((reply = malloc(r->reply.len > 0 ? r->reply.len : 1)) == NULL) {
		rv = STATUS_RESOURCE_EXHAUSTED;
		goto done;
	}
	if (r->reply.len > 0)
		memcpy(reply, r->reply.data, r->reply.len);
	memset(out, 0, sizeof(*out));
	copy(out->method, r->method);
	memcpy(out->payload_digest, r->payload_digest.data,
	    sizeof(out->payload_digest));
	out->created_at = r->created_at;
	out->reply = reply;
	out->reply_len = r->reply.len;
	rv = STATUS_OK;
done:
	decode_arena_release(&a);
	return rv;
}
