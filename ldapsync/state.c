/*
 * state.c: what survives a restart, in STATE_DIR/vetsync.state (0600,
 * written to a temporary file, fsync'd and renamed over the old one, so
 * a crash leaves either the old or the new file): the RFC 4533 cookie and
 * the syncUUID -> person id map that a delete, which carries only the
 * UUID, needs. Both are written together and only after the changes up
 * to that cookie were applied in vetd, so a restart replays at worst a
 * few changes (puts are idempotent; a repeated leaver is a no-op). A
 * fingerprint of the directory settings and the [map] keys is kept too:
 * when the configuration changed, the cookie no longer describes what
 * vetd holds, and it is dropped for a full refresh. The file is read as
 * untrusted: anything malformed means "no state" (a full refresh), never
 * a crash. Also the Prometheus text file of metrics_write.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vettime.h"
#include "vetsync.h"

#define STATE_MAGIC	"vetsync-state 1"
#define STATE_LINE_MAX	(2 * SYNC_COOKIE_MAX + 64)

static uint64_t
fnv(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	h ^= 0xff;		/* separator: "ab","c" differs from "a","bc" */
	h *= 1099511628211ULL;
	return h;
}

uint64_t
state_fingerprint(const struct sync_config *c)
{
	uint64_t h = 1469598103934665603ULL;
	char scope[8], mask[24];

	snprintf(scope, sizeof(scope), "%d", c->scope);
	snprintf(mask, sizeof(mask), "%llu",
	    (unsigned long long)c->disabled_mask);
	const char *parts[] = { c->uri, c->base, scope, c->filter, c->attr_id,
	    c->attr_name, c->attr_mail, c->attr_org_unit, c->attr_nationality,
	    c->disabled_attr, c->disabled_value, mask };
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		h = fnv(h, parts[i]);
	return h;
}

