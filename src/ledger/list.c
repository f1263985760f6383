/*
 * list.c - reading list files (text or CSV), the run lock, and the
 * atomic rewrite with backup.
 *
 * The whole list is read into one buffer owned by struct list; entries
 * are offsets into it plus a malloc'd folded address.  Writes never
 * touch the list file itself: a new file is staged beside it, then
 * renamed over it, so the caller can commit its ledger in between.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ledger/addr.h"
#include "ledger/list.h"

#define TMP_TAG		".dsn-prune."
#define CELL_MAX	1024

static const char *const default_columns[] = {
	"email", "e-mail", "email_address", "email address", "mail",
	"address", NULL
};

static void
split_path(const char *path, char *dir, size_t dlen, const char **base)
{
	const char	*sl = strrchr(path, '/');

	if (sl == NULL) {
		snprintf(dir, dlen, ".");
		*base = path;
	} else {
		snprintf(dir, dlen, "%.*s", (int)(sl == path ? 1 :
		    sl - path), path);
		*base = sl + 1;
	}
}

/* Removes temporary files left by runs that were killed (lock held). */
static void
clean_stale(const char *path)
{
	char		 dir[PATH_MAX], pre[NAME_MAX + 1], f[PATH_MAX];
	const char	*base;
	DIR		*d;
	struct dirent	*de;

	split_path(path, dir, sizeof(dir), &base);
	if (snprintf(pre, sizeof(pre), ".%s%s", base, TMP_TAG) >=
	    (int)sizeof(pre))
		return;
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, pre, strlen(pre)) != 0)
			continue;
		if (snprintf(f, sizeof(f), "%s/%s", dir, de->d_name) <
		    (int)sizeof(f))
			(void)unlink(f);
	}
	closedir(d);
}

static int
lock_open(struct list *l, int lock, char *err, size_t len)
{
	struct stat	 now;

	for (;;) {
		if ((l->fd = open(l->path, O_RDONLY | O_CLOEXEC)) < 0)
			goto syserr;
		if (!lock)
			break;
		if (flock(l->fd, LOCK_EX | LOCK_NB) < 0) {
			if (errno != EWOULDBLOCK)
				goto syserr;
			l->waited = 1;
			while (flock(l->fd, LOCK_EX) < 0)
				if (errno != EINTR)
					goto syserr;
		}
		if (fstat(l->fd, &l->st) < 0 || stat(l->path, &now) < 0)
			goto syserr;
		if (l->st.st_dev == now.st_dev && l->st.st_ino == now.st_ino)
			break;
		/* A run before us renamed a new list over this one. */
		close(l->fd);
	}
	if (fstat(l->fd, &l->st) < 0)
		goto syserr;
	if (!S_ISREG(l->st.st_mode)) {
		snprintf(err, len, "not a regular file");
		return -1;
	}
	if (lock)
		clean_stale(l->path);
	return 0;
syserr:
	snprintf(err, len, "%s", strerror(errno));
	return -1;
}

static int
read_all(struct list *l, char *err, size_t len)
{
	size_t	 cap = (size_t)l->st.st_size + 1;
	ssize_t	 r;
	char	*nb;

	if ((l->buf = malloc(cap)) == NULL)
		goto syserr;
	for (;;) {
		if (l->size == cap) {
			if ((nb = realloc(l->buf, cap * 2)) == NULL)
				goto syserr;
			l->buf = nb;
			cap *= 2;
		}
		r = read(l->fd, l->buf + l->size, cap - l->size);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto syserr;
		if (r == 0)
			return 0;
		l->size += (size_t)r;
	}
syserr:
	snprintf(err, len, "%s", strerror(errno));
	return -1;
}

static int
add_entry(struct list *l, size_t *cap, size_t off, size_t n, long line)
{
	struct list_entry	*ne;

	if (l->n == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		if ((ne = realloc(l->e, *cap * sizeof(*ne))) == NULL)
			return -1;
		l->e = ne;
	}
	l->e[l->n].off = off;
	l->e[l->n].len = n;
	l->e[l->n].line = line;
	l->e[l->n].addr = NULL;
	l->n++;
	return 0;
}

static int
set_addr(struct list *l, struct list_entry *e, const char *s, size_t n,
    int case_local)
{
	char		 key[ADDR_MAX];
	const char	*a;
	size_t		 alen;

	if (addr_find(s, n, &a, &alen) < 0 ||
	    addr_fold(a, alen, case_local, key, sizeof(key)) < 0) {
		l->nbad++;
		return 0;
	}
	if ((e->addr = strdup(key)) == NULL)
		return -1;
	l->naddr++;
	return 0;
}

