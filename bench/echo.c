/*
 * echo.c: vet-echo, a bare nng REQ/REP echo server: the same socket type,
 * transport and context pool as vetd's listener, and nothing else. Its
 * throughput against vet-loadgen --target echo is the floor vetd is
 * measured against. Runs until SIGINT or SIGTERM.
 *
 *   vet-echo --url tcp://127.0.0.1:PORT [--contexts N]
 */
#include <getopt.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

struct echo_worker {
	nng_aio	*aio;
	nng_ctx	ctx;
	int	sending;
};

static void
echo_cb(void *arg)
{
	struct echo_worker *w = arg;

	if (nng_aio_result(w->aio) != 0) {
		if (w->sending)
			nng_msg_free(nng_aio_get_msg(w->aio));
		if (nng_aio_result(w->aio) == NNG_ECLOSED)
			return;
		w->sending = 0;
		nng_ctx_recv(w->ctx, w->aio);
		return;
	}
	if (w->sending) {
		w->sending = 0;
		nng_ctx_recv(w->ctx, w->aio);
		return;
	}
	/* The received message goes straight back. */
	w->sending = 1;
	nng_ctx_send(w->ctx, w->aio);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "contexts", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *url = NULL;
	unsigned n = 64;
	struct echo_worker *ws;
	nng_socket sock;
	sigset_t sigs;
	int opt, rv, sig;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'u')
			url = optarg;
		else if (opt == 'c')
			n = (unsigned)number("--contexts", optarg, 1, 4096);
		else
			goto usage;
	}
	if (url == NULL || optind != argc)
		goto usage;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	if ((ws = calloc(n, sizeof(*ws))) == NULL)
		return 1;
	if ((rv = nng_rep0_open(&sock)) != 0 ||
	    (rv = nng_listen(sock, url, NULL, 0)) != 0) {
		fprintf(stderr, "vet-echo: %s: %s\n", url, nng_strerror(rv));
		return 1;
	}
	for (unsigned i = 0; i < n; i++) {
		if (nng_aio_alloc(&ws[i].aio, echo_cb, &ws[i]) != 0 ||
		    nng_ctx_open(&ws[i].ctx, sock) != 0) {
			fprintf(stderr, "vet-echo: cannot set up context\n");
			return 1;
		}
		nng_ctx_recv(ws[i].ctx, ws[i].aio);
	}
	printf("vet-echo: serving %s with %u contexts\n", url, n);
	fflush(stdout);
	sigwait(&sigs, &sig);
	nng_close(sock);
	for (unsigned i = 0; i < n; i++) {
		nng_aio_stop(ws[i].aio);
		nng_aio_free(ws[i].aio);
	}
	free(ws);
	return 0;
usage:
	fprintf(stderr, "usage: vet-echo --url URL [--contexts N]\n");
	return 2;
}
