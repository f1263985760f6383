/*
 * test_classify.c - unit tests of the reason table and the rule engine.
 *
 * Feeds small rule sets and records (Jansson objects built here) to
 * src/classify and checks verdicts, errors and the match limit.
 * Exit 0 when every check passes.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "classify/classify.h"

static int	 failures;

#define CHECK(c) do { if (!(c)) { failures++;				\
	fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #c); } \
	} while (0)

static struct dsn_rules *
load(const char *text, char *err, size_t errlen)
{
	struct dsn_rules	*rs = dsn_rules_new();

	err[0] = '\0';
	if (dsn_rules_load(rs, text, strlen(text), "t", err, errlen) == -1) {
		dsn_rules_free(rs);
		return NULL;
	}
	return rs;
}

static const char *
verdict(struct dsn_rules *rs, const char *rec, struct dsn_verdict *v)
{
	json_t	*o = json_loads(rec, 0, NULL);

	dsn_rules_classify(rs, o, v);
	json_decref(o);
	return v->rule != NULL ? v->rule : "-";
}

static void
test_hard(void)
{
	CHECK(dsn_reason_is_hard("userunknown", "5.1.1", "failed"));
	CHECK(dsn_reason_is_hard("hasmoved", NULL, NULL));
	CHECK(!dsn_reason_is_hard("userunknown", "4.1.1", "delayed"));
	CHECK(dsn_reason_is_hard("notaccept", "5.1.10", "failed"));
	CHECK(!dsn_reason_is_hard("notaccept", "4.4.4", "failed"));
	CHECK(!dsn_reason_is_hard("mailboxfull", "5.2.2", "failed"));
	CHECK(!dsn_reason_is_hard("nosuch", "5.1.1", "failed"));
	CHECK(dsn_reason_lookup("vacation") != NULL);
}

static void
test_match(void)
{
	struct dsn_verdict	 v;
	struct dsn_rules	*rs;
	char			 err[300];

	rs = load("[{\"id\":\"a\",\"reason\":\"userunknown\",\"when\":"
	    "{\"status\":\"5.1.*\",\"!diagnostic\":{\"re\":\"full\"}}},"
	    "{\"id\":\"b\",\"reason\":\"mailboxfull\",\"when\":"
	    "{\"reply_code\":[552,\"45?\"]}},"
	    "{\"id\":\"c\",\"reason\":\"blocked\",\"when\":"
	    "{\"domain\":\"*.example.net\",\"remote_mta\":null}},"
	    "{\"id\":\"d\",\"reason\":\"onhold\",\"when\":"
	    "{\"diagnostic\":true}}]", err, sizeof(err));
	CHECK(rs != NULL);
	if (rs == NULL)
		return;
	CHECK(dsn_rules_count(rs) == 4);
	CHECK(strcmp(verdict(rs, "{\"status\":\"5.1.10\"}", &v), "a") == 0);
	CHECK(v.hard == 1 && strcmp(v.reason, "userunknown") == 0);
	CHECK(strcmp(verdict(rs, "{\"status\":\"5.1.1\","
	    "\"diagnostic\":\"box FULL\"}", &v), "d") == 0);
	CHECK(strcmp(verdict(rs, "{\"reply_code\":552}", &v), "b") == 0);
	CHECK(strcmp(verdict(rs, "{\"reply_code\":\"451\"}", &v), "b") == 0);
	CHECK(strcmp(verdict(rs, "{\"recipient\":\"a@mx.EXAMPLE.net\"}",
	    &v), "c") == 0);
	CHECK(strcmp(verdict(rs, "{\"recipient\":\"a@mx.example.net\","
	    "\"remote_mta\":\"mx\"}", &v), "-") == 0);
	CHECK(strcmp(v.reason, "undefined") == 0 && v.hard == 0);
	CHECK(strcmp(verdict(rs, "{\"diagnostic\":\"\"}", &v), "-") == 0);
	CHECK(strcmp(verdict(rs, "{}", &v), "-") == 0);
	dsn_rules_free(rs);
}

static void
test_explain(void)
{
	struct dsn_verdict	 v;
	struct dsn_rules	*rs;
	char			 err[300];

	rs = load("{\"rules\":[{\"id\":\"x\",\"reason\":\"spamdetected\","
	    "\"when\":{\"diagnostic\":{\"re\":\"sp[a4]m\"}}}]}", err,
	    sizeof(err));
	CHECK(rs != NULL);
	if (rs == NULL)
		return;
	verdict(rs, "{\"diagnostic\":\"550 looks like SP4M to us\"}", &v);
	CHECK(strcmp(v.explain, "diagnostic~SP4M") == 0);
	dsn_rules_free(rs);

	/* Patterns run after the cheap tests; explain keeps rule order. */
	rs = load("[{\"id\":\"y\",\"reason\":\"userunknown\",\"when\":"
	    "{\"diagnostic\":{\"re\":\"no such (user|mailbox)\"},"
	    "\"!remote_mta\":{\"re\":\"\\\\.example\\\\.org$\"},"
	    "\"status\":\"5.1.*\"}}]", err, sizeof(err));
	CHECK(rs != NULL);
	if (rs == NULL)
		return;
	verdict(rs, "{\"diagnostic\":\"550 No Such User here\","
	    "\"status\":\"5.1.1\",\"remote_mta\":\"mx.example.net\"}", &v);
	CHECK(strcmp(v.explain, "diagnostic~No Such User; "
	    "!remote_mta~\\.example\\.org$ (remote_mta mx.example.net); "
	    "status=5.1.* (status 5.1.1)") == 0);
	dsn_rules_set_explain(rs, 0);
	CHECK(strcmp(verdict(rs, "{\"diagnostic\":\"550 No Such User here\","
	    "\"status\":\"5.1.1\"}", &v), "y") == 0);
	CHECK(v.explain[0] == '\0');
	dsn_rules_set_explain(rs, 1);
	CHECK(strcmp(verdict(rs, "{\"diagnostic\":\"no such mailbox\","
	    "\"status\":\"5.1.1\",\"remote_mta\":\"mx.EXAMPLE.org\"}", &v),
	    "-") == 0);
	CHECK(strcmp(verdict(rs, "{\"diagnostic\":\"no such mailbox\","
	    "\"status\":\"5.2.1\"}", &v), "-") == 0);
	/* No remote_mta: the negated pattern holds. */
	CHECK(strcmp(verdict(rs, "{\"diagnostic\":\"no such mailbox\","
	    "\"status\":\"5.1.1\"}", &v), "y") == 0);
	CHECK(strcmp(v.explain, "diagnostic~no such mailbox; "
	    "!remote_mta~\\.example\\.org$ (remote_mta null); "
	    "status=5.1.* (status 5.1.1)") == 0);
	dsn_rules_free(rs);
	rs = load("[{\"id\":\"z\",\"reason\":\"userunknown\",\"when\":"
	    "{\"diagnostic\":{\"re\":\"unknown user\"}}}]", err, sizeof(err));
	CHECK(rs != NULL);
	if (rs == NULL)
		return;
	/* U+212A KELVIN SIGN matches k: the prefilter must not skip it. */
	CHECK(strcmp(verdict(rs, "{\"diagnostic\":\"550 un\u212anown "
	    "user\"}", &v), "z") == 0);
	CHECK(strcmp(v.explain, "diagnostic~un\xe2\x84\xaanown user") == 0);
	CHECK(strcmp(verdict(rs, "{\"diagnostic\":\"550 unknow user\"}",
	    &v), "-") == 0);
	dsn_rules_free(rs);
}

