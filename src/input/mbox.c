/*
 * mbox.c - telling mbox envelope lines from body text, finding message
 * boundaries, and cleaning a message in place (CRLF to LF, ">From "
 * unescaping).  Works on the reader's buffer with memchr, looking only
 * at line starts; owns nothing.
 */
#define _GNU_SOURCE	/* memmem */
#include <string.h>

#include "mbox.h"
#include "message/vec.h"

#define MONTHS	"JanFebMarAprMayJunJulAugSepOctNovDec"

static int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

/* Non-zero when s[0..n) holds "hh:mm" somewhere. */
static int
has_time(const char *s, size_t n)
{
	size_t i;

	for (i = 2; i + 2 < n; i++)
		if (s[i] == ':' && isdig(s[i - 1]) && isdig(s[i - 2]) &&
		    isdig(s[i + 1]) && isdig(s[i + 2]))
			return 1;
	return 0;
}

/* Non-zero when s[0..n) holds a year 19xx or 20xx as a word. */
static int
has_year(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 4 <= n; i++)
		if ((s[i] == '1' || s[i] == '2') && (s[i + 1] == '9' ||
		    s[i + 1] == '0') && isdig(s[i + 2]) && isdig(s[i + 3]) &&
		    (i == 0 || s[i - 1] == ' ') &&
		    (i + 4 == n || s[i + 4] == ' '))
			return 1;
	return 0;
}

static int
is_name(const char *s, const char *names)
{
	const char *p;

	/* Three bytes compared inline: a strncmp() call costs more. */
	for (p = names; *p != '\0'; p += 3)
		if (s[0] == p[0] && s[1] == p[1] && s[2] == p[2])
			return 1;
	return 0;
}

/*
 * 1 when s, after its weekday, is laid out as ctime writes a date:
 * "Www Mmm dd hh:mm:ss yyyy" (day " d" under 10), the year a word of
 * its own.  Nearly every envelope line is; is_date() would find the
 * same four words in it, one by one.
 */
static int
is_ctime(const char *s, size_t n)
{
	return n >= 24 && (n == 24 || s[24] == ' ' || s[24] == ',') &&
	    s[3] == ' ' && s[7] == ' ' && s[10] == ' ' && s[19] == ' ' &&
	    is_name(s + 4, MONTHS) && (s[8] == ' ' || isdig(s[8])) &&
	    isdig(s[9]) && isdig(s[11]) && isdig(s[12]) && s[13] == ':' &&
	    isdig(s[14]) && isdig(s[15]) && s[16] == ':' && isdig(s[17]) &&
	    isdig(s[18]) && (s[20] == '1' || s[20] == '2') &&
	    (s[21] == '9' || s[21] == '0') && isdig(s[22]) && isdig(s[23]);
}

/*
 * A full date at s: a weekday first, then, in any order, a month name,
 * a day, a time (hh:mm or hh:mm:ss) and a year (19xx or 20xx), each a
 * word of its own; other words (a time zone, "remote from host") may
 * stand among them.  ctime's "Mon Apr 27 17:34:04 2009" is one, so is
 * "Mon, 27 Apr 2009 17:34:04 +0000".
 */
static int
is_date(const char *s, size_t n)
{
	size_t i, w, len;
	int mon = 0, day = 0, tim = 0, year = 0;

	if (n < 3 || !is_name(s, "MonTueWedThuFriSatSun") ||
	    (n > 3 && s[3] != ' ' && s[3] != ','))
		return 0;
	if (is_ctime(s, n))
		return 1;
	for (i = 3; i < n; i = w) {
		while (i < n && (s[i] == ' ' || s[i] == ','))
			i++;
		for (w = i; w < n && s[w] != ' ' && s[w] != ','; w++)
			;
		len = w - i;
		if (len == 3 && is_name(s + i, MONTHS))
			mon = 1;
		else if (len >= 1 && len <= 2 && isdig(s[i]) &&
		    isdig(s[w - 1]))
			day = 1;
		else if (len == 4 && has_year(s + i, len))
			year = 1;
		else if ((len == 5 || len == 8) && has_time(s + i, len))
			tim = 1;
	}
	return mon && day && tim && year;
}

