/*
 * handlers_backup.c: Backup (admin). Writes a consistent, compacted copy
 * of the store and its manifest into a directory on vetd's own machine
 * while vetd keeps serving: LMDB copies from a snapshot of its own, so
 * neither checks nor writes wait for it. The directory name comes from
 * an authenticated admin but is still checked: absolute, no "." or ".."
 * components, no control characters; it must not exist (it is created
 * 0700) or be empty. Runs as a read: it changes nothing in the store.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "handlers.h"
#include "log.h"
#include "rpc.h"
#include "status.h"
#include "store.h"
#include "vet_config.h"

#define BACKUP_PATH_MAX	1024

static int
path_valid(struct rpc_call *call, const char *dir)
{
	size_t len = strlen(dir);
	const char *p;

	if (len == 0 || dir[0] != '/') {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "dir must be an "
		    "absolute path on vetd's machine");
		return 0;
	}
	if (len > BACKUP_PATH_MAX) {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "dir is longer than "
		    "%d bytes", BACKUP_PATH_MAX);
		return 0;
	}
	for (p = dir; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			rpc_fail(call, STATUS_INVALID_ARGUMENT, "dir holds a "
			    "control character");
			return 0;
		}
	for (p = dir; (p = strchr(p, '/')) != NULL; p++) {
		size_t n = strcspn(p + 1, "/");
		if ((n == 1 && p[1] == '.') || (n == 2 && p[1] == '.' &&
		    p[2] == '.')) {
			rpc_fail(call, STATUS_INVALID_ARGUMENT, "dir must not "
			    "hold \".\" or \"..\" components");
			return 0;
		}
	}
	if (len > 1 && dir[len - 1] == '/') {
		rpc_fail(call, STATUS_INVALID_ARGUMENT, "dir must not end "
		    "with \"/\"");
		return 0;
	}
	return 1;
}

/* dir_fail explains why vetd cannot make or use the directory. */
static void
dir_fail(struct rpc_call *call, const char *dir, const char *what, int e)
{
	const char *hint = "";

	if (e == EROFS || e == EACCES || e == EPERM)
		hint = " (vetd.service may write only below /var/lib/vetd "
		    "and /var/backups/vetd)";
	rpc_fail(call, e == ENOSPC ? STATUS_RESOURCE_EXHAUSTED :
	    STATUS_FAILED_PRECONDITION, "cannot %s %s on vetd's machine: "
	    "%s%s", what, dir, strerror(e), hint);
}

/* prepare_dir creates dir 0700, or accepts an empty directory. */
static int
prepare_dir(struct rpc_call *call, const char *dir, int *created)
{
	struct stat sb;
	struct dirent *de;
	DIR *d;
	int empty = 1;

	*created = 0;
	if (mkdir(dir, 0700) == 0) {
		*created = 1;
		return 1;
	}
	if (errno == ENOENT) {
		rpc_fail(call, STATUS_FAILED_PRECONDITION, "the parent of %s "
		    "does not exist on vetd's machine", dir);
		return 0;
	}
	if (errno != EEXIST) {
		dir_fail(call, dir, "create", errno);
		return 0;
	}
	if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		rpc_fail(call, STATUS_FAILED_PRECONDITION, "%s exists and is "
		    "not a directory", dir);
		return 0;
	}
	if ((d = opendir(dir)) == NULL) {
		dir_fail(call, dir, "read", errno);
		return 0;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			empty = 0;
			break;
		}
	closedir(d);
	if (!empty) {
		rpc_fail(call, STATUS_FAILED_PRECONDITION, "%s is not empty: "
		    "a backup goes into a new or empty directory", dir);
		return 0;
	}
	/* Ours now: only vetd's user may read the copy. */
	if (chmod(dir, 0700) != 0 && errno != EPERM) {
		dir_fail(call, dir, "chmod", errno);
		return 0;
	}
	return 1;
}

/* discard removes what a failed backup left. */
static void
discard(const char *dir, int created)
{
	char path[BACKUP_PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", dir, BACKUP_MANIFEST);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_DATA_FILE);
	unlink(path);
	if (created)
		rmdir(dir);
}

static int64_t
monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

HANDLER(backup, BackupRequest, BackupResponse)
{
	struct rpc_call *call = closure_data;
	Vet__V1__BackupResponse resp = VET__V1__BACKUP_RESPONSE__INIT;
	struct backup_manifest m = { 0 };
	char path[BACKUP_PATH_MAX + 32], err[512];
	char *sha = NULL;
	uint8_t *head = NULL;
	int64_t start = monotonic_ms();
	int created = 0, prepared = 0, rv;

	if (!path_valid(call, input->dir) ||
	    !prepare_dir(call, input->dir, &created))
		goto fail;
	prepared = 1;
	if ((rv = store_backup_copy(call->vd->store, input->dir, err,
	    sizeof(err))) != STATUS_OK) {
		rpc_fail(call, rv, "%s", err);
		goto fail;
	}
	/* What the copy holds, read from the copy itself. */
	if ((rv = backup_inspect(input->dir, &m, 0, NULL, err,
	    sizeof(err))) != STATUS_OK) {
		rpc_fail(call, STATUS_INTERNAL, "the copy does not open: %s",
		    err);
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/%s", input->dir, STORE_DATA_FILE);
	if ((rv = backup_file_sha256(path, m.sha256, &m.size, err,
	    sizeof(err))) != STATUS_OK) {
		rpc_fail(call, STATUS_INTERNAL, "%s", err);
		goto fail;
	}
	snprintf(m.vetd_version, sizeof(m.vetd_version), "%s", VET_VERSION);
	m.created_at = call->now;
	if ((rv = backup_manifest_write(input->dir, &m, err, sizeof(err))) !=
	    STATUS_OK) {
		rpc_fail(call, rv, "%s", err);
		goto fail;
	}
	sha = rpc_alloc(call, 2 * BACKUP_HASH_SIZE + 1);
	head = rpc_alloc(call, BACKUP_HASH_SIZE);
	if (sha == NULL || head == NULL) {
		rpc_fail(call, STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto fail;
	}
	backup_hex(m.sha256, BACKUP_HASH_SIZE, sha);
	memcpy(head, m.audit_hash, BACKUP_HASH_SIZE);
	resp.dir = (char *)input->dir;
	resp.revision = m.revision;
	resp.audit_seq = m.audit_seq;
	resp.audit_last_hash.data = head;
	resp.audit_last_hash.len = BACKUP_HASH_SIZE;
	resp.created_at = m.created_at;
	resp.sha256 = sha;
	resp.size = m.size;
	resp.people = m.people;
	resp.schema = m.schema;
	log_info("backup by %s: revision %llu, %llu people, audit seq %llu, "
	    "%llu bytes written to %s in %lld ms",
	    call->principal[0] != '\0' ? call->principal : "(local)",
	    (unsigned long long)m.revision, (unsigned long long)m.people,
	    (unsigned long long)m.audit_seq, (unsigned long long)m.size,
	    input->dir, (long long)(monotonic_ms() - start));
	closure(&resp, closure_data);
	return;
fail:
	/* Nothing half-made is left behind: a directory is a backup only
	 * once its manifest is written, and this reply says it was not. */
	if (prepared) {
		log_warnx("backup to %s failed: %s", input->dir, call->message);
		discard(input->dir, created);
	}
	closure(NULL, closure_data);
}
