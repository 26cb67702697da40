/* imap.c: one IMAP inbox through libetpan; the only module with mailimap */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>

#include "buf.h"
#include "imap.h"
#include "log.h"
#include "util.h"

/*
 * libetpan 1.9.4 (Debian 12), as used here:
 * - mailimap_set_timeout() sets the timeout of every stream the session
 *   opens afterwards (TCP connect, TLS handshake, STARTTLS, each read and
 *   write), so the process-wide mailstream_network_delay stays untouched.
 * - It does not verify certificates: tls_verify() does, with GnuTLS,
 *   before anything secret is sent.
 * - On an error, output pointers may hold garbage (UID FETCH frees its
 *   list without clearing the pointer): they are reset here.
 * - STREAM, PARSE and FATAL mean the connection is gone; the handle is
 *   then marked broken and only good for imap_close().
 * - IDLE: data already read into the stream's buffer is not seen by
 *   poll(), so imap_idle() checks the buffer; and mailimap_idle() drops
 *   untagged data sent before the "+ idling" (it then waits for the
 *   timeout and fails: ERR_TEMP).  The caller fetches before every IDLE;
 *   an EXISTS that arrives with a command's answer is remembered
 *   (`news`) and ends the next IDLE at once.
 */

#define SET_RANGES_MAX	256		/* UID ranges per command */
#define TEXT_MAX	200		/* server text kept in a message */
#define CHAIN_MAX	16		/* certificates looked at */
#define LOGOUT_TIMEOUT	5		/* seconds, at imap_close() */

struct imap {
	mailimap *s;
	char *name;		/* for messages */
	char *host;		/* for SNI, certificate checks and messages */
	unsigned timeout;
	uint32_t uidvalidity;
	bool has_idle;
	bool has_move;
	bool has_uidplus;
	bool broken;		/* the connection is gone */
	bool news;		/* an EXISTS or RECENT since the last list */
};

/* ------------------------------------------------------------ helpers */

/* untrusted text for a message: printable ASCII kept, the rest as \xNN */
static void
add_safe(struct buf *b, const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < max; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			buf_addch(b, (char)ch);
		else
			buf_printf(b, "\\x%02x", ch);
	}
	if (s[i] != '\0')
		buf_addstr(b, "...");
}

/* the server's text for the last command, or "" */
static const char *
server_text(const struct imap *im)
{
	if (im->s == NULL || im->s->imap_response == NULL)
		return "";
	return im->s->imap_response;
}

/* the response code atom of the last command ("NONEXISTENT"), or NULL */
static const char *
server_code(const struct imap *im)
{
	if (im->s == NULL || im->s->imap_response_info == NULL)
		return NULL;
	return im->s->imap_response_info->rsp_atom;
}

static bool
code_is(const struct imap *im, const char *code)
{
	const char *c = server_code(im);

	return c != NULL && str_ieq(c, code);
}

static const char *
etpan_reason(int r)
{
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
		return "the connection was lost or timed out";
	case MAILIMAP_ERROR_PARSE:
		return "unreadable answer from the server (connection dropped)";
	case MAILIMAP_ERROR_FATAL:
		return "the server ended the session";
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
		return "cannot connect";
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
		return "the server refuses connections";
	case MAILIMAP_ERROR_SSL:
		return "TLS handshake failed";
	case MAILIMAP_ERROR_STARTTLS:
		return "STARTTLS refused, or data injected after its answer";
	case MAILIMAP_ERROR_MEMORY:
		return "out of memory";
	case MAILIMAP_ERROR_PROTOCOL:
		return "the server answered BAD";
	case MAILIMAP_ERROR_BAD_STATE:
		return "wrong session state";
	default:
		return "refused";
	}
}

/*
 * An error from libetpan, as "inbox NAME: WHAT: REASON[: server text]".
 * The connection errors mark the handle broken.
 */
static int
fail(struct imap *im, int r, const char *what, struct err *err)
{
	struct buf b = BUF_INIT(sizeof(err->msg));
	enum err_class cls = ERR_TEMP;
	bool text = true;

	switch (r) {
	case MAILIMAP_ERROR_STREAM:
	case MAILIMAP_ERROR_PARSE:
		/* imap_response may be left from an earlier command */
		text = false;
		im->broken = true;
		break;
	case MAILIMAP_ERROR_FATAL:
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
		im->broken = true;
		break;
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
	case MAILIMAP_ERROR_SSL:
		text = false;
		im->broken = true;
		break;
	case MAILIMAP_ERROR_MEMORY:
	case MAILIMAP_ERROR_BAD_STATE:
		cls = ERR_SYS;
		text = false;
		break;
	default:
		break;
	}
	buf_addstr(&b, etpan_reason(r));
	if (text && *server_text(im) != '\0') {
		buf_addstr(&b, ": ");
		add_safe(&b, server_text(im), TEXT_MAX);
	}
	err_set(err, cls, "inbox %s: %s: %s", im->name, what, buf_str(&b));
	buf_free(&b);
	return -1;
}

static int
fail_gone(struct imap *im, struct err *err)
{
	return err_set(err, ERR_TEMP, "inbox %s: the connection to %s is "
	    "gone", im->name, im->host);
}

static int
fail_nomem(struct imap *im, struct err *err)
{
	return err_set(err, ERR_SYS, "inbox %s: out of memory", im->name);
}

