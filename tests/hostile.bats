#!/usr/bin/env bats
# Hostile input: pathological inputs generated on the fly (runs of
# spaces, dots, '@', '<', unclosed tags, nested brackets, huge headers,
# deep MIME, many parts, NUL bytes, junk, truncation, gzip bombs), bad
# files and full outputs.  Every run must end with valid output or a
# clear error, the right exit status, and time linear in the input.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

setup() {
	cd "$BATS_TEST_DIRNAME/.."
	P=bin/dsn-parse
	C=bin/dsn-classify
	R=bin/dsn-report
	T=$BATS_TEST_TMPDIR
	NF=$("$P" --format csv </dev/null | head -1 | tr ',' '\n' | wc -l)
}

# gen KIND N > file: a DSN whose text part, diagnostic and subject carry
# N bytes of pathological KIND; "plain" leaves out the MIME structure so
# that the free-text recognisers read it.
gen() {
	python3 - "$1" "$2" <<'PY'
import sys
kind, n = sys.argv[1], int(sys.argv[2])
pat = {"spaces": " ", "dots": ".", "at": "@", "lt": "<",
       "tags": "<a href=x", "brackets": "([{<", "mixed": "a@b. <(",
       "addr": "x@example.com.", "status": "5.1.1.", "colon": "550:",
       }[kind.replace("plain-", "")]
junk = (pat * (n // len(pat) + 1))[:n]
o = sys.stdout
if kind.startswith("plain-"):
    o.write("From: MAILER-DAEMON@mx.example.net\nTo: a@example.com\n"
            "Subject: Undelivered Mail Returned to Sender\n\n"
            "This is the mail system at host mx.example.net.\n\n"
            "I'm sorry to have to inform you that your message could "
            "not be delivered.\n\n<bob@example.org>: host said: 550 "
            "5.1.1 " + junk + "\n\n" + junk + "\n")
    sys.exit(0)
o.write("From: MAILER-DAEMON@mx.example.net\nTo: a@example.com\n"
        "Subject: x" + junk[:4000] + "\nMIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=delivery-status;"
        " boundary=BB\n\n--BB\nContent-Type: text/plain\n\n" + junk +
        "\n--BB\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.example.net\n\n"
        "Final-Recipient: rfc822; bob@example.org\nAction: failed\n"
        "Status: 5.1.1\nDiagnostic-Code: smtp; 550 " + junk[:20000] +
        "\n\n--BB\nContent-Type: text/html\n\n<html><body>" + junk +
        "\n--BB--\n")
PY
}

# Every line of file $1 is a JSON object with all fields, in strict
# UTF-8.
valid_jsonl() {
	python3 - "$1" "$NF" <<'PY'
import json, sys
nf = int(sys.argv[2])
for i, raw in enumerate(open(sys.argv[1], "rb"), 1):
    o = json.loads(raw.decode("utf-8", "strict"))
    assert isinstance(o, dict) and len(o) == nf, (i, len(o))
PY
}

# Every row of CSV file $1 has as many cells as its header.
valid_csv() {
	python3 - "$1" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8",
                            errors="strict", newline="")))
assert rows, "no header"
for r in rows:
    assert len(r) == len(rows[0]), r
PY
}

# secs CMD...: wall time of CMD in seconds (float) on stdout; output
# goes to $T/out, errors to $T/err.
secs() {
	local a b
	a=$(date +%s%N)
	"$@" >"$T/out" 2>"$T/err" || true
	b=$(date +%s%N)
	echo "$(( (b - a) / 1000000 ))"
}

# linear KIND TOOL...: time on 1x and 4x inputs; fails when 4x takes
# more than 10 times as long (quadratic would be 16), plus 0.3 s slack.
linear() {
	local kind=$1 t1 t4
	shift
	gen "$kind" 150000 >"$T/x1"
	gen "$kind" 600000 >"$T/x4"
	# Under valgrind (scripts/valgrind-check) only the output counts.
	[ -z "${DSN_VALGRIND:-}" ] || return 0
	"$@" "$T/x1" >/dev/null 2>&1 || true	# warm caches
	t1=$(secs "$@" "$T/x1")
	t4=$(secs "$@" "$T/x4")
	echo "$kind: 1x ${t1} ms, 4x ${t4} ms"
	[ "$t4" -le $((t1 * 10 + 300)) ]
}

