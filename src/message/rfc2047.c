/*
 * rfc2047.c - header values with encoded words decoded to UTF-8.
 *
 * "=?charset?B|Q?text?=" words are decoded; consecutive words in the
 * same charset are converted together (a multi-byte character may span
 * two words) and the white space between adjacent words is dropped.
 * Results live in the caller's arena.
 */
#include <string.h>

#include "message/message.h"

struct eword {
	const char	*cs, *text;
	size_t		 cslen, tlen, len;
	int		 enc;		/* 'B' or 'Q' */
};

/* Parses an encoded word at s[0..n); 1 and *w filled, or 0. */
static int
eword_parse(const char *s, size_t n, struct eword *w)
{
	size_t	 i;

	if (n < 8 || s[0] != '=' || s[1] != '?')
		return 0;
	for (i = 2; i < n && s[i] != '?'; i++)
		if (s[i] == ' ' || s[i] == '\t')
			return 0;
	if (i + 3 >= n || i == 2)
		return 0;
	w->cs = s + 2;
	w->cslen = i - 2;
	w->enc = s[i + 1] & ~0x20;
	if ((w->enc != 'B' && w->enc != 'Q') || s[i + 2] != '?')
		return 0;
	w->text = s + i + 3;
	for (i += 3; i + 1 < n; i++) {
		if (s[i] == ' ' || s[i] == '\t')
			return 0;
		if (s[i] == '?' && s[i + 1] == '=')
			break;
	}
	if (i + 1 >= n)
		return 0;
	w->tlen = (size_t)(s + i - w->text);
	w->len = i + 2;
	/* RFC 2231 adds "*language" to the charset. */
	{
		const char *star = memchr(w->cs, '*', w->cslen);

		if (star != NULL)
			w->cslen = (size_t)(star - w->cs);
	}
	return 1;
}

struct decoder {
	struct arena	*a;
	char		*out, *pend;
	size_t		 o, pl;
	char		 cs[64];
};

/* Converts the pending bytes to UTF-8 and appends them; -1 on ENOMEM. */
static int
flush(struct decoder *d)
{
	char	*u;
	size_t	 ul;

	if (d->pl == 0)
		return 0;
	if ((u = msg_to_utf8(d->a, d->cs, d->pend, d->pl, &ul)) == NULL)
		return -1;
	memcpy(d->out + d->o, u, ul);
	d->o += ul;
	d->pl = 0;
	return 0;
}

/*
 * The encoded words of the unfolded value u[0..n) decoded: apart from
 * msg_decode_header(), so that a value without any (most) costs no more
 * than its unfolding.
 */
static __attribute__((noinline)) char *
decode_words(struct arena *a, const char *u, size_t n)
{
	struct decoder	 d;
	struct eword	 w;
	size_t		 i, j;
	int		 inword = 0;

	memset(&d, 0, sizeof(d));
	d.a = a;
	if ((d.out = arena_alloc(a, n * 4 + 16)) == NULL ||
	    (d.pend = arena_alloc(a, n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; ) {
		if (u[i] == '=' && eword_parse(u + i, n - i, &w)) {
			if (w.cslen >= sizeof(d.cs))
				w.cslen = sizeof(d.cs) - 1;
			if (d.pl > 0 && (strlen(d.cs) != w.cslen ||
			    strncmp(d.cs, w.cs, w.cslen) != 0) && flush(&d) < 0)
				return NULL;
			memcpy(d.cs, w.cs, w.cslen);
			d.cs[w.cslen] = '\0';
			if (w.enc == 'B')
				d.pl += msg_base64_decode(w.text, w.tlen,
				    d.pend + d.pl);
			else
				d.pl += msg_qp_decode(w.text, w.tlen,
				    d.pend + d.pl, 1);
			i += w.len;
			inword = 1;
			continue;
		}
		if (inword && u[i] == ' ') {
			/* Drop the space only between two encoded words. */
			for (j = i; j < n && u[j] == ' '; j++)
				;
			if (j < n && u[j] == '=' &&
			    eword_parse(u + j, n - j, &w)) {
				i = j;
				continue;
			}
		}
		if (flush(&d) < 0)
			return NULL;
		inword = 0;
		d.out[d.o++] = u[i++];
	}
	if (flush(&d) < 0)
		return NULL;
	/*
	 * An encoded NUL (=00, or U+0000 in any charset) would end the
	 * C string and lose the words after it: a space, as for a raw one.
	 */
	for (i = 0; i < d.o; i++)
		if (d.out[i] == '\0')
			d.out[i] = ' ';
	d.out[d.o] = '\0';
	return d.out;
}

char *
msg_decode_header(struct arena *a, const char *v, size_t len)
{
	const char	*q;
	char		*u;
	size_t		 n;

	if ((u = msg_unfold_len(a, v, len, &n)) == NULL)
		return NULL;
	/*
	 * No encoded word without "=?": the unfolded value (which holds no
	 * NUL) is the result.  u[n] is its NUL, so q[1] can be read.
	 */
	for (q = memchr(u, '=', n); q != NULL && q[1] != '?';
	    q = memchr(q + 1, '=', n - (size_t)(q + 1 - u)))
		;
	if (q == NULL)
		return u;
	return decode_words(a, u, n);
}
