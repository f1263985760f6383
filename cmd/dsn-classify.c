/*
 * dsn-classify - adds reason, hard_bounce and rule to dsn-parse records.
 *
 * Reads JSON Lines or CSV records (recin), classifies each with the
 * rule set (user rules first, then the built-in defaults) and writes
 * them back with every input field kept, in order (recout).  JSON output
 * follows each record's own fields; CSV's header is fixed up front, and
 * a record with a field it has no column for is reported.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "classify/classify.h"
#include "dsn/recin.h"
#include "dsn/recout.h"
#include "dsn/record.h"

#define MAX_RULES_FILE	(16 * 1024 * 1024)
#define MEM_RESET	(1024 * 1024)	/* JSON: restart the row buffer */

struct opts {
	int		 explain;
	int		 builtin;
	int		 verbose;
	int		 quiet;
	int		 fmt;		/* -1: as the input */
	int		 csv_raw;
	unsigned	 limit;
};

struct run {
	struct opts		*o;
	struct dsn_rules	*rules;
	struct dsn_recout	*out;
	int			 fmt;		/* of the output, once open */
	int			 infmt;		/* of the first input, or -1 */
	char			**cols;		/* the writer's columns */
	int			 ncols, ccap;
	FILE			*mem;		/* JSON: one row, as a line */
	char			*membuf;
	size_t			 memlen, memoff;
	long			 rows;
	long			 records, bad;
};

static const char *const added[] = { "reason", "hard_bounce", "rule",
    "explain" };

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: dsn-classify [--rules FILE]... [--no-builtin] "
	    "[--explain]\n"
	    "           [--format jsonl|json|csv] [--csv-raw] "
	    "[--match-limit N]\n"
	    "           [-v] [-q] [FILE|-]...\n"
	    "       dsn-classify --list-reasons | --check-rules | "
	    "--help | --version\n");
}

static void
list_reasons(void)
{
	const struct dsn_reason	*t;
	size_t			 i, n;

	t = dsn_reason_table(&n);
	for (i = 0; i < n; i++)
		printf("%-16s %-11s %s\n", t[i].name, t[i].hard == 1 ?
		    "hard" : t[i].hard == 2 ? "hard(5.X.X)" : "soft",
		    t[i].meaning);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*fp;
	char	*buf;
	size_t	 n;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	if ((buf = malloc(MAX_RULES_FILE + 1)) == NULL) {
		fclose(fp);
		return NULL;
	}
	n = fread(buf, 1, MAX_RULES_FILE + 1, fp);
	if (ferror(fp) || n > MAX_RULES_FILE) {
		if (!ferror(fp))
			errno = EFBIG;
		free(buf);
		fclose(fp);
		return NULL;
	}
	fclose(fp);
	*len = n;
	return buf;
}

static void
load_file(struct dsn_rules *rs, const char *path)
{
	char	 why[512], *text;
	size_t	 len;

	if ((text = slurp(path, &len)) == NULL)
		err(2, "%s", path);
	if (dsn_rules_load(rs, text, len, path, why, sizeof(why)) == -1)
		errx(2, "%s", why);
	free(text);
}

/* Appends a copy of name to the columns unless it is there. */
static void
col_add(struct run *r, const char *name)
{
	char	**nc;
	int	  i;

	for (i = 0; i < r->ncols; i++)
		if (strcmp(r->cols[i], name) == 0)
			return;
	if (r->ncols == r->ccap) {
		r->ccap = r->ccap ? r->ccap * 2 : 64;
		if ((nc = realloc(r->cols, (size_t)r->ccap *
		    sizeof(*nc))) == NULL)
			err(2, "columns");
		r->cols = nc;
	}
	if ((r->cols[r->ncols++] = strdup(name)) == NULL)
		err(2, "columns");
}

static void
cols_clear(struct run *r)
{
	while (r->ncols > 0)
		free(r->cols[--r->ncols]);
}

/*
 * CSV columns, fixed by the header: the first record's fields in order,
 * then dsn-parse's fields it lacks (unless the input is CSV, whose
 * header fixes every record's fields), then ours.
 */
