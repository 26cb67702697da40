/* template.c: the templates of outgoing mail: values, parsing, checking
 * against a schema, rendering (flagpost-templates(5)) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "template.h"
#include "util.h"

#define TPL_MAX_FILE	(1024 * 1024)	/* bytes of a template file */
#define TPL_MAX_DEPTH	20		/* sections inside sections */
#define TPL_SHOW	40		/* bytes of a name in a problem */
#define TPL_SUGGEST	2		/* the distance of "did you mean" */

/* ---------------------------------------------------------- values */

struct tval {
	enum tval_type type;
	char *str;		/* TVAL_STR */
	bool b;			/* TVAL_BOOL */
	char **names;		/* TVAL_OBJ: the member names */
	struct tval **v;	/* the members (TVAL_OBJ) or items (LIST) */
	size_t n;
	size_t cap;
};

static struct tval *
tval_new(enum tval_type type)
{
	struct tval *v;

	v = xcalloc(1, sizeof(*v));
	v->type = type;
	return v;
}

struct tval *
tval_obj(void)
{
	return tval_new(TVAL_OBJ);
}

struct tval *
tval_list(void)
{
	return tval_new(TVAL_LIST);
}

/* the index of the member named by the n bytes of `name`, or obj->n */
static size_t
tval_index(const struct tval *obj, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < obj->n; i++)
		if (strncmp(obj->names[i], name, n) == 0 &&
		    obj->names[i][n] == '\0')
			break;
	return i;
}

/* the member of `obj` named by the n bytes of `name`, or NULL */
static const struct tval *
tval_member(const struct tval *obj, const char *name, size_t n)
{
	size_t i;

	if (obj == NULL || obj->type != TVAL_OBJ)
		return NULL;
	i = tval_index(obj, name, n);
	return i < obj->n ? obj->v[i] : NULL;
}

static void
tval_grow(struct tval *t)
{
	if (t->n < t->cap)
		return;
	t->cap = t->cap ? t->cap * 2 : 8;
	t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
	if (t->type == TVAL_OBJ)
		t->names = xreallocarray(t->names, t->cap,
		    sizeof(*t->names));
}

/* sets member `name` (n bytes) of obj to v, replacing the old value */
static void
tval_put(struct tval *obj, const char *name, size_t n, struct tval *v)
{
	size_t i;

	if ((i = tval_index(obj, name, n)) < obj->n) {
		tval_free(&obj->v[i]);
		obj->v[i] = v;
		return;
	}
	tval_grow(obj);
	obj->names[obj->n] = xstrndup(name, n);
	obj->v[obj->n++] = v;
}

/*
 * "a.b" sets member "b" of the object member "a", made when it is missing
 * (or is not an object), so that what is set is what {{a.b}} finds.
 */
void
tval_set(struct tval *obj, const char *name, struct tval *v)
{
	struct tval *sub;
	const char *dot;
	size_t i, n;

	if (obj == NULL || obj->type != TVAL_OBJ || name == NULL ||
	    v == NULL) {
		tval_free(&v);
		return;
	}
	while ((dot = strchr(name, '.')) != NULL) {
		n = (size_t)(dot - name);
		i = tval_index(obj, name, n);
		if (i < obj->n && obj->v[i]->type == TVAL_OBJ)
			sub = obj->v[i];
		else {
			sub = tval_obj();
			tval_put(obj, name, n, sub);
		}
		obj = sub;
		name = dot + 1;
	}
	tval_put(obj, name, strlen(name), v);
}

void
tval_set_str(struct tval *obj, const char *name, const char *s)
{
	struct tval *v;

	v = tval_new(TVAL_STR);
	v->str = xstrdup(s != NULL ? s : "");
	tval_set(obj, name, v);
}

void
tval_set_bool(struct tval *obj, const char *name, bool b)
{
	struct tval *v;

	v = tval_new(TVAL_BOOL);
	v->b = b;
	tval_set(obj, name, v);
}

void
tval_push(struct tval *list, struct tval *obj)
{
	if (obj == NULL)
		return;
	if (list == NULL || list->type != TVAL_LIST) {
		tval_free(&obj);
		return;
	}
	tval_grow(list);
	list->v[list->n++] = obj;
}

void
tval_free(struct tval **vp)
{
	struct tval *v;
	size_t i;

	if (vp == NULL || (v = *vp) == NULL)
		return;
	for (i = 0; i < v->n; i++) {
		if (v->names != NULL)
			free(v->names[i]);
		tval_free(&v->v[i]);
	}
	free(v->names);
	free(v->v);
	free(v->str);
	free(v);
	*vp = NULL;
}

/* ---------------------------------------------------------- templates */

enum node_type {
	NODE_TEXT,
	NODE_VAR,		/* {{name}} */
	NODE_RAW,		/* {{{name}}} */
	NODE_SECTION,		/* {{#name}} */
	NODE_INVERTED,		/* {{^name}} */
};

struct node {
	enum node_type type;
	unsigned line;
	char *s;		/* the text, or the name */
	size_t len;		/* of s */
	size_t end;		/* a section: the node after its last */
};

/* one of the three parts of a template: a node list */
struct part {
	struct node *n;
	size_t len;
	size_t cap;
};

