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
. scripts/bench-env.sh
bench_tool sanshe "$build/sanshe"
bench_env node
python3 scripts/bench/bench_node.py "$sanshe" "$scratch"
