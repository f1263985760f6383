/*
 * check.h - the two checks the message-layer unit tests share: each
 * prints "FAIL what: want ... got ..." and counts into `failures`,
 * which the including file defines and main() turns into its exit.
 */
#ifndef DSN_TEST_CHECK_H
#define DSN_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

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

#endif
