/* test-imap.c: imap_open's checks that need no server (Dovecot tests are
 * the integration suite's) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "imap.h"
#include "tap.h"
#include "util.h"

static char dir[] = "/tmp/test-imap-XXXXXX";

static const char *
file(const char *name, const char *content)
{
	static char path[4][256];
	static int next;
	char *p = path[next++ % 4];
	FILE *f;

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	if ((f = fopen(p, "w")) == NULL) {
		perror(p);
		exit(99);
	}
	fputs(content, f);
	fclose(f);
	return p;
}

/* a loopback port that nobody listens on (bound, then closed) */
static unsigned
closed_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	unsigned port;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s == -1 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    getsockname(s, (struct sockaddr *)&sa, &len) == -1) {
		perror("socket");
		exit(99);
	}
	port = ntohs(sa.sin_port);
	close(s);
	return port;
}

static void
base(struct imap_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->name = "cso";
	c->host = "127.0.0.1";
	c->port = closed_port();
	c->tls = IMAP_TLS_NONE;
	c->user = "gateway";
	c->password_file = file("pw", "s3cret-Pa55\nsecond line\n");
	c->folder = "INBOX";
	c->timeout = 5;
}

/* imap_open fails with this class and a message holding `want` */
static void
open_fails(const struct imap_conf *c, enum err_class cls, const char *want,
    const char *name)
{
	struct imap *im = (struct imap *)&im;	/* garbage on purpose */
	struct err e;
	int r;

	err_clear(&e);
	r = imap_open(c, &im, &e);
	ok(r == -1 && im == NULL, "%s: fails, *im_r NULL", name);
	is_int(e.cls, cls, "%s: class", name);
	if (!ok(strstr(e.msg, want) != NULL, "%s: message", name))
		printf("# got:  '%s'\n# want: ...'%s'...\n", e.msg, want);
	ok(strstr(e.msg, "s3cret") == NULL && strstr(e.msg, "tok3n") == NULL,
	    "%s: no secret in the message", name);
	imap_close(&im);
}

int
main(void)
{
	struct imap_conf c;
	struct imap *im = NULL;
	char path[300];

	if (mkdtemp(dir) == NULL) {
		perror(dir);
		return 99;
	}

	base(&c);
	c.host = "imap.example.org";
	open_fails(&c, ERR_CONFIG, "clear-text IMAP is only allowed to "
	    "127.0.0.1, ::1 or localhost, not 'imap.example.org'",
	    "clear text to a remote host");
	base(&c);
	c.host = "127.0.0.2";
	open_fails(&c, ERR_CONFIG, "not '127.0.0.2'",
	    "clear text to another loopback address");

	base(&c);
	c.password_file = NULL;
	open_fails(&c, ERR_CONFIG, "give one of password_file or xoauth2_file",
	    "no secret");
	base(&c);
	c.xoauth2_file = file("tok", "tok3n\n");
	open_fails(&c, ERR_CONFIG, "give one of password_file or xoauth2_file",
	    "two secrets");

	base(&c);
	snprintf(path, sizeof(path), "%s/missing", dir);
	c.password_file = path;
	open_fails(&c, ERR_CONFIG, "cannot read password_file '", "missing "
	    "password file");
	base(&c);
	c.password_file = file("empty", "\n");
	open_fails(&c, ERR_CONFIG, "' is empty", "empty password file");
	base(&c);
	c.password_file = dir;
	open_fails(&c, ERR_CONFIG, "is not a regular file", "a directory");
	base(&c);
	c.password_file = NULL;
	c.xoauth2_file = file("crlf", "\r\n");
	open_fails(&c, ERR_CONFIG, "xoauth2_file '", "empty token (CRLF)");

	base(&c);
	c.port = 70000;
	open_fails(&c, ERR_CONFIG, "port 70000 is out of range", "port");
	base(&c);
	c.folder = "Eing\xc3\xa4nge";
	open_fails(&c, ERR_CONFIG, "must be non-empty printable ASCII",
	    "8-bit folder");
	base(&c);
	c.folder = "";
	open_fails(&c, ERR_CONFIG, "must be non-empty printable ASCII",
	    "empty folder");
	base(&c);
	c.user = "";
	open_fails(&c, ERR_CONFIG, "no user", "no user");

	/* the network: nobody listens there */
	base(&c);
	open_fails(&c, ERR_TEMP, "cannot connect", "refused, clear text");
	base(&c);
	c.tls = IMAP_TLS_IMPLICIT;
	open_fails(&c, ERR_TEMP, "cannot connect", "refused, TLS");
	base(&c);
	c.tls = IMAP_TLS_STARTTLS;
	c.host = "localhost";
	open_fails(&c, ERR_TEMP, "cannot connect", "refused, STARTTLS");

	/* NULL is fine everywhere a handle is optional */
	imap_close(&im);
	imap_close(NULL);
	ok(im == NULL, "imap_close(NULL handle)");
	is_int(imap_uidvalidity(NULL), 0, "imap_uidvalidity(NULL)");
	ok(!imap_has_idle(NULL) && !imap_has_move(NULL), "capabilities of "
	    "NULL");

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		printf("# could not remove %s\n", dir);
	return tap_done();
}
