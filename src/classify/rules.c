/*
 * rules.c - ordered classification rules loaded from JSON, PCRE2 inside.
 *
 * Each rule names a reason and a set of conditions on record fields;
 * the first rule whose conditions all hold decides.  Patterns are
 * compiled once at load time (JIT at their first run, when available)
 * and matched under a match context with a low match limit, so a
 * runaway pattern ends as "no match".  A rule's cheap conditions are
 * tested first, and a pattern runs only when a literal it needs is in
 * the text (prefilter.c, one scan per field and record).  The rule set
 * owns every string and compiled pattern.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "classify/classify.h"
#include "classify/prefilter.h"
#include "dsn/record.h"

#define DEFAULT_MATCH_LIMIT	100000
#define DEPTH_LIMIT		1000
#define EXPLAIN_TEXT		160
#define EXPLAIN_PATTERN		60

enum cond_kind {
	C_GLOB,		/* any of globs[], case-insensitive */
	C_RE,		/* PCRE2 pattern */
	C_ABSENT,	/* null, missing or empty */
	C_PRESENT	/* any non-empty value */
};

struct cond {
	char		*field;
	size_t		 fid;		/* index in dsn_rules.fields */
	int		 neg;
	enum cond_kind	 kind;
	char		**globs;
	size_t		 nglobs;
	pcre2_code	*re;
	char		*src;		/* C_RE: the pattern, for explain */
	uint64_t	*lits;		/* prefilter literals, a bit each */
	size_t		 nlits;		/* words; 0: always run */
	int		 run;		/* C_RE: the pattern must run */
	int		 jit;		/* C_RE: JIT compiled (or tried) */
	PCRE2_SIZE	 mo, ml;	/* C_RE: the match, for explain */
};

struct rule {
	char			*id;
	char			*from;		/* the name it was loaded as */
	size_t			 num;		/* its number there, from 1 */
	const struct dsn_reason	*reason;
	struct cond		*conds;
	size_t			 nconds;
};

/* A field conditions name, and its value in the current record. */
struct field {
	char		*name;
	unsigned	 gen;		/* record of text, len */
	unsigned	 sgen;		/* record of bits */
	const char	*text;		/* NULL: null, missing or empty */
	size_t		 len;
	char		 buf[32];	/* a number's text */
	uint64_t	*bits;		/* prefilter literals found */
	size_t		 nbits;		/* words allocated */
};

struct dsn_rules {
	struct rule		*rules;
	size_t			 n, cap;
	pcre2_match_context	*mctx;
	pcre2_match_data	*md;
	int			 limit_hits;
	struct pf		*pf;
	struct field		*fields;
	size_t			 nfields, fcap;
	unsigned		 gen;		/* records classified */
	json_t			*rec;		/* the record being classified */
	int			 explain;	/* fill dsn_verdict.explain */
};

static const char *const rule_keys[] = { "id", "reason", "when", "note" };

static void
cond_clear(struct cond *c)
{
	size_t	 i;

	free(c->field);
	for (i = 0; i < c->nglobs; i++)
		free(c->globs[i]);
	free(c->globs);
	pcre2_code_free(c->re);
	free(c->src);
	free(c->lits);
}

static void
rule_clear(struct rule *r)
{
	size_t	 i;

	free(r->id);
	free(r->from);
	for (i = 0; i < r->nconds; i++)
		cond_clear(&r->conds[i]);
	free(r->conds);
}

struct dsn_rules *
dsn_rules_new(void)
{
	struct dsn_rules	*rs;

	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return NULL;
	rs->mctx = pcre2_match_context_create(NULL);
	rs->md = pcre2_match_data_create(8, NULL);
	rs->pf = pf_new();
	if (rs->mctx == NULL || rs->md == NULL || rs->pf == NULL) {
		dsn_rules_free(rs);
		return NULL;
	}
	dsn_rules_set_match_limit(rs, DEFAULT_MATCH_LIMIT);
	pcre2_set_depth_limit(rs->mctx, DEPTH_LIMIT);
	rs->explain = 1;
	return rs;
}

