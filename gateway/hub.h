/* hub.h: posting submissions to the knowledge hub over HTTP (libcurl) */
#ifndef FLAGPOST_HUB_H
#define FLAGPOST_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct hub_conf {
	const char *url;		/* https://hub.example.eu/api (or http://
					 * on loopback only) */
	const char *token;		/* bearer token, read from its file */
	const char *ca_file;		/* NULL: the system trust store */
	unsigned timeout;		/* seconds, the whole request */
};

struct hub;

/* -1 with ERR_CONFIG for a URL that is not https (or http on loopback) */
int hub_new(const struct hub_conf *conf, struct hub **h_r, struct err *err);
void hub_free(struct hub **h);

enum hub_result {
	HUB_STORED,	/* 200, 201: id_r holds the hub's id; 409: already */
	HUB_TEMP,	/* 408, 429, 5xx, connect errors, timeouts */
	HUB_PERM,	/* any other 4xx, or a reply that cannot be read */
};

struct hub_attachment {
	const char *name;
	const char *type;
	const void *data;
	size_t len;
	const char *sha256;
};

struct hub_submission {
	const char *idempotency_key;	/* the record's UUID */
	const char *reference;		/* HUB-2026-000042 */
	const char *fields_json;	/* the record's fields, snake_case keys */
	const char *org;		/* the organisation's name */
	const struct hub_attachment *att;
	size_t natt;
};

/*
 * POST {url}/submissions with Authorization: Bearer, Idempotency-Key,
 * Content-Type: application/json and the body
 *   {"reference": ..., "organisation": ..., "fields": {...},
 *    "attachments": [{"name", "type", "size", "sha256", "content"
 *    (base64)}]}.
 * 200/201: the "id" of the reply's JSON goes to *id_r (malloc'd); 409:
 * stored before (id from the reply if any, else NULL), HUB_STORED;
 * 408/429/5xx: HUB_TEMP with *retry_after_r the seconds of Retry-After
 * (delta or HTTP date; 0 when absent).  `why` says what happened
 * ("HTTP 400: {\"error\": \"title missing\"}", "timeout after 30 s").
 */
enum hub_result hub_post(struct hub *h, const struct hub_submission *sub,
    char **id_r, unsigned *retry_after_r, char *why, size_t whysize);

#endif
