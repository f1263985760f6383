/*
 * mime.c - the message and its MIME tree, parsed in place.
 *
 * Parts are views into the caller's buffer (or, for an encapsulated
 * message that was itself base64-encoded, into the arena), kept in one
 * array in depth-first order.  The struct msg owns its field and part
 * arrays and the arena (msg_free() keeps one emptied msg per thread for
 * the next msg_parse()); the caller keeps the buffer alive.
 */
#define _GNU_SOURCE	/* memmem */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message/message.h"
#include "message/vec.h"
#include "message/word.h"

static int	parse_entity(struct msg *, const char *, size_t, int, int,
		    int, const char *);

/*
 * Room for at least FIELD_ROOM more fields (and their keys) at the end
 * of the message's fields: msg_fields_next() writes there.
 */
#define FIELD_ROOM	8

static int
field_room(struct msg *m)
{
	struct msg_field	*nf;
	uint32_t		*nk;
	size_t			 cap;

	if (m->capfields - m->nfields >= FIELD_ROOM)
		return 0;
	cap = m->capfields ? m->capfields * 2 : 64;
	if ((nf = realloc(m->fields, cap * sizeof(*nf))) == NULL)
		return -1;
	m->fields = nf;
	if ((nk = realloc(m->fkeys, cap * sizeof(*nk))) == NULL)
		return -1;
	m->fkeys = nk;
	m->capfields = cap;
	return 0;
}

static int
add_part(struct msg *m)
{
	struct msg_part	*np;
	int		 cap;

	if (m->nparts == m->capparts) {
		cap = m->capparts ? m->capparts * 2 : 16;
		if ((np = realloc(m->parts, (size_t)cap * sizeof(*np))) == NULL)
			return -1;
		m->parts = np;
		m->capparts = cap;
	}
	memset(&m->parts[m->nparts], 0, sizeof(struct msg_part));
	return m->nparts++;
}

/*
 * ASCII letters of s[0..n) lowercased in place, 8 bytes at a time: on
 * the low 7 bits of each byte, adding 0x80 - 'A' sets the top bit from
 * 'A' up and adding 0x80 - 'Z' - 1 from past 'Z' on, with no carry into
 * the next byte; bytes from 0x80 up are left alone.
 */
static void
lower_ascii(char *s, size_t n)
{
	uint64_t	 x, t, up;
	size_t		 i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, s + i, 8);
		t = x & ~HIGHS;
		up = (t + ONES * (0x80 - 'A')) & ~(t + ONES * (0x80 - 'Z' - 1)) &
		    ~x & HIGHS;
		if (up != 0) {
			x |= up >> 2;
			memcpy(s + i, &x, 8);
		}
	}
	for (; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] += 32;
}

/* Lowercased copy of s[0..n) in the arena. */
static char *
lowdup(struct arena *a, const char *s, size_t n)
{
	char	*d;

	if ((d = arena_strndup(a, s, n)) == NULL)
		return NULL;
	lower_ascii(d, n);
	return d;
}

/*
 * 1 when the parameter at p (end of the value at end) is named name (nl
 * bytes, any case) and has a value; *val is then set to that value.
 */
static int
param_is(const char *p, const char *end, const char *name, size_t nl,
    const char **val)
{
	const char	*s;

	if (!msg_startcase(p, (size_t)(end - p), name))
		return 0;
	for (s = p + nl; *s == ' '; s++)
		;
	if (*s != '=')
		return 0;
	for (s++; *s == ' '; s++)
		;
	*val = s;
	return 1;
}

/*
 * Copy of the parameter value at s (quoted: without its quotes), in the
 * arena, lowercased when lower is set.
 */
static char *
param_value(struct arena *a, const char *s, const char *end, int lower)
{
	const char	*e;

	if (*s == '"') {
		s++;
		if ((e = memchr(s, '"', (size_t)(end - s))) == NULL)
			e = end;
	} else
		for (e = s; *e != '\0' && *e != ';' && *e != ' '; e++)
			;
	return lower ? lowdup(a, s, (size_t)(e - s)) :
	    arena_strndup(a, s, (size_t)(e - s));
}

/*
 * Sets the boundary and charset of part p from the unfolded Content-Type
 * value v[0..len): the first parameter of each name that has a value,
 * both found in one walk over the parameters.  An unfolded value holds
 * no NUL, so its length bounds every scan.
 */
