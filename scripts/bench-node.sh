#!/bin/sh
# make bench, the node: importing 100,000 case files next to git add+commit of
# the same bytes, and the latency of one put on 1,000 and 100,000 documents
# next to the key unlock alone (docs/bench.md). About a minute on 2 cores.
#
#   scripts/bench-node.sh [BUILD]    BENCH_DOCS=N, BENCH_PUTS=K to change the sizes
#
# Everything happens in a scratch directory under /tmp, removed at the end;
# git reads no configuration but its -c options.
set -eu
build=${1:-build}
cd "$(dirname "$0")/.."
sanshe=$(pwd)/$build/sanshe
test -x "$sanshe" || { echo "bench-node: no $sanshe; run make" >&2; exit 1; }
scratch=$(mktemp -d /tmp/sanshe-bench-node.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' INT TERM
mkdir "$scratch/home"
export SANSHE_HOME="$scratch/home"
export SANSHE_PASSPHRASE="bench passphrase, never use one like it"
export SANSHE_KDF=interactive
unset SANSHE_REPO
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
python3 scripts/bench/bench_node.py "$sanshe" "$scratch"
