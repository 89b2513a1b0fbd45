/*
 * powercut.c: an LD_PRELOAD library that simulates a power cut under
 * vetd's LMDB file, for tests/test_crash.c's second mode.
 *
 * Writes to POWERCUT_DIR/data.mdb (pwrite, pwritev, write, writev after
 * lseek) go to the file as usual, so the page cache and LMDB's map see
 * them at once, but the bytes they replace are kept in an undo log, as
 * if the new bytes sat in a volatile disk cache. A sync point (fdatasync
 * or fsync of the file, or a write on a descriptor opened O_DSYNC, which
 * is how LMDB writes its meta page) empties the log: those writes are
 * durable. At sync point POWERCUT_AT the power fails instead: each
 * 512-byte sector written since the last completed sync independently
 * keeps its new bytes or gets its old ones back (drawn from
 * POWERCUT_SEED, newest write first), and the process is killed with
 * SIGKILL before the sync returns, so vetd never acknowledges what that
 * sync was for.
 *
 * The model: the disk keeps every write a completed sync covered, any
 * subset of the sectors written since, and never a torn sector. That is
 * LMDB's documented assumption (its meta page fits in one sector). It is
 * not a lying disk, a lost directory entry, or a torn sector.
 *
 * POWERCUT_LIE=1 is the negative control: syncs then make nothing
 * durable, as on a disk that acknowledges flushes it has not done, and
 * the test must fail.
 *
 * Test code, not shipped. Only the one file is touched; every other
 * descriptor passes straight through.
 */
#undef _FILE_OFFSET_BITS	/* define open, not a redirect to open64 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define SECTOR		512
#define MAX_FDS		64

struct held {			/* the bytes one write replaced */
	off_t	off;
	size_t	len;
	uint8_t	*data;
	struct held *prev;		/* the write before it */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	int	fd;
	int	dsync;
	off_t	pos;		/* for write/writev */
} fds[MAX_FDS];
static size_t n_fds;
static struct held *newest;
static int read_fd = -1;		/* the file, for the bytes replaced */
static unsigned long syncs, cut_at;
static int lie;			/* POWERCUT_LIE: a disk that lies */
static uint64_t rng;
static int ready;

static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pread)(int, void *, size_t, off_t);
static int (*real_fdatasync)(int);
static int (*real_fsync)(int);
static int (*real_close)(int);
static off_t (*real_lseek)(int, off_t, int);
static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);

/* LOAD: dlsym into a function pointer (memcpy: ISO C has no cast). */
#define LOAD(var, name) do {						\
	void *sym_ = dlsym(RTLD_NEXT, name);				\
	memcpy(&(var), &sym_, sizeof(var));				\
} while (0)

static void
init(void)
{
	const char *at, *seed;

	if (ready)
		return;
	LOAD(real_pwrite, "pwrite");
	LOAD(real_pread, "pread");
	LOAD(real_fdatasync, "fdatasync");
	LOAD(real_fsync, "fsync");
	LOAD(real_close, "close");
	LOAD(real_lseek, "lseek");
	LOAD(real_open, "open");
	LOAD(real_openat, "openat");
	LOAD(real_write, "write");
	LOAD(real_writev, "writev");
	LOAD(real_pwritev, "pwritev");
	at = getenv("POWERCUT_AT");
	seed = getenv("POWERCUT_SEED");
	cut_at = at != NULL ? strtoul(at, NULL, 10) : 0;
	lie = getenv("POWERCUT_LIE") != NULL;
	rng = seed != NULL ? strtoull(seed, NULL, 10) : 1;
	ready = 1;
}

static uint64_t
next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* slot: the tracked entry for fd, or -1. Called with lock held. */
static int
slot(int fd)
{
	for (size_t i = 0; i < n_fds; i++)
		if (fds[i].fd == fd)
			return (int)i;
	return -1;
}

static int
is_target(const char *path)
{
	const char *dir = getenv("POWERCUT_DIR");
	size_t n;

	if (dir == NULL || path == NULL)
		return 0;
	n = strlen(dir);
	return strncmp(path, dir, n) == 0 &&
	    strcmp(path + n, "/data.mdb") == 0;
}

static void
track(int fd, const char *path, int flags)
{
	if (fd < 0 || !is_target(path))
		return;
	pthread_mutex_lock(&lock);
	if (read_fd < 0)
		read_fd = real_open(path, O_RDONLY | O_CLOEXEC);
	if (n_fds < MAX_FDS) {
		fds[n_fds].fd = fd;
		fds[n_fds].dsync = (flags & (O_DSYNC | O_SYNC)) != 0;
		fds[n_fds].pos = 0;
		n_fds++;
	}
	pthread_mutex_unlock(&lock);
}

/* hold writes buf at off through fd, keeping the bytes it replaces
 * (zeros past the end of the file). Lock held. */
static ssize_t
hold(int fd, const void *buf, size_t len, off_t off)
{
	struct held *h;
	ssize_t got;

	if ((h = malloc(sizeof(*h))) == NULL ||
	    (h->data = calloc(1, len > 0 ? len : 1)) == NULL) {
		free(h);
		errno = ENOMEM;
		return -1;
	}
	if ((got = real_pread(read_fd, h->data, len, off)) < 0) {
		free(h->data);
		free(h);
		return -1;
	}
	h->off = off;
	h->len = len;
	h->prev = newest;
	newest = h;
	return real_pwrite(fd, buf, len, off);
}

