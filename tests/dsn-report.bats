#!/usr/bin/env bats
# dsn-report: figures, periods, windows, alerts and formats over our own
# classified records in testdata/report (written by hand, see records.jsonl).
#
# The fixture holds 19 recipients: 3 delivered, 1 relayed, 2 delayed,
# 9 failed (4 hard: userunknown; 5 soft: 2 blocked, 1 authfailure,
# 1 mailboxfull, 1 rejected), 3 complaints (2 abuse, 1 fraud), 1 auto-reply;
# one failure has no date.  13 final outcomes: success 4/13, failed 9/13.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

setup() {
	cd "$BATS_TEST_DIRNAME/.."
	R=bin/dsn-report
	D=testdata/report
	E=testdata/report/expected
	T="$BATS_TEST_TMPDIR"
}

@test "text report: every figure matches the pinned report" {
	run $R $D/records.jsonl
	assert_success
	diff -u $E/records.txt <($R $D/records.jsonl)
	assert_line --regexp '^  delivered +3$'
	assert_line --regexp '^  relayed/expanded +1$'
	assert_line --regexp '^  delayed +2$'
	assert_line --regexp '^  failed +9 hard 4, soft 5$'
	assert_line --regexp '^  complaints +3 abuse 2, fraud 1$'
	assert_line --regexp '^  auto-replies +1$'
	assert_line --regexp '^  total +19$'
	assert_output --partial 'Success rate 30.8%, failed rate 69.2% of 13 final outcomes'
	assert_line --regexp '^  userunknown +4 +4 +0 +0 +44.4% 550 5.1.1 <e@example.com>'
	assert_line --regexp '^  example.com +3 +3 +0 +1 +60.0% '
	assert_line --regexp '^  example.org blocked +2 +2 +0 554 5.7.1 '
}

@test "JSON report: every figure matches the pinned report" {
	run $R -f json $D/records.jsonl
	assert_success
	diff -u $E/records.json <($R -f json $D/records.jsonl)
	run jq -c '[.totals.delivered, .totals.relayed, .totals.delayed,
	    .totals.failed, .totals.hard, .totals.soft, .totals.complaints,
	    .totals.autoreplies, .totals.total, .rates.final,
	    .rates.success_pct, .rates.failed_pct, .input.undated]' \
	    $E/records.json
	assert_output '[3,1,2,9,4,5,3,1,19,13,30.77,69.23,1]'
	run jq -c '[.failures.by_reason.rows[] | [.key, .failed, .delayed]]' \
	    $E/records.json
	assert_output '[["userunknown",4,0],["blocked",2,0],["authfailure",1,0],["mailboxfull",1,0],["rejected",1,0],["badreputation",0,1],["networkerror",0,1]]'
	run jq -c '[.own_sending.total, [.own_sending.by_domain[] |
	    [.domain, .reason, .count]]]' $E/records.json
	assert_output '[5,[["example.org","blocked",2],["example.net","authfailure",1],["example.org","badreputation",1],["example.org","rejected",1]]]'
	run jq -c '.complaints' $E/records.json
	assert_output '[{"feedback_type":"abuse","count":2},{"feedback_type":"fraud","count":1}]'
}

@test "CSV report by month: every figure matches the pinned report" {
	diff -u $E/records-month.csv <($R -f csv --by month $D/records.jsonl)
	run bash -c "$R -f csv --by month $D/records.jsonl | tr -d '\r'"
	assert_success
	assert_line 'totals,,,19,3,1,2,9,4,5,3,1,0,30.77,69.23,,,'
	assert_line 'period,2024-02,,1,1,0,0,0,0,0,0,0,0,100.00,0.00,,,'
	assert_line 'period,2024-03,,17,2,1,2,8,3,5,3,1,0,27.27,72.73,16,8,'
	assert_line --partial 'domain,example.com,,9,2,0,1,3,3,0,2,1,0,40.00,60.00,,,'
	# Quotes are doubled; a hostile cell stays one cell.
	assert_output --partial '"550 5.0.0 <script>alert(""x"")</script>'
}

@test "CSV input gives the same report as JSON Lines input" {
	diff <($R $D/records.jsonl) <($R $D/records.csv)
	diff <($R -f json --by day $D/records.jsonl) \
	    <($R -f json --by day $D/records.csv)
}

