/*
 * test_message.c - the message layer alone: header folding over LF,
 * CRLF and CR, MIME nesting, base64 and quoted-printable, RFC 2047,
 * charsets, addresses, and the record setter's repairs.  Exits non-zero
 * and names each failed check.
 */
#define _GNU_SOURCE	/* memmem, to compare msg_memmem() with */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsn/record.h"
#include "message/message.h"

#include "check.h"

/* The same message with each line ending gives the same fields. */
static void
test_headers(void)
{
	static const char *const ends[] = { "\n", "\r\n", "\r" };
	struct dsn_limits	 lim;
	struct msg		*m;
	char			 buf[512], err[64], what[64];
	size_t			 i;

	dsn_limits_default(&lim);
	for (i = 0; i < 3; i++) {
		snprintf(buf, sizeof(buf), "Subject: one%s\ttwo%s"
		    "X-Empty:%sfrom : x@example.com%s%sbody%s", ends[i],
		    ends[i], ends[i], ends[i], ends[i], ends[i]);
		m = msg_parse(buf, strlen(buf), &lim, err, sizeof(err));
		snprintf(what, sizeof(what), "headers ending %zu", i);
		check_str(what, msg_header(m, NULL, "SUBJECT"), "one two");
		check_str(what, msg_header(m, NULL, "from"), "x@example.com");
		check_str(what, msg_header(m, NULL, "x-empty"), "");
		check_str(what, msg_header(m, NULL, "To"), NULL);
		check_int(what, (long)m->parts[0].bodylen,
		    (long)(4 + strlen(ends[i])));
		msg_free(m);
	}
}

static void
test_mime(void)
{
	const char *msgtext =
	    "Content-Type: multipart/mixed; boundary=\"outer\"\n\n"
	    "preamble\n--outer\nContent-Type: text/plain; charset=iso-8859-1\n"
	    "Content-Transfer-Encoding: quoted-printable\n\ncaf=E9 =\nau lait\n"
	    "--outer\nContent-Type: multipart/alternative; boundary=inner\n\n"
	    "--inner\nContent-Type: text/plain\nContent-Transfer-Encoding: "
	    "base64\n\naGVsbG8gd29ybGQ=\n--inner--\n"
	    "--outer\nContent-Type: message/rfc822\n\n"
	    "Subject: =?ISO-8859-1?Q?caf=E9?= =?UTF-8?B?IMOg?= x\n\nnested\n"
	    "--outer\nContent-Type: text/plain\n\nno closing delimiter\n";
	struct dsn_limits	 lim;
	struct msg		*m;
	struct msg_part		*p;
	const char		*t;
	char			 err[64];
	size_t			 len;

	dsn_limits_default(&lim);
	m = msg_parse(msgtext, strlen(msgtext), &lim, err, sizeof(err));
	check_int("mime parts", m->nparts, 7);
	p = &m->parts[1];
	check_str("mime part 1 type", p->type, "text/plain");
	t = msg_part_text(m, p, &len);
	check_str("qp + latin-1", t, "caf\xc3\xa9 au lait");
	p = msg_find_type(m, NULL, "multipart/alternative");
	check_int("inner found", p != NULL, 1);
	if (p != NULL && p->child >= 0) {
		t = msg_part_body(m, &m->parts[p->child], &len);
		check_int("base64 length", (long)len, 11);
		check_int("base64", len == 11 && memcmp(t, "hello world",
		    11) == 0, 1);
	}
	p = msg_find_type(m, NULL, "message/rfc822");
	check_int("rfc822 child", p != NULL && p->child >= 0, 1);
	if (p != NULL && p->child >= 0) {
		check_int("nested is message",
		    m->parts[p->child].is_message, 1);
		check_str("2047 joined", msg_header(m, &m->parts[p->child],
		    "Subject"), "caf\xc3\xa9 \xc3\xa0 x");
	}
	t = msg_part_body(m, &m->parts[m->nparts - 1], &len);
	check_int("unclosed last part", len >= 19 &&
	    memcmp(t, "no closing delimiter", 20) == 0, 1);
	msg_free(m);

	/* Depth limit: nesting is cut, not followed. */
	lim.mime_depth = 1;
	m = msg_parse(msgtext, strlen(msgtext), &lim, err, sizeof(err));
	check_int("depth limit truncates", m->truncated, 1);
	msg_free(m);
}

