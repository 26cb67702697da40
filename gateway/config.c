/* config.c: the INI configuration (flagpost.conf(5)), read with libinih */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "buf.h"
#include "config.h"
#include "lexicon.h"
#include "log.h"

struct config_parse {
	struct config *cfg;
	const char *path;
	FILE *fp;
	unsigned line;		/* the line inih is looking at */
	int problems;
	config_report_fn report;
	void *arg;
	char *bad_section;	/* the last unknown section reported */
	unsigned syntax_errors;	/* bad lines already reported */
	unsigned section_line;	/* the line of the last section header */
};

static void problem(struct config_parse *cp, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
problem(struct config_parse *cp, unsigned line, const char *fmt, ...)
{
	struct buf b = BUF_INIT(4096);
	va_list ap;

	if (line > 0)
		buf_printf(&b, "%s:%u: ", cp->path, line);
	else
		buf_printf(&b, "%s: ", cp->path);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	cp->report(cp->arg, buf_str(&b));
	buf_free(&b);
	cp->problems++;
}

static void warning(struct config_parse *cp, unsigned line, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/* reported like a problem, but the configuration is still used */
static void
warning(struct config_parse *cp, unsigned line, const char *fmt, ...)
{
	struct buf b = BUF_INIT(4096);
	va_list ap;

	buf_printf(&b, "%s:%u: warning: ", cp->path, line);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	cp->report(cp->arg, buf_str(&b));
	buf_free(&b);
}

const char *
auth_policy_name(enum auth_policy p)
{
	switch (p) {
	case AUTH_DMARC:
		return "dmarc";
	case AUTH_DKIM:
		return "dkim";
	case AUTH_NONE:
		return "none";
	}
	return "?";
}

static void
strlist_clear(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void
strlist_add(struct strlist *l, const char *s)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
}

bool
strlist_has(const struct strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (str_ieq(l->v[i], s))
			return true;
	return false;
}

bool
list_name_ok(const char *name)
{
	const char *p;

	if (name == NULL || *name == '\0' || *name == '-' ||
	    strlen(name) > 64)
		return false;
	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-'))
			return false;
	return true;
}

const struct list_conf *
config_list(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nlist; i++)
		if (str_ieq(cfg->list[i].name, name))
			return &cfg->list[i];
	return NULL;
}

struct config *
config_default(void)
{
	struct config *cfg;

	cfg = xcalloc(1, sizeof(*cfg));
	cfg->path = xstrdup("(defaults)");
	cfg->store = xstrdup(CONFIG_DEFAULT_STORE);
	cfg->address = NULL;
	cfg->local = NULL;
	cfg->default_kind = KIND_NONE;
	cfg->auth_policy = AUTH_DMARC;
	cfg->authserv_id = NULL;
	mime_limits_default(&cfg->mime);
	cfg->max_records = 500;
	cfg->backoff_min = 5;
	cfg->backoff_max = 600;
	cfg->pid_file = xstrdup(LOCALSTATEDIR "/run/flagpost.pid");
	cfg->routing = false;
	cfg->rules_dir = xstrdup(CONFIG_DEFAULT_RULES);
	cfg->route_default = NULL;
	cfg->match_limit = 1000000;
	cfg->depth_limit = 10000;
	cfg->route_batch = 500;
	cfg->smtp_timeout = 60;
	cfg->retry_min = 60;
	cfg->retry_max = 3600;
	cfg->max_age = 5 * 86400;
	cfg->connections = 1;
	cfg->hub_timeout = 60;
	cfg->templates_dir = xstrdup(CONFIG_DEFAULT_TEMPLATES);
	cfg->gateway_name = xstrdup("Flagpost");
	cfg->attach_evidence = false;
	cfg->reveal_sender = false;
	cfg->replies_per_day = 10;
	cfg->deliver_batch = 100;
	cfg->digest_tz = xstrdup("UTC");
	cfg->review_deadline = 86400;
	cfg->confirm_within = 7 * 86400;
	cfg->max_open_flags = 100;
	return cfg;
}

void
config_free(struct config **cfgp)
{
	struct config *cfg;
	size_t i;

	if (cfgp == NULL || (cfg = *cfgp) == NULL)
		return;
	free(cfg->path);
	free(cfg->store);
	free(cfg->address);
	free(cfg->local);
	free(cfg->authserv_id);
	free(cfg->pid_file);
	free(cfg->rules_dir);
	free(cfg->route_default);
	free(cfg->smtp_relay);
	free(cfg->smtp_user);
	free(cfg->smtp_password_file);
	free(cfg->smtp_ca_file);
	free(cfg->smtp_helo);
	free(cfg->envelope_from);
	free(cfg->hub_url);
	free(cfg->hub_token_file);
	free(cfg->hub_ca_file);
	free(cfg->templates_dir);
	free(cfg->gateway_name);
	free(cfg->digest_tz);
	for (i = 0; i < cfg->nlist; i++) {
		struct list_conf *l = &cfg->list[i];

		free(l->name);
		free(l->description);
		free(l->label);
		free(l->schedule_text);
		free(l->tz);
		strlist_clear(&l->categories);
		strlist_clear(&l->country);
		strlist_clear(&l->language);
		strlist_clear(&l->ground);
		strlist_clear(&l->platform);
	}
	free(cfg->list);
	for (i = 0; i < cfg->ninbox; i++) {
		struct inbox_conf *ic = &cfg->inbox[i];

		free(ic->name);
		free(ic->host);
		free(ic->ca_file);
		free(ic->user);
		free(ic->password_file);
		free(ic->xoauth2_file);
		free(ic->folder);
		free(ic->after_folder);
	}
	free(cfg->inbox);
	free(cfg);
	*cfgp = NULL;
}

/*
 * inih stops reporting after the first bad line; look at each line as it
 * is read so that `check` can name every one.
 */
static void
config_line_check(struct config_parse *cp, const char *line)
{
	const char *p = line;
	size_t n;

	n = strlen(line);
	if (n > 0 && line[n - 1] != '\n' && !feof(cp->fp)) {
		problem(cp, cp->line, "line too long");
		return;
	}
	if (*p == ' ' || *p == '\t')
		return;		/* a continuation, or blank */
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p == '\0' || *p == ';' || *p == '#')
		return;
	if (*p == '[') {
		cp->section_line = cp->line;
		if (strchr(p, ']') == NULL) {
			problem(cp, cp->line, "a section header needs a closing "
			    "']'");
			cp->syntax_errors++;
		}
		return;
	}
	if (strpbrk(p, "=:") == NULL) {
		problem(cp, cp->line, "not an INI line (expected '[section]', "
		    "'key = value' or a comment)");
		cp->syntax_errors++;
	}
}

