/*
 * bench-route.c: the routing rules alone, and optionally the whole routing
 * stage against SQLite.
 *
 *   bench-route [-n RECORDS] [-r RULES] [--store DIR]
 *
 * Generates R rules (default 1000) in the shape of the rules/ samples and N
 * records (default 100000), deterministically (a fixed-seed xorshift, no
 * rand()), then times rules_eval over every record twice: without and
 * with the explanation (the routing stage always asks for it).  With
 * --store, also stores the N records in DIR/route-bench.db, registers the
 * contacts and groups the rules route to, and times route_all: the rules,
 * the route rows, the outbox rows and the explanation written to SQLite.
 * Prints the figures; a benchmark never fails on time.  --print-rules
 * writes the generated rules instead.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "route.h"
#include "rules.h"
#include "store.h"
#include "util.h"

#define SEED_RULES	0x9e3779b97f4a7c15ull
#define SEED_RECORDS	0xd1b54a32d192ed03ull
#define NORG		20
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ PRNG */

struct rng {
	uint64_t s;
};

/* xorshift64* (Vigna); never seeded with 0 */
static uint64_t
rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

/* uniform enough in [0, n) for a benchmark */
static size_t
rng_below(struct rng *r, size_t n)
{
	return n == 0 ? 0 : (size_t)(rng_next(r) % n);
}

/* skewed toward the first entries (the min of two draws), as real
 * languages and countries are */
static size_t
rng_skewed(struct rng *r, size_t n)
{
	size_t a = rng_below(r, n), b = rng_below(r, n);

	return a < b ? a : b;
}

/* ------------------------------------------------------------ vocabulary */

static const char *const langs[] = {
	"de", "fr", "pl", "it", "es", "nl", "hu", "cs", "ro", "sv", "da",
	"pt", "el", "fi", "sk", "sl", "bg", "hr", "lt", "lv", "et", "en",
};
static const char *const countries[] = {
	"DE", "AT", "FR", "BE", "PL", "IT", "ES", "NL", "HU", "CZ", "RO",
	"SE", "DK", "PT", "GR", "FI", "SK", "SI", "BG", "HR", "LT", "LV",
	"EE", "IE", "LU", "CH",
};
static const char *const grounds[] = {
	"antisemitism", "anti-muslim-hatred", "antigypsyism", "afrophobia",
	"xenophobia", "anti-migrant-hatred", "racism", "ethnic-origin",
	"national-origin", "religion", "sexual-orientation",
	"gender-identity", "gender", "disability", "other",
};
static const char *const severities[] = {
	"violence", "incitement", "defamation", "other",
};
static const char *const risks[] = {
	"low", "medium", "high", "critical",
};
static const char *const categories[] = {
	"campaign", "data", "policy-update", "transparency-report",
	"monitoring-result", "research", "best-practice", "training", "event",
};
/* the words of `if explanation /\bKEYWORD\b/i` rules; the explanations
 * use them now and then, capitalised or not */
static const char *const keywords[] = {
	"holocaust", "synagogue", "mosque", "migrants", "roma", "pride",
	"election", "refugees", "vaccine", "cemetery", "kippah", "hijab",
	"pogrom", "deportation", "invasion", "replacement", "ghetto",
	"crusade", "vermin", "parasites",
};
static const char *const words[] = {
	"the", "video", "calls", "for", "violence", "against", "a",
	"protected", "group", "and", "repeats", "well", "known", "tropes",
	"about", "control", "of", "media", "banks", "governments", "while",
	"comments", "add", "threats", "post", "shares", "address", "local",
	"community", "centre", "users", "organise", "attack", "on", "channel",
	"has", "over", "followers", "content", "denies", "mocks", "victims",
	"insults", "dehumanising", "language", "this", "week", "near",
};

/* ------------------------------------------------------------ rules */

struct shape {
	size_t rules;		/* R */
	size_t platforms;	/* platform rules: p0 .. p(P-1) */
	size_t urgent;		/* urgent-style rules */
	size_t targets;		/* contacts gN@example.com, groups gN */
};

