/*
 * test_ops.c: vetd as a service manager and an operator see it: the
 * sd_notify datagrams (READY=1 once it serves, RELOADING=1/READY=1 around
 * SIGHUP, STOPPING=1 on SIGTERM) caught on a real AF_UNIX socket; SIGHUP
 * reloads (log_level at once, restart-only settings named, a broken file
 * refused); the start-up line; the journal's line format; and no token in
 * the log.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <vet/vet.h>

#include "fixture.h"

#define WAIT_MS	10000

extern char **environ;

static struct vetd_proc vetd;
static char conf_path[400];

static void cleanup_conf(void);

static void
teardown(void)
{
	fixture_cleanup(&vetd);
	cleanup_conf();
}

TestSuite(ops, .fini = teardown, .timeout = 60);

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* notify_socket binds a datagram socket at dir/notify and exports it. */
static int
notify_socket(const char *dir)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/notify", dir);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0,
	    "bind %s: %s", sun.sun_path, strerror(errno));
	setenv("NOTIFY_SOCKET", sun.sun_path, 1);
	return fd;
}

/* notify_expect waits (bounded) for a datagram starting with want. */
static void
notify_expect(int fd, const char *want)
{
	char buf[1024];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	cr_assert_eq(poll(&pfd, 1, WAIT_MS), 1, "no \"%s\" within %d ms",
	    want, WAIT_MS);
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	cr_assert(strncmp(buf, want, strlen(want)) == 0, "got \"%s\", want "
	    "\"%s\"", buf, want);
}

/* make_dir makes the fixture-style temp directory before vetd starts. */
static void
write_conf(const char *text)
{
	FILE *f = fopen(conf_path, "w");

	cr_assert_not_null(f, "%s", conf_path);
	fputs(text, f);
	fclose(f);
	chmod(conf_path, 0600);
}

