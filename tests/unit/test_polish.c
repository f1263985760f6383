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
#include "report/recog.h"

#include "check.h"

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
	check_str("unfold iso2022 first", msg_unfold_len(a, JIS_USER " y",
	    16, &n), UTF_USER " y");
	check_int("unfold iso2022 first: length", (long)n, 14);
	/* An escape of no ISO 2022 set is a control byte: DEL. */
	check_str("unfold lone escape", msg_unfold(a, "a\x1b b", 4),
	    "a\x7f" "b");
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

/* Repeated recipient blocks: one record, the failure, filled. */
static void
test_merge(void)
{
	struct dsn_reclist	 l = { NULL, 0, 0 };

	check_int("merge n", scan2("Failed.\n",
	    "Final-Recipient: rfc822; a@example.com\nAction: delayed\n"
	    "Status: 4.0.0\n\n"
	    "Final-Recipient: rfc822; A@example.com\nAction: failed\n"
	    "Status: 5.0.0\nRemote-MTA: dns; mx.example.com\n\n"
	    "Final-Recipient: rfc822; b@example.com\nAction: failed\n"
	    "Status: 5.2.2\n\n"
	    "Final-Recipient: rfc822; a@example.com\nAction: failed\n"
	    "Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 no such "
	    "user\n", &l), 2);
	check_str("merge rcpt", field(&l, 0, DSN_F_RECIPIENT),
	    "a@example.com");
	check_str("merge action", field(&l, 0, DSN_F_ACTION), "failed");
	check_str("merge status", field(&l, 0, DSN_F_STATUS), "5.1.1");
	check_str("merge reply", field(&l, 0, DSN_F_REPLY_CODE), "550");
	check_str("merge filled", field(&l, 0, DSN_F_REMOTE_MTA),
	    "mx.example.com");
	check_str("merge other", field(&l, 1, DSN_F_RECIPIENT),
	    "b@example.com");
	dsn_reclist_clear(&l);
	free(l.v);
}

/* The SMTP step from the text near each recipient. */
static void
test_command(void)
{
	struct dsn_reclist	 l = { NULL, 0, 0 };

	check_int("cmd n", scan2(
	    "<a@example.com>: host mx.example.com[192.0.2.1] said: 550\n"
	    "    5.0.0 <a@example.com>... User unknown (in reply to RCPT TO\n"
	    "    command)\n\n"
	    "<b@example.com>: host mx.example.com[192.0.2.1] said: 550\n"
	    "    Rejected (in reply to end of DATA command)\n\n"
	    "... while talking to mx.example.org.:\n"
	    ">>> RCPT To:<c@example.org>\n"
	    "<<< 550 5.1.1 <c@example.org>... User unknown\n"
	    "... while talking to mx.example.net.:\n"
	    ">>> DATA\n"
	    "<<< 554 5.7.1 <d@example.net>... Rejected\n\n"
	    "  e@example.net\n"
	    "    SMTP error from remote mail server after EHLO "
	    "mx.example.org:\n    550 Go away\n\n"
	    "  big-e@example.net.example.com\n"
	    "    SMTP error from remote mail server after MAIL FROM:<>:\n",
	    "Final-Recipient: rfc822; a@example.com\nAction: failed\n"
	    "Status: 5.0.0\n"
	    "Diagnostic-Code: smtp; 550 5.0.0 <a@example.com>... User\n"
	    "  unknown\n\n"
	    "Final-Recipient: rfc822; b@example.com\nAction: failed\n"
	    "Status: 5.0.0\nDiagnostic-Code: smtp; 550 Rejected\n\n"
	    "Final-Recipient: rfc822; c@example.org\nAction: failed\n"
	    "Status: 5.0.0\n\n"
	    "Final-Recipient: rfc822; d@example.net\nAction: failed\n"
	    "Status: 5.7.1\n\n"
	    "Final-Recipient: rfc822; e@example.net\nAction: failed\n"
	    "Status: 5.0.0\n", &l), 5);
	check_str("cmd postfix rcpt", field(&l, 0, DSN_F_SMTP_COMMAND),
	    "RCPT");
	check_str("cmd postfix data", field(&l, 1, DSN_F_SMTP_COMMAND),
	    "DATA");
	check_str("cmd sendmail rcpt", field(&l, 2, DSN_F_SMTP_COMMAND),
	    "RCPT");
	check_str("reply sendmail", field(&l, 2, DSN_F_REPLY_CODE), "550");
	check_str("status sendmail", field(&l, 2, DSN_F_STATUS), "5.1.1");
	check_str("cmd sendmail data", field(&l, 3, DSN_F_SMTP_COMMAND),
	    "DATA");
	check_str("reply after data", field(&l, 3, DSN_F_REPLY_CODE), "554");
	/* A longer address that contains e@example.net does not count. */
	check_str("cmd exim ehlo", field(&l, 4, DSN_F_SMTP_COMMAND), "HELO");
	check_str("reply exim", field(&l, 4, DSN_F_REPLY_CODE), "550");
	dsn_reclist_clear(&l);
	free(l.v);
}

