/*
 * verizon.c - Verizon Wireless text and picture-message gateways
 * (vtext.com, vzwpix.com): "Error: ..." lines and the server's reply,
 * then "Message details:" with "RCPT TO: address", or "Original
 * Message:" with the original "To:" line.  Records go to report_add().
 */
#include <string.h>

#include "report/freetext.h"

static int
vz_test(struct report_ctx *ctx)
{
	static const char *const froms[] = { "vtext.", "vzwpix.", NULL };

	return ft_hdr_has_any(ctx, "From", froms);
}

/* The address on the line starting (after blanks) with label, from at. */
static const char *
labelled(const char *t, size_t len, size_t at, const char *label,
    size_t *al)
{
	const char	*line, *s;
	size_t		 pos = at, ll, n = strlen(label);

	while (msg_line_next(t, len, &pos, &line, &ll)) {
		s = line;
		ft_trim(&s, &ll);
		if (ll > n && msg_startcase(s, ll, label)) {
			*al = ll - n;
			return s + n;
		}
	}
	return NULL;
}

static int
vz_parse(struct report_ctx *ctx)
{
	const char	*t, *a;
	size_t		 len, al = 0, ds, de, o;

	if ((t = report_text(ctx, &len)) == NULL ||
	    (ds = ft_find(t, len, 0, "Error")) >= len)
		return 0;
	ds = ft_bol(t, ds);
	if ((de = ft_find(t, len, ds, "Message details:")) < len)
		a = labelled(t, len, de, "RCPT TO:", &al);
	else if ((de = ft_find(t, len, ds, "Original Message:")) < len) {
		o = ft_eol(t, len, de);
		a = labelled(t, len, o, "To:", &al);
	} else
		return 0;
	if (a == NULL)
		return 0;
	return ft_record_add(ctx, a, al, t + ds, de - ds);
}

const struct recog recog_verizon = {
	"verizon", 0, vz_test, vz_parse
};
