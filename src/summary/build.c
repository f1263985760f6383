/*
 * build.c - turns dsn-report's counters into the report object that
 * every output format renders.
 *
 * Tables are sorted and cut to the top rows here, periods are grouped,
 * gap-filled and compared with the one before, rates are computed only
 * where success notices make them meaningful, and alerts are judged.
 * The returned object is the caller's; the summary is not changed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "summary/alert.h"
#include "summary/summary.h"
#include "summary/tally.h"

#define FILL_MAX	4000	/* periods: fill gaps only below this span */

static json_t *
jint(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static double
round2(double v)
{
	return round(v * 100.0) / 100.0;
}

/* Percentage of num in the final outcomes of n, or null. */
static json_t *
pct(uint64_t num, const uint64_t *n, int success_seen)
{
	uint64_t	 den = summary_final(n);

	if (!success_seen || den == 0)
		return json_null();
	return json_real(round2(100.0 * (double)num / (double)den));
}

static uint64_t
nfailed(const uint64_t *n)
{
	return n[OUT_HARD] + n[OUT_SOFT];
}

/* Failures first, then delays, then the key, for a stable order. */
static int
fail_cmp(const void *x, const void *y)
{
	const struct tally_ent	*a = *(const struct tally_ent *const *)x;
	const struct tally_ent	*b = *(const struct tally_ent *const *)y;
	uint64_t		 fa = nfailed(a->n), fb = nfailed(b->n);

	if (fa != fb)
		return fa < fb ? 1 : -1;
	if (a->n[OUT_DELAYED] != b->n[OUT_DELAYED])
		return a->n[OUT_DELAYED] < b->n[OUT_DELAYED] ? 1 : -1;
	return strcmp(a->key, b->key);
}

static uint64_t
nproblem(const uint64_t *n)
{
	uint64_t	 t = 0;
	int		 i;

	for (i = 0; i < OUT_N; i++)
		if (i != OUT_DELIVERED && i != OUT_RELAYED)
			t += n[i];
	return t;
}

static int
problem_cmp(const void *x, const void *y)
{
	const struct tally_ent	*a = *(const struct tally_ent *const *)x;
	const struct tally_ent	*b = *(const struct tally_ent *const *)y;
	uint64_t		 pa = nproblem(a->n), pb = nproblem(b->n);

	if (pa != pb)
		return pa < pb ? 1 : -1;
	return strcmp(a->key, b->key);
}

static int
key_cmp(const void *x, const void *y)
{
	const struct tally_ent	*a = *(const struct tally_ent *const *)x;
	const struct tally_ent	*b = *(const struct tally_ent *const *)y;

	return strcmp(a->key, b->key);
}

static json_t *
row(const char *key, const uint64_t *n, const char *example, int seen)
{
	json_t	*r;

	if ((r = json_object()) == NULL)
		return NULL;
	json_object_set_new(r, "key", json_string(key));
	summary_counts(r, n);
	json_object_set_new(r, "success_pct", pct(n[OUT_DELIVERED] +
	    n[OUT_RELAYED], n, seen));
	json_object_set_new(r, "failed_pct", pct(nfailed(n), n, seen));
	json_object_set_new(r, "example", example != NULL ?
	    json_string(example) : json_null());
	return r;
}

/* A table of failures (and delays) by key, top rows only. */
static json_t *
fail_table(const struct tally *t, int top, int seen, int rates,
    uint64_t allfailed)
{
	struct tally_ent	**v;
	json_t			 *tab, *rows, *r;
	size_t			  n, i, shown = 0, with = 0;

	tab = json_object();
	rows = json_array();
	v = tally_sorted(t, fail_cmp, &n);
	for (i = 0; i < n; i++) {
		if (nfailed(v[i]->n) + v[i]->n[OUT_DELAYED] == 0)
			continue;
		with++;
		if ((int)shown >= top)
			continue;
		r = row(v[i]->key, v[i]->n, v[i]->example, seen);
		/* A rate within one reason or status says nothing. */
		if (!rates) {
			json_object_del(r, "success_pct");
			json_object_del(r, "failed_pct");
		}
		json_object_set_new(r, "share_pct", allfailed == 0 ?
		    json_null() : json_real(round2(100.0 *
		    (double)nfailed(v[i]->n) / (double)allfailed)));
		json_array_append_new(rows, r);
		shown++;
	}
	free(v);
	json_object_set_new(tab, "keys", jint(with));
	json_object_set_new(tab, "more", jint(with - shown));
	json_object_set_new(tab, "capped", json_boolean(tally_full(t)));
	json_object_set_new(tab, "rows", rows);
	return tab;
}

static json_t *
own_table(const struct summary *s)
{
	struct tally_ent	**v;
	json_t			 *o, *byr, *byd, *r;
	size_t			  n, i, shown = 0;
	uint64_t		  total = 0, cnt;
	char			 *tab;

	o = json_object();
	byr = json_array();
	byd = json_array();
	v = tally_sorted(s->reason, problem_cmp, &n);
	for (i = 0; i < n; i++) {
		if (!summary_own_reason(v[i]->key) ||
		    (cnt = nproblem(v[i]->n)) == 0)
			continue;
		total += cnt;
		r = row(v[i]->key, v[i]->n, v[i]->example, 0);
		json_object_del(r, "failed_pct");
		json_object_del(r, "success_pct");
		json_object_set_new(r, "count", jint(cnt));
		json_array_append_new(byr, r);
	}
	free(v);
	v = tally_sorted(s->own, problem_cmp, &n);
	for (i = 0; i < n && (int)shown < s->o.top; i++, shown++) {
		r = row(v[i]->key, v[i]->n, v[i]->example, 0);
		json_object_del(r, "failed_pct");
		json_object_del(r, "success_pct");
		json_object_set_new(r, "count", jint(nproblem(v[i]->n)));
		if ((tab = strchr(v[i]->key, '\t')) != NULL) {
			json_object_set_new(r, "domain", json_stringn(
			    v[i]->key, (size_t)(tab - v[i]->key)));
			json_object_set_new(r, "reason", json_string(tab + 1));
		} else {
			json_object_set_new(r, "domain", json_string(
			    v[i]->key));
			json_object_set_new(r, "reason", json_null());
		}
		json_object_del(r, "key");
		json_array_append_new(byd, r);
	}
	free(v);
	json_object_set_new(o, "total", jint(total));
	json_object_set_new(o, "by_reason", byr);
	json_object_set_new(o, "by_domain", byd);
	json_object_set_new(o, "more", jint(tally_count(s->own) - shown));
	return o;
}

static json_t *
complaints(const struct summary *s)
{
	struct tally_ent	**v;
	json_t			 *arr;
	size_t			  n, i;

	arr = json_array();
	v = tally_sorted(s->feedback, problem_cmp, &n);
	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s,s:I}",
		    "feedback_type", v[i]->key, "count",
		    (json_int_t)v[i]->n[OUT_COMPLAINT]));
	free(v);
	return arr;
}

