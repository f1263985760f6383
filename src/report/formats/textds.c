/*
 * textds.c - RFC 3464 delivery-status fields written into a text part
 * instead of a message/delivery-status part: Amazon WorkMail's
 * "Technical report:", and reports whose MIME structure is broken
 * (Oracle/PMDF Messaging Server with an unused boundary).  The fields
 * are read by ft_ds(); records go to report_add().
 */
#include <string.h>

#include "report/freetext.h"

/* 1 when the message holds a delivery-status part (rfc3464.c's job). */
static int
has_ds(const struct msg *m)
{
	int	 i;

	for (i = 0; i < m->nparts; i++)
		if (strstr(m->parts[i].type, "delivery-status") != NULL)
			return 1;
	return 0;
}

/* 1 when the header looks like a bounce: cheap header checks only. */
static int
bouncy(struct report_ctx *ctx)
{
	static const char *const subj[] = {
		"deliver", "notification", "returned", "failure", "failed",
		"undeliver", NULL
	};
	const char	*v;
	int		 i;

	if ((v = ft_header(ctx, FT_FROM)) != NULL &&
	    (msg_memcasemem(v, strlen(v), "mailer-daemon", 13) != NULL ||
	    msg_memcasemem(v, strlen(v), "postmaster", 10) != NULL))
		return 1;
	if ((v = ft_header(ctx, FT_SUBJECT)) == NULL)
		return 0;
	for (i = 0; subj[i] != NULL; i++)
		if (msg_memcasemem(v, strlen(v), subj[i], strlen(subj[i])))
			return 1;
	return 0;
}

static int
workmail_test(struct report_ctx *ctx)
{
	const char	*v = msg_header(ctx->msg, NULL, "X-Mailer");

	return v != NULL && strstr(v, "Amazon WorkMail") != NULL &&
	    !has_ds(ctx->msg);
}

static int
textds_test(struct report_ctx *ctx)
{
	return !has_ds(ctx->msg) && bouncy(ctx);
}

static int
textds_parse(struct report_ctx *ctx)
{
	struct msg	*m = ctx->msg;
	const char	*t, *b;
	size_t		 len, bl;

	t = report_text(ctx, &len);
	if (t != NULL && msg_memcasemem(t, len, "final-recipient:", 16))
		return ft_ds(ctx, t, len);
	if (m->parts[0].child >= 0)
		return 0;
	/* The whole body, unless that is the text just searched. */
	if ((b = msg_part_text(m, &m->parts[0], &bl)) == NULL)
		return -1;
	if ((b == t && bl == len) ||
	    !msg_memcasemem(b, bl, "final-recipient:", 16))
		return 0;
	return ft_ds(ctx, b, bl);
}

const struct recog recog_amazonworkmail = {
	"amazonworkmail", 0, workmail_test, textds_parse
};

const struct recog recog_textds = {
	"textds", 0, textds_test, textds_parse
};
