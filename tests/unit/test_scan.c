/*
 * test_scan.c - the wide scans of src/message/ against plain reference
 * loops, at lengths on both sides of their 16, 32, 64 and 128-byte
 * blocks: case-blind search in long texts, the unfolding of a value
 * (copied while it is checked), field values over long and folded
 * lines, and multipart delimiters after long stretches of text.  Exits
 * non-zero and names each failed check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsn/record.h"
#include "message/message.h"

#include "check.h"

static int
ref_lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static const char *
ref_search(const char *h, size_t hl, const char *nd, size_t nl)
{
	size_t	 i, j;

	for (i = 0; i + nl <= hl; i++) {
		for (j = 0; j < nl; j++)
			if (ref_lc((unsigned char)h[i + j]) !=
			    ref_lc((unsigned char)nd[j]))
				break;
		if (j == nl)
			return h + i;
	}
	return NULL;
}

/*
 * Needles at every place of haystacks up to 300 bytes, with near misses
 * (first and last byte right, a middle one wrong) before them.
 */
static void
test_search_long(void)
{
	static const char *const nd[] = { "Ab", "status:", "X-Mailer", NULL };
	char		 h[300], w[96];
	const char	*got, *want;
	size_t		 hl, at, nl, j;
	int		 k;

	for (k = 0; nd[k] != NULL; k++) {
		nl = strlen(nd[k]);
		for (hl = 60; hl < sizeof(h); hl += 7)
			for (at = 0; at + nl <= hl + 1; at++) {
				memset(h, 'q', sizeof(h));
				/* A near miss every 40 bytes. */
				for (j = 0; j + nl <= hl; j += 40) {
					memcpy(h + j, nd[k], nl);
					if (nl > 2)
						h[j + 1] = '#';
					else
						h[j + nl - 1] = '#';
				}
				if (at + nl <= hl)
					for (j = 0; j < nl; j++)
						h[at + j] = (char)(j % 2 ?
						    ref_lc(nd[k][j]) :
						    nd[k][j]);
				got = msg_memcasemem(h, hl, nd[k], nl);
				want = ref_search(h, hl, nd[k], nl);
				snprintf(w, sizeof(w), "memcasemem \"%s\" at %zu "
				    "of %zu", nd[k], at, hl);
				check_int(w, got == NULL ? -1 : got - h,
				    want == NULL ? -1 : want - h);
			}
	}
}

/* A byte of a word: neither a blank, a control nor DEL. */
static int
ref_word(int c)
{
	return c > ' ' && c != 0x7f;
}

/*
 * msg_unfold() the plain way: words joined by one space, or by one DEL
 * when the blanks between them hold a control byte other than a tab or
 * a line end.
 */
static void
ref_unfold(const char *v, size_t len, char *out)
{
	size_t	 i = 0, o = 0;
	int	 gap, ctl;

	while (i < len) {
		gap = ctl = 0;
		for (; i < len && !ref_word((unsigned char)v[i]); i++) {
			gap = 1;
			if (((unsigned char)v[i] < ' ' && v[i] != '\t' &&
			    v[i] != '\r' && v[i] != '\n') || v[i] == 0x7f)
				ctl = 1;
		}
		if (i == len)
			break;
		if (gap && o > 0)
			out[o++] = ctl ? 0x7f : ' ';
		for (; i < len && ref_word((unsigned char)v[i]); i++)
			out[o++] = v[i];
	}
	out[o] = '\0';
}

/*
 * Values of every length to 70 with one odd byte (a second space, a
 * control, DEL, a folded line end) at every place, and the same values
 * with a space at either end.
 */
static void
test_unfold_long(void)
{
	static const char	 odd[] = { ' ', '\x01', 0x7f, '\n', '\t', 0 };
	struct arena		*a = arena_new();
	char			 v[80], want[80], w[64];
	const char		*got;
	size_t			 len, at, i, n;
	int			 k, ends;

	for (len = 1; len < 71; len++)
		for (k = 0; k < 6; k++)
			for (at = 0; at < len; at++)
				for (ends = 0; ends < 4; ends++) {
					for (i = 0; i < len; i++)
						v[i] = i % 5 == 4 ? ' ' :
						    (char)('a' + i % 26);
					if (odd[k] != 0)
						v[at] = odd[k];
					if (ends & 1)
						v[0] = ' ';
					if (ends & 2)
						v[len - 1] = ' ';
					ref_unfold(v, len, want);
					got = msg_unfold_len(a, v, len, &n);
					snprintf(w, sizeof(w), "unfold %zu odd %d "
					    "at %zu ends %d", len, k, at, ends);
					check_str(w, got, want);
					check_int(w, (long)n, (long)strlen(want));
				}
	arena_free(a);
}

