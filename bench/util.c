/*
 * util.c: helpers the benchmark programs share (see util.h). Reads only
 * /proc and the token file it is given.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "vettime.h"

int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
proc_cpu_ns(pid_t pid)
{
	char path[64], buf[2048], *p;
	unsigned long long utime, stime;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces: fields count from its ')'. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu "
	    "%llu", &utime, &stime) != 2 || hz <= 0)
		return -1;
	return (int64_t)((utime + stime) * (1000000000ULL / (unsigned long)hz));
}

long
proc_private_kb(pid_t pid)
{
	char path[64], line[256];
	long anon = -1, shmem = 0, v;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "RssAnon: %ld", &v) == 1)
			anon = v;
		else if (sscanf(line, "RssShmem: %ld", &v) == 1)
			shmem = v;
	}
	fclose(f);
	return anon < 0 ? -1 : anon + shmem;
}

int
token_file_read(const char *path, char *buf, size_t size)
{
	struct stat sb;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0) {
		fprintf(stderr, "cannot open token file %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || (sb.st_mode & 077) != 0) {
		fprintf(stderr, "token file %s is readable by group or "
		    "others; chmod 600 it\n", path);
		close(fd);
		return -1;
	}
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0) {
		fprintf(stderr, "token file %s is empty\n", path);
		return -1;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0') {
		fprintf(stderr, "token file %s is empty\n", path);
		return -1;
	}
	return 0;
}

uint64_t
number(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	uint64_t v;

	if (parse_u64(s, min, max, &v) != 0) {
		fprintf(stderr, "%s takes a whole number from %llu to %llu, "
		    "not \"%s\"\n", opt, (unsigned long long)min,
		    (unsigned long long)max, s);
		exit(2);
	}
	return v;
}
