/* rules.c: the coordinators' routing rules; the only module that includes
 * pcre2.h */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <pcre2.h>

#include "buf.h"
#include "form.h"
#include "lexicon.h"
#include "log.h"
#include "rules.h"
#include "util.h"

#define RULES_MAX_FILE		(4u * 1024 * 1024)
#define RULES_MAX_NAME		64
#define RULES_TRACE_VALUE	80	/* bytes of a value in a trace */

enum subj {
	SUBJ_FIELD,
	SUBJ_KIND,
	SUBJ_HOST,
	SUBJ_ORG,
	SUBJ_SENDER,
	SUBJ_BODY,
	SUBJ_HEADER,
};

/*
 * Most conditions of real rule sets are a list of words (/^(de|at)$/) or
 * of domains (/(^|\.)(youtube\.com|youtu\.be)$/i); those are matched
 * without PCRE2, with the same result (rules_load checks it on each word).
 */
enum fast {
	FAST_NONE,
	FAST_EQ,		/* ^(a|b)$: the value is one of the words */
	FAST_DOMAIN,		/* (^|\.)(a|b)$: the value is or ends in .a */
};

struct cond {
	enum subj subj;
	char *name;		/* field (canonical) or header name */
	bool negate;
	pcre2_code *re;
	bool jit;
	uint32_t ncapture;
	char *text;		/* "host /.../i", as written */
	char *src;		/* the pattern */
	uint32_t opts;
	int slot;		/* the field read (url's for host), or -1 */
	size_t cache;		/* shared by the conditions that read and
				 * match alike */
	enum fast fast;
	bool icase;
	char **word;
	size_t *wordlen;
	size_t nword;
};

/* a piece of a set/add value: text, or a capture */
struct piece {
	char *text;		/* literal text, or NULL */
	int group;		/* numbered capture, or -1 */
	char *name;		/* named capture, or NULL */
};

enum act {
	ACT_ROUTE,
	ACT_SET,
	ACT_ADD,
	ACT_URGENT,
	ACT_DIGEST_ONLY,
	ACT_QUARANTINE,
	ACT_STOP,
	ACT_NOTE,
};

struct action {
	enum act act;
	int slot;		/* set, add: the field changed, or -1 */
	char **target;		/* route */
	bool *group;
	char **target_where;	/* "file:line:col" of each target */
	size_t ntarget;
	char *field;		/* set, add */
	struct piece *piece;
	size_t npiece;
	char *reason;		/* quarantine, note */
	char *text;		/* as written */
};

struct rule {
	char *name;
	char *where;		/* "file:line" */
	unsigned line;
	const char *file;	/* one of set->files */
	struct cond *c;
	size_t nc;
	struct action *a;
	size_t na;
	int last_pos;		/* the last positive condition, or -1 */
	bool captures;		/* some value uses a capture */
	bool digest_only;
	bool stops;		/* stop or quarantine */
	bool indexed;		/* its first condition is in the index */
};

/*
 * The index: the words of every rule whose first condition is a positive
 * list of words on a field (/^(de|at)$/), so that a record is matched only
 * against the rules whose first word it has.
 */
#define HOST_SLOT (-2)	/* the index of /(^|\.)(a|b)$/ on host */

struct ixkey {
	int slot;		/* a field's, or HOST_SLOT */
	bool icase;		/* the word is lower case */
	const char *word;	/* the condition's */
	size_t len;
	size_t rule;
};

struct rules {
	struct rule *r;
	size_t n;
	char **files;
	size_t nfiles;
	struct rules_limits lim;
	bool need_mail;
	bool need_host;
	uint32_t max_capture;	/* of any pattern */
	size_t max_cond;	/* conditions of the longest rule */
	char **slot;		/* the field names that conditions read */
	size_t nslot;
	int url_slot;		/* url's slot; -1: no condition reads it */
	size_t ncache;		/* distinct conditions */
	int *cache_slot;	/* the slot each depends on, or -1 */
	bool no_fast;		/* every condition through PCRE2 (tests) */
	struct ixkey *ix;	/* sorted by slot, icase, word */
	size_t nix;
	size_t ix_maxlen;	/* of the longest word */
	size_t **slot_rules;	/* per slot: the rules indexed on it */
	size_t *nslot_rules;
	size_t *host_rules;	/* the rules indexed on host */
	size_t nhost_rules;
};

struct rules_matcher {
	const struct rules *set;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jstack;
	pcre2_match_data *md;
	struct buf line;		/* a trace line being written */
	/* per condition of the rule being evaluated: the value that matched
	 * and its ovector, kept for set/add */
	char **subject;
	PCRE2_SIZE *ov;
	size_t ovlen;		/* entries per condition */
	/* the hosts of the record's URLs */
	char **host;
	size_t nhost;
	bool host_valid;
	/* per slot: the index of the field in the record, or -1 */
	int *slot_idx;
	/* per distinct condition: 0 unknown, 1 matched, 2 not, 3 a limit */
	unsigned char *cache_state;
	const char **cache_value;	/* what matched */
	uint64_t *cand;		/* indexed rules with a word of the record */
};

static const char *const field_names[] = {
	"access", "category", "channel", "comment", "content-date", "country",
	"decided", "description", "ends", "event", "event-type",
	"explanation", "good-faith", "ground", "indicators", "language",
	"legal-basis", "licence", "period-end", "period-start", "platform",
	"reference", "risk", "severity", "starts", "status", "summary",
	"title", "url",
};
#define NFIELDS (sizeof(field_names) / sizeof(field_names[0]))

static const char *const pseudo_names[] = {
	"kind", "host", "org", "sender", "body",
};
#define NPSEUDO (sizeof(pseudo_names) / sizeof(pseudo_names[0]))

static const char *const statement_names[] = {
	"rule", "if", "route", "set", "add", "urgent", "digest-only",
	"quarantine", "stop", "note",
};
#define NSTATEMENTS (sizeof(statement_names) / sizeof(statement_names[0]))

void
rules_limits_default(struct rules_limits *lim)
{
	lim->match_limit = RULES_DEFAULT_MATCH_LIMIT;
	lim->depth_limit = RULES_DEFAULT_DEPTH_LIMIT;
	lim->max_subject = RULES_DEFAULT_MAX_SUBJECT;
	lim->no_fast = false;
}

/* ------------------------------------------------------------ records */

static struct rules_field *
field_find(const struct rules_record *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->f[i].name, name) == 0)
			return &r->f[i];
	return NULL;
}

void
rules_record_add(struct rules_record *r, const char *name, const char *value)
{
	struct rules_field *f;

	if ((f = field_find(r, name)) == NULL) {
		r->f = xreallocarray(r->f, r->n + 1, sizeof(*r->f));
		f = &r->f[r->n++];
		f->name = xstrdup(name);
		f->v = NULL;
		f->n = 0;
	}
	f->v = xreallocarray(f->v, f->n + 1, sizeof(*f->v));
	f->v[f->n++] = xstrdup(value);
}

static void
field_values_free(struct rules_field *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->v[i]);
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

void
rules_record_clear(struct rules_record *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		field_values_free(&r->f[i]);
		free(r->f[i].name);
	}
	free(r->f);
	r->f = NULL;
	r->n = 0;
}

char **
rules_record_get(const struct rules_record *r, const char *name, size_t *n_r)
{
	struct rules_field *f = field_find(r, name);

	if (f == NULL || f->n == 0) {
		*n_r = 0;
		return NULL;
	}
	*n_r = f->n;
	return f->v;
}

/* ------------------------------------------------------------ names */

/* the canonical field name of `s` (case-insensitive, '_' for '-'), or NULL */
static const char *
field_canonical(const char *s)
{
	char key[RULES_MAX_NAME];
	size_t i, n = strlen(s);

	if (n == 0 || n >= sizeof(key))
		return NULL;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		key[i] = c == '_' ? '-' : c;
	}
	key[n] = '\0';
	for (i = 0; i < NFIELDS; i++)
		if (strcmp(key, field_names[i]) == 0)
			return field_names[i];
	return NULL;
}

static const char *
pseudo_canonical(const char *s)
{
	size_t i;

	for (i = 0; i < NPSEUDO; i++)
		if (str_ieq(s, pseudo_names[i]))
			return pseudo_names[i];
	return NULL;
}

static bool
header_name_ok(const char *s)
{
	const unsigned char *p;

	if (*s == '\0')
		return false;
	/* RFC 5322 ftext: printable ASCII but ':' */
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 33 || *p > 126 || *p == ':')
			return false;
	return true;
}

/* whether `name` is a subject a condition can read */
static bool
subject_known(const char *name)
{
	if (str_iprefix(name, "header:"))
		return header_name_ok(name + 7);
	return field_canonical(name) != NULL || pseudo_canonical(name) != NULL;
}

static const char *
subject_nearest(const char *typed)
{
	const char *all[NFIELDS + NPSEUDO];
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		all[i] = field_names[i];
	for (i = 0; i < NPSEUDO; i++)
		all[NFIELDS + i] = pseudo_names[i];
	return lex_nearest(all, NFIELDS + NPSEUDO, typed);
}

