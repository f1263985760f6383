/*
 * lines.c - line iteration and case-insensitive search over raw bytes.
 *
 * Lines end in CRLF, LF or a bare CR; all three are handled while
 * scanning, nothing is rewritten.  Results are views into the caller's
 * buffer; no memory is allocated here.
 */
#include <string.h>

#include "message/message.h"
#include "message/vec.h"

static int
lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

size_t
msg_eol(const char *s, size_t n)
{
	size_t		 i = 0;
#if defined(__SSE2__)
	const __m128i	 cr = _mm_set1_epi8('\r');
	const __m128i	 lf = _mm_set1_epi8('\n');
	__m128i		 x;
	unsigned	 m;

	/* 16 bytes at a time: compare, merge, one bit per byte. */
	for (; i + 16 <= n; i += 16) {
		x = _mm_loadu_si128((const void *)(s + i));
		m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(x, cr), _mm_cmpeq_epi8(x, lf)));
		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	for (; i < n; i++)
		if (s[i] == '\r' || s[i] == '\n')
			return i;
	return n;
}

int
msg_line_next(const char *buf, size_t len, size_t *pos, const char **line,
    size_t *linelen)
{
	size_t		 i = *pos, e;

	if (i >= len)
		return 0;
	e = i + msg_eol(buf + i, len - i);
	*line = buf + i;
	*linelen = e - i;
	if (e < len && buf[e] == '\r') {
		*pos = e + 1;
		if (*pos < len && buf[*pos] == '\n')
			(*pos)++;
	} else
		*pos = e < len ? e + 1 : len;
	return 1;
}

/*
 * 1 when bytes a and b are equal but for the case of ASCII letters:
 * unequal ones must differ in the case bit alone and be letters, which
 * takes fewer steps than lowering both.
 */
static int
byte_caseeq(unsigned char a, unsigned char b)
{
	return a == b || ((a ^ b) == 0x20 &&
	    (unsigned)((a | 0x20) - 'a') <= 'z' - 'a');
}

int
msg_caseeq(const char *s, const char *t, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (!byte_caseeq((unsigned char)s[i], (unsigned char)t[i]))
			return 0;
	return 1;
}

#if defined(__SSE2__)
/* Candidates among the 16 places at hay: see memcasemem16(). */
static unsigned
cand16(const char *hay, size_t nlen, __m128i fm, __m128i fv, __m128i lm,
    __m128i lv)
{
	__m128i	 a, b;

	a = _mm_loadu_si128((const void *)hay);
	b = _mm_loadu_si128((const void *)(hay + nlen - 1));
	return (unsigned)_mm_movemask_epi8(_mm_and_si128(
	    _mm_cmpeq_epi8(_mm_or_si128(a, fm), fv),
	    _mm_cmpeq_epi8(_mm_or_si128(b, lm), lv)));
}

/*
 * msg_memcasemem() for a haystack with at least 16 places to try: 16
 * places at a time, a place a candidate when both its first and its
 * last byte match the needle's (either case), only candidates compared
 * whole.  A letter is compared with its case bit set (x | 0x20 equals
 * a lowercase letter only for that letter in either case), any other
 * byte as it is.  The last block overlaps the one before it.
 */
