/* test-rules.c: the rule language, its checks and its evaluation */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "rules.h"
#include "util.h"
#include "tap.h"

static void
collect(void *arg, const char *msg)
{
	struct buf *b = arg;

	buf_addstr(b, msg);
	buf_addch(b, '\n');
}

/* ---------------------------------------------------------- checking */

static const struct {
	const char *text;
	const char *want;	/* the problems, each "F:line:col: ...\n" */
} bad[] = {
	{ "rule a\n    rout team\n",
	  "F:2:5: unknown action 'rout'; did you mean 'route'?\n" },
	{ "rule a\n    if plattform /x/\n    route t\n",
	  "F:2:8: unknown field 'plattform'; did you mean 'platform'?\n" },
	{ "rule a\n    if url /(abc/\n    route t\n",
	  "F:2:17: bad pattern: missing closing parenthesis\n" },
	{ "rule a\n    if url /a[b/\n    route t\n",
	  "F:2:16: bad pattern: missing terminating ] for character class\n" },
	{ "rule a\n    if url /abc/q\n    route t\n",
	  "F:2:17: unknown pattern flag 'q': the flags are i, m, s, x and u\n" },
	{ "rule a\n    if url /abc\n    route t\n",
	  "F:2:12: the pattern has no closing '/' (write a '/' inside it as "
	  "'\\/')\n" },
	{ "rule a\n    if url /abc/i extra\n    route t\n",
	  "F:2:19: unexpected 'extra' after the pattern\n" },
	{ "rule a\n    if url abc\n    route t\n",
	  "F:2:12: expected a pattern between slashes, as in "
	  "/youtube\\.com$/i\n" },
	{ "rule a\n    if url //\n    route t\n",
	  "F:2:12: an empty pattern: write /./ to match any value, or /^$/ "
	  "for an empty one\n" },
	{ "rule a\n    route t\n    if url /x/\n",
	  "F:3:5: a condition after an action: put the 'if' lines of rule "
	  "'a' first\n" },
	{ "rule a\n    if url /x/\nrule b\n    stop\n",
	  "F:1:1: rule 'a' has no action\n" },
	{ "rule a\n    if url /x/\n    stop\nrule a\n    stop\n",
	  "F:4:6: rule 'a' is defined again; the first is at F:1\n" },
	{ "route t\n",
	  "F:1:1: 'route' outside a rule: start one with 'rule NAME'\n" },
	{ "rule a b\n    stop\n",
	  "F:1:8: unexpected 'b' after the rule name\n" },
	{ "rule a!\n    stop\n",
	  "F:1:6: bad rule name 'a!': use letters, digits, '.', '_' and '-'\n" },
	{ "rule a\n    if host /^(w+)\\.(x)$/\n    set platform $3\n",
	  "F:3:18: '$3' but the pattern of 'host /^(w+)\\.(x)$/' has 2 "
	  "groups\n" },
	{ "rule a\n    if host /^(?<p>w+)$/\n    set platform ${q}\n",
	  "F:3:18: no condition of rule 'a' has a group named 'q'\n" },
	{ "rule a\n    set platform $1\n",
	  "F:2:18: '$1' but rule 'a' has no 'if' condition to capture from\n" },
	{ "rule a\n    if host /x/\n    set platform a$b\n",
	  "F:3:19: a '$' starts $1..$9, ${N} or ${name}; write '$$' for a "
	  "'$'\n" },
	{ "rule a\n    set ground antisemitsm\n",
	  "F:2:16: 'antisemitsm' is not a ground of hatred\n" },
	{ "rule a\n    set language klingonese\n",
	  "F:2:18: 'klingonese' is not a language\n" },
	{ "rule a\n    set kind hub\n",
	  "F:2:9: 'kind' cannot be changed: only the fields of the mail "
	  "format can\n" },
	{ "rule a\n    set platform\n",
	  "F:2:17: 'set platform' needs a value\n" },
	{ "rule a\n    if url /x/\n    digest-only\n",
	  "F:1:1: rule 'a' says digest-only but routes nowhere: add a route\n" },
	{ "rule a\n    quarantine\n",
	  "F:2:15: 'quarantine' needs a text for the coordinators\n" },
	{ "rule a\n    stop now\n",
	  "F:2:10: unexpected 'now' after 'stop'\n" },
	{ "rule all\n    route t\n    stop\nrule b\n    route u\nrule c\n"
	  "    route v\n",
	  "F:4:1: rule 'b' is never applied: rule 'all' (F:1) has no "
	  "condition and stops every record\n" },
	{ "rule a\n    url /x/\n    route t\n",
	  "F:2:5: 'url' alone is not a statement: write 'if url /PATTERN/'\n" },
	{ "rule a\n    if header:Li:st /x/\n    route t\n",
	  "F:2:8: bad header name in 'header:Li:st'\n" },
	{ "rule a\n    route bad!group\n",
	  "F:2:11: bad group name 'bad!group': use letters, digits, '.', '_' "
	  "and '-'\n" },
	{ "rule a\n    frobnicate\n",
	  "F:2:5: unknown action 'frobnicate': the actions are route, set, "
	  "add, urgent, digest-only, quarantine, note and stop\n" },
};

