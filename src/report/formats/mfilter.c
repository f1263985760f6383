/*
 * mfilter.c - bounces of the m-FILTER gateway (X-Mailer: m-FILTER): a
 * Japanese preface, the failed addresses alone on their lines, then
 * "-------server message", "-------SMTP command" and "-------original
 * mail info" sections.  Records are handed to report_add().
 */
#include <string.h>

#include "report/freetext.h"

#define MAXRCPT	64

static int
mf_test(struct report_ctx *ctx)
{
	return ft_hdr_has(ctx, "X-Mailer", "m-FILTER");
}

/* The section after the line holding title, up to the next "---" line. */
static const char *
section(const char *t, size_t len, const char *title, size_t *sl)
{
	const char	*line, *s;
	size_t		 pos, ll;

	if ((pos = ft_find(t, len, 0, title)) >= len)
		return NULL;
	pos = ft_eol(t, len, pos);
	s = t + pos;
	*sl = 0;
	while (msg_line_next(t, len, &pos, &line, &ll) &&
	    !(ll >= 3 && strncmp(line, "---", 3) == 0))
		*sl = (size_t)(line + ll - s);
	return s;
}

static int
mf_parse(struct report_ctx *ctx)
{
	struct dsn_record	*r;
	const char		*t, *line, *d, *c, *cmd = NULL;
	size_t			 len, pos = 0, ll, dl = 0, cl = 0, end, as, al;
	int			 n = 0, k, none, seen = 0;

	if ((t = report_text(ctx, &len)) == NULL ||
	    (end = ft_find(t, len, 0, "-------server message")) >= len)
		return 0;
	d = section(t, len, "-------server message", &dl);
	if ((c = section(t, len, "-------SMTP command", &cl)) != NULL)
		cmd = ft_smtp_verb(c, cl);
	while (seen < MAXRCPT && msg_line_next(t, end, &pos, &line, &ll)) {
		if (!ft_addr_only(line, ll, 0, &as, &al))
			continue;
		seen++;
		if ((r = ft_record(ctx, line + as, al, d, dl, "failed",
		    &none)) == NULL) {
			if (none)
				continue;
			return -1;
		}
		if (cmd != NULL &&
		    dsn_record_sets(r, DSN_F_SMTP_COMMAND, cmd) < 0) {
			dsn_record_free(r);
			return -1;
		}
		if ((k = ft_add(ctx, r)) < 0)
			return -1;
		n += k;
	}
	return n;
}

const struct recog recog_mfilter = {
	"mfilter", 0, mf_test, mf_parse
};
