/* deliver.c: the delivery stage: the outbox to the SMTP relay and the hub */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "compose.h"
#include "daemon.h"
#include "deliver.h"
#include "digest.h"
#include "hub.h"
#include "ingest.h"
#include "lexicon.h"
#include "log.h"
#include "mails.h"
#include "route.h"
#include "smtp.h"
#include "template.h"

#define DELIVER_MAX_MAIL	(64u * 1024 * 1024)
#define COMMIT_EVERY		50	/* outcomes per transaction */

/* the templates of one language ("" for the default) */
struct tset {
	char *lang;
	struct template *t[9];	/* by the T_ values below */
};

struct deliver {
	const struct config *cfg;
	struct store *cst;	/* the composer's own connection */
	struct tset *ts;
	size_t nts;
	struct smtp *smtp;
	struct hub *hub;
	char *password;
	char *token;
	char *reply_to;		/* local+outcome@domain */
	/* the items of the last digest composed: the same for every
	 * subscriber, read and parsed once */
	int64_t digest;
	struct digest_item *items;
	size_t nitems;
};

enum {
	T_NOTICE, T_ACK, T_ERROR, T_ALERT, T_DIGEST, T_CONFIRM, T_SUBSCRIBED,
	T_UNSUBSCRIBED, T_HELP, NTEMPLATES
};

static const struct template_schema *const schema_of[] = {
	&mail_schema_notice, &mail_schema_ack, &mail_schema_error,
	&mail_schema_alert, &mail_schema_digest, &mail_schema_confirm,
	&mail_schema_subscribed, &mail_schema_unsubscribed, &mail_schema_help,
};
static const char *const tname[] = {
	"notice", "ack", "error", "alert", "digest", "confirm", "subscribed",
	"unsubscribed", "help",
};

/* ------------------------------------------------------------ templates */

struct report_count {
	deliver_report_fn report;
	void *arg;
	int n;
};

static void
count_report(void *arg, const char *msg)
{
	struct report_count *rc = arg;

	rc->n++;
	if (rc->report != NULL)
		rc->report(rc->arg, msg);
}

/* the language directories of the templates: two-letter names */
static char **
languages(const char *dir, size_t *n_r)
{
	struct dirent *de;
	struct stat sb;
	char **l = NULL, *path;
	size_t n = 0;
	DIR *d;

	*n_r = 0;
	if ((d = opendir(dir)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != 2 || de->d_name[0] < 'a' ||
		    de->d_name[0] > 'z' || de->d_name[1] < 'a' ||
		    de->d_name[1] > 'z')
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			l = xreallocarray(l, n + 1, sizeof(*l));
			l[n++] = xstrdup(de->d_name);
		}
		free(path);
	}
	closedir(d);
	*n_r = n;
	return l;
}

static int
tset_load(const struct config *cfg, const char *lang, struct tset *ts,
    deliver_report_fn report, void *arg)
{
	struct report_count rc = { report, arg, 0 };
	size_t k;

	memset(ts, 0, sizeof(*ts));
	ts->lang = xstrdup(lang != NULL ? lang : "");
	for (k = 0; k < NTEMPLATES; k++)
		(void)template_load(cfg->templates_dir, lang, tname[k],
		    schema_of[k], &ts->t[k], count_report, &rc);
	return rc.n;
}

static void
tset_clear(struct tset *ts)
{
	size_t k;

	for (k = 0; k < NTEMPLATES; k++)
		template_free(&ts->t[k]);
	free(ts->lang);
}

int
deliver_check_templates(const struct config *cfg, deliver_report_fn report,
    void *arg)
{
	struct tset ts;
	char **l;
	size_t n, i;
	int problems;

	problems = tset_load(cfg, NULL, &ts, report, arg);
	tset_clear(&ts);
	l = languages(cfg->templates_dir, &n);
	for (i = 0; i < n; i++) {
		problems += tset_load(cfg, l[i], &ts, report, arg);
		tset_clear(&ts);
		free(l[i]);
	}
	free(l);
	return problems;
}

/* the templates for a language, or the default ones */
static const struct template *
template_for(struct deliver *d, const char *lang, int kind)
{
	size_t i;

	if (lang != NULL && *lang != '\0')
		for (i = 0; i < d->nts; i++)
			if (strcmp(d->ts[i].lang, lang) == 0)
				return d->ts[i].t[kind];
	for (i = 0; i < d->nts; i++)
		if (d->ts[i].lang[0] == '\0')
			return d->ts[i].t[kind];
	return NULL;
}

/* ------------------------------------------------------------ set-up */

static void
log_report(void *arg, const char *msg)
{
	(void)arg;
	log_warnx("%s", msg);
}

int
deliver_new(const struct config *cfg, struct deliver **d_r, struct err *err)
{
	struct deliver *d;
	struct smtp_conf sc;
	struct hub_conf hc;
	char **l, *at;
	size_t n, i;
	int problems;

	*d_r = NULL;
	d = xcalloc(1, sizeof(*d));
	d->cfg = cfg;
	d->ts = xcalloc(1, sizeof(*d->ts));
	problems = tset_load(cfg, NULL, &d->ts[0], log_report, NULL);
	d->nts = 1;
	l = languages(cfg->templates_dir, &n);
	for (i = 0; i < n; i++) {
		d->ts = xreallocarray(d->ts, d->nts + 1, sizeof(*d->ts));
		problems += tset_load(cfg, l[i], &d->ts[d->nts++], log_report,
		    NULL);
		free(l[i]);
	}
	free(l);
	if (problems > 0) {
		err_set(err, ERR_CONFIG, "%s: %d template problem%s (see the "
		    "log)", cfg->templates_dir, problems,
		    problems == 1 ? "" : "s");
		goto fail;
	}
	at = strrchr(cfg->address, '@');
	d->reply_to = xasprintf("%s+outcome%s", cfg->local, at);
	if (store_open(cfg->store, &d->cst, err) == -1)
		goto fail;
	if (cfg->smtp) {
		memset(&sc, 0, sizeof(sc));
		sc.url = cfg->smtp_relay;
		sc.user = cfg->smtp_user;
		sc.ca_file = cfg->smtp_ca_file;
		sc.helo = cfg->smtp_helo;
		sc.timeout = cfg->smtp_timeout;
		sc.allow_plain = true;
		if (cfg->smtp_password_file != NULL) {
			if (secret_read("[smtp]", "password_file",
			    cfg->smtp_password_file, &d->password, err) == -1)
				goto fail;
			sc.password = d->password;
		}
		if (smtp_new(&sc, &d->smtp, err) == -1)
			goto fail;
	}
	if (cfg->hub) {
		memset(&hc, 0, sizeof(hc));
		if (secret_read("[hub]", "token_file", cfg->hub_token_file,
		    &d->token, err) == -1)
			goto fail;
		hc.url = cfg->hub_url;
		hc.token = d->token;
		hc.ca_file = cfg->hub_ca_file;
		hc.timeout = cfg->hub_timeout;
		if (hub_new(&hc, &d->hub, err) == -1)
			goto fail;
	}
	*d_r = d;
	return 0;
fail:
	deliver_free(&d);
	return -1;
}

