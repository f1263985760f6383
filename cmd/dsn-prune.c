/*
 * dsn-prune - decide which addresses leave a mailing list, from classified
 * bounce records and the history in an SQLite ledger, and remove them.
 *
 * Wiring only: records come from recin, the ledger, policy and list files
 * from src/ledger.  Everything allocated here is freed before exit.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "classify/classify.h"
#include "dsn/recin.h"
#include "dsn/recout.h"
#include "ledger/addr.h"
#include "ledger/ledger.h"
#include "ledger/list.h"
#include "ledger/policy.h"

#define PROG		"dsn-prune"
#define MAX_ERRS	10		/* input errors shown one by one */
#define MAX_SETS	32

enum {
	EX_OK = 0,
	EX_INPUT = 1,		/* input unreadable, truncated or not records */
	EX_USAGE = 2,		/* usage, or a system/I/O error */
	EX_UNCLASSIFIED = 3,	/* records lack dsn-classify's fields */
	EX_GUARD = 4		/* removals past --max-remove */
};

enum outfmt { OUT_TEXT, OUT_JSONL, OUT_CSV };

struct opts {
	const char	*ledger, *list, *keep, *column, *config;
	char		*conf_ledger;	/* ledger from the config file */
	enum list_fmt	 list_fmt;
	enum outfmt	 format;
	int		 in_place, dry_run, restore, force, verbose, quiet;
	time_t		 now;
	int		 nset;
	const char	*set_key[MAX_SETS], *set_val[MAX_SETS];
	struct policy	 pol;
};

/* One address the policy removes. */
struct cand {
	char		*addr;
	struct verdict	 v;
	int		 hit;		/* found on the list */
};

struct run {
	struct opts	*o;
	struct ledger	*led;
	struct list	*list, *keep;
	char		**members;	/* the list's addresses, sorted */
	size_t		 nmembers;
	struct cand	*cand;
	size_t		 ncand, capcand;
	long		 records, added, dups, undated, skipped;
	long		 expired;	/* dated before now - --expire */
	long		 bad, unclassified;	/* input errors */
	long		 kinds[PK_COUNT];
	char		 sender[POLICY_MAX_REASONS][24];
	long		 nsender[POLICY_MAX_REASONS];
	int		 nsenders;
};

/* After --help or --version: a full or closed stdout is an error. */
static _Noreturn void
exit_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		fprintf(stderr, PROG ": stdout: %s\n",
		    strerror(errno ? errno : EIO));
		exit(EX_USAGE);
	}
	exit(EX_OK);
}

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: dsn-prune --ledger DB [--list FILE [--in-place]] [options] [FILE...]\n"
"       dsn-prune --restore [--force] --list FILE [--ledger DB]\n"
"Reads records from dsn-classify (FILEs or stdin), stores them in the\n"
"ledger and writes the addresses to remove.\n"
"  -l, --ledger DB          SQLite bounce ledger (created if missing)\n"
"  -L, --list FILE          the list to prune (text, Name <addr>, CSV)\n"
"      --list-format F      auto, text or csv\n"
"      --column NAME        CSV address column (default: the first of\n"
"                           email, e-mail, email_address, email address,\n"
"                           mail, address)\n"
"  -i, --in-place           rewrite the list atomically, keep FILE.bak\n"
"  -n, --dry-run            show what would happen, change nothing\n"
"  -k, --keep FILE          addresses never to remove\n"
"      --max-remove N|N%%    refuse to remove more (default 5%%)\n"
"      --soft-bounces N     soft bounces on distinct days (default 5)\n"
"      --soft-window DAYS   ... within this many days (default 21)\n"
"      --expire DAYS        events older than this expire (default 90)\n"
"      --sender-reasons L   reasons that are our sending's problem\n"
"      --complaint-types L  ARF feedback types that remove\n"
"      --case-sensitive-local  compare local parts by case\n"
"      --verp-delimiter C   VERP delimiter in bounce_to (default +)\n"
"      --busy-timeout SEC   wait for a busy ledger (default 600)\n"
"  -c, --config FILE        settings file (key = value)\n"
"      --now TIME           the time to judge at (RFC 3339; tests)\n"
"      --restore            put the list's backup back\n"
"      --force              ... even when that removes addresses\n"
"  -f, --format F           text, jsonl or csv (default text)\n"
"  -v, --verbose            explain;  -q, --quiet  no summary\n"
"  -h, --help               this help;  -V, --version\n");
}

static void
add_set(struct opts *o, const char *key, const char *val)
{
	if (o->nset >= MAX_SETS) {
		fprintf(stderr, PROG ": --%s: too many settings (at most %d)\n",
		    key, MAX_SETS);
		exit(EX_USAGE);
	}
	o->set_key[o->nset] = key;
	o->set_val[o->nset++] = val;
}

