/* test-mime.c: gateway/mime.c, tables of mails and what must come out */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime.h"
#include "util.h"
#include "tap.h"

/* ----------------------------------------------------------- helpers */

/* LF to CRLF, the way mail arrives from IMAP */
static char *
crlf(const char *s)
{
	struct buf b = BUF_INIT(SIZE_MAX / 4);

	for (; *s != '\0'; s++) {
		if (*s == '\n')
			buf_addch(&b, '\r');
		buf_addch(&b, *s);
	}
	return buf_detach(&b, NULL);
}

static struct mime_msg *
parse_n(const char *raw, size_t len, const char *what)
{
	struct mime_msg *m = NULL;
	struct err e;
	int r;

	r = mime_parse(raw, len, NULL, &m, &e);
	if (!ok(r == 0 && m != NULL, "%s: parses", what))
		printf("# error: %s\n", e.msg);
	return m;
}

/* parses a mail written with LF line ends, sent as CRLF */
static struct mime_msg *
parse(const char *lf, const char *what)
{
	struct mime_msg *m;
	char *raw = crlf(lf);

	m = parse_n(raw, strlen(raw), what);
	free(raw);
	return m;
}

static bool
text_sane(const struct mime_msg *m)
{
	return m->text != NULL && utf8_valid(m->text, strlen(m->text)) &&
	    strchr(m->text, '\r') == NULL;
}

static bool
has_warning(const struct mime_msg *m, const char *w)
{
	size_t i;

	for (i = 0; i < m->nwarn; i++)
		if (strcmp(m->warnings[i], w) == 0)
			return true;
	return false;
}

static void
show_warnings(const struct mime_msg *m)
{
	size_t i;

	for (i = 0; i < m->nwarn; i++)
		printf("# warning: %s\n", m->warnings[i]);
}

/* ------------------------------------------------------- mime_to_utf8 */

static void
test_to_utf8(void)
{
	static const struct {
		const char *in;
		size_t len;
		const char *cs, *want;
	} t[] = {
		{ "caf\xe9", 4, "iso-8859-1", "caf\xc3\xa9" },
		{ "caf\xe9", 4, "ISO-8859-1", "caf\xc3\xa9" },
		{ "\x80\x92", 2, "windows-1252", "\xe2\x82\xac\xe2\x80\x99" },
		/* ISO-8859-1 is read as browsers do, as windows-1252 */
		{ "\x80", 1, "latin1", "\xe2\x82\xac" },
		{ "\xb1\xe6", 2, "iso-8859-2", "\xc4\x85\xc4\x87" },
		{ "\"utf-8\"", 0, "\"utf-8\"", "" },
		{ "\xff", 1, "utf-8", "\xef\xbf\xbd" },
		{ "a\0b", 3, "utf-8", "a\xef\xbf\xbd" "b" },
		{ "\x1b$B$3$s\x1b(B", 10, "iso-2022-jp",
		    "\xe3\x81\x93\xe3\x82\x93" },
		{ "+AOk-", 5, "utf-7", "\xc3\xa9" },
		{ "\xa4", 1, "ks_c_5601-1987", "\xef\xbf\xbd" },
		{ "abc", 3, "x-unknown-charset", NULL },
		{ "abc", 3, "UTF-8//TRANSLIT", NULL },
		{ "abc", 3, "", NULL },
		{ "abc", 3, NULL, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *got = mime_to_utf8(t[i].in, t[i].len, t[i].cs);

		is_str(got, t[i].want, "mime_to_utf8 %zu (%s)", i,
		    t[i].cs ? t[i].cs : "NULL");
		free(got);
	}
}

/* ------------------------------------------------ mime_flowed_decode */

static void
test_flowed(void)
{
	static const struct {
		const char *in;
		bool delsp;
		const char *want;
	} t[] = {
		{ "Hello \nworld\n", false, "Hello world\n" },
		{ "Hello \nworld\n", true, "Helloworld\n" },
		{ "URL: https://www.youtube.com/watch?v=a \nbc\n", true,
		    "URL: https://www.youtube.com/watch?v=abc\n" },
		{ "> quoted \n> text\n", false, "> quoted text\n" },
		{ ">> deep \n>> er\nplain\n", false, ">> deep er\nplain\n" },
		{ "a \n> b\n", false, "a \n> b\n" },
		{ " From here\n  two\n", false, "From here\n two\n" },
		{ "-- \nAnna\n", false, "-- \nAnna\n" },
		{ "fixed\nlines\n", false, "fixed\nlines\n" },
		{ "last \n", false, "last \n" },
		{ "no newline", false, "no newline" },
		{ "", false, "" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *got = mime_flowed_decode(t[i].in, t[i].delsp);

		is_str(got, t[i].want, "mime_flowed_decode %zu", i);
		free(got);
	}
}

/* ------------------------------------------------- mime_html_to_text */

static void
test_html(void)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ "<p>Hello</p><p>World</p>", "Hello\nWorld\n" },
		{ "a<br>b<br><br>c", "a\nb\n\nc\n" },
		{ "<div>URL:&nbsp;https://x.example/?a=1&amp;b=2</div>",
		    "URL: https://x.example/?a=1&b=2\n" },
		{ "<div>&nbsp; continued</div>", "  continued\n" },
		{ "<head><title>T</title></head><script>evil()</script>"
		    "<style>p{}</style>text", "text\n" },
		{ "<blockquote>quoted<br>more</blockquote>after",
		    "> quoted\n> more\nafter\n" },
		{ "<p>Hi</p><blockquote type=cite><div>On Friday Bob wrote:"
		    "</div><blockquote>deeper</blockquote></blockquote>",
		    "Hi\n> On Friday Bob wrote:\n>> deeper\n" },
		{ "  lots   of\n\n spaces  ", "lots of spaces\n" },
		{ "<ul><li>one</li><li>two</li></ul>", "- one\n- two\n" },
		{ "<table><tr><td>URL:</td><td>https://a.example</td></tr>"
		    "<tr><td>Ground:</td><td>racism</td></tr></table>",
		    "URL: https://a.example\nGround: racism\n" },
		{ "<a href=\"https://v.example/1\">this video</a>",
		    "this video <https://v.example/1>\n" },
		{ "<a href=\"https://v.example/1\">https://v.example/1</a>",
		    "https://v.example/1\n" },
		{ "<a href=\"javascript:x()\">click</a>", "click\n" },
		{ "<pre>a  b\n  c</pre>", "a  b\n  c\n" },
		{ "<h1>Title</h1>text", "Title\ntext\n" },
		{ "anti&shy;semitism &lt;b&gt; &#x41;&#66; &euro;",
		    "antisemitism <b> AB \xe2\x82\xac\n" },
		{ "caf\xc3\xa9 \xe2\x80\x93 ok", "caf\xc3\xa9 \xe2\x80\x93 ok\n" },
		{ "", "" },
		{ "<br><br>", "" },
	};
	struct buf deep = BUF_INIT(1 << 20);
	size_t i;
	char *got;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		got = mime_html_to_text(t[i].in, strlen(t[i].in));
		is_str(got, t[i].want, "mime_html_to_text %zu", i);
		free(got);
	}
	/* too deep for gumbo: the tags are stripped instead */
	for (i = 0; i < 5000; i++)
		buf_addstr(&deep, "<div>");
	buf_addstr(&deep, "URL: x&amp;y<br>Ground: racism");
	got = mime_html_to_text(deep.data, deep.len);
	is_str(got, "URL: x&y\nGround: racism\n", "mime_html_to_text, "
	    "5000 nested divs");
	free(got);
	buf_free(&deep);
	/* invalid UTF-8 going in still makes valid UTF-8 */
	got = mime_html_to_text("a\xff<b>b</b>", 9);
	is_str(got, "a\xef\xbf\xbd" "b\n", "mime_html_to_text, invalid UTF-8");
	free(got);
}

