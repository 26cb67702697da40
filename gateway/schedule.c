/* schedule.c: list and digest schedules at local times of an IANA zone */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "schedule.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC	0
#endif

/*
 * The zone is read by a small TZif reader (RFC 8536, versions 1 to 4)
 * rather than through TZ, tzset and localtime_r: setting TZ at run time
 * races with every other thread that reads the environment or the local
 * time (the log's timestamps), a mutex here would not stop them.
 * Instants are int64_t seconds; calendar arithmetic is proleptic
 * Gregorian on day numbers (days since 1970-01-01).
 */

#define ZONE_MAX_FILE	(1024 * 1024)
#define ZONE_MAX_COUNT	65536		/* of each TZif count */
#define ZONE_MAX_OFF	(26 * 3600)	/* |UT offset|; LMTs reach 15:56 */
#define ZONE_MAX_FOOTER	128
#define SCHED_MAX_T	1000000000000LL	/* +-31,000 years */
#define SCHED_MAX_SPEC	128
#define DAY		86400LL

enum rdate_kind {
	RDATE_JULIAN,		/* Jn: 1..365, February 29 never counted */
	RDATE_ZERO,		/* n: 0..365, February 29 counted */
	RDATE_MONTH,		/* Mm.w.d: weekday d of week w (5: last) of m */
};

struct rdate {
	enum rdate_kind kind;
	int n, m, w, d;
	int32_t secs;		/* local time of the change, -167h..167h */
};

/* the POSIX TZ string of a TZif footer: the rule after the last transition */
struct rule {
	int32_t stdoff, dstoff;	/* seconds east of UTC */
	int hasdst;
	struct rdate start, end;
};

struct zone {
	int utc;			/* the built-in "UTC": no file */
	unsigned char *buf;
	const unsigned char *times;	/* timecnt transitions of tsize bytes */
	const unsigned char *idx;	/* timecnt type indexes */
	const unsigned char *types;	/* typecnt ttinfo of 6 bytes */
	size_t timecnt, typecnt, tsize;
	int hasrule;
	struct rule rule;
};

struct event {
	int64_t t;
	int64_t year;
	int32_t off;			/* the offset from t on */
};

/* ------------------------------------------------------------- calendar */

