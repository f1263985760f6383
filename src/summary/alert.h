/*
 * alert.h - dsn-report's --alert expressions: parse, feed, evaluate.
 *
 *	EXPR   = [SCOPE ":" KEY ":"] METRIC OP NUMBER ["%"]
 *	       | SCOPE ":" KEY OP NUMBER		(METRIC is total)
 *	SCOPE  = reason | domain | mta | status | feedback
 *	OP     = ">" | ">=" | "<" | "<=" | "=" | "=="
 *
 * An alert keeps its own counters and top diagnostics for the records
 * in its scope, so it is exact whatever the report tables dropped.
 * The alert owns its strings and tables.
 */
#ifndef SUMMARY_ALERT_H
#define SUMMARY_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "summary/summary.h"

/* Parses expr; NULL with a reason in err when it is not an alert. */
struct alert	*alert_parse(const char *expr, char *err, size_t errlen);

/* NULL is a no-op. */
void		 alert_free(struct alert *);

/* Next alert in a summary's list (the summary links them). */
struct alert	**alert_nextp(struct alert *);

/*
 * Counts rec (borrowed) when it is in the alert's scope; out is its
 * outcome.  0, or -1 on allocation failure.
 */
int		 alert_feed(struct alert *, const json_t *rec, enum outcome out);

/*
 * Evaluates the alert: a new object {expr, fired, metric, value,
 * threshold, ...} the caller owns; *fired is set.  success_seen is
 * non-zero when the input held success notices anywhere, which rates
 * need.  NULL on allocation failure.
 */
json_t		*alert_eval(const struct alert *, int success_seen, int *fired);

#endif
