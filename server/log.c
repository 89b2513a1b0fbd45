/*
 * log.c: vetd's logging. stderr lines look like
 *   2026-11-24T01:02:03Z vetd[123]: info: listening on ipc:///run/vetd/vetd.sock
 * so they read well both on a terminal and in the journal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "vettime.h"

static int log_to_syslog;
static enum log_level log_threshold = LOG_LEVEL_INFO;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void
log_init(int use_syslog, enum log_level level)
{
	log_to_syslog = use_syslog;
	log_threshold = level;
	if (use_syslog)
		openlog("vetd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(enum log_level level)
{
	log_threshold = level;
}

int
log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

static void
log_emit(enum log_level level, int with_errno, const char *fmt, va_list ap)
{
	static const int priorities[] = { LOG_ERR, LOG_WARNING, LOG_INFO,
	    LOG_DEBUG };
	char msg[1024];
	int saved = errno;

	if (level > log_threshold)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno) {
		size_t len = strlen(msg);
		snprintf(msg + len, sizeof(msg) - len, ": %s", strerror(saved));
	}
	if (log_to_syslog) {
		syslog(priorities[level], "%s", msg);
	} else {
		char when[32];
		vettime_format((int64_t)time(NULL), when, sizeof(when));
		fprintf(stderr, "%s vetd[%d]: %s: %s\n", when, (int)getpid(),
		    level_names[level], msg);
	}
	errno = saved;
}

#define LOG_FN(name, level, with_errno)			\
void							\
name(const char *fmt, ...)				\
{							\
	va_list ap;					\
	va_start(ap, fmt);				\
	log_emit(level, with_errno, fmt, ap);		\
	va_end(ap);					\
}

LOG_FN(log_info, LOG_LEVEL_INFO, 0)
LOG_FN(log_debug, LOG_LEVEL_DEBUG, 0)
LOG_FN(log_warn, LOG_LEVEL_WARN, 1)
LOG_FN(log_warnx, LOG_LEVEL_WARN, 0)

void
fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_emit(LOG_LEVEL_ERROR, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_emit(LOG_LEVEL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
