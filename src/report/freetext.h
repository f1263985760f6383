/*
 * freetext.h - what the free-text bounce formats (src/report/formats/)
 * share: phrase, line and region search in a report's text (usually
 * report_text()), address lines, unfolding, SMTP reply bits, and
 * records built from what the text says, including RFC 3464 fields
 * written as plain text.  Offsets and views point into the caller's
 * text; strings made here live in the message's arena; records are
 * handed to report_add().
 */
#ifndef DSN_REPORT_FREETEXT_H
#define DSN_REPORT_FREETEXT_H

#include <stddef.h>

#include "report/recog.h"

#define FT_NONE		((size_t)-1)	/* ft_after(): marker not found */

/* ---- text and lines ---- */

/* Offset of needle (case-insensitive) in t[from..len), or len. */
size_t	ft_find(const char *t, size_t len, size_t from, const char *needle);

/*
 * Index of the first occurrence of any of the NULL-terminated needles
 * in t[0..len) (case-insensitive), with the needle's length in *nlen;
 * -1 when none.
 */
long	ft_find_any(const char *t, size_t len, const char *const *needles,
	    size_t *nlen);

/*
 * Offset just past the line holding the first occurrence of marker
 * (any case) in t[0..len), or FT_NONE.
 */
size_t	ft_after(const char *t, size_t len, const char *marker);

/*
 * The region of t[0..len) that starts after the line holding one of
 * starts (NULL: at 0) and ends before the line holding one of ends
 * found after it (NULL or none found: at len).  Returns 1 with *rs
 * and *rl set, 0 when no start marker is found.
 */
int	ft_region(const char *t, size_t len, const char *const *starts,
	    const char *const *ends, size_t *rs, size_t *rl);

/* 1 when s (NUL-terminated, may be NULL) holds, or with prefix starts
 * with, one of the NULL-terminated marks (case-insensitive). */
int	ft_has_mark(const char *s, const char *const *marks, int prefix);

/* Offset of the start of the line after the one holding offset pos. */
size_t	ft_eol(const char *t, size_t len, size_t pos);

/* Offset of the start of the line holding offset pos. */
size_t	ft_bol(const char *t, size_t pos);

/* s[0..*n) without leading and trailing blanks: adjusts s and n. */
void	ft_trim(const char **s, size_t *n);

/* Leading spaces and tabs of a line (a tab counts as 8). */
size_t	ft_indent(const char *line, size_t ll);

/* 1 when line[0..len) is blank (spaces, tabs only, or empty). */
int	ft_blank(const char *line, size_t len);

/*
 * s[0..len) on one line: runs of white space (line ends too) become one
 * space, ends trimmed.  Arena string; NULL on allocation failure.
 */
char	*ft_unfold(struct arena *, const char *s, size_t len);

/* The top message's fields that most tests read. */
enum ft_hdr { FT_FROM, FT_SUBJECT, FT_RECEIVED, FT_MSGID, FT_NHDR };

/*
 * What ft_field() and ft_header() keep for a message, in its arena
 * (report_ctx.hdrs); here for their inline first step, as tests call
 * them dozens of times a message.
 */
struct ft_hdrs {
	const struct msg_field	*f[FT_NHDR];
	const char		*v[FT_NHDR];
	unsigned char		 looked[FT_NHDR];	/* f[h] is known */
	unsigned char		 decoded[FT_NHDR];	/* v[h] is known */
	unsigned char		 coded[FT_NHDR];	/* ft_hdr_may(): 1 none,
							   2 some, 0 unknown */
};

/* ft_field() and ft_header() the first time for h. */
const struct msg_field	*ft_field_find(struct report_ctx *, enum ft_hdr h);
const char		*ft_header_find(struct report_ctx *, enum ft_hdr h);

/*
 * msg_field_get() of the top message's field h, looked up once per
 * message (a few dozen tests ask); borrowed from the msg.
 */
static inline const struct msg_field *
ft_field(struct report_ctx *ctx, enum ft_hdr h)
{
	if (ctx->hdrs != NULL && ctx->hdrs->looked[h])
		return ctx->hdrs->f[h];
	return ft_field_find(ctx, h);
}

/* msg_header() of the top message's field h, kept as ft_field() is. */
static inline const char *
ft_header(struct report_ctx *ctx, enum ft_hdr h)
{
	if (ctx->hdrs != NULL && ctx->hdrs->decoded[h])
		return ctx->hdrs->v[h];
	return ft_header_find(ctx, h);
}