static void
ct_params(struct arena *a, struct msg_part *p, const char *v, size_t len)
{
	const char	*q, *s, *end = v + len;
	int		 bd = 0, cs = 0;

	for (q = memchr(v, ';', len); q != NULL && (!bd || !cs);
	    q = memchr(q, ';', (size_t)(end - q))) {
		for (q++; *q == ' '; q++)
			;
		if (!bd && (bd = param_is(q, end, "boundary", 8, &s)))
			p->boundary = param_value(a, s, end, 0);
		else if (!cs && (cs = param_is(q, end, "charset", 7, &s)))
			p->charset = param_value(a, s, end, 1);
	}
}

/*
 * Fills type, boundary, charset and cte of part pi from its fields ct
 * (Content-Type) and cte (Content-Transfer-Encoding), indices in
 * m->fields or SIZE_MAX when the part has none.
 */
static int
part_types(struct msg *m, int pi, const char *deftype, size_t ct,
    size_t cte)
{
	struct msg_part		*p = &m->parts[pi];
	const struct msg_field	*f;
	char			*v;
	size_t			 n, vl;

	p->type = deftype;
	if (ct != SIZE_MAX) {
		f = &m->fields[ct];
		if ((v = msg_unfold_len(m->arena, f->value, f->valuelen,
		    &vl)) == NULL)
			return -1;
		n = strcspn(v, "; ");
		ct_params(m->arena, p, v, vl);
		/* The type is lowercased in place: v is ours, and done with. */
		if (n > 0 && memchr(v, '/', n) != NULL) {
			lower_ascii(v, n);
			v[n] = '\0';
			p->type = v;
		}
	}
	if (cte != SIZE_MAX) {
		f = &m->fields[cte];
		if (msg_memcasemem(f->value, f->valuelen, "base64", 6))
			p->cte = MSG_CTE_BASE64;
		else if (msg_memcasemem(f->value, f->valuelen, "quoted", 6))
			p->cte = MSG_CTE_QP;
	}
	return 0;
}

/*
 * 1 when f (of key k) is named Content-Type, 2 when Content-Transfer-
 * Encoding, else 0: noted as the fields are read, so that they need no
 * search after.  The key rules out nearly every other name, and most
 * names that pass are spelt as the RFC does (a memcmp() of constant
 * size, which the compiler writes out).
 */
static int
mime_field(const struct msg_field *f, uint32_t k)
{
	static const char	 ct[] = "Content-Type";
	static const char	 cte[] = "Content-Transfer-Encoding";

	if (k == msg_field_key(ct, 12) && (memcmp(f->name, ct, 12) == 0 ||
	    msg_startcase(f->name, 12, ct)))
		return 1;
	if (k == msg_field_key(cte, 25) && (memcmp(f->name, cte, 25) == 0 ||
	    msg_startcase(f->name, 25, cte)))
		return 2;
	return 0;
}

/*
 * Offset of the first "--" that starts in s[0..n), or n; s[n] is read.
 * With SSE2, 64 places at a time: a block without a '-' is passed over
 * at once, else one bit per '-' and a pair is two set bits in a row;
 * then 16 at a time.
 */
static size_t
dashes(const char *s, size_t n)
{
	size_t		 i = 0;
#if defined(__SSE2__)
	const __m128i	 d = _mm_set1_epi8('-');
	__m128i		 a, b, c, e;
	uint64_t	 m;

	for (; i + 64 <= n; i += 64) {
		a = _mm_cmpeq_epi8(_mm_loadu_si128((const void *)(s + i)), d);
		b = _mm_cmpeq_epi8(_mm_loadu_si128((const void *)(s + i + 16)),
		    d);
		c = _mm_cmpeq_epi8(_mm_loadu_si128((const void *)(s + i + 32)),
		    d);
		e = _mm_cmpeq_epi8(_mm_loadu_si128((const void *)(s + i + 48)),
		    d);
		if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b),
		    _mm_or_si128(c, e))) == 0)
			continue;
		m = (uint64_t)(unsigned)_mm_movemask_epi8(a) |
		    (uint64_t)(unsigned)_mm_movemask_epi8(b) << 16 |
		    (uint64_t)(unsigned)_mm_movemask_epi8(c) << 32 |
		    (uint64_t)(unsigned)_mm_movemask_epi8(e) << 48;
		m &= m >> 1 | (uint64_t)(s[i + 64] == '-') << 63;
		if (m != 0)
			return i + (size_t)__builtin_ctzll(m);
	}
	for (; i + 16 <= n; i += 16) {
		m = (unsigned)_mm_movemask_epi8(_mm_and_si128(
		    _mm_cmpeq_epi8(_mm_loadu_si128((const void *)(s + i)), d),
		    _mm_cmpeq_epi8(_mm_loadu_si128((const void *)(s + i + 1)),
		    d)));
		if (m != 0)
			return i + (size_t)__builtin_ctzll(m);
	}
