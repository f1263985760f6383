/*
 * freetext.c - what the free-text bounce formats share: phrase, line
 * and region search, address lines, unfolding, SMTP reply bits, records
 * from recipient lines and blocks, RFC 3464 fields written as text.
 * Works on the caller's bytes; strings made here live in the message
 * arena; records belong to the caller until handed to report_add().
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "report/freetext.h"

/* ---- text and lines ---- */

size_t
ft_find(const char *t, size_t len, size_t from, const char *needle)
{
	const char	*p;

	if (t == NULL || from >= len)
		return len;
	p = msg_memcasemem(t + from, len - from, needle, strlen(needle));
	return p == NULL ? len : (size_t)(p - t);
}

/*
 * Bytes the needles all start with, but for the case of letters (as
 * msg_startcase() compares them).
 */
static size_t
common_prefix(const char *const *needles)
{
	size_t		 n, i;
	unsigned char	 a, b;
	int		 k;

	n = strlen(needles[0]);
	for (k = 1; needles[k] != NULL; k++)
		for (i = 0; i < n; i++) {
			a = (unsigned char)needles[0][i];
			b = (unsigned char)needles[k][i];
			if (a != b && ((a ^ b) != 0x20 || (a | 0x20) < 'a' ||
			    (a | 0x20) > 'z')) {
				n = i;
				break;
			}
		}
	return n;
}

/*
 * ft_find_any() for needles sharing their first pl bytes: the places
 * of that prefix in turn, each tried with the needles in list order.
 * The first place where one matches is the earliest of all, so one
 * pass replaces one pass per needle.
 */
static long
find_by_prefix(const char *t, size_t len, const char *const *needles,
    size_t pl, size_t *nlen)
{
	const char	*p;
	size_t		 at, from = 0;
	int		 i;

	while (from < len && (p = msg_memcasemem(t + from, len - from,
	    needles[0], pl)) != NULL) {
		at = (size_t)(p - t);
		for (i = 0; needles[i] != NULL; i++)
			if (msg_startcase(p, len - at, needles[i])) {
				if (nlen != NULL)
					*nlen = strlen(needles[i]);
				return (long)at;
			}
		from = at + 1;
	}
	return -1;
}

long
ft_find_any(const char *t, size_t len, const char *const *needles,
    size_t *nlen)
{
	const char	*p, *best = NULL;
	size_t		 bl = 0, nl, lim, pl;
	int		 i;

	if (t == NULL || needles == NULL)
		return -1;
	/* A shared opening long enough to be rare in text ("--- "). */
	if (needles[0] != NULL && needles[1] != NULL &&
	    (pl = common_prefix(needles)) >= 4)
		return find_by_prefix(t, len, needles, pl, nlen);
	for (i = 0; needles[i] != NULL; i++) {
		nl = strlen(needles[i]);
		/* Once one is found, only places before it are searched. */
		lim = best != NULL ? (size_t)(best - t) + nl - 1 : len;
		p = msg_memcasemem(t, lim < len ? lim : len, needles[i], nl);
		if (p != NULL && (best == NULL || p < best)) {
			best = p;
			bl = nl;
		}
	}
	if (best == NULL)
		return -1;
	if (nlen != NULL)
		*nlen = bl;
	return (long)(best - t);
}

size_t
ft_after(const char *t, size_t len, const char *marker)
{
	const char	*p;
	size_t		 pos, ll;
	const char	*line;

	if (t == NULL || (p = msg_memcasemem(t, len, marker,
	    strlen(marker))) == NULL)
		return FT_NONE;
	pos = (size_t)(p - t);
	if (!msg_line_next(t, len, &pos, &line, &ll))
		return len;
	return pos;
}

