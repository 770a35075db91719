# Scenario tests drive the real build/sanshe.  A script sources this file,
# then calls `expect_ok DESCRIPTION 'COMMANDS'` for each test and ends with
# `done_testing`.  Output is TAP.  Each script runs in its own scratch
# directory with its own SANSHE_HOME, removed at the end.
#
# The commands run under `set -e`, which only stops at a failing simple
# command: write each assertion as a command of its own line (no `a && b`
# in the middle of a test, no `! cmd`), using the helpers below:
#   status_is N CMD...   CMD exits with status N; its output is in out, err
#   not CMD...           CMD fails
#   one_line FILE        FILE holds exactly one line

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

status_is() {
	want=$1
	shift
	got=0
	"$@" >out 2>err || got=$?
	if [ "$got" -ne "$want" ]; then
		echo "expected status $want, got $got from: $*"
		sed 's/^/  stderr: /' err
		return 1
	fi
}

not() {
	if "$@"; then
		echo "expected to fail: $*"
		return 1
	fi
	return 0
}

one_line() {
	test "$(wc -l <"$1")" -eq 1
}

expect_ok() {
	test_count=$((test_count + 1))
	(set -e; eval "$2") >"$SCRATCH/.out" 2>&1
	if [ $? -eq 0 ]; then
		echo "ok $test_count - $1"
	else
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$SCRATCH/.out"
		test_failed=$((test_failed + 1))
	fi
}

# edit_case NODE ID FIELD=VALUE...: a new version of case ID in NODE, with
# those top-level fields set (strings), written with sanshe put.
edit_case() {
	node=$1
	id=$2
	shift 2
	sanshe -C "$node" get "case/$id" >"$SCRATCH/.cur.json"
	python3 - "$SCRATCH/.cur.json" "$@" >"$SCRATCH/.new.json" <<-'PY'
	import json, sys
	d = json.load(open(sys.argv[1]))
	for k in ("_sig", "_merge"):
	    d.pop(k, None)
	for arg in sys.argv[2:]:
	    k, v = arg.split("=", 1)
	    d[k] = v
	print(json.dumps(d, ensure_ascii=False))
	PY
	sanshe -C "$node" put "$SCRATCH/.new.json" >/dev/null
}

# ledger ID KIND AMOUNT [FIELD=VALUE...]: one ledger entry of project p1, as a line.
ledger() {
	python3 - "$@" <<-'PY'
	import json, sys
	id, kind, amount = sys.argv[1:4]
	d = {"type": "ledger-entry", "id": id, "project": "p1", "kind": kind,
	     "amount": int(amount), "date": "2023-03-01"}
	if kind in ("expense", "disbursement"):
	    d["counterparty"] = "兰州市城关区民政局"
	for arg in sys.argv[4:]:
	    k, v = arg.split("=", 1)
	    d[k] = v
	print(json.dumps(d, ensure_ascii=False))
	PY
}

done_testing() {
	echo "1..$test_count"
	cd / && rm -rf "$SCRATCH"
	[ $test_failed -eq 0 ]
}