static int
parse_opts(struct opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "ledger", required_argument, NULL, 'l' },
		{ "list", required_argument, NULL, 'L' },
		{ "list-format", required_argument, NULL, 'F' },
		{ "column", required_argument, NULL, 'C' },
		{ "in-place", no_argument, NULL, 'i' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "keep", required_argument, NULL, 'k' },
		{ "config", required_argument, NULL, 'c' },
		{ "now", required_argument, NULL, 'N' },
		{ "restore", no_argument, NULL, 'R' },
		{ "force", no_argument, NULL, 3 },
		{ "format", required_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "max-remove", required_argument, NULL, 1 },
		{ "soft-bounces", required_argument, NULL, 1 },
		{ "soft-window", required_argument, NULL, 1 },
		{ "expire", required_argument, NULL, 1 },
		{ "sender-reasons", required_argument, NULL, 1 },
		{ "complaint-types", required_argument, NULL, 1 },
		{ "verp-delimiter", required_argument, NULL, 1 },
		{ "busy-timeout", required_argument, NULL, 1 },
		{ "case-sensitive-local", no_argument, NULL, 2 },
		{ NULL, 0, NULL, 0 }
	};
	const char	*now = getenv("DSN_PRUNE_NOW"), *nowsrc;
	int		 c, li = -1;

	nowsrc = now != NULL ? "DSN_PRUNE_NOW" : "--now";
	o->config = getenv("DSN_PRUNE_CONFIG");
	argv[0] = (char *)"dsn-prune";	/* getopt's messages name the tool */
	while ((c = getopt_long(argc, argv, "l:L:ink:c:f:vqhV", lo, &li)) !=
	    -1) {
		switch (c) {
		case 'l': o->ledger = optarg; break;
		case 'L': o->list = optarg; break;
		case 'C': o->column = optarg; break;
		case 'i': o->in_place = 1; break;
		case 'n': o->dry_run = 1; break;
		case 'k': o->keep = optarg; break;
		case 'c': o->config = optarg; break;
		case 'N': now = optarg; nowsrc = "--now"; break;
		case 'R': o->restore = 1; break;
		case 3: o->force = 1; break;
		case 'v': o->verbose++; break;
		case 'q': o->quiet = 1; break;
		case 1: add_set(o, lo[li].name, optarg); break;
		case 2: add_set(o, lo[li].name, "yes"); break;
		case 'F':
			if (!strcmp(optarg, "text"))
				o->list_fmt = LIST_TEXT;
			else if (!strcmp(optarg, "csv"))
				o->list_fmt = LIST_CSV;
			else if (strcmp(optarg, "auto") != 0)
				goto bad;
			break;
		case 'f':
			if (!strcmp(optarg, "text"))
				o->format = OUT_TEXT;
			else if (!strcmp(optarg, "jsonl"))
				o->format = OUT_JSONL;
			else if (!strcmp(optarg, "csv"))
				o->format = OUT_CSV;
			else
				goto bad;
			break;
		case 'h':
			usage(stdout);
			exit_stdout();
		case 'V':
			printf(PROG " " DSN_VERSION "\n");
			exit_stdout();
		default:
			usage(stderr);
			return -1;
		}
		li = -1;
	}
	if (now != NULL && policy_parse_time(now, &o->now) < 0) {
		fprintf(stderr, PROG ": %s: not an RFC 3339 time: \"%.60s\"\n",
		    nowsrc, now);
		return -1;
	}
	if (now == NULL)
		o->now = time(NULL);
	return 0;
bad:
	/* li is set only when the option was given by its long name. */
	if (li >= 0)
		fprintf(stderr, PROG ": --%s: bad value \"%.40s\"\n",
		    lo[li].name, optarg);
	else
		fprintf(stderr, PROG ": -%c: bad value \"%.40s\"\n", c,
		    optarg);
	return -1;
}

/* Config keys that are not policy: the ledger (the option wins). */
static int
conf_key(void *arg, const char *key, const char *val, char *err,
    size_t len)
{
	struct opts	*o = arg;

	if (strcmp(key, "ledger") != 0)
		return 0;
	if (*val == '\0') {
		snprintf(err, len, "empty value");
		return -1;
	}
	free(o->conf_ledger);
	if ((o->conf_ledger = strdup(val)) == NULL) {
		snprintf(err, len, "%s", strerror(errno));
		return -1;
	}
	return 1;
}