/*
 * A field whose value has lines of every length to 100, folded once,
 * then one more field: the value ends where the second line does.
 */
static void
test_field_long(void)
{
	static const char *const eol[] = { "\r\n", "\n", "\r", NULL };
	char			 buf[400], w[64];
	struct msg_field	 f;
	size_t			 n1, n2, pos, vl;
	int			 k;

	for (k = 0; eol[k] != NULL; k++)
		for (n1 = 0; n1 < 100; n1 += 3)
			for (n2 = 1; n2 < 100; n2 += 5) {
				pos = 0;
				vl = (size_t)snprintf(buf, sizeof(buf),
				    "X-Long:%.*s%s\t%.*s", (int)n1,
				    "0123456789012345678901234567890123456789"
				    "0123456789012345678901234567890123456789"
				    "01234567890123456789", eol[k], (int)n2,
				    "abcdefghijabcdefghijabcdefghijabcdefghij"
				    "abcdefghijabcdefghijabcdefghijabcdefghij"
				    "abcdefghijabcdefghij") - 7;
				snprintf(buf + 7 + vl, sizeof(buf) - 7 - vl,
				    "%sNext: v%s%s", eol[k], eol[k], eol[k]);
				snprintf(w, sizeof(w), "field %d %zu %zu", k, n1,
				    n2);
				/* The first line of a header is not skipped. */
				check_int(w, msg_field_next(buf, strlen(buf),
				    &pos, &f), 1);
				check_int(w, (long)f.valuelen, (long)vl);
				check_int(w, msg_field_next(buf, strlen(buf),
				    &pos, &f), 1);
				check_int(w, (long)f.namelen, 4);
				check_int(w, (long)f.valuelen, 2);
			}
}

/*
 * Two parts whose first holds text of every length to 300 with dashes
 * in it (single ones, pairs within lines, a pair starting a line): the
 * first part ends just before its delimiter line.
 */
static void
test_delims_long(void)
{
	struct dsn_limits	 lim;
	struct msg		*m;
	char			*buf, *text, w[64], err[64];
	size_t			 tl, i, hl, bl;
	int			 style;

	dsn_limits_default(&lim);
	buf = malloc(1024);
	text = malloc(400);
	for (style = 0; style < 3; style++)
		for (tl = 0; tl < 300; tl++) {
			for (i = 0; i < tl; i++)
				text[i] = i % 37 == 36 ? '\n' : (char)('a' +
				    i % 26);
			for (i = 5; style > 0 && i + 2 < tl; i += 29 +
			    (size_t)style)
				text[i] = '-';
			for (i = 11; style > 1 && i + 2 < tl; i += 53) {
				text[i] = '-';
				text[i + 1] = '-';
			}
			/* A "--" line that is not the delimiter. */
			if (tl > 40 && style == 2)
				memcpy(text + 37, "--bnd", 5);
			hl = (size_t)snprintf(buf, 1024, "Content-Type: "
			    "multipart/mixed; boundary=\"bnd\"\n\n--bnd\n\n");
			memcpy(buf + hl, text, tl);
			bl = hl + tl;
			bl += (size_t)snprintf(buf + bl, 1024 - bl,
			    "\n--bnd\n\nsecond\n--bnd--\n");
			m = msg_parse(buf, bl, &lim, err, sizeof(err));
			snprintf(w, sizeof(w), "delims style %d length %zu",
			    style, tl);
			check_int(w, m != NULL && m->nparts == 3, 1);
			if (m != NULL && m->nparts == 3)
				check_int(w, (long)m->parts[1].bodylen, (long)tl);
			msg_free(m);
		}
	free(text);
	free(buf);
}

int
main(void)
{
	test_search_long();
	test_unfold_long();
	test_field_long();
	test_delims_long();
	if (failures)
		printf("test_scan: %d failures\n", failures);
	return failures != 0;
}
