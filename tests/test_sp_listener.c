/*
 * test_sp_listener.c: vetd's direct listener (server/sp_server.c) seen
 * from raw sockets: the SP wire as docs/TRANSPORT.md gives it, every
 * protocol violation closing the connection (and nothing else), large
 * frames arriving in pieces, pipelining, the ipc socket's mode, a stale
 * socket replaced and a live one refused, and transport = nng.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <vet/vet.h>

#include "fixture.h"
#include "rpc.pb-c.h"

static struct vetd_proc vetd;
static int port;
static char tcp_url[64];

/* Health's exact answer: over ipc the socket's owner is admin (0, OK);
 * over tcp every call needs a token, so vetd answers 16, UNAUTHENTICATED
 * "a token is required": either proves the whole round trip. */
#define HEALTH_CODE(ipc)	((ipc) ? 0 : 16)

static const uint8_t req_header[8] = { 0, 'S', 'P', 0, 0, 0x30, 0, 0 };
static const uint8_t rep_header[8] = { 0, 'S', 'P', 0, 0, 0x31, 0, 0 };

static void
start(const char *transport)
{
	port = fixture_free_port();
	cr_assert_gt(port, 0);
	snprintf(tcp_url, sizeof(tcp_url), "tcp://127.0.0.1:%d", port);
	/* The fixture's own --listen is its ipc:// socket. */
	cr_assert_eq(fixture_start(&vetd, (const char *[]){ "--listen",
	    tcp_url, "--max-frame", "300000", "--transport", transport,
	    NULL }), 0);
}

static void
setup(void)
{
	start("direct");
}

static void
teardown(void)
{
	fixture_cleanup(&vetd);
}

TestSuite(sp_listener, .init = setup, .fini = teardown, .timeout = 120);

static int
dial_raw(int ipc)
{
	int fd;

	if (ipc) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		const char *path = vetd.url + strlen("ipc://");
		cr_assert_lt(strlen(path), sizeof(sa.sun_path));
		memcpy(sa.sun_path, path, strlen(path) + 1);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)),
		    0, "connect: %s", strerror(errno));
	} else {
		struct sockaddr_in sa = { .sin_family = AF_INET,
		    .sin_port = htons((uint16_t)port),
		    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		fd = socket(AF_INET, SOCK_STREAM, 0);
		cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)),
		    0, "connect: %s", strerror(errno));
	}
	return fd;
}

