/*
 * test_status.c - the text scans of status.c (status_command(),
 * status_find(), status_reply_find(), status_pair_find()) against
 * plain byte-at-a-time models of what they find, on a few fixed texts
 * and on many random ones built from the words they look for.  Each
 * text sits at the very end of its own allocation, so that a read past
 * it shows under the sanitizers.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "report/recog.h"

/* ---- models: the rules written out, one place at a time ---- */

static int
m_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
m_alnum(int c)
{
	return m_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
m_startcase(const char *s, size_t len, const char *w)
{
	size_t	 i;

	for (i = 0; w[i] != '\0'; i++) {
		int	 a, b = (unsigned char)w[i];

		if (i >= len)
			return 0;
		a = (unsigned char)s[i];
		if (a >= 'A' && a <= 'Z')
			a += 32;
		if (b >= 'A' && b <= 'Z')
			b += 32;
		if (a != b)
			return 0;
	}
	return 1;
}

static size_t
m_status_at(const char *s, size_t len, size_t i)
{
	size_t	 j;

	if (s[i] != '2' && s[i] != '4' && s[i] != '5')
		return 0;
	if (i > 0 && (m_alnum((unsigned char)s[i - 1]) || s[i - 1] == '.'))
		return 0;
	if (i + 4 >= len || s[i + 1] != '.' || s[i + 2] < '0' ||
	    s[i + 2] > '7' || s[i + 3] != '.')
		return 0;
	for (j = i + 4; j < len && m_digit((unsigned char)s[j]); j++)
		;
	if (j == i + 4 || j > i + 7)
		return 0;
	if (j < len && (m_alnum((unsigned char)s[j]) || (s[j] == '.' &&
	    j + 1 < len && m_digit((unsigned char)s[j + 1]))))
		return 0;
	return j - i;
}

static int
m_status_find(const char *s, size_t len, char *out, size_t outlen)
{
	size_t	 i, n;

	for (i = 0; i + 1 < len; i++)
		if (s[i + 1] == '.' && (n = m_status_at(s, len, i)) > 0 &&
		    n < outlen) {
			memcpy(out, s + i, n);
			out[n] = '\0';
			return 1;
		}
	return 0;
}

/* 1 when c is one of the bytes of set (not its NUL). */
static int
m_in(const char *set, int c)
{
	return memchr(set, c, strlen(set)) != NULL;
}

static int
m_known(const char *s)
{
	static const char *const known[] = {
		"211", "214", "220", "221", "235", "250", "251", "252", "253",
		"421", "422", "430", "432", "450", "451", "452", "453", "454",
		"455", "458", "459", "471", "500", "501", "502", "503", "504",
		"521", "523", "524", "525", "530", "534", "535", "538", "550",
		"551", "552", "553", "554", "555", "556", "557", "571", NULL
	};
	int	 i;

	for (i = 0; known[i] != NULL; i++)
		if (memcmp(s, known[i], 3) == 0)
			return 1;
	return 0;
}

static int
m_reply_at(const char *s, size_t len, size_t i)
{
	size_t	 j, k;
	char	 c = s[i];

	if (i + 3 > len || !m_digit((unsigned char)s[i + 1]) ||
	    !m_digit((unsigned char)s[i + 2]) || !m_known(s + i))
		return 0;
	if (i > 0 && (m_alnum((unsigned char)s[i - 1]) ||
	    m_in(".-/+", s[i - 1])))
		return 0;
	j = i + 3;
	if (j + 1 < len && s[j] == '-' && !m_digit((unsigned char)s[j + 1]))
		return 1;
	if (j < len && !m_in(" -\t;)\"],\r\n", s[j]))
		return 0;
	k = j < len && (s[j] == ' ' || s[j] == '-') ? j + 1 : j;
	if (k < len && (s[k] == '\'' || s[k] == '"'))
		k++;
	if (k < len && s[k] == c &&
	    m_status_at(s + k, len - k > 10 ? 10 : len - k, 0) > 0)
		return 1;
	for (k = i; k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t'); k--)
		;
	return k == 0 || m_in(":;#(<[\"\n\r=", s[k - 1]);
}

static int
m_reply_find(const char *s, size_t len, int cls, char *out)
{
	size_t	 i;

	for (i = 0; i + 3 <= len; i++)
		if ((cls == 0 || s[i] == cls) && m_reply_at(s, len, i)) {
			memcpy(out, s + i, 3);
			out[3] = '\0';
			return 1;
		}
	return 0;
}

static int
m_pair_find(const char *s, size_t len, char *st, size_t stlen)
{
	size_t	 i, k;

	for (i = 0; i + 3 <= len; i++) {
		if (!m_reply_at(s, len, i))
			continue;
		k = i + 3;
		if (k < len && (s[k] == ' ' || s[k] == '-'))
			k++;
		if (k < len && (s[k] == '\'' || s[k] == '"'))
			k++;
		if (k < len && s[k] == s[i] && m_status_at(s, len, k) > 0)
			return m_status_find(s + k, len - k, st, stlen);
	}
	return 0;
}

static const char *
m_command_at(const char *s, size_t len)
{
	static const char *const words[][2] = {
		{ "rcpt", "RCPT" }, { "mail", "MAIL" }, { "data", "DATA" },
		{ "pipelined rcpt", "RCPT" }, { "pipelined mail", "MAIL" },
		{ "pipelined data", "DATA" },
		{ "end of data", "DATA" }, { "message body", "DATA" },
		{ "helo", "HELO" }, { "ehlo", "HELO" }, { "lhlo", "HELO" },
		{ "initial connection", "CONN" }, { "greeting", "CONN" },
		{ "connect", "CONN" }, { "banner", "CONN" },
	};
	size_t	 i;

	while (len > 0 && (*s == ' ' || *s == '"' || *s == '\'')) {
		s++;
		len--;
	}
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (m_startcase(s, len, words[i][0]))
			return words[i][1];
	return NULL;
}

/* A phrase anywhere beats a lead; the table's order decides the rest. */
static const char *
m_command(const char *s, size_t len)
{
	static const char *const phrases[][2] = {
		{ "does not like recipient", "RCPT" },
		{ "sender was rejected", "MAIL" },
		{ "my name was rejected", "HELO" },
		{ "but greeting failed", "CONN" },
		{ "able to establish an smtp connection", "CONN" },
	};
	static const char *const leads[] = {
		"in reply to ", "after ", "while sending ", "during ",
		"response to "
	};
	const char	*c;
	size_t		 i, k;

	for (k = 0; k < sizeof(phrases) / sizeof(phrases[0]); k++)
		for (i = 0; i < len; i++)
			if (m_startcase(s + i, len - i, phrases[k][0]))
				return phrases[k][1];
	for (k = 0; k < sizeof(leads) / sizeof(leads[0]); k++)
		for (i = 0; i < len; i++)
			if (m_startcase(s + i, len - i, leads[k]) &&
			    (c = m_command_at(s + i + strlen(leads[k]),
			    len - i - strlen(leads[k]))) != NULL)
				return c;
	return NULL;
}

/* ---- texts ---- */

static unsigned long	 seed = 1;

static unsigned
rnd(unsigned n)
{
	seed = seed * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(seed >> 33) % n;
}

/* Random text of the pieces the scans look for, up to max bytes. */
static size_t
make_text(char *b, size_t max)
{
	static const char *const pieces[] = {
		"in reply to ", "IN REPLY TO ", "after ", "After ", "during ",
		"while sending ", "response to ", "does not like recipient",
		"sender was rejected", "my name was rejected",
		"but greeting failed", "able to establish an smtp connection",
		"RCPT TO", "rcpt", "mail from", "DATA", "end of data",
		"message body", "helo", "EHLO", "lhlo", "pipelined rcpt",
		"initial connection", "greeting", "connect", "banner", " ",
		"  ", "\"", "'", "in", "re", "se", "do", "du", "my", "bu", "ab",
		"af", "wh", "reply", "550", "5.1.1", "250", "421", "4.2.2",
		"550-", "550 ", "551", "5.7.10", "2.0.0", "599", "4.", "5.",
		".", "-", ":", ";", "(", "<", "#", "[", "=", "\r\n", "\n", "\r",
		"\t", "x", "user@example.com", "10.0.0.1", "1.2.3.4.5",
		"554 5.7.1", "550-'5.1.1", "451 4.3.0", "\xc3\xa9", "\xff", "0",
		"9", "5", "2", "4",
	};
	size_t	 n = 0, k, want = rnd((unsigned)max + 1);

	while (n < want) {
		const char	*p = pieces[rnd(sizeof(pieces) /
		    sizeof(pieces[0]))];
		k = strlen(p);
		if (rnd(8) == 0) {
			p = "\0";
			k = 1;
		}
		if (n + k > want)
			k = want - n;
		memcpy(b + n, p, k);
		n += k;
	}
	return n;
}

/* Compares the scans with the models on s[0..len) at the end of a copy. */
static void
compare(const char *what, const char *text, size_t len)
{
	char	*buf, *s, a[32], b[32];
	int	 cls, ra, rb;
	const char *ca, *cb;

	if ((buf = malloc(len + 1)) == NULL)
		return;
	s = buf + 1;
	memcpy(s, text, len);
	ca = status_command(s, len);
	cb = m_command(s, len);
	if ((ca == NULL) != (cb == NULL) || (ca != NULL && strcmp(ca, cb))) {
		printf("FAIL %s: status_command of \"%.*s\": want %s got %s\n",
		    what, (int)len, s, cb ? cb : "(null)", ca ? ca : "(null)");
		failures++;
	}
	ra = status_find(s, len, a, 12);
	rb = m_status_find(s, len, b, 12);
	if (ra != rb || (ra && strcmp(a, b) != 0)) {
		printf("FAIL %s: status_find of \"%.*s\"\n", what, (int)len, s);
		failures++;
	}
	for (cls = 0; cls <= '5'; cls = cls == 0 ? '2' : cls + 1) {
		if (cls == '3')
			continue;
		ra = status_reply_find(s, len, cls, a);
		rb = m_reply_find(s, len, cls, b);
		if (ra != rb || (ra && strcmp(a, b) != 0)) {
			printf("FAIL %s: status_reply_find %d of \"%.*s\"\n",
			    what, cls, (int)len, s);
			failures++;
		}
	}
	ra = status_pair_find(s, len, a, 16);
	rb = m_pair_find(s, len, b, 16);
	if (ra != rb || (ra && strcmp(a, b) != 0)) {
		printf("FAIL %s: status_pair_find of \"%.*s\"\n", what,
		    (int)len, s);
		failures++;
	}
	free(buf);
}

static void
fixed(void)
{
	static const char *const texts[] = {
		"550 5.1.1 <a@b.c>: Recipient address rejected (in reply to "
		    "RCPT TO command)",
		"host x said: 452 4.2.2 Mailbox full (in reply to end of DATA "
		    "command)",
		"Remote host said: 550-'5.7.1 Access denied' after RCPT",
		"conversation with x failed: does not like recipient.",
		"Sorry, I wasn't able to establish an SMTP connection.",
		"during pipelined rcpt: 550 no such user",
		"whilesending data", "in reply to", "after", "", "5", "550",
		"5.1.1", "x5.1.1", "1.5.1.1", "550 5.1.1.2", "#550 user",
	};
	size_t	 i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		compare("fixed", texts[i], strlen(texts[i]));
	check_str("rcpt", status_command(texts[0], strlen(texts[0])), "RCPT");
	check_str("data", status_command(texts[1], strlen(texts[1])), "DATA");
	check_int("no reply", status_reply_find(texts[7], strlen(texts[7]), 0,
	    NULL), 0);
}

int
main(void)
{
	char	 text[600];
	size_t	 len;
	int	 i;

	fixed();
	for (i = 0; i < 200000 && failures < 10; i++) {
		len = make_text(text, i % 4 == 0 ? sizeof(text) : 40);
		compare("random", text, len);
	}
	if (failures == 0)
		printf("ok status\n");
	return failures != 0;
}