/* the closed list of a field, or NULL */
static const struct lex_list *
field_lex(const char *field)
{
	static const struct lex_list *const lists[] = {
		&lex_ground, &lex_severity, &lex_channel, &lex_event_type,
		&lex_risk, &lex_category, &lex_access, &lex_status,
	};
	size_t i;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (strcmp(lists[i]->field, field) == 0)
			return lists[i];
	return NULL;
}

/*
 * A value for `field` as the record stores it: canonical for closed lists,
 * languages and countries, lower case for platforms.  NULL when the value
 * is not allowed; *why_r then says why.
 */
static char *
field_value(const char *field, const char *v, const char **why_r)
{
	const struct lex_list *l;
	const char *c;
	char *s;

	*why_r = NULL;
	if (*v == '\0') {
		*why_r = "an empty value";
		return NULL;
	}
	if ((l = field_lex(field)) != NULL) {
		if ((c = lex_match(l, v)) == NULL) {
			*why_r = l->noun;
			return NULL;
		}
		return xstrdup(c);
	}
	if (strcmp(field, "language") == 0) {
		if ((c = lex_language(v)) == NULL) {
			*why_r = "a language";
			return NULL;
		}
		return xstrdup(c);
	}
	if (strcmp(field, "country") == 0) {
		if ((c = lex_country(v)) == NULL) {
			*why_r = "a country";
			return NULL;
		}
		return xstrdup(c);
	}
	s = xstrdup(v);
	if (strcmp(field, "platform") == 0)
		str_lower(s);
	return s;
}

/* ------------------------------------------------------------ loading */

struct loader {
	struct rules *set;
	const char *file;
	unsigned line;
	const char *text;	/* the line */
	rules_report_fn report;
	void *arg;
	int problems;
	struct rule *cur;	/* the rule being read; NULL outside one */
	bool cur_bad;		/* it had a problem */
	bool in_actions;
	uint32_t jit_ok;
};

static void problem(struct loader *ld, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
problem(struct loader *ld, size_t col, const char *fmt, ...)
{
	struct buf b = BUF_INIT(4096);
	va_list ap;

	if (col > 0)
		buf_printf(&b, "%s:%u:%zu: ", ld->file, ld->line, col);
	else if (ld->line > 0)
		buf_printf(&b, "%s:%u: ", ld->file, ld->line);
	else
		buf_printf(&b, "%s: ", ld->file);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	ld->report(ld->arg, buf_str(&b));
	buf_free(&b);
	ld->problems++;
	if (ld->cur != NULL)
		ld->cur_bad = true;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* the next word of the line from *pp: its start, length and column */
static size_t
word(const char **pp, const char *line, const char **w_r, size_t *col_r)
{
	const char *p = *pp, *s;

	while (is_blank(*p))
		p++;
	s = p;
	while (*p != '\0' && !is_blank(*p))
		p++;
	*w_r = s;
	*col_r = (size_t)(s - line) + 1;
	*pp = p;
	return (size_t)(p - s);
}

static void
cond_free(struct cond *c)
{
	size_t i;

	free(c->name);
	pcre2_code_free(c->re);
	free(c->text);
	free(c->src);
	for (i = 0; i < c->nword; i++)
		free(c->word[i]);
	free(c->word);
	free(c->wordlen);
}

static void
action_free(struct action *a)
{
	size_t i;

	for (i = 0; i < a->ntarget; i++) {
		free(a->target[i]);
		free(a->target_where[i]);
	}
	free(a->target);
	free(a->target_where);
	free(a->group);
	free(a->field);
	for (i = 0; i < a->npiece; i++) {
		free(a->piece[i].text);
		free(a->piece[i].name);
	}
	free(a->piece);
	free(a->reason);
	free(a->text);
}

static void
rule_free(struct rule *r)
{
	size_t i;

	free(r->name);
	free(r->where);
	for (i = 0; i < r->nc; i++)
		cond_free(&r->c[i]);
	free(r->c);
	for (i = 0; i < r->na; i++)
		action_free(&r->a[i]);
	free(r->a);
}

void
rules_free(struct rules **setp)
{
	struct rules *set = *setp;
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		rule_free(&set->r[i]);
	free(set->r);
	for (i = 0; i < set->nfiles; i++)
		free(set->files[i]);
	free(set->files);
	for (i = 0; i < set->nslot; i++)
		free(set->slot[i]);
	free(set->slot);
	free(set->cache_slot);
	free(set->ix);
	for (i = 0; set->slot_rules != NULL && i < set->nslot; i++)
		free(set->slot_rules[i]);
	free(set->slot_rules);
	free(set->nslot_rules);
	free(set->host_rules);
	free(set);
	*setp = NULL;
}

static bool
name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n >= RULES_MAX_NAME)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-'))
			return false;
	}
	return true;
}

/* the slot of a field name, added when new */
static int
slot_of(struct rules *set, const char *name)
{
	size_t i;

	for (i = 0; i < set->nslot; i++)
		if (strcmp(set->slot[i], name) == 0)
			return (int)i;
	set->slot = xreallocarray(set->slot, set->nslot + 1,
	    sizeof(*set->slot));
	set->slot[set->nslot] = xstrdup(name);
	return (int)set->nslot++;
}

static void
word_add(struct cond *c, const char *w, size_t n)
{
	c->word = xreallocarray(c->word, c->nword + 1, sizeof(*c->word));
	c->wordlen = xreallocarray(c->wordlen, c->nword + 1,
	    sizeof(*c->wordlen));
	c->word[c->nword] = xstrndup(w, n);
	c->wordlen[c->nword] = n;
	c->nword++;
}

/*
 * The words of "a|b\.c": literal text only (a backslash before
 * punctuation makes it literal); false at anything else.  With `icase`
 * only ASCII, whose case PCRE2 folds as strcasecmp does.
 */
static bool
words_parse(struct cond *c, const char *p, size_t n, bool icase)
{
	struct buf b = BUF_INIT(4096);
	const char *end = p + n;
	unsigned char ch;
	bool ok = true;

	for (; p < end && ok; p++) {
		ch = (unsigned char)*p;
		if (ch == '|') {
			if (b.len == 0)
				ok = false;
			else
				word_add(c, b.data, b.len);
			buf_reset(&b);
			continue;
		}
		if (ch == '\\') {
			if (++p == end)
				ok = false;
			else {
				ch = (unsigned char)*p;
				if (ch >= 0x80 || (ch >= '0' && ch <= '9') ||
				    (ch >= 'a' && ch <= 'z') ||
				    (ch >= 'A' && ch <= 'Z') || ch < 0x20)
					ok = false;
			}
		} else if (strchr("^$.|?*+()[]{}", ch) != NULL || ch < 0x20 ||
		    (icase && ch >= 0x80))
			ok = false;
		if (ok && buf_addch(&b, (char)ch) == -1)
			ok = false;
	}
	if (ok && b.len > 0)
		word_add(c, b.data, b.len);
	else
		ok = false;
	buf_free(&b);
	if (!ok) {
		while (c->nword > 0)
			free(c->word[--c->nword]);
		free(c->word);
		free(c->wordlen);
		c->word = NULL;
		c->wordlen = NULL;
	}
	return ok;
}

/* "(X)" or "(?:X)" around all of s[0..n): X's place, or false */
static bool
group_inner(const char *s, size_t n, const char **in_r, size_t *n_r)
{
	if (n >= 2 && s[0] == '(' && s[n - 1] == ')') {
		if (n >= 4 && s[1] == '?' && s[2] == ':') {
			*in_r = s + 3;
			*n_r = n - 4;
		} else {
			*in_r = s + 1;
			*n_r = n - 2;
		}
		return true;
	}
	return false;
}

/* whether a condition can be matched as a list of words or domains */
static void
fast_recognise(struct cond *c)
{
	const char *p = c->src, *in;
	size_t n = strlen(p), inn;
	bool icase = (c->opts & PCRE2_CASELESS) != 0;

	c->fast = FAST_NONE;
	if ((c->opts & (PCRE2_MULTILINE | PCRE2_EXTENDED)) != 0 ||
	    (icase && (c->opts & PCRE2_UCP) != 0))
		return;
	/* the final $ must not be escaped */
	if (n < 3 || p[n - 1] != '$' || p[n - 2] == '\\')
		return;
	if (p[0] == '^') {
		/* ^word$, ^(a|b)$, ^(?:a|b)$ */
		if (group_inner(p + 1, n - 2, &in, &inn)) {
			if (!words_parse(c, in, inn, icase))
				return;
		} else if (memchr(p + 1, '|', n - 2) != NULL ||
		    !words_parse(c, p + 1, n - 2, icase))
			return;
		c->fast = FAST_EQ;
	} else if (strncmp(p, "(^|\\.)", 6) == 0 ||
	    strncmp(p, "(?:^|\\.)", 8) == 0) {
		size_t skip = p[1] == '?' ? 8 : 6;

		p += skip;
		n -= skip + 1;
		if (group_inner(p, n, &in, &inn)) {
			if (!words_parse(c, in, inn, icase))
				return;
		} else if (memchr(p, '|', n) != NULL ||
		    !words_parse(c, p, n, icase))
			return;
		c->fast = FAST_DOMAIN;
	} else
		return;
	c->icase = icase;
}

static bool fast_match(const struct cond *c, const char *v, size_t len);