@test "markdown report matches the pinned report and escapes markup" {
	run $R -f markdown $D/records.jsonl
	assert_success
	diff -u $E/records.md <($R -f markdown $D/records.jsonl)
	refute_output --partial '<script>'
	assert_output --partial '\<script\>'
	assert_output --partial '\[x\]\(http'
}

@test "--by week groups by ISO week with the change against the last" {
	run $R --by week $D/records.jsonl
	assert_success
	diff -u $E/records-week.txt <($R --by week $D/records.jsonl)
	assert_line --regexp '^  2024-W09 +1 +1 +0 +0 +0 +0 +0 +0.0% *$'
	assert_line --regexp '^  2024-W10 +10 +2 +1 +4 +3 +1 +1 +57.1% +\+9 +\+4 +\+57.1$'
	assert_line --regexp '^  2024-W11 +7 +0 +1 +4 +0 +4 +2 +100.0% +-3 +\+0 +\+42.9$'
}

@test "--by day fills empty days and compares each with the day before" {
	run $R -f json --by day $D/records.jsonl
	assert_success
	run jq -c '[.periods.rows[] | [.period, .total]]' <<<"$output"
	assert_output '[["2024-02-28",1],["2024-02-29",0],["2024-03-01",0],["2024-03-02",0],["2024-03-03",0],["2024-03-04",3],["2024-03-05",3],["2024-03-06",4],["2024-03-07",0],["2024-03-08",0],["2024-03-09",0],["2024-03-10",0],["2024-03-11",3],["2024-03-12",4]]'
	run bash -c "$R -f json --by day $D/records.jsonl |
	    jq -c '.periods.rows[] | select(.period == \"2024-03-06\") | .change'"
	assert_output '{"total":1,"delivered":0,"delayed":1,"failed":1,"complaints":-1,"failed_pct_points":50}'
}

@test "--by month splits at the month boundary" {
	run bash -c "$R -f json --by month $D/records.jsonl |
	    jq -c '[.periods.rows[] | [.period, .total, .failed, .change.total]]'"
	assert_output '[["2024-02",1,0,null],["2024-03",17,8,16]]'
}

@test "--since and --until select a window of dates" {
	run $R -f json --since 2024-03-05 --until 2024-03-06 $D/records.jsonl
	assert_success
	run jq -c '[.input.in_window, .input.outside_window, .totals.total,
	    .totals.failed, .window.since, .window.until]' <<<"$output"
	assert_output '[7,12,7,3,"2024-03-05T00:00:00Z","2024-03-07T00:00:00Z"]'
}

@test "--since takes a span before --now" {
	run bash -c "$R -f json --now 2024-03-12T12:00:00Z --since 2d \
	    $D/records.jsonl | jq -c '[.totals.total, .totals.failed, .rates.success_pct]'"
	assert_output '[7,4,null]'
	run bash -c "$R -f json --now 2024-03-12T12:00:00Z --since 1w \
	    --until 1d $D/records.jsonl | jq -c '[.totals.total, .window.first, .window.last]'"
	assert_output '[7,"2024-03-05T13:00:00Z","2024-03-11T08:00:00Z"]'
}

@test "bad --since, --by, --format and --top are usage errors" {
	run $R --since yesterday $D/records.jsonl
	assert_failure 2
	assert_output --partial 'dsn-report: --since: "yesterday"'
	run $R --by year $D/records.jsonl
	assert_failure 2
	run $R -f pdf $D/records.jsonl
	assert_failure 2
	run $R --top 0 $D/records.jsonl
	assert_failure 2
}

@test "no success notices: the success rate says it cannot be computed" {
	run $R $D/nosuccess.jsonl
	assert_success
	assert_output --partial 'Success rate: cannot be computed: the input holds no success notices'
	run bash -c "$R -f json $D/nosuccess.jsonl | jq -c '[.rates.success_pct, .rates.failed_pct, .totals.failed]'"
	assert_output '[null,null,9]'
}

