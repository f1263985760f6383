/*
 * record.c - the record type: field names, setters that clean values.
 *
 * A record owns its strings.  dsn_record_set() copies its input and
 * repairs it on the way in (UTF-8, control characters, white space), so
 * every later stage may trust that a field is clean one-line UTF-8.
 * Values are bump-allocated from the pool at the end of the record and
 * malloc'd only once it is full: a record and its strings are mostly one
 * allocation, copied whole by dsn_record_dup().
 */
#include <stddef.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "dsn/record.h"
#include "recutf8.h"
#include "message/word.h"

static const char *const field_names[DSN_F_COUNT] = {
	"source", "message", "offset", "report_id", "type", "format",
	"date", "reporting_mta", "remote_mta", "recipient",
	"original_recipient", "action", "status", "reply_code",
	"diagnostic_type", "diagnostic", "last_attempt", "sender",
	"message_id", "subject", "list_id", "feedback_type", "bounce_to",
	"smtp_command", "category"
};

const char *
dsn_field_name(enum dsn_field f)
{
	if ((int)f < 0 || f >= DSN_F_COUNT)
		return NULL;
	return field_names[f];
}

int
dsn_field_lookup(const char *name)
{
	int	 i;

	if (name == NULL)
		return -1;
	for (i = 0; i < DSN_F_COUNT; i++)
		if (strcmp(field_names[i], name) == 0)
			return i;
	return -1;
}

int
dsn_field_is_number(enum dsn_field f)
{
	return f == DSN_F_MESSAGE || f == DSN_F_OFFSET ||
	    f == DSN_F_REPLY_CODE;
}

/*
 * A record and its pool take 1 KiB: glibc serves that size from its
 * per-thread cache, and most records' values fit.
 */
#define REC_SIZE	1024
#define POOL_SIZE	(REC_SIZE - offsetof(struct dsn_record, pool))

/* The bit of field f in r->heap, r->pooled and r->plain. */
#define FIELD_BIT(f)	(1UL << (f))

_Static_assert(DSN_F_COUNT <= 32, "one bit per field in heap, plain");

/* Drops the value of f; the newest pool value gives its bytes back. */
static void
drop(struct dsn_record *r, enum dsn_field f)
{
	char	*v = r->v[f];

	if (v == NULL)
		return;
	r->plain &= ~FIELD_BIT(f);
	r->pooled &= ~FIELD_BIT(f);
	if (r->heap & FIELD_BIT(f)) {
		free(v);
		r->heap &= ~FIELD_BIT(f);
	} else if (v == r->pool + r->last)
		r->used = r->last;
	r->v[f] = NULL;
}

/*
 * Sets f, absent, to a copy of the n bytes at s, known clean, in the
 * pool when they fit.  -1 on allocation failure.
 */
static int
put_clean(struct dsn_record *r, enum dsn_field f, const char *s, size_t n)
{
	char	*out;

	if (POOL_SIZE - r->used > n) {
		out = r->pool + r->used;
		r->last = r->used;
		r->used += n + 1;
		r->pooled |= FIELD_BIT(f);
	} else if ((out = malloc(n + 1)) == NULL)
		return -1;
	else
		r->heap |= FIELD_BIT(f);
	memcpy(out, s, n);
	out[n] = '\0';
	r->v[f] = out;
	r->len[f] = n;
	return 0;
}

/*
 * Records freed and not yet taken again, per thread: a message makes
 * and drops a few, and taking one back costs less than malloc() and
 * free() of 1 KiB.  Kept for the life of the thread (SPARE KiB at most).
 */
#if defined(__SANITIZE_ADDRESS__)	/* gcc */
#define NO_SPARE
#elif defined(__has_feature)		/* clang */
#if __has_feature(address_sanitizer)
#define NO_SPARE
#endif
#endif
#if defined(NO_SPARE)
#define SPARE	0	/* AddressSanitizer then sees a record used after free */
#else
#define SPARE	4
#endif
static _Thread_local struct dsn_record	*spare[SPARE + 1];
static _Thread_local int		 nspare;

static struct dsn_record *
rec_alloc(void)
{
	return nspare > 0 ? spare[--nspare] : malloc(REC_SIZE);
}

static void
rec_release(struct dsn_record *r)
{
	if (nspare < SPARE)
		spare[nspare++] = r;
	else
		free(r);
}

struct dsn_record *
dsn_record_new(void)
{
	struct dsn_record	*r;

	if ((r = rec_alloc()) == NULL)
		return NULL;
	/* len[f] is read only while v[f] is set: left as it was. */
	memset(r, 0, offsetof(struct dsn_record, len));
	return r;
}

