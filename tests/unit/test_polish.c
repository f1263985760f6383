/*
 * test_polish.c - ISO 2022 text without a charset, the shift state
 * kept after a bad character, Remote-MTA values cut to the host, one
 * record per recipient per report, and the SMTP step, reply code and
 * status read from the report's text.  Exits non-zero and names each
 * failed check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsn/limits.h"
#include "dsn/record.h"
#include "dsn/report.h"
#include "message/message.h"

static int	 failures;

static void
check_str(const char *what, const char *got, const char *want)
{
	if ((want == NULL) != (got == NULL) ||
	    (want != NULL && strcmp(got, want) != 0)) {
		printf("FAIL %s: want \"%s\" got \"%s\"\n", what,
		    want ? want : "(null)", got ? got : "(null)");
		failures++;
	}
}

static void
check_int(const char *what, long got, long want)
{
	if (got != want) {
		printf("FAIL %s: want %ld got %ld\n", what, want, got);
		failures++;
	}
}

/* "ユーザー" in ISO-2022-JP and in UTF-8. */
#define JIS_USER	"\x1b$B%f!<%6!<\x1b(B"
#define UTF_USER	"\xe3\x83\xa6\xe3\x83\xbc\xe3\x82\xb6\xe3\x83\xbc"

static void
test_iso2022(void)
{
	struct arena	*a = arena_new();
	size_t		 n;

	check_str("iso2022 no charset", msg_to_utf8(a, NULL, "a " JIS_USER
	    " b", 18, &n), "a " UTF_USER " b");
	check_str("iso2022 as us-ascii", msg_to_utf8(a, "us-ascii",
	    JIS_USER, 14, &n), UTF_USER);
	check_str("plain ascii", msg_to_utf8(a, NULL, "a\x1b b", 4, &n),
	    "a\x1b b");
	check_str("iso2022 guess", msg_iso2022("x\x1b$B", 4),
	    "ISO-2022-JP-2");
	check_str("iso2022 none", msg_iso2022("x\x1b$", 3), NULL);
	/* NEC row 13 (-!) is not JIS X 0208: one U+FFFD, the run goes on. */
	check_str("iso2022 bad pair", msg_to_utf8(a, "iso-2022-jp",
	    "\x1b$B-!%f!<\x1b(Bz", 13, &n),
	    "\xef\xbf\xbd\xe3\x83\xa6\xe3\x83\xbcz");
	check_str("unfold iso2022", msg_unfold(a, "x\r\n " JIS_USER, 18),
	    "x " UTF_USER);
	arena_free(a);
}

/*
 * A DSN of ours: text part txt, then the delivery-status fields ds
 * (blocks separated by blank lines).
 */
static int
scan2(const char *txt, const char *ds, struct dsn_reclist *out)
{
	struct dsn_limits	 lim;
	char			 buf[4096], err[128];
	int			 n;

	n = snprintf(buf, sizeof(buf), "From: MAILER-DAEMON@example.net\n"
	    "To: sender@example.org\nSubject: Undelivered Mail\n"
	    "MIME-Version: 1.0\nContent-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"B\"\n\n--B\n"
	    "Content-Type: text/plain\n\n%s\n--B\n"
	    "Content-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.net\n\n%s\n--B--\n", txt, ds);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -2;
	dsn_limits_default(&lim);
	dsn_reclist_clear(out);
	return dsn_report_scan(buf, (size_t)n, &lim, out, err, sizeof(err));
}

static const char *
field(const struct dsn_reclist *l, size_t i, enum dsn_field f)
{
	return i < l->n ? l->v[i]->v[f] : "(no record)";
}

/* Remote-MTA and Reporting-MTA cut to the host. */
static void
test_mta(void)
{
	struct dsn_reclist	 l = { NULL, 0, 0 };

	check_int("mta n", scan2("Failed.\n",
	    "Final-Recipient: rfc822; a@example.com\nAction: failed\n"
	    "Status: 5.1.1\nRemote-MTA: dns; mx.example.com. "
	    "(TCP|192.0.2.1|25) (mail)\n\n"
	    "Final-Recipient: rfc822; b@example.com\nAction: failed\n"
	    "Status: 5.1.1\nRemote-MTA: dns; [192.0.2.2] (192.0.2.2)\n\n"
	    "Final-Recipient: rfc822; c@example.com\nAction: failed\n"
	    "Status: 5.1.1\nRemote-MTA: x400; mta gw.example.org in "
	    "/ADMD= /C=WW/\n", &l), 3);
	check_str("mta host", field(&l, 0, DSN_F_REMOTE_MTA),
	    "mx.example.com");
	check_str("mta literal", field(&l, 1, DSN_F_REMOTE_MTA),
	    "[192.0.2.2]");
	check_str("mta x400", field(&l, 2, DSN_F_REMOTE_MTA),
	    "gw.example.org");
	check_str("reporting", field(&l, 0, DSN_F_REPORTING_MTA),
	    "mx.example.net");
	dsn_reclist_clear(&l);
	free(l.v);
}

int
main(void)
{
	test_iso2022();
	test_mta();
	check_int("failures", failures, 0);
	return failures != 0;
}
