/* compose.h: outgoing mail as RFC 5322 / MIME bytes (MAIL-MANNERS.md) */
#ifndef FLAGPOST_COMPOSE_H
#define FLAGPOST_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "util.h"

struct compose_attachment {
	const char *filename;	/* UTF-8; RFC 2231 encoded when not ASCII */
	const char *type;	/* "application/pdf"; octet-stream when NULL */
	const void *data;
	size_t len;
};

struct compose_header {
	const char *name;	/* "List-Id" */
	const char *value;	/* ASCII, or UTF-8 text to encode (RFC 2047) */
	const char *angle;	/* not NULL: value is a phrase, written as a
				 * mailbox's display name is, then <angle>
				 * (List-Id: "Weekly, EU" <weekly.example>) */
};

struct compose {
	const char *from_addr;		/* the gateway's address */
	const char *from_name;		/* UTF-8, or NULL */
	const char *to_addr;
	const char *to_name;		/* UTF-8, or NULL */
	const char *reply_to;		/* address, or NULL */
	const char *subject;		/* UTF-8 */
	const char *message_id;		/* without <>: "x@gateway.example.eu" */
	const char *in_reply_to;	/* without <>, or NULL */
	const char *references;		/* "<a@x> <b@y>", or NULL */
	int64_t date;			/* seconds since the epoch */
	const char *auto_submitted;	/* "auto-generated" or "auto-replied" */
	bool importance_high;		/* Importance: high, X-Priority: 1 */
	const struct compose_header *extra;	/* List-Id ...; may be NULL */
	size_t nextra;
	const char *text;		/* UTF-8, LF line ends */
	const char *html;		/* UTF-8, or NULL for text only */
	const struct compose_attachment *att;
	size_t natt;
};

/*
 * Writes the whole message to `out`: CRLF line ends, every line at most
 * 998 octets (header fields folded at 78 where they can be), non-ASCII
 * header text as RFC 2047 encoded words of at most 75 characters that
 * never split a UTF-8 sequence and never touch an address, bodies in
 * quoted-printable (lines at most 76) or base64, multipart/alternative
 * (text first, HTML last) inside multipart/mixed when there are
 * attachments, boundaries that do not occur in the content, MIME-Version.
 * Refuses (-1, ERR_MSG) any header value or address holding CR or LF, an
 * address that is not addr-spec, text that is not UTF-8.
 */
int compose_message(const struct compose *c, struct buf *out,
    struct err *err);

/* a new Message-ID: "<time>.<random>@<domain of from_addr>" without <> */
char *compose_message_id(const char *from_addr);

/* RFC 2047: `s` (UTF-8) as a header value, encoded words only where
 * needed; NULL when s holds CR or LF */
char *compose_encode_header(const char *name, const char *s);

#endif
