/*
 * textblock.c - line-block helpers for the free-text bounce formats:
 * marker regions, recipient lines, multi-line replies joined, records.
 *
 * Works on the caller's bytes; joined diagnostics live in the message
 * arena; records are handed to report_add().
 */
#include <string.h>
#include <strings.h>

#include "report/textblock.h"

long
tb_find(const char *t, size_t len, const char *const *needles, size_t *nlen)
{
	const char	*p, *best = NULL;
	size_t		 bl = 0;
	int		 i;

	if (t == NULL || needles == NULL)
		return -1;
	for (i = 0; needles[i] != NULL; i++) {
		p = msg_memcasemem(t, best != NULL ? (size_t)(best - t) +
		    strlen(needles[i]) : len, needles[i], strlen(needles[i]));
		if (p != NULL && (best == NULL || p < best)) {
			best = p;
			bl = strlen(needles[i]);
		}
	}
	if (best == NULL)
		return -1;
	if (nlen != NULL)
		*nlen = bl;
	return (long)(best - t);
}

/* Offset of the start of the line holding t[i]. */
static size_t
line_start(const char *t, size_t i)
{
	while (i > 0 && t[i - 1] != '\n' && t[i - 1] != '\r')
		i--;
	return i;
}

int
tb_region(const char *t, size_t len, const char *const *starts,
    const char *const *ends, size_t *rs, size_t *rl)
{
	const char	*line;
	size_t		 pos = 0, nl, ll;
	long		 at;

	if (t == NULL)
		return 0;
	if (starts != NULL) {
		if ((at = tb_find(t, len, starts, &nl)) < 0)
			return 0;
		pos = (size_t)at + nl;
		/* Past the rest of the marker's line. */
		if (pos < len && t[pos] != '\n' && t[pos] != '\r')
			msg_line_next(t, len, &pos, &line, &ll);
		else if (pos < len)
			msg_line_next(t, len, &pos, &line, &ll);
	}
	*rs = pos;
	*rl = len - pos;
	if (ends != NULL && (at = tb_find(t + pos, len - pos, ends, &nl)) >= 0)
		*rl = line_start(t + pos, (size_t)at);
	return 1;
}

int
tb_addr_line(const char *l, size_t ll, int flags, size_t *as, size_t *al,
    size_t *rest)
{
	size_t	 i = 0, s, e;
	int	 angle = 0;

	while (i < ll && (l[i] == ' ' || l[i] == '\t'))
		i++;
	if (i < ll && l[i] == '<') {
		angle = 1;
		i++;
	} else if (flags & TB_ANGLE)
		return 0;
	s = i;
	while (i < ll && l[i] != ' ' && l[i] != '\t' && l[i] != '>' &&
	    l[i] != ',' && l[i] != ';' && !(l[i] == ':' && !angle))
		i++;
	e = i;
	if (e == s || !msg_addr_valid(l + s, e - s))
		return 0;
	if (angle) {
		if (i >= ll || l[i] != '>')
			return 0;
		i++;
	}
	/* Postfix: "<a@example.com> (expanded from <b@example.com>):". */
	if (i + 1 < ll && l[i] == ' ' && l[i + 1] == '(')
		for (i += 2; i < ll && l[i] != ')'; i++)
			;
	if (i < ll && l[i] == ')')
		i++;
	if (i < ll && l[i] == ':')
		i++;
	else if (flags & TB_COLON)
		return 0;
	else if (i < ll && l[i] != ' ' && l[i] != '\t' && l[i] != ',' &&
	    l[i] != '.')
		return 0;
	while (i < ll && (l[i] == ' ' || l[i] == '\t' || l[i] == ','))
		i++;
	*as = s;
	*al = e - s;
	*rest = i;
	return 1;
}

static int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

/*
 * Length of the "550-5.1.1 " or "550 " prefix of a continuation line
 * of the reply opened by first[0..3]; 0 when it has none.
 */
static size_t
cont_prefix(const char *l, size_t ll, const char *first, size_t fl)
{
	size_t	 i, j;

	if (ll < 4 || fl < 4 || !isdig((unsigned char)first[0]) ||
	    memcmp(l, first, 3) != 0 || (l[3] != '-' && l[3] != ' '))
		return 0;
	i = 4;
	/* The status the first line carried, repeated. */
	for (j = 4; j < fl && j < ll && first[j] != ' ' && first[j] == l[j];
	    j++)
		;
	if (j > 4 && j < ll && l[j] == ' ' && j < fl && first[j] == ' ')
		i = j + 1;
	return i;
}

/* The diagnostic lines joined to one line in the arena. */
static char *
join(struct arena *a, const char *d, size_t dl)
{
	const char	*line, *first = NULL;
	char		*out;
	size_t		 pos = 0, ll, fl = 0, o = 0, k;

	if ((out = arena_alloc(a, dl + 1)) == NULL)
		return NULL;
	while (msg_line_next(d, dl, &pos, &line, &ll)) {
		while (ll > 0 && (*line == ' ' || *line == '\t')) {
			line++;
			ll--;
		}
		if (ll == 0)
			continue;
		if (first == NULL) {
			first = line;
			fl = ll;
		} else if ((k = cont_prefix(line, ll, first, fl)) > 0) {
			line += k;
			ll -= k;
		}
		if (o > 0)
			out[o++] = ' ';
		memcpy(out + o, line, ll);
		o += ll;
	}
	out[o] = '\0';
	return out;
}

