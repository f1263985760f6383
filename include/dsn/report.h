/*
 * report.h - recognising a report in one message.
 *
 * dsn_report_scan() parses a message, tries the standard reports and the
 * format table in order, and appends one record per recipient.  It fills
 * every field it can except source, message and offset, which belong to
 * the caller.  Patterns are compiled once, on the first call.
 */
#ifndef DSN_REPORT_H
#define DSN_REPORT_H

#include <stddef.h>

#include "limits.h"
#include "record.h"

struct dsn_reclist {
	struct dsn_record	**v;
	size_t			  n, cap;
};

/* Appends rec, taking ownership; -1 (rec freed) on allocation failure. */
int	dsn_reclist_add(struct dsn_reclist *, struct dsn_record *rec);

/* Frees every record and empties the list for reuse. */
void	dsn_reclist_clear(struct dsn_reclist *);

/*
 * Returns the number of records appended to out (0: not a report), or
 * -1 with a reason in err when the message could not be parsed at all.
 * When it returns 0 or more, err is empty, or holds a note saying which
 * limit cut the message (records past it were dropped).
 */
int	dsn_report_scan(const char *buf, size_t len, const struct dsn_limits *,
	    struct dsn_reclist *out, char *err, size_t errlen);

#endif