#endif
	for (; i < n; i++)
		if (s[i] == '-' && s[i + 1] == '-')
			return i;
	return n;
}

#if defined(HAVE_AVX2_SCAN)
/*
 * As dashes(), 64 places a round where the CPU has AVX2: most of a
 * multipart body is text that only this loop looks at.  The last
 * places are left to dashes().
 */
__attribute__((target("avx2"))) static size_t
dashes_avx2(const char *s, size_t n)
{
	const __m256i	 d = _mm256_set1_epi8('-');
	__m256i		 a, b, ab;
	uint64_t	 m;
	size_t		 i;

	for (i = 0; i + 64 <= n; i += 64) {
		a = _mm256_cmpeq_epi8(_mm256_loadu_si256((const void *)(s + i)),
		    d);
		b = _mm256_cmpeq_epi8(_mm256_loadu_si256((const void *)(s + i +
		    32)), d);
		ab = _mm256_or_si256(a, b);
		if (_mm256_testz_si256(ab, ab))
			continue;
		m = (uint64_t)(unsigned)_mm256_movemask_epi8(a) |
		    (uint64_t)(unsigned)_mm256_movemask_epi8(b) << 32;
		m &= m >> 1 | (uint64_t)(s[i + 64] == '-') << 63;
		if (m != 0)
			return i + (size_t)__builtin_ctzll(m);
	}
	return i + dashes(s + i, n - i);
}
#endif

/* dashes() at its fastest on this CPU. */
static size_t
dashes_best(const char *s, size_t n)
{
#if defined(HAVE_AVX2_SCAN)
	if (n >= 64 && __builtin_cpu_supports("avx2"))
		return dashes_avx2(s, n);
#endif
	return dashes(s, n);
}

/*
 * Finds the next delimiter line "--boundary" in b[*pos..len) that starts
 * a line; sets *start (where the line ending before it begins, i.e. the
 * end of the previous part), *after (start of the next part) and *close.
 * The search goes from "--" to "--", which most of a body lacks; a line
 * whose first "--" does not start a delimiter holds none, so the search
 * goes on at its end.
 */
static int
next_delim(const char *b, size_t len, const char *bd, size_t *pos,
    size_t *start, size_t *after, int *close)
{
	size_t		 bl = strlen(bd), i = *pos, e, ws;

	for (; i + bl + 2 <= len; i += msg_eol(b + i, len - i)) {
		/* Places a delimiter may start: up to len - bl - 2. */
		i += dashes_best(b + i, len - bl - 1 - i);
		if (i + bl + 2 > len)
			return 0;
		/* At a line start, perhaps after stray blanks. */
		for (ws = i; ws > 0 && (b[ws - 1] == ' ' || b[ws - 1] == '\t');
		    ws--)
			;
		if (ws > 0 && b[ws - 1] != '\n' && b[ws - 1] != '\r')
			continue;
		if (memcmp(b + i + 2, bd, bl) != 0)
			continue;
		e = i + 2 + bl;
		*close = e + 1 < len && b[e] == '-' && b[e + 1] == '-';
		if (*close)
			e += 2;
		while (e < len && (b[e] == ' ' || b[e] == '\t'))
			e++;
		if (e < len && b[e] != '\r' && b[e] != '\n')
			continue;
		if (e < len && b[e] == '\r') {
			e++;
			if (e < len && b[e] == '\n')
				e++;
		} else if (e < len && b[e] == '\n')
			e++;
		*after = e;
		/* The line ending before the delimiter belongs to it. */
		*start = ws;
		if (ws > 0 && b[ws - 1] == '\n') {
			*start = ws - 1;
			if (*start > 0 && b[*start - 1] == '\r')
				(*start)--;
		} else if (ws > 0 && b[ws - 1] == '\r')
			*start = ws - 1;
		*pos = e;
		return 1;
	}
	return 0;
}

