/* smtp.c: handing mail to the relay with libcurl (with hub.c, the only
 * modules with curl.h) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <curl/curl.h>

#include "buf.h"
#include "log.h"
#include "smtp.h"
#include "util.h"

/*
 * libcurl 7.88 (Debian 12), as used here:
 * - One easy handle per relay keeps the connection in its cache: the
 *   next smtp_send() goes on with MAIL FROM, without a new EHLO,
 *   STARTTLS or AUTH.  A connection the server closed while idle is seen
 *   as dead and replaced by curl itself; one that breaks under a command,
 *   or a 421, is retried here once with CURLOPT_FRESH_CONNECT.  A retry
 *   after the final dot was sent may deliver the mail twice: SMTP has no
 *   way around that (RFC 1047).  curl closes the connection after any
 *   refusal (QUIT), so the mail after a 550 opens a new one.
 * - curl dot-stuffs and ends the DATA itself (adding a CRLF if the
 *   message lacks the last one); it keeps CURLOPT_MAIL_RCPT by
 *   reference, so the list lives until the transfer is over.
 * - The server's replies come through the debug callback as
 *   CURLINFO_HEADER_IN, one line at a time: the last one before a QUIT
 *   is kept for `why`, and its code decides the result.  What the client
 *   sends (CURLINFO_HEADER_OUT, where AUTH puts the password) is only
 *   looked at for "MAIL FROM:" and "QUIT", never kept.
 * - Time limits from conf->timeout: curl's connect phase as a whole (TCP,
 *   TLS, greeting, EHLO, STARTTLS, AUTH: CURLOPT_CONNECTTIMEOUT); each
 *   later reply (CURLOPT_SERVER_RESPONSE_TIMEOUT: MAIL, RCPT, DATA, the
 *   answer after the final dot); a DATA upload that moves less than a
 *   byte a second (CURLOPT_LOW_SPEED_*).  The whole transaction gets a
 *   generous bound on top (CURLOPT_TIMEOUT): SMTP_TOTAL_FACTOR times the
 *   timeout plus a second for every SMTP_TOTAL_RATE bytes of the
 *   message, so a slow but moving relay is not cut off; a stuck one is
 *   caught by the others.  The QUIT that curl sends after a failure would
 *   wait a whole timeout more: smtp_progress_cb cuts it to a second.
 *   smtp_free() may wait up to the timeout for the 221 of a hung relay.
 */

#define SMTP_TOTAL_FACTOR	10
#define SMTP_TOTAL_RATE		(16 * 1024)	/* bytes a second, at worst */
#define SMTP_LINE_MAX		512		/* a reply line kept */
#define SMTP_HELO_MAX		255

struct smtp {
	CURL *c;
	char *url;
	unsigned timeout;
	/* the message being sent */
	const char *msg;
	size_t len;
	size_t off;
	/* what the server said during this attempt */
	char line[SMTP_LINE_MAX];
	int code;		/* of `line`; 0 before any reply */
	bool in_txn;		/* MAIL FROM was sent */
	bool quitting;		/* QUIT was sent: its 221 is not kept */
	char errbuf[CURL_ERROR_SIZE];
};

static pthread_once_t smtp_once = PTHREAD_ONCE_INIT;
static CURLcode smtp_init_rc;

static void
smtp_global_init(void)
{
	/* never cleaned up: other threads may hold handles until exit */
	smtp_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

bool
smtp_host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	char tmp[INET6_ADDRSTRLEN + 2];
	size_t n;

	if (host == NULL)
		return false;
	if (str_ieq(host, "localhost") || str_ieq(host, "localhost."))
		return true;
	/* "[::1]" as in URLs */
	n = strlen(host);
	if (n > 2 && host[0] == '[' && host[n - 1] == ']' &&
	    n - 2 < sizeof(tmp)) {
		memcpy(tmp, host + 1, n - 2);
		tmp[n - 2] = '\0';
		host = tmp;
	}
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1) {
		if (IN6_IS_ADDR_LOOPBACK(&a6))
			return true;
		/* ::ffff:127.x.y.z */
		return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
	}
	return false;
}

