/* main.c: the flagpost command line */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "daemon.h"
#include "deliver.h"
#include "ingest.h"
#include "lexicon.h"
#include "log.h"
#include "main.h"
#include "report.h"
#include "route.h"
#include "rules.h"
#include "store.h"
#include "util.h"

const char *conf_path;
static int verbose;

void
usage(FILE *out)
{
	fprintf(out,
"usage: flagpost [-c FILE] [-v] COMMAND [ARGS]\n"
"\n"
"commands:\n"
"  check                          check the configuration\n"
"  daemon [-f]                    fetch from every inbox, IDLE or polling\n"
"  run-once                       fetch from every inbox once, then exit\n"
"  ingest [--kind K] FILE...      store mails from files\n"
"  ingest [--kind K] -            store one mail from standard input (MTA pipe)\n"
"  ingest [--kind K] --maildir DIR  store the mails of a Maildir\n"
"  orgs add NAME [--domain D]... [--address A]... [--good-faith] [--licence L]\n"
"           [--language LANG]\n"
"  orgs list | show NAME | disable NAME\n"
"  contacts add ADDRESS [--name N] [--platform P] [--languages de,fr]\n"
"  contacts list | show ADDRESS | remove ADDRESS\n"
"  contacts group add NAME ADDRESS... | list | remove NAME [ADDRESS...]\n"
"  rules list                     the routing rules, in the order they apply\n"
"  rules test MAIL...             what the rules would do with a mail (dry run)\n"
"  rules explain REF              why a stored record went where it went\n"
"  queue list [--status S] | show ID | retry ID... | drop ID...\n"
"  records list [--kind K] [--org O] [--since YYYY-MM-DD]\n"
"  records show REF|ID\n"
"  messages list [--status S] [--since YYYY-MM-DD]\n"
"  messages show ID\n"
"  lists list | show NAME\n"
"  lists add NAME --schedule S [--description D] [--id LABEL] [--timezone TZ]\n"
"           [--content C] [--categories C] [--country C] [--language L]\n"
"           [--ground G] [--platform P]\n"
"  lists subscribe NAME ADDRESS... | unsubscribe NAME ADDRESS...\n"
"  digest run [--list NAME] [--dry-run] [--now TIME]\n"
"\n"
"The configuration is read from -c FILE, $FLAGPOST_CONF or %s.\n"
"See flagpost(1), flagpost.conf(5), flagpost-mail(5) and flagpost-rules(5).\n",
	    CONFIG_DEFAULT_PATH);
}

void
report_stderr(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

struct config *
load_config(void)
{
	struct config *cfg = NULL;
	const char *path = conf_path;

	if (path == NULL && (path = getenv("FLAGPOST_CONF")) == NULL)
		path = CONFIG_DEFAULT_PATH;
	if (config_load(path, &cfg, report_stderr, NULL) != 0) {
		fprintf(stderr, "flagpost: %s: the configuration has errors "
		    "(see above)\n", path);
		exit(EX_CONFIG);
	}
	return cfg;
}

int
exit_for(const struct err *err)
{
	switch (err->cls) {
	case ERR_TEMP:
		return EX_TEMPFAIL;
	case ERR_CONFIG:
		return EX_CONFIG;
	case ERR_MSG:
		return EX_DATAERR;
	default:
		return EX_SOFTWARE;
	}
}

struct store *
open_store(const struct config *cfg)
{
	struct store *st = NULL;
	struct err err;

	err_clear(&err);
	if (store_open(cfg->store, &st, &err) == -1) {
		log_warnx("%s", err.msg);
		exit(exit_for(&err));
	}
	return st;
}

/* ---------------------------------------------------------------- check */

/* the rules and their targets; the number of problems */
static int
check_rules(const struct config *cfg)
{
	struct rules *set = NULL;
	struct store *st = NULL;
	struct err err;
	int n;

	if (!cfg->routing) {
		fprintf(stderr, "%s: warning: no [routing] section: records "
		    "are stored but not routed\n", cfg->path);
		return 0;
	}
	if ((n = route_rules_load(cfg, &set, report_stderr, NULL)) != 0)
		return n;
	err_clear(&err);
	if (store_open(cfg->store, &st, &err) == -1 ||
	    (n = route_check_targets(cfg, set, st, report_stderr, NULL,
	    &err)) == -1) {
		fprintf(stderr, "flagpost: %s\n", err.msg);
		n = 1;
	} else if (n == 0)
		printf("rules %s: %zu rule%s in %zu file%s, default %s\n",
		    cfg->rules_dir, rules_count(set),
		    rules_count(set) == 1 ? "" : "s", rules_nfiles(set),
		    rules_nfiles(set) == 1 ? "" : "s", cfg->route_default);
	store_close(&st);
	rules_free(&set);
	return n;
}

static int
cmd_check(int argc, char **argv)
{
	struct config *cfg = NULL;
	const char *path = conf_path;
	int n;

	if (argc > 1) {
		usage(stderr);
		return EX_USAGE;
	}
	(void)argv;
	if (path == NULL && (path = getenv("FLAGPOST_CONF")) == NULL)
		path = CONFIG_DEFAULT_PATH;
	n = config_load(path, &cfg, report_stderr, NULL);
	if (n != 0) {
		fprintf(stderr, "%s: %d problem%s\n", path, n, n == 1 ? "" : "s");
		return 1;
	}
	if (cfg->auth_policy == AUTH_NONE)
		fprintf(stderr, "%s: warning: [auth] policy = none: senders "
		    "are not authenticated (for tests only)\n", path);
	for (size_t i = 0; i < cfg->ninbox; i++) {
		const struct inbox_conf *ic = &cfg->inbox[i];
		struct imap_conf c;

		inbox_imap_conf(ic, &c);
		printf("inbox %s: %s://%s@%s:%u/%s, after %s%s%s, %s\n",
		    ic->name, ic->tls == IMAP_TLS_IMPLICIT ? "imaps" : "imap",
		    ic->user, ic->host, c.port, ic->folder,
		    imap_after_name(ic->after), ic->after_folder ? ":" : "",
		    ic->after_folder ? ic->after_folder : "",
		    ic->idle ? "IDLE" : "polling");
	}
	for (size_t i = 0; i < cfg->nlist; i++) {
		const struct list_conf *l = &cfg->list[i];

		printf("list %s: %s (%s), %s%s%s\n", l->name, l->schedule_text,
		    l->sched.tz, l->hub ? "hub" : "",
		    l->warnings ? (l->hub ? ", early-warnings" :
		    "early-warnings") : "", l->flags ? (l->hub || l->warnings ?
		    ", flags" : "flags") : "");
	}
	n = check_rules(cfg);
	if (n != 0) {
		fprintf(stderr, "%s: %d problem%s\n", cfg->rules_dir, n,
		    n == 1 ? "" : "s");
		config_free(&cfg);
		return 1;
	}
	if (!cfg->smtp)
		fprintf(stderr, "%s: warning: no [smtp] section: nothing is "
		    "sent; notices and replies wait in the outbox\n", path);
	else {
		n = deliver_check_templates(cfg, report_stderr, NULL);
		if (n != 0) {
			fprintf(stderr, "%s: %d problem%s\n",
			    cfg->templates_dir, n, n == 1 ? "" : "s");
			config_free(&cfg);
			return 1;
		}
		printf("templates %s: ok; relay %s\n", cfg->templates_dir,
		    cfg->smtp_relay);
	}
	printf("%s: ok\n", path);
	config_free(&cfg);
	return 0;
}

/* ---------------------------------------------------------------- ingest */

/*
 * Reads a whole mail from fd, keeping at most `max` + 1 bytes (so that the
 * caller sees it is too large) and hashing all of it.
 */
static int
read_mail(int fd, size_t max, struct buf *b, size_t *size_r,
    char sha[SHA256_HEX_LEN])
{
	struct sha256_ctx *h = sha256_begin();
	char chunk[65536];
	size_t size = 0;
	ssize_t n;

	buf_reset(b);
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			sha256_end(&h, sha);
			return -1;
		}
		if (n == 0)
			break;
		sha256_update(h, chunk, (size_t)n);
		size += (size_t)n;
		if (b->len <= max) {
			size_t keep = (size_t)n;

			if (keep > max + 1 - b->len)
				keep = max + 1 - b->len;
			if (buf_add(b, chunk, keep) == -1) {
				sha256_end(&h, sha);
				errno = ENOMEM;
				return -1;
			}
		}
	}
	sha256_end(&h, sha);
	*size_r = size;
	return 0;
}

