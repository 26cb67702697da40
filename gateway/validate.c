/* validate.c: form fields and data attachments to records and problems */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#include "batch.h"
#include "buf.h"
#include "form.h"
#include "lexicon.h"
#include "util.h"
#include "validate.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define TEXT_MAX	(256u * 1024)
/* a value quoted in a problem text is cut here */
#define QUOTE_MAX	80
/* records per mail when the configuration sets no limit */
#define HARD_MAX_RECORDS 100000u
/* problems kept per mail; the rest are counted in one last problem */
#define MAX_PROBLEMS	1000

/* ------------------------------------------------------------ fields */

enum vtype {
	V_KIND,		/* Type: decided by form_kind; in a data row, "flag" */
	V_TEXT,		/* one line, as given */
	V_FREE,		/* free text */
	V_CLOSED,	/* a closed list of lexicon.h */
	V_LANG,		/* ISO 639-1 */
	V_COUNTRY,	/* ISO 3166-1 alpha-2 or EU */
	V_PLATFORM,	/* ctx->platforms */
	V_URL,		/* absolute http/https */
	V_DATE,		/* date or date-time */
	V_YES,		/* "yes" */
};

/* use[] bits, per kind */
#define A	1	/* the kind takes the field */
#define R	2	/* required */
#define L	4	/* a list */

enum { K_FLAG, K_EW, K_HUB, K_OUT, NKIND };

struct fspec {
	const char *name;
	enum vtype t;
	const struct lex_list *closed;
	unsigned char use[NKIND];	/* flag, early-warning, hub, outcome */
	const char *need;		/* what to write when it is missing */
};

/*
 * Every field of MAIL-FORMAT.md 3, in the order records keep them and
 * missing fields are reported.
 */
static const struct fspec fields[] = {
	{ "url", V_URL, NULL, { A | R | L, A | L, A | L, 0 },
	    "give the address of the content" },
	{ "event", V_TEXT, NULL, { 0, A | R, 0, 0 },
	    "give a short title of the event" },
	{ "event-type", V_CLOSED, &lex_event_type, { 0, A, 0, 0 }, NULL },
	{ "starts", V_DATE, NULL, { 0, A | R, 0, 0 },
	    "give the day the event starts, e.g. 'Starts: 2026-11-28' "
	    "or 'Starts: 2026-11-28 18:00 CET'" },
	{ "ends", V_DATE, NULL, { 0, A, 0, 0 }, NULL },
	{ "category", V_CLOSED, &lex_category, { 0, 0, A | R, 0 },
	    "write one of campaign, data, policy-update, transparency-report, "
	    "monitoring-result, research, best-practice, training, event" },
	{ "title", V_TEXT, NULL, { 0, 0, A | R, 0 },
	    "give the title of the material" },
	{ "status", V_CLOSED, &lex_status, { 0, 0, 0, A | R },
	    "write one of received, removed, disabled, geo-blocked, "
	    "restricted, no-action, not-illegal, need-info" },
	{ "decided", V_DATE, NULL, { 0, 0, 0, A }, NULL },
	{ "ground", V_CLOSED, &lex_ground, { A | R | L, A | R | L, A | L, 0 },
	    "name the ground of hatred, e.g. 'Ground: antisemitism'" },
	{ "language", V_LANG, NULL, { A | R, A | L, A | R, 0 },
	    "give the language as an ISO 639-1 code or its English name, "
	    "e.g. 'Language: de'" },
	{ "country", V_COUNTRY, NULL, { A | L, A | R | L, A | L, 0 },
	    "name the member states concerned as ISO 3166-1 codes, e.g. "
	    "'Country: DE, AT' (EU for all)" },
	{ "platform", V_PLATFORM, NULL, { A | L, A | L, A | L, A | L }, NULL },
	{ "legal-basis", V_TEXT, NULL, { A, 0, 0, 0 }, NULL },
	{ "explanation", V_FREE, NULL, { A | R, 0, 0, 0 },
	    "say why the content is illegal" },
	{ "severity", V_CLOSED, &lex_severity, { A, 0, 0, 0 }, NULL },
	{ "content-date", V_DATE, NULL, { A, 0, 0, 0 }, NULL },
	{ "good-faith", V_YES, NULL, { A | R, 0, 0, 0 },
	    "write 'Good-Faith: yes' to confirm that you believe the notice "
	    "to be accurate and complete" },
	{ "channel", V_CLOSED, &lex_channel, { A, 0, 0, 0 }, NULL },
	{ "risk", V_CLOSED, &lex_risk, { 0, A | R, 0, 0 },
	    "write low, medium, high or critical" },
	{ "indicators", V_TEXT, NULL, { 0, A | L, 0, 0 }, NULL },
	{ "description", V_FREE, NULL, { 0, A | R, 0, 0 },
	    "say what is expected and why" },
	{ "summary", V_FREE, NULL, { 0, 0, A | R, 0 },
	    "summarise the material in a few lines" },
	{ "period-start", V_DATE, NULL, { 0, 0, A, 0 }, NULL },
	{ "period-end", V_DATE, NULL, { 0, 0, A, 0 }, NULL },
	{ "licence", V_TEXT, NULL, { 0, 0, A, 0 }, NULL },
	{ "access", V_CLOSED, &lex_access, { 0, 0, A, 0 }, NULL },
	{ "comment", V_FREE, NULL, { 0, 0, 0, A }, NULL },
	{ "type", V_KIND, NULL, { A, A, A, A }, NULL },
	/* the sender's own reference; an outcome's are the flags it answers */
	{ "reference", V_TEXT, NULL, { A, A, A, A | L }, NULL },
};

#define NF NELEM(fields)

