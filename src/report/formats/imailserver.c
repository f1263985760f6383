/*
 * imailserver.c - Ipswitch IMail bounces (X-Mailer: <SMTP32 ...>): one
 * line per failed recipient ending with the address ("User mailbox
 * exceeds allowed size: a@b", "undeliverable to a@b"), an optional
 * "Body of message generated response:" section with the remote reply,
 * then "Original message follows." (or nothing).  Records go to report_add().
 */
#include <string.h>

#include "report/freetext.h"

#define MAXRCPT	64

static int
im_test(struct report_ctx *ctx)
{
	return ft_hdr_has(ctx, "X-Mailer", "<SMTP32 ");
}

/* 1 when the line starts with a header field name ("To:", "CC:"). */
static int
fieldlike(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n && s[i] != ':'; i++)
		if (s[i] == ' ' || s[i] == '\t')
			return 0;
	return i < n;
}

static int
im_parse(struct report_ctx *ctx)
{
	const char	*t, *line, *s, *rl[MAXRCPT], *resp = NULL;
	size_t		 len, end, pos = 0, ll, n, st, an, rlen[MAXRCPT],
			 rs, respl = 0, dl;
	int		 nr = 0, i, k, got = 0;
	char		*d;

	if ((t = report_text(ctx, &len)) == NULL)
		return 0;
	end = ft_find(t, len, 0, "Original message follows");
	if ((rs = ft_find(t, end, 0, "generated response:")) < end) {
		resp = t + ft_eol(t, end, rs);
		respl = end - (size_t)(resp - t);
		end = ft_bol(t, rs);
	}
	while (nr < MAXRCPT && msg_line_next(t, end, &pos, &line, &ll)) {
		s = line;
		n = ll;
		ft_trim(&s, &n);
		if (n == 0 || fieldlike(s, n) ||
		    !msg_addr_find(s, n, &st, &an) || st == 0 ||
		    st + an != n)
			continue;
		rl[nr] = s;
		rlen[nr++] = n;
	}
	for (i = 0; i < nr; i++) {
		if ((d = arena_alloc(ctx->msg->arena, rlen[i] + respl + 2)) ==
		    NULL)
			return -1;
		memcpy(d, rl[i], rlen[i]);
		d[rlen[i]] = ' ';
		if (respl > 0)
			memcpy(d + rlen[i] + 1, resp, respl);
		dl = rlen[i] + 1 + respl;
		if ((k = ft_record_add(ctx, rl[i], rlen[i], d, dl)) < 0)
			return -1;
		got += k;
	}
	return got;
}

const struct recog recog_imailserver = {
	"imailserver", 0, im_test, im_parse
};
