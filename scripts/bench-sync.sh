#!/bin/sh
# make bench, sync over TCP loopback (docs/bench.md), each figure next to git
# in the same run:
#   first replication: `sanshe clone tcp://…` of a 100,000-document node,
#     every signature verified, next to `git clone --bare --no-local` of the
#     same repository (which verifies nothing) and to the time libsodium
#     alone needs for the signatures; aim: within 3x git's clone;
#   weekly sync: two such nodes sharing their history, then 5,000 signed
#     edits each (50 of the cases changed on both sides), `sanshe sync
#     tcp://…` until both hold the same heads, next to git's non-thin packs
#     of the same new commits; aims: under 2 s, bytes within 1.5x git's.
# Until sanshe has a serve command, the git figures alone, and MISSING.
#
#   scripts/bench-sync.sh [BUILD]    SYNC_DOCS=N (100000), SYNC_EDITS=N (5000),
#                                    SYNC_SHARED=K (50), SYNC_RUNS=K (3),
#                                    SYNC_CLONE_RUNS=K (SYNC_RUNS; 0: no first
#                                    replication), SYNC_SEED=S (1)
#
# The nodes are made by BUILD/bench/gen_history in a scratch directory under
# /tmp, removed at the end; making them is set-up, not measured.
set -eu
build=${1:-build}
cd "$(dirname "$0")/.."
. scripts/bench-env.sh
bench_tool sanshe "$build/sanshe"
bench_tool measure "$build/bench/measure"
bench_tool gen "$build/bench/gen_history"
bench_tool bench_doc "$build/bench/bench_doc"
relay=$(pwd)/scripts/bench/count_bytes.py
docs=${SYNC_DOCS:-100000}
edits=${SYNC_EDITS:-5000}
shared=${SYNC_SHARED:-50}
runs=${SYNC_RUNS:-3}
clone_runs=${SYNC_CLONE_RUNS:-$runs}
seed=${SYNC_SEED:-1}
bench_env sync
began=$(date +%s)

# Each side sends the other only the spaces the other's organization may
# read.  The client runs as 何芳 (the bureau's auditor: of the generated
# members the one who may read every space, so that her node receives all
# of them), the server as 马建国 (a worker of the community, which may read
# its own and the agency's case files: the two spaces the edits change, so
# that he takes both merges back).  Each has a home of their own, as on
# two machines.
server_key=ma-jianguo
client_key=he-fang
server_home=$scratch/home-server
client_home=$scratch/home-client

