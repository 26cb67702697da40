/* report.c: what the coordinators' commands print */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report.h"

/* untrusted text on one line of a terminal: control characters escaped */
static void
put_safe(FILE *out, const char *s, const char *indent)
{
	const unsigned char *p;

	if (s == NULL)
		return;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\n')
			fprintf(out, "\n%s", indent);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
}

static void
line(FILE *out, const char *name, const char *value)
{
	if (value == NULL)
		return;
	fprintf(out, "%s: ", name);
	put_safe(out, value, "  ");
	fputc('\n', out);
}

void
report_fields(const char *json, FILE *out, const char *indent)
{
	json_error_t jerr;
	json_t *obj, *v;
	const char *key;
	char *ind2;
	size_t i;

	if (json == NULL || (obj = json_loads(json, 0, &jerr)) == NULL)
		return;
	ind2 = xasprintf("%s  ", indent);
	json_object_foreach(obj, key, v) {
		fprintf(out, "%s%s: ", indent, key);
		if (json_is_array(v)) {
			for (i = 0; i < json_array_size(v); i++) {
				if (i > 0)
					fputs(", ", out);
				put_safe(out, json_string_value(
				    json_array_get(v, i)), ind2);
			}
		} else if (json_is_string(v))
			put_safe(out, json_string_value(v), ind2);
		fputc('\n', out);
	}
	free(ind2);
	json_decref(obj);
}

static int
record_line(void *arg, const struct record_info *r)
{
	FILE *out = arg;

	fprintf(out, "%-16s %-13s %-7s %s  ", r->ref, r->kind, r->status,
	    r->created);
	put_safe(out, r->org ? r->org : "-", "");
	if (r->url != NULL) {
		fputs("  ", out);
		put_safe(out, r->url, "");
	}
	fputc('\n', out);
	return 0;
}

int
report_records_list(struct store *st, const struct record_filter *f,
    FILE *out, struct err *err)
{
	return store_records_each(st, f, record_line, out, err);
}

static int
evidence_line(void *arg, const char *const *col)
{
	FILE *out = arg;

	/* name, type, size, sha256 */
	fputs("  ", out);
	put_safe(out, col[0] && *col[0] ? col[0] : "(no name)", "");
	fprintf(out, " %s %s bytes sha256:%s\n", col[1], col[2], col[3]);
	return 0;
}

static int
target_line(void *arg, const char *const *col)
{
	FILE *out = arg;

	/* target, the flag's status */
	fprintf(out, "  %s (%s)\n", col[0], col[1] ? col[1] : "not a stored flag");
	return 0;
}

static int
outcome_line(void *arg, const char *const *col)
{
	FILE *out = arg;

	/* reference, status, decided */
	fprintf(out, "  %s ", col[0]);
	put_safe(out, col[1] ? col[1] : "?", "");
	if (col[2] != NULL) {
		fputs(" decided ", out);
		put_safe(out, col[2], "");
	}
	fputc('\n', out);
	return 0;
}

static int
problem_line(void *arg, const char *const *col)
{
	FILE *out = arg;

	/* field, value, location, text */
	fputs("  - ", out);
	if (col[2] != NULL) {
		put_safe(out, col[2], "    ");
		fputs(": ", out);
	}
	put_safe(out, col[3], "    ");
	fputc('\n', out);
	return 0;
}

int
report_record_show(struct store *st, const char *ref_or_id, FILE *out,
    struct err *err)
{
	struct record_info *r = NULL;
	int ret = -1;

	if (store_record_get(st, ref_or_id, &r, err) == -1)
		return -1;
	if (r == NULL)
		return 1;
	line(out, "reference", r->ref);
	line(out, "kind", r->kind);
	line(out, "status", r->status);
	line(out, "created", r->created);
	line(out, "uuid", r->uuid);
	line(out, r->kind && strcmp(r->kind, "outcome") == 0 ? "contact" :
	    "organisation", r->org);
	fprintf(out, "message: %lld\n", (long long)r->message);
	line(out, "source", r->where);
	line(out, "url", r->url);
	line(out, "url-normalised", r->url_norm);
	fputs("fields:\n", out);
	report_fields(r->fields_json, out, "  ");
	fputs("evidence:\n", out);
	if (store_evidence_each(st, r->id, evidence_line, out, err) == -1)
		goto out;
	if (r->kind && strcmp(r->kind, "flag") == 0) {
		fputs("outcomes:\n", out);
		if (store_outcomes_each(st, r->id, outcome_line, out, err) == -1)
			goto out;
	}
	if (r->kind && strcmp(r->kind, "outcome") == 0) {
		fputs("answers:\n", out);
		if (store_targets_each(st, r->id, target_line, out, err) == -1)
			goto out;
	}
	fputs("problems of its mail:\n", out);
	if (store_problems_each(st, r->message, problem_line, out, err) == -1)
		goto out;
	ret = 0;
out:
	record_info_free(&r);
	return ret;
}

static int
message_line(void *arg, const struct message_info *m)
{
	FILE *out = arg;

	fprintf(out, "%-6lld %-12s %s  ", (long long)m->id, m->status,
	    m->received);
	put_safe(out, m->from_addr ? m->from_addr : "-", "");
	fprintf(out, "  %lld records, %lld problems  ",
	    (long long)m->nrecords, (long long)m->nproblems);
	put_safe(out, m->subject ? m->subject : "", "");
	fputc('\n', out);
	return 0;
}

int
report_messages_list(struct store *st, const char *status, const char *since,
    FILE *out, struct err *err)
{
	return store_messages_each(st, status, since, message_line, out, err);
}

static int
record_ref_line(void *arg, const struct record_info *r)
{
	FILE *out = arg;

	fprintf(out, "  %s %s", r->ref, r->kind);
	if (r->where != NULL) {
		fputs(" (", out);
		put_safe(out, r->where, "");
		fputc(')', out);
	}
	if (r->url != NULL) {
		fputc(' ', out);
		put_safe(out, r->url, "");
	}
	fputc('\n', out);
	return 0;
}

int
report_message_show(struct store *st, int64_t id, FILE *out, struct err *err)
{
	struct message_info *m = NULL;
	struct record_filter f;
	int ret = -1;

	if (store_message_get(st, id, &m, err) == -1)
		return -1;
	if (m == NULL)
		return 1;
	fprintf(out, "message: %lld\n", (long long)m->id);
	line(out, "received", m->received);
	line(out, "source", m->source);
	line(out, "message-id", m->message_id);
	fprintf(out, "size: %lld bytes%s\n", (long long)m->size,
	    m->raw_complete ? "" : " (only the head is kept)");
	line(out, "sha256", m->sha256);
	line(out, "from", m->from_addr);
	line(out, "subject", m->subject);
	line(out, "organisation", m->org);
	line(out, "contact", m->contact);
	if (m->kind != NULL)
		fprintf(out, "kind: %s (%s)\n", m->kind,
		    m->kind_why ? m->kind_why : "?");
	line(out, "status", m->status);
	line(out, "reason", m->reason);
	line(out, "authentication", m->auth);
	line(out, "automatic", m->automatic);
	fputs("records:\n", out);
	memset(&f, 0, sizeof(f));
	f.message = m->id;
	if (store_records_each(st, &f, record_ref_line, out, err) == -1)
		goto out;
	fputs("problems:\n", out);
	if (store_problems_each(st, m->id, problem_line, out, err) == -1)
		goto out;
	ret = 0;
out:
	message_info_free(&m);
	return ret;
}
