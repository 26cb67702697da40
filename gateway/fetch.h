/* fetch.h: the fetch stage, IMAP inboxes into the store exactly once */
#ifndef FLAGPOST_FETCH_H
#define FLAGPOST_FETCH_H

#include <stddef.h>

#include "config.h"
#include "imap.h"
#include "ingest.h"
#include "util.h"

struct fetch_stats {
	size_t mails;		/* new mails taken from the server */
	size_t outcome[INGEST_DUPLICATE + 1];	/* by ingest outcome */
	size_t oversized;	/* recorded from their header only */
};

/*
 * One pass over an inbox.  It opens *im when NULL (and leaves it open for
 * IDLE), runs the after actions that a crash left undone, then takes every
 * mail above the cursor in batches of ic->batch: each batch's messages and
 * the new cursor (UIDVALIDITY, last UID) are committed in one transaction,
 * and only then is the after action run on the server.  A crash between
 * the two repeats the action at the next pass, never the ingest.  A mail
 * larger than the limit is recorded as rejected from its header, without
 * being downloaded.  `stop` ends the pass after the current batch.
 * On a failure *im is closed and the error is ERR_TEMP (back off and try
 * again) or ERR_CONFIG.
 */
int fetch_inbox(struct ingest *in, const struct inbox_conf *ic,
    struct imap **im, const volatile int *stop, struct fetch_stats *fs,
    struct err *err);

#endif
