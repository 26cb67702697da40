/* mime.c: a raw mail in, its headers, form text and attachments out */
#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gumbo.h>
#include <libetpan/libetpan.h>

#include "buf.h"
#include "log.h"
#include "mime.h"
#include "util.h"

/*
 * The order of work (each step bounded before the next one starts):
 *
 *  1. the size limit, on the raw bytes;
 *  2. a private copy with every line end made CRLF (libetpan reads CRLF
 *     best), which libetpan's tree will point into;
 *  3. a linear pre-scan of that copy (scan_*): header line and field
 *     limits, comment nesting, NUL bytes in header blocks, and the MIME
 *     structure (boundaries, nesting, part count), done the way libetpan
 *     will split the message but erring on the side of seeing more, so
 *     that mailmime_parse(), which recurses, only gets shapes it can take;
 *  4. mailmime_parse() for the tree (given only the top-level Content-*
 *     fields), mailimf_* for addresses, dates and the Message-ID;
 *  5. our own code for what libetpan 1.9.4 does slowly or wrongly on
 *     hostile input: RFC 2047 (its decoder is quadratic, calls iconv_open()
 *     per word and mis-joins base64 words), quoted-printable (it turns
 *     "=ZZ" into NUL) and base64 (it reads on past the padding), RFC 2231
 *     parameters, charsets (iconv), HTML (gumbo), format=flowed.
 */

/* limits that mime_limits does not carry: they bound libetpan's work */
#define MIME_MAX_FIELDS		1000u		/* fields in one header block */
#define MIME_MAX_FIELD		(1024u * 1024)	/* one field, folded lines and all */
#define MIME_MAX_COMMENT_DEPTH	64u		/* libetpan recurses on "(" */
#define MIME_MAX_CT_FIELD	(16u * 1024)	/* libetpan's RFC 2047 pass is slow */
#define MIME_MAX_RCPT		1000u		/* To and Cc addresses kept */
#define MIME_MAX_PARAMS		256u		/* parameters read from one field */
#define MIME_WALK_MAX_DEPTH	64u		/* a safety net behind the pre-scan */
#define HTML_MAX_DEPTH		256u		/* estimated nesting handed to gumbo */
#define HTML_MAX_GUMBO		(4u * 1024 * 1024)	/* bytes handed to gumbo */

#define OUT_MAX			(SIZE_MAX / 4)

static const char fffd[3] = { '\xef', '\xbf', '\xbd' };

/* ------------------------------------------------------------ helpers */

/* every append of this module either succeeds or is out of memory */
static void
out_add(struct buf *b, const void *p, size_t n)
{
	if (buf_add(b, p, n) == -1)
		fatalx("mime: out of memory");
}

static void
out_addch(struct buf *b, char c)
{
	out_add(b, &c, 1);
}

static void
out_addstr(struct buf *b, const char *s)
{
	out_add(b, s, strlen(s));
}

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static char
lc(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* s[0..n) equals the NUL-terminated word, ignoring ASCII case */
static bool
mem_ieq(const char *s, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (word[i] == '\0' || lc(s[i]) != lc(word[i]))
			return false;
	return word[n] == '\0';
}

static bool
mem_iprefix(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && mem_ieq(s, k, prefix);
}

static const char *
mem_find(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	const char *p, *e = s + n;

	if (k == 0 || n < k)
		return NULL;
	for (p = s; (p = memchr(p, needle[0], (size_t)(e - p))) != NULL; p++) {
		if ((size_t)(e - p) < k)
			return NULL;
		if (memcmp(p, needle, k) == 0)
			return p;
	}
	return NULL;
}

/* the first place of needle (lower case) in s, ignoring ASCII case */
static const char *
mem_ifind(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	if (k == 0 || n < k)
		return NULL;
	for (i = 0; i + k <= n; i++)
		if (lc(s[i]) == needle[0] && mem_ieq(s + i, k, needle))
			return s + i;
	return NULL;
}

static void
warn_add(struct mime_msg *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void
warn_add(struct mime_msg *m, const char *fmt, ...)
{
	struct buf b = BUF_INIT(4096);
	va_list ap;
	size_t i;
	char *s;

	va_start(ap, fmt);
	if (buf_vprintf(&b, fmt, ap) == -1) {
		va_end(ap);
		buf_free(&b);
		return;
	}
	va_end(ap);
	s = buf_detach(&b, NULL);
	for (i = 0; i < m->nwarn; i++) {
		if (strcmp(m->warnings[i], s) == 0) {
			free(s);
			return;
		}
	}
	m->warnings = xreallocarray(m->warnings, m->nwarn + 1,
	    sizeof(*m->warnings));
	m->warnings[m->nwarn++] = s;
}

/* a charset name fit to be quoted in a reply: printable ASCII, short */
static void
safe_name(const char *s, char out[48])
{
	size_t i, j = 0;

	for (i = 0; s[i] != '\0' && j < 40; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c > 0x20 && c < 0x7f && c != '\'' && c != '"' && c != '\\')
			out[j++] = (char)c;
	}
	if (s[i] != '\0')
		out[j++] = '.', out[j++] = '.', out[j++] = '.';
	out[j] = '\0';
}

/* ------------------------------------------------------------- UTF-8 */

/* valid UTF-8, NUL bytes allowed (they are counted apart) */
static bool
utf8_valid_nul(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_seqlen(p + i, n - i)) == 0)
			return false;
		i += k;
	}
	return true;
}

static bool
has_8bit(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

/*
 * Appends s as valid UTF-8 without NUL: every NUL and every byte that does
 * not start a valid sequence becomes U+FFFD.  Returns the invalid bytes;
 * *nul_r (optional) gets the NULs.
 */
static size_t
utf8_fix(struct buf *out, const char *s, size_t n, size_t *nul_r)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0, bad = 0, nul = 0, k;

	while (i < n) {
		if (p[i] != 0 && p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] != 0 && (k = utf8_seqlen(p + i, n - i)) > 0) {
			i += k;
			continue;
		}
		out_add(out, s + start, i - start);
		out_add(out, fffd, 3);
		if (p[i] == 0)
			nul++;
		else
			bad++;
		start = ++i;
	}
	out_add(out, s + start, n - start);
	if (nul_r != NULL)
		*nul_r += nul;
	return bad;
}

static void
utf8_put(struct buf *out, uint32_t cp)
{
	char b[4];

	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
		out_add(out, fffd, 3);
	} else if (cp < 0x80) {
		out_addch(out, (char)cp);
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		out_add(out, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		out_add(out, b, 3);
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		out_add(out, b, 4);
	}
}

/* windows-1252 (and so ISO-8859-1, as browsers read it) to UTF-8 */
static const uint16_t cp1252_hi[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
};

static size_t
cp1252_to_utf8(struct buf *out, const char *s, size_t n, size_t *nul_r)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, j = 0, bad = 0;
	uint32_t cp;
	char *d;

	if (n > OUT_MAX / 3)
		fatalx("mime: out of memory");
	d = xmalloc(3 * n + 1);
	for (i = 0; i < n; i++) {
		if (p[i] != 0 && p[i] < 0x80) {
			d[j++] = (char)p[i];
			continue;
		}
		if (p[i] == 0) {
			cp = 0;
			if (nul_r != NULL)
				(*nul_r)++;
		} else {
			cp = p[i] < 0xa0 ? cp1252_hi[p[i] - 0x80] : p[i];
			if (cp == 0)
				bad++;
		}
		if (cp == 0) {
			memcpy(d + j, fffd, 3);
			j += 3;
		} else if (cp < 0x800) {
			d[j++] = (char)(0xc0 | (cp >> 6));
			d[j++] = (char)(0x80 | (cp & 0x3f));
		} else {
			d[j++] = (char)(0xe0 | (cp >> 12));
			d[j++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			d[j++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	out_add(out, d, j);
	free(d);
	return bad;
}

/* ----------------------------------------------------------- charsets */

enum cs_kind {
	CS_NONE,	/* no charset given */
	CS_UTF8,
	CS_ASCII,
	CS_1252,	/* windows-1252, ISO-8859-1 read as browsers do */
	CS_ICONV,	/* another name, for iconv */
	CS_BAD,		/* not a charset name at all */
};

static const struct {
	const char *alias, *name;
} cs_aliases[] = {
	{ "ks_c_5601-1987", "CP949" },
	{ "ks_c_5601-1989", "CP949" },
	{ "gb2312", "GB18030" },
	{ "gbk", "GB18030" },
	{ "x-gbk", "GB18030" },
	{ "iso-8859-8-i", "ISO-8859-8" },
	{ "iso-8859-6-i", "ISO-8859-6" },
	{ "x-sjis", "SHIFT_JIS" },
	{ "shift-jis", "SHIFT_JIS" },
	{ "windows-874", "CP874" },
	{ "x-mac-roman", "MACINTOSH" },
	{ "unicode-1-1-utf-7", "UTF-7" },
	{ "x-euc-jp", "EUC-JP" },
	{ "x-unicode20utf8", "UTF-8" },
};

/* classifies a charset name; *name gets the name to hand iconv */
static enum cs_kind
cs_classify(const char *raw, char name[48])
{
	size_t i, j = 0, n;
	const char *s;

	name[0] = '\0';
	if (raw == NULL)
		return CS_NONE;
	s = raw;
	while (*s == ' ' || *s == '\t' || *s == '"' || *s == '\'')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '"' || s[n - 1] == '\''))
		n--;
	if (n == 0)
		return CS_NONE;
	if (n > 40)
		return CS_BAD;
	for (i = 0; i < n; i++) {
		char c = lc(s[i]);

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == ':' || c == '+')) {
			name[0] = '\0';
			return CS_BAD;
		}
		name[j++] = c;
	}
	name[j] = '\0';
	if (strcmp(name, "utf-8") == 0 || strcmp(name, "utf8") == 0)
		return CS_UTF8;
	if (strcmp(name, "us-ascii") == 0 || strcmp(name, "ascii") == 0 ||
	    strcmp(name, "ansi_x3.4-1968") == 0 || strcmp(name, "us") == 0 ||
	    strcmp(name, "iso646-us") == 0)
		return CS_ASCII;
	if (strcmp(name, "windows-1252") == 0 || strcmp(name, "cp1252") == 0 ||
	    strcmp(name, "x-cp1252") == 0 || strcmp(name, "iso-8859-1") == 0 ||
	    strcmp(name, "iso8859-1") == 0 || strcmp(name, "iso_8859-1") == 0 ||
	    strcmp(name, "latin1") == 0 || strcmp(name, "latin-1") == 0 ||
	    strcmp(name, "l1") == 0 || strcmp(name, "cp819") == 0 ||
	    strcmp(name, "ibm819") == 0)
		return CS_1252;
	for (i = 0; i < sizeof(cs_aliases) / sizeof(cs_aliases[0]); i++) {
		if (strcmp(name, cs_aliases[i].alias) == 0) {
			memcpy(name, cs_aliases[i].name,
			    strlen(cs_aliases[i].name) + 1);
			break;
		}
	}
	return CS_ICONV;
}

/* a charset of one byte per character, whose text is rarely valid UTF-8 */
static bool
cs_single_byte(enum cs_kind k, const char *name)
{
	return k == CS_1252 || k == CS_ASCII ||
	    (k == CS_ICONV && (strncmp(name, "iso-8859-", 9) == 0 ||
	    strncmp(name, "iso8859-", 8) == 0 ||
	    strncmp(name, "windows-125", 11) == 0 ||
	    strncmp(name, "cp125", 5) == 0 || strncmp(name, "latin", 5) == 0));
}

/* iconv to UTF-8; -1 when iconv does not know the charset */
static int
iconv_utf8(struct buf *out, const char *s, size_t n, const char *cs,
    size_t *bad_r, size_t *nul_r)
{
	struct buf tmp = BUF_INIT(OUT_MAX);
	char *in, *op, *ob = NULL;
	size_t il, ol, cap, r;
	iconv_t cd;

	cd = iconv_open("UTF-8", cs);
	if (cd == (iconv_t)-1)
		return -1;
	/* iconv wants a char * it never writes through */
	in = n > 0 ? xmalloc(n) : NULL;
	if (n > 0)
		memcpy(in, s, n);
	cap = n * 4 + 64;
	ob = xmalloc(cap);
	{
		char *ip = in;

		il = n;
		op = ob;
		ol = cap;
		while (il > 0) {
			r = iconv(cd, &ip, &il, &op, &ol);
			if (r != (size_t)-1)
				break;
			if (errno == E2BIG) {
				size_t used = (size_t)(op - ob);

				out_add(&tmp, ob, used);
				op = ob;
				ol = cap;
				continue;
			}
			/* EILSEQ, or EINVAL at the end: U+FFFD, skip a byte */
			out_add(&tmp, ob, (size_t)(op - ob));
			op = ob;
			ol = cap;
			out_add(&tmp, fffd, 3);
			(*bad_r)++;
			if (errno != EILSEQ && errno != EINVAL)
				break;
			ip++;
			il--;
		}
		(void)iconv(cd, NULL, NULL, &op, &ol);
		out_add(&tmp, ob, (size_t)(op - ob));
	}
	iconv_close(cd);
	free(in);
	free(ob);
	/* iconv's UTF-8 is valid, but may hold U+0000 */
	*bad_r += utf8_fix(out, tmp.data ? tmp.data : "", tmp.len, nul_r);
	buf_free(&tmp);
	return 0;
}

