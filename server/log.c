/*
 * log.c: vetd's logging. stderr lines look like
 *   2026-11-24T01:02:03Z vetd[123]: info: listening on ipc:///run/vetd/vetd.sock
 * on a terminal. When stderr is the journal ($JOURNAL_STREAM names it, as
 * systemd sets it for a service) a line is "<6>info: ..." instead: the
 * journal adds the time and pid itself and takes the priority from the
 * "<N>" prefix (sd-daemon(3)). With log_target = syslog, lines go to
 * syslog(3) as facility daemon.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "vettime.h"

static int log_to_syslog;
static int log_to_journal;
static atomic_int log_threshold = LOG_LEVEL_INFO;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

/* stderr_is_journal: $JOURNAL_STREAM is "DEV:INODE" of our stderr. */
static int
stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat sb;
	char tail;

	if (env == NULL || sscanf(env, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &sb) != 0)
		return 0;
	return (unsigned long long)sb.st_dev == dev &&
	    (unsigned long long)sb.st_ino == ino;
}

void
log_init(int use_syslog, enum log_level level)
{
	log_to_syslog = use_syslog;
	log_to_journal = !use_syslog && stderr_is_journal();
	atomic_store(&log_threshold, (int)level);
	if (use_syslog)
		openlog("vetd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(enum log_level level)
{
	atomic_store(&log_threshold, (int)level);
}

enum log_level
log_get_level(void)
{
	return (enum log_level)atomic_load(&log_threshold);
}

const char *
log_level_name(int level)
{
	if (level < 0 || level > LOG_LEVEL_DEBUG)
		return "unknown";
	return level_names[level];
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

	if ((int)level > atomic_load(&log_threshold))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno) {
		size_t len = strlen(msg);
		snprintf(msg + len, sizeof(msg) - len, ": %s", strerror(saved));
	}
	if (log_to_syslog) {
		syslog(priorities[level], "%s", msg);
	} else if (log_to_journal) {
		fprintf(stderr, "<%d>%s: %s\n", priorities[level],
		    level_names[level], msg);
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