/* ---------------------------------------------------- client mails */

static const char outlook[] =
    "From: \"Kowalska, Anna\" <Anna@CSO.Example.org>\n"
    "To: Flags <flags@gateway.example.eu>\n"
    "Cc: bob@cso.example.org, \"Eve\" <EVE@cso.example.org>,\n"
    "  flags@gateway.example.eu\n"
    "Subject: [flag] =?windows-1252?Q?antisemitische_Videos_=96_zwei_F=E4lle?=\n"
    "Date: Sat, 28 Nov 2026 09:59:58 +0000\n"
    "Message-ID: <AM0PR01MB1234@eurprd01.prod.outlook.com>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/alternative;\n"
    "\tboundary=\"_000_AM0PR_\"\n"
    "\n"
    "--_000_AM0PR_\n"
    "Content-Type: text/plain; charset=\"windows-1252\"\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "Bitte pr=FCfen Sie die F=E4lle =96 danke. Preis: 5 =80=92s\n"
    "URL: https://www.youtube.com/watch?v=3Dabc\n"
    "Explanation: a long line that is wrapped by the soft line brea=\n"
    "k here   \n"
    "\n"
    "--_000_AM0PR_\n"
    "Content-Type: text/html; charset=\"windows-1252\"\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "<html><body><p>Bitte pr=FCfen</p></body></html>\n"
    "\n"
    "--_000_AM0PR_--\n";

static const char outlook_text[] =
    "Bitte pr\xc3\xbc" "fen Sie die F\xc3\xa4lle \xe2\x80\x93 danke. "
    "Preis: 5 \xe2\x82\xac\xe2\x80\x99s\n"
    "URL: https://www.youtube.com/watch?v=abc\n"
    "Explanation: a long line that is wrapped by the soft line break here\n";

static void
test_outlook(void)
{
	struct mime_msg *m;

	if ((m = parse(outlook, "outlook")) == NULL)
		return;
	is_str(m->subject, "[flag] antisemitische Videos \xe2\x80\x93 zwei "
	    "F\xc3\xa4lle", "outlook: subject decoded from windows-1252");
	is_str(m->from_addr, "anna@cso.example.org", "outlook: from_addr "
	    "lower case");
	is_str(m->from_name, "Kowalska, Anna", "outlook: from_name");
	is_str(m->message_id, "AM0PR01MB1234@eurprd01.prod.outlook.com",
	    "outlook: message_id without <>");
	is_int(m->date, 1795859998, "outlook: date");
	is_int((long long)m->nrcpt, 3, "outlook: three recipients (one twice)");
	if (m->nrcpt == 3) {
		is_str(m->rcpt[0], "flags@gateway.example.eu", "outlook: rcpt 0");
		is_str(m->rcpt[1], "bob@cso.example.org", "outlook: rcpt 1");
		is_str(m->rcpt[2], "eve@cso.example.org", "outlook: rcpt 2");
	}
	is_str(m->text, outlook_text, "outlook: text (windows-1252 QP)");
	ok(!m->text_from_html, "outlook: text from the plain part");
	is_int((long long)m->natt, 0, "outlook: the HTML twin is not an "
	    "attachment");
	is_int((long long)m->nwarn, 0, "outlook: no warnings");
	is_int((long long)m->nhdr, 8, "outlook: 8 header fields");
	if (m->nhdr == 8) {
		is_str(m->hdr[2].name, "Cc", "outlook: header name as written");
		is_str(m->hdr[2].value, "bob@cso.example.org, \"Eve\" "
		    "<EVE@cso.example.org>,  flags@gateway.example.eu",
		    "outlook: folded header unfolded");
		is_str(m->hdr[7].value, "multipart/alternative;\tboundary="
		    "\"_000_AM0PR_\"", "outlook: Content-Type unfolded");
	}
	is_str(mime_header_get(m, "message-id"),
	    "<AM0PR01MB1234@eurprd01.prod.outlook.com>",
	    "outlook: mime_header_get ignores case");
	is_str(mime_header_get(m, "X-Missing"), NULL,
	    "outlook: mime_header_get, a missing field");
	ok(!m->is_report, "outlook: not a report");
	mime_msg_free(&m);
	ok(m == NULL, "mime_msg_free NULLs the pointer");
	mime_msg_free(&m);
	mime_msg_free(NULL);
	ok(1, "mime_msg_free takes NULL");
}

