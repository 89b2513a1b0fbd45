/*
 * backup.c: backup directories (see backup.h): the data file's checksum,
 * the manifest, and what a copy holds. A manifest being read is untrusted
 * (it may have been edited or damaged): it is size-capped, parsed
 * strictly, and only believed once the data file's checksum and the copy
 * itself agree with it (restore.c). Used by the Backup handler and by
 * vetd --restore; never touches the live store.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <mbedtls/sha256.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "backup.h"
#include "status.h"
#include "store.h"
#include "vettime.h"

#define MANIFEST_MAX	(64 * 1024)	/* bytes; ours are under 1 KiB */
#define READ_CHUNK	(1024 * 1024)

void
backup_hex(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* unhex reads exactly 2 * n lowercase hex digits. */
static int
unhex(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
backup_file_sha256(const char *path, uint8_t out[BACKUP_HASH_SIZE],
    uint64_t *size, char *err, size_t errsz)
{
	mbedtls_sha256_context ctx;
	uint8_t *buf = NULL;
	uint64_t total = 0;
	ssize_t n;
	int fd, rv = STATUS_OK;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		snprintf(err, errsz, "cannot open %s: %s", path,
		    strerror(errno));
		return errno == ENOENT ? STATUS_NOT_FOUND :
		    STATUS_FAILED_PRECONDITION;
	}
	if ((buf = malloc(READ_CHUNK)) == NULL) {
		close(fd);
		snprintf(err, errsz, "out of memory");
		return STATUS_RESOURCE_EXHAUSTED;
	}
	mbedtls_sha256_init(&ctx);
	mbedtls_sha256_starts_ret(&ctx, 0);
	for (;;) {
		n = read(fd, buf, READ_CHUNK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errsz, "cannot read %s: %s", path,
			    strerror(errno));
			rv = STATUS_DATA_LOSS;
			goto done;
		}
		if (n == 0)
			break;
		mbedtls_sha256_update_ret(&ctx, buf, (size_t)n);
		total += (uint64_t)n;
	}
	mbedtls_sha256_finish_ret(&ctx, out);
	*size = total;
done:
	mbedtls_sha256_free(&ctx);
	free(buf);
	close(fd);
	return rv;
}

/* chain_entry feeds one stored audit entry to the verifier. */
static int
chain_entry(uint64_t seq, const uint8_t *buf, size_t len, void *arg)
{
	return audit_verify_entry(arg, seq, buf, len);
}

int
backup_inspect(const char *dir, struct backup_manifest *m,
    int verify_chain, uint64_t *verified, char *err, size_t errsz)
{
	struct store_options so = { .dir = dir, .read_only = 1 };
	struct store *s = NULL;
	struct store_txn *t = NULL;
	struct audit_verify v;
	int rv;

	if ((rv = store_open(&so, &s, err, errsz)) != STATUS_OK)
		return rv;
	if ((rv = store_read_begin(s, &t)) != STATUS_OK) {
		snprintf(err, errsz, "cannot read the store in %s", dir);
		goto done;
	}
	m->schema = store_schema(s);	/* as found: older copies restore too */
	m->revision = store_txn_revision(t);
	if ((rv = store_people_count(t, &m->people)) != STATUS_OK) {
		snprintf(err, errsz, "cannot count the people in %s", dir);
		goto done;
	}
	if ((rv = store_audit_head(t, &m->audit_seq, m->audit_hash)) !=
	    STATUS_OK) {
		snprintf(err, errsz, "the audit log's head in %s is damaged",
		    dir);
		goto done;
	}
	if (!verify_chain)
		goto done;
	audit_verify_init(&v);
	rv = store_audit_scan(t, 0, chain_entry, &v);
	if (rv != STATUS_OK && rv != 1) {
		snprintf(err, errsz, "cannot read the audit log in %s", dir);
		goto done;
	}
	audit_verify_finish(&v, m->audit_seq, m->audit_hash);
	if (verified != NULL)
		*verified = v.verified;
	if (!v.ok) {
		snprintf(err, errsz, "the audit chain in %s is broken at "
		    "entry %llu: %s", dir, (unsigned long long)v.first_bad,
		    v.problem);
		rv = STATUS_DATA_LOSS;
		goto done;
	}
	rv = STATUS_OK;
done:
	store_read_end(t);
	store_close(&s);
	return rv;
}

/* sync_dir makes a new directory entry durable. */
static int
sync_dir(const char *dir)
{
	int fd, rv;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rv = fsync(fd);
	close(fd);
	return rv;
}

