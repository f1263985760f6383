#!/usr/bin/env bats
# dsn-classify: rules, precedence, --explain, bad rules, CSV, hostile records.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

setup() {
	cd "$BATS_TEST_DIRNAME/.."
	C=bin/dsn-classify
	T=testdata/classify
}

@test "every rule in data/rules.json has a fixture that it decides" {
	missing=$(jq -r '.rules[].id' data/rules.json | while read -r id; do
		grep -q "\"expect_rule\": \"$id\"" $T/rules.jsonl || echo "$id"
	done)
	[ -z "$missing" ] || { echo "rules without a test: $missing"; false; }
	run bash -c "$C $T/rules.jsonl | jq -r 'select(.rule != .expect_rule) | \"\(.expect_rule) -> \(.rule)\"'"
	assert_success
	assert_output ''
}

@test "each fixture gets the reason its rule names, hard as the vocabulary says" {
	run bash -c "$C $T/rules.jsonl | jq -c '[.rule, .reason]' | sort -u > $BATS_TMPDIR/got
		jq -c '.rules[] | [.id, .reason]' data/rules.json | sort -u > $BATS_TMPDIR/want
		diff $BATS_TMPDIR/want $BATS_TMPDIR/got"
	assert_success
}

@test "PowerMTA's bounce category decides where the text is vague" {
	run bash -c "bin/dsn-parse testdata/std/powermta-category.eml | $C |
	    jq -c '[.recipient, .reason, .hard_bounce, .rule]'"
	assert_success
	assert_line --index 0 '["gone@example.net","userunknown",true,"powermta-bad-mailbox"]'
	assert_line --index 1 '["stuffed@example.org","mailboxfull",false,"powermta-quota-issues"]'
}

@test "the built-in rules equal the installed data file" {
	run $C --check-rules
	assert_success
	assert_output "$(jq '.rules | length' data/rules.json) rules ok"
	run $C --no-builtin --rules data/rules.json --check-rules
	assert_success
}

@test "--list-reasons: every reason once, hard ones marked" {
	run $C --list-reasons
	assert_success
	assert_line --regexp '^userunknown +hard '
	assert_line --regexp '^notaccept +hard\(5\.X\.X\) '
	assert_line --regexp '^mailboxfull +soft '
	[ "$(echo "$output" | wc -l)" -eq 34 ]
}

@test "--list-reasons: a --rules file that cannot be read fails, before or after it" {
	run $C --list-reasons --rules /nonexistent/rules.json
	assert_failure 2
	assert_output --partial 'dsn-classify: /nonexistent/rules.json: No such file'
	run $C --rules /nonexistent/rules.json --list-reasons
	assert_failure 2
}

@test "text beats a vague status; a specific status beats generic text" {
	run bash -c "echo '{\"status\":\"5.0.0\",\"smtp_command\":\"RCPT\",\"diagnostic\":\"550 5.0.0 <a@example.com>... user unknown\"}' | $C | jq -r .reason"
	assert_output userunknown
	# the same words answered to DATA are a filter
	run bash -c "echo '{\"status\":\"5.0.0\",\"smtp_command\":\"DATA\",\"diagnostic\":\"550 5.0.0 <a@example.com>... user unknown\"}' | $C | jq -r .reason"
	assert_output filtered
	# at no known step: a written 5.0.0 is vague, the text decides
	run bash -c "echo '{\"status\":\"5.0.0\",\"diagnostic\":\"550 5.0.0 <a@example.com>... user unknown\"}' | $C | jq -r .reason"
	assert_output userunknown
	# but with no status in the bounce at all it stays a filter
	run bash -c "echo '{\"status\":\"5.0.0\",\"diagnostic\":\"550 <a@example.com>... user unknown\"}' | $C | jq -r .reason"
	assert_output filtered
	run bash -c "echo '{\"status\":\"5.0.0\",\"diagnostic\":\"550 <a@example.com>: user unknown (in reply to RCPT TO command)\"}' | $C | jq -r .reason"
	assert_output userunknown
	run bash -c "echo '{\"status\":\"5.1.1\",\"diagnostic\":\"550 5.1.1 Access denied\"}' | $C | jq -r .reason"
	assert_output userunknown
	run bash -c "echo '{\"status\":\"5.7.1\",\"diagnostic\":\"550 5.7.1 Access denied\"}' | $C | jq -r .reason"
	assert_output securityerror
}

