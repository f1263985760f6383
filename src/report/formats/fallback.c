/*
 * fallback.c - the catch-all scanner, last in the format table.  For a
 * message whose headers say "bounce" but that no recogniser knew, finds
 * the failed recipients in the report's text: addresses on or next to
 * failure phrases, before the returned copy of the message, never the
 * sender, the bounce's own addresses or postmaster's.  Working copies of
 * the text and the candidate table live in the message's arena.
 */

/*
 * XXX fallback: the phrase lists are English (plus two Chinese words);
 * bounces in other languages are found only through "<addr>:" lines,
 * reply and status codes, or X-Failed-Recipients.
 * XXX fallback: a bare name ("jdoe") gets the registered domain of the
 * bounce's From (last two labels, three under co.uk-style zones); a
 * site that maps names to another domain is not guessed.
 * XXX fallback: a person's first message (no reply headers, no mail
 * program header) whose subject opens like a bounce and whose text puts
 * an address next to failure words can still give records.
 */
#include <string.h>

#include "report/freetext.h"

#define FB_TEXTMAX	(256 * 1024)	/* text scanned at most */
#define FB_LINES	2000		/* lines scanned at most */
#define FB_BEHIND	3		/* lines a failure phrase reaches */
#define FB_DIAGLINES	8		/* lines of one diagnostic */
#define FB_DIAGMAX	1000		/* bytes of one diagnostic */
#define FB_RCPT		256		/* candidates kept at most */
#define FB_LINEMAX	2048		/* bytes of a line looked at */
#define FB_LINEADDR	32		/* addresses taken from one line */
#define FB_TAKES	1024		/* address occurrences looked at */
#define FB_MARKS	16		/* strong phrase places kept a line */
#define FB_TAGMAX	512		/* bytes of one HTML tag */

struct fb_line {
	const char	*s;
	size_t		 len;
	int		 blank;		/* no words: a gap */
	int		 fail;		/* failure phrase or code */
	int		 hdr;		/* "To:" / "Cc:" line */
	int		 skip;		/* sender side: no rcpts */
	int		 code;		/* reply or status code */
	int		 nmk;		/* strong phrases, -1: many */
	unsigned short	 mk[FB_MARKS];	/* where they start */
};

struct fb_cand {
	char		*addr;
	char		*diag;		/* arena, may be NULL */
	int		 score;
	int		 xfr;		/* in X-Failed-Recipients */
};

struct fb_scan {
	struct report_ctx	*ctx;
	struct fb_line		*ln;
	int			 nln;
	struct fb_cand		*c;
	int			 nc;
	char			*not[8];	/* the bounce's own */
	int			 nnot;
	int			 xfr;		/* that header given */
	int			 takes;		/* occurrences seen */
	const struct fb_sets	*set;		/* the phrase sets */
};

/*
 * The phrase lists below, for one pass over a line each.  Built once
 * per thread (about 7k instructions each time, more than a small
 * report's scan), then only read.
 */
struct fb_sets {
	struct ft_set		 words, marks, delay;
	/*
	 * fail_marks, weak_marks then copy_marks: one pass over a line
	 * finds the three kinds.
	 */
	const char		*markv[FT_SETMAX + 1];
	int			 nstrong;	/* fail_marks in markv */
	int			 ncopy;		/* where copy_marks start */
	int			 ready;		/* built */
};

/* The failure phrases of a line, for line_flags(). */
struct fb_marks {
	int		 nmk;		/* as in fb_line */
	int		 weak;		/* a weak phrase */
	unsigned short	 mk[FB_MARKS];
};

/* ---- the cheap header test ---- */

static const char *const from_marks[] = {
	"mailer-daemon", "mailer_daemon", "mailerdaemon", "mdaemon",
	"postmaster", "mail delivery", "delivery subsystem",
	"mail administrator", "delivery system", NULL
};

/* Subjects only a bounce opens with. */
static const char *const subject_starts[] = {
	"undeliverable", "undelivered mail", "non-delivery", "nondelivery",
	"delivery status notification", "returned mail:", "delivery failure",
	"failure notice", "mail delivery failed", "delivery failed",
	"mail could not be delivered", "message not delivered",
	"mail not delivered", "permanent delivery failure",
	"delivery notification: delivery has failed", NULL
};

static const char *const subject_marks[] = {
	"undeliver", "undelivered", "not delivered", "non-deliver",
	"nondeliver", "delivery fail", "delivery status", "delivery problem",
	"delivery warning", "delivery notification", "delivery error",
	"delivery report", "failure notice", "failure delivery",
	"failed mail", "mail failed", "mail delivery", "returned mail",
	"returning message", "could not be delivered", "delivery delayed",
	"message delayed", "not yet been delivered", "non remis",
	"unzustellbar", "nicht zustellbar", "mail system error",
	"error during delivery", "permanent delivery", "rejected mail",
	"automatically rejected", "user unknown", "failure notification",
	NULL
};

static const char *const forward_marks[] = {
	"fwd:", "fw:", "tr:", "wg:", "rv:", "enc:", "doorst:", NULL
};

/*
 * from_marks and subject_marks as phrase sets, built on first use (a
 * few thousand instructions, once): one pass over a header value then
 * replaces one search per phrase, which cost most of the test.
 */
struct fb_hsets {
	struct ft_set		 from, subject;
	int			 ready;
};

static const struct fb_hsets *
fb_hsets(void)
{
	static _Thread_local struct fb_hsets	 hs;

	if (!hs.ready && (ft_set_init(&hs.from, from_marks) < 0 ||
	    ft_set_init(&hs.subject, subject_marks) < 0))
		return NULL;
	hs.ready = 1;
	return &hs;
}

/* ft_has_mark(s, marks, 0), through set (built from marks) if any. */
static int
has_mark(const struct ft_set *set, const char *s, const char *const *marks)
{
	if (set == NULL)
		return ft_has_mark(s, marks, 0);
	return s != NULL && ft_set_any(set, s, strlen(s));
}