void
deliver_free(struct deliver **dp)
{
	struct deliver *d = *dp;
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nts; i++)
		tset_clear(&d->ts[i]);
	free(d->ts);
	smtp_free(&d->smtp);
	hub_free(&d->hub);
	store_close(&d->cst);
	secret_free(&d->password);
	secret_free(&d->token);
	free(d->reply_to);
	digest_items_free(&d->items, d->nitems);
	free(d);
	*dp = NULL;
}

/* ------------------------------------------------------------ values */

/* the display order of fields; others follow in their JSON order */
static const char *const field_order[] = {
	"url", "platform", "ground", "language", "country", "legal_basis",
	"severity", "content_date", "channel", "explanation", "event",
	"event_type", "starts", "ends", "risk", "indicators", "description",
	"category", "title", "summary", "period_start", "period_end",
	"licence", "access", "status", "decided", "comment", "reference",
};

static bool
field_hidden(const char *key)
{
	return strcmp(key, "url_norm") == 0 || strcmp(key, "targets") == 0 ||
	    strcmp(key, "good_faith") == 0;
}

/* a JSON value as text: lists joined by ", " */
static char *
json_text(json_t *v)
{
	struct buf b = BUF_INIT(1024 * 1024);
	json_t *e;
	size_t i;

	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			if (json_is_string(e)) {
				if (b.len > 0)
					buf_addstr(&b, ", ");
				buf_addstr(&b, json_string_value(e));
			}
		return buf_detach(&b, NULL);
	}
	return xstrdup("");
}

static char *
field_label(const char *key)
{
	char name[64], *p;

	snprintf(name, sizeof(name), "%s", key);
	for (p = name; *p != '\0'; p++)
		if (*p == '_')
			*p = '-';
	return xstrdup(lex_field_label(name));
}

static void
field_add(struct tval *list, json_t *o, const char *key)
{
	struct tval *f;
	json_t *v = json_object_get(o, key);
	char *label, *text;

	if (v == NULL)
		return;
	text = json_text(v);
	if (*text != '\0') {
		f = tval_obj();
		label = field_label(key);
		tval_set_str(f, "name", label);
		tval_set_str(f, "value", text);
		tval_push(list, f);
		free(label);
	}
	free(text);
}

/* "antisemitism, youtube, de": what a subject line says of a record */
static char *
record_summary(const char *kind, json_t *o)
{
	static const char *const flag[] = { "ground", "platform", "language",
	    NULL };
	static const char *const ew[] = { "event", "risk", "country", NULL };
	static const char *const hub[] = { "category", "title", NULL };
	static const char *const outcome[] = { "status", NULL };
	const char *const *keys = strcmp(kind, "flag") == 0 ? flag :
	    strcmp(kind, "early-warning") == 0 ? ew :
	    strcmp(kind, "hub") == 0 ? hub : outcome;
	struct buf b = BUF_INIT(4096);
	json_t *v;
	char *t;
	size_t i;

	for (i = 0; keys[i] != NULL; i++) {
		if ((v = json_object_get(o, keys[i])) == NULL)
			continue;
		t = json_text(v);
		if (*t != '\0') {
			if (b.len > 0)
				buf_addstr(&b, ", ");
			buf_addstr(&b, t);
		}
		free(t);
	}
	return buf_detach(&b, NULL);
}

static struct tval *
common_values(struct deliver *d)
{
	struct tval *root = tval_obj(), *gw = tval_obj();
	char now[21];

	tval_set_str(gw, "address", d->cfg->address);
	tval_set_str(gw, "name", d->cfg->gateway_name);
	tval_set(root, "gateway", gw);
	time_rfc3339(now_epoch(), now);
	tval_set_str(root, "now", now);
	return root;
}

/* ------------------------------------------------------------ notices */

struct mail {
	char *to_name;
	char *lang;
	bool urgent;
	char *in_reply_to;
	char *references;
	const char *auto_submitted;
	const char *reply_to;
	struct evidence_data *ev;
	size_t nev;
	struct tval *root;
	int kind;
	struct digest_headers dh;	/* a digest's List-* headers */
	char *reply_to_own;		/* a reply_to made for this mail */
};

static void
mail_clear(struct mail *m)
{
	free(m->to_name);
	free(m->lang);
	free(m->in_reply_to);
	free(m->references);
	evidence_data_free(&m->ev, m->nev);
	tval_free(&m->root);
	digest_headers_clear(&m->dh);
	free(m->reply_to_own);
	memset(m, 0, sizeof(*m));
}

static void
evidence_add(struct tval *list, const char *name, const char *type,
    const char *size, const char *sha256)
{
	struct tval *e = tval_obj();

	tval_set_str(e, "name", name);
	tval_set_str(e, "type", type);
	tval_set_str(e, "size", size);
	tval_set_str(e, "sha256", sha256);
	tval_push(list, e);
}

/* a row of store_evidence_each: name, type, size, sha256 */
static int
evidence_cb(void *arg, const char *const *col)
{
	evidence_add(arg, col[0] ? col[0] : "", col[1] ? col[1] : "",
	    col[2] ? col[2] : "", col[3] ? col[3] : "");
	return 0;
}

static int
notice_values(struct deliver *d, struct store *st, const struct outbox_item *o,
    struct mail *m, struct err *err)
{
	struct record_info *r = NULL;
	struct message_info *mi = NULL;
	struct contact *c = NULL;
	struct tval *rec, *fields, *evl, *ct, *oc, *rp;
	struct buf b = BUF_INIT(4096);
	json_t *fo = NULL;
	const char *key;
	json_t *v;
	char id[32], size[32], deadline[21], *summary = NULL;
	int64_t created;
	size_t i;
	int ret = -1;
	struct tm tm;

	snprintf(id, sizeof(id), "%lld", (long long)o->record);
	if (store_record_get(st, id, &r, err) == -1)
		goto out;
	if (r == NULL) {
		err_set(err, ERR_MSG, "record %lld is gone", (long long)o->record);
		goto out;
	}
	if (o->recipient != NULL &&
	    store_contact_get(st, o->recipient, &c, err) == -1)
		goto out;
	/* the individual's address only when it is to be shown */
	if (d->cfg->reveal_sender && r->message > 0 &&
	    store_message_get(st, r->message, &mi, err) == -1)
		goto out;
	if ((fo = json_loads(r->fields_json, 0, NULL)) == NULL)
		fo = json_object();
	m->kind = T_NOTICE;
	m->root = common_values(d);
	m->urgent = o->urgent;
	m->auto_submitted = "auto-generated";
	m->reply_to = d->reply_to;
	if (c != NULL) {
		m->to_name = c->name != NULL ? xstrdup(c->name) : NULL;
		if (c->languages != NULL && strlen(c->languages) >= 2)
			m->lang = xstrndup(c->languages, 2);
	}
	ct = tval_obj();
	tval_set_str(ct, "name", c != NULL && c->name != NULL ? c->name : "");
	tval_set_str(ct, "address", o->recipient != NULL ? o->recipient : "");
	tval_set(m->root, "contact", ct);

