/*
 * ledger.c - the SQLite bounce ledger: schema, migrations, ingestion,
 * per-address figures, judging, and the run log.
 *
 * The database handle and its prepared statements belong to struct
 * ledger.  Event strings handed to policy_judge are copied out of SQLite
 * into one batch per address and freed after the verdict.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "ledger/ledger.h"

#define APP_ID	0x64736e70	/* "dsnp" */
#define DAY	86400

struct ledger {
	sqlite3		*db;
	sqlite3_stmt	*ins, *touch, *upd;
	long long	 run;
	int		 intx;
};

/*
 * Schema history: migrations[v - 1] takes a ledger from version v - 1
 * to v.  Never edit a released step; add one.  Documented in
 * dsn-prune(1) under LEDGER.
 */
static const char *const migrations[LEDGER_SCHEMA] = {
	"CREATE TABLE run ("
	" id INTEGER PRIMARY KEY,"
	" started INTEGER NOT NULL,"
	" now INTEGER NOT NULL,"
	" list TEXT,"
	" records INTEGER, added INTEGER, duplicates INTEGER,"
	" removed INTEGER, outcome TEXT);"
	"CREATE TABLE event ("
	" report_id TEXT NOT NULL,"
	" recipient TEXT NOT NULL,"
	" address TEXT NOT NULL,"
	" ts INTEGER NOT NULL,"
	" day INTEGER NOT NULL,"
	" dated INTEGER NOT NULL,"
	" type TEXT, action TEXT, reason TEXT,"
	" hard INTEGER NOT NULL,"
	" status TEXT, feedback_type TEXT, rule TEXT,"
	" remote_mta TEXT, diagnostic TEXT,"
	" kind TEXT NOT NULL,"
	" run INTEGER NOT NULL REFERENCES run(id),"
	" PRIMARY KEY (report_id, recipient)) WITHOUT ROWID;"
	"CREATE INDEX event_by_address ON event(address, ts);"
	"CREATE INDEX event_by_ts ON event(ts);"
	"CREATE TABLE address ("
	" address TEXT PRIMARY KEY,"
	" first_bounce INTEGER, last_bounce INTEGER,"
	" hard_count INTEGER NOT NULL DEFAULT 0,"
	" soft_count INTEGER NOT NULL DEFAULT 0,"
	" bounce_days INTEGER NOT NULL DEFAULT 0,"
	" last_reason TEXT, last_status TEXT,"
	" last_success INTEGER,"
	" complaints INTEGER NOT NULL DEFAULT 0,"
	" sender_problems INTEGER NOT NULL DEFAULT 0,"
	" reset INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE removal ("
	" run INTEGER NOT NULL REFERENCES run(id),"
	" address TEXT NOT NULL,"
	" list TEXT NOT NULL,"
	" verdict TEXT NOT NULL,"
	" evidence TEXT);"
};

static int
fail(struct ledger *l, char *err, size_t len, const char *what)
{
	int	 rc = sqlite3_errcode(l->db), sys = sqlite3_system_errno(l->db);

	/* The system's reason, when the failure was the system's. */
	if (sys != 0 && (rc == SQLITE_CANTOPEN || rc == SQLITE_IOERR ||
	    rc == SQLITE_FULL))
		snprintf(err, len, "%s: %s: %s", what, sqlite3_errmsg(l->db),
		    strerror(sys));
	else
		snprintf(err, len, "%s: %s", what, sqlite3_errmsg(l->db));
	return -1;
}

