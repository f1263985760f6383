/*
 * fuzz_mbox.c - libFuzzer harness for the mbox splitter.
 *
 * Feeds the input to mbox_find_next() in growing chunks, as the reader
 * does, checks every boundary it returns lies inside the buffer and
 * moves forward, and that a message it finds no CR in holds none, and
 * cleans each message in a private copy.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "input/mbox.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Offset just past the line that starts at at. */
static size_t
line_end(const char *buf, size_t at, size_t len)
{
	const char	*eol;

	eol = memchr(buf + at, '\n', len - at);
	return eol != NULL ? (size_t)(eol - buf) + 1 : len;
}

static void
clean(char *copy, const char *buf, size_t start, size_t end)
{
	size_t	 n = end - start;

	memcpy(copy, buf + start, n);
	if (mbox_clean(copy, n, 1, 1) > n)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*buf = (const char *)data;
	char		*copy;
	size_t		 body, scan, avail, f, chunk;
	int		 found, eof, cr = 0;

	chunk = size > 0 ? (size_t)data[0] % 64 + 1 : 1;
	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	body = 0;
	if (mbox_is_envelope(buf, line_end(buf, 0, size) -
	    (size > 0 ? 1 : 0), 0))
		body = line_end(buf, 0, size);
	scan = body;
	avail = body + chunk < size ? body + chunk : size;
	for (;;) {
		eof = avail == size;
		f = mbox_find_next(buf, body, scan, avail, eof, &found, NULL,
		    &cr);
		if (f > avail || (found && f <= body))
			abort();
		if (found) {
			/* cr clear: no CR in the message, mbox_clean() skips. */
			if (!cr && memchr(buf + body, '\r', f - body) != NULL)
				abort();
			clean(copy, buf, body, f);
			body = line_end(buf, f, avail);
			scan = body;
			cr = 0;
		} else if (eof) {
			break;
		} else
			scan = f;
		if (!eof)
			avail = avail + chunk < size ? avail + chunk : size;
	}
	if (!cr && memchr(buf + body, '\r', size - body) != NULL)
		abort();
	clean(copy, buf, body, size);
	free(copy);
	return 0;
}