/* Negated, null, true and list conditions: the condition, then the value. */
static void
test_explain_conds(void)
{
	struct dsn_verdict	 v;
	struct dsn_rules	*rs;
	char			 err[300], big[2000];
	json_t			*j;
	size_t			 i;

	rs = load("[{\"id\":\"n\",\"reason\":\"filtered\",\"when\":"
	    "{\"!status\":[\"?.1.1\",\"5.2.*\"],\"smtp_command\":"
	    "[\"RCPT\",\"DATA\"],\"remote_mta\":null,\"!action\":null,"
	    "\"diagnostic\":true,\"!reply_code\":true}}]", err,
	    sizeof(err));
	CHECK(rs != NULL);
	if (rs == NULL)
		return;
	CHECK(strcmp(verdict(rs, "{\"status\":\"5.0.0\",\"smtp_command\":"
	    "\"data\",\"action\":\"failed\",\"diagnostic\":\"550 x\"}",
	    &v), "n") == 0);
	CHECK(strcmp(v.explain, "!status=?.1.1|5.2.* (status 5.0.0); "
	    "smtp_command=DATA (smtp_command data); remote_mta=null; "
	    "!action=null (action failed); diagnostic=true (diagnostic 550 x); "
	    "!reply_code=true (reply_code null)") == 0);
	/* A long value is cut, never inside a character. */
	strcpy(big, "{\"status\":\"");
	for (i = 0; i < 300; i++)
		strcat(big, "\xc3\xa9");
	strcat(big, "\",\"smtp_command\":\"RCPT\",\"action\":\"x\","
	    "\"diagnostic\":\"");
	for (i = 0; i < 300; i++)
		strcat(big, "\xe2\x82\xac");
	strcat(big, "\"}");
	CHECK(strcmp(verdict(rs, big, &v), "n") == 0);
	CHECK((j = json_string(v.explain)) != NULL);
	json_decref(j);
	CHECK(strlen(v.explain) < sizeof(v.explain));
	dsn_rules_free(rs);
}

