#!/usr/bin/env bats
# dsn-prune: ledger, policy, lists, safety.  Uses testdata/prune only
# (classified records written by hand), never dsn-parse output.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

setup() {
	ROOT="$BATS_TEST_DIRNAME/.."
	P="$ROOT/bin/dsn-prune"
	D="$ROOT/testdata/prune"
	T="$BATS_TEST_TMPDIR"
	cp "$D/members.txt" "$T/members.txt"
	unset DSN_PRUNE_NOW DSN_PRUNE_CONFIG
}

# A classified soft bounce: soft ADDRESS DATE ID
soft() {
	printf '{"source":"m","message":1,"offset":0,"type":"dsn",'
	printf '"format":"rfc3464","report_id":"<%s@mx.example.org>",' "$3"
	printf '"date":"%sT09:00:00Z","recipient":"%s","action":"failed",' \
	    "$2" "$1"
	printf '"status":"4.2.2","diagnostic":"452 4.2.2 mailbox full",'
	printf '"bounce_to":"announce-bounces@lists.example.org",'
	printf '"reason":"mailboxfull","hard_bounce":false,"rule":"t"}\n'
}

prune() {
	"$P" --ledger "$T/db" --list "$T/members.txt" "$@"
}

@test "hard bounce -> removed at once; sender-side, delay, auto-reply kept" {
	run prune --now 2024-05-05T00:00:00Z -i "$D/hard.jsonl"
	assert_success
	assert_output --partial $'bob@example.com\tremove\thard'
	assert_output --partial 'our own sending: 1 rejections'
	run cat "$T/members.txt"
	refute_output --partial 'Bob@EXAMPLE.com'
	assert_output --partial 'carol@example.net'
	assert_output --partial 'dave@example.org'
	assert_output --partial 'erin@example.com'
	[ -f "$T/members.txt.bak" ]
	cmp "$D/members.txt" "$T/members.txt.bak"
}

@test "kept lines, comments and blank lines survive byte for byte" {
	run prune --now 2024-05-05T00:00:00Z -i --max-remove 50% \
	    "$D/hard.jsonl" "$D/complaint.jsonl"
	assert_success
	grep -v -e '^Bob Example' -e '^grace@' "$D/members.txt" >"$T/want"
	cmp "$T/want" "$T/members.txt"
}

@test "ARF abuse complaint -> removed; not-spam feedback -> kept" {
	run prune --now 2024-05-05T00:00:00Z -i "$D/complaint.jsonl"
	assert_success
	run cat "$T/members.txt"
	refute_output --partial 'grace@example.org'
	assert_output --partial 'heidi@example.com'
}

@test "VERP bounce_to -> the subscriber it encodes, domain case folded" {
	run prune --now 2024-05-05T00:00:00Z -i "$D/verp.jsonl"
	assert_success
	assert_output --partial 'ivan@example.net'
	run grep -c '^ivan@example.net$' "$T/members.txt"
	assert_output 0
}

@test "soft bounces -> removed only on the 5th distinct day, run by run" {
	for day in 01 02 03 04; do
		soft frank@example.net 2024-05-$day s$day >"$T/in"
		run prune --now 2024-05-${day}T23:00:00Z -i "$T/in"
		assert_success
		grep -q '^frank@example.net$' "$T/members.txt"
	done
	soft frank@example.net 2024-05-05 s05 >"$T/in"
	run prune --now 2024-05-05T23:00:00Z -i "$T/in"
	assert_success
	assert_output --partial $'frank@example.net\tremove\tsoft'
	run grep -c '^frank@example.net$' "$T/members.txt"
	assert_output 0
}

@test "soft bounces on one day, or spread past the window -> kept" {
	for i in 1 2 3 4 5 6; do soft judy@example.org 2024-05-01 j$i; done \
	    >"$T/in"
	for d in 01 08 15 22 29; do soft heidi@example.com 2024-04-$d h$d; done \
	    >>"$T/in"
	run prune --now 2024-05-02T00:00:00Z -i "$T/in"
	assert_success
	cmp "$D/members.txt" "$T/members.txt"
}

@test "an old mailbox read today -> days are the reports' own dates" {
	for d in 01 03 05 07 09; do soft frank@example.net 2024-03-$d o$d; done \
	    >"$T/in"
	run prune --now 2024-04-01T00:00:00Z -n "$T/in"
	assert_success
	assert_output --partial 'frank@example.net'
	# Past --expire (90 days) the same bounces no longer count.
	run prune --now 2024-09-01T00:00:00Z -n "$T/in"
	assert_success
	refute_output --partial 'frank@example.net'
}

