/*
 * prefilter.h - literals a pattern's matches must contain, all found in
 * one pass over a text, so that most patterns need not run at all.
 *
 * A prefilter owns its literals and automaton; pf_add() hands back the
 * ids of one pattern's literals in an array the caller frees.
 */
#ifndef CLASSIFY_PREFILTER_H
#define CLASSIFY_PREFILTER_H

#include <stddef.h>
#include <stdint.h>

struct pf;

/* An empty prefilter; NULL on allocation failure. */
struct pf	*pf_new(void);

/* NULL is a no-op. */
void		 pf_free(struct pf *);

/*
 * Adds the literals of pattern (len bytes, compiled by PCRE2 with
 * PCRE2_CASELESS | PCRE2_UTF and no other option) one of which every
 * match contains: returns their number n > 0 with their ids in *ids
 * (malloc'd, the caller's), 0 when the pattern has no such literals (it
 * must always run), -1 when out of memory.
 */
int		 pf_add(struct pf *, const char *pat, size_t len,
		    uint32_t **ids);

/* Words of the bit set pf_scan() fills (one bit a literal id). */
size_t		 pf_words(const struct pf *);

/*
 * Sets bit id of bits for each literal found in the n bytes at s; every
 * bit when the text holds a character the literals cannot stand for
 * (see prefilter.c).  Builds the automaton first when literals were
 * added since: -1 when out of memory (every bit set), else 0.
 */
int		 pf_scan(struct pf *, const char *s, size_t n,
		    uint64_t *bits);

#endif
