/* store.h: the SQLite store; the only module that speaks SQL */
#ifndef FLAGPOST_STORE_H
#define FLAGPOST_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "form.h"
#include "util.h"

struct store;

/*
 * Opens or creates the store: WAL, foreign keys, a busy timeout, and the
 * numbered migrations applied in one transaction.  A store that is locked
 * or cannot be opened for now is ERR_TEMP.
 */
int store_open(const char *path, struct store **st_r, struct err *err);
void store_close(struct store **st);
int store_schema_version(struct store *st);

/* transactions: BEGIN IMMEDIATE ... COMMIT; savepoints nest inside */
int store_begin(struct store *st, struct err *err);
int store_commit(struct store *st, struct err *err);
void store_rollback(struct store *st);
int store_savepoint(struct store *st, struct err *err);
int store_release(struct store *st, struct err *err);
void store_rollback_savepoint(struct store *st);

/* ---- organisations (CSOs) */
struct org {
	int64_t id;
	char *name;
	bool good_faith;	/* standing good-faith declaration */
	char *licence;		/* default licence, or NULL */
	char *language;		/* of the mail written to it, or NULL */
	bool disabled;
	char *created;
	char **domains;
	size_t ndomains;
	char **addresses;
	size_t naddresses;
};
int store_org_add(struct store *st, const struct org *o, int64_t *id_r,
    struct err *err);
/* by name (case-insensitive); *o_r is NULL when there is none */
int store_org_get(struct store *st, const char *name, struct org **o_r,
    struct err *err);
/* the organisation an address belongs to: its own address, else its domain */
int store_org_by_sender(struct store *st, const char *addr, struct org **o_r,
    struct err *err);
int store_org_list(struct store *st, struct org ***list_r, size_t *n_r,
    struct err *err);
int store_org_disable(struct store *st, const char *name, struct err *err);
void org_free(struct org **o);

/* ---- company contacts */
struct contact {
	int64_t id;
	char *address;
	char *name;
	char *platform;
	char *languages;	/* "de,fr" */
	char *created;
};
int store_contact_add(struct store *st, const struct contact *c,
    int64_t *id_r, struct err *err);
int store_contact_get(struct store *st, const char *address,
    struct contact **c_r, struct err *err);
int store_contact_list(struct store *st, struct contact ***list_r,
    size_t *n_r, struct err *err);
int store_contact_remove(struct store *st, const char *address,
    struct err *err);
void contact_free(struct contact **c);
/* the platform names of the contacts, lower case, sorted, distinct */
int store_platforms(struct store *st, char ***list_r, size_t *n_r,
    struct err *err);

/* ---- mails */
struct message_row {
	const char *source;	/* file path, "stdin", "maildir:...", "inbox:..." */
	const char *message_id;
	const char *sha256;
	size_t size;		/* of the whole mail */
	const void *raw;	/* the mail, or its head when too large */
	size_t raw_len;
	const char *from_addr;
	const char *subject;
	int64_t date;		/* -1 */
	enum record_kind kind;
	const char *kind_why;
	const char *status;	/* accepted, rejected, quarantined, unrecognised */
	const char *reason;
	const char *automatic;	/* why it must never be answered, or NULL */
	const char *auth;	/* what sender verification found */
	int64_t org_id;		/* 0 when none */
	int64_t contact_id;	/* 0 when none */
};
/* the id of a stored mail with this Message-ID (or none) and SHA-256; 0 */
int store_message_find(struct store *st, const char *message_id,
    const char *sha256, int64_t *id_r, struct err *err);
int store_message_insert(struct store *st, const struct message_row *m,
    int64_t *id_r, struct err *err);
int store_problem_add(struct store *st, int64_t msg, const char *field,
    const char *value, const char *where, const char *text, struct err *err);
int store_evidence_add(struct store *st, int64_t msg, const char *name,
    const char *type, const void *data, size_t len, const char *sha256,
    int64_t *id_r, struct err *err);

