/* batch.c: the CSV and JSON data attachments of a flag mail, as rows of fields */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>
#include <jansson.h>

#include "batch.h"
#include "buf.h"
#include "form.h"
#include "lexicon.h"
#include "log.h"
#include "util.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define TEXT_MAX	(64u * 1024)
/* rows read when the caller sets no limit: memory stays bounded */
#define BATCH_HARD_MAX	100000u

/* ------------------------------------------------------------- types */

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static bool
type_in(const char *type, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(type, list[i]) == 0)
			return true;
	return false;
}

enum batch_type
batch_type_of(const struct mime_attachment *a)
{
	static const char *const csv_types[] = {
		"text/csv", "text/comma-separated-values", "text/x-csv",
		"application/csv", "application/x-csv",
	};
	static const char *const json_types[] = {
		"application/json", "text/json", "application/x-json",
	};
	/* what mail clients call a file they do not know (Outlook on
	 * Windows sends .csv files as Excel's) */
	static const char *const generic[] = {
		"", "application/octet-stream", "text/plain",
		"application/vnd.ms-excel",
	};
	const char *type, *name;

	if (a == NULL)
		return BATCH_NONE;
	type = a->type != NULL ? a->type : "";
	name = a->filename != NULL ? a->filename : "";
	if (type_in(type, csv_types, NELEM(csv_types)))
		return BATCH_CSV;
	if (type_in(type, json_types, NELEM(json_types)))
		return BATCH_JSON;
	if (!type_in(type, generic, NELEM(generic)))
		return BATCH_NONE;
	if (ends_with(name, ".csv"))
		return BATCH_CSV;
	if (ends_with(name, ".json") && strcmp(type, "application/vnd.ms-excel") != 0)
		return BATCH_JSON;
	return BATCH_NONE;
}

/* ---------------------------------------------------------- problems */

static void
prob_add(struct problem **pv, size_t *n, const char *field, const char *value,
    const char *where, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void
prob_add(struct problem **pv, size_t *n, const char *field, const char *value,
    const char *where, const char *fmt, ...)
{
	struct buf b = BUF_INIT(TEXT_MAX);
	struct problem *p;
	va_list ap;

	va_start(ap, fmt);
	(void)buf_vprintf(&b, fmt, ap);
	va_end(ap);
	*pv = xreallocarray(*pv, *n + 1, sizeof(**pv));
	p = &(*pv)[(*n)++];
	p->field = field != NULL ? xstrdup(field) : NULL;
	p->value = value != NULL ? xstrdup(value) : NULL;
	p->where = where != NULL ? xstrdup(where) : NULL;
	p->text = buf_detach(&b, NULL);
}

static void
probs_free(struct problem *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(p[i].field);
		free(p[i].value);
		free(p[i].where);
		free(p[i].text);
	}
	free(p);
}

/* ------------------------------------------------------------- rows */

/* what: "row" or "index" */
static struct batch_row *
row_new(struct batch *b, const char *what, size_t num)
{
	struct batch_row *r;

	b->row = xreallocarray(b->row, b->nrow + 1, sizeof(*b->row));
	r = &b->row[b->nrow++];
	memset(r, 0, sizeof(*r));
	r->where = xasprintf("%s %s %zu", b->where, what, num);
	return r;
}

/* a copy of p[0..n) trimmed, CRLF as LF; NULL when nothing is left */
static char *
clean_value(const char *p, size_t n)
{
	char *s;
	size_t i, o;

	while (n > 0 && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' ||
	    p[n - 1] == '\r' || p[n - 1] == '\n'))
		n--;
	if (n == 0)
		return NULL;
	s = xmalloc(n + 1);
	for (i = o = 0; i < n; i++)
		if (!(p[i] == '\r' && i + 1 < n && p[i + 1] == '\n'))
			s[o++] = p[i];
	s[o] = '\0';
	return s;
}