/* untrusted text into `out`: printable ASCII kept, the rest as \xNN */
static void
smtp_why(char *out, size_t outsize, const char *prefix, const char *s)
{
	struct buf b = BUF_INIT(SMTP_LINE_MAX * 2);
	size_t i;

	if (out == NULL || outsize == 0)
		return;
	if (prefix != NULL)
		buf_addstr(&b, prefix);
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			buf_addch(&b, (char)ch);
		else if (ch == '\t')
			buf_addch(&b, ' ');
		else
			buf_printf(&b, "\\x%02x", ch);
	}
	buf_rtrim(&b);
	snprintf(out, outsize, "%s", buf_str(&b));
	buf_free(&b);
}

/* a name for EHLO: a domain or an address literal */
static bool
smtp_helo_ok(const char *s)
{
	size_t i;

	if (s[0] == '\0' || strlen(s) > SMTP_HELO_MAX)
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789.-[]:", s[i]) == NULL)
			return false;
	return true;
}

static size_t
smtp_read_cb(char *dst, size_t size, size_t nitems, void *arg)
{
	struct smtp *s = arg;
	size_t n = size * nitems;

	if (n > s->len - s->off)
		n = s->len - s->off;
	if (n == 0)
		return 0;
	memcpy(dst, s->msg + s->off, n);
	s->off += n;
	return n;
}

/*
 * After a failure curl QUITs inside curl_easy_perform() and waits for the
 * 221 as long as for any reply: a hung relay would hold us twice the
 * timeout.  The progress callback runs while it waits (at least once a
 * second) and ends the wait.
 */
static int
smtp_progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct smtp *s = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return s->quitting ? 1 : 0;
}

/* the server's replies, one line at a time */
static int
smtp_debug_cb(CURL *c, curl_infotype type, char *data, size_t size,
    void *arg)
{
	struct smtp *s = arg;
	size_t n;

	(void)c;
	if (type == CURLINFO_HEADER_OUT) {
		if (size >= 10 && strncasecmp(data, "MAIL FROM:", 10) == 0)
			s->in_txn = true;
		else if (size >= 4 && strncasecmp(data, "QUIT", 4) == 0)
			s->quitting = true;
		return 0;
	}
	/* curl QUITs after a refusal: the 221 is not the answer */
	if (type != CURLINFO_HEADER_IN || s->quitting)
		return 0;
	while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r'))
		size--;
	/* several lines at once: the last is the reply's code and text */
	for (n = size; n > 0; n--)
		if (data[n - 1] == '\n')
			break;
	data += n;
	size -= n;
	if (size < 3 || data[0] < '0' || data[0] > '9' || data[1] < '0' ||
	    data[1] > '9' || data[2] < '0' || data[2] > '9')
		return 0;
	if (size >= sizeof(s->line))
		size = sizeof(s->line) - 1;
	memcpy(s->line, data, size);
	s->line[size] = '\0';
	s->code = (data[0] - '0') * 100 + (data[1] - '0') * 10 +
	    (data[2] - '0');
	return 0;
}

