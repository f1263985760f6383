/*
 * scan.c - dsn_report_scan(): one message in, its records out.
 *
 * Parses the message once and runs the format table in order; the
 * first recogniser that yields records wins, and RECOG_REFINE entries
 * may then improve them; report_refine() merges repeated recipients and
 * completes the records from the report's text.  Records belong to the
 * caller's list; the parsed message and the shared base record are
 * freed before return.
 */
#include <stdio.h>
#include <stdlib.h>

#include "report/recog.h"

int
dsn_reclist_add(struct dsn_reclist *l, struct dsn_record *rec)
{
	struct dsn_record	**nv;
	size_t			  cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 16;
		if ((nv = realloc(l->v, cap * sizeof(*nv))) == NULL) {
			dsn_record_free(rec);
			return -1;
		}
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = rec;
	return 0;
}

void
dsn_reclist_clear(struct dsn_reclist *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		dsn_record_free(l->v[i]);
	l->n = 0;
}

/* Drops the records appended since index first. */
static void
drop_since(struct dsn_reclist *l, size_t first)
{
	while (l->n > first)
		dsn_record_free(l->v[--l->n]);
}

/* Names the limits that cut a message, with the options to raise. */
static void
cut_says(int cut, char *err, size_t errlen)
{
	static const struct {
		int		 bit;
		const char	*what, *opt;
	} cuts[] = {
		{ MSG_CUT_DEPTH, "MIME nesting", "--max-depth" },
		{ MSG_CUT_PARTS, "MIME parts", "--max-parts" },
		{ MSG_CUT_HEADERS, "header fields", "--max-headers" },
		{ MSG_CUT_HEADER_SIZE, "header size", "--max-header-size" },
	};
	const char *sep = " ";
	size_t	 i, o;

	o = (size_t)snprintf(err, errlen, "cut at a limit:");
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]) && o < errlen; i++) {
		if ((cut & cuts[i].bit) == 0)
			continue;
		o += (size_t)snprintf(err + o, errlen - o, "%s%s (see %s)",
		    sep, cuts[i].what, cuts[i].opt);
		sep = ", ";
	}
}

int
dsn_report_scan(const char *buf, size_t len, const struct dsn_limits *lim,
    struct dsn_reclist *out, char *err, size_t errlen)
{
	struct dsn_limits	 def;
	struct report_ctx	 ctx;
	const struct recog	*r;
	int			 i, n, got = 0;

	if (lim == NULL) {
		dsn_limits_default(&def);
		lim = &def;
	}
	if (errlen > 0)
		err[0] = '\0';
	if (len > lim->message_bytes)
		len = lim->message_bytes;
	ctx.msg = msg_parse(buf, len, lim, err, errlen);
	if (ctx.msg == NULL)
		return -1;
	ctx.limits = lim;
	ctx.out = out;
	ctx.first = out->n;
	ctx.base = NULL;
	ctx.text = NULL;
	ctx.textlen = 0;
	ctx.full = 0;
	ctx.hdrs = NULL;
	for (i = 0; (r = report_table[i]) != NULL; i++) {
		if (got > 0 && !(r->flags & RECOG_REFINE))
			continue;
		ctx.cur = r;
		if (!r->test(&ctx))
			continue;
		if ((n = r->parse(&ctx)) < 0) {
			drop_since(out, ctx.first);
			snprintf(err, errlen, "%s: out of memory", r->name);
			got = -1;
			break;
		}
		got += n;
	}
	/* One record per recipient, completed from the text. */
	if (got > 0) {
		if ((n = report_refine(&ctx)) < 0) {
			drop_since(out, ctx.first);
			snprintf(err, errlen, "refine: out of memory");
			got = -1;
		} else
			got -= n;
	}
	/* A limit cut the message: say so, beside the records. */
	if (got >= 0 && ctx.full)
		snprintf(err, errlen, "more than %d recipients, the rest "
		    "dropped (see --max-recipients)", lim->recipients);
	else if (got >= 0 && ctx.msg->truncated)
		cut_says(ctx.msg->truncated, err, errlen);
	dsn_record_free(ctx.base);
	msg_free(ctx.msg);
	return got;
}