static void
csv_columns(struct run *r, json_t *first, int infmt)
{
	const char	*k;
	json_t		*v;
	size_t		 i, nadd = r->o->explain ? 4 : 3;
	int		 f;

	if (first != NULL)
		json_object_foreach(first, k, v)
			col_add(r, k);
	for (f = 0; f < DSN_F_COUNT && (first == NULL ||
	    infmt != DSN_OUT_CSV); f++)
		col_add(r, dsn_field_name(f));
	for (i = 0; i < nadd; i++)
		col_add(r, added[i]);
}

/* Non-zero when the members of rec are the columns, in order. */
static int
same_columns(struct run *r, json_t *rec)
{
	const char	*k;
	json_t		*v;
	int		 i = 0;

	if (r->out == NULL || (int)json_object_size(rec) != r->ncols)
		return 0;
	json_object_foreach(rec, k, v) {
		if (strcmp(k, r->cols[i++]) != 0)
			return 0;
	}
	return 1;
}

/* Flushes and frees the writer; a write error ends the run. */
static void
close_out(struct run *r)
{
	if (r->out != NULL && dsn_recout_close(r->out) == -1)
		err(2, r->fmt == DSN_OUT_JSON ? "output" : "stdout");
	r->out = NULL;
}

/*
 * JSON Lines and JSON: a writer for rec's own members in their order
 * (the record's fields, then ours), made anew when they change.  JSON
 * rows are written as lines into r->mem and framed here, so that the
 * array goes on across writers.
 */
static void
json_writer(struct run *r, json_t *rec)
{
	const char	*k;
	json_t		*v;

	if (same_columns(r, rec))
		return;
	close_out(r);
	cols_clear(r);
	json_object_foreach(rec, k, v)
		col_add(r, k);
	if (r->fmt == DSN_OUT_JSON && r->mem == NULL &&
	    (r->mem = open_memstream(&r->membuf, &r->memlen)) == NULL)
		err(2, "output");
	r->out = dsn_recout_new(r->fmt == DSN_OUT_JSON ? r->mem : stdout,
	    DSN_OUT_JSONL, (const char *const *)r->cols, r->ncols,
	    r->o->csv_raw ? DSN_RECOUT_CSV_RAW : 0);
	if (r->out == NULL)
		err(2, "output");
}

/* Moves the JSON row written into r->mem to stdout, framed. */
static void
json_row(struct run *r)
{
	size_t	 n;

	if (fflush(r->mem) == EOF)
		err(2, "output");
	n = r->memlen - r->memoff;
	if (n > 0 && r->membuf[r->memoff + n - 1] == '\n')
		n--;
	if (fputs(r->rows++ > 0 ? ",\n" : "[\n", stdout) == EOF ||
	    fwrite(r->membuf + r->memoff, 1, n, stdout) != n)
		err(2, "stdout");
	r->memoff = r->memlen;
	if (r->memoff > MEM_RESET) {	/* bounded: start a new buffer */
		close_out(r);
		cols_clear(r);
		fclose(r->mem);
		free(r->membuf);
		r->mem = NULL;
		r->membuf = NULL;
		r->memlen = r->memoff = 0;
	}
}

/* CSV: reports the members of rec that have no column (0 when none). */
static int
csv_lost(struct run *r, json_t *rec, const char *name, long line)
{
	const char	*k;
	json_t		*v;
	int		 j = 0, n, lost = 0;

	json_object_foreach(rec, k, v) {
		/* Fields mostly come in column order: look on from the last. */
		for (n = 0; n < r->ncols; n++, j = (j + 1) % r->ncols)
			if (strcmp(r->cols[j], k) == 0)
				break;
		if (n < r->ncols) {
			j = (j + 1) % r->ncols;
			continue;
		}
		if (lost++ == 0)
			fprintf(stderr, "dsn-classify: %s:%ld: no CSV column "
			    "for field", name, line);
		fprintf(stderr, " \"%.64s\"", k);
	}
	if (lost > 0)
		fprintf(stderr, " (the header has the first record's "
		    "fields and dsn-parse's); written without it\n");
	return lost;
}

