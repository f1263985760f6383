#!/usr/bin/env bats
# dsn-parse incremental runs: Maildir new/ with --new-only and
# --mark-seen, mbox with --state (appends, truncation, rotation,
# rewrites), and runs that fail or are cut short never mark or advance
# past records that were not written.  Names read "condition -> result".

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

setup() {
	cd "$BATS_TEST_DIRNAME/.."
	P=$PWD/bin/dsn-parse
	D=$PWD/testdata/std
	T=$BATS_TEST_TMPDIR
	M=$T/md
	mkdir -p "$M/new" "$M/cur" "$M/tmp"
}

# Appends the message file $1 to the mbox $2 as an MDA does: envelope
# line, ">From " quoting, a blank line after it.
append() {
	{
		printf 'From MAILER-DAEMON@example.org Mon Apr 27 17:34:04 2009\n'
		sed 's/^\(>*From \)/>\1/' "$1"
		printf '\n'
	} >> "$2"
}

# The recipients of the records on stdin, sorted, one per line.
rcpts() {
	jq -r .recipient | sort | tr '\n' ' '
}

@test "Maildir, --mark-seen twice -> records once, then none; moved to cur/ with :2,S" {
	cp "$D/rfc3464-single.eml" "$M/new/1000.A.example"
	cp "$D/notbounce.eml" "$M/new/1001.B.example"
	cp "$D/arf.eml" "$M/cur/999.C.example:2,RS"
	run "$P" --mark-seen "$M"
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line --partial '"source":"'"$M"'/new/1000.A.example"'
	[ -f "$M/cur/1000.A.example:2,S" ]
	[ -f "$M/cur/1001.B.example:2,S" ]
	[ -f "$M/cur/999.C.example:2,RS" ]	# cur/ is not read
	[ -z "$(ls -A "$M/new")" ]
	run "$P" --mark-seen "$M"
	assert_success
	assert_output ''
}

@test "Maildir, message arriving between runs -> read in the second run only" {
	cp "$D/rfc3464-single.eml" "$M/new/1000.A.example"
	first=$("$P" --mark-seen "$M" | rcpts)
	cp "$D/rfc3464-multi.eml" "$M/new/1002.D.example"
	second=$("$P" --mark-seen "$M" | rcpts)
	all=$("$P" "$D/rfc3464-single.eml" "$D/rfc3464-multi.eml" | rcpts)
	only=$("$P" "$D/rfc3464-multi.eml" | rcpts)
	[ -n "$first" ]
	assert_equal "$second" "$only"
	assert_equal "$(printf '%s' "$first$second" | tr ' ' '\n' |
	    sed '/^$/d' | sort | tr '\n' ' ')" "$all"
	[ -f "$M/cur/1002.D.example:2,S" ]
}

@test "Maildir, --new-only -> new/ read, cur/ not, nothing moved" {
	cp "$D/rfc3464-single.eml" "$M/new/1000.A.example"
	cp "$D/arf.eml" "$M/cur/999.C.example:2,S"
	run "$P" --new-only "$M"
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line --partial '/new/1000.A.example"'
	[ -f "$M/new/1000.A.example" ]
	run "$P" "$M"			# without it: both
	assert_equal "${#lines[@]}" 2
}

@test "--mark-seen on a cur/ message with flags -> S added, flags sorted" {
	cp "$D/rfc3464-single.eml" "$M/cur/1000.A.example:2,RF"
	run "$P" --mark-seen "$M/cur/1000.A.example:2,RF"
	assert_success
	[ -f "$M/cur/1000.A.example:2,FRS" ]
	[ ! -e "$M/cur/1000.A.example:2,RF" ]
}

@test "--mark-seen on a file outside a Maildir -> read, not moved" {
	cp "$D/rfc3464-single.eml" "$T/one.eml"
	run "$P" --mark-seen "$T/one.eml"
	assert_success
	assert_equal "${#lines[@]}" 1
	[ -f "$T/one.eml" ]
}

@test "Maildir, output to /dev/full -> exit 2, nothing marked seen" {
	cp "$D/rfc3464-single.eml" "$M/new/1000.A.example"
	cp "$D/rfc3464-multi.eml" "$M/new/1001.B.example"
	"$P" --mark-seen "$M" > /dev/full 2> "$T/err" && rc=0 || rc=$?
	assert_equal "$rc" 2
	grep -q 'dsn-parse: stdout: ' "$T/err"
	[ -f "$M/new/1000.A.example" ]
	[ -f "$M/new/1001.B.example" ]
	[ -z "$(ls -A "$M/cur")" ]
}