@test "re-ingesting the same records -> nothing changes in the ledger" {
	cat "$D/hard.jsonl" "$D/complaint.jsonl" >"$T/in"
	run prune --now 2024-05-05T00:00:00Z --max-remove 50% "$T/in"
	assert_success
	q='SELECT count(*) FROM event; SELECT * FROM address ORDER BY 1;'
	before=$(sqlite3 "$T/db" "$q")
	run prune --now 2024-05-06T00:00:00Z --max-remove 50% "$T/in"
	assert_success
	assert_output --partial '0 new, 6 seen before'
	[ "$(sqlite3 "$T/db" "$q")" = "$before" ]
}

@test "a delivered DSN resets the soft score" {
	for d in 01 02 03 04; do soft frank@example.net 2024-05-$d a$d; done \
	    >"$T/in"
	run prune --now 2024-05-04T23:00:00Z -i "$T/in" "$D/delivered.jsonl"
	assert_success
	for d in 05 06 07 08; do soft frank@example.net 2024-05-$d b$d; done \
	    >"$T/in"
	run prune --now 2024-05-08T23:00:00Z -i "$T/in"
	assert_success
	grep -q '^frank@example.net$' "$T/members.txt"
	soft frank@example.net 2024-05-09 b09 >"$T/in"
	run prune --now 2024-05-09T23:00:00Z -i "$T/in"
	assert_success
	run grep -c '^frank@example.net$' "$T/members.txt"
	assert_output 0
}

@test "removals past --max-remove -> exit 4, list untouched" {
	cat "$D/hard.jsonl" "$D/verp.jsonl" "$D/complaint.jsonl" >"$T/in"
	run prune --now 2024-05-05T00:00:00Z -i --max-remove 2 "$T/in"
	assert_failure 4
	assert_output --partial 'exceed --max-remove (2): nothing removed'
	assert_output --partial $'bob@example.com\trefused'
	cmp "$D/members.txt" "$T/members.txt"
	[ ! -e "$T/members.txt.bak" ]
	# The default (5% but at least one) refuses 3 of 10 as well.
	run prune --now 2024-05-05T00:00:00Z -i "$T/in"
	assert_failure 4
	run prune --now 2024-05-05T00:00:00Z -i --max-remove 30% "$T/in"
	assert_success
}

@test "records without reason/hard_bounce -> exit 3, nothing stored" {
	run prune --now 2024-05-05T00:00:00Z -i "$D/hard.jsonl" \
	    "$D/unclassified.jsonl"
	assert_failure 3
	assert_output --partial 'not classified, run it through dsn-classify'
	cmp "$D/members.txt" "$T/members.txt"
	[ "$(sqlite3 "$T/db" 'SELECT count(*) FROM event')" = 0 ]
}

@test "truncated input -> exit 1, nothing stored, nothing removed" {
	run prune --now 2024-05-05T00:00:00Z -i "$D/hard.jsonl" \
	    "$D/truncated.jsonl"
	assert_failure 1
	assert_output --partial 'truncated'
	cmp "$D/members.txt" "$T/members.txt"
	[ "$(sqlite3 "$T/db" 'SELECT count(*) FROM event')" = 0 ]
	head -c 300 "$D/hard.jsonl" >"$T/cut"
	run prune --now 2024-05-05T00:00:00Z -i <"$T/cut"
	assert_failure 1
}

@test "--dry-run -> shows removals, changes neither list nor ledger" {
	run prune --now 2024-05-05T00:00:00Z -i -n "$D/hard.jsonl"
	assert_success
	assert_output --partial $'bob@example.com\twould-remove'
	cmp "$D/members.txt" "$T/members.txt"
	[ ! -e "$T/db" ]
}

@test "--keep allow-list -> never pruned" {
	sed 's/bob@example.com/alice@example.com/' "$D/hard.jsonl" >"$T/in"
	run prune --now 2024-05-05T00:00:00Z -i --keep "$D/keep.txt" "$T/in"
	assert_success
	cmp "$D/members.txt" "$T/members.txt"
}

@test "CSV list -> address column by name, quoted cells kept" {
	cp "$D/members.csv" "$T/m.csv"
	run "$P" --ledger "$T/db" --list "$T/m.csv" -i -f csv \
	    --now 2024-05-05T00:00:00Z "$D/hard.jsonl"
	assert_success
	[ "$(head -n 1 <<<"$output" | tr -d '\r')" = \
	    address,action,verdict,reason,status,date,line,evidence ]
	assert_output --partial 'bob@example.com,remove,hard,userunknown'
	grep -v '^"Example, Bob"' "$D/members.csv" | cmp - "$T/m.csv"
}

@test "--restore -> the backup comes back and is not pruned again" {
	run prune --now 2024-05-05T00:00:00Z -i "$D/hard.jsonl"
	assert_success
	run prune --restore
	assert_success
	assert_output --partial 'Bob@EXAMPLE.com'
	cmp "$D/members.txt" "$T/members.txt"
	run prune --now 2024-05-06T00:00:00Z -i "$D/hard.jsonl"
	assert_success
	cmp "$D/members.txt" "$T/members.txt"
}

