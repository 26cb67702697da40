/* auth.c: who sent a mail (RFC 8601, RFC 7489) and whether a robot did (RFC 3834) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "buf.h"
#include "util.h"

const char *
auth_domain(const char *addr)
{
	const char *at;

	if (addr == NULL || (at = strrchr(addr, '@')) == NULL || at[1] == '\0')
		return NULL;
	return at + 1;
}

static bool
is_subdomain(const char *sub, const char *parent)
{
	size_t ls = strlen(sub), lp = strlen(parent);

	return ls > lp && sub[ls - lp - 1] == '.' &&
	    strcasecmp(sub + ls - lp, parent) == 0 && strchr(parent, '.') != NULL;
}

bool
auth_aligned(const char *a, const char *b)
{
	if (a == NULL || b == NULL || *a == '\0' || *b == '\0')
		return false;
	return strcasecmp(a, b) == 0 || is_subdomain(a, b) || is_subdomain(b, a);
}

/*
 * RFC 8601 value with comments removed and quoted strings unquoted,
 * white space collapsed to single spaces.
 */
static char *
ar_clean(const char *v)
{
	struct buf b = BUF_INIT(64 * 1024);
	int depth = 0;
	bool quoted = false;

	for (; *v != '\0'; v++) {
		if (quoted) {
			if (*v == '\\' && v[1] != '\0')
				v++;
			else if (*v == '"') {
				quoted = false;
				continue;
			}
			buf_addch(&b, *v);
			continue;
		}
		if (depth > 0) {
			if (*v == '\\' && v[1] != '\0')
				v++;
			else if (*v == '(')
				depth++;
			else if (*v == ')')
				depth--;
			continue;
		}
		if (*v == '(') {
			depth++;
			buf_addch(&b, ' ');
		} else if (*v == '"')
			quoted = true;
		else if (*v == '\t' || *v == '\r' || *v == '\n')
			buf_addch(&b, ' ');
		else
			buf_addch(&b, *v);
	}
	return buf_detach(&b, NULL);
}

/* the value of `key=` among the space-separated tokens of a resinfo */
static bool
ar_token(const char *resinfo, const char *key, char *out, size_t outlen)
{
	size_t kl = strlen(key);
	const char *p = resinfo;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (strncasecmp(p, key, kl) == 0 && p[kl] == '=') {
			size_t n;

			p += kl + 1;
			while (*p == ' ')
				p++;
			n = strcspn(p, " ");
			if (n >= outlen)
				n = outlen - 1;
			memcpy(out, p, n);
			out[n] = '\0';
			return true;
		}
		p += strcspn(p, " ");
	}
	return false;
}

struct ar_result {
	bool dmarc_pass, dkim_pass;
	char detail[256];
};

static void
ar_evaluate(const char *value, const char *from_domain, struct ar_result *res)
{
	char *clean, *p, *next, *semi;
	char method[64], result[64], prop[256];

	clean = ar_clean(value);
	/* the authserv-id (and version) was checked by the caller */
	p = strchr(clean, ';');
	while (p != NULL) {
		p++;
		semi = strchr(p, ';');
		if (semi != NULL)
			*semi = '\0';
		next = semi;
		/* "method[/version]=result" is the first token */
		while (*p == ' ')
			p++;
		{
			size_t n = strcspn(p, "=/ ");
			const char *r;

			if (n == 0 || n >= sizeof(method))
				goto skip;
			memcpy(method, p, n);
			method[n] = '\0';
			r = strchr(p, '=');
			if (r == NULL)
				goto skip;
			r++;
			while (*r == ' ')
				r++;
			n = strcspn(r, " ");
			if (n >= sizeof(result))
				goto skip;
			memcpy(result, r, n);
			result[n] = '\0';
		}
		if (strcasecmp(method, "dmarc") == 0 &&
		    strcasecmp(result, "pass") == 0) {
			if (ar_token(p, "header.from", prop, sizeof(prop)) &&
			    strcasecmp(prop, from_domain) == 0)
				res->dmarc_pass = true;
			else
				snprintf(res->detail, sizeof(res->detail),
				    "dmarc=pass is for another domain than "
				    "the From domain %s", from_domain);
		} else if (strcasecmp(method, "dmarc") == 0) {
			snprintf(res->detail, sizeof(res->detail), "dmarc=%s",
			    result);
		} else if (strcasecmp(method, "dkim") == 0 &&
		    strcasecmp(result, "pass") == 0) {
			const char *d = NULL;

			if (ar_token(p, "header.d", prop, sizeof(prop)))
				d = prop;
			else if (ar_token(p, "header.i", prop, sizeof(prop)))
				d = auth_domain(prop) ? auth_domain(prop) : prop;
			if (d != NULL && auth_aligned(d, from_domain))
				res->dkim_pass = true;
			else if (res->detail[0] == '\0')
				snprintf(res->detail, sizeof(res->detail),
				    "dkim=pass is not aligned with %s",
				    from_domain);
		} else if (strcasecmp(method, "dkim") == 0 &&
		    res->detail[0] == '\0') {
			snprintf(res->detail, sizeof(res->detail), "dkim=%s",
			    result);
		}
skip:
		p = next;
	}
	free(clean);
}

