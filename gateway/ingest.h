/* ingest.h: a raw mail to stored records, problems and evidence */
#ifndef FLAGPOST_INGEST_H
#define FLAGPOST_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "form.h"
#include "lists.h"
#include "mime.h"
#include "store.h"
#include "util.h"
#include "validate.h"

/* what the pure part of the pipeline makes of a mail (no store involved) */
struct parsed {
	struct mime_msg *msg;		/* NULL when the mail could not be read */
	struct form *form;
	enum record_kind kind;
	const char *kind_why;
	const char *bad_type;		/* a Type value that is not a kind */
	struct err mime_err;		/* why msg is NULL */
	struct list_cmd cmd;		/* a mail with no kind: its command */
};

/*
 * MIME, form and kind: pure, for ingest, `rules test` and the fuzz target.
 * `kind_override` (KIND_NONE: none) wins over what the mail says.
 */
void ingest_parse(const char *raw, size_t len, const struct config *cfg,
    enum record_kind kind_override, struct parsed *p);
void parsed_free(struct parsed *p);

/* the platforms of the Code's signatories, known without any contact */
extern const char *const ingest_builtin_platforms[];

enum ingest_outcome {
	INGEST_ACCEPTED,	/* at least one record made */
	INGEST_REJECTED,	/* problems only */
	INGEST_QUARANTINED,	/* sender not registered or not verified */
	INGEST_UNRECOGNISED,	/* not a form: a command or a question */
	INGEST_DUPLICATE,	/* stored before */
};

struct ingest_result {
	enum ingest_outcome outcome;
	int64_t message;	/* the stored mail (the earlier one for a duplicate) */
	char **refs;		/* references of the records made */
	size_t nrefs;
	size_t nproblems;
	char *reason;		/* for rejected, quarantined */
};

struct ingest {
	const struct config *cfg;
	struct store *st;
	enum record_kind kind_override;
	bool batch;		/* the caller holds a transaction: use savepoints */
	char **platforms;	/* built-in and the contacts' */
	size_t nplatforms;
};

int ingest_init(struct ingest *in, const struct config *cfg, struct store *st,
    enum record_kind kind_override, struct err *err);
void ingest_deinit(struct ingest *in);

/*
 * Parses, verifies, validates and stores one mail in one transaction (or
 * savepoint, in batch mode).  `raw` holds `len` bytes of a mail of `size`
 * bytes in all, with `sha256` over all of them: when the mail is larger
 * than the limit the caller passes only its head.  -1 only on a store
 * error (ERR_TEMP: try again later); a bad mail is a result, not an error.
 */
int ingest_mail(struct ingest *in, const char *source, const char *raw,
    size_t len, size_t size, const char *sha256, struct ingest_result *res,
    struct err *err);

/*
 * ingest_mail in two halves, so that a batch can parse the next mail on
 * one thread while it stores this one on another: ingest_prepare is pure
 * (no store, no globals; `raw` must outlive `pr`), ingest_commit verifies
 * the sender, validates and stores.
 */
struct prepared {
	const char *raw;
	size_t len;		/* bytes of raw kept: the head of an oversized mail */
	size_t size;
	char sha256[SHA256_HEX_LEN];
	struct parsed p;
	char *reason;		/* why it cannot be read, or NULL */
};
void ingest_prepare(const struct config *cfg, enum record_kind kind_override,
    const char *raw, size_t len, size_t size, const char *sha256,
    struct prepared *pr);
int ingest_commit(struct ingest *in, const char *source, struct prepared *pr,
    struct ingest_result *res, struct err *err);
void prepared_free(struct prepared *pr);
void ingest_result_clear(struct ingest_result *res);

/*
 * What ingest would make of a mail, for `rules test`: read-only.  The
 * records are validated even when the mail would be quarantined, so that
 * a coordinator can try rules on any mail.
 */
struct ingest_preview {
	struct prepared pr;	/* pr.p.msg: the mail, or NULL */
	const char *status;	/* accepted, rejected, quarantined, unrecognised */
	char *reason;
	char *org;		/* the sender's organisation, or NULL */
	struct validation *v;	/* NULL when the mail has no kind */
};
int ingest_preview(struct ingest *in, const char *raw, size_t len,
    struct ingest_preview *pv, struct err *err);
void ingest_preview_free(struct ingest_preview *pv);
const char *ingest_outcome_name(enum ingest_outcome o);

#endif