int
smtp_new(const struct smtp_conf *conf, struct smtp **s_r, struct err *err)
{
	struct smtp *s = NULL;
	CURLU *u = NULL;
	char *scheme = NULL, *host = NULL, *pass = NULL, *path = NULL;
	bool implicit, plain;
	int rc = -1;

	*s_r = NULL;
	pthread_once(&smtp_once, smtp_global_init);
	if (smtp_init_rc != CURLE_OK) {
		err_set(err, ERR_SYS, "smtp: curl_global_init: %s",
		    curl_easy_strerror(smtp_init_rc));
		goto out;
	}
	if (conf->url == NULL) {
		err_set(err, ERR_CONFIG, "smtp: no relay URL");
		goto out;
	}
	if ((u = curl_url()) == NULL)
		fatalx("curl_url: out of memory");
	if (curl_url_set(u, CURLUPART_URL, conf->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		err_set(err, ERR_CONFIG, "smtp: '%s' is not a URL",
		    log_safe(conf->url));
		goto out;
	}
	if (strcmp(scheme, "smtp") == 0)
		implicit = false;
	else if (strcmp(scheme, "smtps") == 0)
		implicit = true;
	else {
		err_set(err, ERR_CONFIG, "smtp: '%s' is not an smtp:// or "
		    "smtps:// URL", log_safe(conf->url));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK) {
		err_set(err, ERR_CONFIG, "smtp: the relay URL holds a "
		    "password: give it in a password file");
		goto out;
	}
	/* the path of an SMTP URL is the name to greet with */
	if (conf->helo != NULL) {
		if (!smtp_helo_ok(conf->helo)) {
			err_set(err, ERR_CONFIG, "smtp: '%s' is not a name to "
			    "greet with", log_safe(conf->helo));
			goto out;
		}
		path = xasprintf("/%s", conf->helo);
		if (curl_url_set(u, CURLUPART_PATH, path, 0) != CURLUE_OK) {
			err_set(err, ERR_CONFIG, "smtp: cannot set the name "
			    "to greet with");
			goto out;
		}
	}
	plain = !implicit && conf->allow_plain;
	if (plain && !smtp_host_is_loopback(host)) {
		err_set(err, ERR_CONFIG, "smtp: %s: mail without TLS is "
		    "allowed to a loopback relay only", log_safe(host));
		goto out;
	}
	if (conf->user != NULL && conf->password == NULL) {
		err_set(err, ERR_CONFIG, "smtp: user %s without a password",
		    log_safe(conf->user));
		goto out;
	}

	s = xcalloc(1, sizeof(*s));
	s->timeout = conf->timeout > 0 ? conf->timeout : 30;
	if (curl_url_get(u, CURLUPART_URL, &s->url, 0) != CURLUE_OK) {
		err_set(err, ERR_CONFIG, "smtp: '%s' is not a URL",
		    log_safe(conf->url));
		goto out;
	}
	if ((s->c = curl_easy_init()) == NULL) {
		err_set(err, ERR_SYS, "smtp: curl_easy_init failed");
		goto out;
	}
	curl_easy_setopt(s->c, CURLOPT_URL, s->url);
	curl_easy_setopt(s->c, CURLOPT_PROTOCOLS_STR, implicit ? "smtps" :
	    "smtp");
	curl_easy_setopt(s->c, CURLOPT_USE_SSL, plain ? (long)CURLUSESSL_NONE :
	    (long)CURLUSESSL_ALL);
	curl_easy_setopt(s->c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(s->c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (conf->ca_file != NULL)
		curl_easy_setopt(s->c, CURLOPT_CAINFO, conf->ca_file);
	if (conf->user != NULL) {
		curl_easy_setopt(s->c, CURLOPT_USERNAME, conf->user);
		curl_easy_setopt(s->c, CURLOPT_PASSWORD, conf->password);
	}
	curl_easy_setopt(s->c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(s->c, CURLOPT_CONNECTTIMEOUT, (long)s->timeout);
	curl_easy_setopt(s->c, CURLOPT_SERVER_RESPONSE_TIMEOUT,
	    (long)s->timeout);
	curl_easy_setopt(s->c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(s->c, CURLOPT_LOW_SPEED_TIME, (long)s->timeout);
	curl_easy_setopt(s->c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(s->c, CURLOPT_READFUNCTION, smtp_read_cb);
	curl_easy_setopt(s->c, CURLOPT_READDATA, s);
	curl_easy_setopt(s->c, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(s->c, CURLOPT_DEBUGFUNCTION, smtp_debug_cb);
	curl_easy_setopt(s->c, CURLOPT_DEBUGDATA, s);
	curl_easy_setopt(s->c, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(s->c, CURLOPT_XFERINFOFUNCTION, smtp_progress_cb);
	curl_easy_setopt(s->c, CURLOPT_XFERINFODATA, s);
	curl_easy_setopt(s->c, CURLOPT_NOPROGRESS, 0L);
	*s_r = s;
	s = NULL;
	rc = 0;
out:
	smtp_free(&s);
	free(path);
	curl_free(pass);
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(u);
	return rc;
}

void
smtp_free(struct smtp **sp)
{
	struct smtp *s = *sp;

	if (s == NULL)
		return;
	if (s->c != NULL)
		curl_easy_cleanup(s->c);	/* QUIT on a kept connection */
	curl_free(s->url);
	free(s);
	*sp = NULL;
}

/* a connection that broke under us, as opposed to a refusal */
static bool
smtp_broken(CURLcode rc, int code)
{
	if (code == 421)
		return true;
	if (code >= 400)
		return false;
	return rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR ||
	    rc == CURLE_GOT_NOTHING || rc == CURLE_WEIRD_SERVER_REPLY;
}

static CURLcode
smtp_attempt(struct smtp *s, const char *from, struct curl_slist *rcpt,
    bool fresh)
{
	s->off = 0;
	s->line[0] = '\0';
	s->code = 0;
	s->in_txn = false;
	s->quitting = false;
	s->errbuf[0] = '\0';
	curl_easy_setopt(s->c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(s->c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(s->c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)s->len);
	curl_easy_setopt(s->c, CURLOPT_TIMEOUT, (long)(s->timeout *
	    SMTP_TOTAL_FACTOR + s->len / SMTP_TOTAL_RATE));
	curl_easy_setopt(s->c, CURLOPT_FRESH_CONNECT, fresh ? 1L : 0L);
	return curl_easy_perform(s->c);
}

enum smtp_result
smtp_send(struct smtp *s, const char *env_from, const char *rcpt,
    const char *msg, size_t len, char *why, size_t whysize)
{
	struct curl_slist *list = NULL;
	enum smtp_result res;
	char *from = NULL, *to = NULL;
	CURLcode rc;

	if (why != NULL && whysize > 0)
		why[0] = '\0';
	if (strpbrk(rcpt, "<>\r\n") != NULL || (env_from != NULL &&
	    strpbrk(env_from, "<>\r\n") != NULL)) {
		smtp_why(why, whysize, "not an address: ", rcpt);
		return SMTP_PERM;
	}
	from = xasprintf("<%s>", env_from != NULL ? env_from : "");
	to = xasprintf("<%s>", rcpt);
	if ((list = curl_slist_append(NULL, to)) == NULL)
		fatalx("curl_slist_append: out of memory");
	s->msg = msg;
	s->len = len;

	rc = smtp_attempt(s, from, list, false);
	if (rc != CURLE_OK && smtp_broken(rc, s->code)) {
		log_debug("smtp: %s: %s; trying again on a new connection",
		    log_safe(rcpt), s->code == 421 ? log_safe(s->line) :
		    curl_easy_strerror(rc));
		rc = smtp_attempt(s, from, list, true);
	}

	if (rc == CURLE_OK) {
		res = SMTP_SENT;
		smtp_why(why, whysize, NULL, s->line[0] != '\0' ? s->line :
		    "250 sent");
	} else if (s->code >= 400 && s->code < 600) {
		/*
		 * A 5xx to MAIL, RCPT, DATA or the final dot refuses this
		 * mail.  One before (greeting, EHLO, STARTTLS, AUTH), or
		 * 530 (authentication or TLS needed), is about the relay or
		 * our configuration: try again later.
		 */
		if (s->code >= 500 && s->in_txn && s->code != 530)
			res = SMTP_PERM;
		else
			res = SMTP_TEMP;
		smtp_why(why, whysize, NULL, s->line);
	} else {
		/* connect, TLS, timeout, a broken connection */
		res = SMTP_TEMP;
		smtp_why(why, whysize, NULL, s->errbuf[0] != '\0' ?
		    s->errbuf : curl_easy_strerror(rc));
	}
	/* curl keeps the list by reference: drop it from the handle too */
	curl_easy_setopt(s->c, CURLOPT_MAIL_RCPT, (struct curl_slist *)NULL);
	s->msg = NULL;
	s->len = s->off = 0;
	curl_slist_free_all(list);
	free(to);
	free(from);
	return res;
}
