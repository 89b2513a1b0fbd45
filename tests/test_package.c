/*
 * test_package.c: the Debian packages as built by deploy/build-deb.sh and
 * unpacked by package-test.sh into a scratch root (PKG_ROOT; control
 * files under PKG_CONTROL). Checks what each package holds, builds a C
 * program against the unpacked libvet-dev with pkg-config (shared and
 * static), starts the unpacked vetd with the ExecStart line of the
 * unpacked vetd.service (paths moved under the scratch root, data in a
 * temporary directory), waits for its READY=1 as systemd would, runs the
 * unpacked vetctl against it, reloads and stops it as the unit does, and
 * runs the maintainer scripts' purge logic against a scratch $DPKG_ROOT.
 * Nothing is installed on this machine.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"

#define WAIT_MS	10000

extern char **environ;

static char root[512], control[512], multiarch[64], tmp[64];
static pid_t running;		/* a vetd this test started, or 0 */

static void
setup(void)
{
	const char *r = getenv("PKG_ROOT"), *c = getenv("PKG_CONTROL");
	FILE *p;

	cr_assert(r != NULL && c != NULL, "run through package-test.sh");
	snprintf(root, sizeof(root), "%s", r);
	snprintf(control, sizeof(control), "%s", c);
	p = popen("dpkg-architecture -qDEB_HOST_MULTIARCH", "r");
	cr_assert_not_null(p);
	cr_assert_not_null(fgets(multiarch, sizeof(multiarch), p));
	multiarch[strcspn(multiarch, "\n")] = '\0';
	pclose(p);
	snprintf(tmp, sizeof(tmp), "/tmp/vetd-pkg-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
}

static void
teardown(void)
{
	char cmd[128];
	int status;

	if (running > 0) {
		kill(running, SIGKILL);
		waitpid(running, &status, 0);
		running = 0;
	}

	if (strncmp(tmp, "/tmp/vetd-pkg-", 14) == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", tmp);
	}
}

TestSuite(package, .init = setup, .fini = teardown, .timeout = 120);

/* in_root: the unpacked path of a packaged file. */
static const char *
in_root(const char *path)
{
	static char buf[4][1024];
	static int next;
	char *b = buf[next++ % 4];

	snprintf(b, sizeof(buf[0]), "%s%s", root, path);
	return b;
}

static void
assert_file(const char *path, mode_t mode)
{
	struct stat sb;

	cr_expect_eq(lstat(in_root(path), &sb), 0, "the packages hold no %s",
	    path);
	if (mode != 0)
		cr_expect_eq(sb.st_mode & 07777, mode, "%s is %04o, not %04o",
		    path, (unsigned)(sb.st_mode & 07777), (unsigned)mode);
}

static char *
slurp(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f, "cannot open %s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* sh runs a shell command line; returns its exit status. */
static int
sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(package, vetd_holds_the_programs_units_pages_and_config)
{
	char path[1024];

	assert_file("/usr/sbin/vetd", 0755);
	assert_file("/usr/bin/vetctl", 0755);
	assert_file("/usr/bin/vetsync", 0755);
	assert_file("/lib/systemd/system/vetd.service", 0644);
	assert_file("/lib/systemd/system/vetsync.service", 0644);
	assert_file("/usr/lib/tmpfiles.d/vetd.conf", 0644);
	assert_file("/etc/vetd/vetd.conf", 0640);	/* postinst: root:vetd */
	assert_file("/usr/share/man/man8/vetd.8.gz", 0644);
	assert_file("/usr/share/man/man5/vetd.conf.5.gz", 0644);
	assert_file("/usr/share/man/man1/vetctl.1.gz", 0644);
	assert_file("/usr/share/man/man8/vetsync.8.gz", 0644);
	assert_file("/usr/share/doc/vetd/OPERATIONS.md.gz", 0);
	snprintf(path, sizeof(path), "%s/vetd/conffiles", control);
	cr_expect(strstr(slurp(path), "/etc/vetd/vetd.conf") != NULL,
	    "vetd.conf is not a conffile");
	cr_expect(strstr(slurp(in_root("/usr/lib/tmpfiles.d/vetd.conf")),
	    "d /run/vetd 0750 vetd vetd") != NULL);
	/* Built for the packaged socket. */
	cr_expect_eq(sh("LD_LIBRARY_PATH=%s/usr/lib/%s %s/usr/bin/vetctl "
	    "--help | grep -q 'ipc:///run/vetd/vetd.sock'", root, multiarch,
	    root), 0, "vetctl's default socket is not /run/vetd/vetd.sock");
}

Test(package, libvet1_and_libvet_dev_hold_the_library)
{
	char lib[256];

	snprintf(lib, sizeof(lib), "/usr/lib/%s/libvet.so.1", multiarch);
	assert_file(lib, 0);
	snprintf(lib, sizeof(lib), "/usr/lib/%s/libvet.so", multiarch);
	assert_file(lib, 0);
	snprintf(lib, sizeof(lib), "/usr/lib/%s/libvet.a", multiarch);
	assert_file(lib, 0644);
	snprintf(lib, sizeof(lib), "/usr/lib/%s/pkgconfig/vet.pc", multiarch);
	assert_file(lib, 0644);
	assert_file("/usr/include/vet/vet.h", 0644);
	cr_expect_eq(sh("dpkg-deb -c %s/libvet1_*.deb | grep -q "
	    "'libvet.so.1$\\|libvet.so.1 ->'", getenv("PKG_DEBS")), 0);
	cr_expect_eq(sh("dpkg-deb -f %s/libvet-dev_*.deb Depends | grep -q "
	    "'libvet1 (='", getenv("PKG_DEBS")), 0);
	cr_expect_eq(sh("dpkg-deb -f %s/vetd_*.deb Depends | grep -q "
	    "'libvet1'", getenv("PKG_DEBS")), 0, "vetctl's libvet1 is not a "
	    "dependency of vetd");
}

/*
 * vetd_start runs the ExecStart line of the unpacked vetd.service with
 * paths under the scratch root and --data-dir/--listen in tmp; waits for
 * READY=1 on a notify socket. Returns the pid; *notify_fd the socket.
 */
static pid_t
vetd_start(const char *url, int *notify_fd)
{
	char unit[8192], exec[1024], data[128], env_ld[600], env_notify[200];
	char *line, *argv[32], *save = NULL, *tok;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	posix_spawn_file_actions_t fa;
	struct pollfd pfd;
	char buf[512], logp[128];
	char *envp[] = { env_ld, env_notify, NULL };
	size_t n = 0;
	ssize_t got;
	pid_t pid;

	snprintf(unit, sizeof(unit), "%s",
	    slurp(in_root("/lib/systemd/system/vetd.service")));
	cr_assert(strstr(unit, "Type=notify\n") != NULL);
	line = strstr(unit, "\nExecStart=");
	cr_assert_not_null(line, "no ExecStart in vetd.service");
	line += strlen("\nExecStart=");
	line[strcspn(line, "\n")] = '\0';
	cr_assert_str_eq(line, "/usr/sbin/vetd -c /etc/vetd/vetd.conf");
	/* Every absolute path in the line moves under the scratch root. */
	for (tok = strtok_r(line, " ", &save); tok != NULL && n < 24;
	    tok = strtok_r(NULL, " ", &save))
		argv[n++] = tok[0] == '/' ? strdup(in_root(tok)) : tok;
	snprintf(data, sizeof(data), "%s/data", tmp);
	argv[n++] = "--data-dir";
	argv[n++] = data;
	argv[n++] = "--listen";
	argv[n++] = (char *)url;
	argv[n] = NULL;
	snprintf(exec, sizeof(exec), "%s", argv[0]);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/notify", tmp);
	*notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(*notify_fd, 0);
	unlink(sun.sun_path);
	cr_assert_eq(bind(*notify_fd, (struct sockaddr *)&sun, sizeof(sun)),
	    0);
	snprintf(env_ld, sizeof(env_ld), "LD_LIBRARY_PATH=%s/usr/lib/%s", root,
	    multiarch);
	snprintf(env_notify, sizeof(env_notify), "NOTIFY_SOCKET=%s",
	    sun.sun_path);
	snprintf(logp, sizeof(logp), "%s/vetd.log", tmp);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 2, logp, O_WRONLY | O_CREAT |
	    O_APPEND, 0600);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	cr_assert_eq(posix_spawn(&pid, exec, &fa, NULL, argv, envp), 0,
	    "cannot run %s", exec);
	posix_spawn_file_actions_destroy(&fa);
	running = pid;

	pfd.fd = *notify_fd;
	pfd.events = POLLIN;
	cr_assert_eq(poll(&pfd, 1, WAIT_MS), 1, "no READY=1 from the "
	    "packaged vetd; its log: %s", slurp(logp));
	got = recv(*notify_fd, buf, sizeof(buf) - 1, 0);
	cr_assert_gt(got, 0);
	buf[got] = '\0';
	cr_assert(strncmp(buf, "READY=1", 7) == 0, "got %s", buf);
	return pid;
}

static void
expect_notify(int fd, const char *want)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[512];
	ssize_t got;

	cr_assert_eq(poll(&pfd, 1, WAIT_MS), 1, "no %s", want);
	got = recv(fd, buf, sizeof(buf) - 1, 0);
	cr_assert_gt(got, 0);
	buf[got] = '\0';
	cr_assert(strncmp(buf, want, strlen(want)) == 0, "got %s", buf);
}

