/*
 * walk.c - lists one folder for the source: a Maildir gives its cur/
 * then new/ messages (new/ alone with DSN_SOURCE_NEW_ONLY; tmp/ is never
 * read) and, when recursing, its Maildir++ ".Folder" sub-folders; any
 * other directory (MH or plain) gives its files and, when recursing, its
 * sub-directories.  Names that start with a dot are skipped there
 * (.mh_sequences and the like), and symbolic links to directories are
 * not followed, so a walk always ends; a link that leads nowhere is
 * listed as a file, for the opening to report.  Names sort numerically
 * when both are numbers (MH), else bytewise.  Opening the files is source.c's job;
 * the listing owns its path strings until walk_dir_free().
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "walk.h"

static int
all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static int
name_cmp(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t lx, ly;

	if (all_digits(x) && all_digits(y)) {
		while (*x == '0' && x[1] != '\0')
			x++;
		while (*y == '0' && y[1] != '\0')
			y++;
		lx = strlen(x);
		ly = strlen(y);
		if (lx != ly)
			return lx < ly ? -1 : 1;
	}
	return strcmp(x, y);
}

static char *
join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p;

	if ((p = malloc(dl + nl + 2)) == NULL)
		return NULL;
	/* Lengths known: copies, not snprintf() (one call per file). */
	memcpy(p, dir, dl);
	if (dl == 0 || dir[dl - 1] != '/')
		p[dl++] = '/';
	memcpy(p + dl, name, nl + 1);
	return p;
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void
free_names(char **v, size_t n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

/* Sorted names in dir; dot names only when dots is set. */
static int
read_names(const char *dir, int dots, char ***names, size_t *n)
{
	struct dirent *d;
	char **v = NULL, **nv;
	size_t cap = 0;
	DIR *dp;

	*n = 0;
	if ((dp = opendir(dir)) == NULL)
		return -1;
	while ((errno = 0, d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0
		    || (d->d_name[0] == '.' && !dots))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				goto fail;
			v = nv;
		}
		if ((v[*n] = strdup(d->d_name)) == NULL)
			goto fail;
		(*n)++;
	}
	if (errno != 0)
		goto fail;
	closedir(dp);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), name_cmp);
	*names = v;
	return 0;
fail:
	closedir(dp);
	free_names(v, *n);
	return -1;
}

static int
add(struct walk_dir *w, size_t *cap, char *path, int dir)
{
	struct walk_item *nv;

	if (path == NULL)
		return -1;
	if (w->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		if ((nv = realloc(w->v, *cap * sizeof(*nv))) == NULL) {
			free(path);
			return -1;
		}
		w->v = nv;
	}
	w->v[w->n].path = path;
	w->v[w->n++].is_dir = dir;
	return 0;
}

/*
 * Adds the entries of dir: files always; directories when recurse is
 * set (sub is "." for Maildir++ folders: only dot names that are
 * Maildirs; NULL for plain trees: real directories, no dot names).
 */
static int
add_entries(struct walk_dir *w, size_t *cap, const char *dir, int recurse,
    int maildirpp)
{
	struct stat st;
	char **names, *p;
	size_t n, i;
	int rc = 0;

	if (read_names(dir, maildirpp, &names, &n) == -1)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		if ((p = join(dir, names[i])) == NULL) {
			rc = -1;
			break;
		}
		if (maildirpp) {
			if (names[i][0] == '.' && recurse && is_dir(p) &&
			    lstat(p, &st) == 0 && !S_ISLNK(st.st_mode))
				rc = add(w, cap, p, 1);
			else
				free(p);
		} else if (stat(p, &st) == 0 ? S_ISREG(st.st_mode) :
		    lstat(p, &st) == 0 && S_ISLNK(st.st_mode))
			/*
			 * A symbolic link that leads nowhere (dangling, a
			 * loop) is listed as a file, so that opening it
			 * reports why, as when it is named itself.  A
			 * name gone since readdir (a mail reader moved
			 * it) is no link: skipped quietly.
			 */
			rc = add(w, cap, p, 0);
		else if (recurse && lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			rc = add(w, cap, p, 1);
		else
			free(p);
	}
	free_names(names, n);
	return rc;
}

static int
is_maildir(const char *dir)
{
	char *cur = NULL, *new = NULL;
	int yes;

	cur = join(dir, "cur");
	new = join(dir, "new");
	yes = (cur != NULL && is_dir(cur)) || (new != NULL && is_dir(new));
	free(cur);
	free(new);
	return yes;
}

static int
list_maildir(const char *dir, int flags, struct walk_dir *w, size_t *cap)
{
	static const char *const subs[] = { "cur", "new" };
	char *p;
	size_t i;

	for (i = (flags & DSN_SOURCE_NEW_ONLY) ? 1 : 0; i < 2; i++) {
		if ((p = join(dir, subs[i])) == NULL)
			return -1;
		if (is_dir(p) && add_entries(w, cap, p, 0, 0) == -1) {
			free(p);
			return -1;
		}
		free(p);
	}
	return (flags & DSN_SOURCE_RECURSE) ? add_entries(w, cap, dir, 1, 1)
	    : 0;
}

int
walk_dir_list(const char *dir, int flags, struct walk_dir *out,
    char *err, size_t errlen)
{
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	errno = 0;
	if (is_maildir(dir))
		rc = list_maildir(dir, flags, out, &cap);
	else
		rc = add_entries(out, &cap, dir, flags & DSN_SOURCE_RECURSE,
		    0);
	if (rc == -1) {
		snprintf(err, errlen, "%s: %s", dir,
		    strerror(errno ? errno : ENOMEM));
		walk_dir_free(out);
	}
	return rc;
}

void
walk_dir_free(struct walk_dir *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->n; i++)
		free(w->v[i].path);
	free(w->v);
	memset(w, 0, sizeof(*w));
}
