/*
 * maildir_seen.c - marks a Maildir message seen the way mail readers
 * do: DIR/new/NAME becomes DIR/cur/NAME:2,S, and a name in cur/ that
 * carries ":2,FLAGS" gets S added with the flags kept sorted.  Works on
 * the caller's path; the new name is built in a local buffer.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsn/source.h"

#ifndef PATH_MAX
#define PATH_MAX	4096
#endif

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Adds S to flags (a NUL-terminated string) and sorts them, no doubles. */
static void
add_seen(const char *flags, char *out, size_t outlen)
{
	unsigned char seen[256];
	size_t i, n = 0;

	memset(seen, 0, sizeof(seen));
	for (; *flags != '\0'; flags++)
		seen[(unsigned char)*flags] = 1;
	seen['S'] = 1;
	for (i = 1; i < 256 && n + 1 < outlen; i++)
		if (seen[i])
			out[n++] = (char)i;
	out[n] = '\0';
}

int
dsn_maildir_mark_seen(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX], to[PATH_MAX], flags[256];
	const char *name, *sub, *info;
	struct stat st;
	size_t dlen, blen;

	/* path = DIR/SUB/NAME with SUB new or cur. */
	if ((name = strrchr(path, '/')) == NULL || name - path < 3)
		return 0;
	sub = name - 3;
	if ((strncmp(sub, "new", 3) != 0 && strncmp(sub, "cur", 3) != 0) ||
	    (sub != path && sub[-1] != '/'))
		return 0;
	name++;
	dlen = (size_t)(sub - path);
	if (*name == '\0' || *name == '.' || dlen + 4 >= sizeof(dir))
		return 0;
	memcpy(dir, path, dlen);
	memcpy(dir + dlen, "cur", 4);		/* DIR/cur */
	if (!is_dir(dir))
		return 0;			/* not a Maildir */
	if ((info = strstr(name, ":2,")) != NULL) {
		blen = (size_t)(info - name);
		if (strlen(info + 3) >= sizeof(flags) - 1) {
			snprintf(err, errlen, "%s: flags too long", path);
			return -1;
		}
		add_seen(info + 3, flags, sizeof(flags));
		if (sub[0] == 'c' && strcmp(flags, info + 3) == 0)
			return 0;		/* seen already */
	} else if (strchr(name, ':') != NULL) {
		snprintf(err, errlen, "%s: unknown Maildir info, not marked "
		    "seen", path);
		return -1;
	} else {
		blen = strlen(name);
		memcpy(flags, "S", 2);
	}
	if ((size_t)snprintf(to, sizeof(to), "%s/%.*s:2,%s", dir, (int)blen,
	    name, flags) >= sizeof(to)) {
		snprintf(err, errlen, "%s: name too long", path);
		return -1;
	}
	/* Names are unique in a Maildir; never replace another message. */
	if (lstat(to, &st) == 0) {
		snprintf(err, errlen, "%s: not marked seen: %s exists", path,
		    to);
		return -1;
	}
	if (rename(path, to) == -1) {
		snprintf(err, errlen, "%s: marking seen: %s", path,
		    strerror(errno));
		return -1;
	}
	return 1;
}
