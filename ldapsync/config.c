/*
 * config.c: vetsync's INI file (see docs/LDAP.md for every key). The
 * file is trusted no more than a flag: values are parsed strictly and
 * range-checked, and errors name the file and line. A config file
 * writable by group or others is refused, and so is a password or token
 * file readable by them: the secrets themselves never sit in the config.
 *
 *   [directory]  uri, starttls, ca_file, bind, bind_dn, password_file,
 *                base, scope, filter, mode, interval, page_size, timeout,
 *                retry_min, retry_max, full_refresh_interval
 *   [map]        id, name, mail, org_unit, nationality,
 *                disabled_attribute, disabled_value, disabled_mask
 *   [vetd]       url, token_file, ca_file, cert_key_file, server_name,
 *                timeout_ms, retry_limit, concurrency
 *   [sync]       state_dir, max_leavers, max_leaver_percent,
 *                metrics_file, log_level
 */
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vettime.h"
#include "vetsync.h"
#include "vet_config.h"

#define SECRET_MAX	4096
#define VALUE_MAX	1024

struct load_state {
	struct sync_config *c;
	FILE	*f;
	int	 line;
	int	 err_line;
	char	 err[256];
	int	 seen_uri, seen_base;
};

static int
set_str(char **dst, const char *value, int required, const char *key,
    char *err, size_t errsz)
{
	char *s;

	if (required && *value == '\0') {
		snprintf(err, errsz, "%s may not be empty", key);
		return -1;
	}
	if (strlen(value) > VALUE_MAX) {
		snprintf(err, errsz, "%s is longer than %d bytes", key,
		    VALUE_MAX);
		return -1;
	}
	if ((s = strdup(value)) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	free(*dst);
	*dst = s;
	return 0;
}

static int
set_num(uint64_t *dst, const char *value, uint64_t min, uint64_t max,
    const char *key, char *err, size_t errsz)
{
	if (parse_u64(value, min, max, dst) != 0) {
		snprintf(err, errsz, "%s must be a whole number from %llu to "
		    "%llu, not \"%s\"", key, (unsigned long long)min,
		    (unsigned long long)max, value);
		return -1;
	}
	return 0;
}

static int
set_bool(int *dst, const char *value, const char *key, char *err,
    size_t errsz)
{
	if (strcasecmp(value, "yes") == 0 || strcasecmp(value, "true") == 0)
		*dst = 1;
	else if (strcasecmp(value, "no") == 0 ||
	    strcasecmp(value, "false") == 0)
		*dst = 0;
	else {
		snprintf(err, errsz, "%s must be yes or no, not \"%s\"", key,
		    value);
		return -1;
	}
	return 0;
}

/* set_attr: an attribute description is a keychar string (RFC 4512). */
static int
set_attr(char **dst, const char *value, int required, const char *key,
    char *err, size_t errsz)
{
	for (const char *p = value; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == ';' ||
		    *p == '.')
			continue;
		snprintf(err, errsz, "%s \"%s\" is not an attribute name",
		    key, value);
		return -1;
	}
	if (strlen(value) > 64) {
		snprintf(err, errsz, "%s is longer than 64 bytes", key);
		return -1;
	}
	return set_str(dst, value, required, key, err, errsz);
}

