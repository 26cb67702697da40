/* test-url.c: url_normalise, by table */
#include <stdlib.h>

#include "tap.h"
#include "validate.h"

static const struct {
	const char *in;
	const char *want;	/* NULL: not an absolute http(s) URL */
} cases[] = {
	/* scheme and host lower case; the rest as it is */
	{ "https://www.youtube.com/watch?v=abc123",
	    "https://www.youtube.com/watch?v=abc123" },
	{ "HTTPS://WWW.YouTube.COM/Watch?v=AbC", "https://www.youtube.com/Watch?v=AbC" },
	{ "Http://Example.org", "http://example.org/" },
	{ "  https://example.org/a  ", "https://example.org/a" },
	/* default ports go, others stay */
	{ "http://example.org:80/a", "http://example.org/a" },
	{ "https://example.org:443/a", "https://example.org/a" },
	{ "https://example.org:80/a", "https://example.org:80/a" },
	{ "http://example.org:443/a", "http://example.org:443/a" },
	{ "http://example.org:8080", "http://example.org:8080/" },
	{ "http://example.org:/a", "http://example.org/a" },
	{ "https://example.org:0443/", "https://example.org/" },
	/* the fragment goes */
	{ "https://example.org/a#top", "https://example.org/a" },
	{ "https://example.org/a?b=1#c", "https://example.org/a?b=1" },
	{ "https://example.org#x", "https://example.org/" },
	/* empty path is "/" */
	{ "https://example.org?q=1", "https://example.org/?q=1" },
	/* tracking parameters, everywhere */
	{ "https://example.org/a?utm_source=x&id=5&utm_medium=y",
	    "https://example.org/a?id=5" },
	{ "https://example.org/a?UTM_Campaign=x", "https://example.org/a" },
	{ "https://example.org/a?fbclid=IwAR0&x=1", "https://example.org/a?x=1" },
	{ "https://example.org/?gclid=1&dclid=2&msclkid=3&igshid=4&mc_cid=5&mc_eid=6&_ga=7&ref_src=8",
	    "https://example.org/" },
	{ "https://example.org/?b=2&a=1", "https://example.org/?b=2&a=1" },
	{ "https://example.org/?a=1&&b=2&", "https://example.org/?a=1&b=2" },
	{ "https://example.org/?", "https://example.org/" },
	{ "https://example.org/?utm=1", "https://example.org/?utm=1" },
	{ "https://example.org/?utm_=1", "https://example.org/?utm_=1" },
	/* host-specific ones */
	{ "https://youtu.be/def456?si=AbCdEf", "https://youtu.be/def456" },
	{ "https://www.youtube.com/watch?v=abc&feature=share&t=42",
	    "https://www.youtube.com/watch?v=abc&t=42" },
	{ "https://www.youtube.com/watch?v=abc&feature=youtu.be",
	    "https://www.youtube.com/watch?v=abc&feature=youtu.be" },
	{ "https://m.youtube.com/watch?v=abc&si=x", "https://m.youtube.com/watch?v=abc" },
	{ "https://example.org/?si=1", "https://example.org/?si=1" },
	{ "https://notyoutube.com/?si=1", "https://notyoutube.com/?si=1" },
	{ "https://x.com/user/status/1?s=20&t=abc", "https://x.com/user/status/1" },
	{ "https://twitter.com/user/status/1?s=46", "https://twitter.com/user/status/1" },
	{ "https://mobile.twitter.com/u/status/1?t=x&lang=de",
	    "https://mobile.twitter.com/u/status/1?lang=de" },
	{ "https://www.tiktok.com/@u/video/1?is_from_webapp=1&sender_device=pc&lang=de",
	    "https://www.tiktok.com/@u/video/1?lang=de" },
	{ "https://open.spotify.com/episode/1?si=abc", "https://open.spotify.com/episode/1" },
	/* user information, IPv6, IDN, trailing dot */
	{ "https://user@Example.org/", "https://user@example.org/" },
	{ "http://[2001:DB8::1]:80/a", "http://[2001:db8::1]/a" },
	{ "https://bücher.example/a", "https://bücher.example/a" },
	{ "https://example.org./a", "https://example.org/a" },
	/* not absolute http(s) URLs */
	{ "", NULL },
	{ "www.youtube.com/watch?v=abc", NULL },
	{ "youtube.com", NULL },
	{ "ftp://example.org/a", NULL },
	{ "mailto:a@example.org", NULL },
	{ "https://", NULL },
	{ "https:///path", NULL },
	{ "https:example.org", NULL },
	{ "http:/example.org", NULL },
	{ "https://exa mple.org/", NULL },
	{ "https://example.org/a b", NULL },
	{ "https://example.org:abc/", NULL },
	{ "https://example.org:99999/", NULL },
	{ "https://example.org:1234567/", NULL },
	{ "https://.example.org/", NULL },
	{ "https://a..b/", NULL },
	{ "https://exa,mple.org/", NULL },
	{ "https://[::1/", NULL },
	{ "https://[]/", NULL },
	{ "https://evil.example\\@good.example/", NULL },
	{ "https://example.org/<script>", NULL },
	{ "https://example.org/\x01", NULL },
	{ "javascript:alert(1)", NULL },
};

int
main(void)
{
	size_t i;
	char *got;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = url_normalise(cases[i].in);
		is_str(got, cases[i].want, "url_normalise('%s')", cases[i].in);
		free(got);
	}
	ok(url_normalise(NULL) == NULL, "url_normalise(NULL)");
	return tap_done();
}