int
ft_region(const char *t, size_t len, const char *const *starts,
    const char *const *ends, size_t *rs, size_t *rl)
{
	const char	*line;
	size_t		 pos = 0, nl, ll;
	long		 at;

	if (t == NULL)
		return 0;
	if (starts != NULL) {
		if ((at = ft_find_any(t, len, starts, &nl)) < 0)
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
	if (ends != NULL && (at = ft_find_any(t + pos, len - pos, ends, &nl)) >= 0)
		*rl = ft_bol(t + pos, (size_t)at);
	return 1;
}

int
ft_has_mark(const char *s, const char *const *marks, int prefix)
{
	size_t	 n;
	int	 i;

	if (s == NULL)
		return 0;
	n = strlen(s);
	for (i = 0; marks[i] != NULL; i++)
		if (prefix ? msg_startcase(s, n, marks[i]) :
		    msg_memcasemem(s, n, marks[i], strlen(marks[i])) != NULL)
			return 1;
	return 0;
}

size_t
ft_eol(const char *t, size_t len, size_t pos)
{
	if (pos < len)
		pos += msg_eol(t + pos, len - pos);
	if (pos < len && t[pos] == '\r')
		pos++;
	if (pos < len && t[pos] == '\n')
		pos++;
	return pos;
}

size_t
ft_bol(const char *t, size_t pos)
{
	while (pos > 0 && t[pos - 1] != '\n' && t[pos - 1] != '\r')
		pos--;
	return pos;
}

void
ft_trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

size_t
ft_indent(const char *line, size_t ll)
{
	size_t	 i, w = 0;

	for (i = 0; i < ll && (line[i] == ' ' || line[i] == '\t'); i++)
		w += line[i] == '\t' ? 8 : 1;
	return w;
}

int
ft_blank(const char *line, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t')
			return 0;
	return 1;
}

/* 1 for the bytes ft_unfold() turns into word gaps. */
static int
unfold_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

char *
ft_unfold(struct arena *a, const char *s, size_t len)
{
	char	*out, *o;
	size_t	 i = 0;

	if ((out = arena_alloc(a, len + 1)) == NULL)
		return NULL;
	o = out;
	for (;;) {
		while (i < len && unfold_blank(s[i]))
			i++;
		if (i == len)
			break;
		/* A word, after one space unless it is the first. */
		if (o != out)
			*o++ = ' ';
		while (i < len && !unfold_blank(s[i]))
			*o++ = s[i++];
	}
	*o = '\0';
	return out;
}

static const char *const hdr_names[FT_NHDR] = {
	"From", "Subject", "Received", "Message-ID"
};

const struct msg_field *
ft_field_find(struct report_ctx *ctx, enum ft_hdr h)
{
	struct ft_hdrs	*c = ctx->hdrs;

	if (c == NULL) {
		/* Out of memory: looked up each time, as before. */
		if ((c = arena_alloc(ctx->msg->arena, sizeof(*c))) == NULL)
			return msg_field_get(ctx->msg, NULL, hdr_names[h]);
		memset(c, 0, sizeof(*c));
		ctx->hdrs = c;
	}
	if (!c->looked[h]) {
		c->f[h] = msg_field_get(ctx->msg, NULL, hdr_names[h]);
		c->looked[h] = 1;
	}
	return c->f[h];
}

const char *
ft_header_find(struct report_ctx *ctx, enum ft_hdr h)
{
	const struct msg_field	*f;
	const char		*v = NULL;

	/* Not kept when decoding ran out of memory: tried again. */
	if ((f = ft_field(ctx, h)) != NULL &&
	    (v = msg_field_value(ctx->msg, f)) == NULL)
		return NULL;
	if (ctx->hdrs != NULL) {
		ctx->hdrs->v[h] = v;
		ctx->hdrs->decoded[h] = 1;
	}
	return v;
}

/*
 * A field by name, From and Subject through ft_field(); the first
 * byte spares most names a strcmp().
 */
static const struct msg_field *
hdr_get(struct report_ctx *ctx, const char *field)
{
	if (field[0] == 'F' && strcmp(field, "From") == 0)
		return ft_field(ctx, FT_FROM);
	if (field[0] == 'S' && strcmp(field, "Subject") == 0)
		return ft_field(ctx, FT_SUBJECT);
	return msg_field_get(ctx->msg, NULL, field);
}

int
ft_hdr_has(struct report_ctx *ctx, const char *field, const char *s)
{
	const struct msg_field	*f;

	f = hdr_get(ctx, field);
	return f != NULL && msg_memcasemem(f->value, f->valuelen, s,
	    strlen(s)) != NULL;
}

int
ft_hdr_has_any(struct report_ctx *ctx, const char *field,
    const char *const *phrases)
{
	const struct msg_field	*f;

	f = hdr_get(ctx, field);
	return f != NULL && ft_find_any(f->value, f->valuelen, phrases,
	    NULL) >= 0;
}

/*
 * 1 when s[0..n) holds w[0..wl): memchr(3) for its first capital (rare
 * in header values: few places to compare), else for its first byte.
 */
static int
has_word(const char *s, size_t n, const char *w, size_t wl)
{
	const char	*p, *end;
	size_t		 k;

	if (wl == 0 || n < wl)
		return wl == 0;
	for (k = 0; k < wl && (w[k] < 'A' || w[k] > 'Z'); k++)
		;
	if (k == wl)
		k = 0;
	/* The places of w[k] from k on; w starts k bytes before. */
	end = s + (n - wl) + k + 1;
	for (p = s + k; p < end && (p = memchr(p, w[k], (size_t)(end - p))) !=
	    NULL; p++)
		if (memcmp(p - k, w, wl) == 0)
			return 1;
	return 0;
}

/* 1 when v[0..n) holds an ISO 2022 escape or an encoded word's "=?". */
static int
coded(const char *v, size_t n)
{
	const char	*p, *e = v + n;

	if (memchr(v, 0x1b, n) != NULL)
		return 1;
	for (p = v; (p = memchr(p, '=', (size_t)(e - p))) != NULL; p++)
		if (p + 1 < e && p[1] == '?')
			return 1;
	return 0;
}

int
ft_hdr_may(struct report_ctx *ctx, enum ft_hdr h, const char *word)
{
	const struct msg_field	*f;
	int			 c;

	if ((f = ft_field(ctx, h)) == NULL)
		return 0;
	/*
	 * Unfolding turns each run of blanks and controls into one byte and
	 * copies the rest as it is, so without decoding a word of the value
	 * is a word of the raw field.  Which it is, is found once.
	 */
	if (ctx->hdrs != NULL && ctx->hdrs->coded[h] != 0)
		c = ctx->hdrs->coded[h] == 2;
	else {
		c = coded(f->value, f->valuelen);
		if (ctx->hdrs != NULL)
			ctx->hdrs->coded[h] = c ? 2 : 1;
	}
	return c || has_word(f->value, f->valuelen, word, strlen(word));
}

/* ---- addresses ---- */

int
ft_addr_only(const char *line, size_t ll, int flags, size_t *as,
    size_t *al)
{
	const char	*s = line;
	size_t		 n = ll, st, an;
	char		 close = 0;

	ft_trim(&s, &n);
	if (n >= 2 && s[0] == '*' && s[1] == ' ') {
		s += 2;
		n -= 2;
	} else if (n >= 4 && strncmp(s, ">>> ", 4) == 0) {
		s += 4;
		n -= 4;
	}
	ft_trim(&s, &n);
	if (n > 0 && s[n - 1] == ':') {
		n--;
		ft_trim(&s, &n);
	} else if (flags & FT_COLON)
		return 0;
	if (n > 0 && (s[0] == '<' || s[0] == '"')) {
		close = s[0] == '<' ? '>' : '"';
		if (n < 3 || s[n - 1] != close)
			return 0;
		s++;
		n -= 2;
	}
	if ((flags & FT_ANGLE) && close != '>')
		return 0;
	if (n == 0 || memchr(s, ' ', n) != NULL ||
	    memchr(s, '\t', n) != NULL || !msg_addr_valid(s, n))
		return 0;
	if (!msg_addr_find(s, n, &st, &an) || st != 0 || an != n)
		return 0;
	*as = (size_t)(s - line);
	*al = n;
	return 1;
}

/*
 * 1 for the bytes that end an FT_WORD address: blanks, "<>,;" and NUL
 * (as strchr(" \t<>,;", c) finds it), tested inline: one call a byte
 * cost more than the rest of the scan.
 */
static int
word_end(char c)
{
	return c == ' ' || c == '\t' || c == '<' || c == '>' || c == ',' ||
	    c == ';' || c == '\0';
}

int
ft_addr_lead(const char *l, size_t ll, int flags, size_t *as, size_t *al,
    size_t *rest)
{
	size_t	 i = 0, s, e;
	int	 angle = 0;

	while (i < ll && (l[i] == ' ' || l[i] == '\t'))
		i++;
	if (i < ll && l[i] == '<') {
		angle = 1;
		i++;
	} else if (flags & FT_ANGLE)
		return 0;
	s = i;
	if (flags & FT_WORD) {
		/* The first word, whatever follows it. */
		while (i < ll && !word_end(l[i]))
			i++;
		if (i == s || !msg_addr_valid(l + s, i - s))
			return 0;
		*as = s;
		*al = i - s;
		*rest = i;
		return 1;
	}
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
	else if (flags & FT_COLON)
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

int
ft_addr_first(const char *s, size_t len, size_t *start, size_t *alen)
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

int
ft_in_list(const char *l, const char *s, size_t n)
{
	const char	*p;
	size_t		 k;

	for (p = l; p != NULL && *p != '\0'; ) {
		p += strspn(p, " ,\t<");
		k = strcspn(p, ", \t>");
		if (k == n && strncasecmp(p, s, n) == 0)
			return 1;
		p += k;
		p += strcspn(p, ",");
	}
	return 0;
}

char *
ft_list_nth(struct report_ctx *ctx, const char *l, int nth)
{
	const char	*p;
	size_t		 k;

	for (p = l; p != NULL && *p != '\0'; nth--) {
		p += strspn(p, " ,\t");
		k = strcspn(p, ",");
		if (k == 0)
			break;
		if (nth == 0)
			return msg_addr(ctx->msg->arena, p, k);
		p += k;
	}
	return NULL;
}

int
ft_host(const char *s, size_t len, const char **hs, size_t *hl)
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

/* ---- SMTP ---- */

int
ft_reply_at(const char *p, size_t n, char *rc)
{
	if (n < 3 || (p[0] != '2' && p[0] != '4' && p[0] != '5') ||
	    !isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]))
		return 0;
	memcpy(rc, p, 3);
	rc[3] = '\0';
	return 1;
}

