/*
 * test_input.c - unit tests of the input layer: envelope lines, the
 * mbox splitter across buffer refills, ">From " unescaping, CRLF and CR
 * files, gzip, Maildir and MH order, the message and decompressed-size
 * limits, unreadable and junk files.  Works in a temporary directory.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "dsn/source.h"
#include "input/mbox.h"

static int failures;
static char dir[] = "/tmp/test_input.XXXXXX";
static struct dsn_limits lim;

#define CHECK(c) do { if (!(c)) { failures++; \
	fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #c); } \
	} while (0)

static char *
path(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void
put(const char *name, const char *data, size_t len)
{
	FILE *fp = fopen(path(name), "wb");

	CHECK(fp != NULL);
	if (fp == NULL)
		return;
	CHECK(fwrite(data, 1, len, fp) == len);
	fclose(fp);
}

static void
putgz(const char *name, const char *data, size_t len)
{
	gzFile gz = gzopen(path(name), "wb");

	CHECK(gz != NULL && gzwrite(gz, data, (unsigned)len) == (int)len);
	gzclose(gz);
}

/*
 * Reads every message of name; stores lengths, first bytes, errors.
 * Returns the number of messages.
 */
struct got {
	int	n, errors;
	char	first[64][32];
	size_t	len[64];
	long long off[64];
	int	cut[64];
	char	last[4096];	/* the last message, whole */
};

static int
read_all(const char *p, int flags, struct got *g)
{
	struct dsn_source *s;
	struct dsn_input_msg m;
	char err[512];
	int rc;

	memset(g, 0, sizeof(*g));
	if ((s = dsn_source_open(p, flags, &lim, err, sizeof(err))) == NULL)
		return -1;
	while ((rc = dsn_source_next(s, &m, err, sizeof(err))) != 0) {
		if (rc < 0) {
			g->errors++;
			continue;
		}
		if (g->n < 64) {
			snprintf(g->first[g->n], 32, "%.*s",
			    (int)(m.len < 31 ? m.len : 31), m.buf);
			g->len[g->n] = m.len;
			g->off[g->n] = m.offset;
			g->cut[g->n] = m.truncated;
		}
		snprintf(g->last, sizeof(g->last), "%.*s",
		    (int)(m.len < 4095 ? m.len : 4095), m.buf);
		g->n++;
	}
	dsn_source_close(s);
	return g->n;
}

static void
test_envelope(void)
{
	static const char *good = "From MAILER-DAEMON Mon Apr 27 17:34:04 2009";
	static const char *two = "From a@example.com  Wed Sep 17 22:25:40 2008";
	static const char *rfc = "From x Mon, 1 Jan 2015 00:00:00 +0900";
	static const char *noyear = "From x@example.com Mon Apr 27 17:34:04";

	CHECK(mbox_is_envelope(good, strlen(good), 1));
	CHECK(mbox_is_envelope(two, strlen(two), 1));
	CHECK(mbox_is_envelope(rfc, strlen(rfc), 1));
	/* One rule: a time and a year alone, or a date without its year,
	 * never split, wherever the line stands. */
	CHECK(!mbox_is_envelope("From x 12:00 2024", 17, 0));
	CHECK(!mbox_is_envelope(noyear, strlen(noyear), 0));
	CHECK(!mbox_is_envelope(noyear, strlen(noyear), 1));
	CHECK(!mbox_is_envelope("From x 12:00", 12, 1));
	CHECK(!mbox_is_envelope("From the start, we knew", 23, 0));
	CHECK(!mbox_is_envelope("From: a@example.com 10:00", 25, 0));
}

/*
 * mbox_find_next() at every alignment: "From:" and "From the" lines
 * are passed over, a ">From " line is noted, and the envelope line is
 * found, whichever 16, 32 or 64-byte block each falls in.
 */
static void
test_find_next(void)
{
	static const char env[] = "From b@example.com Mon Apr 27 17:34:05 2009\n"
	    "Subject: two\n\nx\n";
	char	 buf[1024];
	size_t	 n, k, at, f;
	int	 found, esc, quoted;

	for (quoted = 0; quoted < 2; quoted++)
		for (k = 0; k < 140; k++) {
			n = 0;
			memset(buf, 'x', k);
			n += k;
			n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			    "\nFrom: a@example.com\nFrom the start 10:00\n"
			    "Final-Recipient: rfc822; a@example.com\n%s"
			    "more text that runs on for a while, then\n",
			    quoted ? ">From quoted\n" : "> not\n");
			at = n;
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s",
			    env);
			esc = 0;
			f = mbox_find_next(buf, 0, 0, n, 1, &found, &esc, NULL);
			CHECK(found && f == at);
			CHECK(esc == quoted);
		}
}

