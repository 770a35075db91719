#!/bin/sh
# Three offices edit one case file offline and meet in different orders
# (the street office's edit of another field is the latest, which must not
# make the agency's older risk level win over the community's):
# every office ends with the same record and the same tree, the conflict is
# listed alike everywhere, a person settles it at one office, and the
# settlement reaches the others through the next merges.
. "$(dirname "$0")/lib.sh"

# edit NODE FIELD=VALUE...: a new version of case c1 in NODE.
edit() {
	node="$SCRATCH/$1"
	shift
	edit_case "$node" c1 "$@"
}

# meet TO FROM: TO fetches FROM's space and merges it.
meet() {
	git -C "$SCRATCH/$1" fetch -q "$SCRATCH/$2" "+org/tongxin:refs/remotes/$2/org/tongxin"
	sanshe -C "$SCRATCH/$1" merge "$2/org/tongxin" >/dev/null
}

tree() {
	git -C "$SCRATCH/$1" rev-parse "org/tongxin^{tree}"
}

# record NODE: case c1 without _merge/from, which names the versions merged.
record() {
	sanshe -C "$SCRATCH/$1" get case/c1 | python3 -c '
import json, sys
d = json.load(sys.stdin)
d.get("_merge", {}).pop("from", None)
print(json.dumps(d, sort_keys=True, ensure_ascii=False))'
}

expect_ok "three copies of a node, one case file, three offline edits" '
	sanshe init "$SCRATCH/agency" --org 同心社工 --kind agency --admin "Wang Li" --org-id tongxin --role social-worker >/dev/null 2>&1
	python3 -c "import json; d=json.load(open(\"$EXAMPLES/case.json\")); d[\"id\"]=\"c1\"; print(json.dumps(d, ensure_ascii=False))" >c1.json
	sanshe -C "$SCRATCH/agency" put "$SCRATCH/c1.json" >/dev/null
	cp -a "$SCRATCH/agency" "$SCRATCH/community"
	cp -a "$SCRATCH/agency" "$SCRATCH/street"
	edit agency risk_level=high
	edit community risk_level=low
	edit street status=assessed
'

expect_ok "met in different orders, the three records are the same" '
	cp -a "$SCRATCH/agency" "$SCRATCH/agency2"
	cp -a "$SCRATCH/community" "$SCRATCH/community2"
	cp -a "$SCRATCH/street" "$SCRATCH/street2"
	meet agency street
	meet agency community
	meet community2 street2
	meet community2 agency2
	test "$(record agency)" = "$(record community2)"
	record agency >r.json
	grep -q "\"risk_level\": \"low\"" r.json
	grep -q "\"status\": \"assessed\"" r.json
	grep -q "\"path\": \"/risk_level\", \"value\": \"high\"" r.json
'

expect_ok "after everyone has met everyone, one tree everywhere" '
	meet street agency
	meet community agency
	meet agency community
	meet street agency
	test "$(tree agency)" = "$(tree community)"
	test "$(tree agency)" = "$(tree street)"
'

expect_ok "the conflict is listed alike at every office" '
	sanshe -C "$SCRATCH/agency" conflicts --json >a.json
	sanshe -C "$SCRATCH/street" conflicts --json >s.json
	cmp a.json s.json
	grep -q "/risk_level" a.json
	grep -q "\"kept\":{\"at\":\"[^\"]*\",\"key\":\"SHA256:[^\"]*\",\"member\":\"Wang Li\",\"value\":\"low\"}" a.json
	sanshe -C "$SCRATCH/agency" conflicts >out
	grep -q "\[0\] kept: \"low\", by Wang Li at 20" out
	grep -q "\[1\] other: \"high\", by Wang Li at 20" out
'

expect_ok "settled at one office, settled everywhere after the next merges" '
	sanshe -C "$SCRATCH/street" resolve case/c1 --path /risk_level --take 1 >/dev/null
	meet agency street
	meet community agency
	sanshe -C "$SCRATCH/agency" conflicts >out
	grep -q "no conflicts" out
	sanshe -C "$SCRATCH/community" conflicts >out
	grep -q "no conflicts" out
	test "$(record agency)" = "$(record community)"
	record community >r.json
	grep -q "\"risk_level\": \"high\"" r.json
	test "$(tree agency)" = "$(tree street)"
'

done_testing