struct template {
	struct part subject;
	struct part text;
	struct part html;
};

static void
part_free(struct part *pt)
{
	size_t i;

	for (i = 0; i < pt->len; i++)
		free(pt->n[i].s);
	free(pt->n);
	pt->n = NULL;
	pt->len = pt->cap = 0;
}

void
template_free(struct template **tp)
{
	struct template *t;

	if (tp == NULL || (t = *tp) == NULL)
		return;
	part_free(&t->subject);
	part_free(&t->text);
	part_free(&t->html);
	free(t);
	*tp = NULL;
}

/* ---------------------------------------------------------- parsing */

/* a section that is open while parsing */
struct open {
	size_t node;		/* its node */
	unsigned line;
	bool scoped;		/* it pushed a schema scope */
};

struct parser {
	const char *file;	/* "templates/notice.txt" */
	const struct template_schema *schema;
	template_report_fn report;
	void *arg;
	int problems;
	struct part *part;	/* the part being parsed */
	struct open *open;
	size_t nopen;
	size_t capopen;
	/*
	 * The schema scopes: "" (the root), then "records[]." for each
	 * section over a list; NULL for a section whose name is unknown,
	 * inside which a name that is not found is not reported again.
	 */
	char **scope;
	size_t nscope;
	size_t capscope;
};

static void problem(struct parser *, unsigned, const char *, ...)
	__attribute__((format(printf, 3, 4)));

static void
problem(struct parser *p, unsigned line, const char *fmt, ...)
{
	struct buf b = BUF_INIT(8192);
	va_list ap;

	p->problems++;
	if (p->report == NULL)
		return;
	if (line > 0)
		buf_printf(&b, "%s:%u: ", p->file, line);
	else
		buf_printf(&b, "%s: ", p->file);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	p->report(p->arg, buf_str(&b));
	buf_free(&b);
}

/* how many bytes of s[0..n) to show in a problem: at most TPL_SHOW, never
 * splitting a UTF-8 sequence */
static int
show_len(const char *s, size_t n)
{
	size_t i;

	if (n <= TPL_SHOW)
		return (int)n;
	i = TPL_SHOW;
	while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	return (int)i;
}

static const char *
show_more(const char *s, size_t n)
{
	return (size_t)show_len(s, n) < n ? "..." : "";
}

static size_t
count_nl(const char *s, size_t n)
{
	const char *e = s + n, *q;
	size_t k = 0;

	while (s < e && (q = memchr(s, '\n', (size_t)(e - s))) != NULL) {
		k++;
		s = q + 1;
	}
	return k;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool
all_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_blank(s[i]))
			return false;
	return true;
}

static struct node *
node_add(struct parser *p, enum node_type type, unsigned line,
    const char *s, size_t len)
{
	struct part *pt = p->part;
	struct node *nd;

	if (pt->len == pt->cap) {
		pt->cap = pt->cap ? pt->cap * 2 : 16;
		pt->n = xreallocarray(pt->n, pt->cap, sizeof(*pt->n));
	}
	nd = &pt->n[pt->len++];
	nd->type = type;
	nd->line = line;
	nd->s = xstrndup(s, len);
	nd->len = len;
	nd->end = 0;
	return nd;
}

static void
text_add(struct parser *p, unsigned line, const char *s, size_t len)
{
	if (len > 0)
		node_add(p, NODE_TEXT, line, s, len);
}

static void
scope_push(struct parser *p, char *prefix)
{
	if (p->nscope == p->capscope) {
		p->capscope = p->capscope ? p->capscope * 2 : 8;
		p->scope = xreallocarray(p->scope, p->capscope,
		    sizeof(*p->scope));
	}
	p->scope[p->nscope++] = prefix;
}

static void
scope_pop(struct parser *p)
{
	if (p->nscope > 1)
		free(p->scope[--p->nscope]);
}

/* ---------------------------------------------------------- the schema */

enum skind {
	SK_NONE,
	SK_VALUE,		/* "name" */
	SK_LIST,		/* "name[]" */
	SK_OBJ,			/* "name.member" */
};

/* what prefix+name (n bytes) is in the schema; *member_r: for SK_OBJ, the
 * first entry under it */
static enum skind
schema_kind(const struct template_schema *sc, const char *prefix,
    const char *name, size_t n, const char **member_r)
{
	enum skind k = SK_NONE;
	const char *const *e;
	size_t pl = strlen(prefix);

	for (e = sc->names; *e != NULL; e++) {
		if (strncmp(*e, prefix, pl) != 0 ||
		    strncmp(*e + pl, name, n) != 0)
			continue;
		if ((*e)[pl + n] == '\0')
			return SK_VALUE;
		if (strcmp(*e + pl + n, "[]") == 0)
			return SK_LIST;
		if ((*e)[pl + n] == '.' && k == SK_NONE) {
			k = SK_OBJ;
			*member_r = *e;
		}
	}
	return k;
}

/*
 * Looks a name up from the innermost scope out: its kind and the scope
 * that has it; *unknown_r when some scope is that of an unknown section.
 */
