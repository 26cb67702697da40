/* mails.h: the kinds of mail the gateway writes and the names their
 * templates may use (flagpost-templates(5)) */
#ifndef FLAGPOST_MAILS_H
#define FLAGPOST_MAILS_H

#include "template.h"

/*
 * notice: a routed record, to a company contact.
 * ack: to the sender of an accepted mail, with every reference made.
 * error: to the sender of a mail with problems, with every problem, what
 *   was accepted, and a corrected form to copy.
 */
extern const struct template_schema mail_schema_notice;
extern const struct template_schema mail_schema_ack;
extern const struct template_schema mail_schema_error;
/* alert: to the coordinators (and for a hub post, to its sender) when a
 * mail or a post failed for good */
extern const struct template_schema mail_schema_alert;
/*
 * The mailing lists (digests, flagpost.conf(5) [list NAME]):
 * digest: one period of a list, to one subscriber: urgent early warnings,
 *   new hub contributions by category, other active early warnings, and
 *   for a company contact their open flags.
 * confirm: to who asked to subscribe, with the token that confirms it.
 * subscribed: the welcome, once a subscription is confirmed.
 * unsubscribed: to who left a list, by command or by the unsubscribe
 *   address of a digest.
 * help: the answer to "help" and "lists" (and to a mail that is neither a
 *   record nor a command): the commands and the lists.
 */
extern const struct template_schema mail_schema_digest;
extern const struct template_schema mail_schema_confirm;
extern const struct template_schema mail_schema_subscribed;
extern const struct template_schema mail_schema_unsubscribed;
extern const struct template_schema mail_schema_help;

/* the schemas above, NULL-terminated */
extern const struct template_schema *const mail_schemas[];

#endif