static void
open_out(struct run *r, json_t *first, int infmt)
{
	r->fmt = r->o->fmt >= 0 ? r->o->fmt : infmt;
	if (r->fmt != DSN_OUT_CSV)
		return;
	csv_columns(r, first, infmt);
	r->out = dsn_recout_new(stdout, r->fmt, (const char *const *)r->cols,
	    r->ncols, r->o->csv_raw ? DSN_RECOUT_CSV_RAW : 0);
	if (r->out == NULL)
		err(2, "output");
}

/* Writes rec: 1 when a field of it had no CSV column, else 0. */
static int
write_record(struct run *r, json_t *rec, const char *name, long line)
{
	int	 lost = 0;

	if (r->fmt == DSN_OUT_CSV)
		lost = csv_lost(r, rec, name, line) > 0;
	else
		json_writer(r, rec);
	if (dsn_recout_object(r->out, rec) == -1)
		err(2, r->fmt == DSN_OUT_JSON ? "output" : "stdout");
	if (r->fmt == DSN_OUT_JSON)
		json_row(r);
	return lost;
}

/* Ends the output: the CSV header or "[]" when there was no record. */
static void
finish_out(struct run *r)
{
	close_out(r);
	if (r->fmt == DSN_OUT_JSON) {
		if (fputs(r->rows > 0 ? "\n]\n" : "[]\n", stdout) == EOF)
			err(2, "stdout");
		if (r->mem != NULL)
			fclose(r->mem);
		free(r->membuf);
	} else if (r->fmt == DSN_OUT_CSV && r->ncols == 0) {
		open_out(r, NULL, DSN_OUT_CSV);
		close_out(r);
	}
	cols_clear(r);
	free(r->cols);
}

static void
classify(struct run *r, json_t *rec, const char *name, long line)
{
	struct dsn_verdict	 v;

	if (dsn_rules_classify(r->rules, rec, &v) > 0 && r->o->verbose)
		warnx("%s:%ld: a pattern hit the match limit", name, line);
	json_object_set_new(rec, "reason", json_string(v.reason));
	json_object_set_new(rec, "hard_bounce", json_boolean(v.hard));
	json_object_set_new(rec, "rule", v.rule ? json_string(v.rule) :
	    json_null());
	if (r->o->explain)
		json_object_set_new(rec, "explain", v.explain[0] ?
		    json_string(v.explain) : json_null());
}

static int
do_input(struct run *r, FILE *fp, const char *name)
{
	struct dsn_recin	*in;
	json_t			*rec;
	char			 why[256];
	int			 rc;

	if ((in = dsn_recin_new(fp)) == NULL)
		err(2, "%s", name);
	while ((rc = dsn_recin_next(in, &rec, why, sizeof(why))) != 0) {
		if (rc == -2) {
			warnx("%s: %s", name, why);
			dsn_recin_free(in);
			return -1;
		}
		if (rc == -1) {
			if (!r->o->quiet)
				warnx("%s:%ld: not a record: %s", name,
				    dsn_recin_line(in), why);
			r->bad++;
			continue;
		}
		/* The output format follows the input's unless --format. */
		if (r->fmt < 0)
			open_out(r, rec, dsn_recin_format(in));
		classify(r, rec, name, dsn_recin_line(in));
		r->bad += write_record(r, rec, name, dsn_recin_line(in));
		json_decref(rec);
		r->records++;
	}
	/*
	 * Kept for a run without records: '[]' in gives "[]" out.
	 * XXX csv: a CSV of a header only gets dsn-parse's columns, not
	 * its own (recin does not hand out its header).
	 */
	if (r->infmt < 0)
		r->infmt = dsn_recin_format(in);
	dsn_recin_free(in);
	return 0;
}

static int
run_inputs(struct run *r, int argc, char **argv)
{
	FILE	*fp;
	int	 i, status = 0;

	if (argc == 0)
		return do_input(r, stdin, "-") == -1 ? 2 : 0;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			if (do_input(r, stdin, "-") == -1)
				status = 2;
			continue;
		}
		if ((fp = fopen(argv[i], "r")) == NULL) {
			warn("%s", argv[i]);
			status = 2;
			continue;
		}
		if (do_input(r, fp, argv[i]) == -1)
			status = 2;
		fclose(fp);
	}
	return status;
}