static void
test_decoders(void)
{
	char	 out[64];
	size_t	 n;

	n = msg_base64_decode("Zm9v\nYmE=", 9, out);
	check_int("b64 pad", (long)n, 5);
	n = msg_base64_decode("Zm9vYg", 6, out);
	check_int("b64 no pad", (long)n, 4);
	n = msg_qp_decode("a=3Db=\r\nc=ZZ", 12, out, 0);
	out[n] = '\0';
	check_str("qp", out, "a=bc=ZZ");
	n = msg_qp_decode("a_b=5F", 6, out, 1);
	out[n] = '\0';
	check_str("q", out, "a b_");
}

/*
 * Values of one line of words and single spaces are only trimmed; a
 * control byte or two spaces anywhere (also in the last block of 16)
 * go the long way: spaces collapsed, controls made one DEL.
 */
static void
test_unfold(void)
{
	static const struct {
		const char	*in, *want;
	} cases[] = {
		{ "", "" }, { " ", "" }, { " a b ", "a b" },
		{ " 0123456789abcdef", "0123456789abcdef" },
		{ " 0123456789abcdef ", "0123456789abcdef" },
		{ " 0123456789abcdefghijklmnopqrstu  v",
		    "0123456789abcdefghijklmnopqrstu v" },
		{ " 0123456789abcdefghijklmnopqrstuv\x01",
		    "0123456789abcdefghijklmnopqrstuv" },
		{ " 0123456789abcdefghijklmnopqrst\x01uv",
		    "0123456789abcdefghijklmnopqrst\x7fuv" },
		{ " a\r\n\tb", "a b" }, { "  a  ", "a" },
	};
	struct arena	*a = arena_new();
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_str(cases[i].in, msg_unfold(a, cases[i].in,
		    strlen(cases[i].in)), cases[i].want);
	arena_free(a);
}