@test "rewrite keeps the file mode; symlinked list stays a symlink" {
	chmod 640 "$T/members.txt"
	mkdir "$T/real"
	mv "$T/members.txt" "$T/real/members.txt"
	ln -s real/members.txt "$T/members.txt"
	run prune --now 2024-05-05T00:00:00Z -i "$D/hard.jsonl"
	assert_success
	[ -L "$T/members.txt" ]
	[ "$(stat -c %a "$T/real/members.txt")" = 640 ]
	[ -f "$T/real/members.txt.bak" ]
}

@test "config file sets the policy; options win over it" {
	printf '# policy\nsoft-bounces = 2\nsoft-window=7\n' >"$T/conf"
	soft frank@example.net 2024-05-01 c1 >"$T/in"
	soft frank@example.net 2024-05-02 c2 >>"$T/in"
	run prune --now 2024-05-03T00:00:00Z -n -c "$T/conf" "$T/in"
	assert_success
	assert_output --partial 'frank@example.net'
	run prune --now 2024-05-03T00:00:00Z -n -c "$T/conf" \
	    --soft-bounces 3 "$T/in"
	refute_output --partial 'frank@example.net'
	printf 'soft-bounce = 2\n' >"$T/bad"
	run prune -c "$T/bad" "$T/in"
	assert_failure 2
	assert_output --partial 'line 1: soft-bounce: unknown setting'
}

@test "time from DSN_PRUNE_NOW; a bad --now is a usage error" {
	DSN_PRUNE_NOW=2024-05-05T00:00:00Z run prune -n "$D/hard.jsonl"
	assert_success
	assert_output --partial 'bob@example.com'
	run prune --now yesterday "$D/hard.jsonl"
	assert_failure 2
}

@test "ledger from a newer version or not a ledger -> clear error" {
	run prune --now 2024-05-05T00:00:00Z "$D/hard.jsonl"
	assert_success
	[ "$(sqlite3 "$T/db" 'PRAGMA user_version')" = 1 ]
	sqlite3 "$T/db" 'PRAGMA user_version = 9'
	run prune "$D/hard.jsonl"
	assert_failure 2
	assert_output --partial 'schema version 9 is newer'
	sqlite3 "$T/other" 'CREATE TABLE t (x)'
	run "$P" --ledger "$T/other" "$D/hard.jsonl"
	assert_failure 2
	assert_output --partial 'not a dsn-prune ledger'
}

@test "two runs at once -> one waits, both finish, both removals made" {
	flock "$T/members.txt" sleep 1 &
	sleep 0.2
	prune -v --now 2024-05-05T00:00:00Z -i "$D/hard.jsonl" \
	    >"$T/o1" 2>&1 & p1=$!
	prune -v --now 2024-05-05T00:00:00Z -i "$D/verp.jsonl" \
	    >"$T/o2" 2>&1 & p2=$!
	wait $p1
	wait $p2
	grep -q 'waited for another run' "$T/o1" "$T/o2"
	grep -v -e '^Bob Example' -e '^ivan@' "$D/members.txt" | \
	    cmp - "$T/members.txt"
	[ "$(sqlite3 "$T/db" 'SELECT count(*) FROM removal')" = 2 ]
}

@test "kill -9 during --in-place, 30 times -> list old or new, ledger ok" {
	# A big list, so that a run lasts long enough to be cut anywhere.
	awk 'BEGIN { for (i = 0; i < 200000; i++) {
		if (i % 1000 == 0) print "# block " i
		printf "User %d <user%d@example.com>\n", i, i } }' >"$T/big"
	awk 'BEGIN { for (i = 0; i < 200000; i += 200)
		printf "{\"report_id\":\"<k%d@mx.example.org>\",\"date\":" \
		    "\"2024-05-01T10:00:00Z\",\"recipient\":\"user%d@" \
		    "example.com\",\"action\":\"failed\",\"status\":\"5.1.1\"," \
		    "\"reason\":\"userunknown\",\"hard_bounce\":true}\n", i, i
	}' >"$T/in"
	args=(-q --ledger "$T/kdb" --list "$T/list" --now
	    2024-05-05T00:00:00Z -i "$T/in")
	big() { "$P" "${args[@]}" >/dev/null; }
	cp "$T/big" "$T/list"
	big
	new=$(sha256sum <"$T/list")
	old=$(sha256sum <"$T/big")
	[ "$new" != "$old" ]
	start=$(date +%s%N)
	cp "$T/big" "$T/list"; rm -f "$T/kdb"*; big
	ms=$(( ($(date +%s%N) - start) / 1000000 + 1 ))
	for i in $(seq 30); do
		cp "$T/big" "$T/list"
		rm -f "$T/kdb" "$T/kdb-wal" "$T/kdb-shm" "$T/list.bak"
		"$P" "${args[@]}" >/dev/null & pid=$!
		sleep "$(awk -v r=$RANDOM -v m=$ms 'BEGIN { print r % m / 1000 }')"
		kill -9 $pid 2>/dev/null || true
		wait $pid || true
		got=$(sha256sum <"$T/list")
		[ "$got" = "$old" ] || [ "$got" = "$new" ]
		if [ -e "$T/kdb" ]; then
			[ "$(sqlite3 "$T/kdb" 'PRAGMA integrity_check')" = ok ]
		fi
		# The next run finishes the job.
		big
		[ "$(sha256sum <"$T/list")" = "$new" ]
	done
	[ -z "$(ls -A "$T" | grep dsn-prune)" ]
}

