/* template.h: the templates of outgoing mail (templates/, flagpost-templates(5)) */
#ifndef FLAGPOST_TEMPLATE_H
#define FLAGPOST_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * The syntax, small on purpose (a subset of Mustache):
 *   {{name}}          a value; HTML-escaped in the HTML part
 *   {{{name}}}        a value, not escaped (HTML the gateway made itself)
 *   {{#name}}...{{/name}}  a section: once per item when name is a list,
 *                     once when it is a non-empty value or true, never
 *                     when it is empty, false or absent
 *   {{^name}}...{{/name}}  the inverse: once when name is empty, false,
 *                     an empty list or absent
 *   {{! comment }}    nothing
 * Names are [a-z0-9_.-]; inside a section the item's names come first,
 * then the enclosing ones.  A line holding only a section tag or a comment
 * leaves no empty line behind.
 *
 * A template is a pair of files: NAME.txt, whose first line is
 * "Subject: ..." followed by an empty line and the text/plain body, and
 * NAME.html, the HTML alternative (its body only: the gateway adds no
 * wrapper).  templates/LANG/NAME.* replace templates/NAME.* for a
 * contact or organisation whose language is LANG.
 */

/* the values a template is rendered with: a tree */
enum tval_type {
	TVAL_STR,
	TVAL_BOOL,
	TVAL_LIST,	/* of TVAL_OBJ */
	TVAL_OBJ,	/* name -> value */
};

struct tval;

struct tval *tval_obj(void);
struct tval *tval_list(void);
/* set a member of an object (copies the strings; the value is taken) */
void tval_set_str(struct tval *obj, const char *name, const char *v);
void tval_set_bool(struct tval *obj, const char *name, bool v);
void tval_set(struct tval *obj, const char *name, struct tval *v);
/* append an object to a list (taken) */
void tval_push(struct tval *list, struct tval *obj);
void tval_free(struct tval **v);

/* the names a kind of template may use, for checking: a NULL-terminated
 * list of "name" (a value) and "name[]" (a list) entries, with the names
 * of list items as "name[].member" */
struct template_schema {
	const char *kind;		/* "notice", "ack", "error", ... */
	const char *const *names;
};

struct template;

/*
 * Reads templates/[LANG/]NAME.txt and NAME.html under `dir`, parses them,
 * and checks every name against `schema` (NULL: no check).  Each problem
 * is reported as "file:line: message" ("templates/notice.txt:7: unknown
 * name 'recod.ref'; did you mean 'record.ref'?", "...: '{{#urls}}' is not
 * closed", "...: '{{/x}}' closes nothing").  Returns the number of
 * problems; *t_r is set only when there are none.
 */
typedef void (*template_report_fn)(void *arg, const char *msg);
int template_load(const char *dir, const char *lang, const char *name,
    const struct template_schema *schema, struct template **t_r,
    template_report_fn report, void *arg);
/* the same from texts, for tests and fuzzing (`file` names them) */
int template_load_text(const char *file, const char *txt, const char *html,
    const struct template_schema *schema, struct template **t_r,
    template_report_fn report, void *arg);
void template_free(struct template **t);

/*
 * Renders the subject (one line, no CR/LF: newlines in values become
 * spaces), the text body and the HTML body (values HTML-escaped).
 * Bodies use LF line ends.  Never fails on values; -1 only when a buffer
 * reaches its limit.
 */
int template_render(const struct template *t, const struct tval *root,
    struct buf *subject, struct buf *text, struct buf *html);

#endif
