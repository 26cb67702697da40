/* daemon.c: the service loop: every inbox on its own thread, signals */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>

#include "daemon.h"
#include "deliver.h"
#include "digest.h"
#include "fetch.h"
#include "ingest.h"
#include "log.h"
#include "route.h"
#include "store.h"

unsigned
daemon_backoff(unsigned min, unsigned max, unsigned failures)
{
	unsigned long long d = min ? min : 1;
	unsigned r = 0;

	while (failures-- > 1 && d < max)
		d *= 2;
	if (d > max)
		d = max;
	/* jitter: somewhere in the upper half, so inboxes do not march */
	if (gnutls_rnd(GNUTLS_RND_NONCE, &r, sizeof(r)) < 0)
		r = (unsigned)time(NULL);
	return (unsigned)(d - (d / 2) * (r % 1000) / 1000);
}

static void
print_stats(const struct inbox_conf *ic, const struct fetch_stats *fs)
{
	printf("inbox %s: %zu new mail%s", ic->name, fs->mails,
	    fs->mails == 1 ? "" : "s");
	if (fs->mails > 0)
		printf(" (%zu accepted, %zu rejected, %zu quarantined, "
		    "%zu not a form, %zu duplicates)",
		    fs->outcome[INGEST_ACCEPTED], fs->outcome[INGEST_REJECTED],
		    fs->outcome[INGEST_QUARANTINED],
		    fs->outcome[INGEST_UNRECOGNISED],
		    fs->outcome[INGEST_DUPLICATE]);
	putchar('\n');
	fflush(stdout);
}

/* run-once: the outbox over cfg->connections connections at once */
struct share {
	pthread_t tid;
	const struct config *cfg;
	unsigned mod, rem;
	struct deliver_stats ds;
	struct err err;
	int ret;
};

static void *
share_main(void *arg)
{
	struct share *sh = arg;
	struct deliver *d = NULL;
	struct store *st = NULL;
	bool more = true;

	err_clear(&sh->err);
	sh->ret = -1;
	if (store_open(sh->cfg->store, &st, &sh->err) == -1 ||
	    deliver_new(sh->cfg, &d, &sh->err) == -1)
		goto out;
	sh->ret = 0;
	while (more && sh->ret == 0)
		sh->ret = deliver_pass(d, st, sh->mod, sh->rem, &sh->ds, &more,
		    &sh->err);
out:
	deliver_free(&d);
	store_close(&st);
	return NULL;
}

static int
deliver_parallel(const struct config *cfg, struct deliver_stats *ds,
    struct err *err)
{
	struct share *sh;
	unsigned n = cfg->connections > 0 ? cfg->connections : 1, i;
	int ret = 0;

	sh = xcalloc(n, sizeof(*sh));
	for (i = 0; i < n; i++) {
		sh[i].cfg = cfg;
		sh[i].mod = n;
		sh[i].rem = i;
		if (n == 1)
			share_main(&sh[i]);
		else if (pthread_create(&sh[i].tid, NULL, share_main,
		    &sh[i]) != 0)
			fatalx("cannot start a delivery thread");
	}
	for (i = 0; i < n; i++) {
		if (n > 1)
			pthread_join(sh[i].tid, NULL);
		ds->sent += sh[i].ds.sent;
		ds->retry += sh[i].ds.retry;
		ds->failed += sh[i].ds.failed;
		ds->hub_stored += sh[i].ds.hub_stored;
		ds->waiting += sh[i].ds.waiting;
		if (sh[i].ret == -1 && ret == 0) {
			*err = sh[i].err;
			ret = -1;
		}
	}
	free(sh);
	return ret;
}

static void
print_route_stats(const struct route_stats *rs)
{
	printf("routing: %zu record%s", rs->records,
	    rs->records == 1 ? "" : "s");
	if (rs->records > 0)
		printf(" (%zu routed, %zu by the default, %zu quarantined); "
		    "%zu notice%s and %zu hub post%s queued", rs->routed,
		    rs->defaulted, rs->quarantined, rs->notices,
		    rs->notices == 1 ? "" : "s", rs->hub,
		    rs->hub == 1 ? "" : "s");
	if (rs->limit_hits > 0)
		printf("; %zu pattern%s hit a limit (see the log)",
		    rs->limit_hits, rs->limit_hits == 1 ? "" : "s");
	putchar('\n');
	fflush(stdout);
}