static void
change(json_t *r, const uint64_t *n, const uint64_t *prev, int seen)
{
	json_t		*c, *a, *b;

	c = json_object();
	json_object_set_new(c, "total", json_integer(
	    (json_int_t)(json_integer_value(json_object_get(r, "total"))) -
	    (json_int_t)(prev[0] + prev[1] + prev[2] + prev[3] + prev[4] +
	    prev[5] + prev[6] + prev[7])));
	json_object_set_new(c, "delivered", json_integer(
	    (json_int_t)n[OUT_DELIVERED] - (json_int_t)prev[OUT_DELIVERED]));
	json_object_set_new(c, "delayed", json_integer(
	    (json_int_t)n[OUT_DELAYED] - (json_int_t)prev[OUT_DELAYED]));
	json_object_set_new(c, "failed", json_integer(
	    (json_int_t)nfailed(n) - (json_int_t)nfailed(prev)));
	json_object_set_new(c, "complaints", json_integer(
	    (json_int_t)n[OUT_COMPLAINT] - (json_int_t)prev[OUT_COMPLAINT]));
	a = pct(nfailed(n), n, seen);
	b = pct(nfailed(prev), prev, seen);
	if (json_is_real(a) && json_is_real(b))
		json_object_set_new(c, "failed_pct_points", json_real(round2(
		    json_real_value(a) - json_real_value(b))));
	else
		json_object_set_new(c, "failed_pct_points", json_null());
	json_decref(a);
	json_decref(b);
	json_object_set_new(r, "change", c);
}

