/* digest.h: the digests of the lists, composed once per list and period */
#ifndef FLAGPOST_DIGEST_H
#define FLAGPOST_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "compose.h"
#include "config.h"
#include "store.h"
#include "template.h"

/* a record in a digest */
struct digest_item {
	int64_t id;
	char *ref;
	char *fields;		/* JSON */
	char *org;		/* organisation name, or contact address */
	char *routed;
	char *url;
	const char *section;	/* "warning" or "hub"; NULL for a flag */
	bool urgent;		/* an urgent early warning */
	bool overdue;		/* an open flag past the review deadline */
	int order;		/* collecting: the category's place */
	int64_t starts;		/* warning: when it starts */
	char *category;		/* hub: its category */
	void *json;		/* the fields, parsed once (a json_t) */
};
/* parses the fields and notes the category, once */
void digest_item_parse(struct digest_item *it);
void digest_items_free(struct digest_item **v, size_t n);

/* what a list has for the period [start, end) */
struct digest_period {
	const struct list_conf *list;
	int64_t start, end;
	char start_text[21], end_text[21];	/* UTC */
	struct digest_item *items;	/* in the order of the mail */
	size_t nitems;
};
void digest_period_clear(struct digest_period *p);

/*
 * The items of a list for [start, end), as the mail shows them: urgent
 * early warnings, hub submissions by category, the other early warnings
 * still active; every filter of the list applied.
 */
int digest_collect(const struct config *cfg, struct store *st,
    const struct list_conf *l, int64_t start, int64_t end,
    struct digest_period *p, struct err *err);
/* the flags routed to a contact that no outcome answered before end */
int digest_open_flags(const struct config *cfg, struct store *st,
    const struct list_conf *l, int64_t contact, int64_t end,
    struct digest_item **v_r, size_t *n_r, struct err *err);

/*
 * Every list (or the one named) whose period is due at `now`: the digest
 * is recorded and queued to each subscriber with something to read, in
 * one transaction that first checks again that the period is still due,
 * so a second run, or a run after a crash, queues nothing twice.  With
 * dry_run nothing is written and what would be sent is printed.  One
 * line per list goes to `out` (NULL: none).  ERR_MSG for an unknown list;
 * a list that fails is logged and stops no other, and the first error is
 * returned.
 */
int digest_run(const struct config *cfg, struct store *st, const char *only,
    int64_t now, bool dry_run, FILE *out, size_t *queued_r, struct err *err);

/* a digest mail, for the template and the headers */
struct digest_mail {
	const struct list_conf *list;
	int64_t start, end;
	const struct digest_item *items;
	size_t nitems;
	const struct digest_item *flags;
	size_t nflags;
	const char *address;	/* the subscriber */
	const char *name;	/* or NULL */
	const char *token;	/* the subscriber's unsubscribe token */
};
struct tval *digest_values(const struct config *cfg,
    const struct digest_mail *dm);

/* List-Id, List-Unsubscribe, List-Help, List-Post, Precedence */
struct digest_headers {
	struct compose_header h[5];
	size_t n;
	char *list_id, *unsubscribe, *help;	/* list_id: label.domain */
};
void digest_headers(const struct config *cfg, const struct list_conf *l,
    const char *token, struct digest_headers *dh);
void digest_headers_clear(struct digest_headers *dh);

/* "local+WHAT-TOKEN@domain" (or "local@domain" when what is NULL) */
char *list_address(const struct config *cfg, const char *what,
    const char *token);

#endif
