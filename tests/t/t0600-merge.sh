#!/bin/sh
# sanshe merge: two copies of one node edit the same case file offline,
# fetch each other's space with plain git fetch and merge: different fields
# both apply, the same field keeps the later value and records the other,
# both copies end with the same tree; fast-forward, nothing to merge,
# append-only clashes and bad input change nothing.
. "$(dirname "$0")/lib.sh"

A="$SCRATCH/a"
B="$SCRATCH/b"

# edit NODE FIELD=VALUE...: a new version of case c1 in NODE.
edit() {
	node="$1"
	shift
	edit_case "$node" c1 "$@"
}

# fetch TO FROM: FROM's org/tongxin as TO's refs/remotes/peer/org/tongxin.
fetch() {
	git -C "$1" fetch -q "$2" "+org/tongxin:refs/remotes/peer/org/tongxin"
}

tree() {
	git -C "$1" rev-parse "org/tongxin^{tree}"
}

field() {
	sanshe -C "$1" get case/c1 | python3 -c "import json,sys; print(json.load(sys.stdin).get('$2'))"
}

expect_ok "two copies of a node, one case file" '
	sanshe init "$A" --org 同心社工 --kind agency --admin "Wang Li" --org-id tongxin --role social-worker >/dev/null 2>&1
	python3 -c "import json; d=json.load(open(\"$EXAMPLES/case.json\")); d[\"id\"]=\"c1\"; print(json.dumps(d, ensure_ascii=False))" >c1.json
	sanshe -C "$A" put "$SCRATCH/c1.json" >/dev/null
	cp -a "$A" "$B"
	test "$(tree "$A")" = "$(tree "$B")"
'

expect_ok "a space that already has REF: nothing to merge" '
	fetch "$A" "$B"
	sanshe -C "$A" merge peer/org/tongxin >out
	grep -q "nothing to merge" out
'

expect_ok "only the other side changed: fast-forward" '
	edit "$B" risk_level=high
	fetch "$A" "$B"
	sanshe -C "$A" merge peer/org/tongxin >out
	grep -q "moved forward" out
	test "$(git -C "$A" rev-parse org/tongxin)" = "$(git -C "$B" rev-parse org/tongxin)"
'

expect_ok "edits of different fields both apply, on both copies alike" '
	edit "$A" risk_level=critical
	edit "$B" status=assessed
	fetch "$A" "$B"
	fetch "$B" "$A"
	sanshe -C "$A" merge --json peer/org/tongxin >out
	grep -q "\"outcome\":\"merged\"" out
	grep -q "\"conflicts\":0" out
	sanshe -C "$B" merge peer/org/tongxin >/dev/null
	test "$(field "$A" risk_level)" = critical
	test "$(field "$A" status)" = assessed
	test "$(tree "$A")" = "$(tree "$B")"
'

expect_ok "copies that merged alike settle on one commit" '
	fetch "$A" "$B"
	fetch "$B" "$A"
	sanshe -C "$A" merge peer/org/tongxin >/dev/null
	sanshe -C "$B" merge peer/org/tongxin >/dev/null
	fetch "$A" "$B"
	sanshe -C "$A" merge peer/org/tongxin >/dev/null
	test "$(git -C "$A" rev-parse org/tongxin)" = "$(git -C "$B" rev-parse org/tongxin)"
'

expect_ok "the same field: the later edit wins, the other is kept in _conflicts" '
	edit "$B" risk_level=low
	edit "$A" risk_level=medium
	fetch "$A" "$B"
	fetch "$B" "$A"
	sanshe -C "$A" merge peer/org/tongxin >out
	grep -q "1 new conflicts" out
	sanshe -C "$B" merge peer/org/tongxin >/dev/null
	test "$(field "$A" risk_level)" = medium
	sanshe -C "$A" get case/c1 >doc.json
	grep -q "\"_conflicts\":\[{\"at\":\"[^\"]*\",\"key\":\"SHA256:[^\"]*\",\"path\":\"/risk_level\",\"value\":\"low\"}\]" doc.json
	grep -q "\"_merge\":{\"at\"" doc.json
	not grep -q "\"_sig\"" doc.json
	test "$(tree "$A")" = "$(tree "$B")"
'

expect_ok "stock git verifies the merge commits; fsck is clean" '
	sanshe -C "$A" export allowed-signers -o "$SCRATCH/signers"
	test "$(git -C "$A" rev-list --merges org/tongxin | wc -l)" -ge 2
	for c in $(git -C "$A" rev-list org/tongxin); do git -C "$A" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$SCRATCH/signers" verify-commit "$c" 2>/dev/null; done
	git -C "$A" fsck --strict 2>err
	git -C "$A" log -1 --format=%B org/tongxin >msg
	grep -q "^Sanshe-Op: merge" msg
'

expect_ok "a removal against an edit: the edit stays, the removal is recorded" '
	fetch "$A" "$B"
	sanshe -C "$A" merge peer/org/tongxin >/dev/null
	fetch "$B" "$A"
	sanshe -C "$B" merge peer/org/tongxin >/dev/null
	sanshe -C "$A" rm case/c1 >/dev/null
	edit "$B" status=in-service
	fetch "$A" "$B"
	sanshe -C "$A" merge peer/org/tongxin >/dev/null
	test "$(field "$A" status)" = in-service
	sanshe -C "$A" get case/c1 >doc.json
	grep -q "\"path\":\"\"}" doc.json
'

expect_ok "two different notes under one id: refused by name, nothing moves" '
	python3 -c "import json; d=json.load(open(\"$EXAMPLES/case-note.json\")); d[\"id\"]=\"n1\"; d[\"text\"]=\"A\"; print(json.dumps(d, ensure_ascii=False))" >na.json
	python3 -c "import json; d=json.load(open(\"$EXAMPLES/case-note.json\")); d[\"id\"]=\"n1\"; d[\"text\"]=\"B\"; print(json.dumps(d, ensure_ascii=False))" >nb.json
	sanshe -C "$A" put "$SCRATCH/na.json" >/dev/null
	sanshe -C "$B" put "$SCRATCH/nb.json" >/dev/null
	fetch "$A" "$B"
	before=$(git -C "$A" rev-parse org/tongxin)
	status_is 1 sanshe -C "$A" merge peer/org/tongxin
	one_line err
	grep -q "n1" err
	grep -q "written once" err
	test "$(git -C "$A" rev-parse org/tongxin)" = "$before"
'

expect_ok "bad input: one clear line, nothing moves" '
	before=$(git -C "$A" rev-parse org/tongxin)
	status_is 1 sanshe -C "$A" merge no-such-branch
	one_line err
	grep -q "names no commit" err
	status_is 2 sanshe -C "$A" merge
	status_is 2 sanshe -C "$A" merge HEAD~0
	grep -q "give --space" err
	test "$(git -C "$A" rev-parse org/tongxin)" = "$before"
	sanshe help merge >out
	grep -q "usage: sanshe merge" out
'

done_testing
