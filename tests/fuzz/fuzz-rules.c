/*
 * fuzz-rules.c: the rule language (reading, checking, compiling) and the
 * evaluation of what compiles, as a libFuzzer target.  `make fuzz` builds
 * it with clang; `make check` replays tests/fuzz/corpus/rules/ through the
 * same function (replay.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fields[][2] = {
		{ "url", "https://user@www.YouTube.com:443/watch?v=abc#t" },
		{ "url", "https://t.co/xyz" },
		{ "language", "de" },
		{ "country", "AT" },
		{ "country", "DE" },
		{ "ground", "antisemitism" },
		{ "explanation", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!" },
	};
	struct mime_header hdr[1];
	char hname[] = "List-Id", hvalue[] = "<cso.lists.example>";
	struct rules_limits lim;
	struct rules *set = NULL;
	struct rules_matcher *m;
	struct rules_record rec;
	struct rules_result res;
	char *text;
	size_t i;

	if (size > 256 * 1024)
		return 0;
	text = xstrndup((const char *)data, size);
	rules_limits_default(&lim);
	lim.match_limit = 10000;
	if (rules_load_text("fuzz.rules", text, &lim, &set, quiet, NULL) == 0) {
		m = rules_matcher_new(set);
		memset(&rec, 0, sizeof(rec));
		rec.kind = "flag";
		rec.org = "CSO Example";
		rec.sender = "anna@cso.example.org";
		hdr[0].name = hname;
		hdr[0].value = hvalue;
		rec.hdr = hdr;
		rec.nhdr = 1;
		rec.body = "URL: x\nGround: antisemitism\n";
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			rules_record_add(&rec, fields[i][0], fields[i][1]);
		rules_eval(set, m, &rec, true, &res);
		rules_result_clear(&res);
		rules_record_clear(&rec);
		rules_matcher_free(&m);
		rules_free(&set);
	}
	free(text);
	return 0;
}
