/*
 * recin.c - reading records back: JSON Lines, a JSON array, or CSV.
 *
 * The first KB decides: NUL bytes or control characters make it binary
 * (one error, nothing read); '{' is JSON Lines, '[' one JSON array; a
 * first line that names record fields (recipient among them) is a CSV
 * header (RFC 4180, quoted cells may span lines); other valid UTF-8 text
 * is read as JSON Lines, so each line that is not an object is reported.
 * Input is read in large blocks and split with memchr; lines and rows are
 * bounded (RECIN_MAX).  Invalid UTF-8 is repaired and \u0000 becomes
 * U+FFFD; a raw NUL or control byte in a JSON line makes that line an
 * error, as RFC 8259 and Jansson have it.  A JSON line that is one flat
 * object (strings, integers, true, false, null; plain keys) is read here
 * directly; any other line goes to Jansson whole, so what is read never
 * depends on this reader being complete.  The reader owns its buffers;
 * each record is a new Jansson object the caller releases.
 * XXX perf: building and freeing those objects (three allocations a
 * member) is now most of what reading costs dsn-classify; a flat
 * record view would avoid it, at the price of recin's and recout's API.
 * XXX limits: an integer past Jansson's range ("reply_code":1e30 written
 * as digits) makes the whole line an error ("too big integer") and a
 * lone surrogate escape (\ud800) is refused as Jansson refuses it, where
 * keeping the record with the value repaired would be kinder; CSV with
 * CR-only line ends (old Mac) is not recognised as CSV.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsn/recin.h"
#include "dsn/record.h"
#include "dsn/recout.h"
#include "recutf8.h"

#define RECIN_MAX	((size_t)16 << 20)	/* one line or CSV row */
#define RECIN_BLOCK	((size_t)1 << 16)	/* one read */
#define RECIN_PEEK	1024			/* bytes that decide */

enum { M_UNKNOWN, M_JSONL, M_ARRAY, M_CSV, M_END };

struct dsn_recin {
	FILE	 *fp;
	int	  mode;
	int	  eof;		/* fp is exhausted */
	int	  rerr;		/* a read failed */
	int	  rerrno;	/* and its errno */
	char	 *in;		/* input block: in[ipos..ilen) unread */
	size_t	  ipos, ilen, icap;
	char	 *buf;		/* CSV row */
	size_t	  len, cap;
	size_t	 *cell;		/* CSV: start of each cell in buf */
	int	  ncell, cellcap;
	char	**hdr;		/* CSV header names */
	int	  nhdr;
	json_t	 *array;	/* M_ARRAY: the whole array */
	size_t	  ai;
	size_t	  afed, alast;	/* bytes given to Jansson, in the last call */
	long	  lineno;	/* physical lines read */
	long	  recline;	/* first line of the last record */
	char	  binary[128];	/* why the input is not records */
	char	 *str;		/* a string the fast reader decoded */
	size_t	  scap;
	const char *const *keep; /* members kept (NULL-ended), NULL: all */
	size_t	 *keeplen;
};

/* Fields a record may carry besides dsn-parse's (dsn-classify's). */
static const char *const extra_fields[] = {
	"reason", "hard_bounce", "rule", "explain", NULL
};

struct dsn_recin *
dsn_recin_new(FILE *fp)
{
	struct dsn_recin *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->fp = fp;
	return r;
}

void
dsn_recin_free(struct dsn_recin *r)
{
	int i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nhdr; i++)
		free(r->hdr[i]);
	free(r->hdr);
	free(r->in);
	free(r->buf);
	free(r->cell);
	free(r->str);
	free(r->keeplen);
	json_decref(r->array);
	free(r);
}