static void
shape_make(size_t r, struct shape *sh)
{
	sh->rules = r;
	sh->platforms = r / 10 > 0 ? r / 10 : 1;
	sh->urgent = r / 10;
	if (sh->platforms + sh->urgent > r)
		sh->urgent = r - sh->platforms;
	sh->targets = (r - sh->platforms - sh->urgent) / 10;
	if (sh->targets < 4)
		sh->targets = 4;
}

/* `if language /^(de|fr)$/`-like: one or two values of a list */
static void
alt(struct buf *b, struct rng *g, const char *const *v, size_t n)
{
	size_t a = rng_skewed(g, n), c = rng_below(g, n);

	if (a == c)
		buf_printf(b, "/^%s$/", v[a]);
	else
		buf_printf(b, "/^(%s|%s)$/", v[a], v[c]);
}

/* a route to a contact gN@example.com or to a group gN */
static void
route_to(struct buf *b, struct rng *g, const struct shape *sh, size_t j)
{
	size_t t = (j * 7 + rng_below(g, 3)) % sh->targets;

	if (rng_below(g, 2) == 0)
		buf_printf(b, "    route g%zu@example.com\n", t);
	else
		buf_printf(b, "    route g%zu\n", t);
}

/*
 * The rules, in the order of the rules/ samples: platforms from hosts,
 * urgent, then routes.  Most routing rules are a platform, or a platform
 * and a language (a platform's national team); some are national teams
 * by language or country and ground, with negations, some read the free
 * text.  Values of the rules are drawn mostly uniformly, those of the
 * records skewed, so that a record matches some ten rules of 1000, not
 * hundreds.
 * No rule stops: every rule is reached.
 */
