/* hub.c: posting submissions to the knowledge hub with libcurl (with
 * smtp.c, the only modules with curl.h) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "buf.h"
#include "hub.h"
#include "log.h"
#include "smtp.h"
#include "util.h"

/*
 * One easy handle, reused, so the TLS connection to the hub stays open
 * between posts.  TLS is always verified (peer and host name); http://
 * is allowed to a loopback hub only, and no redirect is followed.
 * conf->timeout bounds the connect and the whole request.  The reply's
 * body is read up to HUB_REPLY_MAX (the rest is dropped, and then the
 * reply does not count as readable JSON).  Retry-After is a number of
 * seconds or an HTTP date (curl_getdate, against the real clock, not
 * FLAGPOST_NOW: it is the server's clock that speaks), capped at
 * HUB_RETRY_MAX.  Statuses that hub.h does not name: another 2xx counts
 * as 200 when its JSON has an id; 1xx and 3xx (a redirect that is not
 * followed: the URL is likely wrong) are temporary.
 */

#define HUB_REPLY_MAX	(64 * 1024)
#define HUB_RETRY_MAX	(24 * 3600)
#define HUB_WHY_BODY	300		/* bytes of a reply body in `why` */
#define HUB_TOKEN_MAX	4096

struct hub {
	CURL *c;
	char *endpoint;		/* {url}/submissions */
	char *auth;		/* "Authorization: Bearer ..." */
	unsigned timeout;
	/* the reply */
	struct buf body;
	bool body_cut;
	long retry_after;	/* -1: no Retry-After */
	char errbuf[CURL_ERROR_SIZE];
};

static pthread_once_t hub_once = PTHREAD_ONCE_INIT;
static CURLcode hub_init_rc;