static void
state_reset(struct sync_state_file *s)
{
	free(s->cookie.bv_val);
	s->cookie.bv_val = NULL;
	s->cookie.bv_len = 0;
	table_free(s->uuids, free);
	s->uuids = table_new();
	s->full_at = 0;
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* state_parse reads the file body; -1 on anything unexpected. */
static int
state_parse(struct sync_state_file *s, FILE *f, uint64_t want)
{
	char line[STATE_LINE_MAX], a[SYNC_UUID_STR + 8], b[SYNC_ID_MAX + 8];
	uint64_t v, n;
	size_t len;

	if (fgets(line, sizeof(line), f) == NULL ||
	    strcmp(line, STATE_MAGIC "\n") != 0)
		return -1;
	if (fgets(line, sizeof(line), f) == NULL ||
	    strncmp(line, "fingerprint ", 12) != 0)
		return -1;
	line[strcspn(line, "\n")] = '\0';
	if (strlen(line + 12) != 16)
		return -1;
	v = 0;
	for (const char *p = line + 12; *p != '\0'; p++) {
		if (hexval(*p) < 0)
			return -1;
		v = v << 4 | (uint64_t)hexval(*p);
	}
	if (v != want) {
		log_info("%s: the directory settings changed since it was "
		    "written: full refresh", s->path);
		return -1;
	}
	if (fgets(line, sizeof(line), f) == NULL ||
	    strncmp(line, "full_at ", 8) != 0)
		return -1;
	line[strcspn(line, "\n")] = '\0';
	if (parse_u64(line + 8, 0, INT64_MAX, &v) != 0)
		return -1;
	s->full_at = (int64_t)v;
	if (fgets(line, sizeof(line), f) == NULL ||
	    strncmp(line, "cookie ", 7) != 0)
		return -1;
	line[strcspn(line, "\n")] = '\0';
	len = strlen(line + 7);
	if (len % 2 != 0 || len / 2 > SYNC_COOKIE_MAX)
		return -1;
	if (len > 0) {
		if ((s->cookie.bv_val = malloc(len / 2 + 1)) == NULL)
			return -1;
		for (size_t i = 0; i < len / 2; i++) {
			int hi = hexval(line[7 + 2 * i]);
			int lo = hexval(line[8 + 2 * i]);
			if (hi < 0 || lo < 0)
				return -1;
			s->cookie.bv_val[i] = (char)(hi << 4 | lo);
		}
		s->cookie.bv_val[len / 2] = '\0';
		s->cookie.bv_len = len / 2;
	}
	if (fgets(line, sizeof(line), f) == NULL ||
	    strncmp(line, "map ", 4) != 0)
		return -1;
	line[strcspn(line, "\n")] = '\0';
	if (parse_u64(line + 4, 0, 100000000, &n) != 0)
		return -1;
	for (uint64_t i = 0; i < n; i++) {
		char *sp;
		if (fgets(line, sizeof(line), f) == NULL)
			return -1;
		line[strcspn(line, "\n")] = '\0';
		if ((sp = strchr(line, ' ')) == NULL ||
		    (size_t)(sp - line) != SYNC_UUID_STR - 1 ||
		    strlen(sp + 1) > SYNC_ID_MAX)
			return -1;
		memcpy(a, line, SYNC_UUID_STR - 1);
		a[SYNC_UUID_STR - 1] = '\0';
		snprintf(b, sizeof(b), "%s", sp + 1);
		if (!mapping_valid_id(a) || !mapping_valid_id(b) ||
		    state_map(s, a, b) != 0)
			return -1;
	}
	if (fgets(line, sizeof(line), f) == NULL || strcmp(line, "end\n") != 0)
		return -1;
	return 0;
}

int
state_load(struct sync_state_file *s, const struct sync_config *c)
{
	char path[4096];
	FILE *f;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/vetsync.state", c->state_dir);
	if ((s->path = strdup(path)) == NULL)
		return -1;
	s->fingerprint = state_fingerprint(c);
	state_reset(s);
	if (s->uuids == NULL)
		return -1;
	if ((f = fopen(path, "r")) == NULL) {
		if (errno != ENOENT)
			log_warn("%s: cannot read; full refresh", path);
		return 0;
	}
	if (state_parse(s, f, s->fingerprint) != 0) {
		log_warnx("%s: not a usable state file; full refresh", path);
		state_reset(s);
	}
	fclose(f);
	return s->uuids != NULL ? 0 : -1;
}

struct map_write {
	FILE	*f;
};

static int
map_write_one(const char *uuid, void *id, void *arg)
{
	struct map_write *w = arg;

	fprintf(w->f, "%s %s\n", uuid, (const char *)id);
	return 0;
}

/* write_atomically writes via fn into path.tmp, then renames it. */
static int
write_atomically(const char *path, mode_t mode,
    void (*fn)(FILE *, const void *), const void *arg)
{
	char tmp[4200], dir[4200];
	FILE *f = NULL;
	int fd = -1, rv = -1;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    mode)) < 0 || (f = fdopen(fd, "w")) == NULL) {
		log_warn("cannot write %s", tmp);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fn(f, arg);
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
		log_warn("cannot write %s", tmp);
		goto done;
	}
	if (rename(tmp, path) != 0) {
		log_warn("cannot rename %s to %s", tmp, path);
		goto done;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >=
	    0) {
		fsync(fd);
		close(fd);
	}
	rv = 0;
done:
	fclose(f);
	if (rv != 0)
		unlink(tmp);
	return rv;
}

static void
state_body(FILE *f, const void *arg)
{
	const struct sync_state_file *s = arg;
	struct map_write w = { f };

	fprintf(f, "%s\nfingerprint %016llx\nfull_at %lld\ncookie ",
	    STATE_MAGIC, (unsigned long long)s->fingerprint,
	    (long long)s->full_at);
	for (size_t i = 0; i < s->cookie.bv_len; i++)
		fprintf(f, "%02x", (unsigned char)s->cookie.bv_val[i]);
	fprintf(f, "\nmap %zu\n", table_count(s->uuids));
	table_each(s->uuids, map_write_one, &w);
	fprintf(f, "end\n");
}

int
state_save(struct sync_state_file *s)
{
	if (write_atomically(s->path, 0600, state_body, s) != 0)
		return -1;
	s->dirty = 0;
	s->saved_at = now_ms();
	return 0;
}

