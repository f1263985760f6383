/*
 * recout.c - the record writers: JSON Lines, one JSON array, or CSV.
 *
 * JSON is written here directly, not through Jansson, so dsn-parse pays
 * no allocation per field; strings are escaped and any invalid UTF-8 is
 * replaced by U+FFFD on the way, so every line parses.  CSV follows
 * RFC 4180 (CRLF rows, quoted cells where needed) and neutralises cells
 * a spreadsheet would run as a formula.  The writer copies its column
 * names; the FILE stays the caller's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dsn/recout.h"
#include "recutf8.h"

struct dsn_recout {
	FILE		 *fp;
	enum dsn_outfmt	  fmt;
	char		**cols;
	int		 *idx;		/* field of each column, or -1 */
	int		  ncols;
	int		  flags;
	int		  started;	/* header or '[' written */
	long		  count;	/* records written */
	int		  failed;
};

static int
is_json_int(const char *s)
{
	const char *p = s;

	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] != '\0'))
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	return *p == '\0' && p - s < 20;
}

/* Writes s (n bytes) as a JSON string: escaped, repaired, quoted. */
static void
put_json_string(FILE *fp, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, k;
	unsigned char c;

	putc('"', fp);
	while (i < n) {
		c = p[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80 && (k = recutf8_seq(p + i, n - i)) > 0) {
			i += k;
			continue;
		}
		fwrite(p + run, 1, i - run, fp);
		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", fp);
		else if (c == '\t')
			fputs("\\t", fp);
		else if (c == '\r')
			fputs("\\r", fp);
		else if (c == 0 || c >= 0x80)
			fputs("\\ufffd", fp);	/* NUL or a bad byte */
		else
			fprintf(fp, "\\u%04x", c);
		run = ++i;
	}
	fwrite(p + run, 1, i - run, fp);
	putc('"', fp);
}

static int
csv_is_formula(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || strchr("=+-@\t\r'", s[0]) == NULL)
		return 0;
	if (s[0] == '\'')	/* so the reader can undo the prefix */
		return n > 1 && strchr("=+-@\t\r'", s[1]) != NULL;
	if (s[0] == '-' || s[0] == '+') {
		/* A plain number is left alone: -5, +3.25. */
		for (i = 1; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i > 1 && i < n && s[i] == '.')
			for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
				;
		if (i > 1 && i == n && s[n - 1] != '.')
			return 0;
	}
	return 1;
}

/* Writes one CSV cell, quoting and repairing as needed. */
static void
put_csv_cell(FILE *fp, const char *s, size_t n, int neutralise)
{
	char *fixed = NULL;
	size_t i, run;
	int quote;

	if (!recutf8_valid(s, n) && (fixed = recutf8_repair(s, n, &n)) != NULL)
		s = fixed;
	quote = n > 0 && (memchr(s, '"', n) != NULL ||
	    memchr(s, ',', n) != NULL || memchr(s, '\n', n) != NULL ||
	    memchr(s, '\r', n) != NULL);
	if (quote)
		putc('"', fp);
	if (neutralise && csv_is_formula(s, n))
		putc('\'', fp);
	for (i = run = 0; quote && i < n; i++)
		if (s[i] == '"') {
			fwrite(s + run, 1, i + 1 - run, fp);
			run = i;	/* the quote is written twice */
		}
	fwrite(s + run, 1, n - run, fp);
	if (quote)
		putc('"', fp);
	free(fixed);
}

int
dsn_outfmt_parse(const char *s)
{
	if (strcmp(s, "jsonl") == 0)
		return DSN_OUT_JSONL;
	if (strcmp(s, "json") == 0)
		return DSN_OUT_JSON;
	if (strcmp(s, "csv") == 0)
		return DSN_OUT_CSV;
	return -1;
}

struct dsn_recout *
dsn_recout_new(FILE *fp, enum dsn_outfmt fmt, const char *const *cols,
    int ncols, int flags)
{
	struct dsn_recout *w;
	int i;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->fp = fp;
	w->fmt = fmt;
	w->flags = flags;
	w->cols = calloc((size_t)ncols + 1, sizeof(*w->cols));
	w->idx = calloc((size_t)ncols + 1, sizeof(*w->idx));
	if (w->cols == NULL || w->idx == NULL)
		goto fail;
	for (w->ncols = 0; w->ncols < ncols; w->ncols++) {
		i = w->ncols;
		if ((w->cols[i] = strdup(cols[i])) == NULL)
			goto fail;
		w->idx[i] = dsn_field_lookup(cols[i]);
	}
	return w;
fail:
	w->fp = NULL;
	dsn_recout_close(w);
	return NULL;
}

