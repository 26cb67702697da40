/* store.c: the SQLite store; the only module that speaks SQL */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "buf.h"
#include "log.h"
#include "store.h"

/*
 * Migrations, numbered from 1: migration N brings user_version from N-1 to
 * N.  Never edit one that has shipped; add the next.
 */
static const char *const migrations[] = {
	/* 1: the foundation */
	"CREATE TABLE org ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  good_faith INTEGER NOT NULL DEFAULT 0,"
	"  licence TEXT,"
	"  disabled INTEGER NOT NULL DEFAULT 0,"
	"  created TEXT NOT NULL);"
	"CREATE TABLE org_sender ("
	"  org INTEGER NOT NULL REFERENCES org(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL CHECK (kind IN ('domain', 'address')),"
	"  value TEXT NOT NULL UNIQUE COLLATE NOCASE);"
	"CREATE INDEX org_sender_org ON org_sender(org);"
	"CREATE TABLE contact ("
	"  id INTEGER PRIMARY KEY,"
	"  address TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  name TEXT,"
	"  platform TEXT COLLATE NOCASE,"
	"  languages TEXT,"
	"  created TEXT NOT NULL);"
	"CREATE TABLE message ("
	"  id INTEGER PRIMARY KEY,"
	"  received TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  message_id TEXT,"
	"  sha256 TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  raw BLOB NOT NULL,"
	"  raw_complete INTEGER NOT NULL,"
	"  from_addr TEXT,"
	"  subject TEXT,"
	"  date TEXT,"
	"  kind TEXT,"
	"  kind_why TEXT,"
	"  status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected',"
	"    'quarantined', 'unrecognised')),"
	"  reason TEXT,"
	"  automatic TEXT,"
	"  auth TEXT,"
	"  org INTEGER REFERENCES org(id),"
	"  contact INTEGER REFERENCES contact(id) ON DELETE SET NULL);"
	"CREATE UNIQUE INDEX message_dedup ON message(sha256, coalesce(message_id, ''));"
	"CREATE INDEX message_received ON message(received);"
	"CREATE TABLE problem ("
	"  id INTEGER PRIMARY KEY,"
	"  message INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,"
	"  field TEXT,"
	"  value TEXT,"
	"  location TEXT,"
	"  text TEXT NOT NULL);"
	"CREATE INDEX problem_message ON problem(message);"
	"CREATE TABLE evidence ("
	"  id INTEGER PRIMARY KEY,"
	"  message INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  type TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  data BLOB NOT NULL);"
	"CREATE INDEX evidence_message ON evidence(message);"
	"CREATE TABLE refseq ("
	"  prefix TEXT NOT NULL,"
	"  year INTEGER NOT NULL,"
	"  last INTEGER NOT NULL,"
	"  PRIMARY KEY (prefix, year));"
	"CREATE TABLE record ("
	"  id INTEGER PRIMARY KEY,"
	"  ref TEXT NOT NULL UNIQUE,"
	"  uuid TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  message INTEGER NOT NULL REFERENCES message(id),"
	"  org INTEGER REFERENCES org(id),"
	"  contact INTEGER REFERENCES contact(id) ON DELETE SET NULL,"
	"  status TEXT NOT NULL DEFAULT 'new',"
	"  url TEXT,"
	"  url_norm TEXT,"
	"  language TEXT,"
	"  location TEXT,"
	"  fields TEXT NOT NULL,"
	"  created TEXT NOT NULL);"
	"CREATE INDEX record_message ON record(message);"
	"CREATE INDEX record_url_norm ON record(url_norm);"
	/* the routing stage takes the new ones; reports scan */
	"CREATE INDEX record_new ON record(id) WHERE status = 'new';"
	"CREATE TABLE record_evidence ("
	"  record INTEGER NOT NULL REFERENCES record(id) ON DELETE CASCADE,"
	"  evidence INTEGER NOT NULL REFERENCES evidence(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (record, evidence));"
	"CREATE TABLE outcome_target ("
	"  record INTEGER NOT NULL REFERENCES record(id) ON DELETE CASCADE,"
	"  target TEXT NOT NULL,"
	"  flag INTEGER REFERENCES record(id),"
	"  PRIMARY KEY (record, target));"
	"CREATE INDEX outcome_target_flag ON outcome_target(flag);",

	/* 2: IMAP inboxes: the cursor, and the after actions still to do */
	"CREATE TABLE inbox_state ("
	"  inbox TEXT PRIMARY KEY,"
	"  uidvalidity INTEGER NOT NULL,"
	"  last_uid INTEGER NOT NULL,"
	"  updated TEXT NOT NULL);"
	"CREATE TABLE inbox_pending ("
	"  inbox TEXT NOT NULL,"
	"  uidvalidity INTEGER NOT NULL,"
	"  uid INTEGER NOT NULL,"
	"  PRIMARY KEY (inbox, uidvalidity, uid));",

	/* 3: contact groups, routing and the outbox */
	"CREATE TABLE contact_group ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  created TEXT NOT NULL);"
	"CREATE TABLE contact_group_member ("
	"  grp INTEGER NOT NULL REFERENCES contact_group(id) ON DELETE CASCADE,"
	"  contact INTEGER NOT NULL REFERENCES contact(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (grp, contact));"
	"ALTER TABLE record ADD COLUMN routed TEXT;"
	"ALTER TABLE record ADD COLUMN reason TEXT;"
	"ALTER TABLE record ADD COLUMN hub_id TEXT;"
	/* the language of the mail the gateway writes to an organisation */
	"ALTER TABLE org ADD COLUMN language TEXT;"
	"CREATE TABLE route ("
	"  id INTEGER PRIMARY KEY,"
	"  record INTEGER NOT NULL REFERENCES record(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  rule TEXT,"
	"  location TEXT NOT NULL,"
	"  target TEXT NOT NULL,"
	"  contact INTEGER REFERENCES contact(id) ON DELETE SET NULL,"
	"  address TEXT NOT NULL,"
	"  urgent INTEGER NOT NULL,"
	"  digest_only INTEGER NOT NULL);"
	"CREATE INDEX route_record ON route(record);"
	"CREATE INDEX route_contact ON route(contact);"
	/* the explanation of the routing, its lines joined by LF */
	"CREATE TABLE route_trace ("
	"  record INTEGER PRIMARY KEY REFERENCES record(id) ON DELETE CASCADE,"
	"  text TEXT NOT NULL);"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL"
	"    CHECK (kind IN ('notice', 'hub', 'ack', 'error', 'digest',"
	"    'alert')),"
	"  record INTEGER REFERENCES record(id) ON DELETE CASCADE,"
	"  message INTEGER REFERENCES message(id),"
	"  contact INTEGER REFERENCES contact(id) ON DELETE SET NULL,"
	"  recipient TEXT,"
	"  urgent INTEGER NOT NULL DEFAULT 0,"
	"  status TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (status IN ('pending', 'sent', 'failed', 'dropped')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  due TEXT NOT NULL,"
	"  created TEXT NOT NULL,"
	"  updated TEXT,"
	"  last_error TEXT,"
	"  message_id TEXT,"
	/* an alert: the row that failed */
	"  about INTEGER REFERENCES outbox(id));"
	/* the sender takes the pending ones, urgent first, by due time */
	"CREATE INDEX outbox_due ON outbox(urgent DESC, due)"
	"  WHERE status = 'pending';"
	"CREATE INDEX outbox_record ON outbox(record);",

	/* 4: lists, subscribers and digests */
	"CREATE TABLE subscriber ("
	"  id INTEGER PRIMARY KEY,"
	"  list TEXT NOT NULL COLLATE NOCASE,"
	"  address TEXT NOT NULL COLLATE NOCASE,"
	"  contact INTEGER REFERENCES contact(id) ON DELETE CASCADE,"
	"  org INTEGER REFERENCES org(id) ON DELETE CASCADE,"
	"  token TEXT NOT NULL UNIQUE,"
	"  via TEXT NOT NULL,"
	"  created TEXT NOT NULL,"
	"  UNIQUE (list, address));"
	/* a subscription asked for by mail, until its token comes back */
	"CREATE TABLE subscribe_request ("
	"  id INTEGER PRIMARY KEY,"
	"  list TEXT NOT NULL COLLATE NOCASE,"
	"  address TEXT NOT NULL COLLATE NOCASE,"
	"  token TEXT NOT NULL UNIQUE,"
	"  message INTEGER REFERENCES message(id),"
	"  created TEXT NOT NULL,"
	"  expires TEXT NOT NULL,"
	"  done TEXT);"
	"CREATE INDEX subscribe_request_list ON subscribe_request(list);"
	/* what a mail asked of the lists, and what was done */
	"CREATE TABLE list_command ("
	"  id INTEGER PRIMARY KEY,"
	"  message INTEGER REFERENCES message(id) ON DELETE CASCADE,"
	"  command TEXT NOT NULL,"
	"  list TEXT,"
	"  address TEXT,"
	"  token TEXT,"
	"  result TEXT NOT NULL);"
	"CREATE INDEX list_command_message ON list_command(message);"
	/* one digest per list and period, composed once */
	"CREATE TABLE digest ("
	"  id INTEGER PRIMARY KEY,"
	"  list TEXT NOT NULL COLLATE NOCASE,"
	"  period_start TEXT NOT NULL,"
	"  period_end TEXT NOT NULL,"
	"  created TEXT NOT NULL,"
	"  items INTEGER NOT NULL,"
	"  queued INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE (list, period_start));"
	"CREATE TABLE digest_item ("
	"  digest INTEGER NOT NULL REFERENCES digest(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  section TEXT NOT NULL CHECK (section IN ('warning', 'hub')),"
	"  record INTEGER NOT NULL REFERENCES record(id) ON DELETE CASCADE,"
	"  urgent INTEGER NOT NULL,"
	"  PRIMARY KEY (digest, seq));"
	"ALTER TABLE outbox ADD COLUMN digest INTEGER REFERENCES digest(id);"
	"ALTER TABLE outbox ADD COLUMN subscriber INTEGER"
	"  REFERENCES subscriber(id) ON DELETE SET NULL;"
	"ALTER TABLE outbox ADD COLUMN command INTEGER"
	"  REFERENCES list_command(id) ON DELETE SET NULL;"
	"CREATE INDEX outbox_subscriber ON outbox(subscriber);"
	/* a contact's open flags in one subscriber's digest */
	"CREATE TABLE digest_flag ("
	"  outbox INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  record INTEGER NOT NULL REFERENCES record(id) ON DELETE CASCADE,"
	"  overdue INTEGER NOT NULL,"
	"  PRIMARY KEY (outbox, seq));"
	/* digests: what was routed in a period; open flags of a contact */
	"CREATE INDEX record_kind_created ON record(kind, created);"
	"CREATE INDEX outcome_target_flag_record ON outcome_target(flag, record);",
};
#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

