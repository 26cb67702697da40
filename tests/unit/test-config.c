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

	/* [digest] and [list NAME] */
	n = load("[gateway]\naddress = flags@gw.example.eu\n[auth]\npolicy = none\n",
	    &cfg);
	is_int(n, 0, "no [digest]");
	if (cfg != NULL) {
		is_str(cfg->digest_tz, "UTC", "[digest] timezone defaults to UTC");
		is_int(cfg->review_deadline, 86400, "review_deadline 24h");
		is_int(cfg->confirm_within, 7 * 86400, "confirm_within 7d");
		is_int((long long)cfg->max_open_flags, 100, "max_open_flags 100");
		is_int((long long)cfg->nlist, 0, "no lists");
		ok(config_list(cfg, "weekly") == NULL, "config_list: none");
	}
	config_free(&cfg);

	n = load("[gateway]\naddress = flags@gw.example.eu\n[auth]\npolicy = none\n"
	    "[list daily]\n"			/* before [digest]: its zone still */
	    "schedule = daily 07:30\n"
	    "[digest]\ntimezone = Europe/Brussels\nreview_deadline = 48h\n"
	    "confirm_within = 3d\nmax_open_flags = 20\n"
	    "[list weekly]\n"
	    "description = Weekly best practices and early warnings\n"
	    "id = weekly-bp\n"
	    "schedule = weekly mon 08:00\n"
	    "content = hub, early-warnings\n"
	    "categories = Best Practice, research; best-practice\n"
	    "country = de, AT, Germany\n"
	    "language = DE, fr\n"
	    "ground = Racism\n"
	    "platform = YouTube, tiktok\n"
	    "[list monthly-2]\n"
	    "schedule = monthly 31 06:00\n"
	    "timezone = Europe/Berlin\n"
	    "content = flags\n", &cfg);
	is_int(n, 0, "[digest] and three lists: no problems");
	is_str(buf_str(&reports), "", "and reports nothing");
	if (cfg != NULL) {
		const struct list_conf *l;

		is_str(cfg->digest_tz, "Europe/Brussels", "[digest] timezone");
		is_int(cfg->review_deadline, 48 * 3600, "review_deadline");
		is_int(cfg->confirm_within, 3 * 86400, "confirm_within");
		is_int((long long)cfg->max_open_flags, 20, "max_open_flags");
		is_int((long long)cfg->nlist, 3, "three lists");
		if (cfg->nlist == 3) {
			is_str(cfg->list[0].name, "daily", "in file order: 1");
			is_str(cfg->list[1].name, "weekly", "in file order: 2");
			is_str(cfg->list[2].name, "monthly-2", "in file order: 3");
		}

		l = config_list(cfg, "daily");
		ok(l != NULL, "config_list daily");
		if (l != NULL) {
			is_str(l->description, "daily", "description defaults to "
			    "the name");
			is_str(l->label, "daily", "id defaults to the name");
			is_str(l->schedule_text, "daily 07:30", "schedule as written");
			ok(l->tz == NULL, "no timezone of its own");
			is_int(l->sched.kind, SCHED_DAILY, "daily");
			is_int(l->sched.hour, 7, "hour");
			is_int(l->sched.minute, 30, "minute");
			is_str(l->sched.tz, "Europe/Brussels", "the [digest] zone, "
			    "though [digest] comes later in the file");
			ok(l->hub && l->warnings && l->flags,
			    "content defaults to all three");
			ok(l->categories.n == 0 && l->country.n == 0 &&
			    l->language.n == 0 && l->ground.n == 0 &&
			    l->platform.n == 0, "no filters");
			is_int((long long)l->line, 5, "the line of its section");
		}

		l = config_list(cfg, "WEEKLY");
		ok(l != NULL, "config_list in any case");
		if (l != NULL) {
			is_str(l->name, "weekly", "name");
			is_str(l->description, "Weekly best practices and early "
			    "warnings", "description");
			is_str(l->label, "weekly-bp", "id");
			is_int(l->sched.kind, SCHED_WEEKLY, "weekly");
			is_int(l->sched.wday, 1, "on monday");
			is_int(l->sched.hour, 8, "at 8");
			is_int(l->sched.minute, 0, "o'clock");
			is_str(l->sched.tz, "Europe/Brussels", "[digest] zone");
			ok(l->hub && l->warnings && !l->flags,
			    "content = hub, early-warnings");
			is_int((long long)l->categories.n, 2,
			    "categories: the same one twice is kept once");
			if (l->categories.n == 2) {
				is_str(l->categories.v[0], "best-practice",
				    "category 1, canonical");
				is_str(l->categories.v[1], "research", "category 2");
			}
			is_int((long long)l->country.n, 2,
			    "countries: Germany is DE, kept once");
			if (l->country.n == 2) {
				is_str(l->country.v[0], "DE", "country upper case");
				is_str(l->country.v[1], "AT", "country 2");
			}
			is_int((long long)l->language.n, 2, "languages");
			if (l->language.n == 2) {
				is_str(l->language.v[0], "de", "language lower case");
				is_str(l->language.v[1], "fr", "language 2");
			}
			is_int((long long)l->ground.n, 1, "grounds");
			if (l->ground.n == 1)
				is_str(l->ground.v[0], "racism", "ground canonical");
			is_int((long long)l->platform.n, 2, "platforms");
			if (l->platform.n == 2)
				is_str(l->platform.v[0], "YouTube",
				    "platform as written");
			ok(strlist_has(&l->platform, "youtube") &&
			    strlist_has(&l->country, "de") &&
			    !strlist_has(&l->country, "FR"),
			    "strlist_has ignores case");
		}

		l = config_list(cfg, "monthly-2");
		ok(l != NULL, "config_list monthly-2");
		if (l != NULL) {
			is_str(l->tz, "Europe/Berlin", "its own timezone");
			is_int(l->sched.kind, SCHED_MONTHLY, "monthly");
			is_int(l->sched.mday, 31, "on the 31st");
			is_str(l->sched.tz, "Europe/Berlin", "in its own zone");
			ok(!l->hub && !l->warnings && l->flags, "content = flags");
		}
		ok(config_list(cfg, "week") == NULL, "config_list: no prefix");
	}
	config_free(&cfg);

	ok(list_name_ok("weekly") && list_name_ok("a") &&
	    list_name_ok("2026-eu") && list_name_ok("x-"),
	    "list_name_ok: good names");
	ok(!list_name_ok("Weekly") && !list_name_ok("-x") && !list_name_ok("") &&
	    !list_name_ok(NULL) && !list_name_ok("a b") &&
	    !list_name_ok("a_b") && !list_name_ok("weekly!"),
	    "list_name_ok: bad names");
	ok(list_name_ok("a123456789b123456789c123456789d123456789e123456789"
	    "f123456789abcd") && !list_name_ok(
	    "a123456789b123456789c123456789d123456789e123456789"
	    "f123456789abcde"), "list_name_ok: at most 64");

	{
		static const struct {
			const char *text;
			int problems;
			const char *reports;
		} badl[] = {
			{ "[list weekly]\nschedule = weekly mun 08:00\n",
			  1, "F:6: [list weekly] schedule: 'weekly mun 08:00': "
			  "'mun' is not a day (mon, tue, ...)\n" },
			{ "[list weekly]\nschedule = hourly\n",
			  1, "F:6: [list weekly] schedule: 'hourly': 'hourly' is "
			  "not a schedule (daily, weekly or monthly)\n" },
			{ "[list weekly]\nschedule = daily 8\n",
			  1, "F:6: [list weekly] schedule: 'daily 8': '8' is not "
			  "a time (HH:MM, 00:00 to 23:59)\n" },
			{ "[digest]\ntimezone = Europe/Brusels\n"
			  "[list weekly]\nschedule = daily 08:00\n",
			  1, "F:6: timezone: 'Europe/Brusels' is not a time zone "
			  "(an IANA name such as Europe/Brussels, or UTC)\n" },
			{ "[digest]\ntimezone = Europe\n",
			  1, "F:6: timezone: 'Europe' is not a time zone (an IANA "
			  "name such as Europe/Brussels, or UTC)\n" },
			{ "[list weekly]\nschedule = daily 08:00\n"
			  "timezone = Mars/Olympus\n",
			  1, "F:7: timezone: 'Mars/Olympus' is not a time zone (an "
			  "IANA name such as Europe/Brussels, or UTC)\n" },
			{ "[digest]\ntimezone = Europe/Brussels\n"
			  "[list weekly]\nschedule = daily 08:00\ntimezone =\n",
			  1, "F:9: timezone: '' is not a time zone (an IANA name "
			  "such as Europe/Brussels, or UTC)\n" },
			{ "[digest]\ntimezone =\n",
			  1, "F:6: timezone: '' is not a time zone (an IANA name "
			  "such as Europe/Brussels, or UTC)\n" },
			{ "[list weekly]\nschedule = daily 08:00\n"
			  "timezone = ../../etc/passwd\n",
			  1, "F:7: timezone: '../../etc/passwd' is not a time zone "
			  "(an IANA name such as Europe/Brussels, or UTC)\n" },
			{ "[list weekly]\nschedule = daily 08:00\n"
			  "content = hub, warnings\n",
			  1, "F:7: content: 'warnings' is not a content (hub, "
			  "early-warnings or flags)\n" },
			{ "[list weekly]\nschedule = daily 08:00\ncontent = ,\n",
			  1, "F:7: content: give at least one of hub, "
			  "early-warnings or flags\n" },
			{ "[list weekly]\nschedule = daily 08:00\n"
			  "categories = research, best-practise\n",
			  1, "F:7: categories: 'best-practise' is not a category; "
			  "did you mean 'best-practice'?\n" },
			{ "[list weekly]\nschedule = daily 08:00\n"
			  "categories = xyzzy\n",
			  1, "F:7: categories: 'xyzzy' is not a category; the "
			  "categories are: campaign, data, policy-update, "
			  "transparency-report, monitoring-result, research, "
			  "best-practice, training, event\n" },
			{ "[list weekly]\nschedule = daily 08:00\n"
			  "country = DE, XX, Germny\n",
			  2, "F:7: country: 'XX' is not a country (ISO 3166 code)\n"
			  "F:7: country: 'Germny' is not a country (ISO 3166 "
			  "code); did you mean 'DE'?\n" },
			{ "[list weekly]\nschedule = daily 08:00\nlanguage = xx\n",
			  1, "F:7: language: 'xx' is not a language (ISO 639-1 "
			  "code)\n" },
			{ "[list weekly]\nschedule = daily 08:00\nground = racsim\n",
			  1, "F:7: ground: 'racsim' is not a ground; did you mean "
			  "'racism'?\n" },
			{ "[list weekly]\nschedule = daily 08:00\n"
			  "platform = you tube\n",
			  1, "F:7: platform: 'you tube' is not a platform name\n" },
			{ "[list Weekly!]\nschedule = daily 08:00\n",
			  1, "F:5: [list Weekly!]: a list name is lower-case "
			  "letters, digits and '-', at most 64 characters, and "
			  "does not start with '-'\n" },
			{ "[list -x]\nschedule = daily 08:00\n",
			  1, "F:5: [list -x]: a list name is lower-case letters, "
			  "digits and '-', at most 64 characters, and does not "
			  "start with '-'\n" },
			{ "[list weekly]\ndescription = Weekly\n",
			  1, "F:5: [list weekly] schedule is missing (daily 08:00, "
			  "weekly mon 08:00 or monthly 1 08:00)\n" },
			{ "[list weekly]\nschedule = daily 08:00\nfrequency = daily\n",
			  1, "F:7: unknown key 'frequency' in [list weekly]\n" },
			{ "[list weekly]\nschedule = daily 08:00\nid = Weekly List\n",
			  1, "F:7: id: 'Weekly List' is not a List-Id label "
			  "(lower-case letters, digits and '-')\n" },
			{ "[list weekly]\nschedule = daily 08:00\nid = -weekly\n",
			  1, "F:7: id: '-weekly' is not a List-Id label "
			  "(lower-case letters, digits and '-')\n" },
			{ "[list weekly]\nschedule = daily 08:00\ndescription =\n",
			  1, "F:7: description: a text is needed\n" },
			{ "[digest]\nreview_deadline = 10s\nconfirm_within = ever\n"
			  "max_open_flags = 0\ncolour = red\n",
			  4, "F:6: review_deadline: '10s' is not a duration between "
			  "60 and 31536000 seconds (a number of seconds, or with "
			  "s, m, h or d)\n"
			  "F:7: confirm_within: 'ever' is not a duration between "
			  "60 and 31536000 seconds (a number of seconds, or with "
			  "s, m, h or d)\n"
			  "F:8: max_open_flags: '0' is not a number between 1 and "
			  "100000\n"
			  "F:9: unknown key 'colour' in [digest]\n" },
			/* every problem of a file, keys first, then each list */
			{ "[list weekly]\nschedule = weekly mon 08:00\n"
			  "timezone = Mars/Olympus\ncontent = hub, news\n"
			  "colour = red\n[list Weekly!]\nschedule = daily 08:00\n"
			  "[list monthly]\ndescription = no schedule\n"
			  "[digest]\ntimezone = Europe/Brusels\n",
			  6, "F:7: timezone: 'Mars/Olympus' is not a time zone (an "
			  "IANA name such as Europe/Brussels, or UTC)\n"
			  "F:8: content: 'news' is not a content (hub, "
			  "early-warnings or flags)\n"
			  "F:9: unknown key 'colour' in [list weekly]\n"
			  "F:15: timezone: 'Europe/Brusels' is not a time zone (an "
			  "IANA name such as Europe/Brussels, or UTC)\n"
			  "F:10: [list Weekly!]: a list name is lower-case "
			  "letters, digits and '-', at most 64 characters, and "
			  "does not start with '-'\n"
			  "F:12: [list monthly] schedule is missing (daily 08:00, "
			  "weekly mon 08:00 or monthly 1 08:00)\n" },
		};
		char text[2048];

		for (i = 0; i < sizeof(badl) / sizeof(badl[0]); i++) {
			snprintf(text, sizeof(text), "[gateway]\naddress = "
			    "flags@gw.example.eu\n[auth]\npolicy = none\n%s",
			    badl[i].text);
			n = load(text, &cfg);
			is_int(n, badl[i].problems, "bad list %zu: problem count",
			    i);
			is_str(buf_str(&reports), badl[i].reports,
			    "bad list %zu: file:line: messages", i);
			ok(cfg == NULL, "bad list %zu: no config", i);
			config_free(&cfg);
		}
	}

	n = config_load("/nonexistent/flagpost.conf", &cfg, collect, NULL);
	is_int(n, 1, "a missing file is one problem");
	buf_free(&reports);
	return tap_done();
}
