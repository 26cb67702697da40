/* test-compose.c: gateway/compose.c, what goes in and the mail that must
 * come out; `test-compose --write DIR` writes sample mails for
 * tests/compose.test (DIR/NAME.eml and what to expect in DIR/NAME.json) */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "buf.h"
#include "compose.h"
#include "mime.h"
#include "util.h"
#include "tap.h"

#define DATE	1795860000	/* 2026-11-28T10:00:00Z */
#define FROM	"flags@gateway.example.eu"
#define TO	"trust@youtube.example.com"
#define MSGID	"1795860000.0123456789abcdef@gateway.example.eu"

/* ----------------------------------------------------------- helpers */

/*
 * What is wrong with s as mail on the wire: a NUL, an 8-bit byte, a bare
 * CR or LF, a line longer than max; with `whole`, a last line without
 * CRLF.  NULL when nothing.
 */
static const char *
wire_problem(const char *s, size_t n, size_t max, bool whole)
{
	size_t i, col = 0;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '\0')
			return "a NUL";
		if (c >= 0x80)
			return "an 8-bit byte";
		if (c == '\n')
			return "a bare LF";
		if (c == '\r') {
			if (i + 1 >= n || s[i + 1] != '\n')
				return "a bare CR";
			i++;
			col = 0;
			continue;
		}
		if (++col > max)
			return "a line too long";
	}
	if (whole && col != 0)
		return "no CRLF at the end";
	return NULL;
}

static void
base(struct compose *c)
{
	memset(c, 0, sizeof(*c));
	c->from_addr = FROM;
	c->from_name = "Flagpost";
	c->to_addr = TO;
	c->to_name = "YouTube T&S";
	c->subject = "Flag F-2026-0001";
	c->message_id = MSGID;
	c->date = DATE;
	c->auto_submitted = "auto-generated";
	c->text = "Hello.\n";
}

/* composes, and checks what every message must keep */
static char *
make(const struct compose *c, const char *what)
{
	struct buf b = BUF_INIT(64u << 20);
	const char *why;
	struct err e;

	err_clear(&e);
	if (compose_message(c, &b, &e) == -1) {
		ok(0, "%s: composes", what);
		printf("# error: %s\n", e.msg);
		buf_free(&b);
		return NULL;
	}
	why = wire_problem(buf_str(&b), b.len, 998, true);
	if (!ok(why == NULL, "%s: 7-bit, CRLF, lines <= 998", what))
		printf("# %s\n", why);
	return buf_detach(&b, NULL);
}

/* the top-level field `name` as written ("Name: value", folds kept) */
static char *
field(const char *msg, const char *name)
{
	const char *p = msg, *end, *e;
	size_t n = strlen(name);

	if ((end = strstr(msg, "\r\n\r\n")) == NULL)
		return NULL;
	while (p < end) {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			e = p;
			do {
				e = strstr(e, "\r\n") + 2;
			} while (*e == ' ' || *e == '\t');
			return xstrndup(p, (size_t)(e - p - 2));
		}
		p = strstr(p, "\r\n") + 2;
	}
	return NULL;
}

/* CRLF folds removed */
static char *
unfold(const char *s)
{
	struct buf b = BUF_INIT(SIZE_MAX / 4);

	for (; *s != '\0'; s++) {
		if (s[0] == '\r' && s[1] == '\n') {
			s++;
			continue;
		}
		buf_addch(&b, *s);
	}
	return buf_detach(&b, NULL);
}

static size_t
longest_line(const char *s)
{
	size_t max = 0, col = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\r' || *s == '\n') {
			col = 0;
			continue;
		}
		if (++col > max)
			max = col;
	}
	return max;
}

static int
hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
b64v(char c)
{
	const char *t =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p;

	if (c == '\0' || (p = strchr(t, c)) == NULL)
		return -1;
	return (int)(p - t);
}

/* the bytes of one encoded word "=?UTF-8?Q?...?=", or -1 */
static int
ew_word(struct buf *out, const char *w, size_t n)
{
	const char *t;
	size_t i, tn;
	unsigned v = 0;
	int bits = 0, x;

	if (n < 12 || strncasecmp(w, "=?UTF-8?", 8) != 0 || w[9] != '?' ||
	    w[n - 2] != '?' || w[n - 1] != '=')
		return -1;
	t = w + 10;
	tn = n - 12;
	if (w[8] == 'Q' || w[8] == 'q') {
		for (i = 0; i < tn; i++) {
			if (t[i] == '_')
				buf_addch(out, ' ');
			else if (t[i] == '=' && i + 2 < tn + 1 &&
			    hexv(t[i + 1]) >= 0 && hexv(t[i + 2]) >= 0) {
				buf_addch(out, (char)(hexv(t[i + 1]) * 16 +
				    hexv(t[i + 2])));
				i += 2;
			} else if (t[i] == '=' || t[i] == '?' || t[i] == ' ')
				return -1;
			else
				buf_addch(out, t[i]);
		}
		return 0;
	}
	if (w[8] != 'B' && w[8] != 'b')
		return -1;
	for (i = 0; i < tn && t[i] != '='; i++) {
		if ((x = b64v(t[i])) < 0)
			return -1;
		v = (v << 6) | (unsigned)x;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addch(out, (char)((v >> bits) & 0xff));
		}
	}
	return 0;
}

/*
 * RFC 2047 decoding of an unfolded unstructured value: white space
 * between two encoded words goes, other white space stays.  Counts in
 * *bad the encoded words longer than 75 or not whole UTF-8 characters.
 */
static char *
ew_decode(const char *v, int *bad)
{
	struct buf out = BUF_INIT(SIZE_MAX / 4), w = BUF_INIT(SIZE_MAX / 4);
	const char *p = v, *ws, *e;
	bool prev_ew = false, is_ew;

	*bad = 0;
	while (*p != '\0') {
		ws = p;
		while (*p == ' ' || *p == '\t')
			p++;
		e = p;
		while (*e != '\0' && *e != ' ' && *e != '\t')
			e++;
		if (e == p) {
			buf_add(&out, ws, (size_t)(p - ws));
			break;
		}
		buf_reset(&w);
		is_ew = e - p >= 2 && p[0] == '=' && p[1] == '?' &&
		    ew_word(&w, p, (size_t)(e - p)) == 0;
		if (is_ew) {
			if (e - p > 75 || !utf8_valid(buf_str(&w), w.len))
				(*bad)++;
			if (!prev_ew)
				buf_add(&out, ws, (size_t)(p - ws));
			buf_add(&out, buf_str(&w), w.len);
		} else {
			buf_add(&out, ws, (size_t)(e - ws));
		}
		prev_ew = is_ew;
		p = e;
	}
	buf_free(&w);
	return buf_detach(&out, NULL);
}

/* quoted-printable to bytes, CRLF to LF; *bad counts stray '=' */
static char *
qp_decode(const char *s, size_t n, int *bad)
{
	struct buf out = BUF_INIT(SIZE_MAX / 4);
	size_t i;

	*bad = 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '=' && i + 2 < n && s[i + 1] == '\r' &&
		    s[i + 2] == '\n') {
			i += 2;
		} else if (s[i] == '=' && i + 2 < n && hexv(s[i + 1]) >= 0 &&
		    hexv(s[i + 2]) >= 0 && s[i + 1] < 'a' && s[i + 2] < 'a') {
			buf_addch(&out, (char)(hexv(s[i + 1]) * 16 +
			    hexv(s[i + 2])));
			i += 2;
		} else if (s[i] == '=') {
			(*bad)++;
		} else if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
			buf_addch(&out, '\n');
			i++;
		} else {
			buf_addch(&out, s[i]);
		}
	}
	return buf_detach(&out, NULL);
}

/* the body of a one-part message */
static const char *
body(const char *msg)
{
	const char *p = strstr(msg, "\r\n\r\n");

	return p != NULL ? p + 4 : "";
}

static struct mime_msg *
reparse(const char *raw, const char *what)
{
	struct mime_msg *m = NULL;
	struct err e;

	err_clear(&e);
	if (!ok(mime_parse(raw, strlen(raw), NULL, &m, &e) == 0,
	    "%s: mime_parse reads it", what)) {
		printf("# error: %s\n", e.msg);
		return NULL;
	}
	return m;
}

