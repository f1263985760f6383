/*
 * fastin.h - dsn-report's reader of JSON Lines that keeps only the
 * fields a report uses, so that a million records read in seconds.
 *
 * Same contract as dsn_recin_next() (include/dsn/recin.h): each record
 * is a new Jansson object, owned by the caller, holding the string
 * fields type, action, reason, date, last_attempt, recipient,
 * remote_mta, status, diagnostic, feedback_type and hard_bounce.
 * Lines it cannot take apart itself are handed to Jansson whole.
 */
#ifndef SUMMARY_FASTIN_H
#define SUMMARY_FASTIN_H

#include <stdio.h>

#include <jansson.h>

struct fastin;

/* Reader over fp (not closed); NULL on allocation failure. */
struct fastin	*fastin_new(FILE *fp);

/* 1 record, 0 end, -1 a line that is not a record (err), -2 read error. */
int		 fastin_next(struct fastin *, json_t **obj, char *err,
		    size_t errlen);

/* Line number of the record last returned (1-based). */
long		 fastin_line(const struct fastin *);

/* NULL is a no-op. */
void		 fastin_free(struct fastin *);

#endif