int
dsn_recin_keep(struct dsn_recin *r, const char *const *names)
{
	size_t i, n = 0;

	free(r->keeplen);
	r->keeplen = NULL;
	r->keep = NULL;
	if (names == NULL)
		return 0;
	while (names[n] != NULL)
		n++;
	if ((r->keeplen = calloc(n + 1, sizeof(*r->keeplen))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		r->keeplen[i] = strlen(names[i]);
	r->keep = names;
	return 0;
}

long
dsn_recin_line(const struct dsn_recin *r)
{
	return r->recline;
}

int
dsn_recin_format(const struct dsn_recin *r)
{
	if (r->mode == M_CSV)
		return DSN_OUT_CSV;
	if (r->mode == M_ARRAY)
		return DSN_OUT_JSON;
	return DSN_OUT_JSONL;
}

/*
 * Reads more input after what is unread, moving that to the front and
 * growing the block up to RECIN_MAX + RECIN_BLOCK: 1 when bytes were
 * added, 0 at the end (or when the block is full), -1 on a read error.
 */
static int
fill(struct dsn_recin *r)
{
	size_t n;

	if (r->eof)
		return 0;
	if (r->ipos > 0) {
		memmove(r->in, r->in + r->ipos, r->ilen - r->ipos);
		r->ilen -= r->ipos;
		r->ipos = 0;
	}
	if (r->icap - r->ilen < RECIN_BLOCK / 2) {
		size_t cap = r->icap ? r->icap * 2 : RECIN_BLOCK;
		char *p;

		if (r->icap >= RECIN_MAX + RECIN_BLOCK)
			return 0;
		if (cap > RECIN_MAX + RECIN_BLOCK)
			cap = RECIN_MAX + RECIN_BLOCK;
		if ((p = realloc(r->in, cap)) == NULL)
			return -1;
		r->in = p;
		r->icap = cap;
	}
	n = fread(r->in + r->ilen, 1, r->icap - r->ilen, r->fp);
	r->ilen += n;
	if (n == 0) {
		if (ferror(r->fp)) {
			r->rerr = 1;
			r->rerrno = errno ? errno : EIO;
			return -1;
		}
		r->eof = 1;
		return 0;
	}
	return 1;
}

/* The next byte, or EOF. */
static int
nextc(struct dsn_recin *r)
{
	if (r->ipos == r->ilen && fill(r) <= 0)
		return EOF;
	return (unsigned char)r->in[r->ipos++];
}

/* The next byte left unread, or EOF. */
static int
peekc(struct dsn_recin *r)
{
	if (r->ipos == r->ilen && fill(r) <= 0)
		return EOF;
	return (unsigned char)r->in[r->ipos];
}

/* Appends byte c to buf; -1 past RECIN_MAX or on allocation failure. */
static int
put(struct dsn_recin *r, int c)
{
	char *n;
	size_t cap;

	if (r->len + 1 >= r->cap) {
		if (r->cap >= RECIN_MAX)
			return -1;
		cap = r->cap ? r->cap * 2 : 4096;
		if ((n = realloc(r->buf, cap)) == NULL)
			return -1;
		r->buf = n;
		r->cap = cap;
	}
	r->buf[r->len++] = (char)c;
	return 0;
}

/* Non-zero when a cell of a header row is a plausible field name. */
static int
field_name(const char *s, size_t n)
{
	size_t i;

	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
	}
	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* Non-zero when the n bytes at s are a header row naming record fields. */
static int
csv_header(const char *s, size_t n)
{
	const char *c, *e = s + n;
	int recipient = 0;

	if (n > 0 && s[n - 1] == '\r')
		e--;
	for (c = s; c <= e; c = s + 1) {
		if ((s = memchr(c, ',', (size_t)(e - c))) == NULL)
			s = e;
		if (!field_name(c, (size_t)(s - c)))
			return 0;
		if ((s - c == 9 && memcmp(c, "recipient", 9) == 0) ||
		    (s - c == 11 && memcmp(c, "\"recipient\"", 11) == 0))
			recipient = 1;
	}
	return recipient;
}

/*
 * Why the first n bytes at s are not text (NUL or control bytes, or
 * invalid UTF-8 when utf8 is set) into r->binary; 0 when they are text.
 * A sequence cut by the end of the window is not held against it.
 */
static int
not_text(struct dsn_recin *r, const char *s, size_t n, int utf8,
    int whole)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, k;

	for (i = 0; i < n; i++)
		if (p[i] < 0x20 && (p[i] == '\0' ||
		    strchr("\t\n\v\f\r\033", p[i]) == NULL)) {
			snprintf(r->binary, sizeof(r->binary), "binary data, "
			    "not records (byte 0x%02x at offset %zu)", p[i], i);
			return 1;
		}
	for (i = 0; utf8 && i < n; i += k) {
		if (p[i] < 0x80) {
			k = 1;
			continue;
		}
		if ((k = recutf8_seq(p + i, n - i)) == 0) {
			if (n - i < 4 && !whole)
				break;
			snprintf(r->binary, sizeof(r->binary), "not UTF-8 "
			    "text, not records (byte 0x%02x at offset %zu)",
			    p[i], i);
			return 1;
		}
	}
	return 0;
}

/* Looks at the first KB: the mode, or binary input. */
static void
detect(struct dsn_recin *r)
{
	const char *s, *s0, *nl;
	size_t n, n0, i;
	int whole;

	while (r->ilen - r->ipos < RECIN_PEEK && fill(r) > 0)
		;
	s = r->in + r->ipos;
	n = r->ilen - r->ipos;
	if (n > RECIN_PEEK)
		n = RECIN_PEEK;
	whole = r->eof && n == r->ilen - r->ipos;
	s0 = s;
	n0 = n;
	if (not_text(r, s, n, 0, whole)) {
		r->mode = M_END;
		return;
	}
	i = n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	for (; i < n && strchr(" \t\r\n\v\f", s[i]) != NULL; i++)
		if (s[i] == '\n')
			r->lineno++;
	r->ipos += i;
	s += i;
	n -= i;
	if (n == 0) {
		r->mode = M_END;
		return;
	}
	if (s[0] == '{' || s[0] == '[') {
		r->mode = s[0] == '{' ? M_JSONL : M_ARRAY;
		return;
	}
	nl = memchr(s, '\n', n);
	if ((nl != NULL || r->eof) && csv_header(s, nl ? (size_t)(nl - s) :
	    n)) {
		r->mode = M_CSV;
		return;
	}
	r->mode = not_text(r, s0, n0, 1, whole) ? M_END : M_JSONL;
}

/*
 * The next line (without its newline) at *line, n bytes, valid until the
 * next call: 1, 0 at the end, -1 when longer than RECIN_MAX (the rest is
 * skipped), -2 on a read error.
 */
static int
read_line(struct dsn_recin *r, const char **line, size_t *n)
{
	const char *nl;
	size_t from = 0;
	int toolong = 0;

	for (;;) {
		int rc;

		nl = memchr(r->in + r->ipos + from, '\n',
		    r->ilen - r->ipos - from);
		if (nl != NULL)
			break;
		from = r->ilen - r->ipos;
		if (from >= RECIN_MAX) {	/* drop it, keep looking */
			toolong = 1;
			r->ipos = r->ilen;
			from = 0;
		}
		if ((rc = fill(r)) == -1)
			return -2;
		if (rc == 0)
			break;
	}
	if (nl == NULL && r->ipos == r->ilen && !toolong)
		return 0;
	*line = r->in + r->ipos;
	*n = nl != NULL ? (size_t)(nl - *line) : r->ilen - r->ipos;
	r->ipos += *n + (nl != NULL);
	r->lineno++;
	if (*n > 0 && (*line)[*n - 1] == '\r')
		(*n)--;
	return toolong ? -1 : 1;
}

static int
blank(const char *s, size_t n)
{
	while (n > 0 && s[n - 1] != '\0' && strchr(" \t\r\v\f", s[n - 1]))
		n--;
	return n == 0;
}

/* Replaces each NUL in the strings of v by U+FFFD. */
static void
no_nul(json_t *v)
{
	const char *s;
	char *fixed;
	size_t i, n, o;

	if (json_is_object(v)) {
		void *it;

		for (it = json_object_iter(v); it != NULL;
		    it = json_object_iter_next(v, it))
			no_nul(json_object_iter_value(it));
	} else if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++)
			no_nul(json_array_get(v, i));
	} else if (json_is_string(v)) {
		s = json_string_value(v);
		n = json_string_length(v);
		if (strlen(s) == n || (fixed = malloc(n * 3 + 1)) == NULL)
			return;
		for (i = o = 0; i < n; i++) {
			if (s[i] != '\0')
				fixed[o++] = s[i];
			else {
				memcpy(fixed + o, "\xef\xbf\xbd", 3);
				o += 3;
			}
		}
		json_string_setn_nocheck(v, fixed, o);
		free(fixed);
	}
}

