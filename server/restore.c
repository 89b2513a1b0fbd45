/*
 * restore.c: vetd --restore (see restore.h). The backup directory is
 * untrusted input from disk: its manifest is parsed strictly and believed
 * only when the data file's checksum and the copy itself agree with it.
 * Runs in its own process with vetd stopped; never opens the live
 * environment, only checks that nobody holds its lock.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mbedtls/sha256.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "log.h"
#include "restore.h"
#include "status.h"
#include "store.h"

#define COPY_CHUNK	(1024 * 1024)
#define ERR_MAX		(2 * PATH_MAX + 512)	/* a message naming two paths */

/* path_fmt formats a path; -1 when it does not fit. */
static int __attribute__((format(printf, 3, 4)))
path_fmt(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/*
 * data_in_use: does a process hold DATA's LMDB lock file? Every process
 * with the environment open keeps a shared fcntl lock on its first byte
 * (LMDB's mdb_env_excl_lock), so asking for a write lock there conflicts.
 */
static int
data_in_use(const char *data_dir, pid_t *holder)
{
	char path[PATH_MAX];
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
	    .l_start = 0, .l_len = 1 };
	int fd, busy;

	if (path_fmt(path, sizeof(path), "%s/lock.mdb", data_dir) != 0)
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return errno == ENOENT ? 0 : -1;
	busy = fcntl(fd, F_GETLK, &fl) == 0 ? fl.l_type != F_UNLCK : -1;
	if (busy == 1)
		*holder = fl.l_pid;
	close(fd);
	return busy;
}

/* same_as_manifest compares what the copy holds with what was promised. */
static int
same_as_manifest(const struct backup_manifest *want,
    const struct backup_manifest *got, char *err, size_t errsz)
{
	if (got->schema != want->schema)
		snprintf(err, errsz, "the copy has schema %u, the manifest "
		    "says %u", got->schema, want->schema);
	else if (got->revision != want->revision)
		snprintf(err, errsz, "the copy is at revision %llu, the "
		    "manifest says %llu", (unsigned long long)got->revision,
		    (unsigned long long)want->revision);
	else if (got->people != want->people)
		snprintf(err, errsz, "the copy holds %llu people, the manifest "
		    "says %llu", (unsigned long long)got->people,
		    (unsigned long long)want->people);
	else if (got->audit_seq != want->audit_seq ||
	    memcmp(got->audit_hash, want->audit_hash, BACKUP_HASH_SIZE) != 0)
		snprintf(err, errsz, "the copy's audit log ends at entry %llu, "
		    "not at the manifest's entry %llu and hash",
		    (unsigned long long)got->audit_seq,
		    (unsigned long long)want->audit_seq);
	else
		return 1;
	return 0;
}

/*
 * copy_file copies src to a new file dst (0600), hashing what it wrote,
 * and syncs it.
 */