	rec = tval_obj();
	tval_set_str(rec, "ref", r->ref);
	tval_set_str(rec, "kind", r->kind);
	tval_set_str(rec, "kind_label", strcmp(r->kind, "flag") == 0 ?
	    "flag" : strcmp(r->kind, "early-warning") == 0 ?
	    "early warning" : strcmp(r->kind, "hub") == 0 ?
	    "hub submission" : r->kind);
	tval_set_str(rec, "created", r->created);
	tval_set_str(rec, "url", r->url != NULL ? r->url : "");
	summary = record_summary(r->kind, fo);
	tval_set_str(rec, "summary", summary);
	tval_set_bool(rec, "urgent", o->urgent);
	tval_set_str(rec, "org", r->org != NULL ? r->org : "");
	tval_set_str(rec, "sender", d->cfg->reveal_sender && mi != NULL &&
	    mi->from_addr != NULL ? mi->from_addr : "");
	memset(&tm, 0, sizeof(tm));
	if (strptime(r->created, "%Y-%m-%dT%H:%M:%SZ", &tm) != NULL) {
		created = (int64_t)timegm(&tm);
		time_rfc3339(created + 86400, deadline);
		tval_set_str(rec, "deadline", deadline);
	} else
		tval_set_str(rec, "deadline", "");
	fields = tval_list();
	for (i = 0; i < sizeof(field_order) / sizeof(field_order[0]); i++)
		field_add(fields, fo, field_order[i]);
	json_object_foreach(fo, key, v) {
		size_t j;
		bool listed = false;

		for (j = 0; j < sizeof(field_order) / sizeof(field_order[0]);
		    j++)
			listed |= strcmp(key, field_order[j]) == 0;
		if (!listed && !field_hidden(key))
			field_add(fields, fo, key);
	}
	tval_set(rec, "fields", fields);
	/* the bytes only when they are attached; the list needs none */
	evl = tval_list();
	if (d->cfg->attach_evidence) {
		if (store_evidence_data(st, r->id, &m->ev, &m->nev, err) == -1) {
			tval_free(&evl);
			goto out;
		}
		for (i = 0; i < m->nev; i++) {
			snprintf(size, sizeof(size), "%zu", m->ev[i].len);
			evidence_add(evl, m->ev[i].name, m->ev[i].type, size,
			    m->ev[i].sha256);
		}
	} else if (store_evidence_each(st, r->id, evidence_cb, evl,
	    err) == -1) {
		tval_free(&evl);
		goto out;
	}
	tval_set(rec, "evidence", evl);
	tval_set_bool(rec, "attached", m->nev > 0);
	tval_set_str(rec, "note", "");
	tval_set(m->root, "record", rec);
	for (i = 0; i < lex_status.n; i++) {
		if (i > 0)
			buf_addstr(&b, ", ");
		buf_addstr(&b, lex_status.values[i]);
	}
	oc = tval_obj();
	tval_set_str(oc, "statuses", buf_str(&b));
	tval_set(m->root, "outcome", oc);
	rp = tval_obj();
	tval_set_str(rp, "address", d->reply_to);
	tval_set(m->root, "reply", rp);
	ret = 0;
out:
	free(summary);
	buf_free(&b);
	json_decref(fo);
	record_info_free(&r);
	message_info_free(&mi);
	contact_free(&c);
	return ret;
}

/* ------------------------------------------------------------ replies */

struct reply_ctx {
	struct tval *records;
	size_t n;
	char *their_ref;
};

static int
reply_record_cb(void *arg, const struct record_info *r)
{
	struct reply_ctx *rc = arg;
	struct tval *t = tval_obj();
	json_t *fo, *v;
	char *summary;

	fo = json_loads(r->fields_json, 0, NULL);
	if (fo == NULL)
		fo = json_object();
	summary = record_summary(r->kind, fo);
	tval_set_str(t, "ref", r->ref);
	tval_set_str(t, "kind", r->kind);
	tval_set_str(t, "url", r->url != NULL ? r->url : "");
	tval_set_str(t, "summary", summary);
	tval_push(rc->records, t);
	if (rc->their_ref == NULL &&
	    (v = json_object_get(fo, "reference")) != NULL)
		rc->their_ref = json_text(v);
	rc->n++;
	free(summary);
	json_decref(fo);
	return 0;
}

struct problems_ctx {
	struct tval *list;
	size_t n;
	char **field;		/* fields with a problem, and the fix */
	char **fix;
	size_t nfield;
};

static int
problem_cb(void *arg, const char *const *col)
{
	struct problems_ctx *pc = arg;
	struct tval *t = tval_obj();
	const char *mean;
	char *fix = NULL;

	tval_set_str(t, "field", col[0] != NULL ? lex_field_label(col[0]) :
	    "");
	tval_set_str(t, "value", col[1] != NULL ? col[1] : "");
	tval_set_str(t, "where", col[2] != NULL ? col[2] : "");
	tval_set_str(t, "text", col[3] != NULL ? col[3] : "");
	tval_push(pc->list, t);
	pc->n++;
	if (col[0] != NULL) {
		if (col[3] != NULL &&
		    (mean = strstr(col[3], "did you mean '")) != NULL) {
			const char *e = strchr(mean + 14, '\'');

			if (e != NULL)
				fix = xstrndup(mean + 14, (size_t)(e - mean -
				    14));
		}
		pc->field = xreallocarray(pc->field, pc->nfield + 1,
		    sizeof(*pc->field));
		pc->fix = xreallocarray(pc->fix, pc->nfield + 1,
		    sizeof(*pc->fix));
		pc->field[pc->nfield] = xstrdup(col[0]);
		pc->fix[pc->nfield] = fix;
		pc->nfield++;
	}
	return 0;
}

/*
 * The sender's form, corrected where the gateway knows how ("did you
 * mean"), emptied where it does not, with the required fields that were
 * missing: for them to copy, fill and send again.
 */
static char *
corrected_form(const struct config *cfg, const char *raw, size_t len,
    const char *kind, const struct problems_ctx *pc)
{
	struct parsed p;
	struct buf b = BUF_INIT(1024 * 1024);
	size_t i, j;
	bool done;

	ingest_parse(raw, len, cfg, KIND_NONE, &p);
	buf_printf(&b, "Type: %s\n", kind);
	for (i = 0; p.form != NULL && i < p.form->n; i++) {
		const struct form_field *f = &p.form->f[i];
		const char *value = f->value;

		if (strcmp(f->name, "type") == 0)
			continue;
		for (j = 0; j < pc->nfield; j++)
			if (strcmp(pc->field[j], f->name) == 0) {
				value = pc->fix[j] != NULL ? pc->fix[j] : "";
				break;
			}
		buf_printf(&b, "%s: %s\n", lex_field_label(f->name), value);
	}
	/* the fields that were missing */
	for (j = 0; j < pc->nfield; j++) {
		done = false;
		for (i = 0; p.form != NULL && i < p.form->n && !done; i++)
			done = strcmp(p.form->f[i].name, pc->field[j]) == 0;
		for (i = 0; i < j && !done; i++)
			done = strcmp(pc->field[i], pc->field[j]) == 0;
		if (!done)
			buf_printf(&b, "%s: \n", lex_field_label(pc->field[j]));
	}
	parsed_free(&p);
	return buf_detach(&b, NULL);
}

