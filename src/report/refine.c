/*
 * refine.c - the last pass over one report's records, after the
 * recognisers: one record per recipient, and what the report's readable
 * text says about each recipient (the SMTP step, a reply code, a more
 * specific status, a line saying why for a record without a diagnostic)
 * filled in where the record lacks it.
 *
 * Works in place on ctx->out from ctx->first on; records dropped by a
 * merge are freed here.  Text views are the parsed message's.
 */
#include <string.h>
#include <strings.h>

#include "report/recog.h"
#include "message/vec.h"

/* Bounds on the text work for one report (hostile input). */
#define REF_TEXT_MAX	(256 * 1024)	/* bytes of text searched */
#define REF_HITS	16		/* mentions of one recipient */
#define REF_PARA	2048		/* bytes of one paragraph */
#define REF_RECORDS	256		/* records refined from the text */
#define REF_WHY_LETTERS	8		/* letters of a line saying why */
#define REF_WHY_MAX	512		/* bytes of that line kept */

/* What the text says about one recipient. */
struct about {
	const char	*cmd;		/* "RCPT", ... or NULL */
	char		 reply[4];	/* "" when none */
	char		 status[16];	/* "" when none */
	const char	*line;		/* a line saying why, or NULL */
	size_t		 linelen;
	int		 skip_reply;	/* the record has what a reply gives */
};

static int
action_rank(const char *a)
{
	if (a == NULL)
		return 0;
	if (strcmp(a, "failed") == 0)
		return 3;
	if (strcmp(a, "delayed") == 0)
		return 2;
	return 1;
}

/* 0 for X.0.0, 1 for X.Y.0, 2 for a detailed code; -1 when invalid. */
static int
specific(const char *st)
{
	if (!status_valid(st))
		return -1;
	/* Valid: one digit between the dots, the detail from st[4] on. */
	if (st[4] != '0' || st[5] != '\0')
		return 2;
	return st[2] != '0';
}

/*
 * How much a record says, to keep the best of repeated ones: a failure
 * beats a delay beats anything else, then the more specific status,
 * then a reply code, then a diagnostic.
 */
static int
weight(const struct dsn_record *r)
{
	return action_rank(r->v[DSN_F_ACTION]) * 16 +
	    (specific(r->v[DSN_F_STATUS]) + 1) * 4 +
	    (r->v[DSN_F_REPLY_CODE] != NULL) * 2 +
	    (r->v[DSN_F_DIAGNOSTIC] != NULL);
}

static int
same_rcpt(const struct dsn_record *a, const struct dsn_record *b)
{
	const char	*ta = a->v[DSN_F_TYPE], *tb = b->v[DSN_F_TYPE];

	return strcasecmp(a->v[DSN_F_RECIPIENT], b->v[DSN_F_RECIPIENT]) ==
	    0 && (ta == tb || (ta != NULL && tb != NULL &&
	    strcmp(ta, tb) == 0));
}

/*
 * Keeps in w what it lacks from l: any absent field, but the fields of
 * the outcome (reply code, diagnostic, step) only from a record of the
 * same status class.  -1 on allocation failure.
 */
static int
fill_from(struct dsn_record *w, struct dsn_record *l)
{
	const char	*sw = w->v[DSN_F_STATUS], *sl = l->v[DSN_F_STATUS];
	int		 same, f;

	same = sw != NULL && sl != NULL && sw[0] == sl[0];
	for (f = 0; f < DSN_F_COUNT; f++) {
		if (w->v[f] != NULL || l->v[f] == NULL)
			continue;
		if (!same && (f == DSN_F_REPLY_CODE ||
		    f == DSN_F_DIAGNOSTIC || f == DSN_F_DIAGNOSTIC_TYPE ||
		    f == DSN_F_SMTP_COMMAND || f == DSN_F_CATEGORY))
			continue;
		if (dsn_record_move(w, l, f) == -1)
			return -1;
	}
	return 0;
}

/*
 * One record per recipient (and type) within the report: the repeated
 * ones are merged into the first place, keeping the weightiest record
 * and what the others add.  Returns how many records were dropped, or
 * -1 on allocation failure.
 * XXX merge: quadratic in the report's records (bounded by
 * --max-recipients, 1000 by default); a hash would make it linear.
 */
