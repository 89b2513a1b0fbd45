/*
 * vetctl_register_batch.c: the batches of vetctl import clearances in
 * flight. SENDERS threads each send one batch at a time through the one
 * (thread-safe) libvet client, so vetd commits several together; the
 * main thread fills the next batch meanwhile and takes in the answers in
 * the order the batches were sent. Problems (the reader's and vetd's row
 * errors) are held and printed in line order: those on lines before the
 * first row of any batch still unanswered can print, since nothing
 * earlier can come. What vetd answers is untrusted: messages are printed
 * through output_safe and row indexes were checked by libvet.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vetctl_register.h"

/*
 * Problems, printed in line order: those before the first line of the
 * oldest batch still in flight can print (nothing earlier can come).
 */

static int
problem_order(const void *a, const void *b)
{
	const struct problem *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* problems_print prints the held problems on lines before `before`. */
void
import_problems_print(struct import *im, uint64_t before)
{
	size_t i, kept = 0;

	if (im->n_problems == 0)
		return;
	qsort(im->problems, im->n_problems, sizeof(*im->problems),
	    problem_order);
	for (i = 0; i < im->n_problems; i++) {
		struct problem *p = &im->problems[i];

		if (p->line >= before) {
			im->problems[kept++] = *p;
			continue;
		}
		output_safe(stderr, p->message);
		fputc('\n', stderr);
		if (p->line != 0 && p->line != im->last_bad_line)
			im->bad_lines++;
		im->last_bad_line = p->line;
		im->printed++;
		free(p->message);
	}
	im->n_problems = kept;
}

void
import_problem_add(struct import *im, uint64_t line, const char *message)
{
	struct problem *p;

	if (im->n_problems == im->a_problems) {
		size_t a = im->a_problems ? im->a_problems * 2 : 64;

		if ((p = realloc(im->problems, a * sizeof(*p))) == NULL)
			goto nomem;
		im->problems = p;
		im->a_problems = a;
	}
	p = &im->problems[im->n_problems];
	if ((p->message = strdup(message)) == NULL)
		goto nomem;
	p->line = line;
	p->seq = im->seq++;
	im->n_problems++;
	return;
nomem:
	fprintf(stderr, "vetctl: out of memory; not in line order: %s\n",
	    message);
	im->printed++;
}

/*
 * The senders.
 */

static int
retryable(int code)
{
	return code == VET_UNAVAILABLE || code == VET_DEADLINE_EXCEEDED;
}

/* send_batch sends b (validate_only in pass 1), again a few times when
 * no answer came, waiting 0.25, 0.5, 1 and 2 s in between. */
static void
send_batch(struct import *im, struct batch *b)
{
	long ms = 250;

	for (;;) {
		vet_import_clearances(im->ctl->client, b->rows, b->n,
		    !b->writing, &b->res, &b->st);
		if (!retryable(b->st.code) || b->resent == RETRIES)
			return;
		b->resent++;
		fprintf(stderr, "vetctl: no answer for the rows from line %"
		    PRIu64 " (", b->lines[0]);
		output_safe(stderr, b->st.message);
		fprintf(stderr, "); sending them again\n");
		vet_register_result_clear(&b->res);
		nanosleep(&(struct timespec){ ms / 1000, ms % 1000 * 1000000L },
		    NULL);
		ms *= 2;
	}
}

static void *
sender(void *arg)
{
	struct import *im = arg;
	struct batch *b;

	pthread_mutex_lock(&im->mu);
	for (;;) {
		b = NULL;
		for (size_t i = 0; i < BUFFERS; i++)
			if (im->batches[i].state == BATCH_QUEUED &&
			    (b == NULL || im->batches[i].no < b->no))
				b = &im->batches[i];
		if (b == NULL) {
			if (im->quit)
				break;
			pthread_cond_wait(&im->cv, &im->mu);
			continue;
		}
		b->state = BATCH_SENDING;
		pthread_mutex_unlock(&im->mu);
		send_batch(im, b);
		pthread_mutex_lock(&im->mu);
		b->state = BATCH_DONE;
		pthread_cond_broadcast(&im->cv);
	}
	pthread_mutex_unlock(&im->mu);
	return NULL;
}

/* oldest: the batch in flight submitted first, or NULL. Holds mu. */
static struct batch *
oldest(struct import *im)
{
	struct batch *o = NULL;

	for (size_t i = 0; i < BUFFERS; i++)
		if (im->batches[i].state != BATCH_FREE &&
		    &im->batches[i] != im->cur &&
		    (o == NULL || im->batches[i].no < o->no))
			o = &im->batches[i];
	return o;
}

/* threshold: problems on lines before this may print: no batch in
 * flight, nor the one being filled, starts before it. Holds mu. */
static uint64_t
threshold(struct import *im)
{
	struct batch *o = oldest(im);
	uint64_t t = o != NULL ? o->lines[0] : UINT64_MAX;

	if (im->cur != NULL && im->cur->n > 0 && im->cur->lines[0] < t)
		t = im->cur->lines[0];
	return t;
}

uint64_t
import_threshold(struct import *im)
{
	uint64_t t;

	pthread_mutex_lock(&im->mu);
	t = threshold(im);
	pthread_mutex_unlock(&im->mu);
	return t;
}

/* retire_result takes in a finished batch's answer. */
static void
retire_result(struct import *im, struct batch *b)
{
	char msg[512];

	if (b->st.code == VET_OK) {
		im->total.created += b->res.created;
		im->total.updated += b->res.updated;
		im->total.unchanged += b->res.unchanged;
		im->total.people_created += b->res.people_created;
		if (b->writing && !im->failed)
			im->rows_written += b->n;
		if (!b->writing && b->res.unchanged == b->n)
			im->checked[b->index].same = 1;
		return;
	}
	if (im->failed)
		return;		/* sent beside the one that failed: said */
	if (b->st.code == VET_INVALID_ARGUMENT && b->res.n_errors > 0) {
		for (size_t i = 0; i < b->res.n_errors; i++) {
			snprintf(msg, sizeof(msg), "line %" PRIu64 ": %s",
			    b->lines[b->res.errors[i].index],
			    b->res.errors[i].message);
			import_problem_add(im, b->lines[b->res.errors[i].index], msg);
		}
		if (!b->writing)
			return;		/* pass 1: reported with the rest */
		import_problems_print(im, UINT64_MAX);
		fprintf(stderr, "vetctl: vetd refused the rows from line %"
		    PRIu64 " although it had accepted them: it has changed "
		    "since (above)\n", b->lines[0]);
	} else
		output_error(&b->st);
	if (!im->failed)
		im->failed = b->st.code == VET_INVALID_ARGUMENT ? EXIT_USAGE :
		    EXIT_SERVER;
	if (b->writing)
		fprintf(stderr, "vetctl: the rows from line %" PRIu64 " on were "
		    "not all written; the %" PRIu64 " rows before them were: run "
		    "the same command again to finish\n", b->lines[0],
		    im->rows_written);
}

/* retire_oldest waits for the oldest batch in flight and takes in its
 * answer; 0 when none was in flight. */
static int
retire_oldest(struct import *im)
{
	struct batch *b;
	uint64_t before;

	pthread_mutex_lock(&im->mu);
	if ((b = oldest(im)) == NULL) {
		pthread_mutex_unlock(&im->mu);
		return 0;
	}
	while (b->state != BATCH_DONE)
		pthread_cond_wait(&im->cv, &im->mu);
	pthread_mutex_unlock(&im->mu);
	retire_result(im, b);
	vet_register_result_clear(&b->res);
	pthread_mutex_lock(&im->mu);
	b->state = BATCH_FREE;
	before = threshold(im);
	pthread_mutex_unlock(&im->mu);
	import_problems_print(im, before);
	return 1;
}

/* drain waits for every batch in flight. */
void
import_drain(struct import *im)
{
	uint64_t before;

	while (retire_oldest(im))
		;
	pthread_mutex_lock(&im->mu);
	before = threshold(im);
	pthread_mutex_unlock(&im->mu);
	import_problems_print(im, before);
}

/* batch_start makes im->cur an empty batch, waiting for a buffer. */
void
import_batch_start(struct import *im)
{
	struct batch *b = NULL;

	for (;;) {
		pthread_mutex_lock(&im->mu);
		for (size_t i = 0; i < BUFFERS && b == NULL; i++)
			if (im->batches[i].state == BATCH_FREE)
				b = &im->batches[i];
		pthread_mutex_unlock(&im->mu);
		if (b != NULL || !retire_oldest(im))
			break;
	}
	b->n = 0;
	b->used = 0;
	b->hash = 0xcbf29ce484222325ULL;
	b->writing = im->writing;
	b->resent = 0;
	memset(&b->st, 0, sizeof(b->st));
	im->cur = b;
}

/* batch_submit hands the filled batch to the senders. */
void
import_batch_submit(struct import *im)
{
	struct batch *b = im->cur;

	if (b->n == 0 || im->failed)
		return;
	b->index = im->submitted;
	if (!im->writing) {
		if (im->n_checked == im->n_alloc) {
			size_t a = im->n_alloc ? im->n_alloc * 2 : 256;
			struct checked *c = realloc(im->checked,
			    a * sizeof(*c));

			if (c == NULL) {
				im->failed = out_of_memory();
				return;
			}
			im->checked = c;
			im->n_alloc = a;
		}
		im->checked[im->n_checked].hash = b->hash;
		im->checked[im->n_checked++].same = 0;
	} else if (im->submitted >= im->n_checked ||
	    im->checked[im->submitted].hash != b->hash) {
		import_drain(im);
		fprintf(stderr, "vetctl: %s changed since it was checked (at "
		    "line %" PRIu64 "); stopped: the %" PRIu64 " rows before "
		    "that line were written\n", im->path, b->lines[0],
		    im->rows_written);
		im->failed = EXIT_USAGE;
		return;
	}
	pthread_mutex_lock(&im->mu);
	b->no = im->next_no++;
	b->state = BATCH_QUEUED;
	if (im->writing && im->checked[im->submitted].same) {
		/* vetd held every row when it checked them: nothing to
		 * send (a change made since could as well have come after
		 * the import). Answered here, taken in in its turn. */
		memset(&b->res, 0, sizeof(b->res));
		b->res.unchanged = (unsigned)b->n;
		b->st.code = VET_OK;
		b->state = BATCH_DONE;
	}
	im->submitted++;
	im->cur = NULL;
	pthread_cond_broadcast(&im->cv);
	pthread_mutex_unlock(&im->mu);
	import_batch_start(im);
}

void
import_free(struct import *im)
{
	if (im == NULL)
		return;
	pthread_mutex_lock(&im->mu);
	im->quit = 1;
	pthread_cond_broadcast(&im->cv);
	pthread_mutex_unlock(&im->mu);
	for (int i = 0; i < im->n_threads; i++)
		pthread_join(im->threads[i], NULL);
	register_reader_free(im->reader);
	for (size_t i = 0; i < BUFFERS; i++) {
		free(im->batches[i].text);
		vet_register_result_clear(&im->batches[i].res);
	}
	for (size_t i = 0; i < im->n_problems; i++)
		free(im->problems[i].message);
	free(im->problems);
	free(im->checked);
	pthread_cond_destroy(&im->cv);
	pthread_mutex_destroy(&im->mu);
	free(im);
}

/* import_new sets up the batches and starts the senders. */
struct import *
import_new(struct ctl *ctl, const char *path)
{
	struct import *im;

	if ((im = calloc(1, sizeof(*im))) == NULL)
		return NULL;
	im->ctl = ctl;
	im->path = path;
	pthread_mutex_init(&im->mu, NULL);
	pthread_cond_init(&im->cv, NULL);
	for (size_t i = 0; i < BUFFERS; i++)
		if ((im->batches[i].text = malloc(BATCH_TEXT + RECORD_TEXT)) ==
		    NULL)
			goto fail;
	for (; im->n_threads < SENDERS; im->n_threads++)
		if (pthread_create(&im->threads[im->n_threads], NULL, sender,
		    im) != 0)
			goto fail;
	return im;
fail:
	if (im->n_threads > 0 && im->batches[BUFFERS - 1].text != NULL)
		return im;	/* fewer senders will do */
	import_free(im);
	return NULL;
}

