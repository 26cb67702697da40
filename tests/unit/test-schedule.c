/* test-schedule.c: list schedules, their firing times across daylight-saving
 * changes and the period a run produces
 *
 * The expected instants were computed apart from schedule.c, with Python's
 * zoneinfo (the earliest instant whose local time is at or after the
 * schedule's), and checked with date(1).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "schedule.h"
#include "tap.h"

/* ----------------------------------------------------------- parsing */

static const struct {
	const char *spec, *tz;
	int kind, wday, mday, hour, minute;
	const char *wanttz;
} good[] = {
	{ "daily 08:00", "UTC", SCHED_DAILY, 0, 0, 8, 0, "UTC" },
	{ "daily 08:00", NULL, SCHED_DAILY, 0, 0, 8, 0, "UTC" },
	{ "daily 08:00", "", SCHED_DAILY, 0, 0, 8, 0, "UTC" },
	{ "  daily\t0:05  ", "Europe/Brussels", SCHED_DAILY, 0, 0, 0, 5,
	  "Europe/Brussels" },
	{ "Daily 23:59", "America/New_York", SCHED_DAILY, 0, 0, 23, 59,
	  "America/New_York" },
	{ "weekly mon 08:00", "Europe/Brussels", SCHED_WEEKLY, 1, 0, 8, 0,
	  "Europe/Brussels" },
	{ "WEEKLY Sunday 7:30", "UTC", SCHED_WEEKLY, 0, 0, 7, 30, "UTC" },
	{ "weekly SAT 00:00", "UTC", SCHED_WEEKLY, 6, 0, 0, 0, "UTC" },
	{ "weekly wednesday 12:00", "UTC", SCHED_WEEKLY, 3, 0, 12, 0, "UTC" },
	{ "monthly 1 08:00", "Europe/Brussels", SCHED_MONTHLY, 0, 1, 8, 0,
	  "Europe/Brussels" },
	{ "monthly 31 02:30", "Europe/Brussels", SCHED_MONTHLY, 0, 31, 2, 30,
	  "Europe/Brussels" },
	{ "monthly 05 08:00", "Etc/UTC", SCHED_MONTHLY, 0, 5, 8, 0,
	  "Etc/UTC" },
};