/* Groups the day tally into periods, sorted, gaps filled when small. */
static json_t *
periods(const struct summary *s, int seen)
{
	struct tally		 *pt;
	struct tally_ent	**v, *e;
	json_t			 *o, *rows, *r;
	size_t			  n, i, fill;
	char			  key[PERIOD_KEYLEN], nk[PERIOD_KEYLEN];
	uint64_t		  zero[OUT_N] = { 0 };
	const uint64_t		 *prev = NULL;
	int			  j;
	static const char *const by[] = { "none", "day", "week", "month" };

	if ((pt = tally_new(OUT_N, SUMMARY_DAYS)) == NULL)
		return NULL;
	v = tally_sorted(s->day, key_cmp, &n);
	for (i = 0; i < n; i++) {
		if (period_key(v[i]->key, s->o.by, key) == -1 ||
		    (e = tally_get(pt, key)) == NULL)
			continue;
		for (j = 0; j < OUT_N; j++)
			e->n[j] += v[i]->n[j];
	}
	free(v);
	v = tally_sorted(pt, key_cmp, &n);
	/* Count the span first: fill gaps only when it stays small. */
	fill = 0;
	if (n > 0) {
		snprintf(key, sizeof(key), "%s", v[0]->key);
		while (fill <= FILL_MAX && strcmp(key, v[n - 1]->key) < 0 &&
		    period_next(key, s->o.by, nk) == 0) {
			memcpy(key, nk, sizeof(key));
			fill++;
		}
	}
	o = json_object();
	rows = json_array();
	json_object_set_new(o, "by", json_string(by[s->o.by]));
	for (i = 0; i < n; i++) {
		r = row(v[i]->key, v[i]->n, NULL, seen);
		json_object_del(r, "example");
		json_object_del(r, "key");
		json_object_set_new(r, "period", json_string(v[i]->key));
		if (prev != NULL)
			change(r, v[i]->n, prev, seen);
		json_array_append_new(rows, r);
		prev = v[i]->n;
		if (fill > FILL_MAX || i + 1 == n)
			continue;
		/* Empty periods up to the next one count as zero. */
		snprintf(key, sizeof(key), "%s", v[i]->key);
		while (period_next(key, s->o.by, nk) == 0 &&
		    strcmp(nk, v[i + 1]->key) < 0) {
			memcpy(key, nk, sizeof(key));
			r = row(key, zero, NULL, seen);
			json_object_del(r, "example");
			json_object_del(r, "key");
			json_object_set_new(r, "period", json_string(key));
			change(r, zero, prev, seen);
			json_array_append_new(rows, r);
			prev = zero;
		}
	}
	json_object_set_new(o, "rows", rows);
	json_object_set_new(o, "filled", json_boolean(fill <= FILL_MAX));
	free(v);
	tally_free(pt);
	return o;
}

static json_t *
window(const struct summary *s)
{
	json_t	*w;
	char	 buf[40];

	w = json_object();
	period_rfc3339(s->o.since, buf, sizeof(buf));
	json_object_set_new(w, "since", s->o.has_since ? json_string(buf) :
	    json_null());
	period_rfc3339(s->o.until, buf, sizeof(buf));
	json_object_set_new(w, "until", s->o.has_until ? json_string(buf) :
	    json_null());
	period_rfc3339(s->first, buf, sizeof(buf));
	json_object_set_new(w, "first", s->dated ? json_string(buf) :
	    json_null());
	period_rfc3339(s->last, buf, sizeof(buf));
	json_object_set_new(w, "last", s->dated ? json_string(buf) :
	    json_null());
	return w;
}

