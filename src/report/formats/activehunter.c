/*
 * activehunter.c - bounces laid out in Sendmail-like dashed sections
 * without a delivery-status part: Active!Hunter ("----- The following
 * addresses had permanent fatal errors -----", ">>> address" lines, a
 * "----- Transcript of session follows -----" section) and Biglobe
 * ("----- The following addresses had delivery problems -----", then
 * "----- Non-delivered information -----").  Every listed address gets
 * the text of the explaining section.  Records go to report_add().
 */
#include <string.h>

#include "report/freetext.h"

#define MAXRCPT	64

/* 1 when line[0..ll) is a dashed section title. */
static int
dashed(const char *line, size_t ll)
{
	const char	*s = line;
	size_t		 n = ll;

	ft_trim(&s, &n);
	return n >= 3 && strncmp(s, "---", 3) == 0;
}

/*
 * The addresses listed after the line holding phrase, up to the next
 * dashed line, each given the section after the line holding why (up
 * to the next dashed line) as its diagnostic.
 */
static int
sections(struct report_ctx *ctx, const char *phrase, const char *why)
{
	const char	*t, *line, *ad[MAXRCPT], *d = NULL;
	size_t		 len, pos, ll, al[MAXRCPT], dl = 0, st, an, w;
	int		 na = 0, i, n = 0, k;

	if ((t = report_text(ctx, &len)) == NULL ||
	    (w = ft_find(t, len, 0, phrase)) >= len)
		return 0;
	pos = ft_eol(t, len, w);
	while (na < MAXRCPT && msg_line_next(t, len, &pos, &line, &ll) &&
	    !dashed(line, ll)) {
		if (ll >= 4 && strncmp(line, ">>> ", 4) == 0) {
			line += 4;
			ll -= 4;
		}
		if (!msg_addr_find(line, ll, &st, &an))
			continue;
		ad[na] = line;
		al[na++] = ll;
	}
	if (na == 0)
		return 0;
	if ((w = ft_find(t, len, w, why)) < len) {
		w = ft_eol(t, len, w);
		d = t + w;
		for (pos = w; msg_line_next(t, len, &pos, &line, &ll) &&
		    !dashed(line, ll); )
			dl = (size_t)(line + ll - d);
	}
	for (i = 0; i < na; i++) {
		if ((k = ft_record_add(ctx, ad[i], al[i], d, dl)) < 0)
			return -1;
		n += k;
	}
	return n;
}

static int
ah_test(struct report_ctx *ctx)
{
	return msg_field_get(ctx->msg, NULL, "X-AHMAILID") != NULL ||
	    ft_hdr_has(ctx, "Content-Type", "Active!Hunter");
}

static int
ah_parse(struct report_ctx *ctx)
{
	return sections(ctx, "following addresses had",
	    "Transcript of session follows");
}

static int
biglobe_test(struct report_ctx *ctx)
{
	return ft_hdr_has(ctx, "From", "biglobe.ne.jp");
}

static int
biglobe_parse(struct report_ctx *ctx)
{
	return sections(ctx, "following addresses had",
	    "Non-delivered information");
}

const struct recog recog_activehunter = {
	"activehunter", 0, ah_test, ah_parse
};
const struct recog recog_biglobe = {
	"biglobe", 0, biglobe_test, biglobe_parse
};
