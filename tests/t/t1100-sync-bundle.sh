#!/bin/sh
# Sealed bundles carried between three offices (an agency, a community, a
# street office), each with its own member and key: offline edits including
# the same field of one roster, bundles exchanged in several orders until
# every node holds the same heads and lists the conflict; --to and --since;
# bundle open and stock git; applying twice changes nothing; hostile files
# are refused with one line and no ref of the node moves.
. "$(dirname "$0")/lib.sh"

A="$SCRATCH/agency"
C="$SCRATCH/community"
S="$SCRATCH/street"
S0="$SCRATCH/street-late"
X="$SCRATCH/stranger"
B="$SCRATCH/usb"
mkdir -p "$B"

# a|c|s|s0|x ARGS...: sanshe at that node, with its office's home (its keys).
a() { SANSHE_HOME="$SCRATCH/home-a" "$SANSHE_BIN" -C "$A" "$@"; }
c() { SANSHE_HOME="$SCRATCH/home-c" "$SANSHE_BIN" -C "$C" "$@"; }
s() { SANSHE_HOME="$SCRATCH/home-s" "$SANSHE_BIN" -C "$S" "$@"; }
s0() { SANSHE_HOME="$SCRATCH/home-s" "$SANSHE_BIN" -C "$S0" "$@"; }
x() { SANSHE_HOME="$SCRATCH/home-x" "$SANSHE_BIN" -C "$X" "$@"; }

# refs NODE: every ref of the node, with its target.
refs() {
	git -C "$1" for-each-ref --format='%(refname) %(objectname)'
}

# head NODE SPACE
head_of() {
	git -C "$1" rev-parse "refs/heads/$2"
}

# key HOME NAME: make the key NAME in HOME; its public line goes to $SCRATCH/NAME.pub.
key() {
	SANSHE_HOME="$SCRATCH/$1" "$SANSHE_BIN" key new "$2" >/dev/null 2>&1
	SANSHE_HOME="$SCRATCH/$1" "$SANSHE_BIN" key show "$2" | head -n 1 >"$SCRATCH/$2.pub"
}

# doc FILE TYPE ID: the example of TYPE with id ID, written to FILE.
doc() {
	python3 - "$EXAMPLES/$2.json" "$3" >"$1" <<-'PY'
	import json, sys
	d = json.load(open(sys.argv[1]))
	d["id"] = sys.argv[2]
	print(json.dumps(d, ensure_ascii=False))
	PY
}

# edit NODE-FUNCTION TYPE/ID FIELD VALUE: a new version with FIELD set.
edit() {
	"$1" get "$2" >"$SCRATCH/.cur.json"
	python3 - "$SCRATCH/.cur.json" "$3" "$4" >"$SCRATCH/.new.json" <<-'PY'
	import json, sys
	d = json.load(open(sys.argv[1]))
	for k in ("_sig", "_merge"):
	    d.pop(k, None)
	d[sys.argv[2]] = sys.argv[3]
	print(json.dumps(d, ensure_ascii=False))
	PY
	"$1" put "$SCRATCH/.new.json" >/dev/null
}

expect_ok "an agency, a community and a street office, each with its own member and key" '
	SANSHE_HOME="$SCRATCH/home-a" sanshe init "$A" --org 同心社工 --kind agency --admin "Wang Li" --org-id tongxin --role social-worker --role coordinator >/dev/null 2>&1
	a org add 惠民社区居委会 --kind community --id huiming --reader tongxin >/dev/null
	a org add 城关街道办事处 --kind street-office --id chengguan --reader tongxin >/dev/null
	a org readers tongxin --add huiming --add chengguan >/dev/null
	key home-c zhang-wei
	key home-s zhao-min
	key home-a li-na
	a member add --name "Zhang Wei" --org huiming --role community-worker --public-key "$SCRATCH/zhang-wei.pub" --id zw --valid-from 2020-01-01T00:00:00Z >/dev/null
	a member add --name "Zhao Min" --org chengguan --role social-worker --public-key "$SCRATCH/zhao-min.pub" --id zm --valid-from 2020-01-01T00:00:00Z >/dev/null
	a member add --name "Li Na" --org tongxin --role social-worker --public-key "$SCRATCH/li-na.pub" --id ln --valid-from 2020-01-01T00:00:00Z >/dev/null
	doc "$SCRATCH/r1.json" roster r1
	a put "$SCRATCH/r1.json" >/dev/null
	cp -a "$A" "$C"
	cp -a "$A" "$S"
	cp -a "$A" "$S0"
	c member list >out
	grep -q "Zhang Wei" out
'

