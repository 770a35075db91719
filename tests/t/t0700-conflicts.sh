#!/bin/sh
# Conflicts: listing them (conflicts).
. "$(dirname "$0")/lib.sh"

export SANSHE_REPO="$SCRATCH/node"
ID=0183ca3d-eec0-7046-9e0c-55503fa5093f
CASE=case/$ID
UNKNOWN=SHA256:2222222222222222222222222222222222222222220

# heads: every space's head, to compare before and after a refused command.
heads() {
	git -C "$SANSHE_REPO" for-each-ref --format="%(refname) %(objectname)" refs/heads
}

# fingerprint NAME: the fingerprint of the key NAME of this home.
fingerprint() {
	sanshe key show "$1" --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["fingerprint"])'
}

# conflicted [RISK]: the example case with its risk level RISK (high) kept
# against "low" (Li Na) and "medium" (a key not in the roster), its phone
# kept against Li Na's removal, its household size removed against Li Na's 2.
conflicted() {
	python3 - "$EXAMPLES/case.json" "$(fingerprint li)" "$UNKNOWN" "${1:-high}" <<-'PY'
	import json, sys
	d = json.load(open(sys.argv[1]))
	li, unknown = sys.argv[2], sys.argv[3]
	d["risk_level"] = sys.argv[4]
	del d["client"]["household_size"]
	d["_conflicts"] = [
	    {"path": "/risk_level", "value": "low", "key": li, "at": "2024-05-01T08:00:00.000Z/0000"},
	    {"path": "/client/phone", "key": li, "at": "2024-05-01T08:00:00.000Z/0001"},
	    {"path": "/risk_level", "value": "medium", "key": unknown, "at": "2024-05-02T09:30:00.000Z/0000"},
	    {"path": "/client/household_size", "value": 2, "key": li, "at": "2024-05-01T08:00:00.000Z/0002"},
	]
	print(json.dumps(d, ensure_ascii=False))
	PY
}

# entries [DOC]: how many _conflicts entries the stored case (or DOC) has.
entries() {
	sanshe get "${1:-$CASE}" | python3 -c 'import json, sys; print(len(json.load(sys.stdin).get("_conflicts", [])))'
}

expect_ok "a node with two members, and a case put with conflicts" '
	sanshe init "$SANSHE_REPO" --org 同心社工 --kind agency --admin "Wang Li" --org-id tongxin >/dev/null 2>&1
	sanshe key new li >/dev/null
	printf "{\"type\":\"member\",\"id\":\"li\",\"name\":\"Li Na\",\"org\":\"tongxin\",\"roles\":[\"social-worker\"],\"key\":\"%s\",\"valid_from\":\"2020-01-01T00:00:00Z\"}" "$(sanshe key show li | head -1)" >li.json
	sanshe put li.json >/dev/null
	conflicted >c.json
	sanshe put c.json >out
	test "$(cat out)" = "$CASE"
	test "$(entries)" -eq 4
'

expect_ok "conflicts lists each path with its options, who wrote them and when" '
	sanshe conflicts >out
	grep -qx "$CASE (space org/tongxin)" out
	grep -qx "  at /risk_level:" out
	grep -qx "    \[0\] kept: \"high\"" out
	grep -qx "    \[1\] other: \"low\", by Li Na at 2024-05-01T08:00:00.000Z/0000" out
	grep -qx "    \[2\] other: \"medium\", by $UNKNOWN at 2024-05-02T09:30:00.000Z/0000" out
	grep -qx "  at /client/phone:" out
	grep -qx "    \[0\] kept: \"0931-8827315\"" out
	grep -qx "    \[1\] other: (removed), by Li Na at 2024-05-01T08:00:00.000Z/0001" out
	grep -qx "    \[0\] kept: (removed)" out
	grep -qx "    \[1\] other: 2, by Li Na at 2024-05-01T08:00:00.000Z/0002" out
	grep -q "documents with conflicts: 1; conflicting paths: 3" out
'

expect_ok "conflicts --json is one array of documents, paths and options" '
	sanshe conflicts --json >out
	one_line out
	python3 - "$ID" "$(fingerprint li)" "$UNKNOWN" <<-"PY"
	import json, sys
	docs = json.load(open("out"))
	assert len(docs) == 1, docs
	d = docs[0]
	assert (d["space"], d["type"], d["id"]) == ("org/tongxin", "case", sys.argv[1]), d
	paths = {p["path"]: p for p in d["conflicts"]}
	assert [p["path"] for p in d["conflicts"]] == ["/risk_level", "/client/phone", "/client/household_size"], d
	risk = paths["/risk_level"]
	assert risk["kept"] == {"value": "high"}, risk
	assert risk["others"][0] == {"option": 1, "value": "low", "key": sys.argv[2], "member": "Li Na",
	                             "at": "2024-05-01T08:00:00.000Z/0000"}, risk
	assert risk["others"][1]["member"] is None and risk["others"][1]["key"] == sys.argv[3], risk
	phone = paths["/client/phone"]["others"][0]
	assert phone["removed"] is True and "value" not in phone, phone
	assert paths["/client/household_size"]["kept"] == {"removed": True}, paths
	PY
'

expect_ok "conflicts of one document, of a space, and none" '
	sanshe conflicts "$CASE" >out
	grep -qx "$CASE (space org/tongxin)" out
	sanshe conflicts "$CASE" --space org/tongxin >out
	grep -qx "  at /risk_level:" out
	sanshe conflicts --space common >out
	grep -qx "no conflicts" out
	sanshe conflicts --space common --json >out
	test "$(cat out)" = "[]"
	sed "s/\"team\": \"[^\"]*\"/\"team\": \"_conflicts\"/" "$EXAMPLES/roster.json" >roster.json
	grep -q "\"_conflicts\"" roster.json
	sanshe put roster.json >/dev/null
	sanshe conflicts --space common >out
	grep -qx "no conflicts" out
	status_is 1 sanshe conflicts --space nowhere
	grep -q "not a space" err
	status_is 1 sanshe conflicts case/nothing-here
	grep -q "no case/nothing-here" err
'

done_testing
