/*
 * main.c: vetsync's command line, signals and the outer loop.
 *
 *   vetsync -c FILE                follow the directory (foreground)
 *   vetsync -c FILE --once         one refresh, print the counts, exit
 *   vetsync -c FILE --dry-run      print what would change, change nothing
 *   vetsync -c FILE -n             check the configuration
 *   --allow-mass-leavers           let a refresh past the mass-leaver guard
 *
 * The loop connects, picks RFC 4533 or paged reads from the root DSE
 * (or [directory] mode), runs a session or a round, and on failure waits
 * with exponential backoff from retry_min to retry_max seconds, keeping
 * the last state. Exit statuses are in vetsync.h and docs/LDAP.md.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "vetsync.h"
#include "vet_config.h"

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: vetsync -c FILE [--once] [--dry-run] "
	    "[--allow-mass-leavers] [--log-level LEVEL]\n"
	    "       vetsync -c FILE -n\n"
	    "Follows an LDAP directory and records joiners, changes and "
	    "leavers in vetd.\n"
	    "  -c, --config FILE       the configuration (see docs/LDAP.md)\n"
	    "      --once              one refresh; print the counts and exit\n"
	    "      --dry-run           print what would change; change "
	    "nothing\n"
	    "  -n, --check             check the configuration and exit\n"
	    "      --allow-mass-leavers  apply a refresh the mass-leaver guard "
	    "refused\n"
	    "      --log-level LEVEL   error, warn, info (default) or debug\n"
	    "  -h, --help              this text\n"
	    "      --version           print the version\n"
	    "Exit: 0 done, 1 failed (directory or vetd unreachable, "
	    "incomplete read),\n"
	    "      2 usage or configuration error, 3 refused by the "
	    "mass-leaver guard.\n");
}

/* pause_for sleeps seconds, waking early for a signal. */
static void
pause_for(uint64_t seconds)
{
	int64_t until = now_ms() + (int64_t)seconds * 1000;

	while (!stop_requested && now_ms() < until) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

/* check_secrets: -n also checks the files holding secrets. */
static int
check_secrets(const struct sync_config *c)
{
	const char *files[] = { c->bind == BIND_SIMPLE ? c->password_file :
	    NULL, c->token_file };
	char err[512], *s;

	for (size_t i = 0; i < 2; i++) {
		if (files[i] == NULL)
			continue;
		if (config_read_secret(files[i], &s, err, sizeof(err)) != 0) {
			fprintf(stderr, "vetsync: %s\n", err);
			return -1;
		}
		secret_free(s);
	}
	return 0;
}

static void
print_counts(const struct engine *en)
{
	const struct counts *t = &en->total;

	printf("%sadded %llu updated %llu leavers %llu skipped %llu "
	    "unchanged %llu entries %llu reenabled %llu\n",
	    en->dry_run ? "dry run: " : "",
	    (unsigned long long)t->added, (unsigned long long)t->updated,
	    (unsigned long long)t->leavers, (unsigned long long)t->skipped,
	    (unsigned long long)t->unchanged, (unsigned long long)t->entries,
	    (unsigned long long)t->reenabled);
}

/* run is the outer loop; returns the exit status. */
static int
run(struct engine *en, struct sync_state_file *st)
{
	const struct sync_config *c = en->cfg;
	uint64_t backoff = c->retry_min;
	struct dse_info dse;
	char err[512];
	LDAP *ld = NULL;
	enum sync_result r;
	enum sync_mode mode = MODE_PAGED;

	for (;;) {
		if (stop_requested)
			return EXIT_SYNC_OK;
		if (ldapconn_open(c, &ld, &dse, err, sizeof(err)) != 0) {
			log_warnx("directory %s: %s", c->uri, err);
			en->directory_errors++;
			r = SYNC_DIRECTORY_DOWN;
			goto failed;
		}
		en->connected = 1;
		mode = c->mode != MODE_AUTO ? c->mode :
		    dse.syncrepl ? MODE_SYNCREPL : MODE_PAGED;
		if (mode == MODE_SYNCREPL && !dse.syncrepl) {
			log_error("directory %s does not offer RFC 4533 sync "
			    "(no %s in supportedControl); use mode = paged",
			    c->uri, LDAP_CONTROL_SYNC);
			ldapconn_close(&ld);
			en->connected = 0;
			return EXIT_SYNC_FAILED;
		}
		en->mode_name = mode == MODE_SYNCREPL ? "syncrepl" : "paged";
		if (mode == MODE_SYNCREPL)
			r = syncrepl_session(en, st, ld, !en->once);
		else
			r = paged_round(en, ld, &dse);
		ldapconn_close(&ld);
		en->connected = 0;
		metrics_write(en);
		if (r == SYNC_DONE) {
			backoff = c->retry_min;
			if (en->once)
				return EXIT_SYNC_OK;
			if (mode == MODE_PAGED)
				pause_for(c->interval);
			continue;
		}
failed:
		en->connected = 0;
		metrics_write(en);
		switch (r) {
		case SYNC_STOPPED:
			return EXIT_SYNC_OK;
		case SYNC_REFUSED:
			if (en->once)
				return EXIT_SYNC_REFUSED;
			/* Keep running, changing nothing, and look again. */
			pause_for(mode == MODE_PAGED ? c->interval :
			    c->retry_max);
			continue;
		case SYNC_FATAL:
			log_error("giving up (out of memory or a broken "
			    "invariant)");
			return EXIT_SYNC_FAILED;
		default:
			if (en->once)
				return EXIT_SYNC_FAILED;
			log_info("retrying in %llu s",
			    (unsigned long long)backoff);
			pause_for(backoff);
			backoff = backoff * 2 > c->retry_max ? c->retry_max :
			    backoff * 2;
			continue;
		}
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, 'o' },
		{ "dry-run", no_argument, NULL, 'D' },
		{ "check", no_argument, NULL, 'n' },
		{ "allow-mass-leavers", no_argument, NULL, 'M' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sync_config *cfg = NULL;
	struct sync_state_file st = { 0 };
	struct engine en = { 0 };
	struct sigaction sa;
	const char *path = NULL;
	int once = 0, dry = 0, check = 0, mass = 0, level = -1, ch, status;
	char err[512];

	while ((ch = getopt_long(argc, argv, "c:nh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'o': once = 1; break;
		case 'D': dry = 1; break;
		case 'n': check = 1; break;
		case 'M': mass = 1; break;
		case 'L':
			if ((level = log_level_parse(optarg)) < 0) {
				fprintf(stderr, "vetsync: --log-level must be "
				    "error, warn, info or debug\n");
				return EXIT_SYNC_USAGE;
			}
			break;
		case 'h': usage(stdout); return EXIT_SYNC_OK;
		case 'V': printf("vetsync %s\n", VET_VERSION); return 0;
		default: usage(stderr); return EXIT_SYNC_USAGE;
		}
	}
	if (path == NULL || optind != argc) {
		usage(stderr);
		return EXIT_SYNC_USAGE;
	}
	if (config_load(path, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "vetsync: %s\n", err);
		return EXIT_SYNC_USAGE;
	}
	if (check) {
		status = check_secrets(cfg) == 0 ? EXIT_SYNC_OK :
		    EXIT_SYNC_USAGE;
		if (status == EXIT_SYNC_OK)
			printf("configuration OK\n");
		config_free(cfg);
		return status;
	}
	log_init(level >= 0 ? level : cfg->log_level);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	status = EXIT_SYNC_FAILED;
	if (!dry && mkdir(cfg->state_dir, 0700) != 0 && errno != EEXIST) {
		log_warn("cannot create state_dir %s", cfg->state_dir);
		goto done;
	}
	if (state_load(&st, cfg) != 0 ||
	    engine_open(&en, cfg, &stop_requested, err, sizeof(err)) != 0) {
		log_error("cannot start: out of memory");
		goto done;
	}
	en.once = once;
	en.dry_run = dry;
	en.allow_mass = mass;
	log_info("vetsync %s starting: directory %s, vetd %s%s", VET_VERSION,
	    cfg->uri, cfg->vetd_url, dry ? " (dry run)" : "");
	status = run(&en, &st);
	if (st.dirty && !dry)
		state_save(&st);
	metrics_write(&en);
	if (once || dry)
		print_counts(&en);
	if (status == EXIT_SYNC_REFUSED)
		printf("REFUSED by the mass-leaver guard: nothing changed; "
		    "re-run with --allow-mass-leavers if this is meant\n");
	log_info("vetsync stopping (exit %d)", status);
done:
	engine_close(&en);
	state_clear(&st);
	config_free(cfg);
	return status;
}
