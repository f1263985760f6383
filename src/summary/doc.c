/*
 * doc.c - lays the report object out as headings, paragraphs and
 * tables of strings, so text, Markdown and HTML say the same things in
 * the same order.  Everything returned is the caller's.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "summary/doc.h"

uint64_t
doc_num(const json_t *o, const char *k)
{
	json_int_t	 v;

	v = json_integer_value(json_object_get(o, k));
	return v < 0 ? 0 : (uint64_t)v;
}

void
doc_pct(const json_t *o, const char *k, char *buf, size_t len)
{
	json_t	*v = json_object_get(o, k);

	if (json_is_number(v))
		snprintf(buf, len, "%.1f%%", json_number_value(v));
	else
		snprintf(buf, len, "n/a");
}

size_t
doc_width(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

size_t
doc_bidi(const unsigned char *p)
{
	if (p[0] == 0xD8 && p[1] == 0x9C)
		return 2;		/* U+061C arabic letter mark */
	if (p[0] != 0xE2 || p[1] == '\0')
		return 0;
	if (p[1] == 0x80 && (p[2] == 0x8E || p[2] == 0x8F ||
	    (p[2] >= 0xAA && p[2] <= 0xAE)))
		return 3;		/* U+200E/F, U+202A-E */
	if (p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)
		return 3;		/* U+2066-9 isolates */
	return 0;
}

int
doc_put(FILE *fp, const char *s, size_t cols, size_t pad)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 w = 0, lim = cols;
	int			 cut;

	cut = cols > 0 && doc_width(s) > cols;
	if (cut)
		lim = cols > 3 ? cols - 3 : 0;
	while (*p != '\0' && (!cut || w < lim)) {
		if (*p < 0x20 || *p == 0x7F) {
			putc('?', fp);
			p++;
		} else if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
			putc('?', fp);	/* C1 control: CSI and friends */
			p += 2;
		} else if (doc_bidi(p) > 0) {
			putc('?', fp);
			p += doc_bidi(p);
		} else {
			putc(*p++, fp);
			while ((*p & 0xC0) == 0x80)
				putc(*p++, fp);
		}
		w++;
	}
	if (cut) {
		fputs("...", fp);
		w += 3;
	}
	for (; w < pad; w++)
		putc(' ', fp);
	return ferror(fp) ? -1 : 0;
}

static void
add(json_t *doc, const char *kind, json_t *v)
{
	json_array_append_new(doc, json_pack("{s:o}", kind, v));
}

