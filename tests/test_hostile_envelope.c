/*
 * test_hostile_envelope.c: nasty frames at the envelope level against a
 * live vetd (hostile.h): random garbage judged against what decoding it
 * must give, every prefix of a real envelope, NUL bytes and invalid UTF-8
 * in the method and request id, bad tokens, unknown methods, 100,000
 * levels of nesting, and frames at and over the cap. Each gets its exact
 * status, vetd keeps answering, and the store's revision does not move.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile.h"

/*
 * The envelope itself.
 */

/* expected_envelope says what vetd must answer to a frame that may not
 * decode: 3 when it does not, 3 for a bad request id, 12 for a method it
 * does not know; -1 when the frame is a real call (not judged here). */
static int
expected_envelope(const uint8_t *buf, size_t len)
{
	Vet__V1__RpcRequest *req;
	int code = -1;

	req = vet__v1__rpc_request__unpack(NULL, len, buf);
	if (req == NULL)
		return 3;
	const char *m = req->method;
	size_t idl = strlen(req->request_id);
	int id_ok = idl <= 64;
	for (size_t i = 0; i < idl; i++) {
		char ch = req->request_id[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			id_ok = 0;
	}
	if (!id_ok)
		code = 3;
	else if (strncmp(m, "/vet.v1.Vetting/", 16) != 0 ||
	    protobuf_c_service_descriptor_get_method_by_name(
	    &vet__v1__vetting__descriptor, m + 16) == NULL)
		code = 12;
	vet__v1__rpc_request__free_unpacked(req, NULL);
	return code;
}

Test(hostile, garbage_and_truncated_envelopes)
{
	uint64_t rev = revision();
	uint8_t buf[512], frame[512];
	uint32_t seed = 12345;
	unsigned judged = 0;

	/* 500 frames of random bytes, random lengths. */
	for (int i = 0; i < 500; i++) {
		size_t len = 1 + (seed % 300);
		for (size_t k = 0; k < len; k++) {
			seed = seed * 1103515245 + 12345;
			buf[k] = (uint8_t)(seed >> 16);
		}
		int want = expected_envelope(buf, len);
		Vet__V1__RpcResponse *r = exchange(buf, len);
		cr_assert_not_null(r, "random frame %d: no reply", i);
		if (want >= 0) {
			cr_assert_eq(r->status->code, want, "random frame %d: "
			    "%d (%s), wanted %d", i, r->status->code,
			    r->status->message, want);
			judged++;
		}
		vet__v1__rpc_response__free_unpacked(r, NULL);
	}
	/* Every prefix of a real Check envelope. */
	uint8_t payload[256];
	size_t plen = pack_base("Check", payload);
	Vet__V1__RpcRequest req = VET__V1__RPC_REQUEST__INIT;
	req.method = "/vet.v1.Vetting/Check";
	req.request_id = "rid-1";
	req.timeout_ms = 5000;
	req.payload.data = payload;
	req.payload.len = plen;
	size_t flen = vet__v1__rpc_request__pack(&req, frame);
	for (size_t cut = 1; cut < flen; cut++) {
		int want = expected_envelope(frame, cut);
		Vet__V1__RpcResponse *r = exchange(frame, cut);
		cr_assert_not_null(r, "prefix %zu: no reply", cut);
		if (want >= 0) {
			cr_assert_eq(r->status->code, want, "prefix %zu: %d "
			    "(%s), wanted %d", cut, r->status->code,
			    r->status->message, want);
			judged++;
		}
		vet__v1__rpc_response__free_unpacked(r, NULL);
	}
	cr_assert_gt(judged, 450);
	cr_assert_eq(revision(), rev);
}

Test(hostile, bad_envelope_fields)
{
	uint64_t rev = revision();
	uint8_t payload[256];
	size_t plen = pack_base("Check", payload);
	Vet__V1__RpcRequest req = VET__V1__RPC_REQUEST__INIT;
	uint8_t frame[4096];
	size_t n;

	/* A NUL inside the method must not cut it to a known name. */
	static const uint8_t nul_method[] = { 0x0a, 0x18,
	    '/', 'v', 'e', 't', '.', 'v', '1', '.', 'V', 'e', 't', 't', 'i',
	    'n', 'g', '/', 'H', 'e', 'a', 'l', 't', 'h', 0, 'X' };
	expect(exchange(nul_method, sizeof(nul_method)), 3,
	    "field method holds a NUL byte", "NUL in method");
	static const uint8_t utf8_method[] = { 0x0a, 0x03, 0xc3, 0x28, 'x' };
	expect(exchange(utf8_method, sizeof(utf8_method)), 3,
	    "field method is not valid UTF-8", "invalid UTF-8 in method");
	/* A NUL in the request id. */
	static const uint8_t nul_rid[] = { 0x0a, 0x16,
	    '/', 'v', 'e', 't', '.', 'v', '1', '.', 'V', 'e', 't', 't', 'i',
	    'n', 'g', '/', 'H', 'e', 'a', 'l', 't', 'h', 0x12, 0x03, 'a', 0,
	    'b' };
	expect(exchange(nul_rid, sizeof(nul_rid)), 3,
	    "field request_id holds a NUL byte", "NUL in request_id");

	req.method = "/vet.v1.Vetting/Check";
	req.payload.data = payload;
	req.payload.len = plen;
	/* A request id past its cap, and one with a space. */
	char rid[200];
	memset(rid, 'r', sizeof(rid) - 1);
	rid[sizeof(rid) - 1] = '\0';
	req.request_id = rid;
	n = vet__v1__rpc_request__pack(&req, frame);
	expect(exchange(frame, n), 3, "request_id", "long request_id");
	req.request_id = "a b";
	n = vet__v1__rpc_request__pack(&req, frame);
	expect(exchange(frame, n), 3, "request_id", "request_id with space");
	/* A token of garbage, and a huge one: refused, never a crash. */
	req.request_id = "";
	uint8_t tok[3000];
	memset(tok, 0xee, sizeof(tok));
	req.token.data = tok;
	req.token.len = 7;
	n = vet__v1__rpc_request__pack(&req, frame);
	expect(exchange(frame, n), 16, NULL, "garbage token");
	req.token.len = sizeof(tok);
	n = vet__v1__rpc_request__pack(&req, frame);
	expect(exchange(frame, n), 16, NULL, "huge token");
	req.token.len = 0;
	/* Unknown methods: long, control characters, the prefix alone. */
	char m[300];
	snprintf(m, sizeof(m), "/vet.v1.Vetting/%0250d", 7);
	req.method = m;
	n = vet__v1__rpc_request__pack(&req, frame);
	expect(exchange(frame, n), 12, "unknown method", "long method");
	req.method = "/vet.v1.Vetting/";
	n = vet__v1__rpc_request__pack(&req, frame);
	expect(exchange(frame, n), 12, "unknown method", "prefix only");
	req.method = "/vet.v1.Vetting/Health\x01";
	n = vet__v1__rpc_request__pack(&req, frame);
	expect(exchange(frame, n), 12, "unknown method", "control char");
	/* An empty frame: the default message, no method. */
	expect(exchange("", 0), 12, "unknown method", "empty frame");
	cr_assert_eq(revision(), rev);
}

/* nest wraps inner in depth levels of field 15 (length-delimited), from
 * the inside out, into buf; returns the length. */
static size_t
nest(uint8_t *buf, size_t size, size_t depth)
{
	size_t len = 0, start = size;

	for (size_t i = 0; i < depth; i++) {
		uint8_t hdr[12];
		size_t h = 0, v = len;
		hdr[h++] = (15 << 3) | 2;
		do {
			hdr[h++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
			v >>= 7;
		} while (v != 0);
		cr_assert_geq(start, h);
		start -= h;
		memcpy(buf + start, hdr, h);
		len += h;
	}
	memmove(buf, buf + start, len);
	return len;
}

Test(hostile, deep_nesting_and_oversized_frames)
{
	uint64_t rev = revision();
	size_t cap = 600 * 1024;
	uint8_t *buf = malloc(cap);
	uint8_t base[256];
	size_t blen = pack_base("Check", base), n;

	/* 100,000 levels of an unknown field inside a real Check: unknown
	 * fields are skipped, never recursed into; the check is answered. */
	n = nest(buf, cap - blen, 100000);
	memmove(buf + blen, buf, n);
	memcpy(buf, base, blen);
	expect(call_raw("/vet.v1.Vetting/Check", "", buf, blen + n), 0, NULL,
	    "deeply nested unknown field");
	/* The same nesting as the envelope's payload of every known
	 * message-typed field: field 15 is unknown there too. */
	n = nest(buf, cap, 100000);
	expect(exchange(buf, n), 12, "unknown method",
	    "deeply nested envelope");
	free(buf);

	/* Just under the cap and over it: the first is read (and refused
	 * for what it is), the second dropped unread; vetd serves on. */
	size_t big = FRAME_CAP + 4096;
	uint8_t *huge = calloc(1, big);
	expect(call_raw("/vet.v1.Vetting/Check", "", huge, FRAME_CAP - 256),
	    3, NULL, "a payload of zeros near the cap");
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, 1000);
	cr_assert_null(exchange(huge, big), "an oversized frame was answered");
	free(huge);
	nng_close(sock);
	open_sock();
	cr_assert_eq(revision(), rev);
}
