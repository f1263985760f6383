/*
 * common.c - what every recogniser shares: making, completing and
 * appending records, the report's text, the returned message.
 *
 * The shared fields of a message are built once into ctx->base (owned
 * by the context, freed by dsn_report_scan()); each record is a copy
 * owned by the output list once report_add() succeeds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "message/vec.h"
#include "message/word.h"
#include "report/recog.h"

/*
 * A stable digest of the message bytes, line endings left out: the
 * bytes but CR and LF make one stream, hashed a 64-bit word at a time
 * into two lanes.  A message keeps its digest whatever its line ends.
 */
struct digest {
	uint64_t	 h1, h2;	/* the lanes; each word goes into both */
	uint64_t	 acc;		/* the next word, sl bits of it */
	unsigned	 sl;		/* 0, 8, ..., 56 */
};

static uint64_t
rotl64(uint64_t x, unsigned r)
{
	return x << r | x >> (64 - r);
}

/* Each step is a bijection of a lane: words that differ change both. */
static inline void
digest_mix(uint64_t *h1, uint64_t *h2, uint64_t w)
{
	*h1 = rotl64((*h1 ^ w) * 0x9e3779b97f4a7c15ULL, 31);
	*h2 = rotl64((*h2 + w) * 0xc2b2ae3d27d4eb4fULL, 29);
}

/*
 * Appends the low nb bits (a whole number of bytes, 0..64) of x to the
 * stream; x's others are 0.  acc never holds more than its sl bits.
 */
static inline void
digest_bits(struct digest *d, uint64_t x, unsigned nb)
{
	d->acc |= x << d->sl;
	if (d->sl + nb < 64) {
		d->sl += nb;
		return;
	}
	digest_mix(&d->h1, &d->h2, d->acc);
	d->acc = d->sl > 0 ? x >> (64 - d->sl) : 0;
	d->sl = d->sl + nb - 64;
}

/* The high bit of each byte of x that is c (exact, no borrows). */
static uint64_t
bytes_equal(uint64_t x, unsigned char c)
{
	uint64_t	 v = x ^ (ONES * c);

	return ~(((v & ~HIGHS) + ~HIGHS) | v) & HIGHS;
}

/*
 * The bytes of x (8 from the input) but those whose bit is set in m
 * (bit j: byte j, a CR or a LF) into the stream, in one piece: each
 * line end, from the last down, is cut out of x and the bytes above it
 * moved down (those below keep their place).  Returns how many were
 * left out.
 */
static inline unsigned
digest_cut(struct digest *d, uint64_t x, unsigned m)
{
	unsigned	 j, out = 0;

	for (; m != 0; out++) {
		j = (unsigned)(31 - __builtin_clz(m));
		m &= ~(1u << j);
		x = (x & ((1ULL << (8 * j)) - 1)) |
		    (j < 7 ? x >> (8 * (j + 1)) << (8 * j) : 0);
	}
	digest_bits(d, x, 64 - 8 * out);
	return out;
}

/* One bit per byte of x (bit j: byte j) that is a CR or a LF. */
static unsigned
line_end_bits(uint64_t x)
{
	uint64_t	 m = (bytes_equal(x, '\r') | bytes_equal(x, '\n')) >> 7;

	/* The bits 8 apart gathered into the top byte. */
	return (unsigned)((m * 0x0102040810204080ULL) >> 56);
}

/* 1 when the word x holds a byte below 0x0e: maybe a CR or a LF. */
static int
low_byte(uint64_t x)
{
	return ((x - ONES * 0x0e) & ~x & HIGHS) != 0;
}

/* A 64-bit finaliser (MurmurHash3's): each input bit moves all others. */
static uint64_t
fmix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* "digest-" and 32 hex digits into out (DIGEST_SIZE bytes). */
#define DIGEST_SIZE	40