static char *
repeat(const char *s, size_t times)
{
	struct buf b = BUF_INIT(SIZE_MAX / 4);

	while (times-- > 0)
		buf_addstr(&b, s);
	return buf_detach(&b, NULL);
}

/* a long subject in Polish: about `chars` characters */
static char *
polish(size_t chars)
{
	static const char *const words[] = {
		"Zgłoszenie", "treści", "antysemickich", "—", "źródło:",
		"żółć", "gęślą", "jaźń;", "Łódź", "ŚWIĘTOKRZYSKIE", "(pilne)",
		"naruszenie", "regulaminu", "platformy", "ąęćńóśźż",
	};
	struct buf b = BUF_INIT(SIZE_MAX / 4);
	size_t i, n = 0, k;
	const char *p;

	for (i = 0; n < chars; i++) {
		if (i > 0) {
			buf_addch(&b, ' ');
			n++;
		}
		p = words[i % (sizeof(words) / sizeof(words[0]))];
		buf_addstr(&b, p);
		for (; *p != '\0'; p += k, n++)
			k = utf8_seqlen((const unsigned char *)p, strlen(p));
	}
	return buf_detach(&b, NULL);
}

/* ---------------------------------------------------- header encoding */

static void
test_encode_header(void)
{
	char *pl = polish(300), *longword = repeat("a", 1200);
	char *asciilong = repeat("word ", 60);
	const struct {
		const char *name, *in, *exact, *decoded;
	} t[] = {
		{ "Subject", "Hello world", "Hello world", NULL },
		{ "Subject", "", "", NULL },
		{ "Subject", "  spaced \t out  ", "spaced out", "spaced out" },
		{ "Subject", "Re: [flag] F-2026-0001 (urgent)",
		    "Re: [flag] F-2026-0001 (urgent)", NULL },
		{ "Subject", "Re: Zgłoszenie",
		    "Re: =?UTF-8?Q?Zg=C5=82oszenie?=", NULL },
		{ "Subject", "Zażółć gęślą jaźń", NULL, NULL },
		{ "Subject", "ASCII ż ASCII ć end", NULL, NULL },
		{ "Subject", "x =?utf-8?q?evil?= y", NULL, NULL },
		{ "Subject", "Alarm 🚨🚨🚨 now", NULL, NULL },
		{ "Subject", "報告された動画について", NULL, NULL },
		{ "Subject", "bell\x07 and del\x7f", NULL, NULL },
		{ "Subject", pl, NULL, NULL },
		{ "Subject", longword, NULL, NULL },
		{ "Subject", asciilong, NULL, NULL },
		{ "X-A-Header-Name-That-Is-Quite-Long-Really-Very-Long", pl,
		    NULL, NULL },
		{ "List-Id", "Flagpost notices <notices.gateway.example.eu>",
		    "Flagpost notices <notices.gateway.example.eu>", NULL },
		{ "List-Id", "Powiadomienia Łódź <notices.gateway.example.eu>",
		    NULL, NULL },
	};
	const char *bad_in[] = {
		"a\r\nBcc: victim@example.org", "a\nb", "a\rb", "\xff\xfe",
		"ok \xc3", "\xed\xa0\x80 surrogate",
	};
	size_t i, namelen, max;
	char *v, *line, *uf, *dec;
	const char *why, *want;
	struct buf norm = BUF_INIT(SIZE_MAX / 4);
	int bad;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = compose_encode_header(t[i].name, t[i].in);
		if (!ok(v != NULL, "encode %zu: a value", i))
			continue;
		if (t[i].exact != NULL)
			is_str(v, t[i].exact, "encode %zu: as expected", i);
		line = xasprintf("%s: %s", t[i].name, v);
		namelen = strlen(t[i].name);
		why = wire_problem(line, strlen(line), 998, false);
		if (!ok(why == NULL, "encode %zu: 7-bit, CRLF, <= 998", i))
			printf("# %s\n", why);
		/* 78 unless the name leaves no room for an encoded word */
		max = longest_line(line);
		if (!ok(max <= (namelen + 2 + 24 > 78 ? namelen + 2 + 24 : 78),
		    "encode %zu: lines <= 78", i))
			printf("# longest: %zu\n", max);
		ok(strstr(v, "\r\n") == NULL || strstr(v, "\r\n ") != NULL,
		    "encode %zu: folds are CRLF SP", i);
		/* the value normalised: white space runs are one space */
		buf_reset(&norm);
		{
			const char *p = t[i].in;

			while (*p == ' ' || *p == '\t')
				p++;
			for (; *p != '\0'; p++) {
				if (*p == ' ' || *p == '\t') {
					while (p[1] == ' ' || p[1] == '\t')
						p++;
					if (p[1] != '\0')
						buf_addch(&norm, ' ');
					continue;
				}
				buf_addch(&norm, *p);
			}
		}
		want = t[i].decoded != NULL ? t[i].decoded : buf_str(&norm);
		uf = unfold(v);
		dec = ew_decode(uf, &bad);
		is_str(dec, want, "encode %zu: decodes back", i);
		is_int(bad, 0, "encode %zu: encoded words <= 75, whole "
		    "characters", i);
		free(uf);
		free(dec);
		free(line);
		free(v);
	}
	buf_free(&norm);
	for (i = 0; i < sizeof(bad_in) / sizeof(bad_in[0]); i++) {
		v = compose_encode_header("Subject", bad_in[i]);
		ok(v == NULL, "encode refuses bad value %zu", i);
		free(v);
	}
	ok(compose_encode_header("Subject", NULL) == NULL, "encode NULL");

	/* the long subject: every line is <= 78 and no character is split */
	v = compose_encode_header("Subject", pl);
	line = xasprintf("Subject: %s", v);
	ok(strchr(line, 0x80) == NULL && longest_line(line) <= 76 &&
	    strstr(line, "\r\n ") != NULL,
	    "300-character Polish subject: folded, lines <= 76 (RFC 2047)");
	{
		size_t nw = 0, k;
		const char *p;

		for (p = line; (p = strstr(p, "=?UTF-8?")) != NULL; p += k) {
			k = strcspn(p, " \r");
			nw++;
		}
		ok(nw >= 10, "300-character Polish subject: %zu encoded words",
		    nw);
	}
	free(line);
	free(v);
	free(pl);
	free(longword);
	free(asciilong);
}

/* --------------------------------------------------- display names */

static void
test_names(void)
{
	const struct {
		const char *name, *want;
	} t[] = {
		{ "Flagpost", "From: Flagpost <" FROM ">" },
		{ NULL, "From: " FROM },
		{ "", "From: " FROM },
		{ "  ", "From: " FROM },
		{ "YouTube T&S", "From: YouTube T&S <" FROM ">" },
		{ "  Anna \t Kowalska ", "From: Anna Kowalska <" FROM ">" },
		{ "Kowalska, Anna", "From: \"Kowalska, Anna\" <" FROM ">" },
		{ "J. R. \"Bob\" Dobbs \\o/",
		    "From: \"J. R. \\\"Bob\\\" Dobbs \\\\o/\" <" FROM ">" },
		{ "Flagpost (EU) <fake@evil.example>",
		    "From: \"Flagpost (EU) <fake@evil.example>\" <" FROM ">" },
		{ "Zażółć", NULL },
		{ "Kowalska-Żak, Anna", NULL },
		{ "=?utf-8?q?Fake?=", NULL },
		{ "Mikołaj Rej z Nagłowic, Pierwszy Poeta Polski i Autor "
		    "Żywota Człowieka Poczciwego", NULL },
	};
	struct compose c;
	struct mime_msg *m;
	char *msg, *f, *uf, *dec, *addr;
	size_t i;
	int bad;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		base(&c);
		c.from_name = t[i].name;
		if ((msg = make(&c, "name")) == NULL)
			continue;
		f = field(msg, "From");
		if (t[i].want != NULL) {
			is_str(f, t[i].want, "name %zu: From", i);
		} else {
			uf = unfold(f);
			addr = strstr(uf, " <" FROM ">");
			ok(addr != NULL && addr[strlen(" <" FROM ">")] == '\0',
			    "name %zu: the address is not encoded", i);
			if (addr != NULL)
				*addr = '\0';
			dec = ew_decode(uf + 6, &bad);
			is_str(dec, t[i].name, "name %zu: decodes back", i);
			is_int(bad, 0, "name %zu: good encoded words", i);
			ok(longest_line(f) <= 78, "name %zu: lines <= 78", i);
			free(dec);
			free(uf);
		}
		if ((m = reparse(msg, "name")) != NULL) {
			is_str(m->from_addr, FROM, "name %zu: mime_parse "
			    "reads the address", i);
			if (t[i].want == NULL)
				is_str(m->from_name, t[i].name, "name %zu: "
				    "mime_parse reads the name", i);
			mime_msg_free(&m);
		}
		free(f);
		free(msg);
	}
}