static void
row_add(struct batch_row *r, const char *name, const char *typed, char *value)
{
	struct batch_value *v;

	r->v = xreallocarray(r->v, r->n + 1, sizeof(*r->v));
	v = &r->v[r->n++];
	v->name = name;
	v->typed = xstrdup(typed);
	v->value = value;
}

static void
row_free(struct batch_row *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].typed);
		free(r->v[i].value);
	}
	free(r->v);
	probs_free(r->prob, r->nprob);
	free(r->where);
}

void
batch_free(struct batch **bp)
{
	struct batch *b;
	size_t i;

	if (bp == NULL || (b = *bp) == NULL)
		return;
	for (i = 0; i < b->nrow; i++)
		row_free(&b->row[i]);
	free(b->row);
	free(b->columns);
	probs_free(b->prob, b->nprob);
	free(b->where);
	free(b->label);
	free(b);
	*bp = NULL;
}

/* -------------------------------------------------------------- CSV */

/* Windows-1252 0x80..0x9f; the rest of the high half is Latin-1 */
static const unsigned short cp1252[32] = {
	0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
	0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
};

static char *
cp1252_to_utf8(const char *p, size_t n, size_t *len_r)
{
	char *out = xmalloc(n * 3 + 1), *o = out;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned c = (unsigned char)p[i];

		if (c >= 0x80 && c < 0xa0)
			c = cp1252[c - 0x80];
		if (c < 0x80) {
			*o++ = (char)c;
		} else if (c < 0x800) {
			*o++ = (char)(0xc0 | (c >> 6));
			*o++ = (char)(0x80 | (c & 0x3f));
		} else {
			*o++ = (char)(0xe0 | (c >> 12));
			*o++ = (char)(0x80 | ((c >> 6) & 0x3f));
			*o++ = (char)(0x80 | (c & 0x3f));
		}
	}
	*o = '\0';
	*len_r = (size_t)(o - out);
	return out;
}

struct cell {
	char *s;
	size_t n;
};

struct csv_state {
	struct batch *b;
	const char *hint;
	size_t max_rows;
	struct cell *cell;	/* the row being read */
	size_t ncell, capcell;
	unsigned rowno;		/* spreadsheet row of the row being read */
	int last_term;
	bool have_header;
	unsigned header_row;
	const char **colname;	/* canonical per column; NULL: no name */
	char **coltyped;
	size_t ncol;
	bool nameless_used;	/* a value sits in a column with no name */
	size_t nameless_col;
};

static void
csv_cell(void *s, size_t n, void *data)
{
	struct csv_state *st = data;

	if (st->ncell == st->capcell) {
		st->capcell = st->capcell ? st->capcell * 2 : 16;
		st->cell = xreallocarray(st->cell, st->capcell,
		    sizeof(*st->cell));
	}
	st->cell[st->ncell].s = xstrndup(s != NULL ? s : "", n);
	st->cell[st->ncell].n = n;
	st->ncell++;
}

/* "A", "B", ..., "Z", "AA": as a spreadsheet names column i (from 0) */
static void
col_letters(size_t i, char out[8])
{
	char tmp[8];
	size_t n = 0, k;

	i++;
	while (i > 0 && n < sizeof(tmp) - 1) {
		tmp[n++] = (char)('A' + (i - 1) % 26);
		i = (i - 1) / 26;
	}
	for (k = 0; k < n; k++)
		out[k] = tmp[n - 1 - k];
	out[n] = '\0';
}

