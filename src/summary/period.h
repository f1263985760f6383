/*
 * period.h - dates for dsn-report: RFC 3339 parsing, --since/--until
 * bounds, and the day, ISO week and month a report falls in.
 *
 * Times are seconds since the epoch, UTC, in int64_t; nothing here
 * allocates or depends on the local time zone.
 */
#ifndef SUMMARY_PERIOD_H
#define SUMMARY_PERIOD_H

#include <stddef.h>
#include <stdint.h>

enum period_by {
	PERIOD_NONE,
	PERIOD_DAY,
	PERIOD_WEEK,
	PERIOD_MONTH
};

#define PERIOD_KEYLEN	16	/* room for "YYYY-MM-DD" and "YYYY-Www" */

/*
 * Parses "YYYY-MM-DD", optionally followed by "T" or " " and
 * "HH:MM[:SS[.frac]]" and "Z" or "+HH:MM"/"-HH:MM" (no zone means UTC).
 * 0 with *t set, -1 when s is not such a date.  *dateonly is set to 1
 * when s had no time of day (dateonly may be NULL).
 */
int	period_parse_time(const char *s, int64_t *t, int *dateonly);

/*
 * A --since or --until bound: a date as above, or a span before now
 * ("7d", "12h", "2w", "30m" minutes).  A date-only --until covers that
 * whole day.  The result is a half-open bound: since <= t < until.
 * 0, or -1 when s is neither.
 */
int	period_parse_bound(const char *s, int64_t now, int until, int64_t *t);

/* "YYYY-MM-DD" of t into buf (at least PERIOD_KEYLEN bytes). */
void	period_day(int64_t t, char *buf);

/*
 * The period of day key day ("YYYY-MM-DD") for by: the day itself, the
 * ISO 8601 week "YYYY-Www", or the month "YYYY-MM".  -1 for a bad key.
 */
int	period_key(const char *day, enum period_by by, char *buf);

/*
 * The period after key (same grouping), for filling gaps.  -1 for a
 * bad key.
 */
int	period_next(const char *key, enum period_by by, char *buf);

/* "day", "week", "month" to enum; -1 for anything else. */
int	period_by_parse(const char *);

/* RFC 3339 "YYYY-MM-DDTHH:MM:SSZ" of t into buf (at least 32 bytes). */
void	period_rfc3339(int64_t t, char *buf, size_t len);

#endif
