/*
 * reader.c - one file or stdin, decompressed with zlib when gzipped,
 * sniffed (by structure, libmagic for the rest) and split into messages.
 *
 * Memory: one buffer that holds the message being cut plus one read
 * chunk; it grows only for a larger message, never past the message
 * limit plus a chunk.  Messages handed out point into it (borrowed until
 * the next call).  The reader owns its copy of the path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <magic.h>
#include <zlib.h>

#include "mbox.h"
#include "reader.h"

#define CHUNK		((size_t)1 << 20)	/* one read */
#define SNIFF		((size_t)64 << 10)	/* bytes looked at to decide */
#define INT_MAX_CHUNK	((size_t)1 << 30)	/* gzread takes an unsigned */

enum kind { K_EMPTY, K_MBOX, K_SINGLE, K_JUNK };

struct reader {
	char			*path;
	const struct dsn_limits	*lim;
	gzFile			 gz;
	int			 compressed;
	int			 cr_only;	/* lines end in CR only */
	int			 eof, done, failed;
	enum kind		 kind;
	char			 pending[256];	/* K_JUNK: the error */
	char			*buf;
	size_t			 cap, len;
	size_t			 pos;		/* next message, From line */
	size_t			 body;		/* its body */
	size_t			 scan;		/* boundary search resumes */
	long long		 base;		/* offset of buf[0] */
	long long		 total;		/* bytes read (decompressed) */
	long			 index;
	int			 skipping;	/* rest of a cut message */
	long long		 start;		/* offset opened at */
	long long		 last;		/* offset of the last message */
	int			 blank_end;	/* data ends in a blank line */
	int			 escaped;	/* message has ">From " lines */
};

static void
fail(struct reader *r, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: %s", r->path, what);
	r->failed = 1;
}

/* Drops buf[0, keep): the bytes before the current message. */
static void
compact(struct reader *r, size_t keep)
{
	if (keep == 0)
		return;
	memmove(r->buf, r->buf + keep, r->len - keep);
	r->len -= keep;
	r->base += (long long)keep;
	r->pos = r->pos > keep ? r->pos - keep : 0;
	r->scan = r->scan > keep ? r->scan - keep : 0;
	r->body = r->body > keep ? r->body - keep : 0;
}

/*
 * Reads one chunk into buf, first dropping the bytes before pos when
 * room is short (offsets into buf then move: pos, body and scan are
 * kept right).  Returns 0, or -1 with err set (read error, truncated
 * gzip, past the decompressed limit).
 */
static int
fill(struct reader *r, char *err, size_t errlen)
{
	size_t want, i;
	int n, zerr;
	char *nb, *p;

	if (r->eof)
		return 0;
	/* Bytes before pos (the current message) are done with. */
	if (r->cap - r->len < CHUNK && r->pos > 0)
		compact(r, r->pos);
	if (r->cap - r->len < CHUNK) {
		want = r->len + CHUNK;
		if (want < r->cap + r->cap / 2)
			want = r->cap + r->cap / 2;
		if ((nb = realloc(r->buf, want + 1)) == NULL) {
			fail(r, err, errlen, strerror(errno));
			return -1;
		}
		r->buf = nb;
		r->cap = want;
	}
	want = r->cap - r->len;
	if (want > INT_MAX_CHUNK)
		want = INT_MAX_CHUNK;
	/* One byte past the decompressed limit at most: it is exact. */
	if (r->compressed && r->lim->decompressed_bytes - (size_t)r->total <
	    want)
		want = r->lim->decompressed_bytes - (size_t)r->total + 1;
	/*
	 * XXX gzip: gzread() skips bytes after the last gzip member without
	 * a word, so a file with trailing garbage reads as complete; telling
	 * needs inflate() by hand over each member.
	 */
	n = gzread(r->gz, r->buf + r->len, (unsigned)want);
	if (n < 0) {
		fail(r, err, errlen, gzerror(r->gz, &zerr));
		return -1;
	}
	if (r->cr_only)
		for (p = r->buf + r->len, i = 0; i < (size_t)n; i++)
			if (p[i] == '\r')
				p[i] = '\n';
	r->len += (size_t)n;
	r->total += n;
	if (n == 0) {
		r->eof = 1;
		r->blank_end = (r->len >= 2 && r->buf[r->len - 1] == '\n' &&
		    r->buf[r->len - 2] == '\n') || (r->len >= 3 &&
		    memcmp(r->buf + r->len - 3, "\n\r\n", 3) == 0);
		gzerror(r->gz, &zerr);
		if (zerr == Z_BUF_ERROR) {
			fail(r, err, errlen, "truncated gzip data");
			return -1;
		}
	}
	if (r->compressed && (size_t)r->total > r->lim->decompressed_bytes) {
		snprintf(err, errlen, "%s: decompressed size over %zu bytes "
		    "(see --max-decompressed)", r->path,
		    r->lim->decompressed_bytes);
		r->failed = 1;
		return -1;
	}
	return 0;
}

