/*
 * vetctl_register.c: vetctl import clearances FILE [--dry-run], the
 * vetting unit's register into vetd (docs/REGISTER.md).
 *
 * Two passes over FILE, each streamed through register_csv.c in
 * REGISTER_CHUNK pieces, so memory does not grow with the file (but for
 * the duplicate set, at most 43 bytes a row):
 *  1. every row is checked here, and then by vetd in batches of up to
 *     1000 with validate_only (schemes, levels, leavers: what only vetd
 *     knows). Every problem is printed as "line N: ...", in line order,
 *     and if there is one, nothing is written (exit 2).
 *  2. only after a clean pass 1 (and not with --dry-run): the same file
 *     again, cut into the same batches, now written. Each batch is one
 *     transaction in vetd. A batch whose rows differ from what pass 1
 *     checked (the file changed) is not sent, nor one vetd found it held
 *     already when it checked.
 * SENDERS threads send batches while the file is read on, so up to
 * SENDERS batches are in flight and vetd commits them together. A batch
 * vetd did not answer is sent again a few times: rows set values rather
 * than add to them, so a batch applied twice is the same as once. If vetd
 * stays away (or refuses a batch it accepted in pass 1), every row before
 * that batch was written, some of those sent beside it may have been,
 * and none after: running the same command again finishes the import
 * (rows already written count as unchanged).
 * The FILE's bytes are untrusted; so is everything vetd says (printed
 * through output_safe).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vetctl_register.h"

/* hash64: FNV-1a over s and its NUL, continuing from h. */
static uint64_t
hash64(uint64_t h, const char *s)
{
	do {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	} while (*s++ != '\0');
	return h;
}

/*
 * The reader's callbacks.
 */

static const char *
text_add(struct batch *b, const char *s)
{
	size_t len = strlen(s) + 1;
	char *p = b->text + b->used;

	memcpy(p, s, len);
	b->used += len;
	b->hash = hash64(b->hash, s);
	return p;
}

static void
on_record(const struct register_record *rec, void *arg)
{
	struct import *im = arg;
	vet_clearance_row *r;
	struct batch *b;
	size_t need;

	if (im->failed)
		return;
	need = strlen(rec->id) + strlen(rec->name) + strlen(rec->email) +
	    strlen(rec->org_unit) + strlen(rec->nationality) +
	    strlen(rec->scheme) + strlen(rec->level) +
	    strlen(rec->authority) + strlen(rec->reference) + 9;
	if (im->cur->n == BATCH_ROWS || im->cur->used + need > BATCH_TEXT)
		import_batch_submit(im);
	if (im->failed)
		return;
	b = im->cur;
	r = &b->rows[b->n];
	b->lines[b->n++] = rec->line;
	r->person_id = text_add(b, rec->id);
	r->display_name = text_add(b, rec->name);
	r->email = text_add(b, rec->email);
	r->org_unit = text_add(b, rec->org_unit);
	r->nationality = text_add(b, rec->nationality);
	r->scheme = text_add(b, rec->scheme);
	r->level = text_add(b, rec->level);
	r->authority = text_add(b, rec->authority);
	r->reference = text_add(b, rec->reference);
	r->granted_at = rec->granted;
	r->review_due = rec->review_due;
	b->hash = (b->hash ^ (uint64_t)rec->granted) * 0x100000001b3ULL;
	b->hash = (b->hash ^ (uint64_t)rec->review_due) * 0x100000001b3ULL;
	b->hash = (b->hash ^ rec->line) * 0x100000001b3ULL;
}

static void
on_error(uint64_t line, const char *message, int fatal, void *arg)
{
	struct import *im = arg;
	uint64_t before;

	if (fatal)
		im->fatal = 1;
	if (im->writing) {
		/* Pass 1 found none: the file changed. */
		fprintf(stderr, "vetctl: %s changed since it was checked: ",
		    im->path);
		output_safe(stderr, message);
		fputc('\n', stderr);
		im->failed = EXIT_USAGE;
		return;
	}
	import_problem_add(im, line, message);
	/* Rows not yet answered for come first: their answers may hold
	 * problems on earlier lines. */
	before = import_threshold(im);
	if (line < before)
		import_problems_print(im, before);
	if (im->n_problems >= HELD_MAX) {
		import_batch_submit(im);
		import_drain(im);
	}
}

/*
 * The passes.
 */