enum stmt_id {
	S_BEGIN, S_COMMIT, S_ROLLBACK, S_SAVEPOINT, S_RELEASE, S_ROLLBACK_TO,
	S_ORG_INSERT, S_ORG_SENDER_INSERT, S_ORG_BY_NAME, S_ORG_BY_ID,
	S_ORG_SENDERS, S_ORG_BY_ADDRESS, S_ORG_BY_DOMAIN, S_ORG_LIST,
	S_ORG_DISABLE,
	S_CONTACT_INSERT, S_CONTACT_GET, S_CONTACT_LIST, S_CONTACT_REMOVE,
	S_PLATFORMS,
	S_MESSAGE_FIND, S_MESSAGE_INSERT, S_PROBLEM_INSERT, S_EVIDENCE_INSERT,
	S_REFSEQ_NEXT, S_RECORD_INSERT, S_RECORD_EVIDENCE, S_TARGET_INSERT,
	S_RECORD_GET_REF, S_RECORD_GET_ID, S_MESSAGE_GET, S_PROBLEMS,
	S_EVIDENCE_OF_RECORD, S_TARGETS, S_OUTCOMES,
	S_CONTACT_ID, S_GROUP_INSERT, S_GROUP_ID, S_GROUP_DELETE,
	S_MEMBER_INSERT, S_MEMBER_DELETE, S_GROUPS, S_GROUP_MEMBERS,
	S_RECORDS_UNROUTED, S_RECORD_FIELDS_SET, S_RECORD_ROUTED,
	S_ROUTE_INSERT, S_TRACE_INSERT, S_ROUTES, S_TRACE, S_MESSAGE_RAW,
	S_OUTBOX_INSERT, S_OUTBOX_OF_RECORD,
	S_OUTBOX_DUE, S_OUTBOX_MID, S_OUTBOX_SENT, S_OUTBOX_RETRY, S_OUTBOX_FAILED,
	S_OUTBOX_LIST, S_OUTBOX_GET, S_OUTBOX_REQUEUE, S_OUTBOX_DROP,
	S_REPLIES_SINCE, S_RECORD_HUB_ID, S_EVIDENCE_DATA,
	S_INBOX_GET, S_INBOX_SET, S_PENDING_ADD, S_PENDING_LIST, S_PENDING_CLEAR,
	S_SUB_INSERT, S_SUB_GET, S_SUB_BY_ID, S_SUB_BY_TOKEN, S_SUB_DELETE, S_SUB_DROP_MAIL,
	S_SUBS_OF_LIST, S_SUBS_OF_ADDRESS, S_SUB_COUNT,
	S_REQ_INSERT, S_REQ_BY_TOKEN, S_REQ_DONE, S_REQS_OF_LIST,
	S_CMD_INSERT, S_CMD_GET, S_MESSAGE_STATUS,
	S_DIGEST_LAST, S_DIGEST_FIRST, S_DIGEST_INSERT, S_DIGEST_QUEUED, S_DIGEST_ITEM_INSERT,
	S_DIGEST_FLAG_INSERT, S_DIGESTS_OF_LIST, S_DIGEST_GET, S_DIGEST_ITEMS,
	S_DIGEST_FLAGS, S_DIGEST_HUB, S_DIGEST_WARNINGS, S_OPEN_FLAGS,
	S_NSTMT
};

static const char *const stmt_sql[S_NSTMT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SAVEPOINT] = "SAVEPOINT mail",
	[S_RELEASE] = "RELEASE mail",
	[S_ROLLBACK_TO] = "ROLLBACK TO mail",
	[S_ORG_INSERT] = "INSERT INTO org (name, good_faith, licence, created,"
	    " language) VALUES (?, ?, ?, ?, ?)",
	[S_ORG_SENDER_INSERT] = "INSERT INTO org_sender (org, kind, value)"
	    " VALUES (?, ?, ?)",
	[S_ORG_BY_NAME] = "SELECT id, name, good_faith, licence, disabled,"
	    " created, language FROM org WHERE name = ?",
	[S_ORG_BY_ID] = "SELECT id, name, good_faith, licence, disabled,"
	    " created, language FROM org WHERE id = ?",
	[S_ORG_SENDERS] = "SELECT kind, value FROM org_sender WHERE org = ?"
	    " ORDER BY kind, value",
	[S_ORG_BY_ADDRESS] = "SELECT org FROM org_sender"
	    " WHERE kind = 'address' AND value = ?",
	[S_ORG_BY_DOMAIN] = "SELECT org FROM org_sender"
	    " WHERE kind = 'domain' AND value = ?",
	[S_ORG_LIST] = "SELECT id FROM org ORDER BY name",
	[S_ORG_DISABLE] = "UPDATE org SET disabled = 1 WHERE name = ?",
	[S_CONTACT_INSERT] = "INSERT INTO contact (address, name, platform,"
	    " languages, created) VALUES (lower(?), ?, lower(?), ?, ?)",
	[S_CONTACT_GET] = "SELECT id, address, name, platform, languages,"
	    " created FROM contact WHERE address = ?",
	[S_CONTACT_LIST] = "SELECT id, address, name, platform, languages,"
	    " created FROM contact ORDER BY address",
	[S_CONTACT_REMOVE] = "DELETE FROM contact WHERE address = ?",
	[S_PLATFORMS] = "SELECT DISTINCT lower(platform) FROM contact"
	    " WHERE platform IS NOT NULL AND platform <> '' ORDER BY 1",
	[S_MESSAGE_FIND] = "SELECT id FROM message WHERE sha256 = ?"
	    " AND coalesce(message_id, '') = coalesce(?, '')",
	[S_MESSAGE_INSERT] = "INSERT INTO message (received, source,"
	    " message_id, sha256, size, raw, raw_complete, from_addr, subject,"
	    " date, kind, kind_why, status, reason, automatic, auth, org,"
	    " contact) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
	    " ?, ?)",
	[S_PROBLEM_INSERT] = "INSERT INTO problem (message, field, value,"
	    " location, text) VALUES (?, ?, ?, ?, ?)",
	[S_EVIDENCE_INSERT] = "INSERT INTO evidence (message, name, type,"
	    " size, sha256, data) VALUES (?, ?, ?, ?, ?, ?)",
	[S_REFSEQ_NEXT] = "INSERT INTO refseq (prefix, year, last)"
	    " VALUES (?, ?, 1) ON CONFLICT (prefix, year)"
	    " DO UPDATE SET last = last + 1 RETURNING last",
	[S_RECORD_INSERT] = "INSERT INTO record (ref, uuid, kind, message,"
	    " org, contact, url, url_norm, language, location, fields, created)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[S_RECORD_EVIDENCE] = "INSERT OR IGNORE INTO record_evidence"
	    " (record, evidence) VALUES (?, ?)",
	[S_TARGET_INSERT] = "INSERT OR IGNORE INTO outcome_target"
	    " (record, target, flag) VALUES (?, upper(?),"
	    " (SELECT id FROM record WHERE ref = upper(?) AND kind = 'flag'))",
#define RECORD_COLS "r.id, r.ref, r.uuid, r.kind, r.status, r.created," \
	" coalesce(o.name, c.address), r.url, r.url_norm, r.location," \
	" r.fields, r.message, r.routed, r.reason FROM record r" \
	" LEFT JOIN org o ON o.id = r.org LEFT JOIN contact c ON c.id = r.contact"
	[S_RECORD_GET_REF] = "SELECT " RECORD_COLS " WHERE r.ref = upper(?)",
	[S_RECORD_GET_ID] = "SELECT " RECORD_COLS " WHERE r.id = ?",
#define MESSAGE_COLS "m.id, m.received, m.source, m.message_id, m.sha256," \
	" m.size, m.raw_complete, m.from_addr, m.subject, m.kind," \
	" m.kind_why, m.status, m.reason, m.automatic, m.auth, o.name," \
	" c.address, (SELECT count(*) FROM record WHERE message = m.id)," \
	" (SELECT count(*) FROM problem WHERE message = m.id)" \
	" FROM message m LEFT JOIN org o ON o.id = m.org" \
	" LEFT JOIN contact c ON c.id = m.contact"
	[S_MESSAGE_GET] = "SELECT " MESSAGE_COLS " WHERE m.id = ?",
	[S_PROBLEMS] = "SELECT field, value, location, text FROM problem"
	    " WHERE message = ? ORDER BY id",
	[S_EVIDENCE_OF_RECORD] = "SELECT e.name, e.type, e.size, e.sha256"
	    " FROM evidence e JOIN record_evidence re ON re.evidence = e.id"
	    " WHERE re.record = ? ORDER BY e.id",
	[S_TARGETS] = "SELECT t.target, r.status FROM outcome_target t"
	    " LEFT JOIN record r ON r.id = t.flag WHERE t.record = ?"
	    " ORDER BY t.target",
	[S_OUTCOMES] = "SELECT o.ref, json_extract(o.fields, '$.status'),"
	    " json_extract(o.fields, '$.decided') FROM outcome_target t"
	    " JOIN record o ON o.id = t.record WHERE t.flag = ? ORDER BY o.id",
	[S_CONTACT_ID] = "SELECT id FROM contact WHERE address = ?",
	[S_GROUP_INSERT] = "INSERT INTO contact_group (name, created)"
	    " VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
	[S_GROUP_ID] = "SELECT id FROM contact_group WHERE name = ?",
	[S_GROUP_DELETE] = "DELETE FROM contact_group WHERE name = ?",
	[S_MEMBER_INSERT] = "INSERT OR IGNORE INTO contact_group_member"
	    " (grp, contact) VALUES (?, ?)",
	[S_MEMBER_DELETE] = "DELETE FROM contact_group_member WHERE grp = ?"
	    " AND contact = (SELECT id FROM contact WHERE address = ?)",
	/* group_concat keeps the order of the subquery it reads */
	[S_GROUPS] = "SELECT g.name, (SELECT count(*) FROM"
	    " contact_group_member WHERE grp = g.id),"
	    " coalesce((SELECT group_concat(address, ', ') FROM"
	    " (SELECT c.address FROM contact_group_member gm JOIN contact c"
	    " ON c.id = gm.contact WHERE gm.grp = g.id ORDER BY c.address)),"
	    " '') FROM contact_group g ORDER BY g.name",
	[S_GROUP_MEMBERS] = "SELECT c.id, c.address FROM contact_group g"
	    " JOIN contact_group_member gm ON gm.grp = g.id"
	    " JOIN contact c ON c.id = gm.contact WHERE g.name = ?"
	    " ORDER BY c.address",
	/* the literal 'new' lets the planner use the partial index record_new
	 * (EXPLAIN QUERY PLAN: SCAN r USING INDEX record_new) */
	[S_RECORDS_UNROUTED] = "SELECT r.id, r.ref, r.kind, r.fields, o.name,"
	    " m.from_addr, r.message FROM record r"
	    " JOIN message m ON m.id = r.message"
	    " LEFT JOIN org o ON o.id = r.org"
	    " WHERE r.status = 'new' AND r.kind <> 'outcome'"
	    " ORDER BY r.id LIMIT ?",
	[S_RECORD_FIELDS_SET] = "UPDATE record SET fields = ? WHERE id = ?",
	[S_RECORD_ROUTED] = "UPDATE record SET status = ?, reason = ?,"
	    " routed = ? WHERE id = ?",
	[S_ROUTE_INSERT] = "INSERT INTO route (record, seq, rule, location,"
	    " target, contact, address, urgent, digest_only)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[S_TRACE_INSERT] = "INSERT INTO route_trace (record, text)"
	    " VALUES (?, ?)",
	[S_ROUTES] = "SELECT seq, rule, location, target, address, urgent,"
	    " digest_only FROM route WHERE record = ? ORDER BY seq, id",
	[S_TRACE] = "SELECT text FROM route_trace WHERE record = ?",
	[S_MESSAGE_RAW] = "SELECT raw FROM message WHERE id = ?",
