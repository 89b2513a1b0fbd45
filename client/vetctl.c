/*
 * vetctl.c: the command line client for vetd.
 *
 * Parses global options, then one command and its arguments, completely,
 * before it reads the token or connects, so a usage error never reaches
 * vetd. Talks to vetd only through libvet; vetctl_output.c prints.
 * The API token is a secret: it is never printed, and vetctl's copy is
 * zeroed before exit. Exit codes are in vetctl.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vet_config.h"
#include "vettime.h"
#include "vetctl.h"

#define FLAGS_MAX	8		/* options of one command */
#define TIMEOUT_MAX_MS	3600000


static command_fn cmd_help;

static const struct command commands[] = {
	{ "health", "", { NULL }, 0, cmd_health },
	{ "person put", "ID --name NAME [--email E] [--org-unit OU] "
	    "[--nationality CC]", { "ID" }, 0, cmd_person_put },
	{ "person show", "ID", { "ID" }, 0, cmd_person_show },
	{ "person list", "[--status active|suspended|leaver] [--limit N]",
	    { NULL }, 0, cmd_person_list },
	{ "person suspend", "ID --reason TEXT [--effective DATE]", { "ID" }, 0,
	    cmd_person_status },
	{ "person reinstate", "ID --reason TEXT [--effective DATE]", { "ID" },
	    0, cmd_person_status },
	{ "clearance grant", "ID SCHEME LEVEL --review-due YYYY-MM-DD "
	    "[--granted YYYY-MM-DD] [--authority A] [--reference R]",
	    { "ID", "SCHEME", "LEVEL" }, 0, cmd_clearance_grant },
	{ "clearance suspend", "ID SCHEME --reason TEXT", { "ID", "SCHEME" },
	    0, cmd_clearance_status },
	{ "clearance reinstate", "ID SCHEME --reason TEXT",
	    { "ID", "SCHEME" }, 0, cmd_clearance_status },
	{ "clearance withdraw", "ID SCHEME --reason TEXT", { "ID", "SCHEME" },
	    0, cmd_clearance_status },
	{ "clearance renew", "ID SCHEME --review-due YYYY-MM-DD "
	    "[--reference R]", { "ID", "SCHEME" }, 0, cmd_clearance_renew },
	{ "import clearances", "FILE.csv [--dry-run]", { "FILE" }, 0,
	    cmd_import_clearances },
	{ "export clearances", "[FILE.csv]", { NULL }, 1,
	    cmd_export_clearances },
	{ "caveat define", "NAME (--compartment [--min-level SCHEME:LEVEL] | "
	    "--national CC[,CC...])", { "NAME" }, 0, cmd_caveat_define },
	{ "caveat list", "", { NULL }, 0, cmd_caveat_list },
	{ "brief", "ID CAVEAT [--expires YYYY-MM-DD]", { "ID", "CAVEAT" }, 0,
	    cmd_brief },
	{ "debrief", "ID CAVEAT --reason TEXT", { "ID", "CAVEAT" }, 0,
	    cmd_debrief },
	{ "leaver", "ID --reason TEXT [--effective DATE]", { "ID" }, 0,
	    cmd_leaver },
	{ "check", "ID MARKING [CAVEAT ...] [--at DATE]", { "ID", "MARKING" },
	    1, cmd_check },
	{ "backup", "DIR", { "DIR" }, 0, cmd_backup },
	{ "sar", "ID [--output FILE]", { "ID" }, 0, cmd_sar },
	{ "retention due", "", { NULL }, 0, cmd_retention_due },
	{ "retention purge", "--confirm", { NULL }, 0, cmd_retention_purge },
	{ "report due", "[--within Nd|Nw] [--json|--csv]", { NULL }, 0,
	    cmd_report_due },
	{ "report holders", "CAVEAT [--json|--csv]", { "CAVEAT" }, 0,
	    cmd_report_holders },
	{ "report summary", "[--from YYYY-MM-DD] [--to YYYY-MM-DD] "
	    "[--json|--csv]", { NULL }, 0, cmd_report_summary },
	{ "report unvetted", "[--json|--csv]", { NULL }, 0,
	    cmd_report_unvetted },
	{ "audit list", "[--person ID] [--since YYYY-MM-DD] [--limit N]",
	    { NULL }, 0, cmd_audit_list },
	{ "audit verify", "", { NULL }, 0, cmd_audit_verify },
	{ "audit export", "[--after-seq N]", { NULL }, 0, cmd_audit_export },
	{ "token create", "NAME --role ROLE[,ROLE...]", { "NAME" }, 0,
	    cmd_token_create },
	{ "token list", "", { NULL }, 0, cmd_token_list },
	{ "token revoke", "NAME", { "NAME" }, 0, cmd_token_revoke },
	{ "help", "[COMMAND]", { NULL }, 1, cmd_help },
};
#define N_COMMANDS	(sizeof(commands) / sizeof(commands[0]))

