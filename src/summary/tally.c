/*
 * tally.c - string-keyed counters: open addressing, FNV-1a, capped.
 *
 * Keys are copied in; entries are allocated once each and freed by
 * tally_free().  The table doubles while under its key limit; past the
 * limit new keys share the "(other)" entry instead of growing memory.
 */
#include <stdlib.h>
#include <string.h>

#include "summary/tally.h"

struct tally {
	struct tally_ent	**slot;
	size_t			  cap;		/* power of two */
	size_t			  len;
	size_t			  max;
	size_t			  width;
	struct tally_ent	 *other;
};

static uint64_t
hash(const char *s)
{
	uint64_t	 h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static struct tally_ent *
ent_new(const struct tally *t, const char *key)
{
	struct tally_ent	*e;

	e = calloc(1, sizeof(*e) + t->width * sizeof(e->n[0]));
	if (e == NULL)
		return NULL;
	if ((e->key = strdup(key)) == NULL) {
		free(e);
		return NULL;
	}
	return e;
}

struct tally *
tally_new(size_t width, size_t maxkeys)
{
	struct tally	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->cap = 64;
	t->width = width;
	t->max = maxkeys < 1 ? 1 : maxkeys;
	if ((t->slot = calloc(t->cap, sizeof(t->slot[0]))) == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

static void
ent_free(struct tally_ent *e)
{
	if (e == NULL)
		return;
	free(e->key);
	free(e->example);
	free(e);
}

void
tally_free(struct tally *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->cap; i++)
		ent_free(t->slot[i]);
	ent_free(t->other);
	free(t->slot);
	free(t);
}

static size_t
probe(struct tally_ent **slot, size_t cap, const char *key)
{
	size_t	 i;

	i = (size_t)hash(key) & (cap - 1);
	while (slot[i] != NULL && strcmp(slot[i]->key, key) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

static int
grow(struct tally *t)
{
	struct tally_ent	**ns;
	size_t			  ncap, i;

	ncap = t->cap * 2;
	if ((ns = calloc(ncap, sizeof(ns[0]))) == NULL)
		return -1;
	for (i = 0; i < t->cap; i++)
		if (t->slot[i] != NULL)
			ns[probe(ns, ncap, t->slot[i]->key)] = t->slot[i];
	free(t->slot);
	t->slot = ns;
	t->cap = ncap;
	return 0;
}

struct tally_ent *
tally_find(const struct tally *t, const char *key)
{
	size_t	 i;

	if (strcmp(key, TALLY_OTHER) == 0)
		return t->other;
	i = probe(t->slot, t->cap, key);
	return t->slot[i];
}

struct tally_ent *
tally_get(struct tally *t, const char *key)
{
	size_t	 i;

	if (strcmp(key, TALLY_OTHER) == 0)
		goto other;
	i = probe(t->slot, t->cap, key);
	if (t->slot[i] != NULL)
		return t->slot[i];
	if (t->len >= t->max)
		goto other;
	if ((t->len + 1) * 2 > t->cap) {
		if (grow(t) == -1)
			return NULL;
		i = probe(t->slot, t->cap, key);
	}
	if ((t->slot[i] = ent_new(t, key)) == NULL)
		return NULL;
	t->len++;
	return t->slot[i];
other:
	if (t->other == NULL)
		t->other = ent_new(t, TALLY_OTHER);
	return t->other;
}

int
tally_example(struct tally_ent *e, const char *s, size_t maxlen)
{
	size_t	 len;

	if (e->example != NULL || s == NULL || *s == '\0')
		return 0;
	len = strlen(s);
	if (len > maxlen) {
		len = maxlen;
		/* Back up to the start of a UTF-8 sequence. */
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	if ((e->example = malloc(len + 1)) == NULL)
		return -1;
	memcpy(e->example, s, len);
	e->example[len] = '\0';
	return 0;
}

size_t
tally_count(const struct tally *t)
{
	return t->len + (t->other != NULL);
}

int
tally_full(const struct tally *t)
{
	return t->other != NULL;
}

struct tally_ent **
tally_sorted(const struct tally *t, int (*cmp)(const void *, const void *),
    size_t *n)
{
	struct tally_ent	**v;
	size_t			  i, k = 0;

	*n = 0;
	if (tally_count(t) == 0)
		return NULL;
	if ((v = malloc(tally_count(t) * sizeof(v[0]))) == NULL)
		return NULL;
	for (i = 0; i < t->cap; i++)
		if (t->slot[i] != NULL)
			v[k++] = t->slot[i];
	if (t->other != NULL)
		v[k++] = t->other;
	qsort(v, k, sizeof(v[0]), cmp);
	*n = k;
	return v;
}
