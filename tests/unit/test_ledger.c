/*
 * test_ledger.c - unit tests of the prune policy and address helpers:
 * address folding, VERP, RFC 3339 dates, kinds, verdicts, settings.
 * Exit 0 when every check holds; failures are printed to stderr.
 */
#include <stdio.h>
#include <string.h>

#include "ledger/addr.h"
#include "ledger/policy.h"

#define DAY	86400

static int	failures;

#define CHECK(c) do { if (!(c)) { failures++; \
	fprintf(stderr, "test_ledger:%d: %s\n", __LINE__, #c); } } while (0)

static void
test_addr(void)
{
	char		 out[ADDR_MAX];
	const char	*s, *a;
	size_t		 n;

	CHECK(addr_fold("Jane@Example.COM", 16, 0, out, sizeof(out)) == 0 &&
	    !strcmp(out, "jane@example.com"));
	CHECK(addr_fold("Jane@Example.COM", 16, 1, out, sizeof(out)) == 0 &&
	    !strcmp(out, "Jane@example.com"));
	CHECK(addr_fold(" <a@b.org.> ", 12, 0, out, sizeof(out)) == 0 &&
	    !strcmp(out, "a@b.org"));
	CHECK(addr_fold("no-at-sign", 10, 0, out, sizeof(out)) < 0);
	CHECK(addr_fold("@example.com", 12, 0, out, sizeof(out)) < 0);
	CHECK(addr_fold("a b@example.com", 15, 0, out, sizeof(out)) < 0);
	CHECK(addr_fold("a@example.com", 13, 0, out, 5) < 0);
	s = "\"Roe, Jane\" <jane@example.com> # note";
	CHECK(addr_find(s, strlen(s), &a, &n) == 0 && n == 16 &&
	    !strncmp(a, "jane@example.com", n));
	s = "  bob@example.org   ";
	CHECK(addr_find(s, strlen(s), &a, &n) == 0 && n == 15);
	s = "just a name";
	CHECK(addr_find(s, strlen(s), &a, &n) < 0);
	CHECK(addr_verp("list-bounces+user=example.com@lists.example.org",
	    '+', out, sizeof(out)) == 0 && !strcmp(out, "user@example.com"));
	CHECK(addr_verp("b+a=b=c=example.net@l.example.org", '+', out,
	    sizeof(out)) == 0 && !strcmp(out, "a=b=c@example.net"));
	CHECK(addr_verp("list-bounces@lists.example.org", '+', out,
	    sizeof(out)) < 0);
	CHECK(addr_verp("list+12345@lists.example.org", '+', out,
	    sizeof(out)) < 0);
	CHECK(addr_verp(NULL, '+', out, sizeof(out)) < 0);
}

static void
test_time(void)
{
	time_t	 t;
	char	 d[16];

	CHECK(policy_parse_time("2024-05-01T00:00:00Z", &t) == 0 &&
	    t == 1714521600);
	CHECK(policy_parse_time("2024-05-01T02:30:00.123+02:30", &t) == 0 &&
	    t == 1714521600);
	CHECK(policy_parse_time("2024-04-30 23:00:00-01:00", &t) == 0 &&
	    t == 1714521600);
	CHECK(policy_parse_time("2024-05-01", &t) < 0);
	CHECK(policy_parse_time("2024-13-01T00:00:00Z", &t) < 0);
	CHECK(policy_parse_time("2024-05-01T00:00:00Zjunk", &t) < 0);
	CHECK(policy_parse_time(NULL, &t) < 0);
	policy_day(1714521600, d, sizeof(d));
	CHECK(!strcmp(d, "2024-05-01"));
}

static void
test_kind(const struct policy *p)
{
	CHECK(policy_kind(p, "dsn", "failed", "userunknown", 1, NULL) ==
	    PK_HARD);
	CHECK(policy_kind(p, "dsn", "failed", "mailboxfull", 0, NULL) ==
	    PK_SOFT);
	CHECK(policy_kind(p, "dsn", "failed", "blocked", 0, NULL) ==
	    PK_SENDER);
	CHECK(policy_kind(p, "dsn", "delayed", "expired", 0, NULL) ==
	    PK_DELAY);
	CHECK(policy_kind(p, "dsn", "delivered", "delivered", 0, NULL) ==
	    PK_SUCCESS);
	CHECK(policy_kind(p, "autoreply", NULL, "vacation", 0, NULL) ==
	    PK_AUTOREPLY);
	CHECK(policy_kind(p, "feedback", NULL, "feedback", 0, "abuse") ==
	    PK_COMPLAINT);
	CHECK(policy_kind(p, "feedback", NULL, "feedback", 0, NULL) ==
	    PK_COMPLAINT);
	CHECK(policy_kind(p, "feedback", NULL, "feedback", 0, "not-spam") ==
	    PK_OTHER);
}

static void
test_judge(struct policy *p)
{
	struct pevent	 ev[8];
	struct verdict	 v;
	time_t		 now = 1714521600 + 30 * DAY;
	int		 i;

	memset(ev, 0, sizeof(ev));
	for (i = 0; i < 5; i++) {
		ev[i].ts = 1714521600 + i * DAY;
		ev[i].kind = PK_SOFT;
		ev[i].reason = "mailboxfull";
	}
	policy_judge(p, ev, 4, now, 0, &v);
	CHECK(v.what == PV_KEEP);
	policy_judge(p, ev, 5, now, 0, &v);
	CHECK(v.what == PV_SOFT && strstr(v.evidence, "2024-05-05"));
	/* A restore after the fourth bounce: one day left, kept. */
	policy_judge(p, ev, 5, now, ev[3].ts, &v);
	CHECK(v.what == PV_KEEP);
	/* Past the expiry nothing counts. */
	policy_judge(p, ev, 5, now + 100 * DAY, 0, &v);
	CHECK(v.what == PV_KEEP);
	/* A success between the bounces resets the score. */
	ev[5] = ev[4];
	ev[4].kind = PK_SUCCESS;
	ev[4].ts = ev[3].ts + 3600;
	policy_judge(p, ev, 6, now, 0, &v);
	CHECK(v.what == PV_KEEP);
	/* A hard bounce after a success removes; before it, it does not. */
	ev[6].ts = ev[4].ts + 60;
	ev[6].kind = PK_HARD;
	policy_judge(p, ev, 7, now, 0, &v);
	CHECK(v.what == PV_HARD);
	ev[0].kind = PK_HARD;
	policy_judge(p, ev, 6, now, 0, &v);
	CHECK(v.what == PV_KEEP);
	ev[0].kind = PK_COMPLAINT;
	policy_judge(p, ev, 6, now, 0, &v);
	CHECK(v.what == PV_COMPLAINT);
}

static void
test_settings(void)
{
	struct policy	 p;
	char		 err[128];

	policy_init(&p);
	CHECK(policy_limit(&p, 1000) == 50 && policy_limit(&p, 3) == 1);
	CHECK(policy_set(&p, "max-remove", "7", err, sizeof(err)) == 0 &&
	    policy_limit(&p, 1000) == 7);
	CHECK(policy_set(&p, "max-remove", "101%", err, sizeof(err)) < 0);
	CHECK(policy_set(&p, "soft-bounces", "0", err, sizeof(err)) < 0);
	CHECK(policy_set(&p, "soft-bounces", "3x", err, sizeof(err)) < 0);
	CHECK(policy_set(&p, "nonsense", "1", err, sizeof(err)) < 0 &&
	    strstr(err, "unknown setting"));
	CHECK(policy_set(&p, "sender-reasons", "blocked, rejected", err,
	    sizeof(err)) == 0 && p.nsender == 2);
	CHECK(policy_kind(&p, "dsn", "failed", "spamdetected", 0, NULL) ==
	    PK_SOFT);
	CHECK(policy_set(&p, "verp-delimiter", "-", err, sizeof(err)) == 0 &&
	    p.verp_delim == '-');
	CHECK(policy_set(&p, "case-sensitive-local", "maybe", err,
	    sizeof(err)) < 0);
}

int
main(void)
{
	struct policy	 p;

	policy_init(&p);
	test_addr();
	test_time();
	test_kind(&p);
	test_judge(&p);
	test_settings();
	return failures ? 1 : 0;
}
