/* form.c: the structured form in the text of a mail, and its kind */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "form.h"
#include "lexicon.h"
#include "util.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* a longer run of letters before a colon is prose, not a field name */
#define NAME_MAX_LEN	40
/* one value; the mail as a whole is bounded before it is parsed */
#define VALUE_MAX	(8u * 1024 * 1024)

/*
 * The field names of MAIL-FORMAT.md 3 in their lookup spelling (lower
 * case, '-' between words), sorted for bsearch.  A few plurals cost
 * nothing and are what people type over a list ("URLs:", "Grounds:"), and
 * "license" is the American spelling of "licence".
 */
struct fname {
	const char *spelt;
	const char *canon;
};

static const struct fname fnames[] = {
	{ "access", "access" },
	{ "category", "category" },
	{ "channel", "channel" },
	{ "comment", "comment" },
	{ "content-date", "content-date" },
	{ "countries", "country" },
	{ "country", "country" },
	{ "decided", "decided" },
	{ "description", "description" },
	{ "ends", "ends" },
	{ "event", "event" },
	{ "event-type", "event-type" },
	{ "explanation", "explanation" },
	{ "good-faith", "good-faith" },
	{ "ground", "ground" },
	{ "grounds", "ground" },
	{ "indicator", "indicators" },
	{ "indicators", "indicators" },
	{ "language", "language" },
	{ "languages", "language" },
	{ "legal-basis", "legal-basis" },
	{ "licence", "licence" },
	{ "license", "licence" },
	{ "period-end", "period-end" },
	{ "period-start", "period-start" },
	{ "platform", "platform" },
	{ "platforms", "platform" },
	{ "reference", "reference" },
	{ "references", "reference" },
	{ "risk", "risk" },
	{ "severity", "severity" },
	{ "starts", "starts" },
	{ "status", "status" },
	{ "summary", "summary" },
	{ "title", "title" },
	{ "type", "type" },
	{ "url", "url" },
	{ "urls", "url" },
};

static const char *const free_text[] = {
	"explanation", "description", "summary", "comment",
};

/* ------------------------------------------------------------- kinds */

const char *
kind_name(enum record_kind k)
{
	switch (k) {
	case KIND_FLAG:
		return "flag";
	case KIND_EARLY_WARNING:
		return "early-warning";
	case KIND_HUB:
		return "hub";
	case KIND_OUTCOME:
		return "outcome";
	case KIND_NONE:
		break;
	}
	return "none";
}

enum record_kind
kind_parse(const char *s)
{
	const char *v;

	if (s == NULL || (v = lex_match(&lex_kind, s)) == NULL)
		return KIND_NONE;
	if (strcmp(v, "flag") == 0)
		return KIND_FLAG;
	if (strcmp(v, "early-warning") == 0)
		return KIND_EARLY_WARNING;
	if (strcmp(v, "hub") == 0)
		return KIND_HUB;
	if (strcmp(v, "outcome") == 0)
		return KIND_OUTCOME;
	return KIND_NONE;
}

const char *
kind_ref_prefix(enum record_kind k)
{
	switch (k) {
	case KIND_FLAG:
		return "FLG";
	case KIND_EARLY_WARNING:
		return "EW";
	case KIND_HUB:
		return "HUB";
	case KIND_OUTCOME:
		return "OUT";
	case KIND_NONE:
		break;
	}
	return "";
}

/* ------------------------------------------------------------ names */

static int
fname_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct fname *)e)->spelt);
}

const char *
form_field_name(const char *typed, size_t len)
{
	char raw[NAME_MAX_LEN + 1], key[NAME_MAX_LEN + 1];
	const struct fname *e;
	size_t i;

	if (typed == NULL || len > NAME_MAX_LEN)
		return NULL;
	memcpy(raw, typed, len);
	raw[len] = '\0';
	if (!lex_key(raw, key, sizeof(key)) || key[0] == '\0')
		return NULL;
	for (i = 0; key[i] != '\0'; i++)
		if (key[i] == ' ')
			key[i] = '-';
	e = bsearch(key, fnames, NELEM(fnames), sizeof(fnames[0]), fname_cmp);
	return e != NULL ? e->canon : NULL;
}

