/*
 * summary.c - folds classified records into dsn-report's counters.
 *
 * One call per record: its outcome, date, reason, domain, remote MTA
 * and status each bump a counter in a capped tally, and the first
 * failure diagnostic of a key is kept as its example.  No record is
 * kept.  The summary owns its tallies and the alerts handed to it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "summary/alert.h"
#include "summary/summary.h"
#include "summary/tally.h"

static const char *const own_reasons[] = {
	"authfailure", "badreputation", "blocked", "contenterror",
	"norelaying", "notcompliantrfc", "policyviolation", "rejected",
	"requireptr", "securityerror", "spamdetected", "speeding",
	"toomanyconn", "virusdetected", NULL
};

int
summary_own_reason(const char *reason)
{
	int	 i;

	if (reason == NULL)
		return 0;
	for (i = 0; own_reasons[i] != NULL; i++)
		if (strcmp(own_reasons[i], reason) == 0)
			return 1;
	return 0;
}

const char *
summary_str(const json_t *rec, const char *field)
{
	const char	*s;

	s = json_string_value(json_object_get(rec, field));
	return s != NULL && *s != '\0' ? s : NULL;
}

static int
is_true(const json_t *v)
{
	const char	*s;

	if (json_is_true(v))
		return 1;
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	if ((s = json_string_value(v)) != NULL)
		return strcmp(s, "true") == 0 || strcmp(s, "1") == 0;
	return 0;
}

static int
eq(const char *a, const char *b)
{
	return a != NULL && strcasecmp(a, b) == 0;
}

enum outcome
summary_outcome(const json_t *rec)
{
	const char	*type, *action, *reason;

	type = summary_str(rec, "type");
	action = summary_str(rec, "action");
	reason = summary_str(rec, "reason");
	if (eq(type, "feedback"))
		return OUT_COMPLAINT;
	if (eq(type, "autoreply"))
		return OUT_AUTOREPLY;
	if (eq(action, "delivered"))
		return OUT_DELIVERED;
	if (eq(action, "relayed") || eq(action, "expanded"))
		return OUT_RELAYED;
	if (eq(action, "delayed"))
		return OUT_DELAYED;
	if (eq(action, "failed"))
		return is_true(json_object_get(rec, "hard_bounce")) ?
		    OUT_HARD : OUT_SOFT;
	/* No action: fall back on what dsn-classify decided. */
	if (eq(reason, "feedback"))
		return OUT_COMPLAINT;
	if (eq(reason, "vacation"))
		return OUT_AUTOREPLY;
	if (eq(reason, "delivered"))
		return OUT_DELIVERED;
	return OUT_OTHER;
}

