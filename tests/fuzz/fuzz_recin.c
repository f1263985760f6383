/*
 * fuzz_recin.c - libFuzzer harness for the record readers (JSON Lines
 * and CSV) of dsn-classify, dsn-prune and dsn-report.
 *
 * Reads every record of the input through a memory FILE and writes
 * each back as JSON Lines, which must parse.  Objects are released
 * with json_decref.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "dsn/recin.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dsn_recin	*r;
	json_t			*o, *back;
	FILE			*fp;
	char			 err[256], *s;
	int			 rc, n = 0;

	if (size == 0)
		return 0;
	if ((fp = fmemopen((void *)(uintptr_t)data, size, "r")) == NULL)
		return 0;
	if ((r = dsn_recin_new(fp)) == NULL)
		abort();
	while ((rc = dsn_recin_next(r, &o, err, sizeof(err))) != 0 &&
	    rc != -2 && n++ < 100000) {
		if (rc != 1)
			continue;
		if (!json_is_object(o))
			abort();
		if ((s = json_dumps(o, JSON_COMPACT)) == NULL)
			abort();
		if ((back = json_loads(s, 0, NULL)) == NULL)
			abort();	/* invalid UTF-8 got into a record */
		json_decref(back);
		free(s);
		json_decref(o);
	}
	(void)dsn_recin_line(r);
	dsn_recin_free(r);
	fclose(fp);
	return 0;
}