/* converts to UTF-8 (appended to out); -1 when the charset is unknown */
static int
conv_utf8(struct buf *out, const char *s, size_t n, enum cs_kind kind,
    const char *name, size_t *bad_r, size_t *nul_r)
{
	switch (kind) {
	case CS_NONE:
	case CS_UTF8:
	case CS_ASCII:
		*bad_r += utf8_fix(out, s, n, nul_r);
		return 0;
	case CS_1252:
		*bad_r += cp1252_to_utf8(out, s, n, nul_r);
		return 0;
	case CS_ICONV:
		return iconv_utf8(out, s, n, name, bad_r, nul_r);
	case CS_BAD:
	default:
		return -1;
	}
}

char *
mime_to_utf8(const char *data, size_t len, const char *charset)
{
	struct buf out = BUF_INIT(OUT_MAX);
	size_t bad = 0, nul = 0;
	enum cs_kind k;
	char name[48];

	k = cs_classify(charset, name);
	if (k == CS_NONE || k == CS_BAD)
		return NULL;
	if (conv_utf8(&out, data != NULL ? data : "", data != NULL ? len : 0,
	    k, name, &bad, &nul) == -1) {
		buf_free(&out);
		return NULL;
	}
	return buf_detach(&out, NULL);
}

/* --------------------------------------------------------- RFC 2047 */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* base64 values; 64 is "=", 128 anything else */
static const unsigned char b64tab[256] = {
	128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
	128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
	128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
	128, 128, 128, 128, 128, 128, 128, 62, 128, 128, 128, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 128, 128,
	128, 64, 128, 128, 128, 0, 1, 2, 3, 4, 5, 6,
	7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
	19, 20, 21, 22, 23, 24, 25, 128, 128, 128, 128, 128,
	128, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36,
	37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48,
	49, 50, 51, 128, 128, 128, 128, 128, 128, 128, 128, 128,
	128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
	128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
	128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
	128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
	128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
	128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
	128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
	128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
	128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
	128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
	128, 128, 128, 128,
};

/*
 * Base64 without complaint: other characters are skipped, "=" ends it.
 * dst has room for n * 3 / 4 + 3 bytes; returns the bytes written.
 */
static size_t
b64_raw(char *dst, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t acc = 0;
	unsigned int v, a, b, c, d;
	int bits = 0;
	size_t i = 0, j = 0;

	while (i < n) {
		/* whole groups of four, the common case */
		while (bits == 0 && i + 4 <= n &&
		    ((a = b64tab[p[i]]) | (b = b64tab[p[i + 1]]) |
		    (c = b64tab[p[i + 2]]) | (d = b64tab[p[i + 3]])) < 64) {
			dst[j++] = (char)((a << 2) | (b >> 4));
			dst[j++] = (char)(((b & 15) << 4) | (c >> 2));
			dst[j++] = (char)(((c & 3) << 6) | d);
			i += 4;
		}
		if (i >= n)
			break;
		v = b64tab[p[i++]];
		if (v == 64)
			break;
		if (v == 128)
			continue;
		acc = ((acc << 6) | v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			dst[j++] = (char)((acc >> bits) & 0xff);
		}
	}
	return j;
}

static void
b64_decode(struct buf *out, const char *s, size_t n)
{
	char *d = xmalloc(n / 4 * 3 + 3);

	out_add(out, d, b64_raw(d, s, n));
	free(d);
}

struct ew {
	const char *cs;		/* charset, without an RFC 2231 language */
	size_t cslen;
	char enc;		/* 'q' or 'b' */
	const char *txt;
	size_t tlen;
	size_t len;		/* the whole word */
};

static bool
ew_cschar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("!#$%&'*+-^_`{|}~.", c) != NULL;
}

/* an encoded word "=?charset?e?text?=" at s */
static bool
ew_parse(const char *s, size_t n, struct ew *w)
{
	size_t i = 2, j;

	if (n < 8 || s[0] != '=' || s[1] != '?')
		return false;
	while (i < n && i < 64 && ew_cschar(s[i]))
		i++;
	if (i == 2 || i >= n || s[i] != '?')
		return false;
	w->cs = s + 2;
	w->cslen = i - 2;
	for (j = 0; j < w->cslen; j++)
		if (w->cs[j] == '*')
			w->cslen = j;
	if (w->cslen == 0 || i + 2 >= n || s[i + 2] != '?')
		return false;
	w->enc = lc(s[i + 1]);
	if (w->enc != 'q' && w->enc != 'b')
		return false;
	i += 3;
	w->txt = s + i;
	for (; i + 1 < n; i++) {
		if (s[i] == '?' && s[i + 1] == '=')
			break;
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	}
	if (i + 1 >= n)
		return false;
	w->tlen = (size_t)(s + i - w->txt);
	w->len = i + 2;
	return true;
}

static void
ew_bytes(struct buf *raw, const struct ew *w)
{
	size_t i;
	int hi, lo;

	if (w->enc == 'b') {
		b64_decode(raw, w->txt, w->tlen);
		return;
	}
	for (i = 0; i < w->tlen; i++) {
		char c = w->txt[i];

		if (c == '_') {
			out_addch(raw, ' ');
		} else if (c == '=' && i + 2 < w->tlen &&
		    (hi = hexval(w->txt[i + 1])) >= 0 &&
		    (lo = hexval(w->txt[i + 2])) >= 0) {
			out_addch(raw, (char)(hi * 16 + lo));
			i += 2;
		} else {
			out_addch(raw, c);
		}
	}
}

/* decoded words of one charset, waiting to be converted together */
struct ew_pend {
	struct buf raw;
	char cs[72];
	const char *from, *to;	/* the encoded text they came from */
};

static void
ew_flush(struct buf *out, struct ew_pend *p)
{
	size_t bad = 0, nul = 0, i;
	enum cs_kind k;
	char name[48];

	if (p->from == NULL)
		return;
	for (i = 0; i < p->raw.len; i++)
		if (p->raw.data[i] == '\0' || p->raw.data[i] == '\r' ||
		    p->raw.data[i] == '\n')
			p->raw.data[i] = ' ';
	k = cs_classify(p->cs, name);
	if (k == CS_NONE || k == CS_BAD ||
	    conv_utf8(out, buf_str(&p->raw), p->raw.len, k, name, &bad,
	    &nul) == -1) {
		/* an unknown charset: its bytes if they read as UTF-8 */
		if (utf8_valid(buf_str(&p->raw), p->raw.len))
			out_add(out, buf_str(&p->raw), p->raw.len);
		else
			out_add(out, p->from, (size_t)(p->to - p->from));
	}
	buf_reset(&p->raw);
	p->from = p->to = NULL;
	p->cs[0] = '\0';
}

/* RFC 2047: encoded words decoded, the space between two of them dropped */
static void
rfc2047_decode(struct buf *out, const char *s, size_t n)
{
	struct ew_pend p;
	size_t i = 0, lit = 0, k;
	bool prev = false, allws;
	struct ew w;

	memset(&p, 0, sizeof(p));
	buf_init(&p.raw, OUT_MAX);
	while (i < n) {
		if (s[i] != '=' || i + 1 >= n || s[i + 1] != '?' ||
		    !ew_parse(s + i, n - i, &w)) {
			i++;
			continue;
		}
		allws = true;
		for (k = lit; k < i; k++)
			if (!is_wsp(s[k]))
				allws = false;
		if (!(prev && allws)) {
			ew_flush(out, &p);
			out_add(out, s + lit, i - lit);
		}
		if (p.from != NULL && (w.cslen >= sizeof(p.cs) ||
		    strncasecmp(p.cs, w.cs, w.cslen) != 0 ||
		    p.cs[w.cslen] != '\0'))
			ew_flush(out, &p);
		if (p.from == NULL) {
			size_t cl = w.cslen < sizeof(p.cs) - 1 ? w.cslen :
			    sizeof(p.cs) - 1;

			memcpy(p.cs, w.cs, cl);
			p.cs[cl] = '\0';
			p.from = s + i;
		}
		ew_bytes(&p.raw, &w);
		i += w.len;
		p.to = s + i;
		lit = i;
		prev = true;
	}
	ew_flush(out, &p);
	out_add(out, s + lit, n - lit);
	buf_free(&p.raw);
}

/* bytes that keep a header value off the fast path */
static const unsigned char not_plain[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x7f] = 1,
	[0x80] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/*
 * A header value as people read it: folds removed, raw 8-bit text read as
 * UTF-8 or else windows-1252, RFC 2047 decoded, no CR, LF or NUL, trimmed.
 */
static char *
hdr_decode(const char *raw, size_t n)
{
	struct buf a = BUF_INIT(OUT_MAX), b = BUF_INIT(OUT_MAX);
	size_t i, j, start = 0;
	bool plain = true;
	char *s, *t;

	/* most values: printable ASCII, no encoded word */
	{
		unsigned int odd = 0;

		for (i = 0; i < n; i++)
			odd |= not_plain[(unsigned char)raw[i]];
		plain = odd == 0 && mem_find(raw, n, "=?") == NULL;
	}
	if (plain) {
		const char *cr;

		while (n > 0 && (is_wsp(raw[0]) || raw[0] == '\r' ||
		    raw[0] == '\n')) {
			raw++;
			n--;
		}
		while (n > 0 && (is_wsp(raw[n - 1]) || raw[n - 1] == '\r' ||
		    raw[n - 1] == '\n'))
			n--;
		s = xmalloc(n + 1);
		/* folds are CR LF WSP: drop the CR LF */
		for (i = j = 0; (cr = memchr(raw + i, '\r', n - i)) != NULL;) {
			size_t k = (size_t)(cr - raw);

			memcpy(s + j, raw + i, k - i);
			j += k - i;
			i = k + 1;
			if (i < n && raw[i] == '\n')
				i++;
		}
		memcpy(s + j, raw + i, n - i);
		j += n - i;
		s[j] = '\0';
		return s;
	}
	for (i = 0; i < n; i++) {
		if (raw[i] == '\r' || raw[i] == '\n') {
			out_add(&a, raw + start, i - start);
			start = i + 1;
		}
	}
	out_add(&a, raw + start, n - start);
	if (has_8bit(buf_str(&a), a.len) &&
	    !utf8_valid_nul(buf_str(&a), a.len)) {
		cp1252_to_utf8(&b, buf_str(&a), a.len, NULL);
		buf_reset(&a);
		out_add(&a, buf_str(&b), b.len);
		buf_reset(&b);
	}
	if (mem_find(buf_str(&a), a.len, "=?") != NULL) {
		rfc2047_decode(&b, buf_str(&a), a.len);
	} else {
		out_add(&b, buf_str(&a), a.len);
	}
	buf_free(&a);
	/* decoded text may hold anything: make it one clean line */
	if (!utf8_valid_nul(buf_str(&b), b.len)) {
		struct buf c = BUF_INIT(OUT_MAX);

		utf8_fix(&c, buf_str(&b), b.len, NULL);
		buf_free(&b);
		b = c;
	}
	s = buf_detach(&b, &n);
	for (i = 0; i < n; i++)
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
			s[i] = ' ';
	t = s;
	while (*t == ' ' || *t == '\t')
		t++;
	n -= (size_t)(t - s);
	while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
		n--;
	memmove(s, t, n);
	s[n] = '\0';
	return s;
}

/* ------------------------------------------------------- header blocks */

/*
 * A line that libetpan might read as a header field: a name of printable
 * ASCII without ":", then white space or comments, then ":".  When the
 * line ends before the colon after white space or inside a comment, the
 * colon may be on a folded line: that counts as a field (seeing more is
 * the safe side).
 */
static bool
field_like(const char *s, size_t n, size_t *nlen_r)
{
	size_t i = 0, depth = 0;
	bool skipped = false;

	while (i < n && (unsigned char)s[i] > 0x20 &&
	    (unsigned char)s[i] < 0x7f && s[i] != ':')
		i++;
	if (i == 0)
		return false;
	*nlen_r = i;
	while (i < n) {
		char c = s[i];

		if (depth > 0) {
			if (c == '\\')
				i++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			i++;
			continue;
		}
		if (c == ':')
			return true;
		if (is_wsp(c) || c == '(') {
			if (c == '(')
				depth++;
			skipped = true;
			i++;
			continue;
		}
		return false;
	}
	return skipped;
}

/* the content length of the line at p (CR LF not counted), and the next */
static size_t
line_at(const char *buf, size_t end, size_t p, size_t *next_r)
{
	const char *nl = memchr(buf + p, '\n', end - p);
	size_t l;

	if (nl == NULL) {
		*next_r = end;
		l = end - p;
	} else {
		*next_r = (size_t)(nl - buf) + 1;
		l = (size_t)(nl - buf) - p;
	}
	if (l > 0 && buf[p + l - 1] == '\r')
		l--;
	return l;
}

struct hfield {
	const char *name;
	size_t nlen;
	const char *val;	/* after the colon, folds included */
	size_t vlen;
};

/* the next field of the header block at *pos; false at its end */
static bool
hdr_next(const char *buf, size_t end, size_t *pos, struct hfield *f)
{
	size_t p = *pos, next, l, nlen, q, fe;
	const char *colon;

	while (p < end) {
		l = line_at(buf, end, p, &next);
		if (l == 0 || is_wsp(buf[p]) || !field_like(buf + p, l, &nlen))
			return false;
		fe = p + l;
		q = next;
		while (q < end && is_wsp(buf[q])) {
			fe = q + line_at(buf, end, q, &next);
			q = next;
		}
		colon = memchr(buf + p + nlen, ':', fe - p - nlen);
		*pos = q;
		if (colon == NULL) {
			p = q;
			continue;
		}
		f->name = buf + p;
		f->nlen = nlen;
		f->val = colon + 1;
		f->vlen = (size_t)(buf + fe - f->val);
		return true;
	}
	return false;
}

