/* daemon.h: the service loop: every inbox on its own thread, signals */
#ifndef FLAGPOST_DAEMON_H
#define FLAGPOST_DAEMON_H

#include <stdbool.h>

#include "config.h"
#include "rules.h"

/*
 * `flagpost run-once`: every inbox once, in turn, then every waiting record
 * through the rules `set` (NULL: no routing).  Prints a line per inbox and
 * one for routing; returns 0 when all went well, 75 (EX_TEMPFAIL) when one
 * failed, 78 (EX_CONFIG) when the default route reaches nobody.
 */
int daemon_run_once(const struct config *cfg, const struct rules *set);

/*
 * The rules of cfg (none without [routing]); the number of problems, each
 * reported.  Route targets that are not contacts or groups of the store
 * are reported as warnings only: their routes are skipped.
 */
int daemon_rules_load(const struct config *cfg, struct rules **set_r,
    void (*report)(void *, const char *), void *arg);

/*
 * `flagpost daemon`: IDLE on (or poll) every inbox, each on its own thread
 * with its own store connection, so a slow or dead inbox never delays the
 * others; reconnects with exponential backoff and jitter.  SIGHUP reloads
 * the configuration from `conf_path` (a bad one is logged and the old one
 * kept); SIGTERM and SIGINT end it after the current transaction.  Without
 * `foreground` it detaches and writes cfg->pid_file.  Returns an exit
 * status.
 */
int daemon_main(const char *conf_path, struct config *cfg, struct rules *set,
    bool foreground);

/* the delay before retry number `failures` (from 1): min * 2^(n-1),
 * capped at max, with jitter in its upper half */
unsigned daemon_backoff(unsigned min, unsigned max, unsigned failures);

#endif