static const char *
memcasemem16(const char *hay, size_t places, const char *needle,
    size_t nlen)
{
	int		 f = lc((unsigned char)needle[0]);
	int		 l = lc((unsigned char)needle[nlen - 1]);
	const __m128i	 fm = _mm_set1_epi8(f >= 'a' && f <= 'z' ? 0x20 : 0);
	const __m128i	 lm = _mm_set1_epi8(l >= 'a' && l <= 'z' ? 0x20 : 0);
	const __m128i	 fv = _mm_set1_epi8((char)f);
	const __m128i	 lv = _mm_set1_epi8((char)l);
	size_t		 i, k;
	unsigned	 m;

	/* 32 places a round while there are: candidates are rare. */
	for (i = 0; i + 32 <= places; i += 32) {
		m = cand16(hay + i, nlen, fm, fv, lm, lv) |
		    cand16(hay + i + 16, nlen, fm, fv, lm, lv) << 16;
		for (; m != 0; m &= m - 1) {
			k = (size_t)__builtin_ctz(m);
			if (msg_caseeq(hay + i + k + 1, needle + 1, nlen - 1))
				return hay + i + k;
		}
	}
	for (; i + 16 <= places; i += 16)
		for (m = cand16(hay + i, nlen, fm, fv, lm, lv); m != 0;
		    m &= m - 1) {
			k = (size_t)__builtin_ctz(m);
			if (msg_caseeq(hay + i + k + 1, needle + 1, nlen - 1))
				return hay + i + k;
		}
	if (i == places)
		return NULL;
	/* Places before i were tried and failed: trying them again fails. */
	i = places - 16;
	for (m = cand16(hay + i, nlen, fm, fv, lm, lv); m != 0; m &= m - 1) {
		k = (size_t)__builtin_ctz(m);
		if (msg_caseeq(hay + i + k + 1, needle + 1, nlen - 1))
			return hay + i + k;
	}
	return NULL;
}
#endif

#if defined(HAVE_AVX2_SCAN)
/* As cand16(), 32 places at once (AVX2). */
__attribute__((target("avx2"))) static __m256i
cand32(const char *hay, size_t nlen, __m256i fm, __m256i fv, __m256i lm,
    __m256i lv)
{
	__m256i	 a, b;

	a = _mm256_loadu_si256((const void *)hay);
	b = _mm256_loadu_si256((const void *)(hay + nlen - 1));
	return _mm256_and_si256(
	    _mm256_cmpeq_epi8(_mm256_or_si256(a, fm), fv),
	    _mm256_cmpeq_epi8(_mm256_or_si256(b, lm), lv));
}

/*
 * As memcasemem16(), 64 places a round where the CPU has AVX2 and the
 * haystack has at least 64 places: the long texts searched for short
 * needles.  The last places go to memcasemem16(), in a block that may
 * overlap places that failed here (they fail there too).
 */
__attribute__((target("avx2"))) static const char *
memcasemem64(const char *hay, size_t places, const char *needle,
    size_t nlen)
{
	int		 f = lc((unsigned char)needle[0]);
	int		 l = lc((unsigned char)needle[nlen - 1]);
	const __m256i	 fm = _mm256_set1_epi8(f >= 'a' && f <= 'z' ? 0x20 : 0);
	const __m256i	 lm = _mm256_set1_epi8(l >= 'a' && l <= 'z' ? 0x20 : 0);
	const __m256i	 fv = _mm256_set1_epi8((char)f);
	const __m256i	 lv = _mm256_set1_epi8((char)l);
	__m256i		 a, b, ab;
	unsigned long long m;
	size_t		 i, k;

	for (i = 0; i + 64 <= places; i += 64) {
		a = cand32(hay + i, nlen, fm, fv, lm, lv);
		b = cand32(hay + i + 32, nlen, fm, fv, lm, lv);
		ab = _mm256_or_si256(a, b);
		if (_mm256_testz_si256(ab, ab))
			continue;
		m = (unsigned)_mm256_movemask_epi8(a) |
		    (unsigned long long)(unsigned)_mm256_movemask_epi8(b) <<
		    32;
		for (; m != 0; m &= m - 1) {
			k = (size_t)__builtin_ctzll(m);
			if (msg_caseeq(hay + i + k + 1, needle + 1, nlen - 1))
				return hay + i + k;
		}
	}
	if (i == places)
		return NULL;
	if (places - i < 16)
		i = places - 16;
	return memcasemem16(hay + i, places - i, needle, nlen);
}
#endif

#if defined(__SSE2__)
/*
 * msg_memmem() for a haystack with at least 16 places to try: a place
 * is a candidate when its first, second and last bytes are the
 * needle's (16 places compared at once); only candidates are compared
 * whole.  The last block overlaps the one before it.
 */
