#!/usr/bin/env bats
# dsn-parse end to end: inputs of each kind, output formats, options,
# bad inputs and exit status.  Test names read "condition -> result".

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

setup() {
	cd "$BATS_TEST_DIRNAME/.."
	P=bin/dsn-parse
	S=testdata/sample.mbox
	T=$BATS_TEST_TMPDIR
	# The number of fields, from the CSV header of no input.
	NF=$("$P" --format csv < /dev/null | head -1 | tr ',' '\n' | wc -l)
}

# Every line of stdin is a JSON object with every field.
valid_jsonl() {
	jq -e -s --argjson nf "$NF" \
	    'all(.[]; type == "object" and length == $nf)' >/dev/null
}

# Records without source and offset, which differ between copies.
strip() {
	"$P" "$@" | jq -c 'del(.source, .offset)'
}

@test "sample mailbox -> one record per recipient, exit 0" {
	run "$P" "$S"
	assert_success
	assert_equal "${#lines[@]}" 5
	assert_line --partial '"recipient":"alice@example.org"'
	assert_line --partial '"status":"4.4.7"'
	assert_line --partial '"type":"feedback"'
	assert_line --partial '"type":"autoreply"'
	"$P" "$S" | valid_jsonl
}

@test "From line in a body and >From -> not split, 5 messages" {
	run "$P" -v "$S"
	assert_success
	assert_output --partial '5 messages, 4 reports, 1 not reports, 5 records'
}

@test "mboxrd escaped envelope lines -> 2 messages, 2 records" {
	run "$P" -v testdata/input/mboxrd.mbox
	assert_success
	assert_output --partial '2 messages, 2 reports'
	assert_line --partial '"recipient":"gone@example.org"'
}

@test "Final-Recipient rewritten by the site -> Original-Recipient; forwarded -> Final" {
	run "$P" --fields recipient,original_recipient,status \
	    testdata/std/rfc3464-rewrite.eml
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 --partial \
	    '"recipient":"frank@example.org","original_recipient":"frank@example.org","status":"5.2.1"'
	assert_line --index 1 --partial \
	    '"recipient":"grace.hopper@example.net","original_recipient":"grace@example.org"'
}

@test "the sender's own bounce category (PowerMTA, Amazon SES) -> category" {
	run "$P" --fields recipient,status,category \
	    testdata/std/powermta-category.eml testdata/formats/f3-amazonses.eml
	assert_success
	assert_equal "${#lines[@]}" 4
	assert_line --index 0 --partial \
	    '"recipient":"gone@example.net","status":"5.0.0","category":"bad-mailbox"}'
	assert_line --index 1 --partial \
	    '"recipient":"stuffed@example.org","status":"5.0.0","category":"quota-issues"}'
	assert_line --index 2 --partial '"category":"Permanent/General"}'
	run "$P" --fields category testdata/std/rfc3464-single.eml
	assert_output --partial '"category":null}'
}

@test "--help -> usage on stdout, exit 0; --version -> name and version" {
	run "$P" --help
	assert_success
	assert_output --partial 'usage: dsn-parse'
	run "$P" --version
	assert_success
	assert_output --regexp '^dsn-parse [0-9]+\.[0-9]+'
}

@test "bad option, format or field -> usage error, exit 2" {
	run "$P" --bogus "$S"
	assert_failure 2
	run "$P" --format xml "$S"
	assert_failure 2
	assert_output --partial 'xml'
	run "$P" --fields recipient,nosuch "$S"
	assert_failure 2
	assert_output --partial "nosuch"
	for l in 'recipient,' ',recipient' 'recipient,,status' ''; do
		run "$P" --fields "$l" "$S"
		assert_failure 2
		assert_output --partial "--fields: "
	done
	run "$P" --max-message-size 12Q "$S"
	assert_failure 2
}

@test "--fields -> only those fields, in that order" {
	run "$P" --fields recipient,status "$S"
	assert_success
	assert_line --index 0 '{"recipient":"alice@example.org","status":"5.1.1"}'
}

@test "--format csv -> header row, same column count on every row" {
	"$P" --format csv "$S" > "$T/out.csv"
	run head -1 "$T/out.csv"
	assert_output --partial 'source,message,offset,report_id,type,format'
	run python3 -c 'import csv,sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert len(rows) == 6, rows
assert all(len(r) == int(sys.argv[2]) for r in rows)' "$T/out.csv" "$NF"
	assert_success
}