@test "stdout unwritable (/dev/full) -> exit 2, list and ledger unchanged" {
	run bash -c '"$@" >/dev/full' _ "$P" --ledger "$T/db" \
	    --list "$T/members.txt" -i --max-remove 50% \
	    --now 2024-05-05T00:00:00Z "$D/hard.jsonl"
	assert_failure 2
	assert_output --partial 'dsn-prune: stdout: No space left on device'
	cmp "$D/members.txt" "$T/members.txt"
	[ ! -e "$T/members.txt.bak" ]
	[ "$(sqlite3 "$T/db" 'SELECT count(*) FROM event')" = 0 ]
	[ "$(sqlite3 "$T/db" 'SELECT count(*) FROM removal')" = 0 ]
}

@test "stdout a closed pipe -> 'stdout: Broken pipe', exit 2, no SIGPIPE" {
	# The reader is gone before dsn-prune starts writing.
	run bash -c '{ sleep 0.5; "$@"; echo "exit $?" >&2; } | true' _ \
	    "$P" --ledger "$T/db" --list "$T/members.txt" -i \
	    --now 2024-05-05T00:00:00Z "$D/hard.jsonl"
	assert_output --partial 'dsn-prune: stdout: Broken pipe'
	assert_output --partial 'exit 2'
	cmp "$D/members.txt" "$T/members.txt"
	[ "$(sqlite3 "$T/db" 'SELECT count(*) FROM event')" = 0 ]
}

@test "run rolled back (stdout full or closed) or dry run -> summary says the new records were not stored" {
	run bash -c '"$@" >/dev/full' _ "$P" --ledger "$T/db" \
	    --list "$T/members.txt" -i --max-remove 50% \
	    --now 2024-05-05T00:00:00Z "$D/hard.jsonl"
	assert_failure 2
	assert_output --partial \
	    '4 new (not stored: the ledger was rolled back), 0 seen before'
	[ "$(sqlite3 "$T/db" 'SELECT count(*) FROM event')" = 0 ]
	run bash -c '{ sleep 0.5; "$@"; } | true' _ "$P" --ledger "$T/db" \
	    --list "$T/members.txt" -i --now 2024-05-05T00:00:00Z \
	    "$D/hard.jsonl"
	assert_output --partial '4 new (not stored: the ledger was rolled back)'
	run prune --now 2024-05-05T00:00:00Z -n "$D/hard.jsonl"
	assert_success
	assert_output --partial '4 new (dry run: not stored), 0 seen before'
	run prune --now 2024-05-05T00:00:00Z "$D/hard.jsonl"
	assert_success
	assert_output --partial '4 records read, 4 new, 0 seen before'
	[ "$(sqlite3 "$T/db" 'SELECT count(*) FROM event')" = 4 ]
}

@test "VERP vs recipient: members are trusted, VERP only for forwards" {
	run prune -v --now 2024-05-05T00:00:00Z -i --max-remove 50% \
	    "$D/verp-multi.jsonl" "$D/verp.jsonl"
	assert_success
	# bob's own bounce, alice's VERP: bob goes, alice stays.
	assert_output --partial $'bob@example.com\tremove\thard'
	refute_output --partial 'alice@example.com'$'\t'
	assert_output --partial 'VERP bounce_to names alice@example.com'
	assert_output --partial 'trusting the recipient'
	# Forwarded: the original recipient is the member, not heidi's VERP.
	assert_output --partial $'judy@example.org\tremove\thard'
	refute_output --partial 'heidi@example.com'$'\t'
	# Neither on the list: the VERP address (ivan) is the subscriber.
	assert_output --partial $'ivan@example.net\tremove\thard'
	run cat "$T/members.txt"
	assert_output --partial 'alice@example.com'
	assert_output --partial 'heidi@example.com'
	refute_output --partial 'Bob@EXAMPLE.com'
	refute_output --partial 'judy@example.org'
	# No --list: membership unknown, the recipient is trusted.
	run "$P" --ledger "$T/db2" -n --now 2024-05-05T00:00:00Z \
	    "$D/verp-multi.jsonl"
	assert_success
	assert_output --partial $'bob@example.com\twould-remove'
	refute_output --partial 'alice@example.com'
}

