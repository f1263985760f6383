/*
 * prefilter.c - required literals of PCRE2 patterns and an Aho-Corasick
 * automaton that finds all of them in one pass over a text.
 *
 * pf_add() reads a pattern just far enough to name a set of literals
 * one of which any match must contain (a run of plain characters, or
 * one per branch of an alternation); it gives up on anything it does not
 * fully understand, and such a pattern simply always runs.  Literals
 * are kept in ASCII lower case; the text is folded the same way as it
 * is scanned.  PCRE2's caseless UTF matching also lets 'k' match U+212A
 * KELVIN SIGN and 's' U+017F LONG S (the only non-ASCII characters that
 * match ASCII ones, checked by tests/unit/test_classify.c), so a text
 * holding either sets every bit.  Non-ASCII characters count as
 * literals only in scripts without case (CJK, kana, Hangul).  The
 * prefilter owns its trie and automaton.
 * XXX prefilter: it gives up on inline options ((?i), (?x)), \Q...\E,
 * \x{..} and other escapes, backreferences and verbs; such patterns
 * (user rules mostly) run on every record whose cheap conditions pass.
 */
#include <stdlib.h>
#include <string.h>

#include "classify/prefilter.h"

#define PF_MAXSET	256	/* literals in one pattern's set */
#define PF_DEPTH	64	/* groups looked into */
#define PF_SENTINELS	2	/* ids of U+212A and U+017F */

struct node {
	uint32_t	 child;		/* first child, 0 for none */
	uint32_t	 sib;		/* next sibling */
	uint32_t	 term;		/* literal id + 1, or 0 */
	unsigned char	 c;
};

struct pf {
	struct node	*nd;		/* the trie; nd[0] is the root */
	size_t		 nn, ncap;
	uint32_t	 nterm;
	int		 dirty;		/* literals added since built */
	unsigned char	 cls[256];	/* byte -> class, case folded */
	size_t		 ncls;
	uint32_t	*delta;		/* nn * ncls: the next state */
	uint32_t	*out;		/* first literal state on the chain */
	uint32_t	*dict;		/* next literal state after this */
};

struct span {
	size_t	 off, len;
};

/* Literals one of which a match contains; n == 0: none known. */
struct lset {
	struct span	*v;
	size_t		 n;
};

/* The pattern reader. */
struct px {
	const unsigned char	*p, *e;
	char			*lb;	/* literal bytes, lower case */
	size_t			 lbn;
	int			 bad;	/* give up on the pattern */
	int			 depth;
};

enum atom { A_LIT, A_ANY, A_ZERO, A_GROUP };

static void	alt(struct px *, struct lset *);