static int
reply_values(struct deliver *d, struct store *st, const struct outbox_item *o,
    struct mail *m, struct err *err)
{
	struct message_info *mi = NULL;
	struct record_filter f;
	struct reply_ctx rc;
	struct problems_ctx pc;
	struct tval *snd, *msg;
	char count[32], *raw = NULL, *form = NULL;
	size_t len, i;
	int ret = -1;

	memset(&rc, 0, sizeof(rc));
	memset(&pc, 0, sizeof(pc));
	if (store_message_get(st, o->message, &mi, err) == -1)
		goto out;
	if (mi == NULL) {
		err_set(err, ERR_MSG, "mail %lld is gone", (long long)o->message);
		goto out;
	}
	m->kind = strcmp(o->kind, "ack") == 0 ? T_ACK : T_ERROR;
	m->root = common_values(d);
	/* in the organisation's language, or the contact's */
	if (mi->org != NULL) {
		struct org *org = NULL;

		if (store_org_get(st, mi->org, &org, err) == -1)
			goto out;
		if (org != NULL && org->language != NULL)
			m->lang = xstrdup(org->language);
		org_free(&org);
	} else if (mi->contact != NULL) {
		struct contact *c = NULL;

		if (store_contact_get(st, mi->contact, &c, err) == -1)
			goto out;
		if (c != NULL && c->languages != NULL &&
		    strlen(c->languages) >= 2)
			m->lang = xstrndup(c->languages, 2);
		contact_free(&c);
	}
	m->auto_submitted = "auto-replied";
	if (mi->message_id != NULL) {
		m->in_reply_to = xstrdup(mi->message_id);
		m->references = xasprintf("<%s>", mi->message_id);
	}
	snd = tval_obj();
	tval_set_str(snd, "name", "");
	tval_set_str(snd, "address", o->recipient);
	tval_set(m->root, "sender", snd);
	tval_set_str(m->root, "org", mi->org != NULL ? mi->org :
	    mi->contact != NULL ? mi->contact : "");
	msg = tval_obj();
	tval_set_str(msg, "subject", mi->subject != NULL ? mi->subject : "");
	tval_set_str(msg, "date", mi->received);
	tval_set(m->root, "message", msg);

	rc.records = tval_list();
	memset(&f, 0, sizeof(f));
	f.message = mi->id;
	if (store_records_each(st, &f, reply_record_cb, &rc, err) == -1) {
		tval_free(&rc.records);
		goto out;
	}
	tval_set(m->root, "records", rc.records);
	tval_set_str(m->root, "their_reference", rc.their_ref != NULL ?
	    rc.their_ref : "");
	if (m->kind == T_ACK) {
		snprintf(count, sizeof(count), "%zu", rc.n);
		tval_set_str(m->root, "count", count);
		tval_set(m->root, "warnings", tval_list());
	} else {
		pc.list = tval_list();
		if (store_problems_each(st, mi->id, problem_cb, &pc,
		    err) == -1) {
			tval_free(&pc.list);
			goto out;
		}
		tval_set(m->root, "problems", pc.list);
		snprintf(count, sizeof(count), "%zu", pc.n);
		tval_set_str(m->root, "count", count);
		tval_set_bool(m->root, "accepted", rc.n > 0);
		tval_set_str(m->root, "kind", mi->kind != NULL &&
		    strcmp(mi->kind, "none") != 0 ? mi->kind : "flag");
		if (store_message_raw(st, mi->id, &raw, &len, err) == -1)
			goto out;
		form = corrected_form(d->cfg, raw, len, mi->kind != NULL &&
		    strcmp(mi->kind, "none") != 0 ? mi->kind : "flag", &pc);
		tval_set_str(m->root, "form", form);
	}
	ret = 0;
out:
	for (i = 0; i < pc.nfield; i++) {
		free(pc.field[i]);
		free(pc.fix[i]);
	}
	free(pc.field);
	free(pc.fix);
	free(rc.their_ref);
	free(raw);
	free(form);
	message_info_free(&mi);
	return ret;
}

/* ------------------------------------------------------------ alerts */

static int
alert_values(struct deliver *d, struct store *st, const struct outbox_item *o,
    struct mail *m, struct err *err)
{
	struct outbox_item about;
	struct record_info *r = NULL;
	struct tval *al;
	char num[32];
	bool found;

	if (store_outbox_get(st, o->about, &about, &found, err) == -1)
		return -1;
	if (!found)
		return err_set(err, ERR_MSG, "queued mail #%lld is gone",
		    (long long)o->about);
	if (about.record > 0) {
		snprintf(num, sizeof(num), "%lld", (long long)about.record);
		if (store_record_get(st, num, &r, err) == -1) {
			outbox_item_clear(&about);
			return -1;
		}
	}
	m->kind = T_ALERT;
	m->root = common_values(d);
	m->auto_submitted = "auto-generated";
	al = tval_obj();
	tval_set_str(al, "kind", strcmp(about.kind, "hub") == 0 ?
	    "hub post" : about.kind);
	tval_set_str(al, "recipient", about.recipient != NULL ?
	    about.recipient : "");
	tval_set_str(al, "error", about.last_error != NULL ?
	    about.last_error : "");
	tval_set_str(al, "ref", r != NULL ? r->ref : "");
	snprintf(num, sizeof(num), "%d", about.attempts);
	tval_set_str(al, "attempts", num);
	tval_set_str(al, "created", about.created);
	snprintf(num, sizeof(num), "%lld", (long long)about.id);
	tval_set_str(al, "id", num);
	tval_set_bool(al, "to_sender", o->message > 0);
	tval_set(m->root, "alert", al);
	record_info_free(&r);
	outbox_item_clear(&about);
	return 0;
}

/*
 * A row failed for good: the coordinators ([routing] default) are told,
 * and for a hub post its sender too; never about an alert.
 */
static int
alerts_queue(struct deliver *d, struct store *st, const struct outbox_item *o,
    struct err *err)
{
	struct message_info *mi = NULL;
	struct record_info *r = NULL;
	struct outbox_row ob;
	struct route_dest *c = NULL;
	char num[32];
	size_t i, n = 0;
	int ret = -1;

