#!/usr/bin/env bats
# Free-text formats of helper F3 (Amazon SES/WorkMail, Exchange, Office
# 365, Domino/Notes, au/EZweb/KDDI, RFC 3464 fields in text): our own
# samples in testdata/formats/f3-*.eml and the records each must give.

load helpers

setup() {
	formats_setup
}

# The fields pinned here, one compact object per record.
fields() {
	pick "$1" '.format, .recipient, .action, .status,
	    .reply_code, .diagnostic, .reporting_mta, .remote_mta,
	    .sender, .message_id, .subject'
}

@test "Amazon SES JSON bounce -> a record per bounced recipient" {
	run fields f3-amazonses.eml
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 '["amazonses","gone@example.net","failed","5.1.1",550,"550 5.1.1 <gone@example.net>: no such mailbox","out-1.example.org",null,"news@example.com","letter-3@example.com","March letter"]'
	assert_line --index 1 --partial '"full@example.net","failed","5.2.2",552,'
}

@test "WorkMail technical report -> inner remote reply 421 4.4.2" {
	run fields f3-workmail.eml
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line '["amazonworkmail","late@example.net","delayed","4.4.2",421,"554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.2 Connection timed out>","out-7.example.org",null,"writer@example.com","minutes-1@example.com","Minutes"]'
}

@test "Exchange 5.5 IMS report -> both recipients, no reply code" {
	run fields f3-exchange2003.eml
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 '["exchange2003","first@example.org","failed","5.0.0",null,"The recipient name is not recognized MSEXCH:IMS:Example:HQ:MAIL1 0 (000C05A6) Unknown Recipient",null,null,null,null,null]'
	assert_line --index 1 --partial '"second@example.org","failed","5.0.0",null,'
}

@test "Office 365 NDR text -> status and reply from the admin section" {
	run fields f3-office365.eml
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line '["exchange2007","nobody@example.net","failed","5.1.10",550,"Remote Server returned '"'"'550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'"'"'","MAIL01.prod.example.org",null,"sender@example.com","plans-1@example.com","Plans"]'
}

@test "Domino failure -> recipient with the because: reason" {
	run fields f3-domino.eml
	assert_success
	assert_line '["domino","tanaka@example.org","failed","5.0.0",null,"User Tanaka (tanaka@example.org) not listed in Domino Directory",null,null,null,null,null]'
}

@test "Notes failure in ISO-2022-JP -> reason decoded to UTF-8" {
	run fields f3-notes.eml
	assert_success
	assert_line '["domino","sato@example.org","failed","5.0.0",null,"ディレクトリのリストにありません",null,null,"writer@example.com","hello-1@example.com","Hello"]'
}

@test "EZweb rejection -> recipient and the SMTP dialogue" {
	run fields f3-ezweb.eml
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line '["ezweb","missing@example.net","failed","5.0.0",550,"Recipient: <missing@example.net> >>> RCPT TO:<missing@example.net> <<< 550 <missing@example.net>: User unknown",null,null,null,null,null]'
}

@test "KDDI mailbox full -> recipient, no reply code" {
	run fields f3-kddi.eml
	assert_success
	assert_line '["ezweb","fullbox@example.net","failed","5.0.0",null,"Could not be delivered to: <fullbox@example.net> As their mailbox is full.",null,null,null,null,null]'
}

@test "PMDF report with an unused boundary -> fields read from the text" {
	run fields f3-pmdf.eml
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line '["textds","blocked@example.org","failed","5.7.1",550,"550 5.7.1 Blocked by policy","mail.example.org","mx.example.org",null,null,null]'
}

@test "human mail about a bounce -> no record from these formats" {
	run "$P" "$D/f3-not-chatter.eml"
	assert_success
	refute_output --regexp '"format":"(amazonses|amazonworkmail|textds|exchange200[37]|domino|ezweb)"'
}

@test "CRLF copies -> the same records" {
	for f in "$D"/f3-*.eml; do
		sed 's/$/\r/' "$f" > "$BATS_TEST_TMPDIR/crlf.eml"
		a=$("$P" "$f" | jq -c 'del(.source, .offset, .report_id)')
		b=$("$P" "$BATS_TEST_TMPDIR/crlf.eml" |
		    jq -c 'del(.source, .offset, .report_id)')
		assert_equal "$b" "$a"
	done
}
