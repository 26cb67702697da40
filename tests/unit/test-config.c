/* test-config.c: the INI configuration and the messages of `check` */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "tap.h"

static struct buf reports = BUF_INIT(1 << 16);

static void
collect(void *arg, const char *msg)
{
	(void)arg;
	buf_addstr(&reports, msg);
	buf_addch(&reports, '\n');
}

static int
load(const char *text, struct config **cfg_r)
{
	char path[] = "/tmp/flagpost-test-XXXXXX";
	int fd, n;
	FILE *fp;

	buf_reset(&reports);
	if ((fd = mkstemp(path)) == -1 || (fp = fdopen(fd, "w")) == NULL)
		abort();
	fputs(text, fp);
	fclose(fp);
	n = config_load(path, cfg_r, collect, NULL);
	/* make the reports independent of the temporary name */
	{
		struct buf b = BUF_INIT(1 << 16);
		const char *p = buf_str(&reports), *hit;
		size_t pl = strlen(path);

		while ((hit = strstr(p, path)) != NULL) {
			buf_add(&b, p, (size_t)(hit - p));
			buf_addstr(&b, "F");
			p = hit + pl;
		}
		buf_addstr(&b, p);
		buf_reset(&reports);
		buf_addstr(&reports, buf_str(&b));
		buf_free(&b);
	}
	unlink(path);
	return n;
}

int
main(void)
{
	static const struct {
		const char *text;
		int problems;
		const char *reports;
	} bad[] = {
		{ "[gateway]\naddress = flags@gw.example.eu\n[auth]\npolicy = none\n"
		  "[limits]\nmessage_size = 10Q\n",
		  1, "F:6: message_size: '10Q' is not a size between 1024 and "
		  "1073741824 (a number of bytes, or with K, M or G)\n" },
		{ "[gateway]\naddress = flags@gw.example.eu\nadress = x\n"
		  "[auth]\npolicy = none\n",
		  1, "F:3: unknown key 'adress' in [gateway]\n" },
		{ "[gateway]\naddress = not-an-address\n[auth]\npolicy = maybe\n"
		  "[imap]\nhost = x\n",
		  5, "F:2: address: 'not-an-address' is not a mail address\n"
		  "F:4: policy: 'maybe' is not a policy (dmarc, dkim or none)\n"
		  "F:6: unknown section '[imap]' (known: [gateway], [auth], [limits])\n"
		  "F: [gateway] address is missing: the gateway's own mail address\n"
		  "F: [auth] authserv_id is missing: the host name your receiving "
		  "MTA writes in Authentication-Results (or policy = none, for "
		  "tests only)\n" },
		{ "[gateway\naddress = flags@gw.example.eu\njunk line\n"
		  "[auth]\npolicy = none\n",
		  4, "F:1: a section header needs a closing ']'\n"
		  "F:2: 'address' is outside any section\n"
		  "F:3: not an INI line (expected '[section]', 'key = value' or "
		  "a comment)\n"
		  "F: [gateway] address is missing: the gateway's own mail "
		  "address\n" },
		{ "[gateway]\naddress = flags@gw.example.eu\ndefault_kind = flg\n"
		  "[auth]\npolicy = none\n[limits]\nmime_depth = 0\n",
		  2, "F:3: default_kind: 'flg' is not a kind (flag, early-warning, "
		  "hub, outcome or none)\n"
		  "F:7: mime_depth: '0' is not a number between 1 and 100\n" },
	};
	struct config *cfg = NULL;
	size_t i;
	int n;

	n = load("; flagpost\n[gateway]\nstore = /tmp/x.db\n"
	    "address = Flags+x@GW.example.eu\ndefault_kind = early warning\n"
	    "[auth]\npolicy = dmarc\nauthserv_id = MX.gw.example.eu\n"
	    "[limits]\nmessage_size = 1M\nheader_line = 4K\nmime_depth = 5\n"
	    "mime_parts = 50\nrecords_per_mail = 20\n", &cfg);
	is_int(n, 0, "a good file has no problems");
	is_str(buf_str(&reports), "", "and reports nothing");
	if (cfg == NULL)
		return tap_done();
	is_str(cfg->store, "/tmp/x.db", "store");
	is_str(cfg->address, "flags+x@gw.example.eu", "address, lower case");
	is_str(cfg->local, "flags", "local part without the plus detail");
	is_int(cfg->default_kind, KIND_EARLY_WARNING, "default kind alias");
	is_int(cfg->auth_policy, AUTH_DMARC, "policy");
	is_str(cfg->authserv_id, "mx.gw.example.eu", "authserv_id, lower case");
	is_int((long long)cfg->mime.max_size, 1048576, "message_size");
	is_int((long long)cfg->mime.max_header_line, 4096, "header_line");
	is_int(cfg->mime.max_depth, 5, "mime_depth");
	is_int(cfg->mime.max_parts, 50, "mime_parts");
	is_int((long long)cfg->max_records, 20, "records_per_mail");
	config_free(&cfg);
	ok(cfg == NULL, "config_free clears the pointer");

	n = load("[gateway]\naddress = flags@gw.example.eu\n[auth]\npolicy = none\n",
	    &cfg);
	is_int(n, 0, "a minimal file");
	if (cfg != NULL) {
		is_int((long long)cfg->mime.max_size, MIME_DEFAULT_MAX_SIZE,
		    "default message size");
		is_int((long long)cfg->max_records, 500, "default records");
		is_str(cfg->store, CONFIG_DEFAULT_STORE, "default store");
	}
	config_free(&cfg);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = load(bad[i].text, &cfg);
		is_int(n, bad[i].problems, "bad file %zu: problem count", i);
		is_str(buf_str(&reports), bad[i].reports,
		    "bad file %zu: file:line: messages", i);
		ok(cfg == NULL, "bad file %zu: no config", i);
	}
	n = config_load("/nonexistent/flagpost.conf", &cfg, collect, NULL);
	is_int(n, 1, "a missing file is one problem");
	buf_free(&reports);
	return tap_done();
}