@test "hard only for addresses that will never work; delayed never hard" {
	run bash -c "$C $T/records.csv --format jsonl | jq -c '[.reason, .hard_bounce]'"
	assert_success
	assert_line --index 0 '["userunknown",true]'
	assert_line --index 1 '["mailboxfull",false]'
	run bash -c "echo '{\"status\":\"5.1.2\",\"action\":\"delayed\"}' | $C | jq -c '[.reason, .hard_bounce]'"
	assert_output '["hostunknown",false]'
	run bash -c "echo '{\"status\":\"4.3.2\",\"diagnostic\":\"no MX found\"}' | $C | jq -c '[.reason, .hard_bounce]'"
	assert_output '["notaccept",false]'
}

@test "--rules adds a rule that takes precedence over the defaults" {
	run bash -c "$C $T/user-rules.jsonl | jq -r .reason"
	assert_output userunknown
	run bash -c "$C --rules $T/user-rules.json $T/user-rules.jsonl | jq -c '[.reason, .rule, .hard_bounce]'"
	assert_success
	assert_output '["mailboxfull","local-quota-word",false]'
}

@test "--explain shows the rule and the text that decided" {
	run bash -c "$C --explain --rules $T/user-rules.json $T/user-rules.jsonl | jq -r '.rule + \" | \" + .explain'"
	assert_success
	assert_output 'local-quota-word | diagnostic~no storage left; domain=example.net'
}

@test "bad JSON in a rules file: file, line and column, exit 2" {
	run $C --rules $T/bad-json.json --check-rules
	assert_failure 2
	assert_output --regexp "^dsn-classify: $T/bad-json.json:[0-9]+:[0-9]+: "
}

@test "bad pattern: names the rule and the PCRE2 error offset, exit 2" {
	run $C --rules $T/bad-regex.json --check-rules
	assert_failure 2
	assert_output --partial 'rule 2 (id "bad-regex")'
	assert_output --partial 'bad pattern at offset 13'
}

@test "unknown reason: names the rule, exit 2" {
	run $C --rules $T/bad-reason.json --check-rules
	assert_failure 2
	assert_output --partial 'rule 1 (id "bad-reason"): unknown reason "nosuchreason"'
}

@test "a runaway pattern hits the match limit and counts as no match" {
	SECONDS=0
	run bash -c "$C -v --rules $T/runaway.json $T/runaway.jsonl 2>&1 >/dev/null"
	assert_success
	assert_output --partial 'hit the match limit'
	run bash -c "$C --rules $T/runaway.json $T/runaway.jsonl | jq -r .rule"
	refute_output runaway
	[ "$SECONDS" -lt 5 ]
}

@test "CSV in, CSV out: input columns kept in order, ours appended" {
	run bash -c "$C $T/records.csv | tr -d '\\r' | head -1"
	assert_output 'source,message,recipient,action,status,reply_code,diagnostic,reason,hard_bounce,rule'
	run bash -c "$C $T/records.csv | tr -d '\\r' | sed -n 4p"
	assert_output 'b.eml,2,three@example.com,failed,,,,undefined,false,nothing-known'
}

@test "JSON in: every input field kept, in order, then ours" {
	run bash -c "$C $T/user-rules.jsonl | jq -c 'keys_unsorted'"
	assert_output '["source","recipient","action","status","diagnostic","reason","hard_bounce","rule"]'
}

@test "records missing fields or with odd types: no crash, bad lines counted, exit 1" {
	run bash -c "$C $T/sparse.jsonl 2>/dev/null | jq -c '[.reason, .hard_bounce]'"
	assert_line --index 0 '["undefined",false]'
	assert_line --index 1 '["undefined",false]'
	assert_line --index 3 '["hostunknown",false]'
	run $C -q $T/sparse.jsonl
	assert_failure 1
}

@test "usage errors exit 2; --help and --version exit 0" {
	run $C --format xml
	assert_failure 2
	run $C --no-such-option
	assert_failure 2
	run $C --help
	assert_success
	run $C --version
	assert_success
	assert_output --regexp '^dsn-classify [0-9]'
	run $C /nonexistent/file
	assert_failure 2
}

