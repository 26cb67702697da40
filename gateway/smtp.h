/* smtp.h: handing mail to the relay with libcurl; only smtp.c and hub.c
 * include curl.h */
#ifndef FLAGPOST_SMTP_H
#define FLAGPOST_SMTP_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct smtp_conf {
	const char *url;		/* smtp://host:port or smtps://host:port */
	const char *user;		/* AUTH, or NULL */
	const char *password;		/* read from the password file */
	const char *ca_file;		/* NULL: the system trust store */
	const char *helo;		/* the name to greet with, or NULL */
	unsigned timeout;		/* seconds: connect, and each command */
	bool allow_plain;		/* no TLS: only on loopback (see below) */
};

struct smtp;

/*
 * A client for one relay.  STARTTLS is required (CURLUSESSL_ALL) unless
 * the URL's host is a loopback address or localhost; smtps:// is
 * implicit TLS.  The connection is opened on the first send and reused
 * for the next ones (one easy handle).  -1 with ERR_CONFIG when the URL
 * is not smtp:// or smtps:// or TLS would be off to a remote host.
 */
int smtp_new(const struct smtp_conf *conf, struct smtp **s_r,
    struct err *err);
void smtp_free(struct smtp **s);

enum smtp_result {
	SMTP_SENT,	/* 250 after DATA */
	SMTP_TEMP,	/* connect, TLS, timeout, 4xx, 421: try again later */
	SMTP_PERM,	/* 5xx for this recipient or this mail */
};

/*
 * One SMTP transaction: MAIL FROM:<env_from> (NULL: <>), RCPT TO:<rcpt>,
 * DATA with `msg` as it is (CRLF line ends, already within limits and
 * 7-bit: curl adds the dot-stuffing and the final dot itself).  After a
 * 421 or a broken connection it tries once more on a new connection.
 * `why` gets the server's reply or curl's error for the log and the
 * queue ("550 5.1.1 <x@y>: user unknown").
 */
enum smtp_result smtp_send(struct smtp *s, const char *env_from,
    const char *rcpt, const char *msg, size_t len, char *why,
    size_t whysize);

/* whether `host` is 127.0.0.0/8, ::1 or localhost */
bool smtp_host_is_loopback(const char *host);

#endif
