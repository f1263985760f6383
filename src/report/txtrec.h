/*
 * txtrec.h - helpers for the free-text formats of F3 (src/report/formats/):
 * markers, one-line diagnostics, records from an address found in text,
 * and RFC 3464 fields written into a text part.  Strings returned live
 * in the message's arena; records go through report_add().
 */
#ifndef DSN_REPORT_TXTREC_H
#define DSN_REPORT_TXTREC_H

#include <stddef.h>

#include "report/recog.h"

#define TXT_NONE	((size_t)-1)

/*
 * Offset just past the line holding the first occurrence of marker
 * (any case) in t[0..len), or TXT_NONE.
 */
size_t	txt_after(const char *t, size_t len, const char *marker);

/*
 * s[0..len) on one line: runs of white space (line ends too) become one
 * space, ends trimmed.  Arena string; NULL on allocation failure.
 */
char	*txt_oneline(struct arena *, const char *s, size_t len);

/* 1 when line[0..len) is blank (spaces, tabs only). */
int	txt_blank(const char *line, size_t len);

/*
 * The first plausible address (local@domain.tld) in s[0..len) into
 * *start and *alen; 1 or 0.
 */
int	txt_addr(const char *s, size_t len, size_t *start, size_t *alen);

/*
 * Length of the address a line starts with, after blanks and an
 * opening '<' (its offset in *off), or 0 when the first word of
 * line[0..ll) is no plausible address.
 */
size_t	txt_lead_addr(const char *line, size_t ll, size_t *off);

/*
 * Appends a record of the running recogniser for the address in
 * a[0..alen) with diagnostic d[0..dlen) (d NULL: none) and action
 * (NULL: "failed").  Returns report_add()'s result, 0 when a holds no
 * plausible address, -1 on allocation failure.
 */
int	txt_add(struct report_ctx *, const char *a, size_t alen,
	    const char *d, size_t dlen, const char *action);

/* The record appended last for this message, or NULL. */
struct dsn_record	*txt_last(struct report_ctx *);

/*
 * RFC 3464 per-recipient fields (Final-Recipient, Action, Status,
 * Diagnostic-Code, Remote-MTA) written as plain text in t[0..len), one
 * group per recipient, Reporting-MTA anywhere before.  Appends one
 * record per group; returns how many, or -1 on allocation failure.
 */
int	txt_ds(struct report_ctx *, const char *t, size_t len);

#endif