/* 1 when a header field's value starts with prefix. */
static int
hdr_starts(struct msg *m, const char *name, const char *prefix)
{
	const char	*v = msg_header(m, NULL, name);

	return v != NULL && msg_startcase(v, strlen(v), prefix);
}

/* Headers that only a mail system writes. */
static int
strong_bounce(struct msg *m)
{
	const char	*v;

	if (msg_field_get(m, NULL, "X-Failed-Recipients") != NULL ||
	    strcmp(m->parts[0].type, "multipart/report") == 0 ||
	    hdr_starts(m, "Auto-Submitted", "auto-generated"))
		return 1;
	if ((v = msg_header(m, NULL, "Return-Path")) != NULL) {
		while (*v == ' ')
			v++;
		if (strncmp(v, "<>", 2) == 0 || *v == '\0' ||
		    msg_memcasemem(v, strlen(v), "mailer-daemon", 13))
			return 1;
	}
	return 0;
}

static const char *const mua_marks[] = {
	"thunderbird", "outlook", "apple mail", "iphone mail", "mutt",
	"evolution", "kmail", "claws", "mozilla", "roundcube", "gnus",
	"sylpheed", "alpine", "mailmate", "airmail", NULL
};

/* 1 when a person's mail program wrote the message. */
static int
mua(struct msg *m)
{
	return msg_field_get(m, NULL, "User-Agent") != NULL ||
	    ft_has_mark(msg_header(m, NULL, "X-Mailer"), mua_marks, 0);
}

/*
 * The part of a subject a bounce may have written: all of it, but of a
 * reply ("Re: ...") only a tag after a later colon ("Re: x : non
 * remis"); NULL when none.
 */
static const char *
reply_tail(const char *subj)
{
	const char	*c;

	if (subj == NULL || (!msg_startcase(subj, strlen(subj), "re:") &&
	    !msg_startcase(subj, strlen(subj), "aw:")))
		return subj;
	return (c = strrchr(subj + 3, ':')) != NULL ? c + 1 : NULL;
}

static int
fb_test(struct report_ctx *ctx)
{
	struct msg		*m = ctx->msg;
	const struct fb_hsets	*hs = fb_hsets();
	const char		*subj = ft_header(ctx, FT_SUBJECT);
	const char		*from = ft_header(ctx, FT_FROM), *tag;
	int			 strong = strong_bounce(m);

	while (subj != NULL && *subj == ' ')
		subj++;
	/* A person passing a bounce on is not a bounce. */
	if (ft_has_mark(subj, forward_marks, 1) &&
	    msg_field_get(m, NULL, "X-Failed-Recipients") == NULL)
		return 0;
	if (strong || has_mark(hs != NULL ? &hs->from : NULL, from,
	    from_marks))
		return 1;
	if (!has_mark(hs != NULL ? &hs->subject : NULL, reply_tail(subj),
	    subject_marks) ||
	    msg_field_get(m, NULL, "In-Reply-To") != NULL ||
	    msg_field_get(m, NULL, "References") != NULL)
		return 0;
	if (mua(m))
		return 0;
	/* A subject that opens like a bounce ("Undeliverable: ..."). */
	if (subj == NULL)
		return 0;
	while (*subj == '[' && (tag = strchr(subj, ']')) != NULL)
		for (subj = tag + 1; *subj == ' '; subj++)
			;
	if (ft_has_mark(subj, subject_starts, 1))
		return 1;
	/* The subject alone: not when it reads like list mail. */
	return msg_field_get(m, NULL, "List-Unsubscribe") == NULL &&
	    msg_field_get(m, NULL, "List-Id") == NULL &&
	    !hdr_starts(m, "Precedence", "bulk") &&
	    !hdr_starts(m, "Precedence", "list");
}

/* ---- the text ---- */

/* Appends the entity at s (after '&') to o; returns bytes consumed. */
static size_t
html_entity(const char *s, size_t n, char *o, size_t *ol)
{
	static const struct { const char *e; char c; } ents[] = {
		{ "nbsp;", ' ' }, { "lt;", '<' }, { "gt;", '>' },
		{ "amp;", '&' }, { "quot;", '"' }, { "#39;", '\'' },
		{ "#64;", '@' }, { NULL, 0 }
	};
	int	 i;

	for (i = 0; ents[i].e != NULL; i++)
		if (msg_startcase(s, n, ents[i].e)) {
			o[(*ol)++] = ents[i].c;
			return strlen(ents[i].e);
		}
	o[(*ol)++] = '&';
	return 0;
}

/* A tag that breaks a line: br, p, div, tr, li, h1-h6. */
static int
html_break(const char *s, size_t n)
{
	static const char *const tags[] = {
		"br", "/p", "p>", "p ", "div", "/div", "tr", "/tr", "li",
		"/h", "h1", "h2", "h3", "table", "/table", NULL
	};
	int	 i;

	for (i = 0; tags[i] != NULL; i++)
		if (msg_startcase(s, n, tags[i]))
			return 1;
	return 0;
}

/* Past the end of an element whose content is not text, or i. */
static size_t
html_skip(const char *s, size_t n, size_t i)
{
	static const char *const els[] = {
		"</head", "</style", "</script", "</title", NULL
	};
	const char	*e, *gt;
	int		 k;

	for (k = 0; els[k] != NULL; k++) {
		if (!msg_startcase(s + i + 1, n - i - 1, els[k] + 2))
			continue;
		if ((e = msg_memcasemem(s + i, n - i, els[k],
		    strlen(els[k]))) == NULL ||
		    (gt = memchr(e, '>', (size_t)(s + n - e))) == NULL)
			return n - 1;
		return (size_t)(gt - s);
	}
	return i;
}