@test "--format csv with one column of empty cells -> a row of \"\" per record, not a blank line" {
	"$P" --format csv --fields feedback_type "$S" > "$T/one.csv"
	run python3 -c 'import csv,sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows == [["feedback_type"], [""], [""], [""], ["abuse"], [""]], rows
' "$T/one.csv"
	assert_success
	run grep -c '^""' "$T/one.csv"
	assert_output 4
}

@test "--format json -> one JSON array of all records" {
	run sh -c "$P --format json $S | jq -e 'length == 5'"
	assert_success
}

@test "CRLF and CR line endings -> same records as LF" {
	sed 's/$/\r/' "$S" > "$T/crlf.mbox"
	tr '\n' '\r' < "$S" > "$T/cr.mbox"
	strip "$S" > "$T/lf.out"
	strip "$T/crlf.mbox" > "$T/crlf.out"
	strip "$T/cr.mbox" > "$T/cr.out"
	[ -s "$T/lf.out" ]
	run diff "$T/lf.out" "$T/crlf.out"
	assert_success
	run diff "$T/lf.out" "$T/cr.out"
	assert_success
}

@test "gzip input -> same records as the plain file" {
	gzip -c "$S" > "$T/box.gz"
	strip "$S" > "$T/a"
	strip "$T/box.gz" > "$T/b"
	run diff "$T/a" "$T/b"
	assert_success
}

@test "stdin as - and with no argument -> source is -" {
	run sh -c "$P - < $S"
	assert_success
	assert_equal "${#lines[@]}" 5
	assert_line --index 0 --partial '"source":"-"'
	run sh -c "gzip -c $S | $P"
	assert_equal "${#lines[@]}" 5
}

@test "Maildir -> cur and new read in order, tmp ignored" {
	mkdir -p "$T/md/cur" "$T/md/new" "$T/md/tmp"
	cp testdata/input/single.eml "$T/md/cur/2.host:2,S"
	cp testdata/input/single.eml "$T/md/new/1.host"
	cp testdata/input/single.eml "$T/md/tmp/3.host"
	run "$P" "$T/md"
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 --partial '/md/cur/2.host:2,S"'
}

@test "MH folder -> numeric order, dot files skipped" {
	mkdir -p "$T/mh"
	cp testdata/input/single.eml "$T/mh/10"
	cp testdata/input/single.eml "$T/mh/9"
	echo "cur: 9" > "$T/mh/.mh_sequences"
	run "$P" "$T/mh"
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 --partial '/mh/9"'
}

@test "-r -> sub-folders and Maildir++ folders read; without -r not" {
	mkdir -p "$T/tree/a/b" "$T/md/cur" "$T/md/.Sub/cur"
	cp testdata/input/single.eml "$T/tree/a/b/msg"
	cp "$S" "$T/tree/box"
	cp testdata/input/single.eml "$T/md/.Sub/cur/1"
	run "$P" "$T/tree"
	assert_equal "${#lines[@]}" 5
	run "$P" -r "$T/tree"
	assert_equal "${#lines[@]}" 6
	run "$P" "$T/md"
	assert_output ''
	run "$P" -r "$T/md"
	assert_equal "${#lines[@]}" 1
}

@test "missing file -> error names it, rest still read, exit 1" {
	run "$P" "$T/nonexistent" "$S"
	assert_failure 1
	assert_line 'dsn-parse: '"$T"'/nonexistent: No such file or directory'
	assert_line --partial '"recipient":"alice@example.org"'
}

@test "binary junk -> not a mailbox or message, exit 1" {
	tests/junkbytes 4096 201 | tr -d '\n\r' > "$T/junk"
	run "$P" "$T/junk"
	assert_failure 1
	assert_output --partial "$T/junk: not a mailbox or message"
}

@test "truncated gzip -> error, exit 1" {
	gzip -c "$S" | head -c 600 > "$T/cut.gz"
	run "$P" "$T/cut.gz"
	assert_failure 1
	assert_output --partial 'truncated gzip data'
}

@test "message over --max-message-size -> reported with its number, exit 1" {
	run "$P" --max-message-size 1K "$S"
	assert_failure 1
	assert_output --partial "$S: message 1: larger than 1024 bytes"
	assert_line --partial '"recipient":"dave@example.net"'
}

@test "empty file -> no output, exit 0" {
	: > "$T/empty"
	run "$P" "$T/empty"
	assert_success
	assert_output ''
}

@test "full disk on output -> error, exit 2" {
	[ -w /dev/full ] || skip "no /dev/full"
	run sh -c "$P $S > /dev/full"
	assert_failure 2
	assert_output --partial 'dsn-parse: stdout: '
}