#define OUTBOX_COLS "id, kind, coalesce(record, 0), coalesce(message, 0)," \
	" coalesce(contact, 0), recipient, urgent, status, attempts, due," \
	" created, updated, last_error, message_id, coalesce(about, 0)," \
	" coalesce(digest, 0), coalesce(subscriber, 0), coalesce(command, 0)"
	[S_OUTBOX_DUE] = "SELECT " OUTBOX_COLS " FROM outbox"
	    " WHERE status = 'pending' AND due <= ? AND id % ?3 = ?4"
	    " ORDER BY urgent DESC, due, id LIMIT ?2",
	[S_OUTBOX_MID] = "UPDATE outbox SET message_id = ? WHERE id = ?"
	    " AND message_id IS NULL",
	[S_OUTBOX_SENT] = "UPDATE outbox SET status = 'sent', updated = ?,"
	    " attempts = attempts + 1, last_error = ? WHERE id = ?",
	[S_OUTBOX_RETRY] = "UPDATE outbox SET due = ?, updated = ?,"
	    " attempts = attempts + 1, last_error = ? WHERE id = ?",
	[S_OUTBOX_FAILED] = "UPDATE outbox SET status = 'failed', updated = ?,"
	    " attempts = attempts + 1, last_error = ? WHERE id = ?",
	[S_OUTBOX_LIST] = "SELECT " OUTBOX_COLS " FROM outbox"
	    " WHERE (?1 IS NULL OR status = ?1) ORDER BY id",
	[S_OUTBOX_GET] = "SELECT " OUTBOX_COLS " FROM outbox WHERE id = ?",
	[S_OUTBOX_REQUEUE] = "UPDATE outbox SET status = 'pending', due = ?,"
	    " updated = ? WHERE id = ? AND status IN ('pending', 'failed')",
	[S_OUTBOX_DROP] = "UPDATE outbox SET status = 'dropped', updated = ?"
	    " WHERE id = ? AND status IN ('pending', 'failed')",
	[S_REPLIES_SINCE] = "SELECT count(*) FROM outbox WHERE kind IN"
	    " ('ack', 'error') AND recipient = ? COLLATE NOCASE"
	    " AND created >= ?",
	[S_RECORD_HUB_ID] = "UPDATE record SET hub_id = ? WHERE id = ?",
	[S_EVIDENCE_DATA] = "SELECT e.name, e.type, e.data, e.sha256"
	    " FROM evidence e JOIN record_evidence re ON re.evidence = e.id"
	    " WHERE re.record = ? ORDER BY e.id",
	[S_OUTBOX_INSERT] = "INSERT INTO outbox (kind, record, message,"
	    " contact, recipient, urgent, due, created, about, digest,"
	    " subscriber, command)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[S_OUTBOX_OF_RECORD] = "SELECT id, kind, recipient, urgent, status,"
	    " due, attempts FROM outbox WHERE record = ? ORDER BY id",
	[S_INBOX_GET] = "SELECT uidvalidity, last_uid FROM inbox_state"
	    " WHERE inbox = ?",
	[S_INBOX_SET] = "INSERT INTO inbox_state (inbox, uidvalidity, last_uid,"
	    " updated) VALUES (?, ?, ?, ?) ON CONFLICT (inbox) DO UPDATE SET"
	    " uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid,"
	    " updated = excluded.updated",
	[S_PENDING_ADD] = "INSERT OR IGNORE INTO inbox_pending (inbox,"
	    " uidvalidity, uid) VALUES (?, ?, ?)",
	[S_PENDING_LIST] = "SELECT uid FROM inbox_pending WHERE inbox = ?"
	    " AND uidvalidity = ? ORDER BY uid",
	[S_PENDING_CLEAR] = "DELETE FROM inbox_pending WHERE inbox = ?"
	    " AND (uidvalidity <> ?2 OR uid <= ?3)",
#define SUB_COLS "id, list, address, coalesce(contact, 0)," \
	" coalesce(org, 0), token, via, created"
	[S_SUB_INSERT] = "INSERT INTO subscriber (list, address, contact, org,"
	    " token, via, created) VALUES (lower(?), lower(?), ?, ?, ?, ?, ?)"
	    " ON CONFLICT (list, address) DO NOTHING",
	[S_SUB_GET] = "SELECT " SUB_COLS " FROM subscriber WHERE list = ?"
	    " AND address = ?",
	[S_SUB_BY_ID] = "SELECT " SUB_COLS " FROM subscriber WHERE id = ?",
	[S_SUB_BY_TOKEN] = "SELECT " SUB_COLS " FROM subscriber"
	    " WHERE token = ?",
	[S_SUB_DELETE] = "DELETE FROM subscriber WHERE id = ?",
	/* the digests still waiting for a subscriber who leaves */
	[S_SUB_DROP_MAIL] = "UPDATE outbox SET status = 'dropped', updated = ?,"
	    " last_error = 'unsubscribed' WHERE subscriber = ?"
	    " AND status = 'pending'",
	[S_SUBS_OF_LIST] = "SELECT " SUB_COLS " FROM subscriber WHERE list = ?"
	    " ORDER BY address",
	[S_SUBS_OF_ADDRESS] = "SELECT " SUB_COLS " FROM subscriber"
	    " WHERE address = ? ORDER BY list",
	[S_SUB_COUNT] = "SELECT count(*) FROM subscriber WHERE list = ?",
	[S_REQ_INSERT] = "INSERT INTO subscribe_request (list, address, token,"
	    " message, created, expires) VALUES (lower(?), lower(?), ?, ?, ?, ?)",
	[S_REQ_BY_TOKEN] = "SELECT id, list, address, token, created, expires,"
	    " done FROM subscribe_request WHERE token = ?",
	[S_REQ_DONE] = "UPDATE subscribe_request SET done = ? WHERE id = ?",
	[S_REQS_OF_LIST] = "SELECT address, created, expires FROM"
	    " subscribe_request WHERE list = ? AND done IS NULL AND expires > ?"
	    " ORDER BY id",
	[S_CMD_INSERT] = "INSERT INTO list_command (message, command, list,"
	    " address, token, result) VALUES (?, ?, ?, ?, ?, ?)",
	[S_MESSAGE_STATUS] = "UPDATE message SET status = ?, reason = ?"
	    " WHERE id = ?",
	[S_CMD_GET] = "SELECT command, list, address, token, result, message"
	    " FROM list_command WHERE id = ?",
	[S_DIGEST_LAST] = "SELECT max(period_end) FROM digest WHERE list = ?",
	[S_DIGEST_FIRST] = "SELECT min(period_start) FROM digest WHERE list = ?",
	[S_DIGEST_INSERT] = "INSERT INTO digest (list, period_start,"
	    " period_end, created, items) VALUES (lower(?), ?, ?, ?, ?)",
	[S_DIGEST_QUEUED] = "UPDATE digest SET queued = ? WHERE id = ?",
	[S_DIGEST_ITEM_INSERT] = "INSERT INTO digest_item (digest, seq,"
	    " section, record, urgent) VALUES (?, ?, ?, ?, ?)",
	[S_DIGEST_FLAG_INSERT] = "INSERT INTO digest_flag (outbox, seq,"
	    " record, overdue) VALUES (?, ?, ?, ?)",
	[S_DIGESTS_OF_LIST] = "SELECT id, period_start, period_end, created,"
	    " items, queued FROM digest WHERE list = ? ORDER BY period_start"
	    " DESC LIMIT ?",
	[S_DIGEST_GET] = "SELECT id, list, period_start, period_end, created,"
	    " items, queued FROM digest WHERE id = ?",
	[S_DIGEST_ITEMS] = "SELECT di.section, di.urgent, r.id, r.ref,"
	    " r.fields, coalesce(o.name, c.address), r.routed, r.url"
	    " FROM digest_item di JOIN record r ON r.id = di.record"
	    " LEFT JOIN org o ON o.id = r.org"
	    " LEFT JOIN contact c ON c.id = r.contact"
	    " WHERE di.digest = ? ORDER BY di.seq",
	[S_DIGEST_FLAGS] = "SELECT df.overdue, r.id, r.ref, r.fields,"
	    " coalesce(o.name, c.address), r.routed, r.url"
	    " FROM digest_flag df JOIN record r ON r.id = df.record"
	    " LEFT JOIN org o ON o.id = r.org"
	    " LEFT JOIN contact c ON c.id = r.contact"
	    " WHERE df.outbox = ? ORDER BY df.seq",
	/* hub submissions made in [?1, ?2), routed, in no digest of list ?3
	 * yet (one routed late still comes, in the next digest) */
	[S_DIGEST_HUB] = "SELECT '0', r.id, r.ref, r.fields,"
	    " coalesce(o.name, c.address), r.routed, r.url"
	    " FROM record r LEFT JOIN org o ON o.id = r.org"
	    " LEFT JOIN contact c ON c.id = r.contact"
	    " WHERE r.kind = 'hub' AND r.status = 'routed'"
	    " AND r.created >= ?1 AND r.created < ?2"
	    " AND NOT EXISTS (SELECT 1 FROM digest_item di"
	    " JOIN digest d ON d.id = di.digest"
	    " WHERE di.record = r.id AND d.list = ?3)"
	    " ORDER BY r.created, r.id",
	/* early warnings made before ?1 and routed: urgent when a route
	 * says so */
	[S_DIGEST_WARNINGS] = "SELECT EXISTS (SELECT 1 FROM route ro"
	    " WHERE ro.record = r.id AND ro.urgent), r.id, r.ref, r.fields,"
	    " coalesce(o.name, c.address), r.routed, r.url"
	    " FROM record r LEFT JOIN org o ON o.id = r.org"
	    " LEFT JOIN contact c ON c.id = r.contact"
	    " WHERE r.kind = 'early-warning' AND r.status = 'routed'"
	    " AND r.created < ?1 ORDER BY r.created, r.id",
	/* the flags routed to contact ?1 before ?2 that no outcome received
	 * before ?2 answers */
	[S_OPEN_FLAGS] = "SELECT '0', r.id, r.ref, r.fields,"
	    " coalesce(o.name, c.address), r.routed, r.url"
	    " FROM record r LEFT JOIN org o ON o.id = r.org"
	    " LEFT JOIN contact c ON c.id = r.contact"
	    " WHERE r.kind = 'flag' AND r.status = 'routed' AND r.routed < ?2"
	    " AND r.id IN (SELECT record FROM route WHERE contact = ?1)"
	    " AND NOT EXISTS (SELECT 1 FROM outcome_target ot"
	    " JOIN record oc ON oc.id = ot.record"
	    " WHERE ot.flag = r.id AND oc.created < ?2)"
	    " ORDER BY r.routed, r.id",
};

struct store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmt[S_NSTMT];
};

static int
db_err(struct store *st, struct err *err, const char *what)
{
	int code = sqlite3_extended_errcode(st->db);
	int prim = code & 0xff;
	enum err_class cls = ERR_SYS;

	if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED || prim == SQLITE_FULL ||
	    prim == SQLITE_IOERR || prim == SQLITE_CANTOPEN ||
	    prim == SQLITE_PROTOCOL)
		cls = ERR_TEMP;
	else if (prim == SQLITE_CONSTRAINT)
		cls = ERR_MSG;
	return err_set(err, cls, "store %s: %s: %s", st->path, what,
	    sqlite3_errmsg(st->db));
}

static sqlite3_stmt *
stmt_get(struct store *st, enum stmt_id id, struct err *err)
{
	sqlite3_stmt *s = st->stmt[id];

	if (s == NULL) {
		if (sqlite3_prepare_v3(st->db, stmt_sql[id], -1,
		    SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
			db_err(st, err, "prepare");
			return NULL;
		}
		st->stmt[id] = s;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

static void
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

static void
bind_id(sqlite3_stmt *s, int i, int64_t v)
{
	if (v <= 0)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, v);
}

static char *
col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t != NULL ? xstrdup((const char *)t) : NULL;
}

/* runs a statement that returns no rows */
static int
stmt_done(struct store *st, sqlite3_stmt *s, struct err *err, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_err(st, err, what);
	return 0;
}

static int
exec_sql(struct store *st, const char *sql, struct err *err, const char *what)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_err(st, err, what);
	return 0;
}