static void
test_bad(void)
{
	struct rules *set;
	struct buf b = BUF_INIT(65536);
	size_t i;
	int n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&b);
		n = rules_load_text("F", bad[i].text, NULL, &set, collect, &b);
		ok(n > 0 && set == NULL, "bad %zu: refused", i);
		is_str(buf_str(&b), bad[i].want, "bad %zu: the messages", i);
		rules_free(&set);
	}
	buf_free(&b);
}

static void
test_good(void)
{
	static const char text[] =
	    "# platforms\n"
	    "\n"
	    "rule yt\n"
	    "    if host /(^|\\.)youtube\\.com$/i   # a comment\n"
	    "    add platform YouTube\n"
	    "rule route-yt\r\n"
	    "    if platform /^youtube$/\n"
	    "    if not country /^FR$/\n"
	    "    route youtube trust@YT.example\n"
	    "    digest-only\n"
	    "rule everyone\n"
	    "    note every record\n"
	    "    route coordinators\n";
	struct rules *set;
	struct buf b = BUF_INIT(65536);
	int n;

	n = rules_load_text("F", text, NULL, &set, collect, &b);
	is_int(n, 0, "a good set loads");
	is_str(buf_str(&b), "", "with no problem");
	is_int((long long)rules_count(set), 3, "three rules");
	ok(!rules_need_mail(set), "no header or body condition");
	buf_reset(&b);
	rules_list(set, collect, &b);
	is_str(buf_str(&b),
	    "F:3: rule yt\n"
	    "    if host /(^|\\.)youtube\\.com$/i\n"
	    "    add platform YouTube\n"
	    "F:6: rule route-yt\n"
	    "    if platform /^youtube$/\n"
	    "    if not country /^FR$/\n"
	    "    route youtube trust@YT.example\n"
	    "    digest-only\n"
	    "F:11: rule everyone\n"
	    "    note every record\n"
	    "    route coordinators\n",
	    "rules list shows each rule as written");
	rules_free(&set);
	buf_free(&b);
}

static void
target_cb(void *arg, const char *target, bool group, const char *where)
{
	buf_printf(arg, "%s %s %s\n", where, group ? "group" : "contact",
	    target);
}

static void
test_targets(void)
{
	static const char text[] =
	    "rule a\n"
	    "    route team-de Anna@Example.ORG\n"
	    "rule b\n"
	    "  route x\n";
	struct rules *set;
	struct buf b = BUF_INIT(4096);

	is_int(rules_load_text("F", text, NULL, &set, collect, &b), 0,
	    "targets: loads");
	buf_reset(&b);
	rules_targets_each(set, target_cb, &b);
	is_str(buf_str(&b),
	    "F:2:11 group team-de\n"
	    "F:2:19 contact anna@example.org\n"
	    "F:4:9 group x\n",
	    "every target with its place; addresses lower case");
	rules_free(&set);
	buf_free(&b);
}

/* ---------------------------------------------------------- evaluating */

