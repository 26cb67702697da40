/*
 * bench-parse.c: the parse path alone (MIME, form, kind, validation) over
 * every file of a directory, read into memory first; prints nothing but
 * errors (tests/bench.sh times it and reads its peak RSS).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "ingest.h"
#include "validate.h"

int
main(int argc, char **argv)
{
	static char p1[] = "youtube", p2[] = "tiktok", p3[] = "x", p4[] = "facebook";
	static char *platforms[] = { p1, p2, p3, p4 };
	struct validate_ctx vctx = { 0 };
	struct config *cfg;
	struct validation *v;
	struct parsed p;
	struct dirent *de;
	struct buf path = BUF_INIT(4096), mail = BUF_INIT(64 << 20);
	unsigned long n = 0, recs = 0;
	char chunk[65536];
	size_t r;
	FILE *fp;
	DIR *d;

	if (argc != 2 || (d = opendir(argv[1])) == NULL) {
		fprintf(stderr, "usage: bench-parse DIR\n");
		return 64;
	}
	cfg = config_default();
	cfg->local = xstrdup("flags");
	vctx.platforms = platforms;
	vctx.nplatforms = 4;
	vctx.max_records = 500;
	vctx.mail_date = -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		buf_reset(&path);
		buf_printf(&path, "%s/%s", argv[1], de->d_name);
		if ((fp = fopen(buf_str(&path), "rb")) == NULL)
			continue;
		buf_reset(&mail);
		while ((r = fread(chunk, 1, sizeof(chunk), fp)) > 0)
			buf_add(&mail, chunk, r);
		fclose(fp);
		ingest_parse(buf_str(&mail), mail.len, cfg, KIND_NONE, &p);
		if (p.msg != NULL && p.kind != KIND_NONE) {
			v = validate_mail(p.form, p.kind, p.msg->subject, p.msg,
			    &vctx);
			recs += v->nrec;
			validation_free(&v);
		}
		parsed_free(&p);
		n++;
	}
	closedir(d);
	buf_free(&path);
	buf_free(&mail);
	config_free(&cfg);
	fprintf(stderr, "bench-parse: %lu mails, %lu records\n", n, recs);
	return 0;
}
