/*
 * policy.h - when an address leaves a list: the prune policy of dsn-prune.
 *
 * A policy holds every number a list owner may change (defaults from
 * policy_init), set by name from options and from a small config file.
 * policy_kind() sorts one classified record into what it means for the
 * subscriber; policy_judge() turns an address's events into a verdict.
 * Nothing here touches SQLite or files, so all of it is unit-testable.
 */
#ifndef LEDGER_POLICY_H
#define LEDGER_POLICY_H

#include <stddef.h>
#include <time.h>

#define POLICY_MAX_REASONS	64

struct policy {
	int	 soft_bounces;		/* distinct soft days that remove */
	int	 soft_window;		/* ... within this many days */
	int	 expire;		/* events older than this (days) expire */
	long	 max_remove;		/* at most this many removals, or */
	int	 max_remove_pct;	/* ... non-zero: max_remove is percent */
	int	 case_local;		/* compare local parts by case */
	char	 verp_delim;		/* between list local part and user */
	int	 busy_timeout;		/* seconds to wait for the ledger */
	int	 nsender;
	char	 sender[POLICY_MAX_REASONS][24];   /* reasons that are ours */
	int	 ncomplaint;
	char	 complaint[POLICY_MAX_REASONS][24]; /* feedback types */
};

/* What one record means for the subscriber. */
enum pkind {
	PK_HARD,
	PK_SOFT,
	PK_COMPLAINT,
	PK_SUCCESS,	/* delivered, relayed, expanded: resets */
	PK_SENDER,	/* rejection that is our sending's problem */
	PK_AUTOREPLY,
	PK_DELAY,
	PK_OTHER,	/* feedback that is not a complaint */
	PK_COUNT
};

/* One event of an address, as the ledger hands it to policy_judge. */
struct pevent {
	time_t		 ts;
	enum pkind	 kind;
	const char	*reason;	/* borrowed; may be NULL */
	const char	*status;
	const char	*report_id;
};

enum pverdict {
	PV_KEEP,
	PV_HARD,
	PV_SOFT,
	PV_COMPLAINT
};

struct verdict {
	enum pverdict	 what;
	time_t		 when;		/* date of the deciding event */
	char		 reason[32];
	char		 status[16];
	char		 evidence[256];
};

/* Fills in the defaults documented in dsn-prune(1). */
void		 policy_init(struct policy *);

/*
 * Sets the setting named key ("soft-bounces", "max-remove", ...) from
 * its text value.  Reason names (sender-reasons) must be in the
 * vocabulary of dsn-classify, feedback types (complaint-types) ARF's.
 * Returns 0, or -1 with a reason in err ("bad value ...", "unknown
 * setting", "unknown name ..."; the key is not repeated).
 */
int		 policy_set(struct policy *, const char *key, const char *val,
		    char *err, size_t errlen);

/*
 * Reads a config file of "key = value" lines ('#' comments).  Returns 0,
 * or -1 with "line N: key: reason" in err (errno-based text when
 * unreadable).
 */
int		 policy_load(struct policy *, const char *path,
		    char *err, size_t errlen);

/*
 * A config key that is not a policy setting: returns 1 when taken, 0
 * when not its own (policy_set is tried), -1 with a reason in err.
 * key and val are borrowed for the call only.
 */
typedef int	(*policy_key_fn)(void *arg, const char *key, const char *val,
		    char *err, size_t errlen);

/* policy_load, offering each key first to other (which may be NULL). */
int		 policy_load_with(struct policy *, const char *path,
		    policy_key_fn other, void *arg, char *err,
		    size_t errlen);

/* The most removals allowed from a list of n addresses (at least 1). */
long		 policy_limit(const struct policy *, long n);

/* Sorts a record's fields (any may be NULL) into a kind. */
enum pkind	 policy_kind(const struct policy *, const char *type,
		    const char *action, const char *reason, int hard,
		    const char *feedback_type);

/* Short name of a kind ("hard", "sender", ...). */
const char	*policy_kind_name(enum pkind);

/* Name of a verdict ("keep", "hard", "soft", "complaint"). */
const char	*policy_verdict_name(enum pverdict);

/*
 * Judges the n events of one address (sorted by ts) at time now; events
 * at or before reset (a restore) do not count.  Fills *v.
 */
void		 policy_judge(const struct policy *, const struct pevent *ev,
		    size_t n, time_t now, time_t reset, struct verdict *v);

/*
 * Parses an RFC 3339 date ("2024-05-01T12:00:00Z", offsets, fractions,
 * a space for the T).  Returns 0 with *t set, or -1.
 */
int		 policy_parse_time(const char *s, time_t *t);

/* Formats t as "YYYY-MM-DD" in UTC into buf (11 bytes at least). */
void		 policy_day(time_t t, char *buf, size_t len);

#endif