struct ingest_run {
	struct ingest in;
	struct buf mail;
	int status;		/* exit status so far */
	unsigned long n;
	bool stop;		/* a temporary failure: stop and let the MTA retry */
};

/* text for a terminal: control characters escaped, UTF-8 kept */
static void
add_printable(struct buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			buf_printf(b, "\\x%02x", (unsigned char)*s);
		else
			buf_addch(b, *s);
	}
}

/* the line that `ingest` prints for a mail */
static void
format_result(struct buf *b, const char *name, const struct ingest_result *res)
{
	size_t i;

	add_printable(b, name);
	buf_printf(b, ": %s", ingest_outcome_name(res->outcome));
	switch (res->outcome) {
	case INGEST_ACCEPTED:
		for (i = 0; i < res->nrefs; i++)
			buf_printf(b, " %s", res->refs[i]);
		if (res->nproblems > 0)
			buf_printf(b, " (%zu problem%s)", res->nproblems,
			    res->nproblems == 1 ? "" : "s");
		break;
	case INGEST_REJECTED:
		buf_printf(b, " (%zu problem%s)", res->nproblems,
		    res->nproblems == 1 ? "" : "s");
		break;
	case INGEST_QUARANTINED:
	case INGEST_UNRECOGNISED:
		buf_addstr(b, " (");
		add_printable(b, res->reason);
		buf_addch(b, ')');
		break;
	case INGEST_DUPLICATE:
		buf_printf(b, " of message %lld", (long long)res->message);
		break;
	}
	if (res->outcome != INGEST_DUPLICATE)
		buf_printf(b, " [message %lld]", (long long)res->message);
	buf_addch(b, '\n');
}

static void
print_result(const char *name, const struct ingest_result *res)
{
	struct buf b = BUF_INIT(SIZE_MAX / 2);

	format_result(&b, name, res);
	fputs(buf_str(&b), stdout);
	fflush(stdout);
	buf_free(&b);
}

static void
ingest_fd(struct ingest_run *run, int fd, const char *name,
    const char *source)
{
	struct ingest_result res;
	char sha[SHA256_HEX_LEN];
	struct err err;
	size_t size, len;

	err_clear(&err);
	if (read_mail(fd, run->in.cfg->mime.max_size, &run->mail, &size,
	    sha) == -1) {
		log_warn("%s: cannot read", name);
		run->status = EX_NOINPUT;
		return;
	}
	len = run->mail.len;
	if (size > run->in.cfg->mime.max_size)
		len = run->mail.len < 256 * 1024 ? run->mail.len : 256 * 1024;
	if (ingest_mail(&run->in, source, buf_str(&run->mail), len, size, sha,
	    &res, &err) == -1) {
		log_warnx("%s: %s", name, err.msg);
		run->status = exit_for(&err);
		if (err.cls == ERR_TEMP)
			run->stop = true;
		return;
	}
	print_result(name, &res);
	ingest_result_clear(&res);
	run->n++;
}

static void
ingest_path(struct ingest_run *run, const char *path, const char *source)
{
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s", path);
		run->status = EX_NOINPUT;
		return;
	}
	ingest_fd(run, fd, path, source);
	close(fd);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A Maildir is read and parsed on a second thread while this one stores:
 * the reader hands over mails through a bounded ring, in name order.
 */
struct mail_item {
	char *path;
	char *raw;		/* owned; pr points into it */
	int errnum;		/* could not be read: errno */
	struct prepared pr;
};

#define RING 64

struct reader {
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	struct mail_item *ring[RING];
	size_t head, count;
	bool stop;		/* the storing side gave up */
	bool done;		/* every mail was handed over */
	char **names;
	size_t n;
	const struct config *cfg;
	enum record_kind kind;
};

static void
item_free(struct mail_item *it)
{
	if (it == NULL)
		return;
	if (it->errnum == 0)
		prepared_free(&it->pr);
	free(it->raw);
	free(it->path);
	free(it);
}

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	struct buf mail;
	struct mail_item *it;
	char sha[SHA256_HEX_LEN];
	size_t i, size, len;
	int fd;

	buf_init(&mail, r->cfg->mime.max_size + 1);
	for (i = 0; i < r->n; i++) {
		it = xcalloc(1, sizeof(*it));
		it->path = r->names[i];
		r->names[i] = NULL;
		if ((fd = open(it->path, O_RDONLY | O_CLOEXEC)) == -1 ||
		    read_mail(fd, r->cfg->mime.max_size, &mail, &size, sha) == -1)
			it->errnum = errno ? errno : EIO;
		if (fd != -1)
			close(fd);
		if (it->errnum == 0) {
			len = mail.len;
			if (size > r->cfg->mime.max_size && len > 256 * 1024)
				len = 256 * 1024;
			it->raw = buf_detach(&mail, NULL);
			ingest_prepare(r->cfg, r->kind, it->raw, len, size, sha,
			    &it->pr);
		}
		pthread_mutex_lock(&r->mu);
		while (r->count == RING && !r->stop)
			pthread_cond_wait(&r->room, &r->mu);
		if (r->stop) {
			pthread_mutex_unlock(&r->mu);
			item_free(it);
			break;
		}
		r->ring[(r->head + r->count) % RING] = it;
		r->count++;
		pthread_cond_signal(&r->more);
		pthread_mutex_unlock(&r->mu);
	}
	buf_free(&mail);
	pthread_mutex_lock(&r->mu);
	r->done = true;
	pthread_cond_signal(&r->more);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* the next mail in order, or NULL when there is none left */
