/*
 * reload.c: apply a re-read configuration (see reload.h). Trusts fresh
 * as config_load checked it; never logs a value that could be a secret
 * (token file contents are never in struct config, only paths).
 *
 * Safe to change while serving:
 *   log_level           the threshold is one atomic int (log.c)
 *   [principal], ipc_owner_admin  swapped under auth.c's lock
 *                       (auth_reload, which also names the TLS and socket
 *                       settings that need a restart)
 *   decision_log        one int, stored atomically, read per check
 * Everything else (data_dir, listen, contexts, transport, max_frame, map_size,
 * metrics_listen, log_target, the policy) is read without a lock by the
 * threads that serve requests, so a change is logged as needing a restart
 * and the running value stays.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "config.h"
#include "log.h"
#include "reload.h"
#include "rpc.h"

/* restart_needed logs one setting that changed but cannot be applied. */
static void
restart_needed(const char *key, const char *was, const char *now)
{
	log_warnx("reload: %s changed from %s to %s; restart vetd to apply "
	    "it (still using %s)", key, was, now, was);
}

static void
compare_size(const char *key, size_t was, size_t now, int *changed)
{
	char a[32], b[32];

	if (was == now)
		return;
	snprintf(a, sizeof(a), "%zu", was);
	snprintf(b, sizeof(b), "%zu", now);
	restart_needed(key, a, b);
	(*changed)++;
}

static void
listen_text(const struct config *c, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < c->n_listen && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    i > 0 ? "," : "", c->listen[i]);
}

/* restart_only compares the settings that need a restart. */
static void
restart_only(const struct config *live, const struct config *fresh,
    int *changed)
{
	char a[CONFIG_MAX_LISTEN * 512], b[CONFIG_MAX_LISTEN * 512];

	if (strcmp(live->data_dir, fresh->data_dir) != 0) {
		restart_needed("data_dir", live->data_dir, fresh->data_dir);
		(*changed)++;
	}
	listen_text(live, a, sizeof(a));
	listen_text(fresh, b, sizeof(b));
	if (strcmp(a, b) != 0) {
		restart_needed("listen", a, b);
		(*changed)++;
	}
	compare_size("contexts", live->contexts, fresh->contexts, changed);
	if (live->transport_nng != fresh->transport_nng) {
		restart_needed("transport", live->transport_nng ? "nng" :
		    "direct", fresh->transport_nng ? "nng" : "direct");
		(*changed)++;
	}
	compare_size("max_frame", live->max_frame, fresh->max_frame, changed);
	compare_size("map_size", live->map_size, fresh->map_size, changed);
	compare_size("retention_years", live->retention_years,
	    fresh->retention_years, changed);
	if (strcmp(live->metrics_listen, fresh->metrics_listen) != 0) {
		restart_needed("metrics_listen", live->metrics_listen[0] !=
		    '\0' ? live->metrics_listen : "(off)",
		    fresh->metrics_listen[0] != '\0' ? fresh->metrics_listen :
		    "(off)");
		(*changed)++;
	}
	if (live->log_syslog != fresh->log_syslog) {
		restart_needed("log_target", live->log_syslog ? "syslog" :
		    "stderr", fresh->log_syslog ? "syslog" : "stderr");
		(*changed)++;
	}
	if (strcmp(live->policy.digest, fresh->policy.digest) != 0) {
		restart_needed("the policy ([scheme]/[marking] sections)",
		    live->policy.digest, fresh->policy.digest);
		(*changed)++;
	}
}

static void
reload_log_level(struct config *live, const struct config *fresh,
    int *changed)
{
	if (live->log_level == fresh->log_level)
		return;
	/* Logged at warn, under whichever of the two levels shows it. */
	if (fresh->log_level >= LOG_LEVEL_WARN)
		log_set_level((enum log_level)fresh->log_level);
	log_warnx("reload: log_level changed from %s to %s",
	    log_level_name(live->log_level), log_level_name(fresh->log_level));
	log_set_level((enum log_level)fresh->log_level);
	live->log_level = fresh->log_level;
	(*changed)++;
}

/*
 * reload_auth: the ipc uid map ([principal], ipc_owner_admin), swapped in
 * under auth's own lock, one line per change (names, uids and roles,
 * never a token; tokens live in the store and need no reload). TLS and
 * socket settings are logged as needing a restart (auth.c).
 */
static void
reload_auth(struct vetd *vd, struct config *live, const struct config *fresh,
    int *changed)
{
	if (vd->auth != NULL)
		*changed += auth_reload(vd->auth, live, fresh);
}

/*
 * reload_decision_log: which checks get an audit entry. audit_queue.c
 * reads vd->config->decision_log on each check, so the new value is
 * stored atomically and applies from the next check.
 */
static void
reload_decision_log(struct config *live, const struct config *fresh,
    int *changed)
{
	static const char *const names[] = { "off", "deny", "all" };

	if (live->decision_log == fresh->decision_log)
		return;
	log_info("reload: decision_log changed from %s to %s",
	    names[live->decision_log % 3], names[fresh->decision_log % 3]);
	__atomic_store_n(&live->decision_log, fresh->decision_log,
	    __ATOMIC_RELEASE);
	(*changed)++;
}

int
reload_apply(struct vetd *vd, struct config *live, const struct config *fresh)
{
	int changed = 0;

	reload_log_level(live, fresh, &changed);
	reload_auth(vd, live, fresh, &changed);
	reload_decision_log(live, fresh, &changed);
	restart_only(live, fresh, &changed);
	if (changed == 0)
		log_info("reload: configuration unchanged");
	return changed;
}
