/*
 * date.c - RFC 5322 dates (and their obsolete forms) to RFC 3339 UTC.
 *
 * Accepts an optional day name, two- or four-digit years, missing
 * seconds, numeric and named zones, and a trailing comment; an ISO-like
 * "YYYY-MM-DD HH:MM:SS" form is read too.  Writes into the caller's
 * buffer; nothing is allocated.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "report/recog.h"

static const char *const months[] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec"
};

static const struct {
	const char	*name;
	int		 minutes;
} zones[] = {
	{ "UT", 0 }, { "UTC", 0 }, { "GMT", 0 }, { "Z", 0 },
	{ "EST", -300 }, { "EDT", -240 }, { "CST", -360 }, { "CDT", -300 },
	{ "MST", -420 }, { "MDT", -360 }, { "PST", -480 }, { "PDT", -420 },
	{ "JST", 540 }, { "KST", 540 }, { "CET", 60 }, { "CEST", 120 },
	{ "BST", 60 }, { "MET", 60 }, { "MEST", 120 }, { "EET", 120 },
	{ "IST", 330 }, { "HKT", 480 }, { "SGT", 480 }, { "AEST", 600 },
};

/* ASCII lower case of c. */
static int
lc(char c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int
num(const char **s, int maxdig, int *v)
{
	int	 n = 0;

	*v = 0;
	while (**s >= '0' && **s <= '9' && n < maxdig) {
		*v = *v * 10 + (**s - '0');
		(*s)++;
		n++;
	}
	return n;
}

static void
skipws(const char **s)
{
	while (**s == ' ' || **s == '\t' || **s == ',')
		(*s)++;
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's method). */
static long
days_from_civil(long y, int m, int d)
{
	long	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(long z, int *y, int *m, int *d)
{
	long	 era, doe, yoe, doy, mp, yy;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

static int
zone(const char *s)
{
	size_t	 i, n;
	int	 sign, v;

	if (*s == '+' || *s == '-') {
		sign = *s == '-' ? -1 : 1;
		s++;
		if (num(&s, 4, &v) != 4)
			return 0;
		return sign * ((v / 100) * 60 + v % 100);
	}
	for (n = 0; (s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' &&
	    s[n] <= 'z'); n++)
		;
	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (strlen(zones[i].name) == n &&
		    strncasecmp(s, zones[i].name, n) == 0)
			return zones[i].minutes;
	return 0;
}

/* v (0 <= v, at most 10 digits) in at least w digits; returns the length. */
static size_t
put_num(char *out, int v, size_t w)
{
	char	 d[12];
	size_t	 n = 0, i;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && n < sizeof(d));
	while (n < w)
		d[n++] = '0';
	for (i = 0; i < n; i++)
		out[i] = d[n - 1 - i];
	return n;
}

/* v (0 <= v < 100) in two digits. */
static size_t
put2(char *out, int v)
{
	out[0] = (char)('0' + v / 10);
	out[1] = (char)('0' + v % 10);
	return 2;
}

static int
emit(int y, int mo, int d, int h, int mi, int sec, int zmin, char *out,
    size_t outlen)
{
	long long	 t;
	long		 days;
	char		 buf[48];
	size_t		 n;

	if (y < 1900 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || sec > 60)
		return -1;
	t = h * 3600 + mi * 60 + sec - (long long)zmin * 60;
	/*
	 * A time that stays within its day, on a day every month has,
	 * keeps its date: no round trip through the day count.
	 */
	if (t < 0 || t >= 86400 || d > 28) {
		t += (long long)days_from_civil(y, mo, d) * 86400;
		days = (long)(t >= 0 ? t / 86400 : (t - 86399) / 86400);
		t -= (long long)days * 86400;
		civil_from_days(days, &y, &mo, &d);
	}
	/* "%04d-%02d-%02dT%02d:%02d:%02dZ" without printf. */
	if (y < 10000) {
		put2(buf, y / 100);
		n = put2(buf + 2, y % 100) + 2;
	} else
		n = put_num(buf, y, 4);
	buf[n++] = '-';
	/* The rest are below 100: the month, the day and a time of day. */
	n += put2(buf + n, mo);
	buf[n++] = '-';
	n += put2(buf + n, d);
	buf[n++] = 'T';
	n += put2(buf + n, (int)(t / 3600));
	buf[n++] = ':';
	n += put2(buf + n, (int)(t % 3600 / 60));
	buf[n++] = ':';
	n += put2(buf + n, (int)(t % 60));
	buf[n++] = 'Z';
	if (outlen == 0)
		return -1;
	if (n >= outlen) {
		memcpy(out, buf, outlen - 1);
		out[outlen - 1] = '\0';
		return -1;
	}
	memcpy(out, buf, n);
	out[n] = '\0';
	return 0;
}

static int
iso_date(const char *s, char *out, size_t outlen)
{
	int	 y, mo, d, h = 0, mi = 0, sec = 0;

	if (num(&s, 4, &y) != 4 || *s++ != '-' || num(&s, 2, &mo) < 1 ||
	    *s++ != '-' || num(&s, 2, &d) < 1)
		return -1;
	if (*s == 'T' || *s == ' ') {
		s++;
		if (num(&s, 2, &h) < 1 || *s++ != ':' || num(&s, 2, &mi) < 1)
			return -1;
		if (*s == ':') {
			s++;
			num(&s, 2, &sec);
		}
	}
	while (*s == '.' || (*s >= '0' && *s <= '9'))
		s++;
	skipws(&s);
	return emit(y, mo, d, h, mi, sec, zone(s), out, outlen);
}

int
report_date(const char *s, char *out, size_t outlen)
{
	int	 d, mo, y, h, mi, sec = 0, i, n, c0;

	if (s == NULL)
		return -1;
	skipws(&s);
	if (s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[2] >= '0' &&
	    s[3] >= '0' && s[4] == '-')
		return iso_date(s, out, outlen);
	/* Day name. */
	while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
		s++;
	skipws(&s);
	if (num(&s, 2, &d) < 1)
		return -1;
	skipws(&s);
	c0 = lc(s[0]);
	for (mo = 0, i = 0; i < 12 && mo == 0; i++)
		if (c0 == months[i][0] && lc(s[1]) == months[i][1] &&
		    lc(s[2]) == months[i][2])
			mo = i + 1;
	if (mo == 0)
		return -1;
	while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
		s++;
	skipws(&s);
	if ((n = num(&s, 4, &y)) < 2)
		return -1;
	if (n == 2)
		y += y < 50 ? 2000 : 1900;
	else if (n == 3)
		y += 1900;
	skipws(&s);
	if (num(&s, 2, &h) < 1 || *s++ != ':' || num(&s, 2, &mi) < 1)
		return -1;
	if (*s == ':') {
		s++;
		num(&s, 2, &sec);
	}
	skipws(&s);
	return emit(y, mo, d, h, mi, sec, zone(s), out, outlen);
}