/* -------------------------------------------------- quoted-printable */

static void
test_qp(void)
{
	char *l200 = repeat("x", 200), *z100 = repeat("ż", 100);
	char *sp = repeat("a ", 100), *eq = repeat("=", 100);
	char *x76 = repeat("x", 76), *x77 = repeat("x", 77);
	char *x75sp = xasprintf("%s \n", x76 + 1);
	char *x74eq = xasprintf("%s=\nnext\n", x76 + 2);
	char *z_edge = xasprintf("%sż\n", x76 + 3);
	const struct {
		const char *text, *want;
	} t[] = {
		{ "hello\n", "hello\r\n" },
		{ "hello", "hello=\r\n" },
		{ "", "" },
		{ "\n\n", "\r\n\r\n" },
		{ "tail  \nnext", "tail =20\r\nnext=\r\n" },
		{ "tab\t\n", "tab=09\r\n" },
		{ "in\tside\n", "in\tside\r\n" },
		{ "a=b\n", "a=3Db\r\n" },
		{ "From me\n.\n..\nnot From\n",
		    "=46rom me\r\n=2E\r\n=2E.\r\nnot From\r\n" },
		{ "zażółć\n", "za=C5=BC=C3=B3=C5=82=C4=87\r\n" },
		{ "a\r\nb\n", "a\r\nb\r\n" },
		{ "lone\rcr\n", "lone=0Dcr\r\n" },
		{ "esc\x1b[0m\n", "esc=1B[0m\r\n" },
		{ l200, NULL }, { z100, NULL }, { sp, NULL }, { eq, NULL },
		{ x76, NULL }, { x77, NULL }, { x75sp, NULL }, { x74eq, NULL },
		{ z_edge, NULL },
	};
	struct compose c;
	char *msg, *dec, *want, *w, *r;
	const char *b, *p;
	size_t i, max;
	int bad;
	bool split;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		base(&c);
		c.text = t[i].text;
		if ((msg = make(&c, "qp")) == NULL)
			continue;
		b = body(msg);
		if (t[i].want != NULL)
			is_str(b, t[i].want, "qp %zu: as expected", i);
		max = longest_line(b);
		if (!ok(max <= 76, "qp %zu: lines <= 76", i))
			printf("# longest: %zu\n", max);
		dec = qp_decode(b, strlen(b), &bad);
		want = xstrdup(t[i].text);
		/* CRLF in is LF out */
		for (r = w = want; *r != '\0'; r++)
			if (!(r[0] == '\r' && r[1] == '\n'))
				*w++ = *r;
		*w = '\0';
		is_str(dec, want, "qp %zu: decodes back", i);
		is_int(bad, 0, "qp %zu: every '=' is =XX or a soft break", i);
		/* no line ends in a space or a tab */
		ok(strstr(b, " \r\n") == NULL && strstr(b, "\t\r\n") == NULL,
		    "qp %zu: no trailing white space", i);
		/* a soft break never falls inside a UTF-8 character */
		split = false;
		for (p = b; (p = strstr(p, "=\r\n")) != NULL; p += 3)
			if (p[3] == '=' && hexv(p[4]) >= 8 && hexv(p[4]) <= 0xb)
				split = true;
		ok(!split, "qp %zu: no character split by a soft break", i);
		free(want);
		free(dec);
		free(msg);
	}
	free(l200);
	free(z100);
	free(sp);
	free(eq);
	free(x76);
	free(x77);
	free(x75sp);
	free(x74eq);
	free(z_edge);
}

/* --------------------------------------------------- base64, boundaries */

/* the body of the part that starts with `hdr` (a header line) */
static char *
part_body(const char *msg, const char *hdr)
{
	const char *p, *e;

	if ((p = strstr(msg, hdr)) == NULL || (p = strstr(p, "\r\n\r\n")) ==
	    NULL || (e = strstr(p + 4, "\r\n--=_")) == NULL)
		return NULL;
	return xstrndup(p + 4, (size_t)(e - p - 4));
}

static void
test_base64(void)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 56, 57, 58, 1000, 70000 };
	struct compose_attachment a;
	struct mime_msg *m;
	struct compose c;
	unsigned char *data;
	char *msg, *b, *line;
	const char *p, *e;
	size_t i, j, n, bad;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = sizes[i];
		data = xmalloc(n + 1);
		for (j = 0; j < n; j++)
			data[j] = (unsigned char)(j * 7 + j / 256);
		base(&c);
		a.filename = "evidence.bin";
		a.type = NULL;
		a.data = data;
		a.len = n;
		c.att = &a;
		c.natt = 1;
		if ((msg = make(&c, "base64")) == NULL) {
			free(data);
			continue;
		}
		b = part_body(msg, "Content-Type: application/octet-stream");
		if (!ok(b != NULL, "base64 %zu: the part is there", n)) {
			free(msg);
			free(data);
			continue;
		}
		bad = 0;
		for (p = b; *p != '\0'; p = e + 2) {
			e = strstr(p, "\r\n");
			/* every line 76, the last one at most */
			if ((size_t)(e - p) > 76 || ((size_t)(e - p) < 76 &&
			    e[2] != '\0'))
				bad++;
		}
		is_int((long long)bad, 0, "base64 %zu: lines of 76", n);
		is_int((long long)strlen(b), (long long)((n + 2) / 3 * 4 +
		    ((n + 2) / 3 * 4 + 75) / 76 * 2), "base64 %zu: length", n);
		if ((m = reparse(msg, "base64")) != NULL) {
			if (ok(m->natt == 1, "base64 %zu: one attachment", n))
				ok(m->att[0].len == n && (n == 0 ||
				    memcmp(m->att[0].data, data, n) == 0),
				    "base64 %zu: the bytes come back", n);
			mime_msg_free(&m);
		}
		line = field(msg, "Content-Type");
		ok(line != NULL && strncmp(line, "Content-Type: multipart/"
		    "mixed;\r\n boundary=\"=_", 42) == 0,
		    "base64 %zu: top is multipart/mixed", n);
		free(line);
		free(b);
		free(msg);
		free(data);
	}
}

/* each boundary of msg only in its parameter and its delimiter lines */
static bool
boundaries_clean(const char *msg, size_t *nb)
{
	const char *p, *q, *e;
	char *bnd;
	size_t delims, uses;

	*nb = 0;
	for (p = msg; (p = strstr(p, "boundary=\"")) != NULL; p = e) {
		p += 10;
		e = strchr(p, '"');
		bnd = xstrndup(p, (size_t)(e - p));
		(*nb)++;
		delims = uses = 0;
		for (q = msg; (q = strstr(q, bnd)) != NULL; q++) {
			uses++;
			if (q - msg >= 4 && strncmp(q - 4, "\r\n--", 4) == 0 &&
			    (strncmp(q + strlen(bnd), "\r\n", 2) == 0 ||
			    strncmp(q + strlen(bnd), "--\r\n", 4) == 0))
				delims++;
		}
		free(bnd);
		if (uses != delims + 1 || delims < 2)
			return false;
	}
	return *nb > 0;
}

