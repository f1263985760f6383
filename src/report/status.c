/*
 * status.c - enhanced status codes (RFC 3463) and SMTP reply codes.
 *
 * Finds codes in diagnostic text and chooses the more specific of a
 * Status field and a code from the text.  Pure functions over the
 * caller's bytes; nothing is allocated.
 */
#include <stdio.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "report/recog.h"

/* A reply or status class digit: a cheap test before reply_at(). */
#define IS_CLASS(c)	((c) == '2' || (c) == '4' || (c) == '5')

static int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

static int
isalnumc(int c)
{
	return isdig(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Length of the status code at s[i..len), or 0. */
static size_t
status_at(const char *s, size_t len, size_t i)
{
	size_t	 j, d;

	if (s[i] != '2' && s[i] != '4' && s[i] != '5')
		return 0;
	if (i > 0 && (isalnumc((unsigned char)s[i - 1]) || s[i - 1] == '.'))
		return 0;
	/* Class, a one-digit subject 0..7, a detail of 1..3 digits. */
	if (i + 4 >= len || s[i + 1] != '.' || s[i + 2] < '0' ||
	    s[i + 2] > '7' || s[i + 3] != '.')
		return 0;
	for (j = i + 4, d = 0; j < len && isdig((unsigned char)s[j]); j++)
		d++;
	if (d == 0 || d > 3)
		return 0;
	if (j < len && (isalnumc((unsigned char)s[j]) || (s[j] == '.' &&
	    j + 1 < len && isdig((unsigned char)s[j + 1]))))
		return 0;
	return j - i;
}

int
status_find(const char *s, size_t len, char *out, size_t outlen)
{
	const char	*p;
	size_t		 i, n;

	if (s == NULL)
		return 0;
	for (p = s; (p = memchr(p, '.', len - (size_t)(p - s))) != NULL;
	    p++) {
		i = (size_t)(p - s);
		if (i == 0)
			continue;
		if ((n = status_at(s, len, i - 1)) > 0 && n < outlen) {
			memcpy(out, s + i - 1, n);
			out[n] = '\0';
			return 1;
		}
	}
	return 0;
}

int
status_valid(const char *s)
{
	size_t	 n;

	if (s == NULL)
		return 0;
	n = strlen(s);
	return n >= 5 && status_at(s, n, 0) == n;
}

/*
 * Reply codes of RFC 5321, 3463, 4954, 7504 and common practice:
 *	211 214 220 221 235 250 251 252 253
 *	421 422 430 432 450 451 452 453 454 455 458 459 471
 *	500 501 502 503 504 521 523 524 525 530 534 535 538
 *	550 551 552 553 554 555 556 557 571
 * as one bit per last digit, by class and middle digit.
 */
static const unsigned short known_replies[6][10] = {
	[2] = { [1] = 0x12, [2] = 0x3, [3] = 0x20, [5] = 0xf },
	[4] = { [2] = 0x6, [3] = 0x5, [5] = 0x33f, [7] = 0x2 },
	[5] = { [0] = 0x1f, [2] = 0x3a, [3] = 0x131, [5] = 0xff, [7] = 0x2 },
};

/* 1 when the three digits at s (class 2, 4 or 5) are a known reply. */
static int
known_reply(const char *s)
{
	return known_replies[s[0] - '0'][s[1] - '0'] >> (s[2] - '0') & 1;
}

/* 1 when the three digits at s[i] form a plausible reply code. */
static int
reply_at(const char *s, size_t len, size_t i)
{
	size_t	 j, k;
	char	 c = s[i];

	if ((c != '2' && c != '4' && c != '5') || i + 3 > len ||
	    !isdig((unsigned char)s[i + 1]) || !isdig((unsigned char)s[i + 2]) ||
	    !known_reply(s + i))
		return 0;
	if (i > 0 && (isalnumc((unsigned char)s[i - 1]) || s[i - 1] == '.' ||
	    s[i - 1] == '-' || s[i - 1] == '/' || s[i - 1] == '+'))
		return 0;
	j = i + 3;
	/* "550-" opens a multi-line reply. */
	if (j + 1 < len && s[j] == '-' && !isdig((unsigned char)s[j + 1]))
		return 1;
	if (j < len && s[j] != ' ' && s[j] != '-' && s[j] != '\t' &&
	    s[j] != ';' && s[j] != ')' && s[j] != '"' && s[j] != ']' &&
	    s[j] != ',' && s[j] != '\r' && s[j] != '\n')
		return 0;
	/*
	 * "550 5.1.1" or "550-'5.1.1": a status of the same class follows,
	 * right there (read within the next 10 bytes).
	 */
	k = j < len && (s[j] == ' ' || s[j] == '-') ? j + 1 : j;
	if (k < len && (s[k] == '\'' || s[k] == '"'))
		k++;
	if (k < len && s[k] == c &&
	    status_at(s + k, len - k > 10 ? 10 : len - k, 0) > 0)
		return 1;
	/* At the start, or after a colon, semicolon, '#', '(' or '<'. */
	for (k = i; k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t'); k--)
		;
	if (k == 0)
		return 1;
	c = s[k - 1];
	return c == ':' || c == ';' || c == '#' || c == '(' || c == '<' ||
	    c == '[' || c == '"' || c == '\n' || c == '\r' || c == '=';
}

/*
 * The first i from `from` on, below end, where s[i] is a class digit
 * ('2', '4' or '5') and s[i + 1], s[i + 2] are digits: where reply_at()
 * may find a code (end is at most len - 2, so s[i + 2] is there); end
 * when none.  16 places at a time with SSE2.
 */
static size_t
next_reply(const char *s, size_t from, size_t end)
{
	size_t		 i = from;
#if defined(__SSE2__)
	const __m128i	 d2 = _mm_set1_epi8('2'), d4 = _mm_set1_epi8('4');
	const __m128i	 d5 = _mm_set1_epi8('5');
	const __m128i	 lo = _mm_set1_epi8('0' - 1);
	const __m128i	 hi = _mm_set1_epi8('9' + 1);
	__m128i		 x, y, z, c;
	unsigned	 m;

	/* Bytes of 0x80 and up compare negative: never digits. */
#define DIGIT(v)	\
	_mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi))
	for (; i + 16 <= end; i += 16) {
		x = _mm_loadu_si128((const void *)(s + i));
		y = _mm_loadu_si128((const void *)(s + i + 1));
		z = _mm_loadu_si128((const void *)(s + i + 2));
		c = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, d2),
		    _mm_cmpeq_epi8(x, d4)), _mm_cmpeq_epi8(x, d5));
		m = (unsigned)_mm_movemask_epi8(_mm_and_si128(c,
		    _mm_and_si128(DIGIT(y), DIGIT(z))));
		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#undef DIGIT