/* --------------------------------------------------------- parameters */

struct param {
	char *name;		/* lower case */
	char *value;		/* unquoted */
};

struct params {
	char *type;		/* the first token, lower case */
	struct param *v;
	size_t n;
};

static void
params_free(struct params *ps)
{
	size_t i;

	free(ps->type);
	for (i = 0; i < ps->n; i++) {
		free(ps->v[i].name);
		free(ps->v[i].value);
	}
	free(ps->v);
	ps->type = NULL;
	ps->v = NULL;
	ps->n = 0;
}

static size_t
skip_cfws(const char *s, size_t n, size_t i)
{
	size_t depth;

	for (;;) {
		while (i < n && (is_wsp(s[i]) || s[i] == '\r' || s[i] == '\n'))
			i++;
		if (i >= n || s[i] != '(')
			return i;
		for (depth = 0; i < n; i++) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '(')
				depth++;
			else if (s[i] == ')' && --depth == 0) {
				i++;
				break;
			}
		}
	}
}

/* "type/subtype; name=value; name="quoted"", leniently */
static void
params_parse(struct params *ps, const char *s, size_t n)
{
	struct buf v = BUF_INIT(OUT_MAX);
	size_t i, ns, ne, vs, ve;

	memset(ps, 0, sizeof(*ps));
	i = skip_cfws(s, n, 0);
	ns = i;
	while (i < n && s[i] != ';' && !is_wsp(s[i]) && s[i] != '(' &&
	    s[i] != '\r' && s[i] != '\n')
		i++;
	ps->type = xstrndup(s + ns, i - ns);
	str_lower(ps->type);
	while (i < n) {
		while (i < n && s[i] != ';')
			i++;
		if (i >= n)
			break;
		i = skip_cfws(s, n, i + 1);
		ns = i;
		while (i < n && s[i] != '=' && s[i] != ';' && !is_wsp(s[i]) &&
		    s[i] != '\r' && s[i] != '\n')
			i++;
		ne = i;
		i = skip_cfws(s, n, i);
		if (ne == ns || i >= n || s[i] != '=')
			continue;
		i = skip_cfws(s, n, i + 1);
		buf_reset(&v);
		if (i < n && s[i] == '"') {
			for (i++; i < n && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < n)
					i++;
				if (s[i] != '\r' && s[i] != '\n')
					out_addch(&v, s[i]);
			}
			if (i < n)
				i++;
		} else {
			vs = i;
			while (i < n && s[i] != ';')
				i++;
			ve = i;
			while (ve > vs && (is_wsp(s[ve - 1]) ||
			    s[ve - 1] == '\r' || s[ve - 1] == '\n'))
				ve--;
			for (; vs < ve; vs++)
				if (s[vs] != '\r' && s[vs] != '\n')
					out_addch(&v, s[vs]);
		}
		if (ps->n >= MIME_MAX_PARAMS)
			continue;
		if ((ps->n & (ps->n - 1)) == 0)
			ps->v = xreallocarray(ps->v, ps->n ? 2 * ps->n : 4,
			    sizeof(*ps->v));
		ps->v[ps->n].name = xstrndup(s + ns, ne - ns);
		str_lower(ps->v[ps->n].name);
		ps->v[ps->n].value = xstrndup(buf_str(&v), v.len);
		ps->n++;
	}
	buf_free(&v);
}

static const char *
param_get(const struct params *ps, const char *name)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (strcmp(ps->v[i].name, name) == 0)
			return ps->v[i].value;
	return NULL;
}

/* percent-decoding of an RFC 2231 extended value */
static void
pct_decode(struct buf *out, const char *s)
{
	int hi, lo;

	for (; *s != '\0'; s++) {
		if (*s == '%' && (hi = hexval(s[1])) >= 0 &&
		    (lo = hexval(s[2])) >= 0) {
			out_addch(out, (char)(hi * 16 + lo));
			s += 2;
		} else {
			out_addch(out, *s);
		}
	}
}

/* bytes of a name in an unknown charset: UTF-8 if valid, else windows-1252 */
static void
name_bytes(struct buf *out, const char *s, size_t n, const char *charset)
{
	size_t bad = 0, nul = 0;
	enum cs_kind k;
	char name[48];

	k = cs_classify(charset, name);
	if ((k == CS_NONE || k == CS_ASCII || k == CS_BAD) &&
	    utf8_valid_nul(s, n))
		k = CS_UTF8;
	else if (k == CS_NONE || k == CS_ASCII || k == CS_BAD)
		k = CS_1252;
	if (conv_utf8(out, s, n, k, name, &bad, &nul) == -1) {
		if (utf8_valid_nul(s, n))
			utf8_fix(out, s, n, NULL);
		else
			cp1252_to_utf8(out, s, n, NULL);
	}
}

/*
 * A file name parameter: RFC 2231 (name*=, name*0*=, name*1=, ...) first,
 * then the plain one with RFC 2047 words.  NULL when there is none.
 */
static char *
param_filename(const struct params *ps, const char *base)
{
	struct buf raw = BUF_INIT(OUT_MAX), out = BUF_INIT(OUT_MAX);
	char key[64], charset[72] = "";
	const char *v = NULL, *q;
	size_t i, k, bl = strlen(base), nseg = 0;
	char *s;

	if (bl > 40)
		return NULL;
	snprintf(key, sizeof(key), "%s*", base);
	if ((v = param_get(ps, key)) != NULL) {
		/* charset'language'percent-encoded */
		if ((q = strchr(v, '\'')) != NULL && strchr(q + 1, '\'') &&
		    (size_t)(q - v) < sizeof(charset)) {
			memcpy(charset, v, (size_t)(q - v));
			charset[q - v] = '\0';
			v = strchr(q + 1, '\'') + 1;
		}
		pct_decode(&raw, v);
		nseg = 1;
	} else {
		for (k = 0; k < MIME_MAX_PARAMS; k++) {
			bool ext = false;

			v = NULL;
			snprintf(key, sizeof(key), "%s*%zu", base, k);
			for (i = 0; i < ps->n; i++) {
				const char *nm = ps->v[i].name;

				if (strcmp(nm, key) == 0) {
					v = ps->v[i].value;
					break;
				}
				if (strncmp(nm, key, strlen(key)) == 0 &&
				    strcmp(nm + strlen(key), "*") == 0) {
					v = ps->v[i].value;
					ext = true;
					break;
				}
			}
			if (v == NULL)
				break;
			if (ext && k == 0 && (q = strchr(v, '\'')) != NULL &&
			    strchr(q + 1, '\'') != NULL &&
			    (size_t)(q - v) < sizeof(charset)) {
				memcpy(charset, v, (size_t)(q - v));
				charset[q - v] = '\0';
				v = strchr(q + 1, '\'') + 1;
			}
			if (ext)
				pct_decode(&raw, v);
			else
				out_addstr(&raw, v);
			nseg++;
		}
	}
	if (nseg > 0) {
		name_bytes(&out, buf_str(&raw), raw.len,
		    charset[0] != '\0' ? charset : NULL);
		buf_free(&raw);
		s = hdr_decode(buf_str(&out), out.len);
		buf_free(&out);
	} else {
		buf_free(&raw);
		buf_free(&out);
		if ((v = param_get(ps, base)) == NULL)
			return NULL;
		s = hdr_decode(v, strlen(v));
	}
	/* a name is one line of printable text */
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = ' ';
	return s;
}

/* ------------------------------------------------------------ pre-scan */

struct frame {
	char *bnd;		/* NULL: the body of a message/rfc822 */
	size_t blen;
	bool digest;		/* its parts default to message/rfc822 */
	bool opened;		/* a delimiter was seen */
	long multi;		/* the nearest multipart frame at or below */
};

#define SLOT_EMPTY	0
#define SLOT_DEAD	SIZE_MAX

enum { FK_OTHER, FK_CT, FK_CTE, FK_FREE };

struct scan {
	char *p;
	size_t len;
	const struct mime_limits *lim;
	struct err *err;
	size_t field_max;
	bool failed;

	struct frame *fr;
	size_t nfr, frcap;
	size_t *slot;		/* boundary -> outermost frame index + 1 */
	size_t cap, live, dead;

	unsigned long parts;
	size_t maxdepth;
	size_t top_fields;
	size_t top_end;		/* where the top-level body starts */
	size_t off, next;	/* the line being read */
	bool blank;		/* it is empty */

	/* the header block being read */
	bool hdr;
	bool top;
	bool digest;
	bool skipblank;		/* blank lines before the first part */
	size_t nfields;
	bool field;
	size_t fstart, fend, fnlen;
	int fkind;
	size_t pdepth, pmax;
	struct mailmime_content *ct;
	int cte;
};

static uint64_t
bhash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n-- > 0) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

/* the slot holding boundary s, or the first free slot for it */
static size_t
bh_slot(const struct scan *sc, const char *s, size_t n, bool *found)
{
	size_t i, first = SIZE_MAX, v;

	*found = false;
	for (i = bhash(s, n) & (sc->cap - 1);; i = (i + 1) & (sc->cap - 1)) {
		v = sc->slot[i];
		if (v == SLOT_EMPTY)
			return first != SIZE_MAX ? first : i;
		if (v == SLOT_DEAD) {
			if (first == SIZE_MAX)
				first = i;
			continue;
		}
		if (sc->fr[v - 1].blen == n &&
		    memcmp(sc->fr[v - 1].bnd, s, n) == 0) {
			*found = true;
			return i;
		}
	}
}

static long
bh_get(const struct scan *sc, const char *s, size_t n)
{
	bool found;
	size_t i;

	if (sc->live == 0)
		return -1;
	i = bh_slot(sc, s, n, &found);
	return found ? (long)(sc->slot[i] - 1) : -1;
}

static void bh_put(struct scan *, size_t);

static void
bh_rebuild(struct scan *sc)
{
	size_t i, want = 16;

	while (want < 4 * (sc->live + 1))
		want *= 2;
	free(sc->slot);
	sc->slot = xcalloc(want, sizeof(*sc->slot));
	sc->cap = want;
	sc->live = sc->dead = 0;
	/* bottom first, so that the outermost frame keeps a boundary */
	for (i = 0; i < sc->nfr; i++)
		if (sc->fr[i].bnd != NULL)
			bh_put(sc, i);
}

static void
bh_put(struct scan *sc, size_t fi)
{
	bool found;
	size_t i;

	if (sc->cap == 0 || 2 * (sc->live + sc->dead + 1) > sc->cap) {
		bh_rebuild(sc);
		/* the rebuild inserted fi already if it is on the stack */
		if (bh_get(sc, sc->fr[fi].bnd, sc->fr[fi].blen) >= 0)
			return;
	}
	i = bh_slot(sc, sc->fr[fi].bnd, sc->fr[fi].blen, &found);
	if (found)
		return;
	if (sc->slot[i] == SLOT_DEAD)
		sc->dead--;
	sc->slot[i] = fi + 1;
	sc->live++;
}

static void
bh_del(struct scan *sc, size_t fi)
{
	bool found;
	size_t i;

	if (sc->cap == 0)
		return;
	i = bh_slot(sc, sc->fr[fi].bnd, sc->fr[fi].blen, &found);
	if (found && sc->slot[i] == fi + 1) {
		sc->slot[i] = SLOT_DEAD;
		sc->live--;
		sc->dead++;
	}
}

static void
frame_push(struct scan *sc, const char *bnd, size_t blen, bool digest)
{
	struct frame *f;

	if (sc->nfr == sc->frcap) {
		sc->frcap = sc->frcap ? sc->frcap * 2 : 16;
		sc->fr = xreallocarray(sc->fr, sc->frcap, sizeof(*sc->fr));
	}
	f = &sc->fr[sc->nfr];
	f->bnd = bnd != NULL ? xstrndup(bnd, blen) : NULL;
	f->blen = blen;
	f->digest = digest;
	f->opened = false;
	if (bnd != NULL)
		f->multi = (long)sc->nfr;
	else
		f->multi = sc->nfr > 0 ? sc->fr[sc->nfr - 1].multi : -1;
	sc->nfr++;
	if (bnd != NULL)
		bh_put(sc, sc->nfr - 1);
	if (sc->nfr > sc->maxdepth)
		sc->maxdepth = sc->nfr;
}

static void
frame_pop_to(struct scan *sc, size_t keep)
{
	while (sc->nfr > keep) {
		struct frame *f = &sc->fr[sc->nfr - 1];

		if (f->bnd != NULL)
			bh_del(sc, sc->nfr - 1);
		free(f->bnd);
		sc->nfr--;
	}
}