/* HTML as plain lines: tags out, breaks and entities turned to text. */
static char *
html_text(struct arena *a, const char *s, size_t n, size_t *outlen)
{
	const char	*gt;
	char		*o;
	size_t		 i, ol = 0;

	if ((o = arena_alloc(a, n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		size_t j;

		if (s[i] == '<' && (j = html_skip(s, n, i)) != i) {
			i = j;
			o[ol++] = '\n';
		} else if (s[i] == '<' && i + 1 < n && (s[i + 1] == '/' ||
		    s[i + 1] == '!' || (s[i + 1] | 0x20) >= 'a') &&
		    (gt = memchr(s + i, '>', n - i < FB_TAGMAX ? n - i :
		    FB_TAGMAX)) != NULL &&
		    memchr(s + i, '@', (size_t)(gt - s - i)) == NULL) {
			if (html_break(s + i + 1, n - i - 1))
				o[ol++] = '\n';
			i = (size_t)(gt - s);
		} else if (s[i] == '&')
			i += html_entity(s + i + 1, n - i - 1, o, &ol);
		else if (s[i] == '\n' || s[i] == '\r')
			o[ol++] = ' ';
		else
			o[ol++] = s[i];
	}
	o[ol] = '\0';
	*outlen = ol;
	return o;
}

/* The report's own text: plain text first, else HTML made plain. */
static const char *
fb_text(struct report_ctx *ctx, size_t *len)
{
	struct msg	*m = ctx->msg;
	const char	*t;
	int		 i;

	if ((t = report_text(ctx, len)) != NULL && *len > 0 &&
	    memchr(t, '@', *len) != NULL)
		return t;
	for (i = 0; i < m->nparts; i++) {
		if (strcmp(m->parts[i].type, "text/html") != 0 ||
		    report_in_returned(m, i) ||
		    (i == 0 && m->parts[0].child >= 0))
			continue;
		if ((t = msg_part_text(m, &m->parts[i], len)) == NULL)
			return NULL;
		return html_text(m->arena, t, *len, len);
	}
	if ((t = report_text(ctx, len)) == NULL && m->parts[0].child < 0)
		t = msg_part_text(m, &m->parts[0], len);
	return t;
}

/*
 * The text before the first part of a multipart message: where a
 * report whose copy carries MIME lines (taken for the message's own
 * structure) has its explanation.  NULL when there is none.
 */
static const char *
preamble(struct msg *m, size_t *len)
{
	const struct msg_part	*p = &m->parts[0];

	if (p->child < 0 || m->parts[p->child].hdr < p->body ||
	    m->parts[p->child].hdr > p->body + p->bodylen)
		return NULL;
	*len = (size_t)(m->parts[p->child].hdr - p->body);
	return *len > 0 && memchr(p->body, '@', *len) != NULL ? p->body :
	    NULL;
}

/* ---- lines ---- */

/* Phrases after which the returned message starts. */
static const char *const copy_marks[] = {
	"below this line is a copy", "is a copy of the message",
	"copy of the original message", "this is a copy of your message",
	"copy of your message follows", "copy of your message below",
	"copy of your message is attached", "copy of your message, incl",
	"original message follows", "original message attached",
	"original message as received", "original message below",
	"original message is attached", "returned message follows",
	"returned mail follows", "message text follows",
	"message reads (in part)", "lines of your original message",
	"lines of the message follow", "summary of the undelivered message",
	"message headers follow", "message header follows",
	"headers of the original message", "header of the original message",
	"included is a copy", "here is a copy of", "forwarded message",
	"unsent message below", "start of returned message", NULL
};

/* Words of a dashed separator line that introduce the returned copy. */
static const char *const copy_words[] = {
	"original", "copy", "returned", "unsent", "header",
	"message text", "message body", NULL
};

static int	line_marks(const struct fb_scan *, const char *, size_t,
		    struct fb_marks *);

/*
 * 1 when the line starts the returned copy of the message; else 0, and
 * *fm holds the line's failure phrases (line_marks()).
 */
static int
copy_line(const struct fb_scan *sc, const char *s, size_t n,
    struct fb_marks *fm)
{
	size_t	 i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (msg_startcase(s + i, n - i, "Received:") ||
	    msg_startcase(s + i, n - i, ">Received:"))
		return 1;
	if (msg_startcase(s + i, n - i, "old message:"))
		return 1;
	if (line_marks(sc, s, n, fm))
		return 1;
	if (n - i < 3 || strchr("-=*|_", s[i]) == NULL ||
	    s[i + 1] != s[i] || s[i + 2] != s[i])
		return 0;
	return ft_set_any(&sc->set->words, s, n);
}

/* Phrases that put the addresses around them in a failure context. */
static const char *const fail_marks[] = {
	"undeliver", "not be deliver", "not deliver", "n't deliver",
	"unable to deliver", "not been deliver", "not yet been",
	"delivery fail", "delivery to the following", "failed", "failure",
	"permanent", "fatal", "not reach", "did not receive",
	"could not be reached", "reject", "unknown", "not known", "no such",
	"not found", "does not exist", "doesn't exist", "doesn't have",
	"does not have", "invalid", "illegal", "disabled", "discontinued",
	"quota", "is full", "mailbox full", "exceed", "unavailable",
	"not available", "denied", "refused", "not accepting", "not listed",
	"not recognized", "no mailbox", "no longer", "not valid",
	"not like recipient", "delayed", "postponed", "no match",
	"not match", "not exactly match", "given up", "giving up",
	"inactive", "suspended", "blocked", "unroutable", "unrouteable",
	"timed out", "timeout", "intended recipient", "not delivered",
	"aborted", "could not find", "could not deliver", "not be reached",
	"\xe6\x97\xa0\xe6\xb3\x95",		/* 无法 */
	"\xe5\xa4\xb1\xe8\xb4\xa5",		/* 失败 */
	NULL
};

/* Weaker phrases: enough next to an address line, not inside prose. */
static const char *const weak_marks[] = {
	"error", "could not", "can't", "cannot", "unable", "problem",
	"wrong", "did not", "has not", "was not", "were not", "bounce",
	"returned", NULL
};

/* fail_marks, weak_marks, copy_marks into fs->markv; -1 past FT_SETMAX. */
static int
join_marks(struct fb_sets *fs)
{
	const char *const	*lists[] = {
		fail_marks, weak_marks, copy_marks
	};
	int			 i, j, n = 0;

	for (i = 0; i < 3; i++) {
		for (j = 0; lists[i][j] != NULL; j++) {
			if (n == FT_SETMAX)
				return -1;
			fs->markv[n++] = lists[i][j];
		}
		if (i == 0)
			fs->nstrong = n;
		else if (i == 1)
			fs->ncopy = n;
	}
	fs->markv[n] = NULL;
	return 0;
}

/*
 * Fields of the returned message or a transcript that name a sender;
 * each opens with a lower-case letter, as line_flags() expects.
 */
static const char *const skip_starts[] = {
	"from:", "sender:", "reply-to:", "return-path:", "errors-to:",
	"message-id:", "in-reply-to:", "references:", "mail from",
	"list-", "x-", "reporting-mta", "received-from-mta", "content-",
	"envelope-from", "resent-from", "dkim-", NULL
};

/* 1 when the line starts (after blanks and quoting) with an address. */
static int
addr_first(const char *s, size_t n)
{
	size_t	 i = 0, st, al;

	while (i < n && strchr(" \t>*-<\"", s[i]) != NULL)
		i++;
	if (!msg_addr_find(s + i, n - i, &st, &al) || st != 0)
		return 0;
	i += al;
	while (i < n && (s[i] == '>' || s[i] == '"'))
		i++;
	return i < n && s[i] == ':';
}

/*
 * One pass of the phrase set over the line s[0..n): 1 when a phrase of
 * the returned copy (copy_marks) occurs in it.  Else 0, with in *fm
 * where the strong failure phrases start in its first FB_LINEMAX bytes
 * (what line_flags() looks at), nmk -1 for more than FB_MARKS: the
 * places of each phrase that do not overlap an earlier place of the
 * same phrase, as searching for one phrase after another would find
 * them; and weak set when a weak phrase occurs there (before the one
 * too many, when there are too many).
 */
static int
line_marks(const struct fb_scan *sc, const char *s, size_t n,
    struct fb_marks *fm)
{
	const struct fb_sets	*fs = sc->set;
	struct ft_match		 m = { 0, -1 };
	size_t			 lim = n < FB_LINEMAX ? n : FB_LINEMAX;
	int			 phrase[FB_MARKS], j, full = 0;

	fm->nmk = 0;
	fm->weak = 0;
	while (ft_set_next(&fs->marks, s, n, &m)) {
		if (m.k >= fs->ncopy)
			return 1;
		/* Past the bytes looked at, or too many: copies only. */
		if (full || m.at + fs->marks.len[m.k] > lim)
			continue;
		if (m.k >= fs->nstrong) {
			fm->weak = 1;
			continue;
		}
		for (j = fm->nmk - 1; j >= 0 && phrase[j] != m.k; j--)
			;
		if (j >= 0 && m.at < (size_t)fm->mk[j] + fs->marks.len[m.k])
			continue;
		if (fm->nmk == FB_MARKS) {
			fm->nmk = -1;
			full = 1;
			continue;
		}
		phrase[fm->nmk] = m.k;
		fm->mk[fm->nmk++] = (unsigned short)m.at;
	}
	return 0;
}

static void
line_flags(struct fb_line *l, const struct fb_marks *fm)
{
	const char	*s = l->s;
	size_t		 n = l->len, i = 0, vis = 0, k;
	char		 st[16], rc[4];
	int		 j, weak, letter = 0;
	unsigned char	 c;

	/* One pass, over as much of the line as it takes to know both. */
	for (k = 0; k < n && (vis <= 3 || !letter); k++) {
		if (s[k] != ' ' && s[k] != '\t')
			vis++;
		if ((s[k] | 0x20) >= 'a' && (s[k] | 0x20) <= 'z')
			letter = 1;
	}
	/* A line of three characters or less ("=09"), or a rule, is a gap. */
	l->blank = vis <= 3 || !letter;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '>'))
		i++;
	/* Only the starts whose first letter matches are compared. */
	c = i < n ? (unsigned char)s[i] | 0x20 : 0;
	for (j = 0; skip_starts[j] != NULL; j++)
		if ((unsigned char)skip_starts[j][0] == c &&
		    msg_startcase(s + i, n - i, skip_starts[j])) {
			l->skip = 1;
			break;
		}
	l->hdr = msg_startcase(s + i, n - i, "to:") ||
	    msg_startcase(s + i, n - i, "cc:");
	if (l->blank || l->skip)
		return;
	l->nmk = fm->nmk;
	if (fm->nmk > 0)
		memcpy(l->mk, fm->mk, (size_t)fm->nmk * sizeof(l->mk[0]));
	weak = fm->weak;
	l->fail = l->nmk != 0 || weak;
	l->code = status_find(s, n, st, sizeof(st)) ||
	    status_reply_find(s, n, 0, rc);
	if (!l->fail)
		l->fail = l->code || addr_first(s, n);
}

