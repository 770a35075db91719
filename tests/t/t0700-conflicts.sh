#!/bin/sh
# Conflicts: listing them (conflicts), settling them (resolve: an option, a
# value of one's own, or in the editor), put and import carrying them into
# new versions; stock git verifies the resolve commits.
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

# field POINTER: the stored case's value there, as JSON ("absent" when none).
field() {
	sanshe get "$CASE" | python3 -c '
import json, sys
v = json.load(sys.stdin)
for t in sys.argv[1].split("/")[1:]:
    if not isinstance(v, dict) or t not in v:
        print("absent")
        sys.exit(0)
    v = v[t]
print(json.dumps(v, ensure_ascii=False))' "$1"
}

# plain POINTER VALUE: c.json without its _conflicts, and VALUE (JSON) at POINTER.
plain() {
	python3 - "$1" "$2" <<-'PY'
	import json, sys
	d = json.load(open("c.json"))
	del d["_conflicts"]
	*parents, last = sys.argv[1].split("/")[1:]
	holder = d
	for t in parents:
	    holder = holder[t]
	holder[last] = json.loads(sys.argv[2])
	print(json.dumps(d, ensure_ascii=False))
	PY
}

# kept: the file in which a refused edit was kept (named in err).
kept() {
	sed -n "s/.*your edit is kept in //p" err
}

# Editors for resolve: each changes the file it is given, as a person would.
cat >edit-json <<'EOF'
#!/bin/sh
# edit-json WHAT FILE: settle-phone, forge, risk-only or settle-invalid.
python3 - "$1" "$2" <<'PY'
import json, sys
what, path = sys.argv[1], sys.argv[2]
d = json.load(open(path))
def settle(path):
    d["_conflicts"] = [c for c in d["_conflicts"] if c["path"] != path]
if what == "settle-phone":
    settle("/client/phone")
    del d["client"]["phone"]
elif what == "forge":
    d["_conflicts"][0]["value"] = "critical"
elif what == "risk-only":
    d["risk_level"] = "critical"
elif what == "settle-invalid":
    settle("/client/household_size")
    d["risk_level"] = "extreme"
json.dump(d, open(path, "w"), ensure_ascii=False, indent=2)
PY
EOF
chmod +x edit-json

expect_ok "a node with two members, and a case put with conflicts" '
	sanshe init "$SANSHE_REPO" --org 同心社工 --kind agency --admin "Wang Li" --org-id tongxin \
		--role social-worker --role coordinator >/dev/null 2>&1
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
	grep -qx "    \[0\] kept: \"high\", by Wang Li at 20[0-9T:.Z/-]*" out
	grep -qx "    \[1\] other: \"low\", by Li Na at 2024-05-01T08:00:00.000Z/0000" out
	grep -qx "    \[2\] other: \"medium\", by $UNKNOWN at 2024-05-02T09:30:00.000Z/0000" out
	grep -qx "  at /client/phone:" out
	grep -qx "    \[0\] kept: \"0931-8827315\", by Wang Li at 20[0-9T:.Z/-]*" out
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
	assert risk["kept"]["value"] == "high" and risk["kept"]["member"] == "Wang Li", risk
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

expect_ok "put keeps the stored conflicts when the record says nothing of them" '
	plain /client/address "\"兰州市城关区东岗西路兰园小区9号楼\"" >plain.json
	not grep -q _conflicts plain.json
	sanshe put plain.json >/dev/null
	test "$(field /client/address)" = "\"兰州市城关区东岗西路兰园小区9号楼\""
	test "$(entries)" -eq 4
	sanshe get "$CASE" >stored.json
	sanshe check stored.json >/dev/null
'

expect_ok "resolve --take 0 keeps the value, --take N takes another; the entries go" '
	sanshe resolve "$CASE" --path /client/household_size --take 0 >out
	grep -qx "resolved $CASE at '"'"'/client/household_size'"'"'" out
	test "$(field /client/household_size)" = absent
	test "$(entries)" -eq 3
	sanshe resolve "$CASE" --path /risk_level --take 2 >/dev/null
	test "$(field /risk_level)" = "\"medium\""
	test "$(entries)" -eq 1
	git -C "$SANSHE_REPO" log -1 --format=%B org/tongxin >msg
	grep -qx "Sanshe-Op: resolve $CASE" msg
'

expect_ok "resolve --take N of a removal removes the field; the last path needs no --path" '
	test "$(field /client/phone)" = "\"0931-8827315\""
	sanshe resolve "$CASE" --take 1 >/dev/null
	test "$(field /client/phone)" = absent
	test "$(field /client/name)" = "\"马秀兰\""
	test "$(entries)" -eq 0
	sanshe conflicts >out
	grep -qx "no conflicts" out
'