/*
 * 0 when ft_header() of h cannot contain word, a string without blanks
 * or control bytes: the raw value holds neither it nor what decoding
 * turns into other text (an encoded word, an ISO 2022 escape); 1
 * otherwise.  Cheaper than decoding a long field that only tests read
 * (Received).
 */
int	ft_hdr_may(struct report_ctx *, enum ft_hdr h, const char *word);

/* 1 when the text of header field (top message) contains s, any case. */
int	ft_hdr_has(struct report_ctx *, const char *field, const char *s);

/*
 * 1 when it contains one of the NULL-terminated phrases: the field is
 * looked up once for all of them.
 */
int	ft_hdr_has_any(struct report_ctx *, const char *field,
	    const char *const *phrases);

/* ---- phrase sets (ftset.c) ---- */

#define FT_SETMAX	128	/* phrases in one set at most */
#define FT_SETEND	0xff	/* no (further) phrase */

/*
 * Phrases looked for together, case-insensitively, in one pass: worth
 * it over one msg_memcasemem() per phrase from about eight phrases on,
 * or on short lines.  Filled by ft_set_init(); points to the caller's
 * NULL-terminated phrase list, which must outlive it.
 */
struct ft_set {
	const char *const *v;			/* the phrases */
	unsigned char	 len[FT_SETMAX];	/* their lengths */
	unsigned char	 next[FT_SETMAX];	/* next in the same bucket */
	unsigned char	 head[1024];		/* first of each bucket */
	unsigned char	 lead[256];		/* 1: a phrase may start
						   with this byte */
};

/* A place found by ft_set_next(): phrase k of the set starts at at. */
struct ft_match {
	size_t		 at;
	int		 k;	/* -1: none yet, search from at */
};

/*
 * Indexes phrases (at most FT_SETMAX, each 2 to 255 bytes long) into
 * set.  Returns 0, or -1 when the list breaks those limits.
 */
int	ft_set_init(struct ft_set *, const char *const *phrases);

/*
 * The next place in s[0..n) after m where a phrase of the set starts:
 * places from left to right, and at one place the phrases in list order
 * (only those sharing their first two bytes, case folded, are compared).
 * Start with m = { from, -1 }.  Returns 1 with m set, 0 when no more.
 */
int	ft_set_next(const struct ft_set *, const char *s, size_t n,
	    struct ft_match *m);

/* 1 when a phrase of the set occurs in s[0..n). */
int	ft_set_any(const struct ft_set *, const char *s, size_t n);

/* ---- addresses ---- */

#define FT_ANGLE	0x01	/* the address must be in <angle brackets> */
#define FT_COLON	0x02	/* and followed by a colon */
#define FT_WORD		0x04	/* ft_addr_lead: the first word (ended by
				   blanks or "<>,;"), whatever follows */

/*
 * 1 when the line holds one address and nothing else, after an optional
 * "* " or ">>> " bullet: a bare, "quoted" or <angled> address with an
 * optional colon after it (flags make the brackets or the colon
 * required).  Sets *as and *al to the address within line.
 */
int	ft_addr_only(const char *line, size_t ll, int flags, size_t *as,
	    size_t *al);

/*
 * When line l[0..ll) starts (after blanks) with an address, optionally
 * in angle brackets (required with FT_ANGLE) and followed by a colon
 * (required with FT_COLON), returns 1 with the address in *as and *al
 * (offsets into l) and *rest the offset of the text after it, past a
 * Postfix "(expanded from ...)", the colon and blanks.  0 otherwise.
 * With FT_WORD the address is the first word after blanks and an
 * opening '<' (no closing '>' needed) and *rest is just past it.
 */
int	ft_addr_lead(const char *l, size_t ll, int flags, size_t *as,
	    size_t *al, size_t *rest);

/*
 * The first plausible address (local@domain.tld) in s[0..len) into
 * *start and *alen; 1 or 0.
 */
int	ft_addr_first(const char *s, size_t len, size_t *start, size_t *alen);

/* 1 when the string s[0..n) is in the comma-separated address list l. */
int	ft_in_list(const char *l, const char *s, size_t n);

/*
 * The n-th (0-based) address of a comma-separated header value such as
 * X-Failed-Recipients; arena string or NULL.
 */
