/*
 * test_recio.c - unit tests of the record writers (recout) and readers
 * (recin): round trips through JSON Lines, JSON arrays and CSV, formula
 * neutralisation, invalid UTF-8, multi-line CSV cells, bad rows, input
 * that is not records (junk, binary, non-objects), \u0000; the setters'
 * cleaning against a byte-by-byte model, and the values they mark as
 * needing no JSON escape.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsn/recin.h"
#include "dsn/recout.h"
#include "output/recutf8.h"

static int failures;

#define CHECK(c) do { if (!(c)) { failures++; \
	fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #c); } \
	} while (0)

static const char *cols[DSN_F_COUNT];

static struct dsn_record *
sample(void)
{
	struct dsn_record *r = dsn_record_new();

	dsn_record_sets(r, DSN_F_SOURCE, "box,with \"quotes\"");
	dsn_record_sets(r, DSN_F_MESSAGE, "3");
	dsn_record_sets(r, DSN_F_OFFSET, "12345");
	dsn_record_sets(r, DSN_F_RECIPIENT, "user@example.com");
	dsn_record_sets(r, DSN_F_STATUS, "5.1.1");
	dsn_record_sets(r, DSN_F_REPLY_CODE, "550");
	dsn_record_sets(r, DSN_F_DIAGNOSTIC, "=HYPERLINK(\"x\")");
	dsn_record_sets(r, DSN_F_SUBJECT, "-5");
	dsn_record_sets(r, DSN_F_LIST_ID, "'+x");
	/*
	 * Bypass the setter's repair (bytes changed in place): the writer
	 * must cope by itself.  The value holds '"', so it is not marked
	 * plain (a plain one is copied as it is: only shortening it is
	 * allowed, through dsn_record_truncate()).
	 */
	dsn_record_sets(r, DSN_F_SENDER, "bad XX bytes X \xc3\xa9 \"q\"");
	memcpy(r->v[DSN_F_SENDER] + 4, "\xff\xfe", 2);
	r->v[DSN_F_SENDER][13] = '\xc3';
	return r;
}

/* Writes rec in fmt, reads it back; returns the object (or NULL). */
static json_t *
roundtrip(enum dsn_outfmt fmt, const struct dsn_record *r, char **text)
{
	struct dsn_recin *in;
	struct dsn_recout *w;
	json_t *obj = NULL, *extra = NULL;
	char err[256];
	FILE *fp = tmpfile();
	long n;

	w = dsn_recout_new(fp, fmt, cols, DSN_F_COUNT, 0);
	CHECK(dsn_recout_record(w, r) == 0);
	CHECK(dsn_recout_close(w) == 0);
	n = ftell(fp);
	rewind(fp);
	*text = calloc(1, (size_t)n + 1);
	CHECK(fread(*text, 1, (size_t)n, fp) == (size_t)n);
	rewind(fp);
	in = dsn_recin_new(fp);
	if (dsn_recin_next(in, &obj, err, sizeof(err)) != 1) {
		failures++;
		fprintf(stderr, "read back: %s\n%s", err, *text);
	}
	CHECK(dsn_recin_next(in, &extra, err, sizeof(err)) == 0);
	dsn_recin_free(in);
	fclose(fp);
	return obj;
}

static void
check_object(json_t *o)
{
	const char *s;

	CHECK(json_is_object(o));
	CHECK(json_object_size(o) == DSN_F_COUNT);
	CHECK(json_integer_value(json_object_get(o, "message")) == 3);
	CHECK(json_integer_value(json_object_get(o, "reply_code")) == 550);
	CHECK(json_is_null(json_object_get(o, "action")));
	CHECK(strcmp(json_string_value(json_object_get(o, "source")),
	    "box,with \"quotes\"") == 0);
	CHECK(strcmp(json_string_value(json_object_get(o, "diagnostic")),
	    "=HYPERLINK(\"x\")") == 0);
	CHECK(strcmp(json_string_value(json_object_get(o, "subject")),
	    "-5") == 0);
	CHECK(strcmp(json_string_value(json_object_get(o, "list_id")),
	    "'+x") == 0);
	s = json_string_value(json_object_get(o, "sender"));
	CHECK(s != NULL && strstr(s, "\xef\xbf\xbd") != NULL);
}

