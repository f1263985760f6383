/*
 * txtrec.c - shared helpers of the F3 free-text formats: finding
 * markers and addresses in report text, one-line diagnostics, and
 * RFC 3464 fields that a report wrote into plain text.  Strings are
 * arena strings of the parsed message; records go to report_add().
 */
#include <ctype.h>
#include <string.h>

#include "report/txtrec.h"

size_t
txt_after(const char *t, size_t len, const char *marker)
{
	const char	*p;
	size_t		 pos, ll;
	const char	*line;

	if (t == NULL || (p = msg_memcasemem(t, len, marker,
	    strlen(marker))) == NULL)
		return TXT_NONE;
	pos = (size_t)(p - t);
	if (!msg_line_next(t, len, &pos, &line, &ll))
		return len;
	return pos;
}

char *
txt_oneline(struct arena *a, const char *s, size_t len)
{
	char	*out, *o;
	size_t	 i;
	int	 sp = 0;

	if ((out = arena_alloc(a, len + 1)) == NULL)
		return NULL;
	o = out;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			sp = (o != out);
			continue;
		}
		if (sp)
			*o++ = ' ';
		sp = 0;
		*o++ = (char)c;
	}
	*o = '\0';
	return out;
}

int
txt_blank(const char *line, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t')
			return 0;
	return 1;
}

int
txt_addr(const char *s, size_t len, size_t *start, size_t *alen)
{
	size_t	 off = 0, st, al;

	while (off < len && msg_addr_find(s + off, len - off, &st, &al)) {
		if (msg_addr_valid(s + off + st, al)) {
			*start = off + st;
			*alen = al;
			return 1;
		}
		off += st + (al > 0 ? al : 1);
	}
	return 0;
}

size_t
txt_lead_addr(const char *line, size_t ll, size_t *off)
{
	size_t	 i = 0, n;

	while (i < ll && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i < ll && line[i] == '<')
		i++;
	for (n = i; n < ll && strchr(" \t<>,;", line[n]) == NULL; n++)
		;
	*off = i;
	if (n == i || !msg_addr_valid(line + i, n - i))
		return 0;
	return n - i;
}

int
txt_add(struct report_ctx *ctx, const char *a, size_t alen, const char *d,
    size_t dlen, const char *action)
{
	struct dsn_record	*r;
	size_t			 st, al;
	char			*v;

	if (!txt_addr(a, alen, &st, &al))
		return 0;
	if ((r = report_new(ctx, "dsn")) == NULL)
		return -1;
	if (report_set_addr(ctx, r, DSN_F_RECIPIENT, a + st, al) < 0)
		goto fail;
	if (d != NULL) {
		if ((v = txt_oneline(ctx->msg->arena, d, dlen)) == NULL)
			goto fail;
		if (*v != '\0' && dsn_record_sets(r, DSN_F_DIAGNOSTIC, v) < 0)
			goto fail;
	}
	if (dsn_record_sets(r, DSN_F_ACTION, action != NULL ? action :
	    "failed") < 0)
		goto fail;
	return report_add(ctx, r);
fail:
	dsn_record_free(r);
	return -1;
}

struct dsn_record *
txt_last(struct report_ctx *ctx)
{
	if (ctx->out->n <= ctx->first)
		return NULL;
	return ctx->out->v[ctx->out->n - 1];
}

/* ---- RFC 3464 fields in text ---- */

enum { T_FINAL, T_ORIG, T_ACTION, T_STATUS, T_DIAG, T_REMOTE, T_REPORTING,
	T_COUNT };

static const char *const tnames[T_COUNT] = {
	"Final-Recipient:", "Original-Recipient:", "Action:", "Status:",
	"Diagnostic-Code:", "Remote-MTA:", "Reporting-MTA:"
};

struct tgroup {
	const char	*v[T_COUNT];	/* value start in the text */
	const char	*e[T_COUNT];	/* value end */
};

/* The field a line starts, or -1. */
static int
tfield(const char *line, size_t ll)
{
	int	 i;

	for (i = 0; i < T_COUNT; i++)
		if (msg_startcase(line, ll, tnames[i]))
			return i;
	return -1;
}

/* Value of field i of g on one line, type prefix dropped; or NULL. */
static const char *
tvalue(struct report_ctx *ctx, const struct tgroup *g, int i, int strip)
{
	char	*v;

	if (g->v[i] == NULL)
		return NULL;
	v = txt_oneline(ctx->msg->arena, g->v[i], (size_t)(g->e[i] - g->v[i]));
	return v != NULL && strip ? report_strip_type(v) : v;
}

/*
 * A reply of the remote server quoted in brackets inside the diagnostic
 * ("554 4.4.7 Message expired ...<421 4.4.2 Connection timed out>") is
 * the last answer really received: its codes are the specific ones.
 */
