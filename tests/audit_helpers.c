/*
 * audit_helpers.c: what the audit log's end-to-end tests share (see
 * audit_helpers.h): one vetd and a libvet client per test, raw frames
 * for writes whose request id a test must know, and the log read back
 * through libvet, which checks every entry's hash.
 */
#include <criterion/criterion.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_helpers.h"
#include "vettime.h"

struct vetd_proc vetd;
vet_client *client;
nng_socket sock;
int sock_open;
char out[4 << 20], err[65536];
char conf_dir[64];

void
connect_client(void)
{
	vet_options opts = { .timeout_ms = 10000 };
	vet_status st;

	cr_assert_eq(vet_client_open(&client, vetd.url, &opts, &st), VET_OK,
	    "%s", st.message);
}

void
setup(void)
{
	cr_assert_eq(fixture_start(&vetd, NULL), 0, "vetd did not start");
	connect_client();
}

void
teardown(void)
{
	char cmd[128];

	if (sock_open)
		nng_close(sock);
	sock_open = 0;
	vet_client_close(&client);
	fixture_cleanup(&vetd);
	if (conf_dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", conf_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", conf_dir);
		conf_dir[0] = '\0';
	}
}

int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
tick(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

int64_t
date(const char *s)
{
	int64_t t;

	cr_assert_eq(vettime_parse(s, &t), 0, "%s", s);
	return t;
}

/* glob: '*' matches any run of characters. */
int
glob(const char *p, const char *s)
{
	if (*p == '\0')
		return *s == '\0';
	if (*p == '*') {
		for (;; s++) {
			if (glob(p + 1, s))
				return 1;
			if (*s == '\0')
				return 0;
		}
	}
	return *s == *p && glob(p + 1, s + 1);
}

int
vetctl_argv(const char **args)
{
	const char *argv[32];
	size_t n = 0;

	argv[n++] = test_bin("VETCTL_BIN");
	argv[n++] = "-s";
	argv[n++] = vetd.url;
	for (size_t i = 0; args[i] != NULL && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return run_cmd(argv, out, sizeof(out), err, sizeof(err));
}

/*
 * Raw frames, for writes whose request id the test must know.
 */

void
raw_open(void)
{
	if (sock_open)
		return;
	cr_assert_eq(nng_req0_open(&sock), 0);
	nng_socket_set_ms(sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, 10000);
	nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, 10000);
	cr_assert_eq(nng_dial(sock, vetd.url, NULL, 0), 0);
	sock_open = 1;
}

/* frame_call sends one request on s; the response, or NULL. */
Vet__V1__RpcResponse *
frame_call(nng_socket s, const char *method, const char *request_id,
    const ProtobufCMessage *m, const char *token)
{
	Vet__V1__RpcRequest req = VET__V1__RPC_REQUEST__INIT;
	Vet__V1__RpcResponse *resp;
	uint8_t payload[16384], buf[20000];
	char full[128];
	nng_msg *msg;
	size_t n;

	snprintf(full, sizeof(full), "/vet.v1.Vetting/%s", method);
	req.method = full;
	req.request_id = (char *)request_id;
	req.payload.data = payload;
	req.payload.len = protobuf_c_message_pack(m, payload);
	if (token != NULL) {
		req.token.data = (uint8_t *)token;
		req.token.len = strlen(token);
	}
	n = vet__v1__rpc_request__pack(&req, buf);
	if (nng_msg_alloc(&msg, 0) != 0)
		return NULL;
	nng_msg_append(msg, buf, n);
	if (nng_sendmsg(s, msg, 0) != 0) {
		nng_msg_free(msg);
		return NULL;
	}
	if (nng_recvmsg(s, &msg, 0) != 0)
		return NULL;
	resp = vet__v1__rpc_response__unpack(NULL, nng_msg_len(msg),
	    nng_msg_body(msg));
	nng_msg_free(msg);
	return resp;
}

/* raw returns the status code of one raw call (-1: no answer). */
int
raw(const char *method, const char *request_id, const ProtobufCMessage *m)
{
	Vet__V1__RpcResponse *resp;
	int code;

	raw_open();
	if ((resp = frame_call(sock, method, request_id, m, NULL)) == NULL)
		return -1;
	code = resp->status != NULL ? resp->status->code : 0;
	vet__v1__rpc_response__free_unpacked(resp, NULL);
	return code;
}

/*
 * Reading the log through libvet (which checks every hash).
 */

/* log_from: every entry with seq > after, in one page. */
vet_audit_page *
log_from(uint64_t after, const char *person)
{
	vet_audit_query q = { .after_seq = after, .limit = 1000,
	    .person_id = person };
	vet_audit_page *all, *page;
	vet_status st;

	cr_assert_not_null(all = calloc(1, sizeof(*all)));
	for (;;) {
		cr_assert_eq(vet_audit_list(client, &q, &page, &st), VET_OK,
		    "%s", st.message);
		all->entries = realloc(all->entries, (all->n_entries +
		    page->n_entries + 1) * sizeof(*all->entries));
		cr_assert_not_null(all->entries);
		if (page->n_entries > 0)
			memcpy(all->entries + all->n_entries, page->entries,
			    page->n_entries * sizeof(*page->entries));
		all->n_entries += page->n_entries;
		all->last_seq = page->last_seq;
		memcpy(all->last_hash, page->last_hash, VET_HASH_SIZE);
		q.after_seq = page->next_after_seq;
		page->n_entries = 0;		/* moved, not freed */
		vet_audit_page_free(page);
		if (q.after_seq == 0)
			return all;
	}
}

uint64_t
head(void)
{
	vet_audit_page *p = log_from(UINT64_MAX - 1, NULL);
	uint64_t seq = p->last_seq;

	vet_audit_page_free(p);
	return seq;
}

/* count_method counts entries of method (after seq after). */
size_t
count_method(const char *method, uint64_t after)
{
	vet_audit_page *p = log_from(after, NULL);
	size_t n = 0;

	for (size_t i = 0; i < p->n_entries; i++)
		n += strcmp(p->entries[i].method, method) == 0;
	vet_audit_page_free(p);
	return n;
}

void
expect_verified(uint64_t n)
{
	vet_audit_verify_result r;
	vet_status st;

	cr_assert_eq(vet_audit_verify(client, &r, &st), VET_OK, "%s",
	    st.message);
	cr_assert(r.ok, "chain broken at %llu: %s",
	    (unsigned long long)r.first_bad_seq, r.problem);
	cr_assert_eq(r.verified, n, "verified %llu, wanted %llu",
	    (unsigned long long)r.verified, (unsigned long long)n);
	cr_assert_eq(r.last_seq, n);
}

/*
 * One entry per write.
 */


char *
dump(void)
{
	vet_audit_page *p = log_from(0, NULL);
	static char buf[65536];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n_entries && n < sizeof(buf) - 512; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%llu %s %s "
		    "%s\n", (unsigned long long)p->entries[i].seq,
		    p->entries[i].method, p->entries[i].principal,
		    p->entries[i].change);
	vet_audit_page_free(p);
	return buf;
}
