/*
 * header.c - RFC 5322 header fields read in place.
 *
 * msg_field_next() walks a header block one field at a time, folding
 * continuation lines in, for any of the three line endings.  Fields are
 * views into the caller's buffer; only msg_unfold() allocates, in the
 * arena it is given.
 */
#include <stdint.h>
#include <string.h>

#include "message/message.h"
#include "message/vec.h"

/* Bytes of a field name: printable ASCII but the colon. */
static const unsigned char name_byte[256] = {
#define R8(c)	[c] = 1, [c + 1] = 1, [c + 2] = 1, [c + 3] = 1, \
	[c + 4] = 1, [c + 5] = 1, [c + 6] = 1, [c + 7] = 1
	R8(0x21), R8(0x29), R8(0x31), [0x39] = 1, R8(0x3b), R8(0x43),
	R8(0x4b), R8(0x53), R8(0x5b), R8(0x63), R8(0x6b), R8(0x73),
	[0x7b] = 1, [0x7c] = 1, [0x7d] = 1, [0x7e] = 1
#undef R8
};

/*
 * Offset of the first byte at s[0..n) that cannot be in a field name (a
 * colon, a blank or control, DEL or a non-ASCII byte), or n.  Line ends
 * are such bytes, so the name never runs past its line.  16 bytes at a
 * time with SSE2: a signed compare below '!' also catches 0x80 and up.
 * Inline in the field loop: for a name of one block, a call would cost
 * as much as the scan.
 */
static inline __attribute__((always_inline)) size_t
name_end(const char *s, size_t n)
{
	size_t		 i = 0;
#if defined(__SSE2__)
	const __m128i	 lim = _mm_set1_epi8(0x21);
	const __m128i	 colon = _mm_set1_epi8(':'), del = _mm_set1_epi8(0x7f);
	__m128i		 x;
	unsigned	 m;

	for (; i + 16 <= n; i += 16) {
		x = _mm_loadu_si128((const void *)(s + i));
		m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmplt_epi8(x, lim), _mm_or_si128(
		    _mm_cmpeq_epi8(x, colon), _mm_cmpeq_epi8(x, del))));
		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	for (; i < n && name_byte[(unsigned char)s[i]]; i++)
		;
	return i;
}

/* Offset just after the line ending at buf[e] (CRLF, LF or CR), or len. */
static size_t
past_eol(const char *buf, size_t len, size_t e)
{
	if (e < len && buf[e] == '\r')
		return e + 1 < len && buf[e + 1] == '\n' ? e + 2 : e + 1;
	return e < len ? e + 1 : len;
}

/* 1 when the line at buf[start] is passed over before the fields. */
static int
skipped_line(const char *buf, size_t len, size_t start)
{
	size_t	 n;

	/* A stray continuation line. */
	if (buf[start] == ' ' || buf[start] == '\t')
		return 1;
	if (start != 0)
		return 0;
	/* An mbox separator (longer than "From ") or a ">From " line. */
	if (buf[0] == '>')
		return 1;
	if (len <= 5 || memcmp(buf, "From ", 5) != 0)
		return 0;
	n = msg_eol(buf, len);
	return n > 5;
}

/*
 * Offset of the line end that closes the field value starting at
 * buf[v], its continuation lines taken in; *next is set just past that
 * line end.  One scan for all the lines: at each line end the byte
 * after it says whether the field goes on, so a folded field costs no
 * more than a long line.  16 bytes at a time with SSE2.
 */
static size_t
value_end(const char *buf, size_t len, size_t v, size_t *next)
{
	size_t		 i = v, p;
#if defined(__SSE2__)
	size_t		 e;
	const __m128i	 cr = _mm_set1_epi8('\r');
	const __m128i	 lf = _mm_set1_epi8('\n');
	__m128i		 x;
	unsigned	 m;

	while (i + 16 <= len) {
		x = _mm_loadu_si128((const void *)(buf + i));
		m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(x, cr), _mm_cmpeq_epi8(x, lf)));
		if (m == 0) {
			i += 16;
			continue;
		}
		e = i + (size_t)__builtin_ctz(m);
		p = past_eol(buf, len, e);
		if (p >= len || (buf[p] != ' ' && buf[p] != '\t')) {
			*next = p;
			return e;
		}
		/* A continuation line: its first byte is a blank. */
		i = p + 1;
	}