expect_ok "offline edits: a case in each office, and the same field of one roster at two" '
	doc "$SCRATCH/c-agency.json" case c-agency
	a put "$SCRATCH/c-agency.json" >/dev/null
	doc "$SCRATCH/c-community.json" case c-community
	c put "$SCRATCH/c-community.json" >/dev/null
	doc "$SCRATCH/c-street.json" case c-street
	s put "$SCRATCH/c-street.json" >/dev/null
	edit a roster/r1 team 同心助老服务队
	sleep 1
	edit c roster/r1 team 惠民志愿者队
	head_of "$C" org/huiming >/dev/null
	head_of "$S" org/chengguan >/dev/null
'

expect_ok "a bundle leaves out, and names, a space some recipient may not read" '
	status_is 0 s bundle create -o "$B/s-to-both.sanshe" --to tongxin --to huiming
	grep -q "^wrote $B/s-to-both.sanshe ([0-9]* bytes): trust, common, org/tongxin$" out
	grep -q "^for Li Na, Wang Li, Zhang Wei$" out
	grep -q "^left out: org/chengguan (Zhang Wei may not read it)$" out
	status_is 0 s bundle create -o "$B/s-to-agency.sanshe" --to tongxin
	grep -q "trust, common, org/chengguan, org/tongxin$" out
	grep -q "^for Li Na, Wang Li$" out
	not grep -q "left out" out
'

expect_ok "bundle open: the sender is named and stock git verifies the plain bundle" '
	status_is 0 c bundle open "$B/s-to-both.sanshe" -o "$SCRATCH/s.bundle"
	grep -q "^opened $B/s-to-both.sanshe, from Zhao Min (zm, SHA256:" out
	git -C "$C" bundle verify "$SCRATCH/s.bundle" >out 2>&1
	grep -q "is okay" out
	git bundle list-heads "$SCRATCH/s.bundle" | cut -d" " -f2 >heads
	printf "refs/heads/trust\nrefs/heads/common\nrefs/heads/org/tongxin\n" | sort >want
	sort heads | cmp - want
'

expect_ok "community to street, then street to agency: the conflict is merged at the agency" '
	status_is 0 c bundle create -o "$B/c-to-s.sanshe" --to zm
	status_is 0 s sync "$B/c-to-s.sanshe"
	grep -q "^common  *fast-forward$" out
	test "$(head_of "$S" common)" = "$(head_of "$C" common)"
	status_is 0 s bundle create -o "$B/s-to-agency.sanshe" --to tongxin
	status_is 0 a bundle apply "$B/s-to-agency.sanshe"
	grep -q "^common  *merged$" out
	grep -q "^org/chengguan  *fast-forward$" out
	grep -q "1 new conflicts" out
	test "$(head_of "$A" org/chengguan)" = "$(head_of "$S" org/chengguan)"
	a conflicts >conf
	grep -q "at /team:" conf
	git -C "$A" rev-parse --verify -q refs/sanshe/peers/zm/common >/dev/null
'

expect_ok "community to agency: its own space arrives; what the street office brought is there already" '
	status_is 0 c bundle create -o "$B/c-to-a.sanshe" --to tongxin
	status_is 0 a sync "$B/c-to-a.sanshe" --json
	python3 -c "