/* Non-zero when the n bytes at s hold a \u0000 escape (or look so). */
static int
nul_escape(const char *s, size_t n)
{
	const char *p, *e = s + n;

	for (p = s; (p = memchr(p, '\\', (size_t)(e - p))) != NULL; p++)
		if (e - p >= 6 && memcmp(p + 1, "u0000", 5) == 0)
			return 1;
	return 0;
}

/* Non-zero when the object has at least one record field. */
static int
has_field(json_t *o)
{
	void *it;
	int i;

	for (it = json_object_iter(o); it != NULL;
	    it = json_object_iter_next(o, it)) {
		const char *k = json_object_iter_key(it);

		if (dsn_field_lookup(k) >= 0)
			return 1;
		for (i = 0; extra_fields[i] != NULL; i++)
			if (strcmp(k, extra_fields[i]) == 0)
				return 1;
	}
	return 0;
}

/* Whether a decoded value is a record: 1, or -1 with err set. */
static int
check_record(json_t **obj, char *err, size_t errlen)
{
	const char *what;

	if (json_is_object(*obj) && has_field(*obj))
		return 1;
	if (json_is_object(*obj))
		what = json_object_size(*obj) == 0 ? "an empty object" :
		    "an object with no record field (recipient, type, ...)";
	else if (json_is_array(*obj))
		what = "a JSON array, not an object";
	else if (json_is_string(*obj))
		what = "a JSON string, not an object";
	else if (json_is_number(*obj))
		what = "a JSON number, not an object";
	else
		what = "a JSON literal, not an object";
	snprintf(err, errlen, "%s", what);
	json_decref(*obj);
	*obj = NULL;
	return -1;
}

