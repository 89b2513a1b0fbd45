/*
 * listener.h: vetd's listeners. ipc:// and tcp:// are served by vetd's own
 * SP listener (sp_server.h) by default; tls+tcp://, and every URL with
 * transport = nng, by nng's REP socket with a fixed pool of contexts, each
 * an aio state machine (receive, handle, send). Either way the pool bounds
 * the work in flight and an oversized frame is refused before it is
 * decoded.
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
