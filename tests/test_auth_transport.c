/*
 * test_auth_transport.c: how callers reach vetd and are known on each
 * transport: ipc peer uids mapped by [principal] (and, run as root, a
 * real second uid through a 0660 socket in socket_group); tls+tcp:// with
 * a valid client certificate, none, and one from another CA, made by
 * deploy/make-certs.sh; plain tcp:// beyond loopback refused at start-up
 * unless allow_plaintext; configuration mistakes refused with their
 * message; and vetctl refusing a token file open to group or others.
 */
#include <criterion/criterion.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <vet/vet.h>

#include "auth_fixture.h"
#include "vetting.pb-c.h"

static struct vetd_proc vetd;
static char admin[TOKEN_SIZE];
static char out[65536], err[65536];

static void
teardown(void)
{
	fixture_cleanup(&vetd);
}

TestSuite(transport, .fini = teardown, .timeout = 120);

static int
check_code(nng_socket s, const char *token, char *msg, size_t msgsz)
{
	Vet__V1__CheckRequest c = VET__V1__CHECK_REQUEST__INIT;

	c.person_id = "nobody";
	c.marking = "SECRET";
	return ta_code(s, "Check", token, &c.base, msg, msgsz);
}

static int
put_code(nng_socket s, const char *token, char *msg, size_t msgsz)
{
	Vet__V1__PutPersonRequest p = VET__V1__PUT_PERSON_REQUEST__INIT;

	p.id = "ipc-person";
	p.display_name = "Someone";
	return ta_code(s, "PutPerson", token, &p.base, msg, msgsz);
}

/* The test's own uid, mapped to a reader; the token still decides. */
Test(transport, ipc_uid_maps_to_a_principal)
{
	char conf[256], msg[512];
	nng_socket s;

	snprintf(conf, sizeof(conf), "ipc_owner_admin = false\n"
	    "[principal ops]\nuid = %u\nroles = reader\n", (unsigned)geteuid());
	ta_start(&vetd, conf, "root", admin, NULL);
	ta_dial(&s, vetd.url);
	cr_assert_eq(check_code(s, NULL, msg, sizeof(msg)), VET_OK, "%s", msg);
	cr_assert_eq(put_code(s, NULL, msg, sizeof(msg)),
	    VET_PERMISSION_DENIED);
	cr_assert_str_eq(msg, "principal ops may not call PutPerson; it needs "
	    "one of: hr, sync, admin");
	cr_assert_eq(ta_code(s, "ListTokens", NULL, NULL, NULL, 0),
	    VET_PERMISSION_DENIED);
	/* A token alone decides, over the uid. */
	cr_assert_eq(put_code(s, admin, msg, sizeof(msg)), VET_OK, "%s", msg);
	/* No token may pass for the config's principal. */
	Vet__V1__CreateTokenRequest ct = VET__V1__CREATE_TOKEN_REQUEST__INIT;
	Vet__V1__Role roles[] = { VET__V1__ROLE__ROLE_ADMIN };
	ct.name = "ops";
	ct.n_roles = 1;
	ct.roles = roles;
	cr_assert_eq(ta_code(s, "CreateToken", admin, &ct.base, msg,
	    sizeof(msg)), VET_ALREADY_EXISTS);
	cr_assert(strstr(msg, "[principal]") != NULL, "%s", msg);
	cr_assert_eq(check_code(s, "vetd_not-a-real-token-at-all-0000000000"
	    "00000", msg, sizeof(msg)), VET_UNAUTHENTICATED);
	cr_assert_str_eq(msg, "the token is not valid");
	nng_close(s);
}

/* log_wait polls vetd's log for text, for at most 10 s. */
static int
log_wait(const char *text)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < 1000; i++) {
		if (ta_file_has(vetd.log_path, text))
			return 1;
		nanosleep(&tick, NULL);
	}
	return 0;
}