const char *
ft_smtp_verb(const char *s, size_t n)
{
	static const char *const verbs[] = {
		"RCPT", "RCPT", "MAIL", "MAIL", "DATA", "DATA", "EHLO", "HELO",
		"HELO", "HELO", "CONN", "CONN", ".", "DATA", NULL
	};
	int	 i;

	ft_trim(&s, &n);
	for (i = 0; verbs[i] != NULL; i += 2)
		if (msg_startcase(s, n, verbs[i]))
			return verbs[i + 1];
	return NULL;
}
/* ---- records ---- */

struct dsn_record *
ft_record(struct report_ctx *ctx, const char *addr, size_t alen,
    const char *d, size_t dl, const char *action, int *none)
{
	struct dsn_record	*r;
	int			 k;

	*none = 0;
	if ((r = report_new(ctx, "dsn")) == NULL)
		return NULL;
	if ((k = report_set_addr(ctx, r, DSN_F_RECIPIENT, addr, alen)) <= 0) {
		dsn_record_free(r);
		*none = k == 0;
		return NULL;
	}
	if ((d != NULL && dsn_record_set(r, DSN_F_DIAGNOSTIC, d, dl) < 0) ||
	    (action != NULL && dsn_record_sets(r, DSN_F_ACTION, action) < 0)) {
		dsn_record_free(r);
		return NULL;
	}
	return r;
}