static void
test_lf_and_mixed(void)
{
	struct mime_msg *m;
	char *mixed, *p;
	size_t i, n = 0;

	/* bare LF, as a file on disk */
	m = parse_n(outlook, strlen(outlook), "bare LF");
	if (m != NULL) {
		is_str(m->text, outlook_text, "bare LF: same text");
		is_str(m->subject, "[flag] antisemitische Videos \xe2\x80\x93 "
		    "zwei F\xc3\xa4lle", "bare LF: same subject");
		is_int((long long)m->natt, 0, "bare LF: no attachments");
		mime_msg_free(&m);
	}
	/* every other line CRLF */
	mixed = xmalloc(2 * sizeof(outlook));
	for (i = 0, p = mixed; outlook[i] != '\0'; i++) {
		if (outlook[i] == '\n' && n++ % 2 == 0)
			*p++ = '\r';
		*p++ = outlook[i];
	}
	*p = '\0';
	m = parse_n(mixed, strlen(mixed), "CRLF and LF mixed");
	if (m != NULL) {
		is_str(m->text, outlook_text, "mixed line ends: same text");
		is_int((long long)m->natt, 0, "mixed line ends: no attachments");
		mime_msg_free(&m);
	}
	/* CR alone (old Mac) and CR CR LF */
	for (p = mixed, i = 0; outlook[i] != '\0'; i++)
		*p++ = outlook[i] == '\n' ? '\r' : outlook[i];
	*p = '\0';
	m = parse_n(mixed, strlen(mixed), "CR line ends");
	if (m != NULL) {
		is_str(m->text, outlook_text, "CR line ends: same text");
		mime_msg_free(&m);
	}
	for (p = mixed, i = 0; outlook[i] != '\0'; i++) {
		if (outlook[i] == '\n') {
			*p++ = '\r';
			*p++ = '\r';
		}
		*p++ = outlook[i];
	}
	*p = '\0';
	m = parse_n(mixed, strlen(mixed), "CR CR LF line ends");
	if (m != NULL) {
		is_str(m->text, outlook_text, "CR CR LF line ends: same text");
		mime_msg_free(&m);
	}
	free(mixed);
}

static void
test_gmail(void)
{
	struct mime_msg *m;

	m = parse(
	    "From: Anna Kowalska <anna@cso.example.org>\n"
	    "Date: Sat, 28 Nov 2026 10:00:00 +0100\n"
	    "Message-ID: <CAF=abc@mail.gmail.com>\n"
	    "Subject: =?UTF-8?B?W2ZsYWddIMWBw7Nkxbog4oCTIHRlc3Q=?=\n"
	    "To: flags@gateway.example.eu\n"
	    "Content-Type: multipart/alternative; boundary=\"0000a1b2\"\n"
	    "\n"
	    "--0000a1b2\n"
	    "Content-Type: text/plain; charset=\"UTF-8\"\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "R3LDvMOfZSDigJMgWmHFvMOzxYLEhyBnxJnFm2zEhSBqYcW6xYQKVVJMOiBodHRw\n"
	    "czovL3d3dy55b3V0dWJlLmNvbS93YXRjaD92PWFiYwo=\n"
	    "--0000a1b2\n"
	    "Content-Type: text/html; charset=\"UTF-8\"\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "PGRpdj5HcsO8w59lPC9kaXY+\n"
	    "--0000a1b2--\n", "gmail");
	if (m == NULL)
		return;
	is_str(m->subject, "[flag] \xc5\x81\xc3\xb3" "d\xc5\xba \xe2\x80\x93 "
	    "test", "gmail: base64 subject");
	is_str(m->text, "Gr\xc3\xbc\xc3\x9f" "e \xe2\x80\x93 Za\xc5\xbc\xc3\xb3"
	    "\xc5\x82\xc4\x87 g\xc4\x99\xc5\x9bl\xc4\x85 ja\xc5\xba\xc5\x84\n"
	    "URL: https://www.youtube.com/watch?v=abc\n",
	    "gmail: text (UTF-8 base64)");
	is_int(m->date, 1795856400, "gmail: date with a zone");
	is_str(m->message_id, "CAF=abc@mail.gmail.com", "gmail: message_id");
	is_int((long long)m->natt, 0, "gmail: no attachments");
	is_int((long long)m->nwarn, 0, "gmail: no warnings");
	mime_msg_free(&m);
}

static void
test_thunderbird(void)
{
	struct mime_msg *m;

	m = parse(
	    "From: anna@cso.example.org\n"
	    "Subject: [flag] flowed\n"
	    "Content-Type: text/plain; charset=UTF-8; format=flowed\n"
	    "Content-Transfer-Encoding: 8bit\n"
	    "\n"
	    "Explanation: The video denies the Holocaust and calls for \n"
	    "violence against Jewish people.\n"
	    "> quoted text that \n"
	    "> continues\n"
	    " From the stuffed line\n"
	    "-- \n"
	    "Anna\n", "thunderbird flowed");
	if (m != NULL) {
		is_str(m->text, "Explanation: The video denies the Holocaust "
		    "and calls for violence against Jewish people.\n"
		    "> quoted text that continues\n"
		    "From the stuffed line\n"
		    "-- \n"
		    "Anna\n", "thunderbird: format=flowed joined");
		mime_msg_free(&m);
	}
	m = parse(
	    "From: anna@cso.example.org\n"
	    "Subject: [flag] flowed delsp\n"
	    "Content-Type: text/plain; charset=UTF-8; format=\"Flowed\";\n"
	    " DelSp=Yes\n"
	    "\n"
	    "URL: https://www.youtube.com/watch?v=a \n"
	    "bc\n"
	    "Ground: anti \n"
	    "semitism\n", "thunderbird flowed delsp");
	if (m != NULL) {
		is_str(m->text, "URL: https://www.youtube.com/watch?v=abc\n"
		    "Ground: antisemitism\n", "thunderbird: DelSp=yes");
		mime_msg_free(&m);
	}
	m = parse(
	    "From: anna@cso.example.org\n"
	    "Subject: not flowed\n"
	    "Content-Type: text/plain; charset=UTF-8\n"
	    "\n"
	    "Explanation: not \n"
	    "joined\n", "not flowed");
	if (m != NULL) {
		is_str(m->text, "Explanation: not \njoined\n",
		    "without format=flowed lines stay apart");
		mime_msg_free(&m);
	}
}