/* "flag|url=https://a/b;ground=racism,antisemitism" */
static void
record_make(struct rules_record *rec, char *kindbuf, size_t kindsize,
    const char *spec)
{
	char *s = xstrdup(spec), *p, *f, *next, *eq, *v, *comma;

	memset(rec, 0, sizeof(*rec));
	p = strchr(s, '|');
	if (p != NULL)
		*p++ = '\0';
	snprintf(kindbuf, kindsize, "%s", s);
	rec->kind = kindbuf;
	for (f = p; f != NULL && *f != '\0'; f = next) {
		next = strchr(f, ';');
		if (next != NULL)
			*next++ = '\0';
		if ((eq = strchr(f, '=')) == NULL)
			continue;
		*eq = '\0';
		for (v = eq + 1; v != NULL; v = comma) {
			comma = strchr(v, ',');
			if (comma != NULL)
				*comma++ = '\0';
			rules_record_add(rec, f, v);
		}
	}
	free(s);
}

/* the routes of a result: "t1 t2[d]" ; "Q:reason" when quarantined */
static void
routes_str(const struct rules_result *res, struct buf *b)
{
	size_t i;

	buf_reset(b);
	if (res->quarantined) {
		buf_printf(b, "Q:%s", res->reason);
		return;
	}
	for (i = 0; i < res->nroute; i++)
		buf_printf(b, "%s%s%s", i ? " " : "", res->route[i].target,
		    res->route[i].digest_only ? "[d]" : "");
	if (res->urgent)
		buf_addstr(b, " !");
}

static const char rules_text[] =
    "rule platform-yt\n"
    "    if host /(^|\\.)(youtube\\.com|youtu\\.be)$/i\n"
    "    add platform youtube\n"
    "rule platform-any\n"
    "    if not platform /./\n"
    "    if host /^(?:www\\.)?(?<site>[a-z0-9-]+)\\.example$/\n"
    "    set platform ${site}\n"
    "rule test-sender\n"
    "    if org /^Test Org$/\n"
    "    quarantine a test organisation\n"
    "rule ew-urgent\n"
    "    if kind /^early-warning$/\n"
    "    if risk /^(high|critical)$/\n"
    "    urgent\n"
    "rule yt\n"
    "    if platform /^youtube$/\n"
    "    route youtube\n"
    "rule de\n"
    "    if language /^de$/\n"
    "    if not country /^(AT|CH)$/\n"
    "    route team-de\n"
    "rule racism\n"
    "    if ground /^racism$/\n"
    "    route racism-desk\n"
    "rule research\n"
    "    if kind /^hub$/\n"
    "    if category /^research$/\n"
    "    route researchers\n"
    "    digest-only\n"
    "rule spam\n"
    "    if explanation /\\bcasino\\b/i\n"
    "    stop\n"
    "rule mentions\n"
    "    if explanation /holocaust/i\n"
    "    route history-desk\n"
    "rule listed\n"
    "    if header:List-Id /./\n"
    "    route lists\n"
    "rule body\n"
    "    if body /^URGENT/m\n"
    "    urgent\n"
    "rule late\n"
    "    if language /^fr$/\n"
    "    route team-fr\n";

static const struct {
	const char *record;
	const char *want_routes;
	const char *want_platform;	/* NULL: no platform */
} evals[] = {
	/* a platform from the host, then fan-out over three rules */
	{ "flag|url=https://www.youtube.com/watch?v=1;language=de;"
	  "ground=racism,antisemitism",
	  "youtube team-de racism-desk", "youtube" },
	/* short links, case-insensitive hosts */
	{ "flag|url=https://YOUTU.BE/x;language=fr", "youtube team-fr",
	  "youtube" },
	/* not a look-alike */
	{ "flag|url=https://notyoutube.com/x;language=fr", "team-fr", NULL },
	{ "flag|url=https://youtube.com.evil.example/x;language=fr",
	  "team-fr", NULL },
	/* named capture sets the platform */
	{ "flag|url=https://www.dailyvid.example/v/1;language=pl", "",
	  "dailyvid" },
	/* negation: AT stops the German desk; no country lets it through */
	{ "flag|url=https://x.org/1;language=de;country=AT", "", NULL },
	{ "flag|url=https://x.org/1;language=de;country=AT,DE", "", NULL },
	{ "flag|url=https://x.org/1;language=de;country=DE", "team-de",
	  NULL },
	{ "flag|url=https://x.org/1;language=de", "team-de", NULL },
	/* a list field matches when any value does */
	{ "flag|url=https://x.org/1;ground=antisemitism,racism",
	  "racism-desk", NULL },
	/* a form's own platform is kept */
	{ "flag|url=https://www.youtube.com/1;language=de;platform=youtube", "youtube team-de",
	  "youtube" },
	/* urgent early warnings */
	{ "early-warning|risk=critical;language=fr", "team-fr !", NULL },
	{ "early-warning|risk=low;language=fr", "team-fr", NULL },
	/* digest only */
	{ "hub|category=research;language=en", "researchers[d]", NULL },
	{ "hub|category=campaign;language=en", "", NULL },
	/* stop: later rules do not apply */
	{ "flag|url=https://x.org/1;language=fr;explanation=Online CASINO ad",
	  "", NULL },
	{ "flag|url=https://x.org/1;language=fr;explanation=Holocaust denial",
	  "history-desk team-fr", NULL },
	/* a word boundary: casinos is not casino */
	{ "flag|url=https://x.org/1;explanation=casinos and Holocaust",
	  "history-desk", NULL },
	/* nothing at all: no route (the default is route.c's) */
	{ "flag|url=https://x.org/1", "", NULL },
	/* a URL without a host has no host */
	{ "flag|url=mailto:someone;language=fr", "team-fr", NULL },
};

