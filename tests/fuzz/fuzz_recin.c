/*
 * fuzz_recin.c - libFuzzer harness for the record readers (JSON Lines
 * and CSV) of dsn-classify, dsn-prune and dsn-report.
 *
 * Reads every record of the input through a memory FILE and writes
 * each back as JSON Lines, which must parse.  The first line alone must
 * also read as Jansson reads it (recin has a reader of its own for flat
 * objects): the same record, with \u0000 as U+FFFD.  Objects are
 * released with json_decref.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dsn/recin.h"
#include "dsn/record.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Jansson's string w with each NUL as U+FFFD is the string g. */
static int
same_string(json_t *g, json_t *w)
{
	const char	*ws = json_string_value(w), *gs = json_string_value(g);
	size_t		 wn = json_string_length(w), gn = json_string_length(g);
	size_t		 i, o = 0;

	for (i = 0; i < wn; i++) {
		if (ws[i] == '\0') {
			if (o + 3 > gn || memcmp(gs + o, "\xef\xbf\xbd", 3))
				return 0;
			o += 3;
		} else if (o >= gn || gs[o++] != ws[i])
			return 0;
	}
	return o == gn;
}

/* The same members in the same order, with equal values. */
static int
same(json_t *g, json_t *w)
{
	void	*gi = json_object_iter(g), *wi = json_object_iter(w);

	for (; gi != NULL && wi != NULL; gi = json_object_iter_next(g, gi),
	    wi = json_object_iter_next(w, wi)) {
		json_t	*gv = json_object_iter_value(gi);
		json_t	*wv = json_object_iter_value(wi);

		if (strcmp(json_object_iter_key(gi), json_object_iter_key(wi)))
			return 0;
		if (json_is_string(wv) ? !json_is_string(gv) ||
		    !same_string(gv, wv) : !json_equal(gv, wv))
			return 0;
	}
	return gi == NULL && wi == NULL;
}

/* The first line: recin's record is Jansson's, when Jansson reads it. */
static void
first_line(const uint8_t *data, size_t size)
{
	struct dsn_recin	*r;
	const char		*k;
	json_t			*want, *got = NULL, *v;
	FILE			*fp;
	char			 err[256];
	size_t			 n;
	int			 rc, record = 0;

	n = (const uint8_t *)memchr(data, '\n', size) != NULL ?
	    (size_t)((const uint8_t *)memchr(data, '\n', size) - data) : size;
	if (n > 0 && data[n - 1] == '\r')
		n--;
	want = json_loadb((const char *)data, n, JSON_ALLOW_NUL, NULL);
	if (!json_is_object(want) || n == 0) {
		json_decref(want);
		return;
	}
	json_object_foreach(want, k, v) {
		if (dsn_field_lookup(k) >= 0 || strcmp(k, "reason") == 0 ||
		    strcmp(k, "hard_bounce") == 0 || strcmp(k, "rule") == 0 ||
		    strcmp(k, "explain") == 0)
			record = 1;
	}
	if ((fp = fmemopen((void *)(uintptr_t)data, n, "r")) == NULL ||
	    (r = dsn_recin_new(fp)) == NULL)
		abort();
	rc = dsn_recin_next(r, &got, err, sizeof(err));
	if (record ? rc != 1 || !same(got, want) : rc != -1)
		abort();
	json_decref(got);
	json_decref(want);
	dsn_recin_free(r);
	fclose(fp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dsn_recin	*r;
	json_t			*o, *back;
	FILE			*fp;
	char			 err[256], *s;
	int			 rc, n = 0;

	if (size == 0)
		return 0;
	first_line(data, size);
	if ((fp = fmemopen((void *)(uintptr_t)data, size, "r")) == NULL)
		return 0;
	if ((r = dsn_recin_new(fp)) == NULL)
		abort();
	while ((rc = dsn_recin_next(r, &o, err, sizeof(err))) != 0 &&
	    rc != -2 && n++ < 100000) {
		if (rc != 1)
			continue;
		if (!json_is_object(o))
			abort();
		if ((s = json_dumps(o, JSON_COMPACT)) == NULL)
			abort();
		if ((back = json_loads(s, 0, NULL)) == NULL)
			abort();	/* invalid UTF-8 got into a record */
		json_decref(back);
		free(s);
		json_decref(o);
	}
	(void)dsn_recin_line(r);
	dsn_recin_free(r);
	fclose(fp);
	return 0;
}