static const struct {
	const char *spec, *tz;
	const char *want;	/* the message; a leading '/' is the zoneinfo */
} bad[] = {
	{ "weekly mun 08:00", "UTC",
	  "'weekly mun 08:00': 'mun' is not a day (mon, tue, ...)" },
	{ "weekly 1 08:00", "UTC",
	  "'weekly 1 08:00': '1' is not a day (mon, tue, ...)" },
	{ "", "UTC",
	  "an empty schedule: write 'daily 08:00', 'weekly mon 08:00' or "
	  "'monthly 1 08:00'" },
	{ " \t ", "UTC",
	  "an empty schedule: write 'daily 08:00', 'weekly mon 08:00' or "
	  "'monthly 1 08:00'" },
	{ "hourly 08:00", "UTC",
	  "'hourly 08:00': 'hourly' is not a schedule (daily, weekly or "
	  "monthly)" },
	{ "daily", "UTC",
	  "'daily': write 'daily HH:MM', as in 'daily 08:00'" },
	{ "weekly 08:00", "UTC",
	  "'weekly 08:00': write 'weekly DAY HH:MM', as in 'weekly mon "
	  "08:00'" },
	{ "monthly 08:00", "UTC",
	  "'monthly 08:00': write 'monthly DAY HH:MM', as in 'monthly 1 "
	  "08:00'" },
	{ "daily 08:00 sharp", "UTC",
	  "'daily 08:00 sharp': unexpected 'sharp' after the time" },
	{ "weekly mon 08:00 and more words", "UTC",
	  "'weekly mon 08:00 and more words': unexpected 'and' after the "
	  "time" },
	{ "daily 24:00", "UTC",
	  "'daily 24:00': '24:00' is not a time (HH:MM, 00:00 to 23:59)" },
	{ "daily 08:60", "UTC",
	  "'daily 08:60': '08:60' is not a time (HH:MM, 00:00 to 23:59)" },
	{ "daily 8h", "UTC",
	  "'daily 8h': '8h' is not a time (HH:MM, 00:00 to 23:59)" },
	{ "daily 08:5", "UTC",
	  "'daily 08:5': '08:5' is not a time (HH:MM, 00:00 to 23:59)" },
	{ "daily 008:00", "UTC",
	  "'daily 008:00': '008:00' is not a time (HH:MM, 00:00 to 23:59)" },
	{ "daily -1:00", "UTC",
	  "'daily -1:00': '-1:00' is not a time (HH:MM, 00:00 to 23:59)" },
	{ "daily 08:00:00", "UTC",
	  "'daily 08:00:00': '08:00:00' is not a time (HH:MM, 00:00 to "
	  "23:59)" },
	{ "monthly 0 08:00", "UTC",
	  "'monthly 0 08:00': '0' is not a day of the month (1 to 31)" },
	{ "monthly 32 08:00", "UTC",
	  "'monthly 32 08:00': '32' is not a day of the month (1 to 31)" },
	{ "monthly first 08:00", "UTC",
	  "'monthly first 08:00': 'first' is not a day of the month (1 to "
	  "31)" },
	{ "monthly +1 08:00", "UTC",
	  "'monthly +1 08:00': '+1' is not a day of the month (1 to 31)" },
	{ "daily 08:00", "Europe/Brusels",
	  "'Europe/Brusels' is not a time zone (no /Europe/Brusels)" },
	{ "daily 08:00", "utc",
	  "'utc' is not a time zone (no /utc)" },
	{ "daily 08:00", "Europe",
	  "'Europe' is not a time zone (/Europe is not a TZif file)" },
	{ "daily 08:00", "../../../etc/passwd",
	  "'../../../etc/passwd' is not a time zone name (as in "
	  "Europe/Brussels)" },
	{ "daily 08:00", "Europe/../Europe/Brussels",
	  "'Europe/../Europe/Brussels' is not a time zone name (as in "
	  "Europe/Brussels)" },
	{ "daily 08:00", "/etc/localtime",
	  "'/etc/localtime' is not a time zone name (as in "
	  "Europe/Brussels)" },
	{ "daily 08:00", "Europe/Brussels ",
	  "'Europe/Brussels ' is not a time zone name (as in "
	  "Europe/Brussels)" },
	{ "daily 08:00",
	  "America/Argentina/Buenos_Aires/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "'America/Argentina/Buenos_Aires/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'"
	  " is not a time zone name (as in Europe/Brussels)" },
};

static void
test_parse(void)
{
	struct schedule s, keep;
	char why[256], want[256];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&s, 0, sizeof(s));
		rc = schedule_parse(good[i].spec, good[i].tz, &s, why,
		    sizeof(why));
		if (!ok(rc == 0, "parse '%s' in %s", good[i].spec,
		    good[i].tz ? good[i].tz : "(null)"))
			printf("# %s\n", why);
		ok((int)s.kind == good[i].kind && s.hour == good[i].hour &&
		    s.minute == good[i].minute &&
		    (s.kind != SCHED_WEEKLY || s.wday == good[i].wday) &&
		    (s.kind != SCHED_MONTHLY || s.mday == good[i].mday),
		    "parse '%s': kind %d, day %d/%d, %02d:%02d", good[i].spec,
		    (int)s.kind, s.wday, s.mday, s.hour, s.minute);
		is_str(s.tz, good[i].wanttz, "parse '%s': the zone",
		    good[i].spec);
	}

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *w = bad[i].want, *slash;

		/* "(no /X)" and "(/X is": the path is under the zoneinfo */
		if ((slash = strstr(w, "(no /")) != NULL ||
		    (slash = strstr(w, "(/")) != NULL) {
			slash += slash[1] == 'n' ? 4 : 1;
			snprintf(want, sizeof(want), "%.*s%s%s",
			    (int)(slash - w), w, SCHEDULE_ZONEINFO, slash);
			w = want;
		}
		memset(&s, 0x5a, sizeof(s));
		keep = s;
		rc = schedule_parse(bad[i].spec, bad[i].tz, &s, why,
		    sizeof(why));
		ok(rc == -1 && memcmp(&s, &keep, sizeof(s)) == 0,
		    "refuse '%s' in %s, schedule untouched", bad[i].spec,
		    bad[i].tz);
		is_str(why, w, "refuse '%s' in %s: the message", bad[i].spec,
		    bad[i].tz);
	}

	/* no room for a message, and a message cut short */
	ok(schedule_parse("daily 25:00", "UTC", &s, NULL, 0) == -1,
	    "refuse without a message buffer");
	ok(schedule_parse("weekly mun 08:00", "UTC", &s, why, 12) == -1 &&
	    strcmp(why, "'weekly mun") == 0, "a message is cut to its buffer");
	ok(schedule_parse("daily 08:00", "UTC", &s, NULL, 0) == 0,
	    "accept without a message buffer");
}

