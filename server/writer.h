/*
 * writer.h: the single writer thread. LMDB allows one write transaction at
 * a time and each commit waits for the disk, so writes are queued here
 * rather than blocking nng's callback threads, which keep serving checks.
 * The writer also commits the audit log's own entries (audit.h).
 */
#ifndef VETD_WRITER_H
#define VETD_WRITER_H

struct rpc_call;
struct vetd;
struct writer;

/* writer_start starts the thread, which writes to vd's store. Returns 0
 * or -1. */
int writer_start(struct vetd *vd, struct writer **out);
/* writer_submit queues a decoded write; the writer runs it and calls
 * call->done(call). */
void writer_submit(struct writer *w, struct rpc_call *call);
/* writer_wake: audit work is waiting (a full batch of decisions). */
void writer_wake(struct writer *w);
/* writer_stop finishes every queued write, commits every queued audit
 * entry, stops the thread, frees w and sets *w to NULL. */
void writer_stop(struct writer **w);

#endif /* VETD_WRITER_H */
