/*
 * status.c - enhanced status codes (RFC 3463) and SMTP reply codes.
 *
 * Finds codes in diagnostic text and chooses the more specific of a
 * Status field and a code from the text.  Pure functions over the
 * caller's bytes; nothing is allocated.
 */
#include <stdio.h>
#include <string.h>

#include "report/recog.h"
#include "message/vec.h"

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

#if defined(__SSE2__)
/*
 * One bit per place of p[0..16) holding a digit '2' to '5' (a '3' is
 * left for status_at() to refuse), a dot, any byte and a dot; reads
 * p[0..19).
 */
static inline unsigned
status_sift(const char *p)
{
	const __m128i	 dot = _mm_set1_epi8('.');
	__m128i		 c;

	c = _mm_and_si128(in_range(_mm_loadu_si128((const void *)p), '2', 4),
	    _mm_and_si128(
	    _mm_cmpeq_epi8(_mm_loadu_si128((const void *)(p + 1)), dot),
	    _mm_cmpeq_epi8(_mm_loadu_si128((const void *)(p + 3)), dot)));
	return (unsigned)_mm_movemask_epi8(c);
}
#endif

/* 1 with the status code at s[i] in out when there is one that fits. */
static int
status_copy(const char *s, size_t len, size_t i, char *out, size_t outlen)
{
	size_t	 n;

	if ((n = status_at(s, len, i)) == 0 || n >= outlen)
		return 0;
	memcpy(out, s + i, n);
	out[n] = '\0';
	return 1;
}

/*
 * status_at() is tried at the places i below len - 4 (it needs s[i + 4])
 * in order.  With SSE2 16 places at a time are sifted first
 * (status_sift()), the last block overlapping the one before it (its
 * places already tried shifted out).
 */