static void
test_eval(void)
{
	struct rules *set;
	struct rules_matcher *m;
	struct rules_record rec;
	struct rules_result res;
	struct buf b = BUF_INIT(65536), out = BUF_INIT(65536);
	char kind[32], **v;
	size_t i, n;

	is_int(rules_load_text("R", rules_text, NULL, &set, collect, &b), 0,
	    "eval: the set loads");
	if (set == NULL) {
		printf("# %s", buf_str(&b));
		return;
	}
	m = rules_matcher_new(set);
	for (i = 0; i < sizeof(evals) / sizeof(evals[0]); i++) {
		record_make(&rec, kind, sizeof(kind), evals[i].record);
		rules_eval(set, m, &rec, i % 2 == 0, &res);
		routes_str(&res, &out);
		is_str(buf_str(&out), evals[i].want_routes, "eval %zu: %s", i,
		    evals[i].record);
		v = rules_record_get(&rec, "platform", &n);
		is_str(n > 0 ? v[0] : NULL, evals[i].want_platform,
		    "eval %zu: platform", i);
		rules_result_clear(&res);
		rules_record_clear(&rec);
	}

	/* the organisation, the header and the body */
	record_make(&rec, kind, sizeof(kind), "flag|url=https://x.org/1");
	rec.org = "Test Org";
	rules_eval(set, m, &rec, true, &res);
	routes_str(&res, &out);
	is_str(buf_str(&out), "Q:a test organisation", "org: quarantined");
	rules_result_clear(&res);
	rules_record_clear(&rec);
	{
		struct mime_header hdr[] = {
			{ (char *)(uintptr_t)"Subject", (char *)(uintptr_t)"x" },
			{ (char *)(uintptr_t)"list-id",
			  (char *)(uintptr_t)"<cso.lists.example>" },
		};

		record_make(&rec, kind, sizeof(kind),
		    "flag|url=https://x.org/1");
		rec.hdr = hdr;
		rec.nhdr = 2;
		rec.body = "Hello\nURGENT: please\n";
		rules_eval(set, m, &rec, true, &res);
		routes_str(&res, &out);
		is_str(buf_str(&out), "lists !",
		    "header (any case) and multiline body");
		rules_result_clear(&res);
		rules_record_clear(&rec);
	}
	rules_matcher_free(&m);
	rules_free(&set);
	buf_free(&b);
	buf_free(&out);
}