@test "corpus: reason and hard/soft figures (skips without the corpus)" {
	[ -d ../shared/corpus/bsd ] || skip "no ../shared/corpus"
	run bash -c "bin/dsn-parse ../shared/corpus/bsd 2>/dev/null | $C | ../shared/eval/score -"
	assert_success
	echo "$output"
}

@test "junk is not records: each line reported with its number, exit 1" {
	run bash -c "printf 'hello world\nfoo\nbar\n' | $C 2>$BATS_TEST_TMPDIR/err"
	assert_failure 1
	assert_output ''
	run cat $BATS_TEST_TMPDIR/err
	assert_line --index 0 --partial 'dsn-classify: -:1: not a record: not JSON'
	assert_line --index 2 --partial 'dsn-classify: -:3: not a record: not JSON'
}

@test "binary input: one clear error, no output, exit 1" {
	run bash -c "$C /bin/ls 2>$BATS_TEST_TMPDIR/err | wc -c"
	assert_output 0
	run $C /bin/ls
	assert_failure 1
	assert_output --partial 'dsn-classify: /bin/ls:1: not a record: binary data, not records'
	run bash -c "printf 'caf\xe9\n\xff\xfe\xfd junk\n' | $C"
	assert_failure 1
	assert_output --partial 'not UTF-8 text'
}

@test "junk first, then records: the records are read; strings, numbers, arrays and {} are not records" {
	printf 'junk line\n{"recipient":"a@example.com","status":"5.1.1"}\n"str"\n{}\n3\n[]\nnull\n{"recipient":"b@example.com","status":"4.2.2"}\n' > $BATS_TEST_TMPDIR/in
	run bash -c "$C $BATS_TEST_TMPDIR/in 2>/dev/null | jq -c '[.recipient, .reason]'"
	assert_output '["a@example.com","userunknown"]
["b@example.com","mailboxfull"]'
	run $C $BATS_TEST_TMPDIR/in
	assert_failure 1
	assert_output --partial 'in:1: not a record: not JSON'
	assert_output --partial 'in:3: not a record: a JSON string, not an object'
	assert_output --partial 'in:4: not a record: an empty object'
	assert_output --partial 'in:5: not a record: a JSON number, not an object'
	assert_output --partial 'in:6: not a record: a JSON array, not an object'
	assert_output --partial 'in:7: not a record: a JSON literal, not an object'
}

@test "CSV needs a header naming record fields" {
	printf 'recipient,status\r\na@example.com,5.1.1\r\n' > $BATS_TEST_TMPDIR/ok.csv
	run bash -c "$C $BATS_TEST_TMPDIR/ok.csv | tr -d '\r'"
	assert_success
	assert_line --index 0 'recipient,status,reason,hard_bounce,rule'
	printf 'recipient,some header\r\na@example.com,5.1.1\r\n' > $BATS_TEST_TMPDIR/bad.csv
	run $C $BATS_TEST_TMPDIR/bad.csv
	assert_failure 1
	assert_output --partial 'bad.csv:1: not a record'
}

@test "\\u0000 in a record is read: no record dropped, output valid" {
	printf '{"recipient":"a@example.com","status":"5.2.2","diagnostic":"552 5.2.2 mailbox full\\u0000"}\n{"recipient":"b\\u0000@example.com","status":"5.1.1"}\n' > $BATS_TEST_TMPDIR/nul
	run bash -c "$C $BATS_TEST_TMPDIR/nul | jq -c '[.recipient, .reason]'"
	assert_success
	assert_output '["a@example.com","mailboxfull"]
["b�@example.com","userunknown"]'
	run bash -c "$C --format csv $BATS_TEST_TMPDIR/nul | python3 -c 'import csv,sys; print(len(list(csv.reader(sys.stdin))))'"
	assert_output 3
}

@test "a closed pipe: Broken pipe on stderr, exit 2, no SIGPIPE" {
	for i in $(seq 200); do cat $T/rules.jsonl; done > $BATS_TEST_TMPDIR/many
	run bash -c "$C $BATS_TEST_TMPDIR/many 2>$BATS_TEST_TMPDIR/err | head -1 >/dev/null; echo \${PIPESTATUS[0]}"
	assert_output 2
	run cat $BATS_TEST_TMPDIR/err
	assert_output 'dsn-classify: stdout: Broken pipe'
}

