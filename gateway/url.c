/* url.c: the URLs of flags, checked and normalised for duplicate detection */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "util.h"
#include "validate.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define URL_MAX	(64u * 1024)

/*
 * Tracking parameters dropped from the query.  The list is kept
 * conservative: a parameter is here only when it never selects content.
 * Parameters that mean something elsewhere (`t` is a time stamp on
 * YouTube, `si` could be anything on an unknown site) are dropped only on
 * the hosts that use them for tracking.
 *
 *   everywhere     utm_* (any case), fbclid, gclid, dclid, gbraid, wbraid,
 *                  msclkid, yclid, twclid, igshid, igsh, mc_cid, mc_eid,
 *                  mibextid, _ga, _gl, ref_src, ref_url
 *   YouTube        si, feature=share        (youtube.com, youtu.be)
 *   Spotify        si                       (spotify.com)
 *   X / Twitter    s, t                     (x.com, twitter.com)
 *   TikTok         _r, _t, is_from_webapp, sender_device, sender_web_id
 *                                           (tiktok.com)
 */
static const char *const track_any[] = {
	"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
	"twclid", "igshid", "igsh", "mc_cid", "mc_eid", "mibextid", "_ga",
	"_gl", "ref_src", "ref_url",
};

struct track_host {
	const char *domain;	/* the host or a subdomain of it */
	const char *name;
	const char *value;	/* only with this value; NULL: any */
};

static const struct track_host track_host[] = {
	{ "youtube.com", "si", NULL },
	{ "youtu.be", "si", NULL },
	{ "youtube.com", "feature", "share" },
	{ "youtu.be", "feature", "share" },
	{ "spotify.com", "si", NULL },
	{ "x.com", "s", NULL },
	{ "x.com", "t", NULL },
	{ "twitter.com", "s", NULL },
	{ "twitter.com", "t", NULL },
	{ "tiktok.com", "_r", NULL },
	{ "tiktok.com", "_t", NULL },
	{ "tiktok.com", "is_from_webapp", NULL },
	{ "tiktok.com", "sender_device", NULL },
	{ "tiktok.com", "sender_web_id", NULL },
};

static bool
host_in(const char *host, size_t hlen, const char *domain)
{
	size_t dlen = strlen(domain);

	if (hlen == dlen)
		return strncasecmp(host, domain, dlen) == 0;
	return hlen > dlen && host[hlen - dlen - 1] == '.' &&
	    strncasecmp(host + hlen - dlen, domain, dlen) == 0;
}

static bool
span_eq(const char *p, size_t n, const char *s)
{
	return n > 0 && p[0] == s[0] && strlen(s) == n && memcmp(p, s, n) == 0;
}

static bool
is_tracking(const char *host, size_t hlen, const char *param, size_t plen)
{
	const char *eq;
	size_t nlen, vlen, i;

	eq = memchr(param, '=', plen);
	nlen = eq != NULL ? (size_t)(eq - param) : plen;
	vlen = eq != NULL ? plen - nlen - 1 : 0;
	if (nlen > 4 && strncasecmp(param, "utm_", 4) == 0)
		return true;
	for (i = 0; i < NELEM(track_any); i++)
		if (span_eq(param, nlen, track_any[i]))
			return true;
	for (i = 0; i < NELEM(track_host); i++) {
		if (!span_eq(param, nlen, track_host[i].name) ||
		    !host_in(host, hlen, track_host[i].domain))
			continue;
		if (track_host[i].value == NULL ||
		    (eq != NULL && span_eq(eq + 1, vlen, track_host[i].value)))
			return true;
	}
	return false;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
host_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    is_digit((char)c) || c == '-' || c == '.' || c == '_' || c >= 0x80;
}

static bool
ipv6_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
	    c == ':' || c == '.';
}

