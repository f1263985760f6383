/*
 * fastin.c - a projecting JSON Lines reader for dsn-report.
 *
 * One pass over each line picks out the top-level members dsn-report
 * counts and skips every other value without allocating; only the kept
 * strings become Jansson values.  Anything unusual (invalid JSON, raw
 * control characters, a line over the limit) goes to json_loadb() on
 * the whole line, which either reads it or says why not, so the result
 * never depends on this parser being complete.  Invalid UTF-8 is
 * replaced by U+FFFD before Jansson sees it.  The reader owns its line
 * buffer; records are the caller's.
 * XXX perf: this duplicates a little of recin's job; it exists because
 * building full Jansson objects is slow: with recin reading in blocks,
 * 200k records (150 MB) take 3.6 s of CPU through recin, 0.8 s here.
 */
#include <stdlib.h>
#include <string.h>

#include "summary/fastin.h"

#define FASTIN_MAX	((size_t)16 << 20)	/* one line */

static const char *const keep[] = {
	"type", "action", "reason", "date", "last_attempt", "recipient",
	"remote_mta", "status", "diagnostic", "feedback_type", "hard_bounce",
	"report_id", NULL
};

struct fastin {
	FILE	*fp;
	char	*line;
	size_t	 cap;
	char	*str;		/* decoded string */
	size_t	 scap;
	long	 lineno;
};

struct fastin *
fastin_new(FILE *fp)
{
	struct fastin	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->fp = fp;
	return f;
}

void
fastin_free(struct fastin *f)
{
	if (f == NULL)
		return;
	free(f->line);
	free(f->str);
	free(f);
}

long
fastin_line(const struct fastin *f)
{
	return f->lineno;
}

static const char *
ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

