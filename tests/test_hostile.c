/*
 * test_hostile.c: a corpus of nasty requests fired at a live vetd over a
 * raw nng REQ socket. For every method of the service (walked through the
 * protobuf-c service descriptor, so a new method is covered the day it is
 * declared) a valid request is mutated field by field: NUL bytes and
 * invalid UTF-8 in every string at every depth, every enum out of range,
 * every date out of range, wrong wire types, truncation, every repeated
 * field repeated far past its cap (under the frame cap). Each must get its
 * exact status; afterwards vetd still answers Health and the store's
 * revision has not moved. A last test sends every unmutated request and
 * expects OK, which proves each failure came from the mutation and not
 * from a broken base request. Envelope-level frames are in
 * test_hostile_envelope.c.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile.h"

#define PLACEHOLDER	"QzQzPLACEHOLDERzQzQ"

/*
 * Reflection over protobuf-c messages: visit every scalar of a decoded
 * base request (the first element of a repeated field, recursing into
 * sub-messages) and mutate the k-th one.
 */

struct slot {
	const ProtobufCFieldDescriptor *f;
	ProtobufCMessage *parent;
	void	*elem;		/* the scalar, or the first element */
};

typedef int (*slot_fn)(struct slot *s, void *arg);

/* walk calls fn for every field with a value; stops when fn returns 1. */
static int
walk(ProtobufCMessage *m, slot_fn fn, void *arg)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		char *member = (char *)m + f->offset;
		struct slot s = { .f = f, .parent = m, .elem = member };

		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(size_t *)((char *)m +
			    f->quantifier_offset);
			if (n == 0)
				continue;
			s.elem = *(void **)member;	/* element 0 */
		}
		if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
			ProtobufCMessage *sub = *(ProtobufCMessage **)s.elem;
			if (sub == NULL)
				continue;
			if (fn(&s, arg) || walk(sub, fn, arg))
				return 1;
			continue;
		}
		if (fn(&s, arg))
			return 1;
	}
	return 0;
}

/* A mutation: which fields it applies to, what it does, what vetd says. */
struct mutation {
	const char *what;
	int	(*applies)(const ProtobufCFieldDescriptor *f);
	void	(*apply)(struct slot *s);
	const char *replace;	/* bytes that start PLACEHOLDER's stand-in */
	size_t	replace_len;	/* the rest of it is 'x' */
	const char *needle;	/* after "field NAME"; NULL: any message */
};

static int
is_string(const ProtobufCFieldDescriptor *f)
{
	return f->type == PROTOBUF_C_TYPE_STRING;
}

static int
is_enum(const ProtobufCFieldDescriptor *f)
{
	return f->type == PROTOBUF_C_TYPE_ENUM;
}

static int
is_date(const ProtobufCFieldDescriptor *f)
{
	return f->type == PROTOBUF_C_TYPE_INT64;
}

static int
is_repeated(const ProtobufCFieldDescriptor *f)
{
	return f->label == PROTOBUF_C_LABEL_REPEATED;
}

static void
set_placeholder(struct slot *s)
{
	*(char **)s->elem = PLACEHOLDER;
}

static void
set_huge_string(struct slot *s)
{
	static char *big;

	if (big == NULL) {
		big = malloc(200 * 1024 + 1);
		memset(big, 'x', 200 * 1024);
		big[200 * 1024] = '\0';
	}
	*(char **)s->elem = big;
}

static void set_enum_99(struct slot *s) { *(int *)s->elem = 99; }
static void set_enum_neg(struct slot *s) { *(int *)s->elem = -1; }
static void set_date_neg(struct slot *s) { *(int64_t *)s->elem = -1; }
static void set_date_max(struct slot *s) { *(int64_t *)s->elem = INT64_MAX; }
static void set_date_min(struct slot *s) { *(int64_t *)s->elem = INT64_MIN; }
/* 2201-01-01T00:00:00Z, one second past vetd's range (vettime.h). */
static void set_date_2201(struct slot *s) { *(int64_t *)s->elem = 7289654400; }

