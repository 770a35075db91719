#!/bin/sh
# Run every test and end with one line "N passed, N failed".
#
#   run-tests.sh BUILD [SANBUILD]
#
# BUILD holds the normal unit tests and build/sanshe for the scenario tests;
# SANBUILD, when given, holds the same unit tests and sanshe built with
# ASan + UBSan, and every test runs again there.
# Unit tests speak TAP (cmocka), scenario tests too (tests/t/lib.sh); a test
# program that dies without reporting counts as one failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=$1
san=${2:-}
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# count LABEL COMMAND...: run a TAP-speaking program and add up its results.
count() {
	label=$1
	shift
	"$@" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $label exited with status $rc without reporting a failure" >>"$log"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -gt 0 ]; then
		printf '%-40s %4d passed, %d FAILED\n' "$label" "$p" "$f"
		sed 's/^/    /' "$log"
	else
		printf '%-40s %4d passed\n' "$label" "$p"
	fi
}

# The scenario test of verify's HTML report opens it in a headless browser.
"$top/scripts/deps.sh" browser || echo "sanshe: could not install chromium: t0950 will fail" >&2

export CMOCKA_MESSAGE_OUTPUT=TAP
export SANSHE_TESTDATA="${SANSHE_TESTDATA:-$top/../shared/testdata}"
export SANSHE_TOP="$top"

for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	count "unit $(basename "$t")" "$t"
done
for t in "$top"/tests/t/t[0-9]*.sh; do
	[ -f "$t" ] || continue
	count "scenario $(basename "$t" .sh)" env SANSHE_BIN="$top/$build/sanshe" sh "$t"
done
if [ -n "$san" ]; then
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	for t in "$san"/tests/test_*; do
		[ -x "$t" ] || continue
		count "asan+ubsan $(basename "$t")" "$t"
	done
	for t in "$top"/tests/t/t[0-9]*.sh; do
		[ -f "$t" ] || continue
		count "asan+ubsan $(basename "$t" .sh)" env SANSHE_BIN="$top/$san/sanshe" sh "$t"
	done
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
