/*
 * writer.c: the writer thread and its queue (see writer.h). The queue is
 * bounded by the number of nng contexts, since each context has at most
 * one request in flight.
 */
#include <pthread.h>
#include <stdlib.h>

#include "rpc.h"
#include "writer.h"

struct writer {
	pthread_t	thread;
	pthread_mutex_t	lock;
	pthread_cond_t	wake;
	struct rpc_call	*head;
	struct rpc_call	*tail;
	int		stopping;
};

static void *
writer_main(void *arg)
{
	struct writer *w = arg;

	for (;;) {
		pthread_mutex_lock(&w->lock);
		while (w->head == NULL && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		struct rpc_call *call = w->head;
		if (call == NULL) {
			pthread_mutex_unlock(&w->lock);
			return NULL;
		}
		w->head = call->next;
		if (w->head == NULL)
			w->tail = NULL;
		pthread_mutex_unlock(&w->lock);

		call->next = NULL;
		rpc_execute_write(call);
		call->done(call);
	}
}

int
writer_start(struct writer **out)
{
	struct writer *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return -1;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->wake);
		free(w);
		return -1;
	}
	*out = w;
	return 0;
}

void
writer_submit(struct writer *w, struct rpc_call *call)
{
	call->next = NULL;
	pthread_mutex_lock(&w->lock);
	if (w->tail != NULL)
		w->tail->next = call;
	else
		w->head = call;
	w->tail = call;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

void
writer_stop(struct writer **wp)
{
	struct writer *w = *wp;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w);
	*wp = NULL;
}
