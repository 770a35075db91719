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
sanshe=$(pwd)/$build/sanshe
measure=$(pwd)/$build/bench/measure
test -x "$sanshe" || { echo "bench-merge: no $sanshe; run make" >&2; exit 1; }
test -x "$measure" || { echo "bench-merge: no $measure; run make bench" >&2; exit 1; }

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

scratch=$(mktemp -d /tmp/sanshe-bench-merge.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' INT TERM
if peers 2>"$scratch/peers.err"; then
	BENCH_PEERS_SKIPPED=""
else
	npm_dir=""
	BENCH_PEERS_SKIPPED=$(tail -n 1 "$scratch/peers.err")
	echo "bench-merge: Automerge and PouchDB skipped: $BENCH_PEERS_SKIPPED; sanshe and git still run" >&2
fi
export BENCH_PEERS_SKIPPED
mkdir "$scratch/home"
export SANSHE_HOME="$scratch/home"
export SANSHE_PASSPHRASE="bench passphrase, never use one like it"
export SANSHE_KDF=interactive
unset SANSHE_REPO
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
python3 scripts/bench/bench_merge.py "$sanshe" "$measure" "$scratch" "$npm_dir"