#endif
	for (; i < len; i++) {
		if (buf[i] != '\r' && buf[i] != '\n')
			continue;
		p = past_eol(buf, len, i);
		if (p >= len || (buf[p] != ' ' && buf[p] != '\t')) {
			*next = p;
			return i;
		}
		i = p;
	}
	*next = len;
	return len;
}

#if defined(HAVE_AVX2_SCAN)
/*
 * As value_end(), 32 bytes at a time where the CPU has AVX2: a header
 * line is 30 to 80 bytes, one or two such blocks.  The last bytes are
 * left to value_end().
 */
__attribute__((target("avx2"))) static size_t
value_end_avx2(const char *buf, size_t len, size_t v, size_t *next)
{
	const __m256i	 cr = _mm256_set1_epi8('\r');
	const __m256i	 lf = _mm256_set1_epi8('\n');
	__m256i		 x;
	size_t		 i = v, e, p;
	unsigned	 m;

	while (i + 32 <= len) {
		x = _mm256_loadu_si256((const void *)(buf + i));
		m = (unsigned)_mm256_movemask_epi8(_mm256_or_si256(
		    _mm256_cmpeq_epi8(x, cr), _mm256_cmpeq_epi8(x, lf)));
		if (m == 0) {
			i += 32;
			continue;
		}
		e = i + (size_t)__builtin_ctz(m);
		p = past_eol(buf, len, e);
		if (p >= len || (buf[p] != ' ' && buf[p] != '\t')) {
			*next = p;
			return e;
		}
		/* A continuation line: its first byte is a blank. */
		i = p + 1;
	}
	return value_end(buf, len, i, next);
}
#endif

/*
 * The name is found first (it cannot hold a line end), then the end of
 * the field from the colon on: each byte of the field is looked at once.
 * Inline in both msg_field_next() and msg_fields_next(), with the CPU's
 * choice of value_end() made by the caller.
 */
static inline __attribute__((always_inline)) int
field_next(const char *buf, size_t len, size_t *pos, struct msg_field *f,
    int avx2)
{
	size_t		 start, i, n, v, e;

	for (;;) {
		start = *pos;
		if (start >= len)
			return 0;
		/* Most lines start with a name byte and are not skipped. */
		if (name_byte[(unsigned char)buf[start]] && start != 0)
			break;
		if (buf[start] == '\r' || buf[start] == '\n') {
			*pos = past_eol(buf, len, start);	/* empty line */
			return 0;
		}
		if (!skipped_line(buf, len, start))
			break;
		*pos = past_eol(buf, len, start +
		    msg_eol(buf + start, len - start));
	}
	n = name_end(buf + start, len - start);
	/* Tolerate white space between the name and the colon (rare). */
	i = start + n;
	if (i < len && buf[i] != ':')
		while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
			i++;
	if (n == 0 || i >= len || buf[i] != ':')
		return 0;
	v = i + 1;
#if defined(HAVE_AVX2_SCAN)
	e = avx2 ? value_end_avx2(buf, len, v, pos) :
	    value_end(buf, len, v, pos);
#else
	e = value_end(buf, len, v, pos);
#endif
	f->name = buf + start;
	f->namelen = n;
	f->value = buf + v;
	f->valuelen = e - v;
	return 1;
}

/* 1 when value_end_avx2() may run on this CPU. */
static int
have_avx2(void)
{
#if defined(HAVE_AVX2_SCAN)
	return __builtin_cpu_supports("avx2");
#else
	return 0;
#endif
}

int
msg_field_next(const char *buf, size_t len, size_t *pos, struct msg_field *f)
{
	return field_next(buf, len, pos, f, have_avx2());
}

/*
 * One call for a whole header (most hold 5 to 30 fields) rather than
 * one a field: the loop keeps its state in registers.
 */
size_t
msg_fields_next(const char *buf, size_t len, size_t *pos, struct msg_field *f,
    size_t max, int *done)
{
	size_t	 n;
	int	 avx2 = have_avx2();

	for (n = 0; n < max; n++)
		if (!field_next(buf, len, pos, f + n, avx2)) {
			*done = 1;
			return n;
		}
	*done = 0;
	return n;
}

