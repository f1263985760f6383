/*
 * list.h - mailing-list files: read, locked, rewritten atomically.
 *
 * A list is plain text (one address a line, "Name <address>" lines,
 * '#' comments and blank lines) or CSV with a header row naming the
 * address column (there '#' marks a comment only before the header, or
 * in a record whose address column holds no address).  Each line (or CSV record) is kept as the exact bytes
 * it had, so a rewrite changes nothing but the entries it drops.  The
 * struct list owns its buffer, entries and descriptor; list_free
 * releases them and with them the lock.
 */
#ifndef LEDGER_LIST_H
#define LEDGER_LIST_H

#include <sys/stat.h>
#include <limits.h>
#include <stddef.h>

enum list_fmt {
	LIST_AUTO,
	LIST_TEXT,
	LIST_CSV
};

struct list_entry {
	size_t	 off;		/* first byte in buf */
	size_t	 len;		/* bytes, with the line end */
	long	 line;		/* 1-based number of its first line */
	char	*addr;		/* folded address; NULL: comment, blank... */
};

struct list {
	char			*path;	/* resolved (symlinks followed) */
	int			 fd;
	int			 waited;	/* lock was held by another run */
	struct stat		 st;
	char			*buf;
	size_t			 size;
	struct list_entry	*e;
	size_t			 n;
	size_t			 naddr;		/* entries with an address */
	size_t			 nbad;		/* lines with none */
	enum list_fmt		 fmt;
	int			 csv_col;	/* CSV: the address column */
	char			 csv_delim;	/* ... and the delimiter */
	char			 staged[PATH_MAX];	/* new list, or "" */
	char			 staged_bak[PATH_MAX];	/* its backup, or "" */
};

/*
 * Reads the list at path.  With lock set, first takes an exclusive
 * flock(2) on it, waiting for any other holder, and makes sure the lock
 * is on the file the path names now (a run before may have renamed a
 * new one over it); stale temporary files of killed runs are removed.
 * column names the CSV address column (NULL: "email" and the usual
 * synonyms).  Returns 0 with *out set, or -1 with a reason in err.
 */
int	list_open(struct list **out, const char *path, enum list_fmt,
	    const char *column, int lock, int case_local, char *err,
	    size_t errlen);

/*
 * A rewrite has two steps, so that the caller can commit elsewhere in
 * between.  list_stage writes the n bytes at data to a temporary file in
 * the list's folder (mode and owner of the list, fsync) and a second one
 * holding the list as it is now (a hard link when possible), the future
 * "PATH.bak"; the list itself is not touched.  list_stage_drop stages
 * the list without the entries i where drop[i] is set.  list_commit
 * renames the backup, then the new list, into place and syncs the
 * folder.  list_unstage (also done by list_free and on any error)
 * removes what was staged and not committed.  Return 0, or -1 with a
 * reason in err; on error the list is left as it was.
 */
int	list_stage(struct list *, const char *data, size_t n, char *err,
	    size_t errlen);
int	list_stage_drop(struct list *, const unsigned char *drop, char *err,
	    size_t errlen);
int	list_commit(struct list *, char *err, size_t errlen);
void	list_unstage(struct list *);

/*
 * The address of entry i as the list writes it (case kept, no "<>")
 * into out.  Returns 0, or -1 when the entry has none or it does not
 * fit.
 */
int	list_entry_addr(const struct list *, size_t i, char *out,
	    size_t len);

/* The backup path of a list path, malloc'd; NULL on allocation failure. */
char	*list_backup_path(const char *path);

/* NULL is a no-op. */
void	list_free(struct list *);

#endif