/* inih reads line by line through this, so the handler knows the line */
static char *
config_reader(char *str, int num, void *stream)
{
	struct config_parse *cp = stream;
	char *r;

	r = fgets(str, num, cp->fp);
	if (r != NULL) {
		cp->line++;
		config_line_check(cp, str);
	}
	return r;
}

static void
set_str(char **dst, const char *value)
{
	free(*dst);
	*dst = xstrdup(value);
}

static int
set_size(struct config_parse *cp, const char *key, const char *value,
    size_t min, size_t max, size_t *dst)
{
	size_t v;

	if (str_tosize(value, &v) == -1 || v < min || v > max) {
		problem(cp, cp->line, "%s: '%s' is not a size between %zu and %zu "
		    "(a number of bytes, or with K, M or G)", key,
		    log_safe(value), min, max);
		return 0;
	}
	*dst = v;
	return 0;
}

static int
set_count(struct config_parse *cp, const char *key, const char *value,
    long long min, long long max, size_t *dst)
{
	long long v;

	if (str_tonum(value, min, max, &v) == -1) {
		problem(cp, cp->line, "%s: '%s' is not a number between %lld "
		    "and %lld", key, log_safe(value), min, max);
		return 0;
	}
	*dst = (size_t)v;
	return 0;
}

/* "90", "90s", "15m", "2h", "5d" */
static void
set_duration(struct config_parse *cp, const char *key, const char *value,
    unsigned min, unsigned max, unsigned *dst)
{
	char num[32];
	size_t n = strlen(value);
	long long v, unit = 1;

	if (n == 0 || n >= sizeof(num))
		goto bad;
	memcpy(num, value, n + 1);
	switch (num[n - 1]) {
	case 's': unit = 1; num[n - 1] = '\0'; break;
	case 'm': unit = 60; num[n - 1] = '\0'; break;
	case 'h': unit = 3600; num[n - 1] = '\0'; break;
	case 'd': unit = 86400; num[n - 1] = '\0'; break;
	default: break;
	}
	if (str_tonum(num, 0, 100LL * 365 * 86400, &v) == -1 ||
	    v * unit < min || v * unit > max)
		goto bad;
	*dst = (unsigned)(v * unit);
	return;
bad:
	problem(cp, cp->line, "%s: '%s' is not a duration between %u and %u "
	    "seconds (a number of seconds, or with s, m, h or d)", key,
	    log_safe(value), min, max);
}

static bool
address_ok(const char *a)
{
	const char *at = strrchr(a, '@');
	const char *p;

	if (at == NULL || at == a || at[1] == '\0' || strchr(at + 1, '.') == NULL)
		return false;
	for (p = a; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' ||
		    *p == ',' || *p == '"' || (unsigned char)*p >= 0x7f)
			return false;
	return true;
}

const char *
imap_after_name(enum imap_after a)
{
	switch (a) {
	case IMAP_AFTER_KEEP:
		return "keep";
	case IMAP_AFTER_SEEN:
		return "seen";
	case IMAP_AFTER_MOVE:
		return "move";
	case IMAP_AFTER_DELETE:
		return "delete";
	}
	return "?";
}