static void
para(json_t *doc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
para(json_t *doc, const char *fmt, ...)
{
	char	 buf[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	add(doc, "p", json_string(buf));
}

static json_t *
table(const char *cols, const char *align)
{
	json_t		*c;
	const char	*p, *e;

	c = json_array();
	for (p = cols; *p != '\0'; p = *e != '\0' ? e + 1 : e) {
		e = p + strcspn(p, "|");
		json_array_append_new(c, json_stringn(p, (size_t)(e - p)));
	}
	return json_pack("{s:o,s:s,s:[]}", "cols", c, "align", align,
	    "rows");
}

static json_t *
cell_u(uint64_t v)
{
	char	 buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return json_string(buf);
}

static json_t *
cell_d(json_int_t v)
{
	char	 buf[24];

	snprintf(buf, sizeof(buf), "%+" JSON_INTEGER_FORMAT, v);
	return json_string(buf);
}

static json_t *
cell_pct(const json_t *o, const char *k)
{
	char	 buf[24];

	doc_pct(o, k, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
cell_s(const json_t *v)
{
	const char	*s = json_string_value(v);

	return json_string(s != NULL ? s : "");
}

static void
outcomes(json_t *doc, const json_t *rep)
{
	const json_t	*t = json_object_get(rep, "totals");
	const json_t	*r = json_object_get(rep, "rates");
	const json_t	*c;
	json_t		*tab, *rows;
	char		 buf[512], a[24], b[24];
	size_t		 i, o;

	add(doc, "h", json_string("Outcomes"));
	tab = table("outcome|count|note", "lrl");
	rows = json_object_get(tab, "rows");
#define OROW(name, key, note) json_array_append_new(rows, json_pack( \
	"[s,o,s]", name, cell_u(doc_num(t, key)), note))
	OROW("delivered", "delivered", "");
	OROW("relayed/expanded", "relayed", "");
	OROW("delayed", "delayed", "");
	snprintf(buf, sizeof(buf), "hard %" PRIu64 ", soft %" PRIu64,
	    doc_num(t, "hard"), doc_num(t, "soft"));
	OROW("failed", "failed", buf);
	c = json_object_get(rep, "complaints");
	o = 0;
	buf[0] = '\0';
	for (i = 0; i < json_array_size(c) && o < sizeof(buf); i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s %" PRIu64,
		    i > 0 ? ", " : "", json_string_value(json_object_get(
		    json_array_get(c, i), "feedback_type")),
		    doc_num(json_array_get(c, i), "count"));
	OROW("complaints", "complaints", buf);
	OROW("auto-replies", "autoreplies", "");
	OROW("other", "other", "");
	OROW("total", "total", "");
#undef OROW
	add(doc, "table", tab);
	if (json_is_number(json_object_get(r, "success_pct"))) {
		doc_pct(r, "success_pct", a, sizeof(a));
		doc_pct(r, "failed_pct", b, sizeof(b));
		para(doc, "Success rate %s, failed rate %s of %" PRIu64
		    " final outcomes (delivered, relayed, failed).", a, b,
		    doc_num(r, "final"));
	} else
		para(doc, "Success rate: %s.", json_string_value(
		    json_object_get(r, "note")));
}

static void
fail_section(json_t *doc, const json_t *f, const char *member,
    const char *title, const char *keyname)
{
	const json_t	*t = json_object_get(f, member), *r;
	json_t		*tab, *rows;
	char		 cols[128];
	size_t		 i;
	int		 rates;

	add(doc, "h", json_string(title));
	if (json_array_size(json_object_get(t, "rows")) == 0) {
		para(doc, "No failures or delays.");
		return;
	}
	rates = strcmp(member, "by_domain") == 0 ||
	    strcmp(member, "by_remote_mta") == 0;
	snprintf(cols, sizeof(cols), "%s|failed|hard|soft|delayed|%s|"
	    "example diagnostic", keyname, rates ? "failed%" : "share");
	tab = table(cols, "lrrrrrl");
	rows = json_object_get(tab, "rows");
	json_array_foreach(json_object_get(t, "rows"), i, r)
		json_array_append_new(rows, json_pack("[o,o,o,o,o,o,o]",
		    cell_s(json_object_get(r, "key")),
		    cell_u(doc_num(r, "failed")), cell_u(doc_num(r, "hard")),
		    cell_u(doc_num(r, "soft")), cell_u(doc_num(r, "delayed")),
		    cell_pct(r, rates ? "failed_pct" : "share_pct"),
		    cell_s(json_object_get(r, "example"))));
	add(doc, "table", tab);
	if (doc_num(t, "more") > 0)
		para(doc, "%" PRIu64 " more not shown%s.", doc_num(t, "more"),
		    json_is_true(json_object_get(t, "capped")) ? "; the "
		    "table reached its key limit, the rest is counted as "
		    "(other)" : "");
}

static void
own_section(json_t *doc, const json_t *own)
{
	const json_t	*r;
	json_t		*tab, *rows;
	char		 buf[512];
	size_t		 i, o = 0;

	add(doc, "h", json_string("Problems with our own sending"));
	if (doc_num(own, "total") == 0) {
		para(doc, "None: no refusals for authentication, reputation, "
		    "policy or content.");
		return;
	}
	buf[0] = '\0';
	json_array_foreach(json_object_get(own, "by_reason"), i, r)
		if (o < sizeof(buf))
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
			    "%s%s %" PRIu64, i > 0 ? ", " : "",
			    json_string_value(json_object_get(r, "key")),
			    doc_num(r, "count"));
	para(doc, "%" PRIu64 " refusals that point at our sending, not at "
	    "the addresses: %s.", doc_num(own, "total"), buf);
	tab = table("domain|reason|count|failed|delayed|example diagnostic",
	    "llrrrl");
	rows = json_object_get(tab, "rows");
	json_array_foreach(json_object_get(own, "by_domain"), i, r)
		json_array_append_new(rows, json_pack("[o,o,o,o,o,o]",
		    cell_s(json_object_get(r, "domain")),
		    cell_s(json_object_get(r, "reason")),
		    cell_u(doc_num(r, "count")), cell_u(doc_num(r, "failed")),
		    cell_u(doc_num(r, "delayed")),
		    cell_s(json_object_get(r, "example"))));
	add(doc, "table", tab);
	if (doc_num(own, "more") > 0)
		para(doc, "%" PRIu64 " more not shown.", doc_num(own, "more"));
}

static void
period_section(json_t *doc, const json_t *p)
{
	const json_t	*r, *c;
	json_t		*tab, *rows, *d;
	char		 title[32];
	size_t		 i;

	snprintf(title, sizeof(title), "By %s",
	    json_string_value(json_object_get(p, "by")));
	add(doc, "h", json_string(title));
	if (json_is_false(json_object_get(p, "filled")))
		para(doc, "Empty periods are not shown: the dates span more "
		    "than 4000 periods.");
	tab = table("period|total|delivered|delayed|failed|hard|soft|"
	    "complaints|failed%|change total|change failed|change failed%",
	    "lrrrrrrrrrrr");
	rows = json_object_get(tab, "rows");
	json_array_foreach(json_object_get(p, "rows"), i, r) {
		c = json_object_get(r, "change");
		if (json_is_number(json_object_get(c, "failed_pct_points"))) {
			char	 buf[24];

			snprintf(buf, sizeof(buf), "%+.1f", json_number_value(
			    json_object_get(c, "failed_pct_points")));
			d = json_string(buf);
		} else
			d = json_string("");
		json_array_append_new(rows, json_pack(
		    "[o,o,o,o,o,o,o,o,o,o,o,o]",
		    cell_s(json_object_get(r, "period")),
		    cell_u(doc_num(r, "total")),
		    cell_u(doc_num(r, "delivered")),
		    cell_u(doc_num(r, "delayed")), cell_u(doc_num(r, "failed")),
		    cell_u(doc_num(r, "hard")), cell_u(doc_num(r, "soft")),
		    cell_u(doc_num(r, "complaints")),
		    cell_pct(r, "failed_pct"),
		    c != NULL ? cell_d(json_integer_value(json_object_get(c,
		    "total"))) : json_string(""),
		    c != NULL ? cell_d(json_integer_value(json_object_get(c,
		    "failed"))) : json_string(""), d));
	}
	add(doc, "table", tab);
}

static void
alert_section(json_t *doc, const json_t *alerts)
{
	const json_t	*a, *d;
	json_t		*diags;
	size_t		 i, j;
	char		 buf[1200];

	if (json_array_size(alerts) == 0)
		return;
	add(doc, "h", json_string("Alerts"));
	json_array_foreach(alerts, i, a) {
		diags = json_array();
		json_array_foreach(json_object_get(a, "top_diagnostics"), j,
		    d) {
			snprintf(buf, sizeof(buf), "%" PRIu64 " x %s",
			    doc_num(d, "count"), json_string_value(
			    json_object_get(d, "diagnostic")));
			json_array_append_new(diags, json_string(buf));
		}
		add(doc, "alert", json_pack("{s:O,s:O,s:O,s:o}", "fired",
		    json_object_get(a, "fired"), "expr",
		    json_object_get(a, "expr"), "why",
		    json_object_get(a, "why"), "diags", diags));
	}
}

static void
header(json_t *doc, const json_t *rep)
{
	const json_t	*in = json_object_get(rep, "input");
	const json_t	*w = json_object_get(rep, "window");
	const char	*first, *last;
	char		 extra[256] = "", dates[64] = "";

	first = json_string_value(json_object_get(w, "first"));
	last = json_string_value(json_object_get(w, "last"));
	if (doc_num(in, "outside_window") > 0 || doc_num(in, "undated") > 0)
		snprintf(extra, sizeof(extra), " (%" PRIu64 " left out by "
		    "the window; %" PRIu64 " without a date)",
		    doc_num(in, "outside_window"), doc_num(in, "undated"));
	/* With no dated record there is no range to give: say so. */
	if (first != NULL && last != NULL)
		snprintf(dates, sizeof(dates), ", reports dated %.10s to %.10s",
		    first, last);
	else if (doc_num(in, "in_window") > 0)
		snprintf(dates, sizeof(dates), ", none of them dated");
	para(doc, "%" PRIu64 " records%s%s%s.", doc_num(in, "in_window"),
	    json_is_string(json_object_get(w, "since")) ||
	    json_is_string(json_object_get(w, "until")) ? " in the window" :
	    "", dates, extra);
	/* Said in the report itself: a saved page outlives stderr. */
	if (doc_num(in, "unreadable_inputs") > 0)
		para(doc, "INCOMPLETE: %" PRIu64 " input%s could not be read "
		    "(the errors went to standard error); these figures leave "
		    "%s out.", doc_num(in, "unreadable_inputs"),
		    doc_num(in, "unreadable_inputs") == 1 ? "" : "s",
		    doc_num(in, "unreadable_inputs") == 1 ? "it" : "them");
	if (doc_num(in, "bad_lines") > 0)
		para(doc, "%" PRIu64 " input lines were not records and were "
		    "skipped.", doc_num(in, "bad_lines"));
	if (doc_num(in, "bad_dates") > 0)
		para(doc, "%" PRIu64 " records had a date that is not a real "
		    "date and were counted as undated.",
		    doc_num(in, "bad_dates"));
	if (json_is_true(json_object_get(in, "duplicates_capped")))
		para(doc, "Too many records to remember them all: past the "
		    "first 1048576, duplicates were counted again.");
}

json_t *
doc_build(const json_t *rep)
{
	json_t		*doc;
	const json_t	*f = json_object_get(rep, "failures");

	if ((doc = json_array()) == NULL)
		return NULL;
	header(doc, rep);
	alert_section(doc, json_object_get(rep, "alerts"));
	outcomes(doc, rep);
	fail_section(doc, f, "by_reason", "Failures by reason", "reason");
	fail_section(doc, f, "by_domain", "Failures by recipient domain",
	    "domain");
	fail_section(doc, f, "by_remote_mta", "Failures by remote MTA",
	    "remote MTA");
	fail_section(doc, f, "by_status", "Failures by status", "status");
	own_section(doc, json_object_get(rep, "own_sending"));
	if (json_object_get(rep, "periods") != NULL)
		period_section(doc, json_object_get(rep, "periods"));
	return doc;
}