	if (strcmp(o->kind, "alert") == 0)
		return 0;
	if (d->cfg->route_default == NULL)
		log_warnx("outbox=%lld failed; no [routing] default to tell",
		    (long long)o->id);
	else if (route_target_contacts(st, d->cfg->route_default, &c, &n,
	    err) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		memset(&ob, 0, sizeof(ob));
		ob.kind = "alert";
		ob.record = o->record;
		ob.contact = c[i].contact;
		ob.recipient = c[i].address;
		ob.about = o->id;
		if (store_outbox_add(st, &ob, NULL, err) == -1)
			goto out;
	}
	if (strcmp(o->kind, "hub") == 0 && o->record > 0) {
		snprintf(num, sizeof(num), "%lld", (long long)o->record);
		if (store_record_get(st, num, &r, err) == -1 ||
		    (r != NULL && store_message_get(st, r->message, &mi,
		    err) == -1))
			goto out;
		if (mi != NULL && mi->from_addr != NULL && mi->automatic == NULL) {
			memset(&ob, 0, sizeof(ob));
			ob.kind = "alert";
			ob.record = o->record;
			ob.message = mi->id;
			ob.recipient = mi->from_addr;
			ob.about = o->id;
			if (store_outbox_add(st, &ob, NULL, err) == -1)
				goto out;
		}
	}
	ret = 0;
out:
	route_dests_free(&c, n);
	record_info_free(&r);
	message_info_free(&mi);
	return ret;
}

/* ------------------------------------------------------------ lists */

/* the language of mail to an address: its contact's, else its
 * organisation's */
static int
language_of(struct store *st, const char *address, char **lang_r,
    struct err *err)
{
	struct contact *c = NULL;
	struct org *o = NULL;

	*lang_r = NULL;
	if (store_contact_get(st, address, &c, err) == -1)
		return -1;
	if (c != NULL) {
		if (c->languages != NULL && strlen(c->languages) >= 2)
			*lang_r = xstrndup(c->languages, 2);
		contact_free(&c);
		return 0;
	}
	if (store_org_by_sender(st, address, &o, err) == -1)
		return -1;
	if (o != NULL && o->language != NULL)
		*lang_r = xstrdup(o->language);
	org_free(&o);
	return 0;
}

struct digest_row {
	char *list, *start, *end;
};

/* id, list, period_start, period_end, ... */
static int
digest_row_cb(void *arg, const char *const *col)
{
	struct digest_row *dr = arg;

	dr->list = xstrdup(col[1]);
	dr->start = xstrdup(col[2]);
	dr->end = xstrdup(col[3]);
	return 1;
}

struct items_ctx {
	struct digest_item *v;
	size_t n;
	bool flags;		/* rows of store_digest_flags_each */
};

static int
items_cb(void *arg, const char *const *col)
{
	struct items_ctx *ic = arg;
	struct digest_item *it;
	size_t k = ic->flags ? 0 : 1;	/* flags have no section column */

	ic->v = xreallocarray(ic->v, ic->n + 1, sizeof(*ic->v));
	it = &ic->v[ic->n++];
	memset(it, 0, sizeof(*it));
	if (ic->flags)
		it->overdue = strcmp(col[0], "1") == 0;
	else {
		it->section = strcmp(col[0], "hub") == 0 ? "hub" : "warning";
		it->urgent = strcmp(col[1], "1") == 0;
	}
	it->id = strtoll(col[k + 1], NULL, 10);
	it->ref = xstrdup(col[k + 2]);
	it->fields = xstrdup(col[k + 3] != NULL ? col[k + 3] : "{}");
	it->org = col[k + 4] != NULL ? xstrdup(col[k + 4]) : NULL;
	it->routed = col[k + 5] != NULL ? xstrdup(col[k + 5]) : NULL;
	it->url = col[k + 6] != NULL ? xstrdup(col[k + 6]) : NULL;
	return 0;
}

static int
digest_mail_values(struct deliver *d, struct store *st,
    const struct outbox_item *o, struct mail *m, struct err *err)
{
	struct digest_row dr;
	struct items_ctx items, flags;
	struct subscriber sb;
	struct contact *c = NULL;
	struct list_conf fallback;
	const struct list_conf *l;
	struct digest_mail dm;
	int64_t start, end;
	bool found = false;
	int ret = -1;

	memset(&dr, 0, sizeof(dr));
	memset(&items, 0, sizeof(items));
	memset(&flags, 0, sizeof(flags));
	memset(&sb, 0, sizeof(sb));
	if (store_digest_get(st, o->digest, digest_row_cb, &dr, err) == -1)
		goto out;
	if (dr.list == NULL) {
		err_set(err, ERR_MSG, "digest %lld is gone",
		    (long long)o->digest);
		goto out;
	}
	if (o->subscriber > 0 && store_subscriber_by_id(st, o->subscriber,
	    &sb, &found, err) == -1)
		goto out;
	if (!found) {
		err_set(err, ERR_MSG, "%s has left the list %s",
		    o->recipient, dr.list);
		goto out;
	}
	if ((l = config_list(d->cfg, dr.list)) == NULL) {
		/* a list taken out of the configuration since */
		memset(&fallback, 0, sizeof(fallback));
		fallback.name = fallback.description = fallback.label = dr.list;
		(void)schedule_parse("daily 00:00", "UTC", &fallback.sched,
		    NULL, 0);
		l = &fallback;
	}
	if (d->items == NULL || d->digest != o->digest) {
		digest_items_free(&d->items, d->nitems);
		d->nitems = 0;
		d->digest = 0;
		if (store_digest_items_each(st, o->digest, items_cb, &items,
		    err) == -1)
			goto out;
		for (size_t i = 0; i < items.n; i++)
			digest_item_parse(&items.v[i]);
		d->items = items.v;
		d->nitems = items.n;
		d->digest = o->digest;
		items.v = NULL;
		items.n = 0;
	}
	flags.flags = true;
	if (store_digest_flags_each(st, o->id, items_cb, &flags, err) == -1)
		goto out;
	for (size_t i = 0; i < flags.n; i++)
		digest_item_parse(&flags.v[i]);
	if (time_parse(dr.start, &start) == -1 ||
	    time_parse(dr.end, &end) == -1) {
		err_set(err, ERR_SYS, "digest %lld has a bad period",
		    (long long)o->digest);
		goto out;
	}
	if (o->contact > 0 && store_contact_get(st, o->recipient, &c,
	    err) == -1)
		goto out;
	if (language_of(st, o->recipient, &m->lang, err) == -1)
		goto out;
	memset(&dm, 0, sizeof(dm));
	dm.list = l;
	dm.start = start;
	dm.end = end;
	dm.items = d->items;
	dm.nitems = d->nitems;
	dm.flags = flags.v;
	dm.nflags = flags.n;
	dm.address = o->recipient;
	dm.name = c != NULL ? c->name : NULL;
	dm.token = sb.token;
	m->kind = T_DIGEST;
	m->root = digest_values(d->cfg, &dm);
	m->auto_submitted = "auto-generated";
	if (c != NULL && c->name != NULL)
		m->to_name = xstrdup(c->name);
	digest_headers(d->cfg, l, sb.token, &m->dh);
	ret = 0;
out:
	free(dr.list);
	free(dr.start);
	free(dr.end);
	digest_items_free(&items.v, items.n);
	digest_items_free(&flags.v, flags.n);
	subscriber_clear(&sb);
	contact_free(&c);
	return ret;
}