void
inbox_imap_conf(const struct inbox_conf *ic, struct imap_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->name = ic->name;
	c->host = ic->host;
	c->port = ic->port ? ic->port :
	    (ic->tls == IMAP_TLS_IMPLICIT ? 993 : 143);
	c->tls = ic->tls;
	c->ca_file = ic->ca_file;
	c->user = ic->user;
	c->password_file = ic->password_file;
	c->xoauth2_file = ic->xoauth2_file;
	c->folder = ic->folder;
	c->timeout = ic->timeout;
}

static struct inbox_conf *
inbox_get(struct config_parse *cp, const char *name)
{
	struct config *cfg = cp->cfg;
	struct inbox_conf *ic;
	size_t i;

	for (i = 0; i < cfg->ninbox; i++)
		if (strcmp(cfg->inbox[i].name, name) == 0)
			return &cfg->inbox[i];
	cfg->inbox = xreallocarray(cfg->inbox, cfg->ninbox + 1,
	    sizeof(*cfg->inbox));
	ic = &cfg->inbox[cfg->ninbox++];
	memset(ic, 0, sizeof(*ic));
	ic->name = xstrdup(name);
	ic->line = cp->section_line ? cp->section_line : cp->line;
	ic->tls = IMAP_TLS_IMPLICIT;
	ic->folder = xstrdup("INBOX");
	ic->default_kind = KIND_NONE;
	ic->after = IMAP_AFTER_SEEN;
	ic->poll_interval = 60;
	ic->idle = true;
	ic->timeout = 30;
	ic->batch = 100;
	return ic;
}

static bool
yes_no(struct config_parse *cp, const char *key, const char *value, bool *v)
{
	if (str_ieq(value, "yes") || str_ieq(value, "true") ||
	    str_ieq(value, "on"))
		*v = true;
	else if (str_ieq(value, "no") || str_ieq(value, "false") ||
	    str_ieq(value, "off"))
		*v = false;
	else {
		problem(cp, cp->line, "%s: '%s' is not yes or no", key,
		    log_safe(value));
		return false;
	}
	return true;
}

static void
inbox_key(struct config_parse *cp, struct inbox_conf *ic, const char *name,
    const char *value)
{
	size_t v;

	if (strcmp(name, "host") == 0) {
		if (*value == '\0' || strpbrk(value, " \t/") != NULL)
			problem(cp, cp->line, "host: '%s' is not a host name",
			    log_safe(value));
		else
			set_str(&ic->host, value);
	} else if (strcmp(name, "port") == 0) {
		v = 0;
		set_count(cp, name, value, 1, 65535, &v);
		ic->port = (unsigned)v;
	} else if (strcmp(name, "tls") == 0) {
		if (strcmp(value, "implicit") == 0)
			ic->tls = IMAP_TLS_IMPLICIT;
		else if (strcmp(value, "starttls") == 0)
			ic->tls = IMAP_TLS_STARTTLS;
		else if (strcmp(value, "none") == 0)
			ic->tls = IMAP_TLS_NONE;
		else
			problem(cp, cp->line, "tls: '%s' is not a TLS mode "
			    "(implicit, starttls or none)", log_safe(value));
	} else if (strcmp(name, "ca_file") == 0)
		set_str(&ic->ca_file, value);
	else if (strcmp(name, "user") == 0)
		set_str(&ic->user, value);
	else if (strcmp(name, "password_file") == 0)
		set_str(&ic->password_file, value);
	else if (strcmp(name, "xoauth2_file") == 0)
		set_str(&ic->xoauth2_file, value);
	else if (strcmp(name, "folder") == 0) {
		if (*value == '\0')
			problem(cp, cp->line, "folder: a folder name is needed");
		else
			set_str(&ic->folder, value);
	} else if (strcmp(name, "default_kind") == 0) {
		if (strcmp(value, "none") == 0)
			ic->default_kind = KIND_NONE;
		else if ((ic->default_kind = kind_parse(value)) == KIND_NONE)
			problem(cp, cp->line, "default_kind: '%s' is not a kind "
			    "(flag, early-warning, hub, outcome or none)",
			    log_safe(value));
	} else if (strcmp(name, "after") == 0) {
		free(ic->after_folder);
		ic->after_folder = NULL;
		if (strcmp(value, "keep") == 0)
			ic->after = IMAP_AFTER_KEEP;
		else if (strcmp(value, "seen") == 0)
			ic->after = IMAP_AFTER_SEEN;
		else if (strcmp(value, "delete") == 0)
			ic->after = IMAP_AFTER_DELETE;
		else if (strncmp(value, "move:", 5) == 0 && value[5] != '\0') {
			ic->after = IMAP_AFTER_MOVE;
			ic->after_folder = xstrdup(value + 5);
		} else
			problem(cp, cp->line, "after: '%s' is not an action "
			    "(keep, seen, move:FOLDER or delete)",
			    log_safe(value));
	} else if (strcmp(name, "poll_interval") == 0) {
		v = ic->poll_interval;
		set_count(cp, name, value, 1, 86400, &v);
		ic->poll_interval = (unsigned)v;
	} else if (strcmp(name, "idle") == 0)
		yes_no(cp, name, value, &ic->idle);
	else if (strcmp(name, "timeout") == 0) {
		v = ic->timeout;
		set_count(cp, name, value, 1, 3600, &v);
		ic->timeout = (unsigned)v;
	} else if (strcmp(name, "batch") == 0) {
		v = ic->batch;
		set_count(cp, name, value, 1, 10000, &v);
		ic->batch = (unsigned)v;
	} else
		problem(cp, cp->line, "unknown key '%s' in [inbox %s]",
		    log_safe(name), log_safe(ic->name));
}

