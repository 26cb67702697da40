/* test-lists.c: list commands in mails, tokens, times, and subscribers
 * with their confirmations against a real store */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "config.h"
#include "digest.h"
#include "lists.h"
#include "mime.h"
#include "store.h"
#include "util.h"
#include "tap.h"

/* a valid token, and near misses */
#define TOK	"abcdefghijklmnopqrstuvwxyz234567"
#define TOK_BAD	"abcdefghijklmnopqrstuvwxyz234561"	/* '1' */
#define TOK_SHORT "abcdefghijklmnopqrstuvwxyz23456"	/* 31 */

/* ----------------------------------------------------------- helpers */

/* LF to CRLF, the way mail arrives */
static char *
crlf(const char *s)
{
	struct buf b = BUF_INIT(1 << 20);

	for (; *s != '\0'; s++) {
		if (*s == '\n')
			buf_addch(&b, '\r');
		buf_addch(&b, *s);
	}
	return buf_detach(&b, NULL);
}

/* a mail from anna: To (NULL: the gateway), Cc (NULL: none), Subject
 * (NULL: no Subject field) and body */
static struct mime_msg *
mail(const char *to, const char *cc, const char *subject, const char *body)
{
	struct buf b = BUF_INIT(1 << 20);
	struct mime_msg *m = NULL;
	struct err e;
	char *raw;

	buf_printf(&b, "From: Anna <anna@cso.example.org>\n"
	    "To: %s\n", to != NULL ? to : "flags@gw.example.eu");
	if (cc != NULL)
		buf_printf(&b, "Cc: %s\n", cc);
	if (subject != NULL)
		buf_printf(&b, "Subject: %s\n", subject);
	buf_printf(&b, "Message-ID: <1@cso.example.org>\n"
	    "Date: Sat, 28 Nov 2026 10:00:00 +0000\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n\n%s", body);
	raw = crlf(buf_str(&b));
	buf_free(&b);
	err_clear(&e);
	if (mime_parse(raw, strlen(raw), NULL, &m, &e) == -1) {
		printf("# mime_parse: %s\n", e.msg);
		m = NULL;
	}
	free(raw);
	return m;
}

/* the first row of a query on the store's file: "a|b|c", "~" for NULL */
static const char *
sql_row(const char *path, const char *sql)
{
	static char out[1024];
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	const unsigned char *t;
	size_t n;
	int i;

	snprintf(out, sizeof(out), "(error)");
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK || sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		goto out;
	out[0] = '\0';
	if (sqlite3_step(s) != SQLITE_ROW) {
		snprintf(out, sizeof(out), "(none)");
		goto out;
	}
	for (i = 0; i < sqlite3_column_count(s); i++) {
		t = sqlite3_column_text(s, i);
		n = strlen(out);
		snprintf(out + n, sizeof(out) - n, "%s%s", i ? "|" : "",
		    t != NULL ? (const char *)t : "~");
	}
out:
	sqlite3_finalize(s);
	sqlite3_close(db);
	return out;
}

static long long
sql_int(const char *path, const char *sql)
{
	const char *r = sql_row(path, sql);

	if (*r == '(')
		return -1;
	return atoll(r);
}

/* ------------------------------------------------------ list_cmd_parse */

