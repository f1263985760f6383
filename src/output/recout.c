/*
 * recout.c - the record writers: JSON Lines, one JSON array, or CSV.
 *
 * JSON is written here directly, not through Jansson, so dsn-parse pays
 * no allocation per field; strings are escaped and any invalid UTF-8 is
 * replaced by U+FFFD on the way, so every line parses.  CSV follows
 * RFC 4180 (CRLF rows, quoted cells where needed) and neutralises cells
 * a spreadsheet would run as a formula.  Each row is built in a buffer
 * the writer owns (it grows to the largest row) and handed to stdio
 * with one fwrite.  The writer copies its column names; the FILE stays
 * the caller's.
 */
#include <errno.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "dsn/recout.h"
#include "recutf8.h"
#include "message/word.h"

struct dsn_recout {
	FILE		 *fp;
	enum dsn_outfmt	  fmt;
	char		**cols;
	char		**keys;		/* JSON: ',' "name" ':' "null" */
	size_t		 *keylen;	/* without the "null" */
	size_t		  keyslen;	/* of all keys, with "null" */
	size_t		  repeat;	/* most columns showing one field */
	struct jcol	 *jcols;	/* every column, when all are jcols */
	int		 *idx;		/* field of each column, or -1 */
	unsigned long	  numbers;	/* bit f: field f is a JSON number */
	int		  ncols;
	int		  flags;
	int		  started;	/* header or '[' written */
	long		  count;	/* records written */
	int		  failed;
	char		 *ob;		/* the row being built */
	size_t		  olen, ocap;
	size_t		  row0;		/* where in ob the row starts */
};

/*
 * Room of a JSON key (with "null"): field names fit, so a key is
 * copied as KEY_SLOT bytes, a size the compiler copies inline.
 */
#define KEY_SLOT	32

/*
 * A JSON column whose key (with "null") fits KEY_SLOT and whose field
 * is known: kept side by side, so the row loop reads one struct.
 */
struct jcol {
	char		  key[KEY_SLOT];	/* zero-padded */
	size_t		  keylen;	/* without the "null" */
	int		  f;
};

/* Bytes that go into a JSON string as they are. */
static const unsigned char json_plain[256] = {
	['\x20'] = 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
};

/* Room for n more bytes in the row buffer; -1 when out of memory. */
static int
reserve(struct dsn_recout *w, size_t n)
{
	size_t cap;
	char *nb;

	if (w->ocap - w->olen >= n)
		return 0;
	if (w->failed || n > ((size_t)-1) / 2 - w->olen) {
		w->failed = 1;
		return -1;
	}
	cap = w->ocap ? w->ocap : 4096;
	while (cap - w->olen < n)
		cap *= 2;
	if ((nb = realloc(w->ob, cap)) == NULL) {
		w->failed = 1;
		return -1;
	}
	w->ob = nb;
	w->ocap = cap;
	return 0;
}

static void
put(struct dsn_recout *w, const void *p, size_t n)
{
	if (n == 0 || reserve(w, n) == -1)
		return;
	memcpy(w->ob + w->olen, p, n);
	w->olen += n;
}

static void
puts_(struct dsn_recout *w, const char *s)
{
	put(w, s, strlen(s));
}

static void
putch(struct dsn_recout *w, int c)
{
	if (reserve(w, 1) == -1)
		return;
	w->ob[w->olen++] = (char)c;
}