static void
hub_global_init(void)
{
	/* never cleaned up: other threads may hold handles until exit */
	hub_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* untrusted text, cut at `max` bytes: printable ASCII kept, the rest as
 * \xNN */
static void
hub_add_safe(struct buf *b, const char *s, size_t n, size_t max)
{
	size_t i;

	for (i = 0; i < n && i < max; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			buf_addch(b, (char)ch);
		else if (ch == '\n' || ch == '\r' || ch == '\t')
			buf_addch(b, ' ');
		else
			buf_printf(b, "\\x%02x", ch);
	}
	if (i < n)
		buf_addstr(b, "...");
}

static void
hub_why(char *why, size_t whysize, struct buf *b)
{
	if (why != NULL && whysize > 0)
		snprintf(why, whysize, "%s", buf_str(b));
	buf_free(b);
}

/* printable ASCII without spaces: what may go into a header */
static bool
hub_token_ok(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static char *
hub_base64(const unsigned char *p, size_t n, size_t *len_r)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out, *o;
	size_t i;

	if (n / 3 >= (SIZE_MAX - 5) / 4)
		fatalx("hub: attachment too large");
	out = o = xmalloc((n + 2) / 3 * 4 + 1);
	for (i = 0; i + 2 < n; i += 3) {
		*o++ = tab[p[i] >> 2];
		*o++ = tab[((p[i] & 0x03) << 4) | (p[i + 1] >> 4)];
		*o++ = tab[((p[i + 1] & 0x0f) << 2) | (p[i + 2] >> 6)];
		*o++ = tab[p[i + 2] & 0x3f];
	}
	if (i < n) {
		*o++ = tab[p[i] >> 2];
		if (i + 1 < n) {
			*o++ = tab[((p[i] & 0x03) << 4) | (p[i + 1] >> 4)];
			*o++ = tab[(p[i + 1] & 0x0f) << 2];
		} else {
			*o++ = tab[(p[i] & 0x03) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	*len_r = (size_t)(o - out);
	return out;
}

static size_t
hub_write_cb(char *data, size_t size, size_t nitems, void *arg)
{
	struct hub *h = arg;
	size_t n = size * nitems;

	if (!h->body_cut && buf_add(&h->body, data, n) == -1)
		h->body_cut = true;
	return n;
}

/* "Retry-After: 120" or "Retry-After: Fri, 31 Dec 2026 23:59:59 GMT" */
static size_t
hub_header_cb(char *data, size_t size, size_t nitems, void *arg)
{
	struct hub *h = arg;
	size_t n = size * nitems;
	char *v = NULL, *t;
	long long secs;
	time_t when;

	if (n < 12 || strncasecmp(data, "Retry-After:", 12) != 0)
		return n;
	v = xstrndup(data + 12, n - 12);
	t = str_trim(v);
	if (str_tonum(t, 0, HUB_RETRY_MAX * 1000LL, &secs) == 0)
		h->retry_after = (long)secs;
	else if ((when = curl_getdate(t, NULL)) != -1) {
		secs = (long long)when - (long long)time(NULL);
		h->retry_after = secs > 0 ? (long)secs : 0;
	}
	if (h->retry_after > HUB_RETRY_MAX)
		h->retry_after = HUB_RETRY_MAX;
	free(v);
	return n;
}

int
hub_new(const struct hub_conf *conf, struct hub **h_r, struct err *err)
{
	struct hub *h = NULL;
	CURLU *u = NULL;
	char *scheme = NULL, *host = NULL, *path = NULL, *ext = NULL;
	char *part = NULL, *url = NULL;
	size_t n;
	bool tls;
	int rc = -1;

	*h_r = NULL;
	pthread_once(&hub_once, hub_global_init);
	if (hub_init_rc != CURLE_OK) {
		err_set(err, ERR_SYS, "hub: curl_global_init: %s",
		    curl_easy_strerror(hub_init_rc));
		goto out;
	}
	if (conf->url == NULL) {
		err_set(err, ERR_CONFIG, "hub: no URL");
		goto out;
	}
	if ((u = curl_url()) == NULL)
		fatalx("curl_url: out of memory");
	if (curl_url_set(u, CURLUPART_URL, conf->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
		err_set(err, ERR_CONFIG, "hub: '%s' is not a URL",
		    log_safe(conf->url));
		goto out;
	}
	if (strcmp(scheme, "https") == 0)
		tls = true;
	else if (strcmp(scheme, "http") == 0 && smtp_host_is_loopback(host))
		tls = false;
	else {
		err_set(err, ERR_CONFIG, "hub: '%s' is not an https:// URL "
		    "(http:// is allowed to a loopback hub only)",
		    log_safe(conf->url));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_QUERY, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK) {
		err_set(err, ERR_CONFIG, "hub: '%s': no user, query or "
		    "fragment in the hub's URL", log_safe(conf->url));
		goto out;
	}
	if (!hub_token_ok(conf->token) || strlen(conf->token) > HUB_TOKEN_MAX) {
		err_set(err, ERR_CONFIG, "hub: the token is empty or holds "
		    "spaces or control characters");
		goto out;
	}
	/* {url}/submissions, whether the URL ends with a slash or not */
	n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		n--;
	ext = xasprintf("%.*s/submissions", (int)n, path);
	if (curl_url_set(u, CURLUPART_PATH, ext, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK) {
		err_set(err, ERR_CONFIG, "hub: '%s' is not a URL",
		    log_safe(conf->url));
		goto out;
	}

	h = xcalloc(1, sizeof(*h));
	buf_init(&h->body, HUB_REPLY_MAX);
	h->endpoint = xstrdup(url);
	h->auth = xasprintf("Authorization: Bearer %s", conf->token);
	h->timeout = conf->timeout > 0 ? conf->timeout : 30;
	if ((h->c = curl_easy_init()) == NULL) {
		err_set(err, ERR_SYS, "hub: curl_easy_init failed");
		goto out;
	}
	curl_easy_setopt(h->c, CURLOPT_URL, h->endpoint);
	curl_easy_setopt(h->c, CURLOPT_PROTOCOLS_STR, tls ? "https" : "http");
	curl_easy_setopt(h->c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h->c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h->c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (conf->ca_file != NULL)
		curl_easy_setopt(h->c, CURLOPT_CAINFO, conf->ca_file);
	curl_easy_setopt(h->c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h->c, CURLOPT_CONNECTTIMEOUT, (long)h->timeout);
	curl_easy_setopt(h->c, CURLOPT_TIMEOUT, (long)h->timeout);
	curl_easy_setopt(h->c, CURLOPT_USERAGENT, "flagpost/" PACKAGE_VERSION);
	curl_easy_setopt(h->c, CURLOPT_WRITEFUNCTION, hub_write_cb);
	curl_easy_setopt(h->c, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(h->c, CURLOPT_HEADERFUNCTION, hub_header_cb);
	curl_easy_setopt(h->c, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(h->c, CURLOPT_ERRORBUFFER, h->errbuf);
	*h_r = h;
	h = NULL;
	rc = 0;
out:
	hub_free(&h);
	free(ext);
	curl_free(url);
	curl_free(part);
	curl_free(path);
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(u);
	return rc;
}

void
hub_free(struct hub **hp)
{
	struct hub *h = *hp;

	if (h == NULL)
		return;
	if (h->c != NULL)
		curl_easy_cleanup(h->c);
	buf_free(&h->body);
	free(h->endpoint);
	if (h->auth != NULL) {
		explicit_bzero(h->auth, strlen(h->auth));
		free(h->auth);
	}
	free(h);
	*hp = NULL;
}

/* the request's body; NULL with `why` set when the submission is bad */
static char *
hub_body(const struct hub_submission *sub, struct buf *why)
{
	json_t *root = NULL, *fields = NULL, *atts = NULL, *a;
	json_error_t jerr;
	char hex[SHA256_HEX_LEN], *b64, *body = NULL;
	size_t i, n;

	if (sub->reference == NULL || sub->fields_json == NULL) {
		buf_addstr(why, "no reference or no fields");
		goto out;
	}
	fields = json_loads(sub->fields_json, JSON_REJECT_DUPLICATES, &jerr);
	if (fields == NULL || !json_is_object(fields)) {
		buf_addstr(why, "the fields are not a JSON object");
		goto out;
	}
	root = json_object();
	atts = json_array();
	if (json_object_set_new(root, "reference",
	    json_string(sub->reference)) == -1 ||
	    json_object_set_new(root, "organisation", sub->org != NULL ?
	    json_string(sub->org) : json_null()) == -1) {
		buf_addstr(why, "the reference or organisation is not UTF-8");
		goto out;
	}
	json_object_set(root, "fields", fields);
	for (i = 0; i < sub->natt; i++) {
		const struct hub_attachment *at = &sub->att[i];

		if (at->sha256 == NULL)
			sha256_hex(at->data, at->len, hex);
		b64 = hub_base64(at->data, at->len, &n);
		a = json_object();
		json_array_append_new(atts, a);
		if (json_object_set_new(a, "name", json_string(at->name != NULL ?
		    at->name : "attachment")) == -1 ||
		    json_object_set_new(a, "type", json_string(at->type != NULL ?
		    at->type : "application/octet-stream")) == -1 ||
		    json_object_set_new(a, "size",
		    json_integer((json_int_t)at->len)) == -1 ||
		    json_object_set_new(a, "sha256", json_string(at->sha256 !=
		    NULL ? at->sha256 : hex)) == -1 ||
		    json_object_set_new(a, "content", json_stringn(b64, n)) ==
		    -1) {
			free(b64);
			buf_printf(why, "attachment %zu: its name or type is "
			    "not UTF-8", i + 1);
			goto out;
		}
		free(b64);
	}
	json_object_set(root, "attachments", atts);
	if ((body = json_dumps(root, JSON_COMPACT)) == NULL)
		buf_addstr(why, "cannot write the JSON body");
out:
	json_decref(atts);
	json_decref(fields);
	json_decref(root);
	return body;
}

/* the "id" of the reply: a string or a number; NULL when there is none */
static char *
hub_reply_id(const struct hub *h)
{
	json_t *root, *id;
	json_error_t jerr;
	char *s = NULL;

	if (h->body_cut)
		return NULL;
	root = json_loadb(h->body.data != NULL ? h->body.data : "",
	    h->body.len, 0, &jerr);
	if (root == NULL)
		return NULL;
	id = json_is_object(root) ? json_object_get(root, "id") : NULL;
	if (json_is_string(id) && json_string_length(id) > 0 &&
	    hub_token_ok(json_string_value(id)))
		s = xstrdup(json_string_value(id));
	else if (json_is_integer(id))
		s = xasprintf("%lld", (long long)json_integer_value(id));
	json_decref(root);
	return s;
}

enum hub_result
hub_post(struct hub *h, const struct hub_submission *sub, char **id_r,
    unsigned *retry_after_r, char *why, size_t whysize)
{
	struct buf w = BUF_INIT(4096);
	struct curl_slist *hdr = NULL;
	enum hub_result res;
	char *body = NULL, *key = NULL;
	long status = 0;
	CURLcode rc;

	*id_r = NULL;
	*retry_after_r = 0;
	if (!hub_token_ok(sub->idempotency_key)) {
		buf_addstr(&w, "the idempotency key is empty or holds spaces "
		    "or control characters");
		res = HUB_PERM;
		goto out;
	}
	if ((body = hub_body(sub, &w)) == NULL) {
		res = HUB_PERM;
		goto out;
	}
	key = xasprintf("Idempotency-Key: %s", sub->idempotency_key);
	if ((hdr = curl_slist_append(hdr, h->auth)) == NULL ||
	    (hdr = curl_slist_append(hdr, key)) == NULL ||
	    (hdr = curl_slist_append(hdr,
	    "Content-Type: application/json")) == NULL ||
	    (hdr = curl_slist_append(hdr, "Accept: application/json")) == NULL ||
	    (hdr = curl_slist_append(hdr, "Expect:")) == NULL)
		fatalx("curl_slist_append: out of memory");

	buf_reset(&h->body);
	h->body_cut = false;
	h->retry_after = -1;
	h->errbuf[0] = '\0';
	curl_easy_setopt(h->c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h->c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h->c, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)strlen(body));
	rc = curl_easy_perform(h->c);
	curl_easy_setopt(h->c, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	curl_easy_setopt(h->c, CURLOPT_POSTFIELDS, (char *)NULL);

	if (rc != CURLE_OK) {
		res = HUB_TEMP;
		if (rc == CURLE_OPERATION_TIMEDOUT)
			buf_printf(&w, "timeout after %u s", h->timeout);
		else {
			const char *e = h->errbuf[0] != '\0' ? h->errbuf :
			    curl_easy_strerror(rc);

			hub_add_safe(&w, e, strlen(e), HUB_WHY_BODY);
		}
		goto out;
	}
	curl_easy_getinfo(h->c, CURLINFO_RESPONSE_CODE, &status);
	buf_printf(&w, "HTTP %ld", status);
	if (status == 409) {
		res = HUB_STORED;
		*id_r = hub_reply_id(h);
		buf_addstr(&w, ": already stored");
	} else if (status >= 200 && status < 300) {
		if ((*id_r = hub_reply_id(h)) != NULL)
			res = HUB_STORED;
		else {
			res = HUB_PERM;
			buf_addstr(&w, ": no id in the reply: ");
			hub_add_safe(&w, buf_str(&h->body), h->body.len,
			    HUB_WHY_BODY);
		}
	} else {
		if (status == 408 || status == 429 || status >= 500 ||
		    status < 400) {
			res = HUB_TEMP;
			if (h->retry_after > 0)
				*retry_after_r = (unsigned)h->retry_after;
		} else
			res = HUB_PERM;
		if (h->body.len > 0) {
			buf_addstr(&w, ": ");
			hub_add_safe(&w, buf_str(&h->body), h->body.len,
			    HUB_WHY_BODY);
		}
	}
out:
	hub_why(why, whysize, &w);
	curl_slist_free_all(hdr);
	free(key);
	free(body);
	return res;
}
