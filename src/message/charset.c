/*
 * charset.c - text in a declared charset converted to UTF-8 with iconv.
 *
 * UTF-8 and ASCII (and unknown charsets) are copied as they are: the
 * record setter repairs bad bytes later.  A few common mislabels are
 * mapped to names iconv knows.  Output lives in the caller's arena;
 * iconv descriptors are kept open per thread (a few, never freed).
 */
#include <errno.h>
#include <stdint.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

#include "message/message.h"

static const struct {
	const char	*label, *iconv;
} aliases[] = {
	{ "ks_c_5601-1987", "CP949" },
	{ "x-sjis", "SHIFT_JIS" },
	{ "shift-jis", "SHIFT_JIS" },
	{ "x-euc-jp", "EUC-JP" },
	{ "unicode-1-1-utf-7", "UTF-7" },
	{ "x-unknown", NULL },
	{ "unknown-8bit", NULL },
	{ "iso-8859-8-i", "ISO-8859-8" },
	{ "gb2312", "GB18030" },
	{ "gbk", "GB18030" },
	{ "windows-874", "CP874" },
};

/*
 * Open conversion descriptors, kept for the life of the thread: opening
 * one loads a gconv module, which costs more than most conversions.
 * A failed open is remembered too.  Never closed (bounded: CD_CACHE).
 */
#define CD_CACHE	8
#define CD_NAMELEN	40

static _Thread_local char	cd_names[CD_CACHE][CD_NAMELEN];
static _Thread_local iconv_t	cd_open[CD_CACHE];
static _Thread_local int	ncds;

/* A descriptor to UTF-8 from cs in its initial state, or (iconv_t)-1. */
static iconv_t
cd_get(const char *cs, int *cached)
{
	iconv_t	 cd;
	size_t	 n;
	int	 i;

	*cached = 0;
	for (i = 0; i < ncds; i++)
		if (strcmp(cd_names[i], cs) == 0) {
			*cached = 1;
			if (cd_open[i] != (iconv_t)-1)
				iconv(cd_open[i], NULL, NULL, NULL, NULL);
			return cd_open[i];
		}
	cd = iconv_open("UTF-8", cs);
	if (ncds < CD_CACHE && (n = strlen(cs)) < CD_NAMELEN) {
		memcpy(cd_names[ncds], cs, n + 1);
		cd_open[ncds++] = cd;
		*cached = 1;
	}
	return cd;
}

static void
cd_put(iconv_t cd, int cached)
{
	if (!cached)
		iconv_close(cd);
}

static int
passthrough(const char *cs)
{
	return cs == NULL || *cs == '\0' ||
	    strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0 ||
	    strcasecmp(cs, "us-ascii") == 0 || strcasecmp(cs, "ascii") == 0;
}

static char *
copy_out(struct arena *a, const char *in, size_t len, size_t *outlen)
{
	*outlen = len;
	return arena_strndup(a, in, len);
}

char *
msg_to_utf8(struct arena *a, const char *cs, const char *in, size_t len,
    size_t *outlen)
{
	iconv_t		 cd;
	char		*out, *ip, *op;
	size_t		 il, ol, cap, i;
	int		 cached;

	if (passthrough(cs))
		return copy_out(a, in, len, outlen);
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcasecmp(cs, aliases[i].label) == 0) {
			cs = aliases[i].iconv;
			if (cs == NULL)
				return copy_out(a, in, len, outlen);
			break;
		}
	if ((cd = cd_get(cs, &cached)) == (iconv_t)-1)
		return copy_out(a, in, len, outlen);

	/* Four output bytes per input byte is enough for any charset. */
	if (len > ((size_t)-1 - 4) / 4) {
		cd_put(cd, cached);
		return NULL;
	}
	cap = len * 4 + 4;
	if ((out = arena_alloc(a, cap)) == NULL) {
		cd_put(cd, cached);
		return NULL;
	}
	ip = (char *)(uintptr_t)in;
	il = len;
	op = out;
	ol = cap - 1;
	while (il > 0) {
		if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1)
			break;
		if (errno == E2BIG || ol < 3)
			break;
		/* A byte that cannot be converted becomes U+FFFD. */
		memcpy(op, "\xef\xbf\xbd", 3);
		op += 3;
		ol -= 3;
		ip++;
		il--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	iconv(cd, NULL, NULL, &op, &ol);
	cd_put(cd, cached);
	*op = '\0';
	*outlen = (size_t)(op - out);
	return out;
}
