/*
 * table.c: a string-keyed hash table (open addressing, linear probing,
 * tombstones on delete) for the few maps vetsync keeps: what vetd holds
 * by person id, syncUUID to person id, and the ids seen in a refresh.
 * Keys are copied; values belong to the caller. Each slot keeps its key's
 * hash, so a probe compares strings only when the hashes agree (a large
 * refresh does several lookups per entry in tables of 100,000 keys).
 */
#include <stdlib.h>
#include <string.h>

#include "vetsync.h"

#define TOMBSTONE	((char *)&table_tombstone)

static const char table_tombstone;

struct slot {
	char	*key;			/* NULL empty, TOMBSTONE deleted */
	void	*value;
	uint64_t hash;			/* table_hash(key) */
};

struct table {
	struct slot *slots;
	size_t	 cap;			/* a power of two */
	size_t	 n;			/* live keys */
	size_t	 used;			/* live keys and tombstones */
};

static uint64_t
table_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

struct table *
table_new(void)
{
	struct table *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->cap = 64;
	if ((t->slots = calloc(t->cap, sizeof(*t->slots))) == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

void
table_free(struct table *t, void (*fn)(void *))
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->cap; i++) {
		if (t->slots[i].key == NULL || t->slots[i].key == TOMBSTONE)
			continue;
		if (fn != NULL)
			fn(t->slots[i].value);
		free(t->slots[i].key);
	}
	free(t->slots);
	free(t);
}

/* table_find returns the slot holding key, or NULL. */
static struct slot *
table_find(const struct table *t, const char *key)
{
	uint64_t h = table_hash(key);
	size_t mask = t->cap - 1, i = (size_t)h & mask;

	for (size_t probes = 0; probes < t->cap; probes++, i = (i + 1) & mask) {
		struct slot *s = &t->slots[i];
		if (s->key == NULL)
			return NULL;
		if (s->hash == h && s->key != TOMBSTONE &&
		    strcmp(s->key, key) == 0)
			return s;
	}
	return NULL;
}

static int
table_grow(struct table *t)
{
	struct slot *old = t->slots;
	size_t oldcap = t->cap, cap = t->cap;

	if (t->n * 2 >= t->cap)
		cap *= 2;
	if ((t->slots = calloc(cap, sizeof(*t->slots))) == NULL) {
		t->slots = old;
		return -1;
	}
	t->cap = cap;
	t->used = t->n;
	for (size_t i = 0; i < oldcap; i++) {
		if (old[i].key == NULL || old[i].key == TOMBSTONE)
			continue;
		size_t j = (size_t)old[i].hash & (cap - 1);
		while (t->slots[j].key != NULL)
			j = (j + 1) & (cap - 1);
		t->slots[j] = old[i];
	}
	free(old);
	return 0;
}

void *
table_get(const struct table *t, const char *key)
{
	struct slot *s = table_find(t, key);

	return s != NULL ? s->value : NULL;
}

int
table_put(struct table *t, const char *key, void *value, void **old)
{
	struct slot *s;
	uint64_t h;
	size_t mask, i;

	if (old != NULL)
		*old = NULL;
	if ((s = table_find(t, key)) != NULL) {
		if (old != NULL)
			*old = s->value;
		s->value = value;
		return 0;
	}
	if ((t->used + 1) * 4 >= t->cap * 3 && table_grow(t) != 0)
		return -1;
	mask = t->cap - 1;
	h = table_hash(key);
	i = (size_t)h & mask;
	while (t->slots[i].key != NULL && t->slots[i].key != TOMBSTONE)
		i = (i + 1) & mask;
	if (t->slots[i].key == NULL)
		t->used++;
	if ((t->slots[i].key = strdup(key)) == NULL) {
		t->slots[i].key = TOMBSTONE;
		return -1;
	}
	t->slots[i].value = value;
	t->slots[i].hash = h;
	t->n++;
	return 0;
}

void *
table_del(struct table *t, const char *key)
{
	struct slot *s = table_find(t, key);
	void *v;

	if (s == NULL)
		return NULL;
	v = s->value;
	free(s->key);
	s->key = TOMBSTONE;
	s->value = NULL;
	t->n--;
	return v;
}

size_t
table_count(const struct table *t)
{
	return t->n;
}

int
table_each(const struct table *t, int (*fn)(const char *, void *, void *),
    void *arg)
{
	int rv;

	for (size_t i = 0; i < t->cap; i++) {
		if (t->slots[i].key == NULL || t->slots[i].key == TOMBSTONE)
			continue;
		if ((rv = fn(t->slots[i].key, t->slots[i].value, arg)) != 0)
			return rv;
	}
	return 0;
}