/*
 * Splits the text into lines up to the returned copy; 1 when it met
 * the copy, 0 when not, -1 on allocation failure.
 */
static int
split_lines(struct fb_scan *sc, const char *t, size_t len)
{
	struct fb_marks	 fm;
	const char	*l;
	size_t		 pos = 0, ll;

	if (len > FB_TEXTMAX)
		len = FB_TEXTMAX;
	if (sc->ln == NULL && (sc->ln = arena_alloc(sc->ctx->msg->arena,
	    FB_LINES * sizeof(*sc->ln))) == NULL)
		return -1;
	/* A gap between two texts. */
	if (sc->nln > 0 && sc->nln < FB_LINES) {
		memset(&sc->ln[sc->nln], 0, sizeof(*sc->ln));
		sc->ln[sc->nln].s = "";
		sc->ln[sc->nln++].blank = 1;
	}
	while (sc->nln < FB_LINES && msg_line_next(t, len, &pos, &l, &ll)) {
		if (copy_line(sc, l, ll, &fm))
			return 1;
		memset(&sc->ln[sc->nln], 0, sizeof(*sc->ln));
		sc->ln[sc->nln].s = l;
		sc->ln[sc->nln].len = ll < FB_LINEMAX ? ll : FB_LINEMAX;
		line_flags(&sc->ln[sc->nln], &fm);
		sc->nln++;
	}
	return 0;
}

