/*
 * recog.h - the recogniser interface and the helpers recognisers share.
 *
 * A recogniser is a name (written as the record's `format`), a cheap test
 * on the parsed message (headers, part types: no body scans with
 * patterns) and a parse function that appends records.  The ordered
 * table lives in formats.c.  To add a free-text format: write
 * src/report/formats/NAME.c defining `const struct recog recog_NAME`,
 * declare it in the list below and add one line to the table in
 * formats.c.  Records are made with report_new() and handed over with
 * report_add(), which fills what can be derived (status from the
 * diagnostic, action from the status) and enforces the limits.
 */
#ifndef DSN_REPORT_RECOG_H
#define DSN_REPORT_RECOG_H

#include <stddef.h>

#include "dsn/limits.h"
#include "dsn/record.h"
#include "dsn/report.h"
#include "message/message.h"

struct recog;

/* What a recogniser sees of one message; owned by dsn_report_scan(). */
struct report_ctx {
	struct msg		*msg;		/* the parsed message */
	const struct dsn_limits	*limits;
	struct dsn_reclist	*out;		/* records are appended here */
	size_t			 first;		/* this message's first record */
	const struct recog	*cur;		/* recogniser now running */
	struct dsn_record	*base;		/* shared fields, lazily built */
	const char		*text;		/* report_text(), once found */
	size_t			 textlen;
	int			 full;		/* limits->recipients reached */
	struct ft_hdrs		*hdrs;		/* freetext.c's, NULL at first */
};

#define RECOG_REFINE	0x01	/* also run when records already exist */

struct recog {
	const char	*name;		/* record `format`: "rfc3464" */
	int		 flags;		/* RECOG_* */
	/* 1 when the message may hold this format; must be cheap. */
	int		(*test)(struct report_ctx *);
	/*
	 * Appends records with report_new()/report_add(); returns how many
	 * it appended (0: not this format after all) or -1 on allocation
	 * failure.  With RECOG_REFINE it may instead improve the records
	 * from ctx->first on (returning 0).
	 */
	int		(*parse)(struct report_ctx *);
};

/* formats.c: the ordered table, terminated by a NULL name. */
extern const struct recog *const report_table[];

/* The recognisers (one per file). */
extern const struct recog recog_rfc3464;
extern const struct recog recog_rfc3464_hint;
extern const struct recog recog_arf;
extern const struct recog recog_rfc3834;
extern const struct recog recog_fallback;
extern const struct recog recog_dragonfly;
extern const struct recog recog_mxlogic;
extern const struct recog recog_mailfoundry;
extern const struct recog recog_interscanmss;
extern const struct recog recog_mailmarshal;
extern const struct recog recog_apachejames;
extern const struct recog recog_opensmtpd;
extern const struct recog recog_yahoo;
extern const struct recog recog_googlegroups;
extern const struct recog recog_gmail;
extern const struct recog recog_sendmail;
extern const struct recog recog_postfix;
extern const struct recog recog_zoho;
extern const struct recog recog_qmail;
extern const struct recog recog_fml;
extern const struct recog recog_imailserver;
extern const struct recog recog_verizon;
extern const struct recog recog_mfilter;
extern const struct recog recog_biglobe;
extern const struct recog recog_activehunter;
extern const struct recog recog_exim;
extern const struct recog recog_einsundeins;
extern const struct recog recog_gmx;
extern const struct recog recog_mailru;
extern const struct recog recog_amazonworkmail;
extern const struct recog recog_textds;
extern const struct recog recog_amazonses;
extern const struct recog recog_exchange2007;
extern const struct recog recog_exchange2003;
extern const struct recog recog_domino;
extern const struct recog recog_ezweb;

/* ---- common.c ---- */

/*
 * New record for the running recogniser: a copy of the message's shared
 * fields (report_id, date, bounce_to, and the returned message's
 * sender, message_id, subject, list_id) with type and format set.
 * NULL on allocation failure.
 */
struct dsn_record	*report_new(struct report_ctx *, const char *type);

/*
 * Completes rec (status and reply code from the diagnostic, action from
 * the status class) and appends it, taking ownership.  Returns 1 when
 * added, 0 when dropped (no recipient, or the recipient limit is
 * reached: ctx->full), -1 on allocation failure.
 */
int	report_add(struct report_ctx *, struct dsn_record *rec);

/*
 * Sets field f of rec to the address found in s[0..len) (msg_addr()
 * rules).  Returns 1 when an address was set, 0 when none, -1 on
 * allocation failure.
 */