/* ------------------------------------------------------- firing times */

static const struct {
	const char *spec, *tz;
	int64_t t;
	int64_t before;		/* the latest firing <= t */
	const char *before_text;
	int64_t after;		/* the earliest firing > t */
	const char *after_text;
} fire[] = {
	/* 2026-03-10T12:00Z */
	{ "daily 08:00", "UTC", 1773144000,
	  1773129600, "2026-03-10T08:00:00+00:00",
	  1773216000, "2026-03-11T08:00:00+00:00" },
	/* 2026-03-10T08:00Z */
	{ "daily 08:00", "UTC", 1773129600,
	  1773129600, "2026-03-10T08:00:00+00:00",
	  1773216000, "2026-03-11T08:00:00+00:00" },
	/* 2026-03-10T07:59Z */
	{ "daily 08:00", "UTC", 1773129540,
	  1773043200, "2026-03-09T08:00:00+00:00",
	  1773129600, "2026-03-10T08:00:00+00:00" },
	/* 2026-03-11T00:00Z */
	{ "weekly mon 08:00", "UTC", 1773187200,
	  1773043200, "2026-03-09T08:00:00+00:00",
	  1773648000, "2026-03-16T08:00:00+00:00" },
	/* 2026-02-15T00:00Z */
	{ "monthly 31 08:00", "UTC", 1771113600,
	  1769846400, "2026-01-31T08:00:00+00:00",
	  1772265600, "2026-02-28T08:00:00+00:00" },
	/* 2026-04-15T00:00Z */
	{ "monthly 31 08:00", "UTC", 1776211200,
	  1774944000, "2026-03-31T08:00:00+00:00",
	  1777536000, "2026-04-30T08:00:00+00:00" },
	/* 2028-02-15T00:00Z */
	{ "monthly 31 08:00", "UTC", 1834185600,
	  1832918400, "2028-01-31T08:00:00+00:00",
	  1835424000, "2028-02-29T08:00:00+00:00" },
	/* 2026-03-01T00:00Z */
	{ "monthly 30 08:00", "UTC", 1772323200,
	  1772265600, "2026-02-28T08:00:00+00:00",
	  1774857600, "2026-03-30T08:00:00+00:00" },
	/* 2026-03-28T12:00Z */
	{ "daily 08:00", "Europe/Brussels", 1774699200,
	  1774681200, "2026-03-28T08:00:00+01:00",
	  1774764000, "2026-03-29T08:00:00+02:00" },
	/* 2026-03-29T12:00Z */
	{ "daily 08:00", "Europe/Brussels", 1774785600,
	  1774764000, "2026-03-29T08:00:00+02:00",
	  1774850400, "2026-03-30T08:00:00+02:00" },
	/* 2026-10-24T12:00Z */
	{ "daily 08:00", "Europe/Brussels", 1792843200,
	  1792821600, "2026-10-24T08:00:00+02:00",
	  1792911600, "2026-10-25T08:00:00+01:00" },
	/* 2026-10-25T12:00Z */
	{ "daily 08:00", "Europe/Brussels", 1792929600,
	  1792911600, "2026-10-25T08:00:00+01:00",
	  1792998000, "2026-10-26T08:00:00+01:00" },
	/* 2026-03-29T12:00Z */
	{ "daily 02:30", "Europe/Brussels", 1774785600,
	  1774746000, "2026-03-29T03:00:00+02:00",
	  1774830600, "2026-03-30T02:30:00+02:00" },
	/* 2026-03-28T23:00Z */
	{ "daily 02:30", "Europe/Brussels", 1774738800,
	  1774661400, "2026-03-28T02:30:00+01:00",
	  1774746000, "2026-03-29T03:00:00+02:00" },
	/* 2026-10-25T00:30Z */
	{ "daily 02:30", "Europe/Brussels", 1792888200,
	  1792888200, "2026-10-25T02:30:00+02:00",
	  1792978200, "2026-10-26T02:30:00+01:00" },
	/* 2026-10-25T01:30Z */
	{ "daily 02:30", "Europe/Brussels", 1792891800,
	  1792888200, "2026-10-25T02:30:00+02:00",
	  1792978200, "2026-10-26T02:30:00+01:00" },
	/* 2026-03-29T12:00Z */
	{ "daily 02:00", "Europe/Brussels", 1774785600,
	  1774746000, "2026-03-29T03:00:00+02:00",
	  1774828800, "2026-03-30T02:00:00+02:00" },
	/* 2026-03-29T12:00Z */
	{ "daily 03:00", "Europe/Brussels", 1774785600,
	  1774746000, "2026-03-29T03:00:00+02:00",
	  1774832400, "2026-03-30T03:00:00+02:00" },
	/* 2026-03-25T00:00Z */
	{ "weekly sun 02:30", "Europe/Brussels", 1774396800,
	  1774143000, "2026-03-22T02:30:00+01:00",
	  1774746000, "2026-03-29T03:00:00+02:00" },
	/* 2026-10-22T00:00Z */
	{ "weekly sun 02:30", "Europe/Brussels", 1792627200,
	  1792283400, "2026-10-18T02:30:00+02:00",
	  1792888200, "2026-10-25T02:30:00+02:00" },
	/* 2026-03-29T23:00Z */
	{ "weekly mon 08:00", "Europe/Brussels", 1774825200,
	  1774249200, "2026-03-23T08:00:00+01:00",
	  1774850400, "2026-03-30T08:00:00+02:00" },
	/* 2026-04-15T00:00Z */
	{ "monthly 1 08:00", "Europe/Brussels", 1776211200,
	  1775023200, "2026-04-01T08:00:00+02:00",
	  1777615200, "2026-05-01T08:00:00+02:00" },
	/* 2026-02-15T00:00Z */
	{ "monthly 29 08:00", "Europe/Brussels", 1771113600,
	  1769670000, "2026-01-29T08:00:00+01:00",
	  1772262000, "2026-02-28T08:00:00+01:00" },
	/* 2026-04-15T00:00Z */
	{ "monthly 31 08:00", "Europe/Brussels", 1776211200,
	  1774936800, "2026-03-31T08:00:00+02:00",
	  1777528800, "2026-04-30T08:00:00+02:00" },
	/* 2026-10-31T07:00Z */
	{ "monthly 31 08:00", "Europe/Brussels", 1793430000,
	  1793430000, "2026-10-31T08:00:00+01:00",
	  1796022000, "2026-11-30T08:00:00+01:00" },
	/* 2040-03-25T12:00Z */
	{ "daily 08:00", "Europe/Brussels", 2216289600,
	  2216268000, "2040-03-25T08:00:00+02:00",
	  2216354400, "2040-03-26T08:00:00+02:00" },
	/* 2026-03-07T18:00Z */
	{ "daily 08:00", "America/New_York", 1772906400,
	  1772888400, "2026-03-07T08:00:00-05:00",
	  1772971200, "2026-03-08T08:00:00-04:00" },
	/* 2026-03-08T18:00Z */
	{ "daily 08:00", "America/New_York", 1772992800,
	  1772971200, "2026-03-08T08:00:00-04:00",
	  1773057600, "2026-03-09T08:00:00-04:00" },
	/* 2026-10-31T18:00Z */
	{ "daily 08:00", "America/New_York", 1793469600,
	  1793448000, "2026-10-31T08:00:00-04:00",
	  1793538000, "2026-11-01T08:00:00-05:00" },
	/* 2026-11-01T18:00Z */
	{ "daily 08:00", "America/New_York", 1793556000,
	  1793538000, "2026-11-01T08:00:00-05:00",
	  1793624400, "2026-11-02T08:00:00-05:00" },
	/* 2026-03-08T12:00Z */
	{ "daily 02:30", "America/New_York", 1772971200,
	  1772953200, "2026-03-08T03:00:00-04:00",
	  1773037800, "2026-03-09T02:30:00-04:00" },
	/* 2026-11-01T05:30Z */
	{ "daily 01:30", "America/New_York", 1793511000,
	  1793511000, "2026-11-01T01:30:00-04:00",
	  1793601000, "2026-11-02T01:30:00-05:00" },
	/* 2026-11-01T06:30Z */
	{ "daily 01:30", "America/New_York", 1793514600,
	  1793511000, "2026-11-01T01:30:00-04:00",
	  1793601000, "2026-11-02T01:30:00-05:00" },
	/* 2026-03-05T00:00Z */
	{ "weekly sun 02:30", "America/New_York", 1772668800,
	  1772350200, "2026-03-01T02:30:00-05:00",
	  1772953200, "2026-03-08T03:00:00-04:00" },
	/* 2026-11-15T00:00Z */
	{ "monthly 1 00:00", "America/New_York", 1794700800,
	  1793505600, "2026-11-01T00:00:00-04:00",
	  1796101200, "2026-12-01T00:00:00-05:00" },
};

