/*
 * dsn-parse - reads mailboxes, folders, messages or stdin and writes one
 * record per recipient of every delivery report found (JSON Lines by
 * default, a JSON array or CSV).
 *
 * Wiring only: sources (src/input) -> dsn_report_scan (src/report) ->
 * the writer (src/output).  Exit 0 all read, 1 some input or message
 * could not be read, 2 usage or output error.  Incremental runs: Maildir
 * messages are marked seen only after their records were flushed, and
 * the mbox state file is saved only once the whole output was written.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsn/limits.h"
#include "dsn/record.h"
#include "dsn/recout.h"
#include "dsn/report.h"
#include "dsn/source.h"

struct opts {
	int			 fmt;
	int			 flags;		/* DSN_SOURCE_* */
	int			 csv_raw;
	int			 verbose;
	int			 quiet;
	int			 mark_seen;
	const char		*state;		/* --state FILE */
	const char		*cols[DSN_F_COUNT];
	int			 ncols;
	struct dsn_limits	 lim;
	size_t			 max_line;	/* --max-line, checked here */
};

struct counts {
	long	messages, reports, others, records, bad, seen;
};

#define SEEN_BATCH	256	/* files marked seen per flush */

/* --mark-seen: files read whole, waiting for their output to be flushed. */
struct seen {
	char	*v[SEEN_BATCH];
	size_t	 n;
};

struct run {
	struct opts		*o;
	struct dsn_recout	*out;
	struct dsn_reclist	 list;
	struct counts		 all;
	struct seen		 seen;
	struct dsn_mbox_state	*state;
	int			 status;	/* exit status so far */
};

enum {
	O_FORMAT = 256, O_FIELDS, O_CSV_RAW, O_HELP, O_VERSION,
	O_MAX_MESSAGE, O_MAX_HEADER, O_MAX_HEADERS, O_MAX_LINE, O_MAX_DEPTH,
	O_MAX_PARTS, O_MAX_RCPTS, O_MAX_DECOMP, O_NEW_ONLY, O_MARK_SEEN,
	O_STATE
};

static const struct option longopts[] = {
	{ "format",		required_argument, NULL, O_FORMAT },
	{ "fields",		required_argument, NULL, O_FIELDS },
	{ "csv-raw",		no_argument,	   NULL, O_CSV_RAW },
	{ "recursive",		no_argument,	   NULL, 'r' },
	{ "new-only",		no_argument,	   NULL, O_NEW_ONLY },
	{ "mark-seen",		no_argument,	   NULL, O_MARK_SEEN },
	{ "state",		required_argument, NULL, O_STATE },
	{ "verbose",		no_argument,	   NULL, 'v' },
	{ "quiet",		no_argument,	   NULL, 'q' },
	{ "help",		no_argument,	   NULL, O_HELP },
	{ "version",		no_argument,	   NULL, O_VERSION },
	{ "max-message-size",	required_argument, NULL, O_MAX_MESSAGE },
	{ "max-header-size",	required_argument, NULL, O_MAX_HEADER },
	{ "max-headers",	required_argument, NULL, O_MAX_HEADERS },
	{ "max-line",		required_argument, NULL, O_MAX_LINE },
	{ "max-depth",		required_argument, NULL, O_MAX_DEPTH },
	{ "max-parts",		required_argument, NULL, O_MAX_PARTS },
	{ "max-recipients",	required_argument, NULL, O_MAX_RCPTS },
	{ "max-decompressed",	required_argument, NULL, O_MAX_DECOMP },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: dsn-parse [-rqv] [--format jsonl|json|csv] "
	    "[--fields LIST] [--csv-raw]\n"
	    "                 [--new-only] [--mark-seen] [--state FILE]\n"
	    "                 [--max-message-size N] [--max-header-size N] "
	    "[--max-headers N]\n"
	    "                 [--max-line N] [--max-depth N] [--max-parts N]\n"
	    "                 [--max-recipients N] [--max-decompressed N] "
	    "[FILE|DIR|-]...\n"
	    "       dsn-parse --help | --version\n"
	    "Writes one record per recipient of each delivery report found "
	    "in mbox files,\nMaildir, MH or plain folders, single messages "
	    "or stdin (gzip allowed).\nSizes take a K, M or G suffix.  "
	    "See dsn-parse(1).\n");
}

