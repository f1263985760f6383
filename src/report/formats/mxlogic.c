/*
 * mxlogic.c - McAfee MXLogic bounces (X-MX-Bounce, X-MXL-NoteHash, an
 * Exim-like text): "The following address failed:" then "<rcpt>: 550
 * ..." up to "Included is a copy of the message header".
 *
 * Views into the report text; records go through ft_blocks().
 */
#include <string.h>

#include "report/freetext.h"

static const char *const mx_starts[] = {
	"The following address failed:", "following addresses failed:",
	NULL
};
static const char *const mx_ends[] = {
	"Included is a copy of the message header", NULL
};

static int
mx_test(struct report_ctx *ctx)
{
	const char	*v;

	if (msg_field_get(ctx->msg, NULL, "X-MX-Bounce") != NULL ||
	    msg_field_get(ctx->msg, NULL, "X-MXL-NoteHash") != NULL)
		return 1;
	return (v = ft_header(ctx, FT_MSGID)) != NULL &&
	    msg_startcase(v, strlen(v), "<mxl~");
}

static int
mx_parse(struct report_ctx *ctx)
{
	struct ft_hit	 proto;
	const char	*t;
	size_t		 tl, rs, rl;

	if ((t = report_text(ctx, &tl)) == NULL ||
	    !ft_region(t, tl, mx_starts, mx_ends, &rs, &rl))
		return 0;
	memset(&proto, 0, sizeof(proto));
	return ft_blocks(ctx, t + rs, rl, FT_ANGLE | FT_COLON, &proto);
}

const struct recog recog_mxlogic = {
	"mxlogic", 0, mx_test, mx_parse
};