@test "alert failed-rate fires above and stays quiet below the threshold" {
	run $R --alert 'failed-rate>5%' $D/records.jsonl
	assert_failure 3
	assert_line '  FIRED  failed-rate>5%'
	assert_output --partial 'failed-rate is 69.23% (9 of 13 final outcomes), threshold > 5%: fired'
	assert_output --partial '3 x 550 5.1.1 <ADDRESS>: Recipient address rejected: User unknown'
	run $R --alert 'failed-rate>70%' $D/records.jsonl
	assert_success
	assert_line '  ok     failed-rate>70%'
}

@test "alert on a count: hard>N" {
	run $R --alert 'hard>3' $D/records.jsonl
	assert_failure 3
	assert_output --partial 'hard is 4, threshold > 3: fired'
	run $R --alert 'hard>4' $D/records.jsonl
	assert_success
	assert_output --partial 'hard is 4, threshold > 4: ok'
}

@test "alert on a reason: reason:authfailure>0" {
	run $R --alert 'reason:authfailure>0' $D/records.jsonl
	assert_failure 3
	assert_output --partial 'total for reason authfailure is 1, threshold > 0: fired'
	assert_output --partial '1 x 550 5.7.26 This message does not pass authentication checks'
	run $R --alert 'reason:speeding>0' $D/records.jsonl
	assert_success
}

@test "alert on a domain rate: domain:example.com:failed-rate>20%" {
	run $R --alert 'domain:example.com:failed-rate>20%' $D/records.jsonl
	assert_failure 3
	assert_output --partial 'failed-rate for domain example.com is 60.00% (3 of 5 final outcomes)'
	run $R --alert 'domain:example.com:failed-rate>=61%' $D/records.jsonl
	assert_success
}

@test "alerts on a remote MTA, a status class and a feedback type" {
	run $R --alert 'mta:example.org:failed>=3' $D/records.jsonl
	assert_failure 3
	assert_output --partial 'failed for mta example.org is 3'
	run $R --alert 'status:5.7>2' $D/records.jsonl
	assert_failure 3
	run $R --alert 'status:5.7>3' $D/records.jsonl
	assert_success
	run $R --alert 'feedback:abuse>1' $D/records.jsonl
	assert_failure 3
	run $R --alert 'feedback:abuse>2' $D/records.jsonl
	assert_success
}

@test "several alerts: exit 3 when any fires; JSON and CSV list each" {
	run bash -c "$R -f json --alert 'hard>100' --alert 'complaints>=3' \
	    $D/records.jsonl | jq -c '[.alerts[] | [.expr, .fired, .value]]'"
	assert_output '[["hard>100",false,4],["complaints>=3",true,3]]'
	run $R -f csv --alert 'hard>100' --alert 'complaints>=3' $D/records.jsonl
	assert_failure 3
	assert_output --partial 'alert,hard>100,ok,'
	assert_output --partial 'alert,complaints>=3,fired,'
}

@test "--quiet-ok prints nothing when no alert fires, the report when one does" {
	run $R --quiet-ok --alert 'hard>100' $D/records.jsonl
	assert_success
	assert_output ''
	run $R --quiet-ok --alert 'hard>100' --alert 'reason:blocked>1' \
	    $D/records.jsonl
	assert_failure 3
	assert_output --partial 'FIRED  reason:blocked>1'
}

@test "an alert fired and an input missing -> exit 3, stderr says both" {
	run $R --quiet-ok --alert 'hard>0' $T/nonexistent $D/records.jsonl
	assert_failure 3
	assert_output --partial "dsn-report: $T/nonexistent: No such file or directory"
	assert_output --partial 'FIRED  hard>0'
	assert_output --partial 'dsn-report: alert: 1 fired, but an input could not be read: the figures are incomplete; exit status 3 (alert), not 2'
	# Nothing fired: the I/O error is the status, never success.
	run $R --quiet-ok --alert 'hard>100' $T/nonexistent $D/records.jsonl
	assert_failure 2
	assert_output "dsn-report: $T/nonexistent: No such file or directory"
}

@test "an alert fired and stdout full -> exit 3, the alert said on stderr" {
	[ -w /dev/full ] || skip "no /dev/full"
	run bash -c "$R --alert 'hard>0' --alert 'hard>100' $D/records.jsonl >/dev/full"
	assert_failure 3
	assert_output --partial 'dsn-report: stdout: No space left on device'
	assert_output --partial 'but the report could not be written'
	assert_output --partial 'dsn-report: alert hard>0: hard is 4, threshold > 0: fired'
	refute_output --partial 'alert hard>100'
	run bash -c "$R --alert 'hard>100' $D/records.jsonl >/dev/full"
	assert_failure 2
}