static void
test_apple_html(void)
{
	struct mime_msg *m;

	m = parse(
	    "From: Anna Kowalska <anna@cso.example.org>\n"
	    "Content-Type: text/html;\n"
	    "\tcharset=utf-8\n"
	    "Content-Transfer-Encoding: quoted-printable\n"
	    "Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3731.700.6\\))\n"
	    "Subject: [flag] Video\n"
	    "To: flags@gateway.example.eu\n"
	    "\n"
	    "<html><head><meta http-equiv=3D\"content-type\" content=3D\"text/h=\n"
	    "tml; charset=3Dutf-8\"></head><body style=3D\"overflow-wrap: break-w=\n"
	    "ord;\"><div>URL: https://www.youtube.com/watch?v=3Dabc&amp;t=3D1</div>=\n"
	    "<div>Ground: antisemitism</div><div>Explanation: caf=C3=A9 &lt;b&gt; &a=\n"
	    "mp; more<br>second line</div><div><br></div><div><blockquote type=3D\"=\n"
	    "cite\"><div>Am 27.11.2026 schrieb Bob:</div><div>URL: https://old.exa=\n"
	    "mple</div></blockquote></div></body></html>\n", "apple html");
	if (m == NULL)
		return;
	is_str(m->text, "URL: https://www.youtube.com/watch?v=abc&t=1\n"
	    "Ground: antisemitism\n"
	    "Explanation: caf\xc3\xa9 <b> & more\n"
	    "second line\n"
	    "\n"
	    "> Am 27.11.2026 schrieb Bob:\n"
	    "> URL: https://old.example\n", "apple: HTML rendered");
	ok(m->text_from_html, "apple: text_from_html");
	is_int((long long)m->natt, 0, "apple: no attachments");
	mime_msg_free(&m);

	/* an HTML part without a charset: the <meta> one is used */
	m = parse(
	    "From: a@cso.example.org\n"
	    "Content-Type: text/html\n"
	    "\n"
	    "<meta charset=\"iso-8859-2\"><p>\xa3\xf3" "d\xbc</p>\n", "html meta");
	if (m != NULL) {
		is_str(m->text, "\xc5\x81\xc3\xb3" "d\xc5\xba\n",
		    "html: charset from <meta>");
		mime_msg_free(&m);
	}
}

static void
test_iso8859_2(void)
{
	struct mime_msg *m;

	m = parse(
	    "From: anna@cso.example.org\n"
	    "Subject: [flag] polish\n"
	    "Content-Type: text/plain; charset=ISO-8859-2\n"
	    "Content-Transfer-Encoding: 8bit\n"
	    "\n"
	    "Za\xbf\xf3\xb3\xe6 g\xea\xb6l\xb1 ja\xbc\xf1\n", "iso-8859-2");
	if (m == NULL)
		return;
	is_str(m->text, "Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87 g\xc4\x99\xc5\x9b"
	    "l\xc4\x85 ja\xc5\xba\xc5\x84\n", "iso-8859-2: text");
	is_int((long long)m->nwarn, 0, "iso-8859-2: no warnings");
	mime_msg_free(&m);
}

/* --------------------------------------------------------- RFC 2047 */

static void
test_rfc2047(void)
{
	static const struct {
		const char *subject, *want;
	} t[] = {
		{ "=?utf-8?q?caf=C3=A9?=", "caf\xc3\xa9" },
		{ "=?UTF-8?B?w6k=?= =?UTF-8?B?w6k=?=", "\xc3\xa9\xc3\xa9" },
		{ "=?utf-8?b?4oKs?=", "\xe2\x82\xac" },
		/* a character split over two words */
		{ "=?UTF-8?B?4oI=?=\n =?UTF-8?B?rA==?=", "\xe2\x82\xac" },
		{ "=?iso-8859-1?q?Gr=FC=DFe?= aus =?iso-8859-2?q?=A3=F3d=BC?=",
		    "Gr\xc3\xbc\xc3\x9f" "e aus \xc5\x81\xc3\xb3" "d\xc5\xba" },
		{ "=?utf-8?q?a_b?=  =?utf-8?q?c?=", "a bc" },
		{ "=?utf-8?q?a?= =?iso-8859-1?q?=E9?=", "a\xc3\xa9" },
		{ "Re: =?utf-8?q?x?= y", "Re: x y" },
		{ "=?utf-8?q?a?=b", "ab" },
		{ "=?UTF-8*de?Q?Hallo?=", "Hallo" },
		{ "=?x-unknown?q?abc?=", "abc" },
		{ "=?x-unknown?q?=FF?=", "=?x-unknown?q?=FF?=" },
		{ "=?utf-8?q?unterminated", "=?utf-8?q?unterminated" },
		{ "=?utf-8?x?bad encoding?=", "=?utf-8?x?bad encoding?=" },
		{ "=?utf-8?b?!!!?=", "" },
		{ "=?utf-8?q?line=0Abreak=00nul=0D?=", "line break nul" },
		{ "[flag]   spaced   out", "[flag]   spaced   out" },
		{ "Gr\xfc\xdf" "e", "Gr\xc3\xbc\xc3\x9f" "e" },
		{ "Gr\xc3\xbc\xc3\x9f" "e", "Gr\xc3\xbc\xc3\x9f" "e" },
		{ "folded\n  line", "folded  line" },
		{ "", "" },
	};
	struct buf b = BUF_INIT(1 << 20);
	struct mime_msg *m;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&b);
		buf_printf(&b, "From: a@cso.example.org\nSubject: %s\n\nx\n",
		    t[i].subject);
		if ((m = parse(b.data, "rfc 2047")) == NULL)
			continue;
		is_str(m->subject, t[i].want, "rfc 2047 subject %zu", i);
		ok(utf8_valid(m->subject, strlen(m->subject)),
		    "rfc 2047 subject %zu is UTF-8", i);
		mime_msg_free(&m);
	}
	buf_free(&b);

	m = parse("From: =?utf-8?q?Anna_K=C3=B3walska?= <Anna@X.example>\n"
	    "Subject: x\n\nx\n", "encoded display name");
	if (m != NULL) {
		is_str(m->from_name, "Anna K\xc3\xb3walska", "from_name decoded");
		is_str(m->from_addr, "anna@x.example", "from_addr");
		mime_msg_free(&m);
	}
	m = parse("From: \"=?utf-8?q?Anna?=\" <a@x.example>\nSubject: x\n\nx\n",
	    "encoded word in quotes");
	if (m != NULL) {
		is_str(m->from_name, "Anna", "from_name: encoded word in quotes");
		mime_msg_free(&m);
	}
	m = parse("From: Anna <anna@cso.example.org\nTo: ;;;@@@,<>\n"
	    "Date: yesterday\n\nx\n", "broken From");
	if (m != NULL) {
		is_str(m->from_addr, "anna@cso.example.org",
		    "broken From: the address still found");
		is_int(m->date, -1, "broken Date: -1");
		is_str(m->subject, "", "no Subject: \"\"");
		is_str(m->message_id, NULL, "no Message-ID: NULL");
		mime_msg_free(&m);
	}
}