static const char *
memmem16(const char *hay, size_t places, const char *needle, size_t nlen)
{
	const __m128i	 f = _mm_set1_epi8(needle[0]);
	const __m128i	 s = _mm_set1_epi8(needle[1]);
	const __m128i	 l = _mm_set1_epi8(needle[nlen - 1]);
	size_t		 i, k;
	unsigned	 m;

	for (i = 0; i < places; i += 16) {
		/* The last block overlaps: its first places failed before. */
		if (i + 16 > places)
			i = places - 16;
		m = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_and_si128(
		    _mm_cmpeq_epi8(_mm_loadu_si128((const void *)(hay + i)), f),
		    _mm_cmpeq_epi8(_mm_loadu_si128((const void *)(hay + i + 1)),
		    s)), _mm_cmpeq_epi8(_mm_loadu_si128((const void *)(hay + i +
		    nlen - 1)), l)));
		for (; m != 0; m &= m - 1) {
			k = (size_t)__builtin_ctz(m);
			if (memcmp(hay + i + k + 2, needle + 2, nlen - 2) == 0)
				return hay + i + k;
		}
	}
	return NULL;
}
#endif

const char *
msg_memmem(const char *hay, size_t haylen, const char *needle, size_t nlen)
{
	const char	*p, *end;

	if (nlen == 0)
		return hay;
	if (haylen < nlen)
		return NULL;
#if defined(__SSE2__)
	if (nlen >= 2 && haylen - nlen + 1 >= 16)
		return memmem16(hay, haylen - nlen + 1, needle, nlen);
#endif
	end = hay + haylen - nlen + 1;
	for (p = hay; (p = memchr(p, needle[0], (size_t)(end - p))) != NULL;
	    p++)
		if (memcmp(p + 1, needle + 1, nlen - 1) == 0)
			return p;
	return NULL;
}

const char *
msg_memcasemem(const char *hay, size_t haylen, const char *needle,
    size_t nlen)
{
	const char	*p, *end, *a, *b;
	int		 lo, up;

	if (nlen == 0)
		return hay;
	if (haylen < nlen)
		return NULL;
#if defined(__SSE2__)
#if defined(HAVE_AVX2_SCAN)
	if (haylen - nlen + 1 >= 64 && __builtin_cpu_supports("avx2"))
		return memcasemem64(hay, haylen - nlen + 1, needle, nlen);
#endif
	if (haylen - nlen + 1 >= 16)
		return memcasemem16(hay, haylen - nlen + 1, needle, nlen);
#endif
	end = hay + haylen - nlen + 1;
	lo = lc((unsigned char)needle[0]);
	up = lo >= 'a' && lo <= 'z' ? lo - 32 : lo;
	/* Next candidate of each case, found once and kept until passed. */
	a = memchr(hay, lo, (size_t)(end - hay));
	b = up != lo ? memchr(hay, up, (size_t)(end - hay)) : NULL;
	while (a != NULL || b != NULL) {
		p = a == NULL ? b : (b == NULL || a < b ? a : b);
		if (msg_caseeq(p + 1, needle + 1, nlen - 1))
			return p;
		if (p == a)
			a = p + 1 < end ? memchr(p + 1, lo,
			    (size_t)(end - p - 1)) : NULL;
		else
			b = p + 1 < end ? memchr(p + 1, up,
			    (size_t)(end - p - 1)) : NULL;
	}
	return NULL;
}

int
msg_startcase(const char *s, size_t len, const char *prefix)
{
	size_t		 i;
	unsigned char	 b;

	for (i = 0; (b = (unsigned char)prefix[i]) != '\0'; i++) {
		unsigned char a;

		if (i >= len)
			return 0;
		a = (unsigned char)s[i];
		if (!byte_caseeq(a, b))
			return 0;
	}
	return 1;
}
