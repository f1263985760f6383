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

/* The month names' first three letters, lower case, one int each. */
#define MONTH(a, b, c)	((a) << 16 | (b) << 8 | (c))

static const int months[] = {
	MONTH('j', 'a', 'n'), MONTH('f', 'e', 'b'), MONTH('m', 'a', 'r'),
	MONTH('a', 'p', 'r'), MONTH('m', 'a', 'y'), MONTH('j', 'u', 'n'),
	MONTH('j', 'u', 'l'), MONTH('a', 'u', 'g'), MONTH('s', 'e', 'p'),
	MONTH('o', 'c', 't'), MONTH('n', 'o', 'v'), MONTH('d', 'e', 'c')
};

static const unsigned char month_len[] = {
	31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
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
	unsigned char	 u = (unsigned char)c;

	return (unsigned)u - 'A' < 26u ? u + 32 : u;
}

/* 1 when c is an ASCII letter. */
static int
is_alpha(char c)
{
	return ((unsigned)(unsigned char)c | 0x20) - 'a' < 26u;
}

/* Up to maxdig digits at *s into *v, *s moved past them; how many. */
static int
num(const char **s, int maxdig, int *v)
{
	const char	*p = *s;
	int		 n, x = 0;

	/* Read through a local: *s is not stored at each digit. */
	for (n = 0; n < maxdig && (unsigned)(p[n] - '0') < 10u; n++)
		x = x * 10 + (p[n] - '0');
	*v = x;
	*s = p + n;
	return n;
}

static void
skipws(const char **s)
{
	const char	*p = *s;

	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	*s = p;
}

