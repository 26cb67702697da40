/* util.c: allocation, errors, strings and hashing shared by every module */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "buf.h"
#include "log.h"
#include "util.h"

void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n ? n : 1)) == NULL)
		fatal("malloc");
	return p;
}

void *
xcalloc(size_t nmemb, size_t n)
{
	void *p;

	if ((p = calloc(nmemb ? nmemb : 1, n ? n : 1)) == NULL)
		fatal("calloc");
	return p;
}

void *
xreallocarray(void *p, size_t nmemb, size_t n)
{
	void *q;

	if (n != 0 && nmemb > SIZE_MAX / n)
		fatalx("xreallocarray: %zu * %zu overflows", nmemb, n);
	if ((q = realloc(p, (nmemb * n) != 0 ? nmemb * n : 1)) == NULL)
		fatal("realloc");
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;

	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	return s;
}

void
err_clear(struct err *e)
{
	e->cls = ERR_NONE;
	e->msg[0] = '\0';
}

int
err_set(struct err *e, enum err_class cls, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->cls = cls;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

bool
str_ieq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

bool
str_iprefix(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

void
str_lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

char *
str_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

int
str_tonum(const char *s, long long min, long long max, long long *v_r)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*v_r = v;
	return 0;
}

int
str_tosize(const char *s, size_t *v_r)
{
	char num[32];
	size_t n, mult = 1;
	long long v;

	n = strlen(s);
	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 'k': case 'K':
		mult = 1024;
		break;
	case 'm': case 'M':
		mult = 1024 * 1024;
		break;
	case 'g': case 'G':
		mult = 1024 * 1024 * 1024;
		break;
	default:
		break;
	}
	if (mult != 1)
		num[n - 1] = '\0';
	if (str_tonum(num, 0, (long long)(SIZE_MAX / 2 / mult), &v) == -1)
		return -1;
	*v_r = (size_t)v * mult;
	return 0;
}

size_t
str_distance(const char *a, const char *b, size_t cap)
{
	size_t d[65][65], la = strlen(a), lb = strlen(b), i, j, best;

	if (la > 64 || lb > 64)
		return cap + 1;
	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			size_t cost = tolower((unsigned char)a[i - 1]) ==
			    tolower((unsigned char)b[j - 1]) ? 0 : 1;

			best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < best)
				best = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 &&
			    tolower((unsigned char)a[i - 1]) ==
			    tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) ==
			    tolower((unsigned char)b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb] > cap ? cap + 1 : d[la][lb];
}

size_t
utf8_seqlen(const unsigned char *p, size_t n)
{
	unsigned int c = p[0];
	size_t k, i;

	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		k = 1;
	else if (c >= 0xe0 && c <= 0xef)
		k = 2;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 3;
	else
		return 0;
	if (n < k + 1)
		return 0;
	/* no overlongs, surrogates or values above U+10FFFF */
	if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) ||
	    (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
		return 0;
	for (i = 1; i <= k; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return k + 1;
}

bool
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (p[i] >= 0x01 && p[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_seqlen(p + i, n - i)) == 0)
			return false;
		i += k;
	}
	return true;
}

struct sha256_ctx {
	gnutls_hash_hd_t h;
};

struct sha256_ctx *
sha256_begin(void)
{
	struct sha256_ctx *c = xmalloc(sizeof(*c));

	if (gnutls_hash_init(&c->h, GNUTLS_DIG_SHA256) < 0)
		fatalx("gnutls_hash_init failed");
	return c;
}

void
sha256_update(struct sha256_ctx *c, const void *p, size_t n)
{
	if (n > 0 && gnutls_hash(c->h, p, n) < 0)
		fatalx("gnutls_hash failed");
}

static void
hex32(const unsigned char md[32], char out[SHA256_HEX_LEN])
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

void
sha256_end(struct sha256_ctx **cp, char out[SHA256_HEX_LEN])
{
	unsigned char md[32];

	gnutls_hash_deinit((*cp)->h, md);
	hex32(md, out);
	free(*cp);
	*cp = NULL;
}

void
sha256_hex(const void *p, size_t n, char out[SHA256_HEX_LEN])
{
	unsigned char md[32];

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, p, n, md) < 0)
		fatalx("gnutls_hash_fast failed");
	hex32(md, out);
}

void
uuid_v4(char out[37])
{
	unsigned char r[16];

	if (gnutls_rnd(GNUTLS_RND_NONCE, r, sizeof(r)) < 0)
		fatalx("gnutls_rnd failed");
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	snprintf(out, 37,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10],
	    r[11], r[12], r[13], r[14], r[15]);
}

int64_t
now_epoch(void)
{
	const char *s;
	int64_t t;

	if ((s = getenv("FLAGPOST_NOW")) != NULL && *s != '\0') {
		if (time_parse(s, &t) == 0)
			return t;
		log_warnx("FLAGPOST_NOW '%s' is not a time; using the clock", s);
	}
	return (int64_t)time(NULL);
}

