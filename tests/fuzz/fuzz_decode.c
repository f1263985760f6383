/*
 * fuzz_decode.c - libFuzzer harness for the decoders: base64, quoted-
 * printable (and RFC 2047 "Q"), RFC 2047 headers, charset conversion,
 * address extraction, dates and status codes.
 *
 * The first byte picks a charset for the conversion; the rest is the
 * text.  Decoded output must fit the documented bounds.  Memory: one
 * arena per input, freed at the end.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "message/message.h"
#include "report/recog.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The ISO 2022 family has its own path through iconv (charset.c). */
static const char *const charsets[] = {
	"utf-8", "us-ascii", "iso-8859-1", "windows-1252", "iso-2022-jp",
	"shift_jis", "euc-kr", "gb2312", "big5", "koi8-r", "utf-16",
	"utf-7", "x-unknown", "", "iso-8859-15", "ucs-4",
	"iso-2022-jp-2", "iso-2022-jp-3", "iso-2022-kr", "iso-2022-cn",
	"iso-2022-cn-ext"
};
#define NCHARSETS	(sizeof(charsets) / sizeof(charsets[0]))

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena	*a;
	const char	*in;
	char		*out, st[16], rc[4], date[32];
	size_t		 len, n, start, alen;

	if (size < 1)
		return 0;
	in = (const char *)data + 1;
	len = size - 1;
	if ((out = malloc(len + 1)) == NULL)
		return 0;
	if (msg_base64_decode(in, len, out) > len)
		abort();
	if (msg_qp_decode(in, len, out, 0) > len)
		abort();
	if (msg_qp_decode(in, len, out, 1) > len)
		abort();
	free(out);
	if ((a = arena_new()) == NULL)
		return 0;
	(void)msg_decode_header(a, in, len);
	(void)msg_unfold(a, in, len);
	if (msg_to_utf8(a, charsets[data[0] % NCHARSETS], in, len, &n) == NULL)
		abort();
	(void)msg_addr(a, in, len);
	if (msg_addr_find(in, len, &start, &alen) &&
	    (start > len || alen > len - start))
		abort();
	(void)msg_addr_valid(in, len);
	(void)status_find(in, len, st, sizeof(st));
	(void)status_reply_find(in, len, 0, rc);
	(void)status_pair_find(in, len, st, sizeof(st));
	(void)status_command(in, len);
	if (len < 256) {
		out = arena_strndup(a, in, len);
		if (out != NULL)
			(void)report_date(out, date, sizeof(date));
	}
	arena_free(a);
	return 0;
}
