/*
 * alert.c - dsn-report's --alert conditions.
 *
 * An expression is parsed once into a scope (everything, or one reason,
 * domain, remote MTA, status or feedback type), a metric, an operator
 * and a threshold.  Records in scope are counted here, with their
 * diagnostics tallied for the "why", and the alert is judged at the
 * end.  The alert owns its copy of the expression, key and tally.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/classify.h"
#include "summary/alert.h"
#include "summary/tally.h"

#define ALERT_DIAGS	1000	/* distinct diagnostics kept per alert */
#define ALERT_TOPDIAG	3

enum scope { SC_ALL, SC_REASON, SC_DOMAIN, SC_MTA, SC_STATUS, SC_FEEDBACK };
enum op { OP_GT, OP_GE, OP_LT, OP_LE, OP_EQ };

struct alert {
	char		*expr;
	json_t		*expr_json;	/* proves expr is UTF-8 */
	enum scope	 scope;
	char		*key;
	int		 metric;
	enum op		 op;
	double		 threshold;
	uint64_t	 n[OUT_N];
	struct tally	*diags;
	struct alert	*next;
};

static const char *const scope_names[] = {
	"all", "reason", "domain", "mta", "status", "feedback", NULL
};

/* Metrics: counts first, then rates (percent of final outcomes). */
static const char *const metric_names[] = {
	"total", "delivered", "relayed", "delayed", "failed", "hard",
	"soft", "complaints", "autoreplies",
	"success-rate", "failed-rate", "hard-rate", "soft-rate",
	"delayed-rate", "complaint-rate", NULL
};
#define FIRST_RATE	9

static const char *const op_names[] = { ">", ">=", "<", "<=", "=" };

struct alert **
alert_nextp(struct alert *a)
{
	return &a->next;
}

void
alert_free(struct alert *a)
{
	if (a == NULL)
		return;
	free(a->expr);
	json_decref(a->expr_json);
	free(a->key);
	tally_free(a->diags);
	free(a);
}

static int
lookup(const char *const *names, const char *s, size_t len)
{
	int	 i;

	for (i = 0; names[i] != NULL; i++)
		if (strlen(names[i]) == len && strncmp(names[i], s, len) == 0)
			return i;
	return -1;
}

/*
 * Splits "lhs OP number[%]", with spaces allowed around OP; fills a->op
 * and a->threshold.  The number is decimal: digits with at most one '.'.
 */
static int
parse_rhs(struct alert *a, const char *expr, size_t *lhslen, int *pct,
    char *err, size_t errlen)
{
	const char	*p, *q;
	size_t		 n;
	int		 digits = 0, dot = 0;

	p = expr + strcspn(expr, "<>=");
	if (*p == '\0') {
		snprintf(err, errlen, "no comparison (>, >=, <, <=, =)");
		return -1;
	}
	for (n = (size_t)(p - expr); n > 0 && (expr[n - 1] == ' ' ||
	    expr[n - 1] == '\t'); n--)
		;
	*lhslen = n;
	if (p[0] == '>')
		a->op = p[1] == '=' ? OP_GE : OP_GT;
	else if (p[0] == '<')
		a->op = p[1] == '=' ? OP_LE : OP_LT;
	else
		a->op = OP_EQ;
	p += (p[1] == '=') ? 2 : 1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0') {
		snprintf(err, errlen, "no number after the comparison");
		return -1;
	}
	for (q = p; isdigit((unsigned char)*q) || (*q == '.' && !dot++); q++)
		digits += *q != '.';
	*pct = *q == '%';
	n = (size_t)(q - p) + (size_t)*pct;
	while (p[n] == ' ' || p[n] == '\t')
		n++;
	if (digits == 0 || p[n] != '\0') {
		snprintf(err, errlen, "\"%.40s\" is not a decimal number "
		    "(like 100, 2.5 or 5%%)", p);
		return -1;
	}
	a->threshold = strtod(p, NULL);
	if (!isfinite(a->threshold)) {
		snprintf(err, errlen, "\"%.40s\" is too large", p);
		return -1;
	}
	return 0;
}

