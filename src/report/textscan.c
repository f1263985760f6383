/*
 * textscan.c - helpers for the free-text formats of helper F1: phrase
 * and line search over a report's text, address-only lines, recipient
 * blocks turned into records.  Results are views into the caller's text
 * or arena strings of the parsed message; records belong to the caller
 * until handed to report_add().
 */
#include <string.h>
#include <strings.h>

#include "report/textscan.h"

size_t
ts_find(const char *t, size_t len, size_t from, const char *needle)
{
	const char	*p;

	if (t == NULL || from >= len)
		return len;
	p = msg_memcasemem(t + from, len - from, needle, strlen(needle));
	return p == NULL ? len : (size_t)(p - t);
}

size_t
ts_eol(const char *t, size_t len, size_t pos)
{
	while (pos < len && t[pos] != '\n' && t[pos] != '\r')
		pos++;
	if (pos < len && t[pos] == '\r')
		pos++;
	if (pos < len && t[pos] == '\n')
		pos++;
	return pos;
}

size_t
ts_bol(const char *t, size_t pos)
{
	while (pos > 0 && t[pos - 1] != '\n' && t[pos - 1] != '\r')
		pos--;
	return pos;
}

void
ts_trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

size_t
ts_indent(const char *line, size_t ll)
{
	size_t	 i, w = 0;

	for (i = 0; i < ll && (line[i] == ' ' || line[i] == '\t'); i++)
		w += line[i] == '\t' ? 8 : 1;
	return w;
}

int
ts_addr_line(const char *line, size_t ll, int flags, size_t *as,
    size_t *al)
{
	const char	*s = line;
	size_t		 n = ll, st, an;
	char		 close = 0;

	ts_trim(&s, &n);
	if (n >= 2 && s[0] == '*' && s[1] == ' ') {
		s += 2;
		n -= 2;
	} else if (n >= 4 && strncmp(s, ">>> ", 4) == 0) {
		s += 4;
		n -= 4;
	}
	ts_trim(&s, &n);
	if (n > 0 && s[n - 1] == ':') {
		n--;
		ts_trim(&s, &n);
	} else if (flags & TS_COLON)
		return 0;
	if (n > 0 && (s[0] == '<' || s[0] == '"')) {
		close = s[0] == '<' ? '>' : '"';
		if (n < 3 || s[n - 1] != close)
			return 0;
		s++;
		n -= 2;
	}
	if ((flags & TS_ANGLE) && close != '>')
		return 0;
	if (n == 0 || memchr(s, ' ', n) != NULL ||
	    memchr(s, '\t', n) != NULL || !msg_addr_valid(s, n))
		return 0;
	if (!msg_addr_find(s, n, &st, &an) || st != 0 || an != n)
		return 0;
	*as = (size_t)(s - line);
	*al = n;
	return 1;
}

int
ts_in_list(const char *l, const char *s, size_t n)
{
	const char	*p;
	size_t		 k;

	for (p = l; p != NULL && *p != '\0'; ) {
		p += strspn(p, " ,\t<");
		k = strcspn(p, ", \t>");
		if (k == n && strncasecmp(p, s, n) == 0)
			return 1;
		p += k;
		p += strcspn(p, ",");
	}
	return 0;
}

char *
ts_list_nth(struct report_ctx *ctx, const char *l, int nth)
{
	const char	*p;
	size_t		 k;

	for (p = l; p != NULL && *p != '\0'; nth--) {
		p += strspn(p, " ,\t");
		k = strcspn(p, ",");
		if (k == 0)
			break;
		if (nth == 0)
			return msg_addr(ctx->msg->arena, p, k);
		p += k;
	}
	return NULL;
}

struct dsn_record *
ts_record(struct report_ctx *ctx, const char *addr, size_t alen,
    const char *d, size_t dl, const char *action, int *none)
{
	struct dsn_record	*r;
	int			 k;

	*none = 0;
	if ((r = report_new(ctx, "dsn")) == NULL)
		return NULL;
	if ((k = report_set_addr(ctx, r, DSN_F_RECIPIENT, addr, alen)) <= 0) {
		dsn_record_free(r);
		*none = k == 0;
		return NULL;
	}
	if ((d != NULL && dsn_record_set(r, DSN_F_DIAGNOSTIC, d, dl) < 0) ||
	    (action != NULL && dsn_record_sets(r, DSN_F_ACTION, action) < 0)) {
		dsn_record_free(r);
		return NULL;
	}
	return r;
}

int
ts_add(struct report_ctx *ctx, struct dsn_record *r)
{
	const char	*rc;
	int		 k;

	if ((k = report_add(ctx, r)) <= 0)
		return k;
	/* RFC 5321 4.2.1: the second digit is 0 to 5; "571" is no reply. */
	rc = r->v[DSN_F_REPLY_CODE];
	if (rc != NULL && strlen(rc) == 3 && rc[1] > '5')
		(void)dsn_record_set(r, DSN_F_REPLY_CODE, NULL, 0);
	return k;
}

int
ts_hdr_has(struct report_ctx *ctx, const char *field, const char *s)
{
	const struct msg_field	*f;

	f = msg_field_get(ctx->msg, NULL, field);
	return f != NULL && msg_memcasemem(f->value, f->valuelen, s,
	    strlen(s)) != NULL;
}
