/*
 * net-driver: the SMTP and hub clients for the script tests.
 *
 *   net-driver smtp URL FROM RCPT FILE [FILE...] [--user U
 *       --password-file F] [--ca FILE] [--timeout S] [--plain]
 *       [--helo NAME]
 *	sends each FILE as it is on one struct smtp (FROM "" is <>) and
 *	prints "FILE: sent|temp|perm: why" for each; "--rcpt ADDR" among
 *	the files sends the files after it to ADDR
 *   net-driver hub URL TOKENFILE REFERENCE UUID FIELDS_JSON
 *       [ATTACHMENT[=TYPE]...] [--ca FILE] [--timeout S] [--org NAME]
 *	prints "stored id=ID", "temp retry_after=N: why" or "perm: why"
 *
 * Exit 0 when the requests were made (whatever their result), 1 when the
 * client refuses its configuration ("error: ..."), 2 on misuse.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hub.h"
#include "log.h"
#include "smtp.h"
#include "util.h"

#define FILE_MAX	(64 * 1024 * 1024)
#define ARGS_MAX	64

static void usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr, "usage: net-driver smtp URL FROM RCPT FILE... "
	    "[--rcpt ADDR FILE...] [--user U --password-file F] [--ca FILE] "
	    "[--timeout S] [--plain] [--helo NAME]\n"
	    "       net-driver hub URL TOKENFILE REFERENCE UUID FIELDS_JSON "
	    "[ATTACHMENT[=TYPE]...] [--ca FILE] [--timeout S] [--org NAME]\n");
	exit(2);
}

static char *
read_all(const char *path, size_t *len_r)
{
	struct buf b = BUF_INIT(FILE_MAX);
	char chunk[8192];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		fatal("%s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_add(&b, chunk, n) == -1)
			fatalx("%s: too large", path);
	if (ferror(f))
		fatal("%s", path);
	fclose(f);
	return buf_detach(&b, len_r);
}

/* the first line of a secret file */
static char *
read_secret(const char *path)
{
	char *s, *nl;

	s = read_all(path, NULL);
	if ((nl = strpbrk(s, "\r\n")) != NULL)
		*nl = '\0';
	return s;
}

struct opts {
	const char *user;
	const char *password_file;
	const char *ca;
	const char *org;
	const char *helo;
	unsigned timeout;
	bool plain;
	const char *args[ARGS_MAX];
	size_t nargs;
};

static void
parse(int argc, char **argv, struct opts *o)
{
	long long v;
	int i;

	memset(o, 0, sizeof(*o));
	o->timeout = 10;
	o->org = "CSO Example";
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--plain") == 0) {
			o->plain = true;
			continue;
		}
		/* kept in place: it changes the recipient of the files after */
		if (strcmp(a, "--rcpt") == 0) {
			if (i + 1 == argc || o->nargs + 2 > ARGS_MAX)
				usage();
			o->args[o->nargs++] = a;
			o->args[o->nargs++] = argv[++i];
			continue;
		}
		if (strncmp(a, "--", 2) != 0) {
			if (o->nargs == ARGS_MAX)
				usage();
			o->args[o->nargs++] = a;
			continue;
		}
		if (i + 1 == argc)
			usage();
		if (strcmp(a, "--user") == 0)
			o->user = argv[++i];
		else if (strcmp(a, "--password-file") == 0)
			o->password_file = argv[++i];
		else if (strcmp(a, "--ca") == 0)
			o->ca = argv[++i];
		else if (strcmp(a, "--org") == 0)
			o->org = argv[++i];
		else if (strcmp(a, "--helo") == 0)
			o->helo = argv[++i];
		else if (strcmp(a, "--timeout") == 0) {
			if (str_tonum(argv[++i], 1, 3600, &v) == -1)
				usage();
			o->timeout = (unsigned)v;
		} else
			usage();
	}
}