/* settle empties the undo log: with cut, a random subset of its sectors
 * first gets its old bytes back. */
static void
settle(int fd, int cut)
{
	struct held *h, *prev;

	for (h = newest; h != NULL; h = prev) {
		prev = h->prev;
		for (size_t o = 0; cut && o < h->len; o += SECTOR) {
			size_t n = h->len - o < SECTOR ? h->len - o : SECTOR;

			if (next_random() & 1)
				(void)real_pwrite(fd, h->data + o, n,
				    h->off + (off_t)o);
		}
		free(h->data);
		free(h);
	}
	newest = NULL;
}

/* sync_point: make the writes so far durable, or cut the power. Lock
 * held. */
static int
sync_point(int fd)
{
	syncs++;
	if (cut_at != 0 && syncs == cut_at) {
		settle(fd, 1);
		dprintf(2, "powercut: power cut at sync point %lu\n", syncs);
		kill(getpid(), SIGKILL);
		for (;;)
			pause();
	}
	/* A lying disk (the negative control) keeps every other sync's
	 * writes in its cache too: they are lost at the cut. */
	if (lie && cut_at != 0)
		return 0;
	settle(fd, 0);
	return real_fdatasync(fd);
}

int
open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;
	int fd;

	init();
	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	fd = real_open(path, flags, mode);
	track(fd, path, flags);
	return fd;
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));

int
openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;
	int fd;

	init();
	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	fd = real_openat(dirfd, path, flags, mode);
	track(fd, path, flags);
	return fd;
}

int close(int fd)
{
	int i;

	init();
	pthread_mutex_lock(&lock);
	if ((i = slot(fd)) >= 0)
		fds[i] = fds[--n_fds];
	pthread_mutex_unlock(&lock);
	return real_close(fd);
}

ssize_t
pwrite(int fd, const void *buf, size_t len, off_t off)
{
	ssize_t rv = (ssize_t)len;
	int i;

	init();
	pthread_mutex_lock(&lock);
	if ((i = slot(fd)) < 0) {
		pthread_mutex_unlock(&lock);
		return real_pwrite(fd, buf, len, off);
	}
	if ((rv = hold(fd, buf, len, off)) >= 0 && fds[i].dsync &&
	    sync_point(fd) != 0)
		rv = -1;
	pthread_mutex_unlock(&lock);
	return rv;
}

ssize_t pwrite64(int, const void *, size_t, off_t)
    __attribute__((alias("pwrite")));

ssize_t
pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
	ssize_t total = 0;
	int i;

	init();
	pthread_mutex_lock(&lock);
	if ((i = slot(fd)) < 0) {
		pthread_mutex_unlock(&lock);
		return real_pwritev(fd, iov, n, off);
	}
	for (int k = 0; k < n; k++) {
		if (hold(fd, iov[k].iov_base, iov[k].iov_len, off + total) !=
		    (ssize_t)iov[k].iov_len) {
			pthread_mutex_unlock(&lock);
			return -1;
		}
		total += (ssize_t)iov[k].iov_len;
	}
	if (fds[i].dsync && sync_point(fd) != 0)
		total = -1;
	pthread_mutex_unlock(&lock);
	return total;
}

ssize_t pwritev64(int, const struct iovec *, int, off_t)
    __attribute__((alias("pwritev")));

off_t
lseek(int fd, off_t off, int whence)
{
	off_t rv;
	int i;

	init();
	rv = real_lseek(fd, off, whence);
	pthread_mutex_lock(&lock);
	if (rv >= 0 && (i = slot(fd)) >= 0)
		fds[i].pos = rv;
	pthread_mutex_unlock(&lock);
	return rv;
}

off_t lseek64(int, off_t, int) __attribute__((alias("lseek")));

ssize_t
writev(int fd, const struct iovec *iov, int n)
{
	ssize_t rv;
	int i;
	off_t pos;

	init();
	pthread_mutex_lock(&lock);
	if ((i = slot(fd)) < 0) {
		pthread_mutex_unlock(&lock);
		return real_writev(fd, iov, n);
	}
	pos = fds[i].pos;
	pthread_mutex_unlock(&lock);
	if ((rv = pwritev(fd, iov, n, pos)) > 0) {
		pthread_mutex_lock(&lock);
		if ((i = slot(fd)) >= 0)
			fds[i].pos = pos + rv;
		pthread_mutex_unlock(&lock);
	}
	return rv;
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	struct iovec iov = { (void *)buf, len };
	int tracked;

	init();
	pthread_mutex_lock(&lock);
	tracked = slot(fd) >= 0;
	pthread_mutex_unlock(&lock);
	if (!tracked)
		return real_write(fd, buf, len);
	return writev(fd, &iov, 1);
}

int
fdatasync(int fd)
{
	int rv;

	init();
	pthread_mutex_lock(&lock);
	if (slot(fd) < 0) {
		pthread_mutex_unlock(&lock);
		return real_fdatasync(fd);
	}
	rv = sync_point(fd);
	pthread_mutex_unlock(&lock);
	return rv;
}

int
fsync(int fd)
{
	int rv;

	init();
	pthread_mutex_lock(&lock);
	if (slot(fd) < 0) {
		pthread_mutex_unlock(&lock);
		return real_fsync(fd);
	}
	rv = sync_point(fd);
	pthread_mutex_unlock(&lock);
	return rv;
}