@test "parse | classify: an Exim pipe block keeps its 'pipe to' line -> mailererror" {
	run bash -c "bin/dsn-parse testdata/formats/f1-exim.eml | $C |
	    jq -r 'select(.recipient == \"erin@example.org\") |
	    \"\(.reason) \(.diagnostic)\"'"
	assert_success
	assert_output --partial "mailererror pipe to |/usr/local/bin/filter"
}

@test "parse | classify: no Diagnostic-Code -> the text line naming the recipient decides; a bare label does not" {
	run bash -c "bin/dsn-parse $T/text-why.eml | $C |
	    jq -r '\"\(.recipient) \(.reason) \(.diagnostic)\"'"
	assert_success
	assert_line --index 0 \
	    "bob@example.org notaccept bob@example.org: No MX found for domain"
	assert_line --index 1 "carol@example.org undefined null"
}

@test "a specific X.2.2 status beats a generic size text; mailbox size and quota phrases are mailboxfull" {
	for d in '552 5.2.2 Mailbox size limit exceeded' \
	    '552 5.2.2 size limit exceeded' \
	    '552 5.2.2 message too large' \
	    '452 4.2.2 The email account that you tried to reach is over its mailbox quota'; do
		run bash -c "jq -nc --arg d '$d' '{recipient:\"a@example.com\",action:\"failed\",status:(\$d|split(\" \")[1]),diagnostic:\$d}' | $C | jq -r .reason"
		assert_output mailboxfull
	done
	# no status, or a vague one: the mailbox words still decide
	run bash -c "echo '{\"recipient\":\"a@example.com\",\"status\":\"5.0.0\",\"diagnostic\":\"552 Mailbox size limit exceeded\"}' | $C | jq -r .reason"
	assert_output mailboxfull
	# a size text without a mailbox word and no X.2.2 stays mesgtoobig
	run bash -c "echo '{\"recipient\":\"a@example.com\",\"status\":\"5.3.4\",\"diagnostic\":\"552 5.3.4 size limit exceeded\"}' | $C | jq -r .reason"
	assert_output mesgtoobig
	run bash -c "echo '{\"recipient\":\"a@example.com\",\"status\":\"5.0.0\",\"diagnostic\":\"552 size limit exceeded\"}' | $C | jq -r .reason"
	assert_output mesgtoobig
}

@test "a NUL byte in the first KB is binary input: one error at the NUL, nothing read" {
	run bash -c "printf '\\x00{\"recipient\":\"a@example.com\"}\\n' | $C"
	assert_failure 1
	assert_output 'dsn-classify: -:1: not a record: binary data, not records (byte 0x00 at offset 0)'
	run bash -c "printf '\\x00\\x01\\x02garbage' | $C"
	assert_failure 1
	assert_output --partial '(byte 0x00 at offset 0)'
	run bash -c "printf '{\"recipient\":\"a\\x00@example.com\"}\\n' | $C"
	assert_failure 1
	assert_output --partial '(byte 0x00 at offset 15)'
}

@test "a raw NUL or control byte inside a JSON string later on: that line is an error, the others read" {
	for i in $(seq 20); do
		echo '{"recipient":"x@example.com","diagnostic":"padding padding padding padding padding padding"}'
	done > $BATS_TEST_TMPDIR/in
	printf '{"recipient":"a\x00@example.com"}\n{"recipient":"b\x01@example.com","status":"5.1.1"}\n{"recipient":"c\x00"' >> $BATS_TEST_TMPDIR/in
	printf ':1}\n{"recipient":"d@example.com"}\n' >> $BATS_TEST_TMPDIR/in
	run bash -c "$C $BATS_TEST_TMPDIR/in 2>$BATS_TEST_TMPDIR/err | jq -r .recipient | sort | uniq -c | tr -s ' '"
	assert_output ' 1 d@example.com
 20 x@example.com'
	run cat $BATS_TEST_TMPDIR/err
	assert_line --index 0 --partial 'in:21: not a record: not JSON: control character 0x0'
	assert_line --index 1 --partial 'in:22: not a record: not JSON: control character 0x1'
	assert_line --index 2 --partial 'in:23: not a record: not JSON: control character 0x0'
	run $C $BATS_TEST_TMPDIR/in
	assert_failure 1
}

