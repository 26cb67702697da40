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

/* the schemas above, NULL-terminated */
extern const struct template_schema *const mail_schemas[];

#endif