static int
exec(struct ledger *l, const char *sql, char *err, size_t len)
{
	if (sqlite3_exec(l->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(l, err, len, "ledger");
	return 0;
}

static int
pragma_int(struct ledger *l, const char *sql, int *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int
migrate(struct ledger *l, char *err, size_t len)
{
	char	 sql[128];
	int	 v, app, ntab;

	if (exec(l, "BEGIN IMMEDIATE", err, len) < 0)
		return -1;
	if (pragma_int(l, "PRAGMA user_version", &v) < 0 ||
	    pragma_int(l, "PRAGMA application_id", &app) < 0 ||
	    pragma_int(l, "SELECT count(*) FROM sqlite_master", &ntab) < 0) {
		fail(l, err, len, "reading the schema version");
		goto bad;
	}
	if ((app != 0 && app != APP_ID) || (app == 0 && ntab > 0)) {
		snprintf(err, len, "not a dsn-prune ledger");
		goto bad;
	}
	if (v > LEDGER_SCHEMA) {
		snprintf(err, len, "ledger schema version %d is newer than "
		    "this dsn-prune knows (%d)", v, LEDGER_SCHEMA);
		goto bad;
	}
	for (; v < LEDGER_SCHEMA; v++) {
		if (exec(l, migrations[v], err, len) < 0)
			goto bad;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d;"
		    "PRAGMA application_id = %d", v + 1, APP_ID);
		if (exec(l, sql, err, len) < 0)
			goto bad;
	}
	return exec(l, "COMMIT", err, len);
bad:
	sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int
prepare(struct ledger *l, char *err, size_t len)
{
	static const char ins[] =
	    "INSERT OR IGNORE INTO event (report_id, recipient, address,"
	    " ts, day, dated, type, action, reason, hard, status,"
	    " feedback_type, rule, remote_mta, diagnostic, kind, run)"
	    " VALUES (?1, ?2, ?3, ?4, ?4 / 86400, ?5, ?6, ?7, ?8, ?9, ?10,"
	    " ?11, ?12, ?13, ?14, ?15, ?16)";
	static const char touch[] =
	    "INSERT INTO address (address) VALUES (?1)"
	    " ON CONFLICT (address) DO NOTHING";
	/* Expressions see the row's old values, so order does not matter. */
	static const char upd[] =
	    "UPDATE address SET"
	    " first_bounce = CASE WHEN ?2 IN ('hard', 'soft')"
	    "  THEN min(coalesce(first_bounce, ?3), ?3) ELSE first_bounce END,"
	    " last_bounce = CASE WHEN ?2 IN ('hard', 'soft')"
	    "  THEN max(coalesce(last_bounce, ?3), ?3) ELSE last_bounce END,"
	    " last_reason = CASE WHEN ?2 IN ('hard', 'soft', 'complaint')"
	    "  AND ?3 >= coalesce(last_bounce, 0) THEN ?4 ELSE last_reason END,"
	    " last_status = CASE WHEN ?2 IN ('hard', 'soft', 'complaint')"
	    "  AND ?3 >= coalesce(last_bounce, 0) THEN ?5 ELSE last_status END,"
	    " hard_count = hard_count + (?2 = 'hard'),"
	    " soft_count = soft_count + (?2 = 'soft'),"
	    " complaints = complaints + (?2 = 'complaint'),"
	    " sender_problems = sender_problems + (?2 = 'sender'),"
	    " last_success = CASE WHEN ?2 = 'success'"
	    "  THEN max(coalesce(last_success, ?3), ?3) ELSE last_success END,"
	    " bounce_days = (SELECT count(DISTINCT day) FROM event"
	    "  WHERE address = ?1 AND kind IN ('hard', 'soft'))"
	    " WHERE address = ?1";

	if (sqlite3_prepare_v2(l->db, ins, -1, &l->ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(l->db, touch, -1, &l->touch, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(l->db, upd, -1, &l->upd, NULL) != SQLITE_OK)
		return fail(l, err, len, "preparing statements");
	return 0;
}

/* WAL, sync, busy timeout, schema: the same for a file and a copy. */
static int
setup(struct ledger *l, int busy, char *err, size_t len)
{
	sqlite3_busy_timeout(l->db, busy * 1000);
	if (exec(l, "PRAGMA journal_mode = WAL", err, len) < 0 ||
	    exec(l, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON",
	    err, len) < 0 || migrate(l, err, len) < 0 ||
	    prepare(l, err, len) < 0)
		return -1;
	return 0;
}

/* Copies the database at path, opened read-only, into l's. */
static int
copy_in(struct ledger *l, const char *path, int busy, char *err,
    size_t len)
{
	sqlite3		*src;
	sqlite3_backup	*b;
	int		 rc;

	if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		snprintf(err, len, "opening: %s", sqlite3_errmsg(src));
		sqlite3_close(src);
		return -1;
	}
	sqlite3_busy_timeout(src, busy * 1000);
	if ((b = sqlite3_backup_init(l->db, "main", src, "main")) == NULL) {
		snprintf(err, len, "reading: %s", sqlite3_errmsg(l->db));
		sqlite3_close(src);
		return -1;
	}
	rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		snprintf(err, len, "reading: %s", sqlite3_errmsg(src));
	sqlite3_close(src);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * The ledger on database name (a path, or "" for a private temporary
 * one) opened with flags; with from set, the database at that path (when
 * it exists) is copied in first.  0, or -1 with a reason in err.
 */
static int
open_db(struct ledger **out, const char *name, int flags, const char *from,
    int busy, char *err, size_t len)
{
	struct ledger	*l;

	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, len, "%s", strerror(errno));
		return -1;
	}
	if (sqlite3_open_v2(name, &l->db, flags, NULL) != SQLITE_OK) {
		fail(l, err, len, "opening");
		goto bad;
	}
	if (from != NULL && access(from, F_OK) == 0 &&
	    copy_in(l, from, busy, err, len) < 0)
		goto bad;
	if (setup(l, busy, err, len) < 0)
		goto bad;
	*out = l;
	return 0;
bad:
	ledger_free(l);
	return -1;
}

int
ledger_open(struct ledger **out, const char *path, int busy, char *err,
    size_t len)
{
	return open_db(out, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	    NULL, busy, err, len);
}

int
ledger_open_copy(struct ledger **out, const char *path, int busy,
    char *err, size_t len)
{
	/*
	 * "" is SQLite's private temporary database: kept in its page
	 * cache while small, spilled to a file in the temporary directory
	 * when large, deleted on close.  A big ledger never has to fit in
	 * memory for a dry run.
	 */
	return open_db(out, "", SQLITE_OPEN_READWRITE, path, busy, err, len);
}

int
ledger_begin(struct ledger *l, time_t now, const char *list, char *err,
    size_t len)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (exec(l, "BEGIN IMMEDIATE", err, len) < 0)
		return -1;
	l->intx = 1;
	if (sqlite3_prepare_v2(l->db, "INSERT INTO run (started, now, list)"
	    " VALUES (strftime('%s', 'now'), ?1, ?2)", -1, &st, NULL) !=
	    SQLITE_OK)
		return fail(l, err, len, "logging the run");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_text(st, 2, list, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(l, err, len, "logging the run");
	l->run = sqlite3_last_insert_rowid(l->db);
	return 0;
}

static void
bind_s(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static int
step(struct ledger *l, sqlite3_stmt *st, char *err, size_t len)
{
	int	 rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return fail(l, err, len, "storing an event");
	return 0;
}

int
ledger_add(struct ledger *l, const struct ledger_event *e, char *err,
    size_t len)
{
	const char	*kind = policy_kind_name(e->kind);
	sqlite3_stmt	*st = l->ins;

	bind_s(st, 1, e->report_id);
	bind_s(st, 2, e->recipient);
	bind_s(st, 3, e->address);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)e->ts);
	sqlite3_bind_int(st, 5, e->dated);
	bind_s(st, 6, e->type);
	bind_s(st, 7, e->action);
	bind_s(st, 8, e->reason);
	sqlite3_bind_int(st, 9, e->hard);
	bind_s(st, 10, e->status);
	bind_s(st, 11, e->feedback_type);
	bind_s(st, 12, e->rule);
	bind_s(st, 13, e->remote_mta);
	bind_s(st, 14, e->diagnostic);
	bind_s(st, 15, kind);
	sqlite3_bind_int64(st, 16, l->run);
	if (step(l, st, err, len) < 0)
		return -1;
	if (sqlite3_changes(l->db) == 0)
		return 0;
	bind_s(l->touch, 1, e->address);
	if (step(l, l->touch, err, len) < 0)
		return -1;
	bind_s(l->upd, 1, e->address);
	bind_s(l->upd, 2, kind);
	sqlite3_bind_int64(l->upd, 3, (sqlite3_int64)e->ts);
	bind_s(l->upd, 4, e->reason);
	bind_s(l->upd, 5, e->status);
	if (step(l, l->upd, err, len) < 0)
		return -1;
	return 1;
}

/* The events of one address, copied out of SQLite. */
struct batch {
	struct pevent	*ev;
	size_t		 n, cap;
	char		 addr[400];
	time_t		 reset;
};

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char	*s = sqlite3_column_text(st, i);

	return s ? strdup((const char *)s) : NULL;
}

static void
batch_clear(struct batch *b)
{
	size_t	 i;

	for (i = 0; i < b->n; i++) {
		free((char *)b->ev[i].reason);
		free((char *)b->ev[i].status);
		free((char *)b->ev[i].report_id);
	}
	b->n = 0;
}

static int
batch_add(struct batch *b, const struct policy *p, sqlite3_stmt *st)
{
	struct pevent	*ne, *e;
	const char	*type, *action, *ft;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		if ((ne = realloc(b->ev, b->cap * sizeof(*ne))) == NULL)
			return -1;
		b->ev = ne;
	}
	e = &b->ev[b->n++];
	e->ts = (time_t)sqlite3_column_int64(st, 1);
	type = (const char *)sqlite3_column_text(st, 2);
	action = (const char *)sqlite3_column_text(st, 3);
	ft = (const char *)sqlite3_column_text(st, 6);
	e->reason = col_dup(st, 4);
	e->kind = policy_kind(p, type, action, e->reason,
	    sqlite3_column_int(st, 5), ft);
	e->status = col_dup(st, 7);
	e->report_id = col_dup(st, 8);
	return 0;
}

