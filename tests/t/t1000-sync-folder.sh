#!/bin/sh
# sanshe sync with a node at a path (a shared folder, a USB stick): three
# offices edit offline, including the same field of one case, and sync in
# several orders; every node ends with the same heads and lists the same
# conflict.  Peers by name; another federation is refused with nothing
# changed on either side; history that fails verification waits in
# quarantine, no head moved (t1050 has the part of it that is merged).
. "$(dirname "$0")/lib.sh"

A="$SCRATCH/agency"
C="$SCRATCH/community"
S="$SCRATCH/street"

# heads NODE: every space's head, one per line.
heads() {
	git -C "$1" for-each-ref --format='%(refname) %(objectname)' refs/heads/
}

# trees NODE: every space's tree, one per line (the same records, byte for byte).
trees() {
	git -C "$1" for-each-ref --format='%(refname) %(objectname)^{tree}' refs/heads/ |
		while read -r ref obj; do echo "$ref $(git -C "$1" rev-parse "$obj")"; done
}

case_json() {
	python3 -c "import json,sys; d=json.load(open(\"$EXAMPLES/case.json\")); d[\"id\"]=sys.argv[1]; print(json.dumps(d, ensure_ascii=False))" "$1" >"$SCRATCH/$1.json"
}

expect_ok "three offices of one federation, offline" '
	sanshe init "$A" --org 同心社工 --kind agency --admin "Wang Li" --org-id tongxin --role social-worker >/dev/null 2>&1
	case_json c1
	sanshe -C "$A" put "$SCRATCH/c1.json" >/dev/null
	cp -a "$A" "$C"
	cp -a "$A" "$S"
	case_json c-agency
	sanshe -C "$A" put "$SCRATCH/c-agency.json" >/dev/null
	case_json c-community
	sanshe -C "$C" put "$SCRATCH/c-community.json" >/dev/null
	case_json c-street
	sanshe -C "$S" put "$SCRATCH/c-street.json" >/dev/null
	edit_case "$A" c1 risk_level=high
	sleep 1
	edit_case "$C" c1 risk_level=low
'

expect_ok "sync agency with community: both end with the same heads; the conflict is listed" '
	status_is 0 sanshe -C "$A" sync "$C"
	grep -q "^org/tongxin *merged; sent$" out
	grep -q "1 new conflicts" out
	heads "$A" >a
	heads "$C" >c
	cmp a c
	sanshe -C "$C" conflicts >conf
	grep -q "at /risk_level:" conf
'

expect_ok "peers by name: add, list, json, sync, rm" '
	sanshe -C "$S" peer add agency "$A" --key SHA256:qZ4LDl4VgZdyJJRpHGh6G6EgLC4ETA04+qdKDsNYCpo >/dev/null
	sanshe -C "$S" peer list >out
	grep -q "^agency  *$A  SHA256:" out
	sanshe -C "$S" peer list --json | python3 -c "import json,sys; p=json.load(sys.stdin); assert p[0][\"name\"]==\"agency\" and p[0][\"url\"]==\"$A\", p"
	status_is 1 sanshe -C "$S" peer add agency "$C"
	grep -q "already" err
	status_is 1 sanshe -C "$S" peer add "bad name" "$C"
	status_is 1 sanshe -C "$S" peer add nowhere "$SCRATCH/none"
	sanshe -C "$S" sync agency --json >j
	python3 -c "import json; j=json.load(open(\"j\")); s={x[\"space\"]: x for x in j[\"spaces\"]}; assert s[\"org/tongxin\"][\"received\"]==\"merged\" and s[\"org/tongxin\"][\"sent\"], j"
	sanshe -C "$S" peer rm agency >/dev/null
	sanshe -C "$S" peer list >out
	test ! -s out
'

expect_ok "after syncing in another order every node holds the same records" '
	sanshe -C "$C" sync "$S" >/dev/null
	sanshe -C "$A" sync "$C" >/dev/null
	trees "$A" >a
	trees "$C" >c
	trees "$S" >s
	cmp a c
	cmp a s
	for n in "$A" "$C" "$S"; do sanshe -C "$n" get case/c-street >/dev/null; sanshe -C "$n" get case/c-agency >/dev/null; done
	for n in "$A" "$C" "$S"; do sanshe -C "$n" conflicts | grep -c "^case/c1" ; done | sort -u >counts
	test "$(cat counts)" = "1"
'

expect_ok "syncing again changes nothing" '
	heads "$A" >before
	status_is 0 sanshe -C "$A" sync "$S"
	heads "$A" | cmp - before
	not grep -q "sent" out
