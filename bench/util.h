/*
 * util.h: small helpers the benchmark programs share: clocks, a server's
 * CPU time from /proc, the token file, and strict number parsing.
 */
#ifndef VET_BENCH_UTIL_H
#define VET_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* now_ns: CLOCK_MONOTONIC in nanoseconds. */
int64_t now_ns(void);

/* proc_cpu_ns: user + system time of process pid (all its threads) in
 * nanoseconds, from /proc/PID/stat; -1 if it cannot be read. */
int64_t proc_cpu_ns(pid_t pid);

/* proc_private_kb: RSS minus file-backed pages (RssAnon + RssShmem) of
 * pid in KiB, from /proc/PID/status; -1 if it cannot be read. */
long proc_private_kb(pid_t pid);

/*
 * token_file_read reads an API token (first line) from path into buf.
 * Refuses a file readable by group or others. Returns 0, or -1 with a
 * sentence on stderr.
 */
int token_file_read(const char *path, char *buf, size_t size);

/* number parses a whole decimal number in [min, max]; exits with a
 * usage message naming opt otherwise. */
uint64_t number(const char *opt, const char *s, uint64_t min, uint64_t max);

#endif /* VET_BENCH_UTIL_H */