static char *
rules_text(const struct shape *sh)
{
	struct rng g = { SEED_RULES };
	struct buf b;
	size_t i, j, nroute = sh->rules - sh->platforms - sh->urgent;

	buf_init(&b, SIZE_MAX / 2);
	buf_addstr(&b, "# generated by bench-route\n\n");
	/* 10-platforms: the host of the URL names the platform */
	for (i = 0; i < sh->platforms; i++)
		buf_printf(&b, "rule platform-p%zu\n"
		    "    if host "
		    "/(^|\\.)(site%zu\\.example|s%zu\\.example)$/i\n"
		    "    add platform p%zu\n\n", i, i, i, i);
	/* 20-urgent: the two of rules/20-urgent.rules, then urgent desks
	 * by country or ground */
	for (i = 0; i < sh->urgent; i++) {
		if (i % 2 == 0)
			buf_printf(&b, "rule urgent-%zu\n"
			    "    if kind /^early-warning$/\n"
			    "    if risk /^(high|critical)$/\n", i);
		else
			buf_printf(&b, "rule urgent-%zu\n"
			    "    if kind /^flag$/\n"
			    "    if severity /^violence$/\n", i);
		if (i >= 2 && i % 2 == 0)
			buf_printf(&b, "    if country /^%s$/\n",
			    countries[rng_below(&g, NELEM(countries))]);
		else if (i >= 2)
			buf_printf(&b, "    if ground /^%s$/\n",
			    grounds[rng_below(&g, NELEM(grounds))]);
		buf_addstr(&b, "    urgent\n\n");
	}
	/* 30-platform-routes and 40-national: routing rules */
	for (j = 0; j < nroute; j++) {
		buf_printf(&b, "rule route-%zu\n", j);
		switch (j % 10) {
		case 0: case 1: case 2:
			/* a platform's contacts */
			buf_printf(&b, "    if platform /^p%zu$/\n",
			    rng_below(&g, sh->platforms));
			break;
		case 3: case 4:
			/* a platform's team for one or two languages */
			buf_printf(&b, "    if platform /^p%zu$/\n"
			    "    if language ", rng_below(&g, sh->platforms));
			alt(&b, &g, langs, NELEM(langs));
			buf_addch(&b, '\n');
			break;
		case 5:
			if (j % 40 == 5) {
				/* a national team, but not for one country */
				buf_printf(&b, "    if language /^%s$/\n"
				    "    if not country /^%s$/\n",
				    langs[rng_below(&g, NELEM(langs))],
				    countries[rng_below(&g,
				    NELEM(countries))]);
				break;
			}
			buf_addstr(&b, "    if country ");
			alt(&b, &g, countries, NELEM(countries));
			buf_printf(&b, "\n    if ground /^%s$/\n",
			    grounds[rng_below(&g, NELEM(grounds))]);
			break;
		case 6:
			buf_printf(&b, "    if ground /^%s$/\n"
			    "    if %scountry /^%s$/\n",
			    grounds[rng_below(&g, NELEM(grounds))],
			    j % 40 == 6 ? "not " : "",
			    countries[rng_below(&g, NELEM(countries))]);
			break;
		case 7:
			if (j % 20 == 7) {
				/* as researchers-digest in 40-national */
				buf_addstr(&b, "    if kind /^hub$/\n"
				    "    if category "
				    "/^(research|monitoring-result)$/\n");
				route_to(&b, &g, sh, j);
				buf_addstr(&b, "    digest-only\n\n");
				continue;
			}
			buf_printf(&b, "    if severity /^%s$/\n"
			    "    if country /^%s$/\n",
			    severities[rng_below(&g, NELEM(severities))],
			    countries[rng_below(&g, NELEM(countries))]);
			break;
		case 8:
			if (j % 40 == 8) {
				/* as national-de */
				buf_printf(&b, "    if language /^%s$/\n",
				    langs[rng_below(&g, NELEM(langs))]);
				break;
			}
			buf_printf(&b, "    if platform /^p%zu$/\n"
			    "    if severity /^%s$/\n",
			    rng_below(&g, sh->platforms),
			    severities[rng_below(&g, NELEM(severities))]);
			break;
		default:
			if (j % 40 == 9) {
				/* free text: a few */
				buf_printf(&b,
				    "    if explanation /\\b%s\\b/i\n",
				    keywords[rng_below(&g, NELEM(keywords))]);
				break;
			}
			buf_printf(&b, "    if platform /^p%zu$/\n"
			    "    if ground /^%s$/\n",
			    rng_below(&g, sh->platforms),
			    grounds[rng_below(&g, NELEM(grounds))]);
			break;
		}
		route_to(&b, &g, sh, j);
		buf_addch(&b, '\n');
	}
	return buf_detach(&b, NULL);
}

static void
report(void *arg, const char *msg)
{
	int *n = arg;

	fprintf(stderr, "bench-route: %s\n", msg);
	(*n)++;
}

/* ------------------------------------------------------------ records */

static char *orgs[NORG];
static char *senders[NORG];

static void
explanation(struct buf *b, struct rng *g)
{
	size_t want = 60 + rng_below(g, 141);
	const char *s;

	buf_reset(b);
	while (b->len < want) {
		if (rng_below(g, 30) == 0) {
			s = keywords[rng_below(g, NELEM(keywords))];
			if (rng_below(g, 2) == 0) {
				/* Capitalised */
				if (b->len > 0)
					buf_addch(b, ' ');
				buf_addch(b, (char)(s[0] - 'a' + 'A'));
				buf_addstr(b, s + 1);
				continue;
			}
		} else
			s = words[rng_below(g, NELEM(words))];
		if (b->len > 0)
			buf_addch(b, ' ');
		buf_addstr(b, s);
	}
	/* 60-200 bytes with the full stop: cut a word that went over */
	if (b->len > 199) {
		b->len = 199;
		b->data[b->len] = '\0';
	}
	buf_addch(b, '.');
}

/*
 * Record i of the sequence that `g` generates: a flag mostly, some early
 * warnings and hub submissions, with the fields of the mail format.
 * Some hosts are on no platform of the rules (they go to the default).
 */