static void
test_fire(void)
{
	struct schedule s;
	char why[256], text[32];
	size_t i;

	for (i = 0; i < sizeof(fire) / sizeof(fire[0]); i++) {
		if (schedule_parse(fire[i].spec, fire[i].tz, &s, why,
		    sizeof(why)) == -1) {
			ok(0, "fire %zu: parse: %s", i, why);
			continue;
		}
		is_int(schedule_fire_at_or_before(&s, fire[i].t),
		    fire[i].before, "fire %zu: '%s' %s at or before %lld", i,
		    fire[i].spec, fire[i].tz, (long long)fire[i].t);
		schedule_local_text(&s, fire[i].before, text);
		is_str(text, fire[i].before_text, "fire %zu: local text", i);
		is_int(schedule_next_after(&s, fire[i].t), fire[i].after,
		    "fire %zu: '%s' %s next after %lld", i, fire[i].spec,
		    fire[i].tz, (long long)fire[i].t);
		schedule_local_text(&s, fire[i].after, text);
		is_str(text, fire[i].after_text, "fire %zu: local text", i);
		/* a firing time is its own latest firing, and follows the one
		 * before */
		is_int(schedule_fire_at_or_before(&s, fire[i].after),
		    fire[i].after, "fire %zu: a firing is at or before itself",
		    i);
		is_int(schedule_next_after(&s, fire[i].before), fire[i].after,
		    "fire %zu: the firing after the latest is the next", i);
	}
}

