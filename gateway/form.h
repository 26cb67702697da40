/* form.h: the structured form in the text of a mail, and its kind */
#ifndef FLAGPOST_FORM_H
#define FLAGPOST_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

enum record_kind {
	KIND_NONE = 0,
	KIND_FLAG,
	KIND_EARLY_WARNING,
	KIND_HUB,
	KIND_OUTCOME,
};

/* "flag", "early-warning", "hub", "outcome"; "none" */
const char *kind_name(enum record_kind k);
/* a kind as typed, with the aliases of MAIL-FORMAT.md 1; KIND_NONE if not */
enum record_kind kind_parse(const char *s);
/* the reference prefix: "FLG", "EW", "HUB", "OUT" */
const char *kind_ref_prefix(enum record_kind k);

struct form_field {
	const char *name;	/* canonical, static: "url", "legal-basis", ... */
	char *value;		/* trimmed; continuation lines joined */
	char *typed;		/* the name as the sender typed it */
	unsigned line;		/* line of the form text, from 1 */
};

struct form {
	struct form_field *f;
	size_t n;
	const char *ended_by;	/* "signature", "quoted reply", or NULL */
};

/*
 * Reads the fields of MAIL-FORMAT.md 2 from UTF-8 text with LF line ends.
 * Never fails on content: lines that are not fields are skipped or continue
 * a free-text field.
 */
struct form *form_parse(const char *text);
void form_free(struct form **f);

/* the canonical name of a field as typed ("Legal basis" -> "legal-basis"),
 * or NULL when it is not a field name */
const char *form_field_name(const char *typed, size_t len);
/* free-text fields continue over following non-field lines */
bool form_field_is_free_text(const char *name);
/* the first value of a field in the form, or NULL */
const char *form_get(const struct form *f, const char *name);

/*
 * The kind of record a mail carries (MAIL-FORMAT.md 1): the Type field,
 * a Subject tag, the plus-detail of a recipient whose local part is
 * `gateway_local` (any recipient when NULL), the inbox default.  A Type
 * field whose value is not a kind sets `bad_type_r` to it and returns
 * KIND_NONE; `why_r` says which rule decided ("type field", "subject tag",
 * "subject reference", "recipient address", "inbox default").
 */
enum record_kind form_kind(const struct form *f, const char *subject,
    char *const *rcpt, size_t nrcpt, const char *gateway_local,
    enum record_kind inbox_default, const char **why_r,
    const char **bad_type_r);

#endif