@test "bad option values name the option as given: prog: where: what" {
	run "$P" -n --ledger "$T/db" -f xml "$D/hard.jsonl"
	assert_failure 2
	assert_output 'dsn-prune: -f: bad value "xml"'
	run "$P" -n --ledger "$T/db" --format xml "$D/hard.jsonl"
	assert_failure 2
	assert_output 'dsn-prune: --format: bad value "xml"'
	run "$P" -n --ledger "$T/db" --soft-bounces 0 "$D/hard.jsonl"
	assert_failure 2
	assert_output 'dsn-prune: --soft-bounces: bad value "0"'
	printf 'expire = soon\n' >"$T/conf"
	run "$P" -n --ledger "$T/db" -c "$T/conf" "$D/hard.jsonl"
	assert_failure 2
	assert_output "dsn-prune: $T/conf: line 1: expire: bad value \"soon\""
}

@test "--dry-run creates no ledger and leaves an existing one alone" {
	run prune -n --now 2024-05-05T00:00:00Z "$D/hard.jsonl"
	assert_success
	assert_output --partial $'bob@example.com\twould-remove'
	[ ! -e "$T/db" ]
	[ -z "$(ls "$T" | grep '^db')" ]
	run prune --now 2024-05-05T00:00:00Z "$D/verp.jsonl"
	assert_success
	sum=$(sha256sum <"$T/db")
	run prune -n --now 2024-05-06T00:00:00Z -i --max-remove 50% \
	    "$D/hard.jsonl"
	assert_success
	# The history is read: ivan (stored before) and bob (new) both show.
	assert_output --partial $'ivan@example.net\twould-remove'
	assert_output --partial $'bob@example.com\twould-remove'
	[ "$(sha256sum <"$T/db")" = "$sum" ]
	[ "$(sqlite3 "$T/db" 'SELECT count(*) FROM run')" = 1 ]
}

@test "unknown reason names and impossible dates -> usage error" {
	run prune -n --sender-reasons blocked,bogus "$D/hard.jsonl"
	assert_failure 2
	assert_output --partial '--sender-reasons: unknown name "bogus"'
	printf 'sender-reasons = blocked, spamdetetced\n' >"$T/conf"
	run prune -n -c "$T/conf" "$D/hard.jsonl"
	assert_failure 2
	assert_output --partial 'line 1: sender-reasons: unknown name'
	run prune -n --complaint-types abuse,abuze "$D/hard.jsonl"
	assert_failure 2
	run prune -n --sender-reasons Blocked,rejected \
	    --complaint-types abuse,not-spam "$D/hard.jsonl"
	assert_success
	run prune -n --now 2024-02-30T00:00:00Z "$D/hard.jsonl"
	assert_failure 2
	assert_output --partial 'not an RFC 3339 time'
	run prune -n --now 2023-02-29T00:00:00Z "$D/hard.jsonl"
	assert_failure 2
	run prune -n --now 2024-04-31T00:00:00Z "$D/hard.jsonl"
	assert_failure 2
	run prune -n --now 2024-02-29T00:00:00Z "$D/hard.jsonl"
	assert_success
}

@test "--help and the man page agree on the CSV column names" {
	run "$P" --help
	assert_success
	help=$(tr -s ' \n' '  ' <<<"$output")
	names='email, e-mail, email_address, email address, mail, address'
	[[ "$help" == *"$names"* ]]
	run grep -c "$names" "$ROOT/man/dsn-prune.1"
	assert_output 1
}

@test "config file may name the ledger; --ledger wins over it" {
	printf 'ledger = %s\n' "$T/conf.db" >"$T/conf"
	run "$P" -c "$T/conf" --now 2024-05-05T00:00:00Z "$D/hard.jsonl"
	assert_success
	[ "$(sqlite3 "$T/conf.db" 'SELECT count(*) FROM event')" -gt 0 ]
	run "$P" -c "$T/conf" --ledger "$T/db" --now 2024-05-05T00:00:00Z \
	    "$D/verp.jsonl"
	assert_success
	[ "$(sqlite3 "$T/db" 'SELECT count(*) FROM event')" = 1 ]
}