char	*ft_list_nth(struct report_ctx *, const char *list, int n);

/*
 * The host of "HOST[1.2.3.4]" or "HOST [1.2.3.4]" in s[0..len): sets
 * *hs and *hl to the word before the first '['.  Returns 1 or 0.
 */
int	ft_host(const char *s, size_t len, const char **hs, size_t *hl);

/* ---- SMTP ---- */

/*
 * 1 when p[0..n) opens with a three-digit reply code of class 2, 4 or
 * 5; the code and a NUL go to rc (4 bytes).
 */
int	ft_reply_at(const char *p, size_t n, char *rc);

/*
 * The SMTP step a transcript line s[0..n) starts with (after blanks):
 * "RCPT", "MAIL", "DATA" (also for the lone "."), "HELO" (also for
 * EHLO), "CONN", or NULL.
 */
const char	*ft_smtp_verb(const char *s, size_t n);

/* ---- records ---- */

/*
 * A record for recipient addr[0..alen) (msg_addr() rules) with the
 * diagnostic d[0..dl) as given (NULL: none) and the action when not
 * NULL.  The record is not yet added: callers may adjust it and hand
 * it to ft_add().  NULL on allocation failure, or *none set when addr
 * holds no address.
 */
struct dsn_record	*ft_record(struct report_ctx *, const char *addr,
			    size_t alen, const char *d, size_t dl,
			    const char *action, int *none);

/*
 * Adds rec (report_add()), then drops a reply code no SMTP server sends
 * (second digit above 5).  1 added, 0 dropped, -1 on ENOMEM.
 */
int	ft_add(struct report_ctx *, struct dsn_record *rec);

/*
 * ft_record() then ft_add() for addr[0..alen), diagnostic d[0..dl) and
 * "failed": 1 added, 0 no address or dropped, -1 on ENOMEM.
 */
int	ft_record_add(struct report_ctx *, const char *addr, size_t alen,
	    const char *d, size_t dl);

/*
 * Appends a record for the first plausible address in a[0..alen), with
 * diagnostic d[0..dlen) unfolded (ft_unfold(); d NULL: none) and action
 * (NULL: "failed").  Returns report_add()'s result, 0 when a holds no
 * plausible address, -1 on allocation failure.
 */
int	ft_add_text(struct report_ctx *, const char *a, size_t alen,
	    const char *d, size_t dlen, const char *action);

/* The record appended last for this message, or NULL. */
struct dsn_record	*ft_last(struct report_ctx *);

/* What one recipient of a free-text bounce says; views, not owned. */
struct ft_hit {
	const char	*addr;		/* recipient (address text) */
	size_t		 alen;
	const char	*diag;		/* diagnostic lines, may be NULL */
	size_t		 dlen;
	const char	*remote;	/* remote MTA host, may be NULL */
	size_t		 rlen;
	const char	*cmd;		/* "RCPT", "DATA" ... or NULL */
	const char	*action;	/* NULL: "failed" */
	const char	*reply;		/* reply code when the text has none */
};

/*
 * Appends one record for hit h: recipient, diagnostic (multi-line SMTP
 * replies joined to one line, a leading "550:" as reply code), remote
 * MTA (from h or "host HOST[...] said:"), command (from h or a
 * "[RCPT_TO]" tag) and action; status and reply code are otherwise
 * derived by report_add().  A recipient already recorded for this
 * message is skipped.  Returns 1, 0 (skipped) or -1 on ENOMEM.
 */
int	ft_emit(struct report_ctx *, const struct ft_hit *h);

/*
 * Walks r[0..rl): each line starting with an address (flags as for
 * ft_addr_lead) opens a recipient whose diagnostic is the rest of that
 * line and the lines after it, up to a blank line or the next address
 * line.  Fields of proto other than addr/diag apply to every hit.
 * Returns the records added or -1 on allocation failure.
 */
int	ft_blocks(struct report_ctx *, const char *r, size_t rl, int flags,
	    const struct ft_hit *proto);

/*
 * RFC 3464 per-recipient fields (Final-Recipient, Action, Status,
 * Diagnostic-Code, Remote-MTA) written as plain text in t[0..len), one
 * group per recipient, Reporting-MTA anywhere before.  Appends one
 * record per group; returns how many, or -1 on allocation failure.
 */
int	ft_ds(struct report_ctx *, const char *t, size_t len);

#endif
