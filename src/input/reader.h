/*
 * reader.h - one input file (or stdin) split into messages.
 *
 * reader_open() reads the first bytes (through zlib, so gzip files are
 * decompressed), decides from them what the file holds - an mbox, one
 * message, nothing, or something else (then reader_next() reports it) -
 * and reader_next() yields the messages one at a time from a buffer
 * that grows only to the largest message.  Private to src/input/.
 */
#ifndef READER_H
#define READER_H

#include "dsn/limits.h"
#include "dsn/source.h"

struct reader;

/*
 * Opens path ("-": stdin).  NULL with "path: reason" in err when it
 * cannot be opened.  *magic is the caller's libmagic handle (a magic_t),
 * opened here when first needed and closed by the caller; when libmagic
 * cannot load, files are judged by structure alone.
 */
struct reader	*reader_open(const char *path, const struct dsn_limits *,
		    void **magic, char *err, size_t errlen);

/*
 * As reader_open() from byte offset from of an uncompressed file, before
 * which lie `before` messages; offsets and numbers count from the start
 * of the file.
 */
struct reader	*reader_open_at(const char *path, long long from,
		    long before, const struct dsn_limits *, void **magic,
		    char *err, size_t errlen);

/* The reader's path (borrowed). */
const char	*reader_path(const struct reader *);

/* As dsn_source_resume(), once reader_next() returned 0. */
long long	 reader_resume(const struct reader *, long *before);

/* As dsn_source_next(); after -1 the next call returns 0. */
int		 reader_next(struct reader *, struct dsn_input_msg *,
		    char *err, size_t errlen);

/*
 * 1 once the file was read as far as it ever will be: to its end, or to
 * a fault in its bytes (not mail, truncated or corrupt gzip); 0 while
 * unread or after an I/O error (it may read next time).
 */
int		 reader_final(const struct reader *);

void		 reader_close(struct reader *);

#endif
