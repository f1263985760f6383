/*
 * summary.h - dsn-report's aggregation: classified records in, counters
 * out, and the report built from them as one Jansson object.
 *
 * Records are folded into capped tally tables as they arrive and never
 * kept, so memory is bounded by the table limits, not by the input.
 * The summary owns its tables and alerts; summary_report() returns a new
 * reference the caller owns (json_decref).  Nothing here prints.
 */
#ifndef SUMMARY_SUMMARY_H
#define SUMMARY_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "summary/period.h"

/* What became of one recipient, as counted in every table. */
enum outcome {
	OUT_DELIVERED,
	OUT_RELAYED,		/* relayed or expanded */
	OUT_DELAYED,
	OUT_HARD,		/* failed, hard bounce */
	OUT_SOFT,		/* failed, soft */
	OUT_COMPLAINT,		/* ARF feedback */
	OUT_AUTOREPLY,
	OUT_OTHER,		/* a DSN without a usable action */
	OUT_N
};

#define SUMMARY_MAXKEYS		20000	/* keys per table */
#define SUMMARY_DAYS		40000	/* distinct days */
#define SUMMARY_EXAMPLE		300	/* bytes of an example diagnostic */
#define SUMMARY_SEEN_MAX	((size_t)1 << 20) /* records deduplicated */

struct alert;

struct summary_opts {
	int64_t		 since, until;	/* half-open window */
	int		 has_since, has_until;
	enum period_by	 by;
	int		 top;		/* rows per table */
};

struct tally;

/* The counters; read by the report builder (build.c). */
struct summary {
	struct summary_opts	 o;
	uint64_t		 n[OUT_N];	/* in the window */
	uint64_t		 records;	/* read, in or out of window */
	uint64_t		 undated;
	uint64_t		 outside;	/* left out by the window */
	uint64_t		 bad;		/* lines that were not records */
	uint64_t		 unread;	/* inputs cut by a read error */
	uint64_t		 bad_dates;	/* dates that are no date */
	uint64_t		 duplicates;	/* same report_id, recipient */
	uint64_t		*seen;		/* hashes of those, 0 empty */
	size_t			 nseen, seencap;
	int			 seen_full;	/* past SUMMARY_SEEN_MAX */
	int64_t			 first, last;	/* dates seen in the window */
	int			 dated;
	struct tally		*reason, *domain, *mta, *status;
	struct tally		*own;		/* "domain\treason" */
	struct tally		*feedback, *day;
	struct alert		*alerts;
};

/* New summary; NULL on allocation failure. */
struct summary	*summary_new(const struct summary_opts *);

/* NULL is a no-op; frees the alerts added too. */
void		 summary_free(struct summary *);

/* Hands an alert to the summary, which frees it. */
void		 summary_add_alert(struct summary *, struct alert *);

/* Folds one record in (borrowed).  0, or -1 on allocation failure. */
int		 summary_add(struct summary *, const json_t *rec);

/* Counts a line of input that was not a record. */
void		 summary_bad_line(struct summary *);

/* Counts an input that could not be read, or not to its end. */
void		 summary_unreadable(struct summary *);

/*
 * The report as one object (see dsn-report(1), "JSON OUTPUT"), alerts
 * evaluated; *fired is set to the number of alerts that fired.  NULL on
 * allocation failure.
 */
json_t		*summary_report(struct summary *, int *fired);

/*
 * Own reason names: the reasons that say the receiver refused our
 * sending (authentication, reputation, policy) rather than the address.
 */
int		 summary_own_reason(const char *reason);

/* Outcome of a record (borrowed). */
enum outcome	 summary_outcome(const json_t *rec);

/* Recipient domain, lower-cased, into buf; "(none)" when absent. */
void		 summary_domain(const json_t *rec, char *buf, size_t len);

/* Remote MTA host, lower-cased, "dns;" stripped, into buf. */
void		 summary_mta(const json_t *rec, char *buf, size_t len);

/* Sets delivered, relayed, ..., failed, total of n in obj; -1 on ENOMEM. */
int		 summary_counts(json_t *obj, const uint64_t *n);

/* Sum of the final outcomes (delivered, relayed, failed). */
uint64_t	 summary_final(const uint64_t *n);

/* String field of rec or NULL. */
const char	*summary_str(const json_t *rec, const char *field);

/* The output formats: each writes the report to fp; -1 on write error. */
int		 fmt_text(FILE *, const json_t *report);
int		 fmt_markdown(FILE *, const json_t *report);
int		 fmt_json(FILE *, const json_t *report);
int		 fmt_csv(FILE *, const json_t *report);
int		 fmt_html(FILE *, const json_t *report);

#endif
