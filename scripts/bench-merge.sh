#!/bin/sh
# make bench, the merge: 10,000 case files edited on two replicas (2,500
# same-field conflicts), merged by sanshe merge, next to the key unlock
# alone, stock git's merge of the same edits on plain JSON files, Automerge
# and PouchDB (docs/bench.md).  A few minutes on 2 cores.
#
#   scripts/bench-merge.sh [BUILD]    BENCH_MERGE_DOCS=N, BENCH_MERGE_RUNS=K to change the sizes
#
# The peers' npm packages are installed once into BUILD/bench-npm (pinned
# versions below); without node, npm or the network the peers are skipped,
# said on a line of their own, and the rest still runs.  Everything else
# happens in a scratch directory under /tmp, removed at the end; git reads
# no configuration but its -c options.
set -eu
build=${1:-build}
cd "$(dirname "$0")/.."
. scripts/bench-env.sh
bench_tool sanshe "$build/sanshe"
bench_tool measure "$build/bench/measure"

PEERS="@automerge/automerge@3.5.0 pouchdb-node@9.0.0 pouchdb-adapter-memory@9.0.0"
npm_dir=$(pwd)/$build/bench-npm

# peers: install the peers' packages into $npm_dir unless they are there;
# prints why not on stderr and fails when they cannot be had.
peers() {
	scripts/deps.sh bench || { echo "node and npm could not be installed" >&2; return 1; }
	command -v node >/dev/null 2>&1 || { echo "no node" >&2; return 1; }
	stamp="$npm_dir/installed"
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$PEERS" ] && return 0
	command -v npm >/dev/null 2>&1 || { echo "no npm" >&2; return 1; }
	mkdir -p "$npm_dir"
	rm -f "$stamp"
	# shellcheck disable=SC2086
	npm install --prefix "$npm_dir" --no-audit --no-fund --save-exact --loglevel=error $PEERS >&2 ||
		{ echo "npm install failed (no network?)" >&2; return 1; }
	echo "$PEERS" >"$stamp"
}

bench_env merge
if peers 2>"$scratch/peers.err"; then
	BENCH_PEERS_SKIPPED=""
else
	npm_dir=""
	BENCH_PEERS_SKIPPED=$(tail -n 1 "$scratch/peers.err")
	echo "bench-merge: Automerge and PouchDB skipped: $BENCH_PEERS_SKIPPED; sanshe and git still run" >&2
fi
export BENCH_PEERS_SKIPPED
python3 scripts/bench/bench_merge.py "$sanshe" "$measure" "$scratch" "$npm_dir"
