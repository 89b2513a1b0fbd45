/*
 * fuzz_sp_frame.c: libFuzzer target for the direct listener's framing
 * (server/sp_conn.c). The input is what a client sends, after two bytes
 * choosing ipc or tcp framing and max_frame; it goes through a real
 * socket pair in pieces, and every whole frame is answered with itself,
 * so the handshake, length checks, the large-frame buffer and the kept
 * reply are all driven by hostile bytes. Whatever arrives must end in a
 * closed connection or an empty socket, without a crash or a leak.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sp_conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

/* drain reads and drops what vetd's side sent (the greeting, replies). */
static void
drain(int fd)
{
	uint8_t buf[65536];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const size_t max_frames[4] = { 4, 100, 4096, 300000 };
	struct sp_conn *c;
	size_t off = 2, max_frame;
	int sv[2], rv = 0, closed_peer = 0;

	if (n < 2 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return 0;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		abort();
	c->kind = SP_KIND_CONN;
	c->fd = sv[0];
	c->ipc = d[0] & 1;
	max_frame = max_frames[d[1] & 3];
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	if (sp_conn_greet(c->fd) != 0)
		abort();

	while (rv >= 0) {
		uint8_t *frame;
		size_t len;
		const char *why;

		/* The client sends more of its bytes, as much as fits. */
		if (off < n) {
			ssize_t w = send(sv[1], d + off, n - off,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
			if (w > 0)
				off += (size_t)w;
		} else if (!closed_peer) {
			shutdown(sv[1], SHUT_WR);
			closed_peer = 1;
		}
		drain(sv[1]);
		if (c->out != NULL && sp_conn_flush(c) < 0)
			break;
		while (c->out == NULL && (rv = sp_conn_frame(c, max_frame,
		    &frame, &len, &why)) == 1) {
			if (len < 4 || len > max_frame)
				abort();	/* the checks did not hold */
			if (sp_conn_reply(c, frame, 4, frame, len, 0) != 0) {
				rv = -1;
				break;
			}
			sp_conn_consume(c);
		}
		if (rv < 0)
			break;
		if (c->out != NULL)
			continue;	/* the client drains, then we flush */
		rv = sp_conn_read(c);
		if (rv == 0 && closed_peer)
			break;	/* nothing more can come */
	}
	sp_conn_free_buffers(c);
	close(sv[0]);
	close(sv[1]);
	free(c);
	return 0;
}
