#!/bin/sh
# The property tests of the merge with many more scenarios than make test,
# from a fresh random seed (printed first, so that a failure can be
# replayed), then a tenth of them again under ASan + UBSan.
#
#   soak.sh BUILD [SANBUILD]
#
# SOAK_DOCS (200000) and SOAK_REPLICAS (5000) say how many scenarios;
# SANSHE_PROP_SEED gives the seed instead of /dev/urandom.  Known gaps of
# the engine are counted, not failed, unless SANSHE_PROP_STRICT=1.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$1
san=${2:-}
docs=${SOAK_DOCS:-200000}
replicas=${SOAK_REPLICAS:-5000}
seed=${SANSHE_PROP_SEED:-0x$(od -An -N8 -tx8 /dev/urandom | tr -d ' \n')}
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "soak: seed $seed"
export SANSHE_PROP_SEED="$seed" SANSHE_TOP="$top"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# soak BINARY RUNS: run one property test; say how many scenarios ran in how long.
soak() {
	start=$(date +%s)
	SANSHE_PROP_RUNS=$2 "$1" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	if [ "$rc" -eq 0 ]; then
		known=$(sed -n 's/^# \([0-9]*\) scenarios ran into known gaps.*/\1/p' "$log")
		echo "soak: $1: $2 scenarios passed in ${secs} s (${known:-0} of them with known gaps)"
		grep '^# ' "$log" | sed 's/^/  /'
	else
		failed=1
		echo "soak: $1: FAILED after ${secs} s"
		sed 's/^/  /' "$log"
	fi
}

soak "$build/tests/test_merge_prop" "$docs"
soak "$build/tests/test_merge_replicas" "$replicas"
if [ -n "$san" ]; then
	soak "$san/tests/test_merge_prop" $((docs / 10))
	soak "$san/tests/test_merge_replicas" $((replicas / 10))
fi
echo "soak: seed $seed: $([ "$failed" -eq 0 ] && echo passed || echo FAILED)"
exit "$failed"