/* 1 when line i is near enough to a failure phrase. */
static int
in_context(const struct fb_scan *sc, int i, const int *chain)
{
	int	 j, seen;

	if (sc->ln[i].fail || chain[i])
		return 1;
	for (j = i - 1, seen = 0; j >= 0 && seen < FB_BEHIND; j--) {
		if (sc->ln[j].blank)
			continue;
		if (sc->ln[j].fail || chain[j])
			return 1;
		seen++;
	}
	if (sc->ln[i].hdr)
		return 0;
	for (j = i + 1; j < sc->nln; j++)
		if (!sc->ln[j].blank)
			return sc->ln[j].fail;
	return 0;
}

/* 1 when s[k] ends a sentence. */
static int
terminator(const char *s, size_t n, size_t k)
{
	return strchr(".!?", s[k]) != NULL && (k == 0 || s[k - 1] != '.') &&
	    (k + 1 == n || s[k + 1] == ' ' || s[k + 1] == '\t');
}

/* 1 when a strong failure phrase starts in l->s[b..e). */
static int
seg_fail(const struct fb_line *l, size_t b, size_t e)
{
	int	 k;

	if (l->nmk < 0)
		return 1;
	for (k = 0; k < l->nmk; k++)
		if (l->mk[k] >= b && l->mk[k] < e)
			return 1;
	return 0;
}

/*
 * 1 when the sentence around the address at s[st..st+al) of line i,
 * which may run over a few lines, holds a failure phrase.
 */
static int
sentence_fail(const struct fb_scan *sc, int i, size_t st, size_t al)
{
	const struct fb_line	*l;
	size_t			 b, e;
	int			 j;

	if (sc->ln[i].code)
		return 1;
	for (j = i; j >= 0 && j > i - 4 && !sc->ln[j].blank; j--) {
		l = &sc->ln[j];
		e = j == i ? st : l->len;
		for (b = e; b > 0 && !terminator(l->s, l->len, b - 1); b--)
			;
		if (seg_fail(l, b, e))
			return 1;
		if (b > 0)
			break;
	}
	for (j = i; j < sc->nln && j < i + 4 && !sc->ln[j].blank; j++) {
		l = &sc->ln[j];
		b = j == i ? st + al : 0;
		for (e = b; e < l->len && !terminator(l->s, l->len, e); e++)
			;
		if (seg_fail(l, b, e))
			return 1;
		if (e < l->len)
			break;
	}
	return 0;
}

/*
 * 1 when the address at s[st] leads its line: first on it, or after a
 * short label ending in a colon ("Failed Recipient: x").
 */
static int
dominant(const struct fb_line *l, size_t st)
{
	size_t	 b = 0, e = st, i, sp = 0;

	while (b < e && (l->s[b] == ' ' || l->s[b] == '\t'))
		b++;
	while (e > b && strchr(" \t<\"'([>*-", l->s[e - 1]) != NULL)
		e--;
	if (e == b)
		return 1;
	if (l->s[e - 1] != ':')
		return 0;
	for (i = b; i < e; i++)
		if (l->s[i] == ' ')
			sp++;
	return sp <= 3;
}

/* Number of blank-separated words of the line. */
static int
words(const struct fb_line *l)
{
	size_t	 i;
	int	 n = 0, in = 0;

	for (i = 0; i < l->len; i++)
		if (l->s[i] == ' ' || l->s[i] == '\t')
			in = 0;
		else if (!in) {
			in = 1;
			n++;
		}
	return n;
}

/* ---- addresses ---- */

static const char *const not_locals[] = {
	"postmaster", "mailer-daemon", "mailer_daemon", "mailerdaemon",
	"mail-daemon", "mdaemon", "abuse", "hostmaster", "noreply",
	"no-reply", "donotreply", "do-not-reply", NULL
};

/*
 * 1 when the address belongs to a mail system or a list's envelope.
 * With lead set (the address leads its line) postmaster may be the
 * recipient that failed.
 */
static int
system_addr(const char *a, int lead)
{
	const char	*at = strchr(a, '@');
	size_t		 l = at != NULL ? (size_t)(at - a) : strlen(a);
	int		 i;

	for (i = lead ? 1 : 0; not_locals[i] != NULL; i++)
		if (l == strlen(not_locals[i]) &&
		    msg_startcase(a, l, not_locals[i]))
			return 1;
	if (msg_startcase(a, l, "owner-"))
		return 1;
	if (msg_memcasemem(a, l, "-bounces", 8) != NULL ||
	    (l > 8 && msg_startcase(a + l - 8, 8, "-request")) ||
	    (l > 6 && msg_startcase(a + l - 6, 6, "-owner")))
		return 1;
	return 0;
}

static int
same_addr(const char *a, const char *b)
{
	size_t	 n = strlen(a);

	return n == strlen(b) && msg_startcase(a, n, b);
}

/* The bounce's own addresses: From, To, Return-Path, the sender. */
static void
own_addrs(struct fb_scan *sc)
{
	static const char *const names[] = {
		"From", "To", "Return-Path", "Sender", NULL
	};
	struct msg	*m = sc->ctx->msg;
	struct msg_part	*ret = report_returned(sc->ctx);
	const char	*v;
	char		*a;
	int		 i;

	for (i = 0; names[i] != NULL; i++)
		if ((v = msg_header(m, NULL, names[i])) != NULL &&
		    (a = msg_addr(m->arena, v, strlen(v))) != NULL &&
		    strchr(a, '@') != NULL)
			sc->not[sc->nnot++] = a;
	if (ret != NULL && (v = msg_header(m, ret, "From")) != NULL &&
	    (a = msg_addr(m->arena, v, strlen(v))) != NULL)
		sc->not[sc->nnot++] = a;
}