static int
scan_fail(struct scan *sc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int
scan_fail(struct scan *sc, const char *fmt, ...)
{
	char msg[sizeof(sc->err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err_set(sc->err, ERR_MSG, "%s", msg);
	sc->failed = true;
	return -1;
}

static void
block_open(struct scan *sc, bool top, bool digest)
{
	sc->hdr = true;
	sc->top = top;
	sc->digest = digest;
	sc->skipblank = false;
	sc->nfields = 0;
	sc->field = false;
	if (sc->ct != NULL)
		mailmime_content_free(sc->ct);
	sc->ct = NULL;
	sc->cte = 0;
}

/*
 * A Content-Type value as libetpan reads it: mailmime_field_parse() runs it
 * through mailmime_encoded_phrase_parse() first (words joined by single
 * spaces, encoded words decoded; on failure the raw value), and only then
 * through mailmime_content_parse().  Plain ASCII without "=?" takes a
 * shortcut with the same result (the phrase parser calls iconv_open() for
 * every word).
 */
static struct mailmime_content *
ct_parse(const char *v, size_t vl)
{
	struct mailmime_content *c = NULL;
	char *dec = NULL, *w;
	size_t idx = 0, i, j;
	bool simple = true;
	int r;

	for (i = 0; i < vl && simple; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (ch >= 0x7f || (ch < 0x20 && ch != '\t' && ch != '\r' &&
		    ch != '\n') || (ch == '=' && i + 1 < vl && v[i + 1] == '?'))
			simple = false;
	}
	if (simple && mem_ifind(v, vl, "multipart") == NULL &&
	    mem_ifind(v, vl, "message") == NULL) {
		/*
		 * Not a container: no need to know more.  Should libetpan read
		 * it after all, a later Content-Type the pre-scan takes for
		 * the first can only make it see more structure, never less.
		 */
		return NULL;
	}
	if (simple) {
		w = xmalloc(vl + 1);
		for (i = j = 0; i < vl;) {
			if (is_wsp(v[i]) || v[i] == '\r' || v[i] == '\n') {
				while (i < vl && (is_wsp(v[i]) || v[i] == '\r' ||
				    v[i] == '\n'))
					i++;
				if (j > 0)
					w[j++] = ' ';
				continue;
			}
			w[j++] = v[i++];
		}
		w[j] = '\0';
		r = mailmime_content_parse(w, j, &idx, &c);
		free(w);
	} else {
		r = mailmime_encoded_phrase_parse("us-ascii", v, vl, &idx,
		    "utf-8", &dec);
		idx = 0;
		c = NULL;
		if (r == MAILIMF_NO_ERROR && dec != NULL) {
			r = mailmime_content_parse(dec, strlen(dec), &idx, &c);
			free(dec);
		} else {
			r = mailmime_content_parse(v, vl, &idx, &c);
		}
	}
	return r == MAILIMF_NO_ERROR ? c : NULL;
}

static int
field_end(struct scan *sc)
{
	const char *colon, *v;
	size_t size, vl, idx;
	int r;

	if (!sc->field)
		return 0;
	sc->field = false;
	size = sc->fend - sc->fstart;
	if (size > 0 && sc->p[sc->fstart + size - 1] == '\n')
		size--;
	if (size > 0 && sc->p[sc->fstart + size - 1] == '\r')
		size--;
	if (size > sc->field_max)
		return scan_fail(sc, "a header field is %zu bytes long; "
		    "the limit is %zu", size, sc->field_max);
	if (sc->pmax > MIME_MAX_COMMENT_DEPTH)
		return scan_fail(sc, "a header field nests comments %zu deep; "
		    "the limit is %u", sc->pmax, MIME_MAX_COMMENT_DEPTH);
	if (sc->fkind == FK_CT && size > MIME_MAX_CT_FIELD)
		return scan_fail(sc, "a Content-Type field is %zu bytes long; "
		    "the limit is %u", size, MIME_MAX_CT_FIELD);
	if (sc->fkind != FK_CT && sc->fkind != FK_CTE)
		return 0;
	if ((sc->fkind == FK_CT && sc->ct != NULL) ||
	    (sc->fkind == FK_CTE && sc->cte != 0))
		return 0;
	colon = memchr(sc->p + sc->fstart + sc->fnlen, ':',
	    size - sc->fnlen);
	if (colon == NULL)
		return 0;
	v = colon + 1;
	vl = (size_t)(sc->p + sc->fstart + size - v);
	idx = 0;
	if (sc->fkind == FK_CT) {
		sc->ct = ct_parse(v, vl);
	} else {
		struct mailmime_mechanism *m = NULL;

		r = mailmime_encoding_parse(v, vl, &idx, &m);
		if (r == MAILIMF_NO_ERROR && m != NULL) {
			sc->cte = m->enc_type;
			mailmime_mechanism_free(m);
		}
	}
	return 0;
}

static const char *
ct_param(struct mailmime_content *ct, const char *name)
{
	clistiter *c;

	if (ct == NULL || ct->ct_parameters == NULL)
		return NULL;
	for (c = clist_begin(ct->ct_parameters); c != NULL; c = clist_next(c)) {
		struct mailmime_parameter *p = clist_content(c);

		if (p != NULL && p->pa_name != NULL && p->pa_value != NULL &&
		    strcasecmp(p->pa_name, name) == 0)
			return p->pa_value;
	}
	return NULL;
}

/* a header block ends: what comes next, as libetpan will read it */
static int
block_close(struct scan *sc)
{
	struct mailmime_content *ct;
	bool msg = false, top = sc->top, pushed = false;

	if (field_end(sc) == -1)
		return -1;
	sc->hdr = false;
	if (sc->nfields > MIME_MAX_FIELDS)
		return scan_fail(sc, "a header has %zu fields; the limit is %u",
		    sc->nfields, MIME_MAX_FIELDS);
	if (top) {
		sc->top_fields = sc->nfields;
		sc->top_end = sc->blank ? sc->next : sc->off;
	}
	ct = sc->ct;
	if (ct == NULL) {
		msg = sc->digest && !top;
	} else if (ct->ct_type != NULL &&
	    ct->ct_type->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE &&
	    ct->ct_type->tp_data.tp_composite_type != NULL) {
		int ctype = ct->ct_type->tp_data.tp_composite_type->ct_type;
		const char *sub = ct->ct_subtype != NULL ? ct->ct_subtype : "";

		if (ctype == MAILMIME_COMPOSITE_TYPE_MULTIPART) {
			const char *b = ct_param(ct, "boundary");
			size_t bl;

			if (b != NULL) {
				/* mailmime_extract_boundary()'s reading */
				bl = strlen(b);
				if (b[0] == '"') {
					if (bl < 2)
						return scan_fail(sc,
						    "a multipart boundary "
						    "parameter is broken");
					b++;
					bl -= 2;
				}
				if (bl == 0)
					return scan_fail(sc, "a multipart "
					    "boundary parameter is empty");
				frame_push(sc, b, bl,
				    strcasecmp(sub, "digest") == 0);
				pushed = true;
			}
		} else if (ctype == MAILMIME_COMPOSITE_TYPE_MESSAGE) {
			msg = strcasecmp(sub, "rfc822") == 0;
		}
	}
	if (sc->ct != NULL)
		mailmime_content_free(sc->ct);
	sc->ct = NULL;
	if (msg && sc->cte != MAILMIME_MECHANISM_BASE64 &&
	    sc->cte != MAILMIME_MECHANISM_QUOTED_PRINTABLE) {
		/* the body is a message: its header block starts now */
		frame_push(sc, NULL, 0, false);
		block_open(sc, false, false);
	} else if (pushed) {
		/*
		 * Should the boundary never show, libetpan reads the whole
		 * body as one part, headers first: read it so until the
		 * first delimiter (a preamble is seldom a header).
		 */
		block_open(sc, false, sc->fr[sc->nfr - 1].digest);
		sc->skipblank = true;
	}
	return 0;
}

static void
part_start(struct scan *sc, size_t fi)
{
	frame_pop_to(sc, fi + 1);
	sc->fr[fi].opened = true;
	sc->parts++;
	block_open(sc, false, sc->fr[fi].digest);
	/*
	 * libetpan skips the blank lines before the first part's headers,
	 * and one before every other part's: skipping them all sees more.
	 */
	sc->skipblank = true;
}

static void
scan_free(struct scan *sc)
{
	frame_pop_to(sc, 0);
	free(sc->fr);
	free(sc->slot);
	if (sc->ct != NULL)
		mailmime_content_free(sc->ct);
	sc->fr = NULL;
	sc->slot = NULL;
	sc->ct = NULL;
}

/*
 * A "--" line in a header block that may be a delimiter where libetpan
 * splits the message: of an open multipart, or of the one this block is
 * about to open.
 */
static bool
delim_candidate(const struct scan *sc, const char *line, size_t l)
{
	const char *rest = line + 2, *b;
	size_t rl = l - 2, t = rl, bl;
	long fi;

	while (t > 0 && is_wsp(rest[t - 1]))
		t--;
	if (sc->nfr > 0) {
		if (bh_get(sc, rest, t) >= 0)
			return true;
		fi = sc->fr[sc->nfr - 1].multi;
		if (fi >= 0 && rl >= sc->fr[fi].blen &&
		    memcmp(rest, sc->fr[fi].bnd, sc->fr[fi].blen) == 0)
			return true;
	}
	if (sc->ct == NULL || sc->ct->ct_type == NULL ||
	    sc->ct->ct_type->tp_type != MAILMIME_TYPE_COMPOSITE_TYPE ||
	    sc->ct->ct_type->tp_data.tp_composite_type == NULL ||
	    sc->ct->ct_type->tp_data.tp_composite_type->ct_type !=
	    MAILMIME_COMPOSITE_TYPE_MULTIPART ||
	    (b = ct_param(sc->ct, "boundary")) == NULL)
		return false;
	bl = strlen(b);
	if (b[0] == '"') {
		if (bl < 2)
			return true;
		b++;
		bl -= 2;
	}
	return rl >= bl && memcmp(rest, b, bl) == 0;
}

/*
 * A line in a header block: 0 when it was read as a header line, 1 when
 * it ended the block and belongs to the body, -1 on an error.
 */
static int
hdr_line(struct scan *sc, size_t off, size_t l)
{
	char *line = sc->p + off;
	size_t i, nlen;

	if (sc->skipblank) {
		for (i = 0; i < l && is_wsp(line[i]); i++)
			;
		if (i == l)
			return 0;
		sc->skipblank = false;
	}
	if (l == 0) {
		sc->blank = true;
		return block_close(sc);
	}
	sc->blank = false;
	if (l >= 2 && line[0] == '-' && line[1] == '-') {
		if (field_end(sc) == -1)
			return -1;
		if (delim_candidate(sc, line, l))
			goto body;
	}
	if (is_wsp(line[0]) && sc->field) {
		/* a folded line of the current field */
	} else if (!is_wsp(line[0]) && field_like(line, l, &nlen)) {
		if (field_end(sc) == -1)
			return -1;
		sc->nfields++;
		sc->field = true;
		sc->fstart = off;
		sc->fnlen = nlen;
		sc->pdepth = sc->pmax = 0;
		if (mem_ieq(line, nlen, "content-type"))
			sc->fkind = FK_CT;
		else if (mem_ieq(line, nlen, "content-transfer-encoding"))
			sc->fkind = FK_CTE;
		else if (mem_ieq(line, nlen, "subject") ||
		    mem_ieq(line, nlen, "comments"))
			sc->fkind = FK_FREE;
		else
			sc->fkind = FK_OTHER;
	} else {
		goto body;
	}
	if (l > sc->lim->max_header_line)
		return scan_fail(sc, "a header line is %zu bytes long; "
		    "the limit is %zu", l, sc->lim->max_header_line);
	sc->fend = off + l + 2;
	if (sc->fend > sc->len)
		sc->fend = sc->len;
	if (memchr(line, '\0', l) == NULL && (sc->fkind == FK_FREE ||
	    (memchr(line, '(', l) == NULL && (sc->pdepth == 0 ||
	    memchr(line, ')', l) == NULL))))
		return 0;
	for (i = 0; i < l; i++) {
		if (line[i] == '\0') {
			line[i] = ' ';
		} else if (sc->fkind == FK_FREE) {
			continue;
		} else if (line[i] == '\\') {
			i++;
		} else if (line[i] == '(') {
			if (++sc->pdepth > sc->pmax)
				sc->pmax = sc->pdepth;
		} else if (line[i] == ')' && sc->pdepth > 0) {
			sc->pdepth--;
		}
	}
	return 0;
body:
	/* not a header line: the body starts here */
	if (block_close(sc) == -1)
		return -1;
	/* a message/rfc822 just opened has no header line either */
	if (sc->hdr && block_close(sc) == -1)
		return -1;
	return 1;
}

/* a line starting with "--" outside a header block */
static int
scan_delimiter(struct scan *sc, size_t off, size_t l)
{
	const char *line = sc->p + off, *rest = line + 2;
	size_t rl = l - 2, t = rl;
	struct frame *f;
	long fi;

	while (t > 0 && is_wsp(rest[t - 1]))
		t--;
	/* "--boundary" alone ends a part at every level above its frame */
	if ((fi = bh_get(sc, rest, t)) >= 0) {
		part_start(sc, (size_t)fi);
		return 0;
	}
	/* the innermost multipart takes anything that starts with it */
	fi = sc->fr[sc->nfr - 1].multi;
	if (fi < 0)
		return 0;
	f = &sc->fr[fi];
	if (rl >= f->blen && memcmp(rest, f->bnd, f->blen) == 0) {
		/* libetpan takes the first line that starts "--boundary" to
		 * open the first part, whatever follows */
		if (f->opened && rl >= f->blen + 2 && rest[f->blen] == '-' &&
		    rest[f->blen + 1] == '-') {
			/* a close delimiter; the frame stays: seeing more is
			 * the safe side */
			frame_pop_to(sc, (size_t)fi + 1);
			return 0;
		}
		part_start(sc, (size_t)fi);
		return 0;
	}
	if (f->opened)
		return 0;
	/*
	 * A multipart whose boundary never shows: libetpan reads what follows
	 * the last "--" at the start of a line as a part, headers and all.
	 * Every such line may be the last one.
	 */
	frame_pop_to(sc, (size_t)fi + 1);
	sc->parts++;
	block_open(sc, false, f->digest);
	sc->skipblank = true;
	return hdr_line(sc, off + 2, l - 2) == -1 ? -1 : 0;
}

static int
scan_line(struct scan *sc, size_t off, size_t l)
{
	const char *line = sc->p + off;
	int r;

	if (sc->hdr && (r = hdr_line(sc, off, l)) != 1)
		return r;
	if (l >= 2 && line[0] == '-' && line[1] == '-' && sc->nfr > 0)
		return scan_delimiter(sc, off, l);
	return 0;
}

/*
 * The pre-scan.  It reads every line once; boundaries are found through a
 * hash, so nesting 10,000 deep costs no more than 10,000 parts side by
 * side, and the counts in the errors are exact.
 */
static int
scan_run(char *p, size_t len, const struct mime_limits *lim,
    struct err *err, size_t *top_end_r)
{
	struct scan sc;
	size_t off = 0, next, l;
	int rc = -1;

	memset(&sc, 0, sizeof(sc));
	sc.p = p;
	sc.len = len;
	sc.lim = lim;
	sc.err = err;
	sc.field_max = lim->max_header_line > MIME_MAX_FIELD ?
	    lim->max_header_line : MIME_MAX_FIELD;
	sc.parts = 1;
	block_open(&sc, true, false);
	while (off < len) {
		l = line_at(p, len, off, &next);
		sc.off = off;
		sc.next = next;
		if (scan_line(&sc, off, l) == -1)
			goto out;
		off = next;
	}
	sc.off = sc.next = len;
	sc.blank = false;
	while (sc.hdr)
		if (block_close(&sc) == -1)
			goto out;
	if (sc.top_fields == 0) {
		err_set(err, ERR_MSG, "the message does not start with header "
		    "fields (\"Name: value\" lines, then an empty line)");
		goto out;
	}
	if (sc.maxdepth > lim->max_depth) {
		err_set(err, ERR_MSG, "MIME parts are nested %zu deep; "
		    "the limit is %u", sc.maxdepth, lim->max_depth);
		goto out;
	}
	if (sc.parts > lim->max_parts) {
		err_set(err, ERR_MSG, "the message has %lu MIME parts; "
		    "the limit is %u", sc.parts, lim->max_parts);
		goto out;
	}
	*top_end_r = sc.top_end;
	rc = 0;
out:
	scan_free(&sc);
	return rc;
}

/*
 * A private copy with every line end CRLF: a run of CRs before an LF, a
 * lone run of CRs and a bare LF each make one line end.
 */
static char *
normalise(const char *s, size_t n, size_t *len_r)
{
	char *d = xmalloc(2 * n + 3);
	size_t i = 0, j = 0, k, end, body;
	const char *nl;

	while (i < n) {
		nl = memchr(s + i, '\n', n - i);
		end = nl != NULL ? (size_t)(nl - s) : n;
		body = end;
		if (nl != NULL && body > i && s[body - 1] == '\r')
			body--;
		if (memchr(s + i, '\r', body - i) == NULL) {
			memcpy(d + j, s + i, body - i);
			j += body - i;
			if (nl != NULL) {
				d[j++] = '\r';
				d[j++] = '\n';
			}
			i = nl != NULL ? end + 1 : n;
			continue;
		}
		/* stray CRs on this line: byte by byte */
		while (i < end) {
			if (s[i] != '\r') {
				d[j++] = s[i++];
				continue;
			}
			k = i;
			while (i < n && s[i] == '\r')
				i++;
			if (i < n && s[i] == '\n') {
				/* CR CR LF: one line end */
				i++;
				k = i - 1;
			}
			/* else every CR is a line end (old Mac files) */
			for (; k < i; k++) {
				d[j++] = '\r';
				d[j++] = '\n';
			}
		}
		if (i == end && nl != NULL) {
			d[j++] = '\r';
			d[j++] = '\n';
			i = end + 1;
		}
	}
	/* libetpan reads a last line best when it is ended too */
	if (j > 0 && d[j - 1] != '\n') {
		d[j++] = '\r';
		d[j++] = '\n';
	}
	d[j] = '\0';
	*len_r = j;
	return d;
}

/* ------------------------------------------------------ format=flowed */

char *
mime_flowed_decode(const char *text, bool delsp)
{
	struct buf out = BUF_INIT(OUT_MAX);
	const char *p = text, *nl, *c;
	size_t n, q, cur_q = 0;
	bool open = false, flowed;

	if (text == NULL)
		return xstrdup("");
	while (*p != '\0') {
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		for (q = 0; q < n && p[q] == '>'; q++)
			;
		c = p + q;
		n -= q;
		/* space-stuffing */
		if (n > 0 && c[0] == ' ') {
			c++;
			n--;
		}
		flowed = n > 0 && c[n - 1] == ' ' &&
		    !(n == 3 && memcmp(c, "-- ", 3) == 0);
		if (flowed && delsp)
			n--;
		if (open && q != cur_q) {
			/* a flowed line whose quote depth changes ends here */
			out_addch(&out, '\n');
			open = false;
		}
		if (!open) {
			size_t k;

			for (k = 0; k < q; k++)
				out_addch(&out, '>');
			if (q > 0 && n > 0)
				out_addch(&out, ' ');
			cur_q = q;
		}
		out_add(&out, c, n);
		open = flowed;
		if (!flowed && nl != NULL)
			out_addch(&out, '\n');
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (open && p > text && p[-1] == '\n')
		out_addch(&out, '\n');
	return buf_detach(&out, NULL);
}

/* --------------------------------------------------------------- HTML */

struct hr {
	struct buf out;
	unsigned nl;		/* line breaks owed before the next text */
	unsigned quote;		/* blockquote depth */
	unsigned lastq;		/* the depth of the last line written */
	unsigned pre;
	bool space;		/* a space owed before the next text */
	bool bol;		/* at the beginning of a line */
	size_t a_start;		/* output length at the last <a> */
	const char *a_href;
	unsigned drop;		/* inside script, style, ... (crude reader) */
};

static void
hr_flush(struct hr *h)
{
	unsigned k, i;

	if (h->out.len == 0) {
		h->nl = 0;
		h->space = false;
	}
	if (h->nl > 0) {
		if (h->nl > 2)
			h->nl = 2;
		for (k = 0; k < h->nl; k++) {
			/* a blank line is quoted only inside one quote */
			if (k > 0)
				for (i = 0; i < h->quote && i < h->lastq; i++)
					out_addch(&h->out, '>');
			out_addch(&h->out, '\n');
		}
		h->nl = 0;
		h->bol = true;
		h->space = false;
	}
	if (h->bol) {
		h->lastq = h->quote;
		if (h->quote > 0) {
			for (i = 0; i < h->quote; i++)
				out_addch(&h->out, '>');
			out_addch(&h->out, ' ');
		}
		h->bol = false;
		h->space = false;
	} else if (h->space) {
		out_addch(&h->out, ' ');
		h->space = false;
	}
}

static void
hr_block(struct hr *h, unsigned n)
{
	if (h->nl < n)
		h->nl = n;
	h->space = false;
}

/* soft hyphen, zero-width space and BOM: invisible, and they would split
 * a field name or a value in two */
static size_t
invisible(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	if (n >= 2 && p[0] == 0xc2 && p[1] == 0xad)
		return 2;
	if (n >= 3 && p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0x8b)
		return 3;
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		return 3;
	return 0;
}

static void
hr_text(struct hr *h, const char *s, size_t n)
{
	size_t i = 0, st, k;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (h->pre > 0) {
			if (c == '\n') {
				if (h->out.len > 0)
					h->nl++;
				else
					h->nl = 0;
				h->bol = h->out.len > 0;
				i++;
				continue;
			}
			if (c == '\r') {
				i++;
				continue;
			}
			st = i;
			while (i < n && s[i] != '\n' && s[i] != '\r')
				i++;
			if (h->nl > 0 || h->bol || h->out.len == 0) {
				h->space = false;
				hr_flush(h);
			}
			out_add(&h->out, s + st, i - st);
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f' || c == '\v') {
			h->space = true;
			i++;
			continue;
		}
		if ((k = invisible(s + i, n - i)) > 0) {
			i += k;
			continue;
		}
		if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] == 0xa0) {
			/* a no-break space shows: it stays, as a space */
			hr_flush(h);
			out_addch(&h->out, ' ');
			i += 2;
			continue;
		}
		st = i;
		while (i < n) {
			c = (unsigned char)s[i];
			if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
			    c == '\f' || c == '\v' || (c == 0xc2 && i + 1 < n &&
			    (unsigned char)s[i + 1] == 0xa0) ||
			    invisible(s + i, n - i) > 0)
				break;
			i++;
		}
		hr_flush(h);
		out_add(&h->out, s + st, i - st);
	}
}

