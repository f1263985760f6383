#!/usr/bin/env bats
# Free-text formats of helper F2 (DragonFly DMA, OpenSMTPD, Yahoo,
# Gmail, Google Groups, Sendmail transcripts, Postfix text, Zoho,
# MXLogic, MailFoundry, InterScan MSS, MailMarshal, Apache James): our
# own samples in testdata/formats/f2-*.eml and the records each gives.

load helpers

setup() {
	formats_setup
}

# The fields pinned here, one compact object per record.
fields() {
	pick "$1" '.format, .recipient, .action, .status,
	    .reply_code, .diagnostic, .remote_mta, .smtp_command,
	    .sender, .message_id, .subject'
}

@test "DragonFly DMA, multi-line reply to RCPT -> 5.1.1, remote host, joined diagnostic" {
	run fields f2-dragonfly.eml
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 '["dragonfly","nobody@example.net","failed","5.1.1",550,"550-5.1.1 The mailbox you tried to reach does not exist here; please check the spelling.","mx.example.net","RCPT","writer@example.com","plans-1@mail.example.com","Spring plans"]'
}

@test "OpenSMTPD list of recipients -> one record each, reply code only where given" {
	run fields f2-opensmtpd.eml
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 '["opensmtpd","first@example.net","failed","5.2.1",550,"550 5.2.1 Mailbox disabled for this recipient",null,null,"author@example.org","notes-2@example.org","Board notes"]'
	assert_line --index 1 '["opensmtpd","second@example.com","failed","5.0.0",null,"Domain does not exist",null,null,"author@example.org","notes-2@example.org","Board notes"]'
}

@test "Yahoo Failure Notice -> remote reply with [RCPT_TO], a qmail-style 550:, the returned copy's fields" {
	run fields f2-yahoo.eml
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 '["yahoo","full@example.net","failed","5.2.2",552,"Remote host said: 552 5.2.2 <full@example.net>... Mailbox over quota [RCPT_TO]",null,"RCPT","sender@example.com","tickets-3@example.com","Tickets"]'
	assert_line --index 1 '["yahoo","gone@example.org","failed","5.0.0",550,"550: <gone@example.org>: no such user",null,null,"sender@example.com","tickets-3@example.com","Tickets"]'
}

@test "Gmail delay with temporary failure details -> delayed, class 4" {
	run fields f2-gmail.eml
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 '["gmail","slow@example.net","delayed","4.0.0",null,"The recipient server did not accept our requests to connect. [mx.example.net. 192.0.2.20: timed out]",null,null,"someone@example.com","lunch-4@example.com","Lunch"]'
}

@test "Google Groups rejection -> the group from X-Failed-Recipients" {
	run fields f2-googlegroups.eml
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 '["googlegroups","club@example.org","failed","5.0.0",null,"We'\''re writing to let you know that the group you tried to contact (club) may not exist, or you may not have permission to post messages to the group.",null,null,"poster@example.com","meeting-5@example.com","Meeting"]'
}

@test "V5 Sendmail transcript -> remote reply beats Sendmail's own line" {
	run fields f2-sendmail.eml
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 '["sendmail","lost@example.net","failed","5.0.0",550,"550 <lost@example.net>... No such user","mx.example.net","RCPT","origin@example.com","reunion-6@example.com","Reunion"]'
	assert_line --index 1 '["sendmail","nohost@example.org","failed","5.0.0",550,"550 Host unknown (Authoritative answer from name server)",null,null,"origin@example.com","reunion-6@example.com","Reunion"]'
}

@test "Postfix text without delivery-status -> host, reply, RCPT" {
	run fields f2-postfix.eml
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 '["postfix","absent@example.net","failed","5.1.1",550,"host mx.example.net[192.0.2.30] said: 550 5.1.1 <absent@example.net>: Recipient address rejected: User unknown (in reply to RCPT TO command)","mx.example.net","RCPT","member@example.com","minutes-7@example.com","Minutes"]'
}

@test "Zoho delay with ResponseCode 421 -> delayed, 4.0.0, 421" {
	run fields f2-zoho.eml
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 '["zoho","later@example.net","delayed","4.0.0",421,"[Status: Error, Address: <later@example.net>, ResponseCode 421, , Host not reachable.]",null,null,"writer@example.com","invoice-8@example.com","Invoice"]'
}

@test "MXLogic failed address -> 5.1.1 and 550" {
	run fields f2-mxlogic.eml
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 '["mxlogic","wrong@example.com","failed","5.1.1",550,"550 5.1.1 <wrong@example.com>: Recipient address rejected: User unknown",null,null,"sender@example.org","order-9@example.org","Order"]'
}

@test "MailFoundry failure -> server as remote MTA" {
	run fields f2-mailfoundry.eml
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 '["mailfoundry","store@example.org","failed","5.0.0",550,"Server mx.example.org[192.0.2.40] failed with: 550 <store@example.org> No such user here","mx.example.org",null,"buyer@example.com","status-10@example.com","Order status"]'
}

@test "InterScan MSS session excerpt -> RCPT reply" {
	run fields f2-interscanmss.eml
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 '["interscanmss","unknown@example.net","failed","5.1.1",550,"550 5.1.1 <unknown@example.net>... user unknown",null,"RCPT","writer@example.com","photos-11@example.com","Photos"]'
}

@test "MailMarshal affected recipients -> reason paragraph and Remote-MTA" {
	run fields f2-mailmarshal.eml
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 '["mailmarshal","missing@example.net","failed","5.1.1",550,"550 5.1.1 User unknown","192.0.2.50",null,null,null,null]'
}

@test "Apache James error and message details -> RCPT TO recipient" {
	run fields f2-apachejames.eml
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 '["apachejames","nouser@example.net","failed","5.0.0",550,"550 - Requested action not taken: no such user here",null,null,null,null,null]'
}

@test "ordinary mail quoting bounce phrases -> no record" {
	run "$P" "$D/f2-not-mention.eml"
	assert_success
	assert_output ''
}

@test "CRLF copies of the samples -> the same records" {
	for f in "$D"/f2-*.eml; do
		sed 's/$/\r/' "$f" > "$BATS_TEST_TMPDIR/crlf.eml"
		a=$("$P" "$f" | jq -c 'del(.source, .offset, .report_id)')
		b=$("$P" "$BATS_TEST_TMPDIR/crlf.eml" |
		    jq -c 'del(.source, .offset, .report_id)')
		assert_equal "$b" "$a"
	done
}

@test "corpus samples of F2's engines (when present) -> all found" {
	c=../shared/corpus/bsd
	[ -d "$c" ] || skip "no ../shared corpus"
	for e in dragonfly opensmtpd gmail googlegroups yahoo zoho \
	    v5sendmail mxlogic mailfoundry interscanmss mailmarshalsmtp \
	    apachejames; do
		for f in "$c"/lhost-"$e"-*.eml; do
			[ -e "$f" ] || continue
			n=$("$P" "$f" | wc -l)
			[ "$n" -gt 0 ] || fail "no record from $f"
		done
	done
}
