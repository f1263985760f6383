/*
 * decode.c - Content-Transfer-Encoding decoders: base64, quoted-printable.
 *
 * Both write into a caller's buffer at least as long as the input (the
 * output is never longer) and never fail: bad base64 characters are
 * skipped, bad QP escapes are kept as they are.  No allocation here.
 */
#include <string.h>

#include "message/message.h"

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Flushes a partial quantum of n sextets (2 or 3) held in acc. */
static size_t
b64tail(unsigned long acc, int n, char *out)
{
	if (n == 2) {
		out[0] = (char)((acc >> 4) & 0xff);
		return 1;
	}
	if (n == 3) {
		out[0] = (char)((acc >> 10) & 0xff);
		out[1] = (char)((acc >> 2) & 0xff);
		return 2;
	}
	return 0;
}

size_t
msg_base64_decode(const char *in, size_t len, char *out)
{
	unsigned long	 acc = 0;
	size_t		 i, o = 0;
	int		 n = 0, v;

	for (i = 0; i < len; i++) {
		if (in[i] == '=') {
			/* Padding ends a quantum; a new one may follow. */
			o += b64tail(acc, n, out + o);
			n = 0;
			acc = 0;
			continue;
		}
		if ((v = b64val((unsigned char)in[i])) < 0)
			continue;
		acc = (acc << 6) | (unsigned long)v;
		if (++n == 4) {
			out[o++] = (char)((acc >> 16) & 0xff);
			out[o++] = (char)((acc >> 8) & 0xff);
			out[o++] = (char)(acc & 0xff);
			n = 0;
			acc = 0;
		}
	}
	o += b64tail(acc, n, out + o);
	return o;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t
msg_qp_decode(const char *in, size_t len, char *out, int q)
{
	const char	*eq;
	size_t		 i, o = 0, j, e;
	int		 h, l;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (q && c == '_') {
			out[o++] = ' ';
			continue;
		}
		if (c != '=') {
			if (q) {
				out[o++] = (char)c;
				continue;
			}
			/* Body QP: the bytes up to the next '=' at once. */
			eq = memchr(in + i, '=', len - i);
			e = eq != NULL ? (size_t)(eq - in) : len;
			memcpy(out + o, in + i, e - i);
			o += e - i;
			i = e - 1;
			continue;
		}
		if (i + 2 < len &&
		    (h = hexval((unsigned char)in[i + 1])) >= 0 &&
		    (l = hexval((unsigned char)in[i + 2])) >= 0) {
			out[o++] = (char)(h * 16 + l);
			i += 2;
			continue;
		}
		/* A soft line break: '=', optional blanks, line ending. */
		for (j = i + 1; j < len && (in[j] == ' ' || in[j] == '\t'); j++)
			;
		if (j >= len) {
			i = j;
			continue;
		}
		if (in[j] == '\r' || in[j] == '\n') {
			if (in[j] == '\r' && j + 1 < len && in[j + 1] == '\n')
				j++;
			i = j;
			continue;
		}
		out[o++] = (char)c;
	}
	return o;
}