/* the EXISTS and RECENT flags of the selection: read, and reset */
static bool
take_news(struct imap *im)
{
	struct mailimap_selection_info *sel = im->s->imap_selection_info;
	bool news;

	if (sel == NULL)
		return false;
	news = sel->sel_has_exists || sel->sel_has_recent;
	sel->sel_has_exists = 0;
	sel->sel_has_recent = 0;
	return news;
}

static bool
is_loopback(const char *host)
{
	return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "::1") == 0 ||
	    str_ieq(host, "localhost");
}

static bool
is_ip_literal(const char *host)
{
	unsigned char a[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1;
}

/* mailbox names go out as they are: modified UTF-7 is the caller's */
static bool
is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80 || (unsigned char)*s < 0x20)
			return false;
	return true;
}

/* --------------------------------------------------------------- TLS */

/* libetpan calls this before the handshake: SNI for host names */
static void
tls_setup(struct mailstream_ssl_context *ctx, void *data)
{
	struct imap *im = data;

	if (ctx == NULL || is_ip_literal(im->host))
		return;
	(void)mailstream_ssl_set_server_name(ctx, im->host);
}

/*
 * The server's chain against ca_file or the system trust, with the host
 * name (or address) and the TLS server purpose.
 */
static int
tls_verify(struct imap *im, const char *ca_file, struct err *err)
{
	unsigned char kp_server[] = GNUTLS_KP_TLS_WWW_SERVER;
	gnutls_typed_vdata_st vd[2];
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_x509_crt_t *crts = NULL;
	gnutls_datum_t out = { NULL, 0 };
	carray *chain;
	unsigned n, ncrt = 0, i, status = 0;
	int ret, rc = -1;

	chain = mailstream_get_certificate_chain(im->s->imap_stream);
	if (chain == NULL || carray_count(chain) == 0) {
		err_set(err, ERR_TEMP, "inbox %s: the certificate of %s is not "
		    "trusted: the server sent no certificate", im->name,
		    im->host);
		goto out;
	}
	n = carray_count(chain);
	if (n > CHAIN_MAX)
		n = CHAIN_MAX;
	crts = xcalloc(n, sizeof(*crts));
	for (i = 0; i < n; i++) {
		MMAPString *der = carray_get(chain, i);
		gnutls_datum_t d;

		if (der == NULL || der->len == 0 || der->len > 1024 * 1024) {
			err_set(err, ERR_TEMP, "inbox %s: the certificate of %s "
			    "is not trusted: an empty or oversized certificate",
			    im->name, im->host);
			goto out;
		}
		if ((ret = gnutls_x509_crt_init(&crts[ncrt])) < 0) {
			err_set(err, ERR_SYS, "inbox %s: gnutls: %s", im->name,
			    gnutls_strerror(ret));
			goto out;
		}
		ncrt++;
		d.data = (unsigned char *)der->str;
		d.size = (unsigned)der->len;
		ret = gnutls_x509_crt_import(crts[ncrt - 1], &d,
		    GNUTLS_X509_FMT_DER);
		if (ret < 0) {
			err_set(err, ERR_TEMP, "inbox %s: the certificate of %s "
			    "is not trusted: %s", im->name, im->host,
			    gnutls_strerror(ret));
			goto out;
		}
	}

	if ((ret = gnutls_x509_trust_list_init(&tl, 0)) < 0) {
		tl = NULL;
		err_set(err, ERR_SYS, "inbox %s: gnutls: %s", im->name,
		    gnutls_strerror(ret));
		goto out;
	}
	if (ca_file != NULL) {
		ret = gnutls_x509_trust_list_add_trust_file(tl, ca_file, NULL,
		    GNUTLS_X509_FMT_PEM, 0, 0);
		if (ret <= 0) {
			err_set(err, ERR_CONFIG, "inbox %s: ca_file '%s': %s",
			    im->name, ca_file, ret < 0 ? gnutls_strerror(ret) :
			    "no certificate in it");
			goto out;
		}
	} else {
		ret = gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
		if (ret <= 0) {
			err_set(err, ERR_CONFIG, "inbox %s: the system trust "
			    "store is empty or unreadable (%s); set ca_file",
			    im->name, ret < 0 ? gnutls_strerror(ret) :
			    "no certificate");
			goto out;
		}
	}

	memset(vd, 0, sizeof(vd));
	vd[0].type = GNUTLS_DT_DNS_HOSTNAME;
	vd[0].data = (unsigned char *)im->host;
	vd[1].type = GNUTLS_DT_KEY_PURPOSE_OID;
	vd[1].data = kp_server;
	ret = gnutls_x509_trust_list_verify_crt2(tl, crts, ncrt, vd, 2, 0,
	    &status, NULL);
	if (ret < 0) {
		err_set(err, ERR_TEMP, "inbox %s: the certificate of %s is not "
		    "trusted: %s", im->name, im->host, gnutls_strerror(ret));
		goto out;
	}
	if (status != 0) {
		struct buf b = BUF_INIT(sizeof(err->msg));

		ret = gnutls_certificate_verification_status_print(status,
		    GNUTLS_CRT_X509, &out, 0);
		if (ret < 0 || out.data == NULL)
			buf_printf(&b, "verification status 0x%x", status);
		else
			add_safe(&b, (const char *)out.data, 400);
		buf_rtrim(&b);
		err_set(err, ERR_TEMP, "inbox %s: the certificate of %s is not "
		    "trusted: %s", im->name, im->host, buf_str(&b));
		buf_free(&b);
		goto out;
	}
	rc = 0;
out:
	gnutls_free(out.data);
	for (i = 0; i < ncrt; i++)
		gnutls_x509_crt_deinit(crts[i]);
	free(crts);
	if (tl != NULL)
		gnutls_x509_trust_list_deinit(tl, 1);
	if (chain != NULL)
		mailstream_certificate_chain_free(chain);
	return rc;
}

