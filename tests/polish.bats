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

@test "Postfix: an indented '<rcpt>:' line after 'said: 550' is the reply" {
	F=testdata/formats/h3d-postfix-said.eml
	run bash -c "$P $F | jq -r '[.recipient, .status,
	    (.reply_code | tostring), .remote_mta, .smtp_command,
	    .diagnostic] | join(\" | \")'"
	assert_success
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 "gone@example.net | 5.0.0 | 550 | mx1.example.net | RCPT | host mx1.example.net[192.0.2.41] said: 550 <gone@example.net>: Recipient address rejected: User unknown (in reply to RCPT TO command)"
	assert_line --index 1 --partial "full@example.org | 5.2.2 | 552 | mx.example.org | RCPT | "
	assert_line --index 2 --partial "other@example.org | 5.1.1 | 550 | "
}

@test "delivery-status without recipient blocks -> the returned To" {
	F=testdata/std/h3d-dsn-norcpt.eml
	run bash -c "$P $F | jq -r '[.format, .recipient, .action, .status,
	    (.reply_code | tostring), .reporting_mta,
	    (.diagnostic | tostring), .message_id] | join(\" \")'"
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_output "rfc3464-hint reader@example.net failed 5.0.0 null out.example.com null march-letter-12@example.com"
}

@test "delivery-status without recipient blocks: two addressees -> none" {
	F=testdata/std/h3d-dsn-norcpt.eml
	T=$BATS_TEST_TMPDIR
	sed 's/^To: reader@example.net/&, second@example.org/' $F > $T/two.eml
	run $P $T/two.eml
	assert_success
	assert_output ""
	# Without a paragraph saying that delivery failed: none either.
	sed 's/could not$/did not/; s/^be delivered to/reach/' $F > $T/quiet.eml
	run $P $T/quiet.eml
	assert_success
	assert_output ""
}

@test "delivery-status without recipient blocks -> the text's rcpt lines" {
	F=testdata/std/h3d-dsn-norcpt.eml
	T=$BATS_TEST_TMPDIR
	# Not a multipart/report nor from a daemon: the catch-all keeps
	# out, the text's "<rcpt>: 550 5.1.1 ..." line gives the record.
	sed -e 's/^	--- Delivery report unavailable ---/<reader@example.net>: 550 5.1.1 mailbox unavailable/' \
	    -e 's/^From: MAILER-DAEMON.*/From: Out <robot@example.com>/' \
	    -e 's/^Subject: Undelivered.*/Subject: Note/' \
	    -e 's/^Content-Type: multipart\/report;.*/Content-Type: multipart\/mixed;/' \
	    -e '/^Return-Path: <>/d' -e '/^Auto-Submitted/d' $F > $T/lines.eml
	run bash -c "$P $T/lines.eml | jq -r '[.format, .recipient, .status,
	    (.reply_code | tostring), .diagnostic] | join(\" \")'"
	assert_success
	assert_output "rfc3464-hint reader@example.net 5.1.1 550 550 5.1.1 mailbox unavailable"
}

@test "1&1: unindented 'SMTP error ... after RCPT command' paragraph" {
	F=testdata/formats/fx1a-einsundeins-rcpt.eml
	run bash -c "$P $F | jq -r '[.format, .recipient, .action, .status,
	    (.reply_code | tostring), .smtp_command, .remote_mta,
	    .diagnostic] | join(\" | \")'"
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_output "einsundeins | dora@example.com | failed | 5.0.0 | 550 | RCPT | mx.example.com | SMTP error from remote server after RCPT command: host mx.example.com[192.0.2.25]: 550 no such user here"
	[ -x bin/dsn-classify ] || skip "no bin/dsn-classify"
	run bash -c "$P $F | bin/dsn-classify | jq -r '[.reason,
	    (.hard_bounce | tostring)] | join(\" \")'"
	assert_output "userunknown true"
}

@test "1&1: 'has not yet been delivered' warning -> delayed, 4.x.x" {
	F=testdata/formats/fx1a-einsundeins-delay.eml
	run bash -c "$P $F | jq -r '[.recipient, .action, .status,
	    .remote_mta, .diagnostic] | join(\" | \")'"
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_output "eve@example.net | delayed | 4.0.0 | mx.example.net | host mx.example.net[192.0.2.77]: connection to mail exchanger failed"
}

@test "Courier: '<rcpt>:' block then '>>> DATA' -> smtp_command DATA" {
	F=testdata/formats/fx1a-courier-data.eml
	run bash -c "$P $F | jq -r '[.recipient, .status,
	    (.reply_code | tostring), .smtp_command] | join(\" \")'"
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_output "grace@example.com 5.7.1 554 DATA"
}
