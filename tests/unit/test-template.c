/* test-template.c: the template engine, its checks, and the shipped
 * templates */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "mails.h"
#include "template.h"
#include "util.h"
#include "tap.h"

static void
collect(void *arg, const char *msg)
{
	struct buf *b = arg;

	buf_addstr(b, msg);
	buf_addch(b, '\n');
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* the values of the rendering tests */
static struct tval *
values(void)
{
	struct tval *root, *list, *item, *tags, *tag;

	root = tval_obj();
	tval_set_str(root, "name", "Anna & <Bob>");
	tval_set_str(root, "q", "it's \"quoted\"");
	tval_set_str(root, "multi", "one\r\ntwo\nthree\rfour");
	tval_set_str(root, "tabbed", "\t lead\ttab \r\n");
	tval_set_bool(root, "yes", true);
	tval_set_bool(root, "no", false);
	tval_set_str(root, "empty", "");
	tval_set_str(root, "record.ref", "FLG-2026-000123");
	tval_set_str(root, "record.kind", "flag");
	tval_set_str(root, "record.summary", "antisemitism, youtube, de");
	tval_set_str(root, "obj.inner.deep", "d");
	tval_set_str(root, "count", "2");
	tval_set_str(root, "kind", "rootkind");
	list = tval_list();
	item = tval_obj();
	tval_set_str(item, "ref", "A-1");
	tval_set_str(item, "kind", "k1");
	tags = tval_list();
	tag = tval_obj();
	tval_set_str(tag, "name", "x");
	tval_push(tags, tag);
	tag = tval_obj();
	tval_set_str(tag, "name", "y");
	tval_push(tags, tag);
	tval_set(item, "tags", tags);
	tval_push(list, item);
	item = tval_obj();
	tval_set_str(item, "ref", "A-2");
	tval_set(item, "tags", tval_list());
	tval_push(list, item);
	tval_set(root, "records", list);
	tval_set(root, "none", tval_list());
	/* replaced: the last one counts */
	tval_set_str(root, "twice", "first");
	tval_set_str(root, "twice", "second");
	return root;
}

/* ---------------------------------------------------------- rendering */

static const struct {
	const char *body;	/* the text body and the HTML */
	const char *text;	/* rendered as text */
	const char *html;	/* rendered as HTML; NULL: the same as text */
} renders[] = {
	{ "Hello {{name}}!", "Hello Anna & <Bob>!",
	  "Hello Anna &amp; &lt;Bob&gt;!" },
	{ "{{ q }}", "it's \"quoted\"", "it&#39;s &quot;quoted&quot;" },
	{ "{{{name}}} {{{ q }}}", "Anna & <Bob> it's \"quoted\"", NULL },
	{ "{{#records}}[{{ref}}]{{/records}}", "[A-1][A-2]", NULL },
	{ "{{#records}}{{ref}}:{{#tags}}{{name}},{{/tags}};{{/records}}",
	  "A-1:x,y,;A-2:;", NULL },
	{ "{{yes}} {{no}} {{#yes}}Y{{/yes}}{{#no}}N{{/no}}{{^no}}!N{{/no}}",
	  "yes no Y!N", NULL },
	{ "{{^none}}no items{{/none}}{{^records}}X{{/records}}"
	  "{{^missing}}, absent{{/missing}}{{^empty}}, empty{{/empty}}"
	  "{{^yes}}Y{{/yes}}",
	  "no items, absent, empty", NULL },
	{ "{{#none}}item{{/none}}{{#missing}}m{{/missing}}.", ".", NULL },
	{ "{{record.ref}} {{obj.inner.deep}} {{obj.nope}}{{record.ref.x}}|",
	  "FLG-2026-000123 d |", NULL },
	{ "{{#records}}{{kind}}/{{count}} {{/records}}",
	  "k1/2 rootkind/2 ", NULL },
	{ "{{#obj}}{{inner.deep}}{{#inner}}{{deep}}{{/inner}}{{/obj}}", "dd",
	  NULL },
	{ "{{#name}}has a name{{/name}}{{#empty}}E{{/empty}}", "has a name",
	  NULL },
	{ "{{records}}{{obj}}{{missing}}|", "|", NULL },
	{ "{{twice}}", "second", NULL },
	/* standalone lines go away */
	{ "a\n  {{#yes}}  \nb\n{{/yes}}\n{{! c }}\nc\n", "a\nb\nc\n", NULL },
	{ "{{! one\ntwo }}\nx\n\t{{^no}}\ny\n{{/no}}\n", "x\ny\n", NULL },
	{ "x\n{{#records}}\n- {{ref}}\n{{/records}}\nend\n",
	  "x\n- A-1\n- A-2\nend\n", NULL },
	{ "x\n{{! the end }}", "x\n", NULL },
	/* not standalone: two tags, text, or a value */
	{ "{{#yes}}x{{/yes}}\n", "x\n", NULL },
	{ " {{#yes}} x\n{{/yes}}", "  x\n", NULL },
	{ "  {{name}}\n", "  Anna & <Bob>\n", "  Anna &amp; &lt;Bob&gt;\n" },
	/* LF only */
	{ "{{multi}}|", "one\ntwo\nthree\nfour|", NULL },
	{ "a } b }} c {", "a } b }} c {", NULL },
};

static void
test_render(void)
{
	struct template *t;
	struct tval *root;
	struct buf msgs = BUF_INIT(65536), subj = BUF_INIT(1000);
	struct buf text = BUF_INIT(65536), html = BUF_INIT(65536);
	char *txt;
	size_t i;
	int n;

	root = values();
	for (i = 0; i < sizeof(renders) / sizeof(renders[0]); i++) {
		buf_reset(&msgs);
		buf_reset(&subj);
		buf_reset(&text);
		buf_reset(&html);
		txt = xasprintf("Subject: s\n\n%s", renders[i].body);
		n = template_load_text("F", txt, renders[i].body, NULL, &t,
		    collect, &msgs);
		free(txt);
		if (!is_int(n, 0, "render %zu: loads", i)) {
			printf("# %s", buf_str(&msgs));
			continue;
		}
		is_int(template_render(t, root, &subj, &text, &html), 0,
		    "render %zu: renders", i);
		is_str(buf_str(&text), renders[i].text, "render %zu: text", i);
		is_str(buf_str(&html), renders[i].html != NULL ?
		    renders[i].html : renders[i].text, "render %zu: HTML", i);
		template_free(&t);
	}
	tval_free(&root);
	ok(root == NULL, "tval_free NULLs the pointer");
	buf_free(&msgs);
	buf_free(&subj);
	buf_free(&text);
	buf_free(&html);
}

static const struct {
	const char *txt;
	const char *subject;
} subjects[] = {
	{ "Subject: [{{record.ref}}] {{record.kind}}: {{record.summary}}\n\n",
	  "[FLG-2026-000123] flag: antisemitism, youtube, de" },
	{ "Subject:   {{multi}}  \n\nbody\n", "one two three four" },
	{ "Subject: {{tabbed}}\n\n", "lead tab" },
	{ "Subject: {{tabbed}}{{missing}}\n\n", "lead tab" },
	{ "Subject: {{#yes}}URGENT {{/yes}}{{#no}}no {{/no}}{{record.ref}}\n\n",
	  "URGENT FLG-2026-000123" },
	{ "Subject: {{name}} {{{q}}}\n\n", "Anna & <Bob> it's \"quoted\"" },
	{ "subject: lower case\n\n", "lower case" },
	{ "Subject: no body", "no body" },
	{ "\xef\xbb\xbfSubject: a byte order mark\r\n\r\n",
	  "a byte order mark" },
};

static void
test_subject(void)
{
	struct template *t;
	struct tval *root;
	struct buf msgs = BUF_INIT(65536), subj = BUF_INIT(1000);
	struct buf text = BUF_INIT(65536), html = BUF_INIT(65536);
	size_t i;

	root = values();
	for (i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
		buf_reset(&msgs);
		buf_reset(&subj);
		if (!is_int(template_load_text("F", subjects[i].txt, "", NULL,
		    &t, collect, &msgs), 0, "subject %zu: loads", i)) {
			printf("# %s", buf_str(&msgs));
			continue;
		}
		is_int(template_render(t, root, &subj, NULL, NULL), 0,
		    "subject %zu: renders", i);
		is_str(buf_str(&subj), subjects[i].subject,
		    "subject %zu: one line, trimmed", i);
		template_free(&t);
	}

	/* CRLF in the files: LF out */
	is_int(template_load_text("F", "Subject: s\r\n\r\na\r\nb\rc\r\n",
	    "<p>\r\n{{#yes}}\r\nx\r\n{{/yes}}\r\n</p>\r\n", NULL, &t, collect,
	    &msgs), 0, "CRLF files load");
	buf_reset(&subj);
	is_int(template_render(t, root, &subj, &text, &html), 0,
	    "CRLF files render");
	is_str(buf_str(&subj), "s", "CRLF: the subject");
	is_str(buf_str(&text), "a\nb\nc\n", "CRLF: the text has LF ends");
	is_str(buf_str(&html), "<p>\nx\n</p>\n",
	    "CRLF: the HTML has LF ends, standalone lines removed");
	template_free(&t);

	/* the limits of the caller's buffers */
	is_int(template_load_text("F", "Subject: {{record.summary}}\n\n"
	    "{{#records}}{{ref}} and more text{{/records}}\n", "", NULL, &t,
	    collect, &msgs), 0, "limits: loads");
	buf_free(&subj);
	buf_free(&text);
	buf_init(&subj, 10);
	buf_init(&text, 20);
	is_int(template_render(t, root, &subj, NULL, NULL), -1,
	    "a subject longer than its buffer fails");
	is_int(template_render(t, root, NULL, &text, NULL), -1,
	    "a body longer than its buffer fails");
	buf_free(&text);
	buf_init(&text, 40);
	is_int(template_render(t, root, NULL, &text, NULL), 0,
	    "a body that fits renders");
	is_str(buf_str(&text), "A-1 and more textA-2 and more text\n",
	    "that body");
	template_free(&t);

	tval_free(&root);
	buf_free(&msgs);
	buf_free(&subj);
	buf_free(&text);
	buf_free(&html);
}

/* ---------------------------------------------------------- problems */

static const char *const test_names[] = {
	"now", "record.ref", "record.kind", "record.urgent",
	"records[]", "records[].ref", "records[].tags[]",
	"records[].tags[].name", "count",
	NULL
};
static const struct template_schema test_schema = { "test", test_names };

#define NAMES_OF_A_TEST \
	"the names of a test are: now, record.ref, record.kind, " \
	"record.urgent, records, count"

static const struct {
	const char *txt;
	const char *html;
	const struct template_schema *schema;
	const char *want;	/* the problems, each ending in "\n" */
} bad[] = {
	/* syntax */
	{ "Subject: s\n\nline\n{{#urls}}\nx\n", "", NULL,
	  "F.txt:4: '{{#urls}}' is not closed\n" },
	{ "Subject: s\n\n", "a\n{{^x}}b", NULL,
	  "F.html:2: '{{^x}}' is not closed\n" },
	{ "Subject: s\n\n{{#a}}\n{{/b}}\n", "", NULL,
	  "F.txt:4: '{{/b}}' does not close '{{#a}}' (line 3)\n" },
	{ "Subject: s\n\n{{#a}}{{#b}}\n{{/a}}\n", "", NULL,
	  "F.txt:3: '{{#b}}' is not closed\n" },
	{ "Subject: s\n\nx {{/x}}\n", "", NULL,
	  "F.txt:3: '{{/x}}' closes nothing\n" },
	{ "Subject: s\n\n{{#a}}{{/a}}{{/a}}", "", NULL,
	  "F.txt:3: '{{/a}}' closes nothing\n" },
	{ "Subject: s\n\n{{re cord}}\n", "", NULL,
	  "F.txt:3: bad name 're cord': names are words of a-z, 0-9, '_' and "
	  "'-', joined by '.'\n" },
	{ "Subject: s\n\n\n{{a..b}} {{.x}} {{x.}} {{x!}}\n", "", NULL,
	  "F.txt:4: bad name 'a..b': names are words of a-z, 0-9, '_' and "
	  "'-', joined by '.'\n"
	  "F.txt:4: bad name '.x': names are words of a-z, 0-9, '_' and "
	  "'-', joined by '.'\n"
	  "F.txt:4: bad name 'x.': names are words of a-z, 0-9, '_' and "
	  "'-', joined by '.'\n"
	  "F.txt:4: bad name 'x!': names are words of a-z, 0-9, '_' and "
	  "'-', joined by '.'\n" },
	{ "Subject: s\n\n{{Record.Ref}}", "", NULL,
	  "F.txt:3: bad name 'Record.Ref': names are lower case, as in "
	  "'record.ref'\n" },
	{ "Subject: s\n\n{{#Bad!}}x{{/Bad!}}\n", "", NULL,
	  "F.txt:3: bad name 'Bad!': names are words of a-z, 0-9, '_' and "
	  "'-', joined by '.'\n"
	  "F.txt:3: bad name 'Bad!': names are words of a-z, 0-9, '_' and "
	  "'-', joined by '.'\n" },
	{ "Subject: s\n\nHello {{name\nnext {{x}}\n", "", NULL,
	  "F.txt:3: unterminated tag '{{name': end it with '}}'\n" },
	{ "Subject: s\n\n", "<p>{{{name}}</p>\n", NULL,
	  "F.html:1: '{{{name}}' must end with '}}}'\n" },
	{ "Subject: s\n\n", "<p>{{{name\n", NULL,
	  "F.html:1: unterminated tag '{{{name': end it with '}}}'\n" },
	{ "Subject: s\n\nx\n{{! a comment\nthat never ends\n", "", NULL,
	  "F.txt:4: unterminated comment '{{!': end it with '}}'\n" },
	{ "Subject: s\n\n{{}} {{ }} {{#}}\n", "", NULL,
	  "F.txt:3: empty tag '{{}}'\n"
	  "F.txt:3: empty tag '{{}}'\n"
	  "F.txt:3: empty tag '{{#}}'\n" },
	{ "Subject: s\n\n{{> part}}\n", "", NULL,
	  "F.txt:3: unsupported tag '{{> part}}': the tags are {{name}}, "
	  "{{{name}}}, {{#name}}, {{^name}}, {{/name}} and {{! comment }}\n" },
	{ "Subject: s\n\n"
	  "{{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!}}\n", "", NULL,
	  "F.txt:3: bad name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...': "
	  "names are words of a-z, 0-9, '_' and '-', joined by '.'\n" },
	/* the subject */
	{ "Hello\n", "", NULL,
	  "F.txt:1: the first line must be 'Subject: ...'\n" },
	{ "", "", NULL,
	  "F.txt:1: the first line must be 'Subject: ...'\n" },
	{ "Subject: x\nbody\n", "", NULL,
	  "F.txt:2: the subject must be followed by an empty line\n" },
	{ "Subject:  \n\nx\n", "", NULL,
	  "F.txt:1: the subject is empty\n" },
	{ "Subject: {{#a}}x\n\n{{/a}}\n", "", NULL,
	  "F.txt:1: '{{#a}}' is not closed\n"
	  "F.txt:3: '{{/a}}' closes nothing\n" },
	{ "Subject: s {{x\n\n", "", NULL,
	  "F.txt:1: unterminated tag '{{x': end it with '}}'\n" },
	{ "Subject: s\n\n\xff\n", "ok\n\xc3\n", NULL,
	  "F.txt:3: not valid UTF-8: save the file as UTF-8\n"
	  "F.html:2: not valid UTF-8: save the file as UTF-8\n" },
	/* the schema */
	{ "Subject: s\n\n{{recod.ref}}\n", "", &mail_schema_notice,
	  "F.txt:3: unknown name 'recod.ref'; did you mean 'record.ref'?\n" },
	{ "Subject: [{{record.rfe}}]\n\n", "", &test_schema,
	  "F.txt:1: unknown name 'record.rfe'; did you mean 'record.ref'?\n" },
	{ "Subject: s\n\n", "\n\n{{zzz}}", &test_schema,
	  "F.html:3: unknown name 'zzz' (" NAMES_OF_A_TEST ")\n" },
	{ "Subject: s\n\n{{#records}}\n{{zzz}}\n{{/records}}\n", "",
	  &test_schema,
	  "F.txt:4: unknown name 'zzz' (the names of an item of 'records' "
	  "are: ref, tags; " NAMES_OF_A_TEST ")\n" },
	{ "Subject: s\n\n{{#records}}{{#tags}}{{zzz}}{{/tags}}{{/records}}\n",
	  "", &test_schema,
	  "F.txt:3: unknown name 'zzz' (the names of an item of 'tags' "
	  "are: name; " NAMES_OF_A_TEST ")\n" },
	{ "Subject: s\n\n{{#records}}{{rfe}}{{/records}}", "", &test_schema,
	  "F.txt:3: unknown name 'rfe'; did you mean 'ref'?\n" },
	{ "Subject: s\n\n{{ref}}\n", "", &test_schema,
	  "F.txt:3: 'ref' is a name of the items of 'records': use it inside "
	  "{{#records}}...{{/records}}\n" },
	{ "Subject: s\n\n{{#records}}{{name}}{{/records}}\n", "", &test_schema,
	  "F.txt:3: 'name' is a name of the items of 'tags': use it inside "
	  "{{#tags}}...{{/tags}}\n" },
	{ "Subject: s\n\n{{#tags}}x{{/tags}}\n", "", &test_schema,
	  "F.txt:3: 'tags' is a name of the items of 'records': use it inside "
	  "{{#records}}...{{/records}}\n" },
	{ "Subject: s\n\nThere are {{records}}.\n", "", &test_schema,
	  "F.txt:3: 'records' is a list: use {{#records}}...{{/records}}\n" },
	{ "Subject: s\n\n{{#records}}{{{tags}}}{{/records}}\n", "",
	  &test_schema,
	  "F.txt:3: 'tags' is a list: use {{#tags}}...{{/tags}}\n" },
	{ "Subject: s\n\n{{record}}\n", "", &test_schema,
	  "F.txt:3: 'record' is not a value: use one of its names, such as "
	  "'record.ref'\n" },
	{ "Subject: s\n\n{{#record}}{{ref}}{{/record}}\n", "", &test_schema,
	  "F.txt:3: 'record' is not a value or a list: use one of its names, "
	  "such as 'record.ref'\n" },
	{ "Subject: s\n\n{{#recrods}}\n{{ref}} {{zzz}}\n{{/recrods}}\n", "",
	  &test_schema,
	  "F.txt:3: unknown name 'recrods'; did you mean 'records'?\n" },
	{ "Subject: s\n\n{{^records}}{{ref}}{{/records}}\n", "",
	  &test_schema, "" },
	{ "Subject: s\n\n{{count}} {{rcords}}\n", "", &mail_schema_ack,
	  "F.txt:3: unknown name 'rcords'; did you mean 'records'?\n" },
};

static void
test_bad(void)
{
	struct template *t;
	struct buf b = BUF_INIT(65536);
	size_t i;
	int n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&b);
		t = NULL;
		n = template_load_text("F", bad[i].txt, bad[i].html,
		    bad[i].schema, &t, collect, &b);
		if (bad[i].want[0] == '\0') {
			ok(n == 0 && t != NULL, "bad %zu: in fact good", i);
			is_str(buf_str(&b), "", "bad %zu: no message", i);
		} else {
			ok(n > 0 && t == NULL, "bad %zu: refused", i);
			is_str(buf_str(&b), bad[i].want,
			    "bad %zu: the messages", i);
			is_int(n, (long long)count_lines(bad[i].want),
			    "bad %zu: one problem per message", i);
		}
		template_free(&t);
	}
	buf_free(&b);
}

