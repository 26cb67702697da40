/* route.h: the routing stage: new records through the rules to route rows
 * and outbox rows, in one transaction */
#ifndef FLAGPOST_ROUTE_H
#define FLAGPOST_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "rules.h"
#include "store.h"
#include "util.h"

/* the rules of cfg->rules_dir with cfg's limits; the number of problems */
int route_rules_load(const struct config *cfg, struct rules **set_r,
    rules_report_fn report, void *arg);

/*
 * The route targets of the set and the configured default, against the
 * contacts and groups of the store: each unknown one is a problem
 * ("file:line:col: route to unknown group 'x'").  Returns the number of
 * problems, or -1 on a store error.
 */
int route_check_targets(const struct config *cfg, const struct rules *set,
    struct store *st, rules_report_fn report, void *arg, struct err *err);

/* the fields of a stored record (its JSON) as the rules see them */
int route_record_from_json(const char *json, struct rules_record *rec);

struct route_stats {
	size_t records;
	size_t routed;
	size_t quarantined;
	size_t defaulted;	/* routed by the default */
	size_t notices;		/* outbox rows for contacts */
	size_t hub;		/* outbox rows for the hub */
	size_t limit_hits;
};

/*
 * Routes up to cfg->route_batch waiting records in one transaction: route
 * rows, the explanation, the fields set/add changed, outbox rows, and the
 * record's new status.  *more_r says whether more may wait.  -1 on a
 * store error (ERR_TEMP) or when the default route reaches nobody
 * (ERR_CONFIG); nothing of the batch is then kept.
 */
int route_pass(const struct config *cfg, const struct rules *set,
    struct rules_matcher *m, struct store *st, struct route_stats *rs,
    bool *more_r, struct err *err);
/* passes until no record waits */
int route_all(const struct config *cfg, const struct rules *set,
    struct store *st, struct route_stats *rs, struct err *err);

/* an early warning of high or critical risk goes out at once */
bool route_urgent_by_kind(const struct rules_record *rec);

/* a target resolved to contacts */
struct route_dest {
	int64_t contact;
	char *address;
};

/*
 * The contacts a target reaches now: a registered contact's address, or
 * the members of a group; none when it is neither.  *d_r is malloc'd.
 */
int route_target_contacts(struct store *st, const char *target,
    struct route_dest **d_r, size_t *n_r, struct err *err);
void route_dests_free(struct route_dest **d, size_t n);

/*
 * Where a routing result goes, as route_pass would decide it, without
 * writing: the contacts of each route (digest-only kept apart), or the
 * default's when no rule reached anyone.  Lines for `rules test`.
 */
typedef void (*route_line_fn)(void *arg, const char *line);
int route_explain(const struct config *cfg, struct store *st,
    const struct rules_result *res, route_line_fn fn, void *arg,
    struct err *err);

#endif