static int
migrate(struct store *st, struct err *err)
{
	sqlite3_stmt *s = NULL;
	int version = 0, i;
	char sql[64];

	if (exec_sql(st, "BEGIN IMMEDIATE", err, "begin migration") == -1)
		return -1;
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) !=
	    SQLITE_OK || sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		db_err(st, err, "read schema version");
		goto fail;
	}
	version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (version > NMIGRATIONS) {
		err_set(err, ERR_CONFIG, "store %s has schema version %d; this "
		    "flagpost knows up to %d: use a newer flagpost", st->path,
		    version, NMIGRATIONS);
		goto fail;
	}
	for (i = version; i < NMIGRATIONS; i++) {
		if (exec_sql(st, migrations[i], err, "migrate") == -1)
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", i + 1);
		if (exec_sql(st, sql, err, "migrate") == -1)
			goto fail;
		log_info("store %s: migrated to schema version %d", st->path,
		    i + 1);
	}
	return exec_sql(st, "COMMIT", err, "commit migration");
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
store_open(const char *path, struct store **st_r, struct err *err)
{
	struct store *st;

	*st_r = NULL;
	st = xcalloc(1, sizeof(*st));
	st->path = xstrdup(path);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		if (st->db == NULL)
			err_set(err, ERR_TEMP, "store %s: cannot open", path);
		else
			err_set(err, ERR_TEMP, "store %s: cannot open: %s",
			    path, sqlite3_errmsg(st->db));
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 10000);
	/*
	 * WAL: readers never block the writer.  synchronous=FULL: a mail
	 * whose ingest returned 0 to the MTA is on disk.
	 */
	if (exec_sql(st, "PRAGMA journal_mode = WAL", err, "set WAL") == -1 ||
	    exec_sql(st, "PRAGMA synchronous = FULL", err, "set sync") == -1 ||
	    exec_sql(st, "PRAGMA foreign_keys = ON", err, "foreign keys") == -1 ||
	    exec_sql(st, "PRAGMA cache_size = -16384", err, "cache size") == -1 ||
	    migrate(st, err) == -1)
		goto fail;
	*st_r = st;
	return 0;
fail:
	store_close(&st);
	return -1;
}

void
store_close(struct store **stp)
{
	struct store *st;
	int i;

	if (stp == NULL || (st = *stp) == NULL)
		return;
	for (i = 0; i < S_NSTMT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
	*stp = NULL;
}

int
store_schema_version(struct store *st)
{
	sqlite3_stmt *s = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) ==
	    SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int
simple(struct store *st, enum stmt_id id, struct err *err, const char *what)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, id, err)) == NULL)
		return -1;
	return stmt_done(st, s, err, what);
}

int
store_begin(struct store *st, struct err *err)
{
	return simple(st, S_BEGIN, err, "begin");
}

int
store_commit(struct store *st, struct err *err)
{
	return simple(st, S_COMMIT, err, "commit");
}

void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		(void)simple(st, S_ROLLBACK, NULL, "rollback");
}

int
store_savepoint(struct store *st, struct err *err)
{
	return simple(st, S_SAVEPOINT, err, "savepoint");
}

int
store_release(struct store *st, struct err *err)
{
	return simple(st, S_RELEASE, err, "release");
}

void
store_rollback_savepoint(struct store *st)
{
	if (simple(st, S_ROLLBACK_TO, NULL, "rollback to") == 0)
		(void)simple(st, S_RELEASE, NULL, "release");
}

static void
now_text(char out[21])
{
	time_rfc3339(now_epoch(), out);
}

/* ---------------------------------------------------------------- orgs */

void
org_free(struct org **op)
{
	struct org *o;
	size_t i;

	if (op == NULL || (o = *op) == NULL)
		return;
	free(o->name);
	free(o->licence);
	free(o->language);
	free(o->created);
	for (i = 0; i < o->ndomains; i++)
		free(o->domains[i]);
	free(o->domains);
	for (i = 0; i < o->naddresses; i++)
		free(o->addresses[i]);
	free(o->addresses);
	free(o);
	*op = NULL;
}

static int
org_sender_add(struct store *st, int64_t org, const char *kind,
    const char *value, struct err *err)
{
	sqlite3_stmt *s;
	char *lower;
	int ret = -1;

	if ((s = stmt_get(st, S_ORG_SENDER_INSERT, err)) == NULL)
		return -1;
	lower = xstrdup(value);
	str_lower(lower);
	sqlite3_bind_int64(s, 1, org);
	bind_text(s, 2, kind);
	bind_text(s, 3, lower);
	if (sqlite3_step(s) == SQLITE_DONE)
		ret = 0;
	else if ((sqlite3_extended_errcode(st->db) & 0xff) == SQLITE_CONSTRAINT)
		err_set(err, ERR_MSG, "%s '%s' already belongs to an "
		    "organisation", kind, lower);
	else
		db_err(st, err, "add sender");
	sqlite3_reset(s);
	free(lower);
	return ret;
}

int
store_org_add(struct store *st, const struct org *o, int64_t *id_r,
    struct err *err)
{
	sqlite3_stmt *s;
	char now[21];
	int64_t id;
	size_t i;

	if (store_begin(st, err) == -1)
		return -1;
	if ((s = stmt_get(st, S_ORG_INSERT, err)) == NULL)
		goto fail;
	now_text(now);
	bind_text(s, 1, o->name);
	sqlite3_bind_int(s, 2, o->good_faith ? 1 : 0);
	bind_text(s, 3, o->licence);
	bind_text(s, 4, now);
	bind_text(s, 5, o->language);
	if (sqlite3_step(s) != SQLITE_DONE) {
		if ((sqlite3_extended_errcode(st->db) & 0xff) ==
		    SQLITE_CONSTRAINT) {
			sqlite3_reset(s);
			err_set(err, ERR_MSG, "an organisation named '%s' "
			    "exists already", o->name);
		} else
			db_err(st, err, "add organisation");
		goto fail;
	}
	sqlite3_reset(s);
	id = sqlite3_last_insert_rowid(st->db);
	for (i = 0; i < o->ndomains; i++)
		if (org_sender_add(st, id, "domain", o->domains[i], err) == -1)
			goto fail;
	for (i = 0; i < o->naddresses; i++)
		if (org_sender_add(st, id, "address", o->addresses[i],
		    err) == -1)
			goto fail;
	if (store_commit(st, err) == -1)
		goto fail;
	if (id_r != NULL)
		*id_r = id;
	return 0;
fail:
	store_rollback(st);
	return -1;
}

static int
org_load(struct store *st, sqlite3_stmt *s, struct org **o_r, struct err *err)
{
	struct org *o;
	sqlite3_stmt *q;
	int rc;

	*o_r = NULL;
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return db_err(st, err, "read organisation");
	}
	o = xcalloc(1, sizeof(*o));
	o->id = sqlite3_column_int64(s, 0);
	o->name = col_dup(s, 1);
	o->good_faith = sqlite3_column_int(s, 2) != 0;
	o->licence = col_dup(s, 3);
	o->disabled = sqlite3_column_int(s, 4) != 0;
	o->created = col_dup(s, 5);
	o->language = col_dup(s, 6);
	sqlite3_reset(s);
	if ((q = stmt_get(st, S_ORG_SENDERS, err)) == NULL) {
		org_free(&o);
		return -1;
	}
	sqlite3_bind_int64(q, 1, o->id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(q, 0);

		if (kind != NULL && strcmp(kind, "domain") == 0) {
			o->domains = xreallocarray(o->domains, o->ndomains + 1,
			    sizeof(char *));
			o->domains[o->ndomains++] = col_dup(q, 1);
		} else {
			o->addresses = xreallocarray(o->addresses,
			    o->naddresses + 1, sizeof(char *));
			o->addresses[o->naddresses++] = col_dup(q, 1);
		}
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		org_free(&o);
		return db_err(st, err, "read senders");
	}
	*o_r = o;
	return 0;
}

static int
org_by_id(struct store *st, int64_t id, struct org **o_r, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_ORG_BY_ID, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return org_load(st, s, o_r, err);
}

int
store_org_get(struct store *st, const char *name, struct org **o_r,
    struct err *err)
{
	sqlite3_stmt *s;

	*o_r = NULL;
	if ((s = stmt_get(st, S_ORG_BY_NAME, err)) == NULL)
		return -1;
	bind_text(s, 1, name);
	return org_load(st, s, o_r, err);
}

static int
lookup_id(struct store *st, enum stmt_id id, const char *value,
    int64_t *id_r, struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	*id_r = 0;
	if ((s = stmt_get(st, id, err)) == NULL)
		return -1;
	bind_text(s, 1, value);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id_r = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(st, err, "look up");
	return 0;
}

int
store_org_by_sender(struct store *st, const char *addr, struct org **o_r,
    struct err *err)
{
	const char *at;
	int64_t id;

	*o_r = NULL;
	if (addr == NULL || (at = strrchr(addr, '@')) == NULL)
		return 0;
	if (lookup_id(st, S_ORG_BY_ADDRESS, addr, &id, err) == -1)
		return -1;
	if (id == 0 && lookup_id(st, S_ORG_BY_DOMAIN, at + 1, &id, err) == -1)
		return -1;
	if (id == 0)
		return 0;
	return org_by_id(st, id, o_r, err);
}

int
store_org_list(struct store *st, struct org ***list_r, size_t *n_r,
    struct err *err)
{
	sqlite3_stmt *s;
	int64_t *ids = NULL;
	size_t n = 0, i;
	struct org **list;
	int rc;

	*list_r = NULL;
	*n_r = 0;
	if ((s = stmt_get(st, S_ORG_LIST, err)) == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ids = xreallocarray(ids, n + 1, sizeof(*ids));
		ids[n++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		free(ids);
		return db_err(st, err, "list organisations");
	}
	list = xcalloc(n ? n : 1, sizeof(*list));
	for (i = 0; i < n; i++) {
		if (org_by_id(st, ids[i], &list[i], err) == -1) {
			while (i-- > 0)
				org_free(&list[i]);
			free(list);
			free(ids);
			return -1;
		}
	}
	free(ids);
	*list_r = list;
	*n_r = n;
	return 0;
}

int
store_org_disable(struct store *st, const char *name, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_ORG_DISABLE, err)) == NULL)
		return -1;
	bind_text(s, 1, name);
	if (stmt_done(st, s, err, "disable organisation") == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return err_set(err, ERR_MSG, "no organisation named '%s'",
		    name);
	return 0;
}

/* ---------------------------------------------------------------- contacts */

void
contact_free(struct contact **cp)
{
	struct contact *c;

	if (cp == NULL || (c = *cp) == NULL)
		return;
	free(c->address);
	free(c->name);
	free(c->platform);
	free(c->languages);
	free(c->created);
	free(c);
	*cp = NULL;
}

int
store_contact_add(struct store *st, const struct contact *c, int64_t *id_r,
    struct err *err)
{
	sqlite3_stmt *s;
	char now[21];

	if ((s = stmt_get(st, S_CONTACT_INSERT, err)) == NULL)
		return -1;
	now_text(now);
	bind_text(s, 1, c->address);
	bind_text(s, 2, c->name);
	bind_text(s, 3, c->platform);
	bind_text(s, 4, c->languages);
	bind_text(s, 5, now);
	if (sqlite3_step(s) != SQLITE_DONE) {
		if ((sqlite3_extended_errcode(st->db) & 0xff) ==
		    SQLITE_CONSTRAINT) {
			sqlite3_reset(s);
			return err_set(err, ERR_MSG, "a contact with the "
			    "address '%s' exists already", c->address);
		}
		sqlite3_reset(s);
		return db_err(st, err, "add contact");
	}
	sqlite3_reset(s);
	if (id_r != NULL)
		*id_r = sqlite3_last_insert_rowid(st->db);
	return 0;
}

static struct contact *
contact_row(sqlite3_stmt *s)
{
	struct contact *c;

	c = xcalloc(1, sizeof(*c));
	c->id = sqlite3_column_int64(s, 0);
	c->address = col_dup(s, 1);
	c->name = col_dup(s, 2);
	c->platform = col_dup(s, 3);
	c->languages = col_dup(s, 4);
	c->created = col_dup(s, 5);
	return c;
}

int
store_contact_get(struct store *st, const char *address, struct contact **c_r,
    struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	*c_r = NULL;
	if (address == NULL)
		return 0;
	if ((s = stmt_get(st, S_CONTACT_GET, err)) == NULL)
		return -1;
	bind_text(s, 1, address);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*c_r = contact_row(s);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(st, err, "read contact");
	return 0;
}