/* set_repeated_huge repeats element 0 until the frame is near the cap. */
static void
set_repeated_huge(struct slot *s)
{
	const ProtobufCFieldDescriptor *f = s->f;
	size_t *count = (size_t *)((char *)s->parent + f->quantifier_offset);
	void **arr = (void **)((char *)s->parent + f->offset);
	size_t esize, n;
	char *copy;

	switch (f->type) {
	case PROTOBUF_C_TYPE_ENUM:
		esize = sizeof(int);
		n = 200000;		/* packed: one byte each */
		break;
	case PROTOBUF_C_TYPE_STRING:
		esize = sizeof(char *);
		n = (FRAME_CAP / 2) / (strlen(*(char **)*arr) + 2);
		break;
	default:
		esize = sizeof(void *);
		n = (FRAME_CAP / 2) / (protobuf_c_message_get_packed_size(
		    *(ProtobufCMessage **)*arr) + 3);
		break;
	}
	cr_assert_not_null(copy = malloc(esize * n));
	for (size_t i = 0; i < n; i++)
		memcpy(copy + i * esize, *arr, esize);
	*arr = copy;		/* leaked with the test process */
	*count = n;
}

static const struct mutation mutations[] = {
	{ "NUL byte", is_string, set_placeholder, "ab\0c", 4,
	    " holds a NUL byte" },
	{ "invalid UTF-8", is_string, set_placeholder, "ab\xc3\x28", 4,
	    " is not valid UTF-8" },
	{ "overlong UTF-8", is_string, set_placeholder, "ab\xc0\xaf", 4,
	    " is not valid UTF-8" },
	{ "UTF-16 surrogate", is_string, set_placeholder, "ab\xed\xa0\x80",
	    5, " is not valid UTF-8" },
	{ "lone continuation byte", is_string, set_placeholder, "\x80", 1,
	    " is not valid UTF-8" },
	{ "truncated sequence", is_string, set_placeholder, "abc\xe2\x82", 5,
	    " is not valid UTF-8" },
	{ "huge string", is_string, set_huge_string, NULL, 0, NULL },
	{ "enum 99", is_enum, set_enum_99, NULL, 0, NULL },
	{ "enum -1", is_enum, set_enum_neg, NULL, 0, NULL },
	{ "date -1", is_date, set_date_neg, NULL, 0, NULL },
	{ "date INT64_MAX", is_date, set_date_max, NULL, 0, NULL },
	{ "date INT64_MIN", is_date, set_date_min, NULL, 0, NULL },
	{ "date 2201-01-01", is_date, set_date_2201, NULL, 0, NULL },
	{ "huge repeated", is_repeated, set_repeated_huge, NULL, 0, NULL },
};

struct pick {
	const struct mutation *mu;
	int	target;		/* the index of the slot to mutate */
	int	seen;
	const ProtobufCFieldDescriptor *hit;
	const ProtobufCMessageDescriptor *in;	/* hit's message */
};

static int
pick_slot(struct slot *s, void *arg)
{
	struct pick *p = arg;

	if (!p->mu->applies(s->f))
		return 0;
	/* Person.updated_at is vetd's own: an import's value is ignored
	 * (handlers_import.c), so any value there is not bad input. */
	if (s->parent->descriptor == &vet__v1__person__descriptor &&
	    strcmp(s->f->name, "updated_at") == 0)
		return 0;
	if (p->seen++ != p->target)
		return 0;
	p->mu->apply(s);
	p->hit = s->f;
	p->in = s->parent->descriptor;
	return 1;
}

/* replace_placeholder swaps PLACEHOLDER in buf for the mutation's bytes
 * (padded to the same length, so every length prefix stays right). */
static void
replace_placeholder(uint8_t *buf, size_t len, const struct mutation *mu)
{
	size_t pl = strlen(PLACEHOLDER);

	cr_assert_leq(mu->replace_len, pl);
	for (size_t i = 0; i + pl <= len; i++) {
		if (memcmp(buf + i, PLACEHOLDER, pl) == 0) {
			memset(buf + i, 'x', pl);
			memcpy(buf + i, mu->replace, mu->replace_len);
			return;
		}
	}
	cr_assert_fail("placeholder not found");
}

/* A throwaway allocator: every allocation is kept and freed at once. */
struct pool {
	void	*p[4096];
	size_t	n;
};

static void *
pool_alloc(void *data, size_t size)
{
	struct pool *pl = data;
	void *p = malloc(size ? size : 1);
	cr_assert(pl->n < 4096);
	pl->p[pl->n++] = p;
	return p;
}

