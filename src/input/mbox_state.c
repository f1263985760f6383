/*
 * mbox_state.c - the state file of incremental runs: how far each mbox
 * was read, and enough about the file (device, inode, CRC-32 of its first
 * bytes and of the bytes just before the offset) to notice one that was
 * rotated, truncated or rewritten.  The state owns its entries and their
 * path copies; saving is atomic (temporary file, fsync, rename).
 *
 * XXX incremental: the file is checked by name before the source opens
 * it again, and its CRCs are taken after the run; a file replaced in
 * between is not noticed.  Mbox files found inside folders keep no state.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "dsn/source.h"

#define MAGIC		"dsn-parse mbox state 2"
#define MAGIC1		"dsn-parse mbox state 1"	/* no message count */
#define SPAN		4096	/* bytes hashed at the start and before */

struct entry {
	char			*path;
	long long		 offset;
	long			 before;	/* messages before offset */
	unsigned long long	 dev, ino;
	unsigned long		 head, tail;	/* CRC-32s */
};

struct dsn_mbox_state {
	struct entry	*v;
	size_t		 n, cap;
};

/* CRC-32 of len bytes at off of fd; -1 on a read error or short file. */
static int
crc_at(int fd, long long off, size_t len, unsigned long *crc)
{
	unsigned char buf[SPAN];
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, (off_t)(off + got));
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	*crc = crc32(crc32(0L, Z_NULL, 0), buf, (uInt)len);
	return 0;
}

static size_t
span(long long offset)
{
	return offset < SPAN ? (size_t)offset : SPAN;
}

/* The key of path: its real path when it resolves. */
static char *
key(const char *path)
{
	char *k;

	if ((k = realpath(path, NULL)) != NULL)
		return k;
	return strdup(path);
}

static struct entry *
find(const struct dsn_mbox_state *st, const char *k)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (strcmp(st->v[i].path, k) == 0)
			return &st->v[i];
	return NULL;
}

static int
add(struct dsn_mbox_state *st, const struct entry *e)
{
	struct entry *nv;

	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 8;

		if ((nv = realloc(st->v, cap * sizeof(*nv))) == NULL)
			return -1;
		st->v = nv;
		st->cap = cap;
	}
	st->v[st->n++] = *e;
	return 0;
}

/*
 * One line "offset before dev ino head tail path" (version 1: without
 * before, taken as 0, so such a file's next run numbers its messages
 * from 1 at the offset once); -1 when malformed.
 */
static int
parse_line(char *line, int version, struct entry *e)
{
	int at = 0;

	line[strcspn(line, "\n")] = '\0';
	if (version == 1 ? sscanf(line, "%lld %llu %llu %lx %lx %n",
	    &e->offset, &e->dev, &e->ino, &e->head, &e->tail, &at) != 5 :
	    sscanf(line, "%lld %ld %llu %llu %lx %lx %n", &e->offset,
	    &e->before, &e->dev, &e->ino, &e->head, &e->tail, &at) != 6)
		return -1;
	if (at == 0 || line[at] == '\0' || e->offset < 0 || e->before < 0)
		return -1;
	return (e->path = strdup(line + at)) == NULL ? -1 : 0;
}

struct dsn_mbox_state *
dsn_mbox_state_load(const char *file, char *err, size_t errlen)
{
	struct dsn_mbox_state *st;
	struct entry e;
	char *line = NULL;
	size_t cap = 0;
	long lineno = 1;
	int version;
	FILE *fp;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return NULL;
	}
	if ((fp = fopen(file, "r")) == NULL) {
		if (errno == ENOENT)
			return st;
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		free(st);
		return NULL;
	}
	errno = 0;
	if (getline(&line, &cap, fp) == -1)
		goto bad;
	if (strcmp(line, MAGIC "\n") == 0)
		version = 2;
	else if (strcmp(line, MAGIC1 "\n") == 0)
		version = 1;
	else
		goto bad;
	while (lineno++, getline(&line, &cap, fp) != -1) {
		memset(&e, 0, sizeof(e));
		if (parse_line(line, version, &e) == -1)
			goto bad;
		if (add(st, &e) == -1) {
			free(e.path);
			goto bad;
		}
	}
	if (ferror(fp))
		goto bad;
	free(line);
	fclose(fp);
	return st;
bad:
	/* A read error (a directory: EISDIR) is no sign of a bad file. */
	if (ferror(fp))
		snprintf(err, errlen, "%s: %s", file,
		    strerror(errno ? errno : EIO));
	else
		snprintf(err, errlen, "%s: line %ld: not a dsn-parse state "
		    "file (remove it to read every mbox from the start)",
		    file, lineno);
	free(line);
	fclose(fp);
	dsn_mbox_state_free(st);
	return NULL;
}

