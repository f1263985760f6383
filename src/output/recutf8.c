/*
 * recutf8.c - UTF-8 validation and repair for src/output/.
 *
 * Jansson refuses strings that are not valid UTF-8 (and a refused value
 * silently drops its key), so every string the readers and writers hand
 * on goes through here first.  recutf8_repair() returns a new string the
 * caller frees.
 */
#include <stdlib.h>
#include <string.h>

#include "recutf8.h"

/*
 * The first byte gives the length; the second byte's range rules out
 * the overlong forms (after 0xe0, 0xf0), the surrogates (after 0xed) and
 * the code points past U+10FFFF (after 0xf4), so no code point is built.
 */
size_t
recutf8_seq(const unsigned char *s, size_t n)
{
	unsigned int	 c = s[0], lo = 0x80, hi = 0xbf;
	size_t		 len;

	if (c < 0x80)
		return c != 0;
	if (c < 0xc2 || c > 0xf4)
		return 0;
	len = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (n < len)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	if (len > 2 && (s[2] & 0xc0) != 0x80)
		return 0;
	if (len > 3 && (s[3] & 0xc0) != 0x80)
		return 0;
	return len;
}

int
recutf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (p[i] >= 0x01 && p[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = recutf8_seq(p + i, n - i)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

char *
recutf8_repair(const char *s, size_t n, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out, *o;
	size_t i = 0, k;

	/* Each bad byte becomes three bytes at most. */
	if (n > ((size_t)-1 - 1) / 3 || (out = malloc(n * 3 + 1)) == NULL)
		return NULL;
	o = out;
	while (i < n) {
		if ((k = recutf8_seq(p + i, n - i)) == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(o, p + i, k);
		o += k;
		i += k;
	}
	*o = '\0';
	if (outlen != NULL)
		*outlen = (size_t)(o - out);
	return out;
}

size_t
recutf8_put(char *o, unsigned c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xc0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xe0 | c >> 12);
		o[1] = (char)(0x80 | (c >> 6 & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | c >> 18);
	o[1] = (char)(0x80 | (c >> 12 & 0x3f));
	o[2] = (char)(0x80 | (c >> 6 & 0x3f));
	o[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}