void
state_clear(struct sync_state_file *s)
{
	free(s->path);
	free(s->cookie.bv_val);
	table_free(s->uuids, free);
	memset(s, 0, sizeof(*s));
}

int
state_set_cookie(struct sync_state_file *s, const struct berval *cookie)
{
	char *v;

	if (cookie == NULL || cookie->bv_len == 0) {
		free(s->cookie.bv_val);
		s->cookie.bv_val = NULL;
		s->cookie.bv_len = 0;
		s->dirty = 1;
		return 0;
	}
	if (cookie->bv_len > SYNC_COOKIE_MAX ||
	    (v = malloc(cookie->bv_len + 1)) == NULL)
		return -1;
	memcpy(v, cookie->bv_val, cookie->bv_len);
	v[cookie->bv_len] = '\0';
	free(s->cookie.bv_val);
	s->cookie.bv_val = v;
	s->cookie.bv_len = cookie->bv_len;
	s->dirty = 1;
	return 0;
}

int
state_map(struct sync_state_file *s, const char *uuid, const char *id)
{
	char *v, *cur = table_get(s->uuids, uuid);
	void *old;

	if (cur != NULL && strcmp(cur, id) == 0)
		return 0;
	if ((v = strdup(id)) == NULL)
		return -1;
	if (table_put(s->uuids, uuid, v, &old) != 0) {
		free(v);
		return -1;
	}
	free(old);
	s->dirty = 1;
	return 0;
}

static void
metrics_body(FILE *f, const void *arg)
{
	const struct engine *en = arg;
	const struct counts *t = &en->total;
	struct {
		const char *name, *help;
		uint64_t v;
		int counter;
	} m[] = {
		{ "vetsync_entries_read_total", "Directory entries read.",
		    t->entries, 1 },
		{ "vetsync_people_added_total", "People added to vetd.",
		    t->added, 1 },
		{ "vetsync_people_updated_total", "People updated in vetd.",
		    t->updated, 1 },
		{ "vetsync_leavers_total", "Leavers recorded in vetd.",
		    t->leavers, 1 },
		{ "vetsync_skipped_total", "Entries skipped (unusable, or "
		    "refused by vetd).", t->skipped, 1 },
		{ "vetsync_reenabled_reported_total", "Leavers enabled again "
		    "in the directory (reported, not reinstated).",
		    t->reenabled, 1 },
		{ "vetsync_guard_refusals_total", "Refreshes refused by the "
		    "mass-leaver guard.", en->guard_refusals, 1 },
		{ "vetsync_guard_refused", "1 while the last refresh was "
		    "refused by the mass-leaver guard.",
		    (uint64_t)en->guard_refused, 0 },
		{ "vetsync_incomplete_reads_total", "Directory reads cut "
		    "short (size or time limit, disconnect).",
		    en->incomplete_reads, 1 },
		{ "vetsync_directory_errors_total", "Failed directory "
		    "connections or reads.", en->directory_errors, 1 },
		{ "vetsync_vetd_errors_total", "Failed calls to vetd "
		    "(retried).", en->vetd_errors, 1 },
		{ "vetsync_directory_connected", "1 while connected to the "
		    "directory.", (uint64_t)en->connected, 0 },
		{ "vetsync_last_success_timestamp_seconds", "When the last "
		    "refresh was applied (Unix time).",
		    (uint64_t)en->last_success, 0 },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", m[i].name,
		    m[i].help, m[i].name, m[i].counter ? "counter" : "gauge",
		    m[i].name, (unsigned long long)m[i].v);
	fprintf(f, "# HELP vetsync_mode The way vetsync follows the "
	    "directory.\n# TYPE vetsync_mode gauge\nvetsync_mode{mode=\"%s\"} "
	    "1\n", en->mode_name != NULL ? en->mode_name : "none");
}

void
metrics_write(const struct engine *en)
{
	const char *path = en->cfg->metrics_file;

	/* Counts only, no ids: readable by the group (a metrics reader). */
	if (path != NULL && path[0] != '\0')
		write_atomically(path, 0640, metrics_body, en);
}