char *
url_normalise(const char *url)
{
	struct buf b = BUF_INIT(URL_MAX);
	size_t len, i, scheme, aend, hs, he, pend, qend, hlen, k, e;
	unsigned long portv = 0;
	bool https, kept = false;
	const char *host;

	if (url == NULL)
		return NULL;
	/* white space around is a typing matter; inside, it is not a URL */
	len = strlen(url);
	while (len > 0 && (url[len - 1] == ' ' || url[len - 1] == '\t'))
		len--;
	while (len > 0 && (*url == ' ' || *url == '\t')) {
		url++;
		len--;
	}
	if (len == 0 || len > URL_MAX)
		return NULL;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)url[i];

		if (c <= 0x20 || c == 0x7f || c == '"' || c == '<' || c == '>')
			return NULL;
	}
	if (len >= 7 && strncasecmp(url, "http://", 7) == 0) {
		https = false;
		scheme = 7;
	} else if (len >= 8 && strncasecmp(url, "https://", 8) == 0) {
		https = true;
		scheme = 8;
	} else
		return NULL;

	/* authority: [userinfo@]host[:port] */
	for (aend = scheme; aend < len && url[aend] != '/' && url[aend] != '?' &&
	    url[aend] != '#'; aend++)
		if (url[aend] == '\\')
			return NULL;
	hs = scheme;
	for (i = scheme; i < aend; i++)
		if (url[i] == '@')
			hs = i + 1;
	if (hs < aend && url[hs] == '[') {
		for (he = hs + 1; he < aend && url[he] != ']'; he++)
			if (!ipv6_char(url[he]))
				return NULL;
		if (he == aend || he == hs + 1)
			return NULL;
		he++;
	} else {
		for (he = hs; he < aend && url[he] != ':'; he++)
			if (!host_char((unsigned char)url[he]))
				return NULL;
	}
	if (he < aend) {
		if (url[he] != ':' || aend - he > 6)
			return NULL;
		for (i = he + 1; i < aend; i++) {
			if (!is_digit(url[i]))
				return NULL;
			portv = portv * 10 + (unsigned long)(url[i] - '0');
		}
		if (portv > 65535)
			return NULL;
	}
	host = url + hs;
	hlen = he - hs;
	if (hlen > 1 && host[hlen - 1] == '.' && host[0] != '[')
		hlen--;
	if (hlen == 0 || host[0] == '.' || host[0] == '-' ||
	    memmem(host, hlen, "..", 2) != NULL)
		return NULL;

	if (buf_addstr(&b, https ? "https://" : "http://") == -1 ||
	    buf_add(&b, url + scheme, hs - scheme) == -1 ||
	    buf_add(&b, host, hlen) == -1)
		goto fail;
	for (i = b.len - hlen; i < b.len; i++)
		if (b.data[i] >= 'A' && b.data[i] <= 'Z')
			b.data[i] = (char)(b.data[i] - 'A' + 'a');
	if (he + 1 < aend && portv != (https ? 443u : 80u) &&
	    buf_printf(&b, ":%lu", portv) == -1)
		goto fail;

	/* the path; none is "/" */
	for (pend = aend; pend < len && url[pend] != '?' && url[pend] != '#';
	    pend++)
		;
	if (pend == aend ? buf_addch(&b, '/') == -1 :
	    buf_add(&b, url + aend, pend - aend) == -1)
		goto fail;

	/* the query without tracking parameters; the fragment goes */
	if (pend < len && url[pend] == '?') {
		for (qend = pend + 1; qend < len && url[qend] != '#'; qend++)
			;
		for (k = pend + 1; k < qend; k = e + 1) {
			const char *amp = memchr(url + k, '&', qend - k);

			e = amp != NULL ? (size_t)(amp - url) : qend;
			if (e == k || is_tracking(host, hlen, url + k, e - k))
				continue;
			if (buf_addch(&b, kept ? '&' : '?') == -1 ||
			    buf_add(&b, url + k, e - k) == -1)
				goto fail;
			kept = true;
		}
	}
	return buf_detach(&b, NULL);
fail:
	buf_free(&b);
	return NULL;
}