static int
merge_repeats(struct report_ctx *ctx)
{
	struct dsn_reclist	*l = ctx->out;
	struct dsn_record	*t;
	size_t			 i, j;
	int			 dropped = 0;

	for (i = ctx->first; i < l->n; i++)
		for (j = i + 1; j < l->n; ) {
			if (!same_rcpt(l->v[i], l->v[j])) {
				j++;
				continue;
			}
			if (weight(l->v[j]) > weight(l->v[i])) {
				t = l->v[i];
				l->v[i] = l->v[j];
				l->v[j] = t;
			}
			if (fill_from(l->v[i], l->v[j]) == -1)
				return -1;
			dsn_record_free(l->v[j]);
			memmove(&l->v[j], &l->v[j + 1],
			    (l->n - j - 1) * sizeof(l->v[0]));
			l->n--;
			dropped++;
		}
	return dropped;
}

/* An address character, for the edges of a mention. */
static int
addr_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
	    c == '+' || c == '%' || c == '=';
}

/*
 * Start of the line holding t[pos]: after the last CR or LF before it.
 * With SSE2 the 16 bytes before pos are looked at together, the last
 * line end among them found from the top bit of the mask.
 */
static size_t
bol(const char *t, size_t pos)
{
#if defined(__SSE2__)
	__m128i		 x;
	unsigned	 m;

	for (; pos >= 16; pos -= 16) {
		x = _mm_loadu_si128((const void *)(t + pos - 16));
		m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(x, _mm_set1_epi8('\n')),
		    _mm_cmpeq_epi8(x, _mm_set1_epi8('\r'))));
		if (m != 0)
			return pos - 16 + (size_t)(32 - __builtin_clz(m));
	}
#endif
	while (pos > 0 && t[pos - 1] != '\n' && t[pos - 1] != '\r')
		pos--;
	return pos;
}

static size_t
eol(const char *t, size_t len, size_t pos)
{
	return pos >= len ? pos : pos + msg_eol(t + pos, len - pos);
}

/* Start of the line after the one ending at pos. */
static size_t
next_line(const char *t, size_t len, size_t pos)
{
	if (pos < len && t[pos] == '\r')
		pos++;
	if (pos < len && t[pos] == '\n')
		pos++;
	return pos;
}

/* Start of the line before the one starting at pos (pos itself at 0). */
static size_t
prev_line(const char *t, size_t pos)
{
	if (pos > 0 && t[pos - 1] == '\n')
		pos--;
	if (pos > 0 && t[pos - 1] == '\r')
		pos--;
	return bol(t, pos);
}

static int
blank_line(const char *t, size_t s, size_t e)
{
	for (; s < e; s++)
		if (t[s] != ' ' && t[s] != '\t')
			return 0;
	return 1;
}

/* The SMTP step of a transcript line ">>> RCPT To:<...>". */
static const char *
verb(const char *s, size_t len)
{
	while (len > 0 && (*s == '>' || *s == ' ')) {
		s++;
		len--;
	}
	if (msg_startcase(s, len, "rcpt"))
		return "RCPT";
	if (msg_startcase(s, len, "mail"))
		return "MAIL";
	if (msg_startcase(s, len, "data") || msg_startcase(s, len, "bdat") ||
	    (len >= 1 && s[0] == '.' && (len == 1 || s[1] == ' ')))
		return "DATA";
	if (msg_startcase(s, len, "ehlo") || msg_startcase(s, len, "helo") ||
	    msg_startcase(s, len, "lhlo"))
		return "HELO";
	return NULL;
}

/*
 * Reply code (and the status after it) in s[0..len) into a.  The pair
 * is looked for first: the replies it sees on its way give the reply
 * code, and a text without one costs no more than the reply's search.
 */
static void
take_reply(struct about *a, const char *s, size_t len)
{
	struct status_seen	 seen;
	char			 st[16];
	int			 pair;

	if (a->skip_reply || a->reply[0] != '\0')
		return;
	pair = status_pair_seen(s, len, st, sizeof(st), &seen);
	if (!status_reply_seen(s, len, 0, &seen, a->reply))
		return;
	/* No SMTP server sends x6y..x9y: a local code, not a reply. */
	if (a->reply[1] > '5') {
		a->reply[0] = '\0';
		return;
	}
	if ((pair || status_find(s, len, st, sizeof(st))) &&
	    st[0] == a->reply[0])
		memcpy(a->status, st, sizeof(st));
}

