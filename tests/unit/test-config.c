/* test-config.c: the INI configuration and the messages of `check` */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

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

static const char *pw_path;

static void
subst(const char *from, const char *to)
{
	struct buf b = BUF_INIT(1 << 16);
	const char *p = buf_str(&reports), *hit;
	size_t fl = strlen(from);

	while ((hit = strstr(p, from)) != NULL) {
		buf_add(&b, p, (size_t)(hit - p));
		buf_addstr(&b, to);
		p = hit + fl;
	}
	buf_addstr(&b, p);
	buf_reset(&reports);
	buf_addstr(&reports, buf_str(&b));
	buf_free(&b);
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
	/* make the reports independent of the temporary names */
	subst(path, "F");
	if (pw_path != NULL)
		subst(pw_path, "PW");
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
		  "F:6: unknown section '[imap]' (known: [gateway], [auth], [limits], [daemon], [routing], [smtp], [hub], [delivery], [digest], [list NAME], [inbox NAME])\n"
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
	/* inboxes */
	{
		char pw[] = "/tmp/flagpost-test-pw-XXXXXX";
		char text[2048];
		int fd = mkstemp(pw);

		if (fd == -1 || write(fd, "secret\n", 7) != 7)
			abort();
		close(fd);
		chmod(pw, 0600);
		pw_path = pw;
		snprintf(text, sizeof(text),
		    "[gateway]\naddress = f@gw.example.eu\n[auth]\npolicy = none\n"
		    "[inbox cso]\nhost = imap.cso.example.org\nuser = flags\n"
		    "password_file = %s\nafter = move:Done\nidle = no\n"
		    "poll_interval = 30\ndefault_kind = flag\n"
		    "[inbox local]\nhost = 127.0.0.1\nport = 1143\ntls = none\n"
		    "user = u\npassword_file = %s\n", pw, pw);
		n = load(text, &cfg);
		is_int(n, 0, "two inboxes");
		if (cfg != NULL) {
			struct imap_conf c;

			is_int((long long)cfg->ninbox, 2, "both read");
			is_str(cfg->inbox[0].name, "cso", "name");
			is_int(cfg->inbox[0].after, IMAP_AFTER_MOVE, "after move");
			is_str(cfg->inbox[0].after_folder, "Done", "its folder");
			is_int(cfg->inbox[0].idle, 0, "idle = no");
			is_int(cfg->inbox[0].default_kind, KIND_FLAG, "default kind");
			inbox_imap_conf(&cfg->inbox[0], &c);
			is_int(c.port, 993, "implicit TLS defaults to 993");
			is_str(c.folder, "INBOX", "folder defaults to INBOX");
			is_int(cfg->inbox[1].tls, IMAP_TLS_NONE, "tls none on loopback");
			is_int(cfg->inbox[1].after, IMAP_AFTER_SEEN, "after defaults to seen");
		}
		config_free(&cfg);

		chmod(pw, 0644);
		snprintf(text, sizeof(text),
		    "[gateway]\naddress = f@gw.example.eu\n[auth]\npolicy = none\n"
		    "[inbox far]\nhost = imap.example.org\ntls = none\n"
		    "user = u\npassword_file = %s\nafter = archive\n"
		    "[inbox nouser]\nhost = h.example.org\n"
		    "xoauth2_file = /nonexistent/token\nidle = maybe\n", pw);
		n = load(text, &cfg);
		is_int(n, 5, "bad inboxes: every problem counted");
		is_str(buf_str(&reports),
		    "F:10: after: 'archive' is not an action (keep, seen, "
		    "move:FOLDER or delete)\n"
		    "F:14: idle: 'maybe' is not yes or no\n"
		    "F:5: [inbox far] tls = none is refused for imap.example.org: "
		    "clear text is allowed on loopback only\n"
		    "F:5: warning: [inbox far] password_file: 'PW' is readable by "
		    "others (chmod 600 it)\n"
		    "F:11: [inbox nouser] user is missing\n"
		    "F:11: [inbox nouser] xoauth2_file: cannot read "
		    "'/nonexistent/token': No such file or directory\n",
		    "bad inboxes: file:line: messages, and a warning");
		unlink(pw);
		pw_path = NULL;
	}

	n = config_load("/nonexistent/flagpost.conf", &cfg, collect, NULL);
	is_int(n, 1, "a missing file is one problem");
	buf_free(&reports);
	return tap_done();
}