static int
set_directory(struct load_state *ls, const char *key, const char *value,
    char *err, size_t errsz)
{
	struct sync_config *c = ls->c;

	if (strcmp(key, "uri") == 0) {
		if (strncmp(value, "ldap://", 7) != 0 &&
		    strncmp(value, "ldaps://", 8) != 0 &&
		    strncmp(value, "ldapi://", 8) != 0) {
			snprintf(err, errsz, "uri must start with ldap://, "
			    "ldaps:// or ldapi://, not \"%s\"", value);
			return -1;
		}
		ls->seen_uri = 1;
		return set_str(&c->uri, value, 1, key, err, errsz);
	}
	if (strcmp(key, "starttls") == 0)
		return set_bool(&c->starttls, value, key, err, errsz);
	if (strcmp(key, "ca_file") == 0)
		return set_str(&c->ca_file, value, 1, key, err, errsz);
	if (strcmp(key, "bind") == 0) {
		if (strcmp(value, "simple") == 0)
			c->bind = BIND_SIMPLE;
		else if (strcmp(value, "sasl-external") == 0)
			c->bind = BIND_SASL_EXTERNAL;
		else if (strcmp(value, "anonymous") == 0)
			c->bind = BIND_ANONYMOUS;
		else {
			snprintf(err, errsz, "bind must be simple, "
			    "sasl-external or anonymous, not \"%s\"", value);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "bind_dn") == 0)
		return set_str(&c->bind_dn, value, 1, key, err, errsz);
	if (strcmp(key, "password_file") == 0)
		return set_str(&c->password_file, value, 1, key, err, errsz);
	if (strcmp(key, "base") == 0) {
		ls->seen_base = 1;
		return set_str(&c->base, value, 0, key, err, errsz);
	}
	if (strcmp(key, "scope") == 0) {
		if (strcmp(value, "base") == 0)
			c->scope = LDAP_SCOPE_BASE;
		else if (strcmp(value, "one") == 0)
			c->scope = LDAP_SCOPE_ONELEVEL;
		else if (strcmp(value, "sub") == 0)
			c->scope = LDAP_SCOPE_SUBTREE;
		else {
			snprintf(err, errsz, "scope must be base, one or sub, "
			    "not \"%s\"", value);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "filter") == 0) {
		if (value[0] != '(' || value[strlen(value) - 1] != ')') {
			snprintf(err, errsz, "filter must be in parentheses, "
			    "like (objectClass=inetOrgPerson)");
			return -1;
		}
		return set_str(&c->filter, value, 1, key, err, errsz);
	}
	if (strcmp(key, "mode") == 0) {
		if (strcmp(value, "auto") == 0)
			c->mode = MODE_AUTO;
		else if (strcmp(value, "syncrepl") == 0)
			c->mode = MODE_SYNCREPL;
		else if (strcmp(value, "paged") == 0)
			c->mode = MODE_PAGED;
		else {
			snprintf(err, errsz, "mode must be auto, syncrepl or "
			    "paged, not \"%s\"", value);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "interval") == 0)
		return set_num(&c->interval, value, 1, 86400, key, err, errsz);
	if (strcmp(key, "page_size") == 0)
		return set_num(&c->page_size, value, 1, 10000, key, err,
		    errsz);
	if (strcmp(key, "timeout") == 0)
		return set_num(&c->timeout, value, 1, 3600, key, err, errsz);
	if (strcmp(key, "retry_min") == 0)
		return set_num(&c->retry_min, value, 1, 3600, key, err, errsz);
	if (strcmp(key, "retry_max") == 0)
		return set_num(&c->retry_max, value, 1, 3600, key, err, errsz);
	if (strcmp(key, "full_refresh_interval") == 0)
		return set_num(&c->full_refresh_interval, value, 0,
		    365 * 86400, key, err, errsz);
	snprintf(err, errsz, "unknown key \"%s\" in [directory]", key);
	return -1;
}

static int
set_map(struct sync_config *c, const char *key, const char *value,
    char *err, size_t errsz)
{
	if (strcmp(key, "id") == 0)
		return set_attr(&c->attr_id, value, 1, key, err, errsz);
	if (strcmp(key, "name") == 0)
		return set_attr(&c->attr_name, value, 1, key, err, errsz);
	if (strcmp(key, "mail") == 0)
		return set_attr(&c->attr_mail, value, 0, key, err, errsz);
	if (strcmp(key, "org_unit") == 0)
		return set_attr(&c->attr_org_unit, value, 0, key, err, errsz);
	if (strcmp(key, "nationality") == 0)
		return set_attr(&c->attr_nationality, value, 0, key, err,
		    errsz);
	if (strcmp(key, "disabled_attribute") == 0)
		return set_attr(&c->disabled_attr, value, 0, key, err, errsz);
	if (strcmp(key, "disabled_value") == 0)
		return set_str(&c->disabled_value, value, 0, key, err, errsz);
	if (strcmp(key, "disabled_mask") == 0)
		return set_num(&c->disabled_mask, value, 1, UINT32_MAX, key,
		    err, errsz);
	snprintf(err, errsz, "unknown key \"%s\" in [map]", key);
	return -1;
}

