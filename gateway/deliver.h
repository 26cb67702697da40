/* deliver.h: the delivery stage: the outbox to the SMTP relay and the hub */
#ifndef FLAGPOST_DELIVER_H
#define FLAGPOST_DELIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "store.h"
#include "util.h"

struct deliver;

typedef void (*deliver_report_fn)(void *arg, const char *msg);

/*
 * Every template of every kind (and of each language directory), checked:
 * the number of problems, each reported as "file:line: message".
 */
int deliver_check_templates(const struct config *cfg,
    deliver_report_fn report, void *arg);

/*
 * A sender for one thread: the templates, an SMTP client when [smtp] is
 * configured, a hub client when [hub] is.  -1 with ERR_CONFIG when a
 * template has problems or a secret file cannot be read.
 */
int deliver_new(const struct config *cfg, struct deliver **d_r,
    struct err *err);
void deliver_free(struct deliver **d);

struct deliver_stats {
	size_t sent;		/* mails the relay took */
	size_t retry;		/* to try again later */
	size_t failed;		/* permanent failures, or too old */
	size_t hub_stored;
	size_t waiting;		/* due, but [smtp] or [hub] is not set */
};

/*
 * One batch of the due rows (those with id % mod == rem): each mail is
 * given its Message-ID before the first attempt, composed, sent on the
 * open connection, and its outcome committed with the others of the
 * batch; a crash in between sends it again with the same Message-ID.
 * *more_r says whether more may be due.  -1 on a store error.
 */
int deliver_pass(struct deliver *d, struct store *st, unsigned mod,
    unsigned rem, struct deliver_stats *ds, bool *more_r, struct err *err);

/* the mail of an outbox row as it would be sent (queue show) */
int deliver_compose(struct deliver *d, struct store *st,
    const struct outbox_item *o, struct buf *out, struct err *err);

#endif