/* PCRE2 agrees with the fast way on each word; otherwise no fast way */
static void
fast_verify(struct cond *c)
{
	pcre2_match_data *md;
	struct buf b = BUF_INIT(8192);
	size_t i;
	bool agree = true;

	if (c->fast == FAST_NONE)
		return;
	md = pcre2_match_data_create_from_pattern(c->re, NULL);
	for (i = 0; i < c->nword && agree; i++) {
		buf_reset(&b);
		if (c->fast == FAST_DOMAIN)
			buf_addstr(&b, "www.");
		buf_add(&b, c->word[i], c->wordlen[i]);
		agree = pcre2_match(c->re, (PCRE2_SPTR)b.data, b.len, 0, 0, md,
		    NULL) >= 0 && fast_match(c, b.data, b.len);
		buf_addch(&b, 'x');
		agree = agree && pcre2_match(c->re, (PCRE2_SPTR)b.data, b.len,
		    0, 0, md, NULL) == PCRE2_ERROR_NOMATCH &&
		    !fast_match(c, b.data, b.len);
	}
	pcre2_match_data_free(md);
	buf_free(&b);
	if (!agree) {
		for (i = 0; i < c->nword; i++)
			free(c->word[i]);
		free(c->word);
		free(c->wordlen);
		c->word = NULL;
		c->wordlen = NULL;
		c->nword = 0;
		c->fast = FAST_NONE;
	}
}

/* the end of a rule: a rule without actions is a problem */
static void
rule_end(struct loader *ld)
{
	struct rule *r = ld->cur;
	unsigned line = ld->line;
	size_t i;

	if (r == NULL)
		return;
	if (r->na == 0 && !ld->cur_bad) {
		ld->line = r->line;
		problem(ld, 1, "rule '%s' has no action", r->name);
		ld->line = line;
	}
	for (i = 0; i < r->na; i++)
		if (r->a[i].act == ACT_DIGEST_ONLY) {
			size_t j;
			bool routes = false;

			for (j = 0; j < r->na; j++)
				routes |= r->a[j].act == ACT_ROUTE;
			if (!routes) {
				ld->line = r->line;
				problem(ld, 1, "rule '%s' says digest-only but "
				    "routes nowhere: add a route", r->name);
				ld->line = line;
			}
			break;
		}
	ld->cur = NULL;
	ld->cur_bad = false;
	ld->in_actions = false;
}

static void
stmt_rule(struct loader *ld, const char *p)
{
	struct rules *set = ld->set;
	struct rule *r;
	const char *w;
	size_t n, col, i;
	int problems;

	rule_end(ld);
	problems = ld->problems;
	n = word(&p, ld->text, &w, &col);
	if (n == 0) {
		problem(ld, col, "'rule' needs a name");
		return;
	}
	/* a rule with a bad name is still read, for the problems of its
	 * lines; the set is refused anyway */
	if (!name_ok(w, n))
		problem(ld, col, "bad rule name '%.*s': use letters, digits, "
		    "'.', '_' and '-'", (int)(n > 80 ? 80 : n), w);
	else
		for (i = 0; i < set->n; i++)
			if (strlen(set->r[i].name) == n &&
			    strncmp(set->r[i].name, w, n) == 0) {
				problem(ld, col, "rule '%.*s' is defined "
				    "again; the first is at %s", (int)n, w,
				    set->r[i].where);
				break;
			}
	set->r = xreallocarray(set->r, set->n + 1, sizeof(*set->r));
	r = &set->r[set->n++];
	memset(r, 0, sizeof(*r));
	r->name = xstrndup(w, n);
	r->where = xasprintf("%s:%u", ld->file, ld->line);
	r->line = ld->line;
	r->file = ld->file;
	r->last_pos = -1;
	ld->cur = r;
	ld->cur_bad = ld->problems > problems;
	ld->in_actions = false;
	n = word(&p, ld->text, &w, &col);
	if (n > 0)
		problem(ld, col, "unexpected '%.*s' after the rule name",
		    (int)(n > 80 ? 80 : n), w);
}

/* conditions that read the same subject with the same pattern share a
 * cache entry: a record is matched against it once */
static void
cond_share(struct rules *set, struct cond *c)
{
	size_t i, j;

	for (i = 0; i < set->n; i++)
		for (j = 0; j < set->r[i].nc; j++) {
			const struct cond *o = &set->r[i].c[j];

			if (o->subj == c->subj && o->opts == c->opts &&
			    strcmp(o->name, c->name) == 0 &&
			    strcmp(o->src, c->src) == 0) {
				c->cache = o->cache;
				return;
			}
		}
	set->cache_slot = xreallocarray(set->cache_slot, set->ncache + 1,
	    sizeof(*set->cache_slot));
	set->cache_slot[set->ncache] = c->slot;
	c->cache = set->ncache++;
}

static void
stmt_if(struct loader *ld, const char *p)
{
	struct rule *r = ld->cur;
	struct cond c;
	const char *w, *pat, *q, *canon;
	char *pattern = NULL, errmsg[256];
	size_t n, col, pcol, patlen;
	uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
	PCRE2_SIZE erroff;
	int errcode;

	memset(&c, 0, sizeof(c));
	if (ld->in_actions) {
		problem(ld, (size_t)(p - ld->text) - 1, "a condition after an "
		    "action: put the 'if' lines of rule '%s' first", r->name);
		return;
	}
	n = word(&p, ld->text, &w, &col);
	if (n == 3 && strncmp(w, "not", 3) == 0) {
		c.negate = true;
		n = word(&p, ld->text, &w, &col);
	}
	if (n == 0 || *w == '/') {
		problem(ld, col, "'if' needs a subject: a field, kind, host, "
		    "org, sender, body or header:NAME");
		return;
	}
	c.name = xstrndup(w, n);
	if (str_iprefix(c.name, "header:")) {
		if (!header_name_ok(c.name + 7)) {
			problem(ld, col, "bad header name in '%s'",
			    log_safe(c.name));
			goto fail;
		}
		c.subj = SUBJ_HEADER;
		memmove(c.name, c.name + 7, strlen(c.name + 7) + 1);
		ld->set->need_mail = true;
	} else if ((canon = field_canonical(c.name)) != NULL) {
		c.subj = SUBJ_FIELD;
		free(c.name);
		c.name = xstrdup(canon);
	} else if ((canon = pseudo_canonical(c.name)) != NULL) {
		c.subj = strcmp(canon, "kind") == 0 ? SUBJ_KIND :
		    strcmp(canon, "host") == 0 ? SUBJ_HOST :
		    strcmp(canon, "org") == 0 ? SUBJ_ORG :
		    strcmp(canon, "sender") == 0 ? SUBJ_SENDER : SUBJ_BODY;
		if (c.subj == SUBJ_BODY)
			ld->set->need_mail = true;
		if (c.subj == SUBJ_HOST)
			ld->set->need_host = true;
		free(c.name);
		c.name = xstrdup(canon);
	} else {
		const char *near = subject_nearest(c.name);

		if (near != NULL)
			problem(ld, col, "unknown field '%s'; did you mean "
			    "'%s'?", log_safe(c.name), near);
		else
			problem(ld, col, "unknown field '%s': a condition "
			    "reads a field of the mail format, kind, host, "
			    "org, sender, body or header:NAME",
			    log_safe(c.name));
		goto fail;
	}

	/* the pattern: /.../flags, a backslash escaping the next byte */
	while (is_blank(*p))
		p++;
	pcol = (size_t)(p - ld->text) + 1;
	if (*p != '/') {
		problem(ld, pcol, "expected a pattern between slashes, as in "
		    "/youtube\\.com$/i");
		goto fail;
	}
	pat = ++p;
	for (q = pat; *q != '\0' && *q != '/'; q++)
		if (*q == '\\' && q[1] != '\0')
			q++;
	if (*q != '/') {
		problem(ld, pcol, "the pattern has no closing '/' (write a "
		    "'/' inside it as '\\/')");
		goto fail;
	}
	patlen = (size_t)(q - pat);
	if (patlen == 0) {
		problem(ld, pcol, "an empty pattern: write /./ to match any "
		    "value, or /^$/ for an empty one");
		goto fail;
	}
	for (p = q + 1; *p != '\0' && !is_blank(*p); p++) {
		switch (*p) {
		case 'i': opts |= PCRE2_CASELESS; break;
		case 'm': opts |= PCRE2_MULTILINE; break;
		case 's': opts |= PCRE2_DOTALL; break;
		case 'x': opts |= PCRE2_EXTENDED; break;
		case 'u': opts |= PCRE2_UCP; break;
		default:
			problem(ld, (size_t)(p - ld->text) + 1,
			    "unknown pattern flag '%c': the flags are i, m, "
			    "s, x and u", *p);
			goto fail;
		}
	}
	n = word(&p, ld->text, &w, &col);
	if (n > 0 && *w != '#') {
		problem(ld, col, "unexpected '%.*s' after the pattern",
		    (int)(n > 80 ? 80 : n), w);
		goto fail;
	}
	pattern = xstrndup(pat, patlen);
	c.re = pcre2_compile((PCRE2_SPTR)pattern, patlen, opts, &errcode,
	    &erroff, NULL);
	if (c.re == NULL) {
		pcre2_get_error_message(errcode, (PCRE2_UCHAR *)errmsg,
		    sizeof(errmsg));
		problem(ld, (size_t)(pat - ld->text) + 1 + erroff,
		    "bad pattern: %s", errmsg);
		goto fail;
	}
	c.jit = pcre2_jit_compile(c.re, PCRE2_JIT_COMPLETE) == 0;
	if (c.jit)
		ld->jit_ok++;
	pcre2_pattern_info(c.re, PCRE2_INFO_CAPTURECOUNT, &c.ncapture);
	if (c.ncapture > ld->set->max_capture)
		ld->set->max_capture = c.ncapture;
	c.src = pattern;
	pattern = NULL;
	c.opts = opts;
	c.slot = c.subj == SUBJ_FIELD ? slot_of(ld->set, c.name) :
	    c.subj == SUBJ_HOST ? slot_of(ld->set, "url") : -1;
	if (c.subj == SUBJ_HOST || (c.subj == SUBJ_FIELD &&
	    strcmp(c.name, "url") == 0))
		ld->set->url_slot = c.slot;
	if (!ld->set->lim.no_fast) {
		fast_recognise(&c);
		fast_verify(&c);
	}
	cond_share(ld->set, &c);
	/* the condition as written (the pattern and its flags, no trailing
	 * comment), for lists and traces */
	{
		struct buf b = BUF_INIT(16384);
		const char *end = q + 1;

		while (*end != '\0' && !is_blank(*end))
			end++;
		buf_printf(&b, "%s%s%s ", c.negate ? "not " : "",
		    c.subj == SUBJ_HEADER ? "header:" : "", c.name);
		buf_add(&b, pat - 1, (size_t)(end - pat + 1));
		c.text = buf_detach(&b, NULL);
	}
	free(pattern);
	r->c = xreallocarray(r->c, r->nc + 1, sizeof(*r->c));
	r->c[r->nc] = c;
	if (!c.negate)
		r->last_pos = (int)r->nc;
	r->nc++;
	if (r->nc > ld->set->max_cond)
		ld->set->max_cond = r->nc;
	return;
fail:
	free(pattern);
	cond_free(&c);
}

