#!/bin/sh
# Sync over TCP with hostile peers: tests/tools/evil_peer speaks the real
# session with a real key and misbehaves on purpose, as a client of
# `sanshe serve` and as the server of `sanshe sync tcp://`; an honest-looking
# `sanshe serve` offers history forged with plain git.  Each time the honest
# side says what is wrong in one line naming the peer, exits 1, and keeps its
# refs (and, when the fault is in the transfer, its objects) as they were;
# the server logs the session as dropped with the reason and goes on
# serving, and stops on SIGTERM once its sessions are over.
. "$(dirname "$0")/lib.sh"

EVIL=${EVIL_PEER:-$(dirname "$SANSHE_BIN")/tests/evil_peer}
A="$SCRATCH/agency"    # serves
C="$SCRATCH/community" # syncs
E="$SCRATCH/evil"      # the history evil_peer offers: the agency's and one case more
export SANSHE_IDLE_TIMEOUT=2

# libgit2 1.5's indexer leaks a little when a pack holds objects already
# here or lacks some it names; under ASan, LeakSanitizer is told of that
# leak alone, and unwinds whole stacks (libgit2 keeps no frame pointers) to
# see where each leak comes from.
printf 'leak:git_indexer_append\nleak:git_indexer_commit\n' >"$SCRATCH/lsan.supp"
export LSAN_OPTIONS="suppressions=$SCRATCH/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"

if [ ! -x "$EVIL" ]; then
	echo "Bail out! no $EVIL: build it with make"
	exit 1
fi

refs() {
	git -C "$1" for-each-ref
}

heads() {
	git -C "$1" for-each-ref refs/heads refs/sanshe/accepted
}

objects() {
	find "$1/objects" -type f | sort
}

