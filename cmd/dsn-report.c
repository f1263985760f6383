/*
 * dsn-report - delivery monitoring over classified records: totals,
 * failures by reason, domain, remote MTA and status, problems of our own
 * sending, periods, and --alert conditions for cron.
 *
 * main() parses options and wires the reader (recin), the summary and
 * one output format together; the summary owns everything it counts.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dsn/recin.h"
#include "summary/alert.h"
#include "summary/summary.h"

#define EXIT_DATA	1
#define EXIT_USAGE	2
#define EXIT_ALERT	3
#define MAX_WARN	10	/* bad lines reported per input without -v */

static int	 verbose;

static const struct {
	const char	*name;
	int		(*fn)(FILE *, const json_t *);
} formats[] = {
	{ "text", fmt_text },
	{ "markdown", fmt_markdown },
	{ "md", fmt_markdown },
	{ "json", fmt_json },
	{ "csv", fmt_csv },
	{ "html", fmt_html },
	{ NULL, NULL }
};

static void
usage(FILE *fp)
{
	fputs("usage: dsn-report [-qv] [-f text|markdown|json|csv|html] "
	    "[--by day|week|month]\n"
	    "                  [--since WHEN] [--until WHEN] [--now DATE] "
	    "[--top N]\n"
	    "                  [--alert EXPR]... [--quiet-ok] [FILE|-]...\n"
	    "WHEN is a date (2024-03-01, 2024-03-01T12:00:00Z) or a span "
	    "before now (30m, 12h, 7d, 2w).\n"
	    "EXPR is [reason|domain|mta|status|feedback:KEY:]METRIC OP "
	    "NUMBER[%], e.g.\n"
	    "  failed-rate>5%  hard>100  reason:authfailure>0  "
	    "domain:example.com:failed-rate>20%\n"
	    "Exit status: 0 ok, 1 some input lines were not records or "
	    "not classified,\n"
	    "2 usage or I/O error, 3 an alert fired (this wins over 2 and "
	    "1).\n", fp);
}

/* Flushes and closes stdout after --help or --version: 0, or 2. */
static int
close_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout) || fclose(stdout) == EOF) {
		warn("stdout");
		return EXIT_USAGE;
	}
	return 0;
}

/* The members a report reads; recin builds no others. */
static const char *const report_fields[] = {
	"type", "action", "reason", "date", "last_attempt", "recipient",
	"remote_mta", "status", "diagnostic", "feedback_type", "hard_bounce",
	"report_id", NULL
};

/* Reads one input into the summary; -1 on an I/O error. */
static int
read_input(struct summary *s, const char *path, int *bad)
{
	struct dsn_recin	*in;
	FILE			*fp;
	json_t			*rec;
	char			 why[256];
	int			 rc, nbad = 0, ret = 0;
	long			 unclassified = 0;	/* no reason */

	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "r")) == NULL) {
		warn("%s", path);
		return -1;
	}
	if ((in = dsn_recin_new(fp)) == NULL ||
	    dsn_recin_keep(in, report_fields) == -1)
		err(EXIT_USAGE, "%s", path);
	while ((rc = dsn_recin_next(in, &rec, why, sizeof(why))) != 0) {
		if (rc == 1) {
			if (json_is_null(json_object_get(rec, "reason")) ||
			    json_object_get(rec, "reason") == NULL)
				unclassified++;
			rc = summary_add(s, rec);
			json_decref(rec);
			if (rc == -1)
				errx(EXIT_USAGE, "%s: out of memory", path);
			continue;
		}
		if (rc == -2) {
			warnx("%s: read error: %s", path, why);
			ret = -1;
			break;
		}
		summary_bad_line(s);
		*bad = 1;
		if (verbose || ++nbad <= MAX_WARN)
			warnx("%s:%ld: not a record: %s", path,
			    dsn_recin_line(in), why);
		else if (nbad == MAX_WARN + 1)
			warnx("%s: more lines that are not records "
			    "(-v shows them)", path);
	}
	dsn_recin_free(in);
	if (unclassified > 0) {
		warnx("%s: %ld record%s carr%s no reason: pipe dsn-parse "
		    "through dsn-classify first", path, unclassified,
		    unclassified == 1 ? "" : "s", unclassified == 1 ? "ies" :
		    "y");
		*bad = 1;
	}
	if (fp != stdin && fclose(fp) == EOF) {
		warn("%s", path);
		ret = -1;
	}
	return ret;
}

