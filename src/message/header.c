/*
 * header.c - RFC 5322 header fields read in place.
 *
 * msg_field_next() walks a header block one field at a time, folding
 * continuation lines in, for any of the three line endings.  Fields are
 * views into the caller's buffer; only msg_unfold() allocates, in the
 * arena it is given.
 */
#include <stdint.h>
#include <string.h>

#include "message/message.h"

/* Bytes of a field name: printable ASCII but the colon. */
static const unsigned char name_byte[256] = {
#define R8(c)	[c] = 1, [c + 1] = 1, [c + 2] = 1, [c + 3] = 1, \
	[c + 4] = 1, [c + 5] = 1, [c + 6] = 1, [c + 7] = 1
	R8(0x21), R8(0x29), R8(0x31), [0x39] = 1, R8(0x3b), R8(0x43),
	R8(0x4b), R8(0x53), R8(0x5b), R8(0x63), R8(0x6b), R8(0x73),
	[0x7b] = 1, [0x7c] = 1, [0x7d] = 1, [0x7e] = 1
#undef R8
};

/* Length of a field name at line[0..len) ending in ':', or 0. */
static size_t
field_name_len(const char *line, size_t len, size_t *colon)
{
	size_t	 i, n;

	/* The name ends at a colon, a blank or control, or a non-ASCII. */
	for (i = 0; i < len && name_byte[(unsigned char)line[i]]; i++)
		;
	n = i;
	/* Tolerate white space between the name and the colon. */
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (n == 0 || i >= len || line[i] != ':')
		return 0;
	*colon = i;
	return n;
}

int
msg_field_next(const char *buf, size_t len, size_t *pos, struct msg_field *f)
{
	const char	*line;
	size_t		 linelen, p, colon, nl, start;

	for (;;) {
		start = *pos;
		p = start;
		if (!msg_line_next(buf, len, &p, &line, &linelen))
			return 0;
		if (linelen == 0) {
			*pos = p;
			return 0;
		}
		/* An mbox separator or a stray continuation: skip it. */
		if ((start == 0 && linelen > 5 &&
		    memcmp(line, "From ", 5) == 0) ||
		    (start == 0 && line[0] == '>') ||
		    line[0] == ' ' || line[0] == '\t') {
			*pos = p;
			continue;
		}
		break;
	}
	if ((nl = field_name_len(line, linelen, &colon)) == 0)
		return 0;
	f->name = line;
	f->namelen = nl;
	f->value = line + colon + 1;
	f->valuelen = linelen - colon - 1;
	*pos = p;
	/* Take in the continuation lines. */
	while (p < len && (buf[p] == ' ' || buf[p] == '\t')) {
		if (!msg_line_next(buf, len, &p, &line, &linelen))
			break;
		*pos = p;
		f->valuelen = (size_t)(line + linelen - f->value);
	}
	return 1;
}

int
msg_field_is(const struct msg_field *f, const char *name)
{
	if (f->namelen == 0)
		return *name == '\0';
	/* Most names differ in their first byte: no strlen() for those. */
	if (((unsigned char)f->name[0] | 0x20) !=
	    ((unsigned char)name[0] | 0x20))
		return 0;
	return f->namelen == strlen(name) &&
	    (memcmp(f->name, name, f->namelen) == 0 ||
	    msg_startcase(f->name, f->namelen, name));
}

#define ONES	((uint64_t)0x0101010101010101ULL)
#define HIGHS	(ONES * 0x80)

/* A byte of a word: neither a blank, a control nor DEL. */
#define WORD(c)	((unsigned char)(c) > ' ' && (c) != 0x7f)

/*
 * Non-zero when the 8 bytes at p are word bytes and spaces, no two
 * spaces side by side (byte tricks: no byte below 0x20, none equal to
 * 0x7f, and the mask of spaces has no two neighbours).
 */
static int
plain8(const char *p)
{
	uint64_t	 x, t, sp;

	memcpy(&x, p, 8);
	if (((x - ONES * 0x20) & ~x & HIGHS) != 0)
		return 0;
	t = x ^ (ONES * 0x7f);
	if (((t - ONES) & ~t & HIGHS) != 0)
		return 0;
	t = x ^ (ONES * 0x20);
	sp = ~(((t & ~HIGHS) + ~HIGHS) | t | ~HIGHS);
	return (sp & (sp >> 8)) == 0;
}

/*
 * End of the run of words joined by single spaces that starts with the
 * word byte v[i]: msg_unfold() copies such a run as it is.  A space
 * that ends the run belongs to the blanks after it, so is left out.
 */
static size_t
plain_run(const char *v, size_t len, size_t i)
{
	for (;;) {
		while (i + 8 <= len && v[i] != ' ' && plain8(v + i))
			i += 8;
		if (i >= len)
			break;
		if (WORD(v[i]))
			i++;
		else if (v[i] == ' ' && v[i - 1] != ' ' && i + 1 < len &&
		    WORD(v[i + 1]))
			i += 2;
		else
			break;
	}
	if (v[i - 1] == ' ')
		i--;
	return i;
}

char *
msg_unfold(struct arena *a, const char *v, size_t len)
{
	const char	*cs;
	char		*out;
	size_t		 i, o, e;
	int		 space, ctl;

	/* Raw ISO-2022-JP (no encoded words): decoded before unfolding. */
	if (memchr(v, 0x1b, len) != NULL &&
	    (cs = msg_iso2022(v, len)) != NULL &&
	    (v = msg_to_utf8(a, cs, v, len, &len)) == NULL)
		return NULL;
	if ((out = arena_alloc(a, len + 1)) == NULL)
		return NULL;
	o = 0;
	space = ctl = 0;
	i = 0;
	while (i < len) {
		/*
		 * Blanks and controls: one space between words, or one
		 * DEL when the run holds a control byte other than a line
		 * end or a tab, so that msg_addr() can refuse "a\0b@c".
		 */
		while (i < len && !WORD(v[i])) {
			space = 1;
			if ((unsigned char)v[i] < ' ' && v[i] != '\t' &&
			    v[i] != '\r' && v[i] != '\n')
				ctl = 1;
			else if (v[i] == 0x7f)
				ctl = 1;
			i++;
		}
		if (i == len)
			break;
		if (space && o > 0)
			out[o++] = ctl ? 0x7f : ' ';
		space = ctl = 0;
		/* Words and the single spaces between them, as they are. */
		e = plain_run(v, len, i);
		memcpy(out + o, v + i, e - i);
		o += e - i;
		i = e;
	}
	out[o] = '\0';
	return out;
}