/* Hands the row buffer to stdio; -1 on a write error (errno set). */
static int
flush_row(struct dsn_recout *w)
{
	size_t n = w->olen;

	w->olen = 0;
	/* The FILE is used by this thread alone: no lock taken. */
	if (n > 0 && fwrite_unlocked(w->ob, 1, n, w->fp) != n)
		w->failed = 1;
	if (w->failed || ferror_unlocked(w->fp)) {
		w->failed = 1;
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/*
 * 1 when s (n bytes) is a JSON integer of fewer than 20 characters.  A
 * digit is a byte less '0' below 10 (unsigned: one test).
 */
static int
is_json_int(const char *s, size_t n)
{
	size_t i = s[0] == '-';

	if (n >= 20 || i >= n || (s[i] == '0' && n > i + 1))
		return 0;
	for (; i < n; i++)
		if ((unsigned char)(s[i] - '0') > 9)
			return 0;
	return 1;
}


/* The bytes of x that are not json_plain: their high bits. */
static uint64_t
bad8(uint64_t x)
{
	return ((x | (x - ONES * 0x20)) & HIGHS) |
	    HASZERO(x ^ (ONES * '"')) | HASZERO(x ^ (ONES * '\\'));
}

#if defined(__SSE2__)
/* The bytes of the 16 at p that are not json_plain: a bit each. */
static unsigned
bad16(const unsigned char *p)
{
	const __m128i b = _mm_loadu_si128((const __m128i *)(const void *)p);

	/* Signed: bytes from 0x80 are below 0x20 too. */
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(
	    _mm_cmplt_epi8(b, _mm_set1_epi8(0x20)),
	    _mm_or_si128(_mm_cmpeq_epi8(b, _mm_set1_epi8('"')),
	    _mm_cmpeq_epi8(b, _mm_set1_epi8('\\')))));
}
#endif

/*
 * Length of the run of json_plain bytes at p[0..n): 16 bytes a time
 * with SSE2, else 8 (a block's first bad byte is its lowest flagged
 * one: borrows only flag bytes above it).  The tail is read as the
 * block ending at p + n, the flags of bytes already checked shifted
 * out, when the string is that long; else byte by byte.
 */
static size_t
plain_run(const unsigned char *p, size_t n)
{
	size_t i = 0;
	uint64_t x, bad;
#if defined(__SSE2__)
	unsigned m;

	for (; i + 16 <= n; i += 16)
		if ((m = bad16(p + i)) != 0)
			return i + (size_t)__builtin_ctz(m);
	if (i < n && n >= 16) {
		m = bad16(p + n - 16) >> (i - (n - 16));
		return m != 0 ? i + (size_t)__builtin_ctz(m) : n;
	}
#endif
	for (; i + 8 <= n; i += 8) {
		memcpy(&x, p + i, 8);
		if ((bad = bad8(x)) != 0)
			return i + (size_t)__builtin_ctzll(le64(bad)) / 8;
	}
	if (i < n && n >= 8) {
		memcpy(&x, p + n - 8, 8);
		bad = le64(bad8(x)) >> (8 * (i - (n - 8)));
		return bad != 0 ? i + (size_t)__builtin_ctzll(bad) / 8 : n;
	}
	while (i < n && json_plain[p[i]])
		i++;
	return i;
}

/*
 * Writes s (n bytes) at o as a JSON string: escaped, repaired, quoted;
 * returns the end.  o has room for 6 * n + 2 bytes (every byte becomes
 * 6 at most: "\u001f", "\ufffd").  Runs of plain bytes and valid UTF-8
 * are copied whole.
 */
static char *
json_quote(char *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run, k;
	unsigned char c;

	*o++ = '"';
	while (i < n) {
		run = i;
		i += plain_run(p + i, n - i);
		while (i < n && p[i] >= 0x80 &&
		    (k = recutf8_seq(p + i, n - i)) > 0)
			i += k;
		if (i > run) {
			memcpy(o, p + run, i - run);
			o += i - run;
			continue;
		}
		c = p[i++];
		*o++ = '\\';
		if (c == '"' || c == '\\')
			*o++ = (char)c;
		else if (c == '\n')
			*o++ = 'n';
		else if (c == '\t')
			*o++ = 't';
		else if (c == '\r')
			*o++ = 'r';
		else if (c == 0 || c >= 0x80) {
			memcpy(o, "ufffd", 5);	/* NUL or a bad byte */
			o += 5;
		} else {
			memcpy(o, "u00", 3);
			o[3] = hex[c >> 4];
			o[4] = hex[c & 0xf];
			o += 5;
		}
	}
	*o++ = '"';
	return o;
}

/* json_quote() into the row buffer. */
static void
put_json_string(struct dsn_recout *w, const char *s, size_t n)
{
	if (n > ((size_t)-1) / 8 || reserve(w, n * 6 + 2) == -1)
		return;
	w->olen = (size_t)(json_quote(w->ob + w->olen, s, n) - w->ob);
}

static int
csv_is_formula(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || strchr("=+-@\t\r'", s[0]) == NULL)
		return 0;
	if (s[0] == '\'')	/* so the reader can undo the prefix */
		return n > 1 && strchr("=+-@\t\r'", s[1]) != NULL;
	if (s[0] == '-' || s[0] == '+') {
		/* A plain number is left alone: -5, +3.25. */
		for (i = 1; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i > 1 && i < n && s[i] == '.')
			for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
				;
		if (i > 1 && i == n && s[n - 1] != '.')
			return 0;
	}
	return 1;
}

