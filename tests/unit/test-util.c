/* test-util.c: strings, sizes, distances, UTF-8, hashing, the clock */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "util.h"

int
main(void)
{
	static const struct {
		const char *in;
		int ok;
		size_t v;
	} sizes[] = {
		{ "0", 0, 0 }, { "1024", 0, 1024 }, { "64K", 0, 65536 },
		{ "25M", 0, 26214400 }, { "1g", 0, 1073741824 },
		{ "", -1, 0 }, { "K", -1, 0 }, { "-1", -1, 0 }, { "1.5M", -1, 0 },
		{ " 5", -1, 0 }, { "5 ", -1, 0 }, { "99999999999999999999", -1, 0 },
	};
	static const struct {
		const char *a, *b;
		size_t d;
	} dist[] = {
		{ "antisemitism", "antisemitism", 0 },
		{ "antisemtism", "antisemitism", 1 },
		{ "antisemitsm", "antisemitism", 1 },
		{ "Antisemitism", "antisemitism", 0 },
		{ "racsim", "racism", 1 },	/* transposition */
		{ "abc", "xyz", 3 },
		{ "incitement", "antisemitism", 4 },	/* capped at 3 + 1 */
	};
	static const struct {
		const char *s;
		int valid;
	} utf8[] = {
		{ "plain", 1 }, { "Stra\xc3\x9f" "e", 1 }, { "\xe2\x82\xac", 1 },
		{ "\xf0\x9f\x98\x80", 1 }, { "\xc3", 0 }, { "\xc0\xaf", 0 },
		{ "\xed\xa0\x80", 0 }, { "\xf4\x90\x80\x80", 0 }, { "\xff", 0 },
		{ "\xe2\x82", 0 },
	};
	char sha[SHA256_HEX_LEN], uuid[37], t[21], *s;
	struct sha256_ctx *h;
	long long v;
	size_t i, sz;
	struct err e;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		sz = 0;
		is_int(str_tosize(sizes[i].in, &sz), sizes[i].ok,
		    "str_tosize('%s') status", sizes[i].in);
		if (sizes[i].ok == 0)
			is_int((long long)sz, (long long)sizes[i].v,
			    "str_tosize('%s') value", sizes[i].in);
	}
	is_int(str_tonum("42", 0, 100, &v), 0, "tonum in range");
	is_int(str_tonum("101", 0, 100, &v), -1, "tonum over max");
	is_int(str_tonum("4x", 0, 100, &v), -1, "tonum trailing junk");
	for (i = 0; i < sizeof(dist) / sizeof(dist[0]); i++)
		is_int((long long)str_distance(dist[i].a, dist[i].b, 3),
		    (long long)dist[i].d, "distance('%s', '%s')", dist[i].a,
		    dist[i].b);
	for (i = 0; i < sizeof(utf8) / sizeof(utf8[0]); i++)
		is_int(utf8_valid(utf8[i].s, strlen(utf8[i].s)), utf8[i].valid,
		    "utf8_valid case %zu", i);
	ok(!utf8_valid("a\0b", 3), "NUL is not valid text");

	sha256_hex("abc", 3, sha);
	is_str(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "sha256('abc')");
	h = sha256_begin();
	sha256_update(h, "a", 1);
	sha256_update(h, "bc", 2);
	sha256_end(&h, sha);
	is_str(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "streamed sha256 matches");
	ok(h == NULL, "sha256_end clears the context");

	uuid_v4(uuid);
	ok(strlen(uuid) == 36 && uuid[14] == '4' && strchr("89ab", uuid[19]),
	    "uuid v4 shape: %s", uuid);

	setenv("FLAGPOST_NOW", "2026-11-28T10:00:00Z", 1);
	time_rfc3339(now_epoch(), t);
	is_str(t, "2026-11-28T10:00:00Z", "FLAGPOST_NOW sets the clock");
	setenv("FLAGPOST_NOW", "1800000000", 1);
	time_rfc3339(now_epoch(), t);
	is_str(t, "2027-01-15T08:00:00Z", "FLAGPOST_NOW as epoch seconds");
	unsetenv("FLAGPOST_NOW");

	s = xstrdup("  padded \t\n");
	is_str(str_trim(s), "padded", "str_trim");
	free(s);
	ok(str_ieq("Auto-Submitted", "auto-submitted"), "str_ieq");
	ok(str_iprefix("List-Id", "list-"), "str_iprefix");
	err_clear(&e);
	is_int(err_set(&e, ERR_TEMP, "store %s", "busy"), -1, "err_set returns -1");
	is_str(e.msg, "store busy", "err_set formats");
	is_int(e.cls, ERR_TEMP, "err_set sets the class");

	/* file_read: all of it, NUL-terminated; a limit; a missing file */
	{
		char path[] = "/tmp/flagpost-util-XXXXXX", *data = NULL;
		size_t len = 0;
		FILE *fp;
		int fd;

		if ((fd = mkstemp(path)) == -1 || (fp = fdopen(fd, "w")) == NULL)
			abort();
		fputs("line one\nline two\n", fp);
		fclose(fp);
		ok(file_read(path, 1024, &data, &len) == 0 && len == 18 &&
		    strcmp(data, "line one\nline two\n") == 0,
		    "file_read: the whole file");
		free(data);
		errno = 0;
		ok(file_read(path, 10, &data, &len) == -1 && errno == EFBIG,
		    "file_read: larger than the limit is EFBIG");
		unlink(path);
		errno = 0;
		ok(file_read(path, 1024, &data, &len) == -1 && errno == ENOENT,
		    "file_read: a missing file is ENOENT");
	}
	return tap_done();
}