static void
test_dates(void)
{
	static const struct {
		const char *date;
		long long want;
	} t[] = {
		{ "Sat, 28 Nov 2026 10:00:00 +0100", 1795856400 },
		{ "28 Nov 2026 09:00:00 GMT", 1795856400 },
		{ "Sat, 28 Nov 26 10:30 -0100", 1795865400 },
		{ "Sat, 28 Nov 2026 10:00:00 +0100 (CET)", 1795856400 },
		{ "Sat, 31 Feb 2026 10:00:00 +0100", -1 },
		{ "Sat, 28 Nov 2026 25:00:00 +0100", -1 },
		{ "Sat, 28 Nov 2026 10:00:00 +0199", -1 },
		{ "tomorrow", -1 },
	};
	struct buf b = BUF_INIT(4096);
	struct mime_msg *m;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&b);
		buf_printf(&b, "From: a@x.example\nDate: %s\n\nx\n", t[i].date);
		if ((m = parse(b.data, "date")) == NULL)
			continue;
		is_int(m->date, t[i].want, "date '%s'", t[i].date);
		mime_msg_free(&m);
	}
	buf_free(&b);
}

/* ----------------------------------------------------- attachments */

static void
test_filenames(void)
{
	static const struct {
		const char *ct, *cd, *want;
	} t[] = {
		{ "text/csv", "attachment;\n filename*=UTF-8''%E2%82%AC%20rates.csv",
		    "\xe2\x82\xac rates.csv" },
		{ "application/pdf", "attachment;\n"
		    " filename*0*=utf-8''%C5%81%C3%B3d%C5%BA%20;\n"
		    " filename*1=\"report \";\n filename*2*=%E2%82%AC.pdf",
		    "\xc5\x81\xc3\xb3" "d\xc5\xba report \xe2\x82\xac.pdf" },
		{ "text/csv", "attachment; filename=\"=?UTF-8?B?w6kuY3N2?=\"",
		    "\xc3\xa9.csv" },
		{ "text/plain", "attachment; filename*=iso-8859-1'de'Gr%FC%DFe.txt",
		    "Gr\xc3\xbc\xc3\x9f" "e.txt" },
		{ "application/pdf", "attachment; filename=\"plain name.pdf\"",
		    "plain name.pdf" },
		{ "application/pdf", "attachment; filename=unquoted.pdf",
		    "unquoted.pdf" },
		{ "application/pdf; name=\"from-ct.pdf\"", "attachment",
		    "from-ct.pdf" },
		{ "application/pdf; name*=UTF-8''%C3%A9.pdf", NULL,
		    "\xc3\xa9.pdf" },
		{ "text/plain", "attachment; filename=\"a\\\"b.txt\"", "a\"b.txt" },
		{ "text/plain", "attachment; filename=\"tab\tand\\\\x\"",
		    "tab and\\x" },
		{ "image/png", "inline", "" },
		{ "image/png", NULL, "" },
	};
	struct buf b = BUF_INIT(1 << 20);
	struct mime_msg *m;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&b);
		buf_printf(&b, "From: a@x.example\n"
		    "Content-Type: multipart/mixed; boundary=b\n\n"
		    "--b\nContent-Type: text/plain\n\nform\n"
		    "--b\nContent-Type: %s\n%s%s%s\nYWJj\n--b--\n", t[i].ct,
		    t[i].cd ? "Content-Disposition: " : "", t[i].cd ? t[i].cd : "",
		    t[i].cd ? "\n" : "");
		if ((m = parse(b.data, "file name")) == NULL)
			continue;
		if (is_int((long long)m->natt, 1, "file name %zu: one attachment",
		    i) && m->natt == 1)
			is_str(m->att[0].filename, t[i].want, "file name %zu", i);
		is_str(m->text, "form", "file name %zu: the form is apart", i);
		mime_msg_free(&m);
	}
	buf_free(&b);
}