int
msg_field_is(const struct msg_field *f, const char *name)
{
	if (f->namelen == 0)
		return *name == '\0';
	/* Most names differ in their first byte: no strlen() for those. */
	if (((unsigned char)f->name[0] | 0x20) !=
	    ((unsigned char)name[0] | 0x20))
		return 0;
	return f->namelen == strlen(name) &&
	    (memcmp(f->name, name, f->namelen) == 0 ||
	    msg_startcase(f->name, f->namelen, name));
}

/* A byte of a word: neither a blank, a control nor DEL. */
#define WORD(c)	((unsigned char)(c) > ' ' && (c) != 0x7f)

#if defined(__SSE2__)
/* One bit per byte of x that is not a WORD byte. */
static unsigned
nonwordx(__m128i x)
{
	const __m128i	 sp = _mm_set1_epi8(' '), del = _mm_set1_epi8(0x7f);

	return (unsigned)_mm_movemask_epi8(_mm_or_si128(
	    _mm_cmpeq_epi8(_mm_min_epu8(x, sp), x), _mm_cmpeq_epi8(x, del)));
}

/* One bit per byte of the 16 at p that is not a WORD byte. */
static unsigned
nonword16(const char *p)
{
	return nonwordx(_mm_loadu_si128((const void *)p));
}
#endif

/*
 * End of the run of words joined by single spaces that starts with the
 * word byte v[i]: msg_unfold() copies such a run as it is.  The run
 * ends at the first byte that is not a WORD byte, unless it is a space
 * followed by a WORD byte (a space that ends the run belongs to the
 * blanks after it).  16 bytes at a time with SSE2 while the byte after
 * the block can be read.
 */
static size_t
plain_run(const char *v, size_t len, size_t i)
{
#if defined(__SSE2__)
	const __m128i	 sp = _mm_set1_epi8(' ');
	unsigned	 end, spaces;
	size_t		 base;
	__m128i		 x;
	char		 tail[32];

	for (; i + 17 <= len; i += 16) {
		spaces = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
		    _mm_loadu_si128((const void *)(v + i)), sp));
		end = nonword16(v + i) &
		    ~(spaces & ~nonword16(v + i + 1) & 0xffff);
		if (end != 0)
			return i + (size_t)__builtin_ctz(end);
	}
	/*
	 * The last 16 bytes or fewer, copied before NULs (not WORD bytes,
	 * so the run stops at len at the latest): cheaper than a byte loop.
	 */
	if (i < len && len >= 16) {
		base = len - 16;
		x = _mm_loadu_si128((const void *)(v + base));
		spaces = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, sp));
		end = nonword16(v + base) & ~(spaces & ~nonwordx(
		    _mm_srli_si128(x, 1)) & 0xffff);
		end &= ~0u << (i - base);
		return end != 0 ? base + (size_t)__builtin_ctz(end) : len;
	}
	if (i < len) {
		memset(tail, 0, sizeof(tail));
		memcpy(tail, v + i, len - i);
		spaces = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
		    _mm_loadu_si128((const void *)tail), sp));
		end = nonword16(tail) & ~(spaces & ~nonword16(tail + 1) &
		    0xffff);
		return end != 0 ? i + (size_t)__builtin_ctz(end) : len;
	}
#endif
	for (; i < len; i++)
		if (!WORD(v[i]) && !(v[i] == ' ' && i + 1 < len &&
		    WORD(v[i + 1])))
			break;
	return i;
}

#if defined(__SSE2__)
/* Copies s[0..n) to d for n <= 16, in two overlapping moves at most. */
static void
copy_small(char *d, const char *s, size_t n)
{
	uint64_t	 x, y;
	uint32_t	 w, z;

	if (n >= 8) {
		memcpy(&x, s, 8);
		memcpy(&y, s + n - 8, 8);
		memcpy(d, &x, 8);
		memcpy(d + n - 8, &y, 8);
	} else if (n >= 4) {
		memcpy(&w, s, 4);
		memcpy(&z, s + n - 4, 4);
		memcpy(d, &w, 4);
		memcpy(d + n - 4, &z, 4);
	} else
		while (n-- > 0)
			*d++ = *s++;
}
#endif