struct record_row {
	enum record_kind kind;
	int64_t org_id;		/* 0 when none */
	int64_t contact_id;	/* 0 when none */
	const char *url;
	const char *url_norm;
	const char *language;
	const char *where;
	const char *fields_json;
};
/* a new record with its reference (e.g. FLG-2026-000123) allocated in the
 * same transaction; ref_r holds at least 32 bytes */
int store_record_add(struct store *st, int64_t msg, const struct record_row *r,
    int64_t *id_r, char *ref_r, struct err *err);
int store_record_evidence(struct store *st, int64_t rec, int64_t ev,
    struct err *err);
/* an outcome's target reference, linked to the flag when it is stored */
int store_outcome_target(struct store *st, int64_t rec, const char *target,
    struct err *err);

/* ---- reading back, for the coordinators' commands */
struct record_info {
	int64_t id;
	char *ref;
	char *uuid;
	char *kind;
	char *status;
	char *created;
	char *org;		/* organisation name or contact address */
	char *url;
	char *url_norm;
	char *where;
	char *fields_json;
	int64_t message;
	char *routed;		/* when, or NULL */
	char *reason;		/* why quarantined by a rule, or NULL */
};
struct record_filter {
	const char *kind;	/* NULL: all */
	const char *org;	/* NULL: all */
	const char *since;	/* YYYY-MM-DD, NULL: all */
	int64_t message;	/* 0: all */
};
typedef int (*store_record_cb)(void *arg, const struct record_info *r);
int store_records_each(struct store *st, const struct record_filter *f,
    store_record_cb cb, void *arg, struct err *err);
/* by reference or numeric id; *r_r is NULL when there is none */
int store_record_get(struct store *st, const char *ref_or_id,
    struct record_info **r_r, struct err *err);
void record_info_free(struct record_info **r);

struct message_info {
	int64_t id;
	char *received;
	char *source;
	char *message_id;
	char *sha256;
	int64_t size;
	bool raw_complete;
	char *from_addr;
	char *subject;
	char *kind;
	char *kind_why;
	char *status;
	char *reason;
	char *automatic;
	char *auth;
	char *org;
	char *contact;
	int64_t nrecords;
	int64_t nproblems;
};
typedef int (*store_message_cb)(void *arg, const struct message_info *m);
int store_messages_each(struct store *st, const char *status,
    const char *since, store_message_cb cb, void *arg, struct err *err);
int store_message_get(struct store *st, int64_t id, struct message_info **m_r,
    struct err *err);
void message_info_free(struct message_info **m);

/* a row of text columns (NULL for an SQL NULL), as each query lists them */
typedef int (*store_row_cb)(void *arg, const char *const *col);
/* the problems of a mail: field, value, location, text */
int store_problems_each(struct store *st, int64_t msg, store_row_cb cb,
    void *arg, struct err *err);
/* the evidence of a record: name, type, size, sha256 */
int store_evidence_each(struct store *st, int64_t rec, store_row_cb cb,
    void *arg, struct err *err);
/* the flags an outcome answers: reference, the flag's status or NULL */
int store_targets_each(struct store *st, int64_t rec, store_row_cb cb,
    void *arg, struct err *err);
/* the outcomes that answer a flag: reference, status, decided */
int store_outcomes_each(struct store *st, int64_t flag, store_row_cb cb,
    void *arg, struct err *err);

/* ---- contact groups (route targets) */
/* adds `address` (a contact) to `group`, creating the group; ERR_MSG when
 * there is no such contact; adding a member twice is not an error */
int store_group_add(struct store *st, const char *group, const char *address,
    struct err *err);
/* removes one member, or the whole group when `address` is NULL; ERR_MSG
 * when there is no such group or member */
int store_group_remove(struct store *st, const char *group,
    const char *address, struct err *err);