static void
test_parse(void)
{
	static const struct {
		const char *what;
		const char *to, *cc, *subject, *body;
		enum list_cmd_kind kind;
		const char *list, *arg, *token;
	} t[] = {
		/* Subject commands */
		{ "subject subscribe", NULL, NULL, "subscribe weekly", "",
		  LC_SUBSCRIBE, "weekly", "", "" },
		{ "subject in capitals", NULL, NULL, "SUBSCRIBE Weekly", "",
		  LC_SUBSCRIBE, "weekly", "", "" },
		{ "subject with spaces around", NULL, NULL,
		  "  subscribe \t weekly  ", "",
		  LC_SUBSCRIBE, "weekly", "", "" },
		{ "Re: subscribe", NULL, NULL, "Re: subscribe weekly", "",
		  LC_SUBSCRIBE, "weekly", "", "" },
		{ "RE:subscribe, no space", NULL, NULL, "RE:subscribe weekly", "",
		  LC_SUBSCRIBE, "weekly", "", "" },
		{ "Fwd: Re: subscribe", NULL, NULL,
		  "Fwd: Re: subscribe weekly", "",
		  LC_SUBSCRIBE, "weekly", "", "" },
		{ "AW: unsubscribe", NULL, NULL, "AW: unsubscribe weekly", "",
		  LC_UNSUBSCRIBE, "weekly", "", "" },
		{ "SV: unsubscribe", NULL, NULL, "SV: Unsubscribe WEEKLY", "",
		  LC_UNSUBSCRIBE, "weekly", "", "" },
		{ "join is subscribe", NULL, NULL, "join weekly", "",
		  LC_SUBSCRIBE, "weekly", "", "" },
		{ "leave is unsubscribe", NULL, NULL, "leave weekly", "",
		  LC_UNSUBSCRIBE, "weekly", "", "" },
		{ "subject lists", NULL, NULL, "lists", "",
		  LC_LISTS, "", "", "" },
		{ "subject Lists", NULL, NULL, "Re: Lists", "",
		  LC_LISTS, "", "", "" },
		{ "subject help", NULL, NULL, "help", "",
		  LC_HELP, "", "", "" },
		{ "subject HELP", NULL, NULL, "HELP", "",
		  LC_HELP, "", "", "" },
		{ "subscribe without a list", NULL, NULL, "subscribe", "",
		  LC_SUBSCRIBE, "", "", "" },
		{ "subject confirm TOKEN", NULL, NULL, "confirm " TOK, "",
		  LC_CONFIRM, "", "", TOK },
		{ "Re: confirm TOKEN: subscribe to weekly", NULL, NULL,
		  "Re: confirm " TOK ": subscribe to weekly", "",
		  LC_CONFIRM, "", "", TOK },
		{ "confirm TOKEN inside a longer Subject", NULL, NULL,
		  "Re: Please confirm: " TOK " (weekly)", "",
		  LC_CONFIRM, "", "", TOK },
		{ "confirm with a bad token", NULL, NULL,
		  "Re: confirm " TOK_BAD ": subscribe to weekly", "",
		  LC_NONE, "", "", "" },
		{ "confirm with a short token", NULL, NULL,
		  "confirm " TOK_SHORT, "", LC_NONE, "", "", "" },
		{ "confirm with a token one too long", NULL, NULL,
		  "confirm " TOK "a", "", LC_NONE, "", "", "" },
		{ "confirm alone", NULL, NULL, "confirm", "",
		  LC_NONE, "", "", "" },
		{ "subscribe with a second word", NULL, NULL,
		  "subscribe weekly anna@cso.example.org", "",
		  LC_SUBSCRIBE, "weekly", "anna@cso.example.org", "" },
		{ "unsubscribe with a second word", NULL, NULL,
		  "unsubscribe weekly bob@cso.example.org", "",
		  LC_UNSUBSCRIBE, "weekly", "bob@cso.example.org", "" },
		{ "three words are no command", NULL, NULL,
		  "subscribe weekly now please", "", LC_NONE, "", "", "" },
		{ "help with words is no command", NULL, NULL,
		  "help me please", "", LC_NONE, "", "", "" },
		{ "lists with a word is no command", NULL, NULL,
		  "lists weekly", "", LC_NONE, "", "", "" },
		{ "a sentence is no command", NULL, NULL,
		  "Please subscribe me to weekly", "", LC_NONE, "", "", "" },
		{ "a form Subject", NULL, NULL, "[flag] hateful video", "",
		  LC_NONE, "", "", "" },
		{ "no Subject, no body", NULL, NULL, NULL, "",
		  LC_NONE, "", "", "" },
		{ "a long list name is cut", NULL, NULL,
		  "subscribe "
		  "a123456789b123456789c123456789d123456789e123456789"
		  "f123456789g123456789h123456789", "",
		  LC_SUBSCRIBE,
		  "a123456789b123456789c123456789d123456789e123456789"
		  "f123456789g123456789h", "", "" },
		{ "unconfirmed is not confirm", NULL, NULL,
		  "unconfirmed x", "", LC_NONE, "", "", "" },

		/* body commands */
		{ "body subscribe", NULL, NULL, "", "subscribe weekly\n",
		  LC_SUBSCRIBE, "weekly", "", "" },
		{ "body after empty lines", NULL, NULL, NULL,
		  "\n   \n\tUnsubscribe   Weekly  \nthank you\n",
		  LC_UNSUBSCRIBE, "weekly", "", "" },
		{ "body without a final line end", NULL, NULL, "Hello",
		  "lists", LC_LISTS, "", "", "" },
		{ "body help", NULL, NULL, "question", "help\n\nAnna\n",
		  LC_HELP, "", "", "" },
		{ "body confirm TOKEN", NULL, NULL, "", "confirm " TOK "\n",
		  LC_CONFIRM, "", "", TOK },
		{ "body: the second line", NULL, NULL, "",
		  "Hello,\nsubscribe weekly\n", LC_SUBSCRIBE, "weekly", "",
		  "" },
		{ "body: the third line", NULL, NULL, "",
		  "Hello,\n\nplease add me.\nsubscribe weekly\n",
		  LC_SUBSCRIBE, "weekly", "", "" },
		{ "body: not the fourth line", NULL, NULL, "",
		  "Hello,\nI would like\nthe list please:\nsubscribe weekly\n",
		  LC_NONE, "", "", "" },
		{ "body: not after a signature", NULL, NULL, "",
		  "Thanks\n-- \nsubscribe weekly\n", LC_NONE, "", "", "" },
		{ "body: a signature first", NULL, NULL, "",
		  "-- \nsubscribe weekly\n", LC_NONE, "", "", "" },
		{ "body: a bare -- line", NULL, NULL, "",
		  "--\nhelp\n", LC_NONE, "", "", "" },
		{ "body: help me please", NULL, NULL, "",
		  "help me please\n", LC_NONE, "", "", "" },
		{ "body: a sentence", NULL, NULL, "",
		  "Please subscribe me to weekly\n", LC_NONE, "", "", "" },
		{ "body: a quoted command", NULL, NULL, "",
		  "> subscribe weekly\n", LC_NONE, "", "", "" },
		{ "body: three words", NULL, NULL, "",
		  "subscribe weekly monthly daily\n", LC_NONE, "", "", "" },
		{ "body: a form", NULL, NULL, "report",
		  "Type: flag\nURL: https://example.com/v\nGround: racism\n",
		  LC_NONE, "", "", "" },
		{ "Subject command, body a form", NULL, NULL,
		  "subscribe weekly",
		  "Type: flag\nURL: https://example.com/v\nGround: racism\n",
		  LC_SUBSCRIBE, "weekly", "", "" },
		{ "the Subject wins over the body", NULL, NULL,
		  "unsubscribe daily", "subscribe weekly\n",
		  LC_UNSUBSCRIBE, "daily", "", "" },

		/* plus-addresses */
		{ "To unsubscribe-TOKEN", "flags+unsubscribe-" TOK
		  "@gw.example.eu", NULL, "unsubscribe", "",
		  LC_UNSUB_TOKEN, "", "", TOK },
		{ "To confirm-TOKEN", "flags+confirm-" TOK "@gw.example.eu",
		  NULL, "Re: Please confirm", "", LC_CONFIRM, "", "", TOK },
		{ "Cc unsubscribe-TOKEN", "someone@example.org",
		  "flags+unsubscribe-" TOK "@gw.example.eu", "", "",
		  LC_UNSUB_TOKEN, "", "", TOK },
		{ "Cc confirm-TOKEN, second of two", "someone@example.org",
		  "other@example.org, \"Flags\" <flags+confirm-" TOK
		  "@gw.example.eu>", "", "", LC_CONFIRM, "", "", TOK },
		{ "the plus-address wins over the Subject",
		  "flags+confirm-" TOK "@gw.example.eu", NULL,
		  "unsubscribe weekly", "", LC_CONFIRM, "", "", TOK },
		{ "a wrong local part", "news+unsubscribe-" TOK
		  "@gw.example.eu", NULL, "", "", LC_NONE, "", "", "" },
		{ "a longer local part", "flagsx+unsubscribe-" TOK
		  "@gw.example.eu", NULL, "", "", LC_NONE, "", "", "" },
		{ "a shorter local part", "flag+unsubscribe-" TOK
		  "@gw.example.eu", NULL, "", "", LC_NONE, "", "", "" },
		{ "a bad token", "flags+unsubscribe-" TOK_BAD
		  "@gw.example.eu", NULL, "", "", LC_NONE, "", "", "" },
		{ "a short token", "flags+confirm-" TOK_SHORT
		  "@gw.example.eu", NULL, "", "", LC_NONE, "", "", "" },
		{ "a long token", "flags+confirm-" TOK "a@gw.example.eu",
		  NULL, "", "", LC_NONE, "", "", "" },
		{ "an unknown detail", "flags+remove-" TOK "@gw.example.eu",
		  NULL, "", "", LC_NONE, "", "", "" },
		{ "no token at all", "flags+unsubscribe-@gw.example.eu",
		  NULL, "", "", LC_NONE, "", "", "" },
		{ "a bad token falls back to the Subject",
		  "flags+unsubscribe-" TOK_BAD "@gw.example.eu", NULL,
		  "unsubscribe weekly", "", LC_UNSUBSCRIBE, "weekly", "", "" },
	};
	struct list_cmd c;
	struct mime_msg *m;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		m = mail(t[i].to, t[i].cc, t[i].subject, t[i].body);
		if (!ok(m != NULL, "%s: parses", t[i].what))
			continue;
		memset(&c, 0x55, sizeof(c));
		list_cmd_parse(m, "flags", &c);
		if (!is_str(list_cmd_name(c.kind), list_cmd_name(t[i].kind),
		    "%s: kind", t[i].what) || c.kind == LC_NONE) {
			if (c.kind == LC_NONE)
				ok(c.list[0] == '\0' && c.arg[0] == '\0' &&
				    c.token[0] == '\0',
				    "%s: nothing else set", t[i].what);
			mime_msg_free(&m);
			continue;
		}
		is_str(c.list, t[i].list, "%s: list", t[i].what);
		is_str(c.arg, t[i].arg, "%s: arg", t[i].what);
		is_str(c.token, t[i].token, "%s: token", t[i].what);
		mime_msg_free(&m);
	}

	/* no message, no local part */
	memset(&c, 0x55, sizeof(c));
	list_cmd_parse(NULL, "flags", &c);
	is_int(c.kind, LC_NONE, "no message: no command");
	m = mail("flags+confirm-" TOK "@gw.example.eu", NULL, "", "");
	if (m != NULL) {
		list_cmd_parse(m, NULL, &c);
		is_int(c.kind, LC_NONE, "no gateway local part: no plus-address "
		    "command");
		list_cmd_parse(m, "FLAGS", &c);
		is_int(c.kind, LC_CONFIRM, "the local part in any case");
		mime_msg_free(&m);
	}

	is_str(list_cmd_name(LC_NONE), "none", "name none");
	is_str(list_cmd_name(LC_SUBSCRIBE), "subscribe", "name subscribe");
	is_str(list_cmd_name(LC_UNSUBSCRIBE), "unsubscribe",
	    "name unsubscribe");
	is_str(list_cmd_name(LC_CONFIRM), "confirm", "name confirm");
	is_str(list_cmd_name(LC_LISTS), "lists", "name lists");
	is_str(list_cmd_name(LC_HELP), "help", "name help");
	is_str(list_cmd_name(LC_UNSUB_TOKEN), "unsubscribe-token",
	    "name unsubscribe-token");
}

/* ------------------------------------------------------------- tokens */

static int
cmp_tok(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void
test_tokens(void)
{
	static char tok[1000][33];
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	bool seen[32][32];
	size_t i, j, bad_len = 0, bad_char = 0, bad_ok = 0, dup = 0, missing = 0;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 1000; i++) {
		memset(tok[i], 'X', sizeof(tok[i]));
		token_new(tok[i]);
		if (strlen(tok[i]) != 32)
			bad_len++;
		if (strspn(tok[i], alphabet) != 32)
			bad_char++;
		if (!token_ok(tok[i], strlen(tok[i])))
			bad_ok++;
		for (j = 0; j < 32 && tok[i][j] != '\0'; j++) {
			const char *p = strchr(alphabet, tok[i][j]);

			if (p != NULL)
				seen[j][p - alphabet] = true;
		}
	}
	is_int((long long)bad_len, 0, "1000 tokens: each 32 characters");
	is_int((long long)bad_char, 0, "each from [a-z2-7]");
	is_int((long long)bad_ok, 0, "each passes token_ok");
	qsort(tok, 1000, sizeof(tok[0]), cmp_tok);
	for (i = 1; i < 1000; i++)
		if (strcmp(tok[i - 1], tok[i]) == 0)
			dup++;
	is_int((long long)dup, 0, "1000 tokens are distinct");
	/* every position takes every letter: the 160 bits are all used */
	for (i = 0; i < 32; i++)
		for (j = 0; j < 32; j++)
			if (!seen[i][j])
				missing++;
	is_int((long long)missing, 0, "every position takes all 32 letters "
	    "(no stuck bits, the last one included)");

	ok(token_ok(TOK, 32), "token_ok: a good token");
	ok(!token_ok(TOK, 31), "token_ok: 31 characters");
	ok(!token_ok(TOK "a", 33), "token_ok: 33 characters");
	ok(!token_ok("", 0), "token_ok: empty");
	ok(!token_ok(TOK_BAD, 32), "token_ok: a '1'");
	ok(!token_ok("abcdefghijklmnopqrstuvwxyz234508", 32),
	    "token_ok: '0' and '8'");
	ok(!token_ok("Abcdefghijklmnopqrstuvwxyz234567", 32),
	    "token_ok: upper case");
	ok(!token_ok("abcdefghijklmnopqrstuvwxyz23456=", 32),
	    "token_ok: padding");
	ok(!token_ok("abcdefghijklmnop rstuvwxyz234567", 32),
	    "token_ok: a space");
}