/* Non-zero when the key (n bytes) is a record field. */
static int
is_field(const char *k, size_t n)
{
	char buf[64];
	int i;

	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, k, n);
	buf[n] = '\0';
	if (dsn_field_lookup(buf) >= 0)
		return 1;
	for (i = 0; extra_fields[i] != NULL; i++)
		if (strcmp(buf, extra_fields[i]) == 0)
			return 1;
	return 0;
}

/* Non-zero when member k (n bytes) is kept (dsn_recin_keep). */
static int
kept(const struct dsn_recin *r, const char *k, size_t n)
{
	size_t i;

	if (r->keep == NULL)
		return 1;
	for (i = 0; r->keep[i] != NULL; i++)
		if (r->keeplen[i] == n && memcmp(r->keep[i], k, n) == 0)
			return 1;
	return 0;
}

/* Drops the members of *obj that are not kept: 0, or -1 (ENOMEM). */
static int
project(struct dsn_recin *r, json_t **obj)
{
	const char *k;
	json_t *o, *v;

	if (r->keep == NULL)
		return 0;
	if ((o = json_object()) == NULL)
		return -1;
	json_object_foreach(*obj, k, v) {
		if (kept(r, k, strlen(k)) && json_object_set(o, k, v) == -1) {
			json_decref(o);
			return -1;
		}
	}
	json_decref(*obj);
	*obj = o;
	return 0;
}

/* JSON whitespace from p. */
static const char *
skip_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int
hex4(const char *p, const char *e, unsigned *v)
{
	int i, d;

	if (e - p < 4)
		return -1;
	for (*v = 0, i = 0; i < 4; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			d = p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			d = p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			d = p[i] - 'A' + 10;
		else
			return -1;
		*v = *v << 4 | (unsigned)d;
	}
	return 0;
}

/* A \u escape at p (after the 'u'): its character in *c, or NULL. */
static const char *
fast_u(const char *p, const char *e, unsigned *c)
{
	unsigned lo;

	if (hex4(p, e, c) == -1 || (*c >= 0xdc00 && *c <= 0xdfff))
		return NULL;
	p += 4;
	if (*c >= 0xd800 && *c <= 0xdbff) {
		if (e - p < 6 || p[0] != '\\' || p[1] != 'u' ||
		    hex4(p + 2, e, &lo) == -1 || lo < 0xdc00 || lo > 0xdfff)
			return NULL;
		*c = 0x10000 + ((*c - 0xd800) << 10) + (lo - 0xdc00);
		p += 6;
	}
	if (*c == 0)
		*c = 0xfffd;	/* as no_nul() does after Jansson */
	return p;
}

/*
 * The first byte from p that is a quote, a backslash, a control byte or
 * not valid UTF-8, or e; plain ASCII is passed eight bytes at a time.
 */
static const char *
plain(const char *p, const char *e)
{
	const uint64_t one = 0x0101010101010101ULL, high = one * 0x80;
	const uint64_t quote = one * '"', bslash = one * '\\';
	const char *stop;
	uint64_t v, q, b, m = 0;
	size_t k;

	for (;;) {
		for (; e - p >= 8; p += 8) {
			memcpy(&v, p, 8);
			q = v ^ quote;
			b = v ^ bslash;
			/* Any byte < 0x20, == '"', == '\\' or >= 0x80. */
			m = (((v - one * 0x20) & ~v) | ((q - one) & ~q) |
			    ((b - one) & ~b) | v) & high;
			if (m != 0)
				break;
		}
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		/* The lowest flag is exact: the first such byte. */
		if (e - p >= 8)
			p += __builtin_ctzll(m) >> 3;
#endif
		/* That chunk (or the tail) byte by byte. */
		for (stop = e - p > 8 ? p + 8 : e; p < stop; ) {
			if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
				return p;
			if ((unsigned char)*p < 0x80)
				p++;
			else if ((k = recutf8_seq((const unsigned char *)p,
			    (size_t)(e - p))) > 0)
				p += k;
			else
				return p;
		}
		if (p >= e)
			return e;
	}
}