static int
do_smtp(struct opts *o)
{
	struct smtp_conf conf;
	struct smtp *s = NULL;
	struct err err;
	enum smtp_result r;
	char why[1024], *password = NULL, *msg;
	const char *rcpt;
	static const char *const names[] = { "sent", "temp", "perm" };
	size_t i, len;

	if (o->nargs < 4)
		usage();
	memset(&conf, 0, sizeof(conf));
	conf.url = o->args[0];
	conf.user = o->user;
	if (o->password_file != NULL)
		conf.password = password = read_secret(o->password_file);
	conf.ca_file = o->ca;
	conf.helo = o->helo;
	conf.timeout = o->timeout;
	conf.allow_plain = o->plain;
	err_clear(&err);
	if (smtp_new(&conf, &s, &err) == -1) {
		printf("error: %s\n", err.msg);
		free(password);
		return 1;
	}
	rcpt = o->args[2];
	for (i = 3; i < o->nargs; i++) {
		if (strcmp(o->args[i], "--rcpt") == 0) {
			rcpt = o->args[++i];
			continue;
		}
		msg = read_all(o->args[i], &len);
		r = smtp_send(s, o->args[1][0] != '\0' ? o->args[1] : NULL,
		    rcpt, msg, len, why, sizeof(why));
		printf("%s: %s: %s\n", o->args[i], names[r], why);
		fflush(stdout);
		free(msg);
	}
	smtp_free(&s);
	free(password);
	return 0;
}

static int
do_hub(struct opts *o)
{
	struct hub_conf conf;
	struct hub_submission sub;
	struct hub_attachment att[ARGS_MAX];
	struct hub *h = NULL;
	struct err err;
	enum hub_result r;
	char why[1024], sums[ARGS_MAX][SHA256_HEX_LEN], *token, *id = NULL;
	char *paths[ARGS_MAX], *datas[ARGS_MAX], *eq;
	unsigned retry;
	size_t i;

	if (o->nargs < 5)
		usage();
	memset(&conf, 0, sizeof(conf));
	memset(&sub, 0, sizeof(sub));
	conf.url = o->args[0];
	conf.token = token = read_secret(o->args[1]);
	conf.ca_file = o->ca;
	conf.timeout = o->timeout;
	err_clear(&err);
	if (hub_new(&conf, &h, &err) == -1) {
		printf("error: %s\n", err.msg);
		free(token);
		return 1;
	}
	sub.reference = o->args[2];
	sub.idempotency_key = o->args[3];
	sub.fields_json = o->args[4];
	sub.org = o->org;
	sub.att = att;
	for (i = 5; i < o->nargs; i++) {
		struct hub_attachment *a = &att[sub.natt];
		const char *slash;

		paths[sub.natt] = xstrdup(o->args[i]);
		a->type = "application/octet-stream";
		if ((eq = strchr(paths[sub.natt], '=')) != NULL) {
			*eq = '\0';
			a->type = eq + 1;
		}
		slash = strrchr(paths[sub.natt], '/');
		a->name = slash != NULL ? slash + 1 : paths[sub.natt];
		a->data = datas[sub.natt] = read_all(paths[sub.natt], &a->len);
		sha256_hex(a->data, a->len, sums[sub.natt]);
		a->sha256 = sums[sub.natt];
		sub.natt++;
	}
	r = hub_post(h, &sub, &id, &retry, why, sizeof(why));
	switch (r) {
	case HUB_STORED:
		printf("stored id=%s\n", id != NULL ? id : "");
		break;
	case HUB_TEMP:
		printf("temp retry_after=%u: %s\n", retry, why);
		break;
	case HUB_PERM:
		printf("perm: %s\n", why);
		break;
	}
	for (i = 0; i < sub.natt; i++) {
		free(paths[i]);
		free(datas[i]);
	}
	free(id);
	hub_free(&h);
	free(token);
	return 0;
}

int main(int, char **);

int
main(int argc, char **argv)
{
	struct opts o;

	log_init("net-driver", true, 0);
	if (argc < 2)
		usage();
	parse(argc, argv, &o);
	if (strcmp(argv[1], "smtp") == 0)
		return do_smtp(&o);
	if (strcmp(argv[1], "hub") == 0)
		return do_hub(&o);
	usage();
}