static void
csv_header(struct csv_state *st)
{
	struct batch *b = st->b;
	char *where, *typed;
	const char *name;
	size_t i, k;

	st->have_header = true;
	st->header_row = st->rowno;
	st->ncol = st->ncell;
	st->colname = xcalloc(st->ncol, sizeof(*st->colname));
	st->coltyped = xcalloc(st->ncol, sizeof(*st->coltyped));
	b->columns = xcalloc(st->ncol, sizeof(*b->columns));
	where = xasprintf("%s row %u", b->where, st->rowno);
	for (i = 0; i < st->ncol; i++) {
		typed = clean_value(st->cell[i].s, st->cell[i].n);
		st->coltyped[i] = typed;
		if (typed == NULL)
			continue;
		name = form_field_name(typed, strlen(typed));
		if (name == NULL) {
			prob_add(&b->prob, &b->nprob, NULL, typed, where,
			    "Column '%s' is not a field; name the columns "
			    "after the fields: %s", typed, st->hint);
			continue;
		}
		st->colname[i] = name;
		for (k = 0; k < b->ncolumns; k++)
			if (strcmp(b->columns[k], name) == 0)
				break;
		if (k == b->ncolumns)
			b->columns[b->ncolumns++] = name;
	}
	free(where);
}

static void
csv_data(struct csv_state *st)
{
	struct batch *b = st->b;
	struct batch_row *r = NULL;
	char *v;
	size_t i;

	/* a row with any value counts, even when no column of it is
	 * known: the file is then rejected, row by row */
	for (i = 0; i < st->ncell; i++) {
		if ((v = clean_value(st->cell[i].s, st->cell[i].n)) == NULL)
			continue;
		if (r == NULL) {
			if (b->nrow >= st->max_rows) {
				b->nmore++;
				free(v);
				return;
			}
			r = row_new(b, "row", st->rowno);
		}
		if (i >= st->ncol || st->coltyped[i] == NULL) {
			if (!st->nameless_used) {
				st->nameless_used = true;
				st->nameless_col = i;
			}
			free(v);
			continue;
		}
		if (st->colname[i] == NULL) {	/* reported with the header */
			free(v);
			continue;
		}
		row_add(r, st->colname[i], st->coltyped[i], v);
	}
}

static void
csv_row(int c, void *data)
{
	struct csv_state *st = data;
	size_t i;

	if (st->ncell == 0) {
		/* CSV_REPALL_NL reports each CR and LF outside a record: a
		 * blank line is a row of the spreadsheet, the LF of a CRLF is
		 * not, and neither is the end of the file */
		if (c != -1 && !(c == '\n' && st->last_term == '\r'))
			st->rowno++;
		st->last_term = c;
		return;
	}
	st->last_term = c;
	st->rowno++;
	if (!st->have_header)
		csv_header(st);
	else
		csv_data(st);
	for (i = 0; i < st->ncell; i++)
		free(st->cell[i].s);
	st->ncell = 0;
}

/* libcsv trims spaces and tabs around fields; with tabs between them,
 * only spaces */
static int
space_only(unsigned char c)
{
	return c == ' ';
}

