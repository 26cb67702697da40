/* mails.c: the kinds of mail the gateway writes and the names their
 * templates may use */
#include <stddef.h>

#include "mails.h"

/* names every template may use */
#define COMMON_NAMES \
	"gateway.address", "gateway.name", "now"

static const char *const notice_names[] = {
	COMMON_NAMES,
	"contact.name", "contact.address",
	"record.ref", "record.kind", "record.kind_label", "record.created",
	"record.url", "record.summary", "record.urgent", "record.org",
	"record.sender", "record.deadline",
	"record.fields[]", "record.fields[].name", "record.fields[].value",
	"record.evidence[]", "record.evidence[].name",
	"record.evidence[].type", "record.evidence[].size",
	"record.evidence[].sha256", "record.attached",
	"record.note",
	"outcome.statuses", "reply.address",
	NULL
};

static const char *const ack_names[] = {
	COMMON_NAMES,
	"sender.name", "sender.address", "org",
	"message.subject", "message.date", "their_reference",
	"records[]", "records[].ref", "records[].kind", "records[].url",
	"records[].summary", "count", "warnings[]", "warnings[].text",
	NULL
};

static const char *const error_names[] = {
	COMMON_NAMES,
	"sender.name", "sender.address", "org",
	"message.subject", "message.date", "their_reference",
	"problems[]", "problems[].field", "problems[].value",
	"problems[].where", "problems[].text", "count",
	"records[]", "records[].ref", "records[].kind", "records[].url",
	"records[].summary", "accepted",
	"form", "kind",
	NULL
};

static const char *const alert_names[] = {
	COMMON_NAMES,
	"alert.kind", "alert.recipient", "alert.error", "alert.ref",
	"alert.attempts", "alert.created", "alert.id", "alert.to_sender",
	NULL
};

/* the names of an early warning in a digest: urgent[] and warnings[] */
#define DIGEST_EW_NAMES(L) \
	L "[]", L "[].ref", L "[].org", L "[].title", L "[].summary", \
	L "[].starts", L "[].ends", L "[].risk", L "[].country", \
	L "[].urls[]", L "[].urls[].url"

static const char *const digest_names[] = {
	COMMON_NAMES,
	"list.name", "list.description", "list.label", "list.schedule",
	"period.start", "period.end", "period.start_date", "period.end_date",
	"subscriber.address", "subscriber.name",
	"unsubscribe.address", "help.address",
	"count",
	DIGEST_EW_NAMES("urgent"),
	DIGEST_EW_NAMES("warnings"),
	"categories[]", "categories[].name", "categories[].label",
	"categories[].items[]", "categories[].items[].ref",
	"categories[].items[].org", "categories[].items[].title",
	"categories[].items[].summary", "categories[].items[].urls[]",
	"categories[].items[].urls[].url", "categories[].items[].language",
	"categories[].items[].country",
	"flags[]", "flags[].ref", "flags[].url", "flags[].summary",
	"flags[].routed", "flags[].deadline", "flags[].overdue", "flags[].org",
	"has_flags", "overdue_count", "flags_count", "flags_more",
	NULL
};

static const char *const confirm_names[] = {
	COMMON_NAMES,
	"list.name", "list.description", "list.schedule",
	"subscriber.address", "token", "confirm.address", "expires",
	NULL
};

static const char *const subscribed_names[] = {
	COMMON_NAMES,
	"list.name", "list.description", "list.schedule",
	"subscriber.address", "unsubscribe.address",
	NULL
};

static const char *const unsubscribed_names[] = {
	COMMON_NAMES,
	"list.name", "list.description", "subscriber.address", "by_token",
	NULL
};

static const char *const help_names[] = {
	COMMON_NAMES,
	"sender.address", "problem",
	"lists[]", "lists[].name", "lists[].description", "lists[].schedule",
	"lists[].subscribed",
	NULL
};

const struct template_schema mail_schema_notice = { "notice", notice_names };
const struct template_schema mail_schema_alert = { "alert", alert_names };
const struct template_schema mail_schema_ack = { "ack", ack_names };
const struct template_schema mail_schema_error = { "error", error_names };
const struct template_schema mail_schema_digest = { "digest", digest_names };
const struct template_schema mail_schema_confirm = { "confirm",
	confirm_names };
const struct template_schema mail_schema_subscribed = { "subscribed",
	subscribed_names };
const struct template_schema mail_schema_unsubscribed = { "unsubscribed",
	unsubscribed_names };
const struct template_schema mail_schema_help = { "help", help_names };

const struct template_schema *const mail_schemas[] = {
	&mail_schema_notice, &mail_schema_ack, &mail_schema_error,
	&mail_schema_alert, &mail_schema_digest, &mail_schema_confirm,
	&mail_schema_subscribed, &mail_schema_unsubscribed, &mail_schema_help,
	NULL
};