static void
test_boundaries(void)
{
	static const char bin[] = "--=_fp_0000\r\n--=_fp_\r\n=_\r\n--\r\n";
	struct compose_attachment a[2];
	struct compose c;
	char *msg, *msg2, *ct1, *ct2;
	size_t nb = 0;

	base(&c);
	c.text = "--=_fp_0123456789abcdef0123456789abcdef\n--=_fp_\n=_\n"
	    "This is a multi-part message in MIME format.\n";
	c.html = "<p>--=_fp_0123456789abcdef0123456789abcdef--</p>\n";
	a[0].filename = "--=_fp_.txt";
	a[0].type = "text/plain";
	a[0].data = bin;
	a[0].len = sizeof(bin) - 1;
	a[1].filename = "b.bin";
	a[1].type = NULL;
	a[1].data = bin;
	a[1].len = 2;
	c.att = a;
	c.natt = 2;
	if ((msg = make(&c, "boundaries")) == NULL)
		return;
	ok(boundaries_clean(msg, &nb) && nb == 2, "boundaries: two, each "
	    "only in its parameter and its delimiters (%zu)", nb);
	msg2 = make(&c, "boundaries again");
	ct1 = field(msg, "Content-Type");
	ct2 = field(msg2, "Content-Type");
	ok(ct1 != NULL && ct2 != NULL && strcmp(ct1, ct2) != 0,
	    "boundaries: random, not the same twice");
	free(ct1);
	free(ct2);
	free(msg2);
	free(msg);

	c.natt = 0;
	if ((msg = make(&c, "boundaries: alternative")) == NULL)
		return;
	ok(boundaries_clean(msg, &nb) && nb == 1, "boundaries: alternative, "
	    "one boundary, clean");
	free(msg);
}

/* --------------------------------------------------- structure, order */

/* the names of the top-level fields, space-separated */
static char *
field_names(const char *msg)
{
	struct buf b = BUF_INIT(SIZE_MAX / 4);
	const char *p = msg, *end = strstr(msg, "\r\n\r\n"), *c;

	while (p != NULL && p < end) {
		if (*p != ' ' && *p != '\t') {
			c = strchr(p, ':');
			if (b.len > 0)
				buf_addch(&b, ' ');
			buf_add(&b, p, (size_t)(c - p));
		}
		p = strstr(p, "\r\n") + 2;
	}
	return buf_detach(&b, NULL);
}

static void
test_structure(void)
{
	static const char pdf[] = "%PDF-1.4\n\x00\xff\xfe\r\n%%EOF\n";
	struct compose_header x[3];
	struct compose_attachment a;
	struct compose c;
	struct buf out = BUF_INIT(1024 * 1024);
	struct err err;
	char *msg, *names, *f;
	const char *tp, *th, *ta, *alt;

	base(&c);
	if ((msg = make(&c, "text only")) != NULL) {
		names = field_names(msg);
		is_str(names, "Date From To Subject Message-ID MIME-Version "
		    "Auto-Submitted Content-Type Content-Transfer-Encoding",
		    "text only: the fields in order");
		f = field(msg, "Content-Type");
		is_str(f, "Content-Type: text/plain; charset=utf-8",
		    "text only: text/plain, UTF-8");
		free(f);
		f = field(msg, "Content-Transfer-Encoding");
		is_str(f, "Content-Transfer-Encoding: quoted-printable",
		    "text only: quoted-printable");
		free(f);
		f = field(msg, "Date");
		is_str(f, "Date: Sat, 28 Nov 2026 10:00:00 +0000",
		    "Date: RFC 5322, UTC");
		free(f);
		f = field(msg, "Message-ID");
		is_str(f, "Message-ID: <" MSGID ">", "Message-ID in <>");
		free(f);
		f = field(msg, "To");
		is_str(f, "To: YouTube T&S <" TO ">", "To");
		free(f);
		free(names);
		free(msg);
	}

	/* a List-Id phrase: atoms, a quoted-string, or encoded words */
	{
		static const struct {
			const char *phrase, *want;
		} lid[] = {
			{ "Weekly digest", "List-Id: Weekly digest "
			    "<weekly.gateway.example.eu>" },
			{ "Weekly: news, views (EU)", "List-Id: \"Weekly: news, "
			    "views (EU)\" <weekly.gateway.example.eu>" },
			{ "The \"best\" list", "List-Id: \"The \\\"best\\\" "
			    "list\" <weekly.gateway.example.eu>" },
			{ "Wochenübersicht", "List-Id: "
			    "=?UTF-8?Q?Wochen=C3=BCbersicht?= "
			    "<weekly.gateway.example.eu>" },
		};
		size_t k;

		for (k = 0; k < sizeof(lid) / sizeof(lid[0]); k++) {
			memset(x, 0, sizeof(x));
			x[0].name = "List-Id";
			x[0].value = lid[k].phrase;
			x[0].angle = "weekly.gateway.example.eu";
			base(&c);
			c.extra = x;
			c.nextra = 1;
			if ((msg = make(&c, "List-Id phrase")) == NULL)
				continue;
			f = field(msg, "List-Id");
			is_str(f, lid[k].want, "List-Id: the description as a "
			    "phrase");
			free(f);
			free(msg);
		}
		memset(x, 0, sizeof(x));
		x[0].name = "List-Id";
		x[0].value = "Weekly";
		x[0].angle = "weekly>x<y";
		base(&c);
		c.extra = x;
		c.nextra = 1;
		ok(compose_message(&c, &out, &err) == -1 &&
		    strstr(err.msg, "cannot go between < and >") != NULL,
		    "List-Id: an id with angle brackets is refused");
		buf_reset(&out);
	}

	memset(x, 0, sizeof(x));
	x[0].name = "List-Id";
	x[0].value = "Flagpost notices <notices.gateway.example.eu>";
	x[1].name = "X-Flagpost-Ref";
	x[1].value = "F-2026-0001";
	x[2].name = "X-Flagpost-Org";
	x[2].value = "Stowarzyszenie „Nigdy Więcej”";
	base(&c);
	c.reply_to = "coordinators@cso.example.org";
	c.in_reply_to = "m1@cso.example.org";
	c.references = "<m0@cso.example.org>  <m1@cso.example.org>";
	c.auto_submitted = "auto-replied";
	c.importance_high = true;
	c.extra = x;
	c.nextra = 3;
	c.html = "<p>Hello.</p>";
	a.filename = "report.pdf";
	a.type = "application/pdf";
	a.data = pdf;
	a.len = sizeof(pdf) - 1;
	c.att = &a;
	c.natt = 1;
	if ((msg = make(&c, "everything")) != NULL) {
		names = field_names(msg);
		is_str(names, "Date From To Reply-To Subject Message-ID "
		    "In-Reply-To References MIME-Version Auto-Submitted "
		    "Importance X-Priority List-Id X-Flagpost-Ref "
		    "X-Flagpost-Org Content-Type", "everything: the fields in "
		    "order");
		free(names);
		f = field(msg, "References");
		is_str(f, "References: <m0@cso.example.org> "
		    "<m1@cso.example.org>", "References");
		free(f);
		f = field(msg, "In-Reply-To");
		is_str(f, "In-Reply-To: <m1@cso.example.org>", "In-Reply-To");
		free(f);
		f = field(msg, "Importance");
		is_str(f, "Importance: high", "Importance");
		free(f);
		f = field(msg, "X-Priority");
		is_str(f, "X-Priority: 1", "X-Priority");
		free(f);
		f = field(msg, "Auto-Submitted");
		is_str(f, "Auto-Submitted: auto-replied", "Auto-Submitted");
		free(f);
		f = field(msg, "List-Id");
		is_str(f, "List-Id: Flagpost notices "
		    "<notices.gateway.example.eu>", "List-Id as it is");
		free(f);
		f = field(msg, "X-Flagpost-Org");
		ok(f != NULL && strstr(f, "=?UTF-8?") != NULL,
		    "an extra header in UTF-8 is encoded");
		free(f);
		alt = strstr(msg, "Content-Type: multipart/alternative");
		tp = strstr(msg, "Content-Type: text/plain");
		th = strstr(msg, "Content-Type: text/html");
		ta = strstr(msg, "Content-Type: application/pdf");
		ok(alt != NULL && tp != NULL && th != NULL && ta != NULL &&
		    alt < tp && tp < th && th < ta, "mixed: alternative (text, "
		    "then HTML), then the file");
		ok(strstr(msg, "Content-Disposition: attachment; "
		    "filename=\"report.pdf\"\r\n") != NULL,
		    "Content-Disposition with an ASCII filename");
		ok(strstr(msg, "Content-Type: application/pdf; "
		    "name=\"report.pdf\"\r\n") != NULL, "name= parameter");
		free(msg);
	}
	a.filename = "żółw.pdf";
	if ((msg = make(&c, "a short non-ASCII filename")) != NULL) {
		ok(strstr(msg, "Content-Disposition: attachment;"
		    " filename*=utf-8''%C5%BC%C3%B3%C5%82w.pdf\r\n") != NULL &&
		    strstr(msg, "Content-Type: application/pdf;"
		    " name*=utf-8''%C5%BC%C3%B3%C5%82w.pdf\r\n") != NULL,
		    "a non-ASCII filename: filename*= and name*= (RFC 2231)");
		free(msg);
	}
	a.filename = "=?utf-8?q?x?=.txt";
	if ((msg = make(&c, "a filename like an encoded word")) != NULL) {
		ok(strstr(msg, "Content-Disposition: attachment;\r\n"
		    " filename*=utf-8''%3D%3Futf-8%3Fq%3Fx%3F%3D.txt\r\n") !=
		    NULL, "a filename like an RFC 2047 word is RFC 2231");
		free(msg);
	}

	/* no message id: one is made, in the domain of From */
	base(&c);
	c.message_id = NULL;
	if ((msg = make(&c, "no message id")) != NULL) {
		f = field(msg, "Message-ID");
		ok(f != NULL && strncmp(f, "Message-ID: <", 13) == 0 &&
		    strstr(f, "@gateway.example.eu>") != NULL,
		    "a Message-ID is made when none is given");
		free(f);
		free(msg);
	}
	base(&c);
	c.date = 946684800;
	if ((msg = make(&c, "2000")) != NULL) {
		f = field(msg, "Date");
		is_str(f, "Date: Sat, 01 Jan 2000 00:00:00 +0000",
		    "Date: another day");
		free(f);
		free(msg);
	}
	base(&c);
	c.date = 0;
	if ((msg = make(&c, "no date")) != NULL) {
		f = field(msg, "Date");
		is_str(f, "Date: Sat, 28 Nov 2026 10:00:00 +0000",
		    "Date: now when none is given");
		free(f);
		free(msg);
	}
	base(&c);
	c.auto_submitted = NULL;
	if ((msg = make(&c, "no auto-submitted")) != NULL) {
		f = field(msg, "Auto-Submitted");
		is_str(f, "Auto-Submitted: auto-generated",
		    "Auto-Submitted: auto-generated by default");
		free(f);
		free(msg);
	}
	base(&c);
	c.subject = "";
	if ((msg = make(&c, "empty subject")) != NULL) {
		f = field(msg, "Subject");
		is_str(f, "Subject:", "an empty subject");
		free(f);
		free(msg);
	}
}

