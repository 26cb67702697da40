/* lexicon.c: the closed value lists of the mail format and their lookups */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "lexicon.h"
#include "lexicon-iso.h"
#include "util.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* values longer than this are in no list */
#define LEX_MAX 64

static const char *const ground_v[] = {
	"antisemitism", "anti-muslim-hatred", "antigypsyism", "afrophobia",
	"xenophobia", "anti-migrant-hatred", "racism", "ethnic-origin",
	"national-origin", "religion", "sexual-orientation", "gender-identity",
	"gender", "disability", "other",
};
static const char *const severity_v[] = {
	"violence", "incitement", "defamation", "other",
};
static const char *const channel_v[] = {
	"trusted-flagger", "user", "other",
};
static const char *const event_type_v[] = {
	"election", "commemoration", "religious-holiday", "sports-event",
	"demonstration", "attack", "court-ruling", "legislative-debate",
	"armed-conflict", "pride-event", "other",
};
static const char *const risk_v[] = {
	"low", "medium", "high", "critical",
};
static const char *const category_v[] = {
	"campaign", "data", "policy-update", "transparency-report",
	"monitoring-result", "research", "best-practice", "training", "event",
};
static const char *const access_v[] = {
	"public", "signatories", "commission",
};
static const char *const status_v[] = {
	"received", "removed", "disabled", "geo-blocked", "restricted",
	"no-action", "not-illegal", "need-info",
};
static const char *const kind_v[] = {
	"flag", "early-warning", "hub", "outcome",
};
static const struct lex_alias kind_a[] = {
	{ "notice", "flag" },
	{ "warning", "early-warning" },
	{ "ew", "early-warning" },
	{ "submission", "hub" },
	{ "hub-submission", "hub" },
	{ "best-practice", "hub" },
	{ "knowledge", "hub" },
	{ "status", "outcome" },
	{ "decision", "outcome" },
};

#define LIST(v) (v), NELEM(v), NULL, 0

const struct lex_list lex_ground = {
	"ground", "a ground of hatred", "the grounds are", LIST(ground_v)
};
const struct lex_list lex_severity = {
	"severity", "a severity", "the severities are", LIST(severity_v)
};
const struct lex_list lex_channel = {
	"channel", "a channel", "the channels are", LIST(channel_v)
};
const struct lex_list lex_event_type = {
	"event-type", "an event type", "the event types are",
	LIST(event_type_v)
};
const struct lex_list lex_risk = {
	"risk", "a risk level", "the risk levels are", LIST(risk_v)
};
const struct lex_list lex_category = {
	"category", "a hub category", "the categories are", LIST(category_v)
};
const struct lex_list lex_access = {
	"access", "an access level", "the access levels are", LIST(access_v)
};
const struct lex_list lex_status = {
	"status", "an outcome status", "the statuses are", LIST(status_v)
};
const struct lex_list lex_kind = {
	"type", "a kind of record", "the kinds are", kind_v, NELEM(kind_v),
	kind_a, NELEM(kind_a)
};

static bool
is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '-' || c == '_';
}

/*
 * The spelling of closed values: ASCII lower case, separator runs one
 * `sep`, trimmed; with sep '\0' separators are dropped.
 */
static bool
spell(const char *s, char sep, char *out, size_t size)
{
	size_t n = 0;
	bool pend = false;

	while (is_sep(*s) || *s == '\r' || *s == '\n')
		s++;
	for (; *s != '\0'; s++) {
		char c = *s;

		if (is_sep(c)) {
			pend = true;
			continue;
		}
		if (c == '\r' || c == '\n')
			break;
		if (pend && sep != '\0') {
			if (n + 1 >= size)
				return false;
			out[n++] = sep;
		}
		pend = false;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (n + 1 >= size)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return true;
}

bool
lex_key(const char *s, char *out, size_t size)
{
	return spell(s, ' ', out, size);
}

static const char *
match_values(const char *const *values, size_t n, const char *typed)
{
	char want[LEX_MAX + 1], have[LEX_MAX + 1];
	size_t i;

	if (!spell(typed, '-', want, sizeof(want)) || want[0] == '\0')
		return NULL;
	for (i = 0; i < n; i++)
		if (spell(values[i], '-', have, sizeof(have)) &&
		    strcmp(want, have) == 0)
			return values[i];
	if (!spell(typed, '\0', want, sizeof(want)))
		return NULL;
	for (i = 0; i < n; i++)
		if (spell(values[i], '\0', have, sizeof(have)) &&
		    strcmp(want, have) == 0)
			return values[i];
	return NULL;
}

const char *
lex_match(const struct lex_list *l, const char *typed)
{
	const char *v;
	size_t i;

	if ((v = match_values(l->values, l->n, typed)) != NULL)
		return v;
	for (i = 0; i < l->naliases; i++)
		if (match_values(&l->aliases[i].alias, 1, typed) != NULL)
			return l->aliases[i].value;
	return NULL;
}

const char *
lex_match_in(const char *const *values, size_t n, const char *typed)
{
	return match_values(values, n, typed);
}

static size_t
near_limit(size_t len)
{
	size_t lim = len >= 10 ? 3 : 2;

	return lim < len ? lim : (len > 0 ? len - 1 : 0);
}

const char *
lex_nearest(const char *const *values, size_t n, const char *typed)
{
	char want[LEX_MAX + 1], have[LEX_MAX + 1];
	const char *best = NULL;
	size_t i, d, bestd = (size_t)-1;

	if (!spell(typed, '-', want, sizeof(want)) || want[0] == '\0')
		return NULL;
	for (i = 0; i < n; i++) {
		if (!spell(values[i], '-', have, sizeof(have)))
			continue;
		d = str_distance(want, have, 3);
		if (d <= near_limit(strlen(have)) && d < bestd) {
			best = values[i];
			bestd = d;
		}
	}
	return best;
}

int
lex_suggest(const struct lex_list *l, const char *typed, struct buf *b)
{
	const char *near;
	size_t i;

	if ((near = lex_nearest(l->values, l->n, typed)) != NULL)
		return buf_printf(b, "did you mean '%s'?", near);
	if (buf_printf(b, "%s: ", l->plural) == -1)
		return -1;
	for (i = 0; i < l->n; i++)
		if (buf_printf(b, "%s%s", i ? ", " : "", l->values[i]) == -1)
			return -1;
	return 0;
}

/* ---------------------------------------------------------------- ISO */

static int
key_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct iso_key *)e)->key);
}