static enum skind
schema_find(struct parser *p, const char *name, size_t n,
    const char **prefix_r, const char **member_r, bool *unknown_r)
{
	enum skind k;
	size_t i;

	*unknown_r = false;
	for (i = p->nscope; i-- > 0; ) {
		if (p->scope[i] == NULL) {
			*unknown_r = true;
			continue;
		}
		k = schema_kind(p->schema, p->scope[i], name, n, member_r);
		if (k != SK_NONE) {
			*prefix_r = p->scope[i];
			return k;
		}
	}
	return SK_NONE;
}

/*
 * The name by which `entry` is seen from the scope `prefix`: "ref" for
 * "records[].ref" from "records[].", "records" for "records[]" from "";
 * false when it is not seen there (an item name, from outside its list).
 */
static bool
schema_visible(const char *entry, const char *prefix, char *out,
    size_t size)
{
	size_t pl = strlen(prefix), n;
	const char *rest, *br;

	if (strncmp(entry, prefix, pl) != 0)
		return false;
	rest = entry + pl;
	n = strlen(rest);
	if ((br = strchr(rest, '[')) != NULL) {
		if (n < 2 || br != rest + n - 2 || br[1] != ']')
			return false;
		n -= 2;
	}
	if (n == 0 || n >= size)
		return false;
	memcpy(out, rest, n);
	out[n] = '\0';
	return true;
}

/* the name of the list of a scope: "records" for "records[].", "b" for
 * "a[].b[]." */
static void
scope_list_name(const char *prefix, char *out, size_t size)
{
	const char *s = prefix, *q;
	size_t n;

	while ((q = strstr(s, "[].")) != NULL && q[3] != '\0')
		s = q + 3;
	n = strlen(s);
	if (n >= 3)
		n -= 3;
	if (n >= size)
		n = size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static const char *
article(const char *kind)
{
	return strchr("aeiou", kind[0]) != NULL && kind[0] != '\0' ?
	    "an" : "a";
}

/* ", "-separated names seen from `prefix` */
static void
schema_list(const struct template_schema *sc, const char *prefix,
    struct buf *b)
{
	const char *const *e;
	char vis[256];
	bool first = true;

	for (e = sc->names; *e != NULL; e++)
		if (schema_visible(*e, prefix, vis, sizeof(vis))) {
			buf_printf(b, "%s%s", first ? "" : ", ", vis);
			first = false;
		}
}

static void
schema_unknown(struct parser *p, unsigned line, const char *name, size_t n)
{
	const struct template_schema *sc = p->schema;
	const char *const *e, *best = NULL, *q, *s, *lst, *inner = NULL;
	char vis[256], bestbuf[256], lname[256];
	struct buf b = BUF_INIT(8192);
	size_t i, d, bestd = TPL_SUGGEST + 1;
	char *nm;

	nm = xstrndup(name, n);
	/* an item name used outside its list */
	for (e = sc->names; *e != NULL; e++) {
		q = NULL;
		for (s = *e; (s = strstr(s, "[].")) != NULL; s += 3)
			q = s;
		if (q == NULL || strncmp(q + 3, nm, n) != 0 ||
		    (q[3 + n] != '\0' && strcmp(q + 3 + n, "[]") != 0))
			continue;
		/* the list: its last name ("tags" of "records[].tags") */
		lst = *e;
		for (s = *e; s < q; s++)
			if (strncmp(s, "[].", 3) == 0)
				lst = s + 3;
		snprintf(vis, sizeof(vis), "%.*s", (int)(q - lst), lst);
		problem(p, line, "'%s' is a name of the items of '%s': use it "
		    "inside {{#%s}}...{{/%s}}", nm, vis, vis, vis);
		goto out;
	}
	for (i = p->nscope; i-- > 0; ) {
		if (p->scope[i] == NULL)
			continue;
		if (inner == NULL && p->scope[i][0] != '\0')
			inner = p->scope[i];
		for (e = sc->names; *e != NULL; e++) {
			if (!schema_visible(*e, p->scope[i], vis, sizeof(vis)))
				continue;
			d = str_distance(nm, vis, TPL_SUGGEST);
			if (d < bestd) {
				bestd = d;
				snprintf(bestbuf, sizeof(bestbuf), "%s", vis);
				best = bestbuf;
			}
		}
	}
	if (best != NULL) {
		problem(p, line, "unknown name '%.*s%s'; did you mean '%s'?",
		    show_len(name, n), name, show_more(name, n), best);
		goto out;
	}
	if (inner != NULL) {
		scope_list_name(inner, lname, sizeof(lname));
		buf_printf(&b, "the names of an item of '%s' are: ", lname);
		schema_list(sc, inner, &b);
		buf_addstr(&b, "; ");
	}
	if (sc->kind != NULL)
		buf_printf(&b, "the names of %s %s are: ", article(sc->kind),
		    sc->kind);
	else
		buf_addstr(&b, "the names are: ");
	schema_list(sc, "", &b);
	problem(p, line, "unknown name '%.*s%s' (%s)", show_len(name, n),
	    name, show_more(name, n), buf_str(&b));
 out:
	buf_free(&b);
	free(nm);
}

/* the name an object entry is seen by: "record.ref" from "" */
static void
member_show(const char *member, const char *prefix, char *out, size_t size)
{
	size_t n;

	snprintf(out, size, "%s", member + strlen(prefix));
	n = strlen(out);
	if (n > 2 && strcmp(out + n - 2, "[]") == 0)
		out[n - 2] = '\0';
}

/* {{name}}, {{{name}}} */
static void
check_value(struct parser *p, unsigned line, const char *name, size_t n)
{
	const char *prefix = "", *member = NULL;
	char shown[256];
	enum skind k;
	bool unknown;

	if (p->schema == NULL)
		return;
	k = schema_find(p, name, n, &prefix, &member, &unknown);
	switch (k) {
	case SK_VALUE:
		break;
	case SK_LIST:
		problem(p, line, "'%.*s' is a list: use {{#%.*s}}...{{/%.*s}}",
		    (int)n, name, (int)n, name, (int)n, name);
		break;
	case SK_OBJ:
		member_show(member, prefix, shown, sizeof(shown));
		problem(p, line, "'%.*s' is not a value: use one of its names, "
		    "such as '%s'", (int)n, name, shown);
		break;
	case SK_NONE:
		if (!unknown)
			schema_unknown(p, line, name, n);
		break;
	}
}

/* {{#name}}, {{^name}}: pushes the scope of the section */
static void
check_section(struct parser *p, unsigned line, const char *name, size_t n)
{
	const char *prefix = "", *member = NULL;
	char shown[256];
	enum skind k;
	bool unknown;

	if (p->schema == NULL) {
		scope_push(p, xstrdup(""));
		return;
	}
	k = schema_find(p, name, n, &prefix, &member, &unknown);
	switch (k) {
	case SK_VALUE:
		/* a value has no names of its own */
		scope_push(p, p->scope[p->nscope - 1] != NULL ?
		    xstrdup(p->scope[p->nscope - 1]) : NULL);
		return;
	case SK_LIST:
		scope_push(p, xasprintf("%s%.*s[].", prefix, (int)n, name));
		return;
	case SK_OBJ:
		member_show(member, prefix, shown, sizeof(shown));
		problem(p, line, "'%.*s' is not a value or a list: use one of "
		    "its names, such as '%s'", (int)n, name, shown);
		break;
	case SK_NONE:
		if (!unknown)
			schema_unknown(p, line, name, n);
		break;
	}
	scope_push(p, NULL);
}

/* ---------------------------------------------------------- tags */

/* [a-z0-9_-] words joined by '.' */
static bool
name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-')
			continue;
		if (s[i] == '.' && s[i - 1] != '.')
			continue;
		return false;
	}
	return true;
}