/*
 * A size or count with an optional K/M/G suffix; exits 2 when bad.  The
 * suffix is checked against max before it multiplies, so a huge number
 * cannot wrap round to a small one.
 */
static size_t
number(const char *opt, const char *s, size_t max)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end == 'K' || *end == 'k')
		shift = 10, end++;
	else if (*end == 'M' || *end == 'm')
		shift = 20, end++;
	else if (*end == 'G' || *end == 'g')
		shift = 30, end++;
	if (errno != 0 || *s < '0' || *s > '9' || *end != '\0' || v == 0 ||
	    v > (unsigned long long)max >> shift)
		errx(2, "--%s: bad value '%s' (from 1 to %zu)", opt, s, max);
	return (size_t)(v << shift);
}

static void
set_fields(struct opts *o, const char *list)
{
	char *copy, *name, *save, seen[DSN_F_COUNT];
	size_t n = strlen(list);
	int f;

	/* strtok_r would pass over an empty name ("a,,b", "a,"). */
	if (n == 0 || list[0] == ',' || list[n - 1] == ',' ||
	    strstr(list, ",,") != NULL)
		errx(2, "--fields: an empty field name in '%s'", list);
	if ((copy = strdup(list)) == NULL)
		err(2, "--fields");
	o->ncols = 0;
	memset(seen, 0, sizeof(seen));
	for (name = strtok_r(copy, ",", &save); name != NULL;
	    name = strtok_r(NULL, ",", &save)) {
		if ((f = dsn_field_lookup(name)) < 0)
			errx(2, "--fields: unknown field '%s' "
			    "(see dsn-parse(1))", name);
		if (seen[f]++)
			errx(2, "--fields: '%s' named twice", name);
		o->cols[o->ncols++] = dsn_field_name(f);
	}
	free(copy);
	if (o->ncols == 0)
		errx(2, "--fields: no field named");
}

static void
set_limit(struct dsn_limits *l, int c, const char *name, const char *arg)
{
	switch (c) {
	case O_MAX_MESSAGE:
		l->message_bytes = number(name, arg, (size_t)1 << 40);
		break;
	case O_MAX_HEADER:
		l->header_bytes = number(name, arg, (size_t)1 << 40);
		break;
	case O_MAX_HEADERS:
		l->header_count = number(name, arg, (size_t)1 << 30);
		break;
	case O_MAX_LINE:
		l->line_bytes = number(name, arg, (size_t)1 << 40);
		break;
	case O_MAX_DEPTH:
		l->mime_depth = (int)number(name, arg, 10000);
		break;
	case O_MAX_PARTS:
		l->mime_parts = (int)number(name, arg, INT_MAX);
		break;
	case O_MAX_RCPTS:
		l->recipients = (int)number(name, arg, INT_MAX);
		break;
	case O_MAX_DECOMP:
		l->decompressed_bytes = number(name, arg, (size_t)-1);
		break;
	}
}

/* Parses the options; returns optind.  Exits on usage errors. */
static int
parse_opts(int argc, char **argv, struct opts *o)
{
	int c, i;

	memset(o, 0, sizeof(*o));
	dsn_limits_default(&o->lim);
	for (i = 0; i < DSN_F_COUNT; i++)
		o->cols[i] = dsn_field_name(i);
	o->ncols = DSN_F_COUNT;
	/* getopt names argv[0] in its messages: the tool's name instead. */
	argv[0] = (char *)"dsn-parse";
	while ((c = getopt_long(argc, argv, "rvq", longopts, &i)) != -1) {
		switch (c) {
		case 'r':
			o->flags |= DSN_SOURCE_RECURSE;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case O_FORMAT:
			if ((o->fmt = dsn_outfmt_parse(optarg)) < 0)
				errx(2, "--format: jsonl, json or csv, "
				    "not '%s'", optarg);
			break;
		case O_FIELDS:
			set_fields(o, optarg);
			break;
		case O_CSV_RAW:
			o->csv_raw = 1;
			break;
		case O_NEW_ONLY:
			o->flags |= DSN_SOURCE_NEW_ONLY;
			break;
		case O_MARK_SEEN:
			o->mark_seen = 1;
			o->flags |= DSN_SOURCE_NEW_ONLY;
			break;
		case O_STATE:
			if (*optarg == '\0')
				errx(2, "--state: empty file name");
			o->state = optarg;
			break;
		case O_HELP:
			usage(stdout);
			if (fflush(stdout) == EOF)
				err(2, "stdout");
			exit(0);
		case O_VERSION:
			printf("dsn-parse %s\n", DSN_VERSION);
			if (fflush(stdout) == EOF)
				err(2, "stdout");
			exit(0);
		case '?':
			usage(stderr);
			exit(2);
		default:
			set_limit(&o->lim, c, longopts[i].name, optarg);
		}
	}
	/*
	 * Values are checked against --max-line here, where a cut can be
	 * reported; the scanner's own cut is set past it, so it never cuts
	 * a value silently.  XXX max-line: the scanner (src/report/common.c
	 * cut_long) should say which values it cut instead; this +4 relies
	 * on line_bytes being used only there.
	 */
	o->max_line = o->lim.line_bytes;
	o->lim.line_bytes = o->max_line + 4;
	return optind;
}

