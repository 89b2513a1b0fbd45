/*
 * backup.h: a backup directory as vetctl backup writes it and vetd
 * --restore reads it:
 *   DIR/data.mdb       LMDB's compacted copy of the store (0600)
 *   DIR/MANIFEST.json  what the copy holds (0600):
 *     { "format": "vetd-backup-1", "vetd_version": "0.1.0",
 *       "schema": 1, "revision": 1234, "people": 1000,
 *       "audit_seq": 1300, "audit_last_hash": "<64 hex>",
 *       "created_at": "2026-11-24T01:02:03Z", "data_file": "data.mdb",
 *       "size": 1048576, "sha256": "<64 hex>" }
 * revision, people and the audit head are read from the copy itself
 * after it was made, so they describe exactly what it holds.
 */
#ifndef VETD_BACKUP_H
#define VETD_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define BACKUP_MANIFEST		"MANIFEST.json"
#define BACKUP_FORMAT		"vetd-backup-1"
#define BACKUP_HASH_SIZE	32

struct backup_manifest {
	char	vetd_version[32];
	uint32_t schema;
	uint64_t revision;
	uint64_t people;
	uint64_t audit_seq;		/* 0: the audit log is empty */
	uint8_t	audit_hash[BACKUP_HASH_SIZE];	/* of entry audit_seq */
	vtime	created_at;
	uint64_t size;			/* bytes of data.mdb */
	uint8_t	sha256[BACKUP_HASH_SIZE];	/* of data.mdb */
};

/* backup_hex writes 2 * n lowercase hex digits and a NUL into out. */
void backup_hex(const uint8_t *b, size_t n, char *out);

/*
 * backup_file_sha256 hashes the file at path; *size gets its length.
 * Returns a status_code with a sentence in err.
 */
int backup_file_sha256(const char *path, uint8_t out[BACKUP_HASH_SIZE],
    uint64_t *size, char *err, size_t errsz);

/*
 * backup_inspect opens the store copy in dir read-only (no lock file, no
 * writes) and fills m's schema, revision, people and audit head. With
 * verify_chain it also walks the whole audit chain and fails, naming the
 * first bad entry, unless it is intact and ends at the head; *verified
 * (if not NULL) gets the number of entries checked.
 */
int backup_inspect(const char *dir, struct backup_manifest *m,
    int verify_chain, uint64_t *verified, char *err, size_t errsz);

/* backup_manifest_write creates dir/MANIFEST.json 0600 (O_EXCL) and syncs
 * it and dir. */
int backup_manifest_write(const char *dir, const struct backup_manifest *m,
    char *err, size_t errsz);

/* backup_manifest_read parses dir/MANIFEST.json strictly: every field
 * present, of its type and range, and the format known. */
int backup_manifest_read(const char *dir, struct backup_manifest *m,
    char *err, size_t errsz);

#endif /* VETD_BACKUP_H */
