/*
 * google.c - Gmail's free-text bounces ("Delivery to the following
 * recipient failed permanently:", "... has been delayed:") and Google
 * Groups' rejections of posts (X-Failed-Recipients names the group).
 *
 * Views into the report text and headers; records go through
 * ft_emit().
 */
#include <string.h>

#include "report/freetext.h"

static const char *const gm_ends[] = {
	"----- Original message -----", "----- Message header follows",
	NULL
};

/* From Google's mailer-daemon with a "Delivery Status Notification". */
static int
gm_test(struct report_ctx *ctx)
{
	const char	*v;

	if ((v = ft_header(ctx, FT_FROM)) == NULL ||
	    (msg_memcasemem(v, strlen(v), "mailer-daemon@google", 20) ==
	    NULL && msg_memcasemem(v, strlen(v), "@gmail.com", 10) == NULL))
		return 0;
	return (v = ft_header(ctx, FT_SUBJECT)) != NULL &&
	    msg_memcasemem(v, strlen(v), "Delivery Status Notification",
	    28) != NULL;
}

/* The diagnostic: the server's reply, else the technical details. */
static void
gm_diag(const char *t, size_t tl, struct ft_hit *h)
{
	static const char *const leads[] = {
		"The error that the other server returned was:",
		"Technical details of permanent failure:",
		"Technical details of temporary failure:",
		NULL
	};
	const char	*end;
	size_t		 nl;
	long		 at;
	int		 i;

	for (i = 0; leads[i] != NULL; i++) {
		if ((end = msg_memcasemem(t, tl, leads[i],
		    strlen(leads[i]))) == NULL)
			continue;
		at = (long)(end - t);
		nl = strlen(leads[i]);
		h->diag = t + at + nl;
		h->dlen = tl - (size_t)at - nl;
		if ((at = ft_find_any(h->diag, h->dlen, gm_ends, NULL)) >= 0)
			h->dlen = (size_t)at;
		return;
	}
}

static int
gm_parse(struct report_ctx *ctx)
{
	static const char *const starts[] = {
		"Delivery to the following recipient", NULL
	};
	struct ft_hit	 proto, h;
	const char	*t, *r, *line;
	size_t		 tl, rs, rl, pos, ll, as, al, rest;
	int		 n = 0, rc, seen = 0;

	if ((t = report_text(ctx, &tl)) == NULL ||
	    !ft_region(t, tl, starts, gm_ends, &rs, &rl))
		return 0;
	r = t + rs;
	memset(&proto, 0, sizeof(proto));
	gm_diag(r, rl, &proto);
	/* No reply and no details: the delay or retry notice itself. */
	if (proto.diag == NULL && (proto.diag = msg_memcasemem(r, rl,
	    "Message will be retried", 23)) != NULL)
		proto.dlen = strcspn(proto.diag, "\r\n");
	if (msg_memcasemem(r, rl, "temporary failure", 17) != NULL)
		proto.action = "delayed";
	/* The recipients: address lines up to the first blank after them. */
	pos = 0;
	while (msg_line_next(r, rl, &pos, &line, &ll)) {
		if (ft_addr_lead(line, ll, 0, &as, &al, &rest)) {
			h = proto;
			h.addr = line + as;
			h.alen = al;
			if ((rc = ft_emit(ctx, &h)) < 0)
				return -1;
			n += rc;
			seen = 1;
		} else if (seen)
			break;
	}
	return n;
}

/* Google Groups: the group is in X-Failed-Recipients. */
static int
gg_test(struct report_ctx *ctx)
{
	return msg_field_get(ctx->msg, NULL, "X-Failed-Recipients") != NULL &&
	    gm_test(ctx);
}

static int
gg_parse(struct report_ctx *ctx)
{
	struct ft_hit	 h;
	const char	*t, *v, *line;
	size_t		 tl, pos = 0, ll, s, al;
	int		 n = 0, rc, para = 0;

	if ((t = report_text(ctx, &tl)) == NULL ||
	    msg_memcasemem(t, tl, "groups.google.com", 17) == NULL ||
	    (v = msg_header(ctx->msg, NULL, "X-Failed-Recipients")) == NULL)
		return 0;
	memset(&h, 0, sizeof(h));
	/* The explanation: the paragraph after the greeting line. */
	while (msg_line_next(t, tl, &pos, &line, &ll)) {
		if (ll == 0)
			continue;
		if (para++ == 1) {
			h.diag = line;
			h.dlen = ll;
			break;
		}
	}
	while (msg_addr_find(v, strlen(v), &s, &al)) {
		h.addr = v + s;
		h.alen = al;
		if ((rc = ft_emit(ctx, &h)) < 0)
			return -1;
		n += rc;
		v += s + al;
	}
	return n;
}

const struct recog recog_googlegroups = {
	"googlegroups", 0, gg_test, gg_parse
};

const struct recog recog_gmail = {
	"gmail", 0, gm_test, gm_parse
};
