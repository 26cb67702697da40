/* test-validate.c: form fields and data attachments to records and problems */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <time.h>

#include "batch.h"
#include "buf.h"
#include "form.h"
#include "lexicon.h"
#include "tap.h"
#include "validate.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ctx flags of a case */
#define STANDING	1	/* good_faith_standing */
#define LICENCE		2	/* default_licence "CC-BY-4.0" */
#define NOPLATFORMS	4	/* no platforms configured */

struct att {
	const char *name;
	const char *type;
	const char *data;
};

struct vcase {
	const char *what;
	const char *kind;
	const char *subject;
	const char *text;
	unsigned flags;
	size_t max;
	struct att att[2];
	const char *want;
};

static char p_youtube[] = "youtube", p_tiktok[] = "tiktok", p_x[] = "x",
    p_facebook[] = "facebook";
static char *platforms[] = { p_youtube, p_tiktok, p_x, p_facebook };

/* 2026-11-18T11:06:40Z */
#define MAIL_DATE 1795000000

/*
 * The outcome of a validation as text: one line per problem
 * ("P where: text", '-' for no where), one per record ("R where json"),
 * then "rejected=N".
 */
static char *
dump(const struct validation *v)
{
	struct buf b = BUF_INIT(1 << 24);
	size_t i;
	char *j;

	for (i = 0; i < v->nprob; i++)
		buf_printf(&b, "P %s: %s\n", v->prob[i].where != NULL ?
		    v->prob[i].where : "-", v->prob[i].text);
	for (i = 0; i < v->nrec; i++) {
		j = record_fields_json(&v->rec[i]);
		buf_printf(&b, "R %s %s\n", v->rec[i].where != NULL ?
		    v->rec[i].where : "-", j);
		free(j);
	}
	buf_printf(&b, "rejected=%zu", v->rejected);
	return buf_detach(&b, NULL);
}

static struct validation *
run(const struct vcase *c)
{
	struct validate_ctx ctx;
	struct mime_attachment att[2];
	struct mime_msg msg;
	struct form *f;
	struct validation *v;
	size_t i;

	memset(&ctx, 0, sizeof(ctx));
	ctx.good_faith_standing = (c->flags & STANDING) != 0;
	ctx.default_licence = (c->flags & LICENCE) ? "CC-BY-4.0" : NULL;
	if (!(c->flags & NOPLATFORMS)) {
		ctx.platforms = platforms;
		ctx.nplatforms = NELEM(platforms);
	}
	ctx.max_records = c->max ? c->max : 500;
	ctx.mail_date = MAIL_DATE;
	memset(&msg, 0, sizeof(msg));
	memset(att, 0, sizeof(att));
	for (i = 0; i < NELEM(c->att) && c->att[i].type != NULL; i++) {
		att[i].filename = (char *)(uintptr_t)c->att[i].name;
		att[i].type = (char *)(uintptr_t)c->att[i].type;
		att[i].data = (char *)(uintptr_t)c->att[i].data;
		att[i].len = strlen(c->att[i].data);
	}
	msg.att = att;
	msg.natt = i;
	f = form_parse(c->text);
	v = validate_mail(f, kind_parse(c->kind), c->subject, &msg, &ctx);
	form_free(&f);
	return v;
}

#define FLAG_OK \
	"URL: https://www.youtube.com/watch?v=abc123\n" \
	"Ground: antisemitism\nLanguage: de\nCountry: DE\n" \
	"Explanation: e\nGood-Faith: yes\n"

#define EW_OK \
	"Event: Election day\nStarts: 2026-11-28\nCountry: DE\n" \
	"Ground: racism\nRisk: high\nDescription: d\n"

#define HUB_OK \
	"Category: research\nTitle: T\nSummary: S\nLanguage: en\n"