static bool
loopback(const char *host)
{
	return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "::1") == 0 ||
	    strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0;
}

/* a secret file: readable, and not by others */
static void
secret_check(struct config_parse *cp, const struct inbox_conf *ic,
    const char *key, const char *path)
{
	struct stat sb;

	if (stat(path, &sb) == -1 || access(path, R_OK) == -1) {
		problem(cp, ic->line, "[inbox %s] %s: cannot read '%s': %s",
		    ic->name, key, path, strerror(errno));
		return;
	}
	if ((sb.st_mode & 0077) != 0)
		warning(cp, ic->line, "[inbox %s] %s: '%s' is readable by "
		    "others (chmod 600 it)", ic->name, key, path);
}

static void
inbox_check(struct config_parse *cp, const struct inbox_conf *ic)
{
	if (ic->host == NULL)
		problem(cp, ic->line, "[inbox %s] host is missing", ic->name);
	if (ic->user == NULL)
		problem(cp, ic->line, "[inbox %s] user is missing", ic->name);
	if ((ic->password_file == NULL) == (ic->xoauth2_file == NULL))
		problem(cp, ic->line, "[inbox %s] give one of password_file or "
		    "xoauth2_file", ic->name);
	if (ic->tls == IMAP_TLS_NONE && ic->host != NULL &&
	    !loopback(ic->host))
		problem(cp, ic->line, "[inbox %s] tls = none is refused for "
		    "%s: clear text is allowed on loopback only", ic->name,
		    ic->host);
	if (ic->password_file != NULL)
		secret_check(cp, ic, "password_file", ic->password_file);
	if (ic->xoauth2_file != NULL)
		secret_check(cp, ic, "xoauth2_file", ic->xoauth2_file);
	if (ic->ca_file != NULL && access(ic->ca_file, R_OK) == -1)
		problem(cp, ic->line, "[inbox %s] ca_file: cannot read '%s': "
		    "%s", ic->name, ic->ca_file, strerror(errno));
}

static struct list_conf *
list_get(struct config_parse *cp, const char *name)
{
	struct config *cfg = cp->cfg;
	struct list_conf *l;
	size_t i;

	for (i = 0; i < cfg->nlist; i++)
		if (strcmp(cfg->list[i].name, name) == 0)
			return &cfg->list[i];
	cfg->list = xreallocarray(cfg->list, cfg->nlist + 1,
	    sizeof(*cfg->list));
	l = &cfg->list[cfg->nlist++];
	memset(l, 0, sizeof(*l));
	l->name = xstrdup(name);
	l->line = cp->section_line ? cp->section_line : cp->line;
	l->hub = l->warnings = l->flags = true;
	return l;
}

/*
 * The words of a list value ("DE, AT; FR"), each checked by `canon`
 * (which returns the canonical word, or NULL with a message in b).
 */
static void
words(struct config_parse *cp, const char *key, const char *value,
    struct strlist *l, const char *(*canon)(const char *, struct buf *))
{
	struct buf b = BUF_INIT(1024);
	const char *p = value, *e, *c;
	char *w, *t;

	strlist_clear(l);
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',' || *p == ';')
			p++;
		if (*p == '\0')
			break;
		for (e = p; *e != '\0' && *e != ',' && *e != ';'; e++)
			;
		w = xstrndup(p, (size_t)(e - p));
		t = str_trim(w);
		buf_reset(&b);
		if ((c = canon(t, &b)) == NULL)
			problem(cp, cp->line, "%s: %s", key, buf_str(&b));
		else if (!strlist_has(l, c))
			strlist_add(l, c);
		free(w);
		p = e;
	}
	buf_free(&b);
}

static const char *
canon_category(const char *w, struct buf *b)
{
	const char *c = lex_match(&lex_category, w);

	if (c == NULL) {
		buf_printf(b, "'%s' is not a category; ", log_safe(w));
		lex_suggest(&lex_category, w, b);
	}
	return c;
}