#endif
	for (; i < end; i++)
		if (IS_CLASS(s[i]) && isdig((unsigned char)s[i + 1]) &&
		    isdig((unsigned char)s[i + 2]))
			return i;
	return end;
}

int
status_reply_find(const char *s, size_t len, int cls, char *out)
{
	size_t	 i, end;

	if (s == NULL || len < 3)
		return 0;
	end = len - 2;
	for (i = next_reply(s, 0, end); i < end;
	    i = next_reply(s, i + 1, end))
		if ((cls == 0 || s[i] == cls) && reply_at(s, len, i)) {
			memcpy(out, s + i, 3);
			out[3] = '\0';
			return 1;
		}
	return 0;
}

int
status_pair_find(const char *s, size_t len, char *st, size_t stlen)
{
	size_t	 i, k, end;

	if (s == NULL || len < 3)
		return 0;
	end = len - 2;
	for (i = next_reply(s, 0, end); i < end;
	    i = next_reply(s, i + 1, end)) {
		if (!reply_at(s, len, i))
			continue;
		k = i + 3;
		if (k < len && (s[k] == ' ' || s[k] == '-'))
			k++;
		if (k < len && (s[k] == '\'' || s[k] == '"'))
			k++;
		if (k < len && s[k] == s[i] && status_at(s, len, k) > 0)
			return status_find(s + k, len - k, st, stlen);
	}
	return 0;
}

/* How specific a valid status is: 0 for X.0.0, 1 for X.Y.0, 2 else. */
static int
specificity(const char *s)
{
	const char	*d = s + 4;

	if (s[2] == '0' && strcmp(d, "0") == 0)
		return 0;
	if (strcmp(d, "0") == 0)
		return 1;
	return 2;
}

const char *
status_choose(const char *field, const char *diag)
{
	int	 fv = status_valid(field), dv = status_valid(diag);

	if (!fv)
		return dv ? diag : NULL;
	if (!dv || field[0] != diag[0])
		return field;
	return specificity(diag) >= specificity(field) ? diag : field;
}

