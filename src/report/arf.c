/*
 * arf.c - feedback reports: RFC 5965 ARF (message/feedback-report), and
 * two common non-ARF complaint forms: a forwarded message carrying
 * X-HmXmrOriginalRecipient (Microsoft JMRP) and an unsubscribe request
 * flagged X-Apple-Unsubscribe.  One record per reported recipient.
 *
 * Strings are arena strings of the parsed message; records are handed
 * to report_add().
 */
#include <string.h>

#include "report/recog.h"

/*
 * XXX ARF: a report that names no recipient anywhere still yields one
 * record, under this placeholder (the convention Sisimai uses), so that
 * the complaint is counted.
 */
#define ARF_NO_RCPT	"undisclosed-recipient-in-headers@libsisimai.org.invalid"

static const struct msg_field *
jmrp_field(struct msg *m)
{
	const struct msg_field	*f;
	int			 i;

	for (i = 1; i < m->nparts; i++)
		if (m->parts[i].is_message &&
		    (f = msg_field_get(m, &m->parts[i],
		    "X-HmXmrOriginalRecipient")) != NULL)
			return f;
	return NULL;
}

static int
arf_test(struct report_ctx *ctx)
{
	struct msg	*m = ctx->msg;
	const char	*v;

	if (msg_find_type(m, NULL, "message/feedback-report") != NULL)
		return 1;
	if ((v = msg_header(m, NULL, "X-Apple-Unsubscribe")) != NULL &&
	    msg_startcase(v, strlen(v), "true"))
		return 1;
	return m->nparts > 1 && jmrp_field(m) != NULL;
}

/* One feedback record for the address in s[0..len). */
static int
arf_emit(struct report_ctx *ctx, const char *ftype, const char *mta,
    const char *mailfrom, const char *s, size_t len)
{
	struct dsn_record	*r;
	int			 rc;

	if ((r = report_new(ctx, "feedback")) == NULL)
		return -1;
	if ((s != NULL && report_set_addr(ctx, r, DSN_F_RECIPIENT, s, len) < 0) ||
	    (r->v[DSN_F_RECIPIENT] == NULL &&
	    dsn_record_sets(r, DSN_F_RECIPIENT, ARF_NO_RCPT) < 0) ||
	    dsn_record_sets(r, DSN_F_FEEDBACK_TYPE, ftype) < 0 ||
	    dsn_record_sets(r, DSN_F_REPORTING_MTA,
	    report_strip_type(mta)) < 0 ||
	    (r->v[DSN_F_SENDER] == NULL && mailfrom != NULL &&
	    report_set_addr(ctx, r, DSN_F_SENDER, mailfrom,
	    strlen(mailfrom)) < 0)) {
		dsn_record_free(r);
		return -1;
	}
	if ((rc = report_add(ctx, r)) < 0)
		return -1;
	return rc;
}

/* Records for each address of a To-like list; count or -1. */
static int
arf_list(struct report_ctx *ctx, const char *ftype, const char *mta,
    const char *mailfrom, const char *list)
{
	size_t	 st, al;
	int	 n = 0, rc;

	while (list != NULL && msg_addr_find(list, strlen(list), &st, &al)) {
		if ((rc = arf_emit(ctx, ftype, mta, mailfrom, list + st,
		    al)) < 0)
			return -1;
		n += rc;
		list += st + al;
	}
	return n;
}

/* Steps over a line that is not a field. */
static void
skip_line(const char *b, size_t len, size_t *pos)
{
	const char	*line;
	size_t		 ll;

	msg_line_next(b, len, pos, &line, &ll);
}

static char *
lower(char *s)
{
	char	*p;

	for (p = s; p != NULL && *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p += 32;
	return s;
}

static int
arf_feedback(struct report_ctx *ctx, struct msg_part *fp)
{
	struct msg		*m = ctx->msg;
	struct arena		*a = m->arena;
	struct msg_field	 f;
	struct msg_part		*ret;
	const char		*b;
	char			*ftype = NULL, *mta = NULL, *mailfrom = NULL;
	char			**keep;
	size_t			 len, pos = 0;
	int			 n = 0, rc;

	if ((b = msg_part_body(m, fp, &len)) == NULL)
		return -1;
	/* First pass: the report-wide fields. */
	while (pos < len) {
		size_t before = pos;

		if (!msg_field_next(b, len, &pos, &f)) {
			if (pos == before)
				skip_line(b, len, &pos);
			continue;
		}
		/* The first of each, unfolded; the other fields are not. */
		if (msg_field_is(&f, "Feedback-Type"))
			keep = &ftype;
		else if (msg_field_is(&f, "Reporting-MTA"))
			keep = &mta;
		else if (msg_field_is(&f, "Original-Mail-From"))
			keep = &mailfrom;
		else
			continue;
		if (*keep == NULL &&
		    (*keep = msg_unfold(a, f.value, f.valuelen)) == NULL)
			return -1;
	}
	lower(ftype);
	/* Second pass: one record per Original-Rcpt-To. */
	for (pos = 0; pos < len; ) {
		size_t before = pos;

		if (!msg_field_next(b, len, &pos, &f)) {
			if (pos == before)
				skip_line(b, len, &pos);
			continue;
		}
		if (!msg_field_is(&f, "Original-Rcpt-To") &&
		    !msg_field_is(&f, "Removal-Recipient"))
			continue;
		if ((rc = arf_emit(ctx, ftype, mta, mailfrom, f.value,
		    f.valuelen)) < 0)
			return -1;
		n += rc;
	}
	if (n > 0)
		return n;
	/* Else the returned message's recipients, else a placeholder. */
	if ((ret = report_returned(ctx)) != NULL &&
	    (n = arf_list(ctx, ftype, mta, mailfrom,
	    msg_header(m, ret, "To"))) != 0)
		return n;
	return arf_emit(ctx, ftype, mta, mailfrom, NULL, 0);
}

static int
arf_parse(struct report_ctx *ctx)
{
	struct msg		*m = ctx->msg;
	struct msg_part		*fp;
	const struct msg_field	*f;
	const char		*from;

	if ((fp = msg_find_type(m, NULL, "message/feedback-report")) != NULL)
		return arf_feedback(ctx, fp);
	if ((f = jmrp_field(m)) != NULL)
		return arf_emit(ctx, "abuse", NULL, NULL, f->value,
		    f->valuelen);
	/* An unsubscribe request: the sender is the one who opts out. */
	if ((from = msg_header(m, NULL, "From")) == NULL)
		return 0;
	return arf_emit(ctx, "opt-out", NULL, NULL, from, strlen(from));
}

const struct recog recog_arf = {
	"arf", 0, arf_test, arf_parse
};
