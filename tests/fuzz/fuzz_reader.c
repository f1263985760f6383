/*
 * fuzz_reader.c - libFuzzer harness for the input reader: sniffing,
 * gzip decompression and splitting of one file into messages.
 *
 * The input is written to a temporary file (reader_open() takes a
 * path) and read to the end with small limits.  The libmagic handle is
 * kept for the whole run; the file is removed at exit.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsn/limits.h"
#include "dsn/source.h"
#include "input/reader.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	 path[64];
static void	*magic;

static void
cleanup(void)
{
	if (path[0] != '\0')
		unlink(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dsn_limits	 lim;
	struct dsn_input_msg	 m;
	struct reader		*r;
	FILE			*fp;
	char			 err[256];
	int			 rc, n = 0;

	if (path[0] == '\0') {
		snprintf(path, sizeof(path), "/tmp/fuzz_reader.%ld",
		    (long)getpid());
		atexit(cleanup);
	}
	if ((fp = fopen(path, "wb")) == NULL)
		return 0;
	if (size > 0 && fwrite(data, 1, size, fp) != size)
		abort();
	fclose(fp);
	dsn_limits_default(&lim);
	lim.message_bytes = 4096;
	lim.decompressed_bytes = 1 << 20;
	if ((r = reader_open(path, &lim, &magic, err, sizeof(err))) == NULL)
		return 0;
	while ((rc = reader_next(r, &m, err, sizeof(err))) != 0 &&
	    n++ < 100000) {
		if (rc == 1 && m.len > lim.message_bytes)
			abort();
		if (rc == 1 && m.len > 0)
			(void)m.buf[m.len - 1];
	}
	reader_close(r);
	return 0;
}
