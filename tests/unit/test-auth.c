/* test-auth.c: Authentication-Results and automatic-mail detection */
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "tap.h"

static struct mime_msg *
msg(const char *from, const char *const *hdrs)
{
	struct mime_msg *m = calloc(1, sizeof(*m));
	size_t n = 0;

	while (hdrs[2 * n] != NULL)
		n++;
	m->hdr = calloc(n + 1, sizeof(*m->hdr));
	for (m->nhdr = 0; m->nhdr < n; m->nhdr++) {
		m->hdr[m->nhdr].name = strdup(hdrs[2 * m->nhdr]);
		m->hdr[m->nhdr].value = strdup(hdrs[2 * m->nhdr + 1]);
	}
	m->from_addr = from ? strdup(from) : NULL;
	m->subject = strdup("");
	m->text = strdup("");
	m->date = -1;
	return m;
}

int
main(void)
{
	static const char *const id = "mx.gw.example.eu";
	static const struct {
		const char *name;
		const char *from;
		enum auth_policy policy;
		const char *hdrs[8];
		int ok;
		const char *reason;
	} cases[] = {
		{ "dmarc pass", "anna@cso.example.org", AUTH_DMARC,
		  { "Authentication-Results", "mx.gw.example.eu; spf=pass "
		    "smtp.mailfrom=cso.example.org; dmarc=pass (p=reject) "
		    "header.from=cso.example.org", NULL },
		  1, "dmarc=pass header.from=cso.example.org" },
		{ "dmarc pass for another domain", "anna@cso.example.org",
		  AUTH_DMARC,
		  { "Authentication-Results", "mx.gw.example.eu; "
		    "dmarc=pass header.from=evil.example", NULL },
		  0, "dmarc=pass is for another domain than the From domain "
		  "cso.example.org" },
		{ "aligned dkim, relaxed", "anna@cso.example.org", AUTH_DMARC,
		  { "Authentication-Results", "mx.gw.example.eu;\r\n dkim=pass "
		    "(2048-bit key) header.d=mail.cso.example.org "
		    "header.s=s1; dmarc=none", NULL },
		  1, "dkim=pass aligned with cso.example.org" },
		{ "dkim of a third party", "anna@cso.example.org", AUTH_DKIM,
		  { "Authentication-Results", "mx.gw.example.eu; dkim=pass "
		    "header.d=mailgun.example", NULL },
		  0, "dkim=pass is not aligned with cso.example.org" },
		{ "dkim policy ignores dmarc", "anna@cso.example.org", AUTH_DKIM,
		  { "Authentication-Results", "mx.gw.example.eu; dmarc=pass "
		    "header.from=cso.example.org", NULL },
		  0, "no aligned dkim=pass" },
		{ "dmarc fail", "anna@cso.example.org", AUTH_DMARC,
		  { "Authentication-Results", "mx.gw.example.eu; dkim=fail "
		    "header.d=cso.example.org; dmarc=fail "
		    "header.from=cso.example.org", NULL },
		  0, "dmarc=fail" },
		{ "a foreign authserv-id is ignored", "anna@cso.example.org",
		  AUTH_DMARC,
		  { "Authentication-Results", "evil.example; dmarc=pass "
		    "header.from=cso.example.org", NULL },
		  0, "no Authentication-Results from mx.gw.example.eu" },
		{ "a prefix of our id is not our id", "anna@cso.example.org",
		  AUTH_DMARC,
		  { "Authentication-Results", "mx.gw.example.eu.evil.example; "
		    "dmarc=pass header.from=cso.example.org", NULL },
		  0, "no Authentication-Results from mx.gw.example.eu" },
		{ "only the topmost of ours counts", "anna@cso.example.org",
		  AUTH_DMARC,
		  { "Authentication-Results", "mx.gw.example.eu; dmarc=fail "
		    "header.from=cso.example.org",
		    "Authentication-Results", "mx.gw.example.eu; dmarc=pass "
		    "header.from=cso.example.org", NULL },
		  0, "dmarc=fail" },
		{ "comments and case", "Anna@CSO.Example.Org", AUTH_DMARC,
		  { "authentication-results", "MX.GW.EXAMPLE.EU 1 (a comment; "
		    "dmarc=fail) ; DMARC=Pass (p=none) HEADER.FROM=cso.example.org",
		    NULL },
		  1, "dmarc=pass header.from=CSO.Example.Org" },
		{ "policy none", "anna@cso.example.org", AUTH_NONE, { NULL },
		  1, "not checked (auth policy none)" },
		{ "no From", NULL, AUTH_DMARC, { NULL }, 0,
		  "the mail has no From address" },
	};
	static const struct {
		const char *hdrs[6];
		int report;
		const char *from;
		const char *why;
	} autos[] = {
		{ { "Auto-Submitted", "auto-replied", NULL }, 0, NULL,
		  "Auto-Submitted" },
		{ { "Auto-Submitted", "no", NULL }, 0, NULL, NULL },
		{ { "Auto-Submitted", "No (a person)", NULL }, 0, NULL, NULL },
		{ { "Return-Path", "<>", NULL }, 0, NULL, "empty return path" },
		{ { "Return-Path", "<anna@cso.example.org>", NULL }, 0, NULL, NULL },
		{ { NULL }, 1, NULL, "a delivery or disposition report" },
		{ { "Precedence", "bulk", NULL }, 0, NULL, "Precedence" },
		{ { "Precedence", "List", NULL }, 0, NULL, "Precedence" },
		{ { "List-Id", "News <news.example.org>", NULL }, 0, NULL,
		  "a mailing list" },
		{ { "X-Auto-Response-Suppress", "OOF, AutoReply", NULL }, 0, NULL,
		  "X-Auto-Response-Suppress" },
		{ { NULL }, 0, "MAILER-DAEMON@mx.example.org", "a mailer daemon" },
		{ { "Subject", "[flag] videos", NULL }, 0, NULL, NULL },
	};
	struct mime_msg *m;
	char *reason;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m = msg(cases[i].from, cases[i].hdrs);
		reason = NULL;
		is_int(auth_verify(m, cases[i].policy, id, &reason), cases[i].ok,
		    "%s: verdict", cases[i].name);
		is_str(reason, cases[i].reason, "%s: reason", cases[i].name);
		free(reason);
		mime_msg_free(&m);
	}
	for (i = 0; i < sizeof(autos) / sizeof(autos[0]); i++) {
		m = msg(autos[i].from ? autos[i].from : "anna@cso.example.org",
		    autos[i].hdrs);
		m->is_report = autos[i].report;
		is_str(auth_automatic(m), autos[i].why, "automatic case %zu", i);
		mime_msg_free(&m);
	}
	ok(auth_aligned("cso.example.org", "CSO.example.org"), "aligned: equal");
	ok(auth_aligned("a.cso.example.org", "cso.example.org"),
	    "aligned: subdomain");
	ok(!auth_aligned("evilcso.example.org", "cso.example.org"),
	    "not aligned: a suffix that is not a label");
	ok(!auth_aligned("cso.example.org", "org"),
	    "not aligned: a bare top-level domain");
	return tap_done();
}