static const char *
canon_ground(const char *w, struct buf *b)
{
	const char *c = lex_match(&lex_ground, w);

	if (c == NULL) {
		buf_printf(b, "'%s' is not a ground; ", log_safe(w));
		lex_suggest(&lex_ground, w, b);
	}
	return c;
}

static const char *
canon_country(const char *w, struct buf *b)
{
	const char *c = lex_country(w), *near;

	if (c == NULL) {
		buf_printf(b, "'%s' is not a country (ISO 3166 code)",
		    log_safe(w));
		if ((near = lex_country_nearest(w)) != NULL)
			buf_printf(b, "; did you mean '%s'?", near);
	}
	return c;
}

static const char *
canon_language(const char *w, struct buf *b)
{
	const char *c = lex_language(w), *near;

	if (c == NULL) {
		buf_printf(b, "'%s' is not a language (ISO 639-1 code)",
		    log_safe(w));
		if ((near = lex_language_nearest(w)) != NULL)
			buf_printf(b, "; did you mean '%s'?", near);
	}
	return c;
}

static const char *
canon_platform(const char *w, struct buf *b)
{
	const char *p;

	for (p = w; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_')) {
			buf_printf(b, "'%s' is not a platform name", log_safe(w));
			return NULL;
		}
	return *w != '\0' ? w : NULL;
}

/* a zone the schedules can use; reported when not */
static bool
zone_ok(struct config_parse *cp, const char *value)
{
	struct schedule sc;

	if (*value != '\0' && schedule_parse("daily 00:00", value, &sc, NULL,
	    0) == 0)
		return true;
	problem(cp, cp->line, "timezone: '%s' is not a time zone (an IANA "
	    "name such as Europe/Brussels, or UTC)", log_safe(value));
	return false;
}

static void
list_key(struct config_parse *cp, struct list_conf *l, const char *name,
    const char *value)
{
	if (strcmp(name, "description") == 0) {
		if (*value == '\0')
			problem(cp, cp->line, "description: a text is needed");
		else
			set_str(&l->description, value);
	} else if (strcmp(name, "id") == 0) {
		if (!list_name_ok(value))
			problem(cp, cp->line, "id: '%s' is not a List-Id label "
			    "(lower-case letters, digits and '-')",
			    log_safe(value));
		else
			set_str(&l->label, value);
	} else if (strcmp(name, "schedule") == 0) {
		set_str(&l->schedule_text, value);
		l->schedule_line = cp->line;
	} else if (strcmp(name, "timezone") == 0) {
		if (zone_ok(cp, value))
			set_str(&l->tz, value);
	}
	else if (strcmp(name, "content") == 0) {
		const char *p = value, *e;
		char w[32];
		size_t n;

		l->hub = l->warnings = l->flags = false;
		while (*p != '\0') {
			while (*p == ' ' || *p == '\t' || *p == ',' || *p == ';')
				p++;
			if (*p == '\0')
				break;
			for (e = p; *e != '\0' && *e != ',' && *e != ';' &&
			    *e != ' ' && *e != '\t'; e++)
				;
			n = (size_t)(e - p);
			if (n < sizeof(w)) {
				memcpy(w, p, n);
				w[n] = '\0';
			} else
				w[0] = '\0';
			if (strcmp(w, "hub") == 0)
				l->hub = true;
			else if (strcmp(w, "early-warnings") == 0)
				l->warnings = true;
			else if (strcmp(w, "flags") == 0)
				l->flags = true;
			else
				problem(cp, cp->line, "content: '%.*s' is not a "
				    "content (hub, early-warnings or flags)",
				    (int)(n > 64 ? 64 : n), log_safe(p));
			p = e;
		}
		if (!l->hub && !l->warnings && !l->flags)
			problem(cp, cp->line, "content: give at least one of "
			    "hub, early-warnings or flags");
	} else if (strcmp(name, "categories") == 0)
		words(cp, name, value, &l->categories, canon_category);
	else if (strcmp(name, "country") == 0)
		words(cp, name, value, &l->country, canon_country);
	else if (strcmp(name, "language") == 0)
		words(cp, name, value, &l->language, canon_language);
	else if (strcmp(name, "ground") == 0)
		words(cp, name, value, &l->ground, canon_ground);
	else if (strcmp(name, "platform") == 0)
		words(cp, name, value, &l->platform, canon_platform);
	else
		problem(cp, cp->line, "unknown key '%s' in [list %s]",
		    log_safe(name), l->name);
}