static void
test_attachments(void)
{
	struct mime_msg *m;

	m = parse(
	    "From: Anna <anna@cso.example.org>\n"
	    "Subject: [flag] rows\n"
	    "Content-Type: multipart/mixed; boundary=\"outer\"\n"
	    "\n"
	    "preamble\n"
	    "--outer\n"
	    "Content-Type: multipart/alternative; boundary=\"inner\"\n"
	    "\n"
	    "--inner\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "\n"
	    "URL: https://www.youtube.com/watch?v=abc\n"
	    "--inner\n"
	    "Content-Type: multipart/related; boundary=\"rel\"\n"
	    "\n"
	    "--rel\n"
	    "Content-Type: text/html; charset=utf-8\n"
	    "\n"
	    "<p>URL: https://www.youtube.com/watch?v=abc</p><img src=cid:p1>\n"
	    "--rel\n"
	    "Content-Type: image/png\n"
	    "Content-Transfer-Encoding: base64\n"
	    "Content-ID: <p1>\n"
	    "\n"
	    "iVBORw0KGgoAAAAAAAAAAA==\n"
	    "--rel--\n"
	    "--inner--\n"
	    "--outer\n"
	    "Content-Type: text/csv; charset=utf-8; name=rows.csv\n"
	    "Content-Disposition: attachment; filename=rows.csv\n"
	    "\n"
	    "url,ground\n"
	    "https://www.youtube.com/watch?v=abc,antisemitism\n"
	    "--outer\n"
	    "Content-Type: application/json\n"
	    "Content-Disposition: attachment; filename=\"flags.json\"\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "W3sidXJsIjoiaHR0cHM6Ly93d3cueW91dHViZS5jb20vd2F0Y2g/dj1hYmMifV0=\n"
	    "--outer\n"
	    "Content-Type: text/plain; name=notes.txt\n"
	    "Content-Transfer-Encoding: base64\n"
	    "\n"
	    "aGVs!!bG8K\n"
	    "--outer\n"
	    "Content-Type: message/rfc822\n"
	    "\n"
	    "From: bob@x.example\n"
	    "Subject: the original\n"
	    "\n"
	    "original text\n"
	    "--outer--\n"
	    "epilogue\n", "nested attachments");
	if (m == NULL)
		return;
	is_str(m->text, "URL: https://www.youtube.com/watch?v=abc",
	    "nested: the text/plain of the alternative");
	if (!is_int((long long)m->natt, 5, "nested: five attachments") ||
	    m->natt != 5) {
		mime_msg_free(&m);
		return;
	}
	is_str(m->att[0].type, "image/png", "nested: inline image");
	is_str(m->att[0].filename, "", "nested: no file name");
	is_int((long long)m->att[0].len, 16, "nested: image bytes");
	is_str(m->att[0].sha256, "d9c9bcbbba3f78d5acb0e0223861c44f79e918c161d4"
	    "ea7b571f5cc6df50797f", "nested: image sha256");
	is_str(m->att[1].type, "text/csv", "nested: text/csv");
	is_str(m->att[1].filename, "rows.csv", "nested: csv name");
	/* the CR LF before a delimiter belongs to the delimiter */
	ok(m->att[1].len == 60 && memcmp(m->att[1].data, "url,ground\r\n"
	    "https://www.youtube.com/watch?v=abc,antisemitism", 60) == 0,
	    "nested: csv bytes as sent");
	is_str(m->att[1].sha256, "bf278ab46fd012b656f1d033f4ce1fe9f5edd79a1af7"
	    "c9b7b3944f9db17c36c9", "nested: csv sha256");
	is_str(m->att[2].type, "application/json", "nested: application/json");
	is_str(m->att[2].filename, "flags.json", "nested: json name");
	is_str(m->att[2].sha256, "b2da923ca8d50a8d3d83012ab77027fed0765bc951ea"
	    "51892d22a7b76274a546", "nested: json sha256");
	is_str(m->att[3].type, "text/plain", "nested: a named text part");
	ok(m->att[3].len == 6 && memcmp(m->att[3].data, "hello\n", 6) == 0,
	    "nested: broken base64 decoded around the junk");
	is_str(m->att[3].sha256, "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af"
	    "34d08286a2e846f6be03", "nested: text sha256");
	is_str(m->att[4].type, "message/rfc822", "nested: message/rfc822");
	{
		static const char orig[] = "From: bob@x.example\r\n"
		    "Subject: the original\r\n\r\noriginal text";

		ok(m->att[4].len == sizeof(orig) - 1 && memcmp(m->att[4].data,
		    orig, sizeof(orig) - 1) == 0,
		    "nested: message/rfc822 whole, as raw bytes");
	}
	mime_msg_free(&m);
}

static void
test_report(void)
{
	struct mime_msg *m;

	m = parse(
	    "From: MAILER-DAEMON@mx.example.org\n"
	    "Subject: Undelivered Mail Returned to Sender\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "  boundary=\"r\"\n"
	    "\n"
	    "--r\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "The mail could not be delivered.\n"
	    "--r\n"
	    "Content-Type: message/delivery-status\n"
	    "\n"
	    "Reporting-MTA: dns; mx.example.org\n"
	    "--r--\n", "report");
	if (m == NULL)
		return;
	ok(m->is_report, "multipart/report: is_report");
	is_str(m->text, "The mail could not be delivered.", "report: text");
	if (is_int((long long)m->natt, 1, "report: the status is an "
	    "attachment") && m->natt == 1)
		is_str(m->att[0].type, "message/delivery-status", "report: type");
	mime_msg_free(&m);
}

/* ------------------------------------------------ charsets, warnings */

static void
test_charsets(void)
{
	static const struct {
		const char *ct, *body, *text, *warning;
	} t[] = {
		{ "text/plain; charset=x-foo", "Gr\xfc\xdf Gott\n",
		    "Gr\xc3\xbc\xc3\x9f Gott\n", "the text part's charset "
		    "'x-foo' is unknown; it was read as windows-1252" },
		{ "text/plain; charset=x-foo", "Gr\xc3\xbc\xc3\x9f Gott\n",
		    "Gr\xc3\xbc\xc3\x9f Gott\n", "the text part's charset "
		    "'x-foo' is unknown; it was read as UTF-8" },
		{ "text/plain; charset=x-foo", "plain ascii\n", "plain ascii\n",
		    NULL },
		{ "text/plain", "Gr\xfc\xdf Gott\n", "Gr\xc3\xbc\xc3\x9f Gott\n",
		    "the text part has no charset and is not UTF-8; it was read "
		    "as windows-1252" },
		{ "text/plain; charset=us-ascii", "Gr\xfc\xdf\n",
		    "Gr\xc3\xbc\xc3\x9f\n", "the text part declares charset "
		    "'us-ascii' but has 8-bit bytes; it was read as windows-1252" },
		{ "text/plain; charset=iso-8859-1", "Gr\xc3\xbc\xc3\x9f" "e\n",
		    "Gr\xc3\xbc\xc3\x9f" "e\n", "the text part declares charset "
		    "'iso-8859-1' but is UTF-8; it was read as UTF-8" },
		{ "text/plain; charset=utf-8", "Gr\xfc\xdf" "e\n",
		    "Gr\xef\xbf\xbd\xef\xbf\xbd" "e\n", "the text part has bytes "
		    "that are not valid utf-8; they were replaced with U+FFFD" },
		{ "text/plain; charset=\"UTF-8//IGNORE\"", "caf\xe9\n",
		    "caf\xc3\xa9\n", "the text part's charset 'UTF-8//IGNORE' is "
		    "unknown; it was read as windows-1252" },
		{ "text/plain; charset=windows-1252", "\x81\n", "\xef\xbf\xbd\n",
		    "the text part has bytes that are not valid windows-1252; "
		    "they were replaced with U+FFFD" },
	};
	struct buf b = BUF_INIT(1 << 20);
	struct mime_msg *m;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&b);
		buf_printf(&b, "From: a@x.example\nContent-Type: %s\n\n%s",
		    t[i].ct, t[i].body);
		if ((m = parse(b.data, "charset")) == NULL)
			continue;
		is_str(m->text, t[i].text, "charset %zu: text", i);
		ok(text_sane(m), "charset %zu: valid UTF-8, LF only", i);
		if (t[i].warning != NULL) {
			if (!ok(has_warning(m, t[i].warning), "charset %zu: "
			    "warning", i))
				show_warnings(m);
		} else {
			is_int((long long)m->nwarn, 0, "charset %zu: no warning",
			    i);
		}
		mime_msg_free(&m);
	}
	buf_free(&b);
}

