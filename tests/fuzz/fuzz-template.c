/*
 * fuzz-template.c: the template language (reading, checking against a
 * kind's names) and rendering what loads, as a libFuzzer target.  `make
 * fuzz` builds it with clang; `make check` replays
 * tests/fuzz/corpus/template/ through the same function (replay.c).
 * The input is the .txt file; its HTML twin is the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mails.h"
#include "template.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* values for every kind: some of each shape */
static struct tval *
values(void)
{
	struct tval *root = tval_obj(), *list, *item;
	int i;

	tval_set_str(root, "gateway.address", "flags@gateway.example.eu");
	tval_set_str(root, "gateway.name", "Flagpost <&>");
	tval_set_str(root, "record.ref", "FLG-2026-000001");
	tval_set_str(root, "record.summary", "antisemitism,\nyoutube\r, de");
	tval_set_bool(root, "record.urgent", true);
	tval_set_str(root, "message.subject", "=?x?= <b>");
	tval_set_str(root, "form", "Type: flag\nURL: https://x/?a=1&b=2\n");
	list = tval_list();
	for (i = 0; i < 3; i++) {
		item = tval_obj();
		tval_set_str(item, "ref", "FLG-2026-000002");
		tval_set_str(item, "text", "Ground: 'x' is <not> a ground");
		tval_push(list, item);
	}
	tval_set(root, "problems", list);
	return root;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tval *root;
	struct buf subject = BUF_INIT(64 * 1024), text = BUF_INIT(1024 * 1024),
	    html = BUF_INIT(1024 * 1024);
	struct template *t = NULL;
	char *txt;
	size_t k;

	if (size > 256 * 1024)
		return 0;
	if (root == NULL)
		root = values();
	txt = xstrndup((const char *)data, size);
	for (k = 0; mail_schemas[k] != NULL; k++) {
		if (template_load_text("fuzz", txt, txt, mail_schemas[k], &t,
		    quiet, NULL) == 0) {
			(void)template_render(t, root, &subject, &text, &html);
			buf_reset(&subject);
			buf_reset(&text);
			buf_reset(&html);
			template_free(&t);
		}
	}
	/* and with no names to check against */
	if (template_load_text("fuzz", txt, txt, NULL, &t, quiet, NULL) == 0) {
		(void)template_render(t, root, &subject, &text, &html);
		template_free(&t);
	}
	buf_free(&subject);
	buf_free(&text);
	buf_free(&html);
	free(txt);
	return 0;
}