static void
lower_copy(char *buf, size_t len, const char *s)
{
	size_t	 i;

	for (i = 0; i + 1 < len && s[i] != '\0'; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[i] = '\0';
}

void
summary_domain(const json_t *rec, char *buf, size_t len)
{
	const char	*r, *at;

	r = summary_str(rec, "recipient");
	if (r == NULL || (at = strrchr(r, '@')) == NULL || at[1] == '\0') {
		lower_copy(buf, len, "(none)");
		return;
	}
	lower_copy(buf, len, at + 1);
	/* A trailing '>' or '.' is not part of the domain. */
	len = strlen(buf);
	while (len > 0 && (buf[len - 1] == '>' || buf[len - 1] == '.'))
		buf[--len] = '\0';
	if (len == 0)
		lower_copy(buf, 8, "(none)");
}

void
summary_mta(const json_t *rec, char *buf, size_t len)
{
	const char	*m, *semi;

	if ((m = summary_str(rec, "remote_mta")) == NULL) {
		lower_copy(buf, len, "(none)");
		return;
	}
	/* "dns; mx.example.com" names its type first. */
	if ((semi = strchr(m, ';')) != NULL && semi - m < 12)
		m = semi + 1;
	while (*m == ' ')
		m++;
	lower_copy(buf, len, *m != '\0' ? m : "(none)");
}

uint64_t
summary_final(const uint64_t *n)
{
	return n[OUT_DELIVERED] + n[OUT_RELAYED] + n[OUT_HARD] + n[OUT_SOFT];
}

int
summary_counts(json_t *o, const uint64_t *n)
{
	static const char *const names[OUT_N] = {
		"delivered", "relayed", "delayed", "hard", "soft",
		"complaints", "autoreplies", "other"
	};
	uint64_t	 total = 0;
	int		 i, rc = 0;

	for (i = 0; i < OUT_N; i++) {
		rc |= json_object_set_new(o, names[i],
		    json_integer((json_int_t)n[i]));
		total += n[i];
	}
	rc |= json_object_set_new(o, "failed",
	    json_integer((json_int_t)(n[OUT_HARD] + n[OUT_SOFT])));
	rc |= json_object_set_new(o, "total", json_integer((json_int_t)total));
	return rc == 0 ? 0 : -1;
}

struct summary *
summary_new(const struct summary_opts *o)
{
	struct summary	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->o = *o;
	s->reason = tally_new(OUT_N, SUMMARY_MAXKEYS);
	s->domain = tally_new(OUT_N, SUMMARY_MAXKEYS);
	s->mta = tally_new(OUT_N, SUMMARY_MAXKEYS);
	s->status = tally_new(OUT_N, SUMMARY_MAXKEYS);
	s->own = tally_new(OUT_N, SUMMARY_MAXKEYS);
	s->feedback = tally_new(OUT_N, SUMMARY_MAXKEYS);
	s->day = tally_new(OUT_N, SUMMARY_DAYS);
	if (s->reason == NULL || s->domain == NULL || s->mta == NULL ||
	    s->status == NULL || s->own == NULL || s->feedback == NULL ||
	    s->day == NULL) {
		summary_free(s);
		return NULL;
	}
	return s;
}

void
summary_free(struct summary *s)
{
	struct alert	*a, *next;

	if (s == NULL)
		return;
	tally_free(s->reason);
	tally_free(s->domain);
	tally_free(s->mta);
	tally_free(s->status);
	tally_free(s->own);
	tally_free(s->feedback);
	tally_free(s->day);
	free(s->seen);
	for (a = s->alerts; a != NULL; a = next) {
		next = *alert_nextp(a);
		alert_free(a);
	}
	free(s);
}

void
summary_add_alert(struct summary *s, struct alert *a)
{
	struct alert	**pp = &s->alerts;

	while (*pp != NULL)
		pp = alert_nextp(*pp);
	*pp = a;
}

void
summary_bad_line(struct summary *s)
{
	s->bad++;
}

void
summary_unreadable(struct summary *s)
{
	s->unread++;
}

/* Bumps key's counter for out; keeps diag as its example on failures. */
static int
bump(struct tally *t, const char *key, enum outcome out, const char *diag)
{
	struct tally_ent	*e;

	if ((e = tally_get(t, key)) == NULL)
		return -1;
	e->n[out]++;
	if (out == OUT_HARD || out == OUT_SOFT || out == OUT_DELAYED ||
	    out == OUT_COMPLAINT)
		return tally_example(e, diag, SUMMARY_EXAMPLE);
	return 0;
}

/*
 * Date of rec; 0 with *t set, -1 when it has none that parses.  A date
 * given but impossible (month 13, hour 99) is counted in bad_dates.
 */
static int
rec_date(struct summary *s, const json_t *rec, int64_t *t)
{
	const char	*d, *l;

	if ((d = summary_str(rec, "date")) != NULL &&
	    period_parse_time(d, t, NULL) == 0)
		return 0;
	if ((l = summary_str(rec, "last_attempt")) != NULL &&
	    period_parse_time(l, t, NULL) == 0)
		return 0;
	if (d != NULL || l != NULL)
		s->bad_dates++;
	return -1;
}

static int
in_window(struct summary *s, const json_t *rec, int64_t *t, int *dated)
{
	*dated = rec_date(s, rec, t) == 0;
	if (!*dated) {
		s->undated++;
		/* Without a date a record cannot be placed in a window. */
		if (s->o.has_since || s->o.has_until) {
			s->outside++;
			return 0;
		}
		return 1;
	}
	if ((s->o.has_since && *t < s->o.since) ||
	    (s->o.has_until && *t >= s->o.until)) {
		s->outside++;
		return 0;
	}
	return 1;
}

/* FNV-1a over report_id, a NUL and the recipient; never 0. */
static uint64_t
rec_hash(const char *id, const char *rcpt)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;
	const char	*p;

	for (p = id; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	h *= 0x100000001b3ULL;		/* the NUL */
	for (p = rcpt; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	h ^= h >> 29;
	return h != 0 ? h : 1;
}

/* Inserts h into the open-addressed set: 1 when new, 0, or -1 ENOMEM. */
static int
seen_add(struct summary *s, uint64_t h)
{
	uint64_t	*t;
	size_t		 i, cap;

	if (s->nseen >= s->seencap / 2) {
		cap = s->seencap == 0 ? 1024 : s->seencap * 2;
		if ((t = calloc(cap, sizeof(*t))) == NULL)
			return -1;
		for (i = 0; i < s->seencap; i++) {
			size_t	 j;

			if (s->seen[i] == 0)
				continue;
			for (j = s->seen[i] & (cap - 1); t[j] != 0;
			    j = (j + 1) & (cap - 1))
				;
			t[j] = s->seen[i];
		}
		free(s->seen);
		s->seen = t;
		s->seencap = cap;
	}
	for (i = h & (s->seencap - 1); s->seen[i] != 0;
	    i = (i + 1) & (s->seencap - 1))
		if (s->seen[i] == h)
			return 0;
	s->seen[i] = h;
	s->nseen++;
	return 1;
}

/*
 * 1 when (report_id, recipient) of rec was counted already: dsn-parse
 * may write a record twice (re-reads), which counts once.  Records
 * without a report_id are never duplicates.  -1 on ENOMEM.
 * XXX dedup: past SUMMARY_SEEN_MAX records no more are remembered and
 * their duplicates count again; a 64-bit hash collision (about 1 in
 * 10^7 at the cap) would drop a record as a duplicate.
 */
static int
duplicate(struct summary *s, const json_t *rec)
{
	const char	*id, *rcpt;
	uint64_t	 h;
	size_t		 i;
	int		 rc;

	if ((id = summary_str(rec, "report_id")) == NULL ||
	    (rcpt = summary_str(rec, "recipient")) == NULL)
		return 0;
	h = rec_hash(id, rcpt);
	if (s->nseen >= SUMMARY_SEEN_MAX) {
		s->seen_full = 1;
		for (i = h & (s->seencap - 1); s->seen[i] != 0;
		    i = (i + 1) & (s->seencap - 1))
			if (s->seen[i] == h)
				return 1;
		return 0;
	}
	if ((rc = seen_add(s, h)) == -1)
		return -1;
	return rc == 0;
}

int
summary_add(struct summary *s, const json_t *rec)
{
	enum outcome	 out;
	const char	*reason, *status, *diag, *fb;
	char		 dom[256], mta[256], key[PERIOD_KEYLEN], own[320];
	struct alert	*a;
	int64_t		 t;
	int		 dated, rc = 0;

	if ((rc = duplicate(s, rec)) != 0) {
		if (rc == -1)
			return -1;
		s->duplicates++;
		return 0;
	}
	s->records++;
	if (!in_window(s, rec, &t, &dated))
		return 0;
	out = summary_outcome(rec);
	s->n[out]++;
	if (dated) {
		if (!s->dated || t < s->first)
			s->first = t;
		if (!s->dated || t > s->last)
			s->last = t;
		s->dated = 1;
		period_day(t, key);
		rc |= bump(s->day, key, out, NULL);
	}
	if ((reason = summary_str(rec, "reason")) == NULL)
		reason = "(unclassified)";
	if ((status = summary_str(rec, "status")) == NULL)
		status = "(none)";
	diag = summary_str(rec, "diagnostic");
	summary_domain(rec, dom, sizeof(dom));
	summary_mta(rec, mta, sizeof(mta));
	rc |= bump(s->reason, reason, out, diag);
	rc |= bump(s->domain, dom, out, diag);
	rc |= bump(s->mta, mta, out, diag);
	rc |= bump(s->status, status, out, diag);
	if (out == OUT_COMPLAINT) {
		if ((fb = summary_str(rec, "feedback_type")) == NULL)
			fb = "(none)";
		rc |= bump(s->feedback, fb, out, NULL);
	}
	if (summary_own_reason(reason) && out != OUT_DELIVERED &&
	    out != OUT_RELAYED) {
		snprintf(own, sizeof(own), "%s\t%s", dom, reason);
		rc |= bump(s->own, own, out, diag);
	}
	for (a = s->alerts; a != NULL; a = *alert_nextp(a))
		rc |= alert_feed(a, rec, out);
	return rc == 0 ? 0 : -1;
}
