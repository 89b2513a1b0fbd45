/*
 * config.h: vetd's settings, from an INI file (-c FILE, parsed with inih)
 * and then from command-line flags, which win. Every flag has a key.
 * Errors name the file and line.
 */
#ifndef VETD_CONFIG_H
#define VETD_CONFIG_H

#include <stddef.h>

#include "policy.h"

#define CONFIG_MAX_LISTEN	8

struct config {
	char	data_dir[4096];
	size_t	n_listen;
	char	listen[CONFIG_MAX_LISTEN][512];
	unsigned contexts;		/* nng contexts in the pool */
	size_t	max_frame;		/* bytes; frames above are refused */
	size_t	map_size;		/* initial LMDB map size */
	int	log_level;		/* enum log_level */
	struct policy policy;		/* default plus [scheme]/[marking] */
};

#define CONFIG_DEFAULT_CONTEXTS		64
#define CONFIG_DEFAULT_MAX_FRAME	(1024 * 1024)
#define CONFIG_DEFAULT_MAP_SIZE		((size_t)64 * 1024 * 1024)

/* config_defaults fills *c with the built-in defaults. */
void config_defaults(struct config *c);

/*
 * config_load reads path into *c (on top of what is there). Returns 0, or
 * -1 with "FILE:LINE: what is wrong" in err.
 */
int config_load(struct config *c, const char *path, char *err, size_t errsz);

/*
 * config_set applies one key = value (as from the file or a flag).
 * Returns 0, or -1 with a sentence in err.
 */
int config_set(struct config *c, const char *section, const char *key,
    const char *value, char *err, size_t errsz);

/* config_add_listen adds a listen URL; -1 with err if invalid or too many. */
int config_add_listen(struct config *c, const char *url, char *err,
    size_t errsz);

#endif /* VETD_CONFIG_H */
