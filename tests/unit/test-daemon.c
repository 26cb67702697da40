/* test-daemon.c: the reconnect backoff */
#include "daemon.h"
#include "tap.h"

int
main(void)
{
	static const struct {
		unsigned min, max, failures, lo, hi;
	} cases[] = {
		{ 5, 600, 1, 3, 5 },		/* 5 s, jitter in its upper half */
		{ 5, 600, 2, 5, 10 },
		{ 5, 600, 3, 10, 20 },
		{ 5, 600, 8, 300, 600 },	/* 640 capped at 600 */
		{ 5, 600, 50, 300, 600 },	/* no overflow */
		{ 1, 2, 5, 2, 2 },		/* no room for jitter */
	};
	unsigned i, k, d, lo, hi;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lo = ~0u;
		hi = 0;
		for (k = 0; k < 200; k++) {
			d = daemon_backoff(cases[i].min, cases[i].max,
			    cases[i].failures);
			if (d < lo)
				lo = d;
			if (d > hi)
				hi = d;
		}
		ok(lo >= cases[i].lo && hi <= cases[i].hi,
		    "backoff(%u, %u, failure %u) in [%u, %u]: saw [%u, %u]",
		    cases[i].min, cases[i].max, cases[i].failures,
		    cases[i].lo, cases[i].hi, lo, hi);
		ok(lo < hi || cases[i].lo == cases[i].hi,
		    "backoff(%u, %u, failure %u) has jitter", cases[i].min,
		    cases[i].max, cases[i].failures);
	}
	return tap_done();
}