/* vetctl runs the unpacked vetctl against url; returns its exit status. */
static int
vetctl(const char *url, const char *args)
{
	return sh("LD_LIBRARY_PATH=%s/usr/lib/%s %s/usr/bin/vetctl -s '%s' %s "
	    ">%s/vetctl.out 2>&1", root, multiarch, root, url, args, tmp);
}

Test(package, the_units_command_line_runs_vetd_and_vetctl_checks_it)
{
	char url[128], reload[8192], *line;
	int fd, status;
	pid_t pid;

	snprintf(url, sizeof(url), "ipc://%s/vetd.sock", tmp);
	pid = vetd_start(url, &fd);

	cr_expect_eq(vetctl(url, "person put alice --name 'Alice Smith' "
	    "--nationality GB"), 0);
	cr_expect_eq(vetctl(url, "clearance grant alice nsv SC --review-due "
	    "2099-06-30"), 0);
	cr_expect_eq(vetctl(url, "check alice SECRET"), 0, "check alice "
	    "SECRET did not ALLOW");
	cr_expect_eq(vetctl(url, "check alice 'TOP SECRET'"), 1);
	{
		char out[256];
		snprintf(out, sizeof(out), "%s/vetctl.out", tmp);
		cr_expect(strstr(slurp(out), "DENY INSUFFICIENT_LEVEL") !=
		    NULL, "%s", slurp(out));
	}

	/* ExecReload, with $MAINPID as systemd fills it in. */
	snprintf(reload, sizeof(reload), "%s",
	    slurp(in_root("/lib/systemd/system/vetd.service")));
	line = strstr(reload, "\nExecReload=");
	cr_assert_not_null(line);
	line += strlen("\nExecReload=");
	line[strcspn(line, "\n")] = '\0';
	cr_assert_str_eq(line, "/bin/kill -HUP $MAINPID");
	cr_assert_eq(sh("MAINPID=%ld /bin/sh -c '%s'", (long)pid, line), 0);
	expect_notify(fd, "RELOADING=1");
	expect_notify(fd, "READY=1");

	kill(pid, SIGTERM);
	expect_notify(fd, "STOPPING=1");
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	running = 0;
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
}