void
time_rfc3339(int64_t t, char out[21])
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* n digits at s, as a number; -1 when they are not all digits */
static int
digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
time_parse(const char *s, int64_t *t_r)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	struct tm tm;
	long long v;
	int y, mo, d, h, mi, sec = 0, oh, om, off = 0;
	const char *p;

	if (s == NULL || *s == '\0')
		return -1;
	if (str_tonum(s, 0, INT64_MAX, &v) == 0) {
		*t_r = v;
		return 0;
	}
	/* YYYY-MM-DDTHH:MM[:SS][Z|z|+HH:MM|-HH:MM] */
	if (strlen(s) < 16 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't') || s[13] != ':')
		return -1;
	if ((y = digits(s, 4)) < 0 || (mo = digits(s + 5, 2)) < 1 ||
	    mo > 12 || (d = digits(s + 8, 2)) < 1 || d > mdays[mo - 1] ||
	    (h = digits(s + 11, 2)) < 0 || h > 23 ||
	    (mi = digits(s + 14, 2)) < 0 || mi > 59)
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return -1;
	p = s + 16;
	if (*p == ':') {
		if ((sec = digits(p + 1, 2)) < 0 || sec > 60)
			return -1;
		p += 3;
	}
	if (*p == '+' || *p == '-') {
		if (strlen(p) != 6 || p[3] != ':' ||
		    (oh = digits(p + 1, 2)) < 0 || oh > 23 ||
		    (om = digits(p + 4, 2)) < 0 || om > 59)
			return -1;
		off = (*p == '-' ? -1 : 1) * (oh * 3600 + om * 60);
	} else if (!(*p == '\0' || ((*p == 'Z' || *p == 'z') &&
	    p[1] == '\0')))
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*t_r = (int64_t)timegm(&tm) - off;
	return 0;
}

int
file_read(const char *path, size_t max, char **data_r, size_t *len_r)
{
	struct buf b = BUF_INIT(max);
	char chunk[8192];
	size_t n;
	FILE *f;
	int saved;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_add(&b, chunk, n) == -1) {
			fclose(f);
			buf_free(&b);
			errno = EFBIG;
			return -1;
		}
	if (ferror(f)) {
		saved = errno != 0 ? errno : EIO;
		fclose(f);
		buf_free(&b);
		errno = saved;
		return -1;
	}
	fclose(f);
	*data_r = buf_detach(&b, len_r);
	return 0;
}

void
token_new(char out[33])
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char r[20];
	size_t i;

	if (gnutls_rnd(GNUTLS_RND_RANDOM, r, sizeof(r)) < 0)
		fatalx("gnutls_rnd failed");
	/* 160 bits, 5 at a time */
	for (i = 0; i < 32; i++) {
		size_t bit = i * 5, byte = bit / 8, shift = bit % 8;
		unsigned v = (unsigned)r[byte] << 8;

		if (byte + 1 < sizeof(r))
			v |= r[byte + 1];
		out[i] = alphabet[(v >> (11 - shift)) & 31];
	}
	out[32] = '\0';
	explicit_bzero(r, sizeof(r));
}

bool
token_ok(const char *s, size_t len)
{
	size_t i;

	if (len != 32)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '2' && s[i] <= '7')))
			return false;
	return true;
}

#define SECRET_MAX	(16 * 1024)	/* a password or a token */

void
secret_free(char **s)
{
	if (*s == NULL)
		return;
	explicit_bzero(*s, strlen(*s));
	free(*s);
	*s = NULL;
}

/*
 * The first line of a secret file, without its line end.  Read at every
 * connect so that a rotated password or token is picked up.  Messages
 * name the file, never its content.
 */
int
secret_read(const char *name, const char *what, const char *path,
    char **secret_r, struct err *err)
{
	struct stat st;
	char ebuf[128];
	char *p = NULL, *nl;
	size_t len = 0;
	ssize_t n;
	int fd, e, rc = -1;

	*secret_r = NULL;
	/* O_NONBLOCK: a FIFO must not hang the open */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		e = errno;
		return err_set(err, ERR_CONFIG, "%s: cannot read %s '%s': "
		    "%s", name, what, path, strerror_r(e, ebuf, sizeof(ebuf)));
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(err, ERR_CONFIG, "%s: %s '%s' is not a "
		    "regular file", name, what, path);
	}
	p = xmalloc(SECRET_MAX + 1);
	for (;;) {
		if (len == SECRET_MAX)
			break;
		n = read(fd, p + len, SECRET_MAX - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			e = errno;
			err_set(err, ERR_CONFIG, "%s: cannot read %s '%s': "
			    "%s", name, what, path,
			    strerror_r(e, ebuf, sizeof(ebuf)));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (memchr(p + len - (size_t)n, '\n', (size_t)n) != NULL)
			break;
	}
	if ((nl = memchr(p, '\n', len)) != NULL)
		len = (size_t)(nl - p);
	else if (len == SECRET_MAX) {
		err_set(err, ERR_CONFIG, "%s: %s '%s': the first line is "
		    "longer than %d bytes", name, what, path, SECRET_MAX);
		goto out;
	}
	if (len > 0 && p[len - 1] == '\r')
		len--;
	/* the rest of the file (other lines) goes too */
	explicit_bzero(p + len, SECRET_MAX + 1 - len);
	if (len == 0) {
		err_set(err, ERR_CONFIG, "%s: %s '%s' is empty", name,
		    what, path);
		goto out;
	}
	if (strlen(p) != len) {
		err_set(err, ERR_CONFIG, "%s: %s '%s' holds a NUL byte",
		    name, what, path);
		goto out;
	}
	*secret_r = p;
	p = NULL;
	rc = 0;
out:
	if (p != NULL) {
		explicit_bzero(p, SECRET_MAX + 1);
		free(p);
	}
	close(fd);
	return rc;
}
