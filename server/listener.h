/*
 * listener.h: vetd's nng REP socket, its listeners (ipc://, tcp://) and a
 * fixed pool of contexts, each an aio state machine (receive, handle,
 * send). The pool bounds the work in flight; NNG_OPT_RECVMAXSZ refuses an
 * oversized frame before it is decoded.
 */
#ifndef VETD_LISTENER_H
#define VETD_LISTENER_H

#include <stddef.h>

struct config;
struct listener;
struct vetd;

int listener_start(struct vetd *vd, const struct config *c,
    struct listener **out, char *err, size_t errsz);
/* listener_stop closes the socket, waits for every context to stop,
 * frees everything and sets *l to NULL. */
void listener_stop(struct listener **l);

#endif /* VETD_LISTENER_H */
