/*
 * test_address.c - msg_addr() over values whose comments, quotes and
 * escapes fall on either side of a 16-byte block, and addresses whose
 * local part and domain are longer or shorter than a 4-byte step.
 * Exits non-zero and names each failed check.
 */
#include <stdio.h>
#include <string.h>

#include "message/message.h"

#include "check.h"

static const struct {
	const char	*in;
	const char	*want;
} cases[] = {
	{ "\"Bob Smith\" <bob@example.com>", "bob@example.com" },
	{ "(comment) user@example.org", "user@example.org" },
	{ "rfc822; \"quoted\\\"name\" (a (nested) comment) "
	    "<x.y@sub.example.net>", "x.y@sub.example.net" },
	{ "\"a long display name, longer than sixteen\" "
	    "<long.local.part@a-very-long-domain-name.example.co.uk>",
	    "long.local.part@a-very-long-domain-name.example.co.uk" },
	{ "user@example.com (a comment that is longer than sixteen bytes)",
	    "user@example.com" },
	{ "(unclosed comment user@example.com", NULL },
	{ "\"unclosed quote user@example.com", "user@example.com" },
	{ "<esc\\(x@example.com> \\(not a comment)", "esc\\" },
	{ "x (\\) still comment) y@example.com", "y@example.com" },
	{ "abcdefghijklmnop(q)rstuvwxyz0123@example.com",
	    "abcdefghijklmnoprstuvwxyz0123@example.com" },
	{ "the.quick.brown.fox.jumps+over@the.lazy.dog.example.com.",
	    "the.quick.brown.fox.jumps+over@the.lazy.dog.example.com" },
	{ "see firstname.lastname-1234@mail.example-domain.org, thanks",
	    "firstname.lastname-1234@mail.example-domain.org" },
	{ "a@b", "a@b" },
	{ "@relay.example:user@example.com", "user@example.com" },
	{ "mailto:someone@example.com", "someone@example.com" },
	{ "Mailbox nobody", "Mailbox" },
};

/* msg_addr_find() in free text: where the address starts, its length. */
static void
test_find(void)
{
	static const char	 t[] =
	    "Your message to firstname.lastname@sub.example.org. failed";
	size_t			 st = 0, al = 0;

	check_int("find found", msg_addr_find(t, strlen(t), &st, &al), 1);
	check_int("find start", (long)st, 16);
	check_int("find len", (long)al, 34);
	check_int("find none", msg_addr_find("a@b no dot", 10, &st, &al), 0);
}

int
main(void)
{
	struct arena	*a;
	size_t		 i;
	char		 what[32];

	if ((a = arena_new()) == NULL)
		return 1;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(what, sizeof(what), "addr case %zu", i);
		check_str(what, msg_addr(a, cases[i].in, strlen(cases[i].in)),
		    cases[i].want);
	}
	arena_free(a);
	test_find();
	if (failures)
		printf("test_address: %d failures\n", failures);
	return failures != 0;
}
