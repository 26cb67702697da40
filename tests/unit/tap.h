/* tap.h: the Test Anything Protocol for the unit tests (automake's tap-driver) */
#ifndef FLAGPOST_TAP_H
#define FLAGPOST_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static void tap_vok(int cond, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void
tap_vok(int cond, const char *fmt, va_list ap)
{
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
}

static int ok(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), unused));
static int
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vok(cond, fmt, ap);
	va_end(ap);
	return cond;
}

/* compares two strings (NULL allowed) and shows both on a mismatch */
static int is_str(const char *got, const char *want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), unused));
static int
is_str(const char *got, const char *want, const char *fmt, ...)
{
	va_list ap;
	int cond;

	cond = (got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);
	va_start(ap, fmt);
	tap_vok(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		printf("# got:  '%s'\n# want: '%s'\n", got ? got : "(null)",
		    want ? want : "(null)");
	return cond;
}

static int is_int(long long got, long long want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), unused));
static int
is_int(long long got, long long want, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vok(got == want, fmt, ap);
	va_end(ap);
	if (got != want)
		printf("# got:  %lld\n# want: %lld\n", got, want);
	return got == want;
}

static int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
