/*
 * rfc3464.c - delivery status notifications (RFC 3464, RFC 6522,
 * RFC 6533): a message/delivery-status or message/global-delivery-status
 * part anywhere in the message, one record per recipient block.
 *
 * Field values are arena strings of the parsed message; records are
 * handed to report_add().
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "report/freetext.h"

enum {
	R_FINAL, R_ORIG, R_ACTUAL, R_ACTION, R_STATUS, R_REMOTE, R_DIAG,
	R_LAST, R_CATEGORY, R_COUNT
};

/* The names with their lengths: a field of another length is no one. */
#define NAME(s)	{ s, sizeof(s) - 1 }

static const struct {
	const char	*s;
	size_t		 len;
} rcpt_names[R_COUNT] = {
	NAME("Final-Recipient"), NAME("Original-Recipient"),
	NAME("X-Actual-Recipient"), NAME("Action"), NAME("Status"),
	NAME("Remote-MTA"), NAME("Diagnostic-Code"),
	NAME("Last-Attempt-Date"),
	/* PowerMTA's own class of the failure: bad-mailbox, quota-issues */
	NAME("X-PowerMTA-BounceCategory")
};
#undef NAME

/*
 * The fields ds_field() takes, by the length of their names: the one or
 * two of each length, plus one (R_REPORTING: Reporting-MTA); 0: none.
 */
#define R_REPORTING	R_COUNT
static const unsigned char by_len[26][2] = {
	[6] = { R_ACTION + 1, R_STATUS + 1 }, [10] = { R_REMOTE + 1 },
	[13] = { R_REPORTING + 1 }, [15] = { R_FINAL + 1, R_DIAG + 1 },
	[17] = { R_LAST + 1 }, [18] = { R_ORIG + 1, R_ACTUAL + 1 },
	[25] = { R_CATEGORY + 1 },
};

/*
 * 1 when the 8 bytes at s are those at name but for the case of letters
 * (name has only letters and '-'): where name has a letter (bit 6 set,
 * unlike '-') the case bit 0x20 is not compared.
 */
static int
eq8(const char *s, const char *name)
{
	uint64_t	 a, b;

	memcpy(&a, s, 8);
	memcpy(&b, name, 8);
	return ((a ^ b) & ~((b & 0x4040404040404040ull) >> 1)) == 0;
}

/* eq8() for 4 bytes. */
static int
eq4(const char *s, const char *name)
{
	uint32_t	 a, b;

	memcpy(&a, s, 4);
	memcpy(&b, name, 4);
	return ((a ^ b) & ~((b & 0x40404040u) >> 1)) == 0;
}

/*
 * 1 when s[0..n) is name[0..n) but for the case of letters (n >= 4):
 * 8 bytes at a time (4 when shorter), the last ones overlapping those
 * before.
 */
static int
name_eq(const char *s, const char *name, size_t n)
{
	size_t	 i;

	if (n < 8)
		return eq4(s, name) && eq4(s + n - 4, name + n - 4);
	for (i = 0; i + 8 < n; i += 8)
		if (!eq8(s + i, name + i))
			return 0;
	return eq8(s + n - 8, name + n - 8);
}

/* The R_* field f is (R_REPORTING: Reporting-MTA), or -1. */
static int
field_index(const struct msg_field *f)
{
	size_t	 k;
	int	 i;

	if (f->namelen >= sizeof(by_len) / sizeof(by_len[0]))
		return -1;
	for (k = 0; k < 2 && by_len[f->namelen][k] != 0; k++) {
		i = by_len[f->namelen][k] - 1;
		if (name_eq(f->name, i == R_REPORTING ? "Reporting-MTA" :
		    rcpt_names[i].s, f->namelen))
			return i;
	}
	return -1;
}

/*
 * Field values are views of msg_unfold_view(): in the body when a value
 * is one plain line, else unfolded into the arena; none holds a NUL.
 */
