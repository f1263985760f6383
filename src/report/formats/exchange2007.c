/*
 * exchange2007.c - Exchange 2007 and later, Office 365 and Outlook.com
 * non-delivery reports read from their text when no delivery-status
 * part came along: under "Diagnostic information for administrators:"
 * the "Generating server:", then per recipient its address and the
 * lines "Remote Server returned '550 5.1.10 ...'".  Records go to
 * report_add().
 */
#include <string.h>

#include "report/freetext.h"

static int
x7_test(struct report_ctx *ctx)
{
	struct msg	*m = ctx->msg;
	const char	*v;

	if (msg_field_get(m, NULL, "X-MS-Exchange-Message-Is-Ndr") != NULL)
		return 1;
	return (v = ft_header(ctx, FT_SUBJECT)) != NULL &&
	    (msg_startcase(v, strlen(v), "Undeliverable") ||
	    msg_startcase(v, strlen(v), "Delivery Status Notification"));
}

/* Sets the record's MTA fields from "Generating server" / "at HOST". */
static int
x7_mtas(struct dsn_record *r, const char *gen, size_t genlen)
{
	const char	*d = r->v[DSN_F_DIAGNOSTIC], *p;

	if (gen != NULL && dsn_record_set(r, DSN_F_REPORTING_MTA, gen,
	    genlen) < 0)
		return -1;
	if (d != NULL && (p = strstr(d, "Remote Server at ")) != NULL) {
		p += 17;
		return dsn_record_set(r, DSN_F_REMOTE_MTA, p, strcspn(p,
		    " ()"));
	}
	return 0;
}

static int
x7_flush(struct report_ctx *ctx, const char *a, size_t al, const char *d,
    const char *de, const char *gen, size_t genlen)
{
	int	 rc;

	if (a == NULL || d == NULL)
		return 0;
	rc = ft_add_text(ctx, a, al, d, (size_t)(de - d), NULL);
	if (rc == 1 && x7_mtas(ft_last(ctx), gen, genlen) < 0)
		return -1;
	return rc;
}

static int
x7_parse(struct report_ctx *ctx)
{
	const char	*t, *line, *a = NULL, *d = NULL, *de = NULL;
	const char	*gen = NULL;
	size_t		 len, pos, ll, al = 0, off, n, we, genlen = 0;
	int		 rc, got = 0;

	if ((t = report_text(ctx, &len)) == NULL || (pos = ft_after(t, len,
	    "Diagnostic information for administrators")) == FT_NONE)
		return 0;
	while (msg_line_next(t, len, &pos, &line, &ll)) {
		if (msg_startcase(line, ll, "Original message headers"))
			break;
		if (msg_startcase(line, ll, "Generating server:")) {
			/* The text is not NUL-terminated: stay in the line. */
			for (gen = line + 18; gen < line + ll && *gen == ' ';
			    gen++)
				;
			for (genlen = 0; gen + genlen < line + ll &&
			    gen[genlen] != ' ' && gen[genlen] != '\r';
			    genlen++)
				;
			continue;
		}
		if (msg_startcase(line, ll, "Receiving server:"))
			continue;
		if (ft_addr_lead(line, ll, FT_WORD, &off, &n, &we) &&
		    we >= ll) {
			if ((rc = x7_flush(ctx, a, al, d, de, gen,
			    genlen)) < 0)
				return -1;
			got += rc;
			a = line + off;
			al = n;
			d = de = NULL;
			continue;
		}
		if (ft_blank(line, ll) || a == NULL)
			continue;
		if (d == NULL)
			d = line;
		de = line + ll;
	}
	if ((rc = x7_flush(ctx, a, al, d, de, gen, genlen)) < 0)
		return -1;
	return got + rc;
}

const struct recog recog_exchange2007 = {
	"exchange2007", 0, x7_test, x7_parse
};
