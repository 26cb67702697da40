/* log.c: OpenSMTPD-style logging to stderr or syslog */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static const char *log_prog = "flagpost";
static bool log_stderr = true;
static int log_verbose;

void
log_init(const char *progname, bool to_stderr, int verbose)
{
	log_prog = progname;
	log_stderr = to_stderr;
	log_verbose = verbose;
	if (!to_stderr)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

static void vlog(int, const char *, va_list, const char *)
	__attribute__((format(printf, 2, 0)));

static void
vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char line[2048];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_stderr) {
		if (suffix != NULL)
			fprintf(stderr, "%s: %s: %s\n", log_prog, line, suffix);
		else
			fprintf(stderr, "%s: %s\n", log_prog, line);
		fflush(stderr);
	} else if (suffix != NULL)
		syslog(pri, "%s: %s", line, suffix);
	else
		syslog(pri, "%s", line);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 1 && log_stderr)
		return;
	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 2)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, strerror(saved));
	va_end(ap);
	exit(70);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(70);
}

const char *
log_safe(const char *s)
{
	/* per thread: the daemon logs from one thread per inbox */
	static _Thread_local char ring[4][256 * 4 + 8];
	static _Thread_local int next;
	static const char hex[] = "0123456789abcdef";
	char *out = ring[next], *o = out;
	size_t n = 0;

	next = (next + 1) % 4;
	if (s == NULL)
		return "(null)";
	for (; *s != '\0' && n < 200; s++, n++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || c == '\\' || c == '\'') {
			*o++ = '\\';
			if (c == '\\' || c == '\'') {
				*o++ = (char)c;
				continue;
			}
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		} else
			*o++ = (char)c;
	}
	if (*s != '\0') {
		memcpy(o, "...", 3);
		o += 3;
	}
	*o = '\0';
	return out;
}
