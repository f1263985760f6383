/*
 * lines.c - line iteration and case-insensitive search over raw bytes.
 *
 * Lines end in CRLF, LF or a bare CR; all three are handled while
 * scanning, nothing is rewritten.  Results are views into the caller's
 * buffer; no memory is allocated here.
 */
#include <string.h>

#include "message/message.h"

static int
lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

int
msg_line_next(const char *buf, size_t len, size_t *pos, const char **line,
    size_t *linelen)
{
	size_t		 i = *pos;
	const char	*lf, *cr, *e;

	if (i >= len)
		return 0;
	lf = memchr(buf + i, '\n', len - i);
	e = lf != NULL ? lf : buf + len;
	cr = memchr(buf + i, '\r', (size_t)(e - (buf + i)));
	*line = buf + i;
	if (cr != NULL) {
		*linelen = (size_t)(cr - (buf + i));
		*pos = (size_t)(cr - buf) + 1;
		if (*pos < len && buf[*pos] == '\n')
			(*pos)++;
	} else {
		*linelen = (size_t)(e - (buf + i));
		*pos = lf != NULL ? (size_t)(lf - buf) + 1 : len;
	}
	return 1;
}

const char *
msg_memcasemem(const char *hay, size_t haylen, const char *needle,
    size_t nlen)
{
	const char	*p, *end, *a, *b;
	int		 lo, up;
	size_t		 i;

	if (nlen == 0)
		return hay;
	if (haylen < nlen)
		return NULL;
	end = hay + haylen - nlen + 1;
	lo = lc((unsigned char)needle[0]);
	up = lo >= 'a' && lo <= 'z' ? lo - 32 : lo;
	/* Next candidate of each case, found once and kept until passed. */
	a = memchr(hay, lo, (size_t)(end - hay));
	b = up != lo ? memchr(hay, up, (size_t)(end - hay)) : NULL;
	while (a != NULL || b != NULL) {
		p = a == NULL ? b : (b == NULL || a < b ? a : b);
		for (i = 1; i < nlen; i++)
			if (lc((unsigned char)p[i]) !=
			    lc((unsigned char)needle[i]))
				break;
		if (i == nlen)
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
		if (a != b && lc(a) != lc(b))
			return 0;
	}
	return 1;
}
