/*
 * main.c: vetd's start-up and shutdown. Reads the configuration (file,
 * then flags), opens the store, starts the writer and the listeners, and
 * waits for a signal. SIGINT/SIGTERM: refuse new requests, finish the ones
 * in flight, close LMDB, exit 0. SIGHUP: re-read the configuration and
 * apply what is safe to change while serving (reload.c). Readiness and
 * stopping are reported to systemd (sd_notify.c). --restore puts a backup
 * in place instead of serving (restore.c).
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "auth.h"
#include "config.h"
#include "init_admin.h"
#include "listener.h"
#include "metrics.h"
#include "log.h"
#include "reload.h"
#include "restore.h"
#include "rpc.h"
#include "sd_notify.h"
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
	{ "transport",	required_argument, NULL, 'X' },
	{ "max-frame",	required_argument, NULL, 'F' },
	{ "map-size",	required_argument, NULL, 'M' },
	{ "log-level",	required_argument, NULL, 'L' },
	{ "log-target",	required_argument, NULL, 'T' },
	{ "metrics-listen", required_argument, NULL, 'P' },
	{ "restore",	required_argument, NULL, 'R' },
	{ "init-admin",	required_argument, NULL, 'I' },
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
"            [--log-level error|warn|info|debug] [--log-target stderr|syslog]\n"
"       vetd --restore BACKUP_DIR --data-dir DIR   (with vetd stopped)\n"
"       vetd --init-admin NAME [-c FILE | --data-dir DIR]\n"
"\n"
"vetd is the vetting and access-entitlement service: it records people,\n"
"clearances and briefings, and answers \"may person P see this item?\".\n"
"\n"
"  -c, --config FILE   read settings from an INI file (flags win)\n"
"  -n, --check-config  check the configuration, print \"configuration OK\"\n"
"      --data-dir DIR  the LMDB data directory (key data_dir)\n"
"      --listen URL    ipc:///path, tcp://host:port or tls+tcp://host:port;\n"
"                      repeatable (key listen; default %s)\n"
"      --contexts N    requests served at once (key contexts; default %d)\n"
"      --transport T   direct (vetd's own SP listener for ipc:// and tcp://)\n"
"                      or nng (key transport; default direct; tls+tcp://\n"
"                      is always nng)\n"
"      --max-frame B   largest request frame (key max_frame; default %d)\n"
"      --map-size B    initial LMDB map size (key map_size; default %zu)\n"
"      --log-level L   error, warn, info, debug (key log_level)\n"
"      --log-target T  stderr (the journal under systemd) or syslog\n"
"                      (key log_target; default stderr)\n"
"      --metrics-listen URL  serve GET /metrics and /healthz on\n"
"                      http://host:port (key metrics_listen; default off)\n"
"      --restore DIR   verify the backup in DIR (vetctl backup) and put it\n"
"                      in place as the data directory, then exit\n"
"      --init-admin NAME  create an admin API token named NAME, print it\n"
"                      once on stdout, then exit (works beside a running\n"
"                      vetd)\n"
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
	case 'X': return "transport";
	case 'F': return "max_frame";
	case 'M': return "map_size";
	case 'L': return "log_level";
	case 'T': return "log_target";
	case 'P': return "metrics_listen";
	}
	return NULL;
}

/* What the command line asks for besides settings. */
struct args {
	const char	*config_file;	/* -c, or NULL */
	const char	*restore_dir;	/* --restore, or NULL */
	const char	*init_admin;	/* --init-admin NAME, or NULL */
	int		 check_only;	/* -n */
};

/*
 * build_config makes the configuration from the defaults, the file and
 * then the flags (which win). Used at start-up and again on SIGHUP, so it
 * only writes err; the caller prints or logs it.
 */
static int
build_config(struct config *c, const struct args *a, int argc, char **argv,
    char *err, size_t errsz)
{
	int opt, listen_replaced = 0;

	config_defaults(c);
	if (a->config_file != NULL && config_load(c, a->config_file, err,
	    errsz) != 0)
		return -1;
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
		if (config_set(c, NULL, key, optarg, err, errsz) != 0)
			return -1;
	}
	if (c->n_listen == 0 && config_add_listen(c, VET_DEFAULT_SOCKET, err,
	    errsz) != 0)
		return -1;
	if (c->data_dir[0] == '\0') {
		snprintf(err, errsz, "no data directory: give --data-dir DIR "
		    "or data_dir in the config file");
		return -1;
	}
	/* Principals, TLS, plain tcp beyond loopback (config_auth.c). */
	if (config_auth_check(c, err, errsz) != 0)
		return -1;
	return 0;
}

