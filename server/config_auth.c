/*
 * config_auth.c: the config keys for authentication and transport
 * security (see config.h), and the checks that need the whole
 * configuration. The file is trusted no more than a flag: names, uids and
 * role lists are parsed strictly. It holds no secret itself, but it names
 * the TLS key file, which must be readable by its owner alone.
 *
 *   ipc_owner_admin = true            ; vetd's own uid is admin on ipc://
 *   socket_group = vetd               ; ipc socket 0660, this group
 *   tls_cert_key_file = /etc/vetd/server.pem
 *   tls_ca_file = /etc/vetd/ca.crt
 *   require_client_cert = true
 *   allow_plaintext = false           ; tcp:// beyond loopback
 *   [principal ops]
 *   uid = 1000
 *   roles = vetting, hr
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "config.h"
#include "roles.h"
#include "vettime.h"

#define UID_MAX_VALID	4294967294ULL	/* (uid_t)-1 means "no uid" */

static int
set_bool(const char *key, const char *value, int *out, char *err,
    size_t errsz)
{
	if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0)
		*out = 1;
	else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0)
		*out = 0;
	else {
		snprintf(err, errsz, "%s must be true or false, not \"%s\"",
		    key, value);
		return -1;
	}
	return 0;
}

static int
set_path(const char *key, const char *value, char *out, size_t size,
    char *err, size_t errsz)
{
	if (*value == '\0' || strlen(value) >= size) {
		snprintf(err, errsz, "%s must be a path", key);
		return -1;
	}
	snprintf(out, size, "%s", value);
	return 0;
}

/* principal_get finds or adds the [principal name] entry. */
static struct config_principal *
principal_get(struct config *c, const char *name, char *err, size_t errsz)
{
	struct config_principal *p;

	for (size_t i = 0; i < c->n_principals; i++)
		if (strcmp(c->principals[i].name, name) == 0)
			return &c->principals[i];
	if (!auth_name_valid(name)) {
		snprintf(err, errsz, "principal name \"%.64s\" must be 1 to "
		    "%d characters of A-Z a-z 0-9 . _ -", name, AUTH_NAME_MAX);
		return NULL;
	}
	if (strcmp(name, AUTH_LOCAL_ADMIN) == 0) {
		snprintf(err, errsz, "principal name %s is reserved for the "
		    "uid vetd runs as (ipc_owner_admin)", AUTH_LOCAL_ADMIN);
		return NULL;
	}
	if (c->n_principals == CONFIG_MAX_PRINCIPALS) {
		snprintf(err, errsz, "at most %d [principal] sections",
		    CONFIG_MAX_PRINCIPALS);
		return NULL;
	}
	p = &c->principals[c->n_principals++];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	return p;
}

static int
set_principal(struct config *c, const char *name, const char *key,
    const char *value, char *err, size_t errsz)
{
	struct config_principal *p;

	if ((p = principal_get(c, name, err, errsz)) == NULL)
		return -1;
	if (strcmp(key, "uid") == 0) {
		if (p->have_uid) {
			snprintf(err, errsz, "uid given twice in [principal "
			    "%s]", name);
			return -1;
		}
		if (parse_u64(value, 0, UID_MAX_VALID, &p->uid) != 0) {
			snprintf(err, errsz, "uid must be a number from 0 to "
			    "%llu, not \"%s\"", UID_MAX_VALID, value);
			return -1;
		}
		p->have_uid = 1;
	} else if (strcmp(key, "roles") == 0) {
		if (p->roles != 0) {
			snprintf(err, errsz, "roles given twice in [principal "
			    "%s]", name);
			return -1;
		}
		return roles_parse(value, &p->roles, err, errsz);
	} else {
		snprintf(err, errsz, "unknown key \"%s\" in [principal %s] "
		    "(uid, roles)", key, name);
		return -1;
	}
	return 0;
}

int
config_auth_set(struct config *c, const char *section, const char *key,
    const char *value, char *err, size_t errsz)
{
	if (section != NULL && strncmp(section, "principal ", 10) == 0)
		return set_principal(c, section + 10, key, value, err, errsz);
	if (strcmp(key, "ipc_owner_admin") == 0)
		return set_bool(key, value, &c->ipc_owner_admin, err, errsz);
	if (strcmp(key, "require_client_cert") == 0)
		return set_bool(key, value, &c->require_client_cert, err,
		    errsz);
	if (strcmp(key, "allow_plaintext") == 0)
		return set_bool(key, value, &c->allow_plaintext, err, errsz);
	if (strcmp(key, "tls_cert_key_file") == 0)
		return set_path(key, value, c->tls_cert_key_file,
		    sizeof(c->tls_cert_key_file), err, errsz);
	if (strcmp(key, "tls_ca_file") == 0)
		return set_path(key, value, c->tls_ca_file,
		    sizeof(c->tls_ca_file), err, errsz);
	if (strcmp(key, "socket_group") == 0) {
		if (*value == '\0' ||
		    strlen(value) >= sizeof(c->socket_group)) {
			snprintf(err, errsz, "socket_group must be a group "
			    "name or number");
			return -1;
		}
		snprintf(c->socket_group, sizeof(c->socket_group), "%s",
		    value);
		return 0;
	}
	return 1;
}