int
mbox_is_envelope(const char *s, size_t n, int strict)
{
	const char *sp;
	size_t i = 5;

	(void)strict;	/* one rule wherever the line stands */
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (n < 6 || n > 1000 || memcmp(s, "From ", 5) != 0)
		return 0;
	/* The address: one token, sometimes more spaces after it. */
	if (s[i] == ' ' || (sp = memchr(s + i, ' ', n - i)) == NULL)
		return 0;
	i = (size_t)(sp - s);
	while (i < n && s[i] == ' ')
		i++;
	return is_date(s + i, n - i);
}

/*
 * Non-zero when the line at s (n bytes before the buffer ends) may be an
 * escaped envelope line ">+From ": sure when it is one, and also when
 * the buffer ends before that can be told.
 */
static int
maybe_escaped(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && s[i] == '>'; i++)
		;
	if (n - i < 5)
		return 1;
	return memcmp(s + i, "From ", 5) == 0;
}

/*
 * Decides the line starting at f (just after a newline, at least 5
 * bytes before len): 1 with *ret set when the search stops there (an
 * envelope line, or more data needed), else 0.
 */
static int
line_start(const char *buf, size_t f, size_t len, int eof, int *found,
    int *escaped, size_t *ret)
{
	const char *eol;
	size_t end;

	if (buf[f] == '>') {
		if (escaped != NULL && maybe_escaped(buf + f, len - f))
			*escaped = 1;
		return 0;
	}
	if (buf[f] != 'F' || memcmp(buf + f, "From ", 5) != 0)
		return 0;
	eol = memchr(buf + f, '\n', len - f);
	if (eol == NULL && !eof && len - f <= 1000) {
		*ret = f - 1;	/* resume here with more data */
		return 1;
	}
	end = eol ? (size_t)(eol - buf) : len;
	if (mbox_is_envelope(buf + f, end - f, 1)) {
		*found = 1;
		*ret = f;
		return 1;
	}
	return 0;
}

#if defined(__SSE2__)
/*
 * The first set bit of m (places from nl on) whose line may matter to
 * line_start(): ">" or "From ", not "From:" and the like, which are
 * passed over here rather than returned one by one.  Each line start
 * is below end, so five bytes follow it.  end when there is none.
 */
static size_t
first_start(const char *buf, size_t nl, unsigned long long m, size_t end)
{
	size_t at;

	for (; m != 0; m &= m - 1) {
		at = nl + (size_t)__builtin_ctzll(m);
		if (buf[at + 1] == '>' || memcmp(buf + at + 1, "From ", 5) == 0)
			return at;
	}
	return end;
}

/* Bit i set when buf[i] is a newline and buf[i + 1] is 'F' or '>'. */
static __m128i
starts16(const char *p)
{
	const __m128i lf = _mm_set1_epi8('\n');
	const __m128i cf = _mm_set1_epi8('F'), gt = _mm_set1_epi8('>');
	__m128i x, y;

	x = _mm_loadu_si128((const void *)p);
	y = _mm_loadu_si128((const void *)(p + 1));
	return _mm_and_si128(_mm_cmpeq_epi8(x, lf),
	    _mm_or_si128(_mm_cmpeq_epi8(y, cf), _mm_cmpeq_epi8(y, gt)));
}

/*
 * The first newline at or after nl, below end, followed by 'F' or '>'
 * (the only line starts line_start() may stop or note at; the SIMD
 * loop skips those with 'F' but no "From "), 32 places a time; end
 * when none.  buf[end] must be readable (end < len).
 */
static size_t
next_start(const char *buf, size_t nl, size_t end)
{
	__m128i a, b;
	unsigned m;
	size_t at;

	for (; nl + 32 <= end; nl += 32) {
		a = starts16(buf + nl);
		b = starts16(buf + nl + 16);
		if (_mm_movemask_epi8(_mm_or_si128(a, b)) == 0)
			continue;
		m = (unsigned)_mm_movemask_epi8(a) |
		    (unsigned)_mm_movemask_epi8(b) << 16;
		if ((at = first_start(buf, nl, m, end)) < end)
			return at;
	}
	for (; nl < end; nl++)
		if (buf[nl] == '\n' && (buf[nl + 1] == 'F' ||
		    buf[nl + 1] == '>'))
			return nl;
	return end;
}
#endif