struct ds_state {
	struct report_ctx	*ctx;
	const char		*reporting;	/* Reporting-MTA, message level */
	size_t			 replen;
	const char		*rcpt[R_COUNT];
	size_t			 rlen[R_COUNT];
	int			 open;		/* rcpt holds something */
	int			 last;		/* rcpt index of the last field */
	int			 added;
};

/* Types are lowercase: most parts (text, multipart) fail on t[1]. */
static int
is_ds_type(const char *t)
{
	return t[0] == 'm' && t[1] == 'e' &&
	    (strcmp(t, "message/delivery-status") == 0 ||
	    strcmp(t, "message/global-delivery-status") == 0);
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

/*
 * 1 when b[0..n) holds "/delivery-status": memchr() from slash to
 * slash, as the word is rare and so are slashes in a bounce's text.
 */
static int
has_ds_word(const char *b, size_t n)
{
	const char	*p, *e = b + n;

	for (p = b; e - p >= 16 && (p = memchr(p, '/', (size_t)(e - p - 15))) !=
	    NULL; p++)
		if (memcmp(p, "/delivery-status", 16) == 0)
			return 1;
	return 0;
}

static int
ds_test(struct report_ctx *ctx)
{
	struct msg_part	*top = &ctx->msg->parts[0];

	if (ds_part(ctx->msg) != NULL)
		return 1;
	/* Cheap: one scan for the slashes of a single-part body. */
	return top->child < 0 && top->cte == MSG_CTE_IDENTITY &&
	    has_ds_word(top->body, top->bodylen);
}

/* Action a[0..n) normalised to the RFC 3464 words, or NULL. */
static const char *
action_word(const char *a, size_t n)
{
	static const struct {
		const char	*s;
		size_t		 len;
	} words[] = {
		{ "failed", 6 }, { "delayed", 7 }, { "delivered", 9 },
		{ "relayed", 7 }, { "expanded", 8 }
	};
	size_t	 i;

	if (a == NULL)
		return NULL;
	/* The word a starts with, or one starting with a (4 bytes up). */
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if ((n >= words[i].len || (n >= 4 && n <= words[i].len)) &&
		    msg_caseeq(a, words[i].s, n < words[i].len ? n :
		    words[i].len))
			return words[i].s;
	if (msg_startcase(a, n, "fail"))
		return "failed";
	if (msg_startcase(a, n, "deliverable"))
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
 * Non-zero when final's domain is orig's or a host under it: the
 * receiving site rewrote the address it was given into a name of its
 * own (an alias, a mailbox on an inner host).
 */
static int
same_site(const char *final, const char *orig)
{
	const char	*df = strrchr(final, '@'), *dor = strrchr(orig, '@');
	size_t		 lf, lo;

	if (df == NULL || dor == NULL)
		return 0;
	lf = strlen(++df);
	lo = strlen(++dor);
	if (lf == lo)
		return strcasecmp(df, dor) == 0;
	return lf > lo && df[lf - lo - 1] == '.' &&
	    strcasecmp(df + lf - lo, dor) == 0;
}

/*
 * The recipient: Final-Recipient, unless it is no full address and
 * X-Actual-Recipient or Original-Recipient is one.  A Final-Recipient
 * that the recipient's own site rewrote (same_site) gives way to a full
 * Original-Recipient: that is the address the sender knows, the one a
 * list owner can act on.  Forwarding to another domain keeps the final
 * address, where delivery failed.  orig is Original-Recipient's address
 * (msg_addr()), or NULL.
 */
static int
pick_rcpt(struct ds_state *s, struct dsn_record *r, const char *orig)
{
	static const int	 order[] = { R_FINAL, R_ACTUAL, R_ORIG };
	struct arena		*a = s->ctx->msg->arena;
	const char		*best = NULL, *v, *c;
	int			 i;

	for (i = 0; i < 3; i++) {
		if ((v = s->rcpt[order[i]]) == NULL)
			continue;
		c = order[i] == R_ORIG ? orig : msg_addr(a, v,
		    s->rlen[order[i]]);
		if (full_addr(c)) {
			best = c;
			break;
		}
		if (best == NULL)
			best = c;
	}
	if (best != NULL && i == 0 && full_addr(orig) &&
	    strcasecmp(best, orig) != 0 && same_site(best, orig))
		best = orig;
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
	const char	*d = r->v[DSN_F_DIAGNOSTIC];
	char		 st[16], rp[4];
	size_t		 tl, pos, ll, end, n;
	size_t		 dl = dsn_record_len(r, DSN_F_DIAGNOSTIC);
	size_t		 rl = dsn_record_len(r, DSN_F_RECIPIENT);

	if (d != NULL && (status_find(d, dl, st, sizeof(st)) ||
	    status_reply_find(d, dl, 0, rp)))
		return 0;
	if ((t = report_text(ctx, &tl)) == NULL ||
	    (p = msg_memcasemem(t, tl, rc, rl)) == NULL)
		return 0;
	pos = (size_t)(p - t) + rl;
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
	p = t + (size_t)(p - t) + rl;
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

/* dsn_record_set() of field f from a stripped value v[0..len). */
static int
set_stripped(struct dsn_record *r, enum dsn_field f, const char *v,
    size_t len)
{
	v = report_strip_type_len(v, &len);
	return dsn_record_set(r, f, v, len);
}

/* report_set_date() of the value v[0..len), NUL-terminated for it. */
static int
set_date(struct report_ctx *ctx, struct dsn_record *r, enum dsn_field f,
    const char *v, size_t len)
{
	char	 buf[64], *t = buf;

	if (v == NULL)
		return 0;
	if (len >= sizeof(buf) &&
	    (t = arena_strndup(ctx->msg->arena, v, len)) == NULL)
		return -1;
	if (t == buf) {
		memcpy(buf, v, len);
		buf[len] = '\0';
	}
	return report_set_date(r, f, t);
}

/*
 * The Diagnostic-Code v[0..len): its type, when the value starts with
 * a word and a ';', into DSN_F_DIAGNOSTIC_TYPE, the rest the diagnostic.
 */
static int
set_diag(struct dsn_record *r, const char *v, size_t len)
{
	const char	*semi;
	size_t		 n;

	if (v == NULL)
		return 0;
	if ((semi = memchr(v, ';', len)) != NULL &&
	    memchr(v, ' ', (n = (size_t)(semi - v))) == NULL) {
		if (dsn_record_set(r, DSN_F_DIAGNOSTIC_TYPE, v, n) < 0)
			return -1;
		len -= n + 1;
		v = semi + 1;
	}
	return dsn_record_set(r, DSN_F_DIAGNOSTIC, v, len);
}

/* Emits the pending recipient, if any. */
static int
ds_close(struct ds_state *s)
{
	struct report_ctx	*ctx = s->ctx;
	struct dsn_record	*r;
	const char		*orig;
	int			 rc;

	if (!s->open)
		return 0;
	s->open = 0;
	if (s->rcpt[R_FINAL] == NULL && s->rcpt[R_ORIG] == NULL &&
	    s->rcpt[R_ACTUAL] == NULL)
		goto done;
	if ((r = report_new(ctx, "dsn")) == NULL)
		return -1;
	/* Original-Recipient's address, read once for both its uses. */
	orig = s->rcpt[R_ORIG] != NULL ? msg_addr(ctx->msg->arena,
	    s->rcpt[R_ORIG], s->rlen[R_ORIG]) : NULL;
	if (pick_rcpt(s, r, orig) < 0 ||
	    dsn_record_sets(r, DSN_F_ORIGINAL_RECIPIENT, orig) < 0)
		goto fail;
	if (dsn_record_sets(r, DSN_F_ACTION, action_word(s->rcpt[R_ACTION],
	    s->rlen[R_ACTION])) < 0 ||
	    dsn_record_set(r, DSN_F_STATUS, s->rcpt[R_STATUS],
	    s->rlen[R_STATUS]) < 0 ||
	    set_stripped(r, DSN_F_REMOTE_MTA, s->rcpt[R_REMOTE],
	    s->rlen[R_REMOTE]) < 0 ||
	    set_stripped(r, DSN_F_REPORTING_MTA, s->reporting,
	    s->replen) < 0 ||
	    set_date(ctx, r, DSN_F_LAST_ATTEMPT, s->rcpt[R_LAST],
	    s->rlen[R_LAST]) < 0 ||
	    dsn_record_set(r, DSN_F_CATEGORY, s->rcpt[R_CATEGORY],
	    s->rlen[R_CATEGORY]) < 0 ||
	    set_diag(r, s->rcpt[R_DIAG], s->rlen[R_DIAG]) < 0)
		goto fail;
	if (r->v[DSN_F_RECIPIENT] != NULL && text_diag(ctx, r) < 0)
		goto fail;
	if ((rc = report_add(ctx, r)) < 0)
		return -1;
	s->added += rc;
done:
	memset(s->rcpt, 0, sizeof(s->rcpt));
	memset(s->rlen, 0, sizeof(s->rlen));
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
	size_t		 n;
	int		 i;

	if ((i = field_index(f)) == R_REPORTING) {
		if (s->reporting == NULL)
			s->reporting = msg_unfold_view(s->ctx->msg->arena,
			    f->value, f->valuelen, &s->replen);
		return 0;
	}
	if (i < 0)
		return 0;
	if ((v = msg_unfold_view(s->ctx->msg->arena, f->value, f->valuelen,
	    &n)) == NULL)
		return -1;
	/*
	 * A line written twice in a row, or a value after an empty one,
	 * is the same block's.  (Only in a row: a block without a blank
	 * line before it may start with the Action the last one ended in.)
	 */
	if (s->rcpt[i] != NULL && ((s->last == i && s->rlen[i] == n &&
	    memcmp(s->rcpt[i], v, n) == 0) || s->rlen[i] == 0)) {
		if (s->rlen[i] == 0) {
			s->rcpt[i] = v;
			s->rlen[i] = n;
		}
		return 0;
	}
	s->last = i;
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
	s->rcpt[i] = v;
	s->rlen[i] = n;
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
		/*
		 * A blank line ends a block.  Recipient fields of a block
		 * that named no recipient (a repeat left over after a
		 * block was closed early, or a per-message block carrying
		 * a per-recipient field) belong to no one: carried on,
		 * they would be the next recipient's, and each following
		 * block would get the one before it's.
		 */
		if (s->rcpt[R_FINAL] != NULL || s->rcpt[R_ORIG] != NULL ||
		    s->rcpt[R_ACTUAL] != NULL) {
			if (ds_close(s) < 0)
				return -1;
		} else if (s->open) {
			memset(s->rcpt, 0, sizeof(s->rcpt));
			memset(s->rlen, 0, sizeof(s->rlen));
			s->open = 0;
		}
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

/*
 * ---- A report without recipient blocks ----
 *
 * Postfix writes "--- Delivery report unavailable ---" and a
 * delivery-status part holding the per-message fields only.  Last in
 * the table, after every text format has had its go: the recipients
 * are the readable text's "<rcpt>: ... 550 ..." lines, else the one
 * address the returned message was sent to (X-Original-To,
 * Delivered-To, To and Cc) when the text has a paragraph saying that
 * delivery failed (or was delayed: the action).  The format
 * "rfc3464-hint" marks these records as read from hints; the second
 * kind has no diagnostic, as the report gives no reason.
 * XXX hint: the phrase lists saying failed or delayed are English.
 */

#define HINT_LINES	2000		/* text lines looked at */
#define HINT_BLOCK	1024		/* bytes of one "<rcpt>:" block */
#define HINT_PARA	2048		/* bytes of the failure paragraph */
#define HINT_FIELDS	64		/* header fields of the returned copy */

static const char *const hint_failed[] = {
	"could not be delivered", "couldn't be delivered",
	"cannot be delivered", "was not delivered", "undeliverable",
	"delivery failed", "delivery has failed", "failed to deliver",
	"permanent fatal error", "permanent error", NULL
};

static const char *const hint_delayed[] = {
	"has been delayed", "have been delayed", "not yet been delivered",
	"will continue trying", "will keep trying", "warning only", NULL
};

/*
 * The top-level delivery-status part, when it has per-message fields
 * but no recipient field at all; else NULL.
 */
static struct msg_part *
hint_part(struct msg *m)
{
	static const char *const msg_fields[] = {
		"Reporting-MTA:", "Arrival-Date:", "Received-From-MTA:", NULL
	};
	struct msg_part	*p;
	const char	*b;
	size_t		 len;
	int		 i, j;

	for (i = 0; i < m->nparts; i++) {
		p = &m->parts[i];
		if (!is_ds_type(p->type) || report_in_returned(m, i))
			continue;
		if ((b = msg_part_body(m, p, &len)) == NULL)
			return NULL;
		for (j = R_FINAL; j <= R_ACTUAL; j++)
			if (msg_memcasemem(b, len, rcpt_names[j].s,
			    rcpt_names[j].len) != NULL ||
			    msg_field_get(m, p, rcpt_names[j].s) != NULL)
				return NULL;
		for (j = 0; msg_fields[j] != NULL; j++)
			if (msg_memcasemem(b, len, msg_fields[j],
			    strlen(msg_fields[j])) != NULL)
				return p;
		return NULL;
	}
	return NULL;
}

/* Offset where the line after the block opened at pos ends. */
static size_t
hint_block(const char *t, size_t tl, size_t pos)
{
	const char	*line;
	size_t		 start = pos, end = pos, ll;

	while (pos - start < HINT_BLOCK && pos < tl &&
	    (t[pos] == ' ' || t[pos] == '\t') &&
	    msg_line_next(t, tl, &pos, &line, &ll) && !ft_blank(line, ll))
		end = pos;
	return end;
}

/*
 * The text's "<rcpt>: ..." lines (with their indented continuation)
 * that carry a status or a reply code.  Returns the records added, or
 * -1 on allocation failure.
 */
static int
hint_lines(struct report_ctx *ctx, const char *t, size_t tl,
    const char *action)
{
	struct ft_hit	 h;
	const char	*line;
	char		 st[16], rc[4];
	size_t		 pos = 0, ll, as, al, rest, end;
	int		 n = 0, k, lines = 0;

	while (lines++ < HINT_LINES && msg_line_next(t, tl, &pos, &line,
	    &ll)) {
		if (!ft_addr_lead(line, ll, FT_COLON, &as, &al, &rest) ||
		    rest >= ll)
			continue;
		end = hint_block(t, tl, pos);
		memset(&h, 0, sizeof(h));
		h.addr = line + as;
		h.alen = al;
		h.diag = line + rest;
		h.dlen = (size_t)(t + end - h.diag);
		h.action = action;
		if (h.dlen > HINT_BLOCK)
			h.dlen = HINT_BLOCK;
		if (!status_find(h.diag, h.dlen, st, sizeof(st)) &&
		    !status_reply_find(h.diag, h.dlen, 0, rc))
			continue;
		if ((k = ft_emit(ctx, &h)) < 0)
			return -1;
		n += k;
		pos = end > pos ? end : pos;
	}
	return n;
}

/*
 * The first paragraph of t[0..tl) saying that delivery failed (or was
 * delayed: *action), unfolded into the arena; NULL when none (or on
 * allocation failure: *oom).
 */
static char *
hint_para(struct report_ctx *ctx, const char *t, size_t tl,
    const char **action, int *oom)
{
	const char	*line;
	char		*u;
	size_t		 pos = 0, ps = 0, ll, len;
	int		 lines = 0, open = 0, delayed;

	*oom = 0;
	for (;;) {
		size_t	 before = pos;
		int	 more = lines++ < HINT_LINES &&
		    msg_line_next(t, tl, &pos, &line, &ll);
		if (more && !ft_blank(line, ll)) {
			if (!open)
				ps = before;
			open = 1;
			continue;
		}
		if (open) {
			len = before - ps > HINT_PARA ? HINT_PARA : before - ps;
			if ((u = ft_unfold(ctx->msg->arena, t + ps, len)) ==
			    NULL) {
				*oom = 1;
				return NULL;
			}
			delayed = ft_find_any(u, strlen(u), hint_delayed,
			    &ll) >= 0;
			if (delayed || ft_find_any(u, strlen(u), hint_failed,
			    &ll) >= 0) {
				*action = delayed ? "delayed" : "failed";
				return u;
			}
		}
		open = 0;
		if (!more)
			return NULL;
	}
}

/* Adds a to the distinct addresses c[0..*n) (at most 2 kept). */
static int
hint_cand(struct report_ctx *ctx, char **c, int *n, const char *v)
{
	size_t	 off = 0, st, al;
	char	*a;
	int	 i;

	while (*n < 3 && v != NULL && msg_addr_find(v + off, strlen(v + off),
	    &st, &al)) {
		if ((a = arena_strndup(ctx->msg->arena, v + off + st, al)) ==
		    NULL)
			return -1;
		off += st + al;
		for (i = 0; i < *n && strcasecmp(c[i], a) != 0; i++)
			;
		if (i == *n) {
			if (*n == 2) {
				*n = 3;		/* too many: none taken */
				return 0;
			}
			c[(*n)++] = a;
		}
	}
	return 0;
}

/*
 * The one address the returned message was sent to, from its
 * envelope hints and To/Cc; NULL when none or several (or on
 * allocation failure: *oom).
 */
static const char *
hint_envelope(struct report_ctx *ctx, int *oom)
{
	static const char *const names[] = {
		"X-Original-To", "Delivered-To", "To", "Cc", NULL
	};
	struct msg		*m = ctx->msg;
	struct msg_part		*ret;
	const struct msg_field	*f;
	char			*c[2];
	size_t			 i;
	int			 n = 0, j;

	*oom = 0;
	if ((ret = report_returned(ctx)) == NULL)
		return NULL;
	for (i = 0; i < ret->nfields && i < HINT_FIELDS && n < 3; i++) {
		f = &m->fields[ret->field0 + i];
		for (j = 0; names[j] != NULL && !msg_field_is(f, names[j]);
		    j++)
			;
		if (names[j] != NULL && hint_cand(ctx, c, &n,
		    msg_field_value(m, f)) < 0) {
			*oom = 1;
			return NULL;
		}
	}
	return n == 1 ? c[0] : NULL;
}

static int
hint_test(struct report_ctx *ctx)
{
	return ds_part(ctx->msg) != NULL;
}

static int
hint_parse(struct report_ctx *ctx)
{
	struct dsn_record	*r;
	struct msg_part		*p;
	struct ds_state		 s;
	const char		*t, *b, *rcpt, *action = "failed";
	char			*para;
	size_t			 tl, bl;
	int			 n, oom, none;

	if ((p = hint_part(ctx->msg)) == NULL ||
	    (t = report_text(ctx, &tl)) == NULL)
		return 0;
	if ((para = hint_para(ctx, t, tl, &action, &oom)) == NULL)
		return oom ? -1 : 0;
	if ((n = hint_lines(ctx, t, tl, action)) != 0)
		return n;
	if ((rcpt = hint_envelope(ctx, &oom)) == NULL)
		return oom ? -1 : 0;
	/*
	 * The paragraph says only that delivery failed, not why: no
	 * diagnostic (the record's reason stays undefined).
	 */
	if ((r = ft_record(ctx, rcpt, strlen(rcpt), NULL, 0, action,
	    &none)) == NULL)
		return none ? 0 : -1;
	/* The per-message fields: Reporting-MTA. */
	memset(&s, 0, sizeof(s));
	s.ctx = ctx;
	if ((b = msg_part_body(ctx->msg, p, &bl)) != NULL &&
	    ds_body(&s, b, bl) < 0) {
		dsn_record_free(r);
		return -1;
	}
	if (set_stripped(r, DSN_F_REPORTING_MTA, s.reporting,
	    s.replen) < 0) {
		dsn_record_free(r);
		return -1;
	}
	return ft_add(ctx, r);
}

const struct recog recog_rfc3464_hint = {
	"rfc3464-hint", 0, hint_test, hint_parse
};
