/*
 * store_stats.h: how full the LMDB map is, for the metrics. Reads only
 * LMDB's own environment info; no transaction, no record.
 */
#ifndef VETD_STORE_STATS_H
#define VETD_STORE_STATS_H

#include <stddef.h>

struct store;

struct store_stats {
	size_t	map_size;	/* bytes mapped (the current limit) */
	size_t	map_used;	/* bytes of pages in use, up to the last one */
	unsigned readers;	/* reader slots in use */
	unsigned max_readers;
};

/* store_stats fills *out; 0, or -1 when LMDB cannot say. */
int store_stats(struct store *s, struct store_stats *out);

#endif /* VETD_STORE_STATS_H */