static void
test_formats(void)
{
	struct dsn_record *r = sample();
	json_t *o;
	char *text;
	int f;

	for (f = DSN_OUT_JSONL; f <= DSN_OUT_CSV; f++) {
		o = roundtrip(f, r, &text);
		check_object(o);
		if (f == DSN_OUT_CSV) {
			CHECK(strstr(text, ",\"'=HYPERLINK(\"\"x\"\")\",")
			    != NULL);
			CHECK(strstr(text, ",-5,") != NULL);
			CHECK(strstr(text, ",''+x,") != NULL);
			CHECK(strncmp(text, "source,message,", 15) == 0);
		}
		if (f == DSN_OUT_JSON)
			CHECK(text[0] == '[');
		json_decref(o);
		free(text);
	}
	dsn_record_free(r);
}

static int
read_all(const char *text, int *bad, long *badline)
{
	struct dsn_recin *in;
	json_t *o;
	char err[256];
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	int rc, n = 0;

	*bad = 0;
	in = dsn_recin_new(fp);
	while ((rc = dsn_recin_next(in, &o, err, sizeof(err))) != 0) {
		if (rc == 1)
			n++;
		else if (rc == -1) {
			(*bad)++;
			*badline = dsn_recin_line(in);
		} else
			break;
		json_decref(o);
	}
	dsn_recin_free(in);
	fclose(fp);
	return n;
}

static void
test_csv_reader(void)
{
	int bad;
	long line = 0;

	CHECK(read_all("recipient,b\r\n\"x\r\ny\",2\r\n1,2,3\r\n\r\n5,6\n",
	    &bad, &line) == 2);
	CHECK(bad == 1 && line == 4);
	CHECK(read_all("recipient,b\n\"unterminated,1\n", &bad, &line) == 0);
	CHECK(bad == 1);
	CHECK(read_all("\n\n{\"type\":1}\nnot json\n\n[1]\n"
	    "{\"recipient\":\"\xff\"}\n", &bad, &line) == 2);
	CHECK(bad == 2 && line == 6);
	CHECK(read_all("[{\"status\":1},{\"recipient\":2}]", &bad, &line)
	    == 2);
	CHECK(read_all("", &bad, &line) == 0 && bad == 0);
}

/* Input that is not records: junk, binary, JSON that is not a record. */
static void
test_not_records(void)
{
	static const char elf[] = "\x7f" "ELF\x02\x01\x01\0\0\0recipient\n";
	struct dsn_recin *in;
	json_t *o;
	char err[256];
	FILE *fp;
	int bad;
	long line = 0;

	/* A first line that names no record fields is not a CSV header. */
	CHECK(read_all("hello world\nfoo\nbar\n", &bad, &line) == 0);
	CHECK(bad == 3 && line == 3);
	CHECK(read_all("source,message\nx,1\n", &bad, &line) == 0);
	CHECK(bad == 2);
	CHECK(read_all("recipient,a b\nx,1\n", &bad, &line) == 0);
	CHECK(bad == 2);
	/* Junk, then records: the records are read, the rest reported. */
	CHECK(read_all("junk\n{\"recipient\":\"a@example.com\"}\n\"str\"\n"
	    "{}\n3\n[]\nnull\n{\"x\":1}\n{\"type\":\"dsn\"}\n",
	    &bad, &line) == 2);
	CHECK(bad == 7 && line == 8);
	/* Binary: one error, nothing read. */
	fp = fmemopen((void *)elf, sizeof(elf) - 1, "r");
	in = dsn_recin_new(fp);
	CHECK(dsn_recin_next(in, &o, err, sizeof(err)) == -1);
	CHECK(strstr(err, "binary") != NULL);
	CHECK(dsn_recin_next(in, &o, err, sizeof(err)) == 0);
	dsn_recin_free(in);
	fclose(fp);
	CHECK(read_all("caf\xe9 au lait\n\xff\xfe\n", &bad, &line) == 0);
	CHECK(bad == 1);
	/* A quoted header and a BOM are fine. */
	CHECK(read_all("\xef\xbb\xbf\"recipient\",status\nx,5.1.1\n", &bad,
	    &line) == 1 && bad == 0);
}

