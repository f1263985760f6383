/*
 * charset.c - text in a declared charset converted to UTF-8 with iconv.
 *
 * UTF-8 and ASCII (and unknown charsets) are copied as they are: the
 * record setter repairs bad bytes later; so is 7-bit text in a charset
 * built on ASCII (iconv would copy it too).  A few common mislabels are
 * mapped to names iconv knows, and 7-bit text with ISO 2022 escapes
 * (Japanese mail sent without a charset) is read as ISO-2022-JP.
 * Output lives in the caller's arena; iconv descriptors are kept open
 * per thread (a few, never freed).
 */
#include <errno.h>
#include <stdint.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "message/message.h"
#include "message/word.h"

static const struct {
	const char	*label, *iconv;
} aliases[] = {
	{ "ks_c_5601-1987", "CP949" },
	{ "x-sjis", "SHIFT_JIS" },
	{ "shift-jis", "SHIFT_JIS" },
	{ "x-euc-jp", "EUC-JP" },
	{ "unicode-1-1-utf-7", "UTF-7" },
	{ "x-unknown", NULL },
	{ "unknown-8bit", NULL },
	{ "iso-8859-8-i", "ISO-8859-8" },
	{ "gb2312", "GB18030" },
	{ "gbk", "GB18030" },
	{ "windows-874", "CP874" },
};

/*
 * Open conversion descriptors, kept for the life of the thread: opening
 * one loads a gconv module, which costs more than most conversions.
 * A failed open is remembered too.  Never closed (bounded: CD_CACHE).
 */
#define CD_CACHE	8
#define CD_NAMELEN	40

static _Thread_local char	cd_names[CD_CACHE][CD_NAMELEN];
static _Thread_local const char	*cd_to[CD_CACHE];
static _Thread_local iconv_t	cd_open[CD_CACHE];
static _Thread_local int	ncds;

/*
 * A descriptor to to (a constant: "UTF-8" or "WCHAR_T") from cs in its
 * initial state, or (iconv_t)-1.
 */
static iconv_t
cd_get(const char *to, const char *cs, int *cached)
{
	iconv_t	 cd;
	size_t	 n;
	int	 i;

	*cached = 0;
	for (i = 0; i < ncds; i++)
		if (cd_to[i] == to && strcmp(cd_names[i], cs) == 0) {
			*cached = 1;
			if (cd_open[i] != (iconv_t)-1)
				iconv(cd_open[i], NULL, NULL, NULL, NULL);
			return cd_open[i];
		}
	cd = iconv_open(to, cs);
	if (ncds < CD_CACHE && (n = strlen(cs)) < CD_NAMELEN) {
		memcpy(cd_names[ncds], cs, n + 1);
		cd_to[ncds] = to;
		cd_open[ncds++] = cd;
		*cached = 1;
	}
	return cd;
}

static void
cd_put(iconv_t cd, int cached)
{
	if (!cached)
		iconv_close(cd);
}

static int
passthrough(const char *cs)
{
	if (cs == NULL || *cs == '\0')
		return 1;
	if (((unsigned char)cs[0] | 0x20) == 'u')
		return strcasecmp(cs, "utf-8") == 0 ||
		    strcasecmp(cs, "utf8") == 0 ||
		    strcasecmp(cs, "us-ascii") == 0;
	return strcasecmp(cs, "ascii") == 0;
}

/*
 * The ISO 2022 charset that text declared as ASCII or nothing is
 * written in: an escape designating a Japanese set (ESC $ B, ESC $ @,
 * ESC ( J, ESC ( I) or Korean / Chinese ones (ESC $ ) C, ESC $ ) A).
 * NULL for plain text.
 */
const char *
msg_iso2022(const char *in, size_t len)
{
	const char	*p, *e = in + len;

	for (p = in; (p = memchr(p, 0x1b, (size_t)(e - p))) != NULL &&
	    e - p >= 3; p++) {
		if (p[1] == '$' && (p[2] == 'B' || p[2] == '@'))
			return "ISO-2022-JP-2";
		if (p[1] == '(' && (p[2] == 'J' || p[2] == 'I'))
			return "ISO-2022-JP-2";
		if (p[1] == '$' && p[2] == ')' && e - p >= 4)
			return p[3] == 'C' ? "ISO-2022-KR" : "ISO-2022-CN";
	}
	return NULL;
}

/*
 * Bytes to skip at in[i], which iconv could not convert: two inside a
 * two-byte run of an ISO 2022 charset (the last escape before it was
 * ESC $ ...), so the rest of the run keeps its pairing; else one.
 * *esc caches the last escape seen before in + *scan.
 */