@test "--restore prints the addresses as the list writes them" {
	run prune --now 2024-05-05T00:00:00Z -i "$D/hard.jsonl"
	assert_success
	run prune --restore -q
	assert_success
	assert_output $'Bob@EXAMPLE.com\trestored'
	cp "$D/members.csv" "$T/m.csv"
	run "$P" --ledger "$T/db2" --list "$T/m.csv" -i -q \
	    --now 2024-05-05T00:00:00Z "$D/hard.jsonl"
	assert_success
	run "$P" --restore -q --list "$T/m.csv"
	assert_success
	assert_output $'BOB@example.COM\trestored'
	cmp "$D/members.csv" "$T/m.csv"
}

@test "the README's cron line prunes nothing when dsn-parse fails" {
	line=$(grep -E '^ +[0-9*]+ [0-9*]+ [*] [*] [*] .*dsn-prune' \
	    "$ROOT/README.md" | sed -E 's/^ +([^ ]+ +){5}//')
	[ -n "$line" ]
	mkdir -p "$T/home/lists" "$T/stub"
	cp "$D/members.txt" "$T/home/lists/members.txt"
	# dsn-parse writes a good record, then fails (exit 2).
	{ printf '#!/bin/sh\ncat <<"EOR"\n'; head -n 1 "$D/hard.jsonl"
	  printf 'EOR\nexit 2\n'; } >"$T/stub/dsn-parse"
	chmod +x "$T/stub/dsn-parse"
	HOME="$T/home" PATH="$T/stub:$ROOT/bin:$PATH" \
	    DSN_PRUNE_NOW=2024-05-05T00:00:00Z run sh -c "$line"
	cmp "$D/members.txt" "$T/home/lists/members.txt"
	# The same line with a dsn-parse that succeeds does prune.
	sed -i 's/^exit 2$/exit 0/' "$T/stub/dsn-parse"
	HOME="$T/home" PATH="$T/stub:$ROOT/bin:$PATH" \
	    DSN_PRUNE_NOW=2024-05-05T00:00:00Z run sh -c "$line"
	assert_success
	run grep -c 'Bob@EXAMPLE.com' "$T/home/lists/members.txt"
	assert_output 0
}

@test "events older than --expire are said in the summary, not counted" {
	soft frank@example.net 2024-01-01 old1 >"$T/in"
	soft frank@example.net 2024-05-01 new1 >>"$T/in"
	run prune --now 2024-05-05T00:00:00Z "$T/in"
	assert_success
	assert_output --partial \
	    'dsn-prune: 1 events older than 90 days (--expire) not counted'
	run prune --now 2024-05-05T00:00:00Z --expire 200 "$T/in"
	assert_success
	refute_output --partial 'older than'
}

@test "a reason outside the vocabulary is a bad record with its line" {
	soft frank@example.net 2024-05-01 a1 >"$T/in"
	soft frank@example.net 2024-05-02 a2 |
	    sed 's/"reason":"mailboxfull"/"reason":"nosuch"/' >>"$T/in"
	run prune --now 2024-05-05T00:00:00Z -i "$T/in"
	assert_failure 1
	assert_output --partial "in:2: unknown reason \"nosuch\""
	assert_output --partial 'nothing removed'
	cmp "$D/members.txt" "$T/members.txt"
}

@test "a date that is not RFC 3339 is said with -v and counted as today" {
	soft frank@example.net garbage g1 |
	    sed 's/"garbageT09:00:00Z"/"garbage"/' >"$T/in"
	run prune -v --now 2024-05-05T00:00:00Z "$T/in"
	assert_success
	assert_output --partial "in:1: bad date \"garbage\", counted as today"
	assert_output --partial '1 records without a date (counted as today)'
}

@test "a record without a recipient -> counted as read, the summary says it was skipped" {
	soft frank@example.net 2024-05-01 r1 >"$T/in"
	soft '' 2024-05-01 r2 >>"$T/in"
	run prune --now 2024-05-05T00:00:00Z "$T/in"
	assert_success
	assert_output --partial '2 records read, 1 new, 0 seen before'
	assert_output --partial \
	    '1 of the records read had no recipient (or only a .invalid placeholder) and was skipped'
	refute_output --partial 'without a date'
}

@test "an unterminated JSON array is reported on the line it ends" {
	printf '\n[1,\n2' >"$T/j.jsonl"
	run prune --now 2024-05-05T00:00:00Z "$T/j.jsonl"
	assert_failure 1
	assert_output --partial 'j.jsonl:3: not a JSON array'
}

@test "--help and --version to a full stdout -> exit 2" {
	[ -w /dev/full ] || skip "no /dev/full"
	run sh -c '"$1" --help >/dev/full' sh "$P"
	assert_failure 2
	assert_output --partial 'dsn-prune: stdout: '
	run sh -c '"$1" --version >/dev/full' sh "$P"
	assert_failure 2
	assert_output --partial 'dsn-prune: stdout: '
}