static void
test_nul(void)
{
	static const char raw[] =
	    "From: a@x.example\r\n"
	    "Subject: NUL\0in it\r\n"
	    "X-Nul: a\0b\r\n"
	    "\r\n"
	    "URL: x\0y\r\n";
	struct mime_msg *m;

	m = parse_n(raw, sizeof(raw) - 1, "NUL bytes");
	if (m == NULL)
		return;
	is_str(m->subject, "NUL in it", "NUL in a header: a space");
	is_str(mime_header_get(m, "x-nul"), "a b", "NUL in another header");
	is_str(m->text, "URL: x\xef\xbf\xbdy\n", "NUL in the body: U+FFFD");
	ok(has_warning(m, "the text part contains NUL bytes; they were "
	    "replaced with U+FFFD"), "NUL in the body: a warning");
	mime_msg_free(&m);
}

static void
test_broken(void)
{
	static const struct {
		const char *name, *raw, *text;
		size_t natt;
	} t[] = {
		{ "broken base64",
		    "From: a@x.example\nContent-Transfer-Encoding: base64\n\n"
		    "VVJM!!OiB4C%%g==\n=junk\n", "URL: x\n", 0 },
		{ "broken quoted-printable",
		    "From: a@x.example\nContent-Transfer-Encoding: quoted-printable"
		    "\n\nv=ZZ =3D =4\nend=\n", "v=ZZ = =4\nend", 0 },
		{ "no closing boundary",
		    "From: a@x.example\nContent-Type: multipart/mixed; boundary=b"
		    "\n\n--b\nContent-Type: text/plain\n\nform\n", "form", 0 },
		{ "no boundary parameter",
		    "From: a@x.example\nContent-Type: multipart/mixed\n\nform\n",
		    "form\n", 0 },
		{ "headers only", "From: a@x.example\nSubject: x", "", 0 },
		{ "headers and an empty line", "From: a@x.example\n\n", "", 0 },
		{ "mbox From_ line",
		    "From a@x.example Sat Nov 28 10:00:00 2026\n"
		    "From: a@x.example\n\nform\n", "form\n", 0 },
		/* libetpan looks past a close delimiter for another part */
		{ "close delimiter, then a part",
		    "From: a@x.example\nContent-Type: multipart/mixed; boundary=b"
		    "\n\n--b\n\nform\n--b--\n--b\n\nmore\n--b--\n",
		    "form\n--b--", 1 },
		{ "truncated in a part header",
		    "From: a@x.example\nContent-Type: multipart/mixed; boundary=b"
		    "\n\n--b\n\nform\n--b\nContent-Type: image/png;\n na",
		    "form", 1 },
	};
	struct mime_msg *m;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if ((m = parse(t[i].raw, t[i].name)) == NULL)
			continue;
		is_str(m->text, t[i].text, "%s: text", t[i].name);
		is_int((long long)m->natt, (long long)t[i].natt,
		    "%s: attachments", t[i].name);
		ok(text_sane(m), "%s: text is UTF-8", t[i].name);
		mime_msg_free(&m);
	}
	m = parse("From: a@x.example\nContent-Type: multipart/mixed\n\nform\n",
	    "no boundary");
	if (m != NULL) {
		ok(has_warning(m, "a multipart part has no boundary parameter; "
		    "its body was read as plain text"), "no boundary: warning");
		mime_msg_free(&m);
	}
}

/* ------------------------------------------------------------ limits */

static char *
nested(unsigned depth)
{
	struct buf b = BUF_INIT(SIZE_MAX / 4);
	unsigned i;

	buf_printf(&b, "From: a@x.example\r\nContent-Type: multipart/mixed; "
	    "boundary=\"n0\"\r\n\r\n");
	for (i = 1; i < depth; i++)
		buf_printf(&b, "--n%u\r\nContent-Type: multipart/mixed; "
		    "boundary=\"n%u\"\r\n\r\n", i - 1, i);
	buf_printf(&b, "--n%u\r\nContent-Type: text/plain\r\n\r\nform\r\n",
	    depth - 1);
	for (i = depth; i-- > 0;)
		buf_printf(&b, "--n%u--\r\n", i);
	return buf_detach(&b, NULL);
}

static char *
many_parts(unsigned n)
{
	struct buf b = BUF_INIT(SIZE_MAX / 4);
	unsigned i;

	buf_printf(&b, "From: a@x.example\r\nContent-Type: multipart/mixed; "
	    "boundary=p\r\n\r\n--p\r\n\r\nform\r\n");
	for (i = 1; i < n; i++)
		buf_addstr(&b, "--p\r\n\r\nx\r\n");
	buf_addstr(&b, "--p--\r\n");
	return buf_detach(&b, NULL);
}

