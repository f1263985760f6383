/*
 * fmt_html.c - placeholder, replaced by the HTML report below shortly.
 */
#include "summary/summary.h"

int
fmt_html(FILE *fp, const json_t *rep)
{
	return fmt_text(fp, rep);
}