/* \u0000 is read, and comes back as U+FFFD: no record is dropped. */
static void
test_nul(void)
{
	static const char text[] = "{\"recipient\":\"a\\u0000b@example.com\","
	    "\"x\":[\"\\u0000\"]}\n";
	struct dsn_recin *in;
	json_t *o = NULL;
	char err[256], *s;
	FILE *fp = fmemopen((void *)text, sizeof(text) - 1, "r");

	in = dsn_recin_new(fp);
	CHECK(dsn_recin_next(in, &o, err, sizeof(err)) == 1);
	s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	CHECK(s != NULL && strcmp(s, "{\"recipient\":\"a\xef\xbf\xbd"
	    "b@example.com\",\"x\":[\"\xef\xbf\xbd\"]}") == 0);
	free(s);
	json_decref(o);
	dsn_recin_free(in);
	fclose(fp);
}

static void
test_object_writer(void)
{
	static const char *oc[] = { "recipient", "hard_bounce", "n", "x" };
	struct dsn_recout *w;
	json_t *o;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	o = json_pack("{s:s, s:b, s:i, s:[i]}", "recipient", "@x",
	    "hard_bounce", 1, "n", -7, "x", 1);
	w = dsn_recout_new(fp, DSN_OUT_CSV, oc, 4, 0);
	CHECK(dsn_recout_object(w, o) == 0);
	CHECK(dsn_recout_close(w) == 0);
	fclose(fp);
	CHECK(strcmp(buf, "recipient,hard_bounce,n,x\r\n'@x,true,-7,[1]\r\n")
	    == 0);
	free(buf);
	json_decref(o);
}

/*
 * The cleaning dsn_record_set() documents, byte by byte: controls,
 * C1 controls and spaces fold into one space, trimmed; invalid UTF-8
 * becomes U+FFFD; an address with a control byte is no value.  Returns
 * the length written to out (0: no value).  XXX A pending space is
 * written before a multibyte sequence is looked at, so white space then
 * a C1 control leaves two spaces; the setter does the same, kept so
 * that its output does not change.
 */
static size_t
model_clean(const unsigned char *p, size_t len, int address, char *out)
{
	size_t	 i = 0, o = 0, n;
	int	 space = 0;

	for (i = 0; address && i < len; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return 0;
	for (i = 0; i < len; ) {
		if (p[i] < 0x20 || p[i] == 0x7f || p[i] == ' ') {
			space = 1;
			i++;
			continue;
		}
		if (space && o > 0)
			out[o++] = ' ';
		space = 0;
		n = p[i] < 0x80 ? 1 : recutf8_seq(p + i, len - i);
		if (n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0) {
			space = 1;
			i += 2;
			continue;
		}
		if (n == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, p + i, n);
		o += n;
		i += n;
	}
	return o;
}

/* 1 when s has no control byte, '"' or '\\' (it is clean UTF-8). */
static int
json_plain(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == '"' || *s == '\\')
			return 0;
	return 1;
}

