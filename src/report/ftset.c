/*
 * ftset.c - phrase sets (freetext.h): many phrases looked for in one
 * pass over a line instead of one msg_memcasemem() pass per phrase,
 * which costs little per byte but much per call on short lines.  The
 * set indexes its phrases by their first two bytes; it holds pointers
 * to the caller's phrases and allocates nothing.
 */
#include <string.h>

#include "report/freetext.h"

/*
 * Bucket of two adjacent bytes: their five low bits, the same for both
 * cases of a letter, so that two letters have a bucket of their own
 * (fewer phrases compared for nothing than with a smaller table).
 */
static unsigned
bucket(unsigned char a, unsigned char b)
{
	return (unsigned)(a & 0x1f) << 5 | (unsigned)(b & 0x1f);
}

int
ft_set_init(struct ft_set *set, const char *const *phrases)
{
	size_t	 n;
	unsigned h;
	int	 k, last[1024];

	memset(set->head, 0xff, sizeof(set->head));
	memset(set->lead, 0, sizeof(set->lead));
	set->v = phrases;
	for (k = 0; phrases[k] != NULL; k++) {
		n = strlen(phrases[k]);
		if (k >= FT_SETMAX || n < 2 || n > 255)
			return -1;
		set->len[k] = (unsigned char)n;
		set->next[k] = FT_SETEND;
		/* Kept in list order within a bucket. */
		h = bucket((unsigned char)phrases[k][0],
		    (unsigned char)phrases[k][1]);
		if (set->head[h] == FT_SETEND)
			set->head[h] = (unsigned char)k;
		else
			set->next[last[h]] = (unsigned char)k;
		last[h] = k;
		/* Both bytes that fold to the first one, as bucket() does. */
		h = (unsigned char)phrases[k][0] | 0x20;
		set->lead[h] = set->lead[h & ~0x20u] = 1;
	}
	return 0;
}

/* 1 when s[0..n) starts with p[0..pl), but for the case of letters. */
static int
starts(const char *s, size_t n, const char *p, size_t pl)
{
	size_t	 i;
	unsigned char a, b;

	if (pl > n)
		return 0;
	for (i = 0; i < pl; i++) {
		a = (unsigned char)s[i];
		b = (unsigned char)p[i];
		if (a != b && ((a ^ b) != 0x20 || (a | 0x20) < 'a' ||
		    (a | 0x20) > 'z'))
			return 0;
	}
	return 1;
}

int
ft_set_next(const struct ft_set *set, const char *s, size_t n,
    struct ft_match *m)
{
	size_t		 i = m->at;
	unsigned	 k;

	/* After a match: the phrases after it in its bucket first. */
	if (m->k >= 0)
		k = set->next[m->k];
	else
		k = i + 1 < n ? set->head[bucket((unsigned char)s[i],
		    (unsigned char)s[i + 1])] : FT_SETEND;
	for (;;) {
		for (; k != FT_SETEND; k = set->next[k])
			if (starts(s + i, n - i, set->v[k], set->len[k])) {
				m->at = i;
				m->k = (int)k;
				return 1;
			}
		/*
		 * The next place whose two bytes some phrase opens with;
		 * the first byte alone rules out most places, cheaper
		 * than the bucket of two.
		 */
		do {
			if (++i + 1 >= n)
				return 0;
		} while (!set->lead[(unsigned char)s[i]] ||
		    (k = set->head[bucket((unsigned char)s[i],
		    (unsigned char)s[i + 1])]) == FT_SETEND);
	}
}

int
ft_set_any(const struct ft_set *set, const char *s, size_t n)
{
	struct ft_match	 m = { 0, -1 };

	return ft_set_next(set, s, n, &m);
}