@test "--quiet-ok without --alert is a usage error" {
	run $R --quiet-ok $D/records.jsonl
	assert_failure 2
	assert_output --partial 'dsn-report: --quiet-ok: needs an --alert'
	refute_output --partial 'Outcomes'
}

@test "a rate alert without success notices warns and does not fire" {
	run $R --quiet-ok --alert 'failed-rate>5%' $D/nosuccess.jsonl
	assert_success
	assert_output --partial 'cannot be computed: no success notices'
}

@test "bad alert expressions are usage errors naming the problem" {
	run $R --alert 'failed-rate' $D/records.jsonl
	assert_failure 2
	assert_output --partial 'no comparison'
	run $R --alert 'bogus>1' $D/records.jsonl
	assert_failure 2
	assert_output --partial 'unknown metric "bogus"'
	run $R --alert 'planet:mars>1' $D/records.jsonl
	assert_failure 2
	assert_output --partial 'unknown scope "planet"'
	run $R --alert 'hard>5%' $D/records.jsonl
	assert_failure 2
	run $R --alert 'hard>x' $D/records.jsonl
	assert_failure 2
}

@test "lines that are not records are reported, counted, exit 1" {
	run $R -f json $D/badlines.jsonl
	assert_failure 1
	assert_output --partial 'badlines.jsonl:2: not a record'
	run bash -c "$R -f json $D/badlines.jsonl 2>/dev/null | jq -c '[.input.records, .input.bad_lines, .totals.hard]'"
	assert_output '[1,2,1]'
}

@test "a missing input is an I/O error, exit 2" {
	run $R $T/nonexistent
	assert_failure 2
	assert_output --partial 'nonexistent'
}

@test "stdin is read when no file is given" {
	run bash -c "$R -f json < $D/records.jsonl | jq .totals.total"
	assert_output '19'
}

@test "text output shows control characters in diagnostics as ?" {
	run $R $D/records.jsonl
	refute_output --partial $'\e'
	refute_output --partial $'\xc2\x9b'
}

html_check() {
	python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
from html.parser import HTMLParser
data = open(sys.argv[1], encoding="utf-8").read()
ET.fromstring(data.split("\n", 1)[1])    # well-formed (after DOCTYPE)
VOID = {"meta", "br", "img", "hr", "input", "link"}
class P(HTMLParser):
    def __init__(s):
        super().__init__(); s.stack = []; s.loads = []; s.tags = set()
    def handle_starttag(s, t, a):
        s.tags.add(t)
        for k, v in a:
            if k in ("src", "href", "xlink:href", "action", "data") or \
               (v or "").lower().lstrip().startswith(("http:", "https:", "//")) and k != "content":
                s.loads.append((t, k, v))
        if t not in VOID: s.stack.append(t)
    def handle_startendtag(s, t, a):
        s.tags.add(t)
        for k, v in a:
            if k in ("src", "href", "xlink:href"): s.loads.append((t, k, v))
    def handle_endtag(s, t):
        assert s.stack and s.stack[-1] == t, "unbalanced </%s>" % t
        s.stack.pop()
p = P(); p.feed(data); p.close()
assert not p.stack, "unclosed: %r" % p.stack
assert not p.loads, "loads from outside: %r" % p.loads
bad = {"script", "img", "link", "iframe", "object", "embed", "font"} & p.tags
assert not bad, "forbidden tags %r" % bad
print("ok")
PY
}

@test "HTML report is well-formed, self-contained, escaped, with charts" {
	run $R -f html --alert 'reason:rejected>0' $D/records.jsonl
	assert_failure 3
	printf '%s\n' "$output" > $T/r.html
	run html_check $T/r.html
	assert_success
	assert_output 'ok'
	run grep -c '<svg' $T/r.html
	assert_output '3'
	grep -q 'aria-label="Outcomes by day' $T/r.html
	grep -q '>failed hard</text>' $T/r.html
	grep -q '>delivered/relayed</text>' $T/r.html
	grep -q 'class="lab".*>records</text>' $T/r.html
	grep -q '>failed recipients</text>' $T/r.html
	grep -q '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;' $T/r.html
	grep -q "Content-Security-Policy\" content=\"default-src 'none'" $T/r.html
	run grep -c '<script' $T/r.html
	assert_output '0'
}

