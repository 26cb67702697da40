/* route.c: the routing stage: new records through the rules to route rows
 * and outbox rows, in one transaction */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "log.h"
#include "mime.h"
#include "route.h"

int
route_rules_load(const struct config *cfg, struct rules **set_r,
    rules_report_fn report, void *arg)
{
	struct rules_limits lim;

	rules_limits_default(&lim);
	lim.match_limit = cfg->match_limit;
	lim.depth_limit = cfg->depth_limit;
	return rules_load(cfg->rules_dir, &lim, set_r, report, arg);
}

/* ------------------------------------------------------------ targets */

struct resolved {
	char *target;
	bool group;
	bool known;
	struct route_dest *d;
	size_t n;
};

struct resolver {
	struct store *st;
	struct resolved *r;
	size_t n;
};

static int
member_cb(void *arg, const char *const *col)
{
	struct resolved *r = arg;
	long long id = 0;

	if (col[0] == NULL || col[1] == NULL ||
	    str_tonum(col[0], 1, INT64_MAX, &id) == -1)
		return 0;
	r->d = xreallocarray(r->d, r->n + 1, sizeof(*r->d));
	r->d[r->n].contact = id;
	r->d[r->n].address = xstrdup(col[1]);
	r->n++;
	return 0;
}

static int
resolve(struct resolver *rv, const char *target, bool group,
    const struct resolved **out, struct err *err)
{
	struct resolved *r;
	struct contact *c = NULL;
	size_t i;

	for (i = 0; i < rv->n; i++)
		if (rv->r[i].group == group && (group ?
		    str_ieq(rv->r[i].target, target) :
		    strcmp(rv->r[i].target, target) == 0)) {
			*out = &rv->r[i];
			return 0;
		}
	rv->r = xreallocarray(rv->r, rv->n + 1, sizeof(*rv->r));
	r = &rv->r[rv->n];
	memset(r, 0, sizeof(*r));
	r->target = xstrdup(target);
	r->group = group;
	if (group) {
		if (store_group_exists(rv->st, target, &r->known, err) == -1 ||
		    (r->known && store_group_members_each(rv->st, target,
		    member_cb, r, err) == -1))
			goto fail;
	} else {
		if (store_contact_get(rv->st, target, &c, err) == -1)
			goto fail;
		if (c != NULL) {
			r->known = true;
			r->d = xcalloc(1, sizeof(*r->d));
			r->d[0].contact = c->id;
			r->d[0].address = xstrdup(c->address);
			r->n = 1;
			contact_free(&c);
		}
	}
	rv->n++;
	*out = r;
	return 0;
fail:
	for (i = 0; i < r->n; i++)
		free(r->d[i].address);
	free(r->d);
	free(r->target);
	return -1;
}

static void
resolver_clear(struct resolver *rv)
{
	size_t i, j;

	for (i = 0; i < rv->n; i++) {
		for (j = 0; j < rv->r[i].n; j++)
			free(rv->r[i].d[j].address);
		free(rv->r[i].d);
		free(rv->r[i].target);
	}
	free(rv->r);
	rv->r = NULL;
	rv->n = 0;
}

static bool
is_group(const char *target)
{
	return strchr(target, '@') == NULL;
}

int
route_target_contacts(struct store *st, const char *target,
    struct route_dest **d_r, size_t *n_r, struct err *err)
{
	struct resolver rv;
	const struct resolved *r;
	size_t i;

	*d_r = NULL;
	*n_r = 0;
	memset(&rv, 0, sizeof(rv));
	rv.st = st;
	if (resolve(&rv, target, is_group(target), &r, err) == -1)
		return -1;
	if (r->n > 0) {
		*d_r = xcalloc(r->n, sizeof(**d_r));
		for (i = 0; i < r->n; i++) {
			(*d_r)[i].contact = r->d[i].contact;
			(*d_r)[i].address = xstrdup(r->d[i].address);
		}
		*n_r = r->n;
	}
	resolver_clear(&rv);
	return 0;
}

void
route_dests_free(struct route_dest **d, size_t n)
{
	size_t i;

	for (i = 0; *d != NULL && i < n; i++)
		free((*d)[i].address);
	free(*d);
	*d = NULL;
}