static void
test_trace(void)
{
	static const char text[] =
	    "rule site\n"
	    "    if host /^www\\.([a-z]+)\\.example$/\n"
	    "    if not country /^DE$/\n"
	    "    set platform $1\n"
	    "    add ground racism\n"
	    "    note site from the host\n"
	    "    route desk-$1\n";
	static const char text2[] =
	    "rule site\n"
	    "    if host /^www\\.([a-z]+)\\.example$/\n"
	    "    if not country /^DE$/\n"
	    "    set platform $1\n"
	    "    add ground racism\n"
	    "    add ground antisemitism\n"
	    "    note site from the host\n"
	    "    route desk\n"
	    "rule never\n"
	    "    if kind /^hub$/\n"
	    "    route nobody\n";
	struct rules *set;
	struct rules_matcher *m;
	struct rules_record rec;
	struct rules_result res;
	struct buf b = BUF_INIT(65536);
	char kind[32];
	size_t i;

	/* a route target is a name, not a template */
	ok(rules_load_text("T", text, NULL, &set, collect, &b) > 0,
	    "trace: a target with '$' is refused");
	rules_free(&set);
	buf_reset(&b);
	is_int(rules_load_text("T", text2, NULL, &set, collect, &b), 0,
	    "trace: loads");
	m = rules_matcher_new(set);
	record_make(&rec, kind, sizeof(kind),
	    "flag|url=https://www.tube.example/a;country=FR,BE;ground=racism");
	rules_eval(set, m, &rec, true, &res);
	buf_reset(&b);
	for (i = 0; i < res.ntrace; i++)
		buf_printf(&b, "%s\n", res.trace[i]);
	is_str(buf_str(&b),
	    "rule site (T:1)\n"
	    "  host /^www\\.([a-z]+)\\.example$/ matched 'www.tube.example'\n"
	    "  not country /^DE$/ held: no value matched ('FR', 'BE')\n"
	    "  set platform 'tube'\n"
	    "  add ground 'racism' (already there)\n"
	    "  add ground 'antisemitism'\n"
	    "  note: site from the host\n"
	    "  route desk\n",
	    "trace: every condition with its value, every action");
	ok(res.changed, "trace: fields changed");
	is_int((long long)res.matched, 1, "trace: one rule matched");
	rules_result_clear(&res);
	rules_record_clear(&rec);
	rules_matcher_free(&m);
	rules_free(&set);
	buf_free(&b);
}

static void
test_limits(void)
{
	static const char text[] =
	    "rule evil\n"
	    "    if explanation /(a+)+$/\n"
	    "    route evil\n"
	    "rule nested\n"
	    "    if explanation /^(\\w+\\s?)*$/\n"
	    "    route nested\n"
	    "rule fine\n"
	    "    if explanation /^a/\n"
	    "    route fine\n";
	struct rules *set;
	struct rules_matcher *m;
	struct rules_record rec;
	struct rules_result res;
	struct buf b = BUF_INIT(65536), out = BUF_INIT(4096);
	struct timespec t0, t1;
	char kind[32], *evil;
	size_t n = 100000;
	double secs;

	is_int(rules_load_text("L", text, NULL, &set, collect, &b), 0,
	    "limits: loads");
	m = rules_matcher_new(set);
	evil = xmalloc(n + 2);
	memset(evil, 'a', n);
	evil[n] = '!';
	evil[n + 1] = '\0';
	memset(&rec, 0, sizeof(rec));
	snprintf(kind, sizeof(kind), "flag");
	rec.kind = kind;
	rules_record_add(&rec, "explanation", evil);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rules_eval(set, m, &rec, true, &res);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# (a+)+$ and ^(\\w+\\s?)*$ on %zu bytes: %.3f s\n", n, secs);
	routes_str(&res, &out);
	is_str(buf_str(&out), "fine",
	    "limits: the catastrophic patterns count as not matching; the "
	    "record is still routed");
	ok(res.limit_hits >= 1, "limits: the limit hit is counted (%zu)",
	    res.limit_hits);
	ok(res.ntrace >= 1 && strstr(res.trace[0], "rule evil (L:1)") ==
	    res.trace[0] && strstr(res.trace[0], "counted as not matching") !=
	    NULL, "limits: and traced with the rule: %s",
	    res.ntrace ? res.trace[0] : "(none)");
	rules_result_clear(&res);
	rules_record_clear(&rec);
	free(evil);
	rules_matcher_free(&m);
	rules_free(&set);
	buf_free(&b);
	buf_free(&out);
}