@test "complaint under the .invalid placeholder, no --list -> skipped, nobody removed" {
	printf '{"source":"m","message":1,"offset":0,"type":"feedback",'\
'"format":"arf","report_id":"<fbl-1@fbl.example.net>",'\
'"date":"2024-05-01T09:00:00Z","recipient":'\
'"undisclosed-recipient-in-headers@libsisimai.org.invalid",'\
'"feedback_type":"abuse","reason":"feedback","hard_bounce":false,'\
'"rule":"t"}\n' > "$T/fbl.jsonl"
	run "$P" --ledger "$T/db" -n -v --complaint-types abuse \
	    --now 2024-05-02T00:00:00Z "$T/fbl.jsonl"
	assert_success
	assert_output --partial '.invalid placeholder), skipped'
	assert_output --partial '0 addresses to remove'
	refute_output --partial 'would-remove'
}

@test "a second --restore would remove members: refused, listed, list kept" {
	run prune --now 2024-05-05T00:00:00Z -i -q "$D/hard.jsonl"
	assert_success
	cp "$T/members.txt" "$T/pruned"
	run prune --restore
	assert_success
	assert_output --partial $'Bob@EXAMPLE.com\trestored'
	assert_output --partial '1 addresses back, 0 removed by the restore'
	cmp "$D/members.txt" "$T/members.txt"
	# The backup is now the pruned list: putting it back loses Bob.
	run prune --restore -q
	assert_failure 4
	assert_output --partial $'Bob@EXAMPLE.com\trefused-remove-by-restore'
	assert_output --partial 'would remove 1 addresses that are not in the'
	assert_output --partial 'refused, nothing changed; --force'
	cmp "$D/members.txt" "$T/members.txt"
	cmp "$T/pruned" "$T/members.txt.bak"
	run prune --restore -n --force -q -f jsonl
	assert_success
	assert_output \
	    '{"address":"Bob@EXAMPLE.com","action":"would-remove-by-restore","line":5}'
	cmp "$D/members.txt" "$T/members.txt"
	run prune --restore --force
	assert_success
	assert_output --partial $'Bob@EXAMPLE.com\tremoved-by-restore'
	assert_output --partial '0 addresses back, 1 removed by the restore'
	cmp "$T/pruned" "$T/members.txt"
	[ "$(sqlite3 "$T/db" "SELECT count(*) FROM removal WHERE
	    verdict = 'restore' AND address = 'bob@example.com'")" = 1 ]
}

@test "--restore after members joined -> refused: they are not in the backup" {
	run prune --now 2024-05-05T00:00:00Z -i -q "$D/hard.jsonl"
	assert_success
	echo 'newcomer@example.org' >>"$T/members.txt"
	cp "$T/members.txt" "$T/before"
	run prune --restore -q
	assert_failure 4
	assert_line $'Bob@EXAMPLE.com\trefused-restore'
	assert_line $'newcomer@example.org\trefused-remove-by-restore'
	assert_output --partial '(and bring 1 back): refused, nothing changed'
	cmp "$T/before" "$T/members.txt"
}

@test "--restore with record files, --in-place or --keep, --force alone -> usage" {
	run prune --now 2024-05-05T00:00:00Z -i -q "$D/hard.jsonl"
	assert_success
	cp "$T/members.txt" "$T/pruned"
	run prune --restore "$D/hard.jsonl"
	assert_failure 2
	assert_output --partial \
	    "dsn-prune: $D/hard.jsonl: --restore reads no record files"
	run prune --restore -i
	assert_failure 2
	assert_output --partial 'dsn-prune: --restore: rewrites the list'
	run prune --restore -k "$D/keep.txt"
	assert_failure 2
	assert_output --partial 'dsn-prune: --restore: puts the whole backup'
	run prune --force --now 2024-05-05T00:00:00Z "$D/hard.jsonl"
	assert_failure 2
	assert_output --partial 'dsn-prune: --force: applies only to --restore'
	cmp "$T/pruned" "$T/members.txt"
}

@test "errors read prog: where: what; a read error names file and strerror" {
	mkdir "$T/dir"
	run prune --now 2024-05-05T00:00:00Z -i "$T/dir"
	assert_failure 1
	assert_output --partial \
	    "dsn-prune: $T/dir: read error: Is a directory: nothing will be removed"
	cmp "$D/members.txt" "$T/members.txt"
	run "$P" --ledger "$T/no/such/dir/db" "$D/hard.jsonl"
	assert_failure 2
	assert_output --partial \
	    "dsn-prune: $T/no/such/dir/db: opening: unable to open database file: No such file or directory"
	run "$P" --list "$T/members.txt" "$D/hard.jsonl"
	assert_failure 2
	assert_output --partial 'dsn-prune: --ledger: required'
	run "$P" --ledger "$T/db" -i "$D/hard.jsonl"
	assert_failure 2
	assert_output --partial 'dsn-prune: --in-place: needs --list'
}

