/*
 * dragonfly.c - bounces of the DragonFly Mail Agent (dma): "There was
 * an error delivering your mail to <rcpt>." then the reason, e.g.
 * "HOST [IP] did not like our RCPT TO:" and the server's reply, up to
 * "Message headers follow." or "Original message follows.".
 *
 * Views into the report text; records go through ft_emit().
 */
#include <string.h>

#include "report/freetext.h"

static const char *const df_starts[] = {
	"There was an error delivering your mail to", NULL
};
static const char *const df_ends[] = {
	"Message headers follow.", "Original message follows.", NULL
};

static int
df_test(struct report_ctx *ctx)
{
	const char	*v;

	/* Only tests read Received: most are never decoded. */
	if (ft_hdr_may(ctx, FT_RECEIVED, "DragonFly") &&
	    (v = ft_header(ctx, FT_RECEIVED)) != NULL &&
	    strstr(v, "DragonFly Mail Agent") != NULL)
		return 1;
	v = ft_header(ctx, FT_SUBJECT);
	return v != NULL && strcmp(v, "Mail delivery failed") == 0 &&
	    ctx->msg->parts[0].child < 0;
}

/* The commands dma names in "did not like our ...:". */
static const char *
df_command(const char *s, size_t len)
{
	if (msg_memcasemem(s, len, "RCPT", 4) != NULL)
		return "RCPT";
	if (msg_memcasemem(s, len, "MAIL", 4) != NULL)
		return "MAIL";
	if (msg_memcasemem(s, len, "DATA", 4) != NULL)
		return "DATA";
	if (msg_memcasemem(s, len, "EHLO", 4) != NULL ||
	    msg_memcasemem(s, len, "HELO", 4) != NULL)
		return "HELO";
	return NULL;
}

static int
df_parse(struct report_ctx *ctx)
{
	struct ft_hit	 h;
	const char	*t, *a, *line, *like;
	size_t		 tl, rs, rl, pos, ll, as, al, rest;

	if ((t = report_text(ctx, &tl)) == NULL ||
	    (a = msg_memcasemem(t, tl, df_starts[0], strlen(df_starts[0]))) ==
	    NULL)
		return 0;
	pos = (size_t)(a - t) + strlen(df_starts[0]);
	if (!msg_line_next(t, tl, &pos, &line, &ll) ||
	    !ft_addr_lead(line, ll, FT_ANGLE, &as, &al, &rest))
		return 0;
	memset(&h, 0, sizeof(h));
	h.addr = line + as;
	h.alen = al;
	if (!ft_region(t, tl, df_starts, df_ends, &rs, &rl))
		return 0;
	/* "HOST [IP] did not like our RCPT TO:" then the reply. */
	pos = 0;
	while (msg_line_next(t + rs, rl, &pos, &line, &ll)) {
		if (ll == 0)
			continue;
		if ((like = msg_memcasemem(line, ll, "did not like our ",
		    17)) != NULL) {
			ft_host(line, (size_t)(like - line), &h.remote,
			    &h.rlen);
			h.cmd = df_command(like + 17, ll -
			    (size_t)(like - line) - 17);
			h.diag = t + rs + pos;
			h.dlen = rl - pos;
		} else {
			h.diag = line;
			h.dlen = rl - (size_t)(line - (t + rs));
		}
		break;
	}
	return ft_emit(ctx, &h);
}

const struct recog recog_dragonfly = {
	"dragonfly", 0, df_test, df_parse
};