/* Flushes and closes stdout after an informational option: 0, or 2. */
static int
close_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout) || fclose(stdout) == EOF) {
		warn("stdout");
		return 2;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'R' },
		{ "no-builtin", no_argument, NULL, 'N' },
		{ "explain", no_argument, NULL, 'e' },
		{ "format", required_argument, NULL, 'f' },
		{ "csv-raw", no_argument, NULL, 'C' },
		{ "match-limit", required_argument, NULL, 'M' },
		{ "list-reasons", no_argument, NULL, 'L' },
		{ "check-rules", no_argument, NULL, 'K' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts	 o = { 0, 1, 0, 0, -1, 0, 0 };
	struct run	 r;
	char		 errbuf[512], *end;
	unsigned long	 ul;
	int		 c, check = 0, list = 0, nrules = 0, status;

	memset(&r, 0, sizeof(r));
	r.o = &o;
	r.fmt = -1;
	r.infmt = -1;
	signal(SIGPIPE, SIG_IGN);	/* a closed pipe is a write error */
	if ((r.rules = dsn_rules_new()) == NULL)
		err(2, "rules");
	argv[0] = (char *)"dsn-classify";	/* getopt's messages name the tool */
	while ((c = getopt_long(argc, argv, "vq", longopts, NULL)) != -1) {
		switch (c) {
		case 'R':
			load_file(r.rules, optarg);
			nrules++;
			break;
		case 'N':
			o.builtin = 0;
			break;
		case 'e':
			o.explain = 1;
			break;
		case 'f':
			if ((o.fmt = dsn_outfmt_parse(optarg)) == -1)
				errx(2, "--format: want jsonl, json or csv");
			break;
		case 'C':
			o.csv_raw = 1;
			break;
		case 'M':
			/* Checked before it is narrowed to unsigned. */
			errno = 0;
			ul = strtoul(optarg, &end, 10);
			if (errno || *optarg < '0' || *optarg > '9' ||
			    *end != '\0' || ul == 0 || ul > UINT_MAX)
				errx(2, "--match-limit: want a number from 1 "
				    "to %u", UINT_MAX);
			o.limit = (unsigned)ul;
			break;
		case 'L':
			list = 1;
			break;
		case 'K':
			check = 1;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'h':
			usage(stdout);
			dsn_rules_free(r.rules);
			return close_stdout();
		case 'V':
			printf("dsn-classify %s\n", DSN_VERSION);
			dsn_rules_free(r.rules);
			return close_stdout();
		default:
			usage(stderr);
			dsn_rules_free(r.rules);
			return 2;
		}
	}
	/* After the loop: a --rules file that cannot be read fails it too. */
	if (list) {
		list_reasons();
		dsn_rules_free(r.rules);
		return close_stdout();
	}
	if (!o.builtin && nrules == 0) {
		warnx("--no-builtin needs --rules FILE: without rules every "
		    "record would be undefined");
		usage(stderr);
		dsn_rules_free(r.rules);
		return 2;
	}
	if (o.builtin && dsn_rules_load(r.rules, dsn_rules_default,
	    dsn_rules_default_len, "built-in rules", errbuf,
	    sizeof(errbuf)) == -1)
		errx(2, "%s", errbuf);
	if (o.limit > 0)
		dsn_rules_set_match_limit(r.rules, o.limit);
	dsn_rules_set_explain(r.rules, o.explain);
	if (check) {
		if (!o.quiet)
			printf("%zu rules ok\n", dsn_rules_count(r.rules));
		dsn_rules_free(r.rules);
		return close_stdout();
	}
	status = run_inputs(&r, argc - optind, argv + optind);
	if (r.fmt < 0)
		r.fmt = o.fmt >= 0 ? o.fmt : r.infmt >= 0 ? r.infmt :
		    DSN_OUT_JSONL;
	finish_out(&r);
	if (fflush(stdout) == EOF)
		err(2, "stdout");
	if (o.verbose)
		warnx("%ld records, %ld bad lines", r.records, r.bad);
	dsn_rules_free(r.rules);
	if (status == 0 && r.bad > 0)
		status = 1;
	return status;
}
