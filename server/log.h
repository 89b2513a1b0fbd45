/*
 * log.h: one line per event, to stderr in the foreground or syslog as a
 * daemon. Never log a token, and no personal data beyond a person id.
 */
#ifndef VETD_LOG_H
#define VETD_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN = 1,
	LOG_LEVEL_INFO = 2,
	LOG_LEVEL_DEBUG = 3,
};

/* log_init: use_syslog 0 writes to stderr (in the journal's format when
 * stderr is the journal). */
void log_init(int use_syslog, enum log_level level);
/* log_set_level may be called from any thread at any time (SIGHUP). */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* log_level_name: "error", "warn", "info", "debug". */
const char *log_level_name(int level);
/* log_level_parse: "error", "warn", "info", "debug"; -1 if unknown. */
int log_level_parse(const char *s);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends strerror(errno); log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* fatal/fatalx: start-up errors and broken invariants only. */
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif /* VETD_LOG_H */