/* a named group of one of the rule's positive conditions */
static bool
rule_has_name(const struct rule *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nc; i++)
		if (!r->c[i].negate && pcre2_substring_number_from_name(
		    r->c[i].re, (PCRE2_SPTR)name) >= 0)
			return true;
	return false;
}

static void
piece_add(struct action *a, char *text, int group, char *name)
{
	a->piece = xreallocarray(a->piece, a->npiece + 1, sizeof(*a->piece));
	a->piece[a->npiece].text = text;
	a->piece[a->npiece].group = group;
	a->piece[a->npiece].name = name;
	a->npiece++;
}

/* VALUE of set/add into pieces; false on a problem (reported) */
static bool
value_parse(struct loader *ld, struct action *a, const char *v, size_t vcol)
{
	struct rule *r = ld->cur;
	struct buf lit = BUF_INIT(65536);
	const char *p = v, *s;
	size_t col;
	int g;

	while (*p != '\0') {
		if (*p != '$') {
			buf_addch(&lit, *p++);
			continue;
		}
		col = vcol + (size_t)(p - v);
		if (p[1] == '$') {
			buf_addch(&lit, '$');
			p += 2;
			continue;
		}
		g = -1;
		if (p[1] >= '1' && p[1] <= '9') {
			g = p[1] - '0';
			s = p + 2;
		} else if (p[1] == '{') {
			const char *e = strchr(p + 2, '}');
			long long num;
			char *nm;

			if (e == NULL || e == p + 2) {
				problem(ld, col, "'${' needs a group number or "
				    "name and a closing '}'");
				goto fail;
			}
			nm = xstrndup(p + 2, (size_t)(e - p - 2));
			if (str_tonum(nm, 0, 99, &num) == 0)
				g = (int)num;
			else if (!rule_has_name(r, nm)) {
				problem(ld, col, "no condition of rule '%s' has "
				    "a group named '%s'", r->name,
				    log_safe(nm));
				free(nm);
				goto fail;
			} else {
				if (lit.len > 0)
					piece_add(a, buf_detach(&lit, NULL),
					    -1, NULL);
				piece_add(a, NULL, -1, nm);
				r->captures = true;
				p = e + 1;
				continue;
			}
			free(nm);
			s = e + 1;
		} else {
			problem(ld, col, "a '$' starts $1..$9, ${N} or ${name}; "
			    "write '$$' for a '$'");
			goto fail;
		}
		if (r->last_pos < 0) {
			problem(ld, col, "'$%d' but rule '%s' has no 'if' "
			    "condition to capture from", g, r->name);
			goto fail;
		}
		if ((uint32_t)g > r->c[r->last_pos].ncapture) {
			problem(ld, col, "'$%d' but the pattern of '%s' has %u "
			    "group%s", g, r->c[r->last_pos].text,
			    r->c[r->last_pos].ncapture,
			    r->c[r->last_pos].ncapture == 1 ? "" : "s");
			goto fail;
		}
		if (lit.len > 0)
			piece_add(a, buf_detach(&lit, NULL), -1, NULL);
		piece_add(a, NULL, g, NULL);
		r->captures = true;
		p = s;
	}
	if (lit.len > 0)
		piece_add(a, buf_detach(&lit, NULL), -1, NULL);
	buf_free(&lit);
	return true;
fail:
	buf_free(&lit);
	return false;
}

static void
stmt_action(struct loader *ld, enum act act, const char *kw, const char *p)
{
	struct rule *r = ld->cur;
	struct action a;
	const char *w, *canon, *why;
	size_t n, col;
	char *v = NULL;

	memset(&a, 0, sizeof(a));
	a.act = act;
	a.slot = -1;
	ld->in_actions = true;
	switch (act) {
	case ACT_ROUTE:
		while ((n = word(&p, ld->text, &w, &col)) > 0) {
			if (*w == '#')
				break;
			a.target = xreallocarray(a.target, a.ntarget + 1,
			    sizeof(*a.target));
			a.group = xreallocarray(a.group, a.ntarget + 1,
			    sizeof(*a.group));
			a.target_where = xreallocarray(a.target_where,
			    a.ntarget + 1, sizeof(*a.target_where));
			a.target[a.ntarget] = xstrndup(w, n);
			a.group[a.ntarget] = memchr(w, '@', n) == NULL;
			a.target_where[a.ntarget] = xasprintf("%s:%u:%zu",
			    ld->file, ld->line, col);
			if (a.group[a.ntarget] && !name_ok(w, n))
				problem(ld, col, "bad group name '%s': use "
				    "letters, digits, '.', '_' and '-'",
				    log_safe(a.target[a.ntarget]));
			else if (!a.group[a.ntarget])
				str_lower(a.target[a.ntarget]);
			a.ntarget++;
		}
		if (a.ntarget == 0) {
			problem(ld, (size_t)(p - ld->text) + 1, "'route' needs "
			    "a contact address or a group");
			goto fail;
		}
		break;
	case ACT_SET:
	case ACT_ADD:
		n = word(&p, ld->text, &w, &col);
		if (n == 0) {
			problem(ld, col, "'%s' needs a field and a value", kw);
			goto fail;
		}
		a.field = xstrndup(w, n);
		if ((canon = field_canonical(a.field)) == NULL) {
			const char *near = lex_nearest(field_names, NFIELDS,
			    a.field);

			if (pseudo_canonical(a.field) != NULL ||
			    str_iprefix(a.field, "header:"))
				problem(ld, col, "'%s' cannot be changed: "
				    "only the fields of the mail format can",
				    log_safe(a.field));
			else if (near != NULL)
				problem(ld, col, "unknown field '%s'; did you "
				    "mean '%s'?", log_safe(a.field), near);
			else
				problem(ld, col, "unknown field '%s'",
				    log_safe(a.field));
			goto fail;
		}
		free(a.field);
		a.field = xstrdup(canon);
		a.slot = slot_of(ld->set, a.field);
		while (is_blank(*p))
			p++;
		col = (size_t)(p - ld->text) + 1;
		v = xstrdup(p);
		str_trim(v);
		if (*v == '\0') {
			problem(ld, col, "'%s %s' needs a value", kw, a.field);
			goto fail;
		}
		if (!value_parse(ld, &a, v, col))
			goto fail;
		/* a value without captures is checked now */
		if (a.npiece == 1 && a.piece[0].text != NULL) {
			char *fv = field_value(a.field, a.piece[0].text, &why);

			if (fv == NULL) {
				problem(ld, col, "'%s' is not %s", log_safe(v),
				    why);
				goto fail;
			}
			free(a.piece[0].text);
			a.piece[0].text = fv;
		}
		break;
	case ACT_QUARANTINE:
	case ACT_NOTE:
		while (is_blank(*p))
			p++;
		v = xstrdup(p);
		str_trim(v);
		if (*v == '\0') {
			problem(ld, (size_t)(p - ld->text) + 1, "'%s' needs a "
			    "text for the coordinators", kw);
			goto fail;
		}
		a.reason = v;
		v = NULL;
		if (act == ACT_QUARANTINE)
			r->stops = true;
		break;
	case ACT_URGENT:
	case ACT_DIGEST_ONLY:
	case ACT_STOP:
		n = word(&p, ld->text, &w, &col);
		if (n > 0 && *w != '#') {
			problem(ld, col, "unexpected '%.*s' after '%s'",
			    (int)(n > 80 ? 80 : n), w, kw);
			goto fail;
		}
		if (act == ACT_STOP)
			r->stops = true;
		if (act == ACT_DIGEST_ONLY)
			r->digest_only = true;
		break;
	}
	{
		const char *t = ld->text;

		while (is_blank(*t))
			t++;
		a.text = xstrdup(t);
		str_trim(a.text);
	}
	free(v);
	r->a = xreallocarray(r->a, r->na + 1, sizeof(*r->a));
	r->a[r->na++] = a;
	return;
fail:
	free(v);
	action_free(&a);
}

