/*
 * test_prefilter.c - unit tests of src/classify/prefilter.c.
 *
 * The prefilter may only skip a pattern that cannot match: checked on
 * random patterns and texts against PCRE2 itself, on the default rules
 * (data/rules.json, read from the top of the tree, where make check
 * runs), and on the case folding PCRE2 applies beyond ASCII.  Exit 0
 * when every check passes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <jansson.h>

#include "classify/prefilter.h"
#include "output/recutf8.h"

#define FLAGS	(PCRE2_CASELESS | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF)

static int	 failures;

#define CHECK(c) do { if (!(c)) { failures++;				\
	fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #c); } \
	} while (0)

static pcre2_code *
compile(const char *pat, size_t len)
{
	PCRE2_SIZE	 off;
	int		 ec;

	return pcre2_compile((PCRE2_SPTR)pat, len, FLAGS, &ec, &off, NULL);
}

/* 1 when any of the n ids is set in bits. */
static int
any(const uint64_t *bits, const uint32_t *ids, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (bits[ids[i] / 64] & (uint64_t)1 << (ids[i] % 64))
			return 1;
	return 0;
}

/*
 * Whether the prefilter lets pattern pat skip text s wrongly (PCRE2
 * matches, no literal found): 1 for such a miss.
 */
static int
miss(struct pf *pf, pcre2_code *re, const uint32_t *ids, int n,
    const char *s, size_t len, pcre2_match_data *md)
{
	uint64_t	*bits;
	int		 rc, bad;

	if (n <= 0)
		return 0;
	if ((bits = calloc(pf_words(pf), sizeof(*bits))) == NULL)
		return 1;
	pf_scan(pf, s, len, bits);
	rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, NULL);
	bad = rc >= 0 && !any(bits, ids, n);
	free(bits);
	return bad;
}

/* Number of literals pf_add() finds in pat (0 none), in a fresh set. */
static int
nlits(const char *pat)
{
	struct pf	*pf = pf_new();
	uint32_t	*ids;
	int		 n;

	n = pf_add(pf, pat, strlen(pat), &ids);
	free(ids);
	pf_free(pf);
	return n;
}

static void
test_extract(void)
{
	CHECK(nlits("user unknown") == 1);
	CHECK(nlits("user unknown|no such user|(bad|invalid) user") == 3);
	CHECK(nlits("mailbox (is )?full") == 1);
	CHECK(nlits("(a|b)?c") == 1);
	CHECK(nlits("\\S") == 0);
	CHECK(nlits("^(\\w+\\s?)*$") == 0);
	CHECK(nlits("foo|\\d+") == 0);
	CHECK(nlits("(?i)foo") == 0);		/* options: gives up */
	CHECK(nlits("(?x) f o o") == 0);
	CHECK(nlits("\\Qa.b\\E") == 0);
	CHECK(nlits("a{2,}b") == 1);
	CHECK(nlits("a{x}") == 0);
	CHECK(nlits("(*UTF)abc") == 0);
	CHECK(nlits("\xe3\x83\x87\xe3\x82\xa3\xe3\x83\xac") == 1);
	CHECK(nlits("caf\xc3\xa9") == 1);	/* "caf" */
	CHECK(nlits("\xc3\xa9") == 0);
}

/* Random patterns and texts: PCRE2 matching means a literal was found. */
static void
test_random(void)
{
	static const char *const atoms[] = {
		"a", "b", "ab", "ba", "A", "K", "s", "S", "k", " ", ".",
		"[ab]", "[^a]", "\\b", "\\s", "\\w", "\\.", "^", "$", "\xc3\xa9",
		"\xe3\x83\x87", "x"
	};
	static const char *const quants[] = {
		"", "", "", "?", "*", "+", "{2}", "{0,2}", "{1,}", "??", "+?",
		"{,2}"
	};
	static const char *const texts[] = {
		"a", "b", "ab", "aab", "ba b", "A B", "xk", "\xe2\x84\xaa",
		"s\xc5\xbf", "\xc5\xbf", "a.b", "\xc3\xa9\xc3\x89",
		"\xe3\x83\x87\xe3\x83\x87", "xx", "k K", "aXb", "ab\xff" "ab"
	};
	pcre2_match_data	*md = pcre2_match_data_create(4, NULL);
	char			 pat[256], text[64];
	size_t			 len;
	uint32_t		*ids;
	pcre2_code		*re;
	struct pf		*pf;
	int			 i, j, k, n, depth, bad = 0, tried = 0;
	unsigned		 seed = 12345;

#define RND(m)	((seed = seed * 1103515245 + 12345) >> 16) % (m)
	for (i = 0; i < 20000 && bad < 5; i++) {
		pat[0] = '\0';
		depth = 0;
		for (j = RND(6) + 1; j > 0; j--) {
			k = RND(10);
			if (k == 0 && depth < 3) {
				strcat(pat, RND(3) == 0 ? "(?:" : RND(5) == 0 ?
				    "(?=" : "(");
				depth++;
				continue;
			}
			if (k == 1 && depth > 0) {
				strcat(pat, ")");
				strcat(pat, quants[RND(12)]);
				depth--;
				continue;
			}
			if (k == 2) {
				strcat(pat, "|");
				continue;
			}
			strcat(pat, atoms[RND(sizeof(atoms) /
			    sizeof(atoms[0]))]);
			strcat(pat, quants[RND(12)]);
		}
		while (depth-- > 0)
			strcat(pat, ")");
		if ((re = compile(pat, strlen(pat))) == NULL)
			continue;
		pf = pf_new();
		n = pf_add(pf, pat, strlen(pat), &ids);
		for (j = 0; j < 40 && n > 0; j++) {
			text[0] = '\0';
			for (k = RND(4) + 1; k > 0; k--)
				strcat(text, texts[RND(sizeof(texts) /
				    sizeof(texts[0]))]);
			len = strlen(text);
			tried++;
			if (miss(pf, re, ids, n, text, len, md)) {
				fprintf(stderr, "miss: /%s/ on \"%s\"\n", pat,
				    text);
				bad++;
				break;
			}
		}
		free(ids);
		pf_free(pf);
		pcre2_code_free(re);
	}
#undef RND
	CHECK(bad == 0);
	CHECK(tried > 100000);
	pcre2_match_data_free(md);
}

