/* digest.c: the digests of the lists, composed once per list and period */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "digest.h"
#include "lexicon.h"
#include "log.h"
#include "schedule.h"

#define SUMMARY_MAX	400	/* bytes of a summary in a digest */
#define WARNING_DAYS	7	/* an early warning without Ends lasts */

void
digest_items_free(struct digest_item **v, size_t n)
{
	size_t i;

	if (*v == NULL)
		return;
	for (i = 0; i < n; i++) {
		free((*v)[i].ref);
		free((*v)[i].fields);
		free((*v)[i].org);
		free((*v)[i].routed);
		free((*v)[i].url);
		free((*v)[i].category);
		json_decref((*v)[i].json);
	}
	free(*v);
	*v = NULL;
}

void
digest_item_parse(struct digest_item *it)
{
	const char *c;

	if (it->json != NULL)
		return;
	if ((it->json = json_loads(it->fields, 0, NULL)) == NULL)
		it->json = json_object();
	if ((c = json_string_value(json_object_get(it->json,
	    "category"))) != NULL)
		it->category = xstrdup(c);
}

void
digest_period_clear(struct digest_period *p)
{
	digest_items_free(&p->items, p->nitems);
	memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------------ fields */

/* any value of a field (a string or a list of strings) in `want`; a
 * field the record does not have passes */
static bool
field_passes(json_t *fo, const char *key, const struct strlist *want)
{
	json_t *v, *e;
	size_t i;

	if (want->n == 0)
		return true;
	v = json_object_get(fo, key);
	if (v == NULL || (json_is_array(v) && json_array_size(v) == 0) ||
	    (json_is_string(v) && *json_string_value(v) == '\0'))
		return true;
	if (json_is_string(v))
		return strlist_has(want, json_string_value(v));
	json_array_foreach(v, i, e)
		if (json_is_string(e) && strlist_has(want, json_string_value(e)))
			return true;
	return false;
}

static bool
filters_pass(const struct list_conf *l, json_t *fo)
{
	return field_passes(fo, "country", &l->country) &&
	    field_passes(fo, "language", &l->language) &&
	    field_passes(fo, "ground", &l->ground) &&
	    field_passes(fo, "platform", &l->platform);
}

/* a field as text: a string, or the values of a list joined by ", " */
static char *
field_text(json_t *fo, const char *key)
{
	struct buf b = BUF_INIT(64 * 1024);
	json_t *v = json_object_get(fo, key), *e;
	size_t i;

	if (json_is_string(v))
		buf_addstr(&b, json_string_value(v));
	else if (json_is_array(v))
		json_array_foreach(v, i, e) {
			if (!json_is_string(e))
				continue;
			if (b.len > 0)
				buf_addstr(&b, ", ");
			buf_addstr(&b, json_string_value(e));
		}
	return buf_detach(&b, NULL);
}

/* at most SUMMARY_MAX bytes, cut at a space and never inside UTF-8 */
static char *
shorten(char *s)
{
	size_t n = strlen(s), cut;

	if (n <= SUMMARY_MAX)
		return s;
	cut = SUMMARY_MAX;
	while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	while (cut > SUMMARY_MAX / 2 && s[cut] != ' ')
		cut--;
	while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	memcpy(s + cut, "\xe2\x80\xa6", 4);	/* U+2026, and the NUL */
	return s;
}

/*
 * A date or date-time of the form as the validator wrote it
 * ("2026-12-01", "2026-12-01T18:00", "2026-12-01T17:00Z"), in epoch
 * seconds; a date is its start, or with end_of_day its last second.
 * A time without a zone is taken as UTC.
 */
static int
form_time(const char *s, bool end_of_day, int64_t *t_r)
{
	char buf[64];
	int64_t t;

	if (s == NULL || strlen(s) < 10 || strlen(s) > 32)
		return -1;
	if (s[10] == '\0') {
		snprintf(buf, sizeof(buf), "%.10sT00:00:00Z", s);
		if (time_parse(buf, &t) == -1)
			return -1;
		*t_r = end_of_day ? t + 86399 : t;
		return 0;
	}
	if (time_parse(s, &t) == 0) {
		*t_r = t;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%.32sZ", s);
	if (time_parse(buf, &t) == -1)
		return -1;
	*t_r = t;
	return 0;
}

/* ------------------------------------------------------------ collecting */

struct collect {
	const struct config *cfg;
	const struct list_conf *l;
	int64_t start, end;
	const char *section;
	struct digest_item *v;
	size_t n;
};

static void
item_take(struct collect *c, const char *const *col, bool urgent, int order,
    int64_t starts, bool overdue)
{
	struct digest_item *it;

	c->v = xreallocarray(c->v, c->n + 1, sizeof(*c->v));
	it = &c->v[c->n++];
	memset(it, 0, sizeof(*it));
	it->id = strtoll(col[1], NULL, 10);
	it->ref = xstrdup(col[2]);
	it->fields = xstrdup(col[3] != NULL ? col[3] : "{}");
	it->org = col[4] != NULL ? xstrdup(col[4]) : NULL;
	it->routed = col[5] != NULL ? xstrdup(col[5]) : NULL;
	it->url = col[6] != NULL ? xstrdup(col[6]) : NULL;
	it->section = c->section;
	it->urgent = urgent;
	it->order = order;
	it->starts = starts;
	it->overdue = overdue;
	digest_item_parse(it);
}

/* a row: urgent flag, id, ref, fields, org, routed, url */
static int
hub_cb(void *arg, const char *const *col)
{
	struct collect *c = arg;
	json_t *fo = json_loads(col[3] != NULL ? col[3] : "", 0, NULL);
	const char *cat;
	size_t i;
	int order = (int)lex_category.n;

	if (fo == NULL)
		return 0;
	cat = json_string_value(json_object_get(fo, "category"));
	if (cat != NULL)
		for (i = 0; i < lex_category.n; i++)
			if (strcmp(lex_category.values[i], cat) == 0)
				order = (int)i;
	if ((c->l->categories.n == 0 || (cat != NULL &&
	    strlist_has(&c->l->categories, cat))) && filters_pass(c->l, fo))
		item_take(c, col, false, order, 0, false);
	json_decref(fo);
	return 0;
}

static int
warning_cb(void *arg, const char *const *col)
{
	struct collect *c = arg;
	json_t *fo = json_loads(col[3] != NULL ? col[3] : "", 0, NULL);
	const char *risk, *ends;
	int64_t starts, until;
	bool urgent;

	if (fo == NULL)
		return 0;
	if (form_time(json_string_value(json_object_get(fo, "starts")), false,
	    &starts) == -1)
		goto out;
	ends = json_string_value(json_object_get(fo, "ends"));
	if (ends == NULL || form_time(ends, true, &until) == -1)
		until = starts + WARNING_DAYS * 86400;
	if (until < c->start || !filters_pass(c->l, fo))
		goto out;
	risk = json_string_value(json_object_get(fo, "risk"));
	urgent = strcmp(col[0], "1") == 0 || (risk != NULL &&
	    (strcmp(risk, "high") == 0 || strcmp(risk, "critical") == 0));
	item_take(c, col, urgent, 0, starts, false);
out:
	json_decref(fo);
	return 0;
}

static int
flag_cb(void *arg, const char *const *col)
{
	struct collect *c = arg;
	json_t *fo = json_loads(col[3] != NULL ? col[3] : "", 0, NULL);
	int64_t routed;
	bool overdue = false;

	if (fo == NULL)
		return 0;
	if (filters_pass(c->l, fo)) {
		if (time_parse(col[5], &routed) == 0)
			overdue = routed + (int64_t)c->cfg->review_deadline <=
			    c->end;
		item_take(c, col, false, 0, 0, overdue);
	}
	json_decref(fo);
	return 0;
}

/* urgent warnings, hub by category, other warnings; stable */
static int
item_rank(const struct digest_item *it)
{
	if (it->section != NULL && strcmp(it->section, "warning") == 0)
		return it->urgent ? 0 : 2;
	return 1;
}

static int
item_cmp(const void *a, const void *b)
{
	const struct digest_item *x = a, *y = b;
	int rx = item_rank(x), ry = item_rank(y);

	if (rx != ry)
		return rx < ry ? -1 : 1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	if (x->starts != y->starts)
		return x->starts < y->starts ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int
digest_collect(const struct config *cfg, struct store *st,
    const struct list_conf *l, int64_t start, int64_t end,
    struct digest_period *p, struct err *err)
{
	struct collect c;

	memset(p, 0, sizeof(*p));
	p->list = l;
	p->start = start;
	p->end = end;
	time_rfc3339(start, p->start_text);
	time_rfc3339(end, p->end_text);
	memset(&c, 0, sizeof(c));
	c.cfg = cfg;
	c.l = l;
	c.start = start;
	c.end = end;
	if (l->warnings) {
		c.section = "warning";
		if (store_digest_warnings_each(st, p->end_text, warning_cb, &c,
		    err) == -1)
			goto fail;
	}
	if (l->hub) {
		char first[32];
		bool found;

		/* new in the period, and any routed too late for the digest
		 * of its own period */
		c.section = "hub";
		if (store_digest_first(st, l->name, first, &found, err) == -1 ||
		    store_digest_hub_each(st, l->name, found ? first :
		    p->start_text, p->end_text, hub_cb, &c, err) == -1)
			goto fail;
	}
	if (c.n > 1)
		qsort(c.v, c.n, sizeof(*c.v), item_cmp);
	p->items = c.v;
	p->nitems = c.n;
	return 0;
fail:
	digest_items_free(&c.v, c.n);
	return -1;
}

int
digest_open_flags(const struct config *cfg, struct store *st,
    const struct list_conf *l, int64_t contact, int64_t end,
    struct digest_item **v_r, size_t *n_r, struct err *err)
{
	struct collect c;
	char end_text[21];

	*v_r = NULL;
	*n_r = 0;
	memset(&c, 0, sizeof(c));
	c.cfg = cfg;
	c.l = l;
	c.end = end;
	time_rfc3339(end, end_text);
	if (store_open_flags_each(st, contact, end_text, flag_cb, &c,
	    err) == -1) {
		digest_items_free(&c.v, c.n);
		return -1;
	}
	*v_r = c.v;
	*n_r = c.n;
	return 0;
}

/* ------------------------------------------------------------ running */

static void
say(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(FILE *out, const char *fmt, ...)
{
	va_list ap;

	if (out == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
}

static const char *
item_label(const struct digest_item *it)
{
	if (it->section == NULL)
		return it->overdue ? "open flag, overdue" : "open flag";
	if (strcmp(it->section, "hub") == 0)
		return "hub";
	return it->urgent ? "urgent early warning" : "early warning";
}

static void
print_item(FILE *out, const struct digest_item *it)
{
	json_t *fo = json_loads(it->fields, 0, NULL);
	char *t = NULL;

	if (fo != NULL) {
		t = field_text(fo, it->section == NULL ? "url" :
		    strcmp(it->section, "hub") == 0 ? "title" : "event");
		json_decref(fo);
	}
	say(out, "  %s %s%s%s\n", it->ref, item_label(it),
	    t != NULL && *t != '\0' ? ": " : "", t != NULL ? t : "");
	free(t);
}

/*
 * One list at `now`.  Not dry: inside the transaction the caller opened,
 * which also reads what was produced last.
 */
static int
run_list(const struct config *cfg, struct store *st,
    const struct list_conf *l, int64_t now, bool dry_run, FILE *out,
    size_t *queued_r, struct err *err)
{
	struct digest_period p;
	struct subscriber *subs = NULL;
	struct digest_item *flags = NULL;
	struct outbox_row ob;
	struct buf lines = BUF_INIT(16u * 1024 * 1024);
	char last[32], a[32], b[32];
	int64_t last_end = -1, start, end, digest = 0, oid;
	size_t nsubs = 0, nflags = 0, queued = 0, i, j;
	bool found;
	int due, ret = -1;

	memset(&p, 0, sizeof(p));
	if (store_digest_last(st, l->name, last, &found, err) == -1)
		return -1;
	if (found && time_parse(last, &last_end) == -1)
		return err_set(err, ERR_SYS, "list %s: the last digest ends at "
		    "'%s', which is not a time", l->name, last);
	due = schedule_due(&l->sched, now, last_end, &start, &end);
	if (due == -1)
		return err_set(err, ERR_CONFIG, "list %s: the zone '%s' cannot "
		    "be read", l->name, l->sched.tz);
	if (due == 0) {
		schedule_local_text(&l->sched, schedule_next_after(&l->sched,
		    now), a);
		say(out, "%s: nothing due; next at %s\n", l->name, a);
		return 0;
	}
	if (digest_collect(cfg, st, l, start, end, &p, err) == -1)
		return -1;
	if (store_subscribers(st, l->name, &subs, &nsubs, err) == -1)
		goto out;
	schedule_local_text(&l->sched, start, a);
	schedule_local_text(&l->sched, end, b);
	if (!dry_run && store_digest_add(st, l->name, p.start_text,
	    p.end_text, p.nitems, &digest, err) == -1)
		goto out;
	if (!dry_run)
		for (i = 0; i < p.nitems; i++)
			if (store_digest_item_add(st, digest, (int)i + 1,
			    p.items[i].section, p.items[i].id,
			    p.items[i].urgent, err) == -1)
				goto out;
	for (i = 0; i < nsubs; i++) {
		nflags = 0;
		if (l->flags && subs[i].contact > 0 &&
		    digest_open_flags(cfg, st, l, subs[i].contact, end, &flags,
		    &nflags, err) == -1)
			goto out;
		if (p.nitems == 0 && nflags == 0) {
			digest_items_free(&flags, nflags);
			continue;
		}
		queued++;
		if (dry_run) {
			size_t over = 0;

			for (j = 0; j < nflags; j++)
				over += flags[j].overdue;
			if (nflags > 0)
				buf_printf(&lines, "  to %s: %zu open flag%s "
				    "(%zu overdue)\n", subs[i].address, nflags,
				    nflags == 1 ? "" : "s", over);
			digest_items_free(&flags, nflags);
			continue;
		}
		memset(&ob, 0, sizeof(ob));
		ob.kind = "digest";
		ob.contact = subs[i].contact;
		ob.recipient = subs[i].address;
		ob.digest = digest;
		ob.subscriber = subs[i].id;
		if (store_outbox_add(st, &ob, &oid, err) == -1)
			goto out;
		for (j = 0; j < nflags; j++)
			if (store_digest_flag_add(st, oid, (int)j + 1,
			    flags[j].id, flags[j].overdue, err) == -1)
				goto out;
		digest_items_free(&flags, nflags);
	}
	if (!dry_run && store_digest_queued(st, digest, queued, err) == -1)
		goto out;
	say(out, "%s: %s to %s: %zu item%s, %zu subscriber%s, %zu %s%s\n",
	    l->name, a, b, p.nitems, p.nitems == 1 ? "" : "s", nsubs,
	    nsubs == 1 ? "" : "s", queued, dry_run ? "would be queued" :
	    "queued", dry_run ? " (dry run)" : "");
	if (dry_run) {
		for (i = 0; i < p.nitems; i++)
			print_item(out, &p.items[i]);
		say(out, "%s", buf_str(&lines));
	}
	if (!dry_run)
		log_info("list=%s period=%s..%s digest=%lld items=%zu "
		    "queued=%zu", l->name, p.start_text, p.end_text,
		    (long long)digest, p.nitems, queued);
	*queued_r += queued;
	ret = 0;
out:
	buf_free(&lines);
	digest_items_free(&flags, nflags);
	subscribers_free(&subs, nsubs);
	digest_period_clear(&p);
	return ret;
}

int
digest_run(const struct config *cfg, struct store *st, const char *only,
    int64_t now, bool dry_run, FILE *out, size_t *queued_r, struct err *err)
{
	struct err e;
	size_t i, queued = 0;
	int ret = 0;

	if (only != NULL && config_list(cfg, only) == NULL) {
		if (queued_r != NULL)
			*queued_r = 0;
		return err_set(err, ERR_MSG, "there is no list '%s' in %s",
		    only, cfg->path);
	}
	/* a list that fails stops no other: the first error is returned */
	for (i = 0; i < cfg->nlist; i++) {
		const struct list_conf *l = &cfg->list[i];

		if (only != NULL && !str_ieq(l->name, only))
			continue;
		err_clear(&e);
		if (dry_run) {
			if (run_list(cfg, st, l, now, true, out, &queued,
			    &e) == 0)
				continue;
		} else if (store_begin(st, &e) == 0) {
			if (run_list(cfg, st, l, now, false, out, &queued,
			    &e) == 0 && store_commit(st, &e) == 0)
				continue;
			store_rollback(st);
		}
		log_warnx("list %s: %s", l->name, e.msg);
		if (ret == 0)
			*err = e;
		ret = -1;
	}
	if (queued_r != NULL)
		*queued_r = queued;
	return ret;
}

/* ------------------------------------------------------------ the mail */

char *
list_address(const struct config *cfg, const char *what, const char *token)
{
	const char *at = strrchr(cfg->address, '@');

	if (at == NULL)
		at = "";
	if (what == NULL)
		return xstrdup(cfg->address);
	if (token == NULL)
		return xasprintf("%s+%s%s", cfg->local, what, at);
	return xasprintf("%s+%s-%s%s", cfg->local, what, token, at);
}

void
digest_headers(const struct config *cfg, const struct list_conf *l,
    const char *token, struct digest_headers *dh)
{
	const char *at = strrchr(cfg->address, '@');
	char *un;

	memset(dh, 0, sizeof(*dh));
	dh->list_id = xasprintf("%s.%s", l->label, at != NULL ? at + 1 :
	    "invalid");
	un = list_address(cfg, "unsubscribe", token);
	dh->unsubscribe = xasprintf("<mailto:%s?subject=unsubscribe>", un);
	free(un);
	dh->help = xasprintf("<mailto:%s?subject=help>", cfg->address);
	dh->h[dh->n++] = (struct compose_header){ "List-Id", l->description,
	    dh->list_id };
	dh->h[dh->n++] = (struct compose_header){ "List-Unsubscribe",
	    dh->unsubscribe, NULL };
	dh->h[dh->n++] = (struct compose_header){ "List-Help", dh->help,
	    NULL };
	dh->h[dh->n++] = (struct compose_header){ "List-Post", "NO", NULL };
	dh->h[dh->n++] = (struct compose_header){ "Precedence", "list",
	    NULL };
}

void
digest_headers_clear(struct digest_headers *dh)
{
	free(dh->list_id);
	free(dh->unsubscribe);
	free(dh->help);
	memset(dh, 0, sizeof(*dh));
}

static void
set_field(struct tval *o, const char *name, json_t *fo, const char *key)
{
	char *t = field_text(fo, key);

	tval_set_str(o, name, t);
	free(t);
}

static void
urls_set(struct tval *o, json_t *fo, const char *url)
{
	struct tval *list = tval_list(), *u;
	json_t *v = json_object_get(fo, "url"), *e;
	size_t i;

	if (json_is_string(v) || json_is_array(v)) {
		json_t *arr = json_is_array(v) ? v : NULL;

		if (arr == NULL) {
			u = tval_obj();
			tval_set_str(u, "url", json_string_value(v));
			tval_push(list, u);
		} else
			json_array_foreach(arr, i, e) {
				if (!json_is_string(e))
					continue;
				u = tval_obj();
				tval_set_str(u, "url", json_string_value(e));
				tval_push(list, u);
			}
	} else if (url != NULL) {
		u = tval_obj();
		tval_set_str(u, "url", url);
		tval_push(list, u);
	}
	tval_set(o, "urls", list);
}

static struct tval *
item_values(const struct digest_item *it)
{
	struct tval *o = tval_obj();
	json_t *fo = it->json != NULL ? json_incref(it->json) :
	    json_loads(it->fields, 0, NULL);
	bool hub = it->section != NULL && strcmp(it->section, "hub") == 0;
	char *summary;

	if (fo == NULL)
		fo = json_object();
	tval_set_str(o, "ref", it->ref);
	tval_set_str(o, "org", it->org != NULL ? it->org : "");
	set_field(o, "title", fo, hub ? "title" : "event");
	summary = shorten(field_text(fo, hub ? "summary" : "description"));
	tval_set_str(o, "summary", summary);
	free(summary);
	set_field(o, "starts", fo, "starts");
	set_field(o, "ends", fo, "ends");
	set_field(o, "risk", fo, "risk");
	set_field(o, "country", fo, "country");
	set_field(o, "language", fo, "language");
	urls_set(o, fo, it->url);
	json_decref(fo);
	return o;
}

static struct tval *
flag_values(const struct config *cfg, const struct digest_item *it)
{
	struct tval *o = tval_obj();
	json_t *fo = it->json != NULL ? json_incref(it->json) :
	    json_loads(it->fields, 0, NULL);
	char deadline[21], *summary;
	int64_t routed;

	if (fo == NULL)
		fo = json_object();
	tval_set_str(o, "ref", it->ref);
	tval_set_str(o, "url", it->url != NULL ? it->url : "");
	summary = shorten(field_text(fo, "explanation"));
	if (*summary == '\0') {
		free(summary);
		summary = field_text(fo, "ground");
	}
	tval_set_str(o, "summary", summary);
	free(summary);
	tval_set_str(o, "routed", it->routed != NULL ? it->routed : "");
	if (it->routed != NULL && time_parse(it->routed, &routed) == 0) {
		time_rfc3339(routed + (int64_t)cfg->review_deadline, deadline);
		tval_set_str(o, "deadline", deadline);
	} else
		tval_set_str(o, "deadline", "");
	tval_set_bool(o, "overdue", it->overdue);
	tval_set_str(o, "org", it->org != NULL ? it->org : "");
	json_decref(fo);
	return o;
}

struct tval *
digest_values(const struct config *cfg, const struct digest_mail *dm)
{
	const struct list_conf *l = dm->list;
	struct tval *root = tval_obj(), *o, *urgent, *warnings, *cats,
	    *cat = NULL, *items = NULL, *flags;
	char now[21], t[32], num[32], *addr;
	const char *prev = NULL;
	size_t i, shown, overdue = 0;

	o = tval_obj();
	tval_set_str(o, "address", cfg->address);
	tval_set_str(o, "name", cfg->gateway_name);
	tval_set(root, "gateway", o);
	time_rfc3339(now_epoch(), now);
	tval_set_str(root, "now", now);

	o = tval_obj();
	tval_set_str(o, "name", l->name);
	tval_set_str(o, "description", l->description);
	tval_set_str(o, "label", l->label);
	tval_set_str(o, "schedule", l->schedule_text != NULL ?
	    l->schedule_text : "");
	tval_set(root, "list", o);

	o = tval_obj();
	schedule_local_text(&l->sched, dm->start, t);
	tval_set_str(o, "start", t);
	t[10] = '\0';
	tval_set_str(o, "start_date", t);
	schedule_local_text(&l->sched, dm->end, t);
	tval_set_str(o, "end", t);
	t[10] = '\0';
	tval_set_str(o, "end_date", t);
	tval_set(root, "period", o);

	o = tval_obj();
	tval_set_str(o, "address", dm->address);
	tval_set_str(o, "name", dm->name != NULL ? dm->name : "");
	tval_set(root, "subscriber", o);
	o = tval_obj();
	addr = list_address(cfg, "unsubscribe", dm->token);
	tval_set_str(o, "address", addr);
	free(addr);
	tval_set(root, "unsubscribe", o);
	o = tval_obj();
	tval_set_str(o, "address", cfg->address);
	tval_set(root, "help", o);

	urgent = tval_list();
	warnings = tval_list();
	cats = tval_list();
	for (i = 0; i < dm->nitems; i++) {
		const struct digest_item *it = &dm->items[i];

		if (it->section != NULL && strcmp(it->section, "hub") == 0) {
			const char *c = it->category != NULL ? it->category :
			    "other";

			/* the items come grouped: a heading per category */
			if (cat == NULL || strcmp(prev, c) != 0) {
				if (cat != NULL) {
					tval_set(cat, "items", items);
					tval_push(cats, cat);
				}
				cat = tval_obj();
				items = tval_list();
				prev = c;
				tval_set_str(cat, "name", c);
				addr = xstrdup(c);
				addr[0] = (char)(addr[0] >= 'a' && addr[0] <= 'z' ?
				    addr[0] - 'a' + 'A' : addr[0]);
				for (char *p = addr; *p != '\0'; p++)
					if (*p == '-')
						*p = ' ';
				tval_set_str(cat, "label", addr);
				free(addr);
			}
			tval_push(items, item_values(it));
		} else if (it->urgent)
			tval_push(urgent, item_values(it));
		else
			tval_push(warnings, item_values(it));
	}
	if (cat != NULL) {
		tval_set(cat, "items", items);
		tval_push(cats, cat);
	}
	tval_set(root, "urgent", urgent);
	tval_set(root, "categories", cats);
	tval_set(root, "warnings", warnings);

	flags = tval_list();
	shown = dm->nflags < cfg->max_open_flags ? dm->nflags :
	    cfg->max_open_flags;
	for (i = 0; i < dm->nflags; i++) {
		overdue += dm->flags[i].overdue;
		if (i < shown)
			tval_push(flags, flag_values(cfg, &dm->flags[i]));
	}
	tval_set(root, "flags", flags);
	tval_set_bool(root, "has_flags", dm->nflags > 0);
	snprintf(num, sizeof(num), "%zu", dm->nflags);
	tval_set_str(root, "flags_count", num);
	snprintf(num, sizeof(num), "%zu", overdue);
	tval_set_str(root, "overdue_count", num);
	if (dm->nflags > shown)
		snprintf(num, sizeof(num), "%zu", dm->nflags - shown);
	else
		num[0] = '\0';
	tval_set_str(root, "flags_more", num);
	snprintf(num, sizeof(num), "%zu", dm->nitems + dm->nflags);
	tval_set_str(root, "count", num);
	return root;
}
