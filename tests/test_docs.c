/*
 * test_docs.c: the man pages agree with the programs. Every option that
 * `vetd --help`, `vetctl --help` and `vetsync --help` print is in the
 * page, and every option the page's OPTIONS section lists is in --help;
 * every vetctl command is in vetctl(1) and every command vetctl(1)
 * lists exists; every configuration key that server/config*.c accepts is
 * documented exactly once in vetd.conf(5). Reads the scdoc sources
 * (VET_SOURCE_ROOT), so it needs no scdoc.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#define TEXT_MAX	(256 * 1024)

static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = malloc(TEXT_MAX);
	size_t n;

	cr_assert_not_null(f, "cannot open %s", path);
	n = fread(buf, 1, TEXT_MAX - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* unescape drops scdoc's backslashes ("data\_dir" -> "data_dir"). */
static char *
unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r != '\0'; r++)
		if (*r != '\\')
			*w++ = *r;
	*w = '\0';
	return s;
}

static char *
page(const char *name)
{
	const char *root = getenv("VET_SOURCE_ROOT");
	char path[1024];

	cr_assert_not_null(root, "VET_SOURCE_ROOT is not set");
	snprintf(path, sizeof(path), "%s/docs/man/%s.scd", root, name);
	return unescape(read_file(path));
}

static char *
help_of(const char *env)
{
	const char *argv[] = { test_bin(env), "--help", NULL };
	char *out = malloc(TEXT_MAX), err[4096];

	cr_assert_eq(run_cmd(argv, out, TEXT_MAX, err, sizeof(err)), 0,
	    "%s --help: %s", argv[0], err);
	return out;
}

/* section returns a copy of "# NAME" up to the next "# " heading. */
static char *
section(const char *text, const char *name)
{
	char head[64];
	const char *start, *end;

	snprintf(head, sizeof(head), "\n# %s\n", name);
	start = strstr(text, head);
	cr_assert_not_null(start, "no section %s", name);
	start += strlen(head);
	end = strstr(start, "\n# ");
	return strndup(start, end != NULL ? (size_t)(end - start) :
	    strlen(start));
}

/*
 * long_options collects every "--word" in text (a word is letters,
 * digits and "-"), once each, into opts.
 */
static size_t
long_options(const char *text, char opts[][64], size_t max)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, "--")) != NULL; p += 2) {
		char word[64];
		size_t len = 0;

		if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '-'))
			continue;
		while (len < sizeof(word) - 1 && (isalnum((unsigned char)
		    p[2 + len]) || p[2 + len] == '-'))
			len++;
		if (len == 0)
			continue;
		snprintf(word, sizeof(word), "--%.*s", (int)len, p + 2);
		size_t i;
		for (i = 0; i < n; i++)
			if (strcmp(opts[i], word) == 0)
				break;
		if (i == n && n < max)
			snprintf(opts[n++], 64, "%s", word);
	}
	return n;
}

/* has_option: text holds opt as a whole word. */
static int
has_option(const char *text, const char *opt)
{
	size_t len = strlen(opt);

	for (const char *p = text; (p = strstr(p, opt)) != NULL; p++) {
		char after = p[len];
		if (!isalnum((unsigned char)after) && after != '-')
			return 1;
	}
	return 0;
}

static void
options_agree(const char *prog, const char *help, const char *man)
{
	char opts[128][64];
	size_t n;
	char *man_opts = section(man, "OPTIONS");

	n = long_options(help, opts, 128);
	cr_assert_gt(n, 3, "%s --help lists no options", prog);
	for (size_t i = 0; i < n; i++)
		cr_expect(has_option(man, opts[i]), "%s --help has %s; its "
		    "man page does not", prog, opts[i]);
	n = long_options(man_opts, opts, 128);
	for (size_t i = 0; i < n; i++)
		cr_expect(has_option(help, opts[i]), "%s's man page lists %s "
		    "under OPTIONS; --help does not", prog, opts[i]);
	free(man_opts);
}

Test(docs, vetd_help_and_vetd_8_agree)
{
	char *help = help_of("VETD_BIN"), *man = page("vetd.8");

	options_agree("vetd", help, man);
	free(help);
	free(man);
}

Test(docs, vetsync_help_and_vetsync_8_agree)
{
	char *help, *man;

	if (getenv("VETSYNC_BIN") == NULL)
		cr_skip_test("vetsync is not built in this tree");
	help = help_of("VETSYNC_BIN");
	man = page("vetsync.8");
	options_agree("vetsync", help, man);
	free(help);
	free(man);
}

