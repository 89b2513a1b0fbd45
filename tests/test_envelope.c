/*
 * test_envelope.c: hand-made frames over a raw nng REQ socket against a
 * real vetd: malformed envelopes, unknown methods, payloads of the wrong
 * type, bad strings, oversized frames, and idempotent replays. Each gets
 * its exact status, and vetd keeps answering afterwards.
 */
#include <criterion/criterion.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fixture.h"
#include "rpc.pb-c.h"
#include "vetting.pb-c.h"

static struct vetd_proc vetd;
static nng_socket sock;

static void
open_sock(void)
{
	cr_assert_eq(nng_req0_open(&sock), 0);
	nng_socket_set_ms(sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, 5000);
	nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, 5000);
	cr_assert_eq(nng_dial(sock, vetd.url, NULL, 0), 0);
}

static void
setup(void)
{
	const char *extra[] = { "--max-frame", "65536", NULL };
	cr_assert_eq(fixture_start(&vetd, extra), 0, "vetd did not start");
	open_sock();
}

static void
teardown(void)
{
	nng_close(sock);
	fixture_cleanup(&vetd);
}

TestSuite(envelope, .init = setup, .fini = teardown, .timeout = 60);

/* exchange sends raw bytes and returns the decoded response (or NULL if
 * no reply came or it did not decode). */
static Vet__V1__RpcResponse *
exchange(const void *buf, size_t len)
{
	nng_msg *msg;
	Vet__V1__RpcResponse *resp;

	cr_assert_eq(nng_msg_alloc(&msg, 0), 0);
	nng_msg_append(msg, buf, len);
	if (nng_sendmsg(sock, msg, 0) != 0) {
		nng_msg_free(msg);
		return NULL;
	}
	if (nng_recvmsg(sock, &msg, 0) != 0)
		return NULL;
	resp = vet__v1__rpc_response__unpack(NULL, nng_msg_len(msg),
	    nng_msg_body(msg));
	nng_msg_free(msg);
	return resp;
}

/* call packs an envelope around payload and returns the response. */
static Vet__V1__RpcResponse *
call(const char *method, const char *request_id, const void *payload,
    size_t len)
{
	Vet__V1__RpcRequest req = VET__V1__RPC_REQUEST__INIT;
	uint8_t buf[8192];

	req.method = (char *)method;
	req.request_id = (char *)request_id;
	req.payload.data = (uint8_t *)payload;
	req.payload.len = len;
	cr_assert(vet__v1__rpc_request__get_packed_size(&req) <= sizeof(buf));
	size_t n = vet__v1__rpc_request__pack(&req, buf);
	return exchange(buf, n);
}

static Vet__V1__RpcResponse *
call_msg(const char *method, const char *request_id,
    const ProtobufCMessage *m)
{
	uint8_t buf[4096];
	size_t n = protobuf_c_message_pack(m, buf);
	return call(method, request_id, buf, n);
}

static void
expect_code(Vet__V1__RpcResponse *resp, int code, const char *needle)
{
	cr_assert_not_null(resp, "no reply");
	cr_assert_not_null(resp->status);
	cr_assert_eq(resp->status->code, code, "code %d (%s), wanted %d",
	    resp->status->code, resp->status->message, code);
	if (needle != NULL)
		cr_assert(strstr(resp->status->message, needle) != NULL,
		    "message \"%s\" lacks \"%s\"", resp->status->message,
		    needle);
	vet__v1__rpc_response__free_unpacked(resp, NULL);
}

static void
expect_serving(void)
{
	Vet__V1__HealthRequest h = VET__V1__HEALTH_REQUEST__INIT;
	expect_code(call_msg("/vet.v1.Vetting/Health", "", &h.base), 0, NULL);
}

Test(envelope, garbage_and_truncated_frames)
{
	const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x99 };
	expect_code(exchange(garbage, sizeof(garbage)), 3, "malformed frame");

	/* A valid envelope cut inside its payload field. */
	Vet__V1__RpcRequest req = VET__V1__RPC_REQUEST__INIT;
	uint8_t payload[40], buf[128];
	memset(payload, 'a', sizeof(payload));
	req.method = "/vet.v1.Vetting/Health";
	req.payload.data = payload;
	req.payload.len = sizeof(payload);
	size_t n = vet__v1__rpc_request__pack(&req, buf);
	expect_code(exchange(buf, n - 10), 3, "malformed frame");
	expect_serving();
}

Test(envelope, unknown_methods)
{
	Vet__V1__HealthRequest h = VET__V1__HEALTH_REQUEST__INIT;
	expect_code(call_msg("/vet.v1.Vetting/DropTables", "", &h.base), 12,
	    "unknown method \"/vet.v1.Vetting/DropTables\"");
	expect_code(call_msg("/other.Service/Health", "", &h.base), 12,
	    "unknown method");
	expect_code(call_msg("Health", "", &h.base), 12, "unknown method");
	expect_code(call_msg("", "", &h.base), 12, "unknown method");
	expect_serving();
}

