#!/usr/bin/env bats
# dsn-parse against the shared bounce corpus, when it is present
# (../shared/corpus beside the repository); every test skips without it.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

setup() {
	cd "$BATS_TEST_DIRNAME/.."
	C=../shared/corpus
	[ -d "$C/bsd" ] || skip "no ../shared/corpus"
	P=bin/dsn-parse
	T=$BATS_TEST_TMPDIR
	NF=$("$P" --format csv < /dev/null | head -1 | tr ',' '\n' | wc -l)
}

# Records of a folder, without the fields that name the copy.
records() {
	"$P" "$1" | jq -c 'del(.source, .offset)'
}

@test "corpus dos/ (CRLF) -> same records as its LF conversion" {
	mkdir "$T/lf"
	for f in "$C"/dos/*; do
		sed 's/\r$//' "$f" > "$T/lf/${f##*/}"
	done
	records "$C/dos" > "$T/a"
	records "$T/lf" > "$T/b"
	[ -s "$T/a" ]
	run diff "$T/a" "$T/b"
	assert_success
}

@test "corpus mac/ (bare CR) -> same records as its LF conversion" {
	mkdir "$T/lf"
	for f in "$C"/mac/*; do
		tr '\r' '\n' < "$f" > "$T/lf/${f##*/}"
	done
	records "$C/mac" > "$T/a"
	records "$T/lf" > "$T/b"
	[ -s "$T/a" ]
	run diff "$T/a" "$T/b"
	assert_success
}

@test "corpus not/ (not bounces) -> no record" {
	run "$P" "$C/not"
	assert_success
	assert_output ''
}

@test "corpus err/ and mbox/ -> valid JSON lines or a clear error" {
	for d in err mbox; do
		run "$P" "$C/$d"
		[ "$status" -le 1 ]
		"$P" "$C/$d" 2>/dev/null |
		    jq -e -s --argjson nf "$NF" \
		    'all(.[]; type == "object" and length == $nf)' >/dev/null
	done
}

@test "corpus mbox/mbox-0 -> as many messages as err/ has files" {
	n=$(ls "$C/err" | wc -l)
	run "$P" -v "$C/mbox/mbox-0"
	assert_output --partial ": $n messages,"
}

@test "corpus bsd/ score -> at or above tests/corpus-thresholds" {
	[ -x ../shared/eval/score ] || skip "no ../shared/eval/score"
	if [ -x bin/dsn-classify ]; then
		"$P" "$C/bsd" | bin/dsn-classify > "$T/out.jsonl"
	else
		"$P" "$C/bsd" > "$T/out.jsonl"
	fi
	../shared/eval/score --json "$T/out.jsonl" > "$T/score.json"
	../shared/eval/score "$T/out.jsonl" | tail -1 | sed "s/^/# /" >&3
	while read -r key min; do
		case "$key" in ''|'#'*) continue ;; esac
		case "$key" in reason|hard) [ -x bin/dsn-classify ] || continue ;;
		esac
		pct=$(jq -r ".$key.pct" "$T/score.json")
		echo "$key: $pct (threshold $min)"
		awk -v p="$pct" -v m="$min" 'BEGIN { exit !(p >= m) }'
	done < tests/corpus-thresholds
}