'

expect_ok "a node of another federation is refused; nothing changes on either side" '
	sanshe init "$SCRATCH/other" --org 别的社工 --kind agency --admin "Zhao" --org-id tongxin --key wang-li >/dev/null 2>&1
	heads "$A" >a
	heads "$SCRATCH/other" >o
	status_is 1 sanshe -C "$A" sync "$SCRATCH/other"
	one_line err
	grep -q "another federation" err
	heads "$A" | cmp - a
	heads "$SCRATCH/other" | cmp - o
'

expect_ok "history that fails verification is held in quarantine; no head moves on either side" '
	cp -a "$C" "$SCRATCH/bad"
	tree=$(git -C "$SCRATCH/bad" rev-parse "org/tongxin^{tree}")
	c=$(git -C "$SCRATCH/bad" commit-tree "$tree" -p org/tongxin -m "by hand")
	git -C "$SCRATCH/bad" update-ref refs/heads/org/tongxin "$c"
	heads "$A" >a
	heads "$SCRATCH/bad" >b
	status_is 1 sanshe -C "$A" sync "$SCRATCH/bad"
	grep -q "^  commit-unsigned, commit ${c%${c#????????????}}" err
	grep -q "1 commit(s) held in quarantine as .bad/org/tongxin.: they fail verification (above) from the first new one on; nothing of them is merged" err
	grep -q "^org/tongxin *held in quarantine$" out
	heads "$A" | cmp - a
	heads "$SCRATCH/bad" | cmp - b
	test "$(git -C "$A" rev-parse refs/sanshe/quarantine/bad/org/tongxin)" = "$c"
	sanshe -C "$A" quarantine refuse bad/org/tongxin >/dev/null
'

expect_ok "an organization's case files reach only the nodes allowed to read them" '
	sanshe -C "$A" org add 惠民社区居委会 --kind community --id huiming --key wang-li >/dev/null
	sanshe key new hm >/dev/null 2>&1
	sanshe -C "$A" member add --name "He Min" --org huiming --role social-worker --public-key "$SANSHE_HOME/keys/hm.pub" --valid-from 2020-01-01T00:00:00Z --key wang-li >/dev/null
	case_json c-huiming
	sanshe -C "$A" put "$SCRATCH/c-huiming.json" --key hm >/dev/null
	git -C "$A" rev-parse --verify -q refs/heads/org/huiming >/dev/null
	status_is 0 sanshe -C "$C" sync "$A" --key wang-li
	grep -q "1 space(s) of the other node not taken" out
	not git -C "$C" rev-parse --verify -q refs/heads/org/huiming
	sanshe -C "$A" org readers huiming --add tongxin --key wang-li >/dev/null
	status_is 0 sanshe -C "$C" sync "$A" --key wang-li
	git -C "$C" rev-parse --verify -q refs/heads/org/huiming >/dev/null
	sanshe -C "$C" get case/c-huiming >/dev/null
'

expect_ok "clone: a new node from the agency's, once it shows the founder's key" '
	fp=$(sanshe key show wang-li --json | python3 -c "import json,sys; print(json.load(sys.stdin)[\"fingerprint\"])")
	status_is 1 sanshe clone "$A" "$SCRATCH/new" --expect SHA256:qZ4LDl4VgZdyJJRpHGh6G6EgLC4ETA04+qdKDsNYCpo
	one_line err
	grep -q "not SHA256:qZ4L" err
	test ! -e "$SCRATCH/new"
	status_is 2 sanshe clone "$A" "$SCRATCH/new"
	status_is 0 sanshe clone "$A" "$SCRATCH/new" --expect "$fp"
	grep -q "spaces trust common org/" out
	for space in trust common org/tongxin; do test "$(git -C "$SCRATCH/new" rev-parse "$space")" = "$(git -C "$A" rev-parse "$space")"; done
	status_is 0 sanshe -C "$SCRATCH/new" verify
	status_is 1 sanshe clone "$A" "$SCRATCH/new" --expect "$fp"
	ls "$SCRATCH" | grep -c cloning | grep -qx 0
'

expect_ok "wrong use of sync is told plainly" '
	status_is 2 sanshe -C "$A" sync
	status_is 2 sanshe -C "$A" sync "$C" --space nonsense
	status_is 1 sanshe -C "$A" sync tcp://no-such-host:99999
	one_line err
	grep -q "tcp://HOST:PORT" err
	status_is 1 sanshe -C "$A" peer add bad "$SCRATCH/nowhere"
	one_line err
'

done_testing
