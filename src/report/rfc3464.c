/*
 * rfc3464.c - delivery status notifications (RFC 3464, RFC 6522,
 * RFC 6533): a message/delivery-status or message/global-delivery-status
 * part anywhere in the message, one record per recipient block.
 *
 * Field values are arena strings of the parsed message; records are
 * handed to report_add().
 */
#define _GNU_SOURCE	/* memmem */
#include <string.h>

#include "report/recog.h"

enum {
	R_FINAL, R_ORIG, R_ACTUAL, R_ACTION, R_STATUS, R_REMOTE, R_DIAG,
	R_LAST, R_COUNT
};

static const char *const rcpt_names[R_COUNT] = {
	"Final-Recipient", "Original-Recipient", "X-Actual-Recipient",
	"Action", "Status", "Remote-MTA", "Diagnostic-Code",
	"Last-Attempt-Date"
};

struct ds_state {
	struct report_ctx	*ctx;
	const char		*reporting;	/* Reporting-MTA, message level */
	const char		*rcpt[R_COUNT];
	int			 open;		/* rcpt holds something */
	int			 added;
};

static int
is_ds_type(const char *t)
{
	return strcmp(t, "message/delivery-status") == 0 ||
	    strcmp(t, "message/global-delivery-status") == 0;
}

static struct msg_part *
ds_part(struct msg *m)
{
	int	 i;

	for (i = 0; i < m->nparts; i++)
		if (is_ds_type(m->parts[i].type))
			return &m->parts[i];
	return NULL;
}

/*
 * A delivery-status block quoted inline in a single text body (a
 * forwarded report, or one whose MIME structure was lost): the fields
 * after the "message/delivery-status" header line, up to the next
 * "--" delimiter line.  Sets *len; NULL when there is none.
 */
static const char *
ds_inline(struct msg *m, size_t *len)
{
	const struct msg_part	*top = &m->parts[0];
	const char		*b = top->body, *p, *e, *line;
	size_t			 n = top->bodylen, pos, ll;

	if (top->child >= 0 || (p = msg_memcasemem(b, n,
	    "message/delivery-status", 23)) == NULL)
		return NULL;
	/* Skip the rest of that header block. */
	pos = (size_t)(p - b);
	while (msg_line_next(b, n, &pos, &line, &ll) && ll > 0)
		;
	for (e = b + pos; (e = memchr(e, '-', n - (size_t)(e - b))) != NULL;
	    e++)
		if (e + 1 < b + n && e[1] == '-' &&
		    (e[-1] == '\n' || e[-1] == '\r'))
			break;
	*len = (e == NULL ? n : (size_t)(e - b)) - pos;
	return b + pos;
}

static int
ds_test(struct report_ctx *ctx)
{
	struct msg_part	*top = &ctx->msg->parts[0];

	if (ds_part(ctx->msg) != NULL)
		return 1;
	/* Cheap: one memmem over a single-part body. */
	return top->child < 0 && top->cte == MSG_CTE_IDENTITY &&
	    memmem(top->body, top->bodylen, "/delivery-status", 16) != NULL;
}

/* Action normalised to the RFC 3464 words, or NULL. */
static const char *
action_word(const char *a)
{
	static const char *const words[] = {
		"failed", "delayed", "delivered", "relayed", "expanded", NULL
	};
	int	 i;

	if (a == NULL)
		return NULL;
	for (i = 0; words[i] != NULL; i++)
		if (msg_startcase(a, strlen(a), words[i]) ||
		    (strlen(a) >= 4 && msg_startcase(words[i], strlen(words[i]),
		    a)))
			return words[i];
	if (msg_startcase(a, strlen(a), "fail"))
		return "failed";
	if (msg_startcase(a, strlen(a), "deliverable"))
		return "delivered";
	return NULL;
}

/* 1 when a is local@domain with a dot in the domain. */
static int
full_addr(const char *a)
{
	const char	*at;

	return a != NULL && (at = strrchr(a, '@')) != NULL && at > a &&
	    strchr(at, '.') != NULL;
}

/*
 * The recipient: Final-Recipient, unless it is no full address and
 * X-Actual-Recipient or Original-Recipient is one.
 */
