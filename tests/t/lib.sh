# Scenario tests drive the real build/sanshe.  A script sources this file,
# then calls `expect_ok DESCRIPTION 'COMMANDS'` (the commands must succeed)
# or `expect_fail DESCRIPTION 'COMMANDS'` (they must fail), and ends with
# `done_testing`.  Output is TAP.  Each script runs in its own scratch
# directory with its own SANSHE_HOME, removed at the end.

: "${SANSHE_BIN:?set SANSHE_BIN to the sanshe binary}"
: "${SANSHE_TOP:?set SANSHE_TOP to the project directory}"
TESTDATA=${SANSHE_TESTDATA:-$SANSHE_TOP/../shared/testdata}
EXAMPLES=$SANSHE_TOP/schemas/examples
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/sanshe-t.XXXXXX")
export SANSHE_HOME="$SCRATCH/home"
export SANSHE_PASSPHRASE="correct horse battery staple"
export SANSHE_KDF=interactive
unset SANSHE_REPO
cd "$SCRATCH" || exit 1
test_count=0
test_failed=0

sanshe() {
	"$SANSHE_BIN" "$@"
}

# run_case EXPECT DESCRIPTION COMMANDS
run_case() {
	test_count=$((test_count + 1))
	(set -e; eval "$3") >"$SCRATCH/.out" 2>&1
	rc=$?
	if { [ "$1" = ok ] && [ $rc -eq 0 ]; } || { [ "$1" = fail ] && [ $rc -ne 0 ]; }; then
		echo "ok $test_count - $2"
	else
		echo "not ok $test_count - $2"
		sed 's/^/#   /' "$SCRATCH/.out"
		test_failed=$((test_failed + 1))
	fi
}

expect_ok() {
	run_case ok "$1" "$2"
}

expect_fail() {
	run_case fail "$1" "$2"
}

done_testing() {
	echo "1..$test_count"
	cd / && rm -rf "$SCRATCH"
	[ $test_failed -eq 0 ]
}