static int64_t
floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int64_t y, int m)
{
	static const int dim[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* H. Hinnant's days_from_civil and civil_from_days */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floordiv(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y_r, int *m_r, int *d_r)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = floordiv(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d_r = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m_r = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y_r = yoe + era * 400 + (*m_r <= 2);
}

/* 0 = sunday; 1970-01-01 was a thursday */
static int
weekday(int64_t z)
{
	return (int)(z - floordiv(z + 4, 7) * 7 + 4);
}

/* ------------------------------------------------------- the TZ rule */

static int
rule_num(const char **pp, int min, int max, int *v_r)
{
	const char *p = *pp;
	int v = 0, n = 0;

	while (isdigit((unsigned char)*p) && n < 4) {
		v = v * 10 + (*p++ - '0');
		n++;
	}
	if (n == 0 || isdigit((unsigned char)*p) || v < min || v > max)
		return -1;
	*pp = p;
	*v_r = v;
	return 0;
}

/* [+-]hh[:mm[:ss]] in seconds */
static int
rule_hms(const char **pp, int maxh, int32_t *v_r)
{
	const char *p = *pp;
	int sign = 1, h, m = 0, s = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if (rule_num(&p, 0, maxh, &h) == -1)
		return -1;
	if (*p == ':') {
		p++;
		if (rule_num(&p, 0, 59, &m) == -1)
			return -1;
		if (*p == ':') {
			p++;
			if (rule_num(&p, 0, 59, &s) == -1)
				return -1;
		}
	}
	*pp = p;
	*v_r = sign * (h * 3600 + m * 60 + s);
	return 0;
}

static int
rule_name(const char **pp)
{
	const char *p = *pp;
	size_t n = 0;

	if (*p == '<') {
		for (p++; isalnum((unsigned char)*p) || *p == '+' ||
		    *p == '-'; p++)
			n++;
		if (*p++ != '>')
			return -1;
	} else
		for (; isalpha((unsigned char)*p); p++)
			n++;
	if (n < 3)
		return -1;
	*pp = p;
	return 0;
}

static int
rule_date(const char **pp, struct rdate *rd)
{
	const char *p = *pp;

	memset(rd, 0, sizeof(*rd));
	if (*p == 'J') {
		p++;
		rd->kind = RDATE_JULIAN;
		if (rule_num(&p, 1, 365, &rd->n) == -1)
			return -1;
	} else if (*p == 'M') {
		p++;
		rd->kind = RDATE_MONTH;
		if (rule_num(&p, 1, 12, &rd->m) == -1 || *p++ != '.' ||
		    rule_num(&p, 1, 5, &rd->w) == -1 || *p++ != '.' ||
		    rule_num(&p, 0, 6, &rd->d) == -1)
			return -1;
	} else {
		rd->kind = RDATE_ZERO;
		if (rule_num(&p, 0, 365, &rd->n) == -1)
			return -1;
	}
	rd->secs = 2 * 3600;
	if (*p == '/') {
		p++;
		if (rule_hms(&p, 167, &rd->secs) == -1)
			return -1;
	}
	*pp = p;
	return 0;
}

/* "CET-1CEST,M3.5.0,M10.5.0/3", "<+13>-13", "UTC0" */
static int
rule_parse(const char *s, struct rule *r)
{
	const char *p = s;
	int32_t off;

	memset(r, 0, sizeof(*r));
	if (rule_name(&p) == -1 || rule_hms(&p, 24, &off) == -1)
		return -1;
	r->stdoff = -off;
	if (*p == '\0')
		return 0;
	if (rule_name(&p) == -1)
		return -1;
	r->hasdst = 1;
	r->dstoff = r->stdoff + 3600;
	if (*p != ',' && *p != '\0') {
		if (rule_hms(&p, 24, &off) == -1)
			return -1;
		r->dstoff = -off;
	}
	if (*p == '\0') {
		/* no rule: glibc's default, the US one */
		r->start = (struct rdate){ RDATE_MONTH, 0, 3, 2, 0, 7200 };
		r->end = (struct rdate){ RDATE_MONTH, 0, 11, 1, 0, 7200 };
		return 0;
	}
	if (*p++ != ',' || rule_date(&p, &r->start) == -1 ||
	    *p++ != ',' || rule_date(&p, &r->end) == -1 || *p != '\0')
		return -1;
	return 0;
}

static int64_t
rdate_day(int64_t y, const struct rdate *rd)
{
	int64_t first;
	int n;

	switch (rd->kind) {
	case RDATE_JULIAN:
		n = rd->n - 1;
		if (is_leap(y) && rd->n >= 60)
			n++;
		return days_from_civil(y, 1, 1) + n;
	case RDATE_ZERO:
		return days_from_civil(y, 1, 1) + rd->n;
	case RDATE_MONTH:
	default:
		first = days_from_civil(y, rd->m, 1);
		n = (rd->d - weekday(first) + 7) % 7 + (rd->w - 1) * 7;
		if (n >= days_in_month(y, rd->m))
			n -= 7;
		return first + n;
	}
}

/* the offset at t under the rule, and the next change after t */
static int32_t
rule_offset(const struct rule *r, int64_t t, int64_t *next_r)
{
	struct event ev[10], tmp;
	int64_t y, year;
	int32_t off;
	size_t n = 0, i, j;
	int m, d;

	*next_r = INT64_MAX;
	if (!r->hasdst)
		return r->stdoff;
	civil_from_days(floordiv(t + r->stdoff, DAY), &year, &m, &d);
	for (y = year - 2; y <= year + 2; y++) {
		ev[n].t = rdate_day(y, &r->start) * DAY + r->start.secs -
		    r->stdoff;
		ev[n].year = y;
		ev[n++].off = r->dstoff;
		ev[n].t = rdate_day(y, &r->end) * DAY + r->end.secs -
		    r->dstoff;
		ev[n].year = y;
		ev[n++].off = r->stdoff;
	}
	/* by time, then year: all-year DST ends a year as the next starts */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && (ev[j - 1].t > ev[j].t ||
		    (ev[j - 1].t == ev[j].t && ev[j - 1].year > ev[j].year));
		    j--) {
			tmp = ev[j];
			ev[j] = ev[j - 1];
			ev[j - 1] = tmp;
		}
	off = r->stdoff;
	for (i = 0; i < n; i++) {
		if (ev[i].t > t) {
			*next_r = ev[i].t;
			break;
		}
		off = ev[i].off;
	}
	return off;
}

