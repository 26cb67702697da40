/* lexicon.h: the closed value lists of the mail format and their lookups */
#ifndef FLAGPOST_LEXICON_H
#define FLAGPOST_LEXICON_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * A closed list of MAIL-FORMAT.md 3.  Values are matched in their "obvious
 * spellings": case, and runs of space, '-' and '_' are the same
 * ("Anti Muslim hatred" = "anti-muslim-hatred"); when that finds nothing,
 * the value with every separator dropped is compared with the values so
 * written ("geoblocked" = "geo-blocked").
 */
struct lex_alias {
	const char *alias;		/* in the canonical spelling: "early-warning" */
	const char *value;		/* canonical */
};

struct lex_list {
	const char *field;		/* canonical field name: "ground" */
	const char *noun;		/* "a ground of hatred" */
	const char *plural;		/* "the grounds are" */
	const char *const *values;	/* canonical, in the order of the spec */
	size_t n;
	const struct lex_alias *aliases;	/* other words for a value; NULL */
	size_t naliases;
};

extern const struct lex_list lex_ground;
extern const struct lex_list lex_severity;
extern const struct lex_list lex_channel;
extern const struct lex_list lex_event_type;
extern const struct lex_list lex_risk;
extern const struct lex_list lex_category;
extern const struct lex_list lex_access;
extern const struct lex_list lex_status;
/* the kinds and their aliases (MAIL-FORMAT.md 1), canonical "flag", ... */
extern const struct lex_list lex_kind;

/* the canonical value (static) for a value as typed, or NULL */
const char *lex_match(const struct lex_list *l, const char *typed);
/* the same over any list of names (platforms): the listed name or NULL */
const char *lex_match_in(const char *const *values, size_t n,
    const char *typed);
/*
 * The listed value nearest to `typed` by str_distance when it is close
 * (distance at most 2, or 3 for a value of 10 characters or more, and
 * less than the value's length), or NULL.
 */
const char *lex_nearest(const char *const *values, size_t n,
    const char *typed);
/*
 * Appends the way out for a value not in the list: "did you mean
 * 'antisemitism'?" when one is close, or "the grounds are: antisemitism,
 * anti-muslim-hatred, ..." (l->plural, then every value).
 */
int lex_suggest(const struct lex_list *l, const char *typed, struct buf *b);

/*
 * The lookup form of a name: ASCII letters lower case, runs of space, tab,
 * '-' and '_' one space, trimmed (contrib/gen-lexicon.py does the same).
 * Writes at most `size` bytes with the NUL; false when it does not fit.
 */
bool lex_key(const char *s, char *out, size_t size);

/*
 * ISO 639-1: a code ("de", any case), an ISO 639-2 code ("deu", "ger") or
 * an English name ("German", "Modern Greek") to the two-letter code
 * (static, lower case), or NULL.
 */
const char *lex_language(const char *typed);
/* the English name of a two-letter code, or NULL */
const char *lex_language_name(const char *code);
/* the code whose name is close to a mistyped name ("Germna" -> "de"), or NULL */
const char *lex_language_nearest(const char *typed);

/*
 * ISO 3166-1 alpha-2 and "EU": a code ("de", "DE"), an alpha-3 code
 * ("DEU"), an English short or official name ("Germany"), or one of a few
 * everyday names ("UK", "EL" as the EU writes them) to the code (static,
 * upper case), or NULL.
 */
const char *lex_country(const char *typed);
const char *lex_country_name(const char *code);
const char *lex_country_nearest(const char *typed);

/*
 * The name of a field as the spec writes it, for problem texts:
 * "legal-basis" -> "Legal-Basis", "url" -> "URL"; the name itself when
 * it is not a field.
 */
const char *lex_field_label(const char *name);

/*
 * A reference to a flag, "FLG-2026-000123" (case-insensitive, one or more
 * digits after the year), at the start of s[0..len): its length, or 0.
 * The normalised form (upper case) goes to `out` when it fits in `size`.
 */
size_t lex_flag_ref(const char *s, size_t len, char *out, size_t size);

#endif
