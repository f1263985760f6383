/*
 * addr.c - folding, finding and VERP-decoding subscriber addresses.
 *
 * No allocation: every result is written to a caller buffer.  Case
 * folding is ASCII only; UTF-8 bytes of internationalised addresses are
 * compared as they are.
 */
#include <ctype.h>
#include <string.h>

#include "ledger/addr.h"

/*
 * The address in the len bytes at s, without "<>", spaces and a final
 * dot, copied to out: the domain folded to lower case when fold is set,
 * the local part too when fold is set and case_local is not.
 */
static int
addr_copy(const char *s, size_t len, int fold, int case_local, char *out,
    size_t outlen)
{
	const char	*e = s + len, *at = NULL, *p;
	size_t		 i, n;

	while (s < e && (isspace((unsigned char)*s) || *s == '<'))
		s++;
	while (e > s && (isspace((unsigned char)e[-1]) || e[-1] == '>' ||
	    e[-1] == '.'))
		e--;
	for (p = s; p < e; p++) {
		if (*p == '@')
			at = p;
		else if (isspace((unsigned char)*p) || *p == '<' ||
		    *p == '>' || *p == ',')
			return -1;
	}
	n = (size_t)(e - s);
	if (at == NULL || at == s || at + 1 == e || n + 1 > outlen)
		return -1;
	for (i = 0; i < n; i++) {
		if (fold && (s + i > at || !case_local))
			out[i] = (char)tolower((unsigned char)s[i]);
		else
			out[i] = s[i];
	}
	out[n] = '\0';
	return 0;
}

int
addr_fold(const char *s, size_t len, int case_local, char *out,
    size_t outlen)
{
	return addr_copy(s, len, 1, case_local, out, outlen);
}

int
addr_raw(const char *s, size_t len, char *out, size_t outlen)
{
	return addr_copy(s, len, 0, 1, out, outlen);
}

int
addr_find(const char *s, size_t n, const char **start, size_t *len)
{
	const char	*lt, *gt, *p, *e = s + n, *w;

	if ((lt = memchr(s, '<', n)) != NULL &&
	    (gt = memchr(lt, '>', (size_t)(e - lt))) != NULL &&
	    memchr(lt, '@', (size_t)(gt - lt)) != NULL) {
		*start = lt + 1;
		*len = (size_t)(gt - lt - 1);
		return 0;
	}
	for (p = s; p < e; ) {
		while (p < e && (isspace((unsigned char)*p) || *p == ',' ||
		    *p == ';' || *p == '"'))
			p++;
		for (w = p; p < e && !isspace((unsigned char)*p) &&
		    *p != ',' && *p != ';' && *p != '"'; p++)
			;
		if (p > w && memchr(w, '@', (size_t)(p - w)) != NULL) {
			*start = w;
			*len = (size_t)(p - w);
			return 0;
		}
	}
	return -1;
}

int
addr_verp(const char *bounce_to, char delim, char *out, size_t outlen)
{
	const char	*at, *d, *eq, *s = bounce_to;
	size_t		 ul, dl;

	if (s == NULL)
		return -1;
	while (*s == '<' || isspace((unsigned char)*s))
		s++;
	if ((at = strrchr(s, '@')) == NULL)
		return -1;
	if ((d = memchr(s, delim, (size_t)(at - s))) == NULL)
		return -1;
	d++;
	for (eq = at; eq > d && eq[-1] != '='; eq--)
		;
	if (eq == d)
		return -1;
	ul = (size_t)(eq - 1 - d);
	dl = (size_t)(at - eq);
	if (ul == 0 || dl == 0 || memchr(eq, '.', dl) == NULL ||
	    ul + dl + 2 > outlen)
		return -1;
	memcpy(out, d, ul);
	out[ul] = '@';
	memcpy(out + ul + 1, eq, dl);
	out[ul + 1 + dl] = '\0';
	return 0;
}

int
addr_unroutable(const char *a)
{
	const char	*at = strrchr(a, '@');
	size_t		 n;

	if (at == NULL)
		return 0;
	n = strlen(++at);
	return strcmp(at, "invalid") == 0 ||
	    (n > 8 && strcmp(at + n - 8, ".invalid") == 0);
}