# port_of FILE: the port of the first "127.0.0.1:PORT" FILE shows (10 s at most).
port_of() {
	i=0
	while [ $i -lt 100 ]; do
		p=$(sed -n '1s/.*127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$1" 2>/dev/null)
		if [ -n "$p" ]; then
			echo "$p"
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "nothing listens: $(cat "$1" 2>/dev/null)" >&2
	return 1
}

# wait_sessions N: until the serve log holds N session lines (10 s at most);
# the last one is then in the file `last`.
wait_sessions() {
	i=0
	while [ "$(grep -c '^sanshe serve: [0-9]' "$SCRATCH/serve.log")" -lt "$1" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep '^sanshe serve: [0-9]' "$SCRATCH/serve.log" | sed -n "${1}p" >last
	test -s last
}

sessions() {
	grep -c '^sanshe serve: [0-9]' "$SCRATCH/serve.log" || true
}

case_json() {
	python3 -c "import json,sys; d=json.load(open(\"$EXAMPLES/case.json\")); d[\"id\"]=sys.argv[1]; print(json.dumps(d, ensure_ascii=False))" "$1" >"$SCRATCH/$1.json"
}

# fresh_case: one case more in the evil node, that no other node has yet.
fresh_case() {
	fresh=$(($(cat "$SCRATCH/fresh" 2>/dev/null || echo 0) + 1))
	echo "$fresh" >"$SCRATCH/fresh"
	case_json "c-evil-$fresh"
	sanshe -C "$E" put "$SCRATCH/c-evil-$fresh.json" >/dev/null
}

# attack_serve MODE PATTERN [ARGS...]: evil_peer attacks the agency's serve
# as a client; its own line is in evil.err, the session's log line in last.
attack_serve() {
	mode=$1 pattern=$2
	shift 2
	fresh_case
	n=$(sessions)
	refs "$A" >refs.before
	objects "$A" >objects.before
	start=$(date +%s)
	status_is 1 "$EVIL" connect "127.0.0.1:$port" "$mode" --repo "$E" "$@"
	echo $(($(date +%s) - start)) >took
	cp err evil.err
	one_line evil.err
	wait_sessions $((n + 1))
	cat evil.err last # shown when a test fails
	grep -q "dropped: .*$pattern" last
	refs "$A" | cmp - refs.before
}

# honest_follows: a session of the community with the agency still goes well.
honest_follows() {
	n=$(sessions)
	status_is 0 sanshe -C "$C" sync "tcp://127.0.0.1:$port"
	wait_sessions $((n + 1))
	grep -q " ok$" last
}

# attack_sync MODE PATTERN [ARGS...]: evil_peer serves MODE and the community
# syncs with it: refused in one line naming it; nothing changes.
attack_sync() {
	mode=$1 pattern=$2
	shift 2
	fresh_case
	refs "$C" >refs.before
	objects "$C" >objects.before
	rm -f evil.out
	"$EVIL" serve "$mode" --repo "$E" "$@" >evil.out 2>evil.err &
	evil=$!
	port=$(port_of evil.out)
	start=$(date +%s)
	status_is 1 sanshe -C "$C" sync "tcp://127.0.0.1:$port"
	echo $(($(date +%s) - start)) >took
	wait "$evil" || true
	cat err evil.err # shown when a test fails
	one_line err
	grep -q "tcp://127.0.0.1:$port" err
	grep -q "$pattern" err
	refs "$C" | cmp - refs.before
	# a pack that came whole is kept (as any sync keeps it before judging)
	[ "$mode" = bad-head ] || objects "$C" | cmp - objects.before
}

expect_ok "an agency, a community node and an evil node; gone revoked, stranger unknown" '
	sanshe key new wang-li >/dev/null 2>&1
	sanshe key new gone >/dev/null 2>&1
	sanshe key new stranger >/dev/null 2>&1
	sanshe init "$A" --org 同心社工 --kind agency --admin "Wang Li" --org-id tongxin --role social-worker --key wang-li >/dev/null 2>&1
	ssh-keygen -q -t ed25519 -N "" -C li -f "$SCRATCH/li"
	ssh-keygen -q -t ed25519 -N "" -C zhao -f "$SCRATCH/zhao"
	sanshe -C "$A" member add --name "Li Na" --org tongxin --role social-worker --public-key "$SCRATCH/li.pub" --valid-from 2020-01-01T00:00:00Z >/dev/null
	sanshe -C "$A" member add --name "Zhao Min" --org tongxin --role finance --public-key "$SCRATCH/zhao.pub" --valid-from 2020-01-01T00:00:00Z >/dev/null
	sanshe -C "$A" member add --name "Gu Ning" --id gone --org tongxin --role social-worker --public-key "$SANSHE_HOME/keys/gone.pub" --valid-from 2020-01-01T00:00:00Z >/dev/null
	sanshe -C "$A" member revoke gone --reason left >/dev/null
	case_json c1
	sanshe -C "$A" put "$SCRATCH/c1.json" >/dev/null
	python3 -c "import json; d=json.load(open(\"$EXAMPLES/case-note.json\")); d[\"id\"]=\"n-1\"; d[\"case\"]=\"c1\"; print(json.dumps(d, ensure_ascii=False))" >"$SCRATCH/n-1.json"
	sanshe -C "$A" put "$SCRATCH/n-1.json" >/dev/null
	cp -a "$A" "$C"
	cp -a "$A" "$E"
	case_json c-evil
	sanshe -C "$E" put "$SCRATCH/c-evil.json" >/dev/null
'

expect_ok "the agency serves" '
	( sh -c "echo \$\$ >\"$SCRATCH/serve.pid\"; exec \"\$0\" \"\$@\"" "$SANSHE_BIN" -C "$A" serve --listen 127.0.0.1:0 \
		>"$SCRATCH/serve.out" 2>"$SCRATCH/serve.log"; echo $? >"$SCRATCH/serve.rc" ) &
	port=$(port_of "$SCRATCH/serve.out")
	echo "$port" >"$SCRATCH/port"
	grep -q "^serving .* on 127.0.0.1:$port as Wang Li" "$SCRATCH/serve.out"
'
port=$(cat "$SCRATCH/port" 2>/dev/null)

# ---- evil clients of sanshe serve ----

expect_ok "serve: evil_peer itself, honest, syncs (what follows fails for its faults alone)" '
	n=$(sessions)
	status_is 0 "$EVIL" connect "127.0.0.1:$port" honest --repo "$E"
	grep -q "org/tongxin: fast-forward;" err
	wait_sessions $((n + 1))
	grep -q " ok$" last
	sanshe -C "$A" get case/c-evil >/dev/null
'

expect_ok "serve: a key not in the roster is refused; both ends say why" '
	attack_serve honest "is not the key of any member of the roster" --key stranger
	grep -q "refused us: .*is not the key of any member of the roster" evil.err
	grep -q "unknown peer\|(SHA256:" last
	honest_follows
'

expect_ok "serve: a revoked key is refused; both ends say why" '
	attack_serve honest "Gu Ning.s key was revoked at .* (left)" --key gone
	grep -q "refused us: Gu Ning.s key was revoked" evil.err
	honest_follows
'

expect_ok "serve: another network key fails the handshake" '
	attack_serve wrong-network "another network key"
	honest_follows
'

expect_ok "serve: a frame over 1 MiB is refused before it is read" '
	attack_serve oversized "frame of 1048577 bytes; the limit is 1048576"
	grep -q "says: .*limit is 1048576" evil.err
	objects "$A" | cmp - objects.before
	honest_follows
'

expect_ok "serve: hostile JSON and a message out of turn" '
	attack_serve bad-json "sent something that is not a message where .hello. was due"
	grep -q "says:" evil.err
	attack_serve wrong-order "sent .want. where .hello. was due"
	honest_follows
'

expect_ok "serve: a tampered pack is refused; no object is kept" '
	attack_serve tamper-pack "the pack received is damaged"
	objects "$A" | cmp - objects.before
	honest_follows
'

expect_ok "serve: a pack of commits without their trees is refused; no object is kept" '
	attack_serve partial-pack "the pack is missing [0-9]* object(s) it needs"
	objects "$A" | cmp - objects.before
	honest_follows
'

expect_ok "serve: half a pack, then the connection closed" '
	attack_serve truncate-pack "truncated"
	objects "$A" | cmp - objects.before
	honest_follows
'

expect_ok "serve: a peer that stalls in the middle of its pack is dropped in a few seconds" '
	attack_serve stall "stalled for 2 s"
	test "$(cat took)" -lt 10
	objects "$A" | cmp - objects.before
	honest_follows
'

expect_ok "serve: a push naming a space that cannot be" '
	attack_serve bad-space "names a space that cannot be"
	honest_follows
'

expect_ok "serve: a push naming heads its pack does not hold moves nothing" '
	n=$(sessions)
	refs "$A" >refs.before
	status_is 0 "$EVIL" connect "127.0.0.1:$port" bad-head --repo "$E"
	grep -q "org/tongxin: refused: the pack did not hold its head" err
	wait_sessions $((n + 1))
	grep -q "org/tongxin refused: the pack did not hold its head" last
	refs "$A" | cmp - refs.before
	honest_follows
'

# ---- evil servers for sanshe sync tcp:// ----

expect_ok "sync: evil_peer itself, honest, is synced with" '
	fresh_case
	"$EVIL" serve honest --repo "$E" >evil.out 2>evil.err &
	evil=$!
	port=$(port_of evil.out)
	status_is 0 sanshe -C "$C" sync "tcp://127.0.0.1:$port"
	wait "$evil"
	grep -q "^org/tongxin  *fast-forward" out
	sanshe -C "$C" get "case/c-evil-$fresh" >/dev/null
'

expect_ok "sync: a server that is not a sanshe node" '
	attack_sync not-sanshe "does not answer as a sanshe node"
'

expect_ok "sync: a server whose key is not in the roster; both ends say why" '
	attack_sync honest "is not the key of any member of the roster" --key stranger
	grep -q "the node at tcp://127.0.0.1:$port: key SHA256:" err
	grep -q "refused us: .*is not the key of any member of the roster" evil.err
'

expect_ok "sync: a server whose key was revoked; both ends say why" '
	attack_sync honest "Gu Ning.s key was revoked" --key gone
	grep -q "refused us: .*Gu Ning.s key was revoked" evil.err
'

expect_ok "sync: a server under another network key" '
	attack_sync wrong-network "another network key"
'

expect_ok "sync: a frame over 1 MiB" '
	attack_sync oversized "frame of 1048577 bytes; the limit is 1048576"
	grep -q "says: .*limit is 1048576" evil.err
'

expect_ok "sync: hostile JSON and a message out of turn" '
	attack_sync bad-json "sent something that is not a message where .heads. was due"
	grep -q "says:" evil.err
	attack_sync wrong-order "sent .result. where .heads. was due"
	grep -q "says:" evil.err
'

expect_ok "sync: a tampered pack" '
	attack_sync tamper-pack "the pack received is damaged"
	grep -q "says: .*damaged" evil.err
'

expect_ok "sync: a pack of commits without their trees" '
	attack_sync partial-pack "the pack is missing [0-9]* object(s) it needs"
	grep -q "says: .*missing" evil.err
'

expect_ok "sync: half a pack, then the connection closed" '
	attack_sync truncate-pack "truncated"
'

expect_ok "sync: a server that stalls in the middle of its pack: given up within seconds" '
	attack_sync stall "stalled for 2 s"
	test "$(cat took)" -lt 10
'

expect_ok "sync: heads naming a space that cannot be, or a commit the pack does not hold" '
	attack_sync bad-space "names a space that cannot be"
	grep -q "says: .*names a space that cannot be" evil.err
	attack_sync bad-head "named commit e\{40\} as the head of .[a-z/]*. but did not send it"
	grep -q "says: .*did not send it" evil.err
'

# ---- honest-looking servers of forged history ----

# forged NAME: a copy of the agency to forge in, as F and G.
forged() {
	rm -rf "$SCRATCH/$1"
	cp -a "$A" "$SCRATCH/$1"
	F="$SCRATCH/$1"
	G="git -C $F"
}

# commit_files MESSAGE [PATH=BLOB | -PATH]...: a commit on org/tongxin in F
# made with plain git, signed with the ssh key SIGN_WITH when set; the head moves.
commit_files() {
	msg=$1
	shift
	export GIT_INDEX_FILE="$SCRATCH/.index"
	rm -f "$GIT_INDEX_FILE"
	$G read-tree org/tongxin
	for change in "$@"; do
		case $change in
		-*) printf '0 %040d\t%s\n' 0 "${change#-}" | $G update-index --index-info ;;
		*) $G update-index --add --cacheinfo "100644,${change#*=},${change%%=*}" ;;
		esac
	done
	tree=$($G write-tree)
	unset GIT_INDEX_FILE
	if [ -n "${SIGN_WITH:-}" ]; then
		c=$($G -c gpg.format=ssh -c user.signingkey="$SIGN_WITH" commit-tree -S "$tree" -p org/tongxin -m "$msg")
	else
		c=$($G commit-tree "$tree" -p org/tongxin -m "$msg")
	fi
	$G update-ref refs/heads/org/tongxin "$c"
	echo "$c"
}