static void pool_nofree(void *data, void *p) { (void)data; (void)p; }

static void
pool_clear(struct pool *pl)
{
	while (pl->n > 0)
		free(pl->p[--pl->n]);
}

/*
 * expect_batch_invalid: a BatchCheck answers each check on its own, so a
 * check with a field too long or too many caveats is a DENY
 * INVALID_REQUEST in an OK reply
 * (wire-level faults, NUL and bad UTF-8, still fail the whole call).
 */
static void
expect_batch_invalid(Vet__V1__RpcResponse *resp, const char *what)
{
	Vet__V1__BatchCheckResponse *b;

	cr_assert_not_null(resp, "%s: no reply", what);
	cr_assert_eq(resp->status->code, 0, "%s: %d (%s)", what,
	    resp->status->code, resp->status->message);
	b = vet__v1__batch_check_response__unpack(NULL, resp->payload.len,
	    resp->payload.data);
	cr_assert_not_null(b, "%s: bad payload", what);
	cr_assert_eq(b->n_decisions, 1, "%s", what);
	cr_assert_eq(b->decisions[0]->effect, VET__V1__EFFECT__EFFECT_DENY,
	    "%s", what);
	cr_assert_eq(b->decisions[0]->reason,
	    VET__V1__REASON__REASON_INVALID_REQUEST, "%s: reason %d", what,
	    b->decisions[0]->reason);
	vet__v1__batch_check_response__free_unpacked(b, NULL);
	vet__v1__rpc_response__free_unpacked(resp, NULL);
}

/*
 * mutate_method applies every mutation to every applicable field of one
 * method's base request; each must get INVALID_ARGUMENT. Returns how many
 * frames it sent.
 */
static unsigned
mutate_method(const ProtobufCMethodDescriptor *md)
{
	static uint8_t base[8192];
	static struct pool pl;
	ProtobufCAllocator alloc = { pool_alloc, pool_nofree, &pl };
	char method[128], what[256], needle[128];
	size_t base_len = pack_base(md->name, base);
	unsigned sent = 0;

	snprintf(method, sizeof(method), "/vet.v1.Vetting/%s", md->name);
	for (size_t k = 0; k < sizeof(mutations) / sizeof(mutations[0]);
	    k++) {
		const struct mutation *mu = &mutations[k];

		for (int target = 0;; target++) {
			struct pick p = { .mu = mu, .target = target };
			ProtobufCMessage *m;
			uint8_t *buf;
			size_t len;

			m = protobuf_c_message_unpack(md->input, &alloc,
			    base_len, base);
			cr_assert_not_null(m, "%s: base does not decode",
			    md->name);
			walk(m, pick_slot, &p);
			if (p.hit == NULL) {
				pool_clear(&pl);
				break;
			}
			len = protobuf_c_message_get_packed_size(m);
			cr_assert_lt(len, FRAME_CAP - 1024,
			    "%s.%s: mutation too big", md->name, p.hit->name);
			cr_assert_not_null(buf = malloc(len + 1));
			protobuf_c_message_pack(m, buf);
			pool_clear(&pl);
			if (mu->replace != NULL)
				replace_placeholder(buf, len, mu);
			snprintf(what, sizeof(what), "%s %s in %s", md->name,
			    mu->what, p.hit->name);
			if (mu->needle != NULL)
				snprintf(needle, sizeof(needle), "field %s%s",
				    p.hit->name, mu->needle);
			if (p.in == &vet__v1__check_request__descriptor &&
			    md->input != p.in && mu->replace == NULL)
				expect_batch_invalid(call_raw(method, "", buf,
				    len), what);
			else
				expect(call_raw(method, "", buf, len), 3,
				    mu->needle != NULL ? needle : NULL, what);
			free(buf);
			sent++;
		}
	}
	return sent;
}

/*
 * generic_frames: payloads wrong for any message: garbage, a field with
 * the wrong wire type for every field, lengths past the end, truncation of
 * the base at every point inside a field.
 */