/*
 * Guesses the boundary of a body whose declared one is missing or never
 * used: the first line "--token" whose delimiter comes back later in
 * the body.  Arena string or NULL.
 */
static const char *
infer_boundary(struct msg *m, const char *b, size_t len)
{
	const char	*line, *p;
	size_t		 pos = 0, ll, tries = 0, n;

	while (msg_line_next(b, len, &pos, &line, &ll)) {
		if (ll < 4 || ll > 200 || line[0] != '-' || line[1] != '-')
			continue;
		if (memchr(line, ' ', ll) != NULL || ++tries > 20)
			continue;
		n = ll;
		for (p = line + 2; p < line + n; p++)
			if (*p != '-')
				break;
		/* A rule of dashes is not a boundary. */
		if (p == line + n)
			continue;
		p = memmem(b + pos, len - pos, line, ll);
		if (p != NULL && (p[-1] == '\n' || p[-1] == '\r'))
			return arena_strndup(m->arena, line + 2, ll - 2);
	}
	return NULL;
}

/* Splits the body of multipart pi into children. */
static int
parse_multipart(struct msg *m, int pi, int depth)
{
	const char	*b = m->parts[pi].body, *bd = m->parts[pi].boundary;
	const char	*deftype;
	size_t		 len = m->parts[pi].bodylen, pos = 0, s, a, cs;
	int		 close = 0, prev = -1, c, n = 0;

	deftype = strcmp(m->parts[pi].type, "multipart/digest") == 0 ?
	    "message/rfc822" : "text/plain";
	if (bd == NULL || *bd == '\0' ||
	    !next_delim(b, len, bd, &pos, &s, &a, &close)) {
		/* XXX MIME: a wrong boundary parameter is guessed around. */
		if ((bd = infer_boundary(m, b, len)) == NULL)
			return 0;
		m->parts[pi].boundary = bd;
		pos = 0;
		if (!next_delim(b, len, bd, &pos, &s, &a, &close))
			return 0;
	}
	while (!close) {
		cs = a;
		if (!next_delim(b, len, bd, &pos, &s, &a, &close)) {
			/* XXX MIME: a missing closing delimiter is tolerated. */
			s = len;
			close = 1;
		}
		/*
		 * Back to back delimiters ("--b\n--b\n"): the line ending
		 * the first one took is not also the second one's.
		 */
		if (s < cs)
			s = cs;
		if (m->nparts >= m->limits->mime_parts) {
			m->truncated |= MSG_CUT_PARTS;
			break;
		}
		c = parse_entity(m, b + cs, s - cs, depth + 1, pi, 0, deftype);
		if (c < 0)
			return -1;
		if (prev < 0)
			m->parts[pi].child = c;
		else
			m->parts[prev].next = c;
		prev = c;
		n++;
	}
	return n;
}

/*
 * 1 when an untyped body still holds MIME parts (a report whose header
 * lost its Content-Type): a "--" line and a Content-Type field after it.
 */
static int
looks_mime(const char *b, size_t len)
{
	const char	*p;

	if ((p = msg_memmem(b, len, "\n--", 3)) == NULL)
		return 0;
	return msg_memcasemem(p, len - (size_t)(p - b), "\nContent-Type:",
	    14) != NULL;
}

/* 1 when a part below pi (in depth-first order) is a delivery status. */
static int
has_status_part(const struct msg *m, int pi)
{
	int	 i;

	for (i = pi + 1; i < m->nparts; i++)
		if (strcmp(m->parts[i].type, "message/delivery-status") == 0 ||
		    strcmp(m->parts[i].type,
		    "message/global-delivery-status") == 0)
			return 1;
	return 0;
}

static int
is_encapsulated(const char *t)
{
	return strcmp(t, "message/rfc822") == 0 ||
	    strcmp(t, "message/global") == 0 ||
	    strcmp(t, "text/rfc822-headers") == 0 ||
	    strcmp(t, "message/rfc822-headers") == 0 ||
	    strcmp(t, "message/global-headers") == 0;
}

/*
 * Whether the header walk of buf[0..hlen) stopped at pos because of the
 * size cut rather than at the header's end: at the cut itself, or on a
 * line the cut split.
 */
static int
header_cut(const char *buf, size_t hlen, size_t len, size_t pos)
{
	const char	*line;
	size_t		 p = pos, linelen;

	if (hlen >= len)
		return 0;
	if (pos >= hlen)
		return 1;
	if (!msg_line_next(buf, hlen, &p, &line, &linelen))
		return 1;
	/* A line with no end of line before the cut was split by it. */
	return p == hlen && buf[hlen - 1] != '\n' &&
	    !(buf[hlen - 1] == '\r' && buf[hlen] != '\n');
}

