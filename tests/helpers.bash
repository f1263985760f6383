# helpers.bash - loaded by the free-text format suites (formats-f*.bats):
# bats-support and bats-assert, the common setup, and pick(), which
# prints the chosen fields of each record of one sample.

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

# Runs from the tree's top; P is the parser, D the format samples.
formats_setup() {
	cd "$BATS_TEST_DIRNAME/.."
	P=bin/dsn-parse
	D=testdata/formats
}

# pick SAMPLE 'jq field list': one compact JSON array per record of
# $D/SAMPLE holding those fields, in that order.
pick() {
	"$P" "$D/$1" | jq -c "[$2]"
}