/*
 * The string whose '"' is before p: its bytes at *v (*vn of them; in
 * the line when it has no escape, else decoded into r->str), and the
 * byte after its closing quote; NULL for what only Jansson takes or
 * refuses (a raw control byte, invalid UTF-8, a lone surrogate, a bad
 * escape).
 */
static const char *
fast_string(struct dsn_recin *r, const char *p, const char *e,
    const char **v, size_t *vn)
{
	const char *q = plain(p, e);
	char *o = r->str;
	unsigned c;

	if (q < e && *q == '"') {
		*v = p;
		*vn = (size_t)(q - p);
		return q + 1;
	}
	/* Decoded, a string is never longer than in the line. */
	for (;;) {
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		p = q;
		if (p == e || *p != '\\')
			break;
		if (++p == e)
			return NULL;
		switch (*p++) {
		case '"':	*o++ = '"'; break;
		case '\\':	*o++ = '\\'; break;
		case '/':	*o++ = '/'; break;
		case 'b':	*o++ = '\b'; break;
		case 'f':	*o++ = '\f'; break;
		case 'n':	*o++ = '\n'; break;
		case 'r':	*o++ = '\r'; break;
		case 't':	*o++ = '\t'; break;
		case 'u':
			if ((p = fast_u(p, e, &c)) == NULL)
				return NULL;
			o += recutf8_put(o, c);
			break;
		default:
			return NULL;
		}
		q = plain(p, e);
	}
	if (p == e || *p != '"')
		return NULL;
	*v = r->str;
	*vn = (size_t)(o - r->str);
	return p + 1;
}

/* An integer of at most 18 digits at p, or NULL (Jansson decides). */
static const char *
fast_int(const char *p, const char *e, json_int_t *v)
{
	int neg = 0, nd = 0;

	*v = 0;
	if (p < e && *p == '-') {
		neg = 1;
		p++;
	}
	if (p == e || *p < '0' || *p > '9' || (*p == '0' && p + 1 < e &&
	    p[1] >= '0' && p[1] <= '9'))
		return NULL;
	for (; p < e && *p >= '0' && *p <= '9'; p++) {
		if (++nd > 18)
			return NULL;
		*v = *v * 10 + (*p - '0');
	}
	if (p < e && (*p == '.' || *p == 'e' || *p == 'E'))
		return NULL;
	if (neg)
		*v = -*v;
	return p;
}

/* One member's value at p: into *val when want; the byte after it. */
static const char *
fast_value(struct dsn_recin *r, const char *p, const char *e, int want,
    json_t **val)
{
	const char *v;
	size_t vn;
	json_int_t iv;

	*val = NULL;
	if (p == e)
		return NULL;
	switch (*p) {
	case '"':
		if ((p = fast_string(r, p + 1, e, &v, &vn)) != NULL && want &&
		    (*val = json_stringn_nocheck(v, vn)) == NULL)
			return NULL;
		return p;
	case 't':
		*val = want ? json_true() : NULL;
		return e - p >= 4 && memcmp(p, "true", 4) == 0 ? p + 4 : NULL;
	case 'f':
		*val = want ? json_false() : NULL;
		return e - p >= 5 && memcmp(p, "false", 5) == 0 ? p + 5 : NULL;
	case 'n':
		*val = want ? json_null() : NULL;
		return e - p >= 4 && memcmp(p, "null", 4) == 0 ? p + 4 : NULL;
	}
	if ((p = fast_int(p, e, &iv)) != NULL && want &&
	    (*val = json_integer(iv)) == NULL)
		return NULL;
	return p;
}

/*
 * The line s (n bytes) as one flat object: 1 with *obj set, 0 when it
 * is an object without a record field, -1 when Jansson must read it
 * (anything else, invalid UTF-8 among it, or out of memory).
 */