/* every day of 2026 fires exactly once, at 02:30 local when it exists */
static void
test_year(void)
{
	static const char *const zones[] = {
		"Europe/Brussels", "America/New_York"
	};
	struct schedule s;
	char text[32];
	int64_t t, prev;
	size_t z;
	int n, odd, spaced;

	for (z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		if (schedule_parse("daily 02:30", zones[z], &s, NULL,
		    0) == -1) {
			ok(0, "year: parse in %s", zones[z]);
			continue;
		}
		n = odd = spaced = 0;
		prev = schedule_fire_at_or_before(&s, 1767225600);
		t = prev;
		for (;;) {
			t = schedule_next_after(&s, t);
			if (t >= 1798761600)	/* 2027-01-01T00:00Z */
				break;
			schedule_local_text(&s, t, text);
			if (strncmp(text + 10, "T02:30:00", 9) != 0)
				odd++;
			if (t - prev < 23 * 3600 || t - prev > 25 * 3600)
				spaced++;
			prev = t;
			n++;
		}
		is_int(n, 365, "year: 365 firings in 2026 in %s", zones[z]);
		is_int(odd, 1, "year: one of them not at 02:30 (the gap) in %s",
		    zones[z]);
		is_int(spaced, 0, "year: 23 to 25 hours apart in %s", zones[z]);
	}
}

static void
test_text(void)
{
	struct schedule s;
	char text[32];

	schedule_parse("daily 08:00", "Europe/Brussels", &s, NULL, 0);
	schedule_local_text(&s, 1795849200, text);
	is_str(text, "2026-11-28T08:00:00+01:00", "text: brussels, winter");
	schedule_local_text(&s, -2840140800, text);	/* 1880-01-01T00:00Z */
	is_str(text, "1880-01-01T00:17:30+00:17:30",
	    "text: brussels, mean time has seconds in its offset");
	schedule_parse("daily 08:00", "America/New_York", &s, NULL, 0);
	schedule_local_text(&s, 1793511000, text);
	is_str(text, "2026-11-01T01:30:00-04:00", "text: new york, 01:30 EDT");
	schedule_local_text(&s, 1793514600, text);
	is_str(text, "2026-11-01T01:30:00-05:00", "text: new york, 01:30 EST");
	schedule_parse("daily 08:00", "UTC", &s, NULL, 0);
	schedule_local_text(&s, 0, text);
	is_str(text, "1970-01-01T00:00:00+00:00", "text: the epoch in UTC");
	schedule_local_text(&s, -1, text);
	is_str(text, "1969-12-31T23:59:59+00:00", "text: before the epoch");
}