/* -------------------------------------------------------- open, close */

/* CAPABILITY: libetpan keeps the list in the session */
static int
capability(struct imap *im, struct err *err)
{
	struct mailimap_capability_data *cap = NULL;
	int r;

	r = mailimap_capability(im->s, &cap);
	if (r != MAILIMAP_NO_ERROR)
		return fail(im, r, "CAPABILITY", err);
	mailimap_capability_data_free(cap);
	return 0;
}

static int
connect_server(struct imap *im, const struct imap_conf *c, struct err *err)
{
	struct buf what = BUF_INIT(512);
	uint16_t port = (uint16_t)c->port;
	int r, rc = -1;

	if (port == 0)
		port = c->tls == IMAP_TLS_IMPLICIT ? 993 : 143;
	buf_printf(&what, "%s %s port %u",
	    c->tls == IMAP_TLS_IMPLICIT ? "TLS connection to" :
	    "connection to", im->host, (unsigned)port);
	if (c->tls == IMAP_TLS_IMPLICIT)
		r = mailimap_ssl_connect_with_callback(im->s, im->host, port,
		    tls_setup, im);
	else
		r = mailimap_socket_connect(im->s, im->host, port);
	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		fail(im, r, buf_str(&what), err);
		goto out;
	}

	if (c->tls == IMAP_TLS_STARTTLS) {
		if (r == MAILIMAP_NO_ERROR_AUTHENTICATED) {
			/* PREAUTH leaves no room for STARTTLS */
			im->broken = true;
			err_set(err, ERR_TEMP, "inbox %s: %s greets with PREAUTH, "
			    "so STARTTLS is impossible", im->name, im->host);
			goto out;
		}
		if (capability(im, err) == -1)
			goto out;
		if (!mailimap_has_extension(im->s, "STARTTLS")) {
			im->broken = true;
			err_set(err, ERR_TEMP, "inbox %s: %s does not offer "
			    "STARTTLS, which is required (tls = starttls)",
			    im->name, im->host);
			goto out;
		}
		r = mailimap_socket_starttls_with_callback(im->s, tls_setup,
		    im);
		if (r != MAILIMAP_NO_ERROR) {
			/* the stream is in an unknown state after this */
			im->broken = true;
			fail(im, r, "STARTTLS", err);
			goto out;
		}
		/* CVE-2020-15953: nothing may follow the STARTTLS answer */
		if (im->s->imap_stream->read_buffer_len != 0) {
			im->broken = true;
			err_set(err, ERR_TEMP, "inbox %s: %s sent data after its "
			    "STARTTLS answer (injection attempt?)", im->name,
			    im->host);
			goto out;
		}
	}
	rc = 0;
out:
	buf_free(&what);
	return rc;
}

/* LOGIN, or AUTHENTICATE XOAUTH2 when the secret is a token */
static int
login(struct imap *im, const struct imap_conf *c, const char *secret,
    struct err *err)
{
	struct buf b = BUF_INIT(sizeof(err->msg));
	const char *text;
	int r, rc = -1;

