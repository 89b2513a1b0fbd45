/*
 * arena.c: the per-context bump allocator (arena.h).
 */
#include <sys/mman.h>

#include <stddef.h>
#include <stdlib.h>

#include "arena.h"

#define ARENA_SIZE	(256 * 1024)
/* Kept touched between requests: a BatchCheck of 100 uses about 54 KB
 * (request, decisions, envelope); giving pages back and faulting them in
 * again cost it 5 page faults a call (docs/BENCHMARKS.md). */
#define ARENA_KEEP	(64 * 1024)
#define ARENA_ALIGN(n)	(((n) + 15) & ~(size_t)15)

struct arena_chunk {
	struct arena_chunk *next;
	max_align_t	data[];
};

int
arena_init(struct arena *a)
{
	a->used = a->last = 0;
	a->extra = NULL;
	if ((a->base = malloc(ARENA_SIZE)) == NULL)
		return -1;
	a->size = ARENA_SIZE;
	return 0;
}

void
arena_fini(struct arena *a)
{
	arena_reset(a);
	free(a->base);
	a->base = NULL;
}

void *
arena_alloc(struct arena *a, size_t size)
{
	struct arena_chunk *c;

	if (size > SIZE_MAX - 16 - sizeof(*c))
		return NULL;
	size = ARENA_ALIGN(size);
	if (size <= a->size - a->used) {
		void *p = a->base + a->used;

		a->last = a->used;
		a->used += size;
		return p;
	}
	if ((c = malloc(sizeof(*c) + size)) == NULL)
		return NULL;
	c->next = a->extra;
	a->extra = c;
	return c->data;
}

void
arena_trim(struct arena *a, const void *p, size_t len)
{
	if (a->used > 0 && p == a->base + a->last &&
	    len <= a->used - a->last)
		a->used = a->last + ARENA_ALIGN(len);
}

void
arena_reset(struct arena *a)
{
	while (a->extra != NULL) {
		struct arena_chunk *c = a->extra;

		a->extra = c->next;
		free(c);
	}
	a->used = 0;
}

void
arena_release(struct arena *a)
{
	uintptr_t from, to;

	if (a->used > ARENA_KEEP) {
		from = ((uintptr_t)a->base + ARENA_KEEP + 4095) &
		    ~(uintptr_t)4095;
		to = ((uintptr_t)a->base + a->size) & ~(uintptr_t)4095;
		if (to > from)
			madvise((void *)from, to - from, MADV_DONTNEED);
	}
	arena_reset(a);
}