static int
load_policy(struct opts *o)
{
	char	 err[256];
	int	 i;

	policy_init(&o->pol);
	if (o->config != NULL && policy_load_with(&o->pol, o->config,
	    conf_key, o, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s: %s\n", o->config, err);
		return -1;
	}
	if (o->ledger == NULL)
		o->ledger = o->conf_ledger;
	for (i = 0; i < o->nset; i++)
		if (policy_set(&o->pol, o->set_key[i], o->set_val[i], err,
		    sizeof(err)) < 0) {
			fprintf(stderr, PROG ": --%s: %s\n", o->set_key[i],
			    err);
			return -1;
		}
	return 0;
}

static void
input_error(struct run *r, const char *src, long line, const char *what)
{
	if (r->bad + r->unclassified <= MAX_ERRS)
		fprintf(stderr, PROG ": %s:%ld: %s\n", src, line, what);
	else if (r->bad + r->unclassified == MAX_ERRS + 1)
		fprintf(stderr, PROG ": %s:%ld: more input errors not shown\n",
		    src, line);
}

static const char *
str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static void
count_sender(struct run *r, const char *reason)
{
	int	 i;

	for (i = 0; i < r->nsenders; i++)
		if (!strcmp(r->sender[i], reason))
			break;
	if (i == r->nsenders) {
		if (i == POLICY_MAX_REASONS)
			return;
		snprintf(r->sender[i], sizeof(r->sender[i]), "%s", reason);
		r->nsenders++;
	}
	r->nsender[i]++;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The list's addresses, sorted for bsearch; NULL on allocation failure. */
static char **
sorted_addrs(const struct list *l, size_t *n)
{
	char	**v;
	size_t	  i;

	*n = 0;
	if ((v = calloc(l->n + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < l->n; i++)
		if (l->e[i].addr != NULL)
			v[(*n)++] = l->e[i].addr;
	qsort(v, *n, sizeof(*v), str_cmp);
	return v;
}

static int
member(const struct run *r, const char *addr)
{
	return r->members != NULL && addr[0] != '\0' && bsearch(&addr,
	    r->members, r->nmembers, sizeof(*r->members), str_cmp) != NULL;
}

/* Folds the address in field key ("rfc822;" prefix allowed) into out. */
static int
fold_field(const struct policy *p, json_t *obj, const char *key, char *out)
{
	const char	*s = str(obj, key), *semi, *at;

	out[0] = '\0';
	if (s == NULL)
		return -1;
	if ((semi = strchr(s, ';')) != NULL && ((at = strchr(s, '@')) ==
	    NULL || semi < at))
		s = semi + 1;
	if (addr_fold(s, strlen(s), p->case_local, out, ADDR_MAX) < 0 ||
	    addr_unroutable(out)) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/*
 * The subscriber a record is about.  With a list: the recipient, else
 * the original recipient, when it is on the list; else the address a
 * VERP bounce_to encodes (a subscriber whose mail was forwarded); else
 * the recipient.  Without a list membership cannot be told, and the
 * recipient (else the original recipient) is trusted; VERP is used only
 * for a record that names neither.  Fills ev's address and recipient
 * keys in the two buffers; -1 when the record names nobody.
 */
static int
subscriber(const struct run *r, json_t *obj, struct ledger_event *ev,
    char *addr, char *rcpt, const char *src, long line)
{
	const struct policy	*p = &r->o->pol;
	char			 orig[ADDR_MAX], verp[ADDR_MAX], v[ADDR_MAX];
	const char		*pick;

	fold_field(p, obj, "recipient", rcpt);
	fold_field(p, obj, "original_recipient", orig);
	verp[0] = '\0';
	if (addr_verp(str(obj, "bounce_to"), p->verp_delim, v,
	    sizeof(v)) == 0 && (addr_fold(v, strlen(v), p->case_local, verp,
	    sizeof(verp)) < 0 || addr_unroutable(verp)))
		verp[0] = '\0';
	if (member(r, rcpt))
		pick = rcpt;
	else if (member(r, orig))
		pick = orig;
	else if (r->list != NULL && verp[0] != '\0')
		pick = verp;
	else
		pick = rcpt[0] ? rcpt : orig[0] ? orig : verp;
	if (pick[0] == '\0')
		return -1;
	if (r->o->verbose && pick != verp && verp[0] != '\0' &&
	    strcmp(pick, verp) != 0 && (r->list == NULL || member(r, verp)))
		fprintf(stderr, PROG ": %s:%ld: VERP bounce_to names %s, the "
		    "recipient is %s (%s): trusting the recipient\n", src,
		    line, verp, pick, r->list ? "both on the list" :
		    "no --list");
	snprintf(addr, ADDR_MAX, "%s", pick);
	if (rcpt[0] == '\0')
		snprintf(rcpt, ADDR_MAX, "%s", addr);
	ev->address = addr;
	ev->recipient = rcpt;
	return 0;
}

/* One record into the ledger; -1 only on a ledger error. */
static int
ingest_one(struct run *r, json_t *obj, const char *src, long line)
{
	struct ledger_event	 ev;
	char			 addr[ADDR_MAX], rcpt[ADDR_MAX], err[512];
	json_t			*hb = json_object_get(obj, "hard_bounce");
	int			 rc;

	memset(&ev, 0, sizeof(ev));
	if (!json_is_string(json_object_get(obj, "reason")) ||
	    !json_is_boolean(hb)) {
		r->unclassified++;
		input_error(r, src, line, "record has no reason or hard_bounce:"
		    " not classified, run it through dsn-classify first");
		return 0;
	}
	if (dsn_reason_lookup(str(obj, "reason")) == NULL) {
		r->bad++;
		snprintf(err, sizeof(err), "unknown reason \"%.60s\"",
		    str(obj, "reason"));
		input_error(r, src, line, err);
		return 0;
	}
	if ((ev.report_id = str(obj, "report_id")) == NULL) {
		r->bad++;
		input_error(r, src, line, "record has no report_id");
		return 0;
	}
	if (subscriber(r, obj, &ev, addr, rcpt, src, line) < 0) {
		r->skipped++;
		if (r->o->verbose)
			fprintf(stderr, PROG ": %s:%ld: no recipient (or only a "
			    ".invalid placeholder), skipped\n",
			    src, line);
		return 0;
	}
	ev.dated = policy_parse_time(str(obj, "date"), &ev.ts) == 0;
	if (!ev.dated) {
		if (str(obj, "date") != NULL && r->o->verbose)
			fprintf(stderr, PROG ": %s:%ld: bad date \"%.60s\", "
			    "counted as today\n", src, line, str(obj, "date"));
		ev.ts = r->o->now;
		r->undated++;
	} else if (ev.ts <= r->o->now - (time_t)r->o->pol.expire * 86400)
		r->expired++;
	ev.type = str(obj, "type");
	ev.action = str(obj, "action");
	ev.reason = str(obj, "reason");
	ev.hard = json_is_true(hb);
	ev.status = str(obj, "status");
	ev.feedback_type = str(obj, "feedback_type");
	ev.rule = str(obj, "rule");
	ev.remote_mta = str(obj, "remote_mta");
	ev.diagnostic = str(obj, "diagnostic");
	ev.kind = policy_kind(&r->o->pol, ev.type, ev.action, ev.reason,
	    ev.hard, ev.feedback_type);
	r->records++;
	r->kinds[ev.kind]++;
	if (ev.kind == PK_SENDER)
		count_sender(r, ev.reason);
	if ((rc = ledger_add(r->led, &ev, err, sizeof(err))) < 0) {
		fprintf(stderr, PROG ": %s: %s\n", r->o->ledger, err);
		return -1;
	}
	if (rc == 1)
		r->added++;
	else
		r->dups++;
	return 0;
}

/*
 * Copies fp to a temporary file so a stream that stops mid-line (a
 * producer killed, a disk full) is noticed before anything is decided.
 * *rderr is the errno of a failed read (EIO when there is none), or 0.
 */
static FILE *
spool(FILE *fp, int *truncated, int *rderr)
{
	FILE	*t;
	char	 buf[65536];
	size_t	 n;
	int	 last = '\n', first = 0;

	*truncated = *rderr = 0;
	if ((t = tmpfile()) == NULL)
		return NULL;
	errno = 0;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		if (first == 0) {
			size_t i;

			for (i = 0; i < n && strchr(" \t\r\n", buf[i]); i++)
				;
			if (i < n)
				first = buf[i];
		}
		last = buf[n - 1];
		if (fwrite(buf, 1, n, t) != n) {
			fclose(t);
			return NULL;
		}
	}
	if (ferror(fp))
		*rderr = errno ? errno : EIO;
	*truncated = last != '\n' && first != '[';
	if (fflush(t) != 0 || fseek(t, 0, SEEK_SET) != 0) {
		fclose(t);
		return NULL;
	}
	return t;
}

static int
ingest_file(struct run *r, const char *src)
{
	struct dsn_recin	*in;
	FILE			*fp, *t;
	json_t			*obj;
	char			 err[256];
	int			 rc, trunc, rderr, ret = 0;

	fp = strcmp(src, "-") ? fopen(src, "r") : stdin;
	if (fp == NULL) {
		fprintf(stderr, PROG ": %s: %s\n", src, strerror(errno));
		r->bad++;
		return 0;
	}
	t = spool(fp, &trunc, &rderr);
	if (fp != stdin)
		fclose(fp);
	if (t == NULL) {
		fprintf(stderr, PROG ": %s: spooling: %s\n", src,
		    strerror(errno));
		return -1;
	}
	if (rderr) {
		r->bad++;
		fprintf(stderr, PROG ": %s: read error: %s: nothing will be "
		    "removed\n", src, strerror(rderr));
	} else if (trunc) {
		r->bad++;
		fprintf(stderr, PROG ": %s: input ends in the middle of a line "
		    "(truncated): nothing will be removed\n", src);
	}
	if ((in = dsn_recin_new(t)) == NULL) {
		fclose(t);
		return -1;
	}
	while (ret == 0 && (rc = dsn_recin_next(in, &obj, err,
	    sizeof(err))) != 0) {
		if (rc == 1) {
			ret = ingest_one(r, obj, src, dsn_recin_line(in));
			json_decref(obj);
			continue;
		}
		r->bad++;
		input_error(r, src, dsn_recin_line(in), err);
		if (rc == -2)
			break;
	}
	dsn_recin_free(in);
	fclose(t);
	return ret;
}

static int
cand_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cand *)a)->addr,
	    ((const struct cand *)b)->addr);
}

