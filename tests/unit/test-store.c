/* test-store.c: migrations, registries, mails, records and references,
 * contact groups, routing and the outbox */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "tap.h"

static int
count_cb(void *arg, const struct record_info *r)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

static int
problem_cb(void *arg, const char *const *col)
{
	is_str(col[0], "ground", "problem field");
	is_str(col[1], "x", "problem value");
	is_str(col[3], "Ground: 'x' is not a ground of hatred", "problem text");
	(*(int *)arg)++;
	return 0;
}

static int
target_cb(void *arg, const char *const *col)
{
	const char *target = col[0], *flag_status = col[1];
	struct buf_like {
		char s[256];
	} *b = arg;
	size_t n = strlen(b->s);

	snprintf(b->s + n, sizeof(b->s) - n, "%s=%s;", target,
	    flag_status ? flag_status : "none");
	return 0;
}


/* the rows of a store_row_cb query, "a|b|c;" each, "~" for NULL */
struct rows {
	int ncol;
	char s[2048];
};

static int
rows_cb(void *arg, const char *const *col)
{
	struct rows *r = arg;
	size_t n;
	int i;

	for (i = 0; i < r->ncol; i++) {
		n = strlen(r->s);
		snprintf(r->s + n, sizeof(r->s) - n, "%s%s", i ? "|" : "",
		    col[i] != NULL ? col[i] : "~");
	}
	n = strlen(r->s);
	snprintf(r->s + n, sizeof(r->s) - n, ";");
	return 0;
}

static void
rows_reset(struct rows *r, int ncol)
{
	r->ncol = ncol;
	r->s[0] = '\0';
}

/* the first row of a query on the store's file, as rows_cb writes it */
static const char *
sql_row(const char *path, const char *sql)
{
	static char out[512];
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	const unsigned char *t;
	size_t n;
	int i;

	snprintf(out, sizeof(out), "(error)");
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK || sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		goto out;
	out[0] = '\0';
	if (sqlite3_step(s) != SQLITE_ROW)
		goto out;
	for (i = 0; i < sqlite3_column_count(s); i++) {
		t = sqlite3_column_text(s, i);
		n = strlen(out);
		snprintf(out + n, sizeof(out) - n, "%s%s", i ? "|" : "",
		    t != NULL ? (const char *)t : "~");
	}
out:
	sqlite3_finalize(s);
	sqlite3_close(db);
	return out;
}

/* turns a store back into schema version 2: what migrations 3 and 4
 * added goes */
