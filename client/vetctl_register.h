/*
 * vetctl_register.h: what vetctl_register.c (the reading and the passes)
 * and vetctl_register_batch.c (the batches in flight, the problems in
 * line order) share for vetctl import clearances. Private to vetctl.
 */
#ifndef VETCTL_REGISTER_H
#define VETCTL_REGISTER_H

#include <pthread.h>
#include <stdint.h>

#include "register_csv.h"
#include "vetctl.h"

#define BATCH_ROWS	1000		/* ImportClearances' largest call */
#define BATCH_TEXT	(384 * 1024)	/* row text per call: a frame well
					 * under vetd's 1 MiB default */
#define RECORD_TEXT	1200		/* the longest a record's text can be */
#define SENDERS		16		/* batches in flight */
#define BUFFERS		(SENDERS + 1)	/* and one being filled */
#define HELD_MAX	10000		/* problems held for sorting */
#define RETRIES		4		/* resends of an unanswered batch */
#define REGISTER_TIMEOUT_MS	60000	/* per call, unless --timeout */

enum batch_state { BATCH_FREE, BATCH_QUEUED, BATCH_SENDING, BATCH_DONE };

struct batch {
	enum batch_state state;
	uint64_t	 no;		/* order of submission */
	size_t		 n;
	vet_clearance_row rows[BATCH_ROWS];
	uint64_t	 lines[BATCH_ROWS];
	char		*text;		/* BATCH_TEXT + RECORD_TEXT bytes */
	size_t		 used;
	uint64_t	 hash;
	int		 writing;
	vet_register_result res;
	vet_status	 st;
	int		 resent;	/* times sent again */
	size_t		 index;		/* in the pass: 0 for the first */
};

struct problem {
	uint64_t line;
	uint64_t seq;			/* order of report, for equal lines */
	char	*message;
};

struct import {
	struct ctl	*ctl;
	const char	*path;
	int		 writing;	/* pass 2 */
	struct register_reader *reader;

	pthread_mutex_t	 mu;		/* guards state, queue, quit */
	pthread_cond_t	 cv;
	pthread_t	 threads[SENDERS];
	int		 n_threads, quit;
	struct batch	 batches[BUFFERS];
	struct batch	*cur;		/* being filled; owned by main */
	uint64_t	 next_no;

	/* What pass 1 found of each batch: the hash of its rows, which
	 * pass 2 must match, and whether vetd held every row already. */
	struct checked {
		uint64_t hash;
		int	 same;
	}		*checked;
	size_t		 n_checked, n_alloc, submitted;

	/* Problems not printed yet (pass 1). */
	struct problem	*problems;
	size_t		 n_problems, a_problems;
	uint64_t	 seq, printed, bad_lines, last_bad_line;

	vet_register_result total;
	uint64_t	 rows_written;
	int		 failed;	/* an EXIT_* once something failed */
	int		 fatal;		/* the reader stopped */
};

/* vetctl_register_batch.c */

/* import_new starts the senders (NULL: out of memory); import_free stops
 * them and frees everything (NULL accepted). */
struct import *import_new(struct ctl *ctl, const char *path);
void	import_free(struct import *im);
/* import_batch_start makes im->cur an empty batch, waiting for a buffer
 * if all are in flight; import_batch_submit hands im->cur to the senders
 * (in pass 2 only if it matches pass 1's batch) and starts another. */
void	import_batch_start(struct import *im);
void	import_batch_submit(struct import *im);
/* import_drain waits for every batch in flight and takes in its answer. */
void	import_drain(struct import *im);
/* import_threshold: problems on lines before it may be printed. */
uint64_t import_threshold(struct import *im);
/* import_problem_add holds a problem; import_problems_print prints those
 * held on lines before `before`, in line order. */
void	import_problem_add(struct import *im, uint64_t line,
	    const char *message);
void	import_problems_print(struct import *im, uint64_t before);

#endif /* VETCTL_REGISTER_H */
