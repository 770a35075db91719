#!/bin/sh
# make bench: every benchmark, each next to its baseline from the same run.
set -eu
build=${1:-build}
cd "$(dirname "$0")/.."
echo "== signed documents (scripts/bench/bench_doc.c)"
"$build"/bench/bench_doc schemas/examples/case.json
echo "== node: import and put (scripts/bench-node.sh)"
scripts/bench-node.sh "$build"
echo "== merge: two replicas of 10,000 cases (scripts/bench-merge.sh)"
scripts/bench-merge.sh "$build"
echo "== verify: the whole history of a generated node (scripts/bench-verify.sh)"
scripts/bench-verify.sh "$build"
echo "== sync: first replication and a weekly sync over TCP (scripts/bench-sync.sh)"
scripts/bench-sync.sh "$build"