static int
on_verdict(void *arg, const char *addr, const struct verdict *v)
{
	struct run	*r = arg;
	struct cand	*nc;

	if (r->ncand == r->capcand) {
		r->capcand = r->capcand ? r->capcand * 2 : 64;
		if ((nc = realloc(r->cand, r->capcand * sizeof(*nc))) == NULL)
			return -1;
		r->cand = nc;
	}
	if ((r->cand[r->ncand].addr = strdup(addr)) == NULL)
		return -1;
	r->cand[r->ncand].v = *v;
	r->cand[r->ncand++].hit = 0;
	return 0;
}

static struct cand *
find_cand(struct run *r, const char *addr)
{
	struct cand	 key;

	if (r->ncand == 0)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.addr = (char *)addr;
	return bsearch(&key, r->cand, r->ncand, sizeof(key), cand_cmp);
}

static int
kept(const struct run *r, const char *addr)
{
	size_t	 i;

	if (r->keep == NULL)
		return 0;
	/* XXX prune: a linear scan; allow-lists are short. */
	for (i = 0; i < r->keep->n; i++)
		if (r->keep->e[i].addr && !strcmp(r->keep->e[i].addr, addr))
			return 1;
	return 0;
}

static json_t *
out_row(const char *addr, const struct verdict *v, long line,
    const char *action)
{
	char	 day[16];

	policy_day(v->when, day, sizeof(day));
	return json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s, s:s, s:o?}",
	    "address", addr, "action", action,
	    "verdict", policy_verdict_name(v->what),
	    "reason", v->reason[0] ? v->reason : NULL,
	    "status", v->status[0] ? v->status : NULL,
	    "date", day, "evidence", v->evidence,
	    "line", line > 0 ? json_integer(line) : NULL);
}