/* SIGHUP swaps the uid map in: the next request sees the new roles. */
Test(transport, sighup_reloads_the_uid_map)
{
	char conf[256], path[400], line[128], msg[512];
	nng_socket s;

	snprintf(conf, sizeof(conf), "ipc_owner_admin = false\n"
	    "[principal ops]\nuid = %u\nroles = reader\n", (unsigned)geteuid());
	ta_start(&vetd, conf, "root", admin, NULL);
	ta_dial(&s, vetd.url);
	cr_assert_eq(put_code(s, NULL, msg, sizeof(msg)),
	    VET_PERMISSION_DENIED);
	snprintf(conf, sizeof(conf), "ipc_owner_admin = false\n"
	    "[principal ops]\nuid = %u\nroles = hr\n", (unsigned)geteuid());
	snprintf(path, sizeof(path), "%s/vetd.conf", vetd.dir);
	ta_write(path, conf, 0600);
	cr_assert_eq(kill(vetd.pid, SIGHUP), 0);
	snprintf(line, sizeof(line), "reload: ipc uid %u is now principal ops "
	    "with roles hr", (unsigned)geteuid());
	cr_assert(log_wait(line), "no \"%s\" in the log", line);
	cr_assert_eq(put_code(s, NULL, msg, sizeof(msg)), VET_OK, "%s", msg);
	cr_assert_eq(check_code(s, NULL, msg, sizeof(msg)),
	    VET_PERMISSION_DENIED);

	/* A broken config changes nothing. */
	ta_write(path, "[principal ops]\nuid = 1\n", 0600);
	cr_assert_eq(kill(vetd.pid, SIGHUP), 0);
	cr_assert(log_wait("reload refused"));
	cr_assert_eq(put_code(s, NULL, msg, sizeof(msg)), VET_OK, "%s", msg);
	nng_close(s);
}

Test(transport, ipc_uid_not_mapped_needs_a_token)
{
	char msg[512];
	nng_socket s;

	ta_start(&vetd, "ipc_owner_admin = false\n", "root", admin, NULL);
	ta_dial(&s, vetd.url);
	cr_assert_eq(ta_code(s, "Health", NULL, NULL, msg, sizeof(msg)),
	    VET_UNAUTHENTICATED);
	cr_assert_str_eq(msg, "a token is required");
	cr_assert_eq(ta_code(s, "Health", admin, NULL, NULL, 0), VET_OK);
	nng_close(s);
	cr_assert(ta_file_has(vetd.log_path, "auth: refused Health from ipc "
	    "uid"));
}

/* By default the uid vetd runs as is admin: the quick start needs no
 * token. The socket is 0600. */
