/*
 * fmt_text.c - the report as plain text tables for a terminal or a
 * cron mail.  Untrusted text (keys, diagnostics) goes through doc_put,
 * which shows control characters as '?' and cuts long cells.  The
 * report stays the caller's; the document built from it is freed here.
 */
#include <string.h>

#include "summary/doc.h"
#include "summary/summary.h"

#define KEY_COLS	40	/* widest first column */
#define TEXT_COLS	70	/* widest free-text column */

static size_t
col_cap(const char *align, size_t c, size_t ncols)
{
	if (align[c] == 'l' && c + 1 == ncols)
		return TEXT_COLS;
	return align[c] == 'l' ? KEY_COLS : 20;
}

static void
put_table(FILE *fp, const json_t *t)
{
	const json_t	*cols = json_object_get(t, "cols");
	const json_t	*rows = json_object_get(t, "rows"), *r;
	const char	*align = json_string_value(json_object_get(t,
			    "align"));
	size_t		 w[16] = { 0 }, nc, c, i, cw, pad;
	const char	*s;

	nc = json_array_size(cols);
	if (nc > 16 || align == NULL || strlen(align) < nc)
		return;
	for (c = 0; c < nc; c++)
		w[c] = doc_width(json_string_value(json_array_get(cols, c)));
	json_array_foreach(rows, i, r)
		for (c = 0; c < nc; c++) {
			s = json_string_value(json_array_get(r, c));
			cw = doc_width(s != NULL ? s : "");
			if (cw > w[c])
				w[c] = cw;
		}
	for (c = 0; c < nc; c++)
		if (w[c] > col_cap(align, c, nc))
			w[c] = col_cap(align, c, nc);
	for (i = 0; i <= json_array_size(rows); i++) {
		r = i == 0 ? cols : json_array_get(rows, i - 1);
		fputs(" ", fp);
		for (c = 0; c < nc; c++) {
			s = json_string_value(json_array_get(r, c));
			if (s == NULL)
				s = "";
			cw = doc_width(s);
			pad = c + 1 == nc ? 0 : w[c];
			if (c + 1 == nc && *s == '\0')
				break;
			fputs(" ", fp);
			if (align[c] == 'r' && cw < w[c])
				fprintf(fp, "%*s", (int)(w[c] - cw), "");
			doc_put(fp, s, w[c], align[c] == 'r' ? 0 : pad);
		}
		fputs("\n", fp);
	}
}

static void
put_alert(FILE *fp, const json_t *a)
{
	const json_t	*d;
	size_t		 i;

	fputs(json_is_true(json_object_get(a, "fired")) ? "  FIRED  " :
	    "  ok     ", fp);
	doc_put(fp, json_string_value(json_object_get(a, "expr")), 0, 0);
	fputs("\n         ", fp);
	doc_put(fp, json_string_value(json_object_get(a, "why")), 0, 0);
	fputs("\n", fp);
	if (!json_is_true(json_object_get(a, "fired")))
		return;
	json_array_foreach(json_object_get(a, "diags"), i, d) {
		fputs("         ", fp);
		doc_put(fp, json_string_value(d), TEXT_COLS + 20, 0);
		fputs("\n", fp);
	}
}

int
fmt_text(FILE *fp, const json_t *rep)
{
	json_t		*doc;
	const json_t	*b, *v;
	size_t		 i;
	int		 first = 1;

	if ((doc = doc_build(rep)) == NULL)
		return -1;
	fputs("dsn-report: ", fp);
	json_array_foreach(doc, i, b) {
		if ((v = json_object_get(b, "h")) != NULL) {
			fputs("\n", fp);
			doc_put(fp, json_string_value(v), 0, 0);
			fputs("\n", fp);
		} else if ((v = json_object_get(b, "p")) != NULL) {
			if (!first)
				fputs("  ", fp);
			doc_put(fp, json_string_value(v), 0, 0);
			fputs("\n", fp);
		} else if ((v = json_object_get(b, "table")) != NULL)
			put_table(fp, v);
		else if ((v = json_object_get(b, "alert")) != NULL)
			put_alert(fp, v);
		first = 0;
	}
	json_decref(doc);
	return ferror(fp) ? -1 : 0;
}
