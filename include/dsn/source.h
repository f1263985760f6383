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
#define DSN_SOURCE_NEW_ONLY	0x02	/* Maildir: new/ only, not cur/ */

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

/*
 * As dsn_source_open() for a single uncompressed file, read from byte
 * offset from on, before which lie `before` messages (an mbox resumed
 * where an earlier run stopped; message offsets and numbers stay those
 * of the whole file).
 */
struct dsn_source	*dsn_source_open_at(const char *path, int flags,
			    long long from, long before,
			    const struct dsn_limits *, char *err,
			    size_t errlen);

/*
 * Calls fn(path, arg) as each file is left once read as far as it ever
 * will be: to its end (messages cut at a limit included), or to a fault
 * in its bytes (not a mailbox or message, truncated or corrupt gzip).
 * Not after an I/O error (it may read next time), nor for a file left
 * unread.  For marking Maildir messages seen.
 */
void		 dsn_source_on_done(struct dsn_source *,
		    void (*fn)(const char *path, void *arg), void *arg);

/* The file being read now (borrowed), NULL between files. */
const char	*dsn_source_file(const struct dsn_source *);

/*
 * For a single file read to its end without error: the offset where a
 * later run should go on (the end of the file when its last message ends
 * in a blank line, else that message's start, as it may still be being
 * written), with the number of messages before it in *before; -1 when
 * there is none (not an mbox, gzip, read error).
 */
long long	 dsn_source_resume(const struct dsn_source *, long *before);

/*
 * Marks the Maildir message at path (DIR/new/NAME or DIR/cur/NAME) seen
 * as mail readers do: renamed to DIR/cur/NAME:2,FLAGS with S among the
 * sorted flags.  Returns 1 when renamed, 0 when path is not a Maildir
 * message or is seen already, -1 with a reason in err.
 */
int		 dsn_maildir_mark_seen(const char *path, char *err,
		    size_t errlen);

/*
 * How far earlier runs read each mbox: a small text file, one line per
 * mbox path (offset, device, inode, CRCs of the first bytes and of the
 * bytes before the offset).
 */
struct dsn_mbox_state;

/* Loads file (absent: empty state); NULL with a reason in err. */
struct dsn_mbox_state	*dsn_mbox_state_load(const char *file, char *err,
			    size_t errlen);

/*
 * Where to start reading path: the saved offset when the file is the one
 * seen last time and has not shrunk or changed before it, with the
 * number of messages before it in *before; else 0 (and *before 0) with
 * the reason in why (why empty: no entry, or nothing to say).
 */
long long	 dsn_mbox_state_start(const struct dsn_mbox_state *,
		    const char *path, long *before, char *why, size_t whylen);

/*
 * Records that path was read up to offset, before which lie `before`
 * messages; -1 with a reason in err.
 */
int		 dsn_mbox_state_set(struct dsn_mbox_state *, const char *path,
		    long long offset, long before, char *err, size_t errlen);

/*
 * Writes the state to file atomically (temporary file, fsync, rename,
 * fsync of the folder); -1 with a reason in err.
 */
int		 dsn_mbox_state_save(const struct dsn_mbox_state *,
		    const char *file, char *err, size_t errlen);

void		 dsn_mbox_state_free(struct dsn_mbox_state *);

#endif