/* --------------------------------------------------------- time_parse */

static void
test_time(void)
{
	static const struct {
		const char *s;
		int rc;
		long long t;
	} t[] = {
		{ "2026-11-28T10:00:00Z", 0, 1795860000 },
		{ "2026-11-28T10:00:00z", 0, 1795860000 },
		{ "2026-11-28T11:00:00+01:00", 0, 1795860000 },
		{ "2026-11-28T04:30:00-05:30", 0, 1795860000 },
		{ "2026-11-28T10:00:00+00:00", 0, 1795860000 },
		{ "2026-11-28T10:00:00-00:00", 0, 1795860000 },
		{ "2026-11-28T10:00Z", 0, 1795860000 },
		{ "2026-11-28T11:00+01:00", 0, 1795860000 },
		{ "2026-11-28T04:30-05:30", 0, 1795860000 },
		{ "2026-11-28T10:00:59Z", 0, 1795860059 },
		{ "2026-11-28T00:30:00+14:00", 0, 1795775400 },
		{ "2026-01-01T00:00:00Z", 0, 1767225600 },
		{ "2024-02-29T00:00:00Z", 0, 1709164800 },
		{ "1970-01-01T00:00:00Z", 0, 0 },
		{ "1795860000", 0, 1795860000 },
		{ "0", 0, 0 },
		{ "", -1, 0 },
		{ "2026-11-28", -1, 0 },
		{ "2026-11-28T10", -1, 0 },
		{ "2026-11-28T10:00", 0, 1795860000 },		/* no zone: UTC */
		{ "2026-11-28T10:00:00", 0, 1795860000 },
		{ "2026-11-28 10:00:00Z", -1, 0 },
		{ "2026-11-28T10:00:00ZZ", -1, 0 },
		{ "2026-11-28T10:00:00+0100", -1, 0 },
		{ "2026-11-28T10:00:00+01", -1, 0 },
		{ "2026-11-28T10:00:00+01:00x", -1, 0 },
		{ "2026-11-28T10:00:00+24:00", -1, 0 },
		{ "2026-11-28T10:00:00+01:60", -1, 0 },
		{ "2026-11-28T10:00:00 +01:00", -1, 0 },
		{ "2026-11-28T10:00:0Z", -1, 0 },
		{ "2026-11-28T10:00:61Z", -1, 0 },
		{ "2026-11-28T10:00:xxZ", -1, 0 },
		{ "2026-13-01T00:00:00Z", -1, 0 },
		{ "2026-11-32T00:00:00Z", -1, 0 },
		{ "2026-11-28T24:00:00Z", -1, 0 },
		{ "2026-11-28T10:60:00Z", -1, 0 },
		{ "-5", -1, 0 },
		{ "12abc", -1, 0 },
		{ "yesterday", -1, 0 },
		{ "99999999999999999999", -1, 0 },
	};
	static const char *const lax[] = {
		"2026-11-28T10:00:00+01:0x",	/* read as +01:00 */
		"2026-11-28T10:00:00+-1:00",	/* read as -01:00 */
		"2026-11-28T10:00:00-+1:00",	/* read as -01:00 */
		"2026-02-31T10:00:00Z",		/* read as 2026-03-03 */
		"2026-04-31T10:00:00Z",		/* read as 2026-05-01 */
	};
	int64_t v;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = -42;
		rc = time_parse(t[i].s, &v);
		if (is_int(rc, t[i].rc, "time_parse '%s': %s", t[i].s,
		    t[i].rc == 0 ? "read" : "refused") && t[i].rc == 0)
			is_int(v, t[i].t, "time_parse '%s': the time", t[i].s);
	}
	ok(time_parse(NULL, &v) == -1, "time_parse NULL");

	/* garbage in the offset, and impossible dates, are never read as
	 * some other time */
	for (i = 0; i < sizeof(lax) / sizeof(lax[0]); i++)
		ok(time_parse(lax[i], &v) == -1, "time_parse '%s': refused",
		    lax[i]);
}

/* ------------------------------------------------------ the store part */

static const char *dbpath;
static int mailno;

/* a stored mail from `from` */
static int64_t
msg_add(struct store *st, const char *from)
{
	struct message_row m;
	struct err err;
	char sha[SHA256_HEX_LEN];
	int64_t id = 0;

	snprintf(sha, sizeof(sha), "%064d", ++mailno);
	memset(&m, 0, sizeof(m));
	m.source = "test";
	m.sha256 = sha;
	m.raw = "raw";
	m.raw_len = m.size = 3;
	m.from_addr = from;
	m.date = -1;
	m.kind = KIND_NONE;
	m.status = "accepted";
	err_clear(&err);
	if (store_message_insert(st, &m, &id, &err) == -1)
		printf("# store_message_insert: %s\n", err.msg);
	return id;
}

/*
 * One command in its own transaction, as ingest runs it: returns the
 * lists_apply result, *refused_r the refusal (or NULL, malloc'd).
 */
static int
apply(const struct config *cfg, struct store *st, const struct list_cmd *c,
    const char *from, bool verified, char **refused_r, int64_t *msg_r)
{
	struct err err;
	int64_t msg;
	int r;

	err_clear(&err);
	*refused_r = NULL;
	if (store_begin(st, &err) == -1) {
		printf("# begin: %s\n", err.msg);
		return -2;
	}
	msg = msg_add(st, from);
	if (msg_r != NULL)
		*msg_r = msg;
	r = lists_apply(cfg, st, msg, c, from, verified, refused_r, &err);
	if (r == -1) {
		printf("# lists_apply: %s\n", err.msg);
		store_rollback(st);
		return -1;
	}
	if (store_commit(st, &err) == -1) {
		printf("# commit: %s\n", err.msg);
		return -2;
	}
	return r;
}

static struct list_cmd
cmd(enum list_cmd_kind k, const char *list, const char *arg,
    const char *token)
{
	struct list_cmd c;

	memset(&c, 0, sizeof(c));
	c.kind = k;
	snprintf(c.list, sizeof(c.list), "%s", list != NULL ? list : "");
	snprintf(c.arg, sizeof(c.arg), "%s", arg != NULL ? arg : "");
	snprintf(c.token, sizeof(c.token), "%s", token != NULL ? token : "");
	return c;
}

static long long
outbox_count(void)
{
	return sql_int(dbpath, "SELECT count(*) FROM outbox");
}

/* the last list command: command|list|address|result */
static const char *
last_cmd(void)
{
	return sql_row(dbpath, "SELECT command, list, address, result FROM"
	    " list_command ORDER BY id DESC LIMIT 1");
}

/* the last outbox row: kind|recipient|status|command is the last cmd|
 * message */
static const char *
last_outbox(void)
{
	return sql_row(dbpath, "SELECT kind, recipient, status,"
	    " command = (SELECT max(id) FROM list_command), message"
	    " FROM outbox ORDER BY id DESC LIMIT 1");
}

/* the last outbox row is an ack to `to` for the last command of the
 * last mail */
static int
is_ack(const char *to, const char *what)
{
	char want[256], got[1024];

	snprintf(want, sizeof(want), "ack|%s|pending|1|%s", to,
	    sql_row(dbpath, "SELECT max(id) FROM message"));
	snprintf(got, sizeof(got), "%s", last_outbox());
	return is_str(got, want, "%s", what);
}

/* the token of the last request of an address */
static void
request_token(const char *address, char out[33])
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT token FROM subscribe_request"
	    " WHERE address = '%s' ORDER BY id DESC LIMIT 1", address);
	snprintf(out, 33, "%s", sql_row(dbpath, sql));
}

static bool
subscribed(struct store *st, const char *list, const char *address)
{
	struct subscriber sb;
	struct err err;
	bool found = false;

	err_clear(&err);
	if (store_subscriber_get(st, list, address, &sb, &found, &err) == -1)
		printf("# store_subscriber_get: %s\n", err.msg);
	subscriber_clear(&sb);
	return found;
}

/* a configuration read from text, as the gateway reads its file */
static struct config *
config_text(const char *text)
{
	char path[] = "/tmp/flagpost-lists-conf-XXXXXX";
	struct config *cfg = NULL;
	FILE *fp;
	int fd;

	if ((fd = mkstemp(path)) == -1 || (fp = fdopen(fd, "w")) == NULL)
		abort();
	fputs(text, fp);
	fclose(fp);
	if (config_load(path, &cfg, NULL, NULL) != 0)
		cfg = NULL;
	unlink(path);
	return cfg;
}