/* ---------------------------------------------------------- refusals */

enum which {
	W_SUBJECT, W_FROM_NAME, W_TO_NAME, W_FROM_ADDR, W_TO_ADDR,
	W_REPLY_TO, W_MSGID, W_IRT, W_REFS, W_XNAME, W_XVALUE, W_TEXT,
	W_HTML, W_AUTO, W_FILENAME, W_TYPE,
};

static void
test_refusals(void)
{
	static const struct {
		enum which w;
		const char *v;
	} t[] = {
		{ W_SUBJECT, "Hi\r\nBcc: victim@example.org" },
		{ W_SUBJECT, "Hi\nBcc: victim@example.org" },
		{ W_SUBJECT, "Hi\rBcc: victim@example.org" },
		{ W_SUBJECT, "bad \xc3\x28 UTF-8" },
		{ W_FROM_NAME, "Anna\r\nBcc: victim@example.org" },
		{ W_FROM_NAME, "\xff" },
		{ W_TO_NAME, "x\ny" },
		{ W_FROM_ADDR, NULL },
		{ W_FROM_ADDR, FROM "\r\nBcc: victim@example.org" },
		{ W_TO_ADDR, TO "\nBcc: victim@example.org" },
		{ W_TO_ADDR, NULL },
		{ W_TO_ADDR, "" },
		{ W_TO_ADDR, "anna" },
		{ W_TO_ADDR, "anna@" },
		{ W_TO_ADDR, "@cso.example.org" },
		{ W_TO_ADDR, "an na@cso.example.org" },
		{ W_TO_ADDR, "<anna@cso.example.org>" },
		{ W_TO_ADDR, "Anna <anna@cso.example.org>" },
		{ W_TO_ADDR, "anna@cso.example.org, bob@cso.example.org" },
		{ W_TO_ADDR, "żaneta@cso.example.org" },
		{ W_TO_ADDR, "anna@żółw.example.org" },
		{ W_TO_ADDR, "anna@cso..example.org" },
		{ W_TO_ADDR, "anna@@cso.example.org" },
		{ W_TO_ADDR, "an..na@cso.example.org" },
		{ W_TO_ADDR, ".anna@cso.example.org" },
		{ W_TO_ADDR, "anna@-cso.example.org" },
		{ W_TO_ADDR, "\"anna\"@cso.example.org" },
		{ W_REPLY_TO, "a@cso.example.org\r\nX: y" },
		{ W_REPLY_TO, "not an address" },
		{ W_MSGID, "x@y\r\nBcc: victim@example.org" },
		{ W_MSGID, "<x@y>" },
		{ W_MSGID, "no-at-sign" },
		{ W_MSGID, "sp ace@y" },
		{ W_MSGID, "" },
		{ W_IRT, "x@y\nBcc: victim@example.org" },
		{ W_IRT, "<x@y>" },
		{ W_REFS, "<a@x>\r\n <b@y>" },
		{ W_REFS, "a@x" },
		{ W_REFS, "<a@x><b@y>" },
		{ W_REFS, "" },
		{ W_XNAME, "X-Bad:Name" },
		{ W_XNAME, "X Bad" },
		{ W_XNAME, "X-Bad\r\nBcc" },
		{ W_XNAME, "" },
		{ W_XNAME, NULL },
		{ W_XNAME, "X-Zażółć" },
		{ W_XNAME, "Subject" },
		{ W_XNAME, "bcc" },
		{ W_XNAME, "content-type" },
		{ W_XVALUE, "v\r\nBcc: victim@example.org" },
		{ W_XVALUE, "v\nw" },
		{ W_XVALUE, "\xff" },
		{ W_XVALUE, NULL },
		{ W_TEXT, "bad \xc3\x28 UTF-8" },
		{ W_TEXT, "overlong \xc0\xaf" },
		{ W_HTML, "<p>\xff</p>" },
		{ W_AUTO, "yes" },
		{ W_AUTO, "auto-generated\r\nBcc: x" },
		{ W_FILENAME, "a\r\n.pdf" },
		{ W_FILENAME, "\xff.pdf" },
		{ W_TYPE, "application/pdf; name=x" },
		{ W_TYPE, "pdf" },
		{ W_TYPE, "application/pdf\r\nX: y" },
		{ W_TYPE, "appli cation/pdf" },
	};
	struct compose_attachment a;
	struct compose_header x;
	struct buf out = BUF_INIT(1 << 20);
	struct compose c;
	struct err e;
	size_t i;
	int r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		base(&c);
		x.name = "X-Test";
		x.value = "ok";
		a.filename = "a.pdf";
		a.type = "application/pdf";
		a.data = "x";
		a.len = 1;
		switch (t[i].w) {
		case W_SUBJECT: c.subject = t[i].v; break;
		case W_FROM_NAME: c.from_name = t[i].v; break;
		case W_TO_NAME: c.to_name = t[i].v; break;
		case W_FROM_ADDR: c.from_addr = t[i].v; break;
		case W_TO_ADDR: c.to_addr = t[i].v; break;
		case W_REPLY_TO: c.reply_to = t[i].v; break;
		case W_MSGID: c.message_id = t[i].v; break;
		case W_IRT: c.in_reply_to = t[i].v; break;
		case W_REFS: c.references = t[i].v; break;
		case W_XNAME: x.name = t[i].v; break;
		case W_XVALUE: x.value = t[i].v; break;
		case W_TEXT: c.text = t[i].v; break;
		case W_HTML: c.html = t[i].v; break;
		case W_AUTO: c.auto_submitted = t[i].v; break;
		case W_FILENAME: a.filename = t[i].v; break;
		case W_TYPE: a.type = t[i].v; break;
		}
		c.extra = &x;
		c.nextra = 1;
		c.att = &a;
		c.natt = 1;
		buf_reset(&out);
		buf_addstr(&out, "kept");
		err_clear(&e);
		r = compose_message(&c, &out, &e);
		ok(r == -1 && e.cls == ERR_MSG && e.msg[0] != '\0' &&
		    strpbrk(e.msg, "\r\n") == NULL && strcmp(buf_str(&out),
		    "kept") == 0, "refused %zu: %s", i, e.msg);
	}
	/* the same with good values composes: the table tests one thing */
	base(&c);
	a.filename = "a.pdf";
	a.type = "application/pdf";
	x.name = "X-Test";
	x.value = "ok";
	c.extra = &x;
	c.nextra = 1;
	c.att = &a;
	c.natt = 1;
	buf_reset(&out);
	buf_addstr(&out, "kept");
	r = compose_message(&c, &out, &e);
	ok(r == 0 && strncmp(buf_str(&out), "keptDate: ", 10) == 0,
	    "the good message composes, after what was in the buffer");

	/* too large for the buffer: refused, the buffer as it was */
	{
		struct buf small = BUF_INIT(300);

		buf_addstr(&small, "kept");
		base(&c);
		c.text = "A text that is long enough to pass the limit of "
		    "the buffer, with the header fields.\n"
		    "A text that is long enough to pass the limit of "
		    "the buffer, with the header fields.\n";
		err_clear(&e);
		r = compose_message(&c, &small, &e);
		ok(r == -1 && e.cls == ERR_MSG && strcmp(buf_str(&small),
		    "kept") == 0, "too large: refused, buffer kept (%s)",
		    e.msg);
		buf_free(&small);
	}
	buf_free(&out);
}

