/* validate.h: form fields and data attachments to records and problems */
#ifndef FLAGPOST_VALIDATE_H
#define FLAGPOST_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "form.h"
#include "mime.h"
#include "util.h"

/* A problem is said in words a person can act on. */
struct problem {
	char *field;	/* canonical field name; NULL for the mail as a whole */
	char *value;	/* the value as typed; NULL when none */
	char *where;	/* "URL 3", "CSV 'flags.csv' row 4", "JSON 'f.json' index 2"; NULL */
	char *text;	/* "Ground: 'antisemtism' is not a ground of hatred; did you mean 'antisemitism'?" */
};

/* one field of a record, normalised: a list field may have several values */
struct record_field {
	const char *name;	/* canonical, static */
	char **v;
	size_t n;
};

struct record {
	enum record_kind kind;
	struct record_field *f;
	size_t n;
	char *url;		/* flag: the URL as given */
	char *url_norm;		/* flag: normalised (see url_normalise) */
	char *where;		/* NULL (the form), "CSV 'x.csv' row 2", "JSON 'x.json' index 0" */
	char **targets;		/* outcome: references of the flags it answers */
	size_t ntargets;
};

struct validation {
	enum record_kind kind;
	struct record *rec;	/* records that passed every check */
	size_t nrec;
	struct problem *prob;	/* every problem found, in reading order */
	size_t nprob;
	size_t rejected;	/* records that would have been made but were not */
};

struct validate_ctx {
	bool good_faith_standing;	/* the organisation's standing declaration */
	const char *default_licence;	/* the organisation's, or NULL */
	char *const *platforms;		/* platform names known to the gateway */
	size_t nplatforms;
	size_t max_records;		/* records per mail */
	int64_t mail_date;		/* the mail's Date, for Decided; -1 */
};

/*
 * Validates the form of a mail of kind `kind` (not KIND_NONE) together with
 * its CSV/JSON attachments.  Pure: no I/O, no globals.  Always returns a
 * validation (never NULL); records and problems may both be present
 * (partial acceptance across records, never inside one).
 */
struct validation *validate_mail(const struct form *form,
    enum record_kind kind, const char *subject, const struct mime_msg *msg,
    const struct validate_ctx *ctx);
void validation_free(struct validation **v);

/* the first value of a record's field, or NULL */
const char *record_get(const struct record *r, const char *name);
/* the fields of a record as a JSON object (lists as arrays), malloc'd */
char *record_fields_json(const struct record *r);

/*
 * URL normalisation for duplicate detection: scheme and host lower case,
 * default ports and fragments dropped, common tracking parameters (utm_*,
 * fbclid, gclid, igshid, si, ...) removed.  NULL when `url` is not an
 * absolute http or https URL with a host.
 */
char *url_normalise(const char *url);

#endif