const struct config_principal *
config_principal_by_uid(const struct config *c, uint64_t uid)
{
	for (size_t i = 0; i < c->n_principals; i++)
		if (c->principals[i].uid == uid)
			return &c->principals[i];
	return NULL;
}

/* host_is_loopback: 127.0.0.0/8, ::1 or localhost. */
static int
host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return memcmp(&a6, &in6addr_loopback, sizeof(a6)) == 0;
	return 0;
}

/* tcp_is_loopback: url is tcp://HOST:PORT with a loopback HOST. */
static int
tcp_is_loopback(const char *url)
{
	char host[256];
	const char *h = url + strlen("tcp://"), *colon;
	size_t len;

	if (*h == '[') {
		const char *end = strchr(h, ']');
		if (end == NULL)
			return 0;
		h++;
		len = (size_t)(end - h);
	} else {
		if ((colon = strrchr(h, ':')) == NULL)
			return 0;
		len = (size_t)(colon - h);
	}
	if (len == 0 || len >= sizeof(host))
		return 0;
	memcpy(host, h, len);
	host[len] = '\0';
	return host_is_loopback(host);
}

static int
check_principals(const struct config *c, char *err, size_t errsz)
{
	for (size_t i = 0; i < c->n_principals; i++) {
		const struct config_principal *p = &c->principals[i];
		if (!p->have_uid || p->roles == 0) {
			snprintf(err, errsz, "[principal %s] needs both uid "
			    "and roles", p->name);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (c->principals[j].uid == p->uid) {
				snprintf(err, errsz, "[principal %s] and "
				    "[principal %s] both map uid %llu",
				    c->principals[j].name, p->name,
				    (unsigned long long)p->uid);
				return -1;
			}
	}
	return 0;
}

static int
check_group(struct config *c, char *err, size_t errsz)
{
	struct group gr, *found = NULL;
	char buf[4096];
	uint64_t gid;
	int rv;

	c->have_socket_gid = 0;
	if (c->socket_group[0] == '\0')
		return 0;
	if (parse_u64(c->socket_group, 0, UID_MAX_VALID, &gid) == 0) {
		c->socket_gid = (unsigned)gid;
		c->have_socket_gid = 1;
		return 0;
	}
	rv = getgrnam_r(c->socket_group, &gr, buf, sizeof(buf), &found);
	if (rv != 0 || found == NULL) {
		snprintf(err, errsz, "socket_group \"%s\" is not a group on "
		    "this system", c->socket_group);
		return -1;
	}
	c->socket_gid = (unsigned)found->gr_gid;
	c->have_socket_gid = 1;
	return 0;
}

/* check_key_file: the TLS key exists and only its owner may read it. */
static int
check_key_file(const char *path, char *err, size_t errsz)
{
	struct stat sb;

	if (stat(path, &sb) != 0) {
		snprintf(err, errsz, "tls_cert_key_file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errsz, "tls_cert_key_file %s is not a regular "
		    "file", path);
		return -1;
	}
	if ((sb.st_mode & 077) != 0) {
		snprintf(err, errsz, "tls_cert_key_file %s holds a private key "
		    "and is open to group or others (mode %04o); refusing it: "
		    "chmod 600 %s", path, (unsigned)(sb.st_mode & 07777),
		    path);
		return -1;
	}
	return 0;
}

int
config_auth_check(struct config *c, char *err, size_t errsz)
{
	int tls = 0;

	if (check_principals(c, err, errsz) != 0 ||
	    check_group(c, err, errsz) != 0)
		return -1;
	for (size_t i = 0; i < c->n_listen; i++) {
		const char *url = c->listen[i];
		if (strncmp(url, "tls+tcp://", 10) == 0)
			tls = 1;
		else if (strncmp(url, "tcp://", 6) == 0 &&
		    !c->allow_plaintext && !tcp_is_loopback(url)) {
			snprintf(err, errsz, "listen URL %s is plain tcp "
			    "beyond loopback: tokens would cross the network "
			    "in clear; use tls+tcp:// or set allow_plaintext "
			    "= true", url);
			return -1;
		}
	}
	if (tls && c->tls_cert_key_file[0] == '\0') {
		snprintf(err, errsz, "a tls+tcp:// listener needs "
		    "tls_cert_key_file (certificate and key in one PEM file)");
		return -1;
	}
	if (c->tls_cert_key_file[0] != '\0' &&
	    check_key_file(c->tls_cert_key_file, err, errsz) != 0)
		return -1;
	if (c->require_client_cert && c->tls_ca_file[0] == '\0') {
		snprintf(err, errsz, "require_client_cert needs tls_ca_file "
		    "(the CA that signs client certificates)");
		return -1;
	}
	if (c->tls_ca_file[0] != '\0' && access(c->tls_ca_file, R_OK) != 0) {
		snprintf(err, errsz, "tls_ca_file %s: %s", c->tls_ca_file,
		    strerror(errno));
		return -1;
	}
	return 0;
}
