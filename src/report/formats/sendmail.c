/*
 * sendmail.c - Sendmail's returned mail without a delivery-status part
 * (V5 and V8, also forwarded and quoted): the "----- Transcript of
 * session follows -----" with "While talking to HOST:", ">>> CMD",
 * "<<< reply" and "NNN <rcpt>... text" lines, and the "----- The
 * following addresses had permanent fatal errors -----" list.
 *
 * Views into the report text; records go through ft_emit().
 */
#include <string.h>

#include "report/freetext.h"

static const char *const sm_trans[] = {
	"----- Transcript of session follows -----", NULL
};
static const char *const sm_fatal[] = {
	"----- The following addresses had permanent fatal errors -----",
	"----- The following addresses had fatal errors -----", NULL
};
static const char *const sm_ends[] = {
	"----- Unsent message follows -----",
	"----- Original message follows -----",
	"----- Message header follows -----",
	"----- Returned message follows -----",
	"----- Original message headers follow -----",
	"Content-Type: message/", NULL
};

static int
sm_test(struct report_ctx *ctx)
{
	const char	*v;

	if ((v = ft_header(ctx, FT_SUBJECT)) != NULL &&
	    (msg_memcasemem(v, strlen(v), "Returned mail:", 14) != NULL ||
	    msg_memcasemem(v, strlen(v), "Warning: could not send", 23) !=
	    NULL))
		return 1;
	return (v = ft_header(ctx, FT_FROM)) != NULL &&
	    msg_memcasemem(v, strlen(v), "Mail Delivery Subsystem", 23) !=
	    NULL;
}

/* Line without a quoting "> " when the report is quoted. */
static void
unquote(int quoted, const char **line, size_t *ll)
{
	if (!quoted || *ll == 0 || **line != '>')
		return;
	(*line)++;
	(*ll)--;
	if (*ll > 0 && **line == ' ')
		(*line)++, (*ll)--;
}

/* "NNN <rcpt>... text": sets the hit's address and text; 1 or 0. */
static int
rcpt_line(const char *l, size_t ll, struct ft_hit *h)
{
	const char	*dots;
	char		 st[16];
	size_t		 as, al, rest, k = 4;

	if (ll < 5 || l[0] < '2' || l[0] > '5' || l[3] != ' ')
		return 0;
	/* "550 5.1.1 <rcpt>...": past the status code. */
	if (l[4] == l[0] && status_find(l + 4, ll - 4 < 12 ? ll - 4 : 12, st,
	    sizeof(st)) && strncmp(l + 4, st, strlen(st)) == 0 &&
	    4 + strlen(st) < ll && l[4 + strlen(st)] == ' ')
		k = 5 + strlen(st);
	if (!ft_addr_lead(l + k, ll - k, 0, &as, &al, &rest))
		return 0;
	h->addr = l + k + as;
	h->alen = al;
	while (h->alen > 0 && h->addr[h->alen - 1] == '.')
		h->alen--;
	if ((dots = msg_memcasemem(l, ll, "... ", 4)) != NULL) {
		h->diag = dots + 4;
		h->dlen = ll - (size_t)(h->diag - l);
	} else {
		h->diag = l;
		h->dlen = ll;
	}
	return 1;
}

/* Host of "While talking to HOST:" into h. */
static void
sm_host(const char *l, size_t ll, struct ft_hit *h)
{
	const char	*p = msg_memcasemem(l, ll, "talking to ", 11);
	size_t		 n;

	if (p == NULL)
		return;
	p += 11;
	n = ll - (size_t)(p - l);
	while (n > 0 && (p[n - 1] == ':' || p[n - 1] == '.' ||
	    p[n - 1] == ' '))
		n--;
	h->remote = p;
	h->rlen = n;
}

