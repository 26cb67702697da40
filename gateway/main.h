/* main.h: what the command files share */
#ifndef FLAGPOST_MAIN_H
#define FLAGPOST_MAIN_H

#include <stdio.h>

#include "config.h"
#include "store.h"
#include "util.h"

extern const char *conf_path;	/* -c FILE, or NULL */

void usage(FILE *out);
void report_stderr(void *arg, const char *msg);
/* the configuration; exits on problems */
struct config *load_config(void);
/* the store; exits when it cannot be opened */
struct store *open_store(const struct config *cfg);
/* the exit status for an error (sysexits.h) */
int exit_for(const struct err *err);

/* main-lists.c */
int cmd_lists(int argc, char **argv);
int cmd_digest(int argc, char **argv);

#endif