static int
bound(const char *opt, const char *arg, int64_t now, int until,
    int64_t *t)
{
	if (period_parse_bound(arg, now, until, t) == -1) {
		warnx("%s: \"%s\" is neither a date nor a span like 7d",
		    opt, arg);
		return -1;
	}
	return 0;
}

/* Warns about alerts whose figures cannot be had at all. */
static void
warn_alerts(const json_t *rep)
{
	const json_t	*a;
	size_t		 i;

	json_array_foreach(json_object_get(rep, "alerts"), i, a)
		if (json_is_null(json_object_get(a, "value")))
			warnx("alert %s: %s", json_string_value(
			    json_object_get(a, "expr")), json_string_value(
			    json_object_get(a, "why")));
}

/* -v: says how many duplicate records were skipped. */
static void
warn_dups(const json_t *in)
{
	json_int_t	 n;

	n = json_integer_value(json_object_get(in, "bad_dates"));
	if (n > 0)
		warnx("%" PRId64 " record%s with a date that is not a real "
		    "date, counted as undated", (int64_t)n, n == 1 ? "" : "s");
	n = json_integer_value(json_object_get(in, "duplicates"));
	warnx("%" PRId64 " duplicate record%s skipped (same report_id and "
	    "recipient)%s", (int64_t)n, n == 1 ? "" : "s",
	    json_is_true(json_object_get(in, "duplicates_capped")) ?
	    "; past 1048576 records duplicates were no longer detected" :
	    "");
}

/*
 * An alert fired and something failed too: the status is 3 (the alert
 * wins, so a cron wrapper testing for it does not miss it), and stderr
 * says what else went wrong and, when the report was not written, what
 * fired.
 */
static void
warn_fired_too(const json_t *rep, int fired, int outerr)
{
	const json_t	*a;
	size_t		 i;

	warnx("alert: %d fired, but %s; exit status 3 (alert), not 2", fired,
	    outerr ? "the report could not be written" : "an input could "
	    "not be read: the figures are incomplete");
	if (!outerr)
		return;
	json_array_foreach(json_object_get(rep, "alerts"), i, a)
		if (json_is_true(json_object_get(a, "fired")))
			warnx("alert %s: %s", json_string_value(
			    json_object_get(a, "expr")), json_string_value(
			    json_object_get(a, "why")));
}

/* What the command line asks for, beyond struct summary_opts. */
struct cli {
	struct summary_opts	 o;
	int			(*fmt)(FILE *, const json_t *);
	struct alert		*alerts;
	int			 by, nalerts, quiet_ok;
};

/*
 * Parses the options into c; returns -1 to go on with the operands
 * from optind, or the status to exit with (--help, --version, usage).
 */
