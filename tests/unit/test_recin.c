/*
 * test_recin.c - unit tests of recin's own reader of flat JSON lines:
 * every line, taken by it or handed to Jansson, must come back as
 * Jansson reads it (U+FFFD for \u0000, same members in the same order),
 * and dsn_recin_keep() must keep only the members named.  Exit 0 when
 * every check passes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsn/recin.h"

static int failures;

#define CHECK(c) do { if (!(c)) { failures++; \
	fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #c); } \
	} while (0)

/* Jansson's string with each NUL as U+FFFD, as recin promises. */
static int
same_string(json_t *got, json_t *want)
{
	const char *w = json_string_value(want);
	const char *g = json_string_value(got);
	size_t wn = json_string_length(want), gn = json_string_length(got);
	size_t i, o = 0;

	for (i = 0; i < wn; i++) {
		if (w[i] == '\0') {
			if (o + 3 > gn || memcmp(g + o, "\xef\xbf\xbd", 3) != 0)
				return 0;
			o += 3;
		} else if (o >= gn || g[o++] != w[i])
			return 0;
	}
	return o == gn;
}

/* Same members in the same order, values equal. */
static int
same(json_t *got, json_t *want)
{
	void *gi, *wi;

	if (!json_is_object(got) || !json_is_object(want))
		return 0;
	for (gi = json_object_iter(got), wi = json_object_iter(want);
	    gi != NULL && wi != NULL; gi = json_object_iter_next(got, gi),
	    wi = json_object_iter_next(want, wi)) {
		json_t *g = json_object_iter_value(gi);
		json_t *w = json_object_iter_value(wi);

		if (strcmp(json_object_iter_key(gi),
		    json_object_iter_key(wi)) != 0)
			return 0;
		if (json_is_string(w) ? !json_is_string(g) ||
		    !same_string(g, w) : !json_equal(g, w))
			return 0;
	}
	return gi == NULL && wi == NULL;
}

/* The one line through recin: 1 record, -1 not a record. */
static int
read_one(const char *line, json_t **obj, const char *const *keep)
{
	struct dsn_recin *in;
	char err[256];
	FILE *fp = fmemopen((void *)line, strlen(line), "r");
	int rc;

	in = dsn_recin_new(fp);
	if (keep != NULL)
		CHECK(dsn_recin_keep(in, keep) == 0);
	rc = dsn_recin_next(in, obj, err, sizeof(err));
	dsn_recin_free(in);
	fclose(fp);
	return rc;
}

