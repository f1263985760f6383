/*
 * domino.c - IBM/Lotus Domino and Lotus Notes SMTP MTA bounces.
 * Domino: "was not delivered to:", the addresses, "because:", the
 * reason.  Notes: "------- Failure Reasons --------", reason and
 * address lines, "------- Returned Message --------" and the original
 * inline.  Text is decoded from its charset (ISO-2022-JP is common) by
 * the message layer; records go to report_add().
 */
#include <string.h>

#include "report/freetext.h"

static int
domino_test(struct report_ctx *ctx)
{
	const char	*v = ft_header(ctx, FT_SUBJECT);

	if (v == NULL)
		return 0;
	return msg_startcase(v, strlen(v), "DELIVERY FAILURE") ||
	    msg_startcase(v, strlen(v), "DELIVERY_FAILURE") ||
	    msg_startcase(v, strlen(v), "Undeliverable message") ||
	    msg_startcase(v, strlen(v), "DELIVERY REPORT");
}

/* The reason block after "because:": its lines up to a blank after text. */
static const char *
reason(const char *t, size_t len, size_t pos, size_t *rl)
{
	const char	*line, *s = NULL, *e = NULL;
	size_t		 ll;

	while (msg_line_next(t, len, &pos, &line, &ll)) {
		if (ft_blank(line, ll)) {
			if (s != NULL)
				break;
			continue;
		}
		if (s == NULL)
			s = line;
		e = line + ll;
	}
	*rl = s != NULL ? (size_t)(e - s) : 0;
	return s;
}

/* Domino: addresses between "was not delivered to:" and "because:". */
static int
domino_parse(struct report_ctx *ctx, const char *t, size_t len)
{
	const char	*line, *r, *stop;
	size_t		 pos, ll, rl = 0, off, n, we;
	int		 rc, got = 0;

	if ((pos = ft_after(t, len, "was not delivered to:")) == FT_NONE)
		return 0;
	stop = msg_memcasemem(t + pos, len - pos, "because:", 8);
	r = stop != NULL ? reason(t, len, ft_after(t + pos, len - pos,
	    "because:") + pos, &rl) : NULL;
	while (msg_line_next(t, len, &pos, &line, &ll) &&
	    (stop == NULL || line < stop)) {
		if (!ft_addr_lead(line, ll, FT_WORD, &off, &n, &we))
			continue;
		if ((rc = ft_add_text(ctx, line + off, n, r, rl, NULL)) < 0)
			return -1;
		got += rc;
	}
	return got;
}

/* Notes: reason lines, then the address they apply to. */
static int
notes_parse(struct report_ctx *ctx, const char *t, size_t len)
{
	const char	*line, *d = NULL, *de = NULL;
	size_t		 pos, ll, off, n, we;
	int		 rc, got = 0;

	if ((pos = ft_after(t, len, "Failure Reasons")) == FT_NONE)
		return 0;
	while (msg_line_next(t, len, &pos, &line, &ll)) {
		if (msg_startcase(line, ll, "------- Returned") ||
		    msg_startcase(line, ll, "------- Original"))
			break;
		if (ft_blank(line, ll))
			continue;
		if (!ft_addr_lead(line, ll, FT_WORD, &off, &n, &we)) {
			if (d == NULL)
				d = line;
			de = line + ll;
			continue;
		}
		rc = ft_add_text(ctx, line + off, n, d, d != NULL ?
		    (size_t)(de - d) : 0, NULL);
		if (rc < 0)
			return -1;
		got += rc;
		d = de = NULL;
	}
	return got;
}

static int
lotus_parse(struct report_ctx *ctx)
{
	const char	*t;
	size_t		 len;
	int		 n;

	if ((t = report_text(ctx, &len)) == NULL)
		return 0;
	if ((n = domino_parse(ctx, t, len)) != 0)
		return n;
	return notes_parse(ctx, t, len);
}

const struct recog recog_domino = {
	"domino", 0, domino_test, lotus_parse
};
