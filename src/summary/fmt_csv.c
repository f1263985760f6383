/*
 * fmt_csv.c - the report as one CSV table for scripts and spreadsheets:
 * a header row, then one row per figure set, told apart by the
 * "section" column (incomplete, totals, complaint, reason, domain,
 * remote_mta, status, own, period, alert).  RFC 4180 quoting; text cells that a
 * spreadsheet would run as a formula (one starting with = + - @, a tab
 * or a carriage return) get a leading apostrophe.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "summary/doc.h"
#include "summary/summary.h"

static const char *const counts[] = {
	"total", "delivered", "relayed", "delayed", "failed", "hard", "soft",
	"complaints", "autoreplies", "other", NULL
};

static void
cell(FILE *fp, const char *s)
{
	const char	*p;

	putc(',', fp);
	if (s == NULL || *s == '\0')
		return;
	if (strpbrk(s, ",\"\r\n") == NULL && strchr("=+-@\t\r", *s) == NULL) {
		fputs(s, fp);
		return;
	}
	putc('"', fp);
	if (strchr("=+-@\t\r", *s) != NULL)
		putc('\'', fp);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			putc('"', fp);
		putc(*p, fp);
	}
	putc('"', fp);
}

static void
num(FILE *fp, const json_t *v)
{
	putc(',', fp);
	if (json_is_integer(v))
		fprintf(fp, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		fprintf(fp, "%.2f", json_real_value(v));
}

/* One row: section, key, reason, the counts, rates, change, example. */
static void
row(FILE *fp, const char *section, const char *key, const char *reason,
    const json_t *r, const char *example)
{
	const json_t	*c = json_object_get(r, "change");
	int		 i;

	fputs(section, fp);
	cell(fp, key);
	cell(fp, reason);
	for (i = 0; counts[i] != NULL; i++)
		num(fp, json_object_get(r, counts[i]));
	num(fp, json_object_get(r, "success_pct"));
	num(fp, json_object_get(r, "failed_pct"));
	num(fp, json_object_get(c, "total"));
	num(fp, json_object_get(c, "failed"));
	cell(fp, example);
	fputs("\r\n", fp);
}

static void
fail_rows(FILE *fp, const json_t *rep, const char *member,
    const char *section)
{
	const json_t	*r;
	size_t		 i;

	json_array_foreach(json_object_get(json_object_get(json_object_get(
	    rep, "failures"), member), "rows"), i, r)
		row(fp, section, json_string_value(json_object_get(r, "key")),
		    NULL, r, json_string_value(json_object_get(r, "example")));
}

/*
 * Inputs that could not be read: a row of its own, first, so that a
 * saved sheet says it is incomplete (the exit status and stderr are
 * gone by then) and the table stays one table.  Total is their number.
 */
static void
incomplete_row(FILE *fp, const json_t *rep)
{
	const json_t	*n;
	json_int_t	 k;
	json_t		*r;
	char		 why[160];

	n = json_object_get(json_object_get(rep, "input"),
	    "unreadable_inputs");
	if ((k = json_integer_value(n)) <= 0)
		return;
	snprintf(why, sizeof(why), "INCOMPLETE: %" JSON_INTEGER_FORMAT
	    " input%s could not be read (the errors went to standard "
	    "error); these figures leave %s out.", k, k == 1 ? "" : "s",
	    k == 1 ? "it" : "them");
	r = json_pack("{s:O}", "total", n);
	row(fp, "incomplete", "unreadable_inputs", NULL, r, why);
	json_decref(r);
}

int
fmt_csv(FILE *fp, const json_t *rep)
{
	const json_t	*r, *rates;
	json_t		*t, *c;
	size_t		 i;

	fputs("section,key,reason,total,delivered,relayed,delayed,failed,"
	    "hard,soft,complaints,autoreplies,other,success_pct,failed_pct,"
	    "change_total,change_failed,example\r\n", fp);
	incomplete_row(fp, rep);
	t = json_deep_copy(json_object_get(rep, "totals"));
	rates = json_object_get(rep, "rates");
	json_object_set(t, "success_pct", json_object_get(rates,
	    "success_pct"));
	json_object_set(t, "failed_pct", json_object_get(rates,
	    "failed_pct"));
	row(fp, "totals", NULL, NULL, t, NULL);
	json_decref(t);
	json_array_foreach(json_object_get(rep, "complaints"), i, r) {
		c = json_pack("{s:O,s:O}", "complaints", json_object_get(r,
		    "count"), "total", json_object_get(r, "count"));
		row(fp, "complaint", json_string_value(json_object_get(r,
		    "feedback_type")), NULL, c, NULL);
		json_decref(c);
	}
	fail_rows(fp, rep, "by_reason", "reason");
	fail_rows(fp, rep, "by_domain", "domain");
	fail_rows(fp, rep, "by_remote_mta", "remote_mta");
	fail_rows(fp, rep, "by_status", "status");
	json_array_foreach(json_object_get(json_object_get(rep,
	    "own_sending"), "by_domain"), i, r)
		row(fp, "own", json_string_value(json_object_get(r, "domain")),
		    json_string_value(json_object_get(r, "reason")), r,
		    json_string_value(json_object_get(r, "example")));
	json_array_foreach(json_object_get(json_object_get(rep, "periods"),
	    "rows"), i, r)
		row(fp, "period", json_string_value(json_object_get(r,
		    "period")), NULL, r, NULL);
	json_array_foreach(json_object_get(rep, "alerts"), i, r) {
		/* The figures of an alert are in its explanation. */
		row(fp, "alert", json_string_value(json_object_get(r, "expr")),
		    json_is_true(json_object_get(r, "fired")) ? "fired" :
		    "ok", NULL, json_string_value(json_object_get(r, "why")));
	}
	return ferror(fp) ? -1 : 0;
}