static struct mail_item *
reader_next(struct reader *r)
{
	struct mail_item *it = NULL;

	pthread_mutex_lock(&r->mu);
	while (r->count == 0 && !r->done)
		pthread_cond_wait(&r->more, &r->mu);
	if (r->count > 0) {
		it = r->ring[r->head];
		r->head = (r->head + 1) % RING;
		r->count--;
		pthread_cond_signal(&r->room);
	}
	pthread_mutex_unlock(&r->mu);
	return it;
}

/*
 * The mails of a Maildir's new/ and cur/ in name order, in batches: one
 * transaction per batch, a savepoint per mail, so that each mail is stored
 * whole or not at all.  The files stay where they are, so a crash loses
 * nothing: a second run skips what the first one stored.  What a batch
 * stored is printed once its transaction is committed.
 */
static void
ingest_maildir(struct ingest_run *run, const char *dir)
{
	static const char *const subs[] = { "new", "cur" };
	struct buf report = BUF_INIT(SIZE_MAX / 2);
	struct ingest_result res;
	struct mail_item *it;
	struct reader r;
	struct dirent *de;
	struct err err;
	pthread_t tid;
	char *path;
	size_t s, pending = 0;
	bool tx_open = false, last;
	DIR *d;

	memset(&r, 0, sizeof(r));
	for (s = 0; s < 2; s++) {
		path = xasprintf("%s/%s", dir, subs[s]);
		if ((d = opendir(path)) == NULL) {
			log_warn("%s", path);
			run->status = EX_NOINPUT;
			free(path);
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			r.names = xreallocarray(r.names, r.n + 1,
			    sizeof(*r.names));
			r.names[r.n++] = xasprintf("%s/%s", path, de->d_name);
		}
		closedir(d);
		free(path);
	}
	if (r.n > 1)
		qsort(r.names, r.n, sizeof(*r.names), name_cmp);
	r.cfg = run->in.cfg;
	r.kind = run->in.kind_override;
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.more, NULL);
	pthread_cond_init(&r.room, NULL);
	if (pthread_create(&tid, NULL, reader_main, &r) != 0)
		fatalx("cannot start the reader thread");

	err_clear(&err);
	run->in.batch = true;
	for (;;) {
		it = run->stop ? NULL : reader_next(&r);
		if (it != NULL && it->errnum != 0) {
			errno = it->errnum;
			log_warn("%s", it->path);
			run->status = EX_NOINPUT;
		} else if (it != NULL) {
			if (!tx_open) {
				if (store_begin(run->in.st, &err) == 0)
					tx_open = true;
				else {
					log_warnx("%s", err.msg);
					run->status = exit_for(&err);
					run->stop = true;
				}
			}
			if (tx_open && ingest_commit(&run->in, it->path, &it->pr,
			    &res, &err) == -1) {
				log_warnx("%s: %s", it->path, err.msg);
				run->status = exit_for(&err);
				if (err.cls == ERR_TEMP)
					run->stop = true;
			} else if (tx_open) {
				format_result(&report, it->path, &res);
				ingest_result_clear(&res);
				pending++;
			}
		}
		last = it == NULL;
		item_free(it);
		/* a batch ends at its size, at a failure or at the end */
		if (tx_open && (pending >= 500 || run->stop || last)) {
			if (!run->stop && store_commit(run->in.st, &err) == 0) {
				fputs(buf_str(&report), stdout);
				run->n += pending;
			} else {
				if (!run->stop)
					log_warnx("%s", err.msg);
				if (pending > 0)
					log_warnx("the last %zu mails of %s are "
					    "not stored: run the same command "
					    "again", pending, dir);
				run->status = exit_for(&err);
				store_rollback(run->in.st);
				run->stop = true;
			}
			fflush(stdout);
			buf_reset(&report);
			tx_open = false;
			pending = 0;
		}
		if (last)
			break;
	}
	run->in.batch = false;

	pthread_mutex_lock(&r.mu);
	r.stop = true;
	pthread_cond_broadcast(&r.room);
	pthread_mutex_unlock(&r.mu);
	while ((it = reader_next(&r)) != NULL)
		item_free(it);
	pthread_join(tid, NULL);
	pthread_mutex_destroy(&r.mu);
	pthread_cond_destroy(&r.more);
	pthread_cond_destroy(&r.room);
	for (s = 0; s < r.n; s++)
		free(r.names[s]);
	free(r.names);
	buf_free(&report);
}