/* words and domains are matched without PCRE2: with the same results */
static void
test_fast(void)
{
	static const char *const pats[] = {
		"/^de$/", "/^(de|fr)$/", "/^(?:de|fr)$/i", "/^DE$/i",
		"/(^|\\.)youtube\\.com$/i", "/(?:^|\\.)(youtube\\.com|youtu\\.be)$/",
		"/^a\\.b$/", "/^a|b$/", "/^(a|b)c$/", "/^\\$x$/", "/^a\\$/",
		"/^(de|fr)$/m", "/^k$/iu", "/^é$/", "/^é$/i", "/^(a|)$/",
		"/(^|\\.)(a|b)$/", "/^a b$/", "/^a b$/x", "/^\\d$/", "/^[a]$/",
	};
	static const char *const vals[] = {
		"de", "DE", "de\n", "xde", "dex", "fr", "Fr", "youtube.com",
		"www.youtube.com", "notyoutube.com", "youtube.com.evil",
		"WWW.YOUTUBE.COM", "youtu.be", "m.youtu.be\n", "a.b", "axb",
		"a", "b", "ac", "bc", "$x", "a$", "k", "K", "\xe2\x84\xaa",
		"\xc3\xa9", "\xc3\x89", "", "x.a", "x.b", "xa", "a b", "ab",
		"5", "de\nfr", "fr\n\n",
	};
	struct buf text = BUF_INIT(65536), b = BUF_INIT(4096);
	struct buf got1 = BUF_INIT(4096), got2 = BUF_INIT(4096);
	struct rules_limits lim;
	struct rules *fast, *slow;
	struct rules_matcher *mf, *ms;
	struct rules_record rec;
	struct rules_result res;
	char kind[] = "flag";
	size_t i, j, nbad = 0;

	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		buf_printf(&text, "rule r%zu\n    if explanation %s\n"
		    "    route t%zu\n", i, pats[i], i);
	rules_limits_default(&lim);
	ok(rules_load_text("F", buf_str(&text), &lim, &fast, collect, &b) ==
	    0, "fast: loads");
	lim.no_fast = true;
	ok(rules_load_text("F", buf_str(&text), &lim, &slow, collect, &b) ==
	    0, "fast: loads without the fast ways");
	if (b.len > 0)
		printf("# %s", buf_str(&b));
	mf = rules_matcher_new(fast);
	ms = rules_matcher_new(slow);
	for (j = 0; j < sizeof(vals) / sizeof(vals[0]); j++) {
		memset(&rec, 0, sizeof(rec));
		rec.kind = kind;
		rules_record_add(&rec, "explanation", vals[j]);
		rules_eval(fast, mf, &rec, false, &res);
		routes_str(&res, &got1);
		rules_result_clear(&res);
		rules_eval(slow, ms, &rec, false, &res);
		routes_str(&res, &got2);
		rules_result_clear(&res);
		rules_record_clear(&rec);
		if (strcmp(buf_str(&got1), buf_str(&got2)) != 0) {
			nbad++;
			printf("# value %zu: fast '%s', PCRE2 '%s'\n", j,
			    buf_str(&got1), buf_str(&got2));
		}
	}
	is_int((long long)nbad, 0, "fast: %zu patterns x %zu values agree "
	    "with PCRE2", sizeof(pats) / sizeof(pats[0]),
	    sizeof(vals) / sizeof(vals[0]));
	rules_matcher_free(&mf);
	rules_matcher_free(&ms);
	rules_free(&fast);
	rules_free(&slow);
	buf_free(&text);
	buf_free(&b);
	buf_free(&got1);
	buf_free(&got2);
}

