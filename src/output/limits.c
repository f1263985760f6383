/*
 * limits.c - the default bounds on hostile input.
 *
 * One place for every default; the tools override single fields from
 * their options.  No memory is owned here.
 */
#include "dsn/limits.h"

void
dsn_limits_default(struct dsn_limits *l)
{
	l->message_bytes = (size_t)64 << 20;
	l->header_bytes = (size_t)1 << 20;
	l->header_count = 1000;
	l->line_bytes = (size_t)1 << 20;
	l->mime_depth = 20;
	l->mime_parts = 1000;
	l->recipients = 1000;
	l->decompressed_bytes = (size_t)4 << 30;
}