/* A data problem: reported unless -q, remembered for the exit status. */
static void
problem(struct run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
problem(struct run *r, const char *fmt, ...)
{
	va_list ap;

	r->all.bad++;
	if (r->status == 0)
		r->status = 1;
	if (r->o->quiet)
		return;
	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
}

/* Fields holding an address: never cut, a cut one would be wrong. */
static int
is_address(int f)
{
	return f == DSN_F_RECIPIENT || f == DSN_F_ORIGINAL_RECIPIENT ||
	    f == DSN_F_SENDER || f == DSN_F_BOUNCE_TO;
}

/*
 * The names of the fields hit, addresses or not (the recipient aside:
 * its record is dropped), comma-separated.
 */
static void
list_fields(char *buf, size_t len, const int *hit, int addresses)
{
	size_t n = 0;
	int f;

	buf[0] = '\0';
	for (f = 0; f < DSN_F_COUNT; f++)
		if (hit[f] && is_address(f) == addresses && n < len &&
		    f != DSN_F_RECIPIENT)
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
			    n > 0 ? ", " : "", dsn_field_name(f));
}

/*
 * --max-line: a value longer than the limit is cut at a UTF-8 boundary,
 * an address is dropped (set null) rather than cut, and a record whose
 * recipient is too long is dropped whole; each message with any of this
 * is reported once, naming the fields.
 */
static void
long_values(struct run *r, const struct dsn_input_msg *m)
{
	char cut[512], out[128], drop[64];
	size_t i, n, max = r->o->max_line, dropped = 0;
	int f, hit[DSN_F_COUNT] = { 0 }, any = 0;

	for (i = 0; i < r->list.n; i++) {
		struct dsn_record *rec = r->list.v[i];

		if (dsn_record_maxlen(rec) <= max)
			continue;	/* none can be too long: not measured */
		for (f = 0; f < DSN_F_COUNT; f++) {
			if ((n = dsn_record_len(rec, f)) <= max)
				continue;
			hit[f] = any = 1;
			if (is_address(f)) {
				(void)dsn_record_set(rec, f, NULL, 0);
				continue;
			}
			n = max;
			while (n > 0 &&
			    ((unsigned char)rec->v[f][n] & 0xc0) == 0x80)
				n--;
			dsn_record_truncate(rec, f, n);
		}
		if (hit[DSN_F_RECIPIENT] && rec->v[DSN_F_RECIPIENT] == NULL) {
			dsn_record_free(rec);
			r->list.v[i] = NULL;
			dropped++;
		}
	}
	if (!any)
		return;
	list_fields(cut, sizeof(cut), hit, 0);
	list_fields(out, sizeof(out), hit, 1);
	snprintf(drop, sizeof(drop), "%zu records dropped (recipient too "
	    "long)", dropped);
	problem(r, "%s: message %ld: longer than %zu bytes: %s%s%s%s%s%s%s "
	    "(see --max-line)", m->path, m->index, max,
	    cut, cut[0] ? " cut" : "", cut[0] && out[0] ? "; " : "",
	    out, out[0] ? " left out" : "",
	    dropped == 0 ? "" : (cut[0] || out[0]) ? "; " : "",
	    dropped > 0 ? drop : "");
}