bool
auth_verify(const struct mime_msg *m, enum auth_policy policy,
    const char *authserv_id, char **reason_r)
{
	struct ar_result res;
	const char *from_domain;
	size_t i, idl;
	bool found = false, ok = false;

	*reason_r = NULL;
	if (policy == AUTH_NONE) {
		*reason_r = xstrdup("not checked (auth policy none)");
		return true;
	}
	if ((from_domain = auth_domain(m->from_addr)) == NULL) {
		*reason_r = xstrdup("the mail has no From address");
		return false;
	}
	memset(&res, 0, sizeof(res));
	idl = authserv_id ? strlen(authserv_id) : 0;
	for (i = 0; i < m->nhdr && idl > 0; i++) {
		const char *v = m->hdr[i].value;

		if (!str_ieq(m->hdr[i].name, "Authentication-Results"))
			continue;
		while (*v == ' ' || *v == '\t')
			v++;
		if (strncasecmp(v, authserv_id, idl) != 0 ||
		    (v[idl] != ';' && v[idl] != ' ' && v[idl] != '\t' &&
		    v[idl] != '('))
			continue;
		found = true;
		ar_evaluate(v, from_domain, &res);
		break;		/* the topmost of ours only */
	}
	if (!found)
		*reason_r = xasprintf("no Authentication-Results from %s",
		    authserv_id ? authserv_id : "(no authserv_id)");
	else if (policy == AUTH_DMARC && res.dmarc_pass) {
		*reason_r = xasprintf("dmarc=pass header.from=%s", from_domain);
		ok = true;
	} else if (res.dkim_pass) {
		*reason_r = xasprintf("dkim=pass aligned with %s", from_domain);
		ok = true;
	} else
		*reason_r = xasprintf("%s", res.detail[0] ? res.detail :
		    (policy == AUTH_DMARC ? "no dmarc=pass and no aligned "
		    "dkim=pass" : "no aligned dkim=pass"));
	return ok;
}

const char *
auth_automatic(const struct mime_msg *m)
{
	const char *v;
	size_t i;

	if ((v = mime_header_get(m, "Auto-Submitted")) != NULL) {
		char tmp[32];
		size_t n = strcspn(v, " \t;(");

		if (n >= sizeof(tmp))
			n = sizeof(tmp) - 1;
		memcpy(tmp, v, n);
		tmp[n] = '\0';
		if (!str_ieq(tmp, "no"))
			return "Auto-Submitted";
	}
	if ((v = mime_header_get(m, "Return-Path")) != NULL) {
		while (*v == ' ')
			v++;
		if (strncmp(v, "<>", 2) == 0 || *v == '\0')
			return "empty return path";
	}
	if (m->is_report)
		return "a delivery or disposition report";
	if ((v = mime_header_get(m, "Precedence")) != NULL) {
		while (*v == ' ')
			v++;
		if (str_iprefix(v, "bulk") || str_iprefix(v, "list") ||
		    str_iprefix(v, "junk"))
			return "Precedence";
	}
	for (i = 0; i < m->nhdr; i++)
		if (str_iprefix(m->hdr[i].name, "List-"))
			return "a mailing list";
	if ((v = mime_header_get(m, "X-Auto-Response-Suppress")) != NULL &&
	    (strcasestr(v, "all") != NULL || strcasestr(v, "autoreply") != NULL ||
	    strcasestr(v, "oof") != NULL))
		return "X-Auto-Response-Suppress";
	if (m->from_addr != NULL &&
	    (str_iprefix(m->from_addr, "mailer-daemon@") ||
	    str_iprefix(m->from_addr, "postmaster@")))
		return "a mailer daemon";
	return NULL;
}