/* The CSV header row or the opening bracket, once. */
static void
start(struct dsn_recout *w)
{
	int i;

	if (w->started)
		return;
	w->started = 1;
	if (w->fmt == DSN_OUT_CSV) {
		for (i = 0; i < w->ncols; i++) {
			if (i > 0)
				putc(',', w->fp);
			put_csv_cell(w->fp, w->cols[i], strlen(w->cols[i]), 0);
		}
		fputs("\r\n", w->fp);
	} else if (w->fmt == DSN_OUT_JSON)
		putc('[', w->fp);
}

static void
begin_row(struct dsn_recout *w)
{
	start(w);
	if (w->fmt == DSN_OUT_JSON)
		fputs(w->count > 0 ? ",\n" : "\n", w->fp);
	if (w->fmt != DSN_OUT_CSV)
		putc('{', w->fp);
}

static int
end_row(struct dsn_recout *w)
{
	if (w->fmt == DSN_OUT_CSV)
		fputs("\r\n", w->fp);
	else
		fputs(w->fmt == DSN_OUT_JSONL ? "}\n" : "}", w->fp);
	w->count++;
	if (ferror(w->fp)) {
		w->failed = 1;
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* Column i's name and separator, for JSON. */
static void
put_key(struct dsn_recout *w, int i)
{
	if (i > 0)
		putc(',', w->fp);
	put_json_string(w->fp, w->cols[i], strlen(w->cols[i]));
	putc(':', w->fp);
}

int
dsn_recout_record(struct dsn_recout *w, const struct dsn_record *r)
{
	const char *v;
	int i, csv = w->fmt == DSN_OUT_CSV;

	begin_row(w);
	for (i = 0; i < w->ncols; i++) {
		v = w->idx[i] >= 0 ? r->v[w->idx[i]] : NULL;
		if (csv) {
			if (i > 0)
				putc(',', w->fp);
			if (v != NULL)
				put_csv_cell(w->fp, v, strlen(v),
				    !(w->flags & DSN_RECOUT_CSV_RAW));
			continue;
		}
		put_key(w, i);
		if (v == NULL)
			fputs("null", w->fp);
		else if (dsn_field_is_number(w->idx[i]) && is_json_int(v))
			fputs(v, w->fp);
		else
			put_json_string(w->fp, v, strlen(v));
	}
	return end_row(w);
}

/* A JSON value's text for CSV, or its JSON form; NULL for null. */
static char *
value_text(json_t *v, int csv)
{
	if (v == NULL || json_is_null(v))
		return NULL;
	if (csv && json_is_true(v))
		return strdup("true");
	if (csv && json_is_false(v))
		return strdup("false");
	return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

int
dsn_recout_object(struct dsn_recout *w, json_t *obj)
{
	json_t *v;
	char *text;
	int i, csv = w->fmt == DSN_OUT_CSV;

	begin_row(w);
	for (i = 0; i < w->ncols; i++) {
		v = json_is_object(obj) ? json_object_get(obj, w->cols[i]) :
		    NULL;
		if (csv && i > 0)
			putc(',', w->fp);
		if (!csv)
			put_key(w, i);
		if (json_is_string(v)) {
			if (csv)
				put_csv_cell(w->fp, json_string_value(v),
				    json_string_length(v),
				    !(w->flags & DSN_RECOUT_CSV_RAW));
			else
				put_json_string(w->fp, json_string_value(v),
				    json_string_length(v));
			continue;
		}
		text = value_text(v, csv);
		if (csv && text != NULL)
			put_csv_cell(w->fp, text, strlen(text),
			    !(w->flags & DSN_RECOUT_CSV_RAW));
		else
			fputs(text != NULL ? text : (csv ? "" : "null"), w->fp);
		free(text);
	}
	return end_row(w);
}

int
dsn_recout_close(struct dsn_recout *w)
{
	int i, rc = 0;

	if (w == NULL)
		return 0;
	if (w->fp != NULL) {
		start(w);
		if (w->fmt == DSN_OUT_JSON)
			fputs(w->count > 0 ? "\n]\n" : "]\n", w->fp);
		if (fflush(w->fp) != 0 || ferror(w->fp) || w->failed) {
			if (errno == 0)
				errno = EIO;
			rc = -1;
		}
	}
	for (i = 0; w->cols != NULL && i < w->ncols; i++)
		free(w->cols[i]);
	free(w->cols);
	free(w->idx);
	free(w);
	return rc;
}
