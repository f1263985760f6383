/*
 * formats.c - the ordered table of recognisers.
 *
 * dsn_report_scan() tries them top to bottom; the first that yields
 * records wins (RECOG_REFINE entries also run after it).  Standard
 * reports come first, free-text formats (src/report/formats/) next, the
 * auto-reply test and any catch-all scanner last, then the recipients
 * of a delivery-status part without recipient blocks, from hints.
 * Adding a format: one file defining `const struct recog recog_NAME`,
 * its extern in recog.h, and one line here.
 */
#include <stddef.h>

#include "report/recog.h"

const struct recog *const report_table[] = {
	/* Standard reports. */
	&recog_rfc3464,
	&recog_arf,

	/* Free-text formats, most specific first. */
	&recog_dragonfly,
	&recog_mxlogic,
	&recog_mailfoundry,
	&recog_interscanmss,
	&recog_mailmarshal,
	&recog_apachejames,
	&recog_opensmtpd,
	&recog_yahoo,
	&recog_googlegroups,
	&recog_gmail,
	&recog_mfilter,
	&recog_verizon,
	&recog_imailserver,
	&recog_fml,
	&recog_activehunter,
	&recog_biglobe,
	&recog_sendmail,
	&recog_postfix,
	&recog_zoho,
	&recog_mailru,
	&recog_gmx,
	&recog_einsundeins,
	&recog_exim,
	&recog_qmail,
	&recog_amazonworkmail,
	&recog_textds,
	&recog_amazonses,
	&recog_exchange2007,
	&recog_exchange2003,
	&recog_domino,
	&recog_ezweb,

	/* Last: auto-replies, then catch-all scanners. */
	&recog_rfc3834,
	&recog_fallback,
	&recog_rfc3464_hint,
	NULL
};