struct check_ctx {
	struct resolver rv;
	rules_report_fn report;
	void *arg;
	int problems;
	struct err *err;
	bool failed;
};

static void
check_target(void *arg, const char *target, bool group, const char *where)
{
	struct check_ctx *cc = arg;
	const struct resolved *r;
	char *msg;

	if (cc->failed)
		return;
	if (resolve(&cc->rv, target, group, &r, cc->err) == -1) {
		cc->failed = true;
		return;
	}
	if (r->known && (!group || r->n > 0))
		return;
	if (!r->known)
		msg = xasprintf("%s: route to unknown %s '%s'%s", where,
		    group ? "group" : "contact", target, group ?
		    " (flagpost contacts group add)" :
		    " (flagpost contacts add)");
	else
		msg = xasprintf("%s: route to group '%s', which has no "
		    "members", where, target);
	cc->report(cc->arg, msg);
	free(msg);
	cc->problems++;
}

int
route_check_targets(const struct config *cfg, const struct rules *set,
    struct store *st, rules_report_fn report, void *arg, struct err *err)
{
	struct check_ctx cc;
	char *where;

	memset(&cc, 0, sizeof(cc));
	cc.rv.st = st;
	cc.report = report;
	cc.arg = arg;
	cc.err = err;
	rules_targets_each(set, check_target, &cc);
	if (!cc.failed && cfg->route_default != NULL) {
		where = xasprintf("%s: [routing] default", cfg->path);
		check_target(&cc, cfg->route_default,
		    is_group(cfg->route_default), where);
		free(where);
	}
	resolver_clear(&cc.rv);
	return cc.failed ? -1 : cc.problems;
}

/* ------------------------------------------------------------ fields */

int
route_record_from_json(const char *json, struct rules_record *rec)
{
	json_error_t jerr;
	json_t *o, *v, *e;
	const char *key;
	char name[64], *p;
	size_t i;

	if ((o = json_loads(json, 0, &jerr)) == NULL || !json_is_object(o)) {
		json_decref(o);
		return -1;
	}
	json_object_foreach(o, key, v) {
		if (strcmp(key, "url_norm") == 0 || strcmp(key, "targets") == 0 ||
		    strlen(key) >= sizeof(name))
			continue;
		memcpy(name, key, strlen(key) + 1);
		for (p = name; *p != '\0'; p++)
			if (*p == '_')
				*p = '-';
		if (json_is_string(v))
			rules_record_add(rec, name, json_string_value(v));
		else if (json_is_array(v))
			json_array_foreach(v, i, e)
				if (json_is_string(e))
					rules_record_add(rec, name,
					    json_string_value(e));
	}
	json_decref(o);
	return 0;
}

/* fields that hold lists whatever the kind */
static bool
list_field(const char *name)
{
	static const char *const lists[] = {
		"country", "ground", "indicators", "platform",
	};
	size_t i;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (strcmp(name, lists[i]) == 0)
			return true;
	return false;
}

/* the record's JSON with the fields as the rules left them */
static char *
fields_json(const char *old, const struct rules_record *rec)
{
	json_t *o, *v, *a;
	char key[64], *p, *s;
	size_t i, j;

	if ((o = json_loads(old, 0, NULL)) == NULL || !json_is_object(o)) {
		json_decref(o);
		o = json_object();
	}
	for (i = 0; i < rec->n; i++) {
		const struct rules_field *f = &rec->f[i];

		if (strlen(f->name) >= sizeof(key))
			continue;
		memcpy(key, f->name, strlen(f->name) + 1);
		for (p = key; *p != '\0'; p++)
			if (*p == '-')
				*p = '_';
		v = json_object_get(o, key);
		if (f->n == 1 && !list_field(f->name) &&
		    (v == NULL || json_is_string(v))) {
			json_object_set_new(o, key, json_string(f->v[0]));
			continue;
		}
		a = json_array();
		for (j = 0; j < f->n; j++)
			json_array_append_new(a, json_string(f->v[j]));
		json_object_set_new(o, key, a);
	}
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(o);
	return s;
}

/* ------------------------------------------------------------ a pass */

struct waiting {
	int64_t id;
	char *ref;
	char *kind;
	char *fields;
	char *org;
	char *sender;
	int64_t message;
};

struct pass {
	struct waiting *w;
	size_t n;
};