/* One copy of the record and its pool; values outside it copied apart. */
struct dsn_record *
dsn_record_dup(const struct dsn_record *r)
{
	struct dsn_record	*d;
	unsigned long		 h;
	int			 i;

	if ((d = rec_alloc()) == NULL)
		return NULL;
	memcpy(d, r, offsetof(struct dsn_record, pool) + r->used);
	d->heap = 0;
	/* Pooled values moved with the pool; malloc'd ones copied apart. */
	for (h = r->pooled; h != 0; h &= h - 1) {
		i = __builtin_ctzl(h);
		d->v[i] = d->pool + (r->v[i] - r->pool);
	}
	for (h = r->heap; h != 0; h &= h - 1) {
		i = __builtin_ctzl(h);
		d->v[i] = NULL;
		if (put_clean(d, i, r->v[i], r->len[i]) == -1) {
			dsn_record_free(d);
			return NULL;
		}
	}
	return d;
}

void
dsn_record_free(struct dsn_record *r)
{
	unsigned long	 h;

	if (r == NULL)
		return;
	for (h = r->heap; h != 0; h &= h - 1)
		free(r->v[__builtin_ctzl(h)]);
	rec_release(r);
}

unsigned long
dsn_record_plain(const struct dsn_record *r)
{
	return r->plain;
}

/* The newest pool value, shortened, gives back its tail. */
void
dsn_record_truncate(struct dsn_record *r, enum dsn_field f, size_t n)
{
	char	*v;

	if ((int)f < 0 || f >= DSN_F_COUNT || (v = r->v[f]) == NULL ||
	    n >= r->len[f])
		return;
	v[n] = '\0';
	r->len[f] = n;
	if (!(r->heap & FIELD_BIT(f)) && v == r->pool + r->last)
		r->used = r->last + n + 1;
}

size_t
dsn_record_maxlen(const struct dsn_record *r)
{
	return r->heap != 0 ? (size_t)-1 : r->used;
}

int
dsn_record_move(struct dsn_record *to, struct dsn_record *from,
    enum dsn_field f)
{
	char	*v;

	if ((int)f < 0 || f >= DSN_F_COUNT)
		return -1;
	drop(to, f);
	if ((v = from->v[f]) == NULL)
		return 0;
	to->plain |= from->plain & FIELD_BIT(f);
	if (from->heap & FIELD_BIT(f)) {
		/* A malloc'd value changes hands. */
		to->v[f] = v;
		to->len[f] = from->len[f];
		to->heap |= FIELD_BIT(f);
		from->heap &= ~FIELD_BIT(f);
		from->plain &= ~FIELD_BIT(f);
		from->v[f] = NULL;
		return 0;
	}
	if (put_clean(to, f, v, from->len[f]) == -1) {
		to->plain &= ~FIELD_BIT(f);
		return -1;
	}
	drop(from, f);
	return 0;
}


/* A byte that is kept as it is: printable ASCII but the space. */
#define PLAIN(c)	((unsigned)(c) - 0x21 < 0x5e)

/*
 * The high bit of each byte of x that is not PLAIN: exact for the
 * lowest such byte (a borrow or carry only flags bytes above it).
 */
#if !defined(__SSE2__)
static inline uint64_t
bad8(uint64_t x)
{
	return (((x - ONES * 0x21) & ~x) | ((x + ONES) | x)) & HIGHS;
}
#endif

#if defined(__SSE2__)
/*
 * For the 16 bytes at p (17 readable): a bit for each byte that ends a
 * run (see run_len()), the returned mask; *e gets a bit for each '"'
 * or '\\'.
 */
static inline unsigned
run_stops16(const unsigned char *p, unsigned *e)
{
	const __m128i	 b = _mm_loadu_si128((const void *)p);
	const __m128i	 next = _mm_loadu_si128((const void *)(p + 1));
	__m128i		 keep;

	/* Kept: 0x20..0x7e, but a space before a byte not PLAIN. */
	keep = _mm_and_si128(_mm_and_si128(
	    _mm_cmpgt_epi8(b, _mm_set1_epi8(0x1f)),
	    _mm_cmplt_epi8(b, _mm_set1_epi8(0x7f))),
	    _mm_or_si128(_mm_xor_si128(
	    _mm_cmpeq_epi8(b, _mm_set1_epi8(' ')),
	    _mm_set1_epi8(-1)), _mm_and_si128(
	    _mm_cmpgt_epi8(next, _mm_set1_epi8(0x20)),
	    _mm_cmplt_epi8(next, _mm_set1_epi8(0x7f)))));
	*e = (unsigned)_mm_movemask_epi8(_mm_or_si128(
	    _mm_cmpeq_epi8(b, _mm_set1_epi8('"')),
	    _mm_cmpeq_epi8(b, _mm_set1_epi8('\\'))));
	return (unsigned)_mm_movemask_epi8(keep) ^ 0xffff;
}
#endif

