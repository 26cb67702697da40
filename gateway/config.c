/* config.c: the INI configuration (flagpost.conf(5)), read with libinih */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "buf.h"
#include "config.h"
#include "log.h"

struct config_parse {
	struct config *cfg;
	const char *path;
	FILE *fp;
	unsigned line;		/* the line inih is looking at */
	int problems;
	config_report_fn report;
	void *arg;
	bool seen_auth_id;
	bool seen_policy;
	char *bad_section;	/* the last unknown section reported */
	unsigned syntax_errors;	/* bad lines already reported */
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
	return cfg;
}

void
config_free(struct config **cfgp)
{
	struct config *cfg;

	if (cfgp == NULL || (cfg = *cfgp) == NULL)
		return;
	free(cfg->path);
	free(cfg->store);
	free(cfg->address);
	free(cfg->local);
	free(cfg->authserv_id);
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
			cp->seen_policy = true;
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
			cp->seen_auth_id = true;
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
	} else if (cp->bad_section == NULL ||
	    strcmp(cp->bad_section, section) != 0) {
		/* once per section, at its first key */
		free(cp->bad_section);
		cp->bad_section = xstrdup(section);
		problem(cp, cp->line, "unknown section '[%s]' (known: [gateway], "
		    "[auth], [limits])", log_safe(section));
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