static void
digest(const char *buf, size_t len, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	struct digest		 d = { 1469598103934665603ULL, 7, 0, 0 };
	uint64_t		 x, h[2];
	size_t			 i = 0, n = len;	/* n: the stream's */
	int			 o;
#if defined(__SSE2__)
	const __m128i		 cr = _mm_set1_epi8('\r');
	const __m128i		 lf = _mm_set1_epi8('\n');
	__m128i			 v;
	uint64_t		 y;
	unsigned		 m;

	/*
	 * 16 bytes at a time; a block with a line end (about one a line)
	 * is cut where its CR and LF are, without leaving the loop.
	 */
	for (; i + 16 <= len; i += 16) {
		v = _mm_loadu_si128((const void *)(buf + i));
		m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)));
		memcpy(&x, buf + i, 8);
		memcpy(&y, buf + i + 8, 8);
		x = le64(x);
		y = le64(y);
		if (m != 0) {
			n -= digest_cut(&d, x, m & 0xff);
			n -= digest_cut(&d, y, m >> 8);
		} else if (d.sl == 0) {
			digest_mix(&d.h1, &d.h2, x);
			digest_mix(&d.h1, &d.h2, y);
		} else {
			digest_mix(&d.h1, &d.h2, d.acc | x << d.sl);
			digest_mix(&d.h1, &d.h2, x >> (64 - d.sl) | y << d.sl);
			d.acc = y >> (64 - d.sl);
		}
	}
#endif
	/* Then a word at a time (all of it without SSE2). */
	for (; i + 8 <= len; i += 8) {
		memcpy(&x, buf + i, 8);
		x = le64(x);
		if (low_byte(x))
			n -= digest_cut(&d, x, line_end_bits(x));
		else
			digest_bits(&d, x, 64);
	}
	for (; i < len; i++)
		if (buf[i] != '\r' && buf[i] != '\n')
			digest_bits(&d, (unsigned char)buf[i], 8);
		else
			n--;
	if (d.sl > 0)
		digest_mix(&d.h1, &d.h2, d.acc);
	/* The length tells "a" from "a\0", which leave the same words. */
	h[0] = fmix64(d.h1 ^ n);
	h[1] = fmix64(d.h2 + n * 0x9e3779b97f4a7c15ULL);
	memcpy(out, "digest-", 7);
	/* Each lane's digits from the low one up: no shift varies. */
	for (o = 15; o >= 0; o--) {
		out[7 + o] = hex[h[0] & 15];
		out[7 + 16 + o] = hex[h[1] & 15];
		h[0] >>= 4;
		h[1] >>= 4;
	}
	out[7 + 32] = '\0';
}

/* s without surrounding angle brackets and spaces, into rec field f. */
static int
set_msgid(struct dsn_record *r, enum dsn_field f, const char *s)
{
	size_t	 n;

	if (s == NULL)
		return 0;
	while (*s == ' ' || *s == '<')
		s++;
	n = strcspn(s, "> ");
	return dsn_record_set(r, f, s, n);
}

const char *
report_strip_type_len(const char *v, size_t *len)
{
	const char	*semi;
	size_t		 n = *len, i;

	if (v == NULL)
		return NULL;
	/* A type is a word: no blank, '<', '@' or '"' before the ';'. */
	if ((semi = memchr(v, ';', n)) != NULL) {
		for (i = 0; v + i < semi; i++)
			if (v[i] == ' ' || v[i] == '<' || v[i] == '@' ||
			    v[i] == '"')
				break;
		if (v + i == semi) {
			n -= i + 1;
			v = semi + 1;
		}
	}
	while (n > 0 && *v == ' ') {
		v++;
		n--;
	}
	*len = n;
	return v;
}

const char *
report_strip_type(const char *v)
{
	size_t	 n;

	if (v == NULL)
		return NULL;
	n = strlen(v);
	return report_strip_type_len(v, &n);
}

int
report_set_addr(struct report_ctx *ctx, struct dsn_record *r,
    enum dsn_field f, const char *s, size_t len)
{
	char	*a;

	if (s == NULL || (a = msg_addr(ctx->msg->arena, s, len)) == NULL)
		return 0;
	return dsn_record_sets(r, f, a) < 0 ? -1 : (r->v[f] != NULL);
}

int
report_set_date(struct dsn_record *r, enum dsn_field f, const char *s)
{
	char	 d[32];

	if (s == NULL || report_date(s, d, sizeof(d)) < 0)
		return 0;
	return dsn_record_sets(r, f, d);
}