static json_t *
rates(const struct summary *s, int seen)
{
	json_t	*r;

	r = json_object();
	json_object_set_new(r, "final", jint(summary_final(s->n)));
	json_object_set_new(r, "success_pct", pct(s->n[OUT_DELIVERED] +
	    s->n[OUT_RELAYED], s->n, seen));
	json_object_set_new(r, "failed_pct", pct(nfailed(s->n), s->n, seen));
	json_object_set_new(r, "hard_pct", pct(s->n[OUT_HARD], s->n, seen));
	json_object_set_new(r, "soft_pct", pct(s->n[OUT_SOFT], s->n, seen));
	json_object_set_new(r, "note", json_string(seen ?
	    "rates are shares of final outcomes (delivered, relayed, failed)" :
	    "cannot be computed: the input holds no success notices "
	    "(delivered or relayed DSNs arrive only when the mail was sent "
	    "with NOTIFY=SUCCESS), so failures cannot be set against what "
	    "was delivered"));
	return r;
}

static json_t *
alerts(const struct summary *s, int seen, int *fired)
{
	struct alert	*a;
	json_t		*arr, *o;
	int		 f;

	*fired = 0;
	arr = json_array();
	for (a = s->alerts; a != NULL; a = *alert_nextp(a)) {
		if ((o = alert_eval(a, seen, &f)) == NULL)
			continue;
		*fired += f;
		json_array_append_new(arr, o);
	}
	return arr;
}

json_t *
summary_report(struct summary *s, int *fired)
{
	json_t	*r, *in, *t, *f;
	int	 seen;

	seen = s->n[OUT_DELIVERED] + s->n[OUT_RELAYED] > 0;
	if ((r = json_object()) == NULL)
		return NULL;
	in = json_object();
	json_object_set_new(in, "records", jint(s->records));
	json_object_set_new(in, "in_window", jint(s->records - s->outside));
	json_object_set_new(in, "outside_window", jint(s->outside));
	json_object_set_new(in, "undated", jint(s->undated));
	json_object_set_new(in, "bad_lines", jint(s->bad));
	json_object_set_new(in, "unreadable_inputs", jint(s->unread));
	json_object_set_new(in, "bad_dates", jint(s->bad_dates));
	json_object_set_new(in, "duplicates", jint(s->duplicates));
	json_object_set_new(in, "duplicates_capped",
	    json_boolean(s->seen_full));
	json_object_set_new(r, "input", in);
	json_object_set_new(r, "window", window(s));
	t = json_object();
	summary_counts(t, s->n);
	json_object_set_new(t, "duplicates", jint(s->duplicates));
	json_object_set_new(r, "totals", t);
	json_object_set_new(r, "rates", rates(s, seen));
	json_object_set_new(r, "complaints", complaints(s));
	f = json_object();
	json_object_set_new(f, "by_reason", fail_table(s->reason, s->o.top,
	    seen, 0, nfailed(s->n)));
	json_object_set_new(f, "by_domain", fail_table(s->domain, s->o.top,
	    seen, 1, nfailed(s->n)));
	json_object_set_new(f, "by_remote_mta", fail_table(s->mta, s->o.top,
	    seen, 1, nfailed(s->n)));
	json_object_set_new(f, "by_status", fail_table(s->status, s->o.top,
	    seen, 0, nfailed(s->n)));
	json_object_set_new(r, "failures", f);
	json_object_set_new(r, "own_sending", own_table(s));
	if (s->o.by != PERIOD_NONE)
		json_object_set_new(r, "periods", periods(s, seen));
	json_object_set_new(r, "alerts", alerts(s, seen, fired));
	return r;
}
