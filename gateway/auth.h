/* auth.h: who sent a mail (RFC 8601, RFC 7489) and whether a robot did (RFC 3834) */
#ifndef FLAGPOST_AUTH_H
#define FLAGPOST_AUTH_H

#include <stdbool.h>

#include "config.h"
#include "mime.h"

/*
 * Whether the From domain of `m` is authenticated under `policy` by the
 * topmost Authentication-Results field whose authserv-id is `authserv_id`
 * (every other such field is ignored: only our receiving MTA is trusted,
 * and it writes its field above anything the sender could have added).
 *   AUTH_DMARC: dmarc=pass with header.from equal to the From domain, or
 *               dkim=pass with a header.d aligned to it (relaxed);
 *   AUTH_DKIM:  dkim=pass with an aligned header.d;
 *   AUTH_NONE:  always true.
 * Returns true or false; *reason_r (malloc'd) says why not, or how it passed.
 */
bool auth_verify(const struct mime_msg *m, enum auth_policy policy,
    const char *authserv_id, char **reason_r);

/*
 * RFC 3834 and MAIL-MANNERS.md: why this mail must never be answered
 * (Auto-Submitted, an empty return path, a report, Precedence bulk, list
 * or junk, List-* fields, X-Auto-Response-Suppress, a mailer daemon), or
 * NULL when a person wrote it.  A loop through the gateway always carries
 * our own Auto-Submitted field, so the first test covers it.
 */
const char *auth_automatic(const struct mime_msg *m);

/* relaxed DMARC alignment of two domains (without the public suffix list:
 * equal, or one a subdomain of the other where the shorter has a dot) */
bool auth_aligned(const char *a, const char *b);

/* the domain part of an address, or NULL */
const char *auth_domain(const char *addr);

#endif