static char *
hr_finish(struct hr *h)
{
	size_t n, i, j;
	char *s;

	/* gumbo 0.10 can write broken UTF-8 for an overflowing "&#x...;" */
	if (!utf8_valid(buf_str(&h->out), h->out.len)) {
		struct buf b = BUF_INIT(OUT_MAX);

		utf8_fix(&b, buf_str(&h->out), h->out.len, NULL);
		buf_free(&h->out);
		h->out = b;
	}

	s = buf_detach(&h->out, &n);
	/* no spaces at line ends (no-break spaces can leave some) */
	for (i = j = 0; i < n; i++) {
		if (s[i] == '\n')
			while (j > 0 && s[j - 1] == ' ')
				j--;
		s[j++] = s[i];
	}
	n = j;
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	s[n] = '\0';
	if (n > 0) {
		char *t = xmalloc(n + 2);

		memcpy(t, s, n);
		t[n] = '\n';
		t[n + 1] = '\0';
		free(s);
		s = t;
	}
	return s;
}

static bool
tag_is_block(GumboTag t)
{
	switch (t) {
	case GUMBO_TAG_P: case GUMBO_TAG_DIV: case GUMBO_TAG_LI:
	case GUMBO_TAG_TR: case GUMBO_TAG_H1: case GUMBO_TAG_H2:
	case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5:
	case GUMBO_TAG_H6: case GUMBO_TAG_TABLE: case GUMBO_TAG_UL:
	case GUMBO_TAG_OL: case GUMBO_TAG_DL: case GUMBO_TAG_DT:
	case GUMBO_TAG_DD: case GUMBO_TAG_SECTION: case GUMBO_TAG_ARTICLE:
	case GUMBO_TAG_HEADER: case GUMBO_TAG_FOOTER: case GUMBO_TAG_NAV:
	case GUMBO_TAG_ASIDE: case GUMBO_TAG_ADDRESS: case GUMBO_TAG_FIGURE:
	case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_FORM:
	case GUMBO_TAG_FIELDSET: case GUMBO_TAG_LEGEND:
	case GUMBO_TAG_CENTER: case GUMBO_TAG_MAIN: case GUMBO_TAG_DETAILS:
	case GUMBO_TAG_SUMMARY: case GUMBO_TAG_CAPTION: case GUMBO_TAG_HR:
	case GUMBO_TAG_HGROUP: case GUMBO_TAG_MENU: case GUMBO_TAG_DIR:
	case GUMBO_TAG_LISTING: case GUMBO_TAG_XMP: case GUMBO_TAG_PLAINTEXT:
	case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_PRE:
		return true;
	default:
		return false;
	}
}

static bool
tag_is_dropped(GumboTag t)
{
	switch (t) {
	case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_HEAD:
	case GUMBO_TAG_TITLE: case GUMBO_TAG_TEMPLATE:
	case GUMBO_TAG_NOSCRIPT: case GUMBO_TAG_OBJECT:
	case GUMBO_TAG_IFRAME: case GUMBO_TAG_SVG: case GUMBO_TAG_MATH:
	case GUMBO_TAG_SELECT: case GUMBO_TAG_NOFRAMES:
		return true;
	default:
		return false;
	}
}

static bool
looks_like_url(const char *s, size_t n)
{
	return mem_find(s, n, "://") != NULL || mem_find(s, n, "www.") != NULL;
}

static void
hr_link_end(struct hr *h)
{
	const char *href = h->a_href;
	size_t tl, i;

	h->a_href = NULL;
	if (href == NULL || h->out.len <= h->a_start)
		return;
	tl = h->out.len - h->a_start;
	if (looks_like_url(h->out.data + h->a_start, tl))
		return;
	while (*href == ' ' || *href == '\t' || *href == '\n' || *href == '\r')
		href++;
	if (!str_iprefix(href, "http://") && !str_iprefix(href, "https://"))
		return;
	hr_flush(h);
	out_addstr(&h->out, " <");
	for (i = 0; href[i] != '\0'; i++)
		if ((unsigned char)href[i] > 0x20)
			out_addch(&h->out, href[i]);
	out_addch(&h->out, '>');
}

/* returns whether to descend into the node */
static bool
hr_enter(struct hr *h, GumboNode *n)
{
	GumboTag t;

	switch (n->type) {
	case GUMBO_NODE_TEXT:
	case GUMBO_NODE_CDATA:
	case GUMBO_NODE_WHITESPACE:
		if (n->v.text.text != NULL)
			hr_text(h, n->v.text.text, strlen(n->v.text.text));
		return false;
	case GUMBO_NODE_ELEMENT:
		break;
	default:
		return false;
	}
	t = n->v.element.tag;
	if (tag_is_dropped(t))
		return false;
	switch (t) {
	case GUMBO_TAG_BR:
		if (h->out.len > 0)
			h->nl++;
		h->space = false;
		return false;
	case GUMBO_TAG_TD:
	case GUMBO_TAG_TH:
		h->space = true;
		return true;
	case GUMBO_TAG_A: {
		GumboAttribute *a = gumbo_get_attribute(&n->v.element.attributes,
		    "href");

		h->a_href = a != NULL ? a->value : NULL;
		h->a_start = h->out.len;
		return true;
	}
	default:
		break;
	}
	if (tag_is_block(t))
		hr_block(h, 1);
	if (t == GUMBO_TAG_BLOCKQUOTE)
		h->quote++;
	else if (t == GUMBO_TAG_PRE || t == GUMBO_TAG_LISTING ||
	    t == GUMBO_TAG_XMP || t == GUMBO_TAG_PLAINTEXT)
		h->pre++;
	else if (t == GUMBO_TAG_LI)
		hr_text(h, "- ", 2);
	return true;
}