static int
waiting_cb(void *arg, const char *const *col)
{
	struct pass *ps = arg;
	struct waiting *w;
	long long id = 0, msg = 0;

	if (col[0] == NULL || str_tonum(col[0], 1, INT64_MAX, &id) == -1)
		return 0;
	if (col[6] != NULL)
		(void)str_tonum(col[6], 1, INT64_MAX, &msg);
	ps->w = xreallocarray(ps->w, ps->n + 1, sizeof(*ps->w));
	w = &ps->w[ps->n++];
	w->id = id;
	w->ref = xstrdup(col[1] ? col[1] : "");
	w->kind = xstrdup(col[2] ? col[2] : "");
	w->fields = xstrdup(col[3] ? col[3] : "{}");
	w->org = col[4] ? xstrdup(col[4]) : NULL;
	w->sender = col[5] ? xstrdup(col[5]) : NULL;
	w->message = msg;
	return 0;
}

static void
pass_clear(struct pass *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		free(ps->w[i].ref);
		free(ps->w[i].kind);
		free(ps->w[i].fields);
		free(ps->w[i].org);
		free(ps->w[i].sender);
	}
	free(ps->w);
	ps->w = NULL;
	ps->n = 0;
}

/* the mail of a record, for header: and body conditions */
struct mail_cache {
	int64_t message;
	struct mime_msg *msg;
	char *raw;
};

static int
mail_get(struct mail_cache *mc, struct store *st, const struct config *cfg,
    int64_t message, struct err *err)
{
	struct err perr;
	size_t len;

	if (mc->message == message && message != 0)
		return 0;
	mime_msg_free(&mc->msg);
	free(mc->raw);
	mc->raw = NULL;
	mc->message = message;
	if (store_message_raw(st, message, &mc->raw, &len, err) == -1)
		return -1;
	err_clear(&perr);
	/* a mail stored with records was read once; a failure now is odd */
	if (mime_parse(mc->raw, len, &cfg->mime, &mc->msg, &perr) == -1)
		log_warnx("msg=%lld: cannot read the mail again for the rules: "
		    "%s", (long long)message, perr.msg);
	return 0;
}

static void
mail_clear(struct mail_cache *mc)
{
	mime_msg_free(&mc->msg);
	free(mc->raw);
	memset(mc, 0, sizeof(*mc));
}

bool
route_urgent_by_kind(const struct rules_record *rec)
{
	char **v;
	size_t n, i;

	if (strcmp(rec->kind, "early-warning") != 0)
		return false;
	v = rules_record_get(rec, "risk", &n);
	for (i = 0; i < n; i++)
		if (strcmp(v[i], "high") == 0 || strcmp(v[i], "critical") == 0)
			return true;
	return false;
}

/* one contact the record reaches */
struct reach {
	int64_t contact;
	const char *address;
	bool notice;		/* some route of it is not digest-only */
};

static void
reach_add(struct reach **r, size_t *n, const struct route_dest *d,
    bool digest_only)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*r)[i].contact == d->contact) {
			(*r)[i].notice |= !digest_only;
			return;
		}
	*r = xreallocarray(*r, *n + 1, sizeof(**r));
	(*r)[*n].contact = d->contact;
	(*r)[*n].address = d->address;
	(*r)[*n].notice = !digest_only;
	(*n)++;
}

static int
route_one(const struct config *cfg, const struct rules *set,
    struct rules_matcher *m, struct store *st, struct resolver *rv,
    struct mail_cache *mc, const struct waiting *w, struct route_stats *rs,
    struct err *err)
{
	struct rules_record rec;
	struct rules_result res;
	struct route_row row;
	struct outbox_row ob;
	const struct resolved *r;
	struct reach *reach = NULL;
	struct buf b = BUF_INIT(16u * 1024 * 1024);
	char *json = NULL;
	size_t i, j, nreach = 0;
	bool urgent;
	int seq = 0, ret = -1;