/* the name in lower case into out (size > TPL_SHOW), when that makes it
 * good */
static bool
name_lower(const char *s, size_t n, char *out)
{
	size_t i;

	if (n > TPL_SHOW)
		return false;
	for (i = 0; i < n; i++)
		out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' :
		    s[i];
	out[n] = '\0';
	return name_ok(out, n);
}

/* "{{#" ... for a kind of tag */
static const char *
tag_open(int sigil)
{
	switch (sigil) {
	case '{':
		return "{{{";
	case '#':
		return "{{#";
	case '^':
		return "{{^";
	case '/':
		return "{{/";
	default:
		return "{{";
	}
}

static const char *
tag_close(int sigil)
{
	return sigil == '{' ? "}}}" : "}}";
}

struct tag {
	int sigil;		/* 0, '{', '#', '^', '/', '!' */
	const char *name;	/* trimmed */
	size_t n;
	size_t end;		/* the index after the tag */
};

/*
 * Reads the tag at s[at] ("{{"): 0; 1 for a section tag with a bad name
 * (reported; it still opens or closes); -1 after reporting a problem.
 * t->end is where parsing goes on.
 */
static int
tag_scan(struct parser *p, const char *s, size_t len, size_t at,
    unsigned line, struct tag *t)
{
	const char *c;
	char lower[TPL_SHOW + 1];
	size_t i = at + 2, close, eol;

	t->sigil = 0;
	if (i < len && s[i] != '\0' && strchr("{#^/!", s[i]) != NULL)
		t->sigil = (unsigned char)s[i++];
	if (t->sigil == '!') {
		/* a comment may run over several lines */
		if ((c = memmem(s + i, len - i, "}}", 2)) == NULL) {
			problem(p, line, "unterminated comment '{{!': end it "
			    "with '}}'");
			t->end = len;
			return -1;
		}
		t->end = (size_t)(c - s) + 2;
		t->name = NULL;
		t->n = 0;
		return 0;
	}
	/* other tags end on their line */
	for (close = i; close < len && s[close] != '\n'; close++)
		if (s[close] == '}' && close + 1 < len && s[close + 1] == '}')
			break;
	if (close == len || s[close] == '\n') {
		t->end = eol = close;
		while (eol > i && is_blank(s[eol - 1]))
			eol--;
		problem(p, line, "unterminated tag '%s%.*s%s': end it with "
		    "'%s'", tag_open(t->sigil), show_len(s + i, eol - i),
		    s + i, show_more(s + i, eol - i), tag_close(t->sigil));
		return -1;
	}
	t->end = close + 2;
	t->name = s + i;
	t->n = close - i;
	while (t->n > 0 && is_blank(t->name[0])) {
		t->name++;
		t->n--;
	}
	while (t->n > 0 && is_blank(t->name[t->n - 1]))
		t->n--;
	if (t->sigil == '{') {
		if (t->end < len && s[t->end] == '}')
			t->end++;
		else {
			problem(p, line, "'{{{%.*s%s}}' must end with '}}}'",
			    show_len(t->name, t->n), t->name,
			    show_more(t->name, t->n));
			return -1;
		}
	}
	if (t->n == 0) {
		problem(p, line, "empty tag '%s%s'", tag_open(t->sigil),
		    tag_close(t->sigil));
		return -1;
	}
	if (t->sigil == 0 && strchr("&>=<", t->name[0]) != NULL) {
		problem(p, line, "unsupported tag '{{%.*s%s}}': the tags are "
		    "{{name}}, {{{name}}}, {{#name}}, {{^name}}, {{/name}} and "
		    "{{! comment }}", show_len(t->name, t->n), t->name,
		    show_more(t->name, t->n));
		return -1;
	}
	if (!name_ok(t->name, t->n)) {
		if (name_lower(t->name, t->n, lower))
			problem(p, line, "bad name '%.*s': names are lower "
			    "case, as in '%s'", (int)t->n, t->name, lower);
		else
			problem(p, line, "bad name '%.*s%s': names are words "
			    "of a-z, 0-9, '_' and '-', joined by '.'",
			    show_len(t->name, t->n), t->name,
			    show_more(t->name, t->n));
		/* a section still opens or closes, for what follows */
		return t->sigil == '#' || t->sigil == '^' || t->sigil == '/' ?
		    1 : -1;
	}
	return 0;
}

