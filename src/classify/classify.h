/*
 * classify.h - bounce reasons and the rules that pick them.
 *
 * The reason vocabulary is a fixed table (reason.c).  A rule set
 * (rules.c) is loaded from JSON text, its patterns compiled once with
 * PCRE2 JIT; it is owned by the caller and freed with dsn_rules_free().
 * Classifying a record borrows the record; the verdict's strings point
 * into the rule set (reason, rule) or into the verdict's own buffer
 * (explain), valid until the next call on the same verdict.
 */
#ifndef DSN_CLASSIFY_H
#define DSN_CLASSIFY_H

#include <stddef.h>

#include <jansson.h>

struct dsn_reason {
	const char	*name;
	const char	*meaning;
	int		 hard;		/* 1 hard, 2 hard with 5.X.X only */
};

/* The vocabulary, in the order --list-reasons prints it. */
const struct dsn_reason	*dsn_reason_table(size_t *n);

/* Entry for a reason name, or NULL. */
const struct dsn_reason	*dsn_reason_lookup(const char *name);

/*
 * 1 when reason, with status and action of the record (either may be
 * NULL), is a hard bounce: the address will never work.
 */
int		 dsn_reason_is_hard(const char *reason, const char *status,
		    const char *action);

struct dsn_rules;

struct dsn_verdict {
	const char	*reason;
	const char	*rule;
	int		 hard;
	char		 explain[512];	/* "field=~text; ..." of the match */
};

/* An empty rule set, NULL on allocation failure. */
struct dsn_rules	*dsn_rules_new(void);

/*
 * Appends the rules of the JSON text (len bytes) named name (for
 * messages); rules loaded earlier take precedence.  Returns 0, or -1
 * with a message in err naming the rule (index and id) and, for a bad
 * pattern, the PCRE2 error and offset.
 */
int		 dsn_rules_load(struct dsn_rules *, const char *text,
		    size_t len, const char *name, char *err, size_t errlen);

/* Number of rules; the id of rule i (borrowed). */
size_t		 dsn_rules_count(const struct dsn_rules *);
const char	*dsn_rules_id(const struct dsn_rules *, size_t i);

/*
 * Sets the PCRE2 match limit (default 100000): a pattern that runs past
 * it counts as no match, never a hang.
 */
void		 dsn_rules_set_match_limit(struct dsn_rules *, unsigned);

/*
 * Whether dsn_rules_classify() fills the verdict's explain (default 1);
 * without it, explain is left empty.
 */
void		 dsn_rules_set_explain(struct dsn_rules *, int on);

/*
 * Classifies the record object rec: fills v from the first rule that
 * matches (reason "undefined", rule NULL when none does).  Returns the
 * number of pattern matches that hit the match limit (0 normally).
 */
int		 dsn_rules_classify(struct dsn_rules *, json_t *rec,
		    struct dsn_verdict *v);

/* NULL is a no-op. */
void		 dsn_rules_free(struct dsn_rules *);

/* The default rules built into the program (data/rules.json). */
extern const char	dsn_rules_default[];
extern const size_t	dsn_rules_default_len;

#endif