static void
load_line(struct loader *ld, const char *line)
{
	const char *p = line, *w;
	size_t n, col, i;
	char kw[RULES_MAX_NAME];

	ld->text = line;
	while (is_blank(*p))
		p++;
	if (*p == '\0' || *p == '#')
		return;
	n = word(&p, line, &w, &col);
	if (n >= sizeof(kw))
		n = sizeof(kw) - 1;
	memcpy(kw, w, n);
	kw[n] = '\0';
	if (strcmp(kw, "rule") == 0) {
		stmt_rule(ld, p);
		return;
	}
	for (i = 0; i < NSTATEMENTS; i++)
		if (strcmp(kw, statement_names[i]) == 0)
			break;
	if (i == NSTATEMENTS) {
		const char *near = lex_nearest(statement_names, NSTATEMENTS,
		    kw);

		if (subject_known(kw))
			problem(ld, col, "'%s' alone is not a statement: "
			    "write 'if %s /PATTERN/'", log_safe(kw),
			    log_safe(kw));
		else if (near != NULL)
			problem(ld, col, "unknown action '%s'; did you mean "
			    "'%s'?", log_safe(kw), near);
		else
			problem(ld, col, "unknown action '%s': the actions "
			    "are route, set, add, urgent, digest-only, "
			    "quarantine, note and stop", log_safe(kw));
		return;
	}
	if (ld->cur == NULL) {
		problem(ld, col, "'%s' outside a rule: start one with "
		    "'rule NAME'", kw);
		return;
	}
	if (strcmp(kw, "if") == 0)
		stmt_if(ld, p);
	else if (strcmp(kw, "route") == 0)
		stmt_action(ld, ACT_ROUTE, kw, p);
	else if (strcmp(kw, "set") == 0)
		stmt_action(ld, ACT_SET, kw, p);
	else if (strcmp(kw, "add") == 0)
		stmt_action(ld, ACT_ADD, kw, p);
	else if (strcmp(kw, "urgent") == 0)
		stmt_action(ld, ACT_URGENT, kw, p);
	else if (strcmp(kw, "digest-only") == 0)
		stmt_action(ld, ACT_DIGEST_ONLY, kw, p);
	else if (strcmp(kw, "quarantine") == 0)
		stmt_action(ld, ACT_QUARANTINE, kw, p);
	else if (strcmp(kw, "note") == 0)
		stmt_action(ld, ACT_NOTE, kw, p);
	else
		stmt_action(ld, ACT_STOP, kw, p);
}

static void
load_text(struct loader *ld, const char *file, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	char *line;
	size_t n;

	ld->file = file;
	ld->line = 0;
	ld->cur = NULL;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		ld->line++;
		line = xstrndup(p, n);
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		if (memchr(p, '\0', n) != NULL) {
			ld->text = line;
			problem(ld, 0, "a NUL byte in the line");
		} else
			load_line(ld, line);
		free(line);
		p += n + (nl != NULL);
	}
	rule_end(ld);
}

static void
files_add(struct rules *set, const char *file)
{
	set->files = xreallocarray(set->files, set->nfiles + 1,
	    sizeof(*set->files));
	set->files[set->nfiles++] = xstrdup(file);
}

/* the set is read: checks that need all of it */
static void
load_finish(struct loader *ld)
{
	struct rules *set = ld->set;
	size_t i;

	for (i = 0; i + 1 < set->n; i++)
		if (set->r[i].nc == 0 && set->r[i].stops) {
			ld->file = set->r[i + 1].file;
			ld->line = set->r[i + 1].line;
			problem(ld, 1, "rule '%s' is never applied: rule '%s' "
			    "(%s) has no condition and stops every record",
			    set->r[i + 1].name, set->r[i].name,
			    set->r[i].where);
			break;
		}
}

