/*
 * loadgen.c: vet-loadgen, the load generator. C client threads issue
 * look-ups for random people of the benchmark population (gen.c) for a
 * fixed time against one server and report operations per second, p50 /
 * p99 / p99.9 latency from a log-linear histogram, and the server's CPU
 * time per operation (from /proc/PID/stat, given --server-pid).
 *
 * Targets: vetd through libvet (Check, BatchCheck, or durable PutPerson
 * writes), slapd (an LDAP Compare of employeeType), redis (HGET of the
 * clearance field over a tiny RESP client) and a bare nng REQ/REP echo
 * server (vet-echo), the transport's floor, reached through nng's REQ
 * socket (echo) or a bare blocking SP client (echo-direct). Every client thread has its
 * own connection. The last line is machine-readable:
 *   RESULT target=... clients=... ops=... ops_s=... p50_us=... ...
 */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <vet/vet.h>

#include "gen.h"
#include "loadgen.h"
#include "util.h"

static unsigned
hist_index(uint64_t v)
{
	int msb, e;

	if (v < 2 * SUB)
		return (unsigned)v;
	msb = 63 - __builtin_clzll(v);
	e = msb - SUB_BITS;
	unsigned i = (unsigned)(e * SUB + (int)(v >> e));
	return i < HIST_SIZE ? i : HIST_SIZE - 1;
}

static double
hist_value(unsigned i)
{
	if (i < 2 * SUB)
		return i;
	int e = (int)(i / SUB) - 1;
	uint64_t m = i - (unsigned)e * SUB;
	return (double)(m << e) + (double)(1ULL << e) / 2;
}

static double
hist_quantile(const uint64_t *h, uint64_t total, double q)
{
	uint64_t want = (uint64_t)(q * (double)total), seen = 0;

	if (want >= total && total > 0)
		want = total - 1;
	for (unsigned i = 0; i < HIST_SIZE; i++) {
		seen += h[i];
		if (seen > want)
			return hist_value(i);
	}
	return 0;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	const struct config *cfg = w->cfg;
	struct gen_query *qs;
	struct conn c;
	uint64_t rng = cfg->seed * 7919 + w->index + 1;
	int64_t now = (int64_t)time(NULL);
	size_t at = 0;

	if ((qs = calloc(QUERIES, sizeof(*qs))) == NULL ||
	    (w->reqs = calloc(cfg->batch, sizeof(*w->reqs))) == NULL ||
	    (w->decisions = calloc(cfg->batch,
	    sizeof(*w->decisions))) == NULL) {
		snprintf(w->error, sizeof(w->error), "out of memory");
		goto done;
	}
	for (size_t i = 0; i < QUERIES; i++)
		gen_query(&rng, cfg->seed, cfg->people, now, &qs[i]);
	if (conn_open(w, &c) != 0)
		goto done;
	for (;;) {
		int64_t t0 = now_ns(), t1;
		int rv;

		if (t0 >= w->end_ns)
			break;
		rv = target_op(w, &c, qs, at, &rng);
		at = (at + (cfg->op == OP_BATCH ? cfg->batch : 1)) % QUERIES;
		t1 = now_ns();
		if (rv != 0) {
			w->errors++;
			break;
		}
		if (t0 >= w->start_ns) {
			w->ops++;
			w->hist[hist_index((uint64_t)(t1 - t0))]++;
		}
	}
	conn_close(w, &c);
done:
	free(qs);
	free(w->reqs);
	free(w->decisions);
	return NULL;
}

/* self_cpu_ns: this process's user + system time (every thread). */
static int64_t
self_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
	    1000000000 + ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) *
	    1000;
}

static const char *
target_name(enum target t)
{
	switch (t) {
	case TARGET_VETD: return "vetd";
	case TARGET_LDAP: return "slapd";
	case TARGET_REDIS: return "redis";
	case TARGET_ECHO_DIRECT: return "echo-direct";
	default: return "echo";
	}
}

static void
usage(void)
{
	fprintf(stderr,
"usage: vet-loadgen --url URL\n"
"                   [--target vetd|ldap|redis|echo|echo-direct]\n"
"                   [--op check|batch|put] [--clients C] [--seconds S]\n"
"                   [--warmup S] [--batch N] [--people N] [--seed S]\n"
"                   [--token-file F] [--server-pid PID] [--label L]\n"
"                   [--shared] [--echo-size BYTES] [--tls-ca FILE]\n"
"                   [--tls-cert FILE] [--tls-server-name NAME]\n"
"  --url URL         vetd: ipc://, tcp://, tls+tcp://; ldap://H:P;\n"
"                    redis://IP:PORT; echo: the vet-echo URL\n"
"  --target T        what answers (default vetd); echo goes through\n"
"                    nng's REQ socket, echo-direct through a bare SP\n"
"                    client like libvet's direct transport; vetd's\n"
"                    transport follows VET_TRANSPORT (direct or nng)\n"
"  --op O            vetd: check (default), batch (BatchCheck), put\n"
"                    (durable PutPerson writes)\n"
"  --clients C       concurrent client threads (default 8)\n"
"  --seconds S       measured time (default 10)\n"
"  --warmup S        unmeasured time first (default 1)\n"
"  --batch N         checks per BatchCheck (default 100)\n"
"  --people N        the population loaded by vet-dataset (default 100000)\n"
"  --seed S          its seed (default 1)\n"
"  --token-file F    API token for vetd (first line of F, mode 0600)\n"
"  --server-pid PID  report the server's CPU time per operation\n"
"  --shared          one vet_client for all threads (default: one each)\n"
"  --echo-size B     echo message size (default 96, about a Check frame)\n"
"  --tls-ca FILE     tls+tcp://: the CA that signed vetd's certificate\n"
"  --tls-cert FILE   tls+tcp://: a client certificate and key (PEM)\n"
"  --tls-server-name N  tls+tcp://: the name in vetd's certificate\n");
	exit(2);
}

