/*
 * fmt_html.c - the report as one self-contained HTML file: inline CSS,
 * inline SVG charts (outcomes over time; failures by reason and by
 * domain) with axes, labels and legends, then the same tables as the
 * text report.  No scripts, fonts or images; a Content-Security-Policy
 * forbids loading anything.  Every untrusted string is escaped, and the
 * markup is also well-formed XML so a strict parser can check it.  The
 * report stays the caller's; the document built from it is freed here.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "summary/doc.h"
#include "summary/summary.h"

#define CHART_W		900
#define LABEL_COLS	32	/* code points of a bar label */

static const struct series {
	const char	*name;
	const char	*color;
	const char	*keys[3];
} series[] = {
	{ "delivered/relayed", "#3b8c2a", { "delivered", "relayed", NULL } },
	{ "delayed", "#d9a400", { "delayed", NULL, NULL } },
	{ "failed hard", "#c0392b", { "hard", NULL, NULL } },
	{ "failed soft", "#e67e22", { "soft", NULL, NULL } },
	{ "complaints", "#8e44ad", { "complaints", NULL, NULL } },
	{ "auto-replies", "#7f8c8d", { "autoreplies", NULL, NULL } },
};
#define NSERIES	(sizeof(series) / sizeof(series[0]))

/* Escapes s for text and attribute values, cut to cols code points. */
static void
esc(FILE *fp, const char *s, size_t cols)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 w = 0;

	if (s == NULL)
		return;
	for (; *p != '\0'; w++) {
		if (cols > 0 && w >= cols) {
			fputs("...", fp);
			return;
		}
		switch (*p) {
		case '&':
			fputs("&amp;", fp);
			break;
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		case '\'':
			fputs("&#39;", fp);
			break;
		default:
			if (*p < 0x20 || *p == 0x7F) {
				putc('?', fp);
				break;
			}
			if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
				putc('?', fp);
				p += 2;
				continue;
			}
			putc(*p++, fp);
			while ((*p & 0xC0) == 0x80)
				putc(*p++, fp);
			continue;
		}
		p++;
	}
}

/* A round step for about five ticks up to max. */
static uint64_t
tick_step(uint64_t max)
{
	uint64_t	 step = 1;

	while (step * 5 < max) {
		if (step * 2 * 5 >= max)
			return step * 2;
		if (step * 5 * 5 >= max)
			return step * 5;
		step *= 10;
	}
	return step;
}

static uint64_t
series_val(const json_t *row, size_t s)
{
	uint64_t	 v = 0;
	int		 k;

	for (k = 0; k < 3 && series[s].keys[k] != NULL; k++)
		v += doc_num(row, series[s].keys[k]);
	return v;
}

static void
legend(FILE *fp, int x, int y, size_t first, size_t n)
{
	size_t	 s;

	for (s = first; s < first + n; s++, x += 150) {
		fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"12\" "
		    "height=\"12\" fill=\"%s\"/>", x, y - 10, series[s].color);
		fprintf(fp, "<text x=\"%d\" y=\"%d\">%s</text>\n", x + 16, y,
		    series[s].name);
	}
}

/* Y axis with ticks from 0 to top at plot left x0, bottom y0, height h. */
static void
y_axis(FILE *fp, int x0, int y0, int h, uint64_t top, uint64_t step,
    const char *label)
{
	uint64_t	 v;
	double		 y;

	fprintf(fp, "<line class=\"ax\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
	    "y2=\"%d\"/>\n", x0, y0 - h, x0, y0);
	for (v = 0; v <= top; v += step) {
		y = y0 - (double)h * (double)v / (double)top;
		fprintf(fp, "<line class=\"gr\" x1=\"%d\" y1=\"%.1f\" "
		    "x2=\"%d\" y2=\"%.1f\"/><text class=\"r\" x=\"%d\" "
		    "y=\"%.1f\">%" PRIu64 "</text>\n", x0, y, CHART_W - 10, y,
		    x0 - 4, y + 4, v);
	}
	fprintf(fp, "<text class=\"lab\" transform=\"translate(14 %d) "
	    "rotate(-90)\">%s</text>\n", y0 - h / 2, label);
}