static int
ixkey_cmp(const void *a, const void *b)
{
	const struct ixkey *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c;

	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	if (x->icase != y->icase)
		return x->icase ? 1 : -1;
	if ((c = memcmp(x->word, y->word, n)) != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	/* rules in order, so that a run of equal words lists them so */
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static void
index_build(struct rules *set)
{
	struct ixkey *k;
	size_t i, j, s;

	set->slot_rules = xcalloc(set->nslot + 1, sizeof(*set->slot_rules));
	set->nslot_rules = xcalloc(set->nslot + 1,
	    sizeof(*set->nslot_rules));
	for (i = 0; i < set->n; i++) {
		struct rule *r = &set->r[i];
		struct cond *c = r->nc > 0 ? &r->c[0] : NULL;

		if (c == NULL || c->negate || !((c->subj == SUBJ_FIELD &&
		    c->fast == FAST_EQ) || (c->subj == SUBJ_HOST &&
		    c->fast == FAST_DOMAIN)))
			continue;
		r->indexed = true;
		if (c->subj == SUBJ_HOST) {
			set->host_rules = xreallocarray(set->host_rules,
			    set->nhost_rules + 1, sizeof(*set->host_rules));
			set->host_rules[set->nhost_rules++] = i;
		} else {
			s = (size_t)c->slot;
			set->slot_rules[s] = xreallocarray(set->slot_rules[s],
			    set->nslot_rules[s] + 1,
			    sizeof(**set->slot_rules));
			set->slot_rules[s][set->nslot_rules[s]++] = i;
		}
		for (j = 0; j < c->nword; j++) {
			if (c->icase)
				str_lower(c->word[j]);
			set->ix = xreallocarray(set->ix, set->nix + 1,
			    sizeof(*set->ix));
			k = &set->ix[set->nix++];
			k->slot = c->subj == SUBJ_HOST ? HOST_SLOT : c->slot;
			k->icase = c->icase;
			k->word = c->word[j];
			k->len = c->wordlen[j];
			k->rule = i;
			if (k->len > set->ix_maxlen)
				set->ix_maxlen = k->len;
		}
	}
	if (set->nix > 0)
		qsort(set->ix, set->nix, sizeof(*set->ix), ixkey_cmp);
}

static int
finish(struct loader *ld, struct rules **set_r)
{
	load_finish(ld);
	if (ld->problems > 0) {
		rules_free(&ld->set);
		return ld->problems;
	}
	index_build(ld->set);
	*set_r = ld->set;
	return 0;
}

static void
loader_init(struct loader *ld, const struct rules_limits *lim,
    rules_report_fn report, void *arg)
{
	memset(ld, 0, sizeof(*ld));
	ld->set = xcalloc(1, sizeof(*ld->set));
	ld->set->url_slot = -1;
	if (lim != NULL)
		ld->set->lim = *lim;
	else
		rules_limits_default(&ld->set->lim);
	ld->report = report;
	ld->arg = arg;
}

int
rules_load_text(const char *file, const char *text,
    const struct rules_limits *lim, struct rules **set_r,
    rules_report_fn report, void *arg)
{
	struct loader ld;

	*set_r = NULL;
	loader_init(&ld, lim, report, arg);
	files_add(ld.set, file);
	load_text(&ld, ld.set->files[0], text, strlen(text));
	return finish(&ld, set_r);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
rules_file_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 6 && strcmp(name + n - 6, ".rules") == 0;
}

/* reads a whole file of at most RULES_MAX_FILE bytes */
static char *
slurp(const char *path, size_t *len_r, const char **why_r)
{
	char *data;

	if (file_read(path, RULES_MAX_FILE, &data, len_r) == -1) {
		*why_r = errno == EFBIG ? "larger than 4 MB" : strerror(errno);
		return NULL;
	}
	return data;
}

int
rules_load(const char *dir, const struct rules_limits *lim,
    struct rules **set_r, rules_report_fn report, void *arg)
{
	struct loader ld;
	struct dirent *de;
	struct stat sb;
	char **names = NULL, *text, *path;
	const char *why = NULL;
	size_t n = 0, i, len;
	DIR *d;

	*set_r = NULL;
	loader_init(&ld, lim, report, arg);
	ld.file = dir;
	if ((d = opendir(dir)) == NULL) {
		problem(&ld, 0, "cannot open the rules directory: %s",
		    strerror(errno));
		rules_free(&ld.set);
		return 1;
	}
	while ((de = readdir(d)) != NULL)
		if (rules_file_name(de->d_name)) {
			names = xreallocarray(names, n + 1, sizeof(*names));
			names[n++] = xstrdup(de->d_name);
		}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		path = xasprintf("%s/%s", dir, names[i]);
		files_add(ld.set, path);
		free(path);
		path = ld.set->files[ld.set->nfiles - 1];
		ld.file = path;
		ld.line = 0;
		if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
			continue;
		if ((text = slurp(path, &len, &why)) == NULL) {
			problem(&ld, 0, "cannot read: %s", why);
			continue;
		}
		load_text(&ld, path, text, len);
		free(text);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return finish(&ld, set_r);
}

size_t
rules_count(const struct rules *set)
{
	return set != NULL ? set->n : 0;
}

size_t
rules_nfiles(const struct rules *set)
{
	return set != NULL ? set->nfiles : 0;
}

bool
rules_need_mail(const struct rules *set)
{
	return set != NULL && set->need_mail;
}

void
rules_targets_each(const struct rules *set, rules_target_fn fn, void *arg)
{
	size_t i, j, k;

	for (i = 0; set != NULL && i < set->n; i++)
		for (j = 0; j < set->r[i].na; j++)
			for (k = 0; k < set->r[i].a[j].ntarget; k++)
				fn(arg, set->r[i].a[j].target[k],
				    set->r[i].a[j].group[k],
				    set->r[i].a[j].target_where[k]);
}

void
rules_list(const struct rules *set, rules_line_fn fn, void *arg)
{
	struct buf b = BUF_INIT(65536);
	size_t i, j;

	for (i = 0; set != NULL && i < set->n; i++) {
		const struct rule *r = &set->r[i];

		buf_reset(&b);
		buf_printf(&b, "%s: rule %s", r->where, r->name);
		fn(arg, buf_str(&b));
		for (j = 0; j < r->nc; j++) {
			buf_reset(&b);
			buf_printf(&b, "    if %s", r->c[j].text);
			fn(arg, buf_str(&b));
		}
		for (j = 0; j < r->na; j++) {
			buf_reset(&b);
			buf_printf(&b, "    %s", r->a[j].text);
			fn(arg, buf_str(&b));
		}
	}
	buf_free(&b);
}

/* ------------------------------------------------------------ matching */

struct rules_matcher *
rules_matcher_new(const struct rules *set)
{
	struct rules_matcher *m = xcalloc(1, sizeof(*m));
	size_t nc = set->max_cond ? set->max_cond : 1;

	m->set = set;
	buf_init(&m->line, 65536);
	if ((m->mctx = pcre2_match_context_create(NULL)) == NULL)
		fatalx("out of memory");
	pcre2_set_match_limit(m->mctx, set->lim.match_limit);
	pcre2_set_depth_limit(m->mctx, set->lim.depth_limit);
	/* the interpreter's backtracking memory, in KiB */
	pcre2_set_heap_limit(m->mctx, 64u * 1024);
	if ((m->jstack = pcre2_jit_stack_create(32u * 1024, 1024u * 1024,
	    NULL)) != NULL)
		pcre2_jit_stack_assign(m->mctx, NULL, m->jstack);
	if ((m->md = pcre2_match_data_create(set->max_capture + 1, NULL)) ==
	    NULL)
		fatalx("out of memory");
	m->ovlen = 2 * ((size_t)set->max_capture + 1);
	m->subject = xcalloc(nc, sizeof(*m->subject));
	m->ov = xcalloc(nc * m->ovlen, sizeof(*m->ov));
	m->slot_idx = xcalloc(set->nslot + 1, sizeof(*m->slot_idx));
	m->cache_state = xcalloc(set->ncache + 1, sizeof(*m->cache_state));
	m->cache_value = xcalloc(set->ncache + 1, sizeof(*m->cache_value));
	m->cand = xcalloc(set->n / 64 + 1, sizeof(*m->cand));
	return m;
}

static void
hosts_clear(struct rules_matcher *m)
{
	size_t i;

	for (i = 0; i < m->nhost; i++)
		free(m->host[i]);
	free(m->host);
	m->host = NULL;
	m->nhost = 0;
	m->host_valid = false;
}

void
rules_matcher_free(struct rules_matcher **mp)
{
	struct rules_matcher *m = *mp;
	size_t i;

	if (m == NULL)
		return;
	pcre2_match_data_free(m->md);
	pcre2_jit_stack_free(m->jstack);
	pcre2_match_context_free(m->mctx);
	for (i = 0; i < (m->set->max_cond ? m->set->max_cond : 1); i++)
		free(m->subject[i]);
	free(m->subject);
	free(m->ov);
	buf_free(&m->line);
	free(m->slot_idx);
	free(m->cache_state);
	free(m->cache_value);
	free(m->cand);
	hosts_clear(m);
	free(m);
	*mp = NULL;
}

/* the host of an absolute URL, lower case, no port or user; NULL */
static char *
url_host(const char *url)
{
	const char *p = strstr(url, "://"), *s, *e, *at;
	char *h;

	if (p == NULL)
		return NULL;
	s = p + 3;
	e = s + strcspn(s, "/?#");
	/* user information ends at the last '@' of the authority */
	for (at = e; at > s; at--)
		if (at[-1] == '@')
			break;
	if (at > s)
		s = at;
	if (*s == '[') {
		const char *rb = memchr(s, ']', (size_t)(e - s));

		if (rb == NULL)
			return NULL;
		h = xstrndup(s + 1, (size_t)(rb - s - 1));
	} else {
		const char *colon = memchr(s, ':', (size_t)(e - s));

		h = xstrndup(s, (size_t)((colon ? colon : e) - s));
		/* a fully qualified name's final dot */
		if (*h != '\0' && h[strlen(h) - 1] == '.')
			h[strlen(h) - 1] = '\0';
	}
	if (*h == '\0') {
		free(h);
		return NULL;
	}
	str_lower(h);
	return h;
}

static void
hosts_make(struct rules_matcher *m, const struct rules_record *rec)
{
	char **url, *h;
	size_t n, i;

	hosts_clear(m);
	url = rules_record_get(rec, "url", &n);
	for (i = 0; i < n; i++)
		if ((h = url_host(url[i])) != NULL) {
			m->host = xreallocarray(m->host, m->nhost + 1,
			    sizeof(*m->host));
			m->host[m->nhost++] = h;
		}
	m->host_valid = true;
}

/* a value for a trace: quoted, escaped, cut */
static void
trace_value(struct buf *b, const char *v)
{
	size_t n = strlen(v), lim = n < RULES_TRACE_VALUE ? n :
	    RULES_TRACE_VALUE;
	const char *p = v, *run, *end = v + lim;
	unsigned char c;

	buf_addch(b, '\'');
	while (p < end) {
		for (run = p; p < end; p++) {
			c = (unsigned char)*p;
			if (c < 0x20 || c == 0x7f || c == '\'' || c == '\\')
				break;
		}
		if (p > run)
			buf_add(b, run, (size_t)(p - run));
		if (p == end)
			break;
		c = (unsigned char)*p++;
		if (c == '\n')
			buf_addstr(b, "\\n");
		else if (c == '\t')
			buf_addstr(b, "\\t");
		else if (c == '\'' || c == '\\')
			buf_printf(b, "\\%c", c);
		else
			buf_printf(b, "\\x%02x", c);
	}
	if (lim < n) {
		/* not in the middle of a UTF-8 sequence */
		while (b->len > 1 && ((unsigned char)b->data[b->len - 1] &
		    0xc0) == 0x80)
			b->len--;
		if (b->len > 1 && (unsigned char)b->data[b->len - 1] >= 0xc0)
			b->len--;
		b->data[b->len] = '\0';
		buf_addstr(b, "...");
	}
	buf_addch(b, '\'');
}

/* takes a malloc'd line into the explanation */
static void
trace_take(struct rules_result *res, char *line)
{
	size_t n = res->ntrace;

	/* capacity: 16, then doubled at each power of two */
	if (n == 0 || (n >= 16 && (n & (n - 1)) == 0))
		res->trace = xreallocarray(res->trace, n == 0 ? 16 : 2 * n,
		    sizeof(*res->trace));
	res->trace[res->ntrace++] = line;
}

void
rules_result_trace_add(struct rules_result *res, const char *line)
{
	trace_take(res, xstrdup(line));
}

static void
trace_add(struct rules_result *res, struct buf *b)
{
	rules_result_trace_add(res, buf_str(b));
	buf_reset(b);
}

/* the values a condition reads; *tmp is set when they are made here */
static const char *const *
subject_values(struct rules_matcher *m, const struct cond *c,
    const struct rules_record *rec, size_t *n_r, const char **one,
    const char ***tmp)
{
	size_t i, n;

	*tmp = NULL;
	*n_r = 0;
	switch (c->subj) {
	case SUBJ_FIELD:
		if ((i = (size_t)m->slot_idx[c->slot]) == (size_t)-1)
			return NULL;
		*n_r = rec->f[i].n;
		return (const char *const *)rec->f[i].v;
	case SUBJ_HOST:
		if (!m->host_valid)
			hosts_make(m, rec);
		*n_r = m->nhost;
		return (const char *const *)m->host;
	case SUBJ_KIND:
		*one = rec->kind;
		break;
	case SUBJ_ORG:
		*one = rec->org;
		break;
	case SUBJ_SENDER:
		*one = rec->sender;
		break;
	case SUBJ_BODY:
		*one = rec->body;
		break;
	case SUBJ_HEADER:
		for (i = n = 0; i < rec->nhdr; i++)
			if (str_ieq(rec->hdr[i].name, c->name))
				n++;
		if (n == 0)
			return NULL;
		*tmp = xcalloc(n, sizeof(**tmp));
		for (i = n = 0; i < rec->nhdr; i++)
			if (str_ieq(rec->hdr[i].name, c->name))
				(*tmp)[n++] = rec->hdr[i].value;
		*n_r = n;
		return *tmp;
	}
	if (*one == NULL)
		return NULL;
	*n_r = 1;
	return one;
}

/*
 * Whether some value matches; the value and its ovector go to slot `k`
 * when `keep`.  -1 when a limit was hit and nothing matched.
 */
static int
cond_match(struct rules_matcher *m, const struct rule *r, size_t k,
    const struct rules_record *rec, bool keep, const char **matched_r,
    struct rules_result *res, bool trace)
{
	const struct cond *c = &r->c[k];
	const char *const *v, *one = NULL, **tmp;
	size_t n, i, len;
	int rc, hit = 0;

	*matched_r = NULL;
	if (!keep && m->cache_state[c->cache] != 0) {
		*matched_r = m->cache_value[c->cache];
		return m->cache_state[c->cache] == 1 ? 1 :
		    m->cache_state[c->cache] == 2 ? 0 : -1;
	}
	v = subject_values(m, c, rec, &n, &one, &tmp);
	for (i = 0; i < n; i++) {
		len = strlen(v[i]);
		if (len > m->set->lim.max_subject)
			len = m->set->lim.max_subject;
		if (c->fast != FAST_NONE && !keep) {
			if (fast_match(c, v[i], len)) {
				*matched_r = v[i];
				free(tmp);
				m->cache_state[c->cache] = 1;
				m->cache_value[c->cache] = *matched_r;
				return 1;
			}
			continue;
		}
		if (c->jit)
			rc = pcre2_jit_match(c->re, (PCRE2_SPTR)v[i], len, 0,
			    0, m->md, m->mctx);
		else
			rc = pcre2_match(c->re, (PCRE2_SPTR)v[i], len, 0, 0,
			    m->md, m->mctx);
		if (rc >= 0) {
			*matched_r = v[i];
			if (keep) {
				PCRE2_SIZE *ov = pcre2_get_ovector_pointer(
				    m->md);
				uint32_t nov = pcre2_get_ovector_count(m->md);

				free(m->subject[k]);
				m->subject[k] = xstrndup(v[i], len);
				memset(&m->ov[k * m->ovlen], 0xff,
				    m->ovlen * sizeof(*m->ov));
				memcpy(&m->ov[k * m->ovlen], ov,
				    2 * nov * sizeof(*ov) <= m->ovlen *
				    sizeof(*ov) ? 2 * nov * sizeof(*ov) :
				    m->ovlen * sizeof(*ov));
			}
			free(tmp);
			m->cache_state[c->cache] = 1;
			m->cache_value[c->cache] = *matched_r;
			return 1;
		}
		if (rc != PCRE2_ERROR_NOMATCH) {
			struct buf b = BUF_INIT(4096);
			char msg[160];

			hit = -1;
			res->limit_hits++;
			pcre2_get_error_message(rc, (PCRE2_UCHAR *)msg,
			    sizeof(msg));
			log_warnx("rule %s (%s): pattern %s: %s; counted as "
			    "not matching", r->name, r->where, c->text, msg);
			if (trace) {
				buf_printf(&b, "rule %s (%s): %s: %s on ",
				    r->name, r->where, c->text, msg);
				trace_value(&b, v[i]);
				buf_addstr(&b, "; counted as not matching");
				trace_add(res, &b);
			}
			buf_free(&b);
		}
	}
	free(tmp);
	m->cache_state[c->cache] = hit == 0 ? 2 : 3;
	m->cache_value[c->cache] = NULL;
	return hit;
}

/* s[0..n) equals w[0..wn), in ASCII case when icase */
static bool
span_eq(const char *s, const char *w, size_t n, bool icase)
{
	return icase ? strncasecmp(s, w, n) == 0 : memcmp(s, w, n) == 0;
}

static bool
fast_words(const struct cond *c, const char *v, size_t len)
{
	size_t i, wl;

	for (i = 0; i < c->nword; i++) {
		wl = c->wordlen[i];
		if (c->fast == FAST_EQ) {
			if (len == wl && span_eq(v, c->word[i], wl, c->icase))
				return true;
		} else if (len >= wl && span_eq(v + len - wl, c->word[i], wl,
		    c->icase) && (len == wl || v[len - wl - 1] == '.'))
			return true;
	}
	return false;
}

/* as PCRE2 would match a FAST_EQ or FAST_DOMAIN pattern on v[0..len) */
static bool
fast_match(const struct cond *c, const char *v, size_t len)
{
	/* $ also matches before one newline that ends the value */
	return fast_words(c, v, len) || (len > 0 && v[len - 1] == '\n' &&
	    fast_words(c, v, len - 1));
}

/* sets the candidate bit of every indexed rule with the word v[0..len) */
static void
index_lookup(struct rules_matcher *m, int slot, bool icase, const char *v,
    size_t len)
{
	const struct rules *set = m->set;
	struct ixkey key;
	size_t lo = 0, hi = set->nix, mid;

	key.slot = slot;
	key.icase = icase;
	key.word = v;
	key.len = len;
	key.rule = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ixkey_cmp(&set->ix[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < set->nix; lo++) {
		const struct ixkey *k = &set->ix[lo];

		if (k->slot != slot || k->icase != icase || k->len != len ||
		    memcmp(k->word, v, len) != 0)
			break;
		m->cand[k->rule / 64] |= (uint64_t)1 << (k->rule % 64);
	}
}

/* the candidates among the rules indexed on a slot, from its values */
static void
index_mark(struct rules_matcher *m, const struct rules_record *rec, int slot)
{
	const struct rules *set = m->set;
	const struct rules_field *f;
	char low[256];
	size_t i, j, len, r;

	for (i = 0; i < set->nslot_rules[slot]; i++) {
		r = set->slot_rules[slot][i];
		m->cand[r / 64] &= ~((uint64_t)1 << (r % 64));
	}
	if (m->slot_idx[slot] < 0)
		return;
	f = &rec->f[m->slot_idx[slot]];
	for (i = 0; i < f->n; i++) {
		len = strlen(f->v[i]);
		if (len > set->lim.max_subject)
			len = set->lim.max_subject;
		/* $ also matches before one newline that ends the value */
		if (len > 0 && f->v[i][len - 1] == '\n' &&
		    len - 1 <= set->ix_maxlen && len - 1 < sizeof(low)) {
			index_lookup(m, slot, false, f->v[i], len - 1);
			for (j = 0; j + 1 < len && j < sizeof(low); j++)
				low[j] = (char)tolower(
				    (unsigned char)f->v[i][j]);
			index_lookup(m, slot, true, low, len - 1);
		}
		if (len > set->ix_maxlen || len >= sizeof(low))
			continue;
		index_lookup(m, slot, false, f->v[i], len);
		for (j = 0; j < len; j++)
			low[j] = (char)tolower((unsigned char)f->v[i][j]);
		index_lookup(m, slot, true, low, len);
	}
}

static void hosts_make(struct rules_matcher *, const struct rules_record *);

/* the candidates among the rules indexed on host: a host, or a name it
 * ends in after a dot, is one of their domains */
static void
index_mark_host(struct rules_matcher *m, const struct rules_record *rec)
{
	const struct rules *set = m->set;
	const char *h, *p;
	size_t i, r, len;
	bool odd = false;

	for (i = 0; i < set->nhost_rules; i++) {
		r = set->host_rules[i];
		m->cand[r / 64] &= ~((uint64_t)1 << (r % 64));
	}
	if (!m->host_valid)
		hosts_make(m, rec);
	for (i = 0; i < m->nhost; i++) {
		h = m->host[i];
		len = strlen(h);
		/* hosts are lower case; anything odd is matched the long way */
		for (p = h; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 ||
			    (*p >= 'A' && *p <= 'Z'))
				odd = true;
		for (p = h; p != NULL && !odd; p = strchr(p, '.')) {
			if (*p == '.')
				p++;
			if ((size_t)(h + len - p) <= set->ix_maxlen) {
				index_lookup(m, HOST_SLOT, false, p,
				    (size_t)(h + len - p));
				index_lookup(m, HOST_SLOT, true, p,
				    (size_t)(h + len - p));
			}
		}
	}
	if (odd)
		for (i = 0; i < set->nhost_rules; i++) {
			r = set->host_rules[i];
			m->cand[r / 64] |= (uint64_t)1 << (r % 64);
		}
}

/* the record's fields moved or changed: where each slot is now */
static void
slots_find(struct rules_matcher *m, const struct rules_record *rec)
{
	const struct rules *set = m->set;
	size_t i, j;

	for (i = 0; i < set->nslot; i++) {
		m->slot_idx[i] = -1;
		for (j = 0; j < rec->n; j++)
			if (strcmp(rec->f[j].name, set->slot[i]) == 0) {
				m->slot_idx[i] = (int)j;
				break;
			}
	}
}

/* a field changed: forget what was matched on it */
static void
slot_changed(struct rules_matcher *m, const struct rules_record *rec,
    int slot)
{
	size_t i;

	slots_find(m, rec);
	if (slot < 0)
		return;
	if (m->set->nslot_rules[slot] > 0)
		index_mark(m, rec, slot);
	if (slot == m->set->url_slot) {
		m->host_valid = false;
		if (m->set->nhost_rules > 0)
			index_mark_host(m, rec);
	}
	for (i = 0; i < m->set->ncache; i++)
		if (m->set->cache_slot[i] == slot)
			m->cache_state[i] = 0;
}

/* a set/add value from its pieces; NULL when a capture is unset */
static char *
value_make(struct rules_matcher *m, const struct rule *r,
    const struct action *a)
{
	struct buf b = BUF_INIT(65536);
	const PCRE2_SIZE *ov;
	size_t i, k, j;
	int g;

	for (i = 0; i < a->npiece; i++) {
		const struct piece *pc = &a->piece[i];

		if (pc->text != NULL) {
			buf_addstr(&b, pc->text);
			continue;
		}
		if (pc->name != NULL) {
			/* the last positive condition that has the name */
			g = -1;
			k = 0;
			for (j = r->nc; j-- > 0;) {
				if (r->c[j].negate)
					continue;
				g = pcre2_substring_number_from_name(r->c[j].re,
				    (PCRE2_SPTR)pc->name);
				if (g >= 0) {
					k = j;
					break;
				}
			}
			if (g < 0)
				goto unset;
		} else {
			g = pc->group;
			k = (size_t)r->last_pos;
		}
		ov = &m->ov[k * m->ovlen];
		if ((size_t)g * 2 + 1 >= m->ovlen || m->subject[k] == NULL ||
		    ov[2 * g] == PCRE2_UNSET || ov[2 * g + 1] < ov[2 * g])
			goto unset;
		buf_add(&b, m->subject[k] + ov[2 * g], ov[2 * g + 1] -
		    ov[2 * g]);
	}
	return buf_detach(&b, NULL);
unset:
	buf_free(&b);
	return NULL;
}

static void
route_add(struct rules_result *res, const struct rule *r,
    const struct action *a, size_t t)
{
	struct rules_route *rt;

	res->route = xreallocarray(res->route, res->nroute + 1,
	    sizeof(*res->route));
	rt = &res->route[res->nroute++];
	rt->target = xstrdup(a->target[t]);
	rt->group = a->group[t];
	rt->rule = xstrdup(r->name);
	rt->where = xstrdup(r->where);
	rt->digest_only = r->digest_only;
}

/* applies the actions of a rule that matched; false: stop here */
static bool
actions_apply(struct rules_matcher *m, const struct rule *r,
    struct rules_record *rec, bool trace, struct rules_result *res)
{
	struct buf b = BUF_INIT(65536);
	struct rules_field *f;
	const char *why;
	char *v, *fv;
	size_t i, t, j;
	bool go_on = true, have;

	for (i = 0; i < r->na && go_on; i++) {
		const struct action *a = &r->a[i];

		buf_reset(&b);
		switch (a->act) {
		case ACT_ROUTE:
			for (t = 0; t < a->ntarget; t++)
				route_add(res, r, a, t);
			if (trace) {
				buf_addstr(&b, "  route");
				for (t = 0; t < a->ntarget; t++)
					buf_printf(&b, " %s", a->target[t]);
				if (r->digest_only)
					buf_addstr(&b, " (digest only)");
			}
			break;
		case ACT_SET:
		case ACT_ADD:
			v = value_make(m, r, a);
			fv = v != NULL ? field_value(a->field, v, &why) : NULL;
			if (fv == NULL) {
				if (trace) {
					buf_printf(&b, "  %s %s: ",
					    a->act == ACT_SET ? "set" : "add",
					    a->field);
					if (v == NULL)
						buf_addstr(&b, "a group of the "
						    "pattern is unset; skipped");
					else {
						trace_value(&b, v);
						buf_printf(&b, " is not %s; "
						    "skipped", why);
					}
				}
				free(v);
				break;
			}
			free(v);
			f = field_find(rec, a->field);
			have = false;
			for (j = 0; f != NULL && j < f->n; j++)
				have |= strcmp(f->v[j], fv) == 0;
			if (a->act == ACT_SET) {
				if (!(have && f->n == 1)) {
					if (f != NULL)
						field_values_free(f);
					rules_record_add(rec, a->field, fv);
					res->changed = true;
				}
			} else if (!have) {
				rules_record_add(rec, a->field, fv);
				res->changed = true;
			}
			slot_changed(m, rec, a->slot);
			if (trace) {
				buf_printf(&b, "  %s %s ",
				    a->act == ACT_SET ? "set" : "add",
				    a->field);
				trace_value(&b, fv);
				if (a->act == ACT_ADD && have)
					buf_addstr(&b, " (already there)");
			}
			free(fv);
			break;
		case ACT_URGENT:
			res->urgent = true;
			if (trace)
				buf_addstr(&b, "  urgent");
			break;
		case ACT_DIGEST_ONLY:
			if (trace)
				buf_addstr(&b, "  digest-only");
			break;
		case ACT_QUARANTINE:
			res->quarantined = true;
			free(res->reason);
			res->reason = xstrdup(a->reason);
			go_on = false;
			if (trace)
				buf_printf(&b, "  quarantine: %s", a->reason);
			break;
		case ACT_STOP:
			go_on = false;
			if (trace)
				buf_addstr(&b, "  stop");
			break;
		case ACT_NOTE:
			if (trace)
				buf_printf(&b, "  note: %s", a->reason);
			break;
		}
		if (trace && b.len > 0)
			trace_add(res, &b);
	}
	buf_free(&b);
	return go_on;
}

/* the line saying why a condition held */
static char *
cond_why(struct rules_matcher *m, const struct cond *c,
    const struct rules_record *rec, const char *matched)
{
	struct buf *b = &m->line;
	const char *one = NULL, **tmp, *const *v;
	size_t n, j;

	buf_reset(b);
	buf_addstr(b, "  ");
	buf_addstr(b, c->text);
	if (!c->negate) {
		buf_addstr(b, " matched ");
		trace_value(b, matched);
		return xstrdup(buf_str(b));
	}
	v = subject_values(m, c, rec, &n, &one, &tmp);
	buf_addstr(b, " held: ");
	if (n == 0)
		buf_addstr(b, "no value");
	else {
		buf_addstr(b, "no value matched (");
		for (j = 0; j < n && j < 5; j++) {
			if (j > 0)
				buf_addstr(b, ", ");
			trace_value(b, v[j]);
		}
		if (n > 5)
			buf_addstr(b, ", ...");
		buf_addch(b, ')');
	}
	free(tmp);
	return xstrdup(buf_str(b));
}

void
rules_eval(const struct rules *set, struct rules_matcher *m,
    struct rules_record *rec, bool trace, struct rules_result *res)
{
	struct buf b = BUF_INIT(4096);
	const char *matched;
	char **why = NULL;
	size_t i, k, j;
	int rc;

	memset(res, 0, sizeof(*res));
	m->host_valid = false;
	slots_find(m, rec);
	memset(m->cache_state, 0, set->ncache);
	for (i = 0; i < set->nslot; i++)
		if (set->nslot_rules[i] > 0)
			index_mark(m, rec, (int)i);
	if (set->nhost_rules > 0)
		index_mark_host(m, rec);
	if (trace)
		why = xcalloc(set->max_cond ? set->max_cond : 1,
		    sizeof(*why));
	for (i = 0; i < set->n; i++) {
		const struct rule *r = &set->r[i];

		/* its first word is not in the record: it cannot match */
		if (r->indexed && (m->cand[i / 64] & ((uint64_t)1 <<
		    (i % 64))) == 0)
			continue;
		for (k = 0; k < r->nc; k++) {
			const struct cond *c = &r->c[k];

			rc = cond_match(m, r, k, rec, r->captures &&
			    !c->negate, &matched, res, trace);
			/* a limit counts as not matching, whatever the sign */
			if (rc == -1 || (rc == 1) == c->negate)
				break;
			if (trace)
				why[k] = cond_why(m, c, rec, matched);
		}
		if (k < r->nc) {
			for (j = 0; trace && j < k; j++) {
				free(why[j]);
				why[j] = NULL;
			}
			continue;
		}
		res->matched++;
		if (trace) {
			buf_reset(&b);
			buf_addstr(&b, "rule ");
			buf_addstr(&b, r->name);
			buf_addstr(&b, " (");
			buf_addstr(&b, r->where);
			buf_addch(&b, ')');
			trace_add(res, &b);
			for (j = 0; j < r->nc; j++) {
				trace_take(res, why[j]);
				why[j] = NULL;
			}
		}
		if (!actions_apply(m, r, rec, trace, res))
			break;
	}
	free(why);
	buf_free(&b);
}

void
rules_result_clear(struct rules_result *res)
{
	size_t i;

	if (res == NULL)
		return;
	for (i = 0; i < res->nroute; i++) {
		free(res->route[i].target);
		free(res->route[i].rule);
		free(res->route[i].where);
	}
	free(res->route);
	free(res->reason);
	for (i = 0; i < res->ntrace; i++)
		free(res->trace[i]);
	free(res->trace);
	memset(res, 0, sizeof(*res));
}