static void
expect_fail(const char *raw, size_t len, const struct mime_limits *lim,
    const char *want, const char *what)
{
	struct mime_msg *m = (struct mime_msg *)&m;	/* not NULL */
	struct err e;
	int r;

	err_clear(&e);
	r = mime_parse(raw, len, lim, &m, &e);
	is_int(r, -1, "%s: refused", what);
	ok(m == NULL, "%s: no message", what);
	is_int(e.cls, ERR_MSG, "%s: ERR_MSG", what);
	is_str(e.msg, want, "%s: error text", what);
	if (r == 0)
		mime_msg_free(&m);
}

static void
test_limits(void)
{
	struct mime_limits lim;
	struct buf b = BUF_INIT(SIZE_MAX / 4);
	struct mime_msg *m;
	char *s, *big;
	size_t i;

	mime_limits_default(&lim);
	is_int((long long)lim.max_size, 25 * 1024 * 1024, "default max_size");
	is_int((long long)lim.max_header_line, 65536, "default header line");
	is_int(lim.max_depth, 20, "default depth");
	is_int(lim.max_parts, 200, "default parts");

	/* size: refused before anything is read */
	big = xcalloc(1, lim.max_size + 1);
	expect_fail(big, lim.max_size + 1, NULL, "the message is 26214401 "
	    "bytes; the limit is 26214400 bytes", "size, default limit");
	free(big);
	lim.max_size = 100;
	expect_fail(outlook, 101, &lim, "the message is 101 bytes; the limit "
	    "is 100 bytes", "size, a limit of 100");
	lim.max_size = strlen(outlook);
	m = NULL;
	is_int(mime_parse(outlook, strlen(outlook), &lim, &m, NULL), 0,
	    "size: a message at the limit is read");
	mime_msg_free(&m);
	mime_limits_default(&lim);

	/* a header line */
	buf_addstr(&b, "From: a@x.example\r\nSubject: ");
	for (i = strlen("Subject: "); i < 70000; i++)
		buf_addch(&b, 'x');
	buf_addstr(&b, "\r\n\r\nform\r\n");
	expect_fail(b.data, b.len, NULL, "a header line is 70000 bytes long; "
	    "the limit is 65536", "header line");
	buf_reset(&b);
	buf_addstr(&b, "From: a@x.example\r\nContent-Type: multipart/mixed; "
	    "boundary=b\r\n\r\n--b\r\nX-Long: ");
	for (i = strlen("X-Long: "); i < 65537; i++)
		buf_addch(&b, 'y');
	buf_addstr(&b, "\r\n\r\nform\r\n--b--\r\n");
	expect_fail(b.data, b.len, NULL, "a header line is 65537 bytes long; "
	    "the limit is 65536", "header line in a part");
	buf_free(&b);

	/* nesting */
	s = nested(20);
	m = parse_n(s, strlen(s), "nested 20 deep");
	if (m != NULL) {
		is_str(m->text, "form", "nested 20 deep: the form found");
		mime_msg_free(&m);
	}
	free(s);
	s = nested(21);
	expect_fail(s, strlen(s), NULL, "MIME parts are nested 21 deep; the "
	    "limit is 20", "nested 21 deep");
	free(s);
	s = nested(10000);
	expect_fail(s, strlen(s), NULL, "MIME parts are nested 10000 deep; "
	    "the limit is 20", "nested 10000 deep");
	free(s);
	lim.max_depth = 3;
	s = nested(4);
	expect_fail(s, strlen(s), &lim, "MIME parts are nested 4 deep; the "
	    "limit is 3", "nested 4, a limit of 3");
	free(s);
	mime_limits_default(&lim);

	/* parts: the message itself is one */
	s = many_parts(199);
	m = parse_n(s, strlen(s), "200 MIME parts");
	if (m != NULL) {
		is_int((long long)m->natt, 198, "200 parts: 198 attachments");
		mime_msg_free(&m);
	}
	free(s);
	s = many_parts(200);
	expect_fail(s, strlen(s), NULL, "the message has 201 MIME parts; the "
	    "limit is 200", "201 MIME parts");
	free(s);
	s = many_parts(100000);
	expect_fail(s, strlen(s), NULL, "the message has 100001 MIME parts; "
	    "the limit is 200", "100001 MIME parts");
	free(s);

	/* what cannot be read at all */
	expect_fail("", 0, NULL, "the message is empty", "empty");
	expect_fail("\r\n \r\n", 5, NULL, "the message is empty",
	    "white space only");
	s = crlf("just some text\nURL: x\n");
	expect_fail(s, strlen(s), NULL, "the message does not start with "
	    "header fields (\"Name: value\" lines, then an empty line)",
	    "no header");
	free(s);
	s = crlf("From: a@x.example\nContent-Type: multipart/mixed; "
	    "boundary=\"\\\"\"\n\n--\"\nform\n--\"--\n");
	expect_fail(s, strlen(s), NULL, "a multipart boundary parameter is "
	    "broken", "a boundary that is a lone quote");
	free(s);
	s = crlf("From: a@x.example\nContent-Type: multipart/mixed; "
	    "boundary=\"\"\n\n--\nform\n----\n");
	expect_fail(s, strlen(s), NULL, "a multipart boundary parameter is "
	    "empty", "an empty boundary");
	free(s);
	b = (struct buf)BUF_INIT(SIZE_MAX / 4);
	buf_addstr(&b, "From: a@x.example ");
	for (i = 0; i < 100; i++)
		buf_addch(&b, '(');
	buf_addstr(&b, "\r\n\r\nform\r\n");
	expect_fail(b.data, b.len, NULL, "a header field nests comments 100 "
	    "deep; the limit is 64", "comments nested 100 deep");
	buf_free(&b);
}

int
main(void)
{
	test_to_utf8();
	test_flowed();
	test_html();
	test_outlook();
	test_lf_and_mixed();
	test_gmail();
	test_thunderbird();
	test_apple_html();
	test_iso8859_2();
	test_rfc2047();
	test_dates();
	test_filenames();
	test_attachments();
	test_report();
	test_charsets();
	test_nul();
	test_broken();
	test_limits();
	return tap_done();
}