struct msg_part *
report_returned(struct report_ctx *ctx)
{
	struct msg	*m = ctx->msg;
	int		 i;

	for (i = 1; i < m->nparts; i++)
		if (m->parts[i].is_message)
			return &m->parts[i];
	return NULL;
}

int
report_in_returned(const struct msg *m, int i)
{
	for (; i > 0; i = m->parts[i].parent)
		if (m->parts[i].is_message)
			return 1;
	return 0;
}

static const char *
find_text(struct report_ctx *ctx, size_t *len)
{
	struct msg	*m = ctx->msg;
	int		 i;

	for (i = 0; i < m->nparts; i++) {
		if (strcmp(m->parts[i].type, "text/plain") != 0 ||
		    report_in_returned(m, i))
			continue;
		if (i > 0 && m->parts[i].bodylen == 0)
			continue;
		return msg_part_text(m, &m->parts[i], len);
	}
	if (m->parts[0].child < 0 && strncmp(m->parts[0].type, "text/", 5) == 0)
		return msg_part_text(m, &m->parts[0], len);
	return NULL;
}

/* Found once per message: recognisers and the refine pass all ask. */
const char *
report_text(struct report_ctx *ctx, size_t *len)
{
	if (ctx->text == NULL)
		ctx->text = find_text(ctx, &ctx->textlen);
	*len = ctx->textlen;
	return ctx->text;
}

/*
 * The usual fields of a message header, with their lengths (a field of
 * another length is no one).  The first ORIG_WANTED feed the record, in
 * the order of orig_dest; the others only help to recognise a header.
 */
#define NAME(s)	{ s, sizeof(s) - 1 }

static const struct {
	const char	*s;
	size_t		 len;
} orig_names[] = {
	NAME("From"), NAME("Subject"), NAME("Message-ID"), NAME("List-Id"),
	NAME("To"), NAME("Date"), NAME("Received"), NAME("Return-Path"),
};
#undef NAME
#define ORIG_NAMES	(int)(sizeof(orig_names) / sizeof(orig_names[0]))
#define ORIG_WANTED	4
/* The lengths of the wanted orig_names and of all, one bit each. */
#define ORIG_LENS_WANTED	(1u << 4 | 1u << 7 | 1u << 10)
#define ORIG_LENS_ALL		(ORIG_LENS_WANTED | 1u << 2 | 1u << 8 | \
    1u << 11)

static const enum dsn_field orig_dest[ORIG_WANTED] = {
	DSN_F_SENDER, DSN_F_SUBJECT, DSN_F_MESSAGE_ID, DSN_F_LIST_ID
};

/*
 * Index of the field named name[0..namelen) among the first n of
 * orig_names, or -1; the length and the first letter are compared
 * before the whole name.
 */
static int
orig_field(const char *name, size_t namelen, int n)
{
	int	 k;

	/* Most names have none of the lengths looked for: one test. */
	if (namelen >= 32 || !((n == ORIG_WANTED ? ORIG_LENS_WANTED :
	    ORIG_LENS_ALL) >> namelen & 1))
		return -1;
	for (k = 0; k < n; k++)
		if (orig_names[k].len == namelen &&
		    ((unsigned char)name[0] | 0x20) ==
		    ((unsigned char)orig_names[k].s[0] | 0x20) &&
		    msg_startcase(name, namelen, orig_names[k].s))
			return k;
	return -1;
}

/*
 * Index of a wanted field (orig_names) whose record field b still
 * lacks, or -1: a value already set is not decoded again.
 */
static int
orig_wanted(const struct dsn_record *b, const struct msg_field *f)
{
	int	 k;

	if ((k = orig_field(f->name, f->namelen, ORIG_WANTED)) < 0 ||
	    b->v[orig_dest[k]] != NULL)
		return -1;
	return k;
}

/* Sets field k (orig_names, a wanted one) of b from its decoded value v. */
static int
orig_set(struct report_ctx *ctx, struct dsn_record *b, int k, const char *v)
{
	switch (orig_dest[k]) {
	case DSN_F_SENDER:
		return report_set_addr(ctx, b, DSN_F_SENDER, v, strlen(v)) < 0 ?
		    -1 : 0;
	case DSN_F_MESSAGE_ID:
		return set_msgid(b, DSN_F_MESSAGE_ID, v);
	default:
		return dsn_record_sets(b, orig_dest[k], v);
	}
}

