/* lists.c: subscribers and the commands that manage them */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "lists.h"
#include "log.h"

const char *
list_cmd_name(enum list_cmd_kind k)
{
	switch (k) {
	case LC_NONE:
		return "none";
	case LC_SUBSCRIBE:
		return "subscribe";
	case LC_UNSUBSCRIBE:
		return "unsubscribe";
	case LC_CONFIRM:
		return "confirm";
	case LC_LISTS:
		return "lists";
	case LC_HELP:
		return "help";
	case LC_UNSUB_TOKEN:
		return "unsubscribe-token";
	}
	return "?";
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* "confirm-TOKEN" or "unsubscribe-TOKEN" after local+ */
static enum list_cmd_kind
rcpt_token(const char *rcpt, const char *local, char token[33])
{
	const char *at, *d;
	size_t ll;

	if (rcpt == NULL || local == NULL ||
	    (at = strrchr(rcpt, '@')) == NULL)
		return LC_NONE;
	ll = strlen(local);
	if ((size_t)(at - rcpt) <= ll + 1 || strncasecmp(rcpt, local, ll) != 0 ||
	    rcpt[ll] != '+')
		return LC_NONE;
	d = rcpt + ll + 1;
	if (strncmp(d, "confirm-", 8) == 0 && token_ok(d + 8,
	    (size_t)(at - d - 8))) {
		memcpy(token, d + 8, 32);
		token[32] = '\0';
		return LC_CONFIRM;
	}
	if (strncmp(d, "unsubscribe-", 12) == 0 && token_ok(d + 12,
	    (size_t)(at - d - 12))) {
		memcpy(token, d + 12, 32);
		token[32] = '\0';
		return LC_UNSUB_TOKEN;
	}
	return LC_NONE;
}

/* the next word of s into w (at most size - 1 bytes); NULL at the end */
static const char *
word(const char *s, char *w, size_t size, size_t *len_r)
{
	size_t n = 0;

	while (is_space(*s))
		s++;
	if (*s == '\0')
		return NULL;
	while (s[n] != '\0' && !is_space(s[n]))
		n++;
	*len_r = n;
	if (n < size) {
		memcpy(w, s, n);
		w[n] = '\0';
	} else if (size > 0)
		w[0] = '\0';
	return s + n;
}

/* one whole line (or Subject) as a command */
static bool
line_cmd(const char *s, size_t len, struct list_cmd *c)
{
	char line[512], w[256];
	const char *p;
	size_t n, i;

	if (len >= sizeof(line))
		return false;
	memcpy(line, s, len);
	line[len] = '\0';
	if ((p = word(line, w, sizeof(w), &n)) == NULL || n >= sizeof(w))
		return false;
	for (i = 0; w[i] != '\0'; i++)
		if (w[i] >= 'A' && w[i] <= 'Z')
			w[i] = (char)(w[i] - 'A' + 'a');
	if (strcmp(w, "subscribe") == 0 || strcmp(w, "join") == 0)
		c->kind = LC_SUBSCRIBE;
	else if (strcmp(w, "unsubscribe") == 0 || strcmp(w, "leave") == 0)
		c->kind = LC_UNSUBSCRIBE;
	else if (strcmp(w, "lists") == 0)
		c->kind = LC_LISTS;
	else if (strcmp(w, "help") == 0)
		c->kind = LC_HELP;
	else if (strcmp(w, "confirm") == 0)
		c->kind = LC_CONFIRM;
	else
		return false;
	c->list[0] = c->arg[0] = '\0';
	if ((p = word(p, w, sizeof(w), &n)) != NULL) {
		if (c->kind == LC_LISTS || c->kind == LC_HELP)
			goto no;	/* "help me with this form" is no command */
		if (c->kind == LC_CONFIRM) {
			if (!token_ok(w, n))
				goto no;
			memcpy(c->token, w, 33);
		} else {
			if (n >= sizeof(c->list))
				n = sizeof(c->list) - 1;
			memcpy(c->list, w, n);
			c->list[n] = '\0';
			str_lower(c->list);
		}
		if ((p = word(p, w, sizeof(w), &n)) != NULL) {
			snprintf(c->arg, sizeof(c->arg), "%s", w);
			if (word(p, w, sizeof(w), &n) != NULL)
				goto no;
		}
	} else if (c->kind == LC_CONFIRM)
		goto no;
	return true;
no:
	memset(c, 0, sizeof(*c));
	return false;
}

/* "Re: ", "Fwd: ", "AW: ", "SV: ", "WG: ", "TR: " ... */
static const char *
strip_reply(const char *s)
{
	static const char *const pre[] = {
		"re:", "fw:", "fwd:", "aw:", "sv:", "wg:", "tr:", "vs:",
		"antw:", "r:", "rif:",
	};
	size_t i, n;
	bool again = true;

	while (again) {
		again = false;
		while (is_space(*s))
			s++;
		for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
			n = strlen(pre[i]);
			if (strncasecmp(s, pre[i], n) == 0) {
				s += n;
				again = true;
				break;
			}
		}
	}
	return s;
}

