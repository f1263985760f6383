#!/usr/bin/env bats
# report_refine() and report_add() end to end on our own sample: one
# record per recipient, the SMTP step from the readable text, MTA names
# cut to the host, and what dsn-classify makes of them.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

setup() {
	cd "$BATS_TEST_DIRNAME/.."
	P=bin/dsn-parse
	S=testdata/std/polish-repeat.eml
}

@test "repeated recipient blocks -> one record each, step from the text" {
	run bash -c "$P $S | jq -r '[.recipient, .action, .status,
	    (.reply_code | tostring), .smtp_command, .remote_mta,
	    .message_id] | join(\" \")'"
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 "alice@example.com failed 5.0.0 550 RCPT mx.example.com polish-repeat-orig@example.org"
	assert_line --index 1 "bob@example.com failed 5.0.0 550 DATA mx.example.com polish-repeat-orig@example.org"
}

@test "user unknown answered to RCPT -> userunknown, hard; DATA -> not" {
	[ -x bin/dsn-classify ] || skip "no bin/dsn-classify"
	run bash -c "$P $S | bin/dsn-classify | jq -r '[.recipient, .reason,
	    (.hard_bounce | tostring)] | join(\" \")'"
	assert_success
	assert_line --index 0 "alice@example.com userunknown true"
	refute_line --partial "bob@example.com userunknown"
}
