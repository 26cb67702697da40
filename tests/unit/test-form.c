/* test-form.c: the form in the text of a mail, and its kind */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "form.h"
#include "tap.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void
test_names(void)
{
	static const struct {
		const char *typed;
		const char *want;
	} t[] = {
		{ "URL", "url" },
		{ "url", "url" },
		{ "URLs", "url" },
		{ "Legal basis", "legal-basis" },
		{ "legal-basis", "legal-basis" },
		{ "LEGAL_BASIS", "legal-basis" },
		{ "Legal  -_ basis", "legal-basis" },
		{ " Legal basis ", "legal-basis" },
		{ "Good Faith", "good-faith" },
		{ "content_date", "content-date" },
		{ "Event type", "event-type" },
		{ "Period Start", "period-start" },
		{ "period_end", "period-end" },
		{ "Licence", "licence" },
		{ "License", "licence" },
		{ "Grounds", "ground" },
		{ "Countries", "country" },
		{ "Languages", "language" },
		{ "Platforms", "platform" },
		{ "References", "reference" },
		{ "Indicator", "indicators" },
		{ "Indicators", "indicators" },
		{ "Decided", "decided" },
		{ "TYPE", "type" },
		{ "Note", NULL },
		{ "Date", NULL },
		{ "From", NULL },
		{ "Subject", NULL },
		{ "legalbasis", NULL },
		{ "", NULL },
		{ "-", NULL },
		{ "U R L", NULL },
		{ "a very long name that cannot be a field at all", NULL },
	};
	size_t i;

	for (i = 0; i < NELEM(t); i++)
		is_str(form_field_name(t[i].typed, strlen(t[i].typed)),
		    t[i].want, "form_field_name('%s')", t[i].typed);
	is_str(form_field_name("urlx", 3), "url", "form_field_name uses len");
	ok(form_field_is_free_text("explanation") &&
	    form_field_is_free_text("description") &&
	    form_field_is_free_text("summary") &&
	    form_field_is_free_text("comment"), "free-text fields");
	ok(!form_field_is_free_text("title") && !form_field_is_free_text("url") &&
	    !form_field_is_free_text(NULL), "other fields are not free text");
}

/*
 * A form as a compact string: "name=value|name=value|...#ended_by", with
 * '\n' in values as "\n".
 */
static char *
dump(const struct form *f)
{
	struct buf b = BUF_INIT(1 << 20);
	size_t i;
	const char *p;

	for (i = 0; i < f->n; i++) {
		if (i > 0)
			buf_addch(&b, '|');
		buf_printf(&b, "%s=", f->f[i].name);
		for (p = f->f[i].value; *p != '\0'; p++)
			if (*p == '\n')
				buf_addstr(&b, "\\n");
			else
				buf_addch(&b, *p);
	}
	if (f->ended_by != NULL)
		buf_printf(&b, "#%s", f->ended_by);
	return buf_detach(&b, NULL);
}