static void
test_charset_addr(void)
{
	struct arena	*a = arena_new();
	char		*in;
	size_t		 n;

	check_str("koi8-r", msg_to_utf8(a, "koi8-r", "\xf0\xd2", 2, &n),
	    "\xd0\x9f\xd1\x80");
	/* 8-bit bytes in ISO-2022-JP: one U+FFFD each, in either set. */
	check_str("iso-2022-jp 8-bit run", msg_to_utf8(a, "iso-2022-jp",
	    "ab\xa4\xa2\xa4\xa4" "cd", 8, &n), "ab\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbd" "cd");
	check_str("iso-2022-jp 8-bit run in JIS X 0208", msg_to_utf8(a,
	    "iso-2022-jp", "\x1b$B\x30\x21\xa4\xa2\x30\x21\x1b(Bz", 13,
	    &n), "\xe4\xba\x9c\xef\xbf\xbd\xef\xbf\xbd\xe4\xba\x9c" "z");
	/*
	 * ASCII runs are copied without iconv, but only in the ASCII
	 * state: after an ESC ( B read as one, not after one that a
	 * single shift (ESC N, with ISO-8859-1 as G2) took a byte of.
	 */
	check_str("iso-2022-jp runs", msg_to_utf8(a, "iso-2022-jp",
	    "ab\n\x1b$B\x30\x21\x1b(Bcd\x1b$B\x30\x21\n\x1b(B", 22, &n),
	    "ab\n\xe4\xba\x9c" "cd\xe4\xba\x9c\n");
	check_str("iso-2022-jp long runs", msg_to_utf8(a, "iso-2022-jp",
	    "0123456789abcdefghij\x1b$B\x30\x21\x1b(B0123456789abcdefghij",
	    48, &n), "0123456789abcdefghij\xe4\xba\x9c"
	    "0123456789abcdefghij");
	check_str("iso-2022-jp-2 shifted ESC", msg_to_utf8(a,
	    "iso-2022-jp-2", "\x1b.A\x1bN\x1b(Bx", 10, &n),
	    "\xc2\x9b(Bx");
	check_str("unknown charset kept", msg_to_utf8(a, "x-nonesuch",
	    "ab", 2, &n), "ab");
	/*
	 * A final SO that iconv takes in and then refuses: U+FFFD, and no
	 * read past the end of the text (a buffer of its own size).
	 */
	if ((in = malloc(4)) != NULL) {
		memcpy(in, "903\x0e", 4);
		check_str("iso-2022-cn-ext final SO", msg_to_utf8(a,
		    "ISO-2022-CN-EXT", in, 4, &n), "903\xef\xbf\xbd");
		check_int("iso-2022-cn-ext final SO length", (long)n, 6);
		free(in);
	}
	check_str("2047 unknown charset", msg_decode_header(a,
	    "=?x-nonesuch?Q?ab?=", 19), "ab");
	check_str("addr rfc822", msg_addr(a, "rfc822; <A@Example.COM>", 23),
	    "A@Example.COM");
	check_str("addr comment", msg_addr(a, "Bob (x@y.example) "
	    "<bob@example.org>", 34), "bob@example.org");
	check_str("addr bare", msg_addr(a, "RFC822;user@example.net.", 24),
	    "user@example.net");
	check_str("addr route", msg_addr(a, "@relay.example:u@example.org",
	    28), "u@example.org");
	check_str("addr none", msg_addr(a, "  ", 2), NULL);
	/* 16 bytes and more: the value is scanned a block at a time. */
	check_str("addr long control", msg_addr(a,
	    "rfc822; mallory\x01victim@example.org", 34), NULL);
	check_str("addr long DEL", msg_addr(a,
	    "victim@example.org, mallory\x7f", 28), NULL);
	check_str("addr long plain", msg_addr(a,
	    "rfc822;   someone.else@example.org", 34),
	    "someone.else@example.org");
	check_str("addr long comment", msg_addr(a,
	    "Some Name (a note) <name@example.org> (x)", 41),
	    "name@example.org");
	check_str("addr long quote", msg_addr(a,
	    "\"Doe; John\" <jd@example.org>", 28), "jd@example.org");
	check_str("addr late semicolon", msg_addr(a,
	    "Postmaster team; see <pm@example.org>", 37), "pm@example.org");
	check_str("addr no at", msg_addr(a, "rfc822; postmaster here", 23),
	    "postmaster");
	arena_free(a);
}

static void
test_record(void)
{
	struct dsn_record	*r = dsn_record_new();

	dsn_record_set(r, DSN_F_DIAGNOSTIC, " a\r\n\tb\x01 \xff c ", 13);
	check_str("record repair", r->v[DSN_F_DIAGNOSTIC],
	    "a b \xef\xbf\xbd c");
	dsn_record_set(r, DSN_F_DIAGNOSTIC, " \t ", 3);
	check_str("record empty", r->v[DSN_F_DIAGNOSTIC], NULL);
	check_int("field lookup", dsn_field_lookup("reply_code"),
	    DSN_F_REPLY_CODE);
	dsn_record_free(r);
}

/*
 * Values past the record's inner pool (long ones, many sets, a bad
 * byte growing a value) stay whole through dup and move.
 */