#if defined(__SSE2__)
/*
 * One bit per byte of the 16 at p that is a control byte or DEL, or a
 * space followed by a space.
 */
static unsigned
unsimple16(const char *p)
{
	const __m128i	 sp = _mm_set1_epi8(' '), c1f = _mm_set1_epi8(0x1f);
	const __m128i	 del = _mm_set1_epi8(0x7f);
	__m128i		 x, y;

	x = _mm_loadu_si128((const void *)p);
	y = _mm_loadu_si128((const void *)(p + 1));
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
	    _mm_cmpeq_epi8(_mm_min_epu8(x, c1f), x), _mm_cmpeq_epi8(x, del)),
	    _mm_and_si128(_mm_cmpeq_epi8(x, sp), _mm_cmpeq_epi8(y, sp))));
}
#endif

/*
 * 1 when v[0..len) holds no control byte, no DEL and no two spaces in a
 * row: one line of words and single spaces, which msg_unfold() only
 * trims (most values).  16 bytes at a time with SSE2; a short value is
 * looked at in a copy padded with letters.  The check of copy_simple()
 * without its copy.
 */
static int
simple_value(const char *v, size_t len)
{
	size_t		 i = 0;
#if defined(__SSE2__)
	char		 pad[32];

	if (len < 17) {
		memset(pad, 'a', sizeof(pad));
		copy_small(pad, v, len);
		return unsimple16(pad) == 0;
	}
	for (; i + 17 <= len; i += 16)
		if (unsimple16(v + i) != 0)
			return 0;
	/* The last bytes, in a block that ends at len (the 17th too). */
	return i == len || (unsimple16(v + len - 17) == 0 &&
	    (unsigned char)v[len - 1] >= ' ' && v[len - 1] != 0x7f);
#else
	for (; i < len; i++)
		if ((unsigned char)v[i] < ' ' || v[i] == 0x7f ||
		    (v[i] == ' ' && i + 1 < len && v[i + 1] == ' '))
			return 0;
	return 1;
#endif
}

/*
 * Copies v[0..len) to out (len bytes) and returns len when it holds no
 * control byte, no DEL and no two spaces in a row: one line of words
 * and single spaces, which msg_unfold() only trims (most values).  The
 * copy and the check share their loads, 16 bytes at a time with SSE2; a
 * short value is looked at in a copy padded with letters.  Else returns
 * the offset of the first such byte (the first of the two spaces), out
 * then holding v up to it at least.
 */
static size_t
copy_simple(char *out, const char *v, size_t len)
{
	size_t		 i = 0;
#if defined(__SSE2__)
	const __m128i	 sp = _mm_set1_epi8(' '), c1f = _mm_set1_epi8(0x1f);
	const __m128i	 del = _mm_set1_epi8(0x7f);
	__m128i		 x, y;
	unsigned	 m;
	char		 pad[32];

	if (len < 17) {
		memset(pad, 'a', sizeof(pad));
		copy_small(pad, v, len);
		copy_small(out, pad, len);
		m = unsimple16(pad);
		return m != 0 ? (size_t)__builtin_ctz(m) : len;
	}
	for (; i + 17 <= len; i += 16) {
		x = _mm_loadu_si128((const void *)(v + i));
		y = _mm_loadu_si128((const void *)(v + i + 1));
		_mm_storeu_si128((void *)(out + i), x);
		m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
		    _mm_cmpeq_epi8(_mm_min_epu8(x, c1f), x),
		    _mm_cmpeq_epi8(x, del)), _mm_and_si128(
		    _mm_cmpeq_epi8(x, sp), _mm_cmpeq_epi8(y, sp))));
		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
	/*
	 * The last bytes, in a block that ends at len (the 17th too): the
	 * bytes it shares with the blocks before are simple.
	 */
	_mm_storeu_si128((void *)(out + len - 16),
	    _mm_loadu_si128((const void *)(v + len - 16)));
	if ((m = unsimple16(v + len - 17)) != 0)
		return len - 17 + (size_t)__builtin_ctz(m);
	return (unsigned char)v[len - 1] >= ' ' && v[len - 1] != 0x7f ?
	    len : len - 1;
