/*
 * mbox.h - the pure parts of mbox handling: envelope lines, message
 * boundaries, ">From " unescaping and line-ending repair, all over a
 * caller's buffer.  Private to src/input/; nothing here allocates.
 */
#ifndef MBOX_H
#define MBOX_H

#include <stddef.h>

/*
 * Non-zero when the line at s (n bytes, no newline) is an mbox envelope
 * line: "From ", one address token, then a full date: a weekday first,
 * then a month name, a day, hh:mm[:ss] and a year in any order ("From
 * addr Mon Apr 27 17:34:04 2009"; a time zone or "remote from" may
 * follow).  One rule wherever the line stands, after a blank line or
 * not: a date without its year never splits.  strict is ignored (kept
 * for callers).
 */
int	mbox_is_envelope(const char *s, size_t n, int strict);

/*
 * Looks for the next envelope line in buf[from, len), where buf[start]
 * begins the current message body (lines before it are not looked at
 * backwards).  Returns the offset of its 'F' and sets *found; when the
 * buffer ends before a decision, returns the offset at which to resume
 * once more data has been read, with *found 0.  At eof every candidate
 * is decided.
 */
size_t	mbox_find_boundary(const char *buf, size_t start, size_t from,
	    size_t len, int eof, int *found);

/*
 * The same, also setting *escaped (when not NULL) once a line that may
 * be an escaped envelope line (">+From ") was passed over, so that the
 * caller unescapes only messages that need it.  The first line at
 * buf[start] is not looked at.  *cr (when not NULL) is set when a CR
 * may lie in the bytes from from - 1 to the offset returned: left
 * alone only when surely none does.
 */
size_t	mbox_find_next(const char *buf, size_t start, size_t from,
	    size_t len, int eof, int *found, int *escaped, int *cr);

/*
 * Rewrites the message at buf in place: CRLF becomes LF (looked for only
 * when cr is non-zero: 0 says the message holds no CR) and one '>' is
 * removed from lines matching ">+From " (mboxrd; mboxo's ">From " too).
 * Returns the new length.
 */
size_t	mbox_clean(char *buf, size_t len, int unescape, int cr);

#endif