static int
pick_rcpt(struct ds_state *s, struct dsn_record *r)
{
	static const int	 order[] = { R_FINAL, R_ACTUAL, R_ORIG };
	struct arena		*a = s->ctx->msg->arena;
	const char		*best = NULL;
	char			*c;
	int			 i;

	for (i = 0; i < 3; i++) {
		if (s->rcpt[order[i]] == NULL)
			continue;
		c = msg_addr(a, s->rcpt[order[i]], strlen(s->rcpt[order[i]]));
		if (full_addr(c)) {
			best = c;
			break;
		}
		if (best == NULL)
			best = c;
	}
	return dsn_record_sets(r, DSN_F_RECIPIENT, best);
}

/*
 * A report whose recipient block has no usable diagnostic often says
 * more in its text part: "rcpt@example.com: 550 5.1.1 ...".  Takes the
 * text after the first mention of the recipient (with its indented
 * continuation lines) when it carries a status or reply code.
 */
static int
text_diag(struct report_ctx *ctx, struct dsn_record *r)
{
	const char	*t, *rc = r->v[DSN_F_RECIPIENT], *p, *line;
	char		 st[16], rp[4];
	size_t		 tl, pos, ll, end, n;

	if (r->v[DSN_F_DIAGNOSTIC] != NULL && (status_find(
	    r->v[DSN_F_DIAGNOSTIC], strlen(r->v[DSN_F_DIAGNOSTIC]), st,
	    sizeof(st)) || status_reply_find(r->v[DSN_F_DIAGNOSTIC],
	    strlen(r->v[DSN_F_DIAGNOSTIC]), 0, rp)))
		return 0;
	if ((t = report_text(ctx, &tl)) == NULL ||
	    (p = msg_memcasemem(t, tl, rc, strlen(rc))) == NULL)
		return 0;
	pos = (size_t)(p - t) + strlen(rc);
	if (!msg_line_next(t, tl, &pos, &line, &ll))
		return 0;
	end = (size_t)(line + ll - t);
	/* Up to four continuation lines. */
	for (n = 0; n < 4 && pos < tl && (t[pos] == ' ' || t[pos] == '\t');
	    n++) {
		if (!msg_line_next(t, tl, &pos, &line, &ll))
			break;
		end = (size_t)(line + ll - t);
	}
	p = t + (size_t)(p - t) + strlen(rc);
	n = (size_t)(t + end - p);
	while (n > 0 && (*p == '>' || *p == ':' || *p == ' ' || *p == '.')) {
		p++;
		n--;
	}
	if (!status_find(p, n, st, sizeof(st)) &&
	    !status_reply_find(p, n, 0, rp))
		return 0;
	return dsn_record_set(r, DSN_F_DIAGNOSTIC, p, n);
}

/* Emits the pending recipient, if any. */
static int
ds_close(struct ds_state *s)
{
	struct report_ctx	*ctx = s->ctx;
	struct dsn_record	*r;
	const char		*v, *semi;
	int			 rc;

	if (!s->open)
		return 0;
	s->open = 0;
	if (s->rcpt[R_FINAL] == NULL && s->rcpt[R_ORIG] == NULL &&
	    s->rcpt[R_ACTUAL] == NULL)
		goto done;
	if ((r = report_new(ctx, "dsn")) == NULL)
		return -1;
	if (pick_rcpt(s, r) < 0)
		goto fail;
	v = s->rcpt[R_ORIG];
	if (v != NULL && report_set_addr(ctx, r, DSN_F_ORIGINAL_RECIPIENT, v,
	    strlen(v)) < 0)
		goto fail;
	if (dsn_record_sets(r, DSN_F_ACTION,
	    action_word(s->rcpt[R_ACTION])) < 0 ||
	    dsn_record_sets(r, DSN_F_STATUS, s->rcpt[R_STATUS]) < 0 ||
	    dsn_record_sets(r, DSN_F_REMOTE_MTA,
	    report_strip_type(s->rcpt[R_REMOTE])) < 0 ||
	    dsn_record_sets(r, DSN_F_REPORTING_MTA,
	    report_strip_type(s->reporting)) < 0 ||
	    report_set_date(r, DSN_F_LAST_ATTEMPT, s->rcpt[R_LAST]) < 0)
		goto fail;
	if ((v = s->rcpt[R_DIAG]) != NULL) {
		semi = strchr(v, ';');
		if (semi != NULL && strcspn(v, " ") >= (size_t)(semi - v)) {
			if (dsn_record_set(r, DSN_F_DIAGNOSTIC_TYPE, v,
			    (size_t)(semi - v)) < 0)
				goto fail;
			v = semi + 1;
		}
		if (dsn_record_sets(r, DSN_F_DIAGNOSTIC, v) < 0)
			goto fail;
	}
	if (r->v[DSN_F_RECIPIENT] != NULL && text_diag(ctx, r) < 0)
		goto fail;
	if ((rc = report_add(ctx, r)) < 0)
		return -1;
	s->added += rc;
done:
	memset(s->rcpt, 0, sizeof(s->rcpt));
	return 0;
fail:
	dsn_record_free(r);
	return -1;
}