/*
 * A transcript: the mention is on a line ">>> RCPT To:<rcpt>" (the
 * reply follows on "<<< " lines) or "<<< 550 ... <rcpt>" (the command
 * is the ">>> " line before it).  Returns 1 when the line is one.
 */
static int
transcript(struct about *a, const char *t, size_t len, size_t ls,
    size_t le)
{
	size_t	 p, e;
	int	 n;

	if (le - ls >= 4 && memcmp(t + ls, ">>> ", 4) == 0) {
		if (a->cmd == NULL)
			a->cmd = verb(t + ls, le - ls);
		for (p = next_line(t, len, le), n = 0; n < 4 && p < len;
		    p = next_line(t, len, e), n++) {
			e = eol(t, len, p);
			if (e - p < 4 || memcmp(t + p, "<<< ", 4) != 0)
				break;
			take_reply(a, t + p + 4, e - p - 4);
		}
		return 1;
	}
	if (le - ls < 4 || memcmp(t + ls, "<<< ", 4) != 0)
		return 0;
	take_reply(a, t + ls + 4, le - ls - 4);
	for (p = ls, n = 0; a->cmd == NULL && p > 0 && n < 8; n++) {
		p = prev_line(t, p);
		e = eol(t, len, p);
		if (e - p >= 4 && memcmp(t + p, ">>> ", 4) == 0)
			a->cmd = verb(t + p, e - p);
		else if (e - p < 4 || memcmp(t + p, "<<< ", 4) != 0)
			break;
	}
	return 1;
}

/*
 * The paragraph from the line at ls: up to a blank line, a transcript
 * line or REF_PARA bytes.  Returns its end.
 */
static size_t
paragraph(const char *t, size_t len, size_t ls)
{
	size_t	 p = ls;

	while (p < len && p - ls < REF_PARA) {
		size_t	 e = eol(t, len, p);
		if (p > ls && (blank_line(t, p, e) || (e - p >= 4 &&
		    (memcmp(t + p, ">>> ", 4) == 0 ||
		    memcmp(t + p, "<<< ", 4) == 0))))
			return p;
		p = next_line(t, len, e);
	}
	return p < len ? p : len;
}

/*
 * 1 when the line t[ls..le) holding a mention t[at..at+rl) says more
 * than the address: a few letters besides it, and not only a label
 * before it ("To: <rcpt>", "Original address: rcpt").
 */
static int
says_why(const char *t, size_t ls, size_t le, size_t at, size_t rl)
{
	size_t	 p, q;
	int	 before = 0, after = 0, words = 0, in = 0;

	for (p = ls; p < le; p++) {
		int	 c = (unsigned char)t[p];
		int	 letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		if (p == at) {
			p += rl - 1;
			in = 0;
			continue;
		}
		if (p < at) {
			before += letter;
			words += !in && c != ' ' && c != '\t';
			in = c != ' ' && c != '\t';
		} else
			after += letter;
	}
	if (before + after < REF_WHY_LETTERS)
		return 0;
	for (q = at; q > ls && (t[q - 1] == ' ' || t[q - 1] == '\t' ||
	    t[q - 1] == '<'); q--)
		;
	return after > 0 || q == ls || t[q - 1] != ':' || words > 3;
}

/* 1 when t[at..at+rl) is a mention of the address, not of a longer one. */
static int
mention(const char *t, size_t len, size_t at, size_t rl)
{
	size_t	 e = at + rl;

	return !((at > 0 && addr_char((unsigned char)t[at - 1])) ||
	    (e < len && addr_char((unsigned char)t[e]) &&
	    !(t[e] == '.' && (e + 1 == len ||
	    !addr_char((unsigned char)t[e + 1])))));
}

/*
 * The first line of the paragraph t[ls..pe) that names rcpt (rl bytes)
 * and says more than the address, into a->line unless already set.
 */