@test "Maildir, run cut short by a closed pipe -> only messages whose records were written are seen; the next run reads the rest" {
	for i in $(seq 1000 1599); do
		cp "$D/rfc3464-multi.eml" "$M/new/$i.M$i.example"
	done
	set +o pipefail
	"$P" --mark-seen "$M" 2>/dev/null | head -c 700000 > "$T/out1"
	set -o pipefail
	# The last line may be cut: keep the lines that are whole records.
	jq -R -r 'fromjson? | .source' "$T/out1" > "$T/src1"
	seen=$(ls "$M/cur" | wc -l)
	[ "$seen" -gt 0 ]
	[ "$seen" -lt 600 ]
	# Every file marked seen has its 3 records in the output.
	for f in "$M"/cur/*; do
		n=${f##*/}
		n=${n%:2,S}
		c=$(grep -cx "$M/new/$n" "$T/src1") || true
		[ "$c" -eq 3 ] || { echo "$n: $c records"; return 1; }
	done
	"$P" --mark-seen "$M" > "$T/out2"
	[ -z "$(ls -A "$M/new")" ]
	# Together the two runs cover every message.
	n=$( { cat "$T/src1"; jq -r .source "$T/out2"; } | sort -u | wc -l)
	assert_equal "$n" 600
}

@test "mbox --state, messages appended between runs -> only the new ones read" {
	append "$D/rfc3464-single.eml" "$T/mb"
	append "$D/notbounce.eml" "$T/mb"
	run "$P" --state "$T/st" "$T/mb"
	assert_success
	assert_equal "${#lines[@]}" 1
	[ -f "$T/st" ]
	run "$P" --state "$T/st" "$T/mb"
	assert_success
	assert_output ''
	append "$D/rfc3464-multi.eml" "$T/mb"
	got=$("$P" --state "$T/st" "$T/mb" | rcpts)
	assert_equal "$got" "$("$P" "$D/rfc3464-multi.eml" | rcpts)"
	# Offsets stay those of the whole file.
	off=$("$P" "$T/mb" | jq -r 'select(.message == 3) | .offset' |
	    head -1)
	append "$D/arf.eml" "$T/mb"
	run "$P" --state "$T/st" "$T/mb"
	assert_equal "${#lines[@]}" 1
	o=$(printf '%s\n' "$output" | jq -r .offset)
	[ "$o" -gt "$off" ]
	assert_equal "$(tail -c +$((o + 1)) "$T/mb" | head -c 5)" "From "
}

@test "mbox --state -> message numbers go on from the earlier runs, as a whole read numbers them" {
	append "$D/rfc3464-single.eml" "$T/mb"
	append "$D/notbounce.eml" "$T/mb"
	"$P" --state "$T/st" "$T/mb" > "$T/runs"
	append "$D/rfc3464-multi.eml" "$T/mb"
	"$P" --state "$T/st" "$T/mb" >> "$T/runs"
	# The last message without a blank line after it is read again.
	printf 'From MAILER-DAEMON@example.org Mon Apr 27 17:34:04 2009\n' \
	    >> "$T/mb"
	cat "$D/arf.eml" >> "$T/mb"
	"$P" --state "$T/st" "$T/mb" > "$T/half"
	printf '\n' >> "$T/mb"
	append "$D/rfc3464-single.eml" "$T/mb"
	"$P" --state "$T/st" "$T/mb" >> "$T/runs"
	nums() { jq -c '[.message, .offset, .recipient]' "$@"; }
	assert_equal "$(nums "$T/runs")" "$("$P" "$T/mb" | nums)"
	assert_equal "$(nums "$T/half")" "$("$P" "$T/mb" | nums | grep '^\[4,')"
}

@test "mbox --state, a state file of version 1 -> still read, numbers from 1 at its offset" {
	append "$D/rfc3464-single.eml" "$T/mb"
	"$P" --state "$T/st" "$T/mb" > /dev/null
	head -1 "$T/st" | grep -qx 'dsn-parse mbox state 2'
	# Version 1 had no message count (the second number).
	{ echo 'dsn-parse mbox state 1'
	  sed -n '2p' "$T/st" | cut -d' ' -f1,3-; } > "$T/st1"
	append "$D/arf.eml" "$T/mb"
	run "$P" --state "$T/st1" "$T/mb"
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line --partial '"message":1,'
	assert_line --partial '"type":"feedback"'
	head -1 "$T/st1" | grep -qx 'dsn-parse mbox state 2'
}