/*
 * Length of the run at p[0..len), p[0] PLAIN, that cleaning copies as
 * it is: PLAIN bytes and single spaces between them (a space is kept
 * when a PLAIN byte follows).  *esc is made non-zero when the run holds
 * '"' or '\\'.  With SSE2, 16 bytes a time while 17 are left (the one
 * after a block says whether its last space stays), then the block
 * ending before the last byte (the bits of bytes already checked
 * shifted out), then the last byte; else byte by byte.
 */
static size_t
run_len(const unsigned char *p, size_t len, unsigned *esc)
{
	size_t		 i = 0;
#if defined(__SSE2__)
	unsigned	 stop, e;

	for (; i + 17 <= len; i += 16) {
		if ((stop = run_stops16(p + i, &e)) != 0) {
			*esc |= e & ((1U << __builtin_ctz(stop)) - 1);
			return i + (size_t)__builtin_ctz(stop);
		}
		*esc |= e;
	}
	if (i + 1 < len && len >= 17) {
		stop = run_stops16(p + len - 17, &e) >> (i - (len - 17));
		e >>= i - (len - 17);
		if (stop != 0) {
			*esc |= e & ((1U << __builtin_ctz(stop)) - 1);
			return i + (size_t)__builtin_ctz(stop);
		}
		*esc |= e;
		i = len - 1;
	}
#endif
	for (; i < len; i++) {
		if (p[i] == ' ') {
			if (i + 1 >= len || !PLAIN(p[i + 1]))
				break;
		} else if (!PLAIN(p[i]))
			break;
		else if (p[i] == '"' || p[i] == '\\')
			*esc = 1;
	}
	return i;
}

/*
 * The high bit of each byte of x that is '"' or '\\', which a JSON
 * string escapes (exact for the lowest, as bad8()).
 */
#if !defined(__SSE2__)
static inline uint64_t
esc8(uint64_t x)
{
	return HASZERO(x ^ (ONES * '"')) | HASZERO(x ^ (ONES * '\\'));
}
#endif

/*
 * Non-zero when a byte of the 16 in x (first) and y is not PLAIN; *esc
 * is made non-zero when one is '"' or '\\'.
 */
static inline uint64_t
bad_pair(uint64_t x, uint64_t y, uint64_t *esc)
{
#if defined(__SSE2__)
	const __m128i	b = _mm_set_epi64x((long long)y, (long long)x);
	/* Signed: the bytes from 0x80 are not above 0x20 either. */
	const __m128i	ok = _mm_and_si128(
	    _mm_cmpgt_epi8(b, _mm_set1_epi8(0x20)),
	    _mm_cmplt_epi8(b, _mm_set1_epi8(0x7f)));

	*esc |= (unsigned)_mm_movemask_epi8(_mm_or_si128(
	    _mm_cmpeq_epi8(b, _mm_set1_epi8('"')),
	    _mm_cmpeq_epi8(b, _mm_set1_epi8('\\'))));
	return (unsigned)_mm_movemask_epi8(ok) ^ 0xffff;
#else
	*esc |= esc8(x) | esc8(y);
	return bad8(x) | bad8(y);
#endif
}

/* What copy_word() found. */
#define WORD		1	/* every byte PLAIN */
#define WORD_SAFE	2	/* and none is '"' or '\\' */

/*
 * Copies the len (> 0) bytes at p to out, checking that they are one
 * word on the way: 16 bytes a time, the last block overlapping the one
 * before it (a byte checked and copied twice is the same byte), a
 * shorter value read as two overlapping halves, or three bytes with
 * 'a' (PLAIN) around them.  Returns 0 when a byte is not PLAIN (out
 * then holds a part), else WORD, with WORD_SAFE when a JSON string
 * takes the word as it is.
 */
