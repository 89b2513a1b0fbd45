/*
 * main.c: vetd's start-up and shutdown. Reads the configuration (file,
 * then flags), opens the store, starts the writer and the listeners, and
 * waits for a signal. SIGINT/SIGTERM: refuse new requests, finish the ones
 * in flight, close LMDB, exit 0.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "listener.h"
#include "log.h"
#include "rpc.h"
#include "status.h"
#include "store.h"
#include "vet_config.h"
#include "writer.h"

#define DRAIN_TIMEOUT_MS 10000

static const struct option long_options[] = {
	{ "config",	required_argument, NULL, 'c' },
	{ "check-config", no_argument,	NULL, 'n' },
	{ "data-dir",	required_argument, NULL, 'd' },
	{ "listen",	required_argument, NULL, 'l' },
	{ "contexts",	required_argument, NULL, 'C' },
	{ "max-frame",	required_argument, NULL, 'F' },
	{ "map-size",	required_argument, NULL, 'M' },
	{ "log-level",	required_argument, NULL, 'L' },
	{ "help",	no_argument,	NULL, 'h' },
	{ "version",	no_argument,	NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: vetd [-c FILE] [-n] [--data-dir DIR] [--listen URL ...]\n"
"            [--contexts N] [--max-frame BYTES] [--map-size BYTES]\n"
"            [--log-level error|warn|info|debug]\n"
"\n"
"vetd is the vetting and access-entitlement service: it records people,\n"
"clearances and briefings, and answers \"may person P see this item?\".\n"
"\n"
"  -c, --config FILE   read settings from an INI file (flags win)\n"
"  -n, --check-config  check the configuration, print \"configuration OK\"\n"
"      --data-dir DIR  the LMDB data directory (key data_dir)\n"
"      --listen URL    ipc:///path or tcp://host:port; repeatable\n"
"                      (key listen; default %s)\n"
"      --contexts N    requests served at once (key contexts; default %d)\n"
"      --max-frame B   largest request frame (key max_frame; default %d)\n"
"      --map-size B    initial LMDB map size (key map_size; default %zu)\n"
"      --log-level L   error, warn, info, debug (key log_level)\n"
"  -h, --help          this text\n"
"  -V, --version       print the version\n",
	    VET_DEFAULT_SOCKET, CONFIG_DEFAULT_CONTEXTS,
	    CONFIG_DEFAULT_MAX_FRAME, CONFIG_DEFAULT_MAP_SIZE);
}

/* flag_key maps a long option to its config key. */
static const char *
flag_key(int opt)
{
	switch (opt) {
	case 'd': return "data_dir";
	case 'l': return "listen";
	case 'C': return "contexts";
	case 'F': return "max_frame";
	case 'M': return "map_size";
	case 'L': return "log_level";
	}
	return NULL;
}

static int
parse_args(int argc, char **argv, struct config *c, int *check_only)
{
	const char *config_file = NULL;
	char err[512];
	int opt, listen_replaced = 0;

	/* First pass: -c, -n, --help, --version. */
	while ((opt = getopt_long(argc, argv, "c:nhV", long_options,
	    NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_file = optarg;
			break;
		case 'n':
			*check_only = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("vetd %s\n", VET_VERSION);
			exit(0);
		case '?':
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vetd: unexpected argument \"%s\"\n",
		    argv[optind]);
		usage(stderr);
		return -1;
	}
	if (config_file != NULL && config_load(c, config_file, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "vetd: %s\n", err);
		return -1;
	}
	/* Second pass: flags override the file. */
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:nhV", long_options,
	    NULL)) != -1) {
		const char *key = flag_key(opt);
		if (key == NULL)
			continue;
		if (opt == 'l' && !listen_replaced) {
			/* --listen replaces the file's listeners. */
			c->n_listen = 0;
			listen_replaced = 1;
		}
		if (config_set(c, NULL, key, optarg, err, sizeof(err)) != 0) {
			fprintf(stderr, "vetd: %s\n", err);
			return -1;
		}
	}
	if (c->n_listen == 0 && config_add_listen(c, VET_DEFAULT_SOCKET, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "vetd: %s\n", err);
		return -1;
	}
	if (c->data_dir[0] == '\0') {
		fprintf(stderr, "vetd: no data directory: give --data-dir DIR "
		    "or data_dir in the config file\n");
		return -1;
	}
	return 0;
}

static int64_t
monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* drain waits (bounded) for the requests in flight to be answered. */
static void
drain(struct vetd *vd)
{
	int64_t deadline = monotonic_ms() + DRAIN_TIMEOUT_MS;
	struct timespec tick = { 0, 5 * 1000 * 1000 };

	atomic_store(&vd->draining, 1);
	while (atomic_load(&vd->in_flight) > 0 && monotonic_ms() < deadline)
		nanosleep(&tick, NULL);
	if (atomic_load(&vd->in_flight) > 0)
		log_warnx("%ld requests still in flight after %d ms",
		    atomic_load(&vd->in_flight), DRAIN_TIMEOUT_MS);
}

int
main(int argc, char **argv)
{
	static struct config config;
	struct vetd vd = { 0 };
	struct store_options so = { 0 };
	struct listener *listener = NULL;
	sigset_t sigs;
	char err[512];
	int check_only = 0, sig = 0;

	config_defaults(&config);
	if (parse_args(argc, argv, &config, &check_only) != 0)
		return 2;
	if (rpc_methods_check() != 0)
		fatalx("the method table does not match the service");
	if (check_only) {
		printf("configuration OK\n");
		return 0;
	}
	log_init(0, (enum log_level)config.log_level);

	/* Signals are taken synchronously by this thread alone: block them
	 * before any other thread (nng's, the writer) exists. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	so.dir = config.data_dir;
	so.map_size = config.map_size;
	if (store_open(&so, &vd.store, err, sizeof(err)) != STATUS_OK)
		fatalx("%s", err);
	vd.policy = &config.policy;
	vd.config = &config;
	if (writer_start(&vd.writer) != 0)
		fatalx("cannot start the writer thread");
	if (listener_start(&vd, &config, &listener, err, sizeof(err)) != 0)
		fatalx("%s", err);
	log_info("vetd %s serving: data dir %s, revision %llu, policy %.16s",
	    VET_VERSION, config.data_dir,
	    (unsigned long long)store_revision(vd.store), config.policy.digest);

	sigwait(&sigs, &sig);
	log_info("received %s: finishing requests in flight",
	    sig == SIGINT ? "SIGINT" : "SIGTERM");
	drain(&vd);
	writer_stop(&vd.writer);
	listener_stop(&listener);
	store_close(&vd.store);
	log_info("stopped");
	return 0;
}