int
store_contact_list(struct store *st, struct contact ***list_r, size_t *n_r,
    struct err *err)
{
	sqlite3_stmt *s;
	struct contact **list = NULL;
	size_t n = 0;
	int rc;

	*list_r = NULL;
	*n_r = 0;
	if ((s = stmt_get(st, S_CONTACT_LIST, err)) == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		list = xreallocarray(list, n + 1, sizeof(*list));
		list[n++] = contact_row(s);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		while (n-- > 0)
			contact_free(&list[n]);
		free(list);
		return db_err(st, err, "list contacts");
	}
	*list_r = list;
	*n_r = n;
	return 0;
}

int
store_contact_remove(struct store *st, const char *address, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_CONTACT_REMOVE, err)) == NULL)
		return -1;
	bind_text(s, 1, address);
	if (stmt_done(st, s, err, "remove contact") == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return err_set(err, ERR_MSG, "no contact with the address '%s'",
		    address);
	return 0;
}

int
store_platforms(struct store *st, char ***list_r, size_t *n_r,
    struct err *err)
{
	sqlite3_stmt *s;
	char **list = NULL;
	size_t n = 0;
	int rc;

	*list_r = NULL;
	*n_r = 0;
	if ((s = stmt_get(st, S_PLATFORMS, err)) == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		list = xreallocarray(list, n + 1, sizeof(*list));
		list[n++] = col_dup(s, 0);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		while (n-- > 0)
			free(list[n]);
		free(list);
		return db_err(st, err, "list platforms");
	}
	*list_r = list;
	*n_r = n;
	return 0;
}

/* ---------------------------------------------------------------- mails */

int
store_message_find(struct store *st, const char *message_id,
    const char *sha256, int64_t *id_r, struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	*id_r = 0;
	if ((s = stmt_get(st, S_MESSAGE_FIND, err)) == NULL)
		return -1;
	bind_text(s, 1, sha256);
	bind_text(s, 2, message_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id_r = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(st, err, "find message");
	return 0;
}

int
store_message_insert(struct store *st, const struct message_row *m,
    int64_t *id_r, struct err *err)
{
	sqlite3_stmt *s;
	char now[21], date[21];

	if ((s = stmt_get(st, S_MESSAGE_INSERT, err)) == NULL)
		return -1;
	now_text(now);
	bind_text(s, 1, now);
	bind_text(s, 2, m->source);
	bind_text(s, 3, m->message_id);
	bind_text(s, 4, m->sha256);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)m->size);
	sqlite3_bind_blob64(s, 6, m->raw_len ? m->raw : "", m->raw_len,
	    SQLITE_STATIC);
	sqlite3_bind_int(s, 7, m->raw_len == m->size);
	bind_text(s, 8, m->from_addr);
	bind_text(s, 9, m->subject);
	if (m->date >= 0) {
		time_rfc3339(m->date, date);
		bind_text(s, 10, date);
	}
	bind_text(s, 11, m->kind != KIND_NONE ? kind_name(m->kind) : NULL);
	bind_text(s, 12, m->kind_why);
	bind_text(s, 13, m->status);
	bind_text(s, 14, m->reason);
	bind_text(s, 15, m->automatic);
	bind_text(s, 16, m->auth);
	bind_id(s, 17, m->org_id);
	bind_id(s, 18, m->contact_id);
	if (stmt_done(st, s, err, "store message") == -1)
		return -1;
	*id_r = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_problem_add(struct store *st, int64_t msg, const char *field,
    const char *value, const char *where, const char *text, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_PROBLEM_INSERT, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, msg);
	bind_text(s, 2, field);
	bind_text(s, 3, value);
	bind_text(s, 4, where);
	bind_text(s, 5, text);
	return stmt_done(st, s, err, "store problem");
}

int
store_evidence_add(struct store *st, int64_t msg, const char *name,
    const char *type, const void *data, size_t len, const char *sha256,
    int64_t *id_r, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_EVIDENCE_INSERT, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, msg);
	bind_text(s, 2, name);
	bind_text(s, 3, type);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)len);
	bind_text(s, 5, sha256);
	sqlite3_bind_blob64(s, 6, len ? data : "", len, SQLITE_STATIC);
	if (stmt_done(st, s, err, "store evidence") == -1)
		return -1;
	*id_r = sqlite3_last_insert_rowid(st->db);
	return 0;
}

static int
ref_next(struct store *st, enum record_kind kind, char *ref_r,
    struct err *err)
{
	sqlite3_stmt *s;
	char now[21];
	long long year, seq;
	int rc;

	if ((s = stmt_get(st, S_REFSEQ_NEXT, err)) == NULL)
		return -1;
	now_text(now);
	year = (now[0] - '0') * 1000 + (now[1] - '0') * 100 +
	    (now[2] - '0') * 10 + (now[3] - '0');
	bind_text(s, 1, kind_ref_prefix(kind));
	sqlite3_bind_int64(s, 2, year);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return db_err(st, err, "allocate reference");
	}
	seq = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	snprintf(ref_r, 32, "%s-%lld-%06lld", kind_ref_prefix(kind), year, seq);
	return 0;
}

int
store_record_add(struct store *st, int64_t msg, const struct record_row *r,
    int64_t *id_r, char *ref_r, struct err *err)
{
	sqlite3_stmt *s;
	char now[21], uuid[37];

	if (ref_next(st, r->kind, ref_r, err) == -1)
		return -1;
	if ((s = stmt_get(st, S_RECORD_INSERT, err)) == NULL)
		return -1;
	now_text(now);
	uuid_v4(uuid);
	bind_text(s, 1, ref_r);
	bind_text(s, 2, uuid);
	bind_text(s, 3, kind_name(r->kind));
	sqlite3_bind_int64(s, 4, msg);
	bind_id(s, 5, r->org_id);
	bind_id(s, 6, r->contact_id);
	bind_text(s, 7, r->url);
	bind_text(s, 8, r->url_norm);
	bind_text(s, 9, r->language);
	bind_text(s, 10, r->where);
	bind_text(s, 11, r->fields_json);
	bind_text(s, 12, now);
	if (stmt_done(st, s, err, "store record") == -1)
		return -1;
	*id_r = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_record_evidence(struct store *st, int64_t rec, int64_t ev,
    struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_RECORD_EVIDENCE, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, rec);
	sqlite3_bind_int64(s, 2, ev);
	return stmt_done(st, s, err, "link evidence");
}

int
store_outcome_target(struct store *st, int64_t rec, const char *target,
    struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_TARGET_INSERT, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, rec);
	bind_text(s, 2, target);
	bind_text(s, 3, target);
	return stmt_done(st, s, err, "store outcome target");
}

/* ---------------------------------------------------------------- reading */

void
record_info_free(struct record_info **rp)
{
	struct record_info *r;

	if (rp == NULL || (r = *rp) == NULL)
		return;
	free(r->ref);
	free(r->uuid);
	free(r->kind);
	free(r->status);
	free(r->created);
	free(r->org);
	free(r->url);
	free(r->url_norm);
	free(r->where);
	free(r->fields_json);
	free(r->routed);
	free(r->reason);
	free(r);
	*rp = NULL;
}

static struct record_info *
record_row_read(sqlite3_stmt *s)
{
	struct record_info *r;

	r = xcalloc(1, sizeof(*r));
	r->id = sqlite3_column_int64(s, 0);
	r->ref = col_dup(s, 1);
	r->uuid = col_dup(s, 2);
	r->kind = col_dup(s, 3);
	r->status = col_dup(s, 4);
	r->created = col_dup(s, 5);
	r->org = col_dup(s, 6);
	r->url = col_dup(s, 7);
	r->url_norm = col_dup(s, 8);
	r->where = col_dup(s, 9);
	r->fields_json = col_dup(s, 10);
	r->message = sqlite3_column_int64(s, 11);
	r->routed = col_dup(s, 12);
	r->reason = col_dup(s, 13);
	return r;
}