/* Sets the field of b that the raw field f gives, if wanted. */
static int
orig_take(struct report_ctx *ctx, struct dsn_record *b,
    const struct msg_field *f)
{
	char	*v;
	int	 k;

	if ((k = orig_wanted(b, f)) < 0)
		return 0;
	if ((v = msg_decode_header(ctx->msg->arena, f->value,
	    f->valuelen)) == NULL || orig_set(ctx, b, k, v) < 0)
		return -1;
	return 0;
}

/*
 * Fills the original message's fields from a header block at t[pos..).
 * Mostly all but List-Id are soon set and the copy has none: once the
 * name is not in the rest of t, no field there can set anything.
 */
static int
orig_from_block(struct report_ctx *ctx, struct dsn_record *b, const char *t,
    size_t len, size_t pos)
{
	struct msg_field	 f;
	int			 looked = 0;

	while (msg_field_next(t, len, &pos, &f)) {
		if (orig_take(ctx, b, &f) < 0)
			return -1;
		if (!looked && b->v[DSN_F_SENDER] != NULL &&
		    b->v[DSN_F_SUBJECT] != NULL &&
		    b->v[DSN_F_MESSAGE_ID] != NULL) {
			looked = 1;
			if (b->v[DSN_F_LIST_ID] != NULL || msg_memcasemem(t +
			    pos, len - pos, "List-Id", 7) == NULL)
				break;
		}
	}
	return 0;
}

/*
 * orig_from_block() over the header of the parsed part p, from the
 * fields msg_parse() kept (unless the field limit dropped some).
 */
static int
orig_from_part(struct report_ctx *ctx, struct dsn_record *b,
    const struct msg_part *p)
{
	struct msg		*m = ctx->msg;
	const struct msg_field	*f, *e;
	const char		*v;
	int			 k;

	if (p->nfields >= (size_t)ctx->limits->header_count)
		return orig_from_block(ctx, b, p->hdr, p->hdrlen, 0);
	if (p->nfields == 0)
		return 0;
	e = m->fields + p->field0 + p->nfields;
	for (f = m->fields + p->field0; f < e; f++) {
		if ((k = orig_wanted(b, f)) < 0)
			continue;
		if ((v = msg_field_value(m, f)) == NULL ||
		    orig_set(ctx, b, k, v) < 0)
			return -1;
	}
	return 0;
}

/* First letters of orig_names, either case. */
static const unsigned char orig_first[256] = {
	['f'] = 1, ['t'] = 1, ['s'] = 1, ['m'] = 1, ['d'] = 1, ['r'] = 1,
	['l'] = 1, ['F'] = 1, ['T'] = 1, ['S'] = 1, ['M'] = 1, ['D'] = 1,
	['R'] = 1, ['L'] = 1
};

/*
 * 1 when the line t[0..ll) starts with a field named one of orig_names,
 * as msg_field_next() reads a name: printable ASCII but the colon, then
 * blanks, then the colon.  Names are at most 11 bytes: no more is read.
 */
static int
orig_name_line(const char *t, size_t ll)
{
	size_t	 n, i;

	for (n = 0; n < ll && n < 12 && (unsigned char)t[n] - 0x21u < 0x5e &&
	    t[n] != ':'; n++)
		;
	for (i = n; i < ll && (t[i] == ' ' || t[i] == '	'); i++)
		;
	if (i >= ll || t[i] != ':')
		return 0;
	return orig_field(t, n, ORIG_NAMES) >= 0;
}

/* Offset just past the line that starts at t[pos], its ending taken. */
static size_t
line_after(const char *t, size_t len, size_t pos, size_t *ll)
{
	*ll = msg_eol(t + pos, len - pos);
	pos += *ll;
	if (pos + 1 < len && t[pos] == '\r' && t[pos + 1] == '\n')
		return pos + 2;
	return pos < len ? pos + 1 : len;
}