/*
 * Writes one CSV cell, quoting and repairing as needed.  plain: s is
 * known valid UTF-8 with no control byte or '"' (dsn_record_plain()),
 * so only a ',' can make it quoted.
 */
static void
put_csv_cell(struct dsn_recout *w, const char *s, size_t n, int neutralise,
    int plain)
{
	char *fixed = NULL;
	size_t i, run;
	int quote;

	if (plain)
		quote = memchr(s, ',', n) != NULL;
	else {
		if (!recutf8_valid(s, n) &&
		    (fixed = recutf8_repair(s, n, &n)) != NULL)
			s = fixed;
		quote = n > 0 && (memchr(s, '"', n) != NULL ||
		    memchr(s, ',', n) != NULL || memchr(s, '\n', n) != NULL ||
		    memchr(s, '\r', n) != NULL);
	}
	if (quote)
		putch(w, '"');
	if (neutralise && csv_is_formula(s, n))
		putch(w, '\'');
	for (i = run = 0; quote && i < n; i++)
		if (s[i] == '"') {
			put(w, s + run, i + 1 - run);
			run = i;	/* the quote is written twice */
		}
	put(w, s + run, n - run);
	if (quote)
		putch(w, '"');
	free(fixed);
}

int
dsn_outfmt_parse(const char *s)
{
	if (strcmp(s, "jsonl") == 0)
		return DSN_OUT_JSONL;
	if (strcmp(s, "json") == 0)
		return DSN_OUT_JSON;
	if (strcmp(s, "csv") == 0)
		return DSN_OUT_CSV;
	return -1;
}

/*
 * The columns as jcols when every one can be (else w->jcols stays
 * NULL); -1 on allocation failure.
 */
static int
make_jcols(struct dsn_recout *w)
{
	int	 i;

	for (i = 0; i < w->ncols; i++)
		if (w->idx[i] < 0 || w->keylen[i] + 4 > KEY_SLOT)
			return 0;
	if ((w->jcols = calloc((size_t)w->ncols + 1, sizeof(*w->jcols))) ==
	    NULL)
		return -1;
	for (i = 0; i < w->ncols; i++) {
		memcpy(w->jcols[i].key, w->keys[i], KEY_SLOT);
		w->jcols[i].keylen = w->keylen[i];
		w->jcols[i].f = w->idx[i];
	}
	return 0;
}

/*
 * The escaped key of every JSON column with its separators, and "null"
 * after it: an absent value is then one copy.  Each takes KEY_SLOT
 * bytes at least, so a short one is copied whole with a constant size.
 */
static int
make_keys(struct dsn_recout *w)
{
	int i;

	w->keys = calloc((size_t)w->ncols + 1, sizeof(*w->keys));
	w->keylen = calloc((size_t)w->ncols + 1, sizeof(*w->keylen));
	if (w->keys == NULL || w->keylen == NULL)
		return -1;
	for (i = 0; i < w->ncols; i++) {
		w->olen = 0;
		if (i > 0)
			putch(w, ',');
		put_json_string(w, w->cols[i], strlen(w->cols[i]));
		putch(w, ':');
		w->keylen[i] = w->olen;
		put(w, "null", 4);
		w->keyslen += w->olen;
		if (w->failed || (w->keys[i] = calloc(1, w->olen < KEY_SLOT ?
		    KEY_SLOT : w->olen)) == NULL)
			return -1;
		memcpy(w->keys[i], w->ob, w->olen);
	}
	w->olen = 0;
	return make_jcols(w);
}