/*
 * mbox_find_next() with a CR at each place of a body of 64-byte blocks
 * and a tail: *cr is set whichever block, or the tail, it falls in (no
 * CR may leave it clear, where the wide scan can tell).
 */
static void
test_find_cr(void)
{
	static const char env[] = "From b@example.com Mon Apr 27 17:34:05 2009\n"
	    "x\n";
	char	 buf[512];
	size_t	 body, k, i, f;
	int	 found, esc, cr;

	for (body = 60; body < 330; body += 67)
		for (k = 0; k <= body; k++) {
			for (i = 0; i < body; i++)
				buf[i] = i % 40 == 39 ? '\n' : 'x';
			buf[body - 1] = '\n';
			if (k < body - 1)	/* the last newline stays */
				buf[k] = '\r';
			memcpy(buf + body, env, sizeof(env) - 1);
			esc = cr = 0;
			f = mbox_find_next(buf, 0, 0, body + sizeof(env) - 1,
			    1, &found, &esc, &cr);
			CHECK(found && f == body);
			if (k < body - 1)
				CHECK(cr);
		}
}

static const char mbox[] =
    "From a@example.com Mon Apr 27 17:34:04 2009\n"
    "Subject: one\n\nbody\n\nFrom the start: not a split 10:00\n"
    ">From escaped\n>>From twice\n\n"
    "From b@example.com Mon Apr 27 17:34:05 2009\n"
    "Subject: two\n\nx\n"
    "From c@example.com Tue Apr 28 08:17:48 2009\n"
    "Subject: three\n\ny\nFrom here on, text 10:00 2009\n";

static void
test_mbox(void)
{
	struct got g;

	put("m1", mbox, sizeof(mbox) - 1);
	CHECK(read_all(path("m1"), 0, &g) == 3 && g.errors == 0);
	CHECK(strncmp(g.first[0], "Subject: one", 12) == 0);
	CHECK(strncmp(g.first[2], "Subject: three", 14) == 0);
	CHECK(g.off[0] == 0 && g.off[1] > 0);
	CHECK(strstr(g.last, "From here on") != NULL);
	put("m1", mbox, sizeof(mbox) - 1);
	/* The first message, unescaped, without the separating line. */
	read_all(path("m1"), 0, &g);
	CHECK(g.len[0] == strlen("Subject: one\n\nbody\n\nFrom the start: "
	    "not a split 10:00\nFrom escaped\n>From twice\n"));
}

/* The same mbox with CRLF, with CR, and gzipped: same messages. */
static void
test_line_endings(void)
{
	char crlf[2048], cr[sizeof(mbox)];
	struct got a, b, c, d;
	size_t i, n = 0;

	for (i = 0; i < sizeof(mbox) - 1; i++) {
		if (mbox[i] == '\n')
			crlf[n++] = '\r';
		crlf[n++] = mbox[i];
		cr[i] = mbox[i] == '\n' ? '\r' : mbox[i];
	}
	put("lf", mbox, sizeof(mbox) - 1);
	put("crlf", crlf, n);
	put("cr", cr, sizeof(mbox) - 1);
	putgz("gz", crlf, n);
	read_all(path("lf"), 0, &a);
	read_all(path("crlf"), 0, &b);
	read_all(path("cr"), 0, &c);
	read_all(path("gz"), 0, &d);
	CHECK(a.n == 3 && b.n == 3 && c.n == 3 && d.n == 3);
	for (i = 0; i < 3; i++) {
		CHECK(a.len[i] == b.len[i] && a.len[i] == c.len[i] &&
		    a.len[i] == d.len[i]);
		CHECK(b.off[i] == d.off[i]);
	}
	CHECK(strcmp(a.last, b.last) == 0 && strcmp(a.last, c.last) == 0);
}