static int
emit(struct run *r, json_t *rows)
{
	static const char *const cols[] = {
		"address", "action", "verdict", "reason", "status", "date",
		"line", "evidence"
	};
	struct dsn_recout	*w;
	json_t			*row;
	size_t			 i;

	if (r->o->format == OUT_TEXT) {
		for (i = 0; (row = json_array_get(rows, i)) != NULL; i++)
			printf("%s\t%s\t%s\t%s\n", str(row, "address"),
			    str(row, "action"), str(row, "verdict"),
			    str(row, "evidence"));
		return fflush(stdout) == 0 && !ferror(stdout) ? 0 : -1;
	}
	w = dsn_recout_new(stdout, r->o->format == OUT_CSV ? DSN_OUT_CSV :
	    DSN_OUT_JSONL, cols, 8, 0);
	if (w == NULL)
		return -1;
	for (i = 0; (row = json_array_get(rows, i)) != NULL; i++)
		dsn_recout_object(w, row);
	return dsn_recout_close(w);
}

/*
 * Marks the list entries to drop and builds the output rows.  Returns
 * the number of entries to drop.
 */
static long
select_removals(struct run *r, unsigned char *drop, json_t *rows,
    const char *action)
{
	struct cand	*c;
	size_t		 i;
	long		 n = 0;

	if (r->list == NULL) {
		for (i = 0; i < r->ncand; i++)
			if (!kept(r, r->cand[i].addr)) {
				json_array_append_new(rows, out_row(
				    r->cand[i].addr, &r->cand[i].v, 0, action));
				n++;
			}
		return n;
	}
	for (i = 0; i < r->list->n; i++) {
		if (r->list->e[i].addr == NULL ||
		    (c = find_cand(r, r->list->e[i].addr)) == NULL)
			continue;
		if (kept(r, c->addr)) {
			if (r->o->verbose)
				fprintf(stderr, PROG ": %s: on the keep list, "
				    "not removed (%s)\n", c->addr,
				    c->v.evidence);
			continue;
		}
		drop[i] = 1;
		c->hit = 1;
		json_array_append_new(rows, out_row(c->addr, &c->v,
		    r->list->e[i].line, action));
		n++;
	}
	return n;
}

/*
 * stored: the ledger committed this run.  "new" counts records not in
 * the ledger before; when nothing was committed it must not read as if
 * they were kept.
 */
static void
summary(struct run *r, long nrem, const char *outcome, int stored)
{
	const char	*kept = "";
	int		 i;

	if (r->o->quiet)
		return;
	if (!stored && r->added > 0)
		kept = r->o->dry_run ? " (dry run: not stored)" :
		    " (not stored: the ledger was rolled back)";
	/* Read counts the skipped ones too: "0 read, 1 skipped" puzzles. */
	fprintf(stderr, PROG ": %ld records read, %ld new%s, %ld seen before"
	    " (hard %ld, soft %ld, complaints %ld, delivered %ld, "
	    "auto-replies %ld, delays %ld)\n", r->records + r->skipped,
	    r->added, kept, r->dups,
	    r->kinds[PK_HARD], r->kinds[PK_SOFT], r->kinds[PK_COMPLAINT],
	    r->kinds[PK_SUCCESS], r->kinds[PK_AUTOREPLY], r->kinds[PK_DELAY]);
	if (r->nsenders > 0) {
		fprintf(stderr, PROG ": our own sending: %ld rejections not "
		    "counted against subscribers:", r->kinds[PK_SENDER]);
		for (i = 0; i < r->nsenders; i++)
			fprintf(stderr, " %s %ld", r->sender[i], r->nsender[i]);
		fprintf(stderr, "\n");
	}
	if (r->skipped > 0)
		fprintf(stderr, PROG ": %ld of the records read had no "
		    "recipient (or only a .invalid placeholder) and %s "
		    "skipped\n", r->skipped, r->skipped == 1 ? "was" : "were");
	if (r->undated > 0)
		fprintf(stderr, PROG ": %ld records without a date (counted "
		    "as today)\n", r->undated);
	if (r->expired > 0)
		fprintf(stderr, PROG ": %ld events older than %d days "
		    "(--expire) not counted\n", r->expired, r->o->pol.expire);
	if (r->list != NULL)
		fprintf(stderr, PROG ": %s: %ld of %zu addresses %s\n",
		    r->o->list, nrem, r->list->naddr, outcome);
	else
		fprintf(stderr, PROG ": %ld addresses to remove\n", nrem);
}

/* The --max-remove guard; returns the exit status. */
static int
guard(struct run *r, long nrem, json_t *rows, const char **outcome)
{
	json_t	*row;
	long	 lim;
	size_t	 i;

	if (r->list == NULL) {
		*outcome = "reported";
		return EX_OK;
	}
	lim = policy_limit(&r->o->pol, (long)r->list->naddr);
	if (nrem <= lim)
		return EX_OK;
	*outcome = "to remove: refused, more than --max-remove allows";
	fprintf(stderr, PROG ": %s: %ld removals exceed --max-remove "
	    "(%ld): nothing removed\n", r->o->list, nrem, lim);
	for (i = 0; (row = json_array_get(rows, i)) != NULL; i++)
		json_object_set_new(row, "action", json_string("refused"));
	return EX_GUARD;
}