long long
dsn_mbox_state_start(const struct dsn_mbox_state *st, const char *path,
    long *before, char *why, size_t whylen)
{
	const struct entry *e;
	unsigned char at[5];
	unsigned long crc;
	struct stat sb;
	long long off = 0;
	char *k;
	int fd = -1;

	why[0] = '\0';
	*before = 0;
	if ((k = key(path)) == NULL || (e = find(st, k)) == NULL)
		goto out;
	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &sb) == -1) {
		snprintf(why, whylen, "%s", strerror(errno));
		goto out;
	}
	if ((unsigned long long)sb.st_dev != e->dev ||
	    (unsigned long long)sb.st_ino != e->ino) {
		snprintf(why, whylen, "not the file read last time (rotated "
		    "or replaced)");
		goto out;
	}
	if ((long long)sb.st_size < e->offset) {
		snprintf(why, whylen, "shrank from %lld to %lld bytes "
		    "(truncated or rewritten)", e->offset,
		    (long long)sb.st_size);
		goto out;
	}
	if (crc_at(fd, 0, span(e->offset), &crc) == -1 || crc != e->head ||
	    crc_at(fd, e->offset - (long long)span(e->offset),
	    span(e->offset), &crc) == -1 || crc != e->tail) {
		snprintf(why, whylen, "changed before offset %lld (rewritten)",
		    e->offset);
		goto out;
	}
	if ((long long)sb.st_size > e->offset && (pread(fd, at, 5,
	    (off_t)e->offset) != 5 || (memcmp(at, "From ", 5) != 0 &&
	    at[0] != '\n' && at[0] != '\r'))) {
		snprintf(why, whylen, "no message starts at offset %lld",
		    e->offset);
		goto out;
	}
	off = e->offset;
	*before = e->before;
out:
	if (fd != -1)
		close(fd);
	free(k);
	return off;
}

int
dsn_mbox_state_set(struct dsn_mbox_state *st, const char *path,
    long long offset, long before, char *err, size_t errlen)
{
	struct entry e, *old;
	struct stat sb;
	int fd;

	memset(&e, 0, sizeof(e));
	e.offset = offset;
	e.before = before;
	if ((e.path = key(path)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (strchr(e.path, '\n') != NULL) {
		snprintf(err, errlen, "%s: no state kept for a name with a "
		    "newline", path);
		free(e.path);
		return -1;
	}
	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &sb) == -1 ||
	    crc_at(fd, 0, span(offset), &e.head) == -1 ||
	    crc_at(fd, offset - (long long)span(offset), span(offset),
	    &e.tail) == -1) {
		snprintf(err, errlen, "%s: keeping state: %s", path,
		    errno ? strerror(errno) : "file shrank");
		if (fd != -1)
			close(fd);
		free(e.path);
		return -1;
	}
	close(fd);
	e.dev = (unsigned long long)sb.st_dev;
	e.ino = (unsigned long long)sb.st_ino;
	if ((old = find(st, e.path)) != NULL) {
		free(old->path);
		*old = e;
		return 0;
	}
	if (add(st, &e) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(e.path);
		return -1;
	}
	return 0;
}

/* fsync of the folder holding file, so the rename is durable. */
static int
sync_dir(const char *file)
{
	char *dir, *slash;
	int fd, rc;

	if ((dir = strdup(file)) == NULL)
		return -1;
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	free(dir);
	if (fd == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc == -1 && errno != EINVAL ? -1 : 0;
}

int
dsn_mbox_state_save(const struct dsn_mbox_state *st, const char *file,
    char *err, size_t errlen)
{
	char *tmp;
	size_t i, n = strlen(file) + 8;
	FILE *fp = NULL;
	int fd, made = 0, e;

	if ((tmp = malloc(n)) == NULL) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	snprintf(tmp, n, "%s.XXXXXX", file);
	if ((fd = mkstemp(tmp)) == -1)
		goto fail;
	made = 1;
	if ((fp = fdopen(fd, "w")) == NULL)
		goto fail;
	fprintf(fp, "%s\n", MAGIC);
	for (i = 0; i < st->n; i++)
		fprintf(fp, "%lld %ld %llu %llu %08lx %08lx %s\n",
		    st->v[i].offset, st->v[i].before, st->v[i].dev,
		    st->v[i].ino, st->v[i].head, st->v[i].tail,
		    st->v[i].path);
	if (fflush(fp) == EOF || ferror(fp) || fsync(fd) == -1)
		goto fail;
	fd = -1;
	if (fclose(fp) == EOF) {
		fp = NULL;
		goto fail;
	}
	fp = NULL;
	if (rename(tmp, file) == -1)
		goto fail;
	made = 0;
	if (sync_dir(file) == -1)
		goto fail;
	free(tmp);
	return 0;
fail:
	e = errno;
	snprintf(err, errlen, "%s: saving state: %s", file, strerror(e));
	if (fp != NULL)
		fclose(fp);
	else if (fd != -1)
		close(fd);
	if (made)
		unlink(tmp);
	free(tmp);
	return -1;
}

void
dsn_mbox_state_free(struct dsn_mbox_state *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->n; i++)
		free(st->v[i].path);
	free(st->v);
	free(st);
}
