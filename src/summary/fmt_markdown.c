/*
 * fmt_markdown.c - the report as Markdown: headings, pipe tables and
 * lists.  Untrusted text is escaped so that it can neither break a
 * table nor become markup, links or HTML.
 */
#include <string.h>

#include "summary/doc.h"
#include "summary/summary.h"

static void
md_put(FILE *fp, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;

	if (s == NULL)
		return;
	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7F)
			putc(' ', fp);
		else if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
			putc(' ', fp);	/* C1 control */
			p++;
		} else if (doc_bidi(p) > 0) {
			putc('?', fp);	/* bidi control */
			p += doc_bidi(p) - 1;
		} else if (strchr("\\`*_{}[]()<>#+-!|~&", *p) != NULL) {
			putc('\\', fp);
			putc(*p, fp);
		} else
			putc(*p, fp);
	}
}

/* One table row: "| a | b |" and a newline. */
static void
md_row(FILE *fp, const json_t *row)
{
	const json_t	*c;
	size_t		 j;

	fputs("|", fp);
	json_array_foreach(row, j, c) {
		fputs(" ", fp);
		md_put(fp, json_string_value(c));
		fputs(" |", fp);
	}
	fputs("\n", fp);
}

static void
md_table(FILE *fp, const json_t *t)
{
	const json_t	*cols = json_object_get(t, "cols");
	const json_t	*r;
	const char	*align = json_string_value(json_object_get(t,
			    "align"));
	size_t		 i, j;

	md_row(fp, cols);
	fputs("|", fp);
	for (j = 0; j < json_array_size(cols); j++)
		fputs(align != NULL && align[j] == 'r' ? " ---: |" :
		    " :--- |", fp);
	fputs("\n", fp);
	json_array_foreach(json_object_get(t, "rows"), i, r)
		md_row(fp, r);
	fputs("\n", fp);
}

static void
md_alert(FILE *fp, const json_t *a)
{
	const json_t	*d;
	size_t		 i;

	fputs(json_is_true(json_object_get(a, "fired")) ? "- **FIRED** `" :
	    "- ok `", fp);
	/* Inside a code span only the backtick needs keeping out. */
	for (const char *s = json_string_value(json_object_get(a, "expr"));
	    s != NULL && *s != '\0'; s++)
		putc(*s == '`' || (unsigned char)*s < 0x20 ? '\'' : *s, fp);
	fputs("`: ", fp);
	md_put(fp, json_string_value(json_object_get(a, "why")));
	fputs("\n", fp);
	if (!json_is_true(json_object_get(a, "fired")))
		return;
	json_array_foreach(json_object_get(a, "diags"), i, d) {
		fputs("  - ", fp);
		md_put(fp, json_string_value(d));
		fputs("\n", fp);
	}
}

int
fmt_markdown(FILE *fp, const json_t *rep)
{
	json_t		*doc;
	const json_t	*b, *v;
	size_t		 i;
	int		 alerts = 0;

	if ((doc = doc_build(rep)) == NULL)
		return -1;
	fputs("# Delivery report\n\n", fp);
	json_array_foreach(doc, i, b) {
		if (alerts && json_object_get(b, "alert") == NULL) {
			fputs("\n", fp);
			alerts = 0;
		}
		if ((v = json_object_get(b, "h")) != NULL) {
			fputs("## ", fp);
			md_put(fp, json_string_value(v));
			fputs("\n\n", fp);
		} else if ((v = json_object_get(b, "p")) != NULL) {
			md_put(fp, json_string_value(v));
			fputs("\n\n", fp);
		} else if ((v = json_object_get(b, "table")) != NULL)
			md_table(fp, v);
		else if ((v = json_object_get(b, "alert")) != NULL) {
			md_alert(fp, v);
			alerts = 1;
		}
	}
	if (alerts)
		fputs("\n", fp);
	json_decref(doc);
	return ferror(fp) ? -1 : 0;
}