Test(envelope, payload_of_the_wrong_type)
{
	/* Field 1 as a varint where CheckRequest has a string. */
	const uint8_t wrong[] = { 0x08, 0x96, 0x01 };
	expect_code(call("/vet.v1.Vetting/Check", "", wrong, sizeof(wrong)), 3,
	    "vet.v1.CheckRequest");
	const uint8_t junk[] = { 0x0a, 0x50, 'x' };
	expect_code(call("/vet.v1.Vetting/PutPerson", "", junk, sizeof(junk)),
	    3, "vet.v1.PutPersonRequest");
	expect_serving();
}

Test(envelope, nul_bytes_and_invalid_utf8_in_strings)
{
	/* CheckRequest{person_id: "ali\0ce", marking: "SECRET"} */
	const uint8_t nul[] = { 0x0a, 0x06, 'a', 'l', 'i', 0, 'c', 'e',
	    0x12, 0x06, 'S', 'E', 'C', 'R', 'E', 'T' };
	expect_code(call("/vet.v1.Vetting/Check", "", nul, sizeof(nul)), 3,
	    "person_id holds a NUL byte");
	/* PutPersonRequest{id: "p", display_name: "\xc3\x28"} */
	const uint8_t bad[] = { 0x0a, 0x01, 'p', 0x12, 0x02, 0xc3, 0x28 };
	expect_code(call("/vet.v1.Vetting/PutPerson", "", bad, sizeof(bad)), 3,
	    "display_name is not valid UTF-8");
	/* BatchCheckRequest{checks: [{person_id: "\xff"}]}: nested. */
	const uint8_t nested[] = { 0x0a, 0x03, 0x0a, 0x01, 0xff };
	expect_code(call("/vet.v1.Vetting/BatchCheck", "", nested,
	    sizeof(nested)), 3, "person_id is not valid UTF-8");
	expect_serving();
}

Test(envelope, bad_request_ids)
{
	Vet__V1__HealthRequest h = VET__V1__HEALTH_REQUEST__INIT;
	char longid[80];
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	expect_code(call_msg("/vet.v1.Vetting/Health", longid, &h.base), 3,
	    "request_id");
	expect_code(call_msg("/vet.v1.Vetting/Health", "a b", &h.base), 3,
	    "request_id");
	expect_serving();
}

Test(envelope, oversized_frame_is_refused_before_decoding)
{
	/* Above --max-frame 65536: nng drops the connection unread, the
	 * sender hears nothing; vetd keeps serving others. */
	size_t big = 100 * 1024;
	uint8_t *buf = calloc(1, big);
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, 1000);
	cr_assert_null(exchange(buf, big));
	free(buf);
	nng_close(sock);
	open_sock();
	expect_serving();
}

Test(envelope, a_resent_write_is_done_once)
{
	Vet__V1__PutPersonRequest put = VET__V1__PUT_PERSON_REQUEST__INIT;
	Vet__V1__RecordLeaverRequest lv = VET__V1__RECORD_LEAVER_REQUEST__INIT;
	Vet__V1__RpcResponse *first, *again;

	put.id = "r1";
	put.display_name = "Resend Test";
	expect_code(call_msg("/vet.v1.Vetting/PutPerson", "id-put-1",
	    &put.base), 0, NULL);
	lv.person_id = "r1";
	lv.reason = "left";
	first = call_msg("/vet.v1.Vetting/RecordLeaver", "id-leaver-1",
	    &lv.base);
	cr_assert_not_null(first);
	cr_assert_eq(first->status->code, 0, "%s", first->status->message);
	/* The same request id again: the stored reply, not a second write
	 * (which would fail: already a leaver). */
	again = call_msg("/vet.v1.Vetting/RecordLeaver", "id-leaver-1",
	    &lv.base);
	cr_assert_not_null(again);
	cr_assert_eq(again->status->code, 0, "%s", again->status->message);
	cr_assert_eq(again->revision, first->revision);
	cr_assert_eq(again->payload.len, first->payload.len);
	cr_assert_eq(memcmp(again->payload.data, first->payload.data,
	    first->payload.len), 0);
	vet__v1__rpc_response__free_unpacked(first, NULL);
	vet__v1__rpc_response__free_unpacked(again, NULL);
	/* A new request id really runs again. */
	expect_code(call_msg("/vet.v1.Vetting/RecordLeaver", "id-leaver-2",
	    &lv.base), 9, "already recorded as a leaver");
	/* The same id for a different request is refused. */
	lv.reason = "something else";
	expect_code(call_msg("/vet.v1.Vetting/RecordLeaver", "id-leaver-1",
	    &lv.base), 3, "already used for a different request");
	/* The replay survives a restart: it is stored with the write. */
	nng_close(sock);
	cr_assert_eq(fixture_stop(&vetd), 0);
	const char *extra[] = { "--max-frame", "65536", NULL };
	cr_assert_eq(fixture_restart(&vetd, extra), 0);
	open_sock();
	lv.reason = "left";
	again = call_msg("/vet.v1.Vetting/RecordLeaver", "id-leaver-1",
	    &lv.base);
	cr_assert_not_null(again);
	cr_assert_eq(again->status->code, 0, "%s", again->status->message);
	vet__v1__rpc_response__free_unpacked(again, NULL);
}