static int
set_vetd(struct sync_config *c, const char *key, const char *value,
    char *err, size_t errsz)
{
	if (strcmp(key, "url") == 0) {
		if (strncmp(value, "ipc://", 6) != 0 &&
		    strncmp(value, "tcp://", 6) != 0 &&
		    strncmp(value, "tls+tcp://", 10) != 0) {
			snprintf(err, errsz, "url must start with ipc://, "
			    "tcp:// or tls+tcp://, not \"%s\"", value);
			return -1;
		}
		return set_str(&c->vetd_url, value, 1, key, err, errsz);
	}
	if (strcmp(key, "token_file") == 0)
		return set_str(&c->token_file, value, 1, key, err, errsz);
	if (strcmp(key, "ca_file") == 0)
		return set_str(&c->vetd_ca_file, value, 1, key, err, errsz);
	if (strcmp(key, "cert_key_file") == 0)
		return set_str(&c->vetd_cert_key_file, value, 1, key, err,
		    errsz);
	if (strcmp(key, "server_name") == 0)
		return set_str(&c->vetd_server_name, value, 1, key, err,
		    errsz);
	if (strcmp(key, "timeout_ms") == 0)
		return set_num(&c->vetd_timeout_ms, value, 100, 600000, key,
		    err, errsz);
	if (strcmp(key, "retry_limit") == 0)
		return set_num(&c->vetd_retry_limit, value, 0, 86400, key,
		    err, errsz);
	if (strcmp(key, "concurrency") == 0)
		return set_num(&c->vetd_concurrency, value, 1, 256, key, err,
		    errsz);
	snprintf(err, errsz, "unknown key \"%s\" in [vetd]", key);
	return -1;
}

static int
set_sync(struct sync_config *c, const char *key, const char *value,
    char *err, size_t errsz)
{
	int level;

	if (strcmp(key, "state_dir") == 0)
		return set_str(&c->state_dir, value, 1, key, err, errsz);
	if (strcmp(key, "max_leavers") == 0)
		return set_num(&c->max_leavers, value, 0, UINT32_MAX, key, err,
		    errsz);
	if (strcmp(key, "max_leaver_percent") == 0)
		return set_num(&c->max_leaver_percent, value, 0, 100, key, err,
		    errsz);
	if (strcmp(key, "metrics_file") == 0)
		return set_str(&c->metrics_file, value, 0, key, err, errsz);
	if (strcmp(key, "log_level") == 0) {
		if ((level = log_level_parse(value)) < 0) {
			snprintf(err, errsz, "log_level must be error, warn, "
			    "info or debug, not \"%s\"", value);
			return -1;
		}
		c->log_level = level;
		return 0;
	}
	snprintf(err, errsz, "unknown key \"%s\" in [sync]", key);
	return -1;
}

static int
config_handler(void *user, const char *section, const char *key,
    const char *value)
{
	struct load_state *ls = user;
	char err[256];
	int rv;

	if (ls->err_line != 0)
		return 1;
	if (strcmp(section, "directory") == 0)
		rv = set_directory(ls, key, value, err, sizeof(err));
	else if (strcmp(section, "map") == 0)
		rv = set_map(ls->c, key, value, err, sizeof(err));
	else if (strcmp(section, "vetd") == 0)
		rv = set_vetd(ls->c, key, value, err, sizeof(err));
	else if (strcmp(section, "sync") == 0)
		rv = set_sync(ls->c, key, value, err, sizeof(err));
	else {
		snprintf(err, sizeof(err), "unknown section [%s] (expected "
		    "directory, map, vetd or sync)", section);
		rv = -1;
	}
	if (rv != 0) {
		ls->err_line = ls->line;
		snprintf(ls->err, sizeof(ls->err), "%s", err);
	}
	return 1;
}