	if (c->xoauth2_file != NULL)
		r = mailimap_oauth2_authenticate(im->s, c->user, secret);
	else
		r = mailimap_login(im->s, c->user, secret);
	if (r == MAILIMAP_ERROR_LOGIN || r == MAILIMAP_ERROR_PROTOCOL) {
		text = server_text(im);
		/* a server should never echo it; if one does, drop its text */
		if (*text == '\0' || strstr(text, secret) != NULL)
			buf_addstr(&b, "no reason given");
		else
			add_safe(&b, text, TEXT_MAX);
		err_set(err, ERR_TEMP, "inbox %s: login as %s refused: %s",
		    im->name, c->user, buf_str(&b));
		goto out;
	}
	if (r != MAILIMAP_NO_ERROR) {
		fail(im, r, "login", err);
		goto out;
	}
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

static int
select_folder(struct imap *im, const char *folder, struct err *err)
{
	struct buf b = BUF_INIT(sizeof(err->msg));
	int r, rc = -1;

	r = mailimap_select(im->s, folder);
	if (r == MAILIMAP_ERROR_SELECT && code_is(im, "NONEXISTENT")) {
		err_set(err, ERR_CONFIG, "inbox %s: folder '%s' does not exist "
		    "on %s", im->name, folder, im->host);
		goto out;
	}
	if (r != MAILIMAP_NO_ERROR) {
		buf_printf(&b, "SELECT '%s'", folder);
		fail(im, r, buf_str(&b), err);
		goto out;
	}
	if (im->s->imap_selection_info == NULL ||
	    im->s->imap_selection_info->sel_uidvalidity == 0) {
		err_set(err, ERR_TEMP, "inbox %s: %s sent no UIDVALIDITY for "
		    "'%s'", im->name, im->host, folder);
		goto out;
	}
	im->uidvalidity = im->s->imap_selection_info->sel_uidvalidity;
	(void)take_news(im);	/* the SELECT's own EXISTS */
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

int
imap_open(const struct imap_conf *c, struct imap **im_r, struct err *err)
{
	struct imap *im = NULL;
	const char *name = c->name != NULL ? c->name : "?";
	const char *folder = c->folder != NULL ? c->folder : "INBOX";
	char *secret = NULL, who[256];
	int rc = -1;

	*im_r = NULL;
	if (c->host == NULL || *c->host == '\0')
		return err_set(err, ERR_CONFIG, "inbox %s: no host", name);
	if (c->user == NULL || *c->user == '\0')
		return err_set(err, ERR_CONFIG, "inbox %s: no user", name);
	if ((c->password_file == NULL) == (c->xoauth2_file == NULL))
		return err_set(err, ERR_CONFIG, "inbox %s: give one of "
		    "password_file or xoauth2_file", name);
	if (c->port > 65535)
		return err_set(err, ERR_CONFIG, "inbox %s: port %u is out of "
		    "range", name, c->port);
	if (*folder == '\0' || !is_ascii(folder))
		return err_set(err, ERR_CONFIG, "inbox %s: folder '%s' must be "
		    "non-empty printable ASCII (modified UTF-7)", name, folder);
	switch (c->tls) {
	case IMAP_TLS_IMPLICIT:
	case IMAP_TLS_STARTTLS:
		break;
	case IMAP_TLS_NONE:
		if (!is_loopback(c->host))
			return err_set(err, ERR_CONFIG, "inbox %s: clear-text "
			    "IMAP is only allowed to 127.0.0.1, ::1 or "
			    "localhost, not '%s'", name, c->host);
		break;
	default:
		return err_set(err, ERR_CONFIG, "inbox %s: unknown tls mode",
		    name);
	}

	/* before the network: a config error is one whatever the server */
	snprintf(who, sizeof(who), "inbox %s", name);
	if (c->xoauth2_file != NULL) {
		if (secret_read(who, "xoauth2_file", c->xoauth2_file, &secret,
		    err) == -1)
			return -1;
	} else if (secret_read(who, "password_file", c->password_file,
	    &secret, err) == -1)
		return -1;

	im = xcalloc(1, sizeof(*im));
	im->name = xstrdup(name);
	im->host = xstrdup(c->host);
	im->timeout = c->timeout > 0 ? c->timeout : 60;
	if ((im->s = mailimap_new(0, NULL)) == NULL) {
		fail_nomem(im, err);
		goto out;
	}
	mailimap_set_timeout(im->s, (time_t)im->timeout);

	if (connect_server(im, c, err) == -1)
		goto out;
	if (c->tls != IMAP_TLS_NONE && tls_verify(im, c->ca_file, err) == -1)
		goto out;
	if (im->s->imap_state == MAILIMAP_STATE_NON_AUTHENTICATED &&
	    login(im, c, secret, err) == -1)
		goto out;
	secret_free(&secret);
	/* the list may have changed with TLS and login */
	if (capability(im, err) == -1)
		goto out;
	im->has_idle = mailimap_has_idle(im->s) != 0;
	im->has_move = mailimap_has_extension(im->s, "MOVE") != 0;
	im->has_uidplus = mailimap_has_extension(im->s, "UIDPLUS") != 0;
	if (select_folder(im, folder, err) == -1)
		goto out;
	log_debug("inbox=%s host=%s uidvalidity=%u idle=%d move=%d uidplus=%d",
	    im->name, im->host, im->uidvalidity, im->has_idle, im->has_move,
	    im->has_uidplus);
	*im_r = im;
	im = NULL;
	rc = 0;
out:
	secret_free(&secret);
	if (im != NULL) {
		/* a half-open session says nothing more to the server */
		im->broken = true;
		imap_close(&im);
	}
	return rc;
}

void
imap_close(struct imap **imp)
{
	struct imap *im;

	if (imp == NULL || (im = *imp) == NULL)
		return;
	if (im->s != NULL) {
		if (im->s->imap_stream != NULL) {
			if (im->broken || im->s->imap_state ==
			    MAILIMAP_STATE_DISCONNECTED) {
				/* no LOGOUT on a dead or untrusted stream */
				mailstream_close(im->s->imap_stream);
				im->s->imap_stream = NULL;
			} else {
				mailstream_low *low;

				/* a short wait: nothing depends on it */
				low = mailstream_get_low(im->s->imap_stream);
				if (low != NULL && im->timeout > LOGOUT_TIMEOUT)
					mailstream_low_set_timeout(low,
					    LOGOUT_TIMEOUT);
				/* closes the stream, whatever the answer */
				(void)mailimap_logout(im->s);
			}
		}
		/* would LOGOUT itself on a stream still open */
		mailimap_free(im->s);
	}
	free(im->name);
	free(im->host);
	free(im);
	*imp = NULL;
}

uint32_t
imap_uidvalidity(const struct imap *im)
{
	return im != NULL ? im->uidvalidity : 0;
}

bool
imap_has_idle(const struct imap *im)
{
	return im != NULL && im->has_idle;
}

bool
imap_has_move(const struct imap *im)
{
	return im != NULL && im->has_move;
}

/* --------------------------------------------------------- list, fetch */

static int
msg_cmp(const void *a, const void *b)
{
	const struct imap_msg *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* the UID, RFC822.SIZE and BODY[] of one FETCH answer */
static void
msg_att_get(struct mailimap_msg_att *att, uint32_t *uid_r, uint64_t *size_r,
    struct mailimap_msg_att_body_section **body_r)
{
	clistiter *cur;

	*uid_r = 0;
	*size_r = 0;
	if (body_r != NULL)
		*body_r = NULL;
	if (att == NULL || att->att_list == NULL)
		return;
	for (cur = clist_begin(att->att_list); cur != NULL;
	    cur = clist_next(cur)) {
		struct mailimap_msg_att_item *item = clist_content(cur);
		struct mailimap_msg_att_static *st;

		if (item == NULL || item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		if ((st = item->att_data.att_static) == NULL)
			continue;
		switch (st->att_type) {
		case MAILIMAP_MSG_ATT_UID:
			*uid_r = st->att_data.att_uid;
			break;
		case MAILIMAP_MSG_ATT_RFC822_SIZE:
			*size_r = st->att_data.att_rfc822_size;
			break;
		case MAILIMAP_MSG_ATT_BODY_SECTION:
			if (body_r != NULL)
				*body_r = st->att_data.att_body_section;
			break;
		default:
			break;
		}
	}
}

/* a fetch type from a list of attributes (taken, also on failure) */
static struct mailimap_fetch_type *
fetch_type_new(struct mailimap_fetch_att **atts, size_t n)
{
	struct mailimap_fetch_type *ft;
	size_t i;

	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	for (i = 0; i < n; i++) {
		if (atts[i] == NULL || ft == NULL ||
		    mailimap_fetch_type_new_fetch_att_list_add(ft, atts[i]) !=
		    MAILIMAP_NO_ERROR) {
			if (atts[i] != NULL)
				mailimap_fetch_att_free(atts[i]);
			if (ft != NULL)
				mailimap_fetch_type_free(ft);
			ft = NULL;
		}
	}
	return ft;
}

/* what one UID FETCH leaves to free; every argument may be NULL */
static void
fetch_cleanup(clist *result, struct mailimap_set *set,
    struct mailimap_fetch_type *ft)
{
	if (result != NULL)
		mailimap_fetch_list_free(result);
	if (set != NULL)
		mailimap_set_free(set);
	if (ft != NULL)
		mailimap_fetch_type_free(ft);
}

int
imap_list(struct imap *im, uint32_t last, size_t max,
    struct imap_msg **list_r, size_t *n_r, struct err *err)
{
	struct mailimap_fetch_att *atts[2];
	struct mailimap_fetch_type *ft = NULL;
	struct mailimap_set *set = NULL;
	struct mailimap_selection_info *sel;
	struct imap_msg *list = NULL;
	clist *result = NULL;
	clistiter *cur;
	size_t n = 0, cap = 0, i, j;
	int r, rc = -1;

	*list_r = NULL;
	*n_r = 0;
	if (im->broken)
		return fail_gone(im, err);
	if (last == UINT32_MAX || max == 0)
		return 0;

	atts[0] = mailimap_fetch_att_new_uid();
	atts[1] = mailimap_fetch_att_new_rfc822_size();
	if ((ft = fetch_type_new(atts, 2)) == NULL ||
	    (set = mailimap_set_new_interval(last + 1, 0)) == NULL) {
		fail_nomem(im, err);
		goto out;
	}
	/* this list takes what was announced before it */
	(void)take_news(im);
	im->news = false;
	r = mailimap_uid_fetch(im->s, set, ft, &result);
	if (r != MAILIMAP_NO_ERROR)
		result = NULL;	/* freed, but not cleared, by libetpan */
	/* an EXISTS in the answer may be for a mail not in this list */
	if (take_news(im))
		im->news = true;
	sel = im->s->imap_selection_info;
	if (r == MAILIMAP_ERROR_UID_FETCH) {
		/* NO with nothing fetched: nothing above `last` */
		rc = 0;
		goto out;
	}
	if (r == MAILIMAP_ERROR_PROTOCOL && sel != NULL &&
	    (sel->sel_exists == 0 ||
	    (sel->sel_uidnext != 0 && last + 1 >= sel->sel_uidnext))) {
		/* BAD for a range beyond the last UID */
		rc = 0;
		goto out;
	}
	if (r != MAILIMAP_NO_ERROR) {
		fail(im, r, "UID FETCH (UID RFC822.SIZE)", err);
		goto out;
	}

	for (cur = result != NULL ? clist_begin(result) : NULL; cur != NULL;
	    cur = clist_next(cur)) {
		uint32_t uid;
		uint64_t size;

		msg_att_get(clist_content(cur), &uid, &size, NULL);
		/* 0: an unsolicited FETCH (flags) without a UID */
		if (uid == 0 || uid <= last)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			list = xreallocarray(list, cap, sizeof(*list));
		}
		list[n].uid = uid;
		list[n].size = size;
		n++;
	}
	if (n > 1)
		qsort(list, n, sizeof(*list), msg_cmp);
	/* the same UID twice (an unsolicited FETCH with a UID): keep one */
	for (i = 0, j = 0; i < n; i++) {
		if (j > 0 && list[j - 1].uid == list[i].uid) {
			if (list[j - 1].size == 0)
				list[j - 1].size = list[i].size;
			continue;
		}
		list[j++] = list[i];
	}
	n = j;
	if (n > max)
		n = max;
	if (n == 0) {
		free(list);
		list = NULL;
	}
	*list_r = list;
	*n_r = n;
	list = NULL;
	rc = 0;
out:
	free(list);
	fetch_cleanup(result, set, ft);
	return rc;
}

/* UID FETCH uid (UID BODY.PEEK[]) or (UID BODY.PEEK[HEADER]) */
static int
fetch_section(struct imap *im, uint32_t uid, bool header, char **data_r,
    size_t *len_r, struct err *err)
{
	const char *what = header ? "BODY.PEEK[HEADER]" : "BODY.PEEK[]";
	struct mailimap_fetch_att *atts[2];
	struct mailimap_fetch_type *ft = NULL;
	struct mailimap_section *section;
	struct mailimap_set *set = NULL;
	struct buf b = BUF_INIT(64);
	clist *result = NULL;
	clistiter *cur;
	char *data;
	int r, rc = -1;

	*data_r = NULL;
	*len_r = 0;
	if (im->broken)
		return fail_gone(im, err);
	if (uid == 0)
		return err_set(err, ERR_MSG, "inbox %s: UID 0 is not a UID",
		    im->name);

	atts[0] = mailimap_fetch_att_new_uid();
	atts[1] = NULL;
	section = header ? mailimap_section_new_header() :
	    mailimap_section_new(NULL);
	if (section != NULL &&
	    (atts[1] = mailimap_fetch_att_new_body_peek_section(section)) ==
	    NULL)
		mailimap_section_free(section);
	if ((ft = fetch_type_new(atts, 2)) == NULL ||
	    (set = mailimap_set_new_single(uid)) == NULL) {
		fail_nomem(im, err);
		goto out;
	}
	r = mailimap_uid_fetch(im->s, set, ft, &result);
	if (r != MAILIMAP_NO_ERROR)
		result = NULL;	/* freed, but not cleared, by libetpan */
	if (take_news(im))
		im->news = true;
	if (r == MAILIMAP_ERROR_UID_FETCH && code_is(im, "EXPUNGEISSUED")) {
		err_set(err, ERR_MSG, "inbox %s: UID %u is gone", im->name,
		    uid);
		goto out;
	}
	if (r != MAILIMAP_NO_ERROR) {
		buf_printf(&b, "UID FETCH %u %s", uid, what);
		fail(im, r, buf_str(&b), err);
		goto out;
	}
	for (cur = result != NULL ? clist_begin(result) : NULL; cur != NULL;
	    cur = clist_next(cur)) {
		struct mailimap_msg_att_body_section *body;
		uint32_t got;
		uint64_t size;

		msg_att_get(clist_content(cur), &got, &size, &body);
		if (got != uid || body == NULL)
			continue;
		if (body->sec_body_part == NULL && !header) {
			/* BODY[] NIL */
			err_set(err, ERR_MSG, "inbox %s: UID %u has no "
			    "content", im->name, uid);
			goto out;
		}
		if (body->sec_body_part == NULL)
			body->sec_length = 0;
		data = xmalloc(body->sec_length + 1);
		if (body->sec_length > 0)
			memcpy(data, body->sec_body_part, body->sec_length);
		data[body->sec_length] = '\0';
		*data_r = data;
		*len_r = body->sec_length;
		rc = 0;
		goto out;
	}
	err_set(err, ERR_MSG, "inbox %s: UID %u is gone", im->name, uid);
out:
	buf_free(&b);
	fetch_cleanup(result, set, ft);
	return rc;
}

int
imap_fetch(struct imap *im, uint32_t uid, char **data_r, size_t *len_r,
    struct err *err)
{
	return fetch_section(im, uid, false, data_r, len_r, err);
}

int
imap_fetch_header(struct imap *im, uint32_t uid, char **data_r,
    size_t *len_r, struct err *err)
{
	return fetch_section(im, uid, true, data_r, len_r, err);
}

int
imap_fetch_many(struct imap *im, const uint32_t *uids, size_t n,
    imap_body_cb cb, void *arg, struct err *err)
{
	struct mailimap_fetch_att *atts[2];
	struct mailimap_fetch_type *ft = NULL;
	struct mailimap_section *section;
	struct mailimap_set *set = NULL;
	clist *result = NULL;
	clistiter *cur;
	size_t i;
	int r, rc = -1;

	if (n == 0)
		return 0;
	if (im->broken)
		return fail_gone(im, err);
	atts[0] = mailimap_fetch_att_new_uid();
	atts[1] = NULL;
	if ((section = mailimap_section_new(NULL)) != NULL &&
	    (atts[1] = mailimap_fetch_att_new_body_peek_section(section)) ==
	    NULL)
		mailimap_section_free(section);
	if ((ft = fetch_type_new(atts, 2)) == NULL ||
	    (set = mailimap_set_new_empty()) == NULL) {
		fail_nomem(im, err);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (uids[i] == 0 || mailimap_set_add_single(set, uids[i]) !=
		    MAILIMAP_NO_ERROR) {
			fail_nomem(im, err);
			goto out;
		}
	r = mailimap_uid_fetch(im->s, set, ft, &result);
	if (r != MAILIMAP_NO_ERROR)
		result = NULL;	/* freed, but not cleared, by libetpan */
	if (take_news(im))
		im->news = true;
	if (r != MAILIMAP_NO_ERROR) {
		fail(im, r, "UID FETCH BODY.PEEK[]", err);
		goto out;
	}
	for (cur = result != NULL ? clist_begin(result) : NULL; cur != NULL;
	    cur = clist_next(cur)) {
		struct mailimap_msg_att_body_section *body;
		uint32_t got;
		uint64_t size;
		bool asked = false;

		msg_att_get(clist_content(cur), &got, &size, &body);
		for (i = 0; i < n && !asked; i++)
			asked = uids[i] == got;
		if (!asked || body == NULL || body->sec_body_part == NULL)
			continue;
		if ((r = cb(arg, got, body->sec_body_part, body->sec_length,
		    err)) != 0) {
			rc = r;
			goto out;
		}
	}
	rc = 0;
out:
	fetch_cleanup(result, set, ft);
	return rc;
}

/* --------------------------------------------------------------- after */

static int
uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * A set of at most SET_RANGES_MAX ranges from the sorted, unique UIDs
 * starting at *pos; *pos moves past them.
 */
static struct mailimap_set *
uid_set_next(const uint32_t *uids, size_t n, size_t *pos)
{
	struct mailimap_set *set;
	size_t i = *pos, ranges = 0;

	if ((set = mailimap_set_new_empty()) == NULL)
		return NULL;
	while (i < n && ranges < SET_RANGES_MAX) {
		uint32_t first = uids[i], last = uids[i];

		while (i + 1 < n && uids[i + 1] == last + 1)
			last = uids[++i];
		i++;
		if (mailimap_set_add_interval(set, first, last) !=
		    MAILIMAP_NO_ERROR) {
			mailimap_set_free(set);
			return NULL;
		}
		ranges++;
	}
	*pos = i;
	return set;
}

/* UID STORE +FLAGS.SILENT (\Seen) or (\Deleted) */
static int
store_flag(struct imap *im, struct mailimap_set *set, bool deleted,
    struct err *err)
{
	struct mailimap_flag_list *fl;
	struct mailimap_flag *f;
	struct mailimap_store_att_flags *sa;
	int r;

	if ((fl = mailimap_flag_list_new_empty()) == NULL)
		return fail_nomem(im, err);
	f = deleted ? mailimap_flag_new_deleted() : mailimap_flag_new_seen();
	if (f == NULL || mailimap_flag_list_add(fl, f) != MAILIMAP_NO_ERROR) {
		if (f != NULL)
			mailimap_flag_free(f);
		mailimap_flag_list_free(fl);
		return fail_nomem(im, err);
	}
	if ((sa = mailimap_store_att_flags_new_add_flags_silent(fl)) == NULL) {
		mailimap_flag_list_free(fl);
		return fail_nomem(im, err);
	}
	r = mailimap_uid_store(im->s, set, sa);
	mailimap_store_att_flags_free(sa);
	if (r != MAILIMAP_NO_ERROR)
		return fail(im, r, deleted ? "UID STORE +FLAGS (\\Deleted)" :
		    "UID STORE +FLAGS (\\Seen)", err);
	return 0;
}

/* a refused command of imap_after: a missing folder is a config error */
static int
after_fail(struct imap *im, int r, const char *what, const char *folder,
    struct err *err)
{
	if (folder != NULL && r != MAILIMAP_ERROR_STREAM &&
	    r != MAILIMAP_ERROR_PARSE && im->s->imap_response_info != NULL &&
	    im->s->imap_response_info->rsp_trycreate)
		return err_set(err, ERR_CONFIG, "inbox %s: folder '%s' does "
		    "not exist on %s", im->name, folder, im->host);
	return fail(im, r, what, err);
}

/* UID STORE +FLAGS.SILENT (\Deleted), then UID EXPUNGE of just these */
static int
delete_set(struct imap *im, struct mailimap_set *set, struct err *err)
{
	int r;

	if (store_flag(im, set, true, err) == -1)
		return -1;
	if ((r = mailimap_uid_expunge(im->s, set)) != MAILIMAP_NO_ERROR)
		return after_fail(im, r, "UID EXPUNGE", NULL, err);
	return 0;
}

static int
after_set(struct imap *im, struct mailimap_set *set, enum imap_after after,
    const char *folder, struct err *err)
{
	struct buf b = BUF_INIT(512);
	int r, rc = -1;

	switch (after) {
	case IMAP_AFTER_KEEP:
		break;
	case IMAP_AFTER_SEEN:
		if (store_flag(im, set, false, err) == -1)
			goto out;
		break;
	case IMAP_AFTER_MOVE:
		if (im->has_move) {
			if ((r = mailimap_uid_move(im->s, set, folder)) !=
			    MAILIMAP_NO_ERROR) {
				buf_printf(&b, "UID MOVE to '%s'", folder);
				after_fail(im, r, buf_str(&b), folder, err);
				goto out;
			}
			break;
		}
		/* UIDPLUS (checked by the caller): COPY, then as a delete */
		if ((r = mailimap_uid_copy(im->s, set, folder)) !=
		    MAILIMAP_NO_ERROR) {
			buf_printf(&b, "UID COPY to '%s'", folder);
			after_fail(im, r, buf_str(&b), folder, err);
			goto out;
		}
		if (delete_set(im, set, err) == -1)
			goto out;
		break;
	case IMAP_AFTER_DELETE:
		if (delete_set(im, set, err) == -1)
			goto out;
		break;
	}
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

int
imap_after(struct imap *im, const uint32_t *uids, size_t n,
    enum imap_after after, const char *folder, struct err *err)
{
	struct mailimap_set *set;
	uint32_t *sorted = NULL;
	size_t i, j, pos;
	int r, rc = -1;

	switch (after) {
	case IMAP_AFTER_KEEP:
		return 0;
	case IMAP_AFTER_SEEN:
		break;
	case IMAP_AFTER_MOVE:
		if (folder == NULL || *folder == '\0' || !is_ascii(folder))
			return err_set(err, ERR_CONFIG, "inbox %s: after = move "
			    "needs a printable ASCII folder name", im->name);
		if (!im->has_move && !im->has_uidplus)
			return err_set(err, ERR_CONFIG, "inbox %s: %s offers "
			    "neither MOVE nor UIDPLUS; after = move would need "
			    "a plain EXPUNGE, which also removes other "
			    "\\Deleted mail: use after = seen or keep",
			    im->name, im->host);
		break;
	case IMAP_AFTER_DELETE:
		if (!im->has_uidplus)
			return err_set(err, ERR_CONFIG, "inbox %s: %s does not "
			    "offer UIDPLUS; after = delete would need a plain "
			    "EXPUNGE, which also removes other \\Deleted mail: "
			    "use after = seen or keep", im->name, im->host);
		break;
	default:
		return err_set(err, ERR_SYS, "inbox %s: unknown after action",
		    im->name);
	}
	if (n == 0)
		return 0;
	if (im->broken)
		return fail_gone(im, err);

	sorted = xreallocarray(NULL, n, sizeof(*sorted));
	memcpy(sorted, uids, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), uid_cmp);
	for (i = 0, j = 0; i < n; i++)
		if (sorted[i] != 0 && (j == 0 || sorted[j - 1] != sorted[i]))
			sorted[j++] = sorted[i];
	n = j;

	for (pos = 0; pos < n;) {
		if ((set = uid_set_next(sorted, n, &pos)) == NULL) {
			fail_nomem(im, err);
			goto out;
		}
		r = after_set(im, set, after, folder, err);
		mailimap_set_free(set);
		if (take_news(im))
			im->news = true;
		if (r == -1)
			goto out;
	}
	rc = 0;
out:
	free(sorted);
	return rc;
}

/* ---------------------------------------------------------------- IDLE */

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* did the last answer report new or removed mail? */
static bool
idle_changed(const struct imap *im)
{
	const struct mailimap_selection_info *sel = im->s->imap_selection_info;
	const struct mailimap_response_info *ri = im->s->imap_response_info;

	if (sel != NULL && (sel->sel_has_exists || sel->sel_has_recent))
		return true;
	return ri != NULL && ri->rsp_expunged != NULL &&
	    clist_count(ri->rsp_expunged) > 0;
}

int
imap_idle(struct imap *im, unsigned seconds, const volatile int *stop,
    bool *changed_r, struct err *err)
{
	int64_t deadline;
	int r, fd;

	*changed_r = false;
	if (im->broken)
		return fail_gone(im, err);
	if (!im->has_idle)
		return err_set(err, ERR_SYS, "inbox %s: IDLE not offered by %s",
		    im->name, im->host);
	if (im->s->imap_selection_info == NULL)
		return err_set(err, ERR_SYS, "inbox %s: IDLE without a selected "
		    "folder", im->name);
	/* new mail announced since the last list: no need to wait */
	if (im->news) {
		im->news = false;
		*changed_r = true;
		return 0;
	}
	deadline = mono_ms() + (int64_t)seconds * 1000;

	for (;;) {
		bool ready = false;

		if (stop != NULL && *stop)
			return 0;
		if (mono_ms() >= deadline)
			return 0;
		/* set again only if the server answers IDLE with NO or BAD */
		im->s->imap_response = NULL;
		r = mailimap_idle(im->s);
		if (r == MAILIMAP_ERROR_PARSE && im->s->imap_response != NULL) {
			struct buf b = BUF_INIT(sizeof(err->msg));

			add_safe(&b, im->s->imap_response, TEXT_MAX);
			err_set(err, ERR_TEMP, "inbox %s: IDLE refused: %s",
			    im->name, buf_str(&b));
			buf_free(&b);
			return -1;
		}
		if (r != MAILIMAP_NO_ERROR)
			return fail(im, r, "IDLE", err);
		if ((fd = mailimap_idle_get_fd(im->s)) < 0) {
			im->broken = true;
			return err_set(err, ERR_TEMP, "inbox %s: IDLE: no "
			    "connection", im->name);
		}
		while (!ready) {
			struct pollfd pfd;
			int64_t left;
			int pr;

			if (stop != NULL && *stop)
				break;
			/* data already read into the stream: poll misses it */
			if (im->s->imap_stream->read_buffer_len > 0) {
				ready = true;
				break;
			}
			if ((left = deadline - mono_ms()) <= 0)
				break;
			pfd.fd = fd;
			pfd.events = POLLIN;
			pfd.revents = 0;
			pr = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
			if (pr == -1 && errno != EINTR) {
				char ebuf[128];
				int e = errno;

				im->broken = true;
				return err_set(err, ERR_TEMP, "inbox %s: IDLE: "
				    "poll: %s", im->name,
				    strerror_r(e, ebuf, sizeof(ebuf)));
			}
			if (pr > 0)
				ready = true;
		}
		/* DONE reads what the server sent, up to the tagged OK */
		r = mailimap_idle_done(im->s);
		if (r != MAILIMAP_NO_ERROR)
			return fail(im, r, "IDLE DONE", err);
		if (idle_changed(im)) {
			*changed_r = true;
			return 0;
		}
		if (!ready)
			return 0;
		/* a keepalive ("* OK Still here") or flag news: idle on */
	}
}
