/*
 * recin.c - reading records back: JSON Lines, a JSON array, or CSV.
 *
 * The format is told by the first byte that is not white space: '{'
 * JSON Lines, '[' one JSON array, anything else CSV with a header row
 * (RFC 4180, quoted cells may span lines).  Lines and rows are bounded
 * (RECIN_MAX bytes); invalid UTF-8 is repaired before Jansson sees it.
 * Each record is a new Jansson object the caller releases.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dsn/recin.h"
#include "recutf8.h"

#define RECIN_MAX	((size_t)16 << 20)	/* one line or CSV row */

enum { M_UNKNOWN, M_JSONL, M_ARRAY, M_CSV, M_END };

struct dsn_recin {
	FILE	 *fp;
	int	  mode;
	char	 *buf;		/* current line or row */
	size_t	  len, cap;
	size_t	 *cell;		/* CSV: start of each cell in buf */
	int	  ncell, cellcap;
	char	**hdr;		/* CSV header names */
	int	  nhdr;
	json_t	 *array;	/* M_ARRAY: the whole array */
	size_t	  ai;
	long	  lineno;	/* physical lines read */
	long	  recline;	/* first line of the last record */
};

struct dsn_recin *
dsn_recin_new(FILE *fp)
{
	struct dsn_recin *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->fp = fp;
	return r;
}

void
dsn_recin_free(struct dsn_recin *r)
{
	int i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nhdr; i++)
		free(r->hdr[i]);
	free(r->hdr);
	free(r->buf);
	free(r->cell);
	json_decref(r->array);
	free(r);
}

long
dsn_recin_line(const struct dsn_recin *r)
{
	return r->recline;
}

/* Appends byte c to buf; -1 past RECIN_MAX or on allocation failure. */
static int
put(struct dsn_recin *r, int c)
{
	char *n;
	size_t cap;

	if (r->len + 1 >= r->cap) {
		if (r->cap >= RECIN_MAX)
			return -1;
		cap = r->cap ? r->cap * 2 : 4096;
		if ((n = realloc(r->buf, cap)) == NULL)
			return -1;
		r->buf = n;
		r->cap = cap;
	}
	r->buf[r->len++] = (char)c;
	return 0;
}