/*
 * Offset just after the first empty line from the line holding pos on,
 * or len when there is none: where the body of a cut header starts.
 */
static size_t
header_end(const char *buf, size_t len, size_t pos)
{
	const char	*line;
	size_t		 linelen;

	/* The cut may have split a line (or a CRLF): go to its start. */
	while (pos > 0 && pos < len && buf[pos - 1] != '\n' &&
	    !(buf[pos - 1] == '\r' && buf[pos] != '\n'))
		pos--;
	while (msg_line_next(buf, len, &pos, &line, &linelen))
		if (linelen == 0)
			return pos;
	return len;
}

/* Parses one entity (headers + body); returns its part index or -1. */
static int
parse_entity(struct msg *m, const char *buf, size_t len, int depth,
    int parent, int is_message, const char *deftype)
{
	struct msg_field	*f;
	struct msg_part		*p;
	const char		*b;
	size_t			 pos = 0, hlen, n = 0, bl, nf = 0, got, i;
	size_t			 last = SIZE_MAX, bstart;
	size_t			 ct = SIZE_MAX, cte = SIZE_MAX;
	size_t			 maxf = m->limits->header_count;
	uint64_t		 bloom[2] = { 0, 0 };
	uint32_t		 key, *fk;
	unsigned		 bit;
	int			 pi, c, k, guess, np = 0, trunc = 0, done;

	if ((pi = add_part(m)) < 0)
		return -1;
	p = &m->parts[pi];
	p->parent = parent;
	p->child = p->next = -1;
	p->depth = depth;
	p->is_message = is_message;
	p->hdr = buf;
	p->field0 = m->nfields;
	hlen = len < m->limits->header_bytes ? len : m->limits->header_bytes;
	/*
	 * The fields are read straight into the free end of the array, a
	 * batch at a time; those past --max-headers are read (to find the
	 * body) but not kept, and the next batch overwrites them.  The
	 * sieve bits are gathered apart: a store to them could be one to
	 * m->nfields, as far as the compiler knows.
	 */
	for (done = 0; !done; ) {
		if (field_room(m) < 0)
			return -1;
		got = msg_fields_next(buf, hlen, &pos, m->fields + m->nfields,
		    m->capfields - m->nfields, &done);
		if (got > 0)
			last = (size_t)(m->fields[m->nfields + got - 1].name -
			    buf);
		if (got > maxf - n) {
			m->truncated |= MSG_CUT_HEADERS;
			got = maxf - n;
		}
		f = m->fields + m->nfields;
		fk = m->fkeys + m->nfields;
		for (i = 0; i < got; i++) {
			key = msg_field_key(f[i].name, f[i].namelen);
			fk[i] = key;
			bit = msg_field_bit(key);
			bloom[bit >> 6] |= (uint64_t)1 << (bit & 63);
			k = mime_field(&f[i], key);
			if (k == 1 && ct == SIZE_MAX)
				ct = m->nfields + i;
			else if (k == 2 && cte == SIZE_MAX)
				cte = m->nfields + i;
		}
		m->nfields += got;
		n += got;
	}
	p->fbloom[0] = bloom[0];
	p->fbloom[1] = bloom[1];
	bstart = pos;
	if (header_cut(buf, hlen, len, pos)) {
		/*
		 * The header goes on past the size limit: a field that
		 * reaches the cut may have lost its end, and the body
		 * starts at the real end of the header, not at the cut.
		 */
		m->truncated |= MSG_CUT_HEADER_SIZE;
		if (pos == hlen && last != SIZE_MAX) {
			if (n > 0 && m->nfields > p->field0 &&
			    m->fields[m->nfields - 1].name == buf + last) {
				m->nfields--;
				n--;
			}
			pos = last;
		}
		bstart = header_end(buf, len, pos);
	}
	/* A field the cut took away is no longer the part's. */
	if (ct != SIZE_MAX && ct >= m->nfields)
		ct = SIZE_MAX;
	if (cte != SIZE_MAX && cte >= m->nfields)
		cte = SIZE_MAX;
	p = &m->parts[pi];
	p->nfields = n;
	p->hdrlen = pos;
	p->body = buf + bstart;
	p->bodylen = len - bstart;
	if (part_types(m, pi, deftype, ct, cte) < 0)
		return -1;
	p = &m->parts[pi];
	if (depth >= m->limits->mime_depth) {
		m->truncated |= MSG_CUT_DEPTH;
		return pi;
	}
	/*
	 * A body without Content-Type is text/plain (RFC 2045), but a
	 * report whose header lost its Content-Type still holds its MIME
	 * parts: guessed multipart, kept only when the guessed parts hold
	 * a delivery status.  A plain bounce quoting "--" lines of the
	 * returned copy stays one text part.  XXX MIME: an ARF report
	 * that lost its Content-Type is read as text.
	 */
	guess = depth == 0 && ct == SIZE_MAX &&
	    looks_mime(p->body, p->bodylen);
	if (guess) {
		p->type = "multipart/mixed";
		np = m->nparts;
		nf = m->nfields;
		trunc = m->truncated;
	}
	if (strncmp(p->type, "multipart/", 10) == 0) {
		if (parse_multipart(m, pi, depth) < 0)
			return -1;
		if (guess && !has_status_part(m, pi)) {
			m->nparts = np;
			m->nfields = nf;
			m->truncated = trunc;
			p = &m->parts[pi];
			p->type = deftype;
			p->boundary = NULL;
			p->child = -1;
		}
	} else if (is_encapsulated(p->type) && p->bodylen > 0) {
		if (m->nparts >= m->limits->mime_parts) {
			m->truncated |= MSG_CUT_PARTS;
			return pi;
		}
		if ((b = msg_part_body(m, p, &bl)) == NULL)
			return -1;
		if ((c = parse_entity(m, b, bl, depth + 1, pi, 1,
		    "text/plain")) < 0)
			return -1;
		m->parts[pi].child = c;
	}
	return pi;
}