int
daemon_run_once(const struct config *cfg, const struct rules *set)
{
	struct route_stats rs;
	struct fetch_stats fs;
	struct ingest in;
	struct store *st = NULL;
	struct imap *im;
	struct err err;
	size_t i;
	int status = 0;

	err_clear(&err);
	if (store_open(cfg->store, &st, &err) == -1) {
		log_warnx("%s", err.msg);
		return err.cls == ERR_CONFIG ? EX_CONFIG : EX_TEMPFAIL;
	}
	if (ingest_init(&in, cfg, st, KIND_NONE, &err) == -1) {
		log_warnx("%s", err.msg);
		store_close(&st);
		return EX_TEMPFAIL;
	}
	for (i = 0; i < cfg->ninbox; i++) {
		im = NULL;
		memset(&fs, 0, sizeof(fs));
		err_clear(&err);
		if (fetch_inbox(&in, &cfg->inbox[i], &im, NULL, &fs,
		    &err) == -1) {
			printf("inbox %s: failed after %zu new mails: %s\n",
			    cfg->inbox[i].name, fs.mails, err.msg);
			fflush(stdout);
			status = err.cls == ERR_CONFIG ? EX_CONFIG : EX_TEMPFAIL;
		} else
			print_stats(&cfg->inbox[i], &fs);
		imap_close(&im);
	}
	if (set != NULL) {
		memset(&rs, 0, sizeof(rs));
		err_clear(&err);
		if (route_all(cfg, set, st, &rs, &err) == -1) {
			printf("routing: failed after %zu records: %s\n",
			    rs.records, err.msg);
			fflush(stdout);
			if (status == 0 || err.cls == ERR_CONFIG)
				status = err.cls == ERR_CONFIG ? EX_CONFIG :
				    EX_TEMPFAIL;
		} else
			print_route_stats(&rs);
	}
	if (cfg->nlist > 0) {
		size_t queued;

		err_clear(&err);
		if (digest_run(cfg, st, NULL, now_epoch(), false, stdout,
		    &queued, &err) == -1) {
			printf("digests: failed: %s\n", err.msg);
			if (status == 0 || err.cls == ERR_CONFIG)
				status = err.cls == ERR_CONFIG ? EX_CONFIG :
				    EX_TEMPFAIL;
		}
		fflush(stdout);
	}
	if (cfg->smtp || cfg->hub) {
		struct deliver_stats ds;

		memset(&ds, 0, sizeof(ds));
		err_clear(&err);
		if (deliver_parallel(cfg, &ds, &err) == -1) {
			printf("delivery: failed after %zu sent: %s\n", ds.sent,
			    err.msg);
			if (status == 0 || err.cls == ERR_CONFIG)
				status = err.cls == ERR_CONFIG ? EX_CONFIG :
				    EX_TEMPFAIL;
		} else {
			printf("delivery: %zu sent, %zu to try again, %zu "
			    "failed, %zu hub post%s stored", ds.sent, ds.retry,
			    ds.failed, ds.hub_stored,
			    ds.hub_stored == 1 ? "" : "s");
			if (ds.waiting > 0)
				printf(", %zu waiting for [%s]", ds.waiting,
				    cfg->smtp ? "hub" : "smtp");
			putchar('\n');
			if (ds.retry > 0 && status == 0)
				status = EX_TEMPFAIL;
		}
		fflush(stdout);
	}
	ingest_deinit(&in);
	store_close(&st);
	return status;
}

/* ---------------------------------------------------------------- daemon */

static volatile int stopping;

struct worker {
	pthread_t tid;
	const struct config *cfg;
	const struct inbox_conf *ic;
	const struct rules *set;	/* the router's */
	unsigned mod, rem;		/* a deliverer's share of the outbox */
	bool deliverer;
	bool digester;
};

/*
 * The stages sleep on this until a worker stored mail or the router
 * queued some, or a while: each waiter remembers the last kick it saw.
 */
static pthread_mutex_t kick_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t kick_cv = PTHREAD_COND_INITIALIZER;
static unsigned long kicks;
static unsigned long router_passes;	/* under kick_mu */

#define ROUTER_INTERVAL 5	/* seconds: records from `flagpost ingest` */
#define DELIVER_INTERVAL 2	/* seconds: mails whose retry comes due */
#define DIGEST_INTERVAL 30	/* seconds: the schedules of the lists */

static void
router_kick(void)
{
	pthread_mutex_lock(&kick_mu);
	kicks++;
	pthread_cond_broadcast(&kick_cv);
	pthread_mutex_unlock(&kick_mu);
}