/* The most columns that show one field (a field may be asked twice). */
static size_t
most_shown(const struct dsn_recout *w)
{
	size_t	 count[DSN_F_COUNT] = { 0 }, most = 1;
	int	 i;

	for (i = 0; i < w->ncols; i++)
		if (w->idx[i] >= 0 && ++count[w->idx[i]] > most)
			most = count[w->idx[i]];
	return most;
}

struct dsn_recout *
dsn_recout_new(FILE *fp, enum dsn_outfmt fmt, const char *const *cols,
    int ncols, int flags)
{
	struct dsn_recout *w;
	int i;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->fp = fp;
	w->fmt = fmt;
	w->flags = flags;
	w->cols = calloc((size_t)ncols + 1, sizeof(*w->cols));
	w->idx = calloc((size_t)ncols + 1, sizeof(*w->idx));
	if (w->cols == NULL || w->idx == NULL)
		goto fail;
	for (w->ncols = 0; w->ncols < ncols; w->ncols++) {
		i = w->ncols;
		if ((w->cols[i] = strdup(cols[i])) == NULL)
			goto fail;
		w->idx[i] = dsn_field_lookup(cols[i]);
	}
	for (i = 0; i < DSN_F_COUNT; i++)
		if (dsn_field_is_number(i))
			w->numbers |= 1UL << i;
	w->repeat = most_shown(w);
	if (make_keys(w) == -1)
		goto fail;
	return w;
fail:
	w->fp = NULL;
	dsn_recout_close(w);
	return NULL;
}

/* The CSV header row or the opening bracket, once. */
static void
start(struct dsn_recout *w)
{
	int i;

	if (w->started)
		return;
	w->started = 1;
	if (w->fmt == DSN_OUT_CSV) {
		for (i = 0; i < w->ncols; i++) {
			if (i > 0)
				putch(w, ',');
			put_csv_cell(w, w->cols[i], strlen(w->cols[i]), 0, 0);
		}
		put(w, "\r\n", 2);
	} else if (w->fmt == DSN_OUT_JSON)
		putch(w, '[');
}

static void
begin_row(struct dsn_recout *w)
{
	start(w);
	w->row0 = w->olen;
	if (w->fmt == DSN_OUT_JSON)
		puts_(w, w->count > 0 ? ",\n" : "\n");
	if (w->fmt != DSN_OUT_CSV)
		putch(w, '{');
}

static int
end_row(struct dsn_recout *w)
{
	if (w->fmt == DSN_OUT_CSV) {
		/* One empty cell: a blank line would be read as no row. */
		if (w->olen == w->row0)
			put(w, "\"\"", 2);
		put(w, "\r\n", 2);
	} else
		puts_(w, w->fmt == DSN_OUT_JSONL ? "}\n" : "}");
	w->count++;
	return flush_row(w);
}

/* Column i's name and separator, for JSON. */
static void
put_key(struct dsn_recout *w, int i)
{
	put(w, w->keys[i], w->keylen[i]);
}

/*
 * Copies the n bytes at s to o, returns the end: inline, as values are
 * short, 16 bytes a time with the last block overlapping the one
 * before, a shorter value as two overlapping halves (no byte past
 * s + n is read, none past o + n written).
 */