@test "HTML report of a year of daily data stays small" {
	python3 - > $T/year.jsonl <<'PY'
import json, datetime
d0 = datetime.date(2023, 1, 1)
for i in range(365 * 40):
    day = d0 + datetime.timedelta(days=i % 365)
    act = ["delivered", "failed", "delayed", "failed", "delivered"][i % 5]
    print(json.dumps({"type": "dsn", "action": act,
        "date": day.isoformat() + "T12:00:00Z",
        "recipient": "u%d@d%d.example.com" % (i, i % 50),
        "remote_mta": "dns; mx%d.example.net" % (i % 30),
        "status": "5.1.1" if act == "failed" else "2.0.0",
        "reason": ["userunknown", "blocked"][i % 2] if act == "failed" else "delivered",
        "hard_bounce": act == "failed" and i % 2 == 0,
        "diagnostic": "550 5.1.1 unknown user number %d" % i}))
PY
	run $R -f html --by day $T/year.jsonl
	assert_success
	printf '%s\n' "$output" > $T/year.html
	size=$(wc -c < $T/year.html)
	echo "size $size"
	[ "$size" -lt 300000 ]
	run html_check $T/year.html
	assert_output 'ok'
	run grep -c '<tr>' $T/year.html
	[ "$output" -gt 365 ]
}

@test "--help prints usage and the exit statuses; --version the version" {
	run $R --help
	assert_success
	assert_output --partial '3 an alert fired'
	run $R --version
	assert_success
	assert_output --regexp '^dsn-report [0-9]'
}

@test "JSON Lines (recin's own reader) and a JSON array (Jansson) give the same report" {
	python3 - $D/records.jsonl $T > /dev/null <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
# Awkward but valid JSON: escapes, nesting, spacing, key order, extras.
recs[4]["diagnostic"] = "550 5.1.1 caf\u00e9 \U0001F600 \"quoted\" back\\slash\ttab"
recs[5]["extra"] = {"nested": [1, {"reason": "not this"}, "}{"], "n": -1.5e3}
recs[6] = dict(reversed(list(recs[6].items())))
with open(sys.argv[2] + "/t.jsonl", "w") as f:
    for i, r in enumerate(recs):
        s = json.dumps(r, ensure_ascii=(i % 2 == 0))
        f.write(("  " + s.replace(", ", " ,\t") if i == 3 else s) + "\n")
    f.write("\n")
json.dump(recs, open(sys.argv[2] + "/t.json", "w"))
PY
	run $R -f json --by day $T/t.jsonl
	assert_success
	assert_output --partial 'café 😀 \"quoted\" back\\slash\ttab'
	diff <($R -f json --by day $T/t.jsonl) <($R -f json --by day $T/t.json)
}

@test "invalid UTF-8 and control bytes in records still give valid JSON and HTML" {
	printf '{"type":"dsn","action":"failed","reason":"blocked","recipient":"x@example.com","diagnostic":"550 bad \xff\xfe bytes \xc3\x28 here","date":"2024-03-01T00:00:00Z"}\n' > $T/bad.jsonl
	run bash -c "$R -f json $T/bad.jsonl | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[\"failures\"][\"by_reason\"][\"rows\"][0][\"example\"])'"
	assert_success
	assert_output '550 bad �� bytes �( here'
	$R -f html $T/bad.jsonl > $T/bad.html
	run html_check $T/bad.html
	assert_output 'ok'
}

@test "--since after --until is a usage error" {
	run $R --since 2024-06-01 --until 2024-01-01 $D/records.jsonl
	assert_failure 2
	assert_output --partial 'dsn-report: --since: 2024-06-01 comes after --until 2024-01-01'
	run $R --since 2024-01-01 --until 2024-06-01 $D/records.jsonl
	assert_success
}