int
ft_add(struct report_ctx *ctx, struct dsn_record *r)
{
	const char	*rc;
	int		 k;

	if ((k = report_add(ctx, r)) <= 0)
		return k;
	/* RFC 5321 4.2.1: the second digit is 0 to 5; "571" is no reply. */
	rc = r->v[DSN_F_REPLY_CODE];
	if (rc != NULL && strlen(rc) == 3 && rc[1] > '5')
		(void)dsn_record_set(r, DSN_F_REPLY_CODE, NULL, 0);
	return k;
}

int
ft_record_add(struct report_ctx *ctx, const char *addr, size_t alen,
    const char *d, size_t dl)
{
	struct dsn_record	*r;
	int			 none;

	if ((r = ft_record(ctx, addr, alen, d, dl, "failed", &none)) == NULL)
		return none ? 0 : -1;
	return ft_add(ctx, r);
}

int
ft_add_text(struct report_ctx *ctx, const char *a, size_t alen,
    const char *d, size_t dlen, const char *action)
{
	struct dsn_record	*r;
	size_t			 st, al;
	char			*v;
	int			 none;

	if (!ft_addr_first(a, alen, &st, &al))
		return 0;
	if ((r = ft_record(ctx, a + st, al, NULL, 0, action != NULL ?
	    action : "failed", &none)) == NULL)
		return none ? 0 : -1;
	if (d != NULL) {
		if ((v = ft_unfold(ctx->msg->arena, d, dlen)) == NULL ||
		    (*v != '\0' && dsn_record_sets(r, DSN_F_DIAGNOSTIC, v) < 0)) {
			dsn_record_free(r);
			return -1;
		}
	}
	return report_add(ctx, r);
}

struct dsn_record *
ft_last(struct report_ctx *ctx)
{
	if (ctx->out->n <= ctx->first)
		return NULL;
	return ctx->out->v[ctx->out->n - 1];
}

/*
 * Length of the "550-5.1.1 " or "550 " prefix of a continuation line
 * of the reply opened by first[0..3]; 0 when it has none.
 */