int
store_records_each(struct store *st, const struct record_filter *f,
    store_record_cb cb, void *arg, struct err *err)
{
	struct buf sql = BUF_INIT(4096);
	sqlite3_stmt *s = NULL;
	struct record_info *r;
	int rc, n = 0, ret = -1;

	buf_addstr(&sql, "SELECT " RECORD_COLS " WHERE 1");
	if (f->kind != NULL)
		buf_addstr(&sql, " AND r.kind = ?1");
	if (f->org != NULL)
		buf_addstr(&sql, " AND (o.name = ?2 COLLATE NOCASE"
		    " OR c.address = ?2 COLLATE NOCASE)");
	if (f->since != NULL)
		buf_addstr(&sql, " AND r.created >= ?3");
	if (f->message > 0)
		buf_addstr(&sql, " AND r.message = ?4");
	buf_addstr(&sql, " ORDER BY r.id");
	if (sqlite3_prepare_v2(st->db, buf_str(&sql), -1, &s, NULL) !=
	    SQLITE_OK) {
		db_err(st, err, "list records");
		goto out;
	}
	if (f->kind != NULL)
		bind_text(s, 1, f->kind);
	if (f->org != NULL)
		bind_text(s, 2, f->org);
	if (f->since != NULL)
		bind_text(s, 3, f->since);
	if (f->message > 0)
		sqlite3_bind_int64(s, 4, f->message);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		r = record_row_read(s);
		n = cb(arg, r);
		record_info_free(&r);
		if (n != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_err(st, err, "list records");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(s);
	buf_free(&sql);
	return ret;
}

int
store_record_get(struct store *st, const char *ref_or_id,
    struct record_info **r_r, struct err *err)
{
	sqlite3_stmt *s;
	long long id;
	int rc;

	*r_r = NULL;
	if (str_tonum(ref_or_id, 1, INT64_MAX, &id) == 0) {
		if ((s = stmt_get(st, S_RECORD_GET_ID, err)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, id);
	} else {
		if ((s = stmt_get(st, S_RECORD_GET_REF, err)) == NULL)
			return -1;
		bind_text(s, 1, ref_or_id);
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*r_r = record_row_read(s);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(st, err, "read record");
	return 0;
}

void
message_info_free(struct message_info **mp)
{
	struct message_info *m;

	if (mp == NULL || (m = *mp) == NULL)
		return;
	free(m->received);
	free(m->source);
	free(m->message_id);
	free(m->sha256);
	free(m->from_addr);
	free(m->subject);
	free(m->kind);
	free(m->kind_why);
	free(m->status);
	free(m->reason);
	free(m->automatic);
	free(m->auth);
	free(m->org);
	free(m->contact);
	free(m);
	*mp = NULL;
}

static struct message_info *
message_row_read(sqlite3_stmt *s)
{
	struct message_info *m;

	m = xcalloc(1, sizeof(*m));
	m->id = sqlite3_column_int64(s, 0);
	m->received = col_dup(s, 1);
	m->source = col_dup(s, 2);
	m->message_id = col_dup(s, 3);
	m->sha256 = col_dup(s, 4);
	m->size = sqlite3_column_int64(s, 5);
	m->raw_complete = sqlite3_column_int(s, 6) != 0;
	m->from_addr = col_dup(s, 7);
	m->subject = col_dup(s, 8);
	m->kind = col_dup(s, 9);
	m->kind_why = col_dup(s, 10);
	m->status = col_dup(s, 11);
	m->reason = col_dup(s, 12);
	m->automatic = col_dup(s, 13);
	m->auth = col_dup(s, 14);
	m->org = col_dup(s, 15);
	m->contact = col_dup(s, 16);
	m->nrecords = sqlite3_column_int64(s, 17);
	m->nproblems = sqlite3_column_int64(s, 18);
	return m;
}

int
store_messages_each(struct store *st, const char *status, const char *since,
    store_message_cb cb, void *arg, struct err *err)
{
	struct buf sql = BUF_INIT(4096);
	sqlite3_stmt *s = NULL;
	struct message_info *m;
	int rc, ret = -1;

	buf_addstr(&sql, "SELECT " MESSAGE_COLS " WHERE 1");
	if (status != NULL)
		buf_addstr(&sql, " AND m.status = ?1");
	if (since != NULL)
		buf_addstr(&sql, " AND m.received >= ?2");
	buf_addstr(&sql, " ORDER BY m.id");
	if (sqlite3_prepare_v2(st->db, buf_str(&sql), -1, &s, NULL) !=
	    SQLITE_OK) {
		db_err(st, err, "list messages");
		goto out;
	}
	if (status != NULL)
		bind_text(s, 1, status);
	if (since != NULL)
		bind_text(s, 2, since);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int stop;

		m = message_row_read(s);
		stop = cb(arg, m);
		message_info_free(&m);
		if (stop != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_err(st, err, "list messages");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(s);
	buf_free(&sql);
	return ret;
}

int
store_message_get(struct store *st, int64_t id, struct message_info **m_r,
    struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	*m_r = NULL;
	if ((s = stmt_get(st, S_MESSAGE_GET, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*m_r = message_row_read(s);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(st, err, "read message");
	return 0;
}

/* every row of a prepared and bound query, as text columns */
static int
rows_run(struct store *st, sqlite3_stmt *s, store_row_cb cb, void *arg,
    struct err *err)
{
	const char *col[8];
	int rc, i, n;

	n = sqlite3_column_count(s);
	if (n > 8)
		n = 8;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (i = 0; i < n; i++)
			col[i] = (const char *)sqlite3_column_text(s, i);
		if (cb(arg, col) != 0)
			break;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(st, err, "read");
	return 0;
}

/* every row of a query keyed by one id */
static int
rows_each(struct store *st, enum stmt_id id, int64_t key, store_row_cb cb,
    void *arg, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, id, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, key);
	return rows_run(st, s, cb, arg, err);
}

/* every row of a query keyed by one text, e.g. a group name */
static int
rows_each_text(struct store *st, enum stmt_id id, const char *key,
    store_row_cb cb, void *arg, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, id, err)) == NULL)
		return -1;
	bind_text(s, 1, key);
	return rows_run(st, s, cb, arg, err);
}

int
store_problems_each(struct store *st, int64_t msg, store_row_cb cb,
    void *arg, struct err *err)
{
	return rows_each(st, S_PROBLEMS, msg, cb, arg, err);
}

int
store_evidence_each(struct store *st, int64_t rec, store_row_cb cb,
    void *arg, struct err *err)
{
	return rows_each(st, S_EVIDENCE_OF_RECORD, rec, cb, arg, err);
}

int
store_targets_each(struct store *st, int64_t rec, store_row_cb cb,
    void *arg, struct err *err)
{
	return rows_each(st, S_TARGETS, rec, cb, arg, err);
}

int
store_outcomes_each(struct store *st, int64_t flag, store_row_cb cb,
    void *arg, struct err *err)
{
	return rows_each(st, S_OUTCOMES, flag, cb, arg, err);
}

/* ---------------------------------------------------------------- groups */

int
store_group_add(struct store *st, const char *group, const char *address,
    struct err *err)
{
	sqlite3_stmt *s;
	char now[21];
	int64_t grp, contact;
	int ret = -1;

	if (group == NULL || *group == '\0')
		return err_set(err, ERR_MSG, "a group needs a name");
	if (address == NULL || *address == '\0')
		return err_set(err, ERR_MSG, "group '%s' needs a member's "
		    "address", group);
	if (store_savepoint(st, err) == -1)
		return -1;
	/* the write first: it takes the lock, waiting for it when busy */
	if ((s = stmt_get(st, S_GROUP_INSERT, err)) == NULL)
		goto out;
	now_text(now);
	bind_text(s, 1, group);
	bind_text(s, 2, now);
	if (stmt_done(st, s, err, "add group") == -1)
		goto out;
	if (lookup_id(st, S_CONTACT_ID, address, &contact, err) == -1)
		goto out;
	if (contact == 0) {
		err_set(err, ERR_MSG, "no contact '%s'", address);
		goto out;
	}
	if (lookup_id(st, S_GROUP_ID, group, &grp, err) == -1)
		goto out;
	if ((s = stmt_get(st, S_MEMBER_INSERT, err)) == NULL)
		goto out;
	sqlite3_bind_int64(s, 1, grp);
	sqlite3_bind_int64(s, 2, contact);
	if (stmt_done(st, s, err, "add group member") == -1)
		goto out;
	if (store_release(st, err) == -1)
		goto out;
	ret = 0;
out:
	if (ret == -1)
		store_rollback_savepoint(st);
	return ret;
}

int
store_group_remove(struct store *st, const char *group, const char *address,
    struct err *err)
{
	sqlite3_stmt *s;
	int64_t grp;

	if (group == NULL)
		return err_set(err, ERR_MSG, "no group ''");
	if (address == NULL) {
		/* the members go with it (ON DELETE CASCADE) */
		if ((s = stmt_get(st, S_GROUP_DELETE, err)) == NULL)
			return -1;
		bind_text(s, 1, group);
		if (stmt_done(st, s, err, "remove group") == -1)
			return -1;
		if (sqlite3_changes(st->db) == 0)
			return err_set(err, ERR_MSG, "no group '%s'", group);
		return 0;
	}
	if (lookup_id(st, S_GROUP_ID, group, &grp, err) == -1)
		return -1;
	if (grp == 0)
		return err_set(err, ERR_MSG, "no group '%s'", group);
	/* a group left without members stays, listed with none */
	if ((s = stmt_get(st, S_MEMBER_DELETE, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, grp);
	bind_text(s, 2, address);
	if (stmt_done(st, s, err, "remove group member") == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return err_set(err, ERR_MSG, "'%s' is not in group '%s'",
		    address, group);
	return 0;
}

int
store_group_exists(struct store *st, const char *group, bool *found_r,
    struct err *err)
{
	int64_t grp;

	*found_r = false;
	if (lookup_id(st, S_GROUP_ID, group, &grp, err) == -1)
		return -1;
	*found_r = grp != 0;
	return 0;
}

int
store_groups_each(struct store *st, store_row_cb cb, void *arg,
    struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_GROUPS, err)) == NULL)
		return -1;
	return rows_run(st, s, cb, arg, err);
}

int
store_group_members_each(struct store *st, const char *group,
    store_row_cb cb, void *arg, struct err *err)
{
	return rows_each_text(st, S_GROUP_MEMBERS, group, cb, arg, err);
}

/* ---------------------------------------------------------------- routing */

int
store_records_unrouted_each(struct store *st, size_t limit, store_row_cb cb,
    void *arg, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_RECORDS_UNROUTED, err)) == NULL)
		return -1;
	/* a negative LIMIT is none */
	sqlite3_bind_int64(s, 1, limit > (size_t)INT64_MAX ? -1 :
	    (sqlite3_int64)limit);
	return rows_run(st, s, cb, arg, err);
}

int
store_record_fields_set(struct store *st, int64_t rec,
    const char *fields_json, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_RECORD_FIELDS_SET, err)) == NULL)
		return -1;
	bind_text(s, 1, fields_json);
	sqlite3_bind_int64(s, 2, rec);
	if (stmt_done(st, s, err, "store record fields") == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return err_set(err, ERR_MSG, "no record %lld", (long long)rec);
	return 0;
}

int
store_record_routed(struct store *st, int64_t rec, const char *status,
    const char *reason, struct err *err)
{
	sqlite3_stmt *s;
	char now[21];

	if (status == NULL || (strcmp(status, "routed") != 0 &&
	    strcmp(status, "quarantined") != 0))
		return err_set(err, ERR_SYS, "record %lld: status '%s' is "
		    "neither routed nor quarantined", (long long)rec,
		    status != NULL ? status : "");
	if ((s = stmt_get(st, S_RECORD_ROUTED, err)) == NULL)
		return -1;
	now_text(now);
	bind_text(s, 1, status);
	bind_text(s, 2, reason);
	bind_text(s, 3, now);
	sqlite3_bind_int64(s, 4, rec);
	if (stmt_done(st, s, err, "store record status") == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return err_set(err, ERR_MSG, "no record %lld", (long long)rec);
	return 0;
}

int
store_route_add(struct store *st, int64_t rec, const struct route_row *r,
    struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_ROUTE_INSERT, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, rec);
	sqlite3_bind_int(s, 2, r->seq);
	bind_text(s, 3, r->rule);
	bind_text(s, 4, r->location);
	bind_text(s, 5, r->target);
	bind_id(s, 6, r->contact);
	bind_text(s, 7, r->address);
	sqlite3_bind_int(s, 8, r->urgent ? 1 : 0);
	sqlite3_bind_int(s, 9, r->digest_only ? 1 : 0);
	return stmt_done(st, s, err, "store route");
}

int
store_route_trace_set(struct store *st, int64_t rec, const char *text,
    struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_TRACE_INSERT, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, rec);
	bind_text(s, 2, text);
	return stmt_done(st, s, err, "store route trace");
}

int
store_routes_each(struct store *st, int64_t rec, store_row_cb cb, void *arg,
    struct err *err)
{
	return rows_each(st, S_ROUTES, rec, cb, arg, err);
}

struct trace_lines {
	store_row_cb cb;
	void *arg;
};

/* the stored text, a line at a time */
static int
trace_lines_cb(void *arg, const char *const *col)
{
	struct trace_lines *tl = arg;
	const char *p = col[0], *nl;
	const char *line[1];
	char *copy;
	int r = 0;

	while (p != NULL && *p != '\0' && r == 0) {
		nl = strchr(p, '\n');
		copy = xstrndup(p, nl != NULL ? (size_t)(nl - p) : strlen(p));
		line[0] = copy;
		r = tl->cb(tl->arg, line);
		free(copy);
		p = nl != NULL ? nl + 1 : NULL;
	}
	return r;
}

int
store_route_trace_each(struct store *st, int64_t rec, store_row_cb cb,
    void *arg, struct err *err)
{
	struct trace_lines tl = { cb, arg };

	return rows_each(st, S_TRACE, rec, trace_lines_cb, &tl, err);
}

int
store_message_raw(struct store *st, int64_t msg, char **raw_r, size_t *len_r,
    struct err *err)
{
	sqlite3_stmt *s;
	const void *p;
	char *raw = NULL;
	size_t len = 0;
	int rc, ret = -1;

	*raw_r = NULL;
	*len_r = 0;
	if ((s = stmt_get(st, S_MESSAGE_RAW, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, msg);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		err_set(err, ERR_MSG, "no message %lld", (long long)msg);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		db_err(st, err, "read mail");
		goto out;
	}
	/* the blob before its size, as sqlite3_column_bytes asks */
	p = sqlite3_column_blob(s, 0);
	len = (size_t)sqlite3_column_bytes(s, 0);
	if (p == NULL && len > 0) {
		db_err(st, err, "read mail");
		goto out;
	}
	raw = xmalloc(len + 1);
	if (len > 0)
		memcpy(raw, p, len);
	raw[len] = '\0';
	*raw_r = raw;
	*len_r = len;
	ret = 0;
out:
	sqlite3_reset(s);
	return ret;
}

/* ---------------------------------------------------------------- outbox */

int
store_outbox_add(struct store *st, const struct outbox_row *o, int64_t *id_r,
    struct err *err)
{
	sqlite3_stmt *s;
	char now[21];