static void
list_check(struct config_parse *cp, struct list_conf *l)
{
	char why[256];
	size_t i;

	if (!list_name_ok(l->name)) {
		problem(cp, l->line, "[list %s]: a list name is lower-case "
		    "letters, digits and '-', at most 64 characters, and does "
		    "not start with '-'", log_safe(l->name));
		return;
	}
	for (i = 0; &cp->cfg->list[i] != l; i++)
		if (strcmp(cp->cfg->list[i].name, l->name) == 0)
			return;
	if (l->description == NULL)
		l->description = xstrdup(l->name);
	if (l->label == NULL)
		l->label = xstrdup(l->name);
	if (l->schedule_text == NULL) {
		problem(cp, l->line, "[list %s] schedule is missing (daily "
		    "08:00, weekly mon 08:00 or monthly 1 08:00)", l->name);
		return;
	}
	if (schedule_parse(l->schedule_text, l->tz != NULL ? l->tz :
	    cp->cfg->digest_tz, &l->sched, why, sizeof(why)) == -1)
		problem(cp, l->schedule_line, "[list %s] schedule: %s", l->name,
		    why);
}

static int
config_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct config_parse *cp = user;
	struct config *cfg = cp->cfg;
	size_t v;

	if (name == NULL)	/* a section header on its own */
		return 1;
	if (*section == '\0') {
		problem(cp, cp->line, "'%s' is outside any section",
		    log_safe(name));
		return 1;
	}
	if (strcmp(section, "gateway") == 0) {
		if (strcmp(name, "store") == 0) {
			if (*value == '\0')
				problem(cp, cp->line, "store: a path is needed");
			else
				set_str(&cfg->store, value);
		} else if (strcmp(name, "address") == 0) {
			if (!address_ok(value)) {
				problem(cp, cp->line, "address: '%s' is not a "
				    "mail address", log_safe(value));
			} else {
				char *plus;

				set_str(&cfg->address, value);
				str_lower(cfg->address);
				free(cfg->local);
				cfg->local = xstrndup(cfg->address,
				    (size_t)(strrchr(cfg->address, '@') -
				    cfg->address));
				if ((plus = strchr(cfg->local, '+')) != NULL)
					*plus = '\0';
			}
		} else if (strcmp(name, "default_kind") == 0) {
			if (strcmp(value, "none") == 0)
				cfg->default_kind = KIND_NONE;
			else if ((cfg->default_kind = kind_parse(value)) ==
			    KIND_NONE)
				problem(cp, cp->line, "default_kind: '%s' is not "
				    "a kind (flag, early-warning, hub, outcome "
				    "or none)", log_safe(value));
		} else
			goto unknown;
	} else if (strcmp(section, "auth") == 0) {
		if (strcmp(name, "policy") == 0) {
			if (strcmp(value, "dmarc") == 0)
				cfg->auth_policy = AUTH_DMARC;
			else if (strcmp(value, "dkim") == 0)
				cfg->auth_policy = AUTH_DKIM;
			else if (strcmp(value, "none") == 0)
				cfg->auth_policy = AUTH_NONE;
			else
				problem(cp, cp->line, "policy: '%s' is not a "
				    "policy (dmarc, dkim or none)",
				    log_safe(value));
		} else if (strcmp(name, "authserv_id") == 0) {
			if (*value == '\0' || strpbrk(value, " \t;") != NULL)
				problem(cp, cp->line, "authserv_id: '%s' is not "
				    "an authserv-id (the host name the receiving "
				    "MTA writes in Authentication-Results)",
				    log_safe(value));
			else {
				set_str(&cfg->authserv_id, value);
				str_lower(cfg->authserv_id);
			}
		} else
			goto unknown;
	} else if (strcmp(section, "limits") == 0) {
		if (strcmp(name, "message_size") == 0)
			return set_size(cp, name, value, 1024,
			    (size_t)1024 * 1024 * 1024, &cfg->mime.max_size) + 1;
		if (strcmp(name, "header_line") == 0)
			return set_size(cp, name, value, 998, 16 * 1024 * 1024,
			    &cfg->mime.max_header_line) + 1;
		if (strcmp(name, "mime_depth") == 0) {
			v = cfg->mime.max_depth;
			set_count(cp, name, value, 1, 100, &v);
			cfg->mime.max_depth = (unsigned)v;
		} else if (strcmp(name, "mime_parts") == 0) {
			v = cfg->mime.max_parts;
			set_count(cp, name, value, 1, 100000, &v);
			cfg->mime.max_parts = (unsigned)v;
		} else if (strcmp(name, "records_per_mail") == 0)
			set_count(cp, name, value, 1, 100000, &cfg->max_records);
		else
			goto unknown;
	} else if (strcmp(section, "daemon") == 0) {
		if (strcmp(name, "backoff_min") == 0) {
			v = cfg->backoff_min;
			set_count(cp, name, value, 1, 3600, &v);
			cfg->backoff_min = (unsigned)v;
		} else if (strcmp(name, "backoff_max") == 0) {
			v = cfg->backoff_max;
			set_count(cp, name, value, 1, 86400, &v);
			cfg->backoff_max = (unsigned)v;
		} else if (strcmp(name, "pid_file") == 0)
			set_str(&cfg->pid_file, value);
		else
			goto unknown;
	} else if (strcmp(section, "smtp") == 0) {
		cfg->smtp = true;
		if (strcmp(name, "relay") == 0) {
			if (strncmp(value, "smtp://", 7) != 0 &&
			    strncmp(value, "smtps://", 8) != 0)
				problem(cp, cp->line, "relay: '%s' is not an "
				    "smtp:// or smtps:// URL", log_safe(value));
			else
				set_str(&cfg->smtp_relay, value);
		} else if (strcmp(name, "user") == 0)
			set_str(&cfg->smtp_user, value);
		else if (strcmp(name, "password_file") == 0)
			set_str(&cfg->smtp_password_file, value);
		else if (strcmp(name, "ca_file") == 0)
			set_str(&cfg->smtp_ca_file, value);
		else if (strcmp(name, "helo") == 0)
			set_str(&cfg->smtp_helo, value);
		else if (strcmp(name, "envelope_from") == 0) {
			if (!address_ok(value))
				problem(cp, cp->line, "envelope_from: '%s' is "
				    "not a mail address", log_safe(value));
			else
				set_str(&cfg->envelope_from, value);
		} else if (strcmp(name, "timeout") == 0)
			set_duration(cp, name, value, 1, 3600,
			    &cfg->smtp_timeout);
		else if (strcmp(name, "retry_min") == 0)
			set_duration(cp, name, value, 1, 86400, &cfg->retry_min);
		else if (strcmp(name, "retry_max") == 0)
			set_duration(cp, name, value, 1, 7 * 86400,
			    &cfg->retry_max);
		else if (strcmp(name, "max_age") == 0)
			set_duration(cp, name, value, 60, 30 * 86400,
			    &cfg->max_age);
		else if (strcmp(name, "connections") == 0) {
			v = cfg->connections;
			set_count(cp, name, value, 1, 32, &v);
			cfg->connections = (unsigned)v;
		} else
			goto unknown;
	} else if (strcmp(section, "hub") == 0) {
		cfg->hub = true;
		if (strcmp(name, "url") == 0) {
			if (strncmp(value, "https://", 8) != 0 &&
			    strncmp(value, "http://", 7) != 0)
				problem(cp, cp->line, "url: '%s' is not an "
				    "https:// URL", log_safe(value));
			else
				set_str(&cfg->hub_url, value);
		} else if (strcmp(name, "token_file") == 0)
			set_str(&cfg->hub_token_file, value);
		else if (strcmp(name, "ca_file") == 0)
			set_str(&cfg->hub_ca_file, value);
		else if (strcmp(name, "timeout") == 0)
			set_duration(cp, name, value, 1, 3600, &cfg->hub_timeout);
		else
			goto unknown;
	} else if (strcmp(section, "delivery") == 0) {
		if (strcmp(name, "templates") == 0) {
			if (*value == '\0')
				problem(cp, cp->line, "templates: a directory "
				    "is needed");
			else
				set_str(&cfg->templates_dir, value);
		} else if (strcmp(name, "from_name") == 0) {
			if (strpbrk(value, "\r\n") != NULL)
				problem(cp, cp->line, "from_name: one line");
			else
				set_str(&cfg->gateway_name, value);
		} else if (strcmp(name, "evidence") == 0) {
			if (strcmp(value, "attach") == 0)
				cfg->attach_evidence = true;
			else if (strcmp(value, "list") == 0)
				cfg->attach_evidence = false;
			else
				problem(cp, cp->line, "evidence: '%s' is not "
				    "attach or list", log_safe(value));
		} else if (strcmp(name, "reveal_sender") == 0)
			yes_no(cp, name, value, &cfg->reveal_sender);
		else if (strcmp(name, "replies_per_day") == 0) {
			v = cfg->replies_per_day;
			set_count(cp, name, value, 0, 10000, &v);
			cfg->replies_per_day = (unsigned)v;
		} else if (strcmp(name, "batch") == 0)
			set_count(cp, name, value, 1, 100000,
			    &cfg->deliver_batch);
		else
			goto unknown;
	} else if (strcmp(section, "routing") == 0) {
		cfg->routing = true;
		if (strcmp(name, "rules") == 0) {
			if (*value == '\0')
				problem(cp, cp->line, "rules: a directory is "
				    "needed");
			else
				set_str(&cfg->rules_dir, value);
		} else if (strcmp(name, "default") == 0) {
			if (*value == '\0' || strpbrk(value, " \t,;") != NULL)
				problem(cp, cp->line, "default: '%s' is not one "
				    "contact address or group name",
				    log_safe(value));
			else {
				set_str(&cfg->route_default, value);
				if (strchr(value, '@') != NULL)
					str_lower(cfg->route_default);
			}
		} else if (strcmp(name, "match_limit") == 0) {
			v = cfg->match_limit;
			set_count(cp, name, value, 1000, 100000000, &v);
			cfg->match_limit = (unsigned)v;
		} else if (strcmp(name, "depth_limit") == 0) {
			v = cfg->depth_limit;
			set_count(cp, name, value, 100, 10000000, &v);
			cfg->depth_limit = (unsigned)v;
		} else if (strcmp(name, "batch") == 0)
			set_count(cp, name, value, 1, 100000, &cfg->route_batch);
		else
			goto unknown;
	} else if (strcmp(section, "digest") == 0) {
		if (strcmp(name, "timezone") == 0) {
			if (zone_ok(cp, value))
				set_str(&cfg->digest_tz, value);
		} else if (strcmp(name, "review_deadline") == 0)
			set_duration(cp, name, value, 60, 365 * 86400,
			    &cfg->review_deadline);
		else if (strcmp(name, "confirm_within") == 0)
			set_duration(cp, name, value, 60, 365 * 86400,
			    &cfg->confirm_within);
		else if (strcmp(name, "max_open_flags") == 0)
			set_count(cp, name, value, 1, 100000,
			    &cfg->max_open_flags);
		else
			goto unknown;
	} else if (strncmp(section, "list ", 5) == 0 && section[5] != '\0') {
		list_key(cp, list_get(cp, section + 5), name, value);
	} else if (strncmp(section, "inbox ", 6) == 0 && section[6] != '\0') {
		inbox_key(cp, inbox_get(cp, section + 6), name, value);
	} else if (cp->bad_section == NULL ||
	    strcmp(cp->bad_section, section) != 0) {
		/* once per section, at its first key */
		free(cp->bad_section);
		cp->bad_section = xstrdup(section);
		problem(cp, cp->line, "unknown section '[%s]' (known: [gateway], "
		    "[auth], [limits], [daemon], [routing], [smtp], [hub], "
		    "[delivery], [digest], [list NAME], [inbox NAME])",
		    log_safe(section));
	}
	return 1;
