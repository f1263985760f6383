/*
 * reader.c - one file or stdin, inflated with zlib when gzipped (every
 * member; bytes after the last one reported), sniffed (by structure,
 * libmagic for the rest) and split into messages.  Data that stops short
 * (read error, truncated gzip) still yields every message before the cut.
 *
 * Memory: one buffer that holds the message being cut plus one read
 * chunk (at first, the bytes sniffed too); it grows only for a larger
 * message, never past the message limit plus a chunk, and for gzip 256
 * KB of raw bytes read ahead.  Messages handed out point into it
 * (borrowed until the next call).  The reader owns its copy of the path
 * and the file descriptor.
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
#define MAX_READ	((size_t)1 << 30)	/* inflate takes a uInt */
#define INBUF		((size_t)256 << 10)	/* raw bytes read ahead */

enum kind { K_EMPTY, K_MBOX, K_SINGLE, K_JUNK };

struct reader {
	char			*path;
	const struct dsn_limits	*lim;
	int			 fd;
	z_stream		 z;		/* gzip: the inflater */
	int			 zinit;		/* z set up */
	int			 compressed;
	int			 between;	/* gzip: at a member's end */
	int			 raw_eof;	/* no more bytes from fd */
	int			 zeros;		/* gzip: padding after a member */
	unsigned char		*in;		/* gzip: raw bytes read ahead */
	size_t			 in_pos, in_len;
	long long		 raw_off;	/* file offset of in[0] */
	int			 cr_only;	/* lines end in CR only */
	int			 eof, done, failed;
	enum kind		 kind;
	char			 pending[256];	/* K_JUNK: the error */
	int			 cut;		/* data stops short: why */
	int			 transient;	/* ... an I/O error */
	char			 cutwhy[192];
	char			 trail[192];	/* gzip trailing garbage */
	char			*buf;
	size_t			 cap, len;
	size_t			 pos;		/* next message, From line */
	size_t			 body;		/* its body */
	size_t			 scan;		/* boundary search resumes */
	long long		 base;		/* offset of buf[0] */
	long long		 total;		/* bytes read (decompressed) */
	long			 index;		/* messages read since start */
	long			 before;	/* messages before start */
	int			 skipping;	/* rest of a cut message */
	long long		 start;		/* offset opened at */
	long long		 last;		/* offset of the last message */
	int			 blank_end;	/* data ends in a blank line */
	int			 escaped;	/* message has ">From " lines */
	int			 cr;		/* message may hold a CR */
};

static void
fail(struct reader *r, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: %s", r->path, what);
	r->failed = r->transient = 1;
}

/*
 * The data stops short here (read error, truncated or corrupt gzip, past
 * the decompressed limit): what was read is still split into messages,
 * and the one the cut falls in is reported instead of read.
 */