static void
hr_leave(struct hr *h, GumboNode *n)
{
	GumboTag t;

	if (n->type != GUMBO_NODE_ELEMENT)
		return;
	t = n->v.element.tag;
	if (t == GUMBO_TAG_A) {
		hr_link_end(h);
		return;
	}
	if (t == GUMBO_TAG_BLOCKQUOTE && h->quote > 0)
		h->quote--;
	else if ((t == GUMBO_TAG_PRE || t == GUMBO_TAG_LISTING ||
	    t == GUMBO_TAG_XMP || t == GUMBO_TAG_PLAINTEXT) && h->pre > 0)
		h->pre--;
	if (tag_is_block(t))
		hr_block(h, 1);
}

static const GumboVector *
node_children(const GumboNode *n)
{
	if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE)
		return &n->v.element.children;
	if (n->type == GUMBO_NODE_DOCUMENT)
		return &n->v.document.children;
	return NULL;
}

/* walks the tree without recursion (parent links) */
static void
hr_walk(struct hr *h, GumboNode *root)
{
	GumboNode *n = root, *parent;
	const GumboVector *ch;
	bool down = true;
	size_t idx, k;

	while (n != NULL) {
		if (down) {
			ch = node_children(n);
			if (hr_enter(h, n) && ch != NULL && ch->length > 0) {
				n = ch->data[0];
				continue;
			}
		}
		hr_leave(h, n);
		if (n == root)
			break;
		parent = n->parent;
		if (parent == NULL || (ch = node_children(parent)) == NULL)
			break;
		idx = n->index_within_parent;
		if (idx >= ch->length || ch->data[idx] != n) {
			for (idx = 0; idx < ch->length; idx++)
				if (ch->data[idx] == n)
					break;
			if (idx >= ch->length)
				break;
		}
		k = idx + 1;
		if (k < ch->length) {
			n = ch->data[k];
			down = true;
		} else {
			n = parent;
			down = false;
		}
	}
}

static const char *const void_tags[] = {
	"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
	"meta", "param", "source", "track", "wbr", "keygen", "basefont",
	"bgsound", "frame", "image", "isindex", "spacer", "nextid", NULL
};
/* closed by their siblings, so counting them overstates the depth */
static const char *const open_tags[] = {
	"p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup",
	"thead", "tbody", "tfoot", "colgroup", "rb", "rt", "rp", "rtc", NULL
};

static bool
in_list(const char *const *list, const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (; *list != NULL; list++)
		if (lc(s[0]) == (*list)[0] && mem_ieq(s, n, *list))
			return true;
	return false;
}

/* the end of the tag that starts at s[i] == '<' (quotes respected) */
static size_t
tag_end(const char *s, size_t n, size_t i)
{
	char q = 0;

	for (i++; i < n; i++) {
		if (q != 0) {
			if (s[i] == q)
				q = 0;
		} else if (s[i] == '"' || s[i] == '\'') {
			q = s[i];
		} else if (s[i] == '>') {
			return i;
		}
	}
	return n;
}

/*
 * An upper estimate of the element nesting gumbo would build: start tags
 * that are neither void nor closed by their siblings, less end tags.
 * Gumbo's time (and memory with errors kept) grows with depth times size.
 */
static size_t
html_depth(const char *s, size_t n)
{
	size_t i = 0, d = 0, max = 0, ns, e;
	const char *p;
	bool end;

	while ((p = memchr(s + i, '<', n - i)) != NULL) {
		i = (size_t)(p - s);
		if (n - i >= 4 && memcmp(p, "<!--", 4) == 0) {
			p = mem_find(s + i + 4, n - i - 4, "-->");
			if (p == NULL)
				break;
			i = (size_t)(p - s) + 3;
			continue;
		}
		e = tag_end(s, n, i);
		end = i + 1 < n && s[i + 1] == '/';
		ns = i + 1 + (end ? 1 : 0);
		i = ns;
		while (i < n && ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			i++;
		if (i > ns && !(s[ns] >= '0' && s[ns] <= '9') &&
		    !in_list(void_tags, s + ns, i - ns) &&
		    !in_list(open_tags, s + ns, i - ns) &&
		    !(e < n && e > ns && s[e - 1] == '/')) {
			if (end) {
				if (d > 0)
					d--;
			} else if (++d > max) {
				max = d;
			}
		}
		i = e < n ? e + 1 : n;
	}
	return max;
}

static bool
crude_block(const char *s, size_t n)
{
	static const char *const blocks[] = {
		"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
		"table", "ul", "ol", "dl", "dt", "dd", "hr", "pre",
		"blockquote", "section", "article", "header", "footer",
		"center", "form", NULL
	};

	return in_list(blocks, s, n);
}

static const struct {
	const char *name;
	uint32_t cp;
} entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "nbsp", ' ' }, { "euro", 0x20ac },
	{ "copy", 0xa9 }, { "reg", 0xae }, { "hellip", 0x2026 },
	{ "ndash", 0x2013 }, { "mdash", 0x2014 }, { "lsquo", 0x2018 },
	{ "rsquo", 0x2019 }, { "ldquo", 0x201c }, { "rdquo", 0x201d },
	{ "sect", 0xa7 }, { "auml", 0xe4 }, { "ouml", 0xf6 },
	{ "uuml", 0xfc }, { "szlig", 0xdf }, { "Auml", 0xc4 },
	{ "Ouml", 0xd6 }, { "Uuml", 0xdc }, { "eacute", 0xe9 },
	{ "egrave", 0xe8 }, { "agrave", 0xe0 }, { "ccedil", 0xe7 },
};

/* the reader for HTML gumbo should not get: tags dropped, entities read */
static void
html_crude(struct hr *h, const char *s, size_t n)
{
	size_t i = 0, st, e, ns, ne, k;
	const char *p;
	bool end;

	while (i < n) {
		if (s[i] == '<') {
			if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
				p = mem_find(s + i + 4, n - i - 4, "-->");
				i = p != NULL ? (size_t)(p - s) + 3 : n;
				continue;
			}
			e = tag_end(s, n, i);
			end = i + 1 < n && s[i + 1] == '/';
			ns = i + 1 + (end ? 1 : 0);
			ne = ns;
			while (ne < e && ((s[ne] >= 'a' && s[ne] <= 'z') ||
			    (s[ne] >= 'A' && s[ne] <= 'Z') ||
			    (s[ne] >= '0' && s[ne] <= '9')))
				ne++;
			i = e < n ? e + 1 : n;
			if (mem_ieq(s + ns, ne - ns, "script") ||
			    mem_ieq(s + ns, ne - ns, "style")) {
				if (!end) {
					/* skip to the end tag */
					const char *close = mem_ieq(s + ns,
					    ne - ns, "script") ? "</script" :
					    "</style";
					size_t cl = strlen(close);

					for (k = i; k + cl <= n; k++)
						if (s[k] == '<' && mem_iprefix(
						    s + k, n - k, close))
							break;
					i = k + cl <= n ? k : n;
				}
				continue;
			}
			if (mem_ieq(s + ns, ne - ns, "br")) {
				if (h->out.len > 0)
					h->nl++;
				h->space = false;
			} else if (mem_ieq(s + ns, ne - ns, "td") ||
			    mem_ieq(s + ns, ne - ns, "th")) {
				h->space = true;
			} else if (crude_block(s + ns, ne - ns)) {
				hr_block(h, 1);
				if (mem_ieq(s + ns, ne - ns, "blockquote")) {
					if (!end)
						h->quote++;
					else if (h->quote > 0)
						h->quote--;
				}
			}
			continue;
		}
		if (s[i] == '&') {
			uint32_t cp = 0;
			struct buf one = BUF_INIT(16);

			st = i + 1;
			for (k = st; k < n && k - st < 12 && s[k] != ';' &&
			    s[k] != '<' && s[k] != '&' && !is_wsp(s[k]); k++)
				;
			if (k < n && s[k] == ';' && k > st) {
				if (s[st] == '#') {
					size_t j = st + 1;
					int base = 10, v;

					if (j < k && (s[j] == 'x' || s[j] == 'X')) {
						base = 16;
						j++;
					}
					for (; j < k; j++) {
						v = hexval(s[j]);
						if (v < 0 || v >= base ||
						    cp > 0x10ffff) {
							cp = 0;
							break;
						}
						cp = cp * (uint32_t)base +
						    (uint32_t)v;
					}
				} else {
					size_t x;

					for (x = 0; x < sizeof(entities) /
					    sizeof(entities[0]); x++) {
						if (strlen(entities[x].name) ==
						    k - st && memcmp(s + st,
						    entities[x].name, k - st) ==
						    0)
							cp = entities[x].cp;
					}
				}
			}
			if (cp != 0) {
				utf8_put(&one, cp > 0x10ffff ? 0xfffd : cp);
				hr_text(h, buf_str(&one), one.len);
				buf_free(&one);
				i = k + 1;
				continue;
			}
			hr_text(h, "&", 1);
			i++;
			continue;
		}
		st = i;
		while (i < n && s[i] != '<' && s[i] != '&')
			i++;
		hr_text(h, s + st, i - st);
	}
}

/* HTML (UTF-8) to text; *crude_r tells when gumbo was not used */
static char *
html_render(const char *html, size_t len, bool *crude_r)
{
	struct buf fixed = BUF_INIT(OUT_MAX);
	GumboOptions opt;
	GumboOutput *g;
	struct hr h;

	memset(&h, 0, sizeof(h));
	buf_init(&h.out, OUT_MAX);
	h.bol = true;
	if (crude_r != NULL)
		*crude_r = false;
	if (html == NULL)
		return xstrdup("");
	if (!utf8_valid(html, len)) {
		utf8_fix(&fixed, html, len, NULL);
		html = buf_str(&fixed);
		len = fixed.len;
	}
	if (len > HTML_MAX_GUMBO || html_depth(html, len) > HTML_MAX_DEPTH) {
		if (crude_r != NULL)
			*crude_r = true;
		html_crude(&h, html, len);
		buf_free(&fixed);
		return hr_finish(&h);
	}
	opt = kGumboDefaultOptions;
	/* gumbo keeps a copy of the open elements with every error */
	opt.max_errors = 0;
	g = gumbo_parse_with_options(&opt, html, len);
	if (g == NULL) {
		html_crude(&h, html, len);
	} else {
		if (g->root != NULL)
			hr_walk(&h, g->root);
		gumbo_destroy_output(&opt, g);
	}
	buf_free(&fixed);
	return hr_finish(&h);
}

char *
mime_html_to_text(const char *html, size_t len)
{
	return html_render(html, len, NULL);
}

/* ---------------------------------------------------------- the tree */

struct leaf {
	struct mailmime *mm;
	char *type;		/* lower case type/subtype */
	char *filename;		/* NULL when none */
	struct params ct;	/* Content-Type parameters */
	bool attach;		/* disposition attachment, or a file name */
	bool whole;		/* a message/rfc822 taken as a whole */
	bool nobnd;		/* a multipart without a boundary */
	size_t alt;		/* nearest multipart/alternative, 0 = none */
};

struct walk {
	const char *base;
	size_t blen;
	struct leaf *v;
	size_t n, cap;
	size_t altid;
};

static char *
ct_string(const struct mailmime_content *ct)
{
	const char *type = "text", *sub = "plain";
	char *s;

	if (ct != NULL && ct->ct_type != NULL) {
		const struct mailmime_type *t = ct->ct_type;

		if (t->tp_type == MAILMIME_TYPE_DISCRETE_TYPE &&
		    t->tp_data.tp_discrete_type != NULL) {
			switch (t->tp_data.tp_discrete_type->dt_type) {
			case MAILMIME_DISCRETE_TYPE_TEXT:
				type = "text";
				break;
			case MAILMIME_DISCRETE_TYPE_IMAGE:
				type = "image";
				break;
			case MAILMIME_DISCRETE_TYPE_AUDIO:
				type = "audio";
				break;
			case MAILMIME_DISCRETE_TYPE_VIDEO:
				type = "video";
				break;
			case MAILMIME_DISCRETE_TYPE_APPLICATION:
				type = "application";
				break;
			default:
				type = t->tp_data.tp_discrete_type->dt_extension;
				break;
			}
		} else if (t->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE &&
		    t->tp_data.tp_composite_type != NULL) {
			switch (t->tp_data.tp_composite_type->ct_type) {
			case MAILMIME_COMPOSITE_TYPE_MESSAGE:
				type = "message";
				break;
			case MAILMIME_COMPOSITE_TYPE_MULTIPART:
				type = "multipart";
				break;
			default:
				type = t->tp_data.tp_composite_type->ct_token;
				break;
			}
		}
		if (ct->ct_subtype != NULL)
			sub = ct->ct_subtype;
	}
	if (type == NULL)
		type = "application";
	s = xasprintf("%s/%s", type, sub);
	str_lower(s);
	return s;
}

