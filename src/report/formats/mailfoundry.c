/*
 * mailfoundry.c - MailFoundry bounces ("Message delivery has failed"):
 * "Unable to deliver message to: <rcpt>", then "Delivery failed for
 * the following reason:" and "Server HOST[IP] failed with: 550 ...".
 *
 * Views into the report text; records go through ft_emit().
 */
#include <string.h>

#include "report/freetext.h"

static const char *const mf_starts[] = {
	"Delivery failed for the following reason:", NULL
};
static const char *const mf_ends[] = {
	"This has been a permanent failure", "No further delivery attempts",
	NULL
};

static int
mf_test(struct report_ctx *ctx)
{
	const char	*v;

	return (v = ft_header(ctx, FT_SUBJECT)) != NULL &&
	    strcmp(v, "Message delivery has failed") == 0;
}

static int
mf_parse(struct report_ctx *ctx)
{
	static const char lead[] = "Unable to deliver message to:";
	struct ft_hit	 h;
	const char	*t, *p, *line, *w;
	size_t		 tl, rs, rl, pos, ll, as, al, rest;
	int		 n = 0, rc;

	if ((t = report_text(ctx, &tl)) == NULL ||
	    !ft_region(t, tl, mf_starts, mf_ends, &rs, &rl))
		return 0;
	memset(&h, 0, sizeof(h));
	h.diag = t + rs;
	h.dlen = rl;
	/* "Server HOST[IP] failed with:", "HOST[IP] responded with". */
	if ((w = msg_memcasemem(h.diag, h.dlen, " with", 5)) != NULL)
		ft_host(h.diag, (size_t)(w - h.diag), &h.remote, &h.rlen);
	for (p = t; (p = msg_memcasemem(p, tl - (size_t)(p - t), lead,
	    sizeof(lead) - 1)) != NULL; ) {
		pos = (size_t)(p - t) + sizeof(lead) - 1;
		p += sizeof(lead) - 1;
		if (!msg_line_next(t, tl, &pos, &line, &ll) ||
		    !ft_addr_lead(line, ll, 0, &as, &al, &rest))
			continue;
		h.addr = line + as;
		h.alen = al;
		if ((rc = ft_emit(ctx, &h)) < 0)
			return -1;
		n += rc;
	}
	return n;
}

const struct recog recog_mailfoundry = {
	"mailfoundry", 0, mf_test, mf_parse
};