static void
why_line(struct about *a, const char *t, size_t ls, size_t pe,
    const char *rcpt, size_t rl)
{
	const char	*p;
	size_t		 le, at;

	for (; a->line == NULL && ls < pe; ls = next_line(t, pe, le)) {
		le = eol(t, pe, ls);
		if ((p = msg_memcasemem(t + ls, le - ls, rcpt, rl)) == NULL)
			continue;
		at = (size_t)(p - t);
		if (!mention(t, pe, at, rl) || !says_why(t, ls, le, at, rl))
			continue;
		a->line = t + ls;
		a->linelen = le - ls < REF_WHY_MAX ? le - ls : REF_WHY_MAX;
	}
}

/*
 * 1 when t[p..le), the rest of the line after a mention, is only ">:"
 * and blanks ending with the colon: the mention heads a block.
 */
static int
heads_block(const char *t, size_t p, size_t le)
{
	int	 colon = 0;

	for (; p < le; p++)
		if (t[p] == ':')
			colon = 1;
		else if (t[p] != '>' && t[p] != ' ' && t[p] != '\t' &&
		    t[p] != '\r')
			return 0;
	return colon;
}

/*
 * 1 when s[0..rl) is rcpt but for the case of letters.  The first and
 * last bytes are looked at first (| 0x20 cannot tell a pair of the
 * same letter apart), and mostly the text writes the address as the
 * record does: one memcmp().
 */
static int
same_addr(const char *s, const char *rcpt, size_t rl)
{
	return ((unsigned char)s[0] | 0x20) ==
	    ((unsigned char)rcpt[0] | 0x20) &&
	    ((unsigned char)s[rl - 1] | 0x20) ==
	    ((unsigned char)rcpt[rl - 1] | 0x20) &&
	    (memcmp(s, rcpt, rl) == 0 || msg_startcase(s, rl, rcpt));
}

/*
 * The first place from t[off] on where rcpt (rl bytes, its first '@' at
 * rcpt[k]; k == rl: none) is written, in either case, or NULL.  An
 * address is found from its '@' (memchr(), which passes over the rest
 * of the text faster than msg_memcasemem() compares it): any place the
 * address is written has that byte k bytes on.
 */
static const char *
find_rcpt(const char *t, size_t len, size_t off, const char *rcpt,
    size_t rl, size_t k)
{
	const char	*p, *e;

	if (k == rl)
		return msg_memcasemem(t + off, len - off, rcpt, rl);
	if (len - off < rl)
		return NULL;
	/* The '@' of a place from off to len - rl. */
	e = t + len - rl + k + 1;
	for (p = t + off + k; p < e && (p = memchr(p, '@',
	    (size_t)(e - p))) != NULL; p++)
		if (same_addr(p - k, rcpt, rl))
			return p - k;
	return NULL;
}

/*
 * XXX text: a recipient the text names only by a local part or an alias
 * ("expanded from") gets nothing from here.
 *
 * What the text t[0..len) says near the mentions of rcpt: the step
 * ("in reply to RCPT TO command", a transcript) and the reply; with
 * why set, also the first line naming rcpt that says more than the
 * address ("rcpt: No MX found for domain"), for a record without a
 * diagnostic.
 * XXX why: that line is taken wherever it stands in the readable part;
 * a human note ("(Was addressed to rcpt)") can be taken.
 */
static void
find_about(struct about *a, const char *t, size_t len, const char *rcpt,
    int why)
{
	const char	*p;
	size_t		 rl = strlen(rcpt), k, off = 0, ls, le, pe;
	int		 hits;

	k = (p = strchr(rcpt, '@')) != NULL ? (size_t)(p - rcpt) : rl;
	for (hits = 0; hits < REF_HITS && off < len && (a->cmd == NULL ||
	    (!a->skip_reply && a->reply[0] == '\0') ||
	    (why && a->line == NULL)) &&
	    (p = find_rcpt(t, len, off, rcpt, rl, k)) != NULL; hits++) {
		size_t	 at = (size_t)(p - t);
		off = at + rl;
		if (!mention(t, len, at, rl))
			continue;
		ls = bol(t, at);
		le = eol(t, len, at);
		if (transcript(a, t, len, ls, le))
			continue;
		pe = paragraph(t, len, ls);
		if (a->cmd == NULL)
			a->cmd = status_command(t + ls, pe - ls);
		/* Courier: "<rcpt>:", "host [addr]:", then ">>> DATA". */
		if (a->cmd == NULL && heads_block(t, at + rl, le) &&
		    pe < len && len - pe >= 4 &&
		    memcmp(t + pe, ">>> ", 4) == 0)
			(void)transcript(a, t, len, pe, eol(t, len, pe));
		take_reply(a, t + ls, pe - ls);
		if (why)
			why_line(a, t, ls, pe, rcpt, rl);
		off = pe > off ? pe : off;
	}
}