/* A pseudo-random string of pieces that cleaning treats apart. */
static size_t
random_value(unsigned long *seed, unsigned char *buf, size_t max)
{
	static const char *const piece[] = { "a", "Zz", "user@example.com",
	    "0123456789abcdef", " ", "  ", "\t", "\r\n", "\"", "\\", "\x7f",
	    "\x01", "", "\xc3\xa9", "\xc2\x85", "\xc2\xa0", "\xff", "\xe2\x82",
	    "\xe2\x82\xac", "\xf0\x9f\x98\x80", "~", "!", "<>" };
	size_t	 len = 0, n, k, want;

	*seed = *seed * 6364136223846793005UL + 1442695040888963407UL;
	want = (*seed >> 33) % (*seed >> 62 == 0 ? max : 48);
	while (len < want) {
		*seed = *seed * 6364136223846793005UL + 1442695040888963407UL;
		k = (*seed >> 33) % (sizeof(piece) / sizeof(piece[0]));
		/* Mostly plain bytes, as real values are. */
		if ((*seed >> 40) % 3 != 0)
			k = (*seed >> 45) % 4;
		n = k == 12 ? 1 : strlen(piece[k]);	/* "" is a NUL */
		if (len + n > max)
			break;
		memcpy(buf + len, piece[k], n);
		len += n;
	}
	return len;
}

/* 1 for the fields holding an address (a control byte voids them). */
static int
is_address(int f)
{
	return f == DSN_F_RECIPIENT || f == DSN_F_ORIGINAL_RECIPIENT ||
	    f == DSN_F_SENDER || f == DSN_F_BOUNCE_TO;
}

/* f of r is want (n bytes, none: absent), plain-marked when JSON-plain. */
static void
check_value(const struct dsn_record *r, int f, const char *want, size_t n)
{
	CHECK(n == 0 ? r->v[f] == NULL : r->v[f] != NULL &&
	    strcmp(r->v[f], want) == 0);
	CHECK(!!(dsn_record_plain(r) & 1UL << f) == (n > 0 &&
	    json_plain(want)));
}

/*
 * dsn_record_set() against model_clean() on many values, in a fresh
 * record (and its copy) and in one that fills up over older values
 * (the pool, then malloc'd values); the plain marks follow the values
 * through dsn_record_move().
 */
static void
test_cleaning(void)
{
	static const int fields[] = { DSN_F_DIAGNOSTIC, DSN_F_RECIPIENT,
	    DSN_F_STATUS, DSN_F_SUBJECT };
	unsigned char	 in[2100];
	char		 want[6400];
	struct dsn_record *r, *d, *full = dsn_record_new();
	unsigned long	 seed = 1, plain;
	size_t		 len, n;
	int		 i, f;

	for (i = 0; i < 30000; i++) {
		len = random_value(&seed, in, i % 100 == 0 ? sizeof(in) : 90);
		f = fields[i % 4];
		n = model_clean(in, len, is_address(f), want);
		want[n] = '\0';
		r = dsn_record_new();
		CHECK(dsn_record_set(r, f, (char *)in, len) == 0);
		check_value(r, f, want, n);
		d = dsn_record_dup(r);
		check_value(d, f, want, n);
		dsn_record_free(r);
		dsn_record_free(d);

		f = i % DSN_F_COUNT;
		n = model_clean(in, len, is_address(f), want);
		want[n] = '\0';
		CHECK(dsn_record_set(full, f, (char *)in, len) == 0);
		check_value(full, f, want, n);
	}
	r = dsn_record_new();
	for (f = 0; f < DSN_F_COUNT; f++) {
		plain = dsn_record_plain(full) & 1UL << f;
		CHECK(dsn_record_move(r, full, f) == 0);
		CHECK((dsn_record_plain(r) & 1UL << f) == plain);
		CHECK(full->v[f] == NULL && !(dsn_record_plain(full) & 1UL << f));
	}
	dsn_record_free(r);
	dsn_record_free(full);
}

/*
 * Every JSON value written is the stored one, plain or escaped, also
 * after a plain value is shortened.
 */
