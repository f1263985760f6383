/*
 * yahoo.c - Yahoo! (and look-alike) "Failure Notice" bounces: "Sorry,
 * we were unable to deliver your message to the following address."
 * then "<rcpt>:" and "Remote host said: ... [RCPT_TO]" up to "--- Below this
 * line is a copy of the message.".
 *
 * Views into the report text; records go through ft_blocks().
 */
#include <string.h>

#include "report/freetext.h"

static const char *const yh_starts[] = {
	"unable to deliver your message to the following address", NULL
};
static const char *const yh_ends[] = {
	"--- Below this line is a copy of the message", NULL
};

static int
yh_test(struct report_ctx *ctx)
{
	const char	*v;

	return (v = ft_header(ctx, FT_SUBJECT)) != NULL &&
	    msg_startcase(v, strlen(v), "Failure Notice");
}

static int
yh_parse(struct report_ctx *ctx)
{
	struct ft_hit	 proto;
	const char	*t;
	size_t		 tl, rs, rl;

	if ((t = report_text(ctx, &tl)) == NULL ||
	    !ft_region(t, tl, yh_starts, yh_ends, &rs, &rl))
		return 0;
	memset(&proto, 0, sizeof(proto));
	return ft_blocks(ctx, t + rs, rl, FT_ANGLE | FT_COLON, &proto);
}

const struct recog recog_yahoo = {
	"yahoo", 0, yh_test, yh_parse
};