static void
test_record_pool(void)
{
	struct dsn_record	*a = dsn_record_new(), *b, *c;
	char			 big[3000], bad[600];
	int			 i;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(bad, '\xff', sizeof(bad));
	for (i = 0; i < 40; i++)
		dsn_record_sets(a, DSN_F_SUBJECT, i % 2 ? "odd" : "even one");
	dsn_record_sets(a, DSN_F_DIAGNOSTIC, big);
	dsn_record_set(a, DSN_F_CATEGORY, bad, sizeof(bad));
	dsn_record_sets(a, DSN_F_STATUS, "5.1.1");
	b = dsn_record_dup(a);
	dsn_record_free(a);
	check_str("pool dup short", b->v[DSN_F_STATUS], "5.1.1");
	check_str("pool dup long", b->v[DSN_F_DIAGNOSTIC], big);
	check_int("pool dup grown", (int)strlen(b->v[DSN_F_CATEGORY]),
	    3 * (int)sizeof(bad));
	check_str("pool overwritten", b->v[DSN_F_SUBJECT], "odd");
	c = dsn_record_new();
	for (i = 0; i < DSN_F_COUNT; i++)
		check_int("pool move", dsn_record_move(c, b, i), 0);
	dsn_record_free(b);
	check_str("pool moved short", c->v[DSN_F_STATUS], "5.1.1");
	check_str("pool moved long", c->v[DSN_F_DIAGNOSTIC], big);
	check_str("pool moved absent", c->v[DSN_F_SENDER], NULL);
	dsn_record_free(c);
}

/* Back to back delimiters give an empty part, never a negative length. */
static void
test_adjacent_delims(void)
{
	const char *msgtext =
	    "Content-Type: multipart/mixed; boundary=\"b\"\n\n"
	    "--b\n--b\nContent-Type: text/plain\n\nhello\n--b--\n";
	struct dsn_limits	 lim;
	struct msg		*m;
	char			 err[64];
	size_t			 len;
	int			 i;

	dsn_limits_default(&lim);
	m = msg_parse(msgtext, strlen(msgtext), &lim, err, sizeof(err));
	check_int("adjacent delimiters: parts", m->nparts, 3);
	for (i = 0; i < m->nparts; i++) {
		(void)msg_part_body(m, &m->parts[i], &len);
		check_int("adjacent delimiters: length within the message",
		    len <= strlen(msgtext), 1);
	}
	(void)msg_part_body(m, &m->parts[1], &len);
	check_int("adjacent delimiters: empty part", (long)len, 0);
	msg_free(m);
}

/*
 * msg_memmem() agrees with a plain search for needles at every place of
 * haystacks on both sides of 16 places, near misses included.
 */
static void
test_memmem(void)
{
	char		 hay[80], needle[8];
	const char	*got, *want;
	size_t		 hl, nl, at, i;
	int		 bad = 0;

	for (hl = 0; hl < sizeof(hay); hl++)
		for (nl = 1; nl < sizeof(needle) && nl <= hl; nl++)
			for (at = 0; at + nl <= hl; at++) {
				memset(hay, '-', hl);
				for (i = 0; i < nl; i++)
					needle[i] = i == 1 ? '-' : 'a' + i;
				/* A near miss (last byte wrong) before it. */
				if (at >= nl + 1) {
					memcpy(hay, needle, nl);
					hay[nl - 1] = 'z';
				}
				memcpy(hay + at, needle, nl);
				got = msg_memmem(hay, hl, needle, nl);
				want = memmem(hay, hl, needle, nl);
				bad += got != want;
			}
	check_int("msg_memmem: places that differ from memmem", bad, 0);
	check_str("msg_memmem: absent", msg_memmem("abcabcabcabcabcabcabc",
	    21, "abd", 3), NULL);
}

int
main(void)
{
	test_memmem();
	test_headers();
	test_mime();
	test_adjacent_delims();
	test_decoders();
	test_unfold();
	test_charset_addr();
	test_record();
	test_record_pool();
	if (failures)
		printf("test_message: %d failures\n", failures);
	return failures != 0;
}