static const struct {
	const char *what;
	const char *text;
	const char *want;
} forms[] = {
	{ "empty", "", "" },
	{ "no fields", "Hello,\nplease look at this.\nThanks\n", "" },
	{ "one field", "URL: https://example.org/a\n", "url=https://example.org/a" },
	{ "no LF at the end", "Risk: high", "risk=high" },
	{ "greeting ignored", "Hello,\n\nplease see below.\n\nRisk: high\n",
	    "risk=high" },
	{ "no space after colon", "URL:https://example.org/a",
	    "url=https://example.org/a" },
	{ "space before colon", "Risk : high", "risk=high" },
	{ "trailing white space", "Risk: high \t \n", "risk=high" },
	{ "leading spaces and bullets",
	    "  Risk: high\n* Title: a\n- Event: b\n\xe2\x80\xa2 Status: removed\n*Ground: gender\n",
	    "risk=high|title=a|event=b|status=removed|ground=gender" },
	{ "names in any spelling",
	    "legal basis: x\nLEGAL_BASIS: y\nLegal-Basis: z\nGood faith: yes\n",
	    "legal-basis=x|legal-basis=y|legal-basis=z|good-faith=yes" },
	{ "not field names", "Note: x\nDate: 2026-01-01\nhttps://x.org/\nRisk: low",
	    "risk=low" },
	{ "empty value", "Channel:\nRisk: low", "channel=|risk=low" },
	{ "CRLF", "Risk: high\r\nTitle: a b\r\n", "risk=high|title=a b" },
	{ "U+00A0 around the colon",
	    "Risk\xc2\xa0: high\xc2\xa0\nTitle:\xc2\xa0" "a",
	    "risk=high|title=a" },
	{ "continuation of a plain value",
	    "Title: a long\n  title over\n\tthree lines\nRisk: high",
	    "title=a long title over three lines|risk=high" },
	{ "plain value ends at an unindented line",
	    "Title: a\nnot part of it\n  nor this\nRisk: high",
	    "title=a|risk=high" },
	{ "plain value ends at a blank line",
	    "Title: a\n\n  not this\nRisk: high", "title=a|risk=high" },
	{ "free text continues over any line",
	    "Explanation: first line\nsecond line\n  third line\nGood-Faith: yes",
	    "explanation=first line\\nsecond line\\nthird line|good-faith=yes" },
	{ "free text keeps paragraphs, one blank line",
	    "Comment: a\n\n\nb\n\nc\n\n\n",
	    "comment=a\\n\\nb\\n\\nc" },
	{ "free text starting on the next line",
	    "Summary:\n\nThe report.\nMore.\nTitle: t",
	    "summary=The report.\\nMore.|title=t" },
	{ "free text until the next field",
	    "Description: d\nBest regards,\nAnna\n",
	    "description=d\\nBest regards,\\nAnna" },
	{ "quoted lines are never fields",
	    "> URL: https://quoted.example/\nRisk: low\n> Title: q\n",
	    "risk=low" },
	{ "quoted lines do not continue free text",
	    "Comment: ours\n> theirs\n> more\nstill ours",
	    "comment=ours\\nstill ours" },
	{ "quoted line ends a plain value",
	    "Title: a\n> q\n  b", "title=a" },
	{ "signature", "Risk: high\n-- \nTitle: not read\n",
	    "risk=high#signature" },
	{ "signature without space", "Comment: c\n--\nAnna\n",
	    "comment=c#signature" },
	{ "two dashes and text are no signature",
	    "Comment: c\n-- a\nd", "comment=c\\n-- a\\nd" },
	{ "signature before any field", "--\nRisk: high", "#signature" },
	{ "Gmail reply header",
	    "Status: removed\n\nOn Mon, 30 Nov 2026 at 10:00, Anna <anna@cso.example.org> wrote:\n> URL: https://x.example/\nStatus: x",
	    "status=removed#quoted reply" },
	{ "reply header wrapped over two lines",
	    "Status: removed\nOn Mon, 30 Nov 2026 at 10:00, Anna Kowalska\n<anna@cso.example.org> wrote:\nRisk: low",
	    "status=removed#quoted reply" },
	{ "reply header followed by a quote",
	    "Comment: ok\nOn 30.11.26 10:00, Anna wrote:\n\n> Risk: high",
	    "comment=ok#quoted reply" },
	{ "'On ... wrote:' inside an explanation is text",
	    "Explanation: a known account.\nOn 3 March he wrote:\n\"hateful words\"\nGood-Faith: yes",
	    "explanation=a known account.\\nOn 3 March he wrote:\\n\"hateful words\"|good-faith=yes" },
	{ "German reply header",
	    "Status: removed\nAm Mo., 30. Nov. 2026 um 10:00 Uhr schrieb Anna <anna@cso.example.org>:\nRisk: high",
	    "status=removed#quoted reply" },
	{ "French reply header",
	    "Status: removed\nLe lun. 30 nov. 2026 \xc3\xa0 10:00, Anna <anna@cso.example.org> a \xc3\xa9" "crit :\nRisk: high",
	    "status=removed#quoted reply" },
	{ "Original Message",
	    "Status: removed\n-----Original Message-----\nFrom: x\nRisk: high",
	    "status=removed#quoted reply" },
	{ "original message, other dashes and case",
	    "Status: removed\n--- original message ---\nRisk: high",
	    "status=removed#quoted reply" },
	{ "German Outlook separator",
	    "Status: removed\n-----Urspr\xc3\xbcngliche Nachricht-----\nRisk: high",
	    "status=removed#quoted reply" },
	{ "forwarded message",
	    "Risk: high\n---------- Forwarded message ---------\nTitle: t",
	    "risk=high#quoted reply" },
	{ "Outlook header block",
	    "Status: removed\n\nFrom: Gateway <flags@gateway.example.eu>\nSent: Monday, 30 November 2026 10:00\nTo: x\nURL: https://x.example/",
	    "status=removed#quoted reply" },
	{ "French Outlook header block",
	    "Status: removed\nDe : Gateway\nEnvoy\xc3\xa9 : lundi\nRisk: high",
	    "status=removed#quoted reply" },
	{ "German Outlook header block",
	    "Status: removed\nVon: Gateway\nGesendet: Montag\nRisk: high",
	    "status=removed#quoted reply" },
	{ "Outlook block with Date two lines on",
	    "Status: removed\nFrom: Gateway\nTo: x\nDate: Mon\nRisk: high",
	    "status=removed#quoted reply" },
	{ "From: alone is text",
	    "Comment: c\nFrom: our team\nwith love\n\n\n\nSent: later",
	    "comment=c\\nFrom: our team\\nwith love\\n\\nSent: later" },
	{ "rule of underscores before From",
	    "Comment: c\n________________________________\nFrom: Gateway\nRisk: high",
	    "comment=c#quoted reply" },
	{ "underscores alone are text",
	    "Comment: c\n__________\nd", "comment=c\\n__________\\nd" },
	{ "Begin forwarded message",
	    "Risk: low\nBegin forwarded message:\nRisk: high",
	    "risk=low#quoted reply" },
	{ "a field after free text ends it",
	    "Explanation: e\nmore\nGround: racism\nLanguage: de",
	    "explanation=e\\nmore|ground=racism|language=de" },
	{ "prose with a colon is not a field",
	    "Explanation: see: here\nNB, this: is text",
	    "explanation=see: here\\nNB, this: is text" },
};