	memset(&rec, 0, sizeof(rec));
	memset(&res, 0, sizeof(res));
	rec.kind = w->kind;
	rec.org = w->org;
	rec.sender = w->sender;
	if (route_record_from_json(w->fields, &rec) == -1)
		log_warnx("ref=%s: the stored fields are not JSON; routing "
		    "without them", w->ref);
	if (rules_need_mail(set)) {
		if (mail_get(mc, st, cfg, w->message, err) == -1)
			goto out;
		if (mc->msg != NULL) {
			rec.hdr = mc->msg->hdr;
			rec.nhdr = mc->msg->nhdr;
			rec.body = mc->msg->text;
		}
	}
	rules_eval(set, m, &rec, true, &res);
	rs->records++;
	rs->limit_hits += res.limit_hits;

	if (res.changed) {
		if ((json = fields_json(w->fields, &rec)) == NULL) {
			err_set(err, ERR_SYS, "ref=%s: cannot write the fields",
			    w->ref);
			goto out;
		}
		if (store_record_fields_set(st, w->id, json, err) == -1)
			goto out;
	}
	urgent = res.urgent || route_urgent_by_kind(&rec);

	if (res.quarantined) {
		rs->quarantined++;
		if (store_record_routed(st, w->id, "quarantined", res.reason,
		    err) == -1)
			goto out;
		goto trace;
	}

	for (i = 0; i < res.nroute; i++) {
		const struct rules_route *rt = &res.route[i];

		if (resolve(rv, rt->target, rt->group, &r, err) == -1)
			goto out;
		if (!r->known || r->n == 0) {
			buf_reset(&b);
			buf_printf(&b, "route %s (rule %s): %s; skipped",
			    rt->target, rt->rule, !r->known ? (rt->group ?
			    "no such group" : "no such contact") :
			    "the group has no members");
			log_warnx("ref=%s: %s", w->ref, buf_str(&b));
			rules_result_trace_add(&res, buf_str(&b));
			continue;
		}
		for (j = 0; j < r->n; j++) {
			memset(&row, 0, sizeof(row));
			row.seq = ++seq;
			row.rule = rt->rule;
			row.location = rt->where;
			row.target = rt->target;
			row.contact = r->d[j].contact;
			row.address = r->d[j].address;
			row.urgent = urgent;
			row.digest_only = rt->digest_only;
			if (store_route_add(st, w->id, &row, err) == -1)
				goto out;
			reach_add(&reach, &nreach, &r->d[j], rt->digest_only);
		}
	}
	if (nreach == 0) {
		if (resolve(rv, cfg->route_default,
		    is_group(cfg->route_default), &r, err) == -1)
			goto out;
		if (!r->known || r->n == 0) {
			err_set(err, ERR_CONFIG, "[routing] default '%s' %s: "
			    "records cannot be routed", cfg->route_default,
			    !r->known ? "is not a contact or group" :
			    "has no members");
			goto out;
		}
		buf_reset(&b);
		buf_printf(&b, "no rule routed the record: the default, %s",
		    cfg->route_default);
		rules_result_trace_add(&res, buf_str(&b));
		for (j = 0; j < r->n; j++) {
			memset(&row, 0, sizeof(row));
			row.seq = ++seq;
			row.rule = NULL;
			row.location = "[routing] default";
			row.target = cfg->route_default;
			row.contact = r->d[j].contact;
			row.address = r->d[j].address;
			row.urgent = urgent;
			if (store_route_add(st, w->id, &row, err) == -1)
				goto out;
			reach_add(&reach, &nreach, &r->d[j], false);
		}
		rs->defaulted++;
	}
	for (i = 0; i < nreach; i++) {
		if (!reach[i].notice)
			continue;
		memset(&ob, 0, sizeof(ob));
		ob.kind = "notice";
		ob.record = w->id;
		ob.message = w->message;
		ob.contact = reach[i].contact;
		ob.recipient = reach[i].address;
		ob.urgent = urgent;
		if (store_outbox_add(st, &ob, NULL, err) == -1)
			goto out;
		rs->notices++;
	}
	if (strcmp(w->kind, "hub") == 0) {
		memset(&ob, 0, sizeof(ob));
		ob.kind = "hub";
		ob.record = w->id;
		ob.message = w->message;
		if (store_outbox_add(st, &ob, NULL, err) == -1)
			goto out;
		rs->hub++;
	}
	if (store_record_routed(st, w->id, "routed", NULL, err) == -1)
		goto out;
	rs->routed++;
trace:
	buf_reset(&b);
	for (i = 0; i < res.ntrace; i++) {
		if (i > 0)
			buf_addch(&b, '\n');
		buf_addstr(&b, res.trace[i]);
	}
	if (store_route_trace_set(st, w->id, buf_str(&b), err) == -1)
		goto out;
	ret = 0;
out:
	free(json);
	free(reach);
	buf_free(&b);
	rules_result_clear(&res);
	rules_record_clear(&rec);
	return ret;
}