/* -------------------------------------------------------- round trip */

static void
test_roundtrip(void)
{
	static const char pdf[] = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n\0\0\r\n"
	    "1 0 obj << /Type /Catalog >> endobj\r\n\xff\xfe=_\n%%EOF\n";
	struct compose_attachment a[3];
	struct mime_msg *m;
	struct compose c;
	char *msg, *longname, *subject, *pl;
	unsigned char png[300];
	size_t i;

	for (i = 0; i < sizeof(png); i++)
		png[i] = (unsigned char)(255 - i);
	pl = polish(120);
	longname = xasprintf("%s.pdf", pl);
	free(pl);
	subject = polish(200);
	base(&c);
	c.from_name = "Bramka zgłoszeń Łódź";
	c.to_name = "Zespół ds. treści";
	c.subject = subject;
	c.text = "Dzień dobry,\n\nzgłoszenie F-2026-0001: treść antysemicka."
	    "\nURL: https://www.youtube.com/watch?v=abc123\n\n-- \nFlagpost\n";
	c.html = "<p>Dzień dobry,</p><p>zgłoszenie F-2026-0001</p>\n";
	a[0].filename = "Zgłoszenie — dowód nr 1 (ważne).pdf";
	a[0].type = "application/pdf";
	a[0].data = pdf;
	a[0].len = sizeof(pdf) - 1;
	a[1].filename = "screen shot \"1\".png";
	a[1].type = "image/png";
	a[1].data = png;
	a[1].len = sizeof(png);
	a[2].filename = longname;
	a[2].type = "application/pdf";
	a[2].data = pdf;
	a[2].len = 9;
	c.att = a;
	c.natt = 3;
	if ((msg = make(&c, "round trip")) == NULL)
		goto out;
	ok(longest_line(msg) <= 78, "round trip: every line <= 78 (%zu)",
	    longest_line(msg));
	ok(strstr(msg, "filename*0*=utf-8''Zg%C5%82oszenie%20%E2%80%94%20")
	    != NULL, "a non-ASCII filename is RFC 2231");
	ok(strstr(msg, "filename*0*=utf-8''") != NULL &&
	    strstr(msg, "filename*1*=") != NULL,
	    "a long filename is in RFC 2231 continuations");
	ok(strstr(msg, "filename=\"screen shot \\\"1\\\".png\"") != NULL,
	    "an ASCII filename is quoted");
	if ((m = reparse(msg, "round trip")) == NULL)
		goto out;
	is_str(m->subject, subject, "round trip: subject");
	is_str(m->from_name, c.from_name, "round trip: from name");
	is_str(m->from_addr, FROM, "round trip: from address");
	ok(m->nrcpt == 1 && strcmp(m->rcpt[0], TO) == 0,
	    "round trip: to address");
	is_str(m->message_id, MSGID, "round trip: message id");
	is_int(m->date, DATE, "round trip: date");
	is_str(m->text, c.text, "round trip: the text, not the HTML");
	ok(!m->text_from_html, "round trip: text/plain is the text");
	if (is_int((long long)m->natt, 3, "round trip: three attachments")) {
		for (i = 0; i < 3; i++) {
			is_str(m->att[i].filename, a[i].filename,
			    "round trip: file name %zu", i);
			is_str(m->att[i].type, a[i].type,
			    "round trip: type %zu", i);
			ok(m->att[i].len == a[i].len &&
			    memcmp(m->att[i].data, a[i].data, a[i].len) == 0,
			    "round trip: bytes of file %zu", i);
		}
	}
	if (m->nwarn > 0)
		for (i = 0; i < m->nwarn; i++)
			printf("# warning: %s\n", m->warnings[i]);
	is_int((long long)m->nwarn, 0, "round trip: no warnings");
	mime_msg_free(&m);
out:
	free(msg);
	free(longname);
	free(subject);
}

static void
test_message_id(void)
{
	char *a, *b;
	size_t i;
	bool good;

	setenv("FLAGPOST_NOW", "1795860000", 1);
	a = compose_message_id("flags@Gateway.example.eu");
	b = compose_message_id("flags@gateway.example.eu");
	good = strlen(a) == 11 + 16 + 19 &&
	    strncmp(a, "1795860000.", 11) == 0 &&
	    strcmp(a + 27, "@Gateway.example.eu") == 0;
	for (i = 11; good && i < 27; i++)
		good = (a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' &&
		    a[i] <= 'f');
	if (!ok(good, "message id: <epoch>.<16 hex>@<domain>"))
		printf("# got: %s\n", a);
	ok(strcmp(a + 11, b + 11) != 0, "message id: random");
	free(a);
	free(b);
	a = compose_message_id("no-domain");
	ok(strlen(a) > 27 && strcmp(a + 27, "@flagpost.invalid") == 0,
	    "message id: a fallback domain (%s)", a);
	free(a);
}

/* ---------------------------------------------------------- random */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

/* a string of random pieces; `ctl` allows control characters */
static char *
random_text(size_t pieces, bool ctl, bool lines)
{
	static const char *const p[] = {
		"a", "Z", "word", " ", "  ", "\t", "ż", "ł", "Ś", "—", "„", "🚨",
		"報告", "=?", "?=", "=?UTF-8?Q?x?=", "_", "=", "\"", "\\", ",",
		".", "(", ")", "<", ">", "@", ";", ":", "%", "'", "*", "é",
		"LONG",
		"żżżżżżżżżżżżżżżżżżżż",
	};
	static const char *const c[] = { "\x01", "\x1b", "\x7f" };
	static const char *const l[] = { "\n", "\r\n", "\r", "From ", " \n",
	    "\t\n", ".\n", "\n.", "\n\n" };
	struct buf b = BUF_INIT(SIZE_MAX / 4);
	size_t i, np = sizeof(p) / sizeof(p[0]);
	uint32_t r;

	for (i = 0; i < pieces; i++) {
		r = rng() % 100;
		if (ctl && r < 3)
			buf_addstr(&b, c[rng() % 3]);
		else if (lines && r < 15)
			buf_addstr(&b, l[rng() % (sizeof(l) / sizeof(l[0]))]);
		else if (strcmp(p[r = rng() % np], "LONG") == 0)
			/* a word longer than a header line */
			for (r = 0; r < 90; r++)
				buf_addch(&b, 'x');
		else
			buf_addstr(&b, p[r]);
	}
	return buf_detach(&b, NULL);
}

