/*
 * amazonses.c - Amazon SES notifications delivered by mail (SNS e-mail
 * subscriptions): a JSON object with notificationType Bounce, Complaint
 * or Delivery, bare or wrapped in an SNS envelope whose "Message" holds
 * it as a string.  The JSON is read into a small tree in the message's
 * arena: by a reader of its own when the text keeps to a plain subset
 * (ASCII, no \u escapes, short numbers), else by Jansson, whose tree is
 * copied.  The values are copied into the records, which go to
 * report_add().
 */
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <jansson.h>

#include "report/freetext.h"

#define SES_JSON_MAX	(1024 * 1024)	/* bigger bodies are not looked at */

static int
ses_test(struct report_ctx *ctx)
{
	struct msg	*m = ctx->msg;
	const char	*v;

	if (m->parts[0].child >= 0)
		return 0;
	if (msg_field_get(m, NULL, "x-amz-sns-message-id") != NULL)
		return 1;
	return (v = ft_header(ctx, FT_FROM)) != NULL &&
	    (strstr(v, "amazonaws.com") != NULL ||
	    strstr(v, "amazonses.com") != NULL);
}

#define SJ_DEPTH	64	/* deeper plain JSON is left to Jansson */
#define SJ_DIGITS	15	/* longer numbers are left to Jansson */

enum { JV_OTHER, JV_STRING, JV_ARRAY, JV_OBJECT };

/* A JSON value, in the message's arena. */
struct jv {
	int		 type;		/* JV_* */
	const char	*key;		/* the member's name in an object */
	const char	*s;		/* a string, NUL-terminated */
	size_t		 len;		/* its length (NULs may be inside) */
	struct jv	*kid, *last;	/* elements or members, in order */
	struct jv	*next;
};

/* What the plain reader sees; err: 1 outside the subset, -1 ENOMEM. */
struct sj {
	struct arena	*a;
	const char	*p, *e;
	int		 depth, err;
};