static void
test_good_schema(void)
{
	static const char txt[] =
	    "Subject: [{{record.ref}}] "
	    "{{#record.urgent}}urgent{{/record.urgent}}\n"
	    "\n"
	    "{{now}} {{count}}\n"
	    "{{#records}}\n"
	    "{{ref}} {{record.kind}} {{count}}\n"
	    "{{#tags}}{{name}} {{ref}} {{now}}{{/tags}}\n"
	    "{{^tags}}no tags{{/tags}}\n"
	    "{{#record.urgent}}{{ref}}{{/record.urgent}}\n"
	    "{{/records}}\n";
	struct template *t;
	struct buf b = BUF_INIT(65536);

	is_int(template_load_text("F", txt, "{{{record.ref}}}", &test_schema,
	    &t, collect, &b), 0, "item names inside their sections, and "
	    "names outward from them, are good");
	is_str(buf_str(&b), "", "no message");
	template_free(&t);

	/* no report function: only the count */
	is_int(template_load_text("F", "x\n", "{{#a}}", NULL, NULL, NULL,
	    NULL), 2, "problems are counted without a report function");
	buf_free(&b);
}

static void
test_depth(void)
{
	struct buf src = BUF_INIT(65536), b = BUF_INIT(65536);
	struct template *t;
	int i;

	buf_addstr(&src, "Subject: s\n\n");
	for (i = 0; i < 20; i++)
		buf_printf(&src, "{{#s%d}}", i);
	for (i = 19; i >= 0; i--)
		buf_printf(&src, "{{/s%d}}", i);
	is_int(template_load_text("F", buf_str(&src), "", NULL, &t, collect,
	    &b), 0, "sections nest 20 deep");
	template_free(&t);
	buf_reset(&src);
	buf_addstr(&src, "Subject: s\n\n");
	for (i = 0; i < 21; i++)
		buf_printf(&src, "{{#s%d}}\n", i);
	for (i = 20; i >= 0; i--)
		buf_printf(&src, "{{/s%d}}\n", i);
	is_int(template_load_text("F", buf_str(&src), "", NULL, &t, collect,
	    &b), 1, "but not 21");
	is_str(buf_str(&b), "F.txt:23: '{{#s20}}' is nested too deep: "
	    "sections nest at most 20 deep\n", "the message");
	buf_free(&src);
	buf_free(&b);
}