static void
stage_wait(unsigned long *seen, unsigned seconds)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += seconds;
	pthread_mutex_lock(&kick_mu);
	while (kicks == *seen && !stopping)
		if (pthread_cond_timedwait(&kick_cv, &kick_mu, &ts) != 0)
			break;
	*seen = kicks;
	pthread_mutex_unlock(&kick_mu);
}

/* a stage failed: logged, and a wait that grows with the failures */
static void
stage_failed(const struct config *cfg, const char *stage,
    const struct err *err, unsigned *failures, unsigned long *seen)
{
	unsigned wait;

	(*failures)++;
	wait = daemon_backoff(cfg->backoff_min, cfg->backoff_max, *failures);
	log_warnx("%s: %s; trying again in %u s", stage, err->msg, wait);
	stage_wait(seen, wait);
}

static void *
deliverer_main(void *arg)
{
	struct worker *w = arg;
	struct deliver_stats ds;
	struct deliver *d = NULL;
	struct store *st = NULL;
	struct err err;
	unsigned failures = 0;
	unsigned long seen = 0;
	bool more;

	while (!stopping) {
		err_clear(&err);
		if (st == NULL && store_open(w->cfg->store, &st, &err) == -1)
			goto failed;
		if (d == NULL && deliver_new(w->cfg, &d, &err) == -1)
			goto failed;
		do {
			memset(&ds, 0, sizeof(ds));
			if (deliver_pass(d, st, w->mod, w->rem, &ds, &more,
			    &err) == -1)
				goto failed;
		} while (more && !stopping);
		failures = 0;
		stage_wait(&seen, DELIVER_INTERVAL);
		continue;
failed:
		store_close(&st);
		deliver_free(&d);
		stage_failed(w->cfg, "delivery", &err, &failures, &seen);
	}
	deliver_free(&d);
	store_close(&st);
	return NULL;
}

static void *
router_main(void *arg)
{
	struct worker *w = arg;
	struct rules_matcher *m = rules_matcher_new(w->set);
	struct route_stats rs;
	struct store *st = NULL;
	struct err err;
	unsigned failures = 0;
	unsigned long seen = 0;
	bool more;

	while (!stopping) {
		err_clear(&err);
		if (st == NULL && store_open(w->cfg->store, &st, &err) == -1)
			goto failed;
		do {
			memset(&rs, 0, sizeof(rs));
			if (route_pass(w->cfg, w->set, m, st, &rs, &more,
			    &err) == -1)
				goto failed;
			if (rs.records > 0)
				log_info("routed %zu records: %zu by the rules, "
				    "%zu by the default, %zu quarantined; %zu "
				    "notices, %zu hub posts queued", rs.records,
				    rs.routed - rs.defaulted, rs.defaulted,
				    rs.quarantined, rs.notices, rs.hub);
			if (rs.notices + rs.hub > 0)
				router_kick();
		} while (more && !stopping);
		failures = 0;
		pthread_mutex_lock(&kick_mu);
		router_passes++;
		pthread_mutex_unlock(&kick_mu);
		stage_wait(&seen, ROUTER_INTERVAL);
		continue;
failed:
		store_close(&st);
		stage_failed(w->cfg, "routing", &err, &failures, &seen);
	}
	rules_matcher_free(&m);
	store_close(&st);
	return NULL;
}

static void nap(unsigned seconds);

/* the lists' schedules: a due digest is queued, and the deliverers woken */
static void *
digester_main(void *arg)
{
	struct worker *w = arg;
	struct store *st = NULL;
	struct err err;
	unsigned failures = 0;
	unsigned long seen = 0, passes, start_passes;
	size_t queued;
	int i;

	pthread_mutex_lock(&kick_mu);
	start_passes = router_passes;
	pthread_mutex_unlock(&kick_mu);

	/* after the router's first pass: what came in during a downtime is
	 * routed before the digest that catches up is made (a minute at
	 * most: a router that fails leaves it to the next digest) */
	for (i = 0; w->set != NULL && i < 60 && !stopping; i++) {
		pthread_mutex_lock(&kick_mu);
		passes = router_passes;
		pthread_mutex_unlock(&kick_mu);
		if (passes > start_passes)
			break;
		nap(1);
	}
	while (!stopping) {
		err_clear(&err);
		if (st == NULL && store_open(w->cfg->store, &st, &err) == -1)
			goto failed;
		if (digest_run(w->cfg, st, NULL, now_epoch(), false, NULL,
		    &queued, &err) == -1)
			goto failed;
		if (queued > 0)
			router_kick();
		failures = 0;
		nap(DIGEST_INTERVAL);
		continue;
failed:
		store_close(&st);
		stage_failed(w->cfg, "digests", &err, &failures, &seen);
	}
	store_close(&st);
	return NULL;
}