/*
 * v in decimal, written backwards to end at end (24 bytes before it
 * are room enough), two digits a division; returns where it starts.
 */
static char *
decimal(long long v, char *end)
{
	static const char pairs[] =
	    "0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849"
	    "5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";
	char *p = end;
	unsigned long long u = v < 0 ? 0 - (unsigned long long)v :
	    (unsigned long long)v;

	for (; u >= 100; u /= 100) {
		p -= 2;
		memcpy(p, pairs + u % 100 * 2, 2);
	}
	if (u >= 10) {
		p -= 2;
		memcpy(p, pairs + u * 2, 2);
	} else
		*--p = (char)('0' + u);
	if (v < 0)
		*--p = '-';
	return p;
}

static void
write_records(struct run *r, const struct dsn_input_msg *m)
{
	char ibuf[24], offbuf[24], *index, *offset;
	size_t i, plen, ilen, olen;

	long_values(r, m);
	/* The same for every record of the message: formatted once. */
	index = decimal(m->index, ibuf + sizeof(ibuf));
	ilen = (size_t)(ibuf + sizeof(ibuf) - index);
	offset = decimal(m->offset, offbuf + sizeof(offbuf));
	olen = (size_t)(offbuf + sizeof(offbuf) - offset);
	plen = strlen(m->path);
	for (i = 0; i < r->list.n; i++) {
		struct dsn_record *rec = r->list.v[i];

		if (rec == NULL)
			continue;	/* dropped at a limit */
		if (dsn_record_set(rec, DSN_F_SOURCE, m->path, plen) == -1 ||
		    dsn_record_set(rec, DSN_F_MESSAGE, index, ilen) == -1)
			err(2, "%s", m->path);
		if (dsn_record_set(rec, DSN_F_OFFSET, offset, olen) == -1)
			err(2, "%s", m->path);
		if (dsn_recout_record(r->out, rec) == -1)
			err(2, "stdout");
		r->all.records++;
	}
}

static void
scan_message(struct run *r, const struct dsn_input_msg *m)
{
	char why[256];
	int n;

	r->all.messages++;
	if (m->truncated)
		problem(r, "%s: message %ld: larger than %zu bytes, only the "
		    "start was read (see --max-message-size)", m->path,
		    m->index, r->o->lim.message_bytes);
	why[0] = '\0';
	n = dsn_report_scan(m->buf, m->len, &r->o->lim, &r->list, why,
	    sizeof(why));
	if (n < 0)
		problem(r, "%s: message %ld: %s", m->path, m->index, why);
	else if (n == 0)
		r->all.others++;
	else {
		r->all.reports++;
		write_records(r, m);
	}
	if (n >= 0 && why[0] != '\0')	/* a limit cut it */
		problem(r, "%s: message %ld: %s", m->path, m->index, why);
	dsn_reclist_clear(&r->list);
}

static void
explain(const char *what, const struct counts *c, int mark_seen)
{
	warnx("%s: %ld messages, %ld reports, %ld not reports, %ld records, "
	    "%ld problems", what, c->messages, c->reports, c->others,
	    c->records, c->bad);
	if (mark_seen)
		warnx("%s: %ld files marked seen", what, c->seen);
}

/*
 * Flushes the records written so far, then marks the waiting files
 * seen: a crash can only leave a message unmarked whose records were
 * written, never one marked whose records were lost.
 */
static void
flush_seen(struct run *r)
{
	char why[512];
	size_t i;

	if (r->seen.n == 0)
		return;
	if (fflush(stdout) == EOF)
		err(2, "stdout");
	for (i = 0; i < r->seen.n; i++) {
		int rc;

		why[0] = '\0';
		if ((rc = dsn_maildir_mark_seen(r->seen.v[i], why,
		    sizeof(why))) == -1)
			problem(r, "%s", why);
		else if (rc == 1)
			r->all.seen++;
		free(r->seen.v[i]);
	}
	r->seen.n = 0;
}

/*
 * A file the source read as far as it ever will (dsn_source_on_done()):
 * waits to be marked seen once its records are flushed.  A file that is
 * not mail, or whose gzip data is cut, is reported and marked too: it
 * will never read better, and left in new/ it would fail every run.
 */
