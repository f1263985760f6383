/*
 * policy.c - prune policy: defaults, settings by name, config file,
 * sorting records into kinds and judging an address's events.
 *
 * Pure functions over caller-owned memory: nothing is allocated except
 * the FILE of policy_load, closed before it returns.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify/classify.h"
#include "ledger/policy.h"

#define DAY	86400

static const char *const default_sender[] = {
	"blocked", "spamdetected", "virusdetected", "badreputation",
	"authfailure", "requireptr", "norelaying", "rejected",
	"policyviolation", "securityerror", "notcompliantrfc", "speeding",
	"toomanyconn", "contenterror", "syntaxerror", "mesgtoobig", NULL
};

static const char *const default_complaint[] = {
	"abuse", "fraud", "opt-out", "unsubscribe", NULL
};

/*
 * ARF feedback types: the IANA registry (RFC 5965, 6430, 6591) and the
 * two of the ARF drafts that some providers still send.
 */
static const char *const feedback_types[] = {
	"abuse", "fraud", "virus", "other", "not-spam", "auth-failure",
	"opt-out", "unsubscribe", NULL
};

static int
is_reason(const char *w)
{
	return dsn_reason_lookup(w) != NULL;
}

static int
is_feedback_type(const char *w)
{
	int	 i;

	for (i = 0; feedback_types[i] != NULL; i++)
		if (!strcmp(feedback_types[i], w))
			return 1;
	return 0;
}

/*
 * Sets dst to the words of val (comma or space separated, folded to
 * lower case), each of which must pass valid().
 */
static int
set_words(char (*dst)[24], int *n, const char *val, int (*valid)(const
    char *), char *err, size_t len)
{
	const char	*p = val, *q;
	size_t		 w, i;

	*n = 0;
	for (;;) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			return 0;
		for (q = p; *q && *q != ',' && !isspace((unsigned char)*q); q++)
			;
		w = (size_t)(q - p);
		if (w >= sizeof(dst[0]) || *n >= POLICY_MAX_REASONS) {
			snprintf(err, len, "list too long or word too long");
			return -1;
		}
		for (i = 0; i < w; i++)
			dst[*n][i] = (char)tolower((unsigned char)p[i]);
		dst[*n][w] = '\0';
		if (!valid(dst[*n])) {
			snprintf(err, len, "unknown name \"%s\"", dst[*n]);
			return -1;
		}
		(*n)++;
		p = q;
	}
}

void
policy_init(struct policy *p)
{
	int	 i;

	memset(p, 0, sizeof(*p));
	p->soft_bounces = 5;
	p->soft_window = 21;
	p->expire = 90;
	p->max_remove = 5;
	p->max_remove_pct = 1;
	p->verp_delim = '+';
	p->busy_timeout = 600;
	for (i = 0; default_sender[i] != NULL; i++)
		snprintf(p->sender[i], sizeof(p->sender[i]), "%s",
		    default_sender[i]);
	p->nsender = i;
	for (i = 0; default_complaint[i] != NULL; i++)
		snprintf(p->complaint[i], sizeof(p->complaint[i]), "%s",
		    default_complaint[i]);
	p->ncomplaint = i;
}

static int
parse_num(const char *val, long lo, long hi, long *out, int *pct)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (end == val || errno != 0)
		return -1;
	if (pct != NULL) {
		*pct = (*end == '%');
		if (*pct)
			end++;
	}
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int
parse_bool(const char *val, int *out)
{
	if (!strcasecmp(val, "yes") || !strcasecmp(val, "true") ||
	    !strcmp(val, "1") || !strcasecmp(val, "on"))
		*out = 1;
	else if (!strcasecmp(val, "no") || !strcasecmp(val, "false") ||
	    !strcmp(val, "0") || !strcasecmp(val, "off"))
		*out = 0;
	else
		return -1;
	return 0;
}