/* ---------------------------------------------------------- files */

static void
write_file(const char *path, const char *s)
{
	FILE *f;

	if ((f = fopen(path, "w")) == NULL) {
		printf("# %s: %s\n", path, strerror(errno));
		return;
	}
	fputs(s, f);
	fclose(f);
}

static void
test_files(void)
{
	char dir[] = "/tmp/test-template.XXXXXX", *path, *want;
	struct template *t;
	struct tval *root;
	struct buf b = BUF_INIT(65536), subj = BUF_INIT(1000);
	FILE *f;
	int i;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	path = xasprintf("%s/de", dir);
	mkdir(path, 0700);
	free(path);
#define W(name, text) do {						\
		path = xasprintf("%s/%s", dir, name);			\
		write_file(path, text);					\
		free(path);						\
	} while (0)
	W("ack.txt", "Subject: english\n\nhello\n");
	W("ack.html", "<p>hello</p>\n");
	W("de/ack.txt", "Subject: deutsch\n\nhallo\n");
	W("de/ack.html", "<p>hallo</p>\n");
	W("only.txt", "Subject: x\n\n");
	W("de/half.txt", "Subject: x\n\n");
	W("half.txt", "Subject: x\n\n");
	W("half.html", "");
	W("bad.txt", "Subject: x\n\n{{#a}}\n");
	W("bad.html", "{{/b}}\n");

	root = tval_obj();
	for (i = 0; i < 4; i++) {
		static const char *const langs[] = {
			"de", NULL, "fr", "../de"
		};
		static const char *const want_subj[] = {
			"deutsch", "english", "english", "english"
		};

		buf_reset(&subj);
		is_int(template_load(dir, langs[i], "ack", NULL, &t, collect,
		    &b), 0, "lang %s: loads", langs[i] ? langs[i] : "(none)");
		if (t != NULL)
			template_render(t, root, &subj, NULL, NULL);
		is_str(buf_str(&subj), want_subj[i], "lang %s: the subject",
		    langs[i] ? langs[i] : "(none)");
		template_free(&t);
	}
	is_str(buf_str(&b), "", "no message");

	is_int(template_load(dir, NULL, "only", NULL, &t, collect, &b), 1,
	    "a missing .html is a problem");
	want = xasprintf("%s/only.html: cannot open: No such file or "
	    "directory\n", dir);
	is_str(buf_str(&b), want, "its message");
	free(want);
	ok(t == NULL, "and no template");
	buf_reset(&b);

	is_int(template_load(dir, "de", "half", NULL, &t, collect, &b), 1,
	    "de/NAME.txt without de/NAME.html is a problem");
	want = xasprintf("%s/de/half.html: cannot open: No such file or "
	    "directory\n", dir);
	is_str(buf_str(&b), want, "its message");
	free(want);
	buf_reset(&b);

	is_int(template_load(dir, "de", "none", NULL, &t, collect, &b), 2,
	    "two missing files are two problems");
	want = xasprintf("%s/none.txt: cannot open: No such file or "
	    "directory\n%s/none.html: cannot open: No such file or "
	    "directory\n", dir, dir);
	is_str(buf_str(&b), want, "their messages");
	free(want);
	buf_reset(&b);

	is_int(template_load(dir, NULL, "bad", NULL, &t, collect, &b), 2,
	    "problems of both files");
	want = xasprintf("%s/bad.txt:3: '{{#a}}' is not closed\n"
	    "%s/bad.html:1: '{{/b}}' closes nothing\n", dir, dir);
	is_str(buf_str(&b), want, "with their paths");
	free(want);
	buf_reset(&b);

	path = xasprintf("%s/big.txt", dir);
	if ((f = fopen(path, "w")) != NULL) {
		fputs("Subject: big\n\n", f);
		for (i = 0; i < 17000; i++)
			fputs("0123456789012345678901234567890123456789"
			    "012345678901234567890\n", f);
		fclose(f);
	}
	free(path);
	W("big.html", "");
	is_int(template_load(dir, NULL, "big", NULL, &t, collect, &b), 1,
	    "a file over 1 MB is a problem");
	want = xasprintf("%s/big.txt: larger than 1 MB\n", dir);
	is_str(buf_str(&b), want, "its message");
	free(want);
	buf_reset(&b);