static int
fast_object(struct dsn_recin *r, const char *s, size_t n, json_t **obj)
{
	const char *p, *e = s + n, *k;
	json_t *o, *val;
	size_t kn;
	int rec = 0, want;
	char *ns;

	if (r->scap < n + 1) {
		if ((ns = realloc(r->str, n + 1)) == NULL)
			return -1;
		r->str = ns;
		r->scap = n + 1;
	}
	p = skip_ws(s, e);
	if (p == e || *p != '{' || (p = skip_ws(p + 1, e)) == e ||
	    *p != '"' || (o = json_object()) == NULL)
		return -1;
	for (;;) {
		/* A plain key: no escape, no control byte, UTF-8. */
		if (p == e || *p != '"')
			goto no;
		p = plain(k = p + 1, e);
		kn = (size_t)(p - k);
		if (p == e || *p != '"' || (p = skip_ws(p + 1, e)) == e ||
		    *p != ':')
			goto no;
		if (!rec)
			rec = is_field(k, kn);
		want = kept(r, k, kn);
		p = fast_value(r, skip_ws(p + 1, e), e, want, &val);
		if (p == NULL) {
			json_decref(val);
			goto no;
		}
		if (want && json_object_setn_new_nocheck(o, k, kn, val) == -1)
			goto no;
		p = skip_ws(p, e);
		if (p < e && *p == ',') {
			p = skip_ws(p + 1, e);
			continue;
		}
		if (p < e && *p == '}' && skip_ws(p + 1, e) == e)
			break;
		goto no;
	}
	if (!rec) {
		json_decref(o);
		return 0;
	}
	*obj = o;
	return 1;
no:
	json_decref(o);
	return -1;
}

static int
next_jsonl(struct dsn_recin *r, json_t **obj, char *err, size_t errlen)
{
	json_error_t je;
	char *fixed = NULL;
	const char *s, *nul;
	size_t n;
	int rc;

	do {
		if ((rc = read_line(r, &s, &n)) <= 0 && rc != -1)
			return rc;
		r->recline = r->lineno;
		if (rc == -1) {
			snprintf(err, errlen, "line longer than %zu bytes",
			    RECIN_MAX);
			return -1;
		}
	} while (blank(s, n));
	/* A raw NUL is never JSON; repair would turn it into U+FFFD. */
	if ((nul = memchr(s, '\0', n)) != NULL) {
		snprintf(err, errlen, "not JSON: control character 0x0 at "
		    "column %zu", (size_t)(nul - s) + 1);
		return -1;
	}
	if ((rc = fast_object(r, s, n, obj)) < 0 && !recutf8_valid(s, n) &&
	    (fixed = recutf8_repair(s, n, &n)) != NULL) {
		s = fixed;
		rc = fast_object(r, s, n, obj);
	}
	if (rc >= 0) {
		free(fixed);
		if (rc == 0)
			snprintf(err, errlen, "an object with no record field "
			    "(recipient, type, ...)");
		return rc == 1 ? 1 : -1;
	}
	*obj = json_loadb(s, n, JSON_ALLOW_NUL | JSON_DECODE_ANY, &je);
	if (*obj != NULL && nul_escape(s, n))
		no_nul(*obj);
	free(fixed);
	if (*obj == NULL) {
		snprintf(err, errlen, "not JSON: %s", je.text);
		return -1;
	}
	if ((rc = check_record(obj, err, errlen)) == 1 &&
	    project(r, obj) == -1) {
		json_decref(*obj);
		*obj = NULL;
		return -2;
	}
	return rc;
}

/* Jansson's reader over the block, for a JSON array. */
static size_t
array_read(void *buf, size_t len, void *arg)
{
	struct dsn_recin *r = arg;
	size_t n;

	if (r->ipos == r->ilen && fill(r) == -1)
		return (size_t)-1;
	n = r->ilen - r->ipos;
	if (n > len)
		n = len;
	memcpy(buf, r->in + r->ipos, n);
	r->ipos += n;
	r->afed += n;
	r->alast = n;
	return n;
}

/*
 * Gives back what Jansson took past the end of the array (it reads in
 * chunks; je.position is where the value ended, an int that may have
 * wrapped, hence the difference taken modulo 2^32).  What it took is
 * the tail of the last chunk, still in the block.
 */
static void
array_unread(struct dsn_recin *r, const json_error_t *je)
{
	uint32_t over = (uint32_t)r->afed - (uint32_t)je->position;

	if (over <= r->alast)
		r->ipos -= over;
}

/*
 * After an array: 0 at the end of the input, 1 when another array
 * follows (cat a.json b.json), -1 with err set when anything else does.
 */