static void
section_open(struct parser *p, const struct tag *t, unsigned line,
    bool good)
{
	struct node *nd;

	if (p->nopen == TPL_MAX_DEPTH)
		problem(p, line, "'%s%.*s%s}}' is nested too deep: sections "
		    "nest at most %d deep", tag_open(t->sigil),
		    show_len(t->name, t->n), t->name,
		    show_more(t->name, t->n), TPL_MAX_DEPTH);
	nd = node_add(p, t->sigil == '#' ? NODE_SECTION : NODE_INVERTED,
	    line, t->name, t->n);
	if (p->nopen == p->capopen) {
		p->capopen = p->capopen ? p->capopen * 2 : 8;
		p->open = xreallocarray(p->open, p->capopen,
		    sizeof(*p->open));
	}
	p->open[p->nopen].node = (size_t)(nd - p->part->n);
	p->open[p->nopen].line = line;
	p->open[p->nopen].scoped = true;
	p->nopen++;
	if (good)
		check_section(p, line, t->name, t->n);
	else
		scope_push(p, NULL);
}

/* closes the innermost open section */
static void
section_end(struct parser *p)
{
	struct open *o = &p->open[--p->nopen];

	p->part->n[o->node].end = p->part->len;
	if (o->scoped)
		scope_pop(p);
}

static const char *
open_sigil(const struct parser *p, const struct open *o)
{
	return p->part->n[o->node].type == NODE_SECTION ? "{{#" : "{{^";
}

static void
not_closed(struct parser *p, const struct open *o)
{
	const struct node *nd = &p->part->n[o->node];

	problem(p, o->line, "'%s%.*s%s}}' is not closed", open_sigil(p, o),
	    show_len(nd->s, nd->len), nd->s, show_more(nd->s, nd->len));
}

static void
section_close(struct parser *p, const struct tag *t, unsigned line)
{
	const struct node *nd;
	size_t j;

	if (p->nopen == 0) {
		problem(p, line, "'{{/%.*s%s}}' closes nothing",
		    show_len(t->name, t->n), t->name, show_more(t->name, t->n));
		return;
	}
	for (j = p->nopen; j-- > 0; ) {
		nd = &p->part->n[p->open[j].node];
		if (nd->len == t->n && memcmp(nd->s, t->name, t->n) == 0)
			break;
	}
	if (j == (size_t)-1) {
		/* most likely a typo: it closes the innermost section */
		nd = &p->part->n[p->open[p->nopen - 1].node];
		problem(p, line, "'{{/%.*s%s}}' does not close '%s%.*s%s}}' "
		    "(line %u)", show_len(t->name, t->n), t->name,
		    show_more(t->name, t->n),
		    open_sigil(p, &p->open[p->nopen - 1]),
		    show_len(nd->s, nd->len), nd->s, show_more(nd->s, nd->len),
		    p->open[p->nopen - 1].line);
		section_end(p);
		return;
	}
	while (p->nopen > j + 1) {
		not_closed(p, &p->open[p->nopen - 1]);
		section_end(p);
	}
	section_end(p);
}

/*
 * Parses s[0..len), whose first line is `line`, into p->part.  With
 * `standalone`, a line holding only a section tag or a comment (and
 * blanks) goes away with its line end.
 */