/* The first byte of s that is not white space, or NUL when none is. */
static char
first_byte(const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	return n == 0 ? '\0' : *s;
}

/* Blank or '#' comment: kept as it is, no address. */
static int
is_comment(const char *s, size_t n)
{
	char	 c = first_byte(s, n);

	return c == '\0' || c == '#';
}

/*
 * A UTF-8 byte order mark, as spreadsheets and Windows editors write,
 * becomes an entry of its own with no address: the first line is then
 * read without it, and a rewrite keeps it even when that line goes.
 * Returns where the lines start, or -1 on allocation failure.
 */
static long
skip_bom(struct list *l, size_t *cap)
{
	if (l->size < 3 || memcmp(l->buf, "\xef\xbb\xbf", 3) != 0)
		return 0;
	return add_entry(l, cap, 0, 3, 1) < 0 ? -1 : 3;
}

static int
parse_text(struct list *l, int case_local)
{
	size_t		 off, n, cap = 0;
	const char	*nl;
	long		 line = 0, start;

	if ((start = skip_bom(l, &cap)) < 0)
		return -1;
	off = (size_t)start;
	while (off < l->size) {
		nl = memchr(l->buf + off, '\n', l->size - off);
		n = nl ? (size_t)(nl - (l->buf + off)) + 1 : l->size - off;
		if (add_entry(l, &cap, off, n, ++line) < 0)
			return -1;
		if (!is_comment(l->buf + off, n) &&
		    set_addr(l, &l->e[l->n - 1], l->buf + off, n,
		    case_local) < 0)
			return -1;
		off += n;
	}
	return 0;
}

/* Length of the CSV record at s (quoted newlines inside), and its lines. */
static size_t
csv_record(const char *s, size_t n, long *lines)
{
	size_t	 i;
	int	 q = 0;

	*lines = 1;
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			q = !q;
		else if (s[i] == '\n') {
			if (!q)
				return i + 1;
			(*lines)++;
		}
	}
	return n;
}

/*
 * Copies cell number col of the record at s (delimiter d) into out,
 * unquoted.  Returns its length, or -1 when absent or too long.
 */
static long
csv_cell(const char *s, size_t n, char d, int col, char *out, size_t olen)
{
	size_t	 i = 0, o = 0;
	int	 c = 0, q = 0;

	for (; i < n; i++) {
		if (q) {
			if (s[i] == '"' && i + 1 < n && s[i + 1] == '"')
				i++;
			else if (s[i] == '"') {
				q = 0;
				continue;
			}
		} else if (s[i] == '"') {
			q = 1;
			continue;
		} else if (s[i] == d) {
			if (c++ == col)
				break;
			continue;
		} else if (s[i] == '\n' || s[i] == '\r')
			continue;
		if (c == col) {
			if (o + 1 >= olen)
				return -1;
			out[o++] = s[i];
		}
	}
	if (c < col)
		return -1;
	out[o] = '\0';
	return (long)o;
}

static char
csv_delim(const char *s, size_t n)
{
	size_t	 i, cnt[3] = { 0, 0, 0 };
	int	 q = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			q = !q;
		else if (!q && s[i] == ',')
			cnt[0]++;
		else if (!q && s[i] == ';')
			cnt[1]++;
		else if (!q && s[i] == '\t')
			cnt[2]++;
	}
	if (cnt[1] > cnt[0] && cnt[1] >= cnt[2])
		return ';';
	if (cnt[2] > cnt[0])
		return '\t';
	return ',';
}

