/*
 * auth_fixture.c: shared helpers of the authentication tests (see
 * auth_fixture.h).
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth_fixture.h"

void
ta_write(const char *path, const char *text, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	cr_assert(fd >= 0, "cannot create %s", path);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	cr_assert_eq(fchmod(fd, (mode_t)mode), 0);
	close(fd);
}

int
ta_file_has(const char *path, const char *needle)
{
	return ta_file_has_bytes(path, needle, strlen(needle));
}

int
ta_file_has_bytes(const char *path, const void *needle, size_t n)
{
	FILE *f = fopen(path, "rb");
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int found;

	if (f == NULL)
		return 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			cr_assert_not_null(buf = realloc(buf, cap));
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		if (got == 0)
			break;
		len += got;
	}
	fclose(f);
	found = len >= n && memmem(buf, len, needle, n) != NULL;
	free(buf);
	return found;
}

int
ta_port(const struct vetd_proc *v, const char *prefix)
{
	FILE *f = fopen(v->log_path, "r");
	char line[1024], *p;
	int port = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if ((p = strstr(line, "listening on ")) != NULL &&
		    strncmp(p + 13, prefix, strlen(prefix)) == 0 &&
		    (p = strstr(p, "(port ")) != NULL)
			port = (int)strtol(p + 6, NULL, 10);
	fclose(f);
	return port;
}

int
ta_init_admin(const struct vetd_proc *v, const char *name,
    char token[TOKEN_SIZE], char *err, size_t errsz)
{
	const char *argv[] = { test_bin("VETD_BIN"), "--init-admin", name,
	    "--data-dir", v->data_dir, NULL };
	char out[TOKEN_SIZE];
	int rv;

	rv = run_cmd(argv, out, sizeof(out), err, errsz);
	out[strcspn(out, "\n")] = '\0';
	memcpy(token, out, TOKEN_SIZE);
	return rv;
}

void
ta_start(struct vetd_proc *v, const char *config, const char *admin_name,
    char admin[TOKEN_SIZE], const char *const *extra)
{
	const char *args[24];
	char conf[400], err[1024];
	size_t n = 0;

	cr_assert_eq(fixture_prepare(v), 0);
	if (config != NULL) {
		snprintf(conf, sizeof(conf), "%s/vetd.conf", v->dir);
		ta_write(conf, config, 0600);
		args[n++] = "-c";
		args[n++] = conf;
	}
	for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 22; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	if (admin_name != NULL)
		cr_assert_eq(ta_init_admin(v, admin_name, admin, err,
		    sizeof(err)), 0, "--init-admin: %s", err);
	cr_assert_eq(fixture_launch(v, args, admin_name != NULL ? admin :
	    NULL), 0, "vetd did not start; see %s", v->log_path);
}

void
ta_dial(nng_socket *s, const char *url)
{
	cr_assert_eq(nng_req0_open(s), 0);
	nng_socket_set_ms(*s, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_ms(*s, NNG_OPT_RECVTIMEO, 5000);
	nng_socket_set_ms(*s, NNG_OPT_SENDTIMEO, 5000);
	cr_assert_eq(nng_dial(*s, url, NULL, 0), 0, "cannot dial %s", url);
}

Vet__V1__RpcResponse *
ta_call(nng_socket s, const char *method, const char *rid, const char *token,
    const ProtobufCMessage *payload)
{
	Vet__V1__RpcRequest req = VET__V1__RPC_REQUEST__INIT;
	Vet__V1__RpcResponse *resp;
	uint8_t pbuf[4096];
	char name[128];
	nng_msg *msg;
	size_t n = 0;

	snprintf(name, sizeof(name), "/vet.v1.Vetting/%s", method);
	if (payload != NULL) {
		cr_assert(protobuf_c_message_get_packed_size(payload) <=
		    sizeof(pbuf));
		n = protobuf_c_message_pack(payload, pbuf);
	}
	req.method = name;
	req.request_id = (char *)(rid != NULL ? rid : "");
	req.token.data = (uint8_t *)token;
	req.token.len = token != NULL ? strlen(token) : 0;
	req.payload.data = pbuf;
	req.payload.len = n;
	cr_assert_eq(nng_msg_alloc(&msg,
	    vet__v1__rpc_request__get_packed_size(&req)), 0);
	vet__v1__rpc_request__pack(&req, nng_msg_body(msg));
	cr_assert_eq(nng_sendmsg(s, msg, 0), 0, "cannot send %s", method);
	cr_assert_eq(nng_recvmsg(s, &msg, 0), 0, "no answer to %s", method);
	resp = vet__v1__rpc_response__unpack(NULL, nng_msg_len(msg),
	    nng_msg_body(msg));
	nng_msg_free(msg);
	cr_assert_not_null(resp, "%s: the answer does not decode", method);
	cr_assert_not_null(resp->status, "%s: no status", method);
	return resp;
}

int
ta_code(nng_socket s, const char *method, const char *token,
    const ProtobufCMessage *payload, char *msg, size_t msgsz)
{
	Vet__V1__RpcResponse *resp = ta_call(s, method, NULL, token, payload);
	int code = resp->status->code;

	if (msg != NULL)
		snprintf(msg, msgsz, "%s", resp->status->message);
	vet__v1__rpc_response__free_unpacked(resp, NULL);
	return code;
}
