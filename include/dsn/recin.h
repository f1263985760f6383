/*
 * recin.h - reading records back: the input of dsn-classify, dsn-prune
 * and dsn-report.
 *
 * A reader takes JSON Lines (one object a line), one JSON array, or CSV
 * with a header row that names record fields (recipient among them).
 * Binary input (NUL or control bytes, or invalid UTF-8 that is not JSON,
 * in the first KB) is one error; other text is read as JSON Lines, and
 * each line that is not an object with a record field is reported.
 * Each record comes back as a Jansson object the caller owns (release it
 * with json_decref).  CSV cells become strings, except that empty cells
 * become null, the numeric fields (message, offset, reply_code) integers
 * and "true"/"false" in hard_bounce booleans, so both inputs look alike.
 */
#ifndef DSN_RECIN_H
#define DSN_RECIN_H

#include <stdio.h>

#include <jansson.h>

struct dsn_recin;

/* Reader over fp (not closed by the reader); NULL on allocation failure. */
struct dsn_recin	*dsn_recin_new(FILE *fp);

/*
 * Next record: 1 with *obj set, 0 at the end, -1 with a reason in err
 * for a line that is not a record (the caller reports it, with
 * dsn_recin_line(), and may go on), -2 on a read error.
 */
int		 dsn_recin_next(struct dsn_recin *, json_t **obj,
		    char *err, size_t errlen);

/*
 * Keeps only the members named in names (NULL-terminated, borrowed
 * until the reader is freed) in the records returned; JSON Lines skip
 * the others without building them.  Whether a line is a record still
 * depends on all its members.  NULL keeps every member (the default).
 * Returns 0, or -1 on allocation failure.
 */
int		 dsn_recin_keep(struct dsn_recin *, const char *const *names);

/* Line number of the record last returned (1-based). */
long		 dsn_recin_line(const struct dsn_recin *);

/*
 * The input's format once dsn_recin_next() was called: DSN_OUT_JSONL,
 * DSN_OUT_JSON (an array) or DSN_OUT_CSV, from dsn/recout.h; JSON Lines
 * before that and for empty or binary input.
 */
int		 dsn_recin_format(const struct dsn_recin *);

/* NULL is a no-op. */
void		 dsn_recin_free(struct dsn_recin *);

#endif