int
status_find(const char *s, size_t len, char *out, size_t outlen)
{
	size_t		 i = 0, end;
#if defined(__SSE2__)
	unsigned	 m;
#endif

	if (s == NULL || len < 5)
		return 0;
	end = len - 4;
#if defined(__SSE2__)
	for (; i + 16 <= end; i += 16)
		for (m = status_sift(s + i); m != 0; m &= m - 1)
			if (status_copy(s, len, i + (size_t)__builtin_ctz(m),
			    out, outlen))
				return 1;
	if (i < end && end >= 16) {
		for (m = status_sift(s + end - 16) >> (i - (end - 16)); m != 0;
		    m &= m - 1)
			if (status_copy(s, len, i + (size_t)__builtin_ctz(m),
			    out, outlen))
				return 1;
		return 0;
	}
#endif
	for (; i < end; i++)
		if (s[i + 1] == '.' && status_copy(s, len, i, out, outlen))
			return 1;
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

#if defined(__SSE2__)
/*
 * One bit per place of p[0..16) holding a digit '2' to '5' followed by
 * two digits (a '3' there is left for reply_at() to refuse); reads
 * p[0..18).
 */
static inline unsigned
reply_sift(const char *p)
{
	__m128i	 c;

	c = _mm_and_si128(in_range(_mm_loadu_si128((const void *)p), '2', 4),
	    _mm_and_si128(
	    in_range(_mm_loadu_si128((const void *)(p + 1)), '0', 10),
	    in_range(_mm_loadu_si128((const void *)(p + 2)), '0', 10)));
	return (unsigned)_mm_movemask_epi8(c);
}
#endif

#if defined(HAVE_AVX2_SCAN)
/*
 * next_reply()'s blocks of 32 places where the CPU has AVX2 (each
 * reads 34 bytes): the first candidate from i on, or where the blocks
 * stop (below end, the rest left to the caller); sets *found.
 */
__attribute__((target("avx2"))) static size_t
reply_scan_avx2(const char *s, size_t i, size_t end, int *found)
{
	__m256i		 c;
	unsigned	 m;

	for (; i + 32 <= end; i += 32) {
		c = _mm256_and_si256(in_range32(_mm256_loadu_si256(
		    (const void *)(s + i)), '2', 4), _mm256_and_si256(
		    in_range32(_mm256_loadu_si256((const void *)(s + i + 1)),
		    '0', 10), in_range32(_mm256_loadu_si256(
		    (const void *)(s + i + 2)), '0', 10)));
		if ((m = (unsigned)_mm256_movemask_epi8(c)) != 0) {
			*found = 1;
			return i + (size_t)__builtin_ctz(m);
		}
	}
	*found = 0;
	return i;
}
#endif

/*
 * The first i from `from` on, below end, where s[i] is a class digit
 * ('2', '4' or '5') and s[i + 1], s[i + 2] are digits: where reply_at()
 * may find a code (end is at most len - 2, so s[i + 2] is there); end
 * when none.  16 places at a time with SSE2, the last block overlapping
 * the one before it (its places before i shifted out).
 */
static size_t
next_reply(const char *s, size_t from, size_t end)
{
	size_t		 i = from;
#if defined(__SSE2__)
	unsigned	 m;
#if defined(HAVE_AVX2_SCAN)
	int		 found;

	if (i + 32 <= end && __builtin_cpu_supports("avx2")) {
		i = reply_scan_avx2(s, i, end, &found);
		if (found)
			return i;
	}
#endif

	for (; i + 16 <= end; i += 16)
		if ((m = reply_sift(s + i)) != 0)
			return i + (size_t)__builtin_ctz(m);
	if (i < end && end >= 16) {
		m = reply_sift(s + end - 16) >> (i - (end - 16));
		return m != 0 ? i + (size_t)__builtin_ctz(m) : end;
	}
#endif
	for (; i < end; i++)
		if (IS_CLASS(s[i]) && isdig((unsigned char)s[i + 1]) &&
		    isdig((unsigned char)s[i + 2]))
			return i;
	return end;
}

/*
 * status_reply_find() from place `from` on: the caller knows of no
 * reply of class cls before it.
 */
static int
reply_from(const char *s, size_t len, size_t from, int cls, char *out)
{
	size_t	 i, end;

	if (s == NULL || len < 3)
		return 0;
	end = len - 2;
	for (i = next_reply(s, from, end); i < end;
	    i = next_reply(s, i + 1, end))
		if ((cls == 0 || s[i] == cls) && reply_at(s, len, i)) {
			memcpy(out, s + i, 3);
			out[3] = '\0';
			return 1;
		}
	return 0;
}

int
status_reply_find(const char *s, size_t len, int cls, char *out)
{
	return reply_from(s, len, 0, cls, out);
}

/* The index in status_seen.at of a reply's class c ('2', '4', '5'). */
#define SEEN_CLASS(c)	((c) == '2' ? 0 : (c) - '3')

int
status_pair_seen(const char *s, size_t len, char *st, size_t stlen,
    struct status_seen *seen)
{
	size_t	 i, k, end;

	seen->at[0] = seen->at[1] = seen->at[2] = (size_t)-1;
	seen->upto = 0;
	if (s == NULL || len < 3)
		return 0;
	end = len - 2;
	for (i = next_reply(s, 0, end); i < end;
	    i = next_reply(s, i + 1, end)) {
		if (!reply_at(s, len, i))
			continue;
		/* reply_at() takes only class digits. */
		if (seen->at[SEEN_CLASS(s[i])] == (size_t)-1)
			seen->at[SEEN_CLASS(s[i])] = i;
		k = i + 3;
		if (k < len && (s[k] == ' ' || s[k] == '-'))
			k++;
		if (k < len && (s[k] == '\'' || s[k] == '"'))
			k++;
		if (k < len && s[k] == s[i] && status_at(s, len, k) > 0) {
			seen->upto = i + 1;
			return status_find(s + k, len - k, st, stlen);
		}
	}
	seen->upto = end;
	return 0;
}

int
status_pair_find(const char *s, size_t len, char *st, size_t stlen)
{
	struct status_seen	 seen;

	return status_pair_seen(s, len, st, stlen, &seen);
}

int
status_reply_seen(const char *s, size_t len, int cls,
    const struct status_seen *seen, char *out)
{
	size_t	 i = (size_t)-1;
	int	 c;

	/* The first seen of the class, or of any (the smallest place). */
	if (cls == 0) {
		for (c = 0; c < 3; c++)
			if (seen->at[c] < i)
				i = seen->at[c];
	} else if (IS_CLASS(cls))
		i = seen->at[SEEN_CLASS(cls)];
	else
		return reply_from(s, len, 0, cls, out);
	if (i != (size_t)-1) {
		memcpy(out, s + i, 3);
		out[3] = '\0';
		return 1;
	}
	return reply_from(s, len, seen->upto, cls, out);
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
 * Where status_command() looks: each step word holds a pair rarer in
 * bounce text than its first letters: a space then l or w, g or o then
 * a space, or "ft".  A place holding such a pair is an anchor, keyed
 * by the pair's letter; the words it may be part of start a fixed
 * offset before it (the offset of the pair in the word).  Every place
 * of a word has its anchor, so trying the words at the anchors finds
 * all that trying them at every place finds.
 */
static const struct {
	unsigned char	 c;		/* the pair's letter, lowercase */
	unsigned char	 k;		/* the step word */
	unsigned char	 off;		/* the pair's offset in it */
} step_anchors[] = {
	{ 'f', 6, 1 },			/* a|ft|er */
	{ 'g', 3, 11 },			/* but greetin|g |failed */
	{ 'g', 7, 12 },			/* while sendin|g | */
	{ 'g', 8, 5 },			/* durin|g | */
	{ 'l', 0, 8 },			/* does not| l|ike recipient */
	{ 'o', 4, 6 },			/* able t|o |establish ... */
	{ 'o', 5, 10 },			/* in reply t|o | */
	{ 'o', 9, 10 },			/* response t|o | */
	{ 'w', 1, 6 },			/* sender| w|as rejected */
	{ 'w', 2, 7 },			/* my name| w|as rejected */
};
#define NANCHOR	(sizeof(step_anchors) / sizeof(step_anchors[0]))

/* The first of step_anchors with each letter, plus one (0: none). */
static const unsigned char anchor_first[256] = {
	['f'] = 1, ['g'] = 2, ['l'] = 5, ['o'] = 6, ['w'] = 9,
};

/*
 * The letter before the pair in each anchor's words, one bit per letter
 * (a: bit 0), by the pair's letter: a|ft|er; greetin|g, sendin|g,
 * durin|g; not| l|ike; t|o in all three; sender| w|as and name| w|as.
 * Most places sifted have another there: one test turns them away.
 */
#define LBIT(c)	(1u << ((c) - 'a'))
static const unsigned anchor_before[256] = {
	['f'] = LBIT('a'), ['g'] = LBIT('n'), ['l'] = LBIT('t'),
	['o'] = LBIT('t'), ['w'] = LBIT('r') | LBIT('e'),
};
#undef LBIT

/* What status_command() has found so far. */
struct steps {
	size_t		 best;		/* first phrase found, or NSTEP */
	size_t		 lmin;		/* first lead found, or NSTEP */
	const char	*lcmd;		/* the command after that lead */
};

/*
 * Tries step word k at s[i]: a phrase lowers st->best, a lead followed
 * by a command lowers st->lmin.  Only what can still win is tried: a
 * phrase before the best one, a lead while no phrase is found and
 * before the first lead found (whose places are seen in order, so the
 * first of them followed by a command is the one kept).  1 when the
 * first phrase is there: nothing can beat it.
 */
static int
step_word(const char *s, size_t len, size_t i, size_t k, struct steps *st)
{
	const char	*c;

	if ((step_words[k].cmd != NULL ? k >= st->best :
	    st->best < NSTEP || k >= st->lmin) ||
	    len - i < step_words[k].len ||
	    !msg_startcase(s + i, len - i, step_words[k].s))
		return 0;
	if (step_words[k].cmd != NULL)
		return (st->best = k) == 0;
	if ((c = command_at(s + i + step_words[k].len,
	    len - i - step_words[k].len)) != NULL) {
		st->lmin = k;
		st->lcmd = c;
	}
	return 0;
}

/*
 * Tries the words of the anchor at s[p] (its pair is there: the caller
 * sifted it), those whose first letter is at its place.  1 when the
 * first phrase is there.
 */
static int
step_try(const char *s, size_t len, size_t p, struct steps *st)
{
	unsigned char	 c;
	unsigned	 b;
	size_t		 n, at;

	/* The pair's letter: after its space, or first. */
	c = (unsigned char)(s[p] == ' ' ? s[p + 1] : s[p]) | 0x20;
	/* Every word has a letter before its pair (off > 0). */
	if (p == 0)
		return 0;
	b = ((unsigned char)s[p - 1] | 0x20) - (unsigned)'a';
	if (b >= 26 || !(anchor_before[c] >> b & 1))
		return 0;
	for (n = anchor_first[c] - 1u; n < NANCHOR && step_anchors[n].c == c;
	    n++) {
		if (p < step_anchors[n].off)
			continue;
		at = p - step_anchors[n].off;
		if (((unsigned char)s[at] | 0x20) ==
		    (unsigned char)step_words[step_anchors[n].k].s[0] &&
		    step_word(s, len, at, step_anchors[n].k, st))
			return 1;
	}
	return 0;
}

/* 1 when s[p], s[p + 1] is an anchor's pair (either case). */
static int
step_pair(const char *s, size_t p)
{
	unsigned char	 a = (unsigned char)s[p], b = (unsigned char)s[p + 1];

	if (a == ' ')
		return (b | 0x20) == 'l' || (b | 0x20) == 'w';
	a |= 0x20;
	if (b == ' ')
		return a == 'g' || a == 'o';
	return a == 'f' && (b | 0x20) == 't';
}

#if defined(__SSE2__)
/*
 * One bit per place of p[0..16) holding an anchor's pair (| 0x20 folds
 * the case of letters; a space is compared as it is); reads p[0..17).
 */
static inline unsigned
step_sift(const char *p)
{
	const __m128i	 low = _mm_set1_epi8(0x20);
	__m128i		 x, y, yl, f;

	x = _mm_loadu_si128((const void *)p);
	y = _mm_loadu_si128((const void *)(p + 1));
	yl = _mm_or_si128(y, low);
#define EQ(v, c)	_mm_cmpeq_epi8(v, _mm_set1_epi8(c))
	/* | 0x28: g and o (0x67, 0x6f) differ in bit 3 only. */
	f = _mm_or_si128(
	    _mm_and_si128(EQ(x, ' '), _mm_or_si128(EQ(yl, 'l'), EQ(yl, 'w'))),
	    _mm_and_si128(EQ(y, ' '),
	    EQ(_mm_or_si128(x, _mm_set1_epi8(0x28)), 'o')));
	f = _mm_or_si128(f, _mm_and_si128(EQ(_mm_or_si128(x, low), 'f'),
	    EQ(yl, 't')));
#undef EQ
	return (unsigned)_mm_movemask_epi8(f);
}
#endif

#if defined(HAVE_AVX2_SCAN)
/* step_sift() of 32 places at once where the CPU has AVX2; reads p[0..33). */
__attribute__((target("avx2"))) static inline unsigned
step_sift32(const char *p)
{
	const __m256i	 low = _mm256_set1_epi8(0x20);
	__m256i		 x, y, yl, f;

	x = _mm256_loadu_si256((const void *)p);
	y = _mm256_loadu_si256((const void *)(p + 1));
	yl = _mm256_or_si256(y, low);
#define EQ(v, c)	_mm256_cmpeq_epi8(v, _mm256_set1_epi8(c))
	f = _mm256_or_si256(
	    _mm256_and_si256(EQ(x, ' '), _mm256_or_si256(EQ(yl, 'l'),
	    EQ(yl, 'w'))),
	    _mm256_and_si256(EQ(y, ' '),
	    EQ(_mm256_or_si256(x, _mm256_set1_epi8(0x28)), 'o')));
	f = _mm256_or_si256(f, _mm256_and_si256(EQ(_mm256_or_si256(x, low),
	    'f'), EQ(yl, 't')));
#undef EQ
	return (unsigned)_mm256_movemask_epi8(f);
}

/*
 * The rounds of 32 places of status_command() with step_sift32(): the
 * same places tried in the same order.  *ip is left at the first place
 * not sifted; 1 when the first phrase is there.
 */
__attribute__((target("avx2"))) static int
step_scan_avx2(const char *s, size_t len, size_t *ip, struct steps *st)
{
	size_t		 i = *ip;
	unsigned	 m;

	for (; i + 33 <= len; i += 32)
		for (m = step_sift32(s + i); m != 0; m &= m - 1)
			if (step_try(s, len, i + (size_t)__builtin_ctz(m), st))
				return 1;
	*ip = i;
	return 0;
}
#endif

/*
 * One pass over s: each anchor is tried.  With SSE2, 16 places at a
 * time are sifted (step_sift()), two blocks a round while there are
 * (one of 32 with AVX2); the last block overlaps the one before it,
 * its places already tried shifted out.
 */
const char *
status_command(const char *s, size_t len)
{
	struct steps	 st;
	size_t		 i = 0;
#if defined(__SSE2__)
	size_t		 b;
	unsigned	 m;
#endif

	if (s == NULL || len < 2)
		return NULL;
	st.lmin = st.best = NSTEP;
	st.lcmd = NULL;
#if defined(__SSE2__)
#if defined(HAVE_AVX2_SCAN)
	if (len >= 33 && __builtin_cpu_supports("avx2") &&
	    step_scan_avx2(s, len, &i, &st))
		return step_words[0].cmd;
#endif
	/* Places 0..len - 2 are tried: a block of 16 reads 17 bytes. */
	for (; i + 33 <= len; i += 32)
		for (m = step_sift(s + i) | step_sift(s + i + 16) << 16; m != 0;
		    m &= m - 1)
			if (step_try(s, len, i + (size_t)__builtin_ctz(m), &st))
				return step_words[0].cmd;
	for (; i + 17 <= len; i += 16)
		for (m = step_sift(s + i); m != 0; m &= m - 1)
			if (step_try(s, len, i + (size_t)__builtin_ctz(m), &st))
				return step_words[0].cmd;
	if (len >= 17 && i + 1 < len) {
		b = len - 17;
		for (m = step_sift(s + b) >> (i - b); m != 0; m &= m - 1)
			if (step_try(s, len, i + (size_t)__builtin_ctz(m), &st))
				return step_words[0].cmd;
		i = len;
	}
#endif
	for (; i + 1 < len; i++)
		if (step_pair(s, i) && step_try(s, len, i, &st))
			return step_words[0].cmd;
	if (st.best < NSTEP)
		return step_words[st.best].cmd;
	return st.lcmd;
}