@test "alert numbers are decimal; spaces around the comparison are allowed" {
	for e in 'hard>0x10' 'hard>1e3' 'hard>inf' 'hard>-1' 'hard>1.5.2' \
	    'hard>.'; do
		run $R --alert "$e" $D/records.jsonl
		assert_failure 2
		assert_output --partial 'is not a decimal number'
	done
	run $R --alert 'hard>' $D/records.jsonl
	assert_failure 2
	assert_output --partial 'no number after the comparison'
	run $R --alert 'failed-rate > 5%' $D/records.jsonl
	assert_failure 3
	assert_output --partial 'failed-rate is 69.23% (9 of 13 final outcomes), threshold > 5%: fired'
	run $R --alert 'hard >= 4.5' $D/records.jsonl
	assert_success
	assert_output --partial 'hard is 4, threshold >= 4.5: ok'
}

@test "unclassified records (no reason): a warning, exit 1" {
	jq -c 'del(.reason, .hard_bounce, .rule)' $D/records.jsonl > $T/raw.jsonl
	run $R -f json $T/raw.jsonl
	assert_failure 1
	assert_output --partial "dsn-report: $T/raw.jsonl: 19 records carry no reason: pipe dsn-parse through dsn-classify first"
	# one unclassified record among classified ones is still said
	{ cat $D/records.jsonl; head -1 $T/raw.jsonl; } > $T/mixed.jsonl
	run $R -f json $T/mixed.jsonl
	assert_failure 1
	assert_output --partial '1 record carries no reason'
	run $R -f json $D/records.jsonl
	assert_success
	refute_output --partial 'no reason'
}

@test "a closed pipe: Broken pipe on stderr, exit 2, no SIGPIPE" {
	for i in $(seq 300); do cat $D/records.jsonl; done > $T/many.jsonl
	# The reader exits before reading: with head -c10 the whole report
	# (20 kB) could fit the pipe before head closed it, passing by luck.
	run bash -c "$R -f json --by day $T/many.jsonl 2>$T/err | true; echo \${PIPESTATUS[0]}"
	assert_output 2
	run cat $T/err
	assert_output 'dsn-report: stdout: Broken pipe'
}

@test "input that is not records: junk, binary, non-objects, {}" {
	printf 'hello world\nfoo\nbar\n' > $T/junk
	run $R -f json $T/junk
	assert_failure 1
	assert_output --partial "$T/junk:3: not a record: not JSON"
	run $R -f json /bin/ls
	assert_failure 1
	assert_output --partial 'not a record: binary data, not records'
	{ echo junk; head -2 $D/records.jsonl; printf '"str"\n{}\n3\n[]\n{"x":1}\n'; } > $T/mixed
	run bash -c "$R -f json $T/mixed 2>$T/err | jq -c '[.input.records, .input.bad_lines]'"
	assert_output '[2,6]'
	run cat $T/err
	assert_line --partial 'mixed:5: not a record: an empty object'
	assert_line --partial 'mixed:8: not a record: an object with no record field'
}

@test "\\u0000 in a record is read, no record dropped" {
	jq -c '.diagnostic = "a\u0000b " + (.diagnostic // "") |
	    .x = "\u0000"' $D/records.jsonl > $T/nul.jsonl
	[ "$(grep -c 'u0000' $T/nul.jsonl)" -eq 19 ]
	diff <($R -f json $D/records.jsonl | jq .totals) <($R -f json $T/nul.jsonl | jq .totals)
	jq -s '.' $T/nul.jsonl > $T/nul.json
	diff <($R -f json $D/records.jsonl | jq .totals) <($R -f json $T/nul.json | jq .totals)
}

@test "--help and --version to a full disk: stdout error, exit 2" {
	[ -w /dev/full ] || skip "no /dev/full"
	for o in --help --version; do
		run bash -c "$R $o >/dev/full"
		assert_failure 2
		assert_output --partial 'dsn-report: stdout: '
	done
	for o in --help --version --list-reasons --check-rules; do
		run bash -c "bin/dsn-classify $o >/dev/full"
		assert_failure 2
		assert_output --partial 'dsn-classify: stdout: '
	done
	run $R --version
	assert_success
}

