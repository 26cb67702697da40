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

const struct template_schema mail_schema_notice = { "notice", notice_names };
const struct template_schema mail_schema_alert = { "alert", alert_names };
const struct template_schema mail_schema_ack = { "ack", ack_names };
const struct template_schema mail_schema_error = { "error", error_names };

const struct template_schema *const mail_schemas[] = {
	&mail_schema_notice, &mail_schema_ack, &mail_schema_error,
	&mail_schema_alert, NULL
};
