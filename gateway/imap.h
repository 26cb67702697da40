/* imap.h: one IMAP inbox through libetpan; the only module with mailimap */
#ifndef FLAGPOST_IMAP_H
#define FLAGPOST_IMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

enum imap_tls {
	IMAP_TLS_IMPLICIT,	/* TLS from the first byte (993) */
	IMAP_TLS_STARTTLS,	/* STARTTLS, required */
	IMAP_TLS_NONE,		/* clear text: loopback hosts only */
};

enum imap_after {
	IMAP_AFTER_KEEP,	/* leave the mail as it is */
	IMAP_AFTER_SEEN,	/* set \Seen */
	IMAP_AFTER_MOVE,	/* MOVE, or COPY + \Deleted + UID EXPUNGE */
	IMAP_AFTER_DELETE,	/* \Deleted + UID EXPUNGE */
};

struct imap_conf {
	const char *name;		/* the [inbox NAME], for messages */
	const char *host;
	unsigned port;
	enum imap_tls tls;
	const char *ca_file;		/* NULL: the system trust store */
	const char *user;
	const char *password_file;	/* read at each connect; or NULL */
	const char *xoauth2_file;	/* an OAuth2 access token; or NULL */
	const char *folder;		/* "INBOX" */
	unsigned timeout;		/* seconds, for every network call */
};

struct imap;

/*
 * Connects, verifies the server's certificate chain and host name (GnuTLS,
 * against ca_file or the system trust; libetpan does not), logs in and
 * selects the folder.  Errors: ERR_TEMP for the network and the server
 * (refused, timed out, login refused, certificate not trusted: the inbox
 * backs off and tries again), ERR_CONFIG for a secret file that cannot be
 * read.  The message never holds a password or a token.
 */
int imap_open(const struct imap_conf *c, struct imap **im_r, struct err *err);
void imap_close(struct imap **im);

/* after imap_open: the folder's UIDVALIDITY, and what the server offers */
uint32_t imap_uidvalidity(const struct imap *im);
bool imap_has_idle(const struct imap *im);
bool imap_has_move(const struct imap *im);

struct imap_msg {
	uint32_t uid;
	uint64_t size;		/* RFC822.SIZE */
};

/*
 * The UIDs above `last` with their sizes, in UID order, at most `max`
 * (UID FETCH last+1:* (UID RFC822.SIZE)); UIDs at or below `last` that a
 * server returns for `*` are skipped.
 */
int imap_list(struct imap *im, uint32_t last, size_t max,
    struct imap_msg **list_r, size_t *n_r, struct err *err);
/* the whole mail, BODY.PEEK[] (no \Seen); *data_r is malloc'd */
int imap_fetch(struct imap *im, uint32_t uid, char **data_r, size_t *len_r,
    struct err *err);
/*
 * Several mails in one command, UID FETCH set BODY.PEEK[] (one round trip
 * instead of one per mail): `cb` is called for each mail that came back,
 * with bytes that are valid during the call only.  A UID that is gone is
 * skipped.  A nonzero return from `cb` stops and is returned, its error in
 * `err`.
 */
typedef int (*imap_body_cb)(void *arg, uint32_t uid, const char *data,
    size_t len, struct err *err);
int imap_fetch_many(struct imap *im, const uint32_t *uids, size_t n,
    imap_body_cb cb, void *arg, struct err *err);
/* the header block only, BODY.PEEK[HEADER]: for a mail too large to take */
int imap_fetch_header(struct imap *im, uint32_t uid, char **data_r,
    size_t *len_r, struct err *err);
/* the `after` action on these UIDs (folder: for IMAP_AFTER_MOVE) */
int imap_after(struct imap *im, const uint32_t *uids, size_t n,
    enum imap_after after, const char *folder, struct err *err);
/*
 * IDLE until the server reports a change or `seconds` pass (callers keep
 * it under 29 minutes); *changed_r says which.  `stop`, when not NULL, is
 * polled about once a second and ends the wait early (signals).
 */
int imap_idle(struct imap *im, unsigned seconds, const volatile int *stop,
    bool *changed_r, struct err *err);

#endif