static struct config *
lists_config(void)
{
	return config_text("[gateway]\naddress = flags@gw.example.eu\n"
	    "[auth]\npolicy = none\n"
	    "[digest]\nconfirm_within = 7d\n"
	    "[list weekly]\ndescription = Weekly best practices\n"
	    "schedule = weekly mon 08:00\n");
}

static void
test_store(void)
{
	char dir[] = "/tmp/flagpost-lists-XXXXXX", path[256], token[33];
	char sql[512];
	char d_cso[] = "cso.example.org", d_two[] = "cso2.example.org";
	char d_gone[] = "gone.example.org", a_press[] = "press@other.example.net";
	char n_cso[] = "CSO Example", n_two[] = "CSO Two", n_gone[] = "Gone";
	char n_press[] = "Press";
	char c_addr[] = "trust@youtube.example.com", c_name[] = "YouTube T&S";
	char c_plat[] = "youtube";
	char *dom_cso[] = { d_cso }, *dom_two[] = { d_two }, *dom_gone[] = {
	    d_gone }, *addr_press[] = { a_press };
	struct config *cfg, *nolists;
	struct store *st = NULL;
	struct subscriber sb;
	struct org o;
	struct contact ct;
	struct err err;
	struct list_cmd c;
	struct outbox_row ob;
	int64_t org_cso = 0, org_press = 0, contact = 0, got_c, got_o, did;
	int64_t sub_anna, sub_trust, row_anna, row_trust, msg;
	char *refused = NULL;
	long long n;
	bool added, removed, found;
	int r;

	setenv("FLAGPOST_NOW", "2026-11-28T10:00:00Z", 1);
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/flagpost.db", dir);
	dbpath = path;
	err_clear(&err);
	if (!ok(store_open(path, &st, &err) == 0, "store_open: %s", err.msg))
		return;
	cfg = lists_config();
	if (!ok(cfg != NULL, "a configuration with [list weekly]")) {
		store_close(&st);
		return;
	}
	is_int(cfg->replies_per_day, 10, "replies_per_day defaults to 10");
	cfg->replies_per_day = 1000;	/* the cap is tested at the end */

	memset(&o, 0, sizeof(o));
	o.name = n_cso;
	o.domains = dom_cso;
	o.ndomains = 1;
	ok(store_org_add(st, &o, &org_cso, &err) == 0, "org CSO Example");
	o.name = n_two;
	o.domains = dom_two;
	ok(store_org_add(st, &o, NULL, &err) == 0, "org CSO Two");
	o.name = n_gone;
	o.domains = dom_gone;
	ok(store_org_add(st, &o, NULL, &err) == 0 &&
	    store_org_disable(st, "Gone", &err) == 0, "org Gone, disabled");
	o.name = n_press;
	o.domains = NULL;
	o.ndomains = 0;
	o.addresses = addr_press;
	o.naddresses = 1;
	ok(store_org_add(st, &o, &org_press, &err) == 0,
	    "org Press, by address");
	memset(&ct, 0, sizeof(ct));
	ct.address = c_addr;
	ct.name = c_name;
	ct.platform = c_plat;
	ok(store_contact_add(st, &ct, &contact, &err) == 0, "a contact");

	/* lists_member */
	ok(lists_member(st, "anna@cso.example.org", &got_c, &got_o, &err) ==
	    0 && got_c == 0 && got_o == org_cso,
	    "member: an address in an organisation's domain");
	ok(lists_member(st, "press@other.example.net", &got_c, &got_o, &err) ==
	    0 && got_c == 0 && got_o == org_press,
	    "member: an organisation's own address");
	ok(lists_member(st, "Trust@YouTube.example.com", &got_c, &got_o,
	    &err) == 0 && got_c == contact && got_o == 0,
	    "member: a company contact, any case");
	err_clear(&err);
	ok(lists_member(st, "x@other.example.net", &got_c, &got_o, &err) ==
	    -1 && err.cls == ERR_MSG && got_c == 0 && got_o == 0,
	    "member: an unknown address is not");
	is_str(err.msg, "x@other.example.net is neither a company contact nor "
	    "an address of a registered organisation", "with why");
	err_clear(&err);
	ok(lists_member(st, "bob@gone.example.org", &got_c, &got_o, &err) ==
	    -1 && err.cls == ERR_MSG, "member: a disabled organisation is not");
	is_str(err.msg, "bob@gone.example.org belongs to the organisation "
	    "'Gone', which is disabled", "with why");
	err_clear(&err);
	ok(lists_member(st, "anna@sub.cso.example.org", &got_c, &got_o,
	    &err) == -1, "member: a subdomain is not the domain");

	/* the coordinator's lists_subscribe / lists_unsubscribe */
	err_clear(&err);
	ok(lists_subscribe(st, "weekly", "press@other.example.net",
	    "coordinator", &added, &err) == 0 && added,
	    "lists_subscribe adds");
	ok(lists_subscribe(st, "Weekly", "PRESS@other.example.net",
	    "coordinator", &added, &err) == 0 && !added,
	    "a second time, in other cases: not added again");
	is_int(sql_int(path, "SELECT count(*) FROM subscriber"), 1,
	    "one subscriber row");
	memset(&sb, 0, sizeof(sb));
	ok(store_subscriber_get(st, "weekly", "press@other.example.net", &sb,
	    &found, &err) == 0 && found, "found");
	if (found) {
		ok(sb.token != NULL && token_ok(sb.token, strlen(sb.token)),
		    "with a token");
		is_str(sb.via, "coordinator", "via coordinator");
		is_int(sb.org, org_press, "its organisation");
		is_int(sb.contact, 0, "no contact");
	}
	subscriber_clear(&sb);
	n = outbox_count();
	ok(store_begin(st, &err) == 0 &&
	    lists_welcome(cfg, st, "weekly", "press@other.example.net",
	    &err) == 0 && store_commit(st, &err) == 0,
	    "lists_welcome: %s", err.msg);
	is_int(outbox_count(), n + 1, "the welcome is queued");
	is_str(sql_row(path, "SELECT kind, recipient, message, command ="
	    " (SELECT max(id) FROM list_command) FROM outbox ORDER BY id DESC"
	    " LIMIT 1"), "ack|press@other.example.net|~|1",
	    "an ack without a mail, with its command");
	is_str(sql_row(path, "SELECT command, list, address, result, message"
	    " FROM list_command ORDER BY id DESC LIMIT 1"),
	    "subscribe|weekly|press@other.example.net|subscribed|~",
	    "a coordinator's command: no mail");
	err_clear(&err);
	ok(lists_subscribe(st, "weekly", "x@nowhere.example", "coordinator",
	    &added, &err) == -1 && err.cls == ERR_MSG,
	    "lists_subscribe refuses a non-member");
	is_str(err.msg, "x@nowhere.example is neither a company contact nor "
	    "an address of a registered organisation", "with why");
	ok(lists_unsubscribe(st, "weekly", "Press@other.example.net", &removed,
	    &err) == 0 && removed, "lists_unsubscribe removes (any case)");
	ok(lists_unsubscribe(st, "weekly", "press@other.example.net", &removed,
	    &err) == 0 && !removed, "a second time: nothing to remove");
	ok(!subscribed(st, "weekly", "press@other.example.net"), "gone");

	/* subscribe by mail: a request and a confirmation, nobody added */
	n = outbox_count();
	c = cmd(LC_SUBSCRIBE, "weekly", NULL, NULL);
	r = apply(cfg, st, &c, "anna@cso.example.org", true, &refused, &msg);
	ok(r == 0 && refused == NULL, "subscribe weekly: carried out");
	free(refused);
	ok(!subscribed(st, "weekly", "anna@cso.example.org"),
	    "nobody is subscribed before the confirmation");
	is_str(sql_row(path, "SELECT list, address, expires, done,"
	    " length(token) FROM subscribe_request"),
	    "weekly|anna@cso.example.org|2026-12-05T10:00:00Z|~|32",
	    "a request, expiring after confirm_within");
	is_int(outbox_count(), n + 1, "one row queued");
	snprintf(sql, sizeof(sql), "ack|anna@cso.example.org|pending|1|%lld",
	    (long long)msg);
	is_str(last_outbox(), sql, "an ack to the sender with the command");
	is_ack("anna@cso.example.org", "is_ack agrees");
	is_str(last_cmd(), "subscribe|weekly|anna@cso.example.org|confirm",
	    "the command recorded");
	request_token("anna@cso.example.org", token);
	is_str(sql_row(path, "SELECT token = (SELECT token FROM"
	    " subscribe_request) FROM list_command ORDER BY id DESC LIMIT 1"),
	    "1", "the command carries the request's token");
	is_int(sql_int(path, "SELECT count(*) FROM outbox WHERE subscriber"
	    " IS NOT NULL"), 0, "the ack has no subscriber");

	/* confirm it */
	n = outbox_count();
	c = cmd(LC_CONFIRM, NULL, NULL, token);
	r = apply(cfg, st, &c, "anna@cso.example.org", true, &refused, NULL);
	ok(r == 0 && refused == NULL, "confirm TOKEN: carried out");
	free(refused);
	ok(subscribed(st, "weekly", "anna@cso.example.org"), "subscribed");
	memset(&sb, 0, sizeof(sb));
	sub_anna = 0;
	if (store_subscriber_get(st, "weekly", "anna@cso.example.org", &sb,
	    &found, &err) == 0 && found) {
		sub_anna = sb.id;
		is_str(sb.via, "mail", "via mail");
		is_int(sb.org, org_cso, "as a member of her organisation");
		ok(sb.token != NULL && strcmp(sb.token, token) != 0 &&
		    token_ok(sb.token, strlen(sb.token)),
		    "with its own unsubscribe token, not the confirmation's");
	}
	subscriber_clear(&sb);
	is_str(sql_row(path, "SELECT done IS NOT NULL FROM subscribe_request"),
	    "1", "the request is done");
	is_int(outbox_count(), n + 1, "one answer");
	is_ack("anna@cso.example.org",
	    "an ack with the command");
	is_str(last_cmd(), "confirm|weekly|anna@cso.example.org|subscribed",
	    "recorded as subscribed");

	/* a second confirmation */
	r = apply(cfg, st, &c, "anna@cso.example.org", true, &refused, NULL);
	ok(r == 0 && refused != NULL, "a second confirm is refused");
	is_str(refused, "This confirmation was used already.", "why");
	free(refused);
	is_str(last_cmd(), "confirm|~|anna@cso.example.org|refused: This "
	    "confirmation was used already.", "recorded as refused");
	is_ack("anna@cso.example.org",
	    "answered, to a verified sender");

	/* an unknown token; not verified: no answer */
	n = outbox_count();
	c = cmd(LC_CONFIRM, NULL, NULL, TOK);
	r = apply(cfg, st, &c, "someone@else.example", false, &refused, NULL);
	ok(r == 0 && refused != NULL, "an unknown confirmation is refused");
	is_str(refused, "This confirmation is not known.", "why");
	free(refused);
	is_int(outbox_count(), n, "not answered: the sender is not verified");

	/* an expired one */
	c = cmd(LC_SUBSCRIBE, "weekly", NULL, NULL);
	r = apply(cfg, st, &c, "press@other.example.net", true, &refused, NULL);
	ok(r == 0 && refused == NULL, "press asks");
	free(refused);
	request_token("press@other.example.net", token);
	setenv("FLAGPOST_NOW", "2026-12-05T10:00:00Z", 1);
	c = cmd(LC_CONFIRM, NULL, NULL, token);
	r = apply(cfg, st, &c, "press@other.example.net", true, &refused, NULL);
	ok(r == 0 && refused != NULL, "confirm at the expiry time: refused");
	is_str(refused, "This confirmation has expired; write subscribe LIST "
	    "again.", "why");
	free(refused);
	ok(!subscribed(st, "weekly", "press@other.example.net"),
	    "not subscribed");
	setenv("FLAGPOST_NOW", "2026-12-05T09:59:59Z", 1);
	r = apply(cfg, st, &c, "press@other.example.net", true, &refused, NULL);
	ok(r == 0 && refused == NULL, "a second before: carried out");
	free(refused);
	ok(subscribed(st, "weekly", "press@other.example.net"), "subscribed");
	setenv("FLAGPOST_NOW", "2026-11-28T10:00:00Z", 1);

	/* the organisation is disabled between request and confirmation */
	c = cmd(LC_SUBSCRIBE, "weekly", NULL, NULL);
	r = apply(cfg, st, &c, "carl@cso2.example.org", true, &refused, NULL);
	ok(r == 0 && refused == NULL, "carl asks");
	free(refused);
	request_token("carl@cso2.example.org", token);
	ok(store_org_disable(st, "CSO Two", &err) == 0, "CSO Two disabled");
	c = cmd(LC_CONFIRM, NULL, NULL, token);
	r = apply(cfg, st, &c, "carl@cso2.example.org", true, &refused, NULL);
	ok(r == 0 && refused != NULL, "confirm from a disabled organisation: "
	    "refused");
	is_str(refused, "carl@cso2.example.org belongs to the organisation "
	    "'CSO Two', which is disabled", "why");
	free(refused);
	ok(!subscribed(st, "weekly", "carl@cso2.example.org"),
	    "not subscribed");

	/* the list is gone from the configuration before the confirmation */
	c = cmd(LC_SUBSCRIBE, "weekly", NULL, NULL);
	r = apply(cfg, st, &c, "trust@youtube.example.com", true, &refused,
	    NULL);
	ok(r == 0 && refused == NULL, "the contact asks");
	free(refused);
	request_token("trust@youtube.example.com", token);
	nolists = config_default();
	c = cmd(LC_CONFIRM, NULL, NULL, token);
	r = apply(nolists, st, &c, "trust@youtube.example.com", true, &refused,
	    NULL);
	ok(r == 0 && refused != NULL, "confirm for a removed list: refused");
	is_str(refused, "There is no list 'weekly' any more.", "why");
	free(refused);
	config_free(&nolists);
	r = apply(cfg, st, &c, "trust@youtube.example.com", true, &refused,
	    NULL);
	ok(r == 0 && refused == NULL, "with the list back: carried out");
	free(refused);
	memset(&sb, 0, sizeof(sb));
	sub_trust = 0;
	if (store_subscriber_get(st, "weekly", "trust@youtube.example.com",
	    &sb, &found, &err) == 0 && found) {
		sub_trust = sb.id;
		is_int(sb.contact, contact, "a contact subscriber");
		is_int(sb.org, 0, "without an organisation");
	}
	subscriber_clear(&sb);

	/* unsubscribe by token drops what waits for that subscriber */
	memset(&sb, 0, sizeof(sb));
	store_subscriber_by_id(st, sub_anna, &sb, &found, &err);
	snprintf(token, sizeof(token), "%s", found ? sb.token : "");
	subscriber_clear(&sb);
	ok(store_begin(st, &err) == 0 &&
	    store_digest_add(st, "weekly", "2026-11-23T07:00:00Z",
	    "2026-11-30T07:00:00Z", 3, &did, &err) == 0, "a digest");
	memset(&ob, 0, sizeof(ob));
	ob.kind = "digest";
	ob.recipient = "anna@cso.example.org";
	ob.digest = did;
	ob.subscriber = sub_anna;
	row_anna = row_trust = 0;
	ok(store_outbox_add(st, &ob, &row_anna, &err) == 0,
	    "a digest waits for anna");
	ob.recipient = "trust@youtube.example.com";
	ob.subscriber = sub_trust;
	ob.contact = contact;
	ok(store_outbox_add(st, &ob, &row_trust, &err) == 0 &&
	    store_commit(st, &err) == 0, "and one for the contact");
	n = outbox_count();
	c = cmd(LC_UNSUB_TOKEN, NULL, NULL, token);
	r = apply(cfg, st, &c, "anyone@elsewhere.example", false, &refused,
	    NULL);
	ok(r == 0 && refused == NULL, "unsubscribe-TOKEN from anyone, "
	    "unverified: carried out");
	free(refused);
	ok(!subscribed(st, "weekly", "anna@cso.example.org"), "anna is off");
	snprintf(sql, sizeof(sql), "SELECT status, last_error FROM outbox"
	    " WHERE id = %lld", (long long)row_anna);
	is_str(sql_row(path, sql), "dropped|unsubscribed",
	    "her pending digest is dropped");
	snprintf(sql, sizeof(sql), "SELECT status FROM outbox WHERE id = %lld",
	    (long long)row_trust);
	is_str(sql_row(path, sql), "pending", "the contact's still waits");
	is_int(outbox_count(), n + 1, "one answer");
	is_ack("anna@cso.example.org",
	    "to the subscriber's address, not to the sender");
	is_str(last_cmd(), "unsubscribe-token|weekly|anna@cso.example.org|"
	    "unsubscribed", "recorded");
	n = outbox_count();
	r = apply(cfg, st, &c, "anyone@elsewhere.example", true, &refused,
	    NULL);
	ok(r == 0 && refused != NULL, "the same token again: refused");
	is_str(refused, "The unsubscribe address is not (or no longer) valid: "
	    "nobody is subscribed with it.", "why");
	free(refused);
	is_int(outbox_count(), n, "not answered");

	/* subscribe another address */
	n = outbox_count();
	c = cmd(LC_SUBSCRIBE, "weekly", "bob@cso.example.org", NULL);
	r = apply(cfg, st, &c, "anna@cso.example.org", true, &refused, NULL);
	ok(r == 0 && refused != NULL, "subscribe another address: refused");
	is_str(refused, "You can subscribe only your own address, "
	    "anna@cso.example.org. Whoever reads bob@cso.example.org must "
	    "write to the gateway from that address.", "exact text");
	free(refused);
	is_int(outbox_count(), n + 1, "answered");
	is_str(last_cmd(), "subscribe|weekly|anna@cso.example.org|refused: You "
	    "can subscribe only your own address, anna@cso.example.org. "
	    "Whoever reads bob@cso.example.org must write to the gateway from "
	    "that address.", "recorded");
	is_int(sql_int(path, "SELECT count(*) FROM subscribe_request WHERE"
	    " address = 'bob@cso.example.org'"), 0, "no request for bob");
	c = cmd(LC_UNSUBSCRIBE, "weekly", "trust@youtube.example.com", NULL);
	r = apply(cfg, st, &c, "anna@cso.example.org", true, &refused, NULL);
	ok(r == 0 && refused != NULL, "unsubscribe another address: refused");
	is_str(refused, "You can unsubscribe only your own address, "
	    "anna@cso.example.org. Whoever reads trust@youtube.example.com "
	    "must write to the gateway from that address.", "exact text");
	free(refused);
	ok(subscribed(st, "weekly", "trust@youtube.example.com"),
	    "the contact stays");
	c = cmd(LC_SUBSCRIBE, "weekly", "Anna@CSO.example.org", NULL);
	r = apply(cfg, st, &c, "anna@cso.example.org", true, &refused, NULL);
	ok(r == 0 && refused == NULL, "subscribe naming one's own address "
	    "(any case): carried out");
	free(refused);
	is_str(last_cmd(), "subscribe|weekly|anna@cso.example.org|confirm",
	    "a confirmation asked");

	/* unknown list, no list, not subscribed, subscribed already */
	c = cmd(LC_SUBSCRIBE, "monthly", NULL, NULL);
	r = apply(cfg, st, &c, "anna@cso.example.org", true, &refused, NULL);
	ok(r == 0 && refused != NULL, "an unknown list: refused");
	is_str(refused, "There is no list 'monthly'.", "exact text");
	free(refused);
	is_str(last_cmd(), "subscribe|monthly|anna@cso.example.org|refused: "
	    "There is no list 'monthly'.", "recorded with the list");
	c = cmd(LC_SUBSCRIBE, NULL, NULL, NULL);
	r = apply(cfg, st, &c, "anna@cso.example.org", true, &refused, NULL);
	ok(r == 0 && refused != NULL, "subscribe without a list: refused");
	is_str(refused, "Which list? Write 'subscribe LIST' with one of the "
	    "lists below.", "exact text");
	free(refused);
	c = cmd(LC_UNSUBSCRIBE, "weekly", NULL, NULL);
	r = apply(cfg, st, &c, "anna@cso.example.org", true, &refused, NULL);
	ok(r == 0 && refused != NULL, "unsubscribe when not on it: refused");
	is_str(refused, "anna@cso.example.org is not subscribed to 'weekly'.",
	    "exact text");
	free(refused);
	c = cmd(LC_SUBSCRIBE, "weekly", NULL, NULL);
	r = apply(cfg, st, &c, "trust@youtube.example.com", true, &refused,
	    NULL);
	ok(r == 0 && refused != NULL, "subscribe when on it: refused");
	is_str(refused, "trust@youtube.example.com is subscribed to 'weekly' "
	    "already.", "exact text");
	free(refused);
	c = cmd(LC_SUBSCRIBE, "weekly", NULL, NULL);
	r = apply(cfg, st, &c, "x@nowhere.example", true, &refused, NULL);
	ok(r == 0 && refused != NULL, "subscribe from a non-member: refused");
	is_str(refused, "x@nowhere.example is neither a company contact nor "
	    "an address of a registered organisation", "exact text");
	free(refused);

	/* unsubscribe by command */
	n = outbox_count();
	c = cmd(LC_UNSUBSCRIBE, "weekly", NULL, NULL);
	r = apply(cfg, st, &c, "trust@youtube.example.com", true, &refused,
	    NULL);
	ok(r == 0 && refused == NULL, "unsubscribe weekly: carried out");
	free(refused);
	ok(!subscribed(st, "weekly", "trust@youtube.example.com"),
	    "the contact is off");
	snprintf(sql, sizeof(sql), "SELECT status FROM outbox WHERE id = %lld",
	    (long long)row_trust);
	is_str(sql_row(path, sql), "dropped", "and the digest waiting for it "
	    "is dropped");
	is_int(outbox_count(), n + 1, "answered");
	is_str(last_cmd(), "unsubscribe|weekly|trust@youtube.example.com|"
	    "unsubscribed", "recorded");

	/* help and lists */
	c = cmd(LC_HELP, NULL, NULL, NULL);
	r = apply(cfg, st, &c, "anna@cso.example.org", true, &refused, NULL);
	ok(r == 0 && refused == NULL, "help");
	is_str(last_cmd(), "help|~|anna@cso.example.org|help", "recorded");
	is_ack("anna@cso.example.org",
	    "answered");
	c = cmd(LC_LISTS, NULL, NULL, NULL);
	r = apply(cfg, st, &c, "anna@cso.example.org", true, &refused, NULL);
	ok(r == 0 && refused == NULL, "lists");
	is_str(last_cmd(), "lists|~|anna@cso.example.org|help", "recorded");

	/* the daily cap: commands still carried out, answers stop */
	cfg->replies_per_day = 2;
	c = cmd(LC_HELP, NULL, NULL, NULL);
	n = outbox_count();
	r = apply(cfg, st, &c, "dora@cso.example.org", true, &refused, NULL);
	ok(r == 0, "cap: help 1");
	r = apply(cfg, st, &c, "dora@cso.example.org", true, &refused, NULL);
	ok(r == 0, "cap: help 2");
	is_int(outbox_count(), n + 2, "cap: two answers");
	n = outbox_count();
	r = apply(cfg, st, &c, "Dora@cso.example.org", true, &refused, NULL);
	ok(r == 0, "cap: help 3");
	is_int(outbox_count(), n, "cap: the third is not answered (any case)");
	is_str(last_cmd(), "help|~|Dora@cso.example.org|help",
	    "cap: but recorded");
	c = cmd(LC_SUBSCRIBE, "weekly", NULL, NULL);
	r = apply(cfg, st, &c, "dora@cso.example.org", true, &refused, NULL);
	ok(r == 0 && refused == NULL, "cap: subscribe carried out");
	free(refused);
	is_str(sql_row(path, "SELECT address, done FROM subscribe_request"
	    " ORDER BY id DESC LIMIT 1"), "dora@cso.example.org|~",
	    "cap: a request");
	request_token("dora@cso.example.org", token);
	c = cmd(LC_CONFIRM, NULL, NULL, token);
	r = apply(cfg, st, &c, "dora@cso.example.org", true, &refused, NULL);
	ok(r == 0 && refused == NULL, "cap: confirm carried out");
	free(refused);
	ok(subscribed(st, "weekly", "dora@cso.example.org"),
	    "cap: dora is subscribed");
	c = cmd(LC_UNSUBSCRIBE, "weekly", NULL, NULL);
	r = apply(cfg, st, &c, "dora@cso.example.org", true, &refused, NULL);
	ok(r == 0 && refused == NULL, "cap: unsubscribe carried out");
	free(refused);
	ok(!subscribed(st, "weekly", "dora@cso.example.org"), "cap: dora is off");
	is_str(last_cmd(), "unsubscribe|weekly|dora@cso.example.org|"
	    "unsubscribed", "cap: recorded");
	c = cmd(LC_SUBSCRIBE, "nolist", NULL, NULL);
	r = apply(cfg, st, &c, "dora@cso.example.org", true, &refused, NULL);
	ok(r == 0 && refused != NULL, "cap: a refusal still says why");
	free(refused);
	is_int(outbox_count(), n, "cap: nothing queued for dora");
	/* the cap counts one day */
	setenv("FLAGPOST_NOW", "2026-11-29T10:00:01Z", 1);
	c = cmd(LC_HELP, NULL, NULL, NULL);
	r = apply(cfg, st, &c, "dora@cso.example.org", true, &refused, NULL);
	ok(r == 0, "a day later");
	is_int(outbox_count(), n + 1, "answered again");
	setenv("FLAGPOST_NOW", "2026-11-28T10:00:00Z", 1);

	is_str(sql_row(path, "PRAGMA foreign_key_check"), "(none)",
	    "no dangling references");
	config_free(&cfg);
	store_close(&st);
	unlink(path);
	snprintf(sql, sizeof(sql), "%s-wal", path);
	unlink(sql);
	snprintf(sql, sizeof(sql), "%s-shm", path);
	unlink(sql);
	rmdir(dir);
}

