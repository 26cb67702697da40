/* rules.h: the coordinators' routing rules (flagpost-rules(5)); only
 * rules.c includes pcre2.h */
#ifndef FLAGPOST_RULES_H
#define FLAGPOST_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mime.h"

/*
 * The language, one statement a line (flagpost-rules(5) is the reference):
 *
 *   # a comment: a line whose first non-blank character is '#'
 *   rule youtube-host
 *       if host /(^|\.)(youtube\.com|youtu\.be)$/i
 *       add platform youtube
 *
 *   rule german-team
 *       if language /^de$/
 *       if not country /^(AT|CH)$/
 *       route de-team ops@example.com
 *
 * A rule is `rule NAME` followed by its conditions, then its actions.
 * Conditions: `if SUBJECT /PATTERN/FLAGS` holds when some value of the
 * subject matches; `if not ...` holds when none does (or it has none).
 * Subjects: any field of the mail format (url, ground, language, ...),
 * `kind`, `host` (the host of every URL), `org` (the sender's
 * organisation), `sender` (its address), `body` (the form text) and
 * `header:NAME`.  Flags: i (caseless), m (multiline), s (dot matches
 * newline), x (extended), u (Unicode properties).
 * Actions: `route TARGET...` (a contact address, or a group name),
 * `set FIELD VALUE` (replace), `add FIELD VALUE` (append to a list field
 * unless there), with $1..$9, ${N}, ${name} and $$ in VALUE; `urgent`;
 * `digest-only` (the routes of this rule go to digests only);
 * `quarantine REASON`; `note TEXT` (kept in the explanation); `stop`.
 * Files: every `*.rules` in the directory, in byte order of their names;
 * rules apply in file then line order.
 */

struct rules;		/* a compiled set: immutable, shared by threads */
struct rules_matcher;	/* what one thread needs to match */

struct rules_limits {
	uint32_t match_limit;	/* pcre2_set_match_limit */
	uint32_t depth_limit;	/* pcre2_set_depth_limit */
	size_t max_subject;	/* bytes of one value given to a pattern */
	bool no_fast;		/* tests: every condition through PCRE2 */
};
#define RULES_DEFAULT_MATCH_LIMIT	1000000u
#define RULES_DEFAULT_DEPTH_LIMIT	10000u
#define RULES_DEFAULT_MAX_SUBJECT	(256u * 1024)
void rules_limits_default(struct rules_limits *lim);

/* each problem, as "file:line:col: message" */
typedef void (*rules_report_fn)(void *arg, const char *msg);

/*
 * Reads, checks and compiles every *.rules file of `dir`.  Returns the
 * number of problems (each reported); *set_r is set only when there are
 * none.  A directory that cannot be read is one problem.
 */
int rules_load(const char *dir, const struct rules_limits *lim,
    struct rules **set_r, rules_report_fn report, void *arg);
/* the same over one text, named `file` in messages (tests, fuzzing) */
int rules_load_text(const char *file, const char *text,
    const struct rules_limits *lim, struct rules **set_r,
    rules_report_fn report, void *arg);
void rules_free(struct rules **set);
size_t rules_count(const struct rules *set);
size_t rules_nfiles(const struct rules *set);
/* whether some condition reads `header:` or `body` (the mail is needed) */
bool rules_need_mail(const struct rules *set);

/* every route target, for checking them against the contacts */
typedef void (*rules_target_fn)(void *arg, const char *target, bool group,
    const char *where);	/* where: "file:line:col" */
void rules_targets_each(const struct rules *set, rules_target_fn fn,
    void *arg);

/* `flagpost rules list`: each rule as written, with its place */
typedef void (*rules_line_fn)(void *arg, const char *line);
void rules_list(const struct rules *set, rules_line_fn fn, void *arg);

/* a field of the record being routed; set and add change them */
struct rules_field {
	char *name;		/* canonical: "platform" */
	char **v;
	size_t n;
};

struct rules_record {
	const char *kind;		/* "flag", "early-warning", "hub" */
	struct rules_field *f;		/* owned: rules_record_clear frees */
	size_t n;
	const char *org;		/* the organisation's name, or NULL */
	const char *sender;		/* From address, or NULL */
	const struct mime_header *hdr;	/* the mail's header, or NULL */
	size_t nhdr;
	const char *body;		/* the form text, or NULL */
};
/* adds a value to a field (created when missing); copies */
void rules_record_add(struct rules_record *r, const char *name,
    const char *value);
void rules_record_clear(struct rules_record *r);
/* the values of a field, or NULL with *n_r = 0 */
char **rules_record_get(const struct rules_record *r, const char *name,
    size_t *n_r);

struct rules_route {
	char *target;		/* as written: an address or a group */
	bool group;
	char *rule;
	char *where;		/* "file:line" of the rule */
	bool digest_only;
};

struct rules_result {
	struct rules_route *route;	/* in rule order, duplicates kept */
	size_t nroute;
	bool urgent;
	bool quarantined;
	char *reason;			/* the quarantine reason */
	bool changed;			/* set or add changed a field */
	size_t matched;			/* rules whose conditions all held */
	char **trace;			/* the explanation, a line each */
	size_t ntrace;
	size_t limit_hits;		/* patterns that hit a limit */
};

struct rules_matcher *rules_matcher_new(const struct rules *set);
void rules_matcher_free(struct rules_matcher **m);

/*
 * Applies the set to a record, in order, changing its fields as set and
 * add say.  With `trace` the result explains each rule that matched:
 *   "rule youtube-host (rules/10-platforms.rules:4)"
 *   "  host /(^|\\.)youtube\\.com$/i matched 'www.youtube.com'"
 *   "  add platform 'youtube'"
 * A pattern that hits a limit counts as not matching; it is traced and
 * logged with its rule.  Never fails.
 */
void rules_eval(const struct rules *set, struct rules_matcher *m,
    struct rules_record *rec, bool trace, struct rules_result *res);
void rules_result_clear(struct rules_result *res);
/* adds a line (copied) to the explanation */
void rules_result_trace_add(struct rules_result *res, const char *line);

#endif
