/*
 * fixture.c: start, stop and kill real vetd processes (see fixture.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <vet/vet.h>

#include "fixture.h"

extern char **environ;

const char *
test_bin(const char *env)
{
	const char *p = getenv(env);
	if (p == NULL) {
		fprintf(stderr, "fixture: %s is not set (run under meson "
		    "test)\n", env);
		exit(1);
	}
	return p;
}

int
fixture_free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd, port = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* wait_ready polls Health, sent with token (or none), until it is OK. */
static int
wait_ready(const char *url, const char *token)
{
	int64_t deadline = now_ms() + 10000;
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	vet_options opts = { .timeout_ms = 1000, .token = token };

	while (now_ms() < deadline) {
		vet_client *c = NULL;
		vet_status st;
		vet_health_info h;
		if (vet_client_open(&c, url, &opts, &st) == VET_OK) {
			int rv = vet_health(c, &h, &st);
			vet_client_close(&c);
			if (rv == VET_OK)
				return 0;
		}
		nanosleep(&tick, NULL);
	}
	return -1;
}

int
fixture_wait_ready(const char *url)
{
	return wait_ready(url, NULL);
}

static int
spawn_vetd(struct vetd_proc *v, const char *const *extra, const char *token)
{
	const char *argv[32];
	size_t n = 0;
	posix_spawn_file_actions_t fa;
	int rv;

	argv[n++] = test_bin("VETD_BIN");
	argv[n++] = "--data-dir";
	argv[n++] = v->data_dir;
	argv[n++] = "--listen";
	argv[n++] = v->url;
	for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 31; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 2, v->log_path,
	    O_WRONLY | O_CREAT | O_APPEND, 0600);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	rv = posix_spawn(&v->pid, argv[0], &fa, NULL, (char *const *)argv,
	    environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rv != 0) {
		v->pid = 0;
		return -1;
	}
	if (wait_ready(v->url, token) != 0) {
		fixture_kill(v);
		return -1;
	}
	return 0;
}

int
fixture_prepare(struct vetd_proc *v)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->dir, sizeof(v->dir), "/tmp/vetd-test-XXXXXX");
	if (mkdtemp(v->dir) == NULL)
		return -1;
	snprintf(v->data_dir, sizeof(v->data_dir), "%s/data", v->dir);
	snprintf(v->url, sizeof(v->url), "ipc://%s/vetd.sock", v->dir);
	snprintf(v->log_path, sizeof(v->log_path), "%s/vetd.log", v->dir);
	return 0;
}

int
fixture_launch(struct vetd_proc *v, const char *const *extra,
    const char *token)
{
	return spawn_vetd(v, extra, token);
}

int
fixture_start(struct vetd_proc *v, const char *const *extra)
{
	if (fixture_prepare(v) != 0)
		return -1;
	return spawn_vetd(v, extra, NULL);
}

int
fixture_restart(struct vetd_proc *v, const char *const *extra)
{
	return spawn_vetd(v, extra, NULL);
}

int
fixture_stop(struct vetd_proc *v)
{
	int status;

	if (v->pid <= 0)
		return -1;
	kill(v->pid, SIGTERM);
	while (waitpid(v->pid, &status, 0) < 0 && errno == EINTR)
		;
	v->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void
fixture_kill(struct vetd_proc *v)
{
	int status;

	if (v->pid <= 0)
		return;
	kill(v->pid, SIGKILL);
	while (waitpid(v->pid, &status, 0) < 0 && errno == EINTR)
		;
	v->pid = 0;
}

void
fixture_cleanup(struct vetd_proc *v)
{
	char cmd[400];

	fixture_kill(v);
	if (v->dir[0] != '\0' && strncmp(v->dir, "/tmp/vetd-test-", 15) == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", v->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "fixture: cannot remove %s\n", v->dir);
	}
}

/* drain reads what is available on fd into buf. */
static void
drain_fd(int fd, char *buf, size_t size, size_t *len, int *open_)
{
	ssize_t n;

	if (*len + 1 >= size) {
		char scratch[512];
		n = read(fd, scratch, sizeof(scratch));
	} else {
		n = read(fd, buf + *len, size - 1 - *len);
		if (n > 0)
			*len += (size_t)n;
	}
	if (n <= 0)
		*open_ = 0;
}

int
run_cmd(const char *const *argv, char *out, size_t outsz, char *err,
    size_t errsz)
{
	int out_pipe[2], err_pipe[2], status;
	posix_spawn_file_actions_t fa;
	size_t out_len = 0, err_len = 0;
	int out_open = 1, err_open = 1;
	pid_t pid;

	if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0)
		return -2;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
	posix_spawn_file_actions_addclose(&fa, out_pipe[0]);
	posix_spawn_file_actions_addclose(&fa, err_pipe[0]);
	if (posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv,
	    environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -2;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(out_pipe[1]);
	close(err_pipe[1]);
	while (out_open || err_open) {
		struct pollfd pfd[2] = {
			{ .fd = out_open ? out_pipe[0] : -1, .events = POLLIN },
			{ .fd = err_open ? err_pipe[0] : -1, .events = POLLIN },
		};
		if (poll(pfd, 2, 30000) <= 0)
			break;
		if (pfd[0].revents)
			drain_fd(out_pipe[0], out, outsz, &out_len, &out_open);
		if (pfd[1].revents)
			drain_fd(err_pipe[0], err, errsz, &err_len, &err_open);
	}
	out[out_len] = '\0';
	err[err_len] = '\0';
	close(out_pipe[0]);
	close(err_pipe[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