Test(package, a_c_program_builds_with_pkg_config_shared_and_static)
{
	char url[128], prog[256], pc[2048];
	int fd, status;
	pid_t pid;
	FILE *f;

	snprintf(prog, sizeof(prog), "%s/prog.c", tmp);
	f = fopen(prog, "w");
	cr_assert_not_null(f);
	fputs("#include <stdio.h>\n#include <vet/vet.h>\n"
	    "int main(int argc, char **argv) {\n"
	    "\tvet_client *c; vet_status st; vet_health_info h;\n"
	    "\tif (argc != 2 || vet_client_open(&c, argv[1], NULL, &st))\n"
	    "\t\treturn 2;\n"
	    "\tif (vet_health(c, &h, &st) != VET_OK) return 3;\n"
	    "\tprintf(\"%s %s\\n\", h.status, h.version);\n"
	    "\tvet_client_close(&c);\n\treturn 0;\n}\n", f);
	fclose(f);
	snprintf(pc, sizeof(pc), "PKG_CONFIG_SYSROOT_DIR=%s "
	    "PKG_CONFIG_PATH=%s/usr/lib/%s/pkgconfig", root, root, multiarch);
	cr_assert_eq(sh("%s pkg-config --exists vet", pc), 0, "vet.pc");
	cr_assert_eq(sh("cc -o %s/prog-shared %s $(%s pkg-config --cflags "
	    "--libs vet)", tmp, prog, pc), 0, "shared link failed");
	/* Static: libvet.a and what pkg-config --static says it needs. */
	cr_assert_eq(sh("cc -o %s/prog-static %s $(%s pkg-config --cflags vet) "
	    "%s/usr/lib/%s/libvet.a $(%s pkg-config --static --libs vet | "
	    "sed 's/-lvet\\b//')", tmp, prog, pc, root, multiarch, pc), 0,
	    "static link failed");
	cr_assert_neq(sh("ldd %s/prog-static | grep -q libvet", tmp), 0,
	    "the static program still needs libvet.so");

	snprintf(url, sizeof(url), "ipc://%s/vetd.sock", tmp);
	pid = vetd_start(url, &fd);
	cr_expect_eq(sh("LD_LIBRARY_PATH=%s/usr/lib/%s %s/prog-shared '%s' | "
	    "grep -q '^SERVING 0.1.0$'", root, multiarch, tmp, url), 0);
	cr_expect_eq(sh("%s/prog-static '%s' | grep -q '^SERVING 0.1.0$'",
	    tmp, url), 0);
	kill(pid, SIGTERM);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	running = 0;
	close(fd);
}