struct command_row {
	char *command, *list, *address, *token, *result;
	int64_t message;
};

/* command, list, address, token, result, message */
static int
command_row_cb(void *arg, const char *const *col)
{
	struct command_row *cr = arg;

	cr->command = xstrdup(col[0]);
	cr->list = col[1] != NULL ? xstrdup(col[1]) : NULL;
	cr->address = col[2] != NULL ? xstrdup(col[2]) : NULL;
	cr->token = col[3] != NULL ? xstrdup(col[3]) : NULL;
	cr->result = xstrdup(col[4]);
	cr->message = col[5] != NULL ? strtoll(col[5], NULL, 10) : 0;
	return 1;
}

static void
list_obj(struct tval *root, const struct config *cfg, const char *name)
{
	const struct list_conf *l = config_list(cfg, name);
	struct tval *o = tval_obj();

	tval_set_str(o, "name", l != NULL ? l->name : name);
	tval_set_str(o, "description", l != NULL ? l->description : name);
	tval_set_str(o, "schedule", l != NULL ? l->schedule_text : "");
	tval_set(root, "list", o);
}

static int
command_values(struct deliver *d, struct store *st,
    const struct outbox_item *o, struct mail *m, struct err *err)
{
	struct command_row cr;
	struct message_info *mi = NULL;
	struct subscriber *subs = NULL, sb;
	struct tval *t, *lists;
	char *a;
	size_t nsubs = 0, i, j;
	bool found;
	int ret = -1;

	memset(&cr, 0, sizeof(cr));
	if (store_command_get(st, o->command, command_row_cb, &cr,
	    err) == -1)
		goto out;
	if (cr.command == NULL) {
		err_set(err, ERR_MSG, "list command %lld is gone",
		    (long long)o->command);
		goto out;
	}
	if (cr.message > 0 && store_message_get(st, cr.message, &mi,
	    err) == -1)
		goto out;
	if (mi != NULL && mi->message_id != NULL) {
		m->in_reply_to = xstrdup(mi->message_id);
		m->references = xasprintf("<%s>", mi->message_id);
	}
	if (language_of(st, o->recipient, &m->lang, err) == -1)
		goto out;
	m->auto_submitted = "auto-replied";
	m->root = common_values(d);
	t = tval_obj();
	tval_set_str(t, "address", o->recipient);
	tval_set(m->root, "subscriber", t);
	if (strcmp(cr.result, "confirm") == 0 && cr.token != NULL) {
		struct sub_request rq;

		m->kind = T_CONFIRM;
		list_obj(m->root, d->cfg, cr.list);
		tval_set_str(m->root, "token", cr.token);
		m->reply_to_own = list_address(d->cfg, "confirm", cr.token);
		m->reply_to = m->reply_to_own;
		t = tval_obj();
		tval_set_str(t, "address", m->reply_to_own);
		tval_set(m->root, "confirm", t);
		if (store_request_by_token(st, cr.token, &rq, &found,
		    err) == -1)
			goto out;
		tval_set_str(m->root, "expires", found ? rq.expires : "");
		sub_request_clear(&rq);
	} else if (strcmp(cr.result, "subscribed") == 0) {
		m->kind = T_SUBSCRIBED;
		list_obj(m->root, d->cfg, cr.list);
		if (store_subscriber_get(st, cr.list, o->recipient, &sb,
		    &found, err) == -1)
			goto out;
		a = found ? list_address(d->cfg, "unsubscribe", sb.token) :
		    xstrdup(d->cfg->address);
		subscriber_clear(&sb);
		t = tval_obj();
		tval_set_str(t, "address", a);
		tval_set(m->root, "unsubscribe", t);
		free(a);
	} else if (strcmp(cr.result, "unsubscribed") == 0) {
		m->kind = T_UNSUBSCRIBED;
		list_obj(m->root, d->cfg, cr.list);
		tval_set_bool(m->root, "by_token",
		    strcmp(cr.command, "unsubscribe-token") == 0);
	} else {
		m->kind = T_HELP;
		t = tval_obj();
		tval_set_str(t, "address", o->recipient);
		tval_set(m->root, "sender", t);
		tval_set_str(m->root, "problem",
		    strncmp(cr.result, "refused: ", 9) == 0 ?
		    cr.result + 9 : "");
		if (store_subscriptions(st, o->recipient, &subs, &nsubs,
		    err) == -1)
			goto out;
		lists = tval_list();
		for (i = 0; i < d->cfg->nlist; i++) {
			const struct list_conf *l = &d->cfg->list[i];
			bool on = false;

			for (j = 0; j < nsubs; j++)
				on |= str_ieq(subs[j].list, l->name);
			t = tval_obj();
			tval_set_str(t, "name", l->name);
			tval_set_str(t, "description", l->description);
			tval_set_str(t, "schedule", l->schedule_text);
			tval_set_bool(t, "subscribed", on);
			tval_push(lists, t);
		}
		tval_set(m->root, "lists", lists);
	}
	ret = 0;
out:
	free(cr.command);
	free(cr.list);
	free(cr.address);
	free(cr.token);
	free(cr.result);
	subscribers_free(&subs, nsubs);
	message_info_free(&mi);
	return ret;
}

/* ------------------------------------------------------------ composing */

