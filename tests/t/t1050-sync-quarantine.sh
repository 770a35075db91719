#!/bin/sh
# sanshe sync with a peer whose history fails verification part way: the
# failing commit and what builds on it wait in quarantine with a report
# naming the commit, the document and the rule; the part before it is
# merged; the other spaces still sync; syncing again adds nothing; the
# held history cannot be accepted, only refused; and history that fails
# from its first new commit merges nothing.
. "$(dirname "$0")/lib.sh"

A="$SCRATCH/agency"
P="$SCRATCH/peer"
F="$SCRATCH/first"

case_json() {
	python3 -c "import json,sys; d=json.load(open(\"$EXAMPLES/case.json\")); d[\"id\"]=sys.argv[1]; print(json.dumps(d, ensure_ascii=False))" "$1" >"$SCRATCH/$1.json"
}

# path_of TYPE ID: where the document is kept.
path_of() {
	h=$(printf %s "$2" | sha256sum | cut -c1-2)
	echo "$1/$h/$2.json"
}

# forge NODE ID: a commit on NODE's org/tongxin, signed by Zhao Min (a
# social worker, with an ssh-keygen key), holding case ID changed after it
# was signed; NODE's head moves to it and its id is printed.
forge() {
	p=$(path_of case "$2")
	git -C "$1" cat-file blob "org/tongxin:$p" | python3 -c "import json,sys; d=json.load(sys.stdin); d[\"risk_level\"]=\"low\" if d.get(\"risk_level\")!=\"low\" else \"high\"; print(json.dumps(d, ensure_ascii=False))" | sanshe canon >"$SCRATCH/forged.json"
	b=$(git -C "$1" hash-object -w "$SCRATCH/forged.json")
	export GIT_INDEX_FILE="$SCRATCH/.index"
	rm -f "$GIT_INDEX_FILE"
	git -C "$1" read-tree org/tongxin
	git -C "$1" update-index --add --cacheinfo "100644,$b,$p"
	tree=$(git -C "$1" write-tree)
	unset GIT_INDEX_FILE
	c=$(git -C "$1" -c gpg.format=ssh -c user.signingkey="$SCRATCH/zhao" commit-tree -S "$tree" -p org/tongxin -m "risk level changed")
	git -C "$1" update-ref refs/heads/org/tongxin "$c"
	echo "$c"
}

# commits NODE: how many commits every space of NODE holds, with the quarantine.
commits() {
	git -C "$1" rev-list --count --all
}

short() {
	echo "$1" | cut -c1-12
}

expect_ok "a peer puts a good case, then a forged one, then another good one" '
	sanshe key new wang-li >/dev/null 2>&1
	sanshe key new li-na >/dev/null 2>&1
	ssh-keygen -q -t ed25519 -N "" -C zhao -f "$SCRATCH/zhao"
	sanshe init "$A" --org 同心社工 --kind agency --admin "Wang Li" --org-id tongxin --key wang-li >/dev/null 2>&1
	sanshe -C "$A" member add --name "Li Na" --org tongxin --role social-worker --public-key "$SANSHE_HOME/keys/li-na.pub" --valid-from 2020-01-01T00:00:00Z --key wang-li >/dev/null
	sanshe -C "$A" member add --name "Zhao Min" --org tongxin --role social-worker --public-key "$SCRATCH/zhao.pub" --valid-from 2020-01-01T00:00:00Z --key wang-li >/dev/null
	case_json c-0
	sanshe -C "$A" put "$SCRATCH/c-0.json" --key li-na >/dev/null
	cp -a "$A" "$P"
	cp -a "$A" "$F"
	case_json c-good
	sanshe -C "$P" put "$SCRATCH/c-good.json" --key li-na >/dev/null
	git -C "$P" rev-parse org/tongxin >good
	forge "$P" c-good >bad
	case_json c-after
	sanshe -C "$P" put "$SCRATCH/c-after.json" --key li-na >/dev/null
	git -C "$P" rev-parse org/tongxin >tip
	test "$(git -C "$P" rev-parse org/tongxin~2)" = "$(cat good)"
	sanshe key new zhou >/dev/null 2>&1
	sanshe -C "$A" member add --name "Zhou Yan" --org tongxin --role community-worker --public-key "$SANSHE_HOME/keys/zhou.pub" --valid-from 2020-01-01T00:00:00Z --key wang-li >/dev/null