/* Skips white space and a BOM; picks the mode from the next byte. */
static void
detect(struct dsn_recin *r)
{
	int c;

	while ((c = getc(r->fp)) != EOF) {
		if (c == '\n')
			r->lineno++;
		if (c == 0xef || c == 0xbb || c == 0xbf ||
		    c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		break;
	}
	if (c == EOF) {
		r->mode = M_END;
		return;
	}
	ungetc(c, r->fp);
	r->mode = c == '{' ? M_JSONL : c == '[' ? M_ARRAY : M_CSV;
}

/*
 * One line into buf (without its newline): 1, 0 at the end, -1 when it
 * is longer than RECIN_MAX (the rest is skipped), -2 on a read error.
 */
static int
read_line(struct dsn_recin *r)
{
	int c, toolong = 0;

	r->len = 0;
	while ((c = getc(r->fp)) != EOF && c != '\n')
		if (!toolong && put(r, c) == -1)
			toolong = 1;
	if (ferror(r->fp))
		return -2;
	if (c == EOF && r->len == 0 && !toolong)
		return 0;
	r->lineno++;
	if (r->len > 0 && r->buf[r->len - 1] == '\r')
		r->len--;
	if (r->len < r->cap)
		r->buf[r->len] = '\0';
	return toolong ? -1 : 1;
}

static int
blank(const char *s, size_t n)
{
	while (n > 0 && strchr(" \t\r\v\f", s[n - 1]) != NULL && s[n - 1])
		n--;
	return n == 0;
}

static int
next_jsonl(struct dsn_recin *r, json_t **obj, char *err, size_t errlen)
{
	json_error_t je;
	char *fixed = NULL;
	const char *s;
	size_t n;
	int rc;

	do {
		if ((rc = read_line(r)) <= 0 && rc != -1)
			return rc;
		r->recline = r->lineno;
		if (rc == -1) {
			snprintf(err, errlen, "line longer than %zu bytes",
			    RECIN_MAX);
			return -1;
		}
	} while (blank(r->buf, r->len));
	s = r->buf;
	n = r->len;
	if (!recutf8_valid(s, n) && (fixed = recutf8_repair(s, n, &n)))
		s = fixed;
	*obj = json_loadb(s, n, 0, &je);
	free(fixed);
	if (*obj == NULL) {
		snprintf(err, errlen, "not JSON: %s", je.text);
		return -1;
	}
	if (!json_is_object(*obj)) {
		json_decref(*obj);
		*obj = NULL;
		snprintf(err, errlen, "not a JSON object");
		return -1;
	}
	return 1;
}

static int
next_array(struct dsn_recin *r, json_t **obj, char *err, size_t errlen)
{
	json_error_t je;

	/* XXX recin: a JSON array is read whole; JSON Lines stream. */
	if (r->array == NULL) {
		r->array = json_loadf(r->fp, JSON_DISABLE_EOF_CHECK, &je);
		if (r->array == NULL || !json_is_array(r->array)) {
			snprintf(err, errlen, "not a JSON array: %s",
			    r->array ? "wrong type" : je.text);
			r->mode = M_END;
			return -1;
		}
	}
	if (r->ai >= json_array_size(r->array))
		return 0;
	r->recline = (long)++r->ai;
	*obj = json_incref(json_array_get(r->array, r->ai - 1));
	if (!json_is_object(*obj)) {
		json_decref(*obj);
		*obj = NULL;
		snprintf(err, errlen, "array element %zu is not an object",
		    r->ai);
		return -1;
	}
	return 1;
}

/* Ends the current cell: NUL-terminates it and starts the next. */
static int
end_cell(struct dsn_recin *r)
{
	size_t *n;

	if (put(r, '\0') == -1)
		return -1;
	if (r->ncell + 1 >= r->cellcap) {
		n = realloc(r->cell, sizeof(*n) * (size_t)(r->cellcap + 64));
		if (n == NULL)
			return -1;
		r->cell = n;
		r->cellcap += 64;
	}
	r->cell[++r->ncell] = r->len;
	return 0;
}

/*
 * One CSV row into buf/cell: 1, 0 at the end, -1 with err set (too
 * long, unterminated quote), -2 on a read error.
 */
static int
read_row(struct dsn_recin *r, char *err, size_t errlen)
{
	int c, q = 0, any = 0, bad = 0;

	if (r->cellcap == 0) {
		if ((r->cell = malloc(sizeof(*r->cell) * 64)) == NULL)
			return -2;
		r->cellcap = 64;
	}
	r->len = 0;
	r->ncell = 0;
	r->cell[0] = 0;
	r->recline = r->lineno + 1;
	while ((c = getc(r->fp)) != EOF) {
		any = 1;
		if (c == '\n')
			r->lineno++;
		if (q) {
			if (c == '"') {
				if ((c = getc(r->fp)) != '"') {
					q = 0;
					if (c == EOF)
						break;
					ungetc(c, r->fp);
					continue;
				}
			}
		} else if (c == '"') {
			q = 1;
			continue;
		} else if (c == ',') {
			bad |= end_cell(r);
			continue;
		} else if (c == '\r' || c == '\n') {
			if (c == '\r') {
				r->lineno++;	/* CR or CRLF ends the line */
				if ((c = getc(r->fp)) != '\n' && c != EOF)
					ungetc(c, r->fp);
			}
			break;
		}
		if (!bad)
			bad = put(r, c);
	}
	if (ferror(r->fp))
		return -2;
	if (!any)
		return 0;
	bad |= end_cell(r);
	if (q || bad) {
		snprintf(err, errlen, q ? "unterminated quoted cell" :
		    "row longer than %zu bytes", RECIN_MAX);
		return -1;
	}
	return 1;
}

static int
is_int(const char *s)
{
	const char *p = s + (*s == '-');

	if (*p == '\0' || strlen(p) > 18)
		return 0;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

/* The JSON value of CSV cell s under column name. */
static json_t *
cell_value(const char *name, const char *s, size_t n)
{
	char *fixed;
	json_t *v;

	if (n == 0)
		return json_null();
	if ((strcmp(name, "message") == 0 || strcmp(name, "offset") == 0 ||
	    strcmp(name, "reply_code") == 0) && is_int(s))
		return json_integer(strtoll(s, NULL, 10));
	if (strcmp(name, "hard_bounce") == 0 &&
	    (strcmp(s, "true") == 0 || strcmp(s, "false") == 0))
		return json_boolean(s[0] == 't');
	/* Undo the writer's formula guard (see recout.c). */
	if (s[0] == '\'' && n > 1 && strchr("=+-@\t\r'", s[1]) != NULL) {
		s++;
		n--;
	}
	if (recutf8_valid(s, n))
		return json_stringn(s, n);
	if ((fixed = recutf8_repair(s, n, &n)) == NULL)
		return NULL;
	v = json_stringn(fixed, n);
	free(fixed);
	return v;
}

static int
read_header(struct dsn_recin *r, char *err, size_t errlen)
{
	int i, rc;

	if ((rc = read_row(r, err, errlen)) <= 0) {
		r->mode = M_END;
		return rc;
	}
	if ((r->hdr = calloc((size_t)r->ncell, sizeof(*r->hdr))) == NULL)
		return -2;
	for (i = 0; i < r->ncell; i++) {
		r->hdr[i] = recutf8_repair(r->buf + r->cell[i],
		    strlen(r->buf + r->cell[i]), NULL);
		if (r->hdr[i] == NULL)
			return -2;
		r->nhdr++;
	}
	return 1;
}

static int
next_csv(struct dsn_recin *r, json_t **obj, char *err, size_t errlen)
{
	json_t *v;
	int i, rc;

	if (r->hdr == NULL && (rc = read_header(r, err, errlen)) <= 0)
		return rc;
	do {
		if ((rc = read_row(r, err, errlen)) <= 0)
			return rc;
	} while (r->ncell == 1 && r->cell[1] == 1);	/* empty line */
	if (r->ncell != r->nhdr) {
		snprintf(err, errlen, "row has %d cells, header has %d",
		    r->ncell, r->nhdr);
		return -1;
	}
	if ((*obj = json_object()) == NULL)
		return -2;
	for (i = 0; i < r->ncell; i++) {
		v = cell_value(r->hdr[i], r->buf + r->cell[i],
		    r->cell[i + 1] - r->cell[i] - 1);
		if (v == NULL || json_object_set_new(*obj, r->hdr[i], v)) {
			json_decref(*obj);
			*obj = NULL;
			return -2;
		}
	}
	return 1;
}

int
dsn_recin_next(struct dsn_recin *r, json_t **obj, char *err, size_t errlen)
{
	int rc;

	*obj = NULL;
	if (r->mode == M_UNKNOWN)
		detect(r);
	switch (r->mode) {
	case M_JSONL:
		rc = next_jsonl(r, obj, err, errlen);
		break;
	case M_ARRAY:
		rc = next_array(r, obj, err, errlen);
		break;
	case M_CSV:
		rc = next_csv(r, obj, err, errlen);
		break;
	default:
		return 0;
	}
	if (rc == -2 && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", strerror(errno ? errno : EIO));
	return rc;
}