bool
form_field_is_free_text(const char *name)
{
	size_t i;

	if (name == NULL)
		return false;
	for (i = 0; i < NELEM(free_text); i++)
		if (strcmp(name, free_text[i]) == 0)
			return true;
	return false;
}

const char *
form_get(const struct form *f, const char *name)
{
	size_t i;

	if (f == NULL)
		return NULL;
	for (i = 0; i < f->n; i++)
		if (strcmp(f->f[i].name, name) == 0)
			return f->f[i].value;
	return NULL;
}

/* ------------------------------------------------------------ lines */

struct line {
	const char *p;
	size_t len;	/* without the LF and trailing white space */
};

static bool
is_nbsp(const char *p, size_t len, size_t i)
{
	return i + 1 < len && (unsigned char)p[i] == 0xc2 &&
	    (unsigned char)p[i + 1] == 0xa0;
}

/* spaces, tabs and U+00A0 (HTML renderings and French typography) */
static size_t
skip_ws(const char *p, size_t len, size_t i)
{
	for (;;) {
		if (i < len && (p[i] == ' ' || p[i] == '\t'))
			i++;
		else if (is_nbsp(p, len, i))
			i += 2;
		else
			return i;
	}
}

static size_t
rtrim_len(const char *p, size_t len)
{
	for (;;) {
		if (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' ||
		    p[len - 1] == '\r'))
			len--;
		else if (len > 1 && (unsigned char)p[len - 2] == 0xc2 &&
		    (unsigned char)p[len - 1] == 0xa0)
			len -= 2;
		else
			return len;
	}
}