/*
 * Stages the new list and logs the removals, once the report is out;
 * returns the exit status.  The list is renamed into place only after
 * the ledger committed (see decide()).
 */
static int
apply(struct run *r, unsigned char *drop, long nrem, const char **outcome)
{
	char	 err[512];
	size_t	 i;

	if (r->list == NULL)
		return EX_OK;
	if (!r->o->in_place || r->o->dry_run || nrem == 0) {
		*outcome = r->o->in_place && nrem > 0 ? "would be removed "
		    "(dry run)" : "to remove (list not changed)";
		return EX_OK;
	}
	if (list_stage_drop(r->list, drop, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s: %s: nothing removed\n", r->o->list,
		    err);
		*outcome = "to remove: failed";
		return EX_USAGE;
	}
	for (i = 0; i < r->ncand; i++)
		if (r->cand[i].hit && ledger_removed(r->led, r->cand[i].addr,
		    r->list->path, &r->cand[i].v, err, sizeof(err)) < 0) {
			fprintf(stderr, PROG ": %s: %s: nothing removed\n",
			    r->o->ledger, err);
			*outcome = "to remove: failed";
			return EX_USAGE;
		}
	*outcome = "removed";
	return EX_OK;
}

/*
 * The new list goes into place after the ledger committed: a run killed
 * in between leaves the ledger with this run and the list as it was, and
 * the next run, judging from the ledger, removes the same addresses.  The
 * other order would leave a pruned list that the ledger knows nothing of.
 */
static int
commit_list(struct run *r, const char **outcome)
{
	char	 err[512];

	if (r->list == NULL || r->list->staged[0] == '\0')
		return EX_OK;
	if (list_commit(r->list, err, sizeof(err)) == 0)
		return EX_OK;
	fprintf(stderr, PROG ": %s: %s: not removed; the ledger holds this "
	    "run, so the next run removes them\n", r->o->list, err);
	*outcome = "to remove: failed";
	return EX_USAGE;
}

/*
 * Judges, writes the report, then stages the new list, commits the
 * ledger and puts the list in place.  The report goes out (and is
 * flushed) first: when it cannot be written, nothing is removed and the
 * ledger is rolled back.
 */