static void
test_parse(void)
{
	struct form *f;
	char *got;
	size_t i;

	for (i = 0; i < NELEM(forms); i++) {
		f = form_parse(forms[i].text);
		got = dump(f);
		is_str(got, forms[i].want, "form_parse: %s", forms[i].what);
		free(got);
		form_free(&f);
	}

	f = form_parse("Hello\n\n  * Legal basis : \u00a7130\nGROUNDS: a, b\n");
	is_int((long long)f->n, 2, "two fields");
	is_str(f->f[0].typed, "Legal basis", "typed keeps the name as typed");
	is_int(f->f[0].line, 3, "line of the first field");
	is_str(f->f[1].typed, "GROUNDS", "typed plural");
	is_str(f->f[1].name, "ground", "canonical plural");
	is_int(f->f[1].line, 4, "line of the second field");
	is_str(form_get(f, "ground"), "a, b", "form_get");
	ok(form_get(f, "url") == NULL, "form_get absent");
	ok(f->ended_by == NULL, "not ended");
	form_free(&f);
	ok(f == NULL, "form_free NULLs the pointer");
	form_free(&f);
	form_free(NULL);

	f = form_parse(NULL);
	ok(f != NULL && f->n == 0, "form_parse(NULL) is an empty form");
	form_free(&f);
}