int
backup_manifest_write(const char *dir, const struct backup_manifest *m,
    char *err, size_t errsz)
{
	char path[4200], when[32], audit_hex[2 * BACKUP_HASH_SIZE + 1];
	char sha_hex[2 * BACKUP_HASH_SIZE + 1];
	json_t *o;
	char *text = NULL;
	size_t len, off = 0;
	int fd = -1, rv = STATUS_INTERNAL;

	snprintf(path, sizeof(path), "%s/%s", dir, BACKUP_MANIFEST);
	vettime_format(m->created_at, when, sizeof(when));
	backup_hex(m->audit_hash, BACKUP_HASH_SIZE, audit_hex);
	backup_hex(m->sha256, BACKUP_HASH_SIZE, sha_hex);
	o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:I, "
	    "s:s}",
	    "format", BACKUP_FORMAT,
	    "vetd_version", m->vetd_version,
	    "schema", (json_int_t)m->schema,
	    "revision", (json_int_t)m->revision,
	    "people", (json_int_t)m->people,
	    "audit_seq", (json_int_t)m->audit_seq,
	    "audit_last_hash", audit_hex,
	    "created_at", when,
	    "data_file", STORE_DATA_FILE,
	    "size", (json_int_t)m->size,
	    "sha256", sha_hex);
	if (o == NULL || (text = json_dumps(o, JSON_INDENT(2) |
	    JSON_PRESERVE_ORDER)) == NULL) {
		snprintf(err, errsz, "cannot build the manifest");
		goto done;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1) {
		snprintf(err, errsz, "cannot create %s: %s", path,
		    strerror(errno));
		rv = STATUS_FAILED_PRECONDITION;
		goto done;
	}
	len = strlen(text);
	text[len++] = '\n';	/* json_dumps leaves room: we replace the NUL */
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errsz, "cannot write %s: %s", path,
			    strerror(errno));
			rv = errno == ENOSPC ? STATUS_RESOURCE_EXHAUSTED :
			    STATUS_INTERNAL;
			goto done;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0 || sync_dir(dir) != 0) {
		snprintf(err, errsz, "cannot sync %s: %s", path,
		    strerror(errno));
		goto done;
	}
	rv = STATUS_OK;
done:
	if (fd != -1)
		close(fd);
	if (rv != STATUS_OK && fd != -1)
		unlink(path);
	free(text);
	json_decref(o);
	return rv;
}

/* get_u64 reads a whole number field in [0, max]. */
static int
get_u64(json_t *o, const char *key, uint64_t max, uint64_t *out, char *err,
    size_t errsz)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max) {
		snprintf(err, errsz, "manifest field \"%s\" is missing or not "
		    "a whole number in range", key);
		return -1;
	}
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static const char *
get_str(json_t *o, const char *key, char *err, size_t errsz)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v)) {
		snprintf(err, errsz, "manifest field \"%s\" is missing or not "
		    "a string", key);
		return NULL;
	}
	return json_string_value(v);
}

int
backup_manifest_read(const char *dir, struct backup_manifest *out,
    char *err, size_t errsz)
{
	struct backup_manifest m = { 0 };
	char path[4200];
	json_error_t jerr;
	json_t *o = NULL;
	const char *s;
	struct stat sb;
	uint64_t v;
	int64_t when;
	int rv = STATUS_FAILED_PRECONDITION;

	snprintf(path, sizeof(path), "%s/%s", dir, BACKUP_MANIFEST);
	if (lstat(path, &sb) != 0) {
		snprintf(err, errsz, "%s: %s (is %s a backup made by vetctl "
		    "backup?)", path, strerror(errno), dir);
		return errno == ENOENT ? STATUS_NOT_FOUND : rv;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > MANIFEST_MAX) {
		snprintf(err, errsz, "%s is not a manifest (not a regular "
		    "file, or larger than %d bytes)", path, MANIFEST_MAX);
		return rv;
	}
	if ((o = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL || !json_is_object(o)) {
		snprintf(err, errsz, "%s is not valid JSON: line %d: %s", path,
		    jerr.line, o == NULL ? jerr.text : "not an object");
		goto done;
	}
	if ((s = get_str(o, "format", err, errsz)) == NULL)
		goto done;
	if (strcmp(s, BACKUP_FORMAT) != 0) {
		snprintf(err, errsz, "%s has format \"%.40s\"; this vetd reads "
		    "%s", path, s, BACKUP_FORMAT);
		goto done;
	}
	if ((s = get_str(o, "vetd_version", err, errsz)) == NULL)
		goto done;
	snprintf(m.vetd_version, sizeof(m.vetd_version), "%s", s);
	if (get_u64(o, "schema", UINT32_MAX, &v, err, errsz) != 0)
		goto done;
	m.schema = (uint32_t)v;
	if (get_u64(o, "revision", INT64_MAX, &m.revision, err, errsz) != 0 ||
	    get_u64(o, "people", INT64_MAX, &m.people, err, errsz) != 0 ||
	    get_u64(o, "audit_seq", INT64_MAX, &m.audit_seq, err, errsz) !=
	    0 || get_u64(o, "size", INT64_MAX, &m.size, err, errsz) != 0)
		goto done;
	if ((s = get_str(o, "audit_last_hash", err, errsz)) == NULL)
		goto done;
	if (unhex(s, m.audit_hash, BACKUP_HASH_SIZE) != 0) {
		snprintf(err, errsz, "manifest field \"audit_last_hash\" is "
		    "not 64 hex digits");
		goto done;
	}
	if ((s = get_str(o, "sha256", err, errsz)) == NULL)
		goto done;
	if (unhex(s, m.sha256, BACKUP_HASH_SIZE) != 0) {
		snprintf(err, errsz, "manifest field \"sha256\" is not 64 hex "
		    "digits");
		goto done;
	}
	if ((s = get_str(o, "data_file", err, errsz)) == NULL)
		goto done;
	if (strcmp(s, STORE_DATA_FILE) != 0) {
		snprintf(err, errsz, "manifest field \"data_file\" must be %s",
		    STORE_DATA_FILE);
		goto done;
	}
	if ((s = get_str(o, "created_at", err, errsz)) == NULL)
		goto done;
	if (vettime_parse(s, &when) != 0) {
		snprintf(err, errsz, "manifest field \"created_at\" is not a "
		    "time");
		goto done;
	}
	m.created_at = when;
	*out = m;
	rv = STATUS_OK;
done:
	json_decref(o);
	return rv;
}