/* -------------------------------------------------------- due periods */

static void
test_due(void)
{
	struct schedule s;
	int64_t start, end;
	int rc;

	schedule_parse("daily 08:00", "Europe/Brussels", &s, NULL, 0);

	/* first run, no history: the last whole period */
	start = end = 0;
	/* now is 28 nov 13:00 local */
	rc = schedule_due(&s, 1795867200, -1, &start, &end);
	is_int(rc, 1, "due: first run, a period is due");
	is_int(start, 1795762800, "due: first run, from 27 nov 08:00");
	is_int(end, 1795849200, "due: first run, to 28 nov 08:00");

	/* the same period again: nothing, however often */
	start = end = 42;
	rc = schedule_due(&s, 1795867200, 1795849200, &start, &end);
	is_int(rc, 0, "due: ran already, nothing due");
	ok(start == 42 && end == 42, "due: nothing due leaves the period");
	is_int(schedule_due(&s, 1795852800, 1795849200, &start, &end), 0,
	    "due: an hour after the firing, nothing due");
	is_int(schedule_due(&s, 1795935540, 1795849200, &start, &end), 0,
	    "due: a minute before the next firing, nothing due");
	is_int(schedule_due(&s, 1795849200, 1795849200, &start, &end), 0,
	    "due: at the firing just produced, nothing due");

	/* the next firing: the next period */
	rc = schedule_due(&s, 1795935600, 1795849200, &start, &end);
	ok(rc == 1 && start == 1795849200 && end == 1795935600,
	    "due: at 29 nov 08:00, 28 nov 08:00 to 29 nov 08:00");

	/* ten days down: one period, from the last end to the latest firing */
	rc = schedule_due(&s, 1795867200, 1794985200, &start, &end);
	is_int(rc, 1, "due: after 10 days down, a period is due");
	is_int(start, 1794985200, "due: catch-up from 18 nov 08:00");
	is_int(end, 1795849200, "due: catch-up to 28 nov 08:00");
	is_int(schedule_due(&s, 1795867200, end, &start, &end), 0,
	    "due: after the catch-up, nothing due");

	/* a period across the spring-forward night is 23 hours */
	rc = schedule_due(&s, 1774778400, 1774681200, &start, &end);
	ok(rc == 1 && start == 1774681200 && end == 1774764000 &&
	    end - start == 23 * 3600,
	    "due: 28 mar 08:00+01:00 to 29 mar 08:00+02:00, 23 hours");

	/* a clock that went back: nothing due */
	is_int(schedule_due(&s, 1795762800, 1795849200, &start, &end), 0,
	    "due: last end after now, nothing due");

	/* weekly and monthly, first runs */
	schedule_parse("weekly mon 08:00", "Europe/Brussels", &s, NULL, 0);
	rc = schedule_due(&s, 1795867200, -1, &start, &end);
	ok(rc == 1 && start == 1794812400 && end == 1795417200,
	    "due: weekly first run, mon 16 nov to mon 23 nov 08:00");
	schedule_parse("monthly 1 08:00", "Europe/Brussels", &s, NULL, 0);
	rc = schedule_due(&s, 1795867200, -1, &start, &end);
	ok(rc == 1 && start == 1790834400 && end == 1793516400,
	    "due: monthly first run, 1 oct 08:00+02:00 to 1 nov 08:00+01:00");
	is_int(schedule_due(&s, 1795867200, end, &start, &end), 0,
	    "due: monthly, ran already");

	/* a zone gone from the disk since it was parsed */
	schedule_parse("daily 08:00", "UTC", &s, NULL, 0);
	memcpy(s.tz, "Nowhere/Gone", sizeof("Nowhere/Gone"));
	is_int(schedule_due(&s, 1795867200, -1, &start, &end), -1,
	    "due: an unreadable zone is an error");
	is_int(schedule_fire_at_or_before(&s, 1795867200), -1,
	    "fire: an unreadable zone is an error");
}

int
main(void)
{
	test_parse();
	test_fire();
	test_year();
	test_text();
	test_due();
	return tap_done();
}