/* sleeps `seconds`, waking early when the daemon stops */
static void
nap(unsigned seconds)
{
	struct timespec ts = { 1, 0 };

	while (seconds-- > 0 && !stopping)
		nanosleep(&ts, NULL);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	const struct inbox_conf *ic = w->ic;
	struct fetch_stats fs;
	struct ingest in;
	struct store *st = NULL;
	struct imap *im = NULL;
	struct err err;
	unsigned failures = 0, wait;
	bool changed;

	memset(&in, 0, sizeof(in));
	while (!stopping) {
		err_clear(&err);
		if (st == NULL && (store_open(w->cfg->store, &st, &err) == -1 ||
		    ingest_init(&in, w->cfg, st, KIND_NONE, &err) == -1)) {
			ingest_deinit(&in);
			store_close(&st);
			goto failed;
		}
		memset(&fs, 0, sizeof(fs));
		if (fetch_inbox(&in, ic, &im, &stopping, &fs, &err) == -1)
			goto failed;
		if (failures > 0)
			log_warnx("inbox=%s: back after %u failure%s", ic->name,
			    failures, failures == 1 ? "" : "s");
		failures = 0;
		if (fs.mails > 0) {
			log_info("inbox=%s: %zu new mails", ic->name, fs.mails);
			router_kick();
		}
		if (stopping)
			break;
		if (ic->idle && imap_has_idle(im)) {
			/* RFC 2177: re-issue within 29 minutes */
			wait = 25 * 60;
			if (imap_idle(im, wait, &stopping, &changed, &err) == -1)
				goto failed;
		} else {
			/* polling: log out meanwhile, as mail clients do */
			imap_close(&im);
			nap(ic->poll_interval);
		}
		continue;
failed:
		imap_close(&im);
		failures++;
		wait = daemon_backoff(w->cfg->backoff_min, w->cfg->backoff_max,
		    failures);
		log_warnx("inbox=%s: %s; trying again in %u s", ic->name,
		    err.msg, wait);
		nap(wait);
	}
	imap_close(&im);
	ingest_deinit(&in);
	store_close(&st);
	return NULL;
}

static struct worker *
workers_start(const struct config *cfg, const struct rules *set)
{
	struct worker *w;
	sigset_t all, old;
	size_t i;

	w = xcalloc(cfg->ninbox + 3 + cfg->connections, sizeof(*w));
	/* the workers take no signals: the main thread waits for them */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < cfg->ninbox; i++) {
		w[i].cfg = cfg;
		w[i].ic = &cfg->inbox[i];
		if (pthread_create(&w[i].tid, NULL, worker_main, &w[i]) != 0)
			fatalx("cannot start the thread of inbox %s",
			    cfg->inbox[i].name);
	}
	if (set != NULL) {
		w[i].cfg = cfg;
		w[i].set = set;
		if (pthread_create(&w[i].tid, NULL, router_main, &w[i]) != 0)
			fatalx("cannot start the routing thread");
	}
	i++;
	if (cfg->smtp || cfg->hub) {
		size_t k;

		for (k = 0; k < cfg->connections; k++, i++) {
			w[i].cfg = cfg;
			w[i].deliverer = true;
			w[i].mod = cfg->connections;
			w[i].rem = (unsigned)k;
			if (pthread_create(&w[i].tid, NULL, deliverer_main,
			    &w[i]) != 0)
				fatalx("cannot start a delivery thread");
		}
	}
	if (cfg->nlist > 0) {
		w[i].cfg = cfg;
		w[i].set = set;
		w[i].digester = true;
		if (pthread_create(&w[i].tid, NULL, digester_main, &w[i]) != 0)
			fatalx("cannot start the digest thread");
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return w;
}

