/* config.h: the INI configuration (flagpost.conf(5)) */
#ifndef FLAGPOST_CONFIG_H
#define FLAGPOST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "form.h"
#include "mime.h"
#include "util.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif
#define CONFIG_DEFAULT_PATH SYSCONFDIR "/flagpost/flagpost.conf"
#define CONFIG_DEFAULT_STORE LOCALSTATEDIR "/lib/flagpost/flagpost.db"

enum auth_policy {
	AUTH_DMARC,	/* DMARC pass, or an aligned DKIM pass */
	AUTH_DKIM,	/* an aligned DKIM pass */
	AUTH_NONE,	/* registration only: for tests */
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
};

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