@test "closed pipe on output -> error, exit 2" {
	for i in $(seq 300); do cat "$S"; echo; done > "$T/big.mbox"
	run bash -c "$P $T/big.mbox | head -c 10 >/dev/null; exit \${PIPESTATUS[0]}"
	assert_failure 2
}

@test "bad bytes, NUL and Latin-1 in a report -> valid JSON, no field lost" {
	printf 'From: MAILER-DAEMON@example.net\nSubject: fail \xff\xfe\nMessage-ID: <x\x01@example.net>\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\xe9.example.net\n\nFinal-Recipient: rfc822; u\xe9@example.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 \x00bad \xc3\x28 bytes\n\n--B--\n' > "$T/bad.eml"
	run "$P" "$T/bad.eml"
	[ "$status" -le 1 ]
	"$P" "$T/bad.eml" | valid_jsonl
	"$P" --format csv "$T/bad.eml" | python3 -c 'import csv,sys
rows = list(csv.reader(sys.stdin))
assert len(rows) == 2 and all(len(r) == int(sys.argv[1]) for r in rows)
' "$NF"
}

@test "--max-line: a value cut -> reported with its message, exit 1" {
	run "$P" --max-line 20 --fields recipient,diagnostic "$S"
	assert_failure 1
	assert_line --partial 'dsn-parse: testdata/sample.mbox: message 1: longer than 20 bytes: '
	assert_line --partial 'diagnostic cut'
	assert_line --partial '"recipient":"alice@example.org","diagnostic":"550 5.1.1 <alice@exa"}'
	run "$P" --max-line 20 --fields recipient -q "$S"
	assert_failure 1
	assert_equal "${#lines[@]}" 5
}

@test "--max-line below an address -> record dropped, never a cut address" {
	run "$P" --max-line 16 --fields recipient,sender "$S"
	assert_failure 1
	# alice@example.org and carol@example.net are 17 bytes: dropped.
	assert_line --partial 'records dropped (recipient too long)'
	refute_line --partial '"recipient":"alice@example.or"'
	refute_line --partial '"recipient":"alice'
	refute_line --partial '"recipient":"carol'
	assert_line '{"recipient":"bob@example.org","sender":"news@example.com"}'
	assert_line --partial "bounce_to left out"
	"$P" --max-line 1 "$S" 2>/dev/null | wc -l | grep -qx 0
}

@test "--max-decompressed -> exact, even on a small gzip file" {
	gzip -c "$S" > "$T/s.gz"
	n=$(wc -c < "$S")
	run "$P" --max-decompressed 100 "$T/s.gz"
	assert_failure 1
	assert_output --partial 'decompressed size over 100 bytes'
	refute_output --partial '"recipient"'
	run "$P" --max-decompressed "$((n - 1))" "$T/s.gz"
	assert_failure 1
	run "$P" --max-decompressed "$n" "$T/s.gz"
	assert_success
	assert_equal "${#lines[@]}" 5
}

@test "From line without a year -> never splits, blank line before or not" {
	for sep in '' $'\n'; do
		{
			printf 'From a@example.com Mon Apr 27 17:34:04 2009\n'
			printf 'Subject: one\n\nbody\n%s' "$sep"
			printf 'From x@example.com Mon Apr 27 17:34:04\n'
			printf 'more body\n%s' "$sep"
			printf 'From b@example.com Mon, 27 Apr 2009 17:34:05 +0000\n'
			printf 'Subject: two\n\nx\n'
		} > "$T/m"
		run "$P" -v "$T/m"
		assert_success
		assert_output --partial '2 messages'
	done
}

@test "unknown option -> 'dsn-parse:' named, not argv[0], exit 2" {
	run "$P" --bogus
	assert_failure 2
	assert_line --index 0 "dsn-parse: unrecognized option '--bogus'"
	run "$P" --format
	assert_failure 2
	assert_line --index 0 "dsn-parse: option '--format' requires an argument"
}

@test "--fields naming a field twice -> usage error, exit 2" {
	run "$P" --fields recipient,status,recipient "$S"
	assert_failure 2
	assert_output "dsn-parse: --fields: 'recipient' named twice"
}

@test "man page example of --fields -> the output it shows" {
	gzip -c "$S" > "$T/bounces.mbox.gz"
	sed -n '/^\$ dsn-parse --fields recipient,action,status/,/^\.Ed/p' \
	    man/dsn-parse.1 | sed '1d;$d' > "$T/want"
	[ -s "$T/want" ]
	cd "$T" && "$OLDPWD/$P" --fields recipient,action,status \
	    bounces.mbox.gz > got
	diff -u want got
}