int
deliver_compose(struct deliver *d, struct store *st,
    const struct outbox_item *o, struct buf *out, struct err *err)
{
	struct buf subject = BUF_INIT(4096), text = BUF_INIT(DELIVER_MAX_MAIL),
	    html = BUF_INIT(DELIVER_MAX_MAIL);
	struct compose_attachment *att = NULL;
	const struct template *t;
	struct compose c;
	struct mail m;
	char *mid = NULL;
	size_t i;
	int ret = -1;

	memset(&m, 0, sizeof(m));
	if (strcmp(o->kind, "notice") == 0) {
		if (notice_values(d, st, o, &m, err) == -1)
			goto out;
	} else if (strcmp(o->kind, "digest") == 0) {
		if (digest_mail_values(d, st, o, &m, err) == -1)
			goto out;
	} else if (strcmp(o->kind, "ack") == 0 && o->command > 0) {
		if (command_values(d, st, o, &m, err) == -1)
			goto out;
	} else if (strcmp(o->kind, "ack") == 0 ||
	    strcmp(o->kind, "error") == 0) {
		if (reply_values(d, st, o, &m, err) == -1)
			goto out;
	} else if (strcmp(o->kind, "alert") == 0) {
		if (alert_values(d, st, o, &m, err) == -1)
			goto out;
	} else {
		err_set(err, ERR_MSG, "no mail is written for a '%s' row",
		    o->kind);
		goto out;
	}
	if ((t = template_for(d, m.lang, m.kind)) == NULL) {
		err_set(err, ERR_CONFIG, "no template for %s", tname[m.kind]);
		goto out;
	}
	if (template_render(t, m.root, &subject, &text, &html) == -1) {
		err_set(err, ERR_MSG, "the %s is larger than %u bytes",
		    tname[m.kind], DELIVER_MAX_MAIL);
		goto out;
	}
	if (o->message_id == NULL)
		mid = compose_message_id(d->cfg->address);
	if (m.nev > 0) {
		att = xcalloc(m.nev, sizeof(*att));
		for (i = 0; i < m.nev; i++) {
			att[i].filename = m.ev[i].name;
			att[i].type = m.ev[i].type;
			att[i].data = m.ev[i].data;
			att[i].len = m.ev[i].len;
		}
	}
	memset(&c, 0, sizeof(c));
	c.from_addr = d->cfg->address;
	c.from_name = d->cfg->gateway_name;
	c.to_addr = o->recipient;
	c.to_name = m.to_name;
	c.reply_to = m.reply_to;
	c.subject = buf_str(&subject);
	c.message_id = o->message_id != NULL ? o->message_id : mid;
	c.in_reply_to = m.in_reply_to;
	c.references = m.references;
	c.date = now_epoch();
	c.auto_submitted = m.auto_submitted;
	c.importance_high = m.urgent;
	c.extra = m.dh.n > 0 ? m.dh.h : NULL;
	c.nextra = m.dh.n;
	c.text = buf_str(&text);
	c.html = buf_str(&html);
	c.att = att;
	c.natt = m.nev;
	ret = compose_message(&c, out, err);
out:
	free(att);
	free(mid);
	buf_free(&subject);
	buf_free(&text);
	buf_free(&html);
	mail_clear(&m);
	return ret;
}

/* ------------------------------------------------------------ sending */

struct outcome {
	const struct outbox_item *item;
	int64_t id;
	const char *what;	/* "sent", "retry", "failed" */
	char due[21];
	char why[1100];
	int64_t record;		/* hub: the record to note the id on */
	char *hub_id;
};

static void
backoff_due(const struct config *cfg, int attempts, unsigned at_least,
    char due[21])
{
	unsigned wait = daemon_backoff(cfg->retry_min, cfg->retry_max,
	    (unsigned)attempts + 1);

	if (wait < at_least)
		wait = at_least;
	time_rfc3339(now_epoch() + wait, due);
}

static bool
too_old(const struct config *cfg, const struct outbox_item *o)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (strptime(o->created, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL)
		return false;
	return now_epoch() - (int64_t)timegm(&tm) > (int64_t)cfg->max_age;
}

/* a mail composed ahead of its sending */
struct job {
	struct buf msg;
	struct err err;
	int rc;
	bool ready;
};

static void
send_mail(struct deliver *d, const struct outbox_item *o, struct job *j,
    struct outcome *oc, struct deliver_stats *ds)
{
	enum smtp_result r;
	const char *from = d->cfg->envelope_from != NULL ?
	    d->cfg->envelope_from : d->cfg->address;

	if (j->rc == -1) {
		oc->what = j->err.cls == ERR_MSG ? "failed" : "retry";
		snprintf(oc->why, sizeof(oc->why), "cannot compose: %s",
		    j->err.msg);
		goto out;
	}
	r = smtp_send(d->smtp, from, o->recipient, j->msg.data, j->msg.len,
	    oc->why, sizeof(oc->why));
	if (r == SMTP_SENT)
		oc->what = "sent";
	else if (r == SMTP_PERM)
		oc->what = "failed";
	else
		oc->what = "retry";
out:
	if (strcmp(oc->what, "retry") == 0 && too_old(d->cfg, o)) {
		oc->what = "failed";
		snprintf(oc->why + strlen(oc->why), sizeof(oc->why) -
		    strlen(oc->why), "; given up after %d attempts",
		    o->attempts + 1);
	}
	if (strcmp(oc->what, "sent") == 0) {
		ds->sent++;
		log_info("outbox=%lld kind=%s to=%s mid=<%s>: sent",
		    (long long)o->id, o->kind, log_safe(o->recipient),
		    log_safe(o->message_id));
	} else if (strcmp(oc->what, "failed") == 0) {
		ds->failed++;
		log_warnx("outbox=%lld kind=%s to=%s: failed: %s",
		    (long long)o->id, o->kind, log_safe(o->recipient),
		    log_safe(oc->why));
	} else {
		ds->retry++;
		backoff_due(d->cfg, o->attempts, 0, oc->due);
		log_warnx("outbox=%lld kind=%s to=%s: %s; again at %s",
		    (long long)o->id, o->kind, log_safe(o->recipient),
		    log_safe(oc->why), oc->due);
	}
	buf_free(&j->msg);
}

/*
 * The composer: while the sender waits on the relay, the next mails are
 * written (their own store connection), at most LOOKAHEAD ahead.
 */
#define LOOKAHEAD 16

struct pipeline {
	struct deliver *d;
	const struct outbox_item *items;
	size_t n;
	struct job *jobs;
	size_t sent;		/* the sender has taken jobs below this */
	bool stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static bool
is_mail(const struct outbox_item *o)
{
	return strcmp(o->kind, "hub") != 0;
}

static void *
composer_main(void *arg)
{
	struct pipeline *pl = arg;
	size_t i;

	for (i = 0; i < pl->n; i++) {
		struct job *j = &pl->jobs[i];

		pthread_mutex_lock(&pl->mu);
		while (!pl->stop && i >= pl->sent + LOOKAHEAD)
			pthread_cond_wait(&pl->cv, &pl->mu);
		if (pl->stop) {
			pthread_mutex_unlock(&pl->mu);
			break;
		}
		pthread_mutex_unlock(&pl->mu);
		if (is_mail(&pl->items[i]) && pl->d->smtp != NULL) {
			buf_init(&j->msg, DELIVER_MAX_MAIL * 2);
			err_clear(&j->err);
			j->rc = deliver_compose(pl->d, pl->d->cst, &pl->items[i],
			    &j->msg, &j->err);
		}
		pthread_mutex_lock(&pl->mu);
		j->ready = true;
		pthread_cond_broadcast(&pl->cv);
		pthread_mutex_unlock(&pl->mu);
	}
	return NULL;
}

/* waits for job i, and lets the composer go one further */
static struct job *
job_take(struct pipeline *pl, size_t i)
{
	struct job *j = &pl->jobs[i];

	pthread_mutex_lock(&pl->mu);
	while (!j->ready)
		pthread_cond_wait(&pl->cv, &pl->mu);
	pl->sent = i + 1;
	pthread_cond_broadcast(&pl->cv);
	pthread_mutex_unlock(&pl->mu);
	return j;
}

static void
post_hub(struct deliver *d, struct store *st, const struct outbox_item *o,
    struct outcome *oc, struct deliver_stats *ds)
{
	struct record_info *r = NULL;
	struct evidence_data *ev = NULL;
	struct hub_attachment *att = NULL;
	struct hub_submission sub;
	struct err err;
	enum hub_result hr;
	unsigned retry_after = 0;
	char id[32], *hub_id = NULL;
	size_t nev = 0, i;

