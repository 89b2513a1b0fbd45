/*
 * ldap_fixture.c: throwaway slapd and vetsync processes for the vetsync
 * tests (see ldap_fixture.h). The slapd configuration comes from
 * tests/slapd/slapd-config.sh (SLAPD_CONFIG), the one source of truth
 * shared with start-slapd.sh and the benchmarks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "ldap_fixture.h"

extern char **environ;

static int64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
tick(int ms)
{
	struct timespec ts = { 0, (long)ms * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

int
wait_until(int (*fn)(void *), void *arg, int ms)
{
	int64_t deadline = ms_now() + ms;

	for (;;) {
		if (fn(arg))
			return 1;
		if (ms_now() > deadline)
			return 0;
		tick(10);
	}
}

int
file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	size_t cap = 1 << 22, n;
	char *buf;
	int found;

	if (f == NULL)
		return 0;
	if ((buf = malloc(cap + 1)) == NULL) {
		fclose(f);
		return 0;
	}
	n = fread(buf, 1, cap, f);	/* test logs are far smaller */
	buf[n] = '\0';
	fclose(f);
	found = strstr(buf, needle) != NULL;
	free(buf);
	return found;
}

/* slapd_answers: an anonymous read of the root DSE succeeds. */
static int
slapd_answers(const char *uri)
{
	LDAP *ld = NULL;
	LDAPMessage *res = NULL;
	int version = LDAP_VERSION3, rv;
	struct timeval tv = { 1, 0 };

	if (ldap_initialize(&ld, uri) != LDAP_SUCCESS)
		return 0;
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
	ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	rv = ldap_search_ext_s(ld, "", LDAP_SCOPE_BASE, "(objectClass=*)",
	    NULL, 0, NULL, NULL, &tv, 1, &res);
	ldap_msgfree(res);
	ldap_unbind_ext_s(ld, NULL, NULL);
	return rv == LDAP_SUCCESS;
}

static int
slapd_spawn(struct slapd_proc *s)
{
	char listen[1024], slapd_d[320];
	const char *argv[] = { "/usr/sbin/slapd", "-d", "0", "-F", slapd_d,
	    "-h", listen, NULL };
	posix_spawn_file_actions_t fa;
	int64_t deadline;
	int status, rv;

	snprintf(slapd_d, sizeof(slapd_d), "%s/slapd.d", s->dir);
	snprintf(s->uri, sizeof(s->uri), "ldap://127.0.0.1:%d/", s->port);
	snprintf(listen, sizeof(listen), "%s %s", s->uri, s->ldapi);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, s->log_path,
	    O_WRONLY | O_CREAT | O_APPEND, 0600);
	rv = posix_spawn(&s->pid, argv[0], &fa, NULL, (char *const *)argv,
	    environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rv != 0) {
		s->pid = 0;
		return -1;
	}
	deadline = ms_now() + 10000;
	while (ms_now() < deadline) {
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;	/* exited: the port was taken? */
			return -1;
		}
		if (slapd_answers(s->uri))
			return 0;
		tick(10);
	}
	slapd_kill(s);
	return -1;
}

int
slapd_start(struct slapd_proc *s, int syncprov)
{
	return slapd_start_tls(s, syncprov, NULL);
}

int
slapd_start_tls(struct slapd_proc *s, int syncprov, const char *certdir)
{
	char out[4096], err[4096];
	const char *argv[8];
	size_t j = 0, n = 0;

	setenv("LDAPNOINIT", "1", 1);	/* ignore /etc/ldap/ldap.conf */
	memset(s, 0, sizeof(*s));
	argv[n++] = "/bin/sh";
	argv[n++] = test_bin("SLAPD_CONFIG");
	argv[n++] = s->dir;
	if (!syncprov)
		argv[n++] = "--no-syncprov";
	if (certdir != NULL) {
		argv[n++] = "--tls";
		argv[n++] = certdir;
	}
	argv[n] = NULL;
	s->syncprov = syncprov;
	snprintf(s->dir, sizeof(s->dir), "/tmp/vetsync-test-XXXXXX");
	if (mkdtemp(s->dir) == NULL)
		return -1;
	snprintf(s->log_path, sizeof(s->log_path), "%s/slapd.log", s->dir);
	if (run_cmd(argv, out, sizeof(out), err, sizeof(err)) != 0) {
		fprintf(stderr, "slapd-config.sh failed: %s%s\n", out, err);
		return -1;
	}
	j = (size_t)snprintf(s->ldapi, sizeof(s->ldapi), "ldapi://");
	for (const char *p = s->dir; *p != '\0' && j + 4 < sizeof(s->ldapi);
	    p++)
		j += (size_t)(*p == '/' ? snprintf(s->ldapi + j,
		    sizeof(s->ldapi) - j, "%%2F") : snprintf(s->ldapi + j,
		    sizeof(s->ldapi) - j, "%c", *p));
	snprintf(s->ldapi + j, sizeof(s->ldapi) - j, "%%2Fldapi");
	for (int attempt = 0; attempt < 5; attempt++) {
		if ((s->port = fixture_free_port()) <= 0)
			continue;
		if (slapd_spawn(s) == 0)
			return 0;
	}
	return -1;
}

