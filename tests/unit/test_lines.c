/*
 * test_lines.c - src/message/lines.c against plain reference loops:
 * case folding of ASCII letters only (not of '@' and '`', '[' and '{'
 * or bytes above 127, which also differ in the 0x20 bit), prefixes and
 * searches at every length around the 16-byte blocks, line ends.
 * Exits non-zero and names each failed check.
 */
#include <stdio.h>
#include <string.h>

#include "message/message.h"

#include "check.h"

static int
ref_lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int
ref_eq(const char *s, const char *t, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (ref_lc((unsigned char)s[i]) != ref_lc((unsigned char)t[i]))
			return 0;
	return 1;
}

static const char *
ref_search(const char *h, size_t hl, const char *nd, size_t nl)
{
	size_t	 i;

	for (i = 0; i + nl <= hl; i++)
		if (ref_eq(h + i, nd, nl))
			return h + i;
	return NULL;
}

/* Every pair of bytes: equal but for case exactly when ASCII letters. */
static void
test_bytes(void)
{
	char	 a[2] = { 0, 0 }, b[2] = { 0, 0 }, w[64];
	int	 x, y;

	for (x = 1; x < 256; x++)
		for (y = 1; y < 256; y++) {
			a[0] = (char)x;
			b[0] = (char)y;
			snprintf(w, sizeof(w), "startcase %02x %02x", x, y);
			check_int(w, msg_startcase(a, 1, b), ref_eq(a, b, 1));
			snprintf(w, sizeof(w), "memcasemem %02x %02x", x, y);
			check_int(w, msg_memcasemem(a, 1, b, 1) != NULL,
			    ref_eq(a, b, 1));
		}
}

static void
test_prefix(void)
{
	static const char *const pre[] = {
		"", "r", "Received:", "RECEIVED: FROM", "received: from mx",
		"x-Failed-Recipients:", "[@`]{", NULL
	};
	const char	*s = "Received: from mx.example.com [@`]{";
	char		 w[96];
	size_t		 len;
	int		 k;

	for (k = 0; pre[k] != NULL; k++)
		for (len = 0; len <= strlen(s); len++) {
			snprintf(w, sizeof(w), "startcase \"%s\" in %zu", pre[k],
			    len);
			check_int(w, msg_startcase(s, len, pre[k]),
			    strlen(pre[k]) <= len && ref_eq(s, pre[k],
			    strlen(pre[k])));
			check_int(w, msg_startcase(s + 15, len > 15 ? len - 15 :
			    0, pre[k]), strlen(pre[k]) <= (len > 15 ? len - 15 :
			    0) && ref_eq(s + 15, pre[k], strlen(pre[k])));
		}
}

/* Needles at every place of haystacks around the block sizes. */
static void
test_search(void)
{
	static const char *const nd[] = {
		"a", "ZZ", "mail delivery", "MAIL@EXAMPLE.COM", "`x", "@X",
		"\xe6\x97\xa0", NULL
	};
	char		 h[80], w[96];
	const char	*got, *want;
	size_t		 hl, at, nl;
	int		 k;

	for (k = 0; nd[k] != NULL; k++) {
		nl = strlen(nd[k]);
		for (hl = 0; hl < sizeof(h); hl++)
			for (at = 0; at + nl <= hl + 1; at++) {
				memset(h, '.', sizeof(h));
				/* The needle in the other case, where it fits. */
				if (at + nl <= hl) {
					size_t j;

					for (j = 0; j < nl; j++)
						h[at + j] = (char)((unsigned char)
						    nd[k][j] ^ (((nd[k][j] | 0x20) >=
						    'a' && (nd[k][j] | 0x20) <= 'z') ?
						    0x20 : 0));
				}
				got = msg_memcasemem(h, hl, nd[k], nl);
				want = ref_search(h, hl, nd[k], nl);
				snprintf(w, sizeof(w), "memcasemem \"%s\" at %zu of "
				    "%zu", nd[k], at, hl);
				check_int(w, got == NULL ? -1 : got - h,
				    want == NULL ? -1 : want - h);
			}
	}
}

static void
test_eol(void)
{
	char	 h[70], w[64];
	size_t	 n, at;

	for (n = 0; n <= sizeof(h); n++)
		for (at = 0; at <= n; at++) {
			memset(h, 'x', sizeof(h));
			if (at < n)
				h[at] = at % 2 ? '\r' : '\n';
			snprintf(w, sizeof(w), "eol at %zu of %zu", at, n);
			check_int(w, (long)msg_eol(h, n), (long)at);
		}
}

/* Lines over LF, CRLF and a bare CR, the last without an ending. */
static void
test_line_next(void)
{
	static const char *const want[] = { "one", "", "two", "three", "four" };
	const char	*t = "one\n\r\ntwo\rthree\r\nfour", *line;
	char		 got[16], w[32];
	size_t		 pos = 0, ll;
	int		 k = 0;

	while (msg_line_next(t, strlen(t), &pos, &line, &ll) && k < 5) {
		snprintf(got, sizeof(got), "%.*s", (int)ll, line);
		snprintf(w, sizeof(w), "line %d", k);
		check_str(w, got, want[k++]);
	}
	check_int("lines", k, 5);
	check_int("end", (long)pos, (long)strlen(t));
}

int
main(void)
{
	test_bytes();
	test_prefix();
	test_search();
	test_eol();
	test_line_next();
	if (failures)
		printf("test_lines: %d failures\n", failures);
	return failures != 0;
}