#if defined(HAVE_AVX2_SCAN)
/*
 * As starts16(), 32 places at once (AVX2); the CRs among them are or'ed
 * into *crs on the way, for mbox_clean().
 */
__attribute__((target("avx2"))) static inline __m256i
starts32(const char *p, __m256i *crs)
{
	const __m256i lf = _mm256_set1_epi8('\n'), cr = _mm256_set1_epi8('\r');
	const __m256i cf = _mm256_set1_epi8('F'), gt = _mm256_set1_epi8('>');
	__m256i x, y;

	x = _mm256_loadu_si256((const void *)p);
	y = _mm256_loadu_si256((const void *)(p + 1));
	*crs = _mm256_or_si256(*crs, _mm256_cmpeq_epi8(x, cr));
	return _mm256_and_si256(_mm256_cmpeq_epi8(x, lf),
	    _mm256_or_si256(_mm256_cmpeq_epi8(y, cf),
	    _mm256_cmpeq_epi8(y, gt)));
}

/* The bits of two starts32() results, a's first, as one mask. */
__attribute__((target("avx2"))) static inline unsigned long long
mask64(__m256i a, __m256i b)
{
	return (unsigned)_mm256_movemask_epi8(a) |
	    (unsigned long long)(unsigned)_mm256_movemask_epi8(b) << 32;
}

/* The starts32() bits of the 64 places at p, as one mask. */
__attribute__((target("avx2"))) static inline unsigned long long
starts64(const char *p, __m256i *crs)
{
	__m256i a;

	a = starts32(p, crs);
	return mask64(a, starts32(p + 32, crs));
}

/*
 * As next_start(), 128 places a turn where the CPU has AVX2: most of
 * a mailbox is body text that only this loop ever looks at, so it is
 * worth the second copy.  The last places are read 64 at a time, the
 * last of them as the 64 ending at end, the bits of those before nl
 * shifted out.  Every byte from nl to
 * the one returned is also looked at for a CR (*cr set when one is
 * seen, or one may be among bytes just before nl or after the return):
 * the message is then spared mbox_clean()'s own pass for one.
 */
__attribute__((target("avx2"))) static size_t
next_start_avx2(const char *buf, size_t nl, size_t end, int *cr)
{
	__m256i crs = _mm256_setzero_si256(), a, b, c, d, abcd;
	unsigned long long m;
	size_t at = end;

	if (end - nl < 64) {
		if (memchr(buf + nl, '\r', end - nl) != NULL)
			*cr = 1;
		return next_start(buf, nl, end);
	}
	/* One test for the four blocks of 32. */
	for (; nl + 128 <= end; nl += 128) {
		a = starts32(buf + nl, &crs);
		b = starts32(buf + nl + 32, &crs);
		c = starts32(buf + nl + 64, &crs);
		d = starts32(buf + nl + 96, &crs);
		abcd = _mm256_or_si256(_mm256_or_si256(a, b),
		    _mm256_or_si256(c, d));
		if (_mm256_testz_si256(abcd, abcd))
			continue;
		if ((m = mask64(a, b)) != 0 &&
		    (at = first_start(buf, nl, m, end)) < end)
			break;
		if ((m = mask64(c, d)) != 0 &&
		    (at = first_start(buf, nl + 64, m, end)) < end)
			break;
	}
	if (nl + 64 <= end && at == end) {
		if ((m = starts64(buf + nl, &crs)) != 0)
			at = first_start(buf, nl, m, end);
		nl += 64;
	}
	if (nl < end && at == end) {
		m = starts64(buf + end - 64, &crs) >> (nl - (end - 64));
		at = first_start(buf, nl, m, end);
	}
	if (!_mm256_testz_si256(crs, crs))
		*cr = 1;
	return at;
}
#endif

#if defined(__SSE2__)
/*
 * next_start() at its fastest on this CPU; *cr as next_start_avx2()
 * leaves it, else set (a CR is then looked for in mbox_clean()).
 */