static void
sj_ws(struct sj *j)
{
	while (j->p < j->e && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

/* k appended to v's elements or members. */
static void
jv_add(struct jv *v, struct jv *k)
{
	if (v->last != NULL)
		v->last->next = k;
	else
		v->kid = k;
	v->last = k;
}

static struct jv *
sj_new(struct sj *j, int type)
{
	struct jv	*v;

	if ((v = arena_alloc(j->a, sizeof(*v))) == NULL) {
		j->err = -1;
		return NULL;
	}
	memset(v, 0, sizeof(*v));
	v->type = type;
	return v;
}

/* The escaped byte for \c, or 0 outside the subset (\u, bad ones). */
static char
sj_unescape(char c)
{
	switch (c) {
	case '"':
	case '\\':
	case '/':
		return c;
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	}
	return 0;
}

/*
 * Length of the plain run at p[0..n): up to a '"', a backslash, a
 * control or a byte above 0x7f (signed, below 0x20 too).  16 bytes at
 * a time with SSE2.
 */
static size_t
sj_plain(const char *p, size_t n)
{
	size_t		 i = 0;
#if defined(__SSE2__)
	__m128i		 x;
	unsigned	 m;

	for (; i + 16 <= n; i += 16) {
		x = _mm_loadu_si128((const void *)(p + i));
		m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
		    _mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
		    _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
		    _mm_cmplt_epi8(x, _mm_set1_epi8(0x20))));
		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	for (; i < n; i++)
		if (p[i] == '"' || p[i] == '\\' || (unsigned char)p[i] < 0x20 ||
		    (unsigned char)p[i] >= 0x80)
			break;
	return i;
}

/* The string at j->p (its '"') into *out, *len; 0 when not read. */
static int
sj_string(struct sj *j, const char **out, size_t *len)
{
	const char	*q, *b = j->p + 1;
	char		*o;
	size_t		 n = 0;

	/* Mostly a plain run up to the closing quote: one copy. */
	q = b + sj_plain(b, (size_t)(j->e - b));
	if (q < j->e && *q == '"') {
		if ((*out = arena_strndup(j->a, b, (size_t)(q - b))) == NULL)
			return j->err = -1, 0;
		*len = (size_t)(q - b);
		j->p = q + 1;
		return 1;
	}
	/* Printable ASCII and plain escapes only: Jansson reads the rest. */
	for (q = b; q < j->e && *q != '"'; q++, n++) {
		if ((unsigned char)*q < 0x20 || (unsigned char)*q >= 0x80)
			return j->err = 1, 0;
		if (*q == '\\' && (++q == j->e || sj_unescape(*q) == 0))
			return j->err = 1, 0;
	}
	if (q == j->e)
		return j->err = 1, 0;
	if ((o = arena_alloc(j->a, n + 1)) == NULL)
		return j->err = -1, 0;
	*out = o;
	*len = n;
	for (q = b; *q != '"'; q++)
		*o++ = *q == '\\' ? sj_unescape(*++q) : *q;
	*o = '\0';
	j->p = q + 1;
	return 1;
}

/* A number: -?(0|[1-9][0-9]*)(.[0-9]+)?, short; no exponent. */
static int
sj_number(struct sj *j)
{
	const char	*q = j->p;
	size_t		 d;

	if (q < j->e && *q == '-')
		q++;
	for (d = 0; q + d < j->e && q[d] >= '0' && q[d] <= '9'; d++)
		;
	if (d == 0 || d > SJ_DIGITS || (d > 1 && q[0] == '0'))
		return j->err = 1, 0;
	q += d;
	if (q < j->e && *q == '.') {
		for (q++, d = 0; q + d < j->e && q[d] >= '0' && q[d] <= '9';
		    d++)
			;
		if (d == 0 || d > SJ_DIGITS)
			return j->err = 1, 0;
		q += d;
	}
	j->p = q;
	return 1;
}

static struct jv	*sj_value(struct sj *);

/* The members or elements of the object or array at j->p. */
static int
sj_list(struct sj *j, struct jv *v, char close)
{
	struct jv	*k;
	const char	*key = NULL;
	size_t		 kl;

	j->p++;
	sj_ws(j);
	if (j->p < j->e && *j->p == close) {
		j->p++;
		return 1;
	}
	for (;;) {
		if (close == '}') {
			if (j->p == j->e || *j->p != '"' ||
			    !sj_string(j, &key, &kl))
				return j->err = j->err ? j->err : 1, 0;
			sj_ws(j);
			if (j->p == j->e || *j->p++ != ':')
				return j->err = 1, 0;
			sj_ws(j);
		}
		if ((k = sj_value(j)) == NULL)
			return 0;
		k->key = key;
		jv_add(v, k);
		sj_ws(j);
		if (j->p == j->e)
			return j->err = 1, 0;
		if (*j->p == close) {
			j->p++;
			return 1;
		}
		if (*j->p++ != ',')
			return j->err = 1, 0;
		sj_ws(j);
	}
}

static struct jv *
sj_value(struct sj *j)
{
	struct jv	*v;
	int		 ok;

	if (j->p == j->e)
		return j->err = 1, NULL;
	switch (*j->p) {
	case '{':
	case '[':
		if (++j->depth > SJ_DEPTH)
			return j->err = 1, NULL;
		if ((v = sj_new(j, *j->p == '{' ? JV_OBJECT : JV_ARRAY)) ==
		    NULL)
			return NULL;
		ok = sj_list(j, v, *j->p == '{' ? '}' : ']');
		j->depth--;
		return ok ? v : NULL;
	case '"':
		if ((v = sj_new(j, JV_STRING)) == NULL)
			return NULL;
		return sj_string(j, &v->s, &v->len) ? v : NULL;
	}
	if ((size_t)(j->e - j->p) >= 4 && (memcmp(j->p, "true", 4) == 0 ||
	    memcmp(j->p, "null", 4) == 0))
		j->p += 4;
	else if ((size_t)(j->e - j->p) >= 5 && memcmp(j->p, "false", 5) == 0)
		j->p += 5;
	else if (!sj_number(j))
		return NULL;
	return sj_new(j, JV_OTHER);
}

/* Jansson's tree v as a jv (key: its name in an object). */
static struct jv *
from_jansson(struct sj *j, json_t *v, const char *key)
{
	struct jv	*n, *k;
	json_t		*x;
	const char	*xk;
	size_t		 i;

	if ((n = sj_new(j, json_is_object(v) ? JV_OBJECT : json_is_array(v) ?
	    JV_ARRAY : json_is_string(v) ? JV_STRING : JV_OTHER)) == NULL ||
	    (key != NULL && (n->key = arena_strndup(j->a, key,
	    strlen(key))) == NULL))
		return j->err = -1, NULL;
	if (n->type == JV_STRING) {
		n->len = json_string_length(v);
		if ((n->s = arena_strndup(j->a, json_string_value(v),
		    n->len)) == NULL)
			return j->err = -1, NULL;
		return n;
	}
	k = NULL;
	if (n->type == JV_OBJECT) {
		json_object_foreach(v, xk, x) {
			if ((k = from_jansson(j, x, xk)) == NULL)
				return NULL;
			jv_add(n, k);
		}
	} else if (n->type == JV_ARRAY) {
		json_array_foreach(v, i, x) {
			if ((k = from_jansson(j, x, NULL)) == NULL)
				return NULL;
			jv_add(n, k);
		}
	}
	return n;
}

/*
 * The JSON object or array at the start of p[0..len) (after blanks),
 * with Jansson's flags (eof: nothing but blanks may follow).  NULL when
 * it is no JSON (*err 0) or on allocation failure (*err -1).
 */
static struct jv *
jv_load(struct arena *a, const char *p, size_t len, int eof, int *err)
{
	struct sj	 j;
	struct jv	*v;
	json_t		*o;
	json_error_t	 e;

	j.a = a;
	j.p = p;
	j.e = p + len;
	j.depth = 0;
	j.err = 0;
	sj_ws(&j);
	if (j.p < j.e && (*j.p == '{' || *j.p == '[') &&
	    (v = sj_value(&j)) != NULL) {
		sj_ws(&j);
		if (!eof || j.p == j.e)
			return v;
		j.err = 1;
	}
	if ((*err = j.err) < 0)
		return NULL;
	/* Outside the plain subset or not JSON: Jansson decides. */
	o = json_loadb(p, len, JSON_ALLOW_NUL | (eof ? 0 :
	    JSON_DISABLE_EOF_CHECK), &e);
	if (o == NULL)
		return NULL;
	v = from_jansson(&j, o, NULL);
	json_decref(o);
	*err = j.err < 0 ? -1 : 0;
	return v;
}

/* Member key of object o (the last of that name, as Jansson keeps). */
static struct jv *
jget(struct jv *o, const char *key)
{
	struct jv	*k, *found = NULL;

	if (o == NULL || o->type != JV_OBJECT)
		return NULL;
	for (k = o->kid; k != NULL; k = k->next)
		if (strcmp(k->key, key) == 0)
			found = k;
	return found;
}

static const char *
jstr(struct jv *o, const char *key)
{
	struct jv	*v = jget(o, key);

	return v != NULL && v->type == JV_STRING ? v->s : NULL;
}

/* Sets f of r to a JSON string (type prefix "dsn;" dropped). */
static int
set_js(struct dsn_record *r, enum dsn_field f, const char *s, int strip)
{
	if (s == NULL || *s == '\0')
		return 0;
	if (strip)
		s = report_strip_type(s);
	return dsn_record_sets(r, f, s);
}

/* The original message's fields from "mail". */
static int
set_mail(struct report_ctx *ctx, struct dsn_record *r, struct jv *mail)
{
	struct jv	*ch = jget(mail, "commonHeaders");
	const char	*v;

	if (r->v[DSN_F_SUBJECT] == NULL && set_js(r, DSN_F_SUBJECT,
	    jstr(ch, "subject"), 0) < 0)
		return -1;
	if (r->v[DSN_F_MESSAGE_ID] == NULL && (v = jstr(ch, "messageId")) &&
	    dsn_record_set(r, DSN_F_MESSAGE_ID, v + (*v == '<'),
	    strcspn(v + (*v == '<'), ">")) < 0)
		return -1;
	if (r->v[DSN_F_SENDER] == NULL && (v = jstr(mail, "source")) != NULL &&
	    report_set_addr(ctx, r, DSN_F_SENDER, v, strlen(v)) < 0)
		return -1;
	return 0;
}

/*
 * SES's own class of a bounce, "bounceType/bounceSubType" as it writes
 * them ("Permanent/NoEmail", "Transient/MailboxFull").
 */
static int
set_category(struct dsn_record *r, struct jv *ev)
{
	const char	*t = jstr(ev, "bounceType"), *st = jstr(ev, "bounceSubType");
	char		 buf[128];

	/* An empty type or subtype is none (no stray "/"). */
	if (t == NULL || *t == '\0')
		return 0;
	if (st != NULL && *st == '\0')
		st = NULL;
	snprintf(buf, sizeof(buf), "%.60s%s%.60s", t, st != NULL ? "/" : "",
	    st != NULL ? st : "");
	return dsn_record_sets(r, DSN_F_CATEGORY, buf);
}

/* One record for a recipient entry (object or bare string). */
static int
ses_one(struct report_ctx *ctx, const char *type, struct jv *rc,
    struct jv *ev, struct jv *mail, const char *kind)
{
	struct dsn_record	*r;
	const char		*addr, *v;

	addr = rc->type == JV_STRING ? rc->s : jstr(rc, "emailAddress");
	if (addr == NULL || (r = report_new(ctx, type)) == NULL)
		return addr == NULL ? 0 : -1;
	if (report_set_addr(ctx, r, DSN_F_RECIPIENT, addr, strlen(addr)) < 0 ||
	    set_mail(ctx, r, mail) < 0 ||
	    set_js(r, DSN_F_REPORTING_MTA, jstr(ev, "reportingMTA"), 1) < 0 ||
	    set_js(r, DSN_F_REMOTE_MTA, jstr(ev, "remoteMtaIp"), 0) < 0)
		goto fail;
	if (strcmp(kind, "Complaint") == 0) {
		v = jstr(ev, "complaintFeedbackType");
		if (set_js(r, DSN_F_FEEDBACK_TYPE, v != NULL ? v : "abuse",
		    0) < 0)
			goto fail;
	} else if (strcmp(kind, "Delivery") == 0) {
		if (set_js(r, DSN_F_DIAGNOSTIC, jstr(ev, "smtpResponse"),
		    0) < 0 || set_js(r, DSN_F_ACTION, "delivered", 0) < 0)
			goto fail;
	} else {
		v = jstr(rc, "action");
		if (set_js(r, DSN_F_ACTION, v != NULL ? v :
		    (v = jstr(ev, "bounceType")) != NULL &&
		    strcmp(v, "Transient") == 0 ? "delayed" : "failed", 0) < 0 ||
		    set_js(r, DSN_F_STATUS, jstr(rc, "status"), 0) < 0)
			goto fail;
		if (set_category(r, ev) < 0)
			goto fail;
		if ((v = jstr(rc, "diagnosticCode")) != NULL &&
		    (set_js(r, DSN_F_DIAGNOSTIC, v, 1) < 0 ||
		    (strchr(v, ';') != NULL && dsn_record_set(r,
		    DSN_F_DIAGNOSTIC_TYPE, v, strcspn(v, ";")) < 0)))
			goto fail;
	}
	return report_add(ctx, r);
fail:
	dsn_record_free(r);
	return -1;
}

static int
ses_note(struct report_ctx *ctx, struct jv *o)
{
	static const struct {
		const char	*kind, *key, *list, *type;
	} kinds[] = {
		{ "Bounce", "bounce", "bouncedRecipients", "dsn" },
		{ "Complaint", "complaint", "complainedRecipients", "feedback" },
		{ "Delivery", "delivery", "recipients", "dsn" },
	};
	const char	*nt = jstr(o, "notificationType");
	struct jv	*ev, *list, *rc;
	size_t		 k;
	int		 n = 0, got;

	if (nt == NULL)
		nt = jstr(o, "eventType");
	for (k = 0; nt != NULL && k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		if (strcmp(nt, kinds[k].kind) != 0)
			continue;
		ev = jget(o, kinds[k].key);
		if ((list = jget(ev, kinds[k].list)) == NULL ||
		    list->type != JV_ARRAY)
			continue;
		for (rc = list->kid; rc != NULL; rc = rc->next) {
			got = ses_one(ctx, kinds[k].type, rc, ev,
			    jget(o, "mail"), kinds[k].kind);
			if (got < 0)
				return -1;
			n += got;
		}
	}
	return n;
}

/*
 * The JSON text without line breaks: mailers break lines over 990
 * bytes by inserting "!", a line break and a space (sendmail), which
 * would otherwise land inside JSON strings.  Arena copy or NULL.
 */
static char *
unbreak(struct arena *a, const char *p, size_t len, size_t *outlen)
{
	char	*out, *o;
	size_t	 i, e;

	if ((out = arena_alloc(a, len + 1)) == NULL)
		return NULL;
	/* Whole lines copied at once (a byte loop cost ~17k Ir a note). */
	for (o = out, i = 0; i < len; i++) {
		e = i + msg_eol(p + i, len - i);
		memcpy(o, p + i, e - i);
		o += e - i;
		if ((i = e) >= len)
			break;
		if (o > out && o[-1] == '!' && (p[i] == '\n' ||
		    i + 1 >= len || p[i + 1] != '\n')) {
			o--;
			if (i + 1 < len && p[i + 1] == ' ')
				i++;
		}
	}
	*o = '\0';
	*outlen = (size_t)(o - out);
	return out;
}

static int
ses_parse(struct report_ctx *ctx)
{
	struct jv	*o, *inner, *msg;
	const char	*t, *p;
	size_t		 len;
	int		 err;

	if ((t = report_text(ctx, &len)) == NULL ||
	    (p = memchr(t, '{', len < SES_JSON_MAX ? len : SES_JSON_MAX)) == NULL)
		return 0;
	len -= (size_t)(p - t);
	if (len > SES_JSON_MAX)
		len = SES_JSON_MAX;
	if ((p = unbreak(ctx->msg->arena, p, len, &len)) == NULL)
		return -1;
	/*
	 * An escaped NUL (\u0000) is valid JSON: allowed, so that one in
	 * any string does not cost every record; C strings end at it.
	 */
	if ((o = jv_load(ctx->msg->arena, p, len, 0, &err)) == NULL)
		return err;
	/* An SNS envelope carries the notification as a string. */
	if ((msg = jget(o, "Message")) != NULL && msg->type == JV_STRING) {
		if ((inner = jv_load(ctx->msg->arena, msg->s, msg->len, 1,
		    &err)) != NULL)
			o = inner;
		else if (err < 0)
			return -1;
	}
	return o->type == JV_OBJECT ? ses_note(ctx, o) : 0;
}

const struct recog recog_amazonses = {
	"amazonses", 0, ses_test, ses_parse
};