int	report_set_addr(struct report_ctx *, struct dsn_record *,
	    enum dsn_field f, const char *s, size_t len);

/*
 * Sets field f of rec to the date in s (RFC 5322, obsolete forms too)
 * as RFC 3339 UTC; nothing when s does not parse.  -1 on ENOMEM.
 */
int	report_set_date(struct dsn_record *, enum dsn_field f, const char *s);

/*
 * The human-readable text of the report: the first text/plain part
 * that is not inside a returned message (or the body of a single-part
 * message), decoded to UTF-8.  Sets *len; NULL when there is none.
 */
const char	*report_text(struct report_ctx *, size_t *len);

/* Root part of the returned original message, or NULL. */
struct msg_part	*report_returned(struct report_ctx *);

/* 1 when part i of m lies inside a returned (message/...) part. */
int	report_in_returned(const struct msg *m, int i);

/*
 * Value of an RFC 3464-style "type; value" field without the type, and
 * the blanks after it.  The _len form takes v[0..*len) (no NUL inside)
 * and sets *len to what is left.
 */
const char	*report_strip_type(const char *v);
const char	*report_strip_type_len(const char *v, size_t *len);

/* ---- refine.c ---- */

/*
 * The last pass over a report's records (from ctx->first on): repeated
 * recipients merged into one record (a failure beats a delay beats the
 * rest, then the more specific status, a reply code, a diagnostic; the
 * others fill what it lacks), then each record completed from what the
 * readable text says near that recipient: the SMTP step, a reply code,
 * a status more specific than X.0.0.  Returns how many records the
 * merge dropped, or -1 on allocation failure.
 */
int	report_refine(struct report_ctx *);

/* ---- date.c ---- */

/*
 * Parses an RFC 5322 date (day name optional, obsolete zones, two-digit
 * years, missing seconds) into "YYYY-MM-DDTHH:MM:SSZ" in out (at least
 * 21 bytes).  Returns 0, or -1 when s is not a date.
 */
int	report_date(const char *s, char *out, size_t outlen);

/* ---- status.c ---- */

/*
 * Finds the first enhanced status code X.Y.Z (class 2, 4 or 5) in
 * s[0..len) that stands alone (not inside a longer dotted number) and
 * writes it to out (at least 12 bytes).  Returns 1 or 0 (none).
 */
int	status_find(const char *s, size_t len, char *out, size_t outlen);

/*
 * Finds a known SMTP reply code (2xx, 4xx or 5xx standing alone, the
 * way SMTP servers write it: at the start, after a colon or semicolon,
 * or followed by a status code) in s[0..len), of class cls ('2', '4',
 * '5'; 0 for any); writes three digits and a NUL to out.  Returns 1 or
 * 0.
 */
int	status_reply_find(const char *s, size_t len, int cls, char *out);

/*
 * Finds a status code written right after a reply code ("550 5.7.1",
 * "550-'5.7.1") in s[0..len), into st.  Returns 1 or 0.
 */
int	status_pair_find(const char *s, size_t len, char *st, size_t stlen);

/*
 * What status_pair_seen() saw of the reply codes on its way, so that a
 * status_reply_find() of the same text need not look again.
 */
struct status_seen {
	size_t	 at[3];		/* first reply of class 2, 4, 5, or -1 */
	size_t	 upto;		/* the places below it were looked at */
};

/* status_pair_find(), filling seen for status_reply_seen(). */
int	status_pair_seen(const char *s, size_t len, char *st, size_t stlen,
	    struct status_seen *seen);

/*
 * status_reply_find() of the s[0..len) that status_pair_seen() filled
 * seen for: from what it saw, looking on only past it.
 */
int	status_reply_seen(const char *s, size_t len, int cls,
	    const struct status_seen *seen, char *out);

/*
 * The SMTP step a diagnostic says the failure answered ("in reply to
 * RCPT TO command", "after end of data"): "CONN", "HELO", "MAIL",
 * "RCPT", "DATA", or NULL.
 */
const char	*status_command(const char *s, size_t len);

/* 1 when s is a valid enhanced status code with class 2, 4 or 5. */
int	status_valid(const char *s);

/*
 * Chooses between a Status field value and a code found in the
 * diagnostic: the more specific wins when both have the same class
 * (5.1.1 beats 5.0.0); a missing or invalid field yields to the
 * diagnostic.  Returns the chosen one (either argument) or NULL.
 */
const char	*status_choose(const char *field, const char *diag);

#endif