import json; j=json.load(open(\"out\")); s={x[\"space\"]: x for x in j[\"spaces\"]}
assert s[\"org/huiming\"][\"received\"]==\"fast-forward\", j
assert s[\"common\"][\"received\"]==\"up to date\", j
assert j[\"objects_received\"]>0 and j[\"bytes_received\"]>0, j"
	test "$(head_of "$A" org/huiming)" = "$(head_of "$C" org/huiming)"
'

expect_ok "the agency to everyone: every node ends with the same heads and lists the conflict" '
	status_is 0 a bundle create -o "$B/a-all.sanshe"
	grep -q "^for Li Na, Wang Li, Zhang Wei, Zhao Min$" out
	grep -q "^left out: org/chengguan (Zhang Wei may not read it), org/huiming (Zhao Min may not read it)$" out
	status_is 0 c bundle apply "$B/a-all.sanshe"
	status_is 0 s bundle apply "$B/a-all.sanshe"
	for space in trust common org/tongxin; do
		test "$(head_of "$A" $space)" = "$(head_of "$C" $space)"
		test "$(head_of "$A" $space)" = "$(head_of "$S" $space)"
	done
	test "$(head_of "$A" org/huiming)" = "$(head_of "$C" org/huiming)"
	test "$(head_of "$A" org/chengguan)" = "$(head_of "$S" org/chengguan)"
	for n in a c s; do $n conflicts | grep -c "^roster/r1"; done | sort -u >counts
	test "$(cat counts)" = 1
	for n in a c s; do $n verify >/dev/null; done
'

expect_ok "applying the same bundle twice changes nothing" '
	refs "$C" >before
	status_is 0 c bundle apply "$B/a-all.sanshe"
	refs "$C" | cmp - before
	grep -v "^synced with" out | grep -v "^received" >spaces
	test "$(sed "s/^[^ ]*  *//" spaces | sort -u)" = "up to date"
	test "$(wc -l <spaces)" -eq 3
'

expect_ok "--since: only what the peer has not sent us, with prerequisites" '
	edit a case/c-agency risk_level high
	status_is 0 a bundle create -o "$B/a-full.sanshe" --to zw
	status_is 0 a bundle create -o "$B/a-since.sanshe" --to zw --since zw
	grep -q "since what zw last sent: 2 prerequisite commit(s), 2 space(s) with nothing new left out" out
	grep -q "^wrote $B/a-since.sanshe ([0-9]* bytes): common, org/tongxin$" out
	test "$(wc -c <"$B/a-since.sanshe")" -lt "$(wc -c <"$B/a-full.sanshe")"
	c bundle open "$B/a-since.sanshe" -o "$SCRATCH/since.bundle" >/dev/null
	git -C "$C" bundle verify "$SCRATCH/since.bundle" >out 2>&1
	grep -q "requires these 2 refs" out
	grep -q "is okay" out
	test "$(git bundle list-heads "$SCRATCH/since.bundle" | wc -l)" -eq 2
	status_is 0 c bundle apply "$B/a-since.sanshe"
	grep -q "^org/tongxin  *fast-forward$" out
	test "$(head_of "$A" org/tongxin)" = "$(head_of "$C" org/tongxin)"
'

expect_ok "--since with nothing new writes nothing; an unknown peer is told plainly" '
	wl=$(git -C "$C" for-each-ref --format="%(refname)" refs/sanshe/peers/ | grep -v "/zm/" | sed -n "s|refs/sanshe/peers/\([^/]*\)/trust|\1|p")
	test -n "$wl"
	status_is 0 c bundle create -o "$B/nothing.sanshe" --since "$wl"
	grep -q "^nothing new for $wl since what it last sent: no bundle written$" out
	test ! -e "$B/nothing.sanshe"
	status_is 1 c bundle create -o "$B/nothing.sanshe" --since nobody
	one_line err
	grep -q "nothing was ever received here from .nobody." err
	test ! -e "$B/nothing.sanshe"
'

expect_ok "wrong recipients and wrong use are refused plainly" '
	status_is 1 a bundle create -o "$B/none.sanshe" --to nobody
	one_line err
	grep -q "^sanshe: --to .nobody.: no member or organization of this federation has that id$" err
	status_is 1 a bundle create -o "$B/none.sanshe" --to zw --space org/chengguan
	one_line err
	grep -q "Zhang Wei may not read it" err
	test ! -e "$B/none.sanshe"
	status_is 2 a bundle
	status_is 2 a bundle create
	status_is 2 a bundle open "$B/a-all.sanshe"
	status_is 2 a bundle apply
	status_is 1 a bundle apply "$C"
	one_line err
	grep -q "is not a bundle file" err
	status_is 0 a bundle --help
	grep -q "sanshe bundle create -o FILE" out
	ls "$A" | grep -c "sanshe-bundle-" | grep -qx 0
'

# refused NODE-FUNCTION NODE FILE PATTERN: applying FILE fails with one line
# matching PATTERN, no ref of the node moves and no temporary file or
# directory is left.
refused() {
	refs "$2" >"$SCRATCH/.before"
	status_is 1 "$1" bundle apply "$3"
	one_line err
	grep -q "$4" err
	refs "$2" | cmp - "$SCRATCH/.before"
	test -z "$(ls "$2" | grep sanshe-bundle-)"
	test -z "$(ls "$2/objects/pack" | grep incoming-)"
}

expect_ok "a tampered bundle is refused; nothing changes" '
	cp "$B/a-full.sanshe" "$B/tampered.sanshe"
	size=$(wc -c <"$B/tampered.sanshe")
	python3 -c "
import sys; p=sys.argv[1]; b=bytearray(open(p,\"rb\").read()); b[len(b)//2]^=1; open(p,\"wb\").write(b)" "$B/tampered.sanshe"
	test "$(wc -c <"$B/tampered.sanshe")" -eq "$size"
	refused c "$C" "$B/tampered.sanshe" "tampered with"
'

expect_ok "a truncated bundle is refused; nothing changes" '
	head -c $(( $(wc -c <"$B/a-full.sanshe") / 2 )) "$B/a-full.sanshe" >"$B/cut.sanshe"
	refused c "$C" "$B/cut.sanshe" "cut short"
'

expect_ok "a plain git bundle is not taken for a sealed one; nothing changes" '
	git -C "$A" bundle create -q "$B/plain.bundle" refs/heads/common 2>/dev/null
	refused c "$C" "$B/plain.bundle" "not a sanshe bundle"
'

expect_ok "a bundle for someone else is refused; nothing changes" '
	a bundle create -o "$B/for-zm.sanshe" --to zm >/dev/null
	refused c "$C" "$B/for-zm.sanshe" "this bundle is for other recipients: SHA256:"
'

expect_ok "a bundle signed by a key that is not a member is refused; nothing changes" '
	SANSHE_HOME="$SCRATCH/home-x" sanshe init "$X" --org 别的社工 --kind agency --admin Stranger --org-id other >/dev/null 2>&1
	x member add --name "Zhang Wei" --org other --role social-worker --public-key "$SCRATCH/zhang-wei.pub" --valid-from 2020-01-01T00:00:00Z >/dev/null
	x bundle create -o "$B/stranger.sanshe" --to "$(x member list --json | python3 -c "import json,sys; print([m[\"id\"] for m in json.load(sys.stdin) if m[\"name\"]==\"Zhang Wei\"][0])")" >/dev/null
	refused c "$C" "$B/stranger.sanshe" "is signed by key SHA256:.*, which is not a member of this federation: nothing was applied"
	c bundle open "$B/stranger.sanshe" -o "$SCRATCH/stranger.bundle" >out
	grep -q "from key SHA256:.*, which is not a member of this federation" out
'

expect_ok "a bundle from a member revoked since is refused; nothing changes" '
	a bundle create --key li-na -o "$B/li-na.sanshe" --to zw >/dev/null
	a member revoke ln --reason left --key wang-li >/dev/null
	a bundle create -o "$B/revocation.sanshe" --to zw --since zw >/dev/null
	c bundle apply "$B/revocation.sanshe" >/dev/null
	c member list >out
	grep "Li Na" out | grep -q revoked
	refused c "$C" "$B/li-na.sanshe" "is signed by Li Na (ln), whose key was revoked at .* (left): nothing was applied"
	status_is 1 a bundle create -o "$B/none.sanshe" --to ln
	one_line err
	grep -q "was revoked at" err
'

# forge_risk FILE: change the risk level in the signed case FILE, keeping its _sig.
forge_risk() {
	python3 - "$1" <<-'PY'
	import re, sys
	text = open(sys.argv[1]).read()
	forged = re.sub(r'"risk_level":"[a-z]*"', '"risk_level":"low"', text)
	assert forged != text
	open(sys.argv[1], "w").write(forged)
	PY
}

expect_ok "a bundle whose history has a forged document and commit is held in quarantine; nothing is merged" '
	cp -a "$S" "$SCRATCH/forger"
	git clone -q -b org/tongxin "$SCRATCH/forger" "$SCRATCH/forge-wt"
	f=$(git -C "$SCRATCH/forge-wt" ls-files "case/*/c-agency.json")
	test -n "$f"
	forge_risk "$SCRATCH/forge-wt/$f"
	git -C "$SCRATCH/forge-wt" -c user.name=x -c user.email=x@x commit -q -am "by hand"
	git -C "$SCRATCH/forge-wt" push -q origin HEAD:refs/heads/org/tongxin
	SANSHE_HOME="$SCRATCH/home-s" "$SANSHE_BIN" -C "$SCRATCH/forger" bundle create -o "$B/forged.sanshe" --to zw >/dev/null
	git -C "$C" for-each-ref --format="%(refname) %(objectname)" refs/heads/ >before
	status_is 1 c bundle apply "$B/forged.sanshe"
	grep -q "commit-unsigned" err
	grep -q "held in quarantine" err
	git -C "$C" for-each-ref --format="%(refname) %(objectname)" refs/heads/ | cmp - before
	c get case/c-agency | grep -q "\"risk_level\":\"high\""
'

expect_ok "a bundle that needs history this node does not have is refused; nothing changes" '
	a bundle create -o "$B/needs.sanshe" --to zm --since zw >/dev/null
	refused s0 "$S0" "$B/needs.sanshe" "the bundle needs commit [0-9a-f]*, which this node does not have: apply the bundles before it first"
	grep -q "^sanshe: .$B/needs.sanshe.: " err
'

done_testing
