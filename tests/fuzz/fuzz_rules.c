/*
 * fuzz_rules.c - libFuzzer harness for the rules loader of
 * dsn-classify.
 *
 * Loads the input as a rules file and, when it loads, classifies two
 * fixed records with it (a hit match limit is fine, a crash is not).
 * The rule set and records are freed each time.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "classify/classify.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const recs[] = {
	"{\"status\":\"5.1.1\",\"reply_code\":550,\"action\":\"failed\","
	"\"diagnostic\":\"smtp; 550 5.1.1 <a@example.com>: user unknown "
	"                                             x\","
	"\"remote_mta\":\"mx.example.net\",\"recipient\":\"a@example.com\"}",
	"{\"status\":null,\"diagnostic\":\"<<<<<<<<<<<<<<<<<<<<<<<<<<<<<"
	"@@@@@@@@@@@@@@@@..................\",\"type\":\"dsn\"}",
	NULL
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dsn_rules	*rs;
	struct dsn_verdict	 v;
	json_t			*o;
	char			 err[512];
	size_t			 i;

	if ((rs = dsn_rules_new()) == NULL)
		return 0;
	dsn_rules_set_match_limit(rs, 10000);
	if (dsn_rules_load(rs, (const char *)data, size, "fuzz", err,
	    sizeof(err)) == 0) {
		for (i = 0; i < dsn_rules_count(rs); i++)
			(void)dsn_rules_id(rs, i);
		for (i = 0; recs[i] != NULL; i++) {
			if ((o = json_loads(recs[i], 0, NULL)) == NULL)
				continue;
			memset(&v, 0, sizeof(v));
			(void)dsn_rules_classify(rs, o, &v);
			json_decref(o);
		}
	}
	dsn_rules_free(rs);
	return 0;
}