Test(transport, ipc_owner_is_admin_by_default)
{
	struct stat sb;
	nng_socket s;

	cr_assert_eq(fixture_start(&vetd, NULL), 0);
	ta_dial(&s, vetd.url);
	cr_assert_eq(ta_code(s, "ListTokens", NULL, NULL, NULL, 0), VET_OK);
	cr_assert_eq(put_code(s, NULL, NULL, 0), VET_OK);
	nng_close(s);
	cr_assert_eq(stat(vetd.url + 6, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0600, "socket mode %o",
	    sb.st_mode & 0777);
}

/*
 * A second, real uid: nobody, through a socket opened to group nogroup.
 * Unmapped it needs a token; mapped it is the principal the config says.
 */
Test(transport, another_uid_through_socket_group)
{
	struct group *g = getgrnam("nogroup");
	const char *vetctl = test_bin("VETCTL_BIN");
	char conf[256];
	struct stat sb;

	if (geteuid() != 0 || g == NULL || access("/usr/bin/setpriv", X_OK))
		cr_skip_test("needs root, group nogroup and setpriv");
	snprintf(conf, sizeof(conf), "socket_group = nogroup\n"
	    "[principal probe]\nuid = 65534\nroles = reader\n");
	ta_start(&vetd, conf, NULL, NULL, NULL);
	cr_assert_eq(chmod(vetd.dir, 0711), 0);
	cr_assert_eq(stat(vetd.url + 6, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0660, "socket mode %o",
	    sb.st_mode & 0777);
	cr_assert_eq(sb.st_gid, g->gr_gid);

	const char *check[] = { "/usr/bin/setpriv", "--reuid=65534",
	    "--regid=65534", "--clear-groups", vetctl, "-s", vetd.url,
	    "check", "nobody", "SECRET", NULL };
	const char *write[] = { "/usr/bin/setpriv", "--reuid=65534",
	    "--regid=65534", "--clear-groups", vetctl, "-s", vetd.url,
	    "person", "put", "x", "--name", "X", NULL };
	cr_assert_eq(run_cmd(check, out, sizeof(out), err, sizeof(err)), 1,
	    "%s%s", out, err);
	cr_assert(strncmp(out, "DENY UNKNOWN_PERSON", 19) == 0, "%s", out);
	cr_assert_eq(run_cmd(write, out, sizeof(out), err, sizeof(err)), 3);
	cr_assert(strstr(err, "PERMISSION_DENIED: principal probe may not "
	    "call PutPerson") != NULL, "%s", err);
	fixture_cleanup(&vetd);

	/*
	 * Not mapped: nobody is not the owner, so not an admin. One context
	 * serves every request, so the owner's connection, left open, and
	 * nobody's go through the same worker and its cached peer uid.
	 */
	const char *one[] = { "--contexts", "1", NULL };
	nng_socket s;
	ta_start(&vetd, "socket_group = nogroup\n", NULL, NULL, one);
	cr_assert_eq(chmod(vetd.dir, 0711), 0);
	ta_dial(&s, vetd.url);
	cr_assert_eq(ta_code(s, "ListTokens", NULL, NULL, NULL, 0), VET_OK);
	cr_assert_eq(run_cmd(check, out, sizeof(out), err, sizeof(err)), 3);
	cr_assert(strstr(err, "UNAUTHENTICATED: a token is required") !=
	    NULL, "%s", err);
	cr_assert_eq(ta_code(s, "ListTokens", NULL, NULL, NULL, 0), VET_OK);
	cr_assert_eq(run_cmd(check, out, sizeof(out), err, sizeof(err)), 3);
	nng_close(s);
}

/* make_certs runs deploy/make-certs.sh into dir. */
static void
make_certs(const char *dir)
{
	char script[1024];
	const char *argv[] = { "/bin/sh", script, dir, NULL };

	snprintf(script, sizeof(script), "%s/deploy/make-certs.sh",
	    test_bin("VET_SOURCE_ROOT"));
	cr_assert_eq(run_cmd(argv, out, sizeof(out), err, sizeof(err)), 0,
	    "make-certs.sh: %s", err);
}

static int
tls_health(const char *url, const char *ca, const char *cert,
    const char *token, vet_status *st)
{
	vet_options o = { .tls_ca_file = ca, .tls_cert_key_file = cert,
	    .token = token, .timeout_ms = 3000 };
	vet_health_info h;
	vet_client *c = NULL;
	int rv;

	if ((rv = vet_client_open(&c, url, &o, st)) != VET_OK)
		return rv;
	rv = vet_health(c, &h, st);
	vet_client_close(&c);
	return rv;
}

Test(transport, tls_with_client_certificates)
{
	char certs[400], other[400], conf[2048], url[128], ca[450], client[450];
	char rogue[450], server[450];
	const char *extra[] = { "--listen", "tls+tcp://127.0.0.1:0", NULL };
	vet_status st;
	int port;

	cr_assert_eq(fixture_prepare(&vetd), 0);
	snprintf(certs, sizeof(certs), "%s/certs", vetd.dir);
	snprintf(other, sizeof(other), "%s/other-ca", vetd.dir);
	make_certs(certs);
	make_certs(other);
	snprintf(ca, sizeof(ca), "%s/ca.crt", certs);
	snprintf(client, sizeof(client), "%s/client.pem", certs);
	snprintf(server, sizeof(server), "%s/server.pem", certs);
	snprintf(rogue, sizeof(rogue), "%s/client.pem", other);
	snprintf(conf, sizeof(conf), "tls_cert_key_file = %s\n"
	    "tls_ca_file = %s\nrequire_client_cert = true\n", server, ca);
	/* ta_start without re-preparing: write the config by hand. */
	char path[400];
	snprintf(path, sizeof(path), "%s/vetd.conf", vetd.dir);
	ta_write(path, conf, 0600);
	cr_assert_eq(ta_init_admin(&vetd, "root", admin, err, sizeof(err)), 0);
	const char *args[] = { "-c", path, extra[0], extra[1], NULL };
	cr_assert_eq(fixture_launch(&vetd, args, NULL), 0);
	cr_assert((port = ta_port(&vetd, "tls+tcp://")) > 0);
	snprintf(url, sizeof(url), "tls+tcp://localhost:%d", port);

	cr_assert_eq(tls_health(url, ca, client, admin, &st), VET_OK, "%s",
	    st.message);
	/* TLS proves the machine, not the caller: a token is still needed. */
	cr_assert_eq(tls_health(url, ca, client, NULL, &st),
	    VET_UNAUTHENTICATED);
	cr_assert_eq(tls_health(url, ca, NULL, admin, &st), VET_UNAVAILABLE,
	    "no client certificate: %s", st.message);
	cr_assert_eq(tls_health(url, ca, rogue, admin, &st), VET_UNAVAILABLE,
	    "a certificate from another CA: %s", st.message);

	/* vetctl's TLS flags and --token-file, end to end. */
	char tok[400], text[TOKEN_SIZE + 1];
	snprintf(tok, sizeof(tok), "%s/admin.token", vetd.dir);
	snprintf(text, sizeof(text), "%s\n", admin);
	ta_write(tok, text, 0600);
	const char *ok[] = { test_bin("VETCTL_BIN"), "-s", url, "--tls-ca",
	    ca, "--tls-cert", client, "--token-file", tok, "token", "list",
	    NULL };
	cr_assert_eq(run_cmd(ok, out, sizeof(out), err, sizeof(err)), 0,
	    "%s", err);
	cr_assert(strstr(out, "root") != NULL, "%s", out);
	cr_assert_not(ta_file_has(vetd.log_path, admin));
}

/* vetd -n CONF: returns vetd's exit status, stderr in err. */
static int
check_config(const char *text, const char *listen)
{
	char path[400];
	const char *argv[] = { test_bin("VETD_BIN"), "-n", "-c", path,
	    "--data-dir", "/nonexistent", listen != NULL ? "--listen" : NULL,
	    listen, NULL };

	snprintf(path, sizeof(path), "%s/check.conf", vetd.dir);
	ta_write(path, text, 0600);
	return run_cmd(argv, out, sizeof(out), err, sizeof(err));
}

Test(transport, plain_tcp_beyond_loopback_is_refused)
{
	const char *argv[] = { test_bin("VETD_BIN"), "--data-dir", NULL,
	    "--listen", "tcp://0.0.0.0:0", NULL };
	char data[400], conf[400], url[64];
	vet_options o;
	vet_client *c = NULL;
	vet_health_info h;
	vet_status st;
	int port;

	cr_assert_eq(fixture_prepare(&vetd), 0);
	snprintf(data, sizeof(data), "%s/data", vetd.dir);
	argv[2] = data;
	cr_assert_eq(run_cmd(argv, out, sizeof(out), err, sizeof(err)), 2);
	cr_assert(strstr(err, "listen URL tcp://0.0.0.0:0 is plain tcp beyond "
	    "loopback") != NULL, "%s", err);
	cr_assert(strstr(err, "allow_plaintext = true") != NULL, "%s", err);
	cr_assert_eq(check_config("", "tcp://:5555"), 2, "%s", err);
	cr_assert_eq(check_config("", "tcp://vetd.example.org:5555"), 2);
	cr_assert_eq(check_config("", "tcp://127.0.0.2:5555"), 0, "%s", err);
	cr_assert_eq(check_config("", "tcp://[::1]:5555"), 0, "%s", err);
	cr_assert_eq(check_config("", "tcp://localhost:5555"), 0, "%s", err);

	/* allowed when the config says so, and then it serves. */
	snprintf(conf, sizeof(conf), "%s/vetd.conf", vetd.dir);
	ta_write(conf, "allow_plaintext = true\n", 0600);
	cr_assert_eq(ta_init_admin(&vetd, "root", admin, err, sizeof(err)), 0);
	const char *extra[] = { "-c", conf, "--listen", "tcp://0.0.0.0:0",
	    NULL };
	cr_assert_eq(fixture_launch(&vetd, extra, NULL), 0);
	cr_assert((port = ta_port(&vetd, "tcp://0.0.0.0")) > 0);
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", port);
	memset(&o, 0, sizeof(o));
	o.token = admin;
	cr_assert_eq(vet_client_open(&c, url, &o, &st), VET_OK);
	cr_assert_eq(vet_health(c, &h, &st), VET_OK, "%s", st.message);
	vet_client_close(&c);
	o.token = NULL;
	cr_assert_eq(vet_client_open(&c, url, &o, &st), VET_OK);
	cr_assert_eq(vet_health(c, &h, &st), VET_UNAUTHENTICATED);
	vet_client_close(&c);
}

Test(transport, config_mistakes_are_refused)
{
	char key[400], text[1024];

	cr_assert_eq(fixture_prepare(&vetd), 0);
	cr_assert_eq(check_config("[principal ops]\nuid = 5\n", NULL), 2);
	cr_assert(strstr(err, "[principal ops] needs both uid and roles") !=
	    NULL, "%s", err);
	cr_assert_eq(check_config("[principal ops]\nuid = 5\nroles = "
	    "reader, wizard\n", NULL), 2);
	cr_assert(strstr(err, "unknown role \"wizard\"") != NULL, "%s", err);
	cr_assert_eq(check_config("[principal a]\nuid = 5\nroles = hr\n"
	    "[principal b]\nuid = 5\nroles = hr\n", NULL), 2);
	cr_assert(strstr(err, "both map uid 5") != NULL, "%s", err);
	cr_assert_eq(check_config("[principal local-admin]\nuid = 5\n", NULL),
	    2);
	cr_assert_eq(check_config("[principal a b]\nuid = 5\n", NULL), 2);
	cr_assert_eq(check_config("[principal ops]\nuid = -1\nroles = hr\n",
	    NULL), 2);
	cr_assert_eq(check_config("ipc_owner_admin = maybe\n", NULL), 2);
	cr_assert_eq(check_config("socket_group = no-such-group-here\n",
	    NULL), 2);
	cr_assert(strstr(err, "is not a group") != NULL, "%s", err);
	cr_assert_eq(check_config("", "tls+tcp://127.0.0.1:5556"), 2);
	cr_assert(strstr(err, "needs tls_cert_key_file") != NULL, "%s", err);

	make_certs(vetd.dir);
	snprintf(key, sizeof(key), "%s/server.pem", vetd.dir);
	snprintf(text, sizeof(text), "tls_cert_key_file = %s\n"
	    "require_client_cert = true\n", key);
	cr_assert_eq(check_config(text, "tls+tcp://127.0.0.1:5556"), 2);
	cr_assert(strstr(err, "require_client_cert needs tls_ca_file") !=
	    NULL, "%s", err);
	snprintf(text, sizeof(text), "tls_cert_key_file = %s\n", key);
	cr_assert_eq(check_config(text, "tls+tcp://127.0.0.1:5556"), 0, "%s",
	    err);
	cr_assert_eq(chmod(key, 0640), 0);
	cr_assert_eq(check_config(text, "tls+tcp://127.0.0.1:5556"), 2);
	cr_assert(strstr(err, "is open to group or others") != NULL, "%s",
	    err);
}

/* vetctl refuses a token file others could read, from each source. */
Test(transport, token_file_open_to_others_is_refused)
{
	char path[400];
	const char *argv[] = { test_bin("VETCTL_BIN"), "-s", NULL,
	    "--token-file", path, "health", NULL };
	const char *env_argv[] = { test_bin("VETCTL_BIN"), "-s", NULL,
	    "health", NULL };

	ta_start(&vetd, NULL, NULL, NULL, NULL);
	argv[2] = env_argv[2] = vetd.url;
	snprintf(path, sizeof(path), "%s/t.token", vetd.dir);
	ta_write(path, "vetd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
	    0640);
	cr_assert_eq(run_cmd(argv, out, sizeof(out), err, sizeof(err)), 2);
	cr_assert(strstr(err, "is open to group or others (mode 0640)") !=
	    NULL, "%s", err);
	setenv("VET_TOKEN_FILE", path, 1);
	cr_assert_eq(run_cmd(env_argv, out, sizeof(out), err, sizeof(err)),
	    2);
	cr_assert(strstr(err, "open to group or others") != NULL, "%s", err);
	cr_assert_eq(chmod(path, 0600), 0);
	/* Readable now, but a token that is not on file. */
	cr_assert_eq(run_cmd(env_argv, out, sizeof(out), err, sizeof(err)),
	    3);
	cr_assert(strstr(err, "UNAUTHENTICATED: the token is not valid") !=
	    NULL, "%s", err);
	ta_write(path, "", 0600);
	cr_assert_eq(run_cmd(env_argv, out, sizeof(out), err, sizeof(err)),
	    2);
	cr_assert(strstr(err, "is empty") != NULL, "%s", err);
	ta_write(path, "vetd_a\nvetd_b\n", 0600);
	cr_assert_eq(run_cmd(env_argv, out, sizeof(out), err, sizeof(err)),
	    2);
	cr_assert(strstr(err, "not one line of text") != NULL, "%s", err);
	setenv("VET_TOKEN_FILE", vetd.dir, 1);
	cr_assert_eq(run_cmd(env_argv, out, sizeof(out), err, sizeof(err)),
	    2);
	cr_assert(strstr(err, "is not a regular file") != NULL, "%s", err);
	unsetenv("VET_TOKEN_FILE");
	setenv("VET_TOKEN", "vetd_BBBB", 1);
	cr_assert_eq(run_cmd(env_argv, out, sizeof(out), err, sizeof(err)),
	    3);
	cr_assert(strstr(err, "UNAUTHENTICATED") != NULL, "%s", err);
	unsetenv("VET_TOKEN");
}