enum {
	OPT_JSON = 256,
	OPT_TIMEOUT,
	OPT_TOKEN_FILE,
	OPT_TLS_CA,
	OPT_TLS_CERT,
	OPT_TLS_SERVER_NAME,
	OPT_VERSION,
};

static const struct option global_options[] = {
	{ "server", required_argument, NULL, 's' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "tls-ca", required_argument, NULL, OPT_TLS_CA },
	{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
	{ "tls-server-name", required_argument, NULL, OPT_TLS_SERVER_NAME },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

int
out_of_memory(void)
{
	fputs("vetctl: out of memory\n", stderr);
	return EXIT_SERVER;
}

/* command_matches: name is words, or starts with words and a space. */
static int
command_matches(const char *name, const char *words)
{
	size_t len = strlen(words);

	return strncmp(name, words, len) == 0 && (name[len] == '\0' ||
	    name[len] == ' ');
}

/*
 * Usage.
 */

static void
usage_commands(FILE *f, const char *prefix)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (prefix == NULL || command_matches(commands[i].name, prefix))
			fprintf(f, "  vetctl %s%s%s\n", commands[i].name,
			    *commands[i].usage != '\0' ? " " : "",
			    commands[i].usage);
}

static void
usage_full(FILE *f)
{
	fprintf(f,
	    "usage: vetctl [options] command [arguments]\n"
	    "\n"
	    "options (before the command):\n"
	    "  -s, --server URL         vetd to use (default: $VET_SERVER,\n"
	    "                           else %s)\n"
	    "  --json                   print JSON, for scripts\n"
	    "  --timeout MS             per-call timeout in ms (default 5000)\n"
	    "  --token-file FILE        API token (else $VET_TOKEN_FILE, else\n"
	    "                           $VET_TOKEN); FILE must be mode 0600 or"
	    " stricter\n"
	    "  --tls-ca FILE            tls+tcp://: CA that signed vetd's"
	    " certificate\n"
	    "  --tls-cert FILE          tls+tcp://: client certificate and key"
	    " (PEM)\n"
	    "  --tls-server-name NAME   tls+tcp://: name in vetd's certificate\n"
	    "                           (default: the URL's host)\n"
	    "  -h, --help               this help\n"
	    "  --version                print the version\n"
	    "\n"
	    "commands:\n", VET_DEFAULT_SOCKET);
	usage_commands(f, NULL);
	fprintf(f,
	    "\n"
	    "Dates are YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, in UTC. A marking or\n"
	    "caveat with a space is one quoted argument: \"TOP SECRET\".\n"
	    "check prints ALLOW, or DENY REASON: explanation.\n"
	    "\n"
	    "exit status: 0 success (check: ALLOW), 1 check: DENY, 2 usage"
	    " error,\n"
	    "3 error from vetd or no answer.\n");
}


/* usage_error explains a usage error and returns EXIT_USAGE. */
int
usage_error(const struct command *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("vetctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cmd != NULL)
		fprintf(stderr, "usage: vetctl %s%s%s\n", cmd->name,
		    *cmd->usage != '\0' ? " " : "", cmd->usage);
	else
		fputs("try 'vetctl --help'\n", stderr);
	return EXIT_USAGE;
}

/*
 * Arguments.
 */

const char *
flag_value(const struct flag *flags, const char *name)
{
	for (; flags->name != NULL; flags++)
		if (strcmp(flags->name, name) == 0)
			return flags->value;
	return NULL;
}

/*
 * args_parse reads a command's options and positional arguments; argv[0]
 * is the command's last word. getopt_long permutes, so options may come
 * after the arguments; "--" ends the options. Returns 0, EXIT_USAGE, or -1
 * after printing the usage for --help.
 */
int
args_parse(const struct command *cmd, int argc, char **argv,
    struct flag *flags, char ***pos, int *npos)
{
	struct option longopts[FLAGS_MAX + 2];
	size_t nflags = 0, nargs = 0;
	int ch;

	for (; flags != NULL && flags[nflags].name != NULL; nflags++) {
		if (nflags == FLAGS_MAX)
			abort();	/* a broken command table */
		longopts[nflags].name = flags[nflags].name;
		longopts[nflags].has_arg = flags[nflags].has_arg ?
		    required_argument : no_argument;
		longopts[nflags].flag = NULL;
		longopts[nflags].val = 256 + (int)nflags;
	}
	longopts[nflags] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[nflags + 1] = (struct option){ NULL, 0, NULL, 0 };

	optind = 0;	/* glibc: start afresh, forgetting the last parse */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (ch == 'h') {
			printf("usage: vetctl %s%s%s\n", cmd->name,
			    *cmd->usage != '\0' ? " " : "", cmd->usage);
			return -1;
		}
		if (ch == ':')
			return usage_error(cmd, "option %s needs a value",
			    argv[optind - 1]);
		if (ch == '?') {
			if (optopt != 0)
				return usage_error(cmd, "unknown option -%c",
				    optopt);
			return usage_error(cmd, "unknown option %s",
			    argv[optind - 1]);
		}
		if (flags[ch - 256].value != NULL)
			return usage_error(cmd, "--%s given twice",
			    flags[ch - 256].name);
		flags[ch - 256].value = optarg != NULL ? optarg : "";
	}
	for (size_t i = 0; i < nflags; i++)
		if (flags[i].required && flags[i].value == NULL)
			return usage_error(cmd, "missing --%s",
			    flags[i].name);
	while (nargs < sizeof(cmd->args) / sizeof(cmd->args[0]) &&
	    cmd->args[nargs] != NULL)
		nargs++;
	if ((size_t)(argc - optind) < nargs)
		return usage_error(cmd, "missing %s",
		    cmd->args[argc - optind]);
	if ((size_t)(argc - optind) > nargs && !cmd->more)
		return usage_error(cmd, "unexpected argument '%s'",
		    argv[optind + (int)nargs]);
	*pos = argv + optind;
	*npos = argc - optind;
	return 0;
}

/* date_parse reads the value of --name as a date. */
int
date_parse(const struct command *cmd, const char *name, const char *s,
    int64_t *out)
{
	*out = 0;
	if (s == NULL)
		return 0;
	if (vettime_parse(s, out) != 0)
		return usage_error(cmd, "bad date '%s' for --%s (want "
		    "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)", s, name);
	return 0;
}

/*
 * The token and the connection.
 */

/* token_load: --token-file, else $VET_TOKEN_FILE, else $VET_TOKEN
 * (libvet's vet_token_load, which refuses a file others can read). */
static int
token_load(struct ctl *ctl)
{
	vet_status st;

	if (vet_token_load(ctl->token_file, &ctl->token, &st) != VET_OK) {
		fprintf(stderr, "vetctl: %s\n", st.message);
		return st.code == VET_INVALID_ARGUMENT ? EXIT_USAGE :
		    EXIT_SERVER;
	}
	return 0;
}

/* ctl_connect reads the token and opens the client. */
int
ctl_connect(struct ctl *ctl)
{
	vet_status st;
	int rv;

	if ((rv = token_load(ctl)) != 0)
		return rv;
	ctl->opts.token = ctl->token;
	if (vet_client_open(&ctl->client, ctl->url, &ctl->opts, &st) !=
	    VET_OK) {
		output_error(&st);
		/* A bad URL or TLS option is the caller's mistake. */
		return st.code == VET_INVALID_ARGUMENT ? EXIT_USAGE :
		    EXIT_SERVER;
	}
	return 0;
}

int
server_error(const vet_status *st)
{
	output_error(st);
	return EXIT_SERVER;
}

/*
 * show_person prints the person a call returned: after a write, a line
 * saying what was done ("suspended person alice (revision 7)") first.
 */
int
show_person(struct ctl *ctl, const char *done, vet_person *p,
    const vet_status *st)
{
	json_t *o;
	int rv = EXIT_OK;

	if (ctl->json) {
		if ((o = json_person(p)) != NULL)
			json_set(o, "revision", json_integer(
			    (json_int_t)st->revision));
		rv = output_json(o);
	} else {
		if (done != NULL) {
			printf("%s ", done);
			output_safe(stdout, p->id);
			printf(" (revision %" PRIu64 ")\n\n", st->revision);
		}
		print_person(stdout, p);
	}
	vet_person_free(p);
	return rv;
}

/*
 * Commands.
 */

static int
cmd_help(struct ctl *ctl, const struct command *cmd, int argc, char **argv)
{
	char words[64];

	(void)ctl;	/* help needs no connection */
	if (argc <= 1) {
		usage_full(stdout);
		return EXIT_OK;
	}
	if (argc > 3)
		return usage_error(cmd, "unexpected argument '%s'", argv[3]);
	snprintf(words, sizeof(words), "%s%s%s", argv[1], argc > 2 ? " " : "",
	    argc > 2 ? argv[2] : "");
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (command_matches(commands[i].name, words)) {
			puts("usage:");
			usage_commands(stdout, words);
			return EXIT_OK;
		}
	return usage_error(NULL, "no command '%s'", words);
}

/*
 * Dispatch.
 */

/*
 * command_find matches one or two words; *nwords says how many it used.
 * It returns NULL after printing a usage error, or with *nwords 0 after
 * printing the usage of a group ("vetctl person --help").
 */
static const struct command *
command_find(int argc, char **argv, int *nwords)
{
	size_t len = strlen(argv[0]);
	int group = 0;

	*nwords = 1;
	for (size_t i = 0; i < N_COMMANDS; i++) {
		const char *name = commands[i].name;

		if (strncmp(name, argv[0], len) != 0)
			continue;
		if (name[len] == '\0') {
			*nwords = 1;
			return &commands[i];
		}
		if (name[len] != ' ')
			continue;
		group = 1;
		if (argc > 1 && strcmp(name + len + 1, argv[1]) == 0) {
			*nwords = 2;
			return &commands[i];
		}
	}
	if (group) {
		if (argc > 1 && (strcmp(argv[1], "-h") == 0 ||
		    strcmp(argv[1], "--help") == 0)) {
			puts("usage:");
			usage_commands(stdout, argv[0]);
			*nwords = 0;
			return NULL;
		}
		if (argc > 1)
			fprintf(stderr, "vetctl: no command '%s %s'\n",
			    argv[0], argv[1]);
		else
			fprintf(stderr, "vetctl: '%s' needs a command\n",
			    argv[0]);
		fputs("usage:\n", stderr);
		usage_commands(stderr, argv[0]);
	} else
		usage_error(NULL, "no command '%s'", argv[0]);
	return NULL;
}

int
main(int argc, char *argv[])
{
	struct ctl ctl = { 0 };
	const struct command *cmd;
	const char *env;
	uint64_t ms;
	int ch, nwords, rv;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:s:h", global_options,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			ctl.url = optarg;
			break;
		case OPT_JSON:
			ctl.json = 1;
			break;
		case OPT_TIMEOUT:
			if (parse_u64(optarg, 1, TIMEOUT_MAX_MS, &ms) != 0)
				return usage_error(NULL, "bad --timeout '%s' "
				    "(want milliseconds, 1 to %d)", optarg,
				    TIMEOUT_MAX_MS);
			ctl.opts.timeout_ms = (int)ms;
			break;
		case OPT_TOKEN_FILE:
			ctl.token_file = optarg;
			break;
		case OPT_TLS_CA:
			ctl.opts.tls_ca_file = optarg;
			break;
		case OPT_TLS_CERT:
			ctl.opts.tls_cert_key_file = optarg;
			break;
		case OPT_TLS_SERVER_NAME:
			ctl.opts.tls_server_name = optarg;
			break;
		case 'h':
			usage_full(stdout);
			return EXIT_OK;
		case OPT_VERSION:
			printf("vetctl %s\n", VET_VERSION);
			return EXIT_OK;
		case ':':
			return usage_error(NULL, "option %s needs a value",
			    argv[optind - 1]);
		default:
			if (optopt != 0)
				return usage_error(NULL, "unknown option -%c",
				    optopt);
			return usage_error(NULL, "unknown option %s",
			    argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage_full(stderr);
		return EXIT_USAGE;
	}
	if (ctl.url == NULL && (env = getenv("VET_SERVER")) != NULL &&
	    *env != '\0')
		ctl.url = env;
	if (ctl.url == NULL)
		ctl.url = VET_DEFAULT_SOCKET;

	if ((cmd = command_find(argc, argv, &nwords)) == NULL)
		return nwords == 0 ? EXIT_OK : EXIT_USAGE;
	rv = cmd->run(&ctl, cmd, argc - (nwords - 1), argv + (nwords - 1));
	if (rv < 0)
		rv = EXIT_OK;	/* --help */
	if (fflush(stdout) == EOF && rv == EXIT_OK) {
		fprintf(stderr, "vetctl: cannot write output: %s\n",
		    strerror(errno));
		rv = EXIT_SERVER;
	}
	vet_client_close(&ctl.client);
	if (ctl.token != NULL) {
		explicit_bzero(ctl.token, strlen(ctl.token));
		free(ctl.token);
	}
	return rv;
}