int
slapd_restart(struct slapd_proc *s)
{
	for (int attempt = 0; attempt < 50; attempt++) {
		if (slapd_spawn(s) == 0)
			return 0;
		tick(20);	/* the old socket may linger a moment */
	}
	return -1;
}

static void
slapd_signal(struct slapd_proc *s, int sig)
{
	int status;

	if (s->pid <= 0)
		return;
	kill(s->pid, sig);
	while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
		;
	s->pid = 0;
}

void
slapd_stop(struct slapd_proc *s)
{
	slapd_signal(s, SIGTERM);
}

void
slapd_kill(struct slapd_proc *s)
{
	slapd_signal(s, SIGKILL);
}

static void
remove_dir(const char *dir, const char *prefix)
{
	char cmd[400];

	if (dir[0] == '\0' || strncmp(dir, prefix, strlen(prefix)) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

void
slapd_cleanup(struct slapd_proc *s)
{
	slapd_kill(s);
	remove_dir(s->dir, "/tmp/vetsync-test-");
}

LDAP *
slapd_admin(const struct slapd_proc *s)
{
	struct berval cred = { strlen(SLAPD_PASSWORD), SLAPD_PASSWORD };
	int version = LDAP_VERSION3;
	LDAP *ld = NULL;

	if (ldap_initialize(&ld, s->uri) != LDAP_SUCCESS)
		return NULL;
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
	if (ldap_sasl_bind_s(ld, SLAPD_ADMIN, LDAP_SASL_SIMPLE, &cred, NULL,
	    NULL, NULL) != LDAP_SUCCESS) {
		ldap_unbind_ext_s(ld, NULL, NULL);
		return NULL;
	}
	return ld;
}

int
dir_person_add(LDAP *ld, const char *cn, const char *mail, const char *ou,
    const char *employee_type)
{
	char dn[256];
	char *oc[] = { "inetOrgPerson", NULL };
	char *cnv[] = { (char *)cn, NULL }, *snv[] = { "Person", NULL };
	char *mailv[] = { (char *)mail, NULL }, *ouv[] = { (char *)ou, NULL };
	char *etv[] = { (char *)employee_type, NULL };
	LDAPMod m[6] = {
		{ LDAP_MOD_ADD, "objectClass", { oc } },
		{ LDAP_MOD_ADD, "cn", { cnv } },
		{ LDAP_MOD_ADD, "sn", { snv } },
		{ LDAP_MOD_ADD, "mail", { mailv } },
		{ LDAP_MOD_ADD, "ou", { ouv } },
		{ LDAP_MOD_ADD, "employeeType", { etv } },
	};
	LDAPMod *mods[7];
	size_t n = 0;

	for (size_t i = 0; i < 6; i++) {
		if (m[i].mod_vals.modv_strvals[0] == NULL)
			continue;
		mods[n++] = &m[i];
	}
	mods[n] = NULL;
	snprintf(dn, sizeof(dn), "cn=%s,%s", cn, SLAPD_PEOPLE);
	return ldap_add_ext_s(ld, dn, mods, NULL, NULL);
}

int
dir_people_add(LDAP *ld, int first, int n)
{
	char cn[64], mail[64], ou[32];
	int rv;

	for (int i = first; i < first + n; i++) {
		snprintf(cn, sizeof(cn), "User %04d", i);
		snprintf(mail, sizeof(mail), "user%04d@example.org", i);
		snprintf(ou, sizeof(ou), "Team %d", i % 7);
		if ((rv = dir_person_add(ld, cn, mail, ou, NULL)) !=
		    LDAP_SUCCESS)
			return rv;
	}
	return LDAP_SUCCESS;
}

int
dir_person_delete(LDAP *ld, const char *cn)
{
	char dn[256];

	snprintf(dn, sizeof(dn), "cn=%s,%s", cn, SLAPD_PEOPLE);
	return ldap_delete_ext_s(ld, dn, NULL, NULL);
}

int
dir_person_set(LDAP *ld, const char *cn, const char *attr, const char *value)
{
	char dn[256];
	char *vals[] = { (char *)value, NULL };
	LDAPMod m = { value != NULL ? LDAP_MOD_REPLACE : LDAP_MOD_DELETE,
	    (char *)attr, { value != NULL ? vals : NULL } };
	LDAPMod *mods[] = { &m, NULL };

	snprintf(dn, sizeof(dn), "cn=%s,%s", cn, SLAPD_PEOPLE);
	return ldap_modify_ext_s(ld, dn, mods, NULL, NULL);
}

int
dir_person_rename(LDAP *ld, const char *cn, const char *newcn,
    const char *superior)
{
	char dn[256], rdn[256];

	snprintf(dn, sizeof(dn), "cn=%s,%s", cn, SLAPD_PEOPLE);
	snprintf(rdn, sizeof(rdn), "cn=%s", newcn);
	return ldap_rename_s(ld, dn, rdn, superior, 1, NULL, NULL);
}

int
dir_person_uuid(LDAP *ld, const char *dn, char out[37])
{
	char *attrs[] = { "entryUUID", NULL };
	LDAPMessage *res = NULL, *e;
	struct berval **v = NULL;
	int rv = -1;

	if (ldap_search_ext_s(ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
	    attrs, 0, NULL, NULL, NULL, 1, &res) == LDAP_SUCCESS &&
	    (e = ldap_first_entry(ld, res)) != NULL &&
	    (v = ldap_get_values_len(ld, e, "entryUUID")) != NULL &&
	    v[0] != NULL && v[0]->bv_len == 36) {
		memcpy(out, v[0]->bv_val, 36);
		out[36] = '\0';
		rv = 0;
	}
	ldap_value_free_len(v);
	ldap_msgfree(res);
	return rv;
}

static int
write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	size_t len = strlen(text);

	if (fd < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	fchmod(fd, mode);
	return close(fd);
}

int
vetsync_rewrite(struct vetsync_proc *v, const struct slapd_proc *s,
    const char *vetd_url, const char *extra)
{
	char conf[8192];

	snprintf(conf, sizeof(conf),
	    "; written by tests/ldap_fixture.c\n"
	    "[directory]\n"
	    "uri = %s\n"
	    "bind = simple\n"
	    "bind_dn = " SLAPD_SYNC_DN "\n"
	    "password_file = %s/password\n"
	    "base = " SLAPD_PEOPLE "\n"
	    "timeout = 10\n"
	    "retry_min = 1\n"
	    "retry_max = 1\n"
	    "interval = 1\n"
	    "[map]\n"
	    "disabled_attribute = employeeType\n"
	    "disabled_value = leaver\n"
	    "[vetd]\n"
	    "url = %s\n"
	    "retry_limit = 5\n"
	    "[sync]\n"
	    "state_dir = %s\n"
	    "metrics_file = %s\n"
	    "%s",
	    s->uri, v->dir, vetd_url, v->state_dir, v->metrics,
	    extra != NULL ? extra : "");
	return write_file(v->conf, conf, 0600);
}

int
vetsync_setup(struct vetsync_proc *v, const struct slapd_proc *s,
    const char *vetd_url, const char *extra)
{
	char pw[320];

	memset(v, 0, sizeof(*v));
	snprintf(v->dir, sizeof(v->dir), "/tmp/vetsync-run-XXXXXX");
	if (mkdtemp(v->dir) == NULL)
		return -1;
	snprintf(v->conf, sizeof(v->conf), "%s/vetsync.conf", v->dir);
	snprintf(v->state_dir, sizeof(v->state_dir), "%s/state", v->dir);
	snprintf(v->log_path, sizeof(v->log_path), "%s/vetsync.log", v->dir);
	snprintf(v->metrics, sizeof(v->metrics), "%s/vetsync.prom", v->dir);
	snprintf(pw, sizeof(pw), "%s/password", v->dir);
	if (write_file(pw, SLAPD_PASSWORD "\n", 0600) != 0)
		return -1;
	return vetsync_rewrite(v, s, vetd_url, extra);
}

static size_t
vetsync_argv(struct vetsync_proc *v, const char *const *args,
    const char **argv, size_t max)
{
	size_t n = 0;

	argv[n++] = test_bin("VETSYNC_BIN");
	argv[n++] = "-c";
	argv[n++] = v->conf;
	for (size_t i = 0; args != NULL && args[i] != NULL && n + 1 < max; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return n;
}

int
vetsync_start(struct vetsync_proc *v, const char *const *args)
{
	const char *argv[32];
	posix_spawn_file_actions_t fa;
	int rv;

	vetsync_argv(v, args, argv, 32);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, v->log_path,
	    O_WRONLY | O_CREAT | O_APPEND, 0600);
	rv = posix_spawn(&v->pid, argv[0], &fa, NULL, (char *const *)argv,
	    environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rv != 0) {
		v->pid = 0;
		return -1;
	}
	return 0;
}

int
vetsync_stop(struct vetsync_proc *v)
{
	int64_t deadline = ms_now() + 10000;
	int status = 0;

	if (v->pid <= 0)
		return -1;
	kill(v->pid, SIGTERM);
	while (waitpid(v->pid, &status, WNOHANG) == 0) {
		if (ms_now() > deadline) {
			kill(v->pid, SIGKILL);
			waitpid(v->pid, &status, 0);
			v->pid = 0;
			return -1;
		}
		tick(10);
	}
	v->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int
vetsync_run(struct vetsync_proc *v, const char *const *args, char *out,
    size_t outsz, char *err, size_t errsz)
{
	const char *argv[32];

	vetsync_argv(v, args, argv, 32);
	return run_cmd(argv, out, outsz, err, errsz);
}

void
vetsync_cleanup(struct vetsync_proc *v)
{
	if (v->pid > 0) {
		kill(v->pid, SIGKILL);
		waitpid(v->pid, NULL, 0);
		v->pid = 0;
	}
	remove_dir(v->dir, "/tmp/vetsync-run-");
}
