/*
 * interscanmss.c - Trend Micro InterScan MSS bounces: a session excerpt
 * ("Sent <<< RCPT TO:<rcpt>" then "Received >>> 550 ...") or "Unable
 * to deliver message to <rcpt> ...".
 *
 * Views into the report text; records go through ft_emit().
 */
#include <string.h>

#include "report/freetext.h"

static int
is_test(struct report_ctx *ctx)
{
	const char	*v;

	if ((v = ft_header(ctx, FT_FROM)) != NULL &&
	    msg_memcasemem(v, strlen(v), "InterScan", 9) != NULL)
		return 1;
	return (v = ft_header(ctx, FT_SUBJECT)) != NULL &&
	    strcmp(v, "Mail could not be delivered") == 0;
}

/* One recipient named after lead in line l; 1 when found. */
static int
is_addr(const char *l, size_t ll, const char *lead, struct ft_hit *h)
{
	const char	*p;
	size_t		 as, al, rest;

	if ((p = msg_memcasemem(l, ll, lead, strlen(lead))) == NULL)
		return 0;
	p += strlen(lead);
	if (!ft_addr_lead(p, ll - (size_t)(p - l), 0, &as, &al, &rest))
		return 0;
	h->addr = p + as;
	h->alen = al;
	return 1;
}

static int
is_parse(struct report_ctx *ctx)
{
	struct ft_hit	 h;
	const char	*t, *line;
	size_t		 tl, pos = 0, ll;
	int		 n = 0, rc, open = 0;

	if ((t = report_text(ctx, &tl)) == NULL)
		return 0;
	memset(&h, 0, sizeof(h));
	while (msg_line_next(t, tl, &pos, &line, &ll)) {
		if (msg_startcase(line, ll, "Sent <<< ")) {
			memset(&h, 0, sizeof(h));
			open = is_addr(line, ll, "RCPT TO:", &h);
			if (open)
				h.cmd = "RCPT";
		} else if (open && msg_startcase(line, ll, "Received >>> ")) {
			h.diag = line + 13;
			h.dlen = ll - 13;
			if ((rc = ft_emit(ctx, &h)) < 0)
				return -1;
			n += rc;
			open = 0;
		} else if (memset(&h, 0, sizeof(h)),
		    is_addr(line, ll, "Unable to deliver message to ", &h)) {
			h.diag = line;
			h.dlen = ll;
			if ((rc = ft_emit(ctx, &h)) < 0)
				return -1;
			n += rc;
		}
	}
	return n;
}

const struct recog recog_interscanmss = {
	"interscanmss", 0, is_test, is_parse
};