/* "confirm TOKEN" anywhere in a Subject */
static bool
subject_confirm(const char *s, char token[33])
{
	const char *p = s;

	while ((p = strcasestr(p, "confirm")) != NULL) {
		const char *t = p + 7;

		p = t;
		while (*t == ' ' || *t == ':')
			t++;
		if (token_ok(t, strnlen(t, 32)) && (t[32] == '\0' ||
		    !((t[32] >= 'a' && t[32] <= 'z') ||
		    (t[32] >= '0' && t[32] <= '9')))) {
			memcpy(token, t, 32);
			token[32] = '\0';
			return true;
		}
	}
	return false;
}

void
list_cmd_parse(const struct mime_msg *msg, const char *gateway_local,
    struct list_cmd *c)
{
	const char *s, *e, *t;
	size_t i, lines = 0;

	memset(c, 0, sizeof(*c));
	if (msg == NULL)
		return;
	for (i = 0; i < msg->nrcpt; i++)
		if ((c->kind = rcpt_token(msg->rcpt[i], gateway_local,
		    c->token)) != LC_NONE)
			return;
	if (msg->subject != NULL) {
		s = strip_reply(msg->subject);
		if (line_cmd(s, strlen(s), c))
			return;
		if (subject_confirm(s, c->token)) {
			c->kind = LC_CONFIRM;
			return;
		}
	}
	/* the first non-empty lines of the body, before a signature */
	for (s = msg->text; s != NULL && *s != '\0' && lines < 3; s = e) {
		e = strchr(s, '\n');
		e = e != NULL ? e + 1 : s + strlen(s);
		for (t = s; t < e && is_space(*t); t++)
			;
		if (t == e)
			continue;
		if (strncmp(s, "-- ", 3) == 0 || strncmp(s, "--\n", 3) == 0)
			break;
		lines++;
		if (line_cmd(s, (size_t)(e - s), c))
			return;
	}
	memset(c, 0, sizeof(*c));
}

/* ------------------------------------------------------------ members */

int
lists_member(struct store *st, const char *address, int64_t *contact_r,
    int64_t *org_r, struct err *err)
{
	struct contact *c = NULL;
	struct org *o = NULL;

	*contact_r = *org_r = 0;
	if (store_contact_get(st, address, &c, err) == -1)
		return -1;
	if (c != NULL) {
		*contact_r = c->id;
		contact_free(&c);
		return 0;
	}
	if (store_org_by_sender(st, address, &o, err) == -1)
		return -1;
	if (o != NULL && !o->disabled) {
		*org_r = o->id;
		org_free(&o);
		return 0;
	}
	if (o != NULL) {
		err_set(err, ERR_MSG, "%s belongs to the organisation '%s', "
		    "which is disabled", address, o->name);
		org_free(&o);
		return -1;
	}
	return err_set(err, ERR_MSG, "%s is neither a company contact nor "
	    "an address of a registered organisation", address);
}

int
lists_subscribe(struct store *st, const char *list, const char *address,
    const char *via, bool *added_r, struct err *err)
{
	int64_t contact, org;
	char token[33];

	if (lists_member(st, address, &contact, &org, err) == -1)
		return -1;
	token_new(token);
	return store_subscriber_add(st, list, address, contact, org, token,
	    via, added_r, err);
}

int
lists_unsubscribe(struct store *st, const char *list, const char *address,
    bool *removed_r, struct err *err)
{
	struct subscriber sb;
	bool found;

	*removed_r = false;
	if (store_subscriber_get(st, list, address, &sb, &found, err) == -1)
		return -1;
	if (!found)
		return 0;
	if (store_subscriber_remove(st, sb.id, err) == -1) {
		subscriber_clear(&sb);
		return -1;
	}
	subscriber_clear(&sb);
	*removed_r = true;
	return 0;
}