static const struct vcase cases[] = {
	/* ------------------------------------------------ flag: the form */
	{ "MAIL-FORMAT.md 5: two flags", "flag", "[flag] antisemitic videos",
	    "Hello,\n\nplease find two videos below.\n\n"
	    "URL: https://www.youtube.com/watch?v=abc123\n"
	    "URL: https://youtu.be/def456\n"
	    "Ground: antisemitism\nLanguage: de\nCountry: DE\n"
	    "Legal-Basis: \xc2\xa7" "130 StGB\n"
	    "Explanation: Both videos deny the Holocaust and call for\n"
	    "  violence against Jewish people.\n"
	    "Good-Faith: yes\n\nBest regards,\nAnna\n--\nCSO Example, Warsaw\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "R - {\"country\":[\"DE\"],\"explanation\":\"Both videos deny the "
	    "Holocaust and call for\\nviolence against Jewish people.\","
	    "\"good_faith\":\"yes\",\"ground\":[\"antisemitism\"],"
	    "\"language\":\"de\",\"legal_basis\":\"\xc2\xa7" "130 StGB\","
	    "\"url\":\"https://www.youtube.com/watch?v=abc123\","
	    "\"url_norm\":\"https://www.youtube.com/watch?v=abc123\"}\n"
	    "R - {\"country\":[\"DE\"],\"explanation\":\"Both videos deny the "
	    "Holocaust and call for\\nviolence against Jewish people.\","
	    "\"good_faith\":\"yes\",\"ground\":[\"antisemitism\"],"
	    "\"language\":\"de\",\"legal_basis\":\"\xc2\xa7" "130 StGB\","
	    "\"url\":\"https://youtu.be/def456\","
	    "\"url_norm\":\"https://youtu.be/def456\"}\n"
	    "rejected=0" },
	{ "MAIL-FORMAT.md 5: bad grounds make no flag", "flag", "",
	    "URL: https://www.youtube.com/watch?v=abc123\n"
	    "URL: https://youtu.be/def456\n"
	    "Ground: antisemitsm, incitement\nLanguage: de\n"
	    "Explanation: e\nGood-Faith: yes\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "P -: Ground: 'antisemitsm' is not a ground of hatred; did you "
	    "mean 'antisemitism'?\n"
	    "P -: Ground: 'incitement' is not a ground of hatred; the grounds "
	    "are: antisemitism, anti-muslim-hatred, antigypsyism, afrophobia, "
	    "xenophobia, anti-migrant-hatred, racism, ethnic-origin, "
	    "national-origin, religion, sexual-orientation, gender-identity, "
	    "gender, disability, other\n"
	    "rejected=2" },
	{ "obvious spellings, names and every optional field", "flag", "",
	    "* url: https://youtu.be/a?si=share\n"
	    "- Grounds: Anti Muslim hatred; RACISM, anti_migrant_hatred\n"
	    "Language: German\nCountries: germany, at; EU\n"
	    "legal basis: \xc2\xa7" "130 StGB\n"
	    "EXPLANATION: bad\nSeverity: Violence\n"
	    "Content date: 28 November 2026\nChannel: trusted flagger\n"
	    "Platform: YouTube\nReference: ABC-1\ngood_faith: Y\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "R - {\"channel\":\"trusted-flagger\",\"content_date\":"
	    "\"2026-11-28\",\"country\":[\"DE\",\"AT\",\"EU\"],"
	    "\"explanation\":\"bad\",\"good_faith\":\"yes\",\"ground\":"
	    "[\"anti-muslim-hatred\",\"racism\",\"anti-migrant-hatred\"],"
	    "\"language\":\"de\",\"legal_basis\":\"\xc2\xa7" "130 StGB\","
	    "\"platform\":[\"youtube\"],\"reference\":\"ABC-1\","
	    "\"severity\":\"violence\",\"url\":\"https://youtu.be/a?si=share\","
	    "\"url_norm\":\"https://youtu.be/a\"}\n"
	    "rejected=0" },
	{ "separators dropped, ISO 639-2 code, country name", "flag", "",
	    "URL: https://example.org/1\nGround: antisemitism, AntiGypsyism\n"
	    "Language: deu\nCountry: United Kingdom, el\nExplanation: e\n"
	    "Good-Faith: true\nChannel: User\nSeverity: OTHER\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "R - {\"channel\":\"user\",\"country\":[\"GB\",\"GR\"],"
	    "\"explanation\":\"e\",\"good_faith\":\"yes\",\"ground\":"
	    "[\"antisemitism\",\"antigypsyism\"],\"language\":\"de\","
	    "\"severity\":\"other\",\"url\":\"https://example.org/1\","
	    "\"url_norm\":\"https://example.org/1\"}\n"
	    "rejected=0" },
	{ "URLs on one line, in angle brackets, duplicates", "flag", "",
	    "URLs: https://youtu.be/a https://x.com/u/status/1?s=20,\n"
	    "  <https://www.tiktok.com/@u/video/9>; https://youtu.be/a?si=x\n"
	    "URL: https://example.org/a,b https://example.org/c"
	    "<https://example.org/d>\n"
	    "URL: https://YOUTU.BE/a#t\n"
	    "Ground: racism\nLanguage: fr\nExplanation: e\n",
	    STANDING, 0, { { NULL, NULL, NULL } },
	    "R - {\"explanation\":\"e\",\"good_faith\":\"standing declara"
	    "tion\",\"ground\":[\"racism\"],\"language\":\"fr\",\"url\":\""
	    "https://youtu.be/a\",\"url_norm\":\"https://youtu.be/a\"}\n"
	    "R - {\"explanation\":\"e\",\"good_faith\":\"standing declara"
	    "tion\",\"ground\":[\"racism\"],\"language\":\"fr\",\"url\":\""
	    "https://x.com/u/status/1?s=20\",\"url_norm\":\"https://x.com"
	    "/u/status/1\"}\n"
	    "R - {\"explanation\":\"e\",\"good_faith\":\"standing declara"
	    "tion\",\"ground\":[\"racism\"],\"language\":\"fr\",\"url\":\""
	    "https://www.tiktok.com/@u/video/9\",\"url_norm\":\"https://w"
	    "ww.tiktok.com/@u/video/9\"}\n"
	    "R - {\"explanation\":\"e\",\"good_faith\":\"standing declara"
	    "tion\",\"ground\":[\"racism\"],\"language\":\"fr\",\"url\":\""
	    "https://example.org/a,b\",\"url_norm\":\"https://example.org"
	    "/a,b\"}\n"
	    "R - {\"explanation\":\"e\",\"good_faith\":\"standing declara"
	    "tion\",\"ground\":[\"racism\"],\"language\":\"fr\",\"url\":\""
	    "https://example.org/d\",\"url_norm\":\"https://example.org/d"
	    "\"}\n"
	    "rejected=0" },
	{ "a bad URL rejects only itself", "flag", "",
	    "URL: https://youtu.be/1\nURL: www.youtube.com/watch?v=2\n"
	    "URL: ftp://example.org/3\nURL: https://youtu.be/4\n"
	    "URL: not a url\nURL: htps://youtu.be/6 hxxps://example[.]org/7\n"
	    "URL: mailto:a@example.org\n"
	    "Ground: racism\nLanguage: de\nExplanation: e\nGood-Faith: yes\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "P URL 2: URL: 'www.youtube.com/watch?v=2' is not an absolute "
	    "http or https address; did you mean "
	    "'https://www.youtube.com/watch?v=2'?\n"
	    "P URL 3: URL: 'ftp://example.org/3' is not an absolute http or "
	    "https address; only web content can be given\n"
	    "P URL 5: URL: 'not a url' is not an absolute http or https "
	    "address; copy it from the browser's address bar (https://...)\n"
	    "P URL 6: URL: 'htps://youtu.be/6' is not an absolute http or "
	    "https address; did you mean 'https://youtu.be/6'?\n"
	    "P URL 7: URL: 'hxxps://example[.]org/7' is not an absolute http "
	    "or https address; did you mean 'https://example.org/7'?\n"
	    "P URL 8: URL: 'mailto:a@example.org' is not an absolute http or "
	    "https address; only web content can be given\n"
	    "R - {\"explanation\":\"e\",\"good_faith\":\"yes\",\"ground\":"
	    "[\"racism\"],\"language\":\"de\",\"url\":\"https://youtu.be/1\","
	    "\"url_norm\":\"https://youtu.be/1\"}\n"
	    "R - {\"explanation\":\"e\",\"good_faith\":\"yes\",\"ground\":"
	    "[\"racism\"],\"language\":\"de\",\"url\":\"https://youtu.be/4\","
	    "\"url_norm\":\"https://youtu.be/4\"}\n"
	    "rejected=6" },
	{ "a problem in a shared field rejects every URL", "flag", "",
	    "URL: https://youtu.be/1\nURL: https://youtu.be/2\nURL: bad\n"
	    "Ground: racism\nLanguage: Klingon\nExplanation: e\n"
	    "Good-Faith: yes\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "P URL 3: URL: 'bad' is not an absolute http or https address; "
	    "copy it from the browser's address bar (https://...)\n"
	    "P -: Language: 'Klingon' is not a language; write an ISO 639-1 "
	    "code such as de, fr or pl, or the English name (German)\n"
	    "rejected=3" },
	{ "every required field missing", "flag", "", "Hello, see attached.\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "P -: URL: missing; give the address of the content\n"
	    "P -: Ground: missing; name the ground of hatred, e.g. 'Ground: "
	    "antisemitism'\n"
	    "P -: Language: missing; give the language as an ISO 639-1 code "
	    "or its English name, e.g. 'Language: de'\n"
	    "P -: Explanation: missing; say why the content is illegal\n"
	    "P -: Good-Faith: missing; write 'Good-Faith: yes' to confirm that "
	    "you believe the notice to be accurate and complete\n"
	    "rejected=1" },
	{ "empty values are missing values", "flag", "",
	    "URL: https://youtu.be/1\nGround:\nLanguage: de\nExplanation:\n"
	    "Good-Faith: yes\nChannel:\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "P -: Ground: missing; name the ground of hatred, e.g. 'Ground: "
	    "antisemitism'\n"
	    "P -: Explanation: missing; say why the content is illegal\n"
	    "rejected=1" },
	{ "standing good faith", "flag", "",
	    "URL: https://youtu.be/1\nGround: racism\nLanguage: de\n"
	    "Explanation: e\n",
	    STANDING, 0, { { NULL, NULL, NULL } },
	    "R - {\"explanation\":\"e\",\"good_faith\":\"standing declara"
	    "tion\",\"ground\":[\"racism\"],\"language\":\"de\",\"url\":\""
	    "https://youtu.be/1\",\"url_norm\":\"https://youtu.be/1\"}\n"
	    "rejected=0" },
	{ "good faith given must still be yes", "flag", "",
	    "URL: https://youtu.be/1\nGround: racism\nLanguage: de\n"
	    "Explanation: e\nGood-Faith: no\n",
	    STANDING, 0, { { NULL, NULL, NULL } },
	    "P -: Good-Faith: 'no' must be 'yes'; write 'Good-Faith: yes' to "
	    "confirm that you believe the notice to be accurate and complete\n"
	    "rejected=1" },
	{ "values wrong in every way", "flag", "",
	    "Type: flag\nURL: https://youtu.be/a\nGround: antisemitism\n"
	    "Language: de, fr\nCountry: Germny, DX, DE FR\n"
	    "Explanation: x\nExplanation: y\nSeverity: high\n"
	    "Content-Date: 31.02.2026\nChannel: email\n"
	    "Platform: yuotube\nPlatform: myspace\nRisk: high\n"
	    "Good-Faith: yes please\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "P -: Language: 'de, fr' is more than one language; a flag takes "
	    "one: the language of the content\n"
	    "P -: Country: 'Germny' is not a country; did you mean 'Germany' "
	    "(DE)?\n"
	    "P -: Country: 'DX' is not a country; write an ISO 3166-1 code "
	    "such as DE, FR or PL, or EU for all member states\n"
	    "P -: Explanation: given twice ('x' and 'y'); give one value\n"
	    "P -: Severity: 'high' is not a severity; the severities are: "
	    "violence, incitement, defamation, other\n"
	    "P -: Content-Date: '31.02.2026' is not a date; write YYYY-MM-DD "
	    "(also DD.MM.YYYY, DD/MM/YYYY or 28 November 2026), optionally "
	    "with HH:MM and a zone\n"
	    "P -: Channel: 'email' is not a channel; the channels are: "
	    "trusted-flagger, user, other\n"
	    "P -: Platform: 'yuotube' is not a platform the gateway knows; "
	    "did you mean 'youtube'?\n"
	    "P -: Platform: 'myspace' is not a platform the gateway knows; the "
	    "platforms are: youtube, tiktok, x, facebook\n"
	    "P -: Risk: not a field of a flag; remove it (a flag takes URL, "
	    "Ground, Language, Country, Platform, Legal-Basis, Explanation, "
	    "Severity, Content-Date, Good-Faith, Channel, Reference)\n"
	    "P -: Good-Faith: 'yes please' must be 'yes'; write 'Good-Faith: "
	    "yes' to confirm that you believe the notice to be accurate and "
	    "complete\n"
	    "rejected=1" },
	{ "a single field twice with one value is fine", "flag", "",
	    FLAG_OK "Language: German\nSeverity: violence\nSeverity: Violence\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "R - {\"country\":[\"DE\"],\"explanation\":\"e\",\"good_faith\":"
	    "\"yes\",\"ground\":[\"antisemitism\"],\"language\":\"de\","
	    "\"severity\":\"violence\",\"url\":"
	    "\"https://www.youtube.com/watch?v=abc123\",\"url_norm\":"
	    "\"https://www.youtube.com/watch?v=abc123\"}\n"
	    "rejected=0" },
	{ "a value given twice, and a list given in pieces", "flag", "",
	    FLAG_OK "Language: fr\nGround: racism\nGround: antisemitism\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "P -: Language: given twice ('de' and 'fr'); give one value\n"
	    "rejected=1" },
	{ "platforms unchecked when none are configured", "flag", "",
	    FLAG_OK "Platform: MySpace\n",
	    NOPLATFORMS, 0, { { NULL, NULL, NULL } },
	    "R - {\"country\":[\"DE\"],\"explanation\":\"e\",\"good_faith\":"
	    "\"yes\",\"ground\":[\"antisemitism\"],\"language\":\"de\","
	    "\"platform\":[\"myspace\"],\"url\":"
	    "\"https://www.youtube.com/watch?v=abc123\",\"url_norm\":"
	    "\"https://www.youtube.com/watch?v=abc123\"}\n"
	    "rejected=0" },
	{ "more records than the limit", "flag", "",
	    "URL: https://a.example/1 https://a.example/2 https://a.example/3\n"
	    "Ground: racism\nLanguage: de\nExplanation: e\n",
	    STANDING, 2, { { NULL, NULL, NULL } },
	    "P -: the mail makes 3 records; at most 2 are taken per mail\n"
	    "R - {\"explanation\":\"e\",\"good_faith\":\"standing declara"
	    "tion\",\"ground\":[\"racism\"],\"language\":\"de\",\"url\":\""
	    "https://a.example/1\",\"url_norm\":\"https://a.example/1\"}\n"
	    "R - {\"explanation\":\"e\",\"good_faith\":\"standing declara"
	    "tion\",\"ground\":[\"racism\"],\"language\":\"de\",\"url\":\""
	    "https://a.example/2\",\"url_norm\":\"https://a.example/2\"}\n"
	    "rejected=1" },

	/* ------------------------------------------ flag: data attachments */
	{ "CSV: BOM, CRLF, ';', quoted line breaks, spreadsheet rows", "flag",
	    "", "Good-Faith: yes\nCountry: DE\n"
	    "URL: https://example.org/form\nGround: gender\nLanguage: en\n"
	    "Explanation: from the form\n",
	    0, 0, { { "flags.csv", "text/csv",
	    "\xef\xbb\xbfURL;Ground;Language;Explanation\r\n"
	    "https://youtu.be/1;racism;de;\"multi\r\nline\"\r\n"
	    "\r\n"
	    "https://youtu.be/2;racsim;de;x\r\n"
	    ";racism;de;x\r\n"
	    "https://youtu.be/1?si=z;racism;de;dup\r\n"
	    "https://youtu.be/3;;;\r\n"
	    ";;;\r\n"
	    "https://youtu.be/4;Racism;Polish;\"a;b\"\r\n" },
	    { NULL, NULL, NULL } },
	    "P CSV 'flags.csv' row 4: Ground: 'racsim' is not a ground of "
	    "hatred; did you mean 'racism'?\n"
	    "P CSV 'flags.csv' row 5: URL: missing; give the address of the "
	    "content\n"
	    "R - {\"country\":[\"DE\"],\"explanation\":\"from the form\","
	    "\"good_faith\":\"yes\",\"ground\":[\"gender\"],\"language\":"
	    "\"en\",\"url\":\"https://example.org/form\",\"url_norm\":"
	    "\"https://example.org/form\"}\n"
	    "R CSV 'flags.csv' row 2 {\"country\":[\"DE\"],\"explanation\":"
	    "\"multi\\nline\",\"good_faith\":\"yes\",\"ground\":[\"racism\"],"
	    "\"language\":\"de\",\"url\":\"https://youtu.be/1\",\"url_norm\":"
	    "\"https://youtu.be/1\"}\n"
	    "R CSV 'flags.csv' row 7 {\"country\":[\"DE\"],\"explanation\":"
	    "\"from the form\",\"good_faith\":\"yes\",\"ground\":[\"gender\"],"
	    "\"language\":\"en\",\"url\":\"https://youtu.be/3\",\"url_norm\":"
	    "\"https://youtu.be/3\"}\n"
	    "R CSV 'flags.csv' row 9 {\"country\":[\"DE\"],\"explanation\":"
	    "\"a;b\",\"good_faith\":\"yes\",\"ground\":[\"racism\"],"
	    "\"language\":\"pl\",\"url\":\"https://youtu.be/4\",\"url_norm\":"
	    "\"https://youtu.be/4\"}\n"
	    "rejected=2" },
	{ "CSV: comma, LF, Windows-1252, generic type by name", "flag", "",
	    "Good-Faith: yes\n",
	    0, 0, { { "Flags.CSV", "application/octet-stream",
	    "url,ground,language,explanation,country\n"
	    "https://a.example/1,\"racism, gender\",de,\"F\xfcr \x84" "alle\x93\",\"DE, AT\"\n" },
	    { NULL, NULL, NULL } },
	    "R CSV 'Flags.CSV' row 2 {\"country\":[\"DE\",\"AT\"],"
	    "\"explanation\":\"F\xc3\xbcr \xe2\x80\x9e" "alle\xe2\x80\x9c\","
	    "\"good_faith\":\"yes\",\"ground\":[\"racism\",\"gender\"],"
	    "\"language\":\"de\",\"url\":\"https://a.example/1\",\"url_norm\":"
	    "\"https://a.example/1\"}\n"
	    "rejected=0" },
	{ "CSV: tab-separated, empty cells take the form's values", "flag",
	    "", "Ground: gender\nLanguage: fr\n",
	    STANDING, 0, { { "t.tsv.csv", "text/csv",
	    "url\tground\tlanguage\texplanation\n"
	    "https://a.example/1\t\tde\te\n"
	    "  https://a.example/2 \tracism\t\tf\n" },
	    { NULL, NULL, NULL } },
	    "R CSV 't.tsv.csv' row 2 {\"explanation\":\"e\",\"good_faith\""
	    ":\"standing declaration\",\"ground\":[\"gender\"],\"language"
	    "\":\"de\",\"url\":\"https://a.example/1\",\"url_norm\":\"htt"
	    "ps://a.example/1\"}\n"
	    "R CSV 't.tsv.csv' row 3 {\"explanation\":\"f\",\"good_faith\""
	    ":\"standing declaration\",\"ground\":[\"racism\"],\"language"
	    "\":\"fr\",\"url\":\"https://a.example/2\",\"url_norm\":\"htt"
	    "ps://a.example/2\"}\n"
	    "rejected=0" },
	{ "CSV: unknown, nameless and foreign columns reject the file",
	    "flag", "", "Good-Faith: yes\n",
	    0, 0, { { "data.csv", "application/vnd.ms-excel",
	    "url,ground,notes,risk,,\n"
	    "https://a.example/1,racism,n,high,,\n"
	    "https://a.example/2,racism,,,,x\n" },
	    { NULL, NULL, NULL } },
	    "P CSV 'data.csv' row 1: Column 'notes' is not a field; name the "
	    "columns after the fields: url, ground, language, country, "
	    "platform, legal_basis, explanation, severity, content_date, "
	    "good_faith, channel, reference\n"
	    "P CSV 'data.csv': Column F has values but no name in row 1; name "
	    "it after a field (url, ground, language, country, platform, "
	    "legal_basis, explanation, severity, content_date, good_faith, "
	    "channel, reference) or remove it\n"
	    "P CSV 'data.csv': Risk: not a field of a flag; remove the column "
	    "or name it after a field: url, ground, language, country, "
	    "platform, legal_basis, explanation, severity, content_date, "
	    "good_faith, channel, reference\n"
	    "P CSV 'data.csv': Language: missing; give the language as an ISO "
	    "639-1 code or its English name, e.g. 'Language: de' (in a column "
	    "'language' of 'data.csv', or in a line 'Language:' of the mail "
	    "for every row)\n"
	    "P CSV 'data.csv': Explanation: missing; say why the content is "
	    "illegal (in a column 'explanation' of 'data.csv', or in a line "
	    "'Explanation:' of the mail for every row)\n"
	    "rejected=2" },
	{ "CSV: no url column", "flag", "",
	    "Ground: racism\nLanguage: de\nExplanation: e\nGood-Faith: yes\n",
	    0, 0, { { "x.csv", "text/csv", "link\thint\nhttps://a.example/1\tq\n" },
	    { NULL, NULL, NULL } },
	    "P CSV 'x.csv' row 1: Column 'link' is not a field; name the "
	    "columns after the fields: url, ground, language, country, "
	    "platform, legal_basis, explanation, severity, content_date, "
	    "good_faith, channel, reference\n"
	    "P CSV 'x.csv' row 1: Column 'hint' is not a field; name the "
	    "columns after the fields: url, ground, language, country, "
	    "platform, legal_basis, explanation, severity, content_date, "
	    "good_faith, channel, reference\n"
	    "P CSV 'x.csv': URL: missing; give the address of the content in "
	    "a column 'url' of 'x.csv'\n"
	    "rejected=1" },
	{ "CSV: empty, and header only", "flag", "", FLAG_OK,
	    0, 0, { { "a.csv", "text/csv", "" },
	    { "b.csv", "text/csv", "url,ground\r\n\r\n" } },
	    "P CSV 'a.csv': 'a.csv' is empty; its first row names the fields "
	    "(url, ground, language, country, platform, legal_basis, "
	    "explanation, severity, content_date, good_faith, channel, "
	    "reference) and each row after it makes one flag\n"
	    "P CSV 'b.csv': 'b.csv' has no rows under its header; each row "
	    "after the first makes one flag\n"
	    "R - {\"country\":[\"DE\"],\"explanation\":\"e\",\"good_faith\":"
	    "\"yes\",\"ground\":[\"antisemitism\"],\"language\":\"de\","
	    "\"url\":\"https://www.youtube.com/watch?v=abc123\",\"url_norm\":"
	    "\"https://www.youtube.com/watch?v=abc123\"}\n"
	    "rejected=0" },
	{ "CSV: UTF-16 and binary", "flag", "", "",
	    0, 0, { { "u.csv", "text/csv", "\xff\xfeu\0r\0l\0" },
	    { "", "text/csv", "\x01\x02" } },
	    "P -: URL: missing; give the address of the content\n"
	    "P -: Ground: missing; name the ground of hatred, e.g. 'Ground: "
	    "antisemitism'\n"
	    "P -: Language: missing; give the language as an ISO 639-1 code "
	    "or its English name, e.g. 'Language: de'\n"
	    "P -: Explanation: missing; say why the content is illegal\n"
	    "P -: Good-Faith: missing; write 'Good-Faith: yes' to confirm that "
	    "you believe the notice to be accurate and complete\n"
	    "P CSV 'u.csv': 'u.csv' is UTF-16 text; save it as UTF-8 (in "
	    "Excel: \"CSV UTF-8\")\n"
	    "P CSV attachment 2: attachment 2 is not a text file; attach the "
	    "data as CSV (UTF-8) or JSON\n"
	    "rejected=1" },
	{ "JSON: an array of objects, every kind of value", "flag", "",
	    "Language: de\nExplanation: e\nGood-Faith: yes\n",
	    0, 0, { { "", "application/json",
	    "[{\"url\":\"https://youtu.be/9\",\"ground\":[\"racism\",\"gender\"],"
	    "\"Legal-Basis\":\"x\",\"good_faith\":true,\"n\":1},"
	    "{\"url\":[\"https://a.example/1\",\"https://a.example/2\"],"
	    "\"language\":\"fr\",\"ground\":\"Racism, gender\","
	    "\"content_date\":\"2026-11-28\",\"reference\":42},"
	    "\"str\","
	    "{\"url\":\"https://a.example/3\",\"ground\":{\"a\":1}},"
	    "{},"
	    "{\"url\":\"https://a.example/4\",\"language\":null},"
	    "{\"url\":\"https://a.example/5\",\"ground\":[\"racism\",[1]]},"
	    "{\"url\":\"https://a.example/6\",\"ground\":\"racism\","
	    "\"risk\":\"high\"}]" },
	    { NULL, NULL, NULL } },
	    "P JSON attachment 1 index 0: Key 'n' is not a field; the keys "
	    "are the field names: url, ground, language, country, platform, "
	    "legal_basis, explanation, severity, content_date, good_faith, "
	    "channel, reference\n"
	    "P JSON attachment 1 index 2: Index 2 is a string, not an object "
	    "of fields; write {\"url\": \"https://...\", \"ground\": \"...\", "
	    "...}\n"
	    "P JSON attachment 1 index 3: Ground: an object is not a value; "
	    "write a string, or an array of strings for several values\n"
	    "P JSON attachment 1 index 4: Index 4 holds no field; write "
	    "{\"url\": \"https://...\", \"ground\": \"...\", ...}\n"
	    "P JSON attachment 1 index 5: Ground: missing; name the ground of "
	    "hatred, e.g. 'Ground: antisemitism'\n"
	    "P JSON attachment 1 index 6: Ground: element 1 of the array is "
	    "an array; write a string for each value\n"
	    "P JSON attachment 1 index 7: Risk: not a field of a flag; remove "
	    "it (a flag takes URL, Ground, Language, Country, Platform, "
	    "Legal-Basis, Explanation, Severity, Content-Date, Good-Faith, "
	    "Channel, Reference)\n"
	    "R JSON attachment 1 index 1 {\"content_date\":\"2026-11-28\","
	    "\"explanation\":\"e\",\"good_faith\":\"yes\",\"ground\":"
	    "[\"racism\",\"gender\"],\"language\":\"fr\",\"reference\":\"42\","
	    "\"url\":\"https://a.example/1\",\"url_norm\":"
	    "\"https://a.example/1\"}\n"
	    "R JSON attachment 1 index 1 {\"content_date\":\"2026-11-28\","
	    "\"explanation\":\"e\",\"good_faith\":\"yes\",\"ground\":"
	    "[\"racism\",\"gender\"],\"language\":\"fr\",\"reference\":\"42\","
	    "\"url\":\"https://a.example/2\",\"url_norm\":"
	    "\"https://a.example/2\"}\n"
	    "rejected=7" },
	{ "JSON: one object, by file name", "flag", "", "",
	    STANDING, 0, { { "one.json", "text/plain",
	    "\xef\xbb\xbf{\"URL\": \"https://a.example/x\", \"ground\": "
	    "\"religion\", \"language\": \"Dutch\", \"explanation\": "
	    "\"line 1\\nline 2\", \"country\": [\"NL\", \"BE\"]}" },
	    { NULL, NULL, NULL } },
	    "R JSON 'one.json' index 0 {\"country\":[\"NL\",\"BE\"],\"exp"
	    "lanation\":\"line 1\\nline 2\",\"good_faith\":\"standing dec"
	    "laration\",\"ground\":[\"religion\"],\"language\":\"nl\",\"u"
	    "rl\":\"https://a.example/x\",\"url_norm\":\"https://a.exampl"
	    "e/x\"}\n"
	    "rejected=0" },
	{ "JSON: not JSON, not objects, empty", "flag", "", FLAG_OK,
	    0, 0, { { "bad.json", "application/json", "{\"url\": " },
	    { "n.json", "application/json", "42" } },
	    "P JSON 'bad.json': 'bad.json' is not valid JSON: unexpected "
	    "token near end of file (line 1, column 8)\n"
	    "P JSON 'n.json': 'n.json' holds a number; it must hold an object "
	    "of fields or an array of such objects\n"
	    "R - {\"country\":[\"DE\"],\"explanation\":\"e\",\"good_faith\":"
	    "\"yes\",\"ground\":[\"antisemitism\"],\"language\":\"de\","
	    "\"url\":\"https://www.youtube.com/watch?v=abc123\",\"url_norm\":"
	    "\"https://www.youtube.com/watch?v=abc123\"}\n"
	    "rejected=0" },
	{ "data rows past the limit", "flag", "",
	    "Ground: racism\nLanguage: de\nExplanation: e\n",
	    STANDING, 2, { { "l.csv", "text/csv",
	    "url\nhttps://a.example/1\nhttps://a.example/2\n"
	    "https://a.example/3\nhttps://a.example/4\n" },
	    { NULL, NULL, NULL } },
	    "P -: the mail makes more than 2 records; at most 2 are taken"
	    " per mail\n"
	    "R CSV 'l.csv' row 2 {\"explanation\":\"e\",\"good_faith\":\""
	    "standing declaration\",\"ground\":[\"racism\"],\"language\":"
	    "\"de\",\"url\":\"https://a.example/1\",\"url_norm\":\"https:"
	    "//a.example/1\"}\n"
	    "R CSV 'l.csv' row 3 {\"explanation\":\"e\",\"good_faith\":\""
	    "standing declaration\",\"ground\":[\"racism\"],\"language\":"
	    "\"de\",\"url\":\"https://a.example/2\",\"url_norm\":\"https:"
	    "//a.example/2\"}\n"
	    "rejected=2" },
	{ "attachments that are not data are evidence", "flag", "", FLAG_OK,
	    0, 0, { { "shot.png", "image/png", "\x89PNG" },
	    { "notes.txt", "text/plain", "url\nhttps://x.example/\n" } },
	    "R - {\"country\":[\"DE\"],\"explanation\":\"e\",\"good_faith\":"
	    "\"yes\",\"ground\":[\"antisemitism\"],\"language\":\"de\","
	    "\"url\":\"https://www.youtube.com/watch?v=abc123\",\"url_norm\":"
	    "\"https://www.youtube.com/watch?v=abc123\"}\n"
	    "rejected=0" },
	{ "a type column must say flag", "flag", "", "",
	    STANDING, 0, { { "t.csv", "text/csv",
	    "type,url,ground,language,explanation\n"
	    "flag,https://a.example/1,racism,de,e\n"
	    "hub,https://a.example/2,racism,de,e\n" },
	    { NULL, NULL, NULL } },
	    "P CSV 't.csv' row 3: Type: 'hub' is not a flag; every row of a "
	    "data attachment is a flag: remove the type or write 'flag'\n"
	    "R CSV 't.csv' row 2 {\"explanation\":\"e\",\"good_faith\":"
	    "\"standing declaration\",\"ground\":[\"racism\"],"
	    "\"language\":\"de\",\"url\":\"https://a.example/1\",\"url_norm\":"
	    "\"https://a.example/1\"}\n"
	    "rejected=1" },

	/* ---------------------------------------------------- early warning */
	{ "early warning, every field", "early-warning", "",
	    "Event: Election day\nEvent type: election\n"
	    "Starts: 2026-11-28 18:00 CET\nEnds: 28.11.2026\n"
	    "Country: DE FR\nLanguages: de; French\n"
	    "Ground: racism, xenophobia\nPlatform: x, TikTok\nRisk: HIGH\n"
	    "Indicators: #wahl, @account\nIndicators: #vote\n"
	    "URL: https://example.org/a, https://example.org/b\n"
	    "Description: Expect a wave.\n\nSecond paragraph.\n"
	    "Reference: EW-7\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "R - {\"country\":[\"DE\",\"FR\"],\"description\":\"Expect a "
	    "wave.\\n\\nSecond paragraph.\",\"ends\":\"2026-11-28\","
	    "\"event\":\"Election day\",\"event_type\":\"election\","
	    "\"ground\":[\"racism\",\"xenophobia\"],\"indicators\":"
	    "[\"#wahl\",\"@account\",\"#vote\"],\"language\":[\"de\",\"fr\"],"
	    "\"platform\":[\"x\",\"tiktok\"],\"reference\":\"EW-7\","
	    "\"risk\":\"high\",\"starts\":\"2026-11-28T17:00Z\",\"url\":"
	    "[\"https://example.org/a\",\"https://example.org/b\"]}\n"
	    "rejected=0" },
	{ "early warning, lists with one value are lists", "ew", "", EW_OK,
	    0, 0, { { NULL, NULL, NULL } },
	    "R - {\"country\":[\"DE\"],\"description\":\"d\",\"event\":"
	    "\"Election day\",\"ground\":[\"racism\"],\"risk\":\"high\","
	    "\"starts\":\"2026-11-28\"}\n"
	    "rejected=0" },
	{ "early warning, ends before it starts", "ew", "",
	    "Event: E\nStarts: 2026-11-28T10:00+02:00\nEnds: 2026-11-27\n"
	    "Country: EU\nGround: gender\nRisk: extreme\nDescription: d\n"
	    "URL: example.org\nEvent-Type: Pride\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "P -: Risk: 'extreme' is not a risk level; the risk levels are: "
	    "low, medium, high, critical\n"
	    "P -: URL: 'example.org' is not an absolute http or https "
	    "address; did you mean 'https://example.org'?\n"
	    "P -: Event-Type: 'Pride' is not an event type; the event types "
	    "are: election, commemoration, religious-holiday, sports-event, "
	    "demonstration, attack, court-ruling, legislative-debate, "
	    "armed-conflict, pride-event, other\n"
	    "P -: Ends: '2026-11-27' is before Starts ('2026-11-28T10:00+02:00'); "
	    "an event cannot end before it starts\n"
	    "rejected=1" },
	{ "early warning, the same day is not before", "ew", "",
	    EW_OK "Ends: 2026-11-28 09:00\nStarts: 2026-11-28\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "R - {\"country\":[\"DE\"],\"description\":\"d\",\"ends\":"
	    "\"2026-11-28T09:00\",\"event\":\"Election day\",\"ground\":"
	    "[\"racism\"],\"risk\":\"high\",\"starts\":\"2026-11-28\"}\n"
	    "rejected=0" },
	{ "early warning, nothing given", "ew", "", "Type: ew\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "P -: Event: missing; give a short title of the event\n"
	    "P -: Starts: missing; give the day the event starts, e.g. "
	    "'Starts: 2026-11-28' or 'Starts: 2026-11-28 18:00 CET'\n"
	    "P -: Ground: missing; name the ground of hatred, e.g. 'Ground: "
	    "antisemitism'\n"
	    "P -: Country: missing; name the member states concerned as ISO "
	    "3166-1 codes, e.g. 'Country: DE, AT' (EU for all)\n"
	    "P -: Risk: missing; write low, medium, high or critical\n"
	    "P -: Description: missing; say what is expected and why\n"
	    "rejected=1" },
	{ "early warning, a flag's field", "ew", "",
	    EW_OK "Explanation: why\nGood-Faith: yes\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "P -: Explanation: not a field of an early warning; remove it (an "
	    "early warning takes URL, Event, Event-Type, Starts, Ends, Ground, "
	    "Language, Country, Platform, Risk, Indicators, Description, "
	    "Reference)\n"
	    "P -: Good-Faith: not a field of an early warning; remove it (an "
	    "early warning takes URL, Event, Event-Type, Starts, Ends, Ground, "
	    "Language, Country, Platform, Risk, Indicators, Description, "
	    "Reference)\n"
	    "rejected=1" },

	/* -------------------------------------------------------------- hub */
	{ "hub, defaults for access and licence", "hub", "", HUB_OK,
	    LICENCE, 0, { { NULL, NULL, NULL } },
	    "R - {\"access\":\"signatories\",\"category\":\"research\","
	    "\"language\":\"en\",\"licence\":\"CC-BY-4.0\",\"summary\":\"S\","
	    "\"title\":\"T\"}\n"
	    "rejected=0" },
	{ "hub, no default licence", "hub", "", HUB_OK "URL: https://h.example/r\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "R - {\"access\":\"signatories\",\"category\":\"research\","
	    "\"language\":\"en\",\"summary\":\"S\",\"title\":\"T\",\"url\":"
	    "[\"https://h.example/r\"]}\n"
	    "rejected=0" },
	{ "hub, a transparency report with its period", "hub", "",
	    "Category: Transparency report\nTitle: Report H1\n"
	    "Summary: What we found.\nLanguage: English\n"
	    "Period-Start: 2026-01-01\nPeriod End: 30/06/2026\n"
	    "Access: Public\nLicense: CC0-1.0\nCountry: EU\n"
	    "Ground: other\nPlatform: facebook\n",
	    LICENCE, 0, { { NULL, NULL, NULL } },
	    "R - {\"access\":\"public\",\"category\":\"transparency-report\","
	    "\"country\":[\"EU\"],\"ground\":[\"other\"],\"language\":\"en\","
	    "\"licence\":\"CC0-1.0\",\"period_end\":\"2026-06-30\","
	    "\"period_start\":\"2026-01-01\",\"platform\":[\"facebook\"],"
	    "\"summary\":\"What we found.\",\"title\":\"Report H1\"}\n"
	    "rejected=0" },
	{ "hub, a monitoring result needs its period", "hub", "",
	    "Category: monitoring result\nTitle: x\nSummary: s\n"
	    "Language: english\nAccess: everyone\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "P -: Access: 'everyone' is not an access level; the access levels "
	    "are: public, signatories, commission\n"
	    "P -: Period-Start: missing; a monitoring-result covers a period: "
	    "give its first day, e.g. 'Period-Start: 2026-01-01'\n"
	    "P -: Period-End: missing; a monitoring-result covers a period: "
	    "give its last day, e.g. 'Period-End: 2026-06-30'\n"
	    "rejected=1" },
	{ "hub, the period ends before it starts", "hub", "",
	    HUB_OK "Period-Start: 1 July 2026\nPeriod-End: 2026-06-30\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "P -: Period-End: '2026-06-30' is before Period-Start ('1 July "
	    "2026'); a period cannot end before it starts\n"
	    "rejected=1" },
	{ "hub, nothing given and a category typo", "hub", "",
	    "Category: reserch\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "P -: Category: 'reserch' is not a hub category; did you mean "
	    "'research'?\n"
	    "P -: Title: missing; give the title of the material\n"
	    "P -: Language: missing; give the language as an ISO 639-1 code "
	    "or its English name, e.g. 'Language: de'\n"
	    "P -: Summary: missing; summarise the material in a few lines\n"
	    "rejected=1" },
	{ "hub, CSV data files are not rows", "hub", "", HUB_OK,
	    0, 0, { { "data.csv", "text/csv", "url\nnot a url\n" },
	    { NULL, NULL, NULL } },
	    "R - {\"access\":\"signatories\",\"category\":\"research\","
	    "\"language\":\"en\",\"summary\":\"S\",\"title\":\"T\"}\n"
	    "rejected=0" },

	/* ---------------------------------------------------------- outcome */
	{ "outcome, references from the subject and the form", "outcome",
	    "Re: [FLG-2026-000123] videos [flg-2026-9]",
	    "Status: Geo blocked\nComment: We restricted it\nin Germany.\n"
	    "Reference: FLG-2026-000124, flg-2026-000123\n"
	    "References: [FLG-2026-000125] FLG-2026-000126\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "R - {\"comment\":\"We restricted it\\nin Germany.\",\"decided\":"
	    "\"2026-11-18T11:06:40Z\",\"status\":\"geo-blocked\",\"targets\":"
	    "[\"FLG-2026-000123\",\"FLG-2026-9\",\"FLG-2026-000124\","
	    "\"FLG-2026-000125\",\"FLG-2026-000126\"]}\n"
	    "rejected=0" },
	{ "outcome, a decision time given", "outcome", "[FLG-2026-000001]",
	    "Status: removed\nDecided: 2026-12-01 09:30 CET\nPlatform: x\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "R - {\"decided\":\"2026-12-01T08:30Z\",\"platform\":[\"x\"],"
	    "\"status\":\"removed\",\"targets\":[\"FLG-2026-000001\"]}\n"
	    "rejected=0" },
	{ "outcome, bad status and reference", "outcome", "Re: videos",
	    "Status: done\nReference: FLG-2026-00012x, TICKET-5\n"
	    "Decided: yesterday\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "P -: Status: 'done' is not an outcome status; the statuses are: "
	    "received, removed, disabled, geo-blocked, restricted, no-action, "
	    "not-illegal, need-info\n"
	    "P -: Reference: 'FLG-2026-00012x' is not the reference of a flag; "
	    "write it as FLG-2026-000123\n"
	    "P -: Decided: 'yesterday' is not a date; write YYYY-MM-DD (also "
	    "DD.MM.YYYY, DD/MM/YYYY or 28 November 2026), optionally with "
	    "HH:MM and a zone\n"
	    "rejected=1" },
	{ "outcome, no reference anywhere", "outcome", "Re: videos",
	    "Status: removed\nStatus: need info\nURL: https://a.example/\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "P -: Status: given twice ('removed' and 'need info'); give one "
	    "value\n"
	    "P -: URL: not a field of an outcome; remove it (an outcome takes "
	    "Status, Decided, Platform, Comment, Reference)\n"
	    "P -: Reference: missing; give the reference of the flag this "
	    "answers (FLG-2026-000123) in the Subject, as [FLG-2026-000123], "
	    "or in a Reference: line\n"
	    "rejected=1" },
	{ "outcome, status missing", "outcome", "[FLG-2026-000001]",
	    "Comment: thanks\n",
	    0, 0, { { NULL, NULL, NULL } },
	    "P -: Status: missing; write one of received, removed, disabled, "
	    "geo-blocked, restricted, no-action, not-illegal, need-info\n"
	    "rejected=1" },

	/* ------------------------------------------------------------ none */
	{ "no kind", "none", "", FLAG_OK,
	    0, 0, { { NULL, NULL, NULL } },
	    "P -: the mail says no kind of record; write 'Type: flag' (or "
	    "early-warning, hub, outcome)\n"
	    "rejected=0" },
};

static void
test_cases(void)
{
	struct validation *v;
	char *got;
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		v = run(&cases[i]);
		got = dump(v);
		is_str(got, cases[i].want, "%s", cases[i].what);
		free(got);
		validation_free(&v);
		ok(v == NULL, "validation_free NULLs the pointer");
	}
	validation_free(NULL);
}

/* the members of problems and records, beyond the texts */
static void
test_members(void)
{
	struct vcase c;
	struct validation *v;
	const struct record *r;

	memset(&c, 0, sizeof(c));
	c.kind = "flag";
	c.text = "URL: https://youtu.be/1\nURL: nope\nGround: racsim\n"
	    "Language: de\nExplanation: e\nGood-Faith: yes\n";
	v = run(&c);
	is_int((long long)v->nprob, 2, "two problems");
	is_str(v->prob[0].field, "url", "problem field");
	is_str(v->prob[0].value, "nope", "problem value as typed");
	is_str(v->prob[0].where, "URL 2", "problem where");
	is_str(v->prob[1].field, "ground", "problem field ground");
	is_str(v->prob[1].value, "racsim", "problem value ground");
	ok(v->prob[1].where == NULL, "a form problem has no where");
	is_int(v->kind, KIND_FLAG, "validation kind");
	validation_free(&v);

	c.text = FLAG_OK;
	v = run(&c);
	is_int((long long)v->nrec, 1, "one record");
	r = &v->rec[0];
	is_int(r->kind, KIND_FLAG, "record kind");
	is_str(record_get(r, "url"), "https://www.youtube.com/watch?v=abc123",
	    "record_get url of a flag");
	is_str(record_get(r, "ground"), "antisemitism", "record_get ground");
	is_str(record_get(r, "language"), "de", "record_get language");
	ok(record_get(r, "severity") == NULL, "record_get absent");
	ok(record_get(r, "type") == NULL, "the type is not a field");
	ok(record_get(NULL, "url") == NULL, "record_get(NULL)");
	ok(r->where == NULL, "a form record has no where");
	ok(r->targets == NULL && r->ntargets == 0, "a flag has no targets");
	validation_free(&v);

	c.kind = "outcome";
	c.subject = "Re: [FLG-2026-000123]";
	c.text = "Status: removed\n";
	v = run(&c);
	is_int((long long)v->nrec, 1, "one outcome");
	r = &v->rec[0];
	is_int((long long)r->ntargets, 1, "one target");
	is_str(r->targets[0], "FLG-2026-000123", "target");
	ok(r->url == NULL && r->url_norm == NULL, "an outcome has no url");
	is_str(record_get(r, "decided"), "2026-11-18T11:06:40Z",
	    "decided from the mail's date");
	validation_free(&v);

	/* no context, no form, no message */
	v = validate_mail(NULL, KIND_HUB, NULL, NULL, NULL);
	is_int((long long)v->nrec, 0, "hub without form: no record");
	is_int((long long)v->rejected, 1, "hub without form: rejected");
	ok(v->nprob == 4, "hub without form: four problems");
	validation_free(&v);
}

static void
test_dates(void)
{
	static const struct {
		const char *in;
		const char *want;	/* NULL: not a date */
	} t[] = {
		{ "2026-11-28", "2026-11-28" },
		{ "2026-1-5", "2026-01-05" },
		{ "28.11.2026", "2026-11-28" },
		{ "1.2.2026", "2026-02-01" },
		{ "28/11/2026", "2026-11-28" },
		{ "28 November 2026", "2026-11-28" },
		{ "28 nov 2026", "2026-11-28" },
		{ "28. Nov. 2026", "2026-11-28" },
		{ "November 28, 2026", "2026-11-28" },
		{ "1 Sept 2026", "2026-09-01" },
		{ "29 February 2028", "2028-02-29" },
		{ "29.02.2000", "2000-02-29" },
		{ "2026-11-28 18:00", "2026-11-28T18:00" },
		{ "2026-11-28T18:00", "2026-11-28T18:00" },
		{ "2026-11-28 18:00:30", "2026-11-28T18:00:30" },
		{ "2026-11-28 18:00 CET", "2026-11-28T17:00Z" },
		{ "2026-11-28 18:00 CEST", "2026-11-28T16:00Z" },
		{ "2026-11-28 00:30 CET", "2026-11-27T23:30Z" },
		{ "2026-11-28T18:00Z", "2026-11-28T18:00Z" },
		{ "2026-11-28 18:00 +0100", "2026-11-28T17:00Z" },
		{ "2026-11-28 18:00 -05:00", "2026-11-28T23:00Z" },
		{ "2026-12-31 23:30 -01:00", "2027-01-01T00:30Z" },
		{ "28.11.2026 18:00 UTC", "2026-11-28T18:00Z" },
		{ "28.11.2026, 18:00", "2026-11-28T18:00" },
		{ "2026-11-28 18:00 UTC+2", "2026-11-28T16:00Z" },
		{ "2026-11-28 18:00 GMT", "2026-11-28T18:00Z" },
		{ "2026-11-28 9:05 EET", "2026-11-28T07:05Z" },
		{ "2026-07-01 12:00 EEST", "2026-07-01T09:00Z" },
		{ "2026-07-01 12:00 WEST", "2026-07-01T11:00Z" },
		{ "2026-11-28T18:00:00+01:00", "2026-11-28T17:00Z" },
		{ "2026-11-28T18:00:15+01:00", "2026-11-28T17:00:15Z" },
		{ "  2026-11-28  ", "2026-11-28" },
		{ "29 February 2026", NULL },
		{ "2026-13-01", NULL },
		{ "2026-00-10", NULL },
		{ "2026-04-31", NULL },
		{ "31.02.2026", NULL },
		{ "0.1.2026", NULL },
		{ "2026-11-28 24:00", NULL },
		{ "2026-11-28 18:60", NULL },
		{ "2026-11-28 18:00:60", NULL },
		{ "tomorrow", NULL },
		{ "11/28/2026", NULL },
		{ "2026-11-28 CET", NULL },
		{ "2026-11-28 18:00 XYZ", NULL },
		{ "2026-11-28 18:00 +15:00", NULL },
		{ "28 Novembr 2026", NULL },
		{ "2026-11-28T", NULL },
		{ "1899-01-01", NULL },
		{ "2026-11-28 18", NULL },
		{ "20261128", NULL },
		{ "28.11.26", NULL },
		{ "2026/11/28", NULL },
		{ "28.11-2026", NULL },
		{ "28 11 2026", NULL },
	};
	struct buf b = BUF_INIT(4096);
	struct form *f;
	struct validation *v;
	struct validate_ctx ctx;
	size_t i;

	memset(&ctx, 0, sizeof(ctx));
	ctx.mail_date = -1;
	for (i = 0; i < NELEM(t); i++) {
		buf_reset(&b);
		buf_printf(&b, "Event: e\nStarts: %s\nCountry: DE\n"
		    "Ground: racism\nRisk: low\nDescription: d\n", t[i].in);
		f = form_parse(buf_str(&b));
		v = validate_mail(f, KIND_EARLY_WARNING, "", NULL, &ctx);
		if (t[i].want != NULL)
			is_str(v->nrec == 1 ? record_get(&v->rec[0], "starts") :
			    v->prob[0].text, t[i].want, "date '%s'", t[i].in);
		else {
			buf_reset(&b);
			buf_printf(&b, "Starts: '%s' is not a date; write "
			    "YYYY-MM-DD (also DD.MM.YYYY, DD/MM/YYYY or 28 "
			    "November 2026), optionally with HH:MM and a zone",
			    t[i].in);
			is_str(v->nprob == 1 ? v->prob[0].text : "(no problem)",
			    buf_str(&b), "not a date '%s'", t[i].in);
		}
		validation_free(&v);
		form_free(&f);
	}
	buf_free(&b);

	/* the mail's date when Decided is absent; none when it is unknown */
	f = form_parse("Status: removed\n");
	v = validate_mail(f, KIND_OUTCOME, "[FLG-2026-1]", NULL, &ctx);
	ok(v->nrec == 1 && record_get(&v->rec[0], "decided") == NULL,
	    "no Decided without the mail's date");
	validation_free(&v);
	ctx.mail_date = 1798761600;	/* 2027-01-01T00:00:00Z */
	v = validate_mail(f, KIND_OUTCOME, "[FLG-2026-1]", NULL, &ctx);
	is_str(v->nrec == 1 ? record_get(&v->rec[0], "decided") : NULL,
	    "2027-01-01T00:00Z", "Decided from the mail's date");
	validation_free(&v);
	form_free(&f);
}

static void
test_lexicon(void)
{
	static const struct {
		const char *in;
		const char *want;
	} lang[] = {
		{ "de", "de" }, { "DE", "de" }, { "German", "de" },
		{ "german", "de" }, { "deu", "de" }, { "ger", "de" },
		{ "Modern Greek", "el" }, { "Greek", "el" }, { "el", "el" },
		{ "Spanish", "es" }, { "Castilian", "es" },
		{ "Norwegian Bokm\xc3\xa5l", "nb" }, { "Norwegian Bokmal", "nb" },
		{ "Scottish-Gaelic", "gd" }, { "scottish_gaelic", "gd" },
		{ "Slovene", "sl" }, { "Slovenian", "sl" }, { "Farsi", "fa" },
		{ "Klingon", NULL }, { "xx", NULL }, { "", NULL },
		{ "Ndebele", NULL },
	};
	static const struct {
		const char *in;
		const char *want;
	} country[] = {
		{ "DE", "DE" }, { "de", "DE" }, { "DEU", "DE" },
		{ "Germany", "DE" }, { "GERMANY", "DE" },
		{ "Federal Republic of Germany", "DE" },
		{ "EU", "EU" }, { "European Union", "EU" },
		{ "UK", "GB" }, { "United Kingdom", "GB" }, { "EL", "GR" },
		{ "Czechia", "CZ" }, { "Czech Republic", "CZ" },
		{ "T\xc3\xbcrkiye", "TR" }, { "Turkey", "TR" },
		{ "The Netherlands", "NL" }, { "Netherlands", "NL" },
		{ "Korea, Republic of", "KR" }, { "South Korea", "KR" },
		{ "Republic of Korea", "KR" }, { "Korea", NULL },
		{ "C\xc3\xb4te d'Ivoire", "CI" }, { "Cote d'Ivoire", "CI" },
		{ "Aland Islands", "AX" }, { "Bosnia and Herzegovina", "BA" },
		{ "Congo", "CG" }, { "XK", NULL }, { "Germania", NULL },
	};
	size_t i;

	for (i = 0; i < NELEM(lang); i++)
		is_str(lex_language(lang[i].in), lang[i].want,
		    "lex_language('%s')", lang[i].in);
	for (i = 0; i < NELEM(country); i++)
		is_str(lex_country(country[i].in), country[i].want,
		    "lex_country('%s')", country[i].in);
	is_str(lex_language_name("de"), "German", "lex_language_name");
	is_str(lex_language_name("el"), "Modern Greek", "lex_language_name el");
	ok(lex_language_name("xx") == NULL, "lex_language_name unknown");
	is_str(lex_country_name("DE"), "Germany", "lex_country_name");
	is_str(lex_country_name("EU"), "European Union", "lex_country_name EU");
	is_str(lex_language_nearest("Germna"), "de", "nearest language");
	is_str(lex_language_nearest("Polsih"), "pl", "nearest language 2");
	ok(lex_language_nearest("xy") == NULL, "no guess for short codes");
	is_str(lex_country_nearest("Germny"), "DE", "nearest country");
	is_str(lex_country_nearest("Frnace"), "FR", "nearest country 2");
	ok(lex_country_nearest("Atlantis") == NULL, "no near country");

	is_str(lex_match(&lex_ground, "Anti Muslim hatred"),
	    "anti-muslim-hatred", "lex_match spaces");
	is_str(lex_match(&lex_ground, "ANTI_MUSLIM__HATRED"),
	    "anti-muslim-hatred", "lex_match underscores");
	is_str(lex_match(&lex_ground, "antimuslimhatred"),
	    "anti-muslim-hatred", "lex_match without separators");
	is_str(lex_match(&lex_ground, " anti-semitism "), "antisemitism",
	    "lex_match anti-semitism");
	is_str(lex_match(&lex_status, "geoblocked"), "geo-blocked",
	    "lex_match geoblocked");
	is_str(lex_match(&lex_status, "No Action"), "no-action",
	    "lex_match no action");
	is_str(lex_match(&lex_kind, "Hub submission"), "hub",
	    "lex_match alias");
	ok(lex_match(&lex_ground, "") == NULL, "lex_match empty");
	ok(lex_match(&lex_ground, "anti") == NULL, "lex_match prefix");
	is_str(lex_nearest(lex_ground.values, lex_ground.n, "antisemitsm"),
	    "antisemitism", "nearest ground");
	is_str(lex_nearest(lex_ground.values, lex_ground.n, "sexual orientaton"),
	    "sexual-orientation", "nearest ground with a space");
	is_str(lex_nearest(lex_ground.values, lex_ground.n, "xenophbia"),
	    "xenophobia", "nearest ground 2");
	is_str(lex_nearest(lex_ground.values, lex_ground.n, "antisemtsim"),
	    "antisemitism", "three steps for a long word");
	ok(lex_nearest(lex_ground.values, lex_ground.n, "incitement") == NULL,
	    "no near ground");
	ok(lex_nearest(lex_risk.values, lex_risk.n, "lo") != NULL,
	    "a short value is near");
	ok(lex_nearest(lex_risk.values, lex_risk.n, "x") == NULL,
	    "but not everything is");
	is_str(lex_field_label("legal-basis"), "Legal-Basis", "label");
	is_str(lex_field_label("url"), "URL", "label url");
	is_str(lex_field_label("nope"), "nope", "label unknown");
}

/* a problem per bad row, at most 1000 and then a count */
static void
test_many(void)
{
	struct buf b = BUF_INIT(1 << 20);
	struct vcase c;
	struct validation *v;
	size_t i;

	buf_addstr(&b, "url,ground\n");
	for (i = 0; i < 1500; i++)
		buf_printf(&b, "https://a.example/%zu,nope\n", i);
	memset(&c, 0, sizeof(c));
	c.kind = "flag";
	c.text = "Language: de\nExplanation: e\nGood-Faith: yes\n";
	c.max = 5000;
	c.att[0].name = "big.csv";
	c.att[0].type = "text/csv";
	c.att[0].data = buf_str(&b);
	v = run(&c);
	is_int((long long)v->nprob, 1001, "problems are capped");
	is_str(v->prob[1000].text, "and 500 more problems like these",
	    "the rest are counted");
	is_str(v->prob[999].where, "CSV 'big.csv' row 1001", "last row kept");
	is_int((long long)v->rejected, 1500, "every row rejected");
	validation_free(&v);

	/* a big good CSV: duplicates found by hash */
	buf_reset(&b);
	buf_addstr(&b, "url;ground\n");
	for (i = 0; i < 3000; i++)
		buf_printf(&b, "https://a.example/%zu?utm_source=x;racism\n",
		    i % 2000);
	c.att[0].data = buf_str(&b);
	v = run(&c);
	is_int((long long)v->nrec, 2000, "duplicate rows make one flag");
	is_int((long long)v->nprob, 0, "no problem");
	is_str(v->rec[1999].url_norm, "https://a.example/1999", "last flag");
	validation_free(&v);
	buf_free(&b);
}

/* a typical flag mail of about 6 KB: timed, never failed on time */
static void
test_speed(void)
{
	struct buf b = BUF_INIT(1 << 20);
	struct validate_ctx ctx;
	struct timespec t0, t1;
	struct validation *v;
	struct form *f;
	size_t i, n = 2000;
	double us;

	buf_addstr(&b, "Hello team,\n\nplease find the videos below; they were "
	    "shared widely last week and we think they are clearly illegal.\n\n");
	for (i = 0; i < 8; i++)
		buf_printf(&b, "URL: https://www.youtube.com/watch?v=abc%zu"
		    "&utm_source=share&si=x%zu\n", i, i);
	buf_addstr(&b, "Ground: antisemitism, racism\nLanguage: German\n"
	    "Country: DE, AT\nLegal-Basis: \xc2\xa7" "130 StGB\n"
	    "Severity: incitement\nContent-Date: 28.11.2026\n"
	    "Platform: youtube\nReference: CSO-2026-0042\nExplanation: ");
	for (i = 0; i < 40; i++)
		buf_addstr(&b, "The speaker denies the Holocaust and calls for "
		    "violence against Jewish people in the comments.\n");
	buf_addstr(&b, "Good-Faith: yes\n\nBest regards,\nAnna\n-- \n"
	    "CSO Example, Warsaw\n\nOn Mon, 30 Nov 2026 at 10:00, Gateway "
	    "<flags@gateway.example.eu> wrote:\n> earlier\n");
	memset(&ctx, 0, sizeof(ctx));
	ctx.platforms = platforms;
	ctx.nplatforms = NELEM(platforms);
	ctx.max_records = 500;
	ctx.mail_date = -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		f = form_parse(buf_str(&b));
		v = validate_mail(f, KIND_FLAG, "[flag]", NULL, &ctx);
		if (i == 0)
			ok(v->nrec == 8 && v->nprob == 0,
			    "the timed mail makes 8 flags (%zu bytes)", b.len);
		validation_free(&v);
		form_free(&f);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
	    (double)(t1.tv_nsec - t0.tv_nsec)) / 1e3 / (double)n;
	printf("# form_parse + validate_mail: %.1f us per %zu-byte mail\n",
	    us, b.len);
	buf_free(&b);
}

/* the hand-written JSON encoder against jansson's reader */
static void
test_json_roundtrip(void)
{
	static char v1[] = "quote \" backslash \\ slash / tab \t nl \n cr \r "
	    "bell \a esc \x1b del \x7f \xc3\xa4\xe2\x82\xac\xf0\x9f\x98\x80";
	static char v2[] = "de", v3[] = "fr", v4[] = "FLG-2026-000001";
	static char u1[] = "https://x.com/a?b=\"c\"", u2[] = "https://x.com/a";
	char *vals1[] = { v1 }, *vals2[] = { v2, v3 }, *targets[] = { v4 };
	struct record_field f[2];
	struct record r;
	json_t *o, *a;
	json_error_t e;
	char *j;

	memset(&r, 0, sizeof(r));
	f[0].name = "explanation";
	f[0].v = vals1;
	f[0].n = 1;
	f[1].name = "country";
	f[1].v = vals2;
	f[1].n = 2;
	r.kind = KIND_FLAG;
	r.f = f;
	r.n = 2;
	r.url = u1;
	r.url_norm = u2;
	j = record_fields_json(&r);
	o = json_loads(j, 0, &e);
	ok(o != NULL, "jansson reads the JSON back: %s", o ? "" : e.text);
	is_str(json_string_value(json_object_get(o, "explanation")), v1,
	    "control characters, quotes and UTF-8 survive");
	a = json_object_get(o, "country");
	ok(json_is_array(a) && json_array_size(a) == 2 &&
	    strcmp(json_string_value(json_array_get(a, 1)), "fr") == 0,
	    "a list field is an array");
	is_str(json_string_value(json_object_get(o, "url")), u1, "url");
	json_decref(o);
	ok(strstr(j, "\"country\":[\"DE\"") == NULL &&
	    strncmp(j, "{\"country\":", 11) == 0, "keys are sorted: %s", j);
	free(j);

	r.kind = KIND_OUTCOME;
	r.n = 0;
	r.url = r.url_norm = NULL;
	r.targets = targets;
	r.ntargets = 1;
	j = record_fields_json(&r);
	is_str(j, "{\"targets\":[\"FLG-2026-000001\"]}", "an outcome's targets");
	free(j);
}

int
main(void)
{
	test_json_roundtrip();
	test_cases();
	test_members();
	test_dates();
	test_lexicon();
	test_many();
	test_speed();
	return tap_done();
}