path_of() {
	h=$(printf %s "$2" | sha256sum | cut -c1-2)
	echo "$1/$h/$2.json"
}

# served_forgery RULE: the forgery in F served by sanshe serve --once; the
# community finds RULE, holds the history in quarantine and merges nothing.
served_forgery() {
	heads "$C" >heads.before
	"$SANSHE_BIN" -C "$F" serve --listen 127.0.0.1:0 --once >f.out 2>f.log &
	f=$!
	fport=$(port_of f.out)
	status_is 1 sanshe -C "$C" sync "tcp://127.0.0.1:$fport"
	wait "$f" || true
	cat err f.log # shown when a test fails
	grep -q "$1" err
	grep -q "held in quarantine as .*: they fail verification (above) from the first new one on; nothing of them is merged" err
	heads "$C" | cmp - heads.before
	git -C "$C" rev-parse -q --verify "refs/sanshe/quarantine/127-0-0-1-$fport/org/tongxin" >/dev/null
	grep -q "^sanshe serve: .*; ok$" f.log
}

expect_ok "a forged document signature, served by sanshe serve: refused, nothing merged" '
	forged f1
	sanshe -C "$C" get case/c1 >c1.before
	p=$(path_of case c1)
	$G cat-file blob "org/tongxin:$p" | python3 -c "import json,sys; d=json.load(sys.stdin); d[\"risk_level\"]=\"low\" if d.get(\"risk_level\")!=\"low\" else \"high\"; print(json.dumps(d, ensure_ascii=False))" | sanshe canon >forged.json
	b=$($G hash-object -w --stdin <forged.json)
	SIGN_WITH="$SCRATCH/li" commit_files "risk changed" "$p=$b" >/dev/null
	served_forgery "document-signature-bad"
	sanshe -C "$C" get case/c1 | cmp - c1.before