static double
parse_seconds(const char *opt, const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v >= 0 && v <= 86400)) {
		fprintf(stderr, "%s takes seconds from 0 to 86400\n", opt);
		exit(2);
	}
	return v;
}

static void
parse_args(int argc, char **argv, struct config *cfg)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "target", required_argument, NULL, 'T' },
		{ "op", required_argument, NULL, 'o' },
		{ "clients", required_argument, NULL, 'c' },
		{ "seconds", required_argument, NULL, 's' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "batch", required_argument, NULL, 'b' },
		{ "people", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'S' },
		{ "token-file", required_argument, NULL, 't' },
		{ "server-pid", required_argument, NULL, 'p' },
		{ "label", required_argument, NULL, 'l' },
		{ "shared", no_argument, NULL, 'H' },
		{ "echo-size", required_argument, NULL, 'e' },
		{ "tls-ca", required_argument, NULL, 'A' },
		{ "tls-cert", required_argument, NULL, 'K' },
		{ "tls-server-name", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char token[512];
	int opt;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'u': cfg->url = optarg; break;
		case 'T':
			if (strcmp(optarg, "vetd") == 0)
				cfg->target = TARGET_VETD;
			else if (strcmp(optarg, "ldap") == 0)
				cfg->target = TARGET_LDAP;
			else if (strcmp(optarg, "redis") == 0)
				cfg->target = TARGET_REDIS;
			else if (strcmp(optarg, "echo") == 0)
				cfg->target = TARGET_ECHO;
			else if (strcmp(optarg, "echo-direct") == 0)
				cfg->target = TARGET_ECHO_DIRECT;
			else
				usage();
			break;
		case 'o':
			if (strcmp(optarg, "check") == 0)
				cfg->op = OP_CHECK;
			else if (strcmp(optarg, "batch") == 0)
				cfg->op = OP_BATCH;
			else if (strcmp(optarg, "put") == 0)
				cfg->op = OP_PUT;
			else
				usage();
			break;
		case 'c':
			cfg->clients = (unsigned)number("--clients", optarg, 1,
			    1024);
			break;
		case 's': cfg->seconds = parse_seconds("--seconds", optarg);
			break;
		case 'w': cfg->warmup = parse_seconds("--warmup", optarg);
			break;
		case 'b':
			cfg->batch = (unsigned)number("--batch", optarg, 1,
			    1000);
			break;
		case 'n':
			cfg->people = (uint32_t)number("--people", optarg, 1,
			    9999999);
			break;
		case 'S': cfg->seed = number("--seed", optarg, 0, UINT64_MAX);
			break;
		case 't':
			if (token_file_read(optarg, token, sizeof(token)) != 0)
				exit(1);
			cfg->opts.token = token;
			break;
		case 'p':
			cfg->server_pid = (pid_t)number("--server-pid", optarg,
			    1, 4194304);
			break;
		case 'l': cfg->label = optarg; break;
		case 'H': cfg->shared = 1; break;
		case 'A': cfg->opts.tls_ca_file = optarg; break;
		case 'K': cfg->opts.tls_cert_key_file = optarg; break;
		case 'N': cfg->opts.tls_server_name = optarg; break;
		case 'e':
			cfg->echo_size = (int)number("--echo-size", optarg, 1,
			    1 << 20);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || cfg->url == NULL || cfg->seconds <= 0)
		usage();
}

