/* mime.h: a raw mail in, its headers, form text and attachments out */
#ifndef FLAGPOST_MIME_H
#define FLAGPOST_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * mime is pure: bytes in, structures out, no I/O and no globals, so it can
 * be tested, fuzzed and moved into a child process.  Only mime.c includes
 * libetpan.
 */

struct mime_limits {
	size_t max_size;	/* the whole message, bytes */
	size_t max_header_line;	/* one physical header line, bytes */
	unsigned max_depth;	/* nesting of multiparts */
	unsigned max_parts;	/* MIME parts in all */
};

#define MIME_DEFAULT_MAX_SIZE		(25u * 1024 * 1024)
#define MIME_DEFAULT_MAX_HEADER_LINE	(64u * 1024)
#define MIME_DEFAULT_MAX_DEPTH		20u
#define MIME_DEFAULT_MAX_PARTS		200u

void mime_limits_default(struct mime_limits *lim);

struct mime_header {
	char *name;	/* as written */
	char *value;	/* unfolded, RFC 2047 decoded to UTF-8, no CR or LF */
};

struct mime_attachment {
	char *filename;	/* UTF-8 (RFC 2231 / RFC 2047 decoded); "" when none */
	char *type;	/* lower case "type/subtype" */
	char *data;	/* transfer-decoded bytes (not charset-converted) */
	size_t len;
	char sha256[SHA256_HEX_LEN];
};

struct mime_msg {
	struct mime_header *hdr;	/* top-level header fields, in order */
	size_t nhdr;
	char *from_addr;	/* addr-spec of the first From mailbox, lower case; NULL */
	char *from_name;	/* display name, UTF-8; NULL */
	char *subject;		/* decoded; "" when none */
	char *message_id;	/* without the angle brackets; NULL when none */
	char **rcpt;		/* addr-specs of To and Cc, lower case */
	size_t nrcpt;
	int64_t date;		/* seconds since the epoch; -1 when absent or bad */
	char *text;		/* the form: UTF-8, LF line ends, never NULL */
	bool text_from_html;	/* text is the rendering of an HTML-only mail */
	bool is_report;		/* a multipart/report (DSN, MDN, ARF) */
	struct mime_attachment *att;	/* every part that is not the form */
	size_t natt;
	char **warnings;	/* things read with a guess, for the reply */
	size_t nwarn;
};

/*
 * Parses `len` bytes of a raw RFC 5322 message.  Limits are checked before
 * libetpan sees the input.  On a message that breaks a limit or cannot be
 * read at all: -1 with an ERR_MSG error whose text can go to the sender
 * ("the message is 52428800 bytes; the limit is 26214400").
 */
int mime_parse(const char *raw, size_t len, const struct mime_limits *lim,
    struct mime_msg **msg_r, struct err *err);
void mime_msg_free(struct mime_msg **msg);

/* the first top-level header of that name (case-insensitive), or NULL */
const char *mime_header_get(const struct mime_msg *m, const char *name);

/* HTML to plain text: blocks and <br> become line breaks, entities decoded */
char *mime_html_to_text(const char *html, size_t len);
/* RFC 3676 format=flowed to fixed lines (LF line ends in and out) */
char *mime_flowed_decode(const char *text, bool delsp);
/* bytes in `charset` to UTF-8; NULL when the charset is unknown */
char *mime_to_utf8(const char *data, size_t len, const char *charset);

#endif