static int
field_index(const char *name)
{
	size_t i;

	for (i = 0; i < NF; i++)
		if (fields[i].name[0] == name[0] &&
		    strcmp(fields[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
kidx(enum record_kind k)
{
	switch (k) {
	case KIND_FLAG:
		return K_FLAG;
	case KIND_EARLY_WARNING:
		return K_EW;
	case KIND_HUB:
		return K_HUB;
	case KIND_OUTCOME:
		return K_OUT;
	case KIND_NONE:
		break;
	}
	return -1;
}

static const char *
kind_noun(enum record_kind k)
{
	switch (k) {
	case KIND_FLAG:
		return "a flag";
	case KIND_EARLY_WARNING:
		return "an early warning";
	case KIND_HUB:
		return "a hub submission";
	case KIND_OUTCOME:
		return "an outcome";
	case KIND_NONE:
		break;
	}
	return "a record";
}

/* ------------------------------------------------------------ state */

static size_t
max_records(const struct validate_ctx *ctx)
{
	return ctx->max_records > 0 && ctx->max_records < HARD_MAX_RECORDS ?
	    ctx->max_records : HARD_MAX_RECORDS;
}

struct fval {
	char **v;	/* normalised values */
	size_t n;
	char *first;	/* a single field: the first value as typed */
	bool given;
	bool bad;
};

struct url_item {
	char *typed;
	char *norm;	/* NULL: not a URL */
};

/* the fields of one source: the form, or one row of a data attachment */
struct fset {
	struct fval f[NF];
	bool bad;		/* a problem that is no field's (not a field) */
	const char *where;	/* NULL for the form */
	struct url_item *url;	/* flag: its URLs, one flag each */
	size_t nurl;
	size_t nurl_bad;
	char **targets;		/* outcome */
	size_t ntargets;
};

struct vc {
	struct validation *v;
	const struct validate_ctx *ctx;
	enum record_kind kind;
	int k;
	size_t dropped;		/* problems past MAX_PROBLEMS */
	size_t unread;		/* data rows past the limit, not read */
	/* flag: url_norm of the records made, for duplicates */
	const char **seen;
	size_t seen_cap, seen_n;
};

static void
fset_free(struct fset *fs)
{
	size_t i, j;

	for (i = 0; i < NF; i++) {
		for (j = 0; j < fs->f[i].n; j++)
			free(fs->f[i].v[j]);
		free(fs->f[i].v);
		free(fs->f[i].first);
	}
	for (i = 0; i < fs->nurl; i++) {
		free(fs->url[i].typed);
		free(fs->url[i].norm);
	}
	free(fs->url);
	for (i = 0; i < fs->ntargets; i++)
		free(fs->targets[i]);
	free(fs->targets);
	memset(fs, 0, sizeof(*fs));
}

/* ---------------------------------------------------------- problems */

static void
prob_vadd(struct vc *vc, const char *field, const char *value,
    const char *where, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

static void
prob_vadd(struct vc *vc, const char *field, const char *value,
    const char *where, const char *fmt, va_list ap)
{
	struct validation *v = vc->v;
	struct buf b = BUF_INIT(TEXT_MAX);
	struct problem *p;

	if (v->nprob >= MAX_PROBLEMS) {
		vc->dropped++;
		return;
	}
	(void)buf_vprintf(&b, fmt, ap);
	v->prob = xreallocarray(v->prob, v->nprob + 1, sizeof(*v->prob));
	p = &v->prob[v->nprob++];
	p->field = field != NULL ? xstrdup(field) : NULL;
	p->value = value != NULL ? xstrdup(value) : NULL;
	p->where = where != NULL ? xstrdup(where) : NULL;
	p->text = buf_detach(&b, NULL);
}

static void
prob_add(struct vc *vc, const char *field, const char *value,
    const char *where, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void
prob_add(struct vc *vc, const char *field, const char *value,
    const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	prob_vadd(vc, field, value, where, fmt, ap);
	va_end(ap);
}

/* moves problems read by batch into the validation */
static void
prob_take(struct vc *vc, const struct problem *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		prob_add(vc, p[i].field, p[i].value, p[i].where, "%s",
		    p[i].text);
}

/*
 * A value as it is quoted in a problem: line breaks as spaces, cut after
 * QUOTE_MAX bytes (on a character boundary) with "...".
 */
struct quote {
	char s[QUOTE_MAX + 4];
};

static const char *
quote(struct quote *q, const char *v)
{
	size_t n = 0, i;

	for (i = 0; v[i] != '\0' && n < QUOTE_MAX; i++)
		q->s[n++] = v[i] == '\n' || v[i] == '\r' || v[i] == '\t' ?
		    ' ' : v[i];
	if (v[i] == '\0') {
		q->s[n] = '\0';
		return q->s;
	}
	/* do not cut a UTF-8 sequence */
	while (n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80)
		n--;
	memcpy(q->s + n, "...", 4);
	return q->s;
}

static const char *
label(int fi)
{
	return lex_field_label(fields[fi].name);
}

/* ------------------------------------------------------------- dates */

struct dt {
	int y, mo, d, h, mi, s;
	bool time, zone, sec;
	int off;		/* minutes east of UTC */
};

static const char *const months[] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
};

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
mdays(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* days since 1970-01-01 (Howard Hinnant's days_from_civil) */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int *y_r, int *m_r, int *d_r)
{
	int64_t era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	*y_r = (int)(y + (m <= 2));
	*m_r = (int)m;
	*d_r = (int)d;
}

static bool
isdig(char c)
{
	return c >= '0' && c <= '9';
}

/* 1 to `max` digits at *p */
static bool
num(const char **p, int min, int max, int *v_r)
{
	int n = 0, v = 0;

	while (isdig(**p) && n < max) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	if (n < min || isdig(**p))
		return false;
	*v_r = v;
	return true;
}

static void
skip_sp(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

static bool
month_name(const char **p, int *m_r)
{
	const char *s = *p;
	size_t n = 0, i;

	while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z'))
		n++;
	if (n < 3)
		return false;
	for (i = 0; i < NELEM(months); i++) {
		if ((n == strlen(months[i]) || n == 3 ||
		    (i == 8 && n == 4)) && strncasecmp(s, months[i], n) == 0) {
			*m_r = (int)i + 1;
			*p = s + n;
			if (**p == '.')
				(*p)++;
			return true;
		}
	}
	return false;
}

struct zone {
	const char *name;
	int off;
};

/* the zones people in the EU write; a numeric offset for the rest */
static const struct zone zones[] = {
	{ "UTC", 0 }, { "GMT", 0 }, { "Z", 0 },
	{ "WET", 0 }, { "WEST", 60 }, { "BST", 60 },
	{ "CET", 60 }, { "CEST", 120 },
	{ "EET", 120 }, { "EEST", 180 },
};

static bool
zone_offset(const char **p, int *off_r)
{
	const char *s = *p;
	int sign, h, m = 0;

	if (*s != '+' && *s != '-')
		return false;
	sign = *s == '-' ? -1 : 1;
	s++;
	if (isdig(s[0]) && isdig(s[1]) && isdig(s[2]) && isdig(s[3]) &&
	    !isdig(s[4])) {
		h = (s[0] - '0') * 10 + (s[1] - '0');
		m = (s[2] - '0') * 10 + (s[3] - '0');
		s += 4;
	} else {
		if (!num(&s, 1, 2, &h))
			return false;
		if (*s == ':') {
			s++;
			if (!num(&s, 2, 2, &m))
				return false;
		}
	}
	if (h > 14 || m > 59)
		return false;
	*off_r = sign * (h * 60 + m);
	*p = s;
	return true;
}

static bool
zone_parse(const char **p, int *off_r)
{
	const char *s = *p;
	size_t i, n;
	int off = 0, extra;

	if (zone_offset(&s, off_r)) {
		*p = s;
		return true;
	}
	for (n = 0; (s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z');
	    n++)
		;
	for (i = 0; i < NELEM(zones); i++)
		if (n == strlen(zones[i].name) &&
		    strncasecmp(s, zones[i].name, n) == 0)
			break;
	if (n == 0 || i == NELEM(zones))
		return false;
	off = zones[i].off;
	s += n;
	/* "UTC+1", "GMT+02:00" */
	if (off == 0 && i < 2 && zone_offset(&s, &extra))
		off = extra;
	*off_r = off;
	*p = s;
	return true;
}

static bool
date_parse(const char *str, struct dt *t)
{
	const char *p = str, *q;

	memset(t, 0, sizeof(*t));
	skip_sp(&p);
	q = p;
	if (num(&q, 4, 4, &t->y) && *q == '-') {
		/* YYYY-MM-DD */
		p = q + 1;
		if (!num(&p, 1, 2, &t->mo) || *p++ != '-' ||
		    !num(&p, 1, 2, &t->d))
			return false;
	} else if (num(&p, 1, 2, &t->d)) {
		if ((*p == '.' || *p == '/') && isdig(p[1])) {
			/* DD.MM.YYYY, DD/MM/YYYY */
			char sep = *p++;

			if (!num(&p, 1, 2, &t->mo) || *p++ != sep ||
			    !num(&p, 4, 4, &t->y))
				return false;
		} else {
			/* 28 November 2026, 28. Nov 2026 */
			if (*p == '.')
				p++;
			skip_sp(&p);
			if (!month_name(&p, &t->mo))
				return false;
			skip_sp(&p);
			if (*p == ',')
				p++;
			skip_sp(&p);
			if (!num(&p, 4, 4, &t->y))
				return false;
		}
	} else if (month_name(&p, &t->mo)) {
		/* November 28, 2026 */
		skip_sp(&p);
		if (!num(&p, 1, 2, &t->d))
			return false;
		if (*p == ',')
			p++;
		skip_sp(&p);
		if (!num(&p, 4, 4, &t->y))
			return false;
	} else
		return false;
	if (t->y < 1900 || t->y > 2199 || t->mo < 1 || t->mo > 12 ||
	    t->d < 1 || t->d > mdays(t->y, t->mo))
		return false;

	/* [T| ]HH:MM[:SS] [zone] */
	q = p;
	if (*q == ',')
		q++;
	if (*q == 'T' || *q == 't')
		q++;
	else
		skip_sp(&q);
	if (q != p && isdig(*q)) {
		p = q;
		if (!num(&p, 1, 2, &t->h) || *p++ != ':' ||
		    !num(&p, 2, 2, &t->mi))
			return false;
		if (*p == ':') {
			p++;
			if (!num(&p, 2, 2, &t->s))
				return false;
			t->sec = true;
		}
		if (t->h > 23 || t->mi > 59 || t->s > 59)
			return false;
		t->time = true;
		q = p;
		skip_sp(&q);
		if (*q != '\0') {
			if (!zone_parse(&q, &t->off))
				return false;
			t->zone = true;
			p = q;
		}
	}
	skip_sp(&p);
	return *p == '\0';
}

/* seconds since the epoch, a zone-less time taken as UTC */
static int64_t
dt_epoch(const struct dt *t, bool end_of_day)
{
	int64_t s;

	s = days_from_civil(t->y, t->mo, t->d) * 86400;
	if (!t->time)
		return end_of_day ? s + 86399 : s;
	return s + t->h * 3600 + t->mi * 60 + t->s - (int64_t)t->off * 60;
}

static char *
dt_format(const struct dt *t)
{
	int64_t e, days, rem;
	int y, mo, d;

	if (!t->time)
		return xasprintf("%04d-%02d-%02d", t->y, t->mo, t->d);
	if (!t->zone) {
		if (t->sec && t->s != 0)
			return xasprintf("%04d-%02d-%02dT%02d:%02d:%02d", t->y,
			    t->mo, t->d, t->h, t->mi, t->s);
		return xasprintf("%04d-%02d-%02dT%02d:%02d", t->y, t->mo,
		    t->d, t->h, t->mi);
	}
	e = dt_epoch(t, false);
	days = e >= 0 ? e / 86400 : (e - 86399) / 86400;
	rem = e - days * 86400;
	civil_from_days(days, &y, &mo, &d);
	if (rem % 60 != 0)
		return xasprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d,
		    (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
	return xasprintf("%04d-%02d-%02dT%02d:%02dZ", y, mo, d,
	    (int)(rem / 3600), (int)(rem / 60 % 60));
}

static char *
epoch_format(int64_t e)
{
	struct dt t;
	int64_t days = e >= 0 ? e / 86400 : (e - 86399) / 86400;
	int64_t rem = e - days * 86400;

	memset(&t, 0, sizeof(t));
	civil_from_days(days, &t.y, &t.mo, &t.d);
	t.h = (int)(rem / 3600);
	t.mi = (int)(rem / 60 % 60);
	t.s = (int)(rem % 60);
	t.time = t.zone = t.sec = true;
	return dt_format(&t);
}

static const char date_forms[] = "write YYYY-MM-DD (also DD.MM.YYYY, "
    "DD/MM/YYYY or 28 November 2026), optionally with HH:MM and a zone";

/* ------------------------------------------------------------ values */

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static char *
trimmed(const char *s, size_t n)
{
	while (n > 0 && is_space(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_space(s[n - 1]))
		n--;
	return xstrndup(s, n);
}

/* items of a list field: split on ',' and ';' */
static size_t
split_list(const char *s, char ***out)
{
	char **v = NULL, *it;
	size_t n = 0, k;

	for (;;) {
		k = strcspn(s, ",;");
		it = trimmed(s, k);
		if (*it != '\0') {
			v = xreallocarray(v, n + 1, sizeof(*v));
			v[n++] = it;
		} else
			free(it);
		if (s[k] == '\0')
			break;
		s += k + 1;
	}
	*out = v;
	return n;
}

/*
 * The URLs of a URL field: split on white space, and on ',' or ';' only
 * before white space or the end (a URL may hold commas).  A URL written
 * "<https://...>" or "text<https://...>" (how mail clients render links
 * as text) is the part in angle brackets.
 */
static size_t
split_urls(const char *s, char ***out)
{
	char **v = NULL;
	const char *e, *lt, *start = s;
	size_t n = 0, len, k;

	for (;;) {
		while (is_space(*s) || ((*s == ',' || *s == ';') &&
		    (is_space(s[1]) || s[1] == '\0')))
			s++;
		if (*s == '\0')
			break;
		for (e = s; *e != '\0' && !is_space(*e); e++)
			if ((*e == ',' || *e == ';') &&
			    (is_space(e[1]) || e[1] == '\0'))
				break;
		len = (size_t)(e - s);
		if (len >= 2 && s[len - 1] == '>' &&
		    (lt = memchr(s, '<', len - 1)) != NULL &&
		    memchr(lt + 1, '<', (size_t)(s + len - 1 - lt - 1)) == NULL) {
			if (lt + 1 < s + len - 1) {
				v = xreallocarray(v, n + 1, sizeof(*v));
				v[n++] = xstrndup(lt + 1,
				    (size_t)(s + len - 1 - lt - 1));
			}
		} else {
			v = xreallocarray(v, n + 1, sizeof(*v));
			v[n++] = xstrndup(s, len);
		}
		s = e;
	}
	/* prose ("see attached") is one bad value, not one per word */
	for (k = 0; k < n && strpbrk(v[k], ".:/") == NULL; k++)
		;
	if (n > 1 && k == n) {
		for (k = 0; k < n; k++)
			free(v[k]);
		v[0] = trimmed(start, strlen(start));
		n = 1;
	}
	*out = v;
	return n;
}

/* outcome references: split on ',' ';' and white space, brackets dropped */
static size_t
split_refs(const char *s, char ***out)
{
	char **v = NULL;
	size_t n = 0, k;

	for (;;) {
		while (*s != '\0' && (is_space(*s) || strchr(",;[]()<>", *s)))
			s++;
		if (*s == '\0')
			break;
		k = strcspn(s, ",; \t\r\n[]()<>");
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = xstrndup(s, k);
		s += k;
	}
	*out = v;
	return n;
}

static bool
has_scheme(const char *s)
{
	const char *c = strstr(s, "://");
	const char *p;

	if (c == NULL || c == s)
		return false;
	for (p = s; p < c; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return false;
	return true;
}

/*
 * What a URL that is not one was probably meant to be: a typo in the
 * scheme ("htps://"), no scheme ("www.example.org/a"), or written
 * "defanged" as analysts do ("hxxps://example[.]org").  NULL when nothing
 * near is a URL.
 */
static char *
url_guess(const char *typed)
{
	struct buf b = BUF_INIT(64 * 1024);
	const char *sep = strstr(typed, "://"), *rest, *p;
	char scheme[16], *norm;
	size_t n;

	if (sep != NULL && has_scheme(typed)) {
		n = (size_t)(sep - typed);
		if (n >= sizeof(scheme))
			return NULL;
		memcpy(scheme, typed, n);
		scheme[n] = '\0';
		if (str_ieq(scheme, "hxxp") || str_ieq(scheme, "hxxps"))
			(void)buf_addstr(&b, n == 4 ? "http://" : "https://");
		else if (str_distance(scheme, "https", 2) <= 2 ||
		    str_distance(scheme, "http", 1) <= 1)
			(void)buf_addstr(&b, str_distance(scheme, "http", 1) <= 1 &&
			    str_distance(scheme, "https", 2) > 1 ? "http://" :
			    "https://");
		else {
			buf_free(&b);
			return NULL;
		}
		rest = sep + 3;
	} else {
		if (strchr(typed, '.') == NULL || strchr(typed, ' ') != NULL)
			return NULL;
		n = strcspn(typed, ":/");
		rest = typed;
		if (typed[n] == ':' && memchr(typed, '.', n) == NULL) {
			/* "https:/x.org", "http:x.org"; not "mailto:..." */
			if (!((n == 4 && strncasecmp(typed, "http", 4) == 0) ||
			    (n == 5 && strncasecmp(typed, "https", 5) == 0))) {
				buf_free(&b);
				return NULL;
			}
			(void)buf_add(&b, typed, n);
			(void)buf_addstr(&b, "://");
			str_lower(b.data);
			rest = typed + n + 1;
		} else
			(void)buf_addstr(&b, "https://");
		while (*rest == '/')
			rest++;
	}
	for (p = rest; *p != '\0'; p++) {
		if ((p[0] == '[' || p[0] == '(') && p[1] == '.' &&
		    (p[2] == ']' || p[2] == ')')) {
			(void)buf_addch(&b, '.');
			p += 2;
		} else
			(void)buf_addch(&b, *p);
	}
	if ((norm = url_normalise(buf_str(&b))) == NULL) {
		buf_free(&b);
		return NULL;
	}
	free(norm);
	return buf_detach(&b, NULL);
}

static bool
is_alpha_start(const char *s)
{
	return (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z');
}

static void
url_problem(struct vc *vc, int fi, const char *typed, const char *where)
{
	struct quote q, q2;
	char *guess;

	if ((guess = url_guess(typed)) != NULL) {
		prob_add(vc, fields[fi].name, typed, where, "%s: '%s' is not "
		    "an absolute http or https address; did you mean '%s'?",
		    label(fi), quote(&q, typed), quote(&q2, guess));
		free(guess);
	} else if (strncasecmp(typed, "http", 4) != 0 && (has_scheme(typed) ||
	    (typed[strspn(typed, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ")] == ':' && is_alpha_start(typed))))
		prob_add(vc, fields[fi].name, typed, where, "%s: '%s' is not "
		    "an absolute http or https address; only web content can "
		    "be given", label(fi), quote(&q, typed));
	else
		prob_add(vc, fields[fi].name, typed, where, "%s: '%s' is not "
		    "an absolute http or https address; copy it from the "
		    "browser's address bar (https://...)", label(fi),
		    quote(&q, typed));
}

/* the words of s, each a code of the list: "DE FR" */
static bool
all_words(const char *s, const char *(*look)(const char *), char ***out,
    size_t *n_r)
{
	char **v = NULL, *w;
	const char *code;
	size_t n = 0, k, i;

	for (;;) {
		while (is_space(*s))
			s++;
		if (*s == '\0')
			break;
		k = strcspn(s, " \t\r\n");
		w = xstrndup(s, k);
		code = k <= 3 ? look(w) : NULL;
		free(w);
		if (code == NULL) {
			for (i = 0; i < n; i++)
				free(v[i]);
			free(v);
			return false;
		}
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = xstrdup(code);
		s += k;
	}
	*out = v;
	*n_r = n;
	return n > 1;
}

/* a single-valued field given a list whose every item is good */
static bool
several(int fi, const char *item)
{
	char **it;
	size_t n, i;
	bool all = true;

	if (strpbrk(item, ",;") == NULL)
		return false;
	n = split_list(item, &it);
	for (i = 0; i < n; i++) {
		if (fields[fi].t == V_LANG ? lex_language(it[i]) == NULL :
		    lex_match(fields[fi].closed, it[i]) == NULL)
			all = false;
		free(it[i]);
	}
	free(it);
	return all && n > 1;
}

/*
 * One value of field fi to its normalised form, or NULL with a problem.
 */
static char *
check_value(struct vc *vc, int fi, const char *item, const char *where)
{
	const struct fspec *fs = &fields[fi];
	const struct validate_ctx *ctx = vc->ctx;
	struct buf b = BUF_INIT(TEXT_MAX);
	struct quote q;
	const char *v, *near;
	char *norm;
	struct dt t;
	size_t i;
	bool list = (fs->use[vc->k] & L) != 0;

	switch (fs->t) {
	case V_KIND:
		if (kind_parse(item) == vc->kind)
			return xstrdup(kind_name(vc->kind));
		prob_add(vc, fs->name, item, where, "%s: '%s' is not %s; "
		    "every row of a data attachment is %s: remove the type "
		    "or write '%s'", label(fi), quote(&q, item),
		    kind_noun(vc->kind), kind_noun(vc->kind),
		    kind_name(vc->kind));
		return NULL;
	case V_TEXT:
	case V_FREE:
		return xstrdup(item);
	case V_CLOSED:
		if ((v = lex_match(fs->closed, item)) != NULL)
			return xstrdup(v);
		if (!list && several(fi, item)) {
			(void)buf_printf(&b, "%s: '%s' is more than one value; "
			    "%s takes one", label(fi), quote(&q, item),
			    kind_noun(vc->kind));
			break;
		}
		(void)buf_printf(&b, "%s: '%s' is not %s; ", label(fi),
		    quote(&q, item), fs->closed->noun);
		(void)lex_suggest(fs->closed, item, &b);
		break;
	case V_LANG:
		if ((v = lex_language(item)) != NULL)
			return xstrdup(v);
		if (!list && several(fi, item)) {
			(void)buf_printf(&b, "%s: '%s' is more than one "
			    "language; %s takes one: %s", label(fi),
			    quote(&q, item), kind_noun(vc->kind),
			    vc->kind == KIND_HUB ? "the language of the "
			    "material" : "the language of the content");
			break;
		}
		(void)buf_printf(&b, "%s: '%s' is not a language; ", label(fi),
		    quote(&q, item));
		if ((near = lex_language_nearest(item)) != NULL)
			(void)buf_printf(&b, "did you mean '%s' (%s)?",
			    lex_language_name(near), near);
		else
			(void)buf_printf(&b, "write an ISO 639-1 code such as "
			    "de, fr or pl, or the English name (German)");
		break;
	case V_COUNTRY:
		if ((v = lex_country(item)) != NULL)
			return xstrdup(v);
		(void)buf_printf(&b, "%s: '%s' is not a country; ", label(fi),
		    quote(&q, item));
		if ((near = lex_country_nearest(item)) != NULL)
			(void)buf_printf(&b, "did you mean '%s' (%s)?",
			    lex_country_name(near), near);
		else
			(void)buf_printf(&b, "write an ISO 3166-1 code such "
			    "as DE, FR or PL, or EU for all member states");
		break;
	case V_PLATFORM:
		if (ctx->nplatforms == 0) {
			/* no contacts table to check against */
			norm = xstrdup(item);
			str_lower(norm);
			return norm;
		}
		if ((v = lex_match_in((const char *const *)(uintptr_t)
		    ctx->platforms, ctx->nplatforms, item)) != NULL)
			return xstrdup(v);
		(void)buf_printf(&b, "%s: '%s' is not a platform the gateway "
		    "knows; ", label(fi), quote(&q, item));
		if ((near = lex_nearest((const char *const *)(uintptr_t)
		    ctx->platforms, ctx->nplatforms, item)) != NULL)
			(void)buf_printf(&b, "did you mean '%s'?", near);
		else {
			(void)buf_printf(&b, "the platforms are: ");
			for (i = 0; i < ctx->nplatforms; i++)
				(void)buf_printf(&b, "%s%s", i ? ", " : "",
				    ctx->platforms[i]);
		}
		break;
	case V_URL:
		if ((norm = url_normalise(item)) != NULL) {
			free(norm);
			return xstrdup(item);
		}
		url_problem(vc, fi, item, where);
		return NULL;
	case V_DATE:
		if (date_parse(item, &t))
			return dt_format(&t);
		(void)buf_printf(&b, "%s: '%s' is not a date; %s", label(fi),
		    quote(&q, item), date_forms);
		break;
	case V_YES:
		if (str_ieq(item, "yes") || str_ieq(item, "y") ||
		    str_ieq(item, "true"))
			return xstrdup("yes");
		(void)buf_printf(&b, "%s: '%s' must be 'yes'; %s", label(fi),
		    quote(&q, item), fs->need);
		break;
	}
	prob_add(vc, fs->name, item, where, "%s", buf_str(&b));
	buf_free(&b);
	return NULL;
}

static bool
has_value(const struct fval *fv, const char *s)
{
	size_t i;

	for (i = 0; i < fv->n; i++)
		if (strcmp(fv->v[i], s) == 0)
			return true;
	return false;
}

static void
fval_push(struct fval *fv, char *s)
{
	if (has_value(fv, s)) {
		free(s);
		return;
	}
	fv->v = xreallocarray(fv->v, fv->n + 1, sizeof(*fv->v));
	fv->v[fv->n++] = s;
}

/* outcome: the references of the flags answered */
static void
add_target(struct fset *fs, const char *ref)
{
	size_t i;

	for (i = 0; i < fs->ntargets; i++)
		if (strcmp(fs->targets[i], ref) == 0)
			return;
	fs->targets = xreallocarray(fs->targets, fs->ntargets + 1,
	    sizeof(*fs->targets));
	fs->targets[fs->ntargets++] = xstrdup(ref);
}

static void
collect_refs(struct vc *vc, struct fset *fs, int fi, const char *value)
{
	char **it, ref[64];
	size_t n, i, len;
	struct quote q;

	n = split_refs(value, &it);
	for (i = 0; i < n; i++) {
		len = strlen(it[i]);
		if (lex_flag_ref(it[i], len, ref, sizeof(ref)) == len &&
		    len < sizeof(ref))
			add_target(fs, ref);
		else if (strncasecmp(it[i], "FLG", 3) == 0) {
			prob_add(vc, fields[fi].name, it[i], fs->where,
			    "%s: '%s' is not the reference of a flag; write it "
			    "as FLG-2026-000123", label(fi), quote(&q, it[i]));
			fs->f[fi].bad = true;
		}
		free(it[i]);
	}
	free(it);
	fs->f[fi].given = true;
}

/*
 * One occurrence of a field in a source: checked, normalised, added.
 * `upos` counts the URLs of the form for "URL 2".
 */
static void
collect(struct vc *vc, struct fset *fs, const char *name, const char *value,
    size_t *upos)
{
	struct fval *fv;
	struct quote q, q2;
	char **it = NULL, *norm, *where = NULL;
	size_t n, i;
	int fi;

	if ((fi = field_index(name)) < 0)
		return;
	fv = &fs->f[fi];
	if (!(fields[fi].use[vc->k] & A)) {
		struct buf b = BUF_INIT(TEXT_MAX);

		for (i = 0; i < NF; i++)
			if ((fields[i].use[vc->k] & A) && fields[i].t != V_KIND)
				(void)buf_printf(&b, "%s%s", b.len ? ", " : "",
				    label((int)i));
		prob_add(vc, name, value, fs->where, "%s: not a field of %s; "
		    "remove it (%s takes %s)", label(fi), kind_noun(vc->kind),
		    kind_noun(vc->kind), buf_str(&b));
		buf_free(&b);
		fs->bad = true;
		return;
	}
	if (fields[fi].t == V_KIND && fs->where == NULL)
		return;		/* the form's Type made the kind */
	n = strspn(value, " \t\r\n");
	if (value[n] == '\0')
		return;		/* empty: as if not given */

	if (vc->kind == KIND_OUTCOME && fields[fi].t == V_TEXT &&
	    strcmp(name, "reference") == 0) {
		collect_refs(vc, fs, fi, value);
		return;
	}
	if (vc->kind == KIND_FLAG && fields[fi].t == V_URL) {
		/* every URL is a flag of its own; checked one by one */
		n = split_urls(value, &it);
		for (i = 0; i < n; i++) {
			fs->url = xreallocarray(fs->url, fs->nurl + 1,
			    sizeof(*fs->url));
			fs->url[fs->nurl].typed = it[i];
			norm = url_normalise(it[i]);
			fs->url[fs->nurl].norm = norm;
			fs->nurl++;
			(*upos)++;
			if (norm == NULL) {
				if (fs->where == NULL)
					where = xasprintf("URL %zu", *upos);
				url_problem(vc, fi, it[i], fs->where != NULL ?
				    fs->where : where);
				free(where);
				where = NULL;
				fs->nurl_bad++;
			}
		}
		free(it);
		fv->given = true;
		return;
	}

	if (fields[fi].use[vc->k] & L) {
		if (fields[fi].t == V_URL)
			n = split_urls(value, &it);
		else
			n = split_list(value, &it);
	} else {
		it = xmalloc(sizeof(*it));
		it[0] = trimmed(value, strlen(value));
		n = 1;
	}
	for (i = 0; i < n; i++) {
		char **words;
		size_t nw, w;

		/* "Country: DE FR": codes separated by spaces only */
		if ((fields[fi].use[vc->k] & L) && (fields[fi].t == V_COUNTRY ||
		    fields[fi].t == V_LANG) && strpbrk(it[i], " \t") != NULL &&
		    (fields[fi].t == V_COUNTRY ? lex_country(it[i]) :
		    lex_language(it[i])) == NULL &&
		    all_words(it[i], fields[fi].t == V_COUNTRY ? lex_country :
		    lex_language, &words, &nw)) {
			for (w = 0; w < nw; w++)
				fval_push(fv, words[w]);
			free(words);
			fv->given = true;
			free(it[i]);
			continue;
		}
		norm = check_value(vc, fi, it[i], fs->where);
		if (norm == NULL) {
			fv->bad = true;
			fv->given = true;
			free(it[i]);
			continue;
		}
		if (!(fields[fi].use[vc->k] & L)) {
			if (fv->n > 0 && strcmp(fv->v[0], norm) != 0) {
				prob_add(vc, name, it[i], fs->where, "%s: given "
				    "twice ('%s' and '%s'); give one value",
				    label(fi), quote(&q, fv->first),
				    quote(&q2, it[i]));
				fv->bad = true;
				free(norm);
				free(it[i]);
				continue;
			}
			if (fv->first == NULL)
				fv->first = xstrdup(it[i]);
		}
		fv->given = true;
		fval_push(fv, norm);
		free(it[i]);
	}
	free(it);
}

/* ------------------------------------------------------------ records */

static bool
required(const struct vc *vc, int fi)
{
	if (!(fields[fi].use[vc->k] & R))
		return false;
	if (fields[fi].t == V_YES && vc->ctx->good_faith_standing)
		return false;
	return true;
}

/* which source gives field fi: the row when it has it, else the form */
static const struct fval *
pick(const struct fset *form, const struct fset *row, int fi)
{
	if (row != NULL && row->f[fi].given)
		return &row->f[fi];
	return &form->f[fi];
}

static void
missing(struct vc *vc, int fi, const char *where, const char *extra)
{
	prob_add(vc, fields[fi].name, NULL, where, "%s: missing; %s%s",
	    label(fi), fields[fi].need != NULL ? fields[fi].need :
	    "give a value", extra != NULL ? extra : "");
}

/*
 * Whether the fields of a record from `form` and `row` (NULL: the form
 * alone) are complete and good; reports what is missing unless `quiet`
 * (a field in `quiet_fields` was reported once for a whole file).
 */
static bool
record_ok(struct vc *vc, const struct fset *form, const struct fset *row,
    const char *where, const bool *reported)
{
	const struct fval *fv;
	bool ok = !form->bad && (row == NULL || !row->bad);
	size_t i;

	for (i = 0; i < NF; i++) {
		if (vc->kind == KIND_FLAG && fields[i].t == V_URL)
			continue;	/* each URL is checked on its own */
		fv = pick(form, row, (int)i);
		if (fv->bad)
			ok = false;
		if (!fv->given && required(vc, (int)i)) {
			ok = false;
			if (reported == NULL || !reported[i])
				missing(vc, (int)i, where, NULL);
		}
	}
	return ok;
}

static void
rec_add_field(struct record *r, const char *name, char *const *v, size_t n)
{
	struct record_field *f;
	size_t i;

	/* r->f has room for every field (rec_new) */
	f = &r->f[r->n++];
	f->name = name;
	f->n = n;
	f->v = xreallocarray(NULL, n, sizeof(*f->v));
	for (i = 0; i < n; i++)
		f->v[i] = xstrdup(v[i]);
}

static struct record *
rec_new(struct vc *vc, const struct fset *form, const struct fset *row,
    const char *where)
{
	struct validation *v = vc->v;
	const struct validate_ctx *ctx = vc->ctx;
	const struct fval *fv;
	struct record *r;
	size_t i;

	v->rec = xreallocarray(v->rec, v->nrec + 1, sizeof(*v->rec));
	r = &v->rec[v->nrec++];
	memset(r, 0, sizeof(*r));
	r->kind = vc->kind;
	r->where = where != NULL ? xstrdup(where) : NULL;
	r->f = xreallocarray(NULL, NF, sizeof(*r->f));
	for (i = 0; i < NF; i++) {
		if (fields[i].t == V_KIND ||
		    (vc->kind == KIND_FLAG && fields[i].t == V_URL))
			continue;
		fv = pick(form, row, (int)i);
		if (fv->n > 0)
			rec_add_field(r, fields[i].name, fv->v, fv->n);
		else if (vc->kind == KIND_HUB &&
		    strcmp(fields[i].name, "access") == 0) {
			char *dflt = (char *)(uintptr_t)"signatories";

			rec_add_field(r, fields[i].name, &dflt, 1);
		} else if (vc->kind == KIND_HUB &&
		    strcmp(fields[i].name, "licence") == 0 &&
		    ctx->default_licence != NULL) {
			char *dflt = (char *)(uintptr_t)ctx->default_licence;

			rec_add_field(r, fields[i].name, &dflt, 1);
		} else if (vc->kind == KIND_FLAG && fields[i].t == V_YES &&
		    ctx->good_faith_standing) {
			/* the statement the flag stands on, kept with it */
			char *dflt = (char *)(uintptr_t)"standing declaration";

			rec_add_field(r, fields[i].name, &dflt, 1);
		} else if (vc->kind == KIND_OUTCOME &&
		    strcmp(fields[i].name, "decided") == 0 &&
		    ctx->mail_date >= 0) {
			char *dflt = epoch_format(ctx->mail_date);

			rec_add_field(r, fields[i].name, &dflt, 1);
			free(dflt);
		}
	}
	return r;
}

static void
record_clear(struct record *r)
{
	size_t i, j;

	for (i = 0; i < r->n; i++) {
		for (j = 0; j < r->f[i].n; j++)
			free(r->f[i].v[j]);
		free(r->f[i].v);
	}
	free(r->f);
	free(r->url);
	free(r->url_norm);
	free(r->where);
	for (i = 0; i < r->ntargets; i++)
		free(r->targets[i]);
	free(r->targets);
}

/* flag: a URL already made into a record (normalised form) */
static bool
seen_add(struct vc *vc, const char *norm)
{
	size_t h = 5381, i, mask;
	const char *p;

	if (vc->seen_n * 2 >= vc->seen_cap) {
		const char **old = vc->seen;
		size_t oldcap = vc->seen_cap;

		vc->seen_cap = oldcap ? oldcap * 2 : 64;
		vc->seen = xcalloc(vc->seen_cap, sizeof(*vc->seen));
		vc->seen_n = 0;
		for (i = 0; i < oldcap; i++)
			if (old[i] != NULL)
				(void)seen_add(vc, old[i]);
		free(old);
	}
	for (p = norm; *p != '\0'; p++)
		h = h * 33 + (unsigned char)*p;
	mask = vc->seen_cap - 1;
	for (i = h & mask; vc->seen[i] != NULL; i = (i + 1) & mask)
		if (strcmp(vc->seen[i], norm) == 0)
			return false;
	vc->seen[i] = norm;
	vc->seen_n++;
	return true;
}

/* flag: one record per good URL of `src` (the form or a row) */
static void
make_flags(struct vc *vc, const struct fset *form, const struct fset *row,
    bool ok)
{
	const struct fset *src = row != NULL ? row : form;
	struct record *r;
	char *norm;
	size_t i;

	for (i = 0; i < src->nurl; i++) {
		if (src->url[i].norm == NULL)
			continue;	/* reported and counted */
		if (!ok) {
			vc->v->rejected++;
			continue;
		}
		/* the table keeps the record's own copy */
		norm = xstrdup(src->url[i].norm);
		if (!seen_add(vc, norm)) {
			free(norm);	/* the same content twice: one flag */
			continue;
		}
		r = rec_new(vc, form, row, src->where);
		r->url = xstrdup(src->url[i].typed);
		r->url_norm = norm;
	}
	vc->v->rejected += src->nurl_bad;
}

/* --------------------------------------------------------- the kinds */

static void
collect_form(struct vc *vc, const struct form *form, struct fset *fs)
{
	size_t i, upos = 0;

	fs->where = NULL;
	for (i = 0; form != NULL && i < form->n; i++)
		collect(vc, fs, form->f[i].name, form->f[i].value, &upos);
}

static bool
date_of(const struct fset *fs, const char *name, struct dt *t)
{
	int fi = field_index(name);

	return fi >= 0 && fs->f[fi].n > 0 && !fs->f[fi].bad &&
	    date_parse(fs->f[fi].v[0], t);
}

/* Ends not before Starts, Period-End not before Period-Start */
static bool
order_ok(struct vc *vc, const struct fset *fs, const char *first,
    const char *second, const char *what)
{
	struct dt a, b;
	struct quote q, q2;
	int fa = field_index(first), fb = field_index(second);

	if (!date_of(fs, first, &a) || !date_of(fs, second, &b))
		return true;
	if (dt_epoch(&b, true) >= dt_epoch(&a, false))
		return true;
	prob_add(vc, second, fs->f[fb].first, NULL, "%s: '%s' is before "
	    "%s ('%s'); %s cannot end before it starts", label(fb),
	    quote(&q, fs->f[fb].first), label(fa), quote(&q2, fs->f[fa].first),
	    what);
	return false;
}

static void
validate_single(struct vc *vc, const struct form *form, const char *subject)
{
	struct fset fs;
	struct record *r;
	const char *cat = NULL;
	bool ok;
	char ref[64];
	const char *p;
	size_t i, len;
	int fi;

	memset(&fs, 0, sizeof(fs));
	if (vc->kind == KIND_OUTCOME && subject != NULL) {
		/* the references in the Subject come first */
		for (p = subject; (p = strchr(p, '[')) != NULL; p++) {
			len = strcspn(p + 1, "]");
			if (p[1 + len] == ']' &&
			    lex_flag_ref(p + 1, len, ref, sizeof(ref)) == len &&
			    len < sizeof(ref))
				add_target(&fs, ref);
		}
	}
	collect_form(vc, form, &fs);
	ok = record_ok(vc, &fs, NULL, NULL, NULL);

	switch (vc->kind) {
	case KIND_EARLY_WARNING:
		ok &= order_ok(vc, &fs, "starts", "ends", "an event");
		break;
	case KIND_HUB:
		fi = field_index("category");
		if (fs.f[fi].n > 0)
			cat = fs.f[fi].v[0];
		if (cat != NULL && (strcmp(cat, "transparency-report") == 0 ||
		    strcmp(cat, "monitoring-result") == 0)) {
			static const char *const per[] = {
				"period-start", "period-end",
			};

			for (i = 0; i < NELEM(per); i++) {
				fi = field_index(per[i]);
				if (fs.f[fi].given)
					continue;
				prob_add(vc, per[i], NULL, NULL, "%s: missing; "
				    "a %s covers a period: give its %s day, "
				    "e.g. '%s: %s'", label(fi), cat,
				    i == 0 ? "first" : "last", label(fi),
				    i == 0 ? "2026-01-01" : "2026-06-30");
				ok = false;
			}
		}
		ok &= order_ok(vc, &fs, "period-start", "period-end",
		    "a period");
		break;
	case KIND_OUTCOME:
		if (fs.ntargets == 0 && !fs.f[field_index("reference")].bad) {
			prob_add(vc, "reference", NULL, NULL, "Reference: "
			    "missing; give the reference of the flag this "
			    "answers (FLG-2026-000123) in the Subject, as "
			    "[FLG-2026-000123], or in a Reference: line");
			ok = false;
		}
		break;
	default:
		break;
	}
	if (ok) {
		r = rec_new(vc, &fs, NULL, NULL);
		if (vc->kind == KIND_OUTCOME) {
			r->targets = fs.targets;
			r->ntargets = fs.ntargets;
			fs.targets = NULL;
			fs.ntargets = 0;
		}
	} else
		vc->v->rejected++;
	fset_free(&fs);
}

/* the names of a flag's fields as data columns: "url, ground, ..." */
static char *
flag_columns(void)
{
	struct buf b = BUF_INIT(TEXT_MAX);
	size_t i;
	char *s, *p;

	for (i = 0; i < NF; i++)
		if ((fields[i].use[K_FLAG] & A) && fields[i].t != V_KIND)
			(void)buf_printf(&b, "%s%s", b.len ? ", " : "",
			    fields[i].name);
	s = buf_detach(&b, NULL);
	for (p = s; *p != '\0'; p++)
		if (*p == '-')
			*p = '_';
	return s;
}

/* required fields that neither a column nor the form gives: once a file */
static bool
batch_columns(struct vc *vc, const struct fset *form, const struct batch *b,
    const char *hint, bool *reported)
{
	bool ok = true;
	size_t i, j;
	int fi;

	for (i = 0; i < b->ncolumns; i++) {
		fi = field_index(b->columns[i]);
		if (fi < 0 || (fields[fi].use[K_FLAG] & A))
			continue;
		prob_add(vc, fields[fi].name, NULL, b->where, "%s: not a "
		    "field of a flag; remove the column or name it after a "
		    "field: %s", label(fi), hint);
		ok = false;
	}
	for (i = 0; i < NF; i++) {
		bool url = vc->kind == KIND_FLAG && fields[i].t == V_URL;

		if (!required(vc, (int)i) || (!url && form->f[i].given))
			continue;
		for (j = 0; j < b->ncolumns; j++)
			if (strcmp(b->columns[j], fields[i].name) == 0)
				break;
		if (j < b->ncolumns)
			continue;
		if (url)
			prob_add(vc, fields[i].name, NULL, b->where, "%s: "
			    "missing; %s in a column 'url' of %s",
			    label((int)i), fields[i].need, b->label);
		else
			prob_add(vc, fields[i].name, NULL, b->where, "%s: "
			    "missing; %s (in a column '%s' of %s, or in a "
			    "line '%s:' of the mail for every row)",
			    label((int)i), fields[i].need, fields[i].name,
			    b->label, label((int)i));
		reported[i] = true;
		ok = false;
	}
	return ok;
}

/* a flag's rows from one data attachment */
static void
validate_batch(struct vc *vc, const struct fset *form, struct batch *b,
    const char *hint)
{
	struct fset row;
	bool file_ok, ok, reported[NF];
	size_t i, j, upos;
	int fi, url = field_index("url");

	prob_take(vc, b->prob, b->nprob);
	file_ok = b->nprob == 0;
	memset(reported, 0, sizeof(reported));
	if (b->type == BATCH_CSV && (b->nrow > 0 || b->nmore > 0))
		file_ok &= batch_columns(vc, form, b, hint, reported);
	for (i = 0; i < b->nrow; i++) {
		struct batch_row *br = &b->row[i];

		memset(&row, 0, sizeof(row));
		row.where = br->where;
		prob_take(vc, br->prob, br->nprob);
		for (j = 0; j < br->nprob; j++) {
			/* a value batch could not read is given, and bad */
			if (br->prob[j].field != NULL &&
			    (fi = field_index(br->prob[j].field)) >= 0)
				row.f[fi].given = row.f[fi].bad = true;
		}
		if (br->n == 0 && br->nprob > 0) {
			/* not an object of fields: said once, nothing more */
			vc->v->rejected++;
			fset_free(&row);
			continue;
		}
		upos = 0;
		for (j = 0; j < br->n; j++) {
			fi = field_index(br->v[j].name);
			if (b->type == BATCH_CSV && fi >= 0 &&
			    !(fields[fi].use[K_FLAG] & A))
				continue;	/* reported for the file */
			collect(vc, &row, br->v[j].name, br->v[j].value, &upos);
		}
		if (row.nurl == 0 && !reported[url])
			missing(vc, url, br->where, NULL);
		ok = record_ok(vc, form, &row, br->where, reported);
		ok = ok && file_ok && br->nprob == 0;
		if (row.nurl == 0)
			vc->v->rejected++;
		else
			make_flags(vc, form, &row, ok);
		fset_free(&row);
	}
	vc->unread += b->nmore;
}

static void
validate_flags(struct vc *vc, const struct form *form,
    const struct mime_msg *msg)
{
	struct fset fs;
	struct batch **b = NULL;
	char *hint = NULL;
	size_t i, nb = 0, nrows = 0;
	bool ok;

	memset(&fs, 0, sizeof(fs));
	collect_form(vc, form, &fs);
	for (i = 0; msg != NULL && i < msg->natt; i++) {
		if (batch_type_of(&msg->att[i]) == BATCH_NONE)
			continue;
		if (hint == NULL)
			hint = flag_columns();
		b = xreallocarray(b, nb + 1, sizeof(*b));
		b[nb] = batch_read(&msg->att[i], i + 1, hint,
		    max_records(vc->ctx));
		nrows += b[nb]->nrow + b[nb]->nmore;
		nb++;
	}
	/*
	 * The form's URLs make flags of their own; its other fields are
	 * defaults for the rows of data attachments.  So what the form
	 * lacks is reported for the form when it makes flags itself, or
	 * when nothing else does.
	 */
	if (fs.nurl > 0 || nrows == 0) {
		if (fs.nurl == 0) {
			missing(vc, field_index("url"), NULL, NULL);
			vc->v->rejected++;
		}
		ok = record_ok(vc, &fs, NULL, NULL, NULL);
		make_flags(vc, &fs, NULL, ok);
	}
	for (i = 0; i < nb; i++) {
		validate_batch(vc, &fs, b[i], hint);
		batch_free(&b[i]);
	}
	free(b);
	free(hint);
	fset_free(&fs);
}

/* ------------------------------------------------------------- public */

static const struct validate_ctx default_ctx = {
	false, NULL, NULL, 0, 0, -1,
};

struct validation *
validate_mail(const struct form *form, enum record_kind kind,
    const char *subject, const struct mime_msg *msg,
    const struct validate_ctx *ctx)
{
	struct vc vc;
	struct validation *v = xcalloc(1, sizeof(*v));
	size_t i, max;

	memset(&vc, 0, sizeof(vc));
	vc.v = v;
	vc.ctx = ctx != NULL ? ctx : &default_ctx;
	vc.kind = kind;
	v->kind = kind;
	if ((vc.k = kidx(kind)) < 0) {
		prob_add(&vc, NULL, NULL, NULL, "the mail says no kind of "
		    "record; write 'Type: flag' (or early-warning, hub, "
		    "outcome)");
		return v;
	}
	if (kind == KIND_FLAG)
		validate_flags(&vc, form, msg);
	else
		validate_single(&vc, form, subject);
	free(vc.seen);

	/* data rows past the limit were counted, not read */
	max = max_records(vc.ctx);
	if (vc.unread > 0)
		prob_add(&vc, NULL, NULL, NULL, "the mail makes more than %zu "
		    "records; at most %zu are taken per mail", max, max);
	else if (v->nrec > max)
		prob_add(&vc, NULL, NULL, NULL, "the mail makes %zu records; "
		    "at most %zu are taken per mail", v->nrec, max);
	if (v->nrec > max) {
		for (i = max; i < v->nrec; i++)
			record_clear(&v->rec[i]);
		v->rejected += v->nrec - max;
		v->nrec = max;
	}
	v->rejected += vc.unread;
	if (vc.dropped > 0) {
		v->prob = xreallocarray(v->prob, v->nprob + 1,
		    sizeof(*v->prob));
		memset(&v->prob[v->nprob], 0, sizeof(v->prob[0]));
		v->prob[v->nprob++].text = xasprintf("and %zu more problems "
		    "like these", vc.dropped);
	}
	return v;
}

void
validation_free(struct validation **vp)
{
	struct validation *v;
	size_t i;

	if (vp == NULL || (v = *vp) == NULL)
		return;
	for (i = 0; i < v->nrec; i++)
		record_clear(&v->rec[i]);
	free(v->rec);
	for (i = 0; i < v->nprob; i++) {
		free(v->prob[i].field);
		free(v->prob[i].value);
		free(v->prob[i].where);
		free(v->prob[i].text);
	}
	free(v->prob);
	free(v);
	*vp = NULL;
}

const char *
record_get(const struct record *r, const char *name)
{
	size_t i;

	if (r == NULL || name == NULL)
		return NULL;
	for (i = 0; i < r->n; i++)
		if (strcmp(r->f[i].name, name) == 0)
			return r->f[i].n > 0 ? r->f[i].v[0] : NULL;
	if (strcmp(name, "url") == 0 && r->url != NULL)
		return r->url;
	return NULL;
}

/* one key of a record's JSON: a string, or an array of strings */
struct json_item {
	char key[64];
	char *const *v;
	size_t n;
	bool list;
	size_t order;		/* later items replace earlier ones */
};

static int
json_item_cmp(const void *a, const void *b)
{
	const struct json_item *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* a JSON string (RFC 8259) of valid UTF-8, as jansson writes it */
static void
json_put_string(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	buf_addch(b, '"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[7];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_add(b, run, (size_t)(s - run));
		run = s + 1;
		esc[0] = '\\';
		switch (c) {
		case '"': case '\\':
			esc[1] = (char)c;
			buf_add(b, esc, 2);
			break;
		case '\b': esc[1] = 'b'; buf_add(b, esc, 2); break;
		case '\f': esc[1] = 'f'; buf_add(b, esc, 2); break;
		case '\n': esc[1] = 'n'; buf_add(b, esc, 2); break;
		case '\r': esc[1] = 'r'; buf_add(b, esc, 2); break;
		case '\t': esc[1] = 't'; buf_add(b, esc, 2); break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			buf_add(b, esc, 6);
			break;
		}
	}
	buf_add(b, run, (size_t)(s - run));
	buf_addch(b, '"');
}

/*
 * The fields of a record as one compact JSON object with sorted keys.
 * Written by hand rather than through jansson: it is on the ingest path
 * of every record, and a direct encoder is several times faster.
 * test-validate checks that jansson reads back what it writes.
 */
char *
record_fields_json(const struct record *r)
{
	struct json_item *items;
	struct buf b;
	char *s;
	size_t i, j, n = 0, cap;
	int fi, k;

	if (r == NULL)
		return NULL;
	cap = r->n + 3;
	items = xcalloc(cap, sizeof(*items));
	k = kidx(r->kind);
	for (i = 0; i < r->n; i++) {
		size_t len = strlen(r->f[i].name);

		if (len >= sizeof(items[n].key))
			continue;
		memcpy(items[n].key, r->f[i].name, len + 1);
		for (s = items[n].key; *s != '\0'; s++)
			if (*s == '-')
				*s = '_';
		fi = field_index(r->f[i].name);
		items[n].list = fi >= 0 && k >= 0 && (fields[fi].use[k] & L);
		if (!items[n].list && r->f[i].n == 0)
			continue;
		items[n].v = r->f[i].v;
		items[n].n = items[n].list ? r->f[i].n : 1;
		items[n].order = n;
		n++;
	}
	if (r->url != NULL) {
		memcpy(items[n].key, "url", 4);
		items[n].v = &r->url;
		items[n].n = 1;
		items[n].order = n;
		n++;
	}
	if (r->url_norm != NULL) {
		memcpy(items[n].key, "url_norm", 9);
		items[n].v = &r->url_norm;
		items[n].n = 1;
		items[n].order = n;
		n++;
	}
	if (r->kind == KIND_OUTCOME) {
		memcpy(items[n].key, "targets", 8);
		items[n].v = r->targets;
		items[n].n = r->ntargets;
		items[n].list = true;
		items[n].order = n;
		n++;
	}
	qsort(items, n, sizeof(*items), json_item_cmp);

	buf_init(&b, SIZE_MAX / 2);
	buf_addch(&b, '{');
	for (i = 0; i < n; i++) {
		/* of equal keys the last one set wins */
		if (i + 1 < n && strcmp(items[i].key, items[i + 1].key) == 0)
			continue;
		if (b.len > 1)
			buf_addch(&b, ',');
		json_put_string(&b, items[i].key);
		buf_addch(&b, ':');
		if (items[i].list)
			buf_addch(&b, '[');
		for (j = 0; j < items[i].n; j++) {
			if (j > 0)
				buf_addch(&b, ',');
			json_put_string(&b, items[i].v[j]);
		}
		if (items[i].list)
			buf_addch(&b, ']');
	}
	buf_addch(&b, '}');
	free(items);
	return buf_detach(&b, NULL);
}
