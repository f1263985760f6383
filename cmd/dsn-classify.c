/*
 * dsn-classify - adds reason, hard_bounce and rule to dsn-parse records.
 *
 * Reads JSON Lines or CSV records (recin), classifies each with the
 * rule set (user rules first, then the built-in defaults) and writes
 * them back with every input field kept, in order (recout).
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
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
#define MAX_COLS	256

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
	const char		*cols[MAX_COLS];
	int			 ncols;
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

/*
 * Columns: the first record's fields in order, then ours.
 * XXX columns: fixed by the first record (the CSV header needs them up
 * front); a later record with fields the first one lacks loses them.
 */
static void
columns(struct run *r, json_t *first)
{
	const char	*k;
	json_t		*v;
	size_t		 i, nadd;
	int		 f;

	r->ncols = 0;
	if (first != NULL) {
		json_object_foreach(first, k, v) {
			if (r->ncols < MAX_COLS - 4)
				r->cols[r->ncols++] = k;
		}
	} else {
		for (f = 0; f < DSN_F_COUNT; f++)
			r->cols[r->ncols++] = dsn_field_name(f);
	}
	nadd = r->o->explain ? 4 : 3;
	for (i = 0; i < nadd; i++) {
		if (first == NULL || json_object_get(first, added[i]) == NULL)
			r->cols[r->ncols++] = added[i];
	}
}

static void
open_out(struct run *r, json_t *first, int infmt)
{
	int	 fmt = r->o->fmt >= 0 ? r->o->fmt : infmt;

	columns(r, first);
	r->out = dsn_recout_new(stdout, fmt, r->cols, r->ncols,
	    r->o->csv_raw ? DSN_RECOUT_CSV_RAW : 0);
	if (r->out == NULL)
		err(2, "output");
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
			warnx("%s: read error", name);
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
		if (r->out == NULL)
			open_out(r, rec, dsn_recin_format(in));
		classify(r, rec, name, dsn_recin_line(in));
		if (dsn_recout_object(r->out, rec) == -1)
			err(2, "stdout");
		json_decref(rec);
		r->records++;
	}
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
	int		 c, check = 0, status;

	memset(&r, 0, sizeof(r));
	r.o = &o;
	signal(SIGPIPE, SIG_IGN);	/* a closed pipe is a write error */
	if ((r.rules = dsn_rules_new()) == NULL)
		err(2, "rules");
	argv[0] = (char *)"dsn-classify";	/* getopt's messages name the tool */
	while ((c = getopt_long(argc, argv, "vq", longopts, NULL)) != -1) {
		switch (c) {
		case 'R':
			load_file(r.rules, optarg);
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
			errno = 0;
			o.limit = strtoul(optarg, &end, 10);
			if (errno || *end != '\0' || o.limit == 0)
				errx(2, "--match-limit: want a positive "
				    "number");
			break;
		case 'L':
			list_reasons();
			dsn_rules_free(r.rules);
			return close_stdout();
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
	if (r.out == NULL)
		open_out(&r, NULL, o.fmt >= 0 ? o.fmt : DSN_OUT_JSONL);
	if (dsn_recout_close(r.out) == -1 || fflush(stdout) == EOF)
		err(2, "stdout");
	if (o.verbose)
		warnx("%ld records, %ld bad lines", r.records, r.bad);
	dsn_rules_free(r.rules);
	if (status == 0 && r.bad > 0)
		status = 1;
	return status;
}