/* config_reader is fgets that counts lines, so errors name theirs. */
static char *
config_reader(char *buf, int size, void *stream)
{
	struct load_state *ls = stream;
	char *s = fgets(buf, size, ls->f);

	if (s != NULL)
		ls->line++;
	return s;
}

static int
config_defaults(struct sync_config *c)
{
	char err[64];

	c->scope = LDAP_SCOPE_SUBTREE;
	c->interval = 300;
	c->page_size = 500;
	c->timeout = 30;
	c->retry_min = 1;
	c->retry_max = 60;
	c->full_refresh_interval = 86400;
	c->vetd_timeout_ms = 5000;
	c->vetd_retry_limit = 60;
	c->vetd_concurrency = 32;
	c->max_leavers = 10;
	c->max_leaver_percent = 2;
	c->log_level = LOG_LEVEL_INFO;
	return set_str(&c->filter, "(objectClass=inetOrgPerson)", 1, "f",
	    err, sizeof(err)) ||
	    set_str(&c->attr_id, "entryUUID", 1, "id", err, sizeof(err)) ||
	    set_str(&c->attr_name, "cn", 1, "name", err, sizeof(err)) ||
	    set_str(&c->attr_mail, "mail", 0, "mail", err, sizeof(err)) ||
	    set_str(&c->attr_org_unit, "ou", 0, "ou", err, sizeof(err)) ||
	    set_str(&c->attr_nationality, "", 0, "n", err, sizeof(err)) ||
	    set_str(&c->disabled_attr, "", 0, "d", err, sizeof(err)) ||
	    set_str(&c->disabled_value, "", 0, "d", err, sizeof(err)) ||
	    set_str(&c->vetd_url, VET_DEFAULT_SOCKET, 1, "u", err,
	    sizeof(err)) ||
	    set_str(&c->state_dir, "/var/lib/vetsync", 1, "s", err,
	    sizeof(err)) ||
	    set_str(&c->metrics_file, "", 0, "m", err, sizeof(err)) ? -1 : 0;
}

/* config_check: rules that span keys, checked once the file is read. */
static int
config_check(struct load_state *ls, char *err, size_t errsz)
{
	struct sync_config *c = ls->c;

	if (!ls->seen_uri) {
		snprintf(err, errsz, "[directory] uri is required");
		return -1;
	}
	if (!ls->seen_base) {
		snprintf(err, errsz, "[directory] base is required");
		return -1;
	}
	if (c->starttls && strncmp(c->uri, "ldap://", 7) != 0) {
		snprintf(err, errsz, "starttls needs an ldap:// uri (ldaps:// "
		    "is TLS already, ldapi:// is local)");
		return -1;
	}
	if (c->bind == BIND_SIMPLE && (c->bind_dn == NULL ||
	    c->password_file == NULL)) {
		snprintf(err, errsz, "bind = simple needs bind_dn and "
		    "password_file");
		return -1;
	}
	if (c->bind == BIND_SASL_EXTERNAL && strncmp(c->uri, "ldapi://", 8) &&
	    c->ca_file == NULL) {
		snprintf(err, errsz, "bind = sasl-external needs an ldapi:// "
		    "uri (or TLS with a client certificate)");
		return -1;
	}
	if (c->retry_min > c->retry_max) {
		snprintf(err, errsz, "retry_min is larger than retry_max");
		return -1;
	}
	if (c->disabled_attr[0] == '\0' && (c->disabled_value[0] != '\0' ||
	    c->disabled_mask != 0)) {
		snprintf(err, errsz, "disabled_value and disabled_mask need "
		    "disabled_attribute");
		return -1;
	}
	if (c->disabled_value[0] != '\0' && c->disabled_mask != 0) {
		snprintf(err, errsz, "use disabled_value or disabled_mask, "
		    "not both");
		return -1;
	}
	if (strncmp(c->vetd_url, "tls+tcp://", 10) == 0 &&
	    c->vetd_ca_file == NULL) {
		snprintf(err, errsz, "a tls+tcp:// vetd url needs [vetd] "
		    "ca_file");
		return -1;
	}
	return 0;
}

