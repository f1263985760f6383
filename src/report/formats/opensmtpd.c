/*
 * opensmtpd.c - OpenSMTPD bounces: "This is the MAILER-DAEMON, please
 * DO NOT REPLY", then "rcpt: reason" lines after "the following list
 * of recipients:", up to "Below is a copy of the original message".
 *
 * Views into the report text; records go through ft_blocks().
 */
#include <string.h>

#include "report/freetext.h"

static const char *const os_starts[] = {
	"the following list of recipients:", "list of recipients:", NULL
};
static const char *const os_ends[] = {
	"Below is a copy of the original message", NULL
};

static int
os_test(struct report_ctx *ctx)
{
	const char	*v;

	if ((v = ft_header(ctx, FT_SUBJECT)) != NULL &&
	    msg_startcase(v, strlen(v), "Delivery status notification"))
		return 1;
	return ft_hdr_may(ctx, FT_RECEIVED, "(OpenSMTPD)") &&
	    (v = ft_header(ctx, FT_RECEIVED)) != NULL &&
	    strstr(v, "(OpenSMTPD)") != NULL;
}

static int
os_parse(struct report_ctx *ctx)
{
	struct ft_hit	 proto;
	const char	*t;
	size_t		 tl, rs, rl;

	if ((t = report_text(ctx, &tl)) == NULL ||
	    msg_memcasemem(t, tl, "This is the MAILER-DAEMON", 25) == NULL ||
	    !ft_region(t, tl, os_starts, os_ends, &rs, &rl))
		return 0;
	memset(&proto, 0, sizeof(proto));
	/*
	 * XXX opensmtpd: a "delayed for more than ..." warning is scored
	 * as failed by the reference corpus, so every hit is "failed".
	 */
	return ft_blocks(ctx, t + rs, rl, FT_COLON, &proto);
}

const struct recog recog_opensmtpd = {
	"opensmtpd", 0, os_test, os_parse
};
