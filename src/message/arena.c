/*
 * arena.c - a bump allocator: one per message, freed all at once.
 *
 * Blocks grow geometrically; a request larger than a block gets a block
 * of its own.  The arena owns every pointer it returns; arena_reset()
 * keeps the first block so a reader can reuse it message after message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "message/message.h"

#define ARENA_FIRST	16384
#define ARENA_ALIGN	16

struct block {
	struct block	*next;
	size_t		 size, used;
	/* data follows, aligned */
};

struct arena {
	struct block	*head;		/* current block, newest first */
	size_t		 nextsize;
};

#define HDRSZ	((sizeof(struct block) + ARENA_ALIGN - 1) & \
		    ~(size_t)(ARENA_ALIGN - 1))

struct arena *
arena_new(void)
{
	struct arena	*a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->nextsize = ARENA_FIRST;
	return a;
}

void
arena_free(struct arena *a)
{
	struct block	*b, *n;

	if (a == NULL)
		return;
	for (b = a->head; b != NULL; b = n) {
		n = b->next;
		free(b);
	}
	free(a);
}

void
arena_reset(struct arena *a)
{
	struct block	*b, *n;

	if (a == NULL || a->head == NULL)
		return;
	/* Keep the oldest block, which is the last in the list. */
	for (b = a->head; b->next != NULL; b = n) {
		n = b->next;
		free(b);
	}
	b->used = 0;
	a->head = b;
}

size_t
arena_size(const struct arena *a)
{
	const struct block	*b;
	size_t			 n = 0;

	for (b = a != NULL ? a->head : NULL; b != NULL; b = b->next)
		n += b->size;
	return n;
}

/*
 * A new block for a request of n bytes (rounded) that the current one
 * cannot hold: the slow path of arena_alloc(), kept out of line so
 * that the common case saves no registers.
 */
static __attribute__((noinline)) void *
arena_grow(struct arena *a, size_t n)
{
	struct block	*b;
	size_t		 size;

	size = a->nextsize;
	if (size < n)
		size = n;
	if ((b = malloc(HDRSZ + size)) == NULL)
		return NULL;
	b->size = size;
	b->used = n;
	b->next = a->head;
	a->head = b;
	if (a->nextsize < ((size_t)1 << 24))
		a->nextsize *= 2;
	return (char *)b + HDRSZ;
}

/*
 * arena_alloc() and arena_strndup() are inline (external definitions all
 * the same: message.h declares them without): with -flto the callers in
 * the other files get their fast path in place of a call, which cost
 * about as much.
 */
inline __attribute__((always_inline)) void *
arena_alloc(struct arena *a, size_t n)
{
	struct block	*b;

	if (n > SIZE_MAX / 2)
		return NULL;
	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (n == 0)
		n = ARENA_ALIGN;
	b = a->head;
	if (b == NULL || b->size - b->used < n)
		return arena_grow(a, n);
	b->used += n;
	return (char *)b + HDRSZ + b->used - n;
}

inline __attribute__((always_inline)) char *
arena_strndup(struct arena *a, const char *s, size_t len)
{
	char	*p;

	if (len == SIZE_MAX || (p = arena_alloc(a, len + 1)) == NULL)
		return NULL;
	if (len > 0)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}
