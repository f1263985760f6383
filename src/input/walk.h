/*
 * walk.h - listing a folder: Maildir (cur/ and new/, Maildir++
 * sub-folders), MH folders and plain directories, in a stable order.
 * Private to src/input/; the list owns its path strings.
 */
#ifndef WALK_H
#define WALK_H

#include <stddef.h>

#include "dsn/source.h"

struct walk_item {
	char	*path;
	int	 is_dir;
};

struct walk_dir {
	struct walk_item	*v;
	size_t			 n, i;	/* i: next item to visit */
};

/*
 * Lists dir into out: message files first-class, sub-folders only with
 * DSN_SOURCE_RECURSE in flags, a Maildir's new/ alone with
 * DSN_SOURCE_NEW_ONLY.  Returns 0, or -1 with "dir: reason" in err.
 */
int	walk_dir_list(const char *dir, int flags, struct walk_dir *out,
	    char *err, size_t errlen);

/* Frees the items; the struct itself is the caller's. */
void	walk_dir_free(struct walk_dir *);

#endif
