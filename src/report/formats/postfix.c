/*
 * postfix.c - Postfix bounces without a usable delivery-status part:
 * "This is the Postfix program at host ..." or "This is the mail
 * system at host ...", then "<rcpt>: host HOST[IP] said: ..." blocks
 * with indented continuation lines.
 *
 * Views into the report text; records go through ft_blocks().
 */
#include <string.h>

#include "report/freetext.h"

static const char *const pf_starts[] = {
	"This is the Postfix program at host",
	"This is the mail system at host", NULL
};

static int
pf_test(struct report_ctx *ctx)
{
	const char	*v;

	if ((v = ft_header(ctx, FT_SUBJECT)) != NULL &&
	    (msg_startcase(v, strlen(v), "Undelivered Mail Returned") ||
	    msg_startcase(v, strlen(v), "Delayed Mail")))
		return 1;
	return (v = ft_header(ctx, FT_FROM)) != NULL &&
	    msg_memcasemem(v, strlen(v), "(Mail Delivery System)", 22) !=
	    NULL;
}

static int
pf_parse(struct report_ctx *ctx)
{
	struct ft_hit	 proto;
	const char	*t;
	size_t		 tl, rs, rl;

	if ((t = report_text(ctx, &tl)) == NULL ||
	    !ft_region(t, tl, pf_starts, NULL, &rs, &rl))
		return 0;
	memset(&proto, 0, sizeof(proto));
	if (msg_memcasemem(t, tl, "Delayed Mail", 12) != NULL ||
	    msg_memcasemem(t, tl, "THIS IS A WARNING ONLY", 22) != NULL)
		proto.action = "delayed";
	return ft_blocks(ctx, t + rs, rl, FT_ANGLE | FT_COLON, &proto);
}

const struct recog recog_postfix = {
	"postfix", 0, pf_test, pf_parse
};