static void
test_errors(void)
{
	char	 err[300];

	CHECK(load("[{\"id\":\"r\",\"reason\":\"blocked\",\"when\":"
	    "{\"diagnostic\":{\"re\":\"a(b\"}}}]", err, sizeof(err)) == NULL);
	CHECK(strstr(err, "rule 1 (id \"r\")") != NULL);
	CHECK(strstr(err, "offset 3") != NULL);
	CHECK(load("[{\"id\":\"r\",\"reason\":\"bogus\"}]", err,
	    sizeof(err)) == NULL);
	CHECK(strstr(err, "unknown reason") != NULL);
	CHECK(load("[{\"id\":\"r\",\"reason\":\"blocked\",\"when\":"
	    "{\"no_field\":\"x\"}}]", err, sizeof(err)) == NULL);
	CHECK(strstr(err, "unknown field") != NULL);
	CHECK(load("[{\"id\":\"r\",\"reason\":\"blocked\"},"
	    "{\"id\":\"r\",\"reason\":\"blocked\"}]", err,
	    sizeof(err)) == NULL);
	CHECK(strstr(err, "rule 2") != NULL && strstr(err, "duplicate") !=
	    NULL);
	CHECK(load("[{\"reason\":\"blocked\"}]", err, sizeof(err)) == NULL);
	CHECK(load("[{\"id\":\"r\",\"reason\":\"blocked\",\"typo\":1}]", err,
	    sizeof(err)) == NULL);
	CHECK(load("{\"rules\": 3}", err, sizeof(err)) == NULL);
	CHECK(load("[1,", err, sizeof(err)) == NULL);
	CHECK(strncmp(err, "t:1:", 4) == 0);
}

static void
test_limit(void)
{
	struct dsn_verdict	 v;
	struct dsn_rules	*rs;
	json_t			*o;
	char			 err[300], rec[200];

	rs = load("[{\"id\":\"slow\",\"reason\":\"blocked\",\"when\":"
	    "{\"diagnostic\":{\"re\":\"^(\\\\w+\\\\s?)*$\"}}}]", err,
	    sizeof(err));
	CHECK(rs != NULL);
	if (rs == NULL)
		return;
	snprintf(rec, sizeof(rec), "{\"diagnostic\":\"%s!\"}",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	o = json_loads(rec, 0, NULL);
	CHECK(dsn_rules_classify(rs, o, &v) == 1);
	CHECK(v.rule == NULL);
	json_decref(o);
	dsn_rules_free(rs);
}

int
main(void)
{
	test_hard();
	test_match();
	test_explain();
	test_explain_conds();
	test_errors();
	test_limit();
	if (failures)
		fprintf(stderr, "test_classify: %d failed\n", failures);
	return failures != 0;
}
