/*
 * address.c - mail addresses pulled out of header and report fields.
 *
 * msg_addr() reads "rfc822; Name <local@domain> (comment)" and the like;
 * msg_addr_find() spots an address in free text.  Addresses may carry
 * UTF-8 (RFC 6531).  Strings returned live in the caller's arena.
 */
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "message/message.h"
#include "message/word.h"

/*
 * Classes of address bytes, looked up rather than tested one by one:
 * LOCAL for the local part (RFC 5322 atext and '.'), DOMAIN for a
 * domain (letters, digits, '-', '.', '_'), TYPE for an address type
 * ("rfc822": letters, digits, '-', '_'); bytes from 0x80 up (UTF-8,
 * RFC 6531) are LOCAL and DOMAIN.
 */
#define LOCAL	1
#define DOMAIN	2
#define TYPE	4
#define BOTH	(LOCAL | DOMAIN)
#define ALNUM	(LOCAL | DOMAIN | TYPE)
#define R8(c, v)	[c] = v, [c + 1] = v, [c + 2] = v, [c + 3] = v, \
	[c + 4] = v, [c + 5] = v, [c + 6] = v, [c + 7] = v
#define R32(c)	R8(c, BOTH), R8(c + 8, BOTH), R8(c + 16, BOTH), \
	R8(c + 24, BOTH)

static const unsigned char addr_class[256] = {
	['!'] = LOCAL, ['#'] = LOCAL, ['$'] = LOCAL, ['%'] = LOCAL,
	['&'] = LOCAL, ['\''] = LOCAL, ['*'] = LOCAL, ['+'] = LOCAL,
	['/'] = LOCAL, ['='] = LOCAL, ['?'] = LOCAL, ['^'] = LOCAL,
	['`'] = LOCAL, ['{'] = LOCAL, ['|'] = LOCAL, ['}'] = LOCAL,
	['~'] = LOCAL, ['.'] = BOTH, ['-'] = ALNUM, ['_'] = ALNUM,
	R8('0', ALNUM), ['8'] = ALNUM, ['9'] = ALNUM,
	R8('A', ALNUM), R8('I', ALNUM), R8('Q', ALNUM), ['Y'] = ALNUM,
	['Z'] = ALNUM,
	R8('a', ALNUM), R8('i', ALNUM), R8('q', ALNUM), ['y'] = ALNUM,
	['z'] = ALNUM,
	R32(0x80), R32(0xa0), R32(0xc0), R32(0xe0)
};

#undef R32
#undef R8

static int
is_local(unsigned char c)
{
	return addr_class[c] & LOCAL;
}

static int
is_domain(unsigned char c)
{
	return addr_class[c] & DOMAIN;
}

/* The classes all four bytes at s have in common. */
static unsigned
class4(const char *s)
{
	return addr_class[(unsigned char)s[0]] &
	    addr_class[(unsigned char)s[1]] &
	    addr_class[(unsigned char)s[2]] &
	    addr_class[(unsigned char)s[3]];
}

int
msg_addr_valid(const char *s, size_t len)
{
	const char	*at;
	size_t		 i, l;

	if ((at = memchr(s, '@', len)) == NULL)
		return 0;
	l = (size_t)(at - s);
	if (l == 0 || l + 1 >= len)
		return 0;
	for (i = 0; i < l; i++)
		if (!is_local((unsigned char)s[i]))
			return 0;
	if (s[l + 1] == '[')
		return s[len - 1] == ']';
	for (i = l + 1; i < len; i++)
		if (!is_domain((unsigned char)s[i]))
			return 0;
	return s[l + 1] != '.' && s[l + 1] != '-';
}

int
msg_addr_find(const char *s, size_t len, size_t *start, size_t *alen)
{
	const char	*at, *p = s, *end = s + len;
	size_t		 b, e, a;

	while ((at = memchr(p, '@', (size_t)(end - p))) != NULL) {
		a = (size_t)(at - s);
		/* Four bytes a step while they can be, then one. */
		for (b = a; b >= 4 && (class4(s + b - 4) & LOCAL); b -= 4)
			;
		for (; b > 0 && is_local((unsigned char)s[b - 1]); b--)
			;
		for (e = a + 1; e + 4 <= len && (class4(s + e) & DOMAIN);
		    e += 4)
			;
		for (; e < len && is_domain((unsigned char)s[e]); e++)
			;
		/* A sentence may end right after the address. */
		while (e > a + 1 && (s[e - 1] == '.' || s[e - 1] == '-'))
			e--;
		while (b < a && s[b] == '.')
			b++;
		if (b < a && e > a + 1 && memchr(s + a + 1, '.', e - a - 1)) {
			*start = b;
			*alen = e - b;
			return 1;
		}
		p = at + 1;
	}
	return 0;
}