static int
decide(struct run *r)
{
	unsigned char	*drop = NULL;
	json_t		*rows;
	const char	*outcome = "", *action;
	char		 err[512];
	long		 nrem;
	int		 ex, commit;

	if (ledger_judge(r->led, &r->o->pol, r->o->now, on_verdict, r, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s: %s\n", r->o->ledger, err);
		return EX_USAGE;
	}
	if (r->ncand > 0)
		qsort(r->cand, r->ncand, sizeof(*r->cand), cand_cmp);
	if ((rows = json_array()) == NULL || (r->list != NULL &&
	    (drop = calloc(r->list->n + 1, 1)) == NULL)) {
		json_decref(rows);
		fprintf(stderr, PROG ": judging: %s\n", strerror(ENOMEM));
		return EX_USAGE;
	}
	action = r->o->in_place && !r->o->dry_run ? "remove" : "would-remove";
	nrem = select_removals(r, drop, rows, action);
	ex = guard(r, nrem, rows, &outcome);
	if (emit(r, rows) < 0) {
		fprintf(stderr, PROG ": stdout: %s\n",
		    strerror(errno ? errno : EIO));
		outcome = "to remove: not removed, the report could not be "
		    "written";
		ex = EX_USAGE;
	} else if (ex == EX_OK)
		ex = apply(r, drop, nrem, &outcome);
	commit = !r->o->dry_run && ex != EX_USAGE;
	if (ledger_finish(r->led, r->records, r->added, r->dups,
	    ex == EX_OK && r->list && r->o->in_place && !r->o->dry_run ?
	    nrem : 0, ex == EX_GUARD ? "refused: max-remove" : "ok",
	    commit, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s: %s: nothing removed\n",
		    r->o->ledger, err);
		outcome = "to remove: failed";
		ex = EX_USAGE;
		commit = 0;
	}
	if (ex == EX_OK)
		ex = commit_list(r, &outcome);
	else if (r->list != NULL)
		list_unstage(r->list);
	summary(r, nrem, outcome, commit);
	json_decref(rows);
	free(drop);
	return ex;
}

static int
open_lists(struct run *r, int lock)
{
	struct opts	*o = r->o;
	char		 err[512];

	if (o->list != NULL && list_open(&r->list, o->list, o->list_fmt,
	    o->column, lock, o->pol.case_local, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s: %s\n", o->list, err);
		return -1;
	}
	if (r->list != NULL && r->list->waited && o->verbose)
		fprintf(stderr, PROG ": %s: waited for another run\n",
		    o->list);
	if (o->keep != NULL && list_open(&r->keep, o->keep, LIST_AUTO, NULL,
	    0, o->pol.case_local, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s: %s\n", o->keep, err);
		return -1;
	}
	return 0;
}

static int
open_ledger(struct run *r)
{
	char	 err[512];

	if ((r->o->dry_run ? ledger_open_copy : ledger_open)(&r->led,
	    r->o->ledger, r->o->pol.busy_timeout, err, sizeof(err)) < 0 ||
	    ledger_begin(r->led, r->o->now, r->list ?
	    r->list->path : NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s: %s\n", r->o->ledger, err);
		return -1;
	}
	return 0;
}

static int
prune(struct run *r, int argc, char **argv)
{
	char	 err[512];
	int	 i;

	if (open_lists(r, r->o->in_place && !r->o->dry_run) < 0)
		return EX_USAGE;
	if (r->list != NULL && (r->members = sorted_addrs(r->list,
	    &r->nmembers)) == NULL) {
		fprintf(stderr, PROG ": %s: %s\n", r->o->list,
		    strerror(ENOMEM));
		return EX_USAGE;
	}
	if (open_ledger(r) < 0)
		return EX_USAGE;
	for (i = 0; i < argc || (i == 0 && argc == 0); i++)
		if (ingest_file(r, argc ? argv[i] : "-") < 0)
			return EX_USAGE;
	if (r->bad == 0 && r->unclassified == 0)
		return decide(r);
	(void)ledger_finish(r->led, 0, 0, 0, 0, NULL, 0, err, sizeof(err));
	fprintf(stderr, PROG ": %ld input errors, %ld unclassified records:"
	    " nothing stored, nothing removed\n", r->bad, r->unclassified);
	return r->bad > 0 ? EX_INPUT : EX_UNCLASSIFIED;
}

/*
 * Rows for the entries of list a whose address is not among the n sorted
 * addresses b: the address as the list writes it, its folded key and its
 * line in a.  Returns the number of rows, or -1 on allocation failure.
 */
static long
list_diff(const struct list *a, char **b, size_t n, json_t *rows)
{
	char	 raw[ADDR_MAX];
	json_t	*row;
	size_t	 i;
	long	 k = 0;

	for (i = 0; i < a->n; i++) {
		if (a->e[i].addr == NULL || bsearch(&a->e[i].addr, b, n,
		    sizeof(*b), str_cmp) != NULL)
			continue;
		row = json_pack("{s:s, s:s, s:I}", "address",
		    list_entry_addr(a, i, raw, sizeof(raw)) == 0 ? raw :
		    a->e[i].addr, "key", a->e[i].addr,
		    "line", (json_int_t)a->e[i].line);
		if (row == NULL || json_array_append_new(rows, row) < 0)
			return -1;
		k++;
	}
	return k;
}

static void
set_action(json_t *rows, const char *action)
{
	json_t	*row;
	size_t	 i;

	for (i = 0; (row = json_array_get(rows, i)) != NULL; i++)
		json_object_set_new(row, "action", json_string(action));
}

/* The restore's rows on stdout: address and action (and the line). */
static int
emit_restore(struct run *r, json_t *back, json_t *gone)
{
	static const char *const cols[] = { "address", "action", "line" };
	struct dsn_recout	*w = NULL;
	json_t			*all[2] = { back, gone }, *row;
	size_t			 i, k;

	if (r->o->format != OUT_TEXT && (w = dsn_recout_new(stdout,
	    r->o->format == OUT_CSV ? DSN_OUT_CSV : DSN_OUT_JSONL, cols, 3,
	    0)) == NULL)
		return -1;
	for (k = 0; k < 2; k++)
		for (i = 0; (row = json_array_get(all[k], i)) != NULL; i++) {
			if (w != NULL)
				dsn_recout_object(w, row);
			else
				printf("%s\t%s\n", str(row, "address"),
				    str(row, "action"));
		}
	if (w != NULL)
		return dsn_recout_close(w);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : -1;
}

/* The ledger side of a restore: history reset, removals logged. */
static int
restore_ledger(struct run *r, json_t *back, json_t *gone)
{
	json_t	*row;
	char	 err[512];
	size_t	 i;

	if (r->led == NULL)
		return 0;
	for (i = 0; (row = json_array_get(back, i)) != NULL; i++)
		if (ledger_reset(r->led, str(row, "key"), r->o->now, err,
		    sizeof(err)) < 0)
			goto fail;
	for (i = 0; (row = json_array_get(gone, i)) != NULL; i++)
		if (ledger_removed_by(r->led, str(row, "key"), r->list->path,
		    "restore", "not in the backup put back by --restore "
		    "--force", err, sizeof(err)) < 0)
			goto fail;
	return 0;
fail:
	fprintf(stderr, PROG ": %s: %s\n", r->o->ledger, err);
	return -1;
}

/*
 * Puts PATH.bak back as the list (the current list becomes the backup,
 * so a restore can be undone the same way).  Both directions are written
 * out: the addresses that come back, whose ledger history stops
 * counting, and the addresses on the list that are not in the backup,
 * which the restore removes.  Such a restore (a second one, or one after
 * members joined) is refused without --force: exit 4, nothing changed.
 */
static int
restore_list(struct run *r, struct list *bak, const char *bpath)
{
	char	**cur = NULL, **old = NULL, err[512], outcome[64];
	json_t	 *back = json_array(), *gone = json_array();
	size_t	  ncur, nold;
	long	  nback, ngone;
	int	  ex = EX_OK, refused, change;

	if (back == NULL || gone == NULL ||
	    (cur = sorted_addrs(r->list, &ncur)) == NULL ||
	    (old = sorted_addrs(bak, &nold)) == NULL ||
	    (nback = list_diff(bak, cur, ncur, back)) < 0 ||
	    (ngone = list_diff(r->list, old, nold, gone)) < 0) {
		fprintf(stderr, PROG ": %s: %s\n", r->o->list,
		    strerror(ENOMEM));
		ex = EX_USAGE;
		goto out;
	}
	refused = ngone > 0 && !r->o->force;
	change = !refused && !r->o->dry_run;
	set_action(back, refused ? "refused-restore" : r->o->dry_run ?
	    "would-restore" : "restored");
	set_action(gone, refused ? "refused-remove-by-restore" :
	    r->o->dry_run ? "would-remove-by-restore" : "removed-by-restore");
	if (refused) {
		fprintf(stderr, PROG ": %s: putting back %s would remove %ld "
		    "addresses that are not in the backup (and bring %ld "
		    "back): refused, nothing changed; --force restores "
		    "anyway\n", r->o->list, bpath, ngone, nback);
		ex = EX_GUARD;
	} else if (restore_ledger(r, back, gone) < 0)
		ex = EX_USAGE;
	if (ex != EX_USAGE && emit_restore(r, back, gone) < 0) {
		fprintf(stderr, PROG ": stdout: %s: not restored\n",
		    strerror(errno ? errno : EIO));
		ex = EX_USAGE;
	}
	if (ex == EX_OK && change && list_stage(r->list, bak->buf,
	    bak->size, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s: %s: not restored\n", r->o->list,
		    err);
		ex = EX_USAGE;
	}
	/* The ledger commits first, as in decide(). */
	snprintf(outcome, sizeof(outcome), refused ? "refused: restore "
	    "would remove %ld" : "restore: %ld back", refused ? ngone : nback);
	if (r->led != NULL && ledger_finish(r->led, 0, 0, 0, ngone, outcome,
	    ex == EX_OK && change, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s: %s: not restored\n", r->o->ledger,
		    err);
		ex = EX_USAGE;
	}
	if (ex == EX_OK && change && list_commit(r->list, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s: %s: not restored\n", r->o->list,
		    err);
		ex = EX_USAGE;
	}
	list_unstage(r->list);
	if (ex == EX_OK && !r->o->quiet && r->o->dry_run)
		fprintf(stderr, PROG ": %s: would be restored from %s: %ld "
		    "addresses would come back, %ld would be removed by the "
		    "restore\n", r->o->list, bpath, nback, ngone);
	else if (ex == EX_OK && !r->o->quiet)
		fprintf(stderr, PROG ": %s: restored from %s: %ld addresses "
		    "back, %ld removed by the restore\n", r->o->list, bpath,
		    nback, ngone);
out:
	json_decref(back);
	json_decref(gone);
	free(cur);
	free(old);
	return ex;
}

static int
restore(struct run *r)
{
	struct list	*bak = NULL;
	char		*bpath, err[512];
	int		 ex = EX_USAGE;

	if (open_lists(r, !r->o->dry_run) < 0)
		return EX_USAGE;
	if ((bpath = list_backup_path(r->list->path)) == NULL) {
		fprintf(stderr, PROG ": %s: %s\n", r->o->list,
		    strerror(ENOMEM));
		return EX_USAGE;
	}
	if (list_open(&bak, bpath, r->list->fmt, r->o->column, 0,
	    r->o->pol.case_local, err, sizeof(err)) < 0)
		fprintf(stderr, PROG ": %s: %s\n", bpath, err);
	else if (r->o->ledger == NULL || open_ledger(r) == 0)
		ex = restore_list(r, bak, bpath);
	list_free(bak);
	free(bpath);
	return ex;
}

/*
 * Options that do not go together are usage errors, never silently
 * ignored: --restore reads no records and neither prunes nor keeps.
 */
static int
check_mode(const struct opts *o, int nfiles, char **files)
{
	const char	*what = NULL, *where = "";

	if (o->restore) {
		where = "--restore: ";
		if (o->list == NULL)
			what = "needs --list";
		else if (nfiles > 0) {
			where = files[0];
			what = ": --restore reads no record files";
		} else if (o->in_place)
			what = "rewrites the list itself: no --in-place";
		else if (o->keep != NULL)
			what = "puts the whole backup back: no --keep";
	} else if (o->force)
		what = "--force: applies only to --restore";
	else if (o->ledger == NULL)
		what = "--ledger: required (or ledger = in the config file)";
	else if (o->in_place && o->list == NULL)
		what = "--in-place: needs --list";
	if (what == NULL)
		return 0;
	fprintf(stderr, PROG ": %.200s%s\n", where, what);
	return -1;
}

int
main(int argc, char **argv)
{
	struct opts	 o;
	struct run	 r;
	int		 ex;

	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	r.o = &o;
	/* A closed stdout is an error we report, before anything changes. */
	(void)signal(SIGPIPE, SIG_IGN);
	if (parse_opts(&o, argc, argv) < 0 || load_policy(&o) < 0) {
		free(o.conf_ledger);
		return EX_USAGE;
	}
	if (check_mode(&o, argc - optind, argv + optind) < 0) {
		usage(stderr);
		free(o.conf_ledger);
		return EX_USAGE;
	}
	ex = o.restore ? restore(&r) : prune(&r, argc - optind,
	    argv + optind);
	ledger_free(r.led);
	list_free(r.list);
	list_free(r.keep);
	free(r.members);
	free(o.conf_ledger);
	while (r.ncand > 0)
		free(r.cand[--r.ncand].addr);
	free(r.cand);
	return ex;
}