static void
parse(struct parser *p, struct part *pt, const char *s, size_t len,
    unsigned line, bool standalone)
{
	const char *q;
	size_t pos = 0, at, ls, le, next, last_end = 0;
	unsigned tline;
	struct tag t;
	int r;

	p->part = pt;
	p->nopen = 0;
	while (p->nscope > 1)
		scope_pop(p);
	/* past TPL_MAX_DEPTH (reported), the rest would only add noise */
	while (pos < len && p->nopen <= TPL_MAX_DEPTH &&
	    (q = memmem(s + pos, len - pos, "{{", 2)) != NULL) {
		at = (size_t)(q - s);
		tline = line + (unsigned)count_nl(s + pos, at - pos);
		r = tag_scan(p, s, len, at, tline, &t);
		next = t.end;
		ls = at;
		if (r != -1 && standalone && t.sigil != 0 && t.sigil != '{') {
			/* only text since pos: no other tag on the line */
			while (ls > pos && s[ls - 1] != '\n')
				ls--;
			le = t.end;
			while (le < len && is_blank(s[le]))
				le++;
			if ((ls == 0 || s[ls - 1] == '\n') && ls >= last_end &&
			    all_blank(s + ls, at - ls) &&
			    (le == len || s[le] == '\n'))
				next = le < len ? le + 1 : len;
			else
				ls = at;
		}
		text_add(p, line, s + pos, ls - pos);
		if (r != -1) {
			switch (t.sigil) {
			case 0:
				check_value(p, tline, t.name, t.n);
				node_add(p, NODE_VAR, tline, t.name, t.n);
				break;
			case '{':
				check_value(p, tline, t.name, t.n);
				node_add(p, NODE_RAW, tline, t.name, t.n);
				break;
			case '#':
			case '^':
				section_open(p, &t, tline, r == 0);
				break;
			case '/':
				section_close(p, &t, tline);
				break;
			default:	/* a comment */
				break;
			}
		}
		last_end = t.end;
		line = tline + (unsigned)count_nl(s + at, next - at);
		pos = next;
	}
	text_add(p, line, s + pos, len - pos);
	for (at = 0; at < p->nopen && p->nopen <= TPL_MAX_DEPTH; at++)
		not_closed(p, &p->open[at]);
	p->nopen = 0;
	/* the sections left open end with the part */
	for (at = 0; at < pt->len; at++)
		if ((pt->n[at].type == NODE_SECTION ||
		    pt->n[at].type == NODE_INVERTED) && pt->n[at].end == 0)
			pt->n[at].end = pt->len;
	while (p->nscope > 1)
		scope_pop(p);
}

/*
 * Checks that a file is UTF-8, drops a byte order mark and turns CRLF and
 * CR into LF: the text to parse (NUL-terminated), or NULL after a problem.
 */
static char *
prepare(struct parser *p, const char *s, size_t len, size_t *len_r)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k, o = 0;
	char *out;

	while (i < len) {
		if (u[i] < 0x80 && u[i] != 0) {
			i++;
			continue;
		}
		if ((k = utf8_seqlen(u + i, len - i)) == 0) {
			problem(p, 1 + (unsigned)count_nl(s, i),
			    "not valid UTF-8: save the file as UTF-8");
			return NULL;
		}
		i += k;
	}
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		len -= 3;
	}
	out = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		if (s[i] == '\r') {
			out[o++] = '\n';
			if (i + 1 < len && s[i + 1] == '\n')
				i++;
		} else
			out[o++] = s[i];
	}
	out[o] = '\0';
	*len_r = o;
	return out;
}

/* NAME.txt: "Subject: ...", an empty line, the text body */
static void
parse_txt(struct parser *p, struct template *t, const char *s, size_t len)
{
	const char *nl, *subj, *end, *l2, *nl2;

	nl = memchr(s, '\n', len);
	end = nl != NULL ? nl : s + len;
	if (!str_iprefix(s, "Subject:")) {
		problem(p, 1, "the first line must be 'Subject: ...'");
		parse(p, &t->text, s, len, 1, true);
		return;
	}
	subj = s + strlen("Subject:");
	while (subj < end && is_blank(*subj))
		subj++;
	while (end > subj && is_blank(end[-1]))
		end--;
	if (subj == end)
		problem(p, 1, "the subject is empty");
	parse(p, &t->subject, subj, (size_t)(end - subj), 1, false);
	if (nl == NULL)
		return;
	l2 = nl + 1;
	nl2 = memchr(l2, '\n', len - (size_t)(l2 - s));
	end = nl2 != NULL ? nl2 : s + len;
	if (!all_blank(l2, (size_t)(end - l2))) {
		problem(p, 2, "the subject must be followed by an empty line");
		parse(p, &t->text, l2, len - (size_t)(l2 - s), 2, true);
		return;
	}
	if (nl2 != NULL)
		parse(p, &t->text, nl2 + 1, len - (size_t)(nl2 + 1 - s), 3,
		    true);
}

/*
 * Parses the pair; txt or html NULL: that file could not be read (and was
 * reported).
 */