int store_group_exists(struct store *st, const char *group, bool *found_r,
    struct err *err);
/* every group: name, number of members, members (addresses joined by ", ",
 * sorted) */
int store_groups_each(struct store *st, store_row_cb cb, void *arg,
    struct err *err);
/* the members of a group: contact id, address; sorted by address */
int store_group_members_each(struct store *st, const char *group,
    store_row_cb cb, void *arg, struct err *err);

/* ---- routing */
/*
 * The records waiting for routing (status 'new', kind not 'outcome'),
 * oldest first, at most `limit`: record id, ref, kind, fields (JSON),
 * organisation name, the mail's From address, the mail's id.
 */
int store_records_unrouted_each(struct store *st, size_t limit,
    store_row_cb cb, void *arg, struct err *err);
/* the record's fields, as routing changed them */
int store_record_fields_set(struct store *st, int64_t rec,
    const char *fields_json, struct err *err);
/* status 'routed' or 'quarantined' (with its reason), routed = now */
int store_record_routed(struct store *st, int64_t rec, const char *status,
    const char *reason, struct err *err);
struct route_row {
	int seq;		/* from 1, in rule order */
	const char *rule;	/* NULL for the default route */
	const char *location;	/* "file:line", or "[routing] default" */
	const char *target;	/* as the rule wrote it */
	int64_t contact;
	const char *address;
	bool urgent;
	bool digest_only;
};
int store_route_add(struct store *st, int64_t rec, const struct route_row *r,
    struct err *err);
/* the explanation recorded at routing time, its lines joined by LF; once
 * per record */
int store_route_trace_set(struct store *st, int64_t rec, const char *text,
    struct err *err);
/* the routes of a record: seq, rule, location, target, address, urgent
 * ("0"/"1"), digest_only ("0"/"1"); in seq order */
int store_routes_each(struct store *st, int64_t rec, store_row_cb cb,
    void *arg, struct err *err);
/* the explanation lines of a record, in order */
int store_route_trace_each(struct store *st, int64_t rec, store_row_cb cb,
    void *arg, struct err *err);
/* the raw mail (or its head when it was too large); malloc'd */
int store_message_raw(struct store *st, int64_t msg, char **raw_r,
    size_t *len_r, struct err *err);

/* ---- the outbox: everything that leaves, queued in the transaction that
 * decides it */
struct outbox_row {
	const char *kind;	/* "notice", "hub", "ack", "error", "digest",
				 * "alert" */
	int64_t record;		/* 0 when none */
	int64_t message;	/* 0 when none */
	int64_t contact;	/* 0 when none */
	const char *recipient;	/* address; NULL for "hub" */
	bool urgent;
	int64_t about;		/* an alert: the row that failed; 0 */
	int64_t digest;		/* a digest: the digest; 0 */
	int64_t subscriber;	/* a digest: to whom; 0 */
	int64_t command;	/* an answer to a list command; 0 */
};
int store_outbox_add(struct store *st, const struct outbox_row *o,
    int64_t *id_r, struct err *err);
/* the outbox rows of a record: id, kind, recipient, urgent, status, due,
 * attempts; in id order */
int store_outbox_of_record_each(struct store *st, int64_t rec,
    store_row_cb cb, void *arg, struct err *err);

struct outbox_item {
	int64_t id;
	char *kind;
	int64_t record;		/* 0 when none */
	int64_t message;
	int64_t contact;
	char *recipient;
	bool urgent;
	char *status;
	int attempts;
	char *due;
	char *created;
	char *updated;
	char *last_error;
	char *message_id;	/* fixed before the first attempt */
	int64_t about;		/* an alert: the row that failed */
	int64_t digest;
	int64_t subscriber;
	int64_t command;
};
void outbox_item_clear(struct outbox_item *o);
void outbox_items_free(struct outbox_item **items, size_t n);
/* the pending rows whose time has come, urgent first, at most `limit`,
 * those whose id % mod == rem (one share per sending thread) */