/* Each built-in pattern against texts made of the patterns' words. */
static void
test_builtin(void)
{
	pcre2_match_data	*md = pcre2_match_data_create(4, NULL);
	json_t			*root, *rules, *when, *v;
	const char		*k, *pat;
	struct pf		*pf = pf_new();
	pcre2_code		*re;
	uint32_t		*ids;
	char			 text[600];
	size_t			 i, j;
	int			 n, with = 0, total = 0, bad = 0;

	/* make check runs from the top of the tree. */
	root = json_load_file("data/rules.json", 0, NULL);
	rules = json_object_get(root, "rules");
	CHECK(json_array_size(rules) > 100);
	for (i = 0; i < json_array_size(rules); i++) {
		when = json_object_get(json_array_get(rules, i), "when");
		json_object_foreach(when, k, v) {
			if ((pat = json_string_value(json_object_get(v,
			    "re"))) == NULL)
				continue;
			total++;
			re = compile(pat, strlen(pat));
			CHECK(re != NULL);
			n = pf_add(pf, pat, strlen(pat), &ids);
			with += n > 0;
			/* The pattern's own text, cut in places. */
			for (j = 0; re != NULL && j < strlen(pat) &&
			    j < 200; j += 7) {
				snprintf(text, sizeof(text), "550 5.1.1 %s "
				    "in reply to RCPT TO %s", pat + j, pat);
				bad += miss(pf, re, ids, n, text,
				    strlen(text), md);
			}
			free(ids);
			pcre2_code_free(re);
		}
	}
	CHECK(bad == 0);
	/* Nearly every built-in pattern has literals to look for. */
	CHECK(with * 10 >= total * 9);
	json_decref(root);
	pf_free(pf);
	pcre2_match_data_free(md);
}

/*
 * What prefilter.c assumes of PCRE2's caseless matching: no non-ASCII
 * character matches an ASCII one but U+212A (k) and U+017F (s), and
 * the CJK, kana and Hangul it takes as literals match only themselves.
 */
static void
test_folding(void)
{
	static const char ascii[] = "[\\x20-\\x4a\\x4c-\\x52\\x54-\\x6a"
	    "\\x6c-\\x72\\x74-\\x7e]";
	static const char cjk[] = "[\\x{3000}-\\x{30ff}\\x{3400}-\\x{4dbf}"
	    "\\x{4e00}-\\x{9fff}\\x{ac00}-\\x{d7a3}]";
	pcre2_match_data	*md = pcre2_match_data_create(4, NULL);
	pcre2_code		*a, *c, *k, *s;
	char			 buf[4];
	unsigned		 cp;
	size_t			 n;
	int			 bad = 0;

	a = compile(ascii, strlen(ascii));
	c = compile(cjk, strlen(cjk));
	k = compile("k", 1);
	s = compile("s", 1);
	CHECK(a != NULL && c != NULL && k != NULL && s != NULL);
	if (a == NULL || c == NULL || k == NULL || s == NULL)
		return;
	pcre2_jit_compile(a, PCRE2_JIT_COMPLETE);
	pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
	for (cp = 0x80; cp < 0x110000; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		n = recutf8_put(buf, cp);
		if (pcre2_match(a, (PCRE2_SPTR)buf, n, 0, 0, md, NULL) >= 0)
			bad++;
		if (!((cp >= 0x3000 && cp <= 0x30ff) ||
		    (cp >= 0x3400 && cp <= 0x4dbf) ||
		    (cp >= 0x4e00 && cp <= 0x9fff) ||
		    (cp >= 0xac00 && cp <= 0xd7a3)) &&
		    pcre2_match(c, (PCRE2_SPTR)buf, n, 0, 0, md, NULL) >= 0)
			bad++;
	}
	CHECK(bad == 0);
	CHECK(pcre2_match(k, (PCRE2_SPTR)"\xe2\x84\xaa", 3, 0, 0, md,
	    NULL) >= 0);
	CHECK(pcre2_match(s, (PCRE2_SPTR)"\xc5\xbf", 2, 0, 0, md,
	    NULL) >= 0);
	pcre2_code_free(a);
	pcre2_code_free(c);
	pcre2_code_free(k);
	pcre2_code_free(s);
	pcre2_match_data_free(md);
}

int
main(void)
{
	test_extract();
	test_random();
	test_builtin();
	test_folding();
	if (failures)
		fprintf(stderr, "test_prefilter: %d failed\n", failures);
	return failures != 0;
}