static int
parse_opts(struct cli *c, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "by", required_argument, NULL, 'b' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "now", required_argument, NULL, 'N' },
		{ "top", required_argument, NULL, 't' },
		{ "alert", required_argument, NULL, 'a' },
		{ "quiet-ok", no_argument, NULL, 'Q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct alert		*a, **tail = &c->alerts;
	const char		*since = NULL, *until = NULL;
	int64_t			 now = (int64_t)time(NULL);
	char			 why[256], *end;
	int			 ch, i;
	long			 top;

	argv[0] = (char *)"dsn-report";	/* getopt's messages name the tool */
	while ((ch = getopt_long(argc, argv, "f:qvhV", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'f':
			for (i = 0; formats[i].name != NULL; i++)
				if (strcmp(formats[i].name, optarg) == 0)
					break;
			if (formats[i].name == NULL) {
				warnx("--format: unknown format \"%s\"",
				    optarg);
				return EXIT_USAGE;
			}
			c->fmt = formats[i].fn;
			break;
		case 'b':
			if ((c->by = period_by_parse(optarg)) == -1) {
				warnx("--by: day, week or month, not \"%s\"",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 's':
			since = optarg;
			break;
		case 'u':
			until = optarg;
			break;
		case 'N':
			if (period_parse_time(optarg, &now, NULL) == -1) {
				warnx("--now: \"%s\" is not a date", optarg);
				return EXIT_USAGE;
			}
			break;
		case 't':
			errno = 0;
			top = strtol(optarg, &end, 10);
			if (*end != '\0' || errno != 0 || top < 1 ||
			    top > 100000) {
				warnx("--top: \"%s\" is not a number from 1",
				    optarg);
				return EXIT_USAGE;
			}
			c->o.top = (int)top;
			break;
		case 'a':
			if ((a = alert_parse(optarg, why, sizeof(why))) ==
			    NULL) {
				warnx("--alert %s: %s", optarg, why);
				return EXIT_USAGE;
			}
			*tail = a;
			tail = alert_nextp(a);
			c->nalerts++;
			break;
		case 'Q':
			c->quiet_ok = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'q':
			verbose = 0;
			break;
		case 'h':
			usage(stdout);
			return close_stdout();
		case 'V':
			printf("dsn-report %s\n", DSN_VERSION);
			return close_stdout();
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if ((since != NULL && bound("--since", since, now, 0, &c->o.since)) ||
	    (until != NULL && bound("--until", until, now, 1, &c->o.until)))
		return EXIT_USAGE;
	c->o.has_since = since != NULL;
	c->o.has_until = until != NULL;
	if (c->o.has_since && c->o.has_until && c->o.since > c->o.until) {
		warnx("--since: %s comes after --until %s", since, until);
		return EXIT_USAGE;
	}
	if (c->quiet_ok && c->nalerts == 0) {
		warnx("--quiet-ok: needs an --alert (it silences the report "
		    "when no alert fires)");
		usage(stderr);
		return EXIT_USAGE;
	}
	return -1;
}

int
main(int argc, char *argv[])
{
	struct cli		 c = { .o = { .top = 10 }, .fmt = fmt_text,
				    .by = PERIOD_NONE };
	struct summary		*s;
	struct alert		*a;
	json_t			*rep;
	int			 i, fired, status;
	int			 bad = 0, ioerr = 0, outerr = 0;

	if ((status = parse_opts(&c, argc, argv)) != -1)
		return status;
	argc -= optind;
	argv += optind;
	signal(SIGPIPE, SIG_IGN);	/* a closed pipe is a write error */
	/* HTML always charts outcomes over time: by day unless told. */
	if (c.by == PERIOD_NONE && c.fmt == fmt_html)
		c.by = PERIOD_DAY;
	c.o.by = (enum period_by)c.by;
	if ((s = summary_new(&c.o)) == NULL)
		err(EXIT_USAGE, "summary");
	for (a = c.alerts; a != NULL; a = c.alerts) {
		c.alerts = *alert_nextp(a);
		*alert_nextp(a) = NULL;
		summary_add_alert(s, a);
	}
	for (i = 0; i < argc || (i == 0 && argc == 0); i++)
		if (read_input(s, argc ? argv[i] : "-", &bad) == -1) {
			summary_unreadable(s);
			ioerr = 1;
		}
	if ((rep = summary_report(s, &fired)) == NULL)
		errx(EXIT_USAGE, "report: out of memory");
	warn_alerts(rep);
	if (verbose)
		warn_dups(json_object_get(rep, "input"));
	if (!(c.quiet_ok && fired == 0) && c.fmt(stdout, rep) == -1)
		outerr = 1;
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warn("stdout");
		outerr = 1;
	} else if (outerr)
		warnx("stdout: the report could not be written");
	if (fired > 0 && (ioerr || outerr))
		warn_fired_too(rep, fired, outerr);
	json_decref(rep);
	summary_free(s);
	/* The alert first, then I/O errors, then bad data. */
	if (fired > 0)
		return EXIT_ALERT;
	if (ioerr || outerr)
		return EXIT_USAGE;
	return bad ? EXIT_DATA : 0;
}
