/*
 * arena.h: the per-context bump allocator every request's decoding and
 * reply live in. One block is allocated at start-up and reset after each
 * reply, so the steady state makes no malloc per request; what does not
 * fit goes into overflow chunks freed at the reset. Not thread-safe: one
 * arena per context.
 */
#ifndef VETD_ARENA_H
#define VETD_ARENA_H

#include <stddef.h>
#include <stdint.h>

struct arena_chunk;
struct arena {
	uint8_t	*base;
	size_t	size;
	size_t	used;
	size_t	last;			/* offset of the last allocation */
	struct arena_chunk *extra;	/* overflow, freed on reset */
};

/* arena_init allocates the block (pages are touched only when used):
 * 0, or -1 when out of memory. arena_fini frees everything. */
int	arena_init(struct arena *a);
void	arena_fini(struct arena *a);

/* arena_alloc: size bytes, 16-aligned, or NULL when out of memory. */
void	*arena_alloc(struct arena *a, size_t size);

/*
 * arena_trim gives back the unused end of the last allocation p, which
 * the caller has filled to len bytes (a reply reserved for the worst
 * case); anything else is left as it is.
 */
void	arena_trim(struct arena *a, const void *p, size_t len);

/* arena_reset frees the overflow and empties the block. */
void	arena_reset(struct arena *a);

/*
 * arena_release is arena_reset that also gives the block's pages past
 * ARENA_KEEP back to the kernel when they were used: a bulk import
 * touches them, a check never does. Without it each context would hold
 * its last import (a megabyte or more) until its next request.
 */
void	arena_release(struct arena *a);

#endif /* VETD_ARENA_H */