Test(package, vetd_service_is_rated_ok_by_systemd_analyze)
{
	char out[256];
	FILE *p;
	char cmd[600];
	int ok = 0;

	if (access("/usr/bin/systemd-analyze", X_OK) != 0)
		cr_skip_test("no systemd-analyze here");
	snprintf(cmd, sizeof(cmd), "systemd-analyze security --offline=yes "
	    "--no-pager %s 2>&1 | tail -n 1",
	    in_root("/lib/systemd/system/vetd.service"));
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	while (fgets(out, sizeof(out), p) != NULL)
		if (strstr(out, "Overall exposure level") != NULL &&
		    (strstr(out, " OK") != NULL || strstr(out, " SAFE") !=
		    NULL || strstr(out, " PERFECT") != NULL))
			ok = 1;
	pclose(p);
	cr_expect(ok, "vetd.service is not in the OK band: %s", out);
}

/*
 * The maintainer scripts, run against a scratch $DPKG_ROOT. The parts
 * debhelper added that would reach this machine's systemd are pointed
 * into the scratch root first.
 */
Test(package, purge_keeps_the_data_unless_asked)
{
	char postrm[256], data[256], scratch[128];

	snprintf(scratch, sizeof(scratch), "%s/dpkgroot", tmp);
	snprintf(data, sizeof(data), "%s/var/lib/vetd/data.mdb", scratch);
	snprintf(postrm, sizeof(postrm), "%s/postrm", tmp);
	cr_assert_eq(sh("sed -e 's|/usr/bin/deb-systemd-helper|$DPKG_ROOT&|g' "
	    "-e 's|/run/systemd/system|$DPKG_ROOT&|g' %s/vetd/postrm > %s",
	    control, postrm), 0);
	cr_assert_eq(sh("mkdir -p %s/var/lib/vetd %s/var/backups/vetd "
	    "%s/etc/vetd && echo x > %s", scratch, scratch, scratch, data), 0);

	cr_assert_eq(sh("DPKG_ROOT=%s sh %s purge 2>%s/purge.err", scratch,
	    postrm, tmp), 0);
	cr_expect_eq(access(data, F_OK), 0, "purge removed the data");
	{
		char errp[256];
		snprintf(errp, sizeof(errp), "%s/purge.err", tmp);
		cr_expect(strstr(slurp(errp), "kept /var/lib/vetd; remove it "
		    "with VETD_PURGE_DATA=yes dpkg --purge vetd") != NULL,
		    "%s", slurp(errp));
	}
	cr_assert_eq(sh("DPKG_ROOT=%s VETD_PURGE_DATA=yes sh %s purge "
	    "2>/dev/null", scratch, postrm), 0);
	cr_expect_neq(access(data, F_OK), 0, "VETD_PURGE_DATA=yes kept it");

	/* postinst: a system user, and the store 0700. */
	{
		char postinst[1024];
		snprintf(postinst, sizeof(postinst), "%s/vetd/postinst",
		    control);
		cr_expect(strstr(slurp(postinst), "adduser --quiet --system "
		    "--group --home /var/lib/vetd") != NULL);
		cr_expect(strstr(slurp(postinst), "install -d -m 0700 -o vetd "
		    "-g vetd") != NULL);
		cr_expect(strstr(slurp(postinst), "--create vetd.conf") !=
		    NULL, "postinst does not make /run/vetd (tmpfiles)");
		cr_expect_eq(sh("sh -n %s", postinst), 0);
	}
}
