/*
 * record.h - one recipient of one report: the output contract of dsn-parse.
 *
 * A record is a fixed array of owned UTF-8 strings indexed by enum
 * dsn_field; NULL means absent (null in JSON, empty in CSV).  The order of
 * the enum is the public field order of dsn-parse's output.  Numeric
 * fields (message, offset, reply_code) are kept as decimal strings and
 * written as JSON numbers.
 *
 * Values live in a small pool inside the record (one allocation for the
 * record and most of its strings), the rest in malloc'd strings.  So v[]
 * is read-only outside record.c: a value is changed through the setters
 * and moved between records with dsn_record_move(), never by assigning
 * or freeing a pointer.  The record knows each value's length, so a
 * value is shortened only through dsn_record_truncate() (its bytes may
 * be moved down first), never by writing a NUL into it.
 */
#ifndef DSN_RECORD_H
#define DSN_RECORD_H

#include <stddef.h>

enum dsn_field {
	DSN_F_SOURCE,
	DSN_F_MESSAGE,
	DSN_F_OFFSET,
	DSN_F_REPORT_ID,
	DSN_F_TYPE,
	DSN_F_FORMAT,
	DSN_F_DATE,
	DSN_F_REPORTING_MTA,
	DSN_F_REMOTE_MTA,
	DSN_F_RECIPIENT,
	DSN_F_ORIGINAL_RECIPIENT,
	DSN_F_ACTION,
	DSN_F_STATUS,
	DSN_F_REPLY_CODE,
	DSN_F_DIAGNOSTIC_TYPE,
	DSN_F_DIAGNOSTIC,
	DSN_F_LAST_ATTEMPT,
	DSN_F_SENDER,
	DSN_F_MESSAGE_ID,
	DSN_F_SUBJECT,
	DSN_F_LIST_ID,
	DSN_F_FEEDBACK_TYPE,
	DSN_F_BOUNCE_TO,
	DSN_F_SMTP_COMMAND,	/* CONN, HELO, MAIL, RCPT, DATA: where it failed */
	DSN_F_CATEGORY,		/* the reporter's own class of it, verbatim */
	DSN_F_COUNT
};

struct dsn_record {
	char	*v[DSN_F_COUNT];
	/* Private to record.c: lengths and the pool (see above). */
	size_t		 used;	/* pool bytes taken */
	size_t		 last;	/* where the newest pool value starts */
	unsigned long	 heap;	/* bit f: v[f] is malloc'd */
	unsigned long	 pooled;	/* bit f: v[f] is in the pool */
	unsigned long	 plain;	/* bit f: see dsn_record_plain() */
	size_t		 len[DSN_F_COUNT];	/* of v[f], when not NULL */
	char		 pool[];
};

/* Name of a field as written in output ("reply_code"), or NULL. */
const char	*dsn_field_name(enum dsn_field);

/* Field index for a name, or -1. */
int		 dsn_field_lookup(const char *name);

/* Non-zero when the field is written as a JSON number. */
int		 dsn_field_is_number(enum dsn_field);

/* New empty record; NULL on allocation failure. */
struct dsn_record	*dsn_record_new(void);

/* Deep copy; NULL on allocation failure. */
struct dsn_record	*dsn_record_dup(const struct dsn_record *);

/* Frees the record and its strings; NULL is a no-op. */
void		 dsn_record_free(struct dsn_record *);

/*
 * Sets field f to a copy of the len bytes at s (s need not be
 * NUL-terminated; NULL clears the field).  Invalid UTF-8 is repaired,
 * control characters become spaces, white space runs are folded, and the
 * value is trimmed; an empty result clears the field.  Returns 0, or -1
 * on allocation failure.
 */
int		 dsn_record_set(struct dsn_record *, enum dsn_field,
		    const char *s, size_t len);

/* Same for a NUL-terminated string. */
int		 dsn_record_sets(struct dsn_record *, enum dsn_field,
		    const char *s);

/* Length of v[f] (strlen, known without measuring); 0 when absent. */
static inline size_t
dsn_record_len(const struct dsn_record *r, enum dsn_field f)
{
	return r->v[f] != NULL ? r->len[f] : 0;
}

/*
 * Shortens v[f] to its first n bytes (nothing when it is not longer):
 * the caller picks n on a UTF-8 character boundary.  n == 0 leaves an
 * empty string, not an absent value.
 */
void		 dsn_record_truncate(struct dsn_record *, enum dsn_field,
		    size_t n);

/*
 * A length no value of the record exceeds, nor all of them together (a
 * bound, cheaper than measuring each value); (size_t)-1 when it would
 * take measuring.
 */
size_t		 dsn_record_maxlen(const struct dsn_record *);

/*
 * The fields known to need no escape in a JSON string: bit f set when
 * v[f] is valid UTF-8 with no control byte (below 0x20), '"' or
 * '\\', as the setters leave it.  A value shortened at a character
 * boundary keeps its bit; a clear bit says nothing.
 */
unsigned long	 dsn_record_plain(const struct dsn_record *);

/*
 * Moves field f of from into to, leaving it absent in from; to's old
 * value of f is dropped.  Returns 0, or -1 on allocation failure (f is
 * then absent in to, from unchanged).
 */
int		 dsn_record_move(struct dsn_record *to, struct dsn_record *from,
		    enum dsn_field f);

/* Sets f only when it is still absent; same return values. */
int		 dsn_record_default(struct dsn_record *, enum dsn_field,
		    const char *s);

#endif