/* The SMTP step named right after s[i]: "RCPT TO", "end of DATA"... */
static const char *
command_at(const char *s, size_t len)
{
	static const struct {
		const char	*word, *cmd;
	} words[] = {
		{ "rcpt", "RCPT" }, { "mail", "MAIL" }, { "data", "DATA" },
		{ "pipelined rcpt", "RCPT" }, { "pipelined mail", "MAIL" },
		{ "pipelined data", "DATA" },
		{ "end of data", "DATA" }, { "message body", "DATA" },
		{ "helo", "HELO" }, { "ehlo", "HELO" }, { "lhlo", "HELO" },
		{ "initial connection", "CONN" }, { "greeting", "CONN" },
		{ "connect", "CONN" }, { "banner", "CONN" },
	};
	size_t	 i;

	while (len > 0 && (*s == ' ' || *s == '"' || *s == '\'')) {
		s++;
		len--;
	}
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (msg_startcase(s, len, words[i].word))
			return words[i].cmd;
	return NULL;
}

/*
 * What names the SMTP step in a diagnostic: whole phrases (qmail, Exim)
 * first, then words that lead to a command ("in reply to RCPT TO").
 * A phrase anywhere beats a lead; an earlier phrase or lead of the
 * table beats a later one; among the places of one lead, the first
 * one followed by a command counts.
 */
static const struct {
	const char	*s, *cmd;	/* cmd NULL: a lead */
	size_t		 len;
} step_words[] = {
#define W(s, c)	{ s, c, sizeof(s) - 1 }
	W("does not like recipient", "RCPT"),
	W("sender was rejected", "MAIL"),
	W("my name was rejected", "HELO"),
	W("but greeting failed", "CONN"),
	W("able to establish an smtp connection", "CONN"),
	W("in reply to ", NULL),
	W("after ", NULL),
	W("while sending ", NULL),
	W("during ", NULL),
	W("response to ", NULL),
#undef W
};
#define NSTEP	(sizeof(step_words) / sizeof(step_words[0]))

/*
 * The first step word starting with each byte, plus one (0: none), and
 * the next one with the same first letter, plus one.
 */
static const unsigned char step_first[256] = {
	['d'] = 1, ['D'] = 1, ['s'] = 2, ['S'] = 2, ['m'] = 3, ['M'] = 3,
	['b'] = 4, ['B'] = 4, ['a'] = 5, ['A'] = 5, ['i'] = 6, ['I'] = 6,
	['w'] = 8, ['W'] = 8, ['r'] = 10, ['R'] = 10,
};
static const unsigned char step_next[NSTEP] = {
	9, 0, 0, 0, 7, 0, 0, 0, 0, 0
};

/* What status_command() has found so far. */
struct steps {
	const char	*lead[NSTEP];	/* command after lead k, or NULL */
	size_t		 lmin;		/* first k with a lead[k], or NSTEP */
	size_t		 best;		/* first phrase found, or NSTEP */
};

/*
 * The third bytes of the step words by their first byte, one bit per
 * third byte c at bit (c & 31) (a space is bit 0, a letter's bit is
 * the same in either case).  A look at it costs less than a call of
 * step_try(), and most places that share a step word's first two
 * letters ("in", "re", "se") fail on the third.
 */
#define B3(c)	(1u << ((c) & 31))
static const unsigned step_third[256] = {
	['d'] = B3('e') | B3('r'), ['D'] = B3('e') | B3('r'),
	['s'] = B3('n'), ['S'] = B3('n'), ['m'] = B3(' '), ['M'] = B3(' '),
	['b'] = B3('t'), ['B'] = B3('t'),
	['a'] = B3('l') | B3('t'), ['A'] = B3('l') | B3('t'),
	['i'] = B3(' '), ['I'] = B3(' '), ['w'] = B3('i'), ['W'] = B3('i'),
	['r'] = B3('s'), ['R'] = B3('s'),
};
#undef B3

/*
 * 1 when s[i] and s[i + 2] may be the first and third bytes of a step
 * word (all are longer than 3 bytes).
 */
static int
step_maybe(const char *s, size_t len, size_t i)
{
	return len - i > 3 && (step_third[(unsigned char)s[i]] >>
	    ((unsigned char)s[i + 2] & 31) & 1);
}