void
dsn_rules_set_explain(struct dsn_rules *rs, int on)
{
	rs->explain = on;
}

void
dsn_rules_set_match_limit(struct dsn_rules *rs, unsigned limit)
{
	pcre2_set_match_limit(rs->mctx, limit);
}

void
dsn_rules_free(struct dsn_rules *rs)
{
	size_t	 i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n; i++)
		rule_clear(&rs->rules[i]);
	free(rs->rules);
	for (i = 0; i < rs->nfields; i++) {
		free(rs->fields[i].name);
		free(rs->fields[i].bits);
	}
	free(rs->fields);
	pcre2_match_context_free(rs->mctx);
	pcre2_match_data_free(rs->md);
	pf_free(rs->pf);
	free(rs);
}

size_t
dsn_rules_count(const struct dsn_rules *rs)
{
	return rs->n;
}

const char *
dsn_rules_id(const struct dsn_rules *rs, size_t i)
{
	return i < rs->n ? rs->rules[i].id : NULL;
}

/*
 * XXX fields: conditions may name only dsn-parse's fields (and "domain"),
 * which catches typos but cannot match a field another tool added.
 */
static int
field_known(const char *name)
{
	return dsn_field_lookup(name) >= 0 || strcmp(name, "domain") == 0;
}

/* One glob from a JSON string or integer; NULL on a wrong type. */
static char *
glob_from(json_t *v)
{
	char	 buf[32];

	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld",
		    (long long)json_integer_value(v));
		return strdup(buf);
	}
	return NULL;
}