/* 1 when s is an enhanced status code or its class: X, X.Y or X.Y.Z. */
static int
status_form(const char *s)
{
	size_t	 n;
	int	 part;

	if ((s[0] != '2' && s[0] != '4' && s[0] != '5') ||
	    (s[1] != '\0' && s[1] != '.'))
		return 0;
	s++;
	for (part = 1; *s != '\0'; part++) {
		if (part > 2)
			return 0;
		s++;			/* the '.' */
		n = strspn(s, "0123456789");
		if (n == 0 || n > 3 || (s[n] != '\0' && s[n] != '.'))
			return 0;
		s += n;
	}
	return 1;
}

/* Refuses a key that can never match a record; 0 or -1 with err set. */
static int
check_key(const struct alert *a, char *err, size_t errlen)
{
	if (a->scope == SC_REASON && dsn_reason_lookup(a->key) == NULL) {
		snprintf(err, errlen, "unknown reason \"%.60s\" "
		    "(dsn-classify --list-reasons shows them)", a->key);
		return -1;
	}
	if (a->scope == SC_STATUS && !status_form(a->key)) {
		snprintf(err, errlen, "status \"%.60s\" is not X, X.Y or "
		    "X.Y.Z (like 5, 5.7 or 5.7.1)", a->key);
		return -1;
	}
	/* IPv6 literals may name an MTA; no domain, reason or type has ':'. */
	if (a->scope != SC_MTA && strchr(a->key, ':') != NULL) {
		snprintf(err, errlen, "too many parts in \"%.60s\": want "
		    "%s:KEY:METRIC or %s:KEY", a->key, scope_names[a->scope],
		    scope_names[a->scope]);
		return -1;
	}
	return 0;
}