expect_ok "bad input is one line naming it, and nothing is written" '
	conflicted >c.json
	sanshe put c.json >/dev/null
	heads >before
	status_is 1 sanshe resolve "$CASE" --path /client/name --take 0
	one_line err
	grep -q "has no conflict at .\/client\/name.; its conflicts are at ./risk_level." err
	status_is 1 sanshe resolve "$CASE" --path /risk_level --take 3
	one_line err
	grep -q "no option 3 at ./risk_level.: 0 keeps the value it has, 1 to 2" err
	status_is 1 sanshe resolve "$CASE" --path /risk_level --value "\"extr"
	one_line err
	grep -q "^sanshe: --value:1:" err
	status_is 1 sanshe resolve "$CASE" --path /risk_level --value "\"extreme\""
	one_line err
	grep -q "/risk_level: must be one of" err
	status_is 1 sanshe resolve "$CASE" --take 0
	one_line err
	grep -q "conflicts at 3 paths: say which with --path" err
	status_is 1 sanshe resolve "roster/$(sanshe ls roster | cut -d/ -f2)" --take 0
	one_line err
	grep -q "has no conflicts to resolve" err
	status_is 1 sanshe resolve case/nothing-here --take 0
	grep -q "no case/nothing-here" err
	status_is 2 sanshe resolve "$CASE" --path /risk_level --take one
	grep -q "give the number of an option" err
	status_is 2 sanshe resolve "$CASE" --path /risk_level --take 1 --value 1
	grep -q "not both" err
	status_is 2 sanshe resolve "$CASE" --path /risk_level
	grep -q "needs --take N or --value JSON" err
	heads | cmp - before
'

expect_ok "resolve --value sets a value of ones own" '
	sanshe resolve "$CASE" --path /risk_level --value "\"critical\"" >/dev/null
	test "$(field /risk_level)" = "\"critical\""
	test "$(entries)" -eq 2
	sanshe resolve "$CASE" --path /client/household_size --take 1 >/dev/null
	test "$(field /client/household_size)" = 2
	test "$(entries)" -eq 1
'

expect_ok "taking the removal of the whole document is refused: that is sanshe rm" '
	python3 - "$EXAMPLES/case.json" "$(fingerprint li)" >gone.json <<-"PY"
	import json, sys
	d = json.load(open(sys.argv[1]))
	d["id"] = "case-gone"
	d["_conflicts"] = [{"path": "", "key": sys.argv[2], "at": "2024-05-03T10:00:00.000Z/0000"}]
	print(json.dumps(d, ensure_ascii=False))
	PY
	sanshe put gone.json >/dev/null
	sanshe conflicts case/case-gone >out
	grep -qx "  the whole document:" out
	grep -qx "    \[0\] kept: the document as it is" out
	grep -qx "    \[1\] other: (removed), by Li Na at 2024-05-03T10:00:00.000Z/0000" out
	heads >before
	status_is 1 sanshe resolve case/case-gone --path "" --take 1
	one_line err
	grep -q "use .sanshe rm case/case-gone." err
	status_is 1 sanshe resolve case/case-gone --path "" --value "{}"
	grep -q "cannot be given as a value" err
	heads | cmp - before
	sanshe resolve case/case-gone --take 0 >/dev/null
	test "$(entries case/case-gone)" -eq 0
'

expect_ok "resolve in the editor: the entries removed are settled" '
	conflicted >c.json
	sanshe put c.json >/dev/null
	EDITOR="$SCRATCH/edit-json settle-phone" sanshe resolve "$CASE" >out
	grep -qx "resolved $CASE: 1 conflict entries settled" out
	test "$(field /client/phone)" = absent
	test "$(entries)" -eq 3
	git -C "$SANSHE_REPO" log -1 --format=%B org/tongxin >msg
	grep -qx "Sanshe-Op: resolve $CASE" msg
'

expect_ok "an edit that forges an entry, settles nothing or breaks the schema is refused and kept" '
	heads >before
	status_is 1 env EDITOR="$SCRATCH/edit-json forge" "$SANSHE_BIN" resolve "$CASE"
	grep -q "_conflicts has an entry the document did not have" err
	grep -q "\"value\":\"critical\"" err
	grep -q critical "$(kept)"
	rm "$(kept)"
	status_is 1 env EDITOR="$SCRATCH/edit-json risk-only" "$SANSHE_BIN" resolve "$CASE"
	grep -q "the edit settled no conflict" err
	rm "$(kept)"
	status_is 1 env EDITOR="$SCRATCH/edit-json settle-invalid" "$SANSHE_BIN" resolve "$CASE"
	grep -q "/risk_level: must be one of" err
	grep -q "the edit is not valid" err
	grep -q extreme "$(kept)"
	rm "$(kept)"
	heads | cmp - before
	EDITOR=true sanshe resolve "$CASE" >out
	grep -qx "no change: nothing written" out
	heads | cmp - before
'

expect_ok "git verifies the resolve commits, signed by whoever resolved" '
	sanshe resolve "$CASE" --key li --path /risk_level --take 1 >/dev/null
	test "$(field /risk_level)" = "\"low\""
	test "$(git -C "$SANSHE_REPO" log -1 --format=%an org/tongxin)" = "Li Na"
	sanshe get "$CASE" >stored.json
	sanshe check stored.json >out
	grep -q "signed by $(fingerprint li)" out
	sanshe export allowed-signers -o signers
	git -C "$SANSHE_REPO" log --format=%H --grep="^Sanshe-Op: resolve " org/tongxin >resolves
	test "$(wc -l <resolves)" -ge 7
	for c in $(cat resolves); do
		git -C "$SANSHE_REPO" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$SCRATCH/signers" verify-commit "$c" 2>/dev/null
	done
	git -C "$SANSHE_REPO" fsck --strict
'

expect_ok "import keeps the stored conflicts of the documents it replaces" '
	test "$(entries)" -eq 1
	plain /status "\"referred\"" >lines.jsonl
	sanshe import lines.jsonl >/dev/null
	test "$(field /status)" = "\"referred\""
	test "$(entries)" -eq 1
'

done_testing
