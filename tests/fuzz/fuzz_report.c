/*
 * fuzz_report.c - libFuzzer harness for dsn_report_scan(): the message
 * parser and every recogniser in the format table, then the writers.
 *
 * Each record found is written as JSON Lines and as CSV into memory;
 * the harness aborts unless every JSON line parses with all fields
 * present and every CSV row has the header's column count.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dsn/limits.h"
#include "dsn/record.h"
#include "dsn/recout.h"
#include "dsn/report.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char	*cols[DSN_F_COUNT];

/* Writes the records in format fmt into a malloc'd buffer. */
static char *
write_all(struct dsn_reclist *l, enum dsn_outfmt fmt, size_t *len)
{
	struct dsn_recout	*w;
	FILE			*fp;
	char			*out = NULL;
	size_t			 i;

	if ((fp = open_memstream(&out, len)) == NULL)
		abort();
	if ((w = dsn_recout_new(fp, fmt, cols, DSN_F_COUNT, 0)) == NULL)
		abort();
	for (i = 0; i < l->n; i++)
		if (dsn_recout_record(w, l->v[i]) == -1)
			abort();
	if (dsn_recout_close(w) == -1)
		abort();
	fclose(fp);
	return out;
}

static void
check_jsonl(const char *s, size_t len, size_t nrec)
{
	json_error_t	 e;
	json_t		*o;
	const char	*eol;
	size_t		 n = 0;

	while (len > 0) {
		if ((eol = memchr(s, '\n', len)) == NULL)
			abort();		/* a line without its end */
		if ((o = json_loadb(s, (size_t)(eol - s), 0, &e)) == NULL)
			abort();
		if (!json_is_object(o) || json_object_size(o) != DSN_F_COUNT)
			abort();		/* a field vanished */
		json_decref(o);
		len -= (size_t)(eol - s) + 1;
		s = eol + 1;
		n++;
	}
	if (n != nrec)
		abort();
}

/* RFC 4180: every row has DSN_F_COUNT cells. */
static void
check_csv(const char *s, size_t len, size_t nrec)
{
	size_t	 i, cells = 1, rows = 0;
	int	 q = 0;

	for (i = 0; i < len; i++) {
		if (q) {
			if (s[i] == '"') {
				if (i + 1 < len && s[i + 1] == '"')
					i++;
				else
					q = 0;
			}
		} else if (s[i] == '"')
			q = 1;
		else if (s[i] == ',')
			cells++;
		else if (s[i] == '\n') {
			if (cells != DSN_F_COUNT)
				abort();
			rows++;
			cells = 1;
		}
	}
	if (q || cells != 1 || rows != nrec + 1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dsn_limits	 lim;
	struct dsn_reclist	 l = { NULL, 0, 0 };
	char			 err[128], *out;
	size_t			 len, i;
	int			 n;

	if (cols[0] == NULL)
		for (i = 0; i < DSN_F_COUNT; i++)
			cols[i] = dsn_field_name((enum dsn_field)i);
	dsn_limits_default(&lim);
	lim.mime_depth = 8;
	lim.mime_parts = 64;
	lim.recipients = 50;
	n = dsn_report_scan((const char *)data, size, &lim, &l, err,
	    sizeof(err));
	if (n > 0) {
		for (i = 0; i < l.n; i++) {
			dsn_record_sets(l.v[i], DSN_F_SOURCE, "fuzz");
			dsn_record_sets(l.v[i], DSN_F_MESSAGE, "1");
			dsn_record_sets(l.v[i], DSN_F_OFFSET, "0");
		}
		out = write_all(&l, DSN_OUT_JSONL, &len);
		check_jsonl(out, len, l.n);
		free(out);
		out = write_all(&l, DSN_OUT_CSV, &len);
		check_csv(out, len, l.n);
		free(out);
	}
	dsn_reclist_clear(&l);
	free(l.v);
	return 0;
}