/* A local delivery: the reply only in the transcript, no address. */
static void
test_lone(void)
{
	struct dsn_reclist	 l = { NULL, 0, 0 };

	check_int("lone n", scan2(
	    "   ----- Transcript of session follows -----\n"
	    "program failed\n554 5.3.0 unknown mailer error 255\n",
	    "Final-Recipient: rfc822; a@example.com\nAction: failed\n"
	    "Status: 5.0.0\nDiagnostic-Code: X-Unix; 255\n", &l), 1);
	check_str("lone reply", field(&l, 0, DSN_F_REPLY_CODE), "554");
	check_str("lone status", field(&l, 0, DSN_F_STATUS), "5.3.0");
	/* Two different replies: none is taken; a specific status stays. */
	check_int("lone 2", scan2("451 4.0.0 first\n421 4.4.2 second\n",
	    "Final-Recipient: rfc822; a@example.com\nAction: delayed\n"
	    "Status: 4.5.0\nDiagnostic-Code: X-Unix; 71\n", &l), 1);
	check_str("lone 2 reply", field(&l, 0, DSN_F_REPLY_CODE), NULL);
	check_int("lone 3", scan2("451 4.0.0 Operating system error\n",
	    "Final-Recipient: rfc822; a@example.com\nAction: delayed\n"
	    "Status: 4.5.0\nDiagnostic-Code: X-Unix; 71\n", &l), 1);
	check_str("lone 3 reply", field(&l, 0, DSN_F_REPLY_CODE), "451");
	check_str("lone 3 status", field(&l, 0, DSN_F_STATUS), "4.5.0");
	/* A reply of another class than the status is not taken. */
	check_int("lone 4", scan2("554 5.3.0 unknown mailer error\n",
	    "Final-Recipient: rfc822; a@example.com\nAction: delayed\n"
	    "Status: 4.0.0\n", &l), 1);
	check_str("lone 4 reply", field(&l, 0, DSN_F_REPLY_CODE), NULL);
	check_str("lone 4 status", field(&l, 0, DSN_F_STATUS), "4.0.0");
	dsn_reclist_clear(&l);
	free(l.v);
}

/*
 * Each three-digit code of class 2, 4 or 5 is read as a reply code at
 * the start of a line exactly when it is one of the known replies.
 */
static void
test_known_replies(void)
{
	static const char known[] =
	    "211 214 220 221 235 250 251 252 253 "
	    "421 422 430 432 450 451 452 453 454 455 458 459 471 "
	    "500 501 502 503 504 521 523 524 525 530 534 535 538 "
	    "550 551 552 553 554 555 556 557 571 ";
	char	 line[8], code[4], rc[4];
	int	 c, bad = 0, found = 0, want;

	for (c = 200; c < 600; c++) {
		if (c / 100 == 3)
			continue;
		snprintf(code, sizeof(code), "%d", c);
		snprintf(line, sizeof(line), "%s x", code);
		want = strstr(known, code) != NULL &&
		    (strstr(known, code) - known) % 4 == 0;
		found += want;
		if (status_reply_find(line, strlen(line), 0, rc) != want)
			bad++;
	}
	check_int("known replies: codes read otherwise", bad, 0);
	check_int("known replies: how many", found, 44);
}

int
main(void)
{
	test_known_replies();
	test_iso2022();
	test_mta();
	test_merge();
	test_command();
	test_lone();
	check_int("failures", failures, 0);
	return failures != 0;
}