'

expect_ok "sync: the part before the forged commit is merged, the rest is held; the roster still goes" '
	ptrust=$(git -C "$P" rev-parse trust)
	status_is 1 sanshe -C "$A" sync "$P" --key wang-li
	test "$(git -C "$A" rev-parse org/tongxin)" = "$(cat good)"
	test "$(git -C "$A" rev-parse refs/sanshe/quarantine/peer/org/tongxin)" = "$(cat tip)"
	grep -q "^  document-signature-bad, commit $(short "$(cat bad)"), case/c-good" err
	grep -q "2 commit(s) held in quarantine as .peer/org/tongxin." err
	grep -q "up to commit $(short "$(cat good)"), is merged" err
	grep -q "^org/tongxin *partly merged; the rest held in quarantine$" out
	grep -q "^trust *up to date; sent$" out
	grep -q "1 space(s) held in quarantine" err
	test "$(git -C "$P" rev-parse trust)" != "$ptrust"
	test "$(git -C "$P" rev-parse org/tongxin)" = "$(cat tip)"
	sanshe -C "$A" get case/c-good >/dev/null
	not sanshe -C "$A" get case/c-after
'

expect_ok "quarantine list names the failing commit, the document and the rule" '
	sanshe -C "$A" quarantine list >list
	grep -q "^peer/org/tongxin  (space org/tongxin, tip $(short "$(cat tip)"))" list
	grep -q "^    $(short "$(cat bad)")  case/c-good fails document-signature-bad: " list
	grep -q "refuse it with .sanshe quarantine refuse peer/org/tongxin." list
	sanshe -C "$A" quarantine list --json >q.json
	python3 - "$(cat bad)" <<-"PY"
	import json, sys
	q = json.load(open("q.json"))
	assert len(q) == 1 and q[0]["name"] == "peer/org/tongxin" and q[0]["commits"] == [], q
	f = q[0]["findings"]
	assert [x["rule"] for x in f] == ["document-signature-bad"], f
	assert f[0]["commit"] == sys.argv[1] and f[0]["type"] == "case" and f[0]["id"] == "c-good", f
	assert f[0]["message"], f
	PY
'

expect_ok "syncing again adds nothing and still tells of the held history" '
	heads=$(git -C "$A" for-each-ref refs/heads/)
	n=$(commits "$A")
	status_is 1 sanshe -C "$A" sync "$P" --key wang-li --json
	test "$(git -C "$A" for-each-ref refs/heads/)" = "$heads"
	test "$(commits "$A")" = "$n"
	python3 -c "import json; j=json.load(open(\"out\")); s={x[\"space\"]: x for x in j[\"spaces\"]}; assert s[\"org/tongxin\"][\"received\"]==\"quarantined\" and s[\"org/tongxin\"][\"quarantine\"]==\"peer/org/tongxin\" and j[\"quarantined\"]==1, j"
	test "$(sanshe -C "$A" quarantine list --json | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")" = 1
'

expect_ok "held history that fails verification cannot be accepted, only refused" '
	head=$(git -C "$A" rev-parse org/tongxin)
	trust=$(git -C "$A" rev-parse trust)
	status_is 1 sanshe -C "$A" quarantine accept peer/org/tongxin --key wang-li
	grep -q "document-signature-bad" err
	tail -n 1 err | grep -q "fails verification with 1 finding(s), above, and cannot be accepted: refuse it"
	test "$(git -C "$A" rev-parse org/tongxin)" = "$head"
	test "$(git -C "$A" rev-parse trust)" = "$trust"
	status_is 0 sanshe -C "$A" quarantine refuse peer/org/tongxin
	not git -C "$A" rev-parse -q --verify refs/sanshe/quarantine/peer/org/tongxin
	sanshe -C "$A" quarantine list | grep -q "nothing is held"
	test "$(git -C "$A" rev-parse org/tongxin)" = "$head"
	status_is 0 sanshe -C "$A" verify
