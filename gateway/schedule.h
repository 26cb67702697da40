/* schedule.h: list and digest schedules at local times of an IANA zone */
#ifndef FLAGPOST_SCHEDULE_H
#define FLAGPOST_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

/*
 * A schedule fires once a day, a week or a month at a local time of its
 * zone: "daily 08:00", "weekly mon 08:00", "monthly 1 08:00".  Times are
 * epoch seconds (UTC).
 *
 * Local times follow the zone across daylight-saving changes:
 *   - a local time that does not exist (02:30 on a spring-forward day in
 *     Europe/Brussels) fires at the first instant after the gap (03:00);
 *   - a local time that occurs twice (02:30 on a fall-back day) fires once,
 *     at its first occurrence.
 *
 * The zone is read from its TZif file under SCHEDULE_ZONEINFO by this
 * module's own reader (64-bit transitions and the POSIX TZ rule of the
 * footer): TZ, tzset and localtime are never used, so every function is
 * thread-safe and the process's local time is left alone.  Nothing is
 * cached: each call reads the zone's file (a few kilobytes).  "UTC" needs
 * no file.
 */

#ifndef SCHEDULE_ZONEINFO
#define SCHEDULE_ZONEINFO	"/usr/share/zoneinfo"
#endif

struct schedule {
	enum {
		SCHED_DAILY,
		SCHED_WEEKLY,
		SCHED_MONTHLY,
	} kind;
	int wday;	/* weekly: 0 = sunday .. 6 = saturday */
	int mday;	/* monthly: 1..31; a shorter month: its last day */
	int hour, minute;
	char tz[64];	/* "Europe/Brussels", "UTC" */
};

/*
 * Parses "daily HH:MM", "weekly DAY HH:MM" (mon..sun or monday..sunday,
 * any case) or "monthly N HH:MM" (N 1..31) in the zone tz, which must be
 * "UTC" or name a TZif file under SCHEDULE_ZONEINFO; NULL or "" is "UTC".
 * Returns 0, or -1 with a message in why (when not NULL), e.g.
 * "'weekly mun 08:00': 'mun' is not a day (mon, tue, ...)"; *s is set only
 * on success.
 */
int schedule_parse(const char *spec, const char *tz, struct schedule *s,
    char *why, size_t whysize);

/*
 * The latest firing time <= t (the start of the current period), and the
 * earliest firing time > t.  Both return -1 when the zone cannot be read
 * any more or t is out of range (beyond +-10^12 s).
 */
int64_t schedule_fire_at_or_before(const struct schedule *s, int64_t t);
int64_t schedule_next_after(const struct schedule *s, int64_t t);

/*
 * What a run at `now` should produce, given the end of the last period
 * produced (last_end; -1 when none was).  Returns 1 and sets
 * [*start_r, *end_r) when a period is due, end being the latest firing
 * <= now; 0 when nothing is due (the latest firing is already covered);
 * -1 as above.
 *   - no history: the period from the firing before the latest;
 *   - otherwise: from last_end, so that after a downtime covering several
 *     firings ONE period is due, from last_end to the latest firing.
 */
int schedule_due(const struct schedule *s, int64_t now, int64_t last_end,
    int64_t *start_r, int64_t *end_r);

/*
 * The local text of t in the schedule's zone, "2026-11-28T08:00:00+01:00"
 * (an offset with seconds, from before standard time, reads "+00:17:30");
 * in UTC ("...+00:00") when the zone cannot be read.
 */
void schedule_local_text(const struct schedule *s, int64_t t, char out[32]);

#endif