static void
send_all(int fd, const void *buf, size_t len)
{
	cr_assert_eq(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* recv_exact reads len bytes within ms; returns what it got (short at
 * end of stream), or -1 on a timeout. */
static ssize_t
recv_exact(int fd, uint8_t *buf, size_t len, int ms)
{
	size_t have = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (have < len) {
		if (poll(&p, 1, ms) != 1)
			return -1;
		ssize_t n = recv(fd, buf + have, len - have, 0);
		if (n <= 0)
			return (ssize_t)have;	/* end of stream or reset */
		have += (size_t)n;
	}
	return (ssize_t)have;
}

/* handshake sends a REQ0 header and checks vetd's REP0 header. */
static int
handshake(int ipc)
{
	uint8_t h[8];
	int fd = dial_raw(ipc);

	send_all(fd, req_header, 8);
	cr_assert_eq(recv_exact(fd, h, 8, 5000), 8);
	cr_assert_eq(memcmp(h, rep_header, 8), 0);
	return fd;
}

/* frame builds [type 01 (ipc)] length, backtrace words, body. */
static size_t
frame(uint8_t *out, int ipc, const uint32_t *bt, size_t nbt,
    const uint8_t *body, size_t blen)
{
	size_t h = ipc ? 9 : 8, len = 4 * nbt + blen;

	out[0] = 1;
	for (int i = 0; i < 8; i++)
		out[h - 8 + (size_t)i] = (uint8_t)(len >> (56 - 8 * i));
	for (size_t i = 0; i < nbt; i++)
		for (int b = 0; b < 4; b++)
			out[h + 4 * i + (size_t)b] =
			    (uint8_t)(bt[i] >> (24 - 8 * b));
	memcpy(out + h + 4 * nbt, body, blen);
	return h + len;
}

/* health packs an RpcRequest for Health; pad adds an unknown field of
 * that many bytes to its payload (protobuf keeps unknown fields). */
static size_t
health(uint8_t *out, size_t pad)
{
	Vet__V1__RpcRequest req = VET__V1__RPC_REQUEST__INIT;
	uint8_t *payload = NULL;

	req.method = "/vet.v1.Vetting/Health";
	if (pad > 0) {
		size_t n = 0;
		payload = calloc(1, pad + 16);
		payload[n++] = (15 << 3) | 2;	/* field 15, bytes */
		for (size_t v = pad; ; v >>= 7) {
			payload[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ?
			    0x80 : 0));
			if (v <= 0x7f)
				break;
		}
		memset(payload + n, 'x', pad);
		req.payload.data = payload;
		req.payload.len = n + pad;
	}
	size_t len = vet__v1__rpc_request__pack(&req, out);
	free(payload);
	return len;
}

/* read_reply reads one reply frame; checks its backtrace; returns the
 * status code of the RpcResponse in it. */
static int
read_reply(int fd, int ipc, const uint32_t *bt, size_t nbt)
{
	uint8_t h[9], buf[4096];
	size_t hl = ipc ? 9 : 8;
	uint64_t len = 0;

	cr_assert_eq(recv_exact(fd, h, hl, 5000), (ssize_t)hl);
	if (ipc)
		cr_assert_eq(h[0], 1);
	for (size_t i = hl - 8; i < hl; i++)
		len = len << 8 | h[i];
	cr_assert(len >= 4 * nbt && len <= sizeof(buf), "length %llu",
	    (unsigned long long)len);
	cr_assert_eq(recv_exact(fd, buf, (size_t)len, 5000), (ssize_t)len);
	for (size_t i = 0; i < nbt; i++) {
		uint32_t w = (uint32_t)buf[4 * i] << 24 |
		    (uint32_t)buf[4 * i + 1] << 16 |
		    (uint32_t)buf[4 * i + 2] << 8 | buf[4 * i + 3];
		cr_assert_eq(w, bt[i], "backtrace word %zu: %08x, want %08x",
		    i, w, bt[i]);
	}
	Vet__V1__RpcResponse *r = vet__v1__rpc_response__unpack(NULL,
	    (size_t)len - 4 * nbt, buf + 4 * nbt);
	cr_assert_not_null(r);
	cr_assert_not_null(r->status);
	int code = r->status->code;
	if (code != 0)
		cr_assert_str_eq(r->status->message, "a token is required");
	vet__v1__rpc_response__free_unpacked(r, NULL);
	return code;
}

/* closed: vetd ends the stream within 3 s without a byte more. */
static void
expect_closed(int fd, const char *what)
{
	uint8_t b;

	cr_assert_eq(recv_exact(fd, &b, 1, 3000), 0, "%s: the connection "
	    "was not closed", what);
	close(fd);
}

static void
expect_serving(int ipc)
{
	static const uint32_t bt[] = { 0x80000001u };
	uint8_t body[256], out[300];
	int fd = handshake(ipc);

	send_all(fd, out, frame(out, ipc, bt, 1, body, health(body, 0)));
	cr_assert_eq(read_reply(fd, ipc, bt, 1), HEALTH_CODE(ipc));
	close(fd);
}

Test(sp_listener, health_over_ipc_and_tcp_with_a_two_hop_backtrace)
{
	static const uint32_t bt[] = { 7, 0x80000002u };
	uint8_t body[256], out[300];

	for (int ipc = 0; ipc <= 1; ipc++) {
		int fd = handshake(ipc);
		send_all(fd, out, frame(out, ipc, bt, 2, body,
		    health(body, 0)));
		cr_assert_eq(read_reply(fd, ipc, bt, 2), HEALTH_CODE(ipc));
		close(fd);
	}
}

Test(sp_listener, pipelined_requests_are_answered_in_order)
{
	uint8_t body[256], out[3 * 300];
	uint32_t ids[3] = { 0x80000010u, 0x80000011u, 0x80000012u };
	size_t n = 0, blen = health(body, 0);
	int fd = handshake(0);

	for (int i = 0; i < 3; i++)
		n += frame(out + n, 0, &ids[i], 1, body, blen);
	send_all(fd, out, n);		/* all three in one write */
	for (int i = 0; i < 3; i++)
		cr_assert_eq(read_reply(fd, 0, &ids[i], 1), HEALTH_CODE(0));
	close(fd);
}

Test(sp_listener, a_large_frame_arrives_in_pieces)
{
	static const uint32_t bt[] = { 0x80000003u };
	size_t cap = 260000;
	uint8_t *body = malloc(cap), *out = malloc(cap + 32);
	size_t n = frame(out, 1, bt, 1, body, health(body, 250000));
	int fd = handshake(1);
	struct timespec pause = { 0, 2 * 1000 * 1000 };

	/* 250 kB in 50 pieces, with pauses between: vetd reads as they come,
	 * and answers once the frame is whole. */
	for (size_t off = 0; off < n; off += 5000) {
		send_all(fd, out + off, n - off < 5000 ? n - off : 5000);
		nanosleep(&pause, NULL);
	}
	cr_assert_eq(read_reply(fd, 1, bt, 1), HEALTH_CODE(1));
	close(fd);
	free(body);
	free(out);
}

Test(sp_listener, every_protocol_violation_closes_only_its_connection)
{
	static const uint8_t bad_magic[8] = { 0, 'S', 'Q', 0, 0, 0x30, 0, 0 };
	static const uint32_t no_end[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	static const uint32_t bt[] = { 0x80000001u };
	uint8_t h[8], out[600], body[256];
	int fd;

	/* A REP peer (not a REQ) gets vetd's header, then the end. */
	fd = dial_raw(0);
	send_all(fd, rep_header, 8);
	cr_assert_eq(recv_exact(fd, h, 8, 5000), 8);
	expect_closed(fd, "a REP peer");

	fd = dial_raw(1);
	send_all(fd, bad_magic, 8);
	cr_assert_eq(recv_exact(fd, h, 8, 5000), 8);
	expect_closed(fd, "not an SP header");

	/* ipc: a type byte other than 1. */
	fd = handshake(1);
	frame(out, 1, bt, 1, body, health(body, 0));
	out[0] = 2;
	send_all(fd, out, 9 + 4 + 10);
	expect_closed(fd, "ipc type byte 2");

	/* A frame too short for a request id. */
	fd = handshake(0);
	send_all(fd, (const uint8_t[]){ 0, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3 }, 11);
	expect_closed(fd, "a 3-byte frame");

	/* Over max_frame (300000): refused from its length, unread. */
	fd = handshake(0);
	send_all(fd, (const uint8_t[]){ 0, 0, 0, 0, 0, 0x04, 0x93, 0xe1 }, 8);
	expect_closed(fd, "a 300001-byte frame");

	/* Nine backtrace words, none with the high bit: not a request. */
	fd = handshake(0);
	send_all(fd, out, frame(out, 0, no_end, 9, body, health(body, 0)));
	expect_closed(fd, "no request id within 8 hops");

	/* None of it disturbed anyone else. */
	expect_serving(0);
	expect_serving(1);
}

Test(sp_listener, a_connection_without_a_header_is_closed_after_10_s,
    .timeout = 60)
{
	time_t t0 = time(NULL);
	uint8_t h[8], b;
	int fd = dial_raw(0);

	/* vetd greets at once, then waits 10 s for the client's header. */
	cr_assert_eq(recv_exact(fd, h, 8, 5000), 8);
	cr_assert_eq(memcmp(h, rep_header, 8), 0);
	cr_assert_eq(recv_exact(fd, &b, 1, 20000), 0);
	time_t took = time(NULL) - t0;
	cr_assert(took >= 9 && took <= 15, "closed after %ld s",
	    (long)took);
	close(fd);
	expect_serving(0);
}

Test(sp_listener, the_ipc_socket_is_0600_a_stale_one_is_replaced_a_live_one_is_not)
{
	const char *path = vetd.url + strlen("ipc://");
	char data2[420], out[256], err[2048];
	struct stat st;

	cr_assert_eq(lstat(path, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0600, "mode %o", st.st_mode & 07777);

	/* A second vetd on the same socket: refused, the first unharmed. */
	snprintf(data2, sizeof(data2), "%s/data2", vetd.dir);
	cr_assert_eq(run_cmd((const char *[]){ test_bin("VETD_BIN"),
	    "--data-dir", data2, "--listen", vetd.url, NULL }, out,
	    sizeof(out), err, sizeof(err)), 1);
	cr_assert(strstr(err, "address in use") != NULL, "stderr: %s", err);
	expect_serving(1);

	/* vetd killed: its socket file stays, and the next vetd takes it. */
	fixture_kill(&vetd);
	cr_assert_eq(lstat(path, &st), 0, "the stale socket is gone");
	cr_assert_eq(fixture_restart(&vetd, (const char *[]){ "--listen",
	    tcp_url, NULL }), 0);
	expect_serving(1);
	expect_serving(0);
}

Test(sp_listener, transport_nng_speaks_the_same_wire)
{
	static const uint32_t bt[] = { 9, 0x80000005u };
	uint8_t body[256], out[300];
	char err[512], outbuf[256];

	fixture_cleanup(&vetd);
	start("nng");
	for (int ipc = 0; ipc <= 1; ipc++) {
		int fd = handshake(ipc);
		send_all(fd, out, frame(out, ipc, bt, 2, body,
		    health(body, 0)));
		cr_assert_eq(read_reply(fd, ipc, bt, 2), HEALTH_CODE(ipc));
		close(fd);
	}
	/* And a bad value is refused before anything starts. */
	cr_assert_eq(run_cmd((const char *[]){ test_bin("VETD_BIN"), "-n",
	    "--data-dir", vetd.data_dir, "--transport", "zmq", NULL }, outbuf,
	    sizeof(outbuf), err, sizeof(err)), 2);	/* a usage error */
	cr_assert(strstr(err, "transport must be direct or nng, not \"zmq\"")
	    != NULL, "stderr: %s", err);
}
