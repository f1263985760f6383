/*
 * limits.h - every bound dsn-tools puts on hostile input, in one place.
 *
 * dsn_limits_default() fills in the documented defaults; the tools let
 * the user change each one by an option.  Past a limit a message is
 * reported and skipped or truncated with a flag, never undefined.
 */
#ifndef DSN_LIMITS_H
#define DSN_LIMITS_H

#include <stddef.h>

struct dsn_limits {
	size_t	message_bytes;		/* a message larger than this is cut */
	size_t	header_bytes;		/* one header section */
	size_t	header_count;		/* fields in one header section */
	size_t	line_bytes;		/* a longer line is cut when scanned */
	int	mime_depth;		/* nested multiparts */
	int	mime_parts;		/* parts in one message */
	int	recipients;		/* records from one report */
	size_t	decompressed_bytes;	/* one gzip input, against bombs */
};

void	dsn_limits_default(struct dsn_limits *);

#endif
