/* test-store.c: migrations, registries, mails, records and references */
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
	is_int(store_schema_version(st), 2, "migrated to the latest version");

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

	ok(store_open(path, &st, &err) == 0, "reopen");
	is_int(store_schema_version(st), 2, "migrations are not repeated");
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