/* the line at *pp, moving *pp past it; false at the end of the text */
static bool
next_line(const char **pp, struct line *ln)
{
	const char *p = *pp, *nl;

	if (*p == '\0')
		return false;
	if ((nl = strchr(p, '\n')) == NULL)
		nl = p + strlen(p);
	ln->p = p;
	ln->len = rtrim_len(p, (size_t)(nl - p));
	*pp = *nl == '\n' ? nl + 1 : nl;
	return true;
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * `^[ \t]*([*-•][ \t]*)?NAME[ \t]*:[ \t]*VALUE`: on a match the canonical
 * name, the name as typed (start and length) and the start of the value.
 */
static bool
field_line(const struct line *ln, const char **canon_r, size_t *ts_r,
    size_t *tl_r, size_t *vs_r)
{
	const char *p = ln->p;
	size_t len = ln->len, i, s, e;

	/* most lines are prose: no colon near the start, no field */
	i = len < 256 ? len : 256;
	if (memchr(p, ':', i) == NULL)
		return false;
	i = skip_ws(p, len, 0);
	if (i < len && (p[i] == '*' || p[i] == '-'))
		i = skip_ws(p, len, i + 1);
	else if (i + 2 < len && (unsigned char)p[i] == 0xe2 &&
	    (unsigned char)p[i + 1] == 0x80 && (unsigned char)p[i + 2] == 0xa2)
		i = skip_ws(p, len, i + 3);
	if (i >= len || !is_alpha(p[i]))
		return false;
	s = i;
	while (i < len && i - s <= NAME_MAX_LEN && (is_alpha(p[i]) ||
	    p[i] == ' ' || p[i] == '\t' || p[i] == '-' || p[i] == '_'))
		i++;
	e = i;
	while (e > s && (p[e - 1] == ' ' || p[e - 1] == '\t'))
		e--;
	i = skip_ws(p, len, i);
	if (i >= len || p[i] != ':')
		return false;
	if ((*canon_r = form_field_name(p + s, e - s)) == NULL)
		return false;
	*ts_r = s;
	*tl_r = e - s;
	*vs_r = skip_ws(p, len, i + 1);
	return true;
}

static bool
is_quoted(const struct line *ln)
{
	size_t i = skip_ws(ln->p, ln->len, 0);

	return i < ln->len && ln->p[i] == '>';
}

static bool
is_blank(const struct line *ln)
{
	return skip_ws(ln->p, ln->len, 0) == ln->len;
}

static bool
line_iprefix(const struct line *ln, const char *prefix)
{
	size_t n = strlen(prefix);

	return ln->len >= n && strncasecmp(ln->p, prefix, n) == 0;
}

static bool
line_contains(const struct line *ln, const char *s)
{
	return memmem(ln->p, ln->len, s, strlen(s)) != NULL;
}

/* ----------------------------------------------------------- markers */

/*
 * A quoted-reply header: "On <date>, <who> wrote:", in one line or
 * wrapped over two (Gmail), and the same in the languages of the
 * mail clients most used in the member states.  It must end in ':' and
 * hold the verb.  Because an explanation may well say "On 3 March he
 * wrote:", a header only ends the form when it names an address ('@') or
 * a quoted ('>') line or nothing follows it.
 */
static const struct {
	const char *prefix;
	const char *verb;
} reply_hdr[] = {
	{ "On ", "wrote" },
	{ "Am ", "schrieb" },
	{ "Le ", "crit" },		/* a écrit */
	{ "Op ", "schreef" },
	{ "El ", "escribi" },		/* escribió */
	{ "Il ", "ha scritto" },
	{ "W dniu ", "pisze" },
};

/* `rest` is the text after the line in question */
static bool
nothing_or_quote_after(const char *rest)
{
	struct line ln;

	while (next_line(&rest, &ln)) {
		if (is_blank(&ln))
			continue;
		return is_quoted(&ln);
	}
	return true;
}

static bool
reply_header_at(const struct line *a, const char *rest)
{
	struct line b;
	const char *after = rest;
	bool have_b;
	size_t k;

	have_b = next_line(&after, &b);
	for (k = 0; k < NELEM(reply_hdr); k++) {
		if (!line_iprefix(a, reply_hdr[k].prefix))
			continue;
		if (a->len > 0 && a->p[a->len - 1] == ':' &&
		    line_contains(a, reply_hdr[k].verb))
			return line_contains(a, "@") ||
			    nothing_or_quote_after(rest);
		if (!have_b)
			continue;
		if (b.len > 0 && b.p[b.len - 1] == ':' &&
		    (line_contains(a, reply_hdr[k].verb) ||
		    line_contains(&b, reply_hdr[k].verb)))
			return line_contains(a, "@") || line_contains(&b, "@") ||
			    nothing_or_quote_after(after);
	}
	return false;
}

/* "-----Original Message-----" and its kin: three dashes or more */
static bool
separator_at(const struct line *ln)
{
	static const char *const phrase[] = {
		"original message", "forwarded message",
		"ursprüngliche nachricht", "weitergeleitete nachricht",
		"message d'origine", "message transféré",
	};
	size_t s = 0, e = ln->len, k;

	while (s < e && ln->p[s] == '-')
		s++;
	if (s < 3)
		return false;
	while (e > s && ln->p[e - 1] == '-')
		e--;
	while (s < e && ln->p[s] == ' ')
		s++;
	while (e > s && ln->p[e - 1] == ' ')
		e--;
	for (k = 0; k < NELEM(phrase); k++)
		if (e - s == strlen(phrase[k]) &&
		    strncasecmp(ln->p + s, phrase[k], e - s) == 0)
			return true;
	return false;
}

static bool
from_line(const struct line *ln)
{
	return line_iprefix(ln, "From:") || line_iprefix(ln, "Von:") ||
	    line_iprefix(ln, "De:") || line_iprefix(ln, "De :");
}

static bool
sent_line(const struct line *ln)
{
	return line_iprefix(ln, "Sent:") || line_iprefix(ln, "Date:") ||
	    line_iprefix(ln, "Gesendet:") || line_iprefix(ln, "Datum:") ||
	    line_iprefix(ln, "Envoyé :") || line_iprefix(ln, "Envoyé:");
}

/* Outlook's "From: ... / Sent: ..." block, and the rule of underscores before it */
static bool
outlook_at(const struct line *ln, const char *rest)
{
	struct line next;
	size_t k, u;

	if (from_line(ln)) {
		for (k = 0; k < 3 && next_line(&rest, &next); k++)
			if (sent_line(&next))
				return true;
		return false;
	}
	for (u = 0; u < ln->len && ln->p[u] == '_'; u++)
		;
	if (u < 10 || u != ln->len)
		return false;
	while (next_line(&rest, &next))
		if (!is_blank(&next))
			return from_line(&next);
	return false;
}

/* `rest` is the text after the line */
static const char *
end_marker_at(const struct line *ln, const char *rest)
{

	if (ln->len == 0)
		return NULL;
	if (ln->len == 2 && ln->p[0] == '-' && ln->p[1] == '-')
		return "signature";
	switch (ln->p[0]) {
	case '-':
		return separator_at(ln) ? "quoted reply" : NULL;
	case '_':
	case 'F': case 'f':
	case 'V': case 'v':
	case 'D': case 'd':
		return outlook_at(ln, rest) ? "quoted reply" : NULL;
	case 'B': case 'b':
		return ln->len == 24 &&
		    strncasecmp(ln->p, "Begin forwarded message:", 24) == 0 ?
		    "quoted reply" : NULL;
	case 'O': case 'o':	/* the first letters of reply_hdr[] */
	case 'A': case 'a':
	case 'L': case 'l':
	case 'E': case 'e':
	case 'I': case 'i':
	case 'W': case 'w':
		return reply_header_at(ln, rest) ? "quoted reply" : NULL;
	default:
		return NULL;
	}
}

/* ------------------------------------------------------------- parse */

struct parse {
	struct form *f;
	size_t cap;
	struct buf val;
	bool open;		/* f->f[f->n - 1] takes continuation lines */
	bool free_text;
	bool blank;		/* a blank line waits inside free text */
};

static void
field_close(struct parse *ps)
{
	struct form_field *ff;

	if (ps->f->n == 0 || ps->f->f[ps->f->n - 1].value != NULL)
		return;
	ff = &ps->f->f[ps->f->n - 1];
	buf_rtrim(&ps->val);
	ff->value = buf_detach(&ps->val, NULL);
	ps->open = false;
}

static void
field_open(struct parse *ps, const struct line *ln, unsigned lineno,
    const char *canon, size_t ts, size_t tl, size_t vs)
{
	struct form_field *ff;

	field_close(ps);
	if (ps->f->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 16;
		ps->f->f = xreallocarray(ps->f->f, ps->cap, sizeof(*ps->f->f));
	}
	ff = &ps->f->f[ps->f->n++];
	ff->name = canon;
	ff->typed = xstrndup(ln->p + ts, tl);
	ff->line = lineno;
	ff->value = NULL;
	buf_init(&ps->val, VALUE_MAX);
	(void)buf_add(&ps->val, ln->p + vs, ln->len - vs);
	ps->open = true;
	ps->free_text = form_field_is_free_text(canon);
	ps->blank = false;
}

static void
field_continue(struct parse *ps, const struct line *ln)
{
	size_t s = skip_ws(ln->p, ln->len, 0);

	if (ps->free_text) {
		if (s == ln->len) {
			ps->blank = ps->val.len > 0;
			return;
		}
		if (ps->val.len > 0)
			(void)buf_addstr(&ps->val, ps->blank ? "\n\n" : "\n");
		ps->blank = false;
	} else if (s == 0 || s == ln->len) {
		/* not indented, or blank: the value is complete */
		field_close(ps);
		return;
	} else if (ps->val.len > 0)
		(void)buf_addch(&ps->val, ' ');
	(void)buf_add(&ps->val, ln->p + s, ln->len - s);
}

struct form *
form_parse(const char *text)
{
	struct parse ps;
	struct line ln;
	const char *canon, *end, *p;
	size_t ts, tl, vs;
	unsigned lineno = 0;

	memset(&ps, 0, sizeof(ps));
	ps.f = xcalloc(1, sizeof(*ps.f));
	buf_init(&ps.val, VALUE_MAX);
	if (text == NULL)
		return ps.f;
	p = text;
	while (next_line(&p, &ln)) {
		lineno++;
		if (field_line(&ln, &canon, &ts, &tl, &vs)) {
			field_open(&ps, &ln, lineno, canon, ts, tl, vs);
			continue;
		}
		if ((end = end_marker_at(&ln, p)) != NULL) {
			ps.f->ended_by = end;
			break;
		}
		if (!ps.open)
			continue;
		if (is_quoted(&ln)) {
			/* never a field, never free text; ends a plain value */
			if (!ps.free_text)
				field_close(&ps);
			continue;
		}
		field_continue(&ps, &ln);
	}
	field_close(&ps);
	buf_free(&ps.val);
	return ps.f;
}

void
form_free(struct form **fp)
{
	struct form *f;
	size_t i;

	if (fp == NULL || (f = *fp) == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		free(f->f[i].value);
		free(f->f[i].typed);
	}
	free(f->f);
	free(f);
	*fp = NULL;
}

/* -------------------------------------------------------------- kind */

static const char *const subject_tags[] = {
	"flag", "early-warning", "warning", "ew", "hub",
};

static enum record_kind
subject_kind(const char *subject, const char **why_r)
{
	const char *p = subject, *open, *close, *tag;
	char inner[64];
	size_t len, s, e;

	while ((open = strchr(p, '[')) != NULL) {
		if ((close = strchr(open + 1, ']')) == NULL)
			break;
		p = open + 1;
		len = (size_t)(close - open - 1);
		for (s = 0; s < len && (p[s] == ' ' || p[s] == '\t'); s++)
			;
		for (e = len; e > s && (p[e - 1] == ' ' || p[e - 1] == '\t');
		    e--)
			;
		if (e - s == 0 || e - s >= sizeof(inner))
			continue;
		if (lex_flag_ref(p + s, e - s, NULL, 0) == e - s) {
			*why_r = "subject reference";
			return KIND_OUTCOME;
		}
		memcpy(inner, p + s, e - s);
		inner[e - s] = '\0';
		if ((tag = lex_match_in(subject_tags, NELEM(subject_tags),
		    inner)) != NULL) {
			*why_r = "subject tag";
			return kind_parse(tag);
		}
	}
	return KIND_NONE;
}

static enum record_kind
rcpt_kind(const char *rcpt, const char *gateway_local)
{
	const char *at, *plus;
	char detail[64];
	size_t len, gl;

	if (rcpt == NULL || (at = strrchr(rcpt, '@')) == NULL)
		return KIND_NONE;
	if (gateway_local != NULL) {
		gl = strlen(gateway_local);
		if ((size_t)(at - rcpt) <= gl ||
		    strncasecmp(rcpt, gateway_local, gl) != 0 ||
		    rcpt[gl] != '+')
			return KIND_NONE;
		plus = rcpt + gl;
	} else if ((plus = memchr(rcpt, '+', (size_t)(at - rcpt))) == NULL)
		return KIND_NONE;
	len = (size_t)(at - plus - 1);
	if (len == 0 || len >= sizeof(detail))
		return KIND_NONE;
	memcpy(detail, plus + 1, len);
	detail[len] = '\0';
	return kind_parse(detail);
}

enum record_kind
form_kind(const struct form *f, const char *subject, char *const *rcpt,
    size_t nrcpt, const char *gateway_local, enum record_kind inbox_default,
    const char **why_r, const char **bad_type_r)
{
	const char *why = NULL, *type;
	enum record_kind k;
	size_t i;

	if (bad_type_r != NULL)
		*bad_type_r = NULL;
	if ((type = form_get(f, "type")) != NULL && *type != '\0') {
		why = "type field";
		if ((k = kind_parse(type)) == KIND_NONE && bad_type_r != NULL)
			*bad_type_r = type;
		goto out;
	}
	if (subject != NULL && (k = subject_kind(subject, &why)) != KIND_NONE)
		goto out;
	for (i = 0; rcpt != NULL && i < nrcpt; i++) {
		if ((k = rcpt_kind(rcpt[i], gateway_local)) != KIND_NONE) {
			why = "recipient address";
			goto out;
		}
	}
	k = inbox_default;
	why = k != KIND_NONE ? "inbox default" : NULL;
out:
	if (why_r != NULL)
		*why_r = why;
	return k;
}
