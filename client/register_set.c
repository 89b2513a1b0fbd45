/*
 * register_set.c: the set that finds duplicate rows in a register file of
 * any length, in bounded memory. An open-addressing table (linear
 * probing, at most 3/4 full, doubled when it fills) of 16-byte slots:
 * a 64-bit hash of the id, the line it was first seen on, and a 24-bit
 * hash of the person columns with the index of the row's scheme. A
 * second scheme for the same id adds one more slot, keyed by the id's
 * hash mixed with the scheme. No id is kept as text, so the table costs
 * 21 to 43 bytes per row and at most REGISTER_SET_MAX_SLOTS * 16 bytes
 * (512 MiB, for 25 million rows) whatever the length of the ids.
 * Schemes, of which there are few, are kept as text (at most 255).
 */
#include <stdlib.h>
#include <string.h>

#include "register_csv.h"

#define SET_INITIAL_SLOTS	((size_t)1 << 12)
#define SCHEME_LEN_MAX		32

struct slot {
	uint64_t key;		/* 0: empty */
	uint32_t line;		/* saturates at UINT32_MAX */
	uint32_t aux;		/* person hash << 8 | scheme index */
};

struct register_set {
	struct slot *slots;
	size_t	 n_slots;	/* a power of two */
	size_t	 max_slots;	/* REGISTER_SET_MAX_SLOTS but in tests */
	size_t	 used;
	size_t	 n_schemes;
	char	 schemes[REGISTER_SCHEMES_MAX][SCHEME_LEN_MAX + 1];
};

/* mix64: the MurmurHash3 finaliser. */
static uint64_t
mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* hash_text: FNV-1a over s and its NUL, then mixed. */
static uint64_t
hash_text(uint64_t h, const char *s)
{
	do {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	} while (*s++ != '\0');
	return h;
}

int
register_set_new(struct register_set **out)
{
	struct register_set *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	if ((s->slots = calloc(SET_INITIAL_SLOTS, sizeof(*s->slots))) ==
	    NULL) {
		free(s);
		return -1;
	}
	s->n_slots = SET_INITIAL_SLOTS;
	s->max_slots = REGISTER_SET_MAX_SLOTS;
	*out = s;
	return 0;
}

void
register_set_limit(struct register_set *s, size_t max_slots)
{
	if (max_slots >= SET_INITIAL_SLOTS && max_slots <= REGISTER_SET_MAX_SLOTS)
		s->max_slots = max_slots;
}

void
register_set_free(struct register_set *s)
{
	if (s == NULL)
		return;
	free(s->slots);
	free(s);
}

size_t
register_set_bytes(const struct register_set *s)
{
	return s->n_slots * sizeof(struct slot);
}

size_t
register_set_capacity(const struct register_set *s)
{
	return s->max_slots / 4 * 3 - 1;
}

/* find: the slot holding key, or the empty slot where it belongs. */
static struct slot *
find(struct slot *slots, size_t n, uint64_t key)
{
	size_t i = (size_t)key & (n - 1);

	while (slots[i].key != 0 && slots[i].key != key)
		i = (i + 1) & (n - 1);
	return &slots[i];
}

static int
grow(struct register_set *s)
{
	size_t n = s->n_slots * 2;
	struct slot *slots;

	if (n > s->max_slots)
		return -1;
	if ((slots = calloc(n, sizeof(*slots))) == NULL)
		return -1;
	for (size_t i = 0; i < s->n_slots; i++)
		if (s->slots[i].key != 0)
			*find(slots, n, s->slots[i].key) = s->slots[i];
	free(s->slots);
	s->slots = slots;
	s->n_slots = n;
	return 0;
}

/* scheme_index interns a (canonical, lower-case) scheme; -1 when full. */
static int
scheme_index(struct register_set *s, const char *scheme)
{
	size_t i;

	for (i = 0; i < s->n_schemes; i++)
		if (strcmp(s->schemes[i], scheme) == 0)
			return (int)i;
	if (s->n_schemes == REGISTER_SCHEMES_MAX ||
	    strlen(scheme) > SCHEME_LEN_MAX)
		return -1;
	memcpy(s->schemes[i], scheme, strlen(scheme) + 1);
	s->n_schemes++;
	return (int)i;
}

/* insert: a new slot for key; the caller has made sure there is room. */
static void
insert(struct register_set *s, uint64_t key, uint64_t line, uint32_t aux)
{
	struct slot *sl = find(s->slots, s->n_slots, key);

	sl->key = key;
	sl->line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
	sl->aux = aux;
	s->used++;
}

enum register_set_result
register_set_add(struct register_set *s, const struct register_record *rec,
    uint64_t *other)
{
	uint64_t id_key, scheme_key, ph;
	struct slot *sl;
	int k;
	uint32_t aux;

	if ((k = scheme_index(s, rec->scheme)) < 0)
		return REGISTER_SET_SCHEMES;
	/* Room for two new slots, so nothing below has to grow. */
	if ((s->used + 2) * 4 > s->n_slots * 3) {
		if (s->n_slots * 2 > s->max_slots)
			return REGISTER_SET_FULL;
		if (grow(s) != 0)
			return REGISTER_SET_NOMEM;
	}
	id_key = mix64(hash_text(0xcbf29ce484222325ULL, rec->id));
	id_key += id_key == 0;
	ph = hash_text(0x84222325cbf29ce4ULL, rec->name);
	ph = hash_text(ph, rec->email);
	ph = hash_text(ph, rec->org_unit);
	ph = mix64(hash_text(ph, rec->nationality));
	aux = (uint32_t)(ph & 0xffffff) << 8 | (uint32_t)k;

	sl = find(s->slots, s->n_slots, id_key);
	if (sl->key == 0) {
		insert(s, id_key, rec->line, aux);
		return REGISTER_SET_NEW;
	}
	if ((sl->aux & 0xff) == (uint32_t)k) {
		*other = sl->line;
		return REGISTER_SET_DUPLICATE;
	}
	if ((sl->aux >> 8) != (aux >> 8)) {
		*other = sl->line;
		return REGISTER_SET_PERSON_DIFFERS;
	}
	/* The same person in another scheme: one slot per further scheme. */
	scheme_key = mix64(id_key + 0x9e3779b97f4a7c15ULL * (uint64_t)(k + 1));
	scheme_key += scheme_key == 0;
	sl = find(s->slots, s->n_slots, scheme_key);
	if (sl->key != 0) {
		*other = sl->line;
		return REGISTER_SET_DUPLICATE;
	}
	insert(s, scheme_key, rec->line, (uint32_t)k);
	return REGISTER_SET_NEW;
}