static int
csv_column(const char *s, size_t n, char d, const char *want)
{
	char	 cell[CELL_MAX], *p, *e;
	int	 col, k;
	long	 r;

	for (col = 0; col < 1000; col++) {
		if ((r = csv_cell(s, n, d, col, cell, sizeof(cell))) < 0)
			return -1;
		for (p = cell; isspace((unsigned char)*p); p++)
			;
		e = p + strlen(p);
		while (e > p && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (want != NULL) {
			if (!strcasecmp(p, want))
				return col;
			continue;
		}
		for (k = 0; default_columns[k] != NULL; k++)
			if (!strcasecmp(p, default_columns[k]))
				return col;
	}
	return -1;
}

/*
 * The address cell of a data record (after the header) at e.  RFC 4180
 * has no comments, and a spreadsheet or mailer importing the file takes
 * a row such as "#1 fan,fan@example.com" for a member, so a '#' at the
 * start of a record makes it a comment only when its address cell holds
 * no address; a row with an address is a member however it starts.
 * Returns 0, or -1 on allocation failure.
 */
static int
csv_data(struct list *l, struct list_entry *e, int case_local)
{
	const char	*s = l->buf + e->off, *a;
	char		 cell[CELL_MAX];
	size_t		 alen;
	long		 cl;

	if (first_byte(s, e->len) == '\0')
		return 0;
	cl = csv_cell(s, e->len, l->csv_delim, l->csv_col, cell,
	    sizeof(cell));
	if (first_byte(s, e->len) == '#' &&
	    (cl < 0 || addr_find(cell, (size_t)cl, &a, &alen) < 0))
		return 0;
	if (cl < 0) {
		l->nbad++;
		return 0;
	}
	return set_addr(l, e, cell, (size_t)cl, case_local);
}

/*
 * Before the header, blank lines and lines starting with '#' are
 * comments (a note above the table); after it, see csv_data.
 */
static int
parse_csv(struct list *l, const char *column, int case_local, char *err,
    size_t len)
{
	size_t	 off, n, cap = 0;
	long	 line = 1, lines, start;
	int	 header = 0;

	if ((start = skip_bom(l, &cap)) < 0)
		goto nomem;
	for (off = (size_t)start; off < l->size; off += n, line += lines) {
		n = csv_record(l->buf + off, l->size - off, &lines);
		if (add_entry(l, &cap, off, n, line) < 0)
			goto nomem;
		if (header) {
			if (csv_data(l, &l->e[l->n - 1], case_local) < 0)
				goto nomem;
			continue;
		}
		if (is_comment(l->buf + off, n))
			continue;
		l->csv_delim = csv_delim(l->buf + off, n);
		l->csv_col = csv_column(l->buf + off, n, l->csv_delim, column);
		if (l->csv_col < 0) {
			snprintf(err, len, "line %ld: no column \"%s\" in the "
			    "CSV header", line, column ? column : "email");
			return -1;
		}
		header = 1;
	}
	return 0;
nomem:
	snprintf(err, len, "%s", strerror(ENOMEM));
	return -1;
}

static enum list_fmt
guess_fmt(const char *path, const char *column)
{
	size_t	 n = strlen(path);

	if (column != NULL || (n > 4 && !strcasecmp(path + n - 4, ".csv")))
		return LIST_CSV;
	return LIST_TEXT;
}

int
list_open(struct list **out, const char *path, enum list_fmt fmt,
    const char *column, int lock, int case_local, char *err, size_t len)
{
	struct list	*l;

	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, len, "%s", strerror(errno));
		return -1;
	}
	l->fd = -1;
	if ((l->path = realpath(path, NULL)) == NULL) {
		snprintf(err, len, "%s", strerror(errno));
		list_free(l);
		return -1;
	}
	l->fmt = fmt == LIST_AUTO ? guess_fmt(path, column) : fmt;
	if (lock_open(l, lock, err, len) < 0 || read_all(l, err, len) < 0)
		goto fail;
	if (l->fmt == LIST_CSV) {
		if (parse_csv(l, column, case_local, err, len) < 0)
			goto fail;
	} else if (parse_text(l, case_local) < 0) {
		snprintf(err, len, "%s", strerror(ENOMEM));
		goto fail;
	}
	*out = l;
	return 0;
fail:
	list_free(l);
	return -1;
}

int
list_entry_addr(const struct list *l, size_t i, char *out, size_t len)
{
	const struct list_entry	*e;
	const char		*a, *s;
	char			 cell[CELL_MAX];
	size_t			 alen, n;

	if (i >= l->n || l->e[i].addr == NULL)
		return -1;
	e = &l->e[i];
	s = l->buf + e->off;
	n = e->len;
	if (l->fmt == LIST_CSV) {
		long	 cl;

		if ((cl = csv_cell(s, n, l->csv_delim, l->csv_col, cell,
		    sizeof(cell))) < 0)
			return -1;
		s = cell;
		n = (size_t)cl;
	}
	if (addr_find(s, n, &a, &alen) < 0)
		return -1;
	return addr_raw(a, alen, out, len);
}