	if ((s = stmt_get(st, S_OUTBOX_INSERT, err)) == NULL)
		return -1;
	now_text(now);
	bind_text(s, 1, o->kind);
	bind_id(s, 2, o->record);
	bind_id(s, 3, o->message);
	bind_id(s, 4, o->contact);
	bind_text(s, 5, o->recipient);
	sqlite3_bind_int(s, 6, o->urgent ? 1 : 0);
	bind_text(s, 7, now);		/* due now */
	bind_text(s, 8, now);
	bind_id(s, 9, o->about);
	bind_id(s, 10, o->digest);
	bind_id(s, 11, o->subscriber);
	bind_id(s, 12, o->command);
	if (stmt_done(st, s, err, "queue mail") == -1)
		return -1;
	if (id_r != NULL)
		*id_r = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_outbox_of_record_each(struct store *st, int64_t rec, store_row_cb cb,
    void *arg, struct err *err)
{
	return rows_each(st, S_OUTBOX_OF_RECORD, rec, cb, arg, err);
}

static void
outbox_read(sqlite3_stmt *s, struct outbox_item *o)
{
	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(s, 0);
	o->kind = col_dup(s, 1);
	o->record = sqlite3_column_int64(s, 2);
	o->message = sqlite3_column_int64(s, 3);
	o->contact = sqlite3_column_int64(s, 4);
	o->recipient = col_dup(s, 5);
	o->urgent = sqlite3_column_int(s, 6) != 0;
	o->status = col_dup(s, 7);
	o->attempts = sqlite3_column_int(s, 8);
	o->due = col_dup(s, 9);
	o->created = col_dup(s, 10);
	o->updated = col_dup(s, 11);
	o->last_error = col_dup(s, 12);
	o->message_id = col_dup(s, 13);
	o->about = sqlite3_column_int64(s, 14);
	o->digest = sqlite3_column_int64(s, 15);
	o->subscriber = sqlite3_column_int64(s, 16);
	o->command = sqlite3_column_int64(s, 17);
}

void
outbox_item_clear(struct outbox_item *o)
{
	free(o->kind);
	free(o->recipient);
	free(o->status);
	free(o->due);
	free(o->created);
	free(o->updated);
	free(o->last_error);
	free(o->message_id);
	memset(o, 0, sizeof(*o));
}

void
outbox_items_free(struct outbox_item **items, size_t n)
{
	size_t i;

	for (i = 0; *items != NULL && i < n; i++)
		outbox_item_clear(&(*items)[i]);
	free(*items);
	*items = NULL;
}

static int
outbox_rows(struct store *st, sqlite3_stmt *s, struct outbox_item **items_r,
    size_t *n_r, struct err *err)
{
	struct outbox_item *items = NULL;
	size_t n = 0;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		items = xreallocarray(items, n + 1, sizeof(*items));
		outbox_read(s, &items[n++]);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		outbox_items_free(&items, n);
		return db_err(st, err, "read the outbox");
	}
	*items_r = items;
	*n_r = n;
	return 0;
}

int
store_outbox_due(struct store *st, size_t limit, unsigned mod, unsigned rem,
    struct outbox_item **items_r, size_t *n_r, struct err *err)
{
	sqlite3_stmt *s;
	char now[21];

	*items_r = NULL;
	*n_r = 0;
	if ((s = stmt_get(st, S_OUTBOX_DUE, err)) == NULL)
		return -1;
	now_text(now);
	bind_text(s, 1, now);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)limit);
	sqlite3_bind_int(s, 3, mod > 0 ? (int)mod : 1);
	sqlite3_bind_int(s, 4, (int)rem);
	return outbox_rows(st, s, items_r, n_r, err);
}

int
store_outbox_list(struct store *st, const char *status,
    struct outbox_item **items_r, size_t *n_r, struct err *err)
{
	sqlite3_stmt *s;

	*items_r = NULL;
	*n_r = 0;
	if ((s = stmt_get(st, S_OUTBOX_LIST, err)) == NULL)
		return -1;
	bind_text(s, 1, status);
	return outbox_rows(st, s, items_r, n_r, err);
}

int
store_outbox_get(struct store *st, int64_t id, struct outbox_item *o,
    bool *found_r, struct err *err)
{
	struct outbox_item *items = NULL;
	sqlite3_stmt *s;
	size_t n = 0;

	*found_r = false;
	memset(o, 0, sizeof(*o));
	if ((s = stmt_get(st, S_OUTBOX_GET, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (outbox_rows(st, s, &items, &n, err) == -1)
		return -1;
	if (n == 1) {
		*o = items[0];
		*found_r = true;
		free(items);
	} else
		outbox_items_free(&items, n);
	return 0;
}

/* an UPDATE of one outbox row: ERR_MSG when it changed nothing */
static int
outbox_update(struct store *st, sqlite3_stmt *s, int64_t id,
    struct err *err, const char *what)
{
	if (stmt_done(st, s, err, what) == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return err_set(err, ERR_MSG, "no queued mail #%lld that can be "
		    "%s", (long long)id, what);
	return 0;
}

int
store_outbox_set_message_id(struct store *st, int64_t id, const char *mid,
    struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_OUTBOX_MID, err)) == NULL)
		return -1;
	bind_text(s, 1, mid);
	sqlite3_bind_int64(s, 2, id);
	return stmt_done(st, s, err, "set a Message-ID");
}

int
store_outbox_done(struct store *st, int64_t id, const char *outcome,
    const char *due, const char *why, struct err *err)
{
	sqlite3_stmt *s;
	char now[21];
	int i = 1;

	now_text(now);
	if (strcmp(outcome, "sent") == 0)
		s = stmt_get(st, S_OUTBOX_SENT, err);
	else if (strcmp(outcome, "failed") == 0)
		s = stmt_get(st, S_OUTBOX_FAILED, err);
	else
		s = stmt_get(st, S_OUTBOX_RETRY, err);
	if (s == NULL)
		return -1;
	if (strcmp(outcome, "retry") == 0)
		bind_text(s, i++, due);
	bind_text(s, i++, now);
	bind_text(s, i++, why);
	sqlite3_bind_int64(s, i, id);
	return stmt_done(st, s, err, "update the outbox");
}

int
store_outbox_requeue(struct store *st, int64_t id, struct err *err)
{
	sqlite3_stmt *s;
	char now[21];

	if ((s = stmt_get(st, S_OUTBOX_REQUEUE, err)) == NULL)
		return -1;
	now_text(now);
	bind_text(s, 1, now);
	bind_text(s, 2, now);
	sqlite3_bind_int64(s, 3, id);
	return outbox_update(st, s, id, err, "retried");
}

int
store_outbox_drop(struct store *st, int64_t id, struct err *err)
{
	sqlite3_stmt *s;
	char now[21];

	if ((s = stmt_get(st, S_OUTBOX_DROP, err)) == NULL)
		return -1;
	now_text(now);
	bind_text(s, 1, now);
	sqlite3_bind_int64(s, 2, id);
	return outbox_update(st, s, id, err, "dropped");
}

int
store_replies_since(struct store *st, const char *addr, const char *since,
    size_t *n_r, struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	*n_r = 0;
	if ((s = stmt_get(st, S_REPLIES_SINCE, err)) == NULL)
		return -1;
	bind_text(s, 1, addr);
	bind_text(s, 2, since);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*n_r = (size_t)sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return db_err(st, err, "count replies");
	return 0;
}

int
store_record_hub_id(struct store *st, int64_t rec, const char *hub_id,
    struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_RECORD_HUB_ID, err)) == NULL)
		return -1;
	bind_text(s, 1, hub_id);
	sqlite3_bind_int64(s, 2, rec);
	return stmt_done(st, s, err, "store the hub's id");
}

int
store_evidence_data(struct store *st, int64_t rec,
    struct evidence_data **ev_r, size_t *n_r, struct err *err)
{
	struct evidence_data *ev = NULL, *e;
	sqlite3_stmt *s;
	size_t n = 0;
	int rc;

	*ev_r = NULL;
	*n_r = 0;
	if ((s = stmt_get(st, S_EVIDENCE_DATA, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, rec);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(s, 2);
		int len = sqlite3_column_bytes(s, 2);

		ev = xreallocarray(ev, n + 1, sizeof(*ev));
		e = &ev[n++];
		e->name = col_dup(s, 0);
		e->type = col_dup(s, 1);
		e->len = len > 0 ? (size_t)len : 0;
		e->data = xmalloc(e->len + 1);
		if (e->len > 0)
			memcpy(e->data, p, e->len);
		e->data[e->len] = '\0';
		e->sha256 = col_dup(s, 3);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		evidence_data_free(&ev, n);
		return db_err(st, err, "read evidence");
	}
	*ev_r = ev;
	*n_r = n;
	return 0;
}

void
evidence_data_free(struct evidence_data **ev, size_t n)
{
	size_t i;

	for (i = 0; *ev != NULL && i < n; i++) {
		free((*ev)[i].name);
		free((*ev)[i].type);
		free((*ev)[i].data);
		free((*ev)[i].sha256);
	}
	free(*ev);
	*ev = NULL;
}

/* ---------------------------------------------------------------- inboxes */

int
store_inbox_get(struct store *st, const char *inbox, uint32_t *uidvalidity_r,
    uint32_t *last_r, bool *found_r, struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	*found_r = false;
	*uidvalidity_r = *last_r = 0;
	if ((s = stmt_get(st, S_INBOX_GET, err)) == NULL)
		return -1;
	bind_text(s, 1, inbox);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*found_r = true;
		*uidvalidity_r = (uint32_t)sqlite3_column_int64(s, 0);
		*last_r = (uint32_t)sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(st, err, "read inbox state");
	return 0;
}

int
store_inbox_set(struct store *st, const char *inbox, uint32_t uidvalidity,
    uint32_t last, struct err *err)
{
	sqlite3_stmt *s;
	char now[21];

	if ((s = stmt_get(st, S_INBOX_SET, err)) == NULL)
		return -1;
	now_text(now);
	bind_text(s, 1, inbox);
	sqlite3_bind_int64(s, 2, uidvalidity);
	sqlite3_bind_int64(s, 3, last);
	bind_text(s, 4, now);
	return stmt_done(st, s, err, "store inbox state");
}

int
store_pending_add(struct store *st, const char *inbox, uint32_t uidvalidity,
    uint32_t uid, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_PENDING_ADD, err)) == NULL)
		return -1;
	bind_text(s, 1, inbox);
	sqlite3_bind_int64(s, 2, uidvalidity);
	sqlite3_bind_int64(s, 3, uid);
	return stmt_done(st, s, err, "store pending action");
}

int
store_pending_list(struct store *st, const char *inbox, uint32_t uidvalidity,
    uint32_t **uids_r, size_t *n_r, struct err *err)
{
	sqlite3_stmt *s;
	uint32_t *uids = NULL;
	size_t n = 0;
	int rc;

	*uids_r = NULL;
	*n_r = 0;
	if ((s = stmt_get(st, S_PENDING_LIST, err)) == NULL)
		return -1;
	bind_text(s, 1, inbox);
	sqlite3_bind_int64(s, 2, uidvalidity);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		uids = xreallocarray(uids, n + 1, sizeof(*uids));
		uids[n++] = (uint32_t)sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		free(uids);
		return db_err(st, err, "read pending actions");
	}
	*uids_r = uids;
	*n_r = n;
	return 0;
}

int
store_pending_clear(struct store *st, const char *inbox, uint32_t uidvalidity,
    uint32_t upto, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_PENDING_CLEAR, err)) == NULL)
		return -1;
	bind_text(s, 1, inbox);
	sqlite3_bind_int64(s, 2, uidvalidity);
	sqlite3_bind_int64(s, 3, upto);
	return stmt_done(st, s, err, "clear pending actions");
}

/* ----------------------------------------------------------------- lists */

void
subscriber_clear(struct subscriber *s)
{
	free(s->list);
	free(s->address);
	free(s->token);
	free(s->via);
	free(s->created);
	memset(s, 0, sizeof(*s));
}

void
subscribers_free(struct subscriber **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		subscriber_clear(&(*v)[i]);
	free(*v);
	*v = NULL;
}