/*
 * The struct msg of the last message, kept for the next one with its
 * field and part arrays and the first block of its arena: one message
 * after another then costs no allocation for them.  Per thread; an
 * arena that grew past SPARE_ARENA is not kept.
 */
#define SPARE_ARENA	(64 * 1024)

static _Thread_local struct msg	*spare;

struct msg *
msg_parse(const char *buf, size_t len, const struct dsn_limits *lim,
    char *err, size_t errlen)
{
	struct msg	*m;

	if ((m = spare) != NULL)
		spare = NULL;
	else if ((m = calloc(1, sizeof(*m))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (m->arena == NULL && (m->arena = arena_new()) == NULL) {
		free(m);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->buf = buf;
	m->len = len;
	m->limits = lim;
	if (parse_entity(m, buf, len, 0, -1, 1, "text/plain") < 0) {
		msg_free(m);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return m;
}

void
msg_free(struct msg *m)
{
	struct msg_field	*fields;
	struct msg_part		*parts;
	struct arena		*a;
	uint32_t		*fkeys;
	size_t			 capfields;
	int			 capparts;

	if (m == NULL)
		return;
	if (spare == NULL) {
		/* Kept empty: arrays and arena reused, all else zero. */
		arena_reset(m->arena);
		a = arena_size(m->arena) <= SPARE_ARENA ? m->arena : NULL;
		if (a == NULL)
			arena_free(m->arena);
		fields = m->fields;
		fkeys = m->fkeys;
		capfields = m->capfields;
		parts = m->parts;
		capparts = m->capparts;
		memset(m, 0, sizeof(*m));
		m->fields = fields;
		m->fkeys = fkeys;
		m->capfields = capfields;
		m->parts = parts;
		m->capparts = capparts;
		m->arena = a;
		spare = m;
		return;
	}
	arena_free(m->arena);
	free(m->fields);
	free(m->fkeys);
	free(m->parts);
	free(m);
}

/*
 * 1 when a[0..n) and b[0..n) are the same bytes.  Field names are short:
 * two overlapping loads from each end cover 4 to 16 bytes, without the
 * call of memcmp().
 */
static int
same_bytes(const char *a, const char *b, size_t n)
{
	uint64_t	 x, y, u, v;
	uint32_t	 w, z, s, t;

	if (n >= 8 && n <= 16) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		memcpy(&u, a + n - 8, 8);
		memcpy(&v, b + n - 8, 8);
		return ((x ^ y) | (u ^ v)) == 0;
	}
	if (n >= 4 && n < 8) {
		memcpy(&w, a, 4);
		memcpy(&z, b, 4);
		memcpy(&s, a + n - 4, 4);
		memcpy(&t, b + n - 4, 4);
		return ((w ^ z) | (s ^ t)) == 0;
	}
	return memcmp(a, b, n) == 0;
}

const struct msg_field *
msg_field_find(const struct msg *m, const struct msg_part *p,
    const char *name, size_t nl)
{
	const struct msg_field	*f;
	const uint32_t		*k, *e;
	uint32_t		 key = msg_field_key(name, nl);

	/* The keys sift the fields: a tight loop over 4 bytes each. */
	e = m->fkeys + p->field0 + p->nfields;
	for (k = m->fkeys + p->field0; k < e; k++) {
		if (*k != key)
			continue;
		f = m->fields + (k - m->fkeys);
		if (f->namelen == nl && (same_bytes(f->name, name, nl) ||
		    msg_startcase(f->name, nl, name)))
			return f;
	}
	return NULL;
}

/*
 * msg_field_value() of field f (index i) not decoded yet: apart, so
 * that a field decoded before costs no saved registers.
 */
static __attribute__((noinline)) const char *
field_decode(struct msg *m, const struct msg_field *f, size_t i)
{
	const char	*v;

	if (m->fdec == NULL && m->nfields > 0) {
		if ((m->fdec = arena_alloc(m->arena,
		    m->nfields * sizeof(*m->fdec))) == NULL)
			return NULL;
		memset(m->fdec, 0, m->nfields * sizeof(*m->fdec));
		m->nfdec = m->nfields;
	}
	v = msg_decode_header(m->arena, f->value, f->valuelen);
	if (v != NULL && i < m->nfdec)
		m->fdec[i] = v;
	return v;
}

const char *
msg_field_value(struct msg *m, const struct msg_field *f)
{
	size_t	 i = (size_t)(f - m->fields);

	/* Each field is decoded once; tests ask for the same ones. */
	if (i < m->nfdec && m->fdec[i] != NULL)
		return m->fdec[i];
	return field_decode(m, f, i);
}

int
msg_part_index(const struct msg *m, const struct msg_part *p)
{
	return (int)(p - m->parts);
}

/* 1 when part j lies below part i. */
static int
below(const struct msg *m, int j, int i)
{
	while (j >= 0) {
		j = m->parts[j].parent;
		if (j == i)
			return 1;
	}
	return 0;
}

struct msg_part *
msg_find_type(struct msg *m, const struct msg_part *from, const char *type)
{
	int	 i, j;

	i = from == NULL ? -1 : msg_part_index(m, from);
	for (j = i + 1; j < m->nparts; j++) {
		if (i >= 0 && !below(m, j, i))
			break;
		if (strcmp(m->parts[j].type, type) == 0)
			return &m->parts[j];
	}
	if (i < 0 && strcmp(m->parts[0].type, type) == 0)
		return &m->parts[0];
	return NULL;
}

const char *
msg_part_body(struct msg *m, const struct msg_part *cp, size_t *len)
{
	struct msg_part	*p = &m->parts[msg_part_index(m, cp)];
	char		*out;

	if (p->cte == MSG_CTE_IDENTITY) {
		*len = p->bodylen;
		return p->body;
	}
	if (p->dec == NULL) {
		if ((out = arena_alloc(m->arena, p->bodylen + 1)) == NULL)
			return NULL;
		if (p->cte == MSG_CTE_BASE64)
			p->declen = msg_base64_decode(p->body, p->bodylen, out);
		else
			p->declen = msg_qp_decode(p->body, p->bodylen, out, 0);
		out[p->declen] = '\0';
		p->dec = out;
	}
	*len = p->declen;
	return p->dec;
}

const char *
msg_part_text(struct msg *m, const struct msg_part *cp, size_t *len)
{
	struct msg_part	*p = &m->parts[msg_part_index(m, cp)];
	const char	*b;
	size_t		 bl;

	if (p->text == NULL) {
		if ((b = msg_part_body(m, p, &bl)) == NULL)
			return NULL;
		if (p->charset == NULL || strcmp(p->charset, "utf-8") == 0 ||
		    strcmp(p->charset, "us-ascii") == 0) {
			*len = bl;
			return b;
		}
		if ((p->text = msg_to_utf8(m->arena, p->charset, b, bl,
		    &p->textlen)) == NULL)
			return NULL;
	}
	*len = p->textlen;
	return p->text;
}
