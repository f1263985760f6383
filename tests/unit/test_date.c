/*
 * test_date.c - report_date(): RFC 5322 dates to RFC 3339 UTC, the zone
 * moving the day over month, year and leap-day ends, a leap second, a
 * move of more than a day, days past their month's end, and the
 * caller's buffer too small.  Exits non-zero and names each failed
 * check.
 */
#include <stdio.h>
#include <string.h>

#include "report/recog.h"

#include "check.h"

/* report_date() of s into a buffer of outlen bytes, or NULL. */
static const char *
date(const char *s, size_t outlen)
{
	static char	 out[64];

	memset(out, 'x', sizeof(out));
	return report_date(s, out, outlen) < 0 ? NULL : out;
}

static void
test_zone_moves(void)
{
	check_str("same day", date("Tue, 4 Mar 2025 09:15:30 +0100", 32),
	    "2025-03-04T08:15:30Z");
	check_str("day before", date("1 Mar 2025 08:00:00 +0900", 32),
	    "2025-02-28T23:00:00Z");
	check_str("leap day before", date("1 Mar 2024 08:00:00 +0900", 32),
	    "2024-02-29T23:00:00Z");
	check_str("year before", date("1 Jan 2025 00:30 +0100", 32),
	    "2024-12-31T23:30:00Z");
	check_str("day after", date("30 Apr 2025 23:00:00 -0200", 32),
	    "2025-05-01T01:00:00Z");
	check_str("year after", date("31 Dec 1999 22:00:59 -0300", 32),
	    "2000-01-01T01:00:59Z");
	check_str("no leap 1900", date("28 Feb 1900 23:00:00 -0100", 32),
	    "1900-03-01T00:00:00Z");
	check_str("leap 2000", date("28 Feb 2000 23:00:00 -0100", 32),
	    "2000-02-29T00:00:00Z");
	check_str("named zone", date("Fri, 7 Mar 2025 01:00:00 JST", 32),
	    "2025-03-06T16:00:00Z");
	check_str("four days", date("2 Mar 2025 01:00:00 +9959", 32),
	    "2025-02-25T21:01:00Z");
	check_str("year 10000", date("31 Dec 9999 23:00:00 -0200", 32),
	    "10000-01-01T01:00:00Z");
}

static void
test_odd_dates(void)
{
	check_str("leap second", date("30 Jun 2015 23:59:60 +0000", 32),
	    "2015-07-01T00:00:00Z");
	check_str("day 31", date("31 May 2025 12:00:00 +0000", 32),
	    "2025-05-31T12:00:00Z");
	check_str("Feb 30 carried", date("30 Feb 2025 12:00:00 +0000", 32),
	    "2025-03-02T12:00:00Z");
	check_str("two-digit year", date("Mon, 5 Jan 98 10:00 GMT", 32),
	    "1998-01-05T10:00:00Z");
	check_str("iso form", date("2025-03-04 09:15:30", 32),
	    "2025-03-04T09:15:30Z");
	check_str("no month", date("5 Foo 2025 10:00 +0000", 32), NULL);
	check_str("month cut", date("5 J", 32), NULL);
	check_str("bad hour", date("5 Jan 2025 24:00 +0000", 32), NULL);
	check_str("too small", date("5 Jan 2025 10:00 +0000", 20), NULL);
	check_str("fits", date("5 Jan 2025 10:00 +0000", 21),
	    "2025-01-05T10:00:00Z");
}

int
main(void)
{
	test_zone_moves();
	test_odd_dates();
	check_int("failures", failures, 0);
	return failures != 0;
}