#undef W

	{
		static const char *const files[] = {
			"ack.txt", "ack.html", "de/ack.txt", "de/ack.html",
			"only.txt", "de/half.txt", "half.txt", "half.html",
			"bad.txt", "bad.html", "big.txt", "big.html", "de", ""
		};
		size_t k;

		for (k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
			path = xasprintf("%s/%s", dir, files[k]);
			if (remove(path) == -1)
				printf("# remove %s: %s\n", path,
				    strerror(errno));
			free(path);
		}
	}
	tval_free(&root);
	buf_free(&b);
	buf_free(&subj);
}

/* ---------------------------------------------------------- shipped */

/* the directory of the shipped templates */
static char *
templates_dir(void)
{
	const char *const tries[] = { getenv("top_srcdir"), ".", "..",
	    "../.." };
	char *dir, *path;
	size_t i;

	for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		if (tries[i] == NULL)
			continue;
		dir = xasprintf("%s/templates", tries[i]);
		path = xasprintf("%s/notice.txt", dir);
		if (access(path, R_OK) == 0) {
			free(path);
			return dir;
		}
		free(path);
		free(dir);
	}
	return NULL;
}

static struct tval *
record_item(const char *ref, const char *kind, const char *url,
    const char *summary)
{
	struct tval *o;

	o = tval_obj();
	tval_set_str(o, "ref", ref);
	tval_set_str(o, "kind", kind);
	if (url != NULL)
		tval_set_str(o, "url", url);
	tval_set_str(o, "summary", summary);
	return o;
}