@test "mbox --state, file truncated -> read from the start, -v says why" {
	append "$D/rfc3464-single.eml" "$T/mb"
	append "$D/rfc3464-multi.eml" "$T/mb"
	"$P" --state "$T/st" "$T/mb" > /dev/null
	: > "$T/mb"
	append "$D/arf.eml" "$T/mb"
	run "$P" -v --state "$T/st" "$T/mb"
	assert_success
	assert_line --partial 'shrank from'
	assert_line --partial 'reading from the start'
	assert_line --partial '"type":"feedback"'
}

@test "mbox --state, file rotated -> new file read from the start, -v says why" {
	append "$D/rfc3464-single.eml" "$T/mb"
	"$P" --state "$T/st" "$T/mb" > /dev/null
	mv "$T/mb" "$T/mb.1"
	append "$D/rfc3464-single.eml" "$T/mb"
	append "$D/arf.eml" "$T/mb"
	run "$P" -v --state "$T/st" "$T/mb"
	assert_success
	assert_line --partial 'not the file read last time'
	assert_equal "$(printf '%s\n' "$output" | grep -c '^{')" 2
}

@test "mbox --state, rewritten in place and grown -> read from the start" {
	append "$D/rfc3464-single.eml" "$T/mb"
	"$P" --state "$T/st" "$T/mb" > /dev/null
	# Same inode, first message changed, file now longer.
	sed 's/^Subject:.*/Subject: changed by a mail reader/' "$T/mb" \
	    > "$T/copy"
	append "$D/arf.eml" "$T/copy"
	cat "$T/copy" > "$T/mb"
	run "$P" -v --state "$T/st" "$T/mb"
	assert_success
	assert_line --partial 'changed before offset'
	assert_equal "$(printf '%s\n' "$output" | grep -c '^{')" 2
}

@test "mbox --state, last message without a blank line after it -> read again next time" {
	printf 'From MAILER-DAEMON@example.org Mon Apr 27 17:34:04 2009\n' \
	    > "$T/mb"
	cat "$D/rfc3464-single.eml" >> "$T/mb"
	run "$P" --state "$T/st" "$T/mb"
	assert_equal "${#lines[@]}" 1
	run "$P" --state "$T/st" "$T/mb"	# it may have been half written
	assert_equal "${#lines[@]}" 1
	printf '\n' >> "$T/mb"
	append "$D/arf.eml" "$T/mb"
	run "$P" --state "$T/st" "$T/mb"
	assert_equal "${#lines[@]}" 2
	run "$P" --state "$T/st" "$T/mb"
	assert_output ''
}

@test "mbox --state, output to /dev/full -> exit 2, state not advanced" {
	append "$D/rfc3464-single.eml" "$T/mb"
	"$P" --state "$T/st" "$T/mb" > /dev/null
	cp "$T/st" "$T/saved"
	append "$D/rfc3464-multi.eml" "$T/mb"
	"$P" --state "$T/st" "$T/mb" > /dev/full 2>/dev/null && rc=0 || rc=$?
	assert_equal "$rc" 2
	cmp "$T/st" "$T/saved"
	[ -z "$(ls "$T" | grep '^st\.')" ]	# no temporary file left
	run "$P" --state "$T/st" "$T/mb"
	assert_equal "${#lines[@]}" 3
}

@test "mbox --state, run killed while writing -> state not advanced" {
	for i in $(seq 200); do
		append "$D/rfc3464-multi.eml" "$T/mb"
	done
	mkfifo "$T/fifo"
	exec 5<> "$T/fifo"	# a pipe nobody reads: the writer blocks
	"$P" --state "$T/st" "$T/mb" > "$T/fifo" &
	pid=$!
	sleep 0.5
	kill -9 "$pid"
	wait "$pid" || true
	exec 5<&-
	[ ! -e "$T/st" ]
	run "$P" --state "$T/st" "$T/mb"
	assert_equal "${#lines[@]}" 600
	[ -e "$T/st" ]
}

@test "--state, several mboxes -> each kept apart, folders and stdin unaffected" {
	append "$D/rfc3464-single.eml" "$T/a"
	append "$D/arf.eml" "$T/b"
	cp "$D/rfc3464-multi.eml" "$M/new/1.X.example"
	run "$P" --state "$T/st" "$T/a" "$T/b" "$M"
	assert_equal "${#lines[@]}" 5
	append "$D/rfc3464-single.eml" "$T/b"
	run "$P" -v --state "$T/st" "$T/a" "$T/b" "$M" - < "$D/arf.eml"
	assert_success
	assert_line --partial 'not a file, --state does not apply'
	assert_equal "$(printf '%s\n' "$output" | grep -c '^{')" 5
	assert_equal "$(grep -c '^[0-9]' "$T/st")" 2
}

