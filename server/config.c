/*
 * config.c: the INI file and its keys. The file is trusted no more than a
 * flag: every value is parsed strictly and range-checked. A file readable
 * by group or others is accepted (it holds no secrets yet) but one that is
 * writable by them is refused: whoever can write it controls the policy.
 *
 *   data_dir = /var/lib/vetd
 *   listen = ipc:///run/vetd/vetd.sock      (repeatable)
 *   contexts = 64
 *   transport = direct                      (or nng: listener.c)
 *   max_frame = 1048576
 *   map_size = 67108864
 *   log_level = info
 *   log_target = stderr                     (or syslog)
 *   decision_log = off                      (deny, all: audit checks)
 *   retention_years = 15                    (1..100: vetctl retention)
 *   [scheme police]
 *   levels = NPPV1, NPPV2, RV, NPPV3, MV
 *   [marking SECRET]
 *   nsv = SC
 *   police = NPPV3
 */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "config.h"
#include "log.h"
#include "vettime.h"

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->contexts = CONFIG_DEFAULT_CONTEXTS;
	c->max_frame = CONFIG_DEFAULT_MAX_FRAME;
	c->map_size = CONFIG_DEFAULT_MAP_SIZE;
	c->log_level = LOG_LEVEL_INFO;
	c->ipc_owner_admin = 1;
	c->retention_years = CONFIG_DEFAULT_RETENTION_YEARS;
	policy_init_default(&c->policy);
}

int
config_add_listen(struct config *c, const char *url, char *err, size_t errsz)
{
	if (strncmp(url, "ipc://", 6) != 0 && strncmp(url, "tcp://", 6) != 0 &&
	    strncmp(url, "tls+tcp://", 10) != 0) {
		snprintf(err, errsz, "listen URL \"%s\" must start with ipc://, "
		    "tcp:// or tls+tcp://", url);
		return -1;
	}
	if (strlen(url) >= sizeof(c->listen[0])) {
		snprintf(err, errsz, "listen URL is too long");
		return -1;
	}
	if (c->n_listen >= CONFIG_MAX_LISTEN) {
		snprintf(err, errsz, "at most %d listen URLs", CONFIG_MAX_LISTEN);
		return -1;
	}
	snprintf(c->listen[c->n_listen++], sizeof(c->listen[0]), "%s", url);
	return 0;
}

static int
set_size(const char *key, const char *value, uint64_t min, uint64_t max,
    uint64_t *out, char *err, size_t errsz)
{
	if (parse_u64(value, min, max, out) != 0) {
		snprintf(err, errsz, "%s must be a whole number from %llu to "
		    "%llu, not \"%s\"", key, (unsigned long long)min,
		    (unsigned long long)max, value);
		return -1;
	}
	return 0;
}

/* split_list splits "A, B,C" in place into trimmed items. */
static size_t
split_list(char *s, char **items, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *tok = strtok_r(s, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		char *end = tok + strlen(tok);
		while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*tok == '\0')
			continue;
		if (n == max)
			return max + 1;
		items[n++] = tok;
	}
	return n;
}

