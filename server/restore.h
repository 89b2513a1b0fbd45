/*
 * restore.h: vetd --restore BACKUP_DIR --data-dir DATA, run with vetd
 * stopped. Refuses unless every check passes, and then changes nothing:
 *   - DATA is not in use (no process holds its LMDB lock file);
 *   - BACKUP_DIR/MANIFEST.json parses and data.mdb has its size and
 *     SHA-256;
 *   - the copy opens, and its schema, revision, people count and audit
 *     head are the manifest's; the audit chain verifies from entry 1 to
 *     the head.
 * Then data.mdb is copied (and hashed again) into a new directory beside
 * DATA, the old DATA is renamed DATA.before-restore-YYYYMMDDTHHMMSSZ, and
 * the new directory renamed DATA. The backup is left as it was.
 */
#ifndef VETD_RESTORE_H
#define VETD_RESTORE_H

/* restore_run logs each step; returns 0 on success, -1 after logging
 * why the restore was refused. */
int restore_run(const char *backup_dir, const char *data_dir);

#endif /* VETD_RESTORE_H */