static int
batch_judge(struct batch *b, const struct policy *p, time_t now,
    ledger_judge_fn fn, void *arg)
{
	struct verdict	 v;
	int		 rc = 0;

	if (b->n == 0)
		return 0;
	policy_judge(p, b->ev, b->n, now, b->reset, &v);
	if (v.what != PV_KEEP)
		rc = fn(arg, b->addr, &v);
	batch_clear(b);
	return rc;
}

int
ledger_judge(struct ledger *l, const struct policy *p, time_t now,
    ledger_judge_fn fn, void *arg, char *err, size_t len)
{
	static const char sql[] =
	    "SELECT e.address, e.ts, e.type, e.action, e.reason, e.hard,"
	    " e.feedback_type, e.status, e.report_id, a.reset"
	    " FROM event e JOIN address a ON a.address = e.address"
	    " WHERE e.ts > ?1 ORDER BY e.address, e.ts";
	sqlite3_stmt	*st;
	struct batch	 b;
	const char	*addr;
	int		 rc = 0, s;

	memset(&b, 0, sizeof(b));
	if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(l, err, len, "judging");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(now -
	    (time_t)p->expire * DAY));
	while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
		addr = (const char *)sqlite3_column_text(st, 0);
		if (addr == NULL)
			continue;
		if (strcmp(addr, b.addr) != 0) {
			rc = batch_judge(&b, p, now, fn, arg);
			snprintf(b.addr, sizeof(b.addr), "%s", addr);
			b.reset = (time_t)sqlite3_column_int64(st, 9);
		}
		if (rc == 0 && batch_add(&b, p, st) < 0) {
			snprintf(err, len, "%s", strerror(ENOMEM));
			rc = -1;
		}
	}
	if (rc == 0 && s != SQLITE_DONE)
		rc = fail(l, err, len, "judging");
	if (rc == 0)
		rc = batch_judge(&b, p, now, fn, arg);
	batch_clear(&b);
	free(b.ev);
	sqlite3_finalize(st);
	return rc;
}

