/* config.h: the INI configuration (flagpost.conf(5)) */
#ifndef FLAGPOST_CONFIG_H
#define FLAGPOST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "form.h"
#include "imap.h"
#include "mime.h"
#include "schedule.h"
#include "util.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif
#define CONFIG_DEFAULT_PATH SYSCONFDIR "/flagpost/flagpost.conf"
#define CONFIG_DEFAULT_STORE LOCALSTATEDIR "/lib/flagpost/flagpost.db"
#define CONFIG_DEFAULT_RULES SYSCONFDIR "/flagpost/rules"
#define CONFIG_DEFAULT_TEMPLATES SYSCONFDIR "/flagpost/templates"

enum auth_policy {
	AUTH_DMARC,	/* DMARC pass, or an aligned DKIM pass */
	AUTH_DKIM,	/* an aligned DKIM pass */
	AUTH_NONE,	/* registration only: for tests */
};

/* a list of words from a comma or semicolon separated value */
struct strlist {
	char **v;
	size_t n;
};
bool strlist_has(const struct strlist *l, const char *s);	/* any case */

/* a [list NAME] section: a digest list (flagpost.conf(5)) */
struct list_conf {
	char *name;			/* [a-z0-9-], lower case */
	unsigned line;			/* where the section starts */
	char *description;		/* NAME unless set */
	char *label;			/* the List-Id label; NAME unless set */
	char *schedule_text;		/* as written */
	unsigned schedule_line;
	char *tz;			/* NULL: [digest] timezone */
	struct schedule sched;		/* in its zone */
	bool hub, warnings, flags;	/* content */
	struct strlist categories;	/* hub categories; empty: all */
	struct strlist country, language, ground, platform;	/* filters */
};

/* an [inbox NAME] section */
struct inbox_conf {
	char *name;
	unsigned line;			/* where the section starts */
	char *host;
	unsigned port;			/* 0: 993, or 143 without implicit TLS */
	enum imap_tls tls;
	char *ca_file;
	char *user;
	char *password_file;
	char *xoauth2_file;
	char *folder;
	enum record_kind default_kind;
	enum imap_after after;
	char *after_folder;		/* move:FOLDER */
	unsigned poll_interval;		/* seconds */
	bool idle;
	unsigned timeout;		/* seconds, every network call */
	unsigned batch;			/* mails per transaction */
};

struct config {
	char *path;

	/* [gateway] */
	char *store;
	char *address;		/* the gateway's own address */
	char *local;		/* its local part, base of plus-addresses */
	enum record_kind default_kind;

	/* [auth] */
	enum auth_policy auth_policy;
	char *authserv_id;

	/* [limits] */
	struct mime_limits mime;
	size_t max_records;

	/* [daemon] */
	unsigned backoff_min;		/* seconds before the first retry */
	unsigned backoff_max;		/* the cap */
	char *pid_file;

	/* [routing]: off (records wait) unless the section is there */
	bool routing;
	char *rules_dir;
	char *route_default;		/* a contact address or a group */
	unsigned match_limit;
	unsigned depth_limit;
	size_t route_batch;		/* records per transaction */

	/* [smtp]: nothing is sent (it waits in the outbox) without it */
	bool smtp;
	char *smtp_relay;		/* smtp://host:port or smtps:// */
	char *smtp_user;
	char *smtp_password_file;
	char *smtp_ca_file;
	char *smtp_helo;
	char *envelope_from;		/* where bounces go */
	unsigned smtp_timeout;		/* seconds */
	unsigned retry_min;		/* seconds before the first retry */
	unsigned retry_max;
	unsigned max_age;		/* seconds a mail may wait, then failed */
	unsigned connections;		/* to the relay, in parallel */

	/* [hub]: hub posts wait without it */
	bool hub;
	char *hub_url;
	char *hub_token_file;
	char *hub_ca_file;
	unsigned hub_timeout;

	/* [delivery] */
	char *templates_dir;
	char *gateway_name;		/* the display name of From */
	bool attach_evidence;		/* attach, or list with SHA-256 */
	bool reveal_sender;		/* the CSO's individual address */
	unsigned replies_per_day;	/* per address */
	size_t deliver_batch;

	/* [digest] */
	char *digest_tz;		/* the zone of list schedules */
	unsigned review_deadline;	/* seconds: a flag older is overdue */
	unsigned confirm_within;	/* seconds a subscription token lives */
	size_t max_open_flags;		/* listed in one digest */
	/* [list NAME] ... */
	struct list_conf *list;
	size_t nlist;
	/* [inbox NAME] ... */
	struct inbox_conf *inbox;
	size_t ninbox;
};

/* the list of that name (any case), or NULL */
const struct list_conf *config_list(const struct config *cfg,
    const char *name);
/* a list name: [a-z0-9][a-z0-9-]*, at most 64 */
bool list_name_ok(const char *name);

/* the imap_conf of an inbox (pointers into it) */
void inbox_imap_conf(const struct inbox_conf *ic, struct imap_conf *c);
const char *imap_after_name(enum imap_after a);

/*
 * Reads `path`.  Every problem is reported as "file:line: message" through
 * `report` (each on its own call); the return is the number of problems,
 * and *cfg_r is set only when there are none.  A missing file is one
 * problem ("file: cannot open: ...").
 */
typedef void (*config_report_fn)(void *arg, const char *msg);
int config_load(const char *path, struct config **cfg_r,
    config_report_fn report, void *arg);
void config_free(struct config **cfg);
/* the defaults, as used when no file is given (tests) */
struct config *config_default(void);

const char *auth_policy_name(enum auth_policy p);

#endif