static size_t
bad_len(const char *in, size_t i, size_t il, size_t *scan, size_t *esc)
{
	for (; *scan < i; (*scan)++)
		if (in[*scan] == 0x1b)
			*esc = *scan;
	if (*esc != (size_t)-1 && in[*esc + 1] == '$' && il >= 2 &&
	    in[i] > 0x20 && in[i] < 0x7f && in[i + 1] > 0x20 &&
	    in[i + 1] < 0x7f)
		return 2;
	return 1;
}

/*
 * Charsets whose bytes 0x00-0x7f (but ESC, SO and SI, which may shift
 * an ISO 2022 state) are ASCII itself, as iconv reads them: text with
 * no other byte converts to a copy of itself, without iconv.
 */
static int
ascii_based(const char *cs)
{
	static const char *const prefixes[] = {
		"iso-8859-", "windows-125", "cp125", "koi8-r", "koi8-u",
		"iso-2022-jp", "euc-jp", "euc-kr", "gb18030", "big5",
		"cp949", "cp874", NULL
	};
	int	 i;

	for (i = 0; prefixes[i] != NULL; i++)
		if (((unsigned char)cs[0] | 0x20) == prefixes[i][0] &&
		    strncasecmp(cs, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}


/*
 * Length of the run at in[0..len) of bytes below 0x80 but ESC, SO and
 * SI: 16 bytes at a time with SSE2 (SO and SI are 0x0e with the low bit
 * either way; movemask takes the high bits as they are), else 8.
 */
static size_t
plain7_len(const char *in, size_t len)
{
	const unsigned char	*p = (const unsigned char *)in;
	uint64_t		 x;
	size_t			 i = 0;
#if defined(__SSE2__)
	const __m128i		 esc = _mm_set1_epi8(0x1b);
	const __m128i		 so = _mm_set1_epi8(0x0e);
	const __m128i		 lowbit = _mm_set1_epi8(0x01);
	__m128i			 v;
	unsigned		 m;

	for (; i + 16 <= len; i += 16) {
		v = _mm_loadu_si128((const void *)(p + i));
		m = (unsigned)_mm_movemask_epi8(_mm_or_si128(v, _mm_or_si128(
		    _mm_cmpeq_epi8(v, esc), _mm_cmpeq_epi8(_mm_andnot_si128(
		    lowbit, v), so))));
		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	for (; i + 8 <= len; i += 8) {
		memcpy(&x, p + i, 8);
		if ((x & HIGHS) != 0 || HASZERO(x ^ (ONES * 0x1b)) ||
		    HASZERO(x ^ (ONES * 0x0e)) || HASZERO(x ^ (ONES * 0x0f)))
			break;
	}
	for (; i < len; i++)
		if (p[i] >= 0x80 || p[i] == 0x1b || p[i] == 0x0e ||
		    p[i] == 0x0f)
			break;
	return i;
}

/* 1 when in[0..len) holds only bytes below 0x80 but ESC, SO and SI. */
static int
plain7(const char *in, size_t len)
{
	return plain7_len(in, len) == len;
}

/* Wide characters of 4 bytes, little-endian, for SSE2 to pack. */
#if defined(__SSE2__) && defined(__STDC_ISO_10646__) && \
    __SIZEOF_WCHAR_T__ == 4 && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WIDE_SSE2	1
#else
#define WIDE_SSE2	0
#endif

/*
 * Leading wide characters of w[0..n) below 0x80 written as bytes at o,
 * 8 at a time with SSE2 (wchar_t of 4 bytes, little-endian); returns
 * how many.  ISO-2022-JP text is mostly ASCII.
 */
static size_t
wide_ascii(char *o, const wchar_t *w, size_t n)
{
	size_t		 i = 0;
#if WIDE_SSE2
	const __m128i	 high = _mm_set1_epi32(~0x7f), zero = _mm_setzero_si128();
	__m128i		 x, y;

	for (; i + 8 <= n; i += 8) {
		x = _mm_loadu_si128((const void *)(w + i));
		y = _mm_loadu_si128((const void *)(w + i + 4));
		if (_mm_movemask_epi8(_mm_cmpeq_epi32(_mm_and_si128(
		    _mm_or_si128(x, y), high), zero)) != 0xffff)
			break;
		_mm_storel_epi64((void *)(o + i), _mm_packus_epi16(
		    _mm_packs_epi32(x, y), zero));
	}
#endif
	return i;
}

/*
 * The wide characters w[0..n) written as UTF-8 in the arena, NUL-
 * terminated.  They come from an ISO 2022 decoder, so they are Unicode
 * scalar values; anything else (which iconv's own step to UTF-8 would
 * refuse) becomes U+FFFD.
 */
static char *
wide_to_utf8(struct arena *a, const wchar_t *w, size_t n, size_t *outlen)
{
	char		*out, *o;
	uint32_t	 c;
	size_t		 i, k;

	if (n > ((size_t)-1 - 1) / 4 || (out = arena_alloc(a, n * 4 + 1)) ==
	    NULL)
		return NULL;
	for (o = out, i = 0; i < n; i++) {
		c = (uint32_t)w[i];
		if (c < 0x80 && i + 8 < n) {
			/* A run of ASCII, 8 characters at a time. */
			k = wide_ascii(o, w + i, n - i);
			o += k;
			i += k;
			if (i == n)
				break;
			c = (uint32_t)w[i];
		}
		if (c < 0x80)
			*o++ = (char)c;
		else if (c < 0x800) {
			*o++ = (char)(0xc0 | c >> 6);
			*o++ = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000 && (c < 0xd800 || c > 0xdfff)) {
			*o++ = (char)(0xe0 | c >> 12);
			*o++ = (char)(0x80 | (c >> 6 & 0x3f));
			*o++ = (char)(0x80 | (c & 0x3f));
		} else if (c >= 0x10000 && c < 0x110000) {
			*o++ = (char)(0xf0 | c >> 18);
			*o++ = (char)(0x80 | (c >> 12 & 0x3f));
			*o++ = (char)(0x80 | (c >> 6 & 0x3f));
			*o++ = (char)(0x80 | (c & 0x3f));
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
		}
	}
	*o = '\0';
	*outlen = (size_t)(o - out);
	return out;
}

#if defined(__STDC_ISO_10646__)
/*
 * The ASCII run at *ip (see plain7_len()) written at *op as wide
 * characters, each byte its own code point, as iconv reads ISO-2022-JP
 * in its ASCII state; *ip, *il, *op and *ol are advanced past it.
 */
static void
ascii_to_wide(char **ip, size_t *il, char **op, size_t *ol)
{
	wchar_t		 w;
	size_t		 i = 0, n;
#if WIDE_SSE2
	const __m128i	 zero = _mm_setzero_si128();
	__m128i		 x, lo, hi;
	char		*o = *op;
#endif

	n = plain7_len(*ip, *il);
#if WIDE_SSE2
	/* 16 bytes at a time, each widened to 4 with zeros. */
	for (; i + 16 <= n; i += 16, o += 64) {
		x = _mm_loadu_si128((const void *)(*ip + i));
		lo = _mm_unpacklo_epi8(x, zero);
		hi = _mm_unpackhi_epi8(x, zero);
		_mm_storeu_si128((void *)o, _mm_unpacklo_epi16(lo, zero));
		_mm_storeu_si128((void *)(o + 16), _mm_unpackhi_epi16(lo, zero));
		_mm_storeu_si128((void *)(o + 32), _mm_unpacklo_epi16(hi, zero));
		_mm_storeu_si128((void *)(o + 48), _mm_unpackhi_epi16(hi, zero));
	}
#endif
	for (; i < n; i++) {
		w = (unsigned char)(*ip)[i];
		memcpy(*op + i * sizeof(w), &w, sizeof(w));
	}
	*ip += n;
	*il -= n;
	*op += n * sizeof(w);
	*ol -= n * sizeof(w);
}

/*
 * ISO-2022-JP read from its ASCII state: the ASCII run at *ip is copied
 * (see ascii_to_wide()), then the number of bytes iconv is to read
 * next is returned: up to the next ESC ( B, or that escape alone when
 * it comes first, after which the text is ASCII again if iconv wrote
 * nothing for it; with no ESC ( B left, all the rest and *jp cleared.
 * 0 at the end of the text.
 */
static size_t
jp_next(char **ip, size_t *il, char **op, size_t *ol, int *jp)
{
	const char	*e;

	ascii_to_wide(ip, il, op, ol);
	if (*il == 0)
		return 0;
	if ((e = msg_memmem(*ip, *il, "\x1b(B", 3)) == NULL) {
		*jp = 0;
		return *il;
	}
	return e == *ip ? 3 : (size_t)(e - *ip);
}
#endif

static char *
copy_out(struct arena *a, const char *in, size_t len, size_t *outlen)
{
	*outlen = len;
	return arena_strndup(a, in, len);
}

char *
msg_to_utf8(struct arena *a, const char *cs, const char *in, size_t len,
    size_t *outlen)
{
	iconv_t		 cd;
	char		*out, *ip, *op;
	const char	*to = "UTF-8", *rep = "\xef\xbf\xbd";
	char		*op0;
	size_t		 il, ol, cap, i, scan = 0, esc = (size_t)-1;
	size_t		 replen = 3, rest, r;
	int		 cached, stateful, jp = 0;
#if defined(__STDC_ISO_10646__)
	static const wchar_t	 wrep = 0xfffd;
#endif

	if (passthrough(cs) && (cs == NULL || strncasecmp(cs, "utf", 3) != 0))
		cs = msg_iso2022(in, len);
	if (passthrough(cs))
		return copy_out(a, in, len, outlen);
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		/* Labels are lowercase: the first letter rules most out. */
		if (((unsigned char)cs[0] | 0x20) == aliases[i].label[0] &&
		    strcasecmp(cs, aliases[i].label) == 0) {
			cs = aliases[i].iconv;
			if (cs == NULL)
				return copy_out(a, in, len, outlen);
			break;
		}
	if (ascii_based(cs) && plain7(in, len))
		return copy_out(a, in, len, outlen);
	stateful = strncasecmp(cs, "iso-2022", 8) == 0;
#if defined(__STDC_ISO_10646__)
	/*
	 * ISO 2022 is read into wide characters (Unicode where wchar_t is)
	 * and written as UTF-8 by wide_to_utf8(): iconv's own second step,
	 * from its wide characters to UTF-8, cost more than the first.
	 */
	if (stateful) {
		to = "WCHAR_T";
		rep = (const char *)&wrep;
		replen = sizeof(wrep);
		jp = strncasecmp(cs, "iso-2022-jp", 11) == 0;
	}
#endif
	if ((cd = cd_get(to, cs, &cached)) == (iconv_t)-1)
		return copy_out(a, in, len, outlen);

	/*
	 * Four output bytes per input byte is enough for any charset, and
	 * for the wide characters of ISO 2022 (one at most per byte).
	 */
	if (len > ((size_t)-1 - 4) / 4) {
		cd_put(cd, cached);
		return NULL;
	}
	cap = len * 4 + 4;
	if ((out = arena_alloc(a, cap)) == NULL) {
		cd_put(cd, cached);
		return NULL;
	}
	ip = (char *)(uintptr_t)in;
	il = len;
	op = out;
	ol = cap - 1;
	while (il > 0) {
		size_t	 skip, n = il;
		int	 atesc = 0;

#if defined(__STDC_ISO_10646__)
		if (jp) {
			if ((n = jp_next(&ip, &il, &op, &ol, &jp)) == 0)
				break;
			atesc = jp && n == 3 && memcmp(ip, "\x1b(B", 3) == 0;
		}
#endif
		/* iconv gets n bytes, the rest of the text after. */
		rest = il - n;
		il = n;
		op0 = op;
		r = iconv(cd, &ip, &il, &op, &ol);
		il += rest;
		if (r != (size_t)-1) {
			/* ESC ( B read as an escape writes nothing. */
			if (atesc && op != op0)
				jp = 0;
			continue;
		}
		/*
		 * Input cut short where the text was split: iconv left the
		 * incomplete character, and reads it whole now.  After any
		 * error, iconv's state is not known: no more ASCII runs.
		 */
		if (jp && errno == EINVAL && rest > 0) {
			jp = 0;
			continue;
		}
		jp = 0;
		if (errno == E2BIG || ol < replen)
			break;
		/*
		 * A character that cannot be converted becomes U+FFFD.  The
		 * shift state of ISO 2022 stays: a reset would read the
		 * rest of a two-byte run as ASCII.
		 */
		memcpy(op, rep, replen);
		op += replen;
		ol -= replen;
		skip = stateful ? bad_len(in, (size_t)(ip - in), il, &scan,
		    &esc) : 1;
		/*
		 * iconv may have taken in the byte it then failed on (glibc's
		 * ISO-2022-CN-EXT to UTF-8 does, on a final SO): not past
		 * the end.
		 */
		if (skip > il)
			skip = il;
		ip += skip;
		il -= skip;
		if (!stateful)
			iconv(cd, NULL, NULL, NULL, NULL);
		/*
		 * ISO 2022 is a 7-bit code: iconv refuses every 8-bit byte,
		 * in any shift state, one call per byte.  A run of them
		 * (8-bit text mislabelled ISO-2022-JP) becomes U+FFFDs here
		 * at once, as those calls would make it.
		 */
		while (stateful && il > 0 && (unsigned char)*ip >= 0x80 &&
		    ol >= replen) {
			memcpy(op, rep, replen);
			op += replen;
			ol -= replen;
			ip++;
			il--;
		}
	}
	iconv(cd, NULL, NULL, &op, &ol);
	cd_put(cd, cached);
	if (replen != 3)
		return wide_to_utf8(a, (const wchar_t *)(void *)out,
		    (size_t)(op - out) / sizeof(wchar_t), outlen);
	*op = '\0';
	*outlen = (size_t)(op - out);
	return out;
}