/* Start of the line that holds t[c], from pos (a line's start) on. */
static size_t
line_start(const char *t, size_t pos, size_t c)
{
	uint64_t	 x, m;

	/* Back 8 bytes at a time to the last CR or LF before c. */
	for (; c >= pos + 8; c -= 8) {
		memcpy(&x, t + c - 8, 8);
		x = le64(x);
		if ((m = bytes_equal(x, '\r') | bytes_equal(x, '\n')) != 0)
			return c - 8 + (size_t)(63 - __builtin_clzll(m)) / 8 +
			    1;
	}
	while (c > pos && t[c - 1] != '\n' && t[c - 1] != '\r')
		c--;
	return c;
}

/*
 * 1 when two fields of orig_names start a header block at t[s]
 * (msg_field_next() skips blank-led lines before the first): they are
 * left in f, and in *end where the block goes on.
 */
static int
orig_block_at(const char *t, size_t len, size_t s, struct msg_field f[2],
    size_t *end)
{
	int	 known;

	/* No third field is read once two are known. */
	for (known = 0; known < 2; known++)
		if (!msg_field_next(t, len, &s, &f[known]) ||
		    orig_field(f[known].name, f[known].namelen,
		    ORIG_NAMES) < 0)
			return 0;
	*end = s;
	return 1;
}

/*
 * orig_from_block() over a block orig_block_at() found: its first two
 * fields are not read again.
 */
static int
orig_from_found(struct report_ctx *ctx, struct dsn_record *b, const char *t,
    size_t len, const struct msg_field f[2], size_t end)
{
	if (orig_take(ctx, b, &f[0]) < 0 || orig_take(ctx, b, &f[1]) < 0)
		return -1;
	return orig_from_block(ctx, b, t, len, end);
}

/*
 * Finds an inline copy of the original headers in text: the first line
 * that starts a block of at least two of the usual header fields.
 */
static int
orig_inline(struct report_ctx *ctx, struct dsn_record *b, const char *t,
    size_t len)
{
	struct msg_field	 f[2];
	const char		*c;
	size_t			 pos, start, next, ll, nl, end;

	/* The first line: msg_field_next() may skip an mbox line there. */
	pos = line_after(t, len, 0, &ll);
	if (ll >= 5 && memchr(t, ':', ll) != NULL &&
	    orig_block_at(t, len, 0, f, &end))
		return orig_from_found(ctx, b, t, len, f, end);
	/*
	 * Only a line with a ':' may start a block (a field's name ends
	 * at one): the lines are found from the colons, and those
	 * between, which hold none, are passed over by memchr().
	 */
	while (pos < len && (c = memchr(t + pos, ':', len - pos)) != NULL) {
		start = line_start(t, pos, (size_t)(c - t));
		pos = line_after(t, len, start, &ll);
		if (ll < 5)
			continue;
		/*
		 * Most lines start with a letter, so msg_field_next() reads
		 * their name at once: that name is checked in the line
		 * first, and only a known one is read as a field.
		 */
		if (t[start] != ' ' && t[start] != '\t') {
			if (orig_first[(unsigned char)t[start]] &&
			    orig_name_line(t + start, ll) &&
			    orig_block_at(t, len, start, f, &end))
				return orig_from_found(ctx, b, t, len, f,
				    end);
			continue;
		}
		/*
		 * A blank-led line: msg_field_next() skips it and those
		 * after it that start with a blank, then reads the fields
		 * from the next line on.  Every line of that run ends the
		 * same way, so the run is passed over when it fails.
		 */
		for (next = pos; next < len &&
		    (t[next] == ' ' || t[next] == '\t'); next = nl)
			nl = line_after(t, len, next, &ll);
		if (next < len && orig_first[(unsigned char)t[next]] &&
		    orig_name_line(t + next, msg_eol(t + next, len - next)) &&
		    orig_block_at(t, len, start, f, &end))
			return orig_from_found(ctx, b, t, len, f, end);
		pos = next;
	}
	return 0;
}