static void
read_csv(struct batch *b, const char *data, size_t len, const char *hint,
    size_t max_rows)
{
	struct csv_parser p;
	struct csv_state st;
	const char *nl;
	char *conv = NULL, letters[8];
	size_t hlen, i;
	unsigned char delim = CSV_COMMA;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	if (!utf8_valid(data, len)) {
		/* Excel's "CSV (comma delimited)" writes the Windows code page */
		conv = cp1252_to_utf8(data, len, &len);
		data = conv;
	}
	/*
	 * The delimiter: Excel writes ';' where the decimal separator is a
	 * comma (most EU locales), so a header row with no comma but a
	 * semicolon means ';'; with neither but a tab it is tab-separated.
	 */
	nl = memchr(data, '\n', len);
	hlen = nl != NULL ? (size_t)(nl - data) : len;
	if (memchr(data, ',', hlen) == NULL) {
		if (memchr(data, ';', hlen) != NULL)
			delim = ';';
		else if (memchr(data, '\t', hlen) != NULL)
			delim = CSV_TAB;
	}

	memset(&st, 0, sizeof(st));
	st.b = b;
	st.hint = hint;
	st.max_rows = max_rows;
	st.last_term = -1;
	if (csv_init(&p, CSV_REPALL_NL) != 0)
		fatalx("csv_init failed");
	csv_set_delim(&p, delim);
	if (delim == CSV_TAB)
		csv_set_space_func(&p, space_only);
	if (csv_parse(&p, data, len, csv_cell, csv_row, &st) != len ||
	    csv_fini(&p, csv_cell, csv_row, &st) != 0)
		prob_add(&b->prob, &b->nprob, NULL, NULL, b->where,
		    "%s cannot be read as CSV: %s", b->label,
		    csv_strerror(csv_error(&p)));
	csv_free(&p);

	if (!st.have_header)
		prob_add(&b->prob, &b->nprob, NULL, NULL, b->where,
		    "%s is empty; its first row names the fields (%s) and "
		    "each row after it makes one flag", b->label, hint);
	else if (b->nrow == 0 && b->nmore == 0 && b->nprob == 0)
		prob_add(&b->prob, &b->nprob, NULL, NULL, b->where,
		    "%s has no rows under its header; each row after the "
		    "first makes one flag", b->label);
	if (st.nameless_used) {
		col_letters(st.nameless_col, letters);
		prob_add(&b->prob, &b->nprob, NULL, NULL, b->where,
		    "Column %s has values but no name in row %u; name it "
		    "after a field (%s) or remove it", letters,
		    st.header_row, hint);
	}
	for (i = 0; i < st.ncell; i++)
		free(st.cell[i].s);
	free(st.cell);
	for (i = 0; i < st.ncol; i++)
		free(st.coltyped[i]);
	free(st.coltyped);
	free(st.colname);
	free(conv);
}

/* ------------------------------------------------------------- JSON */

static const char *
json_kind(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "a value";
}

/* a scalar as text; NULL for null and for an empty string */
static char *
json_text(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_STRING:
		return clean_value(json_string_value(j), json_string_length(j));
	case JSON_INTEGER:
		return xasprintf("%lld", (long long)json_integer_value(j));
	case JSON_REAL:
		return xasprintf("%.15g", json_real_value(j));
	case JSON_TRUE:
		return xstrdup("true");
	case JSON_FALSE:
		return xstrdup("false");
	default:
		return NULL;
	}
}

static bool
json_scalar(const json_t *j)
{
	return !json_is_object(j) && !json_is_array(j);
}

static void
json_row(struct batch *b, const json_t *obj, size_t index, const char *hint,
    size_t max_rows)
{
	struct batch_row *r;
	const char *key, *name;
	json_t *val, *el;
	size_t i;
	char *v;

	if (b->nrow >= max_rows) {
		b->nmore++;
		return;
	}
	r = row_new(b, "index", index);
	if (!json_is_object(obj)) {
		prob_add(&r->prob, &r->nprob, NULL, NULL, r->where,
		    "Index %zu is %s, not an object of fields; write "
		    "{\"url\": \"https://...\", \"ground\": \"...\", ...}",
		    index, json_kind(obj));
		return;
	}
	json_object_foreach((json_t *)(uintptr_t)obj, key, val) {
		name = form_field_name(key, strlen(key));
		if (name == NULL) {
			prob_add(&r->prob, &r->nprob, NULL, key, r->where,
			    "Key '%s' is not a field; the keys are the field "
			    "names: %s", key, hint);
			continue;
		}
		if (json_scalar(val)) {
			if ((v = json_text(val)) != NULL)
				row_add(r, name, key, v);
			continue;
		}
		if (json_is_object(val)) {
			prob_add(&r->prob, &r->nprob, name, NULL, r->where,
			    "%s: an object is not a value; write a string, or "
			    "an array of strings for several values",
			    lex_field_label(name));
			continue;
		}
		json_array_foreach(val, i, el) {
			if (!json_scalar(el)) {
				prob_add(&r->prob, &r->nprob, name, NULL,
				    r->where, "%s: element %zu of the array is "
				    "%s; write a string for each value",
				    lex_field_label(name), i, json_kind(el));
				break;
			}
			if ((v = json_text(el)) != NULL)
				row_add(r, name, key, v);
		}
	}
	if (r->n == 0 && r->nprob == 0)
		prob_add(&r->prob, &r->nprob, NULL, NULL, r->where,
		    "Index %zu holds no field; write {\"url\": "
		    "\"https://...\", \"ground\": \"...\", ...}", index);
}