/* pass reads the whole file once; 0, or an exit code (reported). */
static int
pass(struct import *im, int fd)
{
	unsigned char *buf;
	ssize_t got;
	int rv = 0;

	if (lseek(fd, 0, SEEK_SET) != 0) {
		fprintf(stderr, "vetctl: %s: %s\n", im->path, strerror(errno));
		return EXIT_USAGE;
	}
	register_reader_free(im->reader);
	im->reader = NULL;
	if ((buf = malloc(REGISTER_CHUNK)) == NULL ||
	    register_reader_new(&im->reader, on_record, on_error, im) != 0) {
		free(buf);
		return out_of_memory();
	}
	im->submitted = 0;
	import_batch_start(im);
	for (;;) {
		got = read(fd, buf, REGISTER_CHUNK);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			fprintf(stderr, "vetctl: %s: %s\n", im->path,
			    strerror(errno));
			rv = EXIT_USAGE;
			break;
		}
		if (got == 0) {
			register_reader_finish(im->reader);
			break;
		}
		if (register_reader_push(im->reader, buf, (size_t)got) != 0 ||
		    im->failed)
			break;
	}
	if (rv == 0 && !im->fatal)
		import_batch_submit(im);
	import_drain(im);
	free(buf);
	return rv != 0 ? rv : im->failed;
}

static int
report(struct import *im, int dry_run)
{
	struct register_stats rs;
	json_t *o;

	register_reader_stats(im->reader, &rs);
	if (im->ctl->json) {
		if ((o = json_object()) == NULL)
			return out_of_memory();
		json_set(o, "file", json_string(im->path));
		json_set(o, "rows", json_integer((json_int_t)rs.rows));
		json_set(o, "dry_run", json_boolean(dry_run));
		json_set(o, "created", json_integer(im->total.created));
		json_set(o, "updated", json_integer(im->total.updated));
		json_set(o, "unchanged", json_integer(im->total.unchanged));
		json_set(o, "people_created",
		    json_integer(im->total.people_created));
		return output_json(o);
	}
	if (dry_run)
		printf("checked %" PRIu64 " rows of ", rs.rows);
	else
		printf("imported %" PRIu64 " rows from ", rs.rows);
	output_safe(stdout, im->path);
	printf(": %s%u created, %u updated, %u unchanged (%u new people)%s\n",
	    dry_run ? "all good; would be " : "", im->total.created,
	    im->total.updated, im->total.unchanged, im->total.people_created,
	    dry_run ? "; nothing was written" : "");
	return EXIT_OK;
}

/* open_register opens path, which must be a regular file (read twice). */
static int
open_register(const char *path, struct stat *sb)
{
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "vetctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, sb) != 0 || !S_ISREG(sb->st_mode)) {
		fprintf(stderr, "vetctl: %s: not a regular file (the import "
		    "reads it twice: first to check, then to write)\n", path);
		close(fd);
		return -1;
	}
	return fd;
}

static int
unchanged_file(int fd, const struct stat *before)
{
	struct stat now;

	return fstat(fd, &now) == 0 && now.st_size == before->st_size &&
	    now.st_mtim.tv_sec == before->st_mtim.tv_sec &&
	    now.st_mtim.tv_nsec == before->st_mtim.tv_nsec;
}

int
cmd_import_clearances(struct ctl *ctl, const struct command *cmd, int argc,
    char **argv)
{
	struct flag f[] = { { "dry-run", 0, 0, NULL },
	    { NULL, 0, 0, NULL } };
	struct import *im = NULL;
	struct stat before;
	char **pos;
	int npos, rv, fd = -1, dry_run;

	if ((rv = args_parse(cmd, argc, argv, f, &pos, &npos)) != 0)
		return rv;
	dry_run = flag_value(f, "dry-run") != NULL;
	if ((fd = open_register(pos[0], &before)) < 0)
		return EXIT_USAGE;
	if (ctl->opts.timeout_ms == 0)
		ctl->opts.timeout_ms = REGISTER_TIMEOUT_MS;
	if ((rv = ctl_connect(ctl)) != 0)
		goto done;
	if ((im = import_new(ctl, pos[0])) == NULL) {
		rv = out_of_memory();
		goto done;
	}

	/* Pass 1: check everything, here and in vetd. */
	rv = pass(im, fd);
	if (rv == 0 && im->printed > 0)
		rv = EXIT_USAGE;
	if (rv != 0) {
		if (im->printed > 0)
			fprintf(stderr, "vetctl: %s: %" PRIu64 " problem%s on "
			    "%" PRIu64 " line%s; nothing was imported\n",
			    pos[0], im->printed, im->printed == 1 ? "" : "s",
			    im->bad_lines, im->bad_lines == 1 ? "" : "s");
		goto done;
	}
	if (dry_run) {
		rv = report(im, 1);
		goto done;
	}

	/* Pass 2: the same rows, written. */
	if (!unchanged_file(fd, &before)) {
		fprintf(stderr, "vetctl: %s changed while it was checked; "
		    "nothing was imported\n", pos[0]);
		rv = EXIT_USAGE;
		goto done;
	}
	memset(&im->total, 0, sizeof(im->total));
	im->writing = 1;
	if ((rv = pass(im, fd)) != 0)
		goto done;
	if (im->submitted != im->n_checked) {
		fprintf(stderr, "vetctl: %s changed since it was checked: it "
		    "ended early; %" PRIu64 " rows were written\n", pos[0],
		    im->rows_written);
		rv = EXIT_USAGE;
		goto done;
	}
	rv = report(im, 0);
done:
	import_free(im);
	if (fd >= 0)
		close(fd);
	return rv;
}
