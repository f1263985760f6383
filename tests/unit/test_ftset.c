/*
 * test_ftset.c - phrase sets (src/report/ftset.c) against the search
 * they replace: every place of every phrase, in the order of places and
 * then of the list, any case; lists the set cannot hold are refused.
 * Exits non-zero and names each failed check.
 */
#include <stdio.h>
#include <string.h>

#include "report/freetext.h"

#include "check.h"

/* The places msg_memcasemem() finds, one phrase at each, in order. */
static void
same_as_search(const char *what, const char *const *ph, const char *s)
{
	struct ft_set	 set;
	struct ft_match	 m = { 0, -1 };
	size_t		 n = strlen(s), at;
	char		 w[128];
	int		 k, found = 0;

	check_int(what, ft_set_init(&set, ph), 0);
	for (at = 0; at + 1 < n; at++)
		for (k = 0; ph[k] != NULL; k++) {
			if (msg_memcasemem(s + at, n - at, ph[k],
			    strlen(ph[k])) != s + at)
				continue;
			snprintf(w, sizeof(w), "%s: phrase %d at %zu", what, k,
			    at);
			check_int(w, ft_set_next(&set, s, n, &m), 1);
			check_int(w, (long)m.at, (long)at);
			check_str(w, m.k >= 0 ? ph[m.k] : NULL, ph[k]);
			found++;
		}
	check_int(what, ft_set_next(&set, s, n, &m), 0);
	check_int(what, ft_set_any(&set, s, n), found > 0);
}

int
main(void)
{
	static const char *const fail[] = {
		"not deliver", "no such", "not", "UNKNOWN", "nn", "n'", NULL
	};
	static const char *const odd[] = {
		"@x", "`x", "\xe6\x97\xa0\xe6\xb3\x95", "--", NULL
	};
	static const char *const one[] = { "ab", "c", NULL };
	struct ft_set	 set;
	const char	*many[FT_SETMAX + 2];
	int		 i;

	same_as_search("fail", fail, "Could NOT be delivered: No Such user "
	    "(unknown); could not deliver, nnn n'");
	same_as_search("none", fail, "all went well");
	same_as_search("short", fail, "n");
	same_as_search("empty", fail, "");
	/* '@' and '`' differ only in the case bit; they are not letters. */
	same_as_search("odd", odd, "@X `x @x -- --- \xe6\x97\xa0\xe6\xb3\x95");
	check_int("one byte phrase", ft_set_init(&set, one), -1);
	for (i = 0; i < FT_SETMAX + 1; i++)
		many[i] = "ab";
	many[FT_SETMAX + 1] = NULL;
	check_int("too many phrases", ft_set_init(&set, many), -1);
	many[FT_SETMAX] = NULL;
	check_int("FT_SETMAX phrases", ft_set_init(&set, many), 0);
	if (failures)
		printf("test_ftset: %d failures\n", failures);
	return failures != 0;
}