@test "--explain: a negated condition shows the condition and the value seen" {
	run bash -c "echo '{\"recipient\":\"a@example.com\",\"status\":\"5.0.0\",\"diagnostic\":\"550 User unknown\",\"smtp_command\":\"DATA\"}' | $C --explain | jq -r '.rule + \" | \" + .explain'"
	assert_success
	assert_output 'cmd-data-userunknown | smtp_command=DATA; !status=?.1.1 (status 5.0.0); diagnostic~User unknown'
	# a wild card shows the value it matched
	run bash -c "echo '{\"recipient\":\"a@example.com\",\"status\":\"4.4.7\"}' | $C --explain | jq -r .explain"
	assert_output 'status=?.4.7 (status 4.4.7)'
}

@test "JSON Lines and JSON keep every field of every record, a later record's new fields too" {
	printf '%s\n' '{"recipient":"a@example.com"}' \
	    '{"recipient":"b@example.com","status":"5.1.1","diagnostic":"x","x_note":"kept"}' \
	    '{"diagnostic":"y","recipient":"c@example.com"}' > $BATS_TEST_TMPDIR/in
	run bash -c "$C $BATS_TEST_TMPDIR/in | jq -c 'keys_unsorted'"
	assert_success
	assert_output '["recipient","reason","hard_bounce","rule"]
["recipient","status","diagnostic","x_note","reason","hard_bounce","rule"]
["diagnostic","recipient","reason","hard_bounce","rule"]'
	run bash -c "$C --format json $BATS_TEST_TMPDIR/in | jq -c '.[] | [.status, .diagnostic, .x_note, .reason]'"
	assert_success
	assert_output '[null,null,null,"undefined"]
["5.1.1","x","kept","userunknown"]
[null,"y",null,"onhold"]'
	run bash -c "$C --format json $BATS_TEST_TMPDIR/in | jq -c '.[1] | keys_unsorted'"
	assert_output '["recipient","status","diagnostic","x_note","reason","hard_bounce","rule"]'
}

@test "CSV header naming a column twice -> reported, exit 1, no record (no guess which holds the field)" {
	printf 'recipient,status,recipient\r\na@example.com,5.1.1,b@example.com\r\n' \
	    > $BATS_TEST_TMPDIR/dup.csv
	run $C $BATS_TEST_TMPDIR/dup.csv
	assert_failure 1
	assert_output 'dsn-classify: '"$BATS_TEST_TMPDIR"'/dup.csv:1: not a record: CSV header names column "recipient" twice'
	printf 'recipient,status\r\na@example.com,5.1.1\r\n' > $BATS_TEST_TMPDIR/one.csv
	run $C $BATS_TEST_TMPDIR/one.csv
	assert_success
	assert_line --partial 'userunknown'
}

@test "CSV output: dsn-parse's fields always have columns; a field without one is reported, exit 1" {
	printf '%s\n' '{"recipient":"a@example.com","x_first":"1"}' \
	    '{"recipient":"b@example.com","status":"5.1.1","diagnostic":"x","x_later":"2"}' > $BATS_TEST_TMPDIR/in
	run bash -c "$C --format csv $BATS_TEST_TMPDIR/in 2>$BATS_TEST_TMPDIR/err | python3 -c 'import csv,sys; r=list(csv.DictReader(sys.stdin)); print(r[0][\"x_first\"], r[1][\"status\"], r[1][\"diagnostic\"], r[1][\"reason\"])'"
	assert_output '1 5.1.1 x userunknown'
	run cat $BATS_TEST_TMPDIR/err
	assert_output --partial 'in:2: no CSV column for field "x_later"'
	run $C --format csv $BATS_TEST_TMPDIR/in
	assert_failure 1
}

@test "a user rule repeating a built-in id: the error names the user's file and rule, exit 2" {
	run $C --check-rules --rules $T/dup-builtin.json
	assert_failure 2
	assert_output "dsn-classify: $T/dup-builtin.json: rule 2 (id \"text-mailboxfull\"): duplicate id, also rule $(jq '[.rules[].id] | index("text-mailboxfull") + 1' data/rules.json) of built-in rules"
	printf '[{"id":"a","reason":"onhold"},{"id":"a","reason":"filtered"}]\n' > $BATS_TEST_TMPDIR/dup.json
	run $C --check-rules --rules $BATS_TEST_TMPDIR/dup.json
	assert_failure 2
	assert_output --partial 'dup.json: rule 1 (id "a"): duplicate id, also rule 2 of'
}