@test "README's first command -> the first record the README shows" {
	grep -m1 '^    {"source":"testdata/sample.mbox"' README.md |
	    sed 's/^    //' > "$T/want"
	[ -s "$T/want" ]
	"$P" "$S" | head -1 > "$T/got"
	diff -u "$T/want" "$T/got"
}

@test "file that fails to read -> 'dsn-parse: PATH: reason', exit 1" {
	[ -r /proc/self/mem ] || skip "no /proc/self/mem"
	run "$P" /proc/self/mem
	assert_failure 1
	assert_output "dsn-parse: /proc/self/mem: Input/output error"
}

@test "--help, --version to a full disk -> 'dsn-parse: stdout: ...', exit 2" {
	[ -w /dev/full ] || skip "no /dev/full"
	for o in --help --version; do
		run sh -c "$P $o >/dev/full"
		assert_failure 2
		assert_output "dsn-parse: stdout: No space left on device"
	done
}

@test "a recipient field repeated, or in the per-message block -> never the next recipient's" {
	run "$P" --fields recipient,diagnostic,category \
	    testdata/std/rfc3464-repeated-field.eml
	assert_success
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 '{"recipient":"first@example.net","diagnostic":"552 5.2.2 Mailbox full","category":"quota-issues"}'
	assert_line --index 1 '{"recipient":"second@example.org","diagnostic":"421 4.4.1 Connection timed out","category":null}'
	assert_line --index 2 '{"recipient":"third@example.org","diagnostic":"550 5.1.1 No such user","category":"bad-mailbox"}'
}

@test "blocks without a blank line between them, each starting with the same Action -> one record each, with it" {
	run "$P" --fields recipient,action,status \
	    testdata/std/rfc3464-noblank-action-first.eml
	assert_success
	assert_output '{"recipient":"one@example.org","action":"failed","status":"5.1.1"}
{"recipient":"two@example.org","action":"failed","status":"5.2.2"}'
}

@test "a limit whose suffix would overflow, or with a sign or blank -> usage error naming the range, not a wrapped small limit" {
	# (2^54 + 1) K is 1024 once wrapped round 2^64.
	run "$P" --max-message-size 18014398509481985K "$S"
	assert_failure 2
	assert_output "dsn-parse: --max-message-size: bad value '18014398509481985K' (from 1 to 1099511627776)"
	for v in 1025G -5 +5 ' 5' 0; do
		run "$P" --max-message-size "$v" "$S"
		assert_failure 2
	done
	run "$P" --max-message-size 1024G "$S"
	assert_success
	run "$P" --max-depth 10001 "$S"
	assert_failure 2
	assert_output --partial '(from 1 to 10000)'
}

@test "Amazon SES: an escaped NUL in a string -> the records still (text cut there); an empty bounceSubType -> category without '/'" {
	run "$P" --fields recipient,status,diagnostic,category \
	    testdata/formats/f3-amazonses-nul.eml
	assert_success
	assert_output '{"recipient":"slow@example.net","status":"4.2.2","diagnostic":"452 4.2.2 over quota","category":"Transient"}'
}

@test "-r over a folder with a dangling link, a link loop and a link to a folder above -> each bad link reported, exit 1, the walk ends" {
	mkdir -p "$T/f/a"
	cp testdata/std/arf.eml "$T/f/1"
	cp testdata/std/arf.eml "$T/f/a/2"
	ln -s /nonexistent/x "$T/f/dangling"
	ln -s loop2 "$T/f/loop1"
	ln -s loop1 "$T/f/loop2"
	ln -s .. "$T/f/a/up"
	run timeout 20 "$P" -r --fields recipient "$T/f"
	assert_failure 1
	assert_line "dsn-parse: $T/f/dangling: No such file or directory"
	assert_line "dsn-parse: $T/f/loop1: Too many levels of symbolic links"
	assert_line "dsn-parse: $T/f/loop2: Too many levels of symbolic links"
	run bash -c "timeout 20 $P -r --fields recipient $T/f 2>/dev/null"
	assert_output '{"recipient":"frank@example.net"}
{"recipient":"frank@example.net"}'
}

@test "an encoded NUL in an RFC 2047 word (=00) -> a space, the words after it kept" {
	sed 's/^Subject: =?UTF-8?B?UXVhcnRlcmx5?=/Subject: =?UTF-8?Q?Quar=00terly?=/' \
	    testdata/std/rfc3464-single.eml > "$T/nul.eml"
	run "$P" --fields subject "$T/nul.eml"
	assert_success
	assert_output '{"subject":"Quar terly réport"}'
}
