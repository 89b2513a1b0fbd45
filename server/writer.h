/*
 * writer.h: the single writer thread. LMDB allows one write transaction at
 * a time and each commit waits for the disk, so writes are queued here
 * rather than blocking nng's callback threads, which keep serving checks.
 */
#ifndef VETD_WRITER_H
#define VETD_WRITER_H

struct rpc_call;
struct writer;

/* writer_start starts the thread. Returns 0 or -1. */
int writer_start(struct writer **out);
/* writer_submit queues a decoded write; the writer runs it and calls
 * call->done(call). */
void writer_submit(struct writer *w, struct rpc_call *call);
/* writer_stop finishes every queued write, stops the thread, frees w and
 * sets *w to NULL. */
void writer_stop(struct writer **w);

#endif /* VETD_WRITER_H */