static void
leaf_add(struct walk *w, struct mailmime *mm, size_t alt, bool whole)
{
	const char *hs = NULL, *he = NULL, *cd = NULL, *ctv = NULL;
	size_t cdl = 0, ctl = 0, pos;
	struct params dp;
	struct hfield f;
	struct leaf *lf;
	char *fn;

	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->v = xreallocarray(w->v, w->cap, sizeof(*w->v));
	}
	lf = &w->v[w->n++];
	memset(lf, 0, sizeof(*lf));
	lf->mm = mm;
	lf->type = ct_string(mm->mm_content_type);
	lf->whole = whole;
	lf->alt = alt;
	lf->nobnd = mm->mm_type == MAILMIME_SINGLE &&
	    strncmp(lf->type, "multipart/", 10) == 0;
	/* the part's own header block: from its start to its body */
	if (mm->mm_body != NULL && mm->mm_body->dt_type == MAILMIME_DATA_TEXT) {
		hs = mm->mm_mime_start;
		he = mm->mm_body->dt_data.dt_text.dt_data;
		if (hs == NULL || he == NULL || hs < w->base || he < hs ||
		    he > w->base + w->blen)
			hs = he = NULL;
	}
	pos = 0;
	while (hs != NULL && hdr_next(hs, (size_t)(he - hs), &pos, &f)) {
		if (ctv == NULL && mem_ieq(f.name, f.nlen, "content-type")) {
			ctv = f.val;
			ctl = f.vlen;
		} else if (cd == NULL &&
		    mem_ieq(f.name, f.nlen, "content-disposition")) {
			cd = f.val;
			cdl = f.vlen;
		}
	}
	params_parse(&lf->ct, ctv != NULL ? ctv : "", ctl);
	params_parse(&dp, cd != NULL ? cd : "", cdl);
	if (strcmp(dp.type, "attachment") == 0)
		lf->attach = true;
	fn = param_filename(&dp, "filename");
	if (fn == NULL)
		fn = param_filename(&lf->ct, "name");
	params_free(&dp);
	if (fn != NULL)
		lf->attach = true;
	lf->filename = fn;
}

static void
walk_tree(struct walk *w, struct mailmime *mm, size_t alt, unsigned depth)
{
	clistiter *c;

	if (mm == NULL || depth > MIME_WALK_MAX_DEPTH)
		return;
	switch (mm->mm_type) {
	case MAILMIME_MULTIPLE:
		if (mm->mm_content_type != NULL &&
		    mm->mm_content_type->ct_subtype != NULL &&
		    strcasecmp(mm->mm_content_type->ct_subtype,
		    "alternative") == 0)
			alt = ++w->altid;
		if (mm->mm_data.mm_multipart.mm_mp_list == NULL)
			return;
		for (c = clist_begin(mm->mm_data.mm_multipart.mm_mp_list);
		    c != NULL; c = clist_next(c))
			walk_tree(w, clist_content(c), alt, depth + 1);
		return;
	case MAILMIME_MESSAGE:
		leaf_add(w, mm, alt, true);
		return;
	case MAILMIME_SINGLE:
		leaf_add(w, mm, alt, false);
		return;
	default:
		return;
	}
}

/*
 * Quoted-printable.  libetpan turns "=ZZ" into a NUL byte; RFC 2045 says
 * to keep what is not an encoding, and to drop white space at line ends.
 */
static char *
qp_decode(const char *s, size_t n, size_t *len_r)
{
	struct buf out = BUF_INIT(OUT_MAX);
	size_t i = 0, end, le, k, st;
	const char *nl;
	bool soft;
	int hi, lo;

	while (i < n) {
		nl = memchr(s + i, '\n', n - i);
		end = nl != NULL ? (size_t)(nl - s) : n;
		le = end;
		if (le > i && s[le - 1] == '\r')
			le--;
		while (le > i && is_wsp(s[le - 1]))
			le--;
		soft = le > i && s[le - 1] == '=';
		if (soft)
			le--;
		for (k = st = i; k < le; k++) {
			if (s[k] != '=' || k + 2 >= le ||
			    (hi = hexval(s[k + 1])) < 0 ||
			    (lo = hexval(s[k + 2])) < 0)
				continue;
			out_add(&out, s + st, k - st);
			out_addch(&out, (char)(hi * 16 + lo));
			k += 2;
			st = k + 1;
		}
		out_add(&out, s + st, le - st);
		if (!soft && nl != NULL)
			out_add(&out, "\r\n", 2);
		i = nl != NULL ? end + 1 : n;
	}
	return buf_detach(&out, len_r);
}

/* the transfer-decoded body, NUL-terminated */
static char *
body_decode(struct mailmime *mm, size_t *len_r)
{
	const struct mailmime_data *d = mm->mm_body;
	const char *data;
	char *out;
	size_t dl;
	int enc;

	*len_r = 0;
	if (d == NULL || d->dt_type != MAILMIME_DATA_TEXT ||
	    d->dt_data.dt_text.dt_data == NULL)
		return xstrdup("");
	data = d->dt_data.dt_text.dt_data;
	dl = d->dt_data.dt_text.dt_length;
	enc = d->dt_encoded ? d->dt_encoding : MAILMIME_MECHANISM_8BIT;
	if (enc == MAILMIME_MECHANISM_QUOTED_PRINTABLE)
		return qp_decode(data, dl, len_r);
	if (enc == MAILMIME_MECHANISM_BASE64) {
		/*
		 * Not mailmime_part_parse(): it reads on past the "=" padding
		 * and turns what follows into garbage.
		 */
		out = xmalloc(dl / 4 * 3 + 4);
		*len_r = b64_raw(out, data, dl);
		out[*len_r] = '\0';
		return out;
	}
	/* 7bit, 8bit, binary, unknown: as it is */
	out = xmalloc(dl + 1);
	memcpy(out, data, dl);
	out[dl] = '\0';
	*len_r = dl;
	return out;
}

/* "<meta charset=...>" or "content=...; charset=..." near the start */
static bool
html_meta_charset(const char *s, size_t n, char out[48])
{
	const char *p;
	size_t i, j = 0;

	if (n > 4096)
		n = 4096;
	for (i = 0; i + 8 <= n; i++) {
		if (!mem_iprefix(s + i, n - i, "charset="))
			continue;
		p = s + i + 8;
		while (p < s + n && (*p == '"' || *p == '\'' || *p == ' '))
			p++;
		while (p < s + n && j < 40 && *p != '"' && *p != '\'' &&
		    *p != ';' && *p != '>' && *p != ' ' && *p != '/')
			out[j++] = *p++;
		out[j] = '\0';
		return j > 0;
	}
	return false;
}

/* the text part's bytes to UTF-8, with warnings for every guess */
static char *
text_utf8(struct mime_msg *m, const char *what, const char *data, size_t n,
    const char *charset)
{
	struct buf out = BUF_INIT(OUT_MAX);
	size_t bad = 0, nul = 0;
	enum cs_kind k;
	char name[48], shown[48];
	bool eight = has_8bit(data, n);

	k = cs_classify(charset, name);
	safe_name(charset != NULL ? charset : "", shown);
	if (eight && cs_single_byte(k, name) && utf8_valid_nul(data, n)) {
		/* a charset lie: the bytes are UTF-8 */
		warn_add(m, "the %s declares charset '%s' but is UTF-8; "
		    "it was read as UTF-8", what, shown);
		k = CS_UTF8;
	}
	switch (k) {
	case CS_NONE:
	case CS_ASCII:
		if (!eight || utf8_valid_nul(data, n)) {
			if (eight)
				warn_add(m, "the %s has no charset; it was read "
				    "as UTF-8", what);
			utf8_fix(&out, data, n, &nul);
		} else {
			if (k == CS_NONE)
				warn_add(m, "the %s has no charset and is not "
				    "UTF-8; it was read as windows-1252", what);
			else
				warn_add(m, "the %s declares charset '%s' but "
				    "has 8-bit bytes; it was read as "
				    "windows-1252", what, shown);
			bad = cp1252_to_utf8(&out, data, n, &nul);
			if (bad > 0)
				warn_add(m, "the %s has bytes that are not "
				    "valid windows-1252; they were replaced "
				    "with U+FFFD", what);
		}
		break;
	default:
		if (k != CS_BAD &&
		    conv_utf8(&out, data, n, k, name, &bad, &nul) == 0) {
			if (bad > 0)
				warn_add(m, "the %s has bytes that are not "
				    "valid %s; they were replaced with U+FFFD",
				    what, shown);
			break;
		}
		buf_reset(&out);
		bad = nul = 0;
		if (!eight || utf8_valid_nul(data, n)) {
			if (eight)
				warn_add(m, "the %s's charset '%s' is unknown; "
				    "it was read as UTF-8", what, shown);
			utf8_fix(&out, data, n, &nul);
		} else {
			warn_add(m, "the %s's charset '%s' is unknown; it was "
			    "read as windows-1252", what, shown);
			cp1252_to_utf8(&out, data, n, &nul);
		}
		break;
	}
	if (nul > 0)
		warn_add(m, "the %s contains NUL bytes; they were replaced "
		    "with U+FFFD", what);
	return buf_detach(&out, NULL);
}

/* CR LF and lone CR to LF, in place */
static void
eol_lf(char *s)
{
	char *d = s;

	for (; *s != '\0'; s++) {
		if (*s == '\r') {
			if (s[1] != '\n')
				*d++ = '\n';
			continue;
		}
		*d++ = *s;
	}
	*d = '\0';
}

static void
text_take(struct mime_msg *m, struct leaf *lf, bool html)
{
	const char *what = html ? "HTML part" : "text part";
	const char *cs, *fmt, *ds;
	char meta[48], *data, *u, *t;
	size_t n;
	bool crude = false;

	data = body_decode(lf->mm, &n);
	cs = param_get(&lf->ct, "charset");
	if (cs != NULL && *cs == '\0')
		cs = NULL;
	if (html && cs == NULL && html_meta_charset(data, n, meta))
		cs = meta;
	u = text_utf8(m, what, data, n, cs);
	free(data);
	eol_lf(u);
	if (html) {
		t = html_render(u, strlen(u), &crude);
		free(u);
		u = t;
		m->text_from_html = true;
		if (crude)
			warn_add(m, "the HTML part is too large or nested too "
			    "deeply to be read as HTML; its tags were "
			    "removed instead");
	} else {
		fmt = param_get(&lf->ct, "format");
		ds = param_get(&lf->ct, "delsp");
		if (fmt != NULL && strcasecmp(fmt, "flowed") == 0) {
			t = mime_flowed_decode(u, ds != NULL &&
			    strcasecmp(ds, "yes") == 0);
			free(u);
			u = t;
		}
		if (lf->nobnd)
			warn_add(m, "a multipart part has no boundary "
			    "parameter; its body was read as plain text");
	}
	if (!utf8_valid(u, strlen(u))) {
		struct buf b = BUF_INIT(OUT_MAX);

		utf8_fix(&b, u, strlen(u), NULL);
		free(u);
		u = buf_detach(&b, NULL);
	}
	m->text = u;
}

static void
att_add(struct mime_msg *m, struct leaf *lf)
{
	struct mime_attachment *a;

	m->att = xreallocarray(m->att, m->natt + 1, sizeof(*m->att));
	a = &m->att[m->natt++];
	memset(a, 0, sizeof(*a));
	a->filename = lf->filename != NULL ? lf->filename : xstrdup("");
	lf->filename = NULL;
	a->type = lf->whole ? xstrdup("message/rfc822") : xstrdup(lf->type);
	a->data = body_decode(lf->mm, &a->len);
	sha256_hex(a->data, a->len, a->sha256);
}

static void
body_read(struct mime_msg *m, struct mailmime *body, const char *base,
    size_t blen)
{
	struct walk w;
	struct leaf *text = NULL;
	bool html = false;
	size_t i;

	memset(&w, 0, sizeof(w));
	w.base = base;
	w.blen = blen;
	if (body != NULL && body->mm_content_type != NULL) {
		char *t = ct_string(body->mm_content_type);

		m->is_report = strcmp(t, "multipart/report") == 0;
		free(t);
	}
	walk_tree(&w, body, 0, 0);
	for (i = 0; i < w.n && text == NULL; i++)
		if (!w.v[i].attach && !w.v[i].whole &&
		    (strcmp(w.v[i].type, "text/plain") == 0 || w.v[i].nobnd))
			text = &w.v[i];
	for (i = 0; i < w.n && text == NULL; i++) {
		if (!w.v[i].attach && !w.v[i].whole &&
		    strcmp(w.v[i].type, "text/html") == 0) {
			text = &w.v[i];
			html = true;
		}
	}
	if (text != NULL)
		text_take(m, text, html);
	else
		m->text = xstrdup("");
	for (i = 0; i < w.n; i++) {
		struct leaf *lf = &w.v[i];

		if (lf == text)
			continue;
		/* the HTML twin of the chosen text */
		if (text != NULL && !html && text->alt != 0 &&
		    lf->alt == text->alt && !lf->attach && !lf->whole &&
		    strcmp(lf->type, "text/html") == 0)
			continue;
		att_add(m, lf);
	}
	for (i = 0; i < w.n; i++) {
		free(w.v[i].type);
		free(w.v[i].filename);
		params_free(&w.v[i].ct);
	}
	free(w.v);
}

/* ------------------------------------------------------ header fields */

static bool
addr_ok(const char *s)
{
	const char *at = strchr(s, '@');
	size_t i;

	if (at == NULL || at == s || at[1] == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= 0x20 || strchr("<>,;\"()[]\\",
		    s[i]) != NULL || (unsigned char)s[i] == 0x7f)
			return false;
	return true;
}

