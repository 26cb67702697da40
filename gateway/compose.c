/* compose.c: outgoing mail as RFC 5322 / MIME bytes (MAIL-MANNERS.md) */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "compose.h"
#include "util.h"

/*
 * Everything written here is 7-bit, CRLF, and made of lines of at most
 * 998 octets.  Header fields are folded at whitespace so that lines stay
 * within 78 octets where they can; a header word too long to fold is
 * written as encoded words, which can be split.  Bodies are quoted-
 * printable (text) or base64 (attachments), so curl needs no 8BITMIME.
 */

#define LINE_AIM	78	/* RFC 5322 2.1.1: should */
#define LINE_EW		76	/* RFC 2047 2: a line with an encoded word */
#define WORD_MAX	900	/* a longer header word is encoded, so it folds */
#define EW_MAX		75	/* RFC 2047 2: an encoded word, whole */
#define EW_OVERHEAD	12	/* "=?UTF-8?Q?" and "?=" */
#define EW_MIN		(EW_OVERHEAD + 12)	/* room for any one character */
#define FIELD_NAME_MAX	76	/* "Name: " still leaves room on the line */
#define ADDR_MAX	254	/* RFC 5321 4.5.3.1.3 */
#define LOCAL_MAX	64
#define ID_MAX		900
#define TYPE_MAX	127
#define QP_LINE		76	/* RFC 2045 6.7 (5) */
#define B64_LINE	76	/* RFC 2045 6.8 */
#define BOUNDARY_TRIES	8

static const char compose_hex[] = "0123456789ABCDEF";

/* header fields the gateway writes itself: not allowed as extra headers */
static const char *const compose_own[] = {
	"Date", "From", "Sender", "To", "Cc", "Bcc", "Reply-To", "Subject",
	"Message-ID", "In-Reply-To", "References", "MIME-Version",
	"Auto-Submitted", "Importance", "X-Priority", "Return-Path", NULL
};

/* ------------------------------------------------------------ writer */

/*
 * A header writer: appends to a buffer, knows the column to fold at and
 * remembers an append that failed, so the callers check once.
 */
struct compose_wr {
	struct buf *b;
	size_t col;	/* octets on the current line */
	bool any;	/* the next token needs a space before it */
	bool tok;	/* a token is on this line: we may fold before the next */
	bool ew;	/* an encoded word is on this line */
	bool full;	/* an append failed */
};

static void
compose_wr_init(struct compose_wr *w, struct buf *b)
{
	w->b = b;
	w->col = 0;
	w->any = w->tok = w->ew = w->full = false;
}

static void
compose_add(struct compose_wr *w, const char *p, size_t n)
{
	if (w->full)
		return;
	if (buf_add(w->b, p, n) == -1) {
		w->full = true;
		return;
	}
	w->col += n;
}

static void
compose_addstr(struct compose_wr *w, const char *s)
{
	compose_add(w, s, strlen(s));
}

static void
compose_crlf(struct compose_wr *w)
{
	compose_add(w, "\r\n", 2);
	w->col = 0;
	w->any = w->tok = w->ew = false;
}

/* "Name:"; the first token follows after a space, never folded */
static void
compose_field(struct compose_wr *w, const char *name)
{
	compose_addstr(w, name);
	compose_add(w, ":", 1);
	w->any = true;
	w->tok = false;
}

/* a whole header line of one ASCII value that needs no folding */
static void
compose_line(struct compose_wr *w, const char *name, const char *value)
{
	compose_field(w, name);
	compose_add(w, " ", 1);
	compose_addstr(w, value);
	compose_crlf(w);
}

/*
 * One token, after a space, on a new line when it would pass LINE_AIM
 * (LINE_EW on a line with an encoded word).
 */
static void
compose_token(struct compose_wr *w, const char *t, size_t n)
{
	if (w->any) {
		if (w->tok && w->col + 1 + n > (w->ew ? LINE_EW : LINE_AIM)) {
			compose_add(w, "\r\n", 2);
			w->col = 0;
			w->ew = false;
		}
		compose_add(w, " ", 1);
	}
	compose_add(w, t, n);
	w->any = w->tok = true;
}

/* ------------------------------------------------------------ checks */

