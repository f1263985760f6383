/*
 * textscan.h - small helpers the free-text formats of helper F1 share:
 * finding phrases and lines in a report's text, recognising a line that
 * holds nothing but an address, and turning a recipient block (address
 * plus the lines explaining it) into a record.  Everything returned is a
 * view into the caller's text or an arena string of the parsed message.
 */
#ifndef DSN_REPORT_TEXTSCAN_H
#define DSN_REPORT_TEXTSCAN_H

#include <stddef.h>

#include "report/recog.h"

/* Offset of needle (case-insensitive) in t[from..len), or len. */
size_t	ts_find(const char *t, size_t len, size_t from, const char *needle);

/* Offset of the start of the line after the one holding offset pos. */
size_t	ts_eol(const char *t, size_t len, size_t pos);

/* Offset of the start of the line holding offset pos. */
size_t	ts_bol(const char *t, size_t pos);

/* s[0..*n) without leading and trailing blanks: adjusts s and n. */
void	ts_trim(const char **s, size_t *n);

/* Leading spaces and tabs of a line (a tab counts as 8). */
size_t	ts_indent(const char *line, size_t ll);

#define TS_ANGLE	0x01	/* the address must be in <angle brackets> */
#define TS_COLON	0x02	/* and followed by a colon */

/*
 * 1 when the line holds one address and nothing else, after an optional
 * "* " or ">>> " bullet: a bare, "quoted" or <angled> address with an
 * optional colon after it (flags make the brackets or the colon
 * required).  Sets *as and *al to the address within line.
 */
int	ts_addr_line(const char *line, size_t ll, int flags, size_t *as,
	    size_t *al);

/* 1 when the string s is in the comma-separated address list l. */
int	ts_in_list(const char *l, const char *s, size_t n);

/*
 * The n-th (0-based) address of a comma-separated header value such as
 * X-Failed-Recipients; arena string or NULL.
 */
char	*ts_list_nth(struct report_ctx *, const char *list, int n);

/*
 * A record for recipient addr[0..alen) with the diagnostic d[0..dl)
 * (folded to one line), the action when not NULL, and the status when
 * not NULL; reporting is the reporting MTA or NULL.  The record is not
 * yet added: callers may adjust it and hand it to report_add().  NULL
 * on allocation failure, or *none set when addr holds no address.
 */
struct dsn_record	*ts_record(struct report_ctx *, const char *addr,
			    size_t alen, const char *d, size_t dl,
			    const char *action, int *none);

/*
 * Adds rec (report_add()), then drops a reply code no SMTP server sends
 * (second digit above 5).  1 added, 0 dropped, -1 on ENOMEM.
 */
int	ts_add(struct report_ctx *, struct dsn_record *rec);

/* 1 when the text of the From header contains s (case-insensitive). */
int	ts_hdr_has(struct report_ctx *, const char *field, const char *s);

#endif
