/*
 * message.h - one RFC 5322 message parsed in place over its buffer.
 *
 * msg_parse() reads the header fields and the MIME tree of a message
 * without copying it: fields and parts are views (pointer + length) into
 * the caller's buffer, which must outlive the struct msg.  Everything
 * decoded (unfolded header values, base64/QP bodies, UTF-8 text) lives in
 * the message's arena and is freed by msg_free(); callers never free a
 * pointer they got from this API.  CRLF, LF and bare CR line endings are
 * all accepted; nothing is normalised in place.
 */
#ifndef DSN_MESSAGE_H
#define DSN_MESSAGE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dsn/limits.h"

/* ---- arena.c: bump allocator, one per message ---- */

struct arena;

/* New arena; NULL on allocation failure. */
struct arena	*arena_new(void);

/* Frees every block; NULL is a no-op. */
void		 arena_free(struct arena *);

/* Forgets every allocation but keeps the first block for reuse. */
void		 arena_reset(struct arena *);

/* Bytes the arena's blocks hold (used or not). */
size_t		 arena_size(const struct arena *);

/* n bytes aligned for any type; NULL on allocation failure. */
void		*arena_alloc(struct arena *, size_t n);

/* NUL-terminated copy of len bytes at s; NULL on allocation failure. */
char		*arena_strndup(struct arena *, const char *s, size_t len);

/* ---- lines.c: line iteration over all three line endings ---- */

/*
 * Next line of buf[0..len) starting at *pos: sets *line and *linelen
 * (without its ending), advances *pos past the ending (CRLF, LF or CR)
 * and returns 1; returns 0 when *pos >= len.
 */
int	msg_line_next(const char *buf, size_t len, size_t *pos,
	    const char **line, size_t *linelen);

/*
 * Offset of the first CR or LF in s[0..n), or n (SSE2 where the
 * compiler has it, 16 bytes at a time).
 */
size_t	msg_eol(const char *s, size_t n);

/* Case-insensitive search of needle in hay; pointer or NULL. */
const char	*msg_memcasemem(const char *hay, size_t haylen,
		    const char *needle, size_t nlen);

/*
 * First place of needle in hay, as memmem(3) (SSE2 where the compiler
 * has it: 16 places at a time sifted on three bytes); pointer or NULL.
 */
const char	*msg_memmem(const char *hay, size_t haylen,
		    const char *needle, size_t nlen);

/* Case-insensitive prefix test: 1 when s[0..len) starts with prefix. */
/* 1 when s[0..n) equals t[0..n) but for the case of ASCII letters. */
int	msg_caseeq(const char *s, const char *t, size_t n);

int	msg_startcase(const char *s, size_t len, const char *prefix);

/* ---- header.c: header fields ---- */

struct msg_field {
	const char	*name;		/* view, not NUL-terminated */
	size_t		 namelen;
	const char	*value;		/* raw view after ':', folded */
	size_t		 valuelen;
};

/*
 * Reads one header field of the block buf[0..len) at *pos, folding
 * continuation lines in.  Returns 1 with *f filled and *pos advanced,
 * or 0 at the end of the block: a blank line (*pos is then after it),
 * the end of the buffer, or a line that is neither a field nor a
 * continuation (*pos is then at that line, which starts the body).
 */
int	msg_field_next(const char *buf, size_t len, size_t *pos,
	    struct msg_field *f);

/*
 * msg_field_next() called up to max times, into f[0..max): returns how
 * many fields were read and sets *done to 1 when the block ended (*pos
 * is then as msg_field_next() leaves it on returning 0), or to 0 when
 * f is full and more fields may follow.
 */
size_t	msg_fields_next(const char *buf, size_t len, size_t *pos,
	    struct msg_field *f, size_t max, int *done);

/* 1 when field f is named name (case-insensitive). */
int	msg_field_is(const struct msg_field *f, const char *name);

/*
 * Unfolded value of a raw field value: line endings followed by white
 * space removed, other controls turned into spaces, trimmed.  No 2047
 * decoding.  Arena string; NULL on allocation failure.
 */
char	*msg_unfold(struct arena *, const char *v, size_t len);

/* msg_unfold() that also sets *outlen to the length of its result. */
char	*msg_unfold_len(struct arena *, const char *v, size_t len,
	    size_t *outlen);

/*
 * msg_unfold_len() without a copy where none is needed: a value of one
 * line of words and single spaces (most) is returned in place, trimmed
 * of a space at each end and not NUL-terminated; others are unfolded
 * into the arena.  NULL when memory runs out.
 */