/* the index of domains on host: the same routes as PCRE2 alone */
static void
test_fast_host(void)
{
	static const char *const pats[] = {
		"/(^|\\.)youtube\\.com$/i", "/(?:^|\\.)(youtube\\.com|youtu\\.be)$/",
		"/(^|\\.)(co|com)$/", "/(^|\\.)Example\\.org$/",
		"/(^|\\.)example\\.org$/i", "/(^|\\.)t\\.co$/i",
		"/^t\\.co$/", "/(^|\\.)(b\\.c|a\\.b\\.c)$/",
	};
	static const char *const urls[] = {
		"https://youtube.com/x", "https://www.youtube.com/x",
		"https://WWW.YouTube.COM:443/x", "https://notyoutube.com/x",
		"https://youtube.com.evil.example/x", "https://youtu.be/x",
		"https://m.youtu.be./x", "https://example.org/", "https://a.example.org",
		"https://t.co/x", "https://xt.co/x", "https://u@t.co/x",
		"https://a.b.c/", "https://b.c/", "https://x.a.b.c/", "https://c/",
		"https://[::1]/x", "mailto:x", "https://", "https://co/",
	};
	struct buf text = BUF_INIT(65536), b = BUF_INIT(4096);
	struct buf got1 = BUF_INIT(4096), got2 = BUF_INIT(4096);
	struct rules_limits lim;
	struct rules *fast, *slow;
	struct rules_matcher *mf, *ms;
	struct rules_record rec;
	struct rules_result res;
	char kind[] = "flag";
	size_t i, j, k, nbad = 0;

	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		buf_printf(&text, "rule h%zu\n    if host %s\n"
		    "    route h%zu\n", i, pats[i], i);
	rules_limits_default(&lim);
	ok(rules_load_text("H", buf_str(&text), &lim, &fast, collect, &b) ==
	    0, "fast host: loads");
	lim.no_fast = true;
	ok(rules_load_text("H", buf_str(&text), &lim, &slow, collect, &b) ==
	    0, "fast host: loads without the fast ways");
	mf = rules_matcher_new(fast);
	ms = rules_matcher_new(slow);
	/* every URL alone, and in twos */
	for (j = 0; j < sizeof(urls) / sizeof(urls[0]); j++)
		for (k = j; k < sizeof(urls) / sizeof(urls[0]); k++) {
			memset(&rec, 0, sizeof(rec));
			rec.kind = kind;
			rules_record_add(&rec, "url", urls[j]);
			if (k != j)
				rules_record_add(&rec, "url", urls[k]);
			rules_eval(fast, mf, &rec, false, &res);
			routes_str(&res, &got1);
			rules_result_clear(&res);
			rules_eval(slow, ms, &rec, false, &res);
			routes_str(&res, &got2);
			rules_result_clear(&res);
			rules_record_clear(&rec);
			if (strcmp(buf_str(&got1), buf_str(&got2)) != 0) {
				nbad++;
				printf("# %s %s: fast '%s', PCRE2 '%s'\n",
				    urls[j], urls[k], buf_str(&got1),
				    buf_str(&got2));
			}
		}
	is_int((long long)nbad, 0, "fast host: the domain index agrees with "
	    "PCRE2 on every URL and pair of URLs");
	rules_matcher_free(&mf);
	rules_matcher_free(&ms);
	rules_free(&fast);
	rules_free(&slow);
	buf_free(&text);
	buf_free(&b);
	buf_free(&got1);
	buf_free(&got2);
}

/* a rule that changes a field: later rules see it, even when an earlier
 * condition on that field was already matched (and remembered) */
static void
test_change(void)
{
	static const char text[] =
	    "rule before\n"
	    "    if platform /^youtube$/\n"
	    "    route early\n"
	    "rule derive\n"
	    "    if host /(^|\\.)youtu\\.be$/\n"
	    "    set platform youtube\n"
	    "rule after\n"
	    "    if platform /^youtube$/\n"
	    "    route late\n"
	    "rule url\n"
	    "    if url /^https:\\/\\/youtu\\.be\\/(\\w+)$/\n"
	    "    set url https://www.youtube.com/watch?v=$1\n"
	    "rule host\n"
	    "    if host /^www\\.youtube\\.com$/\n"
	    "    route hosted\n";
	struct rules *set;
	struct rules_matcher *m;
	struct rules_record rec;
	struct rules_result res;
	struct buf b = BUF_INIT(4096);
	char kind[] = "flag", **v;
	size_t n;

	is_int(rules_load_text("C", text, NULL, &set, collect, &b), 0,
	    "change: loads");
	m = rules_matcher_new(set);
	memset(&rec, 0, sizeof(rec));
	rec.kind = kind;
	rules_record_add(&rec, "url", "https://youtu.be/abc");
	rules_eval(set, m, &rec, false, &res);
	routes_str(&res, &b);
	is_str(buf_str(&b), "late hosted",
	    "change: later rules see the changed fields and hosts");
	v = rules_record_get(&rec, "url", &n);
	is_str(n == 1 ? v[0] : NULL, "https://www.youtube.com/watch?v=abc",
	    "change: set with a capture");
	rules_result_clear(&res);
	rules_record_clear(&rec);
	rules_matcher_free(&m);
	rules_free(&set);
	buf_free(&b);
}

int
main(void)
{
	test_bad();
	test_good();
	test_targets();
	test_eval();
	test_trace();
	test_limits();
	test_fast();
	test_fast_host();
	test_change();
	return tap_done();
}
