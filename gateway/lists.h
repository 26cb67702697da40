/* lists.h: subscribers and the commands that manage them */
#ifndef FLAGPOST_LISTS_H
#define FLAGPOST_LISTS_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "mime.h"
#include "store.h"
#include "util.h"

/* what a mail asks of the lists (flagpost-mail(5)) */
enum list_cmd_kind {
	LC_NONE,
	LC_SUBSCRIBE,		/* subscribe LIST */
	LC_UNSUBSCRIBE,		/* unsubscribe LIST */
	LC_CONFIRM,		/* confirm TOKEN, or local+confirm-TOKEN@ */
	LC_LISTS,		/* lists */
	LC_HELP,		/* help */
	LC_UNSUB_TOKEN,		/* a mail to local+unsubscribe-TOKEN@ */
};

struct list_cmd {
	enum list_cmd_kind kind;
	char list[72];		/* as written, lower case; "" when none */
	char arg[256];		/* a word after the list: "" when none */
	char token[33];
};

/*
 * The command of a mail, pure: a plus-address with a token among the
 * recipients first, then the Subject (after any "Re:"), then the first
 * lines of the body.  A line is a command only when it is one whole:
 * "subscribe weekly", "help"; a Subject may hold "confirm TOKEN"
 * anywhere.  kind LC_NONE when there is none.
 */
void list_cmd_parse(const struct mime_msg *msg, const char *gateway_local,
    struct list_cmd *c);
const char *list_cmd_name(enum list_cmd_kind k);

/* who may be on a list: a company contact, or an address of a registered
 * organisation that is not disabled; ERR_MSG saying why not */
int lists_member(struct store *st, const char *address, int64_t *contact_r,
    int64_t *org_r, struct err *err);

/* a coordinator's changes, no confirmation; ERR_MSG saying why not.
 * lists_welcome queues the "subscribed" mail to a new subscriber. */
int lists_welcome(const struct config *cfg, struct store *st,
    const char *list, const char *address, struct err *err);
int lists_subscribe(struct store *st, const char *list, const char *address,
    const char *via, bool *added_r, struct err *err);
int lists_unsubscribe(struct store *st, const char *list,
    const char *address, bool *removed_r, struct err *err);

/*
 * Carries out the command of the stored mail `msg` from `from` inside the
 * caller's transaction, records it, and queues the answer (an "ack" row
 * with the command).  `verified`: the sender is registered and passed
 * verification (commands other than the two token ones need it; the
 * caller checks).  *refused_r is set to what was wrong (malloc'd) when
 * the command could not be carried out, else NULL.
 */
int lists_apply(const struct config *cfg, struct store *st, int64_t msg,
    const struct list_cmd *c, const char *from, bool verified,
    char **refused_r, struct err *err);

#endif