'

expect_ok "a forged commit signature: refused, nothing merged" '
	forged f2
	c=$(SIGN_WITH="$SCRATCH/li" commit_files "signed")
	forged_c=$($G cat-file commit "$c" | sed "s/^signed$/signed, then changed/" | $G hash-object -t commit -w --stdin)
	$G update-ref refs/heads/org/tongxin "$forged_c"
	served_forgery "commit-signature-bad"
'

expect_ok "a commit by a key not allowed to write cases: refused, nothing merged" '
	forged f3
	p=$(path_of case c1)
	SIGN_WITH="$SCRATCH/zhao" commit_files "finance removes a case" "-$p" >/dev/null
	served_forgery "not-allowed"
	sanshe -C "$C" get case/c1 >/dev/null
'

expect_ok "rewritten history, a case note removed by a signed commit: refused, nothing merged" '
	forged f4
	p=$(path_of case-note n-1)
	SIGN_WITH="$SCRATCH/li" commit_files "note removed" "-$p" >/dev/null
	served_forgery "append-only-changed"
	sanshe -C "$C" get case-note/n-1 >/dev/null
'

expect_ok "an unsigned commit made by hand: refused, nothing merged" '
	forged f5
	p=$(path_of case c1)
	commit_files "c1 removed by hand" "-$p" >/dev/null
	served_forgery "commit-unsigned"
	sanshe -C "$C" get case/c1 >/dev/null
'

# ---- stopping ----

expect_ok "SIGTERM: serve finishes the session under way, then exits 0" '
	fresh_case
	n=$(sessions)
	rm -f stall.out
	"$EVIL" connect "127.0.0.1:$port" stall --repo "$E" >stall.out 2>stall.err &
	evil=$!
	port_of stall.out >/dev/null
	kill -TERM "$(cat "$SCRATCH/serve.pid")"
	i=0
	while [ ! -s "$SCRATCH/serve.rc" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	test "$(cat "$SCRATCH/serve.rc")" = 0
	wait "$evil" || true
	grep -q "stopping: waiting for 1 session(s) to end" "$SCRATCH/serve.log"
	wait_sessions $((n + 1))
	grep -q "dropped: .*stalled" last
	sed -n "/stopping/,\$p" "$SCRATCH/serve.log" | grep -q "dropped: .*stalled"
'

done_testing
