/*
 * source.c - dsn_source: one path (file, folder or "-") as a stream of
 * messages.  Folders are walked depth first with a stack of sorted
 * listings (walk.c); each file is read by a reader (reader.c).  The
 * source owns the stack, the current reader and the libmagic handle;
 * messages are borrowed from the reader.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <magic.h>

#include "dsn/source.h"
#include "reader.h"
#include "walk.h"

#define MAX_DEPTH	64	/* nested folders followed with -r */

struct dsn_source {
	int			 flags;
	const struct dsn_limits	*lim;
	void			*magic;		/* magic_t, opened if needed */
	struct reader		*rd;
	struct walk_dir		 stack[MAX_DEPTH];
	int			 depth;		/* frames in use */
	long long		 resume;	/* of the last file closed */
	long			 before;	/* messages before resume */
	void			(*done)(const char *, void *);
	void			*done_arg;
};

struct dsn_source *
dsn_source_open(const char *path, int flags, const struct dsn_limits *lim,
    char *err, size_t errlen)
{
	return dsn_source_open_at(path, flags, 0, 0, lim, err, errlen);
}

struct dsn_source *
dsn_source_open_at(const char *path, int flags, long long from,
    long before, const struct dsn_limits *lim, char *err, size_t errlen)
{
	struct dsn_source *s;
	struct stat st;

	if (strcmp(path, "-") != 0 && stat(path, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	s->flags = flags;
	s->lim = lim;
	s->resume = -1;
	if (from > 0 && (strcmp(path, "-") == 0 || S_ISDIR(st.st_mode))) {
		snprintf(err, errlen, "%s: cannot start at an offset: not a "
		    "file", path);
		dsn_source_close(s);
		return NULL;
	}
	if (strcmp(path, "-") != 0 && S_ISDIR(st.st_mode)) {
		if (walk_dir_list(path, flags, &s->stack[0], err,
		    errlen) == -1) {
			dsn_source_close(s);
			return NULL;
		}
		s->depth = 1;
		return s;
	}
	if ((s->rd = reader_open_at(path, from, before, lim, &s->magic, err,
	    errlen)) == NULL) {
		dsn_source_close(s);
		return NULL;
	}
	return s;
}

/*
 * Moves to the next file of the walk: 1 with a reader open, 0 when the
 * walk is over, -1 with err set for a file or folder that failed (the
 * walk goes on at the next call).
 */
static int
next_file(struct dsn_source *s, char *err, size_t errlen)
{
	struct walk_dir *top;
	struct walk_item *it;

	while (s->depth > 0) {
		top = &s->stack[s->depth - 1];
		if (top->i >= top->n) {
			walk_dir_free(top);
			s->depth--;
			continue;
		}
		it = &top->v[top->i++];
		if (!it->is_dir) {
			s->rd = reader_open(it->path, s->lim, &s->magic, err,
			    errlen);
			return s->rd != NULL ? 1 : -1;
		}
		if (s->depth == MAX_DEPTH) {
			snprintf(err, errlen, "%s: folders nested deeper "
			    "than %d", it->path, MAX_DEPTH);
			return -1;
		}
		if (walk_dir_list(it->path, s->flags, &s->stack[s->depth],
		    err, errlen) == -1)
			return -1;
		s->depth++;
	}
	return 0;
}

int
dsn_source_next(struct dsn_source *s, struct dsn_input_msg *m, char *err,
    size_t errlen)
{
	int rc;

	for (;;) {
		if (s->rd != NULL) {
			if ((rc = reader_next(s->rd, m, err, errlen)) != 0)
				return rc;
			s->resume = reader_resume(s->rd, &s->before);
			if (s->done != NULL && reader_final(s->rd))
				s->done(reader_path(s->rd), s->done_arg);
			reader_close(s->rd);
			s->rd = NULL;
		}
		if ((rc = next_file(s, err, errlen)) <= 0)
			return rc;
	}
}

void
dsn_source_on_done(struct dsn_source *s, void (*fn)(const char *, void *),
    void *arg)
{
	s->done = fn;
	s->done_arg = arg;
}

const char *
dsn_source_file(const struct dsn_source *s)
{
	return s->rd != NULL ? reader_path(s->rd) : NULL;
}

long long
dsn_source_resume(const struct dsn_source *s, long *before)
{
	*before = s->before;
	return s->resume;
}

void
dsn_source_close(struct dsn_source *s)
{
	if (s == NULL)
		return;
	reader_close(s->rd);
	while (s->depth > 0)
		walk_dir_free(&s->stack[--s->depth]);
	if (s->magic != NULL)
		magic_close((magic_t)s->magic);
	free(s);
}
