/* util.h: allocation, errors, strings and hashing shared by every module */
#ifndef FLAGPOST_UTIL_H
#define FLAGPOST_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* allocation that never returns NULL (out of memory is fatal, as in OpenSMTPD) */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t n);
void *xreallocarray(void *p, size_t nmemb, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The class of an error says how much is broken (isync's DRV_MSG_BAD /
 * DRV_BOX_BAD / DRV_STORE_BAD):
 *   ERR_MSG     this input is bad: reject or quarantine it and go on
 *   ERR_TEMP    try again later (store locked, server away)
 *   ERR_CONFIG  the configuration is wrong: refuse to start
 *   ERR_SYS     anything else (I/O error, internal)
 */
enum err_class {
	ERR_NONE = 0,
	ERR_MSG,
	ERR_TEMP,
	ERR_CONFIG,
	ERR_SYS,
};

struct err {
	enum err_class cls;
	char msg[1024];
};

void err_clear(struct err *e);
int err_set(struct err *e, enum err_class cls, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));	/* returns -1 */

/* ASCII-only helpers: mail headers and form field names are ASCII */
bool str_ieq(const char *a, const char *b);
bool str_iprefix(const char *s, const char *prefix);
void str_lower(char *s);
char *str_trim(char *s);		/* in place; returns the first non-space */
/* strict decimal: the whole string, within [min,max] */
int str_tonum(const char *s, long long min, long long max, long long *v_r);
/* "25M", "64K", "1G" or plain bytes */
int str_tosize(const char *s, size_t *v_r);
/* Damerau-Levenshtein distance, capped: returns cap+1 when larger */
size_t str_distance(const char *a, const char *b, size_t cap);
/* true when s is valid UTF-8 of n bytes with no NUL */
bool utf8_valid(const char *s, size_t n);
/* the length of the valid UTF-8 sequence at p (n bytes left), 0 when it
 * is invalid or a NUL */
size_t utf8_seqlen(const unsigned char *p, size_t n);

/* hex SHA-256 (65 bytes with the NUL) */
#define SHA256_HEX_LEN 65
void sha256_hex(const void *p, size_t n, char out[SHA256_HEX_LEN]);
/* SHA-256 over a stream */
struct sha256_ctx;
struct sha256_ctx *sha256_begin(void);
void sha256_update(struct sha256_ctx *c, const void *p, size_t n);
void sha256_end(struct sha256_ctx **c, char out[SHA256_HEX_LEN]);
/* a random RFC 4122 version 4 UUID (37 bytes with the NUL) */
void uuid_v4(char out[37]);

/*
 * The clock.  FLAGPOST_NOW (an RFC 3339 time or seconds since the epoch)
 * sets it for tests and demos; otherwise the system time.
 */
int64_t now_epoch(void);
/* RFC 3339 UTC, e.g. 2026-11-28T10:00:00Z (21 bytes with the NUL) */
void time_rfc3339(int64_t t, char out[21]);
/* "2026-11-28T10:00:00Z", "...+01:00", "2026-11-28T10:00Z" (no zone: UTC) or seconds
 * since the epoch; -1 when it is none of those */
int time_parse(const char *s, int64_t *t_r);
/* a whole file of at most `max` bytes, NUL-terminated (malloc'd); -1 with
 * errno set, EFBIG when it is larger */
int file_read(const char *path, size_t max, char **data_r, size_t *len_r);
/* a secret token for an address: 32 characters [a-z2-7], 160 bits */
void token_new(char out[33]);
/* a token as token_new writes them */
bool token_ok(const char *s, size_t len);

/*
 * The first line of a secret file (a password, a token), without its line
 * end.  Messages name `who` ("inbox cso", "[smtp]"), `what`
 * ("password_file") and the path, never the content.  secret_free wipes.
 */
int secret_read(const char *who, const char *what, const char *path,
    char **secret_r, struct err *err);
void secret_free(char **s);

#endif