/* ------------------------------------------------------------ commands */

static int answer(const struct config *cfg, struct store *st, int64_t msg,
    int64_t cmd, const char *to, struct err *err);

int
lists_welcome(const struct config *cfg, struct store *st, const char *list,
    const char *address, struct err *err)
{
	int64_t cmd;

	if (store_command_add(st, 0, "subscribe", list, address, NULL,
	    "subscribed", &cmd, err) == -1)
		return -1;
	return answer(cfg, st, 0, cmd, address, err);
}

/* the answer: an ack row with the command, within the daily cap */
static int
answer(const struct config *cfg, struct store *st, int64_t msg,
    int64_t cmd, const char *to, struct err *err)
{
	struct outbox_row ob;
	char since[21];
	size_t n;

	time_rfc3339(now_epoch() - 86400, since);
	if (store_replies_since(st, to, since, &n, err) == -1)
		return -1;
	if (n >= cfg->replies_per_day) {
		log_warnx("msg=%lld: no answer to %s: %zu replies to that "
		    "address in the last day already", (long long)msg,
		    log_safe(to), n);
		return 0;
	}
	memset(&ob, 0, sizeof(ob));
	ob.kind = "ack";
	ob.message = msg;
	ob.recipient = to;
	ob.command = cmd;
	return store_outbox_add(st, &ob, NULL, err);
}

/* records the command with its result and queues the answer to `to` */
static int
done(const struct config *cfg, struct store *st, int64_t msg,
    const struct list_cmd *c, const char *list, const char *address,
    const char *token, const char *result, const char *to, struct err *err)
{
	int64_t cmd;

	if (store_command_add(st, msg, list_cmd_name(c->kind), list, address,
	    token, result, &cmd, err) == -1)
		return -1;
	log_info("msg=%lld command=%s list=%s address=%s: %s", (long long)msg,
	    list_cmd_name(c->kind), list != NULL ? log_safe(list) : "-",
	    address != NULL ? log_safe(address) : "-", result);
	if (to == NULL)
		return 0;
	return answer(cfg, st, msg, cmd, to, err);
}

static int
refuse(const struct config *cfg, struct store *st, int64_t msg,
    const struct list_cmd *c, const char *from, bool reply, char **refused_r,
    struct err *err, const char *fmt, ...) __attribute__((format(printf, 9, 10)));

static int
refuse(const struct config *cfg, struct store *st, int64_t msg,
    const struct list_cmd *c, const char *from, bool reply, char **refused_r,
    struct err *err, const char *fmt, ...)
{
	struct buf b = BUF_INIT(4096);
	char *result;
	va_list ap;
	int r;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	result = xasprintf("refused: %s", buf_str(&b));
	r = done(cfg, st, msg, c, c->list[0] != '\0' ? c->list : NULL, from,
	    NULL, result, reply ? from : NULL, err);
	free(result);
	*refused_r = buf_detach(&b, NULL);
	return r;
}

/* whoever sends it: the token is the proof, and the answer goes to the
 * subscriber, never to the sender */
static int
do_unsub_token(const struct config *cfg, struct store *st, int64_t msg,
    const struct list_cmd *c, const char *from, char **refused_r,
    struct err *err)
{
	struct subscriber sb;
	bool found;
	int r;

	if (store_subscriber_by_token(st, c->token, &sb, &found, err) == -1)
		return -1;
	if (!found)
		return refuse(cfg, st, msg, c, from, false, refused_r, err,
		    "The unsubscribe address is not (or no longer) valid: "
		    "nobody is subscribed with it.");
	r = store_subscriber_remove(st, sb.id, err);
	if (r == 0)
		r = done(cfg, st, msg, c, sb.list, sb.address, NULL,
		    "unsubscribed", sb.address, err);
	subscriber_clear(&sb);
	return r;
}