static void
test_kinds(void)
{
	static const struct {
		const char *typed;
		enum record_kind want;
	} t[] = {
		{ "flag", KIND_FLAG }, { "FLAG", KIND_FLAG },
		{ "notice", KIND_FLAG }, { " Notice ", KIND_FLAG },
		{ "early-warning", KIND_EARLY_WARNING },
		{ "Early Warning", KIND_EARLY_WARNING },
		{ "early_warning", KIND_EARLY_WARNING },
		{ "warning", KIND_EARLY_WARNING }, { "EW", KIND_EARLY_WARNING },
		{ "hub", KIND_HUB }, { "submission", KIND_HUB },
		{ "Hub submission", KIND_HUB }, { "best practice", KIND_HUB },
		{ "knowledge", KIND_HUB },
		{ "outcome", KIND_OUTCOME }, { "status", KIND_OUTCOME },
		{ "Decision", KIND_OUTCOME },
		{ "flags", KIND_NONE }, { "", KIND_NONE }, { "report", KIND_NONE },
	};
	size_t i;

	for (i = 0; i < NELEM(t); i++)
		is_int(kind_parse(t[i].typed), t[i].want, "kind_parse('%s')",
		    t[i].typed);
	is_int(kind_parse(NULL), KIND_NONE, "kind_parse(NULL)");
	is_str(kind_name(KIND_FLAG), "flag", "kind_name flag");
	is_str(kind_name(KIND_EARLY_WARNING), "early-warning", "kind_name ew");
	is_str(kind_name(KIND_HUB), "hub", "kind_name hub");
	is_str(kind_name(KIND_OUTCOME), "outcome", "kind_name outcome");
	is_str(kind_name(KIND_NONE), "none", "kind_name none");
	is_str(kind_ref_prefix(KIND_FLAG), "FLG", "prefix flag");
	is_str(kind_ref_prefix(KIND_EARLY_WARNING), "EW", "prefix ew");
	is_str(kind_ref_prefix(KIND_HUB), "HUB", "prefix hub");
	is_str(kind_ref_prefix(KIND_OUTCOME), "OUT", "prefix outcome");
}