/*
 * Offset of the first '\\', '"', '(' or ')' in s[i..len), or len: the
 * bytes before it change no state of strip_comments().  16 bytes at a
 * time with SSE2, the last block ending at len (its bits before i
 * masked off).
 */
static size_t
special_at(const char *s, size_t len, size_t i)
{
#if defined(__SSE2__)
	const __m128i	 bs = _mm_set1_epi8('\\'), dq = _mm_set1_epi8('"');
	const __m128i	 lp = _mm_set1_epi8('('), rp = _mm_set1_epi8(')');
	__m128i		 x;
	unsigned	 m;
	size_t		 base;

	for (; len >= 16 && i < len; i += 16) {
		base = i + 16 <= len ? i : len - 16;
		x = _mm_loadu_si128((const void *)(s + base));
		m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(x, bs), _mm_cmpeq_epi8(x, dq)),
		    _mm_or_si128(_mm_cmpeq_epi8(x, lp), _mm_cmpeq_epi8(x, rp))));
		m &= ~0u << (i - base);
		if (m != 0)
			return base + (size_t)__builtin_ctz(m);
		if (base != i)
			return len;
	}
#endif
	for (; i < len; i++)
		if (s[i] == '\\' || s[i] == '"' || s[i] == '(' || s[i] == ')')
			break;
	return i;
}

/*
 * s without comments, outside quotes, into out (len bytes); length.
 * Only called for a value that holds a '(' or a '"' (scan_value()).
 * The runs between the bytes that matter are copied whole (or dropped
 * inside a comment).
 */
static size_t
strip_comments(const char *s, size_t len, char *out)
{
	size_t	 i = 0, o = 0, r;
	int	 depth = 0, quote = 0;
	char	 c;

	for (;;) {
		r = special_at(s, len, i);
		if (!depth) {
			memcpy(out + o, s + i, r - i);
			o += r - i;
		}
		if ((i = r) >= len)
			return o;
		c = s[i++];
		if (c == '\\' && i < len && (quote || depth)) {
			if (!depth) {
				out[o++] = c;
				out[o++] = s[i];
			}
			i++;
			continue;
		}
		if (!depth && c == '"')
			quote = !quote;
		else if (!quote && c == '(') {
			depth++;
			continue;
		} else if (!quote && depth && c == ')') {
			depth--;
			continue;
		}
		if (!depth)
			out[o++] = c;
	}
}

/* Drops a "type;" prefix such as "rfc822;" from s[0..*len). */
static const char *
drop_type(const char *s, size_t *len)
{
	size_t	 i, n = *len;

	for (i = 0; i < n && s[i] == ' '; i++)
		;
	/* ';' is no TYPE byte: the loop stops at it, then it is tested. */
	while (i < n && (addr_class[(unsigned char)s[i]] & TYPE))
		i++;
	if (i < n && s[i] == ';') {
		*len = n - (i + 1);
		return s + i + 1;
	}
	return s;
}

static int
trimchar(char c)
{
	return c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '<' ||
	    c == '>' || c == ',' || c == ';' || c == ':' || c == '[' ||
	    c == ']' || c == '.' || c == '\r' || c == '\n';
}

/* A control byte other than a tab or a line end, or DEL. */
static int
is_control(unsigned char c)
{
	return (c < ' ' && c != '\t' && c != '\r' && c != '\n') || c == 0x7f;
}


/* What scan_value() finds in an address value. */
#define SCAN_CONTROL	1	/* a control byte but a tab or a line end */
#define SCAN_STRIP	2	/* a '(' or a '"': comments or quotes */
#define SCAN_SEMI	4	/* a ';': maybe a type prefix */

#if defined(__SSE2__)
/*
 * scan_value() for len >= 16, 16 bytes at a time; the last block is
 * the last 16 bytes, which may overlap the one before (looking at a
 * byte twice changes nothing).
 */
static int
scan_value16(const char *s, size_t len)
{
	const __m128i	 low = _mm_set1_epi8(0x1f), del = _mm_set1_epi8(0x7f);
	const __m128i	 tab = _mm_set1_epi8('\t'), lf = _mm_set1_epi8('\n');
	const __m128i	 cr = _mm_set1_epi8('\r'), lp = _mm_set1_epi8('(');
	const __m128i	 dq = _mm_set1_epi8('"'), semi = _mm_set1_epi8(';');
	__m128i		 x, ctl, ok;
	size_t		 i;
	unsigned	 strip = 0, semis = 0;

	for (i = 0; ; i += 16) {
		if (i + 16 > len)
			i = len - 16;
		x = _mm_loadu_si128((const void *)(s + i));
		/* Below ' ' but a tab or a line end, or DEL. */
		ok = _mm_or_si128(_mm_cmpeq_epi8(x, tab),
		    _mm_or_si128(_mm_cmpeq_epi8(x, lf), _mm_cmpeq_epi8(x, cr)));
		ctl = _mm_or_si128(_mm_andnot_si128(ok,
		    _mm_cmpeq_epi8(_mm_min_epu8(x, low), x)),
		    _mm_cmpeq_epi8(x, del));
		if (_mm_movemask_epi8(ctl) != 0)
			return SCAN_CONTROL;
		strip |= (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(x, lp), _mm_cmpeq_epi8(x, dq)));
		semis |= (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, semi));
		if (i + 16 >= len)
			return (strip != 0 ? SCAN_STRIP : 0) |
			    (semis != 0 ? SCAN_SEMI : 0);
	}
}
#endif