static void
time_chart(FILE *fp, const json_t *periods)
{
	const json_t	*rows = json_object_get(periods, "rows"), *r;
	size_t		 n, i, s, every;
	uint64_t	 max = 0, t, step, top, v;
	const int	 x0 = 60, y0 = 250, h = 200, pw = CHART_W - 10 - 60;
	double		 bw, x, y, bh;

	n = json_array_size(rows);
	if (n == 0)
		return;
	json_array_foreach(rows, i, r) {
		for (t = 0, s = 0; s < NSERIES; s++)
			t += series_val(r, s);
		if (t > max)
			max = t;
	}
	step = tick_step(max > 0 ? max : 1);
	top = (max + step - 1) / step * step;
	if (top == 0)
		top = step;
	bw = (double)pw / (double)n;
	fprintf(fp, "<h2>Outcomes by %s</h2>\n<svg class=\"chart\" "
	    "width=\"%d\" height=\"310\" viewBox=\"0 0 %d 310\" role=\"img\" "
	    "aria-label=\"Outcomes by %s, stacked bars\">\n",
	    json_string_value(json_object_get(periods, "by")), CHART_W,
	    CHART_W, json_string_value(json_object_get(periods, "by")));
	y_axis(fp, x0, y0, h, top, step, "records");
	/* One path per series keeps a year of days small. */
	for (s = 0; s < NSERIES; s++) {
		fprintf(fp, "<path fill=\"%s\" d=\"", series[s].color);
		json_array_foreach(rows, i, r) {
			for (y = y0, t = 0; t < s; t++)
				y -= (double)h * (double)series_val(r, t) /
				    (double)top;
			if ((v = series_val(r, s)) == 0)
				continue;
			bh = (double)h * (double)v / (double)top;
			x = x0 + bw * (double)i + (bw > 4 ? bw * 0.1 : 0);
			fprintf(fp, "M%.1f %.1fh%.1fv%.1fh%.1fz", x, y - bh,
			    bw > 4 ? bw * 0.8 : bw, bh, bw > 4 ? -bw * 0.8 :
			    -bw);
		}
		fputs("\"/>\n", fp);
	}
	fprintf(fp, "<line class=\"ax\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
	    "y2=\"%d\"/>\n", x0, y0, CHART_W - 10, y0);
	every = (n + 11) / 12;
	for (i = 0; i < n; i += every) {
		x = x0 + bw * ((double)i + 0.5);
		fprintf(fp, "<line class=\"ax\" x1=\"%.1f\" y1=\"%d\" "
		    "x2=\"%.1f\" y2=\"%d\"/><text class=\"c\" x=\"%.1f\" "
		    "y=\"%d\">", x, y0, x, y0 + 4, x, y0 + 16);
		esc(fp, json_string_value(json_object_get(json_array_get(rows,
		    i), "period")), 0);
		fputs("</text>\n", fp);
	}
	fprintf(fp, "<text class=\"c lab\" x=\"%d\" y=\"%d\">%s</text>\n",
	    x0 + pw / 2, y0 + 32, json_string_value(json_object_get(periods,
	    "by")));
	legend(fp, x0, 300, 0, NSERIES);
	fputs("</svg>\n", fp);
}

/* Horizontal bars of hard and soft failures by key. */
static void
bar_chart(FILE *fp, const json_t *table, const char *title)
{
	const json_t	*rows = json_object_get(table, "rows"), *r;
	size_t		 n = 0, i;
	uint64_t	 max = 0, step, top, v, hard, soft;
	const int	 x0 = 260, pw = CHART_W - 40 - 260, rh = 22;
	int		 height, y;

	json_array_foreach(rows, i, r)
		if ((v = doc_num(r, "failed")) > 0) {
			n++;
			if (v > max)
				max = v;
		}
	if (n == 0)
		return;
	step = tick_step(max);
	top = (max + step - 1) / step * step;
	height = 40 + (int)n * rh + 50;
	fprintf(fp, "<h2>%s</h2>\n<svg class=\"chart\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-label=\"%s\">\n", title, CHART_W, height, CHART_W, height,
	    title);
	legend(fp, x0, 16, 2, 2);
	y = 30;
	json_array_foreach(rows, i, r) {
		if (doc_num(r, "failed") == 0)
			continue;
		hard = doc_num(r, "hard");
		soft = doc_num(r, "soft");
		fprintf(fp, "<text class=\"r\" x=\"%d\" y=\"%d\">", x0 - 6,
		    y + 15);
		esc(fp, json_string_value(json_object_get(r, "key")),
		    LABEL_COLS);
		fputs("</text>", fp);
		fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" "
		    "height=\"16\" fill=\"%s\"/>", x0, y + 2,
		    (double)pw * (double)hard / (double)top, series[2].color);
		fprintf(fp, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
		    "height=\"16\" fill=\"%s\"/>", x0 + (double)pw *
		    (double)hard / (double)top, y + 2, (double)pw *
		    (double)soft / (double)top, series[3].color);
		fprintf(fp, "<text x=\"%.1f\" y=\"%d\">%" PRIu64 "</text>\n",
		    x0 + (double)pw * (double)(hard + soft) / (double)top + 4,
		    y + 15, hard + soft);
		y += rh;
	}
	fprintf(fp, "<line class=\"ax\" x1=\"%d\" y1=\"30\" x2=\"%d\" "
	    "y2=\"%d\"/><line class=\"ax\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
	    "y2=\"%d\"/>\n", x0, x0, y, x0, y, CHART_W - 10, y);
	for (v = 0; v <= top; v += step) {
		double	 x = x0 + (double)pw * (double)v / (double)top;

		fprintf(fp, "<line class=\"ax\" x1=\"%.1f\" y1=\"%d\" "
		    "x2=\"%.1f\" y2=\"%d\"/><text class=\"c\" x=\"%.1f\" "
		    "y=\"%d\">%" PRIu64 "</text>\n", x, y, x, y + 4, x,
		    y + 16, v);
	}
	fprintf(fp, "<text class=\"c lab\" x=\"%d\" y=\"%d\">failed "
	    "recipients</text>\n</svg>\n", x0 + pw / 2, y + 34);
}

