/*
 * test_report.c - dsn_report_scan() on our own samples in testdata/std:
 * RFC 3464 (one and several recipients, LF, CRLF and CR copies),
 * RFC 6533, ARF, an auto-reply and ordinary mail.  Run from the
 * repository root; exits non-zero and names each failed check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsn/report.h"

static int	 failures;

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	if (n < 0 || (buf = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, (size_t)n, f);
	fclose(f);
	return buf;
}

/* Scans path into out; returns the count, or -2 when unreadable. */
static int
scan(const char *path, struct dsn_reclist *out)
{
	struct dsn_limits	 lim;
	char			 err[128], *buf;
	size_t			 len;
	int			 n;

	dsn_limits_default(&lim);
	dsn_reclist_clear(out);
	if ((buf = slurp(path, &len)) == NULL) {
		printf("FAIL %s: cannot read\n", path);
		failures++;
		return -2;
	}
	n = dsn_report_scan(buf, len, &lim, out, err, sizeof(err));
	free(buf);
	return n;
}

static void
expect(const char *what, const struct dsn_reclist *l, size_t i,
    enum dsn_field f, const char *want)
{
	const char	*got;

	if (i >= l->n) {
		printf("FAIL %s: no record %zu\n", what, i);
		failures++;
		return;
	}
	got = l->v[i]->v[f];
	if ((want == NULL) != (got == NULL) ||
	    (want != NULL && strcmp(want, got) != 0)) {
		printf("FAIL %s: record %zu %s: want \"%s\" got \"%s\"\n", what,
		    i, dsn_field_name(f), want ? want : "(null)",
		    got ? got : "(null)");
		failures++;
	}
}

static void
expect_n(const char *what, int got, int want)
{
	if (got != want) {
		printf("FAIL %s: %d records, want %d\n", what, got, want);
		failures++;
	}
}

static void
single(const char *path, struct dsn_reclist *l)
{
	expect_n(path, scan(path, l), 1);
	expect(path, l, 0, DSN_F_RECIPIENT, "bob@example.org");
	expect(path, l, 0, DSN_F_ORIGINAL_RECIPIENT, "Bob@example.org");
	expect(path, l, 0, DSN_F_TYPE, "dsn");
	expect(path, l, 0, DSN_F_FORMAT, "rfc3464");
	expect(path, l, 0, DSN_F_ACTION, "failed");
	/* The 5.1.1 of the diagnostic beats the generic 5.0.0 Status. */
	expect(path, l, 0, DSN_F_STATUS, "5.1.1");
	expect(path, l, 0, DSN_F_REPLY_CODE, "550");
	expect(path, l, 0, DSN_F_DIAGNOSTIC_TYPE, "smtp");
	expect(path, l, 0, DSN_F_DIAGNOSTIC, "550 5.1.1 <bob@example.org>: "
	    "Recipient address rejected: User unknown in local recipient "
	    "table");
	expect(path, l, 0, DSN_F_REPORTING_MTA, "mx.example.net");
	expect(path, l, 0, DSN_F_REMOTE_MTA, "mx.example.org");
	expect(path, l, 0, DSN_F_DATE, "2025-03-04T09:15:30Z");
	expect(path, l, 0, DSN_F_LAST_ATTEMPT, "2025-03-04T09:15:30Z");
	expect(path, l, 0, DSN_F_REPORT_ID,
	    "20250304091530.4A1B2C3D@mx.example.net");
	expect(path, l, 0, DSN_F_SENDER, "alice@example.com");
	expect(path, l, 0, DSN_F_MESSAGE_ID, "orig-1@example.com");
	expect(path, l, 0, DSN_F_SUBJECT, "Quarterly r\xc3\xa9port");
	expect(path, l, 0, DSN_F_LIST_ID, "Team news <news.example.com>");
	expect(path, l, 0, DSN_F_BOUNCE_TO, "alice+bounce@example.com");
}

int
main(void)
{
	struct dsn_reclist	 l = { NULL, 0, 0 };
	const char		*p, *id;

	single("testdata/std/rfc3464-single.eml", &l);
	single("testdata/std/rfc3464-single-crlf.eml", &l);
	single("testdata/std/rfc3464-single-cr.eml", &l);

	p = "testdata/std/rfc3464-multi.eml";
	expect_n(p, scan(p, &l), 3);
	expect(p, &l, 0, DSN_F_RECIPIENT, "carol@example.org");
	expect(p, &l, 0, DSN_F_STATUS, "5.2.2");
	expect(p, &l, 0, DSN_F_REPLY_CODE, "552");
	expect(p, &l, 1, DSN_F_RECIPIENT, "dave@example.org");
	expect(p, &l, 1, DSN_F_ACTION, "delayed");
	expect(p, &l, 1, DSN_F_STATUS, "4.4.1");
	expect(p, &l, 1, DSN_F_REMOTE_MTA, "mx2.example.org");
	expect(p, &l, 2, DSN_F_RECIPIENT, "erin@example.org");
	expect(p, &l, 2, DSN_F_STATUS, "5.0.0");
	expect(p, &l, 2, DSN_F_REPLY_CODE, "550");
	expect(p, &l, 2, DSN_F_SUBJECT, "Weekly digest");
	expect(p, &l, 2, DSN_F_MESSAGE_ID, "digest-42@example.com");
	/* No Message-ID: a digest, the same on a second scan. */
	id = l.n > 0 && l.v[0]->v[DSN_F_REPORT_ID] ?
	    strdup(l.v[0]->v[DSN_F_REPORT_ID]) : NULL;
	scan(p, &l);
	expect(p, &l, 0, DSN_F_REPORT_ID, id);
	free((char *)id);

	p = "testdata/std/global-dsn.eml";
	expect_n(p, scan(p, &l), 1);
	expect(p, &l, 0, DSN_F_RECIPIENT, "j\xc3\xbcrgen@example.org");
	expect(p, &l, 0, DSN_F_STATUS, "5.1.1");
	expect(p, &l, 0, DSN_F_DATE, "2025-03-06T03:00:00Z");

	p = "testdata/std/arf.eml";
	expect_n(p, scan(p, &l), 1);
	expect(p, &l, 0, DSN_F_TYPE, "feedback");
	expect(p, &l, 0, DSN_F_FORMAT, "arf");
	expect(p, &l, 0, DSN_F_FEEDBACK_TYPE, "abuse");
	expect(p, &l, 0, DSN_F_RECIPIENT, "frank@example.net");
	expect(p, &l, 0, DSN_F_ACTION, NULL);
	expect(p, &l, 0, DSN_F_STATUS, NULL);
	expect(p, &l, 0, DSN_F_SENDER, "news@example.com");
	expect(p, &l, 0, DSN_F_MESSAGE_ID, "offer-7@example.com");

	p = "testdata/std/autoreply.eml";
	expect_n(p, scan(p, &l), 1);
	expect(p, &l, 0, DSN_F_TYPE, "autoreply");
	expect(p, &l, 0, DSN_F_FORMAT, "rfc3834");
	expect(p, &l, 0, DSN_F_RECIPIENT, "grace@example.org");
	expect(p, &l, 0, DSN_F_ACTION, NULL);
	expect(p, &l, 0, DSN_F_BOUNCE_TO, "news@example.com");

	p = "testdata/std/notbounce.eml";
	expect_n(p, scan(p, &l), 0);

	dsn_reclist_clear(&l);
	free(l.v);
	if (failures)
		printf("test_report: %d failures\n", failures);
	return failures != 0;
}
