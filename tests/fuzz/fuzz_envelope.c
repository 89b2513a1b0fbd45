/*
 * fuzz_envelope.c: libFuzzer target for the whole request path without a
 * network: each input is one frame as a listener would hand it to
 * rpc_handle (envelope decode, request id, method lookup, authentication,
 * wire validation, payload decode, the handler, and for writes the writer
 * thread and an LMDB write transaction). The store lives in a temporary
 * directory opened once; the caller is the local owner on ipc, so every
 * method is reachable. Backup is skipped: it writes a directory named by
 * the input, which a fuzzer must not do to the machine it runs on.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "auth.h"
#include "config.h"
#include "log.h"
#include "rpc.h"
#include "rpc.pb-c.h"
#include "status.h"
#include "store.h"
#include "writer.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vetd vd;
static struct config config;
static struct rpc_call call;
static char dir[64];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int finished;

static void
done(struct rpc_call *c)
{
	(void)c;
	pthread_mutex_lock(&mu);
	finished = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
}

static void
cleanup(void)
{
	char cmd[128];

	writer_stop(&vd.writer);
	rpc_call_fini(&call);
	auth_free(&vd.auth);
	audit_log_close(&vd.audit);
	store_close(&vd.store);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_envelope: could not remove %s\n", dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct store_options so = { 0 };
	char err[256];

	(void)argc;
	(void)argv;
	/* tmpfs when there is one: fsync there costs nothing. */
	snprintf(dir, sizeof(dir), "%s/vetd-fuzz-XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	log_init(0, LOG_LEVEL_ERROR);
	config_defaults(&config);
	so.dir = dir;
	so.map_size = 64u << 20;
	if (store_open(&so, &vd.store, err, sizeof(err)) != STATUS_OK) {
		fprintf(stderr, "fuzz_envelope: %s\n", err);
		exit(1);
	}
	vd.policy = &config.policy;
	vd.config = &config;
	if (auth_create(&vd.auth) != 0 || audit_log_open(&vd.audit) != 0 ||
	    writer_start(&vd, &vd.writer) != 0 ||
	    rpc_call_init(&call, &vd) != 0) {
		fprintf(stderr, "fuzz_envelope: set-up failed\n");
		exit(1);
	}
	auth_configure(vd.auth, &config);
	call.done = done;
	atexit(cleanup);
	return 0;
}

/* is_backup: the frame names the Backup method (see the header). */
static int
is_backup(const uint8_t *data, size_t size)
{
	Vet__V1__RpcRequest *req;
	int backup = 0;

	req = vet__v1__rpc_request__unpack(NULL, size, data);
	if (req == NULL)
		return 0;
	backup = strstr(req->method, "Backup") != NULL;
	vet__v1__rpc_request__free_unpacked(req, NULL);
	return backup;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20) || is_backup(data, size))
		return -1;	/* over the frame cap: never reaches rpc_handle */
	call.peer_ipc = 1;
	call.peer_uid = (uint64_t)geteuid();
	finished = 0;
	if (rpc_handle(&call, data, size) == 0) {
		pthread_mutex_lock(&mu);
		while (!finished)
			pthread_cond_wait(&cv, &mu);
		pthread_mutex_unlock(&mu);
	}
	/* Every frame gets a reply that decodes. */
	Vet__V1__RpcResponse *resp = vet__v1__rpc_response__unpack(NULL,
	    call.reply_len, call.reply);
	if (resp == NULL || resp->status == NULL)
		abort();
	vet__v1__rpc_response__free_unpacked(resp, NULL);
	rpc_call_release(&call);
	return 0;
}
