/*
 * textblock.h - helpers for free-text bounces written as blocks of
 * lines: the region between two marker lines, recipient lines that
 * start with an address, and one record per recipient hit.
 *
 * Everything works on the caller's bytes (usually report_text());
 * records go through report_new()/report_add().
 */
#ifndef DSN_REPORT_TEXTBLOCK_H
#define DSN_REPORT_TEXTBLOCK_H

#include <stddef.h>

#include "report/recog.h"

/* What one recipient of a free-text bounce says; views, not owned. */
struct tb_hit {
	const char	*addr;		/* recipient (address text) */
	size_t		 alen;
	const char	*diag;		/* diagnostic lines, may be NULL */
	size_t		 dlen;
	const char	*remote;	/* remote MTA host, may be NULL */
	size_t		 rlen;
	const char	*cmd;		/* "RCPT", "DATA" ... or NULL */
	const char	*action;	/* NULL: "failed" */
	const char	*reply;		/* reply code when the text has none */
};

/*
 * Index of the first occurrence of any of the NULL-terminated needles
 * in t[0..len) (case-insensitive), with the needle's length in *nlen;
 * -1 when none.
 */
long	tb_find(const char *t, size_t len, const char *const *needles,
	    size_t *nlen);

/*
 * The region of t[0..len) that starts after the line holding one of
 * starts (NULL: at 0) and ends before the line holding one of ends
 * found after it (NULL or none found: at len).  Returns 1 with *rs
 * and *rl set, 0 when no start marker is found.
 */
int	tb_region(const char *t, size_t len, const char *const *starts,
	    const char *const *ends, size_t *rs, size_t *rl);

#define TB_ANGLE	0x01	/* the address must be in angle brackets */
#define TB_COLON	0x02	/* and be followed by a colon */

/*
 * When line l[0..ll) starts (after blanks) with an address, optionally
 * in angle brackets (required with TB_ANGLE) and followed by a colon
 * (required with TB_COLON), returns 1 with the address in *as and *al
 * (offsets into l) and *rest the offset of the text after it, past the
 * colon and blanks.  Returns 0 otherwise.
 */
int	tb_addr_line(const char *l, size_t ll, int flags, size_t *as,
	    size_t *al, size_t *rest);

/*
 * Appends one record for hit h: recipient, diagnostic (multi-line SMTP
 * replies joined to one line), remote MTA, command and action; status
 * and reply code are derived by report_add().  A recipient already
 * recorded for this message is skipped.  Returns 1, 0 (skipped) or -1
 * on allocation failure.
 */
int	tb_emit(struct report_ctx *, const struct tb_hit *h);

/*
 * Walks r[0..rl): each line starting with an address (flags as for
 * tb_addr_line) opens a recipient whose diagnostic is the rest of that
 * line and the lines after it, up to a blank line or the next address
 * line.  Fields of proto other than addr/diag apply to every hit.
 * Returns the records added or -1 on allocation failure.
 */
int	tb_blocks(struct report_ctx *, const char *r, size_t rl, int flags,
	    const struct tb_hit *proto);

/*
 * The host of "HOST[1.2.3.4]" or "HOST [1.2.3.4]" ending at or after
 * s[0..len) before the bracket: sets *hs and *hl to the host name before
 * the first '[' in s.  Returns 1 or 0.
 */
int	tb_host(const char *s, size_t len, const char **hs, size_t *hl);

#endif