static int
run_sql(struct ledger *l, const char *sql, const char *a, const char *b,
    const char *c, const char *d, char *err, size_t len)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(l, err, len, "ledger");
	sqlite3_bind_int64(st, 1, l->run);
	bind_s(st, 2, a);
	bind_s(st, 3, b);
	bind_s(st, 4, c);
	bind_s(st, 5, d);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(l, err, len, "ledger");
}

int
ledger_removed(struct ledger *l, const char *address, const char *list,
    const struct verdict *v, char *err, size_t len)
{
	return ledger_removed_by(l, address, list,
	    policy_verdict_name(v->what), v->evidence, err, len);
}

int
ledger_removed_by(struct ledger *l, const char *address, const char *list,
    const char *verdict, const char *evidence, char *err, size_t len)
{
	return run_sql(l, "INSERT INTO removal (run, address, list, verdict,"
	    " evidence) VALUES (?1, ?2, ?3, ?4, ?5)", address, list, verdict,
	    evidence, err, len);
}

int
ledger_reset(struct ledger *l, const char *address, time_t now, char *err,
    size_t len)
{
	char	 t[32];

	snprintf(t, sizeof(t), "%lld", (long long)now);
	if (run_sql(l, "INSERT INTO address (address) VALUES (?2)"
	    " ON CONFLICT (address) DO NOTHING", address, NULL, NULL, NULL,
	    err, len) < 0)
		return -1;
	return run_sql(l, "UPDATE address SET reset = CAST(?3 AS INTEGER)"
	    " WHERE address = ?2", address, t, NULL, NULL, err, len);
}

int
ledger_finish(struct ledger *l, long records, long added, long dups,
    long removed, const char *outcome, int commit, char *err, size_t len)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (!l->intx)
		return 0;
	if (commit) {
		if (sqlite3_prepare_v2(l->db, "UPDATE run SET records = ?2,"
		    " added = ?3, duplicates = ?4, removed = ?5, outcome = ?6"
		    " WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
			return fail(l, err, len, "logging the run");
		sqlite3_bind_int64(st, 1, l->run);
		sqlite3_bind_int64(st, 2, records);
		sqlite3_bind_int64(st, 3, added);
		sqlite3_bind_int64(st, 4, dups);
		sqlite3_bind_int64(st, 5, removed);
		bind_s(st, 6, outcome);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return fail(l, err, len, "logging the run");
	}
	l->intx = 0;
	return exec(l, commit ? "COMMIT" : "ROLLBACK", err, len);
}

void
ledger_free(struct ledger *l)
{
	if (l == NULL)
		return;
	sqlite3_finalize(l->ins);
	sqlite3_finalize(l->touch);
	sqlite3_finalize(l->upd);
	if (l->intx)
		sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(l->db);
	free(l);
}