int store_outbox_due(struct store *st, size_t limit, unsigned mod,
    unsigned rem, struct outbox_item **items_r, size_t *n_r,
    struct err *err);
/* every row, or those of one status */
int store_outbox_list(struct store *st, const char *status,
    struct outbox_item **items_r, size_t *n_r, struct err *err);
int store_outbox_get(struct store *st, int64_t id, struct outbox_item *o,
    bool *found_r, struct err *err);
/* the Message-ID of a row, once: a resend uses the same */
int store_outbox_set_message_id(struct store *st, int64_t id,
    const char *mid, struct err *err);
/* outcome "sent", "failed", or "retry" (at `due`); attempts + 1 */
int store_outbox_done(struct store *st, int64_t id, const char *outcome,
    const char *due, const char *why, struct err *err);
/* a pending or failed row: again now; or dropped (ERR_MSG when none) */
int store_outbox_requeue(struct store *st, int64_t id, struct err *err);
int store_outbox_drop(struct store *st, int64_t id, struct err *err);
/* acknowledgements and error replies queued to an address since a time */
int store_replies_since(struct store *st, const char *addr,
    const char *since, size_t *n_r, struct err *err);
int store_record_hub_id(struct store *st, int64_t rec, const char *hub_id,
    struct err *err);

struct evidence_data {
	char *name;
	char *type;
	char *data;
	size_t len;
	char *sha256;
};
/* the evidence of a record with its bytes */
int store_evidence_data(struct store *st, int64_t rec,
    struct evidence_data **ev_r, size_t *n_r, struct err *err);
void evidence_data_free(struct evidence_data **ev, size_t n);

/* ---- lists: subscribers, subscription requests, commands, digests */
struct subscriber {
	int64_t id;
	char *list;
	char *address;
	int64_t contact;	/* 0 when a CSO member */
	int64_t org;		/* 0 when a contact */
	char *token;		/* for List-Unsubscribe */
	char *via;		/* "mail" or "coordinator" */
	char *created;
};
void subscriber_clear(struct subscriber *s);
void subscribers_free(struct subscriber **v, size_t n);
/* contact or org (the other 0); *added_r false when the address was on
 * the list already */
int store_subscriber_add(struct store *st, const char *list,
    const char *address, int64_t contact, int64_t org, const char *token,
    const char *via, bool *added_r, struct err *err);
int store_subscriber_get(struct store *st, const char *list,
    const char *address, struct subscriber *s, bool *found_r,
    struct err *err);
int store_subscriber_by_id(struct store *st, int64_t id,
    struct subscriber *s, bool *found_r, struct err *err);
int store_subscriber_by_token(struct store *st, const char *token,
    struct subscriber *s, bool *found_r, struct err *err);
/* removes one, and drops the digests still waiting for them */
int store_subscriber_remove(struct store *st, int64_t id, struct err *err);
/* by address; or the lists of one address */
int store_subscribers(struct store *st, const char *list,
    struct subscriber **v_r, size_t *n_r, struct err *err);
int store_subscriptions(struct store *st, const char *address,
    struct subscriber **v_r, size_t *n_r, struct err *err);
int store_subscriber_count(struct store *st, const char *list, size_t *n_r,
    struct err *err);

struct sub_request {
	int64_t id;
	char *list;
	char *address;
	char *token;
	char *created;
	char *expires;
	char *done;		/* NULL until confirmed */
};
void sub_request_clear(struct sub_request *r);
int store_request_add(struct store *st, const char *list,
    const char *address, const char *token, int64_t message,
    const char *expires, struct err *err);
int store_request_by_token(struct store *st, const char *token,
    struct sub_request *r, bool *found_r, struct err *err);
int store_request_done(struct store *st, int64_t id, struct err *err);
/* the requests of a list still waiting at `now`: address, created,
 * expires */
