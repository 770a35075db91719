#!/bin/sh
# make bench, verify: `sanshe verify` over a generated history of 100,000
# commits and 200,000 document versions, as signatures verified per second
# next to libsodium's raw Ed25519 verify rate on one and on two threads,
# measured in the same run (docs/bench.md).  The aim: at least half the raw
# one-thread rate, peak RSS under 200 MB.  A few minutes on 2 cores.
#
#   scripts/bench-verify.sh [BUILD]    VERIFY_COMMITS=N (100000), VERIFY_RUNS=K (3),
#                                      VERIFY_SEED=S (1) to change the history and runs
#
# The history is made once by BUILD/bench/gen_history in a scratch directory
# under /tmp, removed at the end; verify must find nothing in it (exit 0).
set -eu
build=${1:-build}
cd "$(dirname "$0")/.."
. scripts/bench-env.sh
bench_tool sanshe "$build/sanshe"
bench_tool measure "$build/bench/measure"
bench_tool gen "$build/bench/gen_history"
bench_tool bench_doc "$build/bench/bench_doc"
commits=${VERIFY_COMMITS:-100000}
runs=${VERIFY_RUNS:-3}
seed=${VERIFY_SEED:-1}
bench_env verify

# value KEY LINE: the value of KEY=... in a line of KEY=VALUE words.
value() {
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# The history, once: its figures are set-up, not measured.
"$gen" "$scratch/node" --commits "$commits" --seed "$seed" >"$scratch/gen.out"
made=$(tail -n 1 "$scratch/gen.out")
signatures=$(value signatures "$made")
doc_bytes=$(value doc_bytes "$made")
sed '$d' "$scratch/gen.out"
echo "  repository $(du -sm "$scratch/node" | cut -f1) MB; generating took $(value seconds "$made") s (set-up, not measured)"

# libsodium alone, messages of the mean document's size.
raw=$("$bench_doc" --raw-verify "$doc_bytes")
raw1=$(value raw_verify_1 "$raw")
raw2=$(value raw_verify_2 "$raw")

if ! "$sanshe" --help 2>&1 | grep -q '^  verify '; then
	echo "bench-verify: this sanshe has no verify command: nothing measured" >&2
	printf '  libsodium Ed25519 verify (raw), %s-byte messages: %s/s on 1 thread, %s/s on 2\n' \
		"$doc_bytes" "$raw1" "$raw2"
	echo "  verify: MISSING (sanshe has no verify command)"
	exit 1
fi

# Each run: wall time and peak RSS by measure; the signatures counted by
# verify --json when it says, else the generator's count.
json=--json
"$sanshe" help verify 2>&1 | grep -q -- --json || json=
: >"$scratch/runs"
i=0
while [ "$i" -lt "$runs" ]; do
	i=$((i + 1))
	sync
	status=0
	"$measure" "$scratch/m" "$sanshe" -C "$scratch/node" verify $json \
		>"$scratch/verify.json" 2>"$scratch/verify.err" || status=$?
	if [ "$status" -ne 0 ]; then
		echo "bench-verify: sanshe verify exited $status on the generated history (it must find nothing):" >&2
		head -c 2000 "$scratch/verify.err" >&2
		head -c 2000 "$scratch/verify.json" >&2
		exit 1
	fi
	counted=$(python3 -c 'import json,sys
try: s = json.load(open(sys.argv[1]))["summary"]; print(s["signatures"], s["commits"], s["versions"])
except Exception: print("")' "$scratch/verify.json")
	if [ -n "$counted" ]; then
		set -- $counted
		counted=$1
		[ "$i" -gt 1 ] || [ "$1" = "$signatures" ] ||
			echo "  note: verify counted $1 signatures ($2 commits, $3 versions); the history holds $signatures ($(value commits "$made") commits, $(value versions "$made") versions)"
	fi
	read -r _ wall rss _ _ <"$scratch/m"
	echo "$wall $rss ${counted:-$signatures} ${counted:+verify}" >>"$scratch/runs"
done

sort -n "$scratch/runs" | awk -v runs="$runs" -v raw1="$raw1" -v raw2="$raw2" \
	-v bytes="$doc_bytes" -v commits="$commits" '
	{ wall[NR] = $1; if ($2 > rss) rss = $2; sigs = $3; from = $4 }
	END {
		med = wall[int((NR + 1) / 2)]; min = wall[1]
		rate = sigs / med; aim = raw1 / 2
		counted = "commits + document versions, as generated"
		if (from == "verify") counted = "as verify --json counts them"
		met = rate >= aim ? "met" : "MISSED"
		small = rss < 200 * 1024 ? "met" : "MISSED"
		printf "verify a history of %d generated commits: %d signatures (%s), median of %d\n", commits, sigs, counted, runs
		printf "  sanshe verify                  %8.2f s %7.0f sig/s  peak rss %4.0f MB  min %.2f s (%.0f sig/s)\n", med, rate, rss / 1024, min, sigs / min
		printf "  libsodium verify (raw), 1 thread       %7.0f sig/s  %d-byte messages\n", raw1, bytes
		printf "  libsodium verify (raw), 2 threads      %7.0f sig/s  verify is %.2fx of it\n", raw2, rate / raw2
		printf "  aim: half the raw 1-thread rate (%.0f sig/s): %s (%.2fx the raw 1-thread rate); peak rss under 200 MB: %s (%.0f MB)\n", aim, met, rate / raw1, small, rss / 1024
	}'
