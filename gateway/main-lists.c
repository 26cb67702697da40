/* main-lists.c: the lists and digest commands */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "digest.h"
#include "lists.h"
#include "log.h"
#include "main.h"
#include "schedule.h"
#include "store.h"

static const char *
config_path(void)
{
	const char *path = conf_path;

	if (path == NULL && (path = getenv("FLAGPOST_CONF")) == NULL)
		path = CONFIG_DEFAULT_PATH;
	return path;
}

static void
join(struct buf *b, const struct strlist *l, const char *none)
{
	size_t i;

	if (l->n == 0)
		buf_addstr(b, none);
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			buf_addstr(b, ", ");
		buf_addstr(b, l->v[i]);
	}
}

/* ---------------------------------------------------------------- add */

/* the problems of the new file, named as the real one */
struct rename_report {
	const char *tmp;
	const char *path;
	int n;
};

static void
report_renamed(void *arg, const char *msg)
{
	struct rename_report *rr = arg;
	size_t n = strlen(rr->tmp);

	rr->n++;
	if (strncmp(msg, rr->tmp, n) == 0)
		fprintf(stderr, "%s%s\n", rr->path, msg + n);
	else
		fprintf(stderr, "%s\n", msg);
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Appends a [list NAME] section to the configuration file: the new file
 * is written beside it, read back as a whole configuration, and only
 * then renamed over it.
 */
static int
lists_add(const char *name, const char *const *keys, const char *const *vals,
    size_t n)
{
	struct config *cfg, *check = NULL;
	struct buf b = BUF_INIT(16u * 1024 * 1024 + 65536);
	struct rename_report rr;
	const char *path = config_path();
	struct stat sb;
	char *old = NULL, *tmp = NULL;
	size_t oldlen = 0, i;
	int fd = -1, ret = 1;

	if (!list_name_ok(name)) {
		fprintf(stderr, "flagpost: '%s' is not a list name (lower-case "
		    "letters, digits and '-', at most 64)\n", name);
		return EX_USAGE;
	}
	for (i = 0; i < n; i++)
		if (strpbrk(vals[i], "\r\n") != NULL) {
			fprintf(stderr, "flagpost: --%s: a value is one line\n",
			    keys[i]);
			return EX_USAGE;
		}
	cfg = load_config();
	if (config_list(cfg, name) != NULL) {
		fprintf(stderr, "flagpost: %s already has a list '%s'\n", path,
		    name);
		config_free(&cfg);
		return 1;
	}
	if (file_read(path, 16u * 1024 * 1024, &old, &oldlen) == -1 ||
	    stat(path, &sb) == -1) {
		fprintf(stderr, "flagpost: %s: %s\n", path, strerror(errno));
		config_free(&cfg);
		return EX_IOERR;
	}
	buf_add(&b, old, oldlen);
	if (oldlen > 0 && old[oldlen - 1] != '\n')
		buf_addch(&b, '\n');
	buf_printf(&b, "\n[list %s]\n", name);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s = %s\n", keys[i], vals[i]);
	tmp = xasprintf("%s.new.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		fprintf(stderr, "flagpost: %s: %s\n", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		ret = EX_CANTCREAT;
		goto out;
	}
	if (fchmod(fd, sb.st_mode & 07777) == -1 ||
	    write_all(fd, buf_str(&b), b.len) == -1 || fsync(fd) == -1) {
		fprintf(stderr, "flagpost: %s: %s\n", tmp, strerror(errno));
		ret = EX_IOERR;
		goto out;
	}
	close(fd);
	fd = -1;
	rr.tmp = tmp;
	rr.path = path;
	rr.n = 0;
	if (config_load(tmp, &check, report_renamed, &rr) != 0) {
		fprintf(stderr, "flagpost: the list was not added; %s is "
		    "unchanged\n", path);
		goto out;
	}
	if (rename(tmp, path) == -1) {
		fprintf(stderr, "flagpost: %s: %s\n", path, strerror(errno));
		ret = EX_IOERR;
		goto out;
	}
	free(tmp);
	tmp = NULL;
	printf("list %s added to %s; a running daemon takes it on SIGHUP\n",
	    name, path);
	ret = 0;
out:
	if (fd != -1)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(old);
	buf_free(&b);
	config_free(&check);
	config_free(&cfg);
	return ret;
}

/* --------------------------------------------------------------- show */

struct show_ctx {
	const struct list_conf *l;
	size_t n;
};

static void
local_text(const struct list_conf *l, const char *utc, char out[32])
{
	int64_t t;

	if (time_parse(utc, &t) == 0)
		schedule_local_text(&l->sched, t, out);
	else
		snprintf(out, 32, "%s", utc);
}

/* id, period_start, period_end, created, items, queued */
static int
print_digest(void *arg, const char *const *col)
{
	struct show_ctx *sc = arg;
	char a[32], b[32];

	local_text(sc->l, col[1], a);
	local_text(sc->l, col[2], b);
	printf("  #%s %s to %s: %s item%s, %s queued (made %s)\n", col[0], a,
	    b, col[4], strcmp(col[4], "1") == 0 ? "" : "s", col[5], col[3]);
	sc->n++;
	return 0;
}

/* address, created, expires */
static int
print_request(void *arg, const char *const *col)
{
	struct show_ctx *sc = arg;

	printf("  %s (asked %s, until %s)\n", col[0], col[1], col[2]);
	sc->n++;
	return 0;
}

static void
next_text(const struct list_conf *l, char out[32])
{
	int64_t next = schedule_next_after(&l->sched, now_epoch());

	if (next == -1)
		snprintf(out, 32, "?");
	else
		schedule_local_text(&l->sched, next, out);
}

static int
lists_show(const struct config *cfg, struct store *st,
    const struct list_conf *l, struct err *err)
{
	struct buf b = BUF_INIT(65536);
	struct subscriber *subs = NULL;
	struct show_ctx sc;
	char now[21], next[32];
	const char *at = strrchr(cfg->address, '@');
	size_t n = 0, i;
	int ret = -1;

	if (store_subscribers(st, l->name, &subs, &n, err) == -1)
		return -1;
	next_text(l, next);
	printf("list:        %s\n", l->name);
	printf("description: %s\n", l->description);
	printf("list-id:     \"%s\" <%s.%s>\n", l->description, l->label,
	    at != NULL ? at + 1 : "");
	printf("schedule:    %s (%s)\n", l->schedule_text, l->sched.tz);
	printf("next:        %s\n", next);
	buf_printf(&b, "%s%s%s", l->hub ? "hub " : "",
	    l->warnings ? "early-warnings " : "", l->flags ? "flags" : "");
	buf_rtrim(&b);
	printf("content:     %s\n", buf_str(&b));
	buf_reset(&b);
	join(&b, &l->categories, "all");
	printf("categories:  %s\n", buf_str(&b));
	buf_reset(&b);
	join(&b, &l->country, "any");
	printf("country:     %s\n", buf_str(&b));
	buf_reset(&b);
	join(&b, &l->language, "any");
	printf("language:    %s\n", buf_str(&b));
	buf_reset(&b);
	join(&b, &l->ground, "any");
	printf("ground:      %s\n", buf_str(&b));
	buf_reset(&b);
	join(&b, &l->platform, "any");
	printf("platform:    %s\n", buf_str(&b));
	printf("subscribers: %zu\n", n);
	for (i = 0; i < n; i++)
		printf("  %s (%s, by %s, since %s)\n", subs[i].address,
		    subs[i].contact > 0 ? "contact" : "member", subs[i].via,
		    subs[i].created);
	printf("waiting for confirmation:\n");
	memset(&sc, 0, sizeof(sc));
	sc.l = l;
	time_rfc3339(now_epoch(), now);
	if (store_requests_each(st, l->name, now, print_request, &sc,
	    err) == -1)
		goto out;
	if (sc.n == 0)
		printf("  none\n");
	printf("digests (the last 10):\n");
	sc.n = 0;
	if (store_digests_each(st, l->name, 10, print_digest, &sc, err) == -1)
		goto out;
	if (sc.n == 0)
		printf("  none yet\n");
	ret = 0;
out:
	buf_free(&b);
	subscribers_free(&subs, n);
	return ret;
}

static int
lists_list(const struct config *cfg, struct store *st, struct err *err)
{
	char last[32], lt[32], next[32];
	size_t i, n;
	bool found;

	if (cfg->nlist == 0)
		printf("no lists: add a [list NAME] section to %s\n", cfg->path);
	for (i = 0; i < cfg->nlist; i++) {
		const struct list_conf *l = &cfg->list[i];

		if (store_subscriber_count(st, l->name, &n, err) == -1 ||
		    store_digest_last(st, l->name, last, &found, err) == -1)
			return -1;
		if (found)
			local_text(l, last, lt);
		next_text(l, next);
		printf("%-20s %-18s %-16s %4zu subscriber%s  last %s  next "
		    "%s\n", l->name, l->schedule_text, l->sched.tz, n,
		    n == 1 ? " " : "s", found ? lt : "never", next);
	}
	return 0;
}

/* ---------------------------------------------------------------- lists */

int
cmd_lists(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "description", required_argument, NULL, 'd' },
		{ "id", required_argument, NULL, 'i' },
		{ "schedule", required_argument, NULL, 's' },
		{ "timezone", required_argument, NULL, 't' },
		{ "content", required_argument, NULL, 'c' },
		{ "categories", required_argument, NULL, 'C' },
		{ "country", required_argument, NULL, 'o' },
		{ "language", required_argument, NULL, 'l' },
		{ "ground", required_argument, NULL, 'g' },
		{ "platform", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keys[10], *vals[10];
	const struct list_conf *l;
	struct config *cfg;
	struct store *st;
	struct err err;
	const char *sub;
	size_t nkv = 0;
	bool have_schedule = false, changed;
	int ch, i, ret = 0;

	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	sub = argv[1];
	argc--;
	argv++;
	if (strcmp(sub, "add") == 0) {
		optind = 0;	/* GNU getopt: start over, permuting again */
		while ((ch = getopt_long(argc, argv, "", opts, &i)) != -1) {
			if (ch == '?' || ch == ':') {
				usage(stderr);
				return EX_USAGE;
			}
			keys[nkv] = strcmp(opts[i].name, "id") == 0 ? "id" :
			    opts[i].name;
			vals[nkv++] = optarg;
			have_schedule |= ch == 's';
			if (nkv == 10)
				break;
		}
		if (optind != argc - 1 || !have_schedule) {
			fprintf(stderr, "flagpost: lists add NAME --schedule "
			    "'weekly mon 08:00' [options]\n");
			return EX_USAGE;
		}
		return lists_add(argv[optind], keys, vals, nkv);
	}
	if (strcmp(sub, "list") == 0 ? argc != 1 :
	    strcmp(sub, "show") == 0 ? argc != 2 :
	    (strcmp(sub, "subscribe") == 0 ||
	    strcmp(sub, "unsubscribe") == 0) ? argc < 3 : true) {
		if (strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0 &&
		    strcmp(sub, "subscribe") != 0 &&
		    strcmp(sub, "unsubscribe") != 0)
			fprintf(stderr, "flagpost: lists: unknown command "
			    "'%s'\n", sub);
		else
			usage(stderr);
		return EX_USAGE;
	}
	cfg = load_config();
	st = open_store(cfg);
	err_clear(&err);
	l = argc > 1 ? config_list(cfg, argv[1]) : NULL;
	if (strcmp(sub, "list") == 0)
		(void)lists_list(cfg, st, &err);
	else if (l == NULL && strcmp(sub, "unsubscribe") != 0)
		err_set(&err, ERR_MSG, "there is no list '%s' in %s", argv[1],
		    cfg->path);
	else if (strcmp(sub, "show") == 0)
		(void)lists_show(cfg, st, l, &err);
	else if (store_begin(st, &err) == 0) {
		/* all or none */
		for (i = 2; i < argc; i++) {
			if (strcmp(sub, "subscribe") == 0) {
				if (lists_subscribe(st, l->name, argv[i],
				    "coordinator", &changed, &err) == -1 ||
				    (changed && lists_welcome(cfg, st, l->name,
				    argv[i], &err) == -1))
					break;
				printf("%s: %s%s\n", l->name, argv[i], changed ?
				    " subscribed" : " was subscribed already");
			} else {
				if (lists_unsubscribe(st, argv[1], argv[i],
				    &changed, &err) == -1)
					break;
				if (!changed) {
					err_set(&err, ERR_MSG, "%s is not "
					    "subscribed to '%s'", argv[i],
					    argv[1]);
					break;
				}
				printf("%s: %s unsubscribed\n", argv[1],
				    argv[i]);
			}
		}
		if (i < argc) {
			store_rollback(st);
			if (argc > 3)
				fprintf(stderr, "flagpost: nothing was "
				    "changed\n");
		} else
			(void)store_commit(st, &err);
	}
	if (err.cls != ERR_NONE) {
		fprintf(stderr, "flagpost: %s\n", err.msg);
		ret = err.cls == ERR_MSG ? 1 : exit_for(&err);
	}
	store_close(&st);
	config_free(&cfg);
	return ret;
}

/* ---------------------------------------------------------------- digest */

int
cmd_digest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "list", required_argument, NULL, 'l' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "now", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct config *cfg;
	struct store *st;
	struct err err;
	const char *list = NULL;
	char num[32];
	int64_t now;
	size_t queued;
	bool dry = false;
	int ch, ret = 0;

	if (argc < 2 || strcmp(argv[1], "run") != 0) {
		fprintf(stderr, "flagpost: digest run [--list NAME] [--dry-run] "
		    "[--now TIME]\n");
		return EX_USAGE;
	}
	argc--;
	argv++;
	optind = 0;	/* GNU getopt: start over, permuting again */
	while ((ch = getopt_long(argc, argv, "l:nt:", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			list = optarg;
			break;
		case 'n':
			dry = true;
			break;
		case 't':
			if (time_parse(optarg, &now) == -1) {
				fprintf(stderr, "flagpost: --now: '%s' is not a "
				    "time (2026-11-30T08:00:00Z, or with an "
				    "offset such as +01:00)\n", optarg);
				return EX_USAGE;
			}
			/* the whole run, the store's stamps too */
			snprintf(num, sizeof(num), "%lld", (long long)now);
			setenv("FLAGPOST_NOW", num, 1);
			break;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	cfg = load_config();
	st = open_store(cfg);
	err_clear(&err);
	if (cfg->nlist == 0)
		printf("no lists: add a [list NAME] section to %s\n", cfg->path);
	if (digest_run(cfg, st, list, now_epoch(), dry, stdout, &queued,
	    &err) == -1) {
		fprintf(stderr, "flagpost: %s\n", err.msg);
		ret = err.cls == ERR_MSG ? 1 : exit_for(&err);
	}
	store_close(&st);
	config_free(&cfg);
	return ret;
}