static void
read_json(struct batch *b, const char *data, size_t len, const char *hint,
    size_t max_rows)
{
	json_error_t jerr;
	json_t *root, *el;
	size_t i;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	if ((root = json_loadb(data, len, JSON_DECODE_ANY, &jerr)) == NULL) {
		prob_add(&b->prob, &b->nprob, NULL, NULL, b->where,
		    "%s is not valid JSON: %s (line %d, column %d)", b->label,
		    jerr.text, jerr.line, jerr.column);
		return;
	}
	if (json_is_object(root))
		json_row(b, root, 0, hint, max_rows);
	else if (json_is_array(root)) {
		json_array_foreach(root, i, el)
			json_row(b, el, i, hint, max_rows);
		if (json_array_size(root) == 0)
			prob_add(&b->prob, &b->nprob, NULL, NULL, b->where,
			    "%s holds an empty array; each object in it makes "
			    "one flag", b->label);
	} else
		prob_add(&b->prob, &b->nprob, NULL, NULL, b->where,
		    "%s holds %s; it must hold an object of fields or an "
		    "array of such objects", b->label, json_kind(root));
	json_decref(root);
}

/* ------------------------------------------------------------- read */

/* no NUL and no control character but tab, CR, LF and form feed */
static bool
is_text(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 && c != '\t' && c != '\r' && c != '\n' &&
		    c != '\f')
			return false;
	}
	return true;
}

struct batch *
batch_read(const struct mime_attachment *a, size_t index,
    const char *columns_hint, size_t max_rows)
{
	struct batch *b = xcalloc(1, sizeof(*b));
	const char *data = a->data != NULL ? a->data : "";
	size_t len = a->data != NULL ? a->len : 0;

	b->type = batch_type_of(a);
	if (b->type == BATCH_NONE)
		b->type = ends_with(a->filename != NULL ? a->filename : "",
		    ".json") ? BATCH_JSON : BATCH_CSV;
	if (a->filename != NULL && *a->filename != '\0')
		b->label = xasprintf("'%s'", a->filename);
	else
		b->label = xasprintf("attachment %zu", index);
	b->where = xasprintf("%s %s", b->type == BATCH_CSV ? "CSV" : "JSON",
	    b->label);
	if (columns_hint == NULL)
		columns_hint = "url, ground, language";
	if (max_rows == 0 || max_rows > BATCH_HARD_MAX)
		max_rows = BATCH_HARD_MAX;

	if (len >= 2 && ((unsigned char)data[0] == 0xff ||
	    (unsigned char)data[0] == 0xfe) &&
	    ((unsigned char)data[1] == 0xfe || (unsigned char)data[1] == 0xff)) {
		prob_add(&b->prob, &b->nprob, NULL, NULL, b->where,
		    "%s is UTF-16 text; save it as UTF-8 (in Excel: "
		    "\"CSV UTF-8\")", b->label);
		return b;
	}
	if (!is_text(data, len)) {
		prob_add(&b->prob, &b->nprob, NULL, NULL, b->where,
		    "%s is not a text file; attach the data as CSV (UTF-8) "
		    "or JSON", b->label);
		return b;
	}
	if (b->type == BATCH_CSV)
		read_csv(b, data, len, columns_hint, max_rows);
	else
		read_json(b, data, len, columns_hint, max_rows);
	return b;
}