@test "--state, gzip mbox -> read whole every time, -v says so" {
	append "$D/rfc3464-single.eml" "$T/mb"
	gzip "$T/mb"
	"$P" --state "$T/st" "$T/mb.gz" > /dev/null
	run "$P" -v --state "$T/st" "$T/mb.gz"
	assert_success
	assert_line --partial 'no state kept'
	assert_equal "$(printf '%s\n' "$output" | grep -c '^{')" 1
}

@test "--state, not a state file -> exit 2, clear error, file kept" {
	append "$D/rfc3464-single.eml" "$T/mb"
	echo 'hello' > "$T/st"
	run "$P" --state "$T/st" "$T/mb"
	assert_failure 2
	assert_output --partial 'not a dsn-parse state file'
	assert_equal "$(cat "$T/st")" hello
}

@test "--state naming a directory -> exit 2, the system's reason, no advice to remove it" {
	append "$D/rfc3464-single.eml" "$T/mb"
	mkdir "$T/stdir"
	run "$P" --state "$T/stdir" "$T/mb"
	assert_failure 2
	assert_output "dsn-parse: --state: $T/stdir: Is a directory"
}

# The nightly cron line of README.md and dsn-parse(1), run in $T/lists.
cron() {
	(cd "$T/lists" && PATH="$(dirname "$P"):$PATH" sh -c '
	    { dsn-parse --mark-seen "$1" >parsed.jsonl; [ $? -le 1 ]; } &&
	    dsn-classify parsed.jsonl >classified.jsonl &&
	    dsn-prune --ledger bounces.db --list members.txt --in-place \
	        classified.jsonl' sh "$M")
}

# A hard bounce for $1 dated now (its report Message-ID made from $1).
bounce() {
	sed -e "s/bob@example\.org/$1/g; s/Bob@example\.org/$1/g" \
	    -e "s/^Date: .*/Date: $(date -R)/" \
	    -e "s/^Message-ID: <2025[^>]*>/Message-ID: <r-$1>/" \
	    "$D/rfc3464-single.eml"
}

@test "nightly cron line, a junk file in new/ each night -> reported and marked seen, every night's records reach dsn-prune" {
	mkdir "$T/lists"
	for i in $(seq 1 48); do echo "m$i@example.com"; done >"$T/lists/members.txt"
	printf 'bob@example.org\ncarol@example.org\n' >>"$T/lists/members.txt"
	# Night 1: a bounce, a file that is not mail and an empty one.
	bounce bob@example.org >"$M/new/1.A.example"
	# Fixed bytes, not random ones: a random file is now and then
	# something libmagic or the sniffer recognises.
	head -c 100000 /dev/zero | tr '\0' '\001' >"$M/new/2.junk"
	: >"$M/new/3.empty"
	run cron
	assert_success
	assert_output --partial "$M/new/2.junk: not a mailbox or message"
	assert_output --partial "bob@example.org"
	[ -z "$(ls "$M/new")" ]
	[ -e "$M/cur/2.junk:2,S" ] && [ -e "$M/cur/3.empty:2,S" ]
	run grep -c '^bob@example.org$' "$T/lists/members.txt"
	assert_output 0
	# Night 2: another bounce and another junk file; night 1's junk
	# is not read again.
	bounce carol@example.org >"$M/new/4.A.example"
	head -c 100000 /dev/zero | tr '\0' '\376' >"$M/new/5.junk"
	run cron
	assert_success
	assert_output --partial "$M/new/5.junk: not a mailbox or message"
	refute_output --partial "2.junk"
	assert_output --partial "carol@example.org"
	[ -z "$(ls "$M/new")" ]
	run grep -c 'example.org$' "$T/lists/members.txt"
	assert_output 0
	[ "$(wc -l <"$T/lists/members.txt")" -eq 48 ]
}

@test "--mark-seen, a message cut at --max-message-size -> records of its start kept, reported, exit 1, marked seen" {
	cp "$D/rfc3464-single.eml" "$M/new/1.A.example"
	run "$P" --mark-seen --max-message-size 1500 "$M"
	assert_failure 1
	assert_output --partial "message 1: larger than 1500 bytes"
	assert_output --partial '"recipient":"bob@example.org"'
	[ -e "$M/cur/1.A.example:2,S" ]
}