# value KEY LINE: the value of KEY=... in a line of KEY=VALUE words.
value() {
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# now_ns: the wall clock in nanoseconds.
now_ns() {
	date +%s%N
}

# median FILE COLUMN, least FILE COLUMN, most FILE COLUMN: of the numbers
# in a column of a file of runs, one a line.
median() {
	cut -d' ' -f"$2" "$1" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
least() {
	cut -d' ' -f"$2" "$1" | sort -g | head -n 1
}
most() {
	cut -d' ' -f"$2" "$1" | sort -g | tail -n 1
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_listen PORT PID: until something listens on 127.0.0.1:PORT (1 if PID
# ends first or 10 s pass).  Reads /proc/net/tcp: a connection to try would
# use up a server that serves once.
wait_listen() {
	hex=$(printf ':%04X' "$1")
	tries=0
	until awk -v p="$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 }
		END { exit !f }' /proc/net/tcp; do
		kill -0 "$2" 2>/dev/null || return 1
		tries=$((tries + 1))
		[ "$tries" -lt 200 ] || return 1
		sleep 0.05
	done
}

# heads DIR: the branches of the repository DIR, "<id> <ref>" a line.
heads() {
	git -C "$1" for-each-ref --format='%(objectname) %(refname)' 'refs/heads/'
}

server=
relay_pid=
fail() {
	for pid in $server $relay_pid; do	# measure's child first, then measure
		pkill -P "$pid" 2>/dev/null || :
		kill "$pid" 2>/dev/null || :
	done
	echo "bench-sync: $1" >&2
	for f in "$scratch"/*.err; do
		[ -s "$f" ] && { echo "--- $(basename "$f")" >&2; head -c 2000 "$f" >&2; }
	done
	exit 1
}

# Each side waits for a silent peer for at most SANSHE_IDLE_TIMEOUT seconds
# (30 by default); a side verifying and merging a large history is silent
# for longer than that.
export SANSHE_IDLE_TIMEOUT=3600

# serve NODE: start `sanshe serve --once` on NODE under measure, its figures
# in $scratch/m.server; sets $port and $server.
serve() {
	port=$(free_port)
	SANSHE_HOME=$server_home "$measure" "$scratch/m.server" "$sanshe" -C "$1" serve \
		--listen "127.0.0.1:$port" --once --key "$server_key" >"$scratch/server.out" 2>"$scratch/server.err" &
	server=$!
	wait_listen "$port" "$server" || fail "sanshe serve does not listen on 127.0.0.1:$port"
}

# served: wait for the server to end; it must have ended well.
served() {
	status=0
	wait "$server" || status=$?
	[ "$status" -eq 0 ] || fail "sanshe serve exited $status"
}

# ---- the nodes (set-up) ----

"$gen" "$scratch/node" --documents "$docs" --seed "$seed" --home "$server_home" \
	>"$scratch/gen.out"
cp -a "$server_home" "$client_home"
made=$(tail -n 1 "$scratch/gen.out")
founder=$(value founder "$made")
signatures=$(value signatures "$made")
doc_bytes=$(value doc_bytes "$made")
sed '$d' "$scratch/gen.out"
echo "  $(value documents "$made") documents; repository $(du -sm "$scratch/node" | cut -f1) MB;" \
	"generating took $(value seconds "$made") s (set-up, not measured)"

raw=$("$bench_doc" --raw-verify "$doc_bytes")
raw1=$(value raw_verify_1 "$raw")
raw2=$(value raw_verify_2 "$raw")

have_serve=1
"$sanshe" --help 2>&1 | grep -q '^  serve ' || have_serve=0

# ---- first replication ----

# One run of each, interleaved, so that a slow moment of the machine hits
# both series.  sanshe's wall time is from the client's start until both
# the client and the server have exited.
: >"$scratch/git.runs"
: >"$scratch/sanshe.runs"
i=0
while [ "$i" -lt "$clone_runs" ]; do
	i=$((i + 1))
	rm -rf "$scratch/git-clone"
	sync
	"$measure" "$scratch/m.git" git clone -q --bare --no-local "$scratch/node" \
		"$scratch/git-clone" 2>"$scratch/git.err" || fail "git clone failed"
	read -r _ wall rss _ _ <"$scratch/m.git"
	git_pack=$(cat "$scratch"/git-clone/objects/pack/*.pack | wc -c)
	echo "$wall $rss $git_pack" >>"$scratch/git.runs"
	rm -rf "$scratch/git-clone"
	[ "$have_serve" -eq 1 ] || continue

	rm -rf "$scratch/clone"
	sync
	serve "$scratch/node"
	t0=$(now_ns)
	SANSHE_HOME=$client_home "$measure" "$scratch/m.client" "$sanshe" clone \
		"tcp://127.0.0.1:$port" "$scratch/clone" --expect "$founder" --key "$client_key" \
		>/dev/null 2>"$scratch/client.err" || fail "sanshe clone failed"
	served
	t1=$(now_ns)
	[ "$(heads "$scratch/clone")" = "$(heads "$scratch/node")" ] ||
		fail "the clone does not hold the node's heads"
	read -r _ cwall crss _ _ <"$scratch/m.client"
	read -r _ _ srss _ _ <"$scratch/m.server"
	echo "$(( (t1 - t0) / 1000 )) $cwall $crss $srss" | awk '{ printf "%.6f %s %s %s\n", $1 / 1e6, $2, $3, $4 }' \
		>>"$scratch/sanshe.runs"
	rm -rf "$scratch/clone"
done

# The bytes of a clone: one more run, untimed, through a relay that counts them.
wire=
if [ "$have_serve" -eq 1 ] && [ "$clone_runs" -gt 0 ]; then
	serve "$scratch/node"
	outer=$(free_port)
	python3 "$relay" "$outer" "$port" "$scratch/wire" 2>"$scratch/relay.err" &
	relay_pid=$!
	wait_listen "$outer" "$relay_pid" || fail "the byte-counting relay does not listen"
	SANSHE_HOME=$client_home "$sanshe" clone "tcp://127.0.0.1:$outer" "$scratch/clone" \
		--expect "$founder" --key "$client_key" >/dev/null 2>"$scratch/client.err" ||
		fail "sanshe clone through the relay failed"
	served
	wait "$relay_pid" || fail "the byte-counting relay failed"
	wire=$(cat "$scratch/wire")
	rm -rf "$scratch/clone"
fi

if [ "$clone_runs" -gt 0 ]; then
	echo "first replication of $(value documents "$made") documents over TCP loopback," \
		"$signatures signatures, median of $clone_runs"
	git_med=$(median "$scratch/git.runs" 1)
	awk -v med="$git_med" -v rss="$(most "$scratch/git.runs" 2)" -v pack="$(most "$scratch/git.runs" 3)" \
		-v sig="$signatures" -v raw1="$raw1" -v raw2="$raw2" -v bytes="$doc_bytes" 'BEGIN {
		printf "  git clone --bare --no-local %8.2f s %8.1f MB on the wire (its pack)  peak rss %4.0f MB (clone with upload-pack, pack-objects, index-pack)\n", med, pack / 1048576, rss / 1024
		printf "  libsodium verify (raw), %d-byte messages: %.0f sig/s on 1 thread, %.0f on 2; %d signatures take %.2f s on 1 thread, %.2f s on 2\n", bytes, raw1, raw2, sig, sig / raw1, sig / raw2
	}'
	if [ "$have_serve" -eq 1 ]; then
		runs_file=$scratch/sanshe.runs
		awk -v med="$(median "$runs_file" 1)" -v min="$(least "$runs_file" 1)" \
			-v client="$(median "$runs_file" 2)" -v crss="$(most "$runs_file" 3)" \
			-v srss="$(most "$runs_file" 4)" -v git="$git_med" -v sig="$signatures" \
			-v raw1="$raw1" -v raw2="$raw2" -v up="$(value up "$wire")" -v down="$(value down "$wire")" 'BEGIN {
			printf "  sanshe clone tcp://          %8.2f s %8.1f MB on the wire (%.0f KB to the server)  peak rss client %4.0f MB, server %4.0f MB  %.2fx git; min %.2f s, the client alone %.2f s\n", med, down / 1048576, up / 1024, crss / 1024, srss / 1024, med / git, min, client
			printf "  aim: within 3x git clone (%.2f s): %s (%.2fx); %.0f sig/s, %.2fx the raw 1-thread rate, %.2fx the 2-thread rate\n", 3 * git, med <= 3 * git ? "met" : "MISSED", med / git, sig / med, sig / med / raw1, sig / med / raw2
		}'
	else
		echo "  sanshe clone tcp://: MISSING (sanshe has no serve command)"
	fi
fi

# ---- weekly sync ----

# Both nodes are the node above with a week of edits each, made once; each
# run syncs fresh copies of them.
heads "$scratch/node" | cut -d' ' -f1 | sed 's/^/^/' >"$scratch/base.revs"
for side in A B; do
	cp -a "$scratch/node" "$scratch/week$side"
	[ "$side" = A ] && edit_seed=2 || edit_seed=3
	"$gen" "$scratch/week$side" --append "$edits" --seed "$seed" --edit-seed "$edit_seed" \
		--shared "$shared" >"$scratch/append$side.out"
	# git's packs of the side's new commits against the shared base
	{ heads "$scratch/week$side" | cut -d' ' -f1; cat "$scratch/base.revs"; } >"$scratch/revs$side"
	git -C "$scratch/week$side" rev-list --objects --stdin <"$scratch/revs$side" | wc -l \
		>"$scratch/objects$side"
done
rm -rf "$scratch/node"
echo "weekly sync: two nodes of the $(value documents "$made") documents above, then $edits signed" \
	"commits each"
for side in A B; do
	echo "  $side: $(head -n 1 "$scratch/append$side.out")"
done

: >"$scratch/git.week"
: >"$scratch/sanshe.week"
i=0
while [ "$i" -lt "$runs" ]; do
	i=$((i + 1))
	sync
	total=0
	for side in A B; do
		"$measure" "$scratch/m.git" git -C "$scratch/week$side" pack-objects --revs --stdout -q \
			<"$scratch/revs$side" >"$scratch/pack$side" 2>"$scratch/git.err" ||
			fail "git pack-objects failed"
		read -r _ wall _ _ _ <"$scratch/m.git"
		total=$(echo "$total $wall" | awk '{ print $1 + $2 }')
	done
	git -C "$scratch/weekA" pack-objects --revs --stdout -q --thin <"$scratch/revsA" >"$scratch/thinA"
	git -C "$scratch/weekB" pack-objects --revs --stdout -q --thin <"$scratch/revsB" >"$scratch/thinB"
	echo "$total $(($(wc -c <"$scratch/packA") + $(wc -c <"$scratch/packB"))) $(($(wc -c <"$scratch/thinA") + $(wc -c <"$scratch/thinB")))" \
		>>"$scratch/git.week"
	[ "$have_serve" -eq 1 ] || continue

	rm -rf "$scratch/A" "$scratch/B"
	cp -a "$scratch/weekA" "$scratch/A"
	cp -a "$scratch/weekB" "$scratch/B"
	sync
	serve "$scratch/A"
	t0=$(now_ns)
	SANSHE_HOME=$client_home "$measure" "$scratch/m.client" "$sanshe" -C "$scratch/B" sync \
		"tcp://127.0.0.1:$port" --json --quiet --key "$client_key" \
		>"$scratch/sync.json" 2>"$scratch/client.err" || fail "sanshe sync failed"
	served
	t1=$(now_ns)
	[ "$(heads "$scratch/A")" = "$(heads "$scratch/B")" ] ||
		fail "after sanshe sync the two nodes do not hold the same heads"
	counted=$(python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
print(j["bytes_sent"], j["bytes_received"], j["objects_sent"], j["objects_received"], j.get("conflicts", 0), j.get("documents_merged", 0))' \
		"$scratch/sync.json") || fail "sanshe sync --json: no bytes_sent, bytes_received, objects_sent, objects_received"
	read -r _ cwall crss _ _ <"$scratch/m.client"
	read -r _ _ srss _ _ <"$scratch/m.server"
	echo "$(( (t1 - t0) / 1000 )) $cwall $crss $srss $counted" |
		awk '{ $1 = sprintf("%.6f", $1 / 1e6); print }' >>"$scratch/sanshe.week"
done

git_bytes=$(most "$scratch/git.week" 2)
awk -v med="$(median "$scratch/git.week" 1)" -v pack="$git_bytes" -v thin="$(most "$scratch/git.week" 3)" \
	-v a="$(cat "$scratch/objectsA")" -v b="$(cat "$scratch/objectsB")" 'BEGIN {
	printf "  git pack-objects, non-thin  %8.2f s %8.2f MB  A %d + B %d new objects (thin: %.2f MB); the two packs alone: no transfer, no merge\n", med, pack / 1048576, a, b, thin / 1048576
}'
if [ "$have_serve" -eq 1 ]; then
	runs_file=$scratch/sanshe.week
	read -r _ _ _ _ sent received osent oreceived conflicts merged <"$runs_file"
	awk -v med="$(median "$runs_file" 1)" -v min="$(least "$runs_file" 1)" \
		-v client="$(median "$runs_file" 2)" -v crss="$(most "$runs_file" 3)" \
		-v srss="$(most "$runs_file" 4)" -v bytes="$((sent + received))" -v git="$git_bytes" \
		-v osent="$osent" -v oreceived="$oreceived" -v conflicts="$conflicts" -v merged="$merged" 'BEGIN {
		printf "  sanshe sync tcp://           %8.2f s %8.2f MB  sent %d, received %d objects; %d documents merged, %d conflicts  peak rss client %4.0f MB, server %4.0f MB; min %.2f s, the client alone %.2f s\n", med, bytes / 1048576, osent, oreceived, merged, conflicts, crss / 1024, srss / 1024, min, client
		printf "  aim: under 2 s: %s (%.2f s); bytes within 1.5x git non-thin: %s (%.2fx)\n", med < 2 ? "met" : "MISSED", med, bytes <= 1.5 * git ? "met" : "MISSED", bytes / git
	}'
else
	echo "  sanshe sync tcp://: MISSING (sanshe has no serve command)"
fi
echo "  sync benchmarks: $(($(date +%s) - began)) s in all, generation included"
[ "$have_serve" -eq 1 ] || {
	echo "bench-sync: this sanshe has no serve command: only git was measured" >&2
	exit 1
}