/* ------------------------------------------------------- TZif files */

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int64_t
sbe32(const unsigned char *p)
{
	uint32_t u = be32(p);

	return u <= INT32_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

static int64_t
sbe64(const unsigned char *p)
{
	uint64_t u = (uint64_t)be32(p) << 32 | be32(p + 4);

	return u <= INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

static int64_t
zone_time(const struct zone *z, size_t i)
{
	return z->tsize == 8 ? sbe64(z->times + 8 * i) :
	    sbe32(z->times + 4 * i);
}

static int32_t
zone_type_off(const struct zone *z, size_t type)
{
	return (int32_t)sbe32(z->types + 6 * type);
}

/*
 * Reads a TZif file of len bytes into z.  The 64-bit data of version 2
 * and later is used; the 32-bit data only of a version 1 file.
 */
static const char *
zone_decode(struct zone *z, size_t len)
{
	const unsigned char *p = z->buf, *end = z->buf + len, *f;
	size_t cnt[6], datalen, i;
	int version;

	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return "not a TZif file";
	version = p[4];
	if (version != 0 && (version < '2' || version > '9'))
		return "an unknown TZif version";
	z->tsize = 4;
	for (;;) {
		if ((size_t)(end - p) < 44 || memcmp(p, "TZif", 4) != 0)
			return "a truncated TZif file";
		/* isutcnt isstdcnt leapcnt timecnt typecnt charcnt */
		for (i = 0; i < 6; i++)
			if ((cnt[i] = be32(p + 20 + 4 * i)) > ZONE_MAX_COUNT)
				return "a TZif file with too many entries";
		datalen = cnt[3] * (z->tsize + 1) + cnt[4] * 6 + cnt[5] +
		    cnt[2] * (z->tsize + 4) + cnt[1] + cnt[0];
		p += 44;
		if ((size_t)(end - p) < datalen)
			return "a truncated TZif file";
		if (version == 0 || z->tsize == 8)
			break;
		p += datalen;		/* skip the 32-bit data */
		z->tsize = 8;
	}
	if (cnt[2] != 0)
		return "a zone with leap seconds (a 'right/' zone)";
	if (cnt[4] == 0)
		return "a TZif file with no local time type";
	z->timecnt = cnt[3];
	z->typecnt = cnt[4];
	z->times = p;
	z->idx = p + z->timecnt * z->tsize;
	z->types = z->idx + z->timecnt;
	for (i = 0; i < z->timecnt; i++) {
		if (z->idx[i] >= z->typecnt)
			return "a TZif file with a bad type index";
		if (i > 0 && zone_time(z, i - 1) >= zone_time(z, i))
			return "a TZif file with unordered transitions";
		if (zone_time(z, i) < -SCHED_MAX_T * 2 ||
		    zone_time(z, i) > SCHED_MAX_T * 2)
			return "a TZif file with a transition out of range";
	}
	for (i = 0; i < z->typecnt; i++)
		if (zone_type_off(z, i) < -ZONE_MAX_OFF ||
		    zone_type_off(z, i) > ZONE_MAX_OFF)
			return "a TZif file with an offset out of range";
	if (version == 0)
		return NULL;

	/* the footer: "\nTZ string\n" */
	p += datalen;
	if (p >= end || *p != '\n')
		return "a TZif file with no footer";
	for (f = ++p; p < end && *p != '\n'; p++)
		if (*p == '\0' || p - f >= ZONE_MAX_FOOTER)
			return "a TZif file with a bad footer";
	if (p == end)
		return "a TZif file with a bad footer";
	if (p > f) {
		char tzs[ZONE_MAX_FOOTER + 1];

		memcpy(tzs, f, (size_t)(p - f));
		tzs[p - f] = '\0';
		if (rule_parse(tzs, &z->rule) == -1 ||
		    z->rule.stdoff < -ZONE_MAX_OFF ||
		    z->rule.stdoff > ZONE_MAX_OFF ||
		    z->rule.dstoff < -ZONE_MAX_OFF ||
		    z->rule.dstoff > ZONE_MAX_OFF)
			return "a TZif file with a bad TZ rule";
		z->hasrule = 1;
	}
	return NULL;
}

/* tz names a file under SCHEDULE_ZONEINFO: no "..", no leading '/' */
static int
zone_name_ok(const char *tz)
{
	const char *p;

	if (tz[0] == '\0' || tz[0] == '/' || tz[0] == '.' ||
	    strlen(tz) >= sizeof(((struct schedule *)NULL)->tz) ||
	    strstr(tz, "..") != NULL || strstr(tz, "//") != NULL ||
	    strstr(tz, "/.") != NULL || tz[strlen(tz) - 1] == '/')
		return 0;
	for (p = tz; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("/_-+.", *p) == NULL)
			return 0;
	return 1;
}

static void
zone_free(struct zone *z)
{
	free(z->buf);
	z->buf = NULL;
}

static int
zone_load(const char *tz, struct zone *z, char *why, size_t whysize)
{
	struct stat st;
	const char *err;
	char path[sizeof(SCHEDULE_ZONEINFO) + 64];
	size_t len = 0;
	ssize_t r = 0;
	int fd = -1, rc = -1;

	memset(z, 0, sizeof(*z));
	if (strcmp(tz, "UTC") == 0) {
		z->utc = 1;
		return 0;
	}
	if (!zone_name_ok(tz)) {
		snprintf(why, whysize, "'%s' is not a time zone name (as in "
		    "Europe/Brussels)", tz);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s", SCHEDULE_ZONEINFO, tz);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(why, whysize, "'%s' is not a time zone (no %s)", tz,
		    path);
		goto out;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > ZONE_MAX_FILE) {
		snprintf(why, whysize, "'%s' is not a time zone (%s is not a "
		    "TZif file)", tz, path);
		goto out;
	}
	if ((z->buf = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(why, whysize, "time zone '%s': out of memory", tz);
		goto out;
	}
	/* one byte more than the size, to see a file that grew */
	while (len <= (size_t)st.st_size) {
		r = read(fd, z->buf + len, (size_t)st.st_size + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	if (r == -1 || len > (size_t)st.st_size) {
		snprintf(why, whysize, "time zone '%s': cannot read %s", tz,
		    path);
		goto out;
	}
	if ((err = zone_decode(z, len)) != NULL) {
		snprintf(why, whysize, "'%s' is not a time zone (%s is %s)",
		    tz, path, err);
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (rc == -1)
		zone_free(z);
	return rc;
}

/* the UT offset at t, and the instant of the next change after t */
static int32_t
zone_offset(const struct zone *z, int64_t t, int64_t *next_r)
{
	size_t lo, hi, mid;

	*next_r = INT64_MAX;
	if (z->utc)
		return 0;
	if (z->timecnt == 0)
		return z->hasrule ? rule_offset(&z->rule, t, next_r) :
		    zone_type_off(z, 0);
	if (t < zone_time(z, 0)) {
		*next_r = zone_time(z, 0);
		return zone_type_off(z, 0);
	}
	/* the last transition <= t */
	lo = 0;
	hi = z->timecnt;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (zone_time(z, mid) <= t)
			lo = mid;
		else
			hi = mid;
	}
	if (lo + 1 < z->timecnt) {
		*next_r = zone_time(z, lo + 1);
		return zone_type_off(z, z->idx[lo]);
	}
	if (z->hasrule)
		return rule_offset(&z->rule, t, next_r);
	return zone_type_off(z, z->idx[lo]);
}

/*
 * The earliest instant whose local time is >= the local time lt (seconds
 * since 1970-01-01 on the wall clock): lt itself when it exists, the end
 * of the gap when it falls in one, its first occurrence when it occurs
 * twice.  Each stretch between changes is one offset, and the stretches
 * around lt are walked in order.
 */
static int64_t
zone_instant(const struct zone *z, int64_t lt)
{
	int64_t t, c, next;
	int32_t off = 0;
	int i;

	t = lt - 3 * DAY;
	for (i = 0; i < 64 && t <= lt + 3 * DAY; i++) {
		off = zone_offset(z, t, &next);
		c = lt - off > t ? lt - off : t;
		if (c < next)
			return c;
		t = next;
	}
	return lt - off;	/* not reached with offsets under a day */
}

/* ---------------------------------------------------------- firing */

/*
 * The firing times around t, in order: enough periods either side that
 * one fires <= t and one > t, whatever the offsets.
 */
static size_t
fire_candidates(const struct schedule *s, const struct zone *z, int64_t t,
    int64_t *fire, size_t maxn)
{
	int64_t day, y, base, next, tod;
	size_t n = 0;
	int m, d, k, mm;

	tod = (int64_t)s->hour * 3600 + s->minute * 60;
	day = floordiv(t + zone_offset(z, t, &next), DAY);
	switch (s->kind) {
	case SCHED_DAILY:
		for (k = -3; k <= 3 && n < maxn; k++)
			fire[n++] = zone_instant(z, (day + k) * DAY + tod);
		break;
	case SCHED_WEEKLY:
		base = day - (weekday(day) - s->wday + 7) % 7;
		for (k = -2; k <= 2 && n < maxn; k++)
			fire[n++] = zone_instant(z, (base + 7 * k) * DAY +
			    tod);
		break;
	case SCHED_MONTHLY:
	default:
		civil_from_days(day, &y, &m, &d);
		for (k = -2; k <= 2 && n < maxn; k++) {
			mm = m + k;
			base = y;
			if (mm < 1) {
				mm += 12;
				base--;
			} else if (mm > 12) {
				mm -= 12;
				base++;
			}
			d = s->mday < days_in_month(base, mm) ? s->mday :
			    days_in_month(base, mm);
			fire[n++] = zone_instant(z,
			    days_from_civil(base, mm, d) * DAY + tod);
		}
		break;
	}
	return n;
}

static int
valid_schedule(const struct schedule *s)
{
	return s != NULL && s->hour >= 0 && s->hour <= 23 &&
	    s->minute >= 0 && s->minute <= 59 &&
	    (s->kind != SCHED_WEEKLY || (s->wday >= 0 && s->wday <= 6)) &&
	    (s->kind != SCHED_MONTHLY || (s->mday >= 1 && s->mday <= 31)) &&
	    memchr(s->tz, '\0', sizeof(s->tz)) != NULL;
}

/* the latest firing <= t (before) or the earliest > t (!before) */
static int
fire_near(const struct schedule *s, const struct zone *z, int64_t t,
    int before, int64_t *r)
{
	int64_t fire[8];
	size_t n, i;
	int found = 0;

	if (t < -SCHED_MAX_T || t > SCHED_MAX_T)
		return -1;
	n = fire_candidates(s, z, t, fire, sizeof(fire) / sizeof(fire[0]));
	for (i = 0; i < n; i++) {
		if (before && fire[i] <= t && (!found || fire[i] > *r)) {
			*r = fire[i];
			found = 1;
		}
		if (!before && fire[i] > t && (!found || fire[i] < *r)) {
			*r = fire[i];
			found = 1;
		}
	}
	return found ? 0 : -1;
}

static int64_t
fire_public(const struct schedule *s, int64_t t, int before)
{
	struct zone z;
	int64_t r = -1;

	if (!valid_schedule(s) || zone_load(s->tz, &z, NULL, 0) == -1)
		return -1;
	if (fire_near(s, &z, t, before, &r) == -1)
		r = -1;
	zone_free(&z);
	return r;
}

int64_t
schedule_fire_at_or_before(const struct schedule *s, int64_t t)
{
	return fire_public(s, t, 1);
}

int64_t
schedule_next_after(const struct schedule *s, int64_t t)
{
	return fire_public(s, t, 0);
}

int
schedule_due(const struct schedule *s, int64_t now, int64_t last_end,
    int64_t *start_r, int64_t *end_r)
{
	struct zone z;
	int64_t latest, start;
	int rc = -1;

	if (!valid_schedule(s) || zone_load(s->tz, &z, NULL, 0) == -1)
		return -1;
	if (fire_near(s, &z, now, 1, &latest) == -1)
		goto out;
	if (last_end >= 0) {
		if (last_end >= latest) {
			rc = 0;
			goto out;
		}
		start = last_end;
	} else if (fire_near(s, &z, latest - 1, 1, &start) == -1)
		goto out;
	*start_r = start;
	*end_r = latest;
	rc = 1;
out:
	zone_free(&z);
	return rc;
}

void
schedule_local_text(const struct schedule *s, int64_t t, char out[32])
{
	struct zone z;
	int64_t wall, day, secs, y, next;
	int32_t off = 0, a;
	char text[96];
	size_t n;
	int m, d;

	if (t < -SCHED_MAX_T || t > SCHED_MAX_T) {
		snprintf(out, 32, "(out of range)");
		return;
	}
	if (s != NULL && memchr(s->tz, '\0', sizeof(s->tz)) != NULL &&
	    zone_load(s->tz, &z, NULL, 0) == 0) {
		off = zone_offset(&z, t, &next);
		zone_free(&z);
	}
	wall = t + off;
	day = floordiv(wall, DAY);
	secs = wall - day * DAY;
	civil_from_days(day, &y, &m, &d);
	a = off < 0 ? -off : off;
	n = (size_t)snprintf(text, sizeof(text),
	    "%04lld-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
	    (long long)y, m, d, (int)(secs / 3600), (int)(secs / 60 % 60),
	    (int)(secs % 60), off < 0 ? '-' : '+', (int)(a / 3600),
	    (int)(a / 60 % 60));
	if (a % 60 != 0 && n < sizeof(text))
		snprintf(text + n, sizeof(text) - n, ":%02d", (int)(a % 60));
	if ((n = strlen(text)) > 31)
		n = 31;
	memcpy(out, text, n);
	out[n] = '\0';
}

/* ---------------------------------------------------------- parsing */

static const char *const day_names[7][2] = {
	{ "sun", "sunday" }, { "mon", "monday" }, { "tue", "tuesday" },
	{ "wed", "wednesday" }, { "thu", "thursday" }, { "fri", "friday" },
	{ "sat", "saturday" },
};

static int
parse_wday(const char *w)
{
	int i;

	for (i = 0; i < 7; i++)
		if (strcasecmp(w, day_names[i][0]) == 0 ||
		    strcasecmp(w, day_names[i][1]) == 0)
			return i;
	return -1;
}

/* 1 or 2 digits within [min,max] */
static int
parse_small(const char *w, int min, int max, int *v_r)
{
	size_t n = strlen(w);
	int v;

	if (n < 1 || n > 2 || !isdigit((unsigned char)w[0]) ||
	    (n == 2 && !isdigit((unsigned char)w[1])))
		return -1;
	v = n == 1 ? w[0] - '0' : (w[0] - '0') * 10 + (w[1] - '0');
	if (v < min || v > max)
		return -1;
	*v_r = v;
	return 0;
}

/* H:MM or HH:MM, 00:00 to 23:59 */
static int
parse_hhmm(const char *w, int *h_r, int *m_r)
{
	const char *colon;
	char h[3];

	if ((colon = strchr(w, ':')) == NULL || colon - w < 1 ||
	    colon - w > 2 || strlen(colon + 1) != 2)
		return -1;
	memcpy(h, w, (size_t)(colon - w));
	h[colon - w] = '\0';
	return parse_small(h, 0, 23, h_r) == -1 ||
	    parse_small(colon + 1, 0, 59, m_r) == -1 ? -1 : 0;
}

int
schedule_parse(const char *spec, const char *tz, struct schedule *s,
    char *why, size_t whysize)
{
	struct schedule ns;
	struct zone z;
	const char *usage;
	char copy[SCHED_MAX_SPEC], *w[4], *p, dummy[1];
	size_t nw = 0, need;
	int rc = -1;

	if (why == NULL || whysize == 0) {
		why = dummy;
		whysize = sizeof(dummy);
	}
	why[0] = '\0';
	memset(&ns, 0, sizeof(ns));
	if (spec == NULL)
		spec = "";
	if (strlen(spec) >= sizeof(copy)) {
		snprintf(why, whysize, "'%.40s...': too long for a schedule",
		    spec);
		goto out;
	}
	memcpy(copy, spec, strlen(spec) + 1);
	for (p = copy; *p != '\0';) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (nw == sizeof(w) / sizeof(w[0])) {
			nw++;
			break;
		}
		w[nw++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
	}
	if (nw == 0) {
		snprintf(why, whysize, "an empty schedule: write 'daily "
		    "08:00', 'weekly mon 08:00' or 'monthly 1 08:00'");
		goto out;
	}
	if (strcasecmp(w[0], "daily") == 0) {
		ns.kind = SCHED_DAILY;
		need = 2;
		usage = "daily HH:MM', as in 'daily 08:00";
	} else if (strcasecmp(w[0], "weekly") == 0) {
		ns.kind = SCHED_WEEKLY;
		need = 3;
		usage = "weekly DAY HH:MM', as in 'weekly mon 08:00";
	} else if (strcasecmp(w[0], "monthly") == 0) {
		ns.kind = SCHED_MONTHLY;
		need = 3;
		usage = "monthly DAY HH:MM', as in 'monthly 1 08:00";
	} else {
		snprintf(why, whysize, "'%s': '%s' is not a schedule (daily, "
		    "weekly or monthly)", spec, w[0]);
		goto out;
	}
	if (nw < need) {
		snprintf(why, whysize, "'%s': write '%s'", spec, usage);
		goto out;
	}
	if (nw > need) {
		snprintf(why, whysize, "'%s': unexpected '%s' after the time",
		    spec, w[need]);
		goto out;
	}
	if (ns.kind == SCHED_WEEKLY && (ns.wday = parse_wday(w[1])) == -1) {
		snprintf(why, whysize, "'%s': '%s' is not a day (mon, tue, "
		    "...)", spec, w[1]);
		goto out;
	}
	if (ns.kind == SCHED_MONTHLY &&
	    parse_small(w[1], 1, 31, &ns.mday) == -1) {
		snprintf(why, whysize, "'%s': '%s' is not a day of the month "
		    "(1 to 31)", spec, w[1]);
		goto out;
	}
	if (parse_hhmm(w[need - 1], &ns.hour, &ns.minute) == -1) {
		snprintf(why, whysize, "'%s': '%s' is not a time (HH:MM, "
		    "00:00 to 23:59)", spec, w[need - 1]);
		goto out;
	}
	if (tz == NULL || tz[0] == '\0')
		tz = "UTC";
	if (zone_load(tz, &z, why, whysize) == -1)
		goto out;
	zone_free(&z);
	/* zone_load checked the length */
	memcpy(ns.tz, tz, strlen(tz) + 1);
	*s = ns;
	rc = 0;
out:
	return rc;
}