static int
load_pair(const char *txtfile, const char *txt, size_t txtlen,
    const char *htmlfile, const char *html, size_t htmllen,
    const struct template_schema *schema, struct template **t_r,
    template_report_fn report, void *arg, int problems)
{
	struct parser p;
	struct template *t;
	char *s;
	size_t len;

	memset(&p, 0, sizeof(p));
	p.schema = schema;
	p.report = report;
	p.arg = arg;
	p.problems = problems;
	scope_push(&p, xstrdup(""));
	t = xcalloc(1, sizeof(*t));
	if (txt != NULL) {
		p.file = txtfile;
		if ((s = prepare(&p, txt, txtlen, &len)) != NULL)
			parse_txt(&p, t, s, len);
		free(s);
	}
	if (html != NULL) {
		p.file = htmlfile;
		if ((s = prepare(&p, html, htmllen, &len)) != NULL)
			parse(&p, &t->html, s, len, 1, true);
		free(s);
	}
	while (p.nscope > 0)
		free(p.scope[--p.nscope]);
	free(p.scope);
	free(p.open);
	if (p.problems == 0 && t_r != NULL)
		*t_r = t;
	else
		template_free(&t);
	return p.problems;
}

int
template_load_text(const char *file, const char *txt, const char *html,
    const struct template_schema *schema, struct template **t_r,
    template_report_fn report, void *arg)
{
	char *txtfile, *htmlfile;
	int n;

	if (t_r != NULL)
		*t_r = NULL;
	txtfile = xasprintf("%s.txt", file);
	htmlfile = xasprintf("%s.html", file);
	if (txt == NULL)
		txt = "";
	if (html == NULL)
		html = "";
	n = load_pair(txtfile, txt, strlen(txt), htmlfile, html, strlen(html),
	    schema, t_r, report, arg, 0);
	free(txtfile);
	free(htmlfile);
	return n;
}

/* reads a whole file of at most TPL_MAX_FILE bytes, or reports why not */
static char *
slurp(const char *path, size_t *len_r, template_report_fn report, void *arg)
{
	struct buf msg = BUF_INIT(4096);
	char *data = NULL;

	if (file_read(path, TPL_MAX_FILE, &data, len_r) == 0)
		return data;
	if (errno == EFBIG)
		buf_printf(&msg, "%s: larger than 1 MB", path);
	else
		buf_printf(&msg, "%s: cannot open: %s", path, strerror(errno));
	if (report != NULL)
		report(arg, buf_str(&msg));
	buf_free(&msg);
	return NULL;
}

/* a language directory name: letters, digits, '_' and '-' */
static bool
lang_ok(const char *lang)
{
	size_t i;

	for (i = 0; lang[i] != '\0'; i++)
		if (!((lang[i] >= 'a' && lang[i] <= 'z') ||
		    (lang[i] >= 'A' && lang[i] <= 'Z') ||
		    (lang[i] >= '0' && lang[i] <= '9') ||
		    lang[i] == '_' || lang[i] == '-'))
			return false;
	return i > 0 && i <= 35;
}

int
template_load(const char *dir, const char *lang, const char *name,
    const struct template_schema *schema, struct template **t_r,
    template_report_fn report, void *arg)
{
	char *txtfile = NULL, *htmlfile = NULL, *txt, *html;
	size_t txtlen = 0, htmllen = 0;
	struct stat sb;
	int n = 0;

	if (t_r != NULL)
		*t_r = NULL;
	if (lang != NULL && lang_ok(lang)) {
		txtfile = xasprintf("%s/%s/%s.txt", dir, lang, name);
		if (stat(txtfile, &sb) == 0)
			htmlfile = xasprintf("%s/%s/%s.html", dir, lang, name);
		else {
			free(txtfile);
			txtfile = NULL;
		}
	}
	if (txtfile == NULL) {
		txtfile = xasprintf("%s/%s.txt", dir, name);
		htmlfile = xasprintf("%s/%s.html", dir, name);
	}
	if ((txt = slurp(txtfile, &txtlen, report, arg)) == NULL)
		n++;
	if ((html = slurp(htmlfile, &htmllen, report, arg)) == NULL)
		n++;
	n = load_pair(txtfile, txt, txtlen, htmlfile, html, htmllen, schema,
	    t_r, report, arg, n);
	free(txt);
	free(html);
	free(txtfile);
	free(htmlfile);
	return n;
}

/* ---------------------------------------------------------- rendering */

enum mode {
	MODE_SUBJECT,		/* one line: CR, LF, TAB become spaces */
	MODE_TEXT,		/* LF line ends */
	MODE_HTML,		/* LF line ends; {{name}} escaped */
};

struct render {
	const struct tval *frame[TPL_MAX_DEPTH + 2];
	size_t nframe;
	enum mode mode;
	struct buf *out;
};

/* the value at the dotted path `name` from obj, or NULL */
static const struct tval *
walk(const struct tval *v, const char *name)
{
	const char *dot;
	size_t n;

	for (;;) {
		dot = strchr(name, '.');
		n = dot != NULL ? (size_t)(dot - name) : strlen(name);
		if ((v = tval_member(v, name, n)) == NULL || dot == NULL)
			return v;
		name = dot + 1;
	}
}

/* the name from the innermost section out */
static const struct tval *
lookup(const struct render *r, const char *name)
{
	const struct tval *v;
	size_t i;

	for (i = r->nframe; i-- > 0; )
		if ((v = walk(r->frame[i], name)) != NULL)
			return v;
	return NULL;
}