@test "an unreadable input names the file and the cause, exit 2" {
	[ -r /proc/self/mem ] || skip "no /proc/self/mem"
	run $C /proc/self/mem
	assert_failure 2
	assert_output 'dsn-classify: /proc/self/mem: Input/output error'
	run $C "$BATS_TEST_TMPDIR"
	assert_failure 2
	assert_output "dsn-classify: $BATS_TEST_TMPDIR: Is a directory"
}

@test "--no-builtin without --rules is a usage error, exit 2, nothing written" {
	run bash -c "echo '{\"recipient\":\"a@example.com\",\"status\":\"5.1.1\"}' | $C --no-builtin 2>$BATS_TEST_TMPDIR/err"
	assert_failure 2
	assert_output ''
	run cat $BATS_TEST_TMPDIR/err
	assert_line --index 0 'dsn-classify: --no-builtin needs --rules FILE: without rules every record would be undefined'
	run $C --no-builtin --check-rules
	assert_failure 2
	run bash -c "echo '{\"recipient\":\"a@example.net\",\"diagnostic\":\"no storage left\"}' | $C --no-builtin --rules $T/user-rules.json | jq -r .rule"
	assert_output local-quota-word
}

@test "two JSON arrays one after the other (cat a.json b.json) -> every record of both; text after an array -> reported, exit 1" {
	bin/dsn-parse --format json testdata/sample.mbox > "$BATS_TEST_TMPDIR/a.json"
	run bash -c "cat $BATS_TEST_TMPDIR/a.json $BATS_TEST_TMPDIR/a.json | $C | jq -c '[.[].recipient] | length'"
	assert_success
	assert_output 10
	run bash -c "printf '[{\"recipient\":\"a@example.com\"}][]\n[{\"recipient\":\"b@example.com\"}]' | $C | jq -c '[.[].recipient]'"
	assert_success
	assert_output '["a@example.com","b@example.com"]'
	run bash -c "{ cat $BATS_TEST_TMPDIR/a.json; echo '{\"recipient\":\"c@example.com\"}'; } | $C 2>&1 >/dev/null"
	assert_failure 1
	assert_output --partial 'not a record: text after the JSON array'
}

@test "--match-limit past the unsigned range or negative -> usage error, not a wrapped limit" {
	bin/dsn-parse testdata/sample.mbox > "$BATS_TEST_TMPDIR/in"
	# 2^32 + 1 would be a limit of 1 once narrowed.
	for v in 4294967297 -5 ' 5' 0 x; do
		run $C --match-limit "$v" "$BATS_TEST_TMPDIR/in"
		assert_failure 2
		assert_output 'dsn-classify: --match-limit: want a number from 1 to 4294967295'
	done
	run $C --match-limit 4294967295 "$BATS_TEST_TMPDIR/in"
	assert_success
}

@test "an empty JSON array in -> '[]' out (valid JSON); a CSV of a header only -> a CSV header" {
	run bash -c "printf '[]\n' | $C"
	assert_success
	assert_output '[]'
	run bash -c "bin/dsn-parse --format csv < /dev/null | $C"
	assert_success
	assert_output "$(printf 'source,message,offset,report_id,type,format,date,reporting_mta,remote_mta,recipient,original_recipient,action,status,reply_code,diagnostic_type,diagnostic,last_attempt,sender,message_id,subject,list_id,feedback_type,bounce_to,smtp_command,category,reason,hard_bounce,rule\r')"
	run bash -c "$C < /dev/null"
	assert_success
	assert_output ''
}

@test "a rules file starting with a UTF-8 BOM -> read as without it" {
	printf '\357\273\277{"rules": [{"id": "bom-rule", "reason": "mailboxfull", "when": {"diagnostic": {"re": "no storage left"}}}]}' > "$BATS_TEST_TMPDIR/bom.json"
	run $C --no-builtin --rules "$BATS_TEST_TMPDIR/bom.json" --check-rules
	assert_success
	assert_output '1 rules ok'
}