static inline char *
copy_value(char *o, const char *s, size_t n)
{
	uint64_t	 x, y;
	uint32_t	 a, b;
	size_t		 i;

	if (n >= 16) {
		for (i = 0; i + 16 < n; i += 16)
			memcpy(o + i, s + i, 16);
		memcpy(o + n - 16, s + n - 16, 16);
	} else if (n >= 8) {
		memcpy(&x, s, 8);
		memcpy(&y, s + n - 8, 8);
		memcpy(o, &x, 8);
		memcpy(o + n - 8, &y, 8);
	} else if (n >= 4) {
		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		memcpy(o, &a, 4);
		memcpy(o + n - 4, &b, 4);
	} else if (n > 0) {
		o[0] = s[0];
		o[n / 2] = s[n / 2];
		o[n - 1] = s[n - 1];
	}
	return o + n;
}

/*
 * Writes the value v (n bytes) of field f at o, returns the end: a
 * JSON number when f is one of numbers and v an integer, else a
 * string.  A string the record knows to need no escape (f in plain) is
 * copied as it is.
 */
static inline __attribute__((always_inline)) char *
json_value(char *o, const char *v, size_t n, int f, unsigned long numbers,
    unsigned long plain)
{
	if (plain & 1UL << f) {
		*o++ = '"';
		o = copy_value(o, v, n);
		*o++ = '"';
		return o;
	}
	if ((numbers & 1UL << f) && is_json_int(v, n))
		return copy_value(o, v, n);
	return json_quote(o, v, n);
}

/*
 * The bytes the values of r take together: the record's bound, else
 * measured; (size_t)-1 when too many to escape.
 */
static size_t
values_len(const struct dsn_record *r)
{
	size_t	 total, n;
	int	 f;

	if ((total = dsn_record_maxlen(r)) != (size_t)-1)
		return total;
	for (total = 0, f = 0; f < DSN_F_COUNT; f++) {
		if (r->v[f] == NULL)
			continue;
		if ((n = dsn_record_len(r, f)) > ((size_t)-1) / 16 - total)
			return (size_t)-1;
		total += n;
	}
	return total;
}

/*
 * The fields of r for the ncols columns c at o, room made; returns the
 * end.  Each key slot is copied whole, the rest written over.
 */
static char *
jcol_fields(char *o, const struct jcol *c, int ncols,
    const struct dsn_record *r, unsigned long numbers, unsigned long plain)
{
	const struct jcol	*end = c + ncols;
	const char		*v;

	for (; c < end; c++) {
		memcpy(o, c->key, KEY_SLOT);
		if ((v = r->v[c->f]) == NULL) {
			o += c->keylen + 4;
			continue;
		}
		o += c->keylen;
		o = json_value(o, v, dsn_record_len(r, c->f), c->f, numbers,
		    plain);
	}
	return o;
}

/*
 * The fields of r for the columns of w at o, room made; returns the
 * end.  A key's whole slot is copied when it fits, the rest written
 * over.
 */
static char *
col_fields(char *o, const struct dsn_recout *w, const struct dsn_record *r,
    unsigned long numbers, unsigned long plain)
{
	const int	*idx = w->idx;
	const size_t	*keylen = w->keylen;
	char *const	*keys = w->keys;
	const char	*v;
	size_t		 k;
	int		 i, f;

	for (i = 0; i < w->ncols; i++) {
		f = idx[i];
		v = f < 0 ? NULL : r->v[f];
		k = keylen[i] + (v == NULL ? 4 : 0);
		if (keylen[i] + 4 <= KEY_SLOT)
			memcpy(o, keys[i], KEY_SLOT);
		else
			memcpy(o, keys[i], k);
		o += k;
		if (v != NULL)
			o = json_value(o, v, dsn_record_len(r, f), f, numbers,
			    plain);
	}
	return o;
}

/* The bytes around a JSON row's members: ",\n{" before, "}\n" after. */
#define ROW_FRAME	5

/*
 * A record as one JSON row, with the separator from the row before:
 * room for the worst case is made once (every value byte escaped into
 * 6, in each column showing it; KEY_SLOT more for the last key slot
 * copied whole), then it is written without checks.
 */
