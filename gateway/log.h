/* log.h: OpenSMTPD-style logging to stderr or syslog */
#ifndef FLAGPOST_LOG_H
#define FLAGPOST_LOG_H

#include <stdbool.h>

/* to stderr (foreground, journald) or to syslog; verbosity 0..2 */
void log_init(const char *progname, bool to_stderr, int verbose);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Untrusted text made safe for one log line: control characters and
 * non-ASCII bytes escaped as \xNN, quotes escaped, cut at 200 bytes.
 * Returns a buffer of this thread that a later call reuses (one of four).
 */
const char *log_safe(const char *s);

#endif