int
config_load(const char *path, struct sync_config **out, char *err,
    size_t errsz)
{
	struct load_state ls = { 0 };
	struct sync_config *c = NULL;
	struct stat sb;
	char why[256];
	int rv;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->path = strdup(path)) == NULL || config_defaults(c) != 0) {
		snprintf(err, errsz, "%s: out of memory", path);
		goto fail;
	}
	if ((ls.f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(fileno(ls.f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errsz, "%s: not a regular file", path);
		goto fail;
	}
	if ((sb.st_mode & 022) != 0) {
		snprintf(err, errsz, "%s: writable by group or others; "
		    "chmod go-w it", path);
		goto fail;
	}
	ls.c = c;
	rv = ini_parse_stream(config_reader, &ls, config_handler, &ls);
	if (ls.err_line != 0) {
		snprintf(err, errsz, "%s:%d: %s", path, ls.err_line, ls.err);
		goto fail;
	}
	if (rv != 0) {
		snprintf(err, errsz, "%s:%d: syntax error (expected [section] "
		    "or key = value)", path, rv);
		goto fail;
	}
	if (config_check(&ls, why, sizeof(why)) != 0) {
		snprintf(err, errsz, "%s: %s", path, why);
		goto fail;
	}
	fclose(ls.f);
	*out = c;
	return 0;
fail:
	if (ls.f != NULL)
		fclose(ls.f);
	config_free(c);
	return -1;
}

void
config_free(struct sync_config *c)
{
	if (c == NULL)
		return;
	char **strs[] = { &c->path, &c->uri, &c->ca_file, &c->bind_dn,
	    &c->password_file, &c->base, &c->filter, &c->attr_id,
	    &c->attr_name, &c->attr_mail, &c->attr_org_unit,
	    &c->attr_nationality, &c->disabled_attr, &c->disabled_value,
	    &c->vetd_url, &c->token_file, &c->vetd_ca_file,
	    &c->vetd_cert_key_file, &c->vetd_server_name, &c->state_dir,
	    &c->metrics_file };
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	free(c);
}

int
config_read_secret(const char *path, char **out, char *err, size_t errsz)
{
	struct stat sb;
	char *buf = NULL;
	ssize_t n;
	size_t len = 0;
	int fd = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errsz, "%s: not a regular file", path);
		goto fail;
	}
	if ((sb.st_mode & 077) != 0) {
		snprintf(err, errsz, "%s: readable or writable by group or "
		    "others (mode %03o); chmod 600 it", path,
		    (unsigned)(sb.st_mode & 0777));
		goto fail;
	}
	if ((buf = calloc(1, SECRET_MAX + 1)) == NULL) {
		snprintf(err, errsz, "%s: out of memory", path);
		goto fail;
	}
	while (len < SECRET_MAX &&
	    (n = read(fd, buf + len, SECRET_MAX - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
			goto fail;
		}
		len += (size_t)n;
	}
	if (len == SECRET_MAX) {
		snprintf(err, errsz, "%s: longer than %d bytes", path,
		    SECRET_MAX - 1);
		goto fail;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	if (len == 0 || strlen(buf) != len) {
		snprintf(err, errsz, "%s: empty, or holds a NUL byte", path);
		goto fail;
	}
	close(fd);
	*out = buf;
	return 0;
fail:
	if (buf != NULL) {
		explicit_bzero(buf, SECRET_MAX + 1);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

void
secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}