/* Walks the transcript: sessions and recipient lines. */
static int
sm_transcript(struct report_ctx *ctx, const char *r, size_t rl, int quoted)
{
	struct ft_hit	 s, h;
	const char	*line, *rep = NULL;
	size_t		 pos = 0, ll, repl = 0;
	int		 n = 0, rc;

	memset(&s, 0, sizeof(s));
	while (msg_line_next(r, rl, &pos, &line, &ll)) {
		unquote(quoted, &line, &ll);
		while (ll > 0 && (*line == ' ' || *line == '\t'))
			line++, ll--;
		if (msg_memcasemem(line, ll < 24 ? ll : 24, "while talking to ",
		    17) != NULL) {
			memset(&s, 0, sizeof(s));
			sm_host(line, ll, &s);
			rep = NULL;
		} else if (ll > 4 && memcmp(line, ">>> ", 4) == 0) {
			s.cmd = ft_smtp_verb(line + 4, ll - 4);
			rep = NULL;
		} else if (ll > 4 && memcmp(line, "<<< ", 4) == 0) {
			if (rep == NULL)
				rep = line + 4;
			repl = (size_t)(line + ll - rep);
		} else if (memset(&h, 0, sizeof(h)), rcpt_line(line, ll, &h)) {
			h.remote = s.remote;
			h.rlen = s.rlen;
			h.cmd = s.cmd;
			/* The remote server's reply beats Sendmail's line. */
			if (rep != NULL) {
				h.diag = rep;
				h.dlen = repl;
			}
			if ((rc = ft_emit(ctx, &h)) < 0)
				return -1;
			n += rc;
			memset(&s, 0, sizeof(s));
			rep = NULL;
		}
	}
	return n;
}

/*
 * The addresses an alias or forward was "(expanded from: rcpt)": the
 * address the sender used bounced too.  Records added or -1.
 */
static int
sm_expanded(struct report_ctx *ctx, const char *r, size_t rl)
{
	struct ft_hit	 h;
	const char	*p, *line;
	size_t		 pos = 0, ll, s, al;
	int		 n = 0, rc;

	while (msg_line_next(r, rl, &pos, &line, &ll)) {
		if ((p = msg_memcasemem(line, ll, "(expanded from:", 15)) ==
		    NULL || !msg_addr_find(p, ll - (size_t)(p - line), &s, &al))
			continue;
		memset(&h, 0, sizeof(h));
		h.addr = p + s;
		h.alen = al;
		h.diag = line;
		h.dlen = ll;
		if ((rc = ft_emit(ctx, &h)) < 0)
			return -1;
		n += rc;
	}
	return n;
}

static int
sm_parse(struct report_ctx *ctx)
{
	struct ft_hit	 proto;
	const char	*t, *m;
	size_t		 tl, rs, rl, fs, fl;
	long		 at;
	int		 n = 0, rc, quoted;

	if ((t = report_text(ctx, &tl)) == NULL)
		return 0;
	if (ft_region(t, tl, sm_trans, sm_ends, &rs, &rl)) {
		at = ft_find_any(t, tl, sm_trans, NULL);
		for (m = t + at; m > t && m[-1] == ' '; m--)
			;
		quoted = m > t && m[-1] == '>';
		if ((n = sm_transcript(ctx, t + rs, rl, quoted)) < 0)
			return -1;
	}
	/* Recipients of the fatal-errors list the transcript left out. */
	if (ft_region(t, tl, sm_fatal, sm_trans, &fs, &fl)) {
		memset(&proto, 0, sizeof(proto));
		if ((at = ft_find_any(t + fs, fl, sm_ends, NULL)) >= 0)
			fl = (size_t)at;
		if ((rc = ft_blocks(ctx, t + fs, fl, 0, &proto)) < 0 ||
		    (n += rc, rc = sm_expanded(ctx, t + fs, fl)) < 0)
			return -1;
		n += rc;
	}
	return n;
}

const struct recog recog_sendmail = {
	"sendmail", 0, sm_test, sm_parse
};