static size_t
cont_prefix(const char *l, size_t ll, const char *first, size_t fl)
{
	size_t	 i, j;

	if (ll < 4 || fl < 4 || !isdigit((unsigned char)first[0]) ||
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
	return d[0] != '2' && ft_reply_at(d, strlen(d), rc) && d[3] == ':';
}

/*
 * The step named by a "[RCPT_TO]"-style tag (Yahoo and others); a tag
 * anywhere wins over the ones after it in this order.  One pass over
 * the '[' of d rather than one search per tag.
 */
static const char *
tag_command(const char *d, size_t dl)
{
	const char	*p, *e;
	int		 mail = 0, data = 0;

	if (d == NULL)
		return NULL;
	e = d + dl;
	for (p = d; (p = memchr(p, '[', (size_t)(e - p))) != NULL; p++) {
		if (msg_startcase(p, (size_t)(e - p), "[RCPT_TO]"))
			return "RCPT";
		mail |= msg_startcase(p, (size_t)(e - p), "[MAIL_FROM]");
		data |= msg_startcase(p, (size_t)(e - p), "[DATA");
	}
	return mail ? "MAIL" : data ? "DATA" : NULL;
}

int
ft_emit(struct report_ctx *ctx, const struct ft_hit *h)
{
	struct dsn_record	*r;
	const char		*rem = NULL, *said;
	char			*d = NULL, rc[4];
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
	else if (d != NULL && msg_startcase(d, strlen(d), "host ") &&
	    (said = strstr(d, " said:")) != NULL)
		ft_host(d, (size_t)(said - d), &rem, &rl);
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

/*
 * 1 when the diagnostic d[0..dl) stops where a remote reply is still to
 * come: it ends in "said:" or in a bare reply code, with or without an
 * enhanced status ("said: 550", "said: 550 5.1.1").  The indented line
 * after it is the reply's text even when it opens with an address, as
 * Postfix writes "said: 550" then "    <rcpt>: User unknown".
 */
static int
awaits_reply(const char *d, size_t dl)
{
	size_t	 e = dl, s, k;
	int	 words = 0;

	for (;;) {
		while (e > 0 && isspace((unsigned char)d[e - 1]))
			e--;
		if (e >= 5 && strncasecmp(d + e - 5, "said:", 5) == 0)
			return 1;
		for (s = e; s > 0 && !isspace((unsigned char)d[s - 1]); s--)
			;
		if (s == e || words == 2)
			return 0;
		k = e - s;
		if (words == 0 && k >= 5 && isdigit((unsigned char)d[s]) &&
		    d[s + 1] == '.' && strchr("245", d[s]) != NULL) {
			/* An enhanced status: the reply code must precede. */
			words = 1;
			e = s;
			continue;
		}
		if (k != 3 || strchr("245", d[s]) == NULL ||
		    !isdigit((unsigned char)d[s + 1]) ||
		    !isdigit((unsigned char)d[s + 2]))
			return 0;
		/* A reply code, preceded by "said:" or opening the text. */
		for (e = s; e > 0 && isspace((unsigned char)d[e - 1]); e--)
			;
		return e == 0 || (e >= 5 &&
		    strncasecmp(d + e - 5, "said:", 5) == 0);
	}
}

int
ft_blocks(struct report_ctx *ctx, const char *r, size_t rl, int flags,
    const struct ft_hit *proto)
{
	struct ft_hit	 h;
	const char	*line;
	size_t		 pos = 0, ll, as, al, rest, before;
	int		 n = 0, rc, open = 0, own = 0;

	while (before = pos, msg_line_next(r, rl, &pos, &line, &ll)) {
		if (ft_addr_lead(line, ll, flags, &as, &al, &rest) &&
		    !(open && own && ft_indent(line, ll) > 0 &&
		    awaits_reply(h.diag, h.dlen))) {
			if (open && (rc = ft_emit(ctx, &h)) < 0)
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
		if (ft_blank(line, ll)) {
			if ((rc = ft_emit(ctx, &h)) < 0)
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
	if (open && (rc = ft_emit(ctx, &h)) < 0)
		return -1;
	return n + (open ? rc : 0);
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
	v = ft_unfold(ctx->msg->arena, g->v[i], (size_t)(g->e[i] - g->v[i]));
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
	if (inner_reply(ft_last(ctx)) < 0)
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
ft_ds(struct report_ctx *ctx, const char *t, size_t len)
{
	struct tgroup	 g;
	const char	*line, *reporting = NULL;
	size_t		 pos = 0, ll;
	int		 f, last = -1, n = 0, rc;

	memset(&g, 0, sizeof(g));
	while (msg_line_next(t, len, &pos, &line, &ll)) {
		if ((line[0] == ' ' || line[0] == '\t') && ll > 0 &&
		    !ft_blank(line, ll)) {
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