@test "alert keys that can never match: usage error, exit 2" {
	run $R --alert 'reason:nosuch>0' $D/records.jsonl
	assert_failure 2
	assert_output --partial 'unknown reason "nosuch"'
	run $R --alert 'status:5.1.1.1>0' $D/records.jsonl
	assert_failure 2
	assert_output --partial 'status "5.1.1.1" is not X, X.Y or X.Y.Z'
	run $R --alert 'status:5.>0' $D/records.jsonl
	assert_failure 2
	run $R --alert 'domain:a:b:hard>0' $D/records.jsonl
	assert_failure 2
	assert_output --partial 'too many parts in "a:b"'
	# valid keys of each form still fire
	for e in 'status:5>0' 'status:5.7>0' 'status:5.1.1>0' \
	    'reason:userunknown>0' 'domain:example.com:hard>0'; do
		run $R --alert "$e" $D/records.jsonl
		assert_failure 3
	done
}

@test "an alert's top diagnostics come from records of its metric" {
	run bash -c "$R -f json --alert 'hard>0' $D/records.jsonl | jq -r '.alerts[0].top_diagnostics[].diagnostic'"
	assert_output "550 5.1.1 <ADDRESS>: Recipient address rejected: User unknown
550 5.1.1 ADDRESS User unknown"
	run bash -c "$R -f json --alert 'delayed>0' $D/records.jsonl | jq '[.alerts[0].top_diagnostics[].count] | add'"
	assert_output 2
}

@test "bidi and format controls in text and markdown are shown as '?'" {
	jq -c '.diagnostic = "550 evil \u202eexample\u2066x\u200f\u061c"' $D/records.jsonl > $T/bidi.jsonl
	for f in text markdown; do
		run $R -f $f $T/bidi.jsonl
		assert_success
		refute_output --partial $'\u202e'
		refute_output --partial $'\u2066'
		refute_output --partial $'\u200f'
		refute_output --partial $'\u061c'
		assert_output --partial '550 evil ?example?x??'
	done
	# other non-ASCII text passes
	jq -c '.diagnostic = "550 Postfach voll – überfüllt"' $D/records.jsonl > $T/utf8.jsonl
	run $R $T/utf8.jsonl
	assert_output --partial '550 Postfach voll – überfüllt'
}

@test "a record seen twice (same report_id and recipient) counts once" {
	cat $D/records.jsonl $D/records.jsonl > $T/twice.jsonl
	diff <($R -f json $D/records.jsonl | jq -c '.totals | del(.duplicates)') \
	    <($R -f json $T/twice.jsonl | jq -c '.totals | del(.duplicates)')
	run bash -c "$R -f json $T/twice.jsonl | jq -c '[.totals.duplicates, .input.duplicates, .input.records, .input.duplicates_capped]'"
	assert_output '[19,19,19,false]'
	run bash -c "$R -v -f json $T/twice.jsonl 2>&1 >/dev/null"
	assert_output 'dsn-report: 19 duplicate records skipped (same report_id and recipient)'
	# the same recipient in another report is not a duplicate
	jq -c '.report_id += "x"' $D/records.jsonl > $T/other.jsonl
	run bash -c "cat $D/records.jsonl $T/other.jsonl | $R -f json | jq -c '[.totals.total, .totals.duplicates]'"
	assert_output '[38,0]'
	# a JSON array (read by Jansson, not recin's own reader) too
	run bash -c "$R -f json <(jq -s . $T/twice.jsonl) | jq .totals.total"
	assert_output 19
}

@test "impossible dates are undated and counted; an unfilled period span is said" {
	{ sed -n 1p $D/records.jsonl | jq -c '.date = "1970-01-01T00:00:00Z"'
	  sed -n 2p $D/records.jsonl | jq -c '.date = "9999-12-31T00:00:00Z"'
	  sed -n 3p $D/records.jsonl | jq -c '.date = "2024-13-45T99:99:99Z"'
	} > $T/dates.jsonl
	run bash -c "$R -f json --by day $T/dates.jsonl | jq -c '[.input.undated, .input.bad_dates, .periods.filled, (.periods.rows | length)]'"
	assert_output '[1,1,false,2]'
	run $R --by day $T/dates.jsonl
	assert_success
	assert_output --partial '1 records had a date that is not a real date and were counted as undated.'
	assert_output --partial 'Empty periods are not shown: the dates span more than 4000 periods.'
	run bash -c "$R -v -f json $T/dates.jsonl 2>&1 >/dev/null"
	assert_line 'dsn-report: 1 record with a date that is not a real date, counted as undated'
	# a small span is filled, and says nothing
	run bash -c "$R -f json --by day $D/records.jsonl | jq -c '[.input.bad_dates, .periods.filled]'"
	assert_output '[0,true]'
}