/* start_with_conf starts vetd with -c conf_path (in /tmp) and text. */
static void
start_with_conf(const char *text)
{
	static char dir[64];
	const char *extra[] = { "-c", conf_path, NULL };

	snprintf(dir, sizeof(dir), "/tmp/vetd-ops-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(conf_path, sizeof(conf_path), "%s/vetd.conf", dir);
	write_conf(text);
	cr_assert_eq(fixture_start(&vetd, extra), 0, "vetd did not start");
}

/* cleanup_conf removes start_with_conf's directory (once). */
static void
cleanup_conf(void)
{
	char *slash;

	if (conf_path[0] == '\0')
		return;
	unlink(conf_path);
	if ((slash = strrchr(conf_path, '/')) != NULL) {
		*slash = '\0';
		rmdir(conf_path);
	}
	conf_path[0] = '\0';
}

/* log_wait waits (bounded) until vetd's log holds text. */
static int
log_wait(const char *text)
{
	int64_t deadline = now_ms() + WAIT_MS;
	struct timespec tick = { 0, 5 * 1000 * 1000 };
	char buf[65536];

	while (now_ms() < deadline) {
		FILE *f = fopen(vetd.log_path, "r");
		size_t n = 0;
		if (f != NULL) {
			n = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
		}
		buf[n] = '\0';
		if (strstr(buf, text) != NULL)
			return 1;
		nanosleep(&tick, NULL);
	}
	return 0;
}

static int
log_has(const char *text)
{
	char buf[65536];
	FILE *f = fopen(vetd.log_path, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return strstr(buf, text) != NULL;
}

Test(ops, notifies_ready_reloading_and_stopping)
{
	char dir[64];
	int fd;

	snprintf(dir, sizeof(dir), "/tmp/vetd-notify-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	fd = notify_socket(dir);
	cr_assert_eq(fixture_start(&vetd, NULL), 0, "vetd did not start");
	notify_expect(fd, "READY=1\nSTATUS=serving, revision 0");

	cr_assert_eq(kill(vetd.pid, SIGHUP), 0);
	notify_expect(fd, "RELOADING=1");
	notify_expect(fd, "READY=1");

	cr_assert_eq(kill(vetd.pid, SIGTERM), 0);
	notify_expect(fd, "STOPPING=1");
	cr_assert_eq(fixture_stop(&vetd), 0);
	close(fd);
	unsetenv("NOTIFY_SOCKET");
	{
		char path[128];
		snprintf(path, sizeof(path), "%s/notify", dir);
		unlink(path);
		rmdir(dir);
	}
}

Test(ops, without_a_notify_socket_vetd_just_runs)
{
	unsetenv("NOTIFY_SOCKET");
	cr_assert_eq(fixture_start(&vetd, NULL), 0);
	cr_assert_eq(fixture_stop(&vetd), 0);
	cr_assert(!log_has("cannot notify"));
}

Test(ops, start_up_line_names_version_listeners_data_revision_policy)
{
	char want[1024];

	cr_assert_eq(fixture_start(&vetd, NULL), 0);
	snprintf(want, sizeof(want), "vetd 0.1.0 serving: listen %s; data "
	    "dir %s; revision 0; policy ", vetd.url, vetd.data_dir);
	cr_assert(log_wait(want), "no start-up line \"%s\"", want);
	cr_assert_eq(fixture_stop(&vetd), 0);
	cr_assert(log_has("stopped"));
}

Test(ops, sighup_applies_log_level_at_once)
{
	start_with_conf("log_level = info\n");
	cr_assert(!log_has("debug:"));
	write_conf("log_level = debug\n");
	cr_assert_eq(kill(vetd.pid, SIGHUP), 0);
	cr_assert(log_wait("reload: log_level changed from info to debug"));

	write_conf("log_level = error\n");
	cr_assert_eq(kill(vetd.pid, SIGHUP), 0);
	cr_assert(log_wait("reload: log_level changed from debug to error"));
	cr_assert_eq(fixture_stop(&vetd), 0);
	/* At level error, the "stopped" info line is not written. */
	cr_assert(!log_has("info: stopped"));
	cleanup_conf();
}

Test(ops, sighup_names_settings_that_need_a_restart)
{
	vet_client *c = NULL;
	vet_health_info h;
	vet_status st;

	start_with_conf("contexts = 16\n");
	write_conf("contexts = 8\nmax_frame = 65536\n"
	    "[scheme police]\nlevels = NPPV1, NPPV3\n");
	cr_assert_eq(kill(vetd.pid, SIGHUP), 0);
	cr_assert(log_wait("reload: contexts changed from 16 to 8; restart "
	    "vetd to apply it (still using 16)"));
	cr_assert(log_wait("reload: max_frame changed from 1048576 to 65536"));
	cr_assert(log_wait("reload: the policy ([scheme]/[marking] sections) "
	    "changed"));
	cr_assert_eq(vet_client_open(&c, vetd.url, NULL, &st), VET_OK);
	cr_assert_eq(vet_health(c, &h, &st), VET_OK, "%s", st.message);
	vet_client_close(&c);
	cr_assert_eq(fixture_stop(&vetd), 0);
	cleanup_conf();
}

Test(ops, sighup_with_a_broken_file_keeps_the_running_configuration)
{
	vet_client *c = NULL;
	vet_health_info h;
	vet_status st;

	start_with_conf("log_level = info\n");
	write_conf("log_level = info\nno_such_key = 1\n");
	cr_assert_eq(kill(vetd.pid, SIGHUP), 0);
	cr_assert(log_wait("reload refused: "));
	cr_assert(log_wait(":2: unknown key \"no_such_key\"; keeping the "
	    "running configuration"));

	/* World-writable: refused too. */
	write_conf("log_level = debug\n");
	chmod(conf_path, 0666);
	cr_assert_eq(kill(vetd.pid, SIGHUP), 0);
	cr_assert(log_wait("writable by group or others"));
	cr_assert(!log_has("log_level changed"));

	chmod(conf_path, 0600);
	write_conf("log_level = info\n");
	cr_assert_eq(kill(vetd.pid, SIGHUP), 0);
	cr_assert(log_wait("reload: configuration unchanged"));
	cr_assert_eq(vet_client_open(&c, vetd.url, NULL, &st), VET_OK);
	cr_assert_eq(vet_health(c, &h, &st), VET_OK, "%s", st.message);
	vet_client_close(&c);
	cr_assert_eq(fixture_stop(&vetd), 0);
	cleanup_conf();
}

/*
 * Under systemd, stderr is the journal: $JOURNAL_STREAM names it by
 * device and inode, and each line carries its priority instead of a time.
 */
Test(ops, journal_lines_carry_their_priority)
{
	char dir[64], data[128], url[160], logp[128], env[64];
	const char *argv[8];
	posix_spawn_file_actions_t fa;
	struct stat sb;
	pid_t pid;
	int status, fd;

	snprintf(dir, sizeof(dir), "/tmp/vetd-journal-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(url, sizeof(url), "ipc://%s/vetd.sock", dir);
	snprintf(logp, sizeof(logp), "%s/journal", dir);
	fd = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(fstat(fd, &sb), 0);
	close(fd);
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)sb.st_dev,
	    (unsigned long long)sb.st_ino);
	setenv("JOURNAL_STREAM", env, 1);

	argv[0] = test_bin("VETD_BIN");
	argv[1] = "--data-dir";
	argv[2] = data;
	argv[3] = "--listen";
	argv[4] = url;
	argv[5] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 2, logp, O_WRONLY | O_APPEND,
	    0);
	cr_assert_eq(posix_spawn(&pid, argv[0], &fa, NULL,
	    (char *const *)argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	unsetenv("JOURNAL_STREAM");
	cr_assert_eq(fixture_wait_ready(url), 0);
	kill(pid, SIGTERM);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	snprintf(vetd.log_path, sizeof(vetd.log_path), "%s", logp);
	cr_assert(log_has("<6>info: vetd 0.1.0 serving: "), "no journal line");
	cr_assert(log_has("<6>info: stopped\n"));
	cr_assert(!log_has(" vetd["), "the journal adds the time and pid");
	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		cr_assert_eq(system(cmd), 0);
	}
}

/* A token used on every call, at log level debug, never reaches the log. */
Test(ops, tokens_are_never_logged)
{
	const char *argv_init[] = { test_bin("VETD_BIN"), "--init-admin",
	    "ops-admin", "--data-dir", NULL, NULL };
	vet_options opts = { .timeout_ms = 10000 };
	vet_client *c = NULL;
	vet_person_spec spec = { .id = "alice", .display_name = "A" };
	vet_health_info h;
	vet_status st;
	char token[512], err[4096], *nl, *reader = NULL;
	const char *extra[] = { "--log-level", "debug", NULL };

	cr_assert_eq(fixture_start(&vetd, extra), 0);
	argv_init[4] = vetd.data_dir;
	cr_assert_eq(run_cmd(argv_init, token, sizeof(token), err,
	    sizeof(err)), 0, "%s", err);
	if ((nl = strchr(token, '\n')) != NULL)
		*nl = '\0';
	cr_assert_gt(strlen(token), 20, "token \"%s\"", token);
	opts.token = token;
	cr_assert_eq(vet_client_open(&c, vetd.url, &opts, &st), VET_OK);
	cr_assert_eq(vet_health(c, &h, &st), VET_OK, "%s", st.message);
	cr_assert_eq(vet_person_put(c, &spec, NULL, &st), VET_OK, "%s",
	    st.message);
	cr_assert_eq(vet_token_create(c, "ops-reader",
	    VET_ROLE_BIT(VET_ROLE_READER), &reader, NULL, &st), VET_OK, "%s",
	    st.message);
	vet_client_close(&c);
	/* A wrong token, so the failure path logs too. */
	opts.token = "not-a-token-but-secret-all-the-same";
	cr_assert_eq(vet_client_open(&c, vetd.url, &opts, &st), VET_OK);
	cr_assert_eq(vet_person_put(c, &spec, NULL, &st),
	    VET_UNAUTHENTICATED, "%s", st.message);
	vet_client_close(&c);
	cr_assert_eq(fixture_stop(&vetd), 0);

	cr_assert(log_has("debug:") || log_has("info:"), "empty log");
	cr_assert(!log_has(token), "the admin token is in the log");
	cr_assert(!log_has(reader), "a created token is in the log");
	cr_assert(!log_has("not-a-token-but-secret"), "a wrong token is in "
	    "the log");
	vet_token_free(reader);
}

/* audit_checks counts the audit entries about person id made by Check. */
static int
audit_checks(vet_client *c, const char *id)
{
	vet_audit_query q = { .person_id = id, .limit = 1000 };
	vet_audit_page *page = NULL;
	vet_status st;
	int n = 0;

	cr_assert_eq(vet_audit_list(c, &q, &page, &st), VET_OK, "%s",
	    st.message);
	for (size_t i = 0; i < page->n_entries; i++)
		if (strcmp(page->entries[i].method, "Check") == 0)
			n++;
	vet_audit_page_free(page);
	return n;
}

Test(ops, sighup_applies_decision_log_from_the_next_check)
{
	vet_check_request req = { .person_id = "nobody", .marking = "SECRET" };
	vet_client *c = NULL;
	vet_decision d;
	vet_status st;
	int64_t deadline;
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	start_with_conf("decision_log = off\n");
	cr_assert_eq(vet_client_open(&c, vetd.url, NULL, &st), VET_OK);
	vet_check(c, &req, &d, &st);
	cr_assert_eq(d.effect, VET_DENY);

	write_conf("decision_log = deny\n");
	cr_assert_eq(kill(vetd.pid, SIGHUP), 0);
	cr_assert(log_wait("reload: decision_log changed from off to deny"));
	vet_check(c, &req, &d, &st);
	cr_assert_eq(d.effect, VET_DENY);
	/* Decisions are committed in batches within 200 ms. */
	deadline = now_ms() + WAIT_MS;
	while (audit_checks(c, "nobody") == 0 && now_ms() < deadline)
		nanosleep(&tick, NULL);
	cr_assert_eq(audit_checks(c, "nobody"), 1, "only the check after the "
	    "reload is in the audit log");
	vet_client_close(&c);
	cr_assert_eq(fixture_stop(&vetd), 0);
	cleanup_conf();
}

Test(ops, log_target_syslog_takes_the_lines_off_stderr)
{
	const char *extra[] = { "--log-target", "syslog", NULL };
	const char *bad[] = { test_bin("VETD_BIN"), "--data-dir", "/tmp/x",
	    "--log-target", "journal", NULL };
	char out[1024], err[1024];

	cr_assert_eq(fixture_start(&vetd, extra), 0);
	cr_assert_eq(fixture_stop(&vetd), 0);
	cr_assert(!log_has("serving"), "a log line went to stderr");
	cr_assert_eq(run_cmd(bad, out, sizeof(out), err, sizeof(err)), 2);
	cr_assert(strstr(err, "log_target must be stderr or syslog, not "
	    "\"journal\"") != NULL, "%s", err);
}