/* ------------------------------------------------------------- digests */

/* a record of the digest test: label, kind, fields, when it was made,
 * when routed ("=": when made; NULL: not routed; "q...": quarantined
 * then), an urgent route, a route to a contact (1 or 2; 0: none) */
struct drec {
	const char *label;
	enum record_kind kind;
	const char *fields;
	const char *made, *routed;
	bool urgent;
	int to;
	int64_t id;
	char ref[32];
};

static struct drec drecs[] = {
	/* hub submissions */
	{ "H1", KIND_HUB, "{\"category\":\"research\",\"country\":[\"DE\"]}",
	  "2026-11-24T09:00:00Z", "=", false, 0, 0, "" },
	{ "H2", KIND_HUB, "{\"category\":\"best-practice\"}",
	  "2026-11-25T09:00:00Z", "=", false, 0, 0, "" },
	{ "H3", KIND_HUB, "{\"category\":\"campaign\",\"country\":\"DE\"}",
	  "2026-11-24T09:00:00Z", "=", false, 0, 0, "" },
	{ "H4", KIND_HUB, "{\"category\":\"research\",\"country\":[\"FR\"]}",
	  "2026-11-24T09:00:00Z", "=", false, 0, 0, "" },
	{ "H5", KIND_HUB, "{\"category\":\"research\","
	  "\"country\":[\"FR\",\"de\"],\"language\":[]}",
	  "2026-11-26T09:00:00Z", "=", false, 0, 0, "" },
	{ "H6", KIND_HUB, "{\"category\":\"research\"}",
	  "2026-11-30T00:00:00Z", "=", false, 0, 0, "" },	/* at end: out */
	{ "H7", KIND_HUB, "{\"category\":\"research\",\"country\":\"\"}",
	  "2026-11-23T00:00:00Z", "=", false, 0, 0, "" },	/* at start: in */
	{ "H8", KIND_HUB, "{\"category\":\"research\"}",
	  "2026-11-22T23:59:59Z", "=", false, 0, 0, "" },	/* before: out */
	{ "H9", KIND_HUB, "{\"category\":\"research\"}",
	  "2026-11-24T09:00:00Z", "q2026-11-24T09:00:00Z", false, 0, 0, "" },
	{ "H10", KIND_HUB, "{\"category\":\"research\"}",
	  "2026-11-24T09:00:00Z", NULL, false, 0, 0, "" },	/* not routed */
	{ "H11", KIND_HUB, "{\"category\":\"research\"}",	/* routed late */
	  "2026-11-20T09:00:00Z", "2026-11-24T09:00:00Z", false, 0, 0, "" },
	{ "H12", KIND_HUB, "{\"category\":\"research\"}",	/* in a digest */
	  "2026-11-20T09:00:00Z", "=", false, 0, 0, "" },
	/* early warnings */
	{ "W1", KIND_EARLY_WARNING, "{\"starts\":\"2026-11-10\"}",
	  "2026-11-10T09:00:00Z", "=", false, 0, 0, "" },	/* ended 11-17 */
	{ "W2", KIND_EARLY_WARNING, "{\"starts\":\"2026-11-16\"}",
	  "2026-11-16T09:00:00Z", "=", false, 0, 0, "" },	/* ends at start */
	{ "W2b", KIND_EARLY_WARNING, "{\"starts\":\"2026-11-15\"}",
	  "2026-11-15T09:00:00Z", "=", false, 0, 0, "" },	/* ended 11-22 */
	{ "W3", KIND_EARLY_WARNING, "{\"starts\":\"2026-11-01\","
	  "\"ends\":\"2026-11-23\"}",
	  "2026-11-01T09:00:00Z", "=", false, 0, 0, "" },	/* its last day */
	{ "W4", KIND_EARLY_WARNING, "{\"starts\":\"2026-11-01\","
	  "\"ends\":\"2026-11-22\"}",
	  "2026-11-01T09:00:00Z", "=", false, 0, 0, "" },	/* over */
	{ "W5", KIND_EARLY_WARNING, "{\"starts\":\"2026-11-25\","
	  "\"risk\":\"high\"}",
	  "2026-11-24T09:00:00Z", "=", false, 0, 0, "" },	/* urgent: risk */
	{ "W6", KIND_EARLY_WARNING, "{\"starts\":\"2026-11-24\","
	  "\"risk\":\"low\"}",
	  "2026-11-24T10:00:00Z", "=", true, 0, 0, "" },	/* urgent: route */
	{ "W7", KIND_EARLY_WARNING, "{\"starts\":\"2026-11-28\"}",
	  "2026-11-30T00:00:00Z", "=", false, 0, 0, "" },	/* made at end */
	{ "W8", KIND_EARLY_WARNING, "{\"starts\":\"2026-11-25\","
	  "\"country\":[\"FR\"]}",
	  "2026-11-25T09:00:00Z", "=", false, 0, 0, "" },
	{ "W9", KIND_EARLY_WARNING, "{\"starts\":\"2026-11-26T18:00\","
	  "\"risk\":\"critical\",\"country\":[\"DE\"]}",
	  "2026-11-26T09:00:00Z", "=", false, 0, 0, "" },
	{ "W10", KIND_EARLY_WARNING, "{\"starts\":\"2026-11-27\","
	  "\"ends\":\"2026-11-29T12:00+01:00\"}",
	  "2026-11-27T09:00:00Z", "=", false, 0, 0, "" },
	{ "W11", KIND_EARLY_WARNING, "{\"starts\":\"2026-11-25\","
	  "\"risk\":\"high\",\"country\":\"FR\"}",
	  "2026-11-25T09:00:00Z", "=", false, 0, 0, "" },	/* urgent, FR */
	{ "W12", KIND_EARLY_WARNING, "{\"starts\":\"2026-11-25\"}",
	  "2026-11-25T09:00:00Z", NULL, false, 0, 0, "" },	/* not routed */
	/* flags */
	{ "F1", KIND_FLAG, "{}", "2026-11-25T00:00:00Z", "=", false, 1, 0, "" },
	{ "F2", KIND_FLAG, "{}", "2026-11-29T12:00:00Z", "=", false, 1, 0, "" },
	{ "F3", KIND_FLAG, "{}", "2026-11-26T00:00:00Z", "=", false, 1, 0, "" },
	{ "F4", KIND_FLAG, "{}", "2026-11-26T00:00:00Z", "=", false, 2, 0, "" },
	{ "F5", KIND_FLAG, "{}", "2026-11-30T00:00:00Z", "=", false, 1, 0, "" },
	{ "F6", KIND_FLAG, "{}", "2026-11-29T00:00:00Z", "=", false, 1, 0, "" },
	{ "F8", KIND_FLAG, "{}", "2026-11-25T06:00:00Z", "=", false, 1, 0, "" },
};