static bool
compose_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static bool
compose_has_eol(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

static bool
compose_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* the value itself in an error message when it is harmless to show */
static const char *
compose_shown(const char *s)
{
	return compose_printable(s) && strlen(s) <= 200 ? s : "(unprintable)";
}

/* RFC 5322 atext */
static bool
compose_atext(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* RFC 2045 token characters */
static bool
compose_tchar(char c)
{
	if ((unsigned char)c <= 0x20 || (unsigned char)c >= 0x7f)
		return false;
	return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* a plausible addr-spec: dot-atom local part, host name domain, ASCII */
static bool
compose_addr_ok(const char *a)
{
	const char *at, *p, *label;
	size_t n;

	n = strlen(a);
	if (n == 0 || n > ADDR_MAX || (at = strchr(a, '@')) == NULL ||
	    strchr(at + 1, '@') != NULL)
		return false;
	if (at == a || (size_t)(at - a) > LOCAL_MAX || a[0] == '.' ||
	    at[-1] == '.')
		return false;
	for (p = a; p < at; p++)
		if (!(compose_atext(*p) || (*p == '.' && p[1] != '.')))
			return false;
	label = at + 1;
	if (*label == '\0')
		return false;
	for (p = label;; p++) {
		if (*p == '.' || *p == '\0') {
			if (p == label || p - label > 63 || *label == '-' ||
			    p[-1] == '-')
				return false;
			if (*p == '\0')
				break;
			label = p + 1;
		} else if (!((*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-')) {
			return false;
		}
	}
	return true;
}

/* the inside of a msg-id: printable ASCII, no space, no angle brackets */
static bool
compose_id_ok(const char *s, bool need_at)
{
	size_t n = strlen(s);

	if (n == 0 || n > ID_MAX || !compose_printable(s) ||
	    strpbrk(s, " <>") != NULL)
		return false;
	if (need_at) {
		const char *at = strrchr(s, '@');

		if (at == NULL || at == s || at[1] == '\0')
			return false;
	}
	return true;
}

/* "<a@x> <b@y>": msg-ids separated by white space */
static bool
compose_refs_ok(const char *s)
{
	const char *p = s, *e;
	char *id;
	bool good, any = false;

	for (;;) {
		while (compose_wsp(*p))
			p++;
		if (*p == '\0')
			return any;
		if (*p != '<' || (e = strchr(p, '>')) == NULL)
			return false;
		id = xstrndup(p + 1, (size_t)(e - p - 1));
		good = compose_id_ok(id, false);
		free(id);
		if (!good || (e[1] != '\0' && !compose_wsp(e[1])))
			return false;
		p = e + 1;
		any = true;
	}
}

/* a header text: UTF-8 and a single line */
static int
compose_check_text(const char *what, const char *s, struct err *err)
{
	if (compose_has_eol(s))
		return err_set(err, ERR_MSG, "%s holds a line break", what);
	if (!utf8_valid(s, strlen(s)))
		return err_set(err, ERR_MSG, "%s is not valid UTF-8", what);
	return 0;
}

static int
compose_check_addr(const char *what, const char *a, struct err *err)
{
	if (a == NULL)
		return err_set(err, ERR_MSG, "%s is missing", what);
	if (compose_has_eol(a))
		return err_set(err, ERR_MSG, "%s holds a line break", what);
	if (!compose_addr_ok(a))
		return err_set(err, ERR_MSG, "%s '%s' is not a mail address",
		    what, compose_shown(a));
	return 0;
}

static bool
compose_own_field(const char *name)
{
	size_t i;

	if (str_iprefix(name, "Content-"))
		return true;
	for (i = 0; compose_own[i] != NULL; i++)
		if (str_ieq(name, compose_own[i]))
			return true;
	return false;
}

static int
compose_check_field(const struct compose_header *h, struct err *err)
{
	const char *p;
	size_t n;

	if (h->name == NULL || h->value == NULL)
		return err_set(err, ERR_MSG, "an extra header has no %s",
		    h->name == NULL ? "name" : "value");
	n = strlen(h->name);
	if (compose_has_eol(h->name))
		return err_set(err, ERR_MSG, "an extra header name holds a "
		    "line break");
	for (p = h->name; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    *p == ':')
			break;
	if (n == 0 || n > FIELD_NAME_MAX || *p != '\0')
		return err_set(err, ERR_MSG, "extra header name '%s' is not a "
		    "field name", compose_shown(h->name));
	if (compose_own_field(h->name))
		return err_set(err, ERR_MSG, "extra header '%s' is written by "
		    "the gateway itself", h->name);
	if (compose_has_eol(h->value))
		return err_set(err, ERR_MSG, "extra header %s holds a line "
		    "break", h->name);
	if (!utf8_valid(h->value, strlen(h->value)))
		return err_set(err, ERR_MSG, "extra header %s is not valid "
		    "UTF-8", h->name);
	if (h->angle != NULL) {
		for (p = h->angle; *p != '\0'; p++)
			if ((unsigned char)*p <= 0x20 ||
			    (unsigned char)*p >= 0x7f || *p == '<' || *p == '>')
				break;
		if (*h->angle == '\0' || *p != '\0')
			return err_set(err, ERR_MSG, "extra header %s: '%s' "
			    "cannot go between < and >", h->name,
			    compose_shown(h->angle));
	}
	return 0;
}

/* "type/subtype", RFC 2045 tokens, no parameters */
static bool
compose_type_ok(const char *t)
{
	const char *p, *slash;

	if (strlen(t) > TYPE_MAX || (slash = strchr(t, '/')) == NULL ||
	    slash == t || slash[1] == '\0')
		return false;
	for (p = t; *p != '\0'; p++)
		if (p != slash && !compose_tchar(*p))
			return false;
	return true;
}

/* ------------------------------------------------- header words (2047) */

/* RFC 2047 5 (3): the characters a Q word may hold as they are */
static bool
compose_q_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '!' || c == '*' || c == '+' ||
	    c == '-' || c == '/';
}

static size_t
compose_q_cost(unsigned char c)
{
	return compose_q_plain(c) || c == ' ' ? 1 : 3;
}

static size_t
compose_b_cost(size_t n)
{
	return (n + 2) / 3 * 4;
}

/* the length of the character at p (at least 1, never past n) */
static size_t
compose_seq(const char *p, size_t n)
{
	size_t k = utf8_seqlen((const unsigned char *)p, n);

	return k == 0 ? 1 : k;
}

/*
 * The longest run of whole characters of s that fits `avail` encoded
 * octets: at least one character.
 */
static size_t
compose_ew_fit(const char *s, size_t n, bool q, size_t avail)
{
	size_t i = 0, k, j, cost = 0, c;

	while (i < n) {
		k = compose_seq(s + i, n - i);
		if (q) {
			for (c = 0, j = 0; j < k; j++)
				c += compose_q_cost((unsigned char)s[i + j]);
			c += cost;
		} else {
			c = compose_b_cost(i + k);
		}
		if (c > avail && i > 0)
			break;
		cost = c;
		i += k;
	}
	return i;
}

/* one encoded word of s[0..n) into out (EW_MAX + 1 bytes) */
static size_t
compose_ew(char *out, const char *s, size_t n, bool q)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *u = (const unsigned char *)s;
	size_t i, o;
	uint32_t v;

	memcpy(out, q ? "=?UTF-8?Q?" : "=?UTF-8?B?", 10);
	o = 10;
	if (q) {
		for (i = 0; i < n; i++) {
			if (u[i] == ' ')
				out[o++] = '_';
			else if (compose_q_plain(u[i]))
				out[o++] = (char)u[i];
			else {
				out[o++] = '=';
				out[o++] = compose_hex[u[i] >> 4];
				out[o++] = compose_hex[u[i] & 15];
			}
		}
	} else {
		for (i = 0; i < n; i += 3) {
			v = (uint32_t)u[i] << 16;
			if (i + 1 < n)
				v |= (uint32_t)u[i + 1] << 8;
			if (i + 2 < n)
				v |= u[i + 2];
			out[o++] = b64[v >> 18 & 63];
			out[o++] = b64[v >> 12 & 63];
			out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
			out[o++] = i + 2 < n ? b64[v & 63] : '=';
		}
	}
	out[o++] = '?';
	out[o++] = '=';
	out[o] = '\0';
	return o;
}

/*
 * s[0..n) as encoded words, Q or B, whichever is shorter for the whole
 * run.  Each word fills what is left of the line (at most EW_MAX, the
 * line at most LINE_EW); the white space between the words is part of
 * the encoded text, since a reader drops the space between two encoded
 * words.
 */
static void
compose_encoded(struct compose_wr *w, const char *s, size_t n)
{
	char word[EW_MAX + 1];
	size_t i, qlen = 0, room, take, wl;
	bool q;

	for (i = 0; i < n; i++)
		qlen += compose_q_cost((unsigned char)s[i]);
	q = qlen <= compose_b_cost(n);
	for (i = 0; i < n; i += take) {
		room = w->col + 1 < LINE_EW ? LINE_EW - w->col - 1 : 0;
		if (w->tok && room < EW_MIN) {
			compose_add(w, "\r\n", 2);
			w->col = 0;
			w->tok = w->ew = false;
			room = LINE_EW - 1;
		}
		if (room > EW_MAX)
			room = EW_MAX;
		if (room < EW_MIN)
			room = EW_MIN;
		take = compose_ew_fit(s + i, n - i, q, room - EW_OVERHEAD);
		wl = compose_ew(word, s + i, take, q);
		compose_token(w, word, wl);
		w->ew = true;
	}
}

/* "=?...?=" inside a word would be read as an encoded word */
static bool
compose_ew_like(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i++)
		if (s[i] == '=' && s[i + 1] == '?')
			break;
	for (i += 2; i + 1 < n; i++)
		if (s[i] == '?' && s[i + 1] == '=')
			return true;
	return false;
}

static bool
compose_word_plain(const char *s, size_t n)
{
	size_t i;

	if (n > WORD_MAX || compose_ew_like(s, n))
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

static const char *
compose_word_end(const char *p)
{
	while (*p != '\0' && !compose_wsp(*p))
		p++;
	return p;
}

/*
 * Unstructured text (RFC 5322 3.2.5) after "Name:": words of printable
 * ASCII as they are, runs of other words as encoded words, folded at the
 * white space between words.  Runs of white space become one space.
 */
static void
compose_text(struct compose_wr *w, const char *s)
{
	const char *p = s, *e, *q, *qe, *re;
	struct buf run = BUF_INIT(SIZE_MAX / 2);

	while (compose_wsp(*p))
		p++;
	while (*p != '\0') {
		e = compose_word_end(p);
		if (compose_word_plain(p, (size_t)(e - p))) {
			compose_token(w, p, (size_t)(e - p));
		} else {
			/* the run goes on over the words that need encoding */
			buf_reset(&run);
			if (buf_add(&run, p, (size_t)(e - p)) == -1)
				w->full = true;
			for (re = e;;) {
				q = re;
				while (compose_wsp(*q))
					q++;
				qe = compose_word_end(q);
				if (q == qe || compose_word_plain(q,
				    (size_t)(qe - q)))
					break;
				if (buf_addch(&run, ' ') == -1 ||
				    buf_add(&run, q, (size_t)(qe - q)) == -1)
					w->full = true;
				re = qe;
			}
			compose_encoded(w, buf_str(&run), run.len);
			e = re;
		}
		p = e;
		while (compose_wsp(*p))
			p++;
	}
	buf_free(&run);
}

/*
 * A mailbox: the display name as atoms, a quoted-string or encoded words
 * (never the address), then the address.
 */
static void
compose_mailbox(struct compose_wr *w, const char *name, const char *addr)
{
	struct buf nb = BUF_INIT(SIZE_MAX / 2), qb = BUF_INIT(SIZE_MAX / 2);
	const char *p, *e;
	bool atoms = true, plain;
	char *a;

	/* white space runs become one space; none at either end */
	for (p = name != NULL ? name : ""; *p != '\0'; p = e) {
		while (compose_wsp(*p))
			p++;
		e = compose_word_end(p);
		if (e == p)
			break;
		if ((nb.len > 0 && buf_addch(&nb, ' ') == -1) ||
		    buf_add(&nb, p, (size_t)(e - p)) == -1)
			w->full = true;
	}
	if (nb.len == 0) {
		compose_token(w, addr, strlen(addr));
		goto out;
	}
	plain = compose_printable(buf_str(&nb)) &&
	    !compose_ew_like(buf_str(&nb), nb.len);
	for (p = buf_str(&nb); *p != '\0'; p++)
		if (*p != ' ' && !compose_atext(*p))
			atoms = false;
	if (plain && atoms && nb.len <= WORD_MAX) {
		for (p = buf_str(&nb); *p != '\0'; p = e) {
			while (*p == ' ')
				p++;
			e = compose_word_end(p);
			compose_token(w, p, (size_t)(e - p));
		}
	} else if (plain && nb.len <= WORD_MAX) {
		if (buf_addch(&qb, '"') == -1)
			w->full = true;
		for (p = buf_str(&nb); *p != '\0'; p++)
			if (((*p == '"' || *p == '\\') &&
			    buf_addch(&qb, '\\') == -1) ||
			    buf_addch(&qb, *p) == -1)
				w->full = true;
		if (buf_addch(&qb, '"') == -1)
			w->full = true;
		compose_token(w, buf_str(&qb), qb.len);
	} else {
		compose_encoded(w, buf_str(&nb), nb.len);
	}
	a = xasprintf("<%s>", addr);
	compose_token(w, a, strlen(a));
	free(a);
out:
	buf_free(&nb);
	buf_free(&qb);
}

char *
compose_encode_header(const char *name, const char *s)
{
	struct buf b = BUF_INIT(SIZE_MAX / 2);
	struct compose_wr w;
	char *v;

	if (s == NULL || compose_has_eol(s) || !utf8_valid(s, strlen(s)))
		return NULL;
	compose_wr_init(&w, &b);
	/* as if "Name:" were written: the first token follows a space */
	w.col = (name != NULL ? strlen(name) : 0) + 1;
	w.any = true;
	compose_text(&w, s);
	if (w.full) {
		buf_free(&b);
		return NULL;
	}
	v = buf_detach(&b, NULL);
	/* drop the space the writer put after the colon */
	if (v[0] == ' ')
		memmove(v, v + 1, strlen(v));
	return v;
}

/* --------------------------------------------------------- parameters */

/* RFC 2231 / RFC 5987 attr-char */
static bool
compose_attr_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$&+-.^_`|~",
	    c) != NULL);
}

/* the character at s as it goes into a parameter value */
static size_t
compose_param_piece(char out[16], const char *s, size_t n, bool ext)
{
	size_t k, j, o = 0;

	k = compose_seq(s, n);
	if (!ext) {
		if (*s == '"' || *s == '\\')
			out[o++] = '\\';
		out[o++] = *s;
	} else {
		for (j = 0; j < k; j++) {
			unsigned char c = (unsigned char)s[j];

			if (compose_attr_char(c))
				out[o++] = (char)c;
			else {
				out[o++] = '%';
				out[o++] = compose_hex[c >> 4];
				out[o++] = compose_hex[c & 15];
			}
		}
	}
	out[o] = '\0';
	return k;
}

/*
 * `attr="value"` for printable ASCII, `attr*=utf-8''%..` (RFC 2231) for
 * anything else and for what readers would take for RFC 2047 words (most
 * decode them even in quotes); split into RFC 2231 continuations (never
 * inside a character) when one token would pass the line.  A ';' follows
 * unless it is the last parameter.
 */
static void
compose_param(struct compose_wr *w, const char *attr, const char *value,
    bool last)
{
	struct buf t = BUF_INIT(SIZE_MAX / 2);
	const char *p;
	char piece[16];
	size_t n, k, pl, seg, segstart, limit = LINE_AIM - 1;
	bool ext;
	int r = 0;

	n = strlen(value);
	ext = !compose_printable(value) || compose_ew_like(value, n);
	/* all in one */
	if (ext)
		r |= buf_printf(&t, "%s*=utf-8''", attr);
	else
		r |= buf_printf(&t, "%s=\"", attr);
	for (p = value; *p != '\0'; p += k) {
		k = compose_param_piece(piece, p, n - (size_t)(p - value), ext);
		r |= buf_addstr(&t, piece);
	}
	if (!ext)
		r |= buf_addch(&t, '"');
	if (!last)
		r |= buf_addch(&t, ';');
	if (t.len <= limit || n == 0) {
		compose_token(w, buf_str(&t), t.len);
		goto out;
	}
	/* continuations */
	p = value;
	for (seg = 0; *p != '\0'; seg++) {
		buf_reset(&t);
		r |= buf_printf(&t, "%s*%zu%s=%s", attr, seg, ext ? "*" : "",
		    ext ? (seg == 0 ? "utf-8''" : "") : "\"");
		segstart = t.len;
		while (*p != '\0') {
			k = compose_param_piece(piece, p,
			    n - (size_t)(p - value), ext);
			pl = strlen(piece);
			/* room for the quote and the ';' */
			if (t.len > segstart && t.len + pl + 2 > limit)
				break;
			r |= buf_addstr(&t, piece);
			p += k;
		}
		if (!ext)
			r |= buf_addch(&t, '"');
		if (*p != '\0' || !last)
			r |= buf_addch(&t, ';');
		compose_token(w, buf_str(&t), t.len);
	}
out:
	if (r != 0)
		w->full = true;
	buf_free(&t);
}

/* ------------------------------------------------------------- bodies */

static bool
compose_eol_at(const char *s, size_t n, size_t i)
{
	return i >= n || s[i] == '\n' ||
	    (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n');
}

/*
 * Quoted-printable (RFC 2045 6.7): LF and CRLF become CRLF line breaks,
 * '=', controls, non-ASCII and white space before a line break are
 * encoded, lines are at most QP_LINE with the soft break, a character is
 * never split over two lines, and "From " and "." at the start of a line
 * are encoded (mbox, SMTP).  The output ends with CRLF.
 */
static int
compose_qp(struct buf *b, const char *s, size_t n)
{
	char tok[16], out[512];
	size_t i = 0, col = 0, k, j, tl, max, ol = 0;
	unsigned char c;
	bool enc;

	/* written out a few hundred bytes at a time, not byte by byte */
#define QP_PUT(p, len) do {						\
		if (ol + (len) > sizeof(out)) {				\
			if (buf_add(b, out, ol) == -1)			\
				return -1;				\
			ol = 0;						\
		}							\
		memcpy(out + ol, (p), (len));				\
		ol += (len);						\
	} while (0)

	while (i < n) {
		if (s[i] == '\n' || (s[i] == '\r' && i + 1 < n &&
		    s[i + 1] == '\n')) {
			QP_PUT("\r\n", 2);
			col = 0;
			i += s[i] == '\r' ? 2 : 1;
			continue;
		}
		c = (unsigned char)s[i];
		/*
		 * A run of plain characters (a space too, when a character
		 * other than a line break follows it) that cannot end the
		 * line: as is.  Not at the start of a line ("." and "From ").
		 */
		if (col > 0 && col + 3 < QP_LINE && c > ' ' && c < 0x7f &&
		    c != '=') {
			size_t r = i, room = QP_LINE - 2 - col;
			unsigned char x;

			while (r < n && r - i < room) {
				x = (unsigned char)s[r];
				if (x == ' ' ? r + 1 >= n || s[r + 1] == '\n' ||
				    s[r + 1] == '\r' || s[r + 1] == ' ' ||
				    s[r + 1] == '\t' :
				    x <= ' ' || x >= 0x7f || x == '=')
					break;
				r++;
			}
			/* the last of the run is left to the general case */
			if (r > i + 1) {
				r--;
				QP_PUT(s + i, r - i);
				col += r - i;
				i = r;
				continue;
			}
		}
		k = c >= 0x80 ? compose_seq(s + i, n - i) : 1;
		enc = c >= 0x7f || c == '=' || (c < 0x20 && c != '\t') ||
		    ((c == ' ' || c == '\t') && compose_eol_at(s, n, i + 1)) ||
		    (col == 0 && (c == '.' || (c == 'F' && n - i >= 5 &&
		    memcmp(s + i, "From ", 5) == 0)));
		tl = 0;
		if (enc) {
			for (j = 0; j < k; j++) {
				c = (unsigned char)s[i + j];
				tok[tl++] = '=';
				tok[tl++] = compose_hex[c >> 4];
				tok[tl++] = compose_hex[c & 15];
			}
		} else {
			tok[tl++] = s[i];
		}
		/* the last one before a line break may take the place of
		 * the '='; at the end of the text a soft break follows */
		max = i + k < n && compose_eol_at(s, n, i + k) ? QP_LINE :
		    QP_LINE - 1;
		if (col + tl > max) {
			QP_PUT("=\r\n", 3);
			col = 0;
			continue;
		}
		QP_PUT(tok, tl);
		col += tl;
		i += k;
	}
	if (col > 0)
		QP_PUT("=\r\n", 3);
#undef QP_PUT
	return ol > 0 ? buf_add(b, out, ol) : 0;
}

/* base64 (RFC 2045 6.8) in lines of B64_LINE, each ending in CRLF */
static int
compose_base64(struct buf *b, const unsigned char *p, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char line[B64_LINE + 2];
	size_t i, l = 0;
	uint32_t v;

	for (i = 0; i < n; i += 3) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		line[l++] = tab[v >> 18 & 63];
		line[l++] = tab[v >> 12 & 63];
		line[l++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		line[l++] = i + 2 < n ? tab[v & 63] : '=';
		if (l == B64_LINE) {
			line[l++] = '\r';
			line[l++] = '\n';
			if (buf_add(b, line, l) == -1)
				return -1;
			l = 0;
		}
	}
	if (l > 0) {
		line[l++] = '\r';
		line[l++] = '\n';
		if (buf_add(b, line, l) == -1)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------- parts */

/* a text/<sub> part: its header fields, a blank line, the QP body */
static int
compose_text_part(struct buf *b, const char *sub, const char *text)
{
	struct compose_wr w;
	char *t;

	compose_wr_init(&w, b);
	compose_field(&w, "Content-Type");
	t = xasprintf("text/%s;", sub);
	compose_token(&w, t, strlen(t));
	free(t);
	compose_token(&w, "charset=utf-8", 13);
	compose_crlf(&w);
	compose_line(&w, "Content-Transfer-Encoding", "quoted-printable");
	compose_crlf(&w);
	if (w.full || compose_qp(b, text, strlen(text)) == -1)
		return -1;
	return 0;
}

static int
compose_att_part(struct buf *b, const struct compose_attachment *a)
{
	struct compose_wr w;
	const char *type, *fn;
	char *t;

	type = a->type != NULL ? a->type : "application/octet-stream";
	fn = a->filename != NULL ? a->filename : "";
	compose_wr_init(&w, b);
	compose_field(&w, "Content-Type");
	t = xasprintf("%s%s", type, *fn != '\0' ? ";" : "");
	compose_token(&w, t, strlen(t));
	free(t);
	if (*fn != '\0')
		compose_param(&w, "name", fn, true);
	compose_crlf(&w);
	compose_field(&w, "Content-Disposition");
	compose_token(&w, *fn != '\0' ? "attachment;" : "attachment",
	    *fn != '\0' ? 11 : 10);
	if (*fn != '\0')
		compose_param(&w, "filename", fn, true);
	compose_crlf(&w);
	compose_line(&w, "Content-Transfer-Encoding", "base64");
	compose_crlf(&w);
	if (w.full || compose_base64(b, a->data, a->len) == -1)
		return -1;
	return 0;
}

/* a boundary that occurs in none of the parts */
static int
compose_boundary(char out[48], const struct buf *parts, size_t n)
{
	char u[37];
	size_t i, j, o, tries;

	for (tries = 0; tries < BOUNDARY_TRIES; tries++) {
		uuid_v4(u);
		/* "=_" never occurs in quoted-printable or base64 */
		memcpy(out, "=_fp_", 5);
		for (o = 5, j = 0; u[j] != '\0'; j++)
			if (u[j] != '-')
				out[o++] = u[j];
		out[o] = '\0';
		for (i = 0; i < n; i++)
			if (strstr(buf_str(&parts[i]), out) != NULL)
				break;
		if (i == n)
			return 0;
	}
	return -1;
}

/*
 * A multipart/<sub> part: its Content-Type, a blank line, a preamble for
 * readers that know no MIME (top level only), the parts.
 */
static int
compose_multipart(struct buf *b, const char *sub, const struct buf *parts,
    size_t n, bool top, struct err *err)
{
	struct compose_wr w;
	char bnd[48], *t;
	size_t i;

	if (compose_boundary(bnd, parts, n) == -1)
		return err_set(err, ERR_SYS, "no MIME boundary found that is "
		    "not in the message");
	compose_wr_init(&w, b);
	compose_field(&w, "Content-Type");
	t = xasprintf("multipart/%s;", sub);
	compose_token(&w, t, strlen(t));
	free(t);
	compose_param(&w, "boundary", bnd, true);
	compose_crlf(&w);
	compose_crlf(&w);
	if (top)
		compose_addstr(&w, "This is a multi-part message in MIME "
		    "format.\r\n");
	for (i = 0; i < n; i++) {
		compose_addstr(&w, "--");
		compose_addstr(&w, bnd);
		compose_addstr(&w, "\r\n");
		compose_add(&w, buf_str(&parts[i]), parts[i].len);
		/* the CRLF before a delimiter belongs to the delimiter */
		compose_addstr(&w, "\r\n");
	}
	compose_addstr(&w, "--");
	compose_addstr(&w, bnd);
	compose_addstr(&w, "--\r\n");
	/* a full buffer: the caller says so */
	return w.full ? -1 : 0;
}

/* ----------------------------------------------------------- headers */

static int
compose_date(char out[40], int64_t t)
{
	static const char *const wday[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char *const mon[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
		"Oct", "Nov", "Dec"
	};
	time_t tt = (time_t)t;
	struct tm tm;

	if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL ||
	    tm.tm_year + 1900 > 9999 || tm.tm_wday < 0 || tm.tm_wday > 6 ||
	    tm.tm_mon < 0 || tm.tm_mon > 11)
		return -1;
	snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    wday[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
	return 0;
}

static int
compose_check(const struct compose *c, struct err *err)
{
	const struct compose_attachment *a;
	size_t i;

	if (compose_check_addr("from address", c->from_addr, err) == -1 ||
	    compose_check_addr("to address", c->to_addr, err) == -1 ||
	    (c->reply_to != NULL &&
	    compose_check_addr("reply-to address", c->reply_to, err) == -1))
		return -1;
	if ((c->from_name != NULL &&
	    compose_check_text("from name", c->from_name, err) == -1) ||
	    (c->to_name != NULL &&
	    compose_check_text("to name", c->to_name, err) == -1) ||
	    (c->subject != NULL &&
	    compose_check_text("subject", c->subject, err) == -1))
		return -1;
	if (c->message_id != NULL) {
		if (compose_has_eol(c->message_id))
			return err_set(err, ERR_MSG, "message id holds a line "
			    "break");
		if (!compose_id_ok(c->message_id, true))
			return err_set(err, ERR_MSG, "message id '%s' is not "
			    "id@domain", compose_shown(c->message_id));
	}
	if (c->in_reply_to != NULL) {
		if (compose_has_eol(c->in_reply_to))
			return err_set(err, ERR_MSG, "in-reply-to holds a line "
			    "break");
		if (!compose_id_ok(c->in_reply_to, false))
			return err_set(err, ERR_MSG, "in-reply-to '%s' is not a "
			    "message id", compose_shown(c->in_reply_to));
	}
	if (c->references != NULL) {
		if (compose_has_eol(c->references))
			return err_set(err, ERR_MSG, "references holds a line "
			    "break");
		if (!compose_refs_ok(c->references))
			return err_set(err, ERR_MSG, "references '%s' is not a "
			    "list of <message ids>",
			    compose_shown(c->references));
	}
	if (c->auto_submitted != NULL &&
	    strcmp(c->auto_submitted, "auto-generated") != 0 &&
	    strcmp(c->auto_submitted, "auto-replied") != 0 &&
	    strcmp(c->auto_submitted, "auto-notified") != 0)
		return err_set(err, ERR_MSG, "auto-submitted '%s' is not "
		    "auto-generated or auto-replied",
		    compose_shown(c->auto_submitted));
	for (i = 0; i < c->nextra; i++)
		if (compose_check_field(&c->extra[i], err) == -1)
			return -1;
	if (c->text != NULL && !utf8_valid(c->text, strlen(c->text)))
		return err_set(err, ERR_MSG, "the text is not valid UTF-8");
	if (c->html != NULL && !utf8_valid(c->html, strlen(c->html)))
		return err_set(err, ERR_MSG, "the HTML is not valid UTF-8");
	for (i = 0; i < c->natt; i++) {
		a = &c->att[i];
		if (a->filename != NULL && compose_has_eol(a->filename))
			return err_set(err, ERR_MSG, "attachment %zu: the file "
			    "name holds a line break", i + 1);
		if (a->filename != NULL &&
		    !utf8_valid(a->filename, strlen(a->filename)))
			return err_set(err, ERR_MSG, "attachment %zu: the file "
			    "name is not valid UTF-8", i + 1);
		if (a->type != NULL && !compose_type_ok(a->type))
			return err_set(err, ERR_MSG, "attachment %zu: '%s' is "
			    "not a MIME type", i + 1, compose_shown(a->type));
		if (a->data == NULL && a->len > 0)
			return err_set(err, ERR_MSG, "attachment %zu has no "
			    "data", i + 1);
	}
	return 0;
}

static void
compose_headers(struct compose_wr *w, const struct compose *c,
    const char *date, const char *msgid)
{
	const char *p, *e;
	size_t i;
	char *t;

	compose_line(w, "Date", date);
	compose_field(w, "From");
	compose_mailbox(w, c->from_name, c->from_addr);
	compose_crlf(w);
	compose_field(w, "To");
	compose_mailbox(w, c->to_name, c->to_addr);
	compose_crlf(w);
	if (c->reply_to != NULL)
		compose_line(w, "Reply-To", c->reply_to);
	compose_field(w, "Subject");
	compose_text(w, c->subject != NULL ? c->subject : "");
	compose_crlf(w);
	t = xasprintf("<%s>", msgid);
	compose_line(w, "Message-ID", t);
	free(t);
	if (c->in_reply_to != NULL) {
		t = xasprintf("<%s>", c->in_reply_to);
		compose_line(w, "In-Reply-To", t);
		free(t);
	}
	if (c->references != NULL) {
		compose_field(w, "References");
		for (p = c->references; *p != '\0'; p = e) {
			while (compose_wsp(*p))
				p++;
			e = compose_word_end(p);
			if (e > p)
				compose_token(w, p, (size_t)(e - p));
		}
		compose_crlf(w);
	}
	compose_line(w, "MIME-Version", "1.0");
	compose_line(w, "Auto-Submitted", c->auto_submitted != NULL ?
	    c->auto_submitted : "auto-generated");
	if (c->importance_high) {
		compose_line(w, "Importance", "high");
		compose_line(w, "X-Priority", "1");
	}
	for (i = 0; i < c->nextra; i++) {
		compose_field(w, c->extra[i].name);
		if (c->extra[i].angle != NULL)
			compose_mailbox(w, c->extra[i].value,
			    c->extra[i].angle);
		else
			compose_text(w, c->extra[i].value);
		compose_crlf(w);
	}
}

int
compose_message(const struct compose *c, struct buf *out, struct err *err)
{
	struct buf *parts = NULL, alt[2], main_part;
	struct compose_wr w;
	char date[40], *msgid = NULL;
	const char *text;
	size_t start = out->len, i, nparts = 0;
	int ret = -1;

	/* a failure that sets no error is the size limit (see out:) */
	if (err != NULL)
		err_clear(err);
	buf_init(&main_part, out->max);
	buf_init(&alt[0], out->max);
	buf_init(&alt[1], out->max);
	if (compose_check(c, err) == -1)
		goto out;
	if (compose_date(date, c->date > 0 ? c->date : now_epoch()) == -1) {
		err_set(err, ERR_MSG, "date %lld is out of range",
		    (long long)c->date);
		goto out;
	}
	msgid = c->message_id != NULL ? xstrdup(c->message_id) :
	    compose_message_id(c->from_addr);
	text = c->text != NULL ? c->text : "";

	/* the text, or the text and the HTML as alternatives */
	if (c->html == NULL) {
		if (compose_text_part(&main_part, "plain", text) == -1)
			goto out;
	} else {
		if (compose_text_part(&alt[0], "plain", text) == -1 ||
		    compose_text_part(&alt[1], "html", c->html) == -1 ||
		    compose_multipart(&main_part, "alternative", alt, 2,
		    c->natt == 0, err) == -1)
			goto out;
	}

	compose_wr_init(&w, out);
	compose_headers(&w, c, date, msgid);
	if (w.full)
		goto out;
	if (c->natt == 0) {
		if (buf_add(out, buf_str(&main_part), main_part.len) == -1)
			goto out;
	} else {
		/* multipart/mixed: the text (or alternatives), then the files */
		nparts = c->natt + 1;
		parts = xcalloc(nparts, sizeof(*parts));
		for (i = 0; i < nparts; i++)
			buf_init(&parts[i], out->max);
		if (buf_add(&parts[0], buf_str(&main_part),
		    main_part.len) == -1)
			goto out;
		buf_free(&main_part);
		for (i = 0; i < c->natt; i++)
			if (compose_att_part(&parts[i + 1], &c->att[i]) == -1)
				goto out;
		if (compose_multipart(out, "mixed", parts, nparts, true,
		    err) == -1)
			goto out;
	}
	ret = 0;
out:
	if (ret == -1) {
		if (err != NULL && err->cls == ERR_NONE)
			err_set(err, ERR_MSG, "the message is larger than %zu "
			    "bytes", out->max);
		/* leave `out` as it was */
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
	}
	for (i = 0; i < nparts; i++)
		buf_free(&parts[i]);
	free(parts);
	buf_free(&main_part);
	buf_free(&alt[0]);
	buf_free(&alt[1]);
	free(msgid);
	return ret;
}

char *
compose_message_id(const char *from_addr)
{
	const char *dom = NULL;
	char u[37], r[17];
	size_t i, o = 0;

	if (from_addr != NULL && (dom = strrchr(from_addr, '@')) != NULL)
		dom++;
	if (dom == NULL || *dom == '\0' || !compose_printable(dom) ||
	    strpbrk(dom, " <>") != NULL)
		dom = "flagpost.invalid";
	uuid_v4(u);
	/* the first 8 and the last 8 hex digits: no version nor variant */
	for (i = 0; i < 8; i++)
		r[o++] = u[i];
	for (i = 28; i < 36; i++)
		r[o++] = u[i];
	r[o] = '\0';
	return xasprintf("%lld.%s@%s", (long long)now_epoch(), r, dom);
}
