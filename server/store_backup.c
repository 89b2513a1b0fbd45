/*
 * store_backup.c: the store's part of a hot backup (see store.h). The copy
 * is LMDB's own compacting copy, which walks a read snapshot of its own,
 * so writers are never blocked; it is written into a file this process
 * creates 0600 with O_EXCL. Trusts its caller for the directory (the
 * handler made it, 0700, empty).
 */
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "status.h"
#include "store_internal.h"

int
store_backup_copy(struct store *s, const char *dir, char *err, size_t errsz)
{
	char path[4200];
	int fd, rc, rv = STATUS_OK;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
	    STORE_DATA_FILE) >= sizeof(path)) {
		snprintf(err, errsz, "backup path %s is too long", dir);
		return STATUS_INVALID_ARGUMENT;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1) {
		snprintf(err, errsz, "cannot create %s: %s", path,
		    strerror(errno));
		return errno == ENOSPC ? STATUS_RESOURCE_EXHAUSTED :
		    STATUS_FAILED_PRECONDITION;
	}
	/*
	 * The caller holds a read txn through the gate (a read handler), so
	 * the map cannot be resized under LMDB's copy, whose own read txn
	 * does not pass the gate.
	 */
	if ((rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT)) != 0) {
		snprintf(err, errsz, "cannot copy the store to %s: %s", path,
		    mdb_strerror(rc));
		rv = rc == ENOSPC ? STATUS_RESOURCE_EXHAUSTED : STATUS_INTERNAL;
	} else if (fsync(fd) != 0) {
		snprintf(err, errsz, "cannot sync %s: %s", path,
		    strerror(errno));
		rv = errno == ENOSPC ? STATUS_RESOURCE_EXHAUSTED :
		    STATUS_INTERNAL;
	}
	if (close(fd) != 0 && rv == STATUS_OK) {
		snprintf(err, errsz, "cannot close %s: %s", path,
		    strerror(errno));
		rv = STATUS_INTERNAL;
	}
	if (rv != STATUS_OK)
		unlink(path);
	return rv;
}

int
store_people_count(struct store_txn *t, uint64_t *out)
{
	MDB_stat st;
	int rc;

	if ((rc = mdb_stat(t->txn, t->s->people, &st)) != MDB_SUCCESS)
		return store_txn_result(t, rc);
	*out = st.ms_entries;
	return STATUS_OK;
}