/* The word before s[at] (skipping blanks, quotes, brackets, colons). */
static int
word_before(const char *s, size_t at, const char *w)
{
	size_t	 e = at, b, n = strlen(w);

	while (e > 0 && strchr(" \t<\"'(:[", s[e - 1]) != NULL)
		e--;
	b = e;
	while (b > 0 && ((s[b - 1] | 0x20) >= 'a' && (s[b - 1] | 0x20) <= 'z'))
		b--;
	return e - b == n && msg_startcase(s + b, n, w);
}

/* 1 when the address at s[at] names the message's sender. */
static int
sender_side(const char *s, size_t at)
{
	size_t	 e = at;

	if (word_before(s, at, "by") || word_before(s, at, "contact") ||
	    word_before(s, at, "sender"))
		return 1;
	if (!word_before(s, at, "from"))
		return 0;
	/* "(expanded from: x)", "generated from x": the list's member. */
	while (e > 0 && strchr(" \t<\"'(:[", s[e - 1]) != NULL)
		e--;
	e -= 4;
	return !(word_before(s, e, "expanded") ||
	    word_before(s, e, "generated") || word_before(s, e, "aliased"));
}

/* Index of the candidate for address a, adding it; -1 when full. */
static int
cand_get(struct fb_scan *sc, char *a)
{
	int	 i;

	for (i = 0; i < sc->nc; i++)
		if (same_addr(sc->c[i].addr, a))
			return i;
	if (sc->nc == FB_RCPT)
		return -1;
	memset(&sc->c[sc->nc], 0, sizeof(sc->c[0]));
	sc->c[sc->nc].addr = a;
	return sc->nc++;
}

/* A clean copy of the address at s[0..n): no quotes, no X.400 prefix. */
static char *
clean_addr(struct arena *a, const char *s, size_t n)
{
	static const char *const pre[] = { "smtp=", "rfc-822=", NULL };
	const char	*at = memchr(s, '@', n);
	int		 i;

	while (n > 0 && (*s == '\'' || *s == '`' || *s == '=')) {
		s++;
		n--;
	}
	for (i = 0; pre[i] != NULL && at != NULL; i++) {
		const char *p = msg_memcasemem(s, (size_t)(at - s), pre[i],
		    strlen(pre[i]));

		if (p != NULL) {
			n -= (size_t)(p + strlen(pre[i]) - s);
			s = p + strlen(pre[i]);
		}
	}
	while (n > 0 && (s[n - 1] == '\'' || s[n - 1] == '`'))
		n--;
	if (!msg_addr_valid(s, n))
		return NULL;
	return arena_strndup(a, s, n);
}

/* ---- diagnostics ---- */

/* 1 when line l holds an address other than a. */
static int
other_addr(const struct fb_line *l, const char *a)
{
	size_t	 p = 0, st, al;

	while (p < l->len && msg_addr_find(l->s + p, l->len - p, &st, &al)) {
		if (al != strlen(a) || !msg_startcase(l->s + p + st, al, a))
			if (msg_memcasemem(l->s + p + st, al, a,
			    strlen(a)) == NULL)
				return 1;
		p += st + al;
	}
	return 0;
}

/* 1 when the line is nothing but the address and punctuation. */
static int
addr_only(const struct fb_line *l, size_t st, size_t al)
{
	size_t	 i;

	for (i = 0; i < l->len; i++)
		if (i < st || i >= st + al)
			if (strchr(" \t<>:;,.\"'*-()[]", l->s[i]) == NULL)
				return 0;
	return 1;
}

static void
diag_append(char *d, size_t *dl, const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (n == 0 || *dl >= FB_DIAGMAX)
		return;
	if (*dl > 0)
		d[(*dl)++] = ' ';
	if (n > FB_DIAGMAX - *dl)
		n = FB_DIAGMAX - *dl;
	memcpy(d + *dl, s, n);
	*dl += n;
}

/* 1 at a rule ("--- End ---") or the QUIT of a transcript. */
static int
diag_end(const struct fb_line *l)
{
	size_t	 i = 0;

	while (i < l->len && (l->s[i] == ' ' || l->s[i] == '\t'))
		i++;
	if (msg_startcase(l->s + i, l->len - i, "quit"))
		return 1;
	return l->len - i >= 3 && strchr("-=*_", l->s[i]) != NULL &&
	    l->s[i + 1] == l->s[i] && l->s[i + 2] == l->s[i];
}

/*
 * The diagnostic of the address at line i: the line (unless it holds
 * nothing else) and the lines after it up to a gap or another address;
 * else the failure phrase before it.
 */
static char *
diag_at(struct fb_scan *sc, int i, size_t st, size_t al, const char *a)
{
	char	*d;
	size_t	 dl = 0;
	int	 j, k;

	if ((d = arena_alloc(sc->ctx->msg->arena, FB_DIAGMAX + 2)) == NULL)
		return NULL;
	if (!addr_only(&sc->ln[i], st, al))
		diag_append(d, &dl, sc->ln[i].s, sc->ln[i].len);
	for (j = i + 1, k = 0; j < sc->nln && k < FB_DIAGLINES; j++, k++) {
		if (sc->ln[j].blank || other_addr(&sc->ln[j], a) ||
		    diag_end(&sc->ln[j]))
			break;
		diag_append(d, &dl, sc->ln[j].s, sc->ln[j].len);
	}
	for (j = i + 1; dl == 0 && j < sc->nln && j <= i + 3; j++)
		if (sc->ln[j].fail && !sc->ln[j].blank &&
		    !other_addr(&sc->ln[j], a))
			diag_append(d, &dl, sc->ln[j].s, sc->ln[j].len);
	for (j = i - 1; dl == 0 && j >= 0 && j >= i - 2 * FB_BEHIND; j--)
		if (sc->ln[j].fail && !sc->ln[j].blank)
			diag_append(d, &dl, sc->ln[j].s, sc->ln[j].len);
	d[dl] = '\0';
	return d;
}