static int
downgrade_to_2(const char *path)
{
	static const char sql[] =
	    "DROP TABLE digest_flag; DROP TABLE digest_item; DROP TABLE digest;"
	    "DROP TABLE list_command; DROP TABLE subscribe_request;"
	    "DROP TABLE subscriber; DROP INDEX record_kind_created;"
	    "DROP INDEX outcome_target_flag_record;"
	    "DROP TABLE outbox; DROP TABLE route_trace; DROP TABLE route;"
	    "DROP TABLE contact_group_member; DROP TABLE contact_group;"
	    "ALTER TABLE record DROP COLUMN routed;"
	    "ALTER TABLE record DROP COLUMN reason;"
	    "ALTER TABLE record DROP COLUMN hub_id;"
	    "ALTER TABLE org DROP COLUMN language;"
	    "PRAGMA user_version = 2;";
	sqlite3 *db;
	int rc;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

/* contact groups: each step in turn on one store */
static void
test_groups(struct store *st)
{
	static const struct {
		char op;	/* add, remove, exists, list, members */
		const char *group;
		const char *address;
		int rc;		/* exists: found */
		const char *want;	/* error message or rows */
	} steps[] = {
		{ 'a', "Trust", "trust@youtube.example.com", 0, NULL },
		{ 'a', "trust", "SAFETY@TikTok.example.com", 0, NULL },
		{ 'a', "TRUST", "trust@youtube.example.com", 0, NULL },
		{ 'a', "Solo", "safety@tiktok.example.com", 0, NULL },
		{ 'a', "Trust", "nobody@example.com", -1,
		    "no contact 'nobody@example.com'" },
		{ 'a', "Ghost", "nobody@example.com", -1,
		    "no contact 'nobody@example.com'" },
		{ 'a', "", "trust@youtube.example.com", -1,
		    "a group needs a name" },
		{ 'e', "Ghost", NULL, 0, NULL },
		{ 'e', "trust", NULL, 1, NULL },
		{ 'e', "SOLO", NULL, 1, NULL },
		{ 'e', "nogroup", NULL, 0, NULL },
		{ 'l', NULL, NULL, 0,
		    "Solo|1|safety@tiktok.example.com;"
		    "Trust|2|safety@tiktok.example.com, "
		    "trust@youtube.example.com;" },
		{ 'm', "tRuSt", NULL, 0,
		    "2|safety@tiktok.example.com;"
		    "1|trust@youtube.example.com;" },
		{ 'm', "nogroup", NULL, 0, "" },
		{ 'r', "nogroup", "trust@youtube.example.com", -1,
		    "no group 'nogroup'" },
		{ 'r', "nogroup", NULL, -1, "no group 'nogroup'" },
		{ 'r', "solo", "trust@youtube.example.com", -1,
		    "'trust@youtube.example.com' is not in group 'solo'" },
		{ 'r', "solo", "nobody@example.com", -1,
		    "'nobody@example.com' is not in group 'solo'" },
		{ 'r', "SOLO", "Safety@TikTok.example.com", 0, NULL },
		{ 'l', NULL, NULL, 0,
		    "Solo|0|;"
		    "Trust|2|safety@tiktok.example.com, "
		    "trust@youtube.example.com;" },
		{ 'r', "solo", NULL, 0, NULL },
		{ 'e', "Solo", NULL, 0, NULL },
		{ 'm', "trust", NULL, 0,
		    "2|safety@tiktok.example.com;"
		    "1|trust@youtube.example.com;" },
	};
	struct rows rows;
	struct err err;
	size_t i;
	bool found;
	int rc;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		err_clear(&err);
		rows_reset(&rows, 2);
		switch (steps[i].op) {
		case 'a':
			rc = store_group_add(st, steps[i].group,
			    steps[i].address, &err);
			break;
		case 'r':
			rc = store_group_remove(st, steps[i].group,
			    steps[i].address, &err);
			break;
		case 'e':
			rc = store_group_exists(st, steps[i].group, &found,
			    &err);
			ok(rc == 0 && found == (steps[i].rc != 0),
			    "group step %zu: '%s' %s", i, steps[i].group,
			    steps[i].rc ? "exists" : "does not exist");
			continue;
		case 'l':
			rows.ncol = 3;
			rc = store_groups_each(st, rows_cb, &rows, &err);
			break;
		default:
			rc = store_group_members_each(st, steps[i].group,
			    rows_cb, &rows, &err);
			break;
		}
		is_int(rc, steps[i].rc, "group step %zu: %c '%s' '%s'", i,
		    steps[i].op, steps[i].group ? steps[i].group : "",
		    steps[i].address ? steps[i].address : "");
		if (steps[i].op == 'l' || steps[i].op == 'm')
			is_str(rows.s, steps[i].want, "group step %zu: rows",
			    i);
		else if (steps[i].rc != 0) {
			is_str(err.msg, steps[i].want,
			    "group step %zu: the message", i);
			ok(err.cls == ERR_MSG, "group step %zu: ERR_MSG", i);
		}
	}
}