static struct tval *
sample(const char *kind, bool full)
{
	struct tval *root, *list, *o;

	root = tval_obj();
	tval_set_str(root, "gateway.name", "Flagpost");
	tval_set_str(root, "gateway.address", "flags@gateway.example.eu");
	tval_set_str(root, "now", "2026-11-28T10:00:00Z");
	if (strcmp(kind, "notice") == 0) {
		tval_set_str(root, "contact.name",
		    full ? "Trust & Safety" : "");
		tval_set_str(root, "contact.address", "trust@yt.example");
		tval_set_str(root, "record.ref", "FLG-2026-000123");
		tval_set_str(root, "record.kind", "flag");
		tval_set_str(root, "record.kind_label", "flag");
		tval_set_str(root, "record.created", "2026-11-28T09:58:00Z");
		tval_set_str(root, "record.url",
		    "https://www.youtube.com/watch?v=abc123");
		tval_set_str(root, "record.summary",
		    "antisemitism, youtube, de");
		tval_set_bool(root, "record.urgent", full);
		tval_set_str(root, "record.org", "CSO Example");
		tval_set_str(root, "record.sender", "anna@cso.example.org");
		tval_set_str(root, "record.deadline",
		    full ? "2026-11-29T09:58:00Z" : "");
		list = tval_list();
		o = tval_obj();
		tval_set_str(o, "name", "URL");
		tval_set_str(o, "value",
		    "https://www.youtube.com/watch?v=abc123");
		tval_push(list, o);
		o = tval_obj();
		tval_set_str(o, "name", "Explanation");
		tval_set_str(o, "value", "<script>alert(1)</script> & more\n"
		    "on two lines");
		tval_push(list, o);
		tval_set(root, "record.fields", list);
		list = tval_list();
		if (full) {
			o = tval_obj();
			tval_set_str(o, "name", "screenshot.png");
			tval_set_str(o, "type", "image/png");
			tval_set_str(o, "size", "48213");
			tval_set_str(o, "sha256",
			    "9f86d081884c7d659a2feaa0c55ad015"
			    "a3bf4f1b2b0b822cd15d6c15b0f00a08");
			tval_push(list, o);
		}
		tval_set(root, "record.evidence", list);
		tval_set_bool(root, "record.attached", full);
		tval_set_str(root, "record.note", full ? "Seen twice." : "");
		tval_set_str(root, "outcome.statuses", full ? "received, "
		    "removed, disabled, geo-blocked, restricted, no-action, "
		    "not-illegal, need-info" : "");
		tval_set_str(root, "reply.address", "flags@gateway.example.eu");
		return root;
	}
	tval_set_str(root, "sender.name", full ? "Anna Kowalska" : "");
	tval_set_str(root, "sender.address", "anna@cso.example.org");
	tval_set_str(root, "org", "CSO Example");
	tval_set_str(root, "message.subject",
	    full ? "[flag] antisemitic videos" : "");
	tval_set_str(root, "message.date", "Sat, 28 Nov 2026 09:58:00 +0100");
	tval_set_str(root, "their_reference", full ? "CASE-77" : "");
	list = tval_list();
	if (full || strcmp(kind, "ack") == 0) {
		tval_push(list, record_item("FLG-2026-000123", "flag",
		    "https://www.youtube.com/watch?v=abc123",
		    "antisemitism, youtube, de"));
		tval_push(list, record_item("EW-2026-000007", "early-warning",
		    NULL, "derby and march in Warsaw"));
	}
	tval_set(root, "records", list);
	tval_set_str(root, "count", "2");
	if (strcmp(kind, "ack") == 0) {
		list = tval_list();
		if (full) {
			o = tval_obj();
			tval_set_str(o, "text",
			    "Country: 'Deutschland' was read as DE");
			tval_push(list, o);
		}
		tval_set(root, "warnings", list);
		return root;
	}
	list = tval_list();
	o = tval_obj();
	tval_set_str(o, "field", "Ground");
	tval_set_str(o, "where", full ? "row 3" : "");
	tval_set_str(o, "value", "antisemitsm");
	tval_set_str(o, "text", "'antisemitsm' is not a ground of hatred; "
	    "did you mean 'antisemitism'?");
	tval_push(list, o);
	o = tval_obj();
	tval_set_str(o, "text", "the mail names no kind of record");
	tval_push(list, o);
	tval_set(root, "problems", list);
	tval_set_bool(root, "accepted", full);
	/* the form: lines, each with its line end */
	tval_set_str(root, "form", full ? "Type: flag\n"
	    "URL: https://youtu.be/def456\nGround: antisemitism\n"
	    "Language: de\n" : "");
	tval_set_str(root, "kind", "flag");
	return root;
}

