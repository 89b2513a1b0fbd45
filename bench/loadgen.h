/*
 * loadgen.h: what vet-loadgen's two files share: the run's settings, a
 * client thread's state, and the per-target connection and operation
 * (targets.c: vetd over libvet, slapd, redis, the echo server through
 * nng's REQ socket or a bare SP client).
 */
#ifndef VET_BENCH_LOADGEN_H
#define VET_BENCH_LOADGEN_H

#include <ldap.h>
#include <nng/nng.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include <vet/vet.h>

#include "gen.h"
#include "spclient.h"

#define SUB_BITS	6
#define SUB		(1 << SUB_BITS)
#define HIST_SIZE	(48 * SUB)
#define QUERIES		4096	/* pre-generated per thread */
#define REASONS		16

enum target { TARGET_VETD, TARGET_LDAP, TARGET_REDIS, TARGET_ECHO,
    TARGET_ECHO_DIRECT };
enum op { OP_CHECK, OP_BATCH, OP_PUT };

struct config {
	enum target target;
	enum op	op;
	const char *url;
	const char *label;
	unsigned clients;
	double	seconds;
	double	warmup;
	unsigned batch;
	uint32_t people;
	uint64_t seed;
	pid_t	server_pid;
	int	shared;
	int	echo_size;
	vet_options opts;
};

struct worker {
	const struct config *cfg;
	pthread_t thread;
	unsigned index;
	int64_t	start_ns, end_ns;	/* the measured window */
	uint64_t ops, errors, allow, deny;
	uint64_t reasons[REASONS];
	uint64_t hist[HIST_SIZE];
	char	error[700];
	vet_client *client;		/* --shared: the one client */
	vet_check_request *reqs;	/* BatchCheck buffers */
	vet_decision *decisions;
};

/* A connection to the target, one per client thread. */
struct conn {
	vet_client *vc;
	LDAP	*ld;
	int	fd;
	nng_socket sock;
	struct spclient sp;	/* echo-direct */
	char	buf[4096];
};

/* conn_open connects w's thread to the target; -1 with w->error set. */
int conn_open(struct worker *w, struct conn *c);
void conn_close(struct worker *w, struct conn *c);
/*
 * target_op does one operation: a Check of qs[at], a BatchCheck of the
 * next cfg->batch queries, a PutPerson, a Compare, an HGET or an echo.
 * Returns 0, or -1 with w->error set.
 */
int target_op(struct worker *w, struct conn *c, const struct gen_query *qs,
    size_t at, uint64_t *rng);

#endif /* VET_BENCH_LOADGEN_H */