static inline __attribute__((always_inline)) int
copy_word(char *out, const unsigned char *p, size_t len)
{
	uint64_t	 x, y, esc = 0, bad;
	uint32_t	 a, b;
	size_t		 i;

	if (len >= 16) {
		for (i = 0; i + 16 < len; i += 16) {
			memcpy(&x, p + i, 8);
			memcpy(&y, p + i + 8, 8);
			if (bad_pair(x, y, &esc) != 0)
				return 0;
			memcpy(out + i, &x, 8);
			memcpy(out + i + 8, &y, 8);
		}
		memcpy(&x, p + len - 16, 8);
		memcpy(&y, p + len - 8, 8);
		bad = bad_pair(x, y, &esc);
		memcpy(out + len - 16, &x, 8);
		memcpy(out + len - 8, &y, 8);
	} else if (len >= 8) {
		memcpy(&x, p, 8);
		memcpy(&y, p + len - 8, 8);
		bad = bad_pair(x, y, &esc);
		memcpy(out, &x, 8);
		memcpy(out + len - 8, &y, 8);
	} else if (len >= 4) {
		memcpy(&a, p, 4);
		memcpy(&b, p + len - 4, 4);
		x = (uint64_t)a << 32 | b;
		bad = bad_pair(x, x, &esc);
		memcpy(out, &a, 4);
		memcpy(out + len - 4, &b, 4);
	} else {
		x = ONES * 'a' << 24 | (uint64_t)p[0] << 16 |
		    (uint64_t)p[len / 2] << 8 | p[len - 1];
		bad = bad_pair(x, x, &esc);
		out[0] = (char)p[0];
		out[len / 2] = (char)p[len / 2];
		out[len - 1] = (char)p[len - 1];
	}
	if (bad != 0)
		return 0;
	return esc != 0 ? WORD : WORD | WORD_SAFE;
}

/* 1 when p[0..len) holds a control byte (below 0x20, or DEL). */
static int
has_control(const unsigned char *p, size_t len)
{
	uint64_t x, t;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&x, p + i, 8);
		t = x ^ (ONES * 0x7f);
		if ((((x - ONES * 0x20) & ~x) | ((t - ONES) & ~t)) & HIGHS)
			return 1;
	}
	for (; i < len; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return 1;
	return 0;
}

/*
 * Length of the run of valid UTF-8 sequences at p[0..len), p[0] past
 * ASCII, that are not C1 controls (U+0080..U+009F): kept as they are.
 */
static size_t
utf8_run(const unsigned char *p, size_t len)
{
	size_t	 i = 0, n;

	while (i < len && p[i] >= 0x80 &&
	    (n = recutf8_seq(p + i, len - i)) > 0 &&
	    !(n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0))
		i += n;
	return i;
}

/*
 * Room for a U+FFFD in a value being cleaned into *out (cap bytes):
 * from the first one, the buffer is made big enough for the worst case
 * (three bytes for each byte of len), moved out of the pool if it was
 * there.  -1 on allocation failure, *out then freed unless pooled.
 */
static int
grow(char **out, size_t *cap, size_t o, size_t len, int *inpool)
{
	char	*big;

	if (*cap >= len * 3 + 1)
		return 0;
	if (*inpool) {
		if ((big = malloc(len * 3 + 1)) == NULL)
			return -1;
		memcpy(big, *out, o);
		*inpool = 0;
	} else if ((big = realloc(*out, len * 3 + 1)) == NULL) {
		free(*out);
		return -1;
	}
	*out = big;
	*cap = len * 3 + 1;
	return 0;
}

/*
 * Makes out, holding the len bytes of a clean value, the value of f,
 * absent: taken from the pool (out is where it is free) or malloc'd.
 * safe: JSON takes it as it is.
 */
static void
commit(struct dsn_record *r, enum dsn_field f, char *out, size_t len,
    int inpool, int safe)
{
	out[len] = '\0';
	if (inpool) {
		r->last = r->used;
		r->used += len + 1;
		r->pooled |= FIELD_BIT(f);
	} else
		r->heap |= FIELD_BIT(f);
	if (safe)
		r->plain |= FIELD_BIT(f);
	r->v[f] = out;
	r->len[f] = len;
}

/*
 * Sets f, absent, to p[0..len) cleaned, in one pass: runs of plain
 * ASCII are copied whole (see run_len()), the rest byte by byte, and
 * whether JSON must escape the result is noted on the way.  The value
 * is cleaned straight into the pool when len bytes fit there (cleaning
 * never makes a value longer), else into a malloc'd copy sized like the
 * input, until a bad byte needs U+FFFD (three bytes for one): see
 * grow().
 */