static void
set_free(struct lset *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static size_t
set_minlen(const struct lset *s)
{
	size_t	 i, m = (size_t)-1;

	for (i = 0; i < s->n; i++)
		if (s->v[i].len < m)
			m = s->v[i].len;
	return m;
}

/* Keeps the better of *best and *cand in *best (longer, then fewer). */
static void
consider(struct lset *best, struct lset *cand)
{
	size_t	 mb, mc;

	if (cand->n == 0)
		return;
	mb = set_minlen(best);
	mc = set_minlen(cand);
	if (best->n == 0 || mc > mb || (mc == mb && cand->n < best->n)) {
		set_free(best);
		*best = *cand;
	} else
		set_free(cand);
	cand->v = NULL;
	cand->n = 0;
}

/* The run of literal bytes lb[off..off+len) as a candidate. */
static void
end_run(struct px *x, struct lset *best, size_t *off, size_t *len)
{
	struct lset	 c;

	if (*len > 0 && !x->bad) {
		if ((c.v = malloc(sizeof(*c.v))) == NULL)
			x->bad = 1;
		else {
			c.v[0].off = *off;
			c.v[0].len = *len;
			c.n = 1;
			consider(best, &c);
		}
	}
	*off = x->lbn;
	*len = 0;
}

/*
 * A quantifier at x->p: its minimum (0, or 1 for "at least once"),
 * with x->p past it and its lazy or possessive mark; -1 for none.
 */
static int
quant(struct px *x)
{
	const unsigned char	*p = x->p;
	int			 min = 1, digits = 0;

	if (p >= x->e)
		return -1;
	if (*p == '?' || *p == '*')
		min = 0;
	else if (*p == '{') {
		/* {n}, {n,}, {n,m}, {,m}: anything else gives up. */
		for (p++; p < x->e && *p >= '0' && *p <= '9'; p++)
			if (*p != '0')
				digits = 1;
		min = digits;
		while (p < x->e && ((*p >= '0' && *p <= '9') || *p == ','))
			p++;
		if (p >= x->e || *p != '}') {
			x->bad = 1;
			return -1;
		}
	} else if (*p != '+')
		return -1;
	p++;
	if (p < x->e && (*p == '?' || *p == '+'))
		p++;
	x->p = p;
	return min;
}

/* Skips a character class, x->p at its '['. */
static void
skip_class(struct px *x)
{
	const unsigned char	*p = x->p + 1;

	if (p < x->e && *p == '^')
		p++;
	if (p < x->e && *p == ']')
		p++;
	for (;;) {
		if (p >= x->e || (*p == '[' && p + 1 < x->e &&
		    strchr(":.=", p[1]) != NULL)) {
			x->bad = 1;
			return;
		}
		if (*p == '\\') {
			if (p + 1 >= x->e || p[1] == 'Q' || p[1] == 'E') {
				x->bad = 1;
				return;
			}
			p += 2;
			continue;
		}
		if (*p++ == ']')
			break;
	}
	x->p = p;
}

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* Skips a group name up to term, x->p at the byte before the name. */
static void
skip_name(struct px *x, int term)
{
	const unsigned char	*p = x->p + 1;

	while (p < x->e && *p != term && (is_alnum(*p) || *p == '_'))
		p++;
	if (p >= x->e || *p != term)
		x->bad = 1;
	x->p = p + 1;
}

/* A group, x->p just past its '(': its set in *g, *look for lookaround. */
static void
group(struct px *x, struct lset *g, int *look)
{
	const unsigned char	*p = x->p;

	*look = 0;
	if (p < x->e && *p == '*')
		x->bad = 1;
	else if (p < x->e && *p == '?') {
		x->p = ++p;
		if (p >= x->e)
			x->bad = 1;
		else if (*p == ':' || *p == '>' || *p == '|')
			x->p++;
		else if (*p == '=' || *p == '!') {
			x->p++;
			*look = 1;
		} else if (*p == '<' && p + 1 < x->e && (p[1] == '=' ||
		    p[1] == '!')) {
			x->p += 2;
			*look = 1;
		} else if (*p == '<' || *p == '\'')
			skip_name(x, *p == '<' ? '>' : '\'');
		else if (*p == 'P' && p + 1 < x->e && p[1] == '<') {
			x->p++;
			skip_name(x, '>');
		} else
			x->bad = 1;	/* options, conditions, calls */
	}
	if (x->bad || ++x->depth > PF_DEPTH) {
		x->bad = 1;
		return;
	}
	alt(x, g);
	x->depth--;
	if (x->p >= x->e || *x->p != ')')
		x->bad = 1;
	else
		x->p++;
}

/* A non-ASCII character: 1 when it has no case (CJK, kana, Hangul). */
static int
caseless_cjk(const unsigned char *p, size_t left, size_t *k)
{
	unsigned	 c;

	if (p[0] < 0xe0 || p[0] > 0xef || left < 3 ||
	    (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80) {
		*k = 1;
		return 0;
	}
	*k = 3;
	c = (unsigned)(p[0] & 0x0f) << 12 | (unsigned)(p[1] & 0x3f) << 6 |
	    (p[2] & 0x3f);
	return (c >= 0x3000 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x4dbf) ||
	    (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7a3);
}

/* An escape, x->p at its '\\': its kind, a literal byte in *b. */
static enum atom
escape(struct px *x, unsigned char *b)
{
	unsigned char	 c;

	if (x->p + 1 >= x->e) {
		x->bad = 1;
		return A_ANY;
	}
	c = x->p[1];
	x->p += 2;
	if (c >= 0x80)
		x->bad = 1;
	else if (!is_alnum(c)) {
		*b = c;
		return A_LIT;
	} else if (strchr("bBAzZGK", c) != NULL)
		return A_ZERO;
	else if (strchr("dDwWsShHvVRX", c) != NULL)
		return A_ANY;
	else if (c != 'N' || (x->p < x->e && *x->p == '{'))
		x->bad = 1;
	return A_ANY;
}

/*
 * The next atom at x->p: its kind, with literal bytes in x->lb (*k of
 * them) or a group's set in *g; x->p past it.
 */
static enum atom
atom(struct px *x, size_t *k, struct lset *g, int *look)
{
	unsigned char	 c = *x->p, b;
	enum atom	 a;

	*k = 0;
	switch (c) {
	case '\\':
		if ((a = escape(x, &b)) == A_LIT) {
			x->lb[x->lbn++] = (char)b;
			*k = 1;
		}
		return a;
	case '.':
	case ']':
	case '}':
		x->p++;
		return A_ANY;
	case '^':
	case '$':
		x->p++;
		return A_ZERO;
	case '*':
	case '+':
	case '?':
	case '{':
		return A_ZERO;	/* the quantifier is read after */
	case '[':
		skip_class(x);
		return A_ANY;
	case '(':
		x->p++;
		group(x, g, look);
		return A_GROUP;
	}
	if (c < 0x80) {
		x->lb[x->lbn++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		x->p++;
		*k = 1;
		return A_LIT;
	}
	if (caseless_cjk(x->p, (size_t)(x->e - x->p), k)) {
		memcpy(x->lb + x->lbn, x->p, *k);
		x->lbn += *k;
		x->p += *k;
		return A_LIT;
	}
	/* Other non-ASCII: one byte at a time, none of it literal. */
	x->p++;
	*k = 0;
	return A_ANY;
}

/* A sequence of atoms up to '|', ')' or the end: its best set. */
static void
seq(struct px *x, struct lset *best)
{
	struct lset	 g;
	size_t		 off = x->lbn, len = 0, k;
	enum atom	 a;
	int		 min, look;

	best->v = NULL;
	best->n = 0;
	while (!x->bad && x->p < x->e && *x->p != '|' && *x->p != ')') {
		g.v = NULL;
		g.n = 0;
		look = 0;
		a = atom(x, &k, &g, &look);
		min = x->bad ? -1 : quant(x);
		if (a == A_LIT) {
			len += k;
			if (min == 0) {		/* optional: not required */
				x->lbn -= k;
				len -= k;
			}
			if (min >= 0)
				end_run(x, best, &off, &len);
			continue;
		}
		end_run(x, best, &off, &len);
		if (a == A_GROUP && !look && min != 0)
			consider(best, &g);
		set_free(&g);
	}
	end_run(x, best, &off, &len);
}

/* Branches up to ')' or the end: the union of their sets, or none. */
static void
alt(struct px *x, struct lset *out)
{
	struct lset	 b;
	struct span	*nv;
	int		 none = 0;

	out->v = NULL;
	out->n = 0;
	for (;;) {
		seq(x, &b);
		if (b.n == 0 || out->n + b.n > PF_MAXSET)
			none = 1;
		if (!none) {
			nv = realloc(out->v, (out->n + b.n) * sizeof(*nv));
			if (nv == NULL)
				x->bad = 1;
			else {
				memcpy(nv + out->n, b.v, b.n * sizeof(*nv));
				out->v = nv;
				out->n += b.n;
			}
		}
		set_free(&b);
		if (x->bad || x->p >= x->e || *x->p != '|')
			break;
		x->p++;
	}
	if (none || x->bad)
		set_free(out);
}

/* The id of literal s (n bytes), added to the trie; -1 out of memory. */
static long
insert(struct pf *pf, const char *s, size_t n)
{
	struct node	*nd;
	uint32_t	 at = 0, ch;
	size_t		 i;

	for (i = 0; i < n; i++) {
		for (ch = pf->nd[at].child; ch != 0; ch = pf->nd[ch].sib)
			if (pf->nd[ch].c == (unsigned char)s[i])
				break;
		if (ch == 0) {
			if (pf->nn == pf->ncap) {
				nd = realloc(pf->nd, 2 * pf->ncap *
				    sizeof(*nd));
				if (nd == NULL)
					return -1;
				pf->nd = nd;
				pf->ncap *= 2;
			}
			ch = (uint32_t)pf->nn++;
			pf->nd[ch].c = (unsigned char)s[i];
			pf->nd[ch].child = 0;
			pf->nd[ch].term = 0;
			pf->nd[ch].sib = pf->nd[at].child;
			pf->nd[at].child = ch;
		}
		at = ch;
	}
	if (pf->nd[at].term == 0) {
		pf->nd[at].term = ++pf->nterm;
		pf->dirty = 1;
	}
	return (long)pf->nd[at].term - 1;
}

struct pf *
pf_new(void)
{
	struct pf	*pf;

	if ((pf = calloc(1, sizeof(*pf))) == NULL)
		return NULL;
	pf->ncap = 256;
	if ((pf->nd = calloc(pf->ncap, sizeof(*pf->nd))) == NULL) {
		free(pf);
		return NULL;
	}
	pf->nn = 1;
	/* Ids 0 and 1: U+212A KELVIN SIGN and U+017F LONG S. */
	if (insert(pf, "\xe2\x84\xaa", 3) != 0 ||
	    insert(pf, "\xc5\xbf", 2) != 1) {
		pf_free(pf);
		return NULL;
	}
	return pf;
}

void
pf_free(struct pf *pf)
{
	if (pf == NULL)
		return;
	free(pf->nd);
	free(pf->delta);
	free(pf->out);
	free(pf->dict);
	free(pf);
}

size_t
pf_words(const struct pf *pf)
{
	return (pf->nterm + 63) / 64;
}

int
pf_add(struct pf *pf, const char *pat, size_t len, uint32_t **ids)
{
	struct px	 x;
	struct lset	 top;
	size_t		 i;
	long		 id;
	int		 n = 0;

	*ids = NULL;
	memset(&x, 0, sizeof(x));
	x.p = (const unsigned char *)pat;
	x.e = x.p + len;
	if ((x.lb = malloc(len + 1)) == NULL)
		return -1;
	alt(&x, &top);
	if (x.bad || x.p != x.e || top.n == 0)
		goto out;
	if ((*ids = calloc(top.n, sizeof(**ids))) == NULL) {
		n = -1;
		goto out;
	}
	for (i = 0; i < top.n; i++) {
		if ((id = insert(pf, x.lb + top.v[i].off, top.v[i].len)) < 0) {
			free(*ids);
			*ids = NULL;
			n = -1;
			goto out;
		}
		(*ids)[i] = (uint32_t)id;
	}
	n = (int)top.n;
out:
	set_free(&top);
	free(x.lb);
	return n;
}

/* Classes: one for each byte of a literal, 0 for all others. */
static void
classes(struct pf *pf)
{
	size_t	 i;
	int	 b;

	memset(pf->cls, 0, sizeof(pf->cls));
	pf->ncls = 1;
	for (i = 1; i < pf->nn; i++)
		if (pf->cls[pf->nd[i].c] == 0)
			pf->cls[pf->nd[i].c] = (unsigned char)pf->ncls++;
	for (b = 'A'; b <= 'Z'; b++)
		pf->cls[b] = pf->cls[b + 32];
}

/* The automaton from the trie, breadth first; -1 out of memory. */
static int
build(struct pf *pf)
{
	uint32_t	*fail, *queue, s, ch, k;
	size_t		 head = 0, tail = 0, c;

	classes(pf);
	free(pf->delta);
	free(pf->out);
	free(pf->dict);
	pf->delta = calloc(pf->nn * pf->ncls, sizeof(*pf->delta));
	pf->out = calloc(pf->nn, sizeof(*pf->out));
	pf->dict = calloc(pf->nn, sizeof(*pf->dict));
	fail = calloc(pf->nn, sizeof(*fail));
	queue = calloc(pf->nn, sizeof(*queue));
	if (pf->delta == NULL || pf->out == NULL || pf->dict == NULL ||
	    fail == NULL || queue == NULL) {
		free(fail);
		free(queue);
		return -1;
	}
	queue[tail++] = 0;
	while (head < tail) {
		s = queue[head++];
		for (ch = pf->nd[s].child; ch != 0; ch = pf->nd[ch].sib) {
			k = pf->cls[pf->nd[ch].c];
			fail[ch] = s == 0 ? 0 : pf->delta[fail[s] * pf->ncls +
			    k];
			pf->delta[s * pf->ncls + k] = ch;
			queue[tail++] = ch;
		}
		/* Missing moves follow the failure link (done already). */
		for (c = 0; s != 0 && c < pf->ncls; c++)
			if (pf->delta[s * pf->ncls + c] == 0)
				pf->delta[s * pf->ncls + c] =
				    pf->delta[fail[s] * pf->ncls + c];
		if (s != 0) {
			pf->dict[s] = pf->out[fail[s]];
			pf->out[s] = pf->nd[s].term ? s : pf->dict[s];
		}
	}
	free(fail);
	free(queue);
	pf->dirty = 0;
	return 0;
}

int
pf_scan(struct pf *pf, const char *s, size_t n, uint64_t *bits)
{
	const unsigned char	*p = (const unsigned char *)s;
	const uint32_t		*delta;
	size_t			 i, ncls, words = pf_words(pf);
	uint32_t		 st = 0, t, id;

	memset(bits, 0, words * sizeof(*bits));
	if (pf->dirty && build(pf) == -1) {
		memset(bits, 0xff, words * sizeof(*bits));
		return -1;
	}
	delta = pf->delta;
	ncls = pf->ncls;
	for (i = 0; i < n; i++) {
		st = delta[st * ncls + pf->cls[p[i]]];
		for (t = pf->out[st]; t != 0; t = pf->dict[t]) {
			id = pf->nd[t].term - 1;
			bits[id / 64] |= (uint64_t)1 << (id % 64);
		}
	}
	if (bits[0] & ((1 << PF_SENTINELS) - 1))
		memset(bits, 0xff, words * sizeof(*bits));
	return 0;
}