/* A header field line "Name: ..." at s: the start of a message. */
static int
header_like(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 998; i++) {
		if (s[i] == ':')
			return i > 0;
		if (s[i] < '!' || s[i] > '~')
			return 0;
	}
	return 0;
}

static magic_t
open_magic(void)
{
	magic_t m;

	if ((m = magic_open(MAGIC_MIME_TYPE)) == NULL)
		return NULL;
	if (magic_load(m, NULL) == -1) {
		magic_close(m);
		return NULL;
	}
	return m;
}

/* Asks libmagic about the first bytes; sets kind from its MIME type. */
static void
ask_magic(struct reader *r, void **cookie, size_t from)
{
	const char *t = NULL;
	size_t n = r->len < SNIFF ? r->len : SNIFF;

	if (*cookie == NULL)
		*cookie = open_magic();
	if (*cookie != NULL)
		t = magic_buffer(*cookie, r->buf, n);
	if (t != NULL && (strncmp(t, "message/", 8) == 0 ||
	    strcmp(t, "application/mbox") == 0)) {
		r->kind = K_SINGLE;
		r->pos = from;
		return;
	}
	r->kind = K_JUNK;
	snprintf(r->pending, sizeof(r->pending),
	    "%s: not a mailbox or message (libmagic: %s)", r->path,
	    t != NULL ? t : "no opinion");
}

/* Reads the first bytes and decides what the file holds. */
static void
sniff(struct reader *r, void **cookie)
{
	char err[256];
	size_t i;

	while (r->len < SNIFF && !r->eof)
		if (fill(r, err, sizeof(err)) == -1) {
			r->kind = K_JUNK;	/* reported by reader_next() */
			r->failed = 0;
			snprintf(r->pending, sizeof(r->pending), "%s", err);
			return;
		}
	if (memchr(r->buf, '\n', r->len) == NULL &&
	    memchr(r->buf, '\r', r->len) != NULL) {
		r->cr_only = 1;
		for (i = 0; i < r->len; i++)
			if (r->buf[i] == '\r')
				r->buf[i] = '\n';
	}
	for (i = 0; i < r->len && strchr("\r\n\t ", r->buf[i]) &&
	    r->buf[i] != '\0'; i++)
		;
	r->pos = i;
	if (i == r->len)
		r->kind = K_EMPTY;
	else if (r->len - i > 5 && memcmp(r->buf + i, "From ", 5) == 0 &&
	    r->buf[i + 5] != ' ')
		r->kind = K_MBOX;
	else if (header_like(r->buf + i, r->len - i))
		r->kind = K_SINGLE;
	else
		ask_magic(r, cookie, i);
}

struct reader *
reader_open(const char *path, const struct dsn_limits *lim,
    void **cookie, char *err, size_t errlen)
{
	return reader_open_at(path, 0, lim, cookie, err, errlen);
}