/* white space runs as one space, none at the ends */
static char *
squeeze(const char *s)
{
	struct buf b = BUF_INIT(SIZE_MAX / 4);

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t') {
			while (s[1] == ' ' || s[1] == '\t')
				s++;
			if (b.len > 0 && s[1] != '\0')
				buf_addch(&b, ' ');
			continue;
		}
		buf_addch(&b, *s);
	}
	return buf_detach(&b, NULL);
}

/*
 * Lines of a folded field within 78 (76 with an encoded word, RFC 2047),
 * except a line that holds nothing but
 * one plain word too long for it (not split, so that a long URL stays
 * one word); never over 998.
 */
static bool
fold_ok(const char *f)
{
	const char *p = f, *e, *sp;
	size_t n;

	for (; *p != '\0'; p = *e != '\0' ? e + 2 : e) {
		if ((e = strstr(p, "\r\n")) == NULL)
			e = p + strlen(p);
		n = (size_t)(e - p);
		if (n > 998)
			return false;
		if (n <= 76 || (n <= 78 && memmem(p, n, "=?UTF-8?", 8) == NULL))
			continue;
		/* "Name: word" or " word" */
		sp = memchr(p + 1, ' ', n - 1);
		if (p[0] == ' ' ? sp != NULL :
		    sp == NULL || memchr(sp + 1, ' ', (size_t)(e - sp - 1)))
			return false;
		if (memmem(p, n, "=?UTF-8?", 8) != NULL)
			return false;
	}
	return true;
}

static void
test_random(void)
{
	struct compose_attachment a;
	struct mime_msg *m;
	struct compose c;
	struct buf out = BUF_INIT(1u << 24);
	struct err e;
	size_t i, hbad = 0, nbad = 0, qbad = 0, fbad = 0, wbad = 0;
	char *in, *v, *line, *uf, *dec, *want, *w, *r, *q0;
	const char *b;
	int bad;

	for (i = 0; i < 2000; i++) {
		in = random_text(1 + rng() % 60, true, false);
		v = compose_encode_header("Subject", in);
		line = v != NULL ? xasprintf("Subject: %s", v) : NULL;
		uf = v != NULL ? unfold(v) : NULL;
		dec = uf != NULL ? ew_decode(uf, &bad) : NULL;
		want = squeeze(in);
		if (v == NULL || wire_problem(line, strlen(line), 998, false) !=
		    NULL || !fold_ok(line) || strcmp(dec, want) != 0 ||
		    bad != 0) {
			if (hbad++ == 0)
				printf("# header: '%s' -> '%s'\n", in,
				    v != NULL ? v : "(null)");
		}
		free(in);
		free(v);
		free(line);
		free(uf);
		free(dec);
		free(want);
	}
	is_int((long long)hbad, 0, "random: 2000 header values fold within "
	    "78 (998 for one long plain word), decode back");

	for (i = 0; i < 300; i++) {
		base(&c);
		in = random_text(1 + rng() % 20, false, false);
		c.from_name = in;
		c.subject = in;
		c.text = r = random_text(rng() % 400, true, true);
		a.filename = w = random_text(1 + rng() % 30, false, false);
		a.type = NULL;
		a.data = in;
		a.len = strlen(in);
		c.att = &a;
		c.natt = rng() % 2;
		buf_reset(&out);
		err_clear(&e);
		if (compose_message(&c, &out, &e) == -1 ||
		    wire_problem(buf_str(&out), out.len, 998, true) != NULL) {
			if (wbad++ == 0)
				printf("# message: %s\n", e.msg);
			goto next;
		}
		m = NULL;
		if (mime_parse(buf_str(&out), out.len, NULL, &m, &e) == -1) {
			if (nbad++ == 0)
				printf("# mime_parse: %s\n", e.msg);
			goto next;
		}
		want = squeeze(in);
		if (m->from_name == NULL ? want[0] != '\0' :
		    strcmp(m->from_name, want) != 0 ||
		    strcmp(m->subject, want) != 0) {
			if (nbad++ == 0)
				printf("# name: '%s' read as '%s' / '%s'\n",
				    want, m->from_name ? m->from_name :
				    "(null)", m->subject);
		}
		free(want);
		if (c.natt == 1) {
			/* mime.c reads a file name with its white space
			 * trimmed and tabs as spaces, and decodes RFC 2047
			 * words even in RFC 2231 values: compare the rest */
			want = squeeze(w);
			q0 = m->natt == 1 ? squeeze(m->att[0].filename) :
			    xstrdup("");
			if (m->natt != 1 || (*w != '\0' &&
			    strstr(w, "=?") == NULL &&
			    strcmp(q0, want) != 0) ||
			    m->att[0].len != a.len ||
			    memcmp(m->att[0].data, a.data, a.len) != 0) {
				if (fbad++ == 0)
					printf("# file: '%s' read as '%s'\n", w,
					    m->natt ? m->att[0].filename : "");
			}
			free(q0);
			free(want);
		}
		mime_msg_free(&m);
		/* the QP body of a one-part mail */
		if (c.natt == 0) {
			char *d;
			const char *p;
			char *q;

			b = body(buf_str(&out));
			d = qp_decode(b, strlen(b), &bad);
			want = xstrdup(c.text);
			for (p = want, q = want; *p != '\0'; p++)
				if (!(p[0] == '\r' && p[1] == '\n'))
					*q++ = *p;
			*q = '\0';
			if (bad != 0 || strcmp(d, want) != 0 ||
			    longest_line(b) > 76 || strstr(b, " \r\n") ||
			    strstr(b, "\t\r\n")) {
				if (qbad++ == 0)
					printf("# qp: '%s'\n", c.text);
			}
			free(d);
			free(want);
		}
next:
		free(in);
		free(r);
		free(w);
	}
	is_int((long long)wbad, 0, "random: 300 mails compose, 7-bit, CRLF, "
	    "lines <= 998");
	is_int((long long)nbad, 0, "random: mime_parse reads name and "
	    "subject back");
	is_int((long long)fbad, 0, "random: mime_parse reads file names and "
	    "bytes back");
	is_int((long long)qbad, 0, "random: quoted-printable decodes back, "
	    "lines <= 76");
	buf_free(&out);
}

/* ------------------------------------------------------ sample mails */

static void
json_str(struct buf *b, const char *s)
{
	buf_addch(b, '"');
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_printf(b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			buf_printf(b, "\\u%04x", (unsigned char)*s);
		else
			buf_addch(b, *s);
	}
	buf_addch(b, '"');
}

static void
json_kv(struct buf *b, const char *k, const char *v)
{
	if (b->len > 1)
		buf_addstr(b, ",\n ");
	json_str(b, k);
	buf_addstr(b, ": ");
	if (v == NULL)
		buf_addstr(b, "null");
	else
		json_str(b, v);
}

static int
write_file(const char *dir, const char *name, const char *ext,
    const char *data, size_t len)
{
	char *path = xasprintf("%s/%s.%s", dir, name, ext);
	FILE *f;
	int r = 0;

	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "test-compose: %s: %s\n", path,
		    strerror(errno));
		r = -1;
	}
	free(path);
	return r;
}