static int
parse_args(int argc, char **argv, struct config *c, struct args *a)
{
	char err[512];
	int opt;

	/* First pass: -c, -n, --restore, --help, --version. */
	while ((opt = getopt_long(argc, argv, "c:nhV", long_options,
	    NULL)) != -1) {
		switch (opt) {
		case 'c':
			a->config_file = optarg;
			break;
		case 'n':
			a->check_only = 1;
			break;
		case 'R':
			a->restore_dir = optarg;
			break;
		case 'I':
			a->init_admin = optarg;
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
	if (build_config(c, a, argc, argv, err, sizeof(err)) != 0) {
		fprintf(stderr, "vetd: %s\n", err);
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

/* notify tells systemd state (sd_notify.c); a failure is only logged. */
static void
notify(const char *state)
{
	if (sd_notify_send(state) < 0)
		log_warn("cannot notify the service manager (%s)", state);
}

/* log_serving: the start-up line an operator reads first. */
static void
log_serving(struct vetd *vd, const struct config *c)
{
	char listen[CONFIG_MAX_LISTEN * 520], state[128];
	size_t len = 0;

	listen[0] = '\0';
	for (size_t i = 0; i < c->n_listen && len < sizeof(listen); i++)
		len += (size_t)snprintf(listen + len, sizeof(listen) - len,
		    "%s%s", i > 0 ? " " : "", c->listen[i]);
	log_info("vetd %s serving: listen %s; data dir %s; revision %llu; "
	    "policy %s", VET_VERSION, listen, c->data_dir,
	    (unsigned long long)store_revision(vd->store), c->policy.digest);
	snprintf(state, sizeof(state), "READY=1\nSTATUS=serving, revision "
	    "%llu", (unsigned long long)store_revision(vd->store));
	notify(state);
}

/* reload handles SIGHUP: a config that fails to load changes nothing. */
static void
reload(struct vetd *vd, struct config *live, const struct args *a, int argc,
    char **argv)
{
	struct config *fresh;
	char err[512];

	log_info("received SIGHUP: reloading %s", a->config_file != NULL ?
	    a->config_file : "(no config file: flags only)");
	notify("RELOADING=1");
	if ((fresh = malloc(sizeof(*fresh))) == NULL)
		log_warnx("reload refused: out of memory; keeping the running "
		    "configuration");
	else if (build_config(fresh, a, argc, argv, err, sizeof(err)) != 0)
		log_warnx("reload refused: %s; keeping the running "
		    "configuration", err);
	else
		reload_apply(vd, live, fresh);
	free(fresh);
	notify("READY=1\nSTATUS=serving");
}

int
main(int argc, char **argv)
{
	static struct config config;
	struct vetd vd = { 0 };
	struct store_options so = { 0 };
	struct listener *listener = NULL;
	struct args args = { 0 };
	sigset_t sigs;
	char err[512];
	uint64_t upgraded_people = 0;
	unsigned upgraded;
	int sig = 0;

	if (parse_args(argc, argv, &config, &args) != 0)
		return 2;
	if (rpc_methods_check() != 0)
		fatalx("the method table does not match the service");
	if (args.check_only) {
		printf("configuration OK\n");
		return 0;
	}
	log_init(config.log_syslog, (enum log_level)config.log_level);
	if (args.restore_dir != NULL)
		return restore_run(args.restore_dir, config.data_dir) == 0 ?
		    0 : 1;
	if (args.init_admin != NULL)
		return init_admin_run(&config, args.init_admin);

	/* Signals are taken synchronously by this thread alone: block them
	 * before any other thread (nng's, the writer) exists. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	so.dir = config.data_dir;
	so.map_size = config.map_size;
	if (store_open(&so, &vd.store, err, sizeof(err)) != STATUS_OK)
		fatalx("%s", err);
	if ((upgraded = store_migration(vd.store, &upgraded_people)) != 0)
		log_info("upgraded data directory %s from schema %u to %d in "
		    "place (%llu people)", config.data_dir, upgraded,
		    STORE_SCHEMA_VERSION, (unsigned long long)upgraded_people);
	vd.policy = &config.policy;
	vd.config = &config;
	if (auth_create(&vd.auth) != 0)
		fatalx("cannot allocate the authentication state");
	auth_configure(vd.auth, &config);
	if (audit_log_open(&vd.audit) != 0)
		fatalx("cannot allocate the decision log queue");
	if (writer_start(&vd, &vd.writer) != 0)
		fatalx("cannot start the writer thread");
	/* Metrics first: once a request is answered, all of vetd is up. */
	if (config.metrics_listen[0] != '\0' && metrics_start(&vd,
	    config.metrics_listen, err, sizeof(err)) != 0)
		fatalx("%s", err);
	if (listener_start(&vd, &config, &listener, err, sizeof(err)) != 0)
		fatalx("%s", err);
	log_serving(&vd, &config);

	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			fatalx("sigwait failed");
		if (sig != SIGHUP)
			break;
		reload(&vd, &config, &args, argc, argv);
	}
	log_info("received %s: finishing requests in flight",
	    sig == SIGINT ? "SIGINT" : "SIGTERM");
	notify("STOPPING=1\nSTATUS=finishing requests in flight");
	drain(&vd);
	metrics_stop();
	writer_stop(&vd.writer);	/* commits queued audit entries too */
	if (auth_flush(vd.auth, vd.store, (vtime)time(NULL)) != STATUS_OK)
		log_warnx("cannot write the tokens' last-used times");
	listener_stop(&listener);
	auth_free(&vd.auth);
	audit_log_close(&vd.audit);
	store_close(&vd.store);
	log_info("stopped");
	return 0;
}