/* The fields every record of the message shares. */
static int
build_base(struct report_ctx *ctx)
{
	struct msg		*m = ctx->msg;
	struct dsn_record	*b;
	struct msg_part		*ret;
	const char		*v, *t;
	char			 id[DIGEST_SIZE];
	size_t			 tl;

	if ((b = ctx->base = dsn_record_new()) == NULL)
		return -1;
	if ((v = msg_header(m, NULL, "Message-ID")) != NULL &&
	    set_msgid(b, DSN_F_REPORT_ID, v) < 0)
		return -1;
	if (b->v[DSN_F_REPORT_ID] == NULL) {
		digest(m->buf, m->len, id);
		if (dsn_record_sets(b, DSN_F_REPORT_ID, id) < 0)
			return -1;
	}
	if (report_set_date(b, DSN_F_DATE, msg_header(m, NULL, "Date")) < 0)
		return -1;
	if ((v = msg_header(m, NULL, "To")) != NULL &&
	    report_set_addr(ctx, b, DSN_F_BOUNCE_TO, v, strlen(v)) < 0)
		return -1;
	if ((ret = report_returned(ctx)) != NULL &&
	    orig_from_part(ctx, b, ret) < 0)
		return -1;
	if (b->v[DSN_F_MESSAGE_ID] == NULL &&
	    (t = report_text(ctx, &tl)) != NULL &&
	    orig_inline(ctx, b, t, tl) < 0)
		return -1;
	return 0;
}

struct dsn_record *
report_new(struct report_ctx *ctx, const char *type)
{
	struct dsn_record	*r;

	if (ctx->base == NULL && build_base(ctx) < 0)
		return NULL;
	if ((r = dsn_record_dup(ctx->base)) == NULL)
		return NULL;
	if (dsn_record_sets(r, DSN_F_TYPE, type) < 0 ||
	    dsn_record_sets(r, DSN_F_FORMAT, ctx->cur->name) < 0) {
		dsn_record_free(r);
		return NULL;
	}
	return r;
}

/* 1 when a diagnostic of this type may carry an SMTP reply code. */
static int
smtp_diag(const struct dsn_record *r)
{
	const char	*t = r->v[DSN_F_DIAGNOSTIC_TYPE];

	/* X-Postfix and others quote SMTP replies too; X-Unix has exits. */
	return t == NULL || !msg_startcase(t, dsn_record_len(r,
	    DSN_F_DIAGNOSTIC_TYPE), "x-unix");
}

/* Status, reply code and action completed from what the record has. */
static int
complete_dsn(struct dsn_record *r)
{
	const char	*diag = r->v[DSN_F_DIAGNOSTIC], *st, *act;
	char		 ds[16], fs[16], rc[4], gen[8];
	struct status_seen	 seen;
	size_t		 dl = dsn_record_len(r, DSN_F_DIAGNOSTIC);
	int		 hasds, hasfs;

	/*
	 * The code a reply code introduces, else the first one.  The
	 * replies seen on the way answer the reply code's search below.
	 */
	hasds = status_pair_seen(diag, dl, ds, sizeof(ds), &seen) ||
	    status_find(diag, dl, ds, sizeof(ds));
	hasfs = r->v[DSN_F_STATUS] != NULL && status_find(r->v[DSN_F_STATUS],
	    dsn_record_len(r, DSN_F_STATUS), fs, sizeof(fs));
	st = status_choose(hasfs ? fs : NULL, hasds ? ds : NULL);
	/* A reply code of another class than the status is not the one. */
	if (r->v[DSN_F_REPLY_CODE] == NULL && smtp_diag(r) &&
	    status_reply_seen(diag, dl, st != NULL ? st[0] : 0, &seen, rc) &&
	    dsn_record_sets(r, DSN_F_REPLY_CODE, rc) < 0)
		return -1;
	act = r->v[DSN_F_ACTION];
	if (st == NULL && r->v[DSN_F_REPLY_CODE] != NULL) {
		/* "X.0.0" of the reply code's class, without snprintf(). */
		memcpy(gen, "X.0.0", sizeof("X.0.0"));
		gen[0] = r->v[DSN_F_REPLY_CODE][0];
		st = gen;
	}
	if (st == NULL && act != NULL) {
		if (strcmp(act, "failed") == 0)
			st = "5.0.0";
		else if (strcmp(act, "delayed") == 0)
			st = "4.0.0";
		else
			st = "2.0.0";
	}
	/* Mostly the field's own code, already there: not copied again. */
	if (((st == NULL || r->v[DSN_F_STATUS] == NULL ||
	    strcmp(r->v[DSN_F_STATUS], st) != 0) &&
	    dsn_record_sets(r, DSN_F_STATUS, st) < 0) ||
	    (r->v[DSN_F_SMTP_COMMAND] == NULL && dsn_record_sets(r,
	    DSN_F_SMTP_COMMAND, status_command(diag, dl)) < 0))
		return -1;
	if (act == NULL && st != NULL)
		return dsn_record_sets(r, DSN_F_ACTION, st[0] == '5' ?
		    "failed" : st[0] == '4' ? "delayed" : "delivered");
	return 0;
}