/* NAME.eml and, for compose-check.py, NAME.json: what it must read */
static int
write_sample(const char *dir, const char *name, const struct compose *c,
    const char *structure)
{
	struct buf msg = BUF_INIT(64u << 20), j = BUF_INIT(1u << 20);
	char sha[SHA256_HEX_LEN];
	struct err e;
	size_t i;
	int r = -1;

	err_clear(&e);
	if (compose_message(c, &msg, &e) == -1) {
		fprintf(stderr, "test-compose: %s: %s\n", name, e.msg);
		goto out;
	}
	buf_addch(&j, '{');
	json_kv(&j, "structure", structure);
	json_kv(&j, "subject", c->subject);
	json_kv(&j, "from_name", c->from_name);
	json_kv(&j, "from_addr", c->from_addr);
	json_kv(&j, "to_name", c->to_name);
	json_kv(&j, "to_addr", c->to_addr);
	json_kv(&j, "reply_to", c->reply_to);
	json_kv(&j, "message_id", c->message_id);
	json_kv(&j, "in_reply_to", c->in_reply_to);
	json_kv(&j, "references", c->references);
	json_kv(&j, "auto_submitted", c->auto_submitted);
	json_kv(&j, "importance", c->importance_high ? "high" : NULL);
	json_kv(&j, "text", c->text);
	json_kv(&j, "html", c->html);
	buf_printf(&j, ",\n \"date\": %lld", (long long)c->date);
	buf_addstr(&j, ",\n \"extra\": [");
	for (i = 0; i < c->nextra; i++) {
		buf_addstr(&j, i > 0 ? ", [" : "[");
		json_str(&j, c->extra[i].name);
		buf_addstr(&j, ", ");
		json_str(&j, c->extra[i].value);
		buf_addch(&j, ']');
	}
	buf_addstr(&j, "],\n \"attachments\": [");
	for (i = 0; i < c->natt; i++) {
		sha256_hex(c->att[i].data, c->att[i].len, sha);
		buf_addstr(&j, i > 0 ? ",\n  {" : "\n  {");
		buf_addstr(&j, "\"filename\": ");
		json_str(&j, c->att[i].filename);
		buf_addstr(&j, ", \"type\": ");
		json_str(&j, c->att[i].type != NULL ? c->att[i].type :
		    "application/octet-stream");
		buf_printf(&j, ", \"size\": %zu, \"sha256\": \"%s\"}",
		    c->att[i].len, sha);
	}
	buf_addstr(&j, "]}\n");
	if (write_file(dir, name, "eml", buf_str(&msg), msg.len) == -1 ||
	    write_file(dir, name, "json", buf_str(&j), j.len) == -1)
		goto out;
	r = 0;
out:
	buf_free(&msg);
	buf_free(&j);
	return r;
}

static int
write_samples(const char *dir)
{
	static const char pdf_head[] = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
	struct compose_attachment a[3];
	struct compose_header x[4];
	struct compose c;
	unsigned char *pdf, png[2000];
	char *subject, *longname, *pl;
	size_t i, npdf = 5000;
	int r = 0;

	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		fprintf(stderr, "test-compose: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	pdf = xmalloc(npdf);
	memcpy(pdf, pdf_head, sizeof(pdf_head) - 1);
	for (i = sizeof(pdf_head) - 1; i < npdf; i++)
		pdf[i] = (unsigned char)((i * 131 + (i >> 3)) & 0xff);
	for (i = 0; i < sizeof(png); i++)
		png[i] = (unsigned char)(i % 251);
	subject = polish(300);
	pl = polish(100);
	longname = xasprintf("%s.pdf", pl);
	free(pl);

	base(&c);
	c.subject = "Flag F-2026-0001: antisemitic video (youtube)";
	c.text = "A record was routed to you.\n\n"
	    "Ref: F-2026-0001\nURL: https://www.youtube.com/watch?v=abc123\n"
	    "Explanation: Holocaust denial, trailing spaces here   \n"
	    "A long line: Lorem ipsum dolor sit amet, consectetur adipiscing "
	    "elit, sed do eiusmod tempor incididunt ut labore et dolore magna "
	    "aliqua = 42.\n"
	    "From here on the text speaks of From lines.\n.\n-- \nFlagpost\n";
	r |= write_sample(dir, "plain", &c, "text/plain");

	base(&c);
	c.from_name = "Flagpost, EU gateway";
	c.to_name = "Anna Kowalska";
	c.to_addr = "anna@cso.example.org";
	c.reply_to = "coordinators@gateway.example.eu";
	c.subject = "Re: [flag] antisemitic video";
	c.in_reply_to = "m1@cso.example.org";
	c.references = "<m0@cso.example.org> <m1@cso.example.org>";
	c.auto_submitted = "auto-replied";
	c.text = "Thank you: your flag is F-2026-0001.\n";
	c.html = "<!DOCTYPE html>\n<html><body><p>Thank you: your flag is "
	    "<b>F-2026-0001</b>.</p>\n<p>Dzięki — żółć</p></body></html>\n";
	r |= write_sample(dir, "alternative", &c,
	    "multipart/alternative(text/plain,text/html)");

	base(&c);
	c.from_name = "Bramka zgłoszeń";
	c.to_name = "Zespół ds. treści, Łódź";
	c.subject = "Zgłoszenie F-2026-0002 — dowody w załączniku";
	c.text = "Dzień dobry,\n\nw załączniku dowody (PDF i zrzut ekranu).\n";
	c.html = "<p>Dzień dobry,</p><p>w załączniku dowody.</p>";
	a[0].filename = "Zgłoszenie — dowód nr 1 (ważne).pdf";
	a[0].type = "application/pdf";
	a[0].data = pdf;
	a[0].len = npdf;
	a[1].filename = "screenshot.png";
	a[1].type = "image/png";
	a[1].data = png;
	a[1].len = sizeof(png);
	a[2].filename = longname;
	a[2].type = NULL;
	a[2].data = pdf;
	a[2].len = 100;
	c.att = a;
	c.natt = 3;
	r |= write_sample(dir, "attachments", &c,
	    "multipart/mixed(multipart/alternative(text/plain,text/html),"
	    "application/pdf,image/png,application/octet-stream)");

	base(&c);
	c.from_name = "Mikołaj Rej z Nagłowic";
	c.to_name = "Jan Kochanowski";
	c.subject = subject;
	c.text = "Temat jest długi.\n";
	r |= write_sample(dir, "long-subject", &c, "text/plain");

	base(&c);
	c.subject = "URGENT: flag F-2026-0003 (deadline 24 h)";
	c.importance_high = true;
	memset(x, 0, sizeof(x));
	x[0].name = "List-Id";
	x[0].value = "Flagpost notices <notices.gateway.example.eu>";
	x[1].name = "List-Unsubscribe";
	x[1].value = "<mailto:flags@gateway.example.eu?subject=unsubscribe>";
	x[2].name = "X-Flagpost-Ref";
	x[2].value = "F-2026-0003";
	x[3].name = "X-Flagpost-Org";
	x[3].value = "Stowarzyszenie „Nigdy Więcej”";
	c.extra = x;
	c.nextra = 4;
	c.text = "An urgent record.\n";
	c.html = "<p>An <strong>urgent</strong> record.</p>";
	a[0].filename = "evidence.pdf";
	a[0].type = "application/pdf";
	a[0].data = pdf;
	a[0].len = 300;
	c.att = a;
	c.natt = 1;
	r |= write_sample(dir, "urgent", &c,
	    "multipart/mixed(multipart/alternative(text/plain,text/html),"
	    "application/pdf)");

	/* values that need care: quotes, backslashes, look-alike encoded
	 * words, white space, a lone CR, "From " and "." lines, '=' */
	base(&c);
	c.from_name = "J. R. \"Bob\" Dobbs \\o/";
	c.to_name = "=?utf-8?q?Not_encoded?= (really)";
	c.to_addr = "o'brien+flags@sub.cso-example.org";
	c.subject = "=?utf-8?q?fake?= subject\twith  tab,   spaces \"and\" "
	    "quotes = 100%";
	c.text = "From the start.\n.\n..\ntrailing space \ntab\t\n"
	    "lone\rCR\nequals = sign\n" "no newline at the end";
	c.html = "<p>a=b</p>\r\n<p>\u00a0</p>";
	a[0].filename = "report \"final\" 100% (v2).pdf";
	a[0].type = "application/pdf";
	a[0].data = pdf;
	a[0].len = 10;
	a[1].filename = "=?utf-8?q?x?=.txt";
	a[1].type = "text/plain";
	a[1].data = "plain text\r\n";
	a[1].len = 12;
	c.att = a;
	c.natt = 2;
	r |= write_sample(dir, "odd", &c,
	    "multipart/mixed(multipart/alternative(text/plain,text/html),"
	    "application/pdf,text/plain)");

	free(pdf);
	free(subject);
	free(longname);
	return r != 0;
}

int
main(int argc, char **argv)
{
	setenv("FLAGPOST_NOW", "2026-11-28T10:00:00Z", 1);
	if (argc == 3 && strcmp(argv[1], "--write") == 0)
		return write_samples(argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: test-compose [--write dir]\n");
		return 64;
	}
	test_encode_header();
	test_names();
	test_qp();
	test_base64();
	test_boundaries();
	test_structure();
	test_refusals();
	test_roundtrip();
	test_message_id();
	test_random();
	return tap_done();
}
