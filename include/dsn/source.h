/*
 * source.h - where messages come from: a file, a folder or stdin.
 *
 * A source is opened on one path ("-" for stdin) and yields messages one
 * at a time.  What the path holds (mbox, Maildir, MH or plain folder,
 * single message, gzip of any of these) is found from its bytes and
 * structure, never from its name alone.  A message's bytes are borrowed:
 * valid until the next call to dsn_source_next() or dsn_source_close().
 * Line endings arrive as LF (CRLF and CR-only input are converted), and
 * mbox ">From " lines unescaped.  Every err names the path.
 */
#ifndef DSN_SOURCE_H
#define DSN_SOURCE_H

#include <stddef.h>

#include "limits.h"

#define DSN_SOURCE_RECURSE	0x01	/* descend into sub-folders */

struct dsn_source;

struct dsn_input_msg {
	const char	*buf;		/* the message, "From " line removed */
	size_t		 len;
	const char	*path;		/* file it came from ("-" for stdin) */
	long		 index;		/* 1-based within that file */
	long long	 offset;	/* byte offset within that file */
	int		 truncated;	/* cut at limits->message_bytes */
};

/*
 * Opens path.  Returns NULL when it cannot be opened at all, with a
 * reason in err.  The limits are borrowed and must outlive the source.
 */
struct dsn_source	*dsn_source_open(const char *path, int flags,
			    const struct dsn_limits *, char *err, size_t errlen);

/*
 * Next message: 1 and *m filled in, 0 at the end, or -1 with a reason
 * in err for a file or message that could not be read; the caller
 * reports it and may go on calling for the rest of the input.
 */
int		 dsn_source_next(struct dsn_source *, struct dsn_input_msg *m,
		    char *err, size_t errlen);

/* Closes the source; NULL is a no-op. */
void		 dsn_source_close(struct dsn_source *);

#endif
