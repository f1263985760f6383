/*
 * test_recio.c - unit tests of the record writers (recout) and readers
 * (recin): round trips through JSON Lines, JSON arrays and CSV, formula
 * neutralisation, invalid UTF-8, multi-line CSV cells, bad rows, input
 * that is not records (junk, binary, non-objects), \u0000.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsn/recin.h"
#include "dsn/recout.h"

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
	 * must cope by itself.
	 */
	dsn_record_sets(r, DSN_F_SENDER, "bad XX bytes X");
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
	return failures > 0;
}