char *
list_backup_path(const char *path)
{
	size_t	 n = strlen(path) + 5;
	char	*b;

	if ((b = malloc(n)) != NULL)
		snprintf(b, n, "%s.bak", path);
	return b;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A new file at path with the list's mode and owner and these bytes. */
static int
write_file(const struct list *l, char *tmpl, const char *data, size_t n)
{
	int	 fd, e;

	if ((fd = mkstemp(tmpl)) < 0)
		return -1;
	if (write_all(fd, data, n) < 0 ||
	    fchmod(fd, l->st.st_mode & 07777) < 0 ||
	    ((l->st.st_uid != geteuid() || l->st.st_gid != getegid()) &&
	    fchown(fd, l->st.st_uid, l->st.st_gid) < 0) ||
	    fsync(fd) < 0) {
		e = errno;
		close(fd);
		unlink(tmpl);
		errno = e;
		return -1;
	}
	return close(fd);
}

/*
 * A temporary file that holds the list as it is now, to become PATH.bak:
 * a hard link, else a copy.  Its name goes to t (PATH_MAX bytes).
 */
static int
stage_backup(const struct list *l, const char *dir, const char *base,
    char *t)
{
	if (snprintf(t, PATH_MAX, "%s/.%s%sbak.XXXXXX", dir, base,
	    TMP_TAG) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (write_file(l, t, "", 0) < 0)
		return -1;
	/*
	 * The name is ours (and the lock is held): swap the empty file for
	 * a link to the list, or for a copy where the file system has no
	 * hard links.
	 */
	if (unlink(t) < 0)
		return -1;
	if (link(l->path, t) == 0)
		return 0;
	memcpy(t + strlen(t) - 6, "XXXXXX", 6);
	return write_file(l, t, l->buf, l->size);
}

int
list_stage(struct list *l, const char *data, size_t n, char *err,
    size_t len)
{
	char		 dir[PATH_MAX];
	const char	*base, *what;

	list_unstage(l);
	split_path(l->path, dir, sizeof(dir), &base);
	if (snprintf(l->staged, sizeof(l->staged), "%s/.%s%sXXXXXX", dir,
	    base, TMP_TAG) >= (int)sizeof(l->staged)) {
		l->staged[0] = '\0';
		snprintf(err, len, "path too long");
		return -1;
	}
	what = "writing the new list";
	if (write_file(l, l->staged, data, n) < 0) {
		l->staged[0] = '\0';
		goto syserr;
	}
	what = "keeping a backup";
	if (stage_backup(l, dir, base, l->staged_bak) < 0) {
		l->staged_bak[0] = '\0';
		list_unstage(l);
		goto syserr;
	}
	return 0;
syserr:
	snprintf(err, len, "%s: %s", what, strerror(errno));
	return -1;
}

int
list_stage_drop(struct list *l, const unsigned char *drop, char *err,
    size_t len)
{
	char	*nb;
	size_t	 i, n = 0;
	int	 rc;

	if ((nb = malloc(l->size + 1)) == NULL) {
		snprintf(err, len, "%s", strerror(errno));
		return -1;
	}
	for (i = 0; i < l->n; i++) {
		if (drop[i])
			continue;
		memcpy(nb + n, l->buf + l->e[i].off, l->e[i].len);
		n += l->e[i].len;
	}
	rc = list_stage(l, nb, n, err, len);
	free(nb);
	return rc;
}

int
list_commit(struct list *l, char *err, size_t len)
{
	char		 dir[PATH_MAX], *bak;
	const char	*base, *what;
	int		 dfd;

	split_path(l->path, dir, sizeof(dir), &base);
	what = "keeping a backup";
	if ((bak = list_backup_path(l->path)) == NULL)
		goto syserr;
	if (rename(l->staged_bak, bak) < 0) {
		free(bak);
		goto syserr;
	}
	free(bak);
	/*
	 * When PATH.bak already was a link to the list (a run killed before
	 * its rename), rename(2) leaves both names: drop ours.
	 */
	(void)unlink(l->staged_bak);
	l->staged_bak[0] = '\0';
	what = "renaming the new list";
	if (rename(l->staged, l->path) < 0)
		goto syserr;
	l->staged[0] = '\0';
	what = "syncing the folder";
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto syserr;
	if (fsync(dfd) < 0) {
		close(dfd);
		goto syserr;
	}
	close(dfd);
	return 0;
syserr:
	snprintf(err, len, "%s: %s", what, strerror(errno));
	list_unstage(l);
	return -1;
}

void
list_unstage(struct list *l)
{
	if (l->staged[0] != '\0')
		(void)unlink(l->staged);
	if (l->staged_bak[0] != '\0')
		(void)unlink(l->staged_bak);
	l->staged[0] = l->staged_bak[0] = '\0';
}

void
list_free(struct list *l)
{
	size_t	 i;

	if (l == NULL)
		return;
	list_unstage(l);
	for (i = 0; i < l->n; i++)
		free(l->e[i].addr);
	free(l->e);
	free(l->buf);
	if (l->fd >= 0)
		close(l->fd);
	free(l->path);
	free(l);
}