struct reader *
reader_open_at(const char *path, long long from,
    const struct dsn_limits *lim, void **cookie, char *err, size_t errlen)
{
	struct reader *r;
	int fd;

	fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (from > 0 && lseek(fd, (off_t)from, SEEK_SET) == -1) {
		snprintf(err, errlen, "%s: offset %lld: %s", path, from,
		    strerror(errno));
		close(fd);
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->path = strdup(path)) == NULL ||
	    (r->gz = gzdopen(fd, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (r == NULL || r->gz == NULL)
			close(fd);
		reader_close(r);
		return NULL;
	}
	r->lim = lim;
	r->start = r->base = r->last = from > 0 ? from : 0;
	gzbuffer(r->gz, 256 << 10);
	/* Known before the first read, so the limit holds from byte one. */
	r->compressed = !gzdirect(r->gz);
	sniff(r, cookie);
	return r;
}

const char *
reader_path(const struct reader *r)
{
	return r->path;
}

long long
reader_resume(const struct reader *r)
{
	if (r->failed || !r->done || r->compressed)
		return -1;
	if (r->kind == K_EMPTY)
		return r->start;
	if (r->kind != K_MBOX)
		return -1;
	return r->blank_end ? r->base + (long long)r->len : r->last;
}

void
reader_close(struct reader *r)
{
	if (r == NULL)
		return;
	if (r->gz != NULL)
		gzclose(r->gz);
	free(r->buf);
	free(r->path);
	free(r);
}

static void
set_msg(struct reader *r, struct dsn_input_msg *m, size_t at, size_t body,
    size_t len, int truncated)
{
	m->buf = r->buf + body;
	m->len = len;
	m->path = r->path;
	m->index = ++r->index;
	m->offset = r->last = r->base + (long long)at;
	m->truncated = truncated;
}

static int
next_single(struct reader *r, struct dsn_input_msg *m, char *err,
    size_t errlen)
{
	size_t n, max = r->lim->message_bytes;

	if (r->index > 0)
		return 0;
	while (!r->eof && r->len - r->pos <= max)
		if (fill(r, err, errlen) == -1)
			return -1;
	n = r->len - r->pos;
	if (n > max)
		n = max;
	n = mbox_clean(r->buf + r->pos, n, 0);
	set_msg(r, m, r->pos, r->pos, n, r->len - r->pos > max);
	r->done = 1;
	return 1;
}

/* After a cut message: moves pos to the next envelope line. */
static int
skip_rest(struct reader *r, char *err, size_t errlen)
{
	size_t f;
	int found;

	for (;;) {
		f = mbox_find_boundary(r->buf, 0, r->scan, r->len, r->eof,
		    &found);
		if (found || r->eof) {
			r->pos = f;
			r->skipping = 0;
			return 0;
		}
		r->scan = f;
		r->pos = f > 8 ? f - 8 : 0;	/* the search looks back */
		if (fill(r, err, errlen) == -1)
			return -1;
	}
}

/*
 * Finds where the message whose body starts at r->body ends (*end) and
 * where the next one starts (*next), cutting it at the message limit.
 */
static int
find_end(struct reader *r, size_t *end, size_t *next, int *cut,
    char *err, size_t errlen)
{
	size_t f, max = r->lim->message_bytes;
	int found;

	*cut = 0;
	r->scan = r->body;
	r->escaped = r->body < r->len && r->buf[r->body] == '>';
	for (;;) {
		f = mbox_find_next(r->buf, r->body, r->scan, r->len,
		    r->eof, &found, &r->escaped);
		if (found || r->eof) {
			*end = *next = f;
			if (f - r->body > max) {
				*end = r->body + max;
				*cut = 1;
			}
			return 0;
		}
		r->scan = f;
		if (r->len - r->body > max) {
			/* Cut it, clear of the bytes the search still needs. */
			*end = r->body + max;
			if (f >= r->body + 8 && f - 8 < *end)
				*end = f - 8;
			*next = *end;	/* skip_rest() finds it */
			*cut = r->skipping = 1;
			return 0;
		}
		if (fill(r, err, errlen) == -1)
			return -1;
	}
}

static int
next_mbox(struct reader *r, struct dsn_input_msg *m, char *err,
    size_t errlen)
{
	const char *eol;
	size_t end, next, n;
	int cut;

	if (r->skipping && skip_rest(r, err, errlen) == -1)
		return -1;
	while ((eol = memchr(r->buf + r->pos, '\n', r->len - r->pos)) ==
	    NULL && !r->eof && r->len - r->pos < 1000)
		if (fill(r, err, errlen) == -1)
			return -1;
	if (r->len == r->pos)
		return 0;
	r->body = r->pos;
	if (r->len - r->pos >= 5 && memcmp(r->buf + r->pos, "From ", 5) == 0)
		r->body = eol != NULL ? (size_t)(eol - r->buf) + 1 : r->len;
	if (find_end(r, &end, &next, &cut, err, errlen) == -1)
		return -1;
	n = mbox_clean(r->buf + r->body, end - r->body, r->escaped);
	/* The blank line that separates messages is not part of one. */
	if (!cut && n >= 2 && r->buf[r->body + n - 1] == '\n' &&
	    r->buf[r->body + n - 2] == '\n')
		n--;
	set_msg(r, m, r->pos, r->body, n, cut);
	r->pos = next;
	return 1;
}

int
reader_next(struct reader *r, struct dsn_input_msg *m, char *err,
    size_t errlen)
{
	int rc;

	if (r->done || r->failed)
		return 0;
	switch (r->kind) {
	case K_MBOX:
		rc = next_mbox(r, m, err, errlen);
		break;
	case K_SINGLE:
		rc = next_single(r, m, err, errlen);
		break;
	case K_JUNK:
		snprintf(err, errlen, "%s", r->pending);
		rc = -1;
		break;
	default:
		rc = 0;
	}
	if (rc == -1)
		r->failed = 1;
	if (rc == 0)
		r->done = 1;
	return rc;
}