/* Many messages: boundaries fall across buffer refills. */
static void
test_big(void)
{
	size_t cap = 8 << 20, n = 0;
	char *buf = malloc(cap);
	struct got g;
	int i;

	for (i = 0; n + 600 < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n,
		    "From x@example.com Mon Apr 27 17:34:04 2009\n"
		    "Subject: %d\n\n%0*d\n\n", i, 7 + i % 500, 0);
	put("big", buf, n);
	CHECK(read_all(path("big"), 0, &g) == i && g.errors == 0);
	CHECK(strncmp(g.last, "Subject: ", 9) == 0 &&
	    atoi(g.last + 9) == i - 1);
	/* Cut at the message limit, and the next messages still come. */
	n = (size_t)snprintf(buf, cap, "From x@example.com Mon Apr 27 "
	    "17:34:04 2009\nSubject: big\n\n");
	memset(buf + n, 'a', 3 << 20);
	n += 3 << 20;
	n += (size_t)snprintf(buf + n, cap - n, "\n\nFrom y@example.com Mon "
	    "Apr 27 17:34:04 2009\nSubject: next\n\nz\n");
	put("cut", buf, n);
	lim.message_bytes = 1 << 20;
	CHECK(read_all(path("cut"), 0, &g) == 2 && g.cut[0] && !g.cut[1]);
	CHECK(g.len[0] <= (size_t)1 << 20 && strcmp(g.last,
	    "Subject: next\n\nz\n") == 0);
	/* A gzip bomb stops at the decompressed limit. */
	putgz("bomb.gz", buf, n);
	lim.decompressed_bytes = 1 << 20;
	read_all(path("bomb.gz"), 0, &g);
	CHECK(g.errors == 1);
	dsn_limits_default(&lim);
	free(buf);
}

static void
test_folders(void)
{
	static const char msg[] = "Subject: s\n\nb\n";
	struct got g;
	char junk[256];
	int i;

	mkdir(path("md"), 0700);
	mkdir(path("md/cur"), 0700);
	mkdir(path("md/new"), 0700);
	mkdir(path("md/tmp"), 0700);
	mkdir(path("md/.Sub"), 0700);
	mkdir(path("md/.Sub/new"), 0700);
	put("md/cur/2:2,S", "Subject: b\n\n", 12);
	put("md/cur/1:2,S", "Subject: a\n\n", 12);
	put("md/new/3", "Subject: c\n\n", 12);
	put("md/tmp/4", "Subject: d\n\n", 12);
	put("md/.Sub/new/5", "Subject: e\n\n", 12);
	CHECK(read_all(path("md"), 0, &g) == 3);
	CHECK(strcmp(g.first[0], "Subject: a\n\n") == 0 &&
	    strcmp(g.first[2], "Subject: c\n\n") == 0);
	CHECK(read_all(path("md"), DSN_SOURCE_RECURSE, &g) == 4);
	mkdir(path("mh"), 0700);
	put("mh/10", "Subject: ten\n\n", 14);
	put("mh/9", "Subject: nine\n\n", 15);
	put("mh/.mh_sequences", "cur: 9\n", 7);
	CHECK(read_all(path("mh"), 0, &g) == 2 &&
	    strncmp(g.first[0], "Subject: nine", 13) == 0);
	for (i = 0; i < 256; i++)
		junk[i] = (char)(i * 7 + 3);
	put("mh/11", junk, sizeof(junk));
	CHECK(read_all(path("mh"), 0, &g) == 2 && g.errors == 1);
	put("mh/12", msg, 0);			/* empty: no message */
	CHECK(read_all(path("mh"), 0, &g) == 2 && g.errors == 1);
	CHECK(read_all(path("nonexistent"), 0, &g) == -1);
	/* A truncated gzip is an error, not a short message. */
	putgz("t.gz", mbox, sizeof(mbox) - 1);
	truncate(path("t.gz"), 40);
	CHECK(read_all(path("t.gz"), 0, &g) == 0 && g.errors == 1);
}

int
main(void)
{
	char cmd[600];

	if (mkdtemp(dir) == NULL)
		return 1;
	dsn_limits_default(&lim);
	test_envelope();
	test_find_next();
	test_find_cr();
	test_mbox();
	test_line_endings();
	test_big();
	test_folders();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		failures++;
	return failures > 0;
}