static void
json_row(struct dsn_recout *w, const struct dsn_record *r)
{
	unsigned long	 numbers = w->numbers;
	unsigned long	 plain = dsn_record_plain(r) & ~numbers;
	size_t		 total = values_len(r);
	char		*o;

	if (total > ((size_t)-1) / 16 / w->repeat) {
		w->failed = 1;
		return;
	}
	if (reserve(w, w->keyslen + total * 6 * w->repeat +
	    (size_t)w->ncols * 2 + KEY_SLOT + ROW_FRAME) == -1)
		return;
	/* Kept in o: every byte written could alias w's fields. */
	o = w->ob + w->olen;
	if (w->fmt == DSN_OUT_JSON) {
		if (w->count > 0)
			*o++ = ',';
		*o++ = '\n';
	}
	*o++ = '{';
	if (w->jcols != NULL)
		o = jcol_fields(o, w->jcols, w->ncols, r, numbers, plain);
	else
		o = col_fields(o, w, r, numbers, plain);
	*o++ = '}';
	if (w->fmt == DSN_OUT_JSONL)
		*o++ = '\n';
	w->olen = (size_t)(o - w->ob);
}

int
dsn_recout_record(struct dsn_recout *w, const struct dsn_record *r)
{
	unsigned long plain = dsn_record_plain(r);
	const char *v;
	int i, f;

	if (w->fmt != DSN_OUT_CSV) {
		start(w);
		json_row(w, r);
		w->count++;
		return flush_row(w);
	}
	begin_row(w);
	for (i = 0; i < w->ncols; i++) {
		f = w->idx[i];
		v = f >= 0 ? r->v[f] : NULL;
		if (i > 0)
			putch(w, ',');
		if (v != NULL)
			put_csv_cell(w, v, dsn_record_len(r, f),
			    !(w->flags & DSN_RECOUT_CSV_RAW),
			    (plain & 1UL << f) != 0);
	}
	return end_row(w);
}

/* A JSON value's text for CSV, or its JSON form; NULL for null. */
static char *
value_text(json_t *v, int csv)
{
	if (v == NULL || json_is_null(v))
		return NULL;
	if (csv && json_is_true(v))
		return strdup("true");
	if (csv && json_is_false(v))
		return strdup("false");
	return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

int
dsn_recout_object(struct dsn_recout *w, json_t *obj)
{
	json_t *v;
	char *text;
	int i, csv = w->fmt == DSN_OUT_CSV;

	begin_row(w);
	for (i = 0; i < w->ncols; i++) {
		v = json_is_object(obj) ? json_object_get(obj, w->cols[i]) :
		    NULL;
		if (csv && i > 0)
			putch(w, ',');
		if (!csv)
			put_key(w, i);
		if (json_is_string(v)) {
			if (csv)
				put_csv_cell(w, json_string_value(v),
				    json_string_length(v),
				    !(w->flags & DSN_RECOUT_CSV_RAW), 0);
			else
				put_json_string(w, json_string_value(v),
				    json_string_length(v));
			continue;
		}
		text = value_text(v, csv);
		if (csv && text != NULL)
			put_csv_cell(w, text, strlen(text),
			    !(w->flags & DSN_RECOUT_CSV_RAW), 0);
		else
			puts_(w, text != NULL ? text : (csv ? "" : "null"));
		free(text);
	}
	return end_row(w);
}

int
dsn_recout_close(struct dsn_recout *w)
{
	int i, rc = 0;

	if (w == NULL)
		return 0;
	if (w->fp != NULL) {
		start(w);
		if (w->fmt == DSN_OUT_JSON)
			puts_(w, w->count > 0 ? "\n]\n" : "]\n");
		if (flush_row(w) == -1 || fflush(w->fp) != 0 ||
		    ferror(w->fp) || w->failed) {
			if (errno == 0)
				errno = EIO;
			rc = -1;
		}
	}
	for (i = 0; w->cols != NULL && i < w->ncols; i++)
		free(w->cols[i]);
	for (i = 0; w->keys != NULL && i < w->ncols; i++)
		free(w->keys[i]);
	free(w->cols);
	free(w->keys);
	free(w->keylen);
	free(w->jcols);
	free(w->idx);
	free(w->ob);
	free(w);
	return rc;
}