static int
diag_score(const char *d)
{
	char	 st[16], rc[4];
	size_t	 n = strlen(d);

	return (n > 0) + 2 * status_reply_find(d, n, 0, rc) +
	    status_find(d, n, st, sizeof(st));
}

/* Records the address at line i, offset st, as a candidate. */
static int
take(struct fb_scan *sc, int i, size_t st, size_t al)
{
	struct arena	*ar = sc->ctx->msg->arena;
	char		*a, *d;
	int		 k, c, s;

	if ((a = clean_addr(ar, sc->ln[i].s + st, al)) == NULL)
		return 0;
	if (system_addr(a, dominant(&sc->ln[i], st)) ||
	    sender_side(sc->ln[i].s, st))
		return 0;
	for (k = 0; k < sc->nnot; k++)
		if (same_addr(sc->not[k], a))
			return 0;
	if ((c = cand_get(sc, a)) < 0)
		return 0;
	if ((d = diag_at(sc, i, st, al, a)) == NULL)
		return -1;
	if (sc->c[c].diag == NULL || (s = diag_score(d)) > sc->c[c].score) {
		sc->c[c].diag = d;
		sc->c[c].score = diag_score(d);
	}
	return 0;
}

/* Candidates from the addresses of the text's lines. */
static int
scan_addrs(struct fb_scan *sc)
{
	struct fb_line	*l;
	size_t		 p, st, al;
	int		*chain, i, k;

	if ((chain = arena_alloc(sc->ctx->msg->arena,
	    (size_t)(sc->nln + 1) * sizeof(int))) == NULL)
		return -1;
	memset(chain, 0, (size_t)(sc->nln + 1) * sizeof(int));
	for (i = 0; i < sc->nln; i++) {
		l = &sc->ln[i];
		if (l->skip || l->blank || memchr(l->s, '@', l->len) == NULL)
			continue;
		for (p = 0, k = 0; p < l->len && k < FB_LINEADDR &&
		    sc->takes < FB_TAKES &&
		    msg_addr_find(l->s + p, l->len - p, &st, &al); p += al) {
			p += st;
			k++;
			sc->takes++;
			if (dominant(l, p) || words(l) <= 5 ?
			    !in_context(sc, i, chain) :
			    !sentence_fail(sc, i, p, al))
				continue;
			/* A list of bare addresses carries the context on. */
			if (addr_only(l, p, al))
				chain[i] = 1;
			if (take(sc, i, p, al) < 0)
				return -1;
		}
	}
	return 0;
}

/* ---- bare names ("screenname", "userx    No matches") ---- */

/* The registered domain of host h: "mr2.its.example.edu" -> last two. */
static const char *
org_domain(const char *h)
{
	const char	*p = h + strlen(h), *dots[3] = { NULL, NULL, NULL };
	int		 n = 0;

	while (p > h && n < 3)
		if (*--p == '.')
			dots[n++] = p;
	if (n < 2)
		return h;
	/* "ac.jp", "co.uk", "com.au": keep a third label. */
	if (strlen(dots[0] + 1) == 2 && dots[0] - dots[1] - 1 <= 3)
		return n == 3 ? dots[2] + 1 : h;
	return dots[1] + 1;
}

/* 1 when s[0..n) is a plausible bare mailbox name. */
static int
bare_name(const char *s, size_t n)
{
	size_t	 i;
	int	 alpha = 0;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
			alpha = 1;
		else if (!(c >= '0' && c <= '9') && strchr("._-+", c) == NULL)
			return 0;
	}
	return alpha;
}

/* The line introducing a list, with the line before when it goes on. */
static char *
intro_diag(struct fb_scan *sc, int at)
{
	char	*d;
	size_t	 dl = 0;

	if ((d = arena_alloc(sc->ctx->msg->arena, FB_DIAGMAX + 2)) == NULL)
		return NULL;
	if (at > 0 && !sc->ln[at - 1].blank)
		diag_append(d, &dl, sc->ln[at - 1].s, sc->ln[at - 1].len);
	diag_append(d, &dl, sc->ln[at].s, sc->ln[at].len);
	d[dl] = '\0';
	return d;
}

/*
 * After a line that introduces "the following" recipients and ends in
 * a colon, names without a domain belong to the reporting domain.
 */
static int
scan_bare(struct fb_scan *sc)
{
	struct msg	*m = sc->ctx->msg;
	const char	*from = ft_header(sc->ctx, FT_FROM), *dom, *s;
	char		*fa, *a;
	size_t		 n, w, dl;
	int		 i, j, intro = 0, c, at = 0;

	if (sc->nc > 0 || from == NULL ||
	    (fa = msg_addr(m->arena, from, strlen(from))) == NULL ||
	    strchr(fa, '@') == NULL)
		return 0;
	dom = org_domain(strchr(fa, '@') + 1);
	dl = strlen(dom);
	for (i = 0; i < sc->nln; i++) {
		s = sc->ln[i].s;
		n = sc->ln[i].len;
		if (sc->ln[i].blank)
			continue;
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n > 0 && s[n - 1] == ':' && (msg_memcasemem(s, n,
		    "following", 9) != NULL || (i > 0 && msg_memcasemem(
		    sc->ln[i - 1].s, sc->ln[i - 1].len, "following recipient",
		    19) != NULL)) && sc->ln[i].fail + (i > 0 &&
		    sc->ln[i - 1].fail)) {
			intro = 1;
			at = i;
			continue;
		}
		if (!intro)
			continue;
		intro = 0;
		for (j = 0; j < (int)n && (s[j] == ' ' || s[j] == '\t'); j++)
			;
		for (w = (size_t)j; w < n && s[w] != ' ' && s[w] != '\t'; w++)
			;
		/* The name alone, or set off by a tab or two spaces. */
		if (memchr(s, '@', n) != NULL || (w < n && s[w] != '\t' &&
		    (w + 1 >= n || s[w + 1] != ' ')))
			continue;
		if (!bare_name(s + j, w - (size_t)j) ||
		    (a = arena_alloc(m->arena, w - (size_t)j + dl + 2)) ==
		    NULL)
			continue;
		memcpy(a, s + j, w - (size_t)j);
		a[w - (size_t)j] = '@';
		memcpy(a + w - (size_t)j + 1, dom, dl + 1);
		if (system_addr(a, 0) || (c = cand_get(sc, a)) < 0)
			continue;
		if (sc->c[c].diag == NULL &&
		    (sc->c[c].diag = intro_diag(sc, at)) == NULL)
			return -1;
		intro = 1;
	}
	return 0;
}