static void
file_done(const char *path, void *arg)
{
	struct run *r = arg;
	struct seen *sn = &r->seen;

	if ((sn->v[sn->n] = strdup(path)) == NULL)
		err(2, "%s", path);
	if (++sn->n == SEEN_BATCH)
		flush_seen(r);
}

static int
is_file(const char *path)
{
	struct stat st;

	return strcmp(path, "-") != 0 && stat(path, &st) == 0 &&
	    S_ISREG(st.st_mode);
}

/* --state: where to start the file path; 0 for a new or changed one. */
static long long
state_start(struct run *r, const char *path, long *before)
{
	char why[512];
	long long from;

	from = dsn_mbox_state_start(r->state, path, before, why, sizeof(why));
	if (r->o->verbose) {
		if (why[0] != '\0')
			warnx("%s: %s: reading from the start", path, why);
		else if (from > 0)
			warnx("%s: going on at offset %lld (--state)", path,
			    from);
	}
	return from;
}

/* --state: remembers how far path was read, when it was read whole. */
static void
state_end(struct run *r, struct dsn_source *src, const char *path)
{
	char why[512];
	long long end;
	long before;

	if ((end = dsn_source_resume(src, &before)) < 0) {
		if (r->o->verbose)
			warnx("%s: not an uncompressed mbox read to its "
			    "end: no state kept, read whole next time", path);
		return;
	}
	if (dsn_mbox_state_set(r->state, path, end, before, why,
	    sizeof(why)) == -1)
		problem(r, "%s", why);
}

static void
parse_path(struct run *r, const char *path)
{
	struct dsn_source *src;
	struct dsn_input_msg m;
	struct counts before = r->all, c;
	char why[512];
	long long from = 0;
	long skip = 0;
	int rc, stated;

	stated = r->state != NULL && is_file(path);
	if (r->state != NULL && !stated && r->o->verbose)
		warnx("%s: not a file, --state does not apply (--mark-seen "
		    "serves Maildir)", path);
	if (stated)
		from = state_start(r, path, &skip);
	if ((src = dsn_source_open_at(path, r->o->flags, from, skip,
	    &r->o->lim, why, sizeof(why))) == NULL) {
		problem(r, "%s", why);
		return;
	}
	if (r->o->mark_seen)
		dsn_source_on_done(src, file_done, r);
	do {
		rc = dsn_source_next(src, &m, why, sizeof(why));
		if (rc < 0)
			problem(r, "%s", why);
		else if (rc > 0)
			scan_message(r, &m);
	} while (rc != 0);
	flush_seen(r);
	if (stated)
		state_end(r, src, path);
	dsn_source_close(src);
	if (r->o->verbose) {
		c = r->all;
		c.messages -= before.messages;
		c.reports -= before.reports;
		c.others -= before.others;
		c.records -= before.records;
		c.bad -= before.bad;
		c.seen -= before.seen;
		explain(path, &c, r->o->mark_seen);
	}
}

int
main(int argc, char **argv)
{
	static char obuf[1 << 16];
	struct opts o;
	struct run r;
	char why[512];
	int i, first;

	first = parse_opts(argc, argv, &o);
	signal(SIGPIPE, SIG_IGN);	/* a closed pipe is a write error */
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	memset(&r, 0, sizeof(r));
	r.o = &o;
	r.out = dsn_recout_new(stdout, o.fmt, o.cols, o.ncols,
	    o.csv_raw ? DSN_RECOUT_CSV_RAW : 0);
	if (r.out == NULL)
		err(2, "stdout");
	if (o.state != NULL && (r.state = dsn_mbox_state_load(o.state, why,
	    sizeof(why))) == NULL)
		errx(2, "--state: %s", why);
	if (first == argc)
		parse_path(&r, "-");
	for (i = first; i < argc; i++)
		parse_path(&r, argv[i]);
	if (o.verbose && argc - first > 1)
		explain("total", &r.all, o.mark_seen);
	dsn_reclist_clear(&r.list);
	free(r.list.v);
	if (dsn_recout_close(r.out) == -1 || fclose(stdout) == EOF)
		err(2, "stdout");
	/* Only now: a failed or killed run reads the same bytes again. */
	if (r.state != NULL && dsn_mbox_state_save(r.state, o.state, why,
	    sizeof(why)) == -1)
		errx(2, "--state: %s", why);
	dsn_mbox_state_free(r.state);
	return r.status;
}
