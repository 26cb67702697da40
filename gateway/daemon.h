/* daemon.h: the service loop: every inbox on its own thread, signals */
#ifndef FLAGPOST_DAEMON_H
#define FLAGPOST_DAEMON_H

#include <stdbool.h>

#include "config.h"

/*
 * `flagpost run-once`: every inbox once, in turn.  Prints a line per
 * inbox; returns 0 when all went well, 75 (EX_TEMPFAIL) when one failed.
 */
int daemon_run_once(const struct config *cfg);

/*
 * `flagpost daemon`: IDLE on (or poll) every inbox, each on its own thread
 * with its own store connection, so a slow or dead inbox never delays the
 * others; reconnects with exponential backoff and jitter.  SIGHUP reloads
 * the configuration from `conf_path` (a bad one is logged and the old one
 * kept); SIGTERM and SIGINT end it after the current transaction.  Without
 * `foreground` it detaches and writes cfg->pid_file.  Returns an exit
 * status.
 */
int daemon_main(const char *conf_path, struct config *cfg, bool foreground);

/* the delay before retry number `failures` (from 1): min * 2^(n-1),
 * capped at max, with jitter in its upper half */
unsigned daemon_backoff(unsigned min, unsigned max, unsigned failures);

#endif
