/*
 * rfc3834.c - automatic replies (RFC 3834): Auto-Submitted: auto-replied,
 * X-Autoreply and kin, Precedence: auto_reply, vacation subjects.  The
 * replier (From) is the recipient.  Messages that look like bounces are
 * left alone: many MTAs mark their bounces auto-replied too.
 *
 * Strings are arena strings of the parsed message.
 */
#include <string.h>

#include "report/freetext.h"

static const char *const subject_marks[] = {
	"auto:", "automatic reply", "auto reply", "auto-reply", "autoreply",
	"auto response", "auto-response", "autoresponse", "out of office",
	"out of the office", "vacation", "away from", "on vacation",
	"abwesenheit", "automatische antwort", "r\xc3\xa9ponse automatique",
	"risposta automatica", "respuesta autom\xc3\xa1tica",
	"\xe8\x87\xaa\xe5\x8b\x95\xe5\xbf\x9c\xe7\xad\x94",	/* 自動応答 */
	"\xe8\x87\xaa\xe5\x8b\x95\xe8\xbf\x94\xe4\xbf\xa1",	/* 自動返信 */
	NULL
};

static const char *const bounce_marks[] = {
	"undeliver", "undelivered", "delivery status", "delivery failure",
	"delivery failed", "failure notice", "returned mail",
	"mail delivery", "delivery notification", "non remis",
	"unzustellbar", "nondeliverable", "could not be delivered",
	"mail system error", "rejected", NULL
};

/* 1 when the message looks like a bounce rather than a reply. */
static int
bouncy(struct msg *m)
{
	const char	*from = msg_header(m, NULL, "From");
	const char	*ct = m->parts[0].type;

	if (strcmp(ct, "multipart/report") == 0 ||
	    msg_field_get(m, NULL, "X-Failed-Recipients") != NULL)
		return 1;
	if (from != NULL && (msg_memcasemem(from, strlen(from),
	    "mailer-daemon", 13) || msg_memcasemem(from, strlen(from),
	    "postmaster", 10)))
		return 1;
	return ft_has_mark(msg_header(m, NULL, "Subject"), bounce_marks, 0);
}

static int
reply_test(struct report_ctx *ctx)
{
	struct msg	*m = ctx->msg;
	const char	*v, *subj;
	int		 hit = 0;

	if ((v = msg_header(m, NULL, "Auto-Submitted")) != NULL &&
	    msg_startcase(v, strlen(v), "auto-replied"))
		hit = 1;
	else if (msg_field_get(m, NULL, "X-Autoreply") != NULL ||
	    msg_field_get(m, NULL, "X-Autorespond") != NULL ||
	    msg_field_get(m, NULL, "X-Auto-Reply") != NULL)
		hit = 1;
	else if ((v = msg_header(m, NULL, "Precedence")) != NULL &&
	    msg_startcase(v, strlen(v), "auto_reply"))
		hit = 1;
	else if ((subj = msg_header(m, NULL, "Subject")) != NULL &&
	    ft_has_mark(subj, subject_marks, 1))
		hit = 1;
	return hit && !bouncy(m);
}

static int
reply_parse(struct report_ctx *ctx)
{
	struct msg		*m = ctx->msg;
	struct dsn_record	*r;
	const char		*from;

	if ((from = msg_header(m, NULL, "From")) == NULL)
		return 0;
	if ((r = report_new(ctx, "autoreply")) == NULL)
		return -1;
	if (report_set_addr(ctx, r, DSN_F_RECIPIENT, from, strlen(from)) < 0 ||
	    dsn_record_sets(r, DSN_F_DIAGNOSTIC,
	    msg_header(m, NULL, "Subject")) < 0) {
		dsn_record_free(r);
		return -1;
	}
	return report_add(ctx, r);
}

const struct recog recog_rfc3834 = {
	"rfc3834", 0, reply_test, reply_parse
};
