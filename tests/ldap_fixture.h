/*
 * ldap_fixture.h: a throwaway slapd per test (back-mdb, syncprov unless
 * asked not to, a free loopback port, run as the current user, data in a
 * temporary directory; configured by tests/slapd/slapd-config.sh, see
 * NOTES.md section 5), helpers that change its entries through libldap,
 * and a vetsync child process with its own config. slapd and vetsync are
 * children of the test, started and stopped by pid and reaped with
 * waitpid(); every wait is bounded.
 */
#ifndef VET_TEST_LDAP_FIXTURE_H
#define VET_TEST_LDAP_FIXTURE_H

#include <stddef.h>
#include <sys/types.h>

#include <ldap.h>

#define SLAPD_BASE	"dc=example,dc=org"
#define SLAPD_PEOPLE	"ou=people,dc=example,dc=org"
#define SLAPD_ADMIN	"cn=admin,dc=example,dc=org"
#define SLAPD_SYNC_DN	"cn=vetsync,dc=example,dc=org"
#define SLAPD_PASSWORD	"secret"

struct slapd_proc {
	pid_t	pid;
	int	port;
	int	syncprov;
	char	dir[256];	/* temporary directory, removed by cleanup */
	char	uri[64];	/* ldap://127.0.0.1:PORT/ */
	char	ldapi[800];	/* ldapi://%2Ftmp%2F...%2Fldapi */
	char	log_path[320];
};

/* slapd_start configures and starts slapd; 0 once it answers (10 s). */
int slapd_start(struct slapd_proc *s, int syncprov);
/* slapd_start_tls: the same with StartTLS from certdir (ca.crt and
 * server.pem, as deploy/make-certs.sh makes them). */
int slapd_start_tls(struct slapd_proc *s, int syncprov, const char *certdir);
/* slapd_restart starts slapd again on the same directory and port. */
int slapd_restart(struct slapd_proc *s);
/* slapd_stop: SIGTERM and waitpid. slapd_kill: SIGKILL and waitpid. */
void slapd_stop(struct slapd_proc *s);
void slapd_kill(struct slapd_proc *s);
void slapd_cleanup(struct slapd_proc *s);

/* slapd_admin returns a connection bound as the rootdn, or NULL. */
LDAP *slapd_admin(const struct slapd_proc *s);
/* People live at cn=NAME,ou=people; each call returns an LDAP result code. */
int dir_person_add(LDAP *ld, const char *cn, const char *mail,
    const char *ou, const char *employee_type);
/* dir_people_add adds "User 0000".."User n-1" (from first). */
int dir_people_add(LDAP *ld, int first, int n);
int dir_person_delete(LDAP *ld, const char *cn);
/* dir_person_set replaces attr with value (NULL: removes attr). */
int dir_person_set(LDAP *ld, const char *cn, const char *attr,
    const char *value);
/* dir_person_rename: new RDN cn=newcn, under superior if not NULL. */
int dir_person_rename(LDAP *ld, const char *cn, const char *newcn,
    const char *superior);
/* dir_person_uuid writes the entry's entryUUID (37 bytes), 0 or -1. */
int dir_person_uuid(LDAP *ld, const char *dn, char out[37]);

struct vetsync_proc {
	pid_t	pid;
	char	dir[256];	/* config, password, state, log */
	char	conf[320];
	char	state_dir[320];
	char	log_path[320];
	char	metrics[320];
};

/*
 * vetsync_setup makes a directory with a config for slapd s and vetd at
 * vetd_url, binding as SLAPD_SYNC_DN with a 0600 password file, the
 * disabled rule employeeType=leaver, retry_max 1 s. extra is appended to
 * the file verbatim (e.g. "[sync]\nmax_leavers = 5\n"; sections may
 * repeat: later keys win).
 */
int vetsync_setup(struct vetsync_proc *v, const struct slapd_proc *s,
    const char *vetd_url, const char *extra);
/* vetsync_rewrite writes the config again with another extra. */
int vetsync_rewrite(struct vetsync_proc *v, const struct slapd_proc *s,
    const char *vetd_url, const char *extra);
/* vetsync_start runs vetsync -c conf in the background (follow mode). */
int vetsync_start(struct vetsync_proc *v, const char *const *args);
/* vetsync_stop: SIGTERM, then waitpid (10 s, else SIGKILL); exit status. */
int vetsync_stop(struct vetsync_proc *v);
/* vetsync_run runs vetsync -c conf ARGS to completion; exit status. */
int vetsync_run(struct vetsync_proc *v, const char *const *args, char *out,
    size_t outsz, char *err, size_t errsz);
void vetsync_cleanup(struct vetsync_proc *v);

/* wait_until polls fn(arg) every 10 ms until it returns 1 or ms pass. */
int wait_until(int (*fn)(void *), void *arg, int ms);
/* file_contains: the file at path holds needle. */
int file_contains(const char *path, const char *needle);

#endif /* VET_TEST_LDAP_FIXTURE_H */
