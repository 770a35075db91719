#!/bin/sh
# Run every libFuzzer target of BUILD for SECONDS each (make fuzz):
#
#   fuzz.sh BUILD SECONDS
#
# Seeds are made afresh in BUILD/seeds; what libFuzzer learns stays in
# BUILD/corpus between runs, and an input that breaks a target is saved in
# BUILD/crashes.  Fails when any target does.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$1
seconds=$2
failed=""

"$top/scripts/fuzz-seeds.sh" "$build/seeds"
mkdir -p "$build/crashes"
for t in "$build"/fuzz_*; do
	name=${t##*/fuzz_}
	mkdir -p "$build/corpus/$name"
	echo "fuzz: $name for ${seconds}s" >&2
	"$t" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
		-max_len=16384 -dict="$top/tests/fuzz/json.dict" \
		-artifact_prefix="$build/crashes/$name-" -print_final_stats=1 \
		"$build/corpus/$name" "$build/seeds/$name" || failed="$failed $name"
done
if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed (inputs in $build/crashes)" >&2
	exit 1
fi
