/*
 * tally.h - a string-keyed table of counters, for dsn-report.
 *
 * Each entry holds a fixed number of 64-bit counters and one example
 * text.  A table never holds more than its key limit: past it, counts go
 * to a single "(other)" entry, so memory stays bounded whatever the
 * input.  The table owns its keys, examples and entries.
 */
#ifndef SUMMARY_TALLY_H
#define SUMMARY_TALLY_H

#include <stddef.h>
#include <stdint.h>

#define TALLY_OTHER	"(other)"

struct tally_ent {
	char		*key;
	char		*example;	/* owned, or NULL */
	uint64_t	 n[];		/* width counters */
};

struct tally;

/* Table of width counters per key, at most maxkeys keys; NULL on ENOMEM. */
struct tally	*tally_new(size_t width, size_t maxkeys);

/* NULL is a no-op. */
void		 tally_free(struct tally *);

/*
 * Entry for key, made with zero counters when new; the "(other)" entry
 * when the table is full.  NULL on allocation failure.
 */
struct tally_ent *tally_get(struct tally *, const char *key);

/* Entry for key or NULL; never inserts. */
struct tally_ent *tally_find(const struct tally *, const char *key);

/*
 * Sets the example of e to the first maxlen bytes of s (cut on a UTF-8
 * boundary) when it has none yet.  0, or -1 on allocation failure.
 */
int		 tally_example(struct tally_ent *, const char *s, size_t maxlen);

/* Keys held (the "(other)" entry included once used). */
size_t		 tally_count(const struct tally *);

/* Non-zero once some key went to "(other)". */
int		 tally_full(const struct tally *);

/*
 * Array of all entries sorted by cmp (qsort comparator over
 * struct tally_ent **); the caller frees the array, not the entries,
 * which stay the table's.  *n is set to its length.  NULL on ENOMEM or
 * when the table is empty (then *n is 0).
 */
struct tally_ent **tally_sorted(const struct tally *,
		    int (*cmp)(const void *, const void *), size_t *n);

#endif
