/*
 * fuzz-parse.c: the whole parse path of a mail (MIME, form, kind,
 * validation with CSV/JSON attachments, sender checks) as a libFuzzer
 * target.  `make fuzz` builds it with clang; `make check` replays
 * tests/fuzz/corpus/parse/ through the same function (replay.c).
 */
#include <stdint.h>
#include <stdlib.h>

#include "auth.h"
#include "config.h"
#include "ingest.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config *cfg;
	static char p1[] = "youtube", p2[] = "tiktok", p3[] = "x";
	static char *platforms[] = { p1, p2, p3 };
	struct validate_ctx vctx = { 0 };
	struct validation *v;
	struct parsed p;
	char *reason = NULL, *json;
	size_t i;

	if (cfg == NULL) {
		cfg = config_default();
		cfg->authserv_id = xstrdup("mx.gateway.example.eu");
		cfg->local = xstrdup("flags");
		cfg->mime.max_size = 4 * 1024 * 1024;
	}
	ingest_parse((const char *)data, size, cfg, KIND_NONE, &p);
	if (p.msg != NULL) {
		(void)auth_verify(p.msg, AUTH_DMARC, cfg->authserv_id, &reason);
		free(reason);
		(void)auth_automatic(p.msg);
		vctx.platforms = platforms;
		vctx.nplatforms = 3;
		vctx.max_records = 100;
		vctx.mail_date = p.msg->date;
		v = validate_mail(p.form, p.kind != KIND_NONE ? p.kind :
		    KIND_FLAG, p.msg->subject, p.msg, &vctx);
		for (i = 0; i < v->nrec; i++) {
			json = record_fields_json(&v->rec[i]);
			free(json);
		}
		validation_free(&v);
	}
	parsed_free(&p);
	return 0;
}