/*
 * SCAN_CONTROL when s[0..len) holds a control byte other than a tab or
 * a line end (msg_unfold() leaves DEL for them): such an address is
 * refused, not read as two words ("mallory\0victim@example.org").
 * Else SCAN_STRIP when it holds a '(' or a '"', which strip_comments()
 * has to look at (else the value is used as it is, not copied), and
 * SCAN_SEMI when it holds a ';' (else it has no type to drop).
 */
static int
scan_value(const char *s, size_t len)
{
	size_t		 i = 0, j;
	uint64_t	 x;
	int		 r = 0;

#if defined(__SSE2__)
	if (len >= 16)
		return scan_value16(s, len);
#endif
	/*
	 * 8 bytes at a time: most hold no byte below ' ', no DEL, no '('
	 * and no '"', and are passed at once; the others are looked at
	 * byte by byte.
	 */
	for (; i + 8 <= len; i += 8) {
		memcpy(&x, s + i, 8);
		if ((((x - ONES * 0x20) & ~x) | HASZERO(x ^ ONES * 0x7f)) &
		    HIGHS)
			for (j = i; j < i + 8; j++)
				if (is_control((unsigned char)s[j]))
					return SCAN_CONTROL;
		if (HASZERO(x ^ ONES * '(') | HASZERO(x ^ ONES * '"'))
			r |= SCAN_STRIP;
		if (HASZERO(x ^ ONES * ';'))
			r |= SCAN_SEMI;
	}
	for (; i < len; i++) {
		if (is_control((unsigned char)s[i]))
			return SCAN_CONTROL;
		if (s[i] == '(' || s[i] == '"')
			r |= SCAN_STRIP;
		else if (s[i] == ';')
			r |= SCAN_SEMI;
	}
	return r;
}

char *
msg_addr(struct arena *a, const char *s, size_t len)
{
	char		*buf = NULL;
	const char	*p, *lt, *gt;
	size_t		 n, st, al;
	int		 scan, at = 0;

	if (s == NULL || (scan = scan_value(s, len)) == SCAN_CONTROL)
		return NULL;
	/*
	 * A type prefix holds no '(' or '"', so scan_value() told for the
	 * rest too: mostly there is nothing to strip, and no copy is made.
	 */
	p = scan & SCAN_SEMI ? drop_type(s, &len) : s;
	n = len;
	if (scan & SCAN_STRIP) {
		if ((buf = arena_alloc(a, len + 1)) == NULL)
			return NULL;
		n = strip_comments(p, len, buf);
		p = buf;
	}

	/* Prefer an address in angle brackets. */
	if ((lt = memchr(p, '<', n)) != NULL &&
	    (gt = memchr(lt, '>', n - (size_t)(lt - p))) != NULL &&
	    memchr(lt, '@', (size_t)(gt - lt)) != NULL) {
		n = (size_t)(gt - lt - 1);
		p = lt + 1;
		at = 1;
	} else if (msg_addr_find(p, n, &st, &al)) {
		p += st;
		n = al;
		at = 1;
	}
	/* A source route: "@relay.example:user@example.com". */
	if (n > 0 && *p == '@' && (lt = memchr(p, ':', n)) != NULL) {
		n -= (size_t)(lt + 1 - p);
		p = lt + 1;
		at = 0;
	}
	if (n >= 7 && (*p | 0x20) == 'm' && msg_startcase(p, n, "mailto:")) {
		p += 7;
		n -= 7;
	}
	/* '@' is no trimchar(): an '@' found above is kept. */
	while (n > 0 && trimchar(*p)) {
		p++;
		n--;
	}
	while (n > 0 && trimchar(p[n - 1]))
		n--;
	if (n == 0)
		return NULL;
	/* Without '@' keep the first word only ("postmaster"). */
	if (!at && memchr(p, '@', n) == NULL) {
		const char *sp = memchr(p, ' ', n);

		if (sp != NULL)
			n = (size_t)(sp - p);
	}
	if (buf == NULL)
		return arena_strndup(a, p, n);
	/* Cut out of the stripped copy: no second copy. */
	buf += p - buf;
	buf[n] = '\0';
	return buf;
}
