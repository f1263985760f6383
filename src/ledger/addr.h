/*
 * addr.h - subscriber addresses as dsn-prune compares them.
 *
 * Addresses are folded to one key: the domain always in lower case, the
 * local part too unless told otherwise.  VERP bounce addresses resolve
 * to the subscriber they encode.  All output goes to caller buffers.
 */
#ifndef LEDGER_ADDR_H
#define LEDGER_ADDR_H

#include <stddef.h>

#define ADDR_MAX	320	/* RFC 5321: 64 + 1 + 255, with room */

/*
 * Folds the len bytes at s ("User@Example.COM", "<u@x>", spaces around)
 * into out as the compare key.  Returns 0, or -1 when s holds no
 * local@domain address or it does not fit.
 */
int	addr_fold(const char *s, size_t len, int case_local, char *out,
	    size_t outlen);

/*
 * Non-zero when the folded address is in the .invalid domain (RFC 6761):
 * a placeholder, such as the one dsn-parse gives a complaint whose
 * recipient was redacted, never a subscriber.
 */
int	addr_unroutable(const char *folded);

/* Same, but copies the address as written, folding nothing. */
int	addr_raw(const char *s, size_t len, char *out, size_t outlen);

/*
 * Finds the address in a list line or cell: inside "<...>" when present
 * ("Jane Roe <jane@example.com>"), otherwise the first word holding an
 * '@'.  Sets *start and *len.  Returns 0, or -1 when there is none.
 */
int	addr_find(const char *s, size_t n, const char **start, size_t *len);

/*
 * Decodes a VERP bounce address ("list-bounces+user=example.com@lists.
 * example.org" with delim '+') into "user@example.com" in out (not yet
 * folded).  Returns 0, or -1 when bounce_to is not VERP-encoded.
 */
int	addr_verp(const char *bounce_to, char delim, char *out,
	    size_t outlen);

#endif