static void
cut(struct reader *r, int transient, const char *what)
{
	if (r->cut)
		return;
	r->cut = 1;
	r->transient = transient;
	snprintf(r->cutwhy, sizeof(r->cutwhy), "%s", what);
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

/* More raw bytes after in[in_pos, in_len); -1 with errno on an error. */
static int
refill_in(struct reader *r)
{
	ssize_t n;

	if (r->in_pos > 0) {
		memmove(r->in, r->in + r->in_pos, r->in_len - r->in_pos);
		r->in_len -= r->in_pos;
		r->raw_off += (long long)r->in_pos;
		r->in_pos = 0;
	}
	do
		n = read(r->fd, r->in + r->in_len, INBUF - r->in_len);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if (n == 0)
		r->raw_eof = 1;
	r->in_len += (size_t)n;
	return 0;
}

/*
 * Up to want bytes of an uncompressed file, read straight into dst (the
 * first ones are in buf already: see first_bytes()); 0 at its end or a
 * cut.
 */
static size_t
read_plain(struct reader *r, char *dst, size_t want)
{
	ssize_t k;

	if (r->raw_eof)
		return 0;
	do
		k = read(r->fd, dst, want);
	while (k == -1 && errno == EINTR);
	if (k == -1) {
		cut(r, 1, strerror(errno));
		return 0;
	}
	if (k == 0)
		r->raw_eof = 1;
	return (size_t)k;
}

/*
 * After a gzip member: another member, zero bytes of padding (skipped,
 * as gzip(1) does) or the end; anything else is trailing garbage,
 * reported once all the data before it was read.  0 when decided (or
 * more bytes needed), -1 on a read error.
 */
static int
next_member(struct reader *r)
{
	const unsigned char *p;

	while (r->in_pos < r->in_len && r->in[r->in_pos] == 0) {
		r->in_pos++;
		r->zeros = 1;
	}
	if (r->in_len - r->in_pos < 2 && !r->raw_eof)
		return refill_in(r);
	if (r->in_pos == r->in_len)
		return 0;			/* the end */
	p = r->in + r->in_pos;
	if (!r->zeros && r->in_len - r->in_pos >= 2 && p[0] == 0x1f &&
	    p[1] == 0x8b) {
		inflateReset(&r->z);
		r->between = 0;
		return 0;
	}
	snprintf(r->trail, sizeof(r->trail), "bytes after the gzip data "
	    "(at byte %lld of the file) are not gzip: not read",
	    r->raw_off + (long long)r->in_pos);
	r->in_pos = r->in_len;
	r->raw_eof = 1;
	return 0;
}

/* Up to want bytes inflated from a gzip file; short at its end. */
static size_t
read_gzip(struct reader *r, char *dst, size_t want)
{
	size_t got = 0;
	int ret;

	while (got < want && !r->cut) {
		if (r->between) {
			if (next_member(r) == -1) {
				cut(r, 1, strerror(errno));
				break;
			}
			if (r->between && r->in_pos == r->in_len &&
			    r->raw_eof)
				break;			/* the end */
			continue;
		}
		if (r->in_pos == r->in_len) {
			if (r->raw_eof) {
				cut(r, 0, "truncated gzip data");
				break;
			}
			if (refill_in(r) == -1)
				cut(r, 1, strerror(errno));
			continue;
		}
		r->z.next_in = r->in + r->in_pos;
		r->z.avail_in = (uInt)(r->in_len - r->in_pos);
		r->z.next_out = (unsigned char *)dst + got;
		r->z.avail_out = (uInt)(want - got);
		ret = inflate(&r->z, Z_NO_FLUSH);
		got = want - r->z.avail_out;
		r->in_pos = r->in_len - r->z.avail_in;
		if (ret == Z_STREAM_END) {
			r->between = 1;
			r->zeros = 0;
		} else if (ret == Z_MEM_ERROR)
			cut(r, 1, strerror(ENOMEM));
		else if (ret != Z_OK && ret != Z_BUF_ERROR) {
			char why[160];

			snprintf(why, sizeof(why), "corrupt gzip data (%s)",
			    r->z.msg != NULL ? r->z.msg : "zlib error");
			cut(r, 0, why);
		}
	}
	return got;
}

/*
 * Reads one chunk into buf, first dropping the bytes before pos when
 * room is short (offsets into buf then move: pos, body and scan are
 * kept right).  A read error, truncated or corrupt gzip data or the
 * decompressed limit end the data early (cut(), then eof).  Returns 0,
 * or -1 with err set when memory runs out.
 */
static int
fill(struct reader *r, char *err, size_t errlen)
{
	size_t want, i, n;
	char *nb, *p;
	char why[128];

	if (r->eof)
		return 0;
	/* Bytes before pos (the current message) are done with. */
	if (r->cap - r->len < CHUNK && r->pos > 0)
		compact(r, r->pos);
	if (r->cap - r->len < CHUNK) {
		want = r->len + CHUNK;
		if (want < r->cap + r->cap / 2)
			want = r->cap + r->cap / 2;
		/*
		 * Not realloc(): it copies the whole old buffer, and a
		 * small file grows it once with a few bytes in it (in a
		 * directory of messages that copy was most of the run).
		 */
		if ((nb = malloc(want + 1)) == NULL) {
			fail(r, err, errlen, strerror(errno));
			return -1;
		}
		if (r->len > 0)
			memcpy(nb, r->buf, r->len);
		free(r->buf);
		r->buf = nb;
		r->cap = want;
	}
	want = r->cap - r->len;
	if (want > MAX_READ)
		want = MAX_READ;
	/* One byte past the decompressed limit at most: it is exact. */
	if (r->compressed && r->lim->decompressed_bytes - (size_t)r->total <
	    want)
		want = r->lim->decompressed_bytes - (size_t)r->total + 1;
	n = r->compressed ? read_gzip(r, r->buf + r->len, want) :
	    read_plain(r, r->buf + r->len, want);
	if (r->compressed && (size_t)r->total + n >
	    r->lim->decompressed_bytes) {
		n = r->lim->decompressed_bytes - (size_t)r->total;
		snprintf(why, sizeof(why), "decompressed size over %zu bytes "
		    "(see --max-decompressed)", r->lim->decompressed_bytes);
		r->trail[0] = '\0';
		cut(r, 0, why);
	}
	if (r->cr_only)
		for (p = r->buf + r->len, i = 0; i < n; i++)
			if (p[i] == '\r')
				p[i] = '\n';
	r->len += n;
	r->total += (long long)n;
	if (n == 0 || r->cut) {
		r->eof = 1;
		r->blank_end = (r->len >= 2 && r->buf[r->len - 1] == '\n' &&
		    r->buf[r->len - 2] == '\n') || (r->len >= 3 &&
		    memcmp(r->buf + r->len - 3, "\n\r\n", 3) == 0);
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
	if (r->cut && r->len == 0) {
		r->kind = K_EMPTY;	/* reader_next() reports the cut */
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

/*
 * Reads the first bytes (up to INBUF, at least two unless the file is
 * shorter) and decides gzip or not from them, as gzip(1) does.  Plain
 * bytes are read straight into buf, where fill() goes on, so they are
 * never copied; gzip bytes are moved to in, for the inflater.  A read
 * error cuts the data (then eof); -1 with errno when memory runs out.
 */
static int
first_bytes(struct reader *r)
{
	ssize_t n;

	while (r->len < 2 && !r->raw_eof) {
		do
			n = read(r->fd, r->buf + r->len, INBUF - r->len);
		while (n == -1 && errno == EINTR);
		if (n == -1) {
			cut(r, 1, strerror(errno));
			r->eof = 1;
			break;
		}
		if (n == 0)
			r->raw_eof = 1;
		r->len += (size_t)n;
	}
	if (r->len < 2 || (unsigned char)r->buf[0] != 0x1f ||
	    (unsigned char)r->buf[1] != 0x8b) {
		r->total = (long long)r->len;
		return 0;
	}
	if ((r->in = malloc(INBUF)) == NULL)
		return -1;
	memcpy(r->in, r->buf, r->len);
	r->in_len = r->len;
	r->len = 0;
	r->compressed = 1;
	return 0;
}

struct reader *
reader_open(const char *path, const struct dsn_limits *lim,
    void **cookie, char *err, size_t errlen)
{
	return reader_open_at(path, 0, 0, lim, cookie, err, errlen);
}

struct reader *
reader_open_at(const char *path, long long from, long before,
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
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	r->fd = fd;
	r->cap = INBUF + CHUNK;
	if ((r->path = strdup(path)) == NULL ||
	    (r->buf = malloc(r->cap + 1)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		reader_close(r);
		return NULL;
	}
	r->lim = lim;
	r->start = r->base = r->last = r->raw_off = from > 0 ? from : 0;
	r->before = from > 0 && before > 0 ? before : 0;
	if (first_bytes(r) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		reader_close(r);
		return NULL;
	}
	if (r->compressed) {
		if (inflateInit2(&r->z, 16 + MAX_WBITS) != Z_OK) {
			snprintf(err, errlen, "%s: %s", path, r->z.msg != NULL ?
			    r->z.msg : "zlib cannot start");
			reader_close(r);
			return NULL;
		}
		r->zinit = 1;
	}
	sniff(r, cookie);
	return r;
}

const char *
reader_path(const struct reader *r)
{
	return r->path;
}

long long
reader_resume(const struct reader *r, long *before)
{
	*before = r->before + r->index;
	if (r->failed || !r->done || r->compressed || r->cut)
		return -1;
	if (r->kind == K_EMPTY)
		return r->start;
	if (r->kind != K_MBOX)
		return -1;
	if (r->blank_end)
		return r->base + (long long)r->len;
	/* The last message is read again next time. */
	if (r->index > 0)
		(*before)--;
	return r->last;
}

void
reader_close(struct reader *r)
{
	if (r == NULL)
		return;
	if (r->zinit)
		inflateEnd(&r->z);
	close(r->fd);		/* set with r */
	free(r->in);
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
	m->index = r->before + ++r->index;
	m->offset = r->last = r->base + (long long)at;
	m->truncated = truncated;
}

/* The message at at runs into a cut in the data: reported, not read. */
static int
cut_message(struct reader *r, size_t at, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: message %ld (offset %lld): %s: the "
	    "message is cut short, not read", r->path, r->before + ++r->index,
	    r->base + (long long)at, r->cutwhy);
	return -1;
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
	if (r->cut && n <= max)
		return cut_message(r, r->pos, err, errlen);
	if (n > max)
		n = max;
	n = mbox_clean(r->buf + r->pos, n, 0, 1);
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
	r->cr = 0;
	for (;;) {
		f = mbox_find_next(r->buf, r->body, r->scan, r->len,
		    r->eof, &found, &r->escaped, &r->cr);
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
			r->cr = 1;	/* the end may pass the bytes looked at */
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
	if (!cut && r->cut && next == r->len)
		return cut_message(r, r->pos, err, errlen);
	n = mbox_clean(r->buf + r->body, end - r->body, r->escaped, r->cr);
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
		if (r->cut)	/* judged on what could be read */
			snprintf(err, errlen, "%s: %s", r->path, r->cutwhy);
		else
			snprintf(err, errlen, "%s", r->pending);
		rc = -1;
		break;
	default:
		rc = 0;
	}
	/* The data ended early, or gzip had garbage after it: said last. */
	if (rc == 0 && (r->cut || r->trail[0] != '\0')) {
		snprintf(err, errlen, "%s: %s", r->path, r->cut ? r->cutwhy :
		    r->trail);
		rc = -1;
	}
	if (rc == -1)
		r->failed = 1;
	if (rc == 0)
		r->done = 1;
	return rc;
}

int
reader_final(const struct reader *r)
{
	return (r->done || r->failed) && !r->transient;
}