static int
array_after(struct dsn_recin *r, char *err, size_t errlen)
{
	int c;

	while ((c = peekc(r)) != EOF && strchr(" \t\r\n", c) != NULL)
		r->ipos++;
	if (c == EOF)
		return r->rerr ? -2 : 0;
	if (c == '[')
		return 1;
	snprintf(err, errlen, "text after the JSON array (byte '%c')",
	    c >= 0x20 && c < 0x7f ? c : '?');
	return -1;
}

static int
next_array(struct dsn_recin *r, json_t **obj, char *err, size_t errlen)
{
	json_error_t je;
	int rc;

again:
	if (r->array != NULL && r->ai >= json_array_size(r->array)) {
		if ((rc = array_after(r, err, errlen)) != 1) {
			if (rc < 0) {
				r->mode = M_END;
				r->recline = (long)r->ai + 1;
			}
			return rc;
		}
		json_decref(r->array);
		r->array = NULL;
		r->ai = 0;
	}
	/* XXX recin: a JSON array is read whole; JSON Lines stream. */
	if (r->array == NULL) {
		r->afed = r->alast = 0;
		r->array = json_load_callback(array_read, r,
		    JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, &je);
		if (r->array != NULL)
			array_unread(r, &je);
		if (r->array == NULL || !json_is_array(r->array)) {
			snprintf(err, errlen, "not a JSON array: %s",
			    r->array ? "wrong type" : je.text);
			/* Where Jansson stopped, not line 0. */
			r->recline = r->lineno + (r->array == NULL &&
			    je.line > 0 ? (long)je.line : 1);
			r->mode = M_END;
			return r->rerr ? -2 : -1;
		}
		no_nul(r->array);
	}
	if (r->ai >= json_array_size(r->array))
		goto again;
	r->recline = (long)++r->ai;
	*obj = json_incref(json_array_get(r->array, r->ai - 1));
	if (check_record(obj, err, errlen) == -1) {
		snprintf(err + strlen(err), errlen - strlen(err),
		    " (array element %zu)", r->ai);
		return -1;
	}
	if (project(r, obj) == -1) {
		json_decref(*obj);
		*obj = NULL;
		return -2;
	}
	return 1;
}

/* Ends the current cell: NUL-terminates it and starts the next. */
static int
end_cell(struct dsn_recin *r)
{
	size_t *n;

	if (put(r, '\0') == -1)
		return -1;
	if (r->ncell + 1 >= r->cellcap) {
		n = realloc(r->cell, sizeof(*n) * (size_t)(r->cellcap + 64));
		if (n == NULL)
			return -1;
		r->cell = n;
		r->cellcap += 64;
	}
	r->cell[++r->ncell] = r->len;
	return 0;
}

/*
 * One CSV row into buf/cell: 1, 0 at the end, -1 with err set (too
 * long, unterminated quote), -2 on a read error.
 */
static int
read_row(struct dsn_recin *r, char *err, size_t errlen)
{
	int c, q = 0, any = 0, bad = 0;

	if (r->cellcap == 0) {
		if ((r->cell = malloc(sizeof(*r->cell) * 64)) == NULL)
			return -2;
		r->cellcap = 64;
	}
	r->len = 0;
	r->ncell = 0;
	r->cell[0] = 0;
	r->recline = r->lineno + 1;
	while ((c = nextc(r)) != EOF) {
		any = 1;
		if (c == '\n')
			r->lineno++;
		if (q) {
			if (c == '"') {
				if (peekc(r) != '"') {
					q = 0;
					continue;
				}
				r->ipos++;
			}
		} else if (c == '"') {
			q = 1;
			continue;
		} else if (c == ',') {
			bad |= end_cell(r);
			continue;
		} else if (c == '\r' || c == '\n') {
			if (c == '\r') {
				r->lineno++;	/* CR or CRLF ends the line */
				if (peekc(r) == '\n')
					r->ipos++;
			}
			break;
		}
		if (!bad)
			bad = put(r, c);
	}
	if (r->rerr)
		return -2;
	if (!any)
		return 0;
	bad |= end_cell(r);
	if (q || bad) {
		snprintf(err, errlen, q ? "unterminated quoted cell" :
		    "row longer than %zu bytes", RECIN_MAX);
		return -1;
	}
	return 1;
}