int
main(int argc, char **argv)
{
	static struct config cfg = {
		.clients = 8, .seconds = 10, .warmup = 1, .batch = 100,
		.people = 100000, .seed = 1, .echo_size = 96,
		.opts = { .timeout_ms = 10000 },
	};
	static uint64_t hist[HIST_SIZE];
	struct worker *ws;
	vet_client *shared = NULL;
	vet_status st;
	uint64_t ops = 0, errors = 0, allow = 0, deny = 0;
	uint64_t reasons[REASONS] = { 0 };
	int64_t start, end, cpu0 = -1, cpu1 = -1, self0, self1;
	const char *error = NULL;

	parse_args(argc, argv, &cfg);
	if (cfg.target == TARGET_VETD && cfg.shared) {
		if (vet_client_open(&shared, cfg.url, &cfg.opts, &st) !=
		    VET_OK) {
			fprintf(stderr, "vet-loadgen: %s\n", st.message);
			return 1;
		}
	}
	if ((ws = calloc(cfg.clients, sizeof(*ws))) == NULL)
		return 1;
	start = now_ns() + (int64_t)(cfg.warmup * 1e9) + 200000000;
	end = start + (int64_t)(cfg.seconds * 1e9);
	for (unsigned i = 0; i < cfg.clients; i++) {
		ws[i].cfg = &cfg;
		ws[i].index = i;
		ws[i].start_ns = start;
		ws[i].end_ns = end;
		ws[i].client = shared;
		if (pthread_create(&ws[i].thread, NULL, worker_main,
		    &ws[i]) != 0) {
			fprintf(stderr, "vet-loadgen: cannot start a thread\n");
			return 1;
		}
	}
	/* Server CPU over the measured window only. */
	struct timespec ts = { 0, 1000000 };
	while (now_ns() < start)
		nanosleep(&ts, NULL);
	if (cfg.server_pid > 0)
		cpu0 = proc_cpu_ns(cfg.server_pid);
	self0 = self_cpu_ns();
	while (now_ns() < end)
		nanosleep(&ts, NULL);
	if (cfg.server_pid > 0)
		cpu1 = proc_cpu_ns(cfg.server_pid);
	self1 = self_cpu_ns();
	for (unsigned i = 0; i < cfg.clients; i++) {
		pthread_join(ws[i].thread, NULL);
		ops += ws[i].ops;
		errors += ws[i].errors;
		allow += ws[i].allow;
		deny += ws[i].deny;
		for (unsigned k = 0; k < REASONS; k++)
			reasons[k] += ws[i].reasons[k];
		for (unsigned k = 0; k < HIST_SIZE; k++)
			hist[k] += ws[i].hist[k];
		if (ws[i].error[0] != '\0' && error == NULL)
			error = ws[i].error;
	}
	vet_client_close(&shared);

	double secs = cfg.seconds;
	double per_op = cfg.op == OP_BATCH && cfg.target == TARGET_VETD ?
	    cfg.batch : 1;
	double cpu_us = cpu0 >= 0 && cpu1 >= 0 && ops > 0 ?
	    (double)(cpu1 - cpu0) / 1e3 / ((double)ops * per_op) : -1;
	double client_us = ops > 0 ? (double)(self1 - self0) / 1e3 /
	    ((double)ops * per_op) : -1;
	double p50 = hist_quantile(hist, ops, 0.50) / 1e3;
	double p99 = hist_quantile(hist, ops, 0.99) / 1e3;
	double p999 = hist_quantile(hist, ops, 0.999) / 1e3;
	const char *label = cfg.label != NULL ? cfg.label :
	    target_name(cfg.target);
	long mem_kb = cfg.server_pid > 0 ? proc_private_kb(cfg.server_pid) :
	    -1;

	if (error != NULL)
		fprintf(stderr, "vet-loadgen: %s: %s\n", label, error);
	printf("%s: %u clients, %.1f s: %.0f ops/s", label, cfg.clients, secs,
	    (double)ops / secs);
	if (per_op > 1)
		printf(" (%.0f decisions/s)", (double)ops * per_op / secs);
	printf(", p50 %.1f us, p99 %.1f us, p99.9 %.1f us", p50, p99, p999);
	if (cpu_us >= 0)
		printf(", server CPU %.2f us/op", cpu_us);
	printf(", client CPU %.2f us/op", client_us);
	if (allow + deny > 0)
		printf(", %.1f%% allow/true", 100.0 * (double)allow /
		    (double)(allow + deny));
	printf("\n");
	if (cfg.target == TARGET_VETD && cfg.op != OP_PUT && allow + deny > 0) {
		printf("  decisions by reason:");
		for (unsigned k = 0; k < REASONS; k++)
			if (reasons[k] > 0)
				printf(" %s %.1f%%", vet_reason_name((int)k),
				    100.0 * (double)reasons[k] /
				    (double)(allow + deny));
		printf("\n");
	}
	printf("RESULT label=%s target=%s clients=%u seconds=%.1f ops=%llu "
	    "ops_s=%.0f per_op=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f "
	    "cpu_us_op=%.3f client_cpu_us_op=%.3f allow_pct=%.1f errors=%llu "
	    "server_private_kb=%ld\n",
	    label, target_name(cfg.target), cfg.clients, secs,
	    (unsigned long long)ops, (double)ops / secs, per_op, p50, p99,
	    p999, cpu_us, client_us, allow + deny > 0 ? 100.0 * (double)allow /
	    (double)(allow + deny) : 0, (unsigned long long)errors, mem_kb);
	free(ws);
	return errors > 0 || ops == 0 ? 1 : 0;
}