/* Days in month mo (1-12) of year y, proleptic Gregorian. */
static int
month_days(int y, int mo)
{
	if (mo == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return month_len[mo - 1];
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
	static const char	 two[] =
	    "00010203040506070809101112131415161718192021222324"
	    "25262728293031323334353637383940414243444546474849"
	    "50515253545556575859606162636465666768697071727374"
	    "75767778798081828384858687888990919293949596979899";

	out[0] = two[2 * v];
	out[1] = two[2 * v + 1];
	return 2;
}

/*
 * The UTC date and time of a valid local one at zone offset zmin when
 * that moves it at most a day, the common case: the day steps over a
 * month or year end, with no day count.  0, nothing changed, for a
 * leap second, a day past its month's end (the day count carries it
 * into the next month) or a farther move.
 */
static int
utc_near(int *y, int *mo, int *d, int *h, int *mi, int sec, int zmin)
{
	int	 md = *h * 60 + *mi - zmin;	/* minutes into the day */

	if (sec > 59 || (*d > 28 && *d > month_days(*y, *mo)) ||
	    md < -1440 || md >= 2 * 1440)
		return 0;
	if (md < 0) {
		md += 1440;
		if (--*d == 0) {
			if (--*mo == 0) {
				*mo = 12;
				(*y)--;
			}
			*d = month_days(*y, *mo);
		}
	} else if (md >= 1440) {
		md -= 1440;
		if (++*d > month_days(*y, *mo)) {
			*d = 1;
			if (++*mo > 12) {
				*mo = 1;
				(*y)++;
			}
		}
	}
	*h = md / 60;
	*mi = md % 60;
	return 1;
}

/* Any other move, through the day count. */
static void
utc_far(int *y, int *mo, int *d, int *h, int *mi, int *sec, int zmin)
{
	long long	 t;
	long		 days;

	t = *h * 3600 + *mi * 60 + *sec - (long long)zmin * 60;
	t += (long long)days_from_civil(*y, *mo, *d) * 86400;
	days = (long)(t >= 0 ? t / 86400 : (t - 86399) / 86400);
	t -= (long long)days * 86400;
	civil_from_days(days, y, mo, d);
	*h = (int)(t / 3600);
	*mi = (int)(t % 3600 / 60);
	*sec = (int)(t % 60);
}

/* The longest result: a five-digit year, after a day's move. */
#define DATE_MAX	21

static int
emit(int y, int mo, int d, int h, int mi, int sec, int zmin, char *out,
    size_t outlen)
{
	char	 buf[48], *o;
	size_t	 n;

	if (y < 1900 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || sec > 60)
		return -1;
	if (!utc_near(&y, &mo, &d, &h, &mi, sec, zmin))
		utc_far(&y, &mo, &d, &h, &mi, &sec, zmin);
	/* Straight into out when any result fits. */
	o = outlen > DATE_MAX ? out : buf;
	/* "%04d-%02d-%02dT%02d:%02d:%02dZ" without printf. */
	if (y < 10000) {
		put2(o, y / 100);
		n = put2(o + 2, y % 100) + 2;
	} else
		n = put_num(o, y, 4);
	o[n++] = '-';
	/* The rest are below 100: the month, the day and a time of day. */
	n += put2(o + n, mo);
	o[n++] = '-';
	n += put2(o + n, d);
	o[n++] = 'T';
	n += put2(o + n, h);
	o[n++] = ':';
	n += put2(o + n, mi);
	o[n++] = ':';
	n += put2(o + n, sec);
	o[n++] = 'Z';
	if (o == out) {
		out[n] = '\0';
		return 0;
	}
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

/* The month (1-12) named by the three bytes at s (either case), or 0. */
static int
month_at(const char *s)
{
	int	 key = MONTH(lc(s[0]), lc(s[1]), lc(s[2])), i;

	for (i = 0; i < 12; i++)
		if (months[i] == key)
			return i + 1;
	return 0;
}

/* 1 when c is an ASCII digit. */
static int
is_digit(char c)
{
	return (unsigned)(c - '0') < 10u;
}

/* The two digits at s (checked by the caller). */
#define TWO(s)	(((s)[0] - '0') * 10 + (s)[1] - '0')

/*
 * The common form "Thu, 29 Apr 2010 23:34:45 +0900" (the day name or
 * the day's second digit left out too) at fixed places, as the general
 * reading below would take it; -2 when s is of another form.  Each
 * byte is looked at only after those before it: none past the NUL.
 */
static int
date_fast(const char *s, char *out, size_t outlen)
{
	int	 d, mo, y, h, mi, sec;

	if (is_alpha(s[0]) && is_alpha(s[1]) && is_alpha(s[2]) &&
	    s[3] == ',' && s[4] == ' ')
		s += 5;
	if (!is_digit(s[0]))
		return -2;
	if (is_digit(s[1])) {
		d = TWO(s);
		s += 2;
	} else
		d = *s++ - '0';
	if (s[0] != ' ' || !is_alpha(s[1]) || !is_alpha(s[2]) ||
	    !is_alpha(s[3]) || s[4] != ' ' || (mo = month_at(s + 1)) == 0)
		return -2;
	s += 5;
	if (!is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) ||
	    !is_digit(s[3]) || s[4] != ' ')
		return -2;
	y = TWO(s) * 100 + TWO(s + 2);
	s += 5;
	if (!is_digit(s[0]) || !is_digit(s[1]) || s[2] != ':' ||
	    !is_digit(s[3]) || !is_digit(s[4]) || s[5] != ':' ||
	    !is_digit(s[6]) || !is_digit(s[7]))
		return -2;
	h = TWO(s);
	mi = TWO(s + 3);
	sec = TWO(s + 6);
	s += 8;
	skipws(&s);
	return emit(y, mo, d, h, mi, sec, zone(s), out, outlen);
}

int
report_date(const char *s, char *out, size_t outlen)
{
	int	 d, mo, y, h, mi, sec = 0, n;

	if (s == NULL)
		return -1;
	skipws(&s);
	if (s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[2] >= '0' &&
	    s[3] >= '0' && s[4] == '-')
		return iso_date(s, out, outlen);
	if ((n = date_fast(s, out, outlen)) != -2)
		return n;
	/* Day name. */
	while (is_alpha(*s))
		s++;
	skipws(&s);
	if (num(&s, 2, &d) < 1)
		return -1;
	skipws(&s);
	/* No byte past the string's end is read: s[2] after s[1]. */
	if (s[0] == '\0' || s[1] == '\0' || (mo = month_at(s)) == 0)
		return -1;
	while (is_alpha(*s))
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