static int
is_int(const char *s)
{
	const char *p = s + (*s == '-');

	if (*p == '\0' || strlen(p) > 18)
		return 0;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

/* The JSON value of CSV cell s under column name. */
static json_t *
cell_value(const char *name, const char *s, size_t n)
{
	char *fixed;
	json_t *v;

	if (n == 0)
		return json_null();
	if ((strcmp(name, "message") == 0 || strcmp(name, "offset") == 0 ||
	    strcmp(name, "reply_code") == 0) && is_int(s))
		return json_integer(strtoll(s, NULL, 10));
	if (strcmp(name, "hard_bounce") == 0 &&
	    (strcmp(s, "true") == 0 || strcmp(s, "false") == 0))
		return json_boolean(s[0] == 't');
	/* Undo the writer's formula guard (see recout.c). */
	if (s[0] == '\'' && n > 1 && strchr("=+-@\t\r'", s[1]) != NULL) {
		s++;
		n--;
	}
	if (recutf8_valid(s, n))
		return json_stringn(s, n);
	if ((fixed = recutf8_repair(s, n, &n)) == NULL)
		return NULL;
	v = json_stringn(fixed, n);
	free(fixed);
	return v;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A non-empty name that n names hold twice (sorted copy: a hostile
 * header may have millions of columns), NULL when none, (char *)-1 on
 * allocation failure.
 */
static const char *
dup_name(char **names, size_t n)
{
	const char *dup = NULL;
	char **v;
	size_t i;

	if (n < 2)
		return NULL;
	if ((v = malloc(n * sizeof(*v))) == NULL)
		return (const char *)-1;
	memcpy(v, names, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_name);
	for (i = 1; i < n && dup == NULL; i++)
		if (v[i][0] != '\0' && strcmp(v[i], v[i - 1]) == 0)
			dup = v[i];
	free(v);
	return dup;
}

static int
read_header(struct dsn_recin *r, char *err, size_t errlen)
{
	const char *dup;
	int i, rc;

	if ((rc = read_row(r, err, errlen)) <= 0) {
		r->mode = M_END;
		return rc;
	}
	if ((r->hdr = calloc((size_t)r->ncell, sizeof(*r->hdr))) == NULL)
		return -2;
	for (i = 0; i < r->ncell; i++) {
		r->hdr[i] = recutf8_repair(r->buf + r->cell[i],
		    strlen(r->buf + r->cell[i]), NULL);
		if (r->hdr[i] == NULL)
			return -2;
		r->nhdr++;
	}
	/* Which of two same-named columns holds the field?  Not a guess. */
	if ((dup = dup_name(r->hdr, (size_t)r->nhdr)) == (const char *)-1)
		return -2;
	if (dup != NULL) {
		snprintf(err, errlen, "CSV header names column \"%.60s\" "
		    "twice", dup);
		r->mode = M_END;
		return -1;
	}
	return 1;
}

static int
next_csv(struct dsn_recin *r, json_t **obj, char *err, size_t errlen)
{
	json_t *v;
	int i, rc;

	if (r->hdr == NULL && (rc = read_header(r, err, errlen)) <= 0)
		return rc;
	do {
		if ((rc = read_row(r, err, errlen)) <= 0)
			return rc;
	} while (r->ncell == 1 && r->cell[1] == 1);	/* empty line */
	if (r->ncell != r->nhdr) {
		snprintf(err, errlen, "row has %d cells, header has %d",
		    r->ncell, r->nhdr);
		return -1;
	}
	if ((*obj = json_object()) == NULL)
		return -2;
	for (i = 0; i < r->ncell; i++) {
		if (!kept(r, r->hdr[i], strlen(r->hdr[i])))
			continue;
		v = cell_value(r->hdr[i], r->buf + r->cell[i],
		    r->cell[i + 1] - r->cell[i] - 1);
		if (v == NULL || json_object_set_new(*obj, r->hdr[i], v)) {
			json_decref(*obj);
			*obj = NULL;
			return -2;
		}
	}
	return 1;
}

int
dsn_recin_next(struct dsn_recin *r, json_t **obj, char *err, size_t errlen)
{
	int rc;

	*obj = NULL;
	if (r->mode == M_UNKNOWN) {
		detect(r);
		if (r->rerr) {
			r->mode = M_END;
			rc = -2;
			goto out;
		}
		if (r->binary[0] != '\0') {
			r->recline = r->lineno + 1;
			snprintf(err, errlen, "%s", r->binary);
			return -1;
		}
	}
	switch (r->mode) {
	case M_JSONL:
		rc = next_jsonl(r, obj, err, errlen);
		break;
	case M_ARRAY:
		rc = next_array(r, obj, err, errlen);
		break;
	case M_CSV:
		rc = next_csv(r, obj, err, errlen);
		break;
	default:
		return 0;
	}
out:
	if (rc == -2 && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", strerror(r->rerr ? r->rerrno :
		    errno ? errno : EIO));
	return rc;
}