int
policy_set(struct policy *p, const char *key, const char *val,
    char *err, size_t len)
{
	long	 v;
	int	 pct;

	if (!strcmp(key, "soft-bounces")) {
		if (parse_num(val, 1, 10000, &v, NULL) < 0)
			goto bad;
		p->soft_bounces = (int)v;
	} else if (!strcmp(key, "soft-window")) {
		if (parse_num(val, 1, 100000, &v, NULL) < 0)
			goto bad;
		p->soft_window = (int)v;
	} else if (!strcmp(key, "expire")) {
		if (parse_num(val, 1, 100000, &v, NULL) < 0)
			goto bad;
		p->expire = (int)v;
	} else if (!strcmp(key, "max-remove")) {
		if (parse_num(val, 0, LONG_MAX, &v, &pct) < 0 ||
		    (pct && v > 100))
			goto bad;
		p->max_remove = v;
		p->max_remove_pct = pct;
	} else if (!strcmp(key, "case-sensitive-local")) {
		if (parse_bool(val, &p->case_local) < 0)
			goto bad;
	} else if (!strcmp(key, "verp-delimiter")) {
		if (strlen(val) != 1 || val[0] == '@' ||
		    isspace((unsigned char)val[0]))
			goto bad;
		p->verp_delim = val[0];
	} else if (!strcmp(key, "busy-timeout")) {
		if (parse_num(val, 0, 86400, &v, NULL) < 0)
			goto bad;
		p->busy_timeout = (int)v;
	} else if (!strcmp(key, "sender-reasons")) {
		return set_words(p->sender, &p->nsender, val, is_reason, err,
		    len);
	} else if (!strcmp(key, "complaint-types")) {
		return set_words(p->complaint, &p->ncomplaint, val,
		    is_feedback_type, err, len);
	} else {
		snprintf(err, len, "unknown setting");
		return -1;
	}
	return 0;
bad:
	snprintf(err, len, "bad value \"%.40s\"", val);
	return -1;
}

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
policy_load(struct policy *p, const char *path, char *err, size_t len)
{
	return policy_load_with(p, path, NULL, NULL, err, len);
}

int
policy_load_with(struct policy *p, const char *path, policy_key_fn other,
    void *arg, char *err, size_t len)
{
	FILE	*fp;
	char	 line[1024], why[200], *k, *v, *eq;
	long	 n = 0;
	int	 rc = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, len, "%s", strerror(errno));
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), fp) != NULL) {
		n++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			snprintf(err, len, "line %ld: line too long", n);
			rc = -1;
			break;
		}
		k = trim(line);
		if (*k == '\0' || *k == '#')
			continue;
		if ((eq = strchr(k, '=')) == NULL) {
			snprintf(err, len, "line %ld: expected key = value", n);
			rc = -1;
			break;
		}
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		why[0] = '\0';
		if ((other == NULL || (rc = other(arg, k, v, why,
		    sizeof(why))) == 0) && policy_set(p, k, v, why,
		    sizeof(why)) < 0)
			rc = -1;
		if (rc < 0)
			snprintf(err, len, "line %ld: %.40s: %s", n, k, why);
		else
			rc = 0;
	}
	if (rc == 0 && ferror(fp)) {
		snprintf(err, len, "%s", strerror(errno));
		rc = -1;
	}
	fclose(fp);
	return rc;
}

long
policy_limit(const struct policy *p, long n)
{
	long	 lim;

	if (!p->max_remove_pct)
		return p->max_remove;
	lim = (long)((double)n * (double)p->max_remove / 100.0);
	return lim < 1 ? 1 : lim;
}

static int
in_words(const char (*w)[24], int n, const char *s)
{
	int	 i;

	if (s == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (!strcasecmp(w[i], s))
			return 1;
	return 0;
}

static int
eq(const char *a, const char *b)
{
	return a != NULL && !strcasecmp(a, b);
}

enum pkind
policy_kind(const struct policy *p, const char *type, const char *action,
    const char *reason, int hard, const char *feedback_type)
{
	if (eq(type, "feedback") || eq(reason, "feedback")) {
		if (feedback_type == NULL ||
		    in_words(p->complaint, p->ncomplaint, feedback_type))
			return PK_COMPLAINT;
		return PK_OTHER;
	}
	if (eq(type, "autoreply") || eq(reason, "vacation"))
		return PK_AUTOREPLY;
	if (eq(action, "delayed"))
		return PK_DELAY;
	if (eq(action, "delivered") || eq(action, "relayed") ||
	    eq(action, "expanded") || eq(reason, "delivered"))
		return PK_SUCCESS;
	if (in_words(p->sender, p->nsender, reason))
		return PK_SENDER;
	return hard ? PK_HARD : PK_SOFT;
}

const char *
policy_kind_name(enum pkind k)
{
	static const char *const names[PK_COUNT] = {
		"hard", "soft", "complaint", "success", "sender",
		"autoreply", "delay", "other"
	};

	return (unsigned)k < PK_COUNT ? names[k] : "?";
}

const char *
policy_verdict_name(enum pverdict v)
{
	static const char *const names[] = {
		"keep", "hard", "soft", "complaint"
	};

	return (unsigned)v <= PV_COMPLAINT ? names[v] : "?";
}

void
policy_day(time_t t, char *buf, size_t len)
{
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, len, "?");
}