static int
parse_lhs(struct alert *a, const char *s, size_t len, char *err,
    size_t errlen)
{
	const char	*c1, *c2;
	int		 sc;

	c1 = memchr(s, ':', len);
	if (c1 == NULL) {
		a->scope = SC_ALL;
		a->metric = lookup(metric_names, s, len);
		goto metric;
	}
	if ((sc = lookup(scope_names, s, (size_t)(c1 - s))) <= 0) {
		snprintf(err, errlen, "unknown scope \"%.*s\" (reason, "
		    "domain, mta, status, feedback)", (int)(c1 - s), s);
		return -1;
	}
	a->scope = (enum scope)sc;
	c1++;
	/* The metric is what follows the last ':', if it names one. */
	c2 = NULL;
	for (const char *p = s + len; p > c1; p--)
		if (p[-1] == ':') {
			c2 = p - 1;
			break;
		}
	if (c2 != NULL && lookup(metric_names, c2 + 1,
	    (size_t)(s + len - c2 - 1)) >= 0) {
		a->metric = lookup(metric_names, c2 + 1,
		    (size_t)(s + len - c2 - 1));
	} else {
		c2 = s + len;
		a->metric = 0;
	}
	if (c2 == c1) {
		snprintf(err, errlen, "empty %s", scope_names[sc]);
		return -1;
	}
	if ((a->key = strndup(c1, (size_t)(c2 - c1))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (char *p = a->key; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return check_key(a, err, errlen);
metric:
	if (a->metric < 0) {
		snprintf(err, errlen, "unknown metric \"%.*s\"", (int)len, s);
		return -1;
	}
	return 0;
}

struct alert *
alert_parse(const char *expr, char *err, size_t errlen)
{
	struct alert	*a;
	size_t		 lhslen;
	int		 pct;

	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->expr = strdup(expr)) == NULL ||
	    (a->diags = tally_new(1, ALERT_DIAGS)) == NULL) {
		snprintf(err, errlen, "out of memory");
		alert_free(a);
		return NULL;
	}
	/* json_is_string() is a macro: assign first. */
	a->expr_json = json_string(expr);
	if (!json_is_string(a->expr_json)) {
		snprintf(err, errlen, "not UTF-8");
		alert_free(a);
		return NULL;
	}
	if (parse_rhs(a, expr, &lhslen, &pct, err, errlen) == -1 ||
	    parse_lhs(a, expr, lhslen, err, errlen) == -1) {
		alert_free(a);
		return NULL;
	}
	if (pct && a->metric < FIRST_RATE) {
		snprintf(err, errlen, "%% given for %s, a count (rates: "
		    "failed-rate, hard-rate, ...)", metric_names[a->metric]);
		alert_free(a);
		return NULL;
	}
	return a;
}

static int
in_scope(const struct alert *a, const json_t *rec)
{
	char		 buf[256];
	const char	*v;
	size_t		 kl, vl;

	switch (a->scope) {
	case SC_ALL:
		return 1;
	case SC_REASON:
		v = summary_str(rec, "reason");
		return v != NULL && strcasecmp(v, a->key) == 0;
	case SC_FEEDBACK:
		v = summary_str(rec, "feedback_type");
		return v != NULL && strcasecmp(v, a->key) == 0;
	case SC_STATUS:
		/* "5.7" matches 5.7.1; "5" every 5.X.X. */
		v = summary_str(rec, "status");
		kl = strlen(a->key);
		return v != NULL && strncmp(v, a->key, kl) == 0 &&
		    (v[kl] == '\0' || v[kl] == '.');
	case SC_DOMAIN:
		summary_domain(rec, buf, sizeof(buf));
		break;
	case SC_MTA:
		summary_mta(rec, buf, sizeof(buf));
		break;
	}
	/* A host or domain matches itself and its subdomains. */
	kl = strlen(a->key);
	vl = strlen(buf);
	if (vl == kl)
		return strcmp(buf, a->key) == 0;
	return vl > kl && buf[vl - kl - 1] == '.' &&
	    strcmp(buf + vl - kl, a->key) == 0;
}

/* Diagnostics group better with the addresses in them masked. */
static void
mask(char *dst, size_t len, const char *s)
{
	size_t	 o = 0, wl;

	while (*s != '\0' && o + 1 < len) {
		wl = strcspn(s, " \t<>()[]\"',;");
		if (wl > 0 && memchr(s, '@', wl) != NULL) {
			o += (size_t)snprintf(dst + o, len - o, "%s",
			    "ADDRESS");
			if (o >= len)
				o = len - 1;
			s += wl;
			continue;
		}
		if (wl == 0)
			wl = 1;
		while (wl-- > 0 && o + 1 < len)
			dst[o++] = *s++;
	}
	/* Do not leave half a UTF-8 sequence at the cut. */
	if (*s != '\0')
		while (o > 0 && ((unsigned char)dst[o] & 0xC0) == 0x80)
			o--;
	dst[o] = '\0';
}

/*
 * 1 when a record of outcome out counts toward metric m: for a rate,
 * toward its numerator.  Only such records give the "why" diagnostics.
 */
static int
metric_has(int m, enum outcome out)
{
	switch (m) {
	case 0:
		return 1;
	case 1:
		return out == OUT_DELIVERED;
	case 2:
		return out == OUT_RELAYED;
	case 9:
		return out == OUT_DELIVERED || out == OUT_RELAYED;
	case 3:
	case 13:
		return out == OUT_DELAYED;
	case 4:
	case 10:
		return out == OUT_HARD || out == OUT_SOFT;
	case 5:
	case 11:
		return out == OUT_HARD;
	case 6:
	case 12:
		return out == OUT_SOFT;
	case 7:
	case 14:
		return out == OUT_COMPLAINT;
	default:
		return out == OUT_AUTOREPLY;
	}
}

int
alert_feed(struct alert *a, const json_t *rec, enum outcome out)
{
	struct tally_ent	*e;
	const char		*d;
	char			 buf[SUMMARY_EXAMPLE + 1];

	if (!in_scope(a, rec))
		return 0;
	a->n[out]++;
	if (out == OUT_DELIVERED || out == OUT_RELAYED ||
	    !metric_has(a->metric, out) ||
	    (d = summary_str(rec, "diagnostic")) == NULL)
		return 0;
	mask(buf, sizeof(buf), d);
	if ((e = tally_get(a->diags, buf)) == NULL)
		return -1;
	e->n[0]++;
	return 0;
}

static uint64_t
metric_count(const struct alert *a, int m)
{
	const uint64_t	*n = a->n;
	uint64_t	 t = 0;
	int		 i;

	switch (m) {
	case 0:
		for (i = 0; i < OUT_N; i++)
			t += n[i];
		return t;
	case 1:
	case 9:
		return m == 1 ? n[OUT_DELIVERED] :
		    n[OUT_DELIVERED] + n[OUT_RELAYED];
	case 2:
		return n[OUT_RELAYED];
	case 3:
	case 13:
		return n[OUT_DELAYED];
	case 4:
	case 10:
		return n[OUT_HARD] + n[OUT_SOFT];
	case 5:
	case 11:
		return n[OUT_HARD];
	case 6:
	case 12:
		return n[OUT_SOFT];
	case 7:
	case 14:
		return n[OUT_COMPLAINT];
	default:
		return n[OUT_AUTOREPLY];
	}
}

static int
compare(double v, enum op op, double th)
{
	switch (op) {
	case OP_GT:
		return v > th;
	case OP_GE:
		return v >= th;
	case OP_LT:
		return v < th;
	case OP_LE:
		return v <= th;
	default:
		return v == th;
	}
}

static int
diag_cmp(const void *x, const void *y)
{
	const struct tally_ent	*a = *(const struct tally_ent *const *)x;
	const struct tally_ent	*b = *(const struct tally_ent *const *)y;

	if (a->n[0] != b->n[0])
		return a->n[0] < b->n[0] ? 1 : -1;
	return strcmp(a->key, b->key);
}

static json_t *
top_diags(const struct alert *a)
{
	struct tally_ent	**v;
	json_t			 *arr;
	size_t			  n, i;

	if ((arr = json_array()) == NULL)
		return NULL;
	v = tally_sorted(a->diags, diag_cmp, &n);
	for (i = 0; i < n && i < ALERT_TOPDIAG; i++)
		json_array_append_new(arr, json_pack("{s:s,s:I}",
		    "diagnostic", v[i]->key, "count",
		    (json_int_t)v[i]->n[0]));
	free(v);
	return arr;
}

/* The "why" in one line: figures, threshold, verdict. */
static void
explain(const struct alert *a, int fired, int computable, double value,
    uint64_t num, uint64_t den, char *buf, size_t len)
{
	const char	*m = metric_names[a->metric];
	char		 scope[300] = "";

	if (a->scope != SC_ALL)
		snprintf(scope, sizeof(scope), " for %s %s",
		    scope_names[a->scope], a->key);
	if (a->metric < FIRST_RATE)
		snprintf(buf, len, "%s%s is %llu, threshold %s %g: %s", m,
		    scope, (unsigned long long)num, op_names[a->op],
		    a->threshold, fired ? "fired" : "ok");
	else if (!computable)
		snprintf(buf, len, "%s%s cannot be computed: %s", m, scope,
		    den == 0 && num == 0 ? "no success notices in the "
		    "input (they come only when NOTIFY=SUCCESS was asked)" :
		    "no final outcomes in scope");
	else
		snprintf(buf, len, "%s%s is %.2f%% (%llu of %llu final "
		    "outcomes), threshold %s %g%%: %s", m, scope, value,
		    (unsigned long long)num, (unsigned long long)den,
		    op_names[a->op], a->threshold, fired ? "fired" : "ok");
}

json_t *
alert_eval(const struct alert *a, int success_seen, int *fired)
{
	json_t		*o;
	uint64_t	 num, den;
	double		 value;
	int		 computable = 1;
	char		 why[512];

	num = metric_count(a, a->metric);
	den = summary_final(a->n);
	if (a->metric < FIRST_RATE)
		value = (double)num;
	else if (!success_seen || den == 0) {
		computable = 0;
		value = 0;
		if (!success_seen)
			num = den = 0;
	} else
		value = 100.0 * (double)num / (double)den;
	*fired = computable && compare(value, a->op, a->threshold);
	explain(a, *fired, computable, value, num, den, why, sizeof(why));
	o = json_pack("{s:s,s:b,s:s,s:s,s:f,s:s,s:s}",
	    "expr", a->expr, "fired", *fired, "metric",
	    metric_names[a->metric], "op", op_names[a->op],
	    "threshold", a->threshold, "scope", scope_names[a->scope],
	    "why", why);
	if (o == NULL)
		return NULL;
	if (a->key != NULL)
		json_object_set_new(o, "key", json_string(a->key));
	if (computable)
		json_object_set_new(o, "value", a->metric < FIRST_RATE ?
		    json_integer((json_int_t)num) : json_real(value));
	else
		json_object_set_new(o, "value", json_null());
	json_object_set_new(o, "counts", json_object());
	summary_counts(json_object_get(o, "counts"), a->n);
	json_object_set_new(o, "top_diagnostics", top_diags(a));
	return o;
}
