/*
 * apachejames.c - Apache James bounces: "Error message below:" and the
 * server's reply, then "Message details:" with "RCPT TO: rcpt" lines.
 * Its Message-ID carries ".JavaMail.".
 *
 * Views into the report text; records go through ft_emit().
 */
#include <string.h>

#include "report/freetext.h"

static const char *const aj_starts[] = { "Error message below:", NULL };
static const char *const aj_ends[] = { "Message details:", NULL };

static int
aj_test(struct report_ctx *ctx)
{
	const char	*v;

	if ((v = ft_header(ctx, FT_MSGID)) != NULL &&
	    strstr(v, ".JavaMail.") != NULL)
		return 1;
	return ft_hdr_may(ctx, FT_RECEIVED, "JAMES") &&
	    (v = ft_header(ctx, FT_RECEIVED)) != NULL &&
	    strstr(v, "JAMES SMTP Server") != NULL;
}

static int
aj_parse(struct report_ctx *ctx)
{
	struct ft_hit	 h;
	const char	*t, *line, *d;
	size_t		 tl, rs, rl, pos, ll, as, al, rest;
	int		 n = 0, rc;

	if ((t = report_text(ctx, &tl)) == NULL ||
	    !ft_region(t, tl, aj_starts, aj_ends, &rs, &rl) ||
	    (d = msg_memcasemem(t, tl, aj_ends[0], strlen(aj_ends[0]))) ==
	    NULL)
		return 0;
	memset(&h, 0, sizeof(h));
	h.diag = t + rs;
	h.dlen = rl;
	pos = (size_t)(d - t);
	while (msg_line_next(t, tl, &pos, &line, &ll)) {
		while (ll > 0 && (*line == ' ' || *line == '\t'))
			line++, ll--;
		if (!msg_startcase(line, ll, "RCPT TO:") ||
		    !ft_addr_lead(line + 8, ll - 8, 0, &as, &al, &rest))
			continue;
		h.addr = line + 8 + as;
		h.alen = al;
		if ((rc = ft_emit(ctx, &h)) < 0)
			return -1;
		n += rc;
	}
	return n;
}

const struct recog recog_apachejames = {
	"apachejames", 0, aj_test, aj_parse
};