@test "a read error names the file and the system's reason; the rest is read" {
	mkdir "$T/dir"
	run $R -f json "$T/dir" $D/records.jsonl
	assert_failure 2
	assert_output --partial "dsn-report: $T/dir: read error: Is a directory"
	run bash -c "$R -f json '$T/dir' $D/records.jsonl 2>/dev/null | jq .totals.total"
	assert_output 19
}

@test "CSV report: cells starting with = + - @ tab or CR get an apostrophe" {
	i=0
	for k in '=1+1' '+1+1' '-1+1' '@SUM(A1)' '\t=1+1' '\r=1+1'; do
		i=$((i + 1))
		printf '{"report_id":"r%d","recipient":"a@example.com",' $i
		printf '"action":"failed","status":"5.1.1",'
		printf '"reason":"userunknown","hard_bounce":true,'
		printf '"remote_mta":"%s","diagnostic":"%s"}\n' "$k" "$k"
	done >"$T/f.jsonl"
	$R -f csv --top 20 "$T/f.jsonl" >"$T/f.csv"
	run python3 -c '
import csv, sys
for row in csv.reader(open(sys.argv[1], newline="")):
    for c in row:
        if c[:1] in ("=", "+", "-", "@", "\t", "\r"):
            print("formula:", repr(c))
' "$T/f.csv"
	assert_success
	assert_output ''
	run grep -c "^remote_mta," "$T/f.csv"
	assert_output 6
}

@test "an input that cannot be read -> exit 2, and the report itself says it is incomplete" {
	mkdir "$T/dir"
	run $R $D/records.jsonl "$T/dir"
	assert_failure 2
	assert_output --partial "dsn-report: $T/dir: read error: Is a directory"
	assert_output --partial 'INCOMPLETE: 1 input could not be read'
	run bash -c "$R -f json $D/records.jsonl $T/dir $T/nonexistent 2>/dev/null | jq .input.unreadable_inputs"
	assert_output 2
	run bash -c "$R -f html $D/records.jsonl $T/dir 2>/dev/null"
	assert_output --partial 'INCOMPLETE: 1 input could not be read'
	run bash -c "$R -f markdown $D/records.jsonl $T/dir 2>/dev/null"
	assert_output --partial 'INCOMPLETE: 1 input could not be read'
	run $R $D/records.jsonl
	refute_output --partial 'INCOMPLETE'
}

@test "an input that cannot be read -> CSV opens with an incomplete row, still one valid table" {
	mkdir "$T/dir"
	run bash -c "$R -f csv $D/records.jsonl $T/dir $T/nonexistent 2>/dev/null >$T/r.csv"
	assert_failure 2
	run sed -n 2p "$T/r.csv"
	assert_output --partial 'incomplete,unreadable_inputs,,2,'
	assert_output --partial 'INCOMPLETE: 2 inputs could not be read'
	run python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
print(len({len(r) for r in rows}), rows[1][0], rows[1][3], rows[2][0])
' "$T/r.csv"
	assert_output '1 incomplete 2 totals'
	run $R -f csv $D/records.jsonl
	refute_output --partial 'incomplete'
}

@test "no dated record -> header says none are dated, no 'dated - to -'" {
	head -1 $D/records.jsonl | sed 's/"date": *"[^"]*",//' >"$T/nodate.jsonl"
	run grep -c '"date"' "$T/nodate.jsonl"
	assert_output 0
	run $R "$T/nodate.jsonl"
	assert_output --partial \
	    'dsn-report: 1 records, none of them dated (0 left out by the window; 1 without a date).'
	refute_output --partial 'dated - to -'
	run $R -f markdown "$T/nodate.jsonl"
	assert_output --partial '1 records, none of them dated'
	run $R </dev/null
	assert_line 'dsn-report: 0 records.'
	run $R $D/records.jsonl
	assert_output --regexp 'records, reports dated 20[0-9-]+ to 20[0-9-]+'
}
