/*
 * sp_fake.h: a misbehaving SP "vetd" for test_transport.c: a thread that
 * listens on a Unix or loopback TCP socket, speaks just enough of nng's
 * SP wire protocol (docs/TRANSPORT.md) to take a REQ0 client's request,
 * and then does one scripted wrong thing. It counts the request frames it
 * was sent, so a test can prove nothing was sent twice.
 */
#ifndef VET_TEST_SP_FAKE_H
#define VET_TEST_SP_FAKE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

enum sp_fake_mode {
	SP_FAKE_SILENT,		/* accept, never send a byte */
	SP_FAKE_NO_REPLY,	/* handshake, read the request, say nothing */
	SP_FAKE_HANG_UP,	/* handshake, read the request, close */
	SP_FAKE_HUGE_HEADER,	/* answer with a frame header of reply_len */
	SP_FAKE_ANSWER,		/* answer with a real RpcResponse whose SP
				 * frame is reply_len bytes long */
};

struct sp_fake {
	enum sp_fake_mode mode;
	int		ipc;
	size_t		reply_len;	/* SP message length (id + body) */
	char		url[300];
	char		dir[64];	/* ipc: the socket's directory */
	int		lfd;
	int		stop[2];	/* a pipe: written to stop */
	pthread_t	thread;
	atomic_int	requests;	/* whole request frames read */
	atomic_int	accepted;	/* connections accepted */
};

/* sp_fake_start listens (ipc or tcp) and starts the thread. Asserts. */
void sp_fake_start(struct sp_fake *f, enum sp_fake_mode mode, int ipc,
    size_t reply_len);
/*
 * sp_fake_stop stops the thread, then reads whatever clients had already
 * sent (more connections, more frames) into the counts, and closes
 * everything.
 */
void sp_fake_stop(struct sp_fake *f);
/* sp_fake_cleanup stops a fake a failed test left running (for .fini). */
void sp_fake_cleanup(void);

#endif /* VET_TEST_SP_FAKE_H */
