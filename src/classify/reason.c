/*
 * reason.c - the bounce reason vocabulary and the hard/soft decision.
 *
 * A static table: names, one-line meanings, and which reasons mean the
 * address will never work.  Nothing here allocates.
 */
#include <string.h>

#include "classify/classify.h"

static const struct dsn_reason reasons[] = {
	{ "userunknown", "the mailbox does not exist at the domain", 1 },
	{ "hostunknown", "the domain or its mail host does not exist", 1 },
	{ "hasmoved", "the address has moved; no forwarding is given", 1 },
	{ "notaccept", "the domain accepts no mail (null MX, no MX)", 2 },
	{ "mailboxfull", "the mailbox is full or over its quota", 0 },
	{ "suspend", "the mailbox is disabled, suspended or inactive", 0 },
	{ "expired", "delivery gave up after retrying too long", 0 },
	{ "exceedlimit", "the message exceeds a limit of the mailbox", 0 },
	{ "mesgtoobig", "the message is larger than the server takes", 0 },
	{ "filtered", "the recipient's filter or settings refused it", 0 },
	{ "rejected", "the sender address or domain was refused", 0 },
	{ "blocked", "the sending host or IP address was refused", 0 },
	{ "spamdetected", "the message was judged to be spam", 0 },
	{ "virusdetected", "the message was found to carry a virus", 0 },
	{ "policyviolation", "the message broke a policy of the receiver", 0 },
	{ "securityerror", "a security or authentication requirement "
	    "failed", 0 },
	{ "authfailure", "SPF, DKIM or DMARC checks failed", 0 },
	{ "badreputation", "the sending IP or domain has a poor "
	    "reputation", 0 },
	{ "requireptr", "the sending IP has no or a wrong PTR record", 0 },
	{ "notcompliantrfc", "the message does not comply with the RFCs", 0 },
	{ "norelaying", "the server refused to relay for the recipient", 0 },
	{ "speeding", "too many messages too fast: rate limited", 0 },
	{ "toomanyconn", "too many connections from the sending host", 0 },
	{ "networkerror", "DNS or network trouble reaching the server", 0 },
	{ "systemerror", "the receiving system had an error", 0 },
	{ "systemfull", "the receiving system's disk is full", 0 },
	{ "mailererror", "the local mailer program failed", 0 },
	{ "contenterror", "the message content or headers were refused", 0 },
	{ "syntaxerror", "an SMTP command had a syntax error", 0 },
	{ "onhold", "a bounce whose reason could not be decided yet", 0 },
	{ "undefined", "no reason could be found", 0 },
	{ "delivered", "delivered successfully (2.X.X)", 0 },
	{ "vacation", "an automatic reply, not a bounce", 0 },
	{ "feedback", "a complaint (ARF feedback report)", 0 },
};

const struct dsn_reason *
dsn_reason_table(size_t *n)
{
	*n = sizeof(reasons) / sizeof(reasons[0]);
	return reasons;
}

const struct dsn_reason *
dsn_reason_lookup(const char *name)
{
	size_t	 i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(reasons[i].name, name) == 0)
			return &reasons[i];
	return NULL;
}

int
dsn_reason_is_hard(const char *reason, const char *status,
    const char *action)
{
	const struct dsn_reason	*r;

	if ((r = dsn_reason_lookup(reason)) == NULL || r->hard == 0)
		return 0;
	if (action != NULL && strcmp(action, "delayed") == 0)
		return 0;
	if (r->hard == 2)
		return status != NULL && strncmp(status, "5.", 2) == 0;
	return 1;
}