static void
test_like_jansson(void)
{
	static const char *const lines[] = {
		"{\"recipient\":\"a@example.com\",\"message\":3,\"x\":null}",
		"  {  \"type\" : \"dsn\" ,\t\"n\":-0 , \"t\":true,\"f\":false}  ",
		"{\"recipient\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\\\ \\/"
		    " \\b\\f\\n\\r\\t\"}",
		"{\"recipient\":\"a\\u0000b\",\"diagnostic\":\"\\u0000\"}",
		"{\"recipient\":\"\\ud800\"}",		/* lone surrogate */
		"{\"recipient\":\"\\udc00x\"}",
		"{\"recipient\":\"\\ud83dx\"}",
		"{\"recipient\":\"bad \\q escape\"}",
		"{\"recipient\":\"raw\ttab\"}",
		"{\"recipient\":\"\\u00E9\\u00e9\\u0041\"}",
		"{\"recipient\":1.5,\"offset\":1e3}",
		"{\"recipient\":01}",
		"{\"recipient\":-}",
		"{\"offset\":123456789012345678,\"message\":-123456789012345678}",
		"{\"offset\":1234567890123456789}",
		"{\"offset\":99999999999999999999999}",
		"{\"recipient\":\"x\",\"recipient\":\"y\",\"type\":\"a\"}",
		"{\"recipient\":\"x\",\"nested\":{\"a\":[1,2]},\"b\":[]}",
		"{\"recipient\":\"x\",}",
		"{\"recipient\":\"x\"} junk",
		"{\"recipient\":\"x\"}{}",
		"{\"recipient\" \"x\"}",
		"{\"recipient\":tru}",
		"{\"recipient\":truex}",
		"{\"recipient\":nul}",
		"{\"recipient\":\"unterminated}",
		"{\"recipient\":\"x\"",
		"{\"re\\u0063ipient\":\"escaped key\"}",
		"{\"a\\u0000b\":1,\"type\":\"x\"}",
		"{\"x\":1,\"y\":\"no record field\"}",
		"{}",
		"{\"recipient\":\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
		"{\"recipient\":\"a\"}\r",
		"[{\"recipient\":\"in an array\"}]",
		"{\"recipient\":\"x\",\"hard_bounce\":true,\"reason\":null}",
	};
	json_error_t je;
	json_t *want, *got;
	size_t i;
	int rc, record;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		want = json_loads(lines[i], JSON_ALLOW_NUL | JSON_DECODE_ANY,
		    &je);
		got = NULL;
		rc = read_one(lines[i], &got, NULL);
		record = json_is_object(want) && json_object_size(want) > 0 &&
		    (json_object_get(want, "recipient") != NULL ||
		    json_object_get(want, "type") != NULL ||
		    json_object_get(want, "offset") != NULL);
		if (lines[i][0] == '[') {
			CHECK(rc == 1);
		} else if (record) {
			if (rc != 1 || !same(got, want))
				fprintf(stderr, "line %zu differs\n", i);
			CHECK(rc == 1 && same(got, want));
		} else {
			if (rc != -1)
				fprintf(stderr, "line %zu read\n", i);
			CHECK(rc == -1);
		}
		json_decref(want);
		json_decref(got);
	}
}

static void
test_keep(void)
{
	static const char *const keep[] = { "recipient", "status",
	    "hard_bounce", NULL };
	json_t *o = NULL;
	char *s;

	CHECK(read_one("{\"source\":\"x\",\"recipient\":\"a@example.com\","
	    "\"status\":null,\"hard_bounce\":true,\"n\":[1]}", &o,
	    keep) == 1);
	s = json_dumps(o, JSON_COMPACT);
	CHECK(s != NULL && strcmp(s, "{\"recipient\":\"a@example.com\","
	    "\"status\":null,\"hard_bounce\":true}") == 0);
	free(s);
	json_decref(o);
	/* The record field that makes it a record need not be kept. */
	CHECK(read_one("{\"source\":\"x\",\"y\":1}", &o, keep) == 1);
	CHECK(json_object_size(o) == 0);
	json_decref(o);
	CHECK(read_one("{\"y\":1}", &o, keep) == -1);
	/* Lines Jansson reads are cut the same way. */
	CHECK(read_one("{\"n\":{\"a\":1},\"recipient\":\"\\ud800\","
	    "\"status\":1.5}", &o, keep) == -1);
	CHECK(read_one("{\"n\":{\"a\":1},\"recipient\":\"a\","
	    "\"status\":1.5}", &o, keep) == 1);
	s = json_dumps(o, JSON_COMPACT);
	CHECK(s != NULL && strcmp(s, "{\"recipient\":\"a\",\"status\":1.5}")
	    == 0);
	free(s);
	json_decref(o);
	CHECK(read_one("recipient,x,status\na@example.com,1,5.1.1\n", &o,
	    keep) == 1);
	s = json_dumps(o, JSON_COMPACT);
	CHECK(s != NULL && strcmp(s, "{\"recipient\":\"a@example.com\","
	    "\"status\":\"5.1.1\"}") == 0);
	free(s);
	json_decref(o);
}

int
main(void)
{
	test_like_jansson();
	test_keep();
	if (failures)
		fprintf(stderr, "test_recin: %d failed\n", failures);
	return failures != 0;
}
