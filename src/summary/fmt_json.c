/*
 * fmt_json.c - the report object as indented JSON, keys in the order
 * they were built; rates keep at most ten significant digits.  The
 * report stays the caller's; nothing is allocated here.
 */
#include "summary/summary.h"

int
fmt_json(FILE *fp, const json_t *rep)
{
	if (json_dumpf(rep, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(10)) == -1)
		return -1;
	fputs("\n", fp);
	return ferror(fp) ? -1 : 0;
}