/* ---- X-Failed-Recipients ---- */

static int
scan_xfr(struct fb_scan *sc)
{
	struct msg	*m = sc->ctx->msg;
	const char	*v = msg_header(m, NULL, "X-Failed-Recipients");
	size_t		 p = 0, n, st, al;
	char		*a;
	int		 c;

	if (v == NULL)
		return 0;
	n = strlen(v);
	while (p < n && msg_addr_find(v + p, n - p, &st, &al)) {
		if ((a = arena_strndup(m->arena, v + p + st, al)) == NULL)
			return -1;
		if ((c = cand_get(sc, a)) >= 0) {
			sc->c[c].xfr = 1;
			sc->xfr = 1;
		}
		p += st + al;
	}
	return 0;
}

/* ---- records ---- */

static const char *const delay_marks[] = {
	"not yet been delivered", "has been delayed", "delivery delayed",
	"been postponed", "warning message only", "just a warning",
	"no action is required", "will be retried", "will continue to try",
	"still trying", NULL
};

/* "failed", or "delayed" for a warning that delivery goes on. */
static const char *
fb_action(struct fb_scan *sc)
{
	const char	*subj = ft_header(sc->ctx, FT_SUBJECT);
	int		 i;

	for (i = 0; i < sc->nln; i++)
		if (msg_memcasemem(sc->ln[i].s, sc->ln[i].len, "permanent",
		    9) != NULL)
			return "failed";
	if (subj != NULL && (msg_memcasemem(subj, strlen(subj), "delay", 5) ||
	    msg_startcase(subj, strlen(subj), "warning")))
		return "delayed";
	for (i = 0; i < sc->nln; i++)
		if (ft_set_any(&sc->set->delay, sc->ln[i].s, sc->ln[i].len))
			return "delayed";
	return "failed";
}

/* The SMTP step of a transcript line kept in the diagnostic. */
static int
transcript_cmd(struct dsn_record *r)
{
	const char	*d = r->v[DSN_F_DIAGNOSTIC];
	size_t		 n = d != NULL ? strlen(d) : 0;

	if (n == 0 || status_command(d, n) != NULL)
		return 0;
	if (msg_memcasemem(d, n, "rcpt to:", 8) != NULL)
		return dsn_record_sets(r, DSN_F_SMTP_COMMAND, "RCPT");
	if (msg_memcasemem(d, n, "mail from:", 10) != NULL)
		return dsn_record_sets(r, DSN_F_SMTP_COMMAND, "MAIL");
	return 0;
}

static int
emit(struct fb_scan *sc)
{
	struct dsn_record	*r;
	const char		*act = fb_action(sc);
	int			 i, n = 0, rv;

	for (i = 0; i < sc->nc; i++) {
		if (sc->xfr && !sc->c[i].xfr)
			continue;
		if ((r = report_new(sc->ctx, "dsn")) == NULL)
			return -1;
		if (dsn_record_sets(r, DSN_F_RECIPIENT, sc->c[i].addr) < 0 ||
		    dsn_record_sets(r, DSN_F_ACTION, act) < 0 ||
		    dsn_record_sets(r, DSN_F_DIAGNOSTIC, sc->c[i].diag) < 0) {
			dsn_record_free(r);
			return -1;
		}
		if (transcript_cmd(r) < 0) {
			dsn_record_free(r);
			return -1;
		}
		if ((rv = report_add(sc->ctx, r)) < 0)
			return -1;
		n += rv;
	}
	return n;
}

/* The phrase sets, built on first use; NULL when a list is too long. */
static const struct fb_sets *
fb_sets(void)
{
	static _Thread_local struct fb_sets	 fs;

	if (fs.ready)
		return &fs;
	/* Fixed lists within FT_SETMAX: a failure here is a bug. */
	if (ft_set_init(&fs.words, copy_words) < 0 ||
	    join_marks(&fs) < 0 || ft_set_init(&fs.marks, fs.markv) < 0 ||
	    ft_set_init(&fs.delay, delay_marks) < 0)
		return NULL;
	fs.ready = 1;
	return &fs;
}

static int
fb_parse(struct report_ctx *ctx)
{
	struct fb_scan	 sc;
	const char	*t, *pre;
	size_t		 len, plen;
	int		 cut = 0;

	memset(&sc, 0, sizeof(sc));
	sc.ctx = ctx;
	if ((t = fb_text(ctx, &len)) == NULL)
		return 0;
	if ((sc.set = fb_sets()) == NULL)
		return -1;
	if ((sc.c = arena_alloc(ctx->msg->arena, FB_RCPT *
	    sizeof(*sc.c))) == NULL)
		return -1;
	own_addrs(&sc);
	/* Text after a copy that starts in the preamble is the copy. */
	if ((pre = preamble(ctx->msg, &plen)) != NULL &&
	    (cut = split_lines(&sc, pre, plen)) < 0)
		return -1;
	if (scan_xfr(&sc) < 0 || (!cut && split_lines(&sc, t, len) < 0) ||
	    scan_addrs(&sc) < 0 || scan_bare(&sc) < 0)
		return -1;
	return emit(&sc);
}

const struct recog recog_fallback = {
	"fallback", 0, fb_test, fb_parse
};
