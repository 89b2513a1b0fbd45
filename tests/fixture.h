/*
 * fixture.h: real vetd processes for end-to-end tests. Each fixture gets
 * its own temporary directory (data, socket, log), starts the vetd built
 * in this tree (VETD_BIN), and waits, with a bound, until it answers.
 */
#ifndef VET_TEST_FIXTURE_H
#define VET_TEST_FIXTURE_H

#include <stddef.h>
#include <sys/types.h>

struct vetd_proc {
	pid_t	pid;
	char	dir[256];	/* temporary directory, removed by cleanup */
	char	data_dir[320];
	char	url[400];	/* ipc://dir/vetd.sock */
	char	log_path[320];
};

/*
 * fixture_start makes a temporary directory and starts vetd on it.
 * extra: NULL-terminated extra arguments, or NULL. Returns 0 when vetd
 * answers Health within 10 s, else -1 (vetd is killed).
 */
int fixture_start(struct vetd_proc *v, const char *const *extra);
/* fixture_restart starts vetd again on the same directory. */
int fixture_restart(struct vetd_proc *v, const char *const *extra);
/* fixture_stop sends SIGTERM and returns vetd's exit status (-1: signal). */
int fixture_stop(struct vetd_proc *v);
/* fixture_kill sends SIGKILL and reaps vetd. */
void fixture_kill(struct vetd_proc *v);
/* fixture_cleanup stops vetd if running and removes the directory. */
void fixture_cleanup(struct vetd_proc *v);
/* fixture_wait_ready polls Health on url until it answers or 10 s pass. */
int fixture_wait_ready(const char *url);

/*
 * For vetd started with a config file or a first admin token:
 * fixture_prepare makes the temporary directory and fills in the paths
 * without starting vetd, so a test can write files there or run
 * vetd --init-admin first; fixture_launch then starts vetd on it and
 * waits until Health sent with token (NULL: none, so the test's uid must
 * be an admin on the socket) answers OK within 10 s. Returns 0, or -1
 * (vetd is killed).
 */
int fixture_prepare(struct vetd_proc *v);
int fixture_launch(struct vetd_proc *v, const char *const *extra,
    const char *token);

/*
 * run_cmd runs argv (argv[0] a path) in the test's environment, captures
 * stdout and stderr (NUL-terminated, truncated to their sizes) and returns
 * the exit status, or -1 if it was killed by a signal.
 */
int run_cmd(const char *const *argv, char *out, size_t outsz, char *err,
    size_t errsz);

/* fixture_free_port asks the kernel for a free loopback port (-1 on
 * failure). */
int fixture_free_port(void);

/* test_bin returns the path of a built binary from an environment
 * variable such as VETD_BIN. */
const char *test_bin(const char *env);

#endif /* VET_TEST_FIXTURE_H */
