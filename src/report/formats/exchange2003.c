/*
 * exchange2003.c - Microsoft Exchange 5.5/2000/2003 (Internet Mail
 * Service, IMC) non-delivery reports: "did not reach the following
 * recipient(s):" or "The following recipient(s) could not be
 * reached:", then per recipient a line "addr on date" and indented
 * reason lines ("The recipient name is not recognized", "MSEXCH:...").
 * Records go to report_add(); no reply code is given by these reports.
 */
#include <string.h>

#include "report/freetext.h"

static const char *const markers[] = {
	"did not reach the following recipient",
	"could not be reached:",
	NULL
};

static int
ex_test(struct report_ctx *ctx)
{
	struct msg	*m = ctx->msg;
	const char	*v;

	if (msg_field_get(m, NULL, "X-MS-Embedded-Report") != NULL)
		return 1;
	if ((v = msg_header(m, NULL, "X-Mailer")) != NULL &&
	    (strstr(v, "Internet Mail Service") != NULL ||
	    strstr(v, "Microsoft Exchange") != NULL))
		return 1;
	return (v = ft_header(ctx, FT_SUBJECT)) != NULL &&
	    msg_startcase(v, strlen(v), "Undeliverable");
}

/*
 * Length of the address a recipient line starts with: the address
 * alone, or followed by " on <date>"; 0 for any other line.
 */
static size_t
lead_addr(const char *line, size_t ll, size_t *off)
{
	size_t	 n, rest;

	if (!ft_addr_lead(line, ll, FT_WORD, off, &n, &rest))
		return 0;
	if (rest < ll && line[rest] == '>')
		rest++;
	if (ft_blank(line + rest, ll - rest) ||
	    msg_startcase(line + rest, ll - rest, " on "))
		return n;
	return 0;
}

static int
ex_flush(struct report_ctx *ctx, const char *a, size_t al, const char *d,
    const char *de)
{
	if (a == NULL)
		return 0;
	return ft_add_text(ctx, a, al, d, d != NULL ? (size_t)(de - d) : 0,
	    NULL);
}

static int
ex_parse(struct report_ctx *ctx)
{
	const char	*t, *line, *a = NULL, *d = NULL, *de = NULL, *p;
	size_t		 len, pos, ll, al = 0, off, n;
	int		 i, rc, got = 0;

	if ((t = report_text(ctx, &len)) == NULL)
		return 0;
	for (i = 0, p = NULL; markers[i] != NULL && p == NULL; i++)
		p = msg_memcasemem(t, len, markers[i], strlen(markers[i]));
	if (p == NULL)
		return 0;
	/* The marker line itself may end with the address. */
	pos = (size_t)(p - t) + strlen(markers[i - 1]);
	while (msg_line_next(t, len, &pos, &line, &ll)) {
		if (line == t + (size_t)(p - t) + strlen(markers[i - 1])) {
			/* The marker must end its line, or an address. */
			while (ll > 0 && strchr("(s): ", *line) != NULL) {
				line++;
				ll--;
			}
			if (!ft_blank(line, ll) && lead_addr(line, ll,
			    &off) == 0)
				return 0;
		}
		if ((n = lead_addr(line, ll, &off)) > 0) {
			if ((rc = ex_flush(ctx, a, al, d, de)) < 0)
				return -1;
			got += rc;
			a = line + off;
			al = n;
			d = de = NULL;
			continue;
		}
		if (ft_blank(line, ll)) {
			if (d != NULL || (a == NULL && got > 0))
				break;
			continue;
		}
		if (a == NULL) {
			if (got > 0)
				break;
			continue;
		}
		if (d == NULL)
			d = line;
		de = line + ll;
	}
	if ((rc = ex_flush(ctx, a, al, d, de)) < 0)
		return -1;
	return got + rc;
}

const struct recog recog_exchange2003 = {
	"exchange2003", 0, ex_test, ex_parse
};