/* 1 when rec already has a record in this message's output. */
static int
seen(struct report_ctx *ctx, const char *addr)
{
	const char	*v;
	size_t		 i;

	for (i = ctx->first; i < ctx->out->n; i++) {
		v = ctx->out->v[i]->v[DSN_F_RECIPIENT];
		if (v != NULL && strcasecmp(v, addr) == 0)
			return 1;
	}
	return 0;
}

/*
 * A reply code opening the diagnostic as "550:" (qmail-style), which
 * status_reply_find() leaves alone; into rc (4 bytes).  1 or 0.
 */
static int
lead_reply(const char *d, char *rc)
{
	if ((d[0] != '4' && d[0] != '5') || !isdig((unsigned char)d[1]) ||
	    !isdig((unsigned char)d[2]) || d[3] != ':')
		return 0;
	memcpy(rc, d, 3);
	rc[3] = '\0';
	return 1;
}

/* The step named by a "[RCPT_TO]"-style tag (Yahoo and others). */
static const char *
tag_command(const char *d, size_t dl)
{
	if (d == NULL)
		return NULL;
	if (msg_memcasemem(d, dl, "[RCPT_TO]", 9) != NULL)
		return "RCPT";
	if (msg_memcasemem(d, dl, "[MAIL_FROM]", 11) != NULL)
		return "MAIL";
	if (msg_memcasemem(d, dl, "[DATA", 5) != NULL)
		return "DATA";
	return NULL;
}

int
tb_emit(struct report_ctx *ctx, const struct tb_hit *h)
{
	struct dsn_record	*r;
	const char		*rem = NULL, *said;
	char			*d, rc[4];
	size_t			 rl = 0;

	if ((r = report_new(ctx, "dsn")) == NULL)
		return -1;
	if (report_set_addr(ctx, r, DSN_F_RECIPIENT, h->addr, h->alen) < 0)
		goto fail;
	if (r->v[DSN_F_RECIPIENT] == NULL ||
	    !msg_addr_valid(r->v[DSN_F_RECIPIENT],
	    strlen(r->v[DSN_F_RECIPIENT])) || seen(ctx, r->v[DSN_F_RECIPIENT])) {
		dsn_record_free(r);
		return 0;
	}
	if (h->diag != NULL && h->dlen > 0) {
		if ((d = join(ctx->msg->arena, h->diag, h->dlen)) == NULL ||
		    dsn_record_sets(r, DSN_F_DIAGNOSTIC, d) < 0 ||
		    (h->reply == NULL && lead_reply(d, rc) &&
		    dsn_record_sets(r, DSN_F_REPLY_CODE, rc) < 0))
			goto fail;
	}
	if (h->remote != NULL)
		rem = h->remote, rl = h->rlen;
	else if (h->diag != NULL && msg_startcase(h->diag, h->dlen, "host ") &&
	    (said = msg_memcasemem(h->diag, h->dlen, " said:", 6)) != NULL)
		tb_host(h->diag, (size_t)(said - h->diag), &rem, &rl);
	if ((rem != NULL && dsn_record_set(r, DSN_F_REMOTE_MTA, rem, rl) <
	    0) || dsn_record_sets(r, DSN_F_SMTP_COMMAND, h->cmd != NULL ?
	    h->cmd : tag_command(h->diag, h->dlen)) < 0 ||
	    (h->reply != NULL &&
	    dsn_record_sets(r, DSN_F_REPLY_CODE, h->reply) < 0) ||
	    dsn_record_sets(r, DSN_F_ACTION, h->action != NULL ? h->action :
	    "failed") < 0)
		goto fail;
	return report_add(ctx, r);
fail:
	dsn_record_free(r);
	return -1;
}

static int
blank(const char *l, size_t ll)
{
	size_t	 i;

	for (i = 0; i < ll; i++)
		if (l[i] != ' ' && l[i] != '\t')
			return 0;
	return 1;
}

int
tb_blocks(struct report_ctx *ctx, const char *r, size_t rl, int flags,
    const struct tb_hit *proto)
{
	struct tb_hit	 h;
	const char	*line;
	size_t		 pos = 0, ll, as, al, rest, before;
	int		 n = 0, rc, open = 0, own = 0;

	while (before = pos, msg_line_next(r, rl, &pos, &line, &ll)) {
		if (tb_addr_line(line, ll, flags, &as, &al, &rest)) {
			if (open && (rc = tb_emit(ctx, &h)) < 0)
				return -1;
			n += open ? rc : 0;
			h = *proto;
			h.addr = line + as;
			h.alen = al;
			/* Text after the address, else proto's diagnostic. */
			own = (rest < ll);
			if (own) {
				h.diag = line + rest;
				h.dlen = ll - rest;
			}
			open = 1;
			continue;
		}
		if (!open)
			continue;
		if (blank(line, ll)) {
			if ((rc = tb_emit(ctx, &h)) < 0)
				return -1;
			n += rc;
			open = 0;
			continue;
		}
		if (!own)
			h.diag = r + before;
		own = 1;
		h.dlen = (size_t)(line + ll - h.diag);
	}
	if (open && (rc = tb_emit(ctx, &h)) < 0)
		return -1;
	return n + (open ? rc : 0);
}

int
tb_host(const char *s, size_t len, const char **hs, size_t *hl)
{
	const char	*b, *e;

	if ((b = memchr(s, '[', len)) == NULL)
		return 0;
	e = b;
	while (e > s && e[-1] == ' ')
		e--;
	b = e;
	while (b > s && b[-1] != ' ' && b[-1] != '\t' && b[-1] != '(')
		b--;
	if (b == e)
		return 0;
	*hs = b;
	*hl = (size_t)(e - b);
	return 1;
}
