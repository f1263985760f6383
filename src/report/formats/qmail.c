/*
 * qmail.c - qmail's "Hi. This is the qmail-send program" bounces and
 * the servers that copy their shape (vpopmail, netqmail, indimail, and
 * unnamed ones saying "Unable to deliver message to the following
 * address(es)."): one "<address>:" line per recipient followed by the
 * lines explaining it, up to a "--- Below this line is a copy of the
 * message." style marker.  Records are handed to report_add().
 */
#include <string.h>

#include "report/freetext.h"

/*
 * Phrases that open the recipient list of this shape, the first found
 * wins; all but the first hold "the following address".
 */
static const char *const intros[] = {
	"This is the qmail-send program",
	"wasn't able to deliver your message to the following address",
	"Unable to deliver message to the following address",
	"could not be delivered to the following address",
	"to the following address(es) could not be delivered",
	NULL
};

/* Lines that end the recipient list: the first found (any of them). */
static const char *const ends[] = {
	"--- Below this line is a copy of the message",
	"--- Enclosed is a copy of the message",
	"--- Original message follows",
	"--- Below this line is the original message",
	"--- The original message follows",
	NULL
};

static int
qmail_test(struct report_ctx *ctx)
{
	static const char *const subjects[] = {
		"failure notice", "delivery fail", "failed delivery",
		"failure delivery", NULL
	};

	return ft_hdr_has(ctx, "From", "mailer-daemon") ||
	    ft_hdr_has_any(ctx, "Subject", subjects);
}

/* "qmail-send program at HOST." into the record's reporting_mta. */
static int
reporting(struct dsn_record *r, const char *t, size_t len, size_t at)
{
	size_t	 p, e;

	p = ft_find(t, len, at, " at ");
	e = ft_eol(t, len, at);
	if (p >= e)
		return 0;
	p += 4;
	for (e = p; e < len && t[e] != ' ' && t[e] != '\r' && t[e] != '\n';
	    e++)
		;
	while (e > p && t[e - 1] == '.')
		e--;
	if (e == p || memchr(t + p, '.', e - p) == NULL)
		return 0;
	return dsn_record_set(r, DSN_F_REPORTING_MTA, t + p, e - p);
}

static int
qmail_parse(struct report_ctx *ctx)
{
	const char		*t, *line, *ra = NULL;
	struct dsn_record	*r;
	size_t			 len, start = 0, end, pos, bl, ll, as, al,
				 ds = 0, ras = 0, ral = 0, qs;
	int			 i, n = 0, k, a, none;
	long			 at;

	if ((t = report_text(ctx, &len)) == NULL)
		return 0;
	/* One pass tells when none of the others can be there. */
	if ((start = ft_find(t, len, 0, intros[0])) < len)
		i = 0;
	else if (ft_find(t, len, 0, "the following address") == len)
		return 0;
	else
		for (i = 1; intros[i] != NULL; i++)
			if ((start = ft_find(t, len, 0, intros[i])) < len)
				break;
	if (intros[i] == NULL)
		return 0;
	qs = i == 0 ? start : len;
	end = len;
	if ((at = ft_find_any(t + start, len - start, ends, NULL)) >= 0)
		end = ft_bol(t, start + (size_t)at);
	pos = ft_eol(t, len, start);
	for (;;) {
		bl = pos;
		k = msg_line_next(t, end, &pos, &line, &ll);
		if (k && (ll == 0 || line[0] == ' ' || line[0] == '\t' ||
		    !ft_addr_only(line, ll, FT_ANGLE | FT_COLON, &as, &al)))
			continue;
		if (ra != NULL) {
			if ((r = ft_record(ctx, ra + ras, ral, t + ds, bl - ds,
			    "failed", &none)) == NULL) {
				if (!none)
					return -1;
			} else if ((qs < len && reporting(r, t, len, qs) < 0) ||
			    (a = ft_add(ctx, r)) < 0)
				return -1;
			else
				n += a;
		}
		if (!k)
			break;
		ra = line;
		ras = as;
		ral = al;
		ds = pos;
	}
	return n;
}

const struct recog recog_qmail = {
	"qmail", 0, qmail_test, qmail_parse
};