static void
workers_stop(const struct config *cfg, struct worker **wp)
{
	size_t i;

	stopping = 1;
	router_kick();
	for (i = 0; i < cfg->ninbox; i++)
		pthread_join((*wp)[i].tid, NULL);
	if ((*wp)[i].set != NULL)
		pthread_join((*wp)[i].tid, NULL);
	for (i++; (*wp)[i].deliverer; i++)
		pthread_join((*wp)[i].tid, NULL);
	if ((*wp)[i].digester)
		pthread_join((*wp)[i].tid, NULL);
	free(*wp);
	*wp = NULL;
	pthread_mutex_lock(&kick_mu);
	stopping = 0;
	pthread_mutex_unlock(&kick_mu);
}

static void
report_log(void *arg, const char *msg)
{
	(void)arg;
	log_warnx("%s", msg);
}

static int
detach(const char *pid_file)
{
	char line[32];
	pid_t pid;
	int fd;

	if ((pid = fork()) == -1)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid > 0)
		_exit(0);
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (chdir("/") == -1)
		return -1;
	umask(027);
	if ((fd = open(pid_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1)
		return -1;
	snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line)) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * The rules of a configuration, with their targets checked against the
 * store: the number of problems (each logged), -1 when the store failed.
 */
struct warn_arg {
	void (*report)(void *, const char *);
	void *arg;
};

static void
report_warning(void *arg, const char *msg)
{
	struct warn_arg *wa = arg;
	char *w = xasprintf("warning: %s", msg);

	wa->report(wa->arg, w);
	free(w);
}

int
daemon_rules_load(const struct config *cfg, struct rules **set_r,
    void (*report)(void *, const char *), void *arg)
{
	struct warn_arg wa;
	struct store *st = NULL;
	struct err err;
	int n;

	*set_r = NULL;
	if (!cfg->routing)
		return 0;
	if ((n = route_rules_load(cfg, set_r, report, arg)) != 0)
		return n;
	/*
	 * A target that is not (or no longer) a contact or group is a
	 * warning here, not a reason to stop routing: its routes are skipped
	 * and logged, and the default takes what nothing else reaches.
	 * `flagpost check` counts it as a problem.
	 */
	err_clear(&err);
	wa.report = report;
	wa.arg = arg;
	if (store_open(cfg->store, &st, &err) == -1 ||
	    route_check_targets(cfg, *set_r, st, report_warning, &wa,
	    &err) == -1) {
		report(arg, err.msg);
		n = 1;
	}
	store_close(&st);
	if (n != 0)
		rules_free(set_r);
	return n;
}

int
daemon_main(const char *conf_path, struct config *cfg, struct rules *set,
    bool foreground)
{
	struct config *next = NULL;
	struct rules *next_set = NULL;
	struct worker *w;
	sigset_t sigs;
	int sig, n;

	if (cfg->ninbox == 0)
		log_warnx("no [inbox NAME] in %s: nothing to fetch", cfg->path);
	if (cfg->auth_policy == AUTH_NONE)
		log_warnx("[auth] policy = none: senders are not "
		    "authenticated (for tests only)");
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!foreground) {
		log_init("flagpost", false, 1);
		if (detach(cfg->pid_file) == -1)
			fatal("cannot detach or write %s", cfg->pid_file);
	}
	if (!cfg->routing)
		log_warnx("no [routing] in %s: records are stored but not "
		    "routed", cfg->path);
	log_info("started: %zu inbox%s, %zu rule%s, store %s", cfg->ninbox,
	    cfg->ninbox == 1 ? "" : "es", rules_count(set),
	    rules_count(set) == 1 ? "" : "s", cfg->store);
	w = workers_start(cfg, set);
	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			n = config_load(conf_path, &next, report_log, NULL);
			if (n == 0)
				n = daemon_rules_load(next, &next_set,
				    report_log, NULL);
			if (n != 0) {
				log_warnx("%s: %d problem%s: keeping the running "
				    "configuration and rules", conf_path, n,
				    n == 1 ? "" : "s");
				config_free(&next);
				continue;
			}
			log_info("%s: reloading: %zu rule%s", conf_path,
			    rules_count(next_set),
			    rules_count(next_set) == 1 ? "" : "s");
			workers_stop(cfg, &w);
			config_free(&cfg);
			rules_free(&set);
			cfg = next;
			set = next_set;
			next = NULL;
			next_set = NULL;
			w = workers_start(cfg, set);
			continue;
		}
		log_info("signal %d: stopping after the current transaction",
		    sig);
		break;
	}
	workers_stop(cfg, &w);
	if (!foreground)
		unlink(cfg->pid_file);
	config_free(&cfg);
	rules_free(&set);
	log_info("stopped");
	return 0;
}