static int
set_cleaned(struct dsn_record *r, enum dsn_field f, const unsigned char *p,
    size_t len)
{
	char			*out;
	size_t			 i, o, n, run, cap;
	int			 space, inpool;
	unsigned		 esc = 0;

	/*
	 * An address with a control byte is not an address: left null,
	 * never made into another one by turning the byte into a space.
	 */
	if ((f == DSN_F_RECIPIENT || f == DSN_F_ORIGINAL_RECIPIENT ||
	    f == DSN_F_SENDER || f == DSN_F_BOUNCE_TO) && has_control(p, len))
		return 0;
	if (len > (((size_t)-1) - 1) / 3)
		return -1;
	if ((inpool = POOL_SIZE - r->used > len)) {
		out = r->pool + r->used;
		cap = POOL_SIZE - r->used;
	} else if ((out = malloc(cap = len + 1)) == NULL)
		return -1;
	o = 0;
	space = 0;
	for (i = 0; i < len; ) {
		if (PLAIN(p[i])) {
			/* Words and the single spaces between them: one copy. */
			run = i;
			i += run_len(p + i, len - i, &esc);
			if (space && o > 0)
				out[o++] = ' ';
			space = 0;
			memcpy(out + o, p + run, i - run);
			o += i - run;
			continue;
		}
		if (p[i] < 0x20 || p[i] == 0x7f || p[i] == ' ') {
			space = 1;
			i++;
			continue;
		}
		if (space && o > 0)
			out[o++] = ' ';
		space = 0;
		/* Valid sequences but C1 controls, one after another: one copy. */
		if ((n = utf8_run(p + i, len - i)) > 0) {
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
			continue;
		}
		/* NUL never gets here: control bytes are spaces above. */
		if ((n = recutf8_seq(p + i, len - i)) == 0) {
			if (grow(&out, &cap, o, len, &inpool) == -1)
				return -1;
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		/* A C1 control (U+0080..U+009F): a control too. */
		space = 1;
		i += 2;
	}
	if (o == 0) {
		if (!inpool)
			free(out);
		return 0;
	}
	/*
	 * JSON takes it as it is, UTF-8 and no control byte by now, when
	 * no '"' or '\\' was copied (runs of PLAIN bytes hold them all).
	 */
	commit(r, f, out, o, inpool, esc == 0);
	return 0;
}

/*
 * The rest of dsn_record_set() for f, absent: a word too long for the
 * pool, malloc'd, or a value to clean.  Out of line, as the calls it
 * makes would cost the common case saved registers.
 */
static __attribute__((noinline)) int
set_slow(struct dsn_record *r, enum dsn_field f, const unsigned char *p,
    size_t len)
{
	char	*out;
	int	 word;

	if (POOL_SIZE - r->used <= len) {
		if ((out = malloc(len + 1)) == NULL)
			return -1;
		if ((word = copy_word(out, p, len)) != 0) {
			commit(r, f, out, len, 0, word & WORD_SAFE);
			return 0;
		}
		free(out);
	}
	return set_cleaned(r, f, p, len);
}

/* dsn_record_set() of a field that has a value: out of line, as above. */
static __attribute__((noinline)) int
reset(struct dsn_record *r, enum dsn_field f, const char *s, size_t len)
{
	drop(r, f);
	return dsn_record_set(r, f, s, len);
}

int
dsn_record_set(struct dsn_record *r, enum dsn_field f, const char *s,
    size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*out;
	int			 word;

	if ((int)f < 0 || f >= DSN_F_COUNT)
		return -1;
	if (r->v[f] != NULL)
		return reset(r, f, s, len);
	if (s == NULL || len == 0)
		return 0;
	/*
	 * One word, as most values are (codes, names, addresses, paths):
	 * kept as it is, with no control byte to look for, checked as it
	 * is copied into the pool.  No call on this path.
	 */
	if (POOL_SIZE - r->used > len &&
	    (word = copy_word(out = r->pool + r->used, p, len)) != 0) {
		commit(r, f, out, len, 1, word & WORD_SAFE);
		return 0;
	}
	return set_slow(r, f, p, len);
}

int
dsn_record_sets(struct dsn_record *r, enum dsn_field f, const char *s)
{
	return dsn_record_set(r, f, s, s == NULL ? 0 : strlen(s));
}

int
dsn_record_default(struct dsn_record *r, enum dsn_field f, const char *s)
{
	if ((int)f < 0 || f >= DSN_F_COUNT)
		return -1;
	if (r->v[f] != NULL)
		return 0;
	return dsn_record_sets(r, f, s);
}