static void
record_make(struct rng *g, const struct shape *sh, struct buf *tmp,
    struct rules_record *rec, size_t *org_r)
{
	size_t k, n, i, kind = rng_below(g, 100), o;
	char url[160];
	unsigned long long a = rng_next(g) & 0xffffffffull,
	    c = rng_next(g) & 0xfffull;

	memset(rec, 0, sizeof(*rec));
	rec->kind = kind < 85 ? "flag" : kind < 95 ? "early-warning" : "hub";
	o = rng_below(g, NORG);
	rec->org = orgs[o];
	rec->sender = senders[o];
	*org_r = o;

	if (strcmp(rec->kind, "hub") != 0 || rng_below(g, 2) == 0) {
		/* one platform in six is none the rules know */
		k = rng_below(g, sh->platforms + sh->platforms / 5 + 1);
		switch (rng_below(g, 3)) {
		case 0:
			snprintf(url, sizeof(url), "https://www.site%zu"
			    ".example/watch?v=%08llx%03llx", k, a, c);
			break;
		case 1:
			snprintf(url, sizeof(url), "https://site%zu.example/p/"
			    "%08llx%03llx", k, a, c);
			break;
		default:
			snprintf(url, sizeof(url), "https://m.s%zu.example/"
			    "@user/video/%08llx%03llx", k, a, c);
			break;
		}
		rules_record_add(rec, "url", url);
	}
	if (rng_below(g, 10) == 0)
		/* the sender named the platform */
		rules_record_add(rec, "platform", "p1");
	rules_record_add(rec, "language",
	    langs[rng_skewed(g, NELEM(langs))]);
	n = 1 + rng_below(g, 2);
	for (i = 0; i < n; i++) {
		const char *v = countries[rng_skewed(g, NELEM(countries))];

		if (i == 0 || strcmp(v, rec->f[rec->n - 1].v[0]) != 0)
			rules_record_add(rec, "country", v);
	}
	n = 1 + rng_below(g, 2);
	for (i = 0; i < n; i++) {
		const char *v = grounds[rng_below(g, NELEM(grounds))];

		if (i == 0 || strcmp(v, rec->f[rec->n - 1].v[0]) != 0)
			rules_record_add(rec, "ground", v);
	}
	if (strcmp(rec->kind, "flag") == 0)
		rules_record_add(rec, "severity",
		    severities[rng_below(g, NELEM(severities))]);
	else if (strcmp(rec->kind, "early-warning") == 0)
		rules_record_add(rec, "risk",
		    risks[rng_below(g, NELEM(risks))]);
	else
		rules_record_add(rec, "category",
		    categories[rng_below(g, NELEM(categories))]);
	explanation(tmp, g);
	rules_record_add(rec, "explanation", buf_str(tmp));
}

static struct rules_record *
records_make(const struct shape *sh, size_t n, size_t **org_r)
{
	struct rng g = { SEED_RECORDS };
	struct rules_record *r = xcalloc(n, sizeof(*r));
	struct buf tmp = BUF_INIT(4096);
	size_t i, dummy, *org = org_r != NULL ? xcalloc(n, sizeof(*org)) : NULL;

	for (i = 0; i < n; i++)
		record_make(&g, sh, &tmp, &r[i], org ? &org[i] : &dummy);
	buf_free(&tmp);
	if (org_r != NULL)
		*org_r = org;
	return r;
}

static void
records_free(struct rules_record *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		rules_record_clear(&r[i]);
	free(r);
}

/* ------------------------------------------------------------ measuring */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
maxrss_kib(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return -1;
	return ru.ru_maxrss;
}

struct tally {
	size_t matched, routes, trace, urgent, changed, limit_hits;
};

/*
 * What is measured: rules_eval over records built beforehand (the record
 * generation is not timed), with one matcher as route_all uses, plus
 * rules_result_clear for each result (a caller must free it).  Each pass
 * gets records freshly built from the same seed, so the second pass does
 * not see the platforms the first one added.
 */