static int
do_confirm(const struct config *cfg, struct store *st, int64_t msg,
    const struct list_cmd *c, const char *from, bool verified,
    char **refused_r, struct err *err)
{
	struct sub_request rq;
	struct err merr;
	char now[21];
	bool found, added;
	int r = -1;

	if (store_request_by_token(st, c->token, &rq, &found, err) == -1)
		return -1;
	time_rfc3339(now_epoch(), now);
	if (!found || rq.done != NULL || strcmp(rq.expires, now) <= 0) {
		r = refuse(cfg, st, msg, c, from, verified, refused_r, err,
		    "%s", !found ? "This confirmation is not known." :
		    rq.done != NULL ? "This confirmation was used already." :
		    "This confirmation has expired; write subscribe LIST "
		    "again.");
		goto out;
	}
	if (config_list(cfg, rq.list) == NULL) {
		r = refuse(cfg, st, msg, c, from, verified, refused_r, err,
		    "There is no list '%s' any more.", rq.list);
		goto out;
	}
	err_clear(&merr);
	if (lists_subscribe(st, rq.list, rq.address, "mail", &added,
	    &merr) == -1) {
		if (merr.cls != ERR_MSG) {
			*err = merr;
			goto out;
		}
		r = refuse(cfg, st, msg, c, from, verified, refused_r, err,
		    "%s", merr.msg);
		goto out;
	}
	if (store_request_done(st, rq.id, err) == -1)
		goto out;
	r = done(cfg, st, msg, c, rq.list, rq.address, NULL, "subscribed",
	    rq.address, err);
out:
	sub_request_clear(&rq);
	return r;
}

int
lists_apply(const struct config *cfg, struct store *st, int64_t msg,
    const struct list_cmd *c, const char *from, bool verified,
    char **refused_r, struct err *err)
{
	const struct list_conf *l;
	struct subscriber sb;
	char token[33], expires[21];
	bool found, removed;
	struct err merr;
	int64_t contact, org;

	*refused_r = NULL;
	switch (c->kind) {
	case LC_UNSUB_TOKEN:
		return do_unsub_token(cfg, st, msg, c, from, refused_r, err);
	case LC_CONFIRM:
		return do_confirm(cfg, st, msg, c, from, verified, refused_r,
		    err);
	case LC_NONE:
	case LC_LISTS:
	case LC_HELP:
		return done(cfg, st, msg, c, NULL, from, NULL, "help", from,
		    err);
	case LC_SUBSCRIBE:
	case LC_UNSUBSCRIBE:
		break;
	}
	if (c->list[0] == '\0')
		return refuse(cfg, st, msg, c, from, true, refused_r, err,
		    "Which list? Write '%s LIST' with one of the lists below.",
		    list_cmd_name(c->kind));
	if (c->arg[0] != '\0' && !str_ieq(c->arg, from))
		return refuse(cfg, st, msg, c, from, true, refused_r, err,
		    "You can %s only your own address, %s. Whoever reads %s "
		    "must write to the gateway from that address.",
		    list_cmd_name(c->kind), from, c->arg);
	if (store_subscriber_get(st, c->list, from, &sb, &found, err) == -1)
		return -1;
	subscriber_clear(&sb);
	if (c->kind == LC_UNSUBSCRIBE) {
		if (!found)
			return refuse(cfg, st, msg, c, from, true, refused_r, err,
			    "%s is not subscribed to '%s'.", from, c->list);
		if (lists_unsubscribe(st, c->list, from, &removed, err) == -1)
			return -1;
		return done(cfg, st, msg, c, c->list, from, NULL,
		    "unsubscribed", from, err);
	}
	if ((l = config_list(cfg, c->list)) == NULL)
		return refuse(cfg, st, msg, c, from, true, refused_r, err,
		    "There is no list '%s'.", c->list);
	if (found)
		return refuse(cfg, st, msg, c, from, true, refused_r, err,
		    "%s is subscribed to '%s' already.", from, l->name);
	err_clear(&merr);
	if (lists_member(st, from, &contact, &org, &merr) == -1) {
		if (merr.cls != ERR_MSG) {
			*err = merr;
			return -1;
		}
		return refuse(cfg, st, msg, c, from, true, refused_r, err,
		    "%s", merr.msg);
	}
	token_new(token);
	time_rfc3339(now_epoch() + (int64_t)cfg->confirm_within, expires);
	if (store_request_add(st, l->name, from, token, msg, expires,
	    err) == -1)
		return -1;
	return done(cfg, st, msg, c, l->name, from, token, "confirm", from,
	    err);
}