	err_clear(&err);
	oc->what = "retry";
	snprintf(id, sizeof(id), "%lld", (long long)o->record);
	if (store_record_get(st, id, &r, &err) == -1 || r == NULL ||
	    store_evidence_data(st, r->id, &ev, &nev, &err) == -1) {
		oc->what = r == NULL && err.cls == ERR_NONE ? "failed" : "retry";
		snprintf(oc->why, sizeof(oc->why), "%s", err.cls != ERR_NONE ?
		    err.msg : "the record is gone");
		goto out;
	}
	att = xcalloc(nev ? nev : 1, sizeof(*att));
	for (i = 0; i < nev; i++) {
		att[i].name = ev[i].name;
		att[i].type = ev[i].type;
		att[i].data = ev[i].data;
		att[i].len = ev[i].len;
		att[i].sha256 = ev[i].sha256;
	}
	memset(&sub, 0, sizeof(sub));
	sub.idempotency_key = r->uuid;
	sub.reference = r->ref;
	sub.fields_json = r->fields_json;
	sub.org = r->org;
	sub.att = att;
	sub.natt = nev;
	hr = hub_post(d->hub, &sub, &hub_id, &retry_after, oc->why,
	    sizeof(oc->why));
	if (hr == HUB_STORED) {
		oc->what = "sent";
		oc->record = r->id;
		oc->hub_id = hub_id;
		hub_id = NULL;
	} else if (hr == HUB_PERM)
		oc->what = "failed";
	else
		backoff_due(d->cfg, o->attempts, retry_after, oc->due);
out:
	if (strcmp(oc->what, "retry") == 0 && too_old(d->cfg, o))
		oc->what = "failed";
	if (strcmp(oc->what, "sent") == 0) {
		ds->hub_stored++;
		log_info("outbox=%lld hub ref=%s: stored as %s",
		    (long long)o->id, r != NULL ? r->ref : "?",
		    oc->hub_id != NULL ? log_safe(oc->hub_id) : "(no id)");
	} else if (strcmp(oc->what, "failed") == 0) {
		ds->failed++;
		log_warnx("outbox=%lld hub: failed: %s", (long long)o->id,
		    log_safe(oc->why));
	} else {
		ds->retry++;
		if (oc->due[0] == '\0')
			backoff_due(d->cfg, o->attempts, 0, oc->due);
		log_warnx("outbox=%lld hub: %s; again at %s", (long long)o->id,
		    log_safe(oc->why), oc->due);
	}
	free(hub_id);
	free(att);
	evidence_data_free(&ev, nev);
	record_info_free(&r);
}

static int
outcomes_commit(struct deliver *d, struct store *st, struct outcome *oc,
    size_t n, struct err *err)
{
	size_t i;

	if (n == 0)
		return 0;
	if (store_begin(st, err) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (store_outbox_done(st, oc[i].id, oc[i].what, oc[i].due,
		    oc[i].why[0] != '\0' ? oc[i].why : NULL, err) == -1)
			goto abort;
		if (oc[i].hub_id != NULL && store_record_hub_id(st,
		    oc[i].record, oc[i].hub_id, err) == -1)
			goto abort;
		if (strcmp(oc[i].what, "failed") == 0 &&
		    alerts_queue(d, st, oc[i].item, err) == -1)
			goto abort;
	}
	if (store_commit(st, err) == -1)
		goto abort;
	return 0;
abort:
	store_rollback(st);
	return -1;
}

int
deliver_pass(struct deliver *d, struct store *st, unsigned mod, unsigned rem,
    struct deliver_stats *ds, bool *more_r, struct err *err)
{
	struct outbox_item *items = NULL;
	struct outcome *oc = NULL;
	size_t n = 0, i, noc = 0, nwork = 0, failed_before = ds->failed;
	struct pipeline pl;
	pthread_t composer;
	bool started = false;
	char *mid;
	int ret = -1;

	*more_r = false;
	memset(&pl, 0, sizeof(pl));
	if (store_outbox_due(st, d->cfg->deliver_batch, mod, rem, &items, &n,
	    err) == -1)
		return -1;
	/* every mail its Message-ID before any is sent, in one transaction */
	if (store_begin(st, err) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		if (items[i].message_id != NULL ||
		    strcmp(items[i].kind, "hub") == 0)
			continue;
		mid = compose_message_id(d->cfg->address);
		if (store_outbox_set_message_id(st, items[i].id, mid,
		    err) == -1) {
			free(mid);
			store_rollback(st);
			goto out;
		}
		items[i].message_id = mid;
	}
	if (store_commit(st, err) == -1) {
		store_rollback(st);
		goto out;
	}
	oc = xcalloc(COMMIT_EVERY, sizeof(*oc));
	memset(&pl, 0, sizeof(pl));
	pl.d = d;
	pl.items = items;
	pl.n = n;
	pl.jobs = xcalloc(n ? n : 1, sizeof(*pl.jobs));
	pthread_mutex_init(&pl.mu, NULL);
	pthread_cond_init(&pl.cv, NULL);
	if (n > 0 && pthread_create(&composer, NULL, composer_main, &pl) != 0)
		fatalx("cannot start the composer thread");
	started = n > 0;
	for (i = 0; i < n; i++) {
		bool hub = strcmp(items[i].kind, "hub") == 0;
		struct job *j = job_take(&pl, i);

		if ((hub && d->hub == NULL) || (!hub && d->smtp == NULL)) {
			ds->waiting++;
			continue;
		}
		memset(&oc[noc], 0, sizeof(oc[noc]));
		oc[noc].item = &items[i];
		oc[noc].id = items[i].id;
		if (hub)
			post_hub(d, st, &items[i], &oc[noc], ds);
		else
			send_mail(d, &items[i], j, &oc[noc], ds);
		noc++;
		nwork++;
		if (noc == COMMIT_EVERY) {
			if (outcomes_commit(d, st, oc, noc, err) == -1)
				goto out;
			while (noc > 0)
				free(oc[--noc].hub_id);
		}
	}
	if (outcomes_commit(d, st, oc, noc, err) == -1)
		goto out;
	/* a failure queues alerts: they go in the next pass */
	*more_r = (n == d->cfg->deliver_batch && nwork > 0) ||
	    ds->failed > failed_before;
	ret = 0;
out:
	if (started) {
		pthread_mutex_lock(&pl.mu);
		pl.stop = true;
		pthread_cond_broadcast(&pl.cv);
		pthread_mutex_unlock(&pl.mu);
		pthread_join(composer, NULL);
		pthread_mutex_destroy(&pl.mu);
		pthread_cond_destroy(&pl.cv);
	}
	for (i = 0; pl.jobs != NULL && i < n; i++)
		buf_free(&pl.jobs[i].msg);
	free(pl.jobs);
	while (noc > 0)
		free(oc[--noc].hub_id);
	free(oc);
	outbox_items_free(&items, n);
	return ret;
}