static void
decide(struct verdict *v, enum pverdict what, const struct pevent *e)
{
	char	 day[16];

	v->what = what;
	v->when = e->ts;
	snprintf(v->reason, sizeof(v->reason), "%s",
	    e->reason ? e->reason : "");
	snprintf(v->status, sizeof(v->status), "%s",
	    e->status ? e->status : "");
	policy_day(e->ts, day, sizeof(day));
	snprintf(v->evidence, sizeof(v->evidence),
	    "%s %s%s%s on %s, report %.120s",
	    what == PV_COMPLAINT ? "complaint" : "hard bounce",
	    e->status ? e->status : "", e->status ? " " : "",
	    e->reason ? e->reason : "", day,
	    e->report_id ? e->report_id : "?");
}

/*
 * Soft bounces: the distinct UTC days of the counting soft events; the
 * address goes when soft_bounces of them fall within soft_window days.
 */
static void
judge_soft(const struct policy *p, const struct pevent *ev, size_t n,
    time_t cut, time_t horizon, struct verdict *v)
{
	long		*days;
	size_t		 nd = 0, i, k, last = 0, want;
	char		 d[16];
	int		 found = 0, w;

	if ((days = calloc(n ? n : 1, sizeof(*days))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (ev[i].kind != PK_SOFT || ev[i].ts <= cut ||
		    ev[i].ts <= horizon)
			continue;
		if (nd == 0 || days[nd - 1] != (long)(ev[i].ts / DAY)) {
			days[nd] = (long)(ev[i].ts / DAY);
			nd++;
		}
		last = i;
	}
	want = (size_t)p->soft_bounces;
	for (k = nd; k >= want && k > 0; k--) {
		if (days[k - 1] - days[k - want] < p->soft_window) {
			found = 1;
			break;
		}
	}
	if (found) {
		decide(v, PV_SOFT, &ev[last]);
		w = snprintf(v->evidence, sizeof(v->evidence),
		    "%zu soft bounces on distinct days within %d days, last %s:",
		    want, p->soft_window, v->reason);
		for (i = k - want; i < k && w > 0 &&
		    (size_t)w < sizeof(v->evidence); i++) {
			policy_day((time_t)days[i] * DAY, d, sizeof(d));
			w += snprintf(v->evidence + w, sizeof(v->evidence) - w,
			    " %s", d);
		}
	}
	free(days);
}

void
policy_judge(const struct policy *p, const struct pevent *ev, size_t n,
    time_t now, time_t reset, struct verdict *v)
{
	time_t		 cut = reset, horizon;
	const struct pevent *hard = NULL, *compl = NULL;
	size_t		 i;

	memset(v, 0, sizeof(*v));
	v->what = PV_KEEP;
	horizon = now - (time_t)p->expire * DAY;
	for (i = 0; i < n; i++)
		if (ev[i].kind == PK_SUCCESS && ev[i].ts > cut)
			cut = ev[i].ts;
	for (i = 0; i < n; i++) {
		if (ev[i].ts <= horizon)
			continue;
		if (ev[i].kind == PK_COMPLAINT && ev[i].ts > reset)
			compl = &ev[i];
		else if (ev[i].kind == PK_HARD && ev[i].ts > cut)
			hard = &ev[i];
	}
	if (compl != NULL)
		decide(v, PV_COMPLAINT, compl);
	else if (hard != NULL)
		decide(v, PV_HARD, hard);
	else
		judge_soft(p, ev, n, cut, horizon, v);
}

static int
digits(const char **s, int n, int *out)
{
	int	 v = 0;

	while (n-- > 0) {
		if (!isdigit((unsigned char)**s))
			return -1;
		v = v * 10 + (**s - '0');
		(*s)++;
	}
	*out = v;
	return 0;
}

static int
mdays(int y, int mo)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (mo == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[mo - 1];
}

int
policy_parse_time(const char *s, time_t *t)
{
	struct tm	 tm;
	int		 y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;

	if (s == NULL || digits(&s, 4, &y) < 0 || *s++ != '-' ||
	    digits(&s, 2, &mo) < 0 || *s++ != '-' || digits(&s, 2, &d) < 0)
		return -1;
	if (*s != 'T' && *s != 't' && *s != ' ')
		return -1;
	s++;
	if (digits(&s, 2, &h) < 0 || *s++ != ':' || digits(&s, 2, &mi) < 0 ||
	    *s++ != ':' || digits(&s, 2, &se) < 0)
		return -1;
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++)
			;
	if (*s == 'Z' || *s == 'z')
		s++;
	else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (digits(&s, 2, &oh) < 0 || *s++ != ':' ||
		    digits(&s, 2, &om) < 0)
			return -1;
	} else
		return -1;
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > mdays(y, mo) ||
	    h > 23 || mi > 59 || se > 60 || oh > 23 || om > 59)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*t = timegm(&tm) - (time_t)sign * (oh * 3600 + om * 60);
	return 0;
}