static int
set_scheme(struct config *c, const char *scheme, const char *key,
    const char *value, char *err, size_t errsz)
{
	char buf[1024];
	char *items[POLICY_MAX_LEVELS];
	size_t n;

	if (strcmp(key, "levels") != 0) {
		snprintf(err, errsz, "unknown key \"%s\" in [scheme %s] (only "
		    "levels)", key, scheme);
		return -1;
	}
	if (strlen(value) >= sizeof(buf)) {
		snprintf(err, errsz, "levels list is too long");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", value);
	n = split_list(buf, items, POLICY_MAX_LEVELS);
	if (n > POLICY_MAX_LEVELS) {
		snprintf(err, errsz, "at most %d levels in a scheme",
		    POLICY_MAX_LEVELS);
		return -1;
	}
	return policy_set_scheme(&c->policy, scheme,
	    (const char *const *)items, n, err, errsz);
}

int
config_set(struct config *c, const char *section, const char *key,
    const char *value, char *err, size_t errsz)
{
	uint64_t v;
	int rv;

	if (section != NULL && *section != '\0' &&
	    strcmp(section, "vetd") != 0) {
		if (strncmp(section, "scheme ", 7) == 0)
			return set_scheme(c, section + 7, key, value, err,
			    errsz);
		if (strncmp(section, "marking ", 8) == 0)
			return policy_set_marking(&c->policy, section + 8, key,
			    value, err, errsz);
		if (strncmp(section, "principal ", 10) == 0)
			return config_auth_set(c, section, key, value, err,
			    errsz);
		snprintf(err, errsz, "unknown section [%s]", section);
		return -1;
	}
	if (strcmp(key, "data_dir") == 0) {
		if (*value == '\0' || strlen(value) >= sizeof(c->data_dir)) {
			snprintf(err, errsz, "data_dir must be a path");
			return -1;
		}
		snprintf(c->data_dir, sizeof(c->data_dir), "%s", value);
	} else if (strcmp(key, "listen") == 0) {
		return config_add_listen(c, value, err, errsz);
	} else if (strcmp(key, "contexts") == 0) {
		if (set_size(key, value, 1, 4096, &v, err, errsz))
			return -1;
		c->contexts = (unsigned)v;
	} else if (strcmp(key, "transport") == 0) {
		if (strcmp(value, "direct") != 0 && strcmp(value, "nng") != 0) {
			snprintf(err, errsz, "transport must be direct or nng, "
			    "not \"%s\"", value);
			return -1;
		}
		c->transport_nng = strcmp(value, "nng") == 0;
	} else if (strcmp(key, "max_frame") == 0) {
		if (set_size(key, value, 4096, 64 * 1024 * 1024, &v, err, errsz))
			return -1;
		c->max_frame = (size_t)v;
	} else if (strcmp(key, "map_size") == 0) {
		if (set_size(key, value, 1024 * 1024, (uint64_t)1 << 40, &v,
		    err, errsz))
			return -1;
		c->map_size = (size_t)v;
	} else if (strcmp(key, "metrics_listen") == 0) {
		if (strncmp(value, "http://", 7) != 0 ||
		    strlen(value) >= sizeof(c->metrics_listen)) {
			snprintf(err, errsz, "metrics_listen must be "
			    "http://host:port, not \"%s\"", value);
			return -1;
		}
		snprintf(c->metrics_listen, sizeof(c->metrics_listen), "%s",
		    value);
	} else if (strcmp(key, "log_level") == 0) {
		int level = log_level_parse(value);
		if (level < 0) {
			snprintf(err, errsz, "log_level must be error, warn, "
			    "info or debug, not \"%s\"", value);
			return -1;
		}
		c->log_level = level;
	} else if (strcmp(key, "log_target") == 0) {
		if (strcmp(value, "stderr") != 0 &&
		    strcmp(value, "syslog") != 0) {
			snprintf(err, errsz, "log_target must be stderr or "
			    "syslog, not \"%s\"", value);
			return -1;
		}
		c->log_syslog = strcmp(value, "syslog") == 0;
	} else if (strcmp(key, "decision_log") == 0) {
		if (strcmp(value, "off") == 0)
			c->decision_log = DECISION_LOG_OFF;
		else if (strcmp(value, "deny") == 0)
			c->decision_log = DECISION_LOG_DENY;
		else if (strcmp(value, "all") == 0)
			c->decision_log = DECISION_LOG_ALL;
		else {
			snprintf(err, errsz, "decision_log must be off, deny "
			    "or all, not \"%s\"", value);
			return -1;
		}
	} else if (strcmp(key, "retention_years") == 0) {
		if (set_size(key, value, 1, 100, &v, err, errsz))
			return -1;
		c->retention_years = (unsigned)v;
	} else if ((rv = config_auth_set(c, NULL, key, value, err,
	    errsz)) != 1) {
		return rv;
	} else {
		snprintf(err, errsz, "unknown key \"%s\"", key);
		return -1;
	}
	return 0;
}

struct load_state {
	struct config *config;
	char	err[256];
	int	failed;
};

static int
config_ini_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct load_state *st = user;

	if (st->failed)
		return 0;
	if (config_set(st->config, section, name, value, st->err,
	    sizeof(st->err)) != 0) {
		st->failed = 1;
		return 0;
	}
	return 1;
}

int
config_load(struct config *c, const char *path, char *err, size_t errsz)
{
	struct load_state st = { .config = c };
	struct stat sb;
	FILE *f;
	int line;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & 022) != 0) {
		snprintf(err, errsz, "%s: writable by group or others; "
		    "chmod go-w it", path);
		fclose(f);
		return -1;
	}
	line = ini_parse_file(f, config_ini_handler, &st);
	fclose(f);
	if (line != 0) {
		snprintf(err, errsz, "%s:%d: %s", path, line, st.failed ?
		    st.err : "syntax error");
		return -1;
	}
	policy_finish(&c->policy);
	return 0;
}