static unsigned
generic_frames(const ProtobufCMethodDescriptor *md)
{
	static uint8_t base[8192];
	char method[128], what[256], needle[160];
	size_t base_len = pack_base(md->name, base);
	const ProtobufCMessageDescriptor *d = md->input;
	unsigned sent = 0;

	snprintf(method, sizeof(method), "/vet.v1.Vetting/%s", md->name);
	snprintf(needle, sizeof(needle), "payload is not a valid %s",
	    d->name);

	/* Wire type 7 does not exist; 0xff... is a varint that never ends;
	 * a length of 2^35 runs past the end. */
	static const uint8_t junk[][8] = {
		{ 0x0f, 0x00 }, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x0a, 0x80, 0x80, 0x80, 0x80, 0x01, 'x' }, { 0x0a, 0x05, 'a' },
	};
	static const size_t junk_len[] = { 2, 7, 7, 3 };
	for (size_t i = 0; i < 4; i++) {
		snprintf(what, sizeof(what), "%s junk %zu", md->name, i);
		expect(call_raw(method, "", junk[i], junk_len[i]), 3, "payload "
		    "is not a valid", what);
		sent++;
	}

	/* Every field with a wire type it cannot have. */
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		uint8_t buf[16];
		size_t n = 0;
		int lenlike = f->type == PROTOBUF_C_TYPE_STRING ||
		    f->type == PROTOBUF_C_TYPE_BYTES ||
		    f->type == PROTOBUF_C_TYPE_MESSAGE;

		buf[n++] = (uint8_t)(f->id << 3 | (lenlike ? 5 : 1));
		memset(buf + n, 0x41, 8);
		n += lenlike ? 4 : 8;
		snprintf(what, sizeof(what), "%s wrong wire type for %s",
		    md->name, f->name);
		expect(call_raw(method, "", buf, n), 3, needle, what);
		sent++;
	}

	/* The base cut at every point that is not a field boundary. */
	for (size_t cut = 1; cut < base_len; cut++) {
		size_t pos = 0;
		int boundary = 0;
		while (pos < cut) {
			uint64_t key = base[pos++], v = 0;
			int shift = 0;
			if ((key & 7) == 0 || (key & 7) == 2) {
				while (pos < base_len) {
					v |= (uint64_t)(base[pos] & 0x7f) << shift;
					shift += 7;
					if ((base[pos++] & 0x80) == 0)
						break;
				}
				if ((key & 7) == 2)
					pos += v;
			} else
				pos += (key & 7) == 1 ? 8 : 4;
			if (pos == cut)
				boundary = 1;
		}
		if (boundary)
			continue;
		snprintf(what, sizeof(what), "%s cut at %zu of %zu", md->name,
		    cut, base_len);
		expect(call_raw(method, "", base, cut), 3, "payload is not a "
		    "valid", what);
		sent++;
	}
	return sent;
}

Test(hostile, every_method_every_field)
{
	const ProtobufCServiceDescriptor *sd = &vet__v1__vetting__descriptor;
	uint64_t rev = revision();
	unsigned total = 0;

	for (unsigned i = 0; i < sd->n_methods; i++) {
		total += generic_frames(&sd->methods[i]);
		total += mutate_method(&sd->methods[i]);
		cr_assert_eq(revision(), rev, "bad input to %s changed the "
		    "store", sd->methods[i].name);
	}
	cr_log_info("hostile: %u bad requests over %u methods, all refused "
	    "with their exact status", total, sd->n_methods);
	fprintf(stderr, "hostile: %u bad requests over %u methods\n", total,
	    sd->n_methods);
	cr_assert_gt(total, 500);
}

Test(hostile, every_base_request_is_valid)
{
	const ProtobufCServiceDescriptor *sd = &vet__v1__vetting__descriptor;
	uint8_t buf[8192];
	char method[128];

	/* Every method appears in valid_order exactly once. */
	cr_assert_eq(n_valid_order,
	    sd->n_methods);
	for (size_t i = 0; i < sd->n_methods; i++) {
		cr_assert_not_null(protobuf_c_service_descriptor_get_method_by_name(
		    sd, valid_order[i]), "%s", valid_order[i]);
		size_t n = pack_base(valid_order[i], buf);
		snprintf(method, sizeof(method), "/vet.v1.Vetting/%s",
		    valid_order[i]);
		expect(call_raw(method, "", buf, n), 0, NULL, valid_order[i]);
	}
}