static void
subscriber_read(sqlite3_stmt *s, struct subscriber *sb)
{
	memset(sb, 0, sizeof(*sb));
	sb->id = sqlite3_column_int64(s, 0);
	sb->list = col_dup(s, 1);
	sb->address = col_dup(s, 2);
	sb->contact = sqlite3_column_int64(s, 3);
	sb->org = sqlite3_column_int64(s, 4);
	sb->token = col_dup(s, 5);
	sb->via = col_dup(s, 6);
	sb->created = col_dup(s, 7);
}

int
store_subscriber_add(struct store *st, const char *list, const char *address,
    int64_t contact, int64_t org, const char *token, const char *via,
    bool *added_r, struct err *err)
{
	sqlite3_stmt *s;
	char now[21];

	if ((s = stmt_get(st, S_SUB_INSERT, err)) == NULL)
		return -1;
	now_text(now);
	bind_text(s, 1, list);
	bind_text(s, 2, address);
	bind_id(s, 3, contact);
	bind_id(s, 4, org);
	bind_text(s, 5, token);
	bind_text(s, 6, via);
	bind_text(s, 7, now);
	if (stmt_done(st, s, err, "add a subscriber") == -1)
		return -1;
	if (added_r != NULL)
		*added_r = sqlite3_changes(st->db) > 0;
	return 0;
}

static int
subscriber_one(struct store *st, sqlite3_stmt *s, struct subscriber *sb,
    bool *found_r, struct err *err)
{
	int rc;

	*found_r = false;
	memset(sb, 0, sizeof(*sb));
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		subscriber_read(s, sb);
		*found_r = true;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(st, err, "read a subscriber");
	return 0;
}

int
store_subscriber_get(struct store *st, const char *list, const char *address,
    struct subscriber *sb, bool *found_r, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_SUB_GET, err)) == NULL)
		return -1;
	bind_text(s, 1, list);
	bind_text(s, 2, address);
	return subscriber_one(st, s, sb, found_r, err);
}

int
store_subscriber_by_id(struct store *st, int64_t id, struct subscriber *sb,
    bool *found_r, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_SUB_BY_ID, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return subscriber_one(st, s, sb, found_r, err);
}

int
store_subscriber_by_token(struct store *st, const char *token,
    struct subscriber *sb, bool *found_r, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_SUB_BY_TOKEN, err)) == NULL)
		return -1;
	bind_text(s, 1, token);
	return subscriber_one(st, s, sb, found_r, err);
}

int
store_subscriber_remove(struct store *st, int64_t id, struct err *err)
{
	sqlite3_stmt *s;
	char now[21];

	if ((s = stmt_get(st, S_SUB_DROP_MAIL, err)) == NULL)
		return -1;
	now_text(now);
	bind_text(s, 1, now);
	sqlite3_bind_int64(s, 2, id);
	if (stmt_done(st, s, err, "drop a subscriber's digests") == -1)
		return -1;
	if ((s = stmt_get(st, S_SUB_DELETE, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return stmt_done(st, s, err, "remove a subscriber");
}

static int
subscribers_run(struct store *st, enum stmt_id id, const char *key,
    struct subscriber **v_r, size_t *n_r, struct err *err)
{
	struct subscriber *v = NULL;
	sqlite3_stmt *s;
	size_t n = 0;
	int rc;

	*v_r = NULL;
	*n_r = 0;
	if ((s = stmt_get(st, id, err)) == NULL)
		return -1;
	bind_text(s, 1, key);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		subscriber_read(s, &v[n++]);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		subscribers_free(&v, n);
		return db_err(st, err, "read the subscribers");
	}
	*v_r = v;
	*n_r = n;
	return 0;
}

int
store_subscribers(struct store *st, const char *list, struct subscriber **v_r,
    size_t *n_r, struct err *err)
{
	return subscribers_run(st, S_SUBS_OF_LIST, list, v_r, n_r, err);
}

int
store_subscriptions(struct store *st, const char *address,
    struct subscriber **v_r, size_t *n_r, struct err *err)
{
	return subscribers_run(st, S_SUBS_OF_ADDRESS, address, v_r, n_r, err);
}

int
store_subscriber_count(struct store *st, const char *list, size_t *n_r,
    struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	*n_r = 0;
	if ((s = stmt_get(st, S_SUB_COUNT, err)) == NULL)
		return -1;
	bind_text(s, 1, list);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*n_r = (size_t)sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return db_err(st, err, "count the subscribers");
	return 0;
}

void
sub_request_clear(struct sub_request *r)
{
	free(r->list);
	free(r->address);
	free(r->token);
	free(r->created);
	free(r->expires);
	free(r->done);
	memset(r, 0, sizeof(*r));
}

int
store_request_add(struct store *st, const char *list, const char *address,
    const char *token, int64_t message, const char *expires, struct err *err)
{
	sqlite3_stmt *s;
	char now[21];

	if ((s = stmt_get(st, S_REQ_INSERT, err)) == NULL)
		return -1;
	now_text(now);
	bind_text(s, 1, list);
	bind_text(s, 2, address);
	bind_text(s, 3, token);
	bind_id(s, 4, message);
	bind_text(s, 5, now);
	bind_text(s, 6, expires);
	return stmt_done(st, s, err, "record a subscription request");
}

int
store_request_by_token(struct store *st, const char *token,
    struct sub_request *r, bool *found_r, struct err *err)
{
	sqlite3_stmt *s;
	int rc;

	*found_r = false;
	memset(r, 0, sizeof(*r));
	if ((s = stmt_get(st, S_REQ_BY_TOKEN, err)) == NULL)
		return -1;
	bind_text(s, 1, token);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		r->id = sqlite3_column_int64(s, 0);
		r->list = col_dup(s, 1);
		r->address = col_dup(s, 2);
		r->token = col_dup(s, 3);
		r->created = col_dup(s, 4);
		r->expires = col_dup(s, 5);
		r->done = col_dup(s, 6);
		*found_r = true;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(st, err, "read a subscription request");
	return 0;
}

int
store_request_done(struct store *st, int64_t id, struct err *err)
{
	sqlite3_stmt *s;
	char now[21];

	if ((s = stmt_get(st, S_REQ_DONE, err)) == NULL)
		return -1;
	now_text(now);
	bind_text(s, 1, now);
	sqlite3_bind_int64(s, 2, id);
	return stmt_done(st, s, err, "confirm a subscription request");
}

int
store_requests_each(struct store *st, const char *list, const char *now,
    store_row_cb cb, void *arg, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_REQS_OF_LIST, err)) == NULL)
		return -1;
	bind_text(s, 1, list);
	bind_text(s, 2, now);
	return rows_run(st, s, cb, arg, err);
}

int
store_command_add(struct store *st, int64_t message, const char *command,
    const char *list, const char *address, const char *token,
    const char *result, int64_t *id_r, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_CMD_INSERT, err)) == NULL)
		return -1;
	bind_id(s, 1, message);
	bind_text(s, 2, command);
	bind_text(s, 3, list);
	bind_text(s, 4, address);
	bind_text(s, 5, token);
	bind_text(s, 6, result);
	if (stmt_done(st, s, err, "record a list command") == -1)
		return -1;
	if (id_r != NULL)
		*id_r = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_command_get(struct store *st, int64_t id, store_row_cb cb, void *arg,
    struct err *err)
{
	return rows_each(st, S_CMD_GET, id, cb, arg, err);
}

static int
digest_bound(struct store *st, enum stmt_id id, const char *list,
    char end[32], bool *found_r, struct err *err)
{
	sqlite3_stmt *s;
	const unsigned char *t;
	int rc;

	*found_r = false;
	end[0] = '\0';
	if ((s = stmt_get(st, id, err)) == NULL)
		return -1;
	bind_text(s, 1, list);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW &&
	    (t = sqlite3_column_text(s, 0)) != NULL) {
		snprintf(end, 32, "%s", (const char *)t);
		*found_r = true;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return db_err(st, err, "read the digests of a list");
	return 0;
}

int
store_digest_last(struct store *st, const char *list, char end[32],
    bool *found_r, struct err *err)
{
	return digest_bound(st, S_DIGEST_LAST, list, end, found_r, err);
}

int
store_digest_first(struct store *st, const char *list, char start[32],
    bool *found_r, struct err *err)
{
	return digest_bound(st, S_DIGEST_FIRST, list, start, found_r, err);
}

int
store_digest_add(struct store *st, const char *list, const char *start,
    const char *end, size_t items, int64_t *id_r, struct err *err)
{
	sqlite3_stmt *s;
	char now[21];

	if ((s = stmt_get(st, S_DIGEST_INSERT, err)) == NULL)
		return -1;
	now_text(now);
	bind_text(s, 1, list);
	bind_text(s, 2, start);
	bind_text(s, 3, end);
	bind_text(s, 4, now);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)items);
	if (stmt_done(st, s, err, "record a digest") == -1)
		return -1;
	*id_r = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_digest_queued(struct store *st, int64_t id, size_t n, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_DIGEST_QUEUED, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)n);
	sqlite3_bind_int64(s, 2, id);
	return stmt_done(st, s, err, "record a digest");
}

int
store_digest_item_add(struct store *st, int64_t digest, int seq,
    const char *section, int64_t record, bool urgent, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_DIGEST_ITEM_INSERT, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, digest);
	sqlite3_bind_int(s, 2, seq);
	bind_text(s, 3, section);
	sqlite3_bind_int64(s, 4, record);
	sqlite3_bind_int(s, 5, urgent ? 1 : 0);
	return stmt_done(st, s, err, "record a digest item");
}

int
store_digest_flag_add(struct store *st, int64_t outbox, int seq,
    int64_t record, bool overdue, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_DIGEST_FLAG_INSERT, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, outbox);
	sqlite3_bind_int(s, 2, seq);
	sqlite3_bind_int64(s, 3, record);
	sqlite3_bind_int(s, 4, overdue ? 1 : 0);
	return stmt_done(st, s, err, "record a digest's open flag");
}

int
store_digests_each(struct store *st, const char *list, size_t limit,
    store_row_cb cb, void *arg, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_DIGESTS_OF_LIST, err)) == NULL)
		return -1;
	bind_text(s, 1, list);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)limit);
	return rows_run(st, s, cb, arg, err);
}

int
store_digest_get(struct store *st, int64_t id, store_row_cb cb, void *arg,
    struct err *err)
{
	return rows_each(st, S_DIGEST_GET, id, cb, arg, err);
}

int
store_digest_items_each(struct store *st, int64_t digest, store_row_cb cb,
    void *arg, struct err *err)
{
	return rows_each(st, S_DIGEST_ITEMS, digest, cb, arg, err);
}

int
store_digest_flags_each(struct store *st, int64_t outbox, store_row_cb cb,
    void *arg, struct err *err)
{
	return rows_each(st, S_DIGEST_FLAGS, outbox, cb, arg, err);
}

int
store_digest_hub_each(struct store *st, const char *list, const char *from,
    const char *end, store_row_cb cb, void *arg, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_DIGEST_HUB, err)) == NULL)
		return -1;
	bind_text(s, 1, from);
	bind_text(s, 2, end);
	bind_text(s, 3, list);
	return rows_run(st, s, cb, arg, err);
}

int
store_digest_warnings_each(struct store *st, const char *end,
    store_row_cb cb, void *arg, struct err *err)
{
	return rows_each_text(st, S_DIGEST_WARNINGS, end, cb, arg, err);
}

int
store_open_flags_each(struct store *st, int64_t contact, const char *end,
    store_row_cb cb, void *arg, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_OPEN_FLAGS, err)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, contact);
	bind_text(s, 2, end);
	return rows_run(st, s, cb, arg, err);
}

int
store_message_status(struct store *st, int64_t msg, const char *status,
    const char *reason, struct err *err)
{
	sqlite3_stmt *s;

	if ((s = stmt_get(st, S_MESSAGE_STATUS, err)) == NULL)
		return -1;
	bind_text(s, 1, status);
	bind_text(s, 2, reason);
	sqlite3_bind_int64(s, 3, msg);
	return stmt_done(st, s, err, "set a mail's status");
}
