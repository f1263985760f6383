/*
 * doc.h - the report laid out as a document: headings, paragraphs and
 * tables of plain strings, which the text, Markdown and HTML formats
 * each render in their own way (and escape in their own way).
 *
 * A document is a Jansson array of blocks, each an object with one of
 *	"h": heading text
 *	"p": paragraph text
 *	"table": {"cols": [..], "align": "lrr..", "rows": [[..], ..]}
 *	"alert": {"fired": bool, "why": .., "diags": [..]}
 * The caller owns the returned array (json_decref).
 */
#ifndef SUMMARY_DOC_H
#define SUMMARY_DOC_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* Document of a report (summary_report()); NULL on ENOMEM. */
json_t		*doc_build(const json_t *report);

/* Integer member k of o, 0 when absent. */
uint64_t	 doc_num(const json_t *o, const char *k);

/* "12.5%" of a percentage member k of o, or "n/a" when null. */
void		 doc_pct(const json_t *o, const char *k, char *buf, size_t len);

/* Code points in the UTF-8 string s (its width on a plain terminal). */
size_t		 doc_width(const char *s);

/*
 * Bytes of the Unicode bidi or format control at p (U+061C, U+200E/F,
 * U+202A-E, U+2066-9), which can reorder what a terminal shows; 0 when
 * p starts something else.
 */
size_t		 doc_bidi(const unsigned char *p);

/*
 * Writes s to fp with control characters (C0, DEL, C1, and the bidi
 * controls of doc_bidi) shown as '?',
 * cut to at most cols code points with "..." when longer (cols 0: no
 * limit), padded with spaces to pad code points.  -1 on write error.
 */
int		 doc_put(FILE *fp, const char *s, size_t cols, size_t pad);

#endif