static int
cond_globs(struct cond *c, json_t *v, char *err, size_t errlen)
{
	size_t	 i, n;

	n = json_is_array(v) ? json_array_size(v) : 1;
	if (n == 0) {
		snprintf(err, errlen, "\"%s\": empty list", c->field);
		return -1;
	}
	if ((c->globs = calloc(n, sizeof(char *))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->kind = C_GLOB;
	for (i = 0; i < n; i++) {
		json_t	*e = json_is_array(v) ? json_array_get(v, i) : v;

		if ((c->globs[i] = glob_from(e)) == NULL) {
			snprintf(err, errlen, "\"%s\": want a string, number, "
			    "list, {\"re\": ...}, true or null", c->field);
			return -1;
		}
		c->nglobs++;
	}
	return 0;
}

static int
cond_regex(struct dsn_rules *rs, struct cond *c, json_t *v, char *err,
    size_t errlen)
{
	json_t		*p = json_object_get(v, "re");
	PCRE2_UCHAR	 msg[120];
	PCRE2_SIZE	 off;
	uint32_t	*ids;
	int		 ec, i, n;

	if (!json_is_string(p) || json_object_size(v) != 1) {
		snprintf(err, errlen, "\"%s\": an object must be "
		    "{\"re\": \"pattern\"}", c->field);
		return -1;
	}
	c->kind = C_RE;
	c->re = pcre2_compile((PCRE2_SPTR)json_string_value(p),
	    json_string_length(p), PCRE2_CASELESS | PCRE2_UTF |
	    PCRE2_MATCH_INVALID_UTF, &ec, &off, NULL);
	if (c->re == NULL) {
		pcre2_get_error_message(ec, msg, sizeof(msg));
		snprintf(err, errlen, "\"%s\": bad pattern at offset %zu: %s",
		    c->field, (size_t)off, (char *)msg);
		return -1;
	}
	if ((c->src = strdup(json_string_value(p))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* The literals a match needs, looked for once per record. */
	if ((n = pf_add(rs->pf, json_string_value(p), json_string_length(p),
	    &ids)) > 0) {
		for (i = 0; i < n; i++)
			if (ids[i] / 64 + 1 > c->nlits)
				c->nlits = ids[i] / 64 + 1;
		if ((c->lits = calloc(c->nlits, sizeof(*c->lits))) != NULL)
			for (i = 0; i < n; i++)
				c->lits[ids[i] / 64] |= (uint64_t)1 <<
				    (ids[i] % 64);
		free(ids);
	}
	if (n == -1 || (n > 0 && c->lits == NULL)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* The index of field name in rs->fields, added if new; -1 on ENOMEM. */
static long
field_index(struct dsn_rules *rs, const char *name)
{
	struct field	*nf;
	size_t		 i;

	for (i = 0; i < rs->nfields; i++)
		if (strcmp(rs->fields[i].name, name) == 0)
			return (long)i;
	if (rs->nfields == rs->fcap) {
		nf = realloc(rs->fields, (rs->fcap + 8) * sizeof(*nf));
		if (nf == NULL)
			return -1;
		rs->fields = nf;
		rs->fcap += 8;
	}
	memset(&rs->fields[i], 0, sizeof(rs->fields[i]));
	if ((rs->fields[i].name = strdup(name)) == NULL)
		return -1;
	rs->nfields++;
	return (long)i;
}

static int
cond_parse(struct dsn_rules *rs, struct cond *c, const char *key, json_t *v,
    char *err, size_t errlen)
{
	long	 fid;

	c->neg = key[0] == '!';
	if ((c->field = strdup(key + c->neg)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!field_known(c->field)) {
		snprintf(err, errlen, "\"when\": unknown field \"%s\"",
		    c->field);
		return -1;
	}
	if ((fid = field_index(rs, c->field)) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->fid = (size_t)fid;
	if (json_is_null(v))
		c->kind = C_ABSENT;
	else if (json_is_true(v))
		c->kind = C_PRESENT;
	else if (json_is_object(v))
		return cond_regex(rs, c, v, err, errlen);
	else
		return cond_globs(c, v, err, errlen);
	return 0;
}

static int
rule_check_keys(json_t *o, char *err, size_t errlen)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	json_object_foreach(o, k, v) {
		for (i = 0; i < sizeof(rule_keys) / sizeof(rule_keys[0]); i++)
			if (strcmp(k, rule_keys[i]) == 0)
				break;
		if (i == sizeof(rule_keys) / sizeof(rule_keys[0])) {
			snprintf(err, errlen, "unknown key \"%s\"", k);
			return -1;
		}
	}
	return 0;
}

static int
rule_parse(struct dsn_rules *rs, struct rule *r, json_t *o, char *err,
    size_t errlen)
{
	json_t		*id, *reason, *when, *v;
	const char	*k;

	if (!json_is_object(o)) {
		snprintf(err, errlen, "a rule must be an object");
		return -1;
	}
	id = json_object_get(o, "id");
	reason = json_object_get(o, "reason");
	when = json_object_get(o, "when");
	if (!json_is_string(id) || json_string_length(id) == 0) {
		snprintf(err, errlen, "\"id\" must be a non-empty string");
		return -1;
	}
	if ((r->id = strdup(json_string_value(id))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (rule_check_keys(o, err, errlen) == -1)
		return -1;
	if (!json_is_string(reason) ||
	    (r->reason = dsn_reason_lookup(json_string_value(reason))) ==
	    NULL) {
		snprintf(err, errlen, "unknown reason \"%.40s\" (see "
		    "--list-reasons)", json_is_string(reason) ?
		    json_string_value(reason) : "");
		return -1;
	}
	if (when != NULL && !json_is_object(when)) {
		snprintf(err, errlen, "\"when\" must be an object");
		return -1;
	}
	if (when == NULL || json_object_size(when) == 0)
		return 0;
	r->conds = calloc(json_object_size(when), sizeof(*r->conds));
	if (r->conds == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_object_foreach(when, k, v) {
		if (cond_parse(rs, &r->conds[r->nconds++], k, v, err,
		    errlen) == -1)
			return -1;
	}
	return 0;
}

static int
rules_grow(struct dsn_rules *rs, size_t more)
{
	struct rule	*nr;
	size_t		 cap;

	if (rs->n + more <= rs->cap)
		return 0;
	cap = rs->n + more + 16;
	if ((nr = realloc(rs->rules, cap * sizeof(*nr))) == NULL)
		return -1;
	rs->rules = nr;
	rs->cap = cap;
	return 0;
}

/* The rule loaded before with this id, or NULL. */
static const struct rule *
rules_dup_id(const struct dsn_rules *rs, const char *id)
{
	size_t	 i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->rules[i].id, id) == 0)
			return &rs->rules[i];
	return NULL;
}

int
dsn_rules_load(struct dsn_rules *rs, const char *text, size_t len,
    const char *name, char *err, size_t errlen)
{
	json_error_t	 je;
	json_t		*root, *list, *id;
	const struct rule *dup;
	char		 why[300];
	size_t		 i, n0 = rs->n;
	int		 rc = -1;

	/* A UTF-8 BOM, as some Windows editors write, is no JSON. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	if ((root = json_loadb(text, len, JSON_REJECT_DUPLICATES,
	    &je)) == NULL) {
		snprintf(err, errlen, "%s:%d:%d: %s", name, je.line,
		    je.column, je.text);
		return -1;
	}
	list = json_is_object(root) ? json_object_get(root, "rules") : root;
	if (!json_is_array(list)) {
		snprintf(err, errlen, "%s: want a list of rules or "
		    "{\"rules\": [...]}", name);
		goto out;
	}
	if (rules_grow(rs, json_array_size(list)) == -1) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	for (i = 0; i < json_array_size(list); i++) {
		struct rule	*r = &rs->rules[rs->n];

		memset(r, 0, sizeof(*r));
		if (rule_parse(rs, r, json_array_get(list, i), why,
		    sizeof(why)) == 0) {
			if ((dup = rules_dup_id(rs, r->id)) == NULL) {
				r->num = i + 1;
				if ((r->from = strdup(name)) != NULL) {
					rs->n++;
					continue;
				}
				snprintf(why, sizeof(why), "out of memory");
			} else {
				/* Name the rule that came first (a user's). */
				snprintf(err, errlen, "%s: rule %zu (id "
				    "\"%.60s\"): duplicate id, also rule %zu "
				    "of %s", dup->from, dup->num, dup->id,
				    i + 1, name);
				rule_clear(r);
				goto out;
			}
		}
		id = json_object_get(json_array_get(list, i), "id");
		snprintf(err, errlen, "%s: rule %zu (id \"%.60s\"): %s", name,
		    i + 1, json_is_string(id) ? json_string_value(id) : "?",
		    why);
		rule_clear(r);
		goto out;
	}
	rc = 0;
out:
	if (rc == -1) {
		while (rs->n > n0)
			rule_clear(&rs->rules[--rs->n]);
	}
	json_decref(root);
	return rc;
}

/* ASCII lower case (tolower() in the C locale, inline). */
static int
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : (unsigned char)c;
}

/* Case-insensitive glob: '*' any run, '?' any one byte, else literal. */
static int
glob_match(const char *p, const char *s)
{
	const char	*star = NULL, *resume = NULL;

	while (*s != '\0') {
		if (*p == '*') {
			star = ++p;
			resume = s;
		} else if (*p != '\0' && (*p == '?' ||
		    lower(*p) == lower(*s))) {
			p++;
			s++;
		} else if (star != NULL) {
			p = star;
			s = ++resume;
		} else
			return 0;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/* The text of field name in rec, or NULL; buf holds numbers. */
static const char *
field_text(json_t *rec, const char *name, char *buf, size_t len)
{
	const char	*s, *at;
	json_t		*v;

	if (strcmp(name, "domain") == 0) {
		s = field_text(rec, "recipient", buf, len);
		if (s == NULL || (at = strrchr(s, '@')) == NULL)
			return NULL;
		return at[1] != '\0' ? at + 1 : NULL;
	}
	v = json_object_get(rec, name);
	if (json_is_string(v))
		s = json_string_value(v);
	else if (json_is_integer(v)) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		s = buf;
	} else if (json_is_boolean(v))
		s = json_is_true(v) ? "true" : "false";
	else
		return NULL;
	return s[0] != '\0' ? s : NULL;
}

/* How many of the len bytes at s fit in max, not cutting a character. */
static size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* Drops a character that the end of s cuts short. */
static void
utf8_trim(char *s)
{
	size_t		 len = strlen(s), i = len, need;
	unsigned char	 c;

	while (i > 0 && len - i < 3 && ((unsigned char)s[i - 1] & 0xc0) ==
	    0x80)
		i--;
	if (i == 0 || (c = (unsigned char)s[i - 1]) < 0xc0)
		return;
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	if (len - (i - 1) < need)
		s[i - 1] = '\0';
}

/* Appends the printf-style text to the explanation, cut on a UTF-8 edge. */
static void
explain_put(struct dsn_verdict *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
explain_put(struct dsn_verdict *v, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 used = strlen(v->explain), room = sizeof(v->explain) - used;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(v->explain + used, room, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= room)
		utf8_trim(v->explain);
}

/* Appends text (len bytes), cut to max on a UTF-8 edge. */
static void
explain_text(struct dsn_verdict *v, const char *s, size_t len, size_t max)
{
	explain_put(v, "%.*s", (int)utf8_cut(s, len, max), s);
}

/*
 * Appends condition c and the value it was tested on: "field~matched
 * text" for a pattern that matched; otherwise "field=glob", "!field~
 * pattern", "field=null" or "field=true", then "(field value)" unless
 * the value is the condition's text itself.
 */
static void
explain_add(struct dsn_verdict *v, const struct cond *c,
    const struct field *f)
{
	size_t	 i;
	int	 hit = -1;

	explain_put(v, "%s%s%s%s", v->explain[0] ? "; " : "",
	    c->neg ? "!" : "", c->field, c->kind == C_RE ? "~" : "=");
	switch (c->kind) {
	case C_RE:
		if (!c->neg) {
			explain_text(v, f->text + c->mo, c->ml, EXPLAIN_TEXT);
			return;
		}
		explain_text(v, c->src, strlen(c->src), EXPLAIN_PATTERN);
		if (strlen(c->src) > EXPLAIN_PATTERN)
			explain_put(v, "...");
		break;
	case C_ABSENT:
		explain_put(v, "null");
		break;
	case C_PRESENT:
		explain_put(v, "true");
		break;
	case C_GLOB:
		/* The glob that matched, or every one of a negated list. */
		for (i = 0; !c->neg && f->text != NULL && i < c->nglobs; i++)
			if (glob_match(c->globs[i], f->text)) {
				hit = (int)i;
				break;
			}
		for (i = 0; i < c->nglobs; i++)
			if (hit == -1 || (size_t)hit == i)
				explain_put(v, "%s%s", hit == -1 && i > 0 ?
				    "|" : "", c->globs[i]);
		if (hit != -1 && strcmp(c->globs[hit], f->text) == 0)
			return;
		break;
	}
	if (c->kind == C_ABSENT && !c->neg)
		return;
	explain_put(v, " (%s ", c->field);
	if (f->text == NULL)
		explain_put(v, "null");
	else
		explain_text(v, f->text, f->len, EXPLAIN_TEXT);
	explain_put(v, ")");
}

/* Looks field f up in the current record. */
static void
field_load(struct dsn_rules *rs, struct field *f)
{
	f->gen = rs->gen;
	f->text = field_text(rs->rec, f->name, f->buf, sizeof(f->buf));
	f->len = f->text != NULL ? strlen(f->text) : 0;
}

/* Field fid of the current record, looked up once per record. */
static inline struct field *
field_get(struct dsn_rules *rs, size_t fid)
{
	struct field	*f = &rs->fields[fid];

	if (f->gen != rs->gen)
		field_load(rs, f);
	return f;
}

/*
 * 0 when no literal of c's prefilter is in field f, so its pattern
 * cannot match; the field is scanned once per record for all of them.
 */
static int
maybe(struct dsn_rules *rs, const struct cond *c, struct field *f)
{
	size_t	 i, words = pf_words(rs->pf);

	if (c->nlits == 0)
		return 1;
	if (f->nbits < words) {
		free(f->bits);
		if ((f->bits = calloc(words, sizeof(*f->bits))) == NULL) {
			f->nbits = 0;
			return 1;
		}
		f->nbits = words;
		f->sgen = 0;
	}
	if (f->sgen != rs->gen) {
		f->sgen = rs->gen;
		if (pf_scan(rs->pf, f->text, f->len, f->bits) == -1)
			return 1;
	}
	for (i = 0; i < c->nlits; i++)
		if (f->bits[i] & c->lits[i])
			return 1;
	return 0;
}

/*
 * Whether condition c holds without running a pattern: 1 or 0; for a
 * pattern that may match, c->run is set and 1 returned (decided later).
 */
static int
cond_cheap(struct dsn_rules *rs, struct cond *c)
{
	struct field	*f = field_get(rs, c->fid);
	size_t		 i;
	int		 hit = 0;

	c->run = 0;
	switch (c->kind) {
	case C_ABSENT:
		hit = f->text == NULL;
		break;
	case C_PRESENT:
		hit = f->text != NULL;
		break;
	case C_GLOB:
		for (i = 0; f->text != NULL && i < c->nglobs && !hit; i++)
			hit = glob_match(c->globs[i], f->text);
		break;
	case C_RE:
		if (f->text != NULL && maybe(rs, c, f)) {
			c->run = 1;
			return 1;
		}
		break;
	}
	return hit != c->neg;
}

/* Runs c's pattern: whether the condition holds. */
static int
cond_run(struct dsn_rules *rs, struct cond *c)
{
	struct field	*f = field_get(rs, c->fid);
	PCRE2_SIZE	*ov;
	int		 rc;

	/*
	 * JIT on the first run: most patterns never run (prefilter).
	 * Without JIT (unsupported CPU) the interpreter still works.
	 */
	if (!c->jit) {
		(void)pcre2_jit_compile(c->re, PCRE2_JIT_COMPLETE);
		c->jit = 1;
	}
	rc = pcre2_match(c->re, (PCRE2_SPTR)f->text, f->len, 0, 0, rs->md,
	    rs->mctx);
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_JIT_STACKLIMIT)
		rs->limit_hits++;
	if (rc >= 0) {
		ov = pcre2_get_ovector_pointer(rs->md);
		c->mo = ov[0];
		c->ml = ov[1] - ov[0];
	}
	return (rc >= 0) != c->neg;
}

/*
 * Whether every condition of r holds: the cheap ones first, patterns
 * only when those pass and their literals are in the text.
 */
static int
rule_match(struct dsn_rules *rs, struct rule *r)
{
	size_t	 j;

	for (j = 0; j < r->nconds; j++)
		if (!cond_cheap(rs, &r->conds[j]))
			return 0;
	for (j = 0; j < r->nconds; j++)
		if (r->conds[j].run && !cond_run(rs, &r->conds[j]))
			return 0;
	return 1;
}

/* The explanation of a rule that matched, its conditions in order. */
static void
explain(struct dsn_rules *rs, struct rule *r, struct dsn_verdict *v)
{
	struct cond	*c;
	struct field	*f;
	size_t		 j;

	v->explain[0] = '\0';
	for (j = 0; j < r->nconds; j++) {
		c = &r->conds[j];
		f = field_get(rs, c->fid);
		explain_add(v, c, f);
	}
}

int
dsn_rules_classify(struct dsn_rules *rs, json_t *rec,
    struct dsn_verdict *v)
{
	char		 b1[32], b2[32];
	const char	*status, *action;
	size_t		 i;

	if (++rs->gen == 0) {		/* wrapped: forget every field */
		for (i = 0; i < rs->nfields; i++)
			rs->fields[i].gen = rs->fields[i].sgen = 0;
		rs->gen = 1;
	}
	rs->rec = rec;
	rs->limit_hits = 0;
	v->reason = "undefined";
	v->rule = NULL;
	v->explain[0] = '\0';
	for (i = 0; i < rs->n; i++) {
		if (rule_match(rs, &rs->rules[i])) {
			v->reason = rs->rules[i].reason->name;
			v->rule = rs->rules[i].id;
			if (rs->explain)
				explain(rs, &rs->rules[i], v);
			break;
		}
	}
	rs->rec = NULL;
	status = field_text(rec, "status", b1, sizeof(b1));
	action = field_text(rec, "action", b2, sizeof(b2));
	v->hard = dsn_reason_is_hard(v->reason, status, action);
	return rs->limit_hits;
}