static size_t
next_start_best(const char *buf, size_t nl, size_t end, int *cr)
{
#if defined(HAVE_AVX2_SCAN)
	if (__builtin_cpu_supports("avx2"))
		return next_start_avx2(buf, nl, end, cr);
#endif
	*cr = 1;
	return next_start(buf, nl, end);
}
#endif

size_t
mbox_find_next(const char *buf, size_t start, size_t from, size_t len,
    int eof, int *found, int *escaped, int *cr)
{
	const char *p;
	size_t nl, f, ret;
	int crs = 0;

	*found = 0;
	if (cr == NULL)
		cr = &crs;
	if (from < start)
		from = start;
	/*
	 * Only line starts are looked at: a newline followed by 'F' or
	 * '>' sought 16 bytes at a time while at least 5 bytes follow
	 * every newline looked at, then one memchr per line.  The newline
	 * before "From " may sit just before from.
	 */
	nl = from > start ? from - 1 : from;
#if defined(__SSE2__)
	while (len >= 6 && nl < len - 6 &&
	    (nl = next_start_best(buf, nl, len - 6, cr)) < len - 6) {
		if (line_start(buf, nl + 1, len, eof, found, escaped, &ret))
			return ret;
		nl++;
	}
#endif
	/* The bytes the wide scan did not look at, for *cr. */
	if (nl < len && memchr(buf + nl, '\r', len - nl) != NULL)
		*cr = 1;
	while (nl < len && (p = memchr(buf + nl, '\n', len - nl)) != NULL) {
		nl = (size_t)(p - buf);
		f = nl + 1;
		if (len - f < 5) {
			if (!eof)
				return nl;	/* resume here with more data */
			if (escaped != NULL && f < len && buf[f] == '>')
				*escaped = 1;
			break;
		}
		if (line_start(buf, f, len, eof, found, escaped, &ret))
			return ret;
		nl = f;
	}
	return len;	/* at eof, or resume at the last byte's end */
}

size_t
mbox_find_boundary(const char *buf, size_t start, size_t from, size_t len,
    int eof, int *found)
{
	return mbox_find_next(buf, start, from, len, eof, found, NULL, NULL);
}

/*
 * Removes the bytes at the offsets that next() yields, moving the rest
 * down; a generic in-place compaction.
 */
static size_t
crlf_to_lf(char *buf, size_t len)
{
	char *r, *w, *cr, *end = buf + len;

	if ((cr = memchr(buf, '\r', len)) == NULL)
		return len;
	r = w = cr;
	while (cr != NULL) {
		memmove(w, r, (size_t)(cr - r));
		w += cr - r;
		r = cr;
		if (cr + 1 < end && cr[1] == '\n')
			r = cr + 1;	/* drop the CR */
		else {
			*w++ = '\r';	/* a bare CR stays */
			r = cr + 1;
		}
		cr = memchr(cr + 1, '\r', (size_t)(end - cr - 1));
	}
	memmove(w, r, (size_t)(end - r));
	return (size_t)(w - buf) + (size_t)(end - r);
}

/*
 * Drops one '>' from every line ">+From ": found by searching ">From "
 * (a long needle memmem skips fast) and walking back to the line start.
 */
static size_t
unescape(char *buf, size_t len)
{
	char *end = buf + len, *r = buf, *w = buf, *g = buf, *ls;

	while (g < end && (g = memmem(g, (size_t)(end - g), ">From ", 6))) {
		for (ls = g; ls > r && ls[-1] == '>'; ls--)
			;
		if (ls == buf || ls[-1] == '\n') {
			memmove(w, r, (size_t)(ls - r));
			w += ls - r;
			r = ls + 1;	/* drop one '>' */
		}
		g += 6;
	}
	memmove(w, r, (size_t)(end - r));
	return (size_t)(w - buf) + (size_t)(end - r);
}

size_t
mbox_clean(char *buf, size_t len, int unescape_from, int cr)
{
	if (cr)
		len = crlf_to_lf(buf, len);
	if (unescape_from)
		len = unescape(buf, len);
	return len;
}