static void
rcpt_add(struct mime_msg *m, const char *a, size_t n)
{
	char *s;
	size_t i;

	if (m->nrcpt >= MIME_MAX_RCPT)
		return;
	s = xstrndup(a, n);
	str_lower(s);
	if (!addr_ok(s)) {
		free(s);
		return;
	}
	for (i = 0; i < m->nrcpt; i++) {
		if (strcmp(m->rcpt[i], s) == 0) {
			free(s);
			return;
		}
	}
	m->rcpt = xreallocarray(m->rcpt, m->nrcpt + 1, sizeof(*m->rcpt));
	m->rcpt[m->nrcpt++] = s;
}

/* addresses out of text libetpan cannot parse: the words with an "@" */
static void
addr_crude(struct mime_msg *m, const char *s, size_t n, char **first)
{
	size_t i = 0, st;

	while (i < n) {
		while (i < n && ((unsigned char)s[i] <= 0x20 ||
		    strchr("<>,;\"()[]:", s[i]) != NULL))
			i++;
		st = i;
		while (i < n && (unsigned char)s[i] > 0x20 &&
		    strchr("<>,;\"()[]:", s[i]) == NULL)
			i++;
		if (i > st && memchr(s + st, '@', i - st) != NULL) {
			if (first != NULL) {
				char *a = xstrndup(s + st, i - st);

				str_lower(a);
				if (addr_ok(a)) {
					*first = a;
					return;
				}
				free(a);
			} else {
				rcpt_add(m, s + st, i - st);
			}
		}
	}
}

static void
hdr_from(struct mime_msg *m, const char *v, size_t n)
{
	struct mailimf_mailbox_list *mbl = NULL;
	size_t idx = 0;
	int r;

	r = mailimf_mailbox_list_parse(v, n, &idx, &mbl);
	if (r == MAILIMF_NO_ERROR && mbl != NULL) {
		clistiter *c = mbl->mb_list != NULL ?
		    clist_begin(mbl->mb_list) : NULL;
		struct mailimf_mailbox *mb = c != NULL ? clist_content(c) : NULL;

		if (mb != NULL && mb->mb_addr_spec != NULL) {
			char *a = xstrdup(mb->mb_addr_spec);

			str_lower(a);
			if (addr_ok(a)) {
				m->from_addr = a;
				if (mb->mb_display_name != NULL) {
					char *d = hdr_decode(mb->mb_display_name,
					    strlen(mb->mb_display_name));
					size_t dl = strlen(d);

					if (dl >= 2 && d[0] == '"' &&
					    d[dl - 1] == '"') {
						memmove(d, d + 1, dl - 2);
						d[dl - 2] = '\0';
					}
					if (*d != '\0')
						m->from_name = d;
					else
						free(d);
				}
			} else {
				free(a);
			}
		}
		mailimf_mailbox_list_free(mbl);
	}
	if (m->from_addr == NULL)
		addr_crude(m, v, n, &m->from_addr);
}

static void
hdr_rcpt(struct mime_msg *m, const char *v, size_t n)
{
	struct mailimf_address_list *al = NULL;
	clistiter *c, *d;
	size_t idx = 0;
	int r;

	r = mailimf_address_list_parse(v, n, &idx, &al);
	if (r != MAILIMF_NO_ERROR || al == NULL) {
		addr_crude(m, v, n, NULL);
		return;
	}
	for (c = al->ad_list != NULL ? clist_begin(al->ad_list) : NULL;
	    c != NULL; c = clist_next(c)) {
		struct mailimf_address *a = clist_content(c);

		if (a == NULL)
			continue;
		if (a->ad_type == MAILIMF_ADDRESS_MAILBOX &&
		    a->ad_data.ad_mailbox != NULL &&
		    a->ad_data.ad_mailbox->mb_addr_spec != NULL) {
			const char *s = a->ad_data.ad_mailbox->mb_addr_spec;

			rcpt_add(m, s, strlen(s));
		} else if (a->ad_type == MAILIMF_ADDRESS_GROUP &&
		    a->ad_data.ad_group != NULL &&
		    a->ad_data.ad_group->grp_mb_list != NULL &&
		    a->ad_data.ad_group->grp_mb_list->mb_list != NULL) {
			for (d = clist_begin(
			    a->ad_data.ad_group->grp_mb_list->mb_list);
			    d != NULL; d = clist_next(d)) {
				struct mailimf_mailbox *mb = clist_content(d);

				if (mb != NULL && mb->mb_addr_spec != NULL)
					rcpt_add(m, mb->mb_addr_spec,
					    strlen(mb->mb_addr_spec));
			}
		}
	}
	mailimf_address_list_free(al);
}

static int64_t
days_from_civil(int64_t y, unsigned mo, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= mo <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int64_t
hdr_date(const char *v, size_t n)
{
	static const unsigned mdays[12] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	struct mailimf_date_time *dt = NULL;
	size_t idx = 0;
	int64_t t = -1, y;
	int r, z, zh, zm;

	r = mailimf_date_time_parse(v, n, &idx, &dt);
	if (r != MAILIMF_NO_ERROR || dt == NULL)
		return -1;
	y = dt->dt_year;
	if (y >= 0 && y < 50)
		y += 2000;
	else if (y >= 50 && y < 1000)
		y += 1900;
	z = dt->dt_zone;
	zh = (z < 0 ? -z : z) / 100;
	zm = (z < 0 ? -z : z) % 100;
	if (y < 1900 || y > 9999 || dt->dt_month < 1 || dt->dt_month > 12 ||
	    dt->dt_day < 1 || dt->dt_day > (int)mdays[dt->dt_month - 1] ||
	    (dt->dt_month == 2 && dt->dt_day == 29 &&
	    !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) ||
	    dt->dt_hour < 0 || dt->dt_hour > 23 || dt->dt_min < 0 ||
	    dt->dt_min > 59 || dt->dt_sec < 0 || dt->dt_sec > 60 ||
	    zh > 23 || zm > 59)
		goto out;
	t = days_from_civil(y, (unsigned)dt->dt_month, (unsigned)dt->dt_day) *
	    86400 + dt->dt_hour * 3600 + dt->dt_min * 60 + dt->dt_sec;
	t -= (z < 0 ? -1 : 1) * (int64_t)(zh * 3600 + zm * 60);
	if (t < 0)
		t = -1;
out:
	mailimf_date_time_free(dt);
	return t;
}

static void
hdr_msgid(struct mime_msg *m, const char *v, size_t n)
{
	char *id = NULL, *s;
	const char *lt, *gt;
	size_t idx = 0, i;
	int r;

	r = mailimf_msg_id_parse(v, n, &idx, &id);
	if (r == MAILIMF_NO_ERROR && id != NULL && *id != '\0') {
		s = xstrdup(id);
		free(id);
	} else {
		if (r == MAILIMF_NO_ERROR)
			free(id);
		lt = memchr(v, '<', n);
		gt = lt != NULL ? memchr(lt, '>', (size_t)(v + n - lt)) : NULL;
		if (lt != NULL && gt != NULL)
			s = xstrndup(lt + 1, (size_t)(gt - lt - 1));
		else
			s = xstrndup(v, n);
	}
	/* one word of printable text */
	{
		struct buf b = BUF_INIT(OUT_MAX);

		for (i = 0; s[i] != '\0'; i++)
			if ((unsigned char)s[i] > 0x20 && s[i] != 0x7f &&
			    s[i] != '<' && s[i] != '>')
				out_addch(&b, s[i]);
		free(s);
		s = buf_detach(&b, NULL);
	}
	if (*s == '\0' || !utf8_valid(s, strlen(s))) {
		free(s);
		return;
	}
	m->message_id = s;
}

static void
headers_read(struct mime_msg *m, const char *p, size_t len)
{
	size_t pos = 0, cap = 0;
	struct hfield f;
	bool from = false, date = false, mid = false;

	while (hdr_next(p, len, &pos, &f)) {
		struct mime_header *h;

		if (m->nhdr == cap) {
			cap = cap ? cap * 2 : 32;
			m->hdr = xreallocarray(m->hdr, cap, sizeof(*m->hdr));
		}
		h = &m->hdr[m->nhdr++];
		h->name = xstrndup(f.name, f.nlen);
		h->value = hdr_decode(f.val, f.vlen);
		if (!from && mem_ieq(f.name, f.nlen, "from")) {
			from = true;
			hdr_from(m, f.val, f.vlen);
		} else if (mem_ieq(f.name, f.nlen, "to") ||
		    mem_ieq(f.name, f.nlen, "cc")) {
			hdr_rcpt(m, f.val, f.vlen);
		} else if (!date && mem_ieq(f.name, f.nlen, "date")) {
			date = true;
			m->date = hdr_date(f.val, f.vlen);
		} else if (!mid && mem_ieq(f.name, f.nlen, "message-id")) {
			mid = true;
			hdr_msgid(m, f.val, f.vlen);
		} else if (m->subject == NULL &&
		    mem_ieq(f.name, f.nlen, "subject")) {
			m->subject = xstrdup(h->value);
		}
	}
	if (m->subject == NULL)
		m->subject = xstrdup("");
}

/* ---------------------------------------------------------- the API */

void
mime_limits_default(struct mime_limits *lim)
{
	lim->max_size = MIME_DEFAULT_MAX_SIZE;
	lim->max_header_line = MIME_DEFAULT_MAX_HEADER_LINE;
	lim->max_depth = MIME_DEFAULT_MAX_DEPTH;
	lim->max_parts = MIME_DEFAULT_MAX_PARTS;
}

int
mime_parse(const char *raw, size_t len, const struct mime_limits *lim,
    struct mime_msg **msg_r, struct err *err)
{
	struct mime_limits dl;
	struct mailmime *tree = NULL, *body = NULL;
	struct mime_msg *m = NULL;
	struct buf syn = BUF_INIT(OUT_MAX);
	struct hfield f;
	char *copy = NULL;
	size_t clen = 0, idx = 0, i, top_end = 0, start = 0, pos;
	int r, rc = -1;

	if (msg_r != NULL)
		*msg_r = NULL;
	if (err != NULL)
		err_clear(err);
	if (msg_r == NULL)
		return err_set(err, ERR_SYS, "mime_parse: no result pointer");
	if (lim == NULL) {
		mime_limits_default(&dl);
		lim = &dl;
	}
	if (raw == NULL)
		len = 0;
	if (len > lim->max_size)
		return err_set(err, ERR_MSG, "the message is %zu bytes; "
		    "the limit is %zu bytes", len, lim->max_size);
	/* an mbox "From " line is not part of the message */
	if (len >= 5 && memcmp(raw, "From ", 5) == 0) {
		const char *nl = memchr(raw, '\n', len);

		len = nl != NULL ? len - (size_t)(nl + 1 - raw) : 0;
		raw = nl != NULL ? nl + 1 : raw;
	}
	for (i = 0; i < len; i++)
		if (!is_wsp(raw[i]) && raw[i] != '\r' && raw[i] != '\n')
			break;
	if (i == len)
		return err_set(err, ERR_MSG, "the message is empty");

	copy = normalise(raw, len, &clen);
	if (scan_run(copy, clen, lim, err, &top_end) == -1)
		goto out;
	m = xcalloc(1, sizeof(*m));
	m->date = -1;
	headers_read(m, copy, top_end);

	/*
	 * libetpan gets the top-level Content-* fields only, written over
	 * the end of the header block: it has no use for Received, DKIM and
	 * the rest, and reading them costs more than all the MIME work.
	 */
	pos = 0;
	while (hdr_next(copy, top_end, &pos, &f)) {
		if (!mem_iprefix(f.name, f.nlen, "content-"))
			continue;
		out_add(&syn, f.name, (size_t)(f.val + f.vlen - f.name));
		out_add(&syn, "\r\n", 2);
	}
	out_add(&syn, "\r\n", 2);
	if (syn.len <= top_end) {
		start = top_end - syn.len;
		memcpy(copy + start, syn.data, syn.len);
	}
	buf_free(&syn);

	r = mailmime_parse(copy + start, clen - start, &idx, &tree);
	if (r != MAILIMF_NO_ERROR || tree == NULL) {
		tree = NULL;
		err_set(err, ERR_MSG, "the message's MIME structure cannot be "
		    "read");
		goto out;
	}
	if (tree->mm_type == MAILMIME_MESSAGE)
		body = tree->mm_data.mm_message.mm_msg_mime;
	else
		body = tree;
	body_read(m, body, copy + start, clen - start);
	rc = 0;
out:
	/* the tree points into the copy: it goes first */
	if (tree != NULL)
		mailmime_free(tree);
	free(copy);
	if (rc == 0)
		*msg_r = m;
	else
		mime_msg_free(&m);
	return rc;
}

void
mime_msg_free(struct mime_msg **msgp)
{
	struct mime_msg *m;
	size_t i;

	if (msgp == NULL || (m = *msgp) == NULL)
		return;
	for (i = 0; i < m->nhdr; i++) {
		free(m->hdr[i].name);
		free(m->hdr[i].value);
	}
	free(m->hdr);
	free(m->from_addr);
	free(m->from_name);
	free(m->subject);
	free(m->message_id);
	for (i = 0; i < m->nrcpt; i++)
		free(m->rcpt[i]);
	free(m->rcpt);
	free(m->text);
	for (i = 0; i < m->natt; i++) {
		free(m->att[i].filename);
		free(m->att[i].type);
		free(m->att[i].data);
	}
	free(m->att);
	for (i = 0; i < m->nwarn; i++)
		free(m->warnings[i]);
	free(m->warnings);
	free(m);
	*msgp = NULL;
}

const char *
mime_header_get(const struct mime_msg *m, const char *name)
{
	size_t i;

	if (m == NULL || name == NULL)
		return NULL;
	for (i = 0; i < m->nhdr; i++)
		if (str_ieq(m->hdr[i].name, name))
			return m->hdr[i].value;
	return NULL;
}