static int
copy_file(const char *src, const char *dst, uint8_t sha[BACKUP_HASH_SIZE],
    char *err, size_t errsz)
{
	mbedtls_sha256_context ctx;
	char *buf = NULL;
	int in = -1, out = -1, rv = -1;
	ssize_t n;

	mbedtls_sha256_init(&ctx);
	mbedtls_sha256_starts_ret(&ctx, 0);
	if ((buf = malloc(COPY_CHUNK)) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto done;
	}
	if ((in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1 ||
	    (out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1) {
		snprintf(err, errsz, "cannot open %s: %s", in == -1 ? src : dst,
		    strerror(errno));
		goto done;
	}
	for (;;) {
		n = read(in, buf, COPY_CHUNK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errsz, "cannot read %s: %s", src,
			    strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		mbedtls_sha256_update_ret(&ctx, (uint8_t *)buf, (size_t)n);
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w == -1 && errno == EINTR)
				continue;
			if (w == -1) {
				snprintf(err, errsz, "cannot write %s: %s", dst,
				    strerror(errno));
				goto done;
			}
			off += w;
		}
	}
	if (fsync(out) != 0) {
		snprintf(err, errsz, "cannot sync %s: %s", dst,
		    strerror(errno));
		goto done;
	}
	mbedtls_sha256_finish_ret(&ctx, sha);
	rv = 0;
done:
	mbedtls_sha256_free(&ctx);
	if (in != -1)
		close(in);
	if (out != -1 && close(out) != 0 && rv == 0) {
		snprintf(err, errsz, "cannot close %s: %s", dst,
		    strerror(errno));
		rv = -1;
	}
	free(buf);
	return rv;
}

static int
sync_path(const char *dir)
{
	int fd, rv;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rv = fsync(fd);
	close(fd);
	return rv;
}

/* parent_of writes the directory holding path ("." when none). */
static void
parent_of(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(out, size, ".");
	else if (slash == path)
		snprintf(out, size, "/");
	else
		snprintf(out, size, "%.*s", (int)(slash - path), path);
}

/*
 * verify_backup checks the backup directory against its manifest and
 * fills *m with the manifest; *verified gets the audit entries checked.
 */
static int
verify_backup(const char *backup_dir, struct backup_manifest *m,
    uint64_t *verified)
{
	struct backup_manifest got = { 0 };
	char path[PATH_MAX], err[ERR_MAX];
	uint8_t sha[BACKUP_HASH_SIZE];
	uint64_t size;

	if (backup_manifest_read(backup_dir, m, err, sizeof(err)) != 0) {
		log_warnx("restore refused: %s", err);
		return -1;
	}
	if (path_fmt(path, sizeof(path), "%s/%s", backup_dir,
	    STORE_DATA_FILE) != 0) {
		log_warnx("restore refused: the backup path is too long");
		return -1;
	}
	if (backup_file_sha256(path, sha, &size, err, sizeof(err)) != 0) {
		log_warnx("restore refused: %s", err);
		return -1;
	}
	if (size != m->size || memcmp(sha, m->sha256, sizeof(sha)) != 0) {
		log_warnx("restore refused: %s does not match its manifest "
		    "(%llu bytes, manifest says %llu; or a different "
		    "SHA-256): the copy was changed or damaged", path,
		    (unsigned long long)size, (unsigned long long)m->size);
		return -1;
	}
	if (backup_inspect(backup_dir, &got, 1, verified, err,
	    sizeof(err)) != 0) {
		log_warnx("restore refused: %s", err);
		return -1;
	}
	if (!same_as_manifest(m, &got, err, sizeof(err))) {
		log_warnx("restore refused: %s", err);
		return -1;
	}
	return 0;
}

int
restore_run(const char *backup_dir, const char *data_dir_arg)
{
	struct backup_manifest m;
	char data_dir[PATH_MAX], parent[PATH_MAX], tmp[PATH_MAX];
	char old[PATH_MAX], src[PATH_MAX], dst[PATH_MAX], when[32];
	char err[ERR_MAX] = "";
	uint8_t sha[BACKUP_HASH_SIZE];
	uint64_t verified = 0;
	struct stat sb;
	struct tm tm;
	time_t now = time(NULL);
	pid_t holder = 0;
	int have_old, busy, made_tmp = 0;
	size_t len;

	if (path_fmt(data_dir, sizeof(data_dir) - 64, "%s", data_dir_arg) !=
	    0) {
		log_warnx("restore refused: the data directory's path is too "
		    "long");
		return -1;
	}
	while ((len = strlen(data_dir)) > 1 && data_dir[len - 1] == '/')
		data_dir[len - 1] = '\0';
	if ((busy = data_in_use(data_dir, &holder)) != 0) {
		if (busy > 0)
			log_warnx("restore refused: %s is in use by process "
			    "%ld; stop vetd first (systemctl stop vetd)",
			    data_dir, (long)holder);
		else
			log_warn("restore refused: cannot check whether %s is "
			    "in use", data_dir);
		return -1;
	}
	if (verify_backup(backup_dir, &m, &verified) != 0)
		return -1;
	log_info("restore: %s verified: revision %llu, %llu people, audit "
	    "chain of %llu entries intact up to entry %llu", backup_dir,
	    (unsigned long long)m.revision, (unsigned long long)m.people,
	    (unsigned long long)verified, (unsigned long long)m.audit_seq);

	/* The copy goes into a new directory beside DATA first. */
	parent_of(data_dir, parent, sizeof(parent));
	path_fmt(tmp, sizeof(tmp), "%s.restoring-%ld", data_dir,
	    (long)getpid());
	path_fmt(src, sizeof(src), "%s/%s", backup_dir, STORE_DATA_FILE);
	path_fmt(dst, sizeof(dst), "%s/%s", tmp, STORE_DATA_FILE);
	if (mkdir(tmp, 0700) != 0) {
		log_warn("restore refused: cannot create %s", tmp);
		goto fail;
	}
	made_tmp = 1;
	if (copy_file(src, dst, sha, err, sizeof(err)) != 0 ||
	    memcmp(sha, m.sha256, sizeof(sha)) != 0 || sync_path(tmp) != 0) {
		log_warnx("restore failed: %s", err[0] != '\0' ? err :
		    "the copy changed while it was read");
		goto fail;
	}

	/* Then the old DATA moves aside and the new one into its place. */
	have_old = lstat(data_dir, &sb) == 0;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
	path_fmt(old, sizeof(old), "%s.before-restore-%s", data_dir, when);
	if (have_old && geteuid() == 0 && (chown(tmp, sb.st_uid,
	    sb.st_gid) != 0 || chown(dst, sb.st_uid, sb.st_gid) != 0))
		log_warn("restore: cannot give %s to uid %ld", tmp,
		    (long)sb.st_uid);
	if (have_old && rename(data_dir, old) != 0) {
		log_warn("restore failed: cannot move %s aside to %s", data_dir,
		    old);
		goto fail;
	}
	if (rename(tmp, data_dir) != 0) {
		log_warn("restore failed: cannot rename %s to %s", tmp,
		    data_dir);
		if (have_old && rename(old, data_dir) != 0)
			log_warn("restore: and cannot put %s back at %s", old,
			    data_dir);
		goto fail;
	}
	if (sync_path(parent) != 0)
		log_warn("restore: cannot sync %s", parent);
	log_info("restore: revision %llu restored into %s%s%s", (unsigned
	    long long)m.revision, data_dir, have_old ? "; the previous data "
	    "is kept in " : "", have_old ? old : "");
	return 0;
fail:
	if (made_tmp) {
		unlink(dst);
		rmdir(tmp);
	}
	return -1;
}