static void
test_plain_json(void)
{
	static const char *const v[] = { "5.1.1", "a b c", "say \"no\"",
	    "back\\slash", "caf\xc3\xa9", "x", "mx.example.com (TCP|1.2.3.4)",
	    "0123456789abcdef0123456789abcdef0", "tab\there" };
	struct dsn_record *r = dsn_record_new();
	json_t	*o;
	char	*text;
	size_t	 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		dsn_record_sets(r, (enum dsn_field)(DSN_F_TYPE + i), v[i]);
	CHECK(dsn_record_plain(r) & 1UL << DSN_F_TYPE);
	CHECK(!(dsn_record_plain(r) & 1UL << (DSN_F_TYPE + 2)));
	CHECK(dsn_record_plain(r) & 1UL << (DSN_F_TYPE + 4));
	dsn_record_truncate(r, DSN_F_TYPE + 6, 14);
	o = roundtrip(DSN_OUT_JSONL, r, &text);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		CHECK(strcmp(json_string_value(json_object_get(o,
		    dsn_field_name(DSN_F_TYPE + (int)i))),
		    r->v[DSN_F_TYPE + i]) == 0);
	CHECK(strcmp(r->v[DSN_F_TYPE + 6], "mx.example.com") == 0);
	CHECK(strcmp(r->v[DSN_F_TYPE + 8], "tab here") == 0);
	json_decref(o);
	free(text);
	dsn_record_free(r);
}

/*
 * A field in many columns, its value all quotes: the row's room covers
 * every copy (a short reserve shows under the sanitizers).
 */
static void
test_repeated_columns(void)
{
	static const char *rc[20];
	struct dsn_record *r = dsn_record_new();
	struct dsn_recout *w;
	json_t	*o;
	json_error_t e;
	char	*buf = NULL, q[700];
	size_t	 len = 0, i;
	FILE	*fp = open_memstream(&buf, &len);

	for (i = 0; i < 20; i++)
		rc[i] = "subject";
	memset(q, '"', sizeof(q) - 1);
	q[sizeof(q) - 1] = '\0';
	dsn_record_sets(r, DSN_F_SUBJECT, q);
	w = dsn_recout_new(fp, DSN_OUT_JSONL, rc, 20, 0);
	CHECK(dsn_recout_record(w, r) == 0);
	CHECK(dsn_recout_close(w) == 0);
	fclose(fp);
	o = json_loads(buf, 0, &e);
	CHECK(o != NULL && strcmp(json_string_value(json_object_get(o,
	    "subject")), q) == 0);
	json_decref(o);
	free(buf);
	dsn_record_free(r);
}

/* UTF-8 sequences at the edges of what is valid. */
static void
test_utf8_seq(void)
{
	static const struct {
		const char	*s;
		size_t		 n, len;
	} t[] = {
		{ "\0", 1, 0 }, { "a", 1, 1 }, { "\x7f", 1, 1 },
		{ "\x80", 1, 0 }, { "\xc1\xbf", 2, 0 }, { "\xc2\x80", 2, 2 },
		{ "\xc2\x80", 1, 0 }, { "\xdf\xc0", 2, 0 },
		{ "\xe0\x9f\xbf", 3, 0 }, { "\xe0\xa0\x80", 3, 3 },
		{ "\xed\x9f\xbf", 3, 3 }, { "\xed\xa0\x80", 3, 0 },
		{ "\xef\xbf\xbf", 3, 3 }, { "\xef\xbf\x7f", 3, 0 },
		{ "\xf0\x8f\xbf\xbf", 4, 0 }, { "\xf0\x90\x80\x80", 4, 4 },
		{ "\xf4\x8f\xbf\xbf", 4, 4 }, { "\xf4\x90\x80\x80", 4, 0 },
		{ "\xf4\x8f\xbf\xbf", 3, 0 }, { "\xf5\x80\x80\x80", 4, 0 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK(recutf8_seq((const unsigned char *)t[i].s, t[i].n) ==
		    t[i].len);
}

int
main(void)
{
	int i;

	for (i = 0; i < DSN_F_COUNT; i++)
		cols[i] = dsn_field_name(i);
	test_formats();
	test_csv_reader();
	test_not_records();
	test_nul();
	test_object_writer();
	test_cleaning();
	test_plain_json();
	test_repeated_columns();
	test_utf8_seq();
	return failures > 0;
}
