/* report.h: what the coordinators' commands print */
#ifndef FLAGPOST_REPORT_H
#define FLAGPOST_REPORT_H

#include <stdio.h>

#include "store.h"
#include "util.h"

int report_records_list(struct store *st, const struct record_filter *f,
    FILE *out, struct err *err);
/* a record with its fields, evidence, targets and the problems of its
 * mail; 1 when there is no such record */
int report_record_show(struct store *st, const char *ref_or_id, FILE *out,
    struct err *err);
int report_messages_list(struct store *st, const char *status,
    const char *since, FILE *out, struct err *err);
/* a mail with its records and problems; 1 when there is no such mail */
int report_message_show(struct store *st, int64_t id, FILE *out,
    struct err *err);
/* the fields of a record (its JSON) as "  name: value" lines */
void report_fields(const char *json, FILE *out, const char *indent);

#endif
