/*
 * ledger.h - the bounce ledger of dsn-prune: an SQLite database.
 *
 * Every classified record is stored once, keyed on its report's identity
 * and its recipient, so reading the same mail twice changes nothing.
 * Per-address figures are kept beside the events; runs and removals are
 * logged.  The schema is documented in dsn-prune(1), versioned with
 * PRAGMA user_version and migrated on open.  One run is one transaction:
 * ledger_begin .. ledger_finish.  Strings passed in are copied by SQLite;
 * struct ledger is freed with ledger_free.
 */
#ifndef LEDGER_LEDGER_H
#define LEDGER_LEDGER_H

#include <stddef.h>
#include <time.h>

#include "ledger/policy.h"

#define LEDGER_SCHEMA	1	/* the version this code writes */

struct ledger;

/* One classified record as stored; any string may be NULL but the keys. */
struct ledger_event {
	const char	*report_id;
	const char	*recipient;	/* folded recipient, part of the key */
	const char	*address;	/* folded subscriber (VERP resolved) */
	time_t		 ts;		/* the report's date */
	int		 dated;		/* 0: no date, ts is the run's time */
	const char	*type;
	const char	*action;
	const char	*reason;
	int		 hard;
	const char	*status;
	const char	*feedback_type;
	const char	*rule;
	const char	*remote_mta;
	const char	*diagnostic;
	enum pkind	 kind;
};

/* Called for each address the policy removes; non-zero stops the walk. */
typedef int	(*ledger_judge_fn)(void *arg, const char *address,
		    const struct verdict *);

/*
 * Opens (creating if needed) the ledger at path, waiting up to busy
 * seconds for other writers, and migrates it to LEDGER_SCHEMA.
 * Returns 0 with *out set, or -1 with a reason in err.
 */
int	ledger_open(struct ledger **out, const char *path, int busy,
	    char *err, size_t errlen);

/*
 * The same, for a run that must change nothing: the ledger at path,
 * when there is one, is read without writing and copied into a
 * private in-memory database that is thrown away at ledger_free.
 */
int	ledger_open_copy(struct ledger **out, const char *path, int busy,
	    char *err, size_t errlen);

/* Starts the run's transaction and its log row (list may be NULL). */
int	ledger_begin(struct ledger *, time_t now, const char *list,
	    char *err, size_t errlen);

/* Stores one event: 1 if new, 0 if seen before, -1 on error. */
int	ledger_add(struct ledger *, const struct ledger_event *,
	    char *err, size_t errlen);

/* Judges every address with events since the policy's expiry. */
int	ledger_judge(struct ledger *, const struct policy *, time_t now,
	    ledger_judge_fn, void *arg, char *err, size_t errlen);

/* Logs a removal from list by this run. */
int	ledger_removed(struct ledger *, const char *address, const char *list,
	    const struct verdict *, char *err, size_t errlen);

/*
 * Logs a removal from list that no verdict made (verdict and evidence
 * say why, e.g. "restore"); strings are copied.
 */
int	ledger_removed_by(struct ledger *, const char *address,
	    const char *list, const char *verdict, const char *evidence,
	    char *err, size_t errlen);

/* A restored address: events up to now no longer count against it. */
int	ledger_reset(struct ledger *, const char *address, time_t now,
	    char *err, size_t errlen);

/*
 * Ends the run: logs the counts and outcome, then commits (commit set)
 * or rolls back.  Returns 0 or -1 with err.
 */
int	ledger_finish(struct ledger *, long records, long added, long dups,
	    long removed, const char *outcome, int commit, char *err,
	    size_t errlen);

/* Closes the database (rolling back an unfinished run); NULL is a no-op. */
void	ledger_free(struct ledger *);

#endif