@test "list, CSV list and keep file opening with a UTF-8 BOM -> first line read, BOM kept" {
	printf '\357\273\277Bob@EXAMPLE.com\nalice@example.com\n' >"$T/bom.txt"
	run "$P" --ledger "$T/db" --list "$T/bom.txt" --max-remove 100% \
	    --now 2024-05-05T00:00:00Z -i "$D/hard.jsonl"
	assert_success
	assert_output --partial $'bob@example.com\tremove\thard'
	cmp "$T/bom.txt" <(printf '\357\273\277alice@example.com\n')
	printf '\357\273\277email,name\r\nbob@example.com,Bob\r\n' >"$T/bom.csv"
	printf 'alice@example.com,Al\r\n' >>"$T/bom.csv"
	run "$P" --ledger "$T/db2" --list "$T/bom.csv" --max-remove 100% \
	    --now 2024-05-05T00:00:00Z -i "$D/hard.jsonl"
	assert_success
	assert_output --partial $'bob@example.com\tremove\thard'
	cmp "$T/bom.csv" \
	    <(printf '\357\273\277email,name\r\nalice@example.com,Al\r\n')
	printf '\357\273\277bob@example.com\n' >"$T/keep.txt"
	run prune --keep "$T/keep.txt" --now 2024-05-05T00:00:00Z -i \
	    "$D/hard.jsonl"
	assert_success
	refute_output --partial 'bob@example.com'
	grep -q 'Bob@EXAMPLE.com' "$T/members.txt"
}

@test "CSV row starting with # but holding an address -> a member, pruned; # lines before the header and #-rows with no address kept" {
	printf '# export of 2024-05-01\nname,email\n' >"$T/l.csv"
	printf '#1 fan,Bob@EXAMPLE.com\n# note,\nAl,alice@example.com\n' \
	    >>"$T/l.csv"
	run "$P" --ledger "$T/db" --list "$T/l.csv" --max-remove 100% \
	    --now 2024-05-05T00:00:00Z -i "$D/hard.jsonl"
	assert_success
	assert_output --partial $'bob@example.com\tremove\thard'
	assert_output --partial '1 of 2 addresses removed'
	cmp "$T/l.csv" <(printf '# export of 2024-05-01\nname,email\n# note,\nAl,alice@example.com\n')
}

# Builds the kill-at-rename shim (tests/shim/killrename.c) into $T.
killshim() {
	command -v "${CC:-cc}" >/dev/null || skip "no C compiler"
	"${CC:-cc}" -shared -fPIC -o "$T/killrename.so" \
	    "$ROOT/tests/shim/killrename.c" -ldl || skip "cannot build the shim"
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
}

@test "killed right after the list is replaced -> the ledger already holds the run" {
	killshim
	run env LD_PRELOAD="$T/killrename.so" \
	    DSN_TEST_KILL_RENAME="$(realpath "$T/members.txt")" \
	    "$P" --ledger "$T/db" --list "$T/members.txt" \
	    --max-remove 2 --now 2024-05-05T00:00:00Z -i \
	    "$D/hard.jsonl" "$D/complaint.jsonl"
	[ "$status" -eq 137 ]
	run grep -c 'Bob@EXAMPLE.com\|grace@example.org' "$T/members.txt"
	assert_output 0
	run sqlite3 "$T/db" 'SELECT address, verdict FROM removal ORDER BY 1'
	assert_output $'bob@example.com|hard\ngrace@example.org|complaint'
	run sqlite3 "$T/db" 'SELECT count(*) FROM event'
	assert_output 6
}

@test "killed right before the list is replaced -> list as it was, the next run removes" {
	killshim
	run env LD_PRELOAD="$T/killrename.so" DSN_TEST_KILL_BEFORE=1 \
	    DSN_TEST_KILL_RENAME="$(realpath "$T/members.txt")" \
	    "$P" --ledger "$T/db" --list "$T/members.txt" \
	    --max-remove 2 --now 2024-05-05T00:00:00Z -i \
	    "$D/hard.jsonl" "$D/complaint.jsonl"
	[ "$status" -eq 137 ]
	cmp "$D/members.txt" "$T/members.txt"
	# A night with no new bounces finishes the job from the ledger and
	# removes the killed run's temporary files.
	run prune --max-remove 2 --now 2024-05-05T00:00:00Z -i /dev/null
	assert_success
	assert_output --partial $'bob@example.com\tremove\thard'
	assert_output --partial $'grace@example.org\tremove\tcomplaint'
	run grep -c 'Bob@EXAMPLE.com\|grace@example.org' "$T/members.txt"
	assert_output 0
	run ls -A "$T"
	refute_output --partial '.dsn-prune.'
}
