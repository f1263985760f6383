/*
 * recutf8.h - UTF-8 checks and repair for the record readers and writers.
 *
 * Private to src/output/ (and its unit tests).  Nothing here allocates except
 * recutf8_repair(), whose result the caller frees.
 */
#ifndef RECUTF8_H
#define RECUTF8_H

#include <stddef.h>

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when
 * the bytes there are not one (overlong, surrogate, truncated, > U+10FFFF).
 * NUL counts as invalid.
 */
size_t	recutf8_seq(const unsigned char *s, size_t n);

/* Writes code point c (at most U+10FFFF) at o as UTF-8; its length. */
size_t	recutf8_put(char *o, unsigned c);

/* Non-zero when all n bytes at s are valid UTF-8 without NUL. */
int	recutf8_valid(const char *s, size_t n);

/*
 * Copy of the n bytes at s with every invalid byte replaced by U+FFFD,
 * NUL-terminated, its length in *outlen; NULL on allocation failure.
 */
char	*recutf8_repair(const char *s, size_t n, size_t *outlen);

#endif
