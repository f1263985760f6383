/*
 * amazonses.c - Amazon SES notifications delivered by mail (SNS e-mail
 * subscriptions): a JSON object with notificationType Bounce, Complaint
 * or Delivery, bare or wrapped in an SNS envelope whose "Message" holds
 * it as a string.  Parsed with Jansson; the JSON values are copied into
 * the records, which go to report_add().
 */
#include <string.h>

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

static const char *
jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
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
set_mail(struct report_ctx *ctx, struct dsn_record *r, json_t *mail)
{
	json_t		*ch = json_object_get(mail, "commonHeaders");
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
set_category(struct dsn_record *r, json_t *ev)
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
ses_one(struct report_ctx *ctx, const char *type, json_t *rc, json_t *ev,
    json_t *mail, const char *kind)
{
	struct dsn_record	*r;
	const char		*addr, *v;

	addr = json_is_string(rc) ? json_string_value(rc) :
	    jstr(rc, "emailAddress");
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
ses_note(struct report_ctx *ctx, json_t *o)
{
	static const struct {
		const char	*kind, *key, *list, *type;
	} kinds[] = {
		{ "Bounce", "bounce", "bouncedRecipients", "dsn" },
		{ "Complaint", "complaint", "complainedRecipients", "feedback" },
		{ "Delivery", "delivery", "recipients", "dsn" },
	};
	const char	*nt = jstr(o, "notificationType");
	json_t		*ev, *list, *rc;
	size_t		 i, k;
	int		 n = 0, got;

	if (nt == NULL)
		nt = jstr(o, "eventType");
	for (k = 0; nt != NULL && k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		if (strcmp(nt, kinds[k].kind) != 0)
			continue;
		ev = json_object_get(o, kinds[k].key);
		list = json_object_get(ev, kinds[k].list);
		json_array_foreach(list, i, rc) {
			got = ses_one(ctx, kinds[k].type, rc, ev,
			    json_object_get(o, "mail"), kinds[k].kind);
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
	json_t		*o, *inner = NULL;
	json_error_t	 e;
	const char	*t, *p, *msg;
	size_t		 len;
	int		 n;

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
	o = json_loadb(p, len, JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, &e);
	if (o == NULL)
		return 0;
	/* An SNS envelope carries the notification as a string. */
	if ((msg = jstr(o, "Message")) != NULL &&
	    (inner = json_loadb(msg, json_string_length(json_object_get(o,
	    "Message")), JSON_ALLOW_NUL, &e)) != NULL) {
		json_decref(o);
		o = inner;
	}
	n = json_is_object(o) ? ses_note(ctx, o) : 0;
	json_decref(o);
	return n;
}

const struct recog recog_amazonses = {
	"amazonses", 0, ses_test, ses_parse
};
