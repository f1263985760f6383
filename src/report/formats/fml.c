/*
 * fml.c - errors the fml mailing list manager returns to a poster
 * (X-MLServer: fml, sent by the list's -admin address): "You are not a
 * member of this mailing list <list@domain>.", "Duplicated Message-ID
 * in <list@domain>." and the like.  The address in angle brackets on
 * the first such line is the recipient (the list that refused the
 * post).  Records go to report_add().
 */
#include <string.h>

#include "report/freetext.h"

/* Phrases of fml's refusals. */
static const char *const whys[] = {
	"not a member", "duplicated", "reject", "denied", "not allowed",
	"not permitted", "forbidden", "too large", "too big", "loop",
	NULL
};

static int
fml_test(struct report_ctx *ctx)
{
	return ft_hdr_has(ctx, "X-MLServer", "fml") &&
	    ft_hdr_has(ctx, "From", "-admin@");
}

static int
fml_parse(struct report_ctx *ctx)
{
	const char	*t, *line, *lt, *gt;
	size_t		 len, end, pos = 0, ll;
	int		 i;

	if ((t = report_text(ctx, &len)) == NULL)
		return 0;
	end = ft_find(t, len, 0, "Original mail as follows");
	while (msg_line_next(t, end, &pos, &line, &ll)) {
		if ((lt = memchr(line, '<', ll)) == NULL ||
		    (gt = memchr(lt, '>', ll - (size_t)(lt - line))) == NULL ||
		    memchr(lt, '@', (size_t)(gt - lt)) == NULL)
			continue;
		for (i = 0; whys[i] != NULL; i++)
			if (msg_memcasemem(line, ll, whys[i],
			    strlen(whys[i])) != NULL)
				break;
		if (whys[i] == NULL)
			continue;
		return ft_record_add(ctx, lt, (size_t)(gt - lt) + 1, line, ll);
	}
	return 0;
}

const struct recog recog_fml = {
	"fml", 0, fml_test, fml_parse
};