'

expect_ok "with work of our own, the part before the forged commit is merged with it" '
	rm -rf "$SCRATCH/own"
	cp -a "$F" "$SCRATCH/own"
	case_json c-own
	sanshe -C "$SCRATCH/own" put "$SCRATCH/c-own.json" --key li-na >/dev/null
	own=$(git -C "$SCRATCH/own" rev-parse org/tongxin)
	status_is 1 sanshe -C "$SCRATCH/own" sync "$P" --key wang-li --json
	python3 -c "import json; j=json.load(open(\"out\")); s={x[\"space\"]: x for x in j[\"spaces\"]}; assert s[\"org/tongxin\"][\"received\"]==\"partly merged; the rest held in quarantine\", j"
	head=$(git -C "$SCRATCH/own" rev-parse org/tongxin)
	test "$(git -C "$SCRATCH/own" rev-parse "$head^1")" = "$own"
	test "$(git -C "$SCRATCH/own" rev-parse "$head^2")" = "$(cat good)"
	not git -C "$SCRATCH/own" merge-base --is-ancestor "$(cat bad)" "$head"
	git -C "$SCRATCH/own" log -1 --format=%B "$head" | grep -q "up to $(short "$(cat good)")"
	status_is 0 sanshe -C "$SCRATCH/own" verify
	n=$(commits "$SCRATCH/own")
	status_is 1 sanshe -C "$SCRATCH/own" sync "$P" --key wang-li
	test "$(git -C "$SCRATCH/own" rev-parse org/tongxin)" = "$head"
	test "$(commits "$SCRATCH/own")" = "$n"
'

expect_ok "history that fails from its first new commit merges nothing" '
	rm -rf "$SCRATCH/bad1"
	cp -a "$F" "$SCRATCH/bad1"
	forge "$SCRATCH/bad1" c-0 >first.id
	case_json c-later
	sanshe -C "$SCRATCH/bad1" put "$SCRATCH/c-later.json" --key li-na >/dev/null
	heads=$(git -C "$F" for-each-ref refs/heads/)
	theirs=$(git -C "$SCRATCH/bad1" for-each-ref refs/heads/)
	status_is 1 sanshe -C "$F" sync "$SCRATCH/bad1" --key wang-li
	test "$(git -C "$F" for-each-ref refs/heads/)" = "$heads"
	test "$(git -C "$SCRATCH/bad1" for-each-ref refs/heads/)" = "$theirs"
	grep -q "^  document-signature-bad, commit $(short "$(cat first.id)"), case/c-0" err
	grep -q "2 commit(s) held in quarantine as .bad1/org/tongxin.: they fail verification (above) from the first new one on; nothing of them is merged" err
	grep -q "^org/tongxin *held in quarantine$" out
	test "$(git -C "$F" rev-parse refs/sanshe/quarantine/bad1/org/tongxin)" = "$(git -C "$SCRATCH/bad1" rev-parse org/tongxin)"
'

expect_ok "sanshe merge still refuses such history whole" '
	git -C "$F" fetch -q "$P" "+org/tongxin:refs/remotes/p/org/tongxin"
	head=$(git -C "$F" rev-parse org/tongxin)
	status_is 1 sanshe -C "$F" merge p/org/tongxin --key wang-li
	tail -n 1 err | grep -q "p/org/tongxin was not merged: its history fails verification with 1 finding"
	test "$(git -C "$F" rev-parse org/tongxin)" = "$head"
	not git -C "$F" rev-parse -q --verify refs/sanshe/quarantine/p/org/tongxin
'

done_testing