@test "runs of spaces, dots, @, <, tags, brackets -> linear time" {
	for k in spaces dots at lt tags brackets mixed addr status colon; do
		linear "$k" "$P"
		"$P" "$T/x4" >"$T/j" 2>/dev/null || true
		valid_jsonl "$T/j"
	done
}

@test "1&1 reason paragraph running to the end of the text -> a record, no hang" {
	# Found by fuzz_report: the paragraph state looped at end of text.
	run timeout 10 "$P" testdata/formats/fx1a-einsundeins-eof.eml
	assert_success
	assert_output --partial '"recipient":"dora@example.com"'
	assert_output --partial '550 no such user here"'
}

@test "free-text bounces with pathological runs -> linear time" {
	for k in spaces dots at lt tags brackets mixed addr status colon; do
		linear "plain-$k" "$P"
		"$P" "$T/x4" >"$T/j" 2>/dev/null || true
		valid_jsonl "$T/j"
	done
}

@test "classify on pathological diagnostics -> linear time, valid" {
	for k in spaces dots at lt tags brackets mixed; do
		python3 - "$k" 150000 >"$T/x1" <<'PY'
import json, sys
pat = {"spaces": " ", "dots": ".", "at": "@", "lt": "<",
       "tags": "<a href=x", "brackets": "([{<", "mixed": "a@b. <("}
p, n = pat[sys.argv[1]], int(sys.argv[2])
d = (p * (n // len(p) + 1))[:n]
for i in range(20):
    print(json.dumps({"recipient": "bob@example.org", "status": "5.0.0",
                      "diagnostic": d, "remote_mta": d[:2000]}))
PY
		python3 -c 'import sys
d = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(d * 4)' "$T/x1" "$T/x4"
		[ -n "${DSN_VALGRIND:-}" ] && continue
		t1=$(secs "$C" "$T/x1")
		t4=$(secs "$C" "$T/x4")
		echo "$k: 1x ${t1} ms, 4x ${t4} ms"
		[ "$t4" -le $((t1 * 10 + 300)) ]
		"$C" "$T/x4" | python3 -c 'import json, sys
for l in sys.stdin: json.loads(l)'
	done
}

@test "huge header, many headers, one 3 MB line -> valid output" {
	python3 - >"$T/h" <<'PY'
import sys
sys.stdout.write("Subject: " + "x" * 3000000 + "\n")
for i in range(5000):
    sys.stdout.write("X-H%d: %s\n" % (i, "v" * 50))
sys.stdout.write("\n" + "y" * 3000000 + "\n")
PY
	cat "$T/h" testdata/std/rfc3464-single.eml >"$T/hd"
	{ printf 'X-Long: '; head -c 2000000 /dev/zero | tr '\0' a
	  printf '\n'; gen spaces 100; } >"$T/hl"
	for f in "$T/h" "$T/hd" "$T/hl"; do
		run timeout 20 "$P" "$f"
		[ "$status" -le 1 ]
		"$P" "$f" >"$T/j" 2>/dev/null || true
		valid_jsonl "$T/j"
	done
	# The DSN after a huge header is still a DSN when its own header
	# fits the limit.
	run "$P" testdata/std/rfc3464-single.eml
	assert_success
}

@test "deep MIME nesting and many parts -> valid output, no crash" {
	python3 - 3000 >"$T/deep" <<'PY'
import sys
n = int(sys.argv[1])
o = sys.stdout
o.write("From: MAILER-DAEMON@example.net\nContent-Type: multipart/report;"
        " report-type=delivery-status; boundary=b0\n\n")
for i in range(n):
    o.write("--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n"
            % (i, i + 1))
o.write("--b%d\nContent-Type: message/delivery-status\n\n"
        "Final-Recipient: rfc822; bob@example.org\nAction: failed\n"
        "Status: 5.1.1\n\n" % n)
for i in range(n, -1, -1):
    o.write("--b%d--\n" % i)
PY
	python3 - 50000 >"$T/many" <<'PY'
import sys
n = int(sys.argv[1])
o = sys.stdout
o.write("From: MAILER-DAEMON@example.net\nContent-Type: multipart/report;"
        " report-type=delivery-status; boundary=b\n\n")
for i in range(n):
    o.write("--b\nContent-Type: message/delivery-status\n\n"
            "Final-Recipient: rfc822; u%d@example.org\nAction: failed\n"
            "Status: 5.1.1\n\n" % i)
o.write("--b--\n")
PY
	python3 - 20000 >"$T/rfc822" <<'PY'
import sys
n = int(sys.argv[1])
o = sys.stdout
for i in range(n):
    o.write("From: a@example.org\nContent-Type: message/rfc822\n\n")
o.write("Subject: end\n\nbody\n")
PY
	for f in deep many rfc822; do
		run timeout 30 "$P" "$T/$f"
		[ "$status" -le 1 ]
		timeout 30 "$P" "$T/$f" >"$T/j" 2>/dev/null || true
		valid_jsonl "$T/j"
	done
	# One report of 50000 recipients: cut at the recipient limit.
	python3 - 50000 >"$T/rcpts" <<'PY'
import sys
o = sys.stdout
o.write("From: MAILER-DAEMON@example.net\nContent-Type: multipart/report;"
        " report-type=delivery-status; boundary=b\n\n--b\n"
        "Content-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.example.net\n\n")
for i in range(int(sys.argv[1])):
    o.write("Final-Recipient: rfc822; u%d@example.org\nAction: failed\n"
            "Status: 5.1.1\n\n" % i)
o.write("--b--\n")
PY
	n=$("$P" "$T/rcpts" 2>/dev/null | wc -l)
	[ "$n" -eq 1000 ]
	n=$("$P" --max-recipients 7 "$T/rcpts" 2>/dev/null | wc -l)
	[ "$n" -eq 7 ]
	# A limit that cut a message is reported with its number.
	run "$P" --max-recipients 7 "$T/rcpts"
	assert_failure 1
	assert_output --partial "rcpts: message 1: more than 7 recipients"
	run "$P" --max-parts 10 "$T/many"
	assert_failure 1
	assert_output --partial "many: message 1: cut at a limit: MIME parts (see --max-parts)"
	run "$P" --max-depth 5 "$T/deep"
	assert_failure 1
	assert_output --partial "deep: message 1: cut at a limit: MIME nesting (see --max-depth)"
	# A header over --max-header-size and one over --max-headers: both named.
	{ printf 'From: a@example.com\n'
	  for i in 1 2 3 4 5; do printf 'X-F%d: v\n' $i; done
	  printf 'Subject: '; head -c 3000 /dev/zero | tr '\0' x
	  printf '\n\nbody\n'; } > "$T/bighdr"
	run "$P" --max-header-size 2K "$T/bighdr"
	assert_failure 1
	assert_output --partial "bighdr: message 1: cut at a limit: header size (see --max-header-size)"
	run "$P" --max-header-size 2K --max-headers 2 "$T/bighdr"
	assert_failure 1
	assert_output --partial "bighdr: message 1: cut at a limit: header fields (see --max-headers), header size (see --max-header-size)"
}

@test "NUL bytes, binary junk and bad UTF-8 in every field -> no field lost" {
	python3 - >"$T/nul" <<'PY'
import sys
o = sys.stdout.buffer
bad = b"\x00\xff\xfe\xc3(\xe2\x82\x01\x1b[31m\xed\xa0\x80\xf4\x90\x80\x80"
# Control bytes make an address invalid (tested below): not in these.
ab = bytes(c for c in bad if c >= 0x20 and c != 0x7f)
o.write(b"From: MAILER-DAEMON@mx.example.net\nTo: a" + bad +
        b"@example.com\nSubject: s" + bad + b"\nMessage-ID: <id" + bad +
        b"@example.net>\nMIME-Version: 1.0\nContent-Type: multipart/report;"
        b" report-type=delivery-status; boundary=BB\n\n--BB\n"
        b"Content-Type: text/plain\n\n" + bad * 100 +
        b"\n--BB\nContent-Type: message/delivery-status\n\n"
        b"Reporting-MTA: dns; mx" + bad + b".example.net\n\n"
        b"Final-Recipient: rfc822; bob" + ab + b"@example.org\n"
        b"Action: failed\nStatus: 5.1.1\nRemote-MTA: dns; r" + bad +
        b"\nDiagnostic-Code: smtp; 550 user " + bad + b" unknown\n\n"
        b"--BB\nContent-Type: text/rfc822-headers\n\nFrom: a" + ab +
        b"@example.com\nSubject: s" + bad + b"\nMessage-ID: <m" + bad +
        b"@example.com>\n\n"
        b"--BB\nContent-Type: application/octet-stream\n\n")
import random
random.seed(7)
o.write(bytes(random.randrange(256) for _ in range(200000)))
o.write(b"\n--BB--\n")
PY
	run "$P" "$T/nul"
	[ "$status" -le 1 ]
	"$P" "$T/nul" >"$T/j" 2>/dev/null || true
	valid_jsonl "$T/j"
	[ "$(wc -l <"$T/j")" -eq 1 ]
	for f in recipient diagnostic reporting_mta remote_mta subject \
	    message_id sender; do
		jq -e ".$f != null" "$T/j" >/dev/null ||
		    { echo "$f vanished"; return 1; }
	done
	"$P" --format csv "$T/nul" >"$T/c" 2>/dev/null || true
	valid_csv "$T/c"
	# And through dsn-classify, into JSON and CSV.
	"$C" "$T/j" >"$T/cj"
	python3 -c 'import json, sys
for l in open(sys.argv[1], "rb"):
    o = json.loads(l.decode("utf-8", "strict"))
    assert o["recipient"] is not None and o["diagnostic"] is not None
' "$T/cj"
	tests/junkbytes 300000 303 >"$T/junk"
	run "$P" "$T/junk"
	[ "$status" -le 1 ]
}

@test "truncated files at many points -> valid output, exit 0 or 1" {
	f=testdata/std/rfc3464-multi.eml
	size=$(wc -c <"$f")
	for cut in $(seq 1 53 "$size"); do
		head -c "$cut" "$f" >"$T/t"
		run timeout 10 "$P" "$T/t"
		[ "$status" -le 1 ]
		"$P" "$T/t" >"$T/j" 2>/dev/null || true
		valid_jsonl "$T/j"
	done
	gzip -c testdata/sample.mbox >"$T/s.gz"
	gz=$(wc -c <"$T/s.gz")
	for cut in $(seq 20 97 "$((gz - 1))"); do
		head -c "$cut" "$T/s.gz" >"$T/t.gz"
		run timeout 10 "$P" "$T/t.gz"
		assert_failure 1
		assert_output --partial "$T/t.gz"
	done
}

@test "gzip bomb -> stopped at --max-decompressed, error, exit 1" {
	{ cat testdata/std/rfc3464-single.eml
	  head -c 200000000 /dev/zero; } | gzip -1 >"$T/bomb.gz"
	[ "$(wc -c <"$T/bomb.gz")" -lt 1000000 ]
	run timeout 20 "$P" --max-decompressed 1000000 "$T/bomb.gz"
	assert_failure 1
	assert_output --partial "bomb.gz"
	[ -z "${DSN_VALGRIND:-}" ] || return 0
	/usr/bin/time -f %M -o "$T/rss" "$P" --max-decompressed 1000000 \
	    "$T/bomb.gz" >/dev/null 2>&1 || true
	[ "$(tail -1 "$T/rss")" -lt 100000 ]	# KB: no 200 MB buffer
}

@test "unreadable file -> error names it, the rest is read, exit 1" {
	# /proc/self/mem fails with EIO at offset 0, even for root.
	bad=/proc/self/mem
	if [ "$(id -u)" -ne 0 ]; then
		cp testdata/std/arf.eml "$T/locked"
		chmod 000 "$T/locked"
		bad=$T/locked
	fi
	run "$P" "$bad" testdata/std/rfc3464-single.eml
	assert_failure 1
	assert_output --partial "dsn-parse: $bad"
	assert_output --partial '"recipient":"bob@example.org"'
}

@test "directory that vanishes before and during the walk -> exit 1, valid" {
	mkdir -p "$T/gone/new" "$T/gone/cur" "$T/gone/tmp"
	for i in $(seq 1 2000); do
		cp testdata/std/rfc3464-single.eml "$T/gone/new/$i"
	done
	mkfifo "$T/fifo"
	# Stdin first: the folder is removed while dsn-parse waits on it.
	"$P" - "$T/gone" <"$T/fifo" >"$T/j" 2>"$T/e" &
	pid=$!
	rm -rf "$T/gone"
	: >"$T/fifo"
	wait "$pid" && rc=0 || rc=$?
	[ "$rc" -eq 1 ]
	grep -q gone "$T/e"
	# During the walk: whatever was read is valid, status 0 or 1.
	mkdir -p "$T/gone2/new" "$T/gone2/cur" "$T/gone2/tmp"
	for i in $(seq 1 3000); do
		cp testdata/std/rfc3464-single.eml "$T/gone2/new/$i"
	done
	"$P" "$T/gone2" >"$T/j" 2>"$T/e" &
	pid=$!
	sleep 0.05
	rm -rf "$T/gone2"
	wait "$pid" && rc=0 || rc=$?
	[ "$rc" -le 1 ]
	valid_jsonl "$T/j"
}

@test "full disk (/dev/full) -> error, exit 2, each tool" {
	run sh -c "$P testdata/sample.mbox >/dev/full"
	assert_failure 2
	"$P" testdata/sample.mbox >"$T/r"
	run sh -c "$C $T/r >/dev/full"
	assert_failure 2
	"$C" "$T/r" >"$T/rc"
	run sh -c "$R $T/rc >/dev/full"
	assert_failure 2
}

@test "closed pipe (EPIPE) -> no hang, nonzero exit, each tool" {
	for i in $(seq 1 400); do cat testdata/sample.mbox; done >"$T/big"
	"$P" "$T/big" >"$T/r"
	for cmd in "$P $T/big" "$C $T/r"; do
		run bash -c "set -o pipefail; trap '' PIPE; $cmd | head -c 10"
		[ "$status" -eq 2 ] || [ "$status" -eq 141 ]
	done
}

@test "CSV and JSON of generated inputs -> valid, header column count" {
	for k in spaces lt tags brackets mixed plain-addr plain-colon; do
		gen "$k" 5000 >>"$T/mb"
		printf '\n' >>"$T/mb"
	done
	# As one mailbox of several messages, each with an envelope line.
	awk 'BEGIN{print "From x@example.com Mon Jan  1 00:00:00 2024"}
	    /^From: MAILER/ && NR > 1 {
		print ""; print "From x@example.com Mon Jan  1 00:00:00 2024" }
	    { print }' "$T/mb" >"$T/mbox"
	"$P" --format csv "$T/mbox" >"$T/c" 2>/dev/null || true
	valid_csv "$T/c"
	"$P" "$T/mbox" >"$T/j" 2>/dev/null || true
	valid_jsonl "$T/j"
	[ "$(wc -l <"$T/j")" -ge 5 ]
	"$P" --format json "$T/mbox" | jq -e 'type == "array"' >/dev/null
	"$C" --format csv "$T/j" >"$T/cc"
	valid_csv "$T/cc"
}

@test "formula cells in CSV -> neutralised by default, raw with --csv-raw" {
	gen spaces 10 | sed 's/^Final-Recipient: .*/Final-Recipient: rfc822; =cmd@example.org/' \
	    | sed 's/^Diagnostic-Code: .*/Diagnostic-Code: smtp; =HYPERLINK("x")/' \
	    >"$T/f"
	"$P" --format csv "$T/f" >"$T/c"
	valid_csv "$T/c"
	! grep -q ',=HYPERLINK' "$T/c"
	! grep -q ',"=HYPERLINK' "$T/c"
}

@test "every file in ../shared/corpus/err -> valid output or clear error" {
	d=../shared/corpus/err
	[ -d "$d" ] || skip "no shared corpus"
	for f in "$d"/*; do
		run timeout 10 "$P" "$f"
		[ "$status" -le 1 ] || { echo "$f: status $status"; return 1; }
		if [ "$status" -eq 1 ]; then
			[[ "$output" == *dsn-parse:* ]] ||
			    { echo "$f: unclear error"; return 1; }
		fi
		"$P" "$f" >"$T/j" 2>/dev/null || true
		valid_jsonl "$T/j"
		"$P" --format csv "$f" >"$T/c" 2>/dev/null || true
		valid_csv "$T/c"
	done
}

@test "peak memory: 40 MB mailbox within a few MB of a 5 MB one" {
	[ -z "${DSN_VALGRIND:-}" ] || skip "memory of valgrind itself"
	s=$(wc -c <testdata/sample.mbox)
	for i in $(seq 1 $((5000000 / s))); do cat testdata/sample.mbox; done \
	    >"$T/m1"
	for i in 1 2 3 4 5 6 7 8; do cat "$T/m1"; done >"$T/m8"
	# Under ASan freed memory waits in a quarantine of up to 256 MB that
	# fills with the input's size; without it the peak is the program's.
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"
	/usr/bin/time -f %M -o "$T/r1" "$P" "$T/m1" >/dev/null
	/usr/bin/time -f %M -o "$T/r8" "$P" "$T/m8" >/dev/null
	echo "peak KB: $(tail -1 "$T/r1") vs $(tail -1 "$T/r8")"
	[ "$(tail -1 "$T/r8")" -le $(( $(tail -1 "$T/r1") + 4096 )) ]
}

@test "--max-line -> longer values cut at a character boundary, reported" {
	python3 - >"$T/long" <<'PY'
import sys
s = open("testdata/std/rfc3464-single.eml", encoding="utf-8").read()
sys.stdout.write(s.replace("Diagnostic-Code: smtp; 550 5.1.1",
                 "Diagnostic-Code: smtp; 550 5.1.1 " + "\u00e9" * 5000))
PY
	"$P" --max-line 1001 "$T/long" >"$T/out" 2>"$T/err" && rc=0 || rc=$?
	assert_equal "$rc" 1
	grep -q 'message 1: longer than 1001 bytes: diagnostic cut' "$T/err"
	[ "$(jq '.diagnostic | utf8bytelength' "$T/out")" -eq 1000 ]
	"$P" "$T/long" | jq -e '.diagnostic | utf8bytelength > 10000'
}

@test "header cut by --max-header-size -> reported, exit 1, no cut value, body not read from the cut header" {
	for n in 10 100 300; do
		run "$P" --max-header-size "$n" \
		    --fields sender,message_id,subject,bounce_to \
		    testdata/sample.mbox
		assert_failure 1
		assert_output --partial "cut at a limit: header size (see --max-header-size)"
		# The bounce's own header is never read as the returned one.
		refute_output --partial '"sender":"MAILER-DAEMON@'
		refute_output --partial '"message_id":"20240304091502'
		refute_output --partial 'Undelivered Mail Returned'
		# No address or id cut in the middle.
		refute_output --regexp '@example"|@example\.c"|@example\.or"'
	done
	run "$P" --max-header-size 10 --fields sender,subject \
	    testdata/sample.mbox
	assert_output --partial \
	    '{"sender":"news@example.com","subject":"March newsletter"}'
}

@test "NUL or control byte in an address -> address invalid, never joined into another" {
	for c in '\x00' '\x01' '\x1b' '\x7f'; do
		python3 - "$c" >"$T/ctl" <<'PY'
import sys
c = sys.argv[1].encode().decode("unicode_escape").encode("latin-1")
s = open("testdata/std/rfc3464-single.eml", "rb").read()
s = s.replace(b"Final-Recipient: rfc822; bob@example.org",
              b"Final-Recipient: rfc822; mallory" + c + b"victim@example.org")
s = s.replace(b"Original-Recipient: rfc822;Bob@example.org",
              b"Original-Recipient: rfc822;eve" + c + b"Bob@example.org")
s = s.replace(b"From: Alice <alice@example.com>",
              b"From: Alice <al" + c + b"ice@example.com>")
s = s.replace(b"To: alice+bounce@example.com",
              b"To: x" + c + b"alice+bounce@example.com")
sys.stdout.buffer.write(s)
PY
		run "$P" --fields recipient,original_recipient,sender,bounce_to \
		    "$T/ctl"
		refute_output --partial victim
		refute_output --partial 'Bob@example.org'
		refute_output --partial 'ice@example.com'
		refute_output --partial '"bounce_to":"alice'
		# The record comes from the text part's own address.
		assert_output --partial '"recipient":"bob@example.org"'
		assert_output --partial '"original_recipient":null'
		assert_output --partial '"sender":null'
	done
	# Diagnostics keep control bytes as spaces.
	python3 - >"$T/diag" <<'PY'
import sys
s = open("testdata/std/rfc3464-single.eml", "rb").read()
s = s.replace(b"550 5.1.1 <bob@example.org>: Recipient address",
              b"550 5.1.1 <bob@example.org>:\x00Recipient address")
sys.stdout.buffer.write(s)
PY
	run "$P" --fields recipient,diagnostic "$T/diag"
	assert_success
	assert_output --partial '"recipient":"bob@example.org"'
	assert_output --partial '<bob@example.org>: Recipient address rejected'
}

# bigmbox N > file: N copies of a one-recipient DSN, each with a line of
# random bytes so that gzip keeps the file large.
bigmbox() {
	for i in $(seq 1 "$1"); do
		echo "From MAILER-DAEMON Tue Mar  4 10:15:30 2025"
		echo "X-Pad: $(head -c 600 /dev/urandom | base64 -w0)"
		cat testdata/std/rfc3464-single.eml
		echo
	done
}

@test "truncated gzip -> every message complete before the cut read, the cut one reported, exit 1" {
	bigmbox 40 >"$T/mb"
	gzip -c "$T/mb" >"$T/mb.gz"
	gz=$(wc -c <"$T/mb.gz")
	"$P" "$T/mb" | jq -c 'del(.source)' >"$T/full"
	[ "$(wc -l <"$T/full")" -eq 40 ]
	for cut in $((gz / 8)) $((gz / 3)) $((gz / 2)) $((gz * 7 / 8)) \
	    $((gz - 9)); do
		head -c "$cut" "$T/mb.gz" >"$T/t.gz"
		# Messages whose next envelope line is whole in what inflates.
		zcat "$T/t.gz" 2>/dev/null >"$T/pre" || true
		k=$(python3 -c 'import sys
d = open(sys.argv[1], "rb").read()
d = d[:d.rfind(b"\n") + 1]
print(max(d.count(b"From MAILER-DAEMON ") - 1, 0))' "$T/pre")
		[ "$k" -gt 0 ]
		run "$P" "$T/t.gz"
		assert_failure 1
		assert_output --partial "$T/t.gz: message $((k + 1)) (offset"
		assert_output --partial "truncated gzip data: the message is cut short, not read"
		"$P" "$T/t.gz" 2>/dev/null | jq -c 'del(.source)' >"$T/got" ||
		    true
		head -n "$k" "$T/full" | diff - "$T/got"
	done
}

@test "gzip: several members read as one; zero padding ignored; trailing garbage reported after the records" {
	bigmbox 6 >"$T/mb"
	head -n 20 "$T/mb" | gzip >"$T/m.gz"
	tail -n +21 "$T/mb" | gzip >>"$T/m.gz"
	run "$P" "$T/m.gz"
	assert_success
	"$P" "$T/mb" | jq -c 'del(.source)' >"$T/want"
	"$P" "$T/m.gz" | jq -c 'del(.source)' | diff "$T/want" -
	{ gzip -c "$T/mb"; head -c 512 /dev/zero; } >"$T/z.gz"
	run "$P" "$T/z.gz"
	assert_success
	{ gzip -c "$T/mb"; echo "not gzip"; } >"$T/g.gz"
	n=$(gzip -c "$T/mb" | wc -c)
	run "$P" "$T/g.gz"
	assert_failure 1
	assert_output --partial "$T/g.gz: bytes after the gzip data (at byte $n of the file) are not gzip"
	"$P" "$T/g.gz" 2>/dev/null | jq -c 'del(.source)' | diff "$T/want" -
}

@test "MTA name followed by blanks or a C1 control -> the name alone, nothing read past the value" {
	# A C1 control becomes a space after the name: the value then ends
	# in a blank (the sanitizer build catches any read past its end).
	for c in '\xc2\x85' '\xc2\x9f' ' \t'; do
		python3 - "$c" >"$T/mta" <<'PY'
import sys
c = sys.argv[1].encode().decode("unicode_escape").encode("latin-1")
s = open("testdata/std/rfc3464-single.eml", "rb").read()
s = s.replace(b"Reporting-MTA: dns; mx.example.net",
              b"Reporting-MTA: dns; mx.example.net " + c)
s = s.replace(b"Remote-MTA: dns; mx.example.org",
              b"Remote-MTA: dns; relay " + c)
sys.stdout.buffer.write(s)
PY
		run "$P" --fields reporting_mta,remote_mta "$T/mta"
		assert_success
		assert_output '{"reporting_mta":"mx.example.net","remote_mta":"relay"}'
	done
}