static int
hex4(const char *p, unsigned *v)
{
	int	 i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		*v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			*v |= (unsigned)(p[i] - '0');
		else if (p[i] >= 'a' && p[i] <= 'f')
			*v |= (unsigned)(p[i] - 'a' + 10);
		else if (p[i] >= 'A' && p[i] <= 'F')
			*v |= (unsigned)(p[i] - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

static size_t
put_utf8(char *o, unsigned c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xC0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xE0 | c >> 12);
		o[1] = (char)(0x80 | (c >> 6 & 0x3F));
		o[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | c >> 18);
	o[1] = (char)(0x80 | (c >> 12 & 0x3F));
	o[2] = (char)(0x80 | (c >> 6 & 0x3F));
	o[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/*
 * Decodes the string at p (just after its '"') into out (room for the
 * line's length); returns the byte after the closing quote, or NULL.
 */
static const char *
str(const char *p, char *out, size_t *len)
{
	size_t		 o = 0;
	unsigned	 c, lo;

	for (;;) {
		if (*p == '"')
			break;
		if ((unsigned char)*p < 0x20)
			return NULL;	/* raw control or end of line */
		if (*p != '\\') {
			if (out != NULL)
				out[o] = *p;
			o++;
			p++;
			continue;
		}
		p++;
		switch (*p) {
		case '"': case '\\': case '/':
			c = (unsigned char)*p;
			break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u':
			if (hex4(p + 1, &c) == -1)
				return NULL;
			p += 4;
			if (c >= 0xD800 && c <= 0xDBFF && p[1] == '\\' &&
			    p[2] == 'u' && hex4(p + 3, &lo) == 0 &&
			    lo >= 0xDC00 && lo <= 0xDFFF) {
				c = 0x10000 + ((c - 0xD800) << 10) +
				    (lo - 0xDC00);
				p += 6;
			} else if (c >= 0xD800 && c <= 0xDFFF)
				c = 0xFFFD;
			/* Jansson refuses U+0000 in strings: drop it. */
			if (c == 0)
				c = 0xFFFD;
			break;
		default:
			return NULL;
		}
		p++;
		if (out != NULL)
			o += put_utf8(out + o, c);
		else
			o += 4;
	}
	*len = o;
	return p + 1;
}

/* Skips one value that is not kept; NULL on a syntax error. */
static const char *
skip(const char *p)
{
	size_t	 len;
	int	 depth = 0;

	do {
		p = ws(p);
		if (*p == '"') {
			if ((p = str(p + 1, NULL, &len)) == NULL)
				return NULL;
		} else if (*p == '{' || *p == '[') {
			depth++;
			p++;
		} else if (*p == '}' || *p == ']') {
			if (--depth < 0)
				return NULL;
			p++;
		} else if (*p == ',' || *p == ':') {
			if (depth == 0)
				return NULL;
			p++;
		} else if (*p == '\0') {
			return NULL;
		} else {
			/* A number or a literal: up to a delimiter. */
			const char *q = p;

			while (*p != '\0' && strchr(",:{}[]\" \t\r\n", *p) ==
			    NULL)
				p++;
			if (p == q)
				return NULL;
		}
	} while (depth > 0);
	return p;
}

/* Length of the valid UTF-8 sequence at s (left bytes), or 0. */
static size_t
u8len(const unsigned char *s, size_t left)
{
	size_t	 n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	/* Overlong forms, surrogates, and past U+10FFFF. */
	if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F) ||
	    (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
		return 0;
	return n;
}

/* UTF-8 repaired to a Jansson string (invalid bytes become U+FFFD). */
static json_t *
jstr(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	json_t			*v;
	char			*r;
	size_t			 i, o = 0, n;

	for (i = 0; i < len && (n = u8len(u + i, len - i)) > 0; i += n)
		;
	if (i == len)
		return json_stringn_nocheck(s, len);
	if ((r = malloc(len * 3 + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i += n) {
		if ((n = u8len(u + i, len - i)) > 0) {
			memcpy(r + o, s + i, n);
			o += n;
			continue;
		}
		memcpy(r + o, "\xEF\xBF\xBD", 3);
		o += 3;
		n = 1;
	}
	v = json_stringn_nocheck(r, o);
	free(r);
	return v;
}

static int
wanted(const char *k, size_t len)
{
	static size_t	 klen[sizeof(keep) / sizeof(keep[0])];
	int		 i;

	if (klen[0] == 0)
		for (i = 0; keep[i] != NULL; i++)
			klen[i] = strlen(keep[i]);
	for (i = 0; keep[i] != NULL; i++)
		if (klen[i] == len && memcmp(keep[i], k, len) == 0)
			return 1;
	return 0;
}

/* The fast path over one line; NULL when it must go to Jansson. */
static json_t *
project(struct fastin *f, const char *p)
{
	json_t		*o;
	const char	*k;
	size_t		 klen, vlen;
	char		 key[32];

	if (*(p = ws(p)) != '{' || (o = json_object()) == NULL)
		return NULL;
	p = ws(p + 1);
	if (*p == '}')
		goto bad;	/* {} is not a record: Jansson says so */
	for (;;) {
		if (*p != '"' || (k = str(p + 1, f->str, &klen)) == NULL)
			goto bad;
		/* Keys are decoded into f->str; copy the short ones. */
		if (klen < sizeof(key))
			memcpy(key, f->str, klen);
		p = ws(k);
		if (*p != ':')
			goto bad;
		p = ws(p + 1);
		if (klen < sizeof(key) && wanted(key, klen) && *p == '"') {
			if ((p = str(p + 1, f->str, &vlen)) == NULL)
				goto bad;
			key[klen] = '\0';
			json_object_set_new(o, key, jstr(f->str, vlen));
		} else if (klen < sizeof(key) && wanted(key, klen) &&
		    strncmp(p, "true", 4) == 0) {
			key[klen] = '\0';
			json_object_set_new(o, key, json_true());
			p += 4;
		} else if ((p = skip(p)) == NULL)
			goto bad;
		p = ws(p);
		if (*p == ',') {
			p = ws(p + 1);
			continue;
		}
		if (*p == '}')
			break;
		goto bad;
	}
	if (*ws(p + 1) == '\0')
		return o;
bad:
	json_decref(o);
	return NULL;
}

/* A kept member: a string with U+0000 in it gets U+FFFD instead. */
static json_t *
kept(json_t *v)
{
	const char	*s = json_string_value(v);
	size_t		 n = json_string_length(v), i, o = 0;
	char		*r;

	if (s == NULL || strlen(s) == n || (r = malloc(n * 3 + 1)) == NULL)
		return json_incref(v);
	for (i = 0; i < n; i++)
		if (s[i] != '\0')
			r[o++] = s[i];
		else {
			memcpy(r + o, "\xEF\xBF\xBD", 3);
			o += 3;
		}
	v = json_stringn_nocheck(r, o);
	free(r);
	return v;
}

/* The slow path: Jansson reads the line, we keep the same members. */
static int
whole(const char *line, size_t len, json_t **obj, char *err,
    size_t errlen)
{
	json_error_t	 je;
	json_t		*all, *o;
	int		 i;

	if ((all = json_loadb(line, len, JSON_ALLOW_NUL | JSON_DECODE_ANY,
	    &je)) == NULL) {
		snprintf(err, errlen, "not JSON: %s", je.text);
		return -1;
	}
	if (!json_is_object(all) || json_object_size(all) == 0) {
		snprintf(err, errlen, "%s", json_is_object(all) ?
		    "an empty object" : "a JSON value, not an object");
		json_decref(all);
		return -1;
	}
	o = json_object();
	for (i = 0; keep[i] != NULL; i++) {
		json_t	*v = json_object_get(all, keep[i]);

		if (v != NULL)
			json_object_set_new(o, keep[i], kept(v));
	}
	json_decref(all);
	*obj = o;
	return o != NULL ? 1 : -2;
}

int
fastin_next(struct fastin *f, json_t **obj, char *err, size_t errlen)
{
	ssize_t		 n;

	for (;;) {
		n = getline(&f->line, &f->cap, f->fp);
		if (n == -1) {
			if (ferror(f->fp)) {
				snprintf(err, errlen, "read error");
				return -2;
			}
			return 0;
		}
		f->lineno++;
		if (*ws(f->line) == '\0')
			continue;
		if ((size_t)n > FASTIN_MAX) {
			snprintf(err, errlen, "line longer than %zu bytes",
			    FASTIN_MAX);
			return -1;
		}
		/* Decoded strings are never longer than the line. */
		if (f->scap < (size_t)n + 4) {
			free(f->str);
			f->scap = (size_t)n + 4;
			if ((f->str = malloc(f->scap)) == NULL) {
				f->scap = 0;
				snprintf(err, errlen, "out of memory");
				return -2;
			}
		}
		/* A NUL inside the line makes it a job for Jansson. */
		if (strlen(f->line) == (size_t)n &&
		    (*obj = project(f, f->line)) != NULL)
			return 1;
		return whole(f->line, (size_t)n, obj, err, errlen);
	}
}