static double
eval_pass(const struct rules *set, struct rules_record *rec, size_t n,
    bool trace, struct tally *t)
{
	struct rules_matcher *m = rules_matcher_new(set);
	struct rules_result res;
	double t0, t1;
	size_t i;

	memset(t, 0, sizeof(*t));
	t0 = now_s();
	for (i = 0; i < n; i++) {
		rules_eval(set, m, &rec[i], trace, &res);
		t->matched += res.matched;
		t->routes += res.nroute;
		t->trace += res.ntrace;
		t->urgent += res.urgent;
		t->changed += res.changed;
		t->limit_hits += res.limit_hits;
		rules_result_clear(&res);
	}
	t1 = now_s();
	rules_matcher_free(&m);
	return t1 - t0;
}

/* ------------------------------------------------------------ the store */

static bool
list_field(const char *name)
{
	return strcmp(name, "country") == 0 || strcmp(name, "ground") == 0 ||
	    strcmp(name, "platform") == 0;
}

/* the fields as JSON, '_' for '-' in the names, as ingest stores them */
static char *
record_json(const struct rules_record *rec)
{
	json_t *o = json_object(), *a;
	char key[64], *p, *s;
	size_t i, j;

	for (i = 0; i < rec->n; i++) {
		const struct rules_field *f = &rec->f[i];

		snprintf(key, sizeof(key), "%s", f->name);
		for (p = key; *p != '\0'; p++)
			if (*p == '-')
				*p = '_';
		if (list_field(f->name) || f->n > 1) {
			a = json_array();
			for (j = 0; j < f->n; j++)
				json_array_append_new(a, json_string(f->v[j]));
			json_object_set_new(o, key, a);
		} else
			json_object_set_new(o, key, json_string(f->v[0]));
	}
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (s == NULL) {
		fprintf(stderr, "bench-route: cannot write JSON\n");
		exit(1);
	}
	return s;
}

static enum record_kind
kind_of(const char *k)
{
	return strcmp(k, "flag") == 0 ? KIND_FLAG :
	    strcmp(k, "early-warning") == 0 ? KIND_EARLY_WARNING : KIND_HUB;
}

static void
die_err(const char *what, const struct err *err)
{
	fprintf(stderr, "bench-route: %s: %s\n", what, err->msg);
	exit(1);
}

