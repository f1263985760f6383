#!/usr/bin/env bats
# Free-text formats of helper F1 (qmail, Exim and its GMX/1&1/mail.ru
# kin, Active!Hunter/Biglobe, m-FILTER, IMail, Verizon, fml): our own
# samples in testdata/formats/f1-*.eml, each pinned to the records it
# must give.  Test names read "sample -> records".

load helpers

setup() {
	formats_setup
}

# One compact line per record: the fields these tests pin.
recs() {
	"$P" "$1" | jq -r '[.format, .recipient, .action, .status,
	    (.reply_code // "-" | tostring), (.smtp_command // "-"),
	    (.message_id // "-")] | join(" ")'
}

@test "qmail, two recipients -> two records with codes from the text" {
	run recs "$D/f1-qmail.eml"
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 \
	    "qmail bob@example.org failed 5.1.1 550 RCPT f1-qmail-orig@example.com"
	assert_line --index 1 \
	    "qmail carol@example.org failed 5.1.2 - - f1-qmail-orig@example.com"
	run "$P" "$D/f1-qmail.eml"
	assert_line --partial '"reporting_mta":"mx.example.net"'
}

@test "exim, address and pipe blocks -> X-Failed-Recipients names the pipe" {
	run recs "$D/f1-exim.eml"
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 \
	    "exim dave@example.org failed 5.2.2 552 RCPT f1-exim-orig@example.com"
	assert_line --index 1 \
	    "exim erin@example.org failed 5.0.0 - - f1-exim-orig@example.com"
	run "$P" "$D/f1-exim.eml"
	assert_line --partial '"remote_mta":"mx.example.org"'
}

@test "exim delay warning -> delayed, 4.7.1, MAIL" {
	run recs "$D/f1-exim-delay.eml"
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line "exim frank@example.org delayed 4.7.1 451 MAIL -"
}

@test "gmx, unindented quoted address -> status without a reply code" {
	run recs "$D/f1-gmx.eml"
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line "gmx grace@example.org failed 5.1.1 - RCPT f1-gmx-orig@example.com"
}

@test "activehunter, >>> line and transcript -> 5.1.1 550" {
	run recs "$D/f1-activehunter.eml"
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line \
	    "activehunter heidi@example.org failed 5.1.1 550 - f1-ah-orig@example.com"
}

@test "m-FILTER sections -> server message and SMTP command" {
	run recs "$D/f1-mfilter.eml"
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line \
	    "mfilter ivan@example.org failed 5.7.1 550 RCPT f1-mf-orig@example.com"
}

@test "IMail, address line and generated response -> 5.1.1 550" {
	run recs "$D/f1-imail.eml"
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line \
	    "imailserver judy@example.org failed 5.1.1 550 - f1-im-orig@example.com"
}

@test "verizon, RCPT TO in the details -> 550, class 5" {
	run recs "$D/f1-verizon.eml"
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line "verizon 5550100@vtext.example.com failed 5.0.0 550 - -"
}

@test "fml refusal -> the list address, no reply code" {
	run recs "$D/f1-fml.eml"
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line "fml lunch@example.org failed 5.0.0 - - -"
}

@test "CRLF copies of the samples -> the same records" {
	for f in "$D"/f1-*.eml; do
		sed 's/$/\r/' "$f" > "$BATS_TEST_TMPDIR/crlf.eml"
		a=$("$P" "$f" | jq -c 'del(.source, .offset, .report_id)')
		b=$("$P" "$BATS_TEST_TMPDIR/crlf.eml" |
		    jq -c 'del(.source, .offset, .report_id)')
		[ -n "$a" ]
		assert_equal "$b" "$a"
	done
}