static int
cmd_ingest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "maildir", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	enum record_kind kind = KIND_NONE;
	const char *maildir = NULL;
	struct config *cfg;
	struct ingest_run run;
	struct err err;
	int ch, i;

	optind = 0;	/* GNU getopt: start over, permuting again */
	while ((ch = getopt_long(argc, argv, "k:m:", opts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			if ((kind = kind_parse(optarg)) == KIND_NONE) {
				fprintf(stderr, "flagpost: --kind '%s' is not a "
				    "kind (flag, early-warning, hub, outcome)\n",
				    optarg);
				return EX_USAGE;
			}
			break;
		case 'm':
			maildir = optarg;
			break;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if ((maildir == NULL) == (argc == 0)) {
		fprintf(stderr, "flagpost: ingest needs FILE..., - or "
		    "--maildir DIR\n");
		return EX_USAGE;
	}
	cfg = load_config();
	if (cfg->auth_policy == AUTH_NONE)
		log_warnx("[auth] policy = none: senders are not "
		    "authenticated (for tests only)");
	memset(&run, 0, sizeof(run));
	buf_init(&run.mail, cfg->mime.max_size + 1);
	run.in.st = open_store(cfg);
	err_clear(&err);
	if (ingest_init(&run.in, cfg, run.in.st, kind, &err) == -1) {
		log_warnx("%s", err.msg);
		run.status = exit_for(&err);
		goto out;
	}
	if (maildir != NULL)
		ingest_maildir(&run, maildir);
	for (i = 0; i < argc && !run.stop; i++) {
		if (strcmp(argv[i], "-") == 0)
			ingest_fd(&run, STDIN_FILENO, "stdin", "stdin");
		else
			ingest_path(&run, argv[i], argv[i]);
	}
out:
	ingest_deinit(&run.in);
	store_close(&run.in.st);
	buf_free(&run.mail);
	config_free(&cfg);
	return run.status;
}

/* ---------------------------------------------------------------- orgs */

static bool
domain_ok(const char *d)
{
	const char *p;

	if (*d == '\0' || strchr(d, '.') == NULL || *d == '.' || *d == '-')
		return false;
	for (p = d; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return false;
	return true;
}

static bool
address_ok(const char *a)
{
	const char *at = strrchr(a, '@');
	const char *p;

	if (at == NULL || at == a || !domain_ok(at + 1))
		return false;
	for (p = a; p < at; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    strchr("<>(),;:\"[]\\", *p) != NULL)
			return false;
	return true;
}

static void
print_org(const struct org *o, bool full)
{
	size_t i;

	if (!full) {
		printf("%-30s %s%s", o->name, o->disabled ? "disabled " : "",
		    o->good_faith ? "good-faith " : "");
		for (i = 0; i < o->ndomains; i++)
			printf(" @%s", o->domains[i]);
		for (i = 0; i < o->naddresses; i++)
			printf(" %s", o->addresses[i]);
		putchar('\n');
		return;
	}
	printf("name: %s\n", o->name);
	printf("status: %s\n", o->disabled ? "disabled" : "active");
	printf("good-faith declaration: %s\n", o->good_faith ? "standing" :
	    "per mail");
	printf("licence: %s\n", o->licence ? o->licence : "-");
	printf("language: %s\n", o->language ? o->language : "-");
	printf("created: %s\n", o->created);
	for (i = 0; i < o->ndomains; i++)
		printf("domain: %s\n", o->domains[i]);
	for (i = 0; i < o->naddresses; i++)
		printf("address: %s\n", o->addresses[i]);
}

static int
cmd_orgs(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domain", required_argument, NULL, 'd' },
		{ "address", required_argument, NULL, 'a' },
		{ "good-faith", no_argument, NULL, 'g' },
		{ "licence", required_argument, NULL, 'l' },
		{ "license", required_argument, NULL, 'l' },
		{ "language", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	struct config *cfg;
	struct store *st;
	struct org o, *op = NULL, **list = NULL;
	const char *lang;
	char langbuf[8];
	struct err err;
	const char *sub;
	size_t n, i;
	int ch, ret = 0;

	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	sub = argv[1];
	argc--;
	argv++;
	memset(&o, 0, sizeof(o));
	err_clear(&err);
	if (strcmp(sub, "add") == 0) {
		optind = 0;	/* GNU getopt: start over, permuting again */
		while ((ch = getopt_long(argc, argv, "d:a:gl:L:", opts, NULL)) !=
		    -1) {
			switch (ch) {
			case 'd':
				if (*optarg == '@')
					optarg++;
				if (!domain_ok(optarg)) {
					fprintf(stderr, "flagpost: --domain "
					    "'%s' is not a domain\n", optarg);
					ret = EX_USAGE;
					goto out;
				}
				o.domains = xreallocarray(o.domains,
				    o.ndomains + 1, sizeof(char *));
				o.domains[o.ndomains++] = optarg;
				break;
			case 'a':
				if (!address_ok(optarg)) {
					fprintf(stderr, "flagpost: --address "
					    "'%s' is not a mail address\n",
					    optarg);
					ret = EX_USAGE;
					goto out;
				}
				o.addresses = xreallocarray(o.addresses,
				    o.naddresses + 1, sizeof(char *));
				o.addresses[o.naddresses++] = optarg;
				break;
			case 'g':
				o.good_faith = true;
				break;
			case 'l':
				o.licence = optarg;
				break;
			case 'L':
				if ((lang = lex_language(optarg)) == NULL) {
					fprintf(stderr, "flagpost: --language "
					    "'%s' is not a language (ISO 639-1, "
					    "as 'de')\n", optarg);
					ret = EX_USAGE;
					goto out;
				}
				snprintf(langbuf, sizeof(langbuf), "%s", lang);
				o.language = langbuf;
				break;
			default:
				usage(stderr);
				ret = EX_USAGE;
				goto out;
			}
		}
		if (optind != argc - 1 || *argv[optind] == '\0' ||
		    o.ndomains + o.naddresses == 0) {
			fprintf(stderr, "flagpost: orgs add NAME needs a name "
			    "and at least one --domain or --address\n");
			ret = EX_USAGE;
			goto out;
		}
		o.name = argv[optind];
	} else if ((strcmp(sub, "show") == 0 || strcmp(sub, "disable") == 0) &&
	    argc != 2) {
		fprintf(stderr, "flagpost: orgs %s NAME\n", sub);
		ret = EX_USAGE;
		goto out;
	} else if (strcmp(sub, "list") == 0 && argc != 1) {
		usage(stderr);
		ret = EX_USAGE;
		goto out;
	} else if (strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0 &&
	    strcmp(sub, "disable") != 0) {
		fprintf(stderr, "flagpost: orgs: unknown command '%s'\n", sub);
		ret = EX_USAGE;
		goto out;
	}

	cfg = load_config();
	st = open_store(cfg);
	if (strcmp(sub, "add") == 0) {
		if (store_org_add(st, &o, NULL, &err) == 0)
			printf("added organisation '%s'\n", o.name);
	} else if (strcmp(sub, "list") == 0) {
		if (store_org_list(st, &list, &n, &err) == 0) {
			for (i = 0; i < n; i++) {
				print_org(list[i], false);
				org_free(&list[i]);
			}
			free(list);
		}
	} else if (strcmp(sub, "show") == 0) {
		if (store_org_get(st, argv[1], &op, &err) == 0) {
			if (op == NULL) {
				fprintf(stderr, "flagpost: no organisation "
				    "named '%s'\n", argv[1]);
				ret = 1;
			} else
				print_org(op, true);
			org_free(&op);
		}
	} else if (store_org_disable(st, argv[1], &err) == 0)
		printf("disabled organisation '%s'\n", argv[1]);
	if (err.cls != ERR_NONE) {
		fprintf(stderr, "flagpost: %s\n", err.msg);
		ret = err.cls == ERR_MSG ? 1 : exit_for(&err);
	}
	store_close(&st);
	config_free(&cfg);
out:
	free(o.domains);
	free(o.addresses);
	return ret;
}

/* ---------------------------------------------------------------- contacts */

static void
print_contact(const struct contact *c, bool full)
{
	if (!full) {
		printf("%-40s %-12s %-10s %s\n", c->address,
		    c->platform ? c->platform : "-",
		    c->languages ? c->languages : "-", c->name ? c->name : "");
		return;
	}
	printf("address: %s\n", c->address);
	printf("name: %s\n", c->name ? c->name : "-");
	printf("platform: %s\n", c->platform ? c->platform : "-");
	printf("languages: %s\n", c->languages ? c->languages : "-");
	printf("created: %s\n", c->created);
}

static int
print_group(void *arg, const char *const *col)
{
	(void)arg;
	printf("%-20s %3s member%s  %s\n", col[0], col[1] ? col[1] : "0",
	    col[1] != NULL && strcmp(col[1], "1") == 0 ? " " : "s",
	    col[2] ? col[2] : "");
	return 0;
}

/* contacts group add NAME ADDRESS... | list | remove NAME [ADDRESS...] */
static int
cmd_contacts_group(int argc, char **argv)
{
	struct config *cfg;
	struct store *st;
	struct err err;
	const char *sub;
	int i, ret = 0;

	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	sub = argv[1];
	if (strcmp(sub, "add") == 0 && argc < 4) {
		fprintf(stderr, "flagpost: contacts group add NAME ADDRESS...\n");
		return EX_USAGE;
	} else if (strcmp(sub, "remove") == 0 && argc < 3) {
		fprintf(stderr, "flagpost: contacts group remove NAME "
		    "[ADDRESS...]\n");
		return EX_USAGE;
	} else if (strcmp(sub, "list") == 0 && argc != 2) {
		fprintf(stderr, "flagpost: contacts group list\n");
		return EX_USAGE;
	} else if (strcmp(sub, "add") != 0 && strcmp(sub, "remove") != 0 &&
	    strcmp(sub, "list") != 0) {
		fprintf(stderr, "flagpost: contacts group: unknown command "
		    "'%s'\n", sub);
		return EX_USAGE;
	}
	if (strcmp(sub, "list") != 0 && (strchr(argv[2], '@') != NULL ||
	    argv[2][0] == '\0')) {
		fprintf(stderr, "flagpost: '%s' is not a group name: a group "
		    "is named without '@'\n", argv[2]);
		return EX_USAGE;
	}
	cfg = load_config();
	st = open_store(cfg);
	err_clear(&err);
	if (strcmp(sub, "list") == 0)
		(void)store_groups_each(st, print_group, NULL, &err);
	else if (strcmp(sub, "add") == 0) {
		/* all or none */
		if (store_begin(st, &err) == 0) {
			for (i = 3; i < argc; i++)
				if (store_group_add(st, argv[2], argv[i],
				    &err) == -1)
					break;
			if (i < argc)
				store_rollback(st);
			else if (store_commit(st, &err) == 0)
				printf("group %s: added %d contact%s\n",
				    argv[2], argc - 3, argc == 4 ? "" : "s");
		}
	} else if (argc == 3) {
		if (store_group_remove(st, argv[2], NULL, &err) == 0)
			printf("removed group %s\n", argv[2]);
	} else if (store_begin(st, &err) == 0) {
		for (i = 3; i < argc; i++)
			if (store_group_remove(st, argv[2], argv[i],
			    &err) == -1)
				break;
		if (i < argc)
			store_rollback(st);
		else if (store_commit(st, &err) == 0)
			printf("group %s: removed %d contact%s\n", argv[2],
			    argc - 3, argc == 4 ? "" : "s");
	}
	if (err.cls != ERR_NONE) {
		fprintf(stderr, "flagpost: %s\n", err.msg);
		ret = err.cls == ERR_MSG ? 1 : exit_for(&err);
	}
	store_close(&st);
	config_free(&cfg);
	return ret;
}

static int
cmd_contacts(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "platform", required_argument, NULL, 'p' },
		{ "languages", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct config *cfg;
	struct store *st;
	struct contact c, *cp = NULL, **list = NULL;
	struct err err;
	const char *sub;
	size_t n, i;
	int ch, ret = 0;

	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	sub = argv[1];
	argc--;
	argv++;
	if (strcmp(sub, "group") == 0)
		return cmd_contacts_group(argc, argv);
	memset(&c, 0, sizeof(c));
	err_clear(&err);
	if (strcmp(sub, "add") == 0) {
		optind = 0;	/* GNU getopt: start over, permuting again */
		while ((ch = getopt_long(argc, argv, "n:p:l:", opts, NULL)) !=
		    -1) {
			switch (ch) {
			case 'n':
				c.name = optarg;
				break;
			case 'p':
				c.platform = optarg;
				break;
			case 'l':
				c.languages = optarg;
				break;
			default:
				usage(stderr);
				return EX_USAGE;
			}
		}
		if (optind != argc - 1 || !address_ok(argv[optind])) {
			fprintf(stderr, "flagpost: contacts add ADDRESS needs "
			    "one mail address\n");
			return EX_USAGE;
		}
		c.address = argv[optind];
	} else if ((strcmp(sub, "show") == 0 || strcmp(sub, "remove") == 0) &&
	    argc != 2) {
		fprintf(stderr, "flagpost: contacts %s ADDRESS\n", sub);
		return EX_USAGE;
	} else if (strcmp(sub, "list") == 0 && argc != 1) {
		usage(stderr);
		return EX_USAGE;
	} else if (strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0 &&
	    strcmp(sub, "remove") != 0) {
		fprintf(stderr, "flagpost: contacts: unknown command '%s'\n",
		    sub);
		return EX_USAGE;
	}

	cfg = load_config();
	st = open_store(cfg);
	if (strcmp(sub, "add") == 0) {
		if (store_contact_add(st, &c, NULL, &err) == 0)
			printf("added contact %s\n", c.address);
	} else if (strcmp(sub, "list") == 0) {
		if (store_contact_list(st, &list, &n, &err) == 0) {
			for (i = 0; i < n; i++) {
				print_contact(list[i], false);
				contact_free(&list[i]);
			}
			free(list);
		}
	} else if (strcmp(sub, "show") == 0) {
		if (store_contact_get(st, argv[1], &cp, &err) == 0) {
			if (cp == NULL) {
				fprintf(stderr, "flagpost: no contact with the "
				    "address '%s'\n", argv[1]);
				ret = 1;
			} else
				print_contact(cp, true);
			contact_free(&cp);
		}
	} else if (store_contact_remove(st, argv[1], &err) == 0)
		printf("removed contact %s\n", argv[1]);
	if (err.cls != ERR_NONE) {
		fprintf(stderr, "flagpost: %s\n", err.msg);
		ret = err.cls == ERR_MSG ? 1 : exit_for(&err);
	}
	store_close(&st);
	config_free(&cfg);
	return ret;
}

/* ---------------------------------------------------------------- records */

static bool
date_ok(const char *s)
{
	long long y, m, d;
	char tmp[11];

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	memcpy(tmp, s, 11);
	tmp[4] = tmp[7] = '\0';
	return str_tonum(tmp, 1970, 9999, &y) == 0 &&
	    str_tonum(tmp + 5, 1, 12, &m) == 0 &&
	    str_tonum(tmp + 8, 1, 31, &d) == 0;
}

static int
cmd_records(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "org", required_argument, NULL, 'o' },
		{ "since", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct record_filter f;
	struct config *cfg;
	struct store *st;
	struct err err;
	const char *sub;
	int ch, r, ret = 0;

	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	sub = argv[1];
	argc--;
	argv++;
	memset(&f, 0, sizeof(f));
	err_clear(&err);
	if (strcmp(sub, "list") == 0) {
		optind = 0;	/* GNU getopt: start over, permuting again */
		while ((ch = getopt_long(argc, argv, "k:o:s:", opts, NULL)) !=
		    -1) {
			switch (ch) {
			case 'k':
				if (kind_parse(optarg) == KIND_NONE) {
					fprintf(stderr, "flagpost: --kind '%s' "
					    "is not a kind\n", optarg);
					return EX_USAGE;
				}
				f.kind = kind_name(kind_parse(optarg));
				break;
			case 'o':
				f.org = optarg;
				break;
			case 's':
				if (!date_ok(optarg)) {
					fprintf(stderr, "flagpost: --since '%s' "
					    "is not a date (YYYY-MM-DD)\n",
					    optarg);
					return EX_USAGE;
				}
				f.since = optarg;
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
	} else if (strcmp(sub, "show") != 0 || argc != 2) {
		usage(stderr);
		return EX_USAGE;
	}
	cfg = load_config();
	st = open_store(cfg);
	if (strcmp(sub, "list") == 0)
		r = report_records_list(st, &f, stdout, &err);
	else if ((r = report_record_show(st, argv[1], stdout, &err)) == 1) {
		fprintf(stderr, "flagpost: no record '%s'\n", argv[1]);
		ret = 1;
	}
	if (r == -1) {
		fprintf(stderr, "flagpost: %s\n", err.msg);
		ret = exit_for(&err);
	}
	store_close(&st);
	config_free(&cfg);
	return ret;
}

static int
cmd_messages(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", required_argument, NULL, 's' },
		{ "since", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *status = NULL, *since = NULL, *sub;
	struct config *cfg;
	struct store *st;
	struct err err;
	long long id = 0;
	int ch, r, ret = 0;

	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	sub = argv[1];
	argc--;
	argv++;
	err_clear(&err);
	if (strcmp(sub, "list") == 0) {
		optind = 0;	/* GNU getopt: start over, permuting again */
		while ((ch = getopt_long(argc, argv, "s:d:", opts, NULL)) !=
		    -1) {
			switch (ch) {
			case 's':
				status = optarg;
				break;
			case 'd':
				if (!date_ok(optarg)) {
					fprintf(stderr, "flagpost: --since '%s' "
					    "is not a date (YYYY-MM-DD)\n",
					    optarg);
					return EX_USAGE;
				}
				since = optarg;
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
	} else if (strcmp(sub, "show") != 0 || argc != 2 ||
	    str_tonum(argv[1], 1, INT64_MAX, &id) == -1) {
		usage(stderr);
		return EX_USAGE;
	}
	cfg = load_config();
	st = open_store(cfg);
	if (strcmp(sub, "list") == 0)
		r = report_messages_list(st, status, since, stdout, &err);
	else if ((r = report_message_show(st, id, stdout, &err)) == 1) {
		fprintf(stderr, "flagpost: no message %lld\n", id);
		ret = 1;
	}
	if (r == -1) {
		fprintf(stderr, "flagpost: %s\n", err.msg);
		ret = exit_for(&err);
	}
	store_close(&st);
	config_free(&cfg);
	return ret;
}

/* ---------------------------------------------------------------- rules */

static void
print_line(void *arg, const char *line)
{
	printf("%s%s\n", arg != NULL ? (const char *)arg : "", line);
}

static struct rules *
load_rules(const struct config *cfg)
{
	struct rules *set = NULL;
	int n;

	if ((n = route_rules_load(cfg, &set, report_stderr, NULL)) != 0) {
		fprintf(stderr, "flagpost: %s: %d problem%s (see above)\n",
		    cfg->rules_dir, n, n == 1 ? "" : "s");
		return NULL;
	}
	return set;
}

/* rules test: one mail */
static char indent[] = "  ";

static int
rules_test_mail(const struct config *cfg, struct ingest *in,
    const struct rules *set, struct rules_matcher *m, const char *file)
{
	struct ingest_preview pv;
	struct rules_record rec;
	struct rules_result res;
	struct buf b;
	struct err err;
	const struct mime_msg *msg;
	size_t size, i;
	char sha[SHA256_HEX_LEN], *json;
	int fd, ret = 0;

	buf_init(&b, cfg->mime.max_size + 1);
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1 ||
	    read_mail(fd, cfg->mime.max_size, &b, &size, sha) == -1) {
		fprintf(stderr, "flagpost: %s: %s\n", file, strerror(errno));
		if (fd != -1)
			close(fd);
		buf_free(&b);
		return EX_NOINPUT;
	}
	close(fd);
	err_clear(&err);
	if (ingest_preview(in, b.data, b.len, &pv, &err) == -1) {
		fprintf(stderr, "flagpost: %s\n", err.msg);
		buf_free(&b);
		return exit_for(&err);
	}
	msg = pv.pr.p.msg;
	printf("mail %s\n", file);
	if (msg != NULL)
		printf("  from %s%s%s%s\n", msg->from_addr ? msg->from_addr :
		    "(no address)", pv.org ? " (" : "", pv.org ? pv.org : "",
		    pv.org ? ")" : "");
	printf("  would be %s%s%s\n", pv.status, pv.reason ? ": " : "",
	    pv.reason ? pv.reason : "");
	if (pv.v != NULL && strcmp(pv.status, "quarantined") == 0)
		printf("  the records below are routed as if it were "
		    "accepted\n");
	for (i = 0; pv.v != NULL && i < pv.v->nprob; i++)
		printf("  problem: %s\n", pv.v->prob[i].text);
	for (i = 0; pv.v != NULL && i < pv.v->nrec; i++) {
		const struct record *r = &pv.v->rec[i];

		memset(&rec, 0, sizeof(rec));
		rec.kind = kind_name(r->kind);
		rec.org = pv.org;
		rec.sender = msg->from_addr;
		rec.hdr = msg->hdr;
		rec.nhdr = msg->nhdr;
		rec.body = msg->text;
		json = record_fields_json(r);
		(void)route_record_from_json(json, &rec);
		free(json);
		printf("record %zu of %zu: %s%s%s\n", i + 1, pv.v->nrec,
		    rec.kind, r->url ? " " : "", r->url ? r->url : "");
		if (r->kind == KIND_OUTCOME) {
			printf("  outcomes are not routed: they go back to "
			    "the notifier\n");
			rules_record_clear(&rec);
			continue;
		}
		rules_eval(set, m, &rec, true, &res);
		if (res.matched == 0 && res.ntrace == 0)
			printf("  no rule matched\n");
		for (size_t j = 0; j < res.ntrace; j++)
			printf("  %s\n", res.trace[j]);
		if (!res.quarantined && (res.urgent ||
		    route_urgent_by_kind(&rec)))
			printf("  urgent: sent at once\n");
		if (route_explain(cfg, in->st, &res, print_line, indent,
		    &err) == -1) {
			fprintf(stderr, "flagpost: %s\n", err.msg);
			ret = exit_for(&err);
		}
		if (strcmp(rec.kind, "hub") == 0 && !res.quarantined)
			printf("  and to the knowledge hub\n");
		rules_result_clear(&res);
		rules_record_clear(&rec);
	}
	ingest_preview_free(&pv);
	buf_free(&b);
	return ret;
}

static int
print_trace(void *arg, const char *const *col)
{
	(void)arg;
	printf("  %s\n", col[0]);
	return 0;
}

static int
print_route(void *arg, const char *const *col)
{
	/* seq, rule, location, target, address, urgent, digest_only */
	(void)arg;
	printf("  to %s", col[4]);
	if (col[1] != NULL)
		printf(" (rule %s, %s", col[1], col[2]);
	else
		printf(" (%s", col[2]);
	if (strcmp(col[3], col[4]) != 0)
		printf(", via %s", col[3]);
	printf(")%s%s\n", col[6] && strcmp(col[6], "1") == 0 ?
	    ", digest only" : "", col[5] && strcmp(col[5], "1") == 0 ?
	    ", urgent" : "");
	return 0;
}

static int
print_outbox(void *arg, const char *const *col)
{
	/* id, kind, recipient, urgent, status, due, attempts */
	(void)arg;
	if (col[2] != NULL)
		printf("  outbox #%s: %s to %s%s, %s\n", col[0], col[1], col[2],
		    col[3] && strcmp(col[3], "1") == 0 ? " (urgent)" : "",
		    col[4]);
	else
		printf("  outbox #%s: %s post, %s\n", col[0], col[1], col[4]);
	return 0;
}

static int
rules_explain(struct store *st, const char *ref)
{
	struct record_info *r = NULL;
	struct err err;
	int ret = 0;

	err_clear(&err);
	if (store_record_get(st, ref, &r, &err) == -1)
		goto fail;
	if (r == NULL) {
		fprintf(stderr, "flagpost: no record '%s'\n", ref);
		return 1;
	}
	printf("record %s: %s, %s", r->ref, r->kind, r->status);
	if (r->routed != NULL)
		printf(" at %s", r->routed);
	printf("\n");
	if (r->routed == NULL) {
		printf("  %s\n", strcmp(r->kind, "outcome") == 0 ?
		    "outcomes are not routed: they go back to the notifier" :
		    "not routed yet");
		goto out;
	}
	if (r->reason != NULL)
		printf("  quarantined: %s\n", r->reason);
	printf("why:\n");
	if (store_route_trace_each(st, r->id, print_trace, NULL, &err) == -1)
		goto fail;
	printf("routes:\n");
	if (store_routes_each(st, r->id, print_route, NULL, &err) == -1 ||
	    store_outbox_of_record_each(st, r->id, print_outbox, NULL,
	    &err) == -1)
		goto fail;
	goto out;
fail:
	fprintf(stderr, "flagpost: %s\n", err.msg);
	ret = exit_for(&err);
out:
	record_info_free(&r);
	return ret;
}

static int
cmd_rules(int argc, char **argv)
{
	struct config *cfg;
	struct rules *set = NULL;
	struct rules_matcher *m = NULL;
	struct store *st = NULL;
	struct ingest in;
	struct err err;
	const char *sub;
	int i, r, ret = 0;

	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	sub = argv[1];
	if ((strcmp(sub, "list") == 0 && argc != 2) ||
	    (strcmp(sub, "test") == 0 && argc < 3) ||
	    (strcmp(sub, "explain") == 0 && argc != 3)) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(sub, "list") != 0 && strcmp(sub, "test") != 0 &&
	    strcmp(sub, "explain") != 0) {
		fprintf(stderr, "flagpost: rules: unknown command '%s'\n", sub);
		return EX_USAGE;
	}
	cfg = load_config();
	if (strcmp(sub, "explain") == 0) {
		st = open_store(cfg);
		ret = rules_explain(st, argv[2]);
		goto out;
	}
	if ((set = load_rules(cfg)) == NULL) {
		ret = 1;
		goto out;
	}
	if (strcmp(sub, "list") == 0) {
		rules_list(set, print_line, NULL);
		printf("%zu rule%s in %zu file%s of %s\n", rules_count(set),
		    rules_count(set) == 1 ? "" : "s", rules_nfiles(set),
		    rules_nfiles(set) == 1 ? "" : "s", cfg->rules_dir);
		goto out;
	}
	st = open_store(cfg);
	err_clear(&err);
	if (ingest_init(&in, cfg, st, KIND_NONE, &err) == -1) {
		fprintf(stderr, "flagpost: %s\n", err.msg);
		ret = exit_for(&err);
		goto out;
	}
	m = rules_matcher_new(set);
	for (i = 2; i < argc; i++) {
		if (i > 2)
			printf("\n");
		if ((r = rules_test_mail(cfg, &in, set, m, argv[i])) != 0 &&
		    ret == 0)
			ret = r;
	}
	ingest_deinit(&in);
out:
	rules_matcher_free(&m);
	rules_free(&set);
	store_close(&st);
	config_free(&cfg);
	return ret;
}

/* ---------------------------------------------------------------- queue */

static void
print_item(const struct outbox_item *o, bool full)
{
	if (!full) {
		printf("%-6lld %-8s %-7s %s %2d  %-20s  %s%s%s\n",
		    (long long)o->id, o->status, o->kind,
		    o->urgent ? "!" : " ", o->attempts, o->due,
		    o->recipient != NULL ? o->recipient : "(the hub)",
		    o->last_error != NULL ? "  " : "",
		    o->last_error != NULL ? o->last_error : "");
		return;
	}
	printf("id: %lld\n", (long long)o->id);
	printf("kind: %s\n", o->kind);
	printf("status: %s\n", o->status);
	printf("recipient: %s\n", o->recipient != NULL ? o->recipient :
	    "(the hub)");
	printf("urgent: %s\n", o->urgent ? "yes" : "no");
	printf("attempts: %d\n", o->attempts);
	printf("due: %s\n", o->due);
	printf("created: %s\n", o->created);
	printf("updated: %s\n", o->updated != NULL ? o->updated : "-");
	printf("message-id: %s%s%s\n", o->message_id != NULL ? "<" : "",
	    o->message_id != NULL ? o->message_id : "-",
	    o->message_id != NULL ? ">" : "");
	if (o->record > 0)
		printf("record: %lld\n", (long long)o->record);
	if (o->message > 0)
		printf("message: %lld\n", (long long)o->message);
	printf("last error: %s\n", o->last_error != NULL ? o->last_error :
	    "-");
}

static int
cmd_queue(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct outbox_item *items = NULL, o;
	struct deliver *d = NULL;
	struct config *cfg;
	struct store *st;
	struct buf mail = BUF_INIT(256u * 1024 * 1024);
	struct err err;
	const char *sub, *status = NULL;
	long long id;
	size_t n = 0, i;
	bool found;
	int ch, ret = 0;

	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	sub = argv[1];
	argc--;
	argv++;
	if (strcmp(sub, "list") == 0) {
		optind = 0;	/* GNU getopt: start over, permuting again */
		while ((ch = getopt_long(argc, argv, "s:", opts, NULL)) != -1) {
			if (ch != 's') {
				usage(stderr);
				return EX_USAGE;
			}
			status = optarg;
		}
		if (optind != argc) {
			usage(stderr);
			return EX_USAGE;
		}
	} else if (strcmp(sub, "show") == 0 || strcmp(sub, "retry") == 0 ||
	    strcmp(sub, "drop") == 0) {
		if (argc < 2 || (strcmp(sub, "show") == 0 && argc != 2)) {
			fprintf(stderr, "flagpost: queue %s ID%s\n", sub,
			    strcmp(sub, "show") == 0 ? "" : "...");
			return EX_USAGE;
		}
		for (i = 1; i < (size_t)argc; i++)
			if (str_tonum(argv[i], 1, INT64_MAX, &id) == -1) {
				fprintf(stderr, "flagpost: '%s' is not a queue "
				    "id\n", argv[i]);
				return EX_USAGE;
			}
	} else {
		fprintf(stderr, "flagpost: queue: unknown command '%s'\n", sub);
		return EX_USAGE;
	}
	cfg = load_config();
	st = open_store(cfg);
	err_clear(&err);
	if (strcmp(sub, "list") == 0) {
		if (store_outbox_list(st, status, &items, &n, &err) == 0)
			for (i = 0; i < n; i++)
				print_item(&items[i], false);
		outbox_items_free(&items, n);
	} else if (strcmp(sub, "show") == 0) {
		(void)str_tonum(argv[1], 1, INT64_MAX, &id);
		if (store_outbox_get(st, id, &o, &found, &err) == 0) {
			if (!found) {
				fprintf(stderr, "flagpost: no queued mail "
				    "#%lld\n", id);
				ret = 1;
			} else {
				print_item(&o, true);
				if (strcmp(o.kind, "hub") != 0 &&
				    deliver_new(cfg, &d, &err) == 0 &&
				    deliver_compose(d, st, &o, &mail,
				    &err) == 0)
					printf("\n%s", buf_str(&mail));
				else if (strcmp(o.kind, "hub") != 0)
					printf("\n(cannot show the mail: %s)\n",
					    err.msg);
				err_clear(&err);
				outbox_item_clear(&o);
			}
		}
	} else {
		for (i = 1; i < (size_t)argc && err.cls == ERR_NONE; i++) {
			(void)str_tonum(argv[i], 1, INT64_MAX, &id);
			if ((strcmp(sub, "retry") == 0 ?
			    store_outbox_requeue(st, id, &err) :
			    store_outbox_drop(st, id, &err)) == 0)
				printf("%s #%lld\n", strcmp(sub, "retry") == 0 ?
				    "queued again" : "dropped", id);
		}
	}
	if (err.cls != ERR_NONE) {
		fprintf(stderr, "flagpost: %s\n", err.msg);
		ret = err.cls == ERR_MSG ? 1 : exit_for(&err);
	}
	deliver_free(&d);
	buf_free(&mail);
	store_close(&st);
	config_free(&cfg);
	return ret;
}

/* ---------------------------------------------------------------- daemon */

/* the rules the stages run with; -1 (reported) when they have problems */
static int
stage_rules(const struct config *cfg, struct rules **set_r)
{
	int n;

	if ((n = daemon_rules_load(cfg, set_r, report_stderr, NULL)) == 0)
		return 0;
	fprintf(stderr, "flagpost: %s: %d problem%s (see above)\n",
	    cfg->rules_dir, n, n == 1 ? "" : "s");
	return -1;
}

static int
cmd_run_once(int argc, char **argv)
{
	struct config *cfg;
	struct rules *set = NULL;
	int status;

	(void)argv;
	if (argc != 1) {
		usage(stderr);
		return EX_USAGE;
	}
	cfg = load_config();
	if (cfg->ninbox == 0)
		log_warnx("%s: no [inbox NAME]: nothing to fetch", cfg->path);
	if (cfg->auth_policy == AUTH_NONE)
		log_warnx("[auth] policy = none: senders are not "
		    "authenticated (for tests only)");
	if (stage_rules(cfg, &set) == -1) {
		config_free(&cfg);
		return EX_CONFIG;
	}
	status = daemon_run_once(cfg, set);
	rules_free(&set);
	config_free(&cfg);
	return status;
}

static int
cmd_daemon(int argc, char **argv)
{
	const char *path = conf_path;
	struct config *cfg;
	struct rules *set = NULL;
	bool foreground = false;
	int ch;

	optind = 0;	/* GNU getopt: start over, permuting again */
	while ((ch = getopt(argc, argv, "f")) != -1) {
		switch (ch) {
		case 'f':
			foreground = true;
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
	if (path == NULL && (path = getenv("FLAGPOST_CONF")) == NULL)
		path = CONFIG_DEFAULT_PATH;
	cfg = load_config();
	if (stage_rules(cfg, &set) == -1) {
		config_free(&cfg);
		return EX_CONFIG;
	}
	return daemon_main(path, cfg, set, foreground);
}

/* ---------------------------------------------------------------- main */

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{ "check", cmd_check },
	{ "daemon", cmd_daemon },
	{ "run-once", cmd_run_once },
	{ "ingest", cmd_ingest },
	{ "orgs", cmd_orgs },
	{ "contacts", cmd_contacts },
	{ "rules", cmd_rules },
	{ "queue", cmd_queue },
	{ "records", cmd_records },
	{ "messages", cmd_messages },
	{ "lists", cmd_lists },
	{ "digest", cmd_digest },
};

int
main(int argc, char **argv)
{
	size_t i;
	int ch;

	while ((ch = getopt(argc, argv, "+c:vhV")) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("flagpost %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	log_init("flagpost", true, verbose);
	/* libetpan writes to sockets without MSG_NOSIGNAL */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 1) {
		usage(stderr);
		return EX_USAGE;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			return commands[i].fn(argc, argv);
	fprintf(stderr, "flagpost: unknown command '%s'\n", argv[0]);
	usage(stderr);
	return EX_USAGE;
}