const char	*msg_unfold_view(struct arena *, const char *v, size_t len,
		    size_t *outlen);

/* ---- mime.c: the message and its MIME tree ---- */

enum msg_cte {
	MSG_CTE_IDENTITY = 0,		/* 7bit, 8bit, binary, unknown */
	MSG_CTE_BASE64,
	MSG_CTE_QP
};

struct msg_part {
	const char	*hdr;		/* header block view */
	size_t		 hdrlen;
	const char	*body;		/* raw (still encoded) body view */
	size_t		 bodylen;
	size_t		 field0;	/* first field in msg->fields */
	size_t		 nfields;
	uint64_t	 fbloom[2];	/* msg_field_bit() of its fields */
	const char	*type;		/* "type/subtype", lowercase, arena */
	const char	*boundary;	/* multipart boundary or NULL */
	const char	*charset;	/* lowercase or NULL */
	enum msg_cte	 cte;
	int		 depth;		/* 0 for the top message */
	int		 parent;	/* index in msg->parts, -1 for the top */
	int		 child;		/* first child or -1 */
	int		 next;		/* next sibling or -1 */
	int		 is_message;	/* the root of a (nested) message */
	const char	*dec;		/* cache of msg_part_body() */
	size_t		 declen;
	const char	*text;		/* cache of msg_part_text() */
	size_t		 textlen;
};

/* Which limit cut a message (bits of msg->truncated). */
#define MSG_CUT_DEPTH		0x01	/* --max-depth */
#define MSG_CUT_PARTS		0x02	/* --max-parts */
#define MSG_CUT_HEADERS		0x04	/* --max-headers */
#define MSG_CUT_HEADER_SIZE	0x08	/* --max-header-size */

struct msg {
	const char		*buf;
	size_t			 len;
	struct msg_field	*fields;	/* all header fields, by part */
	uint32_t		*fkeys;		/* msg_field_key() of each */
	size_t			 nfields, capfields;
	struct msg_part		*parts;		/* parts[0] is the message */
	int			 nparts, capparts;
	int			 truncated;	/* limits that cut it: MSG_CUT_* */
	const char		**fdec;		/* msg_header() cache, by field */
	size_t			 nfdec;
	struct arena		*arena;
	const struct dsn_limits	*limits;
};

/*
 * Parses the message in buf[0..len): its header fields and MIME tree,
 * with message/rfc822, message/global and text/rfc822-headers parts
 * parsed as nested messages.  Limits (borrowed, must outlive the msg)
 * bound header bytes, fields, depth and parts; past them the tree is
 * cut and msg->truncated set.  Returns NULL with a reason in err only
 * on allocation failure.  buf must outlive the msg.
 */
struct msg	*msg_parse(const char *buf, size_t len,
		    const struct dsn_limits *, char *err, size_t errlen);

/*
 * Frees the message and its arena (or keeps them, emptied, for the
 * thread's next msg_parse()); NULL is a no-op.
 */
void		 msg_free(struct msg *);

/*
 * Sieve key of a field name of n > 0 bytes: its length and its first
 * and last bytes with the case bit set.  Equal names (in any case) have
 * equal keys; msg_field_find() compares names only when keys match.
 */
static inline uint32_t
msg_field_key(const char *name, size_t n)
{
	return (uint32_t)(n < 0xffff ? n : 0xffff) |
	    (uint32_t)((unsigned char)name[0] | 0x20) << 16 |
	    (uint32_t)((unsigned char)name[n - 1] | 0x20) << 24;
}

/*
 * Bit (0-127) of a field key in the part's fbloom: most names asked for
 * are absent, and a clear bit tells so without a look at the fields.
 */
static inline unsigned
msg_field_bit(uint32_t key)
{
	return (unsigned)((key * 0x9e3779b1u) >> 25);
}

/* msg_field_get() of a name of n > 0 bytes in part p (not NULL). */
const struct msg_field	*msg_field_find(const struct msg *,
			    const struct msg_part *p, const char *name,
			    size_t n);

/*
 * First raw field named name in part p (p NULL: the top message), or
 * NULL.  Borrowed from the msg.  Inline, as is msg_header(): for a
 * constant name the compiler works its length out.
 */