static void
check_notice(const struct buf *subj, const struct buf *text,
    const struct buf *html, int full)
{
	is_str(buf_str(subj), "[FLG-2026-000123] flag: antisemitism, "
	    "youtube, de", "notice: the reference in the subject");
	ok(strstr(buf_str(html), "&lt;script&gt;") != NULL &&
	    strstr(buf_str(html), "<script>") == NULL,
	    "notice: values escaped in HTML");
	ok(strstr(buf_str(text), "Explanation: <script>") != NULL,
	    "notice: but not in the text");
	ok((strstr(buf_str(text), "\nStatus: ") != NULL) == (full != 0),
	    "notice: the reply form when outcomes are asked");
}

static void
test_shipped(void)
{
	const struct template_schema *const *sc;
	struct template *t;
	struct tval *root;
	struct buf b = BUF_INIT(65536), subj = BUF_INIT(998);
	struct buf text = BUF_INIT(1 << 20), html = BUF_INIT(1 << 20);
	char *dir;
	int full;

	if ((dir = templates_dir()) == NULL) {
		ok(0, "the shipped templates are found (top_srcdir)");
		return;
	}
	for (sc = mail_schemas; *sc != NULL; sc++) {
		buf_reset(&b);
		is_int(template_load(dir, NULL, (*sc)->kind, *sc, &t, collect,
		    &b), 0, "templates/%s.*: no problem", (*sc)->kind);
		is_str(buf_str(&b), "", "templates/%s.*: no message",
		    (*sc)->kind);
		if (t == NULL)
			continue;
		for (full = 0; full < 2; full++) {
			buf_reset(&subj);
			buf_reset(&text);
			buf_reset(&html);
			root = sample((*sc)->kind, full);
			is_int(template_render(t, root, &subj, &text, &html), 0,
			    "templates/%s.* render (%s values)", (*sc)->kind,
			    full ? "all" : "few");
			ok(subj.len > 0 && strpbrk(buf_str(&subj), "\r\n") ==
			    NULL, "%s: a subject of one line", (*sc)->kind);
			ok(strchr(buf_str(&text), '\r') == NULL &&
			    strchr(buf_str(&html), '\r') == NULL,
			    "%s: LF line ends", (*sc)->kind);
			ok(strstr(buf_str(&text), "\n\n\n") == NULL &&
			    strstr(buf_str(&html), "\n\n\n") == NULL,
			    "%s: no run of empty lines", (*sc)->kind);
			if (getenv("TEMPLATE_SHOW") != NULL)
				printf("# Subject: %s\n%s\n%s\n",
				    buf_str(&subj), buf_str(&text),
				    buf_str(&html));
			if (strcmp((*sc)->kind, "notice") == 0)
				check_notice(&subj, &text, &html, full);
			tval_free(&root);
		}
		template_free(&t);
	}
	free(dir);
	buf_free(&b);
	buf_free(&subj);
	buf_free(&text);
	buf_free(&html);
}

int
main(void)
{
	test_render();
	test_subject();
	test_bad();
	test_good_schema();
	test_depth();
	test_files();
	test_shipped();
	return tap_done();
}