#if defined(__SSE2__)
/*
 * One bit per place of p[0..16) holding '2' to '5' after a byte from
 * LF to CR (0x0a to 0x0d: the two line ends and two more); reads
 * p[-1..16).
 */
static inline unsigned
digit_sift(const char *p)
{
	return (unsigned)_mm_movemask_epi8(_mm_and_si128(
	    in_range(_mm_loadu_si128((const void *)(p - 1)), '\n', 4),
	    in_range(_mm_loadu_si128((const void *)p), '2', 4)));
}
#endif

#if defined(HAVE_AVX2_SCAN)
/*
 * digit_line()'s rounds of 32 places where the CPU has AVX2 (each
 * reads t[i - 1..i + 32)): the line start found, or where the rounds
 * stop (the rest left to the caller), with *found.
 */
__attribute__((target("avx2"))) static size_t
digit_scan_avx2(const char *t, size_t len, size_t i, int *found)
{
	size_t		 q;
	unsigned	 m;

	for (; i + 32 <= len; i += 32)
		for (m = (unsigned)_mm256_movemask_epi8(_mm256_and_si256(
		    in_range32(_mm256_loadu_si256((const void *)(t + i - 1)),
		    '\n', 4), in_range32(_mm256_loadu_si256(
		    (const void *)(t + i)), '2', 4))); m != 0; m &= m - 1) {
			q = i + (size_t)__builtin_ctz(m);
			if (t[q - 1] == '\n' || t[q - 1] == '\r') {
				*found = 1;
				return q;
			}
		}
	*found = 0;
	return i;
}
#endif

/*
 * The first line start from `from` on (0 < from) whose first byte is a
 * class digit '2' to '5', or len: a place after a CR or LF (a digit is
 * no LF, so a CR there ends its own line).  With SSE2 32 places at a
 * time are sifted (digit_sift(); in one round with AVX2); the places
 * of text lines are mostly not that.
 */
static size_t
digit_line(const char *t, size_t len, size_t from)
{
	size_t		 i = from;
#if defined(__SSE2__)
	size_t		 q;
	unsigned	 m;
#if defined(HAVE_AVX2_SCAN)
	int		 found;

	if (i + 32 <= len && __builtin_cpu_supports("avx2")) {
		i = digit_scan_avx2(t, len, i, &found);
		if (found)
			return i;
	}
#endif

	for (; i + 32 <= len; i += 32)
		for (m = digit_sift(t + i) | digit_sift(t + i + 16) << 16;
		    m != 0; m &= m - 1) {
			q = i + (size_t)__builtin_ctz(m);
			if (t[q - 1] == '\n' || t[q - 1] == '\r')
				return q;
		}
#endif
	for (; i < len; i++)
		if ((t[i - 1] == '\n' || t[i - 1] == '\r') && t[i] >= '2' &&
		    t[i] <= '5')
			return i;
	return len;
}

/*
 * For a report about one recipient that the text does not name again
 * (Sendmail's "----- Transcript of session follows -----" after a
 * local delivery: "554 5.3.0 unknown mailer error 255"): the lines that
 * start with a reply code and a status of its class, when they all
 * give the same reply code.  Only lines starting with a class digit
 * are looked at (digit_line()).
 * XXX lone reply: any such line of the readable part counts, wherever it
 * stands; a quoted reply in a human note could be taken.
 */