/*
 * Cuts every value of r longer than limits->line_bytes, at a UTF-8
 * character boundary (values are valid UTF-8 after the setters).
 */
static void
cut_long(struct dsn_record *r, size_t max)
{
	size_t	 i, n;

	/* Mostly the record's bound says no value is that long. */
	if (dsn_record_maxlen(r) <= max)
		return;
	for (i = 0; i < DSN_F_COUNT; i++) {
		if ((n = dsn_record_len(r, i)) <= max)
			continue;
		n = max;
		while (n > 0 && ((unsigned char)r->v[i][n] & 0xc0) == 0x80)
			n--;
		dsn_record_truncate(r, i, n);
	}
}

/* 1 when the word s[0..n) may be a host name or an address literal. */
static int
host_word(const char *s, size_t n)
{
	return n > 0 && (memchr(s, '.', n) != NULL || s[0] == '[' ||
	    memchr(s, ':', n) != NULL);
}

/*
 * The MTA value f of r cut to the host name or address literal alone,
 * in place: "mx.example.com (TCP|192.0.2.1|25) (au mail)" and
 * "mx.example.com." become "mx.example.com"; "mta mx.example.org in
 * /ADMD= /C=WW/" (an X.400 gateway) its first word that looks like a
 * host.  A value with no such word keeps its first word.
 */
static void
clean_mta(struct dsn_record *r, enum dsn_field f)
{
	char		*v = r->v[f];
	const char	*w, *first = NULL;
	size_t		 n, fn = 0;

	if (v == NULL)
		return;
	for (w = v; *w != '\0'; w += n) {
		w += strspn(w, " \t");
		if (*w == '\0')	/* trailing blanks: no step past the NUL */
			break;
		n = strcspn(w, " \t(;,");
		if (n == 0) {
			if (*w == '(')
				break;
			n = 1;
			continue;
		}
		/* X.400: "mta NAME in /ADMD=...": NAME. */
		if (first == NULL && !(n == 3 && strncasecmp(w, "mta", 3) == 0)) {
			first = w;
			fn = n;
		}
		if (host_word(w, n)) {
			first = w;
			fn = n;
			break;
		}
	}
	if (first == NULL)
		return;
	while (fn > 1 && first[fn - 1] == '.')
		fn--;
	memmove(v, first, fn);
	dsn_record_truncate(r, f, fn);
}

int
report_add(struct report_ctx *ctx, struct dsn_record *r)
{
	clean_mta(r, DSN_F_REMOTE_MTA);
	clean_mta(r, DSN_F_REPORTING_MTA);
	cut_long(r, ctx->limits->line_bytes);
	if (r->v[DSN_F_RECIPIENT] == NULL || ctx->full) {
		dsn_record_free(r);
		return 0;
	}
	if (ctx->out->n - ctx->first >= (size_t)ctx->limits->recipients) {
		ctx->full = 1;
		dsn_record_free(r);
		return 0;
	}
	if (r->v[DSN_F_TYPE] != NULL && strcmp(r->v[DSN_F_TYPE], "dsn") == 0 &&
	    complete_dsn(r) < 0) {
		dsn_record_free(r);
		return -1;
	}
	return dsn_reclist_add(ctx->out, r) < 0 ? -1 : 1;
}