static void
test_form_kind(void)
{
	static const struct {
		const char *what;
		const char *text;
		const char *subject;
		const char *rcpt;
		const char *local;
		enum record_kind dflt;
		enum record_kind want;
		const char *why;
		const char *bad;
	} t[] = {
		{ "type field", "Type: hub\n", "[flag] x", "gw+outcome@x.eu",
		    "gw", KIND_FLAG, KIND_HUB, "type field", NULL },
		{ "type alias", "Type: Early warning\n", "", NULL, NULL,
		    KIND_NONE, KIND_EARLY_WARNING, "type field", NULL },
		{ "bad type", "Type: complaint\n", "[flag]", NULL, NULL,
		    KIND_FLAG, KIND_NONE, "type field", "complaint" },
		{ "empty type is absent", "Type:\n", "[hub] x", NULL, NULL,
		    KIND_NONE, KIND_HUB, "subject tag", NULL },
		{ "subject [flag]", "", "[flag] antisemitic videos", NULL, NULL,
		    KIND_NONE, KIND_FLAG, "subject tag", NULL },
		{ "subject tag anywhere, any case", "", "Fwd: two videos [FLAG]",
		    NULL, NULL, KIND_NONE, KIND_FLAG, "subject tag", NULL },
		{ "subject [early-warning]", "", "[early-warning] march", NULL,
		    NULL, KIND_NONE, KIND_EARLY_WARNING, "subject tag", NULL },
		{ "subject [early warning]", "", "[Early Warning] march", NULL,
		    NULL, KIND_NONE, KIND_EARLY_WARNING, "subject tag", NULL },
		{ "subject [warning]", "", "[warning] march", NULL, NULL,
		    KIND_NONE, KIND_EARLY_WARNING, "subject tag", NULL },
		{ "subject [ew]", "", "[EW] march", NULL, NULL, KIND_NONE,
		    KIND_EARLY_WARNING, "subject tag", NULL },
		{ "subject [hub]", "", "[ hub ] report", NULL, NULL, KIND_NONE,
		    KIND_HUB, "subject tag", NULL },
		{ "subject reference", "", "Re: [FLG-2026-000123] videos", NULL,
		    NULL, KIND_FLAG, KIND_OUTCOME, "subject reference", NULL },
		{ "subject reference lower case", "", "Re: [flg-2026-7]", NULL,
		    NULL, KIND_NONE, KIND_OUTCOME, "subject reference", NULL },
		{ "the first tag wins", "", "Re: [FLG-2026-000123] [flag] x",
		    NULL, NULL, KIND_NONE, KIND_OUTCOME, "subject reference",
		    NULL },
		{ "list tag is no kind", "", "[cso-list] news", "gw+hub@x.eu",
		    "gw", KIND_NONE, KIND_HUB, "recipient address", NULL },
		{ "not a reference", "", "[FLG-26-1] x", NULL, NULL, KIND_NONE,
		    KIND_NONE, NULL, NULL },
		{ "unclosed tag", "", "[flag x", NULL, NULL, KIND_NONE,
		    KIND_NONE, NULL, NULL },
		{ "recipient plus detail", "", "no tag", "GW+Early-Warning@x.eu",
		    "gw", KIND_FLAG, KIND_EARLY_WARNING, "recipient address",
		    NULL },
		{ "recipient of another local part", "", "", "other+hub@x.eu",
		    "gw", KIND_FLAG, KIND_FLAG, "inbox default", NULL },
		{ "recipient, any local part", "", "", "other+hub@x.eu", NULL,
		    KIND_NONE, KIND_HUB, "recipient address", NULL },
		{ "recipient without detail", "", "", "gw@x.eu", "gw",
		    KIND_OUTCOME, KIND_OUTCOME, "inbox default", NULL },
		{ "recipient with unknown detail", "", "", "gw+foo@x.eu", "gw",
		    KIND_NONE, KIND_NONE, NULL, NULL },
		{ "recipient prefix only", "", "", "gwx+hub@x.eu", "gw",
		    KIND_NONE, KIND_NONE, NULL, NULL },
		{ "inbox default", "Hello", "hello", NULL, NULL, KIND_HUB,
		    KIND_HUB, "inbox default", NULL },
		{ "nothing", "Hello", "subscribe digest", NULL, NULL, KIND_NONE,
		    KIND_NONE, NULL, NULL },
	};
	struct form *f;
	const char *why, *bad;
	char other[] = "someone@else.example", given[64], *rcpt[2];
	enum record_kind k;
	size_t i;

	for (i = 0; i < NELEM(t); i++) {
		f = form_parse(t[i].text);
		rcpt[0] = other;
		rcpt[1] = given;
		if (t[i].rcpt != NULL && strlen(t[i].rcpt) < sizeof(given))
			memcpy(given, t[i].rcpt, strlen(t[i].rcpt) + 1);
		k = form_kind(f, t[i].subject, rcpt, t[i].rcpt ? 2 : 1,
		    t[i].local, t[i].dflt, &why, &bad);
		is_int(k, t[i].want, "form_kind: %s", t[i].what);
		is_str(why, t[i].why, "form_kind: %s: why", t[i].what);
		is_str(bad, t[i].bad, "form_kind: %s: bad type", t[i].what);
		form_free(&f);
	}
	k = form_kind(NULL, NULL, NULL, 0, NULL, KIND_NONE, NULL, NULL);
	is_int(k, KIND_NONE, "form_kind with nothing at all");
}

int
main(void)
{
	test_names();
	test_parse();
	test_kinds();
	test_form_kind();
	return tap_done();
}