static inline const struct msg_field *
msg_field_get(const struct msg *m, const struct msg_part *p,
    const char *name)
{
	size_t		 n = strlen(name);
	unsigned	 b;

	if (p == NULL)
		p = &m->parts[0];
	if (n == 0)
		return NULL;
	/* For a constant name, b is a constant. */
	b = msg_field_bit(msg_field_key(name, n));
	if ((p->fbloom[b >> 6] >> (b & 63) & 1) == 0)
		return NULL;
	return msg_field_find(m, p, name, n);
}

/*
 * msg_header() of field f, one of msg->fields: decoded once, then
 * remembered.  Arena string; NULL on allocation failure.
 */
const char	*msg_field_value(struct msg *, const struct msg_field *f);

/*
 * Value of the first field named name in part p (NULL: top message),
 * unfolded, RFC 2047 decoded and converted to UTF-8; NULL when absent.
 * Arena string.
 */
static inline const char *
msg_header(struct msg *m, const struct msg_part *p, const char *name)
{
	const struct msg_field	*f;

	if ((f = msg_field_get(m, p, name)) == NULL)
		return NULL;
	return msg_field_value(m, f);
}

/*
 * Depth-first search from part from (NULL: the whole message) for the
 * first part whose type is type ("message/delivery-status"), skipping
 * from itself; NULL when none.
 */
struct msg_part	*msg_find_type(struct msg *, const struct msg_part *from,
		    const char *type);

/* Index of p in msg->parts. */
int		 msg_part_index(const struct msg *, const struct msg_part *p);

/*
 * Body of p with its Content-Transfer-Encoding undone.  For identity
 * encodings this is the view itself, no copy.  Sets *len; returns NULL
 * only on allocation failure.
 */
const char	*msg_part_body(struct msg *, const struct msg_part *p,
		    size_t *len);

/*
 * Body of a text part decoded and converted from its charset to UTF-8
 * (unknown charsets are passed through; bad bytes are left for the
 * record setter to repair).  Sets *len; NULL on allocation failure.
 */
const char	*msg_part_text(struct msg *, const struct msg_part *p,
		    size_t *len);

/* ---- decode.c: transfer encodings ---- */

/*
 * Decode base64 / quoted-printable from in[0..len) into out, which must
 * hold len bytes (the output is never longer).  Returns the output
 * length.  Bad input is skipped (base64) or kept literally (QP).  With
 * q set, QP is decoded as RFC 2047 "Q" ('_' is a space).
 */
size_t	msg_base64_decode(const char *in, size_t len, char *out);
size_t	msg_qp_decode(const char *in, size_t len, char *out, int q);

/* ---- charset.c: charset conversion ---- */

/*
 * in[0..len) converted from charset cs to UTF-8 in the arena, NUL-
 * terminated, *outlen set.  UTF-8, US-ASCII, NULL or an unknown charset
 * give a plain copy; bytes iconv cannot convert become U+FFFD.  NULL on
 * allocation failure.
 */
char	*msg_to_utf8(struct arena *, const char *cs, const char *in,
	    size_t len, size_t *outlen);

/*
 * The ISO 2022 charset ("ISO-2022-JP-2", "ISO-2022-KR", "ISO-2022-CN")
 * whose escapes in[0..len) holds, or NULL: 7-bit text sent without a
 * charset.  msg_to_utf8() uses it for text declared as ASCII or none.
 */
const char	*msg_iso2022(const char *in, size_t len);

/* ---- rfc2047.c: encoded words ---- */

/*
 * Header value v[0..len) unfolded, with RFC 2047 encoded words (B and
 * Q) decoded to UTF-8; white space between adjacent encoded words is
 * dropped.  Arena string; NULL on allocation failure.
 */
char	*msg_decode_header(struct arena *, const char *v, size_t len);

/* ---- address.c: addresses in header and report fields ---- */

/*
 * The first mail address in s[0..len): an "rfc822;" (any case) or other
 * type prefix is dropped, comments in parentheses are skipped, an
 * address in angle brackets is preferred, quotes and trailing dots are
 * trimmed.  Returns an arena string of the form local@domain (or the
 * bare token when there is no '@'), or NULL when none is found.
 */
char	*msg_addr(struct arena *, const char *s, size_t len);

/*
 * Scans s[0..len) for something that looks like an address
 * (local@domain.tld) anywhere in free text; sets *start and *alen and
 * returns 1, or returns 0.  Used by the free-text formats.
 */
int	msg_addr_find(const char *s, size_t len, size_t *start, size_t *alen);

/* 1 when s[0..len) is a plausible local@domain address. */
int	msg_addr_valid(const char *s, size_t len);

#endif