int
route_pass(const struct config *cfg, const struct rules *set,
    struct rules_matcher *m, struct store *st, struct route_stats *rs,
    bool *more_r, struct err *err)
{
	struct resolver rv;
	struct mail_cache mc;
	struct pass ps;
	size_t i;
	int ret = -1;

	memset(&rv, 0, sizeof(rv));
	memset(&mc, 0, sizeof(mc));
	memset(&ps, 0, sizeof(ps));
	rv.st = st;
	*more_r = false;
	if (store_begin(st, err) == -1)
		return -1;
	if (store_records_unrouted_each(st, cfg->route_batch, waiting_cb, &ps,
	    err) == -1)
		goto abort;
	for (i = 0; i < ps.n; i++)
		if (route_one(cfg, set, m, st, &rv, &mc, &ps.w[i], rs,
		    err) == -1)
			goto abort;
	if (store_commit(st, err) == -1)
		goto abort;
	*more_r = ps.n == cfg->route_batch;
	ret = 0;
	goto out;
abort:
	store_rollback(st);
out:
	mail_clear(&mc);
	resolver_clear(&rv);
	pass_clear(&ps);
	return ret;
}

int
route_all(const struct config *cfg, const struct rules *set,
    struct store *st, struct route_stats *rs, struct err *err)
{
	struct rules_matcher *m = rules_matcher_new(set);
	bool more = true;
	int ret = 0;

	while (more && ret == 0)
		ret = route_pass(cfg, set, m, st, rs, &more, err);
	rules_matcher_free(&m);
	return ret;
}

/* ------------------------------------------------------------ dry runs */

int
route_explain(const struct config *cfg, struct store *st,
    const struct rules_result *res, route_line_fn fn, void *arg,
    struct err *err)
{
	struct resolver rv;
	const struct resolved *r;
	struct buf b = BUF_INIT(65536);
	size_t i, j, reached = 0;
	int ret = -1;

	memset(&rv, 0, sizeof(rv));
	rv.st = st;
	if (res->quarantined) {
		buf_printf(&b, "quarantined: %s", res->reason);
		fn(arg, buf_str(&b));
		ret = 0;
		goto out;
	}
	for (i = 0; i < res->nroute; i++) {
		const struct rules_route *rt = &res->route[i];

		if (resolve(&rv, rt->target, rt->group, &r, err) == -1)
			goto out;
		buf_reset(&b);
		buf_printf(&b, "to %s%s (rule %s)", rt->target,
		    rt->digest_only ? ", digest only" : "", rt->rule);
		if (!r->known)
			buf_printf(&b, ": no such %s; skipped",
			    rt->group ? "group" : "contact");
		else if (r->n == 0)
			buf_addstr(&b, ": the group has no members; skipped");
		else if (rt->group) {
			buf_addstr(&b, ":");
			for (j = 0; j < r->n; j++)
				buf_printf(&b, " %s", r->d[j].address);
		}
		fn(arg, buf_str(&b));
		reached += r->known ? r->n : 0;
	}
	if (reached == 0) {
		buf_reset(&b);
		if (cfg->route_default == NULL)
			buf_addstr(&b, "to nobody: no rule routes it and "
			    "[routing] default is not set");
		else {
			if (resolve(&rv, cfg->route_default,
			    is_group(cfg->route_default), &r, err) == -1)
				goto out;
			buf_printf(&b, "to %s (the default: no rule routes it)",
			    cfg->route_default);
			if (!r->known)
				buf_addstr(&b, ": no such contact or group");
			else if (is_group(cfg->route_default)) {
				buf_addstr(&b, ":");
				for (j = 0; j < r->n; j++)
					buf_printf(&b, " %s",
					    r->d[j].address);
			}
		}
		fn(arg, buf_str(&b));
	}
	ret = 0;
out:
	buf_free(&b);
	resolver_clear(&rv);
	return ret;
}