static int
store_bench(const char *dir, const struct rules *set, const struct shape *sh,
    size_t n)
{
	struct store *st = NULL;
	struct config *cfg;
	struct route_stats rs;
	struct message_row msg;
	struct record_row row;
	struct contact c;
	struct org o;
	struct rules_record *rec;
	struct err err;
	int64_t msg_id, rec_id, org_id[NORG];
	size_t i, *org_of;
	char path[4096], sha[SHA256_HEX_LEN], ref[32], addr[64], grp[32];
	char addr2[64], *json;
	double t0, t1;
	int problems = 0;

	err_clear(&err);
	snprintf(path, sizeof(path), "%s/route-bench.db", dir);
	if (unlink(path) == -1 && errno != ENOENT) {
		fprintf(stderr, "bench-route: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (store_open(path, &st, &err) == -1)
		die_err(path, &err);

	/* the organisations (each its own transaction, as the CLI does) */
	for (i = 0; i < NORG; i++) {
		memset(&o, 0, sizeof(o));
		o.name = orgs[i];
		if (store_org_add(st, &o, &org_id[i], &err) == -1)
			die_err("add organisation", &err);
	}

	/* set-up, not the routing stage: one transaction */
	t0 = now_s();
	if (store_begin(st, &err) == -1)
		die_err("begin", &err);
	for (i = 0; i < sh->targets; i++) {
		memset(&c, 0, sizeof(c));
		snprintf(addr, sizeof(addr), "g%zu@example.com", i);
		c.address = addr;
		c.name = addr;
		if (store_contact_add(st, &c, NULL, &err) == -1)
			die_err("add contact", &err);
	}
	memset(&c, 0, sizeof(c));
	snprintf(addr, sizeof(addr), "coordinators@example.com");
	c.address = addr;
	if (store_contact_add(st, &c, NULL, &err) == -1)
		die_err("add contact", &err);
	for (i = 0; i < sh->targets; i++) {
		/* group gN: contacts gN and gN+1 */
		snprintf(grp, sizeof(grp), "g%zu", i);
		snprintf(addr, sizeof(addr), "g%zu@example.com", i);
		snprintf(addr2, sizeof(addr2), "g%zu@example.com",
		    (i + 1) % sh->targets);
		if (store_group_add(st, grp, addr, &err) == -1 ||
		    store_group_add(st, grp, addr2, &err) == -1)
			die_err("add group member", &err);
	}
	memset(&msg, 0, sizeof(msg));
	sha256_hex("bench-route", 11, sha);
	msg.source = "bench";
	msg.message_id = "<bench-route@cso0.example.org>";
	msg.sha256 = sha;
	msg.raw = "x";
	msg.raw_len = 1;
	msg.size = 1;
	msg.from_addr = senders[0];
	msg.subject = "[flag] bench-route";
	msg.date = -1;
	msg.kind = KIND_FLAG;
	msg.status = "accepted";
	msg.org_id = org_id[0];
	if (store_message_insert(st, &msg, &msg_id, &err) == -1)
		die_err("store message", &err);
	rec = records_make(sh, n, &org_of);
	for (i = 0; i < n; i++) {
		char **url, **lang;
		size_t nu, nl;

		url = rules_record_get(&rec[i], "url", &nu);
		lang = rules_record_get(&rec[i], "language", &nl);
		json = record_json(&rec[i]);
		memset(&row, 0, sizeof(row));
		row.kind = kind_of(rec[i].kind);
		row.org_id = org_id[org_of[i]];
		row.url = nu > 0 ? url[0] : NULL;
		row.url_norm = row.url;
		row.language = nl > 0 ? lang[0] : NULL;
		row.fields_json = json;
		if (store_record_add(st, msg_id, &row, &rec_id, ref,
		    &err) == -1)
			die_err("store record", &err);
		free(json);
	}
	records_free(rec, n);
	free(org_of);
	if (store_commit(st, &err) == -1)
		die_err("commit", &err);
	t1 = now_s();
	printf("route stage: set-up: %zu records, %zu contacts, %zu groups "
	    "stored in one transaction: %.2f s\n", n, sh->targets + 1,
	    sh->targets, t1 - t0);

	cfg = config_default();
	free(cfg->path);
	cfg->path = xstrdup("bench-route");
	cfg->routing = true;
	free(cfg->route_default);
	cfg->route_default = xstrdup("coordinators@example.com");
	cfg->route_batch = 500;
	/* every target of the rules is a contact or a group with members */
	if (route_check_targets(cfg, set, st, report, &problems, &err) == -1)
		die_err("check targets", &err);
	if (problems > 0) {
		fprintf(stderr, "bench-route: %d unknown route targets\n",
		    problems);
		exit(1);
	}

	memset(&rs, 0, sizeof(rs));
	t0 = now_s();
	if (route_all(cfg, set, st, &rs, &err) == -1)
		die_err("route", &err);
	t1 = now_s();
	printf("route stage: %zu records, %.2f s, %.0f records/s (route rows "
	    "+ outbox rows + trace in SQLite, synchronous=FULL)\n",
	    rs.records, t1 - t0, (double)rs.records / (t1 - t0));
	printf("route stage: routed %zu, quarantined %zu, by the default %zu, "
	    "notices %zu, hub %zu, limit hits %zu; batches of %zu\n",
	    rs.routed, rs.quarantined, rs.defaulted, rs.notices, rs.hub,
	    rs.limit_hits, cfg->route_batch);
	printf("route stage: peak RSS %ld KiB\n", maxrss_kib());
	config_free(&cfg);
	store_close(&st);
	if (rs.records != n) {
		fprintf(stderr, "bench-route: %zu records routed, %zu stored\n",
		    rs.records, n);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ main */

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: bench-route [-n RECORDS] [-r RULES] "
	    "[--store DIR]\n"
	    "       bench-route [-r RULES] --print-rules\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	struct rules_limits lim;
	struct rules *set = NULL;
	struct rules_record *rec;
	struct shape sh;
	struct tally tn, tt;
	const char *store_dir = NULL;
	long long v;
	size_t n = 100000, r = 1000, i;
	double dn, dt;
	char *text;
	int a, problems = 0, ret = 0;
	bool print_rules = false;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "-n") == 0 && a + 1 < argc) {
			if (str_tonum(argv[++a], 1, 100000000, &v) == -1)
				usage();
			n = (size_t)v;
		} else if (strcmp(argv[a], "-r") == 0 && a + 1 < argc) {
			if (str_tonum(argv[++a], 1, 1000000, &v) == -1)
				usage();
			r = (size_t)v;
		} else if (strcmp(argv[a], "--store") == 0 && a + 1 < argc)
			store_dir = argv[++a];
		else if (strcmp(argv[a], "--print-rules") == 0)
			print_rules = true;
		else
			usage();
	}
	shape_make(r, &sh);
	for (i = 0; i < NORG; i++) {
		orgs[i] = xasprintf("CSO Example %zu", i);
		senders[i] = xasprintf("analyst%zu@cso%zu.example.org", i % 3,
		    i);
	}

	text = rules_text(&sh);
	if (print_rules) {
		/* for `flagpost rules` and for reading: the rules measured */
		fputs(text, stdout);
		free(text);
		return 0;
	}
	rules_limits_default(&lim);
	if (rules_load_text("bench.rules", text, &lim, &set, report,
	    &problems) != 0 || set == NULL) {
		fprintf(stderr, "bench-route: %d problems in the generated "
		    "rules\n", problems);
		return 1;
	}
	free(text);
	if (rules_count(set) != r) {
		fprintf(stderr, "bench-route: %zu rules loaded, %zu written\n",
		    rules_count(set), r);
		return 1;
	}
	printf("route eval: %zu rules: %zu platform, %zu urgent, %zu routing "
	    "to %zu contacts and %zu groups\n", r, sh.platforms, sh.urgent,
	    r - sh.platforms - sh.urgent, sh.targets, sh.targets);

	rec = records_make(&sh, n, NULL);
	dn = eval_pass(set, rec, n, false, &tn);
	records_free(rec, n);
	printf("route eval: %zu records x %zu rules, no trace: %.2f s, %.0f "
	    "records/s\n", n, r, dn, (double)n / dn);

	rec = records_make(&sh, n, NULL);
	dt = eval_pass(set, rec, n, true, &tt);
	printf("route eval: %zu records x %zu rules, traced:   %.2f s, %.0f "
	    "records/s\n", n, r, dt, (double)n / dt);
	printf("route eval: per record %.2f rules matched, %.2f routes, "
	    "%.1f trace lines; %.1f%% urgent, %.1f%% changed, %zu limit hits\n",
	    (double)tt.matched / (double)n, (double)tt.routes / (double)n,
	    (double)tt.trace / (double)n, 100.0 * (double)tt.urgent /
	    (double)n, 100.0 * (double)tt.changed / (double)n,
	    tt.limit_hits);
	printf("route eval: peak RSS %ld KiB (%zu records in memory)\n",
	    maxrss_kib(), n);
	records_free(rec, n);
	if (tn.matched != tt.matched || tn.routes != tt.routes) {
		fprintf(stderr, "bench-route: the passes differ: %zu/%zu "
		    "matched, %zu/%zu routes\n", tn.matched, tt.matched,
		    tn.routes, tt.routes);
		ret = 1;
	}

	if (store_dir != NULL && store_bench(store_dir, set, &sh, n) == -1)
		ret = 1;
	rules_free(&set);
	for (i = 0; i < NORG; i++) {
		free(orgs[i]);
		free(senders[i]);
	}
	return ret;
}
