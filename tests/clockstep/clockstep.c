/*
 * clockstep.c: an LD_PRELOAD library that steps vetd's wall clock, for
 * tests/test_clock.c. The file named by CLOCKSTEP_FILE holds a signed
 * number of seconds; time(), gettimeofday() and clock_gettime() of the
 * realtime clocks return the real time plus that offset, re-read on
 * every call, so a test steps the clock backwards or forwards by
 * rewriting the file. The monotonic clocks (nng's timers, vetd's
 * timeouts) are left alone, as an NTP step leaves them.
 *
 * Test code, not shipped.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int (*real_clock_gettime)(clockid_t, struct timespec *);

static long long
offset(void)
{
	const char *path = getenv("CLOCKSTEP_FILE");
	char buf[32];
	ssize_t n;
	int fd;

	if (path == NULL || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtoll(buf, NULL, 10);
}

int
clock_gettime(clockid_t id, struct timespec *ts)
{
	int rv;

	if (real_clock_gettime == NULL) {
		void *sym = dlsym(RTLD_NEXT, "clock_gettime");
		memcpy(&real_clock_gettime, &sym, sizeof(sym));
	}
	rv = real_clock_gettime(id, ts);
	if (rv == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
		ts->tv_sec += (time_t)offset();
	return rv;
}

time_t
time(time_t *out)
{
	struct timespec ts;
	time_t t;

	clock_gettime(CLOCK_REALTIME, &ts);
	t = ts.tv_sec;
	if (out != NULL)
		*out = t;
	return t;
}

int
gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;

	(void)tz;
	clock_gettime(CLOCK_REALTIME, &ts);
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}