static void
table(FILE *fp, const json_t *t)
{
	const json_t	*r, *c;
	const char	*align = json_string_value(json_object_get(t,
			    "align"));
	size_t		 i, j;

	fputs("<table>\n<thead><tr>", fp);
	json_array_foreach(json_object_get(t, "cols"), j, c) {
		fputs("<th>", fp);
		esc(fp, json_string_value(c), 0);
		fputs("</th>", fp);
	}
	fputs("</tr></thead>\n<tbody>\n", fp);
	json_array_foreach(json_object_get(t, "rows"), i, r) {
		fputs("<tr>", fp);
		json_array_foreach(r, j, c) {
			fputs(align != NULL && j < strlen(align) &&
			    align[j] == 'r' ? "<td class=\"n\">" : "<td>", fp);
			esc(fp, json_string_value(c), 0);
			fputs("</td>", fp);
		}
		fputs("</tr>\n", fp);
	}
	fputs("</tbody>\n</table>\n", fp);
}

static void
alert(FILE *fp, const json_t *a)
{
	const json_t	*d;
	size_t		 i;
	int		 fired = json_is_true(json_object_get(a, "fired"));

	fprintf(fp, "<div class=\"%s\"><p><b>%s</b> <code>",
	    fired ? "alert fired" : "alert ok", fired ? "FIRED" : "ok");
	esc(fp, json_string_value(json_object_get(a, "expr")), 0);
	fputs("</code>: ", fp);
	esc(fp, json_string_value(json_object_get(a, "why")), 0);
	fputs("</p>\n", fp);
	if (fired && json_array_size(json_object_get(a, "diags")) > 0) {
		fputs("<ul>\n", fp);
		json_array_foreach(json_object_get(a, "diags"), i, d) {
			fputs("<li>", fp);
			esc(fp, json_string_value(d), 0);
			fputs("</li>\n", fp);
		}
		fputs("</ul>\n", fp);
	}
	fputs("</div>\n", fp);
}

static const char style[] =
    "body{font-family:sans-serif;margin:1.5em;color:#222;max-width:70em}\n"
    "table{border-collapse:collapse;margin:.5em 0 1em}\n"
    "th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;"
    "vertical-align:top}\n"
    "th{background:#eee}td.n{text-align:right;"
    "font-variant-numeric:tabular-nums}\n"
    "td{max-width:40em;overflow-wrap:anywhere}\n"
    "svg.chart{display:block;max-width:100%;height:auto}\n"
    "svg text{font-size:11px;fill:#222}\n"
    "svg .r{text-anchor:end}svg .c{text-anchor:middle}"
    "svg .lab{font-size:12px;text-anchor:middle}\n"
    "svg .ax{stroke:#444;stroke-width:1}svg .gr{stroke:#ddd;"
    "stroke-width:1}\n"
    ".alert{border-left:.4em solid #3b8c2a;padding:.1em .8em;"
    "margin:.4em 0;background:#f4f9f2}\n"
    ".alert.fired{border-color:#c0392b;background:#fdf0ee}\n";

int
fmt_html(FILE *fp, const json_t *rep)
{
	json_t		*doc;
	const json_t	*b, *v, *f;
	size_t		 i;
	int		 charts = 0;

	if ((doc = doc_build(rep)) == NULL)
		return -1;
	fprintf(fp, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\"/>\n<meta http-equiv=\""
	    "Content-Security-Policy\" content=\"default-src 'none'; "
	    "style-src 'unsafe-inline'\"/>\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\"/>\n"
	    "<title>Delivery report</title>\n<style>\n%s</style>\n</head>\n"
	    "<body>\n<h1>Delivery report</h1>\n", style);
	f = json_object_get(rep, "failures");
	json_array_foreach(doc, i, b) {
		/* Charts go after the alerts, before the first heading. */
		if (!charts && (v = json_object_get(b, "h")) != NULL &&
		    strcmp(json_string_value(v), "Alerts") != 0) {
			charts = 1;
			if (json_object_get(rep, "periods") != NULL)
				time_chart(fp, json_object_get(rep,
				    "periods"));
			bar_chart(fp, json_object_get(f, "by_reason"),
			    "Failures by reason");
			bar_chart(fp, json_object_get(f, "by_domain"),
			    "Failures by recipient domain");
		}
		if ((v = json_object_get(b, "h")) != NULL) {
			fputs("<h2>", fp);
			esc(fp, json_string_value(v), 0);
			fputs("</h2>\n", fp);
		} else if ((v = json_object_get(b, "p")) != NULL) {
			fputs("<p>", fp);
			esc(fp, json_string_value(v), 0);
			fputs("</p>\n", fp);
		} else if ((v = json_object_get(b, "table")) != NULL)
			table(fp, v);
		else if ((v = json_object_get(b, "alert")) != NULL)
			alert(fp, v);
	}
	fputs("<p class=\"foot\">Made by dsn-report.</p>\n</body>\n</html>\n",
	    fp);
	json_decref(doc);
	return ferror(fp) ? -1 : 0;
}