static void
lone_reply(struct about *a, const char *t, size_t len)
{
	char	 rc[4] = "", st[16], first[16] = "";
	size_t	 p, e;

	if (len == 0)
		return;
	p = t[0] >= '2' && t[0] <= '5' ? 0 : digit_line(t, len, 1);
	for (; p < len; p = digit_line(t, len, e + 1)) {
		e = eol(t, len, p);
		if (e - p < 9 || !status_reply_find(t + p, 3, 0, st) ||
		    !status_pair_find(t + p, e - p, st, sizeof(st)) ||
		    st[0] != t[p] || strncmp(t + p + 4, st, strlen(st)) != 0)
			continue;
		if (rc[0] != '\0' && memcmp(rc, t + p, 3) != 0)
			return;
		if (rc[0] == '\0') {
			memcpy(rc, t + p, 3);
			memcpy(first, st, sizeof(st));
		}
	}
	if (rc[0] == '\0')
		return;
	memcpy(a->reply, rc, sizeof(rc));
	memcpy(a->status, first, sizeof(first));
}

/*
 * Fills what r lacks from a; sp is specific() of r's status.  -1 on
 * allocation failure.
 */
static int
apply(struct dsn_record *r, const struct about *a, int sp)
{
	const char	*st = r->v[DSN_F_STATUS];

	if (r->v[DSN_F_SMTP_COMMAND] == NULL && a->cmd != NULL &&
	    dsn_record_sets(r, DSN_F_SMTP_COMMAND, a->cmd) < 0)
		return -1;
	if (r->v[DSN_F_DIAGNOSTIC] == NULL && a->line != NULL &&
	    dsn_record_set(r, DSN_F_DIAGNOSTIC, a->line, a->linelen) < 0)
		return -1;
	if (a->reply[0] == '\0' || (st != NULL && st[0] != a->reply[0]))
		return 0;
	if (r->v[DSN_F_REPLY_CODE] == NULL &&
	    dsn_record_sets(r, DSN_F_REPLY_CODE, a->reply) < 0)
		return -1;
	/* Only a generic status yields: 5.3.0 from the text beats 5.0.0. */
	if (a->status[0] != '\0' && sp <= 0 && specific(a->status) > sp &&
	    (st == NULL || st[0] == a->status[0]))
		return dsn_record_sets(r, DSN_F_STATUS, a->status);
	return 0;
}

/*
 * 1 when apply() would take something of a reply found in the text: a
 * reply code, or a status for a generic one.  Else the reply is not
 * looked for (it decides nothing else: the step and the line saying
 * why do not depend on it).
 */
static int
wants_reply(const struct dsn_record *r, int sp)
{
	return r->v[DSN_F_REPLY_CODE] == NULL || sp <= 0;
}

/* 1 when r could gain from the text; sp is specific() of its status. */
static int
wants_text(const struct dsn_record *r, int sp)
{
	return r->v[DSN_F_TYPE] != NULL &&
	    strcmp(r->v[DSN_F_TYPE], "dsn") == 0 &&
	    r->v[DSN_F_RECIPIENT] != NULL &&
	    (r->v[DSN_F_SMTP_COMMAND] == NULL ||
	    r->v[DSN_F_DIAGNOSTIC] == NULL || wants_reply(r, sp));
}

/*
 * The pass: merges repeated recipients, then fills each record from the
 * text.  Returns how many records the merge dropped, or -1 on
 * allocation failure.
 */
int
report_refine(struct report_ctx *ctx)
{
	struct dsn_reclist	*l = ctx->out;
	struct about		 a;
	const char		*t = NULL;
	size_t			 i, tl = 0, n;
	int			 dropped, done = 0, text = 0, sp;

	if ((dropped = merge_repeats(ctx)) < 0)
		return -1;
	n = l->n - ctx->first;
	for (i = ctx->first; i < l->n && done < REF_RECORDS; i++) {
		sp = specific(l->v[i]->v[DSN_F_STATUS]);
		if (!wants_text(l->v[i], sp))
			continue;
		if (!text) {
			text = 1;
			t = report_text(ctx, &tl);
			if (tl > REF_TEXT_MAX)
				tl = REF_TEXT_MAX;
		}
		if (t == NULL)
			break;
		done++;
		memset(&a, 0, sizeof(a));
		a.skip_reply = !wants_reply(l->v[i], sp);
		find_about(&a, t, tl, l->v[i]->v[DSN_F_RECIPIENT],
		    l->v[i]->v[DSN_F_DIAGNOSTIC] == NULL);
		if (!a.skip_reply && a.reply[0] == '\0' && n == 1)
			lone_reply(&a, t, tl);
		if (apply(l->v[i], &a, sp) < 0)
			return -1;
	}
	return dropped;
}
