/*
 * mailmarshal.c - MailMarshal SMTP bounces ("Undeliverable Mail:"):
 * "Could not be delivered because of" the reason, "The following
 * recipients were affected:" and indented addresses, then "Additional
 * Information" with Remote-MTA and Reporting-MTA lines.
 *
 * Views into the report text; records go through ft_emit().
 */
#include <string.h>

#include "report/freetext.h"

static const char *const mm_starts[] = {
	"The following recipients were affected:", NULL
};
static const char *const mm_ends[] = {
	"Additional Information", NULL
};
static const char *const mm_why[] = {
	"Could not be delivered because of", NULL
};

static int
mm_test(struct report_ctx *ctx)
{
	const char	*v;

	return (v = ft_header(ctx, FT_SUBJECT)) != NULL &&
	    msg_startcase(v, strlen(v), "Undeliverable Mail:");
}

/* The value of "Name:  <value>" in t, without brackets, into h. */
static void
mm_field(const char *t, size_t tl, const char *name, const char **v,
    size_t *vl)
{
	const char	*p, *e;

	if ((p = msg_memcasemem(t, tl, name, strlen(name))) == NULL)
		return;
	p += strlen(name);
	while (p < t + tl && (*p == ' ' || *p == '\t' || *p == '<'))
		p++;
	for (e = p; e < t + tl && *e != '>' && *e != '\r' && *e != '\n'; e++)
		;
	if (e > p) {
		*v = p;
		*vl = (size_t)(e - p);
	}
}

static int
mm_parse(struct report_ctx *ctx)
{
	struct ft_hit	 proto;
	const char	*t;
	size_t		 tl, rs, rl, ws, wl;

	if ((t = report_text(ctx, &tl)) == NULL ||
	    !ft_region(t, tl, mm_starts, mm_ends, &rs, &rl))
		return 0;
	memset(&proto, 0, sizeof(proto));
	if (ft_region(t, tl, mm_why, mm_starts, &ws, &wl)) {
		proto.diag = t + ws;
		proto.dlen = wl;
	}
	mm_field(t, tl, "Remote-MTA:", &proto.remote, &proto.rlen);
	return ft_blocks(ctx, t + rs, rl, 0, &proto);
}

const struct recog recog_mailmarshal = {
	"mailmarshal", 0, mm_test, mm_parse
};
