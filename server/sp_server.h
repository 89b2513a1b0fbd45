/*
 * sp_server.h: vetd's direct listener for ipc:// and tcp://. It speaks
 * nng's SP REQ/REP wire protocol itself (sp_conn.h) on non-blocking
 * sockets: a fixed pool of threads waits on one epoll set, and the thread
 * that finds a whole request frame calls rpc_handle and writes the reply
 * itself, with no hand-off between threads for a read (a write waits for
 * the writer's group commit). nng's REP socket (listener.c) is kept for
 * tls+tcp:// and for `transport = nng`. docs/TRANSPORT.md has the why.
 */
#ifndef VETD_SP_SERVER_H
#define VETD_SP_SERVER_H

#include <stddef.h>

struct config;
struct sp_server;
struct vetd;

/* sp_server_open prepares the pool (one rpc_call per thread); no thread
 * runs yet. 0, or -1 with err. */
int sp_server_open(struct vetd *vd, const struct config *c,
    struct sp_server **out, char *err, size_t errsz);
/* sp_server_listen binds url (ipc:// or tcp://) and logs it. An ipc
 * socket is created 0600; a stale one (nothing answering) is replaced. */
int sp_server_listen(struct sp_server *s, const char *url, char *err,
    size_t errsz);
/* sp_server_start starts the threads. 0, or -1 with err. */
int sp_server_start(struct sp_server *s, char *err, size_t errsz);
/* sp_server_stop stops the threads (each finishes its request), closes
 * every connection and socket, removes ipc socket files, frees it all and
 * sets *s to NULL. */
void sp_server_stop(struct sp_server **s);

#endif /* VETD_SP_SERVER_H */