#else
	for (; i < len; i++)
		if ((unsigned char)v[i] < ' ' || v[i] == 0x7f ||
		    (v[i] == ' ' && i + 1 < len && v[i + 1] == ' '))
			break;
	/* A value of no bytes may come with no pointer. */
	if (i > 0)
		memcpy(out, v, i);
	return i;
#endif
}

/*
 * msg_unfold_len() of a value that is not simple, into out (len + 1
 * bytes of the arena), which holds v up to s, the first byte that is
 * not simple.  Apart from the common case, so that the simple one
 * saves no registers for this loop.
 */
static __attribute__((noinline)) char *
unfold_slow(struct arena *a, char *out, const char *v, size_t len,
    size_t s, size_t *outlen)
{
	const char	*cs;
	size_t		 i, o, e, j, r;
	int		 space, ctl, esc = 0;

	/*
	 * Up to s the value is words and single spaces, copied already:
	 * the walk resumes at the blank or control after its last word
	 * (a folded value's first line is not read twice).  The space it
	 * may start with is left out, as the walk would.
	 */
	j = v[0] == ' ';
	r = s > 0 && v[s - 1] == ' ' ? s - 1 : s;
	if (r > j) {
		out += j;
		o = r - j;
		i = r;
		space = ctl = 0;
		goto resume;
	}
again:
	o = 0;
	space = ctl = 0;
	i = 0;
resume:
	while (i < len) {
		/*
		 * Blanks and controls: one space between words, or one
		 * DEL when the run holds a control byte other than a line
		 * end or a tab, so that msg_addr() can refuse "a\0b@c".
		 */
		while (i < len && !WORD(v[i])) {
			space = 1;
			/* Most such bytes are spaces: nothing more to see. */
			if (v[i] == ' ') {
				i++;
				continue;
			}
			/*
			 * Raw ISO-2022-JP (no encoded words): the whole
			 * value decoded first, then unfolded from the start.
			 */
			if (v[i] == 0x1b && !esc) {
				esc = 1;
				if ((cs = msg_iso2022(v, len)) != NULL) {
					if ((v = msg_to_utf8(a, cs, v, len,
					    &len)) == NULL ||
					    (out = arena_alloc(a, len + 1)) ==
					    NULL)
						return NULL;
					goto again;
				}
			}
			if ((unsigned char)v[i] < ' ' && v[i] != '\t' &&
			    v[i] != '\r' && v[i] != '\n')
				ctl = 1;
			else if (v[i] == 0x7f)
				ctl = 1;
			i++;
		}
		if (i == len)
			break;
		if (space && o > 0)
			out[o++] = ctl ? 0x7f : ' ';
		space = ctl = 0;
		/* Words and the single spaces between them, as they are. */
		e = plain_run(v, len, i);
		memcpy(out + o, v + i, e - i);
		o += e - i;
		i = e;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

/*
 * A simple value is copied whole and trimmed of its one space at each
 * end: the string starts one byte into its copy when it had a space.
 */
char *
msg_unfold_len(struct arena *a, const char *v, size_t len, size_t *outlen)
{
	char	*out;
	size_t	 i, e, s;

	if ((out = arena_alloc(a, len + 1)) == NULL)
		return NULL;
	if ((s = copy_simple(out, v, len)) < len)
		return unfold_slow(a, out, v, len, s, outlen);
	i = len > 0 && v[0] == ' ';
	e = len > i && v[len - 1] == ' ' ? len - 1 : len;
	out[e] = '\0';
	*outlen = e - i;
	return out + i;
}

const char *
msg_unfold_view(struct arena *a, const char *v, size_t len, size_t *outlen)
{
	size_t	 i;

	if (len == 0 || !simple_value(v, len))
		return msg_unfold_len(a, v, len, outlen);
	i = v[0] == ' ';
	if (len > i && v[len - 1] == ' ')
		len--;
	*outlen = len - i;
	return v + i;
}

char *
msg_unfold(struct arena *a, const char *v, size_t len)
{
	size_t	 n;

	return msg_unfold_len(a, v, len, &n);
}