static struct drec *
drec(const char *label)
{
	size_t i;

	for (i = 0; i < sizeof(drecs) / sizeof(drecs[0]); i++)
		if (strcmp(drecs[i].label, label) == 0)
			return &drecs[i];
	abort();
}

/* the labels of items, "L1 L2 ...", "!" after an urgent or overdue one */
static const char *
labels(const struct digest_item *v, size_t n)
{
	static char out[512];
	size_t i, j, len;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		const char *l = "?";

		for (j = 0; j < sizeof(drecs) / sizeof(drecs[0]); j++)
			if (drecs[j].id == v[i].id)
				l = drecs[j].label;
		len = strlen(out);
		snprintf(out + len, sizeof(out) - len, "%s%s%s", i ? " " : "",
		    l, v[i].urgent || v[i].overdue ? "!" : "");
	}
	return out;
}

static struct config *
digest_config(void)
{
	return config_text("[gateway]\naddress = flags@gw.example.eu\n"
	    "[auth]\npolicy = none\n"
	    "[list all]\nschedule = weekly mon 00:00\n"
	    "[list weekly]\ndescription = Weekly best practices\n"
	    "schedule = weekly mon 00:00\n"
	    "categories = best-practice, research\ncountry = DE\n"
	    "[list hub]\nschedule = weekly mon 00:00\ncontent = hub\n"
	    "[list ew]\nschedule = weekly mon 00:00\n"
	    "content = early-warnings, flags\n"
	    "[list fr]\nschedule = weekly mon 00:00\ncountry = fr\n"
	    "content = early-warnings\n"
	    "[list odd]\ndescription = Weekly: news, views (EU)\n"
	    "id = odd-list\nschedule = weekly mon 00:00\n");
}