int
main(void)
{
	char dir[] = "/tmp/flagpost-store-XXXXXX", path[256], ref[32];
	struct store *st = NULL;
	struct err err;
	struct org o, *got = NULL;
	struct contact c, *cg = NULL, **cl = NULL;
	struct message_row m;
	struct record_row r;
	struct record_info *ri = NULL;
	struct record_filter f;
	char d1[] = "cso.example.org", a1[] = "press@other.example.net";
	char *domains[] = { d1 };
	char *addrs[] = { a1 };
	char s_cso[] = "CSO Example", s_other[] = "Other", s_cc[] = "CC-BY-4.0";
	char s_trust[] = "Trust@YouTube.example.com", s_yt[] = "YouTube T&S";
	char s_ytp[] = "YouTube", s_langs[] = "de,fr";
	char s_safety[] = "safety@tiktok.example.com", s_tt[] = "tiktok";
	char s_other_tt[] = "other@tiktok.example.com";
	char **plat = NULL;
	struct { char s[256]; } targets = { "" };
	int64_t id, msg, rec, ev, dup;
	size_t n, i;
	int cnt;
	sqlite3 *db;

	setenv("FLAGPOST_NOW", "2026-11-28T10:00:00Z", 1);
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/flagpost.db", dir);
	err_clear(&err);
	ok(store_open(path, &st, &err) == 0, "open creates the store: %s", err.msg);
	is_int(store_schema_version(st), 4, "migrated to the latest version");

	memset(&o, 0, sizeof(o));
	o.name = s_cso;
	o.domains = domains;
	o.ndomains = 1;
	o.addresses = addrs;
	o.naddresses = 1;
	o.licence = s_cc;
	ok(store_org_add(st, &o, &id, &err) == 0, "add an organisation");
	ok(store_org_add(st, &o, &id, &err) == -1 && err.cls == ERR_MSG,
	    "the same name twice is refused");
	is_str(err.msg, "an organisation named 'CSO Example' exists already",
	    "with a clear message");
	o.name = s_other;
	o.naddresses = 0;
	ok(store_org_add(st, &o, NULL, &err) == -1, "a taken domain is refused");
	is_str(err.msg, "domain 'cso.example.org' already belongs to an "
	    "organisation", "with a clear message");
	ok(store_org_get(st, "Other", &got, &err) == 0 && got == NULL,
	    "the refused organisation was not half-stored");

	ok(store_org_by_sender(st, "Anna@CSO.example.org", &got, &err) == 0 &&
	    got != NULL, "sender by domain (case-insensitive)");
	if (got != NULL) {
		is_str(got->name, "CSO Example", "its organisation");
		is_str(got->licence, "CC-BY-4.0", "its licence");
		is_int((long long)got->ndomains, 1, "one domain");
		is_int((long long)got->naddresses, 1, "one address");
	}
	org_free(&got);
	ok(store_org_by_sender(st, "press@other.example.net", &got, &err) == 0 &&
	    got != NULL, "sender by address");
	org_free(&got);
	ok(store_org_by_sender(st, "x@other.example.net", &got, &err) == 0 &&
	    got == NULL, "another address of that domain is not registered");
	ok(store_org_by_sender(st, "anna@sub.cso.example.org", &got, &err) ==
	    0 && got == NULL, "a subdomain is not the domain");
	ok(store_org_disable(st, "cso example", &err) == 0, "disable");
	ok(store_org_get(st, "CSO EXAMPLE", &got, &err) == 0 && got != NULL &&
	    got->disabled, "disabled, looked up case-insensitively");
	org_free(&got);
	ok(store_org_disable(st, "Nobody", &err) == -1, "disable an unknown org");

	memset(&c, 0, sizeof(c));
	c.address = s_trust;
	c.name = s_yt;
	c.platform = s_ytp;
	c.languages = s_langs;
	ok(store_contact_add(st, &c, &id, &err) == 0, "add a contact");
	ok(store_contact_add(st, &c, &id, &err) == -1, "twice is refused");
	c.address = s_safety;
	c.platform = s_tt;
	store_contact_add(st, &c, NULL, &err);
	c.address = s_other_tt;
	store_contact_add(st, &c, NULL, &err);
	ok(store_contact_get(st, "trust@youtube.example.com", &cg, &err) == 0 &&
	    cg != NULL, "get a contact");
	if (cg != NULL)
		is_str(cg->platform, "youtube", "platform stored lower case");
	contact_free(&cg);
	ok(store_platforms(st, &plat, &n, &err) == 0 && n == 2,
	    "distinct platforms");
	if (n == 2) {
		is_str(plat[0], "tiktok", "platform 1");
		is_str(plat[1], "youtube", "platform 2");
	}
	for (i = 0; i < n; i++)
		free(plat[i]);
	free(plat);
	ok(store_contact_remove(st, "other@tiktok.example.com", &err) == 0,
	    "remove a contact");
	ok(store_contact_list(st, &cl, &n, &err) == 0 && n == 2, "list contacts");
	for (i = 0; i < n; i++)
		contact_free(&cl[i]);
	free(cl);

	memset(&m, 0, sizeof(m));
	m.source = "test";
	m.message_id = "abc@example.org";
	m.sha256 = "00ff";
	m.raw = "raw";
	m.raw_len = m.size = 3;
	m.date = -1;
	m.kind = KIND_FLAG;
	m.status = "accepted";
	m.org_id = 1;
	ok(store_begin(st, &err) == 0, "begin");
	ok(store_message_insert(st, &m, &msg, &err) == 0, "store a mail");
	ok(store_problem_add(st, msg, "ground", "x", NULL,
	    "Ground: 'x' is not a ground of hatred", &err) == 0, "a problem");
	ok(store_evidence_add(st, msg, "shot.png", "image/png", "PNG", 3,
	    "aa", &ev, &err) == 0, "evidence");
	memset(&r, 0, sizeof(r));
	r.kind = KIND_FLAG;
	r.org_id = 1;
	r.url = "https://youtu.be/x";
	r.fields_json = "{\"ground\":[\"racism\"]}";
	ok(store_record_add(st, msg, &r, &rec, ref, &err) == 0, "a record");
	is_str(ref, "FLG-2026-000001", "the first flag reference");
	ok(store_record_evidence(st, rec, ev, &err) == 0, "linked to evidence");
	store_record_add(st, msg, &r, &rec, ref, &err);
	is_str(ref, "FLG-2026-000002", "the second");
	r.kind = KIND_EARLY_WARNING;
	store_record_add(st, msg, &r, &rec, ref, &err);
	is_str(ref, "EW-2026-000001", "early warnings count apart");
	r.kind = KIND_OUTCOME;
	r.org_id = 0;
	r.contact_id = 1;
	store_record_add(st, msg, &r, &rec, ref, &err);
	is_str(ref, "OUT-2026-000001", "outcomes too");
	ok(store_outcome_target(st, rec, "flg-2026-000001", &err) == 0 &&
	    store_outcome_target(st, rec, "FLG-2026-000999", &err) == 0,
	    "outcome targets");
	ok(store_commit(st, &err) == 0, "commit");
	store_targets_each(st, rec, target_cb, &targets, &err);
	is_str(targets.s, "FLG-2026-000001=new;FLG-2026-000999=none;",
	    "targets linked to the stored flag only");

	ok(store_message_find(st, "abc@example.org", "00ff", &dup, &err) == 0 &&
	    dup == msg, "the same Message-ID and SHA-256 is found");
	ok(store_message_find(st, "abc@example.org", "11ee", &dup, &err) == 0 &&
	    dup == 0, "another SHA-256 is another mail");
	ok(store_message_insert(st, &m, &id, &err) == -1 && err.cls == ERR_MSG,
	    "the unique index refuses a second copy");
	m.message_id = NULL;
	m.sha256 = "77";
	ok(store_message_insert(st, &m, &id, &err) == 0, "no Message-ID");
	ok(store_message_find(st, NULL, "77", &dup, &err) == 0 && dup == id,
	    "found by SHA-256 alone");

	ok(store_record_get(st, "flg-2026-000002", &ri, &err) == 0 &&
	    ri != NULL, "get a record by reference");
	if (ri != NULL) {
		is_str(ri->org, "CSO Example", "its organisation");
		ok(strlen(ri->uuid) == 36, "it has a UUID");
	}
	record_info_free(&ri);
	ok(store_record_get(st, "4", &ri, &err) == 0 && ri != NULL &&
	    strcmp(ri->org, "trust@youtube.example.com") == 0,
	    "by id; an outcome names its contact");
	record_info_free(&ri);
	memset(&f, 0, sizeof(f));
	f.kind = "flag";
	cnt = 0;
	store_records_each(st, &f, count_cb, &cnt, &err);
	is_int(cnt, 2, "records list --kind flag");
	f.kind = NULL;
	f.org = "cso example";
	cnt = 0;
	store_records_each(st, &f, count_cb, &cnt, &err);
	is_int(cnt, 3, "records list --org");
	f.org = NULL;
	f.since = "2026-11-29";
	cnt = 0;
	store_records_each(st, &f, count_cb, &cnt, &err);
	is_int(cnt, 0, "records list --since");
	cnt = 0;
	store_problems_each(st, msg, problem_cb, &cnt, &err);
	is_int(cnt, 1, "one problem");

	/* inbox cursor and pending after actions */
	{
		uint32_t uv, last, *uids = NULL;
		bool found;

		ok(store_inbox_get(st, "cso", &uv, &last, &found, &err) == 0 &&
		    !found, "no cursor for a new inbox");
		store_begin(st, &err);
		ok(store_inbox_set(st, "cso", 7, 40, &err) == 0 &&
		    store_pending_add(st, "cso", 7, 39, &err) == 0 &&
		    store_pending_add(st, "cso", 7, 40, &err) == 0 &&
		    store_pending_add(st, "cso", 6, 3, &err) == 0,
		    "cursor and pending actions in one transaction");
		store_commit(st, &err);
		ok(store_inbox_get(st, "cso", &uv, &last, &found, &err) == 0 &&
		    found && uv == 7 && last == 40, "the cursor");
		ok(store_inbox_set(st, "cso", 7, 52, &err) == 0 &&
		    store_inbox_get(st, "cso", &uv, &last, &found, &err) == 0 &&
		    last == 52, "moves on");
		ok(store_pending_list(st, "cso", 7, &uids, &n, &err) == 0 &&
		    n == 2 && uids[0] == 39 && uids[1] == 40,
		    "pending actions of this uidvalidity, in order");
		free(uids);
		ok(store_pending_clear(st, "cso", 7, 39, &err) == 0 &&
		    store_pending_list(st, "cso", 7, &uids, &n, &err) == 0 &&
		    n == 1 && uids[0] == 40, "cleared up to a UID");
		free(uids);
		ok(store_pending_list(st, "cso", 6, &uids, &n, &err) == 0 &&
		    n == 0, "and those of an old uidvalidity with it");
		free(uids);
	}
	store_close(&st);
	ok(st == NULL, "close clears the pointer");

	/* a store of schema version 2, with its mails and records, upgrades */
	ok(downgrade_to_2(path) == 0, "made a store of schema version 2");
	is_str(sql_row(path, "SELECT count(*) FROM sqlite_schema WHERE name IN"
	    " ('contact_group', 'route', 'outbox')"), "0",
	    "without the tables of version 3");
	ok(store_open(path, &st, &err) == 0, "open a version 2 store: %s",
	    err.msg);
	is_int(store_schema_version(st), 4, "upgraded to the latest version");
	is_str(sql_row(path, "SELECT count(*) FROM sqlite_schema WHERE name IN"
	    " ('contact_group', 'contact_group_member', 'route', 'route_trace',"
	    " 'outbox', 'route_record', 'route_contact', 'outbox_due',"
	    " 'outbox_record')"), "9",
	    "with the tables and indexes of version 3");
	is_str(sql_row(path, "SELECT count(*), count(routed), count(reason)"
	    " FROM record"), "4|0|0",
	    "the records kept, with the new columns empty");

	test_groups(st);
	/* a contact removed leaves its groups */
	memset(&c, 0, sizeof(c));
	c.address = s_other_tt;
	ok(store_contact_add(st, &c, NULL, &err) == 0 &&
	    store_group_add(st, "trust", "other@tiktok.example.com",
	    &err) == 0 &&
	    store_contact_remove(st, "other@tiktok.example.com", &err) == 0,
	    "a member contact removed");
	{
		struct rows rows;

		rows_reset(&rows, 3);
		store_groups_each(st, rows_cb, &rows, &err);
		is_str(rows.s, "Trust|2|safety@tiktok.example.com, "
		    "trust@youtube.example.com;", "is no member any more");
	}

	/* routing */
	{
		static const char raw3[] = "Subject: hi\r\n\r\nbody\r\n";
		static const struct {
			size_t limit;
			const char *want;	/* record ids */
		} unrouted[] = {
			{ 10, "1;2;3;5;" },
			{ 2, "1;2;" },
			{ 1, "1;" },
			{ 0, "" },
			{ SIZE_MAX, "1;2;3;5;" },
		}, unrouted_after[] = {
			{ 10, "1;5;" },
			{ 1, "1;" },
		};
		static const struct route_row routes[] = {
			/* stored out of order: read back by seq */
			{ 2, NULL, "[routing] default",
			    "safety@tiktok.example.com", 0,
			    "safety@tiktok.example.com", false, true },
			{ 1, "youtube-racism", "routing.conf:12", "group:trust",
			    1, "trust@youtube.example.com", true, false },
		};
		static const struct {
			const char *text;
			int rc;
		} trace[] = {
			{ "platform youtube\nrule youtube-racism matches\n"
			  "default route: safety@tiktok.example.com", 0 },
			{ "a record's explanation twice", -1 },
		};
		static const struct {
			int64_t msg;
			int rc;
			const char *raw;	/* or the error */
			size_t len;
		} raws[] = {
			{ 1, 0, "raw", 3 },
			{ 3, 0, raw3, sizeof(raw3) - 1 },
			{ 4, 0, "", 0 },
			{ 999, -1, "no message 999", 0 },
		};
		struct rows rows;
		struct record_info *info = NULL;
		char *raw = NULL;
		size_t len;
		int64_t msg3, msg4, rec5;

		memset(&m, 0, sizeof(m));
		m.source = "test";
		m.message_id = "def@example.org";
		m.sha256 = "0a";
		m.raw = raw3;
		m.raw_len = m.size = sizeof(raw3) - 1;
		m.date = -1;
		m.kind = KIND_FLAG;
		m.status = "accepted";
		m.from_addr = "anna@cso.example.org";
		ok(store_message_insert(st, &m, &msg3, &err) == 0 && msg3 == 3,
		    "a third mail");
		memset(&r, 0, sizeof(r));
		r.kind = KIND_FLAG;
		r.fields_json = "{}";
		ok(store_record_add(st, msg3, &r, &rec5, ref, &err) == 0 &&
		    rec5 == 5, "a flag of no organisation");
		m.message_id = "empty@example.org";
		m.sha256 = "0b";
		m.raw = NULL;
		m.raw_len = m.size = 0;
		ok(store_message_insert(st, &m, &msg4, &err) == 0 && msg4 == 4,
		    "an empty mail");

		for (i = 0; i < sizeof(unrouted) / sizeof(unrouted[0]); i++) {
			rows_reset(&rows, 1);
			ok(store_records_unrouted_each(st, unrouted[i].limit,
			    rows_cb, &rows, &err) == 0, "unrouted, limit %zu",
			    unrouted[i].limit);
			is_str(rows.s, unrouted[i].want,
			    "new, not outcomes, oldest first, limit %zu",
			    unrouted[i].limit);
		}
		rows_reset(&rows, 7);
		store_records_unrouted_each(st, 10, rows_cb, &rows, &err);
		is_str(rows.s, "1|FLG-2026-000001|flag|"
		    "{\"ground\":[\"racism\"]}|CSO Example|~|1;"
		    "2|FLG-2026-000002|flag|{\"ground\":[\"racism\"]}|"
		    "CSO Example|~|1;"
		    "3|EW-2026-000001|early-warning|{\"ground\":[\"racism\"]}|"
		    "CSO Example|~|1;"
		    "5|FLG-2026-000003|flag|{}|~|anna@cso.example.org|3;",
		    "unrouted: id, ref, kind, fields, organisation, From, "
		    "mail");

		ok(store_record_fields_set(st, 1,
		    "{\"ground\":[\"racism\"],\"platform\":\"youtube\"}",
		    &err) == 0, "fields set");
		ok(store_record_get(st, "1", &info, &err) == 0 && info != NULL,
		    "read back");
		if (info != NULL)
			is_str(info->fields_json, "{\"ground\":[\"racism\"],"
			    "\"platform\":\"youtube\"}", "the new fields");
		record_info_free(&info);
		ok(store_record_fields_set(st, 999, "{}", &err) == -1 &&
		    err.cls == ERR_MSG, "fields of no record");
		is_str(err.msg, "no record 999", "saying so");

		ok(store_record_routed(st, 2, "routed", NULL, &err) == 0,
		    "routed");
		ok(store_record_routed(st, 3, "quarantined",
		    "no route for platform 'vimeo'", &err) == 0, "quarantined");
		is_str(sql_row(path, "SELECT status, reason, routed FROM record"
		    " WHERE id = 2"), "routed|~|2026-11-28T10:00:00Z",
		    "routed, when");
		is_str(sql_row(path, "SELECT status, reason, routed FROM record"
		    " WHERE id = 3"), "quarantined|no route for platform "
		    "'vimeo'|2026-11-28T10:00:00Z", "quarantined, why, when");
		ok(store_record_routed(st, 1, "new", NULL, &err) == -1,
		    "only routed or quarantined");
		ok(store_record_routed(st, 999, "routed", NULL, &err) == -1 &&
		    err.cls == ERR_MSG, "no such record");
		for (i = 0; i < sizeof(unrouted_after) /
		    sizeof(unrouted_after[0]); i++) {
			rows_reset(&rows, 1);
			store_records_unrouted_each(st, unrouted_after[i].limit,
			    rows_cb, &rows, &err);
			is_str(rows.s, unrouted_after[i].want, "after routing, "
			    "limit %zu", unrouted_after[i].limit);
		}

		store_begin(st, &err);
		for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
			ok(store_route_add(st, 2, &routes[i], &err) == 0,
			    "route %d: %s", routes[i].seq, err.msg);
		for (i = 0; i < sizeof(trace) / sizeof(trace[0]); i++) {
			err_clear(&err);
			is_int(store_route_trace_set(st, 2, trace[i].text,
			    &err), trace[i].rc, "trace %zu: %s", i, err.msg);
		}
		store_commit(st, &err);
		rows_reset(&rows, 7);
		ok(store_routes_each(st, 2, rows_cb, &rows, &err) == 0,
		    "routes of a record");
		is_str(rows.s, "1|youtube-racism|routing.conf:12|group:trust|"
		    "trust@youtube.example.com|1|0;"
		    "2|~|[routing] default|safety@tiktok.example.com|"
		    "safety@tiktok.example.com|0|1;", "in seq order");
		is_str(sql_row(path, "SELECT contact FROM route WHERE seq = 2"),
		    "~", "no contact is NULL");
		rows_reset(&rows, 7);
		store_routes_each(st, 1, rows_cb, &rows, &err);
		is_str(rows.s, "", "no routes of another record");
		rows_reset(&rows, 1);
		ok(store_route_trace_each(st, 2, rows_cb, &rows, &err) == 0,
		    "the trace of a record");
		is_str(rows.s, "platform youtube;rule youtube-racism matches;"
		    "default route: safety@tiktok.example.com;", "in order");

		for (i = 0; i < sizeof(raws) / sizeof(raws[0]); i++) {
			err_clear(&err);
			is_int(store_message_raw(st, raws[i].msg, &raw, &len,
			    &err), raws[i].rc, "raw mail %lld",
			    (long long)raws[i].msg);
			if (raws[i].rc == 0) {
				ok(raw != NULL && len == raws[i].len &&
				    memcmp(raw, raws[i].raw, len) == 0 &&
				    raw[len] == '\0', "raw mail %lld: %zu "
				    "bytes and a NUL", (long long)raws[i].msg,
				    raws[i].len);
			} else {
				ok(raw == NULL && err.cls == ERR_MSG,
				    "raw mail %lld: none",
				    (long long)raws[i].msg);
				is_str(err.msg, raws[i].raw, "saying so");
			}
			free(raw);
			raw = NULL;
		}
	}

	/* the outbox */
	{
		static const struct {
			struct outbox_row o;
			int rc;
		} queue[] = {
			{ { "notice", 2, 0, 1, "trust@youtube.example.com",
			    true, 0, 0, 0, 0 }, 0 },
			{ { "hub", 2, 0, 0, NULL, false, 0, 0, 0, 0 }, 0 },
			{ { "ack", 2, 1, 0, "anna@cso.example.org", false, 0,
			    0, 0, 0 }, 0 },
			{ { "error", 0, 3, 0, "anna@cso.example.org", false,
			    0, 0, 0, 0 }, 0 },
			{ { "alert", 2, 0, 0, "coord@example.org", false, 1,
			    0, 0, 0 }, 0 },
			{ { "fax", 2, 0, 0, "x@example.org", false, 0, 0, 0,
			    0 }, -1 },
		};
		struct rows rows;
		int64_t oid, last = 0;

		for (i = 0; i < sizeof(queue) / sizeof(queue[0]); i++) {
			err_clear(&err);
			oid = 0;
			is_int(store_outbox_add(st, &queue[i].o, &oid, &err),
			    queue[i].rc, "queue %s", queue[i].o.kind);
			if (queue[i].rc == 0) {
				ok(oid == last + 1, "queue %s: id %lld",
				    queue[i].o.kind, (long long)oid);
				last = oid;
			} else
				ok(err.cls == ERR_MSG, "queue %s: refused: %s",
				    queue[i].o.kind, err.msg);
		}
		ok(store_outbox_add(st, &queue[1].o, NULL, &err) == 0,
		    "queue without asking the id");
		rows_reset(&rows, 7);
		ok(store_outbox_of_record_each(st, 2, rows_cb, &rows, &err) ==
		    0, "the outbox of a record");
		is_str(rows.s,
		    "1|notice|trust@youtube.example.com|1|pending|"
		    "2026-11-28T10:00:00Z|0;"
		    "2|hub|~|0|pending|2026-11-28T10:00:00Z|0;"
		    "3|ack|anna@cso.example.org|0|pending|"
		    "2026-11-28T10:00:00Z|0;"
		    "5|alert|coord@example.org|0|pending|"
		    "2026-11-28T10:00:00Z|0;"
		    "6|hub|~|0|pending|2026-11-28T10:00:00Z|0;",
		    "pending, due now, in id order");
		is_str(sql_row(path, "SELECT kind, record, message, contact,"
		    " created FROM outbox WHERE id = 4"),
		    "error|~|3|~|2026-11-28T10:00:00Z", "0 ids are NULL");
		rows_reset(&rows, 7);
		store_outbox_of_record_each(st, 1, rows_cb, &rows, &err);
		is_str(rows.s, "", "none for another record");
	}
	store_close(&st);

	ok(store_open(path, &st, &err) == 0, "reopen");
	is_int(store_schema_version(st), 4, "migrations are not repeated");
	store_close(&st);

	sqlite3_open(path, &db);
	sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(db);
	ok(store_open(path, &st, &err) == -1 && err.cls == ERR_CONFIG,
	    "a store from a newer flagpost is refused");
	ok(strstr(err.msg, "schema version 99") != NULL, "saying why: %s",
	    err.msg);

	snprintf(path, sizeof(path), "%s/missing/flagpost.db", dir);
	ok(store_open(path, &st, &err) == -1 && err.cls == ERR_TEMP,
	    "an unopenable store is a temporary failure");
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		return 1;
	return tap_done();
}
