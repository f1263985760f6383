/*
 * ezweb.c - au by KDDI bounces: EZweb ("Mail System Error - Returned
 * Mail" from Postmaster@ezweb.ne.jp: a Japanese explanation, an English
 * one, recipients as "<addr>" or "Recipient: <addr>" lines with the
 * SMTP dialogue) and KDDI/auone-net ("Could not be delivered to:
 * <addr>").  Text is decoded from ISO-2022-JP by the message layer;
 * records go to report_add().
 */
#include <string.h>

#include "report/freetext.h"

#define AU_MAX	32	/* recipients read from one report */

static int
au_domain(const char *v)
{
	return v != NULL && (strstr(v, "ezweb.ne.jp") != NULL ||
	    strstr(v, "dion.ne.jp") != NULL || strstr(v, "auone-net.jp") ||
	    strstr(v, "@au.com") != NULL);
}

static int
au_test(struct report_ctx *ctx)
{
	const char	*v;

	if (au_domain(ft_header(ctx, FT_FROM)))
		return 1;
	if ((v = ft_header(ctx, FT_SUBJECT)) != NULL &&
	    strcmp(v, "Mail System Error - Returned Mail") == 0)
		return 1;
	return au_domain(ft_header(ctx, FT_RECEIVED));
}

/* 1 when the line is plain ASCII text (the English explanation). */
static int
english(const char *line, size_t ll)
{
	size_t	 i, letters = 0;

	for (i = 0; i < ll; i++) {
		if ((unsigned char)line[i] >= 0x80)
			return 0;
		if ((line[i] | 0x20) >= 'a' && (line[i] | 0x20) <= 'z')
			letters++;
	}
	return letters >= 4;
}

/* End of the lines of t that belong to the report: the inline original. */
static size_t
report_end(const char *t, size_t len)
{
	const char	*line;
	size_t		 pos = 0, start, ll;

	while (start = pos, msg_line_next(t, len, &pos, &line, &ll))
		if (msg_startcase(line, ll, "Received:") ||
		    msg_startcase(line, ll, "Return-Path:"))
			return start;
	return len;
}

/* The lines after a "Recipient:" or "delivered to:" line, indented. */
static size_t
dialogue(const char *t, size_t len, size_t pos)
{
	const char	*line;
	size_t		 p = pos, ll;

	while (msg_line_next(t, len, &p, &line, &ll) && ll > 0 &&
	    (line[0] == ' ' || line[0] == '\t') && !ft_blank(line, ll))
		pos = p;
	return pos;
}

static int
au_parse(struct report_ctx *ctx)
{
	const char	*t, *line, *d = NULL, *de = NULL, *c;
	size_t		 len, pos = 0, start, ll, off, n, end, we;
	int		 rc, got = 0, i, nr = 0;
	struct {
		const char	*a, *d;
		size_t		 al, dl;
	} rc_[AU_MAX];

	if ((t = report_text(ctx, &len)) == NULL)
		return 0;
	len = report_end(t, len);
	while (start = pos, msg_line_next(t, len, &pos, &line, &ll)) {
		if ((c = msg_memcasemem(line, ll, "delivered to:", 13)) != NULL)
			c += 13;
		else if ((c = msg_memcasemem(line, ll, "Recipient:", 10)) !=
		    NULL)
			c += 10;
		if (c != NULL && ft_addr_lead(c, ll - (size_t)(c - line),
		    FT_WORD, &off, &n, &we) && nr < AU_MAX) {
			/* The address line and the dialogue below it. */
			end = dialogue(t, len, pos);
			rc_[nr].a = c + off;
			rc_[nr].al = n;
			rc_[nr].d = line;
			rc_[nr].dl = end - start - (size_t)(line - (t + start));
			nr++;
			pos = end;
			continue;
		}
		if (ft_addr_lead(line, ll, FT_WORD, &off, &n, &we) &&
		    nr < AU_MAX && we + 1 >= ll) {
			rc_[nr].a = line + off;
			rc_[nr].al = n;
			rc_[nr].d = NULL;
			rc_[nr].dl = 0;
			nr++;
			continue;
		}
		if (english(line, ll) &&
		    !msg_memcasemem(line, ll, "MIME format", 11)) {
			if (d == NULL)
				d = line;
			de = line + ll;
		}
	}
	for (i = 0; i < nr; i++) {
		if (rc_[i].d == NULL) {
			rc_[i].d = d;
			rc_[i].dl = d != NULL ? (size_t)(de - d) : 0;
		}
		if ((rc = ft_add_text(ctx, rc_[i].a, rc_[i].al, rc_[i].d,
		    rc_[i].dl, NULL)) < 0)
			return -1;
		got += rc;
	}
	return got;
}

const struct recog recog_ezweb = {
	"ezweb", 0, au_test, au_parse
};
