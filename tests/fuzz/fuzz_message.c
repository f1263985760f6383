/*
 * fuzz_message.c - libFuzzer harness for the RFC 5322 / MIME parser.
 *
 * Parses the input as one message with tight limits, then decodes every
 * part's body and text and a few headers, as the recognisers would.
 * All memory is the message's arena, freed by msg_free().
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dsn/limits.h"
#include "message/message.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const names[] = {
	"From", "To", "Subject", "Message-ID", "Content-Type", "Date",
	"Final-Recipient", "Status", "Diagnostic-Code", NULL
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dsn_limits	 lim;
	struct msg		*m;
	const char		*s;
	char			 err[128];
	size_t			 len;
	int			 i, j;

	dsn_limits_default(&lim);
	lim.mime_depth = 8;
	lim.mime_parts = 64;
	lim.header_count = 200;
	lim.header_bytes = 16384;
	if ((m = msg_parse((const char *)data, size, &lim, err,
	    sizeof(err))) == NULL)
		return 0;
	for (i = 0; i < m->nparts; i++) {
		(void)msg_part_body(m, &m->parts[i], &len);
		if ((s = msg_part_text(m, &m->parts[i], &len)) != NULL &&
		    len > 0)
			(void)s[len - 1];
		for (j = 0; names[j] != NULL; j++)
			(void)msg_header(m, &m->parts[i], names[j]);
	}
	(void)msg_find_type(m, NULL, "message/delivery-status");
	(void)msg_find_type(m, NULL, "message/rfc822");
	msg_free(m);
	return 0;
}