static int
entry_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct iso_entry *)e)->code);
}

static const char *
iso_lookup(const struct iso_key *t, size_t n, const char *typed)
{
	char key[LEX_MAX * 2 + 1];
	const struct iso_key *e;

	if (!lex_key(typed, key, sizeof(key)) || key[0] == '\0')
		return NULL;
	e = bsearch(key, t, n, sizeof(*t), key_cmp);
	return e != NULL ? e->code : NULL;
}

static const char *
iso_nearest(const struct iso_key *t, size_t n, const char *typed)
{
	char key[LEX_MAX + 1];
	const char *best = NULL;
	size_t i, d, len, bestd = (size_t)-1;

	/* codes are too short to guess at: "DX" is one step from many */
	if (!lex_key(typed, key, sizeof(key)) || strlen(key) < 4)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((len = strlen(t[i].key)) < 4)
			continue;
		d = str_distance(key, t[i].key, 3);
		if (d <= near_limit(len) && d < bestd) {
			best = t[i].code;
			bestd = d;
		}
	}
	return best;
}

const char *
lex_language(const char *typed)
{
	return iso_lookup(iso_lang_key, NELEM(iso_lang_key), typed);
}

const char *
lex_language_name(const char *code)
{
	const struct iso_entry *e;

	e = bsearch(code, iso_lang, NELEM(iso_lang), sizeof(iso_lang[0]),
	    entry_cmp);
	return e != NULL ? e->name : NULL;
}

const char *
lex_language_nearest(const char *typed)
{
	return iso_nearest(iso_lang_key, NELEM(iso_lang_key), typed);
}

const char *
lex_country(const char *typed)
{
	return iso_lookup(iso_country_key, NELEM(iso_country_key), typed);
}

const char *
lex_country_name(const char *code)
{
	const struct iso_entry *e;

	e = bsearch(code, iso_country, NELEM(iso_country),
	    sizeof(iso_country[0]), entry_cmp);
	return e != NULL ? e->name : NULL;
}

const char *
lex_country_nearest(const char *typed)
{
	return iso_nearest(iso_country_key, NELEM(iso_country_key), typed);
}

/* ---------------------------------------------------------- references */

size_t
lex_flag_ref(const char *s, size_t len, char *out, size_t size)
{
	size_t i, n;

	if (len < 10 || strncasecmp(s, "FLG-", 4) != 0)
		return 0;
	for (i = 4; i < 8; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	if (s[8] != '-')
		return 0;
	for (n = 9; n < len && s[n] >= '0' && s[n] <= '9'; n++)
		;
	if (n == 9)
		return 0;
	if (out != NULL && n < size) {
		memcpy(out, "FLG", 3);
		memcpy(out + 3, s + 3, n - 3);
		out[n] = '\0';
	}
	return n;
}

/* -------------------------------------------------------------- labels */

static const struct lex_alias labels[] = {
	{ "access", "Access" },
	{ "category", "Category" },
	{ "channel", "Channel" },
	{ "comment", "Comment" },
	{ "content-date", "Content-Date" },
	{ "country", "Country" },
	{ "decided", "Decided" },
	{ "description", "Description" },
	{ "ends", "Ends" },
	{ "event", "Event" },
	{ "event-type", "Event-Type" },
	{ "explanation", "Explanation" },
	{ "good-faith", "Good-Faith" },
	{ "ground", "Ground" },
	{ "indicators", "Indicators" },
	{ "language", "Language" },
	{ "legal-basis", "Legal-Basis" },
	{ "licence", "Licence" },
	{ "period-end", "Period-End" },
	{ "period-start", "Period-Start" },
	{ "platform", "Platform" },
	{ "reference", "Reference" },
	{ "risk", "Risk" },
	{ "severity", "Severity" },
	{ "starts", "Starts" },
	{ "status", "Status" },
	{ "summary", "Summary" },
	{ "title", "Title" },
	{ "type", "Type" },
	{ "url", "URL" },
};

const char *
lex_field_label(const char *name)
{
	size_t i;

	for (i = 0; i < NELEM(labels); i++)
		if (strcmp(labels[i].alias, name) == 0)
			return labels[i].value;
	return name;
}