/*
 * Tries the step words at s[i] (its first byte through step_first, its
 * second and third compared at once, then the word): a phrase lowers
 * st->best, a lead followed by a command sets st->lead[k].  1 when the
 * first phrase is there: nothing can beat it.
 */
static int
step_try(const char *s, size_t len, size_t i, struct steps *st)
{
	size_t		 k;
	unsigned	 n;

	for (n = step_first[(unsigned char)s[i]]; n != 0; n = step_next[k]) {
		k = n - 1;
		/*
		 * Second bytes are letters, third ones letters or a space:
		 * | 0x20 folds the case (and keeps a space).
		 */
		if (((unsigned char)s[i + 1] | 0x20) !=
		    (unsigned char)step_words[k].s[1] ||
		    len - i < step_words[k].len ||
		    ((unsigned char)s[i + 2] | 0x20) !=
		    (unsigned char)step_words[k].s[2] ||
		    (step_words[k].cmd != NULL ? k >= st->best :
		    st->lead[k] != NULL) ||
		    !msg_startcase(s + i, len - i, step_words[k].s))
			continue;
		if (step_words[k].cmd != NULL) {
			if ((st->best = k) == 0)
				return 1;
		} else if ((st->lead[k] = command_at(s + i + step_words[k].len,
		    len - i - step_words[k].len)) != NULL && k < st->lmin)
			st->lmin = k;
	}
	return 0;
}

#if defined(__SSE2__)
/*
 * One bit per place of p[0..16) where the byte and the next one are
 * the first two letters of a step word (either case: | 0x20 folds
 * letters); reads p[0..17).
 */
static unsigned
step_sift(const char *p)
{
	const __m128i	 low = _mm_set1_epi8(0x20);
	__m128i		 x, y, f;

	x = _mm_or_si128(_mm_loadu_si128((const void *)p), low);
	y = _mm_or_si128(_mm_loadu_si128((const void *)(p + 1)), low);
#define EQ(v, c)	_mm_cmpeq_epi8(v, _mm_set1_epi8(c))
#define PAIR(a, b)	_mm_and_si128(EQ(x, a), EQ(y, b))
	/* do du se re my bu ab af in wh: the step words' starts. */
	f = _mm_or_si128(_mm_or_si128(
	    _mm_and_si128(EQ(x, 'd'), _mm_or_si128(EQ(y, 'o'), EQ(y, 'u'))),
	    _mm_and_si128(EQ(y, 'e'), _mm_or_si128(EQ(x, 's'), EQ(x, 'r')))),
	    _mm_or_si128(_mm_or_si128(PAIR('m', 'y'), PAIR('b', 'u')),
	    _mm_and_si128(EQ(x, 'a'), _mm_or_si128(EQ(y, 'b'),
	    EQ(y, 'f')))));
	f = _mm_or_si128(f, _mm_or_si128(PAIR('i', 'n'), PAIR('w', 'h')));
#undef PAIR
#undef EQ
	return (unsigned)_mm_movemask_epi8(f);
}
#endif

/*
 * One pass over s: each place that may start a step word is tried.
 * With SSE2, 16 places at a time are sifted first (step_sift()), so
 * few reach step_maybe() and fewer step_try(); the last block overlaps
 * the one before it, its places already tried shifted out.
 */
const char *
status_command(const char *s, size_t len)
{
	struct steps	 st;
	size_t		 i = 0;
#if defined(__SSE2__)
	size_t		 b, j;
	unsigned	 m;
#endif

	if (s == NULL || len < 2)
		return NULL;
	memset(st.lead, 0, sizeof(st.lead));
	st.lmin = st.best = NSTEP;
#if defined(__SSE2__)
	/* Places 0..len - 2 are tried: a block of 16 reads 17 bytes. */
	for (; len >= 17 && i + 1 < len; i += 16) {
		b = i + 17 <= len ? i : len - 17;
		for (m = step_sift(s + b) >> (i - b); m != 0; m &= m - 1) {
			j = i + (size_t)__builtin_ctz(m);
			if (step_maybe(s, len, j) && step_try(s, len, j, &st))
				return step_words[0].cmd;
		}
	}
#endif
	for (; i + 1 < len; i++)
		if (step_maybe(s, len, i) && step_try(s, len, i, &st))
			return step_words[0].cmd;
	if (st.best < NSTEP)
		return step_words[st.best].cmd;
	return st.lmin < NSTEP ? st.lead[st.lmin] : NULL;
}