/* Takes one field into the state. */
static int
ds_field(struct ds_state *s, const struct msg_field *f)
{
	const char	*v;
	int		 i;

	if (msg_field_is(f, "Reporting-MTA")) {
		if (s->reporting == NULL)
			s->reporting = msg_unfold(s->ctx->msg->arena, f->value,
			    f->valuelen);
		return 0;
	}
	for (i = 0; i < R_COUNT; i++)
		if (msg_field_is(f, rcpt_names[i]))
			break;
	if (i == R_COUNT)
		return 0;
	/*
	 * A field seen twice starts the next recipient: some reports
	 * leave out the blank line between recipient blocks.
	 */
	if (s->rcpt[i] != NULL && (s->rcpt[R_FINAL] != NULL ||
	    s->rcpt[R_ORIG] != NULL || s->rcpt[R_ACTUAL] != NULL) &&
	    ds_close(s) < 0)
		return -1;
	if (s->rcpt[i] != NULL)
		return 0;
	if ((v = msg_unfold(s->ctx->msg->arena, f->value, f->valuelen)) ==
	    NULL)
		return -1;
	s->rcpt[i] = v;
	s->open = 1;
	return 0;
}

/* Walks the blocks of a delivery-status body. */
static int
ds_body(struct ds_state *s, const char *b, size_t len)
{
	struct msg_field	 f;
	const char		*line;
	size_t			 pos = 0, before, ll;

	while (pos < len) {
		before = pos;
		if (msg_field_next(b, len, &pos, &f)) {
			if (ds_field(s, &f) < 0)
				return -1;
			continue;
		}
		if (pos == before) {
			/* Not a field: skip the line. */
			msg_line_next(b, len, &pos, &line, &ll);
			continue;
		}
		/* A blank line ends a block. */
		if (s->rcpt[R_FINAL] != NULL || s->rcpt[R_ORIG] != NULL ||
		    s->rcpt[R_ACTUAL] != NULL)
			if (ds_close(s) < 0)
				return -1;
	}
	return ds_close(s);
}

static int
ds_parse(struct report_ctx *ctx)
{
	struct msg	*m = ctx->msg;
	struct msg_part	*p;
	struct ds_state	 s;
	const char	*b;
	size_t		 i, len;

	memset(&s, 0, sizeof(s));
	s.ctx = ctx;
	for (i = 0; i < (size_t)m->nparts; i++) {
		p = &m->parts[i];
		if (!is_ds_type(p->type))
			continue;
		/* Status fields glued to the part's own header. */
		for (len = p->field0; len < p->field0 + p->nfields; len++)
			if (!msg_startcase(m->fields[len].name,
			    m->fields[len].namelen, "Content-") &&
			    ds_field(&s, &m->fields[len]) < 0)
				return -1;
		if ((b = msg_part_body(m, p, &len)) == NULL ||
		    ds_body(&s, b, len) < 0)
			return -1;
		if (s.added > 0 || ctx->full)
			break;
	}
	if (s.added == 0 && (b = ds_inline(m, &len)) != NULL &&
	    ds_body(&s, b, len) < 0)
		return -1;
	return s.added;
}

const struct recog recog_rfc3464 = {
	"rfc3464", 0, ds_test, ds_parse
};