Test(docs, vetctl_help_and_vetctl_1_agree)
{
	char *help = help_of("VETCTL_BIN"), *man = page("vetctl.1");
	char *commands = section(man, "COMMANDS"), *line, *save = NULL;
	char *global = strndup(help, strstr(help, "commands:") - help);
	char *scratch = strdup(help);
	size_t ncmd = 0;

	options_agree("vetctl", global, man);
	/* Every command in --help ("  vetctl person put ID ...") is in
	 * the page as "*person put*". */
	for (line = strtok_r(strstr(scratch, "commands:"), "\n", &save);
	    line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char name[80] = "", words[2][32];
		int nw;

		if (strncmp(line, "  vetctl ", 9) != 0)
			continue;
		nw = sscanf(line + 9, "%31s %31s", words[0], words[1]);
		/* A second word in lower case is part of the name. */
		if (nw == 2 && islower((unsigned char)words[1][0]))
			snprintf(name, sizeof(name), "*%s %s*", words[0],
			    words[1]);
		else
			snprintf(name, sizeof(name), "*%s*", words[0]);
		cr_expect(strstr(commands, name) != NULL, "vetctl command %s "
		    "is not in vetctl(1)'s COMMANDS", name);
		ncmd++;
	}
	cr_assert_gt(ncmd, 10, "vetctl --help lists %zu commands", ncmd);
	/* Every command the page lists at the start of a line exists. */
	save = NULL;
	for (line = strtok_r(commands, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char words[2][32], want[80];
		int nw;

		if (line[0] != '*')
			continue;
		nw = sscanf(line + 1, "%31[a-z] %31[a-z]", words[0], words[1]);
		if (nw < 1)
			continue;
		if (nw == 2 && strchr(line + 1, '*') > strstr(line + 1,
		    words[1]))
			snprintf(want, sizeof(want), "  vetctl %s %s", words[0],
			    words[1]);
		else
			snprintf(want, sizeof(want), "  vetctl %s", words[0]);
		cr_expect(strstr(help, want) != NULL, "vetctl(1) documents "
		    "\"%s\"; vetctl --help does not list it", want + 2);
	}
	free(global);
	free(scratch);
	free(commands);
	free(help);
	free(man);
}

/* config_keys collects the keys in strcmp(key, "...") in text. */
static size_t
config_keys(const char *text, char keys[][64], size_t n, size_t max)
{
	const char *p = text;

	while ((p = strstr(p, "strcmp(key, \"")) != NULL) {
		const char *q = p + strlen("strcmp(key, \"");
		const char *end = strchr(q, '"');
		size_t i;

		p = q;
		if (end == NULL || end - q >= 64)
			continue;
		for (i = 0; i < n; i++)
			if (strncmp(keys[i], q, (size_t)(end - q)) == 0 &&
			    keys[i][end - q] == '\0')
				break;
		if (i == n && n < max)
			snprintf(keys[n++], 64, "%.*s", (int)(end - q), q);
	}
	return n;
}

/* count_defs counts "*key* =" at the start of a line in text. */
static int
count_defs(const char *text, const char *key)
{
	char want[96];
	int n = 0;

	snprintf(want, sizeof(want), "\n*%s* =", key);
	for (const char *p = text; (p = strstr(p, want)) != NULL; p++)
		n++;
	return n;
}

Test(docs, every_config_key_is_in_vetd_conf_5_once_with_its_default)
{
	const char *root = getenv("VET_SOURCE_ROOT");
	char keys[128][64], path[1024], *man = page("vetd.conf.5");
	size_t n = 0;
	DIR *d;
	struct dirent *de;

	cr_assert_not_null(root);
	snprintf(path, sizeof(path), "%s/server", root);
	d = opendir(path);
	cr_assert_not_null(d);
	while ((de = readdir(d)) != NULL) {
		char *text;
		if (strncmp(de->d_name, "config", 6) != 0 ||
		    strcmp(de->d_name + strlen(de->d_name) - 2, ".c") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/server/%s", root, de->d_name);
		text = read_file(path);
		n = config_keys(text, keys, n, 128);
		free(text);
	}
	closedir(d);
	cr_assert_gt(n, 8, "found only %zu keys", n);
	for (size_t i = 0; i < n; i++) {
		const char *def;
		char want[96];

		/* Section keys are documented in their section's entry. */
		if (strcmp(keys[i], "levels") == 0 ||
		    strcmp(keys[i], "uid") == 0 ||
		    strcmp(keys[i], "roles") == 0) {
			snprintf(want, sizeof(want), "*%s* =", keys[i]);
			cr_expect(strstr(man, want) != NULL, "[section] key %s "
			    "is not in vetd.conf(5)", keys[i]);
			continue;
		}
		cr_expect_eq(count_defs(man, keys[i]), 1, "key %s is "
		    "documented %d times in vetd.conf(5)", keys[i],
		    count_defs(man, keys[i]));
		snprintf(want, sizeof(want), "\n*%s* =", keys[i]);
		if ((def = strstr(man, want)) == NULL)
			continue;
		/* Its entry, up to the next blank line, states a default. */
		const char *end = strstr(def + 1, "\n\n");
		char *entry = strndup(def, end != NULL ? (size_t)(end - def) :
		    strlen(def));
		cr_expect(strstr(entry, "Default") != NULL || strstr(entry,
		    "No default") != NULL, "vetd.conf(5) gives no default "
		    "for %s", keys[i]);
		free(entry);
	}
	free(man);
}
