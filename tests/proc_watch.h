/*
 * proc_watch.h: what test_transport.c learns from /proc about the
 * processes and sockets it watches, so that it waits on an event (a
 * request sitting in vetd's socket, vetd stopped, a thread blocked in a
 * system call) rather than sleeping.
 */
#ifndef VET_TEST_PROC_WATCH_H
#define VET_TEST_PROC_WATCH_H

#include <sys/types.h>

/* proc_tcp_unread: an established IPv4 socket on local port holds bytes
 * its owner has not read (/proc/net/tcp rx_queue). */
int proc_tcp_unread(int port);
/* proc_all_stopped: every thread of pid is stopped (SIGSTOP landed). */
int proc_all_stopped(pid_t pid);
/* proc_blocked_in: the system call this process's thread tid is blocked
 * in, or -1 (running, or not in a call). */
long proc_blocked_in(int tid);

#endif /* VET_TEST_PROC_WATCH_H */
