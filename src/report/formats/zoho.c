/*
 * zoho.c - Zoho Mail bounces: "rcpt Reason, ERROR_CODE :550, ..." lines
 * after "This message was created automatically by mail delivery", or
 * "[Status: Error, Address: <rcpt>, ResponseCode 421, , text]" lines
 * under "The following addresses had fatal errors".
 *
 * Views into the report text; records go through ft_emit().
 */
#include <string.h>

#include "report/freetext.h"

static const char *const zo_starts[] = {
	"This message was created automatically by mail delivery", NULL
};
static const char *const zo_ends[] = {
	"Received:", "----- Transcript of session follows", NULL
};

static int
zo_test(struct report_ctx *ctx)
{
	const char	*v;

	if ((v = msg_header(ctx->msg, NULL, "X-Mailer")) != NULL &&
	    msg_startcase(v, strlen(v), "Zoho Mail"))
		return 1;
	return (v = ft_header(ctx, FT_FROM)) != NULL &&
	    msg_memcasemem(v, strlen(v), "mailer-daemon@mail.zoho", 23) !=
	    NULL;
}

/* "ResponseCode 421": the reply code into rc (4 bytes); 1 or 0. */
static int
zo_reply(const char *l, size_t ll, char *rc)
{
	const char	*p = msg_memcasemem(l, ll, "ResponseCode ", 13);

	if (p == NULL || (size_t)(p - l) + 16 > ll)
		return 0;
	return ft_reply_at(p + 13, 3, rc);
}

static int
zo_parse(struct report_ctx *ctx)
{
	struct ft_hit	 h;
	const char	*t, *line, *a;
	size_t		 tl, rs, rl, pos = 0, ll, as, al, rest;
	char		 rc[4];
	int		 n = 0, k, delay;

	if ((t = report_text(ctx, &tl)) == NULL ||
	    !ft_region(t, tl, zo_starts, zo_ends, &rs, &rl))
		return 0;
	delay = msg_memcasemem(t, tl, "WARNING MESSAGE ONLY", 20) != NULL;
	t += rs;
	while (msg_line_next(t, rl, &pos, &line, &ll)) {
		memset(&h, 0, sizeof(h));
		if (ll > 8 && memcmp(line, "[Status:", 8) == 0 &&
		    (a = msg_memcasemem(line, ll, "Address:", 8)) != NULL &&
		    ft_addr_lead(a + 8, ll - (size_t)(a + 8 - line), 0, &as,
		    &al, &rest)) {
			h.addr = a + 8 + as;
			h.reply = zo_reply(line, ll, rc) ? rc : NULL;
		} else if (ft_addr_lead(line, ll, 0, &as, &al, &rest))
			h.addr = line + as;
		else
			continue;
		h.alen = al;
		h.diag = line;
		h.dlen = ll;
		h.action = delay ? "delayed" : NULL;
		if ((k = ft_emit(ctx, &h)) < 0)
			return -1;
		n += k;
	}
	return n;
}

const struct recog recog_zoho = {
	"zoho", 0, zo_test, zo_parse
};