static void
test_digest(void)
{
	char dir[] = "/tmp/flagpost-digest-XXXXXX", path[256], sql[300];
	char n_cso[] = "CSO Example", d_cso[] = "cso.example.org";
	char *dom[] = { d_cso };
	char c1[] = "trust@youtube.example.com", c2[] = "safety@tiktok.example.com";
	struct config *cfg;
	struct store *st = NULL;
	struct digest_period p;
	struct digest_headers dh;
	struct digest_item *fl = NULL;
	struct contact ct;
	struct record_row rr;
	struct route_row ro;
	struct org o;
	struct err err;
	int64_t org = 0, k1 = 0, k2 = 0, msg, out, start, end;
	size_t i, nfl = 0;
	char *a;
	bool good = true;

	setenv("FLAGPOST_NOW", "2026-11-01T00:00:00Z", 1);
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/flagpost.db", dir);
	err_clear(&err);
	if (!ok(store_open(path, &st, &err) == 0, "digest store: %s", err.msg))
		return;
	cfg = digest_config();
	if (!ok(cfg != NULL, "a configuration with six lists")) {
		store_close(&st);
		return;
	}
	memset(&o, 0, sizeof(o));
	o.name = n_cso;
	o.domains = dom;
	o.ndomains = 1;
	memset(&ct, 0, sizeof(ct));
	ct.address = c1;
	good &= store_org_add(st, &o, &org, &err) == 0 &&
	    store_contact_add(st, &ct, &k1, &err) == 0;
	ct.address = c2;
	good &= store_contact_add(st, &ct, &k2, &err) == 0;
	dbpath = path;
	store_begin(st, &err);
	msg = msg_add(st, "anna@cso.example.org");
	for (i = 0; i < sizeof(drecs) / sizeof(drecs[0]); i++) {
		struct drec *d = &drecs[i];
		const char *when;

		memset(&rr, 0, sizeof(rr));
		rr.kind = d->kind;
		rr.org_id = org;
		rr.url = "https://example.org/x";
		rr.fields_json = d->fields;
		setenv("FLAGPOST_NOW", d->made, 1);
		good &= store_record_add(st, msg, &rr, &d->id, d->ref, &err) == 0;
		if (d->routed == NULL)
			continue;
		when = strcmp(d->routed, "=") == 0 ? d->made : d->routed;
		setenv("FLAGPOST_NOW", when + (when[0] == 'q'), 1);
		if (d->urgent || d->to != 0) {
			memset(&ro, 0, sizeof(ro));
			ro.seq = 1;
			ro.location = "test:1";
			ro.target = d->to == 2 ? c2 : c1;
			ro.contact = d->to == 2 ? k2 : d->to == 1 ? k1 : 0;
			ro.address = d->to == 2 ? c2 : c1;
			ro.urgent = d->urgent;
			good &= store_route_add(st, d->id, &ro, &err) == 0;
		}
		good &= store_record_routed(st, d->id, when[0] == 'q' ?
		    "quarantined" : "routed", when[0] == 'q' ? "rule" : NULL,
		    &err) == 0;
	}
	/* outcomes: F3 answered before the end, F8 only after it */
	memset(&rr, 0, sizeof(rr));
	rr.kind = KIND_OUTCOME;
	rr.contact_id = k1;
	rr.fields_json = "{}";
	setenv("FLAGPOST_NOW", "2026-11-27T00:00:00Z", 1);
	good &= store_record_add(st, msg, &rr, &out, sql, &err) == 0 &&
	    store_outcome_target(st, out, drec("F3")->ref, &err) == 0;
	setenv("FLAGPOST_NOW", "2026-12-01T00:00:00Z", 1);
	good &= store_record_add(st, msg, &rr, &out, sql, &err) == 0 &&
	    store_outcome_target(st, out, drec("F8")->ref, &err) == 0;
	good &= store_commit(st, &err) == 0;
	if (!ok(good, "records, routes and outcomes stored: %s", err.msg))
		goto done;
	setenv("FLAGPOST_NOW", "2026-11-30T00:00:00Z", 1);

	time_parse("2026-11-23T00:00:00Z", &start);
	time_parse("2026-11-30T00:00:00Z", &end);
	{
		static const struct {
			const char *list, *want;
		} t[] = {
			/* no digest yet: hub submissions made in the period */
			{ "all", "W6! W5! W11! W9! H3 H1 H4 H5 H7 H2 W3 W2 W8 W10" },
			{ "weekly", "W6! W5! W9! H1 H5 H7 H2 W3 W2 W10" },
			{ "hub", "H3 H1 H4 H5 H7 H2" },
			{ "ew", "W6! W5! W11! W9! W3 W2 W8 W10" },
			{ "fr", "W6! W5! W11! W3 W2 W8 W10" },
			/* after a digest of the period before: those routed too
			 * late for it come now, those it had do not come again */
			{ "all", "W6! W5! W11! W9! H3 H1 H4 H5 H7 H11 H2 W3 W2 W8 "
			  "W10" },
			{ "hub", "H3 H1 H4 H5 H7 H8 H11 H12 H2" },
			{ "weekly", "W6! W5! W9! H1 H5 H7 H2 W3 W2 W10" },
		};

		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			if (i == 5) {
				int64_t d1, d2;

				ok(store_begin(st, &err) == 0 &&
				    store_digest_add(st, "all",
				    "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z",
				    1, &d1, &err) == 0 &&
				    store_digest_item_add(st, d1, 1, "hub",
				    drec("H8")->id, false, &err) == 0 &&
				    store_digest_item_add(st, d1, 2, "hub",
				    drec("H12")->id, false, &err) == 0 &&
				    store_digest_add(st, "hub",
				    "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z",
				    0, &d2, &err) == 0 &&
				    store_commit(st, &err) == 0,
				    "digests of the week before for all (with H8, "
				    "H12) and hub (empty): %s", err.msg);
			}
			const struct list_conf *l = config_list(cfg, t[i].list);

			if (!ok(l != NULL && digest_collect(cfg, st, l, start, end,
			    &p, &err) == 0, "digest_collect %s: %s", t[i].list,
			    err.msg))
				continue;
			is_str(labels(p.items, p.nitems), t[i].want,
			    "digest_collect %s: the items, in order", t[i].list);
			if (i == 0) {
				is_str(p.start_text, "2026-11-23T00:00:00Z",
				    "the period's start");
				is_str(p.end_text, "2026-11-30T00:00:00Z",
				    "and end");
				ok(p.nitems > 0 && p.items[0].section != NULL &&
				    strcmp(p.items[0].section, "warning") == 0 &&
				    strcmp(p.items[4].section, "hub") == 0,
				    "sections");
				is_str(p.items[4].org, "CSO Example", "org");
			}
			digest_period_clear(&p);
		}
	}
	/* an empty period */
	time_parse("2026-10-01T00:00:00Z", &start);
	time_parse("2026-10-08T00:00:00Z", &end);
	ok(digest_collect(cfg, st, config_list(cfg, "all"), start, end, &p,
	    &err) == 0 && p.nitems == 0, "an empty period: nothing");
	digest_period_clear(&p);

	/* open flags of the contact at the end of the period */
	time_parse("2026-11-30T00:00:00Z", &end);
	ok(digest_open_flags(cfg, st, config_list(cfg, "all"), k1, end, &fl,
	    &nfl, &err) == 0, "digest_open_flags: %s", err.msg);
	is_str(labels(fl, nfl), "F1! F8! F6! F2",
	    "open flags: routed to the contact before the end, not answered "
	    "before it, in routing order; overdue after 24h");
	digest_items_free(&fl, nfl);
	ok(digest_open_flags(cfg, st, config_list(cfg, "all"), k2, end, &fl,
	    &nfl, &err) == 0, "the other contact");
	is_str(labels(fl, nfl), "F4!", "has its own");
	digest_items_free(&fl, nfl);

	/* List-* headers */
	digest_headers(cfg, config_list(cfg, "weekly"), TOK, &dh);
	is_int((long long)dh.n, 5, "five List-* headers");
	for (i = 0; i < dh.n && i < 5; i++) {
		static const char *const want[][2] = {
			{ "List-Id", "Weekly best practices" },
			{ "List-Unsubscribe", "<mailto:flags+unsubscribe-" TOK
			  "@gw.example.eu?subject=unsubscribe>" },
			{ "List-Help", "<mailto:flags@gw.example.eu?subject=help>" },
			{ "List-Post", "NO" },
			{ "Precedence", "list" },
		};

		is_str(dh.h[i].name, want[i][0], "header %zu", i);
		is_str(dh.h[i].value, want[i][1], "%s", want[i][0]);
	}
	is_str(dh.h[0].angle, "weekly.gw.example.eu",
	    "List-Id: the label under the gateway's domain, in <>");
	ok(dh.h[1].angle == NULL, "the other headers are text");
	digest_headers_clear(&dh);
	/* compose writes the description as a phrase (test-compose) */
	digest_headers(cfg, config_list(cfg, "odd"), TOK, &dh);
	is_str(dh.h[0].value, "Weekly: news, views (EU)",
	    "List-Id: a description with specials, as it is");
	is_str(dh.h[0].angle, "odd-list.gw.example.eu",
	    "List-Id: the list's own id");
	digest_headers_clear(&dh);
	a = list_address(cfg, "confirm", TOK);
	is_str(a, "flags+confirm-" TOK "@gw.example.eu", "list_address");
	free(a);
	a = list_address(cfg, NULL, NULL);
	is_str(a, "flags@gw.example.eu", "list_address: the gateway");
	free(a);
done:
	setenv("FLAGPOST_NOW", "2026-11-28T10:00:00Z", 1);
	config_free(&cfg);
	store_close(&st);
	unlink(path);
	snprintf(sql, sizeof(sql), "%s-wal", path);
	unlink(sql);
	snprintf(sql, sizeof(sql), "%s-shm", path);
	unlink(sql);
	rmdir(dir);
}

int
main(void)
{
	test_parse();
	test_tokens();
	test_time();
	test_store();
	test_digest();
	return tap_done();
}
