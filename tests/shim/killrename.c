/*
 * killrename.c - an LD_PRELOAD shim for tests: rename(2) onto the path in
 * DSN_TEST_KILL_RENAME kills the process with SIGKILL, as a crash or
 * kill -9 would, right after the rename (or right before it when
 * DSN_TEST_KILL_BEFORE is set).  It lets a test stop dsn-prune at the
 * exact moment its list is replaced.  Built by the test that uses it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
rename(const char *from, const char *to)
{
	int		(*real)(const char *, const char *);
	const char	*at = getenv("DSN_TEST_KILL_RENAME");
	int		 hit = at != NULL && strcmp(to, at) == 0, rc;

	*(void **)&real = dlsym(RTLD_NEXT, "rename");
	if (hit && getenv("DSN_TEST_KILL_BEFORE") != NULL)
		raise(SIGKILL);
	rc = real(from, to);
	if (hit)
		raise(SIGKILL);
	return rc;
}
