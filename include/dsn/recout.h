/*
 * recout.h - writing records: JSON Lines, a JSON array, or CSV.
 *
 * The same writer serves dsn-parse (struct dsn_record) and the later
 * tools, which carry records as Jansson objects with fields of their own
 * added.  Columns are a list of field names fixed when the writer is
 * made; CSV writes them as the header row (RFC 4180 quoting, cells that
 * a spreadsheet would run as a formula neutralised unless told not to).
 * Every string is valid UTF-8 before it reaches Jansson.
 */
#ifndef DSN_RECOUT_H
#define DSN_RECOUT_H

#include <stdio.h>

#include <jansson.h>

#include "record.h"

enum dsn_outfmt {
	DSN_OUT_JSONL,
	DSN_OUT_JSON,
	DSN_OUT_CSV
};

#define DSN_RECOUT_CSV_RAW	0x01	/* do not neutralise formulas */

struct dsn_recout;

/*
 * Writer on fp for the ncols names in cols (copied).  Returns NULL on
 * allocation failure.
 */
struct dsn_recout	*dsn_recout_new(FILE *fp, enum dsn_outfmt,
			    const char *const *cols, int ncols, int flags);

/* Writes one record; -1 on a write error (errno set). */
int		 dsn_recout_record(struct dsn_recout *,
		    const struct dsn_record *);

/* Writes one object: its members named in cols, in that order. */
int		 dsn_recout_object(struct dsn_recout *, json_t *obj);

/*
 * Finishes the output (the closing bracket of a JSON array), flushes,
 * frees; -1 when anything written failed.  NULL is a no-op.
 */
int		 dsn_recout_close(struct dsn_recout *);

/* Parses "jsonl", "json" or "csv"; -1 for anything else. */
int		 dsn_outfmt_parse(const char *);

#endif