static int
emit_str(struct render *r, const char *s, bool escape)
{
	const char *run = s, *rep;

	for (; *s != '\0'; s++) {
		switch (*s) {
		case '\r':
			rep = r->mode == MODE_SUBJECT ? " " : "\n";
			if (s[1] == '\n') {
				/* CRLF: one line end */
				if (buf_add(r->out, run, (size_t)(s - run)) ==
				    -1 || buf_addstr(r->out, rep) == -1)
					return -1;
				run = ++s + 1;
				continue;
			}
			break;
		case '\n':
			rep = r->mode == MODE_SUBJECT ? " " : NULL;
			break;
		case '\t':
			rep = r->mode == MODE_SUBJECT ? " " : NULL;
			break;
		case '&':
			rep = escape ? "&amp;" : NULL;
			break;
		case '<':
			rep = escape ? "&lt;" : NULL;
			break;
		case '>':
			rep = escape ? "&gt;" : NULL;
			break;
		case '"':
			rep = escape ? "&quot;" : NULL;
			break;
		case '\'':
			rep = escape ? "&#39;" : NULL;
			break;
		default:
			rep = NULL;
			break;
		}
		if (rep == NULL)
			continue;
		if (buf_add(r->out, run, (size_t)(s - run)) == -1 ||
		    buf_addstr(r->out, rep) == -1)
			return -1;
		run = s + 1;
	}
	return buf_add(r->out, run, (size_t)(s - run));
}

static int
emit_value(struct render *r, const struct tval *v, bool escape)
{
	if (v == NULL)
		return 0;
	switch (v->type) {
	case TVAL_STR:
		return emit_str(r, v->str, escape);
	case TVAL_BOOL:
		return buf_addstr(r->out, v->b ? "yes" : "no");
	case TVAL_LIST:
	case TVAL_OBJ:
		break;
	}
	return 0;
}

static bool
truthy(const struct tval *v)
{
	if (v == NULL)
		return false;
	switch (v->type) {
	case TVAL_STR:
		return v->str[0] != '\0';
	case TVAL_BOOL:
		return v->b;
	case TVAL_LIST:
		return v->n > 0;
	case TVAL_OBJ:
		break;
	}
	return true;
}

static int render_nodes(struct render *, const struct part *, size_t,
    size_t);

static int
render_in(struct render *r, const struct part *pt, size_t from, size_t to,
    const struct tval *frame)
{
	int rc;

	if (r->nframe == sizeof(r->frame) / sizeof(r->frame[0]))
		return 0;	/* cannot happen: the depth is checked */
	r->frame[r->nframe++] = frame;
	rc = render_nodes(r, pt, from, to);
	r->nframe--;
	return rc;
}

static int
render_nodes(struct render *r, const struct part *pt, size_t from,
    size_t to)
{
	const struct node *nd;
	const struct tval *v;
	size_t i = from, k;

	while (i < to) {
		nd = &pt->n[i];
		switch (nd->type) {
		case NODE_TEXT:
			if (buf_add(r->out, nd->s, nd->len) == -1)
				return -1;
			break;
		case NODE_VAR:
		case NODE_RAW:
			if (emit_value(r, lookup(r, nd->s),
			    nd->type == NODE_VAR && r->mode == MODE_HTML) == -1)
				return -1;
			break;
		case NODE_SECTION:
			v = lookup(r, nd->s);
			if (v != NULL && v->type == TVAL_LIST) {
				for (k = 0; k < v->n; k++)
					if (render_in(r, pt, i + 1, nd->end,
					    v->v[k]) == -1)
						return -1;
			} else if (truthy(v) &&
			    render_in(r, pt, i + 1, nd->end, v) == -1)
				return -1;
			i = nd->end;
			continue;
		case NODE_INVERTED:
			if (!truthy(lookup(r, nd->s)) &&
			    render_nodes(r, pt, i + 1, nd->end) == -1)
				return -1;
			i = nd->end;
			continue;
		}
		i++;
	}
	return 0;
}

static int
render_part(const struct part *pt, const struct tval *root, enum mode mode,
    struct buf *out)
{
	struct render r;

	memset(&r, 0, sizeof(r));
	r.frame[r.nframe++] = root;
	r.mode = mode;
	r.out = out;
	return render_nodes(&r, pt, 0, pt->len);
}

int
template_render(const struct template *t, const struct tval *root,
    struct buf *subject, struct buf *text, struct buf *html)
{
	struct buf b;
	const char *s;
	size_t n;
	int rc;

	if (subject != NULL) {
		buf_init(&b, subject->max);
		if (render_part(&t->subject, root, MODE_SUBJECT, &b) == -1) {
			buf_free(&b);
			return -1;
		}
		s = buf_str(&b);
		while (is_blank(*s))
			s++;
		n = strlen(s);
		while (n > 0 && is_blank(s[n - 1]))
			n--;
		rc = buf_add(subject, s, n);
		buf_free(&b);
		if (rc == -1)
			return -1;
	}
	if (text != NULL && render_part(&t->text, root, MODE_TEXT, text) == -1)
		return -1;
	if (html != NULL && render_part(&t->html, root, MODE_HTML, html) == -1)
		return -1;
	return 0;
}
