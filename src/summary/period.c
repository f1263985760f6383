/*
 * period.c - calendar arithmetic for dsn-report, UTC only.
 *
 * Uses the days-from-civil algorithm (proleptic Gregorian calendar) so
 * that no libc time-zone state is touched; every function works on
 * caller buffers and allocates nothing.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "summary/period.h"

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t		 era;
	unsigned	 yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t		 era;
	unsigned	 doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t
floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Reads exactly n digits at *sp; -1 when they are not there. */
static int
digits(const char **sp, int n)
{
	const char	*s = *sp;
	int		 v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*sp = s + n;
	return v;
}

static int
mdays(int64_t y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

static int
parse_zone(const char *s, int64_t *off)
{
	int	 sign, hh, mm;

	*off = 0;
	if (*s == '\0' || ((*s == 'Z' || *s == 'z') && s[1] == '\0'))
		return 0;
	if (*s != '+' && *s != '-')
		return -1;
	sign = *s++ == '-' ? -1 : 1;
	if ((hh = digits(&s, 2)) < 0 || hh > 23)
		return -1;
	if (*s == ':')
		s++;
	if ((mm = digits(&s, 2)) < 0 || mm > 59 || *s != '\0')
		return -1;
	*off = sign * (hh * 3600 + mm * 60);
	return 0;
}

int
period_parse_time(const char *s, int64_t *t, int *dateonly)
{
	int	 y, m, d, hh = 0, mi = 0, ss = 0;
	int64_t	 off;

	if ((y = digits(&s, 4)) < 0 || *s++ != '-' ||
	    (m = digits(&s, 2)) < 1 || m > 12 || *s++ != '-' ||
	    (d = digits(&s, 2)) < 1 || d > mdays(y, m))
		return -1;
	if (dateonly != NULL)
		*dateonly = *s == '\0';
	if (*s == 'T' || *s == 't' || *s == ' ') {
		s++;
		if ((hh = digits(&s, 2)) < 0 || hh > 23 || *s++ != ':' ||
		    (mi = digits(&s, 2)) < 0 || mi > 59)
			return -1;
		if (*s == ':') {
			s++;
			/* 60 is a leap second: count it as 59. */
			if ((ss = digits(&s, 2)) < 0 || ss > 60)
				return -1;
			if (ss == 60)
				ss = 59;
			if (*s == '.') {
				s++;
				if (!isdigit((unsigned char)*s))
					return -1;
				while (isdigit((unsigned char)*s))
					s++;
			}
		}
	}
	if (parse_zone(s, &off) == -1)
		return -1;
	*t = days_from_civil(y, (unsigned)m, (unsigned)d) * 86400 +
	    hh * 3600 + mi * 60 + ss - off;
	return 0;
}

int
period_parse_bound(const char *s, int64_t now, int until, int64_t *t)
{
	char		*end;
	long long	 n;
	int64_t		 unit;
	int		 dateonly;

	if (period_parse_time(s, t, &dateonly) == 0) {
		if (until && dateonly)
			*t += 86400;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -1;
	n = strtoll(s, &end, 10);
	if (end[0] == '\0' || end[1] != '\0' || n < 0 || n > 1000000)
		return -1;
	switch (*end) {
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	case 'w':
		unit = 7 * 86400;
		break;
	default:
		return -1;
	}
	*t = now - (int64_t)n * unit;
	return 0;
}

void
period_day(int64_t t, char *buf)
{
	int64_t		 y;
	unsigned	 m, d;

	civil_from_days(floordiv(t, 86400), &y, &m, &d);
	/* Years outside 0..9999 are clamped: keys keep their shape. */
	if (y < 0)
		y = 0;
	if (y > 9999)
		y = 9999;
	snprintf(buf, PERIOD_KEYLEN, "%04d-%02u-%02u", (int)y, m, d);
}

void
period_rfc3339(int64_t t, char *buf, size_t len)
{
	char	 day[PERIOD_KEYLEN];
	int64_t	 s;

	period_day(t, day);
	s = t - floordiv(t, 86400) * 86400;
	snprintf(buf, len, "%sT%02d:%02d:%02dZ", day, (int)(s / 3600),
	    (int)(s / 60 % 60), (int)(s % 60));
}

static int
iso_week(int64_t days, int *wy, int *wn)
{
	int64_t		 y, thursday, jan1;
	unsigned	 m, d;
	int		 wd;

	/* Monday = 0; 1970-01-01 was a Thursday (3). */
	wd = (int)((days % 7 + 7 + 3) % 7);
	thursday = days - wd + 3;
	civil_from_days(thursday, &y, &m, &d);
	jan1 = days_from_civil(y, 1, 1);
	*wy = (int)y;
	*wn = (int)((thursday - jan1) / 7 + 1);
	return 0;
}

int
period_key(const char *day, enum period_by by, char *buf)
{
	int64_t	 t;
	int	 wy, wn;

	if (period_parse_time(day, &t, NULL) == -1)
		return -1;
	switch (by) {
	case PERIOD_WEEK:
		iso_week(floordiv(t, 86400), &wy, &wn);
		snprintf(buf, PERIOD_KEYLEN, "%04d-W%02d", wy, wn);
		break;
	case PERIOD_MONTH:
		snprintf(buf, PERIOD_KEYLEN, "%.7s", day);
		break;
	default:
		snprintf(buf, PERIOD_KEYLEN, "%.10s", day);
		break;
	}
	return 0;
}

int
period_next(const char *key, enum period_by by, char *buf)
{
	const char	*s = key;
	int		 y, m, w;
	int64_t		 days;

	switch (by) {
	case PERIOD_WEEK:
		if ((y = digits(&s, 4)) < 0 || *s++ != '-' || *s++ != 'W' ||
		    (w = digits(&s, 2)) < 1 || w > 53)
			return -1;
		/* Monday of week 1 is the Monday on or before Jan 4. */
		days = days_from_civil(y, 1, 4);
		days -= (days % 7 + 7 + 3) % 7;
		days += (int64_t)w * 7;
		{
			char	 day[PERIOD_KEYLEN];

			period_day(days * 86400, day);
			return period_key(day, PERIOD_WEEK, buf);
		}
	case PERIOD_MONTH:
		if ((y = digits(&s, 4)) < 0 || *s++ != '-' ||
		    (m = digits(&s, 2)) < 1 || m > 12)
			return -1;
		if (++m > 12) {
			m = 1;
			y++;
		}
		snprintf(buf, PERIOD_KEYLEN, "%04d-%02d", y, m);
		return 0;
	default:
		if (period_parse_time(key, &days, NULL) == -1)
			return -1;
		period_day(days + 86400, buf);
		return 0;
	}
}

int
period_by_parse(const char *s)
{
	if (strcmp(s, "day") == 0)
		return PERIOD_DAY;
	if (strcmp(s, "week") == 0)
		return PERIOD_WEEK;
	if (strcmp(s, "month") == 0)
		return PERIOD_MONTH;
	return -1;
}