static int
inner_reply(struct dsn_record *r)
{
	const char	*d = r->v[DSN_F_DIAGNOSTIC], *p, *last = NULL;
	char		 st[16];

	if (d == NULL)
		return 0;
	for (p = strchr(d, '<'); p != NULL; p = strchr(p + 1, '<'))
		if (p != d && isdigit((unsigned char)p[1]) &&
		    isdigit((unsigned char)p[2]) &&
		    isdigit((unsigned char)p[3]) && p[4] == ' ' &&
		    strchr("245", p[1]) != NULL)
			last = p + 1;
	if (last == NULL || !status_find(last + 4, strlen(last + 4), st,
	    sizeof(st)) || st[0] != last[0] || strncmp(last + 4, st,
	    strlen(st)) != 0)
		return 0;
	if (dsn_record_set(r, DSN_F_REPLY_CODE, last, 3) < 0 ||
	    dsn_record_sets(r, DSN_F_STATUS, st) < 0)
		return -1;
	return dsn_record_sets(r, DSN_F_ACTION, st[0] == '4' ? "delayed" :
	    "failed");
}

static int
tflush(struct report_ctx *ctx, struct tgroup *g, const char *reporting)
{
	struct dsn_record	*r;
	const char		*v, *semi;
	int			 i, rc;

	i = g->v[T_FINAL] != NULL ? T_FINAL : T_ORIG;
	if (g->v[i] == NULL)
		goto done;
	if ((r = report_new(ctx, "dsn")) == NULL)
		return -1;
	v = tvalue(ctx, g, i, 1);
	if (v == NULL || report_set_addr(ctx, r, DSN_F_RECIPIENT, v,
	    strlen(v)) < 0)
		goto fail;
	if ((v = tvalue(ctx, g, T_ACTION, 0)) != NULL && *v != '\0' &&
	    dsn_record_set(r, DSN_F_ACTION, v, strcspn(v, " (")) < 0)
		goto fail;
	if ((v = tvalue(ctx, g, T_STATUS, 0)) != NULL &&
	    dsn_record_set(r, DSN_F_STATUS, v, strcspn(v, " (")) < 0)
		goto fail;
	if ((v = tvalue(ctx, g, T_DIAG, 0)) != NULL) {
		if ((semi = strchr(v, ';')) != NULL &&
		    strcspn(v, " <@\"") >= (size_t)(semi - v) &&
		    dsn_record_set(r, DSN_F_DIAGNOSTIC_TYPE, v,
		    (size_t)(semi - v)) < 0)
			goto fail;
		if (dsn_record_sets(r, DSN_F_DIAGNOSTIC,
		    report_strip_type(v)) < 0)
			goto fail;
	}
	if ((v = tvalue(ctx, g, T_REMOTE, 1)) != NULL &&
	    dsn_record_set(r, DSN_F_REMOTE_MTA, v, strcspn(v, " (")) < 0)
		goto fail;
	if (reporting != NULL && dsn_record_set(r, DSN_F_REPORTING_MTA,
	    reporting, strcspn(reporting, " (")) < 0)
		goto fail;
	if ((rc = report_add(ctx, r)) <= 0)
		return rc;
	if (inner_reply(txt_last(ctx)) < 0)
		return -1;
	memset(g, 0, sizeof(*g));
	return 1;
fail:
	dsn_record_free(r);
	return -1;
done:
	memset(g, 0, sizeof(*g));
	return 0;
}

int
txt_ds(struct report_ctx *ctx, const char *t, size_t len)
{
	struct tgroup	 g;
	const char	*line, *reporting = NULL;
	size_t		 pos = 0, ll;
	int		 f, last = -1, n = 0, rc;

	memset(&g, 0, sizeof(g));
	while (msg_line_next(t, len, &pos, &line, &ll)) {
		if ((line[0] == ' ' || line[0] == '\t') && ll > 0 &&
		    !txt_blank(line, ll)) {
			if (last >= 0)
				g.e[last] = line + ll;
			continue;
		}
		f = ll > 0 ? tfield(line, ll) : -1;
		if (f < 0 || (f == T_FINAL && g.v[T_FINAL] != NULL)) {
			if ((rc = tflush(ctx, &g, reporting)) < 0)
				return -1;
			n += rc;
		}
		last = f;
		if (f < 0)
			continue;
		g.v[f] = line + strlen(tnames[f]);
		g.e[f] = line + ll;
		if (f == T_REPORTING) {
			/* Message level: kept, not part of the group. */
			reporting = tvalue(ctx, &g, f, 1);
			g.v[f] = NULL;
			last = -1;
		}
	}
	if ((rc = tflush(ctx, &g, reporting)) < 0)
		return -1;
	return n + rc;
}