int store_requests_each(struct store *st, const char *list, const char *now,
    store_row_cb cb, void *arg, struct err *err);

/* a mail's status and reason, as a command decided them */
int store_message_status(struct store *st, int64_t msg, const char *status,
    const char *reason, struct err *err);
/* a list command of a mail (0: a coordinator's) and what was done */
int store_command_add(struct store *st, int64_t message, const char *command,
    const char *list, const char *address, const char *token,
    const char *result, int64_t *id_r, struct err *err);
/* command, list, address, token, result, message */
int store_command_get(struct store *st, int64_t id, store_row_cb cb,
    void *arg, struct err *err);

/* the end of the last period of a list (RFC 3339), or found false */
int store_digest_last(struct store *st, const char *list, char end[32],
    bool *found_r, struct err *err);
/* the start of the first period of a list, or found false */
int store_digest_first(struct store *st, const char *list, char start[32],
    bool *found_r, struct err *err);
int store_digest_add(struct store *st, const char *list, const char *start,
    const char *end, size_t items, int64_t *id_r, struct err *err);
int store_digest_queued(struct store *st, int64_t id, size_t n,
    struct err *err);
/* section "warning" or "hub" */
int store_digest_item_add(struct store *st, int64_t digest, int seq,
    const char *section, int64_t record, bool urgent, struct err *err);
int store_digest_flag_add(struct store *st, int64_t outbox, int seq,
    int64_t record, bool overdue, struct err *err);
/* the last `limit` digests of a list, newest first: id, period_start,
 * period_end, created, items, queued */
int store_digests_each(struct store *st, const char *list, size_t limit,
    store_row_cb cb, void *arg, struct err *err);
/* id, list, period_start, period_end, created, items, queued */
int store_digest_get(struct store *st, int64_t id, store_row_cb cb,
    void *arg, struct err *err);
/*
 * Records for digests, each row: a flag ("1" urgent, or for
 * store_digest_items_each the section then that), record id, ref,
 * fields (JSON), organisation (or contact address), routed, url.
 */
/* section, urgent, id, ref, fields, org, routed, url; in seq order */
int store_digest_items_each(struct store *st, int64_t digest,
    store_row_cb cb, void *arg, struct err *err);
/* overdue, id, ref, fields, org, routed, url; in seq order */
int store_digest_flags_each(struct store *st, int64_t outbox,
    store_row_cb cb, void *arg, struct err *err);
/* hub submissions made in [from, end), routed, and in no digest of the
 * list yet */
int store_digest_hub_each(struct store *st, const char *list,
    const char *from, const char *end, store_row_cb cb, void *arg,
    struct err *err);
/* early warnings made before end and routed; the flag: a route made it
 * urgent */
int store_digest_warnings_each(struct store *st, const char *end,
    store_row_cb cb, void *arg, struct err *err);
/* flags routed to a contact before end that no outcome answered before */
int store_open_flags_each(struct store *st, int64_t contact,
    const char *end, store_row_cb cb, void *arg, struct err *err);

/* ---- IMAP inboxes: the cursor and the after actions still to do */
int store_inbox_get(struct store *st, const char *inbox,
    uint32_t *uidvalidity_r, uint32_t *last_r, bool *found_r, struct err *err);
/* within the transaction that stores the batch */
int store_inbox_set(struct store *st, const char *inbox, uint32_t uidvalidity,
    uint32_t last, struct err *err);
int store_pending_add(struct store *st, const char *inbox,
    uint32_t uidvalidity, uint32_t uid, struct err *err);
int store_pending_list(struct store *st, const char *inbox,
    uint32_t uidvalidity, uint32_t **uids_r, size_t *n_r, struct err *err);
/* done: every pending action up to `upto`, and any of another uidvalidity */
int store_pending_clear(struct store *st, const char *inbox,
    uint32_t uidvalidity, uint32_t upto, struct err *err);

#endif