unknown:
	problem(cp, cp->line, "unknown key '%s' in [%s]", log_safe(name),
	    section);
	return 1;
}

int
config_load(const char *path, struct config **cfg_r, config_report_fn report,
    void *arg)
{
	struct config_parse cp;
	int r;

	*cfg_r = NULL;
	memset(&cp, 0, sizeof(cp));
	cp.cfg = config_default();
	cp.path = path;
	cp.report = report;
	cp.arg = arg;
	free(cp.cfg->path);
	cp.cfg->path = xstrdup(path);
	if ((cp.fp = fopen(path, "r")) == NULL) {
		problem(&cp, 0, "cannot open: %s", strerror(errno));
		goto out;
	}
	r = ini_parse_stream(config_reader, &cp, config_handler, &cp);
	fclose(cp.fp);
	if (r > 0 && cp.syntax_errors == 0)
		problem(&cp, (unsigned)r, "not an INI line (expected "
		    "'[section]', 'key = value' or a comment)");
	else if (r < 0)
		problem(&cp, 0, "cannot read the file");
	if (cp.cfg->address == NULL)
		problem(&cp, 0, "[gateway] address is missing: the gateway's "
		    "own mail address");
	for (size_t i = 0; i < cp.cfg->ninbox; i++)
		inbox_check(&cp, &cp.cfg->inbox[i]);
	for (size_t i = 0; i < cp.cfg->nlist; i++)
		list_check(&cp, &cp.cfg->list[i]);
	if (cp.cfg->backoff_min > cp.cfg->backoff_max)
		problem(&cp, 0, "[daemon] backoff_min (%u) is above backoff_max "
		    "(%u)", cp.cfg->backoff_min, cp.cfg->backoff_max);
	if (cp.cfg->smtp && cp.cfg->smtp_relay == NULL)
		problem(&cp, 0, "[smtp] relay is missing: the URL of the mail "
		    "server that takes the gateway's mail (smtp://host:port)");
	if (cp.cfg->smtp && cp.cfg->retry_min > cp.cfg->retry_max)
		problem(&cp, 0, "[smtp] retry_min (%u) is above retry_max (%u)",
		    cp.cfg->retry_min, cp.cfg->retry_max);
	if (cp.cfg->hub && (cp.cfg->hub_url == NULL ||
	    cp.cfg->hub_token_file == NULL))
		problem(&cp, 0, "[hub] needs url and token_file");
	if (cp.cfg->routing && cp.cfg->route_default == NULL)
		problem(&cp, 0, "[routing] default is missing: the contact or "
		    "group (the coordinators) that gets every record no rule "
		    "routes");
	if (cp.cfg->auth_policy != AUTH_NONE && cp.cfg->authserv_id == NULL)
		problem(&cp, 0, "[auth] authserv_id is missing: the host name "
		    "your receiving MTA writes in Authentication-Results "
		    "(or policy = none, for tests only)");
out:
	free(cp.bad_section);
	if (cp.problems == 0)
		*cfg_r = cp.cfg;
	else
		config_free(&cp.cfg);
	return cp.problems;
}
